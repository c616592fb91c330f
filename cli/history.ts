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
import { errorText } from "../core/address.ts";

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
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** Reads `--retain`: an age such as `30d`, `12h`, `2w`, or a message count such as `100000`. */
export function parseRetention(value: string): Retention {
  const age = /^(\d{1,6})([mhdw])$/.exec(value);
  if (age) {
    const amount = Number(age[1]);
    if (amount > 0) return { maxAgeMs: amount * UNITS[age[2]!]! };
  }
  if (/^\d{1,10}$/.test(value) && Number(value) > 0) return { maxCount: Number(value) };
  throw new UsageError(
    `invalid --retain ${quote(value)}: expected an age such as 30d, 12h or 2w, or a message count`,
  );
}

/** Options for {@linkcode openHistory}. */
export interface OpenHistoryOptions {
  /** Directory of the history file. */
  dataDir: string;
  /** What to trim. */
  retention: Retention;
  /** Where to tell of what the history survives: a damaged log at start, a failed trim. @default {stderr} */
  log?: (line: string) => void;
}

/** Writes `message` on stderr as one `chat:` line. */
function complain(message: string): void {
  console.error(`chat: ${message.charAt(0).toLowerCase()}${message.slice(1)}`);
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
