/**
 * The chat itself: members, rooms, names, history and commands. The hub never
 * sees a socket; transports hand it {@linkcode Session}s and checked frames,
 * and it answers with server frames.
 *
 * @module
 */

import { parseInput } from "../core/commands.ts";
import { COMMANDS } from "../core/commands.ts";
import {
  type ClientFrame,
  type ErrorCode,
  type HelloFrame,
  LOBBY,
  MAX_ANNOUNCED_ROOM_SIZE,
  MAX_LISTED_NAMES,
  MAX_TEXT_BYTES,
  type MessageFrame,
  type PrivateFrame,
  PROTOCOL_VERSION,
  type ServerFrame,
  utf8Length,
} from "../protocol.ts";
import { checkName, nameKey, normalizeRoom } from "../core/names.ts";
import { sanitizeText } from "../core/sanitize.ts";
import { type HistoryStore, MemoryHistory } from "./history.ts";
import {
  MAX_PREFIX_WORDS,
  MAX_SEARCH_RESULTS,
  parseSearch,
  SEARCH_BURST,
  SearchPace,
} from "./search.ts";
import { PasswordGate } from "./password.ts";
import { DepartedMemories, SentMemory } from "./sent_memory.ts";
import { replay } from "./replay.ts";
import { framesOf, type Session } from "./session.ts";

/** Most messages replayed to a client coming back with `since`. */
const MAX_CATCH_UP = 1000;

/** Options for {@linkcode Hub}. */
export interface HubOptions {
  /** Name the server gives itself in `welcome`. @default {"chat"} */
  serverName?: string;
  /** Where room messages are kept. @default {a MemoryHistory of historyLimit per room} */
  history?: HistoryStore;
  /** Messages replayed to whoever enters a room. @default {50} */
  historyLimit?: number;
  /** Receives one line per join, leave and rename. @default {no logging} */
  log?: (line: string) => void;
  /** Password every `hello` must carry. @default {none} */
  password?: string;
  /** Heartbeat timeout in seconds, told to clients in `welcome`. @default {not told} */
  heartbeat?: number;
  /**
   * Lowest id to number from when the history store is empty, so ids keep
   * growing across restarts of a server that keeps nothing. @default {0}
   */
  firstId?: number;
}

interface Member {
  session: Session;
  name: string | undefined;
  key: string | undefined;
  /** Secret that lets a reconnecting client take this member over. */
  resume: string | undefined;
  room: Room | undefined;
  /** Private messages sent with a client message id, to recognise one sent again. */
  sent: SentMemory;
}

interface Room {
  readonly name: string;
  readonly members: Set<Member>;
}

/** Routes frames between sessions. One hub serves every transport of a server. */
export class Hub implements Disposable {
  readonly #serverName: string;
  readonly #history: HistoryStore;
  readonly #historyLimit: number;
  readonly #log: (line: string) => void;
  readonly #members = new Map<Session, Member>();
  readonly #byKey = new Map<string, Member>();
  readonly #rooms = new Map<string, Room>();
  readonly #password: PasswordGate | undefined;
  readonly #heartbeat: number | undefined;
  /** Search pacing per connection. */
  readonly #searchPaces = new WeakMap<Session, SearchPace>();
  /** What people whose connection ended had sent, until they come back. */
  readonly #departed = new DepartedMemories();
  #lastId: number;
  #closed = false;

  constructor(options: HubOptions = {}) {
    this.#serverName = options.serverName ?? "chat";
    this.#historyLimit = options.historyLimit ?? 50;
    // In memory, keep more than is replayed so /history can reach further back.
    this.#history = options.history ?? new MemoryHistory(Math.max(this.#historyLimit, 1000));
    this.#log = options.log ?? (() => {});
    this.#password = options.password === undefined
      ? undefined
      : new PasswordGate(options.password);
    this.#heartbeat = options.heartbeat;
    this.#lastId = Math.max(this.#history.lastId(), options.firstId ?? 0);
  }

  /** Number of people who have a name, in any room. */
  /** Whether `session` has said a successful hello. */
  isNamed(session: Session): boolean {
    return this.#members.get(session)?.name !== undefined;
  }

  /** Number of people who have a name, in any room. */
  get size(): number {
    return this.#byKey.size;
  }

  /** Registers a new connection; it has no name until its `hello`. */
  open(session: Session): void {
    if (this.#closed) {
      session.send({ type: "bye", reason: "The server is shutting down" });
      session.close();
      return;
    }
    this.#members.set(session, {
      session,
      name: undefined,
      key: undefined,
      resume: undefined,
      room: undefined,
      sent: new SentMemory(),
    });
  }

  /** Handles one checked frame from `session`. Never throws for any input. */
  receive(session: Session, frame: ClientFrame): void {
    const member = this.#members.get(session);
    if (member === undefined) return;
    if (frame.type === "pong") return; // an answer to the transport's heartbeat
    if (frame.type === "ping") {
      session.send(
        frame.token === undefined ? { type: "pong" } : { type: "pong", token: frame.token },
      );
      return;
    }
    if (frame.type === "quit") {
      this.#quit(member, frame.reason);
      return;
    }
    if (frame.type === "hello") {
      this.#hello(member, frame);
      return;
    }
    if (member.name === undefined) {
      this.#error(member, "not_ready", 'Cannot handle frame: send "hello" with your name first');
      return;
    }
    this.#dispatch(member, member.name, frame);
  }

  /** Removes a session whose connection ended, telling its room. */
  close(session: Session, reason = "connection closed"): void {
    const member = this.#members.get(session);
    if (member === undefined) return;
    this.#members.delete(session);
    if (member.key !== undefined) this.#byKey.delete(member.key);
    if (member.key !== undefined && member.resume !== undefined) {
      this.#departed.keep(member.resume, member.key, member.sent);
    }
    if (member.room !== undefined && member.name !== undefined) {
      this.#log(`${member.name} left (${reason})`);
      this.#exit(member, reason);
    }
  }

  /** Says goodbye to every session and closes it; later calls do nothing. */
  shutdown(reason = "The server is shutting down"): void {
    if (this.#closed) return;
    this.#closed = true;
    // A shutdown is usually a restart: clients may come back.
    const bye: ServerFrame = { type: "bye", reason, retry: true };
    for (const member of this.#members.values()) {
      member.session.send(bye);
      member.session.close();
    }
    this.#members.clear();
    this.#byKey.clear();
    this.#rooms.clear();
  }

  [Symbol.dispose](): void {
    this.shutdown();
  }

  #dispatch(member: Member, name: string, frame: Exclude<ClientFrame, { type: "hello" }>): void {
    switch (frame.type) {
      case "say":
        return this.#say(member, name, frame.text, frame.cid);
      case "me":
        return this.#post(member, name, frame.text, true, frame.cid);
      case "msg":
        return this.#private(member, name, frame.to, frame.text, frame.cid);
      case "nick":
        return this.#nick(member, name, frame.name);
      case "join":
        return this.#join(member, name, frame.room);
      case "leave":
        if (member.room?.name === LOBBY) {
          return this.#info(member, `You are in ${LOBBY} already`);
        }
        return this.#join(member, name, LOBBY);
      case "who": {
        const room = member.room!;
        return member.session.send({ type: "who", room: room.name, ...this.#listing(room) });
      }
      case "rooms":
        return member.session.send({
          type: "rooms",
          rooms: [...this.#rooms.values()]
            .map((room) => ({ name: room.name, members: room.members.size }))
            .sort((a, b) => b.members - a.members || a.name.localeCompare(b.name))
            .slice(0, MAX_LISTED_NAMES),
        });
      case "help":
        return member.session.send({ type: "help", commands: [...COMMANDS] });
      case "history":
        return this.#showHistory(member, frame.limit ?? 20);
      case "search":
        return this.#search(member, frame.text);
      case "ping":
      case "pong":
      case "quit":
        return; // handled before a name is needed
      default: {
        const unhandled: never = frame;
        throw new TypeError(`Cannot handle frame ${JSON.stringify(unhandled)}`);
      }
    }
  }

  #hello(member: Member, hello: HelloFrame): void {
    if (member.name !== undefined) {
      return this.#error(member, "already_ready", `Cannot say hello twice: you are ${member.name}`);
    }
    if (hello.version !== PROTOCOL_VERSION) {
      this.#error(
        member,
        "unsupported_version",
        `Cannot talk protocol version ${hello.version}: this server speaks version ${PROTOCOL_VERSION}`,
      );
      return this.#quit(member, undefined, "Unsupported protocol version");
    }
    const refusal = this.#password?.check(member.session.address, hello.password);
    if (refusal !== undefined) {
      if (refusal.wrong) this.#log(`Wrong password from ${member.session.remote}`);
      return this.#error(member, refusal.code, refusal.message);
    }
    let roomName = LOBBY;
    if (hello.room !== undefined) {
      const checked = normalizeRoom(hello.room);
      if (checked.ok) roomName = checked.value;
    }
    const name = hello.name;
    const holder = this.#byKey.get(nameKey(name));
    const resumed = holder !== undefined && holder !== member && hello.resume !== undefined &&
      holder.resume === hello.resume;
    if (resumed) {
      this.#takeOver(member, holder);
    } else {
      const refusal = this.#claimable(name, undefined);
      if (refusal !== undefined) return this.#error(member, refusal.code, refusal.message);
      member.name = name;
      member.key = nameKey(name);
      this.#byKey.set(member.key, member);
      // Dropped before it came back: what it sent is still known by its token.
      const kept = hello.resume === undefined
        ? undefined
        : this.#departed.take(hello.resume, member.key);
      if (kept !== undefined) member.sent = kept;
    }
    member.resume = crypto.randomUUID();
    const welcome: ServerFrame = {
      type: "welcome",
      version: PROTOCOL_VERSION,
      server: this.#serverName,
      name: member.name!,
      resume: member.resume,
    };
    if (this.#heartbeat !== undefined) welcome.heartbeat = this.#heartbeat;
    member.session.send(welcome);
    const verb = resumed ? "came back" : "joined";
    this.#log(`${member.name} ${verb} from ${member.session.remote}`);
    if (resumed && member.room?.name === roomName) {
      this.#replay(member, member.room, hello.since);
    } else {
      this.#exit(member, `went to ${roomName}`);
      this.#enter(member, member.name!, roomName, hello.since);
    }
  }

  /** Moves a member's name and room to a new session; the old one is closed quietly. */
  #takeOver(member: Member, holder: Member): void {
    this.#members.delete(holder.session);
    holder.session.send({ type: "bye", reason: "You connected again from elsewhere" });
    holder.session.close();
    member.name = holder.name;
    member.key = holder.key;
    member.room = holder.room;
    member.sent = holder.sent;
    this.#byKey.set(member.key!, member);
    if (holder.room !== undefined) {
      holder.room.members.delete(holder);
      holder.room.members.add(member);
    }
  }

  #claimable(
    name: string,
    current: Member | undefined,
  ): { code: ErrorCode; message: string } | undefined {
    const problem = checkName(name);
    if (problem !== undefined) {
      return { code: "name_invalid", message: `Cannot use "${sanitizeText(name)}": ${problem}` };
    }
    const holder = this.#byKey.get(nameKey(name));
    if (holder !== undefined && holder !== current) {
      return {
        code: "name_taken",
        message:
          `Cannot use "${name}": the name is taken (${holder.name} is here). Pick another name`,
      };
    }
    return undefined;
  }

  #say(member: Member, name: string, text: string, cid: string | undefined): void {
    if (!text.startsWith("/") || text.startsWith("//")) {
      return this.#post(member, name, text.startsWith("//") ? text.slice(1) : text, false, cid);
    }
    const parsed = parseInput(text);
    if (!parsed.ok) return this.#error(member, parsed.code, parsed.message, cid);
    const frame = parsed.frame;
    if (frame.type === "quit") return this.#quit(member, frame.reason);
    // `/me` and `/msg` post a message: it keeps the id of the line that asked for it.
    if (cid !== undefined && (frame.type === "me" || frame.type === "msg")) frame.cid = cid;
    this.#dispatch(member, name, frame);
  }

  #checkText(member: Member, raw: string, cid: string | undefined): string | undefined {
    const text = sanitizeText(raw).trim();
    if (text.length === 0) {
      this.#error(member, "text_invalid", "Cannot send an empty message", cid);
      return undefined;
    }
    // A UTF-16 unit is at most 3 UTF-8 bytes: short texts need no counting.
    if (text.length * 3 > MAX_TEXT_BYTES && utf8Length(text) > MAX_TEXT_BYTES) {
      this.#error(
        member,
        "text_invalid",
        `Cannot send message: it is longer than ${MAX_TEXT_BYTES} bytes`,
        cid,
      );
      return undefined;
    }
    return text;
  }

  /**
   * Answers a message sent again under a client message id this person used
   * already: the sender alone gets the original frame, and nothing else
   * happens. Returns whether `cid` was such a repeat.
   */
  #repeated(member: Member, cid: string): boolean {
    const earlier: MessageFrame | PrivateFrame | undefined = member.sent.get(cid) ??
      // Stored messages outlive connections and restarts; only their sender's count.
      this.#history.withCid(cid).find((message) => nameKey(message.from) === member.key);
    if (earlier === undefined) return false;
    member.session.send(earlier);
    return true;
  }

  #post(
    member: Member,
    name: string,
    raw: string,
    action: boolean,
    cid: string | undefined,
  ): void {
    if (cid !== undefined && this.#repeated(member, cid)) return;
    const text = this.#checkText(member, raw, cid);
    if (text === undefined) return;
    const room = member.room!;
    const message: MessageFrame = {
      type: "message",
      id: ++this.#lastId,
      ts: Date.now(),
      room: room.name,
      from: name,
      text,
    };
    if (action) message.action = true;
    if (cid !== undefined) message.cid = cid;
    if (!this.#store(member, cid, () => this.#history.append(message))) return;
    this.#broadcast(room, message);
  }

  /**
   * Runs a write to the store; if it fails, tells the sender nothing was sent
   * and returns false. Nothing is acknowledged that was not stored.
   */
  #store(member: Member, cid: string | undefined, write: () => void): boolean {
    try {
      write();
      return true;
    } catch (error) {
      this.#log(`Cannot store a message: ${(error as Error).message}`);
      this.#error(
        member,
        "not_stored",
        "Cannot send message: the server could not store it (is its disk full?); try again later",
        cid,
      );
      return false;
    }
  }

  #private(
    member: Member,
    name: string,
    to: string,
    raw: string,
    cid: string | undefined,
  ): void {
    if (cid !== undefined && this.#repeated(member, cid)) return;
    const target = this.#resolve(member, to, cid);
    if (target === undefined) return;
    const text = this.#checkText(member, raw, cid);
    if (text === undefined) return;
    const frame: PrivateFrame = {
      type: "private",
      id: ++this.#lastId,
      ts: Date.now(),
      from: name,
      to: target.name!,
      text,
    };
    // Not stored, but its id must not come back after a restart either.
    if (!this.#store(member, cid, () => this.#history.reserve(frame.id))) return;
    if (cid !== undefined) {
      frame.cid = cid;
      member.sent.add(frame);
    }
    target.session.send(frame);
    if (target !== member) member.session.send(frame);
  }

  /**
   * Finds the member called exactly `query` (folded, a leading `@` ignored).
   * A prefix never delivers: it only suggests names to the sender.
   */
  #resolve(member: Member, query: string, cid: string | undefined): Member | undefined {
    const key = nameKey(query.replace(/^@/, ""));
    const exact = this.#byKey.get(key);
    if (exact !== undefined) return exact;
    const shown = sanitizeText(query);
    const hints = key.length === 0
      ? []
      : [...this.#byKey.values()].filter((other) => other.key!.startsWith(key))
        .map((other) => other.name!).sort();
    const hint = hints.length === 0 ? "" : `; did you mean ${hints.slice(0, 10).join(", ")}?`;
    this.#error(
      member,
      "no_such_user",
      `Cannot send: nobody called "${shown}" is here${hint}`,
      cid,
    );
    return undefined;
  }

  #nick(member: Member, name: string, next: string): void {
    if (next === name) return this.#info(member, `You are already called ${name}`);
    const refusal = this.#claimable(next, member);
    if (refusal !== undefined) return this.#error(member, refusal.code, refusal.message);
    this.#byKey.delete(member.key!);
    member.name = next;
    member.key = nameKey(next);
    this.#byKey.set(member.key, member);
    this.#log(`${name} is now ${next}`);
    const room = member.room!;
    this.#broadcast(room, {
      type: "renamed",
      ts: Date.now(),
      room: room.name,
      from: name,
      to: next,
    });
  }

  #join(member: Member, name: string, input: string): void {
    const checked = normalizeRoom(input);
    if (!checked.ok) return this.#error(member, checked.code, checked.message);
    if (member.room?.name === checked.value) {
      return this.#info(member, `You are in ${checked.value} already`);
    }
    this.#exit(member, `went to ${checked.value}`);
    this.#enter(member, name, checked.value);
  }

  #enter(member: Member, name: string, roomName: string, since?: number): void {
    let room = this.#rooms.get(roomName);
    if (room === undefined) {
      room = { name: roomName, members: new Set() };
      this.#rooms.set(roomName, room);
    }
    if (room.members.size < MAX_ANNOUNCED_ROOM_SIZE) {
      this.#broadcast(room, { type: "joined", ts: Date.now(), room: roomName, name });
    }
    room.members.add(member);
    member.room = room;
    this.#replay(member, room, since);
    if (room.members.size > MAX_ANNOUNCED_ROOM_SIZE) {
      const count = room.members.size.toLocaleString("en-US");
      this.#info(
        member,
        `${roomName} has ${count} people: arrivals and departures are not announced here`,
      );
    }
  }

  /**
   * Sends the room frame, then the last messages, or those after `since`,
   * streamed as the member reads them.
   */
  #replay(member: Member, room: Room, since: number | undefined): void {
    member.session.send({ type: "room", room: room.name, ...this.#listing(room) });
    const range = since === undefined
      ? {
        after: this.#history.tail(room.name, this.#historyLimit).after,
        limit: this.#historyLimit,
      }
      : { after: since, limit: MAX_CATCH_UP };
    if (range.limit === 0) return;
    member.session.stream(replay(this.#history, room.name, { ...range, until: this.#lastId }));
  }

  #exit(member: Member, reason: string): void {
    const room = member.room;
    if (room === undefined) return;
    room.members.delete(member);
    member.room = undefined;
    if (room.members.size === 0 && room.name !== LOBBY) this.#rooms.delete(room.name);
    if (room.members.size >= MAX_ANNOUNCED_ROOM_SIZE) return;
    this.#broadcast(room, {
      type: "left",
      ts: Date.now(),
      room: room.name,
      name: member.name!,
      reason,
    });
  }

  #quit(member: Member, reason: string | undefined, logReason?: string): void {
    const text = reason === undefined
      ? "quit"
      : `quit: ${[...sanitizeText(reason)].slice(0, 200).join("")}`;
    member.session.send({ type: "bye", reason: logReason ?? "Goodbye" });
    member.session.close();
    this.close(member.session, logReason ?? text);
  }

  #showHistory(member: Member, limit: number): void {
    const room = member.room!.name;
    const { after, count } = this.#history.tail(room, limit);
    if (count === 0) return this.#info(member, `No messages in ${room} yet`);
    this.#info(member, `The last ${count} messages of ${room}:`);
    member.session.stream(
      replay(this.#history, room, { after, until: this.#lastId, limit: count }),
    );
  }

  #search(member: Member, raw: string): void {
    const room = member.room!.name;
    const checked = parseSearch(raw);
    if (!checked.ok) return this.#error(member, checked.code, checked.message);
    const wait = this.#paceSearch(member.session);
    if (wait > 0) {
      return this.#error(
        member,
        "rate_limited",
        `Cannot search now: after ${SEARCH_BURST} searches, one a second; try again in ${
          Math.ceil(wait / 1000)
        } s`,
      );
    }
    const { query } = checked;
    const { found, searched, tooBroad } = this.#history.find(room, query, {
      limit: MAX_SEARCH_RESULTS,
    });
    if (tooBroad !== undefined) {
      return this.#error(
        member,
        "text_invalid",
        `Cannot search for ${JSON.stringify(tooBroad)}: over ${
          MAX_PREFIX_WORDS.toLocaleString("en-US")
        } different words start with it; type more of it`,
      );
    }
    const quoted = JSON.stringify(query.text);
    const partial = searched === undefined
      ? ""
      : ` (searched the last ${
        searched === 1 ? "message" : `${searched.toLocaleString("en-US")} messages`
      }; add words to search further back)`;
    if (found.length === 0) {
      return this.#info(member, `No messages in ${room} match ${quoted}${partial}`);
    }
    const count = found.length === 1 ? "1 message" : `${found.length} messages`;
    this.#info(member, `${count} in ${room} match ${quoted}${partial}:`);
    member.session.stream(framesOf(found.map((message) => ({ ...message, replay: true }))));
  }

  /** Takes a search for `session`: 0 if it may run now, else the milliseconds to wait. */
  #paceSearch(session: Session): number {
    const now = Date.now();
    let pace = this.#searchPaces.get(session);
    if (pace === undefined) {
      pace = new SearchPace(now);
      this.#searchPaces.set(session, pace);
    }
    return pace.take(now);
  }

  #listing(room: Room): { members: string[]; count: number } {
    const members: string[] = [];
    for (const other of room.members) {
      if (members.length === MAX_LISTED_NAMES) break;
      members.push(other.name!);
    }
    return { members: members.sort((a, b) => a.localeCompare(b)), count: room.members.size };
  }

  #broadcast(room: Room, frame: ServerFrame): void {
    for (const member of room.members) member.session.send(frame);
  }

  #info(member: Member, text: string): void {
    member.session.send({ type: "info", text });
  }

  /** Sends an error; one refusing a message names the client message id it was sent with. */
  #error(member: Member, code: ErrorCode, message: string, cid?: string): void {
    member.session.send(
      cid === undefined ? { type: "error", code, message } : { type: "error", code, message, cid },
    );
  }
}
