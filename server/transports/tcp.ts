/**
 * The TCP port: newline-delimited JSON frames for programs, and plain text
 * for people on `nc` or `telnet`. The first byte a connection sends picks the
 * mode: `{` means JSON, anything else text. Each connection has a bounded,
 * coalescing outbox; a peer that stops reading is dropped.
 *
 * @module
 */

import { LineSplitter, MAX_CLIENT_LINE_BYTES } from "../../protocol.ts";
import type { Hub } from "../hub.ts";
import { encodeJson, encoder, Flusher, pause, TcpSession } from "./tcp_session.ts";
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

const READ_BUFFER_START = 256;
const READ_BUFFER_MAX = 64 * 1024;
const OPEN_BRACE = 0x7b;

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
