// This module is browser compatible.

/**
 * Presence as one conversation lives it (core/conversation.ts), on the
 * shared pieces of core/presence.ts: who is typing in each view, and when
 * their "is typing" runs out; when to tell the server the user is typing,
 * and where; going away after a while without input and coming back at the
 * next; and whom the user ignores, with what `/typing`, `/ignore`,
 * `/unignore` and `/ignores` do and say. No I/O and no timers: the times
 * come in as `now`.
 *
 * @module
 */

import { type ClientFrame, MAX_AWAY_REASON_LENGTH, type ServerFrame } from "../protocol.ts";
import { sanitizeText } from "./sanitize.ts";
import type { Line } from "./describe.ts";
import { checkName, nameKey } from "./names.ts";
import {
  ignoredNotice,
  ignoreError,
  ignoresNotice,
  typingModeNotice,
  unignoredNotice,
} from "./notices.ts";
import { type IgnoreEntry, IgnoreList } from "./ignore_list.ts";
import { IdleWatch, TypingSender, TypingWatch } from "./presence.ts";

/** The `away` a client sends by itself once its user has been idle long enough. */
function idleAway(): ClientFrame {
  return { type: "away", reason: "idle" };
}

/** Options for {@linkcode Presence}. */
export interface PresenceOptions {
  /** Away after this long without input, in ms; 0 never. */
  awayAfterMs: number;
  /** The people ignored to begin with, as remembered for this server, former names too. */
  ignored: readonly IgnoreEntry[];
}

/** The id of the view of private messages with `name`, whether or not it has begun. */
export function privateViewId(name: string): string {
  return `@${nameKey(name)}`;
}

/** Where the user types: a room, or private messages with someone; as `typing` says it. */
export type TypingPlace = { room: string } | { to: string };

/** What `/ignore`, `/unignore` or `/ignores` did: what to say, and the list when it changed. */
export interface IgnoreResult {
  /** What to tell the user. */
  line: Line;
  /** The list to remember now, former names too, when it changed. */
  changed?: IgnoreEntry[];
}

/** Options for {@linkcode Presence.ignore}. */
export interface IgnoreOptions {
  /** The name, as they have it, of the connected person `name` names, if any is known. */
  known?: (name: string) => string | undefined;
}

/** What a conversation knows and decides of presence. */
export class Presence {
  readonly #typing = new TypingWatch();
  /** The views where someone may be shown typing. */
  readonly #typingViews = new Set<string>();
  readonly #sender = new TypingSender();
  readonly #ignores: IgnoreList;
  readonly #awayAfterMs: number;
  #idle: IdleWatch | undefined;
  /** Whether the last away the client told the server of was its own, after a while idle. */
  #awayByItself = false;
  /** The reason of the `/away` the user typed (`""`: none), until their `/back`. */
  #ownAway: string | undefined;
  /** Since when the server said the user is away (ms since the epoch), until they are back. */
  #awaySince: number | undefined;

  /** Starts with `options`. */
  constructor(options: PresenceOptions) {
    this.#awayAfterMs = options.awayAfterMs;
    this.#ignores = new IgnoreList(options.ignored);
  }

  // --- Typing, incoming

  /** `name` is typing in `view`, as of `now`: reports whether that changes what shows. */
  heard(view: string, name: string, now: number): boolean {
    const before = this.#typing.names(view, now);
    this.#typing.heard(view, name, now);
    this.#typingViews.add(view);
    return !before.some((typing) => nameKey(typing) === nameKey(name));
  }

  /** `name` said something in `view`: reports whether they were shown typing there. */
  said(view: string, name: string): boolean {
    return this.#typing.said(view, name);
  }

  /**
   * `name` left `view`, or the chat when no view is given, or took another
   * name: reports whether they were shown typing there.
   */
  gone(name: string, view?: string): boolean {
    return this.#typing.gone(name, view);
  }

  /** Who is typing in `view` at `now`, in the order they started. */
  typingIn(view: string, now: number): string[] {
    return this.#typing.names(view, now);
  }

  /** Who is typing to the user alone at `now`, whether or not a private view with them began. */
  typingPrivately(now: number): string[] {
    return [...this.#typingViews].filter((view) => view.startsWith("@"))
      .flatMap((view) => this.#typing.names(view, now));
  }

  /** Time passed: reports whether an "is typing" ran out by `now`. */
  expire(now: number): boolean {
    const next = this.#typing.nextChange();
    if (next === undefined || next > now) return false;
    for (const view of this.#typingViews) {
      if (this.#typing.names(view, now).length === 0) this.#typingViews.delete(view);
    }
    return true;
  }

  /** The connection ended: nobody is known to be typing any more. Reports whether anyone was. */
  forgetTyping(now: number): boolean {
    let anyone = false;
    for (const view of this.#typingViews) {
      for (const name of this.#typing.names(view, now)) {
        anyone = this.#typing.said(view, name) || anyone;
      }
    }
    this.#typingViews.clear();
    return anyone;
  }

  // --- Typing, outgoing

  /** Whether the user lets others see them typing (`/typing on|off`). */
  get sendsTyping(): boolean {
    return this.#sender.on;
  }

  /** The `typing` to send for a keystroke at `now` in `place`, if it is time to send one. */
  keystroke(now: number, place: TypingPlace): ClientFrame | undefined {
    const where = "room" in place ? place.room : `@${nameKey(place.to)}`;
    if (!this.#sender.keystroke(now, where)) return undefined;
    return { type: "typing", ...place };
  }

  /** The user sent a line: the next keystroke begins a new message. */
  sentLine(): void {
    this.#sender.sent();
  }

  /** Runs `/typing`, with `mode` typed or not. */
  runTyping(mode: "on" | "off" | undefined): Line {
    if (mode !== undefined) this.#sender.on = mode === "on";
    if (!this.#sender.on) this.#sender.sent();
    return typingModeNotice(this.#sender.on);
  }

  // --- Away and back

  /** The server first welcomed the user at `now`: idle time counts from then. */
  welcomed(now: number): void {
    this.#idleAt(now);
  }

  /** The user did something at `now`: `back` to send when an automatic away ends with it. */
  input(now: number): ClientFrame[] {
    if (this.#idleAt(now).input(now) !== "back") return [];
    this.#awaySince = undefined;
    return [{ type: "back" }];
  }

  /**
   * Whether `frame`, the user's own `away`, has the reason of their `/away`
   * cut short: the server keeps {@linkcode MAX_AWAY_REASON_LENGTH} characters.
   */
  cutShort(frame: { type: "away"; reason?: string }): boolean {
    const typed = this.#ownAway;
    if (typed === undefined || frame.reason === undefined) return false;
    return [...sanitizeText(typed).trim()].length > MAX_AWAY_REASON_LENGTH;
  }

  /**
   * The server told the user of their own `away` or `back`: since when they
   * are away is kept, to say again to a server that restarted.
   */
  heardOwn(frame: { type: "away" | "back"; ts: number }): void {
    this.#awaySince = frame.type === "away" ? frame.ts : undefined;
  }

  /**
   * The user did something at `now` while the server could not be told: the
   * idle time counts from it all the same, and an automatic away ends, not
   * to be said again on coming back.
   */
  inputOffline(now: number): void {
    if (this.#idle?.input(now) === "back" && this.#ownAway === undefined) {
      this.#awaySince = undefined;
    }
  }

  /** Time passed: `away` to send once the user has been idle long enough. */
  idle(now: number): ClientFrame[] {
    if (this.#idleAt(now).tick(now) !== "away") return [];
    this.#awayByItself = true;
    return [idleAway()];
  }

  /**
   * Whether the user's last away was the client's own, after a while
   * without input, which any key ends, rather than an `/away` they typed.
   */
  get awayByItself(): boolean {
    return this.#awayByItself;
  }

  /**
   * The `away` to tell a server the client comes back to, if the user is
   * away: by an `/away` of theirs, or by itself after a while idle, which
   * the next input ends as before. A server that restarted, or let the
   * connection go, no longer knows it; the `away` says since when, as the
   * server told it, for it to keep that time.
   */
  awayAgain(): ClientFrame | undefined {
    const reason = this.#ownAway;
    const frame: ClientFrame | undefined = reason === undefined
      ? this.#idle?.away ? idleAway() : undefined
      : reason === ""
      ? { type: "away" }
      : { type: "away", reason };
    if (frame?.type !== "away" || this.#awaySince === undefined) return frame;
    return { ...frame, since: this.#awaySince };
  }

  /**
   * The user typed `frame` at `now`: `/away` and `/back` are theirs, and an
   * automatic away ends without a `back` of its own when they said either.
   */
  typed(frame: ClientFrame | undefined, now: number): ClientFrame[] {
    const idle = this.#idleAt(now);
    if (frame?.type === "away") {
      idle.manual(true);
      this.#awayByItself = false;
      this.#ownAway = frame.reason ?? "";
    }
    const input = idle.input(now);
    if (frame?.type === "back") {
      idle.manual(false);
      this.#ownAway = undefined;
      this.#awaySince = undefined;
      return [];
    }
    return input === "back" ? [{ type: "back" }] : [];
  }

  /** The idle watch, begun at the first time it is asked about. */
  #idleAt(now: number): IdleWatch {
    return this.#idle ??= new IdleWatch(this.#awayAfterMs, now);
  }

  // --- Ignoring

  /** The names ignored, as typed, sorted. */
  get ignored(): string[] {
    return this.#ignores.names;
  }

  /** The list to remember: the names ignored, then the names they had before. */
  get ignoreEntries(): IgnoreEntry[] {
    return this.#ignores.entries;
  }

  /**
   * Whether `frame` is from someone ignored, so shown nowhere, counted
   * nowhere; `me` never is. A message said under a name someone ignored had
   * until a rename (in a room's history, `/history` or `/search`) is theirs
   * up to the rename's time, and someone else's after it.
   */
  hides(frame: ServerFrame, me: string): boolean {
    switch (frame.type) {
      case "message":
      case "private":
        return nameKey(frame.from) !== nameKey(me) && this.#ignores.hides(frame.from, frame.ts);
      case "typing":
        return nameKey(frame.name) !== nameKey(me) && this.#ignores.has(frame.name);
      default:
        return false;
    }
  }

  /**
   * Runs `/ignore NAME` for a user called `me`. Someone connected is ignored
   * under their name as they have it (`/ignore ERIN` ignores `erin`), so
   * that `/ignores` names them as everyone sees them; someone else, as
   * already ignored, or else as typed.
   */
  ignore(typed: string, me: string, options: IgnoreOptions = {}): IgnoreResult {
    const bare = typed.replace(/^@/, "");
    const invalid = checkName(bare);
    if (invalid !== undefined) return { line: ignoreError(bare, "invalid") };
    if (me !== "" && nameKey(bare) === nameKey(me)) return { line: ignoreError(bare, "yourself") };
    const name = options.known?.(bare) ?? this.#ignores.find(bare) ?? bare;
    if (this.#ignores.add(name)) {
      return { line: ignoredNotice(name, false), changed: this.#ignores.entries };
    }
    // Ignored already, maybe as typed while they were away: as they have it from now on.
    const line = ignoredNotice(name, true);
    return this.#ignores.rename(name, name) ? { line, changed: this.#ignores.entries } : { line };
  }

  /** Runs `/unignore NAME`: names them as the list holds them (`/unignore Dave` frees `dave`). */
  unignore(typed: string): IgnoreResult {
    const bare = typed.replace(/^@/, "");
    const name = this.#ignores.find(bare) ?? bare;
    const was = this.#ignores.remove(name);
    return was
      ? { line: unignoredNotice(name, true), changed: this.#ignores.entries }
      : { line: unignoredNotice(name, false) };
  }

  /**
   * Someone was renamed from `from` to `to` at `ts` (a `renamed` frame): if
   * they were ignored, they are still, under their new name, and what they
   * said as `from` until `ts` stays hidden. The list to remember now, when
   * it changed.
   */
  renamed(from: string, to: string, ts: number): IgnoreEntry[] | undefined {
    return this.#ignores.rename(from, to, ts) ? this.#ignores.entries : undefined;
  }

  /** Runs `/ignores`. */
  listIgnores(): IgnoreResult {
    return { line: ignoresNotice(this.#ignores.names) };
  }
}
