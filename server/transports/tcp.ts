/**
 * The TCP port: newline-delimited JSON frames for programs, and plain text
 * for people on `nc` or `telnet`. The first byte a connection sends picks the
 * mode: `{` means JSON, anything else text. Each connection has a bounded,
 * coalescing outbox; a peer that stops reading is dropped.
 *
 * @module
 */

import { LineSplitter, MAX_CLIENT_LINE_BYTES, type ServerFrame } from "../../protocol.ts";
import type { Hub } from "../hub.ts";
import type { Session } from "../session.ts";
import { ConnectionGate, TokenBucket } from "../limits.ts";
import { FrameIntake } from "./intake.ts";
import { TelnetFilter } from "./telnet.ts";
import { GREETING, TextCodec } from "./text.ts";

/** A rate: up to `burst` at once, `perSecond` sustained. */
export interface Rate {
  burst: number;
  perSecond: number;
}

const SWEEP_MS = 1000;

/** Options for {@linkcode TcpTransport}. */
export interface TcpTransportOptions {
  /** Connection limits shared with the other transports. @default {a gate of its own} */
  gate?: ConnectionGate;
  /** Frames queued for a peer before it counts as too slow and is dropped. @default {4096} */
  maxQueuedFrames?: number;
  /** Milliseconds a program has to send `hello` (people on nc get six times as long). @default {10000} */
  handshakeMs?: number;
  /** Milliseconds of silence after which a peer counts as gone; 0 turns it off. @default {30000} */
  heartbeatMs?: number;
  /** Frames a connection may send. @default {40 at once, 10 per second} */
  frameRate?: Rate;
  /** Bytes a connection may send. @default {128 KiB at once, 32 KiB per second} */
  byteRate?: Rate;
  /** Bad frames a connection may send before it is closed. @default {10} */
  maxStrikes?: number;
  /** Bytes queued for a peer before it counts as too slow and is dropped. @default {1048576} */
  maxQueuedBytes?: number;
  /** Milliseconds of silence after which a new connection is greeted in text. @default {500} */
  greetAfter?: number;
  /** Receives one line per connection error. @default {no logging} */
  log?: (line: string) => void;
}

const encoder = new TextEncoder();
// Each frame is encoded once however many JSON sessions it is sent to.
const encoded = new WeakMap<ServerFrame, Uint8Array>();

function encodeJson(frame: ServerFrame): Uint8Array {
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

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const joined = allocate(length);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined;
}

function describe(addr: Deno.Addr): string {
  return addr.transport === "tcp" || addr.transport === "udp"
    ? (addr.hostname.includes(":")
      ? `[${addr.hostname}]:${addr.port}`
      : `${addr.hostname}:${addr.port}`)
    : addr.transport;
}

// Idle connections keep a small buffer; busy ones grow theirs by doubling.
const READ_BUFFER_START = 256;
const READ_BUFFER_MAX = 64 * 1024;
const OPEN_BRACE = 0x7b;

// Each write to a socket is a system call, the largest cost of a delivery. So
// frames are not written at once: every queued write waits for one shared
// timer, a few milliseconds, and each socket then gets the frames of every
// message that arrived meanwhile in one write. Measured with `deno task bench`
// (busy): 2.0 µs of server CPU per delivery flushing after each message, 0.6 µs
// with this delay, for about 4 ms more latency.
const FLUSH_DELAY_MS = 4;

/** Runs queued flushes together after {@linkcode FLUSH_DELAY_MS}; one per transport. */
class Flusher implements Disposable {
  #due: (() => void)[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #run = () => {
    this.#timer = undefined;
    const due = this.#due;
    this.#due = [];
    for (const flush of due) flush();
  };

  /** Runs `flush` after the shared delay, together with every flush queued meanwhile. */
  schedule(flush: () => void): void {
    if (this.#due.push(flush) === 1) this.#timer = setTimeout(this.#run, FLUSH_DELAY_MS);
  }

  /** Runs what is queued now and stops the timer. */
  [Symbol.dispose](): void {
    clearTimeout(this.#timer);
    this.#run();
  }
}

/** One TCP connection; `encode` decides how frames look on the wire. */
class TcpSession implements Session {
  readonly remote: string;
  readonly address: string;
  /** When the connection was accepted, from `performance.now()`. */
  readonly openedAt = performance.now();
  /** When the peer last sent anything. */
  lastHeard = performance.now();
  /** Whether a heartbeat ping is waiting for an answer. */
  pinged = false;
  /** Whether the peer speaks plain text. */
  text = false;
  /** Whether the peer has sent nothing yet: maybe a person reading the greeting. */
  silent = true;
  /** Aborted when the socket closes, to end any pause. */
  #closedSignal: AbortController | undefined;
  readonly #flusher: Flusher;
  readonly #done = Promise.withResolvers<void>();
  /** Made once, so queueing a flush allocates nothing. */
  readonly #flush = () => void this.#drain();
  readonly #conn: Deno.Conn;
  readonly #maxQueuedBytes: number;
  readonly #maxQueuedFrames: number;
  #chunks: Uint8Array[] = [];
  #chunkBytes = 0;
  #unwritten = 0;
  #writing = false;
  #closing = false;
  #closed = false;
  /** Turns a frame into bytes; `undefined` sends nothing. */
  encode: (frame: ServerFrame) => Uint8Array | undefined = encodeJson;
  /** Called once when the session is dropped for being too slow. */
  onOverflow: () => void = () => {};

  constructor(
    conn: Deno.Conn,
    maxQueuedBytes: number,
    maxQueuedFrames: number,
    flusher: Flusher,
  ) {
    this.#flusher = flusher;
    this.#conn = conn;
    this.#maxQueuedBytes = maxQueuedBytes;
    this.#maxQueuedFrames = maxQueuedFrames;
    this.remote = describe(conn.remoteAddr);
    this.address = conn.remoteAddr.transport === "tcp" ? conn.remoteAddr.hostname : this.remote;
  }

  /** Aborted once the socket is closed. */
  get closedSignal(): AbortSignal {
    // Made on first use: most connections are never throttled.
    this.#closedSignal ??= new AbortController();
    if (this.#closed) this.#closedSignal.abort();
    return this.#closedSignal.signal;
  }

  get closing(): boolean {
    return this.#closing;
  }

  /** Resolves once the socket is closed. */
  get done(): Promise<void> {
    return this.#done.promise;
  }

  send(frame: ServerFrame): void {
    if (this.#closing) return;
    const bytes = this.encode(frame);
    if (bytes !== undefined) this.write(bytes);
  }

  /** Queues raw bytes, dropping the peer if its queue is full. */
  write(bytes: Uint8Array): void {
    if (this.#closing) return;
    if (
      this.#unwritten + bytes.length > this.#maxQueuedBytes ||
      this.#chunks.length >= this.#maxQueuedFrames
    ) {
      this.destroy();
      this.onOverflow();
      return;
    }
    this.#chunks.push(bytes);
    this.#chunkBytes += bytes.length;
    this.#unwritten += bytes.length;
    if (!this.#writing) {
      this.#writing = true;
      // Flush once the event loop has handled every read that is ready, so the
      // frames of several senders join one write to each receiver.
      this.#flusher.schedule(this.#flush);
    }
  }

  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    if (!this.#writing) this.#destroy();
  }

  /** Closes the socket now, dropping anything unsent. */
  destroy(): void {
    this.#closing = true;
    this.#chunks = [];
    this.#destroy();
  }

  async #drain(): Promise<void> {
    try {
      while (this.#chunks.length > 0 && !this.#closed) {
        const chunks = this.#chunks;
        const data = chunks.length === 1 ? chunks[0]! : concat(chunks, this.#chunkBytes);
        this.#chunks = [];
        this.#chunkBytes = 0;
        let offset = 0;
        while (offset < data.length) offset += await this.#conn.write(data.subarray(offset));
        this.#unwritten -= data.length;
      }
    } catch {
      // The peer is gone; the reader sees the same and tells the hub.
      this.#destroy();
    } finally {
      this.#writing = false;
    }
    if (this.#closing) this.#destroy();
  }

  #destroy(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#done.resolve();
    this.#closedSignal?.abort();
    try {
      this.#conn.close();
    } catch {
      // Already closed by the runtime.
    }
  }
}

/** Waits `ms`, or less if `signal` aborts first. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

/** Accepts TCP connections and connects each to the hub. */
export class TcpTransport implements AsyncDisposable {
  readonly #listener: Deno.Listener;
  readonly #hub: Hub;
  readonly #gate: ConnectionGate;
  readonly #maxStrikes: number;
  readonly #maxQueuedBytes: number;
  readonly #maxQueuedFrames: number;
  readonly #greetAfter: number;
  readonly #handshakeMs: number;
  readonly #heartbeatMs: number;
  readonly #frameRate: Rate;
  readonly #byteRate: Rate;
  readonly #log: (line: string) => void;
  readonly #sessions = new Set<TcpSession>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #accepting: Promise<void>;
  readonly #sweeper: ReturnType<typeof setInterval>;
  readonly #flusher = new Flusher();

  constructor(listener: Deno.Listener, hub: Hub, options: TcpTransportOptions = {}) {
    this.#listener = listener;
    this.#hub = hub;
    this.#gate = options.gate ?? new ConnectionGate();
    this.#maxStrikes = options.maxStrikes ?? 10;
    this.#maxQueuedBytes = options.maxQueuedBytes ?? 1024 * 1024;
    this.#maxQueuedFrames = options.maxQueuedFrames ?? 4096;
    this.#greetAfter = options.greetAfter ?? 500;
    this.#handshakeMs = options.handshakeMs ?? 10_000;
    this.#heartbeatMs = options.heartbeatMs ?? 30_000;
    this.#frameRate = options.frameRate ?? { burst: 40, perSecond: 10 };
    this.#byteRate = options.byteRate ?? { burst: 128 * 1024, perSecond: 32 * 1024 };
    this.#log = options.log ?? (() => {});
    this.#accepting = this.#accept();
    // One timer for all connections: handshake deadlines and heartbeats.
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_MS);
  }

  /** The address the listener is bound to. */
  get addr(): Deno.NetAddr {
    return this.#listener.addr as Deno.NetAddr;
  }

  /** Open connections. */
  get connections(): number {
    return this.#sessions.size;
  }

  /** Stops accepting. Open connections stay until the hub closes them. */
  stopAccepting(): void {
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
  }

  /**
   * Waits up to `ms` for open connections to finish sending and close, then
   * closes what is left.
   */
  async drain(ms: number): Promise<void> {
    this.stopAccepting();
    clearInterval(this.#sweeper);
    await this.#accepting;
    const all = Promise.all([...this.#tasks]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
    await Promise.race([all, timeout]);
    clearTimeout(timer);
    for (const session of this.#sessions) session.destroy();
    await all;
    this.#flusher[Symbol.dispose]();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.drain(0);
  }

  #sweep(): void {
    const now = performance.now();
    for (const session of this.#sessions) {
      if (session.closing) continue;
      if (!this.#hub.isNamed(session)) {
        // A person on nc sends nothing until the name is typed: as long as for text.
        const limit = session.text || session.silent ? this.#handshakeMs * 6 : this.#handshakeMs;
        if (now - session.openedAt > limit) {
          this.#log(`${session.remote} dropped: no hello within ${Math.round(limit / 1000)} s`);
          // End the greeting's open "Your name: " line.
          if (session.silent) session.write(encoder.encode("\n"));
          session.send({ type: "bye", reason: `No hello within ${Math.round(limit / 1000)} s` });
          this.#hub.close(session, "no hello");
          session.close();
        }
        continue;
      }
      // People on nc cannot answer pings; TCP keepalive covers them.
      if (session.text || this.#heartbeatMs <= 0) continue;
      const quiet = now - session.lastHeard;
      if (quiet > this.#heartbeatMs) {
        this.#log(`${session.remote} timed out after ${Math.round(quiet / 1000)} s of silence`);
        this.#hub.close(session, "timed out");
        session.destroy();
      } else if (quiet > this.#heartbeatMs / 3 && !session.pinged) {
        session.pinged = true;
        session.send({ type: "ping", token: "heartbeat" });
      }
    }
  }

  async #accept(): Promise<void> {
    while (true) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) {
          return; // listener closed
        }
        // A failed TLS handshake or a reset before accept: that peer's problem only.
        this.#log(`Cannot accept a connection: ${(error as Error).message}`);
        continue;
      }
      const address = conn.remoteAddr.transport === "tcp" ? conn.remoteAddr.hostname : "";
      const refusal = this.#gate.admit(address);
      if (refusal !== undefined) {
        this.#refuse(conn, refusal);
        continue;
      }
      try {
        if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
        if ("setKeepAlive" in conn) (conn as Deno.TcpConn).setKeepAlive(true);
      } catch {
        // The peer may already be gone.
      }
      const task = this.#serve(conn)
        .finally(() => {
          this.#gate.release(address);
          this.#tasks.delete(task);
        });
      this.#tasks.add(task);
    }
  }

  /** Tells a connection over the limits why, in a form both JSON and text peers can read. */
  #refuse(conn: Deno.Conn, reason: string): void {
    const bye = encodeJson({ type: "bye", reason, retry: true });
    conn.write(bye).catch(() => {}).finally(() => {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    });
  }

  async #serve(conn: Deno.Conn): Promise<void> {
    const session = new TcpSession(
      conn,
      this.#maxQueuedBytes,
      this.#maxQueuedFrames,
      this.#flusher,
    );
    this.#sessions.add(session);
    session.onOverflow = () => {
      this.#log(`${session.remote} dropped: it stopped reading`);
      this.#hub.close(session, "too slow to keep up");
    };
    this.#hub.open(session);
    const intake = new FrameIntake(session, this.#hub, {
      maxStrikes: this.#maxStrikes,
      log: this.#log,
    });
    const splitter = new LineSplitter(MAX_CLIENT_LINE_BYTES);
    const frames = new TokenBucket(this.#frameRate.burst, this.#frameRate.perSecond);
    const bytes = new TokenBucket(this.#byteRate.burst, this.#byteRate.perSecond);
    let warned = -Infinity;
    // A flood is slowed down, not dropped: reading pauses until the bucket refills.
    const throttle = async (wait: number) => {
      if (wait <= 0) return;
      if (performance.now() - warned > 10_000) {
        warned = performance.now();
        session.send({
          type: "error",
          code: "rate_limited",
          message: "You are sending too fast: your messages are being slowed down",
        });
      }
      await pause(wait, session.closedSignal);
    };
    let text: { codec: TextCodec; telnet: TelnetFilter } | undefined;
    let decided = false;
    let buffer = new Uint8Array(READ_BUFFER_START);
    let reason = "connection closed";
    // A person on nc waits to be asked; a program speaks first.
    let greeted = false;
    const greeting = setTimeout(() => {
      greeted = true;
      session.write(encoder.encode(GREETING));
    }, this.#greetAfter);
    try {
      reading: while (!session.closing) {
        let count: number | null;
        try {
          count = await conn.read(buffer);
        } catch {
          reason = "connection lost";
          break;
        }
        if (count === null) break;
        session.lastHeard = performance.now();
        session.pinged = false;
        let chunk: Uint8Array = buffer.subarray(0, count);
        if (!decided) {
          const first = chunk.findIndex((byte) =>
            byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x09
          );
          if (first === -1) continue;
          decided = true;
          session.silent = false;
          clearTimeout(greeting);
          if (chunk[first] !== OPEN_BRACE) {
            const codec = new TextCodec();
            text = { codec, telnet: new TelnetFilter() };
            session.text = true;
            session.encode = (frame) => codec.encode(frame);
            if (!greeted) session.write(encoder.encode(GREETING));
          } else if (greeted) {
            // A program slow to speak got the text greeting: end its open
            // "Your name: " line, or the first frame would be glued to it.
            session.write(encoder.encode("\n"));
          }
        }
        if (text !== undefined) chunk = text.telnet.push(chunk);
        // The chunk is handled before the buffer is read into again.
        const lines = splitter.push(chunk);
        for (const line of lines) {
          if (session.closing) break reading;
          const wait = frames.take(1);
          if (wait > 0) await throttle(wait);
          if (session.closing) break reading;
          if (text === undefined) {
            if (!intake.line(line)) {
              reason = "too many bad frames";
              break reading;
            }
            continue;
          }
          if (!line.ok) {
            session.write(encoder.encode(`!! ${line.message}\r\n`));
            // An unreadable name is refused like an invalid one: ask again.
            const prompt = text.codec.prompt();
            if (prompt !== undefined) session.write(prompt);
            continue;
          }
          const frame = text.codec.input(line.line);
          if (frame !== undefined) intake.deliver(frame);
          else {
            const prompt = text.codec.prompt();
            if (prompt !== undefined) session.write(prompt);
          }
        }
        const wait = bytes.take(count);
        if (wait > 0) await throttle(wait);
        // Grow the read buffer for busy peers; idle peers keep a small one.
        if (count === buffer.length && buffer.length < READ_BUFFER_MAX) {
          buffer = new Uint8Array(buffer.length * 2);
        }
      }
    } finally {
      clearTimeout(greeting);
      this.#hub.close(session, reason);
      session.close();
      // What is queued is still sent; the session counts until its socket is closed.
      await session.done;
      this.#sessions.delete(session);
    }
  }
}
