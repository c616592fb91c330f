import assert from "node:assert/strict";
import {
  LOBBY,
  MAX_ANNOUNCED_ROOM_SIZE,
  MAX_LISTED_NAMES,
  type MessageFrame,
} from "../protocol.ts";
import { isSafeText } from "../core/sanitize.ts";
import { startServer } from "../server.ts";
import { assertUnheard, framesSince, LOOPBACK, TestClient } from "./_test_utils.ts";

/** Joins `name` and returns the client with every replayed message received. */
async function joinSettled(port: number, name: string): Promise<TestClient> {
  const client = await TestClient.join(port, name);
  await client.sync();
  return client;
}

Deno.test("startServer() keeps rooms apart", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await using bob = await TestClient.join(port, "bob");
  await using carol = await TestClient.join(port, "carol");

  await t.step("/join #dev creates the room and tells the lobby who went", async () => {
    await alice.say("/join #dev");
    assert.deepEqual(await alice.next("room"), {
      type: "room",
      room: "#dev",
      members: ["alice"],
      count: 1,
    });
    for (const client of [bob, carol]) {
      const left = await client.next("left");
      assert.deepEqual(left, {
        type: "left",
        ts: left.ts,
        room: LOBBY,
        name: "alice",
        reason: "went to #dev",
      });
    }
  });

  await t.step("joining by the bare or differently cased name finds the same room", async () => {
    await bob.send({ type: "join", room: "DEV" });
    assert.deepEqual(await bob.next("room"), {
      type: "room",
      room: "#dev",
      members: ["alice", "bob"],
      count: 2,
    });
    const joined = await alice.next("joined");
    assert.deepEqual(joined, { type: "joined", ts: joined.ts, room: "#dev", name: "bob" });
    const left = await carol.next("left");
    assert.equal(left.name, "bob");
    assert.equal(left.room, LOBBY);
  });

  await t.step("/rooms lists every room with its member count", async () => {
    await carol.say("/rooms");
    assert.deepEqual(await carol.next("rooms"), {
      type: "rooms",
      rooms: [{ name: "#dev", members: 2 }, { name: LOBBY, members: 1, joined: true }],
    });
  });

  await t.step(
    "/who #dev typed by carol, who is not in it, lists it: it is not locked",
    async () => {
      await carol.say("/who #dev");
      const listed = await carol.next("who");
      assert.equal(listed.room, "#dev");
      assert.deepEqual(listed.members.toSorted(), ["alice", "bob"]);
      await carol.say("/who #Lobby");
      assert.deepEqual((await carol.next("who")).members, ["carol"]);
    },
  );

  await t.step(
    "a who frame naming #dev, sent by carol in version 1, lists #dev as well",
    async () => {
      await carol.send({ type: "who", room: "#dev" });
      const listed = await carol.next("who");
      assert.equal(listed.room, "#dev");
      assert.deepEqual(listed.members.toSorted(), ["alice", "bob"]);
      await carol.send({ type: "who" });
      assert.deepEqual(await carol.next("who"), {
        type: "who",
        room: LOBBY,
        members: ["carol"],
        count: 1,
      });
      await carol.send({ type: "who", room: "#a b" });
      assert.equal((await carol.next("error")).code, "room_invalid");
    },
  );

  await t.step("messages in #dev do not reach #lobby, nor the other way round", async () => {
    await assertUnheard([carol], async () => {
      await alice.say("dev only");
      const message = await bob.next("message");
      assert.equal(message.room, "#dev");
      assert.equal(message.text, "dev only");
      assert.deepEqual(await alice.next("message"), message);
    });
    await assertUnheard([alice, bob], async () => {
      await carol.say("lobby only");
      assert.equal((await carol.next("message")).room, LOBBY);
    });
    await assertUnheard([carol], async () => {
      await bob.send({ type: "me", text: "codes" });
      assert.equal((await alice.next("message")).room, "#dev");
    });
  });

  await t.step("/join of the room one is in only informs", async () => {
    await assertUnheard([alice, carol], async () => {
      await bob.say("/join #dev");
      await bob.next("info");
    });
  });

  await t.step("/leave goes back to #lobby, telling both rooms", async () => {
    await bob.say("/leave");
    assert.deepEqual(await bob.next("room"), {
      type: "room",
      room: LOBBY,
      members: ["bob", "carol"],
      count: 2,
    });
    const left = await alice.next("left");
    assert.deepEqual(left, {
      type: "left",
      ts: left.ts,
      room: "#dev",
      name: "bob",
      reason: "went to #lobby",
    });
    const joined = await carol.next("joined");
    assert.deepEqual(joined, { type: "joined", ts: joined.ts, room: LOBBY, name: "bob" });
  });

  await t.step("/leave in #lobby only informs", async () => {
    await assertUnheard([alice, carol], async () => {
      await bob.send({ type: "leave" });
      await bob.next("info");
    });
  });

  await t.step("an empty room disappears from /rooms", async () => {
    await alice.send({ type: "leave" });
    await alice.next("room");
    await carol.send({ type: "rooms" });
    assert.deepEqual(await carol.next("rooms"), {
      type: "rooms",
      rooms: [{ name: LOBBY, members: 3, joined: true }],
    });
  });

  await t.step("an empty #lobby stays listed", async () => {
    await alice.say("/join #a");
    await alice.next("room");
    await bob.say("/join #b");
    await bob.next("room");
    await carol.say("/join #c");
    await carol.next("room");
    await carol.say("/rooms");
    assert.deepEqual((await carol.next("rooms")).rooms, [
      { name: "#a", members: 1 },
      { name: "#b", members: 1 },
      { name: "#c", members: 1, joined: true },
      { name: LOBBY, members: 0 },
    ]);
  });

  await t.step("a disconnect empties a room too", async () => {
    await using dave = await TestClient.join(port, "dave");
    await dave.say("/join #gone");
    await dave.next("room");
    await dave.send({ type: "quit" });
    await dave.closed();
    await carol.say("/rooms");
    assert.deepEqual(
      (await carol.next("rooms")).rooms.map((room) => room.name),
      ["#a", "#b", "#c", LOBBY],
    );
  });
});

Deno.test("startServer() refuses an invalid room name with room_invalid", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using alice = await TestClient.join(server.addr.port, "alice");
  await using bob = await TestClient.join(server.addr.port, "bob");
  const invalid: [string, string][] = [
    ["a space", "#bad room"],
    ["only a hash", "#"],
    ["nothing at all", ""],
    ["a dot", "#a.b"],
    ["a second hash", "##dev"],
    ["an escape sequence", "#dev\x1b[2J"],
    ["a bidi override", "#dev\u202e"],
    ["33 characters", "#" + "x".repeat(32)],
  ];
  for (const [what, room] of invalid) {
    await t.step(`a room name with ${what}`, async () => {
      await assertUnheard([bob], async () => {
        await alice.send({ type: "join", room });
        const error = await alice.next("error");
        assert.equal(error.code, "room_invalid");
        assert.ok(isSafeText(error.message), `unsafe message ${JSON.stringify(error.message)}`);
        // Worded as every refusal is: what could not be done, then why.
        assert.match(error.message, /^Cannot join "[^"]*": a room name /);
      });
    });
  }
  await t.step("/join without a room is a usage error", async () => {
    await alice.say("/join");
    assert.equal((await alice.next("error")).code, "bad_command");
  });
  await t.step("the member stays where it was", async () => {
    await alice.send({ type: "who" });
    assert.equal((await alice.next("who")).room, LOBBY);
    await alice.send({ type: "rooms" });
    assert.deepEqual((await alice.next("rooms")).rooms, [
      { name: LOBBY, members: 2, joined: true },
    ]);
    await alice.send({ type: "join", room: "#" + "x".repeat(31) });
    assert.equal((await alice.next("room")).room, "#" + "x".repeat(31));
  });
});

Deno.test("startServer() replays recent history to whoever enters a room", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  const sent: MessageFrame[] = [];

  await t.step("a newcomer gets exactly the last 50 of 60 messages, in order", async () => {
    for (let i = 1; i <= 60; i++) await alice.say(`lobby ${i}`);
    for (let i = 1; i <= 60; i++) sent.push(await alice.next("message"));
    await using bob = await joinSettled(port, "bob");
    const replayed = bob.all("message");
    assert.equal(replayed.length, 50);
    assert.deepEqual(replayed, sent.slice(10).map((message) => ({ ...message, replay: true })));
    assert.equal(replayed[0]!.text, "lobby 11");
  });

  await t.step(
    "the replay comes after the room frame, and live messages are not replays",
    async () => {
      await using carol = await joinSettled(port, "carol");
      const types = carol.frames.map((frame) => frame.type);
      assert.deepEqual(types, ["welcome", "room", ...Array(50).fill("message"), "pong"]);
      await alice.say("live");
      const live = await carol.next("message", (frame) => frame.text === "live");
      assert.equal(live.replay, undefined);
    },
  );

  await t.step("each room has its own history", async () => {
    await alice.say("/join #dev");
    await alice.next("room");
    for (let i = 1; i <= 3; i++) await alice.say(`dev ${i}`);
    const devSent = [];
    for (let i = 1; i <= 3; i++) devSent.push(await alice.next("message"));
    await using dave = await joinSettled(port, "dave");
    const lobby = dave.all("message");
    assert.equal(lobby.length, 50);
    assert.ok(lobby.every((message) => message.room === LOBBY), "only #lobby messages");
    assert.equal(lobby.at(-1)!.text, "live");
    const mark = dave.frames.length;
    await dave.say("/join #dev");
    const entered = await framesSince(dave, mark);
    assert.deepEqual(entered.map((frame) => frame.type), ["room", "message", "message", "message"]);
    assert.deepEqual(entered.slice(1), devSent.map((message) => ({ ...message, replay: true })));
  });
});

Deno.test("startServer() replays to a join with since only the room's last messages after it", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  const sent: MessageFrame[] = [];
  for (let i = 1; i <= 60; i++) await alice.say(`lobby ${i}`);
  for (let i = 1; i <= 60; i++) sent.push(await alice.next("message"));
  await using bob = await joinSettled(port, "bob");
  await bob.say("/join #dev");
  await bob.next("room", (frame) => frame.room === "#dev");
  const replayed = (from: number) => sent.slice(from).map((m) => ({ ...m, replay: true }));

  /** Sends `join` (with `since` if given) back to #lobby, then to #dev; returns what came. */
  const comeBack = async (since?: number) => {
    const mark = bob.frames.length;
    await bob.send(
      since === undefined ? { type: "join", room: LOBBY } : {
        type: "join",
        room: LOBBY,
        since,
      },
    );
    const frames = await framesSince(bob, mark);
    await bob.send({ type: "join", room: "#dev" });
    await bob.next("room", (frame) => frame.room === "#dev");
    return frames;
  };

  await t.step("a client that says nothing gets the last 50, as before", async () => {
    const frames = await comeBack();
    assert.equal(frames[0]?.type, "room");
    assert.deepEqual(frames.slice(1), replayed(10));
  });

  await t.step("a client that saw up to message 55 gets the 5 after it", async () => {
    const frames = await comeBack(sent[54]!.id);
    assert.deepEqual(frames.map((frame) => frame.type), ["room", ...Array(5).fill("message")]);
    assert.deepEqual(frames.slice(1), replayed(55));
  });

  await t.step("one that saw them all gets none", async () => {
    assert.deepEqual((await comeBack(sent[59]!.id)).map((frame) => frame.type), ["room"]);
  });

  await t.step("one that saw little gets the last 50 still, not more, and is told so", async () => {
    const frames = await comeBack(sent[0]!.id);
    assert.deepEqual(frames[1], {
      type: "info",
      room: LOBBY,
      text:
        `You missed more in ${LOBBY} than is replayed; the last 50 follow (/history shows more):`,
    });
    assert.deepEqual(frames.slice(2), replayed(10));
  });

  await t.step("a since out of range is a bad frame", async () => {
    await bob.send({ type: "join", room: LOBBY, since: -1 });
    assert.equal((await bob.next("error")).code, "bad_frame");
  });
});

Deno.test("startServer() answers a version 1 hello whose since is not an integer from 0 up with bad_frame", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await alice.say("said before");
  await alice.next("message");
  await using carol = await TestClient.connect(port);
  await assertUnheard([alice], async () => {
    for (const since of ["-1", "-9007199254740991", "0.5", "1e999"]) {
      await carol.write(`{"type":"hello","version":1,"name":"carol","since":${since}}\n`);
      const error = await carol.next("error");
      assert.equal(error.code, "bad_frame", `since ${since}`);
      assert.match(error.message, /field "since" must be/, `since ${since}`);
    }
    assert.deepEqual(carol.all("welcome"), []);
  });
  // The connection stays open for a hello that is right.
  await carol.send({ type: "hello", version: 1, name: "carol", since: 0 });
  assert.equal((await carol.next("welcome")).name, "carol");
  assert.equal((await carol.next("message")).text, "said before");
});

Deno.test("startServer() honours historyLimit", async (t) => {
  for (const historyLimit of [5, 0]) {
    await t.step(`historyLimit ${historyLimit} replays the last ${historyLimit}`, async () => {
      await using server = await startServer({ hostname: LOOPBACK, port: 0, historyLimit });
      await using alice = await TestClient.join(server.addr.port, "alice");
      for (let i = 1; i <= 12; i++) await alice.say(`message ${i}`);
      await alice.next("message", (frame) => frame.text === "message 12");
      await using bob = await joinSettled(server.addr.port, "bob");
      assert.deepEqual(
        bob.all("message").map((frame) => [frame.text, frame.replay]),
        Array.from(
          { length: historyLimit },
          (_, i) => [`message ${12 - historyLimit + i + 1}`, true],
        ),
      );
    });
  }
});

Deno.test("startServer() announces arrivals and departures only in rooms of up to MAX_ANNOUNCED_ROOM_SIZE", async (t) => {
  await using server = await startServer({
    hostname: LOOPBACK,
    port: 0,
    maxConnections: MAX_ANNOUNCED_ROOM_SIZE + 10,
    maxPerAddress: MAX_ANNOUNCED_ROOM_SIZE + 10,
  });
  const port = server.addr.port;
  const crowd: TestClient[] = [];
  try {
    await using watcher = await joinSettled(port, "watcher");
    // The watcher makes one; the room is full for announcing with this many more.
    const filling = Array.from({ length: MAX_ANNOUNCED_ROOM_SIZE - 1 }, (_, i) => `p${i}`);
    for (const name of filling) crowd.push(await TestClient.join(port, name));

    await t.step("up to the limit, everyone is announced", async () => {
      const joined = (await framesSince(watcher, 0)).filter((frame) => frame.type === "joined");
      assert.deepEqual(joined.map((frame) => frame.name), filling);
    });

    const late = await TestClient.join(port, "late");
    crowd.push(late);
    await t.step("beyond it, the newcomer is told why nobody hears of it", async () => {
      const info = await late.next("info");
      assert.equal(
        info.text,
        `${LOBBY} has ${
          MAX_ANNOUNCED_ROOM_SIZE + 1
        } people: arrivals and departures are not announced here`,
      );
      const room = late.all("room")[0]!;
      assert.equal(room.count, MAX_ANNOUNCED_ROOM_SIZE + 1);
      assert.equal(room.members.length, MAX_LISTED_NAMES);
      assert.deepEqual(
        (await framesSince(watcher, 0)).filter((frame) =>
          (frame.type === "joined" || frame.type === "left") && frame.name === "late"
        ),
        [],
      );
    });

    await t.step(
      "a departure that leaves the room at the limit is not announced either",
      async () => {
        const mark = watcher.frames.length;
        await late.say("/quit");
        await late.closed();
        await crowd[0]!.sync(); // the hub has handled the quit
        assert.deepEqual(await framesSince(watcher, mark), []);
      },
    );

    await t.step("once the room is back at the limit, departures are announced again", async () => {
      await crowd[0]!.say("/quit");
      const left = await watcher.next("left", (frame) => frame.name === "p0");
      assert.equal(left.reason, "quit");
    });
  } finally {
    await Promise.all(crowd.map((client) => client[Symbol.asyncDispose]()));
  }
});
