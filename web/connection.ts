// This module is browser compatible.

/**
 * The page's WebSocket to the server: one JSON frame per message, checked
 * with {@linkcode parseServerFrame}, and reconnection after the backoff of
 * core/backoff.ts. In a cluster a reconnection that finds the server gone
 * goes on at once to the other servers of the same chat (core/backoff.ts),
 * whose WebSocket addresses the page learns from each `welcome`. The
 * conversation core watches the link's health and says when to give it up
 * ({@linkcode Connection.abandon}).
 *
 * @module
 */

import { Backoff, Failover } from "../core/backoff.ts";
import { type ClientFrame, decodeJson, parseServerFrame, type ServerFrame } from "../protocol.ts";

/** Where the connection is; `waiting` means a reconnect is scheduled at `until`. */
export type ConnectionState =
  | { kind: "connecting" }
  | { kind: "open" }
  | { kind: "waiting"; until: number }
  | { kind: "stopped" };

/**
 * The WebSocket address of the server whose page is at `page` (`http://host:port/`
 * gives `ws://host:port/ws`, `https:` gives `wss:`), or `undefined` if `page`
 * is no web address.
 */
export function socketUrl(page: string): string | undefined {
  const url = URL.parse("/ws", page);
  if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) return undefined;
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

/** The origin of the web page whose server has the WebSocket at `socket` (`ws://h:p/ws` gives `http://h:p`). */
export function pageOrigin(socket: string): string | undefined {
  const url = URL.parse(socket);
  if (url === null || (url.protocol !== "ws:" && url.protocol !== "wss:")) return undefined;
  url.protocol = url.protocol === "wss:" ? "https:" : "http:";
  return url.origin;
}

/** Options for {@linkcode Connection}. */
export interface ConnectionOptions {
  /** `ws:` or `wss:` address of the server's WebSocket endpoint: the page's own server. */
  url: string;
  /** Receives every valid frame, in order. */
  onFrame: (frame: ServerFrame) => void;
  /** Receives every change of state. */
  onState: (state: ConnectionState) => void;
  /** Milliseconds a socket may take to open. @default {10000} */
  connectTimeout?: number;
  /** Returns a number in [0, 1): the order in which the other servers are tried. @default {Math.random} */
  random?: () => number;
}

/** A WebSocket that keeps coming back until {@linkcode Connection.stop} is called. */
export class Connection {
  readonly #options: ConnectionOptions;
  #socket: WebSocket | undefined;
  #state: ConnectionState = { kind: "stopped" };
  readonly #backoff = new Backoff();
  readonly #failover: Failover;
  /** The servers of this round of attempts not tried yet, tried at once as one fails. */
  #round: string[] = [];
  /** The address of the socket open now, or tried last. */
  #url: string;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.#url = options.url;
    this.#failover = new Failover(
      options.url,
      options.random === undefined ? {} : { random: options.random },
    );
  }

  /** The WebSocket address of the socket open now, or of the one tried last. */
  get url(): string {
    return this.#url;
  }

  /** The WebSocket address of the page's own server. */
  get home(): string {
    return this.#failover.home;
  }

  /** The address of the server the page was welcomed by last: the first one tried after a drop. */
  get current(): string {
    return this.#failover.current;
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
    this.#startRound();
  }

  /**
   * The server of the socket open now welcomed the page, naming `others`,
   * the WebSocket addresses of the other servers of the same chat: it is
   * tried first after a drop, then they are. Starts counting reconnect
   * delays again as {@linkcode Connection.resetBackoff} does.
   */
  welcomed(others: readonly string[]): void {
    this.resetBackoff();
    this.#failover.welcomed(this.#url, others);
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
    this.#round = [];
    this.#drop();
    this.#setState({ kind: "stopped" });
  }

  /** Tries the server the page was on, then (as each fails) the others it knows of. */
  #startRound(): void {
    this.#round = this.#failover.round();
    this.#open(this.#round.shift() ?? this.#failover.current);
  }

  #open(url: string): void {
    this.#url = url;
    this.#setState({ kind: "connecting" });
    let socket: WebSocket;
    try {
      socket = new WebSocket(url);
    } catch {
      this.#lost();
      return;
    }
    this.#socket = socket;
    this.#connectTimer = setTimeout(() => this.#lost(), this.#options.connectTimeout ?? 10_000);
    socket.addEventListener("open", () => {
      if (socket !== this.#socket) return;
      clearTimeout(this.#connectTimer);
      this.#round = [];
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

  /** The socket closed or never opened: the next server of this round now, else a new round later. */
  #lost(): void {
    this.#drop();
    const next = this.#round.shift();
    if (next !== undefined) return this.#open(next);
    const delay = this.#backoff.next(performance.now());
    this.#setState({ kind: "waiting", until: Date.now() + delay });
    this.#retryTimer = setTimeout(() => this.#startRound(), delay);
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
