/**
 * What an idle TCP connection costs a Deno server before any chat state is
 * added: the server's RSS per connection when it only accepts, when each
 * connection waits in `Deno.Conn.read()`, and when it waits on a `node:net`
 * socket. It is why the chat server's TCP transport uses `node:net`
 * (bench/RESULTS.md).
 *
 * ```sh
 * deno run --allow-all bench/socket_floor.ts [--connections 10000] [--runs 3] [--settle-ms 2000]
 * ```
 *
 * Each run starts a server process with the `chat` task's V8 flags, opens
 * the connections from a second process, waits until the server has
 * accepted them all and two seconds more (`--settle-ms`), then reads the
 * server's VmRSS.
 * In the last mode each client says a line, as a chat client's `hello`, and
 * is answered with two, as its `welcome` and `room`: what a registered
 * connection costs a bare `node:net` server.
 *
 * @module
 */

import net from "node:net";
import { parseArgs } from "node:util";
import { chatTaskFlags, kill, launch } from "./processes.ts";
import { sampleProcess } from "./proc.ts";
import { median } from "./stats.ts";

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const SELF = new URL(import.meta.url).pathname;

/** The ways a server can hold an idle connection. */
const MODES = {
  accept: "Deno.listen, accepted and kept, nothing read",
  read: "Deno.listen, each connection waiting in conn.read() (256-byte buffer)",
  node: "node:net, each socket with a 'data' listener (flowing)",
  answered: "node:net, as above, each having sent a line and been answered with two",
} as const;

/** What each client says in `answered` mode, as long as a chat client's `hello`. */
const HELLO = new TextEncoder().encode('{"type":"hello","version":1,"name":"n1234"}\n');
/** What the server answers, as long as a chat server's `welcome` and `room`. */
const ANSWER = new TextEncoder().encode(
  '{"type":"welcome","version":1,"server":"lan","name":"n1234",' +
    '"resume":"1633390d-44a5-47fd-89ac-9ab89307e1fb","heartbeat":30}\n' +
    '{"type":"room","room":"#lobby","members":["n1234"],"count":1}\n',
);

type Mode = keyof typeof MODES;

/** Prints `accepted N` each time another thousand connections are in, and at the end. */
function report(count: number, total: number): void {
  if (count % 1000 === 0 || count === total) console.log(`accepted ${count}`);
}

/** Runs as the server: listens on loopback, prints the port, holds every connection. */
async function serve(mode: Mode, total: number): Promise<void> {
  const held: unknown[] = [];
  if (mode === "node" || mode === "answered") {
    let answered = 0;
    const server = net.createServer((socket) => {
      held.push(socket);
      socket.on("data", () => {});
      socket.on("error", () => {});
      if (mode === "node") return report(held.length, total);
      // Counted once answered, so the reading waits for every exchange.
      socket.once("data", () => {
        socket.write(ANSWER);
        report(++answered, total);
      });
    });
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      console.log(`port ${(server.address() as net.AddressInfo).port}`);
    });
    return;
  }
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  console.log(`port ${listener.addr.port}`);
  for await (const conn of listener) {
    held.push(conn);
    if (mode === "read") {
      const buffer = new Uint8Array(256);
      (async () => {
        while ((await conn.read(buffer).catch(() => null)) !== null) {
          // Idle peers send nothing.
        }
      })();
    }
    report(held.length, total);
  }
}

/**
 * Runs as the client: opens `total` connections to `port`, each saying
 * {@linkcode HELLO} if `hello`, then waits to be killed.
 */
async function connect(port: number, total: number, hello: boolean): Promise<void> {
  const conns: Deno.Conn[] = [];
  for (let i = 0; i < total; i++) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    if (hello) await conn.write(HELLO);
    conns.push(conn);
  }
  console.log(`connected ${conns.length}`);
  // A timer keeps the process alive until the kill: a bare pending promise would end it.
  setInterval(() => {}, 60_000);
}

/** Resolves with the first line of `lines` that `match` accepts. */
async function waitFor(
  lines: AsyncIterator<string>,
  match: (line: string) => boolean,
  what: string,
): Promise<string> {
  while (true) {
    const { value, done } = await lines.next();
    if (done) throw new Error(`The process ended before ${what}`);
    if (match(value)) return value;
  }
}

function linesOf(stream: ReadableStream<Uint8Array>): AsyncIterator<string> {
  return (async function* () {
    let pending = "";
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop()!;
      yield* lines;
    }
  })();
}

/** One measurement: KiB of server RSS per connection for `mode`. */
async function measure(
  mode: Mode,
  total: number,
  v8Flags: string[],
  settleMs: number,
): Promise<number> {
  const server = launch(
    [
      "deno",
      "run",
      ...v8Flags,
      "--allow-net=127.0.0.1",
      SELF,
      "--serve",
      mode,
      "--connections",
      String(total),
    ],
    { cwd: ROOT },
  );
  const serverLines = linesOf(server.stdout);
  let client: Deno.ChildProcess | undefined;
  try {
    const port = (await waitFor(serverLines, (line) => line.startsWith("port "), "its port"))
      .slice(5);
    const before = sampleProcess(server.pid).rssKiB;
    client = launch(
      [
        "deno",
        "run",
        "--allow-net=127.0.0.1",
        SELF,
        "--connect",
        port,
        "--connections",
        String(total),
        ...(mode === "answered" ? ["--hello"] : []),
      ],
      { cwd: ROOT },
    );
    await waitFor(serverLines, (line) => line === `accepted ${total}`, "every connection");
    // What the runtime frees once the connections are in is not counted.
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    return (sampleProcess(server.pid).rssKiB - before) / total;
  } finally {
    for (const child of [client, server]) {
      if (child !== undefined) await kill(child);
    }
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      connections: { type: "string", default: "10000" },
      runs: { type: "string", default: "3" },
      serve: { type: "string" },
      connect: { type: "string" },
      hello: { type: "boolean", default: false },
      "settle-ms": { type: "string", default: "2000" },
    },
  });
  const total = Number(values.connections);
  const runs = Number(values.runs);
  const settleMs = Number(values["settle-ms"]);
  if (!Number.isInteger(total) || total < 1 || !Number.isInteger(runs) || runs < 1) {
    console.error("socket_floor: --connections and --runs must be positive integers");
    Deno.exit(2);
  }
  if (!Number.isInteger(settleMs) || settleMs < 0) {
    console.error("socket_floor: --settle-ms must be an integer of 0 or more");
    Deno.exit(2);
  }
  if (values.serve !== undefined && !(values.serve in MODES)) {
    console.error(`socket_floor: --serve must be one of ${Object.keys(MODES).join(", ")}`);
    Deno.exit(2);
  }
  if (values.serve !== undefined) await serve(values.serve as Mode, total);
  else if (values.connect !== undefined) await connect(Number(values.connect), total, values.hello);
  else {
    const v8Flags = chatTaskFlags(ROOT).filter((flag) => flag.startsWith("--v8-flags="));
    console.log(`Server RSS per idle connection, ${total} connections, median of ${runs} runs`);
    console.log(`(V8 flags as in the chat task: ${v8Flags.join(" ") || "none"})\n`);
    console.log("| server | KiB per connection | runs |\n| --- | ---: | --- |");
    for (const [mode, description] of Object.entries(MODES) as [Mode, string][]) {
      const figures: number[] = [];
      for (let run = 0; run < runs; run++) {
        figures.push(await measure(mode, total, v8Flags, settleMs));
      }
      const each = figures.map((figure) => figure.toFixed(2)).join(", ");
      console.log(`| ${description} | ${median(figures).toFixed(2)} | ${each} |`);
    }
  }
}
