// This module is browser compatible.

/**
 * How a client tells a dead link from a quiet one, the same for the terminal
 * and the page. Two watches: the server's heartbeat, followed from its
 * `welcome` (ping when it has been quiet a third of it, give up when it has
 * been quiet for all of it and a grace), and a line left unanswered, which
 * gets a dead link noticed within seconds. Pure: the clients hand in the time.
 *
 * @module
 */

/** A line unanswered this long, with the server quiet as long, makes the client ping it. */
export const PROBE_AFTER_MS = 2_000;

/** After such a ping, this long without a word from the server means the link is dead. */
export const SILENCE_LIMIT_MS = 5_000;

/** Seconds of silence after which a server drops a client, unless its `welcome` says otherwise. */
export const DEFAULT_HEARTBEAT_S = 30;

/** Silence allowed past the server's heartbeat before the client gives the link up. */
export const HEARTBEAT_GRACE_MS = 5_000;

/** How long the server may take to answer a `hello` before the connection counts as dead. */
export const HELLO_TIMEOUT_MS = 15_000;

/**
 * How long a server may take to answer the ping a reconnection sends ahead
 * of its `hello`: a live server answers at once, and one that took the
 * connection without answering (a process stopped, a machine stalled) is
 * given up for the next server sooner.
 */
export const KNOCK_TIMEOUT_MS = 5_000;

/**
 * Tells a dead link from a quiet one. When a line has been unanswered for
 * {@linkcode PROBE_AFTER_MS} and nothing was heard meanwhile, it advises a
 * ping; when nothing at all is heard for {@linkcode SILENCE_LIMIT_MS} after
 * that, the link is dead. Any frame counts as a sign of life, so a server
 * that is slowly working through many lines is not mistaken for a dead one.
 */
export class LinkCheck {
  #heard: number;
  #probedAt: number | undefined;

  /** Starts watching a link that just answered, at `now`. */
  constructor(now: number) {
    this.#heard = now;
  }

  /** Notes that the server was heard from at `now`. */
  heard(now: number): void {
    this.#heard = Math.max(this.#heard, now);
  }

  /**
   * What to do at `now`, given when the oldest request still unanswered was
   * sent: `"probe"` (send a ping), `"dead"` (give the link up) or nothing.
   */
  check(now: number, oldestUnanswered: number | undefined): "probe" | "dead" | undefined {
    if (this.#probedAt !== undefined) {
      if (this.#heard >= this.#probedAt) this.#probedAt = undefined;
      else return now - this.#probedAt >= SILENCE_LIMIT_MS ? "dead" : undefined;
    }
    if (
      oldestUnanswered !== undefined &&
      now - Math.max(oldestUnanswered, this.#heard) >= PROBE_AFTER_MS
    ) {
      this.#probedAt = now;
      return "probe";
    }
    return undefined;
  }
}

/**
 * Follows the server's heartbeat: when the server has been quiet for a third
 * of it, the client pings it once (any frame that comes back counts), and
 * when it has been quiet for the whole heartbeat and
 * {@linkcode HEARTBEAT_GRACE_MS} more, the link is dead, even if nothing was
 * typed.
 */
export class Heartbeat {
  readonly #limit: number;
  #heard: number;
  #pinged = false;

  /** Starts following a heartbeat of `seconds` (as `welcome` gives it) at `now`. */
  constructor(now: number, seconds: number | undefined) {
    this.#heard = now;
    this.#limit = (seconds !== undefined && seconds > 0 ? seconds : DEFAULT_HEARTBEAT_S) * 1000;
  }

  /** Notes that the server was heard from at `now`. */
  heard(now: number): void {
    this.#heard = Math.max(this.#heard, now);
    this.#pinged = false;
  }

  /** What to do at `now`: `"ping"` (once per quiet spell), `"dead"` or nothing. */
  check(now: number): "ping" | "dead" | undefined {
    const quiet = now - this.#heard;
    if (quiet > this.#limit + HEARTBEAT_GRACE_MS) return "dead";
    if (quiet <= this.#limit / 3 || this.#pinged) return undefined;
    this.#pinged = true;
    return "ping";
  }
}
