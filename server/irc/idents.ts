/**
 * The user part of each person's mask, `nick!user@chat`, the same to every
 * IRC client of a server. It is taken when the server first shows someone,
 * from the nick they have then ({@linkcode userOf}), and kept through their
 * renames, as IRC's user part never changes: who came as `evil` and became
 * `nice` shows as `nice!evil@chat`. No two people connected show the same
 * one: whoever comes as `evil` while that person is still here shows as
 * `evil!evi|blw4y@chat` ({@linkcode otherUser}). So the user part of a ban
 * mask, which a client makes of what it was shown (`*!*evil@chat`), names
 * one person, never a newcomer who merely has that nick now.
 *
 * @module
 */

import { nameKey } from "../../core/names.ts";
import type { Hub } from "../hub.ts";
import { foldNick, nickOf, otherUser, userOf } from "./nicks.ts";

/** One person's user part, under the name they have now. */
interface Entry {
  /** Their name, as the last rename shown made it. */
  name: string;
  /** The user part their mask shows. */
  readonly user: string;
  /** Set once a departure of theirs was shown after which they were not connected. */
  gone: boolean;
  /** When their connection opened, if known: tells their departure from another of that name. */
  readonly since: number | undefined;
}

/** Entries kept before those of people gone are swept away. */
const MIN_KEPT = 1024;

/** Whom a user part names: its person's name now, and whether they are connected. */
export interface Holder {
  /** Their name now, or the last one they had. */
  readonly name: string;
  /** Whether they are connected, here or on another server of the cluster. */
  readonly here: boolean;
  /** When their connection opened, if known. */
  readonly since?: number;
}

// One table per hub: every IRC client of a server is shown the same masks.
const tables = new WeakMap<object, Idents>();

/** The user parts of a server's masks. */
export class Idents {
  readonly #present: (name: string) => boolean;
  readonly #opened: (name: string) => number | undefined;
  /** By folded name (`nameKey`). */
  readonly #byName = new Map<string, Entry>();
  /** By folded user part (`foldNick`). */
  readonly #byUser = new Map<string, Entry>();
  /** By folded user part, the last name of whoever showed it before someone new took it. */
  readonly #former = new Map<string, string>();
  #limit = MIN_KEPT;

  /**
   * `present` tells whether someone has a name now; `opened`, when the
   * connection of whoever has it opened.
   */
  constructor(
    present: (name: string) => boolean,
    opened: (name: string) => number | undefined = () => undefined,
  ) {
    this.#present = present;
    this.#opened = opened;
  }

  /** The table of the server whose hub is `hub`. */
  static of(hub: Pick<Hub, "person">): Idents {
    let table = tables.get(hub);
    if (table === undefined) {
      table = new Idents(
        (name) => hub.person(name) !== undefined,
        (name) => hub.person(name)?.since,
      );
      tables.set(hub, table);
    }
    return table;
  }

  /**
   * The user part of `name`'s mask: theirs when they have one, else, for
   * someone connected, one taken now (the nick's own, unless someone else
   * connected shows it); for someone gone who never had one, the nick's own.
   */
  user(name: string): string {
    const key = nameKey(name);
    const entry = this.#byName.get(key);
    if (entry !== undefined && !entry.gone) return entry.user;
    if (!this.#present(name)) return entry?.user ?? userOf(nickOf(name));
    // Someone new under the name of someone gone, who still shows their user part.
    if (entry !== undefined) this.#byName.delete(key);
    return this.#take(name, key);
  }

  /**
   * `from` is now called `to`: they keep their user part, which this gives.
   * Someone never shown before takes one from the nick they had.
   */
  renamed(from: string, to: string): string {
    const key = nameKey(to);
    const entry = this.#byName.get(nameKey(from));
    const after = this.#byName.get(key);
    if (entry === undefined || entry.gone) {
      // Moved already, as every client sharing a room with them is shown the rename.
      if (after !== undefined && !after.gone) return after.user;
      if (after !== undefined) this.#byName.delete(key);
      return this.#present(to) ? this.#take(to, key, nickOf(from)) : userOf(nickOf(from));
    }
    if (after !== undefined && after !== entry) this.#unname(after);
    this.#byName.delete(nameKey(from));
    entry.name = to;
    this.#byName.set(key, entry);
    return entry.user;
  }

  /** `name` was shown leaving: if they are no longer connected, their user part may be taken. */
  left(name: string): void {
    const entry = this.#byName.get(nameKey(name));
    if (entry !== undefined && !this.#present(name)) entry.gone = true;
  }

  /** Gives everyone of `names`, those connected, a user part, so that each can be found by it. */
  showAll(names: Iterable<string>): void {
    for (const name of names) this.user(name);
  }

  /** Whom the user part `user` names, if anyone shows it or showed it before leaving. */
  holder(user: string): Holder | undefined {
    const entry = this.#byUser.get(foldNick(user));
    if (entry === undefined) return undefined;
    const here = !entry.gone && this.#byName.get(nameKey(entry.name)) === entry &&
      this.#present(entry.name);
    return { name: entry.name, here, ...entry.since === undefined ? {} : { since: entry.since } };
  }

  /**
   * The last name of whoever showed `user` before the one who shows it now
   * (or before it was forgotten), if anyone did: for an unban of someone gone.
   */
  formerly(user: string): string | undefined {
    return this.#former.get(foldNick(user));
  }

  /**
   * Gives `name`, connected and without a user part, one nobody connected
   * shows, made of `nick`: their nick, or the one they had when first shown.
   */
  #take(name: string, key: string, nick: string = nickOf(name)): string {
    let user = userOf(nick);
    for (let salt = 1; this.#taken(user); salt++) user = otherUser(nick, salt);
    const entry: Entry = { name, user, gone: false, since: this.#opened(name) };
    this.#byName.set(key, entry);
    this.#byUser.set(foldNick(user), entry);
    if (this.#byName.size > this.#limit) this.#sweep();
    return user;
  }

  /** Whether someone connected shows `user`; the entry of someone gone who did is forgotten. */
  #taken(user: string): boolean {
    const entry = this.#byUser.get(foldNick(user));
    if (entry === undefined) return false;
    if (
      !entry.gone && this.#byName.get(nameKey(entry.name)) === entry && this.#present(entry.name)
    ) {
      return true;
    }
    this.#forget(entry);
    return false;
  }

  /** Forgets the entries of people no longer connected, once there are many. */
  #sweep(): void {
    for (const entry of new Set([...this.#byName.values(), ...this.#byUser.values()])) {
      if (entry.gone || !this.#present(entry.name)) this.#forget(entry);
    }
    this.#limit = Math.max(MIN_KEPT, 2 * this.#byName.size);
  }

  /** `entry`'s person, gone, no longer holds their name, which someone else has now. */
  #unname(entry: Entry): void {
    if (!entry.gone) return this.#forget(entry);
    const key = nameKey(entry.name);
    if (this.#byName.get(key) === entry) this.#byName.delete(key);
  }

  #forget(entry: Entry): void {
    const key = nameKey(entry.name);
    if (this.#byName.get(key) === entry) this.#byName.delete(key);
    const user = foldNick(entry.user);
    if (this.#byUser.get(user) !== entry) return;
    this.#byUser.delete(user);
    this.#former.delete(user);
    this.#former.set(user, entry.name);
    if (this.#former.size > MIN_KEPT) this.#former.delete(this.#former.keys().next().value!);
  }
}
