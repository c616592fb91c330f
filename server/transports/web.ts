/**
 * The web port: serves the embedded browser client over HTTP (`node:http`)
 * and turns WebSocket upgrades on `/ws` into socket sessions, one JSON frame
 * per message, the same frames as the chat port.
 *
 * Every connection is counted in the connection gate from the moment it is
 * accepted, like the chat port's, and is held to deadlines: a request must
 * arrive within the handshake time, an idle kept-alive connection is closed
 * after a few seconds, and a response must be taken within 30 seconds. Only
 * requests naming this server (host_names.ts) are answered, so a page on
 * another site cannot reach it by rebinding its own name to this address.
 * A WebSocket is taken from the page's own origin, and in a cluster from the
 * pages of the other servers of the same chat, which come here when their
 * own server goes away; their page's policy lets them connect here.
 *
 * Connections are kept alive between requests, and an idle one (its answers
 * all sent, no byte of a next request come) makes way for a new connection
 * when the server is full or out of file descriptors (tcp_listener.ts).
 *
 * @module
 */

import { createHash } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { ConnectionGate, Slot } from "../limits.ts";
import type { Connections } from "./connections.ts";
import { TcpListener } from "./tcp_listener.ts";
import { destroyWhenFinished } from "./outbox.ts";
import { HostNames, requestedHost, unknownHost } from "./host_names.ts";
import { acceptKey, isValidKey } from "./websocket.ts";
import { discardPace, type FileRoutes, isFilePath, namesTag, refuseFiles } from "../files/http.ts";

/** One file the web server serves. */
export interface WebAsset {
  /** The `Content-Type` header. */
  type: string;
  /** The file's bytes or text. */
  body: string | Uint8Array<ArrayBuffer>;
  /**
   * A page's inline scripts and style sheets: its policy allows exactly
   * those, and no other, not even this server's files.
   * @default {none: the policy of {@linkcode SECURITY_HEADERS}}
   */
  inline?: InlineHashes | undefined;
}

/** A page's inline scripts and style sheets, each by the CSP source of its hash. */
export interface InlineHashes {
  /** `'sha256-…'` of the text of each inline `<script>`. */
  readonly scripts: readonly string[];
  /** `'sha256-…'` of the text of each `<style>`. */
  readonly styles: readonly string[];
}

/** A file as served: its bytes, encoded once, and the tag that names this version of them. */
interface ServedAsset {
  type: string;
  bytes: Uint8Array;
  /** The `ETag` header, a strong validator (RFC 9110, 8.8.3). */
  etag: string;
  inline: InlineHashes | undefined;
}

function serveable(assets: ReadonlyMap<string, WebAsset>): Map<string, ServedAsset> {
  const served = new Map<string, ServedAsset>();
  for (const [path, { type, body, inline }] of assets) {
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    const digest = createHash("sha256").update(bytes).digest("base64url").slice(0, 22);
    served.set(path, { type, bytes, etag: `"${digest}"`, inline });
  }
  return served;
}

/** Options for {@linkcode WebTransport.open}. */
export interface WebTransportOptions {
  /** Interface to bind. */
  hostname: string;
  /** TCP port; `0` asks the OS for a free one. */
  port: number;
  /** The chat port, told to a chat client that came to this port by mistake. */
  chatPort?: number;
  /** Files by URL path; `/` is the page. */
  assets: ReadonlyMap<string, WebAsset>;
  /** Connection limits shared with the chat port. */
  gate: ConnectionGate;
  /** Certificate and key (PEM) to serve HTTPS and WSS instead. */
  tls?: { cert: string; key: string } | undefined;
  /** Milliseconds a connection has to send a whole request. */
  handshakeMs: number;
  /** Milliseconds between checks that the port still takes connections; 0 turns them off. */
  probeMs: number;
  /** More host names (or addresses) the page may be reached by. */
  webHosts: readonly string[];
  /** Receives one line per connection problem. */
  log: (line: string) => void;
  /** The shared files' endpoints, `/files` and `/files/...`; left out, they refuse every request. */
  files?: FileRoutes | undefined;
  /**
   * In a cluster: the URLs of the other servers' web clients
   * (`http://host:port/`) now. Their pages may open a WebSocket here, and this
   * page may connect to theirs. @default {none}
   */
  peers?: (() => readonly string[]) | undefined;
}

/**
 * Sent with every HTTP response: nothing inline, nothing remote, no framing.
 * The page's own allows its inline script and style sheet by their hashes
 * (see {@linkcode inlinePolicy}).
 */
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

/**
 * {@linkcode SECURITY_HEADERS} for a page that may also connect to the
 * WebSockets of the servers whose pages are at `origins` (`http://host:port`):
 * their `ws:` (or `wss:`) origins are added to `connect-src`.
 */
export function securityHeaders(origins: Iterable<string>): Readonly<Record<string, string>> {
  const sockets = [...origins].flatMap((origin) => {
    const url = URL.parse(origin);
    if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) return [];
    return [`${url.protocol === "https:" ? "wss" : "ws"}://${url.host}`];
  });
  if (sockets.length === 0) return SECURITY_HEADERS;
  const policy = SECURITY_HEADERS["content-security-policy"]!.replace(
    "connect-src 'self'",
    `connect-src 'self' ${sockets.join(" ")}`,
  );
  return { ...SECURITY_HEADERS, "content-security-policy": policy };
}

/**
 * `headers` for a page whose scripts and style sheets are all inline: its
 * policy's `script-src` and `style-src` allow exactly those, by their hashes.
 */
export function inlinePolicy(
  headers: Readonly<Record<string, string>>,
  inline: InlineHashes,
): Readonly<Record<string, string>> {
  const sources = (hashes: readonly string[]) => hashes.length === 0 ? "'none'" : hashes.join(" ");
  const policy = headers["content-security-policy"]!
    .replace("script-src 'self'", `script-src ${sources(inline.scripts)}`)
    .replace("style-src 'self'", `style-src ${sources(inline.styles)}`);
  return { ...headers, "content-security-policy": policy };
}

/** Most origins of other servers remembered as the cluster's. */
const MAX_PEER_ORIGINS = 256;

const TEXT_PLAIN = "text/plain; charset=utf-8";
/** How long a kept-alive connection may wait for its next request. */
const KEEP_ALIVE_MS = 5_000;
/** How long a response may take to be read by its client. */
const RESPONSE_MS = 30_000;
const SWEEP_MS = 1_000;
/** Requests a connection may have waiting for their answers at once. */
const MAX_PIPELINED = 4;
/** Answers waiting in a socket's buffer beyond which its next request waits. */
const PAUSE_BYTES = 64 * 1024;

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  426: "Upgrade Required",
  431: "Request Header Fields Too Large",
  503: "Service Unavailable",
};

/** One HTTP connection, until it is upgraded or closed. */
interface HttpConnection {
  readonly slot: Slot;
  /** When it was accepted, or its last response was sent; `performance.now()`. */
  since: number;
  /** Requests being answered: more than one means the client pipelines them. */
  busy: number;
  /** Whether a response was sent on it already. */
  served: boolean;
  /** The last request read on it. */
  request: IncomingMessage | undefined;
  /** Whether bytes came after `request` was read whole: a next request is on its way. */
  reading: boolean;
  /** Whether it waits for its answers to leave its buffer before it counts as idle. */
  draining: boolean;
  /** The answer to `request`. */
  response: ServerResponse | undefined;
  /** Whether it is to be closed once its answers are sent: what came after them was not HTTP. */
  closing: boolean;
  /** Notes the bytes of a next request; a `data` listener. */
  readonly onData: () => void;
}

/** What `node:http` says of bytes it cannot parse. */
interface ParseError extends Error {
  /** `HPE_HEADER_OVERFLOW`, `HPE_INVALID_METHOD`, … */
  code?: string;
  /** The bytes it was parsing when it failed. */
  rawPacket?: Uint8Array;
}

/** Methods a request line may start with: bytes that start so are meant as HTTP. */
const HTTP_METHOD = /^(?:GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH|TRACE|CONNECT|PRI) /;

/**
 * Whether the first bytes of a connection were meant as an HTTP request:
 * they start with a method, or their first line ends as a request line does
 * (`HTTP/1.1`). A chat client at the wrong port sends a JSON frame, an IRC
 * client `NICK` or `CAP`, a person on nc a name: none of them do.
 */
function meantAsHttp(start: string): boolean {
  return HTTP_METHOD.test(start) || /^[^\n]* HTTP\/\d(?:\.\d)?\r?\n/.test(start);
}

/**
 * A whole response written straight to a socket, then the socket closed: for
 * answers given outside a request (refusals, failed upgrades, parse errors).
 */
function rawResponse(socket: Socket, status: number, text: string, extra = ""): void {
  const body = new TextEncoder().encode(`${text}\n`);
  const headers = Object.entries(SECURITY_HEADERS).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.on("error", () => {});
  if (socket.destroyed || socket.writableEnded) return;
  socket.once("finish", destroyWhenFinished);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Error"}\r\n` +
      `content-type: ${TEXT_PLAIN}\r\ncontent-length: ${body.length}\r\n` +
      `cache-control: no-cache\r\nconnection: close\r\n${headers.join("")}${extra}\r\n` +
      new TextDecoder().decode(body),
  );
}

/** Serves the web client and its WebSocket endpoint. */
export class WebTransport {
  #listener!: TcpListener;
  readonly #connections: Connections;
  readonly #assets: ReadonlyMap<string, ServedAsset>;
  readonly #hosts: HostNames;
  readonly #handshakeMs: number;
  readonly #files: FileRoutes | undefined;
  /** The pace of the uploads refused for `--no-files`, read and dropped. */
  readonly #discarding = discardPace();
  readonly #peers: (() => readonly string[]) | undefined;
  /**
   * The origins of every other server's page seen in the cluster since this
   * one started, gone ones too: a page whose own server went away comes here
   * after it is gone, and may come after another one it went to is gone.
   */
  readonly #peerOrigins = new Set<string>();
  readonly #http: http.Server;
  /** HTTP connections not (yet) upgraded. */
  readonly #open = new Map<Socket, HttpConnection>();
  #sweeper: ReturnType<typeof setInterval> | undefined;

  private constructor(connections: Connections, options: WebTransportOptions) {
    this.#connections = connections;
    this.#assets = serveable(options.assets);
    this.#hosts = new HostNames(options.hostname, options.webHosts);
    this.#handshakeMs = options.handshakeMs;
    this.#files = options.files;
    this.#peers = options.peers;
    // A request without Host is answered here, with the page's headers, rather than by the
    // library's bare 400 (requestedHost).
    this.#http = http.createServer(
      { requireHostHeader: false },
      (request, response) => this.#request(request, response),
    );
    // A request that says `Expect: 100-continue` is checked like any other, and
    // 100 Continue is sent only where its body is wanted: an upload that its
    // headers already refuse gets its refusal instead, before any of its bytes.
    // That answer ends the connection, as its client may send the body or not
    // (RFC 9110, 10.1.1): a next request could not be told from it.
    this.#http.on("checkContinue", (request: IncomingMessage, response: ServerResponse) => {
      response.setHeader("connection", "close");
      this.#request(request, response, () => {
        response.removeHeader("connection");
        response.writeContinue();
      });
    });
    // Deno's node:http destroys a connection once its last answer is sent when
    // the server is not listening, as ours never is: the sockets come from our
    // own listener. Listening, it keeps them alive for the next request.
    Object.defineProperty(this.#http, "listening", { value: true });
    // Said in the `Keep-Alive` header: the idle time the sweep allows.
    this.#http.keepAliveTimeout = Math.min(KEEP_ALIVE_MS, options.handshakeMs);
    this.#http.on("upgrade", (request: IncomingMessage, socket: Socket, head: Uint8Array) => {
      this.#upgrade(request, socket, head);
    });
    // CONNECT is handed over apart from other requests; it is not allowed here either.
    this.#http.on("connect", (_request: IncomingMessage, socket: Socket) => {
      socket.removeAllListeners("data");
      rawResponse(socket, 405, "Method not allowed", "allow: GET, HEAD\r\n");
    });
    this.#http.on("clientError", (error: ParseError, socket: Socket) => {
      // The parser is fed nothing more: it would fail again on every chunk that follows until
      // the socket closes, and each time Deno's node:http adds an `error` listener to it.
      socket.removeAllListeners("data");
      const connection = this.#open.get(socket);
      // Answers on their way are not cut into, nor followed by one no request asked for:
      // the connection ends once they are sent.
      if (
        connection !== undefined && connection.busy > 0 &&
        (connection.busy > 1 || connection.response?.headersSent === true)
      ) {
        connection.closing = true;
        return;
      }
      if (error.code === "HPE_HEADER_OVERFLOW") {
        return rawResponse(socket, 431, "Cannot read the request");
      }
      // A chat client or a person on nc, at the wrong port, is told which is right: their
      // first bytes fail, and are not meant as HTTP.
      const { chatPort } = options;
      const packet = error.rawPacket ?? new Uint8Array();
      const first = connection?.request === undefined && socket.bytesRead <= packet.length;
      const start = String.fromCharCode(...packet.subarray(0, 256));
      if (chatPort === undefined || !first || meantAsHttp(start)) {
        return rawResponse(socket, 400, "Cannot read the request: it is not valid HTTP");
      }
      rawResponse(
        socket,
        400,
        `Cannot read the request: this is the web port of a chat server, for browsers; its chat port is ${chatPort}`,
        `x-chat-port: ${chatPort}\r\n`,
      );
    });
  }

  /**
   * Binds the port and starts serving; rejects with the system's error (its
   * `code` is `EADDRINUSE`, …) when the port cannot be bound.
   */
  static async open(
    options: WebTransportOptions,
    connections: Connections,
  ): Promise<WebTransport> {
    const transport = new WebTransport(connections, options);
    transport.#listener = await TcpListener.open({
      hostname: options.hostname,
      port: options.port,
      tls: options.tls,
      handshakeMs: options.handshakeMs,
      probeMs: options.probeMs,
      label: "web",
    }, {
      gate: options.gate,
      accept: (socket, slot) => transport.#accept(socket, slot),
      refuse: (socket, reason) => rawResponse(socket, 503, reason),
      log: options.log,
    });
    transport.#sweeper = setInterval(() => transport.#sweep(), SWEEP_MS);
    return transport;
  }

  /** The bound HTTP address. */
  get addr(): Deno.NetAddr {
    return this.#listener.addr;
  }

  /** Stops accepting and closes every connection that is not a WebSocket session. */
  async stopAccepting(): Promise<void> {
    clearInterval(this.#sweeper);
    await this.#listener.close();
    for (const socket of this.#open.keys()) socket.destroy();
    this.#open.clear();
  }

  #accept(socket: Socket, slot: Slot): void {
    const connection: HttpConnection = {
      slot,
      since: performance.now(),
      busy: 0,
      served: false,
      request: undefined,
      reading: false,
      draining: false,
      response: undefined,
      closing: false,
      // Called before the HTTP parser reads the same bytes.
      onData: () => {
        if (connection.reading || connection.request?.complete !== true) return;
        connection.reading = true;
        this.#listener.markBusy(socket);
      },
    };
    this.#open.set(socket, connection);
    socket.on("data", connection.onData);
    socket.once("close", () => {
      this.#open.delete(socket);
      this.#listener.markBusy(socket);
    });
    this.#http.emit("connection", socket);
  }

  /**
   * Marks a connection idle once its last request is read whole and its
   * answers are all handed to the system, unless a next request has started:
   * only then can it be closed to make room without cutting anything off.
   */
  #idle(socket: Socket, connection: HttpConnection): void {
    const request = connection.request;
    // An answer that closes the connection was its last.
    if (
      request === undefined || connection.busy > 0 || connection.reading ||
      socket.writableEnded || socket.destroyed
    ) return;
    // An upload refused early: the rest of its body is still coming.
    if (!request.complete) return void request.once("end", () => this.#idle(socket, connection));
    if (socket.writableLength > 0) {
      if (connection.draining) return;
      connection.draining = true;
      return void socket.once("drain", () => {
        connection.draining = false;
        this.#idle(socket, connection);
      });
    }
    this.#listener.markIdle(socket, connection.slot);
  }

  /** Takes note of the origins of the other servers of the cluster now; returns all seen. */
  #notePeers(): ReadonlySet<string> {
    for (const url of this.#peers?.() ?? []) {
      const origin = URL.parse(url)?.origin;
      if (origin === undefined || origin === "null" || this.#peerOrigins.has(origin)) continue;
      this.#peerOrigins.add(origin);
      if (this.#peerOrigins.size > MAX_PEER_ORIGINS) {
        this.#peerOrigins.delete(this.#peerOrigins.values().next().value!);
      }
    }
    return this.#peerOrigins;
  }

  /** Closes connections that keep a slot without a request, or without reading their answer. */
  #sweep(): void {
    // Servers come and go between pages: each one seen is remembered.
    this.#notePeers();
    const now = performance.now();
    for (const [socket, connection] of this.#open) {
      const limit = connection.busy > 0
        ? RESPONSE_MS
        : connection.served
        ? Math.min(KEEP_ALIVE_MS, this.#handshakeMs)
        : this.#handshakeMs;
      if (now - connection.since <= limit) continue;
      this.#open.delete(socket);
      socket.destroy();
    }
  }

  /** Answers `request`; `proceed` sends 100 Continue to a client waiting for it. */
  #request(request: IncomingMessage, response: ServerResponse, proceed = () => {}): void {
    const socket = request.socket as Socket;
    const connection = this.#open.get(socket);
    if (connection === undefined) return void socket.destroy();
    // Browsers do not pipeline: a client that sends request after request
    // without reading the answers would make the server hold them all.
    if (++connection.busy > MAX_PIPELINED) {
      this.#open.delete(socket);
      return void socket.destroy();
    }
    connection.since = performance.now();
    connection.request = request;
    connection.response = response;
    connection.reading = false;
    this.#listener.markBusy(socket);
    response.once("finish", () => {
      connection.busy--;
      connection.served = true;
      connection.since = performance.now();
      if (connection.closing && connection.busy === 0 && !socket.writableEnded) {
        socket.once("finish", destroyWhenFinished);
        return void socket.end();
      }
      // Read the next request only once this answer is on its way.
      if (socket.writableLength > PAUSE_BYTES && !socket.isPaused()) {
        socket.pause();
        socket.once("drain", () => socket.resume());
      }
      this.#idle(socket, connection);
    });
    const target = requestedHost(request);
    if (!target.ok) return respond(response, 400, `${target.message}\n`, TEXT_PLAIN, true);
    if (!this.#hosts.allows(target.host)) {
      return respond(response, 403, `${unknownHost(target.host)}\n`, TEXT_PLAIN, true);
    }
    const path = URL.parse(request.url ?? "/", "http://host")?.pathname ?? "/";
    if (path === "/ws") {
      // RFC 9110, 15.5.22 and 7.8: a 426 names the protocol to upgrade to, as a hop-by-hop header.
      return respond(response, 426, "This is the chat WebSocket endpoint\n", TEXT_PLAIN, false, {
        extra: { upgrade: "websocket", connection: "upgrade" },
      });
    }
    if (isFilePath(path)) {
      // Said as the file endpoints say a refusal, not as a page that is not there.
      if (this.#files === undefined) {
        return refuseFiles(request, response, SECURITY_HEADERS, this.#discarding);
      }
      // A file moving is a response being taken: its deadline starts again as bytes move.
      return this.#files.serve(request, response, {
        touch: () => connection.since = performance.now(),
        proceed,
      });
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      // Its body is not read: the connection ends with the answer.
      // RFC 9110, 15.5.6: a 405 says which methods are allowed.
      return respond(response, 405, "Method not allowed\n", TEXT_PLAIN, true, {
        extra: { allow: "GET, HEAD" },
      });
    }
    const asset = this.#assets.get(path);
    if (asset === undefined) return respond(response, 404, "Not found\n", TEXT_PLAIN);
    const policy = securityHeaders(this.#notePeers());
    const headers = asset.inline === undefined ? policy : inlinePolicy(policy, asset.inline);
    // A browser that holds this version of the file asks with its tag, and is told to use it
    // (RFC 9110, 15.4.5): a page opened again does not fetch its script again.
    if (namesTag(request.headers["if-none-match"], asset.etag)) {
      response.writeHead(304, { ...headers, etag: asset.etag, "cache-control": "no-cache" });
      return void response.end();
    }
    // HEAD gets GET's headers, Content-Length included; the response leaves out the body itself.
    respond(response, 200, asset.bytes, asset.type, false, {
      headers,
      extra: { etag: asset.etag },
    });
  }

  #upgrade(request: IncomingMessage, socket: Socket, head: Uint8Array): void {
    const connection = this.#open.get(socket);
    if (connection === undefined) return void socket.destroy();
    const headers = request.headers;
    const target = requestedHost(request);
    if (!target.ok) return rawResponse(socket, 400, target.message);
    if (!this.#hosts.allows(target.host)) return rawResponse(socket, 403, unknownHost(target.host));
    // A page from another site must not join on its visitor's behalf; one of another server
    // of the same chat may, as its own server went away.
    const origin = headers.origin;
    if (
      origin !== undefined && URL.parse(origin)?.host !== target.host &&
      !this.#notePeers().has(URL.parse(origin)?.origin ?? "")
    ) {
      return rawResponse(socket, 403, "Cross-origin WebSocket refused");
    }
    const path = URL.parse(request.url ?? "/", "http://host")?.pathname;
    if (path !== "/ws") return rawResponse(socket, 404, "Not found");
    const key = headers["sec-websocket-key"];
    if (
      headers.upgrade?.toLowerCase() !== "websocket" || request.method !== "GET" ||
      !isValidKey(key) || headers["sec-websocket-version"] !== "13"
    ) {
      return rawResponse(
        socket,
        426,
        "Cannot upgrade: expected a WebSocket handshake, version 13",
        "sec-websocket-version: 13\r\nupgrade: websocket\r\n",
      );
    }
    this.#open.delete(socket);
    this.#listener.markBusy(socket);
    socket.off("data", connection.onData);
    socket.write(
      "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n" +
        `sec-websocket-accept: ${acceptKey(key)}\r\n\r\n`,
    );
    this.#connections.serve(socket, connection.slot, "websocket", head);
  }
}

function respond(
  response: ServerResponse,
  status: number,
  body: string | Uint8Array,
  type: string,
  close = false,
  options: {
    headers?: Readonly<Record<string, string>>;
    /** Headers of this answer alone, beside the usual ones. */
    extra?: Readonly<Record<string, string>>;
  } = {},
): void {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  response.writeHead(status, {
    ...options.headers ?? SECURITY_HEADERS,
    ...options.extra,
    "content-type": type,
    "cache-control": "no-cache",
    ...(close ? { connection: "close" } : {}),
    "content-length": String(bytes.length),
  });
  response.end(bytes);
}
