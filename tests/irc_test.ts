/**
 * The IRC gateway of a real `chat serve`, driven over raw sockets as an IRC
 * client speaks: registration with and without CAP, PASS and SASL, every
 * command's numerics (RFC 2812, modern.ircdocs.horse), the nick mapping,
 * and messages crossing between IRC, a JSON client and a person on nc.
 */

import assert from "node:assert/strict";
import { ChatProcess } from "./_chat_process.ts";
import { IrcClient, ircServeArgs } from "./_irc_client.ts";
import { LineClient } from "./_line_client.ts";
import { TestClient } from "./_test_utils.ts";

/** A server with IRC on a free port, no sending limit to speak of; resolves with both ports. */
async function serve(extra: string[] = []) {
  const server = new ChatProcess(ircServeArgs(["--rate", "1000", ...extra]), { stdin: "null" });
  try {
    return { server, port: await server.port(), irc: await server.ircPort() };
  } catch (error) {
    await server[Symbol.asyncDispose]();
    throw error;
  }
}

/** Registers `nick` with `caps` negotiated, waiting for the end of the MOTD. */
function withCaps(port: number, nick: string, caps: string): Promise<IrcClient> {
  return IrcClient.register(port, nick, ["CAP LS 302", `CAP REQ :${caps}`, "CAP END"]);
}

/** `text` escaped for a regular expression. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A person on nc: types a name and waits to be in the lobby. */
async function textUser(port: number, name: string): Promise<LineClient> {
  const client = await LineClient.connect(port);
  await client.send(name);
  await client.next(/You are in #lobby/);
  return client;
}

Deno.test("IRC registration: 001 to 005 with ISUPPORT, the MOTD, then #lobby", async (t) => {
  const { server, irc } = await serve();
  await using _ = server;

  await t.step("NICK and USER alone register, and the client is put in #lobby", async () => {
    await using ann = await IrcClient.connect(irc);
    await ann.send("NICK ann");
    await ann.send("USER ann 0 * :Ann Example");
    const lines = await ann.until(/ 376 ann :/);
    for (const numeric of ["001", "002", "003", "004", "005", "375", "372"]) {
      assert.ok(lines.some((line) => line.split(" ")[1] === numeric), `${numeric} in ${lines}`);
    }
    const isupport = lines.find((line) => line.split(" ")[1] === "005")!;
    for (const token of ["CHANTYPES=#", "NICKLEN=24", "CHANNELLEN=32", "CASEMAPPING=ascii"]) {
      assert.ok(isupport.split(" ").includes(token), `${token} in ${isupport}`);
    }
    assert.match(isupport, / PREFIX=\(o\)@ /);
    assert.match(isupport, / NETWORK=\S+ /);
    assert.match(isupport, / :are supported by this server$/);
    assert.match(await ann.next(/ JOIN /), /^:ann!\S+@\S+ JOIN #lobby$/);
    assert.match(await ann.next(/ 353 /), /^:\S+ 353 ann = #lobby :ann$/);
    assert.match(await ann.next(/ 366 /), /^:\S+ 366 ann #lobby :/);
  });

  await t.step("a command before registration is 451, PING is answered", async () => {
    await using bea = await IrcClient.connect(irc);
    await bea.send("JOIN #dev");
    assert.match(await bea.next(/ 451 /), /^:\S+ 451 \* :You have not registered$/);
    await bea.send("PING :early");
    assert.match(await bea.next(/PONG/), /^:\S+ PONG \S+ :?early$/);
    // Without a token there is nothing to send back: 409, as RFC 2812 has it.
    await bea.send("PING");
    assert.match(await bea.next(/ 409 | PONG /), /^:\S+ 409 \* :No origin specified$/);
  });

  await t.step("CAP LS 302 holds registration until CAP END; REQ is ACK or NAK", async () => {
    await using cat = await IrcClient.connect(irc);
    await cat.send("CAP LS 302");
    await cat.send("NICK cat");
    await cat.send("USER cat 0 * :Cat");
    const ls = await cat.next(/ CAP \* LS /);
    for (const cap of ["server-time", "message-tags", "echo-message", "away-notify", "batch"]) {
      assert.ok(ls.split(/[ :]/).includes(cap), `${cap} in ${ls}`);
    }
    assert.ok(ls.split(/[ :]/).includes("multi-prefix"), ls);
    // No password on this server: no SASL offered.
    assert.ok(!ls.includes("sasl"), ls);
    await cat.send("CAP REQ :server-time bogus-cap");
    assert.match(await cat.next(/ CAP /), /^:\S+ CAP \* NAK :server-time bogus-cap$/);
    await cat.send("CAP REQ :server-time echo-message");
    assert.match(await cat.next(/ CAP /), /^:\S+ CAP \* ACK :server-time echo-message$/);
    const held = await cat.sync();
    assert.ok(!held.some((line) => / 001 /.test(line)), `no 001 before CAP END: ${held}`);
    await cat.send("CAP LIST");
    assert.match(await cat.next(/ CAP \* LIST/), /LIST :server-time echo-message$/);
    await cat.send("CAP END");
    assert.match(await cat.next(/ 001 /), /^:\S+ 001 cat :Welcome/);
  });

  await t.step(
    "NICK: 431 without one, 432 erroneous, 433 in use and for a look-alike",
    async () => {
      await using dan = await IrcClient.connect(irc);
      await dan.send("USER dan 0 * :Dan");
      await dan.send("NICK");
      assert.match(await dan.next(/ 431 /), /^:\S+ 431 \* :No nickname given$/);
      for (const bad of ["1dan", "dan.lee", "d@n", "zoë", "a".repeat(25)]) {
        await dan.send(`NICK ${bad}`);
        assert.match(await dan.next(/ 432 /), new RegExp(`^:\\S+ 432 \\* ${bad} :`));
      }
      // A nick that meets the rule but is reserved: 432 says so.
      // host is the console's name: reserved as the others are, not a nick in use.
      for (const reserved of ["chat", "Server", "host", "HOST"]) {
        await dan.send(`NICK ${reserved}`);
        assert.match(
          await dan.next(/ 432 /),
          new RegExp(`^:\\S+ 432 \\* ${reserved} :The name "${reserved}" is reserved$`),
        );
      }
      await using _olive = await IrcClient.register(irc, "olive");
      await dan.send("NICK olive");
      assert.match(await dan.next(/ 433 /), /^:\S+ 433 \* olive :/);
      // Case and look-alike letters (1 and i for l) are the same name.
      for (const twin of ["OLIVE", "o1ive", "oiive"]) {
        await dan.send(`NICK ${twin}`);
        assert.match(await dan.next(/ 433 /), new RegExp(`^:\\S+ 433 \\* ${twin} :`));
      }
      await dan.send("NICK dan");
      assert.match(await dan.next(/ 001 /), /^:\S+ 001 dan :/);
    },
  );

  await t.step(
    "NICK before USER: 433 at once for a nick in use, as IRC servers answer",
    async () => {
      await using _pat = await IrcClient.register(irc, "pat");
      await using fay = await IrcClient.connect(irc);
      await fay.send("NICK PAT");
      assert.match(
        await fay.next(/ 433 /),
        /^:\S+ 433 \* PAT :Cannot use "PAT": the name is taken/,
      );
      await fay.send("NICK fay");
      await fay.send("USER fay 0 * :Fay");
      assert.match(await fay.next(/ 001 /), /^:\S+ 001 fay :/);
    },
  );

  await t.step(
    "433 of a look-alike suggests a free nick, not the tina_ IRC clients try next",
    async () => {
      await using _tina = await IrcClient.register(irc, "tina");
      await using _tina2 = await IrcClient.register(irc, "tina2");
      await using tina = await IrcClient.connect(irc);
      await tina.send("NICK tina");
      await tina.send("USER tina 0 * :Tina");
      assert.equal(
        (await tina.next(/ 433 /)).replace(/^:\S+ /, ""),
        '433 * tina :Cannot use "tina": the name is taken (tina is here). Pick another name, ' +
          "such as tina3",
      );
      // What irssi and WeeChat try next: the same name to the chat.
      await tina.send("NICK tina__");
      assert.match(await tina.next(/ 433 /), /, such as tina3$/);
      await tina.send("NICK tina3");
      assert.match(await tina.next(/ 001 /), /^:\S+ 001 tina3 :/);
    },
  );

  await t.step(
    "433 to a NICK after registration offers the same free nick as at registration",
    async () => {
      await using _uma = await IrcClient.register(irc, "uma");
      await using _uma2 = await IrcClient.register(irc, "uma2");
      const refusal = (nick: string, free: string) =>
        `Cannot use "${nick}": ${
          nick === "uma" ? "the name is taken (uma is here)" : "it looks like uma, who is here"
        }. Pick another name, such as ${free}`;
      await using early = await IrcClient.connect(irc);
      await early.send("NICK uma");
      assert.equal(
        (await early.next(/ 433 /)).replace(/^:\S+ /, ""),
        `433 * uma :${refusal("uma", "uma3")}`,
      );
      // After registration the hub itself refuses the name, a look-alike too, with the same text.
      await using val = await IrcClient.register(irc, "val");
      for (const [nick, free] of [["uma", "uma3"], ["UMA_", "UMA3"]]) {
        await val.send(`NICK ${nick}`);
        assert.equal(
          (await val.next(/ 433 /)).replace(/^:\S+ /, ""),
          `433 val ${nick} :${refusal(nick!, free!)}`,
        );
      }
      await val.send("NICK uma3");
      assert.equal(await val.next(/ NICK /), ":val!val@chat NICK uma3");
    },
  );

  await t.step("a registered client may not register again: 462", async () => {
    await using eve = await IrcClient.register(irc, "eve");
    await eve.send("USER eve 0 * :Eve");
    assert.match(await eve.next(/ 462 /), /^:\S+ 462 eve :/);
    await eve.send("PASS secret");
    assert.match(await eve.next(/ 462 /), /^:\S+ 462 eve :/);
  });
});

Deno.test("IRC registration with a password: PASS, SASL PLAIN, 464 and 904", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "chat_irc_" });
  try {
    await Deno.writeTextFile(`${dir}/password`, "open sesame\n");
    const { server, irc } = await serve(["--password-file", `${dir}/password`]);
    await using _ = server;
    const plain = (user: string, password: string) => btoa(`${user}\0${user}\0${password}`);

    await t.step("no password is 464, and the end", async () => {
      await using ann = await IrcClient.connect(irc);
      await ann.send("NICK ann");
      await ann.send("USER ann 0 * :Ann");
      assert.match(await ann.next(/ 464 /), /^:\S+ 464 \* :/);
      assert.match(await ann.next(/^ERROR /), /^ERROR :Closing link/);
      await ann.closed();
    });

    await t.step("a wrong PASS is 464; the right one registers", async () => {
      await using bad = await IrcClient.connect(irc);
      await bad.send("PASS :wrong guess");
      await bad.send("NICK ann");
      await bad.send("USER ann 0 * :Ann");
      await bad.next(/ 464 /);
      await bad.closed();
      await using ann = await IrcClient.register(irc, "ann", ["PASS :open sesame"]);
      assert.ok(ann.lines.some((line) => / 001 ann /.test(line)));
    });

    await t.step(
      "SASL PLAIN: offered, 904 for a wrong password, 900 and 903 for the right",
      async () => {
        await using bea = await IrcClient.connect(irc);
        await bea.send("CAP LS 302");
        assert.match(await bea.next(/ CAP \* LS /), /sasl=PLAIN/);
        await bea.send("NICK bea");
        await bea.send("USER bea 0 * :Bea");
        await bea.send("CAP REQ :sasl");
        await bea.next(/ CAP \* ACK :sasl$/);
        await bea.send("AUTHENTICATE SCRAM-SHA-256");
        assert.match(await bea.next(/ 908 /), / 908 \* PLAIN :/);
        assert.match(await bea.next(/ 904 /), / 904 \* :/);
        await bea.send("AUTHENTICATE PLAIN");
        assert.equal(await bea.next(/^AUTHENTICATE/), "AUTHENTICATE +");
        await bea.send(`AUTHENTICATE ${plain("bea", "nope")}`);
        assert.match(await bea.next(/ 904 /), / 904 \* :Wrong password$/);
        await bea.send("AUTHENTICATE PLAIN");
        await bea.next(/^AUTHENTICATE \+$/);
        await bea.send(`AUTHENTICATE ${plain("bea", "open sesame")}`);
        assert.match(
          await bea.next(/ 900 /),
          /^:\S+ 900 \* bea!\S+ bea :You are now logged in as bea$/,
        );
        assert.match(await bea.next(/ 903 /), /^:\S+ 903 \* :/);
        await bea.send("CAP END");
        assert.match(await bea.next(/ 001 /), /^:\S+ 001 bea :/);
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("IRC and nc clean the same typed line the same: one line, trimmed", async () => {
  const { server, port, irc } = await serve();
  await using _ = server;
  await using bob = await TestClient.join2(port, "bob");
  await using carol = await textUser(port, "carol");
  await using ann = await IrcClient.register(irc, "ann");
  const typed = "    indented\u2028second\tline\u2029end  ";
  await ann.send(`PRIVMSG #lobby :${typed}`);
  await carol.send(typed);
  const fromIrc = await bob.next("message", (frame) => frame.from === "ann");
  const fromNc = await bob.next("message", (frame) => frame.from === "carol");
  assert.equal(fromIrc.text, "indented second line end");
  assert.equal(fromNc.text, fromIrc.text);
  await ann.send(`PRIVMSG #lobby :\x01ACTION   waves\u2028twice\x01`);
  const action = await bob.next("message", (frame) => frame.from === "ann");
  assert.equal(action.text, "waves twice");
  await ann.send(`PRIVMSG bob :  psst\u2028there`);
  assert.equal((await bob.next("private", (frame) => frame.from === "ann")).text, "psst there");
});

Deno.test("IRC, JSON and nc in the same rooms: messages, actions, private messages", async (t) => {
  const { server, port, irc } = await serve();
  await using _ = server;
  await using bob = await TestClient.join2(port, "bob", [{ room: "#lobby" }, { room: "#dev" }]);
  await using carol = await textUser(port, "carol");
  await using ann = await IrcClient.register(irc, "ann");

  await t.step("JOIN enters the room: JOIN, NAMES; the others see the arrival", async () => {
    await ann.send("JOIN #dev,#Ops");
    assert.match(await ann.next(/ JOIN #dev/), /^:ann!\S+ JOIN #dev$/);
    const names = await ann.next(/ 353 ann = #dev /);
    assert.deepEqual(names.split(" :")[1]!.split(" ").sort(), ["ann", "bob"]);
    await ann.next(/ 366 ann #dev /);
    // Channel names are room names: #Ops is #ops.
    assert.match(await ann.next(/ JOIN /), /^:ann!\S+ JOIN #ops$/);
    await bob.next("joined", (frame) => frame.room === "#dev" && frame.name === "ann");
  });

  await t.step("PRIVMSG to a channel reaches JSON and nc; theirs reach IRC", async () => {
    await ann.send("PRIVMSG #lobby :hello from irc");
    const said = await bob.next("message", (frame) => frame.from === "ann");
    assert.equal(said.room, "#lobby");
    assert.equal(said.text, "hello from irc");
    await carol.next(/ann: hello from irc$/);
    await bob.send({ type: "say", text: "hello from json", room: "#dev" });
    assert.match(await ann.next(/PRIVMSG #dev/), /^:bob!\S+ PRIVMSG #dev :hello from json$/);
    await carol.send("hello from nc");
    assert.match(await ann.next(/PRIVMSG #lobby/), /^:carol!\S+ PRIVMSG #lobby :hello from nc$/);
  });

  await t.step("without echo-message, one's own message is not sent back", async () => {
    const lines = await ann.sync();
    assert.ok(!lines.some((line) => line.startsWith(":ann!")), lines.join("\n"));
  });

  await t.step("a line that starts with / is text, not a chat command", async () => {
    await ann.send("PRIVMSG #dev :/quit now");
    const said = await bob.next("message", (frame) => frame.from === "ann");
    assert.equal(said.text, "/quit now");
    // Neither an operator's command nor the chat's // for a line that starts with /.
    await ann.send("PRIVMSG #dev :/mute bob 10m");
    assert.equal(
      (await bob.next("message", (frame) => frame.from === "ann")).text,
      "/mute bob 10m",
    );
    await ann.send("PRIVMSG #dev ://mute bob");
    assert.equal((await bob.next("message", (frame) => frame.from === "ann")).text, "//mute bob");
  });

  await t.step("CTCP ACTION is /me both ways; other CTCP is never relayed", async () => {
    await ann.send("PRIVMSG #dev :\x01ACTION waves\x01");
    const action = await bob.next("message", (frame) => frame.from === "ann");
    assert.equal(action.text, "waves");
    assert.equal(action.action, true);
    await ann.send("PRIVMSG #dev :\x01VERSION\x01");
    await ann.send("PRIVMSG bob :\x01PING 123\x01");
    await ann.send("NOTICE #dev :\x01DCC SEND x 1 2 3\x01");
    await ann.send("PRIVMSG #dev :after ctcp");
    const next = await bob.next("message", (frame) => frame.from === "ann");
    assert.equal(next.text, "after ctcp");
    assert.equal(bob.all("private").length, 0);
    // The sender of a request is told that no answer will come; a NOTICE (a reply) is not answered.
    const told = (await ann.sync()).filter((line) => / NOTICE ann /.test(line));
    assert.deepEqual(told.map((line) => line.replace(/^:\S+ /, "")), [
      "NOTICE ann :Cannot send CTCP VERSION to #dev: only ACTION (/me) is passed on here",
      "NOTICE ann :Cannot send CTCP PING to bob: only ACTION (/me) is passed on here",
    ]);
    await bob.send({ type: "me", text: "nods", room: "#dev" });
    const nods = await ann.next(/PRIVMSG #dev :.ACTION/);
    assert.equal(nods, ":bob!bob@chat PRIVMSG #dev :\u0001ACTION nods\u0001");
  });

  await t.step("an empty CTCP is told as one, in words that read", async () => {
    await ann.send("PRIVMSG #dev :\x01\x01");
    await ann.send("PRIVMSG #dev :\x01");
    const told = (await ann.sync()).filter((line) => / NOTICE ann /.test(line));
    assert.deepEqual(told.map((line) => line.replace(/^:\S+ /, "")), [
      "NOTICE ann :Cannot send an empty CTCP to #dev: only ACTION (/me) is passed on here",
      "NOTICE ann :Cannot send an empty CTCP to #dev: only ACTION (/me) is passed on here",
    ]);
  });

  await t.step("private messages between a nick and a chat name, both ways", async () => {
    await ann.send("PRIVMSG bob :psst");
    const whisper = await bob.next("private", (frame) => frame.from === "ann");
    assert.equal(whisper.text, "psst");
    await bob.send({ type: "msg", to: "ann", text: "psst back" });
    assert.match(await ann.next(/PRIVMSG ann /), /^:bob!\S+ PRIVMSG ann :psst back$/);
    await carol.send("/msg ann from nc");
    assert.match(await ann.next(/PRIVMSG ann /), /^:carol!\S+ PRIVMSG ann :from nc$/);
  });

  await t.step(
    "a private /me: CTCP ACTION to IRC, echo too; a line saying it to JSON and nc",
    async () => {
      await using rob = await withCaps(irc, "rob", "echo-message");
      await using old = await TestClient.join(port, "old");
      await rob.send("PRIVMSG ann :\x01ACTION winks\x01");
      const action = ":rob!rob@chat PRIVMSG ann :\x01ACTION winks\x01";
      assert.equal(await ann.next(/PRIVMSG ann /), action);
      assert.equal(await rob.next(/PRIVMSG ann /), action);
      // JSON clients, of version 2 and 1, and nc read what was done, as before.
      for (const [json, nick] of [[bob, "bob"], [old, "old"]] as const) {
        await rob.send(`PRIVMSG ${nick} :\x01ACTION waves\x01`);
        const told = await json.next("private", (frame) => frame.from === "rob");
        assert.equal(told.text, "* rob waves");
        assert.equal(told.action, undefined);
      }
      await rob.send("PRIVMSG carol :\x01ACTION nods\x01");
      await carol.next(/\* rob nods$/);
      // A message that only reads like one is no action.
      await rob.send("PRIVMSG ann :* rob winks");
      assert.equal(await ann.next(/PRIVMSG ann /), ":rob!rob@chat PRIVMSG ann :* rob winks");
    },
  );

  await t.step("a private message to oneself comes back once, echo-message or not", async () => {
    await ann.send("PRIVMSG ann :note to self");
    assert.equal(await ann.next(/PRIVMSG ann /), ":ann!ann@chat PRIVMSG ann :note to self");
    await using echoing = await withCaps(irc, "echoing", "echo-message");
    await echoing.send("PRIVMSG echoing :mine");
    const lines = (await echoing.sync()).filter((line) => / PRIVMSG echoing /.test(line));
    assert.deepEqual(lines, [":echoing!echoing@chat PRIVMSG echoing :mine"]);
  });

  await t.step("a message of several lines arrives as one PRIVMSG a line", async () => {
    await bob.send({ type: "say", text: "first line\n  second line", room: "#dev" });
    assert.match(await ann.next(/PRIVMSG #dev/), /:first line$/);
    assert.match(await ann.next(/PRIVMSG #dev/), /: {2}second line$/);
  });

  await t.step(
    "a long message is cut at spaces to fit 512 bytes, no piece keeping the space",
    async () => {
      const words = Array.from({ length: 300 }, (_, index) => `w${index}`).join(" ");
      await bob.send({ type: "say", text: words, room: "#dev" });
      const pieces: string[] = [];
      while (!pieces.at(-1)?.endsWith("w299")) {
        const line = await ann.next(/PRIVMSG #dev/);
        assert.ok(new TextEncoder().encode(line).length + 2 <= 512, `${line.length}: ${line}`);
        pieces.push(line.slice(line.indexOf(" :") + 2));
      }
      assert.ok(pieces.length > 1, pieces.join("\n"));
      for (const piece of pieces) assert.match(piece, /^w\d+( w\d+)*$/, JSON.stringify(piece));
      assert.equal(pieces.join(" "), words);
    },
  );

  await t.step(
    "a long message without spaces is cut between graphemes, never inside one",
    async () => {
      // Emoji with a skin tone, and flags: 8 bytes each, two characters each. Four bytes more
      // before them move every cut by one character, so one of the two would fall inside one.
      for (const grapheme of ["👍🏽", "🇫🇷"]) {
        for (const before of ["", "abcd"]) {
          const text = before + grapheme.repeat(250);
          await bob.send({ type: "say", text, room: "#dev" });
          const pieces: string[] = [];
          while (pieces.join("") !== text) {
            const line = await ann.next(/PRIVMSG #dev/);
            // The tags are not counted in the 512 bytes of a line.
            assert.ok(new TextEncoder().encode(line.replace(/^@\S+ /, "")).length + 2 <= 512, line);
            pieces.push(line.slice(line.indexOf(" :") + 2));
          }
          assert.ok(pieces.length > 1);
          const whole = new RegExp(`^(?:${before})?(?:${grapheme})+$`, "u");
          for (const piece of pieces) assert.match(piece, whole, JSON.stringify(piece));
        }
      }
    },
  );

  await t.step("PRIVMSG errors: 411, 412, 401, 404, 403", async () => {
    await ann.send("PRIVMSG");
    assert.match(await ann.next(/ 411 /), /^:\S+ 411 ann :No recipient/);
    await ann.send("PRIVMSG #dev");
    assert.match(await ann.next(/ 412 /), /^:\S+ 412 ann :No text to send$/);
    // Nothing left to post once blanks and formatting go: told so, not dropped without a word.
    for (const blank of ["   ", "\x02\x02 \x0304", "\x01ACTION \x01"]) {
      await ann.send(`PRIVMSG #dev :${blank}`);
      assert.match(
        await ann.next(/ 412 /),
        /^:\S+ 412 ann :No text to send$/,
        JSON.stringify(blank),
      );
    }
    await ann.send("PRIVMSG nobody :hi");
    assert.match(await ann.next(/ 401 /), /^:\S+ 401 ann nobody :/);
    await ann.send("PRIVMSG Nobody|12345678 :hi");
    assert.match(await ann.next(/ 401 /), /^:\S+ 401 ann Nobody\|12345678 :/);
    // The names suggested are the nicks IRC shows them by, which reach them.
    await using zoe = await TestClient.join2(port, "Zoë");
    await ann.send("PRIVMSG zo :hi");
    assert.match(
      await ann.next(/ 401 /),
      / 401 ann zo :Cannot send: nobody called "zo" is on this chat; did you mean Zoe\|c2a2bddc\?$/,
    );
    await ann.send("PRIVMSG bo :hi");
    assert.match(await ann.next(/ 401 /), / 401 ann bo :.*; did you mean bob\?$/);
    await ann.send("PRIVMSG Zoe|c2a2bddc :found you");
    assert.equal((await zoe.next("private")).text, "found you");
    await ann.send("PRIVMSG #elsewhere :hi");
    assert.match(await ann.next(/ 404 /), /^:\S+ 404 ann #elsewhere :/);
    await ann.send("PRIVMSG #bad.name :hi");
    assert.match(await ann.next(/ 403 /), /^:\S+ 403 ann #bad\.name :/);
    // Nothing answers a NOTICE.
    await ann.send("NOTICE nobody :hi");
    const lines = await ann.sync();
    assert.ok(!lines.some((line) => / 401 /.test(line)), lines.join("\n"));
  });

  await t.step(
    "PART leaves a room: PART; 403 when nobody is in it, 442 when not in it",
    async () => {
      await ann.send("PART #ops");
      assert.match(await ann.next(/ PART /), /^:ann!\S+ PART #ops$/);
      // Nobody is in #ops now: a channel nobody is in does not exist.
      await ann.send("PART #ops");
      assert.match(await ann.next(/ 403 | 442 /), /^:\S+ 403 ann #ops :No such channel$/);
      await bob.send({ type: "join", room: "#side" });
      await bob.next("room", (frame) => frame.room === "#side");
      await ann.send("PART #side");
      assert.match(await ann.next(/ 403 | 442 /), /^:\S+ 442 ann #side :/);
      await ann.send("PART");
      assert.match(await ann.next(/ 461 /), /^:\S+ 461 ann PART :/);
    },
  );

  await t.step(
    "a PART's reason reaches the IRC clients; the others see the usual departure",
    async () => {
      await using gus = await IrcClient.register(irc, "gus");
      await gus.send("JOIN #dev");
      await gus.next(/ 366 gus #dev /);
      await gus.send("PART #dev :see you \x02later\x02");
      assert.equal(await gus.next(/ PART /), ":gus!gus@chat PART #dev :see you later");
      assert.equal(await ann.next(/^:gus!\S+ PART /), ":gus!gus@chat PART #dev :see you later");
      const left = await bob.next("left", (frame) => frame.name === "gus");
      assert.equal(left.reason, "parted");
    },
  );

  await t.step(
    "NICK after registration renames: one NICK line, 432 and 433 as before",
    async () => {
      await using fay = await IrcClient.register(irc, "fay");
      await fay.send("JOIN #dev");
      await fay.next(/ 366 fay #dev /);
      await fay.send("NICK faye");
      assert.equal(await fay.next(/ NICK /), ":fay!fay@chat NICK faye");
      const renamed = await bob.next("renamed", (frame) => frame.from === "fay");
      assert.equal(renamed.to, "faye");
      assert.match(await ann.next(/ NICK /), /^:fay!fay@chat NICK faye$/);
      // In two rooms with ann, but one NICK for her.
      const lines = await ann.sync();
      assert.ok(!lines.some((line) => / NICK /.test(line)), lines.join("\n"));
      await fay.send("NICK faye.x");
      assert.match(await fay.next(/ 432 /), / 432 faye faye\.x :A nick here is a chat name/);
      await fay.send("NICK system");
      assert.match(await fay.next(/ 432 /), / 432 faye system :The name "system" is reserved$/);
      await fay.send("NICK host");
      assert.match(await fay.next(/ 43\d /), / 432 faye host :The name "host" is reserved$/);
      await fay.send("NICK Bob");
      assert.match(await fay.next(/ 433 /), / 433 faye Bob :/);
      await fay.send("PRIVMSG #dev :renamed");
      assert.equal((await bob.next("message", (frame) => frame.text === "renamed")).from, "faye");
    },
  );

  await t.step(
    "JOIN 0 leaves every room but one, #lobby when in it, and says which stays and why",
    async () => {
      const stays = (room: string) =>
        new RegExp(
          `^:\\S+ NOTICE eve :You stay in ${room}: a person is always in at least one room$`,
        );
      await using eve = await IrcClient.register(irc, "eve");
      /** What JOIN 0 answers, once what came before it is read. */
      const join0 = async () => {
        await eve.sync();
        await eve.send("JOIN 0");
        return (await eve.sync()).filter((line) => / (PART|NOTICE|JOIN) /.test(line));
      };
      // In #lobby alone: nothing to leave, and no refusal of a PART the user never typed.
      assert.deepEqual((await join0()).map((line) => stays("#lobby").test(line)), [true]);
      // #lobby stays, however late it was entered; every other room is left.
      await eve.send("JOIN #dev,#ops");
      await eve.send("PART #lobby");
      await eve.send("JOIN #lobby");
      let lines = await join0();
      assert.equal(lines.length, 3, lines.join("\n"));
      assert.match(lines[0]!, /^:eve!\S+ PART #dev$/);
      assert.match(lines[1]!, /^:eve!\S+ PART #ops$/);
      assert.match(lines[2]!, stays("#lobby"));
      await bob.next("left", (frame) => frame.name === "eve" && frame.room === "#dev");
      // Out of #lobby, the room entered first stays.
      await eve.send("JOIN #ops,#dev");
      await eve.send("PART #lobby");
      lines = await join0();
      assert.equal(lines.length, 2, lines.join("\n"));
      assert.match(lines[0]!, /^:eve!\S+ PART #dev$/);
      assert.match(lines[1]!, stays("#ops"));
    },
  );

  await t.step("QUIT ends the connection; the others see the departure", async () => {
    await using dan = await IrcClient.register(irc, "dan");
    await dan.send("QUIT :gone fishing");
    assert.match(await dan.next(/^ERROR /), /^ERROR :Closing link/);
    await dan.closed();
    assert.match(await ann.next(/^:dan!\S+ QUIT/), /^:dan!\S+ QUIT :quit: gone fishing$/);
    await bob.next("left", (frame) => frame.name === "dan");
  });

  await t.step(
    "a QUIT's reason loses IRC's colours and formatting, as a message does",
    async () => {
      await using dee = await IrcClient.register(irc, "dee");
      await dee.send("QUIT :\x02Leaving\x02: \x0304,01red\x03 \x1ditalic\x1d");
      await dee.closed();
      assert.equal(
        await ann.next(/^:dee!\S+ QUIT/),
        ":dee!dee@chat QUIT :quit: Leaving: red italic",
      );
      assert.equal(
        (await bob.next("left", (frame) => frame.name === "dee")).reason,
        "quit: Leaving: red italic",
      );
    },
  );

  await t.step("a QUIT or a PART with a blank reason leaves with none", async () => {
    await using fox = await IrcClient.register(irc, "fox");
    await fox.send("JOIN #dev");
    await fox.next(/ 366 /);
    await fox.send("PART #dev :   ");
    assert.equal(await fox.next(/ PART /), ":fox!fox@chat PART #dev");
    await fox.send("QUIT :  \x02\x02 ");
    await fox.closed();
    assert.equal(await ann.next(/^:fox!\S+ QUIT/), ":fox!fox@chat QUIT :quit");
    assert.equal(
      (await bob.next("left", (f) => f.name === "fox" && f.reason!.startsWith("quit"))).reason,
      "quit",
    );
  });
});

Deno.test("IRC departures and renames: each is shown once, however often it happens", async (t) => {
  const { server, irc } = await serve();
  await using _ = server;
  await using ann = await IrcClient.register(irc, "ann");
  await ann.send("JOIN #dev");
  await ann.next(/ 366 ann #dev /);

  await t.step("someone who leaves again and again is seen to QUIT each time", async () => {
    for (let time = 1; time <= 3; time++) {
      const carl = await IrcClient.register(irc, "carl");
      await carl.send("JOIN #dev");
      await carl.next(/ 366 carl #dev /);
      await carl.send(`PRIVMSG #lobby :hello ${time}`);
      await ann.next(new RegExp(`^:carl!\\S+ PRIVMSG #lobby :hello ${time}$`));
      await carl.send("QUIT");
      await carl.closed();
      await carl[Symbol.asyncDispose]();
      // In two rooms with ann: one QUIT for each departure.
      assert.match(await ann.next(/^:carl!\S+ QUIT/), /^:carl!\S+ QUIT :quit$/);
    }
    const lines = await ann.sync();
    assert.ok(!lines.some((line) => / QUIT /.test(line)), lines.join("\n"));
  });

  await t.step("the same rename again, after a rename away, is seen again", async () => {
    await using bob = await IrcClient.register(irc, "bob");
    await bob.send("JOIN #dev");
    await bob.next(/ 366 bob #dev /);
    await ann.send("PART #dev");
    await ann.next(/ PART #dev/);
    await bob.send("NICK bobby");
    assert.equal(await ann.next(/ NICK /), ":bob!bob@chat NICK bobby");
    await bob.send("PART #lobby");
    await ann.next(/^:bobby!\S+ PART #lobby/);
    await bob.send("NICK bob");
    await bob.next(/ NICK bob$/);
    await bob.send("JOIN #lobby");
    await ann.next(/^:bob!\S+ JOIN #lobby$/);
    await bob.send("NICK bobby");
    assert.equal(await ann.next(/ NICK /), ":bob!bob@chat NICK bobby");
  });
});

Deno.test("IRC names: a chat name that is no IRC nick shows as a stable, unique nick", async (t) => {
  const { server, port, irc } = await serve();
  await using _ = server;
  await using zoe = await TestClient.join2(port, "Zoë");
  await using _dotted = await TestClient.join2(port, "ann.lee");
  await using ann = await IrcClient.register(irc, "ann");
  const names = (await ann.until(/ 366 ann #lobby /)).find((line) => / 353 /.test(line))!;
  const nicks = names.split(" :")[1]!.split(" ");
  const zoeNick = nicks.find((nick) => nick.startsWith("Zoe|"));
  const leeNick = nicks.find((nick) => nick.startsWith("ann_lee|"));

  await t.step("NAMES shows ASCII, a | and 8 hex digits of a hash", () => {
    assert.match(zoeNick ?? "", /^Zoe\|[0-9a-f]{8}$/, names);
    assert.match(leeNick ?? "", /^ann_lee\|[0-9a-f]{8}$/, names);
  });

  await t.step(
    "messages to the mapped nick reach the chat user, and theirs come from it",
    async () => {
      await ann.send(`PRIVMSG ${zoeNick} :hallo`);
      const got = await zoe.next("private", (frame) => frame.from === "ann");
      assert.equal(got.to, "Zoë");
      assert.equal(got.text, "hallo");
      await zoe.send({ type: "say", text: "grüße", room: "#lobby" });
      const line = await ann.next(/PRIVMSG #lobby/);
      // A nick of 10 characters or more has a short user part, as irssi's /ban keeps 9.
      assert.match(line, /^:Zoe\|[0-9a-f]{8}!Zoe\|[0-9a-z]{5}@chat PRIVMSG #lobby :grüße$/);
    },
  );

  await t.step("WHOIS gives the real name as the realname; the same nick every time", async () => {
    await ann.send(`WHOIS ${zoeNick}`);
    assert.match(
      await ann.next(/ 311 /),
      new RegExp(` 311 ann ${zoeNick!.replace("|", "\\|")} \\S+ \\S+ \\* :Zoë$`),
    );
    await ann.next(/ 318 /);
    await using other = await IrcClient.register(irc, "other");
    const again = (await other.until(/ 366 other #lobby /)).join("\n");
    assert.ok(again.includes(zoeNick!), again);
  });
});

Deno.test("IRC names: a mapped nick reaches its person though this client was never shown it", async () => {
  const { server, port, irc } = await serve();
  await using _ = server;
  // Zoë is in a room of her own: ann, in #lobby, has never been shown her nick.
  await using zoe = await TestClient.join2(port, "Zoë", [{ room: "#far" }]);
  await using ann = await IrcClient.register(irc, "ann");
  const names = await ann.until(/ 366 ann #lobby /);
  assert.ok(!names.join("\n").includes("Zoe|"), names.join("\n"));
  // The nick docs/PROTOCOL.md gives her, in any ASCII case.
  await ann.send("PRIVMSG zoe|C2A2BDDC :found you");
  const got = await zoe.next("private", (frame) => frame.from === "ann");
  assert.equal(got.text, "found you");
  await ann.send("WHOIS Zoe|c2a2bddc");
  assert.match(await ann.next(/ 311 /), / 311 ann Zoe\|c2a2bddc \S+ \S+ \* :Zoë$/);
  await ann.next(/ 318 /);
  await ann.send("ISON Zoe|c2a2bddc Nobody|12345678");
  assert.match(await ann.next(/ 303 /), / 303 ann :Zoe\|c2a2bddc$/);
  await ann.send("USERHOST Zoe|c2a2bddc");
  assert.match(await ann.next(/ 302 /), / 302 ann :Zoe\|c2a2bddc=\+\S+$/);
});

Deno.test("IRC masks: a nick of 10 characters or more has a short user part, the same everywhere", async () => {
  const { server, port, irc } = await serve();
  await using _ = server;
  await using ann = await IrcClient.register(irc, "ann");
  await using long = await IrcClient.register(irc, "abcdefghij");
  await using zoe = await TestClient.join2(port, "Zoë");
  const short = /^[A-Za-z_]{1,3}\|[0-9a-z]{5}$/;
  const joined = /^:abcdefghij!(\S+)@chat JOIN #lobby$/;
  const user = joined.exec(await ann.next(joined))![1]!;
  assert.match(user, short);
  assert.ok(user.startsWith("abc|"), user);
  // A mapped nick's starts with its letters before the |.
  const zoeLine = await ann.next(/ JOIN #lobby$/);
  assert.match(zoeLine, /^:Zoe\|c2a2bddc!Zoe\|[0-9a-z]{5}@chat JOIN #lobby$/);
  // Its own lines, and every reply that gives a user part, say the same.
  assert.equal(await long.next(/ JOIN #lobby$/), `:abcdefghij!${user}@chat JOIN #lobby`);
  await long.send("PRIVMSG #lobby :hi");
  assert.equal(await ann.next(/ PRIVMSG /), `:abcdefghij!${user}@chat PRIVMSG #lobby :hi`);
  await ann.send("WHO abcdefghij");
  assert.match(
    await ann.next(/ 352 /),
    new RegExp(` 352 ann #lobby ${literal(user)} chat \\S+ abcdefghij `),
  );
  await ann.send("WHOIS abcdefghij");
  assert.match(
    await ann.next(/ 311 /),
    new RegExp(` 311 ann abcdefghij ${literal(user)} chat \\* :`),
  );
  await ann.send("USERHOST abcdefghij ann");
  assert.match(
    await ann.next(/ 302 /),
    new RegExp(` 302 ann :abcdefghij=\\+${literal(user)}@chat ann=\\+ann@chat$`),
  );
  // Renamed, even to a nick of 9, which would be its own user part: the user part stays theirs.
  await zoe.send({ type: "nick", name: "bcdefghij" });
  assert.equal(await ann.next(/ NICK /), `${zoeLine.split(" ")[0]} NICK bcdefghij`);
  await zoe.send({ type: "say", text: "nine", room: "#lobby" });
  const zoeUser = zoeLine.match(/!(\S+)@/)![1]!;
  assert.equal(await ann.next(/ PRIVMSG /), `:bcdefghij!${zoeUser}@chat PRIVMSG #lobby :nine`);
  // Another connection is shown the same.
  await using other = await IrcClient.register(irc, "other");
  await other.send("WHO #lobby");
  const replies = (await other.until(/ 315 /)).join("\n");
  assert.ok(replies.includes(` ${user} chat `), replies);
});

Deno.test("IRC queries: NAMES, WHO, WHOIS, TOPIC, LIST, MODE, AWAY, MOTD, 421", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "chat_irc_" });
  try {
    await Deno.writeTextFile(`${dir}/ops`, "ann op-secret\n");
    const { server, port, irc } = await serve(["--op-file", `${dir}/ops`]);
    await using _ = server;
    await using bob = await TestClient.join2(port, "bob", [{ room: "#dev" }]);
    await using ann = await withCaps(irc, "ann", "away-notify multi-prefix");
    await ann.send("JOIN #dev");
    await ann.next(/ 366 ann #dev /);

    await t.step(
      "NAMES: 353 and 366; only 366 for a channel one is not in; alone, one's own",
      async () => {
        await ann.send("NAMES #dev");
        assert.match(await ann.next(/ 353 /), /^:\S+ 353 ann = #dev :(ann bob|bob ann)$/);
        assert.match(await ann.next(/ 366 /), /^:\S+ 366 ann #dev :End of \/NAMES list$/);
        await ann.send("NAMES #nowhere");
        const lines = await ann.until(/ 366 /);
        assert.equal(lines.length, 1, lines.join("\n"));
        assert.match(lines[0]!, / 366 ann #nowhere :/);
        // NAMES alone (irssi's /names **): the channels one is in, each as NAMES of it answers.
        await ann.send("NAMES");
        const all = (await ann.sync()).filter((line) => / 353 | 366 /.test(line));
        assert.deepEqual(all.map((line) => line.replace(/^:\S+ /, "")).sort(), [
          "353 ann = #dev :ann bob",
          "353 ann = #lobby :ann",
          "366 ann #dev :End of /NAMES list",
          "366 ann #lobby :End of /NAMES list",
        ]);
      },
    );

    await t.step("WHO #channel: 352 per person, then 315; WHO nick", async () => {
      await ann.send("WHO #dev");
      const lines = await ann.until(/ 315 /);
      const bobLine = lines.find((line) => / 352 ann #dev \S+ \S+ \S+ bob /.test(line));
      assert.match(bobLine ?? "", / bob H :0 bob$/, lines.join("\n"));
      assert.match(lines.at(-1)!, / 315 ann #dev :End of WHO list$/);
      await ann.send("WHO bob");
      assert.match(await ann.next(/ 352 /), / 352 ann #dev \S+ \S+ \S+ bob H :0 bob$/);
      await ann.next(/ 315 ann bob /);
    });

    await t.step("WHOIS: 311, 319, 312, 317, 318; 401 for nobody", async () => {
      await ann.send("WHOIS bob");
      const lines = await ann.until(/ 318 /);
      const codes = lines.map((line) => line.split(" ")[1]);
      assert.deepEqual(codes, ["311", "319", "312", "317", "318"], lines.join("\n"));
      assert.match(lines[1]!, / 319 ann bob :#dev$/);
      // Idle seconds, then when they connected (in seconds since the epoch).
      const [, idle, signon] = lines[3]!.match(/ 317 ann bob (\d+) (\d+) :seconds idle/) ?? [];
      assert.ok(Number(idle) < 60, lines[3]);
      assert.ok(Math.abs(Number(signon) - Date.now() / 1000) < 60, lines[3]);
      await ann.send("WHOIS nobody");
      assert.match(await ann.next(/ 401 /), / 401 ann nobody :/);
      await ann.next(/ 318 ann nobody /);
      // A list: each nick answered in turn, each with its own 318.
      await ann.send("WHOIS bob,nobody,ann");
      const each = (await ann.until(/ 318 ann ann /)).filter((line) => / (311|401|318) /.test(line))
        .map((line) => line.split(" ").slice(1, 4).join(" "));
      assert.deepEqual(each, [
        "311 ann bob",
        "318 ann bob",
        "401 ann nobody",
        "318 ann nobody",
        "311 ann ann",
        "318 ann ann",
      ]);
      // At most 5: 407 names the first left out.
      await ann.send("WHOIS n1,n2,n3,n4,n5,n6,n7");
      const capped = await ann.until(/ 407 /);
      assert.equal(capped.filter((line) => / 318 /.test(line)).length, 5, capped.join("\n"));
      assert.match(
        capped.at(-1)!,
        / 407 ann n6 :Too many targets: only the first 5 nicks are answered$/,
      );
      await ann.send("WHOWAS nobody");
      assert.match(await ann.next(/ 406 /), / 406 ann nobody :/);
      await ann.next(/ 369 ann nobody /);
    });

    await t.step("AWAY: 306 and 305; away-notify; 301 to whoever messages one away", async () => {
      await ann.send("AWAY :at lunch");
      assert.match(await ann.next(/ 306 /), /^:\S+ 306 ann :You have been marked as being away$/);
      await ann.send("AWAY");
      assert.match(await ann.next(/ 305 /), /^:\S+ 305 ann :/);
      await bob.send({ type: "away", reason: "meeting" });
      assert.match(await ann.next(/ AWAY /), /^:bob!\S+ AWAY :meeting$/);
      await ann.send("PRIVMSG bob :are you there?");
      assert.match(await ann.next(/ 301 /), /^:\S+ 301 ann bob :meeting$/);
      await ann.send("WHOIS bob");
      assert.match(await ann.next(/ 301 /), / 301 ann bob :meeting$/);
      await bob.send({ type: "back" });
      assert.match(await ann.next(/ AWAY/), /^:bob!\S+ AWAY$/);
    });

    await t.step("TOPIC: 331, 482 for one not an operator, then set, 332 and 333", async () => {
      await ann.send("TOPIC #dev");
      assert.match(await ann.next(/ 331 /), /^:\S+ 331 ann #dev :No topic is set$/);
      await ann.send("TOPIC #dev :release friday");
      assert.match(await ann.next(/ 482 /), /^:\S+ 482 ann #dev :/);
      await ann.send("OPER ann not-the-secret");
      assert.match(await ann.next(/ 464 /), /^:\S+ 464 ann :Cannot make you an operator: /);
      await ann.send("OPER ann op-secret");
      assert.match(await ann.next(/ 381 /), /^:\S+ 381 ann :/);
      await ann.send("TOPIC #dev :release friday");
      assert.match(await ann.next(/ TOPIC /), /^:ann!\S+ TOPIC #dev :release friday$/);
      const topic = await bob.next("topic");
      assert.equal(topic.topic, "release friday");
      await ann.send("TOPIC #dev");
      assert.match(await ann.next(/ 332 /), /^:\S+ 332 ann #dev :release friday$/);
      assert.match(await ann.next(/ 333 /), /^:\S+ 333 ann #dev ann!\S+ :\d+$/);
      await ann.send("NAMES #dev");
      assert.match(await ann.next(/ 353 /), / :(@ann bob|bob @ann)$/);
    });

    await t.step("LIST: 321, 322 per room with its topic, 323", async () => {
      await ann.send("LIST");
      const lines = await ann.until(/ 323 /);
      assert.ok(lines.some((line) => / 321 ann /.test(line)), lines.join("\n"));
      assert.ok(
        lines.some((line) => / 322 ann #dev 2 :release friday$/.test(line)),
        lines.join("\n"),
      );
      assert.ok(lines.some((line) => / 322 ann #lobby 1 :$/.test(line)), lines.join("\n"));
    });

    await t.step("MODE: 324, 368, 221; changes refused with 482, 472, 501, 502", async () => {
      await ann.send("MODE #dev");
      assert.match(await ann.next(/ 324 /), /^:\S+ 324 ann #dev \+nt$/);
      await ann.send("MODE #dev b");
      assert.match(await ann.next(/ 368 /), /^:\S+ 368 ann #dev :/);
      // ann proved her secret above: an operator has the user mode o.
      await ann.send("MODE ann");
      assert.match(await ann.next(/ 221 /), /^:\S+ 221 ann \+o$/);
      await ann.send("MODE #dev +m");
      assert.match(await ann.next(/ 482 /), / 482 ann #dev :/);
      await ann.send("MODE #dev +Z");
      assert.match(await ann.next(/ 472 /), / 472 ann Z :/);
      await ann.send("MODE ann +x");
      assert.match(await ann.next(/ 501 /), / 501 ann :/);
      await ann.send("MODE bob +i");
      assert.match(await ann.next(/ 502 /), / 502 ann :Cannot change mode for other users$/);
      // A question about someone else is not a change.
      await ann.send("MODE bob");
      assert.match(await ann.next(/ 502 /), / 502 ann :Cannot see modes of other users$/);
      await ann.send("MODE nobody");
      assert.match(await ann.next(/ 401 /), / 401 ann nobody :No such nick\/channel$/);
      // A mode set is kept, confirmed by a MODE line, and told by 221.
      await ann.send("MODE ann +i");
      assert.match(await ann.next(/ MODE ann | 221 | 501 /), /^:ann!\S+ MODE ann :?\+i$/);
      await ann.send("MODE ann");
      assert.match(await ann.next(/ 221 /), /^:\S+ 221 ann \+io$/);
      // Set again, it changes nothing: nothing is confirmed.
      await ann.send("MODE ann +i");
      const lines = await ann.sync();
      assert.equal(lines.length, 1, lines.join("\n"));
      // The known letters of a change are made and confirmed, the unknown ones 501.
      await ann.send("MODE ann -i+wx");
      const changed = await ann.until(/ 501 /);
      assert.match(changed[0]!, /^:ann!\S+ MODE ann :?-i\+w$/, changed.join("\n"));
      assert.match(changed[1]!, /^:\S+ 501 ann :Unknown MODE flag$/, changed.join("\n"));
      await ann.send("MODE ann");
      assert.match(await ann.next(/ 221 /), /^:\S+ 221 ann \+ow$/);
    });

    await t.step("MOTD, unknown commands (421), missing parameters (461)", async () => {
      await ann.send("MOTD");
      await ann.next(/ 375 /);
      await ann.next(/ 376 /);
      await ann.send("VERSION");
      assert.match(await ann.next(/ 351 /), /^:\S+ 351 ann chat-1 \S+ :/);
      assert.match(await ann.next(/ 005 /), / CHANTYPES=# /);
      await ann.send("TIME");
      assert.match(await ann.next(/ 391 /), /^:\S+ 391 ann \S+ :\w{3}, /);
      await ann.send("FROBNICATE now");
      assert.match(await ann.next(/ 421 /), /^:\S+ 421 ann FROBNICATE :Unknown command$/);
      await ann.send("JOIN");
      assert.match(await ann.next(/ 461 /), /^:\S+ 461 ann JOIN :/);
      for (const ping of ["PING", "PING :"]) {
        await ann.send(ping);
        assert.match(await ann.next(/ 409 | PONG /), /^:\S+ 409 ann :No origin specified$/);
      }
      // Not an empty 302 or 303, which would answer a question never asked (RFC 2812, 4.8, 4.9).
      await ann.send("USERHOST");
      assert.match(await ann.next(/ 461 | 302 /), /^:\S+ 461 ann USERHOST :Not enough parameters$/);
      await ann.send("ISON");
      assert.match(await ann.next(/ 461 | 303 /), /^:\S+ 461 ann ISON :Not enough parameters$/);
      await ann.send("JOIN dev");
      assert.match(await ann.next(/ 403 /), /^:\S+ 403 ann dev :/);
    });

    await t.step("KICK: 482 for one not an operator; an operator's reaches everyone", async () => {
      await using cat = await IrcClient.register(irc, "cat");
      await cat.send("JOIN #dev");
      await cat.next(/ 366 cat #dev /);
      await cat.send("KICK #dev bob :no");
      assert.match(await cat.next(/ 482 /), /^:\S+ 482 cat #dev :/);
      // The host gave cat no secret at all: told as a wrong secret is.
      await cat.send("OPER cat guess");
      assert.match(await cat.next(/ 464 /), /^:\S+ 464 cat :Cannot make you an operator: /);
      // Whoever it names, in the channel or not: nobody's presence is told.
      await cat.send("KICK #dev nobody");
      assert.match(await cat.next(/ 4\d\d /), /^:\S+ 482 cat #dev :/);
      await ann.send("KICK #dev bob :enough");
      await bob.next("bye");
      assert.match(await cat.next(/ KICK /), /^:ann!\S+ KICK #dev bob :enough$/);
    });

    await t.step(
      "a channel nobody is in is 403; one that has people is listed to anyone",
      async () => {
        await ann.send("KICK #nochan dave");
        assert.match(await ann.next(/ 4\d\d /), /^:\S+ 403 ann #nochan :No such channel$/);
        await ann.send("TOPIC #nochan");
        assert.match(await ann.next(/ 4\d\d | 33\d /), /^:\S+ 403 ann #nochan :No such channel$/);
        await ann.send("TOPIC #nochan :anything");
        assert.match(await ann.next(/ 4\d\d /), /^:\S+ 403 ann #nochan :No such channel$/);
        // Rooms are public: their people are listed to whoever asks, as WHOIS lists their rooms.
        await using dot = await TestClient.join2(port, "dot", [{ room: "#far" }]);
        await ann.send("NAMES #far");
        assert.match(await ann.next(/ 353 /), /^:\S+ 353 ann = #far :dot$/);
        await ann.next(/ 366 ann #far /);
        await ann.send("WHO #far");
        assert.match(await ann.next(/ 352 /), /^:\S+ 352 ann #far dot chat \S+ dot H :0 dot$/);
        await ann.next(/ 315 ann #far /);
        await ann.send("TOPIC #far");
        assert.match(await ann.next(/ 331 /), /^:\S+ 331 ann #far :No topic is set$/);
        // An operator may kick from anywhere: a kick sends someone away from every room.
        await ann.send("KICK #far dot :from afar");
        assert.match((await dot.next("bye")).reason, /^You were kicked by ann: from afar$/);
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("IRC WHO with a mask: the nicks it matches, operators alone with o", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "chat_irc_" });
  try {
    await Deno.writeTextFile(`${dir}/ops`, "ann op-secret\n");
    const { server, port, irc } = await serve(["--op-file", `${dir}/ops`]);
    await using _ = server;
    await using _bob = await TestClient.join2(port, "bob", [{ room: "#dev" }]);
    await using _abby = await TestClient.join2(port, "abby", [{ room: "#far" }]);
    await using ann = await IrcClient.register(irc, "ann");
    await ann.send("OPER ann op-secret");
    await ann.next(/ 381 /);
    /** The nicks of the 352 lines that answer `command`, sorted, once 315 ends them. */
    const who = async (command: string) => {
      await ann.send(command);
      const lines = await ann.until(/ 315 /);
      assert.match(lines.at(-1)!, / 315 ann \S+ :End of WHO list$/);
      return lines.filter((line) => / 352 /.test(line)).map((line) => line.split(" ")[7]).sort();
    };
    await t.step("* and ? match nicks, whatever their case, in any room", async () => {
      assert.deepEqual(await who("WHO a*"), ["abby", "ann"]);
      assert.deepEqual(await who("WHO A?N"), ["ann"]);
      assert.deepEqual(await who("WHO ?O*"), ["bob"]);
      assert.deepEqual(await who("WHO z*"), []);
      await ann.send("WHO ab*");
      const [line] = await ann.until(/ 315 /);
      assert.match(line!, /^:\S+ 352 ann #far abby chat \S+ abby H :0 abby$/);
    });
    await t.step("* and 0 are everyone; o after them the operators", async () => {
      assert.deepEqual(await who("WHO *"), ["abby", "ann", "bob"]);
      assert.deepEqual(await who("WHO 0"), ["abby", "ann", "bob"]);
      assert.deepEqual(await who("WHO 0 o"), ["ann"]);
      assert.deepEqual(await who("WHO b* o"), []);
      assert.deepEqual(await who("WHO #dev o"), []);
      assert.deepEqual(await who("WHO #lobby o"), ["ann"]);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("IRC JOIN of a name no room can have: 403 says why", async () => {
  const { server, irc } = await serve();
  await using _ = server;
  await using ann = await IrcClient.register(irc, "ann");
  const long = `#${"x".repeat(40)}`;
  await ann.send(`JOIN ${long}`);
  assert.equal(
    (await ann.next(/ 403 /)).replace(/^:\S+ /, ""),
    `403 ann ${long} :A room name can have at most 32 characters, its # included; this one has 41`,
  );
  for (const bad of ["&foo", "#", "#a.b", "lobby"]) {
    await ann.send(`JOIN ${bad}`);
    assert.equal(
      (await ann.next(/ 403 /)).replace(/^:\S+ /, ""),
      `403 ann ${bad} :A room name is # followed by letters, digits, _ and -, such as #lobby`,
    );
  }
  await ann.send("PRIVMSG #a.b :hi");
  assert.match(await ann.next(/ 403 /), / 403 ann #a\.b :A room name is # followed by /);
});

Deno.test("IRC JOIN of look-alike channels in one list: the first is opened, 403 for the others", async () => {
  const { server, irc } = await serve();
  await using _ = server;
  await using ann = await IrcClient.register(irc, "ann");
  // A Cyrillic ѕ, then a Cyrillic т: nobody is in any of these rooms.
  await ann.send("JOIN #rust592,#ruѕt592,#rusт592");
  const told = (await ann.sync()).map((line) => line.replace(/^:\S+ /, ""));
  assert.deepEqual(told.filter((line) => /^(JOIN|403 ann) #ru/.test(line)), [
    "JOIN #rust592",
    ...["#ruѕt592", "#rusт592"].map((room) =>
      `403 ann ${room} :Cannot open ${room}: it looks like #rust592; join #rust592, ` +
      "or pick a name that does not"
    ),
  ]);
});

Deno.test("IRC LUSERS: 251 to 255 (252 to 254 when not 0), 265 and 266 with the chat's counts, in the welcome too", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "chat_irc_" });
  try {
    await Deno.writeTextFile(`${dir}/ops`, "ann op-secret\n");
    const { server, port, irc } = await serve(["--op-file", `${dir}/ops`]);
    await using _ = server;
    await using bob = await TestClient.join2(port, "bob", [{ room: "#lobby" }, { room: "#dev" }]);
    await using carol = await textUser(port, "carol");
    // Connected, not registered: an unknown connection.
    await using pending = await IrcClient.connect(irc);
    await pending.sync();
    const counts = (lines: string[]) =>
      lines.filter((line) => / 2(5[1-5]|6[56]) /.test(line)).map((line) =>
        line.replace(/^:\S+ /, "")
      );

    await t.step("the welcome burst has them, between ISUPPORT and the MOTD", async () => {
      await using dan = await IrcClient.connect(irc);
      await dan.send("NICK dan");
      await dan.send("USER dan 0 * :Dan");
      const lines = await dan.until(/ 376 /);
      const codes = lines.map((line) => line.split(" ")[1]);
      assert.deepEqual(
        codes.slice(codes.indexOf("005"), codes.indexOf("375") + 1),
        // No operator yet: 252 is left out, as its 0 would be.
        ["005", "251", "253", "254", "255", "265", "266", "375"],
        lines.join("\n"),
      );
      assert.deepEqual(counts(lines), [
        "251 dan :There are 3 users and 0 invisible on 1 servers",
        "253 dan 1 :unknown connection(s)",
        "254 dan 2 :channels formed",
        "255 dan :I have 3 clients and 0 servers",
        "265 dan 3 3 :Current local users 3, max 3",
        "266 dan 3 3 :Current global users 3, max 3",
      ]);
    });

    await t.step("LUSERS answers with the counts as they are now", async () => {
      await bob.next("left", (frame) => frame.name === "dan");
      await using ann = await IrcClient.register(irc, "ann");
      await ann.send("OPER ann op-secret");
      await ann.next(/ 381 /);
      await carol.send("/quit");
      await bob.next("left", (frame) => frame.name === "carol");
      await ann.send("LUSERS");
      const lines = await ann.until(/ 266 /);
      assert.deepEqual(counts(lines), [
        "251 ann :There are 2 users and 0 invisible on 1 servers",
        "252 ann 1 :operator(s) online",
        "253 ann 1 :unknown connection(s)",
        "254 ann 2 :channels formed",
        "255 ann :I have 2 clients and 0 servers",
        "265 ann 2 3 :Current local users 2, max 3",
        "266 ann 2 3 :Current global users 2, max 3",
      ]);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("IRC INVITE: its person is told where to come; 341, or why not", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "chat_irc_" });
  try {
    await Deno.writeTextFile(`${dir}/ops`, "ann op-secret\n");
    const { server, port, irc } = await serve(["--op-file", `${dir}/ops`]);
    await using _ = server;
    await using bob = await TestClient.join2(port, "bob", [{ room: "#lobby" }, { room: "#ops" }]);
    await using cat = await IrcClient.register(irc, "cat");
    await using ann = await IrcClient.register(irc, "ann");
    await ann.send("JOIN #dev");
    await ann.next(/ 366 ann #dev /);

    await t.step("to a chat name and to a nick: a private line that says so, and 341", async () => {
      await ann.send("INVITE bob #dev");
      assert.match(await ann.next(/ 341 /), /^:\S+ 341 ann bob :?#dev$/);
      const told = await bob.next("private", (frame) => frame.from === "ann");
      assert.equal(told.text, "* ann invites you to #dev");
      await ann.send("invite cat #dev");
      assert.match(await ann.next(/ 341 /), /^:\S+ 341 ann cat :?#dev$/);
      assert.match(
        await cat.next(/ PRIVMSG cat /),
        /^:ann!ann@chat PRIVMSG cat :\* ann invites you to #dev$/,
      );
    });

    await t.step("461, 401, 403, 442, 443, as for any IRC server", async () => {
      await ann.send("INVITE bob");
      assert.match(await ann.next(/ \d{3} /), /^:\S+ 461 ann INVITE :Not enough parameters$/);
      await ann.send("INVITE nobody #dev");
      assert.match(await ann.next(/ \d{3} /), /^:\S+ 401 ann nobody :/);
      await ann.send("INVITE bob #nowhere");
      assert.match(await ann.next(/ \d{3} /), /^:\S+ 403 ann #nowhere :/);
      await ann.send("INVITE cat #ops");
      assert.match(await ann.next(/ \d{3} /), /^:\S+ 442 ann #ops :/);
      await ann.send("INVITE cat #lobby");
      assert.match(await ann.next(/ \d{3} /), /^:\S+ 443 ann cat #lobby :is already on channel$/);
    });

    await t.step("to someone away: 301, then 341", async () => {
      // Known to the hub once told to those who share a room with bob.
      await cat.send("CAP REQ :away-notify");
      await cat.next(/ CAP cat ACK /);
      await bob.send({ type: "away", reason: "lunch" });
      await cat.next(/^:bob!\S+ AWAY :lunch$/);
      await ann.send("INVITE bob #dev");
      assert.match(await ann.next(/ \d{3} /), /^:\S+ 301 ann bob :lunch$/);
      assert.match(await ann.next(/ \d{3} /), /^:\S+ 341 ann bob :?#dev$/);
      // Once per time bob goes away, as for a private message to him.
      await ann.send("INVITE bob #dev");
      assert.match(await ann.next(/ \d{3} /), /^:\S+ 341 ann bob :?#dev$/);
    });

    await t.step("to a locked room, which its person may not enter: a NOTICE, no 341", async () => {
      await ann.send("OPER ann op-secret");
      await ann.next(/ 381 /);
      await ann.send("MODE #dev +i");
      await ann.next(/ MODE #dev \+i/);
      await ann.send("INVITE cat #dev");
      const lines = await ann.sync();
      assert.ok(!lines.some((line) => / 341 /.test(line)), lines.join("\n"));
      assert.ok(
        lines.some((line) =>
          / NOTICE ann :Cannot invite cat to #dev: it is locked, and only operators may enter it$/
            .test(line)
        ),
        lines.join("\n"),
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("IRC history: replayed on JOIN in a chathistory batch, with server-time", async (t) => {
  const { server, port, irc } = await serve();
  await using _ = server;
  await using bob = await TestClient.join2(port, "bob", [{ room: "#dev" }]);
  for (const text of ["one", "two", "three"]) await bob.send({ type: "say", text, room: "#dev" });
  await bob.sync();

  await t.step("with batch: BATCH +ref chathistory #dev, tagged lines, BATCH -ref", async () => {
    await using ann = await withCaps(irc, "ann", "batch server-time message-tags");
    await ann.send("JOIN #dev");
    const start = await ann.next(/ BATCH \+/);
    const [, ref] = start.match(/^:\S+ BATCH \+(\S+) chathistory #dev$/) ?? [];
    assert.ok(ref, start);
    const lines = await ann.until(new RegExp(` BATCH -${ref}$`));
    const messages = lines.filter((line) => / PRIVMSG /.test(line));
    assert.equal(messages.length, 3, lines.join("\n"));
    for (const [index, text] of ["one", "two", "three"].entries()) {
      const line = messages[index]!;
      assert.match(line, new RegExp(`^@\\S*batch=${ref}\\b`));
      assert.match(line, /time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/);
      assert.ok(line.endsWith(`:bob!bob@chat PRIVMSG #dev :${text}`), line);
    }
    // A live message after the replay is in no batch.
    await bob.send({ type: "say", text: "live", room: "#dev" });
    const live = await ann.next(/PRIVMSG #dev :live$/);
    assert.ok(!live.includes("batch="), live);
  });

  await t.step("without batch: the same lines with server-time alone", async () => {
    await using cat = await withCaps(irc, "cat", "server-time");
    await cat.send("JOIN #dev");
    const lines = await cat.until(/PRIVMSG #dev :live$/);
    assert.ok(!lines.some((line) => / BATCH /.test(line)), lines.join("\n"));
    const messages = lines.filter((line) => / PRIVMSG /.test(line));
    assert.equal(messages.length, 4, lines.join("\n"));
    assert.match(messages[0]!, /^@time=\S+ :bob!bob@chat PRIVMSG #dev :one$/);
  });

  await t.step("one live message carries the tags each client asked for", async () => {
    await using plain = await IrcClient.register(irc, "plain");
    await using timed = await withCaps(irc, "timed", "server-time");
    await using tagged = await withCaps(irc, "tagged", "server-time message-tags");
    await bob.send({ type: "join", room: "#lobby" });
    await bob.next("room", (frame) => frame.room === "#lobby");
    await bob.send({ type: "say", text: "tags differ", room: "#lobby" });
    const line = /PRIVMSG #lobby :tags differ$/;
    assert.equal(await plain.next(line), ":bob!bob@chat PRIVMSG #lobby :tags differ");
    assert.match(await timed.next(line), /^@time=[^;\s]+ :bob!/);
    assert.match(await tagged.next(line), /^@time=[^;\s]+;msgid=\d+ :bob!/);
  });

  await t.step("each line of a message of several lines has a msgid of its own", async () => {
    await using tagged = await withCaps(irc, "tagged2", "message-tags");
    await bob.send({ type: "say", text: "one\ntwo\n" + "x ".repeat(300), room: "#lobby" });
    const { id } = await bob.next("message", (frame) => frame.text.startsWith("one\n"));
    const lines = [await tagged.next(/ PRIVMSG #lobby :one$/)];
    for (let line = 1; line < 4; line++) lines.push(await tagged.next(/ PRIVMSG #lobby :/));
    const ids = lines.map((line) => line.match(/^@msgid=(\S+) /)?.[1]);
    assert.deepEqual(ids, [`${id}`, `${id}-2`, `${id}-3`, `${id}-4`], lines.join("\n"));
  });

  await t.step("echo-message sends one's own message back, with its tags", async () => {
    await using dan = await withCaps(irc, "dan", "echo-message server-time");
    await dan.send("PRIVMSG #lobby :echo me");
    assert.match(await dan.next(/ :echo me$/), /^@time=\S+ :dan!\S+ PRIVMSG #lobby :echo me$/);
  });
});

Deno.test("IRC NOTICE: echoed, relayed and replayed to IRC as NOTICE, to the others as a message", async () => {
  const { server, port, irc } = await serve();
  await using _ = server;
  await using bob = await TestClient.join2(port, "bob");
  await using ann = await withCaps(irc, "ann", "echo-message");
  await using dan = await IrcClient.register(irc, "dan");
  await ann.send("NOTICE #lobby :heads up");
  assert.equal(await ann.next(/ :heads up$/), ":ann!ann@chat NOTICE #lobby :heads up");
  assert.equal(await dan.next(/ :heads up$/), ":ann!ann@chat NOTICE #lobby :heads up");
  assert.equal((await bob.next("message", (frame) => frame.from === "ann")).text, "heads up");
  await ann.send("NOTICE dan :psst");
  assert.equal(await dan.next(/ :psst$/), ":ann!ann@chat NOTICE dan :psst");
  assert.equal(await ann.next(/ :psst$/), ":ann!ann@chat NOTICE dan :psst");
  // A PRIVMSG is still one.
  await ann.send("PRIVMSG #lobby :plain");
  assert.equal(await dan.next(/ :plain$/), ":ann!ann@chat PRIVMSG #lobby :plain");
  await using eve = await IrcClient.register(irc, "eve");
  const replayed = await eve.until(/ :plain$/);
  assert.ok(replayed.includes(":ann!ann@chat NOTICE #lobby :heads up"), replayed.join("\n"));
});

Deno.test("IRC heartbeat: the server PINGs a quiet client, which stays by answering", async () => {
  const { server, irc } = await serve(["--heartbeat", "5"]);
  await using _ = server;
  await using ann = await IrcClient.register(irc, "ann");
  const ping = await ann.next(/^:\S+ PING /, 10_000);
  const token = ping.split(" ").at(-1)!.replace(/^:/, "");
  await ann.send(`PONG :${token}`);
  await ann.next(/^:\S+ PING /, 10_000);
  await ann.send(`PONG :${token}`);
  assert.ok(!ann.ended);
  await ann.sync();
});

Deno.test("IRC heartbeat: a client that does not answer is told why before it is dropped", async () => {
  const { server, irc } = await serve(["--heartbeat", "5"]);
  await using _ = server;
  await using ann = await IrcClient.register(irc, "ann");
  await ann.next(/^:\S+ PING /, 10_000);
  assert.equal(await ann.next(/^ERROR /, 10_000), "ERROR :Closing link: Ping timeout: 5 seconds");
  await ann.closed();
});

Deno.test("IRC files: a shared file arrives as a message with its link", async () => {
  await using server = new ChatProcess(
    ["serve", "--host", "127.0.0.1", "--port", "0", "--web-port", "0", "--memory"]
      .concat(["--irc-port", "0"]),
    { stdin: "null" },
  );
  const port = await server.port();
  await using bob = await TestClient.join2(port, "bob");
  await using ann = await IrcClient.register(await server.ircPort(), "ann");
  const files = bob.all("welcome")[0]?.files;
  assert.ok(files !== undefined, JSON.stringify(bob.frames[0]));
  const response = await fetch(`http://127.0.0.1:${files.port}/files`, {
    method: "POST",
    body: "some notes\n",
    headers: { authorization: `Bearer ${files.token}`, "x-file-name": "notes.txt" },
  });
  const stored = await response.json();
  assert.equal(response.status, 201, JSON.stringify(stored));
  await bob.send({ type: "file", id: stored.id, name: "notes.txt", room: "#lobby" });
  const line = await ann.next(/PRIVMSG #lobby/);
  const link = `http://127.0.0.1:${files.port}${stored.url}`;
  assert.match(line, /^:bob!bob@chat PRIVMSG #lobby :shared notes\.txt \(.+\): /);
  assert.ok(line.endsWith(`: ${link}`), `${line} ends with ${link}`);
});

Deno.test("IRC files: a long link is never cut, but sent alone on its line", async () => {
  await using server = new ChatProcess(
    ["serve", "--host", "127.0.0.1", "--port", "0", "--web-port", "0", "--memory"]
      .concat(["--irc-port", "0", "--rate", "1000"]),
    { stdin: "null" },
  );
  const port = await server.port();
  const irc = await server.ircPort();
  await using bob = await TestClient.join2(port, "bob", [{ room: "#dev" }]);
  await using ann = await IrcClient.register(irc, "ann");
  await ann.send("JOIN #dev");
  await ann.sync();
  const files = bob.all("welcome")[0]?.files;
  assert.ok(files !== undefined, JSON.stringify(bob.frames[0]));
  const base = `http://127.0.0.1:${files.port}`;
  // A name whose link fits a line alone, and two whose links do not fit even alone.
  const names = [`2026年${"日本語のファイル名".repeat(4)}・メモ.txt`, `${"é".repeat(110)}.txt`]
    .concat([`${"名".repeat(76)}.txt`]);
  const stored: { id: string; url: string }[] = [];
  for (const _ of names) {
    const response: Response = await fetch(`${base}/files`, {
      method: "POST",
      body: "some notes\n",
      headers: { authorization: `Bearer ${files.token}`, "x-file-name": "notes.txt" },
    });
    const answer = await response.json();
    assert.equal(response.status, 201, JSON.stringify(answer));
    stored.push(answer);
  }
  /** The description line and the link line of the file shared as `names[index]`. */
  async function expectShared(client: IrcClient, target: string, index: number) {
    const start = new RegExp(`PRIVMSG ${target} :shared `);
    const description = await client.next(start);
    assert.ok(!description.includes("http"), `the link is on a line of its own: ${description}`);
    assert.ok(description.includes(names[index]!) && description.endsWith(":"), description);
    const line = await client.next(new RegExp(`PRIVMSG ${target} :`));
    const link = line.slice(line.indexOf(` PRIVMSG ${target} :`) + ` PRIVMSG ${target} :`.length);
    // The tags are not counted in the 512 bytes of a line.
    assert.ok(new TextEncoder().encode(line.replace(/^@\S+ /, "")).length + 2 <= 512, line);
    const full = `${base}/files/${stored[index]!.id}/${encodeURIComponent(names[index]!)}`;
    // Whole, or without the name when even alone it is longer than a line.
    assert.equal(link, index === 0 ? full : `${base}/files/${stored[index]!.id}`);
    const download = await fetch(link);
    assert.equal(download.status, 200, link);
    assert.equal(await download.text(), "some notes\n");
  }
  for (const [index, name] of names.entries()) {
    await bob.send({ type: "file", id: stored[index]!.id, name, room: "#dev" });
    await expectShared(ann, "#dev", index);
  }
  await bob.send({ type: "file", id: stored[0]!.id, name: names[0]!, to: "ann" });
  await expectShared(ann, "ann", 0);
  // Replayed on JOIN, in a chathistory batch with tags, the same.
  await using cy = await withCaps(irc, "cy", "batch server-time message-tags");
  await cy.send("JOIN #dev");
  for (const index of names.keys()) await expectShared(cy, "#dev", index);
});

Deno.test("IRC typing: +typing TAGMSG both ways with message-tags", async () => {
  const { server, port, irc } = await serve();
  await using _ = server;
  await using bob = await TestClient.join2(port, "bob");
  await using ann = await withCaps(irc, "ann", "message-tags");
  await ann.send("@+typing=active TAGMSG #lobby");
  const typing = await bob.next("typing", (frame) => frame.name === "ann");
  assert.equal(typing.room, "#lobby");
  await bob.send({ type: "typing", room: "#lobby" });
  assert.equal(await ann.next(/ TAGMSG /), "@+typing=active :bob!bob@chat TAGMSG #lobby");
  // Other tag-only messages are dropped, never an error.
  await ann.send("@+draft/react=x TAGMSG #lobby");
  const lines = await ann.sync();
  assert.equal(lines.length, 1, lines.join("\n"));
});

Deno.test("IRC bans: a banned name is 465 at registration, and the end", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat_irc_" });
  try {
    await Deno.writeTextFile(`${dir}/ops`, "bob op-secret\n");
    const { server, port, irc } = await serve(["--op-file", `${dir}/ops`]);
    await using _ = server;
    await using bob = await TestClient.join2(port, "bob");
    await bob.send({ type: "oper", secret: "op-secret" });
    await bob.send({ type: "ban", target: "zed", reason: "spam" });
    await bob.sync();
    assert.equal(bob.all("error").length, 0, JSON.stringify(bob.all("error")));
    await using zed = await IrcClient.connect(irc);
    await zed.send("NICK zed");
    await zed.send("USER zed 0 * :Zed");
    assert.match(await zed.next(/ 465 /), /^:\S+ 465 \* :Cannot join: bob banned you/);
    assert.match(await zed.next(/^ERROR /), /^ERROR :Closing link/);
    await zed.closed();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The last parameter of an IRC line written with `:`, its tags aside. */
function lastParam(line: string): string {
  const untagged = line.replace(/^@\S+ /, "");
  return untagged.slice(untagged.indexOf(" :") + 2);
}

/** The UTF-8 bytes of an IRC line with its CR LF, its tags aside (they have a limit of their own). */
function lineBytes(line: string): number {
  return new TextEncoder().encode(line.replace(/^@\S+ /, "") + "\r\n").length;
}

Deno.test("IRC lines: every line fits 512 bytes, whatever the away, topic, reasons or rooms", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "chat_irc_" });
  try {
    await Deno.writeTextFile(`${dir}/ops`, "olga op-secret\n");
    const { server, port, irc } = await serve(["--op-file", `${dir}/ops`]);
    await using _ = server;
    // An emoji of two characters and 8 bytes: a cut between them would leave half of it.
    const thumb = "👍🏽";
    // 32 rooms of the longest names: 1,056 bytes of channels.
    const long = "#" + "x".repeat(29);
    const rooms = Array.from({ length: 32 }, (_, i) => `${long}${String(i).padStart(2, "0")}`);
    await using olga = await TestClient.join2(port, "olga", rooms.map((room) => ({ room })));
    await olga.send({ type: "oper", secret: "op-secret" });
    await olga.next("notice", (frame) => frame.text.startsWith("olga is an operator"));
    const nick = "a".repeat(24);
    await using ann = await withCaps(irc, nick, "away-notify server-time message-tags");
    const dev = rooms[0]!;
    await ann.send(`JOIN ${dev}`);
    await ann.next(/ 366 /);
    /** The lines ann was sent whose text is made of `thumb`s: whole ones only. */
    const whole = new RegExp(`^(?:${thumb})+$`, "u");

    await t.step(
      "a topic of 300 characters: TOPIC, 332 and 322 cut to fit, never in an emoji",
      async () => {
        await olga.send({ type: "topic", room: dev, text: thumb.repeat(300) });
        const told = await ann.next(/ TOPIC /);
        await ann.send(`TOPIC ${dev}`);
        const topic = await ann.next(/ 332 /);
        await ann.send(`LIST ${dev}`);
        const listed = await ann.next(/ 322 /);
        for (const line of [told, topic, listed]) {
          assert.ok(lineBytes(line) <= 512, `${lineBytes(line)} bytes: ${line}`);
          assert.match(lastParam(line), whole, line);
        }
      },
    );

    // A reason is at most 256 UTF-16 units: 64 such emoji, 512 bytes.
    const reason = thumb.repeat(64);

    await t.step("an away of 512 bytes: AWAY and 301 cut to fit", async () => {
      await olga.send({ type: "away", reason });
      const told = await ann.next(/ AWAY /);
      await ann.send("PRIVMSG olga :are you there?");
      const away = await ann.next(/ 301 /);
      for (const line of [told, away]) {
        assert.ok(lineBytes(line) <= 512, `${lineBytes(line)} bytes: ${line}`);
        assert.match(lastParam(line), whole, line);
      }
    });

    await t.step(
      "WHOIS of someone in 32 rooms of long names: 319 in as many lines as it takes",
      async () => {
        await ann.send("WHOIS olga");
        const lines = await ann.until(/ 318 /);
        const channels = lines.filter((line) => / 319 /.test(line));
        assert.ok(channels.length > 1, lines.join("\n"));
        const listed = channels.flatMap((line) => lastParam(line).split(" "));
        assert.deepEqual(listed.sort(), rooms.map((room) => `@${room}`).sort());
      },
    );

    await t.step(
      "a PART reason as long as a line can bring, from a long nick in a long channel",
      async () => {
        await using cat = await IrcClient.register(irc, "c".repeat(24));
        await cat.send(`JOIN ${dev}`);
        await ann.next(/ JOIN /);
        // 450 bytes: what fits a PART of the longest channel, cut to 200 characters by none.
        await cat.send(`PART ${dev} :${"€".repeat(150)}`);
        const line = await ann.next(/ PART /);
        assert.ok(lineBytes(line) <= 512, `${lineBytes(line)} bytes: ${line}`);
        assert.match(line, /:€+$/);
      },
    );

    await t.step("a KICK and a QUIT with reasons of 512 bytes", async () => {
      await using kim = await IrcClient.register(irc, "k".repeat(24));
      await ann.next(/ JOIN #lobby$/);
      await olga.send({ type: "kick", name: "k".repeat(24), reason });
      const kicked = await ann.next(/ KICK /);
      const bye = await kim.next(/^ERROR /);
      await using quitter = await TestClient.join2(port, "quitter");
      await ann.next(/ JOIN #lobby$/);
      await quitter.send({ type: "quit", reason });
      const quit = await ann.next(/ QUIT /);
      for (const line of [...kim.lines, kicked, bye, quit]) {
        assert.ok(lineBytes(line) <= 512, `${lineBytes(line)} bytes: ${line}`);
      }
    });

    await ann.sync();
    for (const line of ann.lines) {
      assert.ok(lineBytes(line) <= 512, `${lineBytes(line)} bytes: ${line}`);
      assert.ok(!line.includes("\ufffd"), line);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("IRC server name: nobody can take it as a nick, so nobody's NOTICE reads as the server's", async () => {
  const { server, port, irc } = await serve(["--name", "Ann's Café"]);
  await using _ = server;
  await using ann = await IrcClient.connect(irc);
  await ann.send("NICK ann");
  await ann.send("USER ann 0 * :Ann");
  const welcome = await ann.next(/ 001 /);
  const host = welcome.slice(1, welcome.indexOf(" "));
  assert.equal(host, "irc.Ann-s-Cafe");
  assert.match(await ann.next(/ 005 /), / NETWORK=Ann-s-Cafe /);
  await ann.next(/ 376 /);
  // The server's name is no nick, on IRC or elsewhere: a nick holds no dot.
  await using spoofer = await IrcClient.connect(irc);
  await spoofer.send(`NICK ${host}`);
  assert.match(await spoofer.next(/ 432 /), / 432 \* irc\.Ann-s-Cafe :A nick here is /);
  // A chat name may hold a dot, but such a name shows on IRC as a nick without one.
  await using _named = await TestClient.join2(port, host);
  const joined = await ann.next(/^:(?!ann!)\S+ JOIN #lobby$/);
  assert.match(joined, /^:irc_Ann-s-Cafe\|[0-9a-f]{8}!/);
  // Whoever takes the server's name as it reads without the dot is a nick, not the server.
  await using spoof = await IrcClient.register(irc, "Ann-s-Cafe");
  await spoof.send("NOTICE #lobby :host made spoofer an operator");
  const notice = await ann.next(/ NOTICE #lobby /);
  assert.ok(!notice.startsWith(`:${host} `), notice);
  assert.match(notice, /^:Ann-s-Cafe!\S+@chat NOTICE #lobby :host made spoofer an operator$/);
});

Deno.test("IRC server-time: every line of what someone did carries @time, not messages alone", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat_irc_" });
  try {
    await Deno.writeTextFile(`${dir}/ops`, "olga op-secret\n");
    const { server, port, irc } = await serve(["--op-file", `${dir}/ops`]);
    await using _ = server;
    await using timed = await withCaps(irc, "timed", "server-time away-notify");
    await using plain = await withCaps(irc, "plain", "away-notify");
    await using olga = await TestClient.join2(port, "olga");
    await olga.send({ type: "oper", secret: "op-secret" });
    await olga.send({ type: "topic", room: "#lobby", text: "plans" });
    await olga.send({ type: "away", reason: "lunch" });
    await olga.send({ type: "back" });
    await olga.say("hello");
    await olga.send({ type: "nick", name: "olga2" });
    await olga.send({ type: "quit", reason: "bye" });
    for (const client of [timed, plain]) await client.next(/ QUIT /);
    const since = Date.now() - 60_000;
    const events = / (JOIN|MODE|NOTICE|TOPIC|AWAY|PRIVMSG|NICK|QUIT) /;
    const shown = (client: IrcClient) =>
      client.lines.filter((line) => /olga/.test(line) && events.test(line));
    const lines = shown(timed);
    const commands = lines.map((line) => line.match(events)![1]);
    for (const command of ["JOIN", "MODE", "NOTICE", "TOPIC", "AWAY", "PRIVMSG", "NICK", "QUIT"]) {
      assert.ok(commands.includes(command), `${command} in\n${lines.join("\n")}`);
    }
    for (const line of lines) {
      const time = line.match(/^@(?:\S*;)?time=([^; ]+)[; ]/)?.[1];
      assert.ok(time !== undefined, line);
      assert.ok(Date.parse(time) >= since && Date.parse(time) <= Date.now(), line);
    }
    // Without server-time, no tags at all.
    const untagged = shown(plain);
    assert.ok(untagged.length >= 8, untagged.join("\n"));
    for (const line of untagged) assert.ok(!line.startsWith("@"), line);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("IRC STATS, LINKS, INFO and ADMIN: RFC 2812's answers, never 421", async () => {
  const { server, irc } = await serve(["--name", "chat"]);
  await using _ = server;
  await using ann = await IrcClient.register(irc, "ann");
  await ann.sync();
  const answer = async (line: string, last: RegExp) => {
    await ann.send(line);
    return (await ann.until(last)).filter((got) => / \d{3} /.test(got));
  };
  assert.deepEqual(await answer("STATS u", / 219 | 421 /), [
    ":irc.chat 219 ann u :End of STATS report",
  ]);
  assert.deepEqual(await answer("STATS", / 219 | 421 /), [
    ":irc.chat 219 ann * :End of STATS report",
  ]);
  assert.deepEqual(await answer("LINKS", / 365 | 421 /), [
    ":irc.chat 364 ann irc.chat irc.chat :0 a chat for the local network",
    ":irc.chat 365 ann * :End of LINKS list",
  ]);
  assert.deepEqual(await answer("LINKS other.*", / 365 | 421 /), [
    ":irc.chat 365 ann other.* :End of LINKS list",
  ]);
  assert.deepEqual(await answer("INFO", / 374 | 421 /), [
    ":irc.chat 371 ann :chat: a chat for the local network",
    ":irc.chat 371 ann :Running chat-1",
    ":irc.chat 374 ann :End of INFO list",
  ]);
  assert.deepEqual(await answer("ADMIN", / 258 | 421 /), [
    ":irc.chat 256 ann irc.chat :Administrative info",
    ":irc.chat 257 ann :chat, a chat for the local network",
    ":irc.chat 258 ann :Run by its host, at the server's console; operators keep order",
  ]);
});
