/**
 * Where each person last left from, for a while: an operator who bans a
 * name a moment after its person quit (or was kicked, or dropped) bans the
 * address and session they left from too, as if they were still here. A
 * departure is found under every name its connection had (the last
 * {@linkcode MAX_NAMES}), so renaming before quitting changes nothing.
 *
 * @module
 */

import { nameKey } from "../../core/names.ts";

/** How long a departure is remembered, in milliseconds: 10 minutes. */
export const DEPARTURE_MS = 10 * 60_000;

/** Most departures remembered at once: the oldest are forgotten first. */
export const MAX_DEPARTURES = 1024;

/** Names of one connection a departure is found under, at most: its last ones. */
export const MAX_NAMES = 8;

/** Someone who left: the names they had, and the address and session they left from. */
export interface Departure {
  /** The name they left as. */
  readonly name: string;
  /** The names their connection had, oldest first, the last {@linkcode MAX_NAMES}; `name` last. */
  readonly names: readonly string[];
  /** The address they were connected from. */
  readonly address: string;
  /** The resume token of their session. */
  readonly resume: string;
  /** When their connection opened, in ms since the epoch: tells it from another of that name. */
  readonly since: number;
  /** When they left, in ms since the epoch. */
  readonly at: number;
}

/** What {@linkcode Departures.keep} is told of someone leaving. */
export type Leaving = Omit<Departure, "at">;

/**
 * The departures of the last {@linkcode DEPARTURE_MS}, at most
 * {@linkcode MAX_DEPARTURES} of them, each found by any of its names.
 */
export class Departures {
  /** In the order they left. */
  #kept: (Departure & { readonly keys: readonly string[] })[] = [];

  /** Notes that someone left. */
  keep(leaving: Leaving, now = Date.now()): void {
    this.#forgetOld(now);
    const names = leaving.names.slice(-MAX_NAMES);
    this.#kept.push({ ...leaving, names, keys: names.map(nameKey), at: now });
    if (this.#kept.length > MAX_DEPARTURES) this.#kept.shift();
  }

  /**
   * The last departure of whoever had the folded name `key`, if less than
   * {@linkcode DEPARTURE_MS} ago; with `since`, only of the connection
   * opened then (whoever has that name now may be someone else).
   */
  find(key: string, since?: number, now = Date.now()): Departure | undefined {
    this.#forgetOld(now);
    for (let index = this.#kept.length - 1; index >= 0; index--) {
      const { keys, ...departure } = this.#kept[index]!;
      if (!keys.includes(key)) continue;
      if (since === undefined || departure.since === since) return departure;
    }
    return undefined;
  }

  /** How many departures are remembered now. */
  get size(): number {
    return this.#kept.length;
  }

  #forgetOld(now: number): void {
    const first = this.#kept.findIndex((departure) => now - departure.at < DEPARTURE_MS);
    if (first !== 0) this.#kept = first === -1 ? [] : this.#kept.slice(first);
  }
}
