/**
 * Where `chat serve` keeps history: the data directory, the `--retain` rule
 * and opening the store with errors a person can act on.
 *
 * @module
 */

import type { HistoryStore } from "../server/history/store.ts";
import { HistoryError } from "../server/history/sqlite_file.ts";
import { type Retention, SqliteHistory } from "../server/history/sqlite.ts";
import { quote, UsageError } from "./args.ts";
import { asClause, errorText } from "../core/address.ts";

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The platform's per-user data directory for chat: `%LOCALAPPDATA%\chat` on
 * Windows, else `$XDG_DATA_HOME/chat` (when it is an absolute path) or
 * `~/.local/share/chat`.
 */
export function defaultDataDir(): string {
  if (Deno.build.os === "windows") {
    const local = env("LOCALAPPDATA") ?? `${env("USERPROFILE") ?? "."}\\AppData\\Local`;
    return `${local}\\chat`;
  }
  // A relative one is to be ignored (XDG Base Directory specification): it would follow the
  // folder the server happens to be started in.
  const xdg = env("XDG_DATA_HOME");
  if (xdg?.startsWith("/")) return `${xdg}/chat`;
  const home = env("HOME");
  if (home === undefined) {
    throw new UsageError(
      "cannot find a data directory: HOME is not set; pass --data-dir or --memory",
    );
  }
  return `${home}/.local/share/chat`;
}

const UNITS: Readonly<Record<string, number>> = {
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** Units `--retain` does not take, read as someone may have meant them: days in each, 0 if shorter. */
const OTHER_UNITS: Readonly<Record<string, [days: number, one: string, many: string]>> = {
  s: [0, "second", "seconds"],
  sec: [0, "second", "seconds"],
  min: [0, "minute", "minutes"],
  m: [30, "month", "months"],
  mo: [30, "month", "months"],
  mon: [30, "month", "months"],
  month: [30, "month", "months"],
  months: [30, "month", "months"],
  y: [365, "year", "years"],
  yr: [365, "year", "years"],
  year: [365, "year", "years"],
  years: [365, "year", "years"],
};

/**
 * Reads `--retain`: an age in hours, days or weeks such as `12h`, `30d`,
 * `2w`, or a count of messages in all rooms together such as `100000`.
 * Other units are refused, saying what to write instead: `6m` could mean
 * six months as well as six minutes.
 */
export function parseRetention(value: string): Retention {
  const age = /^(\d{1,6})([a-z]+)$/i.exec(value);
  const amount = Number(age?.[1]);
  const unit = age?.[2]?.toLowerCase() ?? "";
  if (amount > 0 && UNITS[unit] !== undefined) return { maxAgeMs: amount * UNITS[unit] };
  if (/^\d{1,10}$/.test(value) && Number(value) > 0) return { maxCount: Number(value) };
  const other = amount > 0 ? OTHER_UNITS[unit] : undefined;
  const instead = other === undefined
    ? "expected an age in hours, days or weeks (12h, 30d, 2w), or a count of messages (100000)"
    : other[0] === 0
    ? "an age is in hours, days or weeks, at least 1h"
    : `an age is in hours, days or weeks; for ${amount} ${
      amount === 1 ? other[1] : other[2]
    } write ${amount * other[0]}d`;
  throw new UsageError(`invalid --retain ${quote(value)}: ${instead}`);
}

/** Options for {@linkcode openHistory}. */
export interface OpenHistoryOptions {
  /** Directory of the history file. */
  dataDir: string;
  /** What to trim. */
  retention: Retention;
  /**
   * Where to tell of what the history survives (a damaged log or word index
   * at start, a failed trim) and of what takes a while (a long check, a
   * trim). @default {stderr}
   */
  log?: (line: string) => void;
}

/** Writes `message` on stderr as one `chat:` line. */
function complain(message: string): void {
  console.error(`chat: ${asClause(message)}`);
}

/**
 * Opens the durable history; a problem that stops it becomes one line on
 * stderr and `undefined`, one it survives (a damaged log) a line on `log`.
 */
export async function openHistory(options: OpenHistoryOptions): Promise<HistoryStore | undefined> {
  const separator = Deno.build.os === "windows" ? "\\" : "/";
  const path = `${options.dataDir.replace(/[\\/]+$/, "")}${separator}history.db`;
  try {
    await Deno.mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const where = quote(options.dataDir);
    if (error instanceof Deno.errors.AlreadyExists) {
      // Something that is no folder is in its place.
      const isFile = await Deno.stat(options.dataDir).then((info) => info.isFile, () => false);
      console.error(
        `chat: cannot use data directory ${where}: it is ${
          isFile ? "a file, not a folder" : "not a folder"
        } (or use --memory)`,
      );
      return undefined;
    }
    const reason = error instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : errorText(error);
    console.error(`chat: cannot create data directory ${where}: ${reason} (or use --memory)`);
    return undefined;
  }
  let store: SqliteHistory;
  try {
    store = SqliteHistory.open(path, {
      retention: options.retention,
      warn: options.log ?? complain,
      log: options.log ?? complain,
    });
  } catch (error) {
    if (!(error instanceof HistoryError)) throw error;
    complain(error.message);
    return undefined;
  }
  // The server goes on: said as what happened, on the log, not as an error that stops it.
  for (const warning of store.warnings) (options.log ?? complain)(warning);
  return store;
}
