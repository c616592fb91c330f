/**
 * Writes one section of bench/RESULTS.md from a results file of
 * `deno task bench`:
 *
 * ```sh
 * deno run -A bench/results.ts --from bench/results/latest.json --heading After
 * ```
 *
 * The section goes between `<!-- bench:HEADING -->` markers, replacing an
 * earlier one of the same heading; the rest of the file stays as it is.
 *
 * @module
 */

import { isAbsolute, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type BenchFile, markdownSection, readBenchFile, replaceSection } from "./report.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** Where the results are written up. */
export const RESULTS_MD = `${ROOT}/bench/RESULTS.md`;

/**
 * The command line a results file records: `--out` is kept only as a path
 * inside the repository, so that no file names where one machine kept it.
 *
 * @example
 * ```ts
 * recordedCommand(["--runs", "3", "--out", "/tmp/run.json"]); // "deno task bench --runs 3"
 * ```
 */
export function recordedCommand(args: readonly string[], root: string = ROOT): string {
  const words = ["deno task bench"];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg !== "--out" && !arg.startsWith("--out=")) {
      words.push(arg);
      continue;
    }
    const path = arg === "--out" ? args[++i] : arg.slice("--out=".length);
    if (path === undefined) continue;
    const inside = relative(root, resolve(root, path));
    if (inside !== "" && !inside.startsWith("..") && !isAbsolute(inside)) {
      words.push("--out", inside);
    }
  }
  return words.join(" ");
}

/** Runs `deno fmt` on files this tool wrote, so `deno fmt --check` stays clean. */
export async function format(paths: string[]): Promise<void> {
  await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", ...paths],
    cwd: ROOT,
    stdout: "null",
    stderr: "inherit",
  }).output();
}

/** Writes the `heading` section of bench/RESULTS.md from `file`. */
export async function writeMarkdown(file: BenchFile, heading: string): Promise<void> {
  let text = "";
  try {
    text = await Deno.readTextFile(RESULTS_MD);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await Deno.writeTextFile(
    RESULTS_MD,
    replaceSection(text, heading, markdownSection(file, heading)),
  );
  await format([RESULTS_MD]);
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      from: { type: "string", default: `${ROOT}/bench/results/latest.json` },
      heading: { type: "string", default: "Latest" },
    },
  });
  const file = readBenchFile(values.from);
  if (file === undefined) {
    console.error(`bench/results.ts: cannot read ${values.from}: no such file`);
    return 1;
  }
  await writeMarkdown(file, values.heading);
  console.log(`Section "${values.heading}" of ${RESULTS_MD} written from ${values.from}`);
  return 0;
}

if (import.meta.main) Deno.exitCode = await main(Deno.args);
