// This module is browser compatible.

/**
 * A conversation's connection to the server, across reconnections
 * (core/conversation.ts): the `hello` and the server's answer to it, the
 * protocol version spoken, what a reconnection takes back (the resume
 * token), where to go should this server go away, the heartbeat that tells
 * a dead link from a quiet one, and the server's goodbye. Pure: no I/O and
 * no timers.
 *
 * A connection the client gave up on may still reach the server later: a
 * server that stood still (a process stopped, a machine asleep) accepts
 * connections it does not read yet, and reads them all once it runs again.
 * Coming back, the `hello` therefore waits for the pong of a ping sent
 * ahead of it, so that a connection given up on before the server answered
 * carries no `hello` that could take the name (and the token) after the
 * client has moved on. And should one have got in all the same, the name
 * it holds is asked for again, with the usual waits, for as long as the
 * server may take to see that connection end, rather than asked of the
 * user (see {@linkcode Handshake.refused}).
 *
 * @module
 */

import {
  type ClientFrame,
  type ErrorCode,
  type HelloFrame,
  LATEST_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  type ProtocolVersion,
  type ServerFrame,
  type WelcomeFrame,
} from "../protocol.ts";
import { refusedForNow } from "./effects.ts";
import {
  DEFAULT_HEARTBEAT_S,
  Heartbeat,
  HEARTBEAT_GRACE_MS,
  HELLO_TIMEOUT_MS,
  KNOCK_TIMEOUT_MS,
} from "./link.ts";

/**
 * What the server said of a `hello` it refused: come back in version 1, try
 * again after the usual wait, or take the refusal as it is.
 */
export type HelloRefusal = "version" | "later" | "refused";

/** The token of the ping a `hello` coming back waits behind. */
export const HELLO_PING_TOKEN = "hello";

/** The state of one client's connection, and what the next `hello` needs. */
export class Handshake {
  #version: ProtocolVersion = LATEST_PROTOCOL_VERSION;
  #resume: string | undefined;
  #servers: readonly string[] = [];
  #webServers: readonly string[] = [];
  #everWelcomed = false;
  #online = false;
  /**
   * Whether the user was told, since the connection was lost, that what they
   * type waits: once an outage, however many attempts fail before a welcome.
   */
  #waitingTold = false;
  #helloAt: number | undefined;
  /** The last `hello` asked for, sent or waiting for the pong of its ping. */
  #hello: HelloFrame | undefined;
  /** Whether the `hello` asked for waits for the pong of the ping sent ahead of it. */
  #knocking = false;
  /** The heartbeat of the last `welcome`, in ms: how long the server may hold a dead connection. */
  #heartbeatMs = DEFAULT_HEARTBEAT_S * 1000;
  /** When a `hello` coming back first found its name held, since the last welcome. */
  #heldSince: number | undefined;
  #heartbeat: Heartbeat | undefined;
  #quitting = false;
  #bye: { reason: string; retry: boolean } | undefined;

  /** Whether the server accepted this connection's `hello`. */
  get online(): boolean {
    return this.#online;
  }

  /** Whether the server ever accepted this client: a `hello` from now on comes back. */
  get welcomed(): boolean {
    return this.#everWelcomed;
  }

  /** The protocol version the next `hello` speaks: 2, or 1 once the server refused 2. */
  get version(): ProtocolVersion {
    return this.#version;
  }

  /** The resume token of the last `welcome`, which the next `hello` hands back. */
  get resume(): string | undefined {
    return this.#resume;
  }

  /** The other servers of the same chat, as last named. */
  get servers(): readonly string[] {
    return this.#servers;
  }

  /** The URLs of the other servers' web clients, as last named. */
  get webServers(): readonly string[] {
    return this.#webServers;
  }

  /** Whether the user asked to leave, or the server cannot be talked to. */
  get quitting(): boolean {
    return this.#quitting;
  }

  /** The server's goodbye on this connection, if it said one. */
  get bye(): { reason: string; retry: boolean } | undefined {
    return this.#bye;
  }

  /** A connection opened: what was said on the last one is forgotten. */
  opened(): void {
    this.#bye = undefined;
    this.#knocking = false;
  }

  /**
   * Asks with `hello` at `now`; returns what to send. The first time, the
   * `hello`; coming back, a ping, and the `hello` once its pong is in
   * ({@linkcode Handshake.knocked}): a connection given up on while the
   * server did not read it (see the module's doc) then holds no `hello`.
   * Either is answered in time, or the connection is dropped.
   */
  ask(hello: HelloFrame, now: number): ClientFrame[] {
    this.#quitting = false;
    this.#helloAt = now;
    this.#hello = hello;
    this.#knocking = this.#everWelcomed;
    return this.#knocking ? [{ type: "ping", token: HELLO_PING_TOKEN }] : [hello];
  }

  /** The `hello` to send now that `frame`, a frame before the welcome, came: the pong it waited for. */
  knocked(frame: ServerFrame): HelloFrame | undefined {
    if (!this.#knocking || frame.type !== "pong" || frame.token !== HELLO_PING_TOKEN) {
      return undefined;
    }
    this.#knocking = false;
    return this.#hello;
  }

  /** The user leaves; returns `false` if they were leaving already. */
  quit(): boolean {
    if (this.#quitting) return false;
    this.#quitting = true;
    return true;
  }

  /** Any frame from the server, at `now`: the link is alive, and a goodbye is kept. */
  heard(frame: ServerFrame, now: number): void {
    this.#heartbeat?.heard(now);
    if (frame.type === "bye") this.#bye = { reason: frame.reason, retry: frame.retry === true };
  }

  /** Takes a `servers` frame: a server joined, left or moved. Whether `frame` was one. */
  moved(frame: ServerFrame): boolean {
    if (frame.type !== "servers") return false;
    // Where to go should this one go away.
    this.#servers = frame.servers;
    this.#webServers = frame.webServers;
    return true;
  }

  /** The server accepted the `hello` at `now`; whether it had before (this is a reconnection). */
  welcome(frame: WelcomeFrame, now: number): boolean {
    const again = this.#everWelcomed;
    this.#online = true;
    this.#everWelcomed = true;
    // The outage is over: the next one is told again.
    this.#waitingTold = false;
    this.#helloAt = undefined;
    this.#heldSince = undefined;
    this.#resume = frame.resume;
    this.#servers = frame.servers ?? [];
    this.#webServers = frame.webServers ?? [];
    this.#heartbeat = new Heartbeat(now, frame.heartbeat);
    const heartbeat = frame.heartbeat ?? 0;
    this.#heartbeatMs = (heartbeat > 0 ? heartbeat : DEFAULT_HEARTBEAT_S) * 1000;
    // A server that answers in version 1 is spoken to in version 1.
    if (frame.version === PROTOCOL_VERSION) this.#version = PROTOCOL_VERSION;
    return again;
  }

  /**
   * The server refused the `hello` with `code` at `now`: what to do. A
   * refusal for now ({@linkcode refusedForNow}) is tried again later. So is
   * a name taken from a `hello` that came back with its token, for as long
   * as the server could hold a connection of this client's that it has not
   * seen end (its heartbeat and a grace, from the first such refusal): one
   * given up on that got in all the same, with the same token, may hold the
   * name. After that the holder is someone else, and the refusal stands.
   */
  refused(code: ErrorCode, now: number): HelloRefusal {
    this.#helloAt = undefined;
    this.#knocking = false;
    if (refusedForNow(code)) return "later";
    if (code === "name_taken" && this.#everWelcomed && this.#hello?.resume !== undefined) {
      this.#heldSince ??= now;
      if (now - this.#heldSince <= this.#heartbeatMs + HEARTBEAT_GRACE_MS) return "later";
    }
    if (code === "unsupported_version") {
      // A server of version 1 only: connect again, and speak it.
      if (this.#version !== PROTOCOL_VERSION) {
        this.#version = PROTOCOL_VERSION;
        return "version";
      }
      // The server ends a connection it cannot talk to: do not come back.
      this.#quitting = true;
    }
    return "refused";
  }

  /**
   * Whether the `hello`, or the ping a reconnection sends ahead of it, has
   * gone unanswered too long at `now`; said once.
   */
  unanswered(now: number): boolean {
    const limit = this.#knocking ? KNOCK_TIMEOUT_MS : HELLO_TIMEOUT_MS;
    if (this.#helloAt === undefined || now - this.#helloAt < limit) return false;
    this.#helloAt = undefined;
    return true;
  }

  /** What the heartbeat says at `now`: ping the server, give the link up, or nothing. */
  beat(now: number): "ping" | "dead" | undefined {
    return this.#heartbeat?.check(now);
  }

  /** Whether to tell the user, once an outage (until the next welcome), that what they type waits. */
  tellWaiting(): boolean {
    if (this.#online || !this.#everWelcomed || this.#waitingTold) return false;
    this.#waitingTold = true;
    return true;
  }

  /** The connection ended. */
  closed(): void {
    this.#online = false;
    this.#helloAt = undefined;
    this.#knocking = false;
    this.#heartbeat = undefined;
  }
}
