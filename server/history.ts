/**
 * Room history: the {@linkcode HistoryStore} interface the hub writes to, and
 * an in-memory ring per room.
 *
 * @module
 */

import type { MessageFrame } from "../protocol.ts";

/** Where the hub keeps room messages. Durable stores implement the same. */
export interface HistoryStore {
  /** The largest id stored, or 0; the hub continues numbering after it. */
  lastId(): number;
  /** Stores one message. Returns once it is stored. */
  append(message: MessageFrame): void;
  /** The last `limit` messages of `room`, oldest first. */
  recent(room: string, limit: number): MessageFrame[];
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
    const messages = this.#rooms.get(room);
    if (messages === undefined || limit <= 0) return [];
    return messages.slice(-Math.min(limit, this.#capacity));
  }
}
