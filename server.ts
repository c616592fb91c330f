/**
 * `chat serve`: binds the transports, wires them to one hub and shuts it all
 * down cleanly.
 *
 * @module
 */

import { DEFAULT_PORT } from "./protocol.ts";
import { Hub } from "./server/hub.ts";
import { TcpTransport } from "./server/transports/tcp.ts";

/** Options for {@linkcode startServer}. */
export interface ServerOptions {
  /** Interface to bind. @default {"0.0.0.0"} */
  hostname?: string;
  /** TCP port; `0` asks the OS for a free one. @default {5002} */
  port?: number;
  /** Messages replayed to whoever enters a room. @default {50} */
  historyLimit?: number;
  /** Name the server gives itself. @default {"chat"} */
  serverName?: string;
  /** Bad frames a connection may send before it is closed. @default {10} */
  maxStrikes?: number;
  /** Receives log lines without a timestamp. @default {no logging} */
  log?: (line: string) => void;
}

/** A running server; dispose it, or call `close`, to stop it. */
export interface ChatServer extends AsyncDisposable {
  /** The bound TCP address. */
  readonly addr: Deno.NetAddr;
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
// Async so that a failure to bind rejects the promise instead of throwing;
// later transports await their own start-up here.
// deno-lint-ignore require-await
export async function startServer(options: ServerOptions = {}): Promise<ChatServer> {
  const log = options.log ?? (() => {});
  const listener = Deno.listen({
    hostname: options.hostname ?? "0.0.0.0",
    port: options.port ?? DEFAULT_PORT,
    transport: "tcp",
  });
  const hub = new Hub({
    historyLimit: options.historyLimit ?? 50,
    serverName: options.serverName ?? "chat",
    log,
  });
  const tcpOptions = options.maxStrikes === undefined ? { log } : {
    log,
    maxStrikes: options.maxStrikes,
  };
  const tcp = new TcpTransport(listener, hub, tcpOptions);
  let closing: Promise<void> | undefined;
  const close = (reason?: string): Promise<void> => {
    closing ??= (async () => {
      tcp.stopAccepting();
      hub.shutdown(reason);
      await tcp.drain(2_000);
    })();
    return closing;
  };
  return {
    addr: tcp.addr,
    hub,
    close,
    [Symbol.asyncDispose]: () => close(),
  };
}
