/**
 * The `chat` command line: `chat serve`, `chat join`, `chat send` and `chat ls`. Dispatches to the
 * subcommand, reports usage errors in one line, and maps outcomes to exit
 * codes; main.ts runs it and exits with the code.
 *
 * @module
 */

import config from "../deno.json" with { type: "json" };
import { quote, UsageError } from "./args.ts";
import { StopSignals } from "./signals.ts";

/** The program version, from deno.json. */
export const VERSION: string = config.version;

/** Exit code for a usage error (bad subcommand, flag or value). */
export const EXIT_USAGE = 2;

const USAGE = `chat ${VERSION}: talk with people on your local network

Usage:
  chat serve [options]               start a chat server on this machine
  chat join [HOST[:PORT]] [options]  join a server from this terminal
  chat send HOST[:PORT] FILE...      share files in a room, or with one person
  chat ls [--json] [--scan]          list the servers on the local network
  chat help [COMMAND]                this help, or the help of COMMAND
  chat --version                     the version (also -V and -v)

Run "chat help serve", "chat help join", "chat help send" or "chat help ls"
for details.`;

const COMMANDS = ["serve", "join", "send", "ls"];

/** The flags that stand alone, each with nothing after it. */
const ALONE = ["--version", "-V", "-v", "--help", "-h"];

/** Refuses what follows a flag of {@linkcode ALONE}: an option, or one argument more. */
function nothingAfter(args: string[]): void {
  const [first] = args;
  if (first === undefined) return;
  throw new UsageError(
    first.startsWith("-") && !ALONE.includes(first)
      ? `unknown option ${quote(first)}`
      : `unexpected argument ${quote(first)}`,
  );
}

function unknownCommand(command: string): UsageError {
  return new UsageError(
    command.startsWith("-")
      ? `unknown option ${quote(command)}`
      : `unknown command ${quote(command)}: expected "serve", "join", "send" or "ls"`,
  );
}

/** `chat help [COMMAND]`: the usage, or what `chat COMMAND --help` prints. */
async function help(args: string[]): Promise<number> {
  const [command, ...extra] = args;
  if (command === undefined) {
    console.log(USAGE);
    return 0;
  }
  if (command !== "help" && !COMMANDS.includes(command)) throw unknownCommand(command);
  if (extra.length > 0) throw new UsageError(`unexpected argument ${quote(extra[0]!)}`);
  // Help's own help is the usage, which says what it does.
  if (command === "help") {
    console.log(USAGE);
    return 0;
  }
  return await run([command, "--help"]);
}

/** Options for {@linkcode run}. */
export interface RunOptions {
  /** What stops `chat serve`, listened for since the process started; made here if not given. */
  signals?: StopSignals | undefined;
}

/**
 * Runs the CLI with `args` and resolves to the process exit code. Usage
 * errors print one line to stderr and give {@linkcode EXIT_USAGE}; so does no
 * command at all, with the usage.
 *
 * @example
 * ```ts
 * const code = await run(["--version"]); // prints "chat 0.1.0", returns 0
 * ```
 */
export async function run(args: string[], options: RunOptions = {}): Promise<number> {
  const [command, ...rest] = args;
  try {
    // Each command loads only its own modules: a server never holds the
    // terminal client's, and starts with less memory (bench/RESULTS.md).
    switch (command) {
      case "serve": {
        // Listened for before the server's modules load: a signal meanwhile stops it cleanly too.
        const signals = options.signals ?? new StopSignals();
        return await (await import("./serve.ts")).serveCommand(rest, signals);
      }
      case "join":
        return await (await import("./join.ts")).joinCommand(rest);
      case "send":
        return await (await import("./send.ts")).sendCommand(rest);
      case "ls":
        return await (await import("./ls.ts")).lsCommand(rest);
      case "--version":
      case "-V":
      case "-v":
        nothingAfter(rest);
        console.log(`chat ${VERSION}`);
        return 0;
      case "--help":
      case "-h":
        nothingAfter(rest);
        console.log(USAGE);
        return 0;
      case "help":
        return await help(rest);
      case undefined:
        // Not what was asked for: the usage goes where errors go.
        console.error(USAGE);
        return EXIT_USAGE;
      default:
        throw unknownCommand(command);
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const about = error.command ||
      (command !== undefined && COMMANDS.includes(command) ? command : "");
    const helpCommand = about ? `chat ${about} --help` : "chat --help";
    console.error(`chat: ${error.message} (see "${helpCommand}")`);
    return EXIT_USAGE;
  }
}
