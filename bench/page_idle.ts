/**
 * What the web page costs while nobody does anything: Chromium's CPU, in
 * share of one core, while a page sits on the name screen and once it has
 * joined, beside a blank page. A page left open on a phone or a laptop spends
 * that on battery (bench/RESULTS.md).
 *
 * ```sh
 * deno run --allow-all --lock=tests/deno.lock bench/page_idle.ts [--seconds 10] [--runs 3]
 * ```
 *
 * Each run starts a chat server with its page in this process, opens the
 * page in headless Chromium (as the browser tests do), waits two seconds
 * for it to settle, then counts the CPU time of every Chromium process this
 * process started, over `--seconds`. Linux only: it reads /proc.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { ChatBrowser, joinAs, startWebServer, webUrl } from "../tests/e2e/_browser.ts";
import { CLOCK_TICKS_PER_SECOND } from "./proc.ts";
import { median } from "./stats.ts";

/** The states a page is measured in. */
const STATES = {
  blank: "a blank page (Chromium's own floor)",
  name: "the page on its name screen",
  joined: "the page joined, in #lobby",
} as const;

type State = keyof typeof STATES;

/** The parent of each process, by process id. */
function parents(): Map<number, number> {
  const found = new Map<number, number>();
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      found.set(Number(entry.name), Number(fields[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/** CPU seconds used so far by the processes this one started, and theirs. */
function descendantsCpu(): number {
  const parentOf = parents();
  let ticks = 0;
  for (const pid of parentOf.keys()) {
    let up = parentOf.get(pid);
    while (up !== undefined && up > 1 && up !== Deno.pid) up = parentOf.get(up);
    if (up !== Deno.pid) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Gone meanwhile.
    }
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One measurement: Chromium's share of a core over `seconds` with a page in `state`. */
async function measure(state: State, seconds: number): Promise<number> {
  await using server = await startWebServer();
  await using browser = await ChatBrowser.launch();
  const page = await browser.open(webUrl(server));
  if (state === "blank") await page.goto("about:blank");
  if (state === "joined") await joinAs(page, "ann");
  await wait(2000);
  const before = descendantsCpu();
  const started = performance.now();
  await wait(seconds * 1000);
  return (descendantsCpu() - before) / ((performance.now() - started) / 1000);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      seconds: { type: "string", default: "10" },
      runs: { type: "string", default: "3" },
    },
  });
  const seconds = Number(values.seconds);
  const runs = Number(values.runs);
  if (!(seconds > 0) || !Number.isInteger(runs) || runs < 1) {
    console.error("page_idle: --seconds must be positive and --runs a positive integer");
    Deno.exit(2);
  }
  const shares = new Map<State, number[]>();
  // The states take turns, so that the machine's drift falls on each of them.
  for (let run = 0; run < runs; run++) {
    for (const state of Object.keys(STATES) as State[]) {
      shares.set(state, [...shares.get(state) ?? [], await measure(state, seconds)]);
    }
  }
  console.log(`Chromium's CPU over ${seconds} s with nothing done, median of ${runs}\n`);
  console.log("| page | % of a core | runs |\n| --- | ---: | --- |");
  for (const [state, description] of Object.entries(STATES) as [State, string][]) {
    const figures = shares.get(state)!.map((share) => share * 100);
    const each = figures.map((figure) => figure.toFixed(1)).join(", ");
    console.log(`| ${description} | ${median(figures).toFixed(1)} | ${each} |`);
  }
}
