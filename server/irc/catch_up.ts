/**
 * Catching up after a reconnection. IRC has no way for a client to say
 * what it last read: entering a room replays its last messages, so an IRC
 * client that lost its connection and came back showed up to 50 lines it
 * had already shown, each again. The server remembers, for a while after a
 * connection ends, where it had read to: the newest message id when the
 * client last said anything, or the newest message written to it before a
 * PING it answered (connection.ts asks soon after writing to a client that
 * says nothing while its person reads), so that a connection that died
 * silently is not thought to have read what came after. The same person coming back
 * from the same address within {@linkcode CATCH_UP_MS} enters each room
 * the lost connection was in with that id as its `since`: of the room's
 * last messages, only those it has not had. A room it was not in has
 * shown it nothing, and replays its last messages as for anyone. The place
 * is kept until a return is welcomed: a registration refused (a ban, a
 * wrong password) leaves it for the next try.
 *
 * @module
 */

import { nameKey } from "../../core/names.ts";

/** How long after a connection ends its place is kept for the same person's return. */
export const CATCH_UP_MS = 15 * 60_000;

/** Places kept at most, the oldest forgotten first. */
export const MAX_CATCH_UPS = 1_000;

/** Where an ended connection had read to, in which rooms, and when it ended. */
export interface Place {
  /** The newest message id when the client was last heard. */
  readonly since: number;
  /** The rooms it was in when it ended, whose messages up to `since` it had shown. */
  readonly rooms: ReadonlySet<string>;
  /** When it ended, by the clock of {@linkcode CatchUps}. */
  readonly at: number;
}

/** The places of IRC connections ended lately, by address and folded name; one per IRC port. */
export class CatchUps {
  readonly #places = new Map<string, Place>();
  readonly #now: () => number;

  /** `now` tells the time in milliseconds, `performance.now()` unless a test says otherwise. */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /**
   * Keeps `since`, read in `rooms`, for `name` (and the other names the
   * connection went by) coming back from `address`.
   */
  remember(
    address: string,
    names: Iterable<string>,
    { since, rooms }: Omit<Place, "at">,
  ): void {
    const place = { since, rooms, at: this.#now() };
    for (const name of new Set([...names].map(nameKey))) {
      const key = `${address} ${name}`;
      // Kept in the order they ended: a newer place goes to the end.
      this.#places.delete(key);
      this.#places.set(key, place);
    }
    for (const key of this.#places.keys()) {
      if (this.#places.size <= MAX_CATCH_UPS) break;
      this.#places.delete(key);
    }
  }

  /**
   * Where `name`, coming back from `address`, had read to, if it left
   * within {@linkcode CATCH_UP_MS}. The place is kept: the return may yet be
   * refused ({@linkcode forget} it once the return is welcomed).
   */
  find(address: string, name: string): Place | undefined {
    const key = `${address} ${nameKey(name)}`;
    const place = this.#places.get(key);
    if (place === undefined) return undefined;
    if (this.#now() - place.at <= CATCH_UP_MS) return place;
    this.#places.delete(key);
    return undefined;
  }

  /** Forgets the place of `name` from `address`: its return was welcomed, and keeps it now. */
  forget(address: string, name: string): void {
    this.#places.delete(`${address} ${nameKey(name)}`);
  }

  /** How many places are kept. */
  get size(): number {
    return this.#places.size;
  }
}
