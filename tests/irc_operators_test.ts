/**
 * What an IRC operator can do, as README's "Keeping order" lists it, over a
 * real `chat serve`'s IRC port and raw sockets: channel modes as IRC
 * clients send them (`/ban`, `/unban`, `/op`, `/deop`, `/mode +i`), the ban
 * list, and the other commands as raw verbs (`/quote MUTE …`).
 */

import assert from "node:assert/strict";
import { ChatProcess } from "./_chat_process.ts";
import { connectFrom } from "./_from_address.ts";
import { IrcClient, ircServeArgs } from "./_irc_client.ts";
import { TestClient } from "./_test_utils.ts";
import { nickOf } from "../server/irc/nicks.ts";

/** Zoë's nick on IRC, as docs/PROTOCOL.md gives it. */
const ZOE = "Zoe|c2a2bddc";

/**
 * What someone a ban from IRC sends away reads after who banned them: the
 * reason of a kickban comes after its ban (server/irc/kickban.ts).
 */
const LATER = "; should ann give a reason, you are told it when you try to come back";

/** A server with IRC on a free port whose op file gives ann a secret; resolves with both ports. */
/** A server whose operator file names `ann`, in a folder of its own, gone with it. */
async function serve(): Promise<
  AsyncDisposable & { server: ChatProcess; port: number; irc: number }
> {
  const dir = await Deno.makeTempDir({ prefix: "chat_irc_ops_" });
  await Deno.writeTextFile(`${dir}/ops`, "ann op-secret\n");
  const server = new ChatProcess(
    ircServeArgs(["--rate", "1000", "--op-file", `${dir}/ops`]),
    { stdin: "null" },
  );
  const dispose = async () => {
    await server[Symbol.asyncDispose]();
    await Deno.remove(dir, { recursive: true });
  };
  try {
    return {
      server,
      port: await server.port(),
      irc: await server.ircPort(),
      [Symbol.asyncDispose]: dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** `ann` registered over IRC at `irc`, an operator by OPER. */
async function operator(irc: number): Promise<IrcClient> {
  const ann = await IrcClient.register(irc, "ann");
  await ann.send("OPER ann op-secret");
  await ann.next(/ 381 /);
  return ann;
}

Deno.test("IRC operators: MODE +b, -b, +o, -o, +i, -i, the ban list and raw verbs", async (t) => {
  await using chat = await serve();
  const { port, irc } = chat;
  await using bob = await TestClient.join2(port, "bob", [{ room: "#lobby" }, { room: "#dev" }]);
  await using zoe = await TestClient.join2(port, "Zoë", [{ room: "#lobby" }]);
  await using cat = await IrcClient.register(irc, "cat");
  await using ann = await IrcClient.register(irc, "ann");
  for (const client of [ann, cat]) {
    await client.send("JOIN #dev");
    await client.next(/ 366 \S+ #dev /);
  }

  await t.step("from someone not an operator: 482 on a channel, 481 for the server", async () => {
    await cat.send("MODE #dev +b bob");
    assert.match(await cat.next(/ 48\d /), /^:\S+ 482 cat #dev :/);
    await cat.send("MODE #dev +o cat");
    assert.match(await cat.next(/ 48\d /), /^:\S+ 482 cat #dev :/);
    await cat.send("MODE #dev +i");
    assert.match(await cat.next(/ 48\d /), /^:\S+ 482 cat #dev :/);
    await cat.send("MUTE bob 10m");
    // How to become one, as an IRC client types it: OPER names the operator.
    assert.match(
      await cat.next(/ 48\d /),
      /^:\S+ 481 cat :Cannot do that: only operators can; .* or \/oper cat SECRET if /,
    );
    // The ban list, which clients ask for themselves, is empty to them: no error.
    await cat.send("MODE #dev b");
    const lines = await cat.until(/ 368 /);
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.match(lines[0]!, /^:\S+ 368 cat #dev :/);
  });

  await t.step(
    "OPER takes the sender's own nick: another is 491, even with its secret",
    async () => {
      // ann's secret does not make her an operator under another nick.
      await ann.send("OPER bob op-secret");
      assert.match(
        await ann.next(/ (381|491) /),
        /^:\S+ 491 ann :Cannot make you an operator: OPER takes your own nick, ann, and your name's secret$/,
      );
      await ann.send("MUTE bob");
      assert.match(await ann.next(/ 48\d /), / 481 ann /);
    },
  );

  // Nicks compare without ASCII case.
  await ann.send("OPER ANN op-secret");
  await ann.next(/ 381 /);
  // ann proved her own name, with her line of the op file: no secret of the host's.
  assert.match(
    await cat.next(/ NOTICE #dev :ann is an operator/),
    / NOTICE #dev :ann is an operator \(proved with the secret of their name\)$/,
  );

  await t.step("MODE +o and -o make someone an operator and stop it", async () => {
    await ann.send("MODE #dev +o cat");
    await cat.next(/ NOTICE #dev :ann made cat an operator$/);
    await cat.send("WHOIS cat");
    assert.match(await cat.next(/ 313 /), / 313 cat cat :/);
    await ann.send("MODE #dev -o cat");
    await cat.next(/ NOTICE #dev :ann made cat a person like the others$/);
    await ann.send("MODE #dev +o nobody");
    assert.match(await ann.next(/ 401 /), /^:\S+ 401 ann nobody :/);
  });

  await t.step("MODE +i locks a room to all but operators, -i opens it again", async () => {
    await ann.send("MODE #dev +i");
    await cat.next(/ NOTICE #dev :ann locked #dev: only operators may enter it$/);
    await ann.send("MODE #dev");
    assert.match(await ann.next(/ 324 /), /^:\S+ 324 ann #dev \+int$/);
    await cat.send("PART #dev");
    await cat.next(/ PART #dev/);
    await cat.send("JOIN #dev");
    assert.match(await cat.next(/ 473 /), /^:\S+ 473 cat #dev :/);
    await ann.send("MODE #dev -i");
    await ann.next(/ NOTICE #dev :ann unlocked #dev: everyone may enter it$/);
    await ann.send("MODE #dev");
    assert.match(await ann.next(/ 324 /), /^:\S+ 324 ann #dev \+nt$/);
    await cat.send("JOIN #dev");
    await cat.next(/ 366 cat #dev /);
  });

  await t.step(
    "raw verbs: MUTE, UNMUTE and RENAME, a mapped nick naming its person",
    async () => {
      await ann.send(`MUTE ${ZOE} 10m`);
      await zoe.next("notice", (frame) => frame.text === "ann muted Zoë for 10 min");
      await zoe.send({ type: "say", text: "can I?", room: "#lobby" });
      assert.equal((await zoe.next("error")).code, "muted");
      // Someone muted leaves without a word, on IRC as elsewhere.
      await ann.send("MUTE cat");
      await cat.send("PART #dev :words nobody hears");
      assert.equal(await ann.next(/^:cat!\S+ PART /), ":cat!cat@chat PART #dev");
      await ann.send("UNMUTE cat");
      await cat.send("JOIN #dev");
      await cat.next(/ 366 cat #dev /);
      await ann.send(`UNMUTE ${ZOE}`);
      await zoe.next("notice", (frame) => frame.text === "ann unmuted Zoë");
      await ann.send(`RENAME ${ZOE} Zed`);
      const renamed = await zoe.next("renamed");
      assert.equal(renamed.to, "Zed");
      assert.match(await ann.next(/ NICK Zed$/), /^:Zoe\|c2a2bddc!\S+ NICK Zed$/);
      // A name refused for someone else is the operator's NOTICE: a 433 or 432 would tell the
      // client that its own nick was refused, naming the person renamed as that nick.
      await ann.send("RENAME Zed cat");
      assert.match(
        (await ann.sync()).find((line) => / (NOTICE|433|432) ann /.test(line)) ?? "",
        /^:\S+ NOTICE ann :Cannot rename Zed to "cat": the name is taken \(cat is here\)$/,
      );
      await ann.send("RENAME Zed _zed");
      assert.match(
        (await ann.sync()).find((line) => / (NOTICE|433|432) ann /.test(line)) ?? "",
        /^:\S+ NOTICE ann :.*_zed/,
      );
      await ann.send("MUTE");
      assert.match(await ann.next(/ NOTICE ann /), /:Usage: MUTE NAME \[DURATION\]/);
    },
  );

  await t.step(
    "MODE +b with the mask a client makes bans that person; b lists; -b lifts",
    async () => {
      await ann.send("MODE #dev +b *!*@chat");
      assert.match(await ann.next(/ NOTICE ann /), /:Cannot ban \*!\*@chat: a mask here names/);
      // irssi's /ban once it knows bob's user and host.
      await ann.send("MODE #dev +b *!*bob@chat");
      assert.match((await bob.next("bye")).reason, /^You were banned by ann/);
      assert.match(await cat.next(/^:bob!\S+ QUIT /), /:banned by ann$/);
      assert.match(
        await ann.next(/ NOTICE ann /),
        /:You banned bob \(sent away: bob\)$/,
      );
      // Told back as a MODE, for the client's own list of bans (irssi's /unban reads it).
      assert.match(await ann.next(/ MODE /), /^:ann!ann@chat MODE #dev \+b :?\*!\*bob@chat$/);
      await ann.send("BAN 192.0.2.7 1h spam");
      assert.match(await ann.next(/ NOTICE ann /), /:You banned 192\.0\.2\.7 for 1 h: spam$/);
      await ann.send("MODE #dev b");
      const list = await ann.until(/ 368 /);
      assert.match(list[0]!, /^:\S+ 367 ann #dev bob!\*@\* ann :?\d+$/, list.join("\n"));
      assert.match(list[1]!, /^:\S+ 367 ann #dev \*!\*@192\.0\.2\.7 ann :?\d+$/, list.join("\n"));
      assert.equal(list.length, 3, list.join("\n"));
      await ann.send("BANS");
      assert.match(await ann.next(/ NOTICE ann /), /:2 bans:$/);
      assert.match(await ann.next(/ NOTICE ann /), /: {2}bob, by ann, until lifted$/);
      assert.match(await ann.next(/ NOTICE ann /), /: {2}192\.0\.2\.7, by ann, .*: spam$/);
      await ann.send("MODE #dev -b bob!*@*");
      assert.match(await ann.next(/ NOTICE ann /), /:Lifted the ban of bob$/);
      assert.match(await ann.next(/ MODE /), /^:ann!ann@chat MODE #dev -b :?bob!\*@\*$/);
      await ann.send("UNBAN 192.0.2.7");
      assert.match(await ann.next(/ NOTICE ann /), /:Lifted the ban of 192\.0\.2\.7$/);
      await ann.send("MODE #dev b");
      assert.equal((await ann.until(/ 368 /)).length, 1);
      await using back = await TestClient.join2(port, "bob");
      assert.equal(back.all("welcome").length, 1);
    },
  );
});

Deno.test("IRC operators: someone muted is refused NICK with 484, a new channel with 477, and told of AWAY's reason in a NOTICE", async () => {
  await using chat = await serve();
  const { irc } = chat;
  await using ann = await operator(irc);
  await using cat = await IrcClient.register(irc, "cat");
  await ann.send("MUTE cat 10m");
  await cat.next(/ NOTICE \S+ :ann muted cat for 10 min$/);
  const muted = "ann muted you, for (10 min|9 min \\d+ s) more";

  // RFC 2812 answers a restricted connection's NICK with 484; its nick stays.
  await cat.send("NICK kitty");
  assert.match(
    await cat.next(/ (4\d\d|NICK) /),
    new RegExp(`^:\\S+ 484 cat :Cannot change your name: ${muted}$`),
  );
  // A JOIN refused with the channel, which clients show with its text and stop joining.
  await cat.send("JOIN #news");
  assert.match(
    await cat.next(/ (4\d\d|JOIN) /),
    new RegExp(`^:\\S+ 477 cat #news :Cannot open #news: ${muted}$`),
  );
  // Away all the same, without the reason: no refusal of a message to a channel "*".
  await cat.send("AWAY :lunch");
  const lines = await cat.sync();
  assert.deepEqual(lines.filter((line) => / [45]\d\d /.test(line)), [], lines.join("\n"));
  assert.ok(lines.some((line) => / 306 cat /.test(line)), lines.join("\n"));
  assert.ok(
    lines.some((line) =>
      new RegExp(`^:\\S+ NOTICE cat :Cannot show your reason: ${muted}$`).test(line)
    ),
    lines.join("\n"),
  );
});

Deno.test("IRC operators: who is an operator reaches the nick lists as MODE +o and -o", async (t) => {
  await using chat = await serve();
  const { port, irc } = chat;
  await using bob = await TestClient.join2(port, "bob", [{ room: "#lobby" }, { room: "#dev" }]);
  await using cat = await IrcClient.register(irc, "cat");
  await using ann = await IrcClient.register(irc, "ann");
  for (const client of [ann, cat]) {
    await client.send("JOIN #dev");
    await client.next(/ 366 \S+ #dev /);
  }

  await t.step("OPER: the server sets +o in each channel shared", async () => {
    await ann.send("OPER ann op-secret");
    assert.match(await cat.next(/ MODE #lobby /), /^:\S+ MODE #lobby \+o ann$/);
    assert.match(await cat.next(/ MODE #dev /), /^:\S+ MODE #dev \+o ann$/);
    // The operator's own client too.
    assert.match(await ann.next(/ MODE #dev /), /^:\S+ MODE #dev \+o ann$/);
  });

  await t.step("op and deop, over IRC or from elsewhere, by whoever did it", async () => {
    await ann.send("MODE #dev +o cat");
    assert.match(await cat.next(/ MODE #lobby /), /^:ann!ann@chat MODE #lobby \+o cat$/);
    assert.match(await cat.next(/ MODE #dev /), /^:ann!ann@chat MODE #dev \+o cat$/);
    await cat.send("DEOP ann");
    await ann.next(/^:cat!cat@chat MODE #dev -o ann$/);
    await cat.send("MODE #dev +o bob");
    await ann.next(/^:cat!cat@chat MODE #dev \+o bob$/);
    await bob.send({ type: "op", name: "ann" });
    await cat.next(/^:bob!bob@chat MODE #dev \+o ann$/);
  });

  await t.step("an operator who enters a channel is shown as one", async () => {
    await ann.send("PART #dev");
    await cat.next(/^:ann!\S+ PART #dev/);
    await ann.send("JOIN #dev");
    assert.match(await cat.next(/ JOIN #dev$/), /^:ann!ann@chat JOIN #dev$/);
    assert.match(await cat.next(/ MODE #dev /), /^:\S+ MODE #dev \+o ann$/);
  });

  await t.step("a lock is +i, an unlock -i", async () => {
    await ann.send("LOCK #dev");
    assert.match(await cat.next(/ MODE #dev /), /^:ann!ann@chat MODE #dev \+i$/);
    await bob.send({ type: "unlock", room: "#dev" });
    assert.match(await cat.next(/ MODE #dev /), /^:bob!bob@chat MODE #dev -i$/);
  });
});

Deno.test("IRC operators: one's own operator status is the user mode o: MODE nick +o and -o, 221", async (t) => {
  await using chat = await serve();
  const { port, irc } = chat;
  await using bob = await TestClient.join2(port, "bob", [{ room: "#lobby" }, { room: "#dev" }]);
  await using ann = await IrcClient.register(irc, "ann");
  await ann.send("JOIN #dev");
  await ann.next(/ 366 ann #dev /);
  /**
   * What `ann` was told of her own modes (381 among them) until a line
   * `until` matches, then the 221 that answers `MODE ann`.
   */
  const own = async (until?: RegExp) => {
    const lines = until === undefined ? [] : await ann.until(until);
    await ann.send("MODE ann");
    return [...lines, ...await ann.until(/ 221 /)]
      .filter((line) => / (MODE ann|221|381) /.test(line))
      .map((line) => line.replace(/^:\S+ (\d{3}) /, "$1 "));
  };

  await t.step("OPER: after 381, one MODE ann +o, though she is in two channels", async () => {
    assert.deepEqual(await own(), ["221 ann +"]);
    await ann.send("OPER ann op-secret");
    assert.deepEqual(await own(/ MODE #dev \+o ann$/), [
      "381 ann :You are now an IRC operator",
      ":ann!ann@chat MODE ann +o",
      "221 ann +o",
    ]);
    await ann.send("MODE ann +i");
    assert.deepEqual(await own(), [":ann!ann@chat MODE ann +i", "221 ann +io"]);
  });

  await t.step("deop is MODE ann -o, and 221 leaves o out; op is +o again", async () => {
    await ann.send("MODE #dev +o bob");
    await ann.next(/ MODE #dev \+o bob$/);
    await bob.send({ type: "deop", name: "ann" });
    assert.deepEqual(await own(/ MODE #dev -o ann$/), [
      ":ann!ann@chat MODE ann -o",
      "221 ann +i",
    ]);
    await bob.send({ type: "op", name: "ann" });
    assert.deepEqual(await own(/ MODE #dev \+o ann$/), [
      ":ann!ann@chat MODE ann +o",
      "221 ann +io",
    ]);
  });

  await t.step("MODE ann -o gives the status up; +o is left alone, not refused", async () => {
    await ann.send("MODE ann -o");
    const told = "ann is no longer an operator";
    await bob.next("notice", (frame) => frame.text === told);
    assert.deepEqual(await own(/ MODE #dev -o ann$/), [
      ":ann!ann@chat MODE ann -o",
      "221 ann +i",
    ]);
    await ann.send("MODE ann +o");
    assert.deepEqual(await own(), ["221 ann +i"]);
    await ann.send("MODE ann -o");
    assert.deepEqual(await own(), ["221 ann +i"]);
  });
});

Deno.test("IRC operators: a ban mask made before a rename bans the person as they are now, nobody else", async () => {
  await using chat = await serve();
  const { port, irc } = chat;
  await using ann = await operator(irc);
  await using bob = await TestClient.join2(port, "bob");
  await using zoe = await TestClient.join2(port, "Zoë");
  await using dan = await TestClient.join2(port, "dan");
  // ann's client keeps the user part of each mask it saw come in, as IRC's never changes.
  await ann.next(/^:bob!bob@chat JOIN #lobby$/);
  await ann.next(/^:Zoe\|c2a2bddc!Zoe\|aaqry@chat JOIN #lobby$/);
  await ann.next(/^:dan!dan@chat JOIN #lobby$/);
  await bob.send({ type: "nick", name: "robert" });
  await ann.next(/^:bob!bob@chat NICK robert$/);
  await zoe.send({ type: "nick", name: "zed" });
  await ann.next(/^:Zoe\|c2a2bddc!\S+ NICK zed$/);
  await zoe.send({ type: "nick", name: "zee" });
  await ann.next(/^:zed!\S+ NICK zee$/);

  // irssi's and WeeChat's /ban robert, from what the client knows of him.
  await ann.send("MODE #lobby +b *!bob@chat");
  assert.match((await bob.next("bye")).reason, /^You were banned by ann/);
  assert.match(
    await ann.next(/ NOTICE ann /),
    /:You banned robert \(sent away: robert\)$/,
  );
  // The chat's own command, from an IRC client, with such a mask: two renames on.
  await ann.send(`BAN *!*Zoe|c2a2bddc@chat 1h`);
  // No KICK follows a raw BAN: it says nothing of a reason to come.
  assert.equal((await zoe.next("bye")).reason, "You were banned by ann for 1 h");
  assert.match(await ann.next(/ NOTICE ann /), /:You banned zee for 1 h \(sent away: zee\)$/);
  await ann.send("MODE #lobby b");
  const list = await ann.until(/ 368 /);
  assert.match(list[0]!, / 367 ann #lobby robert!\*@\* /, list.join("\n"));
  assert.match(list[1]!, / 367 ann #lobby zee!\*@\* /, list.join("\n"));

  // A user part stays its person's through renames: someone who takes that nick after them
  // shows another, and a mask of the user part still names whom the client made it of.
  await dan.send({ type: "nick", name: "dana" });
  await ann.next(/^:dan!dan@chat NICK dana$/);
  await using newDan = await TestClient.join2(port, "dan");
  const newUser = (await ann.next(/^:dan!\S+ JOIN #lobby$/)).match(/!(\S+)@/)![1]!;
  assert.match(newUser, /^dan\|[0-9a-z]{5}$/);
  await ann.send("MODE #lobby +b *!dan@chat");
  assert.match((await dan.next("bye")).reason, /^You were banned by ann/);
  assert.match(await ann.next(/ NOTICE ann /), /:You banned dana \(sent away: dana\)$/);
  // The newcomer, by the nick they have now or the user part they show.
  await ann.send(`MODE #lobby +b *!*${newUser}@chat`);
  assert.match((await newDan.next("bye")).reason, /^You were banned by ann/);
});

Deno.test("IRC operators: /kickban of someone renamed falls on them, not on whoever took their old nick", async (t) => {
  await using chat = await serve();
  const { irc } = chat;
  await using ann = await operator(irc);
  await using spammer = await IrcClient.register(irc, "evil", [], "127.0.0.40");
  await ann.next(/^:evil!evil@chat JOIN #lobby$/);
  await spammer.send("NICK nice");
  await ann.next(/^:evil!evil@chat NICK nice$/);
  await spammer.send("PRIVMSG #lobby :spam");
  const spam = await ann.next(/^:nice!\S+ PRIVMSG #lobby :spam$/);
  await using innocent = await IrcClient.register(irc, "evil", [], "127.0.0.41");
  const joined = await ann.next(/^:evil!\S+ JOIN #lobby$/);

  await t.step("irssi's /kickban nice: MODE +b *!*evil@chat, then KICK", async () => {
    await ann.write("MODE #lobby +b *!*evil@chat\r\nKICK #lobby nice :spamming\r\n");
    assert.equal(
      await spammer.next(/^ERROR /),
      `ERROR :Closing link: You were banned by ann${LATER}`,
    );
    assert.match(
      await ann.next(/ NOTICE ann :You banned /),
      /:You banned nice \(127\.0\.0\.40\) \(sent away: nice\)$/,
    );
    await ann.sync();
    assert.ok(!ann.lines.some((line) => / 441 /.test(line)), ann.lines.join("\n"));
    // The newcomer who has the nick now stays, and still speaks.
    await innocent.send("PRIVMSG #lobby :still here");
    await ann.next(/^:evil!\S+ PRIVMSG #lobby :still here$/);
    assert.ok(!innocent.lines.some((line) => line.startsWith("ERROR ")));
  });

  await t.step("each keeps the user part shown when they came; no two show the same", () => {
    assert.match(spam, /^:nice!evil@chat /);
    assert.match(joined, /^:evil!evi\|[0-9a-z]{5}@chat /);
  });

  await t.step("the spammer cannot come back, under another nick", async () => {
    await using again = new IrcClient(await connectFrom(irc, "127.0.0.40"));
    await again.send("NICK mule");
    await again.send("USER mule 0 * :mule");
    assert.match(await again.next(/^ERROR /), /^ERROR :Closing link: .*[Bb]anned/);
  });

  await t.step(
    "a mask whose nick and user part name two people, one gone, is refused",
    async () => {
      await ann.send("MODE #lobby +b evil!*evil@chat");
      assert.match(
        await ann.next(/ NOTICE ann /),
        /:Cannot ban evil!\*evil@chat: its nick names evil, and its user part evil someone else/,
      );
      await innocent.sync();
      assert.ok(!innocent.lines.some((line) => line.startsWith("ERROR ")));
    },
  );

  await t.step(
    "a user part nobody shows is refused, not taken for whoever has that nick",
    async () => {
      await using long = await IrcClient.register(irc, "abcdefghij");
      await ann.next(/^:abcdefghij!\S+ JOIN #lobby$/);
      await ann.send("MODE #lobby +b *!*abcdefghij@chat");
      assert.match(
        await ann.next(/ NOTICE ann /),
        /:Cannot ban \*!\*abcdefghij@chat: nobody here shows the user part abcdefghij, and abcdefghij shows another \(abcdefghij!abc\|[0-9a-z]{5}@chat\)/,
      );
      await long.sync();
      assert.ok(!long.lines.some((line) => line.startsWith("ERROR ")));
      // By the nick, as it says, it falls on them.
      await ann.send("MODE #lobby +b abcdefghij!*@*");
      await long.next(/^ERROR /);
    },
  );

  await t.step(
    "/unban of that mask lifts the spammer's ban, though someone new shows it now",
    async () => {
      await innocent.send("NICK evil2");
      await ann.next(/^:evil!\S+ NICK evil2$/);
      await using third = await IrcClient.register(irc, "evil", [], "127.0.0.42");
      // The spammer is gone: the user part is free for whoever comes as evil now.
      await ann.next(/^:evil!evil@chat JOIN #lobby$/);
      await ann.send("MODE #lobby -b *!*evil@chat");
      assert.match(await ann.next(/ NOTICE ann /), /:Lifted the ban of nice/);
      await third.sync();
      assert.ok(!third.lines.some((line) => line.startsWith("ERROR ")));
      await using back = await IrcClient.register(irc, "nice", [], "127.0.0.40");
      await back.sync();
    },
  );
});

Deno.test("IRC operators: a long nick's short user part bans that person, nobody else", async () => {
  await using chat = await serve();
  const { port, irc } = chat;
  await using ann = await operator(irc);
  await using long = await IrcClient.register(irc, "abcdefghij");
  // Who irssi's /ban of abcdefghij named when the user part was the nick: its last 9 characters.
  await using innocent = await TestClient.join2(port, "bcdefghij");
  await using anna = await TestClient.join2(port, "Annä");
  await using vera = await TestClient.join2(port, "verylongnickname");
  await ann.next(/^:verylongnickname!\S+ JOIN #lobby$/);
  // irssi learns each user part from WHO, and makes its ban mask of it: *!*user@host.
  await ann.send("WHO #lobby");
  const who = await ann.until(/ 315 /);
  const users = new Map(
    who.flatMap((line) => {
      const reply = / 352 ann #lobby (\S+) chat \S+ (\S+) /.exec(line);
      return reply === null ? [] : [[reply[2]!, reply[1]!] as const];
    }),
  );
  for (const [nick, user] of users) {
    assert.ok(user.length <= 9, `${nick}'s user part ${user} is cut by irssi's /ban`);
  }
  assert.equal(users.get("bcdefghij"), "bcdefghij");
  const longUser = users.get("abcdefghij")!;
  assert.notEqual(longUser, "bcdefghij");

  await ann.send(`MODE #lobby +b *!*${longUser}@chat`);
  assert.equal(await long.next(/^ERROR /), `ERROR :Closing link: You were banned by ann${LATER}`);
  assert.match(
    await ann.next(/ NOTICE ann /),
    /:You banned abcdefghij \(sent away: abcdefghij\)$/,
  );

  // A name IRC cannot hold, by the user part of its mapped nick.
  const annaUser = users.get(nickOf("Annä"))!;
  await ann.send(`MODE #lobby +b *!*${annaUser}@chat`);
  assert.equal((await anna.next("bye")).reason, `You were banned by ann${LATER}`);
  assert.match(await ann.next(/ NOTICE ann /), /:You banned Annä \(sent away: Annä\)$/);

  // WeeChat's *!user@host, from a JOIN seen before a rename.
  const veraUser = users.get("verylongnickname")!;
  await vera.send({ type: "nick", name: "vera" });
  await ann.next(/^:verylongnickname!\S+ NICK vera$/);
  await ann.send(`MODE #lobby +b *!${veraUser}@chat`);
  assert.equal((await vera.next("bye")).reason, `You were banned by ann${LATER}`);
  assert.match(await ann.next(/ NOTICE ann /), /:You banned vera \(sent away: vera\)$/);

  // A short user part nobody's nick has names nobody: nothing is banned.
  await ann.send("MODE #lobby +b *!*xyz|00000@chat");
  assert.match(await ann.next(/ 401 /), / 401 ann \*!\*xyz\|00000@chat :Cannot ban /);
  await ann.send("MODE #lobby b");
  const bans = await ann.until(/ 368 /);
  assert.equal(bans.length, 4, bans.join("\n"));
  await innocent.sync();
  assert.equal(innocent.all("bye").length, 0);
});

Deno.test("IRC operators: a kickban bans at once, then its KICK gives the reason", async (t) => {
  await using chat = await serve();
  const { port, irc } = chat;
  await using ann = await operator(irc);
  await using carol = await TestClient.join2(port, "carol");

  /** The error numerics among `lines`. */
  const errors = (lines: string[]) => lines.filter((line) => / [45]\d\d /.test(line));

  await t.step("MODE +b acts first, even with the KICK in the same read", async () => {
    await using mallory = await TestClient.join2(port, "mallory");
    await ann.next(/^:mallory!\S+ JOIN #lobby$/);
    await ann.write("MODE #lobby +b *!*mallory@chat\r\nKICK #lobby mallory :go away\r\n");
    // Sent away by the ban as it comes, told who banned her and where to read why.
    assert.equal((await mallory.next("bye")).reason, `You were banned by ann${LATER}`);
    const left = await carol.next("left", (frame) => frame.name === "mallory");
    assert.equal(left.reason, "banned by ann");
    // The KICK is the ban's reason: no 441, and the channel is told.
    const notice = await carol.next("notice", (frame) => frame.text.includes("mallory"));
    assert.deepEqual([notice.room, notice.text], ["#lobby", "ann banned mallory: go away"]);
    const lines = await ann.sync();
    assert.deepEqual(errors(lines), []);
    const told = [
      /^:mallory!\S+ QUIT :banned by ann$/,
      / NOTICE ann :You banned mallory \(sent away: mallory\)$/,
      / MODE #lobby \+b :?\*!\*mallory@chat$/,
      /^:\S+ NOTICE #lobby :ann banned mallory: go away$/,
    ];
    for (const line of told) {
      assert.ok(lines.some((each) => line.test(each)), `${line} in\n${lines.join("\n")}`);
    }
    // Back, mallory is told why.
    await using back = await TestClient.connect(port);
    await back.send({ type: "hello", version: 2, name: "mallory" });
    assert.equal(
      (await back.next("error")).message,
      "Cannot join: ann banned you, until an operator lifts it: go away",
    );
  });

  await t.step("the KICK after other commands, as WeeChat sends it: the same", async () => {
    await using eve = await IrcClient.register(irc, "eve");
    await ann.next(/^:eve!\S+ JOIN #lobby$/);
    await ann.send("MODE #lobby +b *!*eve@chat");
    assert.equal(
      await eve.next(/^ERROR /),
      `ERROR :Closing link: You were banned by ann${LATER}`,
    );
    await ann.sync();
    // The rest of a kickban comes from the connection that banned: from another, it is
    // refused as any KICK of someone who is no operator.
    await using cat = await IrcClient.register(irc, "cat");
    await cat.send("KICK #lobby eve :spamming");
    assert.match(await cat.next(/ 4\d\d /), /^:\S+ 482 cat #lobby :/);
    await ann.send("KICK #lobby eve :spamming");
    const lines = await ann.sync();
    assert.deepEqual(errors(lines), []);
    assert.ok(
      lines.some((line) => /^:\S+ NOTICE #lobby :ann banned eve: spamming$/.test(line)),
      lines.join("\n"),
    );
    assert.equal(
      (await carol.next("notice", (frame) => frame.text.includes("eve"))).text,
      "ann banned eve: spamming",
    );
    // eve learns why when she tries to come back.
    await using back = await IrcClient.connect(irc);
    await back.send("NICK eve");
    await back.send("USER eve 0 * :eve");
    assert.match(await back.next(/ 465 /), /:Cannot join: ann banned you, until .*: spamming$/);
  });

  await t.step("a KICK of someone not there, whom no ban sent away, is still 441", async () => {
    // mallory's ban had its KICK already.
    await ann.send("KICK #lobby mallory :again");
    assert.match(await ann.next(/ 441 /), / 441 ann mallory #lobby :/);
    await ann.send("KICK #lobby nobody");
    assert.match(await ann.next(/ 441 /), / 441 ann nobody #lobby :/);
  });
});

Deno.test("IRC operators: a reason typed with colours reaches everyone without them", async (t) => {
  await using chat = await serve();
  const { port, irc } = chat;
  await using ann = await operator(irc);
  await using carol = await TestClient.join2(port, "carol");

  await t.step("KICK: the reason the channel and the person kicked read", async () => {
    await using bob = await IrcClient.register(irc, "bob");
    await ann.next(/^:bob!\S+ JOIN #lobby$/);
    await ann.send("KICK #lobby bob :\x02flood\x02 \x0304stop\x03");
    assert.equal(await ann.next(/ KICK /), ":ann!ann@chat KICK #lobby bob :flood stop");
    assert.equal(
      await bob.next(/^ERROR /),
      "ERROR :Closing link: You were kicked by ann: flood stop",
    );
    const left = await carol.next("left", (frame) => frame.name === "bob");
    assert.equal(left.reason, "kicked by ann: flood stop");
  });

  await t.step("a kickban's KICK: the reason the ban is given", async () => {
    await using eve = await IrcClient.register(irc, "eve");
    await ann.next(/^:eve!\S+ JOIN #lobby$/);
    await ann.send("MODE #lobby +b *!*eve@chat");
    await eve.closed();
    await ann.send("KICK #lobby eve :\x1fspamming\x1f");
    const notice = await carol.next("notice", (frame) => frame.text.includes("eve"));
    assert.equal(notice.text, "ann banned eve: spamming");
  });

  await t.step("a raw verb: BAN's reason", async () => {
    await ann.send("BAN 192.0.2.7 1h :\x0303,01spam\x03");
    const told = await ann.next(/ NOTICE ann :You banned 192/);
    assert.match(told, /:You banned 192\.0\.2\.7 for 1 h: spam$/);
  });
});

Deno.test("IRC operators: /unban with the mask of a kickban of someone gone lifts it", async (t) => {
  await using chat = await serve();
  const { port, irc } = chat;
  await using ann = await operator(irc);

  await t.step("a nick of more than 9 characters: *!*ver|au0of@chat", async () => {
    const nick = "verylongnickname";
    await using frank = await IrcClient.register(irc, nick);
    const joined = await ann.next(new RegExp(`^:${nick}!\\S+ JOIN #lobby$`));
    const mask = `*!*${joined.match(/!(\S+)@/)![1]}@chat`;
    assert.equal(mask, "*!*ver|au0of@chat");
    // irssi's /kickban: the ban sends him away, the KICK gives it its reason.
    await ann.send(`MODE #lobby +b ${mask}`);
    await frank.closed();
    await ann.send(`KICK #lobby ${nick} :go away`);
    await ann.sync();
    // irssi's /unban, with the mask its ban list holds.
    await ann.send(`MODE #lobby -b ${mask}`);
    const lines = await ann.sync();
    assert.ok(!lines.some((line) => /Cannot unban/.test(line)), lines.join("\n"));
    assert.ok(lines.some((line) => line.endsWith(` MODE #lobby -b ${mask}`)), lines.join("\n"));
    // Unbanned, he comes back.
    await using back = await IrcClient.register(irc, nick);
    assert.match(await back.next(/ JOIN #lobby$/), new RegExp(`^:${nick}!`));
  });

  await t.step(
    "a name of another script, unbanned from a connection never shown it",
    async () => {
      await using zoe = await TestClient.join2(port, "Zoë");
      const user = (await ann.next(/^:Zoe\|\S+ JOIN #lobby$/)).match(/!(\S+)@/)![1]!;
      assert.match(user, /^Zoe\|/);
      await ann.send(`MODE #lobby +b *!*${user}@chat`);
      await zoe.closed();
      // ann comes back on a new connection, which never saw Zoë, and lifts the ban by its mask.
      await ann.send("QUIT");
      await ann.closed();
      await using again = await IrcClient.register(irc, "ann");
      await again.send("OPER ann op-secret");
      await again.next(/ 381 /);
      await again.send(`UNBAN *!*${user}@chat`);
      assert.match(await again.next(/ NOTICE ann :/), / NOTICE ann :Lifted the ban of Zoë$/);
      await using back = await TestClient.join2(port, "Zoë");
      assert.equal(back.all("error").length, 0, JSON.stringify(back.frames));
    },
  );
});

Deno.test("IRC operators: someone kicked is sent the KICK from each channel, then ERROR", async () => {
  await using chat = await serve();
  const { irc } = chat;
  await using ann = await operator(irc);
  await using bob = await IrcClient.register(irc, "bob");
  await bob.send("JOIN #dev");
  await bob.next(/ 366 bob #dev /);
  await ann.send("KICK #lobby bob :flood");
  // As IRC servers do: the client shows the kick in its channels, then the link closes.
  const lines = await bob.until(/^ERROR /);
  assert.deepEqual(lines.filter((line) => / KICK |^ERROR /.test(line)), [
    ":ann!ann@chat KICK #lobby bob :flood",
    ":ann!ann@chat KICK #dev bob :flood",
    "ERROR :Closing link: You were kicked by ann: flood",
  ]);
  await bob.closed();
  // Without a reason: the KICK's is the kicker's nick, as IRC servers send it.
  await using cat = await IrcClient.register(irc, "cat");
  await ann.send("KICK #lobby cat");
  const told = await cat.until(/^ERROR /);
  assert.deepEqual(told.filter((line) => / KICK |^ERROR /.test(line)), [
    ":ann!ann@chat KICK #lobby cat :ann",
    "ERROR :Closing link: You were kicked by ann",
  ]);
  // And so it reads to the rest of the channel; to the operator there it is the answer.
  assert.equal(await ann.next(/ KICK #lobby cat /), ":ann!ann@chat KICK #lobby cat :ann");
  await ann.sync();
  assert.ok(
    !ann.lines.some((line) => / NOTICE ann :You kicked /.test(line)),
    ann.lines.join("\n"),
  );
});

Deno.test("IRC operators: a KICK from a channel the operator is not in is answered", async () => {
  await using chat = await serve();
  const { irc } = chat;
  await using ann = await operator(irc);
  await using sider = await IrcClient.register(irc, "sider");
  await sider.send("JOIN #sidex");
  await sider.next(/ 366 sider #sidex /);
  await sider.send("PART #lobby");
  await ann.next(/^:sider!\S+ PART #lobby/);
  await ann.send("KICK #sidex sider :off topic");
  await sider.next(/^ERROR :Closing link: You were kicked by ann: off topic$/);
  // No KICK line reaches a client outside the channel: a NOTICE says it was done.
  assert.match(await ann.next(/ NOTICE ann /), /^:\S+ NOTICE ann :You kicked sider$/);
});

Deno.test("IRC operators: a raw verb missing a word is answered with its usage as IRC types it", async () => {
  await using chat = await serve();
  await using ann = await operator(chat.irc);
  for (
    const [line, usage] of [
      ["RENAME carol", "RENAME NAME NEW"],
      ["MUTE", "MUTE NAME [DURATION]"],
      ["UNMUTE", "UNMUTE NAME"],
      ["OP", "OP NAME"],
      ["DEOP", "DEOP NAME"],
      ["UNBAN", "UNBAN NAME|ADDRESS"],
      ["BAN", "BAN NAME|ADDRESS [DURATION] [REASON]"],
    ] as const
  ) {
    await ann.send(line);
    const told = await ann.next(/ NOTICE ann /);
    assert.ok(told.includes(`:Usage: ${usage}`), `${line}: ${told}`);
    assert.doesNotMatch(told, /\//, line);
  }
});

Deno.test("IRC operators: LOCK and UNLOCK of a channel the operator is not in are told to their nick", async () => {
  await using chat = await serve();
  await using ann = await operator(chat.irc);
  await using sider = await IrcClient.register(chat.irc, "sider");
  await sider.send("JOIN #side");
  await sider.next(/ 366 sider #side /);
  for (const [verb, mode] of [["LOCK", "+i"], ["UNLOCK", "-i"]] as const) {
    await ann.send(`${verb} #side`);
    // Those in the channel see the mode change; the operator, outside, a notice to their nick.
    assert.match(await sider.next(/ MODE #side /), new RegExp(`MODE #side \\${mode}$`));
    const lines = await ann.sync();
    assert.deepEqual(lines.filter((line) => / (NOTICE|MODE) #side/.test(line)), [], verb);
    assert.ok(
      lines.some((line) =>
        new RegExp(`^:\\S+ NOTICE ann :ann ${verb.toLowerCase()}ed #side: `).test(line)
      ),
      `${verb}: ${lines.join(" | ")}`,
    );
  }
});

Deno.test("IRC operators: an IPv6 address typed with its leading :: is read whole", async () => {
  await using chat = await serve();
  const { irc } = chat;
  await using ann = await operator(irc);
  // A line's first `:` of a parameter only marks it as the last: `:ffff:127.0.0.20` arrives.
  await ann.send("BAN ::ffff:127.0.0.20 1h spam");
  assert.match(await ann.next(/ NOTICE ann /), /:You banned 127\.0\.0\.20 for 1 h: spam/);
  await ann.send("UNBAN ::ffff:127.0.0.20");
  assert.match(await ann.next(/ NOTICE ann /), /:Lifted the ban of 127\.0\.0\.20$/);
  // With the `:` that marks it as the last written out, as before.
  await ann.send("BAN :::ffff:127.0.0.21");
  assert.match(await ann.next(/ NOTICE ann /), /:You banned 127\.0\.0\.21/);
  await ann.send("UNBAN :::ffff:127.0.0.21");
  assert.match(await ann.next(/ NOTICE ann /), /:Lifted the ban of 127\.0\.0\.21$/);
  // A channel mode's last parameter too.
  await ann.send("MODE #lobby +b ::1");
  assert.match(await ann.next(/ NOTICE ann /), /:You banned ::1/);
  await ann.send("MODE #lobby -b ::1");
  assert.match(await ann.next(/ NOTICE ann /), /:Lifted the ban of ::1$/);
});

Deno.test("IRC operators: a mask of someone gone bans where they left from, not whoever has their last nick now", async (t) => {
  await using chat = await serve();
  const { irc } = chat;
  await using ann = await operator(irc);
  await using spammer = await IrcClient.register(irc, "spam", [], "127.0.0.41");
  await ann.next(/^:spam!spam@chat JOIN #lobby$/);
  await spammer.send("PRIVMSG #lobby :buy stuff");
  await ann.next(/^:spam!spam@chat PRIVMSG #lobby :buy stuff$/);
  await spammer.send("NICK alice2");
  await ann.next(/^:spam!spam@chat NICK alice2$/);
  await spammer.send("QUIT :bye");
  await ann.next(/^:alice2!spam@chat QUIT /);
  await using innocent = await IrcClient.register(irc, "alice2", [], "127.0.0.42");
  await ann.next(/^:alice2!alice2@chat JOIN #lobby$/);

  await t.step("the ban holds the spammer's address and session, not the name", async () => {
    await ann.send("MODE #lobby +b *!*spam@chat");
    assert.match(
      await ann.next(/ NOTICE ann :/),
      /:You banned 127\.0\.0\.41; spam left \d+ s ago as alice2, and alice2 now is someone else: the ban holds the address and session they left from, not the name$/,
    );
    await innocent.send("PRIVMSG #lobby :still here");
    await ann.next(/^:alice2!alice2@chat PRIVMSG #lobby :still here$/);
    assert.ok(
      !innocent.lines.some((line) => line.startsWith("ERROR ")),
      innocent.lines.join("\n"),
    );
  });

  await t.step("the spammer cannot come back from that address", async () => {
    await using again = new IrcClient(await connectFrom(irc, "127.0.0.41"));
    await again.send("NICK mule");
    await again.send("USER mule 0 * :mule");
    assert.match(await again.next(/^ERROR /), /^ERROR :Closing link: .*[Bb]anned/);
    // Whoever comes from the innocent's address is welcome.
    await using _other = await IrcClient.register(irc, "other", [], "127.0.0.42");
    await ann.next(/^:other!other@chat JOIN #lobby$/);
  });
});

Deno.test("IRC operators: a KICK from someone not an operator is 482, whoever it names, and tells nobody who is in a channel", async () => {
  await using chat = await serve();
  const { irc } = chat;
  await using ann = await operator(irc);
  await using bob = await IrcClient.register(irc, "bob");
  await using carl = await IrcClient.register(irc, "carl");
  for (const client of [ann, bob]) {
    await client.send("JOIN #secret");
    await client.next(/ 366 \S+ #secret /);
  }
  await ann.send("MODE #secret +i");
  await ann.next(/ MODE #secret \+i/);
  await carl.sync();
  const before = carl.lines.length;
  await carl.send("KICK #secret bob,ann,nobody :probe");
  await carl.sync();
  const answers = carl.lines.slice(before).filter((line) => / (4\d\d) /.test(line));
  assert.equal(answers.length, 1, answers.join("\n"));
  assert.match(answers[0]!, /^:\S+ 482 carl #secret :/);
  // A channel that does not exist is 403, as the room list tells anyway.
  await carl.send("KICK #nowhere bob");
  assert.match(await carl.next(/ 403 /), /^:\S+ 403 carl #nowhere /);
});

Deno.test("IRC operators: a ban of a name and an address is listed as both masks, and lifted by either", async () => {
  await using chat = await serve();
  const { irc } = chat;
  await using ann = await operator(irc);
  // From another address than ann's: a ban of spammer holds that address too.
  await using spammer = await IrcClient.register(irc, "spammer", [], "127.0.0.2");
  await ann.send("MODE #lobby +b spammer!*@*");
  await spammer.next(/^ERROR /);
  assert.match(await ann.next(/ NOTICE ann /), /:You banned spammer \(127\.0\.0\.2\)/);
  await ann.send("MODE #lobby b");
  const list = (await ann.until(/ 368 /)).filter((line) => / 367 /.test(line));
  assert.deepEqual(list.map((line) => line.split(" ")[4]), ["spammer!*@*", "*!*@127.0.0.2"]);
  // One ban: lifting its address lifts its name too, and the client is told both went.
  await ann.send("MODE #lobby -b *!*@127.0.0.2");
  assert.match(await ann.next(/ NOTICE ann /), /:Lifted the ban of 127\.0\.0\.2$/);
  const modes = (await ann.sync()).filter((line) => / MODE /.test(line));
  assert.deepEqual(modes, [
    ":ann!ann@chat MODE #lobby -b *!*@127.0.0.2",
    ":ann!ann@chat MODE #lobby -b spammer!*@*",
  ]);
  await ann.send("MODE #lobby b");
  assert.equal((await ann.until(/ 368 /)).filter((line) => / 367 /.test(line)).length, 0);
});

Deno.test("IRC operators: back after a drop, an operator is told that it ended with the connection", async (t) => {
  await using chat = await serve();
  const { port, irc } = chat;
  await using bob = await TestClient.join2(port, "bob");
  const dropped = "You were an operator before your connection dropped";

  await t.step(
    "dropped: back as ann, told to /oper again; #ops stays locked until then",
    async () => {
      const ann = await operator(irc);
      await ann.send("JOIN #ops");
      await ann.next(/ 366 ann #ops /);
      await ann.send("MODE #ops +i");
      await ann.next(/ MODE #ops \+i$/);
      // Gone without a QUIT, as a connection that broke.
      await ann[Symbol.asyncDispose]();
      await bob.next("left", (frame) => frame.name === "ann");
      await using again = await IrcClient.register(irc, "ann");
      const notice = await again.next(/ NOTICE ann :/);
      assert.match(
        notice,
        new RegExp(`^:\\S+ NOTICE ann :${dropped}; on IRC that lasts as long as`),
      );
      assert.match(
        notice,
        /: \/oper ann SECRET \(or another operator's \/op\) makes you one again/,
      );
      // Nothing is given back by nick and address: the way in is OPER, as for anyone.
      await again.send("JOIN #ops");
      assert.match(await again.next(/ 473 | JOIN #ops/), / 473 ann #ops /);
      await again.send("OPER ann op-secret");
      await again.next(/ 381 /);
      await again.send("JOIN #ops");
      await again.next(/ 366 ann #ops /);
      await again.send("QUIT :done");
      await again.closed();
      await bob.next("left", (frame) => frame.name === "ann");
    },
  );

  await t.step("another nick from that address is not told, nor ann after a QUIT", async () => {
    const ann = await operator(irc);
    await ann[Symbol.asyncDispose]();
    await bob.next("left", (frame) => frame.name === "ann");
    await using dan = await IrcClient.register(irc, "dan");
    const danLines = await dan.sync();
    assert.ok(!danLines.some((line) => line.includes(dropped)), danLines.join("\n"));
    // Told once: the drop above is ann's to hear of, then forgotten.
    const told = await IrcClient.register(irc, "ann");
    assert.ok((await told.sync()).some((line) => line.includes(dropped)));
    await told.send("OPER ann op-secret");
    await told.next(/ 381 /);
    await told.send("QUIT :done");
    await told.closed();
    await told[Symbol.asyncDispose]();
    await bob.next("left", (frame) => frame.name === "ann");
    await using back = await IrcClient.register(irc, "ann");
    const lines = await back.sync();
    assert.ok(!lines.some((line) => line.includes(dropped)), lines.join("\n"));
  });
});
