/**
 * The chat itself. The hub never sees a socket: transports hand it
 * {@linkcode Session}s and checked frames, and it answers with server frames.
 * This module takes sessions in and dispatches their frames; its parts, in
 * server/hub/, are who is connected (members.ts), rooms (rooms.ts), which
 * rooms each member is in (membership.ts), messages (messages.ts), names
 * (identity.ts), and the frames that wait for a connection's own (held.ts).
 *
 * @module
 */

import { COMMANDS, COMMANDS_V2, parseInput } from "../core/commands.ts";
import {
  type ClientFrame,
  LOBBY,
  type Person,
  PROTOCOL_VERSION,
  type ProtocolVersion,
  type ServerFrame,
  type WhoFrame,
} from "../protocol.ts";
import { nameKey } from "../core/names.ts";
import type { Ban, RoomSettings } from "./hub/moderation.ts";
import { sanitizeText } from "../core/sanitize.ts";
import type { HistoryStore } from "./history/store.ts";
import { MemoryHistory } from "./history/memory.ts";
import { PasswordGate, type PasswordRefusal } from "./password.ts";
import type { Session } from "./session.ts";
import { Identity, type NameRefusal } from "./hub/identity.ts";
import {
  type Connected,
  currentRoom,
  type Member,
  Members,
  type Newcomer,
  refuse,
} from "./hub/members.ts";
import { mayList, Membership, namesRoom, type RoomFrame } from "./hub/membership.ts";
import { Messages } from "./hub/messages.ts";
import { type Room, Rooms } from "./hub/rooms.ts";
import type { SharedFiles } from "./hub/shared_files.ts";
import { HostConsole } from "./hub/console.ts";
import { Moderation } from "./hub/moderation.ts";
import { Operators } from "./hub/operators.ts";
import { Departures } from "./hub/departures.ts";
import { Presence } from "./hub/presence.ts";
import type { Cluster, RemotePerson } from "./hub/cluster.ts";
import { clusterEvents, localPeople } from "./hub/linked.ts";
import { tokenDigest } from "./hub/token_digest.ts";
import { HeldFrames } from "./hub/held.ts";
import { RoomOpening } from "./hub/opening.ts";
import { StatusBudget } from "./hub/churn.ts";

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
  /**
   * The op file's secrets, by folded name: whoever has the name and gives
   * its secret with `/oper` becomes an operator. @default {none}
   */
  operators?: ReadonlyMap<string, string>;
  /** The shared files, when the server takes them. @default {none: `file` is refused} */
  files?: SharedFiles;
  /**
   * The other servers of a cluster, with which this hub shares rooms, names
   * and history; call {@linkcode Hub.link} before taking connections.
   * @default {none: this server is the whole chat}
   */
  cluster?: Cluster;
  /**
   * Whether an address is the server machine's own (loopback, its
   * interfaces): the host's console, which has no address, bans and mutes
   * whoever connects from one by name alone, as an operator's own address is
   * spared. @default {none is}
   */
  machineAddress?: (address: string) => boolean;
}

/**
 * The reasons a transport gives for a connection that ended by itself, not
 * by its person's choice nor an operator's (see {@linkcode Hub.close}): a
 * drop, after which a `hello` with the resume token finds its operator
 * status and locked rooms again, for a short grace.
 */
const DROPS: ReadonlySet<string> = new Set([
  "connection closed",
  "connection lost",
  "timed out",
  "too slow to keep up",
]);

/** The longest reason of a `quit` told to its rooms, in code points. */
const MAX_QUIT_REASON = 200;

/** Messages `/history` replays when it is not told how many. */
const DEFAULT_HISTORY = 20;

/** A frame a member with a name may send, besides those any connection may. */
type MemberFrame = Exclude<ClientFrame, { type: "hello" | "ping" | "pong" }>;

/**
 * What the hub does with each frame of a member: one handler per command of
 * the command table (core/commands.ts), and `say`. A command without its
 * handler here fails `deno check`. A handler that posts a message returns,
 * in a cluster, what settles once the message is sent here: the member's
 * next frames wait for it.
 */
type Handlers = {
  readonly [F in MemberFrame as F["type"]]: (member: Member, frame: F) => Posted;
};

/** What a handler returns: in a cluster, what settles once the message it posted is sent here. */
type Posted = Promise<void> | undefined | void;

/** A frame that may name a room of its sender's. */
type InRoomFrame = Extract<MemberFrame, RoomFrame>;

/** Reports whether `frame` may name a room of its sender's. */
function actsInRoom(frame: MemberFrame): frame is InRoomFrame {
  return namesRoom(frame.type);
}

/** An operator's command about a room, any room, which is the `say`'s when it names none. */
type AboutRoomFrame = Extract<MemberFrame, { type: "topic" | "lock" | "unlock" }>;

/** Reports whether `frame` is about a room that it may leave out. */
function aboutRoom(frame: MemberFrame): frame is AboutRoomFrame {
  return frame.type === "topic" || frame.type === "lock" || frame.type === "unlock";
}

/** The frames by which someone says something: they make the person active. */
const SAYING: ReadonlySet<string> = new Set(["say", "me", "msg", "file"]);

/**
 * The frames handled while room messages wait to be stored together
 * (server/hub/messages.ts): they post one more, after them, or do nothing.
 * Any other frame is answered once those messages are stored and sent, so
 * that it is seen after them: a `ping`'s `pong` says that what was sent
 * before it was handled.
 */
const GROUPED: ReadonlySet<string> = new Set(["say", "me", "file", "pong"]);

/** What `/help` answers, by protocol version. */
const HELP: Readonly<Record<ProtocolVersion, ServerFrame>> = {
  1: { type: "help", commands: [...COMMANDS] },
  2: { type: "help", commands: [...COMMANDS_V2] },
};

/** What {@linkcode Hub.counts} tells. */
export interface ChatCounts {
  /** People with a name, here and on the other servers of a cluster. */
  readonly people: number;
  /** People with a name connected here. */
  readonly here: number;
  /** Operators among {@linkcode people}. */
  readonly operators: number;
  /** Connections here with no name yet. */
  readonly unnamed: number;
  /** Rooms someone is in. */
  readonly rooms: number;
  /** Servers of the chat, this one included. */
  readonly servers: number;
  /** The most people connected here at once. */
  readonly peakHere: number;
  /** The most people counted at once in the whole chat: in a cluster, as counted here. */
  readonly peak: number;
}

/** Someone connected, as a transport that answers questions itself (IRC `WHOIS`) sees them. */
export interface PersonInfo {
  /** How they are, as `who` tells. */
  readonly person: Person;
  /** The rooms they are in, in the order entered. */
  readonly rooms: readonly string[];
  /** Where they connect from. */
  readonly address: string;
  /** When their connection opened, in ms since the epoch. */
  readonly since: number;
}

/** Routes frames between sessions. One hub serves every transport of a server. */
export class Hub implements Disposable {
  readonly #log: (line: string) => void;
  /** The server's display name: in `welcome`, and in the `pong` of someone not welcomed yet. */
  readonly #serverName: string;
  readonly #members = new Members(() => this.#counted());
  readonly #rooms: Rooms;
  readonly #messages: Messages;
  readonly #identity: Identity;
  readonly #membership: Membership;
  readonly #moderation: Moderation;
  readonly #presence: Presence;
  /** How often each member's away and back, joins and parts are announced. */
  readonly #budget = new StatusBudget();
  readonly #operators: Operators;
  /** Where each name last left from, for a `/ban` of it a moment later. */
  readonly #departures = new Departures();
  readonly #password: PasswordGate | undefined;
  readonly #settings: (room: string) => Readonly<RoomSettings>;
  /** When each connection opened, for IRC's WHOIS. */
  readonly #opened = new WeakMap<Session, number>();
  readonly #cluster: Cluster | undefined;
  /** In a cluster, the names of the rooms people here open, claimed across it. */
  readonly #roomOpening: RoomOpening | undefined;
  readonly #history: HistoryStore;
  /**
   * The frames of connections whose `hello`, `search` or, in a cluster,
   * room message is not done yet, in order.
   */
  readonly #held: HeldFrames;
  /** The most people seen here at once (see {@linkcode Hub.#counted}). */
  #peakHere = 0;
  /** The most people seen at once, here and elsewhere, as counted on each arrival. */
  #peak = 0;
  readonly #handlers: Handlers = {
    say: (member, frame) => this.#say(member, frame),
    me: this.#in((member, frame, room) => this.#messages.post(member, room, frame, true)),
    msg: (member, frame) => this.#messages.private(member, frame.to, frame.text, frame.cid),
    file: (member, frame) =>
      frame.to === undefined
        ? this.#shareIn(member, frame)
        : this.#messages.share(member, frame, undefined),
    nick: (member, frame) => this.#identity.nick(member, frame.name),
    join: (member, frame) => {
      const join = () => this.#membership.join(member, frame.room, frame.since);
      // In a cluster, a room it would open is claimed across it first; any other join is done
      // at once.
      const opens = this.#roomOpening === undefined
        ? undefined
        : this.#membership.opens(member, frame.room);
      if (opens === undefined) return join();
      return this.#opening([opens], () => {
        if (this.#stillHere(member)) join();
      });
    },
    part: this.#in((member, _, room) => this.#part(member, room)),
    leave: this.#in((member, _, room) => this.#part(member, room)),
    who: this.#in((member, _, room) => this.#who(member, room)),
    rooms: (member) => member.session.send(this.#rooms.list(member)),
    help: (member) => member.session.send(HELP[member.version]),
    history: this.#in((member, frame, room) =>
      this.#messages.history(member, room, frame.limit ?? DEFAULT_HISTORY)
    ),
    search: this.#in((member, frame, room) =>
      this.#held.waitFor(member.session, this.#messages.search(member, room, frame.text))
    ),
    quit: (member, frame) => this.#quit(member, frame.reason),
    away: (member, frame) => {
      this.#presence.away(member, frame.reason, frame.since);
      this.#changed(member);
    },
    back: (member) => {
      this.#presence.back(member);
      this.#changed(member);
    },
    typing: (member, frame) => {
      if (frame.to !== undefined) return this.#presence.typing(member, frame, undefined);
      // Version 1 is in one room and is never refused a `typing`: one of another room (sent
      // just before a move, say) is dropped, not told in the room the person is in now.
      if (member.version === 1 && frame.room !== undefined) {
        if (!this.#membership.isIn(member, frame.room)) return;
      }
      return this.#typingIn(member, frame);
    },
    topic: (member, frame) => this.#operators.topic(member, frame),
    oper: (member, frame) => this.#operators.oper(member, frame),
    op: (member, frame) => this.#operators.op(member, frame),
    deop: (member, frame) => this.#operators.deop(member, frame),
    kick: (member, frame) => this.#operators.kick(member, frame),
    ban: (member, frame) => this.#operators.ban(member, frame),
    unban: (member, frame) => this.#operators.unban(member, frame),
    bans: (member) => this.#operators.bans(member),
    mute: (member, frame) => this.#operators.mute(member, frame),
    unmute: (member, frame) => this.#operators.unmute(member, frame),
    lock: (member, frame) => this.#operators.lock(member, frame.room, true),
    unlock: (member, frame) => this.#operators.lock(member, frame.room, false),
    rename: (member, frame) => this.#operators.rename(member, frame),
  };
  /** Relays "is typing" in the room a `typing` frame names, or the one entered last. */
  readonly #typingIn = this.#in<Extract<MemberFrame, { type: "typing" }>>((member, frame, room) =>
    this.#presence.typing(member, frame, room)
  );
  /** Posts a line to the room a `say` names, or the one entered last; `text` is what it says. */
  readonly #postIn = this.#in<Extract<MemberFrame, { type: "say" }>>((member, say, room) =>
    this.#messages.post(member, room, say, false)
  );
  /** Shares a file in the room a `file` frame names, or the one entered last. */
  readonly #shareIn = this.#in<Extract<MemberFrame, { type: "file" }>>((member, frame, room) =>
    this.#messages.share(member, frame, room)
  );
  #closed = false;

  /** Makes a hub with no one connected yet. */
  constructor(options: HubOptions = {}) {
    const historyLimit = options.historyLimit ?? 50;
    // In memory, keep more than is replayed so /history can reach further back.
    const history = options.history ?? new MemoryHistory(Math.max(historyLimit, 1000));
    this.#log = options.log ?? (() => {});
    this.#serverName = options.serverName ?? "chat";
    this.#held = new HeldFrames({
      receive: (session, frame) => this.receive(session, frame),
      end: (session, reason, dropped) => this.#end(session, reason, dropped),
      log: this.#log,
    });
    const cluster = options.cluster;
    this.#cluster = cluster;
    this.#history = history;
    // In a cluster, bans, topics and locks are every server's.
    const notes = cluster === undefined ? history : {
      notes: (kind: string) => history.notes(kind),
      note: (kind: string, key: string, value: string | undefined) => {
        history.note(kind, key, value);
        cluster.note(kind, key, value);
      },
    };
    const moderation = new Moderation(notes, {
      secrets: options.operators,
      // Mutes are not kept with the history, but in a cluster every server holds them.
      share: cluster === undefined
        ? undefined
        : (kind, key, value) => cluster.note(kind, key, value),
      // Two servers banning at once make two bans, never one note of both.
      server: cluster?.id,
    });
    this.#settings = (room) => moderation.room(room);
    this.#password = options.password === undefined
      ? undefined
      : new PasswordGate(options.password);
    this.#moderation = moderation;
    const presence = new Presence(
      this.#members,
      (member, doing) => moderation.muted(member, doing),
      cluster === undefined ? undefined : (room, frame) => cluster.relay(room, frame),
      (member) => this.#rooms.show(member),
      this.#budget,
    );
    this.#presence = presence;
    this.#messages = new Messages({
      history,
      members: this.#members,
      firstId: options.firstId ?? 0,
      log: this.#log,
      files: options.files,
      muted: (member) => moderation.muted(member),
      away: (sender, target) => presence.privateTo(sender, target),
      cluster,
      show: (member, room) => this.#rooms.show(member, room),
    });
    const messages = this.#messages;
    const opening = cluster === undefined
      ? undefined
      : new RoomOpening(cluster, () => this.#rooms, this.#log);
    this.#roomOpening = opening;
    this.#rooms = new Rooms({
      history,
      historyLimit,
      lastId: () => messages.sentId,
      settings: (room) => moderation.room(room),
      people: (members) => presence.people(members),
      remote: cluster?.people,
      unread: cluster === undefined ? undefined : () => cluster.unread,
      claimed: cluster === undefined ? undefined : (name) => cluster.roomLike(name),
      budget: this.#budget,
      shown: () => this.#counted(),
      moved: cluster === undefined ? undefined : (member, room, left, sentAway, handedOff) => {
        // Moved to another server, which tells the others they are there.
        if (handedOff) return opening?.moved(room, left);
        cluster.tell(
          left === undefined
            ? {
              kind: "enter",
              key: member.key,
              name: member.name,
              room: room.name,
              person: presence.people([member])[0]!,
              resume: tokenDigest(member.resume),
            }
            : {
              kind: "leave",
              key: member.key,
              room: room.name,
              reason: left,
              ...sentAway ? { sentAway: true } : {},
            },
        );
        opening?.moved(room, left);
      },
    });
    const locked = (room: string) => moderation.room(room).locked === true;
    this.#membership = new Membership(this.#rooms, {
      locked,
      muted: (member, doing) => moderation.muted(member, doing),
    });
    this.#identity = new Identity({
      members: this.#members,
      rooms: this.#rooms,
      membership: this.#membership,
      serverName: this.#serverName,
      password: this.#password,
      heartbeat: options.heartbeat,
      log: this.#log,
      quit: (newcomer, reason) => this.#quit(newcomer, undefined, reason),
      files: options.files,
      moderation,
      locked,
      cluster,
      resumed: cluster === undefined ? undefined : (member) => this.#changed(member),
    });
    this.#operators = new Operators({
      moderation,
      members: this.#members,
      rooms: this.#rooms,
      rename: (member, to, by, answer) => this.#identity.nick(member, to, by, answer),
      remove: (member, reason, why) => this.#sendAway(member, reason, why),
      muted: () => this.#silence(),
      log: this.#log,
      machineAddress: options.machineAddress,
      deopDropped: (key) => this.#identity.deopDropped(key),
      departed: (key, since) => this.#departures.find(key, since),
      changed: (member) => this.#changed(member),
      relay: cluster === undefined ? undefined : (room, frame) => cluster.relay(room, frame),
      elsewhere: cluster === undefined ? undefined : {
        find: (key) => cluster.people.byKey(key)?.name,
        isOp: (key) => cluster.people.byKey(key)?.person.op === true,
        act: (key, act, answered) => cluster.act(key, act, answered),
      },
    });
  }

  /** The host's console: lines typed at the server, run as the operator `host`, in no room. */
  console(print: (line: string) => void): HostConsole {
    return new HostConsole({
      rooms: this.#rooms,
      dispatch: (member, frame) => {
        this.#messages.flush();
        return this.#dispatch(member, frame);
      },
      post: (member, room, text) => this.#messages.post(member, room, { text }, false),
    }, print);
  }

  /** The id of the newest message the server has sent or relayed. */
  get lastMessageId(): number {
    return this.#messages.sentId;
  }

  /** Whether `session` has said a successful hello. */
  isNamed(session: Session): boolean {
    return this.#members.get(session)?.name !== undefined;
  }

  /**
   * Why a `hello` for `name` would be refused for the name now (see
   * {@linkcode Identity.nameRefusal}); `undefined` when it looks free.
   */
  nameRefusal(name: string): NameRefusal | undefined {
    return this.#identity.nameRefusal(name);
  }

  /**
   * Checks a password given before any `hello` (IRC's SASL), as a `hello`'s
   * is checked, wrong guesses counted; `undefined` when it is right or none is needed.
   */
  checkPassword(address: string, password: string | undefined): PasswordRefusal | undefined {
    return this.#password?.check(address, password);
  }

  /** Whoever goes by `name` (compared as names are), if connected here or, in a cluster, elsewhere. */
  person(name: string): PersonInfo | undefined {
    const key = nameKey(name);
    const member = this.#members.byKey(key);
    if (member === undefined) {
      const remote = this.#cluster?.people.byKey(key);
      if (remote === undefined) return undefined;
      return {
        person: remote.person,
        rooms: [...remote.rooms],
        address: "another server of the cluster",
        since: remote.person.active,
      };
    }
    return {
      person: this.#presence.people([member])[0]!,
      rooms: this.#rooms.seenIn(member).map((room) => room.name),
      address: member.session.address,
      since: this.#opened.get(member.session) ?? Date.now(),
    };
  }

  /**
   * Whether `name` is someone a listing may show (IRC's WHO, WHOIS, ISON,
   * USERHOST): anyone connected but who is there unseen (a quiet `hello`),
   * who leaves no trace until something they send takes effect.
   */
  listed(name: string): boolean {
    const member = this.#members.byKey(nameKey(name));
    if (member !== undefined) return !this.#rooms.unseen(member);
    return this.person(name) !== undefined;
  }

  /**
   * The names of everyone connected, here and, in a cluster, elsewhere: for
   * a transport that finds a person by a name of its own (IRC's mapped nicks).
   */
  *names(): IterableIterator<string> {
    for (const connected of this.#members.all()) {
      if (connected.name !== undefined) yield connected.name;
    }
    yield* this.#cluster?.people.namesStartingWith("") ?? [];
  }

  /**
   * Who is in `room` (a normalised name), as version 2's `who` lists them,
   * for a transport that answers itself (IRC's NAMES and WHO), to `asker`, a
   * name connected here; `undefined` when nobody is in it, here or
   * elsewhere, or when `asker` may not list it ({@linkcode Hub.mayList}).
   */
  who(room: string, asker: string): WhoFrame | undefined {
    if (!this.occupied(room) || !this.mayList(asker, room)) return undefined;
    return this.#rooms.who(this.#rooms.get(room), { version: 2 });
  }

  /** Whether someone is in `room` (a normalised name), here or elsewhere. */
  occupied(room: string): boolean {
    return (this.#rooms.existing(room)?.members.size ?? 0) > 0 ||
      (this.#cluster?.people.countIn(room) ?? 0) > 0;
  }

  /**
   * Whether `asker`, a name connected here, may be told who is in `room` (a
   * normalised name): anyone, when it is not locked; when it is, its members
   * and operators alone, as a `who` is answered.
   */
  mayList(asker: string, room: string): boolean {
    const member = this.#members.byKey(nameKey(asker));
    return member !== undefined && mayList(member, room, this.locked(room));
  }

  /** The topic of `room` (a normalised name), if it has one. */
  topic(room: string): { text: string; by: string; ts: number } | undefined {
    return this.#settings(room).topic;
  }

  /**
   * Why `name`, connected here, may not share a file now (a mute), if so:
   * for the file store, which then takes none of their bytes.
   */
  shareRefusal(name: string): string | undefined {
    const member = this.#members.byKey(nameKey(name));
    return member === undefined
      ? undefined
      : this.#moderation.muted(member, "share a file")?.message;
  }

  /**
   * Whether `name`, connected here, is muted now: words of theirs that no
   * frame carries (an IRC PART's reason) are then told to nobody.
   */
  muted(name: string): boolean {
    const member = this.#members.byKey(nameKey(name));
    return member !== undefined && this.#moderation.muted(member) !== undefined;
  }

  /** Whether only operators may enter `room` (a normalised name). */
  locked(room: string): boolean {
    return this.#settings(room).locked === true;
  }

  /** The bans in force, oldest first: for a transport that lists them itself (IRC's ban list). */
  bans(): readonly Ban[] {
    return this.#moderation.bans();
  }

  /**
   * Gives a ban of `name` that the operator on `session` made without a
   * reason the reason `reason`, telling `room` (a normalised name), where
   * the person was: for a transport whose ban and reason come apart (IRC's
   * kickban, server/irc/kickban.ts). `false` when that operator made no
   * ban of that name.
   */
  explainBan(session: Session, name: string, reason: string, room: string | undefined): boolean {
    const member = this.#members.get(session);
    if (member?.name === undefined) return false;
    return this.#operators.explain(member, name, reason, room);
  }

  /** Number of people who have a name, in any room. */
  get size(): number {
    return this.#members.size;
  }

  /** How many people, operators, rooms and servers the chat has now, for IRC's LUSERS. */
  counts(): ChatCounts {
    const members = this.#members;
    const remote = this.#cluster?.people;
    let operators = 0;
    // Someone there unseen (a quiet `hello`) is counted nowhere.
    let unseen = 0;
    for (const connected of members.all()) {
      if (connected.name === undefined) continue;
      if (this.#rooms.unseen(connected)) unseen++;
      else if (connected.op) operators++;
    }
    for (const person of remote?.all() ?? []) if (person.person.op) operators++;
    const here = members.size - unseen;
    const people = here + (remote?.size ?? 0);
    this.#peakHere = Math.max(this.#peakHere, here);
    this.#peak = Math.max(this.#peak, people);
    return {
      people,
      here,
      operators,
      unnamed: members.unnamed,
      rooms: this.#rooms.occupiedCount,
      servers: 1 + (this.#cluster?.servers().length ?? 0),
      peakHere: this.#peakHere,
      peak: this.#peak,
    };
  }

  /**
   * Keeps the most people there have been at once, here and in the whole
   * chat: called on each arrival, here or elsewhere, and as someone there
   * unseen (a quiet `hello`) is shown. Someone unseen is counted nowhere.
   */
  #counted(): void {
    const here = this.#members.size - this.#rooms.unseenCount;
    this.#peakHere = Math.max(this.#peakHere, here);
    this.#peak = Math.max(this.#peak, here + (this.#cluster?.people.size ?? 0));
  }

  /** Registers a new connection; it has no name until its `hello`. */
  open(session: Session): void {
    if (this.#closed) {
      session.send({ type: "bye", reason: "The server is shutting down" });
      session.close();
      return;
    }
    this.#members.open(session);
    this.#opened.set(session, Date.now());
  }

  /** Handles one checked frame from `session`. Never throws for any input. */
  receive(session: Session, frame: ClientFrame): void {
    const connected = this.#members.get(session);
    if (connected === undefined) return;
    if (this.#held.hold(session, frame)) return;
    // This server stood still: someone elsewhere may have taken the name of one of its people
    // meanwhile. What they sent is handled once their names are checked, and not at all under
    // a name someone else holds now (they are sent away, with their frames).
    if (connected.name !== undefined && frame.type !== "pong") {
      const checked = this.#cluster?.settled();
      if (checked !== undefined) {
        this.#held.waitFor(session, checked, "name");
        this.#held.hold(session, frame);
        return;
      }
    }
    if (!GROUPED.has(frame.type)) this.#messages.flush();
    switch (frame.type) {
      case "pong":
        return; // an answer to the transport's heartbeat
      case "ping": {
        // Before a `hello`, the server says who it is: `chat ls` names a server it finds so.
        const pong: ServerFrame = connected.name === undefined
          ? { type: "pong", server: this.#serverName }
          : { type: "pong" };
        return session.send(frame.token === undefined ? pong : { ...pong, token: frame.token });
      }
      case "hello":
        if (connected.name === undefined) return this.#hello(connected, frame);
        return refuse(
          connected,
          "already_ready",
          `Cannot say hello twice: you are ${connected.name}`,
        );
      case "quit":
        return this.#quit(connected, frame.reason);
    }
    if (connected.name === undefined) {
      return refuse(
        connected,
        "not_ready",
        'Cannot handle frame: send "hello" with your name first',
      );
    }
    // What comes after a message on its way through the cluster waits for it.
    this.#held.waitFor(session, this.#dispatch(connected, frame), "posted");
  }

  /**
   * Removes a session whose connection ended, telling each of its rooms
   * `reason`. A transport's reason for a drop (`connection closed`,
   * `connection lost`, `timed out`, `too slow to keep up`) keeps what its
   * resume token entitles it to for a grace; any other reason, nothing.
   */
  close(session: Session, reason = "connection closed"): void {
    // What it posted goes out before it is said to have left.
    this.#messages.flush();
    const dropped = DROPS.has(reason);
    // What it sent before it ended is handled first, a moment later: its `quit` among them.
    if (!this.#held.endAfter(session, reason, dropped)) this.#end(session, reason, dropped);
  }

  /**
   * Removes a session, as {@linkcode Hub.close}: `dropped` when it ended by
   * itself, `sentAway` when an operator kicked or banned it (told in every room, however big).
   * `movedTo` is the server of the cluster its client came back on: the rooms
   * are told nothing, the person being in them there.
   */
  #end(
    session: Session,
    reason: string,
    dropped: boolean,
    sentAway = false,
    movedTo?: string,
  ): void {
    this.#held.forget(session);
    const connected = this.#members.remove(session);
    if (connected?.name === undefined) return;
    this.#identity.depart(connected, dropped);
    this.#departures.keep({
      name: connected.name,
      names: this.#members.namesOf(connected),
      address: connected.session.address,
      resume: connected.resume,
      since: this.#opened.get(connected.session) ?? Date.now(),
    });
    this.#log(`${connected.name} left (${reason})`);
    const elsewhere = this.#cluster?.people;
    if (movedTo !== undefined && elsewhere !== undefined) {
      // Listed from now on as someone of that server, unless its news came first.
      if (elsewhere.byKey(connected.key) === undefined) {
        const person: RemotePerson = {
          name: connected.name,
          key: connected.key,
          server: movedTo,
          rooms: [],
          person: this.#presence.people([connected])[0]!,
        };
        for (const room of this.#rooms.seenIn(connected)) elsewhere.enter(person, room.name);
      }
      return this.#rooms.handOff(connected);
    }
    this.#rooms.leaveAll(connected, reason, sentAway ? "sentAway" : "ended");
    this.#cluster?.tell({
      kind: "gone",
      key: connected.key,
      reason,
      ...dropped ? { dropped: true } : {},
    });
  }

  /**
   * Sends `member` away for an operator (a kick, a ban), with `bye` `reason`:
   * each of its rooms is told `left` with `why`, however big, here and on
   * the other servers of a cluster.
   */
  #sendAway(member: Member, reason: string, why: string): void {
    member.session.send({ type: "bye", reason });
    member.session.close();
    this.#end(member.session, why, false, true);
  }

  /**
   * Joins the cluster given in the options: once this resolves, the hub has
   * every message stored so far and follows the other servers.
   */
  link(): Promise<void> {
    if (this.#cluster === undefined) return Promise.resolve();
    return this.#cluster.start(
      clusterEvents({
        members: this.#members,
        rooms: this.#rooms,
        messages: this.#messages,
        moderation: this.#moderation,
        operators: this.#operators,
        history: this.#history,
        people: (members) => this.#presence.people(members),
        close: (session, reason) => this.#end(session, reason, false),
        handOff: (session, server) =>
          this.#end(session, "connected again to another server", false, false, server),
        sendAway: (member, reason, why) => this.#sendAway(member, reason, why),
        arrived: () => this.#counted(),
        silence: () => this.#silence(),
        identity: this.#identity,
      }),
      () =>
        localPeople(
          this.#members,
          (members) => this.#presence.people(members),
          (member) => this.#rooms.seenIn(member),
        ),
    );
  }

  /**
   * Answers a `hello`; frames that come while the cluster is asked (for its
   * name, and for the rooms it would open) wait for the answer.
   */
  #hello(newcomer: Newcomer, hello: Extract<ClientFrame, { type: "hello" }>): void {
    const rooms = hello.version === PROTOCOL_VERSION
      ? [hello.room ?? LOBBY]
      : hello.rooms?.map((entry) => entry.room) ?? [];
    this.#held.waitFor(
      newcomer.session,
      this.#opening(rooms, () => {
        if (this.#stillHere(newcomer)) return this.#identity.hello(newcomer, hello);
      }),
    );
  }

  /**
   * Runs `then`, which may open the rooms typed as `rooms`: in a cluster,
   * once the cluster has said which of them may be opened here.
   */
  #opening(rooms: readonly string[], then: () => Posted): Posted {
    return this.#roomOpening === undefined ? then() : this.#roomOpening.before(rooms, then);
  }

  /** Whether `connected` is still the one connected on its session. */
  #stillHere(connected: Connected): boolean {
    return this.#members.get(connected.session) === connected;
  }

  /** Tells the other servers how `member` is now. */
  #changed(member: Member): void {
    this.#cluster?.tell({
      kind: "person",
      key: member.key,
      person: this.#presence.people([member])[0]!,
      resume: tokenDigest(member.resume),
    });
  }

  /**
   * Takes down the away reasons of everyone a mute now holds (the person
   * named, and others from a muted address), here and on the other servers.
   */
  #silence(): void {
    for (const connected of this.#members.all()) {
      if (connected.name !== undefined && this.#presence.silence(connected)) {
        this.#changed(connected);
      }
    }
  }

  /** Says goodbye to every session and closes it; later calls do nothing. */
  shutdown(reason = "The server is shutting down"): void {
    if (this.#closed) return;
    this.#closed = true;
    // Every message taken is stored and sent before the goodbyes.
    this.#messages.flush();
    this.#messages.close();
    // A shutdown is usually a restart: clients may come back.
    const bye: ServerFrame = { type: "bye", reason, retry: true };
    for (const connected of this.#members.all()) {
      connected.session.send(bye);
      connected.session.close();
    }
    this.#members.clear();
    this.#rooms.clear();
    this.#held.clear();
    this.#budget.clear();
  }

  /** Shuts the hub down, as {@linkcode Hub.shutdown} does. */
  [Symbol.dispose](): void {
    this.shutdown();
  }

  /** Handles a frame of a member; returns what its handler does (see {@linkcode Posted}). */
  #dispatch(member: Member, frame: MemberFrame): Posted {
    if (SAYING.has(frame.type)) this.#presence.active(member);
    // Someone there unseen (a quiet `hello`) is shown by whatever takes effect, just before it
    // does, in the handler: a refusal, or a no-op told in an `info`, shows nobody.
    // Each handler takes the frame of its own type, which `frame.type` picks.
    return (this.#handlers[frame.type] as (member: Member, frame: MemberFrame) => Posted)(
      member,
      frame,
    );
  }

  /**
   * A handler of a frame that may name a room of its sender's: it runs in
   * that room, or in the room entered last, once the hub knows which.
   */
  #in<F extends InRoomFrame>(
    handle: (member: Member, frame: F, room: Room) => Posted,
  ): (member: Member, frame: F) => Posted {
    return (member, frame) => {
      const room = this.#membership.of(member, frame);
      if (room !== undefined) return handle(member, frame, room);
    };
  }

  /**
   * Posts the line of a `say`, or runs the slash command it starts with. A
   * command that acts in a room, or is about one, acts in the say's, which
   * need not be one of the member's until the command says it must: `/topic`
   * typed in #lobby is #lobby's, whichever room was entered last, and `/who`
   * for a room one is not in is answered, or refused, as a `who` there.
   */
  #say(member: Member, say: Extract<MemberFrame, { type: "say" }>): Posted {
    const { cid } = say;
    const parsed = parseInput(say.text);
    // `//text` says `/text`.
    if (parsed.ok && parsed.frame.type === "say") {
      return this.#postIn(member, { ...say, text: parsed.frame.text });
    }
    // A command, or its refusal, is seen after the messages posted before it.
    if (!parsed.ok || parsed.frame.type !== "me") this.#messages.flush();
    if (!parsed.ok) return refuse(member, parsed.code, parsed.message, cid);
    const frame = parsed.frame;
    // `/me` and `/msg` post a message: it keeps the id of the line that asked for it.
    if (cid !== undefined && (frame.type === "me" || frame.type === "msg")) frame.cid = cid;
    if (actsInRoom(frame) || aboutRoom(frame)) {
      frame.room ??= say.room === undefined || member.version === 1
        ? currentRoom(member).name
        : say.room;
    }
    // Refused with the line's id, as the command it is: `Cannot search #dev: you are not in #dev`.
    if (!actsInRoom(frame)) return this.#dispatch(member, frame);
    const room = this.#membership.of(member, { ...frame, cid }, true);
    if (room === undefined) return;
    // Typed in version 1 too, `/who #dev` lists the room it names, which need not be theirs.
    if (frame.type === "who") return this.#who(member, room);
    return this.#dispatch(member, frame);
  }

  /**
   * Answers a `who` of `room`, which `member` may list: someone there unseen
   * is shown first, as nobody looks into a room unseen.
   */
  #who(member: Member, room: Room): void {
    // Plain text is written out here, as the terminal writes its `who`: who is away and who is an
    // operator show, whatever version the text door speaks.
    const asking = member.session.transport === "text" ? { version: 2 as const } : member;
    member.session.send(this.#rooms.who(this.#rooms.show(member, room), asking));
  }

  /** `part` and `leave`: in version 1 back to #lobby, in version 2 out of `room`. */
  #part(member: Member, room: Room): void {
    if (member.version === 1) return this.#membership.join(member, LOBBY);
    this.#membership.part(member, room);
  }

  #quit(connected: Connected, reason: string | undefined, logReason?: string): void {
    // Leaving is never refused; but the reason of someone muted is words, told to nobody. A
    // blank reason is none, as for a kick or an away.
    const muted = connected.name !== undefined && this.#moderation.muted(connected) !== undefined;
    const given = reason === undefined
      ? ""
      : [...sanitizeText(reason).trim()].slice(0, MAX_QUIT_REASON).join("");
    const text = given === "" || muted ? "quit" : `quit: ${given}`;
    connected.session.send({ type: "bye", reason: logReason ?? "Goodbye" });
    connected.session.close();
    this.#end(connected.session, logReason ?? text, false);
  }
}
