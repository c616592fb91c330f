/**
 * What one `/search` costs the server, and what a connection sending hostile
 * searches does to everyone else. Search runs on the event loop, so its time
 * is time nobody else is served (bench/RESULTS.md, "Search").
 *
 * ```sh
 * deno run --allow-all bench/run_search.ts [--messages 20000,200000] [--memory 1000]
 *   [--crafted 20000] [--runs 5]
 * deno run --allow-all bench/run_search.ts --latency [--messages 20000] [--seconds 10]
 * ```
 *
 * The first form fills a SQLite history with `--messages` chat messages
 * (words of this repository's documents, common ones more often, 90 % in
 * #lobby) and an in-memory one with `--memory` messages of 4 KB, then times
 * `/search` through the hub, as a `say` frame would bring it: honest queries
 * and the hostile ones of issue 11. It also fills a history with `--crafted`
 * messages of 100 new words each that share their start, the costliest
 * content for a prefix search. Each figure is the slowest of `--runs`.
 *
 * The second form starts `chat serve` as a child process on such a history,
 * with the default rate limit, lets two honest clients talk (one message every
 * 100 ms) while a third sends 16 KB searches as fast as the server reads them
 * for `--seconds`, and reports how late the honest messages arrived.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { DatabaseSync } from "node:sqlite";
import type { ServerFrame } from "../protocol.ts";
import { Hub } from "../server/hub.ts";
import type { HistoryStore } from "../server/history/store.ts";
import { MemoryHistory } from "../server/history/memory.ts";
import type { FrameSource, Session } from "../server/session.ts";
import { SqliteHistory } from "../server/history/sqlite.ts";
import { serveChat } from "./processes.ts";
import { median, percentile } from "./stats.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** A deterministic generator of numbers in [0, 1). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The words of this repository's documents, most frequent first. */
function vocabulary(): string[] {
  const counts = new Map<string, number>();
  for (const file of ["README.md", "docs/PROTOCOL.md"]) {
    const text = Deno.readTextFileSync(`${ROOT}/${file}`).toLowerCase();
    for (const word of text.match(/[a-z]+/g) ?? []) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([word]) => word);
}

/** Makes chat-like texts: words by a Zipf-like rank, a few numbers among them. */
function texts(words: string[], seed: number): (minBytes: number, maxWords: number) => string {
  const next = random(seed);
  const word = () =>
    next() < 0.03
      ? String(Math.floor(next() * 100_000))
      : words[Math.min(words.length - 1, Math.floor(words.length * next() ** 3))]!;
  return (minBytes, maxWords) => {
    const count = 1 + Math.floor(next() * maxWords);
    const parts: string[] = [];
    let length = 0;
    while (parts.length < count || length < minBytes) {
      const w = word();
      parts.push(w);
      length += w.length + 1;
    }
    return parts.join(" ").slice(0, Math.max(minBytes, length));
  };
}

/** Fills a new SQLite history at `path` with `count` messages, in one transaction. */
function fillSqlite(path: string, count: number, words: string[]): void {
  SqliteHistory.open(path).close(); // creates the schema as the server would
  const db = new DatabaseSync(path);
  try {
    const text = texts(words, 1);
    const room = random(2);
    const insert = db.prepare(
      "INSERT INTO messages (id, ts, room, sender, text, action) VALUES (?, ?, ?, ?, ?, 0)",
    );
    db.exec("BEGIN");
    for (let id = 1; id <= count; id++) {
      const r = room();
      insert.run(
        id,
        1_767_225_600_000 + id,
        r < 0.9 ? "#lobby" : r < 0.95 ? "#dev" : "#ops",
        "ann",
        text(0, 25),
      );
    }
    db.exec("COMMIT");
  } finally {
    db.close();
  }
}

/** The queries timed: honest ones, the worst an honest-looking user can type, and issue 11's. */
function queries(words: string[]): [name: string, query: string, room?: string][] {
  const long = words.filter((word) => word.length >= 5);
  const prefixes = [...new Set(words.filter((word) => word.length >= 4).map((w) => w.slice(0, 3)))];
  let chain = "";
  for (let i = 0; chain.length + words[i % words.length]!.length + 4 <= 16_000; i++) {
    chain += (chain === "" ? "" : " OR ") + words[i % words.length];
  }
  const letters = Array.from({ length: 8000 }, (_, i) => String.fromCharCode(97 + i % 26));
  return [
    ["one common word", words[0]!],
    ["one rare word", words.at(-1)!],
    ["two common words", `${long[0]} ${long[1]}`],
    ["a prefix", long[0]!.slice(0, 3)],
    ["no match", "zebra"],
    ["8 common 3-letter prefixes", prefixes.slice(0, 8).join(" ")],
    ["8 short words", "a i to is it of in on"],
    ["8 common words, no message has all", long.slice(0, 8).join(" ")],
    ["common words, in a small room", words.slice(0, 3).join(" "), "#ops"],
    ["common words, in an empty room", words.slice(0, 3).join(" "), "#empty"],
    [`OR chain, ${chain.length} chars`, chain],
    ["8,000 one-letter words", letters.join(" ")],
  ];
}

/** A session that keeps what the hub sends it; each from its own address. */
class Recorder implements Session {
  static #made = 0;
  readonly address = `10.${(Recorder.#made >> 16) & 255}.${(Recorder.#made >> 8) & 255}.${
    Recorder.#made++ & 255
  }`;
  readonly remote = `${this.address}:1`;
  readonly frames: ServerFrame[] = [];
  #answered: (() => void) | undefined;
  send(frame: ServerFrame): void {
    this.frames.push(frame);
    if (frame.type === "info" || frame.type === "error") this.#answered?.();
  }
  /** Reads a stream at once, as a peer that reads everything would. */
  stream(source: FrameSource): void {
    for (let page = source.next(); page !== undefined; page = source.next()) {
      this.frames.push(...page);
    }
  }
  /** Settles at the next `info` or `error`: the answer to what was asked. */
  answer(): Promise<void> {
    return new Promise((resolve) => this.#answered = resolve);
  }
  close(): void {}
}

/**
 * Times each step a store takes to get ready for a search: the store's
 * {@linkcode HistoryStore.prepareSearch}, wrapped. `longest` is the longest
 * step since it was last set to 0.
 */
function watchSteps(store: HistoryStore): { longest: number } {
  const watch = { longest: 0 };
  const prepare = store.prepareSearch?.bind(store);
  if (prepare === undefined) return watch;
  store.prepareSearch = (room) => {
    const start = performance.now();
    try {
      return prepare(room);
    } finally {
      watch.longest = Math.max(watch.longest, performance.now() - start);
    }
  };
  return watch;
}

/** What searching `query` cost: the longest the event loop was held, and the time to the answer. */
interface Timed {
  held: number;
  answered: number;
  reply: string;
}

/**
 * Times one `/search` through the hub, from a fresh connection each run: the
 * longest the event loop was held at a time (the frame's handling, or a step
 * of the store getting ready), the slowest of the runs, and when the answer
 * took longer than that, the time to it.
 */
async function timeSearch(
  hub: Hub,
  steps: { longest: number },
  query: string,
  room: string,
  runs: number,
): Promise<Timed> {
  const timed: Timed = { held: 0, answered: 0, reply: "" };
  let spent = 0;
  // Stop repeating a query once it has taken 2 s in all: the old code takes minutes.
  for (let run = 0; run < runs && spent < 2_000; run++) {
    const session = new Recorder();
    hub.open(session);
    hub.receive(session, { type: "hello", version: 1, name: `bench${run}`, room });
    const mark = session.frames.length;
    const answer = session.answer();
    steps.longest = 0;
    const start = performance.now();
    hub.receive(session, { type: "say", text: `/search ${query}` });
    const handled = performance.now() - start;
    await answer;
    const answered = performance.now() - start;
    timed.held = Math.max(timed.held, handled, steps.longest);
    timed.answered = Math.max(timed.answered, answered);
    spent += answered;
    const first = session.frames[mark];
    const found = session.frames.length - mark - 1;
    timed.reply = first?.type === "info"
      ? `${found} found: ${first.text.slice(0, 90)}`
      : first?.type === "error"
      ? `error ${first.code}: ${first.message.slice(0, 90)}`
      : "no reply";
    hub.close(session);
  }
  return timed;
}

/** One line of the table: the query's name, the longest hold, what came back. */
function row(name: string, { held, answered, reply }: Timed): string {
  // An answer that came in steps says when it came; the hold is what others waited.
  const after = answered > held * 1.5 + 1 ? ` (answered after ${answered.toFixed(1)} ms)` : "";
  return `  ${name.padEnd(36)} ${held.toFixed(1).padStart(9)} ms   ${reply}${after}`;
}

async function report(
  title: string,
  hub: Hub,
  steps: { longest: number },
  words: string[],
  runs: number,
): Promise<void> {
  console.log(`\n${title}`);
  for (const [name, query, room = "#lobby"] of queries(words)) {
    console.log(row(name, await timeSearch(hub, steps, query, room, runs)));
  }
}

async function storeBench(
  sizes: number[],
  memory: number,
  crafted: number,
  runs: number,
): Promise<void> {
  const words = vocabulary();
  console.log(`vocabulary: ${words.length} words; slowest of ${runs} runs per query`);
  const dir = await Deno.makeTempDir({ prefix: "chat_search_bench_" });
  try {
    for (const size of sizes) {
      const path = `${dir}/history-${size}.db`;
      const start = performance.now();
      fillSqlite(path, size, words);
      const filled = ((performance.now() - start) / 1000).toFixed(1);
      using store = SqliteHistory.open(path);
      const steps = watchSteps(store);
      using hub = new Hub({ history: store });
      await report(`SQLite, ${size} messages (filled in ${filled} s)`, hub, steps, words, runs);
    }
    if (crafted > 0) {
      // Every message holds 100 words never seen before, all starting with "aaa".
      const path = `${dir}/crafted-${crafted}.db`;
      SqliteHistory.open(path).close();
      const db = new DatabaseSync(path);
      try {
        const insert = db.prepare(
          "INSERT INTO messages (id, ts, room, sender, text, action) VALUES (?, ?, '#lobby', 'eve', ?, 0)",
        );
        db.exec("BEGIN");
        let word = 0;
        for (let id = 1; id <= crafted; id++) {
          const text = Array.from({ length: 100 }, () => `aaa${(word++).toString(36)}`).join(" ");
          insert.run(id, 1_767_225_600_000 + id, text);
        }
        db.exec("COMMIT");
      } finally {
        db.close();
      }
      using store = SqliteHistory.open(path);
      const steps = watchSteps(store);
      using hub = new Hub({ history: store });
      console.log(`\nSQLite, ${crafted} crafted messages of 100 new words starting with "aaa"`);
      for (const query of ["aaa", "aaa1", "aaa1a", "zzz"]) {
        console.log(row(query, await timeSearch(hub, steps, query, "#lobby", runs)));
      }
    }
    if (memory > 0) {
      const store: HistoryStore = new MemoryHistory(memory);
      const text = texts(words, 3);
      for (let id = 1; id <= memory; id++) {
        store.append({
          type: "message",
          id,
          ts: 1_767_225_600_000 + id,
          room: "#lobby",
          from: "ann",
          text: text(3_990, 1),
        });
      }
      const steps = watchSteps(store);
      using hub = new Hub({ history: store });
      await report(`memory, ${memory} messages of 4 KB`, hub, steps, words, runs);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A JSON-lines client that answers heartbeats and hands every other frame to `onFrame`. */
async function client(
  port: number,
  name: string,
  onFrame: (frame: ServerFrame) => void,
  room = "#lobby",
): Promise<{ conn: Deno.TcpConn; write: (text: string) => Promise<void>; closed: Promise<void> }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const encoder = new TextEncoder();
  const write = async (text: string) => {
    let bytes = encoder.encode(text);
    while (bytes.length > 0) bytes = bytes.subarray(await conn.write(bytes));
  };
  const closed = (async () => {
    let buffered = "";
    try {
      for await (const chunk of conn.readable.pipeThrough(new TextDecoderStream())) {
        buffered += chunk;
        let end;
        while ((end = buffered.indexOf("\n")) !== -1) {
          const line = buffered.slice(0, end);
          buffered = buffered.slice(end + 1);
          if (!line.startsWith("{")) continue;
          const frame = JSON.parse(line) as ServerFrame;
          if (frame.type === "ping") {
            write(JSON.stringify({ type: "pong", token: frame.token }) + "\n").catch(() => {});
          } else onFrame(frame);
        }
      }
    } catch {
      // Reset by the server.
    }
  })();
  await write(JSON.stringify({ type: "hello", version: 1, name, room }) + "\n");
  return { conn, write, closed };
}

/** The hostile searches of the latency run: issue 11's, and the costliest the rule accepts. */
const ATTACKS = {
  none: "none: the third connection only listens",
  chain: "a 16 KB chain of words joined by OR, from #lobby",
  broad: "the 3 commonest words, from the quiet room #ops",
} as const;

async function latencyBench(
  size: number,
  seconds: number,
  attack: keyof typeof ATTACKS,
): Promise<void> {
  const words = vocabulary();
  const dir = await Deno.makeTempDir({ prefix: "chat_search_latency_" });
  fillSqlite(`${dir}/history.db`, size, words);
  const { server, port } = await serveChat(ROOT, ["--data-dir", dir]);
  try {
    const late: number[] = [];
    const sent = new Map<string, number>();
    const dropped: string[] = [];
    let welcomed = 0;
    const onHonest = (who: string) => (frame: ServerFrame) => {
      if (frame.type === "welcome") welcomed++;
      if (frame.type === "bye") dropped.push(`${who}: ${frame.reason}`);
      if (frame.type === "message" && who === "bob" && sent.has(frame.text)) {
        late.push(performance.now() - sent.get(frame.text)!);
      }
    };
    const ann = await client(port, "ann", onHonest("ann"));
    const bob = await client(port, "bob", onHonest("bob"));
    let answered = 0;
    const mallory = await client(port, "mallory", (frame) => {
      if (frame.type === "info" || frame.type === "error") answered++;
    }, attack === "broad" ? "#ops" : "#lobby");
    while (welcomed < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    const query = attack === "chain"
      ? queries(words).find(([name]) => name.startsWith("OR chain"))![1]
      : words.slice(0, 3).join(" ");
    const line = JSON.stringify({ type: "say", text: `/search ${query}` }) + "\n";
    const stop = performance.now() + seconds * 1000;
    let hostile = 0;
    const flood = (async () => {
      while (attack !== "none" && performance.now() < stop) {
        await mallory.write(line);
        hostile++;
      }
    })().catch(() => {});
    let seq = 0;
    while (performance.now() < stop) {
      const text = `honest ${++seq}`;
      sent.set(text, performance.now());
      await ann.write(JSON.stringify({ type: "say", text }) + "\n");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const deadline = performance.now() + 120_000;
    while (late.length < seq && dropped.length === 0 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    console.log(`\nlatency: SQLite, ${size} messages, default rate, ${seconds} s of searches`);
    console.log(`  hostile searches: ${ATTACKS[attack]}`);
    console.log(`  hostile searches written: ${hostile}, answered: ${answered}`);
    console.log(`  honest messages: ${seq} sent, ${late.length} delivered`);
    if (late.length > 0) {
      const p = (q: number) => percentile(late, q).toFixed(1);
      console.log(
        `  honest latency ms: median ${median(late).toFixed(1)}, p99 ${p(99)}, max ${p(100)}`,
      );
    }
    console.log(`  dropped: ${dropped.length === 0 ? "nobody" : dropped.join("; ")}`);
    for (const peer of [ann, bob, mallory]) {
      try {
        peer.conn.close();
      } catch {
        // Closed by the server.
      }
    }
    await flood;
    await Promise.all([ann.closed, bob.closed, mallory.closed]);
  } finally {
    try {
      server.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await server.status;
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      messages: { type: "string", default: "20000,200000" },
      memory: { type: "string", default: "1000" },
      crafted: { type: "string", default: "20000" },
      runs: { type: "string", default: "5" },
      latency: { type: "boolean", default: false },
      seconds: { type: "string", default: "10" },
      attack: { type: "string", default: "chain,broad" },
    },
  });
  const sizes = values.messages.split(",").map(Number);
  if (values.latency) {
    for (const attack of values.attack.split(",")) {
      if (!(attack in ATTACKS)) throw new TypeError(`Cannot run attack "${attack}"`);
      await latencyBench(sizes[0]!, Number(values.seconds), attack as keyof typeof ATTACKS);
    }
  } else {
    await storeBench(sizes, Number(values.memory), Number(values.crafted), Number(values.runs));
  }
}
