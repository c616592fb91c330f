/**
 * IRC's kickban. irssi's and WeeChat's `/kickban bob go away` send
 * `MODE #dev +b mask`, then `KICK #dev bob :go away`, in writes of their
 * own that a client's flood control may send seconds apart (WeeChat's 2 s).
 * The ban acts at once, as any ban: bob is sent away as it comes, and can
 * say nothing more while the KICK is on its way. He is told who banned him,
 * and that a reason, if one is given, is his when he tries to come back.
 *
 * The KICK then finds nobody. One from the same connection, within
 * {@linkcode KICKBAN_MS} of the ban, of someone that ban sent away from that
 * channel, is the rest of the kickban: it gets no error (no `441`), and its
 * reason is given to the ban after the fact (`Hub.explainBan`): the channel
 * is told (`ann banned bob: go away`), and bob when he tries to come back.
 *
 * @module
 */

import { nameKey } from "../../core/names.ts";
import { ofDeparted, reasonMayFollow } from "../hub/operators.ts";
import type { Gateway } from "./connection.ts";
import type { Context } from "./render.ts";

/** How long after a ban a KICK of someone it sent away still finds no error. */
export const KICKBAN_MS = 10_000;

/** People remembered at most, the oldest forgotten first. */
const MAX_REMEMBERED = 64;

/** Someone a ban of this connection's sent away from a channel. */
export interface Banned {
  /** Their name. */
  readonly name: string;
  /** Their name, folded. */
  readonly key: string;
  /** The room of the MODE that banned them. */
  readonly room: string;
  /** When, from `performance.now()`. */
  readonly at: number;
}

/** Whom one connection's bans sent away lately, for the KICK of a kickban. */
export class Kickbans {
  #banned: Banned[] = [];

  /**
   * Bans `target` (a name or an address) as `MODE` on `room` asks, at once,
   * and remembers whom it sent away from that room. With `since`, `target`
   * is the name someone gone left as, from a connection opened then: the
   * ban is of them ({@linkcode ofDeparted}).
   */
  ban(
    gateway: Gateway,
    room: string,
    target: string,
    { context, since }: { context: Context; since?: number | undefined },
  ): void {
    const { hub, renderer } = gateway;
    // Someone who is no operator is refused: nobody goes, and nobody need be looked for.
    const operator = renderer.name !== undefined && hub.person(renderer.name)?.person.op === true;
    const here = operator
      ? [...hub.names()].filter((name) => hub.person(name)?.rooms.includes(room) === true)
      : [];
    const frame = reasonMayFollow({ type: "ban", target });
    gateway.deliver(since === undefined ? frame : ofDeparted(frame, since), context);
    const gone = here.filter((name) => hub.person(name) === undefined);
    if (gone.length > 0) this.sentAway(gone, room);
  }

  /**
   * Whether a KICK of `nick` from `room`, who is not there, is the second
   * half of a kickban: someone a ban of this connection sent away from
   * `room` lately. If so, its `reason` is given to the ban.
   */
  kicked(gateway: Gateway, nick: string, room: string, reason: string | undefined): boolean {
    const banned = this.take(gateway.renderer.nicks.name(nick) ?? nick, room);
    if (banned === undefined) return false;
    if (reason !== undefined && reason.trim() !== "") {
      gateway.hub.explainBan(gateway.session, banned.name, reason, room);
    }
    return true;
  }

  /** Who of those a ban sent away from `room` lately is called `name`: found once. */
  take(name: string, room: string, now: number = performance.now()): Banned | undefined {
    const key = nameKey(name);
    const index = this.#banned.findIndex((banned) =>
      banned.key === key && banned.room === room && now - banned.at < KICKBAN_MS
    );
    return index === -1 ? undefined : this.#banned.splice(index, 1)[0];
  }

  /** `names`, in `room`, were sent away by a ban. */
  sentAway(names: readonly string[], room: string, now: number = performance.now()): void {
    const kept = this.#banned.filter((banned) => now - banned.at < KICKBAN_MS);
    for (const name of names) kept.push({ name, key: nameKey(name), room, at: now });
    this.#banned = kept.slice(-MAX_REMEMBERED);
  }
}
