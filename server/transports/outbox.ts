/**
 * Writing in batches: each frame encoded once for every receiver, the writes
 * of one moment joined into one system call per socket on a timer shared by
 * every connection, and the joined bytes cut from shared slabs.
 *
 * @module
 */

import type { Socket } from "node:net";
import { clearImmediate, setImmediate } from "node:timers";
import { plainAddress } from "../../core/address.ts";
import type { ServerFrame } from "../../protocol.ts";

/** A session the {@linkcode Flusher} can flush. */
export interface Flushable {
  /** Writes what is queued, in one write. */
  flush(): void;
}

/** Encodes text for the wire. */
export const encoder: TextEncoder = new TextEncoder();
// Each frame is encoded once however many JSON sessions it is sent to.
const encoded = new WeakMap<ServerFrame, Uint8Array>();

/** Encodes a frame as a JSON line, once however many sessions it is sent to. */
export function encodeJson(frame: ServerFrame): Uint8Array {
  let bytes = encoded.get(frame);
  if (bytes === undefined) {
    bytes = encoder.encode(JSON.stringify(frame) + "\n");
    encoded.set(frame, bytes);
  }
  return bytes;
}

// Joined writes are cut from shared slabs: a view is far cheaper to make than a
// buffer of its own, and a slab is freed once no write in flight still uses it.
const SLAB_BYTES = 64 * 1024;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;

function allocate(length: number): Uint8Array {
  if (length > SLAB_BYTES / 4) return new Uint8Array(length);
  if (slabUsed + length > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const view = slab.subarray(slabUsed, slabUsed + length);
  slabUsed += length;
  return view;
}

// The joins of the flush under way, by their first chunk: the sessions of
// one room are flushed with the same frames queued, and share one buffer
// instead of each copying its own. Sessions that read the frames in another
// form (version 2, WebSocket, IRC) start with another chunk, so a room of
// mixed clients shares one buffer per form. A few joins are kept per first
// chunk: a sender that is not sent its own messages (IRC without
// echo-message) has the same first chunk and fewer after it, and with one
// join kept it and the next session after it each replaced the other's.
// The join used last goes last: each sender's is used once, the room's by
// most of its members, and with several such senders it was the room's that
// went first.
const joins = new Map<Uint8Array, Join[]>();
/** Joins kept per first chunk; the one used least recently goes when another comes. */
const JOINS_PER_CHUNK = 4;

interface Join {
  readonly chunks: readonly Uint8Array[];
  readonly joined: Uint8Array;
}

/** Whether `a` and `b` hold the same chunks (the same objects) in the same order. */
function sameChunks(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * `chunks` joined into one buffer, which the caller must not modify: the
 * same buffer as an earlier session's of this flush with the same chunks.
 */
export function join(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const first = chunks[0]!;
  let known = joins.get(first);
  if (known === undefined) {
    known = [];
    joins.set(first, known);
  } else {
    for (let i = known.length - 1; i >= 0; i--) {
      const entry = known[i]!;
      if (!sameChunks(chunks, entry.chunks)) continue;
      // Moved last, to go last: the room's own join is asked for again and again.
      for (let j = i; j < known.length - 1; j++) known[j] = known[j + 1]!;
      known[known.length - 1] = entry;
      return entry.joined;
    }
    if (known.length === JOINS_PER_CHUNK) known.shift();
  }
  const joined = concat(chunks, length);
  known.push({ chunks, joined });
  return joined;
}

/** `chunks` copied into one new buffer of `length` bytes. */
export function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const joined = allocate(length);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined;
}

/** The peer's IP address, with IPv4 addresses given as such even on a dual-stack socket. */
export function peerAddress(socket: Socket): string {
  return plainAddress(socket.remoteAddress ?? "");
}

// Each write to a socket is a system call, the largest cost of a delivery. So
// while messages keep coming, frames are not written at once: the first
// queued write starts a shared timer of a few milliseconds, and each socket
// then gets the frames of every message that arrived meanwhile in one write.
// Measured with `deno task bench` (busy): 2.0 µs of server CPU per delivery
// flushing after each message, 0.6 µs with this delay. A server that has
// written nothing for a while is not under load, and gains nothing by
// waiting: the flush then runs as soon as the event loop has handled the
// input at hand, so a message in a quiet chat goes out at once.
const FLUSH_DELAY_MS = 4;
/** Time without a flush after which the server counts as idle. */
const IDLE_MS = 25;

/** Runs queued flushes together; one per server. */
export class Flusher implements Disposable {
  #due: Flushable[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #immediate: ReturnType<typeof setImmediate> | undefined;
  /** When the last flush ended, from `performance.now()`. */
  #lastRun = -Infinity;
  readonly #run = () => {
    this.#timer = undefined;
    this.#immediate = undefined;
    const due = this.#due;
    this.#due = [];
    for (const session of due) session.flush();
    joins.clear();
    this.#lastRun = performance.now();
  };

  /**
   * Flushes `session` together with every session queued meanwhile: after
   * {@linkcode FLUSH_DELAY_MS}, or once the input at hand is handled when
   * nothing was flushed for {@linkcode IDLE_MS}.
   */
  schedule(session: Flushable): void {
    if (this.#due.push(session) !== 1) return;
    if (performance.now() - this.#lastRun >= IDLE_MS) this.#immediate = setImmediate(this.#run);
    else this.#timer = setTimeout(this.#run, FLUSH_DELAY_MS);
  }

  /** Runs what is queued now and stops the timer. */
  [Symbol.dispose](): void {
    clearTimeout(this.#timer);
    clearImmediate(this.#immediate);
    this.#run();
  }
}

/** What every session of a transport shares: limits and the flush timer. */
export interface Outbox {
  /**
   * Bytes a peer may leave unsent, beyond what its system took, for a moment
   * before it counts as too slow and is dropped (see tcp_session.ts).
   */
  readonly maxQueuedBytes: number;
  /**
   * Frames queued for a peer before they are written at once, ahead of the
   * flush; behind a replay, frames waiting before the peer is dropped.
   */
  readonly maxQueuedFrames: number;
  readonly flusher: Flusher;
}

/** Destroys a socket once everything written to it has gone out: a `finish` listener. */
export function destroyWhenFinished(this: Socket): void {
  this.destroy();
}
