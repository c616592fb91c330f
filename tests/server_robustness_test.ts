import assert from "node:assert/strict";
import { encodeFrame, type ErrorCode, LOBBY, MAX_CLIENT_LINE_BYTES } from "../protocol.ts";
import { startServer } from "../server.ts";
import {
  assertAllInOrder,
  bytes,
  floodUntilDropped,
  LOOPBACK,
  TestClient,
  within,
} from "./_test_utils.ts";

const encoder = new TextEncoder();

/** Random bytes with no newline in them, so they make exactly one line. */
function randomLine(length: number): Uint8Array {
  const random = crypto.getRandomValues(new Uint8Array(length));
  // Start with a byte that is never valid UTF-8, so the line is always refused.
  random[0] = 0xff;
  return bytes(random.map((byte) => byte === 0x0a ? 0x0b : byte), "\n");
}

/** Ten bad frames, each with the error code the server answers with. */
function badFrames(): [Uint8Array, ErrorCode][] {
  return [
    [randomLine(200), "invalid_utf8"],
    [bytes("this is not json\n"), "bad_frame"],
    [bytes('{"type":"say","text":"unterminated\n'), "bad_frame"],
    [bytes("x".repeat(100_000), "\n"), "line_too_long"],
    [bytes('{"type":"say","text":"', [0xc3, 0x28, 0xff], '"}\n'), "invalid_utf8"],
    [bytes('{"type":"frobnicate"}\n'), "unknown_type"],
    [bytes("[1,2,3]\n"), "bad_frame"],
    [bytes('{"type":"say"}\n'), "bad_frame"],
    [bytes('{"type":"hello","version":"1","name":"mallory"}\n'), "bad_frame"],
    [bytes("null\n"), "bad_frame"],
  ];
}

Deno.test("startServer() drops a client that sends garbage and keeps serving the others", async (t) => {
  // Honest clients here send faster than a person; the rate limit is tested on its own.
  await using server = await startServer({ hostname: LOOPBACK, port: 0, messageRate: 10_000 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await using bob = await TestClient.join(port, "bob");
  await using mallory = await TestClient.join(port, "mallory");
  const frames = badFrames();
  const count = 100;

  await t.step("the others get all their messages while the garbage flows", async () => {
    const chat = async (client: TestClient, name: string) => {
      for (let i = 1; i <= count; i++) await client.say(`${name} ${i}`);
    };
    const garbage = async () => {
      for (const [frame] of frames) await mallory.write(frame);
    };
    await Promise.all([chat(alice, "alice"), chat(bob, "bob"), garbage()]);
    for (const client of [alice, bob]) {
      await client.next("message", (frame) => frame.text === `alice ${count}`);
      await client.next("message", (frame) => frame.text === `bob ${count}`);
      await client.sync();
      const texts = client.all("message").map((frame) => frame.text);
      assert.equal(texts.length, 2 * count);
      for (const name of ["alice", "bob"]) {
        assert.deepEqual(
          texts.filter((text) => text.startsWith(`${name} `)),
          Array.from({ length: count }, (_, i) => `${name} ${i + 1}`),
        );
      }
    }
  });

  await t.step(
    "the garbage client gets one error per bad frame, then too_many_errors and bye",
    async () => {
      await mallory.closed();
      assert.deepEqual(
        mallory.all("error").map((frame) => frame.code),
        [...frames.map(([, code]) => code), "too_many_errors"],
      );
      assert.deepEqual(mallory.frames.at(-1), { type: "bye", reason: "Too many bad frames" });
      assert.deepEqual(mallory.garbage, []);
    },
  );

  await t.step("the room hears why the garbage client left", async () => {
    for (const client of [alice, bob]) {
      // The notice may have come before the last messages: look at every frame so far.
      await client.sync();
      const left = client.all("left").find((frame) => frame.name === "mallory");
      assert.deepEqual(left, {
        type: "left",
        ts: left?.ts,
        room: LOBBY,
        name: "mallory",
        reason: "too many bad frames",
      });
    }
  });

  await t.step("the server keeps serving old and new clients", async () => {
    await using trent = await TestClient.join(port, "trent");
    await trent.say("still here?");
    assert.equal((await alice.next("message", (f) => f.from === "trent")).text, "still here?");
    assert.equal((await bob.next("message", (f) => f.from === "trent")).text, "still here?");
    assert.equal(server.hub.size, 3);
  });
});

Deno.test("startServer() forgives fewer bad frames than maxStrikes", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0, maxStrikes: 3 });
  await using alice = await TestClient.join(server.addr.port, "alice");

  await t.step("two bad frames are answered and the connection stays", async () => {
    await alice.write("nope\nnope\n");
    assert.equal((await alice.next("error")).code, "bad_frame");
    assert.equal((await alice.next("error")).code, "bad_frame");
    await alice.sync();
    assert.equal(alice.ended, false);
  });

  await t.step("a good frame between them does not reset the count", async () => {
    await alice.say("still fine");
    assert.equal((await alice.next("message")).text, "still fine");
    await alice.write("nope\n");
    assert.equal((await alice.next("error")).code, "bad_frame");
    assert.equal((await alice.next("error")).code, "too_many_errors");
    await alice.next("bye");
    await alice.closed();
  });
});

Deno.test("startServer() shrugs off a half frame followed by an abrupt close", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await using bob = await TestClient.join(port, "bob");
  const carol = await TestClient.join(port, "carol");
  await carol.sync();
  await carol.write('{"type":"say","text":"half of a');
  await carol[Symbol.asyncDispose]();

  for (const client of [alice, bob]) {
    const left = await client.next("left", (frame) => frame.name === "carol");
    assert.equal(left.reason, "connection closed");
  }
  await alice.say("after carol");
  assert.equal((await bob.next("message")).text, "after carol");
  assert.equal((await alice.next("message")).text, "after carol");
  for (const client of [alice, bob]) {
    await client.sync();
    assert.deepEqual(client.all("message").map((frame) => frame.from), ["alice"]);
    assert.deepEqual(client.all("error"), []);
  }
  assert.equal(server.hub.size, 2);
});

Deno.test("startServer() drops a client that stops reading and keeps the room going", async (t) => {
  // The writer floods on purpose; the rate limit is tested on its own.
  await using server = await startServer({ hostname: LOOPBACK, port: 0, messageRate: 10_000 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await using bob = await TestClient.join(port, "bob");
  // A raw connection that says hello and never reads again.
  using slow = await Deno.connect({ hostname: LOOPBACK, port });
  const hello = encoder.encode(encodeFrame({ type: "hello", version: 1, name: "slow" }));
  for (let offset = 0; offset < hello.length;) offset += await slow.write(hello.subarray(offset));
  await alice.next("joined", (frame) => frame.name === "slow");

  let sent = 0;
  await t.step("a stream of big messages overflows the slow client's outbox", async () => {
    sent = await floodUntilDropped(alice, bob, "slow");
  });

  await t.step("the others received every message, in order", async () => {
    await assertAllInOrder([alice, bob], sent);
  });

  await t.step("the server closed the slow connection", async () => {
    // Read what the kernel still holds until the end of the stream.
    const buffer = new Uint8Array(256 * 1024);
    await within(
      (async () => {
        while (true) {
          try {
            if (await slow.read(buffer) === null) return;
          } catch (error) {
            if (error instanceof Deno.errors.ConnectionReset) return;
            throw error;
          }
        }
      })(),
      10_000,
      "the slow connection to end",
    );
  });

  await t.step("the room goes on", async () => {
    await bob.say("bye slow");
    assert.equal((await alice.next("message", (f) => f.from === "bob")).text, "bye slow");
    assert.equal(server.hub.size, 2);
  });
});

Deno.test("startServer() accepts a line of MAX_CLIENT_LINE_BYTES and refuses a longer one", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using alice = await TestClient.join(server.addr.port, "alice");
  await using bob = await TestClient.join(server.addr.port, "bob");
  // JSON allows whitespace after the value, so padding makes a valid frame of any length.
  const padded = (text: string, length: number) => {
    const frame = JSON.stringify({ type: "say", text });
    return frame + " ".repeat(length - frame.length - 1) + "\n";
  };

  await t.step("a line of exactly the limit, newline included, is read", async () => {
    const line = padded("longest", MAX_CLIENT_LINE_BYTES);
    assert.equal(encoder.encode(line).length, MAX_CLIENT_LINE_BYTES);
    await alice.write(line);
    assert.equal((await bob.next("message")).text, "longest");
  });

  await t.step("a line one byte longer is line_too_long, and the next line is read", async () => {
    await alice.write(
      padded("too long", MAX_CLIENT_LINE_BYTES + 1) + encodeFrame({
        type: "say",
        text: "after",
      }),
    );
    assert.equal((await alice.next("error")).code, "line_too_long");
    assert.equal((await bob.next("message")).text, "after");
    await bob.sync();
    assert.deepEqual(bob.all("message").map((frame) => frame.text), ["longest", "after"]);
  });
});

Deno.test("startServer() answers a client that sends everything and then half-closes", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using bob = await TestClient.join(server.addr.port, "bob");
  // Like `printf ... | nc host port`: the frames, then the end of the client's stream.
  await using oneShot = await TestClient.connect(server.addr.port);
  await oneShot.write(
    [
      encodeFrame({ type: "hello", version: 1, name: "alice" }),
      encodeFrame({ type: "say", text: "hello and goodbye" }),
      encodeFrame({ type: "who" }),
    ].join(""),
  );
  await oneShot.conn.closeWrite();
  await oneShot.closed();
  assert.deepEqual(oneShot.frames.map((frame) => frame.type), [
    "welcome",
    "room",
    "message",
    "who",
  ]);
  assert.equal((await bob.next("message")).text, "hello and goodbye");
  const left = await bob.next("left");
  assert.equal(left.name, "alice");
  assert.equal(left.reason, "connection closed");
});

Deno.test("startServer() ignores what follows a quit in the same write", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using alice = await TestClient.join(server.addr.port, "alice");
  await using bob = await TestClient.join(server.addr.port, "bob");
  await alice.write(
    encodeFrame({ type: "quit" }) + encodeFrame({ type: "say", text: "from beyond" }),
  );
  await alice.closed();
  assert.equal((await bob.next("left")).name, "alice");
  await bob.sync();
  assert.deepEqual(bob.all("message"), []);
  assert.deepEqual(alice.all("message"), []);
});
