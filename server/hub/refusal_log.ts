/**
 * The server's log of messages it could not store: the first of a run at
 * once, then at most one line a minute counting the others, so that a full
 * disk does not write a line for every message sent to it.
 *
 * @module
 */

/** Least time between two lines about messages not stored, in milliseconds. */
export const REFUSAL_LOG_EVERY_MS = 60_000;

/** Logs messages not stored: the first of a run, then a count at most once a minute. */
export class RefusalLog {
  readonly #log: (line: string) => void;
  readonly #now: () => number;
  /** When the last line was logged. */
  #loggedAt = -Infinity;
  /** The reason the last line gave. */
  #reason = "";
  /** Messages not stored since the last line, and the reason of the latest. */
  #pending = 0;
  #pendingReason = "";

  /**
   * @param log Where the lines go.
   * @param now The clock, in milliseconds.
   */
  constructor(log: (line: string) => void, now: () => number = Date.now) {
    this.#log = log;
    this.#now = now;
  }

  /** A message was not stored, for `reason`. */
  refused(reason: string): void {
    this.#pending++;
    this.#pendingReason = reason;
    const now = this.#now();
    if (now - this.#loggedAt < REFUSAL_LOG_EVERY_MS) return;
    if (this.#pending === 1) {
      this.#pending = 0;
      this.#line(now, `Cannot store a message: ${reason}`);
    } else {
      this.#summary(now);
    }
  }

  /** A message was stored: the count of those refused before it is logged, if a line is due. */
  stored(): void {
    if (this.#pending === 0) return;
    const now = this.#now();
    if (now - this.#loggedAt >= REFUSAL_LOG_EVERY_MS) this.#summary(now);
  }

  #summary(now: number): void {
    const count = this.#pending;
    const why = this.#pendingReason === this.#reason ? "same reason" : this.#pendingReason;
    this.#pending = 0;
    this.#line(
      now,
      `${count.toLocaleString("en-US")} more ${
        count === 1 ? "message" : "messages"
      } not stored: ${why}`,
    );
  }

  #line(now: number, line: string): void {
    this.#loggedAt = now;
    this.#reason = this.#pendingReason;
    this.#log(line);
  }
}
