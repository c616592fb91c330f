/**
 * Builds standalone `chat` executables with `deno compile`, granting exactly
 * the permissions of the `chat` task in deno.json.
 *
 *   deno task compile                  dist/chat for this machine
 *   deno task compile:all              dist/chat-<os>-<arch> for every target
 *   ... --out-dir DIR                  write somewhere else
 *
 * When `deno compile` cannot download its runtime, this prints one line and
 * exits 1.
 *
 * @module
 */

import { parseArgs } from "node:util";
import config from "../deno.json" with { type: "json" };

/** Cross-compilation targets and the file name suffix of each. */
export const TARGETS: Readonly<Record<string, string>> = {
  "x86_64-unknown-linux-gnu": "linux-x64",
  "aarch64-unknown-linux-gnu": "linux-arm64",
  "x86_64-apple-darwin": "macos-x64",
  "aarch64-apple-darwin": "macos-arm64",
  "x86_64-pc-windows-msvc": "windows-x64.exe",
};

/**
 * The `--allow-*` and `--v8-flags` flags of the `chat` task: the program's
 * permissions and V8 settings, in one place, so the binary runs as the task does.
 */
export function runtimeFlags(): string[] {
  return config.tasks.chat.split(/\s+/).filter((word) =>
    word.startsWith("--allow-") || word.startsWith("--v8-flags=")
  );
}

const entry = new URL("../main.ts", import.meta.url);

/**
 * What main.ts imports by a computed address, and the workers it starts,
 * which `deno compile` cannot see by themselves.
 */
const included = [
  new URL("../cli/run.ts", import.meta.url),
  new URL("../server/history/search_worker.ts", import.meta.url),
];

/** Why a compile failed, in one line. */
function summarize(stderr: string, target: string): string {
  if (/denort|dl\.deno\.land|Setting up base binary|download/i.test(stderr)) {
    return `cannot build for ${target}: deno compile could not download its runtime (denort); ` +
      "this machine cannot reach Deno's download host";
  }
  const lines = stderr.split("\n").map((line) => line.trim()).filter((line) => line !== "");
  const error = lines.find((line) => line.startsWith("error:")) ?? lines.at(-1) ?? "unknown error";
  return `cannot build for ${target}: ${error.replace(/^error:\s*/, "")}`;
}

async function compile(output: string, target?: string): Promise<string | undefined> {
  const args = ["compile", ...runtimeFlags(), "--output", output];
  if (target !== undefined) args.push("--target", target);
  for (const module of included) args.push("--include", module.pathname);
  args.push(entry.pathname);
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
  }).output();
  if (code === 0) return undefined;
  return summarize(new TextDecoder().decode(stderr), target ?? "this machine");
}

/** Runs the build; resolves to the exit code. */
export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { all: { type: "boolean" }, "out-dir": { type: "string" } },
  });
  const outDir = values["out-dir"] ?? new URL("../dist", import.meta.url).pathname;
  await Deno.mkdir(outDir, { recursive: true });
  const jobs = values.all
    ? Object.entries(TARGETS).map(([target, suffix]) => ({
      target,
      output: `${outDir}/chat-${suffix}`,
    }))
    : [{ target: undefined, output: `${outDir}/chat${Deno.build.os === "windows" ? ".exe" : ""}` }];
  for (const { target, output } of jobs) {
    const failure = await compile(output, target);
    if (failure !== undefined) {
      console.error(`compile: ${failure}`);
      return 1;
    }
    console.log(`built ${output}`);
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
