/**
 * `chat serve`: flags, the start-up banner with join commands, web address
 * and QR code, the log, and a clean stop on Ctrl-C or SIGTERM.
 *
 * @module
 */

// @ts-types="npm:@types/qrcode@1.5.5"
import QRCode from "qrcode";
import { errorText, formatAddress } from "../core/address.ts";
import { checkServerName, DISCOVERY_PORT, toServerName } from "../discovery/beacon.ts";
import { DEFAULT_PORT } from "../protocol.ts";
import { sanitizeText } from "../core/sanitize.ts";
import { DEFAULT_WEB_PORT, ListenError, startServer } from "../server.ts";
import { parseOptions, parsePort, UsageError } from "./args.ts";
import { defaultDataDir, openHistory, parseRetention } from "./history.ts";
import { readPassword, readServerTls, SecretError } from "./secrets.ts";

/** Reads a whole-number flag within bounds, or its default. */
function count(
  flag: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
) {
  if (value === undefined) return fallback;
  const number = /^\d{1,7}$/.test(value) ? Number(value) : NaN;
  if (!(number >= min && number <= max)) {
    throw new UsageError(`invalid --${flag} "${value}": expected a number from ${min} to ${max}`);
  }
  return number;
}

/** Help for `chat serve`. */
export const SERVE_HELP = `Usage: chat serve [options]

Start a chat server. Others join with "chat join <this machine's address>",
or open the web address it prints in a browser.

Options:
  --host ADDR      address to listen on (default 0.0.0.0: every interface)
  --port N         TCP port for chat join, nc and telnet (default ${DEFAULT_PORT})
  --web-port N     HTTP port of the web client (default ${DEFAULT_WEB_PORT})
  --no-web         do not serve the web client
  --web-host NAME  another name the web page may be reached by, besides this
                   machine's addresses, its host name and localhost (repeatable)
  --name NAME      the server's name in "chat ls" and on joining (default: host name)
  --no-announce    do not announce the server on the local network (by default
                   it does, on UDP port ${DISCOVERY_PORT}, unless bound to 127.0.0.1)
  --history N      messages per room replayed to newcomers (default 50)
  --data-dir DIR   where history is stored (default: {dataDir})
  --memory         keep history in memory only; it is lost when the server stops
  --retain RULE    drop old messages: an age (30d, 12h, 2w) or a count (100000)
  --password-file F  require the password in file F (or set CHAT_PASSWORD)
  --tls-cert F     certificate (PEM) to speak TLS on both ports; needs --tls-key
  --tls-key F      private key (PEM) of --tls-cert
  --heartbeat S    drop a client silent for S seconds (default 30)
  --max-connections N  connections at once (default 2000)
  --max-per-ip N   connections at once from one address (default 32)
  --rate N         messages per second one connection may send (default 10)
  -h, --help       show this help

Stop it with Ctrl-C; everyone connected is told the server is closing.`;

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

function joinCommand(host: string, port: number, tls: boolean): string {
  const where = port === DEFAULT_PORT ? host : formatAddress(host, port);
  return `chat join ${where}${tls ? " --tls --ca CERT.pem" : ""}`;
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
  return color
    ? await QRCode.toString(text, { type: "terminal", small: true, errorCorrectionLevel: "L" })
    : await QRCode.toString(text, { type: "utf8", margin: 2, errorCorrectionLevel: "L" });
}

/** The lines printed once the server is listening. */
export async function banner(
  hostname: string,
  port: number,
  webPort: number | undefined,
  options: { color: boolean; tls: boolean },
): Promise<string> {
  const { color, tls } = options;
  const { hosts, local } = reachableHosts(hostname);
  const lines = [`chat is listening on ${formatAddress(hostname, port)}`];
  if (hosts.length === 0) {
    lines.push(
      "No network address found: others cannot reach this machine yet.",
      `On this machine: ${joinCommand("127.0.0.1", port, tls)}`,
    );
  } else {
    lines.push(local ? "Only this machine can join:" : "Others on your network can join with:");
    for (const host of hosts) lines.push(`  ${joinCommand(host, port, tls)}`);
    if (webPort !== undefined) {
      lines.push("or in a browser, on a phone too:");
      for (const host of hosts) lines.push(`  ${webUrl(host, webPort, tls)}`);
      lines.push(await qrCode(webUrl(hosts[0]!, webPort, tls), color));
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

/** Runs `chat serve` with `args`; resolves to the exit code once stopped. */
export async function serveCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions("serve", args, {
    host: { type: "string" },
    port: { type: "string" },
    "web-port": { type: "string" },
    "no-web": { type: "boolean" },
    "web-host": { type: "string", multiple: true },
    name: { type: "string" },
    "no-announce": { type: "boolean" },
    history: { type: "string" },
    "data-dir": { type: "string" },
    memory: { type: "boolean" },
    retain: { type: "string" },
    "password-file": { type: "string" },
    "tls-cert": { type: "string" },
    "tls-key": { type: "string" },
    heartbeat: { type: "string" },
    "max-connections": { type: "string" },
    "max-per-ip": { type: "string" },
    rate: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    let dataDir: string;
    try {
      dataDir = defaultDataDir();
    } catch {
      dataDir = "~/.local/share/chat";
    }
    console.log(SERVE_HELP.replace("{dataDir}", dataDir));
    return 0;
  }
  if (values.memory && (values["data-dir"] !== undefined || values.retain !== undefined)) {
    throw new UsageError("--memory does not go with --data-dir or --retain");
  }
  const retention = values.retain === undefined ? {} : parseRetention(values.retain);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values["no-web"] && (values["web-port"] !== undefined || values["web-host"] !== undefined)) {
    throw new UsageError("--no-web does not go with --web-port or --web-host");
  }
  const webHosts = values["web-host"] ?? [];
  for (const host of webHosts) {
    if (!/^[\w.:\[\]-]{1,253}$/.test(host)) {
      throw new UsageError(
        `invalid --web-host "${sanitizeText(host)}": expected a host name or address`,
      );
    }
  }
  const port = values.port === undefined ? DEFAULT_PORT : parsePort(values.port, true);
  const webPort = values["no-web"]
    ? undefined
    : values["web-port"] === undefined
    ? DEFAULT_WEB_PORT
    : parsePort(values["web-port"], true);
  const history = values.history ?? "50";
  const historyLimit = /^\d{1,6}$/.test(history) ? Number(history) : NaN;
  if (!(historyLimit >= 0 && historyLimit <= 100_000)) {
    throw new UsageError(
      `invalid --history "${values.history}": expected a number from 0 to 100000`,
    );
  }
  const hostname = values.host ?? "0.0.0.0";
  const serverName = values.name ?? defaultServerName();
  const badName = checkServerName(serverName);
  if (badName !== undefined) {
    throw new UsageError(`invalid --name "${sanitizeText(serverName)}": ${badName}`);
  }
  const heartbeat = count("heartbeat", values.heartbeat, 30, 5, 3600);
  const maxConnections = count("max-connections", values["max-connections"], 2000, 1, 1_000_000);
  const maxPerAddress = count("max-per-ip", values["max-per-ip"], 32, 1, 1_000_000);
  const messageRate = count("rate", values.rate, 10, 1, 1_000_000);
  let password: string | undefined;
  let tls: { cert: string; key: string } | undefined;
  try {
    password = await readPassword(values["password-file"]);
    tls = await readServerTls(values["tls-cert"], values["tls-key"]);
  } catch (error) {
    if (!(error instanceof SecretError)) throw error;
    console.error(`chat: ${error.message}`);
    return 1;
  }
  const log = (line: string) => console.log(`[${timestamp()}] ${line}`);
  const dataDir = values.memory ? undefined : values["data-dir"] ?? defaultDataDir();
  using store = dataDir === undefined ? undefined : await openHistory({ dataDir, retention });
  if (dataDir !== undefined && store === undefined) return 1;
  let server;
  try {
    server = await startServer({
      hostname,
      port,
      historyLimit,
      log,
      serverName,
      announce: !values["no-announce"],
      ...(webPort === undefined ? {} : { webPort, webHosts }),
      ...(store === undefined ? {} : { history: store }),
      ...(password === undefined ? {} : { password }),
      ...(tls === undefined ? {} : { tls }),
      heartbeat,
      maxConnections,
      maxPerAddress,
      messageRate,
    });
  } catch (error) {
    if (!(error instanceof ListenError)) throw error;
    console.error(`chat: ${explainListen(error)}`);
    return 1;
  }
  log(dataDir === undefined ? "History is kept in memory only" : `History is stored in ${dataDir}`);
  // Listen for signals before the banner: whoever reads it may stop the server at once.
  const { promise: stopped, resolve: stop } = Promise.withResolvers<string>();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const handlers = signals.map((signal) => {
    const handler = () => stop(signal);
    Deno.addSignalListener(signal, handler);
    return { signal, handler };
  });
  const color = Deno.stdout.isTerminal() && !Deno.noColor;
  console.log(
    await banner(hostname, server.addr.port, server.webAddr?.port, {
      color,
      tls: tls !== undefined,
    }),
  );
  const signal = await stopped;
  log(`${signal} received: telling ${server.hub.size} users and shutting down`);
  await server.close("The server is shutting down");
  for (const { signal, handler } of handlers) Deno.removeSignalListener(signal, handler);
  log("Stopped");
  return 0;
}
