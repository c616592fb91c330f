/**
 * An idle run: thousands of connections that say hello and then nothing,
 * and the server's memory per connection.
 *
 * @module
 */

import {
  closeAll,
  connectAll,
  count,
  mib,
  openServer,
  randomPrefix,
  type RunEnvironment,
  type RunResult,
  sleep,
  startWorkers,
  syncAll,
} from "./harness.ts";
import { cpuBetween } from "./proc.ts";
import { sharedNow } from "./worker_protocol.ts";

/** Options for {@linkcode runIdle}. */
export interface IdleRunOptions {
  /** Shown at the start of the progress line. */
  label: string;
  /** Connection counts to measure at, ascending, such as 5000 and 10000. */
  steps: number[];
  /** Clients per room, so joins are not announced to thousands. */
  roomSize: number;
  /** Seconds to wait after connecting before reading RSS. */
  settleSeconds: number;
  /** Seconds to hold every connection open before checking they all answer. */
  holdSeconds: number;
}

/** Connects idle clients in steps and measures the server's memory per connection. */
export async function runIdle(env: RunEnvironment, options: IdleRunOptions): Promise<RunResult> {
  const notes: string[] = [];
  const total = options.steps[options.steps.length - 1]!;
  const server = await openServer(env);
  const workers = startWorkers(
    env,
    [server.port],
    {
      prefix: randomPrefix(),
      senders: [],
      checked: [],
      rate: 0,
      roomSize: options.roomSize,
      textBytes: 0,
      connectConcurrency: env.connectConcurrency,
      readBufferBytes: 4 * 1024,
      readPaceMs: 0,
    },
    total,
    sharedNow(),
  );
  try {
    await sleep(options.settleSeconds * 1000);
    const before = server.sample();
    const metrics: Record<string, number> = {
      rssBeforeMiB: before ? mib(before.rssKiB) : NaN,
      roomSize: options.roomSize,
    };
    let previous = { count: 0, rssKiB: before?.rssKiB ?? NaN };
    let connectSec = 0;
    for (const step of options.steps) {
      const seconds = await connectAll(workers, step, env, server, options.label);
      connectSec += seconds;
      await syncAll(workers, env, server, options.label);
      env.progress(`${options.label} | ${count(step)} connected, settling`);
      await sleep(options.settleSeconds * 1000);
      const sample = server.sample();
      const rssKiB = sample?.rssKiB ?? NaN;
      metrics[`connectSec@${step}`] = seconds;
      metrics[`rssMiB@${step}`] = mib(rssKiB);
      metrics[`kibPerConn@${step}`] = (rssKiB - (before?.rssKiB ?? NaN)) / step;
      if (previous.count > 0) {
        metrics[`marginalKibPerConn@${step}`] = (rssKiB - previous.rssKiB) /
          (step - previous.count);
      }
      previous = { count: step, rssKiB };
    }
    env.progress(`${options.label} | holding ${count(total)} connections`);
    await sleep(options.holdSeconds * 1000);
    const { alive, closed } = await syncAll(workers, env, server, options.label);
    const end = server.sample();
    if (closed > 0) notes.push(`${closed} connections were closed by the server`);
    Object.assign(metrics, {
      connections: total,
      held: alive,
      connectSec,
      rssAfterMiB: metrics[`rssMiB@${total}`]!,
      kibPerConn: metrics[`kibPerConn@${total}`]!,
      serverPeakRssMiB: end ? mib(end.peakRssKiB) : NaN,
      serverConnectCpuSec: before && end ? cpuBetween(before, end) : NaN,
    });
    return { metrics, notes };
  } finally {
    await closeAll(workers);
    await server.stop();
  }
}
