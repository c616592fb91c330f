/**
 * A discovery peer for tests/discovery_test.ts, run inside one of that test's
 * network namespaces, never on the host's network. Prints one JSON line per
 * event on stdout.
 *
 *   listen MS            hear the discovery port (and group) for MS ms: "ready", then one
 *                        line per datagram, then "done"
 *   query HOST FORM N    send N queries, FORM "full" (padded) or "small", to HOST (an
 *                        address or the group), then count the answers for a second
 *   flood HOST MS        send garbage and forged datagrams to HOST, the broadcast address
 *                        and the group for MS ms
 *   announce MS NAME...  announce one valid server per NAME (port 5002, 1 person, this
 *                        address) to the broadcast address and the group every 100 ms for
 *                        MS ms: "ready" after the first round
 */

import dgram from "node:dgram";
import {
  DISCOVERY_GROUP,
  DISCOVERY_PORT,
  encodeAnnouncement,
  encodeQuery,
  parseAnnouncement,
  parseQuery,
} from "../discovery/beacon.ts";

const print = (value: unknown) => console.log(JSON.stringify(value));

function networks(): { address: string; broadcast: string }[] {
  return Deno.networkInterfaces()
    .filter((info) => info.family === "IPv4" && !info.address.startsWith("127."))
    .map((info) => ({
      address: info.address,
      broadcast: info.address.replace(/\.\d+$/, ".255"), // The tests use /24 networks.
    }));
}

async function open(port: number, reuseAddr = false): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: "udp4", reuseAddr });
  socket.on("error", (error) => print({ error: error.message }));
  await new Promise<void>((resolve) => socket.bind(port, "0.0.0.0", resolve));
  socket.setBroadcast(true);
  socket.setMulticastTTL(1);
  return socket;
}

function send(socket: dgram.Socket, bytes: Uint8Array, address: string): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.send(bytes, DISCOVERY_PORT, address, () => resolve());
    } catch {
      resolve();
    }
  });
}

function kind(bytes: Uint8Array): string {
  if (parseAnnouncement(bytes).ok) return "announce";
  if (parseQuery(bytes).ok) return "query";
  return "other";
}

async function listen(ms: number): Promise<void> {
  const socket = await open(DISCOVERY_PORT, true);
  for (const { address } of networks()) socket.addMembership(DISCOVERY_GROUP, address);
  socket.on("message", (bytes, from) => {
    const announced = parseAnnouncement(bytes);
    print({
      from: from.address,
      port: from.port,
      size: bytes.length,
      kind: kind(bytes),
      ...(announced.ok ? { announcement: announced.value } : {}),
    });
  });
  print("ready");
  await new Promise((resolve) => setTimeout(resolve, ms));
  print("done");
  socket.close();
}

async function query(host: string, form: string, count: number): Promise<void> {
  const socket = await open(0);
  if (host === DISCOVERY_GROUP) socket.setMulticastInterface(networks()[0]!.address);
  const answers: { from: string; valid: boolean; size: number }[] = [];
  socket.on("message", (bytes, from) => {
    answers.push({ from: from.address, valid: parseAnnouncement(bytes).ok, size: bytes.length });
  });
  const bytes = form === "full"
    ? encodeQuery()
    : new TextEncoder().encode('{"type":"chat.query","v":1,"pad":""}');
  for (let i = 0; i < count; i++) await send(socket, bytes, host);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  print({ sent: count, size: bytes.length, answers });
  socket.close();
}

/** Datagrams a hostile peer might send: none of them is a valid query or announcement. */
function garbage(): Uint8Array[] {
  const text = (value: string) => new TextEncoder().encode(value);
  const announcement = {
    type: "chat.announce",
    v: 1,
    id: "0123456789abcdef",
    name: "forged",
    addresses: ["10.99.0.77"],
    port: 5002,
    users: 1,
    password: false,
    tls: false,
  };
  const forged = (change: Record<string, unknown>) =>
    text(JSON.stringify({ ...announcement, ...change }));
  const padded = new TextDecoder().decode(encodeQuery());
  const list = [
    new Uint8Array(0),
    new Uint8Array(60_000).fill(0x7b),
    text(padded + " "),
    text(padded.replace('"v":1', '"v":2')),
    text(padded.replace('"pad":"', '"pad":"x')),
    text(padded.replace('"pad"', '"__proto__":{},"pad"')),
    new Uint8Array([0xef, 0xbb, 0xbf, ...encodeQuery().subarray(3)]),
    new Uint8Array([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80]),
    text("null"),
    text("[]"),
    text('"chat.query"'),
    text("1e999"),
    text("[".repeat(1000) + "]".repeat(1000)),
    text('{"type":"chat.query"}'),
    text('{"type":"chat.query","v":"1","pad":""}'),
    forged({ name: "\x1b]0;pwned\x07\x1b[2Jevil" }),
    forged({ name: "a\u202eb" }),
    forged({ name: "x".repeat(65) }),
    forged({ users: -1 }),
    forged({ users: 1e300 }),
    forged({ port: 0 }),
    forged({ port: "5002" }),
    forged({ webPort: 5002 }),
    forged({ addresses: ["127.0.0.1"] }),
    forged({ addresses: ["10.99.0.255", "10.99.0.255"] }),
    forged({ addresses: "10.99.0.1" }),
    forged({ id: "ABC" }),
    forged({ admin: true }),
    forged({ v: 2 }),
    text(JSON.stringify(announcement).replace("{", '{"__proto__":{"admin":true},')),
  ];
  for (let i = 0; i < 50; i++) {
    list.push(crypto.getRandomValues(new Uint8Array(1 + Math.floor(Math.random() * 1400))));
  }
  return list;
}

async function flood(host: string, ms: number): Promise<void> {
  const socket = await open(0);
  const { address, broadcast } = networks()[0]!;
  socket.setMulticastInterface(address);
  const datagrams = garbage();
  let sent = 0;
  const end = performance.now() + ms;
  do {
    for (const bytes of datagrams) {
      for (const to of [host, broadcast, DISCOVERY_GROUP]) {
        await send(socket, bytes, to);
        sent++;
      }
    }
  } while (performance.now() < end);
  print({ sent });
  socket.close();
}

/** Announces a server for each of `names`, whatever a name holds, as a hostile peer could. */
async function announce(ms: number, names: string[]): Promise<void> {
  const socket = await open(0);
  const { address, broadcast } = networks()[0]!;
  socket.setMulticastInterface(address);
  const datagrams = names.map((name, i) =>
    encodeAnnouncement({
      id: (0xa000 + i).toString(16).padStart(16, "0"),
      name,
      addresses: [address],
      port: 5002,
      users: 1,
      password: false,
      tls: false,
    })
  );
  let rounds = 0;
  const end = performance.now() + ms;
  do {
    for (const bytes of datagrams) {
      for (const to of [broadcast, DISCOVERY_GROUP]) await send(socket, bytes, to);
    }
    if (rounds++ === 0) print("ready");
    await new Promise((resolve) => setTimeout(resolve, 100));
  } while (performance.now() < end);
  print({ rounds });
  socket.close();
}

const [command, ...args] = Deno.args;
switch (command) {
  case "listen":
    await listen(Number(args[0]));
    break;
  case "query":
    await query(args[0]!, args[1]!, Number(args[2] ?? 1));
    break;
  case "flood":
    await flood(args[0]!, Number(args[1] ?? 0));
    break;
  case "announce":
    await announce(Number(args[0]), args.slice(1));
    break;
  default:
    console.error(`Unknown command ${JSON.stringify(command)}`);
    Deno.exit(2);
}
