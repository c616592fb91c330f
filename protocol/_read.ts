// This module is browser compatible.

/**
 * Reading the fields of an untrusted frame, each checked as it is read, and
 * the envelope every frame is checked in. Internal to protocol/.
 *
 * @module
 */

import type { FieldSpecs } from "../core/commands.ts";
import { quoteTyped } from "../core/sanitize.ts";
import type { Checked, ErrorCode } from "./frames.ts";
import { isCid, MAX_CID_LENGTH } from "./limits.ts";

export type Rec = Record<string, unknown>;

export function isRecord(value: unknown): value is Rec {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Quotes untrusted text for an error message: cut, in double quotes, all of it visible. */
export function quote(text: string): string {
  return quoteTyped([...text].slice(0, 64).join(""));
}

export function refuse<T>(code: ErrorCode, message: string): Checked<T> {
  return { ok: false, code, message };
}

export function accept<T>(value: T): Checked<T> {
  return { ok: true, value };
}

/** Thrown by the field readers; `parseWith` turns it into a refusal, so it never leaves protocol/. */
export class FieldError extends Error {}

export function str(frame: Rec, key: string, maxLength = 64 * 1024): string {
  const value = frame[key];
  if (typeof value !== "string") {
    throw new FieldError(`field "${key}" must be a string`);
  }
  if (value.length > maxLength) throw new FieldError(`field "${key}" is too long`);
  return value;
}

export function optStr(frame: Rec, key: string, maxLength?: number): string | undefined {
  return frame[key] === undefined ? undefined : str(frame, key, maxLength);
}

/** A client message id; anything but a valid one is refused. */
export function cid(frame: Rec, key: string): string {
  const value = frame[key];
  if (!isCid(value)) {
    throw new FieldError(
      `field "${key}" must be 1 to ${MAX_CID_LENGTH} characters of A-Z, a-z, 0-9, "_" or "-"`,
    );
  }
  return value;
}

/** An optional client message id; anything but a valid one is refused. */
export function optCid(frame: Rec): string | undefined {
  return frame.cid === undefined ? undefined : cid(frame, "cid");
}

export function int(frame: Rec, key: string): number {
  const value = frame[key];
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new FieldError(`field "${key}" must be an integer`);
  }
  return value;
}

export function flag(frame: Rec, key: string): true | undefined {
  const value = frame[key];
  if (value === undefined || value === false) return undefined;
  if (value === true) return true;
  throw new FieldError(`field "${key}" must be a boolean`);
}

export function names(frame: Rec, key: string): string[] {
  const value = frame[key];
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new FieldError(`field "${key}" must be an array of strings`);
  }
  return value as string[];
}

/** Copies optional properties that are set, so `exactOptionalPropertyTypes` holds. */
export function withOptional<T extends object>(base: T, extra: Rec): T {
  for (const [key, value] of Object.entries(extra)) {
    if (value !== undefined) (base as Rec)[key] = value;
  }
  return base;
}

/**
 * Reads the fields of a command frame as its entry in the command table
 * describes them, in order; an optional field left out stays out. The
 * search rule (server/history/search.ts) bounds a search's text further, with an
 * error that is not a strike.
 */
export function readFields(frame: Rec, fields: FieldSpecs): Rec {
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

/** Checks the envelope, then lets `read` check the fields of its type. */
export function parseWith<T>(
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
