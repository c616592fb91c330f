/**
 * The search rule, in one place: how the text of `/search` (or of a `search`
 * frame) is read and bounded, and how a history store walks its full-text
 * index within a budget. Both stores index text with SQLite's FTS5 and the
 * same tokenizer, so they answer every query the same way.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { sanitizeText } from "../../core/sanitize.ts";

/** Longest search text, in UTF-16 code units after cleaning. */
export const MAX_SEARCH_LENGTH = 256;

/** Most messages one search returns. */
export const MAX_SEARCH_RESULTS = 50;

/** Most distinct words in one search. */
export const MAX_SEARCH_WORDS = 8;

/** Shortest word, in code points, that also finds longer words starting with it. */
export const MIN_PREFIX_LENGTH = 3;

/**
 * Most candidates one search examines: messages of the room holding every
 * word, newest first. It bounds the work of a search whatever the query.
 */
export const SEARCH_BUDGET = 1_000;

/** Searches one connection may run back to back before pacing starts. */
export const SEARCH_BURST = 5;

/** Milliseconds between searches of one connection once its burst is spent. */
export const SEARCH_INTERVAL_MS = 1_000;

/**
 * Searches the server has on hand at once, running or waiting for the
 * search thread, from every connection together: past it, a search gets
 * `rate_limited`. At about half a second each on a file of a million
 * messages, the last of them is answered within a few seconds.
 */
export const MAX_SEARCHES_AT_ONCE = 8;

/** Of {@linkcode MAX_SEARCHES_AT_ONCE}, the most that the connections of one address may have. */
export const MAX_SEARCHES_PER_ADDRESS = 4;

/**
 * Share of the event loop's time that searches run on it may take, over a
 * second or more: the in-memory store's, of at most 2,000 messages a room,
 * which take up to about 0.1 s each for the costliest text.
 */
export const LOOP_SEARCH_SHARE = 0.25;

/** Milliseconds of searching on the event loop that may come at once, within that share. */
export const LOOP_SEARCH_BURST_MS = 250;

/**
 * Most different stored words that the prefix words of one search may start,
 * all together. FTS5 merges the entries of every such word before it yields a
 * match, so a history crafted with millions of words that share a start would
 * otherwise make one short word cost seconds.
 */
export const MAX_PREFIX_WORDS = 2_000;

/** The FTS5 tokenizer both history stores index text with. */
export const SEARCH_TOKENIZER = "unicode61 remove_diacritics 2";

/** A search the rule accepted. */
export interface SearchQuery {
  /** The text as cleaned, for quoting back to the user. */
  readonly text: string;
  /** The distinct words, lowercased, in the order typed. */
  readonly words: readonly string[];
  /**
   * The FTS5 expression: every word of the index quoted, those long enough as
   * prefixes; empty when every word is one of {@linkcode SearchQuery.inside}.
   */
  readonly match: string;
  /**
   * The words looked for anywhere in a message's text rather than in the
   * index, folded by {@linkcode foldText}: those with letters of a script
   * written without spaces between words.
   */
  readonly inside: readonly string[];
  /** The words that match as prefixes, those of {@linkcode MIN_PREFIX_LENGTH} or more characters. */
  readonly prefixes: readonly string[];
}

/** The result of {@linkcode parseSearch}. */
export type SearchCheck =
  | { ok: true; query: SearchQuery }
  | { ok: false; code: "bad_command" | "text_invalid"; message: string };

// Runs of letters, digits and marks: FTS5's unicode61 splits text on the rest.
// A run must start with a letter or digit: a mark alone (the variation
// selector of an emoji such as ❤️) is no word to look for.
const WORD = /[\p{L}\p{N}\p{Co}][\p{L}\p{N}\p{M}\p{Co}]*/gu;

// Scripts written without spaces between words (Chinese, Japanese, Thai, Lao,
// Khmer, Burmese), and Korean, whose words take their endings unspaced. The
// index holds a whole run of them as one word, so "午饭" would find nothing in
// "我们去吃午饭吧": a search word with one of these letters is looked for
// anywhere in the text instead.
const RUN_ON =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

/** `text` as words of {@linkcode SearchQuery.inside} are looked for in it: NFKC, lower case. */
export function foldText(text: string): string {
  return text.normalize("NFKC").toLowerCase();
}

/** Whether `text` holds every one of `words` (folded by {@linkcode foldText}) somewhere. */
export function holdsAll(text: string, words: readonly string[]): boolean {
  if (words.length === 0) return true;
  const folded = foldText(text);
  return words.every((word) => folded.includes(word));
}

/**
 * Reads search text under the search rule: at most {@linkcode MAX_SEARCH_LENGTH}
 * characters and {@linkcode MAX_SEARCH_WORDS} distinct words, where a word is a
 * run of letters and digits; words of {@linkcode MIN_PREFIX_LENGTH} or more
 * characters also match the start of longer words, shorter ones whole words
 * only; a word in a script written without spaces (Chinese, Japanese, Thai,
 * Korean …) matches anywhere in a message. Nothing typed is read as query
 * syntax.
 */
export function parseSearch(raw: string): SearchCheck {
  const text = sanitizeText(raw).trim();
  if (text === "") return { ok: false, code: "bad_command", message: "Usage: /search TEXT" };
  const quoted = JSON.stringify([...text].slice(0, 40).join("") + (text.length > 40 ? "…" : ""));
  if (text.length > MAX_SEARCH_LENGTH) {
    return {
      ok: false,
      code: "text_invalid",
      message:
        `Cannot search for ${quoted}: a search can have at most ${MAX_SEARCH_LENGTH} characters`,
    };
  }
  const words = [...new Set(text.toLowerCase().match(WORD) ?? [])];
  if (words.length === 0) {
    return {
      ok: false,
      code: "text_invalid",
      message: `Cannot search for ${quoted}: it has no letters or digits to look for`,
    };
  }
  if (words.length > MAX_SEARCH_WORDS) {
    return {
      ok: false,
      code: "text_invalid",
      message: `Cannot search for ${quoted}: a search can have at most ${MAX_SEARCH_WORDS} words`,
    };
  }
  const indexed = words.filter((word) => !RUN_ON.test(word));
  const inside = [...new Set(words.filter((word) => RUN_ON.test(word)).map(foldText))];
  // Each word is a quoted string, so FTS5 reads no operator, column or phrase syntax in it.
  const prefixes = indexed.filter((word) => [...word].length >= MIN_PREFIX_LENGTH);
  const match = indexed.map((word) => `"${word}"${prefixes.includes(word) ? "*" : ""}`).join(" ");
  return { ok: true, query: { text, words, match, inside, prefixes } };
}

/** Limits of one search. */
export interface SearchOptions {
  /** Most messages to return. */
  limit: number;
  /** Most candidates to examine. @default {SEARCH_BUDGET} */
  budget?: number;
  /** Most stored words the prefix words may start. @default {MAX_PREFIX_WORDS} */
  prefixWords?: number;
}

/** What a search found. */
export interface SearchResult<T> {
  /** The newest matches, oldest first. */
  found: T[];
  /**
   * Set when the budget ran out before the room's oldest message: how many
   * of the room's newest messages were searched.
   */
  searched?: number;
  /**
   * Set with `searched` when those are all the messages the store searches
   * in the room (the word index of `--memory` holds the newest 2,000): more
   * words would not search further back.
   */
  window?: true;
  /**
   * Set when more messages match than `limit`: one more was found within
   * the budget. How many more is not counted, which could take unbounded work.
   */
  more?: true;
  /** Set, and nothing searched, when this prefix word starts too many stored words. */
  tooBroad?: string;
}

/** What {@linkcode collectMatches} gathered. */
export interface Collected<T> {
  /** The newest matches, oldest first. */
  found: T[];
  /** Set when the budget ran out: the id of the oldest candidate examined. */
  stoppedAt?: number;
  /** Set when a match past the `limit` kept was found within the budget. */
  more?: true;
}

/**
 * Walks `candidates` (messages holding every word, newest first),
 * keeping those `accept` returns, until `limit` are kept and one more is
 * found, or `budget` candidates have been examined.
 */
export function collectMatches<R extends { id: number }, T>(
  candidates: Iterable<R>,
  accept: (candidate: R) => T | undefined,
  options: SearchOptions,
): Collected<T> {
  const budget = options.budget ?? SEARCH_BUDGET;
  const found: T[] = [];
  if (options.limit <= 0) return { found };
  let examined = 0;
  let last = 0;
  // Leaving the loop early closes the statement's iterator.
  for (const candidate of candidates) {
    if (examined === budget) return { found: found.reverse(), stoppedAt: last };
    examined++;
    last = candidate.id;
    const match = accept(candidate);
    if (match === undefined) continue;
    // One match past the limit, looked for within the same budget, says there are more.
    if (found.length === options.limit) return { found: found.reverse(), more: true };
    found.push(match);
  }
  return { found: found.reverse() };
}

/**
 * Paces the searches of one connection, so that it cannot keep the server
 * searching: {@linkcode SEARCH_BURST} at once, then one every
 * {@linkcode SEARCH_INTERVAL_MS}.
 */
export class SearchPace {
  #tokens = SEARCH_BURST;
  #at: number;

  /** @param now The clock in milliseconds when the connection first searches. */
  constructor(now: number) {
    this.#at = now;
  }

  /** Takes one search at `now`: 0 if it may run, else how many milliseconds until one may. */
  take(now: number): number {
    this.#refill(now);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.#tokens) * SEARCH_INTERVAL_MS);
  }

  #refill(now: number): void {
    const elapsed = Math.max(0, now - this.#at);
    this.#at = Math.max(this.#at, now);
    this.#tokens = Math.min(SEARCH_BURST, this.#tokens + elapsed / SEARCH_INTERVAL_MS);
  }
}

/**
 * The searches the server has on hand, within {@linkcode MAX_SEARCHES_AT_ONCE}
 * in all and {@linkcode MAX_SEARCHES_PER_ADDRESS} from one address, so that
 * neither many connections nor one address can pile up work.
 */
export class SearchSlots {
  #taken = 0;
  readonly #byAddress = new Map<string, number>();

  /** Whether a search from `address` would get a slot now. */
  free(address: string): boolean {
    return this.#taken < MAX_SEARCHES_AT_ONCE &&
      (this.#byAddress.get(address) ?? 0) < MAX_SEARCHES_PER_ADDRESS;
  }

  /** Takes a slot for a search from `address`; `false` when there is none. */
  take(address: string): boolean {
    if (!this.free(address)) return false;
    this.#taken++;
    this.#byAddress.set(address, (this.#byAddress.get(address) ?? 0) + 1);
    return true;
  }

  /** Gives back the slot of a search from `address` once it is answered. */
  release(address: string): void {
    const left = (this.#byAddress.get(address) ?? 0) - 1;
    if (left > 0) this.#byAddress.set(address, left);
    else this.#byAddress.delete(address);
    this.#taken = Math.max(0, this.#taken - 1);
  }
}

/**
 * The time searches take on the event loop, from every connection together:
 * {@linkcode LOOP_SEARCH_BURST_MS} at once, then {@linkcode LOOP_SEARCH_SHARE}
 * of the time, so that many connections searching at once cannot take it all.
 */
export class SearchShare {
  #left = LOOP_SEARCH_BURST_MS;
  #at: number;

  /** @param now The clock in milliseconds when the server starts. */
  constructor(now: number) {
    this.#at = now;
  }

  /** Whether a search may run at `now`: not while the searches before it took more than their share. */
  free(now: number): boolean {
    this.#refill(now);
    return this.#left > 0;
  }

  /** Counts `ms` of searching that ended at `now`. */
  spend(ms: number, now: number): void {
    this.#refill(now);
    this.#left -= ms;
  }

  #refill(now: number): void {
    const elapsed = Math.max(0, now - this.#at);
    this.#at = Math.max(this.#at, now);
    this.#left = Math.min(LOOP_SEARCH_BURST_MS, this.#left + elapsed * LOOP_SEARCH_SHARE);
  }
}

/**
 * Counts the stored words that the prefix words of a search start, in an
 * FTS5 index, folding case and accents as FTS5 itself does.
 */
export class PrefixCounter {
  readonly #fold: StatementSync;
  readonly #folded: StatementSync;
  readonly #clear: StatementSync;
  readonly #terms: StatementSync;

  /**
   * @param db The connection that holds the index; the counter adds tables to its `temp` schema.
   * @param table The FTS5 table in `main`.
   */
  constructor(db: DatabaseSync, table: string) {
    db.exec(
      `CREATE VIRTUAL TABLE temp.search_fold USING fts5(word, tokenize = '${SEARCH_TOKENIZER}');` +
        "CREATE VIRTUAL TABLE temp.search_fold_terms USING fts5vocab(temp, search_fold, instance);" +
        `CREATE VIRTUAL TABLE temp.search_terms USING fts5vocab(main, ${table}, row);`,
    );
    this.#fold = db.prepare("INSERT INTO temp.search_fold (rowid, word) VALUES (?, ?)");
    this.#folded = db.prepare(
      "SELECT doc, term FROM temp.search_fold_terms ORDER BY doc, offset",
    );
    this.#clear = db.prepare("DELETE FROM temp.search_fold");
    this.#terms = db.prepare("SELECT term FROM temp.search_terms WHERE term >= ? AND term < ?");
  }

  /**
   * The first prefix word of `query` at which the stored words started so
   * far exceed `max`; `undefined` when they do not.
   */
  tooBroad(query: SearchQuery, max = MAX_PREFIX_WORDS): string | undefined {
    if (query.prefixes.length === 0) return undefined;
    // FTS5 folds each word to the form it indexes; a prefix applies to its last token.
    const folded = new Map<number, string>();
    try {
      query.prefixes.forEach((word, i) => this.#fold.run(i + 1, word));
      for (const { doc, term } of this.#folded.all() as { doc: number; term: string }[]) {
        folded.set(doc, term);
      }
    } finally {
      this.#clear.run();
    }
    let count = 0;
    for (const [i, word] of query.prefixes.entries()) {
      const start = folded.get(i + 1);
      if (start === undefined) continue;
      for (const _ of this.#terms.iterate(start, `${start}\u{10FFFF}`)) {
        if (++count > max) return word;
      }
    }
    return undefined;
  }
}
