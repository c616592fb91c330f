/**
 * Protocol version 2 through the real server, over raw JSON lines: a client
 * in many rooms at once next to version 1 clients, which keep joining,
 * talking, changing rooms and resuming as before, in the same rooms.
 */

import assert from "node:assert/strict";
import { COMMANDS, COMMANDS_V2 } from "../core/commands.ts";
import {
  type ClientFrame,
  LOBBY,
  MAX_ROOMS,
  MAX_TEXT_BYTES,
  type MessageFrame,
  type ServerFrame,
} from "../protocol.ts";
import { MemoryHistory } from "../server/history/memory.ts";
import { parseOpFile } from "../server/hub/moderation.ts";
import { startServer } from "../server.ts";
import { assertUnheard, framesSince, LOOPBACK, TestClient, waitUntil } from "./_test_utils.ts";

/** The room messages among `frames`, as `room: text`. */
function said(frames: ServerFrame[]): string[] {
  return frames.flatMap((frame) =>
    frame.type === "message" ? [`${frame.room}: ${frame.text}`] : []
  );
}

/** What `client` says itself, once its own copy is back. */
async function post(client: TestClient, text: string, room?: string): Promise<MessageFrame> {
  await client.send(room === undefined ? { type: "say", text } : { type: "say", text, room });
  return await client.next("message", (frame) => frame.text === text && frame.replay !== true);
}

Deno.test("startServer() keeps a version 2 client in many rooms, next to version 1 clients", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0, messageRate: 10_000 });
  const port = server.addr.port;
  await using ann = await TestClient.join(port, "ann");
  await using carl = await TestClient.join(port, "carl");
  await carl.send({ type: "join", room: "#dev" });
  await carl.next("room");
  await post(ann, "lobby before");
  await post(carl, "dev before");
  await using alice = await TestClient.connect(port);

  await t.step("hello enters each room in order, each with its replay, then the pong", async () => {
    await alice.send({
      type: "hello",
      version: 2,
      name: "alice",
      rooms: [{ room: "#lobby" }, { room: "DEV" }],
    });
    await alice.send({ type: "ping", token: "in" });
    await alice.next("pong");
    const [welcome, ...rest] = alice.frames;
    assert.ok(welcome?.type === "welcome");
    assert.deepEqual([welcome.version, welcome.rooms], [2, [LOBBY, "#dev"]]);
    assert.deepEqual(rest.map((frame) => frame.type === "room" ? frame.room : frame.type), [
      LOBBY,
      "message",
      "#dev",
      "message",
      "pong",
    ]);
    assert.deepEqual(said(rest), ["#lobby: lobby before", "#dev: dev before"]);
    assert.equal((await ann.next("joined")).room, LOBBY);
    assert.equal((await carl.next("joined")).room, "#dev");
  });

  await t.step("talk in either room reaches it; it talks in the room it names", async () => {
    const mark = alice.frames.length;
    await post(ann, "hi from the lobby");
    await post(carl, "hi from dev");
    await assertUnheard([carl], () => post(alice, "lobby, from alice", LOBBY));
    // Before assertUnheard syncs ann, which reads past what came before its pong.
    assert.equal((await ann.next("message", (m) => m.from === "alice")).text, "lobby, from alice");
    await assertUnheard([ann], () => post(alice, "dev, from alice"));
    assert.equal((await carl.next("message", (m) => m.from === "alice")).text, "dev, from alice");
    assert.deepEqual(said(await framesSince(alice, mark)), [
      "#lobby: hi from the lobby",
      "#dev: hi from dev",
      "#lobby: lobby, from alice",
      "#dev: dev, from alice",
    ]);
  });

  await t.step(
    "a slash command acts in the say's room; a room it is not in is refused",
    async () => {
      await alice.send({ type: "say", room: LOBBY, text: "/who" });
      const { people, ...who } = await alice.next("who");
      assert.deepEqual(who, { type: "who", room: LOBBY, members: ["alice", "ann"], count: 2 });
      assert.deepEqual(people?.map((person) => person.name), ["alice", "ann"]);
      await alice.send({ type: "say", room: "#ops", text: "anyone?", cid: "c-1" });
      assert.deepEqual(await alice.next("error"), {
        type: "error",
        code: "not_in_room",
        message: "Cannot say it in #ops: you are not in #ops (join it first)",
        cid: "c-1",
      });
      await alice.say("/help");
      assert.deepEqual(await alice.next("help"), { type: "help", commands: [...COMMANDS_V2] });
    },
  );

  await t.step("join adds a room and rooms marks each of its rooms", async () => {
    await assertUnheard([ann, carl], async () => {
      await alice.say("/join #ops");
      assert.equal((await alice.next("room")).room, "#ops");
    });
    await alice.send({ type: "rooms" });
    assert.deepEqual((await alice.next("rooms")).rooms, [
      { name: "#dev", members: 2, joined: true },
      { name: LOBBY, members: 2, joined: true },
      { name: "#ops", members: 1, joined: true },
    ]);
  });

  await t.step("part leaves one room: parted, and left with the reason parted", async () => {
    await alice.send({ type: "part", room: "#dev" });
    assert.deepEqual(await alice.next("parted"), { type: "parted", room: "#dev" });
    const left = await carl.next("left");
    assert.deepEqual([left.room, left.name, left.reason], ["#dev", "alice", "parted"]);
    await assertUnheard([alice], () => post(carl, "dev, alice gone"));
  });

  await t.step("a version 1 client still moves with join and goes back with leave", async () => {
    await ann.say("/join #dev");
    assert.deepEqual(await ann.next("room"), {
      type: "room",
      room: "#dev",
      members: ["ann", "carl"],
      count: 2,
    });
    const left = await alice.next("left");
    assert.deepEqual([left.room, left.name, left.reason], [LOBBY, "ann", "went to #dev"]);
    await ann.say("/part");
    assert.equal((await ann.next("room")).room, LOBBY);
    assert.equal((await alice.next("joined")).name, "ann");
  });

  await t.step("the last room cannot be left", async () => {
    await alice.send({ type: "part", room: "#ops" });
    await alice.next("parted");
    await alice.say("/leave");
    assert.deepEqual(await alice.next("error"), {
      type: "error",
      code: "bad_command",
      message: "Cannot leave #lobby: it is the only room you are in; join another first",
    });
  });

  await t.step("a rename and a quit reach every room of the person", async () => {
    await alice.say("/join #dev");
    await alice.next("room");
    await alice.say("/nick ally");
    await alice.sync();
    assert.deepEqual(alice.all("renamed").map((frame) => [frame.room, frame.to]), [
      [LOBBY, "ally"],
      ["#dev", "ally"],
    ]);
    assert.equal((await ann.next("renamed")).room, LOBBY);
    assert.equal((await carl.next("renamed")).room, "#dev");
    await alice.send({ type: "quit" });
    await alice.closed();
    for (const [client, room] of [[ann, LOBBY], [carl, "#dev"]] as const) {
      const left = await client.next("left");
      assert.deepEqual([left.room, left.name, left.reason], [room, "ally", "quit"]);
    }
  });
});

Deno.test("startServer() gives a client coming back with its token what it missed, in either version", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0, messageRate: 10_000 });
  const port = server.addr.port;
  await using carl = await TestClient.join(port, "carl");
  await using alice = await TestClient.join2(port, "alice", [{ room: "#lobby" }, { room: "#dev" }]);
  await using bob = await TestClient.join(port, "bob");
  await bob.send({ type: "join", room: "#dev" });
  await bob.next("room");
  const seenLobby = await post(carl, "lobby seen");
  const seenDev = await post(bob, "dev seen");
  await alice.next("message", (frame) => frame.id === seenDev.id);
  const aliceToken = alice.all("welcome")[0]!.resume!;
  const bobToken = bob.all("welcome")[0]!.resume!;
  // Said while alice's and bob's links are dying: the server still holds them.
  await post(carl, "lobby missed");
  await post(alice, "dev missed", "#dev");

  await t.step("version 2: the session's rooms, each from its since; no one hears", async () => {
    await using back = await TestClient.connect(port);
    await assertUnheard([carl, bob], async () => {
      await back.send({
        type: "hello",
        version: 2,
        name: "alice",
        resume: aliceToken,
        rooms: [{ room: "#dev", since: seenDev.id }, { room: "#lobby", since: seenLobby.id }],
      });
      await back.sync();
    });
    const welcome = back.all("welcome")[0];
    assert.deepEqual([welcome?.version, welcome?.rooms], [2, [LOBBY, "#dev"]]);
    assert.deepEqual(said(back.frames), ["#lobby: lobby missed", "#dev: dev missed"]);
    await alice.closed();
    assert.equal(alice.all("bye").at(-1)?.reason, "You connected again from elsewhere");
    await post(bob, "live in dev");
    assert.equal((await back.next("message")).text, "live in dev");
  });

  await t.step("version 1: its one room, from its since, next to a version 2 client", async () => {
    await using back = await TestClient.connect(port);
    await back.send({
      type: "hello",
      version: 1,
      name: "bob",
      resume: bobToken,
      room: "#dev",
      since: seenDev.id,
    });
    await back.sync();
    const welcome = back.all("welcome")[0];
    assert.deepEqual([welcome?.version, welcome?.rooms], [1, undefined]);
    assert.deepEqual(said(back.frames), ["#dev: dev missed", "#dev: live in dev"]);
    await bob.closed();
    await post(back, "bob is back");
  });
});

/** The frame types of version 1: a client of version 1 gets no other. */
const VERSION_1_FRAMES: ReadonlySet<string> = new Set([
  "welcome",
  "room",
  "message",
  "private",
  "joined",
  "left",
  "renamed",
  "who",
  "rooms",
  "help",
  "info",
  "error",
  "bye",
  "pong",
  "ping",
]);

Deno.test("startServer() speaks version 1 as PROTOCOL.md describes it, among version 2 clients", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0, messageRate: 10_000 });
  const port = server.addr.port;
  await using alice = await TestClient.join2(port, "alice", [{ room: "#lobby" }, { room: "#dev" }]);
  await using vic = await TestClient.connect(port);

  await t.step("hello of version 1: a welcome without rooms, then #lobby", async () => {
    await vic.send({ type: "hello", version: 1, name: "vic" });
    await vic.sync();
    const [welcome, room] = vic.frames;
    assert.ok(welcome?.type === "welcome");
    assert.deepEqual([welcome.version, welcome.rooms], [1, undefined]);
    assert.deepEqual(room, { type: "room", room: LOBBY, members: ["alice", "vic"], count: 2 });
    assert.equal((await alice.next("joined")).room, LOBBY);
  });

  await t.step("it talks in its one room and hears only that one", async () => {
    const mark = vic.frames.length;
    await post(alice, "for the lobby", LOBBY);
    await post(alice, "for dev", "#dev");
    await post(vic, "vic in the lobby");
    assert.equal((await alice.next("message", (m) => m.from === "vic")).room, LOBBY);
    assert.deepEqual(said(await framesSince(vic, mark)), [
      "#lobby: for the lobby",
      "#lobby: vic in the lobby",
    ]);
  });

  await t.step("join moves it: the lobby sees it go, #dev sees it come", async () => {
    await vic.send({ type: "join", room: "#dev" });
    assert.equal((await vic.next("room")).room, "#dev");
    const left = await alice.next("left");
    assert.deepEqual([left.room, left.name, left.reason], [LOBBY, "vic", "went to #dev"]);
    assert.equal((await alice.next("joined")).room, "#dev");
    const mark = vic.frames.length;
    await post(alice, "lobby, vic gone", LOBBY);
    await post(alice, "dev, vic here", "#dev");
    assert.deepEqual(said(await framesSince(vic, mark)), ["#dev: dev, vic here"]);
  });

  await t.step("leave, /part and /leave go back to #lobby; in #lobby, an info", async () => {
    const mark = vic.frames.length;
    await vic.send({ type: "leave" });
    assert.equal((await vic.next("room")).room, LOBBY);
    assert.deepEqual(said(await framesSince(vic, mark)), [
      "#lobby: for the lobby",
      "#lobby: vic in the lobby",
      "#lobby: lobby, vic gone",
    ]);
    await vic.say("/join #dev");
    await vic.next("room");
    await vic.say("/part");
    assert.equal((await vic.next("room")).room, LOBBY);
    await vic.say("/leave");
    assert.deepEqual(await vic.next("info"), { type: "info", text: "You are in #lobby already" });
  });

  await t.step("rooms marks its one room; help lists version 1's commands", async () => {
    await vic.send({ type: "rooms" });
    assert.deepEqual((await vic.next("rooms")).rooms, [
      { name: LOBBY, members: 2, joined: true },
      { name: "#dev", members: 1 },
    ]);
    await vic.send({ type: "help" });
    assert.deepEqual(await vic.next("help"), { type: "help", commands: [...COMMANDS] });
  });

  await t.step("back after a drop, without a token: every message it missed there", async () => {
    const seen = vic.all("message").at(-1)!;
    await vic.send({ type: "quit" });
    await vic.closed();
    await post(alice, "missed 1", LOBBY);
    await post(alice, "missed 2", LOBBY);
    await using back = await TestClient.connect(port);
    await back.send({ type: "hello", version: 1, name: "vic", room: LOBBY, since: seen.id });
    await back.sync();
    assert.equal(seen.text, "lobby, vic gone");
    assert.deepEqual(said(back.frames), ["#lobby: missed 1", "#lobby: missed 2"]);
    assert.ok(back.all("message").every((message) => message.replay));
    assert.deepEqual(back.frames.filter((frame) => !VERSION_1_FRAMES.has(frame.type)), []);
  });

  await t.step("it never got a frame version 1 does not have", () => {
    assert.deepEqual(vic.frames.filter((frame) => !VERSION_1_FRAMES.has(frame.type)), []);
    assert.deepEqual(vic.all("welcome").map((welcome) => welcome.rooms), [undefined]);
  });
});

Deno.test("startServer() enters a version 2 client in 32 rooms at most, each replayed in turn at its pace", async (t) => {
  // 32 rooms of 50 messages of 4,000 bytes: 6.4 MB of replays, over the 1 MiB a
  // client may have waiting, which only a paced replay stays within.
  const rooms = Array.from({ length: MAX_ROOMS }, (_, i) => `#r${i + 1}`);
  const history = new MemoryHistory(1000);
  let id = 0;
  for (const room of rooms) {
    for (let i = 0; i < 50; i++) {
      history.append({
        type: "message",
        id: ++id,
        ts: 1_767_225_600_000 + id,
        room,
        from: "pat",
        text: `${room} ${i} `.padEnd(MAX_TEXT_BYTES, "x"),
      });
    }
  }
  await using server = await startServer({ hostname: LOOPBACK, port: 0, history });
  const port = server.addr.port;
  await using amy = await TestClient.connect(port);

  await t.step("each room, then its last 50 messages, then the next room", async () => {
    await amy.send({
      type: "hello",
      version: 2,
      name: "amy",
      rooms: rooms.map((room) => ({ room })),
    });
    await amy.sync();
    const [welcome, ...rest] = amy.frames;
    assert.ok(welcome?.type === "welcome");
    assert.deepEqual(welcome.rooms, rooms);
    assert.equal(amy.ended, false);
    const expected = rooms.flatMap((room) => [
      `room ${room}`,
      ...Array.from({ length: 50 }, (_, i) => `message ${room} ${i}`),
    ]);
    assert.deepEqual(
      rest.flatMap((frame) =>
        frame.type === "room"
          ? [`room ${frame.room}`]
          : frame.type === "message"
          ? [`message ${frame.text.replace(/ x+$/, "")}`]
          : []
      ),
      expected,
    );
  });

  await t.step("a 33rd room is refused with bad_command", async () => {
    await amy.say("/join #one-more");
    assert.deepEqual(await amy.next("error"), {
      type: "error",
      code: "bad_command",
      message: "Cannot join #one-more: you are in 32 rooms, the most allowed; leave one first",
    });
  });

  await t.step("a hello naming 33 rooms is a bad frame", async () => {
    await using ben = await TestClient.connect(port);
    await ben.send({
      type: "hello",
      version: 2,
      name: "ben",
      rooms: [...rooms, "#one-more"].map((room) => ({ room })),
    });
    assert.equal((await ben.next("error")).code, "bad_frame");
  });
});

Deno.test("startServer() opens no two look-alike rooms from one version 2 hello", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  // `#rust${n}`, then with a Cyrillic ѕ, then with a Cyrillic т: rooms nobody is in yet.
  const rooms = (n: number) => [`#rust${n}`, `#ruѕt${n}`, `#rusт${n}`].map((room) => ({ room }));
  const refusals = (n: number) =>
    rooms(n).slice(1).map(({ room }) => ({
      type: "error",
      code: "room_invalid",
      message: `Cannot open ${room}: it looks like #rust${n}; join #rust${n}, ` +
        "or pick a name that does not",
    }));

  await t.step(
    "the first is opened, the later ones left out with the error of a join",
    async () => {
      await using look = await TestClient.join2(port, "look1", [...rooms(590), { room: "#dev" }]);
      assert.deepEqual(look.all("welcome")[0]?.rooms, ["#rust590", "#dev"]);
      assert.deepEqual(look.all("error"), refusals(590));
      assert.deepEqual(look.all("room").map((frame) => frame.room), ["#rust590", "#dev"]);
    },
  );

  await t.step("coming back with a token after the connection ended, the same", async () => {
    await using first = await TestClient.join2(port, "look2", [{ room: "#dev" }]);
    const resume = first.all("welcome")[0]!.resume!;
    await first.send({ type: "quit" });
    await first.closed();
    await using back = await TestClient.connect(port);
    await back.send({
      type: "hello",
      version: 2,
      name: "look2",
      resume,
      rooms: [{ room: "#dev" }, ...rooms(591)],
    });
    await back.sync();
    assert.deepEqual(back.all("welcome")[0]?.rooms, ["#dev", "#rust591"]);
    assert.deepEqual(back.all("error"), refusals(591));
  });

  await t.step("#lobby is always itself: a look-alike before it is the one left out", async () => {
    await using look = await TestClient.join2(port, "look3", [{ room: "#l0bby" }, { room: LOBBY }]);
    assert.deepEqual(look.all("welcome")[0]?.rooms, [LOBBY]);
    assert.deepEqual(look.all("error").map((frame) => frame.message), [
      "Cannot open #l0bby: it looks like #lobby; join #lobby, or pick a name that does not",
    ]);
  });

  await t.step("the rooms left out are told in the order the hello named them", async () => {
    // Cyrillic а in #zetа and #kappа: each looks like the room before it; #l0bby like #lobby,
    // which another check finds.
    const named = ["#zeta", "#zetа", "#l0bby", "#kappa", "#kappа"];
    await using look = await TestClient.join2(port, "look4", named.map((room) => ({ room })));
    assert.deepEqual(look.all("welcome")[0]?.rooms, ["#zeta", "#kappa"]);
    assert.deepEqual(look.all("error").map((frame) => frame.message), [
      "Cannot open #zetа: it looks like #zeta; join #zeta, or pick a name that does not",
      "Cannot open #l0bby: it looks like #lobby; join #lobby, or pick a name that does not",
      "Cannot open #kappа: it looks like #kappa; join #kappa, or pick a name that does not",
    ]);
  });
});

Deno.test("startServer() keeps a quiet hello unseen until it says something in a room", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using ann = await TestClient.join2(port, "ann", [{ room: LOBBY }, { room: "#dev" }]);
  /** Connects `name` with a quiet hello into #dev. */
  const quietly = async (name: string) => {
    const client = await TestClient.connect(port);
    await client.send({ type: "hello", version: 2, name, rooms: [{ room: "#dev" }], quiet: true });
    await client.sync();
    assert.deepEqual(client.all("welcome")[0]?.rooms, ["#dev"]);
    return client;
  };

  await t.step("nobody is told or shown it is there; leaving, it goes without a word", async () => {
    await ann.sync();
    const mark = ann.frames.length;
    await using bot = await quietly("bot");
    await bot.send({ type: "rooms" });
    await bot.next("rooms");
    await bot.send({ type: "help" });
    await bot.next("help");
    await ann.send({ type: "who", room: "#dev" });
    assert.deepEqual((await ann.next("who")).members, ["ann"]);
    // A refusal shows nothing either.
    await bot.send({ type: "say", text: "", room: "#dev", cid: "c1" });
    assert.equal((await bot.next("error")).cid, "c1");
    await bot.send({ type: "msg", to: "nobody", text: "hi" });
    await bot.next("error");
    await bot.send({ type: "quit" });
    await bot.closed();
    await waitUntil(() => server.hub.size === 1, 5_000, "bot to be gone");
    const heard = await framesSince(ann, mark);
    assert.deepEqual(heard.filter((frame) => frame.type !== "who"), []);
  });

  await t.step("its first message in a room shows it there first; it goes as anyone", async () => {
    await using bot = await quietly("bot");
    await bot.send({ type: "say", text: "build is green", room: "#dev" });
    const joined = await ann.next("joined");
    assert.deepEqual([joined.room, joined.name], ["#dev", "bot"]);
    const message = await ann.next("message");
    assert.deepEqual([message.from, message.text], ["bot", "build is green"]);
    await bot.next("message", (frame) => frame.text === "build is green");
    await bot[Symbol.asyncDispose]();
    assert.equal((await ann.next("left")).name, "bot");
  });

  await t.step("looking into a room shows it there first: nobody reads a room unseen", async () => {
    const looks = [
      [{ type: "who", room: "#dev" }, "who"],
      [{ type: "history", room: "#dev" }, "info"],
      [{ type: "search", room: "#dev", text: "green" }, "info"],
    ] as const;
    for (const [look, answer] of looks) {
      await using bot = await quietly("bot");
      await bot.send(look);
      assert.deepEqual([(await ann.next("joined")).name, look.type], ["bot", look.type]);
      await bot.next(answer);
      await bot[Symbol.asyncDispose]();
      assert.equal((await ann.next("left")).name, "bot");
    }
  });

  await t.step("anything else others would see shows it at once", async () => {
    await using bot = await quietly("bot");
    await bot.send({ type: "away", reason: "lunch" });
    assert.equal((await ann.next("joined")).name, "bot");
    assert.equal((await ann.next("away")).name, "bot");
  });
});

Deno.test("startServer() keeps a quiet hello unseen through every frame it refuses", async (t) => {
  await using server = await startServer({
    hostname: LOOPBACK,
    port: 0,
    operators: parseOpFile("ann s3cret\n"),
  });
  const port = server.addr.port;
  await using ann = await TestClient.join2(port, "ann", [{ room: LOBBY }, { room: "#dev" }]);
  await ann.send({ type: "oper", secret: "s3cret" });
  await ann.next("notice");
  await ann.send({ type: "lock", room: "#ops" });
  await ann.next("notice", (frame) => frame.text.includes("locked #ops"));
  await using bot = await TestClient.connect(port);
  await bot.send({
    type: "hello",
    version: 2,
    name: "quiet9",
    rooms: [{ room: "#dev" }],
    quiet: true,
  });
  await bot.sync();

  await t.step("a refusal, or a no-op told in an info, shows nothing", async () => {
    const refused: [ClientFrame, string][] = [
      [{ type: "nick", name: "ann" }, "name_taken"],
      [{ type: "nick", name: "a b" }, "name_invalid"],
      [{ type: "oper", secret: "wrong" }, "not_operator"],
      [{ type: "join", room: "#ops" }, "room_locked"],
      [{ type: "join", room: "#a b" }, "room_invalid"],
      [{ type: "who", room: "#ops" }, "not_in_room"],
      [{ type: "part", room: "#dev" }, "bad_command"],
      [{ type: "topic", room: "#nowhere" }, "bad_command"],
      [{ type: "search", room: "#dev", text: "!?" }, "text_invalid"],
      [{ type: "history", room: LOBBY }, "not_in_room"],
      [{ type: "lock", room: "#dev" }, "not_operator"],
    ];
    await assertUnheard([ann], async () => {
      for (const [frame, code] of refused) {
        await bot.send(frame);
        assert.deepEqual([frame.type, (await bot.next("error")).code], [frame.type, code]);
      }
      await bot.send({ type: "back" });
      assert.equal((await bot.next("info")).text, "You are not away");
      await bot.send({ type: "join", room: "#dev" });
      assert.equal((await bot.next("info")).text, "You are in #dev already");
      await bot.sync();
    });
    assert.deepEqual(bot.all("room"), []);
    await ann.send({ type: "who", room: "#dev" });
    assert.deepEqual((await ann.next("who")).members, ["ann"]);
  });

  await t.step("the first frame that takes effect shows it, then does it", async () => {
    await bot.send({ type: "nick", name: "quiet10" });
    const joined = await ann.next("joined");
    assert.deepEqual([joined.room, joined.name], ["#dev", "quiet9"]);
    const renamed = await ann.next("renamed");
    assert.deepEqual([renamed.room, renamed.to], ["#dev", "quiet10"]);
    assert.equal((await bot.next("room")).room, "#dev");
  });
});

Deno.test("startServer() tells version 2 clients how a newcomer is, and version 1 clients who", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using ann = await TestClient.join(port, "ann");
  await using bea = await TestClient.join2(port, "bea");
  await using cy = await TestClient.connect(port);
  await cy.send({ type: "hello", version: 2, name: "cy", client: "web" });
  await cy.next("welcome");

  const told = await bea.next("joined", (frame) => frame.name === "cy");
  assert.deepEqual(told, {
    type: "joined",
    ts: told.ts,
    room: LOBBY,
    name: "cy",
    active: told.active,
    client: "web",
  });
  assert.ok(Math.abs(told.active! - Date.now()) < 60_000, `active at ${told.active}`);
  const bare = await ann.next("joined", (frame) => frame.name === "cy");
  assert.deepEqual(bare, { type: "joined", ts: bare.ts, room: LOBBY, name: "cy" });
});

Deno.test("startServer() refuses a command said in a room one is not in as that command", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using carl = await TestClient.join2(port, "carl", [{ room: "#dev" }]);
  await using alice = await TestClient.join2(port, "alice");

  await t.step("a command about the room says she is not in it, with the line's id", async () => {
    await alice.send({ type: "say", room: "#dev", text: "/history", cid: "history-1" });
    assert.deepEqual(await alice.next("error"), {
      type: "error",
      code: "not_in_room",
      message: "Cannot show the history of #dev: you are not in #dev (join it first)",
      cid: "history-1",
    });
    await alice.send({ type: "say", room: "#dev", text: "/search x" });
    assert.equal(
      (await alice.next("error")).message,
      "Cannot search #dev: you are not in #dev (join it first)",
    );
  });

  await t.step(
    "/who of a room she is not in lists it, as anyone may list a room not locked",
    async () => {
      await alice.send({ type: "say", room: "#dev", text: "/who", cid: "who-1" });
      assert.deepEqual((await alice.next("who")).members, ["carl"]);
      await alice.say("/who #dev");
      assert.deepEqual((await alice.next("who")).members, ["carl"]);
    },
  );

  await t.step("a command about no room runs, wherever it was said", async () => {
    await alice.send({ type: "say", room: "#dev", text: "/rooms" });
    assert.deepEqual((await alice.next("rooms")).rooms.map((room) => room.name).sort(), [
      "#dev",
      LOBBY,
    ]);
  });

  await t.step("a line said there is refused as said", async () => {
    await assertUnheard([carl], async () => {
      await alice.send({ type: "say", room: "#dev", text: "hello", cid: "say-1" });
      assert.deepEqual(await alice.next("error"), {
        type: "error",
        code: "not_in_room",
        message: "Cannot say it in #dev: you are not in #dev (join it first)",
        cid: "say-1",
      });
    });
  });
});

Deno.test("startServer() gives a say's cid to a refusal of its line as typed, not to what its command refuses", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using alice = await TestClient.join2(server.addr.port, "alice");
  await alice.send({ type: "say", text: "/join", cid: "usage-1" });
  assert.deepEqual(await alice.next("error"), {
    type: "error",
    code: "bad_command",
    message: "Usage: /join #room",
    cid: "usage-1",
  });
  // Two words after /nick are a name: the command runs, and refuses as a nick frame would.
  await alice.send({ type: "say", text: "/nick ann smith", cid: "name-1" });
  const refused = await alice.next("error");
  assert.equal(refused.code, "name_invalid");
  assert.match(refused.message, /"ann smith": a name cannot hold spaces/);
  await alice.send({ type: "say", text: "/part #a!b", cid: "room-1" });
  assert.equal((await alice.next("error")).cid, "room-1");
  // The command ran, and refuses as its own frame would.
  await alice.send({ type: "say", text: "/topic #nope", cid: "ran-1" });
  assert.deepEqual(await alice.next("error"), {
    type: "error",
    code: "bad_command",
    message: "Cannot show the topic of #nope: there is no such room",
  });
});
