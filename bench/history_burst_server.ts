/**
 * The burst of bench/history_burst.ts through a real `chat serve`, with its
 * default limits, the history on disk and then in memory: what other rooms
 * wait while one address sends all it may (bench/RESULTS.md, "A burst with
 * the history on disk").
 *
 * ```sh
 * deno run --allow-all bench/history_burst_server.ts [--senders 32] [--seconds 3] [--runs 5]
 *   [--dir DIR]
 * ```
 *
 * Each run starts the server on a new history file in `--dir` (a new
 * temporary folder by default), then with `--memory`. `--senders`
 * connections, each alone in a room of its own, send 40 short messages at
 * once (the default burst), then 10 a second each for `--seconds`: all that
 * one address may send, from its 32 connections. In #lobby meanwhile (from
 * connections the server takes beyond those 32, as from other machines)
 * `ann` says something every 100 ms, and `bob`, `carol` and `dave` ping in
 * turn, each every 100 ms: all within the rate. Reported, as medians of
 * `--runs`: the longest a message of `ann`'s took to reach `bob`, and the
 * longest a ping waited for its `pong`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { ClientFrame, ServerFrame } from "../protocol.ts";
import { kill, serveChat } from "./processes.ts";
import { median } from "./stats.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** Messages a connection may send at once with the default `--rate` of 10. */
const BURST = 40;
/** The default `--rate`. */
const RATE = 10;

/** A JSON-lines client that answers heartbeats and hands every other frame to `onFrame`. */
class Client {
  readonly #conn: Deno.TcpConn;
  readonly closed: Promise<void>;
  readonly #encoder = new TextEncoder();

  private constructor(conn: Deno.TcpConn, onFrame: (frame: ServerFrame) => void) {
    this.#conn = conn;
    this.closed = (async () => {
      let buffered = "";
      try {
        for await (const chunk of conn.readable.pipeThrough(new TextDecoderStream())) {
          buffered += chunk;
          for (let end; (end = buffered.indexOf("\n")) !== -1;) {
            const line = buffered.slice(0, end);
            buffered = buffered.slice(end + 1);
            if (!line.startsWith("{")) continue;
            const frame = JSON.parse(line) as ServerFrame;
            if (frame.type === "ping") this.send({ type: "pong", token: frame.token ?? "" });
            else onFrame(frame);
          }
        }
      } catch {
        // Closed here, or reset by the server.
      }
    })();
  }

  /** Connects to `port` and says hello as `name` in `room`; resolves once welcomed. */
  static async join(
    port: number,
    name: string,
    room: string,
    onFrame: (frame: ServerFrame) => void = () => {},
  ): Promise<Client> {
    const welcomed = Promise.withResolvers<void>();
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const client = new Client(conn, (frame) => {
      if (frame.type === "welcome") welcomed.resolve();
      onFrame(frame);
    });
    client.send({ type: "hello", version: 1, name, room });
    await welcomed.promise;
    return client;
  }

  /** Writes `frames` at once, not waiting for the socket to take them. */
  send(...frames: ClientFrame[]): void {
    const text = frames.map((frame) => `${JSON.stringify(frame)}\n`).join("");
    this.#write(this.#encoder.encode(text)).catch(() => {});
  }

  async #write(bytes: Uint8Array): Promise<void> {
    while (bytes.length > 0) bytes = bytes.subarray(await this.#conn.write(bytes));
  }

  async close(): Promise<void> {
    try {
      this.#conn.close();
    } catch {
      // Closed by the server.
    }
    await this.closed;
  }
}

/** One run's figures, in ms. */
interface Figures {
  /** The longest a message of `ann`'s took to reach `bob` in #lobby. */
  lobby: number;
  /** The longest a ping waited for its `pong`. */
  pong: number;
}

/** The #lobby clients that ping in turn. */
const PINGERS = ["bob", "carol", "dave"];

/** Runs the burst once against the server at `port`. */
async function run(port: number, senders: number, seconds: number): Promise<Figures> {
  const figures: Figures = { lobby: 0, pong: 0 };
  const said = new Map<string, number>();
  const pinged = new Map<string, number>();
  const onPong = (frame: ServerFrame) => {
    if (frame.type === "pong" && pinged.has(frame.token ?? "")) {
      figures.pong = Math.max(figures.pong, performance.now() - pinged.get(frame.token!)!);
    }
  };
  const bob = await Client.join(port, "bob", "#lobby", (frame) => {
    if (frame.type === "message" && said.has(frame.text)) {
      figures.lobby = Math.max(figures.lobby, performance.now() - said.get(frame.text)!);
    } else onPong(frame);
  });
  const pingers = [bob];
  for (const name of PINGERS.slice(1)) {
    pingers.push(await Client.join(port, name, "#lobby", onPong));
  }
  const ann = await Client.join(port, "ann", "#lobby");
  const expected = senders * (BURST + RATE * seconds);
  let back = 0;
  const allBack = Promise.withResolvers<void>();
  const clients = [ann, ...pingers];
  const lobby = clients.length;
  try {
    for (let i = 0; i < senders; i++) {
      clients.push(
        await Client.join(port, `s${i}`, `#s${i}`, (frame) => {
          if (frame.type === "message" && frame.from === `s${i}` && ++back === expected) {
            allBack.resolve();
          }
        }),
      );
    }
    const timers: ReturnType<typeof setTimeout>[] = [];
    let n = 0;
    // A ping every 100 / 3 ms, by each pinger in turn; a message of ann's every 100 ms.
    timers.push(setInterval(() => {
      const token = `${++n}`;
      pinged.set(token, performance.now());
      pingers[n % pingers.length]!.send({ type: "ping", token });
    }, 100 / pingers.length));
    timers.push(setInterval(() => {
      const text = `ann ${++n}`;
      said.set(text, performance.now());
      ann.send({ type: "say", text });
    }, 100));
    // The burst once the lobby is under way.
    await new Promise((resolve) => timers.push(setTimeout(resolve, 150)));
    for (const [i, sender] of clients.slice(lobby).entries()) {
      sender.send(
        ...Array.from({ length: BURST }, (_, k) => ({ type: "say" as const, text: `${i} ${k}` })),
      );
      for (let k = 0; k < RATE * seconds; k++) {
        const at = (k + 1 + i / senders) * (1000 / RATE);
        timers.push(setTimeout(() => sender.send({ type: "say", text: `${i} later ${k}` }), at));
      }
    }
    const deadline = setTimeout(
      () => allBack.reject(new Error(`${back} of ${expected} messages came back`)),
      seconds * 1000 + 60_000,
    );
    try {
      await allBack.promise;
    } finally {
      clearTimeout(deadline);
      for (const timer of timers) clearTimeout(timer);
    }
    return figures;
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      senders: { type: "string", default: "32" },
      seconds: { type: "string", default: "3" },
      runs: { type: "string", default: "5" },
      dir: { type: "string" },
    },
  });
  const senders = Number(values.senders);
  const seconds = Number(values.seconds);
  const runs = Number(values.runs);
  const results: Record<"disk" | "memory", Figures[]> = { disk: [], memory: [] };
  for (let i = 1; i <= runs; i++) {
    const dir = await Deno.makeTempDir({
      prefix: "chat_history_burst_server_",
      ...values.dir === undefined ? {} : { dir: values.dir },
    });
    try {
      for (const kind of ["disk", "memory"] as const) {
        const { server, port } = await serveChat(ROOT, [
          ...kind === "disk" ? ["--data-dir", dir] : ["--memory"],
          "--max-per-ip",
          "40",
        ]);
        try {
          const figures = await run(port, senders, seconds);
          results[kind].push(figures);
          console.log(
            `run ${i} ${kind}: longest wait in #lobby ${figures.lobby.toFixed(0)} ms, ` +
              `for a pong ${figures.pong.toFixed(0)} ms`,
          );
        } finally {
          await kill(server);
        }
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
  console.log(`\nMedians of ${runs} runs:\n`);
  console.log("| history | longest wait in #lobby | longest wait for a pong |");
  console.log("| ------- | ---------------------: | ----------------------: |");
  for (const kind of ["disk", "memory"] as const) {
    const of = (pick: (figures: Figures) => number) => median(results[kind].map(pick)).toFixed(0);
    console.log(`| ${kind} | ${of((f) => f.lobby)} ms | ${of((f) => f.pong)} ms |`);
  }
}
