/// <reference lib="dom" />
// This module is browser compatible.

/**
 * The rooms, private views and the view looked at that a tab had before a
 * reload, entered, begun and shown again at its first welcome.
 *
 * @module
 */

import { joinedBefore, loadAway, loadRooms, type SavedRooms } from "./ui.ts";

/** What {@linkcode ReloadedRooms} does with the conversation. */
export interface ReloadedRoomsOptions {
  /** The rooms the user is in. */
  joined(): readonly string[];
  /** Enters `room`, at `now`. */
  join(room: string, now: number): void;
  /** The ids of the user's views. */
  views(): readonly string[];
  /** Begins again the views `ids`, in that order: the private ones now, the rooms' once entered. */
  reopen(ids: readonly string[]): void;
  /** Shows view `id`, one of the user's, as if they picked it. */
  show(id: string): void;
  /** Goes away again with `reason` (`""`: none), as an `/away` the user typed. */
  away(reason: string): void;
}

/** The rooms, views and view looked at this tab had before a reload, until they are back. */
export class ReloadedRooms {
  readonly #options: ReloadedRoomsOptions;
  /** The rooms and view this tab had before a reload: entered again at the first welcome. */
  #reloaded: SavedRooms | undefined = joinedBefore() ? loadRooms() : undefined;
  /** The reason of the user's own `/away` before a reload, said again at the first welcome. */
  #away: string | undefined = joinedBefore() ? loadAway() : undefined;
  /** The view a reloaded tab showed, shown again once its room is entered. */
  #showOnEntry: string | undefined;

  constructor(options: ReloadedRoomsOptions) {
    this.#options = options;
  }

  /**
   * Whether the first welcome has still to enter the rooms again: until
   * then the rooms are not saved, as the #lobby alone would overwrite them.
   */
  get pending(): boolean {
    return this.#reloaded !== undefined;
  }

  /**
   * After a reload of the tab, at its first welcome: enters again the rooms
   * it was in, in the order it had entered them, begins again its private
   * views, each in its place in the sidebar, and shows the view it showed,
   * once that room is entered (a private view at once); goes away again if
   * the user was away by an `/away` of theirs.
   */
  enterAgain(): void {
    // An `/away` of the user's own stays until their `/back`, across a reload too.
    const away = this.#away;
    this.#away = undefined;
    if (away !== undefined) this.#options.away(away);
    const saved = this.#reloaded;
    this.#reloaded = undefined;
    if (saved === undefined) return;
    const now = performance.now();
    const joined = this.#options.joined();
    const rooms = saved.rooms.filter((room) => !joined.includes(room));
    this.#options.reopen(saved.views);
    for (const room of rooms) this.#options.join(room, now);
    // Shown as a choice of the user's, it stays shown while the other rooms are entered.
    if (saved.view !== undefined && rooms.includes(saved.view)) this.#showOnEntry = saved.view;
    else this.#showEntered(saved.view);
  }

  /** The user's views changed: the view the tab showed is shown once its room is entered. */
  viewsChanged(): void {
    const id = this.#showOnEntry;
    if (id === undefined || !this.#options.views().includes(id)) return;
    this.#showOnEntry = undefined;
    this.#showEntered(id);
  }

  /** Shows view `id` if the user has it, as if they picked it. */
  #showEntered(id: string | undefined): void {
    if (id !== undefined && this.#options.views().includes(id)) this.#options.show(id);
  }
}
