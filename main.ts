/**
 * The `chat` program: `chat serve`, `chat join`, `chat send` and `chat ls`.
 * For `chat serve` it listens for the stop signals before anything else
 * loads; run as `deno task chat`, it goes back to the folder the task was
 * typed in; then it runs the command line (cli/run.ts) and exits with its
 * code. This is the only module that calls `Deno.exit`.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { StopSignals } from "./cli/signals.ts";

/** Exit code for a runtime failure (refused connection, port in use). */
export const EXIT_FAILURE = 1;

/**
 * The command line, named by a computed address. Deno reads every module an
 * import names in a literal, and all they import, before the first line of the
 * program runs: a signal meanwhile would kill `chat serve` instead of stopping it.
 */
const CLI = new URL("./cli/run.ts", import.meta.url).href;

/**
 * The folder `deno task chat` was typed in, where the program starts in the
 * checkout's (the task's own folder): `deno task` names it in `INIT_CWD`.
 * `undefined` when the program was not started so (the compiled binary, or
 * `deno run` from elsewhere), or that folder is gone.
 */
export function taskFolder(): string | undefined {
  try {
    const checkout = fileURLToPath(new URL(".", import.meta.url));
    if (Deno.realPathSync(Deno.cwd()) !== Deno.realPathSync(checkout)) return undefined;
    const typedIn = Deno.env.get("INIT_CWD");
    if (typedIn === undefined || !Deno.statSync(typedIn).isDirectory) return undefined;
    return typedIn;
  } catch {
    // No INIT_CWD to read (a binary not allowed it), or a folder that cannot be read.
    return undefined;
  }
}

if (import.meta.main) {
  // Only the tiny signals module came before: from here on Ctrl-C, SIGTERM or SIGHUP stops
  // `chat serve` with exit 0, whatever it is doing. Other commands keep the defaults.
  const signals = Deno.args[0] === "serve" ? new StopSignals() : undefined;
  // A relative path (a file to send, --data-dir, the folder /get saves into) is the user's,
  // from where they typed the command, not from the checkout the task runs in.
  const typedIn = taskFolder();
  if (typedIn !== undefined) Deno.chdir(typedIn);
  try {
    const { run }: typeof import("./cli/run.ts") = await import(CLI);
    Deno.exit(await run(Deno.args, { signals }));
  } catch (error) {
    // Anything unexpected still ends in one readable line, not a stack trace.
    console.error(`chat: ${(error as Error)?.message ?? error}`);
    Deno.exit(EXIT_FAILURE);
  }
}
