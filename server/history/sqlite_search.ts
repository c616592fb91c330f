/**
 * Searching the history file: the search rule's walk over its word index
 * ({@linkcode FileSearch}), and the thread that runs it away from the event
 * loop ({@linkcode SearchThread}). One search of a common prefix over a
 * million messages takes FTS5 a fraction of a second before its first row,
 * whatever the budget: on the event loop, everyone would wait for it.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { MessageFrame } from "../../protocol.ts";
import {
  collectMatches,
  holdsAll,
  PrefixCounter,
  type SearchOptions,
  type SearchQuery,
  type SearchResult,
} from "./search.ts";
import { roomKey, type Row, toFrame } from "./sqlite_schema.ts";

/** The search rule over the word index of one connection to the history file. */
export class FileSearch {
  readonly #search: StatementSync;
  readonly #newest: StatementSync;
  readonly #byId: StatementSync;
  readonly #newer: StatementSync;
  readonly #any: StatementSync;
  readonly #prefixes: PrefixCounter;

  /** @param db A connection to the history file; a read-only one will do. */
  constructor(db: DatabaseSync) {
    // Newest first, so a search stops at its limit or budget without collecting every match.
    this.#search = db.prepare(
      "SELECT messages_text.rowid AS id, m.room = ? AS here, m.text AS text FROM messages_text " +
        "JOIN messages m ON m.id = messages_text.rowid " +
        "WHERE messages_text MATCH ? ORDER BY messages_text.rowid DESC",
    );
    this.#newest = db.prepare(
      "SELECT id, 1 AS here, text FROM messages WHERE room = ? ORDER BY id DESC",
    );
    this.#byId = db.prepare("SELECT * FROM messages WHERE id = ?");
    this.#newer = db.prepare("SELECT count(*) AS n FROM messages WHERE room = ? AND id >= ?");
    this.#any = db.prepare("SELECT 1 FROM messages WHERE room = ? LIMIT 1");
    this.#prefixes = new PrefixCounter(db, "messages_text");
  }

  /** The newest matches of `query` in `room`, examining at most `options.budget` candidates. */
  find(room: string, query: SearchQuery, options: SearchOptions): SearchResult<MessageFrame> {
    if (this.#any.get(room) === undefined) return { found: [] };
    const tooBroad = this.#prefixes.tooBroad(query, options.prefixWords);
    if (tooBroad !== undefined) return { found: [], tooBroad };
    // The room's messages holding every word of the index, newest first; all of them when
    // no word is for the index.
    const candidates = query.match === ""
      ? this.#newest.iterate(room)
      : this.#search.iterate(room, `room_key : "${roomKey(room)}" AND text : (${query.match})`);
    const { found, stoppedAt, more } = collectMatches(
      candidates as Iterable<{ id: number; here: number; text: string }>,
      ({ id, here, text }) => here && holdsAll(text, query.inside) ? id : undefined,
      options,
    );
    const messages = found.map((id) => toFrame(this.#byId.get(id) as unknown as Row));
    if (more) return { found: messages, more };
    if (stoppedAt === undefined) return { found: messages };
    const { n } = this.#newer.get(room, stoppedAt) as { n: number };
    return { found: messages, searched: n };
  }
}

/** One search for the {@linkcode SearchThread}'s worker (search_worker.ts). */
export interface SearchJob {
  readonly id: number;
  /** The history file, opened read-only for the search. */
  readonly path: string;
  readonly room: string;
  readonly query: SearchQuery;
  readonly options: SearchOptions;
}

/** What the worker answers a {@linkcode SearchJob}: what it found, or why it could not search. */
export type SearchReply =
  | { readonly id: number; readonly result: SearchResult<MessageFrame> }
  | { readonly id: number; readonly error: string };

/**
 * How long the search thread is kept once it has nothing to do, in
 * milliseconds: it holds a JavaScript heap of its own, which a server
 * nobody searches need not keep.
 */
const IDLE_MS = 60_000;

/**
 * Runs searches of the history file at `path` one after another on a
 * thread of their own, each with a read-only connection to the file opened
 * for it (SQLite's WAL lets it read while the server writes), so that the
 * event loop only hands a search over and takes its answer back. The
 * thread starts with the first search.
 */
export class SearchThread implements Disposable {
  readonly #path: string;
  #worker: Worker | undefined;
  readonly #pending = new Map<
    number,
    { resolve(result: SearchResult<MessageFrame>): void; reject(error: Error): void }
  >();
  #lastId = 0;
  #idle: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  /** @param path The history file. */
  constructor(path: string) {
    this.#path = path;
  }

  /** Searches, as {@linkcode FileSearch.find} does, on the thread. */
  find(
    room: string,
    query: SearchQuery,
    options: SearchOptions,
  ): Promise<SearchResult<MessageFrame>> {
    if (this.#closed) return Promise.reject(new Error("Cannot search: the history is closed"));
    clearTimeout(this.#idle);
    this.#idle = undefined;
    const worker = this.#worker ??= this.#start();
    const id = ++this.#lastId;
    const job: SearchJob = { id, path: this.#path, room, query, options };
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage(job);
    });
  }

  #start(): Worker {
    const worker = new Worker(new URL("./search_worker.ts", import.meta.url), {
      type: "module",
      name: "search",
    });
    worker.onmessage = ({ data }: MessageEvent<SearchReply>) => {
      const waiting = this.#pending.get(data.id);
      this.#pending.delete(data.id);
      if ("error" in data) waiting?.reject(new Error(data.error));
      else waiting?.resolve(data.result);
      if (this.#pending.size === 0 && this.#worker === worker) {
        this.#idle = setTimeout(() => this.#stop(), IDLE_MS);
        Deno.unrefTimer(this.#idle as unknown as number);
      }
    };
    worker.onerror = (event) => {
      // The thread died (out of memory, say): its searches fail, the next one starts another.
      event.preventDefault();
      this.#stop(new Error(`Cannot search: the search thread failed: ${event.message}`));
    };
    return worker;
  }

  /** Ends the thread; searches still under way fail with `error`. */
  #stop(error = new Error("Cannot search: the history is closed")): void {
    clearTimeout(this.#idle);
    this.#idle = undefined;
    this.#worker?.terminate();
    this.#worker = undefined;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const { reject } of pending) reject(error);
  }

  /** Ends the thread, failing the searches under way; later searches fail at once. */
  [Symbol.dispose](): void {
    this.#closed = true;
    this.#stop();
  }
}
