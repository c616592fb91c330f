/**
 * The chat port: newline-delimited JSON frames for programs, and plain text
 * for people on `nc` or `telnet`. The first byte a connection sends picks the
 * mode: `{` means JSON, anything else text. The connections themselves are
 * served by {@linkcode Connections}.
 *
 * @module
 */

import type { Socket } from "node:net";
import type { ConnectionGate } from "../limits.ts";
import type { Connections } from "./connections.ts";
import { destroyWhenFinished, encodeJson } from "./outbox.ts";
import { TcpListener, type TcpListenOptions } from "./tcp_listener.ts";

export type { TcpListenOptions } from "./tcp_listener.ts";

/** Tells a connection over the limits why, in a form both JSON and text peers can read. */
function refuse(socket: Socket, reason: string): void {
  socket.on("error", () => {});
  socket.once("finish", destroyWhenFinished);
  socket.end(encodeJson({ type: "bye", reason, retry: true }));
}

/** Accepts chat-port connections and hands each to the server's connections. */
export class TcpTransport {
  readonly #listener: TcpListener;

  private constructor(listener: TcpListener) {
    this.#listener = listener;
  }

  /**
   * Binds the port and serves the connections arriving there. Rejects with
   * the system's error (its `code` is `EADDRINUSE`, `EADDRNOTAVAIL`,
   * `EACCES`, …) when it cannot bind.
   */
  static async open(
    listen: Omit<TcpListenOptions, "label">,
    connections: Connections,
    options: { gate: ConnectionGate; log: (line: string) => void },
  ): Promise<TcpTransport> {
    const listener = await TcpListener.open({ ...listen, label: "TCP" }, {
      gate: options.gate,
      accept: (socket, slot) => connections.serve(socket, slot, "unknown"),
      refuse,
      log: options.log,
    });
    return new TcpTransport(listener);
  }

  /** The address the listener is bound to. */
  get addr(): Deno.NetAddr {
    return this.#listener.addr;
  }

  /** Stops accepting. Open connections stay until the hub closes them. */
  stopAccepting(): Promise<void> {
    return this.#listener.close();
  }
}
