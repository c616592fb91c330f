/**
 * Where each name last left from, for a while: an operator who bans a name
 * a moment after its person quit (or was kicked, or dropped) bans the
 * address and session they left from too, as if they were still here.
 *
 * @module
 */

/** How long a departure is remembered, in milliseconds: 10 minutes. */
export const DEPARTURE_MS = 10 * 60_000;

/** Most departures remembered at once: the oldest are forgotten first. */
export const MAX_DEPARTURES = 1024;

/** Someone who left: the name they had, and the address and session they left from. */
export interface Departure {
  /** The name, as they had it. */
  readonly name: string;
  /** The address they were connected from. */
  readonly address: string;
  /** The resume token of their session. */
  readonly resume: string;
  /** When they left, in ms since the epoch. */
  readonly at: number;
}

/**
 * The last departure of each folded name, each kept {@linkcode DEPARTURE_MS},
 * at most {@linkcode MAX_DEPARTURES} of them.
 */
export class Departures {
  readonly #kept = new Map<string, Departure>();

  /** Notes that the person called by the folded name `key` left. */
  keep(key: string, departure: Omit<Departure, "at">, now = Date.now()): void {
    this.#forgetOld(now);
    // Set again, so that the map stays in the order they left.
    this.#kept.delete(key);
    this.#kept.set(key, { ...departure, at: now });
    if (this.#kept.size > MAX_DEPARTURES) this.#kept.delete(this.#kept.keys().next().value!);
  }

  /** The last departure of the folded name `key`, if it was less than {@linkcode DEPARTURE_MS} ago. */
  find(key: string, now = Date.now()): Departure | undefined {
    this.#forgetOld(now);
    return this.#kept.get(key);
  }

  /** How many departures are remembered now. */
  get size(): number {
    return this.#kept.size;
  }

  #forgetOld(now: number): void {
    for (const [key, departure] of this.#kept) {
      if (now - departure.at < DEPARTURE_MS) break;
      this.#kept.delete(key);
    }
  }
}
