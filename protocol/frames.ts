// This module is browser compatible.

/**
 * The frames of the wire protocol, as types: what a client sends, what a
 * server sends, and the result of checking either.
 *
 * @module
 */

import type { CommandFrame, FieldValues } from "../core/commands.ts";
import type { FILE_FIELDS, HELLO_ROOM_FIELDS, SAY_FIELDS, TYPING_FIELDS } from "./_specs.ts";

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

/** A line to post in a room, or a slash command to run there. */
export type SayFrame = Flat<{ type: "say" } & FieldValues<typeof SAY_FIELDS>>;

/** The user is typing in a room (version 2) or to one person: sent at most every few seconds. */
export type TypingFrame = Flat<{ type: "typing" } & FieldValues<typeof TYPING_FIELDS>>;

/** A file uploaded over HTTP (`POST /files`), to share in a room or with one person. */
export type FileFrame = Flat<{ type: "file" } & FieldValues<typeof FILE_FIELDS>>;

/** `T` as one object type, so that its fields read as written rather than as an intersection. */
type Flat<T> = { [K in keyof T]: T[K] };

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
  /**
   * All the room of the server's file store, in bytes: no file larger than
   * this is taken either. Left out by a server that does not say it.
   */
  quotaBytes?: number;
  /** Set when downloads need a token (the server has a password): `?token=` {@linkcode downloadToken}. */
  needsToken?: true;
  /**
   * With `needsToken`, the token a download link carries: it downloads,
   * never uploads. Left out by servers from before it, whose links carry `token`.
   */
  downloadToken?: string;
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
  | InfoFrame
  | { type: "error"; code: ErrorCode; message: string; cid?: string }
  | { type: "bye"; reason: string; retry?: true }
  | { type: "ping"; token?: string }
  /** `server`, the server's display name, answers a `ping` sent before `hello`. */
  | { type: "pong"; token?: string; server?: string };

/**
 * Something the server tells one client. With `room`, it concerns that room
 * and comes where the room's frames come: before its replay, when that
 * replay cannot go back as far as the client asked (see docs/PROTOCOL.md,
 * "Coming back after a drop").
 */
export type InfoFrame = { type: "info"; text: string; room?: string };

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
