/**
 * Argument parsing shared by the subcommands: one-line usage errors, ports
 * and `HOST[:PORT]`.
 *
 * @module
 */

import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { asClause } from "../core/address.ts";
import { checkOwnName } from "../core/names.ts";
import { quoteTyped } from "../core/sanitize.ts";

/** A usage error: the CLI reports it in one line and exits with code 2. */
export class UsageError extends Error {
  /** The subcommand whose help to point at, or `""` for the top level. */
  readonly command: string;

  constructor(message: string, command = "") {
    super(message);
    this.command = command;
  }
}

/**
 * `value` as every CLI message shows what the user typed: in double quotes,
 * escaped as in JSON, controls, direction marks and other invisible
 * characters written as `\uXXXX`, as the server quotes what it refuses.
 */
export function quote(value: string): string {
  return quoteTyped(value);
}

/** Reads `--name` of `chat join`: a name the server's rules allow, else a usage error. */
export function parseUserName(value: string): string {
  const problem = checkOwnName(value);
  if (problem === undefined) return value;
  throw new UsageError(
    `invalid --name ${quote(value)}: ${asClause(problem)}`,
  );
}

/** Whether `text` is a port to connect to: a number from 1 to 65535. */
function portOf(text: string): number | undefined {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  return port >= 1 && port <= 65535 ? port : undefined;
}

/**
 * Reads `--port N` of a command that connects: a number from 1 to 65535,
 * refused in the words `chat serve` refuses its own `--port` in.
 */
export function parsePort(value: string): number {
  const port = portOf(value);
  if (port === undefined) {
    throw new UsageError(`invalid --port ${quote(value)}: expected a number from 1 to 65535`);
  }
  return port;
}

/** The port of `HOST:PORT` as given in `input`, checked as {@linkcode parsePort} checks one. */
function addressPort(input: string, text: string): number {
  const port = portOf(text);
  if (port === undefined) {
    throw new UsageError(
      `invalid address ${quote(input)}: its port ${quote(text)} is not a number from 1 to 65535`,
    );
  }
  return port;
}

// Nothing a host name or address has: spaces, controls (an escape sequence) and invisible marks.
const NOT_IN_HOST = /[\s\p{Cc}\p{Cf}]/u;

/** Whether `text` may be a host name or address: not empty, no spaces, controls or invisible marks. */
export function isHostLike(text: string): boolean {
  return text !== "" && !NOT_IN_HOST.test(text);
}

// An IPv6 address, maybe with its zone (`fe80::1%eth0`), as it goes bare or in brackets.
const IPV6 = /^[0-9a-f]*:[0-9a-f:.]*(?:%[\w.-]+)?$/i;

// What no host name or address holds, besides NOT_IN_HOST: the parts of a URL and brackets.
const NOT_A_HOST = /[[\]/@?#]/;

/** Splits `HOST[:PORT]`, accepting `[v6]:port` and a bare IPv6 address. */
export function parseHostPort(input: string): { hostname: string; port?: number } {
  if (NOT_IN_HOST.test(input) || input === "") {
    throw new UsageError(`invalid address ${quote(input)}`);
  }
  // The page's address (http://HOST:5003/), pasted where the chat's is asked for.
  if (/^[a-z][a-z\d+.-]*:\/\//i.test(input)) {
    throw new UsageError(
      `invalid address ${quote(input)}: give HOST or HOST:PORT (such as 192.168.1.5), not a link`,
    );
  }
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(input);
  if (bracketed) {
    if (!IPV6.test(bracketed[1]!)) {
      throw new UsageError(`invalid address ${quote(input)}: brackets hold an IPv6 address`);
    }
    const port = bracketed[2];
    return port === undefined
      ? { hostname: bracketed[1]! }
      : { hostname: bracketed[1]!, port: addressPort(input, port) };
  }
  const colons = input.split(":").length - 1;
  if (colons === 1) {
    const [hostname, port] = input.split(":") as [string, string];
    if (hostname === "") {
      throw new UsageError(`invalid address ${quote(input)}: the host is missing`);
    }
    if (NOT_A_HOST.test(hostname)) throw new UsageError(`invalid address ${quote(input)}`);
    return { hostname, port: addressPort(input, port) };
  }
  if (colons > 1 && !IPV6.test(input)) {
    throw new UsageError(
      `invalid address ${quote(input)}: expected HOST:PORT, or an IPv6 address as [ADDRESS]:PORT`,
    );
  }
  if (NOT_A_HOST.test(input)) throw new UsageError(`invalid address ${quote(input)}`);
  return { hostname: input };
}

/** `parseArgs`' message for an error, in the words and quotes of the other usage errors. */
function rewordParseError(message: string): string {
  const first = message.split("\n")[0]!;
  // parseArgs names an option as '--port', '--port <value>' or '-p, --port'.
  const option = (/'(?:-\w, )?(-[^' ]*)(?: <value>)?'/.exec(first)?.[1]) ?? "";
  if (/^Unknown option/.test(first)) {
    // No flag puts a password where ps shows it to everyone: say where it goes instead.
    const hint = /^--pass(?:word)?$/.test(option)
      ? ": give the password with --password-file FILE or CHAT_PASSWORD, which ps does not show"
      : "";
    return `unknown option ${quote(option)}${hint}`;
  }
  if (/argument is ambiguous/.test(first)) {
    return `option ${
      quote(option)
    } needs a value; write ${option}=VALUE for one that starts with -`;
  }
  if (/argument missing/.test(first)) return `option ${quote(option)} needs a value`;
  if (/does not take an argument/.test(first)) return `option ${quote(option)} takes no value`;
  const text = first.replace(/'([^']*)'/g, (_, value: string) => quote(value)).replace(/\.$/, "");
  return asClause(text);
}

// A negative number, such as -1 or -0.5: never an option of ours.
const NEGATIVE_NUMBER = /^-(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * `args` with each negative number that follows a long option taking a value
 * joined to it (`--port -1` becomes `--port=-1`): it is that option's value,
 * to be checked and refused as such, where `parseArgs` takes it for an option.
 */
function joinNegativeValues(args: string[], options: ParseArgsOptionsConfig): string[] {
  const joined: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    // After "--" every argument is a positional.
    if (arg === "--") return [...joined, ...args.slice(index)];
    const next = args[index + 1];
    const name = arg.slice(2);
    const option = arg.startsWith("--") && Object.hasOwn(options, name) ? options[name] : undefined;
    if (option?.type === "string" && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      joined.push(`${arg}=${next}`);
      index++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

/** `parseArgs` in strict mode, turning its errors into one-line {@linkcode UsageError}s. */
export function parseOptions<const T extends ParseArgsOptionsConfig>(
  command: string,
  args: string[],
  options: T,
) {
  try {
    return parseArgs({
      args: joinNegativeValues(args, options),
      options,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(rewordParseError((error as Error).message), command);
  }
}
