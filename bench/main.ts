/**
 * `deno task bench`: the load generator of issue 7. Starts the real chat
 * server as its own process, drives it with clients over the real protocol
 * from worker processes, and reports throughput, latency, losses, server CPU
 * and memory against the targets of issue 7. See `--help`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { machineInfo } from "./proc.ts";
import { type BenchFile, readBenchFile, terminalReport } from "./report.ts";
import { format, recordedCommand, RESULTS_MD, writeMarkdown } from "./results.ts";
import type { RunEnvironment, RunResult } from "./harness.ts";
import {
  CLUSTER_SERVERS,
  LOADS,
  runScenarioOnce,
  type ScenarioName,
  type ScenarioOptions,
  type ScenarioResult,
  scenarioResult,
  SCENARIOS,
  UPLOADS,
} from "./scenarios.ts";
import type { UploadSpec } from "./uploaders.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
/**
 * Where a run's results go unless `--out` says otherwise: a file git ignores,
 * so that a run leaves the checkout as it was. Figures worth keeping are
 * copied under a name of their own (`bench/results/COMMIT.json`).
 */
export const DEFAULT_OUT = `${ROOT}/bench/results/latest.json`;

/** Help for `deno task bench`. */
export const HELP = `Usage: deno task bench [options]

Load-tests the chat server over its real protocol and reports against issue 7.
Each run starts a fresh server (deno run <chat task permissions> main.ts serve
--host 127.0.0.1 --port 0 --no-web --no-irc --memory --rate 1000000
--max-connections 100000 --max-per-ip 100000 --heartbeat 3600; --irc-port 0
rather than --no-irc when clients speak IRC), pinned to CPU 0 with taskset;
the load workers run on the other CPUs.

Scenarios (--scenario NAME, or all):
  burst    ${LOADS.burst.clients} clients, ${LOADS.burst.senders} send ${LOADS.burst.messages} messages each as fast as possible
  busy     ${LOADS.busy.clients} clients, ${LOADS.busy.senders} send ${LOADS.busy.messages} each at ${LOADS.busy.rate} messages/s in total
  busy-irc the busy load with ${
  LOADS["busy-irc"].ircPercent
} % of the clients, senders and checked receivers alike, on IRC
           (NICK, USER, JOIN, PRIVMSG, no echo-message): to compare with busy
  big      ${LOADS.big.clients} clients, ${LOADS.big.senders} send ${LOADS.big.messages} each at ${LOADS.big.rate} messages/s in total
  idle     5,000 then 10,000 idle connections (100 per room): server RSS each
  soak     ${LOADS.soak.clients} clients, ${LOADS.soak.senders} senders at ${LOADS.soak.rate} messages/s for --minutes; RSS every 10 s
  durable  the burst load with --memory, then with --data-dir (SQLite)
  uploads  the busy load while ${UPLOADS.small.uploaders} chat users post ${UPLOADS.small.files} files of 1 MiB over HTTP, then on a
           fresh server ${UPLOADS.large.files} files of 10 MiB; each file shared. Its server serves the web
           port: --web-port 0 --max-file 25 --files-quota 1024 instead of --no-web
  cluster  ${LOADS.cluster.clients} clients in one room, ${LOADS.cluster.senders} send ${LOADS.cluster.messages} each at ${LOADS.cluster.rate} messages/s in total: on one
           server without NATS, then on clusters of --servers chat servers (serve --cluster)
           linked through one nats-server -js (file storage in a temporary directory, removed
           after), clients and senders spread evenly over the servers; figures side by side.
           Needs nats-server on PATH. The chat servers and NATS share the server's CPU

Options:
  --scenario NAME     one of the above, or all (default all)
  --runs N            runs per scenario; figures are medians (default 3)
  --clients N         override C (clients)          --senders N   override S
  --messages N        override K (per sender)       --rate N      messages/s in total, 0 = max
  --text-bytes N      length of each message text (default 64)
  --irc-share P       percent of the clients (of the senders, of the checked receivers
                      and of the rest alike) that speak IRC in the message scenarios
                      (default 0; busy-irc 50)
  --minutes M         soak length (default 2)
  --warmup N          messages per sender sent and delivered before measuring, so the
                      server is warm (default K; soak 0)
  --idle N,N          idle connection counts (default 5000,10000)
  --uploads FxK,FxK   uploads scenario: F files of K KiB, small then large round
                      (default ${UPLOADS.small.files}x${
  UPLOADS.small.fileBytes / 1024
},${UPLOADS.large.files}x${UPLOADS.large.fileBytes / 1024})
  --uploaders N       chat users that upload, the files shared out among them (default ${UPLOADS.small.uploaders})
  --servers N,N       cluster scenario: cluster sizes, each measured beside one server
                      without NATS (default ${CLUSTER_SERVERS.join(",")})
  --workers N         load worker processes (default: one per generator CPU)
  --check N           receivers per worker that decode and check every frame (default 10)
  --connect-concurrency N  connections opened at once per worker (default 64)
  --stall S           give up a phase after S seconds without progress (default 15)
  --read-pace MS      while sending, receivers that only count read every MS ms, so each
                      read brings many frames (default: clients per worker / 20, 2 to 50;
                      0 reads at once); checked receivers always read at once
  --wait-quiet S      before measuring, wait up to S s for other processes to leave the
                      CPUs (each under 15 % busy; default 60, 0 does not wait)
  --max-other-load P  repeat a run if other processes took over P % of the server's or
                      the generator's CPU while measuring (default 10)
  --retries N         repeats allowed per run for that (default 3)
  --host ADDR         server address (default 127.0.0.1)
  --port N            use a server already running there instead of starting one
  --irc-port N        that server's IRC port, for clients on IRC
  --server-pid PID    that server's process id, to read its CPU and memory
  --no-pin            do not pin with taskset
  --out FILE          results file to update (default bench/results/latest.json,
                      which git ignores: each machine keeps its own)
  --markdown HEADING  also write the HEADING section of bench/RESULTS.md from FILE
  --quiet             no progress line
  -h, --help          show this help`;

/** Shows one progress line on stderr: rewritten in place on a terminal, else every 5 s. */
class Progress {
  readonly #tty = Deno.stderr.isTerminal();
  readonly #quiet: boolean;
  #last = 0;
  #shown = false;

  constructor(quiet: boolean) {
    this.#quiet = quiet;
  }

  show(line: string): void {
    if (this.#quiet) return;
    const encoder = new TextEncoder();
    if (this.#tty) {
      const width = Deno.consoleSize().columns - 1;
      Deno.stderr.writeSync(encoder.encode(`\r${line.slice(0, width)}\x1b[K`));
      this.#shown = true;
      return;
    }
    const now = performance.now();
    if (now - this.#last < 5000) return;
    this.#last = now;
    Deno.stderr.writeSync(encoder.encode(`${line}\n`));
  }

  /** Clears the line before other output. */
  clear(): void {
    if (this.#shown) Deno.stderr.writeSync(new TextEncoder().encode("\r\x1b[K"));
    this.#shown = false;
  }
}

function number(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) {
    throw new RangeError(`Cannot use --${flag} "${value}": expected a whole number >= ${min}`);
  }
  return parsed;
}

async function gitCommit(): Promise<string> {
  try {
    const run = (args: string[]) =>
      new Deno.Command("git", { args, cwd: ROOT, stdout: "piped", stderr: "null" }).output();
    const head = new TextDecoder().decode((await run(["rev-parse", "--short", "HEAD"])).stdout);
    const status = new TextDecoder().decode((await run(["status", "--porcelain"])).stdout);
    if (head.trim() === "") return "unknown (not a git checkout)";
    return `${head.trim()}${status.trim() === "" ? "" : " with uncommitted changes"}`;
  } catch {
    return "unknown";
  }
}

/** Pins this process, and the threads it has, to `cpus`. */
async function pinSelf(cpus: string): Promise<void> {
  await new Deno.Command("taskset", {
    args: ["-a", "-p", "-c", cpus, String(Deno.pid)],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => {});
}

/** Runs the load generator with `args`; resolves to the exit code. */
export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      scenario: { type: "string", default: "all" },
      runs: { type: "string" },
      clients: { type: "string" },
      senders: { type: "string" },
      messages: { type: "string" },
      rate: { type: "string" },
      "text-bytes": { type: "string" },
      "irc-share": { type: "string" },
      minutes: { type: "string" },
      warmup: { type: "string" },
      idle: { type: "string" },
      uploads: { type: "string" },
      uploaders: { type: "string" },
      servers: { type: "string" },
      workers: { type: "string" },
      check: { type: "string" },
      "connect-concurrency": { type: "string" },
      stall: { type: "string" },
      "read-pace": { type: "string" },
      "wait-quiet": { type: "string" },
      "max-other-load": { type: "string" },
      retries: { type: "string" },
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string" },
      "irc-port": { type: "string" },
      "server-pid": { type: "string" },
      "no-pin": { type: "boolean" },
      out: { type: "string", default: DEFAULT_OUT },
      markdown: { type: "string" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const names: ScenarioName[] = values.scenario === "all"
    ? [...SCENARIOS]
    : values.scenario.split(",").map((name) => {
      if (!(SCENARIOS as readonly string[]).includes(name)) {
        throw new RangeError(
          `Cannot run scenario "${name}": expected one of ${SCENARIOS.join(", ")} or all`,
        );
      }
      return name as ScenarioName;
    });
  const load: ScenarioOptions["load"] = {};
  const setLoad = (key: keyof typeof load, flag: string, min: number) => {
    const value = number(flag, values[flag as keyof typeof values] as string | undefined, min);
    if (value !== undefined) load[key] = value;
  };
  setLoad("clients", "clients", 1);
  setLoad("senders", "senders", 1);
  setLoad("messages", "messages", 1);
  setLoad("rate", "rate", 0);
  setLoad("textBytes", "text-bytes", 1);
  setLoad("ircPercent", "irc-share", 0);
  if ((load.ircPercent ?? 0) > 100) {
    throw new RangeError(`Cannot use --irc-share "${values["irc-share"]}": expected 0 to 100`);
  }
  const minutes = Number(values.minutes ?? "2");
  if (!(minutes > 0)) throw new RangeError(`Cannot use --minutes "${values.minutes}"`);
  const idleSteps = (values.idle ?? "5000,10000").split(",").map((step) => number("idle", step, 1)!)
    .sort((a, b) => a - b);
  const uploaders = number("uploaders", values.uploaders, 1) ?? UPLOADS.small.uploaders;
  const rounds = (values.uploads ?? "").split(",").filter((round) => round !== "");
  if (rounds.length !== 0 && rounds.length !== 2) {
    throw new RangeError(`Cannot use --uploads "${values.uploads}": expected FxK,FxK`);
  }
  const round = (text: string | undefined, fallback: UploadSpec): UploadSpec => {
    if (text === undefined) return { ...fallback, uploaders };
    const [files, kib] = text.split("x");
    return {
      uploaders,
      files: number("uploads", files, 1)!,
      fileBytes: number("uploads", kib, 1)! * 1024,
    };
  };
  const options: ScenarioOptions = {
    runs: number("runs", values.runs, 1) ?? 3,
    load,
    minutes,
    idleSteps,
    warmup: number("warmup", values.warmup, 0),
    maxOtherLoadPct: number("max-other-load", values["max-other-load"], 0) ?? 10,
    retries: number("retries", values.retries, 0) ?? 3,
    uploads: { small: round(rounds[0], UPLOADS.small), large: round(rounds[1], UPLOADS.large) },
    servers: values.servers === undefined
      ? [...CLUSTER_SERVERS]
      : values.servers.split(",").map((size) => number("servers", size, 1)!),
  };

  const machine = machineInfo();
  const pin = !values["no-pin"] && machine.taskset && machine.cores >= 2;
  const generatorCpus = machine.cores === 2 ? "1" : `1-${machine.cores - 1}`;
  const generatorCores = pin ? machine.cores - 1 : machine.cores;
  const workers = number("workers", values.workers, 1) ?? (pin ? generatorCores : 1);
  if (pin) await pinSelf(generatorCpus);
  const progress = new Progress(values.quiet ?? false);
  const env: RunEnvironment = {
    root: ROOT,
    hostname: values.host,
    port: number("port", values.port, 1),
    ircPort: number("irc-port", values["irc-port"], 1),
    serverPid: number("server-pid", values["server-pid"], 1),
    serverCpus: pin ? "0" : undefined,
    generatorCpus: pin ? generatorCpus : undefined,
    generatorCores: pin ? generatorCores : workers,
    workers,
    checkedPerWorker: number("check", values.check, 0) ?? 10,
    connectConcurrency: number("connect-concurrency", values["connect-concurrency"], 1) ?? 64,
    stallSeconds: number("stall", values.stall, 1) ?? 15,
    readPaceMs: number("read-pace", values["read-pace"], 0),
    quietWaitSeconds: number("wait-quiet", values["wait-quiet"], 0) ?? 60,
    progress: (line) => progress.show(line),
  };
  const server = names.includes("cluster")
    ? "server (and every chat server and nats-server of a cluster)"
    : "server";
  const placement = pin
    ? `${server} pinned to CPU 0, generator (${workers} worker process${
      workers === 1 ? "" : "es"
    } and the coordinator) to CPU ${generatorCpus}, with taskset`
    : `not pinned; ${workers} worker process${workers === 1 ? "" : "es"}`;
  const command = recordedCommand(args);
  const file: BenchFile = {
    ...(readBenchFile(values.out) ?? { scenarios: {} }),
    version: 1,
    machine,
    commit: await gitCommit(),
    placement,
  };
  console.error(`chat bench: ${names.join(", ")}, ${options.runs} run(s) each; ${placement}`);
  // Run 1 of every scenario, then run 2 of every one, and so on: a machine
  // whose speed drifts over minutes then weighs on each scenario alike, and
  // scenarios compared side by side are compared run by run.
  const runs = new Map<ScenarioName, RunResult[]>(names.map((name) => [name, []]));
  let results: ScenarioResult[] = [];
  for (let run = 1; run <= options.runs; run++) {
    for (const name of names) {
      runs.get(name)!.push(await runScenarioOnce(name, run, options, env));
      progress.clear();
    }
    results = names.map((name) => scenarioResult(name, runs.get(name)!, options, env, command));
    for (const result of results) file.scenarios[result.scenario] = result;
    await Deno.mkdir(values.out.replace(/\/[^/]*$/, ""), { recursive: true });
    await Deno.writeTextFile(values.out, JSON.stringify(file, null, 2) + "\n");
    console.error(`round ${run} of ${options.runs}: done`);
  }
  await format([values.out]);
  console.log(terminalReport(results));
  console.log(`Results written to ${values.out}`);
  if (values.markdown !== undefined) {
    await writeMarkdown(file, values.markdown);
    console.log(`Section "${values.markdown}" of ${RESULTS_MD} written`);
  }
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exitCode = await run(Deno.args);
  } catch (error) {
    console.error(`\nchat bench: ${(error as Error)?.message ?? error}`);
    Deno.exitCode = 1;
  }
}
