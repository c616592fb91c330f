// This module is browser compatible.

/**
 * Whom the user ignores (`/ignore`), as both clients keep and remember it:
 * the names ignored now and, for each, the names the same person had before
 * a rename the client saw, each with its time. What they said under an
 * earlier name up to that time (a room's history, `/history`, `/search`)
 * stays hidden; whoever takes that name later is someone else, and is not.
 *
 * Remembered as one JSON array: a string for each name ignored now, and an
 * object for each former name, `{"name": "dave", "until": 1733140000000,
 * "now": "dave2"}`. Versions that knew only the strings read the names
 * ignored now and skip the objects.
 *
 * @module
 */

import { nameKey } from "./names.ts";

/**
 * A name someone ignored had until they took another: what they said
 * under it, up to `until`, stays hidden.
 */
export interface FormerName {
  /** The name they had. */
  name: string;
  /** When they took the next name, in ms since the epoch on the server's clock. */
  until: number;
  /** The name they are ignored under now. */
  now: string;
}

/** One entry of an ignore list as remembered: a name ignored now, or a {@linkcode FormerName}. */
export type IgnoreEntry = string | FormerName;

/** Most former names kept for one person: the oldest go first. */
export const MAX_FORMER_NAMES = 20;

/** Whether `value` is a {@linkcode FormerName} as remembered. */
function isFormerName(value: unknown): value is FormerName {
  if (typeof value !== "object" || value === null) return false;
  const { name, until, now } = value as Record<string, unknown>;
  return typeof name === "string" && typeof now === "string" &&
    typeof until === "number" && Number.isFinite(until);
}

/**
 * The entries of a remembered ignore list, `value` as parsed from JSON:
 * the names, and the former names in it; nothing of what is not either.
 */
export function readIgnoreEntries(value: unknown): IgnoreEntry[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry): IgnoreEntry[] =>
    typeof entry === "string"
      ? [entry]
      : isFormerName(entry)
      ? [{ name: entry.name, until: entry.until, now: entry.now }]
      : []
  );
}

/** The key that tells one entry from another, to merge two lists. */
export function entryKey(entry: IgnoreEntry): string {
  return typeof entry === "string"
    ? nameKey(entry)
    : `${nameKey(entry.now)}\n${nameKey(entry.name)}\n${entry.until}`;
}

/** A former name, as kept beside the name its person is ignored under now. */
interface Former {
  name: string;
  until: number;
}

/** The people whose messages the user does not want to see, by every name they had. */
export class IgnoreList {
  /** The names ignored now, by their key. */
  readonly #names = new Map<string, string>();
  /** The former names of each person ignored, oldest first, by the key of their name now. */
  readonly #formerly = new Map<string, Former[]>();

  /** Starts with `entries`, as remembered for this server. */
  constructor(entries: readonly IgnoreEntry[] = []) {
    for (const entry of entries) {
      if (typeof entry === "string") this.#names.set(nameKey(entry), entry);
    }
    // A former name of nobody ignored now is left out: they were unignored since.
    for (const entry of entries) {
      if (typeof entry !== "string" && this.#names.has(nameKey(entry.now))) {
        this.#remember(nameKey(entry.now), { name: entry.name, until: entry.until });
      }
    }
  }

  /** Whether `name` (or one that folds to the same) is ignored. */
  has(name: string): boolean {
    return this.#names.size > 0 && this.#names.has(nameKey(name));
  }

  /**
   * Whether what `name` said at `ts` (ms since the epoch, the server's
   * clock) is hidden: `name` is ignored, or someone ignored had it until
   * `ts` or later.
   */
  hides(name: string, ts: number): boolean {
    if (this.has(name)) return true;
    const key = nameKey(name);
    for (const formers of this.#formerly.values()) {
      if (formers.some((former) => nameKey(former.name) === key && ts <= former.until)) {
        return true;
      }
    }
    return false;
  }

  /** Ignores `name`; returns false if it was already. */
  add(name: string): boolean {
    const key = nameKey(name);
    if (this.#names.has(key)) return false;
    this.#names.set(key, name);
    return true;
  }

  /** Stops ignoring `name`, by every name they had; returns false if it was not ignored. */
  remove(name: string): boolean {
    this.#formerly.delete(nameKey(name));
    return this.#names.delete(nameKey(name));
  }

  /** The name `name` (or one that folds to the same) is ignored as, if it is. */
  find(name: string): string | undefined {
    return this.#names.get(nameKey(name));
  }

  /**
   * Whoever was called `from` is called `to` now: ignored as `to` if they
   * were, and, with `at` (the rename's time on the server's clock), what
   * they said as `from` until then too. Returns whether the list changed.
   */
  rename(from: string, to: string, at?: number): boolean {
    const was = this.find(from);
    if (was === undefined || was === to) return false;
    const fromKey = nameKey(from);
    const toKey = nameKey(to);
    const formers = this.#formerly.get(fromKey) ?? [];
    this.#formerly.delete(fromKey);
    this.#names.delete(fromKey);
    this.#names.set(toKey, to);
    for (const former of formers) this.#remember(toKey, former);
    if (at !== undefined && fromKey !== toKey) this.#remember(toKey, { name: was, until: at });
    return true;
  }

  /** The names ignored, as typed, sorted. */
  get names(): string[] {
    return [...this.#names.values()].sort((a, b) => a.localeCompare(b));
  }

  /** The list to remember: the names ignored, sorted, then the former names of each. */
  get entries(): IgnoreEntry[] {
    const formers = this.names.flatMap((now) =>
      (this.#formerly.get(nameKey(now)) ?? []).map((former) => ({ ...former, now }))
    );
    return [...this.names, ...formers];
  }

  /** Keeps `former` as a name of the person ignored as `key` now, the same one once. */
  #remember(key: string, former: Former): void {
    const formers = this.#formerly.get(key) ?? [];
    const known = formers.some((kept) =>
      nameKey(kept.name) === nameKey(former.name) && kept.until === former.until
    );
    if (known) return;
    formers.push(former);
    formers.sort((a, b) => a.until - b.until);
    this.#formerly.set(key, formers.slice(-MAX_FORMER_NAMES));
  }
}
