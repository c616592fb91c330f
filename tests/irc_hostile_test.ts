/**
 * Hostile input on the IRC port of a real `chat serve`, with its default
 * limits: a CR in the middle of a line, lines over 512 bytes and of 10 KB,
 * invalid UTF-8, NUL, mIRC formatting, control bytes from the chat side, a
 * flood, a client that never registers and one that stops reading, and file
 * descriptors running out. The others in the room go on undisturbed.
 */

import assert from "node:assert/strict";
import { ChatProcess } from "./_chat_process.ts";
import { IrcClient, ircServeArgs } from "./_irc_client.ts";
import { assertAllInOrder, bytes, floodUntilDropped, TestClient, within } from "./_test_utils.ts";
import { startServer } from "../server.ts";

Deno.test("IRC hostile lines are cleaned or refused as on the other transports", async (t) => {
  const server = new ChatProcess(ircServeArgs(), { stdin: "null" });
  await using _ = server;
  const port = await server.port();
  const irc = await server.ircPort();
  await using bob = await TestClient.join2(port, "bob");
  await using ann = await IrcClient.register(irc, "ann");
  await using dan = await IrcClient.register(irc, "dan");
  const fromAnn = () => bob.next("message", (frame) => frame.from === "ann");

  await t.step("a CR in the middle of a line ends it: two messages, no CR in either", async () => {
    await ann.write("PRIVMSG #lobby :one\rPRIVMSG #lobby :two\r\n");
    assert.equal((await fromAnn()).text, "one");
    assert.equal((await fromAnn()).text, "two");
  });

  await t.step("a line of 10 KB, and one over 512 bytes, get 417 and nothing else", async () => {
    await ann.send(`PRIVMSG #lobby :${"x".repeat(10_000)}`);
    assert.match(await ann.next(/ 417 /), /^:\S+ 417 ann :Input line was too long$/);
    await ann.send(`PRIVMSG #lobby :${"y".repeat(520)}`);
    assert.match(await ann.next(/ 417 /), / 417 ann :/);
    await ann.send("PRIVMSG #lobby :after the long ones");
    assert.equal((await fromAnn()).text, "after the long ones");
  });

  await t.step("tags may take up to 8191 bytes besides the 512", async () => {
    await ann.send(`@+example/big=${"t".repeat(4000)} PRIVMSG #lobby :tagged`);
    assert.equal((await fromAnn()).text, "tagged");
    // The longest line there may be: 510 bytes and CR LF, with tags or without.
    const longest = `PRIVMSG #lobby :${"m".repeat(510 - 16)}`;
    for (const tags of ["", "@+foo=bar "]) {
      await ann.send(tags + longest);
      assert.equal((await fromAnn()).text, "m".repeat(494), `${tags}the longest line`);
      await ann.send(`${tags + longest}m`);
      assert.match(await ann.next(/ 417 /), / 417 ann :/, `${tags}one byte more`);
    }
    // 8191 bytes of tags, their "@" and the space after them included, as
    // IRCv3 counts them; in bytes, not characters: "é" is two.
    const tagsOf = (size: number, filler = "t") => {
      const room = size - "@+example/big= ".length;
      return `@+example/big=${filler.repeat(room / new TextEncoder().encode(filler).length)} `;
    };
    await ann.send(`${tagsOf(8191)}PRIVMSG #lobby :the most tags`);
    assert.equal((await fromAnn()).text, "the most tags");
    await ann.send(`${tagsOf(8192)}PRIVMSG #lobby :a byte of tags too many`);
    assert.match(await ann.next(/ 417 /), / 417 ann :/, "one byte of tags more");
    await ann.send(`${tagsOf(8193, "é")}PRIVMSG #lobby :tags counted in bytes`);
    assert.match(await ann.next(/ 417 /), / 417 ann :/, "tags counted in characters");
    await ann.send("PRIVMSG #lobby :after the tags");
    assert.equal((await fromAnn()).text, "after the tags");
  });

  await t.step("invalid UTF-8 is refused with a notice; the connection goes on", async () => {
    await ann.write(bytes("PRIVMSG #lobby :bad ", [0xff, 0xfe, 0xc3], "\r\n"));
    assert.match(await ann.next(/ NOTICE ann /), /not valid UTF-8/);
    await ann.send("PRIVMSG #lobby :good again");
    assert.equal((await fromAnn()).text, "good again");
  });

  await t.step(
    "NUL is shown as a replacement character, as JSON and nc clients get it",
    async () => {
      await ann.write("PRIVMSG #lobby :a\0b\r\n");
      assert.equal((await fromAnn()).text, "a\ufffdb");
    },
  );

  await t.step("mIRC colour and format codes are removed on the way in", async () => {
    await ann.send(
      "PRIVMSG #lobby :\x0304,12red\x03 \x02bold\x02 \x1ditalic\x1d\x0f \x04ff0000hex",
    );
    assert.equal((await fromAnn()).text, "red bold italic hex");
  });

  await t.step("chat text reaches IRC without control bytes or line breaks", async () => {
    await bob.send({ type: "say", text: "evil\x1b[2J\x07 \r\nPRIVMSG #lobby :fake\x00end" });
    await dan.next(/^:bob!\S+ PRIVMSG #lobby :evil/);
    await dan.sync();
    for (const line of dan.lines) {
      // deno-lint-ignore no-control-regex
      assert.doesNotMatch(line, /[\x00-\x08\x0a-\x1f\x7f]/, JSON.stringify(line));
      assert.ok(!line.startsWith("PRIVMSG"), JSON.stringify(line));
    }
    assert.ok(dan.lines.includes(":bob!bob@chat PRIVMSG #lobby :PRIVMSG #lobby :fake\ufffdend"));
  });

  await t.step("a flood is slowed down by the same limits; the others are not", async () => {
    await using flood = await IrcClient.register(irc, "flood");
    const lines = Array.from({ length: 300 }, (_, index) => `PRIVMSG #lobby :flood ${index}`);
    await flood.write(lines.join("\r\n") + "\r\n");
    assert.match(await flood.next(/ NOTICE flood /), /sending too fast/);
    await bob.send({ type: "say", text: "still here" });
    const start = performance.now();
    await dan.next(/PRIVMSG #lobby :still here$/, 2_000);
    assert.ok(performance.now() - start < 2_000);
    await dan.sync();
    // 300 lines at 10 a second after a burst of 40 take many seconds: most still wait.
    const relayed = bob.all("message").filter((frame) => frame.from === "flood").length;
    assert.ok(relayed < 200, `${relayed} relayed at once`);
  });
});

Deno.test("IRC lines ended by CR count one by one against the rate limit", async () => {
  const server = new ChatProcess(ircServeArgs(), { stdin: "null" });
  await using _ = server;
  await using crs = await IrcClient.register(await server.ircPort(), "crs");
  const lines = Array.from({ length: 300 }, (_, index) => `PRIVMSG #lobby :cr ${index}`);
  // One LF at the very end: 300 lines all the same.
  await crs.write(lines.join("\r") + "\n");
  assert.match(await crs.next(/ NOTICE crs /), /sending too fast/);
});

Deno.test("IRC: a WHO mask of hundreds of stars is answered at once, and the room goes on", async () => {
  const server = new ChatProcess(ircServeArgs(), { stdin: "null" });
  await using _ = server;
  const irc = await server.ircPort();
  await using bob = await TestClient.join2(await server.port(), "bob");
  await using ann = await IrcClient.register(irc, "ann");
  await using _long = await IrcClient.register(irc, "a".repeat(24));
  // A star for every way to split a nick: tried by backtracking, this line never ends.
  const mask = `${"*".repeat(400)}!`;
  await ann.send(`WHO ${mask}`);
  assert.match(await ann.next(/ 315 /), / 315 ann \*+! :End of WHO list$/);
  await ann.send("PRIVMSG #lobby :still here");
  assert.equal((await bob.next("message", (frame) => frame.from === "ann")).text, "still here");
});

Deno.test("IRC: a TLS handshake on the plain port is closed at once", async () => {
  await using server = await startServer({ hostname: "127.0.0.1", port: 0, ircPort: 0 });
  await using tls = await IrcClient.connect(server.ircAddr!.port);
  // The start of a TLS ClientHello record.
  await tls.write(bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]));
  await tls.closed(2_000);
});

Deno.test("IRC connections count against the connection limits of the other ports", async (t) => {
  await using server = await startServer({
    hostname: "127.0.0.1",
    port: 0,
    ircPort: 0,
    maxPerAddress: 2,
    maxConnections: 10,
  });
  const irc = server.ircAddr!.port;
  await using first = await TestClient.join2(server.addr.port, "first");
  await using second = await IrcClient.register(irc, "second");

  await t.step("an IRC connection over the address's limit is told why and closed", async () => {
    await using third = await IrcClient.connect(irc);
    assert.equal(
      await third.next(/^ERROR /),
      "ERROR :Closing link: Too many connections from your address",
    );
    await third.closed();
  });

  await t.step("the IRC connections held count against the chat port too", async () => {
    await using third = await TestClient.connect(server.addr.port);
    const bye = await third.next("bye");
    assert.equal(bye.reason, "Too many connections from your address");
  });

  assert.equal(first.all("bye").length, 0);
  assert.ok(second.lines.every((line) => !line.startsWith("ERROR ")), second.lines.join("\n"));
});

Deno.test("an IRC connection to a full server is told so, as PROTOCOL.md words it", async () => {
  await using server = await startServer({
    hostname: "127.0.0.1",
    port: 0,
    ircPort: 0,
    maxConnections: 1,
  });
  await using _held = await TestClient.join(server.addr.port, "held");
  await using late = await IrcClient.connect(server.ircAddr!.port);
  assert.equal(
    await late.next(/^ERROR /),
    "ERROR :Closing link: The server is full; try again later",
  );
  await late.closed();
});

Deno.test("IRC registration has the hello deadline of other programs, and says what was missing", async () => {
  await using server = await startServer({
    hostname: "127.0.0.1",
    port: 0,
    ircPort: 0,
    handshake: 1,
  });
  const port = server.ircAddr!.port;
  await using _held = await TestClient.join(server.addr.port, "held");
  const user = "USER slow 0 * :slow";
  const takeLate = async (slow: IrcClient) => {
    await slow.sync();
    return await TestClient.join(server.addr.port, "late");
  };
  // Every form the reason takes: what is missing of NICK, USER and CAP END, in that order.
  type Step = string | ((slow: IrcClient) => Promise<AsyncDisposable>);
  const cases: [Step[], string][] = [
    [[], "NICK and USER"],
    [["NICK slow"], "USER"],
    [[user], "NICK"],
    [["CAP LS 302", "NICK slow2", user], "CAP END"],
    [["CAP LS 302", user], "NICK and CAP END"],
    [["CAP LS 302", "NICK slow3"], "USER and CAP END"],
    [["CAP LS 302"], "NICK, USER and CAP END"],
    // A NICK was given, and refused (433, 432 by the chat's rules or by IRC's): another is wanted.
    [["NICK held", user], "an accepted NICK"],
    [["NICK chat", user], "an accepted NICK"],
    [["NICK 9bad", user], "an accepted NICK"],
    [["NICK held"], "an accepted NICK and USER"],
    [["NICK 9bad"], "an accepted NICK and USER"],
    [["CAP LS 302", "NICK 9bad", user], "an accepted NICK and CAP END"],
    [["CAP LS 302", "NICK held"], "an accepted NICK, USER and CAP END"],
    // The name taken by someone else between NICK and USER: 433 comes with the hello.
    [["NICK late", takeLate, user], "an accepted NICK"],
    // A refused NICK and then an accepted one; an accepted one and then a refused one.
    [["NICK 9bad", "NICK fine"], "USER"],
    [["NICK fine2", "NICK held"], "USER"],
  ];
  const others: AsyncDisposable[] = [];
  await Promise.all(cases.map(async ([lines, missing]) => {
    await using slow = await IrcClient.connect(port);
    for (const line of lines) {
      if (typeof line === "string") await slow.send(line);
      else others.push(await line(slow));
    }
    // Said in IRC's words: "hello" is the chat's own.
    assert.equal(
      await slow.next(/^ERROR /, 5_000),
      `ERROR :Closing link: No registration (${missing}) within 1 s`,
    );
    await within(slow.closed(), 5_000);
  }));
  for (const other of others) await other[Symbol.asyncDispose]();
});

Deno.test("IRC: a storm of random lines neither crashes the server nor stalls the others", async () => {
  const logs: string[] = [];
  await using server = await startServer({
    hostname: "127.0.0.1",
    port: 0,
    ircPort: 0,
    messageRate: 1_000_000,
    log: (line) => logs.push(line),
  });
  const irc = server.ircAddr!.port;
  await using bob = await TestClient.join2(server.addr.port, "bob");
  await using storm = await IrcClient.register(irc, "storm");
  const words = [
    "PRIVMSG",
    "NOTICE",
    "JOIN",
    "PART",
    "NICK",
    "MODE",
    "KICK",
    "TOPIC",
    "WHO",
    "WHOIS",
    "NAMES",
    "LIST",
    "AWAY",
    "CAP",
    "AUTHENTICATE",
    "PASS",
    "USER",
    "TAGMSG",
    "OPER",
    "ISON",
    "USERHOST",
    "#lobby",
    "#",
    "#x",
    "0",
    ":",
    "::",
    "*",
    "bob",
    "storm",
    "@a=b",
    ":src",
    "\x01ACTION",
    "\x01",
    "\x03",
    "+b",
    "-i",
    "+o",
    "é",
    "李",
    "\u202e",
    "\x00",
    ",",
    ",,#a,",
    "LS",
    "REQ",
    "END",
  ];
  let seed = 42;
  const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const lines = Array.from(
    { length: 2000 },
    () => Array.from({ length: 1 + random(6) }, () => words[random(words.length)]).join(" "),
  );
  // Never QUIT: every line but that one leaves the connection open.
  await storm.write(lines.filter((line) => !/^QUIT/i.test(line)).join("\r\n") + "\r\n");
  await storm.sync("after-the-storm", 20_000);
  await bob.send({ type: "say", text: "calm" });
  await bob.next("message", (frame) => frame.text === "calm");
  await using calm = await IrcClient.register(irc, "calm");
  await calm.sync();
  assert.deepEqual(logs.filter((line) => line.includes("Internal error")), []);
});

Deno.test("IRC: a client that stops reading is dropped and the room goes on", async (t) => {
  // The writer floods on purpose; the rate limit is tested on its own.
  await using server = await startServer({
    hostname: "127.0.0.1",
    port: 0,
    ircPort: 0,
    messageRate: 10_000,
  });
  await using alice = await TestClient.join(server.addr.port, "alice");
  await using bob = await TestClient.join(server.addr.port, "bob");
  // A raw IRC connection that registers and never reads again.
  using slow = await Deno.connect({ hostname: "127.0.0.1", port: server.ircAddr!.port });
  const register = new TextEncoder().encode("NICK slow\r\nUSER slow 0 * :slow\r\n");
  for (let offset = 0; offset < register.length;) {
    offset += await slow.write(register.subarray(offset));
  }
  await alice.next("joined", (frame) => frame.name === "slow");

  let sent = 0;
  await t.step("a stream of big messages overflows its outbox: it leaves, too slow", async () => {
    sent = await floodUntilDropped(alice, bob, "slow");
  });

  await t.step("the others received every message, in order", async () => {
    await assertAllInOrder([alice, bob], sent);
  });
});

/** Registers as `nick` on the IRC port over a new connection; true once 001 welcomes it. */
async function registers(port: number, nick: string): Promise<boolean> {
  using conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(`NICK ${nick}\r\nUSER ${nick} 0 * :${nick}\r\n`));
  const reading = (async () => {
    const buffer = new Uint8Array(4096);
    let text = "";
    while (!/^:\S+ 001 /m.test(text)) {
      const read = await conn.read(buffer);
      if (read === null) return false;
      text += new TextDecoder().decode(buffer.subarray(0, read));
    }
    return true;
  })();
  return await within(reading, 1_000).catch(() => false);
}

Deno.test("IRC: the port takes registrations again after the server ran out of file descriptors", async () => {
  // Under this limit the server runs out after a few dozen connections.
  const limit = 64;
  await using server = new ChatProcess(["--irc"], {
    wrap: ["sh", "-c", `ulimit -n ${limit} && exec "$@"`, "sh"],
    denoArgs: ["run", "--allow-net=127.0.0.1", "--allow-read", "tests/_fd_limited_server.ts"],
    graceMs: 3_000,
  });
  const irc = Number((await server.waitForStdout(/^irc (\d+)$/m))[1]);
  const crowd: Deno.TcpConn[] = [];
  try {
    // The kernel completes every TCP handshake; the server cannot accept them all.
    for (let i = 0; i < limit * 2; i++) {
      crowd.push(await Deno.connect({ hostname: "127.0.0.1", port: irc }));
    }
  } finally {
    for (const conn of crowd) conn.close();
  }
  // With descriptors free again, a newcomer registers: at once, or once the
  // server has noticed that its port stopped taking connections.
  await within(
    (async () => {
      while (!(await registers(irc, "late").catch(() => false))) {
        // The stuck port refused or dropped this one; try again.
      }
    })(),
    20_000,
    "an IRC newcomer to be welcomed",
  );
});
