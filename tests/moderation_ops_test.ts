/**
 * Operators among the people an operator's command concerns, and the words
 * it is answered with: a ban does not hold an operator until they are one no
 * more, an operator talks with no mute kept for later, IPv4-mapped addresses
 * are the IPv4 addresses they stand for, `/oper` tells nobody which names
 * have a secret, and a rename of someone else is refused in its own words.
 * Through the real server over real sockets; people told apart by their
 * loopback address (127.0.0.2 …).
 */

import assert from "node:assert/strict";
import { type ChatServer, type ServerOptions, startServer } from "../server.ts";
import { plainAddress } from "../core/address.ts";
import { parseOpFile } from "../server/hub/moderation.ts";
import { arrive, operator } from "./_from_address.ts";
import { IrcClient } from "./_irc_client.ts";
import { assertUnheard, LOOPBACK, TestClient } from "./_test_utils.ts";

async function server(options: ServerOptions = {}): Promise<ChatServer> {
  return await startServer({
    hostname: LOOPBACK,
    port: 0,
    operators: parseOpFile("ann s3cret\ndavey d4vey\n"),
    ...options,
  });
}

/** `name` at `address`, made an operator by `by`; `watcher` sees it said. */
async function madeOperator(
  port: number,
  name: string,
  address: string,
  by: TestClient,
): Promise<TestClient> {
  const person = await arrive(port, name, address);
  await by.say(`/op ${name}`);
  await person.next("notice", (frame) => frame.text.startsWith(`ann made ${name} an operator`));
  return person;
}

/** The `info` that answers an operator's `/ban`. */
async function banTold(ann: TestClient): Promise<string> {
  return (await ann.next("info", (frame) => frame.text.startsWith("You banned"))).text;
}

Deno.test("/ban of an operator's name is refused until they are deopped", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  await using carol = await arrive(port, "carol", "127.0.0.5");
  await using dave = await madeOperator(port, "dave", "127.0.0.4", ann);
  await assertUnheard([carol, dave], async () => {
    for (const line of ["/ban dave 2m flooding", "/ban @Dave"]) {
      await ann.say(line);
      assert.deepEqual(await ann.next("error"), {
        type: "error",
        code: "bad_command",
        message: "Cannot ban dave: operators cannot be banned; /deop them first",
      }, line);
    }
    // A mute is refused alike.
    await ann.say("/mute dave 5m");
    assert.deepEqual(await ann.next("error"), {
      type: "error",
      code: "bad_command",
      message: "Cannot mute dave: operators cannot be muted; /deop them first",
    });
  });
  await ann.say("/bans");
  assert.equal((await ann.next("info")).text, "No bans");
  await dave.say("still here");
  assert.equal((await carol.next("message")).text, "still here");

  // Deopped first, he is banned as anyone is.
  await ann.say("/deop dave");
  await carol.next("notice", (frame) => frame.text === "ann made dave a person like the others");
  await ann.say("/ban dave 2m flooding");
  assert.equal((await dave.next("bye")).reason, "You were banned by ann for 2 min: flooding");
  await dave.closed();
  assert.equal(
    await banTold(ann),
    "You banned dave (127.0.0.4) for 2 min: flooding (sent away: dave)",
  );
});

Deno.test("IRC's MODE +b and BAN of an operator's nick are refused, and echo no MODE", async () => {
  await using chat = await server({ ircPort: 0 });
  const port = chat.addr.port;
  await using ann = await IrcClient.register(chat.ircAddr!.port, "ann");
  await ann.send("JOIN #lobby");
  await ann.next(/ 366 ann #lobby /);
  await ann.send("OPER ann s3cret");
  await ann.next(/ 381 /);
  await using dave = await arrive(port, "dave", "127.0.0.4");
  await ann.send("MODE #lobby +o dave");
  await dave.next("notice", (frame) => frame.text === "ann made dave an operator");
  await ann.sync();
  for (const line of ["MODE #lobby +b dave", "MODE #lobby +b dave!*@*", "BAN dave 2m :spam"]) {
    await ann.send(line);
    const lines = await ann.sync();
    const told = lines.filter((text) => / NOTICE ann | MODE #lobby /.test(text));
    assert.equal(told.length, 1, `${line}: ${lines.join("\n")}`);
    assert.match(
      told[0]!,
      / NOTICE ann :Cannot ban dave: operators cannot be banned; \/deop them first$/,
      line,
    );
  }
  await dave.sync();
  assert.equal(dave.ended, false);
  assert.deepEqual(dave.all("bye"), []);
});

Deno.test("an address ban leaves an operator there, says so, and sends them away once deopped", async (t) => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  await using carol = await arrive(port, "carol", "127.0.0.5");
  await using dave = await madeOperator(port, "dave", "127.0.0.4", ann);
  await using erin = await madeOperator(port, "erin", "127.0.0.4", ann);
  await using bob = await arrive(port, "bob", "127.0.0.4");

  await t.step("the operator is told who stayed, and why", async () => {
    await ann.say("/ban 127.0.0.4 1h spam");
    assert.equal((await bob.next("bye")).reason, "You were banned by ann for 1 h: spam");
    await bob.closed();
    assert.equal(
      await banTold(ann),
      "You banned 127.0.0.4 for 1 h: spam (sent away: bob); " +
        "dave, erin stay: a ban sends operators away only once they are deopped",
    );
    await dave.say("still here");
    assert.equal((await carol.next("message")).text, "still here");
  });

  await t.step("deopped, he goes as the ban would have sent him", async () => {
    await ann.say("/deop dave");
    await carol.next("notice", (frame) => frame.text === "ann made dave a person like the others");
    assert.match(
      (await dave.next("bye")).reason,
      /^You were banned by ann for (1 h|59 min \d+ s): spam$/,
    );
    await dave.closed();
    assert.match(
      (await carol.next("left", (frame) => frame.name === "dave")).reason ?? "",
      /^banned by ann for (1 h|59 min \d+ s): spam$/,
    );
  });

  await t.step("and so when she steps down herself", async () => {
    await erin.say("/deop erin");
    await carol.next("notice", (frame) => frame.text === "erin is no longer an operator");
    assert.match((await erin.next("bye")).reason, /^You were banned by ann for .*: spam$/);
    await erin.closed();
  });
});

Deno.test("making a muted person an operator lifts the mute, and says so", async (t) => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  await using carol = await arrive(port, "carol", "127.0.0.5");

  for (
    const [how, name, make, told] of [
      ["by /op", "bob", "ann", "ann made bob an operator; their mute is lifted"],
      [
        "by /oper",
        "davey",
        "davey",
        "davey is an operator (proved with the secret of their name); their mute is lifted",
      ],
    ] as const
  ) {
    await t.step(how, async () => {
      await using person = await arrive(port, name, "127.0.0.4");
      await ann.say(`/mute ${name} 10m`);
      await carol.next("notice", (frame) => frame.text === `ann muted ${name} for 10 min`);
      if (make === "ann") await ann.say(`/op ${name}`);
      else await person.say("/oper d4vey");
      assert.equal((await carol.next("notice")).text, told);
      // No longer an operator, they talk as anyone does: no mute waited for them.
      await ann.say(`/deop ${name}`);
      await carol.next(
        "notice",
        (frame) => frame.text.endsWith(`${name} a person like the others`),
      );
      await person.say("hello again");
      assert.equal((await carol.next("message")).text, "hello again");
      await ann.say(`/unmute ${name}`);
      assert.equal((await ann.next("info")).text, `${name} is not muted`);
    });
  }
});

Deno.test("an IPv4-mapped IPv6 address is banned as its IPv4 address", async (t) => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);

  await t.step("the operator's own address is refused in either form", async () => {
    for (const address of ["::ffff:127.0.0.1", "::FFFF:7f00:1"]) {
      await ann.say(`/ban ${address} 1m`);
      assert.deepEqual(await ann.next("error"), {
        type: "error",
        code: "bad_command",
        message: "Cannot ban 127.0.0.1: it is your own address; ban the name instead (/ban NAME)",
      }, address);
    }
  });

  await t.step("another address sends away who is there, and keeps them out", async () => {
    const eve = await arrive(port, "eve", "127.0.0.3");
    await ann.say("/ban ::ffff:127.0.0.3 1m");
    await eve.closed();
    await eve[Symbol.asyncDispose]();
    assert.equal(await banTold(ann), "You banned 127.0.0.3 for 1 min (sent away: eve)");
    await using again = await arrive(port, "notEve", "127.0.0.3");
    assert.equal(again.all("error")[0]?.code, "banned");
  });

  await t.step("and is lifted by either form", async () => {
    await ann.say("/unban ::ffff:7f00:3");
    assert.equal((await ann.next("info")).text, "Lifted the ban of 127.0.0.3");
    await using back = await arrive(port, "eve", "127.0.0.3");
    assert.equal(back.all("welcome").length, 1);
  });
});

Deno.test("plainAddress() writes an IPv4-mapped address as IPv4, and leaves others be", () => {
  for (
    const [given, plain] of [
      ["::ffff:192.168.1.7", "192.168.1.7"],
      ["::FFFF:c0a8:107", "192.168.1.7"],
      ["0:0:0:0:0:ffff:10.0.0.1", "10.0.0.1"],
      ["192.168.1.7", "192.168.1.7"],
      ["fe80::1", "fe80::1"],
      ["::1", "::1"],
      ["::ffff:1.2.3", "::ffff:1.2.3"],
      ["bob", "bob"],
    ] as const
  ) {
    assert.equal(plainAddress(given), plain, given);
  }
});

Deno.test("/oper tells a name without a secret what it tells a wrong secret, and slows it alike", async () => {
  await using chat = await server({ ircPort: 0 });
  await using bob = await arrive(chat.addr.port, "bob", "127.0.0.2");
  for (const guess of ["one", "two", "three"]) {
    await bob.say(`/oper ${guess}`);
    assert.deepEqual(await bob.next("error"), {
      type: "error",
      code: "not_operator",
      message: "Cannot make you an operator: that is not the secret of your name",
    }, guess);
  }
  await bob.say("/oper four");
  assert.equal(
    (await bob.next("error")).message,
    "Cannot make you an operator: too many wrong secrets from your address; wait 1 s and try again",
  );
  // On IRC, both are 464, as a wrong password is.
  await using cat = await IrcClient.register(chat.ircAddr!.port, "cat");
  await cat.send("OPER cat guess");
  assert.match(
    await cat.next(/ (464|491) /),
    /^:\S+ 464 cat :Cannot make you an operator: that is not the secret of your name$/,
  );
});

Deno.test("/oper on a server that gives no name a secret says so, on IRC as 491", async () => {
  await using chat = await server({ ircPort: 0, operators: new Map() });
  await using bob = await arrive(chat.addr.port, "bob", "127.0.0.2");
  await bob.say("/oper guess");
  assert.deepEqual(await bob.next("error"), {
    type: "error",
    code: "not_operator",
    message: "Cannot make you an operator: the host gave no name a secret",
  });
  await using cat = await IrcClient.register(chat.ircAddr!.port, "cat");
  await cat.send("OPER cat guess");
  assert.match(
    await cat.next(/ (464|491) /),
    /^:\S+ 491 cat :Cannot make you an operator: the host gave no name a secret$/,
  );
});

Deno.test("an operator's rename of someone into a name not to be had says whom it concerns", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  await using bob = await arrive(port, "bob", "127.0.0.2");
  await using _carol = await arrive(port, "carol", "127.0.0.3");
  for (
    const [to, code, why] of [
      ["carol", "name_taken", "the name is taken (carol is here)"],
      ["host", "name_taken", "the server's host speaks under that name"],
      ["ann", "name_taken", "the name is taken (ann is here)"],
    ] as const
  ) {
    await ann.say(`/rename bob ${to}`);
    assert.deepEqual(await ann.next("error"), {
      type: "error",
      code,
      message: `Cannot rename bob to "${to}": ${why}`,
    }, to);
  }
  await ann.say("/ban ghost 1h");
  await banTold(ann);
  await ann.say("/rename bob ghost");
  assert.equal(
    (await ann.next("error")).message,
    'Cannot rename bob to "ghost": the name is banned',
  );
  // Someone renaming themself is still asked to pick another.
  await bob.send({ type: "nick", name: "carol" });
  assert.equal(
    (await bob.next("error")).message,
    'Cannot use "carol": the name is taken (carol is here). Pick another name',
  );
});

Deno.test("who is in a room is told anyone for a room not locked, for a locked one to its members and operators", async (t) => {
  await using chat = await server({ ircPort: 0 });
  const port = chat.addr.port;
  const irc = chat.ircAddr!.port;
  await using ann = await operator(port);
  await ann.send({ type: "join", room: "#secret" });
  await ann.next("room", (frame) => frame.room === "#secret");
  await ann.say("/lock #secret");
  await ann.next("notice", (frame) => frame.text.startsWith("ann locked #secret"));
  await using _cy = await TestClient.join2(port, "cy", [{ room: "#open" }]);
  const refusal = {
    type: "error",
    code: "not_in_room",
    message:
      "Cannot list #secret: it is locked, and only its members and operators may see who is in it",
  };

  await t.step("version 2: a room not locked is listed, a locked one refused", async () => {
    await using bob = await arrive(port, "bob", "127.0.0.3");
    await bob.send({ type: "who", room: "#open" });
    assert.deepEqual((await bob.next("who")).members, ["cy"]);
    await bob.say("/who #secret");
    assert.deepEqual(await bob.next("error"), refusal);
    await bob.send({ type: "who", room: "#secret" });
    assert.deepEqual(await bob.next("error"), refusal);
  });

  await t.step("version 1, typed or sent as a frame: the same", async () => {
    await using carl = await TestClient.join(port, "carl");
    await carl.say("/who #open");
    assert.deepEqual((await carl.next("who")).members, ["cy"]);
    await carl.say("/who #secret");
    assert.deepEqual(await carl.next("error"), refusal);
    await carl.send({ type: "who", room: "#open" });
    assert.deepEqual((await carl.next("who")).members, ["cy"]);
    await carl.send({ type: "who", room: "#secret" });
    assert.deepEqual(await carl.next("error"), refusal);
  });

  await t.step("its members and operators: listed", async () => {
    await ann.say("/who #secret");
    assert.deepEqual((await ann.next("who")).members, ["ann"]);
    await using dave = await madeOperator(port, "dave", "127.0.0.4", ann);
    await dave.say("/who #secret");
    assert.deepEqual((await dave.next("who")).members, ["ann"]);
  });

  await t.step("IRC: NAMES and WHO give the end alone, WHOIS leaves the room out", async () => {
    await using eve = await IrcClient.register(irc, "eve");
    await eve.sync();
    const numerics = (lines: string[]) =>
      lines.filter((line) => / \d{3} /.test(line)).map((line) => line.replace(/^:\S+ /, ""));
    await eve.send("NAMES #secret");
    assert.deepEqual(numerics(await eve.until(/ 366 /)), ["366 eve #secret :End of /NAMES list"]);
    await eve.send("WHO #secret");
    assert.deepEqual(numerics(await eve.until(/ 315 /)), ["315 eve #secret :End of WHO list"]);
    await eve.send("WHOIS ann");
    const whois = (await eve.until(/ 318 /)).join("\n");
    assert.match(whois, / 319 eve ann :@#lobby$/m);
    assert.doesNotMatch(whois, /#secret/);
    // WHO of a nick names a room they are in that eve may list.
    await eve.send("WHO ann");
    assert.match(await eve.next(/ 352 /), / 352 eve #lobby ann /);
    await eve.send("NAMES #open");
    assert.match(await eve.next(/ 353 /), / 353 eve = #open :cy$/);
  });

  await t.step("IRC: to an operator, all of it", async () => {
    await using davey = await IrcClient.register(irc, "davey");
    await davey.send("OPER davey d4vey");
    await davey.next(/ 381 /);
    await davey.send("NAMES #secret");
    assert.match(await davey.next(/ 353 /), / 353 davey = #secret :@ann$/);
    await davey.send("WHOIS ann");
    assert.match((await davey.until(/ 318 /)).join("\n"), / 319 davey ann :@#lobby @#secret$/m);
  });
});

Deno.test("an empty kick or ban reason is none: no dangling colon anywhere", async () => {
  await using chat = await server({ ircPort: 0 });
  const port = chat.addr.port;
  const irc = chat.ircAddr!.port;
  await using ann = await IrcClient.register(irc, "ann");
  await ann.send("OPER ann s3cret");
  await ann.next(/ 381 /);
  await using watch = await arrive(port, "watch", "127.0.0.83");
  await using cat = await IrcClient.register(irc, "cat");
  await using _kim = await IrcClient.register(irc, "kim", [], "127.0.0.82");
  await cat.next(/^:kim!\S+ JOIN #lobby$/);
  // irssi's /kick kim.
  await ann.send("KICK #lobby kim :");
  assert.equal((await watch.next("left", (frame) => frame.name === "kim")).reason, "kicked by ann");
  // IRC shows the kicker's nick as the reason, as for a KICK given none.
  assert.match(await cat.next(/ KICK #lobby kim/), /^:ann!\S+ KICK #lobby kim :ann$/);
  // The chat's own frames: a reason of spaces is none too.
  await using dave = await arrive(port, "dave", "127.0.0.4");
  await using op = await arrive(port, "davey", "127.0.0.6");
  await op.send({ type: "oper", secret: "d4vey" });
  await op.next("notice", (frame) => frame.text.startsWith("davey is an operator"));
  await op.send({ type: "kick", name: "dave", reason: "  " });
  assert.equal((await dave.next("bye")).reason, "You were kicked by davey");
  await using eve = await arrive(port, "eve", "127.0.0.5");
  await op.send({ type: "ban", target: "eve", reason: "" });
  assert.equal((await eve.next("bye")).reason, "You were banned by davey");
});
