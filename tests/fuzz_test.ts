/**
 * A seeded fuzz test of the TCP transport: thousands of random and mutated
 * frames over many connections at once, while two honest clients chat. The
 * server must never fail, the honest clients must lose nothing, and a new
 * client must still get in at the end.
 *
 * Set FUZZ_SEED to replay a run; every failure names the seed. FUZZ_FRAMES
 * sends more frames.
 */

import assert from "node:assert/strict";
import { type ClientFrame, encodeFrame, type ServerFrame } from "../protocol.ts";
import { startServer } from "../server.ts";
import { prng, type Random } from "./_random.ts";
import { bytes as concat, LOOPBACK, TestClient, waitUntil } from "./_test_utils.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20_261_127) >>> 0;
/** Fuzz connections open at once over TCP, and over WebSocket. */
const WORKERS = 26;
const WS_WORKERS = 4;
/** Frames the fuzzers send in all; FUZZ_FRAMES raises it for a longer hunt. */
const FRAMES = Number(Deno.env.get("FUZZ_FRAMES") ?? 5_000);

/** Strings that have broken parsers, renderers and name checks before. */
const NASTY = [
  "",
  " ",
  "\u0000",
  "\x1b[2J\x1b[H",
  "\x1b]0;owned\x07",
  "\x1b]52;c;b3duZWQ=\x07",
  "\u009b31m",
  "\r\nfake line",
  "\u202eevil",
  "\u2066x\u2069",
  "\u200d",
  "\u3164",
  "\ufeff",
  "\ud800",
  "\udfff\ud800",
  "👩‍👩‍👧‍👦",
  "Z̴̡̛a̷l̶g̵o̸",
  "__proto__",
  "constructor",
  "toString",
  "#lobby",
  "#",
  "/",
  "//",
  "/nick",
  "/join #x",
  "/msg",
  "/msg alice",
  "/quit",
  "/history 999999",
  "/search",
  "@alice",
  "alice",
  "ALICE",
  "аlice",
  "server",
  "x".repeat(300),
  "é".repeat(5_000),
  "1e400",
  "null",
];

const NAMES = ["fz", "fuzz", "mallory", "eve", "trudy", "Zoë", "李雷", "bob.2", "x-y_z", "n0"];

function randomString(random: Random): string {
  switch (random.int(4)) {
    case 0:
      return random.pick(NASTY);
    case 1:
      return random.pick(NAMES) + random.int(100);
    case 2:
      return Array.from({ length: random.int(40) }, () => String.fromCharCode(random.int(0x3000)))
        .join("");
    default:
      return random.pick(NASTY) + random.pick(NAMES) + random.pick(NASTY);
  }
}

/** Any JSON value, occasionally a deep one. */
function randomValue(random: Random, depth = 0): unknown {
  switch (random.int(depth > 2 ? 7 : 9)) {
    case 0:
      return null;
    case 1:
      return random.chance(0.5);
    case 2:
      return random.pick([0, -1, 1, 2, 1.5, 2 ** 53, -(2 ** 60), 1e308, 500, 501, 1000]);
    case 3:
    case 4:
    case 5:
      return randomString(random);
    case 6:
      return random.int(1_000_000);
    case 7:
      return Array.from({ length: random.int(4) }, () => randomValue(random, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: random.int(4) }, () => [
          random.pick(["type", "text", "name", "a", "__proto__"]),
          randomValue(random, depth + 1),
        ]),
      );
  }
}

/** A valid client frame of any type, with plausible values. */
function validFrame(random: Random): ClientFrame {
  const text = random.chance(0.7) ? `fuzz says ${random.int(1000)}` : randomString(random);
  switch (random.int(14)) {
    case 0:
    case 1:
      return { type: "hello", version: 1, name: random.pick(NAMES) + random.int(50) };
    case 2:
      return {
        type: "hello",
        version: 1,
        name: randomString(random),
        room: randomString(random),
        since: random.int(100),
        resume: crypto.randomUUID(),
      };
    case 3:
    case 4:
      return { type: "say", text };
    case 5:
      return { type: "me", text };
    case 6:
      return {
        type: "msg",
        to: random.pick(["alice", "bob", "fz1", "a", randomString(random)]),
        text,
      };
    case 7:
      return { type: "nick", name: random.chance(0.5) ? "bob" : randomString(random) };
    case 8:
      return { type: "join", room: random.chance(0.5) ? "#fuzz" : randomString(random) };
    case 9:
      return random.pick<ClientFrame>([{ type: "leave" }, { type: "who" }, { type: "rooms" }, {
        type: "help",
      }]);
    case 10:
      return { type: "history", limit: 1 + random.int(500) };
    case 11:
      return { type: "search", text: randomString(random) || "x" };
    case 12:
      return { type: "ping", token: String(random.int(1000)) };
    default:
      return random.chance(0.1) ? { type: "quit", reason: randomString(random) } : { type: "who" };
  }
}

/** A valid frame with its fields changed, dropped, retyped or joined by strangers. */
function mutatedFrame(random: Random): string {
  const frame: Record<string, unknown> = { ...validFrame(random) };
  const keys = [...Object.keys(frame), "type", "version", "text", "since", "limit", "token"];
  for (let i = 0, n = 1 + random.int(3); i < n; i++) {
    const key = random.pick(keys);
    switch (random.int(4)) {
      case 0:
        delete frame[key];
        break;
      case 1:
        // defineProperty, so that "__proto__" becomes a field, not the prototype.
        Object.defineProperty(
          frame,
          random.pick(["__proto__", "constructor", "extra", "from", "id", "replay"]),
          { value: randomValue(random), enumerable: true, writable: true, configurable: true },
        );
        break;
      default:
        frame[key] = randomValue(random);
    }
  }
  let json = JSON.stringify(frame);
  // Sometimes bend the JSON itself: duplicate keys, a huge exponent, a trailing comma.
  if (random.chance(0.1)) json = json.replace("{", '{"type":"say","type":');
  if (random.chance(0.05)) json = json.replace(/\d+/, "1e400");
  if (random.chance(0.05)) json = json.replace(/}$/, ",}");
  return json + "\n";
}

const INVALID_UTF8 = [
  [0xff],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
  [0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
];

/** What a fuzz connection does next. */
type Action =
  | { kind: "write"; bytes: Uint8Array }
  | { kind: "trickle"; bytes: Uint8Array }
  | { kind: "close"; bytes: Uint8Array };

function action(random: Random): Action {
  const roll = random.int(100);
  if (roll < 12) {
    // Random bytes, newlines included now and then.
    const bytes = new Uint8Array(1 + random.int(512));
    for (let i = 0; i < bytes.length; i++) bytes[i] = random.int(256);
    return { kind: "write", bytes: concat(bytes, random.chance(0.7) ? "\n" : "") };
  }
  if (roll < 17) {
    // A huge line, finished or not.
    const length = 10_000 + random.int(90_000);
    const fill = random.pick(["x", "{", "\\", "é", " "]);
    const body = random.chance(0.5)
      ? `{"type":"say","text":"${fill.repeat(length)}"}`
      : fill.repeat(length);
    return { kind: "write", bytes: concat(body, random.chance(0.8) ? "\n" : "") };
  }
  if (roll < 24) {
    // Deep nesting, bare or inside a frame's field.
    const depth = 100 + random.int(7_000);
    const open = random.pick(["[", '{"a":']);
    const close = open === "[" ? "]" : "}";
    const deep = open.repeat(depth) + "1" + close.repeat(depth);
    const line = random.chance(0.5) ? deep : `{"type":"say","text":${deep}}`;
    return { kind: "write", bytes: concat(line.slice(0, 16_000), "\n") };
  }
  if (roll < 32) {
    // Invalid UTF-8 inside an otherwise valid frame.
    const json = encodeFrame(validFrame(random));
    const cut = 1 + random.int(json.length - 2);
    return {
      kind: "write",
      bytes: concat(json.slice(0, cut), random.pick(INVALID_UTF8), json.slice(cut)),
    };
  }
  if (roll < 36) {
    // Half a frame, then the connection goes away.
    const json = encodeFrame(validFrame(random));
    return { kind: "close", bytes: concat(json.slice(0, random.int(json.length - 1))) };
  }
  if (roll < 40) {
    // Telnet negotiation, NULs, a BOM, lone CRs.
    const noise = random.pick([
      [0xff, 0xfb, 0x01],
      [0xff, 0xfa, 0x18, 0xff, 0xf0],
      [0, 0, 0],
      [
        0xef,
        0xbb,
        0xbf,
      ],
      [0x0d],
      [0x0d, 0x0d, 0x0a],
    ]);
    return { kind: "write", bytes: concat(noise, encodeFrame(validFrame(random))) };
  }
  if (roll < 44) {
    // A valid frame, one byte at a time.
    return { kind: "trickle", bytes: concat(encodeFrame(validFrame(random))) };
  }
  if (roll < 70) return { kind: "write", bytes: concat(mutatedFrame(random)) };
  if (roll < 72) return { kind: "close", bytes: new Uint8Array(0) };
  if (roll < 75) {
    // Several frames in one write, CRLF or LF.
    const frames = Array.from({ length: 2 + random.int(5) }, () => encodeFrame(validFrame(random)));
    const joined = frames.join("");
    return {
      kind: "write",
      bytes: concat(random.chance(0.5) ? joined.replaceAll("\n", "\r\n") : joined),
    };
  }
  return { kind: "write", bytes: concat(encodeFrame(validFrame(random))) };
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  while (bytes.length > 0) bytes = bytes.subarray(await conn.write(bytes));
}

/** Reads a connection until it ends, counting the error codes the server sends. */
async function drain(conn: Deno.Conn, codes: Map<string, number>): Promise<void> {
  const buffer = new Uint8Array(64 * 1024);
  const decoder = new TextDecoder();
  let tail = "";
  try {
    while (true) {
      const count = await conn.read(buffer);
      if (count === null) return;
      const text = tail + decoder.decode(buffer.subarray(0, count), { stream: true });
      for (const [, code] of text.matchAll(/"type":"error","code":"(\w+)"|\n(!!) /g)) {
        const key = code ?? "text !!";
        codes.set(key, (codes.get(key) ?? 0) + 1);
      }
      tail = text.slice(-40);
    }
  } catch {
    // Reset, or closed locally.
  }
}

interface FuzzStats {
  frames: number;
  connections: number;
  /** Of which over WebSocket. */
  webSockets: number;
  refused: number;
  bytes: number;
  /** Error codes the server answered the fuzzers with, and how often. */
  codes: Map<string, number>;
}

/** One fuzz worker: connection after connection until its own budget of frames is spent. */
async function fuzzWorker(port: number, seed: number, budget: { left: number }, stats: FuzzStats) {
  const random = prng(seed);
  while (budget.left > 0) {
    const conn = await Deno.connect({ hostname: LOOPBACK, port });
    stats.connections++;
    // Most read what the server says; some never do.
    const reading = random.chance(0.85) ? drain(conn, stats.codes) : undefined;
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      try {
        conn.close();
      } catch {
        // Closed already.
      }
    };
    let ended = false;
    try {
      // Half the connections get a name first, so that the named paths are fuzzed too.
      if (random.chance(0.5) && budget.left > 0) {
        const hello = encodeFrame({ type: "hello", version: 1, name: `fz${random.int(1000)}` });
        budget.left--;
        stats.frames++;
        await writeAll(conn, concat(hello));
      }
      const frames = 1 + random.int(40);
      for (let i = 0; i < frames && budget.left > 0; i++) {
        const next = action(random);
        budget.left--;
        stats.frames++;
        stats.bytes += next.bytes.length;
        if (next.kind === "trickle") {
          for (let j = 0; j < next.bytes.length; j++) {
            await writeAll(conn, next.bytes.subarray(j, j + 1));
          }
        } else if (next.bytes.length > 0) {
          await writeAll(conn, next.bytes);
        }
        if (next.kind === "close") {
          ended = true;
          break;
        }
      }
      if (ended) {
        // An abrupt close: whatever is in flight may be lost, as with a crashed peer.
      } else if (reading === undefined) {
        // A peer that never reads just goes away.
      } else {
        // Otherwise end the stream (with a quit now and then) and read until the server
        // closes, so that it has handled every frame sent.
        if (random.chance(0.2)) await writeAll(conn, concat(encodeFrame({ type: "quit" })));
        await conn.closeWrite();
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([reading, new Promise((resolve) => timer = setTimeout(resolve, 3_000))]);
        clearTimeout(timer);
      }
    } catch (error) {
      // The server closed the connection: too many bad frames, or a refusal.
      if (
        !(error instanceof Deno.errors.BrokenPipe || error instanceof Deno.errors.ConnectionReset)
      ) {
        throw error;
      }
      stats.refused++;
    } finally {
      close();
      await reading;
    }
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * One WebSocket fuzz worker: the same actions, each as one message, text when
 * it is valid UTF-8 and binary otherwise.
 */
async function wsFuzzWorker(
  url: string,
  seed: number,
  budget: { left: number },
  stats: FuzzStats,
) {
  const random = prng(seed);
  while (budget.left > 0) {
    const socket = new WebSocket(url);
    stats.connections++;
    stats.webSockets++;
    socket.binaryType = "arraybuffer";
    socket.onerror = () => {};
    socket.onmessage = (event) => {
      if (typeof event.data !== "string") return;
      const code = /"type":"error","code":"(\w+)"/.exec(event.data)?.[1];
      if (code !== undefined) stats.codes.set(code, (stats.codes.get(code) ?? 0) + 1);
    };
    const closed = new Promise<void>((resolve) => socket.onclose = () => resolve());
    const opened = await Promise.race([
      new Promise<boolean>((resolve) => socket.onopen = () => resolve(true)),
      closed.then(() => false),
    ]);
    if (!opened) stats.refused++;
    const frames = 1 + random.int(40);
    for (let i = 0; opened && i < frames && budget.left > 0; i++) {
      if (socket.readyState !== WebSocket.OPEN) {
        stats.refused++;
        break;
      }
      const next = action(random);
      budget.left--;
      stats.frames++;
      stats.bytes += next.bytes.length;
      let text: string | undefined;
      try {
        text = strictUtf8.decode(next.bytes).replace(/\r?\n$/, "");
      } catch {
        text = undefined;
      }
      socket.send(text ?? next.bytes);
      if (next.kind === "close") break;
      // Let the socket flush now and then, as a real client would.
      if (socket.bufferedAmount > 256 * 1024) await new Promise((r) => setTimeout(r, 5));
    }
    socket.close();
    await closed;
  }
}

/** An honest client's side of the chat: numbered lines it sends until told to stop. */
async function chatter(client: TestClient, name: string, stop: () => boolean): Promise<string[]> {
  const sent: string[] = [];
  while (!stop() || sent.length < 50) {
    for (let i = 0; i < 5; i++) {
      const text = `${name} ${sent.length + 1} héllo 世界 🎉 //${"·".repeat(sent.length % 7)}`;
      sent.push(text);
      await client.say(text);
    }
    // Wait for our own echo now and then, so we never run far ahead of the server.
    const last = sent.at(-1)!;
    try {
      await client.next("message", (frame) => frame.from === name && frame.text === last, 10_000);
    } catch (error) {
      throw new Error(
        `${name} never got "${last}" back (ended: ${client.ended}); last frames: ${
          JSON.stringify(client.frames.slice(-5)).slice(0, 2000)
        }`,
        { cause: error },
      );
    }
  }
  return sent;
}

function messagesFrom(frames: ServerFrame[], name: string): string[] {
  return frames.flatMap((frame) =>
    frame.type === "message" && frame.from === name && frame.replay === undefined
      ? [frame.text]
      : []
  );
}

Deno.test(`startServer() survives ${FRAMES} fuzzed frames on ${WORKERS} TCP and ${WS_WORKERS} WebSocket connections and loses no honest message (FUZZ_SEED=${SEED})`, async () => {
  const log: string[] = [];
  // The honest clients are programs, not people: a rate they never reach. Every other
  // limit (strikes, line and text sizes, outbox, per-address cap) is the default.
  await using server = await startServer({
    hostname: LOOPBACK,
    port: 0,
    messageRate: 1_000,
    webPort: 0,
    log: (line) => log.push(line),
  });
  const port = server.addr.port;
  const context = () => `FUZZ_SEED=${SEED}`;
  await using alice = await TestClient.join(port, "alice");
  await using bob = await TestClient.join(port, "bob");
  // Each worker has its own seed and share of the frames, so it sends the same every run.
  const share = (i: number) => ({
    left: Math.floor(FRAMES / (WORKERS + WS_WORKERS)) +
      (i < FRAMES % (WORKERS + WS_WORKERS) ? 1 : 0),
  });
  const stats: FuzzStats = {
    frames: 0,
    connections: 0,
    webSockets: 0,
    refused: 0,
    bytes: 0,
    codes: new Map(),
  };
  const started = performance.now();

  const wsUrl = `ws://${LOOPBACK}:${server.webAddr!.port}/ws`;
  const fuzzing = Promise.allSettled([
    ...Array.from(
      { length: WORKERS },
      (_, i) => fuzzWorker(port, SEED + i * 7919, share(i), stats),
    ),
    ...Array.from(
      { length: WS_WORKERS },
      (_, i) => wsFuzzWorker(wsUrl, SEED + (WORKERS + i) * 7919, share(WORKERS + i), stats),
    ),
  ]);
  let fuzzDone = false;
  void fuzzing.then(() => fuzzDone = true);
  const [aliceSent, bobSent] = await Promise.all([
    chatter(alice, "alice", () => fuzzDone),
    chatter(bob, "bob", () => fuzzDone),
  ]);
  const outcomes = await fuzzing;
  const fuzzMs = performance.now() - started;
  for (const outcome of outcomes) {
    if (outcome.status === "rejected") {
      throw new Error(`A fuzz worker failed (${context()}): ${outcome.reason}`, {
        cause: outcome.reason,
      });
    }
  }
  assert.equal(stats.frames, FRAMES);

  // Every honest message reached both honest clients once, in order.
  const heard = (client: TestClient, text: string) => () =>
    client.frames.some((frame) => frame.type === "message" && frame.text === text);
  await waitUntil(heard(alice, bobSent.at(-1)!), 10_000, `bob's last message (${context()})`);
  await waitUntil(heard(bob, aliceSent.at(-1)!), 10_000, `alice's last message (${context()})`);
  for (const client of [alice, bob]) {
    await client.sync();
    assert.ok(!client.ended, context());
    assert.deepEqual(messagesFrom(client.frames, "alice"), aliceSent, context());
    assert.deepEqual(messagesFrom(client.frames, "bob"), bobSent, context());
    assert.deepEqual(client.all("error"), [], context());
    assert.deepEqual(client.garbage, [], context());
  }

  // The server never hit an internal error, and a newcomer still gets in.
  assert.deepEqual(log.filter((line) => /internal|error on a frame/i.test(line)), [], context());
  await waitUntil(() => server.hub.size === 2, 5_000, `the fuzzers to be gone (${context()})`);
  let carol: TestClient | undefined;
  const deadline = performance.now() + 5_000;
  while (carol === undefined) {
    // A slot may still be in use by a fuzz connection the server has not seen close.
    const client = await TestClient.connect(port);
    await client.send({ type: "hello", version: 1, name: "carol" }).catch(() => {});
    await waitUntil(
      () => client.ended || client.frames.some((f) => f.type === "room" || f.type === "bye"),
      5_000,
      "carol's welcome or a refusal",
    );
    if (client.all("room").length > 0) carol = client;
    else {
      await client[Symbol.asyncDispose]();
      assert.ok(performance.now() < deadline, `carol never got in (${context()})`);
    }
  }
  await using _carol = carol;
  await carol.say("made it");
  for (const client of [alice, bob]) {
    assert.equal((await client.next("message", (f) => f.from === "carol")).text, "made it");
  }
  assert.equal(server.hub.size, 3);
  console.log(
    `fuzz: ${stats.frames} frames, ${stats.bytes} bytes, ${stats.connections} connections ` +
      `(${stats.webSockets} WebSocket, ` +
      `${stats.refused} closed by the server mid-write) in ${Math.round(fuzzMs)} ms; ` +
      `honest: ${aliceSent.length} + ${bobSent.length} messages; errors: ${
        JSON.stringify(Object.fromEntries(stats.codes))
      }; ${context()}`,
  );
});
