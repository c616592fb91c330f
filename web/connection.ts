// This module is browser compatible.

/**
 * The page's WebSocket to the server: one JSON frame per message, checked
 * with {@linkcode parseServerFrame}, a heartbeat that notices a dead link, and
 * reconnection with exponential backoff and jitter.
 *
 * @module
 */

import { type ClientFrame, decodeJson, parseServerFrame, type ServerFrame } from "../protocol.ts";

/** Where the connection is; `waiting` means a reconnect is scheduled at `until`. */
export type ConnectionState =
  | { kind: "connecting" }
  | { kind: "open" }
  | { kind: "waiting"; until: number }
  | { kind: "stopped" };

/** Options for {@linkcode Connection}. */
export interface ConnectionOptions {
  /** `ws:` or `wss:` address of the server's WebSocket endpoint. */
  url: string;
  /** Receives every valid frame, in order. */
  onFrame: (frame: ServerFrame) => void;
  /** Receives every change of state. */
  onState: (state: ConnectionState) => void;
  /** Milliseconds between heartbeat pings. @default {20000} */
  heartbeat?: number;
  /** Milliseconds a socket may take to open. @default {10000} */
  connectTimeout?: number;
}

/** First reconnect delay, in milliseconds. */
export const FIRST_RETRY_MS = 1_000;

/** Longest reconnect delay, in milliseconds. */
export const MAX_RETRY_MS = 30_000;

/** How long a connection must last for the next reconnect to start at the first delay. */
export const SETTLED_MS = 10_000;

const HEARTBEAT_TOKEN = "heartbeat";

/**
 * The delay before reconnect attempt `attempt` (0 for the first): 1 s, 2 s,
 * 4 s … up to 30 s, each moved by up to a quarter either way so that many
 * pages do not all come back at the same moment.
 */
export function retryDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(attempt, 15));
  const jittered = base * (0.75 + random() * 0.5);
  return Math.round(Math.min(MAX_RETRY_MS, Math.max(FIRST_RETRY_MS / 2, jittered)));
}

/** Reports whether `frame` answers a heartbeat ping, which the page never shows. */
export function isHeartbeat(frame: ServerFrame): boolean {
  return frame.type === "pong" && frame.token === HEARTBEAT_TOKEN;
}

/** A WebSocket that keeps coming back until {@linkcode Connection.stop} is called. */
export class Connection {
  readonly #options: ConnectionOptions;
  #socket: WebSocket | undefined;
  #state: ConnectionState = { kind: "stopped" };
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #settleTimer: ReturnType<typeof setTimeout> | undefined;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  #pingSentAt = 0;
  #lastReceived = 0;

  constructor(options: ConnectionOptions) {
    this.#options = options;
  }

  /** The current state. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Whether frames can be sent now. */
  get isOpen(): boolean {
    return this.#state.kind === "open";
  }

  /** Opens the socket unless it is open or opening; a scheduled retry happens now. */
  start(): void {
    if (this.#state.kind === "open" || this.#state.kind === "connecting") return;
    clearTimeout(this.#retryTimer);
    this.#open();
  }

  /**
   * Starts counting reconnect delays from 1 s again once this socket has
   * lasted {@linkcode SETTLED_MS}; call when the server accepted us. A socket
   * dropped sooner (a server too busy for this page) counts as a failure.
   */
  resetBackoff(): void {
    clearTimeout(this.#settleTimer);
    const socket = this.#socket;
    this.#settleTimer = setTimeout(() => {
      if (socket === this.#socket && this.isOpen) this.#attempt = 0;
    }, SETTLED_MS);
  }

  /** Sends one frame; returns `false` when the socket is not open. */
  send(frame: ClientFrame): boolean {
    if (this.#socket === undefined || this.#state.kind !== "open") return false;
    this.#socket.send(JSON.stringify(frame));
    return true;
  }

  /** Gives an open socket up as dead, as if it had closed: reconnects after the usual delay. */
  abandon(): void {
    if (this.#state.kind === "open") this.#lost();
  }

  /** Closes the socket for good: no reconnect until {@linkcode Connection.start}. */
  stop(): void {
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#settleTimer);
    this.#drop();
    this.#setState({ kind: "stopped" });
  }

  #open(): void {
    this.#setState({ kind: "connecting" });
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.#options.url);
    } catch {
      this.#lost();
      return;
    }
    this.#socket = socket;
    this.#connectTimer = setTimeout(() => this.#lost(), this.#options.connectTimeout ?? 10_000);
    socket.addEventListener("open", () => {
      if (socket !== this.#socket) return;
      clearTimeout(this.#connectTimer);
      this.#lastReceived = Date.now();
      this.#pingSentAt = 0;
      this.#heartbeatTimer = setInterval(() => this.#beat(), this.#options.heartbeat ?? 20_000);
      this.#setState({ kind: "open" });
    });
    socket.addEventListener("message", (event) => {
      if (socket !== this.#socket) return;
      this.#lastReceived = Date.now();
      if (typeof event.data !== "string") return;
      // One frame per message; a server that sends newline-ended lines works too.
      for (const line of event.data.split("\n")) {
        if (line.trim() === "") continue;
        const json = decodeJson(line);
        if (!json.ok) continue;
        const checked = parseServerFrame(json.value);
        if (checked.ok && socket === this.#socket) this.#options.onFrame(checked.value);
      }
    });
    socket.addEventListener("close", () => {
      if (socket === this.#socket) this.#lost();
    });
  }

  /** Pings the server; if the previous ping got no answer at all, the link is dead. */
  #beat(): void {
    if (this.#pingSentAt !== 0 && this.#lastReceived < this.#pingSentAt) {
      this.#lost();
      return;
    }
    this.#pingSentAt = Date.now();
    this.send({ type: "ping", token: HEARTBEAT_TOKEN });
  }

  #lost(): void {
    this.#drop();
    const delay = retryDelay(this.#attempt++);
    this.#setState({ kind: "waiting", until: Date.now() + delay });
    this.#retryTimer = setTimeout(() => this.#open(), delay);
  }

  /** Forgets the current socket, closing it quietly. */
  #drop(): void {
    clearTimeout(this.#connectTimer);
    clearInterval(this.#heartbeatTimer);
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket !== undefined && socket.readyState < WebSocket.CLOSING) socket.close(1000);
  }

  #setState(state: ConnectionState): void {
    this.#state = state;
    this.#options.onState(state);
  }
}
