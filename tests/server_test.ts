import assert from "node:assert/strict";
import { encodeFrame, LOBBY, MAX_TEXT_BYTES, type ServerFrame } from "../protocol.ts";
import { isSafeText } from "../core/sanitize.ts";
import { startServer } from "../server.ts";
import { assertUnheard, LOOPBACK, TestClient, within } from "./_test_utils.ts";
import { clientFrame, RawWebSocket } from "./_raw_websocket.ts";

Deno.test("startServer() relays every message in order to every member of the room", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await using bob = await TestClient.join(port, "bob");
  await using carol = await TestClient.join(port, "carol");
  const texts = Array.from({ length: 50 }, (_, i) => `message ${i + 1}`);
  const acks: ServerFrame[] = [];

  await t.step("the sender gets its own copy, stamped by the server, as an ack", async () => {
    const before = Date.now();
    for (const text of texts) await alice.say(text);
    for (const text of texts) {
      const ack = await alice.next("message");
      assert.equal(ack.text, text);
      assert.equal(ack.from, "alice");
      assert.equal(ack.room, LOBBY);
      assert.ok(ack.ts >= before && ack.ts <= Date.now(), `ts ${ack.ts} is not now`);
      assert.equal(ack.replay, undefined);
      assert.equal(ack.action, undefined);
      acks.push(ack);
    }
  });

  await t.step("ids are strictly increasing", () => {
    const ids = acks.map((ack) => (ack as { id: number }).id);
    for (let i = 1; i < ids.length; i++) {
      assert.ok(ids[i]! > ids[i - 1]!, `id ${ids[i]} follows ${ids[i - 1]}`);
    }
  });

  await t.step("the other members receive the same frames in the same order", async () => {
    for (const client of [bob, carol]) {
      const received = [];
      for (let i = 0; i < texts.length; i++) received.push(await client.next("message"));
      assert.deepEqual(received, acks);
    }
  });
});

Deno.test("startServer() stamps the sender itself when a frame claims another from", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using alice = await TestClient.join(server.addr.port, "alice");
  await using bob = await TestClient.join(server.addr.port, "bob");
  const forge = (frame: Record<string, unknown>) =>
    alice.write(JSON.stringify({ ...frame, from: "bob", id: 999, ts: 0, room: "#x" }) + "\n");

  await t.step("say", async () => {
    await forge({ type: "say", text: "I am bob" });
    const forged = await bob.next("message");
    assert.equal(forged.from, "alice");
    assert.equal(forged.text, "I am bob");
    assert.equal(forged.room, LOBBY);
    assert.notEqual(forged.id, 999);
    assert.notEqual(forged.ts, 0);
    assert.deepEqual(await alice.next("message"), forged);
  });

  await t.step("me", async () => {
    await forge({ type: "me", text: "is bob" });
    const forged = await bob.next("message");
    assert.equal(forged.from, "alice");
    assert.equal(forged.action, true);
  });

  await t.step("msg", async () => {
    await forge({ type: "msg", to: "bob", text: "from bob to bob" });
    const forged = await bob.next("private");
    assert.equal(forged.from, "alice");
    assert.equal(forged.to, "bob");
  });
});

Deno.test("startServer() announces who joins and who leaves, and why", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");

  await t.step("a hello announces the newcomer to the room", async () => {
    await using bob = await TestClient.join(port, "bob");
    const joined = await alice.next("joined");
    assert.deepEqual(joined, { type: "joined", ts: joined.ts, room: LOBBY, name: "bob" });
    assert.equal(typeof joined.ts, "number");
    // The newcomer learns the room from its room frame, not from a joined notice.
    assert.deepEqual(bob.all("room"), [{
      type: "room",
      room: LOBBY,
      members: ["alice", "bob"],
      count: 2,
    }]);
    assert.deepEqual(bob.all("joined"), []);
    await bob.send({ type: "quit" });
    await bob.closed();
  });

  await t.step("a quit frame says goodbye, closes and tells the room the reason", async () => {
    assert.equal((await alice.next("left")).reason, "quit");
    await using carol = await TestClient.join(port, "carol");
    await alice.next("joined", (frame) => frame.name === "carol");
    await carol.send({ type: "quit", reason: "see you\x1b[2J" });
    await carol.closed();
    assert.deepEqual(carol.frames.at(-1), { type: "bye", reason: "Goodbye" });
    const left = await alice.next("left");
    assert.deepEqual(left, {
      type: "left",
      ts: left.ts,
      room: LOBBY,
      name: "carol",
      reason: "quit: see you",
    });
  });

  await t.step("/quit typed as text does the same", async () => {
    await using dave = await TestClient.join(port, "dave");
    await alice.next("joined", (frame) => frame.name === "dave");
    await dave.say("/quit gone fishing");
    await dave.closed();
    assert.deepEqual(dave.frames.at(-1), { type: "bye", reason: "Goodbye" });
    const left = await alice.next("left");
    assert.equal(left.name, "dave");
    assert.equal(left.reason, "quit: gone fishing");
  });

  await t.step("a long quit reason is cut to 200 characters, never inside one", async () => {
    await using frank = await TestClient.join(port, "frank");
    await alice.next("joined", (frame) => frame.name === "frank");
    await frank.send({ type: "quit", reason: "a".repeat(199) + "\u{1f389}".repeat(28) });
    await frank.closed();
    const left = await alice.next("left");
    assert.equal(left.name, "frank");
    assert.equal(left.reason, `quit: ${"a".repeat(199)}\u{1f389}`);
  });

  await t.step("an abrupt close is announced as a closed connection", async () => {
    const erin = await TestClient.join(port, "erin");
    await alice.next("joined", (frame) => frame.name === "erin");
    await erin.sync();
    await erin[Symbol.asyncDispose]();
    const left = await alice.next("left");
    assert.equal(left.name, "erin");
    assert.equal(left.reason, "connection closed");
    await alice.sync();
    assert.equal(server.hub.size, 1);
  });
});

Deno.test("startServer() refuses every frame but hello and ping when no hello was sent", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using alice = await TestClient.join(server.addr.port, "alice");
  await using stranger = await TestClient.connect(server.addr.port);
  for (
    const frame of [
      { type: "say", text: "hi" },
      { type: "me", text: "waves" },
      { type: "msg", to: "alice", text: "hi" },
      { type: "nick", name: "bob" },
      { type: "join", room: "#dev" },
      { type: "leave" },
      { type: "who" },
      { type: "rooms" },
      { type: "help" },
    ] as const
  ) {
    await stranger.send(frame);
    const error = await stranger.next("error");
    assert.equal(error.code, "not_ready", `for ${frame.type}`);
  }
  await stranger.sync();
  assert.equal(stranger.ended, false);
  await alice.sync();
  assert.deepEqual(alice.frames.map((frame) => frame.type), ["welcome", "room", "pong"]);
  await stranger.send({ type: "hello", version: 1, name: "bob" });
  assert.equal((await stranger.next("welcome")).name, "bob");
  assert.equal((await alice.next("joined")).name, "bob");
});

Deno.test("startServer() logs in plain words a connection closed for want of a name", async () => {
  const logged: string[] = [];
  await using server = await startServer({
    hostname: LOOPBACK,
    port: 0,
    handshake: 1,
    log: (line) => logged.push(line),
  });
  await using waiting = await TestClient.connect(server.addr.port);
  // What `chat join` does while its person types a name: a ping, then nothing.
  await waiting.send({ type: "ping", token: "start" });
  await waiting.next("pong");
  const { port } = waiting.conn.localAddr as Deno.NetAddr;
  // Programs are told as the protocol says; the host reads what happened.
  assert.deepEqual(await waiting.next("bye"), {
    type: "bye",
    reason: "No hello within 1 s",
  });
  await waiting.closed();
  assert.deepEqual(logged.filter((line) => line.includes(`:${port} `)), [
    `${LOOPBACK}:${port} closed: no name given within 1 s`,
  ]);
});

Deno.test("startServer() says bye and closes when hello has an unsupported version", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using alice = await TestClient.join(server.addr.port, "alice");
  await using future = await TestClient.connect(server.addr.port);
  await future.send({ type: "hello", version: 3, name: "future" });
  await future.closed();
  assert.equal(future.frames.length, 2);
  assert.equal(future.frames[0]!.type, "error");
  assert.equal((future.frames[0] as { code: string }).code, "unsupported_version");
  assert.equal(future.frames[1]!.type, "bye");
  await alice.sync();
  assert.deepEqual(alice.frames.map((frame) => frame.type), ["welcome", "room", "pong"]);
  assert.equal(server.hub.size, 1);
});

Deno.test("startServer() refuses a taken name and keeps the connection open", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await using _strasse = await TestClient.join(port, "strasse");
  await using other = await TestClient.connect(port);

  for (const name of ["alice", "Alice", "ALICE", "\uff41lice", "Stra\u00dfe", "STRASSE"]) {
    await t.step(`hello as "${name}" is name_taken`, async () => {
      await other.send({ type: "hello", version: 1, name });
      const error = await other.next("error");
      assert.equal(error.code, "name_taken");
      await other.sync();
      assert.equal(other.ended, false);
      assert.deepEqual(other.all("welcome"), []);
    });
  }

  await t.step("a second hello with a free name then succeeds", async () => {
    await other.send({ type: "hello", version: 1, name: "alice2" });
    const { resume, ...welcome } = await other.next("welcome");
    assert.match(resume ?? "", /^[0-9a-f-]{36}$/);
    assert.deepEqual(welcome, {
      type: "welcome",
      version: 1,
      server: "chat",
      name: "alice2",
      heartbeat: 30,
    });
    assert.deepEqual(await other.next("room"), {
      type: "room",
      room: LOBBY,
      members: ["alice", "alice2", "strasse"],
      count: 3,
    });
    await alice.sync();
    assert.deepEqual(alice.all("joined").map((frame) => frame.name), ["strasse", "alice2"]);
  });

  await t.step("a hello after the welcome is already_ready", async () => {
    await other.send({ type: "hello", version: 1, name: "bob" });
    assert.equal((await other.next("error")).code, "already_ready");
  });
});

Deno.test("startServer() refuses an invalid name with name_invalid", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await using other = await TestClient.connect(port);
  const invalid: [string, string][] = [
    ["with a control character", "al\x07ice"],
    ["with an escape sequence", "bob\x1b[31m"],
    ["with a bidi override", "bob\u202ebob"],
    ["with a zero-width joiner", "bo\u200db"],
    ["of 25 characters", "a".repeat(25)],
    ["that is empty", ""],
    ["with a space", "bob smith"],
    ["starting with a dot", ".bob"],
    ["that is reserved", "Admin"],
  ];
  for (const [what, name] of invalid) {
    await t.step(`a name ${what} is name_invalid`, async () => {
      await other.send({ type: "hello", version: 1, name });
      const error = await other.next("error");
      assert.equal(error.code, "name_invalid");
      assert.ok(isSafeText(error.message), `unsafe message ${JSON.stringify(error.message)}`);
    });
  }
  await t.step("a space before or after one word is told as such", async () => {
    await other.send({ type: "hello", version: 1, name: " bob" });
    assert.deepEqual(await other.next("error"), {
      type: "error",
      code: "name_invalid",
      message: 'Cannot use " bob": a name cannot start or end with a space',
    });
  });
  await t.step("the connection stays open and a valid name of 24 characters works", async () => {
    await other.sync();
    assert.equal(other.ended, false);
    await alice.sync();
    assert.deepEqual(alice.all("joined"), []);
    await other.send({ type: "hello", version: 1, name: "b".repeat(24) });
    assert.equal((await other.next("welcome")).name, "b".repeat(24));
    assert.equal((await alice.next("joined")).name, "b".repeat(24));
  });
});

Deno.test("startServer() understands a frame split into 1-byte writes", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using alice = await TestClient.join(server.addr.port, "alice");
  await using bob = await TestClient.connect(server.addr.port);
  bob.conn.setNoDelay(true);
  const trickle = async (text: string) => {
    for (const byte of new TextEncoder().encode(text)) await bob.write(new Uint8Array([byte]));
  };

  await t.step("hello", async () => {
    await trickle(encodeFrame({ type: "hello", version: 1, name: "bob" }));
    assert.equal((await bob.next("welcome")).name, "bob");
  });

  await t.step("a say frame whose multi-byte characters are cut in half", async () => {
    const text = "h\u00e9llo w\u00f6rld \u{1f389} \u65e5\u672c";
    await trickle(encodeFrame({ type: "say", text }));
    assert.equal((await alice.next("message")).text, text);
  });

  await t.step("a frame ending in CRLF, and two frames in one write", async () => {
    await bob.write('{"type":"say","text":"crlf"}\r\n{"type":"say","text":"two"}\n');
    assert.equal((await alice.next("message")).text, "crlf");
    assert.equal((await alice.next("message")).text, "two");
  });
});

Deno.test("startServer() strips escape sequences and line breaks from a message", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using alice = await TestClient.join(server.addr.port, "alice");
  await using bob = await TestClient.join(server.addr.port, "bob");
  const cases: [string, string, string][] = [
    ["a CSI clear screen", "hi\x1b[2J there", "hi there"],
    ["an OSC 52 clipboard write ended by BEL", "copy\x1b]52;c;cHduZWQ=\x07 me", "copy me"],
    ["an OSC 52 clipboard write ended by ST", "copy\x1b]52;c;cHduZWQ=\x1b\\ me", "copy me"],
    ["an OSC 0 title", "\x1b]0;pwned\x07title", "title"],
    ["a C1 CSI", "red\x9b31mtext", "redtext"],
    ["a bidi override", "abc\u202edef", "abcdef"],
    ["a newline", "one\ntwo", "one two"],
    ["a CRLF and a tab", "one\r\ntwo\tthree", "one two three"],
  ];
  for (const [what, sent, clean] of cases) {
    await t.step(`${what} arrives clean`, async () => {
      await alice.say(sent);
      assert.equal((await bob.next("message")).text, clean);
      assert.equal((await alice.next("message")).text, clean);
    });
  }
  await t.step("a message that is only escape sequences is text_invalid", async () => {
    await assertUnheard([bob], async () => {
      await alice.say("\x1b[2J\x1b[H");
      assert.equal((await alice.next("error")).code, "text_invalid");
    });
  });
  await t.step("a message of whitespace only is text_invalid", async () => {
    await alice.say(" \t\n ");
    assert.equal((await alice.next("error")).code, "text_invalid");
  });
  await t.step("a message of MAX_TEXT_BYTES is sent and a longer one refused", async () => {
    for (const text of ["a".repeat(MAX_TEXT_BYTES), "\u00e9".repeat(MAX_TEXT_BYTES / 2)]) {
      await alice.say(text);
      assert.equal((await bob.next("message")).text, text);
    }
    for (
      const text of ["a".repeat(MAX_TEXT_BYTES + 1), "\u00e9".repeat(MAX_TEXT_BYTES / 2) + "a"]
    ) {
      await assertUnheard([bob], async () => {
        await alice.say(text);
        assert.equal((await alice.next("error")).code, "text_invalid");
      });
    }
  });
  await t.step("history keeps the clean text", async () => {
    await using carol = await TestClient.join(server.addr.port, "carol");
    await carol.sync();
    assert.deepEqual(
      carol.all("message").map((frame) => frame.text).slice(0, cases.length),
      cases.map((c) => c[2]),
    );
  });
});

Deno.test("ChatServer.close() says bye to everyone, then closes every connection", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await using bob = await TestClient.join(port, "bob");
  await using stranger = await TestClient.connect(port);
  await stranger.sync();

  await t.step("every client, named or not, gets bye with the reason, then the close", async () => {
    await within(server.close("Server is shutting down"));
    for (const client of [alice, bob, stranger]) {
      await client.closed();
      assert.deepEqual(client.frames.at(-1), {
        type: "bye",
        reason: "Server is shutting down",
        retry: true,
      });
      assert.equal(client.all("bye").length, 1);
    }
    assert.equal(server.hub.size, 0);
  });

  await t.step("closing again does nothing", async () => {
    await within(server.close("Another reason"));
    await within(Promise.resolve(server[Symbol.asyncDispose]()));
    for (const client of [alice, bob, stranger]) assert.equal(client.all("bye").length, 1);
  });

  await t.step("new connections are refused", async () => {
    await assert.rejects(
      () => Deno.connect({ hostname: LOOPBACK, port }),
      Deno.errors.ConnectionRefused,
    );
  });
});

Deno.test("startServer() does what PROTOCOL.md says of blank lines, msg.to, typing, the first pong and /code", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0, webPort: 0 });
  const port = server.addr.port;

  await t.step("the pong before a hello carries server, then token", async () => {
    // Read as bytes: a frame parsed would not tell the order of its fields.
    using conn = await Deno.connect({ hostname: LOOPBACK, port });
    await conn.write(new TextEncoder().encode('{"type":"ping","token":"scan"}\n'));
    let text = "";
    const buffer = new Uint8Array(1024);
    while (!text.includes("\n")) {
      const count = await within(conn.read(buffer), 5_000, "the pong");
      assert.notEqual(count, null, `the server closed after ${JSON.stringify(text)}`);
      text += new TextDecoder().decode(buffer.subarray(0, count!));
    }
    assert.equal(text, '{"type":"pong","server":"chat","token":"scan"}\n');
  });

  await using alice = await TestClient.join(port, "alice");
  await using bob = await TestClient.join2(port, "bob");

  await t.step(
    "a line of white space as JavaScript has it is ignored, a BOM alone too",
    async () => {
      for (
        const blank of [" \t", "\u00a0", "\u3000", "\u2028", "\u000b\u000c", "\ufeff", "\u205f\r"]
      ) {
        await bob.write(`${blank}\n`);
      }
      await bob.sync();
      assert.deepEqual(bob.all("error"), []);
      await bob.write('\u00a0{"type":"rooms"}\n');
      assert.equal((await bob.next("error")).code, "bad_frame");
    },
  );

  await t.step("so is such a WebSocket message", async () => {
    await using socket = await RawWebSocket.open(server.webAddr!.port);
    await socket.send({ type: "hello", version: 2, name: "web1" });
    await socket.next("welcome");
    await socket.write(clientFrame(0x1, new TextEncoder().encode(" \u3000\ufeff")));
    await socket.send({ type: "ping", token: "after" });
    await socket.next("pong", (frame) => frame.token === "after");
    assert.deepEqual(socket.frames.filter((frame) => frame.type === "error"), []);
  });

  await t.step(
    "msg.to reaches a look-alike of what was typed; private.to is the real name",
    async () => {
      for (const to of ["a1ice", "\u0430lice", "alice.", "@ALICE"]) {
        await bob.send({ type: "msg", to, text: `to ${to}` });
        assert.deepEqual(
          [(await bob.next("private")).to, (await alice.next("private")).text],
          ["alice", `to ${to}`],
        );
      }
    },
  );

  await t.step("typing with both room and to is typing to that person", async () => {
    await using carol = await TestClient.join2(port, "carol");
    await using dave = await TestClient.join2(port, "dave");
    await assertUnheard([carol], async () => {
      await bob.send({ type: "typing", room: LOBBY, to: "dave" });
      assert.deepEqual(await dave.next("typing"), { type: "typing", name: "bob" });
    });
  });

  await t.step("/code is the clients' own: the server knows no such command", async () => {
    await bob.send({ type: "say", text: "/code x = 1" });
    assert.equal((await bob.next("error")).code, "unknown_command");
  });
});

Deno.test("startServer() checks a frame's shape before anything else, as PROTOCOL.md says", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using bob = await TestClient.join(server.addr.port, "bob");
  await using ann = await TestClient.join(server.addr.port, "ann");
  // A second hello that is not one: bad_frame, not already_ready.
  await ann.write('{"type":"hello","version":null,"name":"x"}\n');
  assert.equal((await ann.next("error")).code, "bad_frame");
  // A mute out of range from one who is no operator: bad_frame, not not_operator.
  await ann.write('{"type":"mute","name":"bob","duration":0}\n');
  assert.equal((await ann.next("error")).code, "bad_frame");
  // Of the right shape, each is answered for what it asks.
  await ann.send({ type: "hello", version: 1, name: "x" });
  assert.equal((await ann.next("error")).code, "already_ready");
  await ann.send({ type: "mute", name: "bob", duration: 60 });
  assert.equal((await ann.next("error")).code, "not_operator");
  assert.deepEqual(bob.all("error"), []);
});
