/**
 * Limits that keep one client from hurting the others: token buckets for
 * message and byte rates, a gate on connections in all and per address,
 * and a bound on how long a wait may last.
 *
 * @module
 */

import { PacedLog, seconds } from "./paced_log.ts";

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
   * Receives a line about refused connections: the first of a burst at once,
   * then, a few seconds later, one counting the others (see paced_log.ts).
   */
  readonly log: (line: string) => void;
  /** Least milliseconds between two lines about refusals. @default {PACED_LOG_EVERY_MS} */
  readonly logEveryMs?: number;
}

/** Most addresses whose refusals are counted apart for one line of the log. */
const MAX_COUNTED_ADDRESSES = 1024;

/** Refusals not logged yet, by limit and by address. */
interface RefusalTally {
  full: number;
  address: number;
  readonly byAddress: Map<string, number>;
  /** Whether more addresses came than {@linkcode MAX_COUNTED_ADDRESSES}. */
  more: boolean;
}

function emptyTally(): RefusalTally {
  return { full: 0, address: 0, byAddress: new Map(), more: false };
}

/**
 * Counts open connections, in all and per IP address, and refuses those over
 * the limits. Dispose it once the ports are closed: the last refusals not yet
 * logged are logged then.
 */
export class ConnectionGate implements Disposable {
  readonly #max: number;
  readonly #maxPerAddress: number;
  readonly #byAddress = new Map<string, number>();
  readonly #log: PacedLog;
  #open = 0;
  /** Refusals the log has not told of yet. */
  #tally = emptyTally();

  constructor(config: GateConfig) {
    this.#max = config.maxConnections;
    this.#maxPerAddress = config.maxPerAddress;
    this.#log = new PacedLog(
      config.log,
      (periodMs) => this.#summary(periodMs),
      config.logEveryMs === undefined ? {} : { everyMs: config.logEveryMs },
    );
  }

  /** Open connections. */
  get open(): number {
    return this.#open;
  }

  /**
   * Admits a connection from `address`, or says why not. An admitted
   * connection must be {@linkcode release}d exactly once.
   */
  admit(address: string): string | undefined {
    if (this.#open >= this.#max) {
      this.#refused(address, "full");
      return "The server is full; try again later";
    }
    const count = this.#byAddress.get(address) ?? 0;
    if (count >= this.#maxPerAddress) {
      this.#refused(address, "address");
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

  /** Logs the refusals not logged yet, and stops the timer that would. */
  [Symbol.dispose](): void {
    this.#log[Symbol.dispose]();
  }

  /** Logs a refusal that opens a burst; counts the others for the line that sums them up. */
  #refused(address: string, limit: "full" | "address"): void {
    const why = limit === "full"
      ? `the server is full (${this.#max} open, the most allowed)`
      : `it has ${this.#maxPerAddress} open, the most allowed from one address`;
    if (this.#log.event(`Refused a connection from ${address}: ${why}`)) return;
    const tally = this.#tally;
    tally[limit]++;
    const count = tally.byAddress.get(address);
    if (count !== undefined) tally.byAddress.set(address, count + 1);
    else if (tally.byAddress.size < MAX_COUNTED_ADDRESSES) tally.byAddress.set(address, 1);
    else tally.more = true;
  }

  /**
   * The line about the refusals counted in the last `periodMs`: how many,
   * from where (the address refused most first), and at which limits.
   */
  #summary(periodMs: number): string {
    const { full, address, byAddress, more } = this.#tally;
    this.#tally = emptyTally();
    const count = full + address;
    let top = "";
    let most = 0;
    for (const [from, refused] of byAddress) {
      if (refused > most) [top, most] = [from, refused];
    }
    const others = byAddress.size - 1;
    const from = others === 0 && !more
      ? top
      : `${top} and ${more ? "more than " : ""}${others} other address${others === 1 ? "" : "es"}`;
    const wasFull = `the server was full (${this.#max} open, the most allowed)`;
    const overAddress = `over the limit of ${this.#maxPerAddress} open from one address`;
    const why = address === 0
      ? wasFull
      : full === 0
      ? overAddress
      : `${full} as ${wasFull}, ${address} ${overAddress}`;
    return `Refused ${count} more connection${count === 1 ? "" : "s"} in the last ${
      seconds(periodMs)
    }, from ${from}: ${why}`;
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
