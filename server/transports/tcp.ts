/**
 * The TCP port: newline-delimited JSON frames for programs, and plain text
 * for people on `nc` or `telnet`. The first byte a connection sends picks the
 * mode: `{` means JSON, anything else text. Each connection has a bounded,
 * coalescing outbox; a peer that stops reading is dropped.
 *
 * Sockets come from `node:net` (and `node:tls`), which Deno runs on its
 * libuv-compatible core: a socket waiting for data holds no pending promise
 * or suspended async function, as a `Deno.Conn` in `read()` does. With
 * 10,000 idle connections the server holds about 40 % less memory, and
 * fan-out costs less CPU too (bench/RESULTS.md).
 *
 * @module
 */

import type { Socket } from "node:net";
import type { Hub } from "../hub.ts";
import { ConnectionGate } from "../limits.ts";
import {
  destroyWhenFinished,
  encodeJson,
  encoder,
  Flusher,
  type Outbox,
  peerAddress,
  TcpSession,
} from "./tcp_session.ts";
import { type Rate, type ReaderLimits, TcpReader } from "./tcp_reader.ts";
import { TcpListener, type TcpListenOptions } from "./tcp_listener.ts";

export type { Rate } from "./tcp_reader.ts";
export type { TcpListenOptions } from "./tcp_listener.ts";

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

/** The socket events a connection is served by. */
interface SocketListeners {
  data(this: Socket, chunk: Uint8Array): void;
  end(this: Socket): void;
  error(this: Socket): void;
  close(this: Socket): void;
}

/** Accepts TCP connections and connects each to the hub. */
export class TcpTransport implements AsyncDisposable {
  #listener!: TcpListener;
  readonly #hub: Hub;
  readonly #gate: ConnectionGate;
  readonly #handshakeMs: number;
  readonly #heartbeatMs: number;
  readonly #log: (line: string) => void;
  readonly #outbox: Outbox;
  readonly #limits: ReaderLimits;
  /** The reader of every open connection, until its socket is closed. */
  readonly #readers = new Map<Socket, TcpReader>();
  /** Socket event listeners, shared by every connection: they find the reader by socket. */
  readonly #events: SocketListeners;
  #sweeper: ReturnType<typeof setInterval> | undefined;
  readonly #flusher = new Flusher();
  /** Resolved when the last connection closes, while draining. */
  #drained: PromiseWithResolvers<void> | undefined;

  /**
   * Binds the port and serves the connections arriving there. Rejects with
   * the system's error (its `code` is `EADDRINUSE`, `EADDRNOTAVAIL`,
   * `EACCES`, …) when it cannot bind.
   */
  static async open(
    listen: TcpListenOptions,
    hub: Hub,
    options: TcpTransportOptions = {},
  ): Promise<TcpTransport> {
    const transport = new TcpTransport(hub, options);
    transport.#listener = await TcpListener.open(
      listen,
      (socket) => transport.#accept(socket),
      transport.#log,
    );
    // One timer for all connections: handshake deadlines and heartbeats.
    transport.#sweeper = setInterval(() => transport.#sweep(), SWEEP_MS);
    return transport;
  }

  private constructor(hub: Hub, options: TcpTransportOptions) {
    this.#hub = hub;
    this.#gate = options.gate ?? new ConnectionGate();
    this.#handshakeMs = options.handshakeMs ?? 10_000;
    this.#heartbeatMs = options.heartbeatMs ?? 30_000;
    this.#log = options.log ?? (() => {});
    const log = this.#log;
    this.#outbox = {
      maxQueuedBytes: options.maxQueuedBytes ?? 1024 * 1024,
      maxQueuedFrames: options.maxQueuedFrames ?? 4096,
      flusher: this.#flusher,
      overflow(session) {
        log(`${session.remote} dropped: it stopped reading`);
        hub.close(session, "too slow to keep up");
      },
    };
    this.#limits = {
      hub,
      greetAfter: options.greetAfter ?? 500,
      frameRate: options.frameRate ?? { burst: 40, perSecond: 10 },
      byteRate: options.byteRate ?? { burst: 128 * 1024, perSecond: 32 * 1024 },
      maxStrikes: options.maxStrikes ?? 10,
      log,
    };
    const readers = this.#readers;
    const gate = this.#gate;
    const drained = () => this.#drained;
    this.#events = {
      data(this: Socket, chunk: Uint8Array) {
        readers.get(this)?.data(chunk);
      },
      end(this: Socket) {
        readers.get(this)?.finish("connection closed");
      },
      error(this: Socket) {
        readers.get(this)?.finish("connection lost");
      },
      close(this: Socket) {
        const reader = readers.get(this);
        if (reader === undefined) return;
        reader.finish("connection closed");
        readers.delete(this);
        gate.release(reader.session.address);
        if (readers.size === 0) drained()?.resolve();
      },
    };
  }

  /** The address the listener is bound to. */
  get addr(): Deno.NetAddr {
    return this.#listener.addr;
  }

  /** Stops accepting. Open connections stay until the hub closes them. */
  stopAccepting(): Promise<void> {
    return this.#listener.close();
  }

  /**
   * Waits up to `ms` for open connections to finish sending and close, then
   * closes what is left.
   */
  async drain(ms: number): Promise<void> {
    await this.stopAccepting();
    clearInterval(this.#sweeper);
    if (this.#readers.size > 0) {
      this.#drained = Promise.withResolvers();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
      await Promise.race([this.#drained.promise, timeout]);
      clearTimeout(timer);
      for (const reader of this.#readers.values()) reader.session.destroy();
      await this.#drained.promise;
    }
    this.#flusher[Symbol.dispose]();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.drain(0);
  }

  #sweep(): void {
    const now = performance.now();
    for (const { session } of this.#readers.values()) {
      if (session.closing) continue;
      if (!this.#hub.isNamed(session)) {
        // A person on nc sends nothing until the name is typed: as long as for text.
        const limit = session.text || session.silent ? this.#handshakeMs * 6 : this.#handshakeMs;
        if (now - session.openedAt > limit) {
          const seconds = Math.round(limit / 1000);
          this.#log(`${session.remote} dropped: no hello within ${seconds} s`);
          // End the greeting's open "Your name: " line.
          if (session.silent) session.write(encoder.encode("\n"));
          session.send({ type: "bye", reason: `No hello within ${seconds} s` });
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

  #accept(socket: Socket): void {
    const address = peerAddress(socket);
    const refusal = this.#gate.admit(address);
    if (refusal !== undefined) return this.#refuse(socket, refusal);
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    const session = new TcpSession(socket, address, this.#outbox);
    this.#hub.open(session);
    this.#readers.set(socket, new TcpReader(session, socket, this.#limits));
    const events = this.#events;
    socket.on("data", events.data);
    socket.on("end", events.end);
    socket.on("error", events.error);
    socket.on("close", events.close);
  }

  /** Tells a connection over the limits why, in a form both JSON and text peers can read. */
  #refuse(socket: Socket, reason: string): void {
    socket.on("error", () => {});
    socket.once("finish", destroyWhenFinished);
    socket.end(encodeJson({ type: "bye", reason, retry: true }));
  }
}
