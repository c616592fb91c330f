/**
 * Rooms: who is in each, entering and leaving them with the arrivals and
 * departures they announce, what someone entering one is sent, and the
 * listings of `who` and `rooms`. Which rooms a member is in is
 * membership.ts's.
 *
 * @module
 */

import type { StatusBudget } from "./churn.ts";
import {
  LOBBY,
  MAX_ANNOUNCED_ROOM_SIZE,
  MAX_LISTED_NAMES,
  MAX_SERVER_LINE_BYTES,
  type Person,
  type RoomEntry,
  type RoomFrame,
  type ServerFrame,
  type WhoFrame,
} from "../../protocol.ts";
import type { RoomSettings } from "./moderation.ts";
import type { HistoryStore } from "../history/store.ts";
import { replay } from "../replay.ts";
import { grouped, inform, type Member } from "./members.ts";
import { nameKey } from "../../core/names.ts";
import type { RemotePeople } from "./cluster.ts";

/**
 * The order of names in `who`, `room` and `rooms`: Unicode's collation, the
 * same on every server whatever its locale (case and accents weigh only
 * between names otherwise alike).
 */
const byName: (a: string, b: string) => number = new Intl.Collator("en").compare;

/** Which of a room's messages someone entering it is sent, besides the room itself. */
export interface ReplayFrom {
  /** The last message id they saw in the room. */
  readonly since: number;
  /**
   * Every message after `since` that the history keeps, however many: a
   * client coming back after a drop (the replay is streamed a page at a time
   * as the client reads it). Otherwise those of the room's last messages that
   * came after it: someone coming back to a room they were in.
   */
  readonly all: boolean;
}

/** A room and the members in it. */
export interface Room {
  /** Its name, normalised: `#dev`. */
  readonly name: string;
  /** Who is in it. */
  readonly members: Set<Member>;
}

/** Sends `frame` to everyone in `room`. */
export function broadcast(room: Room, frame: ServerFrame): void {
  for (const member of room.members) member.session.send(frame);
}

/** What {@linkcode Rooms} needs to replay a room's messages and describe it. */
export interface RoomsOptions {
  /** The topic and lock of a room. */
  readonly settings: (room: string) => Readonly<RoomSettings>;
  /** How each of some members is, for `who`. */
  readonly people: (members: readonly Member[]) => Person[];
  /** Where the messages are. */
  readonly history: HistoryStore;
  /** Messages replayed to whoever enters a room. */
  readonly historyLimit: number;
  /** The id of the last message posted: a replay stops there, later ones arrive live. */
  readonly lastId: () => number;
  /** In a cluster, the people connected to the other servers, listed with those here. */
  readonly remote?: RemotePeople | undefined;
  /**
   * In a cluster, told of every entry and departure, for the other servers:
   * `left` is why someone left, `sentAway` whether an operator sent them away,
   * `handedOff` whether they moved to another server, which tells the others.
   */
  readonly moved?:
    | ((
      member: Member,
      room: Room,
      left?: string,
      sentAway?: boolean,
      handedOff?: boolean,
    ) => void)
    | undefined;
  /**
   * In a cluster, the id of the newest message the cluster stored that this
   * server never read (see `Cluster.unread`), or 0.
   */
  readonly unread?: (() => number) | undefined;
  /**
   * In a cluster, the look-alike of a room that holds its name across the
   * cluster, as its last claim found (see `Cluster.roomLike`).
   */
  readonly claimed?: ((name: string) => string | undefined) | undefined;
  /** How often a member's own joins and parts are announced (server/hub/churn.ts). */
  readonly budget?: StatusBudget | undefined;
  /** Called once a member that was in its rooms unseen is shown in them (see {@linkcode Rooms.show}). */
  readonly shown?: (() => void) | undefined;
}

/**
 * Why someone leaves a room: their connection `ended`, they were `sentAway`
 * (a kick or a ban: told however big the room), or they `chose` to (a part,
 * or another room in version 1: told as their budget of status changes allows).
 */
export type Leaving = "ended" | "sentAway" | "chose";

/**
 * What someone coming back to `room` is told before its replay when the
 * history no longer holds some of the messages they missed: that, and how
 * many it still holds, which follow.
 */
export function missedNotice(room: string, kept: number): string {
  if (kept === 0) return `The messages you missed in ${room} are no longer kept`;
  const missed = `Some messages you missed in ${room} are no longer kept`;
  return kept === 1
    ? `${missed}; the one still kept follows:`
    : `${missed}; the ${grouped(kept)} still kept follow:`;
}

/**
 * What someone entering again a room they were in is told before its replay
 * when they missed more there than a room's replay holds: only the last
 * `limit` follow, and `/history` shows the rest.
 */
export function skippedNotice(room: string, limit: number): string {
  return `You missed more in ${room} than is replayed; the last ${grouped(limit)} follow ` +
    `(/history shows more):`;
}

/** Every room that has someone in it, and `#lobby`. */
export class Rooms {
  readonly #rooms = new Map<string, Room>();
  readonly #options: RoomsOptions;
  readonly #listings = new WeakMap<Room, Listing>();
  /** Members whose rooms hold them unseen (a quiet `hello`): in none of those rooms' `members`. */
  readonly #unseen = new WeakSet<Member>();
  /** How many connected members are in their rooms unseen. */
  #unseenCount = 0;
  /**
   * For each member whose joins and parts went over its budget, by room:
   * whether the room was last told that the member is in it, and why it
   * would be told the member left.
   */
  readonly #untold = new Map<Member, Map<string, { in: boolean; reason: string }>>();

  /** Starts with no room at all: `#lobby` too is made when someone first enters it. */
  constructor(options: RoomsOptions) {
    this.#options = options;
  }

  /**
   * The room called `name` (already normalised): the one there is, or a new
   * one, which exists once someone enters it.
   */
  get(name: string): Room {
    return this.#rooms.get(name) ?? { name, members: new Set() };
  }

  /** The room called `name` if someone here is in it. */
  existing(name: string): Room | undefined {
    return this.#rooms.get(name);
  }

  /** How many rooms someone is in, here or on another server. */
  get occupiedCount(): number {
    let count = 0;
    for (const room of this.#rooms.values()) if (room.members.size > 0) count++;
    for (const [name] of this.#options.remote?.rooms() ?? []) {
      if ((this.#rooms.get(name)?.members.size ?? 0) === 0) count++;
    }
    return count;
  }

  /** Whether someone is in the room called `name`, here or on another server. */
  occupied(name: string): boolean {
    return this.#rooms.has(name) || (this.#options.remote?.countIn(name) ?? 0) > 0;
  }

  /**
   * A room someone is in, here or on another server, whose name looks like
   * `name` without being it (`#lоbby`, with a Cyrillic о, beside `#lobby`):
   * the look-alikes that names may not be (core/names.ts), so that nobody
   * opens a copy of a room to be joined by mistake.
   */
  lookalike(name: string): string | undefined {
    // Everyone's first room is always itself.
    if (name === LOBBY) return undefined;
    const key = nameKey(name.slice(1));
    const names = [
      ...this.#rooms.keys(),
      ...[...this.#options.remote?.rooms() ?? []].map(([n]) => n),
    ];
    return names.find((other) => other !== name && nameKey(other.slice(1)) === key) ??
      this.#options.claimed?.(name);
  }

  /**
   * Takes `member` into `room`, which its `rooms` already hold: the room is
   * told, and how the member is, then the member gets the room and its last
   * messages, or those `from` says. A room that `listed` the member already
   * (someone who moved here from another server of the cluster, in it there)
   * is not told again.
   */
  enter(member: Member, room: Room, from?: ReplayFrom, chosen = false, listed = false): void {
    this.#rooms.set(room.name, room);
    if (this.#told(member, room.name, true, "parted", chosen) && !listed) {
      this.#joined(member, room);
    }
    room.members.add(member);
    this.#options.moved?.(member, room);
    this.replay(member, room, from);
    if (room.members.size > MAX_ANNOUNCED_ROOM_SIZE) {
      const count = grouped(room.members.size);
      inform(
        member,
        `${room.name} has ${count} people: arrivals and departures are not announced here`,
      );
    }
  }

  /**
   * Puts `member` in the rooms its `rooms` hold without anyone seeing it (a
   * quiet `hello`): no room is told or lists it, and it gets nothing of them,
   * until {@linkcode show}. Leaving unseen, it leaves without a word.
   */
  enterUnseen(member: Member): void {
    if (this.#unseen.has(member)) return;
    this.#unseen.add(member);
    this.#unseenCount++;
  }

  /**
   * `holder`'s session goes on as `member`'s (a resume): unseen if it was;
   * what waited to be told of its joins and parts is told now.
   */
  handOver(holder: Member, member: Member): void {
    if (this.#unseen.delete(holder)) this.#unseen.add(member);
    this.#options.budget?.forget(holder);
    const untold = this.#untold.get(holder);
    if (untold === undefined) return;
    this.#untold.delete(holder);
    this.#untold.set(member, untold);
    for (const name of [...untold.keys()]) this.#tell(member, name);
  }

  /**
   * Shows a member that is in its rooms unseen, as if it entered them now:
   * each room is told, and it gets each room without its past messages.
   * Called as a frame of the member's takes effect, just before it does: a
   * refused frame shows nobody. Returns `room` as it is now (one of the
   * member's that was emptied meanwhile is made anew; any other as given).
   */
  show(member: Member): void;
  show(member: Member, room: Room): Room;
  show(member: Member, room?: Room): Room | undefined {
    if (!this.#unseen.delete(member)) return room;
    this.#unseenCount--;
    if (member.version === 1) {
      member.rooms = [this.get(member.rooms[0].name)];
    } else {
      const [first, ...others] = member.rooms.map((each) => this.get(each.name));
      member.rooms = [first!, ...others];
    }
    const now = { since: this.#options.lastId(), all: false };
    for (const each of member.rooms) this.enter(member, each, now);
    this.#options.shown?.();
    if (room === undefined) return undefined;
    return member.rooms.find((each) => each.name === room.name) ?? room;
  }

  /** How many connected members are in their rooms unseen (a quiet `hello`), counted nowhere. */
  get unseenCount(): number {
    return this.#unseenCount;
  }

  /** Whether `member` is in its rooms unseen (a quiet `hello`), listed nowhere. */
  unseen(member: Member): boolean {
    return this.#unseen.has(member);
  }

  /** The rooms `member` is seen in: none while it is unseen. */
  seenIn(member: Member): readonly Room[] {
    return this.#unseen.has(member) ? [] : member.rooms;
  }

  /**
   * Takes `member` out of `room`, telling the room why; a room left empty
   * goes. A departure from a room too big to announce them is told only if
   * the member was sent away (a kick or a ban): everyone sees what an operator did.
   */
  leave(member: Member, room: Room, reason: string, leaving: Leaving = "ended"): void {
    if (!room.members.delete(member)) return;
    this.#options.moved?.(member, room, reason, leaving === "sentAway");
    if (room.members.size === 0 && room.name !== LOBBY) this.#rooms.delete(room.name);
    if (!this.#told(member, room.name, false, reason, leaving === "chose")) return;
    this.#left(member, room, reason, leaving === "sentAway");
  }

  /**
   * Takes `member` out of every room it is in, each told why: it quit, was
   * dropped, or was sent away by an operator (see {@linkcode Rooms.leave}).
   * A room it left over its budget, not told yet, is told now.
   */
  leaveAll(member: Member, reason: string, leaving: Leaving = "ended"): void {
    if (this.#unseen.delete(member)) this.#unseenCount--;
    const untold = this.#untold.get(member);
    this.#untold.delete(member);
    this.#options.budget?.forget(member);
    for (const room of member.rooms) {
      // Never told it came, the room is not told it goes, unless an operator sent it away.
      if (untold?.get(room.name)?.in === false && leaving !== "sentAway") {
        untold.delete(room.name);
        if (!room.members.delete(member)) continue;
        this.#options.moved?.(member, room, reason);
        if (room.members.size === 0 && room.name !== LOBBY) this.#rooms.delete(room.name);
        continue;
      }
      untold?.delete(room.name);
      this.leave(member, room, reason, leaving);
    }
    for (const [name, was] of untold ?? []) {
      const room = this.#rooms.get(name);
      if (was.in && room !== undefined) this.#left(member, room, was.reason, false);
    }
  }

  /**
   * Takes `member`, whose client moved to another server of the cluster, out
   * of its rooms without a word: it is in them there, and the rooms here list
   * it as someone of that server.
   */
  handOff(member: Member): void {
    if (this.#unseen.delete(member)) this.#unseenCount--;
    this.#untold.delete(member);
    this.#options.budget?.forget(member);
    for (const room of member.rooms) {
      if (!room.members.delete(member)) continue;
      this.#options.moved?.(member, room, "connected again to another server", false, true);
      if (room.members.size === 0 && room.name !== LOBBY) this.#rooms.delete(room.name);
    }
  }

  /**
   * Whether the room `name` may be told now that `member` entered (`into`)
   * or left it. A change the member `chose` is told as its budget allows: over
   * it, the room is told later how the member is then, if that is not as last told.
   */
  #told(member: Member, name: string, into: boolean, reason: string, chose: boolean): boolean {
    const budget = this.#options.budget;
    const untold = this.#untold.get(member);
    if (!chose || budget === undefined) {
      untold?.delete(name);
      return true;
    }
    const was = untold?.get(name);
    if (was === undefined && budget.spend(member, name, () => this.#tell(member, name))) {
      return true;
    }
    // Over the budget: the room was last told the opposite of this change, or as a change
    // waiting already says; it is told how the member is once the budget allows.
    let waiting = untold;
    if (waiting === undefined) this.#untold.set(member, waiting = new Map());
    waiting.set(name, { in: was?.in ?? !into, reason });
    return false;
  }

  /** Tells the room `name`, once `member`'s budget allows, how the member is there now. */
  #tell(member: Member, name: string): void {
    const waiting = this.#untold.get(member);
    const was = waiting?.get(name);
    if (waiting === undefined || was === undefined) return;
    waiting.delete(name);
    if (waiting.size === 0) this.#untold.delete(member);
    const room = this.#rooms.get(name);
    const inside = room?.members.has(member) === true;
    if (room === undefined || inside === was.in) return;
    if (inside) {
      room.members.delete(member);
      this.#joined(member, room);
      room.members.add(member);
    } else this.#left(member, room, was.reason, false);
  }

  /** Tells `room`, unless it is too big to, that `member` entered it. */
  #joined(member: Member, room: Room): void {
    if (room.members.size >= MAX_ANNOUNCED_ROOM_SIZE) return;
    const { name: _, ...person } = this.#options.people([member])[0]!;
    broadcast(room, {
      type: "joined",
      ts: Date.now(),
      room: room.name,
      name: member.name,
      ...person,
    });
  }

  /** Tells `room` that `member` left it, `reason` why, unless it is too big to and not `always`. */
  #left(member: Member, room: Room, reason: string, always: boolean): void {
    if (!always && room.members.size >= MAX_ANNOUNCED_ROOM_SIZE) return;
    broadcast(room, {
      type: "left",
      ts: Date.now(),
      room: room.name,
      name: member.name,
      reason,
    });
  }

  /**
   * Sends `member` the room `room`, then the room's last messages, or those
   * `from` says, streamed as the member reads them.
   */
  replay(member: Member, room: Room, from: ReplayFrom | undefined): void {
    const { history, historyLimit } = this.#options;
    const frame: RoomFrame = {
      type: "room",
      room: room.name,
      ...listing(room, this.#options.remote, this.#listings),
    };
    const { topic, locked } = this.#options.settings(room.name);
    if (topic !== undefined) frame.topic = topic.text;
    if (locked) frame.locked = true;
    member.session.send(frame);
    const last = () => history.tail(room.name, historyLimit).after;
    const range = from === undefined
      ? { after: last(), limit: historyLimit }
      : from.all
      ? { after: from.since, limit: Infinity }
      : { after: Math.max(from.since, last()), limit: historyLimit };
    // Coming back to every message missed: said first when the history no longer holds them all.
    if (from?.all === true && this.#forgotten(room.name) > from.since) {
      const { count } = history.tail(room.name, Number.MAX_SAFE_INTEGER);
      member.session.send({ type: "info", room: room.name, text: missedNotice(room.name, count) });
    } else if (from?.all === false && historyLimit > 0) {
      // Entering again a room left: more missed there than a replay holds is said too.
      const before = history.tail(room.name, historyLimit + 1);
      if (before.count > historyLimit && before.after >= from.since) {
        const text = skippedNotice(room.name, historyLimit);
        member.session.send({ type: "info", room: room.name, text });
      }
    }
    if (range.limit === 0) return;
    member.session.stream(replay(history, room.name, { ...range, until: this.#options.lastId() }));
  }

  /**
   * The id of the newest message of `room` the history no longer holds, or
   * that this server never read from its cluster.
   */
  #forgotten(room: string): number {
    return Math.max(this.#options.history.forgotten(room), this.#options.unread?.() ?? 0);
  }

  /** The answer to `who` for `asking`: the people in `room`, and (version 2) how each listed is. */
  who(room: Room, asking: Pick<Member, "version">): WhoFrame {
    const { members, count, listed, elsewhere } = listPeople(room, this.#options.remote);
    if (asking.version === 1) return { type: "who", room: room.name, members, count };
    const everyone = [...this.#options.people(listed), ...elsewhere]
      .sort((a, b) => byName(a.name, b.name));
    // Long away reasons could make the line too long for clients: the list is cut to fit,
    // each person listed in `members` too.
    const empty = JSON.stringify({ type: "who", room: room.name, members: [], count, people: [] });
    const people = everyone.filter(
      fitsLine(`${empty}\n`, (person) => 1 + byteLength(JSON.stringify(person.name))),
    );
    if (people.length === everyone.length) {
      return { type: "who", room: room.name, members, count, people };
    }
    return { type: "who", room: room.name, members: people.map(({ name }) => name), count, people };
  }

  /** The answer to `rooms` for `member`: the largest rooms first, its own marked. */
  list(member: Member): ServerFrame {
    const remote = this.#options.remote;
    // #lobby always exists, though nobody came yet.
    const names = new Set([LOBBY, ...this.#rooms.keys()]);
    for (const [name] of remote?.rooms() ?? []) names.add(name);
    return {
      type: "rooms",
      rooms: [...names]
        .map((name): RoomEntry => {
          const room = this.get(name);
          const members = room.members.size + (remote?.countIn(name) ?? 0);
          const entry: RoomEntry = { name: room.name, members };
          if (room.members.has(member)) entry.joined = true;
          const { topic, locked } = this.#options.settings(room.name);
          if (topic !== undefined) entry.topic = topic.text;
          if (locked) entry.locked = true;
          return entry;
        })
        .sort((a, b) => b.members - a.members || byName(a.name, b.name))
        .slice(0, MAX_LISTED_NAMES)
        .filter(fitsLine(`{"type":"rooms","rooms":[]}\n`)),
    };
  }

  /** Forgets every room. */
  clear(): void {
    this.#rooms.clear();
  }
}

/** The length of `text` in UTF-8. */
function byteLength(text: string): number {
  return encoder.encode(text).length;
}

const encoder = new TextEncoder();

/**
 * A filter that keeps entries, in order, while the frame that lists them
 * (`empty` without them) stays within a server line; the rest are left out.
 * `besides` counts what else an entry adds to the frame, in bytes.
 */
function fitsLine<T>(
  empty: string,
  besides: (entry: T) => number = () => 0,
): (entry: T) => boolean {
  let bytes = byteLength(empty) - 1;
  let full = false;
  return (entry) => {
    if (full) return false;
    bytes += 1 + byteLength(JSON.stringify(entry)) + besides(entry);
    full = bytes > MAX_SERVER_LINE_BYTES;
    return !full;
  };
}

function listing(
  room: Room,
  remote: RemotePeople | undefined,
  listings: WeakMap<Room, Listing>,
): { members: string[]; count: number } {
  if (remote !== undefined) {
    const { members, count } = listPeople(room, remote);
    return { members, count };
  }
  return { members: sortedNames(room, listings), count: room.members.size };
}

/**
 * The names a room's frame last listed: in a room of more than
 * {@linkcode MAX_LISTED_NAMES} its first members stay the same while others
 * come and go, and everyone entering is sent the same sorted names, not a
 * sort of their own (a crowd arriving in `#lobby`).
 */
interface Listing {
  /** The members listed, in the room's order. */
  readonly members: readonly Member[];
  /** Their names when listed, in the same order. */
  readonly names: readonly string[];
  /** The names sorted, as frames carry them; never modified. */
  readonly sorted: string[];
}

/** Sorted names of `room`'s first members, reused while those members and their names stay. */
function sortedNames(room: Room, listings: WeakMap<Room, Listing>): string[] {
  const known = listings.get(room);
  if (known !== undefined && stillListed(room, known)) return known.sorted;
  const members = firstMembers(room);
  const names = members.map((member) => member.name);
  const sorted = Object.freeze([...names].sort(byName)) as string[];
  listings.set(room, { members, names, sorted });
  return sorted;
}

/** The members of `room` that its frames list: the first {@linkcode MAX_LISTED_NAMES} to enter. */
function firstMembers(room: Room): Member[] {
  const members: Member[] = [];
  for (const other of room.members) {
    if (members.length === MAX_LISTED_NAMES) break;
    members.push(other);
  }
  return members;
}

/** Whether `room`'s first members are still `known`'s, under the same names. */
function stillListed(room: Room, known: Listing): boolean {
  let i = 0;
  for (const member of room.members) {
    if (i === MAX_LISTED_NAMES) break;
    if (member !== known.members[i] || member.name !== known.names[i]) return false;
    i++;
  }
  return i === known.members.length;
}

/**
 * The first names of `room`, sorted: the members here it lists, and in a
 * cluster how those listed from other servers are.
 */
function listPeople(room: Room, remote: RemotePeople | undefined): {
  members: string[];
  count: number;
  listed: Member[];
  elsewhere: Person[];
} {
  const listed = firstMembers(room);
  const elsewhere: Person[] = [];
  for (const other of remote?.inRoom(room.name) ?? []) {
    if (listed.length + elsewhere.length === MAX_LISTED_NAMES) break;
    elsewhere.push(other.person);
  }
  const members = [...listed, ...elsewhere].map((person) => person.name)
    .sort(byName);
  const count = room.members.size + (remote?.countIn(room.name) ?? 0);
  return { members, count, listed, elsewhere };
}
