// This module is browser compatible.

/**
 * What a line the user typed becomes, given where they are, the same for
 * the terminal and the page: in version 2 a `say` names the room looked at,
 * `/join` of a room the user is in already only looks at it, and words
 * typed while looking at private messages go to that person; entering a
 * room the user was in before asks only for what was said since it last
 * showed there; and the `hello` that comes back returns to every room (the
 * first one, to those it is given). No I/O.
 *
 * @module
 */

import {
  type ClientFrame,
  countLines,
  type HelloFrame,
  type HelloRoom,
  LOBBY,
  MAX_ROOMS,
  PROTOCOL_VERSION,
  type ProtocolVersion,
  utf8Length,
} from "../protocol.ts";
import type { ParsedLine } from "./commands.ts";
import type { TypeOptions } from "./delivery.ts";
import { nameKey, normalizeRoom } from "./names.ts";
import { msgToSelfError } from "./notices.ts";
import { cleanMessage } from "./sanitize.ts";
import type { Roster } from "./roster.ts";
import type { View } from "./views.ts";

/** Where the user is, for {@linkcode outgoing} and {@linkcode helloFrame}. */
export interface Place {
  /** Who and where the user is. */
  roster: Roster;
  /** The view looked at, if any yet. */
  view: View | undefined;
  /** The protocol version spoken. */
  version: ProtocolVersion;
  /**
   * The room a `/join` typed just before is entering, if the user has not
   * looked elsewhere since: what is typed now is meant for it.
   */
  entering?: string | undefined;
  /**
   * The room a `/part` of the room looked at, still on its way, leaves the
   * user looking at: what is typed now is meant for it.
   */
  leavingFor?: string | undefined;
  /**
   * The last message id shown in `room` (a canonical name), a room the user
   * is not in: a `join` of it asks for what came after; `undefined` to have
   * it replayed as to a first-time visitor.
   */
  seenIn(room: string): number | undefined;
  /**
   * The rooms the user wants to be in, for a `hello` coming back: those
   * they are in, with the `/join`s and `/part`s the server never answered
   * before the link died; `roster.joined` if not given.
   */
  wanted?: readonly string[] | undefined;
}

/**
 * What a typed line does: look at a view, close a private one, be refused
 * with a reason, or go to the server as `line` with `options`.
 */
export type Outgoing =
  | { look: string }
  | { close: string }
  | { refused: string }
  | {
    /** The line to send, rewritten if need be (`/msg bob hi` for `hi` said to bob). */
    line: string;
    /** How the line goes on the wire. */
    options: TypeOptions;
    /** The room a `/join` enters: look at it once it is entered. */
    entering?: string;
  };

function locking(verb: "lock" | "unlock"): (name: string) => string {
  return (name) => `Cannot ${verb}: you are looking at @${name}; name a room: /${verb} #room`;
}

/**
 * Why each command that acts on the room looked at, named without a room,
 * is refused while the user looks at private messages with `name`.
 */
const NO_ROOM_HERE: Readonly<Record<string, (name: string, frame: ClientFrame) => string>> = {
  // Private messages are not kept, and a room's answer would land unseen.
  history: () => "Cannot show history here: private messages are not kept; /switch to a room first",
  search: () => "Cannot search here: private messages are not kept; /switch to a room first",
  // The answer would be about a room that is not on the screen, and land in it unseen.
  who: (name) => `Cannot list who is here: you are looking at @${name}; /switch to a room first`,
  topic: (name, frame) =>
    frame.type === "topic" && frame.text !== undefined
      ? `Cannot set a topic: you are looking at @${name}; name a room: /topic #room TEXT`
      : `Cannot show a topic: you are looking at @${name}; name a room: /topic #room`,
  lock: locking("lock"),
  unlock: locking("unlock"),
  // An action would be done in that room, for everyone there to see.
  me: (name) => `Cannot act here: /me goes to a room, not to @${name}; /switch to a room first`,
};

/** What `line`, typed as `parsed`, does in `place`. */
export function outgoing(line: string, parsed: ParsedLine, place: Place): Outgoing {
  const { roster, view, version } = place;
  const many = version !== PROTOCOL_VERSION;
  const frame = parsed.ok && "frame" in parsed ? parsed.frame : undefined;
  // The server enters the room (or leaves it) before it reads the next line: a line typed
  // right after a `/join` (or a `/part`) goes to the room the user is about to look at.
  const options: TypeOptions = many
    ? { room: place.entering ?? place.leavingFor ?? roster.room }
    : {};
  let entering: string | undefined;
  if (frame?.type === "join" || (!many && frame?.type === "leave")) {
    const typed = frame.type === "join" ? frame.room : LOBBY;
    const room = normalizeRoom(typed);
    if (room.ok && many && roster.joined.includes(room.value)) return { look: room.value };
    if (room.ok) entering = room.value;
    // Coming back to a room: only what was said there since it was last shown is replayed.
    const since = room.ok ? place.seenIn(room.value) : undefined;
    if (since !== undefined) options.frame = join(typed, since);
  }
  // Nobody writes to themselves: no view of private messages with oneself begins.
  if (frame?.type === "msg" && roster.isMe(frame.to.replace(/^@/, ""))) {
    return { refused: msgToSelfError(roster.me) };
  }
  // `/part` leaves private messages as it leaves a room: it closes them, those looked at or
  // those named (`/part @bob`), rather than a room out of sight.
  if (many && (frame?.type === "part" || frame?.type === "leave")) {
    if (frame.room === undefined && view?.kind === "private") return { close: view.id };
    if (frame.room?.startsWith("@")) return { close: frame.room };
  }
  // Looking at private messages, a command that acts on the room looked at has none.
  const why = frame === undefined ? undefined : NO_ROOM_HERE[frame.type];
  if (many && view?.kind === "private" && why !== undefined) {
    if ((frame as { room?: string }).room === undefined) return { refused: why(view.name, frame!) };
  }
  // Looking at private messages, words typed go to that person.
  const words = frame?.type === "say" && view?.kind === "private" ? frame.text : undefined;
  const sent = words === undefined ? line : `/msg ${view!.name} ${words}`;
  return entering === undefined ? { line: sent, options } : { line: sent, options, entering };
}

/** The words `parsed` sends as a message's text, as typed: `""` for a line that sends none. */
export function wordsOf(parsed: ParsedLine): string {
  const frame = parsed.ok && "frame" in parsed ? parsed.frame : undefined;
  return frame !== undefined && "text" in frame ? frame.text : "";
}

/** How long a message is, as the server counts it. */
export interface MessageSize {
  /** Its bytes in UTF-8, once cleaned as the server cleans it. */
  bytes: number;
  /** Its lines (always 1 in version 1, whose messages have none). */
  lines: number;
}

/** How long the message `parsed` sends is in `version`, as the server counts it: nothing for a command. */
export function messageSize(parsed: ParsedLine, version: ProtocolVersion): MessageSize {
  const text = cleanMessage(wordsOf(parsed), version);
  return {
    bytes: utf8Length(text),
    lines: version === PROTOCOL_VERSION ? 1 : countLines(text),
  };
}

function join(room: string, since: number): ClientFrame {
  return { type: "join", room, since };
}

/** Options for {@linkcode helloFrame}. */
export interface HelloFrameOptions {
  /** The name to ask for. */
  name: string;
  /** The server's password, if it wants one. */
  password?: string | undefined;
  /**
   * The resume token of the last welcome, if any; in a first `hello`, the
   * one a client kept from before it started again (a page reloaded).
   */
  resume?: string | undefined;
  /** Whether the server welcomed the client before: the hello comes back. */
  again: boolean;
  /** What the client is, as others see it in `who`: `terminal`, `web`. */
  client?: string | undefined;
  /** The rooms the first `hello` enters, if not `#lobby`: those of a client reloaded. */
  rooms?: readonly HelloRoom[] | undefined;
}

/**
 * The `hello` of `options.name` in `place`, with the token kept from before
 * the client started again, if given. Coming back, it takes the name
 * back with the resume token (if it is still the name) and returns to every
 * room the user wants to be in (to the one room in version 1), asking for
 * what came after the last message seen in each. It says what the client is, if told.
 */
export function helloFrame(place: Place, options: HelloFrameOptions): HelloFrame {
  const { roster, version } = place;
  const frame: HelloFrame = { type: "hello", version, name: options.name };
  if (options.password !== undefined) frame.password = options.password;
  if (options.client !== undefined) frame.client = options.client;
  if (!options.again) {
    if (options.resume !== undefined) frame.resume = options.resume;
    return options.rooms === undefined ? frame : entering(frame, options.rooms);
  }
  if (options.resume !== undefined && nameKey(options.name) === nameKey(roster.me)) {
    frame.resume = options.resume;
  }
  if (version === PROTOCOL_VERSION) {
    frame.room = roster.room;
    if (roster.lastId !== undefined) frame.since = roster.lastId;
    return frame;
  }
  const rooms = (place.wanted ?? roster.joined).map((room): HelloRoom => {
    const since = place.seenIn(room);
    return since === undefined ? { room } : { room, since };
  });
  if (rooms.length > 0) frame.rooms = rooms;
  return frame;
}

/**
 * `frame`, a first `hello`, entering `rooms`: all of them in version 2 (as
 * many as one may be in), the first in version 1.
 */
function entering(frame: HelloFrame, rooms: readonly HelloRoom[]): HelloFrame {
  const first = rooms[0];
  if (frame.version !== PROTOCOL_VERSION) {
    if (rooms.length > 0) frame.rooms = rooms.slice(0, MAX_ROOMS);
  } else if (first !== undefined) {
    frame.room = first.room;
    if (first.since !== undefined) frame.since = first.since;
  }
  return frame;
}
