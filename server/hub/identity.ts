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
  isProtocolVersion,
  LATEST_PROTOCOL_VERSION,
  LOBBY,
  PROTOCOL_VERSION,
  type ProtocolVersion,
  type ServerFrame,
  type WelcomeFrame,
} from "../../protocol.ts";
import { checkName, foldCase, HOST_NAME, nameKey, normalizeRoom } from "../../core/names.ts";
import { quoteTyped, sanitizeText } from "../../core/sanitize.ts";
import type { PasswordGate } from "../password.ts";
import { DepartedMemories, SentMemory } from "../sent_memory.ts";
import {
  acknowledge,
  asClause,
  inform,
  type Member,
  type Members,
  type Newcomer,
  refuse,
} from "./members.ts";
import type { Membership } from "./membership.ts";
import type { Away } from "./presence.ts";
import { makeUploadToken } from "../files/tokens.ts";
import type { SharedFiles } from "./shared_files.ts";
import type { Session } from "../session.ts";
import { describeBan, type Moderation } from "./moderation.ts";
import { formatSpan } from "../../core/duration.ts";
import { broadcast, type ReplayFrom, type Room, type Rooms } from "./rooms.ts";
import type { Cluster, RemotePerson } from "./cluster.ts";
import { DEFAULT_GRACE_MS, DroppedStandings, type Standing } from "./dropped.ts";
import { tokenDigest } from "./token_digest.ts";

/** What {@linkcode Identity} needs. */
export interface IdentityOptions {
  /** Everyone connected, where names are held. */
  readonly members: Members;
  /** The rooms a named member enters. */
  readonly rooms: Rooms;
  /** Settles a member of version 1 coming back in one room. */
  readonly membership: Membership;
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
  /** The shared files, when the server takes them: each member gets an upload token. */
  readonly files: SharedFiles | undefined;
  /** The bans a newcomer is checked against. */
  readonly moderation: Moderation;
  /** Whether only operators may enter a room. */
  readonly locked: (room: string) => boolean;
  /** The other servers, across which names are claimed. */
  readonly cluster?: Cluster | undefined;
  /**
   * In a cluster, called once `member` took over a session here under a new
   * resume token: the other servers learn the token's digest.
   */
  readonly resumed?: ((member: Member) => void) | undefined;
}

/** Why a name cannot be taken: the error frame's code and message. */
export type NameRefusal = { code: ErrorCode; message: string };
type Refusal = NameRefusal;

/** The name the server's host speaks under, from its console; nobody else may take it. */
export { HOST_NAME };
const HOST_KEY = nameKey(HOST_NAME);
/** Why a `hello` is refused when the cluster cannot be asked whether its name is free. */
const CANNOT_CLAIM =
  "Cannot take a name now: the server cannot reach the other servers (NATS); try again";

/** Names people, and knows them again when they come back. */
export class Identity {
  readonly #options: IdentityOptions;
  /** What people whose connection ended had sent, until they come back. */
  readonly #departed = new DepartedMemories();
  /**
   * What the tokens of people whose connection dropped still entitle them
   * to, for one heartbeat: as long as the server may hold a connection that
   * ended unseen, so that a drop it saw first costs no more than one it did not.
   */
  readonly #dropped: DroppedStandings;
  /**
   * The same, in a cluster, of people whose connection to another server
   * dropped or whose server went away, under the digest of their token: for
   * one heartbeat after this server learnt it, a client that comes back here
   * from there has what it had there.
   */
  readonly #droppedElsewhere: DroppedStandings;

  /** Names people in `options.members`, placing them in `options.rooms`. */
  constructor(options: IdentityOptions) {
    this.#options = options;
    const heartbeat = options.heartbeat;
    const grace = heartbeat === undefined ? DEFAULT_GRACE_MS : heartbeat * 1000;
    this.#dropped = new DroppedStandings(grace);
    this.#droppedElsewhere = new DroppedStandings(grace);
  }

  /**
   * Answers a newcomer's `hello`: a name and its rooms, or why not. In a
   * cluster the name is claimed across it first: the answer comes when the
   * returned promise settles.
   */
  hello(newcomer: Newcomer, hello: HelloFrame): void | Promise<void> {
    const { members, password, log } = this.#options;
    const version = hello.version;
    if (!isProtocolVersion(version)) {
      refuse(
        newcomer,
        "unsupported_version",
        `Cannot talk protocol version ${version}: this server speaks versions ${PROTOCOL_VERSION} and ${LATEST_PROTOCOL_VERSION}`,
      );
      return this.#options.quit(newcomer, "Unsupported protocol version");
    }
    const session = newcomer.session;
    const refusal = password?.check(session.address, hello.password);
    if (refusal !== undefined) {
      if (refusal.wrong) log(`Wrong password from ${session.remote}`);
      return refuse(newcomer, refusal.code, refusal.message);
    }
    const key = nameKey(hello.name);
    const ban = this.#options.moderation.banOf(session.address, hello.resume, key);
    if (ban !== undefined) {
      log(`${session.remote} is banned: ${describeBan(ban)}`);
      const left = ban.until === undefined
        ? "until an operator lifts it"
        : `for ${formatSpan(ban.until - Date.now())} more`;
      const why = ban.reason === undefined ? "" : `: ${sanitizeText(ban.reason)}`;
      refuse(newcomer, "banned", `Cannot join: ${sanitizeText(ban.by)} banned you, ${left}${why}`);
      return this.#options.quit(newcomer, "Banned");
    }
    const resume = crypto.randomUUID();
    const cluster = this.#options.cluster;
    if (cluster === undefined) return this.#admit(newcomer, hello, version, resume);
    const holder = members.byKey(key);
    const returning = holder !== undefined && holder.resume === hello.resume;
    const elsewhere = cluster.people.byKey(key);
    // Someone whose client comes here from another server, with the token it was given
    // there, is the same session: it has here what it had there.
    const moving = elsewhere !== undefined && hello.resume !== undefined &&
        elsewhere.resume === tokenDigest(hello.resume)
      ? this.#standingOf(elsewhere)
      : undefined;
    const taken = returning ? undefined : this.#claimable(hello.name, undefined) ??
      (elsewhere !== undefined && hello.resume === undefined
        ? takenElsewhere(hello.name, elsewhere.name)
        : undefined);
    if (taken !== undefined) return refuse(newcomer, taken.code, taken.message);
    // Cut off from NATS, the claim could only wait for its timeout, then fail.
    if (cluster.split) return refuse(newcomer, "not_stored", CANNOT_CLAIM);
    return cluster.claim(key, hello.name, hello.resume, resume).then((claim) => {
      if (members.get(session) !== newcomer) {
        if (claim.ok && !returning) cluster.release(key);
        return;
      }
      if (!claim.ok) {
        const refusal = takenElsewhere(hello.name, claim.holder);
        return refuse(newcomer, refusal.code, refusal.message);
      }
      this.#admit(newcomer, hello, version, resume, moving);
    }, (error) => {
      log(`Cannot claim a name across the cluster: ${(error as Error).message}`);
      refuse(newcomer, "not_stored", CANNOT_CLAIM);
    });
  }

  /**
   * Why a `hello` for `name` without a resume token would be refused for the
   * name, as far as this server knows now (invalid, reserved, or someone's
   * here or on another server of the cluster); `undefined` when it looks
   * free. For a transport that takes the name before the rest of its
   * `hello` (IRC's `NICK` before `USER`), to answer at once.
   */
  nameRefusal(name: string): Refusal | undefined {
    const elsewhere = this.#options.cluster?.people.byKey(nameKey(name));
    return this.#claimable(name, undefined) ??
      (elsewhere === undefined ? undefined : takenElsewhere(name, elsewhere.name));
  }

  /**
   * Gives a newcomer whose `hello` passed its checks its name, rooms and
   * welcome. `moving` is what it had on the server of the cluster it comes
   * from, still connected there a moment ago.
   */
  #admit(
    newcomer: Newcomer,
    hello: HelloFrame,
    version: ProtocolVersion,
    resume: string,
    moving?: Standing,
  ): void {
    const { members, rooms, membership, log } = this.#options;
    const session = newcomer.session;
    const key = nameKey(hello.name);
    const wanted = roomsOf(hello, version);
    const holder = members.byKey(key);
    const resumed = holder !== undefined && hello.resume !== undefined &&
      holder.resume === hello.resume;
    let sent: SentMemory;
    let standing: Standing | undefined;
    if (resumed) {
      sent = holder.sent;
    } else {
      const refusal = this.#claimable(hello.name, undefined);
      if (refusal !== undefined) return refuse(newcomer, refusal.code, refusal.message);
      // Dropped before it came back: what it sent is still known by its token.
      const kept = hello.resume === undefined ? undefined : this.#departed.take(hello.resume, key);
      sent = kept ?? new SentMemory();
      // And, within the grace, what it was entitled to: here, or on the server it comes from.
      standing = this.#dropped.take(hello.resume, key);
      const digest = hello.resume === undefined || this.#options.cluster === undefined
        ? undefined
        : tokenDigest(hello.resume);
      const dropped = this.#droppedElsewhere.take(digest, key);
      standing ??= moving ?? dropped;
    }
    // Still listed as connected to the server it comes from: the rooms it was in there list it
    // already, and it is away as it was there.
    const came = moving === undefined || hello.resume === undefined
      ? undefined
      : this.#options.cluster?.people.byKey(key);
    const from = came !== undefined && came.resume === tokenDigest(hello.resume!)
      ? came
      : undefined;
    const listed = new Set(from?.rooms);
    const wasAway = from?.person.away;
    const away: Away | undefined = resumed ? holder.away : wasAway === undefined ? undefined : {
      since: wasAway.since,
      reason: wasAway.reason,
      told: new Set(from?.awayTold?.since === wasAway.since ? from.awayTold.told : []),
    };
    const name = resumed ? holder.name : hello.name;
    const files = this.#options.files;
    const token = files === undefined ? undefined : makeUploadToken();
    const client = clientOf(hello, session);
    const active = Date.now();
    const op = resumed ? holder.op : standing?.op === true;
    // The rooms refused are told in the order the hello named them, whichever check refused each.
    const asked = [...wanted.keys()];
    const refused = new Map<string, { code: ErrorCode; message: string }>();
    const refuseRoom = (name: string, code: ErrorCode, message: string) => {
      wanted.delete(name);
      refused.set(name, { code, message });
    };
    // A room nobody is in that looks like one somebody is in is not opened (see Rooms.lookalike).
    for (const name of wanted.keys()) {
      const like = rooms.occupied(name) ? undefined : rooms.lookalike(name);
      if (like === undefined) continue;
      refuseRoom(
        name,
        "room_invalid",
        `Cannot open ${name}: it looks like ${like}; join ${like}, or pick a name that does not`,
      );
    }
    // Locked rooms are for operators: the others are told, and enter the rest. A session taken
    // over stays in the locked rooms it is in, as one coming back within its grace does.
    const inside = (name: string) =>
      resumed ? holder.rooms.some((room) => room.name === name) : standing?.locked.has(name);
    for (const name of wanted.keys()) {
      if (op || inside(name) === true || !this.#options.locked(name)) continue;
      refuseRoom(
        name,
        "room_locked",
        `Cannot join ${name}: it is locked; only operators may enter`,
      );
    }
    // Nor two look-alikes nobody is in from one hello: the first is opened, as by a join
    // (and #lobby, which is always itself, whatever its place).
    const opened = new Map<string, string>();
    if (wanted.has(LOBBY)) opened.set(nameKey(LOBBY.slice(1)), LOBBY);
    for (const name of wanted.keys()) {
      if (name === LOBBY || rooms.occupied(name)) continue;
      const key = nameKey(name.slice(1));
      const like = opened.get(key);
      if (like === undefined) {
        opened.set(key, name);
        continue;
      }
      refuseRoom(
        name,
        "room_invalid",
        `Cannot open ${name}: it looks like ${like}; join ${like}, or pick a name that does not`,
      );
    }
    for (const name of asked) {
      const refusal = refused.get(name);
      if (refusal !== undefined) refuse(newcomer, refusal.code, refusal.message);
    }
    const [first, ...others] = [...wanted.keys()].map((name) => rooms.get(name));
    const room = first ?? rooms.get(LOBBY);
    // One literal of every field, for each version: a member is one small object, made at once.
    const member: Member = version === PROTOCOL_VERSION
      ? {
        session,
        name,
        key,
        resume,
        sent,
        token,
        op,
        away,
        active,
        client,
        version,
        rooms: [room],
      }
      // Coming back to a session still held: its rooms, whatever the hello says.
      : {
        session,
        name,
        key,
        resume,
        sent,
        token,
        op,
        away,
        active,
        client,
        version,
        rooms: resumed ? holder.rooms : [room, ...others],
      };
    if (resumed) {
      this.#takeOver(holder, member);
      this.#options.resumed?.(member);
    } else {
      // Unseen before it is counted: the most people there were at once counts only those seen.
      if (hello.quiet === true) rooms.enterUnseen(member);
      members.add(member);
    }
    // The session goes on, under a new token: its mute, if any, goes with it.
    if (hello.resume !== undefined) this.#options.moderation.resumed(member, hello.resume);
    if (token !== undefined) files?.tokens.add(token, member);
    session.send(this.#welcome(member));
    // A peer that never reads may be dropped on its welcome: then there is no one to place.
    if (members.get(session) !== member) return;
    const again = op && !resumed ? ", an operator again after a drop" : "";
    log(`${member.name} ${resumed ? "came back" : "joined"} from ${session.remote}${again}`);
    // Coming back after a drop: every message missed in each room.
    const replayFrom = (room: Room): ReplayFrom | undefined => {
      const since = wanted.get(room.name);
      return since === undefined ? undefined : { since, all: true };
    };
    if (!resumed) {
      if (hello.quiet !== true) {
        for (const room of member.rooms) {
          rooms.enter(member, room, replayFrom(room), false, listed.has(room.name));
        }
      }
    } else if (member.version === PROTOCOL_VERSION) {
      membership.settle(member, holder.rooms, replayFrom(member.rooms[0]));
    } else {
      for (const room of member.rooms) rooms.replay(member, room, replayFrom(room));
    }
  }

  /**
   * Renames a member, telling its room. Someone muted may not rename
   * themself: a name is shown to every room, so it is a way to talk. `by`
   * is the operator who renames them, here or (by name) on another server
   * of the cluster, whose server `answered` sends a refusal or a no-op to
   * (a refusal is logged here too). Returns, in a cluster, what settles
   * once the name is taken or refused.
   */
  nick(
    member: Member,
    next: string,
    by: Member | string = member,
    answered?: (frame: ServerFrame) => void,
  ): void | Promise<void> {
    const self = by === member;
    const answer = (code: ErrorCode, message: string) => {
      if (typeof by !== "string") return refuse(by, code, message);
      this.#options.log(`Cannot rename for ${by}: ${message}`);
      answered?.({ type: "error", code, message });
    };
    const muted = self ? this.#options.moderation.muted(member, "change your name") : undefined;
    if (muted !== undefined) return refuse(member, muted.code, muted.message);
    const name = member.name;
    if (next === name) {
      if (typeof by === "string") {
        return answered?.({ type: "info", text: `${name} is called so already` });
      }
      return inform(by, self ? `You are already called ${name}` : `${name} is called so already`);
    }
    // An operator renaming someone else is told so, not asked to pick another name.
    const renamed = self ? undefined : name;
    const refusal = this.#claimable(next, member, renamed, typeof by === "string") ??
      this.#banned(next, renamed);
    if (refusal !== undefined) return answer(refusal.code, refusal.message);
    const cluster = this.#options.cluster;
    if (cluster === undefined) return this.#rename(member, next, by);
    const key = nameKey(next);
    const elsewhere = cluster.people.byKey(key);
    if (elsewhere !== undefined && key !== member.key) {
      const refusal = takenElsewhere(next, elsewhere.name, renamed);
      return answer(refusal.code, refusal.message);
    }
    if (cluster.split) {
      return answer("not_stored", "Cannot rename now: the server cannot reach the other servers");
    }
    const before = member.key;
    return cluster.claim(key, next, undefined, member.resume).then((claim) => {
      if (!claim.ok) {
        const refusal = takenElsewhere(next, claim.holder, renamed);
        return answer(refusal.code, refusal.message);
      }
      if (this.#options.members.byKey(before) !== member) return cluster.release(key);
      if (key !== before) cluster.release(before);
      this.#rename(member, next, by);
      const operator = typeof by === "string" ? by : self ? undefined : by.name;
      cluster.tell({
        kind: "rename",
        from: before,
        key,
        name: next,
        ...operator === undefined ? {} : { by: operator },
      });
    }, (error) => {
      this.#options.log(`Cannot claim a name across the cluster: ${(error as Error).message}`);
      answer("not_stored", "Cannot rename now: the server cannot reach the other servers");
    });
  }

  /**
   * Renames `member` to `next`, a name it may take, telling its rooms. Who
   * asked for it is shown first if it was there unseen (a quiet `hello`); a
   * refusal shows nobody.
   */
  #rename(member: Member, next: string, by: Member | string): void {
    if (typeof by !== "string") this.#options.rooms.show(by);
    const name = member.name;
    const key = member.key;
    const operator = by === member ? undefined : typeof by === "string" ? by : by.name;
    this.#options.members.rename(member, next);
    this.#options.moderation.renamed(member, key);
    this.#options.log(
      operator === undefined ? `${name} is now ${next}` : `${operator} renamed ${name} to ${next}`,
    );
    const ts = Date.now();
    const rooms = this.#options.rooms.seenIn(member);
    // Someone in their rooms unseen (a quiet hello) is told alone.
    if (rooms.length === 0) {
      const room = member.rooms[0].name;
      member.session.send({ type: "renamed", ts, room, from: name, to: next });
    }
    for (const room of rooms) {
      // The operator's notice first: a client that shows it leaves out the `renamed` after it,
      // one line for the rename, saying who did it.
      if (operator !== undefined) {
        broadcast(room, {
          type: "notice",
          ts,
          room: room.name,
          text: `${operator} renamed ${name} to ${next}`,
        });
      }
      broadcast(room, { type: "renamed", ts, room: room.name, from: name, to: next });
    }
    if (typeof by !== "string" && by !== member && !rooms.some((room) => room.members.has(by))) {
      acknowledge(by, `${name} is now ${next}`);
    }
  }

  /**
   * Keeps what a member whose connection ended had sent, for when it comes
   * back; and, when it `dropped` (it did not quit, nor was it sent away),
   * whether it was an operator and the locked rooms it was in, for a short grace.
   */
  depart(member: Member, dropped: boolean): void {
    this.#departed.keep(member.resume, member.key, member.sent);
    if (dropped) {
      const locked = member.rooms.map((room) => room.name).filter(this.#options.locked);
      this.#dropped.keep(member.resume, member.key, { op: member.op, locked: new Set(locked) });
    }
    this.#revoke(member);
    this.#options.cluster?.release(member.key);
  }

  /**
   * Takes away the operator status kept for someone called by the folded
   * name `key` whose connection dropped, here or on another server of the
   * cluster; whether there was one.
   */
  deopDropped(key: string): boolean {
    const here = this.#dropped.deop(key);
    return this.#droppedElsewhere.deop(key) || here;
  }

  /**
   * Keeps what `person`, gone from another server of the cluster without
   * meaning to, had there, under the digest of their token, for when their
   * client comes back here.
   */
  droppedElsewhere(person: RemotePerson): void {
    if (person.resume === undefined) return;
    this.#droppedElsewhere.keep(person.resume, person.key, this.#standingOf(person));
  }

  /**
   * Forgets what was kept for whoever had the name folding to `key`, here or
   * on another server: someone has it again on another server (their own
   * client too, which spent the token there).
   */
  arrivedElsewhere(key: string): void {
    this.#dropped.forget(key);
    this.#droppedElsewhere.forget(key);
  }

  /** What `person`, on another server, has there: operator status, and their locked rooms. */
  #standingOf(person: RemotePerson): Standing {
    return {
      op: person.person.op === true,
      locked: new Set(person.rooms.filter(this.#options.locked)),
    };
  }

  /** Ends the upload token of a member that is gone. */
  #revoke(member: Member): void {
    if (member.token !== undefined) this.#options.files?.tokens.revoke(member.token);
  }

  #welcome(member: Member): WelcomeFrame {
    const welcome: WelcomeFrame = {
      type: "welcome",
      version: member.version,
      server: this.#options.serverName,
      name: member.name,
    };
    if (member.version !== PROTOCOL_VERSION) welcome.rooms = member.rooms.map((room) => room.name);
    welcome.resume = member.resume;
    const cluster = this.#options.cluster;
    if (cluster !== undefined) {
      const servers = cluster.servers();
      if (servers.length > 0) welcome.servers = servers;
      const web = cluster.webServers();
      if (web.length > 0) welcome.webServers = web;
    }
    if (this.#options.heartbeat !== undefined) welcome.heartbeat = this.#options.heartbeat;
    const where = this.#options.files?.where();
    if (where !== undefined && member.token !== undefined) {
      welcome.files = {
        port: where.port,
        token: member.token,
        maxBytes: where.maxBytes,
        quotaBytes: where.quotaBytes,
      };
      if (where.tls) welcome.files.tls = true;
      const download = this.#options.files?.tokens.downloadToken(member.token);
      if (where.needsToken && download !== undefined) {
        welcome.files.needsToken = true;
        welcome.files.downloadToken = download;
      }
    }
    return welcome;
  }

  /**
   * Gives `holder`'s name and place in its rooms to `member`, on a new
   * session; the old one is closed quietly.
   */
  #takeOver(holder: Member, member: Member): void {
    this.#options.members.replace(holder, member);
    for (const room of holder.rooms) {
      if (room.members.delete(holder)) room.members.add(member);
    }
    this.#options.rooms.handOver(holder, member);
    this.#revoke(holder);
    holder.session.send({ type: "bye", reason: "You connected again from elsewhere" });
    holder.session.close();
  }

  /**
   * Why `name` cannot be taken by a rename: a ban of it (or of a name it
   * looks like) in force. `renamed` is whom an operator renames, if not themself.
   */
  #banned(name: string, renamed?: string): Refusal | undefined {
    const key = nameKey(name);
    if (!this.#options.moderation.bans().some((ban) => ban.key === key)) return undefined;
    return nameRefused("name_taken", name, "the name is banned", renamed);
  }

  /**
   * Why `name` cannot be had by `current` (a newcomer when `undefined`):
   * invalid, the host's, or someone else's here. `renamed` is whom an
   * operator renames, if not themself; `operatorElsewhere`, that operator is
   * on another server, to whom someone here is on another server.
   */
  #claimable(
    name: string,
    current: Member | undefined,
    renamed?: string,
    operatorElsewhere = false,
  ): Refusal | undefined {
    const problem = checkName(name);
    if (problem !== undefined) {
      // Nothing to pick instead: the clause says what a name may be.
      const why = asClause(problem);
      return renamed === undefined
        ? { code: "name_invalid", message: `Cannot use ${quoteTyped(name)}: ${why}` }
        : nameRefused("name_invalid", name, why, renamed);
    }
    if (nameKey(name) === HOST_KEY) {
      const why = sameName(name, HOST_NAME)
        ? "the server's host speaks under that name"
        : `it looks like ${HOST_NAME}, the name the server's host speaks under`;
      return nameRefused("name_taken", name, why, renamed);
    }
    const holder = this.#options.members.byKey(nameKey(name));
    if (holder !== undefined && holder !== current) {
      if (operatorElsewhere) return takenElsewhere(name, holder.name, renamed);
      return nameRefused("name_taken", name, heldBy(name, holder.name, "here"), renamed);
    }
    return undefined;
  }
}

/**
 * The refusal of `name` for `why`: to whoever asked for it for themself,
 * `Cannot use "ann": WHY. Pick another name`; to an operator renaming
 * `renamed`, `Cannot rename bob to "ann": WHY`.
 */
function nameRefused(code: ErrorCode, name: string, why: string, renamed?: string): Refusal {
  const shown = quoteTyped(name);
  return {
    code,
    message: renamed === undefined
      ? `Cannot use ${shown}: ${why}. Pick another name`
      : `Cannot rename ${sanitizeText(renamed)} to ${shown}: ${why}`,
  };
}

/** The refusal of a name someone on another server of the cluster has. */
function takenElsewhere(name: string, holder: string, renamed?: string): Refusal {
  return nameRefused("name_taken", name, heldBy(name, holder, "on another server"), renamed);
}

/** Whether `name` is `other` as written, but for case and compatibility forms (`Bob`, `ｂｏｂ`). */
function sameName(name: string, other: string): boolean {
  return foldCase(name) === foldCase(other);
}

/**
 * Why `name` cannot be had while `holder`, `where` they are (`here`, `on
 * another server`), has it or one it looks like: `the name is taken (bob is
 * here)` for the same name, `it looks like bob, who is here` for a look-alike
 * (`bоb` with a Cyrillic о, `Zoe` for `Zoë`, `olive_`), which would otherwise
 * read as the same name.
 */
function heldBy(name: string, holder: string, where: string): string {
  const shown = sanitizeText(holder);
  return sameName(name, holder)
    ? `the name is taken (${shown} is ${where})`
    : `it looks like ${shown}, who is ${where}`;
}

/** What a client is, as `who` tells: what its `hello` says, else how it speaks. */
function clientOf(hello: HelloFrame, session: Session): string {
  const said = hello.client === undefined ? "" : hello.client.toLowerCase();
  if (/^[a-z0-9][a-z0-9._-]{0,31}$/.test(said)) return said;
  return session.transport ?? "json";
}

/**
 * The rooms a `hello` asks for, by normalised name, in order, each with the
 * last message id its client saw there: version 1's `room` and `since`, or
 * version 2's `rooms`, invalid names and repeats left out. None means `#lobby`.
 */
function roomsOf(hello: HelloFrame, version: ProtocolVersion): Map<string, number | undefined> {
  const asked = version === PROTOCOL_VERSION
    ? [{ room: hello.room ?? LOBBY, since: hello.since }]
    : hello.rooms ?? [];
  const wanted = new Map<string, number | undefined>();
  for (const { room, since } of asked) {
    const checked = normalizeRoom(room);
    if (checked.ok && !wanted.has(checked.value)) wanted.set(checked.value, since);
  }
  if (wanted.size === 0) wanted.set(LOBBY, version === PROTOCOL_VERSION ? hello.since : undefined);
  return wanted;
}
