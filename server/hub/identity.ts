/**
 * Who someone is: the `hello` that gives a connection its name (checked
 * against the password, the name rules and the names taken), a session taken
 * back with its `resume` token, renames, and what the hub keeps of someone
 * whose connection ended until they come back.
 *
 * @module
 */

import {
  type ErrorCode,
  type HelloFrame,
  LOBBY,
  PROTOCOL_VERSION,
  type WelcomeFrame,
} from "../../protocol.ts";
import { checkName, nameKey, normalizeRoom } from "../../core/names.ts";
import { sanitizeText } from "../../core/sanitize.ts";
import type { PasswordGate } from "../password.ts";
import { DepartedMemories, SentMemory } from "../sent_memory.ts";
import { inform, type Member, type Members, type Newcomer, refuse } from "./members.ts";
import { broadcast, type Rooms } from "./rooms.ts";

/** What {@linkcode Identity} needs. */
export interface IdentityOptions {
  /** Everyone connected, where names are held. */
  readonly members: Members;
  /** The rooms a named member enters. */
  readonly rooms: Rooms;
  /** Name the server gives itself in `welcome`. */
  readonly serverName: string;
  /** Checks the password of every `hello`, when the server has one. */
  readonly password: PasswordGate | undefined;
  /** Heartbeat timeout in seconds, told to clients in `welcome`. */
  readonly heartbeat: number | undefined;
  /** Receives one line per join, return, rename and wrong password. */
  readonly log: (line: string) => void;
  /** Says goodbye to a newcomer whose `hello` cannot be answered, and closes it. */
  readonly quit: (newcomer: Newcomer, reason: string) => void;
}

/** Names people, and knows them again when they come back. */
export class Identity {
  readonly #options: IdentityOptions;
  /** What people whose connection ended had sent, until they come back. */
  readonly #departed = new DepartedMemories();

  /** Names people in `options.members`, placing them in `options.rooms`. */
  constructor(options: IdentityOptions) {
    this.#options = options;
  }

  /** Answers a newcomer's `hello`: a name and a room, or why not. */
  hello(newcomer: Newcomer, hello: HelloFrame): void {
    const { members, rooms, password, log } = this.#options;
    if (hello.version !== PROTOCOL_VERSION) {
      refuse(
        newcomer,
        "unsupported_version",
        `Cannot talk protocol version ${hello.version}: this server speaks version ${PROTOCOL_VERSION}`,
      );
      return this.#options.quit(newcomer, "Unsupported protocol version");
    }
    const session = newcomer.session;
    const refusal = password?.check(session.address, hello.password);
    if (refusal !== undefined) {
      if (refusal.wrong) log(`Wrong password from ${session.remote}`);
      return refuse(newcomer, refusal.code, refusal.message);
    }
    let roomName = LOBBY;
    if (hello.room !== undefined) {
      const checked = normalizeRoom(hello.room);
      if (checked.ok) roomName = checked.value;
    }
    const key = nameKey(hello.name);
    const holder = members.byKey(key);
    const resumed = holder !== undefined && hello.resume !== undefined &&
      holder.resume === hello.resume;
    let member: Member;
    if (resumed) {
      member = { ...holder, session, resume: crypto.randomUUID() };
      this.#takeOver(holder, member);
    } else {
      const refusal = this.#claimable(hello.name, undefined);
      if (refusal !== undefined) return refuse(newcomer, refusal.code, refusal.message);
      // Dropped before it came back: what it sent is still known by its token.
      const kept = hello.resume === undefined ? undefined : this.#departed.take(hello.resume, key);
      member = {
        session,
        name: hello.name,
        key,
        resume: crypto.randomUUID(),
        room: rooms.get(roomName),
        sent: kept ?? new SentMemory(),
      };
      members.add(member);
    }
    session.send(this.#welcome(member));
    // A peer that never reads may be dropped on its welcome: then there is no one to place.
    if (members.get(session) !== member) return;
    log(`${member.name} ${resumed ? "came back" : "joined"} from ${session.remote}`);
    // Coming back after a drop: every message missed.
    const from = hello.since === undefined ? undefined : { since: hello.since, all: true };
    if (!resumed) rooms.enter(member, from);
    else if (member.room.name === roomName) rooms.replay(member, from);
    else rooms.move(member, roomName, from);
  }

  /** Renames a member, telling its room. */
  nick(member: Member, next: string): void {
    const name = member.name;
    if (next === name) return inform(member, `You are already called ${name}`);
    const refusal = this.#claimable(next, member);
    if (refusal !== undefined) return refuse(member, refusal.code, refusal.message);
    this.#options.members.rename(member, next);
    this.#options.log(`${name} is now ${next}`);
    const room = member.room;
    broadcast(room, { type: "renamed", ts: Date.now(), room: room.name, from: name, to: next });
  }

  /** Keeps what a member whose connection ended had sent, for when it comes back. */
  depart(member: Member): void {
    this.#departed.keep(member.resume, member.key, member.sent);
  }

  #welcome(member: Member): WelcomeFrame {
    const welcome: WelcomeFrame = {
      type: "welcome",
      version: PROTOCOL_VERSION,
      server: this.#options.serverName,
      name: member.name,
      resume: member.resume,
    };
    if (this.#options.heartbeat !== undefined) welcome.heartbeat = this.#options.heartbeat;
    return welcome;
  }

  /** Gives `holder`'s name and room to `member`, on a new session; the old one is closed quietly. */
  #takeOver(holder: Member, member: Member): void {
    this.#options.members.replace(holder, member);
    holder.room.members.delete(holder);
    holder.room.members.add(member);
    holder.session.send({ type: "bye", reason: "You connected again from elsewhere" });
    holder.session.close();
  }

  #claimable(name: string, current: Member | undefined): {
    code: ErrorCode;
    message: string;
  } | undefined {
    const problem = checkName(name);
    if (problem !== undefined) {
      return { code: "name_invalid", message: `Cannot use "${sanitizeText(name)}": ${problem}` };
    }
    const holder = this.#options.members.byKey(nameKey(name));
    if (holder !== undefined && holder !== current) {
      return {
        code: "name_taken",
        message:
          `Cannot use "${name}": the name is taken (${holder.name} is here). Pick another name`,
      };
    }
    return undefined;
  }
}
