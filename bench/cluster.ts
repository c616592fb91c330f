/**
 * The processes of a cluster run: one `nats-server` with JetStream, its
 * files in a temporary directory, and N `chat serve --cluster` linked
 * through it; how a run spreads its clients over them, and the figures only
 * a cluster has (NATS's CPU, the busiest server's).
 *
 * @module
 */

import {
  type OpenServerOptions,
  type RunEnvironment,
  type ServerHandle,
  serverOf,
} from "./harness.ts";
import { cpuBetween, type ProcessSample, resetPeakRss, sampleProcess, sumSamples } from "./proc.ts";
import { launch, ServerProcess } from "./processes.ts";
import { lines } from "./worker_protocol.ts";

/** The arguments of the NATS server, its store directory last. */
export const NATS_ARGS: readonly string[] = ["-a", "127.0.0.1", "-p", "-1", "-js", "-sd"];

/** How many of `indices` (client indices of a run of `clients`) go to each server. */
export function perServer(indices: readonly number[], clients: number, servers: number): number[] {
  const counts = new Array<number>(servers).fill(0);
  for (const index of indices) counts[serverOf(index, clients, servers)]!++;
  return counts;
}

/** A `nats-server -js` on 127.0.0.1, on a port it picks, its store in a temporary directory. */
export class NatsProcess implements AsyncDisposable {
  /** Process id (sh and taskset exec into it). */
  readonly pid: number;
  /** The URL `chat serve --cluster` takes. */
  readonly url: string;
  /** The command line that started it, for reports. */
  readonly command: string;
  readonly #child: Deno.ChildProcess;
  readonly #dir: string;
  readonly #status: Promise<Deno.CommandStatus>;
  #exited = false;

  private constructor(child: Deno.ChildProcess, url: string, command: string, dir: string) {
    this.#child = child;
    this.pid = child.pid;
    this.url = url;
    this.command = command;
    this.#dir = dir;
    this.#status = child.status.then((status) => {
      this.#exited = true;
      return status;
    });
  }

  /** Starts it pinned to `cpus`, if given; resolves once it takes clients. */
  static async start(cpus: string | undefined): Promise<NatsProcess> {
    const dir = await Deno.makeTempDir({ prefix: "chat-bench-nats-" });
    const child = launch(["nats-server", ...NATS_ARGS, dir], { cwd: dir, cpus });
    await child.stdin.close();
    child.stdout.pipeTo(new WritableStream()).catch(() => {});
    const log = lines(child.stderr);
    let url: string | undefined;
    let text = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    try {
      while (true) {
        const line = await log.next();
        if (line.done) break;
        text = (text + line.value + "\n").slice(-4000);
        const listening = /Listening for client connections on ([\d.]+:\d+)/.exec(line.value);
        if (listening !== null) url = `nats://${listening[1]}`;
        if (/Server is ready/.test(line.value)) break;
      }
    } finally {
      clearTimeout(timer);
    }
    // nats-server logs little after this: keep reading so it never blocks on a full pipe.
    (async () => {
      for await (const _ of log);
    })().catch(() => {});
    const pin = cpus === undefined ? "" : `taskset -c ${cpus} `;
    const command = `${pin}nats-server ${NATS_ARGS.join(" ")} DIR`;
    if (url === undefined) {
      await child.status;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw new Error(`Cannot start nats-server: ${text.trim() || "no output"}`);
    }
    return new NatsProcess(child, url, command, dir);
  }

  /** Whether the process has ended. */
  get exited(): boolean {
    return this.#exited;
  }

  /** Stops it with SIGTERM (SIGKILL after 10 s) and removes its store. */
  async stop(): Promise<void> {
    if (!this.#exited) {
      try {
        this.#child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
    }
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }, 10_000);
    await this.#status;
    clearTimeout(timer);
    await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/**
 * Starts NATS, then `servers` chat servers linked through it, each pinned as
 * the single server would be; resolves once every one has heard of all the
 * others. The handle's samples sum the chat servers; NATS is read apart.
 */
export async function openCluster(
  env: RunEnvironment,
  servers: number,
  options: OpenServerOptions = {},
): Promise<ServerHandle> {
  if (env.port !== undefined) {
    throw new TypeError("Cannot measure a cluster with --port: it starts its own servers");
  }
  if (!Number.isInteger(servers) || servers < 1) {
    throw new RangeError(`Cannot start a cluster of ${servers} servers: expected 1 or more`);
  }
  const nats = await NatsProcess.start(env.serverCpus);
  const started: ServerProcess[] = [];
  const stop = async () => {
    // At once: each one that does not stop on SIGTERM costs the 10 s before SIGKILL.
    await Promise.all(started.map((server) => server.stop()));
    await nats.stop();
    for (const server of started) {
      if (server.stderr.trim() !== "") console.error(server.stderr.trim());
    }
  };
  try {
    for (let i = 0; i < servers; i++) {
      started.push(
        await ServerProcess.start({
          root: env.root,
          cpus: env.serverCpus,
          ...options,
          cluster: nats.url,
        }),
      );
    }
    for (const server of started) await server.hearPeers(servers - 1);
  } catch (error) {
    await stop();
    throw error;
  }
  const live = (server: ServerProcess) => server.exited ? undefined : server.sample();
  const members = () => started.map(live);
  return {
    port: started[0]!.port,
    ports: started.map((server) => server.port),
    ircPort: undefined,
    command: `${nats.command}; ${servers} × ${
      started[0]!.command.replace(/--cluster \S+/, "--cluster nats://127.0.0.1:PORT")
    }`,
    sample: () => sumSamples(members()),
    members,
    nats: () => nats.exited ? undefined : sampleProcess(nats.pid),
    resetPeak: () =>
      [...started.map((server) => server.pid), nats.pid]
        .map((pid) => resetPeakRss(pid))
        .every((reset) => reset),
    alive: () => !nats.exited && started.every((server) => !server.exited),
    stop,
  };
}

/** The readings a cluster run takes when measuring starts and ends. */
export interface ClusterSamples {
  /** Each chat server's, in order. */
  members: (ProcessSample | undefined)[];
  /** NATS's. */
  nats: ProcessSample | undefined;
}

/** Takes the cluster's readings, or none for a single server. */
export function clusterSamples(server: ServerHandle): ClusterSamples | undefined {
  if (server.members === undefined) return undefined;
  return { members: server.members(), nats: server.nats?.() };
}

/**
 * The figures only a cluster has, between two readings: its size, NATS's
 * CPU and memory, the CPU of the servers and NATS together, and the busiest
 * chat server's CPU (the one that would fill its own core first).
 */
export function clusterMetrics(
  before: ClusterSamples,
  after: ClusterSamples,
  figures: { deliveries: number; durationSec: number; serverCpuSec: number },
): Record<string, number> {
  const { deliveries, durationSec, serverCpuSec } = figures;
  const between = (a: ProcessSample | undefined, b: ProcessSample | undefined) =>
    a !== undefined && b !== undefined ? cpuBetween(a, b) : NaN;
  const natsCpu = between(before.nats, after.nats);
  const each = before.members.map((sample, i) => between(sample, after.members[i]));
  // The busiest server's share of the servers' CPU, applied to the servers' CPU as every
  // scenario measures it: these readings are taken a moment apart from that one, and a short
  // run would otherwise make one server look busier than all of them together.
  const total = each.reduce((sum, cpu) => sum + cpu, 0);
  const busiest = total > 0 ? serverCpuSec * Math.max(...each) / total : NaN;
  return {
    servers: before.members.length,
    natsCpuSec: natsCpu,
    natsCpuUsPerDelivery: natsCpu * 1e6 / deliveries,
    natsCoreSharePct: natsCpu / durationSec * 100,
    natsPeakRssMiB: after.nats === undefined ? NaN : after.nats.peakRssKiB / 1024,
    clusterCpuUsPerDelivery: (serverCpuSec + natsCpu) * 1e6 / deliveries,
    busiestServerCpuSec: busiest,
    busiestServerCpuUsPerDelivery: busiest * 1e6 / deliveries,
    busiestServerCoreSharePct: busiest / durationSec * 100,
  };
}
