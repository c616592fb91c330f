/**
 * One TCP connection as the hub sees it: a {@linkcode Session} with a
 * bounded outbox whose frames are written in batches, several messages per
 * system call, on a timer shared by every connection of a transport.
 *
 * @module
 */

import type { Socket } from "node:net";
import type { ServerFrame } from "../../protocol.ts";
import type { Session } from "../session.ts";

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

function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
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
  const address = socket.remoteAddress ?? "";
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/** Formats an address and port for logs: `192.168.1.7:50312`, `[fe80::1]:50312`. */
export function describe(address: string, port: number | undefined): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

// Each write to a socket is a system call, the largest cost of a delivery. So
// frames are not written at once: every queued write waits for one shared
// timer, a few milliseconds, and each socket then gets the frames of every
// message that arrived meanwhile in one write. Measured with `deno task bench`
// (busy): 2.0 µs of server CPU per delivery flushing after each message, 0.6 µs
// with this delay, for about 4 ms more latency.
const FLUSH_DELAY_MS = 4;

/** Runs queued flushes together after {@linkcode FLUSH_DELAY_MS}; one per transport. */
export class Flusher implements Disposable {
  #due: TcpSession[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #run = () => {
    this.#timer = undefined;
    const due = this.#due;
    this.#due = [];
    for (const session of due) session.flush();
  };

  /** Flushes `session` after the shared delay, together with every session queued meanwhile. */
  schedule(session: TcpSession): void {
    if (this.#due.push(session) === 1) this.#timer = setTimeout(this.#run, FLUSH_DELAY_MS);
  }

  /** Runs what is queued now and stops the timer. */
  [Symbol.dispose](): void {
    clearTimeout(this.#timer);
    this.#run();
  }
}

/** What every session of a transport shares: limits and the flush timer. */
export interface Outbox {
  /** Bytes queued for a peer before it counts as too slow and is dropped. */
  readonly maxQueuedBytes: number;
  /** Frames queued for a peer before it counts as too slow and is dropped. */
  readonly maxQueuedFrames: number;
  readonly flusher: Flusher;
  /** Called once for a session dropped for being too slow. */
  overflow(session: TcpSession): void;
}

// The queue of every session with nothing queued: most are idle most of the time.
const NO_CHUNKS: readonly Uint8Array[] = Object.freeze([]);

/** Destroys a socket once everything written to it has gone out: a `finish` listener. */
export function destroyWhenFinished(this: Socket): void {
  this.destroy();
}

/** One TCP connection; `encode` decides how frames look on the wire. */
export class TcpSession implements Session {
  readonly address: string;
  /** When the connection was accepted, from `performance.now()`. */
  readonly openedAt: number = performance.now();
  /** When the peer last sent anything. */
  lastHeard: number = this.openedAt;
  /** Whether a heartbeat ping is waiting for an answer. */
  pinged = false;
  /** Whether the peer speaks plain text. */
  text = false;
  /** Whether the peer has sent nothing yet: maybe a person reading the greeting. */
  silent = true;
  /** Turns a frame into bytes; `undefined` sends nothing. */
  encode: (frame: ServerFrame) => Uint8Array | undefined = encodeJson;
  readonly #socket: Socket;
  readonly #port: number | undefined;
  readonly #outbox: Outbox;
  #chunks: readonly Uint8Array[] = NO_CHUNKS;
  #chunkBytes = 0;
  #scheduled = false;
  #closing = false;

  constructor(socket: Socket, address: string, outbox: Outbox) {
    this.#socket = socket;
    this.#outbox = outbox;
    this.address = address;
    this.#port = socket.remotePort;
  }

  /** Made when asked, for logs: few connections ever need it kept. */
  get remote(): string {
    return describe(this.address, this.#port);
  }

  /** Whether the session is closing or closed: nothing more is sent or read. */
  get closing(): boolean {
    return this.#closing;
  }

  send(frame: ServerFrame): void {
    if (this.#closing) return;
    const bytes = this.encode(frame);
    if (bytes !== undefined) this.write(bytes);
  }

  /** Queues raw bytes, dropping the peer if its queue is full. */
  write(bytes: Uint8Array): void {
    if (this.#closing) return;
    const outbox = this.#outbox;
    if (
      this.#socket.writableLength + this.#chunkBytes + bytes.length > outbox.maxQueuedBytes ||
      this.#chunks.length >= outbox.maxQueuedFrames
    ) {
      this.destroy();
      outbox.overflow(this);
      return;
    }
    if (this.#chunks === NO_CHUNKS) this.#chunks = [bytes];
    else (this.#chunks as Uint8Array[]).push(bytes);
    this.#chunkBytes += bytes.length;
    if (!this.#scheduled) {
      this.#scheduled = true;
      // Flush once the event loop has handled every read that is ready, so the
      // frames of several senders join one write to each receiver.
      this.#outbox.flusher.schedule(this);
    }
  }

  /** Writes what is queued, in one write; the flusher calls it. */
  flush(): void {
    this.#scheduled = false;
    const chunks = this.#chunks;
    if (chunks.length > 0 && !this.#socket.destroyed) {
      this.#socket.write(chunks.length === 1 ? chunks[0]! : concat(chunks, this.#chunkBytes));
    }
    this.#chunks = NO_CHUNKS;
    this.#chunkBytes = 0;
    if (this.#closing) this.#end();
  }

  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    if (!this.#scheduled) this.#end();
  }

  /** Closes the socket now, dropping anything unsent. */
  destroy(): void {
    this.#closing = true;
    this.#chunks = NO_CHUNKS;
    this.#chunkBytes = 0;
    this.#socket.destroy();
  }

  /** Ends the connection after what is written has gone out. */
  #end(): void {
    const socket = this.#socket;
    if (socket.destroyed || socket.writableEnded) return;
    // Not waiting for the peer to close its side: it may never.
    socket.once("finish", destroyWhenFinished);
    socket.end();
  }
}
