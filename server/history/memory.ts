/**
 * The in-memory history: the last messages of each room, with a word index of
 * each room searched, and a total for all rooms together.
 *
 * @module
 */

import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { MessageFrame } from "../../protocol.ts";
import { type HistoryStore, MAX_CID_MATCHES } from "./store.ts";
import {
  collectMatches,
  holdsAll,
  parseSearch,
  PrefixCounter,
  SEARCH_TOKENIZER,
  type SearchOptions,
  type SearchQuery,
  type SearchResult,
} from "./search.ts";

/** The full-text index of a {@linkcode MemoryHistory}: SQLite's FTS5, in memory. */
class TextIndex implements Disposable {
  readonly #db = new DatabaseSync(":memory:");
  readonly #insert: StatementSync;
  readonly #merge: StatementSync;
  readonly #delete: StatementSync;
  readonly #match: StatementSync;
  #prefixes: PrefixCounter | undefined;

  constructor() {
    // Contentless: the texts stay in the history's own arrays, only the index is here.
    this.#db.exec(
      "CREATE VIRTUAL TABLE texts USING fts5(text, content = '', contentless_delete = 1, " +
        `tokenize = '${SEARCH_TOKENIZER}')`,
    );
    // FTS5 merges its segments as they pile up, now and then for 10 ms at once; here each
    // update merges a little instead, so that no step of a catch-up takes long.
    this.#db.exec("INSERT INTO texts (texts, rank) VALUES ('automerge', 0)");
    this.#merge = this.#db.prepare("INSERT INTO texts (texts, rank) VALUES ('merge', 16)");
    this.#insert = this.#db.prepare("INSERT INTO texts (rowid, text) VALUES (?, ?)");
    this.#delete = this.#db.prepare("DELETE FROM texts WHERE rowid = ?");
    this.#match = this.#db.prepare(
      "SELECT rowid AS id FROM texts WHERE texts MATCH ? ORDER BY rowid DESC",
    );
  }

  /** Adds `added` texts and removes the `removed` ids, in one transaction (five times faster). */
  update(added: readonly MessageFrame[], removed: readonly number[]): void {
    if (added.length === 0 && removed.length === 0) return;
    this.#db.exec("BEGIN");
    try {
      for (const id of removed) this.#delete.run(id);
      for (const message of added) this.#insert.run(message.id, message.text);
      this.#merge.run();
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /** The first prefix word of `query` that starts more than `max` indexed words, if any. */
  tooBroad(query: SearchQuery, max?: number): string | undefined {
    this.#prefixes ??= new PrefixCounter(this.#db, "texts");
    return this.#prefixes.tooBroad(query, max);
  }

  /** Ids of the texts holding every word of `match`, newest first. */
  candidates(match: string): Iterable<{ id: number }> {
    return this.#match.iterate(match) as Iterable<{ id: number }>;
  }

  [Symbol.dispose](): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

/** The position of the message with `id` among `messages` (in id order) from `from` on, or -1. */
function findId(messages: readonly MessageFrame[], id: number, from: number): number {
  let low = from;
  let high = messages.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (messages[middle]!.id < id) low = middle + 1;
    else high = middle;
  }
  return messages[low]?.id === id ? low : -1;
}

/** `messages` (in id order) from the newest to the oldest. */
function* newestFirst(messages: readonly MessageFrame[]): Generator<MessageFrame> {
  for (let i = messages.length - 1; i >= 0; i--) yield messages[i]!;
}

/** How many of `messages` (in id order), the newest ones, have an id of `id` or more. */
function countFrom(messages: readonly MessageFrame[], id: number): number {
  let count = 0;
  while (count < messages.length && messages[messages.length - 1 - count]!.id >= id) count++;
  return count;
}

/**
 * Messages of a room its word index covers at most: the newest ones. A search
 * brings the index up to date first, so this bounds what one search may add.
 */
const INDEX_WINDOW = 2_000;

/** The word index of one room's messages, and which of them it holds. */
interface RoomIndex {
  readonly index: TextIndex;
  /** The ids in the index, oldest first. */
  ids: number[];
}

/**
 * Bytes of messages a {@linkcode MemoryHistory} holds in all rooms together,
 * by default: rooms are many and each may fill its window with long
 * messages, so without a total a flood of new rooms grows the server without
 * end.
 */
export const MEMORY_HISTORY_BYTES = 64 * 1024 * 1024;

/** The memory a kept message takes, about: its strings (two bytes a character) and the object. */
function weight(message: MessageFrame): number {
  return 160 + 2 * (message.text.length + message.from.length + (message.cid?.length ?? 0));
}

/** Rooms whose word index is kept between searches; the least recently searched goes first. */
const INDEXES_KEPT = 16;

/**
 * How long one step of bringing a word index up to date may go on adding
 * texts, in milliseconds: a room of 2,000 messages of 4 KB took 0.7 s to
 * index in one go. Texts are added a batch at a time, so a step ends within
 * about one batch of this (`deno run -A bench/run_search.ts --memory 2000`).
 */
const INDEX_STEP_MS = 3;

/** Texts added to a word index at once during a step: up to this many bytes, or messages. */
const INDEX_BATCH = { bytes: 8 * 1024, messages: 64 };

/**
 * Rooms whose newest forgotten message is remembered one by one; past that,
 * the room remembered longest ago goes, and the history takes every message
 * up to its mark for forgotten in every room: a flood of rooms costs no
 * memory without end, only a notice too many for someone coming back from
 * before it.
 */
const FORGOTTEN_ROOMS = 10_000;

/** Options of a {@linkcode MemoryHistory}. */
export interface MemoryHistoryOptions {
  /** Bytes of messages kept in all rooms together, about. @default {MEMORY_HISTORY_BYTES} */
  maxBytes?: number;
}

/**
 * Keeps the last `capacity` messages of each room in memory, with a word
 * index of each room, and at most {@linkcode MEMORY_HISTORY_BYTES} of them in
 * all: past that, the room that holds the most loses its oldest first. A
 * room's index is brought up to date when the room is searched, not on every
 * message: adding a text to an index costs about 30 microseconds alone (6 in
 * a batch), which every message would pay while searches are rare. Unlike
 * SQLite's one index, each room has its own, so the search budget and the
 * count of words a prefix starts are the room's own.
 */
export class MemoryHistory implements HistoryStore {
  readonly #capacity: number;
  readonly #maxBytes: number;
  readonly #rooms = new Map<string, MessageFrame[]>();
  /** What the messages of each room weigh (see `weight`), and all of them. */
  readonly #weights = new Map<string, number>();
  #weight = 0;
  /** The word index of each room searched lately, the least recently searched first. */
  readonly #indexes = new Map<string, RoomIndex>();
  /** The kept messages that have a client message id, by that id, oldest first. */
  readonly #byCid = new Map<string, MessageFrame[]>();
  /** The id of the newest message dropped from each room, the room dropped from last, last. */
  readonly #forgotten = new Map<string, number>();
  /** Every message up to this id is taken for forgotten (see {@linkcode FORGOTTEN_ROOMS}). */
  #forgottenEverywhere = 0;
  #lastId = 0;

  /** @param capacity Messages kept per room. */
  constructor(capacity: number, options: MemoryHistoryOptions = {}) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(
        `Cannot create history: capacity must be an integer >= 0, received ${capacity}`,
      );
    }
    this.#capacity = capacity;
    this.#maxBytes = options.maxBytes ?? MEMORY_HISTORY_BYTES;
  }

  lastId(): number {
    return this.#lastId;
  }

  /** About how many bytes the messages held take, in all rooms (at most the total it was given). */
  get bytes(): number {
    return this.#weight;
  }

  reserve(id: number): void {
    this.#lastId = Math.max(this.#lastId, id);
  }

  append(message: MessageFrame): void {
    this.#lastId = Math.max(this.#lastId, message.id);
    if (this.#capacity === 0) return this.#forget(message.room, message.id);
    let messages = this.#rooms.get(message.room);
    if (messages === undefined) {
      messages = [];
      this.#rooms.set(message.room, messages);
    }
    messages.push(message);
    if (message.cid !== undefined) {
      const same = this.#byCid.get(message.cid) ?? [];
      same.push(message);
      if (same.length > MAX_CID_MATCHES) same.shift();
      this.#byCid.set(message.cid, same);
    }
    this.#weigh(message.room, weight(message));
    // The message that this one pushes out of the room's window is forgotten.
    const gone = messages[messages.length - this.#capacity - 1];
    if (gone?.cid !== undefined) this.#forgetCid(gone);
    // Trim in batches so appends stay O(1) amortised.
    if (messages.length >= this.#capacity * 2) {
      this.#drop(message.room, messages, messages.length - this.#capacity);
    }
    if (this.#weight > this.#maxBytes) this.#shed();
  }

  recent(room: string, limit: number): MessageFrame[] {
    if (limit <= 0) return [];
    return this.#kept(room).slice(-limit);
  }

  since(room: string, afterId: number, limit: number): MessageFrame[] {
    if (limit <= 0) return [];
    const messages = this.#rooms.get(room) ?? [];
    // Ids grow along the array: find the first one above `afterId` by halving.
    let low = Math.max(0, messages.length - this.#capacity);
    let high = messages.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (messages[middle]!.id > afterId) high = middle;
      else low = middle + 1;
    }
    return messages.slice(low, low + limit);
  }

  forgotten(room: string): number {
    const messages = this.#rooms.get(room) ?? [];
    // Pushed out of the window, though still in the array until the next batch is dropped.
    const out = messages[messages.length - this.#capacity - 1]?.id ?? 0;
    return Math.max(out, this.#forgotten.get(room) ?? 0, this.#forgottenEverywhere);
  }

  tail(room: string, limit: number): { after: number; count: number } {
    const messages = this.#rooms.get(room) ?? [];
    const count = Math.max(0, Math.min(limit, this.#capacity, messages.length));
    if (count === 0) return { after: this.#lastId, count: 0 };
    return { after: messages[messages.length - count]!.id - 1, count };
  }

  search(room: string, query: string, limit: number): MessageFrame[] {
    const checked = parseSearch(query);
    return checked.ok ? this.find(room, checked.query, { limit }).found : [];
  }

  find(room: string, query: SearchQuery, options: SearchOptions): SearchResult<MessageFrame> {
    const messages = this.#rooms.get(room);
    if (messages === undefined) return { found: [] };
    const kept = this.#kept(room);
    const holds = (message: MessageFrame | undefined) =>
      message !== undefined && holdsAll(message.text, query.inside) ? message : undefined;
    if (query.match === "") {
      // No word of the index: the room's messages are the candidates, newest first.
      const { found, stoppedAt, more } = collectMatches(newestFirst(kept), holds, options);
      if (more) return { found, more };
      return stoppedAt === undefined ? { found } : { found, searched: countFrom(kept, stoppedAt) };
    }
    const { index, ids } = this.#catchUp(room, messages);
    const tooBroad = index.tooBroad(query, options.prefixWords);
    if (tooBroad !== undefined) return { found: [], tooBroad };
    const from = messages.length - ids.length;
    const { found, stoppedAt, more } = collectMatches(
      index.candidates(query.match),
      ({ id }) => holds(messages[findId(messages, id, from)]),
      options,
    );
    if (more) return { found, more };
    if (stoppedAt === undefined) {
      // Older messages than the index covers were not searched: some of them may match too.
      return ids.length < kept.length ? { found, searched: ids.length, window: true } : { found };
    }
    return { found, searched: countFrom(kept, stoppedAt) };
  }

  withCid(cid: string): MessageFrame[] {
    return (this.#byCid.get(cid) ?? []).toReversed();
  }

  readonly #notes = new Map<string, Map<string, string>>();

  notes(kind: string): [key: string, value: string][] {
    return [...this.#notes.get(kind) ?? []];
  }

  note(kind: string, key: string, value: string | undefined): void {
    let notes = this.#notes.get(kind);
    if (notes === undefined) this.#notes.set(kind, notes = new Map());
    if (value === undefined) notes.delete(key);
    else notes.set(key, value);
  }

  prepareSearch(room: string): boolean {
    const messages = this.#rooms.get(room);
    return messages === undefined || this.#catchUp(room, messages, INDEX_STEP_MS).done;
  }

  [Symbol.dispose](): void {
    this.#rooms.clear();
    this.#forgotten.clear();
    this.#weights.clear();
    this.#weight = 0;
    this.#byCid.clear();
    for (const { index } of this.#indexes.values()) index[Symbol.dispose]();
    this.#indexes.clear();
  }

  /**
   * Brings the word index of `room` up to date: the newest of `messages`, up
   * to {@linkcode INDEX_WINDOW} and the capacity, are in it and no others.
   */
  #catchUp(
    room: string,
    messages: readonly MessageFrame[],
    stepMs?: number,
  ): RoomIndex & { done: boolean } {
    let state = this.#indexes.get(room);
    if (state === undefined) {
      state = { index: new TextIndex(), ids: [] };
    }
    // Searched now: the most recently searched, and the least recently so goes if too many.
    this.#indexes.delete(room);
    this.#indexes.set(room, state);
    if (this.#indexes.size > INDEXES_KEPT) {
      const [oldest, { index }] = this.#indexes.entries().next().value!;
      index[Symbol.dispose]();
      this.#indexes.delete(oldest);
    }
    const start = Math.max(0, messages.length - Math.min(this.#capacity, INDEX_WINDOW));
    const first = messages[start]?.id ?? Infinity;
    const ids = state.ids;
    let gone = 0;
    while (gone < ids.length && ids[gone]! < first) gone++;
    const last = ids.at(-1) ?? -Infinity;
    let from = messages.length;
    while (from > start && messages[from - 1]!.id > last) from--;
    let to = messages.length;
    if (stepMs === undefined) {
      state.index.update(messages.slice(from), ids.slice(0, gone));
    } else {
      // Oldest first, a batch at a time, while the step lasts: the next steps add the rest.
      const began = performance.now();
      let removed = ids.slice(0, gone);
      to = from;
      let more = true;
      while (more) {
        let end = to;
        let bytes = 0;
        while (
          end < messages.length && end - to < INDEX_BATCH.messages && bytes < INDEX_BATCH.bytes
        ) bytes += messages[end++]!.text.length;
        state.index.update(messages.slice(to, end), removed);
        removed = [];
        to = end;
        more = to < messages.length && performance.now() - began < stepMs;
      }
    }
    state.ids = ids.slice(gone).concat(messages.slice(from, to).map((message) => message.id));
    return { ...state, done: to === messages.length };
  }

  /** Adds `amount` to what `room` weighs. */
  #weigh(room: string, amount: number): void {
    this.#weights.set(room, (this.#weights.get(room) ?? 0) + amount);
    this.#weight += amount;
  }

  /** Removes the oldest `count` of `messages`, the messages of `room`. */
  #drop(room: string, messages: MessageFrame[], count: number): void {
    const dropped = messages.splice(0, count);
    if (dropped.length > 0) this.#forget(room, dropped.at(-1)!.id);
    let amount = 0;
    for (const message of dropped) {
      amount += weight(message);
      if (message.cid !== undefined) this.#forgetCid(message);
    }
    this.#weigh(room, -amount);
    if (messages.length > 0) return;
    this.#rooms.delete(room);
    this.#weight -= this.#weights.get(room) ?? 0;
    this.#weights.delete(room);
    this.#indexes.get(room)?.index[Symbol.dispose]();
    this.#indexes.delete(room);
  }

  /**
   * Brings what all rooms weigh under the total: the room that weighs the
   * most loses its oldest quarter, again until it is. A flood of long
   * messages or of rooms pays for itself; quiet rooms keep theirs.
   */
  #shed(): void {
    while (this.#weight > this.#maxBytes) {
      let heaviest: string | undefined;
      let most = -1;
      for (const [room, amount] of this.#weights) {
        if (amount > most) [heaviest, most] = [room, amount];
      }
      const messages = heaviest === undefined ? undefined : this.#rooms.get(heaviest);
      if (messages === undefined) return;
      this.#drop(heaviest!, messages, Math.max(1, Math.ceil(messages.length / 4)));
    }
  }

  /** Remembers that the messages of `room` up to `id` are no longer kept. */
  #forget(room: string, id: number): void {
    const before = this.#forgotten.get(room) ?? 0;
    this.#forgotten.delete(room);
    this.#forgotten.set(room, Math.max(before, id));
    if (this.#forgotten.size <= FORGOTTEN_ROOMS) return;
    const [oldest, mark] = this.#forgotten.entries().next().value!;
    this.#forgotten.delete(oldest);
    this.#forgottenEverywhere = Math.max(this.#forgottenEverywhere, mark);
  }

  #forgetCid(gone: MessageFrame): void {
    const same = this.#byCid.get(gone.cid!);
    if (same === undefined) return;
    const left = same.filter((message) => message !== gone);
    if (left.length === 0) this.#byCid.delete(gone.cid!);
    else this.#byCid.set(gone.cid!, left);
  }

  #kept(room: string): MessageFrame[] {
    const messages = this.#rooms.get(room) ?? [];
    return messages.length > this.#capacity ? messages.slice(-this.#capacity) : messages;
  }
}
