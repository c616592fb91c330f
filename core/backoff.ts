// This module is browser compatible.

/**
 * How long a client waits before it tries a lost server again, the same for
 * the terminal and the page: 1 s, 2 s, 4 s … up to 30 s, each moved by up to
 * a fifth either way so that a room of clients does not come back at once.
 * A connection dropped soon after its welcome (a server too busy for this
 * client) counts as a failure; one that lasted {@linkcode SETTLED_MS} starts
 * the count again.
 *
 * And which server it tries ({@linkcode Failover}): in a cluster each
 * `welcome` names the other servers of the same chat. A round of attempts
 * tries the server the client was on first, then those others, then the
 * server the user asked for at the start; each client puts the others in an
 * order of its own, so that the people of a server that went away do not all
 * land on the same one. The backoff waits between rounds, not between the
 * servers of one: a server that refuses at once costs no time. Addresses are
 * opaque strings (`host:port` for the terminal, WebSocket URLs for the page).
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

/** Options for {@linkcode Failover}. */
export interface FailoverOptions {
  /** Returns a number in [0, 1), to order the other servers. @default {Math.random} */
  random?: () => number;
}

/** The servers a client may reconnect to, and the one it is on. */
export class Failover {
  readonly #home: string;
  readonly #random: () => number;
  #current: string;
  #others: string[] = [];

  /** Starts with `home`, the server the user asked for, as the only one known. */
  constructor(home: string, options: FailoverOptions = {}) {
    this.#home = home;
    this.#current = home;
    this.#random = options.random ?? Math.random;
  }

  /** The server the user asked for: the address typed, the page's own. */
  get home(): string {
    return this.#home;
  }

  /** The server the client is on, or was on last. */
  get current(): string {
    return this.#current;
  }

  /** The other servers the last welcome named, in the order this client tries them. */
  get others(): readonly string[] {
    return this.#others;
  }

  /**
   * The client was welcomed at `address`, whose `welcome` named `others` as
   * the other servers of the same chat: `address` is tried first from now
   * on, then `others` in an order of this client's own.
   */
  welcomed(address: string, others: readonly string[]): void {
    this.#current = address;
    const unique = [...new Set(others)].filter((other) => other !== address);
    // Fisher–Yates, so that each order is as likely as any other.
    for (let i = unique.length - 1; i > 0; i--) {
      const j = Math.min(i, Math.floor(this.#random() * (i + 1)));
      [unique[i], unique[j]] = [unique[j]!, unique[i]!];
    }
    this.#others = unique;
  }

  /**
   * The servers to try, in order, when the connection is lost: the one the
   * client was on, the others its last welcome named, then the one the user
   * asked for; each once.
   */
  round(): string[] {
    return [...new Set([this.#current, ...this.#others, this.#home])];
  }
}
