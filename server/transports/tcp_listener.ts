/**
 * The TCP port's listening socket, kept accepting.
 *
 * Deno's `node:net` (2.9) stops accepting for good once `accept()` fails
 * with "too many open files", and says nothing: no `error` event, and the
 * port stays open, so clients connect and then wait forever. Freeing file
 * descriptors does not wake it up; listening again does. So a probe
 * connects to the port every few seconds, and when the listener does not
 * take it, the port is opened again.
 *
 * @module
 */

import net, { type Socket } from "node:net";
import tls from "node:tls";

/** Where and how to listen. */
export interface TcpListenOptions {
  hostname: string;
  port: number;
  /** PEM certificate and key: TLS on this port instead of plain TCP. */
  tls?: { cert: string; key: string } | undefined;
  /** Milliseconds a TLS handshake may take. @default {10000} */
  handshakeMs?: number;
  /** Milliseconds between probes of the listener; 0 turns them off. @default {5000} */
  probeMs?: number;
}

/** How long the listener has to take a probe before it counts as stuck. */
const PROBE_TIMEOUT_MS = 3000;
/** Probes come from a random port of the dynamic range, 49152 to 65535. */
const PROBE_PORT_FIRST = 49152;
const PROBE_PORT_COUNT = 16384;

function createServer(options: TcpListenOptions): net.Server {
  // Half-open: a peer that ends its side still gets what is queued for it.
  return options.tls === undefined ? net.createServer({ allowHalfOpen: true }) : tls.createServer({
    allowHalfOpen: true,
    cert: options.tls.cert,
    key: options.tls.key,
    handshakeTimeout: options.handshakeMs ?? 10_000,
  });
}

function bind(server: net.Server, hostname: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: hostname, port }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** The address a probe connects to: loopback when listening on every interface. */
function probeHost(hostname: string): string {
  if (hostname === "0.0.0.0") return "127.0.0.1";
  if (hostname === "::") return "::1";
  return hostname;
}

/** A listening TCP (or TLS) port that hands each accepted socket to `onSocket`. */
export class TcpListener {
  readonly #options: TcpListenOptions;
  readonly #onSocket: (socket: Socket) => void;
  readonly #log: (line: string) => void;
  readonly #addr: Deno.NetAddr;
  readonly #interval: ReturnType<typeof setInterval> | undefined;
  #server: net.Server;
  #stuck = false;
  #closed = false;
  #reopening = false;
  #probe: Socket | undefined;
  /** The local address and port of the last probe, to recognise it when it arrives. */
  #probeFrom: { address: string | undefined; port: number | undefined } | undefined;
  #probeTimer: ReturnType<typeof setTimeout> | undefined;
  #probeClosed: Promise<void> = Promise.resolve();

  /**
   * Binds the port. Rejects with the system's error (its `code` is
   * `EADDRINUSE`, `EADDRNOTAVAIL`, `EACCES`, …) when it cannot.
   */
  static async open(
    options: TcpListenOptions,
    onSocket: (socket: Socket) => void,
    log: (line: string) => void,
  ): Promise<TcpListener> {
    const server = createServer(options);
    await bind(server, options.hostname, options.port);
    return new TcpListener(server, options, onSocket, log);
  }

  private constructor(
    server: net.Server,
    options: TcpListenOptions,
    onSocket: (socket: Socket) => void,
    log: (line: string) => void,
  ) {
    this.#server = server;
    this.#options = options;
    this.#onSocket = onSocket;
    this.#log = log;
    const { address, port } = server.address() as net.AddressInfo;
    this.#addr = { transport: "tcp", hostname: address, port };
    this.#attach(server);
    const probeMs = options.probeMs ?? 5000;
    if (probeMs > 0) this.#interval = setInterval(() => this.#check(), probeMs);
  }

  /** The address the port is bound to. */
  get addr(): Deno.NetAddr {
    return this.#addr;
  }

  /** Stops listening; accepted sockets stay open. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#interval);
    this.#endProbe();
    if (this.#server.listening) this.#server.close();
    await this.#probeClosed;
  }

  #attach(server: net.Server): void {
    const secure = server instanceof tls.Server;
    server.on(secure ? "secureConnection" : "connection", (socket: Socket) => {
      if (!this.#isProbe(socket)) return this.#onSocket(socket);
      this.#endProbe();
      socket.on("error", () => {});
      socket.destroy();
    });
    if (secure) {
      server.on("tlsClientError", (error: Error, socket: Socket) => {
        // A failed TLS handshake is that peer's problem only.
        const who = socket.remoteAddress ?? "a client";
        this.#log(`TLS handshake with ${who} failed: ${error.message}`);
        // Not closed for us: its descriptor would stay taken until the peer goes.
        socket.destroy();
      });
    }
    server.on("error", (error: Error) => this.#log(`Cannot accept a connection: ${error.message}`));
  }

  #isProbe(socket: Socket): boolean {
    const from = this.#probeFrom;
    return from !== undefined && socket.remotePort === from.port &&
      socket.remoteAddress === from.address;
  }

  /** Probes the listener, or opens the port again if the last probe found it stuck. */
  #check(): void {
    if (this.#closed) return;
    if (this.#stuck) {
      void this.#reopen();
      return;
    }
    if (this.#probe !== undefined) return;
    // The probe's own port is chosen here, so the listener knows it the
    // moment it arrives, whichever side of the connection hears of it first.
    const host = probeHost(this.#addr.hostname);
    const port = PROBE_PORT_FIRST + Math.floor(Math.random() * PROBE_PORT_COUNT);
    const from = { address: host, port };
    const target = { host, port: this.#addr.port, localAddress: host, localPort: port };
    // On a TLS port the probe completes a handshake, so that it is seen like
    // any client and not logged as a failed one. It sends nothing, so the
    // certificate, often self-signed, need not be checked.
    const probe = this.#options.tls === undefined
      ? net.connect(target)
      : tls.connect({ ...target, rejectUnauthorized: false });
    this.#probe = probe;
    this.#probeFrom = from;
    this.#probeClosed = new Promise((resolve) => probe.once("close", () => resolve()));
    // Out of file descriptors here too, the port taken, or the listener
    // closing: try again next time.
    probe.on("error", () => this.#endProbe());
    this.#probeTimer = setTimeout(() => {
      this.#endProbe();
      this.#stuck = true;
      this.#log(
        "The TCP port stopped taking connections (out of file descriptors? see ulimit -n): " +
          "opening it again",
      );
      void this.#reopen();
    }, PROBE_TIMEOUT_MS);
  }

  #endProbe(): void {
    clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
    this.#probe?.destroy();
    this.#probe = undefined;
  }

  /** Closes the stuck listener and binds the same port again; retried until it works. */
  async #reopen(): Promise<void> {
    if (this.#closed || !this.#stuck || this.#reopening) return;
    this.#reopening = true;
    if (this.#server.listening) this.#server.close();
    const server = createServer(this.#options);
    try {
      await bind(server, this.#addr.hostname, this.#addr.port);
    } catch (error) {
      this.#log(`Cannot open the TCP port again yet: ${(error as Error).message}`);
      return;
    } finally {
      this.#reopening = false;
    }
    if (this.#closed) {
      server.close();
      return;
    }
    this.#server = server;
    this.#stuck = false;
    this.#attach(server);
    this.#log(`The TCP port takes connections again`);
  }
}
