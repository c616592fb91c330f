/**
 * What it costs the side-by-side harness's load generator to read one
 * delivered message, by protocol: its `ndjson` adapter reading the chat
 * server's `message` frames, and its `irc` adapter reading the PRIVMSG lines
 * of the C IRC servers. In the harness one generator reads every delivery of
 * every server on one core, so this cost is part of each server's latency.
 *
 * ```sh
 * deno run --allow-all bench/adapter_cost.ts --harness DIR [--rounds 5]
 * ```
 *
 * Each adapter is fed chunks of 1 and of 8 lines, as a socket read hands
 * them over, in a Node process: the generator runs on Node, whose `Buffer`
 * and JSON parser are not Deno's. The JSON lines are the server's own encoding
 * of a `message` frame as the hub makes it; the IRC lines are as ngIRCd and
 * InspIRCd send a channel message. Every line carries a marker as the
 * generator's do, and each delivery is scanned for it as the generator
 * scans, so the two protocols are charged the same for that part.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { MessageFrame } from "../protocol.ts";
import { encodeJson } from "../server/transports/outbox.ts";
import { median } from "./stats.ts";

/** Help for the command line. */
export const HELP = `Usage: deno run --allow-all bench/adapter_cost.ts --harness DIR [--rounds N]

Measures the microseconds the harness DIR's load generator spends reading one
delivered line: chat's JSON message frames through adapters/ndjson.mjs, an IRC
server's PRIVMSG lines through adapters/irc.mjs. The harness defaults to
$CHAT_PEERS_HARNESS; each figure is the median of N rounds (default 5).`;

/** The generator's marker, `|M<sender>,<seq>,<µs>,<checksum>|`. */
function marker(sender: number, seq: number): string {
  const sent = 1_250_000 + seq * 500;
  return `|M${sender},${seq},${sent},${(sender * 7919 + seq * 104729 + sent) % 9973}|`;
}

/** The chat server's line for message `seq`, as its hub numbers and stamps one. */
function jsonLine(seq: number): string {
  const ts = Date.UTC(2026, 11, 6, 12);
  const frame: MessageFrame = {
    type: "message",
    id: ts * 1000 + seq,
    ts,
    room: "#bench",
    from: `n${seq % 10}`,
    text: marker(seq % 10, seq),
  };
  return decoder.decode(encodeJson(frame));
}

/** An IRC server's line for message `seq` to a channel. */
function ircLine(seq: number): string {
  return `:u${seq % 10}!b${seq % 10}@127.0.0.1 PRIVMSG #bench :${marker(seq % 10, seq)}\r\n`;
}

const decoder = new TextDecoder();

/**
 * The measurement, run by Node as the generator is: reads on stdin the
 * harness folder, the rounds and each adapter's chunks; prints one JSON
 * line per adapter and chunk size with the microseconds per line of each
 * round. Each delivery is scanned for markers as the generator scans, and
 * a round in which an adapter did not deliver every line is an error.
 */
const MEASURE = `
import { pathToFileURL } from "node:url";
let input = "";
for await (const part of process.stdin) input += part;
const { harness, rounds, cases } = JSON.parse(input);
const MARKER = /\\|M(\\d{1,7}),(\\d{1,8}),(\\d{1,13}),(\\d{1,4})\\|/g;
let seen = 0;
const scan = (text) => {
  MARKER.lastIndex = 0;
  while (MARKER.exec(text) !== null) seen++;
};
const round = (adapter, fed, lines, passes) => {
  const client = adapter.createClient({
    index: 1, channel: "#bench", counters: {}, socket: { write: () => true },
    deliver: scan, note: () => {}, probeOk: () => {},
  });
  if (client.state !== undefined) client.state = "ready";
  const before = seen;
  const start = performance.now();
  for (let pass = 0; pass < passes; pass++) for (const chunk of fed) client.onData(chunk);
  const us = (performance.now() - start) * 1000 / (passes * lines);
  if (seen - before !== passes * lines) {
    throw new Error(adapter.name + " did not deliver every line: " + (seen - before) + " of " + passes * lines);
  }
  return us;
};
for (const { adapter: name, perChunk, chunks } of cases) {
  const adapter = (await import(pathToFileURL(harness + "/adapters/" + name + ".mjs").href)).default;
  const fed = chunks.map((text) => Buffer.from(text, "latin1"));
  const passes = Math.ceil(400000 / (chunks.length * perChunk));
  round(adapter, fed, chunks.length * perChunk, passes);
  const runs = [];
  for (let r = 0; r < rounds; r++) runs.push(round(adapter, fed, chunks.length * perChunk, passes));
  console.log(JSON.stringify({ adapter: name, perChunk, runs }));
}
`;

/** One adapter's chunks: `count` reads of `perChunk` lines each. */
function chunks(line: (seq: number) => string, perChunk: number, count: number): string[] {
  return Array.from(
    { length: count },
    (_, c) => Array.from({ length: perChunk }, (_, i) => line(c * perChunk + i)).join(""),
  );
}

async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        harness: { type: "string" },
        rounds: { type: "string", default: "5" },
        help: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`adapter_cost: ${(error as Error).message}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const harness = values.harness ?? Deno.env.get("CHAT_PEERS_HARNESS");
  if (harness === undefined) {
    console.error("adapter_cost: give --harness DIR or set CHAT_PEERS_HARNESS");
    return 2;
  }
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) {
    console.error(`adapter_cost: cannot run "${values.rounds}" rounds: --rounds takes 1 to 50`);
    return 2;
  }
  const cases = [1, 8].flatMap((perChunk) => [
    { adapter: "ndjson", perChunk, chunks: chunks(jsonLine, perChunk, 1000) },
    { adapter: "irc", perChunk, chunks: chunks(ircLine, perChunk, 1000) },
  ]);
  const node = new Deno.Command("node", {
    args: ["--input-type=module", "-e", MEASURE],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = node.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify({ harness, rounds, cases })));
  await writer.close();
  const { success, stdout } = await node.output();
  if (!success) {
    console.error("adapter_cost: the measurement failed under node");
    return 1;
  }
  const bytes: Record<string, number> = { ndjson: jsonLine(0).length, irc: ircLine(0).length };
  console.log("| adapter | lines per read | bytes per line | µs per line | rounds |");
  console.log("| --- | ---: | ---: | ---: | --- |");
  for (const line of decoder.decode(stdout).trim().split("\n")) {
    const { adapter, perChunk, runs } = JSON.parse(line) as {
      adapter: string;
      perChunk: number;
      runs: number[];
    };
    const each = runs.map((us) => us.toFixed(3)).join(", ");
    console.log(
      `| ${adapter} | ${perChunk} | ${bytes[adapter]} | ${median(runs).toFixed(3)} | ${each} |`,
    );
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
