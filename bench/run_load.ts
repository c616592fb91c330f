/**
 * A message run: C clients in one room, S of them sending K messages each,
 * after a warm-up; every delivery counted and checked, and the server's and
 * the generator's CPU, memory and the latency turned into figures.
 *
 * @module
 */

import { clusterMetrics, clusterSamples, openCluster } from "./cluster.ts";
import { busyBetween, cpuBetween, cpuTimes, type ProcessSample } from "./proc.ts";
import type { WorkerProcess } from "./processes.ts";
import {
  closeAll,
  connectAll,
  count,
  gather,
  generatorSample,
  mib,
  openServer,
  placement,
  randomPrefix,
  type RssPoint,
  type RunEnvironment,
  type RunResult,
  type ServerHandle,
  spread,
  startWorkers,
  sum,
  syncAll,
  waitQuiet,
} from "./harness.ts";
import { sortedPercentile } from "./stats.ts";
import { duringUploads, type Uploads } from "./uploaders.ts";
import { sharedNow, type WorkerReport } from "./worker_protocol.ts";

/** A message load: C clients in one room, S of them sending K messages each. */
export interface LoadSpec {
  /** Clients connected (C). */
  clients: number;
  /** Clients that send (S). */
  senders: number;
  /** Messages per sender (K). */
  messages: number;
  /** Messages per second across all senders; 0 sends as fast as possible. */
  rate: number;
  /** Bytes of text per message. */
  textBytes: number;
  /**
   * Percent of the clients that speak IRC, taken alike from the senders, the
   * checked receivers and the other receivers. @default {0}
   */
  ircPercent?: number | undefined;
}

/** `percent` % of `indices`, spread evenly over them. */
function share(indices: number[], percent: number): number[] {
  const count = Math.round(indices.length * percent / 100);
  return count === 0 ? [] : spread(count, indices.length, 0.5).map((i) => indices[i]!);
}

/** The clients on IRC: `percent` % of the senders, of the checked receivers and of the rest. */
export function ircClients(
  clients: number,
  senders: number[],
  checked: number[],
  percent: number,
): number[] {
  if (percent <= 0) return [];
  const isSender = new Set(senders);
  const checkedOnly = checked.filter((index) => !isSender.has(index));
  const taken = new Set([...senders, ...checked]);
  const rest = Array.from({ length: clients }, (_, i) => i).filter((i) => !taken.has(i));
  return [
    ...share(senders, percent),
    ...share(checkedOnly, percent),
    ...share(rest, percent),
  ].sort((a, b) => a - b);
}

/** Options for {@linkcode runLoad}. */
export interface LoadRunOptions {
  /** Shown at the start of the progress line. */
  label: string;
  /** Directory for durable history; none runs the server with `--memory`. */
  dataDir?: string | undefined;
  /** Seconds between server RSS samples while sending; none takes no samples. */
  sampleEvery?: number;
  /**
   * Messages per sender sent, and all delivered, before measuring, so the
   * server's JIT and heap are warm. @default {0}
   */
  warmup?: number;
  /**
   * Files to post over HTTP while the measured messages are sent, from the
   * same moment on; the server then serves its web port.
   */
  uploads?: Uploads | undefined;
  /**
   * Run a cluster of this many chat servers linked through a fresh NATS
   * server, the clients and senders spread over them; none runs one server
   * without NATS.
   */
  servers?: number | undefined;
}

interface PhaseResult {
  reports: WorkerReport[];
  series: RssPoint[];
  stalled: boolean;
}

/** What one send phase does. */
interface Phase {
  /** Messages per sender. */
  messages: number;
  /** Start of the progress line. */
  label: string;
  /** Seconds between RSS samples; none takes none. */
  sampleEvery?: number | undefined;
  /** Shared-clock time the first message is due. */
  at: number;
}

/** Has every worker send `messages` per sender and waits for every delivery or a stall. */
async function sendPhase(
  workers: WorkerProcess[],
  env: RunEnvironment,
  server: ServerHandle,
  spec: LoadSpec,
  phase: Phase,
): Promise<PhaseResult> {
  const { at, messages, label, sampleEvery } = phase;
  await Promise.all(workers.map((worker) => worker.send({ cmd: "start", at, messages })));
  const expected = spec.senders * messages * spec.clients;
  const series: RssPoint[] = [];
  let nextSample = sampleEvery;
  let previous = server.sample();
  if (sampleEvery !== undefined && previous !== undefined) {
    series.push({ seconds: 0, rssMiB: mib(previous.rssKiB) });
  }
  let previousAt = performance.now();
  let serverShare = NaN;
  let stalled = false;
  const reports = await gather(workers, "report", env.stallSeconds, server, {
    progress: () => sum(workers.map((worker) => worker.progress.received + worker.progress.sent)),
    tick: () => {
      const now = performance.now();
      const seconds = (sharedNow() - at) / 1000;
      const sample = server.sample();
      if (sample !== undefined && previous !== undefined) {
        serverShare = (sample.cpuSeconds - previous.cpuSeconds) / ((now - previousAt) / 1000);
      }
      if (nextSample !== undefined && sample !== undefined && seconds >= nextSample) {
        series.push({ seconds: Math.round(seconds), rssMiB: mib(sample.rssKiB) });
        nextSample += sampleEvery!;
      }
      previous = sample;
      previousAt = now;
      const sent = sum(workers.map((worker) => worker.progress.sent));
      const received = sum(workers.map((worker) => worker.progress.received));
      const rss = sample === undefined ? "" : ` RSS ${mib(sample.rssKiB).toFixed(0)} MiB`;
      env.progress(
        `${label} | ${seconds.toFixed(0)} s | sent ${count(sent)}/${
          count(spec.senders * messages)
        } | received ${count(received)}/${count(expected)} | server CPU ${
          Number.isNaN(serverShare) ? "?" : (serverShare * 100).toFixed(0)
        }%${rss}`,
      );
    },
    onStall: () => {
      stalled = true;
      for (const worker of workers) worker.send({ cmd: "stop" }).catch(() => {});
    },
  });
  const end = server.sample();
  if (sampleEvery !== undefined && end !== undefined) {
    series.push({ seconds: Math.round((sharedNow() - at) / 1000), rssMiB: mib(end.rssKiB) });
  }
  return { reports: reports.map((event) => event.report), series, stalled };
}

/** Runs one message load against a fresh server and measures it. */
export async function runLoad(
  spec: LoadSpec,
  env: RunEnvironment,
  options: LoadRunOptions,
): Promise<RunResult> {
  const { clients, senders } = spec;
  if (senders > clients) {
    throw new RangeError(`Cannot run: ${senders} senders but only ${clients} clients`);
  }
  const notes: string[] = [];
  const uploads = options.uploads;
  const ircPercent = spec.ircPercent ?? 0;
  if (options.servers !== undefined && ircPercent > 0) {
    throw new RangeError("Cannot run a cluster with clients on IRC: give --irc-share 0");
  }
  const serverOptions = {
    dataDir: options.dataDir,
    web: uploads !== undefined,
    irc: ircPercent > 0,
  };
  const server = options.servers === undefined
    ? await openServer(env, serverOptions)
    : await openCluster(env, options.servers, serverOptions);
  const workerCount = Math.max(1, Math.min(env.workers, clients));
  // Checking costs the generator more than counting: at most a tenth of the clients.
  const checkedCount = Math.min(
    env.checkedPerWorker * workerCount,
    Math.max(1, Math.floor(clients / 10)),
  );
  const checked = spread(env.checkedPerWorker === 0 ? 0 : checkedCount, clients, 0.5);
  const senderIndices = spread(senders, clients);
  const irc = ircClients(clients, senderIndices, checked, ircPercent);
  const prefix = randomPrefix();
  const epoch = sharedNow();
  const workers = startWorkers(
    env,
    server.ports ?? [server.port],
    {
      prefix,
      senders: senderIndices,
      checked,
      ircPort: server.ircPort,
      irc,
      rate: spec.rate,
      roomSize: clients,
      textBytes: spec.textBytes,
      connectConcurrency: env.connectConcurrency,
      readBufferBytes: 64 * 1024,
      // About 20,000 reads per second per worker while sending, 2 to 50 ms apart.
      readPaceMs: env.readPaceMs ??
        Math.min(50, Math.max(2, Math.round(clients / workerCount / 20))),
    },
    clients,
    epoch,
  );
  try {
    const start = server.sample();
    const connectSec = await connectAll(workers, clients, env, server, options.label);
    const connected = server.sample();
    const { alive } = await syncAll(workers, env, server, options.label);
    if (alive !== clients) notes.push(`only ${alive} of ${clients} clients were still connected`);
    await uploads?.open(server, env.hostname, prefix);
    const warmup = options.warmup ?? 0;
    if (warmup > 0) {
      const label = `${options.label} warm-up`;
      const phase = await sendPhase(workers, env, server, spec, {
        messages: warmup,
        label,
        at: sharedNow() + 100,
      });
      const faults = sum(phase.reports.map((report) => report.lost + report.duplicated));
      if (phase.stalled) notes.push(`warm-up: no progress for ${env.stallSeconds} s`);
      if (faults > 0) notes.push(`warm-up: ${faults} messages lost or duplicated`);
      await uploads?.warmup();
      await syncAll(workers, env, server, options.label);
    }

    const waited = await waitQuiet(env, options.label);
    const cpusBefore = cpuTimes();
    const wallBefore = performance.now();
    const before = server.sample();
    const clusterBefore = clusterSamples(server);
    // From here VmHWM is the peak of the measured phase.
    const peakReset = server.resetPeak();
    const generatorBefore = generatorSample(workers);
    const at = sharedNow() + 100;
    let uploaded = 0;
    const uploading = uploads?.run(at, (done) => uploaded = done);
    uploading?.catch(() => {});
    const phase = await sendPhase(workers, env, server, spec, {
      messages: spec.messages,
      label: options.label,
      sampleEvery: options.sampleEvery,
      at,
    });
    const after = server.sample();
    const clusterAfter = clusterSamples(server);
    const generatorCpuSec = cpuBetween(generatorBefore, generatorSample(workers));
    const cpusAfter = cpuTimes();
    const wall = (performance.now() - wallBefore) / 1000;
    const beside = uploading === undefined
      ? undefined
      : await waitFor(uploading, () => uploaded, env, server, `${options.label} uploads`);
    const end = beside === undefined ? after : server.sample();
    if (phase.stalled) notes.push(`no progress for ${env.stallSeconds} s: stopped waiting`);
    const onIrc = new Set(irc);
    const metrics = loadMetrics(spec, phase.reports, {
      ircClients: irc.length,
      ircSenders: senderIndices.filter((index) => onIrc.has(index)).length,
      ircChecked: checked.filter((index) => onIrc.has(index)).length,
      connectSec,
      start,
      connected,
      before,
      after,
      end,
      peakReset,
      generatorCpuSec,
      generatorCores: env.generatorCores,
    });
    if (beside !== undefined) {
      Object.assign(metrics, beside.metrics, duringUploads(beside, phase.reports, epoch));
      metrics.serverCpuWithUploadsSec = before && end ? cpuBetween(before, end) : NaN;
    }
    if (clusterBefore !== undefined && clusterAfter !== undefined) {
      Object.assign(
        metrics,
        clusterMetrics(clusterBefore, clusterAfter, {
          deliveries: metrics.deliveries!,
          durationSec: metrics.durationSec!,
          serverCpuSec: metrics.serverCpuSec!,
        }),
      );
    }
    metrics.warmupMessagesPerSender = warmup;
    metrics.quietWaitSec = waited;
    // What else ran on the CPUs while measuring: their busy time minus ours. /proc/stat
    // counts in 10 ms ticks by sampling, so this is rough, within some 10 %.
    const cpus = placement(env);
    // NATS runs on the servers' CPUs: its time is the run's own, not another process's.
    const serverCpu = metrics.serverCpuSec! + (metrics.natsCpuSec ?? 0);
    if (env.serverCpus !== undefined) {
      const busy = busyBetween(cpusBefore, cpusAfter, cpus.server);
      metrics.otherLoadServerCpuPct = Math.max(
        0,
        (busy - serverCpu) / wall / cpus.server.length * 100,
      );
      const generatorBusy = busyBetween(cpusBefore, cpusAfter, cpus.generator);
      metrics.otherLoadGeneratorCpuPct = Math.max(
        0,
        (generatorBusy - generatorCpuSec) / wall / cpus.generator.length * 100,
      );
    } else {
      const busy = busyBetween(cpusBefore, cpusAfter, cpus.server);
      metrics.otherLoadPct = Math.max(
        0,
        (busy - serverCpu - generatorCpuSec) / wall / cpus.server.length * 100,
      );
    }
    const result: RunResult = { metrics, notes };
    if (options.sampleEvery !== undefined) result.series = phase.series;
    return result;
  } finally {
    await closeAll(workers);
    await server.stop();
  }
}

interface Samples {
  /** Clients on IRC, of them senders, and checked receivers. */
  ircClients: number;
  ircSenders: number;
  ircChecked: number;
  connectSec: number;
  start: ProcessSample | undefined;
  connected: ProcessSample | undefined;
  before: ProcessSample | undefined;
  after: ProcessSample | undefined;
  end: ProcessSample | undefined;
  /** Whether VmHWM was set back to the RSS at `before`, so that `end`'s peak is the phase's. */
  peakReset: boolean;
  generatorCpuSec: number;
  generatorCores: number;
}

function loadMetrics(
  spec: LoadSpec,
  reports: WorkerReport[],
  samples: Samples,
): Record<string, number> {
  const { clients, senders, messages } = spec;
  const sent = sum(reports.map((report) => report.sent));
  const firstSend = Math.min(...reports.filter((r) => r.firstSend > 0).map((r) => r.firstSend));
  const lastReceive = Math.max(...reports.map((report) => report.lastReceive));
  const duration = (lastReceive - firstSend) / 1000;
  const messageFrames = sum(reports.map((report) => report.messageFrames));
  // Every member gets every message, a JSON sender too (the echo is the acknowledgement; an
  // IRC sender gets none without echo-message); like issue 7, deliveries count only the
  // copies for the other members.
  const echoes = (senders - samples.ircSenders) * messages;
  const deliveries = Math.max(0, messageFrames - echoes);
  const latencies = reports.flatMap((report) => report.latencies).sort((a, b) => a - b);
  const { before, after } = samples;
  const serverCpu = before && after ? cpuBetween(before, after) : NaN;
  return {
    clients,
    senders,
    messagesPerSender: messages,
    targetRate: spec.rate,
    ircClients: samples.ircClients,
    ircSenders: samples.ircSenders,
    ircCheckedReceivers: samples.ircChecked,
    connectSec: samples.connectSec,
    sent,
    expectedDeliveries: senders * messages * (clients - 1),
    deliveries,
    durationSec: duration,
    deliveriesPerSec: deliveries / duration,
    messagesPerSec: sent / duration,
    latencySamples: latencies.length,
    p50Ms: sortedPercentile(latencies, 50),
    p99Ms: sortedPercentile(latencies, 99),
    maxMs: latencies.length === 0 ? NaN : latencies[latencies.length - 1]!,
    lost: sum(reports.map((report) => report.lost)),
    duplicated: sum(reports.map((report) => report.duplicated)),
    reordered: sum(reports.map((report) => report.reordered)),
    wrongSender: sum(reports.map((report) => report.wrongSender)),
    otherFrames: sum(reports.map((report) => report.otherFrames)),
    closed: sum(reports.map((report) => report.closed)),
    checkedReceivers: sum(reports.map((report) => report.checkedReceivers)),
    serverCpuSec: serverCpu,
    serverCpuUsPerDelivery: serverCpu * 1e6 / deliveries,
    serverCpuUsPerMessage: serverCpu * 1e6 / sent,
    // From 10 ms ticks: rough for runs under a second.
    serverSystemSharePct: before && after
      ? (after.systemSeconds - before.systemSeconds) / (after.cpuSeconds - before.cpuSeconds) * 100
      : NaN,
    // Both sides are idle outside first send to last delivery, so that is the time to share.
    serverCoreSharePct: serverCpu / duration * 100,
    serverConnectCpuSec: samples.start && samples.connected
      ? cpuBetween(samples.start, samples.connected)
      : NaN,
    serverRssStartMiB: samples.start ? mib(samples.start.rssKiB) : NaN,
    serverRssConnectedMiB: samples.connected ? mib(samples.connected.rssKiB) : NaN,
    serverRssEndMiB: samples.end ? mib(samples.end.rssKiB) : NaN,
    serverPeakRssMiB: samples.end
      ? mib(Math.max(samples.end.peakRssKiB, samples.before?.peakRssKiB ?? 0))
      : NaN,
    // The measured phase (sending, and uploads when there are): its peak, and how far above
    // the RSS at its start that peak went.
    phasePeakRssMiB: samples.end && samples.peakReset ? mib(samples.end.peakRssKiB) : NaN,
    phaseRssGrowthMiB: samples.end && samples.before && samples.peakReset
      ? mib(samples.end.peakRssKiB - samples.before.rssKiB)
      : NaN,
    generatorCpuSec: samples.generatorCpuSec,
    generatorCpuSharePct: samples.generatorCpuSec / duration / samples.generatorCores * 100,
    maxSendLagMs: Math.max(...reports.map((report) => report.maxSendLagMs)),
  };
}

/**
 * Waits for `work`, failing if `progress()` stays the same for the stall
 * time, with a progress line.
 */
async function waitFor<T>(
  work: Promise<T>,
  progress: () => number,
  env: RunEnvironment,
  server: ServerHandle,
  label: string,
): Promise<T> {
  let last = progress();
  let changed = performance.now();
  let timer: ReturnType<typeof setInterval> | undefined;
  const failure = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      const now = performance.now();
      if (!server.alive()) reject(new Error("Cannot go on: the server process ended"));
      if (progress() !== last) {
        last = progress();
        changed = now;
      } else if (now - changed > env.stallSeconds * 1000) {
        reject(new Error(`Cannot finish ${label}: no progress for ${env.stallSeconds} s`));
      }
      env.progress(`${label} | ${count(last)} done`);
    }, 250);
  });
  try {
    return await Promise.race([work, failure]);
  } finally {
    clearInterval(timer);
  }
}
