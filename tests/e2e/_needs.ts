/**
 * The programs an end-to-end test drives, whether this machine has them, and
 * a way to register a test that is ignored, with the reason in its name,
 * when one of them is missing.
 *
 * @module
 */

import { succeeds } from "../_test_utils.ts";
import { CHROMIUM_MISSING } from "./_chromium.ts";
import { TMUX_VERSION } from "./_tmux.ts";

/** A program an end-to-end test drives. */
export type Program = "tmux" | "chromium" | "nc" | "strace";

const NC_MISSING = await succeeds("sh", ["-c", "command -v nc"]);
const STRACE_MISSING = await succeeds("sh", ["-c", "command -v strace"]);

/** Why `program` cannot be run here, or `undefined` when it can. */
export function missing(program: Program): string | undefined {
  switch (program) {
    case "tmux":
      return TMUX_VERSION === undefined ? "tmux is not installed" : undefined;
    case "chromium":
      return CHROMIUM_MISSING;
    case "nc":
      return NC_MISSING === undefined ? undefined : "nc is not installed";
    case "strace":
      return STRACE_MISSING === undefined ? undefined : "strace is not installed";
  }
}

/** Registers the test `name`, which drives `programs`: ignored, saying why, if one is missing. */
export function testWith(
  programs: readonly Program[],
  name: string,
  fn: (t: Deno.TestContext) => Promise<void>,
): void {
  const why = programs.map(missing).find((reason) => reason !== undefined);
  Deno.test({
    name: why === undefined ? name : `${name} (ignored: ${why})`,
    ignore: why !== undefined,
    fn,
  });
}
