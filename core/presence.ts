// This module is browser compatible.

/**
 * Presence as both clients keep it: who is typing in each view (shown for a
 * while after the server last relayed it, gone at once when their message
 * comes), when to tell the server the user is typing, when the user has
 * been idle long enough to be away, whom the user ignores (kept in
 * ignore_list.ts), and the server's clock, on which others' idle time is counted.
 *
 * @module
 */

import { type ServerFrame, TYPING_RELAY_MS } from "../protocol.ts";
import { nameKey } from "./names.ts";

export { IgnoreList } from "./ignore_list.ts";

/** How long "is typing" shows after the last relay, in ms. */
export const TYPING_SHOWN_MS = 6_000;

/** The least time between two `typing` frames a client sends, in ms. */
export const TYPING_SEND_MS = 3_000;

/** Who is typing, by view. */
export class TypingWatch {
  readonly #views = new Map<string, Map<string, { name: string; until: number }>>();

  /** `name` is typing in `view`, as of `now`. */
  heard(view: string, name: string, now: number): void {
    let typing = this.#views.get(view);
    if (typing === undefined) this.#views.set(view, typing = new Map());
    typing.set(nameKey(name), { name, until: now + TYPING_SHOWN_MS });
  }

  /** `name` said something in `view`: they are no longer typing there. Returns whether they were. */
  said(view: string, name: string): boolean {
    return this.#views.get(view)?.delete(nameKey(name)) ?? false;
  }

  /** `name` left `view`, or the chat (every view): they type no more. Returns whether they were. */
  gone(name: string, view?: string): boolean {
    const views = view === undefined ? [...this.#views.values()] : [this.#views.get(view)];
    let was = false;
    for (const typing of views) was = (typing?.delete(nameKey(name)) ?? false) || was;
    return was;
  }

  /** Who is typing in `view` at `now`, in the order they started. */
  names(view: string, now: number): string[] {
    const typing = this.#views.get(view);
    if (typing === undefined) return [];
    for (const [key, entry] of typing) if (entry.until <= now) typing.delete(key);
    return [...typing.values()].map((entry) => entry.name);
  }

  /** When the next "is typing" runs out, if any shows. */
  nextChange(): number | undefined {
    let next: number | undefined;
    for (const typing of this.#views.values()) {
      for (const { until } of typing.values()) next = Math.min(next ?? until, until);
    }
    return next;
  }
}

/**
 * How "is typing" reads: `bob is typing…`, `bob and ann are typing…`, `4
 * people are typing…`; `toYou`, typing to the user alone, told where the
 * user looks at something else: `bob is typing to you…`.
 */
export function typingText(names: readonly string[], toYou = false): string {
  const to = toYou ? " to you" : "";
  if (names.length === 0) return "";
  if (names.length === 1) return `${names[0]} is typing${to}…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing${to}…`;
  return `${names.length} people are typing${to}…`;
}

/**
 * When a client tells the server its user is typing: at most every
 * {@linkcode TYPING_SEND_MS} in one place, and at once in another, where
 * nobody was told yet. Once a line is sent, the next message is told as
 * soon as the server relays it again ({@linkcode TYPING_RELAY_MS}): its
 * readers stopped showing "is typing" when the line came. Never sooner,
 * which the server would drop and count against the sender's rate all the
 * same: a fast typist would spend the burst of messages on them.
 */
export class TypingSender {
  #last = -Infinity;
  #where: string | undefined;
  /** Whether a line was sent since the last `typing`. */
  #sent = false;
  /** Whether the user lets others see them typing (`/typing on|off`). */
  on = true;

  /** Whether to send `typing` for a keystroke at `now` in `where` (a room, `@name`). */
  keystroke(now: number, where = ""): boolean {
    if (!this.on) return false;
    const wait = this.#sent ? TYPING_RELAY_MS : TYPING_SEND_MS;
    if (where === this.#where && now - this.#last < wait) return false;
    this.#last = now;
    this.#where = where;
    this.#sent = false;
    return true;
  }

  /** The user sent their line: the next keystroke starts a new message. */
  sent(): void {
    this.#sent = true;
  }
}

/**
 * Away after a while without input, and back at the next: only an away it
 * made itself, never one the user asked for with `/away`.
 */
export class IdleWatch {
  readonly #afterMs: number;
  #lastInput: number;
  #auto = false;
  #manual = false;

  /** Away after `afterMs` without input (0: never), counting from `now`. */
  constructor(afterMs: number, now: number) {
    this.#afterMs = afterMs;
    this.#lastInput = now;
  }

  /** Input at `now`: `"back"` when an automatic away ends with it. */
  input(now: number): "back" | undefined {
    this.#lastInput = now;
    if (!this.#auto) return undefined;
    this.#auto = false;
    return "back";
  }

  /** Time passes: `"away"` once the user has been idle long enough. */
  tick(now: number): "away" | undefined {
    if (this.#afterMs <= 0 || this.#auto || this.#manual) return undefined;
    if (now - this.#lastInput < this.#afterMs) return undefined;
    this.#auto = true;
    return "away";
  }

  /** The user went away (`true`, with `/away`) or came back (`false`) themselves. */
  manual(away: boolean): void {
    this.#manual = away;
    if (away) this.#auto = false;
  }

  /** Whether the user is away by the watch's doing, until their next input. */
  get away(): boolean {
    return this.#auto;
  }

  /** When `tick` may next say `"away"`, if it may. */
  get due(): number | undefined {
    if (this.#afterMs <= 0 || this.#auto || this.#manual) return undefined;
    return this.#lastInput + this.#afterMs;
  }
}

/** The live frames whose times tell how far the client's clock is off the server's. */
const CLOCK_SAMPLES = 16;

/**
 * The server's clock as a client reckons it. The times the server tells
 * (when someone last said or typed something, since when they are away)
 * are on its clock, which the client's may differ from: how long someone
 * has been idle is counted on the server's. Each live frame stamped with a
 * time tells how far the client's wall clock is ahead, plus the time the
 * frame took to arrive, and a frame sent again long after its time more:
 * so the least of the last few is the best guess.
 */
export class ServerClock {
  /** How far the client's clock was ahead of the server's, in ms, as each of the last frames told. */
  readonly #ahead: number[] = [];

  /** `frame` arrived when the client's wall clock (ms since the epoch) read `arrived`. */
  heard(frame: ServerFrame, arrived: number): void {
    if (!("ts" in frame) || (frame.type === "message" && frame.replay)) return;
    this.#ahead.push(arrived - frame.ts);
    if (this.#ahead.length > CLOCK_SAMPLES) this.#ahead.shift();
  }

  /** The server's clock when the client's wall clock reads `now`: `now` until a frame told. */
  now(now: number): number {
    return this.#ahead.length === 0 ? now : now - Math.min(...this.#ahead);
  }
}
