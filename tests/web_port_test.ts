/**
 * The web port under attack and under faults, over real sockets: connection
 * limits and deadlines for plain HTTP, host names a page may use, and
 * WebSocket clients that stop reading, flood, fall silent or never say
 * hello, each held to the same rules as a TCP client.
 */

import assert from "node:assert/strict";
import process from "node:process";
import { startServer } from "../server.ts";
import { OPENSSL, selfSignedCert } from "./_fault_helpers.ts";
import { type HttpAnswer, RawHttp } from "./_raw_http.ts";
import { clientFrame, RawWebSocket } from "./_raw_websocket.ts";
import { LOOPBACK, TestClient, within } from "./_test_utils.ts";

/** Reads from `conn` until the server closes it; returns everything read as text. */
async function readToEnd(conn: Deno.Conn, ms = 5_000): Promise<string> {
  const buffer = new Uint8Array(64 * 1024);
  const decoder = new TextDecoder();
  let text = "";
  await within(
    (async () => {
      while (true) {
        let count: number | null;
        try {
          count = await conn.read(buffer);
        } catch (error) {
          if (error instanceof Deno.errors.ConnectionReset) return;
          throw error;
        }
        if (count === null) return;
        text += decoder.decode(buffer.subarray(0, count), { stream: true });
      }
    })(),
    ms,
    "the server to close the connection",
  );
  return text;
}

async function writeText(conn: Deno.Conn, text: string): Promise<void> {
  let bytes = new TextEncoder().encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(await conn.write(bytes));
}

Deno.test("startServer() drops a WebSocket client that stops reading, with close code 1008, and frees its name and slot at once", async (t) => {
  // Three connections from this address at most: alice, bob and the stalled one.
  await using server = await startServer({
    hostname: LOOPBACK,
    port: 0,
    webPort: 0,
    messageRate: 100_000,
    maxPerAddress: 3,
  });
  await using alice = await TestClient.join(server.addr.port, "alice");
  await using bob = await TestClient.join(server.addr.port, "bob");
  // A browser tab put in the background: it says hello, then reads nothing more.
  await using stalled = await RawWebSocket.open(server.webAddr!.port);
  assert.equal(stalled.status, 101);
  await stalled.send({ type: "hello", version: 1, name: "tab" });
  await alice.next("joined", (frame) => frame.name === "tab");

  await t.step("the room goes on and the stalled tab is dropped as too slow", async () => {
    const text = "z".repeat(3_900);
    let sent = 0;
    const dropped = () => bob.all("left").some((frame) => frame.name === "tab");
    while (!dropped()) {
      // Far more than 1 MiB plus what the kernel buffers on loopback means it never was.
      assert.ok(sent < 8_000, `the stalled tab was not dropped after ${sent} messages`);
      for (let i = 0; i < 100; i++) await alice.say(`${++sent} ${text}`);
      await bob.next("message", (frame) => frame.text.startsWith(`${sent} `), 10_000);
    }
    const left = bob.all("left").find((frame) => frame.name === "tab")!;
    assert.equal(left.reason, "too slow to keep up");
  });

  await t.step("its name and its connection slot are free at once", async () => {
    await using again = await RawWebSocket.open(server.webAddr!.port);
    assert.equal(again.status, 101, again.head);
    await again.send({ type: "hello", version: 1, name: "tab" });
    assert.equal((await again.next("welcome")).name, "tab");
  });

  await t.step(
    "reading again, it finds a bye and a close with code 1008 after its backlog",
    async () => {
      const code = await stalled.closed(10_000);
      if (code !== undefined) {
        assert.equal(code, 1008);
        assert.deepEqual(stalled.frames.at(-1), {
          type: "bye",
          reason: "Too slow to keep up",
          retry: true,
        });
      }
    },
  );
});

Deno.test("startServer() answers a WebSocket close that breaks RFC 6455 with 1002, and a good one with its code", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0, webPort: 0 });
  await using alice = await TestClient.join(server.addr.port, "alice");
  /** Joins as `name`, closes with `payload`; returns the server's close code and the room's reason. */
  const closeWith = async (name: string, payload: number[]) => {
    await using socket = await RawWebSocket.open(server.webAddr!.port);
    await socket.send({ type: "hello", version: 1, name });
    await socket.next("welcome");
    await socket.write(clientFrame(0x8, new Uint8Array(payload)));
    const code = await socket.closed();
    const left = await alice.next("left", (frame) => frame.name === name);
    return [code, left.reason];
  };
  const invalid: [string, number[]][] = [
    ["code 999", [0x03, 0xe7]],
    ["code 1005", [0x03, 0xed]],
    ["code 1006", [0x03, 0xee]],
    ["code 1015", [0x03, 0xf7]],
    ["code 2000, not registered", [0x07, 0xd0]],
    ["a 1-byte payload", [0x03]],
    ["a reason that is not UTF-8", [0x03, 0xe8, 0xff, 0xfe]],
  ];
  for (const [what, payload] of invalid) {
    await t.step(`a close with ${what} gets 1002`, async () => {
      assert.deepEqual(await closeWith("bad", payload), [1002, "connection lost"]);
    });
  }
  await t.step("a close with 1001 and a UTF-8 reason gets 1001", async () => {
    const payload = [0x03, 0xe9, ...new TextEncoder().encode("bye ☕")];
    assert.deepEqual(await closeWith("good", payload), [1001, "connection closed"]);
  });
});

Deno.test("startServer() answers a WebSocket frame whose 64-bit length has its top bit set with 1002", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0, webPort: 0 });
  await using alice = await TestClient.join(server.addr.port, "alice");
  await using socket = await RawWebSocket.open(server.webAddr!.port);
  await socket.send({ type: "hello", version: 1, name: "huge" });
  await socket.next("welcome");
  // RFC 6455, section 5.2: the most significant bit of a 64-bit length must be 0.
  await socket.write(new Uint8Array([0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]));
  assert.equal(await socket.closed(), 1002);
  assert.deepEqual(socket.frames.filter((frame) => frame.type === "error"), []);
  assert.equal(
    (await alice.next("left", (frame) => frame.name === "huge")).reason,
    "connection lost",
  );
});

Deno.test("startServer() answers a WebSocket text message that is not UTF-8 with invalid_utf8 and reads on", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0, webPort: 0 });
  await using socket = await RawWebSocket.open(server.webAddr!.port);
  socket.read();
  await socket.send({ type: "hello", version: 1, name: "wendy" });
  await socket.next("welcome");
  const encoder = new TextEncoder();
  await socket.write(
    clientFrame(
      0x1,
      new Uint8Array([...encoder.encode('{"type":"say","text":"'), 0xff, 0x22, 0x7d]),
    ),
  );
  const error = await socket.next("error");
  // Over WebSocket a message is a frame, not a line, as the other errors of this transport say.
  assert.deepEqual(error, {
    type: "error",
    code: "invalid_utf8",
    message: "Cannot read frame: it is not valid UTF-8",
  });
  await socket.send({ type: "ping", token: "after" });
  assert.equal((await socket.next("pong")).token, "after");
  assert.equal(socket.ended, false);
});

Deno.test("startServer() slows a WebSocket flood down without losing it, with one notice", async () => {
  await using server = await startServer({
    hostname: LOOPBACK,
    port: 0,
    webPort: 0,
    messageRate: 20,
  });
  await using alice = await TestClient.join(server.addr.port, "alice");
  await using flood = await RawWebSocket.open(server.webAddr!.port);
  flood.read();
  await flood.send({ type: "hello", version: 1, name: "flood" });
  await flood.next("welcome");
  // 120 frames at once: the burst is 80, the rest come at 20 a second.
  const count = 120;
  const frames = [];
  for (let i = 1; i <= count; i++) frames.push({ type: "say", text: `flood ${i}` });
  for (const frame of frames) await flood.send(frame);
  await alice.next("message", (frame) => frame.text === `flood ${count}`, 15_000);
  const texts = alice.all("message").map((frame) => frame.text);
  assert.deepEqual(texts, frames.map((frame) => frame.text), "every message, once, in order");
  const notices = flood.frames.filter((frame) => frame.type === "error");
  assert.equal(notices.length, 1, JSON.stringify(notices));
  assert.equal(notices[0]!.type === "error" && notices[0]!.code, "rate_limited");
});

Deno.test("startServer() holds WebSocket clients to the hello deadline and the heartbeat", async (t) => {
  const log: string[] = [];
  await using server = await startServer({
    hostname: LOOPBACK,
    port: 0,
    webPort: 0,
    handshake: 0.25,
    heartbeat: 1,
    log: (line) => log.push(line),
  });
  await using alice = await TestClient.join(server.addr.port, "alice");
  const pongs = setInterval(() => void alice.send({ type: "pong" }).catch(() => {}), 200);
  try {
    await t.step(
      "a page that never says hello is told so after six times the deadline",
      async () => {
        await using quiet = await RawWebSocket.open(server.webAddr!.port);
        const opened = performance.now();
        const code = await quiet.closed(5_000);
        const elapsed = performance.now() - opened;
        assert.ok(elapsed >= 1_300, `closed after ${Math.round(elapsed)} ms`);
        assert.deepEqual(quiet.frames, [{ type: "bye", reason: "No hello within 2 s" }]);
        assert.equal(code, 1000);
      },
    );

    await t.step("a page that stops answering pings is dropped as timed out", async () => {
      await using mute = await RawWebSocket.open(server.webAddr!.port);
      await mute.send({ type: "hello", version: 1, name: "mute" });
      // It reads (so it is not too slow) but never answers the pings it gets.
      await mute.next("welcome");
      const left = await alice.next("left", (frame) => frame.name === "mute", 5_000);
      assert.equal(left.reason, "timed out");
      assert.ok(mute.received.some((frame) => frame.opcode === 0x9), "it was pinged first");
      assert.equal(await mute.closed(), 1008);
      assert.deepEqual(mute.frames.at(-1), {
        type: "bye",
        reason: "Ping timeout: 1 seconds",
        retry: true,
      });
    });
  } finally {
    clearInterval(pongs);
  }
});

Deno.test("startServer() answers only requests for its own names, so DNS rebinding cannot reach it", async (t) => {
  await using server = await startServer({
    hostname: LOOPBACK,
    port: 0,
    webPort: 0,
    webHosts: ["chat.lan"],
  });
  const port = server.webAddr!.port;

  await t.step("a page on evil.example, rebound to this address, is refused", async () => {
    await using socket = await RawWebSocket.open(port, {
      host: `evil.example:${port}`,
      origin: `http://evil.example:${port}`,
    });
    assert.equal(socket.status, 403, socket.head);
    using conn = await Deno.connect({ hostname: LOOPBACK, port });
    await writeText(conn, `GET / HTTP/1.1\r\nHost: evil.example:${port}\r\n\r\n`);
    assert.match(await readToEnd(conn), /^HTTP\/1\.1 403 [^]*--web-host NAME/);
    assert.equal(server.hub.size, 0);
  });

  await t.step("a request that names no host is refused, the upgrade too", async () => {
    // HTTP/1.1 must name one (RFC 9112, 3.2): it cannot be read without.
    await using socket = await RawWebSocket.open(port, { host: null });
    assert.equal(socket.status, 400, socket.head);
    using conn = await Deno.connect({ hostname: LOOPBACK, port });
    await writeText(conn, "GET / HTTP/1.0\r\n\r\n");
    assert.match(await readToEnd(conn), /^HTTP\/1\.1 403 [^]*name it in a Host header/);
    assert.equal(server.hub.size, 0);
  });

  await t.step("its own addresses, localhost and names given by the host are let in", async () => {
    // A name under localhost too: browsers resolve it to their own machine.
    const hosts = [LOOPBACK, "localhost", "chat.localhost", "chat.lan"].map((name) =>
      `${name}:${port}`
    );
    for (const host of hosts) {
      await using socket = await RawWebSocket.open(port, { host, origin: `http://${host}` });
      assert.equal(socket.status, 101, `${host}: ${socket.head}`);
    }
  });

  await t.step("a name written whole, with its final dot, is the same name", async () => {
    for (const host of [`localhost.:${port}`, `chat.lan.:${port}`]) {
      await using socket = await RawWebSocket.open(port, { host, origin: `http://${host}` });
      assert.equal(socket.status, 101, `${host}: ${socket.head}`);
    }
    await using socket = await RawWebSocket.open(port, { host: `evil.example.:${port}` });
    assert.equal(socket.status, 403, socket.head);
  });
});

/** The page's security headers that every answer of the web port carries. */
const PAGE_HEADERS = ["content-security-policy", "x-content-type-options", "x-frame-options"];

/** Sends `request` on a new connection to `port` and reads its answer. */
async function answerTo(port: number, request: string): Promise<HttpAnswer> {
  await using http = await RawHttp.open(port);
  await http.send(request);
  return await http.answer();
}

/** Asserts `answer` is a short text with `status`, the page's headers and no chat port. */
function assertPlainText(answer: HttpAnswer, status: number, text: RegExp): void {
  const context = JSON.stringify([answer.status, [...answer.headers], answer.body]);
  assert.equal(answer.status, status, context);
  assert.match(answer.body, text, context);
  assert.equal(answer.headers.get("content-type"), "text/plain; charset=utf-8", context);
  for (const name of PAGE_HEADERS) assert.ok(answer.headers.has(name), `${name} in ${context}`);
  assert.equal(answer.headers.get("x-chat-port"), undefined, context);
  assert.doesNotMatch(answer.body, /chat port/, context);
}

Deno.test("startServer() answers 400 to a request with two Host headers, or an HTTP/1.1 one without", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0, webPort: 0 });
  const port = server.webAddr!.port;
  const ours = `Host: ${LOOPBACK}:${port}\r\n`;
  const evil = "Host: evil.example\r\n";
  const upgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

  await t.step("two Host headers, whichever comes first, the upgrade too", async () => {
    for (const hosts of [ours + evil, evil + ours, ours + ours]) {
      const page = await answerTo(port, `GET /favicon.svg HTTP/1.1\r\n${hosts}\r\n`);
      assertPlainText(page, 400, /^Cannot read the request: it has 2 Host headers/);
      const socket = await answerTo(port, `GET /ws HTTP/1.1\r\n${hosts}${upgrade}\r\n`);
      assertPlainText(socket, 400, /^Cannot read the request: it has 2 Host headers/);
    }
    assert.equal(server.hub.size, 0);
  });

  await t.step("HTTP/1.1 without Host gets 400 with the page's headers, HTTP/1.0 403", async () => {
    assertPlainText(
      await answerTo(port, "GET /favicon.svg HTTP/1.1\r\n\r\n"),
      400,
      /^Cannot read the request: an HTTP\/1\.1 request names its server in a Host header\n$/,
    );
    assertPlainText(
      await answerTo(port, "GET /favicon.svg HTTP/1.0\r\n\r\n"),
      403,
      /name it in a Host header/,
    );
  });

  await t.step("one Host header that names this server is served", async () => {
    const page = await answerTo(port, `GET /favicon.svg HTTP/1.1\r\n${ours}\r\n`);
    assert.equal(page.status, 200);
  });
});

Deno.test("startServer() checks the host a target written whole names, not the Host header", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0, webPort: 0 });
  const port = server.webAddr!.port;
  const ours = `Host: ${LOOPBACK}:${port}\r\n`;

  await t.step("a URL of another host is refused as that host would be", async () => {
    assertPlainText(
      await answerTo(port, `GET http://evil.example/favicon.svg HTTP/1.1\r\n${ours}\r\n`),
      403,
      /^This server is not "evil\.example"/,
    );
    await using socket = await RawWebSocket.open(port, { path: "http://evil.example/ws" });
    assert.equal(socket.status, 403, socket.head);
    assert.equal(server.hub.size, 0);
  });

  await t.step("a URL of this server is served, whatever the Host header says", async () => {
    const page = await answerTo(
      port,
      `GET http://${LOOPBACK}:${port}/favicon.svg HTTP/1.1\r\nHost: evil.example\r\n\r\n`,
    );
    assert.equal(page.status, 200);
    assert.match(page.body, /^<svg /);
  });

  await t.step("a URL of another scheme cannot be read", async () => {
    assertPlainText(
      await answerTo(port, `GET ftp://${LOOPBACK}/favicon.svg HTTP/1.1\r\n${ours}\r\n`),
      400,
      /^Cannot read the request: its target is a "ftp" URL/,
    );
  });
});

Deno.test("startServer() names its chat port only to what looks like a chat client, not to broken HTTP", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0, webPort: 0 });
  const port = server.webAddr!.port;
  const chatPort = String(server.addr.port);
  const ours = `Host: ${LOOPBACK}:${port}\r\n`;

  await t.step(
    "a JSON frame, an IRC registration or a name typed on nc is told the chat port",
    async () => {
      for (
        const first of [
          '{"type":"hello","version":1,"name":"ann"}\n',
          "CAP LS 302\r\nNICK ann\r\n",
          "ann\n",
        ]
      ) {
        const answer = await answerTo(port, first);
        assert.equal(answer.status, 400);
        assert.equal(answer.headers.get("x-chat-port"), chatPort, first);
        assert.match(answer.body, new RegExp(`its chat port is ${chatPort}\n$`));
      }
    },
  );

  await t.step("a request with a header it cannot read gets a plain 400", async () => {
    for (
      const head of [
        `GET / HTTP/1.1\r\n${ours}Bad Header: x\r\n`,
        `GET / HTTP/1.1\r\n${ours}X: \x01\r\n`,
      ]
    ) {
      assertPlainText(
        await answerTo(port, `${head}\r\n`),
        400,
        /^Cannot read the request: it is not valid HTTP\n$/,
      );
    }
  });

  await t.step(
    "a body with a bad chunk size ends the connection after the answer, with nothing more",
    async () => {
      await using http = await RawHttp.open(port);
      await http.send(
        `POST / HTTP/1.1\r\n${ours}Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n`,
      );
      assertPlainText(await http.answer(), 405, /^Method not allowed\n$/);
      assert.equal(await http.closed(), "");
    },
  );
});

Deno.test("startServer() counts HTTP connections against its limits and closes idle ones", async (t) => {
  await using server = await startServer({
    hostname: LOOPBACK,
    port: 0,
    webPort: 0,
    maxPerAddress: 3,
    handshake: 0.5,
  });
  const port = server.webAddr!.port;

  await t.step("silent connections take the address's slots, and a fourth is refused", async () => {
    const silent = await Promise.all(
      [1, 2, 3].map(() => Deno.connect({ hostname: LOOPBACK, port })),
    );
    try {
      // The server counts them as it accepts them; a TCP client shows the count too.
      using fourth = await Deno.connect({ hostname: LOOPBACK, port });
      assert.match(
        await readToEnd(fourth),
        /^HTTP\/1\.1 503 [^]*Too many connections from your address\n$/,
      );
      await using tcp = await TestClient.connect(server.addr.port);
      await tcp.closed();
      assert.equal(tcp.frames[0]?.type, "bye");
      // The request deadline closes each of them, which frees the slots.
      const opened = performance.now();
      for (const conn of silent) assert.equal(await readToEnd(conn), "");
      assert.ok(performance.now() - opened < 3_000);
    } finally {
      for (const conn of silent) conn.close();
    }
    const page = await fetch(`http://${LOOPBACK}:${port}/`);
    assert.equal(page.status, 200);
    await page.body?.cancel();
  });

  await t.step("a request sent a byte at a time is cut off at the deadline", async () => {
    using conn = await Deno.connect({ hostname: LOOPBACK, port });
    const start = performance.now();
    const closed = readToEnd(conn);
    let ended = false;
    void closed.finally(() => ended = true);
    const request = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + "a".repeat(200);
    for (const char of request) {
      if (ended) break;
      await writeText(conn, char).catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(await closed, "");
    assert.ok(performance.now() - start < 3_000);
  });

  await t.step("a kept-alive connection is closed once it idles", async () => {
    using conn = await Deno.connect({ hostname: LOOPBACK, port });
    await writeText(conn, `GET / HTTP/1.1\r\nHost: ${LOOPBACK}:${port}\r\n\r\n`);
    const text = await readToEnd(conn);
    assert.match(text, /^HTTP\/1\.1 200 /);
    assert.match(text, /<\/html>\s*$/);
  });
});

Deno.test("startServer() parses nothing more of a web connection after what it cannot read", async () => {
  // Deno's node:http adds an error listener to the socket at each failed parse.
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  process.on("warning", onWarning);
  try {
    await using server = await startServer({ hostname: LOOPBACK, port: 0, webPort: 0 });
    const port = server.webAddr!.port;
    using conn = await Deno.connect({ hostname: LOOPBACK, port });
    const answers = readToEnd(conn, 10_000);
    // A request it answers, then megabytes that are no request.
    await writeText(conn, `GET / HTTP/1.1\r\nHost: ${LOOPBACK}:${port}\r\n\r\n`);
    const garbage = new Uint8Array(64 * 1024).fill(0x41);
    try {
      for (let i = 0; i < 64; i++) await conn.write(garbage);
    } catch {
      // Closed by the server before it all went.
    }
    assert.match(await answers, /^HTTP\/1\.1 200 /);
    assert.deepEqual(warnings, []);
  } finally {
    process.off("warning", onWarning);
  }
});

Deno.test("startServer() answers request after request on one kept-alive HTTP connection", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0, webPort: 0 });
  await using http = await RawHttp.open(server.webAddr!.port);
  const answers = [await http.get("/"), await http.get("/no-such-page"), await http.get("/")];
  assert.deepEqual(
    answers.map((answer) => [answer.status, answer.headers.get("connection")]),
    [[200, "keep-alive"], [404, "keep-alive"], [200, "keep-alive"]],
  );
  assert.match(answers[2]!.body, /<\/html>\s*$/);
  assert.equal(http.ended, false);
});

Deno.test("startServer() closes idle kept-alive HTTP connections, the longest idle first, to let new ones in", async () => {
  await using server = await startServer({
    hostname: LOOPBACK,
    port: 0,
    webPort: 0,
    maxConnections: 3,
  });
  const port = server.webAddr!.port;
  // The server is full: two kept-alive connections idle, one sending its request.
  await using first = await RawHttp.open(port);
  assert.equal((await first.get("/")).status, 200);
  await using second = await RawHttp.open(port);
  assert.equal((await second.get("/")).status, 200);
  await using third = await RawHttp.open(port);
  await third.send(third.head("/"));

  // A new HTTP connection takes the place of the longest idle one.
  await using newcomer = await RawHttp.open(port);
  assert.equal((await newcomer.get("/")).status, 200);
  assert.equal(await first.closed(), "");
  // The other is still open; answered again, it is now the most recently idle.
  assert.equal((await second.get("/")).status, 200);

  // So does a chat connection.
  await using bob = await TestClient.connect(server.addr.port);
  await bob.send({ type: "hello", version: 1, name: "bob" });
  assert.equal((await bob.next("welcome")).name, "bob");
  assert.equal(await newcomer.closed(), "");

  // A connection in the middle of a request, or of an upload the server turned
  // down at once and reads the rest of, keeps its place.
  await second.send(`${second.head("/files", "POST")}content-length: 100\r\n\r\n${"x".repeat(10)}`);
  assert.equal((await second.answer()).status, 401);
  await using refused = await RawHttp.open(port);
  const refusal = await refused.answer();
  assert.equal(refusal.status, 503);
  assert.match(refusal.body, /The server is full/);

  // Each takes its turn once it is answered.
  await third.send("\r\n");
  assert.equal((await third.answer()).status, 200);
  await using late = await RawHttp.open(port);
  assert.equal((await late.get("/")).status, 200);
  assert.equal(await third.closed(), "");
  await second.send("x".repeat(90));
  assert.equal((await second.get("/")).status, 200);
});

Deno.test("startServer() closes an idle HTTP connection from the same address when that address has all it may", async () => {
  await using server = await startServer({
    hostname: LOOPBACK,
    port: 0,
    webPort: 0,
    maxPerAddress: 2,
  });
  const port = server.webAddr!.port;
  await using other = await RawHttp.open(port, "127.0.0.2");
  assert.equal((await other.get("/")).status, 200);
  await using first = await RawHttp.open(port);
  assert.equal((await first.get("/")).status, 200);
  await using second = await RawHttp.open(port);
  assert.equal((await second.get("/")).status, 200);
  await using newcomer = await RawHttp.open(port);
  assert.equal((await newcomer.get("/")).status, 200);
  assert.equal(await first.closed(), "");
  // The longest idle of all, from another address, is left alone.
  assert.equal((await other.get("/")).status, 200);
  assert.equal((await second.get("/")).status, 200);
});

Deno.test({
  name: `startServer() counts TLS connections still in their handshake against the address's limit${
    OPENSSL === undefined ? " (ignored: openssl is not installed)" : ""
  }`,
  ignore: OPENSSL === undefined,
}, async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-tls-half-" });
  try {
    const { cert, key } = await selfSignedCert(dir);
    await using server = await startServer({
      hostname: LOOPBACK,
      port: 0,
      tls: { cert, key },
      maxPerAddress: 2,
      // A connection that closes before its handshake is seen only at the deadline.
      handshake: 1,
    });
    const port = server.addr.port;
    const tryTls = async (): Promise<boolean> => {
      const conn = await Deno.connectTls({ hostname: LOOPBACK, port, caCerts: [cert] });
      try {
        await within(conn.handshake(), 3_000, "the TLS handshake");
        return true;
      } catch {
        return false;
      } finally {
        conn.close();
      }
    };
    // Two connections that never start their handshake.
    const half = [
      await Deno.connect({ hostname: LOOPBACK, port }),
      await Deno.connect({ hostname: LOOPBACK, port }),
    ];
    try {
      assert.equal(await tryTls(), false, "a third connection is refused before its handshake");
    } finally {
      for (const conn of half) conn.close();
    }
    await within(
      (async () => {
        while (!(await tryTls())) {
          // Their slots come back once their handshake deadline has passed.
        }
      })(),
      5_000,
      "a TLS client to be let in",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startServer() does not time out clients whose answers wait behind a blocked event loop", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0, heartbeat: 1 });
  await using alice = await TestClient.join(server.addr.port, "alice");
  await using bob = await TestClient.join(server.addr.port, "bob");
  await alice.next("joined");
  // Both speak, and their frames reach the server's socket buffers...
  await alice.send({ type: "ping", token: "a" });
  await bob.send({ type: "ping", token: "b" });
  // ...while the server's event loop (shared with this test) is blocked for
  // longer than the heartbeat, as by a slow operation.
  const until = performance.now() + 2_500;
  while (performance.now() < until) {
    // Busy on purpose.
  }
  await alice.next("pong", (frame) => frame.token === "a");
  await bob.next("pong", (frame) => frame.token === "b");
  await alice.sync();
  assert.deepEqual(alice.all("left"), [], "nobody was dropped as timed out");
  assert.equal(server.hub.size, 2);
});

Deno.test("startServer() ignores a byte order mark at the very start of a JSON stream", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  for (const split of [false, true]) {
    await t.step(split ? "split across two writes" : "in one write", async () => {
      await using client = await TestClient.connect(server.addr.port);
      const hello = `{"type":"hello","version":1,"name":"bom${split ? 2 : 1}"}\n`;
      if (split) {
        await client.write(new Uint8Array([0xef, 0xbb]));
        await client.write(new Uint8Array([0xbf, ...new TextEncoder().encode(hello)]));
      } else {
        await client.write(new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(hello)]));
      }
      assert.equal((await client.next("welcome")).name, `bom${split ? 2 : 1}`);
      assert.deepEqual(client.garbage, []);
    });
  }
});
