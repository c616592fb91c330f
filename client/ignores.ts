/**
 * Whom the user ignores on each server (`/ignore`), remembered between runs
 * of `chat join` in one small JSON file in the user's configuration folder:
 * `$XDG_CONFIG_HOME/chat/ignores.json`, or `~/.config/chat/ignores.json`
 * (`%LOCALAPPDATA%\chat\ignores.json` on Windows), keyed by the server's
 * address: `{"192.168.1.5:5002": ["bob"]}`. A file that cannot be read or
 * written is no reason to stop chatting: it is then as if it were empty, and
 * the list lasts as long as the client runs.
 *
 * @module
 */

import { nameKey } from "../core/names.ts";

/** Most names remembered per server. */
const MAX_NAMES = 1_000;

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
async function readAll(path: string): Promise<Record<string, string[]>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await Deno.readTextFile(path));
  } catch {
    return {};
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
  const lists: Record<string, string[]> = {};
  for (const [server, names] of Object.entries(parsed)) {
    if (!Array.isArray(names)) continue;
    lists[server] = names.filter((name): name is string => typeof name === "string")
      .slice(0, MAX_NAMES);
  }
  return lists;
}

/** The people the user ignores on `server` (`HOST:PORT`), as last remembered. */
export async function loadIgnores(server: string): Promise<string[]> {
  const path = ignoresFile();
  if (path === undefined) return [];
  return (await readAll(path))[server] ?? [];
}

/**
 * Remembers `names` as the people the user ignores on `server`. Resolves
 * to whether they were written; never rejects.
 */
export async function saveIgnores(server: string, names: readonly string[]): Promise<boolean> {
  const path = ignoresFile();
  const dir = configDir();
  if (path === undefined || dir === undefined) return false;
  try {
    const lists = await readAll(path);
    delete lists[server];
    if (names.length > 0) lists[server] = names.slice(0, MAX_NAMES);
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
  #known: readonly string[] | undefined;

  /** Remembers the lists of `server` (`HOST:PORT`); calls `failed` once if one cannot be written. */
  constructor(server: string, failed?: () => void) {
    this.#server = server;
    this.#failed = failed;
  }

  /** The list remembered for the server. */
  async load(): Promise<string[]> {
    const names = await loadIgnores(this.#server);
    this.#known = names;
    return names;
  }

  /** Remembers `names`, after any write under way. */
  save(names: readonly string[]): void {
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

/** `stored`, with the names `before` had and `after` has not taken out, and those it added put in. */
function changed(
  stored: readonly string[],
  before: readonly string[],
  after: readonly string[],
): string[] {
  const had = new Set(before.map(nameKey));
  const has = new Set(after.map(nameKey));
  const kept = stored.filter((name) => !had.has(nameKey(name)) || has.has(nameKey(name)));
  const keys = new Set(kept.map(nameKey));
  return [...kept, ...after.filter((name) => !had.has(nameKey(name)) && !keys.has(nameKey(name)))];
}
