// This module is browser compatible.

/**
 * What the page asks the server by itself, to keep its sidebar and people
 * list current: the room list (`rooms`) and how the people of the room
 * looked at are (`who`). Each is asked once for a burst of changes, the
 * room list never more often than every few seconds, and their answers are
 * taken quietly: the log shows only what the user asked for.
 *
 * @module
 */

import type { ClientFrame, ServerFrame } from "../protocol.ts";

/** How long the page waits to ask for the room list, in ms: once for a burst of changes. */
const ROOMS_SOON_MS = 300;

/**
 * The least time between two room lists the page asks for by itself, in ms,
 * however often it is told that the rooms may have changed.
 */
const ROOMS_GAP_MS = 3_000;

/** How long the page waits to ask how the people are, in ms: once for a burst of changes. */
const PEOPLE_SOON_MS = 300;

/** What {@linkcode QuietAsks} needs of the page. */
export interface QuietAsksOptions {
  /** Sends `frame`; `false` if the connection could not take it. */
  send(frame: ClientFrame): boolean;
  /** Whether the page has joined, and may ask. */
  joined(): boolean;
  /** The room looked at, whose people are asked about, if the server lists several rooms. */
  room(): string | undefined;
}

/** The room list and the people, asked for by the page itself, answered quietly. */
export class QuietAsks {
  readonly #options: QuietAsksOptions;
  /** Answers still to come to the page's own `rooms` and `who`. */
  #rooms = 0;
  #who = 0;
  #roomsTimer: ReturnType<typeof setTimeout> | undefined;
  #whoTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the page last asked for the room list (`performance.now()`). */
  #roomsAsked = -Infinity;

  constructor(options: QuietAsksOptions) {
    this.#options = options;
  }

  /**
   * Asks for the room list soon, once for a burst of changes, and never
   * sooner than {@linkcode ROOMS_GAP_MS} after the page last asked.
   */
  rooms(): void {
    if (this.#roomsTimer !== undefined) return;
    const wait = Math.max(ROOMS_SOON_MS, this.#roomsAsked + ROOMS_GAP_MS - performance.now());
    this.#roomsTimer = setTimeout(() => {
      this.#roomsTimer = undefined;
      if (this.#options.joined() && this.#options.send({ type: "rooms" })) {
        this.#rooms++;
        this.#roomsAsked = performance.now();
      }
    }, wait);
  }

  /** Asks soon, once for a burst of changes, how the people of the room looked at are. */
  people(): void {
    clearTimeout(this.#whoTimer);
    this.#whoTimer = setTimeout(() => {
      const room = this.#options.room();
      if (!this.#options.joined() || room === undefined) return;
      if (this.#options.send({ type: "who", room })) this.#who++;
    }, PEOPLE_SOON_MS);
  }

  /** A new connection: no answer to an ask of the old one will come. */
  reset(): void {
    this.#rooms = 0;
    this.#who = 0;
  }

  /** Whether `frame` answers one of the page's own asks: it is taken without a word. */
  answers(frame: ServerFrame): boolean {
    if (frame.type === "rooms" && this.#rooms > 0) {
      this.#rooms--;
      return true;
    }
    if (frame.type === "who" && this.#who > 0) {
      this.#who--;
      return true;
    }
    return false;
  }
}
