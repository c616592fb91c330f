// This module is browser compatible.

/**
 * Checking a server's frames (clients treat server input as untrusted too):
 * each decoded JSON value is read field by field and narrowed to a server
 * frame, or refused with the reason.
 *
 * @module
 */

import { isFileId } from "../core/files.ts";
import {
  FieldError,
  flag,
  int,
  isRecord,
  names,
  optCid,
  optStr,
  parseWith,
  type Rec,
  str,
  withOptional,
} from "./_read.ts";
import type { Checked, ErrorCode, FileRef, FilesInfo, Person, ServerFrame } from "./frames.ts";

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
      return withOptional({ type, text: str(frame, "text") }, { room: optStr(frame, "room") });
    case "error":
      return withOptional(
        { type, code: str(frame, "code") as ErrorCode, message: str(frame, "message") },
        { cid: optCid(frame) },
      );
    case "bye":
      return withOptional({ type, reason: str(frame, "reason") }, { retry: flag(frame, "retry") });
    case "ping":
      return withOptional({ type }, { token: optStr(frame, "token") });
    case "pong":
      return withOptional({ type }, {
        token: optStr(frame, "token"),
        server: optStr(frame, "server"),
      });
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
  }, {
    tls: flag(value, "tls"),
    quotaBytes: value.quotaBytes === undefined ? undefined : int(value, "quotaBytes"),
    needsToken: flag(value, "needsToken"),
    downloadToken: optStr(value, "downloadToken", 256),
  });
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
