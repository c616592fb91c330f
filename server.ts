/**
 * `chat serve`: binds the transports, wires them to one hub and shuts it all
 * down cleanly.
 *
 * @module
 */

import { DEFAULT_PORT } from "./protocol.ts";
import { startAnnouncer } from "./discovery/announcer.ts";
import type { HistoryStore } from "./server/history.ts";
import { Hub } from "./server/hub.ts";
import { ConnectionGate } from "./server/limits.ts";
import { Connections } from "./server/transports/connections.ts";
import { TcpTransport } from "./server/transports/tcp.ts";
import { WebTransport } from "./server/transports/web.ts";
import { webAssets } from "./server/web_assets.ts";
import { formatAddress } from "./core/address.ts";

/** Default HTTP port of the web client. */
export const DEFAULT_WEB_PORT = 5003;

/** A port could not be bound; `where` says which, `cause` says why. */
export class ListenError extends Error {
  /** The address that could not be bound, as `host:port`. */
  readonly where: string;

  constructor(where: string, cause: unknown) {
    super(`Cannot listen on ${where}: ${(cause as Error)?.message ?? cause}`, { cause });
    this.where = where;
  }

  override get name(): string {
    return "ListenError";
  }
}

/** Options for {@linkcode startServer}. */
export interface ServerOptions {
  /** Interface to bind. @default {"0.0.0.0"} */
  hostname?: string;
  /** TCP port; `0` asks the OS for a free one. @default {5002} */
  port?: number;
  /** Messages replayed to whoever enters a room. @default {50} */
  historyLimit?: number;
  /** Where room messages are kept; the caller closes it. @default {in memory} */
  history?: HistoryStore;
  /** Name the server gives itself. @default {"chat"} */
  serverName?: string;
  /** HTTP port of the web client; `0` picks a free one. @default {no web client} */
  webPort?: number;
  /** Bad frames a connection may send before it is closed. @default {10} */
  maxStrikes?: number;
  /** Password every client must give. @default {none} */
  password?: string;
  /** Certificate and private key, PEM, to speak TLS on both ports. @default {plain TCP} */
  tls?: { cert: string; key: string };
  /** Seconds of silence after which a client counts as gone. @default {30} */
  heartbeat?: number;
  /** Seconds a program has to say hello (people typing get six times as long). @default {10} */
  handshake?: number;
  /**
   * Seconds between checks that the TCP port still takes connections (it is
   * opened again if not); 0 turns them off. @default {5}
   */
  probe?: number;
  /** Connections at once, all transports together. @default {2000} */
  maxConnections?: number;
  /** Connections at once from one IP address. @default {32} */
  maxPerAddress?: number;
  /** Frames per second one connection may send, after a burst of four times as many. @default {10} */
  messageRate?: number;
  /** Receives log lines without a timestamp. @default {no logging} */
  log?: (line: string) => void;
  /** Announce the server as `serverName` on the networks it is bound to (never on loopback). @default {false} */
  announce?: boolean;
  /**
   * More names (or addresses) the web page may be reached by, besides this
   * machine's addresses, its host name and `localhost`. @default {none}
   */
  webHosts?: readonly string[];
}

/** A running server; dispose it, or call `close`, to stop it. */
export interface ChatServer extends AsyncDisposable {
  /** The bound TCP address. */
  readonly addr: Deno.NetAddr;
  /** The bound HTTP address of the web client, if it runs. */
  readonly webAddr: Deno.NetAddr | undefined;
  /** The hub, for counts. */
  readonly hub: Hub;
  /** Tells every user `reason`, closes every connection and the listener. */
  close(reason?: string): Promise<void>;
}

/**
 * Starts a chat server and resolves once its port is bound.
 *
 * @example
 * ```ts
 * await using server = await startServer({ hostname: "127.0.0.1", port: 0 });
 * console.log(`listening on ${server.addr.port}`);
 * ```
 */
export async function startServer(options: ServerOptions = {}): Promise<ChatServer> {
  const log = options.log ?? (() => {});
  const hostname = options.hostname ?? "0.0.0.0";
  const port = options.port ?? DEFAULT_PORT;
  const hub = new Hub({
    historyLimit: options.historyLimit ?? 50,
    serverName: options.serverName ?? "chat",
    log,
    heartbeat: options.heartbeat ?? 30,
    // Without a durable store, ids start from the clock (1000 per millisecond), so a
    // client coming back after a restart never asks for "after id X" with an X the
    // new server has not reached yet.
    ...(options.history === undefined ? { firstId: Date.now() * 1000 } : {}),
    ...(options.history === undefined ? {} : { history: options.history }),
    ...(options.password === undefined ? {} : { password: options.password }),
  });
  const gate = new ConnectionGate({
    maxConnections: options.maxConnections ?? 2000,
    maxPerAddress: options.maxPerAddress ?? 32,
    log,
  });
  const rate = options.messageRate ?? 10;
  const handshakeMs = (options.handshake ?? 10) * 1000;
  const probeMs = (options.probe ?? 5) * 1000;
  const connections = new Connections(hub, {
    log,
    maxStrikes: options.maxStrikes ?? 10,
    heartbeatMs: (options.heartbeat ?? 30) * 1000,
    handshakeMs,
    frameRate: { burst: rate * 4, perSecond: rate },
    // Room for the largest message at the frame rate, and never under 32 KiB/s.
    byteRate: {
      burst: Math.max(128 * 1024, rate * 16_384),
      perSecond: Math.max(32 * 1024, rate * 4096),
    },
  });
  let tcp: TcpTransport;
  try {
    tcp = await TcpTransport.open(
      { hostname, port, tls: options.tls, handshakeMs, probeMs },
      connections,
      { gate, log },
    );
  } catch (error) {
    await connections.drain(0);
    throw new ListenError(formatAddress(hostname, port), error);
  }
  let web: WebTransport | undefined;
  if (options.webPort !== undefined) {
    try {
      web = await WebTransport.open({
        hostname,
        port: options.webPort,
        assets: webAssets(),
        gate,
        tls: options.tls,
        handshakeMs,
        probeMs,
        hosts: options.webHosts ?? [],
        log,
      }, connections);
    } catch (error) {
      await tcp.stopAccepting();
      await connections.drain(0);
      throw new ListenError(formatAddress(hostname, options.webPort), error);
    }
  }
  const announcer = options.announce
    ? await startAnnouncer({
      hostname,
      port: tcp.addr.port,
      ...(web === undefined ? {} : { webPort: web.addr.port }),
      name: options.serverName ?? "chat",
      password: options.password !== undefined,
      tls: options.tls !== undefined,
      users: () => hub.size,
      log,
    })
    : undefined;
  let closing: Promise<void> | undefined;
  const close = (reason?: string): Promise<void> => {
    closing ??= (async () => {
      await announcer?.close();
      await Promise.all([tcp.stopAccepting(), web?.stopAccepting()]);
      hub.shutdown(reason);
      await connections.drain(2_000);
    })();
    return closing;
  };
  return {
    addr: tcp.addr,
    webAddr: web?.addr,
    hub,
    close,
    [Symbol.asyncDispose]: () => close(),
  };
}
