/// <reference lib="dom" />
// This module is browser compatible.

/**
 * The sidebar's two lists: rooms (each a button that joins it) and the people
 * in the current room (each a button that starts a private message).
 *
 * @module
 */

import { sanitizeText } from "../core/sanitize.ts";
import { nameSpan } from "./render.ts";
import type { RoomEntry } from "../core/roster.ts";

/** Options for {@linkcode renderRooms}. */
export interface RoomListOptions {
  /** The room the user is in. */
  current: string;
  /** Called with the room's name when its button is clicked. */
  onPick: (room: string) => void;
}

/** Fills `list` with one `li` holding a button per room. */
export function renderRooms(
  list: HTMLElement,
  rooms: readonly RoomEntry[],
  options: RoomListOptions,
): void {
  const items = rooms.map((room) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "room-button";
    const name = sanitizeText(room.name);
    button.dataset.room = name;
    const label = document.createElement("span");
    label.className = "room-label";
    label.textContent = name;
    const count = document.createElement("span");
    count.className = "count";
    count.textContent = String(room.members);
    count.setAttribute("aria-label", `${room.members} ${room.members === 1 ? "person" : "people"}`);
    button.append(label, count);
    if (room.name === options.current) {
      button.setAttribute("aria-current", "true");
      button.title = `You are in ${name}`;
    } else {
      button.title = `Join ${name}`;
    }
    button.addEventListener("click", () => options.onPick(room.name));
    item.appendChild(button);
    return item;
  });
  list.replaceChildren(...items);
}

/** Options for {@linkcode renderMembers}. */
export interface MemberListOptions {
  /** The user's own name, marked "(you)" and not clickable. */
  me: string;
  /** Called with a name when it is clicked. */
  onPick: (name: string) => void;
}

/** Fills `list` with one `li` per person. */
export function renderMembers(
  list: HTMLElement,
  names: readonly string[],
  options: MemberListOptions,
): void {
  const items = names.map((name) => {
    const item = document.createElement("li");
    const label = nameSpan(name, options.me, "member-name");
    if (label.classList.contains("self")) {
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
    button.title = `Send ${sanitizeText(name)} a private message`;
    button.appendChild(label);
    button.addEventListener("click", () => options.onPick(name));
    item.appendChild(button);
    return item;
  });
  list.replaceChildren(...items);
}
