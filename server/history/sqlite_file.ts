/**
 * What can go wrong with the history file, worded for the person running the
 * server: its errors explained in one line, and a damaged write-ahead log
 * kept aside before SQLite would drop part of it.
 *
 * @module
 */

import { findWalDamage, type WalDamage } from "./wal_check.ts";

/** The data file could not be used; the message says why, in one line. */
export class HistoryError extends Error {
  override get name(): string {
    return "HistoryError";
  }
}

/** A damaged write-ahead log found at start, and where a copy of it was kept. */
export interface DamagedLog {
  path: string;
  copy: string;
  damage: WalDamage;
}

/** `2026-11-27T14:00:02.123Z` as `20261127T140002.123Z`, for a file name. */
function fileStamp(date: Date): string {
  return date.toISOString().replaceAll("-", "").replaceAll(":", "");
}

/**
 * Reads the write-ahead log beside `path` and, if SQLite would drop part of
 * it, copies it aside before anything writes to it again.
 */
export function checkLog(path: string): DamagedLog | undefined {
  const log = `${path}-wal`;
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(log);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const damage = findWalDamage(bytes);
  if (damage === undefined) return undefined;
  const copy = `${log}.damaged-${fileStamp(new Date())}`;
  try {
    Deno.writeFileSync(copy, bytes, { createNew: true, mode: 0o600 });
  } catch (error) {
    throw new HistoryError(
      `Cannot use history file ${path}: its log ${log} is damaged, and a copy cannot be kept ` +
        `as ${copy}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return { path: log, copy, damage };
}

/**
 * Takes away the access of other users to the history file and its log,
 * which hold what was said and the addresses of bans: a file made by an
 * older chat followed the umask. SQLite gives the log the mode of the file.
 */
export function keepPrivate(path: string): void {
  if (Deno.build.os === "windows") return;
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    let mode;
    try {
      mode = Deno.statSync(file).mode;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    if (mode === null || (mode & 0o077) === 0) continue;
    try {
      Deno.chmodSync(file, mode & 0o700);
    } catch (error) {
      // Another user's file, given to this one through its group: as private as it can be.
      if (!(error instanceof Deno.errors.PermissionDenied)) throw error;
    }
  }
}

// Primary SQLite result codes, from the low byte of node:sqlite's `errcode`.
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_READONLY = 8;
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;

/** `error`, met opening or using the history file at `path`, as one line a person can act on. */
export function explain(path: string, error: unknown): HistoryError {
  if (error instanceof HistoryError) return error;
  const message = (error as Error)?.message ?? String(error);
  const errcode = (error as { errcode?: unknown })?.errcode;
  const code = typeof errcode === "number" ? errcode & 0xff : undefined;
  const reason = error instanceof Deno.errors.IsADirectory
    ? "it is a folder, not a file; move it away to start a new history"
    : code === SQLITE_BUSY || code === SQLITE_LOCKED || /locked|busy/i.test(message)
    // Another chat server holds it, or any program with the file open in SQLite: which one
    // cannot be told from here.
    ? "it is in use by another program, perhaps another chat server (one data directory per server)"
    // A damaged FTS table fails as "vtable constructor failed", with SQLITE_CORRUPT.
    : code === SQLITE_CORRUPT || code === SQLITE_NOTADB ||
        /not a database|malformed|corrupt/i.test(message)
    ? "it is damaged or not a chat database; move it away to start a new history"
    : code === SQLITE_READONLY || /readonly|read-only|permission|access/i.test(message)
    ? "it cannot be written; check its permissions, or use --memory"
    : /unable to open/i.test(message)
    ? "it cannot be opened; check that the directory exists and can be written"
    : message;
  return new HistoryError(`Cannot use history file ${path}: ${reason}`, { cause: error });
}
