/**
 * What operators do, command by command: `/op`, `/deop`, `/oper`, `/kick`,
 * `/ban`, `/unban`, `/bans`, `/mute`, `/unmute`, `/topic`, `/lock`,
 * `/unlock` and `/rename`. Each is refused with `not_operator` to anyone
 * else, and each is told to the rooms it concerns, naming who did it. The
 * server's console acts as an operator that is in no room.
 *
 * @module
 */

import { isIP } from "node:net";
import { plainAddress } from "../../core/address.ts";
import { type CommandFrame } from "../../core/commands.ts";
import { formatSpan } from "../../core/duration.ts";
import { checkName, nameKey } from "../../core/names.ts";
import { quoteTyped, sanitizeText, trimSpace } from "../../core/sanitize.ts";
import { LOBBY, type ServerFrame } from "../../protocol.ts";
import { type Ban, bannedOf, describeBan, MAX_TOPIC_CHARS, type Moderation } from "./moderation.ts";
import {
  acknowledge,
  currentRoom,
  inform,
  type Member,
  type Members,
  refuse,
  roomNamed,
} from "./members.ts";
import { broadcast, type Rooms } from "./rooms.ts";
import { HOST_NAME } from "./identity.ts";
import { CONSOLE_ADDRESS } from "./console.ts";
import type { RemoteAct } from "./cluster.ts";
import { type Departure, DEPARTURE_MS } from "./departures.ts";

/** How someone whose name the op file gives a secret becomes an operator, as typed. */
export const OPER_HINT = "/oper SECRET";

/** A command frame of type `T`. */
type Frame<T extends CommandFrame["type"]> = Extract<CommandFrame, { type: T }>;

/** What {@linkcode Operators} needs. */
export interface OperatorsOptions {
  readonly moderation: Moderation;
  readonly members: Members;
  readonly rooms: Rooms;
  /**
   * Renames a member, telling its rooms; refuses a name that cannot be had,
   * to an operator on another server (`by`, a name) through `answer`.
   */
  readonly rename: (
    member: Member,
    to: string,
    by: Member | string,
    answer?: (frame: ServerFrame) => void,
  ) => void;
  /** Sends `member` away with `bye` `reason`, its rooms told `left` with `why`. */
  readonly remove: (member: Member, reason: string, why: string) => void;
  /**
   * Called once a mute is made: what those it holds said before and is still
   * shown (an away reason) is taken down.
   */
  readonly muted: () => void;
  /** Receives one line per operator action. */
  readonly log: (line: string) => void;
  /**
   * Whether an address is the server machine's own: the host's console,
   * which has no address, counts them as its own.
   */
  readonly machineAddress?: ((address: string) => boolean) | undefined;
  /**
   * Takes away the operator status kept for whoever was called by the
   * folded name `key`, whose connection dropped a moment ago and whom coming
   * back would make one again; whether there was one.
   */
  readonly deopDropped?: ((key: string) => boolean) | undefined;
  /**
   * Where whoever was called by the folded name `key` (now or before a
   * rename) left this server from, if they left it in the last
   * {@linkcode DEPARTURE_MS}; with `since`, only whoever's connection
   * opened then.
   */
  readonly departed?: ((key: string, since?: number) => Departure | undefined) | undefined;
  /** Called when `member` became an operator or stopped being one: a cluster's servers learn it. */
  readonly changed?: ((member: Member) => void) | undefined;
  /** In a cluster, sends a frame to the people of a room on the other servers. */
  readonly relay?: ((room: string, frame: ServerFrame) => void) | undefined;
  /**
   * In a cluster: the name of someone connected to another server, by folded
   * name, whether they are an operator, and how to hand that server what an
   * operator does to them (`answered` receives what it answers the
   * operator: a refusal, or that the act changes nothing).
   */
  readonly elsewhere?: {
    readonly find: (key: string) => string | undefined;
    readonly isOp: (key: string) => boolean;
    readonly act: (
      key: string,
      act: RemoteAct,
      answered?: (frame: ServerFrame) => void,
    ) => void;
  } | undefined;
}

/** Bans whose reason may come a moment after them: see {@linkcode reasonMayFollow}. */
const toExplain = new WeakSet<Frame<"ban">>();

/**
 * Marks `frame` as a ban whose reason may come a moment after it, to be
 * given with `Hub.explainBan` (IRC's kickban: `MODE +b`, then the `KICK`
 * with the reason, server/irc/kickban.ts). The ban acts at once all the
 * same; whoever it sends away without a reason is told where to read one.
 */
export function reasonMayFollow(frame: Frame<"ban">): Frame<"ban"> {
  toExplain.add(frame);
  return frame;
}

/** Bans of someone gone, by when their connection opened: see {@linkcode ofDeparted}. */
const departedSince = new WeakMap<Frame<"ban">, number>();

/**
 * Marks `frame` as a ban of whoever left as `frame.target` from a connection
 * opened at `since` (IRC's mask of someone gone, by the user part their mask
 * showed, server/irc/idents.ts): it falls on the address and session they
 * left from, never on whoever has that name now.
 */
export function ofDeparted(frame: Frame<"ban">, since: number): Frame<"ban"> {
  departedSince.set(frame, since);
  return frame;
}

/** Runs the operators' commands. */
export class Operators {
  readonly #options: OperatorsOptions;

  constructor(options: OperatorsOptions) {
    this.#options = options;
  }

  /** `/oper SECRET`: the name's secret from the op file makes its holder an operator. */
  oper(member: Member, frame: Frame<"oper">): void {
    if (member.op) return inform(member, "You are an operator already");
    const refusal = this.#options.moderation.prove(member, frame.secret);
    if (refusal !== undefined) {
      this.#options.log(`${member.name} gave a wrong operator secret`);
      return refuse(member, refusal.code, refusal.message);
    }
    this.#shown(member);
    member.op = true;
    this.#options.changed?.(member);
    // The secret is the one the op file gives this name: each person proves their own name.
    this.#tell(
      member,
      `${member.name} is an operator (proved with the secret of their name)${
        this.#unmuted(member)
      }`,
    );
  }

  /** `/op NAME`. */
  op(member: Member, frame: Frame<"op">): void {
    const target = this.#target(member, frame.name, { kind: "op", by: member.name });
    if (target === undefined) return;
    if (target.op) return inform(member, `${target.name} is an operator already`);
    this.#shown(member);
    target.op = true;
    this.#options.changed?.(target);
    this.#tell(
      target,
      `${member.name} made ${target.name} an operator${this.#unmuted(target)}`,
      member,
    );
  }

  /** `/deop NAME`, of someone here or whose connection dropped a moment ago. */
  deop(member: Member, frame: Frame<"deop">): void {
    const key = nameKey(frame.name.replace(/^@/, ""));
    // Whoever has the name, here or on another server, is the one deopped.
    const away = member.op && this.#options.members.byKey(key) === undefined &&
      this.#options.elsewhere?.find(key) === undefined &&
      this.#options.deopDropped?.(key) === true;
    if (away) {
      this.#shown(member);
      const name = clean(frame.name.replace(/^@/, ""));
      // Every server of a cluster may keep it: their client may come back to any.
      this.#options.elsewhere?.act(key, { kind: "deop", by: member.name });
      this.#options.log(`${member.name} made ${name}, whose connection dropped, no operator`);
      return acknowledge(
        member,
        `${name} is not here; they will not be an operator if they come back`,
      );
    }
    const target = this.#target(member, frame.name, { kind: "deop", by: member.name });
    if (target === undefined) return;
    if (!target.op) return inform(member, `${target.name} is not an operator`);
    this.#shown(member);
    target.op = false;
    this.#options.changed?.(target);
    this.#tell(target, deopText(member.name, target.name), member);
    this.#banAfterDeop(target);
  }

  /**
   * Lifts the mute of `member`, made an operator just now: an operator talks
   * whatever a mute says, and one kept for when they are no longer one would
   * silence them then with nobody told. The mute of someone else at their
   * address stays that person's. Returns what the notice of their becoming
   * one adds, if there was a mute: `; their mute is lifted`.
   */
  #unmuted(member: Member): string {
    // Logged with the line that says who made them one, of which this is the end.
    return this.#options.moderation.unmuteOwn(member) ? "; their mute is lifted" : "";
  }

  /**
   * Sends `member` away, no longer an operator, if a ban in force matches
   * them: one of their address made while they were one, which they stayed
   * through. They go as the ban would have sent them then.
   */
  #banAfterDeop(member: Member): void {
    const ban = this.#options.moderation.banOf(member.session.address, member.resume, member.key);
    if (ban === undefined || member.session.closing) return;
    const by = clean(ban.by);
    const left = ban.until === undefined ? "" : ` for ${formatSpan(ban.until - Date.now())}`;
    const why = ban.reason === undefined ? "" : `: ${clean(ban.reason)}`;
    this.#options.log(`${member.name} is no operator now, and banned: ${describeBan(ban)}`);
    this.#options.remove(
      member,
      `You were banned by ${by}${left}${why}`,
      `banned by ${by}${left}${why}`,
    );
  }

  /** `/kick NAME [REASON]`. */
  kick(member: Member, frame: Frame<"kick">): void {
    if (!this.#isOp(member) || this.#spared(member, frame.name, "kick")) return;
    const target = this.#target(member, frame.name, {
      kind: "kick",
      by: member.name,
      reason: reasonOf(frame.reason),
    });
    if (target === undefined) return;
    this.#shown(member);
    const given = reasonOf(frame.reason);
    const reason = given === undefined ? "" : `: ${given}`;
    this.#options.log(`${member.name} kicked ${target.name}${reason}`);
    this.#options.remove(
      target,
      `You were kicked by ${member.name}${reason}`,
      `kicked by ${member.name}${reason}`,
    );
    if (!member.session.closing) acknowledge(member, `You kicked ${target.name}`);
  }

  /**
   * `/ban NAME|ADDRESS [DURATION] [REASON]`: by address and resume identity
   * when present, or gone from this server a moment ago.
   */
  ban(member: Member, frame: Frame<"ban">): void {
    if (!this.#isOp(member) || this.#spared(member, frame.target, "ban")) return;
    const { moderation, members, elsewhere } = this.#options;
    const key = nameKey(frame.target.replace(/^@/, ""));
    // A ban of someone gone falls on them, never on whoever has their last name now.
    const since = departedSince.get(frame);
    const present = members.byKey(key);
    const target = since === undefined ? present : undefined;
    const remote = target === undefined ? elsewhere?.find(key) : undefined;
    const other = since === undefined ? undefined : present?.name ?? remote;
    // An operator would stay, ban or not: their name is banned once they are one no more.
    if (
      other === undefined &&
      (target?.op === true || (target === undefined && elsewhere?.isOp(key) === true))
    ) {
      return refuse(
        member,
        "bad_command",
        `Cannot ban ${
          target?.name ?? elsewhere?.find(key) ?? clean(frame.target)
        }: operators cannot be banned; /deop them first`,
      );
    }
    // Someone who left this server a moment ago is banned as if still here: a spammer
    // who quit does not come back under another name from the same address.
    const gone = target === undefined && (remote === undefined || other !== undefined) &&
        !isIP(frame.target)
      ? this.#options.departed?.(key, since)
      : undefined;
    if (other !== undefined && gone === undefined) {
      return refuse(
        member,
        "bad_command",
        `Cannot ban ${clean(frame.target)}: whoever that mask names left as ${other} more than ${
          formatSpan(DEPARTURE_MS)
        } ago, and nothing of them is known any more; ${other} now is someone else, not banned`,
      );
    }
    // Someone at the operator's own address (the same machine) is banned by name alone.
    const theirs = target?.session.address ?? gone?.address;
    const address = theirs !== undefined
      ? (this.#ownAddress(member.session.address, theirs) ? undefined : theirs)
      : isIP(frame.target)
      ? plainAddress(frame.target)
      : undefined;
    const reason = reasonOf(frame.reason);
    if (target === undefined && address === undefined) {
      const problem = checkName(frame.target);
      if (problem !== undefined) {
        return refuse(
          member,
          "no_such_user",
          `Cannot ban ${typed(frame.target)}: nobody has that name, and it is no IP address`,
        );
      }
    }
    if (target === undefined && address === member.session.address) {
      return refuse(
        member,
        "bad_command",
        `Cannot ban ${address}: it is your own address; ban the name instead (/ban NAME)`,
      );
    }
    // The name they left as is someone else's now (`other`): the ban holds their address and session.
    const name = other !== undefined
      ? undefined
      : target?.name ?? (gone === undefined ? undefined : asked(gone, key)) ??
        (address === undefined ? frame.target : undefined);
    const resume = target?.resume ?? gone?.resume;
    this.#shown(member);
    const ban = moderation.ban({
      ...(address === undefined ? {} : { address }),
      ...(resume === undefined ? {} : { resume }),
      ...(name === undefined ? {} : { key: nameKey(name), name }),
      ...(reason === undefined ? {} : { reason }),
      by: member.name,
    }, frame.duration);
    const span = frame.duration === undefined ? "" : ` for ${formatSpan(frame.duration * 1000)}`;
    const why = reason === undefined ? "" : `: ${reason}`;
    // The reason of a kickban comes after its ban: those it sends away learn where to read it.
    const later = reason === undefined && toExplain.has(frame)
      ? `; should ${member.name} give a reason, you are told it when you try to come back`
      : "";
    // Said once, by whom: `ann banned eve (192.168.1.7) for 2 h: flooding`.
    const what = `${bannedOf(ban) || `the session of ${gone?.name}`}${span}${why}`;
    this.#options.log(`${member.name} banned ${what}`);
    // Everyone the ban keeps out goes now: the name, and every name from its address.
    const out = [...members.all()].filter((other): other is Member =>
      other.name !== undefined && !other.op &&
      moderation.banOf(other.session.address, other.resume, other.key) !== undefined
    );
    // Operators stay until they are no longer operators: the ban sends them away then.
    const stay = [...members.all()].filter((other): other is Member =>
      other !== member && other.name !== undefined && other.op && matches(ban, other)
    );
    for (const other of out) {
      this.#options.remove(
        other,
        `You were banned by ${member.name}${span}${why}${later}`,
        `banned by ${member.name}${span}${why}`,
      );
    }
    if (!member.session.closing) {
      // Named, so the operator sees whom the ban sent away: a name, or every name from its address.
      const away = out.length === 0
        ? ""
        : ` (sent away: ${out.map((other) => other.name).join(", ")})`;
      const stays = stay.length === 0
        ? ""
        : `; ${stay.map((other) => other.name).join(", ")} ${
          stay.length === 1 ? "stays" : "stay"
        }: a ban sends operators away only once they are deopped`;
      const holds = target !== undefined || (name === undefined && other === undefined)
        ? ""
        : gone !== undefined
        ? bannedGone(gone, key, { byAddress: address !== undefined, other })
        : remote !== undefined
        ? `; ${remote} is on another server, which alone knows their address: the ban holds the name only`
        : `; nobody of that name left this server in the last ${
          formatSpan(DEPARTURE_MS)
        }: the ban holds the name only`;
      acknowledge(member, `You banned ${what}${away}${stays}${holds}`);
    }
  }

  /**
   * The reason an operator gives for a ban of `name` they made just now,
   * without one (IRC's kickban: the KICK with the reason comes after the
   * ban, which sent its person away already): the ban takes it, as a ban
   * given with it would have, for whoever it keeps out to be told when they
   * come back, and `room`, where the person was, is told. `false` when the
   * operator made no ban of that name.
   */
  explain(member: Member, name: string, reason: string, room: string | undefined): boolean {
    if (!member.op) return false;
    const { moderation, rooms } = this.#options;
    const ban = moderation.madeBy(nameKey(name.replace(/^@/, "")), member.name);
    if (ban === undefined) return false;
    const why = clean(reason);
    if (why === "" || ban.reason !== undefined) return true;
    const kept = moderation.explain(ban, why);
    const text = `${member.name} banned ${kept.name ?? clean(name)}: ${why}`;
    this.#options.log(text);
    const notice: ServerFrame = {
      type: "notice",
      ts: Date.now(),
      ...(room === undefined ? {} : { room }),
      text,
    };
    if (room !== undefined) {
      broadcast(rooms.get(room), notice);
      this.#options.relay?.(room, notice);
    }
    if (room === undefined || !rooms.get(room).members.has(member)) acknowledge(member, notice);
    return true;
  }

  /** `/unban NAME|ADDRESS`. */
  unban(member: Member, frame: Frame<"unban">): void {
    if (!this.#isOp(member)) return;
    const target = frame.target.replace(/^@/, "");
    const lifted = this.#options.moderation.unban(target);
    if (lifted.length === 0) {
      return refuse(
        member,
        "bad_command",
        `Cannot unban ${typed(frame.target)}: no ban matches it`,
      );
    }
    // An address as connections are seen: `::ffff:192.168.1.7` is `192.168.1.7`.
    // A name as the ban holds it (`/unban ERIN` lifts the ban of erin).
    this.#shown(member);
    const named = lifted.find((ban) => ban.key === nameKey(target))?.name;
    const of = isIP(target) ? plainAddress(target) : clean(named ?? target);
    const what = `${lifted.length === 1 ? "the ban" : `${lifted.length} bans`} of ${of}`;
    this.#options.log(`${member.name} lifted ${what}`);
    acknowledge(member, `Lifted ${what}`);
  }

  /** `/bans`: one line per ban in force. */
  bans(member: Member): void {
    if (!this.#isOp(member)) return;
    this.#shown(member);
    const bans = this.#options.moderation.bans();
    if (bans.length === 0) return inform(member, "No bans");
    inform(member, `${bans.length === 1 ? "1 ban" : `${bans.length} bans`}:`);
    for (const ban of bans) inform(member, `  ${describeBan(ban)}`);
  }

  /** `/mute NAME [DURATION]`. */
  mute(member: Member, frame: Frame<"mute">): void {
    if (!this.#isOp(member) || this.#spared(member, frame.name, "mute")) return;
    const target = this.#target(member, frame.name, {
      kind: "mute",
      by: member.name,
      duration: frame.duration,
      address: member.session.address,
    });
    if (target === undefined) return;
    if (target.op) return refuse(member, "bad_command", cannotMuteOperator(target.name));
    // As with bans: someone at the operator's own address is muted by name alone.
    const address = this.#ownAddress(member.session.address, target.session.address)
      ? undefined
      : target.session.address;
    this.#shown(member);
    this.#options.moderation.mute(target, address, member.name, frame.duration);
    const span = frame.duration === undefined ? "" : ` for ${formatSpan(frame.duration * 1000)}`;
    this.#tell(target, `${member.name} muted ${target.name}${span}`, member);
    this.#options.muted();
  }

  /**
   * `/unmute NAME`: of someone here, or of a name muted, its person gone or
   * called otherwise meanwhile.
   */
  unmute(member: Member, frame: Frame<"unmute">): void {
    if (!this.#isOp(member)) return;
    const { members, moderation } = this.#options;
    const key = nameKey(frame.name.replace(/^@/, ""));
    // The host is never muted: told so, as for every operator command on the host.
    if (key === nameKey(HOST_NAME)) {
      return refuse(
        member,
        "bad_command",
        `Cannot unmute ${HOST_NAME}: that is the server's host, at its console`,
      );
    }
    // Someone on another server is unmuted by their server, which tells their rooms; a mute
    // lifted there is lifted on every server.
    if (members.byKey(key) === undefined && this.#options.elsewhere?.find(key) === undefined) {
      const lifted = moderation.unmuteName(key);
      if (lifted.length > 0) this.#shown(member);
      const here = lifted.map((name) => members.byKey(name)).find((person) => person !== undefined);
      if (here !== undefined) {
        return this.#tell(here, `${member.name} unmuted ${here.name}`, member);
      }
      if (lifted.length > 0) return inform(member, `You unmuted ${clean(frame.name)}`);
      // Nobody of that name on any server, and no mute of it: unmuted already, or never muted.
      return refuse(
        member,
        "bad_command",
        `Cannot unmute ${
          typed(frame.name)
        }: no mute holds that name, and nobody on this chat has it`,
      );
    }
    const target = this.#target(member, frame.name, { kind: "unmute", by: member.name });
    if (target === undefined) return;
    if (!moderation.unmute(target)) return inform(member, `${target.name} is not muted`);
    this.#shown(member);
    this.#tell(target, `${member.name} unmuted ${target.name}`, member);
  }

  /** `/topic [#room] [TEXT]`: anyone may read it, operators set it, or clear it with `""`. */
  topic(member: Member, frame: Frame<"topic">): void {
    const room = this.#room(
      member,
      frame.room,
      frame.text === undefined ? "show the topic of" : "set the topic of",
    );
    if (room === undefined) return;
    const { moderation, rooms } = this.#options;
    if (frame.text === undefined) {
      if (!this.#there(room)) return noSuchRoom(member, "show the topic of", room);
      this.#shown(member);
      const topic = moderation.room(room).topic;
      return inform(
        member,
        topic === undefined
          ? `${room} has no topic`
          : `The topic of ${room}: ${clean(topic.text)} (set by ${clean(topic.by)})`,
      );
    }
    if (!this.#isOp(member) || this.#lookalike(member, room)) return;
    const text = [...clean(frame.text)].slice(0, MAX_TOPIC_CHARS).join("");
    if (text === "" && moderation.room(room).topic === undefined) {
      return inform(member, `${room} has no topic`);
    }
    this.#shown(member);
    moderation.setTopic(room, text, member.name);
    this.#options.log(
      text === ""
        ? `${member.name} cleared the topic of ${room}`
        : `${member.name} set the topic of ${room}: ${text}`,
    );
    const frameOut: ServerFrame = {
      type: "topic",
      ts: Date.now(),
      room,
      topic: text,
      by: member.name,
    };
    broadcast(rooms.get(room), frameOut);
    this.#options.relay?.(room, frameOut);
    if (!rooms.get(room).members.has(member)) acknowledge(member, frameOut);
  }

  /** `/lock [#room]` and `/unlock [#room]`. */
  lock(member: Member, room: string | undefined, locked: boolean): void {
    if (!this.#isOp(member)) return;
    const name = this.#room(member, room, locked ? "lock" : "unlock");
    if (name === undefined) return;
    if (name === LOBBY && locked) {
      return refuse(member, "bad_command", `Cannot lock ${LOBBY}: everyone arrives there`);
    }
    if (locked && this.#lookalike(member, name)) return;
    const { moderation, rooms } = this.#options;
    const wasLocked = moderation.room(name).locked ?? false;
    // A room may be locked before anyone opens it.
    if (!locked && !this.#there(name)) {
      return noSuchRoom(member, "unlock", name);
    }
    if (wasLocked === locked) {
      return inform(member, `${name} is ${locked ? "locked" : "open"} already`);
    }
    this.#shown(member);
    moderation.setLocked(name, locked);
    const text = locked
      ? `${member.name} locked ${name}: only operators may enter it`
      : `${member.name} unlocked ${name}: everyone may enter it`;
    this.#options.log(text);
    const notice: ServerFrame = { type: "notice", ts: Date.now(), room: name, text };
    broadcast(rooms.get(name), notice);
    this.#options.relay?.(name, notice);
    if (!rooms.get(name).members.has(member)) acknowledge(member, notice);
  }

  /** `/rename NAME NEW`. */
  rename(member: Member, frame: Frame<"rename">): void {
    const target = this.#target(member, frame.name, {
      kind: "rename",
      by: member.name,
      to: frame.to,
    });
    if (target === undefined) return;
    this.#options.rename(target, frame.to, member);
  }

  /**
   * Shows `member` in its rooms if it is there unseen (a quiet `hello`), as
   * its command takes effect: a refusal, or a no-op told in an `info`, shows nobody.
   */
  #shown(member: Member): void {
    this.#options.rooms.show(member);
  }

  /** Whether `member` is an operator; if not, it is told so. */
  #isOp(member: Member): boolean {
    if (member.op) return true;
    // With an op file, a name may have a secret that makes its holder one.
    const how = this.#options.moderation.hasSecrets
      ? `the host can make you one, or ${OPER_HINT} if the host gave your name a secret`
      : "the host can make you one";
    refuse(member, "not_operator", `Cannot do that: only operators can; ${how}`);
    return false;
  }

  /**
   * Whether `name` is the operator's own or the host's, whom `/kick`, `/ban`
   * and `/mute` spare: one sent away by a slip of their own would be
   * banned from coming back, and the host is at the console, which is the
   * server. If so, the operator is told why.
   */
  #spared(member: Member, name: string, verb: string): boolean {
    const key = nameKey(name.replace(/^@/, ""));
    if (key === member.key) {
      refuse(member, "bad_command", `Cannot ${verb} yourself`);
      return true;
    }
    if (key !== nameKey(HOST_NAME)) return false;
    refuse(
      member,
      "bad_command",
      `Cannot ${verb} ${HOST_NAME}: that is the server's host, at its console`,
    );
    return true;
  }

  /**
   * Carries out what an operator on another server did to `target`, who is
   * connected here: as the command would have, naming that operator. What
   * it would have answered them, a refusal or a no-op, goes through
   * `answer` to their server.
   */
  fromElsewhere(target: Member, act: RemoteAct, answer?: (frame: ServerFrame) => void): void {
    const by = clean(act.by);
    const told = (text: string) => answer?.({ type: "info", text });
    switch (act.kind) {
      case "kick": {
        const given = reasonOf(act.reason);
        const reason = given === undefined ? "" : `: ${given}`;
        this.#options.log(`${by} kicked ${target.name}${reason} from another server`);
        return this.#options.remove(
          target,
          `You were kicked by ${by}${reason}`,
          `kicked by ${by}${reason}`,
        );
      }
      case "op":
        if (target.op) return told(`${target.name} is an operator already`);
        target.op = true;
        this.#options.changed?.(target);
        return this.#tell(target, `${by} made ${target.name} an operator${this.#unmuted(target)}`);
      case "deop":
        if (!target.op) return told(`${target.name} is not an operator`);
        target.op = false;
        this.#options.changed?.(target);
        this.#tell(target, deopText(by, target.name));
        return this.#banAfterDeop(target);
      case "mute": {
        if (target.op) {
          return answer?.({
            type: "error",
            code: "bad_command",
            message: cannotMuteOperator(target.name),
          });
        }
        const { moderation } = this.#options;
        // As here: someone at the operator's own address (for the console, the machine's) is
        // muted by name alone.
        const { address: theirs } = target.session;
        const own = act.address !== undefined && this.#ownAddress(act.address, theirs);
        const address = own ? undefined : theirs;
        moderation.mute(target, address, by, act.duration);
        const span = act.duration === undefined ? "" : ` for ${formatSpan(act.duration * 1000)}`;
        this.#tell(target, `${by} muted ${target.name}${span}`);
        return this.#options.muted();
      }
      case "unmute":
        if (!this.#options.moderation.unmute(target)) return told(`${target.name} is not muted`);
        return this.#tell(target, `${by} unmuted ${target.name}`);
      case "rename":
        return this.#options.rename(target, act.to, by, answer);
    }
  }

  /**
   * The person an operator's command names, or `undefined` once the operator
   * is told why not; in a cluster, someone on another server has `act`
   * carried out there.
   */
  #target(member: Member, name: string, act: RemoteAct): Member | undefined {
    if (!this.#isOp(member)) return undefined;
    const key = nameKey(name.replace(/^@/, ""));
    // The host is at the console, which is no member, and the name is nobody else's.
    if (key === nameKey(HOST_NAME)) {
      refuse(
        member,
        "bad_command",
        `Cannot ${act.kind} ${HOST_NAME}: that is the server's host, at its console`,
      );
      return undefined;
    }
    const target = this.#options.members.byKey(key);
    if (target !== undefined) return target;
    const elsewhere = this.#options.elsewhere;
    const remote = elsewhere?.find(key);
    if (elsewhere !== undefined && remote !== undefined) {
      this.#shown(member);
      // Their server answers a refusal, or that nothing changes, as it would have here.
      elsewhere.act(key, act, (frame) => member.session.send(frame));
      this.#options.log(`${member.name} asked another server to ${act.kind} ${remote}`);
      if (act.kind === "kick") acknowledge(member, `You kicked ${remote}`);
      return undefined;
    }
    refuse(member, "no_such_user", `Cannot find ${typed(name)}: nobody on this chat has that name`);
    return undefined;
  }

  /**
   * Whether `address` is the own of the operator whose connection's address
   * is `operator`, which their bans and mutes spare: that address, or, for
   * the host's console ({@linkcode CONSOLE_ADDRESS}), which has none, any of
   * the server machine's (loopback and its interfaces): the host is at that
   * machine, and so may be whoever else connects from it. An operator on
   * another server of a cluster is told by the address their act carries.
   */
  #ownAddress(operator: string, address: string): boolean {
    if (address === operator) return true;
    return operator === CONSOLE_ADDRESS && this.#options.machineAddress?.(address) === true;
  }

  /** The room a command names, or the member's current one; `doing` says what, if it names none. */
  #room(member: Member, input: string | undefined, doing: string): string | undefined {
    if (input === undefined) return currentRoom(member).name;
    const checked = roomNamed(input, doing);
    if (!checked.ok) {
      refuse(member, checked.code, checked.message);
      return undefined;
    }
    return checked.value;
  }

  /**
   * Whether `name` is a room nobody is in that looks like one somebody is in,
   * which nobody may open (see `Rooms.lookalike`): a lock or topic kept for it
   * would wait for nobody. If so, the operator is told as `join` tells.
   */
  #lookalike(member: Member, name: string): boolean {
    const { rooms } = this.#options;
    const like = rooms.occupied(name) ? undefined : rooms.lookalike(name);
    if (like === undefined) return false;
    refuse(
      member,
      "room_invalid",
      `Cannot open ${name}: it looks like ${like}; join ${like}, or pick a name that does not`,
    );
    return true;
  }

  /**
   * Whether the room `name` is there: someone is in it, or it keeps a lock or
   * a topic for whoever opens it next (set before anyone opened it, or kept
   * after the last one left). Any other name is no room.
   */
  #there(name: string): boolean {
    const kept = this.#options.moderation.room(name);
    return this.#options.rooms.occupied(name) || kept.locked === true ||
      kept.topic !== undefined;
  }

  /** Tells `text` to every room `target` is in, and to the operator who acted if they are elsewhere. */
  #tell(target: Member, text: string, by?: Member): void {
    this.#options.log(text);
    const ts = Date.now();
    let told = false;
    for (const room of target.rooms) {
      if (!this.#options.rooms.get(room.name).members.has(target)) continue;
      const notice: ServerFrame = { type: "notice", ts, room: room.name, text };
      broadcast(room, notice);
      this.#options.relay?.(room.name, notice);
      if (by !== undefined && room.members.has(by)) told = true;
    }
    if (by !== undefined && !told) acknowledge(by, { type: "notice", ts, text });
    if (!target.rooms.some((room) => room.members.has(target))) {
      target.session.send({ type: "notice", ts, text });
    }
  }
}

/**
 * What the answer to a ban of `gone`, who left a moment ago and was asked for
 * by the folded name `key`, adds: when, as what name if `key` was an earlier
 * one of theirs, and whether the
 * ban holds the address they left from (`byAddress`) or not, that address
 * being the operator's own. `other` is whoever has the name they left as
 * now, whom the ban does not hold.
 */
function bannedGone(
  gone: Departure,
  key: string,
  { byAddress, other }: { byAddress: boolean; other: string | undefined },
): string {
  // Someone else has the name they left as: they are told by the first they had.
  const who = other === undefined ? asked(gone, key) : gone.names[0] ?? gone.name;
  const as = who === gone.name ? "" : ` as ${gone.name}`;
  const when = `${who} left ${formatSpan(Date.now() - gone.at)} ago${as}`;
  if (other !== undefined) {
    return `; ${when}, and ${other} now is someone else: the ban holds the ${
      byAddress ? "address and session" : "session"
    } they left from, not the name`;
  }
  return byAddress
    ? `; ${when}, from that address`
    : `; ${when} from your own address: the ban holds their name and session only`;
}

/** The name of `gone`'s whose folded form is `key`, as they had it. */
function asked(gone: Departure, key: string): string {
  return gone.names.findLast((name) => nameKey(name) === key) ?? gone.name;
}

/** Refuses to `doing` (`unlock`, `show the topic of`) the room `name`, which nobody is in. */
function noSuchRoom(member: Member, doing: string, name: string): void {
  refuse(member, "bad_command", `Cannot ${doing} ${name}: there is no such room`);
}

/**
 * Whether `ban` matches `member`: by its name, its resume token, or its
 * address.
 */
function matches(ban: Ban, member: Member): boolean {
  return (ban.key !== undefined && ban.key === member.key) ||
    (ban.resume !== undefined && ban.resume === member.resume) ||
    (ban.address !== undefined && ban.address === member.session.address);
}

/** A reason as given, cleaned; none for an empty one (irssi's `/kick bob` sends `KICK #dev bob :`). */
function reasonOf(text: string | undefined): string | undefined {
  const reason = text === undefined ? "" : clean(text);
  return reason === "" ? undefined : reason;
}

function clean(text: string): string {
  return sanitizeText(text).trim();
}

/** What an operator typed, quoted as a refusal quotes it: all of it shown, none of it acting. */
function typed(text: string): string {
  return quoteTyped(trimSpace(text));
}

/** The refusal of a mute of the operator `name`. */
function cannotMuteOperator(name: string): string {
  return `Cannot mute ${name}: operators cannot be muted; /deop them first`;
}

/** The notice of `by` taking `target`'s operator status away: their own, said as stepping down. */
function deopText(by: string, target: string): string {
  return by === target
    ? `${target} is no longer an operator`
    : `${by} made ${target} a person like the others`;
}
