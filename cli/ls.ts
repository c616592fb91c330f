/**
 * `chat ls`: lists the chat servers on the local network, as text or JSON;
 * and the search `chat join` makes when it is given no address.
 *
 * @module
 */

import { formatAddress } from "../core/address.ts";
import {
  discover,
  findLocal,
  type FoundServer,
  isOnThisMachine,
  scan,
} from "../discovery/finder.ts";
import { DISCOVERY_PORT } from "../discovery/beacon.ts";
import { DEFAULT_PORT } from "../protocol.ts";
import { sanitizeText } from "../core/sanitize.ts";
import { Terminal } from "../client/terminal.ts";
import { parseOptions, parsePort, quote, UsageError } from "./args.ts";

/** Milliseconds `chat join` and `chat ls` listen for servers by default. */
export const DEFAULT_WAIT_MS = 2_000;

/** Help for `chat ls`. */
export const LS_HELP = `Usage: chat ls [options]

List the chat servers on the local network. Every "chat serve" announces
itself unless it runs with --no-announce or listens on 127.0.0.1 only; one
on this machine is listed whatever address it listens on, when it is on the
chat port (--port).

Options:
  --json       print a JSON array, for scripts
  --scan       also probe each address of this machine's networks (the /24
               around it) on the chat port, to find servers that do not
               announce themselves (TLS servers are not found this way)
  --port N     the chat port probed on this machine, and with --scan on the
               network (default ${DEFAULT_PORT})
  --wait S     seconds to listen for servers (default ${DEFAULT_WAIT_MS / 1000})
  -h, --help   show this help

Exits 0 when it found a server and 1 when it found none.`;

// Spaces other than U+0020, and marks that pass for a double quote: escaped, so
// a quoted name shows where it ends and cannot fake a gap between columns.
const LOOKS_LIKE_QUOTE_OR_GAP =
  /[\p{Zs}\u02BA\u02DD\u02EE\u05F4\u201C-\u201F\u2033\u2036\u3003\uFF02]/gu;

/**
 * A server's announced name as printed: cleaned, then quoted like a JSON
 * string, so nothing inside it can end the quote or pose as another column.
 */
export function quoteServerName(name: string): string {
  return JSON.stringify(sanitizeText(name)).replace(
    LOOKS_LIKE_QUOTE_OR_GAP,
    (char) => char === " " ? char : `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** The argument of `chat join` that reaches `server`. */
export function joinTarget(server: FoundServer): string {
  return server.port === DEFAULT_PORT ? server.host : formatAddress(server.host, server.port);
}

/** The `chat join` command for `server`, with `--tls` when it announces TLS. */
export function joinCommand(server: FoundServer): string {
  const tls = server.source === "announce" && server.announcement.tls ? " --tls" : "";
  return `chat join ${joinTarget(server)}${tls}`;
}

/** One aligned line per server, safe to print; numbered from 1 with `numbered`. */
export function serverLines(servers: readonly FoundServer[], numbered = false): string[] {
  const rows = servers.map((server) => {
    if (server.source !== "announce") {
      // Told by the server's `pong`; an older server tells none.
      const name = server.name === undefined ? "(no name)" : quoteServerName(server.name);
      const how = server.source === "scan" ? "found by scanning" : "on this machine";
      return [name, joinTarget(server), how];
    }
    const { name, users, password, tls, webPort } = server.announcement;
    const notes = [`${users} ${users === 1 ? "person" : "people"}`];
    if (password) notes.push("password");
    if (tls) notes.push("TLS");
    if (webPort !== undefined) {
      notes.push(`web ${tls ? "https" : "http"}://${formatAddress(server.host, webPort)}/`);
    }
    return [quoteServerName(name), joinTarget(server), notes.join(", ")];
  });
  const width = (column: number) => Math.max(...rows.map((row) => [...row[column]!].length));
  const pad = (text: string, size: number) => text + " ".repeat(size - [...text].length);
  const digits = String(rows.length).length;
  return rows.map((row, index) =>
    `  ${numbered ? `${String(index + 1).padStart(digits)}. ` : ""}` +
    `${pad(row[0]!, width(0))}  ${pad(row[1]!, width(1))}  ${row[2]}`
  );
}

/** What a script gets from `chat ls --json` for one server. */
export function serverJson(server: FoundServer): Record<string, unknown> {
  if (server.source !== "announce") {
    const { source, name, host, port } = server;
    return { source, ...(name === undefined ? {} : { name }), host, port };
  }
  const { id, name, addresses, webPort, users, password, tls } = server.announcement;
  return {
    source: "announce",
    name,
    host: server.host,
    port: server.port,
    ...(webPort === undefined ? {} : { webPort }),
    users,
    password,
    tls,
    addresses,
    id,
  };
}

/** The one line that says nothing was found and what to try. */
export function notFoundMessage(wait: number, scanned: boolean): string {
  return `no chat server found on the local network within ${wait / 1000} s. Try ` +
    `"chat join ADDRESS" with the address "chat serve" prints, check that the firewall ` +
    `lets in UDP port ${DISCOVERY_PORT} (discovery) and TCP port ${DEFAULT_PORT} (or the ` +
    `server's --port)${scanned ? "" : ', or run "chat ls --scan" to probe the network'}`;
}

function seconds(value: string | undefined): number {
  if (value === undefined) return DEFAULT_WAIT_MS;
  const number = /^\d{1,2}(\.\d{1,3})?$/.test(value) ? Number(value) : NaN;
  if (!(number >= 0.1 && number <= 30)) {
    throw new UsageError(`invalid --wait ${quote(value)}: expected seconds from 0.1 to 30`, "ls");
  }
  return Math.round(number * 1000);
}

/** Runs `chat ls` with `args`; resolves to the exit code. */
export async function lsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions("ls", args, {
    json: { type: "boolean" },
    scan: { type: "boolean" },
    port: { type: "string" },
    wait: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(LS_HELP);
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument ${quote(positionals[0]!)}`, "ls");
  }
  const port = values.port === undefined ? DEFAULT_PORT : parsePort(values.port);
  const wait = seconds(values.wait);
  const [announced, scanned, local] = await Promise.all([
    discover({ wait }),
    values.scan ? scan({ port }) : Promise.resolve([]),
    findLocal(port),
  ]);
  const found = [
    ...announced,
    ...scanned.filter((found) =>
      !announced.some((server) =>
        server.port === found.port &&
        (server.host === found.host ||
          (server.source === "announce" && server.announcement.addresses.includes(found.host)))
      )
    ),
  ];
  // The server on this machine, unless it was found at one of its other addresses already.
  const here = local !== undefined &&
    !found.some((server) => server.port === local.port && isOnThisMachine(server));
  const servers = here ? [...found, local] : found;
  if (values.json) {
    console.log(JSON.stringify(servers.map(serverJson), null, 2));
  } else if (servers.length === 0) {
    console.error(`chat: ${notFoundMessage(wait, values.scan === true)}`);
  } else {
    const count = servers.length === 1 ? "1 chat server" : `${servers.length} chat servers`;
    console.log([`Found ${count}:`, ...serverLines(servers)].join("\n"));
    console.log(`Join one with: ${joinCommand(servers[0]!)}`);
  }
  return servers.length > 0 ? 0 : 1;
}

/** Options for {@linkcode findServer}. */
export interface FindOptions {
  /** Only servers on this TCP port. @default {any port} */
  port?: number;
  /** Ask which one when several answer. */
  interactive: boolean;
}

/**
 * The search `chat join` makes without an address: one server found is
 * joined, several are listed to pick from (Ctrl-C or Ctrl-D at the question
 * leaves, exit code 0; when not interactive, they are listed with exit code 1), none
 * gives one line on what to try and exit code 1. A server on this machine
 * that announces nothing (bound to 127.0.0.1) is tried last.
 */
export async function findServer(
  options: FindOptions,
): Promise<{ server: FoundServer } | { exit: number }> {
  const servers = (await discover({ wait: DEFAULT_WAIT_MS, settle: 500 }))
    .filter((server) => options.port === undefined || server.port === options.port);
  if (servers.length === 0) {
    const server = await findLocal(options.port ?? DEFAULT_PORT);
    if (server !== undefined) {
      const name = server.source === "local" && server.name !== undefined
        ? quoteServerName(server.name)
        : "a server";
      console.log(`-- Found ${name} on this machine at ${joinTarget(server)}`);
      return { server };
    }
    console.error(`chat: ${notFoundMessage(DEFAULT_WAIT_MS, false)}`);
    return { exit: 1 };
  }
  if (servers.length === 1) {
    const server = servers[0]!;
    const name = server.source === "announce"
      ? `${quoteServerName(server.announcement.name)} `
      : "";
    console.log(`-- Found ${name}at ${joinTarget(server)}`);
    return { server };
  }
  console.log([`Found ${servers.length} chat servers:`, ...serverLines(servers, true)].join("\n"));
  if (!options.interactive) {
    console.error(
      `chat: found ${servers.length} chat servers; say which to join, such as ` +
        `"chat join ${joinTarget(servers[0]!)}"`,
    );
    return { exit: 1 };
  }
  // Asked as the name and password questions are, so that Ctrl-C there is what it is there.
  using terminal = new Terminal({ interactive: true });
  while (true) {
    const answer = await terminal.ask(`Join which one? [1-${servers.length}] `);
    // Ctrl-C or Ctrl-D: the user declined, as at the name or password question, a normal goodbye.
    if (answer === undefined) return { exit: 0 };
    const choice = /^\s*\d+\s*$/.test(answer) ? Number(answer) : NaN;
    if (choice >= 1 && choice <= servers.length) return { server: servers[choice - 1]! };
    console.log(notAChoice(answer, servers.length));
  }
}

/** Why `answer` picks none of the `count` servers listed, said before the question comes again. */
export function notAChoice(answer: string, count: number): string {
  const typed = answer.trim();
  const wanted = `answer a number from 1 to ${count}, or press Ctrl-C to leave`;
  if (typed === "") return `!! No server chosen: ${wanted}`;
  return /^\d+$/.test(typed)
    ? `!! No server is numbered ${typed}: ${wanted}`
    : `!! ${quote(typed)} is not a number: ${wanted}`;
}
