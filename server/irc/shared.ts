/**
 * Frames that read the same to every IRC client they reach: a live room
 * message, an arrival, a departure. Each is rendered and encoded once per
 * set of capabilities that changes its lines, and the bytes handed to every
 * client, as JSON clients share one encoding of a frame.
 *
 * @module
 */

import type { ServerFrame } from "../../protocol.ts";
import { nickOf } from "./nicks.ts";

/** The capabilities a client enabled; {@linkcode messageKey} sorts clients that read messages alike. */
export class Capabilities extends Set<string> {
  /** Which of `server-time` (1) and `message-tags` (2) are on: the tags a message carries. */
  messageKey = 0;

  override add(cap: string): this {
    super.add(cap);
    this.#update();
    return this;
  }

  override delete(cap: string): boolean {
    const had = super.delete(cap);
    this.#update();
    return had;
  }

  override clear(): void {
    super.clear();
    this.#update();
  }

  #update(): void {
    this.messageKey = (this.has("server-time") ? 1 : 0) + (this.has("message-tags") ? 2 : 0);
  }
}

/** How a frame reads to every IRC client, worked out once for all of them. */
export interface SharedFrame {
  /** The chat name it comes from or is about: that client renders it its own way. */
  readonly self: string | undefined;
  /** Names shown under a mapped nick, which each client remembers, in the order it shows them. */
  readonly mapped: readonly string[];
  /** For a QUIT, what tells one departure from several rooms, shown once. */
  readonly quit: string | undefined;
  /** Whether its lines depend on the capabilities ({@linkcode Capabilities.messageKey}). */
  readonly byCaps: boolean;
  /** Its lines, encoded, by capability key; filled by the first client of each. */
  readonly bytes: (Uint8Array | undefined)[];
}

/**
 * What tells one departure shown as QUIT: the hub sends one `left` per room
 * of someone whose connection ended, IRC says QUIT once. `undefined` for a
 * departure shown otherwise (PART, KICK).
 */
export function quitKey(name: string, reason: string | undefined): string | undefined {
  if (reason === "parted" || reason?.startsWith("went to ") || kickOf(reason) !== undefined) {
    return undefined;
  }
  return `${name}\n${reason}`;
}

/**
 * Why IRC users of this server are leaving rooms, by `name` and room, while
 * the hub tells the rooms: the chat's `part` has no reason, but a `PART`'s
 * reaches the IRC clients the departure is rendered for meanwhile.
 */
const partings = new Map<string, string>();

/** Runs `part`, in which `name` leaves `room`, with `reason` told to the IRC clients of the room. */
export function partingWith(name: string, room: string, reason: string, part: () => void): void {
  const key = `${name}\n${room}`;
  partings.set(key, reason);
  try {
    part();
  } finally {
    partings.delete(key);
  }
}

/** The reason an IRC user gave for leaving `room` now, if any. */
export function partReason(name: string, room: string): string | undefined {
  return partings.size === 0 ? undefined : partings.get(`${name}\n${room}`);
}

// A departure's reason (server/hub/operators.ts), or the `bye` of the one kicked ("You were …").
const KICKED = /^(?:You were )?kicked by (\S+)(?:: (.*))?$/s;

/**
 * Who kicked and why, when a departure's reason or a `bye` is a kick (shown
 * as KICK). Without a reason given, the reason is the kicker's nick, as IRC
 * servers send it (RFC 2812, 3.2.8).
 */
export function kickOf(reason: string | undefined): { by: string; why: string } | undefined {
  const kicked = reason?.match(KICKED);
  return kicked ? { by: kicked[1]!, why: kicked[2] || kicked[1]! } : undefined;
}

const NONE: readonly string[] = Object.freeze([]);

function mappedOf(name: string): readonly string[] {
  return nickOf(name) === name ? NONE : [name];
}

/** How `frame` reads to every client, or `undefined` when each client renders it its own way. */
function share(frame: ServerFrame): SharedFrame | undefined {
  switch (frame.type) {
    case "message":
      // A replay is in a client's own batch; a shared file is a link to the client's own address.
      if (frame.replay === true || frame.file !== undefined) return undefined;
      return {
        self: frame.from,
        mapped: mappedOf(frame.from),
        quit: undefined,
        byCaps: true,
        bytes: [],
      };
    case "joined":
      // Someone away is followed by their AWAY for away-notify clients alone.
      if (frame.away !== undefined) return undefined;
      return {
        self: frame.name,
        mapped: mappedOf(frame.name),
        quit: undefined,
        // With server-time, its lines carry their time.
        byCaps: true,
        bytes: [],
      };
    case "left":
      // A kick names two people; it is rare enough to render for each client.
      if (kickOf(frame.reason) !== undefined) return undefined;
      return {
        self: undefined,
        mapped: mappedOf(frame.name),
        quit: quitKey(frame.name, frame.reason),
        byCaps: true,
        bytes: [],
      };
    default:
      return undefined;
  }
}

// The hub sends a frame to a room's members one after the other: the last one is kept.
let lastFrame: ServerFrame | undefined;
let lastShared: SharedFrame | undefined;

/** How `frame` reads to every client (see {@linkcode SharedFrame}), or `undefined`. */
export function sharedFrame(frame: ServerFrame): SharedFrame | undefined {
  if (frame !== lastFrame) {
    lastFrame = frame;
    lastShared = share(frame);
  }
  return lastShared;
}
