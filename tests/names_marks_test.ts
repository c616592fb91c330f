/**
 * Names and room names that differ from a present one only by accents or
 * other marks (`dạve`, `ḋave`, `queen̲`), or by `.`, `-` or `_` at an end
 * (`dave.`, `#dev-`), count as the same: refused as look-alikes by the real
 * server over TCP.
 */

import assert from "node:assert/strict";
import { startServer } from "../server.ts";
import { checkName, nameKey, normalizeRoom } from "../core/names.ts";
import { Moderation } from "../server/hub/moderation.ts";
import { LOOPBACK, TestClient } from "./_test_utils.ts";
import { IrcClient } from "./_irc_client.ts";
import { LineClient } from "./_line_client.ts";

// Each passes for dave or queen on screen.
const PASSING_FOR_DAVE = ["d\u1ea1ve", "\u1e0bave", "\u010fave", "dave.", "dave-", "dave_"];
const PASSING_FOR_QUEEN = ["queen\u0332", "qu\u00e9en", "que\u0300en", "queen.-"];

Deno.test("nameKey() compares names without their marks and the separators at their ends", () => {
  for (const name of PASSING_FOR_DAVE) {
    assert.equal(checkName(name), undefined, name);
    assert.equal(nameKey(name), nameKey("dave"), name);
  }
  for (const name of PASSING_FOR_QUEEN) assert.equal(nameKey(name), nameKey("queen"), name);
  // Marks, then look-alikes: a Cyrillic а with a diaeresis is an a without it.
  assert.equal(nameKey("d\u04d3ve"), nameKey("dave"));
  assert.equal(nameKey("Zo\u00eb"), nameKey("Zoe"));
  assert.equal(nameKey("Zoe\u0308"), nameKey("zoe"));
  // What the docs give as one name still is, and what they keep apart still is.
  assert.equal(nameKey("stra\u00dfe"), nameKey("STRASSE"));
  assert.equal(nameKey("\u0130x"), nameKey("ix"));
  assert.equal(nameKey("rn"), nameKey("m"));
  assert.equal(nameKey("Nguy\u1ec5n"), nameKey("Nguye\u0302\u0303n"));
  assert.notEqual(nameKey("da.ve"), nameKey("dave"));
  assert.notEqual(nameKey("dave2"), nameKey("dave"));
  assert.notEqual(nameKey("\u674e\u96f7"), nameKey("\u674e"));
  // The reserved names, with an accent, are reserved too.
  assert.equal(checkName("\u00e0dmin"), 'The name "\u00e0dmin" is reserved');
  assert.equal(checkName("server-"), 'The name "server-" is reserved');
});

Deno.test("nameKey() leaves no nonspacing mark in the key of any letter or marked letter", () => {
  const marked = /[\p{Mn}\p{Me}]/u;
  for (let code = 0; code <= 0x10ffff; code++) {
    const char = String.fromCodePoint(code);
    if (/^\p{L}$/u.test(char)) assert.doesNotMatch(nameKey(char), marked, char);
    else if (/^\p{M}$/u.test(char)) assert.doesNotMatch(nameKey(`a${char}`), marked, char);
  }
});

Deno.test("startServer() refuses names that differ from a present one by marks or end separators", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using dave = await TestClient.join(port, "dave");
  await using queen = await TestClient.join(port, "queen");

  await t.step("hello with each is refused, naming who has the name", async () => {
    for (const [holder, names] of [["dave", PASSING_FOR_DAVE], ["queen", PASSING_FOR_QUEEN]]) {
      for (const name of names as string[]) {
        await using mallory = await TestClient.connect(port);
        await mallory.send({ type: "hello", version: 2, name });
        assert.deepEqual(await mallory.next("error"), {
          type: "error",
          code: "name_taken",
          message: `Cannot use "${name}": it looks like ${holder}, who is here. Pick another name`,
        }, name);
        assert.deepEqual(mallory.all("welcome"), [], name);
      }
    }
  });

  await t.step("nick to each is refused too", async () => {
    await using mallory = await TestClient.join(port, "mallory");
    for (const name of PASSING_FOR_DAVE) {
      await mallory.send({ type: "nick", name });
      assert.deepEqual(await mallory.next("error"), {
        type: "error",
        code: "name_taken",
        message: `Cannot use "${name}": it looks like dave, who is here. Pick another name`,
      }, name);
    }
  });

  await t.step(
    "a room that differs from one in use by marks or end separators is not opened",
    async () => {
      await dave.send({ type: "join", room: "#dev" });
      await dave.next("room", (frame) => frame.room === "#dev");
      await using mallory = await TestClient.join2(port, "mallory");
      for (const room of ["#d\u00e9v", "#de\u0301v", "#dev-", "#dev_", "#d\u1ebd\u0300v"]) {
        const shown = normalizeRoom(room);
        assert.ok(shown.ok, room);
        await mallory.send({ type: "join", room });
        assert.deepEqual(await mallory.next("error"), {
          type: "error",
          code: "room_invalid",
          message: `Cannot open ${shown.value}: it looks like #dev; join #dev, or pick a name ` +
            "that does not",
        }, room);
      }
      await mallory.send({ type: "join", room: "#devs" });
      assert.equal((await mallory.next("room")).room, "#devs");
    },
  );

  await t.step("Zoe and Zoë cannot both be here", async () => {
    await using zoe = await TestClient.join(port, "Zo\u00eb");
    await using other = await TestClient.connect(port);
    await other.send({ type: "hello", version: 2, name: "Zoe" });
    assert.equal(
      (await other.next("error")).message,
      'Cannot use "Zoe": it looks like Zoë, who is here. Pick another name',
    );
    await zoe.sync();
  });
  await queen.sync();
});

Deno.test("startServer() says a look-alike of a present name looks like it, in every door", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0, ircPort: 0 });
  const port = server.addr.port;
  await using _bob = await TestClient.join(port, "bob");
  // With a Cyrillic о, which reads as bob itself.
  const cyrillic = "b\u043eb";
  const refusal = (name: string) =>
    `Cannot use "${name}": it looks like bob, who is here. Pick another name`;

  await t.step("JSON: a nick to it is refused as a look-alike, not as the same name", async () => {
    await using ann = await TestClient.join(port, "ann");
    await ann.send({ type: "nick", name: cyrillic });
    assert.equal((await ann.next("error")).message, refusal(cyrillic));
    // The same name in other case is the same name, and said to be.
    await ann.send({ type: "nick", name: "Bob" });
    assert.equal(
      (await ann.next("error")).message,
      'Cannot use "Bob": the name is taken (bob is here). Pick another name',
    );
    // So is the host's name, which the server's console speaks under.
    await ann.send({ type: "nick", name: "h0st" });
    assert.equal(
      (await ann.next("error")).message,
      'Cannot use "h0st": it looks like host, the name the server\'s host speaks under. ' +
        "Pick another name",
    );
  });

  await t.step("nc: the name typed at the question is refused in the same words", async () => {
    await using person = await LineClient.connect(port);
    await person.send(cyrillic);
    assert.equal(await person.next(/!! /), `Your name: !! ${refusal(cyrillic)}`);
  });

  await t.step("IRC: 433 carries the same words, for an ASCII look-alike", async () => {
    await using cy = await IrcClient.connect(server.ircAddr!.port);
    await cy.send("NICK b0b");
    assert.equal(
      (await cy.next(/ 433 /)).replace(/^:\S+ /, ""),
      `433 * b0b :${refusal("b0b")}, such as b0b2`,
    );
  });
});

Deno.test("Moderation folds the name of a ban kept before as names are compared now", () => {
  // Kept while `dave.` still folded to itself.
  const kept = { id: 1, key: "dave.", name: "dave.", by: "ann", at: 0 };
  const moderation = new Moderation({
    notes: (kind) => kind === "ban" ? [["1", JSON.stringify(kept)]] : [],
    note: () => {},
  });
  assert.equal(moderation.banOf("192.0.2.7", undefined, nameKey("dave"))?.name, "dave.");
});
