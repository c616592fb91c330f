/**
 * Replays larger than the slow-reader limit, over real sockets: a client
 * coming back after missing more than 1 MiB, and `/history 500` of long
 * messages, are streamed as the client reads, and what the room says
 * meanwhile follows the replay, once each.
 */

import assert from "node:assert/strict";
import {
  type ClientFrame,
  encodeFrame,
  LineSplitter,
  LOBBY,
  MAX_SERVER_LINE_BYTES,
  type MessageFrame,
  type ServerFrame,
} from "../protocol.ts";
import { startServer } from "../server.ts";
import { MemoryHistory } from "../server/history/memory.ts";
import { SqliteHistory } from "../server/history/sqlite.ts";
import { LOOPBACK, TestClient, within } from "./_test_utils.ts";

/** A message text of about 4 KB that says its number first. */
function long(n: number): string {
  return `${n} ${"w".repeat(3_990)}`;
}

/** Posts messages `from` to `to`, a few at a time, so that the sender keeps up with its echo. */
async function postMany(client: TestClient, from: number, to: number): Promise<void> {
  for (let n = from; n <= to; n++) {
    await client.say(long(n));
    if (n % 20 === 0 || n === to) {
      await client.next("message", (frame) => frame.text.startsWith(`${n} `), 20_000);
    }
  }
}

function numbers(frames: MessageFrame[]): number[] {
  return frames.map((frame) => Number(frame.text.split(" ")[0]));
}

Deno.test("startServer() streams a catch-up of more than 1 MiB to a client coming back", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "chat-replay-" });
  try {
    using history = SqliteHistory.open(`${dir}/history.db`);
    await using server = await startServer({
      hostname: LOOPBACK,
      port: 0,
      history,
      messageRate: 100_000,
    });
    const port = server.addr.port;
    await using alice = await TestClient.join(port, "alice");
    await postMany(alice, 1, 1);
    const seen = alice.all("message").at(-1)!.id;

    await t.step("300 messages of 4 KB (1.2 MB) pile up while carol is away", async () => {
      await postMany(alice, 2, 301);
    });

    await t.step("carol comes back and gets every one of them, then the room goes on", async () => {
      await using carol = await TestClient.connect(port);
      await carol.send({ type: "hello", version: 1, name: "carol", since: seen });
      await carol.sync();
      // What alice says during the catch-up comes after it, once.
      await alice.say(long(302));
      await carol.next("message", (frame) => frame.text.startsWith("302 "), 10_000);
      const messages = carol.all("message");
      assert.deepEqual(numbers(messages), Array.from({ length: 301 }, (_, i) => i + 2));
      assert.ok(messages.slice(0, 300).every((frame) => frame.replay === true));
      assert.equal(messages.at(-1)!.replay, undefined);
      assert.equal(carol.ended, false);
      assert.deepEqual(alice.all("left"), []);
    });

    await t.step("/history 500 of long messages is streamed as well", async () => {
      await using dave = await TestClient.join(port, "dave");
      await dave.say("/history 500");
      const info = await dave.next("info");
      assert.equal(info.text, "The last 302 messages of #lobby:");
      await dave.sync();
      assert.equal(dave.all("message").length, 302 + 50);
      assert.equal(dave.ended, false);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startServer() replays at the pace the client reads, and the room's talk waits behind it", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0, messageRate: 100_000 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await postMany(alice, 1, 600);
  // Carol asks for the whole catch-up, then reads nothing for a while.
  using carol = await Deno.connect({ hostname: LOOPBACK, port });
  const hello = encodeFrame({ type: "hello", version: 1, name: "carol", since: 0 });
  await carol.write(new TextEncoder().encode(hello));
  await alice.next("joined", (frame) => frame.name === "carol");
  // Meanwhile the room talks on; more than the kernel buffers, less than the outbox.
  await postMany(alice, 601, 640);
  // Then carol reads, in small bites.
  const buffer = new Uint8Array(4096);
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  await within(
    (async () => {
      // Until the line of message 640 is whole: a read may end in the middle of it. Only
      // what each read adds is searched (the text grows to megabytes), with the end of the
      // read before it, where the marker may have begun.
      const marker = '"640 ';
      let seen = "";
      let found = false;
      while (true) {
        const count = await carol.read(buffer);
        if (count === null) throw new Error("carol was dropped");
        const chunk = decoder.decode(buffer.subarray(0, count), { stream: true });
        chunks.push(chunk);
        const recent = seen + chunk;
        const at = found ? 0 : recent.indexOf(marker);
        if (at >= 0) found = true;
        if (found && recent.includes("\n", at)) break;
        seen = found ? "" : recent.slice(-(marker.length - 1));
      }
    })(),
    20_000,
    "carol to read everything",
  );
  const text = chunks.join("");
  // What follows the last newline is a line still on its way (a heartbeat's ping, say).
  const frames = text.slice(0, text.lastIndexOf("\n")).split("\n").filter((line) =>
    line.startsWith("{")
  ).map((line) => JSON.parse(line));
  const messages = frames.filter((frame) => frame.type === "message") as MessageFrame[];
  // The memory store keeps the last 1000 messages; since 0 replays up to 1000 of them.
  assert.deepEqual(numbers(messages), Array.from({ length: 640 }, (_, i) => i + 1));
  assert.deepEqual(
    messages.map((frame) => frame.replay === true),
    Array.from({ length: 640 }, (_, i) => i < 600),
    "the replay first, then what was said meanwhile",
  );
  assert.deepEqual(alice.all("left"), []);
});

Deno.test("startServer() keeps a client that reads a long replay, though its pong would wait behind it", async () => {
  // 40 MB of history, and a client that reads it at 5 MB/s at most, as over a fast link: eight
  // seconds of replay at least, four heartbeats of two seconds (one second left too little room
  // for a loaded machine that stops this process, server and client both, for most of one). A
  // heartbeat's ping is sent after the replay, so the client can only answer it once it has read
  // everything.
  const count = 10_000;
  using history = new MemoryHistory(count, { maxBytes: 256 * 1024 * 1024 });
  for (let id = 1; id <= count; id++) {
    history.append({ type: "message", id, ts: id, room: LOBBY, from: "ann", text: long(id) });
  }
  await using server = await startServer({ hostname: LOOPBACK, port: 0, history, heartbeat: 2 });
  using carol = await Deno.connect({ hostname: LOOPBACK, port: server.addr.port });
  const send = (frame: ClientFrame) => carol.write(new TextEncoder().encode(encodeFrame(frame)));
  await send({ type: "hello", version: 1, name: "carol", since: 0 });
  const splitter = new LineSplitter(MAX_SERVER_LINE_BYTES);
  const buffer = new Uint8Array(16 * 1024);
  let replayed = 0;
  let ended: ServerFrame | "closed" | undefined;
  /** Reads, answering pings, until `until` says it has read enough or the server ends. */
  const read = async (until: (frame: ServerFrame) => boolean) => {
    while (ended === undefined) {
      const size = await carol.read(buffer);
      if (size === null) ended = "closed";
      for (const line of splitter.push(buffer.subarray(0, size ?? 0))) {
        const frame = JSON.parse(line.ok ? line.line : "{}") as ServerFrame;
        if (frame.type === "message" && frame.replay) replayed++;
        else if (frame.type === "bye") ended = frame;
        else if (frame.type === "ping") {
          await send({ type: "pong", ...frame.token === undefined ? {} : { token: frame.token } });
        }
        if (until(frame)) return;
      }
      // The pace of the link: 16 KiB every 3 ms at most.
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
  };
  await within(read(() => replayed === count), 60_000, "carol to read the replay");
  assert.equal(ended, undefined, `carol was dropped after ${replayed} messages`);
  assert.equal(replayed, count);
  // Still there: a ping of her own is answered.
  await send({ type: "ping", token: "still" });
  await within(read((frame) => frame.type === "pong" && frame.token === "still"), 5_000, "pong");
  assert.equal(ended, undefined);
});
