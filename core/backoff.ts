// This module is browser compatible.

/**
 * How long a client waits before it tries a lost server again, the same for
 * the terminal and the page: 1 s, 2 s, 4 s … up to 30 s, each moved by up to
 * a fifth either way so that a room of clients does not come back at once.
 * A connection dropped soon after its welcome (a server too busy for this
 * client) counts as a failure; one that lasted {@linkcode SETTLED_MS} starts
 * the count again.
 *
 * @module
 */

/** First reconnect delay, in milliseconds. */
export const FIRST_RETRY_MS = 1_000;

/** Longest reconnect delay, in milliseconds. */
export const MAX_RETRY_MS = 30_000;

/** How long a connection must last after its welcome for the next delay to be the first again. */
export const SETTLED_MS = 10_000;

/** The share by which a delay may move either way. */
const JITTER = 0.2;

/** Options for {@linkcode Backoff}. */
export interface BackoffOptions {
  /** The first delay, in milliseconds. @default {FIRST_RETRY_MS} */
  first?: number;
  /** The longest delay, in milliseconds. @default {MAX_RETRY_MS} */
  longest?: number;
  /** Returns a number in [0, 1): where within the jitter a delay falls. @default {Math.random} */
  random?: () => number;
}

/**
 * The delay before reconnect attempt `attempt` (0 for the first): `first`
 * doubled each time up to `longest`, moved by up to a fifth either way, never
 * over `longest`.
 */
export function retryDelay(attempt: number, options: BackoffOptions = {}): number {
  const first = options.first ?? FIRST_RETRY_MS;
  const longest = options.longest ?? MAX_RETRY_MS;
  const base = Math.min(longest, first * 2 ** Math.min(attempt, 16));
  const jittered = base * (1 - JITTER + (options.random ?? Math.random)() * 2 * JITTER);
  return Math.round(Math.min(longest, jittered));
}

/** Counts failed connections in a row and says how long to wait before the next attempt. */
export class Backoff {
  readonly #options: BackoffOptions;
  #failures = 0;
  #welcomedAt: number | undefined;

  /** Starts with no failure counted. */
  constructor(options: BackoffOptions = {}) {
    this.#options = options;
  }

  /** The server accepted this client at `now` (milliseconds, any monotonic clock). */
  welcomed(now: number): void {
    this.#welcomedAt = now;
  }

  /**
   * The connection ended, or an attempt failed, at `now`: returns the delay
   * before the next attempt, and counts one more failure unless the
   * connection had lasted {@linkcode SETTLED_MS} since its welcome.
   */
  next(now: number): number {
    if (this.#welcomedAt !== undefined && now - this.#welcomedAt >= SETTLED_MS) this.#failures = 0;
    this.#welcomedAt = undefined;
    return retryDelay(this.#failures++, this.#options);
  }
}
