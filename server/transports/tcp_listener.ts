/**
 * A listening socket (the chat port, or the web port), kept accepting, that
 * counts every connection in the connection gate from the moment it arrives.
 *
 * Deno's `node:net` (2.9) stops accepting for good once `accept()` fails
 * with "too many open files", and says nothing: no `error` event, and the
 * port stays open, so clients connect and then wait forever. Freeing file
 * descriptors does not wake it up; listening again does. So a probe
 * connects to the port every few seconds, and when the listener does not
 * take it, the port is opened again.
 *
 * Idle connections (kept-alive HTTP connections between requests) make way
 * for new ones, as nginx reuses its idle keep-alive connections when it runs
 * out of worker connections: one is closed whenever the connection limits
 * would turn a newcomer away, and all of them when the server runs out of
 * file descriptors. Until then they hold their slot like any connection.
 *
 * @module
 */

import net, { type Socket } from "node:net";
import tls from "node:tls";
import { type ConnectionGate, Slot } from "../limits.ts";
import { PacedLog, seconds } from "../paced_log.ts";
import { peerAddress } from "./outbox.ts";

/** Where and how to listen. */
export interface TcpListenOptions {
  hostname: string;
  port: number;
  /** PEM certificate and key: TLS on this port instead of plain TCP. */
  tls?: { cert: string; key: string } | undefined;
  /** Milliseconds a TLS handshake may take. */
  handshakeMs: number;
  /** Milliseconds between probes of the listener; 0 turns them off. */
  probeMs: number;
  /** Which port this is, for logs: "TCP" or "web". */
  label: string;
}

/** What a listener does with the connections it accepts. */
export interface TcpListenHandlers {
  /** Counts connections in all and per address; every accepted one holds a {@linkcode Slot}. */
  gate: ConnectionGate;
  /** A connection (after its TLS handshake, on a TLS port) within the limits. */
  accept(socket: Socket, slot: Slot): void;
  /**
   * A plain connection over the limits, to be told `reason` and closed. On a
   * TLS port it is closed at once instead, before its handshake.
   */
  refuse(socket: Socket, reason: string): void;
  /** Receives one line per listener problem. */
  log(line: string): void;
}

/** How long the listener has to take a probe before it counts as stuck. */
const PROBE_TIMEOUT_MS = 3000;
/** Probes come from a random port of the dynamic range, 49152 to 65535. */
const PROBE_PORT_FIRST = 49152;
const PROBE_PORT_COUNT = 16384;

function createServer(): net.Server {
  // Half-open: a peer that ends its side still gets what is queued for it.
  return net.createServer({ allowHalfOpen: true });
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

/** Frees a connection's slot when its (raw) socket closes: a `close` listener. */
function releaseSlot(this: Socket): void {
  slotOf.get(this)?.release();
  slotOf.delete(this);
}

/** The slot of every open raw socket, on every listener. */
const slotOf = new Map<Socket, Slot>();

/** The raw socket under each TLS socket handed to a listener's `accept`. */
const rawOf = new WeakMap<Socket, Socket>();

/** A connection that may be closed to make room for a new one. */
interface IdleConnection {
  /** The gate its slot is counted in. */
  readonly gate: ConnectionGate;
  readonly slot: Slot;
}

/** The idle connections of every listener, the longest idle first. */
const idle = new Map<Socket, IdleConnection>();

/** Which idle connections {@linkcode closeIdle} may close. */
interface IdleFilter {
  /** Only those counted in this gate. */
  gate?: ConnectionGate;
  /** Only those from this IP address. */
  address?: string;
}

/** Closes up to `count` idle connections, the longest idle first; returns how many. */
function closeIdle(count: number, filter: IdleFilter = {}): number {
  let closed = 0;
  for (const [socket, connection] of idle) {
    if (closed >= count) break;
    if (filter.gate !== undefined && connection.gate !== filter.gate) continue;
    if (filter.address !== undefined && connection.slot.address !== filter.address) continue;
    idle.delete(socket);
    // Its place is free at once; its file descriptor as soon as the socket closes.
    connection.slot.release();
    socket.destroy();
    rawOf.get(socket)?.destroy();
    closed++;
  }
  return closed;
}

/**
 * A listening TCP (or TLS) port. Every connection is counted in the gate the
 * moment the kernel hands it over, before any TLS handshake, and keeps its
 * slot until its socket closes (or the slot is released sooner).
 */
export class TcpListener {
  readonly #options: TcpListenOptions;
  readonly #handlers: TcpListenHandlers;
  readonly #addr: Deno.NetAddr;
  readonly #interval: ReturnType<typeof setInterval> | undefined;
  readonly #label: string;
  /** The certificate and key, on a TLS port. */
  readonly #secure: tls.SecureContext | undefined;
  /** TLS connections still in their handshake, with the timer that ends it. */
  readonly #handshaking = new Map<tls.TLSSocket, ReturnType<typeof setTimeout>>();
  #server: net.Server;
  #stuck = false;
  #closed = false;
  #reopening = false;
  #probe: Socket | undefined;
  /** The local address and port of the last probe, to recognise it when it arrives. */
  #probeFrom: { address: string | undefined; port: number | undefined } | undefined;
  #probeTimer: ReturnType<typeof setTimeout> | undefined;
  #probeClosed: Promise<void> = Promise.resolve();
  /** The lines about idle connections closed to make room: the first at once, then a count. */
  readonly #roomLog: PacedLog;
  /** Idle connections closed to make room that the log has not told of yet. */
  #unreported = 0;

  /**
   * Binds the port. Rejects with the system's error (its `code` is
   * `EADDRINUSE`, `EADDRNOTAVAIL`, `EACCES`, …) when it cannot.
   */
  static async open(options: TcpListenOptions, handlers: TcpListenHandlers): Promise<TcpListener> {
    const server = createServer();
    await bind(server, options.hostname, options.port);
    return new TcpListener(server, options, handlers);
  }

  private constructor(server: net.Server, options: TcpListenOptions, handlers: TcpListenHandlers) {
    this.#server = server;
    this.#options = options;
    this.#handlers = handlers;
    this.#label = options.label;
    this.#secure = options.tls === undefined
      ? undefined
      : tls.createSecureContext({ cert: options.tls.cert, key: options.tls.key });
    const { address, port } = server.address() as net.AddressInfo;
    this.#addr = { transport: "tcp", hostname: address, port };
    this.#roomLog = new PacedLog(handlers.log, (periodMs) => {
      const count = this.#unreported;
      this.#unreported = 0;
      return `Closed ${count} more idle HTTP connection${count === 1 ? "" : "s"} in the last ` +
        `${seconds(periodMs)} to make room for new ones (see --max-connections and --max-per-ip)`;
    });
    this.#attach(server);
    const probeMs = options.probeMs;
    if (probeMs > 0) this.#interval = setInterval(() => this.#check(), probeMs);
  }

  /** The address the port is bound to. */
  get addr(): Deno.NetAddr {
    return this.#addr;
  }

  /**
   * Marks an accepted connection idle: it may be closed to make room for a
   * new one, until {@linkcode markBusy} is called. Call it again each time it
   * turns idle: the longest idle are closed first.
   */
  markIdle(socket: Socket, slot: Slot): void {
    idle.delete(socket);
    idle.set(socket, { gate: this.#handlers.gate, slot });
  }

  /** Marks a connection busy again (or closed): it is no longer closed to make room. */
  markBusy(socket: Socket): void {
    idle.delete(socket);
  }

  /** Stops listening; accepted sockets stay open. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#interval);
    this.#roomLog[Symbol.dispose]();
    this.#endProbe();
    if (this.#server.listening) this.#server.close();
    for (const [socket, timer] of this.#handshaking) {
      clearTimeout(timer);
      socket.destroy();
    }
    this.#handshaking.clear();
    await this.#probeClosed;
  }

  #attach(server: net.Server): void {
    server.on("connection", (raw: Socket) => {
      if (this.#isProbe(raw)) {
        this.#endProbe();
        raw.on("error", () => {});
        raw.destroy();
        return;
      }
      const address = peerAddress(raw);
      this.#makeRoom(address);
      const refusal = this.#handlers.gate.admit(address);
      if (refusal !== undefined) {
        if (this.#secure === undefined) return this.#handlers.refuse(raw, refusal);
        // Nothing can be said before the handshake: its descriptor is freed at once.
        raw.on("error", () => {});
        raw.destroy();
        return;
      }
      const slot = new Slot(this.#handlers.gate, address);
      slotOf.set(raw, slot);
      raw.on("close", releaseSlot);
      if (this.#secure === undefined) this.#handlers.accept(raw, slot);
      else this.#handshake(raw, slot, this.#secure);
    });
    server.on(
      "error",
      (error: Error) => this.#handlers.log(`Cannot accept a connection: ${error.message}`),
    );
  }

  /**
   * Runs a TLS handshake on an admitted connection, within the handshake
   * time. Wrapped here rather than by a TLS server, so that the connection
   * holds its slot, and its deadline is ours, from the moment it arrives.
   */
  #handshake(raw: Socket, slot: Slot, context: tls.SecureContext): void {
    const socket = new tls.TLSSocket(raw, { isServer: true, secureContext: context });
    const failed = (error: Error) => {
      if (!this.#handshaking.has(socket)) return;
      clearTimeout(this.#handshaking.get(socket));
      this.#handshaking.delete(socket);
      // A failed TLS handshake is that peer's problem only.
      this.#handlers.log(`TLS handshake with ${slot.address} failed: ${error.message}`);
      socket.destroy();
      raw.destroy();
    };
    this.#handshaking.set(
      socket,
      setTimeout(failed, this.#options.handshakeMs, new Error("it took too long")),
    );
    socket.on("error", failed);
    socket.once("secure", () => {
      clearTimeout(this.#handshaking.get(socket));
      this.#handshaking.delete(socket);
      socket.off("error", failed);
      rawOf.set(socket, raw);
      this.#handlers.accept(socket, slot);
    });
    raw.once("close", () => failed(new Error("the connection closed")));
  }

  /**
   * Closes idle connections, one at a time, while the limits would turn a
   * connection from `address` away: any of the server's when it is full, one
   * from `address` when that address has all it may have.
   */
  #makeRoom(address: string): void {
    const gate = this.#handlers.gate;
    let closed = 0;
    for (let limit = gate.wouldRefuse(address); limit !== undefined;) {
      if (closeIdle(1, limit === "full" ? { gate } : { gate, address }) === 0) break;
      closed++;
      limit = gate.wouldRefuse(address);
    }
    if (closed === 0) return;
    const first = `Closed ${closed} idle HTTP connection${closed === 1 ? "" : "s"} to make room ` +
      "for new ones (see --max-connections and --max-per-ip)";
    if (!this.#roomLog.event(first)) this.#unreported += closed;
  }

  /** Closes every idle connection, of every listener, to free file descriptors. */
  #freeDescriptors(): void {
    const closed = closeIdle(Infinity);
    if (closed === 0) return;
    this.#handlers.log(
      `Out of file descriptors: closed ${closed} idle HTTP connection${closed === 1 ? "" : "s"}`,
    );
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
    // Plain TCP even on a TLS port: the listener knows it by its port and
    // closes it before any handshake.
    const probe = net.connect(target);
    this.#probe = probe;
    this.#probeFrom = from;
    this.#probeClosed = new Promise((resolve) => probe.once("close", () => resolve()));
    // Out of file descriptors here too, the port taken, or the listener
    // closing: try again next time. Out of file descriptors, the idle
    // connections also make way, so that the next connections find one.
    probe.on("error", (error: Error & { code?: string }) => {
      this.#endProbe();
      if (error.code === "EMFILE" || error.code === "ENFILE") this.#freeDescriptors();
    });
    this.#probeTimer = setTimeout(() => {
      this.#endProbe();
      this.#stuck = true;
      this.#handlers.log(
        `The ${this.#label} port stopped taking connections (out of file descriptors? ` +
          "see ulimit -n): opening it again",
      );
      // Opening the port again takes a file descriptor too.
      this.#freeDescriptors();
      void this.#reopen();
    }, PROBE_TIMEOUT_MS);
  }

  #endProbe(): void {
    clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
    this.#probe?.destroy();
    this.#probe = undefined;
    // Its port is free again: whoever connects from it next is not the probe.
    this.#probeFrom = undefined;
  }

  /** Closes the stuck listener and binds the same port again; retried until it works. */
  async #reopen(): Promise<void> {
    if (this.#closed || !this.#stuck || this.#reopening) return;
    this.#reopening = true;
    if (this.#server.listening) this.#server.close();
    const server = createServer();
    try {
      await bind(server, this.#addr.hostname, this.#addr.port);
    } catch (error) {
      this.#handlers.log(
        `Cannot open the ${this.#label} port again yet: ${(error as Error).message}`,
      );
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
    this.#handlers.log(`The ${this.#label} port takes connections again`);
  }
}
