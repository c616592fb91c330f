/**
 * Every socket session of a server, whichever port it came in on: JSON lines
 * and plain text from the chat port, WebSocket from the web port. Each gets a
 * reader and a bounded, coalescing outbox; one timer enforces the hello
 * deadline and the heartbeat for all of them.
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
import type { ServerConfig } from "../config.ts";
import type { Slot } from "../limits.ts";
import { Flusher } from "./outbox.ts";
import type { SessionMode } from "./tcp_session.ts";
import { type LineProtocolFactory, Peer, type PeerLimits } from "./peer.ts";

const SWEEP_MS = 1000;

/**
 * A sweep this late means the event loop was blocked: input that arrived
 * meanwhile is still waiting to be read, so nobody is judged silent on it.
 */
const STALL_MS = SWEEP_MS / 2;

/** What {@linkcode Connections} needs of the server's config (server/config.ts). */
export type ConnectionsConfig =
  & Pick<
    ServerConfig,
    | "maxQueuedFrames"
    | "maxQueuedBytes"
    | "handshakeMs"
    | "heartbeatMs"
    | "frameRate"
    | "byteRate"
    | "maxStrikes"
    | "greetAfterMs"
  >
  & {
    /** Receives one line per connection problem. */
    readonly log: (line: string) => void;
  };

/** The socket events a connection is served by. */
interface SocketListeners {
  data(this: Socket, chunk: Uint8Array): void;
  end(this: Socket): void;
  error(this: Socket): void;
  close(this: Socket): void;
}

/** The socket sessions of one server and the timer that keeps them honest. */
export class Connections {
  readonly #limits: PeerLimits;
  /** The peer of every open connection, until its socket is closed. */
  readonly #peers = new Map<Socket, Peer>();
  /** Socket event listeners, shared by every connection: they find the peer by socket. */
  readonly #events: SocketListeners;
  readonly #sweeper: ReturnType<typeof setInterval>;
  #lastSweep = performance.now();
  readonly #flusher = new Flusher();
  /** Resolved when the last connection closes, while draining. */
  #drained: PromiseWithResolvers<void> | undefined;

  constructor(hub: Hub, config: ConnectionsConfig) {
    this.#limits = {
      hub,
      outbox: {
        maxQueuedBytes: config.maxQueuedBytes,
        maxQueuedFrames: config.maxQueuedFrames,
        flusher: this.#flusher,
      },
      handshakeMs: config.handshakeMs,
      heartbeatMs: config.heartbeatMs,
      greetAfter: config.greetAfterMs,
      frameRate: config.frameRate,
      byteRate: config.byteRate,
      maxStrikes: config.maxStrikes,
      log: config.log,
    };
    const peers = this.#peers;
    const drained = () => this.#drained;
    this.#events = {
      data(this: Socket, chunk: Uint8Array) {
        peers.get(this)?.data(chunk);
      },
      end(this: Socket) {
        peers.get(this)?.end("connection closed");
      },
      error(this: Socket) {
        peers.get(this)?.end("connection lost");
      },
      close(this: Socket) {
        const peer = peers.get(this);
        if (peer === undefined) return;
        peer.end("connection closed");
        // Frees its slot, and stops a lingering drop's timer.
        peer.session.destroy();
        peers.delete(this);
        if (peers.size === 0) drained()?.resolve();
      },
    };
    // One timer for all connections: hello deadlines and heartbeats.
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_MS);
  }

  /** Open connections. */
  get size(): number {
    return this.#peers.size;
  }

  /**
   * Serves a socket: `"unknown"` for the chat port, where the first byte
   * picks JSON or text, `"websocket"` for an upgraded web request, whose
   * first bytes may already have arrived as `head`, or the line protocol
   * of a port of its own (IRC).
   */
  serve(
    socket: Socket,
    slot: Slot,
    mode: SessionMode | LineProtocolFactory,
    head?: Uint8Array,
  ): void {
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    const peer = new Peer(socket, slot, mode, this.#limits);
    this.#limits.hub.open(peer.member);
    this.#peers.set(socket, peer);
    const events = this.#events;
    socket.on("data", events.data);
    socket.on("end", events.end);
    socket.on("error", events.error);
    socket.on("close", events.close);
    if (head !== undefined && head.length > 0) peer.data(head);
  }

  /**
   * Waits up to `ms` for open connections to finish sending and close, then
   * closes what is left.
   */
  async drain(ms: number): Promise<void> {
    clearInterval(this.#sweeper);
    if (this.#peers.size > 0) {
      this.#drained = Promise.withResolvers();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
      await Promise.race([this.#drained.promise, timeout]);
      clearTimeout(timer);
      for (const peer of this.#peers.values()) peer.session.destroy();
      await this.#drained.promise;
    }
    this.#flusher[Symbol.dispose]();
  }

  #sweep(): void {
    const now = performance.now();
    const late = now - this.#lastSweep - SWEEP_MS;
    this.#lastSweep = now;
    // Whoever answered while the loop was blocked is heard before being judged.
    if (late > STALL_MS) return;
    for (const peer of this.#peers.values()) peer.check(now);
  }
}
