/**
 * Room history: the {@linkcode HistoryStore} interface the hub writes to.
 * The stores are in memory_history.ts (one ring per room, in memory) and
 * sqlite_history.ts (a file). Private messages are never stored: names are
 * not accounts, so whoever later takes a name could read what was sent to it.
 *
 * @module
 */

import type { MessageFrame } from "../../protocol.ts";
import type { SearchOptions, SearchQuery, SearchResult } from "./search.ts";

/** Where the hub keeps room messages. Durable stores implement the same. */
export interface HistoryStore extends Disposable {
  /**
   * The largest id stored, or 0; the hub continues numbering after it. A store
   * that keeps a mark of the ids it reserved starts from the mark, so ids
   * never go back even when stored messages were lost.
   */
  lastId(): number;
  /** Stores one message; returns once it is stored. */
  append(message: MessageFrame): void;
  /**
   * Stores `messages`, in order, in one write: all of them, or, throwing,
   * none. A store has this when a write of many costs little more than a
   * write of one (a file, where each write is a transaction): the hub then
   * stores the room messages of a turn of the event loop together.
   */
  appendAll?(messages: readonly MessageFrame[]): void;
  /**
   * Records that `id` was given to a message that is not stored (a private
   * one), so that it is never given out again, even after a crash; throws,
   * like `append`, when it cannot.
   */
  reserve(id: number): void;
  /** The last `limit` messages of `room`, oldest first. */
  recent(room: string, limit: number): MessageFrame[];
  /** Up to `limit` messages of `room` with an id above `afterId`, oldest first. */
  since(room: string, afterId: number, limit: number): MessageFrame[];
  /**
   * The id of the newest message of `room` that the store was given and no
   * longer keeps (trimmed by a retention rule, or pushed out by newer ones),
   * or 0 when it keeps every one: a replay after a lower id cannot give all
   * that came after it.
   */
  forgotten(room: string): number;
  /**
   * Where the last `limit` messages of `room` begin, so they can be read in
   * pages with {@linkcode HistoryStore.since}: the id just before the first
   * of them, and how many there are.
   */
  tail(room: string, limit: number): { after: number; count: number };
  /**
   * Up to `limit` messages of `room` that match `query` under the search rule
   * (server/search.ts), newest last; text the rule refuses finds nothing.
   */
  search(room: string, query: string, limit: number): MessageFrame[];
  /** The newest matches of `query` in `room`, examining at most `options.budget` candidates. */
  find(room: string, query: SearchQuery, options: SearchOptions): SearchResult<MessageFrame>;
  /**
   * What {@linkcode HistoryStore.find} gives, worked out away from the event
   * loop, for a store whose searches may take long whatever their budget (a
   * file of millions of messages). The hub searches with it when there is
   * one; without it, `find` must cost the event loop little.
   */
  findAsync?(
    room: string,
    query: SearchQuery,
    options: SearchOptions,
  ): Promise<SearchResult<MessageFrame>>;
  /**
   * Does one bounded step of what a search of `room` needs done first
   * (bringing a word index up to date), so that a caller can spread it over
   * turns of the event loop; returns whether nothing is left to do. A store
   * without this needs nothing.
   */
  prepareSearch?(room: string): boolean;
  /**
   * The stored messages whose client message id is `cid`, newest first, at
   * most {@linkcode MAX_CID_MATCHES}: a sender's id may be reused by others.
   */
  withCid(cid: string): MessageFrame[];
  /**
   * The notes of `kind` kept with the history (bans, room topics), as
   * `[key, value]` pairs in the order they were first written.
   */
  notes(kind: string): [key: string, value: string][];
  /** Keeps `value` as the note `key` of `kind`, or forgets it when `value` is `undefined`. */
  note(kind: string, key: string, value: string | undefined): void;
}

/** Most messages {@linkcode HistoryStore.withCid} returns, which bounds the cost of a lookup. */
export const MAX_CID_MATCHES = 16;
