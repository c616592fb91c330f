/**
 * `deno task bench:peers`: runs the side-by-side fan-out harness, which
 * drives this checkout's server and the C IRC servers ngIRCd and InspIRCd
 * with one load generator, each server pinned to one CPU and the generator
 * to the other, and keeps its table under bench/results/. See `--help`.
 *
 * The harness is not part of this repository: it is a separate folder
 * (`run-peers.sh`, `loadgen.mjs`, `adapters/`), given with `--harness` or
 * `CHAT_PEERS_HARNESS`.
 *
 * @module
 */

import { parseArgs } from "node:util";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** Help for `deno task bench:peers`. */
export const HELP = `Usage: deno task bench:peers --harness DIR [options]

Runs the side-by-side harness DIR/run-peers.sh against this checkout's server
(started with the flags of the chat task, as deno task bench starts it) and
the peers it names, then copies its results to
bench/results/peers-COMMIT.md and .json (peers-COMMIT-2 and on for another run
at the same commit).

Options:
  --harness DIR     the harness folder (default: $CHAT_PEERS_HARNESS)
  --peers LIST      servers, space or comma separated (default "chat inspircd ngircd")
  --scenarios LIST  scenarios (default "b c idle10000"; the harness also has a and
                    idle1000, idle5000)
  --reps N          runs of each; the table gives medians (default 3)
  --no-install      never install a missing peer with apt-get
  --help            this help

The harness installs missing peers with apt-get (as root), binds 127.0.0.1 only,
and takes about 15 minutes for the defaults.`;

/** What the command line asked for. */
interface PeerOptions {
  harness: string;
  peers: string;
  scenarios: string;
  reps: number;
  install: boolean;
}

function parse(args: string[]): PeerOptions | undefined {
  const { values } = parseArgs({
    args,
    options: {
      harness: { type: "string" },
      peers: { type: "string", default: "chat inspircd ngircd" },
      scenarios: { type: "string", default: "b c idle10000" },
      reps: { type: "string", default: "3" },
      "no-install": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return undefined;
  const harness = values.harness ?? Deno.env.get("CHAT_PEERS_HARNESS");
  if (harness === undefined) {
    throw new TypeError("Cannot find the harness: give --harness DIR or set CHAT_PEERS_HARNESS");
  }
  const reps = Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1 || reps > 20) {
    throw new RangeError(`Cannot run "${values.reps}" times: --reps takes 1 to 20`);
  }
  const list = (text: string) => text.split(/[\s,]+/).filter((word) => word !== "").join(" ");
  return {
    harness,
    peers: list(values.peers),
    scenarios: list(values.scenarios),
    reps,
    install: !values["no-install"],
  };
}

/** The commit this checkout is at, with `+` when it has uncommitted changes. */
async function commit(): Promise<string> {
  const git = (...args: string[]) =>
    new Deno.Command("git", { args, cwd: ROOT, stdout: "piped", stderr: "null" }).output();
  const head = await git("rev-parse", "--short", "HEAD");
  if (!head.success) return "unknown";
  const status = await git("status", "--porcelain", "--untracked-files=no");
  const dirty = new TextDecoder().decode(status.stdout).trim() !== "";
  return new TextDecoder().decode(head.stdout).trim() + (dirty ? "+" : "");
}

/**
 * The first of `base`, `base-2`, `base-3`, … under which `dir` holds neither
 * a `.md` nor a `.json`: a second run at the same commit is kept beside the
 * first, not over it.
 */
export async function freeName(dir: string, base: string): Promise<string> {
  for (let n = 1;; n++) {
    const name = n === 1 ? base : `${base}-${n}`;
    const taken = await Promise.all(
      ["md", "json"].map((ext) =>
        Deno.lstat(`${dir}/${name}.${ext}`).then(() => true, () => false)
      ),
    );
    if (!taken.includes(true)) return name;
  }
}

async function main(args: string[]): Promise<number> {
  let options: PeerOptions | undefined;
  try {
    options = parse(args);
  } catch (error) {
    console.error(`bench:peers: ${(error as Error).message}`);
    return 2;
  }
  if (options === undefined) {
    console.log(HELP);
    return 0;
  }
  const script = `${options.harness}/run-peers.sh`;
  try {
    await Deno.stat(script);
  } catch {
    console.error(`bench:peers: no run-peers.sh in ${options.harness}`);
    return 1;
  }
  const out = await Deno.makeTempDir({ prefix: "chat-peers-" });
  const run = new Deno.Command("bash", {
    args: [script],
    cwd: ROOT,
    env: {
      CHAT_DIR: ROOT,
      OUT_DIR: out,
      PEERS: options.peers,
      SCENARIOS: options.scenarios,
      REPS: String(options.reps),
      ...(options.install ? {} : { NO_INSTALL: "1" }),
    },
    stdout: "inherit",
    stderr: "inherit",
  });
  const status = await run.output();
  const name = await freeName(`${ROOT}/bench/results`, `peers-${await commit()}`);
  let kept = 0;
  for (const ext of ["md", "json"]) {
    const keptAs = `${ROOT}/bench/results/${name}.${ext}`;
    try {
      await Deno.copyFile(`${out}/results.${ext}`, keptAs);
      kept++;
    } catch {
      // The harness wrote no table: its own output says why.
      continue;
    }
    // Laid out as `deno fmt` lays out the project's files, so `deno task check` stays clean.
    await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", keptAs], cwd: ROOT })
      .output();
  }
  if (kept === 0 || !status.success) {
    // Its logs say why: kept for a look.
    console.error(`bench:peers: the harness failed; its logs are in ${out}/run`);
  } else {
    await Deno.remove(out, { recursive: true });
  }
  if (kept === 0) return 1;
  console.log(`bench:peers: results in bench/results/${name}.md and .json`);
  return status.success ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
