/**
 * Turns scenario results into tables for the terminal, the JSON file
 * bench/results/latest.json and the sections of bench/RESULTS.md.
 *
 * @module
 */

import type { MachineInfo } from "./proc.ts";
import { type ScenarioResult, SCENARIOS, sidesOf } from "./scenarios.ts";
import { median } from "./stats.ts";

/** The JSON file: the latest result of each scenario, and where they came from. */
export interface BenchFile {
  /** Format version of this file. */
  version: 1;
  /** The machine of the latest run. */
  machine: MachineInfo;
  /** `git describe`-like commit of the code measured, with `+dirty` for local changes. */
  commit: string;
  /** How the server and generator were placed on CPUs. */
  placement: string;
  /** Latest result per scenario; a run of some scenarios keeps the others. */
  scenarios: Partial<Record<string, ScenarioResult>>;
}

/** How a figure is shown: label, unit, decimals. */
interface Metric {
  label: string;
  unit: string;
  digits: number;
}

const CATALOGUE: Readonly<Record<string, Metric>> = {
  clients: { label: "clients (C)", unit: "", digits: 0 },
  senders: { label: "senders (S)", unit: "", digits: 0 },
  messagesPerSender: { label: "messages per sender (K)", unit: "", digits: 0 },
  targetRate: { label: "target rate (0: as fast as possible)", unit: "msg/s", digits: 0 },
  ircClients: { label: "clients on IRC", unit: "", digits: 0 },
  ircSenders: { label: "of them senders (no echo-message)", unit: "", digits: 0 },
  ircCheckedReceivers: { label: "of them checked receivers", unit: "", digits: 0 },
  connectSec: { label: "time to connect all clients", unit: "s", digits: 2 },
  sent: { label: "messages sent", unit: "", digits: 0 },
  expectedDeliveries: { label: "deliveries expected", unit: "", digits: 0 },
  deliveries: { label: "deliveries (to members other than the sender)", unit: "", digits: 0 },
  durationSec: { label: "first send to last delivery", unit: "s", digits: 3 },
  deliveriesPerSec: { label: "deliveries/s", unit: "", digits: 0 },
  messagesPerSec: { label: "messages/s", unit: "", digits: 0 },
  latencySamples: { label: "latency samples (checked receivers)", unit: "", digits: 0 },
  p50Ms: { label: "latency p50", unit: "ms", digits: 2 },
  p99Ms: { label: "latency p99", unit: "ms", digits: 2 },
  maxMs: { label: "latency max (of samples)", unit: "ms", digits: 2 },
  faults: { label: "lost + duplicated + reordered + misattributed", unit: "", digits: 0 },
  lost: { label: "lost", unit: "", digits: 0 },
  duplicated: { label: "duplicated", unit: "", digits: 0 },
  reordered: { label: "reordered (checked receivers)", unit: "", digits: 0 },
  wrongSender: { label: "wrong `from` (checked receivers)", unit: "", digits: 0 },
  otherFrames: { label: "other frames while measuring", unit: "", digits: 0 },
  closed: { label: "connections closed by the server", unit: "", digits: 0 },
  checkedReceivers: { label: "checked receivers", unit: "", digits: 0 },
  serverCpuSec: { label: "server CPU while sending", unit: "s", digits: 2 },
  serverCpuUsPerDelivery: { label: "server CPU per delivery", unit: "µs", digits: 2 },
  serverCpuUsPerMessage: { label: "server CPU per message sent", unit: "µs", digits: 1 },
  serverSystemSharePct: { label: "of which in the kernel (10 ms ticks)", unit: "%", digits: 0 },
  serverCoreSharePct: { label: "server CPU ÷ (first send to last delivery)", unit: "%", digits: 0 },
  serverConnectCpuSec: { label: "server CPU while connecting", unit: "s", digits: 2 },
  serverRssStartMiB: { label: "server RSS at start", unit: "MiB", digits: 1 },
  serverRssConnectedMiB: { label: "server RSS, all connected", unit: "MiB", digits: 1 },
  serverRssEndMiB: { label: "server RSS at the end", unit: "MiB", digits: 1 },
  serverPeakRssMiB: { label: "server peak RSS (VmHWM)", unit: "MiB", digits: 1 },
  generatorCpuSec: { label: "generator CPU while sending", unit: "s", digits: 2 },
  generatorCpuSharePct: {
    label: "generator CPU ÷ (first send to last delivery)",
    unit: "%",
    digits: 0,
  },
  maxSendLagMs: { label: "largest send delay behind schedule", unit: "ms", digits: 1 },
  warmupMessagesPerSender: { label: "warm-up messages per sender", unit: "", digits: 0 },
  quietWaitSec: { label: "waited for other processes to leave", unit: "s", digits: 1 },
  otherLoadServerCpuPct: { label: "other processes on the server's CPU", unit: "%", digits: 0 },
  otherLoadGeneratorCpuPct: {
    label: "other processes on the generator's CPU",
    unit: "%",
    digits: 0,
  },
  otherLoadPct: { label: "other processes on the machine", unit: "%", digits: 0 },
  roomSize: { label: "clients per room", unit: "", digits: 0 },
  rssBeforeMiB: { label: "server RSS before connecting", unit: "MiB", digits: 1 },
  rssMiB: { label: "server RSS", unit: "MiB", digits: 1 },
  kibPerConn: { label: "server RSS per connection", unit: "KiB", digits: 2 },
  marginalKibPerConn: { label: "server RSS per added connection", unit: "KiB", digits: 2 },
  connections: { label: "connections opened", unit: "", digits: 0 },
  held: { label: "connections held (answering a ping after 5 s)", unit: "", digits: 0 },
  rssAfterMiB: { label: "server RSS, all connected", unit: "MiB", digits: 1 },
  soakSeconds: { label: "soak length", unit: "s", digits: 0 },
  rssFirstMinuteMiB: { label: "server RSS, mean of the first minute", unit: "MiB", digits: 1 },
  rssLastMinuteMiB: { label: "server RSS, mean of the last minute", unit: "MiB", digits: 1 },
  rssGrowthPct: { label: "server RSS growth, first to last minute", unit: "%", digits: 1 },
  phasePeakRssMiB: { label: "server peak RSS while measuring", unit: "MiB", digits: 1 },
  phaseRssGrowthMiB: {
    label: "server peak RSS while measuring − RSS at its start",
    unit: "MiB",
    digits: 1,
  },
  uploaders: { label: "uploaders (chat users with a token)", unit: "", digits: 0 },
  uploadFiles: { label: "files posted", unit: "", digits: 0 },
  uploadFileMiB: { label: "size of each file", unit: "MiB", digits: 2 },
  uploadsStored: { label: "uploads stored (201)", unit: "", digits: 0 },
  uploadsFailed: { label: "uploads not stored", unit: "", digits: 0 },
  uploadsRateLimited: { label: "uploads refused for the rate (429)", unit: "", digits: 0 },
  uploadedMiB: { label: "MiB stored", unit: "MiB", digits: 1 },
  uploadSec: { label: "first upload's start to last one's end", unit: "s", digits: 3 },
  uploadMiBPerSec: { label: "upload throughput", unit: "MiB/s", digits: 1 },
  uploadP50Ms: { label: "one upload, p50 (POST to 201)", unit: "ms", digits: 1 },
  uploadMaxMs: { label: "one upload, max", unit: "ms", digits: 1 },
  sharesDone: { label: "files shared (file frame, message back)", unit: "", digits: 0 },
  sharesFailed: { label: "shares refused", unit: "", digits: 0 },
  shareP50Ms: { label: "one share, p50", unit: "ms", digits: 2 },
  duringUploadsSamples: { label: "latency samples sent while uploading", unit: "", digits: 0 },
  duringUploadsP50Ms: {
    label: "latency p50 of messages sent while uploading",
    unit: "ms",
    digits: 2,
  },
  duringUploadsP99Ms: {
    label: "latency p99 of messages sent while uploading",
    unit: "ms",
    digits: 2,
  },
  sendingCoveredPct: { label: "share of the sending with uploads under way", unit: "%", digits: 0 },
  serverCpuWithUploadsSec: {
    label: "server CPU, sending and uploads, until both ended",
    unit: "s",
    digits: 2,
  },
  rssGrowthLargeOverSmallMiB: {
    label: "peak RSS growth, large files minus small files",
    unit: "MiB",
    digits: 1,
  },
  servers: { label: "chat servers in the cluster", unit: "", digits: 0 },
  natsCpuSec: { label: "NATS CPU while sending", unit: "s", digits: 2 },
  natsCpuUsPerDelivery: { label: "NATS CPU per delivery", unit: "µs", digits: 2 },
  natsCoreSharePct: { label: "NATS CPU ÷ (first send to last delivery)", unit: "%", digits: 0 },
  natsPeakRssMiB: { label: "NATS peak RSS while measuring", unit: "MiB", digits: 1 },
  clusterCpuUsPerDelivery: {
    label: "CPU per delivery, chat servers and NATS",
    unit: "µs",
    digits: 2,
  },
  busiestServerCpuSec: { label: "busiest chat server's CPU while sending", unit: "s", digits: 2 },
  busiestServerCpuUsPerDelivery: {
    label: "busiest chat server's CPU per delivery (of all)",
    unit: "µs",
    digits: 2,
  },
  busiestServerCoreSharePct: {
    label: "busiest chat server's CPU ÷ (first send to last delivery)",
    unit: "%",
    digits: 0,
  },
};

function metricOf(key: string): Metric {
  // A side's figures carry its name first: `memory.p99Ms`, `cluster3.p99Ms`.
  const plain = key.replace(/^[\w-]+\./, "");
  const [base, at] = plain.split("@");
  const metric = CATALOGUE[base!] ?? { label: base!, unit: "", digits: 2 };
  if (at === undefined) return metric;
  return { ...metric, label: `${metric.label} at ${Number(at).toLocaleString("en-US")}` };
}

/** Formats figure `key` with its unit: `12,345`, `1.53 µs`, `98 %`. */
export function formatMetric(key: string, value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return "n/a";
  if (!Number.isFinite(value)) return String(value);
  const { unit, digits } = metricOf(key);
  const number = value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return unit === "" ? number : `${number} ${unit}`;
}

/** A Markdown table, padded so it also reads well in a terminal. */
export function table(header: string[], rows: string[][], right: boolean[] = []): string {
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...rows.map((row) => (row[i] ?? "").length), 3)
  );
  const line = (cells: string[]) =>
    "| " + cells.map((cell, i) =>
      right[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)
    ).join(" | ") + " |";
  const rule = "| " +
    widths.map((width, i) => right[i] ? "-".repeat(width - 1) + ":" : "-".repeat(width))
      .join(" | ") +
    " |";
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/**
 * The figures of one scenario: a row per figure, a column per run, then the
 * median; for a scenario with sides, a column per side with its medians.
 */
export function scenarioTable(result: ScenarioResult): string {
  const keys = Object.keys(result.median);
  const sides = sidesOf(result);
  if (sides !== undefined) {
    // Every figure any side has, in the order they first appear.
    const bases = [
      ...new Set(
        keys.filter((key) => sides.some(([side]) => key.startsWith(`${side}.`)))
          .map((key) => key.slice(key.indexOf(".") + 1)),
      ),
    ];
    const rows = bases.map((base) => [
      metricOf(base).label,
      ...sides.map(([side]) => formatMetric(base, result.median[`${side}.${base}`])),
    ]);
    const all = keys.filter((key) => !key.includes("."));
    rows.push(
      ...all.map((key) => [
        metricOf(key).label,
        formatMetric(key, result.median[key]),
        ...sides.slice(1).map(() => ""),
      ]),
    );
    return table(
      [
        `median of ${result.runs.length}`,
        ...sides.map(([side, label]) => sideLabel(result, side, label)),
      ],
      rows,
      [false, ...sides.map(() => true)],
    );
  }
  const runs = result.runs.map((_, i) => `run ${i + 1}`);
  const rows = keys.map((key) => [
    metricOf(key).label,
    ...result.runs.map((run) => formatMetric(key, run.metrics[key])),
    formatMetric(key, result.median[key]),
  ]);
  return table(["figure", ...runs, "median"], rows, [false, ...runs.map(() => true), true]);
}

/** A side's column heading: the files of an uploads side, else `label`. */
function sideLabel(result: ScenarioResult, side: string, label: string): string {
  const files = result.median[`${side}.uploadFiles`];
  const size = result.median[`${side}.uploadFileMiB`];
  if (files === undefined || size === undefined) return label;
  return `${files} × ${formatMetric("uploadFileMiB", size).replace(/\.00 /, " ")}`;
}

/** One line per scenario with its headline figures. */
export function summaryTable(results: ScenarioResult[]): string {
  const rows = results.map((result) => {
    const m = result.median;
    const sides = sidesOf(result)?.map(([side]) => side);
    const get = (key: string) =>
      sides !== undefined
        ? sides.map((side) => formatMetric(key, m[`${side}.${key}`])).join(" / ")
        : formatMetric(key, m[key]);
    const faults = sides !== undefined
      ? get("faults")
      : m.faults !== undefined
      ? formatMetric("faults", m.faults)
      : "";
    if (result.scenario === "idle") {
      return [
        result.scenario,
        `${formatMetric("held", m.held)} held`,
        "",
        "",
        "",
        "",
        "",
        `${formatMetric("kibPerConn", m.kibPerConn)}/conn`,
        formatMetric("serverPeakRssMiB", m.serverPeakRssMiB),
        "",
      ];
    }
    return [
      result.scenario +
      (result.scenario === "durable"
        ? " (mem / SQLite)"
        : result.scenario === "uploads"
        ? " (small / large files)"
        : result.sides !== undefined
        ? ` (${result.sides.map(([side]) => side).join(" / ")})`
        : ""),
      get("deliveriesPerSec"),
      get("p50Ms"),
      get("p99Ms"),
      get("maxMs"),
      faults,
      get("serverCpuUsPerDelivery"),
      result.scenario === "soak"
        ? `${formatMetric("rssGrowthPct", m.rssGrowthPct)} growth`
        : result.scenario === "uploads"
        ? `${get("phaseRssGrowthMiB")} growth`
        : "",
      get("serverPeakRssMiB"),
      get("generatorCpuSharePct"),
    ];
  });
  return table(
    [
      "scenario",
      "deliveries/s",
      "p50",
      "p99",
      "max",
      "lost etc.",
      "server CPU/delivery",
      "memory",
      "server peak RSS",
      "generator CPU",
    ],
    rows,
    [false, true, true, true, true, true, true, true, true, true],
  );
}

/** Pairs of scenarios set side by side when both ran: the first is the base. */
export const COMPARISONS: readonly (readonly [string, string])[] = [["busy", "busy-irc"]];

/**
 * Figures compared, and whether more is better. Max latency is one sample
 * per run, shown but not judged.
 */
const COMPARED: readonly (readonly [string, "more" | "less" | "shown"])[] = [
  ["deliveriesPerSec", "more"],
  ["p50Ms", "less"],
  ["p99Ms", "less"],
  ["maxMs", "shown"],
  ["faults", "less"],
  ["serverCpuUsPerDelivery", "less"],
  ["serverPeakRssMiB", "less"],
];

/**
 * The ratio of `other` to `base` in figure `key`: the median of the ratios
 * run by run when both ran as often (the bench runs scenarios in turn, so run
 * i of each met the machine in the same state), else the ratio of medians.
 */
function ratioOf(base: ScenarioResult, other: ScenarioResult, key: string): number {
  if (base.runs.length === other.runs.length && base.runs.length > 0) {
    return median(base.runs.map((run, i) => {
      const a = run.metrics[key];
      const b = other.runs[i]!.metrics[key];
      return a !== undefined && b !== undefined && a !== 0 ? b / a : NaN;
    }));
  }
  const a = base.median[key];
  const b = other.median[key];
  return a !== undefined && b !== undefined && a !== 0 ? b / a : NaN;
}

/**
 * Medians of `other` beside those of `base`, their ratio (see
 * {@linkcode ratioOf}), and whether `other` is no more than `tolerancePct` %
 * worse (issue 18: within 10 %).
 */
export function comparisonTable(
  base: ScenarioResult,
  other: ScenarioResult,
  tolerancePct = 10,
): string {
  const paired = base.runs.length === other.runs.length;
  const rows = COMPARED.map(([key, better]) => {
    const b = other.median[key];
    const ratio = ratioOf(base, other, key);
    const within = better === "shown"
      ? "not judged"
      : key === "faults"
      ? (b === 0 ? "yes" : "no")
      : Number.isNaN(ratio)
      ? "n/a"
      : (better === "more" ? ratio >= 1 - tolerancePct / 100 : ratio <= 1 + tolerancePct / 100)
      ? "yes"
      : "no";
    return [
      metricOf(key).label,
      formatMetric(key, base.median[key]),
      formatMetric(key, b),
      Number.isNaN(ratio) ? "n/a" : ratio.toFixed(2),
      within,
    ];
  });
  return table(
    [
      "figure (median)",
      base.scenario,
      other.scenario,
      paired ? "ratio (median of run-by-run)" : "ratio",
      `within ${tolerancePct} %`,
    ],
    rows,
    [false, true, true, true, false],
  );
}

/**
 * Figures of the sides of a cluster run set side by side, each with the one
 * that stands in for it on a side without it: one server's CPU is all the
 * CPU a single server needs, and it is its own busiest server.
 */
const SIDE_COMPARED: readonly (readonly [string, string?])[] = [
  ["deliveriesPerSec"],
  ["p50Ms"],
  ["p99Ms"],
  ["maxMs"],
  ["faults"],
  ["serverCpuUsPerDelivery"],
  ["natsCpuUsPerDelivery"],
  ["clusterCpuUsPerDelivery", "serverCpuUsPerDelivery"],
  ["busiestServerCpuUsPerDelivery", "serverCpuUsPerDelivery"],
  ["serverCoreSharePct"],
  ["natsCoreSharePct"],
  ["busiestServerCoreSharePct", "serverCoreSharePct"],
  ["serverPeakRssMiB"],
  ["natsPeakRssMiB"],
];

/** Figure `key` of `side` in `metrics`, or its stand-in `fallback`. */
function sideValue(
  metrics: Record<string, number>,
  side: string,
  [key, fallback]: readonly [string, string?],
): number | undefined {
  return metrics[`${side}.${key}`] ??
    (fallback === undefined ? undefined : metrics[`${side}.${fallback}`]);
}

/**
 * The medians of each side of `result` (a scenario with sides, such as the
 * cluster), and each side's ratio to the first: the median of the ratios
 * run by run, since the sides of a run met the machine in the same state.
 */
export function sidesTable(result: ScenarioResult): string {
  const sides = sidesOf(result) ?? [];
  const [base, ...others] = sides;
  const rows = SIDE_COMPARED.map((figure) => {
    const [key] = figure;
    const ratios = others.map(([side]) => {
      const ratio = median(result.runs.map((run) => {
        const a = sideValue(run.metrics, base![0], figure);
        const b = sideValue(run.metrics, side, figure);
        return a !== undefined && b !== undefined && a !== 0 ? b / a : NaN;
      }));
      return Number.isNaN(ratio) ? "" : ratio.toFixed(2);
    });
    return [
      metricOf(key).label,
      ...sides.map(([side]) => formatMetric(key, sideValue(result.median, side, figure))),
      ...ratios,
    ];
  });
  return table(
    [
      `median of ${result.runs.length}`,
      ...sides.map(([, label]) => label),
      ...others.map(([side]) => `${side} ÷ ${base![0]}`),
    ],
    rows,
    [false, ...sides.map(() => true), ...others.map(() => true)],
  );
}

/**
 * The comparisons of {@linkcode COMPARISONS} whose two scenarios are both in
 * `results`, and the sides of each scenario that keeps its sides (cluster).
 */
function comparisons(results: ScenarioResult[]): [string, string][] {
  const byName = new Map(results.map((result) => [result.scenario, result]));
  const pairs = COMPARISONS.flatMap(([a, b]) => {
    const base = byName.get(a as ScenarioResult["scenario"]);
    const other = byName.get(b as ScenarioResult["scenario"]);
    if (base === undefined || other === undefined) return [];
    return [[`${b} against ${a}`, comparisonTable(base, other)] as [string, string]];
  });
  const sided = results.filter((result) => result.sides !== undefined && result.sides.length > 1)
    .map((result): [string, string] => [
      `${result.scenario}: each side against ${result.sides![0]![1]} (ratios run by run)`,
      sidesTable(result),
    ]);
  return [...pairs, ...sided];
}

/** Every target of every scenario with PASS or FAIL. */
export function targetTable(results: ScenarioResult[]): string {
  const rows = results.flatMap((result) =>
    result.targets.map((target) => [
      result.scenario,
      target.label,
      `${formatMetric(target.metric, target.value)}${target.worst ? " (worst run)" : ""}`,
      target.status,
    ])
  );
  return table(["scenario", "target", "measured", "result"], rows, [false, false, true, false]);
}

function ordered(file: BenchFile): ScenarioResult[] {
  const known = SCENARIOS.map((name) => file.scenarios[name]).filter((r) => r !== undefined);
  const others = Object.entries(file.scenarios)
    .filter(([name]) => !(SCENARIOS as readonly string[]).includes(name))
    .map(([, result]) => result!);
  return [...known, ...others];
}

/** The report printed at the end of `deno task bench`. */
export function terminalReport(results: ScenarioResult[]): string {
  const parts: string[] = [];
  for (const result of results) {
    parts.push(`== ${result.scenario}: ${result.description}`, "", scenarioTable(result), "");
    for (const note of result.notes) parts.push(`note: ${note}`);
    if (result.notes.length > 0) parts.push("");
  }
  parts.push("== summary (medians)", "", summaryTable(results), "");
  for (const [title, text] of comparisons(results)) parts.push(`== ${title}`, "", text, "");
  parts.push("== targets (issue 7)", "", targetTable(results), "");
  return parts.join("\n");
}

function machineLine(file: BenchFile): string {
  const m = file.machine;
  return `${m.cpuModel}, ${m.cores} logical CPUs, ${m.memoryGiB} GiB, Linux ${m.kernel}, ` +
    `Deno ${m.deno} (V8 ${m.v8})`;
}

/** The Markdown section of bench/RESULTS.md for `heading`, between markers it can replace. */
export function markdownSection(file: BenchFile, heading: string): string {
  const results = ordered(file);
  const dates = results.map((result) => result.date.slice(0, 10)).sort();
  const when = dates.length === 0
    ? ""
    : dates[0] === dates[dates.length - 1]
    ? dates[0]
    : `${dates[0]} to ${dates[dates.length - 1]}`;
  const lines = [
    `<!-- bench:${heading} -->`,
    "",
    `## ${heading}`,
    "",
    `Measured ${when} on commit ${file.commit}.`,
    "",
    `- Machine: ${machineLine(file)}.`,
    `- Placement: ${file.placement}.`,
    "",
    "### Summary (medians)",
    "",
    summaryTable(results),
    "",
    ...comparisons(results).flatMap(([title, text]) => [`### ${title}`, "", text, ""]),
    "### Targets of issue 7",
    "",
    targetTable(results),
    "",
  ];
  for (const result of results) {
    lines.push(
      `### ${result.scenario}`,
      "",
      `${result.description}.`,
      "",
      `- Command: \`${result.command}\``,
      result.server.startsWith("already")
        ? `- Server: ${result.server}`
        : `- Server, a fresh one per run: \`${result.server}\``,
      "",
      scenarioTable(result),
      "",
    );
    if (result.scenario === "soak") {
      const series = result.runs.map((run, i) =>
        `run ${i + 1}: ` +
        (run.series ?? []).map((p) => `${p.seconds} s ${p.rssMiB.toFixed(1)}`).join(", ")
      );
      lines.push("Server RSS (MiB) every 10 s:", "", ...series.map((s) => `- ${s}`), "");
    }
    for (const note of result.notes) lines.push(`- ${note}`);
    if (result.notes.length > 0) lines.push("");
  }
  lines.push(`<!-- /bench:${heading} -->`);
  return lines.join("\n");
}

/** Title and explanation at the top of a new bench/RESULTS.md. */
const PREAMBLE = `# Benchmark results

Figures from \`deno task bench\` (bench/main.ts); \`deno task bench --help\` explains every flag.
Each section below is generated from a results file with
\`deno run -A bench/results.ts --from FILE --heading HEADING\`.
`;

/**
 * Puts `section` into the Markdown `text` of RESULTS.md: in place of the
 * section with the same heading, or at the end.
 */
export function replaceSection(text: string, heading: string, section: string): string {
  const start = text.indexOf(`<!-- bench:${heading} -->`);
  const endMarker = `<!-- /bench:${heading} -->`;
  const end = text.indexOf(endMarker);
  const base = text.trim() === "" ? PREAMBLE : text;
  if (start === -1 || end === -1) return `${base.trimEnd()}\n\n${section}\n`;
  return text.slice(0, start) + section + text.slice(end + endMarker.length);
}

/** Reads the results file, or an empty one. */
export function readBenchFile(path: string): BenchFile | undefined {
  try {
    return JSON.parse(Deno.readTextFileSync(path)) as BenchFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}
