// This module is browser compatible.

/**
 * Who and where a client is, as the server's frames tell it: the user's
 * name, the rooms they are in (one at a time in version 1, many in version
 * 2) and the people in each, the current room, the people it knows to be
 * connected elsewhere, the rooms there are, and the last message id seen in
 * each room, to ask for what came after it when coming back. Both clients
 * keep it in a {@linkcode Roster}; no I/O.
 *
 * @module
 */

import { LOBBY, MAX_ANNOUNCED_ROOM_SIZE, type ServerFrame } from "../protocol.ts";
import { nameKey } from "./names.ts";

/** One entry of the room list. */
export interface RoomEntry {
  /** Canonical room name, such as `#lobby`. */
  name: string;
  /** People in it. */
  members: number;
}

/** Which parts of a {@linkcode Roster} (or of the views, see core/views.ts) a frame changed. */
export interface Changes {
  /** The user's own name. */
  me: boolean;
  /** The current room. */
  room: boolean;
  /** The people in the current room. */
  members: boolean;
  /** The list of rooms, or how many people are in one of the user's. */
  rooms: boolean;
  /** The rooms the user is in, or their views: which there are, what is unread in them. */
  views: boolean;
  /** Who is typing, in some view (see `Conversation.typingIn`). */
  typing: boolean;
}

/** Rooms whose last message id seen is remembered after leaving them. */
const ROOMS_REMEMBERED = 256;

/** People remembered as connected outside the room. */
const ELSEWHERE_REMEMBERED = 256;

const NOBODY: ReadonlyMap<string, string> = new Map();

/**
 * Whether someone who left a room for `reason` (a `left` frame's) is still
 * connected: gone to another room, or out of this one; any other reason is
 * gone from the chat.
 */
export function stillConnected(reason: string | undefined): boolean {
  return reason?.startsWith("went to ") === true || reason === "parted";
}

/** Reports whether anything changed. */
export function changedAny(changes: Changes): boolean {
  return changes.me || changes.room || changes.members || changes.rooms || changes.views ||
    changes.typing;
}

/** Nothing changed, yet. */
export function noChanges(): Changes {
  return { me: false, room: false, members: false, rooms: false, views: false, typing: false };
}

/** A room the user is in. */
class Room {
  readonly members = new Map<string, string>();
  /** The folded names of members known only from their speaking, never said to be here. */
  readonly heard = new Set<string>();
  count = 0;
  /**
   * The highest message id seen in it; `undefined` while nothing was, as in
   * a room a welcome puts the user in before its `room` frame came.
   */
  lastId: number | undefined;

  constructor(lastId: number | undefined) {
    this.lastId = lastId;
  }

  set(members: readonly string[], count: number): void {
    this.members.clear();
    this.heard.clear();
    for (const name of members) this.members.set(nameKey(name), name);
    this.count = Math.max(count, this.members.size);
  }
}

/** The user, their rooms and the people in them, and the room list, kept from server frames. */
export class Roster {
  #me = "";
  /** Whether the server speaks version 2: the user may be in many rooms. */
  #many = false;
  #room = LOBBY;
  /** The rooms the user is in, in the order entered. */
  readonly #joined = new Map<string, Room>();
  #rooms: RoomEntry[] = [];
  /** The last message id seen in each room left, oldest first. */
  readonly #seenIn = new Map<string, number>();
  /** People known to be connected outside the user's rooms, by {@linkcode nameKey}, oldest first. */
  readonly #elsewhere = new Map<string, string>();

  /** The user's name once the server accepted it (renames included), else `""`. */
  get me(): string {
    return this.#me;
  }

  /** The current room. */
  get room(): string {
    return this.#room;
  }

  /** The rooms the user is in, in the order entered. */
  get joined(): readonly string[] {
    return [...this.#joined.keys()];
  }

  /** Whether the server lets the user be in many rooms at once (version 2). */
  get many(): boolean {
    return this.#many;
  }

  /** People in the current room, by {@linkcode nameKey}. */
  get members(): ReadonlyMap<string, string> {
    return this.#joined.get(this.#room)?.members ?? NOBODY;
  }

  /** How many people are in the current room; may exceed `members.size` in huge rooms. */
  get count(): number {
    return this.#joined.get(this.#room)?.count ?? 0;
  }

  /**
   * People this connection knows to be connected outside the current room:
   * in another of the user's rooms, seen to go to another room, left behind
   * in a room the user left, or met in a private message; until they are
   * seen to leave, or the server says nobody by that name is here.
   */
  get elsewhere(): ReadonlyMap<string, string> {
    const here = this.members;
    const found = new Map<string, string>();
    for (const [room, entry] of this.#joined) {
      if (room === this.#room) continue;
      for (const [key, name] of entry.members) {
        if (!here.has(key) && !this.isMe(name)) found.set(key, name);
      }
    }
    for (const [key, name] of this.#elsewhere) if (!here.has(key)) found.set(key, name);
    return found;
  }

  /**
   * The name, as last seen, of the person `name` names (whatever its case or
   * look-alikes) among those this connection knows to be connected: in the
   * current room or {@linkcode Roster.elsewhere}; `undefined` if none.
   */
  known(name: string): string | undefined {
    const key = nameKey(name);
    return this.members.get(key) ?? this.elsewhere.get(key);
  }

  /** The rooms the user is in where `name` is too, in the order entered. */
  roomsWith(name: string): string[] {
    const key = nameKey(name);
    return [...this.#joined].filter(([, room]) => room.members.has(key)).map(([room]) => room);
  }

  /**
   * Whether the server said `name` is in `room` (a `room`, `who` or
   * `joined`), and not that they left since: someone known only from their
   * speaking there is not.
   */
  listedIn(name: string, room: string): boolean {
    const key = nameKey(name);
    const joined = this.#joined.get(room);
    return joined !== undefined && joined.members.has(key) && !joined.heard.has(key);
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
    return this.#joined.get(this.#room)?.lastId;
  }

  /** The highest message id seen in `room` (a canonical name), if the user was ever in it. */
  seenIn(room: string): number | undefined {
    return this.#joined.get(room)?.lastId ?? this.#seenIn.get(room);
  }

  /** Reports whether `name` is the user's own name. */
  isMe(name: string): boolean {
    return this.#me !== "" && nameKey(name) === nameKey(this.#me);
  }

  /** Member names of the current room, sorted for display. */
  sortedMembers(): string[] {
    return [...this.members.values()].sort((a, b) =>
      a.localeCompare(b, undefined, { sensitivity: "base" })
    );
  }

  /**
   * The room list with the user's rooms in it even if the last listing missed
   * them, and how many people are in each of those as the user has seen come
   * and go since, rather than at the last listing (a room of more than
   * {@linkcode MAX_ANNOUNCED_ROOM_SIZE} people, whose comings and goings are not told,
   * keeps the count listed).
   */
  roomList(): readonly RoomEntry[] {
    const listed = this.#rooms.map((entry) => {
      const room = this.#joined.get(entry.name);
      return room === undefined || room.count > MAX_ANNOUNCED_ROOM_SIZE ||
          room.count === entry.members
        ? entry
        : { ...entry, members: room.count };
    });
    const missing = [...this.#joined].filter(([name]) =>
      !this.#rooms.some((room) => room.name === name)
    );
    return [
      ...listed,
      ...missing.map(([name, room]) => ({ name, members: Math.max(1, room.count) })),
    ];
  }

  /** Makes `room`, one the user is in, the current room; reports whether it is one. */
  select(room: string): boolean {
    if (!this.#joined.has(room)) return false;
    this.#room = room;
    return true;
  }

  /** Updates the roster from `frame` and reports what changed. */
  track(frame: ServerFrame): Changes {
    const changes = noChanges();
    switch (frame.type) {
      case "welcome":
        this.#me = frame.name;
        this.#many = frame.version >= 2;
        changes.me = true;
        // A new connection: who was elsewhere before it may have gone meanwhile.
        this.#elsewhere.clear();
        if (this.#many && frame.rooms !== undefined) {
          for (const room of this.joined) {
            if (!frame.rooms.includes(room)) this.#meetAll(this.#leave(room));
          }
          for (const room of frame.rooms) this.#enter(room);
          if (!this.#joined.has(this.#room)) this.#room = frame.rooms[0] ?? LOBBY;
          changes.views = changes.room = changes.members = true;
        }
        break;
      case "room": {
        // One room at a time: entering one leaves the others, whose people are still connected.
        const behind: string[] = [];
        if (!this.#many) {
          for (const room of this.joined) {
            if (room !== frame.room) behind.push(...this.#leave(room));
          }
          this.#room = frame.room;
        }
        if (!this.#joined.has(this.#room)) this.#room = frame.room;
        const entered = this.#enter(frame.room);
        entered.set(frame.members, frame.count);
        // Its replay follows: from now on, what comes there is seen.
        entered.lastId ??= 0;
        for (const name of frame.members) this.#elsewhere.delete(nameKey(name));
        for (const name of behind) this.#meet(name);
        changes.views = true;
        changes.room = changes.members = frame.room === this.#room;
        break;
      }
      case "parted":
        if (!this.#joined.has(frame.room)) break;
        changes.views = true;
        if (frame.room === this.#room) {
          const left = this.#leave(frame.room);
          this.#room = this.joined[0] ?? LOBBY;
          this.#meetAll(left);
          changes.room = changes.members = true;
        } else this.#meetAll(this.#leave(frame.room));
        break;
      case "who": {
        const room = this.#joined.get(frame.room);
        if (room === undefined) break;
        room.set(frame.members, frame.count);
        changes.members = frame.room === this.#room;
        changes.rooms = true;
        break;
      }
      case "joined": {
        const room = this.#joined.get(frame.room);
        if (room === undefined) break;
        if (!room.members.has(nameKey(frame.name))) room.count++;
        room.members.set(nameKey(frame.name), frame.name);
        room.heard.delete(nameKey(frame.name));
        this.#elsewhere.delete(nameKey(frame.name));
        changes.members = frame.room === this.#room;
        changes.rooms = true;
        break;
      }
      case "left": {
        const room = this.#joined.get(frame.room);
        if (room === undefined) break;
        room.heard.delete(nameKey(frame.name));
        if (room.members.delete(nameKey(frame.name)) || room.count > room.members.size) {
          room.count = Math.max(room.members.size, room.count - 1);
        }
        if (stillConnected(frame.reason)) this.#meet(frame.name);
        else this.#elsewhere.delete(nameKey(frame.name));
        changes.members = frame.room === this.#room;
        changes.rooms = true;
        break;
      }
      case "renamed": {
        const room = this.#joined.get(frame.room);
        room?.heard.delete(nameKey(frame.from));
        if (room !== undefined && room.members.delete(nameKey(frame.from))) {
          room.members.set(nameKey(frame.to), frame.to);
          changes.members = frame.room === this.#room;
        }
        this.#elsewhere.delete(nameKey(frame.from));
        if (this.isMe(frame.from)) {
          this.#me = frame.to;
          changes.me = true;
        }
        break;
      }
      case "message": {
        const room = this.#joined.get(frame.room);
        if (room === undefined) break;
        room.lastId = Math.max(room.lastId ?? 0, frame.id);
        // Someone speaking now is here, even in a room too large to list; a replay says nothing
        // of who is here now.
        if (!frame.replay && !room.members.has(nameKey(frame.from))) {
          room.members.set(nameKey(frame.from), frame.from);
          room.heard.add(nameKey(frame.from));
          this.#elsewhere.delete(nameKey(frame.from));
          room.count = Math.max(room.count, room.members.size);
          changes.members = frame.room === this.#room;
        }
        break;
      }
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

  /** The entry of `room`, entered now if the user was not in it, from the last id seen there. */
  #enter(room: string): Room {
    let entry = this.#joined.get(room);
    if (entry === undefined) {
      entry = new Room(this.#seenIn.get(room));
      this.#seenIn.delete(room);
      this.#joined.set(room, entry);
    }
    return entry;
  }

  /** Leaves `room`, remembering the last id seen there; returns its people, still connected. */
  #leave(room: string): string[] {
    const entry = this.#joined.get(room);
    if (entry === undefined) return [];
    this.#joined.delete(room);
    this.#seenIn.delete(room);
    if (entry.lastId !== undefined) this.#seenIn.set(room, entry.lastId);
    if (this.#seenIn.size > ROOMS_REMEMBERED) {
      this.#seenIn.delete(this.#seenIn.keys().next().value!);
    }
    return [...entry.members.values()];
  }

  #meetAll(names: readonly string[]): void {
    for (const name of names) this.#meet(name);
  }

  /** Notes `name` as connected, outside the room unless it is a member or the user. */
  #meet(name: string): void {
    const key = nameKey(name);
    if (this.members.has(key) || this.isMe(name)) return;
    this.#elsewhere.delete(key);
    this.#elsewhere.set(key, name);
    if (this.#elsewhere.size > ELSEWHERE_REMEMBERED) {
      this.#elsewhere.delete(this.#elsewhere.keys().next().value!);
    }
  }
}
