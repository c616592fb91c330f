/**
 * What the hub remembers of the messages a person sent, by client message id
 * (`cid`), so that a message sent again after a reconnection is answered with
 * the original instead of being delivered twice. Private messages are never
 * stored, so this memory is all there is for them; room messages are also
 * found in the history store, but only among the newest few with that `cid`,
 * which others who saw it can push out by using it too.
 *
 * @module
 */

import type { MessageFrame, PrivateFrame } from "../protocol.ts";
import { utf8Length } from "../protocol.ts";

/** Most messages remembered per person. */
export const MAX_REMEMBERED_MESSAGES = 256;

/** Most bytes of text remembered per person, counted in UTF-8. */
export const MAX_REMEMBERED_BYTES = 64 * 1024;

/** Most people whose memory is kept after their connection ended. */
export const MAX_DEPARTED = 256;

/** How long the memory of a person whose connection ended is kept, in milliseconds. */
export const DEPARTED_MS = 5 * 60 * 1000;

/**
 * The last messages one person sent with a `cid`: at most
 * {@linkcode MAX_REMEMBERED_MESSAGES} of them and {@linkcode MAX_REMEMBERED_BYTES}
 * of text, the oldest forgotten first.
 */
export class SentMemory {
  /** Made at the first message with a `cid`: older clients never send one. */
  #frames: Map<string, MessageFrame | PrivateFrame> | undefined;
  #bytes = 0;

  /** Messages remembered. */
  get size(): number {
    return this.#frames?.size ?? 0;
  }

  /** The message sent with `cid`, if it is remembered. */
  get(cid: string): MessageFrame | PrivateFrame | undefined {
    return this.#frames?.get(cid);
  }

  /** Remembers `frame` under its `cid`; a frame without one is not kept. */
  add(frame: MessageFrame | PrivateFrame): void {
    if (frame.cid === undefined) return;
    const frames = this.#frames ??= new Map();
    if (frames.has(frame.cid)) return;
    frames.set(frame.cid, frame);
    this.#bytes += utf8Length(frame.text);
    while (
      frames.size > MAX_REMEMBERED_MESSAGES || this.#bytes > MAX_REMEMBERED_BYTES
    ) {
      const [cid, oldest] = frames.entries().next().value!;
      frames.delete(cid);
      this.#bytes -= utf8Length(oldest.text);
    }
  }
}

/**
 * The memories of people whose connection ended, under the resume token they
 * were last given, so one who comes back with it after the server dropped
 * them is still recognised. Each is kept {@linkcode DEPARTED_MS}, and at most
 * {@linkcode MAX_DEPARTED} of them, the oldest forgotten first.
 */
export class DepartedMemories {
  readonly #kept = new Map<string, { key: string; memory: SentMemory; at: number }>();

  /** Keeps `memory` of the person whose name folds to `key`, until `token` comes back. */
  keep(token: string, key: string, memory: SentMemory, now = Date.now()): void {
    if (memory.size === 0) return;
    this.#forgetOld(now);
    this.#kept.delete(token);
    this.#kept.set(token, { key, memory, at: now });
    if (this.#kept.size > MAX_DEPARTED) this.#kept.delete(this.#kept.keys().next().value!);
  }

  /** Takes back the memory kept under `token` for the name folding to `key`, once. */
  take(token: string, key: string, now = Date.now()): SentMemory | undefined {
    this.#forgetOld(now);
    const kept = this.#kept.get(token);
    if (kept === undefined || kept.key !== key) return undefined;
    this.#kept.delete(token);
    return kept.memory;
  }

  #forgetOld(now: number): void {
    // Kept in the order they came, so the oldest are first.
    for (const [token, kept] of this.#kept) {
      if (now - kept.at < DEPARTED_MS) break;
      this.#kept.delete(token);
    }
  }
}
