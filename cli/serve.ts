/**
 * `chat serve`: flags, the start-up banner with join commands, web address
 * and QR code, the log, and a clean stop on Ctrl-C, SIGTERM or SIGHUP.
 *
 * @module
 */

import { isIP } from "node:net";
import { join, resolve } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import type QRCodeModule from "./qrcode.d.ts";
import { asClause, errorText, formatAddress } from "../core/address.ts";
import { checkServerName, toServerName } from "../discovery/beacon.ts";
import { DEFAULT_PORT } from "../protocol.ts";
import { ListenError, startServer } from "../server.ts";
import {
  flagClash,
  flagHelp,
  parseNumberFlag,
  serveFlagOptions,
  SETTINGS,
} from "../server/config.ts";
import { connectionsThatFit } from "../server/descriptors.ts";
import { DEFAULT_IRC_TLS_PORT } from "../server/irc/transport.ts";
import { isHostLike, parseOptions, quote, UsageError } from "./args.ts";
import { defaultDataDir, openHistory, parseRetention } from "./history.ts";
import {
  readClusterSecrets,
  readOpFile,
  readPassword,
  readServerTls,
  SecretError,
} from "./secrets.ts";
import { StopSignals } from "./signals.ts";
import type { HostConsole } from "../server/hub/console.ts";
import type { Cluster } from "../server/hub/cluster.ts";

/** Help for `chat serve`; its options are made from the settings table. */
/** `chat serve --help`, the data folder's default path being `dataDir`. */
export function serveHelp(dataDir: string): string {
  return `Usage: chat serve [options]

Start a chat server. Others join with "chat join <this machine's address>",
or open the web address it prints in a browser.

Options:
${flagHelp({ dataDir }, [["-h, --help", "show this help"]]).join("\n")}

Stop it with Ctrl-C; everyone connected is told the server is closing.`;
}

/** Reads number flag `name` within the table's bounds; `undefined` when not given. */
function numberFlag(name: Parameters<typeof parseNumberFlag>[0], text: string | undefined) {
  try {
    return parseNumberFlag(name, text);
  } catch (error) {
    // The table's message quotes the value as typed; show it escaped, as every usage error does.
    if (error instanceof RangeError) {
      throw new UsageError(error.message.replace(`"${text}"`, () => quote(text!)));
    }
    throw error;
  }
}

function timestamp(): string {
  const now = new Date();
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ` +
    `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
}

function lanAddresses(): string[] {
  try {
    return Deno.networkInterfaces()
      .filter((iface) =>
        iface.family === "IPv4" && !iface.address.startsWith("127.") &&
        !iface.address.startsWith("169.254.")
      )
      .map((iface) => iface.address)
      .filter((address, index, all) => all.indexOf(address) === index);
  } catch {
    return [];
  }
}

/** `text` as one word of a shell command: as it is when it needs no quotes. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * The command that joins `host:port`; with TLS, trusting `certFile`, the
 * server's own certificate as its `--tls-cert` named it (`--ca` implies `--tls`).
 */
function joinCommand(host: string, port: number, certFile: string | undefined): string {
  const where = port === DEFAULT_PORT ? host : formatAddress(host, port);
  return `chat join ${where}${certFile === undefined ? "" : ` --ca ${shellWord(certFile)}`}`;
}

function ircUrl(host: string, port: number, tls: boolean): string {
  return `${tls ? "ircs" : "irc"}://${formatAddress(host, port)}`;
}

function webUrl(host: string, port: number, tls: boolean): string {
  return `${tls ? "https" : "http"}://${formatAddress(host, port)}/`;
}

/** The host name, as a server name; "chat" if it cannot be read. */
function defaultServerName(): string {
  try {
    return toServerName(Deno.hostname());
  } catch {
    return "chat";
  }
}

/** The hosts others should use to reach a server bound to `hostname`. */
function reachableHosts(hostname: string): { hosts: string[]; local: boolean } {
  if (hostname === "localhost" || hostname.startsWith("127.") || hostname === "::1") {
    return { hosts: [hostname], local: true };
  }
  if (hostname === "0.0.0.0" || hostname === "::") return { hosts: lanAddresses(), local: false };
  return { hosts: [hostname], local: false };
}

/** Draws `text` as a QR code in the terminal; black on white where colour is allowed. */
async function qrCode(text: string, color: boolean): Promise<string> {
  // Loaded only here: a server without the web page never needs it, and the
  // package and its PNG encoder cost about 4 MiB of memory and 40 ms at start.
  const QRCode = (await import("qrcode")).default as typeof QRCodeModule;
  return color
    ? await QRCode.toString(text, { type: "terminal", small: true, errorCorrectionLevel: "L" })
    : await QRCode.toString(text, { type: "utf8", margin: 2, errorCorrectionLevel: "L" });
}

/** Options for {@linkcode banner}. */
export interface BannerOptions {
  /** Draw the QR code in colour. */
  color: boolean;
  /** The path `--tls-cert` gave, as given, when the server speaks TLS. */
  certFile?: string | undefined;
  /** The IRC port, when IRC is served. */
  ircPort?: number | undefined;
}

/** The lines printed once the server is listening. */
export async function banner(
  hostname: string,
  port: number,
  webPort: number | undefined,
  options: BannerOptions,
): Promise<string> {
  const { color, certFile, ircPort } = options;
  const tls = certFile !== undefined;
  const { hosts, local } = reachableHosts(hostname);
  const lines = [`chat is listening on ${formatAddress(hostname, port)}`];
  if (hosts.length === 0) {
    lines.push(
      "No network address found: others cannot reach this machine yet.",
      `On this machine: ${joinCommand("127.0.0.1", port, certFile)}`,
    );
    // Loopback answers on the web port as on the others, here as on a server bound to 127.0.0.1.
    if (webPort !== undefined) {
      lines.push(`  or in a browser: ${webUrl("127.0.0.1", webPort, tls)}`);
    }
    if (ircPort !== undefined) lines.push(`  or IRC: ${ircUrl("127.0.0.1", ircPort, tls)}`);
  } else {
    lines.push(local ? "Only this machine can join:" : "Others on your network can join with:");
    for (const host of hosts) lines.push(`  ${joinCommand(host, port, certFile)}`);
    if (webPort !== undefined) {
      // A phone is another machine: it reaches a server on loopback no more than a laptop does.
      lines.push(local ? "or in a browser:" : "or in a browser, on a phone too:");
      for (const host of hosts) lines.push(`  ${webUrl(host, webPort, tls)}`);
      if (!local) lines.push(await qrCode(webUrl(hosts[0]!, webPort, tls), color));
    }
    if (ircPort !== undefined) {
      lines.push("or from an IRC client (irssi, WeeChat, HexChat):");
      for (const host of hosts) lines.push(`  ${ircUrl(host, ircPort, tls)}`);
    }
    if (local) lines.push("Use --host 0.0.0.0 to let others on the network join.");
  }
  lines.push("Press Ctrl-C to stop.");
  return lines.join("\n");
}

function explainListen(error: ListenError): string {
  const cause = error.cause;
  // The TCP port reports system codes (node:net); the web port Deno's errors.
  const code = (cause as { code?: unknown })?.code;
  if (cause instanceof Deno.errors.AddrInUse || code === "EADDRINUSE") {
    return `cannot listen on ${error.where}: the port is in use (is another server running? try another port)`;
  }
  if (
    cause instanceof Deno.errors.AddrNotAvailable || code === "EADDRNOTAVAIL" || code === "EINVAL"
  ) {
    return `cannot listen on ${error.where}: this machine has no such address`;
  }
  if (cause instanceof Deno.errors.PermissionDenied || code === "EACCES") {
    return `cannot listen on ${error.where}: permission denied (ports below 1024 need privileges)`;
  }
  return `cannot listen on ${error.where}: ${errorText(cause)}`;
}

/**
 * Runs `chat serve` with `args`; resolves to the exit code once stopped by
 * one of `signals` (listened for from here on unless given).
 */
export async function serveCommand(
  args: string[],
  signals: StopSignals = new StopSignals(),
): Promise<number> {
  const { values, positionals } = parseOptions("serve", args, {
    ...serveFlagOptions(),
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    let dataDir: string;
    try {
      dataDir = defaultDataDir();
    } catch {
      dataDir = "~/.local/share/chat";
    }
    console.log(serveHelp(dataDir));
    return 0;
  }
  const clash = flagClash((flag) => values[flag as keyof typeof values] !== undefined);
  if (clash !== undefined) throw new UsageError(clash);
  const retention = values.retain === undefined ? {} : parseRetention(values.retain);
  if (values["data-dir"] === "") {
    throw new UsageError('invalid --data-dir "": expected the path of a folder');
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${quote(positionals[0]!)}`);
  const givenIrcPort = numberFlag("ircPort", values["irc-port"]);
  const webHosts = values["web-host"] ?? [];
  for (const host of webHosts) {
    if (!/^[\w.:\[\]-]{1,253}$/.test(host)) {
      throw new UsageError(`invalid --web-host ${quote(host)}: expected a host name or address`);
    }
  }
  const port = numberFlag("port", values.port);
  const webPort = values["no-web"]
    ? undefined
    : numberFlag("webPort", values["web-port"]) ?? SETTINGS.webPort.default;
  // One number for two of the server's own ports would read as "in use by another server".
  const ports: [string, number | undefined][] = [
    ["--port", port ?? SETTINGS.port.default],
    ["--web-port", webPort],
    ["--irc-port", givenIrcPort],
  ];
  for (const [i, [flag, value]] of ports.entries()) {
    const same = ports.slice(0, i).find(([, other]) => other === value && value !== 0);
    if (value !== undefined && same !== undefined) {
      throw new UsageError(
        `invalid ${flag} ${quote(String(value))}: it is the ${
          same[0]
        } too; each port needs its own number`,
      );
    }
  }
  const historyLimit = numberFlag("historyLimit", values.history);
  const hostname = (values.host) ?? "0.0.0.0";
  if (!isHostLike(hostname)) {
    throw new UsageError(
      `invalid --host ${quote(hostname)}: expected an address to listen on, such as 0.0.0.0`,
    );
  }
  const serverName = (values.name) ?? defaultServerName();
  const badName = checkServerName(serverName);
  if (badName !== undefined) {
    throw new UsageError(`invalid --name ${quote(serverName)}: ${badName}`);
  }
  const numbers = {
    port,
    historyLimit,
    heartbeat: numberFlag("heartbeat", values.heartbeat),
    maxConnections: numberFlag("maxConnections", values["max-connections"]),
    maxPerAddress: numberFlag("maxPerAddress", values["max-per-ip"]),
    messageRate: numberFlag("messageRate", values.rate),
    maxFile: numberFlag("maxFile", values["max-file"]),
    filesQuota: numberFlag("filesQuota", values["files-quota"]),
  };
  const log = (line: string) => {
    try {
      console.log(`[${timestamp()}] ${line}`);
    } catch {
      // The terminal is gone (closed: EIO, or a pipe's reader ended): the server goes on,
      // and stops as its SIGHUP says.
    }
  };
  // Ctrl-C while the server starts stops what has started and exits 0, as it does later.
  const { stopped } = signals;
  /** Ends a start that a signal stopped, once what had started is closed. */
  const stoppedStarting = (signal: string) => {
    log(`${signal} received while starting: shutting down`);
    log("Stopped");
    return 0;
  };
  let password: string | undefined;
  let tls: { cert: string; key: string } | undefined;
  let operators: Map<string, string> | undefined;
  try {
    password = await readPassword(values["password-file"]);
    operators = await readOpFile(values["op-file"]);
    tls = await readServerTls(values["tls-cert"], values["tls-key"]);
  } catch (error) {
    if (!(error instanceof SecretError)) throw error;
    console.error(`chat: ${error.message}`);
    return 1;
  }
  if (signals.received !== undefined) return stoppedStarting(signals.received);
  // Measured before the history and the ports are opened, which the reserve counts.
  const fit = connectionsThatFit(numbers.maxConnections ?? SETTINGS.maxConnections.default);
  // Not one connection beside the reserve: a server that would turn everyone away does not start.
  if (fit.max === 0) {
    console.error(`chat: ${asClause(fit.lowered!)}`);
    return 1;
  }
  if (fit.lowered !== undefined) {
    log(fit.lowered);
    numbers.maxConnections = fit.max;
  }
  // IRC's usual ports: 6667, and 6697 with TLS. Only a port given must be free.
  const ircPort = values["no-irc"]
    ? undefined
    : givenIrcPort ?? (tls === undefined ? SETTINGS.ircPort.default : DEFAULT_IRC_TLS_PORT);
  // Absolute, as the log says it: the folder is found again whatever folder the log is read in.
  const dataDir = values.memory ? undefined : resolve(values["data-dir"] ?? defaultDataDir());
  const files = !values["no-files"];
  const clusterAt = values.cluster === undefined ? undefined : parseClusterUrls(values.cluster);
  // Named as given: a flag that was not given is beside the point.
  const forCluster = (["cluster-creds", "cluster-ca"] as const).filter((flag) =>
    values[flag] !== undefined
  );
  if (clusterAt === undefined && forCluster.length > 0) {
    throw new UsageError(
      `${forCluster.map((flag) => `--${flag}`).join(" and ")} ${
        forCluster.length === 1 ? "needs" : "need"
      } --cluster`,
    );
  }
  // In a cluster the history is the cluster's stream; this server keeps its last messages in memory.
  using store = dataDir === undefined || clusterAt !== undefined
    ? undefined
    : await openHistory({ dataDir, retention, log });
  if (dataDir !== undefined && clusterAt === undefined && store === undefined) return 1;
  if (signals.received !== undefined) return stoppedStarting(signals.received);
  let cluster: Cluster | undefined;
  if (clusterAt !== undefined) {
    let secrets;
    try {
      secrets = await readClusterSecrets(values["cluster-creds"], values["cluster-ca"]);
    } catch (error) {
      if (!(error instanceof SecretError)) throw error;
      console.error(`chat: ${error.message}`);
      return 1;
    }
    const { NatsCluster } = await import("../server/cluster/nats.ts");
    const connecting = NatsCluster.connect({
      ...clusterAt,
      ...secrets,
      name: serverName,
      maxAgeMs: retention.maxAgeMs,
      maxMessages: retention.maxCount,
      log,
    });
    try {
      // NATS may keep it waiting: a signal meanwhile stops it at once.
      cluster = await Promise.race([connecting, stopped.then(() => undefined)]);
    } catch (error) {
      console.error(
        `chat: cannot join the cluster at ${clusterAt.urls.join(", ")}: ${clusterError(error)}`,
      );
      return 1;
    }
    if (cluster === undefined) {
      connecting.then((late) => late[Symbol.asyncDispose](), () => {});
      return stoppedStarting(signals.received!);
    }
  }
  // Said before the server announces itself, which it logs: what is served first, then where.
  const listening = ({ ircAddr }: { ircAddr: Deno.NetAddr | undefined }) => {
    log(
      cluster !== undefined
        ? `History is kept in the cluster's NATS stream; this server is ${cluster.id}`
        : dataDir === undefined
        ? "History is kept in memory only"
        : `History is stored in ${dataDir}`,
    );
    if (ircPort !== undefined && ircAddr === undefined) {
      log(`IRC port ${ircPort} is in use; IRC is off (--irc-port N to choose another)`);
    }
  };
  let server;
  try {
    server = await startServer({
      hostname,
      log,
      listening,
      serverName,
      announce: !values["no-announce"],
      files,
      ...(webPort === undefined ? {} : { webPort, webHosts }),
      ...(ircPort === undefined ? {} : { ircPort, ircIfFree: givenIrcPort === undefined }),
      ...(store === undefined ? {} : { history: store }),
      ...(dataDir === undefined || !files ? {} : { filesDir: join(dataDir, "files") }),
      ...(password === undefined ? {} : { password }),
      ...(tls === undefined ? {} : { tls }),
      ...(operators === undefined ? {} : { operators }),
      ...(cluster === undefined ? {} : { cluster }),
      ...numbers,
    });
  } catch (error) {
    await cluster?.[Symbol.asyncDispose]();
    if (!(error instanceof ListenError)) throw error;
    console.error(`chat: ${explainListen(error)}`);
    return 1;
  }
  if (signals.received !== undefined) {
    await server.close("The server is shutting down");
    return stoppedStarting(signals.received);
  }
  const color = Deno.stdout.isTerminal() && !Deno.noColor;
  console.log(
    await banner(hostname, server.addr.port, server.webAddr?.port, {
      color,
      certFile: tls === undefined ? undefined : values["tls-cert"],
      ircPort: server.ircAddr?.port,
    }),
  );
  // The host's console: what is typed at the server, when someone is there to type it.
  const typing = values.console || Deno.stdin.isTerminal()
    ? readConsole(server.hub.console((line) => console.log(line)), log)
    : undefined;
  const signal = await stopped;
  typing?.close();
  const users = server.hub.size === 1 ? "1 user" : `${server.hub.size} users`;
  log(`${signal} received: telling ${users} and shutting down`);
  await server.close("The server is shutting down");
  log("Stopped");
  return 0;
}

/** What `--cluster` gives: the NATS URLs, without credentials, and the credentials they carried. */
export interface ClusterAddress {
  urls: string[];
  /** From `nats://USER:PASSWORD@HOST`. */
  user?: string;
  pass?: string;
  /** From `nats://TOKEN@HOST`. */
  token?: string;
}

/**
 * Reads `--cluster`: NATS URLs separated by commas, each nats://, tls:// or
 * host:port, maybe with `user:password@` or `token@` (those of the first that
 * has any are used). The URLs come back without them, to be printed safely.
 */
export function parseClusterUrls(value: string): ClusterAddress {
  const given = value.split(",").map((url) => url.trim()).filter((url) => url !== "");
  if (given.length === 0) throw new UsageError("invalid --cluster: expected nats://HOST:4222");
  const address: ClusterAddress = { urls: [] };
  for (const url of given) {
    const parsed = URL.parse(/^[a-z]+:\/\//.test(url) ? url : `nats://${url}`);
    if (parsed === null || !["nats:", "tls:"].includes(parsed.protocol) || !parsed.hostname) {
      throw new UsageError(
        `invalid --cluster ${quote(url)}: expected nats://HOST:4222 (or tls://HOST:4222)`,
      );
    }
    if (parsed.protocol === "tls:" && isIP(parsed.hostname.replace(/^\[|\]$/g, "")) !== 0) {
      throw new UsageError(
        `invalid --cluster ${quote(url)}: give NATS by the host name its TLS certificate names; ` +
          "an address cannot be checked against it here",
      );
    }
    // NATS's own default port, said where the URL leaves it out.
    address.urls.push(`${parsed.protocol}//${parsed.host}${parsed.port === "" ? ":4222" : ""}`);
    const first = address.user === undefined && address.token === undefined;
    if (first && parsed.username !== "") {
      const name = decodeURIComponent(parsed.username);
      if (parsed.password === "") address.token = name;
      else Object.assign(address, { user: name, pass: decodeURIComponent(parsed.password) });
    }
  }
  return address;
}

/** Why NATS could not be joined, with what to do where NATS's own words do not say it. */
function clusterError(error: unknown): string {
  const text = errorText(error);
  if (/authorization violation/i.test(text)) {
    return `${text}: NATS refused the user, password or token given (in the URL, as ` +
      `nats://USER:PASSWORD@HOST:4222) or the --cluster-creds file`;
  }
  if (/jetstream is not enabled/i.test(text)) {
    return `${text}: start nats-server with -js (and -sd DIR, where it keeps the chat)`;
  }
  if (/undefined error/i.test(text)) {
    return "it did not answer as NATS does (is that NATS's client port, 4222 by default?)";
  }
  return text;
}

/**
 * Runs each line of standard input on the host's console until it ends or
 * the server stops; the server goes on without it.
 */
function readConsole(host: HostConsole, log: (line: string) => void): { close(): void } {
  // Not a terminal interface: the terminal keeps its own line editing and Ctrl-C.
  const lines = createInterface({ input: process.stdin, terminal: false });
  let closing = false;
  lines.on("line", (line) => host.run(line));
  lines.on("close", () => {
    if (!closing) log("The console's input ended; the server goes on (stop it with Ctrl-C)");
  });
  return {
    close() {
      closing = true;
      lines.close();
      process.stdin.destroy();
    },
  };
}
