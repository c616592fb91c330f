// This module is browser compatible.

/**
 * Who and where a client is, as the server's frames tell it: the user's
 * name, the room, the people in it, the people it knows to be connected
 * elsewhere, the rooms there are, and the last message id seen in each
 * room, to ask for what came after it when coming back. Both clients keep
 * it in a {@linkcode Roster}; no I/O.
 *
 * @module
 */

import { LOBBY, type ServerFrame } from "../protocol.ts";
import { nameKey } from "./names.ts";

/** One entry of the room list. */
export interface RoomEntry {
  /** Canonical room name, such as `#lobby`. */
  name: string;
  /** People in it. */
  members: number;
}

/** Which parts of a {@linkcode Roster} a frame changed. */
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

/** Rooms whose last message id seen is remembered after leaving them. */
const ROOMS_REMEMBERED = 256;

/** People remembered as connected outside the room. */
const ELSEWHERE_REMEMBERED = 256;

/** Reports whether anything changed. */
export function changedAny(changes: Changes): boolean {
  return changes.me || changes.room || changes.members || changes.rooms;
}

/** The user, their room, its members and the room list, kept from server frames. */
export class Roster {
  #me = "";
  #room = LOBBY;
  readonly #members = new Map<string, string>();
  #count = 0;
  #rooms: RoomEntry[] = [];
  #lastId: number | undefined;
  /** The last message id seen in each room left, oldest first. */
  readonly #seenIn = new Map<string, number>();
  /** People known to be connected outside the room, by {@linkcode nameKey}, oldest first. */
  readonly #elsewhere = new Map<string, string>();

  /** The user's name once the server accepted it (renames included), else `""`. */
  get me(): string {
    return this.#me;
  }

  /** The current room. */
  get room(): string {
    return this.#room;
  }

  /** People in the current room, by {@linkcode nameKey}. */
  get members(): ReadonlyMap<string, string> {
    return this.#members;
  }

  /** How many people are in the current room; may exceed `members.size` in huge rooms. */
  get count(): number {
    return this.#count;
  }

  /**
   * People this connection knows to be connected outside the room: seen to
   * go to another room, left behind in a room the user left, or met in a
   * private message; until they are seen to leave, or the server says
   * nobody by that name is here.
   */
  get elsewhere(): ReadonlyMap<string, string> {
    return this.#elsewhere;
  }

  /** Forgets `name` as connected elsewhere: the server said nobody by that name is here. */
  gone(name: string): void {
    this.#elsewhere.delete(nameKey(name.replace(/^@/, "")));
  }

  /** Rooms as the server last listed them, largest first. */
  get rooms(): readonly RoomEntry[] {
    return this.#rooms;
  }

  /** The highest message id seen in the current room, once a room was entered. */
  get lastId(): number | undefined {
    return this.#lastId;
  }

  /** The highest message id seen in `room` (a canonical name), if the user was ever in it. */
  seenIn(room: string): number | undefined {
    return room === this.#room ? this.#lastId : this.#seenIn.get(room);
  }

  /** Reports whether `name` is the user's own name. */
  isMe(name: string): boolean {
    return this.#me !== "" && nameKey(name) === nameKey(this.#me);
  }

  /** Member names, sorted for display. */
  sortedMembers(): string[] {
    return [...this.#members.values()].sort((a, b) =>
      a.localeCompare(b, undefined, { sensitivity: "base" })
    );
  }

  /** The room list with the current room in it even if the last listing missed it. */
  roomList(): readonly RoomEntry[] {
    if (this.#rooms.some((room) => room.name === this.#room)) return this.#rooms;
    return [...this.#rooms, { name: this.#room, members: Math.max(1, this.#count) }];
  }

  /** Updates the roster from `frame` and reports what changed. */
  track(frame: ServerFrame): Changes {
    const changes: Changes = { me: false, room: false, members: false, rooms: false };
    switch (frame.type) {
      case "welcome":
        this.#me = frame.name;
        changes.me = true;
        // A new connection: who was elsewhere before it may have gone meanwhile.
        this.#elsewhere.clear();
        break;
      case "room": {
        // Those left behind in another room are still connected.
        const behind = frame.room === this.#room ? [] : [...this.#members.values()];
        // The replay follows: every message of this room is new to us, but for those seen
        // when we were here before.
        if (frame.room !== this.#room) {
          if (this.#lastId !== undefined) this.#remember(this.#room, this.#lastId);
          this.#lastId = this.#seenIn.get(frame.room) ?? 0;
        } else this.#lastId ??= 0;
        this.#room = frame.room;
        this.#setMembers(frame.members, frame.count);
        for (const name of behind) this.#meet(name);
        changes.room = changes.members = true;
        break;
      }
      case "who":
        if (frame.room !== this.#room) break;
        this.#setMembers(frame.members, frame.count);
        changes.members = true;
        break;
      case "joined":
        if (frame.room !== this.#room) break;
        if (!this.#members.has(nameKey(frame.name))) this.#count++;
        this.#members.set(nameKey(frame.name), frame.name);
        this.#elsewhere.delete(nameKey(frame.name));
        changes.members = true;
        break;
      case "left":
        if (frame.room !== this.#room) break;
        if (this.#members.delete(nameKey(frame.name)) || this.#count > this.#members.size) {
          this.#count = Math.max(this.#members.size, this.#count - 1);
        }
        // Gone to another room is still connected; any other reason is gone.
        if (frame.reason?.startsWith("went to ")) this.#meet(frame.name);
        else this.#elsewhere.delete(nameKey(frame.name));
        changes.members = true;
        break;
      case "renamed":
        if (frame.room === this.#room) {
          this.#members.delete(nameKey(frame.from));
          this.#members.set(nameKey(frame.to), frame.to);
          changes.members = true;
        }
        this.#elsewhere.delete(nameKey(frame.from));
        if (this.isMe(frame.from)) {
          this.#me = frame.to;
          changes.me = true;
        }
        break;
      case "message":
        if (frame.room !== this.#room) break;
        this.#lastId = Math.max(this.#lastId ?? 0, frame.id);
        // Someone speaking now is here, even in a room too large to list; a replay says nothing
        // of who is here now.
        if (!frame.replay && !this.#members.has(nameKey(frame.from))) {
          this.#members.set(nameKey(frame.from), frame.from);
          this.#elsewhere.delete(nameKey(frame.from));
          this.#count = Math.max(this.#count, this.#members.size);
          changes.members = true;
        }
        break;
      case "private":
        // Both ends of a private message were connected as it passed.
        for (const name of [frame.from, frame.to]) this.#meet(name);
        break;
      case "rooms":
        this.#rooms = frame.rooms.map((room) => ({ name: room.name, members: room.members }));
        changes.rooms = true;
        break;
      default:
        break;
    }
    return changes;
  }

  /** Notes `name` as connected, outside the room unless it is a member or the user. */
  #meet(name: string): void {
    const key = nameKey(name);
    if (this.#members.has(key) || this.isMe(name)) return;
    this.#elsewhere.delete(key);
    this.#elsewhere.set(key, name);
    if (this.#elsewhere.size > ELSEWHERE_REMEMBERED) {
      this.#elsewhere.delete(this.#elsewhere.keys().next().value!);
    }
  }

  #remember(room: string, lastId: number): void {
    this.#seenIn.delete(room);
    this.#seenIn.set(room, lastId);
    if (this.#seenIn.size > ROOMS_REMEMBERED) {
      this.#seenIn.delete(this.#seenIn.keys().next().value!);
    }
  }

  #setMembers(members: readonly string[], count: number): void {
    this.#members.clear();
    for (const name of members) {
      this.#members.set(nameKey(name), name);
      this.#elsewhere.delete(nameKey(name));
    }
    this.#count = Math.max(count, this.#members.size);
  }
}
