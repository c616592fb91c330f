// This module is browser compatible.

/**
 * The wire contract between `chat` clients and servers: frame types, their
 * validation, the line codec and the limits both sides enforce. See
 * docs/PROTOCOL.md for the prose version with an example of every frame.
 *
 * @module
 */

import {
  CID_FIELD,
  COMMAND_FIELDS,
  type CommandFrame,
  type FieldSpecs,
  type FieldValues,
  NAME_FIELD,
  ROOM_FIELD,
  SINCE_FIELD,
  TEXT_FIELD,
} from "./core/commands.ts";
import { isFileId } from "./core/files.ts";
import { sanitizeText } from "./core/sanitize.ts";

/** Most messages one `history` or `search` request returns; the `/history` command defines it. */
export { MAX_HISTORY_REQUEST } from "./core/commands.ts";

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

// One copy of each message (or arrival) for every receiver of version 1, so it is encoded once.
const asVersion1 = new WeakMap<ServerFrame, ServerFrame>();

/**
 * `frame` as a client of version 1 receives it: a `message` or `private`
 * whose text holds line breaks, with each LF one space (what version 1
 * cleaning makes of a line break); a shared file as the text
 * `shared NAME (SIZE): LINK`, the link made by `link` for this receiver; a
 * `joined` without how the newcomer is. Any other frame is returned as it
 * is; the copy is made once, however many receivers get it, except for a
 * file's, whose link is each receiver's own.
 */
export function forVersion1(
  frame: ServerFrame,
  link?: (file: FileRef) => string | undefined,
): ServerFrame {
  if (frame.type === "joined") {
    if (frame.client === undefined) return frame;
    let copy = asVersion1.get(frame);
    if (copy === undefined) {
      const { type, ts, room, name } = frame;
      copy = { type, ts, room, name };
      asVersion1.set(frame, copy);
    }
    return copy;
  }
  if (frame.type !== "message" && frame.type !== "private") return frame;
  if (frame.file !== undefined) {
    const where = link?.(frame.file);
    const { file: _, ...rest } = frame;
    return { ...rest, text: `shared ${frame.text}${where === undefined ? "" : `: ${where}`}` };
  }
  let copy = asVersion1.get(frame);
  if (copy === undefined) {
    copy = frame.text.includes("\n") ? { ...frame, text: frame.text.replaceAll("\n", " ") } : frame;
    asVersion1.set(frame, copy);
  }
  return copy;
}

/** Longest name, in code points. */
export const MAX_NAME_LENGTH = 24;

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

/** Longest client message id (`cid`), in characters. */
export const MAX_CID_LENGTH = 64;

const CID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Reports whether `value` is a valid client message id: 1 to 64 of `A-Z a-z 0-9 _ -`. */
export function isCid(value: unknown): value is string {
  return typeof value === "string" && CID_PATTERN.test(value);
}

/**
 * A frame a client sends to the server: the frames of the slash commands
 * (`me`, `msg`, `join` …) are those of the command table in core/commands.ts.
 */
export type ClientFrame =
  | HelloFrame
  | SayFrame
  | FileFrame
  | TypingFrame
  | CommandFrame
  | { type: "ping"; token?: string }
  | { type: "pong"; token?: string };

/** The fields of `say` besides `type`: the text, its client message id, and (version 2) its room. */
const SAY_FIELDS = { text: TEXT_FIELD, cid: CID_FIELD, room: ROOM_FIELD } as const;

/** A line to post in a room, or a slash command to run there. */
export type SayFrame = Flat<{ type: "say" } & FieldValues<typeof SAY_FIELDS>>;

/**
 * The fields of `file` besides `type`: the stored file's id, the name to show
 * it under, and where it goes: a room of the sender's (version 2), or one
 * person (`to`).
 */
const FILE_FIELDS = {
  id: { kind: "string", max: 64 },
  name: { kind: "string", max: 1024, optional: true },
  room: ROOM_FIELD,
  to: { ...NAME_FIELD, optional: true },
  cid: CID_FIELD,
} as const;

/** The fields of a client's `typing`: where the user is typing, a room of theirs or a person. */
const TYPING_FIELDS = { room: ROOM_FIELD, to: { ...NAME_FIELD, optional: true } } as const;

/** The user is typing in a room (version 2) or to one person: sent at most every few seconds. */
export type TypingFrame = Flat<{ type: "typing" } & FieldValues<typeof TYPING_FIELDS>>;

/** A file uploaded over HTTP (`POST /files`), to share in a room or with one person. */
export type FileFrame = Flat<{ type: "file" } & FieldValues<typeof FILE_FIELDS>>;

/** `T` as one object type, so that its fields read as written rather than as an intersection. */
type Flat<T> = { [K in keyof T]: T[K] };

/** The fields of one entry of `hello.rooms`: a room to enter and the last message id seen there. */
const HELLO_ROOM_FIELDS = { room: NAME_FIELD, since: SINCE_FIELD } as const;

/** The `since` of a version 1 `hello`: an integer from 0 up, as in `join` and `hello.rooms`. */
const HELLO_SINCE_FIELDS = { since: SINCE_FIELD } as const;

/** A room a version 2 `hello` enters, and where its client left off there. */
export type HelloRoom = FieldValues<typeof HELLO_ROOM_FIELDS>;

/** The first frame of a client: who it is, and where it left off if it is coming back. */
export interface HelloFrame {
  type: "hello";
  version: number;
  name: string;
  /** The room password, when the server has one. */
  password?: string;
  /** The `resume` token of an earlier `welcome`: takes over that session's name. */
  resume?: string;
  /** Version 1: the room to enter instead of the lobby. */
  room?: string;
  /** Version 1: the last message id seen in `room`: replay what came after it, not the last N. */
  since?: number;
  /** Version 2: the rooms to enter, in order, at most {@linkcode MAX_ROOMS}. */
  rooms?: HelloRoom[];
  /** What the client is, as others see it in `who`: `terminal`, `web`, or a program's name. */
  client?: string;
  /**
   * Enter the rooms unseen: nobody is told or shown the client is there
   * until it posts in one of them or does anything else others would see.
   */
  quiet?: true;
}

/** A shared file, as a `message` or `private` frame carries it. */
export interface FileRef {
  /** The SHA-256 of its bytes, in lowercase hex. */
  id: string;
  /** The name it was shared under, cleaned. */
  name: string;
  /** Its size in bytes. */
  size: number;
  /** The type it is served as, read from its bytes. */
  type: string;
  /** The path it is downloaded from on the web port: `/files/ID/NAME`. */
  url: string;
}

/** Where and how a client uploads and downloads files, told in `welcome`. */
export interface FilesInfo {
  /** The web port, where `POST /files` and `GET /files/...` are served. */
  port: number;
  /** Set when the web port speaks HTTPS. */
  tls?: true;
  /** This connection's upload token: `Authorization: Bearer TOKEN`. */
  token: string;
  /** The largest file the server takes, in bytes. */
  maxBytes: number;
  /** Set when downloads need the token too (the server has a password): `?token=TOKEN`. */
  needsToken?: true;
}

/** A chat line in a room, stamped by the server. */
export interface MessageFrame {
  type: "message";
  /** Server-wide increasing id. */
  id: number;
  /** Milliseconds since the Unix epoch. */
  ts: number;
  room: string;
  from: string;
  text: string;
  /** Set on `/me` actions. */
  action?: true;
  /** Set when the message is replayed from history. */
  replay?: true;
  /** The client message id its sender gave it, if any. */
  cid?: string;
  /** Set on a shared file; `text` then reads as its name and size. */
  file?: FileRef;
}

/** A private message; both parties receive it. */
export interface PrivateFrame {
  type: "private";
  id: number;
  ts: number;
  from: string;
  to: string;
  text: string;
  action?: true;
  /** The client message id its sender gave it, if any. */
  cid?: string;
  /** Set on a shared file; `text` then reads as its name and size. */
  file?: FileRef;
}

/** A command the server understands, as `/help` lists it. */
export interface CommandHelp {
  usage: string;
  description: string;
}

/** Error codes a server sends in `error` frames. */
export type ErrorCode =
  | "bad_frame"
  | "line_too_long"
  | "invalid_utf8"
  | "unknown_type"
  | "unsupported_version"
  | "not_ready"
  | "already_ready"
  | "name_invalid"
  | "name_taken"
  | "room_invalid"
  | "text_invalid"
  | "unknown_command"
  | "bad_command"
  | "no_such_user"
  | "too_many_errors"
  | "password_required"
  | "password_wrong"
  | "rate_limited"
  | "not_in_room"
  | "not_stored"
  | "no_such_file"
  | "not_operator"
  | "banned"
  | "muted"
  | "room_locked";

/** A frame the server sends to a client. */
export type ServerFrame =
  | WelcomeFrame
  | RoomFrame
  | MessageFrame
  | PrivateFrame
  | JoinedFrame
  | { type: "left"; ts: number; room: string; name: string; reason?: string }
  | { type: "renamed"; ts: number; room: string; from: string; to: string }
  | WhoFrame
  | { type: "topic"; ts: number; room: string; topic: string; by: string }
  | { type: "notice"; ts: number; room?: string; text: string }
  | { type: "away"; ts: number; name: string; reason?: string }
  | { type: "back"; ts: number; name: string }
  | { type: "typing"; name: string; room?: string }
  | { type: "parted"; room: string }
  | ServersFrame
  | { type: "rooms"; rooms: RoomEntry[] }
  | { type: "help"; commands: CommandHelp[] }
  | { type: "info"; text: string }
  | { type: "error"; code: ErrorCode; message: string; cid?: string }
  | { type: "bye"; reason: string; retry?: true }
  | { type: "ping"; token?: string }
  | { type: "pong"; token?: string };

/**
 * In a cluster: where the other servers are now, sent when one joins, leaves
 * or moves; the lists of the latest `welcome` as they would be now.
 */
export interface ServersFrame {
  type: "servers";
  /** The `host:port` of the other servers' chat ports. */
  servers: string[];
  /** The URLs of their web clients. */
  webServers: string[];
}

/** One room of a `rooms` listing. */
export interface RoomEntry {
  name: string;
  /** How many people are in it. */
  members: number;
  /** Set on the rooms the person asking is in. */
  joined?: true;
  /** Its topic, when it has one. */
  topic?: string;
  /** Set when only operators may enter it. */
  locked?: true;
}

/** You are now in a room: who is there, and what it is about. */
export interface RoomFrame {
  type: "room";
  room: string;
  members: string[];
  count: number;
  /** Its topic, when it has one. */
  topic?: string;
  /** Set when only operators may enter it. */
  locked?: true;
}

/** How one person is, as `who` lists them. */
export interface Person {
  name: string;
  /** Set while they are away: since when (ms since the epoch), and why if they said. */
  away?: { since: number; reason?: string };
  /** When they last said or typed something, in ms since the epoch. */
  active: number;
  /** What they use: `terminal`, `web`, `text` (nc, telnet), `json` (another program). */
  client: string;
  /** Set on operators. */
  op?: true;
}

/**
 * Someone entered a room you are in. Version 2 adds how they are, the fields
 * of their `who.people` entry but `name`, so that they are listed right at once.
 */
export interface JoinedFrame extends Partial<Omit<Person, "name">> {
  type: "joined";
  ts: number;
  room: string;
  name: string;
}

/** The answer to `who`: the names, and (version 2) how each of those people is. */
export interface WhoFrame {
  type: "who";
  room: string;
  members: string[];
  count: number;
  /** Version 2: one entry per name of `members`, in the same order. */
  people?: Person[];
}

/** The server's answer to a successful `hello`. */
export interface WelcomeFrame {
  type: "welcome";
  version: number;
  server: string;
  name: string;
  /** Version 2: the rooms the person is in, in the order entered; each one's `room` frame follows. */
  rooms?: string[];
  /** A secret that lets a reconnecting client take this name back at once. */
  resume?: string;
  /** Seconds of silence after which the server drops a connection. */
  heartbeat?: number;
  /** How to share files, when the server takes them. */
  files?: FilesInfo;
  /**
   * In a cluster: where the other servers of the same chat listen (`host:port`
   * of their chat port), to reconnect to when this one goes away.
   */
  servers?: string[];
  /** In a cluster: the URLs of the other servers' web clients (`http://host:port/`). */
  webServers?: string[];
}

/** The `type` of every client frame. */
export type ClientFrameType = ClientFrame["type"];

/** The `type` of every server frame. */
export type ServerFrameType = ServerFrame["type"];

/** Result of checking untrusted input: the value, or why it was refused. */
export type Checked<T> =
  | { ok: true; value: T }
  | { ok: false; code: ErrorCode; message: string };

type Rec = Record<string, unknown>;

function isRecord(value: unknown): value is Rec {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Quotes untrusted text for an error message: cleaned, cut, in double quotes. */
function quote(text: string): string {
  return JSON.stringify([...sanitizeText(text)].slice(0, 64).join(""));
}

function refuse<T>(code: ErrorCode, message: string): Checked<T> {
  return { ok: false, code, message };
}

function accept<T>(value: T): Checked<T> {
  return { ok: true, value };
}

/** Thrown inside the field readers below; never escapes this module. */
class FieldError extends Error {}

function str(frame: Rec, key: string, maxLength = 64 * 1024): string {
  const value = frame[key];
  if (typeof value !== "string") {
    throw new FieldError(`field "${key}" must be a string`);
  }
  if (value.length > maxLength) throw new FieldError(`field "${key}" is too long`);
  return value;
}

function optStr(frame: Rec, key: string, maxLength?: number): string | undefined {
  return frame[key] === undefined ? undefined : str(frame, key, maxLength);
}

/** A client message id; anything but a valid one is refused. */
function cid(frame: Rec, key: string): string {
  const value = frame[key];
  if (!isCid(value)) {
    throw new FieldError(
      `field "${key}" must be 1 to ${MAX_CID_LENGTH} characters of A-Z, a-z, 0-9, "_" or "-"`,
    );
  }
  return value;
}

/** An optional client message id; anything but a valid one is refused. */
function optCid(frame: Rec): string | undefined {
  return frame.cid === undefined ? undefined : cid(frame, "cid");
}

function int(frame: Rec, key: string): number {
  const value = frame[key];
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new FieldError(`field "${key}" must be an integer`);
  }
  return value;
}

function flag(frame: Rec, key: string): true | undefined {
  const value = frame[key];
  if (value === undefined || value === false) return undefined;
  if (value === true) return true;
  throw new FieldError(`field "${key}" must be a boolean`);
}

function names(frame: Rec, key: string): string[] {
  const value = frame[key];
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new FieldError(`field "${key}" must be an array of strings`);
  }
  return value as string[];
}

/** Copies optional properties that are set, so `exactOptionalPropertyTypes` holds. */
function withOptional<T extends object>(base: T, extra: Rec): T {
  for (const [key, value] of Object.entries(extra)) {
    if (value !== undefined) (base as Rec)[key] = value;
  }
  return base;
}

function readClient(frame: Rec, type: string): ClientFrame | undefined {
  switch (type) {
    case "hello":
      return withOptional({ type, version: int(frame, "version"), name: str(frame, "name", 256) }, {
        password: optStr(frame, "password", 1024),
        resume: optStr(frame, "resume", 128),
        room: optStr(frame, "room", 256),
        since: readFields(frame, HELLO_SINCE_FIELDS).since,
        rooms: frame.rooms === undefined ? undefined : helloRooms(frame.rooms),
        client: optStr(frame, "client", 32),
        quiet: flag(frame, "quiet"),
      });
    case "say":
      // Its fields type its frame.
      return { type, ...readFields(frame, SAY_FIELDS) } as SayFrame;
    case "file":
      return { type, ...readFields(frame, FILE_FIELDS) } as FileFrame;
    case "typing":
      return { type, ...readFields(frame, TYPING_FIELDS) } as TypingFrame;
    case "ping":
    case "pong":
      return withOptional({ type }, { token: optStr(frame, "token", 64) });
    default: {
      const fields = COMMAND_FIELDS.get(type);
      // The command's entry types its frame by these very fields.
      return fields === undefined
        ? undefined
        : { type, ...readFields(frame, fields) } as CommandFrame;
    }
  }
}

/** Reads `hello.rooms`: at most {@linkcode MAX_ROOMS} entries, each checked as its fields say. */
function helloRooms(value: unknown): HelloRoom[] {
  if (!Array.isArray(value)) throw new FieldError('field "rooms" must be an array');
  if (value.length > MAX_ROOMS) {
    throw new FieldError(`field "rooms" must hold at most ${MAX_ROOMS} rooms`);
  }
  return value.map((entry) => {
    if (!isRecord(entry)) throw new FieldError('field "rooms" must hold objects');
    // The fields type the entry.
    return readFields(entry, HELLO_ROOM_FIELDS) as HelloRoom;
  });
}

/**
 * Reads the fields of a command frame as its entry in the command table
 * describes them, in order; an optional field left out stays out. The
 * search rule (server/search.ts) bounds a search's text further, with an
 * error that is not a strike.
 */
function readFields(frame: Rec, fields: FieldSpecs): Rec {
  const read: Rec = {};
  for (const [key, spec] of Object.entries(fields)) {
    if (spec.optional && frame[key] === undefined) continue;
    switch (spec.kind) {
      case "string":
        read[key] = str(frame, key, spec.max);
        break;
      case "integer": {
        const value = int(frame, key);
        if (value < spec.min || value > spec.max) {
          throw new FieldError(`field "${key}" must be from ${spec.min} to ${spec.max}`);
        }
        read[key] = value;
        break;
      }
      case "cid":
        read[key] = cid(frame, key);
        break;
    }
  }
  return read;
}

/**
 * Checks a decoded JSON value and narrows it to a {@linkcode ClientFrame}.
 * Unknown extra fields are ignored so that newer clients stay compatible.
 *
 * @param value Anything `JSON.parse` produced.
 * @returns The frame, or an error code and a message for an `error` frame.
 *
 * @example
 * ```ts
 * const checked = parseClientFrame({ type: "say", text: "hi" });
 * if (checked.ok) console.log(checked.value.type); // "say"
 * ```
 */
export function parseClientFrame(value: unknown): Checked<ClientFrame> {
  return parseWith(value, readClient);
}

/** Checks the envelope, then lets `read` check the fields of its type. */
function parseWith<T>(
  value: unknown,
  read: (frame: Rec, type: string) => T | undefined,
): Checked<T> {
  if (!isRecord(value)) return refuse("bad_frame", "Cannot read frame: expected a JSON object");
  const type = value.type;
  if (typeof type !== "string") {
    return refuse("bad_frame", 'Cannot read frame: field "type" must be a string');
  }
  try {
    const frame = read(value, type);
    if (frame === undefined) {
      return refuse("unknown_type", `Cannot read frame: unknown type ${quote(type)}`);
    }
    return accept(frame);
  } catch (error) {
    if (!(error instanceof FieldError)) throw error;
    return refuse("bad_frame", `Cannot read "${type}" frame: ${error.message}`);
  }
}

function readServer(frame: Rec, type: string): ServerFrame | undefined {
  switch (type) {
    case "welcome":
      return withOptional({
        type,
        version: int(frame, "version"),
        server: str(frame, "server"),
        name: str(frame, "name"),
      }, {
        rooms: frame.rooms === undefined ? undefined : names(frame, "rooms"),
        resume: optStr(frame, "resume"),
        heartbeat: frame.heartbeat === undefined ? undefined : int(frame, "heartbeat"),
        files: frame.files === undefined ? undefined : filesInfo(frame.files),
        servers: frame.servers === undefined ? undefined : names(frame, "servers"),
        webServers: frame.webServers === undefined ? undefined : names(frame, "webServers"),
      });
    case "room":
      return withOptional({
        type,
        room: str(frame, "room"),
        members: names(frame, "members"),
        count: int(frame, "count"),
      }, { topic: optStr(frame, "topic"), locked: flag(frame, "locked") });
    case "who":
      return withOptional({
        type,
        room: str(frame, "room"),
        members: names(frame, "members"),
        count: int(frame, "count"),
      }, { people: frame.people === undefined ? undefined : people(frame.people) });
    case "topic":
      return {
        type,
        ts: int(frame, "ts"),
        room: str(frame, "room"),
        topic: str(frame, "topic"),
        by: str(frame, "by"),
      };
    case "notice":
      return withOptional({ type, ts: int(frame, "ts"), text: str(frame, "text") }, {
        room: optStr(frame, "room"),
      });
    case "away":
      return withOptional({ type, ts: int(frame, "ts"), name: str(frame, "name") }, {
        reason: optStr(frame, "reason"),
      });
    case "back":
      return { type, ts: int(frame, "ts"), name: str(frame, "name") };
    case "typing":
      return withOptional({ type, name: str(frame, "name") }, { room: optStr(frame, "room") });
    case "message":
      return withOptional({
        type,
        id: int(frame, "id"),
        ts: int(frame, "ts"),
        room: str(frame, "room"),
        from: str(frame, "from"),
        text: str(frame, "text"),
      }, {
        action: flag(frame, "action"),
        replay: flag(frame, "replay"),
        cid: optCid(frame),
        file: fileRef(frame),
      });
    case "private":
      return withOptional({
        type,
        id: int(frame, "id"),
        ts: int(frame, "ts"),
        from: str(frame, "from"),
        to: str(frame, "to"),
        text: str(frame, "text"),
      }, { action: flag(frame, "action"), cid: optCid(frame), file: fileRef(frame) });
    case "joined":
      return withOptional({
        type,
        ts: int(frame, "ts"),
        room: str(frame, "room"),
        name: str(frame, "name"),
      }, {
        active: frame.active === undefined ? undefined : int(frame, "active"),
        client: optStr(frame, "client", 32),
        away: awayField(frame),
        op: flag(frame, "op"),
      });
    case "left":
      return withOptional(
        { type, ts: int(frame, "ts"), room: str(frame, "room"), name: str(frame, "name") },
        { reason: optStr(frame, "reason") },
      );
    case "renamed":
      return {
        type,
        ts: int(frame, "ts"),
        room: str(frame, "room"),
        from: str(frame, "from"),
        to: str(frame, "to"),
      };
    case "rooms": {
      const rooms = frame.rooms;
      if (!Array.isArray(rooms)) throw new FieldError('field "rooms" must be an array');
      return {
        type,
        rooms: rooms.map((room) => {
          if (!isRecord(room)) throw new FieldError('field "rooms" must hold objects');
          return withOptional(
            { name: str(room, "name"), members: int(room, "members") },
            {
              joined: flag(room, "joined"),
              topic: optStr(room, "topic"),
              locked: flag(room, "locked"),
            },
          );
        }),
      };
    }
    case "help": {
      const commands = frame.commands;
      if (!Array.isArray(commands)) throw new FieldError('field "commands" must be an array');
      return {
        type,
        commands: commands.map((command) => {
          if (!isRecord(command)) throw new FieldError('field "commands" must hold objects');
          return { usage: str(command, "usage"), description: str(command, "description") };
        }),
      };
    }
    case "parted":
      return { type, room: str(frame, "room") };
    case "servers":
      return { type, servers: names(frame, "servers"), webServers: names(frame, "webServers") };
    case "info":
      return { type, text: str(frame, "text") };
    case "error":
      return withOptional(
        { type, code: str(frame, "code") as ErrorCode, message: str(frame, "message") },
        { cid: optCid(frame) },
      );
    case "bye":
      return withOptional({ type, reason: str(frame, "reason") }, { retry: flag(frame, "retry") });
    case "ping":
    case "pong":
      return withOptional({ type }, { token: optStr(frame, "token") });
    default:
      return undefined;
  }
}

/** Reads `who.people`. */
function people(value: unknown): Person[] {
  if (!Array.isArray(value)) throw new FieldError('field "people" must be an array');
  return value.map((entry) => {
    if (!isRecord(entry)) throw new FieldError('field "people" must hold objects');
    return withOptional({
      name: str(entry, "name"),
      active: int(entry, "active"),
      client: str(entry, "client", 32),
    }, { away: awayField(entry), op: flag(entry, "op") });
  });
}

/** Reads the `away` of a `who.people` entry or of a `joined`, if it has one. */
function awayField(entry: Rec): Person["away"] {
  const away = entry.away;
  if (away === undefined) return undefined;
  if (!isRecord(away)) throw new FieldError('field "away" must be an object');
  return withOptional({ since: int(away, "since") }, { reason: optStr(away, "reason") });
}

/** Reads `welcome.files`. */
function filesInfo(value: unknown): FilesInfo {
  if (!isRecord(value)) throw new FieldError('field "files" must be an object');
  return withOptional({
    port: int(value, "port"),
    token: str(value, "token", 256),
    maxBytes: int(value, "maxBytes"),
  }, { tls: flag(value, "tls"), needsToken: flag(value, "needsToken") });
}

/** Reads the `file` of a `message` or `private`, if it has one; a bad one refuses the frame. */
function fileRef(frame: Rec): FileRef | undefined {
  const value = frame.file;
  if (value === undefined) return undefined;
  if (!isRecord(value)) throw new FieldError('field "file" must be an object');
  const id = str(value, "id", 64);
  if (!isFileId(id)) throw new FieldError('field "file.id" must be 64 lowercase hex digits');
  const url = str(value, "url", 4096);
  if (!url.startsWith("/files/")) throw new FieldError('field "file.url" must start with /files/');
  return {
    id,
    name: str(value, "name", 1024),
    size: int(value, "size"),
    type: str(value, "type", 256),
    url,
  };
}

/**
 * Checks a decoded JSON value and narrows it to a {@linkcode ServerFrame}.
 * Clients treat server input as untrusted too.
 */
export function parseServerFrame(value: unknown): Checked<ServerFrame> {
  return parseWith(value, readServer);
}

/** Parses one line of JSON text into a checked value, never throwing. */
export function decodeJson(line: string): Checked<unknown> {
  try {
    return accept(JSON.parse(line));
  } catch {
    return refuse("bad_frame", "Cannot read frame: invalid JSON");
  }
}

/** Encodes a frame as one line of JSON text, newline included. */
export function encodeFrame(frame: ClientFrame | ServerFrame): string {
  return JSON.stringify(frame) + "\n";
}

/** One result of {@linkcode LineSplitter.push}: a decoded line, or why a line was dropped. */
export type LineResult =
  | { ok: true; line: string }
  | { ok: false; code: "line_too_long" | "invalid_utf8" | "bad_frame"; message: string };

const NEWLINE = 0x0a;
// Shared by every splitter with nothing pending; never written to.
const NOTHING = new Uint8Array(0);
// Decoding whole lines without `stream` keeps no state, so one decoder serves every splitter.
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const CARRIAGE_RETURN = 0x0d;

/**
 * Splits a byte stream into UTF-8 lines, holding at most `maxLineBytes` of an
 * unfinished line. Lines end with LF; a CR before it is dropped. Splitting on
 * bytes keeps multi-byte characters whole: the byte 0x0A never occurs inside
 * one, so a character cut across two reads is joined before it is decoded.
 *
 * @example
 * ```ts
 * const splitter = new LineSplitter(1024);
 * const bytes = new TextEncoder().encode('{"type":"say","text":"h\u00e9"}\n');
 * splitter.push(bytes.subarray(0, 24)); // []
 * splitter.push(bytes.subarray(24)); // [{ ok: true, line: '{"type":"say","text":"hé"}' }]
 * ```
 */
export class LineSplitter {
  readonly #max: number;

  #pending: Uint8Array = NOTHING;
  #pendingLength = 0;
  #discarding = false;

  /** @param maxLineBytes Largest line accepted, newline included. */
  constructor(maxLineBytes: number) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 2) {
      throw new RangeError(
        `Cannot create line splitter: maxLineBytes must be an integer >= 2, received ${maxLineBytes}`,
      );
    }
    this.#max = maxLineBytes;
  }

  /** Bytes held of an unfinished line. */
  get buffered(): number {
    return this.#pendingLength;
  }

  /**
   * Feeds bytes and returns every line they complete. The chunk is not kept,
   * so the caller may reuse its buffer.
   */
  push(chunk: Uint8Array): LineResult[] {
    const results: LineResult[] = [];
    let start = 0;
    while (start < chunk.length) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) {
        this.#hold(chunk.subarray(start), results);
        break;
      }
      this.#finish(chunk.subarray(start, end), results);
      start = end + 1;
    }
    return results;
  }

  #hold(part: Uint8Array, results: LineResult[]): void {
    if (this.#discarding) return;
    // Keep room for the newline that would end this line.
    if (this.#pendingLength + part.length >= this.#max) {
      this.#discarding = true;
      this.#pendingLength = 0;
      this.#pending = NOTHING;
      results.push(this.#tooLong());
      return;
    }
    const needed = this.#pendingLength + part.length;
    if (needed > this.#pending.length) {
      const grown = new Uint8Array(Math.min(this.#max, Math.max(needed, this.#pending.length * 2)));
      grown.set(this.#pending.subarray(0, this.#pendingLength));
      this.#pending = grown;
    }
    this.#pending.set(part, this.#pendingLength);
    this.#pendingLength = needed;
  }

  #finish(part: Uint8Array, results: LineResult[]): void {
    if (this.#discarding) {
      this.#discarding = false;
      return;
    }
    let line = part;
    if (this.#pendingLength > 0) {
      if (this.#pendingLength + part.length + 1 > this.#max) {
        this.#pendingLength = 0;
        results.push(this.#tooLong());
        return;
      }
      line = new Uint8Array(this.#pendingLength + part.length);
      line.set(this.#pending.subarray(0, this.#pendingLength));
      line.set(part, this.#pendingLength);
      this.#pendingLength = 0;
      // Let a large line's buffer go once it is used.
      if (this.#pending.length > 4096) this.#pending = NOTHING;
    } else if (part.length + 1 > this.#max) {
      results.push(this.#tooLong());
      return;
    }
    if (line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN) {
      line = line.subarray(0, line.length - 1);
    }
    try {
      results.push({ ok: true, line: strictDecoder.decode(line) });
    } catch {
      results.push({
        ok: false,
        code: "invalid_utf8",
        message: "Cannot read line: it is not valid UTF-8",
      });
    }
  }

  #tooLong(): LineResult {
    return {
      ok: false,
      code: "line_too_long",
      message: `Cannot read line: it is longer than ${this.#max} bytes`,
    };
  }
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
