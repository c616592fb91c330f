// This module is browser compatible.

/**
 * The entries of the command table (commands.ts) for being around and
 * keeping order: `/away`, `/back`, `/topic`, and the operators' commands
 * (`/oper`, `/op`, `/kick`, `/ban`, `/mute`, `/lock`, `/rename` …). The hub
 * runs them (server/hub/presence.ts, server/hub/operators.ts).
 *
 * @module
 */

import {
  NAME_FIELD,
  oneName,
  reasonOf,
  ROOM_FIELD,
  roomToLeave,
  serverCommand,
  TEXT_FIELD,
} from "./command_kinds.ts";
import { DURATION_FORMS, MAX_DURATION_SECONDS, parseDuration } from "./duration.ts";

/** A reason, given or not: at most 256 UTF-16 code units. */
const OPTIONAL_REASON = { ...NAME_FIELD, optional: true } as const;

/**
 * Since when a client coming back says its user is away (ms since the
 * epoch), as the server told it before: the server keeps that time.
 */
const AWAY_SINCE = {
  kind: "integer",
  min: 0,
  max: Number.MAX_SAFE_INTEGER,
  optional: true,
} as const;

/** How long a ban or a mute lasts, in seconds; left out, until it is lifted. */
const OPTIONAL_DURATION = {
  kind: "integer",
  min: 1,
  max: MAX_DURATION_SECONDS,
  optional: true,
} as const;

/** A word meant as a duration: a digit first, after a sign or a point if any (`-5m`, `.5h`). */
const MEANT_AS_DURATION = /^[+\-\u2212]?\.?\d/;

/**
 * The topic a line sets: `""` alone, as people write nothing, is the empty
 * text that clears it; no real topic is those two characters alone.
 */
function topicText(typed: string): string {
  return typed === '""' ? "" : typed;
}

/** Presence, topics and the operators' commands, in the order `/help` lists them. */
export const OPERATOR_COMMANDS = [
  serverCommand({
    name: "away",
    aliases: ["afk"],
    usage: "/away [REASON]",
    description: "tell others you are away, and why",
    fields: { reason: OPTIONAL_REASON, since: AWAY_SINCE },
    parse: ({ text }) => reasonOf(text),
  }),
  serverCommand({
    name: "back",
    aliases: [],
    usage: "/back",
    description: "tell others you are back",
    fields: {},
    parse: () => ({}),
  }),
  serverCommand({
    name: "topic",
    aliases: [],
    usage: "/topic [#room] [TEXT]",
    description: 'show the topic of this room, or set it, or clear it with "" (operators)',
    fields: { room: ROOM_FIELD, text: { ...TEXT_FIELD, optional: true } },
    parse: ({ text, first, after }) => {
      if (!first.startsWith("#")) return text ? { text: topicText(text) } : {};
      return after ? { room: first, text: topicText(after) } : { room: first };
    },
  }),
  serverCommand({
    name: "oper",
    aliases: [],
    usage: "/oper SECRET",
    description: "become an operator, with the secret the host gave your name",
    fields: { secret: NAME_FIELD },
    parse: ({ first, after }) => first && !after ? { secret: first } : undefined,
  }),
  serverCommand({
    name: "op",
    aliases: [],
    usage: "/op NAME",
    description: "make someone an operator (operators)",
    fields: { name: NAME_FIELD },
    parse: oneName,
  }),
  serverCommand({
    name: "deop",
    aliases: [],
    usage: "/deop NAME",
    description: "take away the powers of an operator (operators)",
    fields: { name: NAME_FIELD },
    parse: oneName,
  }),
  serverCommand({
    name: "kick",
    aliases: [],
    usage: "/kick NAME [REASON]",
    description: "disconnect someone (operators)",
    fields: { name: NAME_FIELD, reason: OPTIONAL_REASON },
    parse: ({ first, after }) => first === "" ? undefined : { name: first, ...reasonOf(after) },
  }),
  serverCommand({
    name: "ban",
    aliases: [],
    usage: "/ban NAME|ADDRESS [DURATION] [REASON]",
    description: "keep someone out, for DURATION (10m, 2h, 3d) or until /unban (operators)",
    refusal: `Usage: /ban NAME|ADDRESS [DURATION] [REASON]; DURATION is ${DURATION_FORMS}. ` +
      "A REASON that starts with a digit goes after a DURATION, or in quotes",
    fields: { target: NAME_FIELD, duration: OPTIONAL_DURATION, reason: OPTIONAL_REASON },
    parse: ({ first, after }) => {
      if (first === "") return undefined;
      const [word = "", ...rest] = after.split(/\s+/);
      const duration = parseDuration(word);
      // A word that starts with a digit, signed or not (`-5m`), is meant as a duration:
      // mistyped, it would otherwise be the reason of a ban that never ends.
      if (duration === undefined && MEANT_AS_DURATION.test(word)) return undefined;
      return {
        target: first,
        ...(duration === undefined ? {} : { duration }),
        ...reasonOf(duration === undefined ? after : rest.join(" ")),
      };
    },
  }),
  serverCommand({
    name: "unban",
    aliases: [],
    usage: "/unban NAME|ADDRESS",
    description: "lift a ban (operators)",
    fields: { target: NAME_FIELD },
    parse: ({ first, after }) => first && !after ? { target: first } : undefined,
  }),
  serverCommand({
    name: "bans",
    aliases: [],
    usage: "/bans",
    description: "list the bans (operators)",
    fields: {},
    parse: () => ({}),
  }),
  serverCommand({
    name: "mute",
    aliases: [],
    usage: "/mute NAME [DURATION]",
    description: "stop someone from talking, for DURATION or until /unmute (operators)",
    refusal: `Usage: /mute NAME [DURATION]; DURATION is ${DURATION_FORMS}`,
    fields: { name: NAME_FIELD, duration: OPTIONAL_DURATION },
    parse: ({ first, after }) => {
      if (first === "") return undefined;
      if (after === "") return { name: first };
      const duration = parseDuration(after);
      return duration === undefined ? undefined : { name: first, duration };
    },
  }),
  serverCommand({
    name: "unmute",
    aliases: [],
    usage: "/unmute NAME",
    description: "let a muted person talk again (operators)",
    fields: { name: NAME_FIELD },
    parse: oneName,
  }),
  serverCommand({
    name: "lock",
    aliases: [],
    usage: "/lock [#room]",
    description: "let only operators enter this room (operators)",
    fields: { room: ROOM_FIELD },
    parse: roomToLeave,
  }),
  serverCommand({
    name: "unlock",
    aliases: [],
    usage: "/unlock [#room]",
    description: "let everyone enter this room again (operators)",
    fields: { room: ROOM_FIELD },
    parse: roomToLeave,
  }),
  serverCommand({
    name: "rename",
    aliases: [],
    usage: "/rename NAME NEW",
    description: "give someone another name, such as a look-alike's (operators)",
    fields: { name: NAME_FIELD, to: NAME_FIELD },
    parse: ({ first, after }) =>
      first && after && !/\s/.test(after) ? { name: first, to: after } : undefined,
  }),
] as const;
