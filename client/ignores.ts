/**
 * Whom the user ignores on each server (`/ignore`), remembered between runs
 * of `chat join` in one small JSON file in the user's configuration folder:
 * `$XDG_CONFIG_HOME/chat/ignores.json`, or `~/.config/chat/ignores.json`
 * (`%LOCALAPPDATA%\chat\ignores.json` on Windows), keyed by the server's
 * address: `{"192.168.1.5:5002": ["bob"]}`. Beside a name, the names its
 * person had before a rename are objects in the same list (see
 * core/ignore_list.ts), which versions that knew only names skip. A file that cannot be read or
 * written is no reason to stop chatting: it is then as if it were empty, and
 * the list lasts as long as the client runs.
 *
 * @module
 */

import { entryKey, type IgnoreEntry, readIgnoreEntries } from "../core/ignore_list.ts";

/** Most names remembered per server. */
const MAX_NAMES = 1_000;

/** Most former names remembered per server. */
const MAX_FORMER_NAMES = 1_000;

/** `entries` within the limits: so many names, and so many former names. */
function bounded(entries: readonly IgnoreEntry[]): IgnoreEntry[] {
  const names = entries.filter((entry) => typeof entry === "string").slice(0, MAX_NAMES);
  const formers = entries.filter((entry) => typeof entry !== "string").slice(-MAX_FORMER_NAMES);
  return [...names, ...formers];
}

/** Most servers remembered. */
const MAX_SERVERS = 100;

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    // Not permitted to read it: as if it were unset.
    return undefined;
  }
}

/** The folder of `chat join`'s own files, if the environment names one. */
export function configDir(): string | undefined {
  if (Deno.build.os === "windows") {
    const local = env("LOCALAPPDATA");
    return local === undefined ? undefined : `${local}\\chat`;
  }
  // A relative one is to be ignored (XDG Base Directory specification).
  const xdg = env("XDG_CONFIG_HOME");
  if (xdg?.startsWith("/")) return `${xdg}/chat`;
  const home = env("HOME");
  return home === undefined ? undefined : `${home}/.config/chat`;
}

/** The file of the ignore lists, if there is a folder for it. */
export function ignoresFile(): string | undefined {
  const dir = configDir();
  if (dir === undefined) return undefined;
  return `${dir}${Deno.build.os === "windows" ? "\\" : "/"}ignores.json`;
}

/** The lists in the file, by server; empty if it is missing, unreadable or not as written. */
async function readAll(path: string): Promise<Record<string, IgnoreEntry[]>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await Deno.readTextFile(path));
  } catch {
    return {};
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
  const lists: Record<string, IgnoreEntry[]> = {};
  for (const [server, entries] of Object.entries(parsed)) {
    if (!Array.isArray(entries)) continue;
    lists[server] = bounded(readIgnoreEntries(entries));
  }
  return lists;
}

/** The people the user ignores on `server` (`HOST:PORT`), as last remembered, former names too. */
export async function loadIgnores(server: string): Promise<IgnoreEntry[]> {
  const path = ignoresFile();
  if (path === undefined) return [];
  return (await readAll(path))[server] ?? [];
}

/**
 * Remembers `names` as the people the user ignores on `server`, former
 * names too. Resolves to whether they were written; never rejects.
 */
export async function saveIgnores(
  server: string,
  names: readonly IgnoreEntry[],
): Promise<boolean> {
  const path = ignoresFile();
  const dir = configDir();
  if (path === undefined || dir === undefined) return false;
  try {
    const lists = await readAll(path);
    delete lists[server];
    if (names.length > 0) lists[server] = bounded(names);
    const servers = Object.keys(lists);
    // The oldest written go first (a server written again moves to the end).
    for (const old of servers.slice(0, Math.max(0, servers.length - MAX_SERVERS))) {
      delete lists[old];
    }
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    // Written whole to a file of its own, then put in place: never half a file.
    const temporary = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
    try {
      await Deno.writeTextFile(temporary, JSON.stringify(lists, null, 2) + "\n", { mode: 0o600 });
      await Deno.rename(temporary, path);
    } catch (error) {
      await Deno.remove(temporary).catch(() => {});
      throw error;
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Saves the lists of one server in the order they change: each write waits
 * for the one before, so the last list given is the one that stays. What
 * changed since the list before is written over what the file holds now,
 * so that another `chat join` of the same user on the same server, which
 * changed the file meanwhile, does not lose its own changes.
 */
export class IgnoreStore {
  readonly #server: string;
  readonly #failed: (() => void) | undefined;
  #writing: Promise<unknown> = Promise.resolve();
  #told = false;
  /** The list last loaded or given, which the next list given changes. */
  #known: readonly IgnoreEntry[] | undefined;

  /** Remembers the lists of `server` (`HOST:PORT`); calls `failed` once if one cannot be written. */
  constructor(server: string, failed?: () => void) {
    this.#server = server;
    this.#failed = failed;
  }

  /** The list remembered for the server, former names too. */
  async load(): Promise<IgnoreEntry[]> {
    const names = await loadIgnores(this.#server);
    this.#known = names;
    return names;
  }

  /** Remembers `names`, after any write under way. */
  save(names: readonly IgnoreEntry[]): void {
    const before = this.#known;
    this.#known = [...names];
    this.#writing = this.#writing.then(async () => {
      const now = before === undefined ? names : changed(
        await loadIgnores(this.#server),
        before,
        names,
      );
      if (await saveIgnores(this.#server, now) || this.#told) return;
      this.#told = true;
      this.#failed?.();
    });
  }

  /** Resolves once every list given has been written, or failed to be. */
  async settled(): Promise<void> {
    await this.#writing;
  }
}

/**
 * `stored`, with the entries `before` had and `after` has not taken out,
 * and those it added put in: names, and former names alike.
 */
function changed(
  stored: readonly IgnoreEntry[],
  before: readonly IgnoreEntry[],
  after: readonly IgnoreEntry[],
): IgnoreEntry[] {
  const had = new Set(before.map(entryKey));
  const has = new Set(after.map(entryKey));
  const kept = stored.filter((entry) => !had.has(entryKey(entry)) || has.has(entryKey(entry)));
  const keys = new Set(kept.map(entryKey));
  const added = after.filter((entry) => !had.has(entryKey(entry)) && !keys.has(entryKey(entry)));
  return [...kept, ...added];
}
