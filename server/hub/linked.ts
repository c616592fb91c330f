/**
 * What a hub does with what the other servers of its cluster tell it (the
 * {@linkcode ClusterEvents}), and who it tells them is connected here.
 *
 * @module
 */

import {
  MAX_ANNOUNCED_ROOM_SIZE,
  MAX_LISTED_NAMES,
  type Person,
  type ServerFrame,
} from "../../protocol.ts";
import { formatSpan } from "../../core/duration.ts";
import { sanitizeText } from "../../core/sanitize.ts";
import type { HistoryStore } from "../history/store.ts";
import type { Session } from "../session.ts";
import type { ClusterEvents, LocalPerson } from "./cluster.ts";
import { inform, type Member, type Members } from "./members.ts";
import type { Messages } from "./messages.ts";
import { type Ban, type Moderation, MUTE } from "./moderation.ts";
import type { Operators } from "./operators.ts";
import type { Identity } from "./identity.ts";
import { tokenDigest } from "./token_digest.ts";
import type { Room, Rooms } from "./rooms.ts";

/** The parts of a hub that the other servers' news reaches. */
export interface LinkedParts {
  readonly members: Members;
  readonly rooms: Rooms;
  readonly messages: Messages;
  readonly moderation: Moderation;
  readonly operators: Operators;
  readonly history: HistoryStore;
  /** How each of some members is, as `who` tells. */
  readonly people: (members: readonly Member[]) => Person[];
  /** Removes a session whose connection ends, telling its rooms `reason`. */
  readonly close: (session: Session, reason: string) => void;
  /**
   * Removes the session of someone whose client came back on `server`,
   * telling nobody: they are in their rooms there.
   */
  readonly handOff: (session: Session, server: string) => void;
  /**
   * Sends `member` away for an operator, with `bye` `reason`: its rooms are
   * told `left` with `why`, however big.
   */
  readonly sendAway: (member: Member, reason: string, why: string) => void;
  /** Counts the people of the chat again, someone having arrived elsewhere. */
  readonly arrived: () => void;
  /** Takes down what those a mute now holds said before and is still shown (an away reason). */
  readonly silence: () => void;
  /** What the tokens of people gone from other servers without meaning to still bring back here. */
  readonly identity: Pick<Identity, "droppedElsewhere" | "arrivedElsewhere" | "deopDropped">;
}

/**
 * Who is connected here, for the other servers of the cluster: those seen in
 * rooms (`seenIn`: none for someone there unseen).
 */
export function localPeople(
  members: Members,
  people: (members: readonly Member[]) => Person[],
  seenIn: (member: Member) => readonly Room[],
): LocalPerson[] {
  const here: LocalPerson[] = [];
  for (const connected of members.all()) {
    if (connected.name === undefined) continue;
    const rooms = seenIn(connected);
    if (rooms.length === 0) continue;
    here.push({
      key: connected.key,
      name: connected.name,
      rooms: rooms.map((room) => room.name),
      person: people([connected])[0]!,
      resume: tokenDigest(connected.resume),
    });
  }
  return here;
}

/**
 * The goodbye of someone whose name another person took on another server
 * while this one stood still (its people were taken for gone meanwhile).
 */
export const NAME_TAKEN_WHILE_STILL =
  "Someone on another server took your name while this server was not answering; " +
  "join again with another name";

/**
 * Why such a person left, as their rooms are told, here and on every server:
 * someone else has their name now, not they.
 */
export const NAME_TAKEN_WHILE_STILL_LEFT =
  "someone else took their name while their server was not answering";

/** The events of a cluster, carried out on the parts of one hub. */
export function clusterEvents(parts: LinkedParts): ClusterEvents {
  const { members, rooms, messages, moderation, operators, history, close, arrived } = parts;
  const { sendAway, silence, identity, handOff } = parts;
  /**
   * The `joined` of people told as entering a room that someone here of the
   * same name is still in (by folded name): held back, since it is most
   * likely them moving to another server, and told only if it turns out
   * that someone else took the name.
   */
  const unannounced = new Map<string, { room: string; frame: ServerFrame }[]>();
  /**
   * Sends `frame` to everyone of `room` here, unless it is a crowd and not
   * `always` (what an operator did is told however big the room, as on one
   * server); not to whoever here has the folded name `about`: the person it
   * tells of, come here from that server, is not told of their own arrival
   * or departure.
   */
  const announce = (room: string, frame: ServerFrame, about?: string, always = false) => {
    const here = rooms.existing(room);
    if (here === undefined) return;
    if (!always && here.members.size >= MAX_ANNOUNCED_ROOM_SIZE) return;
    for (const member of here.members) if (member.key !== about) member.session.send(frame);
  };
  /** Sends away whoever here a ban made on another server keeps out. */
  const enforce = (ban: Ban) => {
    const span = ban.until === undefined ? "" : ` for ${formatSpan(ban.until - Date.now())}`;
    const why = ban.reason === undefined ? "" : `: ${sanitizeText(ban.reason)}`;
    for (const connected of [...members.all()]) {
      if (connected.name === undefined || connected.op) continue;
      const { address } = connected.session;
      if (moderation.banOf(address, connected.resume, connected.key) === undefined) continue;
      sendAway(
        connected,
        `You were banned by ${sanitizeText(ban.by)}${span}${why}`,
        `banned by ${ban.by}${span}${why}`,
      );
    }
  };
  return {
    message: (message, how) => messages.arrive(message, rooms.existing(message.room), how),
    private: (frame, toKey) => messages.arrivePrivate(frame, toKey),
    entered: (person, room) => {
      arrived();
      // Back elsewhere, or their name someone else's: what was kept for them here is spent.
      identity.arrivedElsewhere(person.key);
      const { name: _, ...how } = person.person;
      const frame: ServerFrame = {
        type: "joined",
        ts: Date.now(),
        room,
        name: person.name,
        ...how,
      };
      // Listed here already: moving to that server, they never left.
      if (members.byKey(person.key)?.rooms.some((each) => each.name === room)) {
        const held = unannounced.get(person.key) ?? [];
        unannounced.set(person.key, [...held, { room, frame }]);
        return;
      }
      announce(room, frame, person.key);
    },
    dropped: (person) => identity.droppedElsewhere(person),
    left: (person, room, reason, sentAway) =>
      announce(
        room,
        { type: "left", ts: Date.now(), room, name: person.name, reason },
        person.key,
        sentAway,
      ),
    renamed: (person, from, by) => {
      for (const room of person.rooms) {
        const ts = Date.now();
        // An operator's rename is one line saying who did it, as on the server that made it.
        if (by !== undefined) {
          announce(room, {
            type: "notice",
            ts,
            room,
            text: `${by} renamed ${from} to ${person.name}`,
          });
        }
        announce(room, { type: "renamed", ts, room, from, to: person.name });
      }
    },
    movedAway: (key, byOther, server) => {
      const held = unannounced.get(key) ?? [];
      unannounced.delete(key);
      const holder = members.byKey(key);
      if (holder === undefined) return;
      // A client that came back elsewhere has given this connection up: what it is told here
      // matters only to a client still on it, whose name someone else took.
      holder.session.send({
        type: "bye",
        reason: byOther ? NAME_TAKEN_WHILE_STILL : "You connected again from elsewhere",
      });
      holder.session.close();
      // Moved with their own token: the rooms here see no change, as when a client comes back
      // to the same server.
      if (!byOther && server !== undefined) return handOff(holder.session, server);
      close(
        holder.session,
        byOther ? NAME_TAKEN_WHILE_STILL_LEFT : "connected again to another server",
      );
      // Someone else has the name: they arrived after the holder left.
      for (const { room, frame } of held) announce(room, frame, key);
    },
    noted: (kind, key, value) => {
      // A restart ends mutes: they are every server's, but not kept with the history.
      if (kind !== MUTE) history.note(kind, key, value);
      const ban = moderation.noted(kind, key, value);
      if (ban !== undefined) enforce(ban);
      // A mute made elsewhere may hold people here too, by their address.
      if (kind === MUTE && value !== undefined) silence();
    },
    acted: (key, act, answer) => {
      const target = members.byKey(key);
      if (target !== undefined) operators.fromElsewhere(target, act, answer);
      // Deopped while their connection had dropped: they come back here as anyone, too.
      else if (act.kind === "deop") identity.deopDropped(key);
    },
    servers: (servers, webServers) => {
      // Everyone here learns where to go should this server go away.
      const frame: ServerFrame = { type: "servers", servers, webServers };
      for (const connected of members.all()) {
        if (connected.name !== undefined) connected.session.send(frame);
      }
    },
    relayed: (room, frame) => {
      const here = rooms.existing(room);
      if (here === undefined) return;
      // As on the server where it began, version 1 is not told who is typing.
      for (const member of here.members) {
        if (frame.type !== "typing" || member.version !== 1) member.session.send(frame);
      }
    },
    changed: (person, before) => {
      const { away } = person.person;
      const was = before.away;
      // Told when they go away or come back, and when their reason changes (a mute takes it down).
      if (away?.since === was?.since && away?.reason === was?.reason) return;
      const frame: ServerFrame = away === undefined
        ? { type: "back", ts: Date.now(), name: person.name }
        : away.reason === undefined
        ? { type: "away", ts: away.since, name: person.name }
        : { type: "away", ts: away.since, name: person.name, reason: away.reason };
      // Everyone here who shares a room with them, once each.
      const told = new Set<Member>();
      for (const room of person.rooms) {
        const here = rooms.existing(room);
        if (here === undefined || here.members.size > MAX_LISTED_NAMES) continue;
        for (const member of here.members) {
          if (told.has(member)) continue;
          told.add(member);
          member.session.send(frame);
        }
      }
    },
    split: (split) => {
      const text = split
        ? "The chat is split: this server lost its link to the others (NATS). " +
          "You reach the people on this server only; what you send reaches the others " +
          "when the link is back"
        : "The link to the other servers is back: the chat is whole again";
      for (const connected of members.all()) {
        if (connected.name !== undefined) inform(connected, text);
      }
    },
  };
}
