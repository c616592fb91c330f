// This module is browser compatible.

/**
 * An operator's notice as the person it concerns reads it. The server tells
 * a room `boss renamed carol to karen` or `boss made karen a person like the
 * others`, the same words for everyone there; carol reads `boss renamed you
 * (carol) to karen`, karen `boss took your operator status`. A mute said
 * with its span (`boss muted karen for 10 s`) also tells the muted person's
 * client when it ends, to say so then ({@linkcode muteOf}). No I/O.
 *
 * @module
 */

import { parseSpan } from "./duration.ts";
import { nameKey } from "./names.ts";

/** Whether `name` is the user's, `me`. */
function isMe(name: string, me: string): boolean {
  return me !== "" && nameKey(name) === nameKey(me);
}

/** One notice of an operator's act, the words for whom it concerns, and those words for them. */
const OWN_FORMS: readonly {
  pattern: RegExp;
  /** Whether the notice concerns `me`, from its groups. */
  concerns: (groups: string[], me: string) => boolean;
  /** The notice as they read it. */
  own: (groups: string[]) => string;
}[] = [
  {
    pattern: /^(\S+) renamed (\S+) to (\S+)$/,
    // Told before the rename reaches the client: the user may be either name yet.
    concerns: ([by, from, to], me) => !isMe(by!, me) && (isMe(from!, me) || isMe(to!, me)),
    own: ([by, from, to]) => `${by} renamed you (${from}) to ${to}`,
  },
  {
    pattern: /^(\S+) made (\S+) a person like the others$/,
    concerns: ([by, target], me) => !isMe(by!, me) && isMe(target!, me),
    own: ([by]) => `${by} took your operator status`,
  },
  {
    pattern:
      /^(\S+) is an operator \(proved with the secret of their name\)(; their mute is lifted)?$/,
    concerns: ([target], me) => isMe(target!, me),
    own: ([, lifted]) =>
      `You are an operator (proved with the secret of your name)${
        lifted ? "; your mute is lifted" : ""
      }`,
  },
  {
    pattern: /^(\S+) is no longer an operator$/,
    concerns: ([target], me) => isMe(target!, me),
    own: () => "You are no longer an operator",
  },
  {
    pattern: /^(\S+) made (\S+) an operator(; their mute is lifted)?$/,
    concerns: ([by, target], me) => !isMe(by!, me) && isMe(target!, me),
    own: ([by, , lifted]) => `${by} made you an operator${lifted ? "; your mute is lifted" : ""}`,
  },
  {
    pattern: /^(\S+) muted (\S+)( for .+)?$/,
    concerns: ([by, target], me) => !isMe(by!, me) && isMe(target!, me),
    own: ([by, , span]) => `${by} muted you${span ?? ""}`,
  },
  {
    pattern: /^(\S+) unmuted (\S+)$/,
    concerns: ([by, target], me) => !isMe(by!, me) && isMe(target!, me),
    own: ([by]) => `${by} unmuted you`,
  },
];

/**
 * The operator's notice `text` as `me` reads it when it concerns them
 * (`boss renamed you (carol) to karen`), or `undefined` for a notice about
 * someone else, or of anything else.
 */
export function ownNotice(text: string, me: string): string | undefined {
  for (const form of OWN_FORMS) {
    const match = form.pattern.exec(text);
    if (match === null) continue;
    const groups = match.slice(1) as string[];
    return form.concerns(groups, me) ? form.own(groups) : undefined;
  }
  return undefined;
}

/** What a notice says of a mute of the user: begun, for how long, or lifted. */
export type OwnMute =
  | { kind: "muted"; ms: number | undefined }
  | { kind: "unmuted" };

/**
 * What the notice `text` says of a mute of `me`: muted (for `ms`, or until
 * unmuted), unmuted (`/unmute`, or made an operator with their mute
 * lifted), or `undefined` when it says nothing of theirs.
 */
export function muteOf(text: string, me: string): OwnMute | undefined {
  const muted = /^(\S+) muted (\S+)(?: for (.+))?$/.exec(text);
  if (muted !== null) {
    if (!isMe(muted[2]!, me)) return undefined;
    return { kind: "muted", ms: muted[3] === undefined ? undefined : parseSpan(muted[3]) };
  }
  const unmuted = /^\S+ unmuted (\S+)$/.exec(text) ??
    /^\S+ made (\S+) an operator; their mute is lifted$/.exec(text);
  return unmuted !== null && isMe(unmuted[1]!, me) ? { kind: "unmuted" } : undefined;
}
