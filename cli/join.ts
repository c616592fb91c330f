/**
 * `chat join`: flags, the address, the suggested name, then the client.
 *
 * @module
 */

import { DEFAULT_AWAY_AFTER_MS, REFUSED_EXIT, runClient } from "../client.ts";
import { DEFAULT_PORT } from "../protocol.ts";
import {
  parseHostPort,
  parseOptions,
  parsePort,
  parseUserName,
  quote,
  UsageError,
} from "./args.ts";
import { asClause } from "../core/address.ts";
import { checkOwnName } from "../core/names.ts";
import { findServer } from "./ls.ts";
import { readCertificate, readPassword, SecretError } from "./secrets.ts";

const DEFAULT_MINUTES = DEFAULT_AWAY_AFTER_MS / 60_000;

/** Help for `chat join`. */
export const JOIN_HELP = `Usage: chat join [HOST[:PORT]] [options]

Join a chat server. Without HOST, look for servers on the local network for
up to 2 s: join the one found, or pick from a list (see "chat ls").

Options:
  --port N           TCP port (default ${DEFAULT_PORT}; HOST:PORT also works)
  --name NAME        your name (asked for when missing)
  --password-file F  read the server's password from F (or set CHAT_PASSWORD;
                     asked for when needed)
  --tls              connect with TLS (the server runs with --tls-cert)
  --ca F             trust the CA or self-signed certificate in F (implies
                     --tls)
  --away-after MIN   tell others you are away after MIN minutes without a key
                     pressed, and back at the next key (default ${DEFAULT_MINUTES}; 0 never;
                     0.5 is 30 s)
  -h, --help         show this help

In the chat, type /help for commands. Leave with /quit, Ctrl-D, or Ctrl-C on an
empty line (on a line being typed, Ctrl-C clears it).
Whom you /ignore is remembered per server in ~/.config/chat/ignores.json
(under $XDG_CONFIG_HOME when it is set).
When input is not a terminal, each line is sent as a message and the client
exits once the server has acknowledged them all; a line refused is said on
stderr, the rest are sent, and the exit code is ${REFUSED_EXIT}:
  echo "build finished" | chat join 192.168.1.5 --name ci`;

/** Most minutes `--away-after` takes: a day. */
export const MAX_AWAY_AFTER_MINUTES = 1_440;

/** Reads `--away-after MIN`: minutes (fractions too) from 0, never, to a day; in ms. */
export function parseAwayAfter(value: string): number {
  const minutes = /^\d{1,4}(?:\.\d{1,3})?$/.test(value) ? Number(value) : NaN;
  if (!(minutes >= 0 && minutes <= MAX_AWAY_AFTER_MINUTES)) {
    throw new UsageError(
      `invalid --away-after ${
        quote(value)
      }: expected minutes from 0 (never) to ${MAX_AWAY_AFTER_MINUTES}, such as 15 or 0.5`,
    );
  }
  return Math.round(minutes * 60_000);
}

/** The user's name on this computer, from the environment, if it says. */
export function osUserName(): string | undefined {
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

/** The name to join under with piped input and no `--name`: the user name, if it can be one. */
function pipedName(suggested: string | undefined): string {
  if (suggested === undefined) throw new UsageError("no name given; pass --name NAME");
  const problem = checkOwnName(suggested);
  if (problem === undefined) return suggested;
  throw new UsageError(
    `no name given, and your user name ${quote(suggested)} cannot be one (${
      asClause(problem)
    }); pass --name NAME`,
  );
}

/** Runs `chat join` with `args`; resolves to the exit code. */
export async function joinCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions("join", args, {
    port: { type: "string" },
    name: { type: "string" },
    "password-file": { type: "string" },
    tls: { type: "boolean" },
    ca: { type: "string" },
    "away-after": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(JOIN_HELP);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${quote(positionals[1]!)}`);
  let target = positionals[0] === undefined ? undefined : parseHostPort(positionals[0]);
  if (values.port !== undefined && target?.port !== undefined) {
    throw new UsageError(
      `give the port once: ${quote(positionals[0]!)} has one, and --port ${
        quote(values.port)
      } another`,
    );
  }
  const wantedPort = values.port === undefined ? undefined : parsePort(values.port);
  const awayAfterMs = values["away-after"] === undefined
    ? undefined
    : parseAwayAfter(values["away-after"]);
  const suggestedName = osUserName();
  const interactive = Deno.stdin.isTerminal() && Deno.stdout.isTerminal();
  // Piped input has nobody to ask: the name is settled here, before anything is connected to.
  const name = values.name !== undefined
    ? parseUserName(values.name)
    : interactive
    ? undefined
    : pipedName(suggestedName);
  let password: string | undefined;
  let caCerts: string[] | undefined;
  try {
    password = await readPassword(values["password-file"]);
    if (values.ca !== undefined) caCerts = [await readCertificate(values.ca, "CA certificate")];
  } catch (error) {
    if (!(error instanceof SecretError)) throw error;
    console.error(`chat: ${error.message}`);
    return 1;
  }
  let announcedTls = false;
  if (target === undefined) {
    const found = await findServer({
      interactive,
      ...(wantedPort === undefined ? {} : { port: wantedPort }),
    });
    if ("exit" in found) return found.exit;
    target = { hostname: found.server.host, port: found.server.port };
    announcedTls = found.server.source === "announce" && found.server.announcement.tls;
  }
  const port = target.port ?? wantedPort ?? DEFAULT_PORT;
  const tls = values.tls || caCerts !== undefined || announcedTls;
  return await runClient({
    hostname: target.hostname,
    port,
    interactive,
    ...(password === undefined ? {} : { password }),
    ...(tls ? { tls: caCerts === undefined ? {} : { caCerts, caFile: values.ca! } } : {}),
    ...(name === undefined ? {} : { name }),
    ...(suggestedName === undefined ? {} : { suggestedName }),
    ...(awayAfterMs === undefined ? {} : { awayAfterMs }),
  });
}
