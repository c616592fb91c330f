/**
 * Which rooms each member is in: joining one (in version 1 instead of its
 * room, in version 2 as one more), parting from one, settling a member of
 * version 1 in its one room, and which of its rooms a frame acts in.
 *
 * @module
 */

import { normalizeRoom } from "../../core/names.ts";
import { MAX_ROOMS } from "../../protocol.ts";
import {
  currentRoom,
  inform,
  type ManyRoomMember,
  type Member,
  type OneRoomMember,
  refuse,
  roomNamed,
} from "./members.ts";
import type { Refusal } from "./moderation.ts";
import type { ReplayFrom, Room, Rooms } from "./rooms.ts";

/** What a frame that names a room does in it, as the refusal of a room one is not in says. */
const DOING = {
  say: "say it in",
  me: "say it in",
  file: "share a file in",
  who: "list",
  history: "show the history of",
  search: "search",
  typing: "type in",
  part: "leave",
  leave: "leave",
} as const;

/** The frames that may name a room of their sender's (version 2). */
export type RoomFrameType = keyof typeof DOING;

/** A frame that may name a room of its sender's, and the client message id of its line. */
export interface RoomFrame {
  readonly type: RoomFrameType;
  readonly room?: string | undefined;
  readonly cid?: string | undefined;
}

/** Reports whether frames of type `type` may name a room of their sender's. */
export function namesRoom(type: string): type is RoomFrameType {
  return Object.hasOwn(DOING, type);
}

/**
 * Whether `asker` may be told who is in `room` (a normalised name): anyone
 * when it is not `locked`; when it is, its members and operators alone.
 */
export function mayList(
  asker: Pick<Member, "op" | "rooms">,
  room: string,
  locked: boolean,
): boolean {
  return !locked || asker.op || asker.rooms.some((joined) => joined.name === room);
}

/** Who may enter which rooms, besides the rooms themselves. */
export interface MembershipOptions {
  /** Whether only operators may enter `room`. */
  readonly locked?: (room: string) => boolean;
  /**
   * Why `member` may not talk now, if it is muted: then it may enter rooms
   * that others are in, not make a new one, whose name everyone would see.
   */
  readonly muted?: (member: Member, doing: string) => Refusal | undefined;
}

/** Moves members in and out of rooms, as their protocol version says. */
export class Membership {
  readonly #rooms: Rooms;
  readonly #options: MembershipOptions;

  /** Moves members in and out of `rooms`, as `options` allow. */
  constructor(rooms: Rooms, options: MembershipOptions = {}) {
    this.#rooms = rooms;
    this.#options = options;
  }

  /**
   * Settles `member`, of version 1, in its one room, coming from the rooms
   * `previous`: each other one is told where it went; the room it was in
   * already is replayed, one it was not in entered. `chosen` when the member
   * chose to move (a join): told as its budget of status changes allows.
   */
  settle(
    member: OneRoomMember,
    previous: readonly Room[],
    from?: ReplayFrom,
    chosen = false,
  ): void {
    const [room] = member.rooms;
    for (const old of previous) {
      if (old !== room) {
        this.#rooms.leave(member, old, `went to ${room.name}`, chosen ? "chose" : "ended");
      }
    }
    if (previous.includes(room)) this.#rooms.replay(member, room, from);
    else this.#rooms.enter(member, room, from, chosen);
  }

  /**
   * Takes `member` into the room the user typed, if it is valid and not one
   * of its rooms already: in version 1 instead of its room, in version 2 as
   * one more. Of the room's last messages, only those after `since` when the
   * member says it was there before.
   */
  join(member: Member, input: string, since?: number): void {
    const verdict = this.#verdict(member, input);
    if ("refusal" in verdict) {
      const { code, message } = verdict.refusal;
      return code === undefined ? inform(member, message) : refuse(member, code, message);
    }
    const { name } = verdict;
    // Someone there unseen (a quiet `hello`) is shown in its rooms first; a refusal shows nobody.
    this.#rooms.show(member);
    const from = since === undefined ? undefined : { since, all: false };
    if (member.version === 1) {
      const previous = member.rooms;
      member.rooms = [this.#rooms.get(name)];
      return this.settle(member, previous, from, true);
    }
    const room = this.#rooms.get(name);
    member.rooms = [...member.rooms, room];
    this.#rooms.enter(member, room, from, true);
  }

  /**
   * The room a `join` of `input` by `member` would open, as far as this
   * server knows: its name when the join would be taken into a room nobody
   * is in, `undefined` when it would enter one someone is in, or be refused.
   * Nothing is sent.
   */
  opens(member: Member, input: string): string | undefined {
    const verdict = this.#verdict(member, input);
    return "name" in verdict && !this.#rooms.occupied(verdict.name) ? verdict.name : undefined;
  }

  /**
   * What a `join` of `input` by `member` comes to: the room to enter, or
   * why not (without `code`, an `info`: the member is in it already).
   */
  #verdict(
    member: Member,
    input: string,
  ): { name: string } | { refusal: { code?: Refusal["code"]; message: string } } {
    const checked = roomNamed(input, "join");
    if (!checked.ok) return { refusal: checked };
    const name = checked.value;
    if (member.rooms.some((room) => room.name === name)) {
      return { refusal: { message: `You are in ${name} already` } };
    }
    if (!member.op && this.#options.locked?.(name) === true) {
      return {
        refusal: {
          code: "room_locked",
          message: `Cannot join ${name}: it is locked; only operators may enter`,
        },
      };
    }
    if (!this.#rooms.occupied(name)) {
      const muted = this.#options.muted?.(member, `open ${name}`);
      if (muted !== undefined) return { refusal: muted };
      const like = this.#rooms.lookalike(name);
      if (like !== undefined) {
        return {
          refusal: {
            code: "room_invalid",
            message:
              `Cannot open ${name}: it looks like ${like}; join ${like}, or pick a name that does not`,
          },
        };
      }
    }
    if (member.version !== 1 && member.rooms.length >= MAX_ROOMS) {
      return {
        refusal: {
          code: "bad_command",
          message:
            `Cannot join ${name}: you are in ${MAX_ROOMS} rooms, the most allowed; leave one first`,
        },
      };
    }
    return { name };
  }

  /**
   * Takes a member of version 2 out of `room`, one of its rooms, unless it is
   * the last: the member gets `parted`, the room a `left`.
   */
  part(member: ManyRoomMember, room: Room): void {
    if (member.rooms.every((other) => other.name === room.name)) {
      return refuse(
        member,
        "bad_command",
        `Cannot leave ${room.name}: it is the only room you are in; join another first`,
      );
    }
    // Someone there unseen is shown first, in its rooms as they are now.
    room = this.#rooms.show(member, room);
    const [first, ...others] = member.rooms.filter((other) => other !== room);
    member.rooms = [first!, ...others];
    member.session.send({ type: "parted", room: room.name });
    this.#rooms.leave(member, room, "parted", "chose");
  }

  /** Whether `input`, a room name as sent, names a room `member` is in. */
  isIn(member: Member, input: string): boolean {
    const checked = normalizeRoom(input);
    return checked.ok && member.rooms.some((room) => room.name === checked.value);
  }

  /**
   * The room of `member` that `frame` names, or without one (and in version
   * 1, unless `typed` or a `who`) the room it entered last; or `undefined`
   * once the member is told why not. A command typed in version 1 that names
   * another room than the one the person is in (`/leave #dev`) is refused as
   * it would be in version 2, not done in their room instead. A `who` may
   * name any room the member may list ({@linkcode mayList}), even one nobody
   * is in, in version 1 too: `/who #dev` typed and a `who` of `#dev` sent
   * list the same room.
   */
  of(member: Member, frame: RoomFrame, typed = false): Room | undefined {
    const input = frame.room;
    const named = typed || frame.type === "who" || member.version !== 1;
    if (input === undefined || !named) return currentRoom(member);
    // A client names a room as the server spelt it: no need to normalise it.
    const joined = (name: string) => member.rooms.find((room) => room.name === name);
    const exact = joined(input);
    if (exact !== undefined) return exact;
    const checked = roomNamed(input, DOING[frame.type]);
    if (!checked.ok) {
      refuse(member, checked.code, checked.message, frame.cid);
      return undefined;
    }
    const room = joined(checked.value);
    if (room !== undefined) return room;
    const name = checked.value;
    if (frame.type === "who") {
      if (mayList(member, name, this.#options.locked?.(name) ?? false)) {
        return this.#rooms.get(name);
      }
      refuse(
        member,
        "not_in_room",
        `Cannot list ${name}: it is locked, and only its members and operators may see who is in it`,
        frame.cid,
      );
      return undefined;
    }
    const hint = frame.type === "part" || frame.type === "leave" ? "" : " (join it first)";
    refuse(
      member,
      "not_in_room",
      `Cannot ${DOING[frame.type]} ${name}: you are not in ${name}${hint}`,
      frame.cid,
    );
    return undefined;
  }
}
