// This module is browser compatible.

/**
 * The user's conversations as a client shows them, one view each: every
 * room they are in (`#dev`) and every person they exchanged private
 * messages with (`@bob`), in the order they began. Each view keeps what the
 * user has not looked at yet: how many messages from others, whether one of
 * them names the user, and the lines themselves (the newest
 * {@linkcode MAX_UNSEEN}), until the user looks at it. The terminal shows
 * one view at a time; the page one per room. No I/O.
 *
 * @module
 */

import { type DayOptions, DayRule } from "./dividers.ts";
import type { Line } from "./describe.ts";
import { checkName, nameKey, normalizeRoom } from "./names.ts";

/** Lines kept per view while the user looks elsewhere; older ones are counted, not kept. */
export const MAX_UNSEEN = 500;

/** Rooms left with messages the user had not looked at, remembered to show them on coming back. */
const LEFT_REMEMBERED = 256;

/** What a view shows: a room, or the private messages with one person. */
export type ViewKind = "room" | "private";

/** One conversation of the user, as a client shows it. */
export interface View {
  /** `#dev` for a room (its canonical name), `@bob` for the private messages with bob. */
  readonly id: string;
  /** Whether it is a room or private messages. */
  readonly kind: ViewKind;
  /** The room, or the other person's name as last seen. */
  readonly name: string;
  /** Messages from others that arrived since the user last looked at it. */
  readonly unread: number;
  /** Whether one of those names the user. */
  readonly mentioned: boolean;
  /** The lines that arrived since the user last looked at it, oldest first. */
  readonly unseen: readonly Line[];
  /** Lines that arrived before those, since the user last looked, and were not kept. */
  readonly skipped: number;
}

/** What the user had not seen of a view, as {@linkcode Views.select} hands it over. */
export interface Unseen {
  /** The lines, oldest first. */
  lines: Line[];
  /** Lines older still that were not kept. */
  skipped: number;
  /** The user had never looked at the view before (private messages just begun). */
  first: boolean;
}

/** What is unread in one view, as a client keeps it across a reload. */
export interface Unread {
  /** The view's id (`#dev`, `@bob`). */
  readonly id: string;
  /** Messages from others that arrived since the user last looked at it. */
  readonly unread: number;
  /** Whether one of those names the user. */
  readonly mentioned: boolean;
}

/** What arrived in a view while the user looked elsewhere, for {@linkcode Views.hold}. */
export interface Arrival {
  /** Messages from others among the lines: they count as unread. */
  unread: number;
  /** One of them names the user. */
  mention: boolean;
  /** The id of the room message the lines tell of, if they tell of one and are not shown. */
  id?: number | undefined;
}

class ViewState implements View {
  readonly id: string;
  readonly kind: ViewKind;
  name: string;
  unread = 0;
  mentioned = false;
  unseen: Line[] = [];
  skipped = 0;
  /** Whether the user has looked at it (or had, before a client was reloaded). */
  looked = false;
  /** The id of the first room message among the lines not looked at yet, if there is one. */
  unseenFrom: number | undefined;
  /**
   * Messages from others counted unread before a client was reloaded, whose
   * lines are to be found again (see {@linkcode Views.recall}).
   */
  backlog = 0;
  /**
   * The lines found again of those messages, a message's lines each, oldest
   * first, `unread` when it is one of them (the user's own is not).
   */
  recalled: { lines: readonly Line[]; unread: boolean }[] = [];
  /** Where the day separators of this view go. */
  readonly days = new DayRule();

  constructor(id: string, kind: ViewKind, name: string) {
    this.id = id;
    this.kind = kind;
    this.name = name;
  }
}

/** The key of the private view with `name`: the same whatever case or look-alike is typed. */
function privateKey(name: string): string {
  return `@${nameKey(name)}`;
}

/** The user's views, in the order they began, and the one being looked at. */
export class Views {
  readonly #views = new Map<string, ViewState>();
  #current: ViewState | undefined;
  /** The view looked at before the current one, to go back to when the current one goes. */
  #previous: ViewState | undefined;
  /** The keys of the views {@linkcode Views.reopen} was given, in their order. */
  #order: string[] = [];
  /**
   * The rooms left with messages the user had not looked at, oldest first:
   * the id of the first of them in each.
   */
  readonly #leftUnseen = new Map<string, number>();

  /** Every view, in the order they began. */
  get all(): readonly View[] {
    return [...this.#views.values()];
  }

  /** The view being looked at, once there is one. */
  get current(): View | undefined {
    return this.#current;
  }

  /** The views with something unread, other than the current one, in order. */
  get active(): readonly View[] {
    return this.all.filter((view) => view.unread > 0 && view !== this.#current);
  }

  /**
   * The view `typed` names: `#dev` (or `dev`, `#Dev`) for a room, `@bob` for
   * private messages; a word that names no room may name a person.
   */
  find(typed: string): View | undefined {
    const word = typed.trim();
    if (word.startsWith("@")) return this.#views.get(privateKey(word.slice(1)));
    const room = normalizeRoom(word);
    const found = room.ok ? this.#views.get(room.value) : undefined;
    return found ?? (word.startsWith("#") ? undefined : this.#views.get(privateKey(word)));
  }

  /** The view at `index` (from 0) in order, if there are that many. */
  at(index: number): View | undefined {
    return this.all[index];
  }

  /** The view `step` places after the current one (before it if negative), going round. */
  beside(step: number): View | undefined {
    const all = this.all;
    if (all.length === 0) return undefined;
    const at = all.findIndex((view) => view === this.#current);
    return all[(((at + step) % all.length) + all.length) % all.length];
  }

  /** Reports whether `id` is the view being looked at. */
  isCurrent(id: string): boolean {
    return this.#current !== undefined && this.#views.get(this.#key(id)) === this.#current;
  }

  /** The view of `room` (a canonical name), begun now if it is new. */
  room(room: string): View {
    return this.#ensure(room, "room", room);
  }

  /** The view of the private messages with `name`, begun now if it is new. */
  private(name: string): View {
    const view = this.#ensure(privateKey(name), "private", name);
    view.name = name;
    return view;
  }

  /** The person called `from` is now called `to`: their private view follows. Returns whether there was one. */
  renamed(from: string, to: string): boolean {
    const view = this.#views.get(privateKey(from));
    if (view === undefined) return false;
    const moved = new ViewState(`@${to}`, "private", to);
    Object.assign(moved, {
      unread: view.unread,
      mentioned: view.mentioned,
      skipped: view.skipped,
      looked: view.looked,
    });
    moved.unseen = view.unseen;
    moved.recalled = view.recalled;
    // Keep its place in the order.
    const entries = [...this.#views].map(([key, state]): [string, ViewState] =>
      state === view ? [privateKey(to), moved] : [key, state]
    );
    this.#views.clear();
    for (const [key, state] of entries) this.#views.set(key, state);
    if (this.#current === view) this.#current = moved;
    if (this.#previous === view) this.#previous = moved;
    return true;
  }

  /**
   * Begins again the views `ids` (`#dev`, `@bob`), in that order, as a
   * client had them before it was reloaded: each private view now, unless it
   * is there already, and each room's where it was once the room is entered
   * again (the client enters it). Returns whether a view began or moved.
   */
  reopen(ids: readonly string[]): boolean {
    this.#order = ids.map((id) => this.#key(id));
    const before = [...this.#views.keys()].join();
    for (const id of ids) {
      if (id.startsWith("@") && checkName(id.slice(1)) === undefined) this.private(id.slice(1));
      // The user had it before the reload: what comes there is new since they last looked.
      const view = this.#views.get(this.#key(id));
      if (view !== undefined) view.looked = true;
    }
    this.#arrange();
    return [...this.#views.keys()].join() !== before;
  }

  /**
   * The id of the first message of `room` (a canonical name), a room the
   * user left, that they had not looked at when they left it; `undefined`
   * when they had looked at all there was.
   */
  unseenLeft(room: string): number | undefined {
    return this.#leftUnseen.get(room);
  }

  /**
   * The view looked at once the rooms `leaving` are left: the current one,
   * unless it is one of them; then the one looked at before, or the first
   * room that stays.
   */
  after(leaving: ReadonlySet<string>): View | undefined {
    const stays = (view: ViewState | undefined) => view !== undefined && !leaving.has(view.id);
    if (stays(this.#current)) return this.#current;
    if (stays(this.#previous)) return this.#previous;
    return [...this.#views.values()].find((view) => view.kind === "room" && stays(view));
  }

  /** Ends the view `id` (a room left); the current view goes back to the one before, or the first room. */
  remove(id: string): void {
    const key = this.#key(id);
    const view = this.#views.get(key);
    if (view === undefined) return;
    this.#views.delete(key);
    // What was not looked at there is shown once the room is entered again.
    if (view.kind === "room" && view.unseenFrom !== undefined) {
      this.#leftUnseen.delete(key);
      this.#leftUnseen.set(key, view.unseenFrom);
      if (this.#leftUnseen.size > LEFT_REMEMBERED) {
        this.#leftUnseen.delete(this.#leftUnseen.keys().next().value!);
      }
    }
    // A room left and entered again later begins at the end.
    this.#order = this.#order.filter((each) => each !== key);
    if (this.#previous === view) this.#previous = undefined;
    if (this.#current !== view) return;
    this.#current = this.#previous ??
      [...this.#views.values()].find((view) => view.kind === "room");
    this.#previous = undefined;
  }

  /** Keeps the room views of `rooms` only (the rooms the user is in), and every private one. */
  keepRooms(rooms: readonly string[]): void {
    for (const view of this.all) {
      if (view.kind === "room" && !rooms.includes(view.id)) this.remove(view.id);
    }
    for (const room of rooms) this.room(room);
  }

  /**
   * Looks at `id` from now on: returns what had not been seen there, which
   * is now seen, or `undefined` if there is no such view.
   */
  select(id: string): Unseen | undefined {
    const view = this.#views.get(this.#key(id));
    if (view === undefined) return undefined;
    if (this.#current !== view) this.#previous = this.#current;
    this.#current = view;
    return this.#clear(view);
  }

  /**
   * Marks everything in `id` seen, as when the user answers a private
   * message; returns whether its count of unread lines or its mention changed.
   */
  read(id: string): boolean {
    const view = this.#views.get(this.#key(id));
    if (view === undefined) return false;
    const changed = view.unread > 0 || view.mentioned;
    // Lines held but not counted (the user's own, what happened there) are no news either.
    if (changed || view.unseen.length > 0 || view.skipped > 0) this.#clear(view);
    return changed;
  }

  /**
   * Counts again in view `id`, after a client was reloaded, what `arrival`
   * says was unread there before: the lines of those messages are `lines`,
   * if the client kept them (private messages, which no server replays),
   * else found again in the room's history as it is replayed (see
   * {@linkcode Views.recall}). Looked at, they come under the "new since you
   * last looked" line. Returns whether its unread count or mention changed.
   */
  restore(id: string, arrival: Arrival, lines?: readonly Line[]): boolean {
    const view = this.#views.get(this.#key(id));
    if (view === undefined) return false;
    view.looked = true;
    if (lines === undefined) view.backlog = arrival.unread;
    else if (lines.length > 0) view.recalled = [{ lines, unread: true }];
    return this.hold(id, [], arrival);
  }

  /**
   * `lines` tell of a message that the history of room `id` replays as the
   * room is entered (`unread`: one from someone else): kept if they may be
   * one of the messages counted unread there before a reload, the last of
   * them, to show them under the "new since you last looked" line once looked at.
   */
  recall(id: string, lines: readonly Line[], unread: boolean): void {
    const view = this.#views.get(this.#key(id));
    if (view === undefined || view.backlog === 0) return;
    const recalled = view.recalled;
    recalled.push({ lines, unread });
    // From the oldest of the last `backlog` messages from others on.
    let counted = recalled.filter((message) => message.unread).length;
    while (recalled[0] !== undefined && (counted > view.backlog || !recalled[0].unread)) {
      if (recalled.shift()!.unread) counted--;
    }
  }

  /** The day separator due before a message stamped `ts` in `id`, seen at `now`. */
  dayBefore(id: string, ts: number, now: number, options: DayOptions = {}): Line | undefined {
    return this.#views.get(this.#key(id))?.days.before(ts, now, options);
  }

  /**
   * Keeps `lines` of `id` until the user looks at it, and counts what
   * `arrival` says: returns whether its unread count or mention changed.
   */
  hold(id: string, lines: readonly Line[], arrival: Arrival): boolean {
    const view = this.#views.get(this.#key(id));
    if (view === undefined) return false;
    view.unseen.push(...lines);
    view.unseenFrom ??= arrival.id;
    const over = view.unseen.length - MAX_UNSEEN;
    if (over > 0) {
      view.unseen.splice(0, over);
      view.skipped += over;
    }
    const changed = arrival.unread > 0 || (arrival.mention && !view.mentioned);
    view.unread += arrival.unread;
    view.mentioned ||= arrival.mention;
    return changed;
  }

  #clear(view: ViewState): Unseen {
    const recalled = view.recalled.flatMap((message) => message.lines);
    const unseen = {
      lines: [...recalled, ...view.unseen],
      skipped: view.skipped,
      first: !view.looked,
    };
    view.looked = true;
    view.backlog = 0;
    view.recalled = [];
    view.unseen = [];
    view.skipped = 0;
    view.unseenFrom = undefined;
    view.unread = 0;
    view.mentioned = false;
    return unseen;
  }

  #key(id: string): string {
    return id.startsWith("@") ? privateKey(id.slice(1)) : id;
  }

  #ensure(key: string, kind: ViewKind, name: string): ViewState {
    let view = this.#views.get(key);
    if (view === undefined) {
      view = new ViewState(kind === "room" ? key : `@${name}`, kind, name);
      this.#views.set(key, view);
      this.#leftUnseen.delete(key);
      if (this.#order.includes(key)) this.#arrange();
    }
    // The first view is looked at as it begins.
    if (this.#current === undefined) {
      this.#current = view;
      view.looked = true;
    }
    return view;
  }

  /**
   * Puts the views {@linkcode Views.reopen} was given in its order; each of
   * the others goes with the view it follows.
   */
  #arrange(): void {
    const rank = (key: string) => this.#order.indexOf(key);
    const groups: [number, [string, ViewState][]][] = [[-1, []]];
    for (const entry of this.#views) {
      if (rank(entry[0]) >= 0) groups.push([rank(entry[0]), [entry]]);
      else groups.at(-1)![1].push(entry);
    }
    groups.sort(([a], [b]) => a - b);
    this.#views.clear();
    for (const [key, view] of groups.flatMap(([, entries]) => entries)) {
      this.#views.set(key, view);
    }
  }
}
