/**
 * End-to-end tests of the keys that edit the terminal client's input line:
 * the real `chat join` in tmux against a real server. Up and Down go
 * through the lines sent and come back to the draft as it was, never
 * losing a word of it. Every wait polls against a deadline; nothing sleeps.
 */

import assert from "node:assert/strict";
import { startServer } from "../../server.ts";
import { LOOPBACK, TestClient } from "../_test_utils.ts";
import { testWith } from "./_needs.ts";
import { said, type StartOptions, TerminalUser } from "./_terminal_user.ts";
import { type Screen, Tmux, waitFor } from "./_tmux.ts";

const PROMPT = "#lobby> ";

/**
 * Registers a test of ann at `chat join` in tmux, a pane of `options`, and
 * bob, a plain client, in `#lobby` of a real server on a free loopback port.
 */
function keysTest(
  name: string,
  options: StartOptions,
  fn: (ann: TerminalUser, bob: TestClient) => Promise<void>,
): void {
  testWith(["tmux"], name, async () => {
    await using server = await startServer({ hostname: LOOPBACK, port: 0 });
    const tmux = new Tmux("keys");
    try {
      await using bob = await TestClient.join2(server.addr.port, "bob");
      const ann = await TerminalUser.join(tmux, "ann", server.addr.port, options);
      await bob.next("joined", (frame) => frame.name === "ann");
      await fn(ann, bob);
    } finally {
      await tmux.kill();
    }
  });
}

/** Whether `screen` shows the input line as the rows `rows`, the cursor at `x` on row `row`. */
function showsInput(screen: Screen, rows: string[], row: number, x: number): boolean {
  const top = screen.lines.lastIndexOf(rows[0]!);
  return top >= 0 && rows.every((line, i) => screen.lines[top + i] === line) &&
    screen.lines.slice(top + rows.length).every((line) => line === "") &&
    screen.cursor.y === top + row && screen.cursor.x === x;
}

/** Sends `text` from ann's input line with Enter, and waits until bob has it. */
async function sent(ann: TerminalUser, bob: TestClient): Promise<string> {
  await ann.press("Enter");
  const message = await bob.next("message", (frame) => frame.from === "ann");
  await ann.waitFor((screen) => screen.cursorLine === PROMPT.trimEnd(), "an empty input line");
  return message.text;
}

keysTest(
  "chat join: Up from a draft's first row goes through history, Down brings the draft back whole",
  { width: 80, height: 40 },
  async (ann, bob) => {
    await ann.enter("an earlier line");
    await bob.next("message", (frame) => frame.from === "ann");
    await ann.waitForLine(said("ann", "an earlier line"));

    // Three pasted lines, Up to the first and on into history: the draft is kept.
    await ann.paste("alpha\nbeta\ngamma");
    const draft = [`${PROMPT}alpha`, "beta", "gamma"];
    await ann.waitFor((screen) => showsInput(screen, draft, 2, 5), "the pasted draft");
    await ann.press("Up", "Up");
    // Up keeps going back to the column it left from, past a shorter line, as an editor does.
    await ann.waitFor((screen) => showsInput(screen, draft, 0, 13), "Up twice to its first row");
    await ann.press("Up");
    await ann.waitFor(
      (screen) => showsInput(screen, [`${PROMPT}an earlier line`], 0, 23),
      "Up from the first row to show the line sent",
    );
    await ann.press("Down");
    await ann.waitFor((screen) => showsInput(screen, draft, 0, 13), "Down to bring the draft back");
    assert.equal(await sent(ann, bob), "alpha\nbeta\ngamma");

    // On one line, the cursor inside it: Up shows the newest line sent, Down the line as it was.
    await ann.type("zzz hello world");
    await ann.press("Left", "Left", "Left", "Left", "Left", "Left");
    const typed = [`${PROMPT}zzz hello world`];
    await ann.waitFor((screen) => showsInput(screen, typed, 0, 17), "the cursor moved left");
    await ann.press("Up");
    await ann.waitFor((screen) => showsInput(screen, draft, 2, 5), "Up to show the draft sent");
    // Up goes through the rows of a line sent too, then on to the one before.
    await ann.press("Up", "Up", "Up");
    await ann.waitFor(
      (screen) => showsInput(screen, [`${PROMPT}an earlier line`], 0, 23),
      "Up through its rows to the line before",
    );
    await ann.press("Down");
    await ann.waitFor((screen) => showsInput(screen, draft, 0, 13), "Down to its first row");
    await ann.press("Down", "Down");
    await ann.waitFor((screen) => showsInput(screen, draft, 2, 5), "Down to its last row");
    await ann.press("Down");
    await ann.waitFor((screen) => showsInput(screen, typed, 0, 17), "Down to the line as typed");
    assert.equal(await sent(ann, bob), "zzz hello world");

    // A long paste, Up once for each of its lines: the last goes into history, Down comes back.
    const lines = Array.from({ length: 25 }, (_, i) => `line ${i + 1}`);
    await ann.paste(lines.join("\n"));
    await ann.waitFor((screen) => screen.cursorLine === "line 25", "the 25 lines pasted");
    await ann.press(...lines.map(() => "Up"));
    await ann.waitFor(
      (screen) => showsInput(screen, typed, 0, typed[0]!.length),
      "Up from the first line to show the line sent",
    );
    await ann.press("Down");
    await ann.waitFor(
      (screen) => screen.cursorLine === `${PROMPT}line 1` && screen.cursor.x === 14,
      "Down to bring the 25 lines back, the cursor on the first",
    );
    assert.equal(await sent(ann, bob), lines.join("\n"));

    // A line sent again from history in place of the draft: Up brings the draft back after it.
    await ann.type("half a thought");
    await ann.press("Up", ...lines.map(() => "Up"));
    await ann.waitFor(
      (screen) => showsInput(screen, typed, 0, typed[0]!.length),
      "Up through the 25 lines to the line sent before them",
    );
    assert.equal(await sent(ann, bob), "zzz hello world");
    await ann.press("Up");
    await ann.waitFor((screen) => showsInput(screen, typed, 0, typed[0]!.length), "it, newest");
    await ann.press("Up");
    await ann.waitFor(
      (screen) => showsInput(screen, [`${PROMPT}half a thought`], 0, 22),
      "Up to the draft typed before",
    );
  },
);

keysTest(
  "chat join: Up and Down in a draft keep the column as shown, never inside a character",
  { width: 80, height: 30 },
  async (ann, bob) => {
    const family = "\u{1f468}\u200d\u{1f469}\u200d\u{1f467}";
    const accented = "e\u0301";
    /** Pastes `text`, waits until its last line shows, presses `keys` and types `Q`; sends it. */
    const edited = async (text: string, keys: string[]): Promise<string> => {
      await ann.paste(text);
      const last = text.split("\n").at(-1)!;
      await ann.waitFor(
        (screen) => screen.cursorLine === last && screen.cursor.x === last.length,
        `the paste, the cursor at the end of "${last}"`,
      );
      await ann.press(...keys);
      await ann.tmux.type(ann.session, "Q");
      await ann.waitFor((screen) => screen.lines.some((line) => line.includes("Q")), "Q typed");
      return (await sent(ann, bob)).normalize("NFC");
    };
    // Three columns in: after the emoji (two columns), not inside it.
    assert.equal(
      await edited(`a${family}b${family}c\nxxx`, ["Up"]),
      `a${family}Qb${family}c\nxxx`.normalize("NFC"),
    );
    // Three columns in: after three letters and their accents.
    assert.equal(
      await edited(`${accented.repeat(4)}\nxxx`, ["Up"]),
      `${accented.repeat(3)}Q${accented}\nxxx`.normalize("NFC"),
    );
    // A wide character is two columns.
    assert.equal(await edited("漢字漢字\nxxxx", ["Up"]), "漢字Q漢字\nxxxx");
    // Past a shorter line, back to the column left: 16, not the 4 of that line.
    assert.equal(
      await edited(`${"y".repeat(20)}\n漢字\n${"x".repeat(16)}`, ["Up", "Up"]),
      `${"y".repeat(16)}Q${"y".repeat(4)}\n漢字\n${"x".repeat(16)}`,
    );
    // And down again, from the top line to the third, past the short one.
    const lines = ["x".repeat(20), "ab", "y".repeat(20), "z".repeat(16)];
    const moved = await edited(lines.join("\n"), ["Up", "Up", "Up", "Down", "Down"]);
    assert.equal(
      moved,
      [lines[0], "ab", `${"y".repeat(16)}Q${"y".repeat(4)}`, lines[3]].join("\n"),
    );
  },
);

keysTest(
  "chat join: the word keys take words of any script, accents and all, and no line break",
  { width: 80, height: 30 },
  async (ann, bob) => {
    /** Types `text` (or pastes it, of several lines), presses `keys`, types `after`; sends it. */
    const edited = async (text: string, keys: string[], after: string): Promise<string> => {
      if (text.includes("\n")) await ann.paste(text);
      else await ann.tmux.type(ann.session, text);
      await ann.tmux.waitForInputRead(ann.session);
      await ann.press(...keys);
      await ann.tmux.type(ann.session, after);
      await ann.waitFor((screen) => screen.lines.some((line) => line.includes(after)), after);
      return (await sent(ann, bob)).normalize("NFC");
    };
    const accented = "cafe\u0301";
    // Ctrl-W takes the whole word, not its last letter alone.
    assert.equal(await edited("naïve café", ["C-w"], "X"), "naïve X");
    // Alt-B twice, to the start of the accented word, Alt-D deletes it, the accent too.
    assert.equal(
      await edited(`naïve ${accented} olé`, ["M-b", "M-b", "M-d"], "Y"),
      "naïve Yolé",
    );
    // Alt-B stops before the word, not between a letter and its accent.
    assert.equal(await edited(`tout ${accented}`, ["M-b"], "Z"), "tout Zcafé");
    // Alt-F from the start goes past the word and its space.
    assert.equal(await edited("déjà vu", ["C-a", "M-f"], "Q"), "déjà Qvu");
    // Ctrl-W at the start of a draft's line deletes nothing, and never the line break.
    assert.equal(await edited("first line\nsecond", ["Home", "C-w"], "W"), "first line\nWsecond");
    assert.equal(
      await edited("first line\nsecond", ["Home", "M-b", "C-w"], "V"),
      "first line\nVsecond",
    );
  },
);

keysTest(
  "chat join: thousands of characters arriving as keys, not as a paste, take no longer than a few",
  { width: 100, height: 30 },
  async (ann, bob) => {
    // 7997 characters, as a terminal sends text it does not bracket: one key each.
    const words = Array.from({ length: 1333 }, (_, i) => String(i).padStart(5, "0"));
    const text = words.join(" ");
    await ann.tmux.type(ann.session, text);
    await ann.waitFor(
      (screen) =>
        screen.cursorLine.endsWith(words.at(-1)!) && screen.cursor.x === screen.cursorLine.length,
      "every character typed on the input line",
    );
    // All of them, each once: the message would be too long, and says how long.
    await ann.press("Enter");
    await ann.waitForLine(
      new RegExp(`^!! Cannot send message: it is ${text.length} bytes, more than the 4000`),
    );
    // Still connected, and still typing.
    await ann.press("C-u");
    await ann.waitFor((screen) => screen.cursorLine === PROMPT.trimEnd(), "the line cleared");
    await ann.enter("still here");
    const message = await bob.next("message", (frame) => frame.from === "ann");
    assert.equal(message.text, "still here");
  },
);

keysTest(
  "chat join: Home and End, Ctrl-A and Ctrl-E go to the start and end of a draft's line",
  { width: 80, height: 30 },
  async (ann, bob) => {
    await ann.paste("first line\nsecond line\nthird");
    await ann.waitFor((screen) => screen.cursorLine === "third", "the pasted draft");
    await ann.press("Up", "Home");
    await ann.waitFor(
      (screen) => screen.cursorLine === "second line" && screen.cursor.x === 0,
      "Home to the start of the second line",
    );
    await ann.tmux.type(ann.session, "X");
    await ann.press("End");
    await ann.waitFor(
      (screen) => screen.cursorLine === "Xsecond line" && screen.cursor.x === 12,
      "End to the end of the second line",
    );
    await ann.tmux.type(ann.session, "Y");
    await ann.press("Up", "C-a");
    await ann.waitFor(
      (screen) => screen.cursorLine === `${PROMPT}first line` && screen.cursor.x === PROMPT.length,
      "Ctrl-A to the start of the first line",
    );
    await ann.tmux.type(ann.session, "A");
    await ann.press("C-e");
    await ann.waitFor(
      (screen) => screen.cursorLine === `${PROMPT}Afirst line` && screen.cursor.x === 19,
      "Ctrl-E to the end of the first line",
    );
    await ann.tmux.type(ann.session, "E");
    assert.equal(await sent(ann, bob), "Afirst lineE\nXsecond lineY\nthird");
  },
);

keysTest(
  "chat join: Left, Right, Backspace and Delete take a character as it is seen, not a code point",
  { width: 80, height: 30 },
  async (ann, bob) => {
    const family = "👨‍👩‍👧";
    const diaeresis = "e\u0308";
    const at = (x: number, what: string) =>
      ann.waitFor(
        (screen) => screen.cursorLine.startsWith(`${PROMPT}x`) && screen.cursor.x === x,
        what,
      );
    await ann.tmux.type(ann.session, `x${family}`);
    await at(11, "x and the family, two columns wide");
    await ann.press("BSpace");
    await ann.waitFor(
      (screen) => screen.cursorLine === `${PROMPT}x` && screen.cursor.x === 9,
      "one Backspace to delete the family",
    );
    await ann.tmux.type(ann.session, diaeresis);
    await at(10, "a decomposed ë typed");
    await ann.press("BSpace");
    await ann.waitFor(
      (screen) => screen.cursorLine === `${PROMPT}x` && screen.cursor.x === 9,
      "one Backspace to delete the ë",
    );
    await ann.tmux.type(ann.session, `a${family}${diaeresis}b`);
    await at(14, "a, the family, ë and b typed");
    await ann.press("Left", "C-b", "Left");
    await at(10, "Left, Ctrl-B and Left to go before the family");
    await ann.tmux.type(ann.session, "|");
    await at(11, "| typed before the family");
    await ann.press("DC", "C-f");
    await at(12, "Delete to delete the family, Ctrl-F to go over the ë");
    await ann.press("Left", "Right");
    await at(12, "Left and Right over the ë");
    await ann.tmux.type(ann.session, "!");
    assert.equal(await sent(ann, bob), `xa|${diaeresis}!b`);
  },
);

keysTest(
  "chat join: Alt+Enter starts a new line of the draft, and Enter sends the draft as one message",
  { width: 80, height: 30 },
  async (ann, bob) => {
    await ann.type("line one");
    await ann.press("M-Enter");
    await ann.waitFor(
      (screen) => showsInput(screen, [`${PROMPT}line one`, ""], 1, 0),
      "a new row of the draft, the cursor at its start",
    );
    await ann.type("line two");
    // Inside a line too: it is cut where the cursor is.
    await ann.press("Left", "Left", "M-Enter");
    const rows = [`${PROMPT}line one`, "line t", "wo"];
    await ann.waitFor((screen) => showsInput(screen, rows, 2, 0), "the second line cut in two");
    assert.equal(await sent(ann, bob), "line one\nline t\nwo");
  },
);

keysTest(
  "chat join: Tab indents a draft's row with only spaces before the cursor; on an empty line it completes",
  { width: 80, height: 30 },
  async (ann, bob) => {
    // On an empty line of its own, Tab completes the names of the people here, as ever.
    await ann.press("Tab");
    await ann.waitFor((screen) => showsInput(screen, [`${PROMPT}bob:`], 0, 13), "bob's name");
    await ann.clearInput();
    await ann.type("for x in xs:");
    await ann.press("M-Enter");
    const row = [`${PROMPT}for x in xs:`, ""];
    await ann.waitFor((screen) => showsInput(screen, row, 1, 0), "a new row of the draft");
    // Read apart from the keys before it: else readline takes it for a tab pasted.
    await ann.tmux.waitForInputRead(ann.session);
    await ann.press("Tab");
    await ann.waitFor((screen) => showsInput(screen, row, 1, 4), "the row indented 4 columns");
    await ann.tmux.waitForInputRead(ann.session);
    await ann.press("Tab");
    await ann.waitFor((screen) => showsInput(screen, row, 1, 8), "indented 4 columns more");
    await ann.press("BSpace", "BSpace", "BSpace", "BSpace");
    await ann.waitFor((screen) => showsInput(screen, row, 1, 4), "one indentation taken back");
    await ann.type("print(x)");
    assert.equal(await sent(ann, bob), "for x in xs:\n    print(x)");
  },
);

keysTest(
  "chat join: a tab the terminal did not bracket shows in the draft as the message will, as pasted",
  { width: 80, height: 30 },
  async (ann, bob) => {
    const shown = `${PROMPT}key value   end`;
    // Typed in one read, as a terminal without bracketed paste sends a paste: characters.
    await ann.tmux.type(ann.session, "key\tvalue\tend");
    await ann.waitFor(
      (screen) => showsInput(screen, [shown], 0, shown.length),
      "the tabs at the stops of 4 columns the message has",
    );
    assert.equal(await sent(ann, bob), "key value   end");
    await ann.waitForLine(said("ann", "key value   end"));
    // Pasted with brackets, the same text shows the same.
    await ann.paste("key\tvalue\tend");
    await ann.waitFor((screen) => showsInput(screen, [shown], 0, shown.length), "the paste");
    assert.equal(await sent(ann, bob), "key value   end");
  },
);

keysTest(
  "chat join: the terminal going away with a line half typed sends nothing of it",
  { width: 80, height: 30 },
  async (ann, bob) => {
    const client = await clientPid(ann);
    await ann.type("half-typed secret");
    // The window closed: the terminal's input ends, and chat join gets SIGHUP.
    await ann.tmux.run("kill-session", "-t", ann.session);
    await waitFor(
      () => Deno.stat(`/proc/${client}`).then(() => true, () => false),
      (running) => !running,
      10_000,
      () => "for chat join to end",
    );
    // Whatever ann's client sent before it went reached the server before ann left.
    await bob.next("left", (frame) => frame.name === "ann");
    assert.deepEqual(bob.all("message").filter((frame) => frame.from === "ann"), []);
  },
);

keysTest(
  "chat join: Ctrl-Z says chat keeps running, and the draft stays",
  { width: 140, height: 20 },
  async (ann, bob) => {
    await ann.type("abc");
    await ann.press("C-z");
    await ann.waitForLine(/^-- Ctrl-Z does not stop chat: .* leave with \/quit$/);
    await ann.waitFor((screen) => screen.cursorLine === `${PROMPT}abc`, "the draft still there");
    await ann.type(" def");
    assert.equal(await sent(ann, bob), "abc def");
  },
);

/** The process id of `chat join` in `ann`'s pane, under the shells that started it. */
async function clientPid(ann: TerminalUser): Promise<number> {
  let parents = [await ann.tmux.display(ann.session, "#{pane_pid}")];
  while (parents.length > 0) {
    const children = [];
    for (const parent of parents) {
      const output = await new Deno.Command("pgrep", { args: ["-P", parent] }).output();
      children.push(...new TextDecoder().decode(output.stdout).split("\n").filter(Boolean));
    }
    for (const child of children) {
      if ((await Deno.readTextFile(`/proc/${child}/comm`)).trim() === "deno") return Number(child);
    }
    parents = children;
  }
  throw new Error(`No chat join in the pane of ${ann.session}`);
}

/** The state letter of process `pid` (`S`, `R`, `T` for stopped …). */
async function processState(pid: number): Promise<string> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
}

keysTest(
  "chat join: stopped from outside and continued, it reads keys one by one again",
  { width: 100, height: 20 },
  async (ann, bob) => {
    const pid = await clientPid(ann);
    const tty = await ann.tmux.display(ann.session, "#{pane_tty}");
    Deno.kill(pid, "SIGSTOP");
    await waitFor(
      () => processState(pid),
      (state) => state === "T",
      5_000,
      (state) => `for the client to stop; it is ${state}`,
    );
    // As a shell taking the terminal back leaves it: lines read whole and echoed, no pastes
    // bracketed.
    const stty = await new Deno.Command("stty", { args: ["-F", tty, "sane"] }).output();
    assert.ok(stty.success);
    await Deno.writeTextFile(tty, "\x1b[?2004l");
    Deno.kill(pid, "SIGCONT");
    await waitFor(
      () => processState(pid),
      (state) => state !== "T",
      5_000,
      () => "for the client to go on",
    );
    // Keys act at once: Left moves the cursor, nothing is echoed.
    await ann.type("xy");
    await ann.press("Left");
    await ann.waitFor((screen) => screen.cursor.x === PROMPT.length + 1, "Left to move the cursor");
    await ann.tmux.type(ann.session, "z");
    await ann.waitFor((screen) => screen.cursorLine === `${PROMPT}xzy`, "z before y");
    assert.equal(await sent(ann, bob), "xzy");
    // Pastes are bracketed again: two lines are one message.
    await ann.paste("one\ntwo");
    await ann.waitFor((screen) => screen.cursorLine === "two", "the pasted draft");
    assert.equal(await sent(ann, bob), "one\ntwo");
  },
);
