// This module is browser compatible.

/**
 * Checking a client's frames: each decoded JSON value is read field by field
 * and narrowed to a client frame, or refused with the reason.
 *
 * @module
 */

import { COMMAND_FIELDS, type CommandFrame } from "../core/commands.ts";
import {
  FILE_FIELDS,
  HELLO_ROOM_FIELDS,
  HELLO_SINCE_FIELDS,
  SAY_FIELDS,
  TYPING_FIELDS,
} from "./_specs.ts";
import {
  FieldError,
  flag,
  int,
  isRecord,
  optStr,
  parseWith,
  readFields,
  type Rec,
  str,
  withOptional,
} from "./_read.ts";
import type {
  Checked,
  ClientFrame,
  FileFrame,
  HelloRoom,
  SayFrame,
  TypingFrame,
} from "./frames.ts";
import { MAX_ROOMS } from "./limits.ts";

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
