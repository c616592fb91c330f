/**
 * Plain-text mode on the TCP port, driven over real sockets as `nc` and
 * `telnet` would, next to a JSON client in the same room.
 */

import assert from "node:assert/strict";
import {
  decodeJson,
  encodeFrame,
  LineSplitter,
  LOBBY,
  MAX_CLIENT_LINE_BYTES,
  MAX_SERVER_LINE_BYTES,
  MAX_TEXT_BYTES,
  parseServerFrame,
} from "../protocol.ts";
import { isSafeText, sanitizeText } from "../core/sanitize.ts";
import { textWidth } from "../core/width.ts";
import { startServer } from "../server.ts";
import { parseOpFile } from "../server/hub/moderation.ts";
import { GREETING } from "../server/transports/text.ts";
import { bytes, LOOPBACK, TestClient, within } from "./_test_utils.ts";
import { LineClient } from "./_line_client.ts";

const PROMPT = "Your name: ";

const IAC = 0xff;
const SB = 0xfa;
const SE = 0xf0;
const WILL = 0xfb;
const DO = 0xfd;
const DONT = 0xfe;
const NOP = 0xf1;
const ECHO = 0x01;
const TTYPE = 0x18;
const NAWS = 0x1f;

const encoder = new TextEncoder();

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
}

/** Matches a whole line `[HH:MM:SS] rest`. */
function stamped(rest: string): RegExp {
  return new RegExp(`^\\[\\d{2}:\\d{2}:\\d{2}\\] ${escapeRegExp(rest)}$`);
}

/** Matches a whole notice line `-- [HH:MM:SS] rest`. */
function stampedNotice(rest: string): RegExp {
  return new RegExp(`^-- \\[\\d{2}:\\d{2}:\\d{2}\\] ${escapeRegExp(rest)}$`);
}

/** Matches a whole line exactly. */
function exactly(line: string): RegExp {
  return new RegExp(`^${escapeRegExp(line)}$`);
}

/** A person on a raw socket: types lines and reads what the server prints, prompts left out. */
class TextClient extends LineClient {
  constructor(conn: Deno.TcpConn) {
    super(conn, stripPrompts);
  }

  /** Connects to `port` on loopback without sending anything. */
  static override async connect(port: number): Promise<TextClient> {
    return new TextClient(await Deno.connect({ hostname: LOOPBACK, port }));
  }

  /** Connects, types `name` and waits until the server has put it in the lobby. */
  static async join(port: number, name: string): Promise<TextClient> {
    const client = await TextClient.connect(port);
    await client.type(name);
    await client.next(new RegExp(`^-- You are in ${LOBBY}\\. `));
    return client;
  }

  /** Types `line` and presses Enter (CRLF, as telnet sends it). */
  type(line: string): Promise<void> {
    return this.send(line);
  }

  /** Asks for /who and waits for the answer: every earlier line has been handled. */
  async sync(): Promise<void> {
    await this.type("/who");
    await this.next(/^-- #[^:]+: \d+ (person|people) here: /);
  }
}

function stripPrompts(line: string): string {
  while (line.startsWith(PROMPT)) line = line.slice(PROMPT.length);
  return line;
}

/** Checks that `client` received only plain CRLF lines: no escape, no control, no bidi. */
function assertPlain(client: TextClient): void {
  const raw = client.bytes;
  assert.ok(!raw.includes(0x1b), "an ESC byte arrived");
  assert.ok(!raw.includes(IAC), "a telnet command arrived");
  assert.ok(!/[^\r]\n|^\n/.test(client.text), "a line ended without CR");
  assert.ok(!/\r(?!\n)/.test(client.text), "a CR arrived without LF");
  const body = client.text.replaceAll("\r\n", "");
  assert.ok(isSafeText(body), `unsafe characters arrived: ${JSON.stringify(body)}`);
}

/** Proves `client` has not shown a line containing `fragment`, after a round trip. */
async function assertNotShown(client: TextClient, fragment: string): Promise<void> {
  await client.sync();
  const shown = client.lines.filter((line) => line.includes(fragment));
  assert.deepEqual(shown, [], `${JSON.stringify(fragment)} was shown`);
}

Deno.test("startServer() greets a silent connection in text and asks for a name", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using carol = await TextClient.connect(server.addr.port);
  await carol.expect(GREETING);
  assert.equal(carol.text, GREETING);
  assert.equal(GREETING, "Welcome to chat. Type your name and press Enter.\r\nYour name: ");
  await carol.type("carol");
  assert.equal(
    await carol.next(/^-- Connected/),
    "-- Connected to chat as carol. Type /help for commands",
  );
  assert.equal(await carol.next(/^-- You are in/), "-- You are in #lobby. 1 person here: carol");
  assert.equal(server.hub.size, 1);
  // The greeting came once, and never again.
  assert.equal(carol.text.split("Welcome to chat").length, 2);
  assertPlain(carol);
});

Deno.test("startServer() asks a text user for another name after every refusal and an empty line", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using carol = await TextClient.connect(server.addr.port);
  await carol.expect(GREETING);

  await t.step("an empty line at the greeting's question asks it again", async () => {
    await carol.type("");
    await carol.expect(PROMPT);
    assert.equal(carol.text, GREETING + PROMPT);
  });

  await t.step("every refused name ends with the invitation to type another", async () => {
    for (
      const [name, why] of [
        ["host", "the server's host speaks under that name"],
        ["bad name", "a name cannot hold spaces; put _ - or . between its words"],
        ["root", 'the name "root" is reserved'],
      ]
    ) {
      await carol.type(name!);
      assert.equal(
        await carol.next(/^!! /),
        `!! Cannot use ${JSON.stringify(name)}: ${why}. Pick another name`,
      );
      await carol.expect(PROMPT);
    }
  });

  await t.step("a free name after them is taken", async () => {
    await carol.type("carol");
    await carol.next(exactly("-- Connected to chat as carol. Type /help for commands"));
  });
  assertPlain(carol);
});

Deno.test("startServer() greets at once a connection that types its name first", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using alice = await TestClient.join(server.addr.port, "alice");
  await using carol = await TextClient.connect(server.addr.port);
  await carol.type("carol");
  await carol.next(/^-- You are in #lobby\. 2 people here: alice, carol$/);
  assert.ok(
    carol.text.startsWith(GREETING + "-- Connected to chat as carol. Type /help for commands\r\n"),
    JSON.stringify(carol.text),
  );
  assert.equal((await alice.next("joined")).name, "carol");
  assertPlain(carol);
});

Deno.test("startServer() asks a text user again for a name that is taken or invalid", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await using carol = await TextClient.connect(port);

  await t.step("a taken name gets an error line and the prompt again", async () => {
    await carol.type("Alice");
    assert.equal(
      await carol.next(/^!! /),
      '!! Cannot use "Alice": the name is taken (alice is here). Pick another name',
    );
    await carol.expect(PROMPT);
  });

  await t.step("an invalid name gets an error line and the prompt again", async () => {
    await carol.type("carol smith");
    assert.match(
      await carol.next(/^!! /),
      /^!! Cannot use "carol smith": a name cannot hold spaces/,
    );
    await carol.expect(PROMPT);
  });

  await t.step("a blank line gets the prompt again and nothing else", async () => {
    await carol.type("   ");
    await carol.expect(PROMPT);
    // The Enter the person typed already moved their cursor to a new line.
    assert.ok(carol.text.endsWith(`\r\n${PROMPT}${PROMPT}`), JSON.stringify(carol.text));
  });

  await t.step("a name too long to read gets an error line and the prompt again", async () => {
    await carol.type("c".repeat(MAX_CLIENT_LINE_BYTES + 10));
    assert.equal(
      await carol.next(/^!! /),
      `!! Cannot read line: it is longer than ${MAX_CLIENT_LINE_BYTES} bytes`,
    );
    await carol.expect(PROMPT);
  });

  await t.step("a free name, with spaces around it, is accepted", async () => {
    await carol.type("  carol  ");
    await carol.next(exactly("-- Connected to chat as carol. Type /help for commands"));
    await carol.next(exactly("-- You are in #lobby. 2 people here: alice, carol"));
    await alice.sync();
    assert.deepEqual(alice.all("joined").map((frame) => frame.name), ["carol"]);
    assert.deepEqual(alice.all("error"), []);
  });

  await t.step("after the name a line is a message, not a name", async () => {
    await carol.type("dave");
    assert.equal((await alice.next("message")).text, "dave");
    await carol.next(stamped("carol: dave"));
    assert.ok(!carol.text.endsWith(PROMPT));
  });
  assertPlain(carol);
});

Deno.test("startServer() relays messages between text and JSON users as plain lines", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await using carol = await TextClient.join(port, "carol");
  await using dave = await TextClient.join(port, "dave");
  await carol.next(stampedNotice("dave joined #lobby"));

  await t.step("a JSON message reaches text users as one stamped line", async () => {
    await alice.say("hi all");
    await carol.next(stamped("alice: hi all"));
    await dave.next(stamped("alice: hi all"));
  });

  await t.step("a text line reaches the JSON user as a message frame", async () => {
    await carol.type("hello from nc");
    const message = await alice.next("message", (frame) => frame.from === "carol");
    assert.equal(message.text, "hello from nc");
    assert.equal(message.room, LOBBY);
    assert.equal(message.action, undefined);
    await carol.next(stamped("carol: hello from nc"));
    await dave.next(stamped("carol: hello from nc"));
  });

  await t.step("/me from text is an action, and actions reach text as * lines", async () => {
    await carol.type("/me waves");
    const action = await alice.next("message", (frame) => frame.from === "carol");
    assert.equal(action.text, "waves");
    assert.equal(action.action, true);
    await dave.next(stamped("* carol waves"));
    await alice.send({ type: "me", text: "nods" });
    await carol.next(stamped("* alice nods"));
    await dave.next(stamped("* alice nods"));
  });

  await t.step("// posts a line that starts with a slash", async () => {
    await carol.type("//shrug");
    assert.equal((await alice.next("message", (frame) => frame.from === "carol")).text, "/shrug");
    await dave.next(stamped("carol: /shrug"));
  });

  await t.step("/who lists the room", async () => {
    await carol.type("/who");
    // As the terminal shows it: how each is connected, and who is away or an operator.
    await carol.next(exactly("-- #lobby: 3 people here: alice (json), carol (you, nc), dave (nc)"));
  });

  await t.step("an unknown command is an error line for the sender alone", async () => {
    await carol.type("/dance");
    assert.match(await carol.next(/^!! /), /^!! Unknown command "\/dance"/);
    await alice.sync();
    assert.deepEqual(alice.all("message").map((frame) => frame.text).includes("/dance"), false);
    await assertNotShown(dave, "dance");
  });

  await t.step("joins and leaves are notice lines", async () => {
    await alice.send({ type: "quit" });
    await alice.closed();
    await carol.next(stampedNotice("alice left #lobby (quit)"));
    await dave.next(stampedNotice("alice left #lobby (quit)"));
  });

  await t.step("everything arrived as plain CRLF lines", () => {
    assertPlain(carol);
    assertPlain(dave);
    for (const line of carol.lines) {
      assert.match(line, /^(\[\d{2}:\d{2}:\d{2}\] |-- |!! |Welcome to chat\.)/);
    }
  });
});

Deno.test("startServer() keeps private messages to and from text users private", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await using bob = await TestClient.join(port, "bob");
  await using carol = await TextClient.join(port, "carol");
  await using dave = await TextClient.join(port, "dave");

  await t.step("/msg from a text user reaches only the JSON recipient", async () => {
    await carol.type("/msg alice secret plan");
    const received = await alice.next("private");
    assert.equal(received.from, "carol");
    assert.equal(received.to, "alice");
    assert.equal(received.text, "secret plan");
    await carol.next(stamped("[private] you → alice: secret plan"));
    await bob.sync();
    assert.deepEqual(bob.all("private"), []);
    await assertNotShown(dave, "secret");
  });

  await t.step("a private message to a text user reaches only that user", async () => {
    await alice.send({ type: "msg", to: "carol", text: "psst" });
    await carol.next(stamped("[private] alice → you: psst"));
    assert.equal((await alice.next("private")).text, "psst");
    await assertNotShown(dave, "psst");
  });

  await t.step("text users reach each other by name; a prefix only gets a hint", async () => {
    await dave.type("/msg car hi carol");
    assert.equal(
      await dave.next(/^!! /),
      '!! Cannot send: nobody called "car" is on this chat; did you mean carol?',
    );
    await dave.type("/msg carol hi carol");
    await carol.next(stamped("[private] dave → you: hi carol"));
    await dave.next(stamped("[private] you → carol: hi carol"));
    await alice.sync();
    await bob.sync();
    assert.deepEqual(alice.all("private").map((frame) => frame.text), ["secret plan", "psst"]);
    assert.deepEqual(bob.all("private"), []);
  });

  await t.step("/msg to nobody is an error line", async () => {
    await carol.type("/msg zed hello");
    assert.equal(await carol.next(/^!! /), '!! Cannot send: nobody called "zed" is on this chat');
    await carol.type("/msg alice");
    assert.match(await carol.next(/^!! /), /^!! Usage: \/msg NAME TEXT/);
  });
  assertPlain(carol);
  assertPlain(dave);
});

Deno.test("startServer() moves a text user between rooms with /join and /leave", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await using carol = await TextClient.join(port, "carol");

  await t.step("/join enters the room and the lobby sees carol leave", async () => {
    await carol.type("/join Dev");
    await carol.next(exactly("-- You are in #dev. 1 person here: carol"));
    const left = await alice.next("left");
    assert.equal(left.name, "carol");
    assert.equal(left.reason, "went to #dev");
  });

  await t.step("messages in the lobby no longer reach carol", async () => {
    await alice.say("lobby only");
    await alice.next("message", (frame) => frame.text === "lobby only");
    await assertNotShown(carol, "lobby only");
  });

  await t.step("carol sees who joins #dev and what they say there", async () => {
    await alice.send({ type: "join", room: "#dev" });
    await alice.next("room", (frame) => frame.room === "#dev");
    await carol.next(stampedNotice("alice joined #dev"));
    await alice.say("in dev");
    await carol.next(stamped("alice: in dev"));
    await carol.type("me too");
    assert.equal((await alice.next("message", (frame) => frame.from === "carol")).room, "#dev");
  });

  await t.step("/rooms lists the rooms and marks the one carol is in", async () => {
    await carol.type("/rooms");
    await carol.next(exactly("-- Rooms: #dev (2, joined), #lobby (0)"));
  });

  await t.step("/leave goes back to the lobby and replays its history", async () => {
    await carol.type("/leave");
    await carol.next(exactly("-- You are in #lobby. 1 person here: carol"));
    await carol.next(stamped("alice: lobby only"));
    await carol.type("/join #no way");
    assert.equal(
      await carol.next(/^!! /),
      '!! Cannot join "#no way": a room name has no spaces; try #no-way',
    );
    await carol.type("/join");
    assert.equal(await carol.next(/^!! /), "!! Usage: /join #room");
    await carol.type("/join #no");
    assert.equal(await carol.next(/^-- You are in/), "-- You are in #no. 1 person here: carol");
    await carol.type("/join #");
    assert.match(await carol.next(/^!! /), /^!! /);
  });

  await t.step(
    "going back to a room replays only what was said there since carol left",
    async () => {
      await carol.type("/join #dev");
      await carol.next(/^-- You are in #dev\b/);
      await carol.type("/leave");
      await carol.next(exactly("-- You are in #lobby. 1 person here: carol"));
      await alice.say("after carol left");
      await alice.next("message", (frame) => frame.text === "after carol left");
      await carol.type("/join #dev");
      await carol.next(/^-- You are in #dev\b/);
      await carol.next(stamped("alice: after carol left"));
      await carol.type("/leave");
      await carol.next(exactly("-- You are in #lobby. 1 person here: carol"));
      await carol.type("/rooms");
      await carol.next(/^-- Rooms: /);
      // Nothing carol saw in either room came again.
      const again = (text: string) => carol.lines.filter((line) => line.endsWith(text)).length;
      assert.equal(again("alice: lobby only"), 1, carol.lines.join("\n"));
      assert.equal(again("alice: in dev"), 1, carol.lines.join("\n"));
      assert.equal(again("alice: after carol left"), 1, carol.lines.join("\n"));
    },
  );
  assertPlain(carol);
});

Deno.test("startServer() cleans hostile text from and to text users", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await using carol = await TextClient.join(port, "carol");
  await using dave = await TextClient.join(port, "dave");
  const hostile = "look\x1b[2J\x1b[H here \x1b]52;c;aGFja2Vk\x07copied " +
    "\u202eevil\u202c \x9b31mred \x1b]0;title\x1b\\bell\x07 back\bspace";
  const expected = "look here copied evil red bell\ufffd back\ufffdspace";

  await t.step("a text user's escape sequences never reach the JSON user", async () => {
    assert.equal(sanitizeText(hostile).trim(), expected);
    await carol.type(hostile);
    const message = await alice.next("message", (frame) => frame.from === "carol");
    assert.equal(message.text, expected);
    assert.ok(isSafeText(message.text));
  });

  await t.step("nor another text user, nor the sender's own echo", async () => {
    await dave.next(stamped(`carol: ${expected}`));
    await carol.next(stamped(`carol: ${expected}`));
  });

  await t.step("a JSON user's escape sequences never reach text users", async () => {
    await alice.say(`\x1b[31mred\x1b[0m \x1b]8;;http://evil.example\x07link\x1b]8;;\x07 \u2066x`);
    await carol.next(stamped("alice: red link x"));
    await dave.next(stamped("alice: red link x"));
  });

  await t.step("a JSON user's line breaks cannot fake a line for text users", async () => {
    await alice.say("one\r\n[12:00:00] bob: fake\nthree");
    await dave.next(stamped("alice: one [12:00:00] bob: fake three"));
  });

  await t.step("not one ESC byte or control character arrived", () => {
    assertPlain(carol);
    assertPlain(dave);
  });
});

Deno.test("startServer() strips telnet negotiation from text input", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await using dave = await TextClient.connect(port);

  await t.step("negotiation before the name", async () => {
    await dave.write(bytes(
      [IAC, DO, ECHO],
      [IAC, WILL, TTYPE],
      [IAC, SB, TTYPE, 0x00],
      "xterm-256color",
      [IAC, SE],
      "dave\r\n",
    ));
    await dave.next(exactly("-- Connected to chat as dave. Type /help for commands"));
    assert.equal((await alice.next("joined")).name, "dave");
    assert.ok(dave.text.startsWith(GREETING), JSON.stringify(dave.text));
  });

  await t.step("negotiation in the middle of a line", async () => {
    await dave.write(bytes(
      "hel",
      [IAC, WILL, NAWS],
      "lo ",
      [IAC, SB, NAWS, 0, 80, 0, 24, IAC, SE],
      "wor",
      [IAC, NOP, IAC, DONT, ECHO, IAC, SB, TTYPE, IAC, IAC, 0x41, IAC, SE],
      "ld\r\n",
    ));
    assert.equal((await alice.next("message")).text, "hello world");
  });

  await t.step("negotiation split across writes", async () => {
    await dave.write(bytes("sp", [IAC]));
    await dave.write(bytes([SB, NAWS, 0, 80]));
    await dave.write(bytes([0, 24, IAC]));
    await dave.write(bytes([SE], "li", [IAC]));
    await dave.write(bytes([DO, ECHO], "t\r\n"));
    assert.equal((await alice.next("message")).text, "split");
  });

  await t.step("IAC IAC is a 0xFF data byte, which is not UTF-8", async () => {
    await dave.write(bytes("caf", [IAC, IAC], "\r\n"));
    assert.equal(await dave.next(/^!! /), "!! Cannot read line: it is not valid UTF-8");
    await dave.type("still here");
    assert.equal((await alice.next("message")).text, "still here");
  });

  await t.step("a stray 0xFF before a line end is data: the line ends there", async () => {
    await dave.write(bytes("caf", [IAC], "\r\n"));
    assert.equal(await dave.next(/^!! /), "!! Cannot read line: it is not valid UTF-8");
    await dave.write(bytes("na", [IAC], "ve\n"));
    assert.equal(await dave.next(/^!! /), "!! Cannot read line: it is not valid UTF-8");
    await dave.type("next line");
    assert.equal((await alice.next("message")).text, "next line");
  });

  await t.step("the server negotiates nothing back", async () => {
    await dave.sync();
    assertPlain(dave);
  });
});

Deno.test("startServer() ends a text line at CRLF or LF", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await using carol = await TextClient.connect(port);
  await carol.write("carol\n");
  await carol.next(exactly("-- Connected to chat as carol. Type /help for commands"));
  await carol.write("one\ntwo\r\nthree\r\r\nx\ry\n\n\r\nlast\n");
  const texts = [];
  for (let i = 0; i < 5; i++) texts.push((await alice.next("message")).text);
  assert.deepEqual(texts, ["one", "two", "three", "x y", "last"]);
  await carol.next(stamped("carol: last"));
  await alice.sync();
  assert.deepEqual(alice.all("error"), []);
  assertPlain(carol);
});

Deno.test("startServer() drops a byte order mark only at the start of a text connection", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await using carol = await TextClient.connect(port);
  await carol.write(bytes([0xef, 0xbb, 0xbf], "carol\n"));
  await carol.next(exactly("-- Connected to chat as carol. Type /help for commands"));
  // Anywhere after the first byte, U+FEFF is what the person typed, kept like U+200B.
  await carol.write("\ufeffhello\n x\ufeff \n\ufeff\nlast\n");
  const texts = [];
  for (let i = 0; i < 4; i++) texts.push((await alice.next("message")).text);
  assert.deepEqual(texts, ["\ufeffhello", "x\ufeff", "\ufeff", "last"]);
  await carol.next(stamped("carol: last"));
  assert.deepEqual(alice.all("error"), []);
});

Deno.test("startServer() applies the line and text limits to text users", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await using carol = await TextClient.join(port, "carol");

  await t.step("an oversized line is an error line and is dropped whole", async () => {
    await carol.write("x".repeat(3 * MAX_CLIENT_LINE_BYTES) + "tail\r\n");
    assert.equal(
      await carol.next(/^!! /),
      `!! Cannot read line: it is longer than ${MAX_CLIENT_LINE_BYTES} bytes`,
    );
  });

  await t.step("the next line is read normally", async () => {
    await carol.type("after");
    assert.equal((await alice.next("message")).text, "after");
    await carol.next(stamped("carol: after"));
  });

  await t.step("a line at the limit is read; its text is checked like any other", async () => {
    const bytes = MAX_CLIENT_LINE_BYTES - 2;
    await carol.type("y".repeat(bytes));
    assert.equal(
      await carol.next(/^!! /),
      `!! Cannot send message: it is ${bytes} bytes, more than the ${MAX_TEXT_BYTES} a message may hold`,
    );
    await carol.type("z".repeat(MAX_TEXT_BYTES));
    assert.equal((await alice.next("message")).text, "z".repeat(MAX_TEXT_BYTES));
  });

  await t.step("no part of a refused line reached the room", async () => {
    await alice.sync();
    assert.deepEqual(alice.all("message").map((frame) => frame.text.length), [5, MAX_TEXT_BYTES]);
    assert.equal(carol.ended, false);
  });
  assertPlain(carol);
});

Deno.test("startServer() says goodbye to a text user on /quit and closes", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");

  await t.step("/quit", async () => {
    await using carol = await TextClient.join(port, "carol");
    await alice.next("joined");
    await carol.type("/quit");
    await carol.closed();
    assert.equal(carol.lines.at(-1), "-- Disconnected: Goodbye");
    assert.ok(carol.text.endsWith("-- Disconnected: Goodbye\r\n"));
    assert.equal((await alice.next("left")).reason, "quit");
  });

  await t.step("/quit with a reason, and anything typed after it is ignored", async () => {
    await using dave = await TextClient.join(port, "dave");
    await alice.next("joined");
    await dave.write("/quit gone fishing\r\nafter quit\r\n");
    await dave.closed();
    assert.equal(dave.lines.at(-1), "-- Disconnected: Goodbye");
    assert.equal((await alice.next("left")).reason, "quit: gone fishing");
    await alice.sync();
    assert.deepEqual(alice.all("message"), []);
  });

  await t.step("closing the socket is a closed connection", async () => {
    const erin = await TextClient.join(port, "erin");
    await alice.next("joined");
    await erin[Symbol.asyncDispose]();
    assert.equal((await alice.next("left")).reason, "connection closed");
    await alice.sync();
    assert.equal(server.hub.size, 1);
  });

  await t.step("shutting down says why to text users", async () => {
    await using frank = await TextClient.join(port, "frank");
    await using nameless = await TextClient.connect(port);
    await nameless.write("\r\n   \r\n");
    await nameless.type("/who");
    await nameless.next(/^!! Cannot use "\/who"/);
    await nameless.expect(PROMPT);
    await server.close("Back soon");
    await frank.closed();
    await nameless.closed();
    assert.equal(frank.lines.at(-1), "-- Disconnected: Back soon");
    assert.equal(nameless.lines.at(-1), "-- Disconnected: Back soon");
    assertPlain(frank);
    assertPlain(nameless);
  });
});

Deno.test("startServer() ends a person's open name prompt before its goodbye", async (t) => {
  // The prompt "Your name: " has no line end: what follows it must start a line
  // of its own, or the goodbye reads "Your name: -- Disconnected: …".
  await using server = await startServer({
    hostname: LOOPBACK,
    port: 0,
    operators: parseOpFile("ann s3cret\n"),
  });
  const port = server.addr.port;

  await t.step("a ban is final: the refusal, then the goodbye, and no prompt", async () => {
    await using ann = await TestClient.join(port, "ann");
    await ann.say("/oper s3cret");
    await ann.next("notice");
    await ann.say("/ban eve 2h flooding");
    await ann.next("info", (frame) => frame.text.startsWith("You banned eve"));
    await using eve = await LineClient.connect(port);
    await eve.send("eve");
    await eve.closed();
    assert.match(
      eve.text,
      new RegExp(
        `^${
          escapeRegExp(GREETING)
        }!! Cannot join: ann banned you, for (2 h|1 h 59 min \\d+ s) more: ` +
          "flooding\r\n-- Disconnected: Banned\r\n$",
      ),
    );
  });

  await t.step(
    "at a shutdown, the silent and the refused are told on a line of its own",
    async () => {
      await using silent = await LineClient.connect(port);
      await silent.expect(GREETING);
      await using refused = await LineClient.connect(port);
      await refused.send("no such name");
      await refused.expect(`\r\n${PROMPT}`);
      await server.close("Back soon");
      await silent.closed();
      await refused.closed();
      assert.equal(silent.text, `${GREETING}\r\n-- Disconnected: Back soon\r\n`);
      assert.equal(
        refused.text,
        `${GREETING}!! Cannot use "no such name": a name cannot hold spaces; put _ - or . ` +
          `between its words. Pick another name\r\n${PROMPT}\r\n-- Disconnected: Back soon\r\n`,
      );
    },
  );
});

Deno.test("startServer() tells a person refused a name, past the hello deadline, on a line of its own", async () => {
  // A person has six times a program's time: 1.5 s here, said as 2 s.
  await using server = await startServer({ hostname: LOOPBACK, port: 0, handshake: 0.25 });
  await using refused = await LineClient.connect(server.addr.port);
  await refused.send("no such name");
  await refused.closed();
  assert.ok(
    refused.text.endsWith(`\r\n${PROMPT}\r\n-- Disconnected: No name given within 2 s\r\n`),
    JSON.stringify(refused.text),
  );
});

Deno.test("startServer() tells a person who typed part of a name, past the deadline, on a line of its own", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0, handshake: 0.25 });
  // Greeted first, then a letter typed (telnet in character mode sends each key), or typed
  // before the greeting: either way "Your name: " is open, with the letter after it.
  await using greeted = await LineClient.connect(server.addr.port);
  await greeted.expect(GREETING);
  await greeted.write("x");
  await using early = await LineClient.connect(server.addr.port);
  await early.write("x");
  for (const person of [greeted, early]) {
    await person.closed();
    assert.equal(person.text, `${GREETING}\r\n-- Disconnected: No name given within 2 s\r\n`);
  }
});

Deno.test("startServer() still speaks JSON after leading blank lines", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using alice = await TestClient.connect(server.addr.port);
  await alice.write("\r\n \t\n");
  await alice.send({ type: "hello", version: 1, name: "alice" });
  assert.equal((await alice.next("welcome")).name, "alice");
  await alice.sync();
  assert.deepEqual(alice.garbage, []);
});

Deno.test("startServer() keeps JSON framing for a client that was greeted in text", async () => {
  // The interactive CLI connects, then asks its user for a name: by the time
  // its hello goes out, the server has greeted the silent connection in text.
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using slow = await TextClient.connect(server.addr.port);
  await slow.expect(GREETING);
  await slow.write(encodeFrame({ type: "hello", version: 1, name: "slow" }));
  await slow.expect('"type":"room"');
  await slow.expect("\n");
  // Read the stream the way a JSON client does: lines that are not frames are skipped.
  const frames = new LineSplitter(MAX_SERVER_LINE_BYTES).push(slow.bytes).flatMap((line) => {
    const json = line.ok ? decodeJson(line.line) : undefined;
    const checked = json?.ok ? parseServerFrame(json.value) : undefined;
    return checked?.ok ? [checked.value] : [];
  });
  assert.deepEqual(frames.map((frame) => frame.type), ["welcome", "room"]);
  assert.equal(server.hub.size, 1);
});

const ncPath = (() => {
  try {
    const found = new Deno.Command("sh", {
      args: ["-c", "command -v nc"],
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    return found.success ? new TextDecoder().decode(found.stdout).trim() : undefined;
  } catch {
    return undefined;
  }
})();

Deno.test({
  name: ncPath === undefined
    ? "nc chats on the TCP port (ignored: nc is not installed; apt install netcat-openbsd)"
    : "nc chats on the TCP port",
  ignore: ncPath === undefined,
  async fn() {
    await using server = await startServer({ hostname: LOOPBACK, port: 0 });
    const port = server.addr.port;
    await using alice = await TestClient.join(port, "alice");
    await using nc = new Deno.Command(ncPath!, {
      args: [LOOPBACK, String(port)],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const stdin = nc.stdin.getWriter();
    let stdout = "";
    let wake = () => {};
    const reading = (async () => {
      for await (const chunk of nc.stdout.pipeThrough(new TextDecoderStream())) {
        stdout += chunk;
        wake();
      }
    })();
    const waitFor = (fragment: string) =>
      within(
        (async () => {
          while (!stdout.includes(fragment)) {
            await new Promise<void>((resolve) => wake = resolve);
          }
        })(),
        5_000,
        `${JSON.stringify(fragment)} from nc (stdout so far: ${JSON.stringify(stdout)})`,
      );

    await stdin.write(encoder.encode("nina\n"));
    await waitFor("-- You are in #lobby. 2 people here: alice, nina\r\n");
    assert.equal((await alice.next("joined")).name, "nina");
    await stdin.write(encoder.encode("hello from a real nc\n"));
    const message = await alice.next("message");
    assert.equal(message.from, "nina");
    assert.equal(message.text, "hello from a real nc");
    await alice.say("hi nina");
    await waitFor("] alice: hi nina\r\n");
    await stdin.write(encoder.encode("/quit\n"));
    await waitFor("-- Disconnected: Goodbye\r\n");
    await stdin.close();
    const status = await within(nc.status, 5_000, "nc to exit").catch((error) => {
      nc.kill();
      throw error;
    });
    await reading;
    assert.equal(status.success, true);
    assert.equal((await alice.next("left")).reason, "quit");
    assert.ok(stdout.startsWith(GREETING), JSON.stringify(stdout));
    assert.ok(!stdout.includes("\x1b"));
  },
});

Deno.test("startServer() shows a text user each further line of a message indented", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using alice = await TestClient.join2(server.addr.port, "alice");
  await using bob = await TextClient.join(server.addr.port, "bob");

  await t.step(
    "a message of several lines, its indentation kept, with CRLF line ends",
    async () => {
      await alice.send({
        type: "say",
        text: 'Traceback (most recent call last):\n  File "x.py", line 1\n\n\tmain()',
      });
      const first = await bob.next(stamped("alice: Traceback (most recent call last):"));
      const at = bob.text.indexOf(first);
      const rows = bob.text.slice(at).split("\r\n").slice(0, 4);
      assert.deepEqual(rows.slice(1), [
        `${" ".repeat(18)}  File "x.py", line 1`,
        "",
        `${" ".repeat(18)}    main()`,
      ]);
      assert.equal(rows[0]!.indexOf("Traceback"), 18);
      assertPlain(bob);
    },
  );

  await t.step("a code block, without its fences", async () => {
    await alice.send({ type: "say", text: "```python\nif ok:\n    run()\n```" });
    const first = await bob.next(stamped("alice:"));
    const at = bob.text.lastIndexOf(`${first}\r\n`);
    assert.deepEqual(bob.text.slice(at).split("\r\n").slice(1, 3), [
      `${" ".repeat(18)}if ok:`,
      `${" ".repeat(18)}    run()`,
    ]);
  });

  await t.step("an empty code block, without its fences either", async () => {
    for (const text of ["```\n```", "```\n\n```"]) {
      await alice.send({ type: "say", text });
      await alice.send({ type: "say", text: "after it" });
      const lines = await bob.until(/alice: after it$/);
      assert.ok(!lines.some((line) => line.includes("```")), lines.join("\n"));
      assert.ok(lines.some((line) => /alice:$/.test(line)), lines.join("\n"));
    }
  });

  await t.step("each line a text user types is a message of its own", async () => {
    await bob.type("one\ttwo");
    assert.equal((await alice.next("message", (frame) => frame.from === "bob")).text, "one two");
  });
});

Deno.test("startServer() tells a text user an operator's rename in one line, who made it included", async () => {
  await using server = await startServer({
    hostname: LOOPBACK,
    port: 0,
    operators: parseOpFile("ann s3cret\n"),
  });
  const port = server.addr.port;
  await using ann = await TestClient.join(port, "ann");
  await ann.say("/oper s3cret");
  await ann.next("notice");
  await using bob = await TextClient.join(port, "bob");
  await using carol = await TextClient.join(port, "carol");
  await ann.next("joined", (frame) => frame.name === "carol");
  await ann.say("/rename bob robert");
  await ann.say("after");
  for (const client of [carol, bob]) {
    const lines = await client.until(stamped("ann: after"));
    const told = lines.filter((line) => /robert/.test(line));
    assert.equal(told.length, 1, lines.join("\n"));
    // bob reads it as his own rename.
    const text = client === bob ? "ann renamed you (bob) to robert" : "ann renamed bob to robert";
    assert.match(told[0]!, stampedNotice(text));
  }
});

Deno.test("startServer() shows a text user's /who and /names who is away, since when and why, and who is an operator", async () => {
  await using server = await startServer({
    hostname: LOOPBACK,
    port: 0,
    operators: parseOpFile("ann s3cret\n"),
  });
  const port = server.addr.port;
  await using ann = await TestClient.join(port, "ann");
  await ann.say("/oper s3cret");
  await ann.next("notice");
  await using carol = await TestClient.join(port, "carol");
  await carol.say("/away lunch");
  await carol.next("away");
  await using ned = await TextClient.join(port, "ned");
  for (const asked of ["/who", "/names #lobby"]) {
    await ned.type(asked);
    const [line] = (await ned.until(/^-- #lobby: 3 people here: /)).slice(-1);
    assert.match(line!, /\bann \(operator\b/, asked);
    assert.match(line!, /\bcarol \(away since \d{2}:\d{2}: lunch\b/, asked);
    assert.match(line!, /\bned\b/, asked);
  }
});

Deno.test("startServer() sends /help to a text user in rows of 80 columns at most, every command in it", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using carol = await TextClient.join(server.addr.port, "carol");
  await carol.type("/help");
  await carol.next(exactly("-- Commands:"));
  await carol.sync();
  const rows = carol.text.split("\r\n").map(stripPrompts);
  const help = rows.slice(
    rows.indexOf("-- Commands:"),
    rows.findIndex((row) => row.startsWith("-- #lobby:")),
  );
  for (const row of help) assert.ok(textWidth(row) <= 80, `${textWidth(row)} columns: "${row}"`);
  // Cut at spaces only: a row goes on under its words, and every word is still there.
  for (const row of help.slice(1)) assert.match(row, /^(?:-- {3}\/| {5,})\S/, row);
  const words = help.join(" ").replace(/\s+/g, " ");
  assert.match(
    words,
    /\/search TEXT find the newest 50 messages of this room with all these words/,
  );
  assert.match(
    words,
    /\/ban NAME\|ADDRESS keep someone out, for DURATION .* \[DURATION\] \[REASON\]/,
  );
});
