import assert from "node:assert/strict";
import { COMMANDS } from "../core/commands.ts";
import { LOBBY } from "../protocol.ts";
import { isSafeText } from "../core/sanitize.ts";
import { startServer } from "../server.ts";
import { MAX_AWAY_SINCE_MS } from "../server/hub/presence.ts";
import { assertUnheard, framesSince, LOOPBACK, TestClient } from "./_test_utils.ts";

Deno.test("startServer() renames with /nick and the nick frame", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await using bob = await TestClient.join(port, "bob");
  await using carol = await TestClient.join(port, "carol");
  await carol.say("/join #elsewhere");
  await carol.next("room");

  await t.step("/nick tells the whole room, the renamed member included", async () => {
    await assertUnheard([carol], async () => {
      await alice.say("/nick alicia");
      for (const client of [alice, bob]) {
        const renamed = await client.next("renamed");
        assert.deepEqual(renamed, {
          type: "renamed",
          ts: renamed.ts,
          room: LOBBY,
          from: "alice",
          to: "alicia",
        });
      }
    });
    await alice.say("hi");
    assert.equal((await bob.next("message")).from, "alicia");
  });

  await t.step("the nick frame does the same", async () => {
    await alice.send({ type: "nick", name: "ally" });
    for (const client of [alice, bob]) {
      const renamed = await client.next("renamed");
      assert.equal(renamed.from, "alicia");
      assert.equal(renamed.to, "ally");
    }
  });

  await t.step("the old name is free again", async () => {
    await using newcomer = await TestClient.join(port, "alicia");
    assert.equal(newcomer.all("welcome")[0]!.name, "alicia");
    await newcomer.send({ type: "quit" });
    await newcomer.closed();
  });

  await t.step("a taken name is refused, in any case", async () => {
    for (const name of ["ally", "ALLY"]) {
      await bob.send({ type: "nick", name });
      assert.equal((await bob.next("error")).code, "name_taken");
    }
    await bob.say("/nick Ally");
    assert.equal((await bob.next("error")).code, "name_taken");
    await bob.say("still bob");
    assert.equal((await alice.next("message")).from, "bob");
    assert.deepEqual(bob.all("renamed").filter((frame) => frame.from === "bob"), []);
  });

  await t.step("an invalid name is refused", async () => {
    await bob.send({ type: "nick", name: "b\x1b[2Jb" });
    assert.equal((await bob.next("error")).code, "name_invalid");
    // More words are a name, refused by the rules of names, which say why: no usage line.
    const spaced = [{ command: "/nick", name: "two words" }, { command: "/name", name: "x y z" }];
    for (const { command, name } of spaced) {
      const line = `${command} ${name}`;
      await bob.say(line);
      assert.deepEqual(await bob.next("error"), {
        type: "error",
        code: "name_invalid",
        message: `Cannot use "${name}": a name cannot hold spaces; put _ - or . between its words`,
      }, line);
    }
    await bob.say("/nick");
    assert.deepEqual(await bob.next("error"), {
      type: "error",
      code: "bad_command",
      message: "Usage: /nick NEW",
    });
    // Unlike /join, whose one word is a room: words after it are a name with spaces, which no
    // room has, told as such to a client of version 1 too.
    await bob.say("/join #team chat");
    assert.deepEqual(await bob.next("error"), {
      type: "error",
      code: "bad_command",
      message: 'Cannot join "#team chat": a room name has no spaces; try #team-chat',
    });
  });

  await t.step("changing the case of one's own name is allowed", async () => {
    await alice.say("/nick Ally");
    for (const client of [alice, bob]) {
      const renamed = await client.next("renamed");
      assert.equal(renamed.from, "ally");
      assert.equal(renamed.to, "Ally");
    }
    await bob.send({ type: "who" });
    assert.deepEqual((await bob.next("who")).members, ["Ally", "bob"]);
  });

  await t.step("renaming to the same name only informs", async () => {
    await assertUnheard([bob], async () => {
      await alice.say("/nick Ally");
      await alice.next("info");
    });
  });
});

Deno.test("startServer() lists the room on /who", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using carol = await TestClient.join(port, "carol");
  await using alice = await TestClient.join(port, "alice");
  await using bob = await TestClient.join(port, "bob");
  const expected = { type: "who", room: LOBBY, members: ["alice", "bob", "carol"], count: 3 };
  await alice.say("/who");
  assert.deepEqual(await alice.next("who"), expected);
  await bob.send({ type: "who" });
  assert.deepEqual(await bob.next("who"), expected);
  await carol.say("/names");
  assert.deepEqual(await carol.next("who"), expected);
});

Deno.test("startServer() lists the commands on /help", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using alice = await TestClient.join(server.addr.port, "alice");
  await alice.say("/help");
  assert.deepEqual(await alice.next("help"), { type: "help", commands: [...COMMANDS] });
  await alice.send({ type: "help" });
  assert.deepEqual(await alice.next("help"), { type: "help", commands: [...COMMANDS] });
});

Deno.test("startServer() turns /me into an action message", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using alice = await TestClient.join(server.addr.port, "alice");
  await using bob = await TestClient.join(server.addr.port, "bob");

  for (
    const [how, send] of [["/me", () => alice.say("/me waves")], [
      "the me frame",
      () => alice.send({ type: "me", text: "waves" }),
    ]] as const
  ) {
    await t.step(`${how} reaches the room with action set`, async () => {
      await send();
      const action = await bob.next("message");
      assert.deepEqual(action, {
        type: "message",
        id: action.id,
        ts: action.ts,
        room: LOBBY,
        from: "alice",
        text: "waves",
        action: true,
      });
      assert.deepEqual(await alice.next("message"), action);
    });
  }

  await t.step("/me without text is a usage error", async () => {
    await assertUnheard([bob], async () => {
      await alice.say("/me");
      assert.equal((await alice.next("error")).code, "bad_command");
    });
  });
});

Deno.test("startServer() delivers /msg to its two parties only", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await using bob = await TestClient.join(port, "bob");
  await using carol = await TestClient.join(port, "carol");
  await using carla = await TestClient.join(port, "carla");
  await using bobby = await TestClient.join(port, "bobby");

  await t.step("/msg arrives at the recipient and back at the sender, nowhere else", async () => {
    await assertUnheard([carol, carla, bobby], async () => {
      await alice.say("/msg bob psst, a secret");
      const received = await bob.next("private");
      assert.deepEqual(received, {
        type: "private",
        id: received.id,
        ts: received.ts,
        from: "alice",
        to: "bob",
        text: "psst, a secret",
      });
      assert.deepEqual(await alice.next("private"), received);
    });
  });

  await t.step("the msg frame does the same", async () => {
    await assertUnheard([carol, carla, bobby], async () => {
      await alice.send({ type: "msg", to: "bob", text: "again" });
      assert.equal((await bob.next("private")).text, "again");
      assert.equal((await alice.next("private")).text, "again");
    });
  });

  await t.step("a private message reaches someone in another room", async () => {
    await carol.say("/join #dev");
    await carol.next("room");
    await assertUnheard([bob, carla, bobby], async () => {
      await alice.say("/msg carol over here");
      const received = await carol.next("private");
      assert.equal(received.text, "over here");
      assert.deepEqual(await alice.next("private"), received);
    });
    await carol.say("/leave");
    await carol.next("room");
  });

  await t.step("an unknown name is no_such_user and nobody receives anything", async () => {
    await assertUnheard([bob, carol, carla, bobby], async () => {
      await alice.say("/msg zed hello?");
      const error = await alice.next("error");
      assert.equal(error.code, "no_such_user");
      assert.match(error.message, /zed/);
    });
  });

  await t.step("a unique prefix is refused with a hint; @name resolves to its member", async () => {
    await assertUnheard([bob, bobby, carol, carla], async () => {
      await alice.say("/msg carl hi carla");
      const error = await alice.next("error");
      assert.equal(error.code, "no_such_user");
      assert.equal(
        error.message,
        'Cannot send: nobody called "carl" is on this chat; did you mean carla?',
      );
    });
    assert.deepEqual(alice.all("private").filter((frame) => frame.to === "carla"), []);
    await assertUnheard([bob, bobby, carla], async () => {
      await alice.send({ type: "msg", to: "@CAROL", text: "hi carol" });
      assert.equal((await carol.next("private")).text, "hi carol");
      assert.equal((await alice.next("private")).to, "carol");
    });
  });

  await t.step("an exact name wins over a longer name it prefixes", async () => {
    await assertUnheard([bobby], async () => {
      await alice.say("/msg bob only bob");
      assert.equal((await bob.next("private")).text, "only bob");
      assert.equal((await alice.next("private")).to, "bob");
    });
  });

  await t.step("an ambiguous prefix is refused with the candidates", async () => {
    await assertUnheard([bob, carol, carla, bobby], async () => {
      await alice.say("/msg car which one?");
      const error = await alice.next("error");
      assert.equal(error.code, "no_such_user");
      assert.match(error.message, /carla, carol/);
    });
  });

  await t.step("/msg without text is a usage error", async () => {
    await assertUnheard([bob], async () => {
      await alice.say("/msg bob");
      assert.equal((await alice.next("error")).code, "bad_command");
    });
  });
});

Deno.test("startServer() never delivers /msg to a name that only starts with the recipient's", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using bob = await TestClient.join(port, "bob");
  await using dave = await TestClient.join(port, "dave");
  {
    await using carol = await TestClient.join(port, "carol");
    await bob.next("joined", (frame) => frame.name === "carol");
    await carol.send({ type: "quit" });
    await carol.closed();
  }
  await bob.next("left", (frame) => frame.name === "carol");
  await dave.say("/nick carolyn");
  await bob.next("renamed", (frame) => frame.to === "carolyn");

  const mark = bob.frames.length;
  await assertUnheard([dave], async () => {
    await bob.say("/msg carol here is the wifi password");
    await bob.send({ type: "msg", to: "@Carol", text: "here is the wifi password" });
  });
  const refusal = {
    type: "error",
    code: "no_such_user",
    message: 'Cannot send: nobody called "carol" is on this chat; did you mean carolyn?',
  };
  assert.deepEqual(await framesSince(bob, mark), [
    refusal,
    { ...refusal, message: refusal.message.replace('"carol"', '"@Carol"') },
  ]);

  // The full name still reaches carolyn.
  await bob.say("/msg carolyn hello carolyn");
  assert.equal((await dave.next("private")).text, "hello carolyn");
  assert.deepEqual(dave.all("private").map((frame) => frame.text), ["hello carolyn"]);
});

Deno.test("startServer() answers an unknown command to its sender only", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await using bob = await TestClient.join(port, "bob");
  await using carol = await TestClient.join(port, "carol");

  await t.step("/frobnicate is unknown_command and nobody else hears of it", async () => {
    await assertUnheard([bob, carol], async () => {
      await alice.say("/frobnicate the widgets");
      const error = await alice.next("error");
      assert.equal(error.code, "unknown_command");
      assert.match(error.message, /frobnicate/);
    });
  });

  await t.step("the error does not echo escape sequences back", async () => {
    await assertUnheard([bob, carol], async () => {
      await alice.say("/frob\x1b]52;c;cHduZWQ=\x07\x1b[2J\u202enicate");
      const error = await alice.next("error");
      assert.equal(error.code, "unknown_command");
      assert.ok(isSafeText(error.message), `unsafe message ${JSON.stringify(error.message)}`);
    });
  });

  await t.step("//etc is sent as /etc", async () => {
    await alice.say("//etc/passwd is a file");
    assert.equal((await bob.next("message")).text, "/etc/passwd is a file");
    assert.equal((await carol.next("message")).text, "/etc/passwd is a file");
    assert.equal((await alice.next("message")).text, "/etc/passwd is a file");
  });
});

Deno.test("startServer() keeps the since of an away said again, when it is past and recent", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using ann = await TestClient.join2(port, "ann");
  await using bob = await TestClient.join2(port, "bob");
  const since = Date.now() - 3 * 60_000;
  await bob.send({ type: "away", reason: "lunch", since });
  assert.equal((await ann.next("away", (frame) => frame.name === "bob")).ts, since);
  await ann.send({ type: "who" });
  const who = await ann.next("who");
  assert.deepEqual(who.people?.find((person) => person.name === "bob")?.away, {
    since,
    reason: "lunch",
  });
  // In the future, or too old to be true: from now.
  for (const claimed of [Date.now() + 60_000, Date.now() - MAX_AWAY_SINCE_MS - 60_000]) {
    await bob.send({ type: "back" });
    await ann.next("back", (frame) => frame.name === "bob");
    const before = Date.now();
    await bob.send({ type: "away", since: claimed });
    const ts = (await ann.next("away", (frame) => frame.name === "bob")).ts;
    assert.ok(ts >= before && ts <= Date.now(), `${claimed} taken as now, not ${ts}`);
  }
});
