/**
 * What a burst of room messages costs the event loop with the history on
 * disk (SQLite, the default) and in memory (`--memory`): the hub is driven
 * directly, without sockets, as the server's transports drive it, so that
 * the figures are the hub's and the store's alone (bench/RESULTS.md,
 * "A burst with the history on disk").
 *
 * ```sh
 * deno run --allow-all bench/history_burst.ts [--senders 32] [--burst 40] [--rate 10]
 *   [--seconds 3] [--runs 5] [--dir DIR]
 * ```
 *
 * Each run makes a hub on a new history file in `--dir` (a new temporary
 * folder by default: put it on the disk the server would use), then on one in
 * memory. `--senders` people, each alone in a room of their own, send
 * `--burst` short messages at once, each sender's on a turn of the event loop
 * of its own as a connection's data comes, then `--rate` a second each for
 * `--seconds`: what the server's default limits let one address do. Someone
 * in #lobby pings every 20 ms meanwhile. Reported, as medians of `--runs`:
 * the time spent in the store's writes per message; the longest one write
 * held the event loop; how long the burst took from its first frame to the
 * last message back at its sender; and the longest a ping waited for its
 * pong, from when it was due.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { ClientFrame, ServerFrame } from "../protocol.ts";
import { Hub } from "../server/hub.ts";
import type { HistoryStore } from "../server/history/store.ts";
import { MemoryHistory } from "../server/history/memory.ts";
import { SqliteHistory } from "../server/history/sqlite.ts";
import type { FrameSource, Session } from "../server/session.ts";
import { median } from "./stats.ts";

/** How often the #lobby client pings, in ms. */
const PING_EVERY_MS = 20;

/** A session that counts what the hub sends it; each from an address of its own. */
class Recorder implements Session {
  static #made = 0;
  readonly address = `10.0.${(Recorder.#made >> 8) & 255}.${Recorder.#made++ & 255}`;
  readonly remote = `${this.address}:1`;
  /** Called with each frame sent. */
  onSend: ((frame: ServerFrame) => void) | undefined;
  send(frame: ServerFrame): void {
    this.onSend?.(frame);
  }
  stream(source: FrameSource): void {
    for (let page = source.next(); page !== undefined; page = source.next()) {
      for (const frame of page) this.send(frame);
    }
  }
  close(): void {}
}

/** Time spent in a store's writes, wrapped: in all and the longest, the writes and their messages. */
interface Writes {
  total: number;
  longest: number;
  calls: number;
  messages: number;
}

/** Wraps the writes of `store` (one message, or several at once when it has that) to time them. */
function timeWrites(store: HistoryStore): Writes {
  const writes: Writes = { total: 0, longest: 0, calls: 0, messages: 0 };
  const timed =
    <A extends unknown[]>(write: (...args: A) => void, count: (...args: A) => number) =>
    (...args: A): void => {
      const start = performance.now();
      try {
        write(...args);
      } finally {
        const took = performance.now() - start;
        writes.total += took;
        writes.longest = Math.max(writes.longest, took);
        writes.calls++;
        writes.messages += count(...args);
      }
    };
  store.append = timed(store.append.bind(store), (_message) => 1);
  // Present once the store groups its writes; absent before.
  const grouped = store as { appendAll?: (messages: readonly unknown[]) => void };
  if (grouped.appendAll !== undefined) {
    grouped.appendAll = timed(grouped.appendAll.bind(store), (messages) => messages.length);
  }
  return writes;
}

/** One run's figures, in ms. */
interface Figures {
  /** Store time per message of the burst. */
  burstPerMessage: number;
  /** From the burst's first frame to its last message back at its sender. */
  burst: number;
  /** Store time per message once the senders go at the rate. */
  pacedPerMessage: number;
  /** Messages per write once the senders go at the rate. */
  pacedGroup: number;
  longestWrite: number;
  longestPong: number;
  messages: number;
}

/** Enters `name` into `room` on a new session of `hub`. */
function arrive(hub: Hub, name: string, room: string): Recorder {
  const session = new Recorder();
  hub.open(session);
  hub.receive(session, { type: "hello", version: 2, name, rooms: [{ room }] });
  return session;
}

/** Runs the burst once on `store` and measures it. */
async function run(
  store: HistoryStore,
  options: { senders: number; burst: number; rate: number; seconds: number },
): Promise<Figures> {
  const writes = timeWrites(store);
  const hub = new Hub({ history: store });
  const pinger = arrive(hub, "pinger", "#lobby");
  const senders = Array.from(
    { length: options.senders },
    (_, i) => arrive(hub, `sender${i}`, `#room${i}`),
  );
  const later = Math.floor(options.rate * options.seconds);
  const expected = options.senders * (options.burst + later);
  let received = 0;
  let burstLeft = options.senders * options.burst;
  let burstEnd = 0;
  let atBurstEnd: Writes | undefined;
  const allBack = Promise.withResolvers<void>();
  for (const session of senders) {
    session.onSend = (frame) => {
      if (frame.type !== "message" || frame.replay) return;
      received++;
      if (--burstLeft === 0) {
        burstEnd = performance.now();
        atBurstEnd = { ...writes };
      }
      if (received === expected) allBack.resolve();
    };
  }
  // The pinger: each ping on time, its pong timed from when it was due.
  let longestPong = 0;
  let due = performance.now() + PING_EVERY_MS;
  let pingAt = due;
  pinger.onSend = (frame) => {
    if (frame.type === "pong") longestPong = Math.max(longestPong, performance.now() - pingAt);
  };
  let pinging = true;
  const ping = () => {
    if (!pinging) return;
    pingAt = due;
    hub.receive(pinger, { type: "ping", token: "t" });
    due += PING_EVERY_MS;
    timer = setTimeout(ping, Math.max(0, due - performance.now()));
  };
  let timer = setTimeout(ping, PING_EVERY_MS);
  const say = (session: Recorder, text: string) =>
    hub.receive(session, { type: "say", text } satisfies ClientFrame);
  const start = performance.now();
  // The burst: each connection's frames on a turn of their own, as its data comes.
  for (const [i, session] of senders.entries()) {
    setTimeout(() => {
      for (let n = 0; n < options.burst; n++) say(session, `burst ${i}.${n}: on my way`);
    }, 0);
  }
  // Then each sends at the rate, spread over the interval.
  const timers: ReturnType<typeof setTimeout>[] = [];
  for (const [i, session] of senders.entries()) {
    for (let n = 0; n < later; n++) {
      const at = (n + 1 + i / options.senders) * (1000 / options.rate);
      timers.push(setTimeout(() => say(session, `later ${i}.${n}: still here`), at));
    }
  }
  const deadline = setTimeout(
    () => allBack.reject(new Error(`${received} of ${expected} messages came back`)),
    options.seconds * 1000 + 60_000,
  );
  try {
    await allBack.promise;
  } finally {
    clearTimeout(deadline);
    for (const each of timers) clearTimeout(each);
    pinging = false;
    clearTimeout(timer);
    hub.shutdown();
  }
  const burst = atBurstEnd!;
  const paced = { total: writes.total - burst.total, messages: writes.messages - burst.messages };
  return {
    burstPerMessage: burst.total / burst.messages,
    burst: burstEnd - start,
    pacedPerMessage: paced.total / paced.messages,
    pacedGroup: paced.messages / (writes.calls - burst.calls),
    longestWrite: writes.longest,
    longestPong,
    messages: expected,
  };
}

/** `value` with `digits` decimals. */
function ms(value: number, digits = 1): string {
  return value.toFixed(digits);
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      senders: { type: "string", default: "32" },
      burst: { type: "string", default: "40" },
      rate: { type: "string", default: "10" },
      seconds: { type: "string", default: "3" },
      runs: { type: "string", default: "5" },
      dir: { type: "string" },
    },
  });
  const options = {
    senders: Number(values.senders),
    burst: Number(values.burst),
    rate: Number(values.rate),
    seconds: Number(values.seconds),
  };
  const runs = Number(values.runs);
  const results: Record<"disk" | "memory", Figures[]> = { disk: [], memory: [] };
  for (let i = 1; i <= runs; i++) {
    const dir = await Deno.makeTempDir({
      prefix: "chat_history_burst_",
      ...values.dir === undefined ? {} : { dir: values.dir },
    });
    try {
      const store = SqliteHistory.open(`${dir}/history.db`);
      try {
        results.disk.push(await run(store, options));
      } finally {
        store.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
    // As `--memory` keeps it.
    results.memory.push(await run(new MemoryHistory(1000), options));
    for (const kind of ["disk", "memory"] as const) {
      const last = results[kind].at(-1)!;
      console.log(
        `run ${i} ${kind}: ${last.messages} messages; burst ${ms(last.burst, 0)} ms, ` +
          `${ms(last.burstPerMessage * 1000, 0)} µs written per message; then ` +
          `${ms(last.pacedPerMessage * 1000, 0)} µs per message, ${
            ms(last.pacedGroup)
          } per write; ` +
          `longest write ${ms(last.longestWrite)} ms, longest pong ${ms(last.longestPong)} ms`,
      );
    }
  }
  console.log(`\nMedians of ${runs} runs:\n`);
  console.log(
    "| history | burst | µs written per message | then: µs per message | messages per write " +
      "| longest write | longest pong |",
  );
  console.log(
    "| ------- | ----: | ---------------------: | -------------------: | -----------------: " +
      "| ------------: | -----------: |",
  );
  for (const kind of ["disk", "memory"] as const) {
    const of = (pick: (figures: Figures) => number) => median(results[kind].map(pick));
    console.log(
      `| ${kind} | ${ms(of((f) => f.burst), 0)} ms | ${
        ms(of((f) => f.burstPerMessage) * 1000, 0)
      } | ${ms(of((f) => f.pacedPerMessage) * 1000, 0)} | ${ms(of((f) => f.pacedGroup))} | ${
        ms(of((f) => f.longestWrite))
      } ms | ${ms(of((f) => f.longestPong))} ms |`,
    );
  }
}
