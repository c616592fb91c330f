/// <reference lib="dom" />
// This module is browser compatible.

/**
 * The parts of the page around the log that follow the chat state: the room
 * name in the header and the title, the people and room lists, and the
 * unread count shown in the title while the tab is hidden.
 *
 * @module
 */

import type { ServerFrame } from "../protocol.ts";
import { isMention } from "../core/format.ts";
import type { Roster } from "../core/roster.ts";
import { sanitizeText } from "../core/sanitize.ts";
import { nameSpan } from "./render.ts";
import { renderMembers, renderRooms } from "./sidebar.ts";
import type { Ui } from "./ui.ts";

/** What the lists do when clicked. */
export interface PageActions {
  /** A room in the list was clicked. */
  joinRoom: (room: string) => void;
  /** A person in the list was clicked. */
  startPrivate: (name: string) => void;
}

/** Keeps the header, the sidebar and the title in step with a {@linkcode Roster}. */
export class PageView {
  readonly #ui: Ui;
  readonly #roster: Roster;
  readonly #actions: PageActions;
  #unread = 0;

  constructor(ui: Ui, roster: Roster, actions: PageActions) {
    this.#ui = ui;
    this.#roster = roster;
    this.#actions = actions;
  }

  /** Shows the user's own name. */
  showMe(): void {
    this.#ui.meName.replaceChildren(nameSpan(this.#roster.me, this.#roster.me, "nick"));
  }

  /** Shows the current room in the header, the message box and the title. */
  showRoom(): void {
    const room = sanitizeText(this.#roster.room);
    this.#ui.roomName.textContent = room;
    this.#ui.input.placeholder = `Message ${room}`;
    this.#updateTitle();
  }

  /** Lists the people in the current room. */
  showMembers(): void {
    const count = this.#roster.count;
    this.#ui.roomCount.textContent = `${count} ${count === 1 ? "person" : "people"}`;
    this.#ui.memberCount.textContent = String(count);
    renderMembers(this.#ui.members, this.#roster.sortedMembers(), {
      me: this.#roster.me,
      onPick: this.#actions.startPrivate,
    });
  }

  /** Lists the rooms. */
  showRooms(): void {
    renderRooms(this.#ui.rooms, this.#roster.roomList(), {
      current: this.#roster.room,
      onPick: this.#actions.joinRoom,
    });
  }

  /** Counts `frame` as unread if the tab is hidden and someone else sent it. */
  countUnread(frame: ServerFrame): void {
    if (!document.hidden) return;
    const fromOther = (frame.type === "message" && !frame.replay) || frame.type === "private";
    if (!fromOther || this.#roster.isMe(frame.from)) return;
    this.#unread++;
    if (isMention(frame, this.#roster.me)) this.#ui.app.classList.add("mentioned");
    this.#updateTitle();
  }

  /** The tab is visible again: nothing is unread any more. */
  markRead(): void {
    this.#unread = 0;
    this.#ui.app.classList.remove("mentioned");
    this.#updateTitle();
  }

  #updateTitle(): void {
    const prefix = this.#unread > 0 ? `(${this.#unread}) ` : "";
    document.title = `${prefix}${sanitizeText(this.#roster.room)} · chat`;
  }
}
