/// <reference lib="dom" />
// This module is browser compatible.

/**
 * The page's elements, looked up once; the name remembered between visits
 * and, in each tab, for its reloads, with its rooms and views.
 *
 * @module
 */

import type { Line } from "../core/describe.ts";
import type { Unread } from "../core/views.ts";

/** Every element of web/index.html the client drives. */
export interface Ui {
  app: HTMLElement;
  /** The header's status, for the eye: screen readers hear {@linkcode Ui.announce}. */
  status: HTMLElement;
  /** The connection's state for screen readers: a polite live region, changed once per change. */
  announce: HTMLElement;
  /** The page's other announcements: the view shown, mentions and private messages elsewhere. */
  announcer: HTMLElement;
  retry: HTMLButtonElement;
  roomName: HTMLElement;
  roomCount: HTMLElement;
  /** The topic of the room looked at, in the header. */
  roomTopic: HTMLElement;
  /** Shown when only operators may enter the room looked at. */
  roomLock: HTMLElement;
  /** "bob is typing…", between the log and the message box. */
  typing: HTMLElement;
  sidebarToggle: HTMLButtonElement;
  /** The sidebar: the user's views, all rooms, the people; a drawer on a phone. */
  sidebar: HTMLElement;
  backdrop: HTMLElement;
  views: HTMLElement;
  rooms: HTMLElement;
  members: HTMLElement;
  memberCount: HTMLElement;
  /** Under the people: why none are listed while the page is not connected for good. */
  membersNote: HTMLElement;
  /** Why the list of all rooms is empty: the page is not connected. */
  roomsNote: HTMLElement;
  meName: HTMLElement;
  joinForm: HTMLFormElement;
  joinInput: HTMLInputElement;
  /** Under the join form: why the room name typed there will not do. */
  joinError: HTMLElement;
  /** The log, the typing line, the uploads and the message box: all but the header and sidebar. */
  main: HTMLElement;
  log: HTMLElement;
  newMessages: HTMLButtonElement;
  composer: HTMLFormElement;
  input: HTMLTextAreaElement;
  /** The paperclip: opens {@linkcode Ui.picker}. */
  attach: HTMLButtonElement;
  /** The file picker, hidden. */
  picker: HTMLInputElement;
  /** The uploads under way, above the message box. */
  uploads: HTMLElement;
  /** Above the message box: its draft is too long to send, and how else to share it. */
  tooLong: HTMLElement;
  /** Covers the page while files are dragged over it. */
  dropZone: HTMLElement;
  nameScreen: HTMLElement;
  nameForm: HTMLFormElement;
  nameInput: HTMLInputElement;
  nameSubmit: HTMLButtonElement;
  nameError: HTMLElement;
  nameStatus: HTMLElement;
  passwordRow: HTMLElement;
  passwordInput: HTMLInputElement;
  notifyToggle: HTMLButtonElement;
  /** Under the toggles: why notifications stayed off when they were turned on. */
  notifyNote: HTMLElement;
  soundToggle: HTMLButtonElement;
  favicon: HTMLLinkElement;
}

/** Returns the element with `id`, which the page must have. */
export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`Cannot start the chat: element "#${id}" is missing`);
  return element as T;
}

/** Looks up every element of {@linkcode Ui}; throws if the page lacks one. */
export function findUi(): Ui {
  return {
    app: byId("app"),
    status: byId("status"),
    announce: byId("status-announce"),
    announcer: byId("announcer"),
    retry: byId("retry"),
    roomName: byId("room-name"),
    roomCount: byId("room-count"),
    roomTopic: byId("room-topic"),
    roomLock: byId("room-lock"),
    typing: byId("typing"),
    sidebarToggle: byId("sidebar-toggle"),
    sidebar: byId("sidebar"),
    backdrop: byId("backdrop"),
    views: byId("views"),
    rooms: byId("rooms"),
    members: byId("members"),
    memberCount: byId("member-count"),
    membersNote: byId("members-note"),
    roomsNote: byId("rooms-note"),
    meName: byId("me-name"),
    joinForm: byId("join-form"),
    joinInput: byId("join-input"),
    joinError: byId("join-error"),
    main: byId("chat"),
    log: byId("log"),
    newMessages: byId("new-messages"),
    composer: byId("composer"),
    input: byId("message-input"),
    attach: byId("attach"),
    picker: byId("file-picker"),
    uploads: byId("uploads"),
    tooLong: byId("too-long"),
    dropZone: byId("drop-zone"),
    nameScreen: byId("name-screen"),
    nameForm: byId("name-form"),
    nameInput: byId("name-input"),
    nameSubmit: byId("name-submit"),
    nameError: byId("name-error"),
    nameStatus: byId("name-status"),
    passwordRow: byId("password-row"),
    passwordInput: byId("password-input"),
    notifyToggle: byId("notify-toggle"),
    notifyNote: byId("notify-note"),
    soundToggle: byId("sound-toggle"),
    favicon: byId("favicon"),
  };
}

/**
 * The name the user has, kept in this tab's session storage (a reload comes
 * back as this tab's name, whatever another tab took since) and in local
 * storage (offered to a tab that never joined).
 */
const NAME_KEY = "chat.name";

/** Set in this tab's session storage once it joined: a reload is still this tab. */
const JOINED_KEY = "chat.joined";

/** The name this tab had, else the name the user chose last time in any tab, if kept. */
export function loadName(): string | undefined {
  try {
    return sessionStorage.getItem(NAME_KEY) ?? localStorage.getItem(NAME_KEY) ?? undefined;
  } catch {
    return undefined; // storage disabled
  }
}

/** Remembers `name` for a reload of this tab, and for the next visit. */
export function saveName(name: string): void {
  try {
    sessionStorage.setItem(NAME_KEY, name);
    localStorage.setItem(NAME_KEY, name);
  } catch {
    // Storage disabled or full: the name is asked again next time.
  }
}

/** Notes that this tab joined, for as long as the tab lives, reloads included. */
export function markJoined(): void {
  try {
    sessionStorage.setItem(JOINED_KEY, "1");
  } catch {
    // Storage disabled: a reload asks for the name at once if it is still held.
  }
}

/**
 * Set in this tab's session storage: the rooms it is in, its views, the view
 * it shows and what is unread in the others.
 */
const ROOMS_KEY = "chat.rooms";

/** The rooms this tab was in, its views, the view it showed and what was unread, as kept. */
export interface SavedRooms {
  /** The rooms, in the order they were entered. */
  rooms: readonly string[];
  /** Every view (`#dev`, `@bob`), in the order of the sidebar. */
  views: readonly string[];
  /** The view looked at. */
  view: string | undefined;
  /** What was unread in the views that had something unread. */
  unread: readonly Unread[];
  /** The lines unread in private views, the last of each: the server keeps none to replay. */
  lines: readonly ViewLines[];
  /**
   * The private views that showed something: coming back, only they say
   * that what they showed is gone. Left out by a page that did not keep it.
   */
  said?: readonly string[] | undefined;
}

/** The lines shown in a view since the user last read it. */
export interface ViewLines {
  /** The view (`@bob`). */
  id: string;
  /** Its lines, oldest first. */
  lines: readonly Line[];
}

/** Keeps, for a reload of this tab, its rooms, its views, the view it shows and what is unread. */
export function saveRooms(saved: SavedRooms): void {
  try {
    sessionStorage.setItem(ROOMS_KEY, JSON.stringify(saved));
  } catch {
    // Storage disabled or full: a reload comes back to #lobby alone.
  }
}

/** Whether `value` is a list of strings. */
function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((each) => typeof each === "string");
}

/** Whether `value` is what was unread in a view, as {@linkcode saveRooms} kept it. */
function isUnread(value: unknown): value is Unread {
  if (typeof value !== "object" || value === null) return false;
  const { id, unread, mentioned } = value as Record<string, unknown>;
  return typeof id === "string" && Number.isSafeInteger(unread) && (unread as number) >= 0 &&
    typeof mentioned === "boolean";
}

/** Whether `value` is a line as {@linkcode saveRooms} kept it, one the page can draw. */
function isLine(value: unknown): value is Line {
  if (typeof value !== "object" || value === null) return false;
  const { kind, parts, ts, tags } = value as Record<string, unknown>;
  return typeof kind === "string" && Array.isArray(parts) &&
    parts.every((part) =>
      typeof part === "object" && part !== null &&
      typeof (part as Record<string, unknown>).text === "string"
    ) &&
    (ts === undefined || typeof ts === "number") && (tags === undefined || isStrings(tags));
}

/** Whether `value` is the lines of a view, as {@linkcode saveRooms} kept them. */
function isViewLines(value: unknown): value is ViewLines {
  if (typeof value !== "object" || value === null) return false;
  const { id, lines } = value as Record<string, unknown>;
  return typeof id === "string" && Array.isArray(lines) && lines.every(isLine);
}

/** The rooms, views and view looked at that this tab kept before it was reloaded, if any. */
export function loadRooms(): SavedRooms | undefined {
  try {
    const saved: unknown = JSON.parse(sessionStorage.getItem(ROOMS_KEY) ?? "null");
    if (typeof saved !== "object" || saved === null) return undefined;
    const { rooms, views, view, unread, lines, said } = saved as Record<string, unknown>;
    if (!isStrings(rooms)) return undefined;
    return {
      rooms,
      views: isStrings(views) ? views : rooms,
      view: typeof view === "string" ? view : undefined,
      unread: Array.isArray(unread) ? unread.filter(isUnread) : [],
      lines: Array.isArray(lines) ? lines.filter(isViewLines) : [],
      said: isStrings(said) ? said : undefined,
    };
  } catch {
    return undefined;
  }
}

/** Set in this tab's session storage while the user is away by an `/away` of theirs: its reason. */
const AWAY_KEY = "chat.away";

/** Keeps, for a reload of this tab, the reason of the user's own `/away`; `undefined` once back. */
export function saveAway(reason: string | undefined): void {
  try {
    if (reason === undefined) sessionStorage.removeItem(AWAY_KEY);
    else sessionStorage.setItem(AWAY_KEY, reason);
  } catch {
    // Storage disabled or full: a reload comes back not away.
  }
}

/** The reason of the `/away` the user typed before this tab was reloaded, if they were away. */
export function loadAway(): string | undefined {
  try {
    return sessionStorage.getItem(AWAY_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * Set in this tab's session storage only from the moment the page goes away
 * until it comes back (a reload): the name the tab had and the resume token
 * of its last welcome, which takes its session back. Never while the page
 * is shown, so that a copy of the tab (which copies its session storage)
 * does not take the session of the tab it was copied from.
 */
const RESUME_KEY = "chat.resume";

/** The session this tab had, to take back after a reload. */
export interface KeptSession {
  /** The name it had. */
  name: string;
  /** The resume token of its last welcome. */
  resume: string;
}

/** Keeps, as the page goes away, the session it had, for a reload of this tab to take back. */
export function keepSession(kept: KeptSession): void {
  try {
    sessionStorage.setItem(RESUME_KEY, JSON.stringify(kept));
  } catch {
    // Storage disabled or full: a reload comes back as a new session.
  }
}

/** The session kept by {@linkcode keepSession}, if any, forgotten as it is taken. */
export function takeSession(): KeptSession | undefined {
  try {
    const kept: unknown = JSON.parse(sessionStorage.getItem(RESUME_KEY) ?? "null");
    sessionStorage.removeItem(RESUME_KEY);
    if (typeof kept !== "object" || kept === null) return undefined;
    const { name, resume } = kept as Record<string, unknown>;
    return typeof name === "string" && typeof resume === "string" ? { name, resume } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Set in this tab's session storage only from the moment the page goes away
 * until it comes back (a reload), as the kept session is: a copy of the tab,
 * made while the page is shown, does not have it.
 */
const GONE_KEY = "chat.gone";

/** Notes, as the page goes away, that the next page of this tab comes back to it (a reload). */
export function markGone(): void {
  try {
    sessionStorage.setItem(GONE_KEY, "1");
  } catch {
    // Storage disabled or full: a reload is taken for a copy, and asks for a held name at once.
  }
}

/**
 * Whether this page is one of this tab come back (a reload), not a copy of
 * the tab: {@linkcode markGone} said so as the page before it went.
 * Forgotten as it is read.
 */
export function takeGone(): boolean {
  try {
    const gone = sessionStorage.getItem(GONE_KEY) !== null;
    sessionStorage.removeItem(GONE_KEY);
    return gone;
  } catch {
    return false;
  }
}

/** Whether this tab joined before: it was reloaded, or came back to the page. */
export function joinedBefore(): boolean {
  try {
    return sessionStorage.getItem(JOINED_KEY) !== null;
  } catch {
    return false;
  }
}
