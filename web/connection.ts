// This module is browser compatible.

/**
 * The page's WebSocket to the server: one JSON frame per message, checked
 * with {@linkcode parseServerFrame}, and reconnection after the backoff of
 * core/backoff.ts. The conversation core watches the link's health and says
 * when to give it up ({@linkcode Connection.abandon}).
 *
 * @module
 */

import { Backoff } from "../core/backoff.ts";
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
  /** Milliseconds a socket may take to open. @default {10000} */
  connectTimeout?: number;
}

/** A WebSocket that keeps coming back until {@linkcode Connection.stop} is called. */
export class Connection {
  readonly #options: ConnectionOptions;
  #socket: WebSocket | undefined;
  #state: ConnectionState = { kind: "stopped" };
  readonly #backoff = new Backoff();
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;

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
   * lasted `SETTLED_MS` (core/backoff.ts); call when the server accepted us.
   * A socket dropped sooner (a server too busy for this page) counts as a
   * failure.
   */
  resetBackoff(): void {
    this.#backoff.welcomed(performance.now());
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
      this.#setState({ kind: "open" });
    });
    socket.addEventListener("message", (event) => {
      if (socket !== this.#socket || typeof event.data !== "string") return;
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

  #lost(): void {
    this.#drop();
    const delay = this.#backoff.next(performance.now());
    this.#setState({ kind: "waiting", until: Date.now() + delay });
    this.#retryTimer = setTimeout(() => this.#open(), delay);
  }

  /** Forgets the current socket, closing it quietly. */
  #drop(): void {
    clearTimeout(this.#connectTimer);
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket !== undefined && socket.readyState < WebSocket.CLOSING) socket.close(1000);
  }

  #setState(state: ConnectionState): void {
    this.#state = state;
    this.#options.onState(state);
  }
}
