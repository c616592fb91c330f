/**
 * The web transport: serves the embedded browser client over HTTP and turns
 * WebSocket connections on `/ws` into hub sessions. Each WebSocket message
 * carries one JSON frame, the same frames as the TCP protocol.
 *
 * @module
 */

import { MAX_CLIENT_LINE_BYTES, type ServerFrame, utf8Length } from "../../protocol.ts";
import type { Hub } from "../hub.ts";
import type { Session } from "../session.ts";
import { ConnectionGate, TokenBucket } from "../limits.ts";
import { FrameIntake } from "./intake.ts";
import type { Rate } from "./tcp.ts";

/** One file the web server serves. */
export interface WebAsset {
  /** The `Content-Type` header. */
  type: string;
  /** The file's bytes or text. */
  body: string | Uint8Array<ArrayBuffer>;
}

/** Options for {@linkcode WebTransport.start}. */
export interface WebTransportOptions {
  /** Interface to bind. */
  hostname: string;
  /** TCP port; `0` asks the OS for a free one. */
  port: number;
  /** Files by URL path; `/` is the page. */
  assets: ReadonlyMap<string, WebAsset>;
  /** Bad frames a connection may send before it is closed. @default {10} */
  maxStrikes?: number;
  /** Bytes buffered for a socket before it counts as too slow and is dropped. @default {1048576} */
  maxBufferedBytes?: number;
  /** Receives one line per connection problem. @default {no logging} */
  log?: (line: string) => void;
  /** Connection limits shared with the other transports. @default {a gate of its own} */
  gate?: ConnectionGate;
  /** Milliseconds of silence after which a socket counts as gone. @default {30000} */
  heartbeatMs?: number;
  /** Base handshake time in milliseconds; a page gets six times as long, for typing a name. @default {10000} */
  handshakeMs?: number;
  /** Frames a socket may send. @default {40 at once, 10 per second} */
  frameRate?: Rate;
  /** Certificate and key (PEM) to serve HTTPS and WSS instead. */
  tls?: { cert: string; key: string };
}

/** Sent with every HTTP response: nothing inline, nothing remote, no framing. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; " +
    "connect-src 'self'; img-src 'self' data:; manifest-src 'self'; base-uri 'none'; " +
    "form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=()",
};

// Each frame is serialised once however many sockets it is sent to.
const serialized = new WeakMap<ServerFrame, string>();

function serialize(frame: ServerFrame): string {
  let text = serialized.get(frame);
  if (text === undefined) {
    text = JSON.stringify(frame);
    serialized.set(frame, text);
  }
  return text;
}

function formatAddr(addr: Deno.NetAddr): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

/** One browser connected over WebSocket. */
class WebSocketSession implements Session {
  readonly remote: string;
  readonly address: string;
  /** When the socket was opened, from `performance.now()`. */
  readonly openedAt = performance.now();
  readonly #socket: WebSocket;
  readonly #maxBufferedBytes: number;
  #closing = false;
  /** Called once when the session is dropped for being too slow. */
  onOverflow: () => void = () => {};

  constructor(socket: WebSocket, addr: Deno.NetAddr, maxBufferedBytes: number) {
    this.#socket = socket;
    this.remote = formatAddr(addr);
    this.address = addr.hostname;
    this.#maxBufferedBytes = maxBufferedBytes;
  }

  get closing(): boolean {
    return this.#closing;
  }

  send(frame: ServerFrame): void {
    if (this.#closing || this.#socket.readyState !== WebSocket.OPEN) return;
    if (this.#socket.bufferedAmount > this.#maxBufferedBytes) {
      this.#closing = true;
      this.#socket.close(1008, "Too slow to keep up");
      this.onOverflow();
      return;
    }
    try {
      this.#socket.send(serialize(frame));
    } catch {
      // The socket closed under us; its close event tells the hub.
    }
  }

  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    if (
      this.#socket.readyState === WebSocket.OPEN || this.#socket.readyState === WebSocket.CONNECTING
    ) {
      this.#socket.close(1000, "Goodbye");
    }
  }
}

/** Serves the web client and its WebSocket endpoint. */
export class WebTransport implements AsyncDisposable {
  readonly #hub: Hub;
  readonly #gate: ConnectionGate;
  readonly #heartbeatMs: number;
  readonly #handshakeMs: number;
  readonly #frameRate: Rate;
  readonly #sessions = new Set<WebSocketSession>();
  readonly #sweeper: ReturnType<typeof setInterval>;
  readonly #assets: ReadonlyMap<string, WebAsset>;
  readonly #maxStrikes: number;
  readonly #maxBufferedBytes: number;
  readonly #log: (line: string) => void;
  readonly #sockets = new Set<WebSocket>();
  #allClosed: (() => void) | undefined;
  readonly #server: Deno.HttpServer<Deno.NetAddr>;

  /** Binds the HTTP port and starts serving; throws if the port cannot be bound. */
  constructor(hub: Hub, options: WebTransportOptions) {
    this.#hub = hub;
    this.#gate = options.gate ?? new ConnectionGate();
    this.#heartbeatMs = options.heartbeatMs ?? 30_000;
    this.#handshakeMs = options.handshakeMs ?? 10_000;
    this.#frameRate = options.frameRate ?? { burst: 40, perSecond: 10 };
    this.#sweeper = setInterval(() => this.#sweep(), 1000);
    this.#assets = options.assets;
    this.#maxStrikes = options.maxStrikes ?? 10;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
    this.#log = options.log ?? (() => {});
    this.#server = Deno.serve({
      hostname: options.hostname,
      port: options.port,
      ...(options.tls ?? {}),
      onListen: () => {},
      onError: (error) => {
        this.#log(`Web request failed: ${(error as Error).message}`);
        return respond("Internal server error\n", "text/plain; charset=utf-8", 500);
      },
    }, (request, info) => this.#handle(request, info));
  }

  /** The bound HTTP address. */
  get addr(): Deno.NetAddr {
    return this.#server.addr;
  }

  #sweep(): void {
    const now = performance.now();
    for (const session of this.#sessions) {
      if (session.closing || this.#hub.isNamed(session)) continue;
      if (now - session.openedAt > this.#handshakeMs * 6) {
        session.send({ type: "bye", reason: "No hello in time" });
        this.#hub.close(session, "no hello");
        session.close();
      }
    }
  }

  /** Waits up to `ms` for open sockets to close, then stops the HTTP server. */
  async drain(ms: number): Promise<void> {
    clearInterval(this.#sweeper);
    if (this.#sockets.size > 0) {
      const closed = new Promise<void>((resolve) => this.#allClosed = resolve);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, ms));
      await Promise.race([closed, timeout]);
      clearTimeout(timer);
    }
    await this.#server.shutdown();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.drain(0);
  }

  #handle(request: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>): Response {
    const url = new URL(request.url);
    if (url.pathname === "/ws") {
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return respond("This is the chat WebSocket endpoint\n", "text/plain; charset=utf-8", 426);
      }
      return this.#upgrade(request, info);
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return respond("Method not allowed\n", "text/plain; charset=utf-8", 405);
    }
    const asset = this.#assets.get(url.pathname);
    if (asset === undefined) return respond("Not found\n", "text/plain; charset=utf-8", 404);
    return respond(request.method === "HEAD" ? null : asset.body, asset.type, 200);
  }

  #upgrade(request: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>): Response {
    // A page from another site must not join on its visitor's behalf.
    const origin = request.headers.get("origin");
    if (origin !== null && URL.parse(origin)?.host !== request.headers.get("host")) {
      return respond("Cross-origin WebSocket refused\n", "text/plain; charset=utf-8", 403);
    }
    // Read before upgrading: once upgraded, the request is gone and
    // `info.remoteAddr` throws "Request closed".
    const addr = info.remoteAddr;
    const refusal = this.#gate.admit(addr.hostname);
    if (refusal !== undefined) return respond(`${refusal}\n`, "text/plain; charset=utf-8", 503);
    // Deno pings an idle socket and closes it when no pong comes back.
    let upgraded;
    try {
      upgraded = Deno.upgradeWebSocket(request, {
        idleTimeout: Math.max(1, Math.round(this.#heartbeatMs / 1000)),
      });
    } catch (error) {
      this.#gate.release(addr.hostname);
      throw error;
    }
    const { socket, response } = upgraded;
    const hub = this.#hub;
    const session = new WebSocketSession(socket, addr, this.#maxBufferedBytes);
    const frames = new TokenBucket(this.#frameRate.burst, this.#frameRate.perSecond);
    const intake = new FrameIntake(session, hub, { maxStrikes: this.#maxStrikes, log: this.#log });
    session.onOverflow = () => {
      this.#log(`${session.remote} dropped: it stopped reading`);
      hub.close(session, "too slow to keep up");
    };
    this.#sockets.add(socket);
    socket.onopen = () => hub.open(session);
    socket.onmessage = (event: MessageEvent) => {
      if (session.closing) return;
      // A browser cannot be slowed down by not reading: a flood is refused instead.
      if (!frames.tryTake(1)) {
        session.send({
          type: "error",
          code: "rate_limited",
          message: "You are sending too fast: that message was not sent",
        });
        return;
      }
      if (!this.#receive(intake, event.data)) {
        hub.close(session, "too many bad frames");
        session.close();
      }
    };
    this.#sessions.add(session);
    let released = false;
    socket.onclose = () => {
      if (!released) this.#gate.release(addr.hostname);
      released = true;
      this.#sessions.delete(session);
      this.#sockets.delete(socket);
      hub.close(session, "connection closed");
      if (this.#sockets.size === 0) this.#allClosed?.();
    };
    socket.onerror = () => {};
    return response;
  }

  /** Checks one message; returns `false` once the socket must be closed. */
  #receive(intake: FrameIntake, data: unknown): boolean {
    if (typeof data !== "string") {
      return intake.refuse("bad_frame", "Cannot read frame: binary messages are not accepted");
    }
    // Same limit as a TCP line, which counts its newline.
    if (data.length >= MAX_CLIENT_LINE_BYTES || utf8Length(data) >= MAX_CLIENT_LINE_BYTES) {
      return intake.refuse(
        "line_too_long",
        `Cannot read frame: it is longer than ${MAX_CLIENT_LINE_BYTES - 1} bytes`,
      );
    }
    return intake.line({ ok: true, line: data });
  }
}

function respond(body: BodyInit | null, type: string, status: number): Response {
  return new Response(body, {
    status,
    headers: { ...SECURITY_HEADERS, "content-type": type, "cache-control": "no-cache" },
  });
}
