/**
 * The load generator of `deno task bench`, end to end in a tiny
 * configuration, so the tool keeps working as the server changes.
 */

import assert from "node:assert/strict";
import { clusterMetrics, perServer } from "../bench/cluster.ts";
import { serverOf, spread } from "../bench/harness.ts";
import { DEFAULT_OUT } from "../bench/main.ts";
import { freeName } from "../bench/peers.ts";
import { type ProcessSample, sumSamples } from "../bench/proc.ts";
import { type BenchFile, comparisonTable, sidesTable } from "../bench/report.ts";
import { recordedCommand } from "../bench/results.ts";
import { clusterSides, LOADS, type ScenarioResult } from "../bench/scenarios.ts";
import { median } from "../bench/stats.ts";
import { testWithNats } from "./_nats.ts";

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

/** Runs git with `args` in the checkout; whether it succeeded, and what it printed. */
async function git(...args: string[]): Promise<{ success: boolean; output: string }> {
  const { success, stdout, stderr } = await new Deno.Command("git", {
    args,
    cwd: new URL("..", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { success, output: new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr) };
}

const gitProblem = await git("rev-parse", "--git-dir").then(
  ({ success, output }) => success ? undefined : output.trim(),
  (error) => (error as Error).message,
);

Deno.test({
  name: `deno task bench writes its results where git does not see them${
    gitProblem === undefined ? "" : ` (ignored: no git checkout: ${gitProblem})`
  }`,
  ignore: gitProblem !== undefined,
  fn: async () => {
    // A run on any machine leaves the checkout as it was: not a tracked file, and ignored.
    const tracked = await git("ls-files", "--error-unmatch", DEFAULT_OUT);
    assert.equal(tracked.success, false, `${DEFAULT_OUT} is tracked: ${tracked.output}`);
    const ignored = await git("check-ignore", "--quiet", "--no-index", DEFAULT_OUT);
    assert.equal(ignored.success, true, `${DEFAULT_OUT} is not ignored: ${ignored.output}`);
  },
});

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
      ...["--connections", "20", "--runs", "1", "--settle-ms", "0"],
    ],
    env: { NO_COLOR: "1" },
    stdin: "null",
    signal: AbortSignal.timeout(30_000),
  }).output();
  const output = new TextDecoder().decode(stdout);
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const rows = output.split("\n").filter((line) => /^\| (Deno\.listen|node:net)/.test(line));
  assert.equal(rows.length, 4, output);
  assert.ok(rows.some((row) => row.includes("answered with two")), output);
  for (const row of rows) {
    const [, figure] = row.split("|").map((cell) => cell.trim()).slice(1);
    assert.ok(Number.isFinite(Number(figure)), row);
  }
});

Deno.test("bench/history_burst.ts and history_burst_server.ts time a tiny burst on disk and in memory", async () => {
  const runs: [string, string[]][] = [
    ["history_burst.ts", ["--senders", "2", "--burst", "3", "--seconds", "0.2", "--runs", "1"]],
    ["history_burst_server.ts", ["--senders", "2", "--seconds", "0", "--runs", "1"]],
  ];
  for (const [script, args] of runs) {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        new URL(`../bench/${script}`, import.meta.url).pathname,
        ...args,
      ],
      env: { NO_COLOR: "1" },
      stdin: "null",
      signal: AbortSignal.timeout(60_000),
    }).output();
    const output = new TextDecoder().decode(stdout);
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    const rows = output.split("\n").filter((line) => /^\| (disk|memory) \|/.test(line));
    assert.equal(rows.length, 2, output);
    for (const row of rows) {
      const figures = row.split("|").map((cell) => cell.trim()).slice(2, -1);
      assert.ok(figures.every((figure) => Number.isFinite(parseFloat(figure))), row);
    }
  }
});

/** Adapters written to the side-by-side harness's interface, as small as it allows. */
const TOY_ADAPTERS = {
  ndjson: `export default { name: "ndjson", createClient: (ctx) => ({
    buf: "",
    onData(chunk) {
      this.buf += chunk.toString("utf8");
      let nl;
      while ((nl = this.buf.indexOf("\\n")) !== -1) {
        const frame = JSON.parse(this.buf.slice(0, nl));
        this.buf = this.buf.slice(nl + 1);
        if (frame.type === "message") ctx.deliver(frame.text, true);
      }
    },
  }) };`,
  irc: `export default { name: "irc", createClient: (ctx) => ({
    state: "new",
    onData(chunk) { if (this.state === "ready") ctx.deliver(chunk.toString("latin1"), true); },
  }) };`,
};

/** Runs bench/adapter_cost.ts against a harness folder holding `adapters`; its exit code and output. */
async function adapterCost(adapters: Record<string, string>): Promise<[number, string]> {
  const harness = await Deno.makeTempDir({ prefix: "chat-harness-test-" });
  try {
    await Deno.mkdir(`${harness}/adapters`);
    for (const [name, source] of Object.entries(adapters)) {
      await Deno.writeTextFile(`${harness}/adapters/${name}.mjs`, source);
    }
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        new URL("../bench/adapter_cost.ts", import.meta.url).pathname,
        ...["--harness", harness, "--rounds", "1"],
      ],
      env: { NO_COLOR: "1" },
      stdin: "null",
      signal: AbortSignal.timeout(60_000),
    }).output();
    const decoder = new TextDecoder();
    return [code, decoder.decode(stdout) + decoder.decode(stderr)];
  } finally {
    await Deno.remove(harness, { recursive: true });
  }
}

Deno.test("bench/adapter_cost.ts times a harness's adapters reading our frames and IRC lines", async () => {
  const [code, output] = await adapterCost(TOY_ADAPTERS);
  assert.equal(code, 0, output);
  const rows = output.split("\n").filter((line) => /^\| (ndjson|irc) \|/.test(line));
  assert.deepEqual(rows.map((row) => row.split("|")[1]!.trim() + row.split("|")[2]!.trim()), [
    "ndjson1",
    "irc1",
    "ndjson8",
    "irc8",
  ]);
  for (const row of rows) {
    const [, , bytes, figure] = row.split("|").map((cell) => cell.trim()).slice(1);
    assert.ok(Number(figure) > 0, row);
    // One of our message frames, as encoded for the wire, or an IRC line, with its marker.
    assert.ok(Number(bytes) > 50 && Number(bytes) < 200, row);
  }
  // An adapter that delivers nothing is not timed as if it had read the lines.
  const [silent, said] = await adapterCost({
    ...TOY_ADAPTERS,
    ndjson: `export default { name: "ndjson", createClient: () => ({ onData() {} }) };`,
  });
  assert.equal(silent, 1, said);
  assert.match(said, /did not deliver/);
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

testWithNats(
  "bench/main.ts runs a tiny cluster: one server, then clusters of 1 and 3, every delivery across servers",
  async () => {
    const { output, file } = await runBench(
      [
        ...["--scenario", "cluster", "--clients", "6", "--senders", "3", "--messages", "10"],
        ...["--rate", "0", "--servers", "1,3"],
      ],
      120_000,
    );
    assert.match(output, /== cluster: each side against 1 server, no NATS/);

    const result = file.scenarios.cluster!;
    assert.deepEqual(result.sides?.map(([side]) => side), ["standalone", "cluster1", "cluster3"]);
    assert.match(
      result.server,
      /--cluster nats:\/\/127\.0\.0\.1:PORT, beside nats-server .* -js -sd DIR/,
    );
    const m = result.median;
    for (const side of ["standalone", "cluster1", "cluster3"]) {
      const at = (key: string) => m[`${side}.${key}`];
      // 3 × 10 messages, each to the 5 other members. With 3 servers, clients 0-1, 2-3 and 4-5 are
      // on servers 1, 2 and 3, one sender (0, 2, 4) on each: most deliveries cross servers.
      assert.equal(at("sent"), 30, side);
      assert.equal(at("expectedDeliveries"), 150, side);
      assert.equal(at("deliveries"), 150, side);
      assert.equal(at("faults"), 0, side);
      assert.equal(at("otherFrames"), 0, side);
      assert.equal(at("closed"), 0, side);
      // The one checked receiver, client 3 on the second server, gets the 30 messages in order
      // and from the right sender, the 20 of the senders on the other servers included.
      assert.equal(at("checkedReceivers"), 1, side);
      assert.equal(at("latencySamples"), 30, side);
      assert.ok(at("p50Ms")! > 0 && at("p50Ms")! <= at("p99Ms")!, JSON.stringify(m));
      assert.ok(at("serverCpuSec")! >= 0, side);
    }
    assert.equal(m["standalone.servers"], undefined);
    assert.equal(m["standalone.natsCpuSec"], undefined);
    for (const [side, servers] of [["cluster1", 1], ["cluster3", 3]] as const) {
      const at = (key: string) => m[`${side}.${key}`];
      assert.equal(at("servers"), servers);
      assert.ok(at("natsCpuSec")! >= 0 && at("natsPeakRssMiB")! > 1, JSON.stringify(m));
      // Three chat servers hold three runtimes: their RSS is summed.
      assert.ok(at("serverPeakRssMiB")! > 10 * servers, JSON.stringify(m));
      assert.ok(at("busiestServerCpuSec")! <= at("serverCpuSec")! + 1e-9, JSON.stringify(m));
    }
    assert.deepEqual(
      result.targets.map((target) => [target.metric, target.status]),
      [["standalone.faults", "PASS"], ["cluster1.faults", "PASS"], ["cluster3.faults", "PASS"]],
    );
  },
);

Deno.test("serverOf() spreads the cluster load's clients, senders and checked receivers evenly", () => {
  const { clients, senders } = LOADS.cluster;
  const all = Array.from({ length: clients }, (_, i) => i);
  assert.deepEqual(perServer(all, clients, 3), [1000, 1000, 1000]);
  // The bench picks senders and checked receivers with spread(), as run_load.ts does.
  assert.deepEqual(perServer(spread(senders, clients), clients, 3), [4, 3, 3]);
  assert.deepEqual(perServer(spread(10, clients, 0.5), clients, 3), [3, 4, 3]);
  assert.deepEqual(perServer(spread(senders, clients), clients, 1), [10]);
  // Blocks of consecutive clients; the last index never falls past the last server.
  assert.deepEqual([0, 999, 1000, 1999, 2000, 2999].map((i) => serverOf(i, 3000, 3)), [
    0,
    0,
    1,
    1,
    2,
    2,
  ]);
  assert.deepEqual(perServer(Array.from({ length: 7 }, (_, i) => i), 7, 3), [3, 2, 2]);
});

function sample(cpuSeconds: number, rssKiB = 1024): ProcessSample {
  return {
    cpuSeconds,
    systemSeconds: cpuSeconds / 2,
    preciseCpuSeconds: cpuSeconds,
    rssKiB,
    peakRssKiB: rssKiB * 2,
  };
}

Deno.test("sumSamples() adds up the CPU and memory of every process, or none if one ended", () => {
  assert.deepEqual(sumSamples([sample(1, 100), sample(2.5, 300), sample(0.5, 600)]), {
    cpuSeconds: 4,
    systemSeconds: 2,
    preciseCpuSeconds: 4,
    rssKiB: 1000,
    peakRssKiB: 2000,
  });
  assert.equal(sumSamples([sample(1), undefined]), undefined);
});

Deno.test("clusterMetrics() gives NATS's CPU apart and the busiest server's, per delivery", () => {
  const metrics = clusterMetrics(
    { members: [sample(10), sample(20), sample(30)], nats: sample(5, 2048) },
    { members: [sample(11), sample(22.5), sample(31.5)], nats: sample(5.5, 2048) },
    { deliveries: 1_000_000, durationSec: 10, serverCpuSec: 5 },
  );
  assert.equal(metrics.servers, 3);
  assert.equal(metrics.natsCpuSec, 0.5);
  assert.equal(metrics.natsCpuUsPerDelivery, 0.5);
  assert.equal(metrics.natsCoreSharePct, 5);
  assert.equal(metrics.natsPeakRssMiB, 4);
  // The servers' 5 s and NATS's 0.5 s.
  assert.equal(metrics.clusterCpuUsPerDelivery, 5.5);
  assert.equal(metrics.busiestServerCpuSec, 2.5);
  assert.equal(metrics.busiestServerCpuUsPerDelivery, 2.5);
  assert.equal(metrics.busiestServerCoreSharePct, 25);
});

Deno.test("sidesTable() sets each cluster beside one server, run by run, NATS's CPU counted", () => {
  const sides = clusterSides([1, 3]);
  // Per run: standalone, cluster of 1 and cluster of 3, server CPU per delivery and NATS's.
  const runs = [[1.0, 1.2, 1.5, 0.1, 0.1], [2.0, 2.4, 3.0, 0.2, 0.2], [1.0, 1.3, 1.4, 0.1, 0.2]]
    .map(([one, c1, c3, n1, n3]) => {
      const metrics: Record<string, number> = {
        "standalone.serverCpuUsPerDelivery": one!,
        "cluster1.serverCpuUsPerDelivery": c1!,
        "cluster1.natsCpuUsPerDelivery": n1!,
        "cluster1.clusterCpuUsPerDelivery": c1! + n1!,
        "cluster3.serverCpuUsPerDelivery": c3!,
        "cluster3.natsCpuUsPerDelivery": n3!,
        "cluster3.clusterCpuUsPerDelivery": c3! + n3!,
        "cluster3.busiestServerCpuUsPerDelivery": c3! / 2,
      };
      return { metrics, notes: [] };
    });
  const keys = Object.keys(runs[0]!.metrics);
  const result: ScenarioResult = {
    scenario: "cluster",
    description: "",
    command: "",
    date: "",
    server: "",
    runs,
    median: Object.fromEntries(
      keys.map((key) => [key, median(runs.map((run) => run.metrics[key]!))]),
    ),
    targets: [],
    notes: [],
    sides,
  };
  const table = sidesTable(result);
  const row = (label: string) =>
    table.split("\n").find((line) => line.startsWith(`| ${label} `))?.split("|")
      .slice(2, -1).map((cell) => cell.trim());
  assert.match(table, /cluster1 ÷ standalone \| cluster3 ÷ standalone/);
  // Ratios run by run: cluster of 3 is 1.5, 1.5 and 1.4 times one server, median 1.50.
  assert.deepEqual(row("server CPU per delivery"), [
    "1.00 µs",
    "1.30 µs",
    "1.50 µs",
    "1.20",
    "1.50",
  ]);
  // One server's CPU stands in for its "servers and NATS" and its "busiest server".
  assert.deepEqual(row("CPU per delivery, chat servers and NATS"), [
    "1.00 µs",
    "1.40 µs",
    "1.60 µs",
    "1.30",
    "1.60",
  ]);
  assert.deepEqual(row("busiest chat server's CPU per delivery (of all)"), [
    "1.00 µs",
    "1.30 µs",
    "0.75 µs",
    "1.20",
    "0.75",
  ]);
  assert.deepEqual(row("NATS CPU per delivery"), ["n/a", "0.10 µs", "0.20 µs", "", ""]);
});

Deno.test("recordedCommand() keeps --out only as a path inside the repository", () => {
  const root = "/home/ann/chat";
  assert.equal(
    recordedCommand(["--scenario", "busy", "--out", "/tmp/run.json", "--runs", "3"], root),
    "deno task bench --scenario busy --runs 3",
  );
  assert.equal(
    recordedCommand(["--out=bench/results/x.json"], root),
    "deno task bench --out bench/results/x.json",
  );
  assert.equal(
    recordedCommand(["--out", "/home/ann/chat/bench/results/y.json"], root),
    "deno task bench --out bench/results/y.json",
  );
  assert.equal(recordedCommand(["--out", "../elsewhere.json"], root), "deno task bench");
});

Deno.test("freeName() keeps a second side-by-side run at one commit beside the first", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-results-test-" });
  try {
    assert.equal(await freeName(dir, "peers-abc1234"), "peers-abc1234");
    await Deno.writeTextFile(`${dir}/peers-abc1234.md`, "");
    assert.equal(await freeName(dir, "peers-abc1234"), "peers-abc1234-2");
    // A run whose table was not written still holds its name by its JSON.
    await Deno.writeTextFile(`${dir}/peers-abc1234-2.json`, "");
    assert.equal(await freeName(dir, "peers-abc1234"), "peers-abc1234-3");
    assert.equal(await freeName(dir, "peers-abc1234+"), "peers-abc1234+");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
