/**
 * Faults, floods and bad actors, over real loopback sockets: slow readers,
 * dead peers, slow handshakes, floods, connection limits, passwords, TLS,
 * look-alike names and taking a session back after a drop.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { encodeFrame, LOBBY, type ServerFrame } from "../protocol.ts";
import { type ServerOptions, startServer } from "../server.ts";
import { assertOneErrorLine, ChatProcess, runChat, SERVE_LOCAL } from "./_chat_process.ts";
import { connectTls, OPENSSL, selfSignedCert, type TestCert } from "./_fault_helpers.ts";
import { LineClient } from "./_line_client.ts";
import { HARD_LIMIT_FACTOR } from "../server/transports/tcp_session.ts";
import { RawHttp } from "./_raw_http.ts";
import {
  type FrameOf,
  LOOPBACK,
  settledValue,
  TestClient,
  waitUntil,
  within,
} from "./_test_utils.ts";

const encoder = new TextEncoder();

/** Writes all of `data` to a raw connection. */
async function writeAll(conn: Deno.Conn, data: string | Uint8Array): Promise<void> {
  let bytes = typeof data === "string" ? encoder.encode(data) : data;
  while (bytes.length > 0) bytes = bytes.subarray(await conn.write(bytes));
}

/** Frames received so far after the first `mark`, pongs aside. */
function since(client: TestClient, mark: number): ServerFrame[] {
  return client.frames.slice(mark).filter((frame) => frame.type !== "pong");
}

/** The first welcome or error `client` received after its first `mark` frames. */
async function answerAfter(
  client: TestClient,
  mark: number,
): Promise<FrameOf<"welcome"> | FrameOf<"error">> {
  const find = () =>
    client.frames.slice(mark).find((f) => f.type === "welcome" || f.type === "error") as
      | FrameOf<"welcome">
      | FrameOf<"error">
      | undefined;
  await waitUntil(() => find() !== undefined, 5_000, "a welcome or an error");
  return find()!;
}

/** Answers every heartbeat ping `client` receives with a pong, until stopped. */
function answerPings(client: TestClient): { answered: () => number; stop: () => Promise<void> } {
  let answered = 0;
  let running = true;
  const loop = (async () => {
    while (running && !client.ended) {
      const pings = client.all("ping");
      while (answered < pings.length) {
        const token = pings[answered++]!.token;
        await client.send(token === undefined ? { type: "pong" } : { type: "pong", token });
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    answered: () => answered,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** A server on loopback with `options`, and the lines it logs. */
async function loggedServer(options: Omit<ServerOptions, "hostname" | "port" | "log">) {
  const log: string[] = [];
  const server = await startServer({
    hostname: LOOPBACK,
    port: 0,
    ...options,
    log: (line) => log.push(line),
  });
  return { server, log };
}

/** Runs `fn`, prefixing any error with `name`, so concurrent scenarios say which one failed. */
async function scenario(name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    throw new Error(`${name}: ${(error as Error).message}`, { cause: error });
  }
}

/** Awaits every promise, then throws the first failure, so nothing is left running. */
async function allSettled(promises: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result) => result.status === "rejected");
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
}

Deno.test("startServer() keeps a client that reads while many senders burst at it at once", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using victim = await TestClient.join(port, "victim");
  // Each within the rate limit: one burst of 40 frames of 4000 bytes (the most a message
  // holds), 1.6 MB to one client at once from ten senders, more than its 1 MiB of unsent output.
  const senders = await Promise.all(
    Array.from({ length: 10 }, (_, i) => TestClient.join(port, `sender${i}`)),
  );
  try {
    const burst = 40;
    await t.step("private messages: every one arrives, and the client stays", async () => {
      await Promise.all(senders.map((sender, i) => {
        const frames = Array.from(
          { length: burst },
          (_, n) =>
            encodeFrame({ type: "msg", to: "victim", text: `${i}:${n} ${"p".repeat(3_980)}` }),
        );
        return sender.write(frames.join(""));
      }));
      await waitUntil(
        () => victim.all("private").length === senders.length * burst || victim.ended,
        20_000,
        "every private message",
      );
      assert.ok(!victim.ended, JSON.stringify(victim.all("bye")));
      assert.equal(victim.all("private").length, senders.length * burst);
    });
  } finally {
    await Promise.all(senders.map((sender) => sender[Symbol.asyncDispose]()));
  }
});

Deno.test("startServer() keeps every member of a room where many say a burst at once", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  const members = await Promise.all(
    Array.from({ length: 10 }, (_, i) => TestClient.join(port, `member${i}`)),
  );
  try {
    const burst = 40;
    await Promise.all(members.map((member, i) => {
      const frames = Array.from(
        { length: burst },
        (_, n) => encodeFrame({ type: "say", text: `${i}:${n} ${"r".repeat(3_980)}` }),
      );
      return member.write(frames.join(""));
    }));
    const all = members.length * burst;
    for (const member of members) {
      await waitUntil(
        () => member.all("message").length >= all || member.ended,
        20_000,
        "every message of the room",
      );
      assert.ok(!member.ended, JSON.stringify(member.all("bye")));
      assert.equal(member.all("message").length, all);
    }
  } finally {
    await Promise.all(members.map((member) => member[Symbol.asyncDispose]()));
  }
});

Deno.test("startServer() drops a client that stops reading once its outbox is full, and the room loses nothing", async (t) => {
  // The writer floods on purpose; the rate limit is tested on its own.
  await using server = await startServer({ hostname: LOOPBACK, port: 0, messageRate: 100_000 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await using bob = await TestClient.join(port, "bob");
  // Says hello, then never reads again.
  using slow = await Deno.connect({ hostname: LOOPBACK, port });
  await writeAll(slow, encodeFrame({ type: "hello", version: 1, name: "slow" }));
  await alice.next("joined", (frame) => frame.name === "slow");
  // The same, and still asleep well after it is dropped.
  using sleepy = await Deno.connect({ hostname: LOOPBACK, port });
  await writeAll(sleepy, encodeFrame({ type: "hello", version: 1, name: "sleepy" }));
  await alice.next("joined", (frame) => frame.name === "sleepy");

  // Small messages, so the outbox fills with many frames, not a few big ones.
  const filler = "y".repeat(200);
  const batch = 200;
  let sent = 0;
  let broadcastBytes = 0;
  let batchBytes = 0;
  // The 1 MiB outbox, plus what the kernel buffers on loopback, is far less than this.
  const bound = 16 * 1024 * 1024;

  await t.step(
    "the slow clients are dropped as too slow before 16 MiB were sent to them",
    async () => {
      const dropped = () =>
        ["slow", "sleepy"].every((name) => bob.all("left").some((frame) => frame.name === name));
      while (!dropped()) {
        assert.ok(
          broadcastBytes < bound,
          `slow was not dropped after ${sent} messages (${broadcastBytes} bytes)`,
        );
        for (let i = 0; i < batch; i++) {
          const text = `${++sent} ${filler}`;
          await alice.say(text);
        }
        // Wait for the batch to go round, so the loop never runs far ahead of the server.
        const last = await bob.next(
          "message",
          (frame) => frame.text.startsWith(`${sent} `),
          10_000,
        );
        batchBytes = batch * (JSON.stringify(last).length + 1);
        broadcastBytes += batchBytes;
      }
      const left = bob.all("left").find((frame) => frame.name === "slow")!;
      assert.equal(left.reason, "too slow to keep up");
      assert.ok(alice.all("left").some((frame) => frame.name === "slow"));
    },
  );

  await t.step("the others received every message once, in order", async () => {
    for (const client of [alice, bob]) {
      await client.sync();
      const numbers = client.all("message").map((frame) => Number(frame.text.split(" ")[0]));
      assert.equal(numbers.length, sent);
      assert.ok(numbers.every((n, i) => n === i + 1), "messages arrive in order, none missing");
    }
  });

  await t.step("the slow connection holds only whole frames in order, then a bye", async () => {
    const buffer = new Uint8Array(256 * 1024);
    let received = "";
    let reset = false;
    const decoder = new TextDecoder();
    await within(
      (async () => {
        while (true) {
          let count: number | null;
          try {
            count = await slow.read(buffer);
          } catch (error) {
            if (!(error instanceof Deno.errors.ConnectionReset)) throw error;
            reset = true;
            return;
          }
          if (count === null) return;
          received += decoder.decode(buffer.subarray(0, count), { stream: true });
        }
      })(),
      10_000,
      "the slow connection to end",
    );
    // What was sent to the room but never reached the slow client's socket is what the
    // server held for it: at most its 1 MiB outbox the hard limit's times over (a peer that
    // still reads is given a moment before that), plus the batch that overflowed it.
    const held = broadcastBytes - received.length;
    assert.ok(
      held <= HARD_LIMIT_FACTOR * 1024 * 1024 + 2 * batchBytes,
      `the server held ${held} bytes for the slow client (${received.length} reached it)`,
    );
    // Everything but a cut last line is a frame; the messages are a prefix of what was sent.
    const lines = received.split("\n").slice(0, -1).map((line) => JSON.parse(line));
    const numbers = lines.filter((frame) => frame.type === "message")
      .map((frame) => Number(frame.text.split(" ")[0]));
    assert.ok(numbers.every((n, i) => n === i + 1), "the slow client's messages are in order");
    assert.ok(numbers.length < sent, "the slow client did not get everything");
    // The bye waits behind the backlog; read soon enough, it ends the stream.
    const byes = lines.filter((frame) => frame.type === "bye");
    if (!reset) {
      assert.deepEqual(lines.at(-1), { type: "bye", reason: "Too slow to keep up", retry: true });
    }
    assert.ok(byes.length <= 1 && (byes.length === 0 || lines.at(-1) === byes[0]), "one bye, last");
  });

  await t.step("a dropped client still not reading 2 s later is cut with a reset", async () => {
    // Past the 2 s the server waits: a close would leave the backlog queued in
    // the kernel, and its end would reach a reader that woke up after all.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const buffer = new Uint8Array(256 * 1024);
    const outcome = await within(
      (async () => {
        try {
          while (await sleepy.read(buffer) !== null);
          return "closed in order";
        } catch (error) {
          if (error instanceof Deno.errors.ConnectionReset) return "reset";
          throw error;
        }
      })(),
      10_000,
      "the sleepy connection to end",
    );
    assert.equal(outcome, "reset");
  });

  await t.step("the room goes on and a newcomer can join", async () => {
    await using carol = await TestClient.join(port, "carol");
    await bob.say("after slow");
    assert.equal((await carol.next("message", (f) => f.from === "bob")).text, "after slow");
    assert.equal(server.hub.size, 3);
  });
});

Deno.test("startServer() drops dead peers and silent handshakes on time, and keeps live ones", async () => {
  // Four things happen at once on one server, to keep the test short:
  //  - dead: says hello, then never sends another byte: dropped after the 3 s heartbeat;
  //  - live: says hello, then only answers the server's pings: stays;
  //  - half: sends `{"type":"hel` and stops: bye and close after the 1 s handshake;
  //  - silent: sends nothing: greeted in text, then closed after 6 x the handshake.
  const { server, log } = await loggedServer({ heartbeat: 3, handshake: 1 });
  await using _server = server;
  const port = server.addr.port;
  const live = await TestClient.join(port, "live");
  await using _live = live;
  const pinger = answerPings(live);
  const liveJoined = performance.now();

  const dead = scenario("dead peer", async () => {
    await using dead = await TestClient.connect(port);
    await dead.send({ type: "hello", version: 1, name: "dead" });
    const spoke = performance.now();
    await dead.next("welcome");
    const left = await live.next("left", (frame) => frame.name === "dead", 8_000);
    const elapsed = performance.now() - spoke;
    assert.equal(left.reason, "timed out");
    assert.ok(elapsed >= 2_900, `dropped after ${Math.round(elapsed)} ms, before the heartbeat`);
    assert.ok(elapsed <= 5_500, `dropped only after ${Math.round(elapsed)} ms`);
    await dead.closed();
    assert.ok(
      dead.all("ping").length >= 1,
      `the server pinged before giving up: ${JSON.stringify(dead.frames)}`,
    );
    // Told why last, as IRC's ERROR says it, and invited back: its link may have been at fault.
    assert.deepEqual(dead.frames.at(-1), {
      type: "bye",
      reason: "Ping timeout: 3 seconds",
      retry: true,
    });
  });

  const half = scenario("half a hello", async () => {
    await using half = await TestClient.connect(port);
    await half.write('{"type":"hel');
    const spoke = performance.now();
    await half.closed(5_000);
    const elapsed = performance.now() - spoke;
    assert.ok(elapsed >= 800, `closed after ${Math.round(elapsed)} ms, before the handshake`);
    assert.ok(elapsed <= 3_500, `closed only after ${Math.round(elapsed)} ms`);
    assert.deepEqual(half.frames, [{ type: "bye", reason: "No hello within 1 s" }]);
    assert.deepEqual(half.garbage, []);
  });

  const silent = scenario("a silent connection", async () => {
    await using silent = await TestClient.connect(port);
    const opened = performance.now();
    await waitUntil(() => silent.garbage.length >= 1, 3_000, "the text greeting");
    const greeted = performance.now() - opened;
    assert.ok(greeted >= 400 && greeted < 2_500, `greeted after ${Math.round(greeted)} ms`);
    assert.equal(silent.garbage[0], "Welcome to chat. Type your name and press Enter.");
    await silent.closed(10_000);
    const elapsed = performance.now() - opened;
    assert.ok(elapsed >= 5_500, `closed after ${Math.round(elapsed)} ms, before 6 x handshake`);
    assert.ok(elapsed <= 8_500, `closed only after ${Math.round(elapsed)} ms`);
    // Whoever sees the greeting is a person: the goodbye is in text, on a line of its own.
    assert.deepEqual(silent.garbage, [
      "Welcome to chat. Type your name and press Enter.",
      "Your name: ",
      "-- Disconnected: No name given within 6 s",
    ]);
    assert.deepEqual(silent.frames, []);
  });

  try {
    await allSettled([dead, half, silent]);
    await scenario("a live peer", async () => {
      // By now live has sent nothing but pongs for twice the heartbeat.
      const quiet = performance.now() - liveJoined;
      assert.ok(quiet > 6_000, `only ${Math.round(quiet)} ms passed`);
      assert.ok(pinger.answered() >= 2, `answered ${pinger.answered()} pings`);
      assert.ok(!live.ended, "live is still connected");
      await pinger.stop();
      await live.sync();
      assert.equal(server.hub.size, 1);
      assert.deepEqual(live.all("left").map((frame) => frame.name), ["dead"]);
    });
    assert.ok(log.some((line) => /timed out after \d+ s of silence/.test(line)), log.join("\n"));
  } finally {
    await pinger.stop();
  }
});

Deno.test("startServer() does not take a client slowed down by the rate limit for a silent one", async () => {
  // 36 lines at 4 a second after a burst of 16 take 5 s to be read: longer
  // than the 3 s heartbeat, while the client's answers to pings wait behind them.
  const { server, log } = await loggedServer({ heartbeat: 3, messageRate: 4 });
  await using _server = server;
  const port = server.addr.port;
  await using flood = await TestClient.join(port, "flood");
  await using bob = await TestClient.join(port, "bob");
  const pingers = [answerPings(flood), answerPings(bob)];
  try {
    const count = 36;
    const started = performance.now();
    await flood.write(
      Array.from({ length: count }, (_, i) => encodeFrame({ type: "say", text: `line ${i + 1}` }))
        .join(""),
    );
    await bob.next("message", (frame) => frame.text === `line ${count}`, 12_000);
    const took = performance.now() - started;
    assert.ok(took > 4_000, `read in ${Math.round(took)} ms: not longer than the heartbeat`);
    assert.ok(!flood.ended, "the slowed-down client is still connected");
    assert.deepEqual(
      bob.all("message").map((frame) => frame.text),
      Array.from({ length: count }, (_, i) => `line ${i + 1}`),
    );
    assert.deepEqual(bob.all("left"), []);
    assert.ok(!log.some((line) => /timed out/.test(line)), log.join("\n"));
  } finally {
    for (const pinger of pingers) await pinger.stop();
  }
});

Deno.test("startServer() slows a flood down without losing it, and others stay prompt", async (t) => {
  const rate = 50;
  const count = 500;
  await using server = await startServer({ hostname: LOOPBACK, port: 0, messageRate: rate });
  const port = server.addr.port;
  await using flood = await TestClient.join(port, "flood");
  await using bob = await TestClient.join(port, "bob");
  await using carol = await TestClient.join(port, "carol");
  const latencies: number[] = [];
  let duration = 0;

  await t.step("500 messages sent at once arrive in order, over rate-limited time", async () => {
    const started = performance.now();
    // Everything at once, in one write: as fast as the socket takes it.
    await flood.write(
      Array.from({ length: count }, (_, i) => encodeFrame({ type: "say", text: `flood ${i + 1}` }))
        .join(""),
    );
    const finished = bob.next("message", (frame) => frame.text === `flood ${count}`, 15_000)
      .then(() => duration = performance.now() - started);
    // Meanwhile carol talks at a person's pace and times how long each line takes to reach bob.
    let round = 0;
    let done = false;
    void finished.then(() => done = true, () => done = true);
    while (!done) {
      const text = `carol ${++round}`;
      const sentAt = performance.now();
      await carol.say(text);
      const heard = () => bob.frames.some((f) => f.type === "message" && f.text === text);
      await waitUntil(heard, 5_000, `bob to hear "${text}"`);
      latencies.push(performance.now() - sentAt);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await finished;
    // The burst is 4 x the rate; the rest comes at the rate.
    const minimum = (count - 4 * rate) / rate * 1000;
    assert.ok(duration >= minimum * 0.9, `the flood took ${Math.round(duration)} ms`);
    assert.ok(duration <= minimum + 3_000, `the flood took ${Math.round(duration)} ms`);
    await bob.sync();
    const floods = bob.all("message").filter((frame) => frame.from === "flood");
    assert.deepEqual(
      floods.map((frame) => frame.text),
      Array.from({ length: count }, (_, i) => `flood ${i + 1}`),
    );
  });

  await t.step("the flooder is told once, and only once, that it is slowed down", async () => {
    await flood.sync();
    const errors = flood.all("error");
    assert.deepEqual(errors.map((frame) => frame.code), ["rate_limited"], JSON.stringify(errors));
    assert.ok(!flood.ended);
    const own = flood.all("message").filter((frame) => frame.from === "flood");
    assert.equal(own.length, count, "the flooder gets its own messages back");
  });

  await t.step("the others' messages came through promptly during the flood", () => {
    assert.ok(latencies.length >= 10, `only ${latencies.length} messages from carol`);
    const worst = Math.max(...latencies);
    assert.ok(worst < 1_000, `carol's worst latency was ${Math.round(worst)} ms`);
    // They were interleaved with the flood, not queued behind it.
    const texts = bob.all("message").map((frame) => frame.text);
    const lastFlood = texts.indexOf(`flood ${count}`);
    const carolsBefore = texts.slice(0, lastFlood).filter((text) => text.startsWith("carol"));
    assert.ok(carolsBefore.length >= 10, `${carolsBefore.length} of carol's came before the end`);
  });
});

/**
 * Connects and finds out whether the server admitted the connection: a pong
 * to a ping means yes, a bye means no. Returns the bye, if any.
 */
async function knock(client: TestClient): Promise<FrameOf<"bye"> | undefined> {
  await client.send({ type: "ping", token: "knock" }).catch(() => {});
  await waitUntil(
    () => client.ended || client.frames.some((f) => f.type === "pong" || f.type === "bye"),
    5_000,
    "a pong or a bye",
  );
  return client.all("bye")[0];
}

/** A raw TCP connection from a chosen loopback source address, through node:net. */
class SourcedClient implements AsyncDisposable {
  readonly socket: net.Socket;
  text = "";
  #ended = false;
  readonly #closed: Promise<void>;

  constructor(port: number, localAddress: string) {
    this.socket = net.connect({ host: LOOPBACK, port, localAddress });
    this.socket.setEncoding("utf8");
    this.socket.on("data", (chunk: string) => this.text += chunk);
    this.socket.on("error", () => {});
    this.#closed = new Promise((resolve) =>
      this.socket.once("close", () => {
        this.#ended = true;
        resolve();
      })
    );
  }

  /** Waits for the connection, pings, and says whether a pong (admitted) or a bye came. */
  async knock(): Promise<"admitted" | "refused"> {
    await within(
      new Promise<void>((resolve, reject) => {
        this.socket.once("connect", resolve);
        this.socket.once("error", reject);
      }),
      5_000,
      "a node:net connection",
    );
    this.socket.write(encodeFrame({ type: "ping", token: "knock" }));
    await waitUntil(
      () => this.#ended || this.text.includes('"pong"') || this.text.includes('"bye"'),
      5_000,
      "a pong or a bye",
    );
    return this.text.includes('"pong"') ? "admitted" : "refused";
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.socket.destroy();
    await this.#closed;
  }
}

/** Knocks until the server admits a connection; a slot is freed once the server sees a close. */
async function knockUntilAdmitted(port: number, ms = 5_000): Promise<TestClient> {
  const deadline = performance.now() + ms;
  while (true) {
    const client = await TestClient.connect(port);
    if (await knock(client) === undefined) return client;
    await client[Symbol.asyncDispose]();
    if (performance.now() > deadline) throw new Error(`No slot was freed within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A WebSocket client that records whether it opened and what it received. */
class WsProbe implements AsyncDisposable {
  readonly socket: WebSocket;
  readonly frames: ServerFrame[] = [];
  /** Resolves `true` once open, `false` if the socket closed first. */
  readonly opened: Promise<boolean>;
  readonly #closed: Promise<void>;

  constructor(url: string, options: WebSocketOptions = {}) {
    this.socket = new WebSocket(url, options);
    const { promise: opened, resolve: open } = Promise.withResolvers<boolean>();
    this.opened = opened;
    this.socket.onopen = () => open(true);
    this.socket.onerror = () => {};
    this.socket.onmessage = (event) => this.frames.push(JSON.parse(event.data));
    this.#closed = new Promise((resolve) =>
      this.socket.onclose = () => {
        open(false);
        resolve();
      }
    );
  }

  /** Sends one frame. */
  send(frame: Parameters<typeof encodeFrame>[0]): void {
    this.socket.send(JSON.stringify(frame));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.socket.readyState !== WebSocket.CLOSED) this.socket.close();
    await this.#closed;
  }
}

/** Sends a WebSocket upgrade by hand and returns the status line and body of the answer. */
async function rawUpgrade(port: number): Promise<string> {
  using conn = await Deno.connect({ hostname: LOOPBACK, port });
  await writeAll(
    conn,
    [
      "GET /ws HTTP/1.1",
      `Host: ${LOOPBACK}:${port}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      "Sec-WebSocket-Version: 13",
      "",
      "",
    ].join("\r\n"),
  );
  const buffer = new Uint8Array(4096);
  const decoder = new TextDecoder();
  let text = "";
  while (!/\r\n\r\n[^]*\n/.test(text)) {
    const count = await within(conn.read(buffer), 5_000, "an HTTP answer");
    if (count === null) break;
    text += decoder.decode(buffer.subarray(0, count), { stream: true });
  }
  return text;
}

Deno.test("startServer() refuses connections over maxConnections and frees the slot on close", async (t) => {
  await using server = await startServer({
    hostname: LOOPBACK,
    port: 0,
    maxConnections: 5,
    webPort: 0,
  });
  const port = server.addr.port;
  const wsUrl = `ws://${LOOPBACK}:${server.webAddr!.port}/ws`;
  const clients: TestClient[] = [];
  try {
    await t.step("five connections are admitted, the sixth gets a bye and is closed", async () => {
      for (let i = 0; i < 5; i++) {
        clients.push(await TestClient.connect(port));
        assert.equal(await knock(clients[i]!), undefined, `connection ${i + 1} is admitted`);
      }
      await using sixth = await TestClient.connect(port);
      const bye = await knock(sixth);
      assert.deepEqual(bye, {
        type: "bye",
        reason: "The server is full; try again later",
        retry: true,
      });
      await sixth.closed();
      assert.deepEqual(sixth.all("pong"), []);
    });

    await t.step("a WebSocket upgrade is refused too, with 503 and the reason", async () => {
      const answer = await rawUpgrade(server.webAddr!.port);
      assert.match(answer, /^HTTP\/1\.1 503 /);
      assert.match(answer, /The server is full/);
      await using ws = new WsProbe(wsUrl);
      assert.equal(await within(ws.opened, 5_000, "the WebSocket to open or fail"), false);
    });

    await t.step("closing one connection frees its slot", async () => {
      await clients.shift()![Symbol.asyncDispose]();
      clients.push(await knockUntilAdmitted(port));
    });

    await t.step("a WebSocket takes a freed slot, and holds it against TCP", async () => {
      await clients.shift()![Symbol.asyncDispose]();
      // Try until the server has seen the close.
      let ws: WsProbe | undefined;
      const deadline = performance.now() + 5_000;
      while (ws === undefined) {
        const probe = new WsProbe(wsUrl);
        if (await within(probe.opened, 5_000, "the WebSocket to open or fail")) ws = probe;
        else {
          await probe[Symbol.asyncDispose]();
          assert.ok(performance.now() < deadline, "no slot for the WebSocket");
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
      try {
        ws.send({ type: "ping", token: "ws" });
        await waitUntil(() => ws!.frames.some((f) => f.type === "pong"), 5_000, "a pong");
        await using extra = await TestClient.connect(port);
        assert.match((await knock(extra))?.reason ?? "", /full/);
      } finally {
        await ws[Symbol.asyncDispose]();
      }
      clients.push(await knockUntilAdmitted(port));
    });
  } finally {
    for (const client of clients) await client[Symbol.asyncDispose]();
  }
});

Deno.test("startServer() refuses connections over maxPerAddress, counting each address apart", async () => {
  await using server = await startServer({
    hostname: LOOPBACK,
    port: 0,
    maxPerAddress: 3,
    maxConnections: 10,
  });
  const port = server.addr.port;
  const clients: TestClient[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      clients.push(await TestClient.connect(port));
      assert.equal(await knock(clients[i]!), undefined, `connection ${i + 1} is admitted`);
    }
    await using fourth = await TestClient.connect(port);
    assert.deepEqual(await knock(fourth), {
      type: "bye",
      reason: "Too many connections from your address",
      retry: true,
    });
    await fourth.closed();
    // Another loopback address is another address: node:net can bind the source.
    await using other = new SourcedClient(port, "127.0.0.2");
    assert.equal(await other.knock(), "admitted", other.text);
    await clients.shift()![Symbol.asyncDispose]();
    clients.push(await knockUntilAdmitted(port));
  } finally {
    for (const client of clients) await client[Symbol.asyncDispose]();
  }
});

/** A raw connection that reads plain text, as `nc` shows it. */
class TextPeer implements AsyncDisposable {
  readonly conn: Deno.Conn;
  text = "";
  readonly #reading: Promise<void>;

  constructor(conn: Deno.Conn) {
    this.conn = conn;
    this.#reading = (async () => {
      const buffer = new Uint8Array(4096);
      const decoder = new TextDecoder();
      try {
        while (true) {
          const count = await conn.read(buffer);
          if (count === null) return;
          this.text += decoder.decode(buffer.subarray(0, count), { stream: true });
        }
      } catch {
        // Closed.
      }
    })();
  }

  static async connect(port: number): Promise<TextPeer> {
    return new TextPeer(await Deno.connect({ hostname: LOOPBACK, port }));
  }

  /** Types one line. */
  async line(text: string): Promise<void> {
    await writeAll(this.conn, `${text}\r\n`);
  }

  /** Waits until what was received ends with `suffix`. */
  async endsWith(suffix: string, ms = 5_000): Promise<void> {
    await waitUntil(
      () => this.text.endsWith(suffix),
      ms,
      `${JSON.stringify(suffix)} in ${JSON.stringify(this.text)}`,
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.conn.close();
    } catch {
      // Closed by the server.
    }
    await this.#reading;
  }
}

Deno.test("startServer() with a password lets in only those who know it, and slows guessing", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0, password: "s3cret" });
  const port = server.addr.port;
  const hello = (password?: string, name = "alice") =>
    password === undefined
      ? { type: "hello" as const, version: 1, name }
      : { type: "hello" as const, version: 1, name, password };

  await t.step("no password, a wrong one, then the right one, on one connection", async () => {
    await using alice = await TestClient.connect(port);
    await alice.send(hello());
    assert.deepEqual(await alice.next("error"), {
      type: "error",
      code: "password_required",
      message: "This server needs a password",
    });
    await alice.send(hello("S3CRET"));
    const wrong = await alice.next("error");
    assert.equal(wrong.code, "password_wrong");
    assert.equal(wrong.message, "Wrong password");
    await alice.send(hello("s3cret"));
    assert.equal((await alice.next("welcome")).name, "alice");
    assert.equal((await alice.next("room")).room, LOBBY);
    assert.deepEqual(alice.all("welcome").length, 1);
  });

  await t.step("after three wrong tries the next waits, even with the right password", async () => {
    await using mallory = await TestClient.connect(port);
    for (let i = 1; i <= 3; i++) {
      await mallory.send(hello(`guess${i}`, "mallory"));
      assert.equal((await mallory.next("error")).message, "Wrong password", `guess ${i}`);
    }
    const thirdWrong = performance.now();
    await mallory.send(hello("s3cret", "mallory"));
    const refused = await mallory.next("error");
    assert.equal(refused.code, "password_wrong");
    assert.match(refused.message, /wait 1 s/);
    // Knock until the wait has passed; every try in between is refused the same way.
    let welcome: FrameOf<"welcome"> | undefined;
    while (welcome === undefined) {
      assert.ok(performance.now() - thirdWrong < 4_000, "the wait never ended");
      await new Promise((resolve) => setTimeout(resolve, 100));
      const mark = mallory.frames.length;
      await mallory.send(hello("s3cret", "mallory"));
      const answer = await answerAfter(mallory, mark);
      if (answer.type === "welcome") welcome = answer;
      else assert.match(answer.message, /wait \d+ s/);
    }
    const waited = performance.now() - thirdWrong;
    assert.ok(waited >= 900, `let in after ${Math.round(waited)} ms`);
  });

  await t.step("a text user is asked for the password after the name", async () => {
    await using carol = await TextPeer.connect(port);
    await carol.line("carol");
    await carol.endsWith("Password: ");
    assert.match(carol.text, /Your name: !! This server needs a password\r\nPassword: $/);
    await carol.line("nope");
    await carol.endsWith("!! Wrong password\r\nPassword: ");
    await carol.line("s3cret");
    await waitUntil(() => carol.text.includes("Connected to chat as carol"), 5_000, "carol joined");
    await using bob = await TestClient.connect(port);
    await bob.send(hello("s3cret", "bob"));
    await bob.next("welcome");
    await carol.line("hi bob");
    assert.equal((await bob.next("message")).text, "hi bob");
  });
});

Deno.test("chat serve takes its password from a file or CHAT_PASSWORD, never from its arguments", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "chat-password-" });
  const file = `${dir}/password`;
  const empty = `${dir}/empty`;
  await Deno.writeTextFile(file, "s3cret\n");
  await Deno.writeTextFile(empty, "");
  const serve = (...args: string[]) => [
    "serve",
    "--host",
    LOOPBACK,
    "--port",
    "0",
    "--no-web",
    "--memory",
    ...args,
  ];
  try {
    await t.step(
      "--password-file: the password works, and neither ps nor the log shows it",
      async () => {
        await using server = new ChatProcess(serve("--password-file", file));
        const [, port] = await server.waitForStdout(/listening on 127\.0\.0\.1:(\d+)$/m);
        const cmdline = await Deno.readTextFile(`/proc/${server.pid}/cmdline`).catch(() => "");
        assert.ok(!cmdline.includes("s3cret"), cmdline);
        await using watcher = await TestClient.connect(Number(port));
        await watcher.send({ type: "hello", version: 1, name: "watcher" });
        assert.equal((await watcher.next("error")).code, "password_required");
        await watcher.send({ type: "hello", version: 1, name: "watcher", password: "s3cret" });
        await watcher.next("welcome");

        const address = `${LOOPBACK}:${port}`;
        const [joined, refused] = await Promise.all([
          runChat(["join", address, "--name", "ci", "--password-file", file], "built ok\n"),
          runChat(["join", address, "--name", "ci2"], "never sent\n"),
        ]);
        assert.equal(joined.code, 0, joined.stderr);
        assert.equal((await watcher.next("message")).text, "built ok");
        assert.equal(refused.code, 1);
        assert.match(
          assertOneErrorLine(refused),
          /needs a password.*CHAT_PASSWORD.*--password-file/,
        );
        await watcher.sync();
        assert.deepEqual(watcher.all("message").map((frame) => frame.text), ["built ok"]);

        server.kill("SIGTERM");
        const outcome = await server.finished();
        assert.equal(outcome.code, 0, outcome.stderr);
        assert.ok(!outcome.stdout.includes("s3cret"), outcome.stdout);
      },
    );

    await t.step("CHAT_PASSWORD works for serve and join alike", async () => {
      const env = { CHAT_PASSWORD: "from-env" };
      await using server = new ChatProcess(serve(), { env });
      const [, port] = await server.waitForStdout(/listening on 127\.0\.0\.1:(\d+)$/m);
      await using watcher = await TestClient.connect(Number(port));
      await watcher.send({ type: "hello", version: 1, name: "watcher", password: "s3cret" });
      assert.equal((await watcher.next("error")).code, "password_wrong");
      await watcher.send({ type: "hello", version: 1, name: "watcher", password: "from-env" });
      await watcher.next("welcome");
      const joined = await runChat(["join", `${LOOPBACK}:${port}`, "--name", "ci"], "hi\n", {
        env,
      });
      assert.equal(joined.code, 0, joined.stderr);
      assert.equal((await watcher.next("message")).text, "hi");
    });

    await t.step("a missing or empty password is one clear line and exit 1", async () => {
      const [missing, blank, blankEnv, flag] = await Promise.all([
        runChat(serve("--password-file", `${dir}/missing`)),
        runChat(serve("--password-file", empty)),
        runChat(serve(), "", { env: { CHAT_PASSWORD: "" } }),
        runChat(serve("--password", "s3cret")),
      ]);
      assert.equal(missing.code, 1);
      assert.equal(
        assertOneErrorLine(missing),
        `chat: cannot read password file "${dir}/missing": no such file`,
      );
      assert.equal(blank.code, 1);
      assert.equal(assertOneErrorLine(blank), `chat: password file "${empty}" is empty`);
      assert.equal(blankEnv.code, 1);
      assert.equal(assertOneErrorLine(blankEnv), "chat: CHAT_PASSWORD is set but empty");
      // There is no flag that would put the password where ps shows it.
      assert.equal(flag.code, 2);
      assert.match(
        assertOneErrorLine(flag),
        /^chat: unknown option "--password": give the password with --password-file FILE or CHAT_PASSWORD, which ps does not show/,
      );
      for (const outcome of [missing, blank, blankEnv, flag]) {
        assert.ok(!outcome.stdout.includes("listening"), outcome.stdout);
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: `startServer() speaks TLS on both ports to clients that trust its certificate${
    OPENSSL === undefined ? " (ignored: openssl is not installed)" : ""
  }`,
  ignore: OPENSSL === undefined,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "chat-tls-" });
    try {
      const cert = await selfSignedCert(dir);
      await using server = await startServer({
        hostname: LOOPBACK,
        port: 0,
        webPort: 0,
        tls: { cert: cert.cert, key: cert.key },
        handshake: 1,
      });
      const port = server.addr.port;
      const join = async (name: string) => {
        const client = await connectTls(port, cert.cert);
        await client.send({ type: "hello", version: 1, name });
        await client.next("welcome");
        await client.next("room");
        return client;
      };
      await using alice = await join("alice");

      await t.step("a TLS client does a full round trip", async () => {
        await using bob = await join("bob");
        await alice.next("joined", (frame) => frame.name === "bob");
        await bob.say("over TLS");
        assert.equal((await alice.next("message")).text, "over TLS");
        assert.equal((await bob.next("message")).text, "over TLS");
      });

      await t.step("a plain TCP client gets no welcome and is closed", async () => {
        await using plain = await TestClient.connect(port);
        await plain.send({ type: "hello", version: 1, name: "plain" }).catch(() => {});
        await plain.closed();
        assert.deepEqual(plain.frames, []);
        assert.equal(server.hub.size, 1);
      });

      await t.step(
        "a client that never starts the handshake is closed at the deadline",
        async () => {
          await using silent = await TestClient.connect(port);
          await silent.closed(5_000);
          assert.deepEqual(silent.frames, []);
        },
      );

      await t.step("chat join --ca FILE sends over TLS", async () => {
        const outcome = await runChat(
          ["join", `${LOOPBACK}:${port}`, "--name", "cli", "--ca", cert.certFile],
          "hello from the CLI\n",
        );
        assert.equal(outcome.code, 0, outcome.stderr);
        const message = await alice.next("message", (frame) => frame.from === "cli");
        assert.equal(message.text, "hello from the CLI");
      });

      await t.step("chat join --tls without --ca says the certificate is not trusted", async () => {
        const outcome = await runChat(
          ["join", `${LOOPBACK}:${port}`, "--name", "cli", "--tls"],
          "never sent\n",
        );
        assert.equal(outcome.code, 1);
        const line = assertOneErrorLine(outcome);
        assert.match(line, /certificate is not trusted/);
        assert.match(line, /--ca/);
      });

      await t.step("wss:// works for a WebSocket client that trusts the certificate", async () => {
        const wss = `wss://${LOOPBACK}:${server.webAddr!.port}/ws`;
        const client = Deno.createHttpClient({ caCerts: [cert.cert] });
        try {
          await using web = new WsProbe(wss, { client });
          assert.equal(await within(web.opened, 5_000, "the wss socket to open"), true);
          web.send({ type: "hello", version: 1, name: "web" });
          await waitUntil(() => web.frames.some((f) => f.type === "welcome"), 5_000, "welcome");
          web.send({ type: "say", text: "from the browser side" });
          const message = await alice.next("message", (frame) => frame.from === "web");
          assert.equal(message.text, "from the browser side");
        } finally {
          client.close();
        }
        await using untrusting = new WsProbe(wss);
        assert.equal(await within(untrusting.opened, 5_000, "the wss socket to fail"), false);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("startServer() refuses names that look like a taken or reserved one", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await using mallory = await TestClient.connect(port);
  const attempt = async (name: string) => {
    const mark = mallory.frames.length;
    await mallory.send({ type: "hello", version: 1, name });
    return await answerAfter(mallory, mark);
  };

  await t.step("look-alikes of alice are taken", async () => {
    for (const name of ["\u0430lice", "ALICE", "a1ice", "al1ce", "\uff21lice", "alıce"]) {
      const answer = await attempt(name);
      assert.equal(answer.type, "error", `${JSON.stringify(name)} was let in`);
      assert.equal((answer as FrameOf<"error">).code, "name_taken", JSON.stringify(name));
    }
  });

  await t.step("names posing as the system are reserved", async () => {
    for (const name of ["Server", "\u0405YSTEM", "SYSTEM", "adm1n"]) {
      const answer = await attempt(name);
      assert.equal(answer.type, "error", `${JSON.stringify(name)} was let in`);
      assert.equal((answer as FrameOf<"error">).code, "name_invalid", JSON.stringify(name));
      assert.match((answer as FrameOf<"error">).message, /reserved/);
    }
  });

  await t.step("invisible letters and joiners are refused", async () => {
    for (const name of ["\u3164", "al\u3164ice", "ali\u200dce", "bo\u200bb", "\u115fbob"]) {
      const answer = await attempt(name);
      assert.equal(answer.type, "error", `${JSON.stringify(name)} was let in`);
      assert.equal((answer as FrameOf<"error">).code, "name_invalid", JSON.stringify(name));
    }
  });

  await t.step("a really different name is let in, and nick obeys the same rule", async () => {
    const answer = await attempt("alicia");
    assert.equal(answer.type, "welcome");
    await mallory.next("room");
    for (const name of ["ALlCE", "\u0430lice"]) {
      await mallory.send({ type: "nick", name });
      assert.equal((await mallory.next("error")).code, "name_taken");
    }
    await alice.sync();
    assert.deepEqual(alice.all("renamed"), []);
    assert.equal(server.hub.size, 2);
  });
});

Deno.test("startServer() lets a client take its session back with the resume token", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using bob = await TestClient.join(port, "bob");
  await using carol = await TestClient.join(port, "carol");
  await bob.send({ type: "join", room: "#dev" });
  await bob.next("room", (frame) => frame.room === "#dev");
  // alice's first connection: it will go half-dead, open but unheard.
  await using old = await TestClient.connect(port);
  await old.send({ type: "hello", version: 1, name: "alice" });
  const welcome = await old.next("welcome");
  assert.equal(typeof welcome.resume, "string");
  const token = welcome.resume!;
  await old.send({ type: "join", room: "#dev" });
  await old.next("room", (frame) => frame.room === "#dev");
  await bob.say("dev 1");
  const lastSeen = (await old.next("message", (frame) => frame.text === "dev 1")).id;
  // What alice misses: two messages in #dev, one in the lobby.
  await bob.say("dev 2");
  await carol.say("lobby 1");
  await bob.say("dev 3");
  await bob.next("message", (frame) => frame.text === "dev 3");
  await bob.sync();
  await carol.sync();
  const bobMark = bob.frames.length;
  const carolMark = carol.frames.length;

  await using fresh = await TestClient.connect(port);

  await t.step("a wrong token does not take the name", async () => {
    await fresh.send({ type: "hello", version: 1, name: "alice", resume: "not-the-token" });
    assert.equal((await fresh.next("error")).code, "name_taken");
    assert.ok(!old.ended);
  });

  await t.step("the right token takes the name, room and exactly the missed messages", async () => {
    await fresh.send({
      type: "hello",
      version: 1,
      name: "alice",
      resume: token,
      room: "#dev",
      since: lastSeen,
    });
    const back = await fresh.next("welcome");
    assert.equal(back.name, "alice");
    assert.ok(back.resume !== undefined && back.resume !== token, "a new token each time");
    const room = await fresh.next("room");
    assert.deepEqual([room.room, room.members, room.count], ["#dev", ["alice", "bob"], 2]);
    await fresh.sync();
    assert.deepEqual(
      fresh.all("message").map((frame) => [frame.text, frame.replay]),
      [["dev 2", true], ["dev 3", true]],
    );
  });

  await t.step("the old connection gets a bye and is closed; the room sees nothing", async () => {
    await old.closed();
    assert.deepEqual(old.frames.at(-1), {
      type: "bye",
      reason: "You connected again from elsewhere",
    });
    await bob.sync();
    assert.deepEqual(since(bob, bobMark), []);
    await carol.sync();
    assert.deepEqual(since(carol, carolMark), []);
  });

  await t.step("the session goes on live, and the used token is spent", async () => {
    await bob.say("dev 4");
    const live = await fresh.next("message");
    assert.deepEqual([live.text, live.replay], ["dev 4", undefined]);
    await fresh.say("back");
    assert.equal((await bob.next("message", (frame) => frame.from === "alice")).text, "back");
    await using again = await TestClient.connect(port);
    await again.send({ type: "hello", version: 1, name: "alice", resume: token });
    assert.equal((await again.next("error")).code, "name_taken");
    assert.equal(server.hub.size, 3);
  });
});

/**
 * Runs a server under a low open-file limit, opens more connections than it
 * can accept, closes them, and waits for a newcomer to be welcomed.
 */
async function exhaustAndRecover(cert?: TestCert): Promise<void> {
  // Under this limit the server runs out after a few dozen connections.
  const limit = 64;
  await using server = new ChatProcess(cert === undefined ? [] : [cert.certFile, cert.keyFile], {
    wrap: ["sh", "-c", `ulimit -n ${limit} && exec "$@"`, "sh"],
    denoArgs: ["run", "--allow-net=127.0.0.1", "--allow-read", "tests/_fd_limited_server.ts"],
    graceMs: 3_000,
  });
  const port = Number((await server.waitForStdout(/^port (\d+)$/m))[1]);
  const crowd: Deno.TcpConn[] = [];
  try {
    // The kernel completes every TCP handshake; the server cannot accept them all.
    for (let i = 0; i < limit * 2; i++) {
      crowd.push(await Deno.connect({ hostname: LOOPBACK, port }));
    }
  } finally {
    for (const conn of crowd) conn.close();
  }
  // With descriptors free again, a newcomer gets in: at once, or once the
  // server has noticed that its port stopped taking connections.
  const attempt = async (): Promise<boolean> => {
    let conn: Deno.TcpConn | Deno.TlsConn;
    if (cert === undefined) conn = await Deno.connect({ hostname: LOOPBACK, port });
    else {
      const tlsConn = await Deno.connectTls({ hostname: LOOPBACK, port, caCerts: [cert.cert] });
      const shaken = await within(tlsConn.handshake(), 1_000).then(() => true, () => false);
      if (!shaken) {
        tlsConn.close();
        return false;
      }
      conn = tlsConn;
    }
    // TestClient only reads, writes and closes, which a TLS connection does alike.
    await using client = new TestClient(conn as Deno.TcpConn);
    await client.send({ type: "hello", version: 1, name: "late" });
    return await client.next("welcome", () => true, 1_000).then(() => true, () => false);
  };
  await within(
    (async () => {
      while (!(await attempt().catch(() => false))) {
        // The stuck port refused or dropped this one; try again.
      }
    })(),
    20_000,
    "a newcomer to be welcomed",
  );
}

Deno.test("startServer() takes connections again after running out of file descriptors", async (t) => {
  // Two servers, each in a process of its own with its own limit: they run out side by side,
  // then each port's outcome is a step.
  const [tcp, tls] = await Promise.allSettled([
    exhaustAndRecover(),
    (async () => {
      if (OPENSSL === undefined) return;
      const dir = await Deno.makeTempDir({ prefix: "chat-fd-tls-" });
      try {
        await exhaustAndRecover(await selfSignedCert(dir));
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    })(),
  ]);
  await t.step("on a TCP port", () => settledValue(tcp));
  await t.step({
    name: `on a TLS port${OPENSSL === undefined ? " (ignored: openssl is not installed)" : ""}`,
    ignore: OPENSSL === undefined,
    fn: () => settledValue(tls),
  });
});

/**
 * The ports at the far end of `port`'s connections that have closed lately
 * (in TIME-WAIT on either side), as the kernel lists them.
 */
async function closedPeers(port: number): Promise<number[]> {
  const { stdout } = await new Deno.Command("ss", {
    args: ["-Htan", "state", "time-wait", `( sport = :${port} or dport = :${port} )`],
  }).output();
  return [...new TextDecoder().decode(stdout).matchAll(/:(\d+)\s+\S+:(\d+)/g)]
    .map(([, local, peer]) => Number(local) === port ? Number(peer) : Number(local));
}

Deno.test("startServer() serves a client that connects from the port its last probe came from", async () => {
  // The listener probes itself from a port it picks and knows the probe by that port. Once
  // the probe is over, the port is anyone's: a client on this machine may be handed it.
  await using server = await startServer({ hostname: LOOPBACK, port: 0, probe: 1, log: () => {} });
  const port = server.addr.port;
  // The kernel is asked every 10 ms, for up to 5 s, until a probe has come and gone.
  let probes: number[] = [];
  for (const deadline = performance.now() + 5_000; probes.length === 0;) {
    if (performance.now() > deadline) throw new Error("No probe came and went within 5 s");
    probes = await closedPeers(port);
    if (probes.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  // The next probe is a second away.
  const socket = net.connect({
    host: LOOPBACK,
    port,
    localAddress: LOOPBACK,
    localPort: probes[0],
  });
  const lines: string[] = [];
  let buffered = "";
  const ended = new Promise<void>((resolve) => {
    socket.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const parts = buffered.split("\n");
      buffered = parts.pop()!;
      lines.push(...parts);
    });
    socket.on("error", () => {});
    socket.on("close", () => resolve());
  });
  try {
    socket.write(encodeFrame({ type: "hello", version: 1, name: "alice" }));
    await within(
      Promise.race([
        waitUntil(() => lines.length > 0, 5_000, "an answer"),
        ended.then(() => Promise.reject(new Error("The server closed the connection unanswered"))),
      ]),
      5_000,
      "an answer",
    );
    assert.equal(JSON.parse(lines[0]!).type, "welcome");
  } finally {
    socket.destroy();
    await ended;
  }
});

/** Loads the page over a new connection to `port`; true if it came whole. */
async function pageLoads(port: number): Promise<boolean> {
  // A client of its own: a kept-alive connection would not show that the port takes new ones.
  using client = Deno.createHttpClient({});
  try {
    const response = await fetch(`http://${LOOPBACK}:${port}/`, {
      client,
      signal: AbortSignal.timeout(1_000),
    });
    return response.status === 200 && (await response.text()).includes("</html>");
  } catch {
    return false;
  }
}

Deno.test("startServer() keeps its web port alive through running out of file descriptors", async (t) => {
  const limit = 64;
  await using server = new ChatProcess(["--web"], {
    wrap: ["sh", "-c", `ulimit -n ${limit} && exec "$@"`, "sh"],
    denoArgs: ["run", "--allow-net=127.0.0.1", "--allow-read", "tests/_fd_limited_server.ts"],
    graceMs: 3_000,
  });
  const web = Number((await server.waitForStdout(/^web (\d+)$/m))[1]);
  const port = Number((await server.waitForStdout(/^port (\d+)$/m))[1]);

  const flood = async (target: number, then?: () => Promise<unknown>) => {
    const crowd: Deno.TcpConn[] = [];
    try {
      for (let i = 0; i < limit * 2; i++) {
        crowd.push(await Deno.connect({ hostname: LOOPBACK, port: target }));
      }
      await then?.();
    } finally {
      for (const conn of crowd) conn.close();
    }
  };
  const recovers = () =>
    within(
      (async () => {
        while (!(await pageLoads(web))) {
          // The stuck port dropped this one; the server opens it again.
        }
      })(),
      20_000,
      "the page to load again",
    );

  await t.step("idle HTTP connections past the limit do not end the server", async () => {
    await flood(web);
    await recovers();
    assert.equal(server.exited, false);
  });

  await t.step("chat connections past the limit, then a request for the page", async () => {
    await flood(port, () => pageLoads(web));
    await recovers();
    assert.equal(server.exited, false);
  });

  await t.step("a WebSocket user gets in afterwards", async () => {
    const socket = new WebSocket(`ws://${LOOPBACK}:${web}/ws`);
    const frames: string[] = [];
    const welcomed = new Promise<void>((resolve, reject) => {
      socket.onmessage = (event) => {
        frames.push(String(event.data));
        if (String(event.data).includes('"welcome"')) resolve();
      };
      socket.onerror = () => reject(new Error("the WebSocket failed"));
    });
    socket.onopen = () => socket.send(JSON.stringify({ type: "hello", version: 1, name: "late" }));
    const closed = new Promise((resolve) => socket.onclose = resolve);
    try {
      await within(welcomed, 5_000, "a welcome over WebSocket");
    } finally {
      socket.close();
      await closed;
    }
  });
});

Deno.test("startServer() closes idle kept-alive HTTP connections when it runs out of file descriptors", async () => {
  const limit = 64;
  // Kept-alive connections may idle for 5 seconds, longer than this test takes.
  await using server = new ChatProcess(["--web", "--handshake", "30"], {
    wrap: ["sh", "-c", `ulimit -n ${limit} && exec "$@"`, "sh"],
    denoArgs: ["run", "--allow-net=127.0.0.1", "--allow-read", "tests/_fd_limited_server.ts"],
    graceMs: 3_000,
  });
  const web = Number((await server.waitForStdout(/^web (\d+)$/m))[1]);
  await server.waitForStdout(/^port (\d+)$/m);
  // More kept-alive connections than the server has file descriptors for: it
  // answers those it took, and the others wait in vain.
  const crowd: RawHttp[] = [];
  try {
    for (let i = 0; i < limit * 2; i++) crowd.push(await RawHttp.open(web));
    await Promise.all(crowd.map((http) => http.send(`${http.head("/")}\r\n`)));
    const line = await server.waitForStdout(
      /^Out of file descriptors: closed (\d+) idle HTTP connections?$/m,
    );
    assert.ok(Number(line[1]) > 0);
    const answers = await Promise.allSettled(crowd.map((http) => http.answer(10_000)));
    const answered = crowd.filter((_, i) => answers[i]!.status === "fulfilled");
    assert.ok(answered.length > 0, "the server answered some of them");
    for (const http of answered) assert.equal(await http.closed(10_000), "");
  } finally {
    await Promise.all(crowd.map((http) => http[Symbol.asyncDispose]()));
  }
  // A newcomer gets in: at once, or once the server has opened its stuck port again.
  await within(
    (async () => {
      while (!(await pageLoads(web))) {
        // The stuck port dropped this one; the server opens it again.
      }
    })(),
    20_000,
    "the page to load again",
  );
  assert.equal(server.exited, false);
});

Deno.test("chat serve lowers --max-connections to what its open-file limit holds, and refuses the rest politely", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-fd-serve-" });
  await using _removed = { [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
  const limit = 256;
  await using server = new ChatProcess(
    [
      "serve",
      "--host",
      LOOPBACK,
      "--port",
      "0",
      "--web-port",
      "0",
      "--irc-port",
      "0",
      "--no-announce",
      "--max-per-ip",
      "100000",
      "--data-dir",
      dir,
    ],
    { wrap: ["sh", "-c", `ulimit -n ${limit} && exec "$@"`, "sh"], stdin: "null", graceMs: 3_000 },
  );
  const [line, fits] = await server.waitForStdout(
    /Only (\d+) connections fit in the open-file limit \(ulimit -n 256\), not 2000: --max-connections is lowered to \1\. To allow 2000, raise the limit before starting the server, e\.g\. "ulimit -n \d+"$/m,
  );
  const max = Number(fits);
  assert.ok(max > 10 && max < limit, line);
  const port = await server.port();
  const web = Number((await server.waitForStdout(/^ {2}http:\/\/127\.0\.0\.1:(\d+)\/$/m))[1]);
  const irc = await server.ircPort();

  await using alice = await TestClient.join(port, "alice");
  const crowd: TestClient[] = [];
  const extras: TestClient[] = [];
  try {
    // Every place taken (alice has one), and then more than the server has descriptors for.
    for (let i = 1; i < max; i++) crowd.push(await TestClient.connect(port));
    for (let i = 0; i < limit; i++) extras.push(await TestClient.connect(port));
    for (const extra of extras) {
      assert.deepEqual(await extra.next("bye", () => true, 10_000), {
        type: "bye",
        reason: "The server is full; try again later",
        retry: true,
      });
    }
    // The web port and the IRC port say so too.
    await using http = await RawHttp.open(web);
    const answer = await http.answer();
    assert.deepEqual([answer.status, answer.body], [503, "The server is full; try again later\n"]);
    await using ircClient = await LineClient.connect(irc);
    await ircClient.expect("ERROR :Closing link: The server is full; try again later");
    // A message that needs a new block of ids is stored.
    await alice.send({ type: "say", text: "still here", cid: "c1" });
    const stored = await alice.next("message", (frame) => frame.cid === "c1");
    assert.equal(stored.text, "still here");
  } finally {
    await Promise.all([...crowd, ...extras].map((client) => client[Symbol.asyncDispose]()));
  }
  // Once they have gone, a newcomer gets in.
  await within(
    (async () => {
      while (true) {
        await using late = await TestClient.connect(port);
        await late.send({ type: "hello", version: 1, name: "late" });
        // Refused while not all of their places are free yet: then try again.
        if (await late.next("welcome").then(() => true, () => false)) return;
      }
    })(),
    10_000,
    "a newcomer to be welcomed",
  );
  assert.doesNotMatch(server.stdout, /stopped taking connections|Out of file descriptors|Cannot/);
});

Deno.test("chat serve logs a burst of refused connections at once, and its size within seconds", async (t) => {
  await using server = new ChatProcess(
    [...SERVE_LOCAL, "--no-web", "--no-irc", "--no-announce", "--memory", "--max-connections", "1"],
    { stdin: "null" },
  );
  const port = await server.port();
  // The one place there is.
  await using _holder = await TestClient.join(port, "holder");
  /** Opens `count` connections one after another; each is turned away with a bye. */
  const burst = async (count: number) => {
    for (let i = 0; i < count; i++) {
      await using refused = await TestClient.connect(port);
      assert.equal((await refused.next("bye")).reason, "The server is full; try again later");
    }
  };
  /** The lines of the log about refused connections so far, without their time, periods as "N s". */
  const refusals = () =>
    server.stdout.split("\n").filter((line) => line.includes("] Refused ")).map((line) =>
      line.replace(/^\[[^\]]*\] /, "").replace(/ in the last \d+ s,/, " in the last N s,")
    );
  const first =
    "Refused a connection from 127.0.0.1: the server is full (1 open, the most allowed)";
  const count = (more: number) =>
    `Refused ${more} more connections in the last N s, from 127.0.0.1: ` +
    "the server was full (1 open, the most allowed)";

  await t.step(
    "the first refusal is logged at once, and the rest soon after the burst",
    async () => {
      await burst(1);
      await server.waitForStdout(/Refused a connection from/);
      await burst(29);
      const ended = performance.now();
      await server.waitForStdout(/Refused 29 more connections/, 10_000);
      assert.ok(performance.now() - ended < 7_000, "the count came late");
      assert.deepEqual(refusals(), [first, count(29)]);
    },
  );

  await t.step("a later burst has a first line and a count of its own", async () => {
    // The quiet after which a refusal opens a new burst: time to pass, not an event to wait for.
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    await burst(12);
    await server.waitForStdout(/Refused 11 more connections/, 10_000);
    assert.deepEqual(refusals(), [first, count(29), first, count(11)]);
  });
});
