/**
 * One socket connection as the hub sees it: a {@linkcode Session} with a
 * bounded outbox whose frames are written in batches (outbox.ts), and
 * streams (replays) written as fast as the peer reads them.
 *
 * @module
 */

import type { Socket } from "node:net";
import { type FileRef, forVersion1, type ServerFrame } from "../../protocol.ts";
import { fileLink } from "../../core/files.ts";
import type { Slot } from "../limits.ts";
import type { FrameSource, Session } from "../session.ts";
import {
  CLOSE_NORMAL,
  CLOSE_POLICY,
  closeFrame,
  encodeWebSocketJson,
  PING_FRAME,
} from "./websocket.ts";
import { formatAddress } from "../../core/address.ts";
import { concat, destroyWhenFinished, encodeJson, join, type Outbox } from "./outbox.ts";
import { dropTurn, type ReplayTurn, waitsForTurn, wantTurn } from "./replay_turns.ts";

// The queue of every session with nothing queued: most are idle most of the time.
const NO_CHUNKS: readonly Uint8Array[] = Object.freeze([]);

/**
 * Cuts a socket with a reset: a plain close would leave the kernel holding
 * the backlog of a peer that does not read, in FIN-WAIT-1, for minutes.
 */
function resetSocket(socket: Socket): void {
  if (!socket.destroyed) socket.resetAndDestroy();
}

/**
 * How long a peer dropped for not reading keeps its socket, so that the
 * `bye` queued behind its backlog can still reach it if it wakes up; then
 * the connection is reset.
 */
const LINGER_MS = 2_000;

/** The heartbeat ping of JSON clients: one object, encoded once for all. */
const HEARTBEAT: ServerFrame = Object.freeze({ type: "ping", token: "heartbeat" });

/** The goodbye of a connection the server ends. */
export type ByeFrame = Extract<ServerFrame, { type: "bye" }>;

/**
 * What a peer dropped for not reading is told, after its backlog. It may
 * come back: a phone tab put in the background is not a peer to keep out,
 * and coming back it catches up from where it left off.
 */
const TOO_SLOW: ByeFrame = Object.freeze({
  type: "bye",
  reason: "Too slow to keep up",
  retry: true,
});

/**
 * How long more than the limit of unsent output may wait for a peer, beyond
 * what its system took, before it counts as too slow: a peer that reads,
 * sent the bursts of many senders at once, takes them well within it (4 MiB
 * is 1.6 s at 20 Mbit/s).
 */
export const SLOW_GRACE_MS = 2_000;

/** Times the limit of unsent output past which a peer is too slow at once, to bound memory. */
export const HARD_LIMIT_FACTOR = 4;

/** What a session holds while it streams. */
interface Streaming {
  /** In order: sources still to stream, and the frames sent after them, as bytes. */
  readonly queue: (Uint8Array | FrameSource)[];
  /** Bytes of the frames in `queue`. */
  bytes: number;
  /** Frames in `queue`. */
  frames: number;
}

/** A stream's next page is written while less than this waits in the socket's buffer. */
const STREAM_LOW_WATER = 64 * 1024;

/** Bytes of a stream written in one turn at most: a turn is short, so that turns go round. */
const TURN_BYTES = 16 * 1024;

/** The sessions that are streaming, by socket, for the shared `drain` listener. */
const streaming = new Map<Socket, TcpSession>();

/** Streams more once the peer has read what was written: a `drain` listener. */
function streamOnDrain(this: Socket): void {
  streaming.get(this)?.resume();
}

/**
 * How a connection speaks: not known until its first byte (a person on nc
 * may be reading the greeting), JSON lines, plain text, or WebSocket.
 */
export type SessionMode = "unknown" | "json" | "text" | "websocket";

/** Who owns a session's life, and is told when its outbox overflows. */
export interface SessionOwner {
  /** The peer stopped reading: over the limits of unsent output. */
  overflowed(): void;
}

/** One socket connection's writing side, as the hub sees it: frames out, bounded. */
export class TcpSession implements Session, ReplayTurn {
  /** The connection's place in the connection gate. */
  readonly slot: Slot;
  readonly #owner: SessionOwner;
  #mode: SessionMode;
  /** Turns a frame into bytes; `undefined` sends nothing. */
  #encode: (frame: ServerFrame) => Uint8Array | undefined;
  readonly #socket: Socket;
  readonly #port: number | undefined;
  readonly #outbox: Outbox;
  #chunks: readonly Uint8Array[] = NO_CHUNKS;
  #chunkBytes = 0;
  /** Since when more than the limit of unsent output has waited for the peer; `performance.now()`. */
  #overSince: number | undefined;
  #scheduled = false;
  #closing = false;
  #linger: ReturnType<typeof setTimeout> | undefined;
  /** What ends the stream once the queue is sent: a WebSocket close frame, or nothing. */
  #last: Uint8Array | undefined;
  /** Set while frames are streamed; `send` queues behind them. */
  #streaming: Streaming | undefined;
  /**
   * When the socket last took the bytes of a stream written to it, from
   * `performance.now()`: a peer reading a long replay is alive, though its
   * answer to a ping would wait behind the replay.
   */
  #tookAt = -Infinity;
  /** Whether the peer reads messages of several lines: it said `hello` in version 2. */
  #readsLines = false;
  /** The link of a shared file, for a peer of version 1, which reads it in a message's text. */
  #fileLink: ((file: FileRef) => string) | undefined;

  constructor(
    socket: Socket,
    slot: Slot,
    outbox: Outbox,
    mode: SessionMode,
    owner: SessionOwner,
  ) {
    this.#socket = socket;
    this.#outbox = outbox;
    this.slot = slot;
    this.#owner = owner;
    this.#mode = mode;
    this.#encode = mode === "websocket" ? encodeWebSocketJson : encodeJson;
    this.#port = socket.remotePort;
    // Listening for good: removing a listener deletes a key of the socket's
    // table of listeners, which turns that table into a dictionary of about
    // 450 bytes for the rest of the connection (heap snapshot of 2,000).
    socket.on("drain", streamOnDrain);
  }

  /** How the peer speaks. */
  get mode(): SessionMode {
    return this.#mode;
  }

  /** How the peer speaks, for `who`. */
  get transport(): string {
    return this.#mode;
  }

  /**
   * Speaks `mode` from now on: JSON lines, WebSocket messages, or plain text
   * as `encode` renders it (also while the mode is still unknown, for a peer
   * greeted in text).
   */
  speak(mode: "json" | "websocket"): void;
  speak(mode: "text" | "unknown", encode: (frame: ServerFrame) => Uint8Array | undefined): void;
  speak(mode: SessionMode, encode?: (frame: ServerFrame) => Uint8Array | undefined): void {
    this.#mode = mode;
    this.#encode = encode ?? (mode === "websocket" ? encodeWebSocketJson : encodeJson);
  }

  /** The peer's IP address. */
  get address(): string {
    return this.slot.address;
  }

  /** The address the peer reached this server at: a link to the server names it. */
  get localHost(): string {
    return this.#socket.localAddress ?? "127.0.0.1";
  }

  /** Made when asked, for logs: few connections ever need it kept. */
  get remote(): string {
    return formatAddress(this.slot.address, this.#port);
  }

  /**
   * When the socket last took what was streamed to it (a replay), from
   * `performance.now()`; `-Infinity` if it never did. A peer that stops
   * reading stops this clock once the system's buffer for it is full.
   */
  get streamTakenAt(): number {
    // Waiting for its turn, the peer has taken all that was written to it.
    return waitsForTurn(this) ? performance.now() : this.#tookAt;
  }

  /** Whether the session is closing or closed: nothing more is sent or read. */
  get closing(): boolean {
    return this.#closing;
  }

  send(frame: ServerFrame): void {
    if (this.#closing) return;
    const bytes = this.#bytes(frame);
    if (bytes !== undefined) this.write(bytes);
  }

  /**
   * `frame` as the peer reads it: for a JSON client of version 1 (as its
   * `welcome` says), each line break of a message one space, and a shared
   * file a line with its link; each such copy but a file's is made and
   * encoded once for all its receivers.
   */
  #bytes(frame: ServerFrame): Uint8Array | undefined {
    if (frame.type === "welcome") {
      this.#readsLines = frame.version !== 1;
      const files = frame.files;
      if (!this.#readsLines && files !== undefined) {
        const host = this.localHost;
        this.#fileLink = (file) => fileLink(host, files, file);
      }
    }
    return this.#encode(
      this.#readsLines || this.#mode === "text" ? frame : forVersion1(frame, this.#fileLink),
    );
  }

  /** Asks a silent peer for a sign of life, as its mode allows; people on nc are never asked. */
  heartbeat(): void {
    if (this.#mode === "json") this.send(HEARTBEAT);
    else if (this.#mode === "websocket") this.write(PING_FRAME);
  }

  stream(source: FrameSource): void {
    if (this.#closing) return;
    const current = this.#streaming;
    if (current !== undefined) {
      current.queue.push(source);
      return;
    }
    // What was queued before goes out first.
    const chunks = this.#chunks;
    if (chunks.length > 0 && !this.#socket.destroyed) {
      this.#socket.write(chunks.length === 1 ? chunks[0]! : concat(chunks, this.#chunkBytes));
    }
    this.#chunks = NO_CHUNKS;
    this.#chunkBytes = 0;
    this.#streaming = { queue: [source], bytes: 0, frames: 0 };
    streaming.set(this.#socket, this);
    // The first turn at once, as part of answering the request: a short replay goes out
    // with what came before it; the rest of a long one waits for its turns.
    this.turn();
  }

  /** The socket took what was streamed to it: the stream waits for its next turn. */
  resume(): void {
    if (this.#streaming === undefined) return;
    this.#tookAt = performance.now();
    wantTurn(this);
  }

  /**
   * Writes the next part of what is streamed, while the peer has read most of
   * what came before: at most {@linkcode TURN_BYTES}, in a turn that every
   * stream of the server shares (replay_turns.ts), so that however many
   * replays run, they never hold up the rest. The socket's `drain` event asks
   * for the next turn, or this one does when the kernel took everything at once.
   */
  turn(): void {
    const state = this.#streaming;
    if (state === undefined) return;
    const socket = this.#socket;
    const batch: Uint8Array[] = [];
    let batchBytes = 0;
    while (
      state.queue.length > 0 && batchBytes < TURN_BYTES &&
      socket.writableLength + batchBytes < STREAM_LOW_WATER
    ) {
      const head = state.queue[0]!;
      if (head instanceof Uint8Array) {
        state.queue.shift();
        state.bytes -= head.length;
        state.frames--;
        batch.push(head);
        batchBytes += head.length;
        continue;
      }
      let page: ServerFrame[] | undefined;
      try {
        page = head.next();
      } catch {
        // A store that fails mid-replay ends the replay, not the connection.
        page = undefined;
      }
      if (page === undefined) {
        state.queue.shift();
        continue;
      }
      for (const frame of page) {
        const bytes = this.#bytes(frame);
        if (bytes === undefined) continue;
        batch.push(bytes);
        batchBytes += bytes.length;
      }
    }
    let taken = true;
    if (batch.length > 0 && !socket.destroyed) {
      taken = socket.write(batch.length === 1 ? batch[0]! : concat(batch, batchBytes));
    }
    if (state.queue.length > 0) {
      // Not taken at once: the `drain` event comes once it is.
      if (taken) wantTurn(this);
      return;
    }
    this.#stopStreaming();
    if (this.#closing) this.#end(this.#last);
  }

  #stopStreaming(): void {
    if (this.#streaming === undefined) return;
    dropTurn(this);
    this.#streaming = undefined;
    streaming.delete(this.#socket);
  }

  /** Queues raw bytes, dropping the peer if its queue is full. */
  write(bytes: Uint8Array): void {
    if (this.#closing) return;
    const outbox = this.#outbox;
    const state = this.#streaming;
    if (state !== undefined) {
      // Behind a stream: only what waits behind it counts against the limits.
      if (
        state.bytes + bytes.length > outbox.maxQueuedBytes || state.frames >= outbox.maxQueuedFrames
      ) {
        return this.#overflowed();
      }
      state.queue.push(bytes);
      state.bytes += bytes.length;
      state.frames++;
      return;
    }
    const socket = this.#socket;
    if (
      socket.writableLength + this.#chunkBytes + bytes.length > outbox.maxQueuedBytes ||
      this.#chunks.length >= outbox.maxQueuedFrames
    ) {
      // Over the limit before the flush: frames of many senders at once, which a peer that
      // reads may well take. What the system takes now does not wait for it.
      this.#writeQueued();
      if (this.#slow(socket.writableLength + bytes.length)) return this.#overflowed();
    } else if (this.#overSince !== undefined && socket.writableLength <= outbox.maxQueuedBytes) {
      this.#overSince = undefined;
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

  /**
   * Whether a peer with `waiting` bytes unsent, beyond what its system took,
   * is too slow: over the limit of unsent output for {@linkcode SLOW_GRACE_MS}
   * (a peer that reads drains a burst of several senders well within it), or
   * over {@linkcode HARD_LIMIT_FACTOR} times the limit at once.
   */
  #slow(waiting: number): boolean {
    const limit = this.#outbox.maxQueuedBytes;
    if (waiting <= limit) {
      this.#overSince = undefined;
      return false;
    }
    if (waiting > limit * HARD_LIMIT_FACTOR) return true;
    const now = performance.now();
    this.#overSince ??= now;
    return now - this.#overSince >= SLOW_GRACE_MS;
  }

  /** Writes what is queued at once, ahead of the flush. */
  #writeQueued(): void {
    const chunks = this.#chunks;
    if (chunks.length > 0 && !this.#socket.destroyed) {
      this.#socket.write(chunks.length === 1 ? chunks[0]! : concat(chunks, this.#chunkBytes));
    }
    this.#chunks = NO_CHUNKS;
    this.#chunkBytes = 0;
  }

  /** Writes what is queued, in one write; the flusher calls it. */
  flush(): void {
    this.#scheduled = false;
    const chunks = this.#chunks;
    if (chunks.length > 0 && !this.#socket.destroyed) {
      this.#socket.write(chunks.length === 1 ? chunks[0]! : join(chunks, this.#chunkBytes));
    }
    this.#chunks = NO_CHUNKS;
    this.#chunkBytes = 0;
    if (this.#closing && this.#streaming === undefined) this.#end(this.#last);
  }

  /**
   * Sends what is queued, then closes; on WebSocket with a close frame of
   * `code` (1000 unless the peer's own close or broken framing says else).
   */
  close(code: number = CLOSE_NORMAL, reason = "Goodbye"): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#last = this.#farewell(code, reason);
    if (!this.#scheduled && this.#streaming === undefined) this.#end(this.#last);
  }

  /** Closes the socket now, dropping anything unsent; its slot is freed. */
  destroy(): void {
    this.#closing = true;
    this.#chunks = NO_CHUNKS;
    this.#chunkBytes = 0;
    clearTimeout(this.#linger);
    this.#linger = undefined;
    this.#stopStreaming();
    this.#socket.destroy();
    this.slot.release();
  }

  /** Stops queueing for a peer over the limits, and tells its owner. */
  #overflowed(): void {
    this.#closing = true;
    this.#chunks = NO_CHUNKS;
    this.#chunkBytes = 0;
    this.#stopStreaming();
    this.#owner.overflowed();
  }

  /**
   * Drops a peer that stopped reading: its slot is freed at once, a `bye`
   * (and on WebSocket a close with code 1008) goes after what it has not
   * read, and the socket is destroyed if it has not taken them soon after.
   * `bye` is another goodbye, for a peer dropped for another reason.
   */
  drop(bye: ByeFrame = TOO_SLOW): void {
    this.#closing = true;
    this.#chunks = NO_CHUNKS;
    this.#chunkBytes = 0;
    this.#stopStreaming();
    this.slot.release();
    const socket = this.#socket;
    if (!socket.destroyed && !socket.writableEnded) {
      const last = this.#encode(bye) ?? new Uint8Array(0);
      const close = this.#farewell(CLOSE_POLICY, bye.reason);
      // Ended but not destroyed once written: what the kernel holds must still be cut.
      socket.end(close === undefined ? last : concat([last, close], last.length + close.length));
      this.#linger = setTimeout(resetSocket, LINGER_MS, socket);
    }
  }

  /** The bytes that end the stream in this mode: a WebSocket close frame, or nothing. */
  #farewell(code: number, reason: string): Uint8Array | undefined {
    return this.#mode === "websocket" ? closeFrame(code, reason) : undefined;
  }

  /** Ends the connection after what is written (and `last`) has gone out. */
  #end(last: Uint8Array | undefined): void {
    const socket = this.#socket;
    if (socket.destroyed || socket.writableEnded) return;
    // Not waiting for the peer to close its side: it may never.
    socket.once("finish", destroyWhenFinished);
    if (last === undefined) socket.end();
    else socket.end(last);
  }
}
