/**
 * The `chat` command line: `chat serve`, `chat join` and `chat ls`. Dispatches to the
 * subcommand, reports usage errors in one line, and maps outcomes to exit
 * codes. This is the only module that calls `Deno.exit`.
 *
 * @module
 */

import config from "./deno.json" with { type: "json" };
import { UsageError } from "./cli/args.ts";
import { joinCommand } from "./cli/join.ts";
import { lsCommand } from "./cli/ls.ts";
import { serveCommand } from "./cli/serve.ts";

/** The program version, from deno.json. */
export const VERSION: string = config.version;

/** Exit code for a usage error (bad subcommand, flag or value). */
export const EXIT_USAGE = 2;

/** Exit code for a runtime failure (refused connection, port in use). */
export const EXIT_FAILURE = 1;

const USAGE = `chat ${VERSION}: talk with people on your local network

Usage:
  chat serve [options]               start a chat server on this machine
  chat join [HOST[:PORT]] [options]  join a server from this terminal
  chat ls [--json] [--scan]          list the servers on the local network
  chat --help | --version

Run "chat serve --help", "chat join --help" or "chat ls --help" for details.`;

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
        return await serveCommand(rest);
      case "join":
        return await joinCommand(rest);
      case "ls":
        return await lsCommand(rest);
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
            : `unknown command "${command}": expected "serve", "join" or "ls"`,
        );
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const about = error.command ||
      (command === "serve" || command === "join" || command === "ls" ? command : "");
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
