/**
 * Operators, bans, mutes, topics and locks, through the real server over
 * real sockets; people told apart by their loopback address (127.0.0.2 …).
 */

import assert from "node:assert/strict";
import { type ChatServer, type ServerOptions, startServer } from "../server.ts";
import {
  type ClientFrame,
  encodeFrame,
  MAX_ANNOUNCED_ROOM_SIZE,
  MAX_LISTED_NAMES,
  MAX_SERVER_LINE_BYTES,
} from "../protocol.ts";
import { parseOpFile } from "../server/hub/moderation.ts";
import { MemoryHistory } from "../server/history/memory.ts";
import { SqliteHistory } from "../server/history/sqlite.ts";
import { arrive, clientFrom, operator } from "./_from_address.ts";
import { IrcClient } from "./_irc_client.ts";
import {
  assertUnheard,
  framesSince,
  LOOPBACK,
  settledValue,
  settleEach,
  TestClient,
  waitUntil,
} from "./_test_utils.ts";

/** What the answer to a ban of a name nobody here has, nor left with lately, ends with. */
const NAME_ONLY =
  "; nobody of that name left this server in the last 10 min: the ban holds the name only";

async function server(options: ServerOptions = {}): Promise<ChatServer> {
  return await startServer({
    hostname: LOOPBACK,
    port: 0,
    operators: parseOpFile("# the host's secrets\nann s3cret\n"),
    ...options,
  });
}

Deno.test("an operator is who proves the name's secret, not who took the name", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await arrive(port, "ann", "127.0.0.1");
  await using bob = await arrive(port, "bob", "127.0.0.2");
  await bob.say("/kick ann");
  assert.equal((await bob.next("error")).code, "not_operator");
  await bob.say("/oper s3cret");
  const refused = await bob.next("error");
  assert.equal(refused.code, "not_operator");
  // Told as a wrong secret is: nobody learns which names have one.
  assert.equal(refused.message, "Cannot make you an operator: that is not the secret of your name");
  await ann.say("/oper wrong");
  assert.match((await ann.next("error")).message, /not the secret of your name/);
  await ann.say("/oper s3cret");
  const told = await bob.next("notice");
  // Proved with ann's own line of the op file, which is no secret of the host's.
  assert.equal(told.text, "ann is an operator (proved with the secret of their name)");
  await ann.say("/op bob");
  assert.equal((await bob.next("notice")).text, "ann made bob an operator");
  await bob.send({ type: "who" });
  const who = await bob.next("who");
  assert.deepEqual(who.people?.map((person) => [person.name, person.op]), [
    ["ann", true],
    ["bob", true],
  ]);
  await bob.say("/deop ann");
  assert.equal((await bob.next("notice")).text, "bob made ann a person like the others");
  await bob.say("/deop bob");
  assert.equal((await bob.next("notice")).text, "bob is no longer an operator");
});

Deno.test("an operator's command from someone else says how to become one", async (t) => {
  for (
    const [what, options, how] of [
      [
        "with an op file, /oper too",
        {},
        "the host can make you one, or /oper SECRET if the host gave your name a secret",
      ],
      ["without one, the host alone", { operators: new Map() }, "the host can make you one"],
    ] as const
  ) {
    await t.step(what, async () => {
      await using chat = await server(options);
      await using bob = await arrive(chat.addr.port, "bob", "127.0.0.2");
      for (const line of ["/kick ann", "/lock #lobby", "/mute ann 10m"]) {
        await bob.say(line);
        assert.deepEqual(await bob.next("error"), {
          type: "error",
          code: "not_operator",
          message: `Cannot do that: only operators can; ${how}`,
        }, line);
      }
    });
  }
});

Deno.test("an operator cannot be impersonated by a look-alike, nor by taking the name later", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  {
    await using ann = await operator(port);
    // Cyrillic а in place of the Latin a, and a change of case.
    for (const name of ["\u0430nn", "ANN"]) {
      await using fake = await arrive(port, name, "127.0.0.2");
      assert.equal(fake.all("error")[0]?.code, "name_taken", name);
    }
    await ann.say("/quit");
    await ann.closed();
  }
  // Once ann is gone, her name is free, but not her rank.
  await using taker = await arrive(port, "ann", "127.0.0.2");
  await taker.say("/kick nobody");
  assert.equal((await taker.next("error")).code, "not_operator");
  await taker.send({ type: "who" });
  assert.equal((await taker.next("who")).people?.[0]?.op, undefined);
});

Deno.test("the host's name cannot be taken, nor a look-alike of it", async () => {
  await using chat = await server();
  for (const name of ["host", "HOST", "Host"]) {
    await using client = await arrive(chat.addr.port, name, "127.0.0.1");
    assert.equal(client.all("error")[0]?.code, "name_taken", name);
  }
});

Deno.test("a kicked person is gone, and the room is told who kicked and why", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  await using bob = await arrive(port, "bob", "127.0.0.2");
  await using eve = await arrive(port, "eve", "127.0.0.3");
  await ann.say("/kick eve flooding");
  const bye = await eve.next("bye");
  assert.equal(bye.reason, "You were kicked by ann: flooding");
  assert.equal(bye.retry, undefined, "a kicked client is not invited back");
  await eve.closed();
  const left = await bob.next("left");
  assert.deepEqual([left.name, left.reason], ["eve", "kicked by ann: flooding"]);
});

Deno.test("wrong secrets from one address wait longer and longer, told as secrets", async () => {
  await using chat = await server();
  await using ann = await arrive(chat.addr.port, "ann", "127.0.0.1");
  for (const guess of ["one", "two", "three"]) {
    await ann.say(`/oper ${guess}`);
    assert.deepEqual(await ann.next("error"), {
      type: "error",
      code: "not_operator",
      message: "Cannot make you an operator: that is not the secret of your name",
    });
  }
  // The fourth is refused unchecked, the right secret too, and the wait is for secrets.
  await ann.say("/oper s3cret");
  assert.deepEqual(await ann.next("error"), {
    type: "error",
    code: "not_operator",
    message:
      "Cannot make you an operator: too many wrong secrets from your address; wait 1 s and try again",
  });
});

Deno.test("an operator cannot kick, ban or mute themself, nor the host", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  await using bob = await arrive(port, "bob", "127.0.0.2");
  await assertUnheard([bob], async () => {
    for (const verb of ["kick", "ban", "mute"]) {
      for (
        const [name, why] of [
          ["ann", `Cannot ${verb} yourself`],
          ["ANN", `Cannot ${verb} yourself`],
          ["host", `Cannot ${verb} host: that is the server's host, at its console`],
        ]
      ) {
        await ann.say(`/${verb} ${name} 1h`);
        const refused = await ann.next("error");
        assert.deepEqual([refused.code, refused.message], ["bad_command", why], `${verb} ${name}`);
      }
    }
  });
  await ann.say("/bans");
  assert.equal((await ann.next("info")).text, "No bans");
  assert.equal(ann.ended, false);
});

Deno.test("every operator command on the host says the host is at the console", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  for (
    const [line, verb] of [
      ["/rename host x", "rename"],
      ["/op host", "op"],
      ["/deop host", "deop"],
      ["/unmute host", "unmute"],
    ] as const
  ) {
    await ann.say(line);
    const refused = await ann.next("error");
    assert.deepEqual(
      [refused.code, refused.message],
      ["bad_command", `Cannot ${verb} host: that is the server's host, at its console`],
      line,
    );
  }
});

Deno.test("a look-alike room nobody may open is neither locked nor given a topic", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  const copy = "#l\u043ebby";
  const told =
    `Cannot open ${copy}: it looks like #lobby; join #lobby, or pick a name that does not`;
  for (const line of [`/lock ${copy}`, `/topic ${copy} free snacks`]) {
    await ann.say(line);
    const refused = await ann.next("error");
    assert.deepEqual([refused.code, refused.message], ["room_invalid", told], line);
  }
  await ann.send({ type: "rooms" });
  const rooms = await ann.next("rooms");
  assert.deepEqual(rooms.rooms.map((room) => room.name), ["#lobby"]);
  // A name like no room's is kept for whoever opens it, as before.
  await ann.say("/lock #ops");
  await ann.next(
    "notice",
    (frame) => frame.text === "ann locked #ops: only operators may enter it",
  );
});

Deno.test("kicks and bans are seen in a room too big to announce departures", async () => {
  await using chat = await server({ maxPerAddress: 1_000 });
  const port = chat.addr.port;
  await using ann = await operator(port);
  await using bob = await arrive(port, "bob", "127.0.0.2");
  const eve = await arrive(port, "eve", "127.0.0.3");
  const mallory = await arrive(port, "mallory", "127.0.0.4");
  // Enough others that #lobby holds more than MAX_ANNOUNCED_ROOM_SIZE people.
  const crowd = (await settleEach(
    Array.from({ length: MAX_ANNOUNCED_ROOM_SIZE }, (_, i) => `p${i}`),
    16,
    (name) => TestClient.join2(port, name),
  )).map(settledValue);
  try {
    await bob.send({ type: "who", room: "#lobby" });
    assert.equal((await bob.next("who")).count, MAX_ANNOUNCED_ROOM_SIZE + 4);
    // A plain departure is not told here...
    await crowd.pop()![Symbol.asyncDispose]();
    await ann.say("/kick eve spam");
    await eve.closed();
    // ...so the first departure bob hears of is eve's kick, then mallory's ban.
    assert.equal((await bob.next("left")).reason, "kicked by ann: spam");
    await ann.say("/ban mallory 1h spam");
    await mallory.closed();
    const banned = await bob.next("left");
    assert.deepEqual([banned.name, banned.reason], ["mallory", "banned by ann for 1 h: spam"]);
  } finally {
    await Promise.all([...crowd, eve, mallory].map((client) => client[Symbol.asyncDispose]()));
  }
});

Deno.test("someone muted and away already is not announced away again, whatever the reason", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  await using bob = await arrive(port, "bob", "127.0.0.2");
  await using flick = await arrive(port, "flick", "127.0.0.3");
  await ann.say("/mute flick 2m");
  await flick.next("notice", (frame) => frame.text === "ann muted flick for 2 min");
  await bob.sync();
  const mark = bob.frames.length;
  for (const reason of [undefined, "lunch", "brb", "gone"]) {
    await flick.send(reason === undefined ? { type: "away" } : { type: "away", reason });
  }
  await flick.sync();
  const told = (await framesSince(bob, mark)).filter((frame) => frame.type === "away");
  assert.deepEqual(told.map((frame) => [frame.type, frame.name, frame.reason]), [
    ["away", "flick", undefined],
  ]);
  // Each reason is refused to flick alone.
  assert.equal(flick.all("error").filter((frame) => frame.code === "muted").length, 3);
});

Deno.test("one client's away and back, parts and joins are announced as its budget allows", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using bob = await arrive(port, "bob", "127.0.0.2", { rooms: [{ room: "#dev" }] });
  await using flick = await arrive(port, "flick", "127.0.0.3", { rooms: [{ room: "#dev" }] });
  await using gus = await arrive(port, "gus", "127.0.0.4", {
    rooms: [{ room: "#lobby" }, { room: "#dev" }],
  });
  await bob.sync();
  const mark = bob.frames.length;
  const about = (name: string) => async () =>
    (await framesSince(bob, mark)).filter((frame) => "name" in frame && frame.name === name)
      .map((frame) => frame.type);

  for (let i = 0; i < 15; i++) {
    await flick.send({ type: "away", reason: "lunch" });
    await flick.send({ type: "back" });
  }
  await flick.send({ type: "away", reason: "lunch" });
  for (let i = 0; i < 10; i++) {
    await gus.send({ type: "part", room: "#dev" });
    await gus.send({ type: "join", room: "#dev" });
  }
  await gus.send({ type: "part", room: "#dev" });
  await flick.sync();
  await gus.sync();
  // Every change took effect, and flick was told each of its own...
  assert.equal(flick.all("away").length, 16);
  assert.equal(flick.all("back").length, 15);
  await bob.send({ type: "who", room: "#dev" });
  const who = await bob.next("who");
  assert.deepEqual(who.members, ["bob", "flick"]);
  assert.equal(who.people?.[1]?.away?.reason, "lunch");
  // ...but the others are told the first few, each in the room they were in.
  const burst = ["away", "back", "away", "back", "away", "back"];
  assert.deepEqual(await about("flick")(), burst);
  // Once the budget allows, how each is now, if not as last told.
  // The burst told 3 of each; what waited comes as one more.
  const count = (type: string) => bob.frames.slice(mark).filter((f) => f.type === type).length;
  await waitUntil(
    () => count("away") === 4 && count("left") === 4,
    15_000,
    "flick's away and gus's part to be told",
  );
  assert.deepEqual(await about("flick")(), [...burst, "away"]);
  const gusTold = await framesSince(bob, mark);
  assert.deepEqual(
    gusTold.filter((frame) => frame.type === "left" || frame.type === "joined")
      .filter((frame) => "name" in frame && frame.name === "gus")
      .map((frame) => `${frame.type} ${"room" in frame ? frame.room : ""}`),
    [...Array(3).fill(["left #dev", "joined #dev"]).flat(), "left #dev"],
  );
});

Deno.test("a ban keeps out the address, the resume token and the name until it ends", async (t) => {
  const logged: string[] = [];
  await using chat = await server({ log: (line) => logged.push(line) });
  const port = chat.addr.port;
  await using ann = await operator(port);
  await using bob = await arrive(port, "bob", "127.0.0.2");
  const eve = await arrive(port, "eve", "127.0.0.3");
  const resume = eve.all("welcome")[0]!.resume!;

  await t.step("everyone sees the ban, and eve is gone", async () => {
    await ann.say("/ban eve 2h flooding");
    assert.match((await eve.next("bye")).reason, /^You were banned by ann for 2 h: flooding$/);
    await eve.closed();
    await eve[Symbol.asyncDispose]();
    assert.equal((await bob.next("left")).reason, "banned by ann for 2 h: flooding");
    // What was done is said once, with who did it once: the log by name, ann as "you".
    assert.equal(
      (await ann.next("info", (f) => f.text.includes("banned"))).text,
      "You banned eve (127.0.0.3) for 2 h: flooding (sent away: eve)",
    );
    assert.deepEqual(logged.filter((line) => line.includes("banned")), [
      "ann banned eve (127.0.0.3) for 2 h: flooding",
      "eve left (banned by ann for 2 h: flooding)",
    ]);
  });

  await t.step("not from the address under another name", async () => {
    await using again = await arrive(port, "notEve", "127.0.0.3");
    const error = again.all("error")[0];
    assert.equal(error?.code, "banned");
    assert.match(
      error!.message,
      /^Cannot join: ann banned you, for (2 h|1 h 59 min \d+ s) more: flooding$/,
    );
    await again.closed();
  });

  await t.step("not with her resume token from elsewhere", async () => {
    await using back = await arrive(port, "eve", "127.0.0.4", { resume });
    assert.equal(back.all("error")[0]?.code, "banned");
  });

  await t.step("not under her name from elsewhere, nor over the web", async () => {
    await using named = await arrive(port, "Eve", "127.0.0.5");
    assert.equal(named.all("error")[0]?.code, "banned");
  });

  await t.step("someone else from another address gets in, but not into her name", async () => {
    await using carol = await arrive(port, "carol", "127.0.0.6");
    assert.equal(carol.all("welcome").length, 1);
    for (const name of ["eve", "EVE", "\u0435ve"]) {
      await carol.send({ type: "nick", name });
      const refused = await carol.next("error");
      assert.equal(refused.code, "name_taken", name);
      assert.equal(refused.message, `Cannot use "${name}": the name is banned. Pick another name`);
    }
    // Nor an operator's rename of someone into it.
    await ann.send({ type: "rename", name: "carol", to: "eve" });
    assert.equal((await ann.next("error")).code, "name_taken");
  });

  await t.step("/bans lists it, /unban lifts it", async () => {
    await ann.say("/bans");
    await ann.next("info", (frame) => frame.text === "1 ban:");
    assert.match(
      (await ann.next("info")).text,
      /^ {2}eve \(127\.0\.0\.3\), by ann, (2 h|1 h 59 min \d+ s) left: flooding$/,
    );
    // Named as the ban holds the name, whatever case it is typed in.
    await ann.say("/unban EVE");
    assert.match((await ann.next("info")).text, /^Lifted the ban of eve$/);
    await using eve2 = await arrive(port, "eve", "127.0.0.3");
    assert.equal(eve2.all("welcome").length, 1);
  });
});

Deno.test("a ban of an address names everyone it sent away to the operator", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  await using eve = await arrive(port, "eve", "127.0.0.3");
  await using mallory = await arrive(port, "mallory", "127.0.0.3");
  await ann.say("/ban 127.0.0.3 1h");
  await Promise.all([eve.closed(), mallory.closed()]);
  assert.equal(
    (await ann.next("info", (frame) => frame.text.includes("banned"))).text,
    "You banned 127.0.0.3 for 1 h (sent away: eve, mallory)",
  );
});

Deno.test("a short ban ends by itself", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  const eve = await arrive(port, "eve", "127.0.0.3");
  await ann.say("/ban eve 1s");
  await eve.closed();
  await eve[Symbol.asyncDispose]();
  // Tried again and again until the ban is over: each try is refused until then.
  const started = Date.now();
  let welcomed = false;
  while (!welcomed) {
    await using again = await arrive(port, "eve", "127.0.0.3");
    welcomed = again.all("welcome").length === 1;
    if (!welcomed) {
      assert.equal(again.all("error")[0]?.code, "banned");
      assert.ok(Date.now() - started < 5_000, "the ban of 1 s is still in force after 5 s");
      await again.closed();
    }
  }
});

Deno.test("a duration mistyped is refused, not taken for the reason of a ban for good", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  await using bob = await arrive(port, "bob", "127.0.0.2");
  const lines = [
    "/ban ghost 1.5h",
    "/ban ghost 1x",
    "/ban ghost 400d",
    "/mute bob 10x",
    // Negative, zero or signed: no reason of a ban for good either.
    "/ban ghost -5m",
    "/ban ghost -5m spam",
    "/ban ghost +5m",
    "/ban ghost \u22125m",
    "/ban ghost .5h",
    "/ban ghost 0m",
    "/ban ghost 0",
    "/mute bob -5m",
    "/mute bob 0s",
  ];
  for (const line of lines) {
    await ann.say(line);
    const refused = await ann.next("error");
    assert.equal(refused.code, "bad_command", line);
    assert.match(refused.message, /^Usage: .*90s, 10m, 2h, 3d or 1w/, line);
  }
  // Units spelt out are taken, as people write them.
  await ann.say("/ban ghost 10min");
  assert.match(
    (await ann.next("info", (frame) => frame.text.includes("banned"))).text,
    /^You banned ghost for 10 min; nobody of that name left this server in the last 10 min: /,
  );
  await ann.say("/ban ghost2 2hours 3 strikes");
  assert.match(
    (await ann.next("info", (frame) => frame.text.includes("banned"))).text,
    /^You banned ghost2 for 2 h: 3 strikes; nobody of that name left this server in /,
  );
  await ann.say("/mute bob 10min");
  assert.equal((await bob.next("notice")).text, "ann muted bob for 10 min");
  await ann.say("/bans");
  await ann.next("info", (frame) => frame.text === "2 bans:");
});

Deno.test("a muted person is refused with the time left, and the room is told", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  await using bob = await arrive(port, "bob", "127.0.0.2");
  await ann.say("/mute bob 10m");
  assert.equal((await bob.next("notice")).text, "ann muted bob for 10 min");
  await assertUnheard([ann], async () => {
    await bob.send({ type: "say", text: "let me talk", cid: "m-1" });
    const error = await bob.next("error");
    assert.equal(error.code, "muted");
    assert.equal(error.cid, "m-1");
    assert.match(error.message, /^Cannot send: ann muted you, for (10 min|9 min \d+ s) more$/);
    await bob.send({ type: "msg", to: "ann", text: "psst" });
    assert.equal((await bob.next("error")).code, "muted");
  });
  await bob.send({ type: "who" });
  await bob.next("who");
  await ann.say("/unmute bob");
  await bob.next("notice", (frame) => frame.text === "ann unmuted bob");
  await bob.say("thanks");
  await ann.next("message", (frame) => frame.text === "thanks");
});

Deno.test("a muted person cannot talk by going away, by a new name, by typing or by leaving", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  await using carol = await arrive(port, "carol", "127.0.0.3");
  const bob = await arrive(port, "bob", "127.0.0.2");
  await ann.say("/mute bob 10m");
  await bob.next("notice", (frame) => frame.text === "ann muted bob for 10 min");
  const mutedFor = /: ann muted you, for (10 min|9 min \d+ s) more/;

  // Away is a state, not words: bob is away, his reason is told to nobody but him.
  await bob.say("/away SPAM SPAM visit evil.example");
  const away = await carol.next("away");
  assert.deepEqual([away.name, away.reason], ["bob", undefined]);
  const withheld = await bob.next("error");
  assert.equal(withheld.code, "muted");
  assert.match(withheld.message, mutedFor);
  assert.match(withheld.message, /^Cannot show your reason: /);
  await carol.send({ type: "who" });
  const who = await carol.next("who");
  const listed = who.people?.find((person) => person.name === "bob");
  assert.ok(listed?.away !== undefined && listed.away.reason === undefined);
  await bob.say("/back");
  await carol.next("back");

  await assertUnheard([ann, carol], async () => {
    await bob.say("/nick bob_spam_message");
    const refused = await bob.next("error");
    assert.equal(refused.code, "muted");
    assert.match(
      refused.message,
      /^Cannot change your name: ann muted you, for (10 min|9 min \d+ s) more$/,
    );
    await bob.send({ type: "typing", room: "#lobby" });
    await bob.send({ type: "typing", to: "carol" });
    await bob.sync();
  });

  // Leaving is never refused; its reason is not told.
  await bob.say("/quit visit evil.example");
  await bob.closed();
  await bob[Symbol.asyncDispose]();
  assert.equal((await carol.next("left", (frame) => frame.name === "bob")).reason, "quit");
});

Deno.test("a mute takes down the away reason given before it, on every transport", async () => {
  await using chat = await server({ ircPort: 0 });
  const port = chat.addr.port;
  await using ann = await operator(port);
  await using carol = await arrive(port, "carol", "127.0.0.3");
  await using bob = await arrive(port, "bob", "127.0.0.2");
  await using dan = await IrcClient.register(chat.ircAddr!.port, "dan", [
    "CAP LS 302",
    "CAP REQ :away-notify",
    "CAP END",
  ]);
  await bob.say("/away visit evil.example");
  assert.equal((await carol.next("away")).reason, "visit evil.example");
  await dan.next(/^:bob!\S+ AWAY :visit evil\.example$/);

  await ann.say("/mute bob 10m");
  await carol.next("notice", (frame) => frame.text === "ann muted bob for 10 min");
  // Those who were told the reason hear that it is gone: bob is away, since when he was.
  const restated = await carol.next("away");
  assert.deepEqual([restated.name, restated.reason], ["bob", undefined]);
  assert.match(await dan.next(/ AWAY /), /^:bob!\S+ AWAY :Away$/);
  const told = await bob.next("info", (frame) => frame.text.includes("reason"));
  assert.match(told.text, /^You are still away, but nobody sees your reason/);

  const reasonOf = async (client: TestClient) => {
    await client.send({ type: "who" });
    const bobIs = (await client.next("who")).people?.find((person) => person.name === "bob");
    assert.ok(bobIs?.away !== undefined, "bob is listed away");
    return bobIs.away.reason;
  };
  assert.equal(await reasonOf(carol), undefined);
  await carol.send({ type: "msg", to: "bob", text: "free?" });
  assert.equal((await carol.next("info")).text, "bob is away");
  await dan.send("WHOIS bob");
  assert.match(await dan.next(/ 301 /), / 301 dan bob :Away$/);
  await dan.send("PRIVMSG bob :free?");
  assert.match(await dan.next(/ 301 /), / 301 dan bob :Away$/);

  // Unmuted, he may say why again; the words the mute took down stay down.
  await ann.say("/unmute bob");
  await carol.next("notice", (frame) => frame.text === "ann unmuted bob");
  assert.equal(await reasonOf(carol), undefined);
  await bob.say("/away lunch");
  assert.equal((await carol.next("away")).reason, "lunch");
});

Deno.test("a muted person enters rooms others are in, but opens no new one, whose name all would see", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  await using carol = await arrive(port, "carol", "127.0.0.3");
  await using bob = await arrive(port, "bob", "127.0.0.2");
  await carol.say("/join #dev");
  await carol.next("room", (frame) => frame.room === "#dev");
  await ann.say("/mute bob 10m");
  await bob.next("notice", (frame) => frame.text === "ann muted bob for 10 min");

  await bob.say("/join #visit-evil-example");
  const refused = await bob.next("error");
  assert.equal(refused.code, "muted");
  assert.match(
    refused.message,
    /^Cannot open #visit-evil-example: ann muted you, for (10 min|9 min \d+ s) more$/,
  );
  await carol.send({ type: "rooms" });
  const rooms = await carol.next("rooms");
  assert.deepEqual(rooms.rooms.map((room) => room.name).sort(), ["#dev", "#lobby"]);

  await bob.say("/join #dev");
  assert.equal((await carol.next("joined", (frame) => frame.room === "#dev")).name, "bob");
  await ann.say("/unmute bob");
  await bob.next("notice", (frame) => frame.text === "ann unmuted bob");
  await bob.say("/join #visit-evil-example");
  await bob.next("room", (frame) => frame.room === "#visit-evil-example");
});

Deno.test("a mute from the operator's own address mutes the name alone, and outlives its person", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  // On the operator's machine: muted by name, not by the address they share.
  await using victim = await arrive(port, "victim", "127.0.0.1");
  await using bystander = await arrive(port, "bystander", "127.0.0.1");
  await ann.say("/mute victim 5m");
  await victim.next("notice", (frame) => frame.text === "ann muted victim for 5 min");
  await victim.say("let me talk");
  assert.equal((await victim.next("error")).code, "muted");
  await ann.say("still the operator's");
  await bystander.next("message", (frame) => frame.text === "still the operator's");
  await bystander.say("and mine");
  await ann.next("message", (frame) => frame.text === "and mine");
  // Elsewhere, the address is muted too, and unmuting the name after its
  // person left lifts both.
  await using bob = await arrive(port, "bob", "127.0.0.2");
  await ann.say("/mute bob");
  await bob.next("notice", (frame) => frame.text === "ann muted bob");
  await bob.send({ type: "quit" });
  await bob.closed();
  await ann.say("/unmute bob");
  assert.equal(
    (await ann.next("info", (frame) => /unmuted/.test(frame.text))).text,
    "You unmuted bob",
  );
  // Again: no mute holds the name now, and nobody has it.
  await ann.say("/unmute bob");
  assert.deepEqual(await ann.next("error"), {
    type: "error",
    code: "bad_command",
    message: 'Cannot unmute "bob": no mute holds that name, and nobody on this chat has it',
  });
  await using back = await arrive(port, "bobby", "127.0.0.2");
  await back.say("free again");
  await ann.next("message", (frame) => frame.text === "free again");
});

Deno.test("a mute by name follows its person through renames and a reconnection", async (t) => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  // At the operator's own address: muted by name and session, not by address.
  const victim = await arrive(port, "victim", "127.0.0.1");
  await ann.say("/mute victim 5m");
  await victim.next("notice", (frame) => frame.text === "ann muted victim for 5 min");
  const refused = async (client: TestClient) => {
    await client.say("let me talk");
    const error = await client.next("error");
    assert.equal(error.code, "muted");
    assert.match(
      error.message,
      /^Cannot send: ann muted you, (for (5 min|4 min \d+ s) more|until unmuted)$/,
    );
  };

  await t.step("renamed by an operator, still muted", async () => {
    await ann.say("/rename victim renamed");
    await victim.next("renamed");
    await refused(victim);
  });

  let back: TestClient | undefined;
  await t.step("back with its session under another name, still muted", async () => {
    const resume = victim.all("welcome")[0]!.resume!;
    await victim[Symbol.asyncDispose]();
    await ann.next("left", (frame) => frame.name === "renamed");
    back = await arrive(port, "again", "127.0.0.1", { resume });
    await refused(back);
  });

  await t.step("/unmute finds the mute under its new name", async () => {
    await ann.say("/unmute again");
    await back!.next("notice", (frame) => frame.text === "ann unmuted again");
    await back!.say("free");
    await ann.next("message", (frame) => frame.text === "free");
  });

  await t.step("/unmute finds the mute under an old name once its person is gone", async () => {
    await ann.say("/mute again");
    await back!.next("notice", (frame) => frame.text === "ann muted again");
    await ann.say("/rename again final");
    await back!.next("renamed");
    await back!.say("/quit");
    await back!.closed();
    await back![Symbol.asyncDispose]();
    // Back once more, with the session of the last welcome: muted still, until ann finds it.
    const resume = back!.all("welcome")[0]!.resume!;
    const returned = await arrive(port, "final", "127.0.0.1", { resume });
    await refused(returned);
    await returned.say("/quit");
    await returned.closed();
    await returned[Symbol.asyncDispose]();
    await ann.say("/unmute again");
    assert.equal(
      (await ann.next("info", (frame) => /unmuted/.test(frame.text))).text,
      "You unmuted again",
    );
    const again = returned.all("welcome")[0]!.resume!;
    await using last = await arrive(port, "final", "127.0.0.1", { resume: again });
    await last.say("free at last");
    await ann.next("message", (frame) => frame.text === "free at last");
  });
});

Deno.test("topics show on entering and in /rooms; a locked room is for operators", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  await using bob = await arrive(port, "bob", "127.0.0.2");
  await bob.say("/topic #lobby mine now");
  assert.equal((await bob.next("error")).code, "not_operator");
  await ann.say("/topic #lobby Release on Friday");
  const topic = await bob.next("topic");
  assert.deepEqual([topic.room, topic.topic, topic.by], ["#lobby", "Release on Friday", "ann"]);
  await bob.say("/topic");
  assert.equal(
    (await bob.next("info")).text,
    "The topic of #lobby: Release on Friday (set by ann)",
  );
  await using carol = await arrive(port, "carol", "127.0.0.3");
  assert.equal(carol.all("room")[0]?.topic, "Release on Friday");

  await ann.send({ type: "join", room: "#ops" });
  await ann.next("room", (frame) => frame.room === "#ops");
  await ann.say("/lock #ops");
  await ann.next(
    "notice",
    (frame) => frame.text === "ann locked #ops: only operators may enter it",
  );
  await bob.send({ type: "join", room: "#ops" });
  const locked = await bob.next("error");
  assert.equal(locked.code, "room_locked");
  await bob.send({ type: "rooms" });
  const rooms = await bob.next("rooms");
  assert.deepEqual(rooms.rooms.find((room) => room.name === "#lobby")?.topic, "Release on Friday");
  assert.equal(rooms.rooms.find((room) => room.name === "#ops")?.locked, true);
  await ann.say("/op bob");
  await bob.send({ type: "join", room: "#ops" });
  assert.equal((await bob.next("room", (frame) => frame.room === "#ops")).locked, true);
});

Deno.test("a hello naming a locked or look-alike room is taken, its errors before the welcome", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  await ann.send({ type: "join", room: "#ops" });
  await ann.next("room", (frame) => frame.room === "#ops");
  await ann.say("/lock #ops");
  await ann.next(
    "notice",
    (frame) => frame.text === "ann locked #ops: only operators may enter it",
  );
  const locked = "Cannot join #ops: it is locked; only operators may enter";
  const lookalike =
    "Cannot open #l0bby: it looks like #lobby; join #lobby, or pick a name that does not";
  // Each error the client was told, and where its welcome came.
  const errorsThenWelcome = (client: TestClient) =>
    client.frames.flatMap((frame) =>
      frame.type === "error"
        ? [`${frame.code}: ${frame.message}`]
        : frame.type === "welcome"
        ? [`welcome ${frame.name}`]
        : []
    );

  // Version 1 names one room in `room`.
  await using bob = await clientFrom(port, "127.0.0.2");
  await bob.send({ type: "hello", version: 1, name: "bob", room: "#ops" });
  await bob.sync();
  assert.deepEqual(errorsThenWelcome(bob), [`room_locked: ${locked}`, "welcome bob"]);
  assert.deepEqual(bob.all("room").map((frame) => frame.room), ["#lobby"]);
  await using carol = await clientFrom(port, "127.0.0.3");
  await carol.send({ type: "hello", version: 1, name: "carol", room: "#l0bby" });
  await carol.sync();
  assert.deepEqual(errorsThenWelcome(carol), [`room_invalid: ${lookalike}`, "welcome carol"]);

  // Version 2 gets one error for each room of `rooms` it cannot enter.
  await using dave = await arrive(port, "dave", "127.0.0.4", {
    rooms: [{ room: "#ops" }, { room: "#l0bby" }, { room: "#dev" }],
  });
  const told = errorsThenWelcome(dave);
  assert.equal(told.pop(), "welcome dave");
  assert.deepEqual(told.sort(), [`room_invalid: ${lookalike}`, `room_locked: ${locked}`]);
  assert.deepEqual(dave.all("welcome")[0]?.rooms, ["#dev"]);
});

Deno.test('/topic "" clears the topic; a topic with "" in it is text like any other', async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  await using bob = await arrive(port, "bob", "127.0.0.2");
  await ann.say('/topic #lobby Say "" for nothing');
  assert.equal((await bob.next("topic")).topic, 'Say "" for nothing');
  await ann.say('/topic #lobby ""');
  const cleared = await bob.next("topic");
  assert.deepEqual([cleared.room, cleared.topic, cleared.by], ["#lobby", "", "ann"]);
  await bob.say("/topic");
  assert.equal((await bob.next("info")).text, "#lobby has no topic");
  // Without a room, in the room it is said in; with no topic, nobody is told of it again.
  await ann.say("/topic Kept");
  await bob.next("topic", (frame) => frame.topic === "Kept");
  await ann.say('/topic ""');
  await bob.next("topic", (frame) => frame.topic === "");
  await assertUnheard([bob], async () => {
    await ann.say('/topic ""');
    assert.equal((await ann.next("info")).text, "#lobby has no topic");
  });
  await using carol = await arrive(port, "carol", "127.0.0.3");
  assert.equal(carol.all("room")[0]?.topic, undefined);
});

Deno.test("an operator renames a look-alike, and everyone sees who did it", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  await using bob = await arrive(port, "b0b", "127.0.0.2");
  await ann.say("/rename b0b not-bob");
  // The notice first, then the rename: a client shows one line, the notice's.
  const notice = await bob.next("notice");
  assert.equal(notice.text, "ann renamed b0b to not-bob");
  const renamed = await bob.next("renamed");
  assert.deepEqual([renamed.from, renamed.to, renamed.ts], ["b0b", "not-bob", notice.ts]);
});

Deno.test("bans and topics survive a restart on the same data", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat_moderation_" });
  try {
    {
      using history = SqliteHistory.open(`${dir}/history.db`);
      await using chat = await server({ history });
      await using ann = await operator(chat.addr.port);
      const eve = await arrive(chat.addr.port, "eve", "127.0.0.3");
      await ann.say("/ban eve");
      await eve.closed();
      await eve[Symbol.asyncDispose]();
      await ann.say("/topic Kept");
      await ann.next("topic");
    }
    using history = SqliteHistory.open(`${dir}/history.db`);
    await using chat = await server({ history });
    await using eve = await arrive(chat.addr.port, "someone", "127.0.0.3");
    assert.equal(eve.all("error")[0]?.code, "banned");
    await using bob = await arrive(chat.addr.port, "bob", "127.0.0.2");
    assert.equal(bob.all("room")[0]?.topic, "Kept");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("away: told to the rooms, listed by who, and told once to whoever writes", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using alice = await arrive(port, "alice", "127.0.0.1", { client: "terminal" });
  await using bob = await arrive(port, "bob", "127.0.0.2");
  await bob.say("/away lunch");
  const away = await alice.next("away");
  assert.deepEqual([away.name, away.reason], ["bob", "lunch"]);
  await alice.send({ type: "who" });
  const who = await alice.next("who");
  const people = Object.fromEntries((who.people ?? []).map((person) => [person.name, person]));
  assert.equal(people.bob?.away?.reason, "lunch");
  assert.equal(people.alice?.client, "terminal");
  assert.equal(people.bob?.client, "json");
  const mark = alice.frames.length;
  await alice.send({ type: "msg", to: "bob", text: "free?" });
  assert.equal((await alice.next("info")).text, "bob is away: lunch");
  await alice.next("private", (frame) => frame.text === "free?");
  // As PROTOCOL.md says: the info first, then the sender's copy of the message.
  assert.deepEqual(alice.frames.slice(mark).map((frame) => frame.type), ["info", "private"]);
  await alice.send({ type: "msg", to: "bob", text: "still?" });
  await alice.next("private", (frame) => frame.text === "still?");
  await alice.sync();
  assert.equal(alice.all("info").filter((frame) => frame.text.includes("away")).length, 1);
  // Said again as it is (a client coming back does), it is no news; another reason is.
  await bob.send({ type: "away", reason: "lunch" });
  await bob.send({ type: "away", reason: "dentist" });
  assert.equal((await alice.next("away")).reason, "dentist");
  await bob.say("/back");
  assert.equal((await alice.next("back")).name, "bob");
});

Deno.test("typing is relayed to the room's version 2 clients, at most every 2 s", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using alice = await arrive(port, "alice", "127.0.0.1");
  await using old = await TestClient.join(port, "old");
  await using bob = await arrive(port, "bob", "127.0.0.2");
  await bob.send({ type: "typing", room: "#lobby" });
  const typing = await alice.next("typing");
  assert.deepEqual([typing.name, typing.room], ["bob", "#lobby"]);
  await assertUnheard([alice, old], async () => {
    await bob.send({ type: "typing", room: "#lobby" });
    await bob.sync();
  });
});

Deno.test("rooms lists as many rooms as fit a server line, however long their topics", async () => {
  await using chat = await server({ messageRate: 1000 });
  const port = chat.addr.port;
  await using ann = await operator(port);
  // 256 rooms, each with a topic as long as a topic may be: listed whole, 87 KB.
  const people: TestClient[] = [];
  try {
    for (let c = 0; c < 8; c++) {
      const rooms = Array.from({ length: 32 }, (_, i) => ({ room: `#room${c}x${i}` }));
      people.push(await arrive(port, `m${c}`, "127.0.0.2", { rooms } as Partial<ClientFrame>));
      for (const { room } of rooms) await ann.send({ type: "topic", room, text: "t".repeat(300) });
    }
    await ann.sync();
    await ann.send({ type: "rooms" });
    // A line over MAX_SERVER_LINE_BYTES would be dropped by the client, and never come.
    const { rooms } = await ann.next("rooms");
    const line = encodeFrame({ type: "rooms", rooms });
    assert.ok(new TextEncoder().encode(line).length <= MAX_SERVER_LINE_BYTES, `${line.length}`);
    assert.ok(rooms.length > 100 && rooms.length < MAX_LISTED_NAMES, `${rooms.length} rooms`);
    // Largest first: the lobby, where ann is, comes before the rooms of one.
    assert.deepEqual(rooms[0], { name: "#lobby", members: 1, joined: true });
  } finally {
    for (const person of people) await person[Symbol.asyncDispose]();
  }
});

Deno.test("who lists as many people as fit a server line, however long their away reasons", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  // 120 people away for reasons as long as may be (200 characters, 600 bytes), listed whole 82 KB.
  const reason = "漢".repeat(200);
  const people: TestClient[] = [];
  try {
    for (let i = 0; i < 120; i++) {
      const person = await arrive(port, `p${String(i).padStart(3, "0")}`, `127.0.1.${i % 8}`);
      people.push(person);
      await person.send({ type: "away", reason });
    }
    for (const person of people) await person.sync();
    const ann = people[0]!;
    await ann.send({ type: "who" });
    // A line over MAX_SERVER_LINE_BYTES would be dropped by the client, and never come.
    const who = await ann.next("who");
    const line = encodeFrame(who);
    assert.ok(new TextEncoder().encode(line).length <= MAX_SERVER_LINE_BYTES, `${line.length}`);
    assert.equal(who.count, 120);
    const listed = who.people!.map((person) => person.name);
    assert.ok(listed.length > 50 && listed.length < 120, `${listed.length} listed`);
    assert.deepEqual(who.members, listed, "members are the people listed");
    assert.ok(who.people!.every((person) => person.away?.reason === reason));
  } finally {
    for (const person of people) await person[Symbol.asyncDispose]();
  }
});

Deno.test("a topic, lock or ban the store cannot keep (a full disk) is not made either", async () => {
  const history = new MemoryHistory(1000);
  let full = false;
  const note = history.note.bind(history);
  history.note = (kind, key, value) => {
    if (full) throw new Error("database or disk is full");
    note(kind, key, value);
  };
  await using chat = await server({ history });
  const port = chat.addr.port;
  await using ann = await operator(port);
  await using bob = await arrive(port, "bob", "127.0.0.2");
  await ann.say("/join #dev");
  await ann.next("room", (frame) => frame.room === "#dev");
  full = true;
  for (const line of ["/topic #lobby lunch at noon", "/lock #dev", "/ban bob 1h"]) {
    await ann.say(line);
    assert.equal((await ann.next("error")).message, "Internal server error", line);
  }
  full = false;
  // bob is still here and told nothing; a newcomer finds the rooms as they were, #dev open.
  await using carol = await arrive(port, "carol", "127.0.0.3", {
    rooms: [{ room: "#lobby" }, { room: "#dev" }],
  } as Partial<ClientFrame>);
  const rooms = carol.all("room");
  assert.deepEqual(rooms.map((room) => [room.room, room.topic, room.locked]), [
    ["#lobby", undefined, undefined],
    ["#dev", undefined, undefined],
  ]);
  await bob.sync();
  assert.deepEqual(bob.all("notice"), [], "bob was told of a change not made");
  await ann.say("/bans");
  assert.match((await ann.next("info", (frame) => /ban/i.test(frame.text))).text, /^No bans/);
});

Deno.test("a ban or a mute is told for as long as it was asked, to the second", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  await using bob = await arrive(port, "bob", "127.0.0.2");
  await ann.say("/mute bob 90s");
  assert.equal((await bob.next("notice")).text, "ann muted bob for 1 min 30 s");
  await bob.say("may I?");
  assert.match(
    (await bob.next("error")).message,
    /^Cannot send: ann muted you, for 1 min (30|2\d) s more$/,
  );
  await ann.say("/ban ghost 3661s");
  assert.equal(
    (await ann.next("info", (frame) => frame.text.includes("banned"))).text,
    `You banned ghost for 1 h 1 min 1 s${NAME_ONLY}`,
  );
  await ann.say("/bans");
  assert.match(
    (await ann.next("info", (frame) => frame.text.includes("ghost"))).text,
    /^ {2}ghost, by ann, 1 h 1 min( \d+ s)? left$/,
  );
});

Deno.test("/unlock of a room that is neither locked nor open says there is no such room", async () => {
  await using chat = await server();
  await using ann = await operator(chat.addr.port);
  await ann.say("/unlock #nope");
  assert.deepEqual(await ann.next("error"), {
    type: "error",
    code: "bad_command",
    message: "Cannot unlock #nope: there is no such room",
  });
  await ann.say("/unlock #lobby");
  assert.equal((await ann.next("info")).text, "#lobby is open already");
  // A room may be locked before anyone opens it, and unlocked again; then it is gone.
  await ann.say("/lock #ops");
  assert.equal((await ann.next("notice")).text, "ann locked #ops: only operators may enter it");
  await ann.say("/unlock #ops");
  assert.equal((await ann.next("notice")).text, "ann unlocked #ops: everyone may enter it");
  await ann.say("/unlock #ops");
  assert.equal((await ann.next("error")).message, "Cannot unlock #ops: there is no such room");
});

Deno.test("a reason typed in quotes is told without them", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  await using bob = await arrive(port, "bob", "127.0.0.2");
  await using carl = await arrive(port, "carl", "127.0.0.3");
  await ann.say('/ban ghost "5 reasons"');
  assert.equal(
    (await ann.next("info", (frame) => frame.text.includes("banned"))).text,
    `You banned ghost: 5 reasons${NAME_ONLY}`,
  );
  await ann.say("/ban ghost2 1h \u201cflooding\u201d");
  assert.equal(
    (await ann.next("info", (frame) => frame.text.includes("banned"))).text,
    `You banned ghost2 for 1 h: flooding${NAME_ONLY}`,
  );
  await carl.say('/away "out for lunch"');
  assert.equal((await ann.next("away")).reason, "out for lunch");
  await ann.say("/kick bob 'be nice'");
  assert.equal((await bob.next("bye")).reason, "You were kicked by ann: be nice");
});

Deno.test("an operator's command names a room that will not do as every refusal does", async () => {
  await using chat = await server();
  await using ann = await operator(chat.addr.port);
  const rule = "a room name is # followed by letters, digits, _ and -, such as #lobby";
  for (
    const [line, message] of [
      ["/lock #a.b", `Cannot lock "#a.b": ${rule}`],
      ["/unlock #a.b", `Cannot unlock "#a.b": ${rule}`],
      ["/topic #a.b", `Cannot show the topic of "#a.b": ${rule}`],
      ["/topic #a.b Friday", `Cannot set the topic of "#a.b": ${rule}`],
    ]
  ) {
    await ann.say(line!);
    assert.deepEqual(await ann.next("error"), { type: "error", code: "room_invalid", message });
  }
  // In version 2 the room of a line, too; one of words is told it has no spaces.
  await ann.send({ type: "say", room: "#a b", text: "hi", cid: "c-1" });
  assert.deepEqual(await ann.next("error"), {
    type: "error",
    code: "room_invalid",
    message: 'Cannot say it in "#a b": a room name has no spaces; try #a-b',
    cid: "c-1",
  });
});

Deno.test("a room nobody is in that keeps a topic is there: /topic shows it, /unlock finds it open", async () => {
  await using chat = await server();
  await using ann = await operator(chat.addr.port);
  await ann.say("/topic #news");
  assert.equal(
    (await ann.next("error")).message,
    "Cannot show the topic of #news: there is no such room",
  );
  // Set before anyone opens the room, the topic is kept for whoever does, and asked for meanwhile.
  await ann.say("/topic #news Release on Friday");
  assert.equal((await ann.next("topic")).topic, "Release on Friday");
  await ann.say("/topic #news");
  assert.equal((await ann.next("info")).text, "The topic of #news: Release on Friday (set by ann)");
  await ann.say("/unlock #news");
  assert.equal((await ann.next("info")).text, "#news is open already");
  await ann.send({ type: "join", room: "#news" });
  assert.equal((await ann.next("room")).topic, "Release on Friday");
  // Kept after the last one leaves, as the next to come finds it.
  await ann.send({ type: "part", room: "#news" });
  await ann.next("parted");
  await ann.say("/topic #news");
  assert.equal((await ann.next("info")).text, "The topic of #news: Release on Friday (set by ann)");
  // Cleared, nothing is kept: the room is gone.
  await ann.say('/topic #news ""');
  assert.equal((await ann.next("topic")).topic, "");
  await ann.say("/topic #news");
  assert.equal(
    (await ann.next("error")).message,
    "Cannot show the topic of #news: there is no such room",
  );
});
