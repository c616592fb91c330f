/**
 * Who is around: `/away` and `/back`, told to everyone who shares a room
 * with the person; "is typing" relayed to a room or to one person, at most
 * every {@linkcode TYPING_RELAY_MS}; how each person is in `who`; and the
 * reason of someone away, told once to whoever writes to them in private.
 * Someone muted goes away without a reason, a reason given before the mute
 * is taken down, and their typing is not relayed.
 *
 * @module
 */

import { nameKey } from "../../core/names.ts";
import { sanitizeText } from "../../core/sanitize.ts";
import type { Person, ServerFrame, TypingFrame } from "../../protocol.ts";
import {
  MAX_ANNOUNCED_ROOM_SIZE,
  MAX_AWAY_REASON_LENGTH,
  MAX_LISTED_NAMES,
  TYPING_RELAY_MS,
} from "../../protocol.ts";
import { inform, type Member, type Members, refuse } from "./members.ts";
import type { Refusal } from "./moderation.ts";
import type { Room } from "./rooms.ts";
import type { StatusBudget } from "./churn.ts";
import type { RemotePerson } from "./cluster.ts";

/** Someone away: since when, why, and who was told so already. */
export interface Away {
  readonly since: number;
  readonly reason: string | undefined;
  /** The folded names of those told, in private, that this person is away. */
  readonly told: Set<string>;
}

/**
 * The oldest time a client coming back may say its user went away: older,
 * or in the future, and the server counts the away from now.
 */
export const MAX_AWAY_SINCE_MS = 7 * 24 * 60 * 60 * 1000;

/** Why a member may not say something now (`Cannot DOING: …`), if it is muted. */
export type Muted = (member: Member, doing: string) => Refusal | undefined;

/** Tracks who is away, idle or typing. */
export class Presence {
  readonly #members: Members;
  readonly #muted: Muted;
  /** When each member's typing was last relayed, by where: a room's name, or `@` and a person's key. */
  readonly #typed = new WeakMap<Member, Map<string, number>>();

  readonly #relay: ((room: string, frame: ServerFrame) => void) | undefined;
  readonly #show: ((member: Member) => void) | undefined;
  readonly #budget: StatusBudget | undefined;
  /** How each member was last announced to the others: `back`, or `away` and the reason shown. */
  readonly #announced = new WeakMap<Member, string>();

  /**
   * @param muted Why a member may not talk: its away reason is kept back, its typing not relayed.
   * @param relay In a cluster, sends a room's frame to its people on the other servers.
   * @param show Shows a member in its rooms if it is there unseen (a quiet `hello`), as what it
   * does takes effect: an away or a back that changes nothing, or a typing dropped, shows nobody.
   * @param budget How often a member's away and back are announced to the others (server/hub/churn.ts).
   */
  constructor(
    members: Members,
    muted: Muted,
    relay?: (room: string, frame: ServerFrame) => void,
    show?: (member: Member) => void,
    budget?: StatusBudget,
  ) {
    this.#members = members;
    this.#muted = muted;
    this.#relay = relay;
    this.#show = show;
    this.#budget = budget;
  }

  /**
   * `/away [REASON]`: told to everyone who shares a room with `member`. Away
   * is a state, which clients also set by themselves (`idle`): someone muted
   * goes away all the same, but their reason is words, so it is told to
   * nobody, and they are told why. Away already for the same reason (for
   * someone muted, whose reason is always none, for any), nothing is told.
   * A client coming back after a restart says `since` when its user went
   * away: kept when it is in the past and not over
   * {@linkcode MAX_AWAY_SINCE_MS} old, else the away counts from now.
   */
  away(member: Member, reason: string | undefined, since?: number): void {
    let text = reason === undefined
      ? undefined
      : [...sanitizeText(reason).trim()].slice(0, MAX_AWAY_REASON_LENGTH).join("") || undefined;
    const silenced = this.#muted(member, "show your reason");
    // Only a reason given is refused; someone muted is away for none.
    const muted = text === undefined ? undefined : silenced;
    if (silenced !== undefined) text = undefined;
    // Said again as it is (a client coming back says its away again, not knowing whether the
    // server kept it): nothing changes, nobody is told; nor is someone muted, away already.
    if (member.away !== undefined && (member.away.reason === text || silenced !== undefined)) {
      if (muted !== undefined) refuse(member, muted.code, muted.message);
      return;
    }
    this.#show?.(member);
    const now = Date.now();
    const ts = since !== undefined && since <= now && now - since <= MAX_AWAY_SINCE_MS
      ? since
      : now;
    member.away = { since: ts, reason: text, told: new Set() };
    this.#announce(member, awayFrame(member.name, ts, text));
    if (muted !== undefined) refuse(member, muted.code, muted.message);
  }

  /**
   * A mute now holds `member`: an away reason it gave before is words it may
   * no longer say, so it is taken down for good. It stays away since when it
   * went; those who were told the reason are told again without it, and it is
   * told why. Returns whether there was a reason to take down.
   */
  silence(member: Member): boolean {
    const away = member.away;
    if (away?.reason === undefined || this.#muted(member, "show your reason") === undefined) {
      return false;
    }
    member.away = { since: away.since, reason: undefined, told: away.told };
    this.#announced.set(member, "away");
    this.#tellNeighbours(member, { type: "away", ts: away.since, name: member.name });
    inform(member, "You are still away, but nobody sees your reason: you are muted");
    return true;
  }

  /** `/back`. */
  back(member: Member): void {
    if (member.away === undefined) return inform(member, "You are not away");
    this.#show?.(member);
    member.away = undefined;
    this.#announce(member, { type: "back", ts: Date.now(), name: member.name });
  }

  /**
   * Tells `member` its away or back `frame` at once, and everyone who shares
   * a room with it as its budget of status changes allows: a change over it
   * is told later, as the member is then, unless that is as last told.
   */
  #announce(member: Member, frame: ServerFrame): void {
    const told = () => {
      const state = this.#state(member);
      if (this.#announced.get(member) === state) return;
      this.#announced.set(member, state);
      const away = member.away;
      this.#tellNeighbours(
        member,
        away === undefined
          ? { type: "back", ts: Date.now(), name: member.name }
          : awayFrame(member.name, away.since, this.#reason(member)),
        false,
      );
    };
    member.session.send(frame);
    if (this.#budget === undefined || this.#budget.spend(member, "away", told)) {
      this.#announced.set(member, this.#state(member));
      this.#tellNeighbours(member, frame, false);
    }
  }

  /** How `member` is, as others are told it: `back`, or `away` and the reason they may see. */
  #state(member: Member): string {
    if (member.away === undefined) return "back";
    const reason = this.#reason(member);
    return reason === undefined ? "away" : `away: ${reason}`;
  }

  /** Notes that `member` said or did something now. */
  active(member: Member): void {
    member.active = Date.now();
  }

  /**
   * Relays that `member` is typing in `room` (one of its rooms), or to the
   * person `frame.to`; a relay sooner than {@linkcode TYPING_RELAY_MS}
   * after the last is dropped. Clients of version 1 are not told. Nobody is
   * told that someone muted is typing, and they are not told why: their
   * client sends it unasked, and what they then send is refused.
   */
  typing(member: Member, frame: TypingFrame, room: Room | undefined): void {
    if (this.#muted(member, "type") !== undefined) return;
    const now = Date.now();
    const key = frame.to !== undefined ? `@${nameKey(frame.to.replace(/^@/, ""))}` : room?.name;
    if (key === undefined || !this.#mayRelay(member, key, now)) return;
    member.active = now;
    if (frame.to !== undefined) {
      const target = this.#members.byKey(key.slice(1));
      if (target !== undefined && target !== member && target.version !== 1) {
        this.#show?.(member);
        target.session.send({ type: "typing", name: member.name });
      }
      return;
    }
    // In a crowd, as with arrivals, nobody is told: it would cost a frame per member per typist.
    if (room === undefined || room.members.size > MAX_ANNOUNCED_ROOM_SIZE) return;
    this.#show?.(member);
    // Once shown, its rooms are as they are now: one emptied meanwhile is made anew.
    const there = member.rooms.find((each) => each.name === room.name) ?? room;
    const relay: ServerFrame = { type: "typing", name: member.name, room: room.name };
    for (const other of there.members) {
      if (other !== member && other.version !== 1) other.session.send(relay);
    }
    this.#relay?.(room.name, relay);
  }

  /**
   * Before a private message from `sender` reaches `target`, here or on
   * another server: if the target is away, the sender is told so, once for
   * each time it goes away.
   */
  privateTo(sender: Member, target: Member | RemotePerson): void {
    if (!("session" in target)) return this.#privateToElsewhere(sender, target);
    const away = target.away;
    if (away === undefined || target === sender || away.told.has(sender.key)) return;
    away.told.add(sender.key);
    const reason = this.#reason(target);
    const why = reason === undefined ? "" : `: ${reason}`;
    inform(sender, `${target.name} is away${why}`);
  }

  /**
   * {@linkcode privateTo} for `target` on another server, away as their
   * server tells every server (with the reason others may see, none while
   * they are muted).
   */
  #privateToElsewhere(sender: Member, target: RemotePerson): void {
    const away = target.person.away;
    if (away === undefined) return;
    if (target.awayTold?.since !== away.since) {
      target.awayTold = { since: away.since, told: new Set() };
    }
    if (target.awayTold.told.has(sender.key)) return;
    target.awayTold.told.add(sender.key);
    const why = away.reason === undefined ? "" : `: ${sanitizeText(away.reason)}`;
    inform(sender, `${target.name} is away${why}`);
  }

  /**
   * Whether `member` typing at `where` (a room, `@` and a person) is relayed
   * at `now`: one relay every {@linkcode TYPING_RELAY_MS} for each place,
   * so that typing in another room, or to someone, is told at once.
   */
  #mayRelay(member: Member, where: string, now: number): boolean {
    let last = this.#typed.get(member);
    if (last === undefined) this.#typed.set(member, last = new Map());
    const at = last.get(where);
    if (at !== undefined && now - at < TYPING_RELAY_MS) return false;
    // What is past its interval tells nothing more: the table holds only where they type now.
    for (const [place, then] of last) if (now - then >= TYPING_RELAY_MS) last.delete(place);
    last.set(where, now);
    return true;
  }

  /** How each of `members` is, for `who`, in the order given. */
  people(members: readonly Member[]): Person[] {
    return members.map((member) => {
      const person: Person = { name: member.name, active: member.active, client: member.client };
      if (member.away !== undefined) {
        const reason = this.#reason(member);
        person.away = reason === undefined
          ? { since: member.away.since }
          : { since: member.away.since, reason };
      }
      if (member.op) person.op = true;
      return person;
    });
  }

  /** The away reason of `member` as others may see it: none while it is muted. */
  #reason(member: Member): string | undefined {
    const reason = member.away?.reason;
    if (reason === undefined || this.#muted(member, "show your reason") !== undefined) {
      return undefined;
    }
    return reason;
  }

  /** Tells `frame` to everyone who shares a room with `member`, once each, `member` included unless not `self`. */
  #tellNeighbours(member: Member, frame: ServerFrame, self = true): void {
    const told = new Set<Member>([member]);
    if (self) member.session.send(frame);
    for (const room of member.rooms) {
      // In a crowd, presence is not announced: as with arrivals, `who` tells it.
      if (room.members.size > MAX_LISTED_NAMES) continue;
      for (const other of room.members) {
        if (told.has(other)) continue;
        told.add(other);
        other.session.send(frame);
      }
    }
  }
}

/** The `away` frame of `name`, away since `ts`, with `reason` if there is one to show. */
function awayFrame(name: string, ts: number, reason: string | undefined): ServerFrame {
  return reason === undefined ? { type: "away", ts, name } : { type: "away", ts, name, reason };
}
