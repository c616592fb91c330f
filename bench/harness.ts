/**
 * What every benchmark run shares: the server it measures (a fresh one or
 * one already running), the load worker processes, the phases they go
 * through together (connect, sync), watching for stalls, and waiting for
 * other processes to leave the CPUs.
 *
 * @module
 */

import {
  busyBetween,
  cpuList,
  cpuTimes,
  type ProcessSample,
  resetPeakRss,
  sampleProcess,
  sumSamples,
} from "./proc.ts";
import { ServerProcess, WorkerProcess } from "./processes.ts";
import type { WorkerConfig, WorkerEvent } from "./worker_protocol.ts";

/** Where and how runs happen; the same for every run of a scenario. */
export interface RunEnvironment {
  /** Repository root. */
  root: string;
  /** Server address. */
  hostname: string;
  /** Port of a server already running; without it every run starts its own. */
  port?: number | undefined;
  /** That server's IRC port, for runs with clients on IRC. */
  ircPort?: number | undefined;
  /** Process id of that server, to read its CPU and memory. */
  serverPid?: number | undefined;
  /** CPUs for the server (`taskset -c`), when pinning. */
  serverCpus?: string | undefined;
  /** CPUs for the load workers, when pinning. */
  generatorCpus?: string | undefined;
  /** Cores the generator may use, to turn its CPU time into a share. */
  generatorCores: number;
  /** Load worker processes. */
  workers: number;
  /** Receivers per worker that decode and check every frame. */
  checkedPerWorker: number;
  /** Connections each worker opens at once. */
  connectConcurrency: number;
  /** Seconds without progress after which a phase gives up. */
  stallSeconds: number;
  /** Read pace of counting receivers in ms; none picks one from the clients per worker. */
  readPaceMs?: number | undefined;
  /** Seconds to wait, before measuring, for other processes to leave the CPUs alone. */
  quietWaitSeconds: number;
  /** Shows a progress line. */
  progress: (line: string) => void;
}

/** A server RSS reading during a run. */
export interface RssPoint {
  /** Seconds since sending started. */
  seconds: number;
  /** Resident memory, MiB. */
  rssMiB: number;
}

/** What one run measured. */
export interface RunResult {
  /** Named figures; see the catalogue in bench/report.ts. */
  metrics: Record<string, number>;
  /** Server RSS over time, when sampled. */
  series?: RssPoint[];
  /** Remarks about this run, such as a stall or a generator limit. */
  notes: string[];
}

const TICK_MS = 250;
const MIB = 1024;
const SAFE_LETTERS = "bcdfghjkpqtxyz"; // none look like a digit or another letter

/** A name prefix for one run's clients: three letters no other letter or digit looks like. */
export function randomPrefix(): string {
  let prefix = "";
  for (let i = 0; i < 3; i++) prefix += SAFE_LETTERS[Math.floor(Math.random() * 14)];
  return prefix;
}

/** `count` distinct indices spread evenly over `0 … among-1`, starting at `offset` of a step. */
export function spread(count: number, among: number, offset = 0): number[] {
  const picked = new Set<number>();
  for (let j = 0; j < Math.min(count, among); j++) {
    picked.add(Math.min(among - 1, Math.floor((j + offset) * among / count)));
  }
  return [...picked].sort((a, b) => a - b);
}

/** The server a run measures: one it started, or one that was already running. */
export interface ServerHandle {
  readonly port: number;
  /** The chat port of each server, when a run spreads its clients over a cluster. */
  readonly ports?: readonly number[] | undefined;
  /** The IRC port, when the server serves IRC. */
  readonly ircPort: number | undefined;
  readonly command: string;
  /** CPU and memory of the server; of a cluster's chat servers, summed. */
  sample(): ProcessSample | undefined;
  /** Each chat server's reading, for a cluster. */
  members?(): (ProcessSample | undefined)[];
  /** The NATS server's reading, for a cluster. */
  nats?(): ProcessSample | undefined;
  /** Sets the server's peak RSS back to its RSS now; `false` if it cannot. */
  resetPeak(): boolean;
  alive(): boolean;
  stop(): Promise<void>;
}

/** Options for {@linkcode openServer}. */
export interface OpenServerOptions {
  /** Directory for durable history; none runs the server with `--memory`. */
  dataDir?: string | undefined;
  /** Serve the web port (shared files) too, on a free port. */
  web?: boolean | undefined;
  /** Serve IRC too, on a free port; without it the server serves no IRC. */
  irc?: boolean | undefined;
}

/** Starts a fresh server as `options` say, or uses `env.port`. */
export async function openServer(
  env: RunEnvironment,
  options: OpenServerOptions = {},
): Promise<ServerHandle> {
  if (env.port !== undefined) {
    const pid = env.serverPid;
    if (options.irc && env.ircPort === undefined) {
      throw new TypeError("Cannot run IRC clients against a running server: no --irc-port");
    }
    return {
      port: env.port,
      ircPort: env.ircPort,
      command: `(already running on ${env.hostname}:${env.port})`,
      sample: () => pid === undefined ? undefined : sampleProcess(pid),
      resetPeak: () => pid !== undefined && resetPeakRss(pid),
      alive: () => true,
      stop: () => Promise.resolve(),
    };
  }
  const server = await ServerProcess.start({
    root: env.root,
    cpus: env.serverCpus,
    dataDir: options.dataDir,
    web: options.web,
    irc: options.irc,
  });
  return {
    port: server.port,
    ircPort: server.ircPort,
    command: server.command,
    sample: () => server.exited ? undefined : server.sample(),
    resetPeak: () => !server.exited && resetPeakRss(server.pid),
    alive: () => !server.exited,
    stop: async () => {
      await server.stop();
      if (server.stderr.trim() !== "") console.error(server.stderr.trim());
    },
  };
}

type EventOf<T extends WorkerEvent["event"]> = Extract<WorkerEvent, { event: T }>;

/** How {@linkcode gather} follows a phase. */
export interface Watch {
  /** A number that grows while the phase makes progress. */
  progress(): number;
  /** Called every tick, for the progress line. */
  tick(): void;
  /** What to do when progress stops: fail the phase, or ask for reports. */
  onStall: "fail" | (() => void);
}

/** Waits for one `type` event from every worker, watching for a stall. */
export async function gather<T extends WorkerEvent["event"]>(
  workers: WorkerProcess[],
  type: T,
  stallSeconds: number,
  server: ServerHandle,
  watch: Watch,
): Promise<EventOf<T>[]> {
  const all = Promise.all(workers.map((worker) => worker.next(type)));
  let last = -1;
  let changed = performance.now();
  let stalled = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  const failure = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      watch.tick();
      if (!server.alive()) reject(new Error("Cannot go on: the server process ended"));
      const now = performance.now();
      const progress = watch.progress();
      if (progress !== last) {
        last = progress;
        changed = now;
      } else if (!stalled && now - changed > stallSeconds * 1000) {
        stalled = true;
        if (watch.onStall === "fail") {
          reject(new Error(`Cannot finish "${type}": no progress for ${stallSeconds} s`));
        } else watch.onStall();
      }
    }, TICK_MS);
  });
  try {
    return await Promise.race([all, failure]);
  } finally {
    clearInterval(timer);
    all.catch(() => {});
  }
}

/** The sum of `values`. */
export function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** KiB to MiB. */
export function mib(kib: number): number {
  return kib / MIB;
}

/** Formats a whole number with thousands separators. */
export function count(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

/** The server a client of a run goes to: `clients` cut in `servers` blocks of consecutive indices. */
export function serverOf(index: number, clients: number, servers: number): number {
  return Math.min(servers - 1, Math.floor(index * servers / clients));
}

/**
 * Starts `env.workers` load workers sharing out `clients` round-robin. With
 * several `ports` (a cluster), the clients are spread over them in blocks
 * ({@linkcode serverOf}), so every worker has clients on every server.
 */
export function startWorkers(
  env: RunEnvironment,
  ports: readonly number[],
  base: Omit<WorkerConfig, "hostname" | "port" | "ports" | "clients" | "epoch">,
  clients: number,
  epoch: number,
): WorkerProcess[] {
  const workers = Math.max(1, Math.min(env.workers, clients));
  return Array.from({ length: workers }, (_, w) => {
    const own: number[] = [];
    for (let i = w; i < clients; i += workers) own.push(i);
    const spread = ports.length <= 1
      ? {}
      : { ports: own.map((i) => ports[serverOf(i, clients, ports.length)]!) };
    return new WorkerProcess(
      { ...base, hostname: env.hostname, port: ports[0]!, ...spread, clients: own, epoch },
      { cwd: env.root, cpus: env.generatorCpus },
    );
  });
}

/** CPU time of the generator so far: every worker process and this coordinator. */
export function generatorSample(workers: WorkerProcess[]): ProcessSample {
  const samples = [...workers.map((worker) => sampleProcess(worker.pid)), sampleProcess("self")];
  return { ...sumSamples(samples)!, rssKiB: NaN, peakRssKiB: NaN };
}

/** Tells every worker to exit and waits until they have. */
export async function closeAll(workers: WorkerProcess[]): Promise<void> {
  await Promise.all(workers.map((worker) => worker.close()));
}

/** Connects clients below `upTo` on every worker; resolves to the slowest worker's seconds. */
export async function connectAll(
  workers: WorkerProcess[],
  upTo: number,
  env: RunEnvironment,
  server: ServerHandle,
  label: string,
): Promise<number> {
  await Promise.all(workers.map((worker) => worker.send({ cmd: "connect", upTo })));
  const events = await gather(workers, "connected", env.stallSeconds, server, {
    progress: () => sum(workers.map((worker) => worker.progress.connected)),
    tick: () => {
      const connected = sum(workers.map((worker) => worker.progress.connected));
      env.progress(`${label} | connecting ${count(connected)}/${count(upTo)}`);
    },
    onStall: "fail",
  });
  return Math.max(...events.map((event) => event.ms)) / 1000;
}

/** Pings every client of every worker and waits for the pongs. */
export async function syncAll(
  workers: WorkerProcess[],
  env: RunEnvironment,
  server: ServerHandle,
  label: string,
): Promise<{ alive: number; closed: number }> {
  await Promise.all(workers.map((worker) => worker.send({ cmd: "sync" })));
  const events = await gather(workers, "synced", env.stallSeconds, server, {
    progress: () => 0,
    tick: () => env.progress(`${label} | waiting for every client to settle`),
    onStall: "fail",
  });
  return {
    alive: sum(events.map((event) => event.alive)),
    closed: sum(events.map((event) => event.closed)),
  };
}

/** CPU numbers of the server and of the generator; every CPU for both when not pinned. */
export function placement(env: RunEnvironment): { server: number[]; generator: number[] } {
  const all = Array.from({ length: navigator.hardwareConcurrency }, (_, i) => i);
  return {
    server: env.serverCpus === undefined ? all : cpuList(env.serverCpus),
    generator: env.generatorCpus === undefined ? all : cpuList(env.generatorCpus),
  };
}

/**
 * Waits up to `env.quietWaitSeconds` until other processes leave the CPUs
 * alone (each under 15 % busy over half a second, this run being idle);
 * resolves to the seconds waited.
 */
export async function waitQuiet(env: RunEnvironment, label: string): Promise<number> {
  const started = performance.now();
  const cpus = [...new Set(Object.values(placement(env)).flat())];
  while ((performance.now() - started) / 1000 < env.quietWaitSeconds) {
    const before = cpuTimes();
    await sleep(500);
    const after = cpuTimes();
    const busy = cpus.map((cpu) => busyBetween(before, after, [cpu]) / 0.5);
    if (busy.every((share) => share < 0.15)) break;
    const shown = cpus.map((cpu, i) => `CPU ${cpu} ${(busy[i]! * 100).toFixed(0)}%`).join(", ");
    env.progress(`${label} | waiting for other processes to leave the CPUs: ${shown} busy`);
  }
  return (performance.now() - started) / 1000;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
