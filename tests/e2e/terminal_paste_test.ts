/**
 * End-to-end tests of bracketed paste in the terminal client: the real
 * `chat join` runs in tmux against a real server, and tmux pastes into it
 * with `paste-buffer -p`, bracketed as a terminal does once asked. A paste of
 * several lines is one draft, sent as one message on Enter; a long one is
 * announced first, one too large refused, and Esc or Ctrl-C clears it. Every
 * wait polls against a deadline; nothing sleeps.
 */

import assert from "node:assert/strict";
import { type ChatServer, type ServerOptions, startServer } from "../../server.ts";
import { LOOPBACK, TestClient } from "../_test_utils.ts";
import { testWith } from "./_needs.ts";
import { countLines, literal, TerminalUser, TODAY_STAMP } from "./_terminal_user.ts";
import { clientUnder, joinCommand, ROOT, type Screen, shellQuote, Tmux } from "./_tmux.ts";

/** A Python traceback of 30 lines, indented as Python prints it, every line unique. */
const TRACEBACK = [
  "Traceback (most recent call last):",
  ...Array.from({ length: 14 }, (_, i) => [
    `  File "/srv/app/step${i}.py", line ${10 + i * 7}, in run${i}`,
    `    result = run${i + 1}(value,  extra${i})`,
  ]).flat(),
  "ValueError: invalid literal for int() with base 10: 'x'",
];

/**
 * Registers a test of chat join in tmux against a real server on a free
 * loopback port, started with `options` besides.
 */
function pasteTest(
  name: string,
  fn: (tmux: Tmux, server: ChatServer) => Promise<void>,
  options: ServerOptions = {},
): void {
  testWith(["tmux"], name, async () => {
    await using server = await startServer({ ...options, hostname: LOOPBACK, port: 0 });
    const tmux = new Tmux("paste");
    try {
      await fn(tmux, server);
    } finally {
      await tmux.kill();
    }
  });
}

/** Pastes `text` into `session` as a terminal does in bracketed paste mode (LF sent as CR). */
async function paste(tmux: Tmux, session: string, text: string): Promise<void> {
  const file = await Deno.makeTempFile({ prefix: "chat-paste-" });
  try {
    await Deno.writeTextFile(file, text);
    await tmux.run("load-buffer", "-b", session, file);
  } finally {
    await Deno.remove(file);
  }
  await tmux.run("paste-buffer", "-p", "-d", "-b", session, "-t", session);
}

/** The whole history of `session`: scrollback and screen, one row each. */
async function scrollback(tmux: Tmux, session: string): Promise<string[]> {
  const text = await tmux.run("capture-pane", "-p", "-S", "-", "-t", session);
  return text.split("\n").map((line) => line.trimEnd());
}

/** The rows of `screen` read as one line, wrapped lines joined again where they were cut. */
function readsAsOne(screen: Screen): string {
  return screen.lines.map((line) => line.trim()).join(" ");
}

/** How many rows of `rows` hold `text`. */
function rowsHolding(rows: string[], text: string): number {
  return rows.filter((row) => row.includes(text)).length;
}

/** The messages `client` has received from `from` so far, once the server handled all before. */
async function messagesFrom(client: TestClient, from: string): Promise<string[]> {
  await client.sync();
  return client.all("message").filter((frame) => frame.from === from).map((frame) => frame.text);
}

pasteTest(
  "chat join: a pasted 30-line traceback is one message, indentation intact, no copies left",
  async (tmux, server) => {
    const port = server.addr.port;
    await using bob = await TestClient.join2(port, "bob");
    const ann = await TerminalUser.join(tmux, "ann", port, { width: 100, height: 30 });
    await bob.next("joined", (frame) => frame.name === "ann");

    await paste(tmux, "ann", TRACEBACK.join("\n"));
    // 30 lines and the prompt do not fit in 30 rows less the 4 left to the conversation.
    const draft = await ann.waitFor(
      (screen) =>
        screen.cursorLine === TRACEBACK.at(-1) && screen.cursor.x === TRACEBACK.at(-1)!.length &&
        screen.lines.some((line) => /^… \d+ more lines above$/.test(line)),
      "the end of the pasted draft at the cursor, its first lines counted above it",
    );
    assert.equal(
      countLines(
        draft,
        /^-- Paste of 30 lines: Enter sends it as one message, Esc clears it$/,
      ),
      1,
      draft.text,
    );
    // Shown as lines, indentation intact.
    const end = draft.cursor.y;
    assert.deepEqual(draft.lines.slice(end - 3, end + 1), TRACEBACK.slice(-4), draft.text);
    assert.deepEqual(await messagesFrom(bob, "ann"), [], "nothing sent before Enter");

    // What arrives meanwhile prints above the draft, which stays whole.
    await bob.say("a word while you paste");
    const word = new RegExp(`^${TODAY_STAMP} bob: a word while you paste$`);
    const during = await ann.waitFor(
      (screen) =>
        countLines(screen, word) === 1 && screen.cursorLine === TRACEBACK.at(-1) &&
        screen.lines.findIndex((line) => word.test(line)) <
          screen.lines.findIndex((line) => /^… \d+ more lines above$/.test(line)),
      "bob's message above the draft",
    );
    const below = during.cursor.y;
    assert.deepEqual(during.lines.slice(below - 3, below + 1), TRACEBACK.slice(-4), during.text);

    await ann.press("Enter");
    const message = await bob.next("message", (frame) => frame.from === "ann");
    assert.equal(message.text, TRACEBACK.join("\n"), "the traceback, whole, as one message");
    assert.deepEqual(await messagesFrom(bob, "ann"), [TRACEBACK.join("\n")], "one message");

    // Its echo: the first line after the name, the others indented under it; and nothing
    // of the draft left behind, so each line of it once, in the message.
    const last = TRACEBACK.at(-1)!;
    await ann.waitFor(
      (screen) => screen.cursorLine === "#lobby>" && screen.lines.at(-2)?.endsWith(last) === true,
      "the traceback sent, and an empty input line",
    );
    const history = await scrollback(tmux, "ann");
    const first = new RegExp(`^${TODAY_STAMP} ann: ${literal(TRACEBACK[0]!)}$`);
    const top = history.findIndex((line) => first.test(line));
    assert.ok(top >= 0, history.join("\n"));
    const indent = " ".repeat(history[top]!.indexOf("ann: ") + "ann: ".length);
    assert.deepEqual(
      history.slice(top + 1, top + TRACEBACK.length),
      TRACEBACK.slice(1).map((line) => indent + line),
      history.join("\n"),
    );
    const twice = TRACEBACK.filter((line) => rowsHolding(history, line.trim()) !== 1);
    assert.deepEqual(twice, [], `lines not shown exactly once:\n${history.join("\n")}`);
    assert.equal(rowsHolding(history, "more lines above"), 0, history.join("\n"));
  },
);

pasteTest(
  "chat join: a long paste is announced, Esc and Ctrl-C clear a draft, too large is refused",
  async (tmux, server) => {
    const port = server.addr.port;
    await using bob = await TestClient.join2(port, "bob");
    const ann = await TerminalUser.join(tmux, "ann", port, { width: 80, height: 40 });
    await bob.next("joined", (frame) => frame.name === "ann");
    const lines = (count: number, word: string) =>
      Array.from({ length: count }, (_, i) => `${word} ${i}`);

    // A long paste: announced, shown, and cleared by Esc.
    await paste(tmux, "ann", lines(25, "long").join("\n"));
    const announced = /^-- Paste of 25 lines: Enter sends it as one message, Esc clears it$/;
    await ann.waitFor(
      (screen) => countLines(screen, announced) === 1 && screen.cursorLine === "long 24",
      "the notice of a long paste, and the draft",
    );
    await ann.press("Escape");
    await ann.waitFor(
      (screen) => screen.cursorLine === "#lobby>" && !screen.lines.includes("long 24"),
      "Esc to clear the draft",
    );

    // Ctrl-C clears a pasted draft and does not leave.
    await paste(tmux, "ann", lines(3, "short").join("\n"));
    await ann.waitFor(
      (screen) => screen.cursorLine === "short 2" && screen.lines.includes("#lobby> short 0"),
      "a draft of three lines",
    );
    await ann.press("C-c");
    await ann.waitFor(
      (screen) => screen.cursorLine === "#lobby>" && !screen.lines.includes("short 2"),
      "Ctrl-C to clear the draft",
    );

    // Over the limit of 100 lines: said, and nothing pasted.
    await ann.type("kept");
    await paste(tmux, "ann", lines(120, "huge").join("\n"));
    // The refusal prints above the prompt, which is drawn again after it: wait for both.
    const refused = await ann.waitFor(
      (screen) =>
        screen.lines.some((line) => line.startsWith("!! Cannot paste")) &&
        screen.cursorLine !== "",
      "the paste refused",
    );
    assert.ok(
      refused.lines.some((line) => line.includes("120 lines, more than the 100")),
      refused.text,
    );
    // It says what to do instead, the refusal wrapped over rows as the terminal is wide.
    assert.ok(
      refused.text.replace(/\s+/g, " ").includes("; share it as a file with /send PATH instead"),
      refused.text,
    );
    assert.equal(refused.cursorLine, "#lobby> kept", refused.text);
    assert.equal(rowsHolding(refused.lines, "huge"), 0, refused.text);

    // A single line pasted goes in at the cursor, its tab made spaces.
    await ann.press("Left", "Left");
    await paste(tmux, "ann", "\tIN ");
    await ann.waitFor(
      (screen) =>
        screen.cursorLine === "#lobby> ke    IN pt" &&
        screen.cursor.x === "#lobby> ke    IN ".length,
      "the word pasted at the cursor",
    );
    await ann.press("Enter");
    const one = await bob.next("message", (frame) => frame.from === "ann");
    assert.equal(one.text, "ke    IN pt");

    // Up and Down move between the lines of a draft, not through what was sent.
    await paste(tmux, "ann", "first\n  second\nthird");
    await ann.waitFor((screen) => screen.cursorLine === "third", "a draft of three lines");
    await ann.press("Up");
    await ann.waitFor(
      (screen) => screen.cursorLine === "  second" && screen.cursor.x === "third".length,
      "the cursor on the line above, in the same column",
    );
    await ann.tmux.type("ann", "!");
    await ann.waitFor((screen) => screen.cursorLine === "  sec!ond", "the character typed there");
    await ann.press("Enter");
    const sent = await bob.next("message", (frame) => frame.from === "ann");
    assert.equal(sent.text, "first\n  sec!ond\nthird");
    assert.deepEqual(await messagesFrom(bob, "ann"), [one.text, sent.text], "only those messages");
  },
  // A server that takes files: a text too long may be shared as one instead.
  { webPort: 0 },
);

pasteTest(
  "chat join: Esc on a draft taller than the screen brings back the conversation it scrolled away",
  async (tmux, server) => {
    const port = server.addr.port;
    await using bob = await TestClient.join2(port, "bob");
    const ann = await TerminalUser.join(tmux, "ann", port, { width: 40, height: 20 });
    await bob.next("joined", (frame) => frame.name === "ann");
    const hello = (i: number) => new RegExp(`^${TODAY_STAMP} bob: hello ${i}$`);
    const say = async (from: number, to: number) => {
      for (let i = from; i < to; i++) await bob.say(`hello ${i}`);
      await ann.waitForLine(hello(to - 1));
    };
    const pasted = Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n");
    const notice = /^-- Paste of 30 lines: Enter sends it as$/;
    const pasteAndClear = async () => {
      await paste(tmux, "ann", pasted);
      await ann.waitFor(
        (screen) =>
          screen.cursorLine === "line 29" && screen.lines.includes("… 15 more lines above"),
        "the draft, its first lines counted above it",
      );
      await ann.press("Escape");
    };

    // The conversation does not fill the screen: it is shown again from its top, the empty
    // input line under it.
    await say(0, 12);
    await pasteAndClear();
    const short = await ann.waitFor(
      (screen) =>
        screen.cursorLine === "#lobby>" && screen.lines[0]!.startsWith("-- Connected to") &&
        countLines(screen, hello(0)) === 1,
      "the whole conversation again, and an empty input line under it",
    );
    assert.equal(countLines(short, notice), 1, short.text);
    assert.equal(short.lines[short.cursor.y - 1], "   one message, Esc clears it", short.text);
    for (let i = 0; i < 12; i++) assert.equal(countLines(short, hello(i)), 1, short.text);
    assert.equal(rowsHolding(short.lines, "line "), 0, short.text);

    // It fills the screen: the screen shows its end, the empty input line at the bottom, and
    // scrolling back shows each line once.
    await say(12, 25);
    await pasteAndClear();
    const full = await ann.waitFor(
      (screen) =>
        screen.cursorLine === "#lobby>" && screen.cursor.y === 19 &&
        countLines(screen, hello(24)) === 1,
      "the end of the conversation, and an empty input line at the bottom",
    );
    assert.equal(full.lines[17], "-- Paste of 30 lines: Enter sends it as", full.text);
    assert.match(full.lines[16]!, hello(24), full.text);
    const history = await scrollback(tmux, "ann");
    const shown = history.join("\n");
    assert.equal(history.filter((row) => notice.test(row)).length, 2, shown);
    for (let i = 0; i < 25; i++) {
      assert.equal(history.filter((row) => hello(i).test(row)).length, 1, `${i}: ${shown}`);
    }
    assert.equal(rowsHolding(history, "line "), 0, shown);
    assert.equal(rowsHolding(history, "more lines above"), 0, shown);
  },
);

pasteTest(
  "chat join: Esc clears a one-line draft taller than the screen, which Up brings back",
  async (tmux, server) => {
    const port = server.addr.port;
    await using bob = await TestClient.join2(port, "bob");
    const ann = await TerminalUser.join(tmux, "ann", port, { width: 80, height: 20 });
    await bob.next("joined", (frame) => frame.name === "ann");
    const words: string[] = [];
    // Taller than the 16 rows a draft may take, and short enough to send.
    for (let i = 0; words.join(" ").length < 3_500; i++) words.push(`word${i}`);
    const line = words.join(" ");
    const last = words.at(-1)!;
    const tall = (screen: Screen) =>
      screen.cursorLine.endsWith(last) && screen.lines.some((row) => /more rows above$/.test(row));

    await paste(tmux, "ann", line);
    await ann.waitFor(tall, "the pasted line, its first rows counted above it");
    await ann.tmux.waitForInputRead("ann");
    await ann.press("Escape");
    await ann.waitFor(
      (screen) =>
        screen.cursorLine === "#lobby>" && rowsHolding(screen.lines, "word") === 0 &&
        rowsHolding(screen.lines, "more rows") === 0,
      "Esc to clear the line",
    );
    await ann.tmux.waitForInputRead("ann");
    await ann.press("Up");
    await ann.waitFor(tall, "Up to bring the line back");
    await ann.press("Enter");
    const sent = await bob.next("message", (frame) => frame.from === "ann");
    assert.equal(sent.text, line);
  },
);

pasteTest(
  "chat join: Esc and a key typed right after it are two keys; Alt and a key sent together, one",
  async (tmux, server) => {
    const port = server.addr.port;
    await using bob = await TestClient.join2(port, "bob");
    const ann = await TerminalUser.join(tmux, "ann", port, { width: 80, height: 24 });
    await bob.next("joined", (frame) => frame.name === "ann");
    // Esc, then a key once the client has read the Esc: two reads, as a person's two keys
    // come, however quickly (node:readline would join them within half a second).
    const escapeThen = async (key: string) => {
      await ann.press("Escape");
      await tmux.waitForInputRead("ann");
      await tmux.type("ann", key);
    };

    // Esc clears a pasted draft, and the key typed after it is typed: d, not Alt+D.
    await paste(tmux, "ann", "one\ntwo");
    await ann.waitFor(
      (screen) => screen.cursorLine === "two" && screen.lines.includes("#lobby> one"),
      "a draft of two lines",
    );
    await escapeThen("d");
    await ann.waitFor(
      (screen) =>
        screen.cursorLine === "#lobby> d" && screen.cursor.x === "#lobby> d".length &&
        !screen.lines.includes("#lobby> one"),
      'Esc to clear the draft, then "d" typed',
    );
    // On one line Esc does nothing, and the key after it is typed: b, not Alt+B; 1, not Alt+1.
    await escapeThen("b");
    await ann.waitFor(
      (screen) => screen.cursorLine === "#lobby> db" && screen.cursor.x === "#lobby> db".length,
      '"b" typed after Esc',
    );
    await escapeThen("1");
    await ann.waitFor(
      (screen) => screen.cursorLine === "#lobby> db1" && screen.cursor.x === "#lobby> db1".length,
      '"1" typed after Esc',
    );

    // Alt+B sent in one write, as a terminal sends it: the line editor's word left.
    await ann.type(" there");
    await ann.press("M-b");
    await ann.waitFor(
      (screen) => screen.cursorLine === "#lobby> db1 there" && screen.cursor.x === 12,
      "Alt+B to move the cursor to the start of the word",
    );
    await ann.press("End");
    await ann.press("Enter");
    const sent = await bob.next("message", (frame) => frame.from === "ann");
    assert.equal(sent.text, "db1 there");

    // Alt+1, the client's, still looks at the first view.
    await ann.enter("/join #dev");
    await ann.waitFor((screen) => screen.cursorLine === "#dev>", "the prompt of #dev");
    await ann.press("M-1");
    await ann.waitFor((screen) => screen.cursorLine === "#lobby>", "Alt+1 to look at #lobby");
    // An arrow, an escape sequence in one write, still recalls what was sent.
    await ann.press("Up");
    await ann.waitFor((screen) => screen.cursorLine === "#lobby> /join #dev", "Up to recall");
  },
);

pasteTest(
  "chat join: bracketed paste is turned off however the client ends",
  async (tmux, server) => {
    const port = server.addr.port;
    await using watcher = await TestClient.join2(port, "watcher");
    const ways: [string, (session: string) => Promise<void>][] = [
      ["quit", async (session) => {
        await new TerminalUser(tmux, session).enter("/quit");
      }],
      ["ctrl-c", (session) => tmux.press(session, "C-c")],
      ["ctrl-d", (session) => tmux.press(session, "C-d")],
      ["sigterm", async (session) => {
        const shell = Number(await tmux.display(session, "#{pane_pid}"));
        Deno.kill(await clientUnder(shell), "SIGTERM");
      }],
    ];
    for (const [way, leave] of ways) {
      // After the client, cat shows what the terminal sends: ESC as ^[ if pastes are bracketed.
      const command = `${joinCommand(port, "--name", "ann")}; echo EXIT=$?; exec cat -v`;
      await tmux.newSession(way, `sh -c ${shellQuote(command)}`, { cwd: ROOT });
      const ann = new TerminalUser(tmux, way);
      await ann.waitFor((screen) => screen.cursorLine === "#lobby>", `${way}: the input line`);
      await watcher.next("joined", (frame) => frame.name === "ann");
      // Bracketed while it runs: the paste is one draft.
      await paste(tmux, way, "one\ntwo");
      await ann.waitFor(
        (screen) => screen.cursorLine === "two" && screen.lines.includes("#lobby> one"),
        `${way}: the pasted draft`,
      );
      await ann.press("Escape");
      await ann.waitFor((screen) => screen.cursorLine === "#lobby>", `${way}: the draft cleared`);
      await leave(way);
      await ann.waitFor((screen) => screen.lines.includes("EXIT=0"), `${way}: the client to exit`);
      await watcher.next("left", (frame) => frame.name === "ann");
      await paste(tmux, way, "after");
      const after = await ann.waitFor(
        (screen) => screen.lines.some((line) => line.includes("after")),
        `${way}: the paste echoed by the terminal`,
      );
      assert.deepEqual(
        after.lines.filter((line) => line.includes("after")),
        ["after"],
        `${way}: pasted without brackets:\n${after.text}`,
      );
    }
  },
);

pasteTest(
  "chat join: a paste too large, where the server takes no files, is refused without a word of files",
  async (tmux, server) => {
    const ann = await TerminalUser.join(tmux, "ann", server.addr.port, { width: 80, height: 40 });
    await ann.type("kept");
    await paste(tmux, "ann", Array.from({ length: 120 }, (_, i) => `huge ${i}`).join("\n"));
    const refused = await ann.waitFor(
      (screen) =>
        screen.lines.some((line) => line.startsWith("!! Cannot paste")) &&
        screen.cursorLine !== "",
      "the paste refused",
    );
    const said = refused.text.replace(/\s+/g, " ");
    assert.ok(said.includes("120 lines, more than the 100 a message may hold"), refused.text);
    assert.ok(!said.includes("share it as a file"), refused.text);
    assert.equal(refused.cursorLine, "#lobby> kept", refused.text);
  },
);

pasteTest(
  "chat join: one line too long to send is refused and stays on the input line, to cut or share",
  async (tmux, server) => {
    const port = server.addr.port;
    await using bob = await TestClient.join2(port, "bob");
    const ann = await TerminalUser.join(tmux, "ann", port, { width: 100, height: 40 });
    await bob.next("joined", (frame) => frame.name === "ann");
    // 4005 bytes on one line: 45 words of 88 letters and a space, the last without it.
    const words = Array.from(
      { length: 45 },
      (_, i) => `${String(i).padStart(2, "0")}${"w".repeat(86)}`,
    );
    const long = words.join(" ");
    await paste(tmux, "ann", long);
    const last = words.at(-1)!;
    // The input line breaks its rows anywhere: read them as one.
    const holds = (screen: Screen) =>
      screen.lines.join("").includes(last) && screen.cursor.x === screen.cursorLine.length;
    await ann.waitFor(holds, "the long line pasted");
    await ann.press("Enter");
    const refused = /^!! Cannot send message: it is 4004 bytes, more than the 4000 a message may/;
    const kept = await ann.waitFor(
      (screen) => countLines(screen, refused) === 1 && holds(screen),
      "the refusal, and the line kept on the input line, the cursor at its end",
    );
    assert.ok(kept.lines.some((line) => /^… \d+ more rows above$/.test(line)), kept.text);
    // Cut to fit, it goes.
    await ann.press("C-w", "C-w");
    await ann.waitFor((screen) => !screen.lines.join("").includes(last), "the last words cut");
    await ann.press("Enter");
    const sent = await bob.next("message", (frame) => frame.from === "ann");
    assert.ok(long.startsWith(sent.text) && sent.text.length > 3000, sent.text.slice(-40));
    await ann.waitFor((screen) => screen.cursorLine === "#lobby>", "an empty input line");
  },
);

pasteTest(
  "chat join: a paste whose first line reads as an unknown command is refused, says how to send it, and stays",
  async (tmux, server) => {
    const port = server.addr.port;
    await using bob = await TestClient.join2(port, "bob");
    const ann = await TerminalUser.join(tmux, "ann", port, { width: 100, height: 30 });
    await bob.next("joined", (frame) => frame.name === "ann");
    const lines = ["/home/ann/x.py:3: error", "  detail line"];
    const draft = (screen: Screen) =>
      screen.lines.at(screen.cursor.y - 1) === `#lobby> ${lines[0]}` &&
      screen.cursorLine === lines[1] && screen.cursor.x === lines[1]!.length;
    await paste(tmux, "ann", lines.join("\n"));
    await ann.waitFor(draft, "the draft of two lines");
    await ann.press("Enter");
    // The refusal, wrapped at 100 columns, read as one line.
    const refusal = '!! Unknown command "/home/ann/x.py:3:". Type /help for the list; ' +
      "start the first line with // to send these lines as a message " +
      "— back on your input line; Ctrl-U clears it";
    const refused = await ann.waitFor(
      (screen) => readsAsOne(screen).includes(refusal),
      "the refusal, saying how to send the lines as a message and where they are",
    );
    await ann.waitFor(draft, "the draft back on the input line, the cursor at its end");
    // Started with //, as the refusal says, the lines go as one message.
    await ann.press("Up", "Home");
    await ann.tmux.type(ann.session, "/");
    await ann.waitFor(
      (screen) => screen.lines.includes(`#lobby> /${lines[0]}`),
      "the first line started with //",
    );
    await ann.press("Enter");
    const message = await bob.next("message", (frame) => frame.from === "ann");
    assert.equal(message.text, lines.join("\n"), refused.text);
    // One line too, typed: it stays, as words the server refuses do.
    await ann.waitFor((screen) => screen.cursorLine === "#lobby>", "an empty input line");
    await ann.enter("/dacne wildly");
    await ann.waitFor(
      (screen) =>
        readsAsOne(screen).includes(
          '!! Unknown command "/dacne". Type /help for the list; ' +
            "start with // to send a line that begins with / — back on your input line;",
        ) &&
        screen.cursorLine === "#lobby> /dacne wildly",
      "the refusal, and the line back on the input line",
    );
    // And a command typed wrong.
    await ann.clearInput();
    await ann.enter("/join #team chat");
    await ann.waitFor(
      (screen) =>
        readsAsOne(screen).includes(
          '!! Cannot join "#team chat": a room name has no spaces; try #team-chat ' +
            "— back on your input line;",
        ) &&
        screen.cursorLine === "#lobby> /join #team chat",
      "the usage, and the line back on the input line",
    );
  },
);

/** A traceback of five lines, its third empty. */
const GAPPED = [
  "Traceback (most recent call last):",
  '  File "/srv/app/main.py", line 3, in <module>',
  "",
  "    run()",
  "ValueError: bad value",
];

pasteTest(
  "chat join: an empty line pasted in a message shows as an empty row to the sender and to others",
  async (tmux, server) => {
    const port = server.addr.port;
    await using bob = await TestClient.join2(port, "bob");
    const cy = await TerminalUser.join(tmux, "cy", port, { width: 100, height: 30 });
    const zed = await TerminalUser.join(tmux, "zed", port, { width: 100, height: 30 });
    await bob.next("joined", (frame) => frame.name === "zed");

    await paste(tmux, "zed", GAPPED.join("\n"));
    const draft = await zed.waitFor(
      (screen) => screen.cursorLine === GAPPED.at(-1),
      "the pasted draft, its last line at the cursor",
    );
    // The draft keeps the empty line too.
    const end = draft.cursor.y;
    assert.deepEqual(
      draft.lines.slice(end - GAPPED.length + 1, end + 1),
      [`#lobby> ${GAPPED[0]}`, ...GAPPED.slice(1)],
      draft.text,
    );
    await zed.press("Enter");
    const message = await bob.next("message", (frame) => frame.from === "zed");
    assert.equal(message.text, GAPPED.join("\n"), "the traceback, empty line and all");

    const last = GAPPED.at(-1)!;
    for (const [name, user] of [["zed", zed], ["cy", cy]] as const) {
      await user.waitFor(
        (screen) =>
          screen.cursorLine === "#lobby>" &&
          screen.lines[screen.cursor.y - 1]?.endsWith(last) === true,
        `the traceback shown to ${name}`,
      );
      const history = await scrollback(tmux, name);
      const first = new RegExp(`^${TODAY_STAMP} zed: ${literal(GAPPED[0]!)}$`);
      const top = history.findIndex((line) => first.test(line));
      assert.ok(top >= 0, history.join("\n"));
      const indent = " ".repeat(history[top]!.indexOf("zed: ") + "zed: ".length);
      assert.deepEqual(
        history.slice(top + 1, top + GAPPED.length),
        GAPPED.slice(1).map((line) => line === "" ? "" : indent + line),
        `${name} sees:\n${history.join("\n")}`,
      );
    }
  },
);

pasteTest(
  "chat join: a tall draft gone by Ctrl-U, Ctrl-K or Up to a short line gives its rows back",
  async (tmux, server) => {
    const port = server.addr.port;
    await using bob = await TestClient.join2(port, "bob");
    const ann = await TerminalUser.join(tmux, "ann", port, { width: 80, height: 24 });
    await bob.next("joined", (frame) => frame.name === "ann");
    await ann.enter("short");
    await bob.next("message", (frame) => frame.from === "ann");
    for (let i = 1; i <= 30; i++) await bob.say(`note ${i}`);
    const lastNote = new RegExp(`^${TODAY_STAMP} bob: note 30$`);
    await ann.waitForLine(lastNote);
    // 18 lines: shown whole, pushing the conversation up.
    const draft = Array.from({ length: 18 }, (_, i) => `draft line ${i + 1}`);
    const ways: [string, string[], string][] = [
      ["Ctrl-U", ["C-u"], "#lobby>"],
      ["Ctrl-K from the start", [...draft.slice(1).map(() => "Up"), "Home", "C-k"], "#lobby>"],
      ["Up to the line sent", draft.map(() => "Up"), "#lobby> short"],
    ];
    for (const [way, keys, left] of ways) {
      await ann.paste(draft.join("\n"));
      await ann.waitFor(
        (screen) => screen.cursorLine === "draft line 18" && screen.lines.includes("draft line 2"),
        `${way}: the draft of 18 lines`,
      );
      await tmux.waitForInputRead("ann");
      await ann.press(...keys);
      // The last lines printed come down to the input line, at the bottom of the screen.
      const shrunk = await ann.waitFor(
        (screen) => screen.cursorLine === left && !screen.lines.includes("draft line 2"),
        `${way}: the draft gone`,
      );
      assert.equal(shrunk.cursor.y, 23, `${way}: the input line at the bottom:\n${shrunk.text}`);
      assert.match(shrunk.lines[22]!, lastNote, `${way}: the notes above it:\n${shrunk.text}`);
      // Ctrl-C on an empty line would leave.
      if (left === "#lobby>") continue;
      await ann.press("C-c");
      await ann.waitFor((screen) => screen.cursorLine === "#lobby>", `${way}: an empty line`);
    }
  },
);
