/**
 * Limits that keep one client from hurting the others: token buckets for
 * message and byte rates, a gate on connections in all and per address,
 * and a bound on how long a wait may last.
 *
 * @module
 */

/** Waits for `promise`, but at most `ms`; never rejects. */
export async function atMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    promise.catch(() => {}),
    new Promise((resolve) => timer = setTimeout(resolve, ms)),
  ]);
  clearTimeout(timer);
}

/** A token bucket: `burst` tokens at most, refilled at `perSecond`. */
export class TokenBucket {
  readonly #burst: number;
  readonly #perMs: number;
  #tokens: number;
  #updated: number;

  constructor(burst: number, perSecond: number, now = performance.now()) {
    if (!(burst > 0) || !(perSecond > 0)) {
      throw new RangeError(
        `Cannot create token bucket: burst and rate must be > 0, received ${burst} and ${perSecond}`,
      );
    }
    this.#burst = burst;
    this.#perMs = perSecond / 1000;
    this.#tokens = burst;
    this.#updated = now;
  }

  /** Takes `count` tokens if there are that many; returns whether it did. */
  tryTake(count: number, now = performance.now()): boolean {
    if (this.take(0, now) === 0 && this.#tokens >= count) {
      this.#tokens -= count;
      return true;
    }
    return false;
  }

  /**
   * Takes `count` tokens, going into debt if there are not enough, and
   * returns how many milliseconds to wait until the debt is paid (0 if none).
   */
  take(count: number, now = performance.now()): number {
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#updated) * this.#perMs);
    this.#updated = now;
    this.#tokens -= count;
    return this.#tokens >= 0 ? 0 : Math.ceil(-this.#tokens / this.#perMs);
  }
}

/** What a {@linkcode ConnectionGate} needs of the server's config. */
export interface GateConfig {
  /** Connections at once, all transports together. */
  readonly maxConnections: number;
  /** Connections at once from one IP address. */
  readonly maxPerAddress: number;
  /**
   * Receives a line about refused connections: for the first, then at most
   * one every ten seconds, with a count of the others.
   */
  readonly log: (line: string) => void;
}

const REPORT_EVERY_MS = 10_000;

/** Counts open connections, in all and per IP address, and refuses those over the limits. */
export class ConnectionGate {
  readonly #max: number;
  readonly #maxPerAddress: number;
  readonly #byAddress = new Map<string, number>();
  readonly #log: (line: string) => void;
  #open = 0;
  /** Refusals not yet reported, and when the last report was. */
  #unreported = 0;
  #reported = -Infinity;

  constructor(config: GateConfig) {
    this.#max = config.maxConnections;
    this.#maxPerAddress = config.maxPerAddress;
    this.#log = config.log;
  }

  /** Open connections. */
  get open(): number {
    return this.#open;
  }

  /**
   * Admits a connection from `address`, or says why not. An admitted
   * connection must be {@linkcode release}d exactly once. `now` (from
   * `performance.now()`) paces the log of refusals.
   */
  admit(address: string, now: number = performance.now()): string | undefined {
    if (this.#open >= this.#max) {
      this.#refused(`${address}: the server is full (${this.#max} open, the most allowed)`, now);
      return "The server is full; try again later";
    }
    const count = this.#byAddress.get(address) ?? 0;
    if (count >= this.#maxPerAddress) {
      this.#refused(
        `${address}: it has ${this.#maxPerAddress} open, the most allowed from one address`,
        now,
      );
      return "Too many connections from your address";
    }
    this.#byAddress.set(address, count + 1);
    this.#open++;
    return undefined;
  }

  /**
   * Says which limit a connection from `address` would meet now, without
   * counting or logging it: `"full"` for the server's, `"address"` for the
   * address's, `undefined` if it would be admitted.
   */
  wouldRefuse(address: string): "full" | "address" | undefined {
    if (this.#open >= this.#max) return "full";
    return (this.#byAddress.get(address) ?? 0) >= this.#maxPerAddress ? "address" : undefined;
  }

  /** Frees the slot of a connection from `address`. */
  release(address: string): void {
    const count = this.#byAddress.get(address) ?? 0;
    if (count <= 1) this.#byAddress.delete(address);
    else this.#byAddress.set(address, count - 1);
    this.#open = Math.max(0, this.#open - 1);
  }

  /** Logs a refusal, unless one was logged in the last ten seconds; then counts it. */
  #refused(why: string, now: number): void {
    if (now - this.#reported < REPORT_EVERY_MS) {
      this.#unreported++;
      return;
    }
    const others = this.#unreported === 0
      ? ""
      : ` (and ${this.#unreported} more since the last report)`;
    this.#log(`Refused a connection from ${why}${others}`);
    this.#reported = now;
    this.#unreported = 0;
  }
}

/** One admitted connection's place in a {@linkcode ConnectionGate}; released once. */
export class Slot {
  readonly #gate: ConnectionGate;
  /** The IP address the connection comes from. */
  readonly address: string;
  #held = true;

  constructor(gate: ConnectionGate, address: string) {
    this.#gate = gate;
    this.address = address;
  }

  /** Frees the place; later calls do nothing. */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    this.#gate.release(this.address);
  }
}
