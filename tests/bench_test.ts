/**
 * The load generator of `deno task bench`, end to end in a tiny
 * configuration, so the tool keeps working as the server changes.
 */

import assert from "node:assert/strict";
import { type BenchFile, comparisonTable } from "../bench/report.ts";
import type { ScenarioResult } from "../bench/scenarios.ts";

const MAIN = new URL("../bench/main.ts", import.meta.url).pathname;

/** Runs bench/main.ts once with `args` and the flags of a quick run; its output and results file. */
async function runBench(
  args: string[],
  timeoutMs: number,
): Promise<{ output: string; file: BenchFile }> {
  const dir = await Deno.makeTempDir({ prefix: "chat-bench-test-" });
  try {
    const out = `${dir}/latest.json`;
    const quick = ["--runs", "1", "--no-pin", "--wait-quiet", "0", "--retries", "0", "--quiet"];
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", MAIN, ...args, ...quick, "--out", out],
      env: { NO_COLOR: "1" },
      stdin: "null",
      signal: AbortSignal.timeout(timeoutMs),
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    const file = JSON.parse(await Deno.readTextFile(out)) as BenchFile;
    return { output: new TextDecoder().decode(stdout), file };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("bench/main.ts runs a tiny burst and reports every delivery with no loss", async () => {
  const { output, file } = await runBench(
    ["--scenario", "burst", "--clients", "5", "--senders", "2", "--messages", "20"],
    30_000,
  );
  assert.match(output, /== targets \(issue 7\)/);

  assert.equal(file.version, 1);
  assert.ok(file.machine.cores >= 1);
  const result = file.scenarios.burst!;
  assert.equal(result.runs.length, 1);
  const m = result.median;
  // 2 senders × 20 messages, each to the 4 other members.
  assert.equal(m.sent, 40);
  assert.equal(m.expectedDeliveries, 160);
  assert.equal(m.deliveries, 160);
  assert.equal(m.lost, 0);
  assert.equal(m.duplicated, 0);
  assert.equal(m.reordered, 0);
  assert.equal(m.wrongSender, 0);
  assert.equal(m.otherFrames, 0);
  assert.equal(m.closed, 0);
  // One checked receiver sees all 40 messages, its own echoes included.
  assert.equal(m.checkedReceivers, 1);
  assert.equal(m.latencySamples, 40);
  assert.ok(m.p50Ms! > 0 && m.p50Ms! <= m.p99Ms! && m.p99Ms! <= m.maxMs!, JSON.stringify(m));
  assert.ok(m.maxMs! < 5_000, `latency max ${m.maxMs} ms`);
  assert.ok(m.deliveriesPerSec! > 0);
  assert.ok(m.connectSec! > 0 && m.connectSec! < 10);
  assert.ok(m.serverCpuSec! >= 0);
  assert.ok(m.serverPeakRssMiB! > 10 && m.serverPeakRssMiB! < 1024);
  assert.ok(m.generatorCpuSharePct! >= 0);
  assert.deepEqual(
    result.targets.map((target) => [target.metric, target.status]),
    [["faults", "PASS"]],
  );
});

Deno.test("bench/main.ts runs a tiny uploads scenario: files stored and shared, no message lost", async () => {
  const { output, file } = await runBench(
    [
      ...["--scenario", "uploads", "--clients", "5", "--senders", "2", "--messages", "20"],
      ...["--rate", "0", "--uploads", "2x64,1x128", "--uploaders", "2"],
    ],
    60_000,
  );
  assert.match(output, /== uploads: /);

  const result = file.scenarios.uploads!;
  assert.equal(result.runs.length, 1);
  const m = result.median;
  // Two rounds, each on a fresh server with its web port on: 2 files of 64 KiB, then 1 of 128 KiB.
  for (const [side, files, kib] of [["small", 2, 64], ["large", 1, 128]] as const) {
    const at = (key: string) => m[`${side}.${key}`];
    assert.equal(at("uploaders"), 2);
    assert.equal(at("uploadFiles"), files);
    assert.equal(at("uploadsStored"), files);
    assert.equal(at("uploadsFailed"), 0);
    assert.equal(at("uploadsRateLimited"), 0);
    assert.equal(at("uploadedMiB"), files * kib / 1024);
    assert.equal(at("sharesDone"), files);
    assert.ok(at("uploadMiBPerSec")! > 0 && at("uploadSec")! > 0, JSON.stringify(m));
    // The message load ran beside, and nothing of it was lost.
    assert.equal(at("sent"), 40);
    assert.equal(at("deliveries"), 160);
    assert.equal(at("faults"), 0);
    assert.equal(at("otherFrames"), 0);
    assert.ok(at("duringUploadsSamples")! <= at("latencySamples")!);
    assert.ok(at("phasePeakRssMiB")! > 10 && at("phaseRssGrowthMiB")! < 512, JSON.stringify(m));
  }
  assert.ok(Number.isFinite(m.rssGrowthLargeOverSmallMiB));
  const statuses = Object.fromEntries(result.targets.map((t) => [t.label, t.status]));
  assert.equal(statuses["0 lost while small files upload"], "PASS");
  assert.equal(statuses["0 lost while large files upload"], "PASS");
  assert.equal(statuses["every upload stored (small files)"], "PASS");
  assert.equal(statuses["every upload stored (large files)"], "PASS");
});

Deno.test("bench/main.ts runs busy and busy-irc tiny: half on IRC, every delivery, set side by side", async () => {
  const { output, file } = await runBench(
    [
      ...["--scenario", "busy,busy-irc", "--clients", "6", "--senders", "2", "--messages", "20"],
      ...["--rate", "0"],
    ],
    60_000,
  );
  assert.match(output, /== busy-irc against busy/);

  assert.match(file.scenarios.busy!.server, /--no-irc/);
  const result = file.scenarios["busy-irc"]!;
  assert.match(result.server, /--irc-port 0/);
  const m = result.median;
  // Clients 0 and 3 send; 3 is also the one checked receiver. Half of each kind is on IRC:
  // sender 3 (checked too) and two of the other four.
  assert.equal(m.ircClients, 3);
  assert.equal(m.ircSenders, 1);
  assert.equal(m.ircCheckedReceivers, 1);
  // 2 × 20 messages to the 5 other members, whichever protocol either side speaks.
  assert.equal(m.sent, 40);
  assert.equal(m.expectedDeliveries, 200);
  assert.equal(m.deliveries, 200);
  assert.equal(m.faults, 0);
  assert.equal(m.otherFrames, 0);
  assert.equal(m.closed, 0);
  // The checked receiver is the IRC sender: it gets the other sender's 20, not its own.
  assert.equal(m.checkedReceivers, 1);
  assert.equal(m.latencySamples, 20);
  assert.ok(m.p50Ms! > 0 && m.p50Ms! <= m.p99Ms!, JSON.stringify(m));
  assert.equal(file.scenarios.busy!.median.ircClients, 0);
});

Deno.test("bench/socket_floor.ts measures each way of holding idle connections", async () => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      new URL("../bench/socket_floor.ts", import.meta.url).pathname,
      ...["--connections", "20", "--runs", "1"],
    ],
    env: { NO_COLOR: "1" },
    stdin: "null",
    signal: AbortSignal.timeout(30_000),
  }).output();
  const output = new TextDecoder().decode(stdout);
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const rows = output.split("\n").filter((line) => /^\| (Deno\.listen|node:net)/.test(line));
  assert.equal(rows.length, 3, output);
  for (const row of rows) {
    const [, figure] = row.split("|").map((cell) => cell.trim()).slice(1);
    assert.ok(Number.isFinite(Number(figure)), row);
  }
});

Deno.test("comparisonTable() judges busy-irc by its runs beside busy's, run by run", () => {
  // The machine slows down between rounds: every busy-irc run costs 5 % more than the busy run
  // beside it, while the ratio of the medians would say 1.40.
  const result = (scenario: "busy" | "busy-irc", cpu: number[]): ScenarioResult => ({
    scenario,
    description: "",
    command: "",
    date: "",
    server: "",
    runs: cpu.map((value) => ({ metrics: { serverCpuUsPerDelivery: value }, notes: [] })),
    median: { serverCpuUsPerDelivery: cpu.toSorted((a, b) => a - b)[1]! },
    targets: [],
    notes: [],
  });
  const table = comparisonTable(
    result("busy", [1.0, 1.0, 1.4]),
    result("busy-irc", [1.05, 1.4, 1.47]),
  );
  const row = table.split("\n").find((line) => line.includes("server CPU per delivery"));
  assert.match(row ?? "", /\| +1\.05 \| yes +\|$/, table);
  assert.match(table, /ratio \(median of run-by-run\)/);
});
