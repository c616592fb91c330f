// This module is browser compatible.

/**
 * The protocol's numbers: its versions, the default port, and the limits
 * both sides enforce on lines, texts, names and rooms, with the words that
 * refuse what goes past them.
 *
 * @module
 */

/** Version 1, one room at a time: what plain-text users speak; a server speaks it to whoever asks. */
export const PROTOCOL_VERSION = 1;

/** Version 2, in many rooms at once: the newest version a server speaks. */
export const LATEST_PROTOCOL_VERSION = 2;

/** A protocol version a server speaks; it refuses a `hello` of any other. */
export type ProtocolVersion = typeof PROTOCOL_VERSION | typeof LATEST_PROTOCOL_VERSION;

/** Reports whether `version` is one a server speaks. */
export function isProtocolVersion(version: number): version is ProtocolVersion {
  return version === PROTOCOL_VERSION || version === LATEST_PROTOCOL_VERSION;
}

/** Default TCP port of `chat serve`. */
export const DEFAULT_PORT = 5002;

/** Largest line a client may send, in bytes, newline included. */
export const MAX_CLIENT_LINE_BYTES = 16 * 1024;

/** Largest line a server sends, in bytes, newline included. */
export const MAX_SERVER_LINE_BYTES = 64 * 1024;

/** Largest message text, in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 4000;

/** Most lines in a message text (protocol version 2), counted after cleaning. */
export const MAX_TEXT_LINES = 100;

/** Longest name, in code points. */
export const MAX_NAME_LENGTH = 24;

/** Longest away reason, in code points: a longer one is cut to it. */
export const MAX_AWAY_REASON_LENGTH = 200;

/** Longest room name, in code points, `#` included. */
export const MAX_ROOM_LENGTH = 32;

/** Most names listed in one `room` or `who` frame; `count` gives the total. */
export const MAX_LISTED_NAMES = 256;

/**
 * Most people in a room whose arrivals and departures are announced. Beyond
 * it they would drown the talk, and each would cost a frame per member.
 */
export const MAX_ANNOUNCED_ROOM_SIZE = 256;

/** The room everyone starts in. */
export const LOBBY = "#lobby";

/** Most rooms one person is in at once (version 2), and most a `hello` may name. */
export const MAX_ROOMS = 32;

/**
 * Least time between two relays of one person's `typing` to one room or one
 * person, in ms: the server drops those that come sooner.
 */
export const TYPING_RELAY_MS = 2_000;

/** Longest client message id (`cid`), in characters. */
export const MAX_CID_LENGTH = 64;

const CID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Reports whether `value` is a valid client message id: 1 to 64 of `A-Z a-z 0-9 _ -`. */
export function isCid(value: unknown): value is string {
  return typeof value === "string" && CID_PATTERN.test(value);
}

const textEncoder = new TextEncoder();

/** Counts the UTF-8 bytes of `text`. */
export function utf8Length(text: string): number {
  return textEncoder.encode(text).length;
}

/** Why a message of `bytes` UTF-8 bytes, more than {@linkcode MAX_TEXT_BYTES}, is too long: a refusal's words and a warning's. */
export function bytesOver(bytes: number): string {
  return `it is ${bytes} bytes, more than the ${MAX_TEXT_BYTES} a message may hold`;
}

/** The refusal of a message of `bytes` UTF-8 bytes, more than {@linkcode MAX_TEXT_BYTES}: the server's and the clients' words. */
export function tooLongMessage(bytes: number): string {
  return `Cannot send message: ${bytesOver(bytes)}`;
}

/** Why a message of `lines` lines, more than {@linkcode MAX_TEXT_LINES}, is too long: a refusal's words and a warning's. */
export function linesOver(lines: number): string {
  return `it has ${lines} lines, more than ${MAX_TEXT_LINES}`;
}

/** The refusal of a message of `lines` lines, more than {@linkcode MAX_TEXT_LINES}: the server's and the clients' words. */
export function tooManyLinesMessage(lines: number): string {
  return `Cannot send message: ${linesOver(lines)}`;
}

/** How many lines `text` holds: one more than its line feeds. */
export function countLines(text: string): number {
  let lines = 1;
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) lines++;
  return lines;
}
