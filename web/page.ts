/// <reference lib="dom" />
// This module is browser compatible.

/**
 * The parts of the page around the logs that follow the chat state: the
 * view looked at in the header (with the room's topic and lock), the
 * message box and the title; the user's views with what is unread in them,
 * the server's rooms and the people in the room (away, idle, client,
 * operator); and the unread total in the title and on the icon.
 *
 * @module
 */

import type { Conversation, View } from "../core/conversation.ts";
import { nameKey } from "../core/names.ts";
import { sanitizeText } from "../core/sanitize.ts";
import type { Alerts } from "./alerts.ts";
import { People, shown } from "./people.ts";
import { nameSpan } from "./render.ts";
import { renderMembers, renderRooms, renderViews } from "./sidebar.ts";
import type { Ui } from "./ui.ts";

/** What the lists do when clicked. */
export interface PageActions {
  /** A room of the server was clicked. */
  joinRoom: (room: string) => void;
  /** One of the user's views was clicked. */
  showView: (view: string) => void;
  /** The leave button of one of the user's rooms was clicked. */
  partRoom: (room: string) => void;
  /** A person in the list was clicked: their private view is shown. */
  startPrivate: (name: string) => void;
}

/**
 * The room a `/join` of the user's is entering, which the page shows at once
 * (its log, its name in the header and in the sidebar) until the server has
 * put the user in it: what is typed meanwhile goes there, and shows there.
 * `undefined` while no `/join` waits, or once another view was picked.
 */
export function enteringRoom(chat: Conversation): string | undefined {
  const room = chat.entering;
  return room === undefined || chat.roster.joined.includes(room) ? undefined : room;
}

/** Keeps the header, the sidebar, the title and the icon in step with a {@linkcode Conversation}. */
export class PageView {
  /** What the page knows of the people and the rooms beyond their names. */
  readonly people: People = new People();
  readonly #ui: Ui;
  readonly #chat: Conversation;
  readonly #alerts: Alerts;
  readonly #actions: PageActions;
  /** Messages from others that arrived in the view looked at while the tab was hidden. */
  #hiddenUnread = 0;
  #hiddenMention = false;
  /** The page stopped (sent away, or left) and waits for the user: who is here is not known. */
  #stopped = false;

  constructor(ui: Ui, chat: Conversation, alerts: Alerts, actions: PageActions) {
    this.#ui = ui;
    this.#chat = chat;
    this.#alerts = alerts;
    this.#actions = actions;
  }

  /** Shows the user's own name. */
  showMe(): void {
    const me = this.#chat.roster.me;
    this.#ui.meName.replaceChildren(nameSpan(me, me, "nick"));
  }

  /** Shows the view looked at in the header, the message box and the title. */
  showRoom(): void {
    const name = sanitizeText(this.#looked);
    this.#ui.roomName.textContent = name;
    // Whole in its tooltip, where a phone's header cuts it short.
    this.#ui.roomName.title = name;
    this.#ui.input.placeholder = `Message ${name}`;
    this.#ui.app.classList.toggle("private-view", this.#lookedView?.kind === "private");
    this.#showAbout();
    this.#showCount();
    this.#updateTitle();
  }

  /** Shows the topic and lock of `room` in the header if it is the room looked at (any: given none). */
  showAbout(room?: string): void {
    if (room === undefined || this.#looked === room) this.#showAbout();
  }

  /**
   * The page stopped, `stopped` (a kick, a ban, the user's `/quit`: it
   * connects again only when asked), or connects again: while stopped, the
   * people of the room are not shown as if they were known, nor counted,
   * nor are the people of the server's rooms; a note under each list says why.
   */
  setStopped(stopped: boolean): void {
    if (stopped === this.#stopped) return;
    this.#stopped = stopped;
    this.#ui.membersNote.textContent = stopped
      ? "Not connected: who is here shows again once you reconnect"
      : "";
    this.#ui.membersNote.hidden = !stopped;
    this.#ui.roomsNote.textContent = stopped
      ? "Not connected: how many are in each room shows again once you reconnect"
      : "";
    this.#ui.roomsNote.hidden = !stopped;
    this.showMembers();
    this.showRooms();
  }

  /** Lists the people in the current room: none yet in a room being entered, nor while stopped. */
  showMembers(): void {
    const roster = this.#chat.roster;
    const unknown = enteringRoom(this.#chat) !== undefined || this.#stopped;
    this.#showCount();
    this.#ui.memberCount.textContent = unknown ? "" : String(roster.count);
    const now = this.people.serverNow(Date.now());
    const ignored = new Set(this.#chat.ignored.map(nameKey));
    renderMembers(this.#ui.members, unknown ? [] : roster.sortedMembers(), {
      me: roster.me,
      onPick: this.#actions.startPrivate,
      shown: (name) => ({
        ...shown(this.people.about(name), now),
        ignored: ignored.has(nameKey(name)),
      }),
    });
  }

  /** Lists the user's views, with what is unread in each, and the server's rooms. */
  showRooms(): void {
    const roster = this.#chat.roster;
    renderViews(this.#ui.views, this.#chat.views, {
      current: this.#looked,
      entering: enteringRoom(this.#chat),
      onPick: this.#actions.showView,
      onPart: this.#actions.partRoom,
    });
    renderRooms(this.#ui.rooms, roster.roomList(), {
      current: this.#looked,
      joined: roster.joined,
      locked: (room) => this.people.room(room).locked,
      onPick: this.#actions.joinRoom,
      // How many are in each is no longer known: a note says so.
      counts: !this.#stopped,
    });
    this.#updateTitle();
  }

  /** A message from someone else arrived in the view looked at: unread if the tab is hidden. */
  arrived(mention: boolean): void {
    if (!document.hidden) return;
    this.#hiddenUnread++;
    this.#hiddenMention ||= mention;
    if (mention) this.#ui.app.classList.add("mentioned");
    this.#updateTitle();
  }

  /** The tab is visible again: what arrived in the view looked at is read. */
  markRead(): void {
    this.#hiddenUnread = 0;
    this.#hiddenMention = false;
    this.#ui.app.classList.remove("mentioned");
    this.#updateTitle();
  }

  /** The id of the view looked at: `#dev`, `@bob`, or the room being entered. */
  get #looked(): string {
    return enteringRoom(this.#chat) ?? this.#chat.view?.id ?? this.#chat.roster.room;
  }

  /** The view looked at, unless it is a room being entered. */
  get #lookedView(): View | undefined {
    return enteringRoom(this.#chat) === undefined ? this.#chat.view : undefined;
  }

  /** The topic and the lock of the room looked at, under and beside its name. */
  #showAbout(): void {
    const view = this.#lookedView;
    const entering = enteringRoom(this.#chat);
    const about = entering !== undefined
      ? this.people.room(entering)
      : view?.kind === "room"
      ? this.people.room(view.id)
      : { locked: false };
    const topic = about.topic === undefined ? "" : sanitizeText(about.topic);
    this.#ui.roomTopic.textContent = topic;
    this.#ui.roomTopic.title = topic;
    this.#ui.roomTopic.hidden = topic === "";
    this.#ui.roomLock.hidden = !about.locked;
  }

  /**
   * How many are in the room looked at; nothing while the page knows of none
   * (the user counts too): before the name form is sent, or the room is
   * entered, and while the page is stopped.
   */
  #showCount(): void {
    const view = this.#lookedView;
    const known = enteringRoom(this.#chat) === undefined && !this.#stopped;
    const count = known ? this.#chat.roster.count : 0;
    this.#ui.roomCount.textContent = view?.kind === "private"
      ? "private messages"
      : count === 0
      ? ""
      : `${count} ${count === 1 ? "person" : "people"}`;
  }

  /**
   * Marks the drawer's button (on a phone the sidebar is closed) when another
   * view has something unread, red when it names the user.
   */
  #markDrawer(): void {
    const waiting = this.#chat.activity;
    const mentioned = waiting.some((view) => view.mentioned || view.kind === "private");
    const toggle = this.#ui.sidebarToggle;
    toggle.dataset.unread = mentioned ? "mention" : waiting.length > 0 ? "some" : "";
    const count = waiting.reduce((sum, view) => sum + view.unread, 0);
    toggle.setAttribute(
      "aria-label",
      count === 0 ? "Rooms and people" : `Rooms and people, ${count} unread`,
    );
  }

  /** The title and the icon: the unread total, then the view looked at. */
  #updateTitle(): void {
    let unread = this.#hiddenUnread;
    let mentioned = this.#hiddenMention;
    for (const view of this.#chat.views) {
      unread += view.unread;
      mentioned ||= view.mentioned || (view.kind === "private" && view.unread > 0);
    }
    this.#markDrawer();
    const prefix = unread > 0 ? `(${unread}) ` : "";
    document.title = `${prefix}${sanitizeText(this.#looked)} — chat`;
    this.#alerts.badge(unread, mentioned);
  }
}
