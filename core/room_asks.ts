// This module is browser compatible.

/**
 * The room list a client asks the server for by itself, to complete room
 * names after `/join` (core/complete.ts): nothing tells a client of a room
 * it is not in, so it asks `rooms` once welcomed, and again as a `/join` is
 * being typed, then at most every {@linkcode ROOMS_ASK_GAP_MS}. The answers are
 * taken without a word: the user sees only the lists they asked for. Pure:
 * no I/O and no timers.
 *
 * @module
 */

import type { ClientFrame, ServerFrame } from "../protocol.ts";
import { commandNamed } from "./commands.ts";

/** The least time between two room lists asked for while a `/join` is typed, in ms. */
export const ROOMS_ASK_GAP_MS = 3_000;

/** Whether `draft`, being typed, is a `/join` whose room comes next or is being typed. */
export function typingJoin(draft: string): boolean {
  const command = /^\s*\/(\S+)\s/.exec(draft)?.[1];
  return command !== undefined && commandNamed(command)?.name === "join";
}

/** The room lists a client asks for by itself, and their answers, taken quietly. */
export class RoomAsks {
  /** When the list was last asked for as a `/join` was typed, on this connection. */
  #typedAt = Number.NEGATIVE_INFINITY;
  /**
   * Answers still to come to the lists asked for. The server answers in
   * order, and every list is as good as another: any of that many next
   * `rooms` is taken quietly, the rest shown.
   */
  #waiting = 0;

  /** The frames that ask for the room list, once welcomed. */
  welcomed(): ClientFrame[] {
    return this.#ask();
  }

  /** The frames that ask for the room list again as `draft` is typed at `now`, if it is a `/join`. */
  typed(draft: string, now: number): ClientFrame[] {
    if (!typingJoin(draft) || now - this.#typedAt < ROOMS_ASK_GAP_MS) return [];
    this.#typedAt = now;
    return this.#ask();
  }

  /** Whether `frame` answers a list asked for here: it is taken without a word. */
  answers(frame: ServerFrame): boolean {
    if (frame.type !== "rooms" || this.#waiting === 0) return false;
    this.#waiting--;
    return true;
  }

  /** The connection ended: no answer will come, and the next connection asks again. */
  closed(): void {
    this.#waiting = 0;
    this.#typedAt = Number.NEGATIVE_INFINITY;
  }

  #ask(): ClientFrame[] {
    this.#waiting++;
    return [{ type: "rooms" }];
  }
}
