/**
 * The IRC port: a listener whose connections speak IRC, each served by the
 * server's connections (rate limits, deadlines, outbox) with an
 * {@linkcode IrcConnection} reading its lines and rendering its frames.
 *
 * @module
 */

import { CatchUps } from "./catch_up.ts";
import { FormerOperators } from "./former_operators.ts";
import type { Socket } from "node:net";
import type { Hub } from "../hub.ts";
import type { ConnectionGate } from "../limits.ts";
import type { Connections } from "../transports/connections.ts";
import { destroyWhenFinished } from "../transports/outbox.ts";
import { TcpListener, type TcpListenOptions } from "../transports/tcp_listener.ts";
import { IrcConnection } from "./connection.ts";
import { formatLine } from "./line.ts";

/** Default IRC port with TLS. */
export const DEFAULT_IRC_TLS_PORT = 6697;

/** The server's name as IRC lines carry it: a host name's characters only, accents dropped. */
export function ircServerName(name: string): string {
  const ascii = name.normalize("NFKD").replace(/\p{M}/gu, "").replace(/[^A-Za-z0-9.-]/g, "-")
    .replace(/^[-.]+/, "");
  return (ascii || "chat").slice(0, 63);
}

/**
 * The name the server's own lines come from (`:irc.Ann-s-Cafe NOTICE …`):
 * its name in host-name characters ({@linkcode ircServerName}), which must
 * hold a dot, as no nick can: `irc.` is put before one that has none.
 * Otherwise someone could take it as their nick, and their NOTICE to a
 * channel would read as the server's.
 */
export function ircServerHost(name: string): string {
  const host = ircServerName(name);
  return host.includes(".") ? host : `irc.${host}`.slice(0, 63);
}

/** What the IRC port needs besides where to listen. */
export interface IrcTransportOptions {
  readonly connections: Connections;
  readonly gate: ConnectionGate;
  readonly log: (line: string) => void;
  /** The server's name, as `chat ls` shows it. */
  readonly serverName: string;
  /** Milliseconds of silence after which a peer counts as gone: how long a dropped operator is told. */
  readonly heartbeatMs: number;
}

/** Tells a connection over the limits why, as IRC says it, and closes it. */
function refuse(socket: Socket, reason: string): void {
  socket.on("error", () => {});
  socket.once("finish", destroyWhenFinished);
  socket.end(formatLine({ command: "ERROR", params: [`Closing link: ${reason}`] }));
}

/** Accepts IRC connections. */
export class IrcTransport {
  readonly #listener: TcpListener;

  private constructor(listener: TcpListener) {
    this.#listener = listener;
  }

  /**
   * Binds the port and serves IRC there. Rejects with the system's error
   * (its `code` is `EADDRINUSE`, …) when it cannot bind.
   */
  static async open(
    listen: Omit<TcpListenOptions, "label">,
    hub: Hub,
    options: IrcTransportOptions,
  ): Promise<IrcTransport> {
    const irc = {
      hub,
      server: ircServerHost(options.serverName),
      network: ircServerName(options.serverName),
      tls: listen.tls !== undefined,
      log: options.log,
      catchUps: new CatchUps(),
      formerOperators: new FormerOperators(options.heartbeatMs),
    };
    const listener = await TcpListener.open({ ...listen, label: "IRC" }, {
      gate: options.gate,
      accept: (socket, slot) =>
        options.connections.serve(socket, slot, (parts) => new IrcConnection(parts, irc)),
      refuse,
      log: options.log,
    });
    return new IrcTransport(listener);
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
