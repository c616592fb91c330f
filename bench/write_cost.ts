/**
 * What one socket write costs a Deno server, in user and system CPU, by the
 * way it writes: a `node:net` socket's `write` (what the chat server uses), a
 * `Deno.Conn`'s `write`, or the `node:net` socket's native handle written
 * directly, past the stream's bookkeeping (the runtime's private interface:
 * measured here, not used by the server). It tells how much of the server's
 * CPU per delivery is the runtime's and the kernel's rather than the chat
 * code's (bench/RESULTS.md, issue 17).
 *
 * ```sh
 * deno run --allow-all bench/write_cost.ts [--sockets 1000] [--rounds 100] [--size 1400] [--runs 3]
 * ```
 *
 * Each run starts a reader process pinned to CPU 0 that opens `--sockets`
 * connections to this process and reads all it is sent. This process, pinned
 * to CPU 1, then writes `--size` bytes to every socket, `--rounds` times, 4 ms
 * apart as the chat server's flushes, and divides its own CPU time, until
 * the last write is done, over the writes: a `Deno.Conn` write not awaited
 * is still to be made when its round ends. The two ways alternate run by
 * run, so the machine's drift falls on all.
 *
 * @module
 */

import net from "node:net";
import process from "node:process";
import { parseArgs } from "node:util";
import { kill, launch } from "./processes.ts";
import { median } from "./stats.ts";

const SELF = new URL(import.meta.url).pathname;

/** The ways of writing compared. */
const WAYS = {
  node: "node:net Socket.write",
  conn: "Deno.Conn.write",
  handle: "the socket's handle, written directly",
} as const;

type Way = keyof typeof WAYS;

/** CPU microseconds per write, split by where they were spent. */
interface Cost {
  user: number;
  system: number;
}

/** A socket of either kind that can be written to without waiting. */
interface Writer {
  /** Writes `bytes`, calling `done` once they are handed to the kernel. */
  write(bytes: Uint8Array, done: () => void): void;
  close(): void;
}

/**
 * The part of a `node:net` socket that writes: the runtime's native handle,
 * which Node.js and Deno keep private. Its `writeBuffer` either writes at once
 * or calls `oncomplete` later, and says which in a shared state array.
 */
interface NativeHandle {
  writeBuffer(request: { oncomplete(status: number): void }, bytes: Uint8Array): number;
}

/** Where a native handle's last write says whether it is still waiting (Node.js's layout). */
const LAST_WRITE_WAS_ASYNC = 3;

/** Writes through `socket`'s native handle, skipping the stream's bookkeeping. */
function handleWriter(socket: net.Socket): Writer["write"] {
  // deno-lint-ignore no-explicit-any
  const handle = (socket as any)._handle as NativeHandle;
  // deno-lint-ignore no-explicit-any
  const state = (process as any).binding("stream_wrap").streamBaseState as Int32Array;
  return (bytes, done) => {
    handle.writeBuffer({ oncomplete: done }, bytes);
    if (state[LAST_WRITE_WAS_ASYNC] === 0) done();
  };
}

/** Accepts `total` connections the given way, each read and discarded. */
function accept(way: Way, total: number): { port: Promise<number>; ready: Promise<Writer[]> } {
  const writers: Writer[] = [];
  const ready = Promise.withResolvers<Writer[]>();
  const add = (writer: Writer) => {
    writers.push(writer);
    if (writers.length === total) ready.resolve(writers);
  };
  if (way === "node" || way === "handle") {
    const server = net.createServer((socket) => {
      socket.setNoDelay(true);
      socket.on("data", () => {});
      socket.on("error", () => {});
      add({
        write: way === "node" ? (bytes, done) => socket.write(bytes, done) : handleWriter(socket),
        close: () => socket.destroy(),
      });
    });
    const port = new Promise<number>((resolve) =>
      server.listen({ host: "127.0.0.1", port: 0 }, () => {
        resolve((server.address() as net.AddressInfo).port);
      })
    );
    ready.promise.then(() => server.close());
    return { port, ready: ready.promise };
  }
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const conn of listener) {
      conn.setNoDelay(true);
      const buffer = new Uint8Array(256);
      (async () => {
        while ((await conn.read(buffer).catch(() => null)) !== null) {
          // The reader sends nothing.
        }
      })();
      add({
        write: (bytes, done) => void conn.write(bytes).then(done, done),
        close: () => conn.close(),
      });
      // Leaving the loop closes the listener.
      if (writers.length === total) break;
    }
  })();
  return { port: Promise.resolve(listener.addr.port), ready: ready.promise };
}

/** Runs as the reader: opens `total` connections to `port`, reads until killed. */
async function read(port: number, total: number): Promise<void> {
  const buffer = new Uint8Array(64 * 1024);
  for (let i = 0; i < total; i++) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    (async () => {
      while ((await conn.read(buffer).catch(() => null)) !== null) {
        // Discarded: only the writer's cost is measured.
      }
    })();
  }
  console.log("connected");
}

/** One measurement of `way`: this process's CPU per write while it writes. */
async function measure(way: Way, sockets: number, rounds: number, size: number): Promise<Cost> {
  const { port, ready } = accept(way, sockets);
  const reader = launch(
    [
      "deno",
      "run",
      "--allow-net=127.0.0.1",
      SELF,
      "--read",
      String(await port),
      "--sockets",
      String(sockets),
    ],
    { cwd: ".", cpus: "0" },
  );
  try {
    const writers = await ready;
    // Let the reader settle before counting.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const payload = new Uint8Array(size).fill(0x61);
    const writes = sockets * rounds;
    // Counted until the last write is done: a write still waiting costs what it costs later.
    let done = 0;
    const allDone = Promise.withResolvers<void>();
    const count = () => {
      if (++done === writes) allDone.resolve();
    };
    const before = process.cpuUsage();
    for (let round = 0; round < rounds; round++) {
      for (const writer of writers) writer.write(payload, count);
      await new Promise((resolve) => setTimeout(resolve, 4));
    }
    await allDone.promise;
    const spent = process.cpuUsage(before);
    for (const writer of writers) writer.close();
    return { user: spent.user / writes, system: spent.system / writes };
  } finally {
    await kill(reader);
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      sockets: { type: "string", default: "1000" },
      rounds: { type: "string", default: "100" },
      size: { type: "string", default: "1400" },
      runs: { type: "string", default: "3" },
      read: { type: "string" },
    },
  });
  const sockets = Number(values.sockets);
  const rounds = Number(values.rounds);
  const size = Number(values.size);
  const runs = Number(values.runs);
  if (![sockets, rounds, size, runs].every((value) => Number.isInteger(value) && value > 0)) {
    console.error("write_cost: --sockets, --rounds, --size and --runs must be positive integers");
    Deno.exit(2);
  }
  if (values.read !== undefined) await read(Number(values.read), sockets);
  else {
    const pinned = new Deno.Command("taskset", { args: ["-cp", "1", String(Deno.pid)] })
      .outputSync();
    if (!pinned.success) console.error("write_cost: could not pin to CPU 1; figures are unpinned");
    const costs = new Map<Way, Cost[]>(Object.keys(WAYS).map((way) => [way as Way, []]));
    for (let run = 0; run < runs; run++) {
      for (const way of Object.keys(WAYS) as Way[]) {
        costs.get(way)!.push(await measure(way, sockets, rounds, size));
      }
    }
    console.log(
      `CPU per write of ${size} bytes, ${sockets} sockets × ${rounds} rounds 4 ms apart, median of ${runs}\n`,
    );
    console.log("| way | user µs | system µs | total µs | totals, run by run |");
    console.log("| --- | ---: | ---: | ---: | --- |");
    for (const [way, description] of Object.entries(WAYS) as [Way, string][]) {
      const list = costs.get(way)!;
      const totals = list.map((cost) => cost.user + cost.system);
      console.log(
        `| ${description} | ${median(list.map((cost) => cost.user)).toFixed(2)} | ${
          median(list.map((cost) => cost.system)).toFixed(2)
        } | ${median(totals).toFixed(2)} | ${totals.map((total) => total.toFixed(2)).join(", ")} |`,
      );
    }
  }
}
