/**
 * Where an idle connection's JavaScript heap goes: a heap snapshot of a
 * chat server before and after N clients say hello and fall silent, and
 * the difference per connection by kind of object, beside the same for a
 * bare `node:net` server that only holds its sockets (what bench/socket_floor.ts
 * measures in RSS).
 *
 * ```sh
 * deno run --allow-all bench/heap_diff.ts [--connections 2000] [--top 30]
 * ```
 *
 * The server runs in this process (with the chat task's V8 flags when it is
 * started as above through `deno task`, or as given); the clients run in a
 * second process, so their sockets are not in the snapshots. Snapshots
 * are taken with `node:v8`, which collects garbage first.
 *
 * @module
 */

import net from "node:net";
import v8 from "node:v8";
import { parseArgs } from "node:util";
import { startServer } from "../server.ts";

const SELF = new URL(import.meta.url).pathname;

/** Bytes and counts of one kind of heap object. */
interface Kind {
  count: number;
  bytes: number;
}

/** The heap of a snapshot file, by kind of object. */
function kinds(path: string): Map<string, Kind> {
  const snapshot = JSON.parse(Deno.readTextFileSync(path));
  const meta = snapshot.snapshot.meta;
  const fields: string[] = meta.node_fields;
  const types: string[] = meta.node_types[0];
  const strings: string[] = snapshot.strings;
  const nodes: number[] = snapshot.nodes;
  const type = fields.indexOf("type");
  const name = fields.indexOf("name");
  const size = fields.indexOf("self_size");
  const result = new Map<string, Kind>();
  for (let at = 0; at < nodes.length; at += fields.length) {
    const kind = types[nodes[at + type]!]!;
    const label = kind === "object" || kind === "closure" || kind === "native"
      ? `${kind} ${strings[nodes[at + name]!]!.slice(0, 48)}`
      : kind.endsWith("string")
      ? "string"
      : kind === "array" || kind === "hidden" || kind === "code"
      ? `${kind} ${strings[nodes[at + name]!]!.slice(0, 40)}`
      : kind;
    const entry = result.get(label) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += nodes[at + size]!;
    result.set(label, entry);
  }
  return result;
}

/** Prints the difference between two snapshots per connection, largest first. */
function report(title: string, before: string, after: string, total: number, top: number): void {
  const old = kinds(before);
  const rows: [string, number, number][] = [];
  let sum = 0;
  for (const [label, now] of kinds(after)) {
    const was = old.get(label) ?? { count: 0, bytes: 0 };
    const bytes = (now.bytes - was.bytes) / total;
    sum += bytes;
    rows.push([label, (now.count - was.count) / total, bytes]);
  }
  rows.sort((a, b) => b[2] - a[2]);
  console.log(`\n${title}: ${sum.toFixed(0)} bytes of heap per connection\n`);
  console.log("| bytes per connection | objects per connection | kind |\n| ---: | ---: | --- |");
  for (const [label, count, bytes] of rows.slice(0, top)) {
    if (bytes < 1) break;
    console.log(`| ${bytes.toFixed(0)} | ${count.toFixed(2)} | ${label.replaceAll("|", "\\|")} |`);
  }
}

/** Runs as the clients: `total` connections to `port`, each saying hello unless `bare`. */
async function connect(port: number, total: number, bare: boolean): Promise<void> {
  let ready = 0;
  const sockets: net.Socket[] = [];
  for (let i = 0; i < total; i++) {
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host: "127.0.0.1", port }, () => {
        if (bare) {
          if (++ready === total) console.log("ready");
        } else {
          socket.write(JSON.stringify({ type: "hello", version: 1, name: `idle${i}` }) + "\n");
        }
        resolve();
      });
      socket.once("error", reject);
      let seen = "";
      // The `room` frame ends the hello: the connection is then an idle member.
      if (!bare) {
        socket.on("data", (chunk: Uint8Array) => {
          if (seen === "\u0000") return;
          seen += new TextDecoder().decode(chunk);
          if (!seen.includes('"type":"room"')) return;
          seen = "\u0000";
          if (++ready === total) console.log("ready");
        });
      }
      sockets.push(socket);
    });
  }
  setInterval(() => {}, 60_000);
}

/** Opens `total` clients against `port` and resolves once all are ready; the child to kill. */
async function clients(port: number, total: number, bare: boolean): Promise<Deno.ChildProcess> {
  const args = ["run", "--allow-net=127.0.0.1", SELF, "--connect", String(port)];
  args.push("--connections", String(total), ...(bare ? ["--bare"] : []));
  const child = new Deno.Command(Deno.execPath(), { args, stdout: "piped" }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("ready")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("The clients ended before they were all connected");
    text += value;
  }
  reader.releaseLock();
  return child;
}

async function stop(child: Deno.ChildProcess): Promise<void> {
  child.kill("SIGKILL");
  await child.status;
  await child.stdout.cancel().catch(() => {});
}

/** Snapshots around `total` idle connections: to a chat server, then to a bare one. */
async function measure(total: number, top: number): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "chat-heap-" });
  try {
    const server = await startServer({
      hostname: "127.0.0.1",
      port: 0,
      messageRate: 1_000_000,
      maxConnections: 100_000,
      maxPerAddress: 100_000,
      heartbeat: 3600,
    });
    v8.writeHeapSnapshot(`${dir}/chat-before.heapsnapshot`);
    const chatClients = await clients(server.addr.port, total, false);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    v8.writeHeapSnapshot(`${dir}/chat-after.heapsnapshot`);
    await stop(chatClients);
    await server.close();

    const held: net.Socket[] = [];
    const bare = net.createServer((socket) => {
      held.push(socket);
      socket.on("data", () => {});
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => bare.listen({ host: "127.0.0.1", port: 0 }, resolve));
    const port = (bare.address() as net.AddressInfo).port;
    v8.writeHeapSnapshot(`${dir}/bare-before.heapsnapshot`);
    const bareClients = await clients(port, total, true);
    while (held.length < total) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    v8.writeHeapSnapshot(`${dir}/bare-after.heapsnapshot`);
    await stop(bareClients);
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => bare.close(resolve));

    console.log(`Heap per idle connection, ${total} connections (node:v8 heap snapshots)`);
    report(
      "chat serve",
      `${dir}/chat-before.heapsnapshot`,
      `${dir}/chat-after.heapsnapshot`,
      total,
      top,
    );
    report(
      "node:net alone",
      `${dir}/bare-before.heapsnapshot`,
      `${dir}/bare-after.heapsnapshot`,
      total,
      top,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      connections: { type: "string", default: "2000" },
      top: { type: "string", default: "30" },
      connect: { type: "string" },
      bare: { type: "boolean", default: false },
    },
  });
  const total = Number(values.connections);
  const top = Number(values.top);
  if (!Number.isInteger(total) || total < 1 || !Number.isInteger(top) || top < 1) {
    console.error("heap_diff: --connections and --top must be positive integers");
    Deno.exit(2);
  }
  if (values.connect !== undefined) await connect(Number(values.connect), total, values.bare);
  else {
    await measure(total, top);
    Deno.exit(0);
  }
}
