/**
 * The `chat` command line: `chat serve` and `chat join`. Parses arguments,
 * reports usage errors in one line, and maps outcomes to exit codes. This is
 * the only module that calls `Deno.exit`.
 *
 * @module
 */

import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import config from "./deno.json" with { type: "json" };
import { runClient } from "./client.ts";
import { formatAddress } from "./client/connection.ts";
import { DEFAULT_PORT } from "./protocol.ts";
import { startServer } from "./server.ts";

/** The program version, from deno.json. */
export const VERSION: string = config.version;

/** Exit code for a usage error (bad subcommand, flag or value). */
export const EXIT_USAGE = 2;

/** Exit code for a runtime failure (refused connection, port in use). */
export const EXIT_FAILURE = 1;

const USAGE = `chat ${VERSION}: talk with people on your local network

Usage:
  chat serve [--host ADDR] [--port N] [--history N]   start a chat server here
  chat join [HOST[:PORT]] [--port N] [--name NAME]    join a server
  chat --help | --version

Run "chat serve --help" or "chat join --help" for details.`;

const SERVE_HELP = `Usage: chat serve [options]

Start a chat server. Others join with "chat join <this machine's address>".

Options:
  --host ADDR    address to listen on (default 0.0.0.0: every interface)
  --port N       TCP port (default ${DEFAULT_PORT})
  --history N    messages per room replayed to newcomers (default 50)
  -h, --help     show this help

Stop it with Ctrl-C; everyone connected is told the server is closing.`;

const JOIN_HELP = `Usage: chat join [HOST[:PORT]] [options]

Join a chat server. HOST defaults to 127.0.0.1 (this machine).

Options:
  --port N       TCP port (default ${DEFAULT_PORT}; HOST:PORT also works)
  --name NAME    your name (asked for when missing)
  -h, --help     show this help

In the chat, type /help for commands. Leave with /quit, Ctrl-C or Ctrl-D.
When input is not a terminal, each line is sent as a message and the client
exits once the server has acknowledged them all:
  echo "build finished" | chat join 192.168.1.5 --name ci`;

/** A usage error: reported as one line, exit code {@linkcode EXIT_USAGE}. */
class UsageError extends Error {
  constructor(message: string, readonly command = "") {
    super(message);
  }
}

function parsePort(value: string, allowZero = false): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= (allowZero ? 0 : 1) && port <= 65535)) {
    throw new UsageError(`invalid port "${value}": expected a number from 1 to 65535`);
  }
  return port;
}

/** Splits `HOST[:PORT]`, accepting `[v6]:port` and a bare IPv6 address. */
export function parseHostPort(input: string): { hostname: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(input);
  if (bracketed) {
    const port = bracketed[2];
    return port === undefined
      ? { hostname: bracketed[1]! }
      : { hostname: bracketed[1]!, port: parsePort(port) };
  }
  const colons = input.split(":").length - 1;
  if (colons === 1) {
    const [hostname, port] = input.split(":") as [string, string];
    if (hostname === "") throw new UsageError(`invalid address "${input}": the host is missing`);
    return { hostname, port: parsePort(port) };
  }
  if (input === "" || /\s/.test(input)) throw new UsageError(`invalid address "${input}"`);
  return { hostname: input };
}

function parse<const T extends ParseArgsOptionsConfig>(
  command: string,
  args: string[],
  options: T,
) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const first = (error as Error).message.split("\n")[0]!;
    const ambiguous = /^Option '([^']+)' argument is ambiguous/.exec(first);
    const message = ambiguous
      ? `option '${ambiguous[1]}' needs a value; write ${
        ambiguous[1]
      }=VALUE for one that starts with -`
      : first
        .replace(/\. To specify a positional argument.*$/, "")
        .replace(/^Unknown option/, "unknown option")
        .replace(/^Option/, "option")
        .replace(/\.$/, "");
    throw new UsageError(message, command);
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

function joinCommand(host: string, port: number): string {
  return `chat join ${port === DEFAULT_PORT ? host : formatAddress(host, port)}`;
}

function banner(hostname: string, port: number): string {
  const lines = [`chat ${VERSION} is listening on ${formatAddress(hostname, port)}`];
  const local = hostname === "localhost" || hostname.startsWith("127.") || hostname === "::1";
  if (local) {
    lines.push(
      `Only this machine can join: ${joinCommand(hostname, port)}`,
      "Use --host 0.0.0.0 to let others on the network join.",
    );
  } else if (hostname === "0.0.0.0" || hostname === "::") {
    const addresses = lanAddresses();
    if (addresses.length === 0) {
      lines.push(
        "No network address found: others cannot reach this machine yet.",
        `On this machine: ${joinCommand("127.0.0.1", port)}`,
      );
    } else {
      lines.push("Others on your network can join with:");
      for (const address of addresses) lines.push(`  ${joinCommand(address, port)}`);
    }
  } else {
    lines.push("Others on your network can join with:", `  ${joinCommand(hostname, port)}`);
  }
  lines.push("Press Ctrl-C to stop.");
  return lines.join("\n");
}

async function serve(args: string[]): Promise<number> {
  const { values, positionals } = parse("serve", args, {
    host: { type: "string" },
    port: { type: "string" },
    history: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(SERVE_HELP);
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument "${positionals[0]}"`, "serve");
  }
  const port = values.port === undefined ? DEFAULT_PORT : parsePort(values.port, true);
  const history = values.history ?? "50";
  const historyLimit = /^\d{1,6}$/.test(history) ? Number(history) : NaN;
  if (!Number.isInteger(historyLimit) || historyLimit < 0 || historyLimit > 100_000) {
    throw new UsageError(
      `invalid --history "${values.history}": expected a number from 0 to 100000`,
      "serve",
    );
  }
  const hostname = values.host ?? "0.0.0.0";
  const log = (line: string) => console.log(`[${timestamp()}] ${line}`);
  let server;
  try {
    server = await startServer({ hostname, port, historyLimit, log });
  } catch (error) {
    const where = formatAddress(hostname, port);
    if (error instanceof Deno.errors.AddrInUse) {
      console.error(
        `chat: cannot listen on ${where}: the port is in use (is another server running? try --port)`,
      );
    } else if (error instanceof Deno.errors.AddrNotAvailable) {
      console.error(`chat: cannot listen on ${where}: this machine has no such address`);
    } else {
      const message = (error as Error).message.replace(/\s*\(os error \d+\)$/, "");
      console.error(`chat: cannot listen on ${where}: ${message}`);
    }
    return EXIT_FAILURE;
  }
  // Listen for signals before the banner: whoever reads it may stop the server at once.
  const { promise: stopped, resolve: stop } = Promise.withResolvers<string>();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const handlers = signals.map((signal) => {
    const handler = () => stop(signal);
    Deno.addSignalListener(signal, handler);
    return { signal, handler };
  });
  console.log(banner(hostname, server.addr.port));
  const signal = await stopped;
  log(`${signal} received: telling ${server.hub.size} users and shutting down`);
  await server.close("The server is shutting down");
  for (const { signal, handler } of handlers) Deno.removeSignalListener(signal, handler);
  log("Stopped");
  return 0;
}

function osUserName(): string | undefined {
  for (const variable of ["USER", "LOGNAME", "USERNAME"]) {
    try {
      const value = Deno.env.get(variable);
      if (value) return value;
    } catch {
      // Not permitted: no suggestion then.
    }
  }
  return undefined;
}

async function join(args: string[]): Promise<number> {
  const { values, positionals } = parse("join", args, {
    port: { type: "string" },
    name: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(JOIN_HELP);
    return 0;
  }
  if (positionals.length > 1) {
    throw new UsageError(`unexpected argument "${positionals[1]}"`, "join");
  }
  const target = parseHostPort(positionals[0] ?? "127.0.0.1");
  if (values.port !== undefined && target.port !== undefined) {
    throw new UsageError("give the port once: either HOST:PORT or --port", "join");
  }
  const port = target.port ?? (values.port === undefined ? DEFAULT_PORT : parsePort(values.port));
  const suggestedName = osUserName();
  return await runClient({
    hostname: target.hostname,
    port,
    ...(values.name === undefined ? {} : { name: values.name }),
    ...(suggestedName === undefined ? {} : { suggestedName }),
  });
}

/**
 * Runs the CLI with `args` and resolves to the process exit code. Usage
 * errors print one line to stderr and give {@linkcode EXIT_USAGE}.
 *
 * @example
 * ```ts
 * const code = await run(["--version"]); // prints "chat 0.1.0", returns 0
 * ```
 */
export async function run(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case "serve":
        return await serve(rest);
      case "join":
        return await join(rest);
      case "--version":
      case "-V":
        console.log(`chat ${VERSION}`);
        return 0;
      case undefined:
      case "--help":
      case "-h":
      case "help":
        console.log(USAGE);
        return command === undefined ? EXIT_USAGE : 0;
      default:
        throw new UsageError(
          command.startsWith("-")
            ? `unknown option "${command}"`
            : `unknown command "${command}": expected "serve" or "join"`,
        );
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const about = error.command || (command === "serve" || command === "join" ? command : "");
    const help = about ? `chat ${about} --help` : "chat --help";
    console.error(`chat: ${error.message} (see "${help}")`);
    return EXIT_USAGE;
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await run(Deno.args));
  } catch (error) {
    // Anything unexpected still ends in one readable line, not a stack trace.
    console.error(`chat: ${(error as Error)?.message ?? error}`);
    Deno.exit(EXIT_FAILURE);
  }
}
