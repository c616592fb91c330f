/**
 * `chat serve`: binds the transports, wires them to one hub and shuts it all
 * down cleanly.
 *
 * @module
 */

import { startAnnouncer } from "./discovery/announcer.ts";
import type { HistoryStore } from "./server/history/store.ts";
import { Hub } from "./server/hub.ts";
import { type ConfigOptions, resolveConfig } from "./server/config.ts";
import { ConnectionGate } from "./server/limits.ts";
import { Connections } from "./server/transports/connections.ts";
import { TcpTransport } from "./server/transports/tcp.ts";
import { IrcTransport } from "./server/irc/transport.ts";
import { SECURITY_HEADERS, WebTransport } from "./server/transports/web.ts";
import { webAssets } from "./server/web_assets.ts";
import { formatAddress } from "./core/address.ts";
import { FileRoutes } from "./server/files/http.ts";
import { FileStore } from "./server/files/store.ts";
import { UploadTokens } from "./server/files/tokens.ts";
import type { SharedFiles } from "./server/hub/shared_files.ts";
import { PasswordGate } from "./server/password.ts";
import { MachineAddresses } from "./server/machine.ts";
import type { Cluster } from "./server/hub/cluster.ts";

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

/**
 * Options for {@linkcode startServer}: any setting of server/config.ts (the
 * numbers in the table's units: seconds for `heartbeat`, `handshake` and
 * `probe`), and what is not a setting: the store, the password, TLS and the log.
 * Left out, a setting takes its default from the table; a program gets no web
 * client unless it asks for a `webPort`, and no announcements unless `announce`.
 */
export interface ServerOptions extends ConfigOptions {
  /** Where room messages are kept; the caller closes it. @default {in memory} */
  history?: HistoryStore;
  /** Password every client must give. @default {none} */
  password?: string;
  /**
   * The op file's secrets by folded name (server/hub/moderation.ts,
   * `parseOpFile`): whoever has such a name and gives its secret with `/oper`
   * becomes an operator. @default {none}
   */
  operators?: ReadonlyMap<string, string>;
  /**
   * When the IRC port is in use, go on without IRC instead of failing: for
   * the default port, which another server may hold. @default {false}
   */
  ircIfFree?: boolean;
  /** Certificate and private key, PEM, to speak TLS on every port. @default {plain TCP} */
  tls?: { cert: string; key: string };
  /** Receives log lines without a timestamp. @default {no logging} */
  log?: (line: string) => void;
  /**
   * Called once every port is bound, before the server announces itself on
   * the network: where the log says what it is about to serve. Told the IRC
   * address, unless IRC is off (with `ircIfFree`, its port in use).
   */
  listening?: (ports: { ircAddr: Deno.NetAddr | undefined }) => void;
  /**
   * The directory of shared files (with the web port, when it takes files).
   * @default {a temporary directory, made at the first upload, removed at close}
   */
  filesDir?: string;
  /**
   * How long an upload's speed is averaged over, against the slowest an upload
   * may be, in milliseconds; shorter in tests. @default {30_000}
   */
  slowUploadWindowMs?: number;
  /**
   * The other servers of the same chat (server/cluster/nats.ts): the hub
   * reads what they stored before the ports open, the others hear of this
   * server once every port listens, and the server closes it.
   * @default {none: this server is the whole chat}
   */
  cluster?: Cluster;
}

/** A running server; dispose it, or call `close`, to stop it. */
export interface ChatServer extends AsyncDisposable {
  /** The bound TCP address. */
  readonly addr: Deno.NetAddr;
  /** The bound HTTP address of the web client, if it runs. */
  readonly webAddr: Deno.NetAddr | undefined;
  /** The bound IRC address, if IRC runs. */
  readonly ircAddr: Deno.NetAddr | undefined;
  /** The hub, for counts. */
  readonly hub: Hub;
  /** The shared files, when the web port runs and takes files. */
  readonly files: FileStore | undefined;
  /**
   * The upload tokens, when the web port takes files: `issue` one per connected
   * user, `revoke` it when they leave (see docs/PROTOCOL.md, "Files (HTTP)").
   */
  readonly uploadTokens: UploadTokens | undefined;
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
  const config = resolveConfig(options);
  const { hostname, port } = config;
  // The shared files are opened first: the hub hands out their upload tokens.
  let files: FileStore | undefined;
  let uploadTokens: UploadTokens | undefined;
  let web: WebTransport | undefined;
  if (config.webPort !== undefined && config.files) {
    files = await FileStore.open({
      dir: options.filesDir,
      maxFileBytes: config.maxFileBytes,
      quotaBytes: config.filesQuotaBytes,
      slowUploadWindowMs: options.slowUploadWindowMs,
    });
    uploadTokens = new UploadTokens(config.frameRate);
  }
  const shared: SharedFiles | undefined = files === undefined || uploadTokens === undefined
    ? undefined
    : {
      lookup: (id) => files.get(id),
      shared: (id, name, sharer) =>
        files.shared(id, name, sharer).catch((error) =>
          log(`Cannot record the share of file ${id}: ${error.message}`)
        ),
      tokens: uploadTokens,
      where: () =>
        web === undefined ? undefined : {
          port: web.addr.port,
          tls: options.tls !== undefined,
          maxBytes: config.maxFileBytes,
          quotaBytes: config.filesQuotaBytes,
          needsToken: options.password !== undefined,
        },
    };
  const machine = new MachineAddresses();
  const hub = new Hub({
    historyLimit: config.historyLimit,
    serverName: config.serverName,
    log,
    heartbeat: config.heartbeatMs / 1000,
    // Without a durable store, ids start from the clock (1000 per millisecond), so a
    // client coming back after a restart never asks for "after id X" with an X the
    // new server has not reached yet.
    ...(options.history === undefined ? { firstId: Date.now() * 1000 } : {}),
    ...(options.history === undefined ? {} : { history: options.history }),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(shared === undefined ? {} : { files: shared }),
    ...(options.operators === undefined ? {} : { operators: options.operators }),
    ...(options.cluster === undefined ? {} : { cluster: options.cluster }),
    machineAddress: (address) => machine.has(address),
  });
  // Every message the cluster stored so far is here before anyone may ask for one.
  await hub.link();
  const gate = new ConnectionGate({ ...config, log });
  const connections = new Connections(hub, { ...config, log });
  let tcp: TcpTransport;
  try {
    tcp = await TcpTransport.open({ ...config, tls: options.tls }, connections, { gate, log });
  } catch (error) {
    await connections.drain(0);
    await files?.close();
    throw new ListenError(formatAddress(hostname, port), error);
  }
  if (config.webPort !== undefined) {
    // In a cluster, the shared files of every server are kept in NATS too.
    const mirror = files === undefined
      ? undefined
      : await options.cluster?.files(config.filesQuotaBytes).catch((error) => {
        log(`Files stay on this server: cannot keep them in NATS: ${error.message}`);
        return undefined;
      });
    try {
      web = await WebTransport.open({
        ...config,
        port: config.webPort,
        chatPort: tcp.addr.port,
        assets: webAssets(),
        gate,
        tls: options.tls,
        log,
        // Without them (`files: false`) every request for a file is refused.
        files: files === undefined || uploadTokens === undefined ? undefined : new FileRoutes({
          store: files,
          tokens: uploadTokens,
          password: options.password === undefined ? undefined : new PasswordGate(options.password),
          headers: SECURITY_HEADERS,
          mirror,
          log,
          refuse: (uploader) => hub.shareRefusal(uploader),
        }),
        // The pages of the other servers of the chat may come here when theirs goes away.
        peers: () => options.cluster?.webServers() ?? [],
      }, connections);
    } catch (error) {
      await files?.close();
      await tcp.stopAccepting();
      gate[Symbol.dispose]();
      await connections.drain(0);
      throw new ListenError(formatAddress(hostname, config.webPort), error);
    }
  }
  let irc: IrcTransport | undefined;
  if (config.ircPort !== undefined) {
    try {
      irc = await IrcTransport.open({ ...config, port: config.ircPort, tls: options.tls }, hub, {
        connections,
        gate,
        log,
        serverName: config.serverName,
        heartbeatMs: config.heartbeatMs,
      });
    } catch (error) {
      const code = (error as { code?: unknown })?.code;
      if (!(options.ircIfFree && code === "EADDRINUSE")) {
        await web?.stopAccepting();
        await tcp.stopAccepting();
        gate[Symbol.dispose]();
        await connections.drain(0);
        await files?.close();
        throw new ListenError(formatAddress(hostname, config.ircPort), error);
      }
    }
  }
  options.listening?.({ ircAddr: irc?.addr });
  // Only now, every port bound, do the other servers hear of this one.
  const outward = reachableHost(hostname);
  options.cluster?.advertise(
    formatAddress(outward, tcp.addr.port),
    web === undefined
      ? undefined
      : `${options.tls === undefined ? "http" : "https"}://${
        formatAddress(outward, web.addr.port)
      }/`,
  );
  const announcer = config.announce
    ? await startAnnouncer({
      hostname,
      port: tcp.addr.port,
      ...(web === undefined ? {} : { webPort: web.addr.port }),
      name: config.serverName,
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
      await Promise.all([tcp.stopAccepting(), web?.stopAccepting(), irc?.stopAccepting()]);
      // No connection comes any more: the refusals not logged yet are, now.
      gate[Symbol.dispose]();
      hub.shutdown(reason);
      await connections.drain(2_000);
      await options.cluster?.[Symbol.asyncDispose]();
      await files?.close();
    })();
    return closing;
  };
  return {
    addr: tcp.addr,
    webAddr: web?.addr,
    ircAddr: irc?.addr,
    hub,
    files,
    uploadTokens,
    close,
    [Symbol.asyncDispose]: () => close(),
  };
}

/**
 * The address other machines reach a server bound to `hostname` at: itself,
 * or for a wildcard the first address of a network interface that is up.
 */
function reachableHost(hostname: string): string {
  if (hostname !== "0.0.0.0" && hostname !== "::") return hostname;
  try {
    const outward = Deno.networkInterfaces().find((nic) =>
      nic.family === "IPv4" && !nic.address.startsWith("127.")
    );
    return outward?.address ?? "127.0.0.1";
  } catch {
    return "127.0.0.1";
  }
}
