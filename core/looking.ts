// This module is browser compatible.

/**
 * Which view a conversation's user looks at (core/conversation.ts): the
 * room a `/join` enters is looked at once entered, the room a `/part`
 * leaves is not written to while it is on its way, `/switch` and the keys
 * that go from view to view, and what the user had not seen there, shown
 * under a "new since you last looked" line. Pure: no I/O and no timers.
 *
 * @module
 */

import type { Display } from "./arrivals.ts";
import { errorLine } from "./describe.ts";
import { unseenDivider } from "./dividers.ts";
import { type Effect, show } from "./effects.ts";
import { checkName, nameKey } from "./names.ts";
import {
  closedNotice,
  lookingNotice,
  nobodyCalledError,
  notInError,
  notOpenError,
  switchToSelfError,
} from "./notices.ts";
import { noChanges, type Roster } from "./roster.ts";
import type { View, Views } from "./views.ts";

/** Options for {@linkcode Looking}. */
export interface LookingOptions {
  /** How the client shows its views: one at a time, or each in its own place. */
  display: Display | undefined;
}

/** The view looked at, and how the user goes from one to another. */
export class Looking {
  readonly #views: Views;
  readonly #roster: Roster;
  readonly #display: Display | undefined;
  /** The room the last `/join` enters: it is looked at once entered. */
  #entering: string | undefined;
  /**
   * Every room a `/join` asked for and not yet entered: typed one after
   * another, each is looked at as it is entered, so each shows who is there,
   * and the last typed is the one looked at in the end.
   */
  readonly #asked = new Set<string>();
  /** The rooms of the `/join`s each ping was sent after, by its token, till its `pong`. */
  readonly #pings = new Map<string, string>();
  /**
   * The rooms looked at (or about to be) that a `/part` is leaving, until
   * the server says they are left or, by the `pong` of the ping sent after
   * the `/part` (its token here once sent), that it refused: what is typed
   * meanwhile goes to the view looked at once they are left.
   */
  readonly #leaving = new Map<string, string | undefined>();

  /** Looks at the views `views` of the user `roster` tells of. */
  constructor(views: Views, roster: Roster, options: LookingOptions) {
    this.#views = views;
    this.#roster = roster;
    this.#display = options.display;
  }

  /** The room a `/join` is entering, until the server has put the user in it. */
  get entering(): string | undefined {
    return this.#entering;
  }

  /** The rooms a `/part` is leaving, from the view looked at. */
  get leaving(): ReadonlySet<string> {
    return new Set(this.#leaving.keys());
  }

  /** The rooms a `/part` is leaving, whose ping is still to be sent after it. */
  get leavingUnpinged(): string[] {
    return [...this.#leaving].filter(([, token]) => token === undefined).map(([room]) => room);
  }

  /** A `/part` of `room`, the room where what is typed goes, is on its way to the server. */
  leave(room: string): void {
    this.#leaving.set(room, undefined);
  }

  /** A ping with `token` went right after the `/part` of `room`: its `pong` comes once it is handled. */
  pingedLeave(room: string, token: string): void {
    if (this.#leaving.has(room)) this.#leaving.set(room, token);
  }

  /** The connection ended: what a `/part` sent on it did is learnt again from the welcome. */
  closed(): void {
    for (const [room, token] of this.#leaving) if (token !== undefined) this.#leaving.delete(room);
  }

  /** A `/join` of `room` went to the server: it is looked at once entered. */
  enter(room: string): void {
    this.#entering = room;
    this.#asked.add(room);
  }

  /**
   * A ping with `token` went right after the `/join` of `room`: its `pong`
   * comes once the server has handled the join, after the room if it let
   * the user in.
   */
  pinged(room: string, token: string): void {
    this.#pings.set(token, room);
  }

  /**
   * The `pong` with `token` came: a room whose `/join` it followed and that
   * was not entered was refused, and is no longer waited for.
   */
  ponged(token: string | undefined): void {
    // A `/part` handled: its room was left, or the server refused to leave it.
    for (const [room, sent] of this.#leaving) if (sent === token) this.#leaving.delete(room);
    const room = token === undefined ? undefined : this.#pings.get(token);
    if (room === undefined) return;
    this.#pings.delete(token!);
    if (!this.#asked.delete(room)) return;
    if (this.#entering === room) this.#entering = undefined;
  }

  /** The server would not let the user into `room`: it is no longer waited for. */
  refused(room: string): void {
    if (!this.#asked.delete(room)) return;
    if (this.#entering === room) this.#entering = undefined;
  }

  /** Gives up waiting for the rooms `/join`s were entering. */
  forgetEntering(): void {
    this.#entering = undefined;
    this.#asked.clear();
    this.#pings.clear();
  }

  /** The user chose a view: what they type goes there, a room being left or not. */
  #chose(): void {
    this.forgetEntering();
    this.#leaving.clear();
  }

  /**
   * Looks at the view `typed` names (`#dev`, `@bob`), as `/switch` does;
   * `@name` begins private messages with someone known to be connected.
   */
  switchTo(typed: string): Effect[] {
    const word = typed.trim();
    let view = this.#views.find(word);
    if (view === undefined && word.startsWith("@") && checkName(word.slice(1)) === undefined) {
      const person = this.#roster.known(word.slice(1));
      if (person === undefined) return [show([errorLine(nobodyCalledError(word.slice(1)))])];
      if (nameKey(person) === nameKey(this.#roster.me)) {
        return [show([errorLine(switchToSelfError(person))])];
      }
      view = this.#views.private(person);
    }
    if (view === undefined) return [show([errorLine(notInError(word))])];
    // The user's last choice wins over a room a `/join` still on its way would show.
    const entering = this.#entering;
    this.#chose();
    if (this.#views.isCurrent(view.id)) {
      // The page showed the room being entered: back from it, the user was not looking here.
      if (entering !== undefined && this.#display === "each") return [];
      return [show([lookingNotice(view, "already")])];
    }
    return this.#select(view.id, false);
  }

  /** Looks at `view`, which the user picked with a key, if there is one. */
  pick(view: View | undefined): Effect[] {
    if (view === undefined) return [];
    // The user's last choice wins over a room a `/join` still on its way would show.
    this.#chose();
    return this.#views.isCurrent(view.id) ? [] : this.#select(view.id, false);
  }

  /** A room was entered: its view begins, and the user looks at it if they asked to enter it. */
  entered(room: string): Effect[] {
    // One room at a time: entering one leaves the other.
    if (!this.#roster.many) {
      this.#views.keepRooms([room]);
      this.forgetEntering();
    } else {
      if (!this.#asked.delete(room)) return [];
      // Answers come in the order asked: once the last is in, none before it is on its way.
      if (this.#entering === room) this.forgetEntering();
    }
    return this.#select(room, true);
  }

  /** The user left `room`: they look at the view they looked at before, or their first room. */
  parted(room: string): Effect[] {
    this.#leaving.delete(room);
    this.#views.remove(room);
    const view = this.#views.current;
    return view === undefined ? [] : this.#select(view.id, true);
  }

  /**
   * Closes the private view `typed` names (`@bob`), saying so where the user
   * looks then: at the view they looked at before it, or their first room,
   * if it was the one looked at.
   */
  close(typed: string): Effect[] {
    const view = this.#views.find(typed);
    if (view?.kind !== "private") return [show([errorLine(notOpenError(typed))])];
    const closed = show([closedNotice(view.name)]);
    const looked = this.#views.isCurrent(view.id);
    this.#views.remove(view.id);
    const next = this.#views.current;
    if (!looked || next === undefined) {
      return [{ type: "changed", changes: { ...noChanges(), views: true } }, closed];
    }
    return [closed, ...this.#select(next.id, false)];
  }

  /**
   * Looks at `id`, showing (one view at a time) what the user had not seen
   * there under a "new since you last looked" line; `quiet`, says nothing when
   * nothing is new.
   */
  #select(id: string, quiet: boolean): Effect[] {
    const before = this.#views.current;
    const unseen = this.#views.select(id);
    const view = this.#views.current;
    if (unseen === undefined || view === undefined) return [];
    if (view.kind === "room") this.#roster.select(view.id);
    if (quiet && before === view && unseen.lines.length === 0) return [];
    const effects: Effect[] = [
      { type: "changed", changes: { ...noChanges(), room: true, members: true, views: true } },
      {
        type: "switched",
        view: view.id,
        unseen: unseen.lines,
        skipped: unseen.skipped,
        first: unseen.first,
      },
    ];
    if (this.#display === "each") return effects;
    if (unseen.lines.length > 0) {
      const divider = unseenDivider(view.id, { skipped: unseen.skipped, first: unseen.first });
      effects.push(show([divider, ...unseen.lines], view.id));
    } else if (!quiet) effects.push(show([lookingNotice(view, "nothing new")], view.id));
    return effects;
  }
}
