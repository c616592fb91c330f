/**
 * Operators whose IRC connection dropped lately. IRC cannot send the
 * `resume` token that keeps a program's or the page's operator status
 * through a reconnection, and a nick and an address alone prove nothing
 * (someone else on the same machine may take that nick), so on IRC being an
 * operator lasts as long as the connection. What the server may do at no
 * risk is tell the same nick, back from the same address within a
 * heartbeat, that it was one, so that its person says `/oper` again.
 *
 * @module
 */

import { nameKey } from "../../core/names.ts";

/** Dropped operators kept at most, the oldest forgotten first. */
const MAX_KEPT = 1_000;

/** When each operator's connection dropped, by address and folded name; one per IRC port. */
export class FormerOperators {
  readonly #ended = new Map<string, number>();
  readonly #withinMs: number;
  readonly #now: () => number;

  /**
   * Remembers drops for `withinMs` (a heartbeat; 0 remembers none); `now`
   * tells the time in milliseconds, `performance.now()` unless a test says otherwise.
   */
  constructor(withinMs: number, now: () => number = () => performance.now()) {
    this.#withinMs = withinMs;
    this.#now = now;
  }

  /** Notes that the connection of an operator called `names` (its name and nick) from `address` dropped. */
  dropped(address: string, names: Iterable<string>): void {
    if (this.#withinMs <= 0) return;
    const at = this.#now();
    for (const name of new Set([...names].map(nameKey))) {
      const key = `${address} ${name}`;
      this.#ended.delete(key);
      this.#ended.set(key, at);
    }
    for (const key of this.#ended.keys()) {
      if (this.#ended.size <= MAX_KEPT) break;
      this.#ended.delete(key);
    }
  }

  /**
   * Whether `name`, registered from `address`, was an operator whose
   * connection dropped within the last heartbeat; forgets it, so it is told once.
   */
  take(address: string, name: string): boolean {
    const key = `${address} ${nameKey(name)}`;
    const at = this.#ended.get(key);
    if (at === undefined) return false;
    this.#ended.delete(key);
    return this.#now() - at <= this.#withinMs;
  }
}
