/// <reference lib="dom" />
// This module is browser compatible.

/**
 * The sidebar's lists: the user's views (their rooms and private
 * conversations, each a button that shows it, with its unread count and a
 * mark when it names the user, and a button that leaves a room or closes
 * private messages), the
 * server's rooms (each a button that joins it, with how many people are in
 * it and a lock when only operators may enter it) and the people in the
 * current room (each a button that shows the private view with them, with
 * an operator's mark, their client, and whether they are away or idle).
 *
 * @module
 */

import { nameKey } from "../core/names.ts";
import { sanitizeText } from "../core/sanitize.ts";
import type { View } from "../core/views.ts";
import { isolated, nameSpan } from "./render.ts";
import type { RoomEntry } from "../core/roster.ts";
import type { Shown } from "./people.ts";

/** Options for {@linkcode renderViews}. */
export interface ViewListOptions {
  /** The id of the view looked at. */
  current: string | undefined;
  /** The room a `/join` is entering, listed last, as the view looked at, until it is entered. */
  entering?: string | undefined;
  /** Called with a view's id when its button is clicked. */
  onPick: (view: string) => void;
  /** Called with a room when its leave button is clicked, or a private view (`@bob`) when its close button is. */
  onPart: (room: string) => void;
}

function badge(className: string, text: string, label: string): HTMLSpanElement {
  const element = document.createElement("span");
  element.className = className;
  element.textContent = text;
  element.title = label;
  element.setAttribute("aria-label", label);
  return element;
}

/** What a list shows, by key, and the options of its last draw: kept from one draw to the next. */
interface Drawn<Options> {
  items: Map<string, HTMLLIElement>;
  options: Options;
}

/**
 * Puts `order` in `list`, moving nothing when it is in place already. An
 * entry kept from the draw before is the same element: a list drawn again
 * under the keyboard's focus (the room list comes every few seconds while it
 * is looked at) keeps it, and a click is never lost to a list redrawn under
 * the pointer.
 */
function place(list: HTMLElement, order: readonly HTMLLIElement[]): void {
  const children = list.children;
  const same = order.length === children.length &&
    order.every((item, index) => children[index] === item);
  if (same) return;
  const focused = document.activeElement;
  const inside = focused instanceof HTMLElement && list.contains(focused) ? focused : undefined;
  list.replaceChildren(...order);
  // Moving an element takes the focus away from it: it gets it back if it is still listed.
  if (inside?.isConnected === true && document.activeElement !== inside) {
    inside.focus({ preventScroll: true });
  }
}

/**
 * The name of a room or view in its button, reading `text`: the one drawn
 * before, kept (the list is drawn again every few seconds while it is looked
 * at, and an element drawn anew is lost to whoever holds it, a screen reader
 * among them), or a new one.
 */
function roomLabel(button: HTMLButtonElement, text: string): HTMLSpanElement {
  const label = button.querySelector<HTMLSpanElement>(":scope > .room-label") ??
    isolated(document.createElement("span"), "ltr");
  label.className = "room-label";
  if (label.textContent !== text) label.textContent = text;
  return label;
}

/**
 * Makes `button` read `label`, then `extras` (badges, a count), touching
 * only what changed: a pointer pressed on a child that is taken out, even to
 * be put back at once, makes no click when it is let go, and the lists are
 * drawn again every few seconds while they are looked at.
 */
function fill(button: HTMLButtonElement, label: HTMLSpanElement, extras: readonly HTMLElement[]) {
  if (button.firstChild !== label) button.prepend(label);
  const drawn = [...button.children].slice(1);
  const same = drawn.length === extras.length &&
    drawn.every((child, index) => child.outerHTML === extras[index]!.outerHTML);
  if (same) return;
  for (const child of drawn) child.remove();
  button.append(...extras);
}

/** The user's views each list shows. */
const drawnViews = new WeakMap<HTMLElement, Drawn<ViewListOptions>>();

/** A new entry of the view list for view `id`: its button, drawn by {@linkcode renderViews}. */
function viewItem(list: HTMLElement, id: string): HTMLLIElement {
  const item = document.createElement("li");
  item.className = "view-item";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "view-button";
  button.addEventListener("click", () => drawnViews.get(list)?.options.onPick(id));
  item.append(button);
  return item;
}

/** The button that leaves room `id`, or closes private view `id` (cleaned as `shown`). */
function partButton(list: HTMLElement, id: string, shown: string): HTMLButtonElement {
  const part = document.createElement("button");
  part.type = "button";
  part.className = "part-button";
  part.textContent = "×";
  const what = id.startsWith("@") ? `Close ${shown}` : `Leave ${shown}`;
  part.title = what;
  part.setAttribute("aria-label", what);
  part.addEventListener("click", (event) => {
    // The first click of a double click (or tap) leaves the room, and its row goes: the next
    // room's × comes up under the pointer, where the second one lands. It leaves nothing.
    if (event.detail > 1) return;
    drawnViews.get(list)?.options.onPart(id);
  });
  return part;
}

/**
 * Fills `list` with one `li` per view: a button that shows it, reading its
 * name, its unread count (`.unread`) and, when something there names the
 * user or a person wrote to them, a mark (`.mention-badge`); and for rooms,
 * while the user is in more than one, a button that leaves it, for private
 * views one that closes them. The room
 * being entered comes last, marked `.entering`, without one. Drawn again,
 * the entries of the views still there stay the same elements.
 */
export function renderViews(
  list: HTMLElement,
  views: readonly View[],
  options: ViewListOptions,
): void {
  const before = drawnViews.get(list)?.items;
  const items = new Map<string, HTMLLIElement>();
  const rooms = views.filter((view) => view.kind === "room").length;
  const { entering } = options;
  const listed = entering === undefined ? views : [...views, enteringView(entering)];
  for (const view of listed) {
    const item = before?.get(view.id) ?? viewItem(list, view.id);
    items.set(view.id, item);
    const button = item.querySelector<HTMLButtonElement>(".view-button")!;
    button.dataset.kind = view.kind;
    const id = sanitizeText(view.id);
    button.dataset.view = id;
    const label = roomLabel(button, id);
    const marks: HTMLElement[] = [];
    // A private message is for the user alone: it weighs as a mention.
    const mentioned = view.mentioned || (view.kind === "private" && view.unread > 0);
    if (mentioned) {
      // Read after the view's name, which the button says already: "#dev mentions you".
      const why = view.kind === "private" ? "wrote to you" : "mentions you";
      marks.push(badge("mention-badge", "@", why));
    }
    if (view.unread > 0) {
      const words = `${view.unread} unread ${view.unread === 1 ? "message" : "messages"}`;
      marks.push(badge(mentioned ? "unread urgent" : "unread", String(view.unread), words));
    }
    fill(button, label, marks);
    item.classList.toggle("has-unread", view.unread > 0);
    if (view.id === options.current) {
      button.setAttribute("aria-current", "true");
      button.title = `You are looking at ${id}`;
    } else {
      button.removeAttribute("aria-current");
      button.title = `Show ${id}`;
    }
    item.classList.toggle("entering", view.id === entering);
    if (view.id === entering) button.title = `Entering ${id}…`;
    const part = item.querySelector(".part-button");
    // A room but the last one is left; private messages are closed.
    const leaves = view.kind === "private" || (rooms > 1 && view.id !== entering);
    if (leaves && part === null) item.append(partButton(list, view.id, id));
    else if (!leaves) part?.remove();
  }
  drawnViews.set(list, { items, options });
  place(list, [...items.values()]);
}

/** The entry of `room`, which a `/join` is entering: nothing unread in it yet. */
function enteringView(room: string): View {
  return {
    id: room,
    kind: "room",
    name: room,
    unread: 0,
    mentioned: false,
    unseen: [],
    skipped: 0,
  };
}

/** Options for {@linkcode renderRooms}. */
export interface RoomListOptions {
  /** The room the user looks at. */
  current: string;
  /** The rooms the user is in. */
  joined: readonly string[];
  /** Whether only operators may enter a room, as far as the page heard. @default {none} */
  locked?: (room: string) => boolean;
  /** Called with the room's name when its button is clicked. */
  onPick: (room: string) => void;
  /** Whether to show how many people are in each: not while not connected. @default {true} */
  counts?: boolean;
}

const SVG = "http://www.w3.org/2000/svg";

/** An SVG element `tag` with `attributes` and `children`. */
function svg(tag: string, attributes: Record<string, string>, ...children: Element[]): Element {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** The mark of a room only operators may enter: the header's lock, small. */
function lockMark(): HTMLSpanElement {
  const mark = badge("room-locked", "", "locked: only operators may enter");
  mark.setAttribute("role", "img");
  mark.append(
    svg(
      "svg",
      { viewBox: "0 0 24 24", width: "12", height: "12", "aria-hidden": "true" },
      svg("rect", { x: "5", y: "11", width: "14", height: "10", rx: "2", fill: "currentColor" }),
      svg("path", {
        d: "M8 11V8a4 4 0 0 1 8 0v3",
        fill: "none",
        stroke: "currentColor",
        "stroke-width": "2",
      }),
    ),
  );
  return mark;
}

/** The server's rooms each list shows. */
const drawnRooms = new WeakMap<HTMLElement, Drawn<RoomListOptions>>();

/** A new entry of the room list for `room`: its button, drawn by {@linkcode renderRooms}. */
function roomItem(list: HTMLElement, room: string): HTMLLIElement {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "room-button";
  button.addEventListener("click", (event) => {
    // A double click joins once: its second click would ask again before the first is answered.
    if (event.detail > 1) return;
    drawnRooms.get(list)?.options.onPick(room);
  });
  item.append(button);
  return item;
}

/**
 * Fills `list` with one `li` holding a button per room of the server: its
 * name, a lock (`.room-locked`) when only operators may enter it, and how
 * many people are in it. Drawn again, the entries of the rooms still there
 * stay the same elements.
 */
export function renderRooms(
  list: HTMLElement,
  rooms: readonly RoomEntry[],
  options: RoomListOptions,
): void {
  const before = drawnRooms.get(list)?.items;
  const items = new Map<string, HTMLLIElement>();
  for (const room of rooms) {
    const item = before?.get(room.name) ?? roomItem(list, room.name);
    items.set(room.name, item);
    const button = item.querySelector<HTMLButtonElement>(".room-button")!;
    const name = sanitizeText(room.name);
    button.dataset.room = name;
    const label = roomLabel(button, name);
    const count = document.createElement("span");
    count.className = "count";
    count.textContent = String(room.members);
    count.setAttribute("aria-label", `${room.members} ${room.members === 1 ? "person" : "people"}`);
    const locked = options.locked?.(room.name) === true;
    const counted = options.counts === false ? [] : [count];
    fill(button, label, [...locked ? [lockMark()] : [], ...counted]);
    const current = room.name === options.current;
    const joined = !current && options.joined.includes(room.name);
    if (current) button.setAttribute("aria-current", "true");
    else button.removeAttribute("aria-current");
    button.classList.toggle("joined", joined);
    button.title = current
      ? `You are in ${name}`
      : joined
      ? `You are in ${name}: show it`
      : locked
      ? `Join ${name}: only operators may enter it`
      : `Join ${name}`;
  }
  drawnRooms.set(list, { items, options });
  place(list, [...items.values()]);
}

/** Options for {@linkcode renderMembers}. */
export interface MemberListOptions {
  /** The user's own name, marked "(you)" and not clickable. */
  me: string;
  /** Called with a name when it is clicked. */
  onPick: (name: string) => void;
  /** How each person shows: away or idle, their client, an operator. @default {names alone} */
  shown?: (name: string) => Shown;
}

/** The marks after a person's name: operator, client, then away or idle, dimmed. */
function presenceMarks(shown: Shown | undefined): HTMLElement[] {
  if (shown === undefined) return [];
  const marks: HTMLElement[] = [];
  if (shown.op) marks.push(badge("op-mark", "op", "operator"));
  if (shown.client !== undefined) {
    marks.push(badge("client-mark", shown.client.label, shown.client.title));
  }
  if (shown.ignored) {
    marks.push(badge("ignored-mark", "ignored", "You ignore them: /unignore shows them again"));
  }
  if (shown.status !== undefined) {
    const status = document.createElement("span");
    status.className = "presence";
    status.textContent = shown.status;
    marks.push(status);
  }
  return marks;
}

/** What each people list shows, by name and whether it is the user's: kept from one draw to the next. */
const drawnPeople = new WeakMap<HTMLElement, Drawn<MemberListOptions>>();

/** A new entry of the people list for `name`: the name, a button unless it is `self`. */
function personItem(list: HTMLElement, name: string, self: boolean, me: string): HTMLLIElement {
  const item = document.createElement("li");
  item.dataset.name = sanitizeText(name);
  const label = nameSpan(name, me, "member-name");
  if (self) {
    item.classList.add("self");
    const you = document.createElement("span");
    you.className = "you";
    you.textContent = " (you)";
    item.append(label, you);
    return item;
  }
  const button = document.createElement("button");
  button.type = "button";
  button.className = "member-button";
  button.title = `Private messages with ${sanitizeText(name)}`;
  button.append(label);
  // The whole row is what a pointer picks, marks included, as its hover shows; the button,
  // its one control, is what the keyboard and assistive technology press, and its click
  // comes here too.
  item.addEventListener("click", () => drawnPeople.get(list)?.options.onPick(name));
  item.append(button);
  return item;
}

/** The classes of the marks {@linkcode presenceMarks} makes, to take them off again. */
const MARKS = ".op-mark, .client-mark, .ignored-mark, .presence";

/**
 * Fills `list` with one `li` per person: their name (a button, but for the
 * user's own; a click anywhere in the row is one on it), then an operator's
 * mark (`.op-mark`), their client (`.client-mark`), whether the user ignores
 * them (`.ignored-mark`) and, dimmed, whether they are away or idle
 * (`.presence`; the `li` is `.away` while they are away). Drawn again, the
 * entries of the people still there stay the same elements, only their marks
 * change: a click is never lost to a list redrawn under the pointer.
 */
export function renderMembers(
  list: HTMLElement,
  names: readonly string[],
  options: MemberListOptions,
): void {
  const before = drawnPeople.get(list)?.items;
  const items = new Map<string, HTMLLIElement>();
  const me = options.me === "" ? undefined : nameKey(options.me);
  for (const name of names) {
    const self = nameKey(name) === me;
    const key = `${self ? "self" : "other"} ${name}`;
    const item = before?.get(key) ?? personItem(list, name, self, options.me);
    const shown = options.shown?.(name);
    item.classList.toggle("away", shown?.away === true);
    for (const mark of item.querySelectorAll(MARKS)) mark.remove();
    item.append(...presenceMarks(shown));
    items.set(key, item);
  }
  drawnPeople.set(list, { items, options });
  place(list, [...items.values()]);
}
