/// <reference lib="dom" />
// This module is browser compatible.

/**
 * The rooms, private views, view looked at and unread counts that a tab had
 * before a reload: its first `hello` enters those rooms, and none other, and
 * at its first welcome the rest comes back, with the lines unread in each
 * private view, which the server keeps none of to replay.
 *
 * @module
 */

import type { Line } from "../core/describe.ts";
import type { Unread } from "../core/views.ts";
import type { HelloRoom } from "../protocol.ts";
import { joinedBefore, loadAway, loadRooms, type SavedRooms, type ViewLines } from "./ui.ts";

/** Most unread lines of a private view kept for a reload: its last ones. */
export const KEPT_LINES = 50;

/** Most private views whose unread lines are kept for a reload: those most recently written to. */
export const KEPT_VIEWS = 32;

/** What {@linkcode ReloadedRooms} does with the conversation. */
export interface ReloadedRoomsOptions {
  /** The ids of the user's views. */
  views(): readonly string[];
  /**
   * Begins again the views `ids`, in that order: the private ones now, the
   * rooms' where they were; those of `said` (all without it) say that what
   * they showed is gone.
   */
  reopen(ids: readonly string[], said: readonly string[] | undefined): void;
  /** Shows view `id`, one of the user's, as if they picked it. */
  show(id: string): void;
  /** Shows again `lines`, unread in private view `id` before the reload. */
  lines(id: string, lines: readonly Line[]): void;
  /**
   * Counts again what was unread in the views not looked at, `lines` being
   * those shown again in each private view, by id.
   */
  unread(unread: readonly Unread[], lines: ReadonlyMap<string, readonly Line[]>): void;
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
  /** The lines shown in each private view not looked at since it was last read, the last of each. */
  readonly #unreadLines = new Map<string, Line[]>();

  constructor(options: ReloadedRoomsOptions) {
    this.#options = options;
  }

  /**
   * Whether the first welcome has still to bring the rooms back: until
   * then the rooms are not saved, as the #lobby alone would overwrite them.
   */
  get pending(): boolean {
    return this.#reloaded !== undefined;
  }

  /**
   * The rooms the first `hello` enters, in the order the tab had entered
   * them: those it was in before a reload, and none other (not the #lobby
   * it left), all at once rather than a `/join` each, which the server
   * would slow down past a few rooms. They come without the last message
   * seen in each: the tab's logs begin empty, and each room's last
   * messages fill them again. `undefined` before anything to come back to.
   */
  get rooms(): HelloRoom[] | undefined {
    return this.#reloaded?.rooms.map((room) => ({ room }));
  }

  /**
   * After a reload of the tab, at its first welcome, which put it in its
   * rooms again: begins again its private views, each in its place in the
   * sidebar, shows the view it showed and counts again what was unread in
   * the others; goes away again if the user was away by an `/away` of
   * theirs.
   */
  enterAgain(): void {
    // An `/away` of the user's own stays until their `/back`, across a reload too.
    const away = this.#away;
    this.#away = undefined;
    if (away !== undefined) this.#options.away(away);
    const saved = this.#reloaded;
    this.#reloaded = undefined;
    if (saved === undefined) return;
    this.#options.reopen(saved.views, saved.said);
    // A room the server let the user in no more (locked since, say) is not shown: it said why.
    if (saved.view !== undefined && this.#options.views().includes(saved.view)) {
      this.#options.show(saved.view);
    }
    // Before the counts, whose change keeps them again for the next reload.
    const shown = new Map<string, readonly Line[]>();
    for (const { id, lines } of saved.lines) {
      if (!id.startsWith("@") || !this.#options.views().includes(id)) continue;
      this.shownPrivately(id, lines);
      this.#options.lines(id, lines);
      shown.set(id, lines);
    }
    this.#options.unread(saved.unread, shown);
  }

  /** `lines` were shown in private view `id` while the user looked elsewhere: kept till read. */
  shownPrivately(id: string, lines: readonly Line[]): void {
    const kept = this.#unreadLines.get(id) ?? [];
    kept.push(...lines.filter((line) => line.kind !== "pending" && line.kind !== "divider"));
    kept.splice(0, Math.max(0, kept.length - KEPT_LINES));
    // The most recent last, and the oldest forgotten past the most kept.
    this.#unreadLines.delete(id);
    this.#unreadLines.set(id, kept);
    for (const old of this.#unreadLines.keys()) {
      if (this.#unreadLines.size <= KEPT_VIEWS) break;
      this.#unreadLines.delete(old);
    }
  }

  /**
   * The unread lines to keep for a reload, of the views `unread` says have
   * something unread; those of the others, read since, are forgotten.
   */
  unreadLines(unread: readonly Unread[]): ViewLines[] {
    const ids = new Set(unread.map(({ id }) => id));
    for (const id of this.#unreadLines.keys()) if (!ids.has(id)) this.#unreadLines.delete(id);
    return [...this.#unreadLines].map(([id, lines]) => ({ id, lines }));
  }
}
