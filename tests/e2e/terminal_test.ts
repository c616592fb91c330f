/**
 * End-to-end tests of the terminal client: the real `chat join` runs in tmux,
 * against a real server, and is driven key by key as a person would.
 */

import assert from "node:assert/strict";
import { colorOf } from "../../core/palette.ts";
import { type ServerOptions, startServer } from "../../server.ts";
import { parseOpFile } from "../../server/hub/moderation.ts";
import { encodeFrame, PROTOCOL_VERSION, type ServerFrame } from "../../protocol.ts";
import { TestClient, within } from "../_test_utils.ts";
import { countLines, TerminalUser, TODAY_STAMP } from "./_terminal_user.ts";
import {
  joinCommand,
  ROOT,
  type Screen,
  shellQuote,
  Tmux,
  TMUX_VERSION,
  waitFor,
} from "./_tmux.ts";

const STAMP = String.raw`\[\d\d:\d\d:\d\d\]`;
const PROMPT = "#lobby> ";

/** Runs `command` in `sh`, then prints its exit status and keeps the pane open to read it. */
function reportingExit(command: string): string {
  return `sh -c ${shellQuote(`${command}; echo EXIT=$?; sleep 30`)}`;
}

/** A line that is a chat message: stamp, then `from: text`, and nothing else. */
function messageLine(from: string, text: string): RegExp {
  return new RegExp(`^${STAMP} ${from}: ${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
}

function indexOfLine(screen: Screen, pattern: RegExp): number {
  return screen.lines.findIndex((line) => pattern.test(line));
}

/** How many lines of `screen` hold `text`. */
function countOf(screen: Screen, text: string): number {
  return screen.lines.filter((line) => line.toLowerCase().includes(text.toLowerCase())).length;
}

function hasLine(screen: Screen, pattern: RegExp): boolean {
  return indexOfLine(screen, pattern) >= 0;
}

/**
 * Runs `fn` with a server on a free loopback port, started with `options`,
 * and a private tmux server, both stopped after.
 */
function e2eTest(
  name: string,
  fn: (tmux: Tmux, port: number) => Promise<void>,
  options: ServerOptions = {},
): void {
  Deno.test({
    name: TMUX_VERSION === undefined ? `${name} (ignored: tmux is not installed)` : name,
    ignore: TMUX_VERSION === undefined,
    async fn() {
      await using server = await startServer({ ...options, hostname: "127.0.0.1", port: 0 });
      const tmux = new Tmux();
      try {
        await fn(tmux, server.addr.port);
      } finally {
        await tmux.kill();
      }
    },
  });
}

/** Starts `chat join --name <name>` in session `name` and waits for its empty input line. */
async function join(
  tmux: Tmux,
  port: number,
  name: string,
  env: Record<string, string> = {},
): Promise<Screen> {
  await tmux.newSession(name, joinCommand(port, "--name", name), { cwd: ROOT, env });
  return await waitForPrompt(tmux, name, name);
}

async function waitForPrompt(tmux: Tmux, session: string, name: string): Promise<Screen> {
  return await tmux.waitForScreen(
    session,
    (screen) =>
      screen.lines.some((line) => line.includes(`Connected to chat as ${name}.`)) &&
      screen.cursorLine === PROMPT.trimEnd() && screen.cursor.x === PROMPT.length,
    10_000,
    `${name} to be connected, at an empty "${PROMPT}" input line`,
  );
}

/**
 * Types `text` at the end of the input line and waits until the line shows it,
 * so that later keys act on all of it.
 */
async function typeAndSee(tmux: Tmux, session: string, text: string): Promise<Screen> {
  const { cursorLine, cursor } = await tmux.capture(session);
  const expected = cursorLine.padEnd(cursor.x) + text;
  await tmux.type(session, text);
  return await tmux.waitForScreen(
    session,
    (screen) => screen.cursorLine === expected.trimEnd() && screen.cursor.x === expected.length,
    5_000,
    `the input line to read "${expected}"`,
  );
}

e2eTest("chat join: two people in tmux see each other's stamped messages", async (tmux, port) => {
  await Promise.all([join(tmux, port, "alice"), join(tmux, port, "bob")]);

  await typeAndSee(tmux, "alice", "hi bob, it is alice");
  await tmux.press("alice", "Enter");
  const said = messageLine("alice", "hi bob, it is alice");
  await tmux.waitForScreen("bob", (screen) => hasLine(screen, said), 5_000, `"${said.source}"`);
  const alice = await tmux.waitForScreen(
    "alice",
    (screen) => hasLine(screen, said) && screen.cursorLine === PROMPT.trimEnd(),
    5_000,
    `her own stamped message and an empty input line`,
  );
  assert.equal(
    alice.lines.filter((line) => line.includes("hi bob, it is alice")).length,
    1,
    `the unstamped input line should be replaced by the stamped message:\n${alice.text}`,
  );

  await typeAndSee(tmux, "bob", "hello alice");
  await tmux.press("bob", "Enter");
  const reply = messageLine("bob", "hello alice");
  await tmux.waitForScreen("alice", (screen) => hasLine(screen, reply), 5_000, `"${reply.source}"`);
});

e2eTest(
  "chat join: a message arriving mid-typing keeps the half-typed line and the cursor",
  async (tmux, port) => {
    await Promise.all([join(tmux, port, "alice"), join(tmux, port, "bob")]);

    await typeAndSee(tmux, "alice", "hello wor");
    await tmux.press("alice", "Left", "Left", "Left");
    const column = `${PROMPT}hello wor`.length - 3;
    await tmux.waitForScreen(
      "alice",
      (screen) => screen.cursor.x === column,
      5_000,
      `the cursor at column ${column}`,
    );

    await typeAndSee(tmux, "bob", "news from bob");
    await tmux.press("bob", "Enter");
    const news = messageLine("bob", "news from bob");
    await tmux.waitForScreen(
      "alice",
      (screen) =>
        hasLine(screen, news) && indexOfLine(screen, news) < screen.cursor.y &&
        screen.cursorLine === `${PROMPT}hello wor` && screen.cursor.x === column,
      5_000,
      `bob's message above the input line "${PROMPT}hello wor", cursor still at column ${column}`,
    );

    await tmux.type("alice", "X");
    await tmux.waitForScreen(
      "alice",
      (screen) => screen.cursorLine === `${PROMPT}hello Xwor`,
      5_000,
      `"X" typed where the cursor was`,
    );
    await tmux.press("alice", "Enter");
    const sent = messageLine("alice", "hello Xwor");
    await tmux.waitForScreen("bob", (screen) => hasLine(screen, sent), 5_000, `"${sent.source}"`);
  },
);

/**
 * The rows from the first that matches `first` on, while the next ones start
 * with `indent` spaces: a line as the client wrapped it. Empty if none matches.
 */
function wrappedRows(screen: Screen, first: RegExp, indent: number): string[] {
  const top = indexOfLine(screen, first);
  if (top < 0) return [];
  const rows = [screen.lines[top]!];
  for (const row of screen.lines.slice(top + 1)) {
    if (!row.startsWith(" ".repeat(indent)) || row[indent] === " ") break;
    rows.push(row);
  }
  return rows;
}

/** Checks that `rows` fit in `columns` and read `text` once joined, no word cut. */
function assertWrapped(rows: string[], text: RegExp, columns: number, screen: Screen): void {
  assert.ok(rows.length > 1, `a line wrapped in rows:\n${screen.text}`);
  for (const row of rows) assert.ok(row.length <= columns, `"${row}" fits:\n${screen.text}`);
  assert.match(rows.map((row) => row.trim()).join(" "), text, screen.text);
}

e2eTest(
  "chat join: a long line wraps at its spaces, under its words, at 80 and at 40 columns",
  async (tmux, port) => {
    await using bob = await TestClient.join(port, "bob");
    const long = "This is a very long message that goes on past the edge of the screen so " +
      "that it has to wrap under the words of the first line";
    const refusal = "Cannot show history here: private messages are not kept; /switch to a room " +
      "first";
    for (const columns of [80, 40]) {
      const ann = await TerminalUser.join(tmux, `ann${columns}`, port, {
        width: columns,
        height: 24,
      });
      await bob.next("joined", (frame) => frame.name === `ann${columns}`);
      await ann.type("half typed");
      await bob.say(long);
      const start = new RegExp(`^${STAMP} bob: This is`);
      const screen = await ann.waitFor(
        (screen) =>
          wrappedRows(screen, start, 16).join(" ").endsWith("first line") &&
          screen.cursorLine === `${PROMPT}half typed` &&
          screen.cursor.x === `${PROMPT}half typed`.length,
        `bob's message wrapped under its words above "${PROMPT}half typed"`,
      );
      assertWrapped(
        wrappedRows(screen, start, 16),
        messageLine("bob", long),
        columns,
        screen,
      );
      assert.ok(indexOfLine(screen, start) < screen.cursor.y, screen.text);
      assert.ok(screen.lines.slice(screen.cursor.y + 1).every((row) => row === ""), screen.text);

      await ann.clearInput();
      await ann.enter("/switch @bob");
      await ann.enter("/history");
      const refused = await ann.waitFor(
        (screen) => wrappedRows(screen, /^!! Cannot show history/, 3).join(" ").endsWith("first"),
        "the refusal of /history, wrapped under its words",
      );
      assertWrapped(
        wrappedRows(refused, /^!! Cannot show history/, 3),
        new RegExp(`^!! ${refusal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`),
        columns,
        refused,
      );
    }
  },
);

/** Eighty characters of words, each once: a line that wraps at 50 columns, and again at 70. */
const WORDS = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron";

e2eTest(
  "chat join: an indented line too long for the terminal wraps under its own text",
  async (tmux, port) => {
    await using bob = await TestClient.join2(port, "bob");
    const ann = await TerminalUser.join(tmux, "ann", port, { width: 50, height: 20 });
    await bob.next("joined", (frame) => frame.name === "ann");
    // Lines that fill the screen, so that a change of width draws them all again.
    for (let n = 1; n <= 10; n++) await bob.say(`filler ${n}`);
    await ann.waitForLine(/ bob: filler 10$/);

    // A draft of three lines, typed with Alt+Enter between them; and a code block.
    await ann.type("def f():");
    await ann.press("M-Enter");
    await tmux.type("ann", `        ${WORDS}`);
    await ann.press("M-Enter");
    await tmux.type("ann", "    return 1");
    await ann.press("Enter");
    const typed = `def f():\n        ${WORDS}\n    return 1`;
    assert.equal((await bob.next("message", (frame) => frame.from === "ann")).text, typed);
    const reversed = WORDS.split(" ").reverse().join(" ");
    await bob.say(`\`\`\`python\nclass A:\n        ${reversed}\n\`\`\``);

    // Each indented line's rows start under its own text: the words' column (16) and its 8
    // spaces; the line after ann's keeps its own 4.
    const under = (screen: Screen, words: string, columns: number) => {
      const first = new RegExp(`^ {24}${words.split(" ")[0]} `);
      const rows = wrappedRows(screen, first, 24);
      // Filled at this width: the next row's first word would not have fitted on a row.
      const full = (row: string, index: number) =>
        index + 1 === rows.length ||
        row.length + 1 + rows[index + 1]!.trim().split(" ")[0]!.length > columns;
      return rows.length > 1 && rows.every((row) => row.length <= columns) &&
        rows.every(full) && rows.map((row) => row.trim()).join(" ") === words;
    };
    const shaped = (screen: Screen, columns: number) =>
      under(screen, WORDS, columns) && under(screen, reversed, columns) &&
      hasLine(screen, /^ {20}return 1$/) && hasLine(screen, /^ {16}class A:$/);
    for (const columns of [50, 70]) {
      if (columns !== 50) await tmux.resize("ann", columns);
      await ann.waitFor(
        (screen) => shaped(screen, columns),
        `both indented lines wrapped under their own text at ${columns} columns`,
      );
    }
  },
);

/** Reads from `conn` up to the end of the first line. */
/** Reads lines from `conn` until one is a `hello` frame, and returns that line. */
async function readHello(conn: Deno.Conn): Promise<string> {
  const buffer = new Uint8Array(4096);
  let text = "";
  while (true) {
    const hello = text.split("\n").find((line) => line.includes('"type":"hello"'));
    if (hello !== undefined) return hello;
    const count = await conn.read(buffer);
    if (count === null) throw new Error(`Connection closed after ${JSON.stringify(text)}`);
    text += new TextDecoder().decode(buffer.subarray(0, count));
  }
}

/** Text that would clear the screen, set the title, write the clipboard, turn red and forge a line. */
const HOSTILE =
  "start\x1b[2J\x1b]0;pwned\x07\x1b]52;c;cHduZWQ=\x07\x1b[31mred\r\n[12:00:00] bob: fake";

/**
 * Waits for {@linkcode HOSTILE} from mallory on `session` and checks that it
 * did none of what it tried: the screen, title, clipboard and colours are as
 * they were, and the text stayed on mallory's line.
 */
async function assertHarmless(tmux: Tmux, session: string, title: string, earlier: string[]) {
  const screen = await tmux.waitForScreen(
    session,
    (screen) => screen.lines.some((line) => line.includes("fake")),
    5_000,
    "mallory's message",
  );
  const row = indexOfLine(screen, /fake/);
  const line = screen.lines[row]!;
  assert.match(
    line,
    new RegExp(`^${STAMP} mallory: start.*red.*\\[12:00:00\\] bob: fake$`),
    "the whole message on mallory's line",
  );
  assert.ok(!hasLine(screen, /^\[12:00:00\] bob: fake/), `a forged line:\n${screen.text}`);
  for (const text of earlier) {
    assert.ok(
      screen.lines.some((line) => line.includes(text)),
      `"${text}" was cleared:\n${screen.text}`,
    );
  }
  const titleAfter = await tmux.display(session, "#{pane_title}");
  assert.notEqual(titleAfter, "pwned", "the pane title was set by mallory");
  assert.equal(titleAfter, title, "the pane title changed");
  assert.equal(await tmux.run("list-buffers"), "", "mallory wrote the clipboard (OSC 52)");
  const red = screen.cells.flatMap((cells, y) =>
    cells.flatMap((cell, x) => cell.fg === "31" || cell.fg === "38;5;1" ? [`${x},${y}`] : [])
  );
  assert.deepEqual(red, [], `red cells on the screen:\n${screen.text}`);
  const styled = screen.cells[row]!.slice(line.indexOf("start")).filter((cell) =>
    cell.fg !== undefined
  );
  assert.deepEqual(styled, [], "mallory's text should be drawn in the default colour");
}

e2eTest(
  "chat join: escape sequences from another user do not reach the terminal",
  async (tmux, port) => {
    await join(tmux, port, "alice");
    // tmux keeps OSC 52 clipboard writes from programs only when this is on.
    await tmux.run("set-option", "-s", "set-clipboard", "on");
    await using mallory = await TestClient.join(port, "mallory");
    await tmux.waitForScreen(
      "alice",
      (screen) => screen.lines.some((line) => line.includes("mallory joined #lobby")),
      5_000,
      "mallory's arrival",
    );
    const title = await tmux.display("alice", "#{pane_title}");

    await mallory.say(HOSTILE);
    await assertHarmless(tmux, "alice", title, ["Connected to chat as alice.", "mallory joined"]);
  },
);

e2eTest(
  "chat join: escape sequences from a hostile server do not reach the terminal",
  async (tmux) => {
    // The real server cleans text too; this fake one does not, so the client's own defence is
    // tested. It says hello back and sends mallory's message as it is.
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    await tmux.newSession("alice", joinCommand(listener.addr.port, "--name", "alice"), {
      cwd: ROOT,
    });
    using conn = await within(listener.accept(), 10_000, "the client to connect");
    await tmux.run("set-option", "-s", "set-clipboard", "on");
    const hello = await within(readHello(conn), 5_000, "the client's hello");
    assert.equal(JSON.parse(hello).name, "alice");
    const send = (frame: ServerFrame) => conn.write(new TextEncoder().encode(encodeFrame(frame)));
    await send({ type: "welcome", version: PROTOCOL_VERSION, server: "chat", name: "alice" });
    await send({ type: "room", room: "#lobby", members: ["alice", "mallory"], count: 2 });
    await waitForPrompt(tmux, "alice", "alice");
    const title = await tmux.display("alice", "#{pane_title}");

    await send({
      type: "message",
      id: 1,
      ts: Date.now(),
      room: "#lobby",
      from: "mal\x1b[31mlory",
      text: HOSTILE,
    });
    await assertHarmless(tmux, "alice", title, ["Connected to chat as alice.", "2 people here"]);
  },
);

e2eTest("chat join: Tab completes names and commands", async (tmux, port) => {
  await using _bob = await TestClient.join(port, "bob");
  await join(tmux, port, "alice");
  await tmux.waitForScreen(
    "alice",
    (screen) => screen.lines.some((line) => /2 people here: .*bob/.test(line)),
    5_000,
    "bob in the member list",
  );

  await typeAndSee(tmux, "alice", "b");
  await tmux.press("alice", "Tab");
  await tmux.waitForScreen(
    "alice",
    (screen) =>
      screen.cursorLine === `${PROMPT}bob:` && screen.cursor.x === `${PROMPT}bob: `.length,
    5_000,
    `"${PROMPT}bob: " with the cursor after the space`,
  );

  // An alias is no choice of its own: /j is /join's, and the list of commands names each once.
  for (const typed of ["/jo", "/j"]) {
    await tmux.press("alice", "C-u");
    await tmux.waitForScreen("alice", (s) => s.cursorLine === PROMPT.trimEnd(), 5_000, "empty");
    await typeAndSee(tmux, "alice", typed);
    await tmux.press("alice", "Tab");
    await tmux.waitForScreen(
      "alice",
      (screen) =>
        screen.cursorLine === `${PROMPT}/join` && screen.cursor.x === `${PROMPT}/join `.length,
      5_000,
      `"${typed}" completed to "${PROMPT}/join " with the cursor after the space`,
    );
  }
  await tmux.press("alice", "C-u");
  await tmux.waitForScreen("alice", (s) => s.cursorLine === PROMPT.trimEnd(), 5_000, "empty");
  await typeAndSee(tmux, "alice", "/");
  await tmux.press("alice", "Tab");
  await tmux.waitForInputRead("alice");
  await tmux.press("alice", "Tab");
  const listed = await tmux.waitForScreen(
    "alice",
    (screen) => hasLine(screen, /\/switch\b/),
    5_000,
    "the commands listed by a second Tab",
  );
  for (const alias of ["/j", "/m", "/tell", "/names", "/afk"]) {
    assert.ok(
      !listed.lines.some((line) => line.split(/\s+/).includes(alias)),
      `${alias} listed:\n${listed.text}`,
    );
  }
});

e2eTest("chat join: Up recalls the lines sent before", async (tmux, port) => {
  await join(tmux, port, "alice");
  for (const text of ["first line", "second line"]) {
    await typeAndSee(tmux, "alice", text);
    await tmux.press("alice", "Enter");
    await tmux.waitForScreen(
      "alice",
      (screen) =>
        hasLine(screen, messageLine("alice", text)) && screen.cursorLine === PROMPT.trimEnd(),
      5_000,
      `"${text}" sent`,
    );
  }

  await tmux.press("alice", "Up");
  await tmux.waitForScreen(
    "alice",
    (screen) => screen.cursorLine === `${PROMPT}second line`,
    5_000,
    "the last line recalled",
  );
  await tmux.press("alice", "Up");
  await tmux.waitForScreen(
    "alice",
    (screen) => screen.cursorLine === `${PROMPT}first line`,
    5_000,
    "the line before recalled",
  );
  await tmux.press("alice", "Enter");
  await tmux.waitForScreen(
    "alice",
    (screen) =>
      screen.lines.filter((line) => messageLine("alice", "first line").test(line)).length === 2,
    5_000,
    `"first line" sent a second time`,
  );
});

e2eTest("chat join: Ctrl-C, Ctrl-D and /quit leave cleanly", async (tmux, port) => {
  await using watcher = await TestClient.join(port, "watcher");
  const ways: [string, string, (session: string) => Promise<void>][] = [
    ["Ctrl-C", "ctrl-c", (session) => tmux.press(session, "C-c")],
    ["Ctrl-D", "ctrl-d", (session) => tmux.press(session, "C-d")],
    ["/quit", "quit", async (session) => {
      await typeAndSee(tmux, session, "/quit");
      await tmux.press(session, "Enter");
    }],
  ];
  for (const [way, session, leave] of ways) {
    await tmux.newSession(session, reportingExit(joinCommand(port, "--name", "alice")), {
      cwd: ROOT,
    });
    await waitForPrompt(tmux, session, "alice");
    await watcher.next("joined", (frame) => frame.name === "alice");

    await leave(session);
    const screen = await tmux.waitForScreen(
      session,
      (screen) => screen.lines.some((line) => line.includes("EXIT=")),
      10_000,
      `the client to exit after ${way}`,
    );
    assert.ok(
      hasLine(screen, /^EXIT=0$/),
      `${way}: expected "EXIT=0" alone at the start of a line:\n${screen.text}`,
    );
    assert.ok(!hasLine(screen, /^chat: /), `${way}: an error was printed:\n${screen.text}`);
    assert.ok(hasLine(screen, /^-- Disconnected: Goodbye$/), `${way}: no goodbye:\n${screen.text}`);
    const left = await watcher.next("left", (frame) => frame.name === "alice");
    assert.equal(left.reason, "quit", `${way}: the reason given for leaving`);
  }
});

e2eTest(
  "chat join: kicked or banned, says by whom and why, and exits 1 with the terminal restored",
  async (tmux, port) => {
    await using ann = await TestClient.join(port, "ann");
    await ann.say("/oper s3cret");
    await ann.next("notice", (frame) => /^ann is an operator/.test(frame.text));
    const ways: [string, string, string][] = [
      ["kick", "/kick eve flooding", "You were kicked by ann: flooding"],
      ["ban", "/ban eve 60 spam", "You were banned by ann for 1 h: spam"],
    ];
    for (const [way, command, reason] of ways) {
      // The terminal's settings before and after the client, then whether pastes come bracketed.
      const script = `before=$(stty -g); ${joinCommand(port, "--name", "eve")}; echo EXIT=$?; ` +
        `[ "$(stty -g)" = "$before" ] && echo TTY=restored; echo END; exec cat -v`;
      await tmux.newSession(way, `sh -c ${shellQuote(script)}`, { cwd: ROOT });
      await waitForPrompt(tmux, way, "eve");
      await ann.next("joined", (frame) => frame.name === "eve");
      await ann.say(command);
      const screen = await tmux.waitForScreen(
        way,
        (screen) => hasLine(screen, /^END$/),
        10_000,
        `the client to exit after a ${way}`,
      );
      // Said once, on standard error, once the terminal is restored.
      const said = `chat: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`;
      const after = screen.lines.slice(screen.lines.indexOf(said));
      assert.deepEqual(after.slice(0, 3), [
        said,
        "EXIT=1",
        "TTY=restored",
      ], `${way}: what the screen shows at the end:\n${screen.text}`);
      assert.equal(countOf(screen, reason), 1, `${way}: the reason said once:\n${screen.text}`);
      await tmux.run("set-buffer", "-b", way, "after", ";", "paste-buffer", "-p", "-b", way);
      const pasted = await tmux.waitForScreen(
        way,
        (screen) => hasLine(screen, /after/),
        5_000,
        `${way}: the paste echoed by the terminal`,
      );
      assert.ok(hasLine(pasted, /^after$/), `${way}: pasted with brackets:\n${pasted.text}`);
      if (way === "ban") await ann.say("/unban eve");
    }
  },
  { operators: parseOpFile("ann s3cret\n") },
);

e2eTest("chat join: without --name asks for one until it is free", async (tmux, port) => {
  await using bob = await TestClient.join(port, "bob");
  await tmux.newSession("alice", joinCommand(port), { cwd: ROOT });
  const asked = await tmux.waitForScreen(
    "alice",
    (screen) => screen.cursorLine.startsWith("Your name"),
    10_000,
    `the question "Your name"`,
  );
  const question = asked.cursorLine;

  await typeAndSee(tmux, "alice", "bob");
  await tmux.press("alice", "Enter");
  const refused = await tmux.waitForScreen(
    "alice",
    (screen) =>
      hasLine(screen, /"bob".*\btaken\b/) && screen.cursorLine === question &&
      screen.cursor.y > indexOfLine(screen, /"bob".*\btaken\b/),
    5_000,
    `a message that "bob" is taken, then the question again`,
  );
  assert.ok(!hasLine(refused, /Connected to chat/), `joined as bob:\n${refused.text}`);

  await typeAndSee(tmux, "alice", "alice");
  await tmux.press("alice", "Enter");
  await waitForPrompt(tmux, "alice", "alice");
  await bob.next("joined", (frame) => frame.name === "alice");
});

e2eTest(
  "chat join: a user name the rules of names refuse is not offered as the name",
  async (tmux, port) => {
    await using bob = await TestClient.join(port, "bob");
    // Reserved (root, host), or against the rules (a space): no server would take them.
    const users = [["root", "root"], ["host", "Host"], ["spaced", "ann smith"]];
    for (const [session, user] of users) {
      await tmux.newSession(session!, joinCommand(port), {
        cwd: ROOT,
        env: { USER: user!, LOGNAME: user! },
      });
      const asked = await tmux.waitForScreen(
        session!,
        (screen) => screen.cursorLine.startsWith("Your name"),
        10_000,
        `the question "Your name" for user ${user}`,
      );
      assert.equal(asked.cursorLine, "Your name:", asked.text);
    }
    // A user name that may be one is offered, and Enter takes it.
    await tmux.newSession("dee", joinCommand(port), { cwd: ROOT, env: { USER: "dee" } });
    await tmux.waitForScreen(
      "dee",
      (screen) => screen.cursorLine === "Your name [dee]:",
      10_000,
      `the question "Your name [dee]"`,
    );
    await tmux.press("dee", "Enter");
    await waitForPrompt(tmux, "dee", "dee");
    await bob.next("joined", (frame) => frame.name === "dee");
  },
);

{
  const logged: string[] = [];
  /** Waits until the server has dropped one more connection for want of a hello. */
  const dropped = async (count: number) =>
    await waitFor(
      () => Promise.resolve(logged.filter((line) => line.includes("no name given")).length),
      (drops) => drops >= count,
      10_000,
      (drops) => `for the server to give up waiting for hello number ${count} (${drops})`,
    );
  e2eTest(
    "chat join: a name and a password answered after the server gave up waiting still get in",
    async (tmux, port) => {
      await using bob = await TestClient.connect(port);
      await bob.send({ type: "hello", version: PROTOCOL_VERSION, name: "bob", password: "s3cret" });
      await bob.next("room");
      await tmux.newSession("alice", reportingExit(joinCommand(port)), { cwd: ROOT });
      await tmux.waitForScreen(
        "alice",
        (screen) => screen.cursorLine.startsWith("Your name"),
        10_000,
        `the question "Your name"`,
      );
      // A person takes longer to answer than a server waits for a program's hello.
      await dropped(1);
      await typeAndSee(tmux, "alice", "alice");
      await tmux.press("alice", "Enter");
      await tmux.waitForScreen(
        "alice",
        (screen) => screen.cursorLine.startsWith("Password:"),
        10_000,
        `the question "Password:"`,
      );
      await dropped(2);
      await tmux.type("alice", "s3cret");
      await tmux.waitForInputRead("alice");
      await tmux.press("alice", "Enter");
      const screen = await waitForPrompt(tmux, "alice", "alice");
      await bob.next("joined", (frame) => frame.name === "alice");
      assert.ok(!hasLine(screen, /hello|EXIT=|Reconnecting|no answer/i), screen.text);
    },
    { handshake: 0.25, password: "s3cret", log: (line) => logged.push(line) },
  );
}

e2eTest(
  "chat join: Ctrl-C clears the line being typed, which Up brings back; on an empty line it leaves",
  async (tmux, port) => {
    await using watcher = await TestClient.join(port, "watcher");
    await tmux.newSession("alice", reportingExit(joinCommand(port, "--name", "alice")), {
      cwd: ROOT,
    });
    await waitForPrompt(tmux, "alice", "alice");
    await typeAndSee(tmux, "alice", "half a thought");
    await tmux.press("alice", "C-c");
    await tmux.waitForScreen(
      "alice",
      (screen) => screen.cursorLine === PROMPT.trimEnd() && screen.cursor.x === PROMPT.length,
      5_000,
      "the input line cleared, the client still there",
    );
    await tmux.press("alice", "Up");
    await tmux.waitForScreen(
      "alice",
      (screen) => screen.cursorLine === `${PROMPT}half a thought`,
      5_000,
      "Up to bring the line back",
    );
    // Cleared, the line was not sent: the next one is the first the others get.
    await tmux.press("alice", "C-u");
    await tmux.waitForScreen(
      "alice",
      (screen) => screen.cursorLine === PROMPT.trimEnd() && screen.cursor.x === PROMPT.length,
      5_000,
      "Ctrl-U to empty the line",
    );
    await typeAndSee(tmux, "alice", "a whole one");
    await tmux.press("alice", "Enter");
    const said = await watcher.next("message");
    assert.equal(said.text, "a whole one");
    await tmux.waitForScreen("alice", (screen) => hasLine(screen, messageLine("alice", said.text)));
    await tmux.press("alice", "C-c");
    const screen = await tmux.waitForScreen(
      "alice",
      (screen) => hasLine(screen, /EXIT=/),
      10_000,
      "the client to exit on Ctrl-C at an empty line",
    );
    assert.ok(hasLine(screen, /^EXIT=0$/), screen.text);
  },
);

e2eTest(
  "chat join: Ctrl-C or Ctrl-D at the name or password question leaves, exit code 0",
  async (tmux, port) => {
    // Ctrl-C leaves whatever was typed; Ctrl-D only on an empty answer.
    const ways: [string, string, string[], string][] = [
      ["name-ctrl-c", "C-c", [], "ann"],
      ["name-ctrl-d", "C-d", [], ""],
      ["password-ctrl-c", "C-c", ["--name", "ann"], "guess"],
      ["password-ctrl-d", "C-d", ["--name", "ann"], ""],
    ];
    for (const [session, key, args, typed] of ways) {
      await tmux.newSession(session, reportingExit(joinCommand(port, ...args)), { cwd: ROOT });
      const question = args.length === 0 ? "Your name" : "Password:";
      await tmux.waitForScreen(
        session,
        (screen) => screen.cursorLine.startsWith(question),
        10_000,
        `the question "${question}"`,
      );
      // A password is not shown as it is typed.
      if (typed !== "") await tmux.type(session, typed);
      await tmux.waitForInputRead(session);
      await tmux.press(session, key);
      const screen = await tmux.waitForScreen(
        session,
        (screen) => hasLine(screen, /EXIT=/),
        10_000,
        `${session}: the client to exit`,
      );
      assert.ok(hasLine(screen, /^EXIT=0$/), `${session}: exit code 0:\n${screen.text}`);
      assert.ok(!hasLine(screen, /^chat: /), `${session}: an error was printed:\n${screen.text}`);
    }
  },
  { password: "s3cret" },
);

e2eTest(
  "chat join: a name or a password answered is no line sent: Up does not bring it back",
  async (tmux, port) => {
    await using bob = await TestClient.connect(port);
    await bob.send({ type: "hello", version: PROTOCOL_VERSION, name: "bob", password: "s3cret" });
    await bob.next("room");
    await tmux.newSession("pat", joinCommand(port), { cwd: ROOT, env: { USER: "pat" } });
    const ask = async (question: string) => {
      await tmux.waitForScreen(
        "pat",
        (screen) => screen.cursorLine === question,
        10_000,
        `the question "${question}"`,
      );
    };
    await ask("Your name [pat]:");
    await typeAndSee(tmux, "pat", "patty");
    await tmux.press("pat", "Enter");
    await ask("Password:");
    // A password is not shown as it is typed.
    await tmux.type("pat", "wrong-guess");
    await tmux.waitForInputRead("pat");
    await tmux.press("pat", "Enter");
    await tmux.waitForScreen(
      "pat",
      (screen) =>
        hasLine(screen, /password/i) && screen.cursorLine === "Password:" &&
        screen.cursor.y > indexOfLine(screen, /password/i),
      10_000,
      "the wrong password said, and the question again",
    );
    await tmux.type("pat", "s3cret");
    await tmux.waitForInputRead("pat");
    await tmux.press("pat", "Enter");
    await waitForPrompt(tmux, "pat", "patty");
    await bob.next("joined", (frame) => frame.name === "patty");

    // Up shows nothing: had it shown an answer, the key typed after it would follow it.
    await tmux.press("pat", "Up", "Up", "Up");
    const typed = await typeAndSee(tmux, "pat", "x").catch(async () => await tmux.capture("pat"));
    assert.equal(typed.cursorLine, `${PROMPT}x`, typed.text);
    await tmux.press("pat", "Enter");
    await bob.next("message", (frame) => frame.from === "patty" && frame.text === "x");

    // The lines sent are still there for Up, only they.
    await tmux.waitForScreen(
      "pat",
      (screen) => screen.cursorLine === PROMPT.trimEnd(),
      5_000,
      "an empty input line",
    );
    await tmux.press("pat", "Up", "Up");
    const up = await tmux.waitForScreen(
      "pat",
      (screen) => screen.cursorLine !== PROMPT.trimEnd(),
      5_000,
      "Up to show the line sent",
    );
    assert.equal(up.cursorLine, `${PROMPT}x`, up.text);
  },
  { password: "s3cret" },
);

e2eTest(
  "chat join: NO_COLOR turns colours off, names are coloured otherwise",
  async (tmux, port) => {
    await Promise.all([
      join(tmux, port, "alice", { NO_COLOR: "1" }),
      join(tmux, port, "carol"),
    ]);
    await using bob = await TestClient.join(port, "bob");
    await bob.say("colour check");
    const said = messageLine("bob", "colour check");

    const plain = await tmux.waitForScreen(
      "alice",
      (s) => hasLine(s, said),
      5_000,
      "bob's message",
    );
    const styledCells = plain.cells.flatMap((cells) =>
      cells.filter((cell) => cell.fg !== undefined || cell.bg !== undefined || cell.attrs.size > 0)
    );
    assert.deepEqual(styledCells, [], `styled cells with NO_COLOR=1:\n${plain.text}`);

    const coloured = await tmux.waitForScreen(
      "carol",
      (s) => hasLine(s, said),
      5_000,
      "bob's message",
    );
    const row = indexOfLine(coloured, said);
    const at = coloured.lines[row]!.indexOf(" bob:") + 1;
    const name = coloured.cells[row]!.slice(at, at + 3);
    assert.equal(name.map((cell) => cell.char).join(""), "bob");
    for (const cell of name) assert.equal(cell.fg, `38;5;${colorOf("bob").ansi}`, "bob's colour");
  },
);

e2eTest(
  "chat join: an operator's own act in a room not looked at is shown at once, with its room",
  async (tmux, port) => {
    await using bob = await TestClient.join(port, "bob");
    const ann = await TerminalUser.join(tmux, "ann", port);
    await ann.enter("/oper s3cret");
    await ann.waitForLine(/You are an operator/);
    await ann.enter("/join #dev");
    await ann.waitFor((screen) => screen.cursorLine === "#dev>", `ann to look at #dev`);
    // bob is in #lobby alone of ann's rooms: what she does to him is told there.
    await ann.enter("/mute bob 2m");
    await ann.enter("/topic #lobby lunch at noon");
    await ann.enter("/unmute bob");
    await bob.next("notice", (frame) => frame.text === "ann unmuted bob");
    const told = [
      new RegExp(`^-- ${TODAY_STAMP} \\[#lobby\\] ann muted bob for 2 min$`),
      new RegExp(`^-- ${TODAY_STAMP} \\[#lobby\\] ann set the topic of #lobby: lunch at noon$`),
      new RegExp(`^-- ${TODAY_STAMP} \\[#lobby\\] ann unmuted bob$`),
    ];
    const screen = await ann.waitFor(
      (screen) => told.every((pattern) => countLines(screen, pattern) > 0),
      "ann's acts in #lobby told in #dev",
    );
    for (const pattern of told) {
      assert.equal(countLines(screen, pattern), 1, `${pattern} once:\n${screen.text}`);
    }
    assert.equal(screen.cursorLine, "#dev>", `still looking at #dev:\n${screen.text}`);
    // Shown at once as the answer, and in their place too once she looks.
    await ann.enter("/switch #lobby");
    await ann.waitForLine(new RegExp(`^-- ${TODAY_STAMP} ann unmuted bob$`));
  },
  { operators: parseOpFile("ann s3cret\n") },
);

e2eTest(
  "chat join: an operator's own act that concerns the room looked at and another is told in each",
  async (tmux, port) => {
    await using _carol = await TestClient.join2(port, "carol", [
      { room: "#lobby" },
      { room: "#side2" },
    ]);
    const ann = await TerminalUser.join(tmux, "ann", port);
    await ann.enter("/oper s3cret");
    await ann.waitForLine(/You are an operator/);
    await ann.enter("/join #side2");
    await ann.waitFor((screen) => screen.cursorLine === "#side2>", `ann to look at #side2`);
    // carol is in both of ann's rooms: the notice comes to #lobby first, then to #side2.
    await ann.enter("/mute carol 1m");
    const here = new RegExp(`^-- ${TODAY_STAMP} ann muted carol for 1 min$`);
    const screen = await ann.waitForLine(here);
    assert.equal(countLines(screen, /muted carol/), 1, `told once, in #side2:\n${screen.text}`);
    assert.equal(screen.cursorLine, "#side2>", `still looking at #side2:\n${screen.text}`);
    // Told in #lobby too, where it came, once ann looks there.
    await ann.enter("/switch #lobby");
    await ann.waitFor((screen) => screen.cursorLine === "#lobby>", `ann to look at #lobby`);
    await ann.waitFor(
      (screen) => countLines(screen, here) === 2,
      "the mute told again in #lobby",
    );
  },
  { operators: parseOpFile("ann s3cret\n") },
);

e2eTest("chat join: /who #room lists that room, where it was asked", async (tmux, port) => {
  await using bob = await TestClient.join(port, "bob");
  await bob.say("/join #dev");
  await bob.next("room", (frame) => frame.room === "#dev");
  const ann = await TerminalUser.join(tmux, "ann", port);
  await ann.enter("/join #dev");
  await ann.waitFor((screen) => screen.cursorLine === "#dev>", "ann to look at #dev");
  await ann.enter("/switch #lobby");
  await ann.waitFor((screen) => screen.cursorLine === "#lobby>", "ann to look at #lobby");
  await ann.enter("/who #dev");
  const screen = await ann.waitForLine(/^-- #dev: 2 people here: ann .*, bob /);
  assert.equal(screen.cursorLine, "#lobby>", `still looking at #lobby:\n${screen.text}`);
  // A room she is not in, and nobody is: anyone may list a room that is not locked.
  await ann.enter("/who #ops");
  await ann.waitForLine(/^-- #ops: nobody here$/);
});

e2eTest(
  "chat join: a command the client answers itself, typed quickly, answers after the lines before it",
  async (tmux, port) => {
    // Whom alice ignores is written here, not in the user's own configuration.
    const config = await Deno.makeTempDir({ prefix: "chat-ordered-" });
    try {
      await using _bob = await TestClient.join(port, "bob");
      await join(tmux, port, "alice", { XDG_CONFIG_HOME: config });
      // Both lines in one go: the server answers the first, the client the second.
      await tmux.press("alice", "/back", "Enter", "/ignore bob", "Enter");
      const screen = await tmux.waitForScreen(
        "alice",
        (screen) => hasLine(screen, /You are not away/) && hasLine(screen, /You ignore bob now/),
        5_000,
        "the answers of /back and /ignore bob",
      );
      assert.ok(
        indexOfLine(screen, /You are not away/) < indexOfLine(screen, /You ignore bob now/),
        `the answer of /back first:\n${screen.text}`,
      );
    } finally {
      await Deno.remove(config, { recursive: true });
    }
  },
);

e2eTest(
  "chat join: a line the client refuses itself, typed quickly, is refused after the lines before it",
  async (tmux, port) => {
    await using _bob = await TestClient.join(port, "bob");
    await join(tmux, port, "alice");
    // The server answers the first line; the client refuses the other two itself.
    await tmux.press(
      "alice",
      "/back",
      "Enter",
      "/msg alice hi",
      "Enter",
      "/switch @nobody",
      "Enter",
    );
    const screen = await tmux.waitForScreen(
      "alice",
      (screen) =>
        hasLine(screen, /You are not away/) && hasLine(screen, /Cannot write to alice/) &&
        hasLine(screen, /Cannot switch to @nobody/),
      5_000,
      "the answers of /back, /msg alice and /switch @nobody",
    );
    const back = indexOfLine(screen, /You are not away/);
    const self = indexOfLine(screen, /Cannot write to alice/);
    const nobody = indexOfLine(screen, /Cannot switch to @nobody/);
    assert.ok(back < self && self < nobody, `in the order typed:\n${screen.text}`);
  },
);
