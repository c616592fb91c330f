/**
 * The `chat` program: `chat serve`, `chat join`, `chat send` and `chat ls`.
 * For `chat serve` it listens for the stop signals before anything else
 * loads, then runs the command line (cli/run.ts) and exits with its code.
 * This is the only module that calls `Deno.exit`.
 *
 * @module
 */

import { StopSignals } from "./cli/signals.ts";

/** Exit code for a runtime failure (refused connection, port in use). */
export const EXIT_FAILURE = 1;

/**
 * The command line, named by a computed address. Deno reads every module an
 * import names in a literal, and all they import, before the first line of the
 * program runs: a signal meanwhile would kill `chat serve` instead of stopping it.
 */
const CLI = new URL("./cli/run.ts", import.meta.url).href;

if (import.meta.main) {
  // Only the tiny signals module came before: from here on Ctrl-C, SIGTERM or SIGHUP stops
  // `chat serve` with exit 0, whatever it is doing. Other commands keep the defaults.
  const signals = Deno.args[0] === "serve" ? new StopSignals() : undefined;
  try {
    const { run }: typeof import("./cli/run.ts") = await import(CLI);
    Deno.exit(await run(Deno.args, { signals }));
  } catch (error) {
    // Anything unexpected still ends in one readable line, not a stack trace.
    console.error(`chat: ${(error as Error)?.message ?? error}`);
    Deno.exit(EXIT_FAILURE);
  }
}
