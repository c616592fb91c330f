/**
 * `chat serve`: binds the transports, wires them to one hub and shuts it all
 * down cleanly.
 *
 * @module
 */

import { DEFAULT_PORT } from "./protocol.ts";
import type { HistoryStore } from "./server/history.ts";
import { Hub } from "./server/hub.ts";
import { TcpTransport } from "./server/transports/tcp.ts";
import { WebTransport } from "./server/transports/websocket.ts";
import { webAssets } from "./server/web_assets.ts";

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

function where(hostname: string, port: number): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
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
  /** Receives log lines without a timestamp. @default {no logging} */
  log?: (line: string) => void;
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
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname, port, transport: "tcp" });
  } catch (error) {
    throw new ListenError(where(hostname, port), error);
  }
  const hub = new Hub({
    historyLimit: options.historyLimit ?? 50,
    serverName: options.serverName ?? "chat",
    log,
    ...(options.history === undefined ? {} : { history: options.history }),
  });
  const maxStrikes = options.maxStrikes ?? 10;
  const tcp = new TcpTransport(listener, hub, { log, maxStrikes });
  let web: WebTransport | undefined;
  if (options.webPort !== undefined) {
    try {
      web = new WebTransport(hub, {
        hostname,
        port: options.webPort,
        assets: webAssets(),
        log,
        maxStrikes,
      });
    } catch (error) {
      await tcp.drain(0);
      throw new ListenError(where(hostname, options.webPort), error);
    }
  }
  let closing: Promise<void> | undefined;
  const close = (reason?: string): Promise<void> => {
    closing ??= (async () => {
      tcp.stopAccepting();
      hub.shutdown(reason);
      await Promise.all([tcp.drain(2_000), web?.drain(2_000)]);
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
