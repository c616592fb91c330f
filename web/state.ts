// This module is browser compatible.

/**
 * What the page knows about the conversation: who it is, which room it is in,
 * who is there and which rooms exist. Updated from server frames; no DOM.
 *
 * @module
 */

import { LOBBY, type ServerFrame } from "../protocol.ts";
import { nameKey } from "../core/names.ts";

/** One entry of the room list. */
export interface RoomEntry {
  /** Canonical room name, such as `#lobby`. */
  name: string;
  /** People in it. */
  members: number;
}

/** Which parts of {@linkcode ChatState} a frame changed. */
export interface Changes {
  /** The user's own name. */
  me: boolean;
  /** The current room. */
  room: boolean;
  /** The people in the current room. */
  members: boolean;
  /** The list of rooms. */
  rooms: boolean;
}

/** The user, their room, its members and the room list. */
export class ChatState {
  /** The user's name once the server accepted it, else `""`. */
  me = "";
  /** The current room. */
  room: string = LOBBY;
  /** People in the current room, by {@linkcode nameKey}. */
  readonly members: Map<string, string> = new Map();
  /** How many people are in the current room; may exceed `members.size` in huge rooms. */
  count = 0;
  /** Rooms as the server last listed them, largest first. */
  rooms: RoomEntry[] = [];

  /** Reports whether `name` is the user's own name. */
  isMe(name: string): boolean {
    return this.me !== "" && nameKey(name) === nameKey(this.me);
  }

  /** Member names, sorted for display. */
  sortedMembers(): string[] {
    return [...this.members.values()].sort((a, b) =>
      a.localeCompare(b, undefined, { sensitivity: "base" })
    );
  }

  /** The room list with the current room in it even if the last listing missed it. */
  roomList(): RoomEntry[] {
    if (this.room === "" || this.rooms.some((room) => room.name === this.room)) return this.rooms;
    return [...this.rooms, { name: this.room, members: Math.max(1, this.count) }];
  }

  /** Forgets the user and the room, as after a lost connection. */
  reset(): void {
    this.me = "";
    this.members.clear();
    this.count = 0;
  }

  /** Updates the state from `frame` and reports what changed. */
  track(frame: ServerFrame): Changes {
    const changes: Changes = { me: false, room: false, members: false, rooms: false };
    switch (frame.type) {
      case "welcome":
        this.me = frame.name;
        changes.me = true;
        break;
      case "room":
        this.room = frame.room;
        this.#setMembers(frame.members, frame.count);
        changes.room = true;
        changes.members = true;
        break;
      case "who":
        if (frame.room !== this.room) break;
        this.#setMembers(frame.members, frame.count);
        changes.members = true;
        break;
      case "joined":
        if (frame.room !== this.room) break;
        if (!this.members.has(nameKey(frame.name))) this.count++;
        this.members.set(nameKey(frame.name), frame.name);
        changes.members = true;
        break;
      case "left":
        if (frame.room !== this.room) break;
        if (this.members.delete(nameKey(frame.name)) || this.count > this.members.size) {
          this.count = Math.max(this.members.size, this.count - 1);
        }
        changes.members = true;
        break;
      case "renamed":
        if (frame.room === this.room) {
          this.members.delete(nameKey(frame.from));
          this.members.set(nameKey(frame.to), frame.to);
          changes.members = true;
        }
        if (this.isMe(frame.from)) {
          this.me = frame.to;
          changes.me = true;
        }
        break;
      case "rooms":
        this.rooms = frame.rooms.map((room) => ({ name: room.name, members: room.members }));
        changes.rooms = true;
        break;
      default:
        break;
    }
    return changes;
  }

  #setMembers(members: string[], count: number): void {
    this.members.clear();
    for (const name of members) this.members.set(nameKey(name), name);
    this.count = Math.max(count, this.members.size);
  }
}
