/**
 * Argument parsing shared by the subcommands: one-line usage errors, ports
 * and `HOST[:PORT]`.
 *
 * @module
 */

import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

/** A usage error: the CLI reports it in one line and exits with code 2. */
export class UsageError extends Error {
  /** The subcommand whose help to point at, or `""` for the top level. */
  readonly command: string;

  constructor(message: string, command = "") {
    super(message);
    this.command = command;
  }
}

/** Reads a TCP port number, `0` allowed only with `allowZero`. */
export function parsePort(value: string, allowZero = false): number {
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

/** `parseArgs` in strict mode, turning its errors into one-line {@linkcode UsageError}s. */
export function parseOptions<const T extends ParseArgsOptionsConfig>(
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
