/**
 * Room history: the {@linkcode HistoryStore} interface the hub writes to, and
 * an in-memory ring per room. Private messages are never stored: names are
 * not accounts, so whoever later takes a name could read what was sent to it.
 *
 * @module
 */

import { type MessageFrame } from "../protocol.ts";
import { nameKey } from "../names.ts";

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
  /** The last `limit` messages of `room`, oldest first. */
  recent(room: string, limit: number): MessageFrame[];
  /** Up to `limit` messages of `room` with an id above `afterId`, oldest first. */
  since(room: string, afterId: number, limit: number): MessageFrame[];
  /** Up to `limit` messages of `room` that contain every word of `query`, newest last. */
  search(room: string, query: string, limit: number): MessageFrame[];
}

/** Keeps the last `capacity` messages of each room in memory. */
export class MemoryHistory implements HistoryStore {
  readonly #capacity: number;
  readonly #rooms = new Map<string, MessageFrame[]>();
  #lastId = 0;

  /** @param capacity Messages kept per room. */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError(
        `Cannot create history: capacity must be an integer >= 0, received ${capacity}`,
      );
    }
    this.#capacity = capacity;
  }

  lastId(): number {
    return this.#lastId;
  }

  append(message: MessageFrame): void {
    this.#lastId = Math.max(this.#lastId, message.id);
    if (this.#capacity === 0) return;
    let messages = this.#rooms.get(message.room);
    if (messages === undefined) {
      messages = [];
      this.#rooms.set(message.room, messages);
    }
    messages.push(message);
    // Trim in batches so appends stay O(1) amortised.
    if (messages.length >= this.#capacity * 2) messages.splice(0, messages.length - this.#capacity);
  }

  recent(room: string, limit: number): MessageFrame[] {
    if (limit <= 0) return [];
    return this.#kept(room).slice(-limit);
  }

  since(room: string, afterId: number, limit: number): MessageFrame[] {
    if (limit <= 0) return [];
    return this.#kept(room).filter((message) => message.id > afterId).slice(0, limit);
  }

  search(room: string, query: string, limit: number): MessageFrame[] {
    const words = nameKey(query).split(/\s+/).filter((word) => word !== "");
    if (words.length === 0 || limit <= 0) return [];
    return this.#kept(room)
      .filter((message) => {
        const text = nameKey(message.text);
        return words.every((word) => text.includes(word));
      })
      .slice(-limit);
  }

  [Symbol.dispose](): void {
    this.#rooms.clear();
  }

  #kept(room: string): MessageFrame[] {
    const messages = this.#rooms.get(room) ?? [];
    return messages.length > this.#capacity ? messages.slice(-this.#capacity) : messages;
  }
}
