/**
 * Who is connected to the hub: newcomers, who have not said a successful
 * `hello`, and members, who have a name and one room (version 1) or several
 * (version 2); and the frames the hub sends to one of them alone.
 *
 * @module
 */

import type { Checked, ErrorCode, ServerFrame } from "../../protocol.ts";
import { nameKey, normalizeRoom } from "../../core/names.ts";
import { quoteTyped } from "../../core/sanitize.ts";
import type { SentMemory } from "../sent_memory.ts";
import type { Session } from "../session.ts";
import { MAX_NAMES } from "./departures.ts";
import type { Away } from "./presence.ts";
import type { Room } from "./rooms.ts";

/** A connection that has not said a successful `hello` yet. */
export interface Newcomer {
  /** Its connection. */
  readonly session: Session;
  /** None yet. */
  readonly name?: undefined;
}

/** Someone with a name, in one room or several: {@linkcode Member}. */
interface Named {
  /** Its connection. */
  readonly session: Session;
  /** The name as it was typed. */
  name: string;
  /** `name` folded by `nameKey`: how names are compared. */
  key: string;
  /** Secret that lets a reconnecting client take this member over. */
  readonly resume: string;
  /** Private messages sent with a client message id, to recognise one sent again. */
  readonly sent: SentMemory;
  /** Its upload token, when the server takes files: revoked when it leaves. */
  readonly token: string | undefined;
  /** Whether it is an operator. */
  op: boolean;
  /** Set while it is away. */
  away: Away | undefined;
  /** When it last said or typed something, in ms since the epoch. */
  active: number;
  /** What it uses, as `who` tells: `terminal`, `web`, `text`, `json`. */
  readonly client: string;
}

/** Someone speaking protocol version 1: in exactly one room, which `join` changes. */
export interface OneRoomMember extends Named {
  readonly version: 1;
  /** The room the member is in. */
  rooms: readonly [Room];
}

/** Someone speaking protocol version 2: in 1 to `MAX_ROOMS` rooms at once. */
export interface ManyRoomMember extends Named {
  readonly version: 2;
  /** The rooms the member is in, in the order it entered them: never none. */
  rooms: readonly [Room, ...Room[]];
}

/** Someone with a name, in one room or several, as its protocol version says. */
export type Member = OneRoomMember | ManyRoomMember;

/** The room a frame that names none acts in: the one `member` entered last of those it is in. */
export function currentRoom(member: Member): Room {
  const rooms = member.rooms;
  return rooms[rooms.length - 1] ?? rooms[0];
}

/** A newcomer or a member: whoever is on a connection. */
export type Connected = Newcomer | Member;

/** Everyone connected, by session, and the members by folded name. */
export class Members {
  readonly #bySession = new Map<Session, Connected>();
  readonly #byKey = new Map<string, Member>();
  /** By session, the names its member had before the one it has, oldest first. */
  readonly #former = new WeakMap<Session, string[]>();
  readonly #arrived: (() => void) | undefined;

  /** `arrived` is called each time someone takes a name here, once they are counted. */
  constructor(arrived?: () => void) {
    this.#arrived = arrived;
  }

  /** Number of members: people who have a name, in any room. */
  get size(): number {
    return this.#byKey.size;
  }

  /** Number of connections with no name yet. */
  get unnamed(): number {
    return this.#bySession.size - this.#byKey.size;
  }

  /** Whoever is on `session`, if it is still connected. */
  get(session: Session): Connected | undefined {
    return this.#bySession.get(session);
  }

  /** The member whose name folds to `key`. */
  byKey(key: string): Member | undefined {
    return this.#byKey.get(key);
  }

  /** Everyone connected. */
  all(): IterableIterator<Connected> {
    return this.#bySession.values();
  }

  /** Registers a new connection, with no name yet. */
  open(session: Session): void {
    this.#bySession.set(session, { session });
  }

  /** Puts `member` on its session, in place of the newcomer, and under its name. */
  add(member: Member): void {
    this.#bySession.set(member.session, member);
    this.#byKey.set(member.key, member);
    this.#arrived?.();
  }

  /** Moves `holder`'s name to `member`, another session; `holder` is no longer connected. */
  replace(holder: Member, member: Member): void {
    this.#bySession.delete(holder.session);
    const former = this.#former.get(holder.session);
    if (former !== undefined) this.#former.set(member.session, former);
    this.add(member);
  }

  /** Forgets `session`; returns whoever was on it. */
  remove(session: Session): Connected | undefined {
    const connected = this.#bySession.get(session);
    if (connected === undefined) return undefined;
    this.#bySession.delete(session);
    if (connected.name !== undefined) this.#byKey.delete(connected.key);
    return connected;
  }

  /** Gives `member` the name `name`, which no one else has. */
  rename(member: Member, name: string): void {
    const former = this.#former.get(member.session) ?? [];
    former.push(member.name);
    this.#former.set(member.session, former.slice(-(MAX_NAMES - 1)));
    this.#byKey.delete(member.key);
    member.name = name;
    member.key = nameKey(name);
    this.#byKey.set(member.key, member);
  }

  /** The names `member`'s connection had, oldest first, the last {@linkcode MAX_NAMES}: its own last. */
  namesOf(member: Member): string[] {
    return [...this.#former.get(member.session) ?? [], member.name];
  }

  /** The names of the members whose folded name starts with `prefix`, sorted. */
  namesStartingWith(prefix: string): string[] {
    const names: string[] = [];
    for (const [key, member] of this.#byKey) {
      if (key.startsWith(prefix)) names.push(member.name);
    }
    return names.sort();
  }

  /** Forgets everyone. */
  clear(): void {
    this.#bySession.clear();
    this.#byKey.clear();
  }
}

// Made at the first count told: each `toLocaleString` with a locale builds
// an ICU formatter of its own, about 25 native allocations, and a crowd
// arriving in a big room is told one count each.
let counts: Intl.NumberFormat | undefined;

/** A count as people are told it: `12,345`, whatever the server's locale. */
export function grouped(count: number): string {
  counts ??= new Intl.NumberFormat("en-US");
  return counts.format(count);
}

/** Tells one person something; nothing went wrong. */
export function inform(to: Connected, text: string): void {
  to.session.send({ type: "info", text });
}

/**
 * Tells the operator `to` what it just did, in an `info` saying `said` or
 * as the frame `said`, unless it reads the server's log (the host's
 * console), which has just said so.
 */
export function acknowledge(to: Connected, said: string | ServerFrame): void {
  if (to.session.readsLog) return;
  to.session.send(typeof said === "string" ? { type: "info", text: said } : said);
}

/** Sends an error; one refusing a message names the client message id it was sent with. */
export function refuse(to: Connected, code: ErrorCode, message: string, cid?: string): void {
  to.session.send(
    cid === undefined ? { type: "error", code, message } : { type: "error", code, message, cid },
  );
}

/**
 * `problem`, a sentence of its own (`A name can …`), as the clause after a
 * refusal's colon: `Cannot use "x": a name can …`.
 */
export function asClause(problem: string): string {
  return problem.charAt(0).toLowerCase() + problem.slice(1);
}

/**
 * The room `input` names (`dev` and `#Dev` are `#dev`), or why it names
 * none, worded as every refusal is, as a refusal of `doing` it there:
 * `Cannot join "#a.b": a room name is # followed by …`.
 */
export function roomNamed(input: string, doing: string): Checked<string> {
  const checked = normalizeRoom(input);
  if (checked.ok) return checked;
  const message = `Cannot ${doing} ${quoteTyped(input)}: ${asClause(checked.message)}`;
  return { ...checked, message };
}
