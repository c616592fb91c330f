/**
 * The lines the terminal client printed are wrapped again when its width
 * changes: the real `chat join` in tmux, resized as a person drags the
 * window's edge, against a real server. A message stays a line wrapped at its
 * spaces and indented under its words, as if it had arrived at the new width,
 * and the draft being typed stays as it was, also when a line arrived while
 * the terminal was narrower for a moment and it is back at its width.
 */

import assert from "node:assert/strict";
import { startServer } from "../../server.ts";
import { LOOPBACK, TestClient } from "../_test_utils.ts";
import { testWith } from "./_needs.ts";
import { literal, TerminalUser, TODAY_STAMP } from "./_terminal_user.ts";
import { joinCommand, ROOT, type Screen, shellQuote, Tmux } from "./_tmux.ts";

const LONG = "the build is red again because the flaky integration test timed out on the runner";
const ACTION = "goes to look at the runner logs and will report back in a minute or two";

/**
 * The rows of `screen` that show the line starting with `start`: its first
 * row and those under it that are indented, as a line wrapped at its spaces is.
 */
function rowsOf(screen: Screen, start: RegExp): string[] {
  const first = screen.lines.findIndex((line) => start.test(line));
  if (first < 0) return [];
  const rows = [screen.lines[first]!];
  for (const line of screen.lines.slice(first + 1)) {
    if (!line.startsWith(" ")) break;
    rows.push(line);
  }
  return rows;
}

/**
 * Whether `rows` read `text` after `lead`, wrapped at its spaces as at a
 * width of `columns`: no row wider, and none that the next row's first word
 * would have fitted on.
 */
function wrappedAt(rows: string[], lead: string, text: string, columns: number): boolean {
  const words = rows.map((row, i) => i === 0 ? row.slice(lead.length) : row.trim()).join(" ");
  const full = rows.every((row, i) => {
    const next = rows[i + 1]?.trim().split(" ")[0];
    return row.length <= columns && (next === undefined || row.length + 1 + next.length > columns);
  });
  return rows.length > 0 && words === text && full;
}

/** The whole history of `session` and its screen, as printed rows. */
async function scrollback(tmux: Tmux, session: string): Promise<string> {
  return await tmux.run("capture-pane", "-p", "-S", "-", "-t", session);
}

testWith(
  ["tmux"],
  "chat join: printed lines are wrapped again at the new width when the terminal is resized",
  async () => {
    await using server = await startServer({ hostname: LOOPBACK, port: 0 });
    const tmux = new Tmux("resize");
    try {
      const alice = await TerminalUser.join(tmux, "alice", server.addr.port, {
        width: 40,
        height: 20,
      });
      await using bob = await TestClient.join(server.addr.port, "bob");
      // Enough said to fill the screen: all it shows is the client's.
      for (let i = 1; i <= 12; i++) await bob.say(`line ${i}`);
      await bob.say(LONG);
      await bob.send({ type: "me", text: ACTION });
      const said = new RegExp(`^${TODAY_STAMP} bob: the build`);
      const acted = new RegExp(`^${TODAY_STAMP} \\* bob goes`);
      await alice.waitForLine(acted);
      await alice.type("half typed");
      const lead = (screen: Screen, pattern: RegExp) => {
        const line = screen.lines.find((line) => pattern.test(line)) ?? "";
        return line.slice(0, line.indexOf(pattern === said ? "the build" : "goes"));
      };
      // At each width: both lines wrapped at their spaces under their words, the draft intact.
      for (const [columns, rows] of [[100, 20], [30, 20], [64, 12], [40, 20]] as const) {
        await tmux.resize(alice.session, columns, rows);
        const screen = await alice.waitFor(
          (screen) => {
            const message = rowsOf(screen, said);
            const action = rowsOf(screen, acted);
            const indent = (rows: string[], at: number) =>
              rows.slice(1).every((row) => row.length - row.trimStart().length === at);
            return wrappedAt(message, lead(screen, said), LONG, columns) &&
              wrappedAt(action, lead(screen, acted), ACTION, columns) &&
              // Further rows under the first word, or two spaces in where the name takes too much.
              (indent(message, lead(screen, said).length) || indent(message, 2)) &&
              screen.cursorLine === "#lobby> half typed" && screen.cursor.x === 18;
          },
          `both lines wrapped at ${columns} columns, above the draft`,
        );
        if (columns === 100) {
          assert.equal(rowsOf(screen, said).length, 1, screen.text);
          assert.equal(rowsOf(screen, acted).length, 1, screen.text);
        }
      }
      // Typing goes on where it was, and the line goes out whole.
      await alice.type(" and sent");
      await alice.press("Enter");
      await bob.next("message", (frame) => frame.text === "half typed and sent");
      await alice.waitForLine(
        new RegExp(`^${TODAY_STAMP} alice: ${literal("half typed and sent")}$`),
      );
      // Nothing printed was lost on the way: every line is in the scrollback or on the screen.
      const history = await scrollback(tmux, alice.session);
      for (const text of ["Connected to", "bob: the build", "* bob goes"]) {
        assert.ok(history.includes(text), `"${text}" is gone:\n${history}`);
      }
    } finally {
      await tmux.kill();
    }
  },
);

testWith(
  ["tmux"],
  "chat join: a resize before the client's lines fill the screen leaves what was above them",
  async () => {
    await using server = await startServer({ hostname: LOOPBACK, port: 0 });
    const tmux = new Tmux("resize-early");
    try {
      const command = `echo output of an earlier command; ${
        joinCommand(server.addr.port, "--name", "alice")
      }`;
      await tmux.newSession("alice", `sh -c ${shellQuote(command)}`, {
        cwd: ROOT,
        width: 40,
        height: 20,
      });
      const alice = new TerminalUser(tmux, "alice");
      await alice.waitFor((screen) => screen.cursorLine === "#lobby>", "the input line");
      await alice.type("half typed");
      await tmux.resize("alice", 70);
      const screen = await alice.waitFor(
        (screen) => screen.cursorLine === "#lobby> half typed" && screen.cursor.x === 18,
        "the draft at 70 columns",
      );
      assert.equal(screen.lines[0], "output of an earlier command", screen.text);
      assert.ok(screen.lines.some((line) => line.startsWith("-- Connected to")), screen.text);
    } finally {
      await tmux.kill();
    }
  },
);

/** How many rows of `history` start the message `note N` of bob, for each N from 1 to `count`. */
function notesIn(history: string, count: number): number[] {
  const rows = history.split("\n");
  return Array.from(
    { length: count },
    (_, i) => rows.filter((row) => new RegExp(`bob: note ${i + 1} `).test(row)).length,
  );
}

testWith(
  ["tmux"],
  "chat join: after a resize the scrollback shows each printed line once",
  async () => {
    await using server = await startServer({ hostname: LOOPBACK, port: 0 });
    const tmux = new Tmux("resize-once");
    try {
      const alice = await TerminalUser.join(tmux, "alice", server.addr.port, {
        width: 40,
        height: 10,
      });
      await using bob = await TestClient.join(server.addr.port, "bob");
      // Twice the screen's height of lines, each taking two rows at 40 columns.
      const count = 20;
      const text = (n: number) => `note ${n} with some words to wrap here`;
      for (let n = 1; n <= count; n++) await bob.say(text(n));
      const last = new RegExp(`^${TODAY_STAMP} bob: note ${count} `);
      await alice.waitForLine(last);
      // Narrower, the terminal pushes rows it cut into the scrollback; wider, it leaves them there.
      for (const columns of [30, 70, 40]) {
        await tmux.resize(alice.session, columns);
        await alice.waitFor(
          (screen) => {
            const rows = rowsOf(screen, last);
            const lead = (rows[0] ?? "").slice(0, (rows[0] ?? "").indexOf("note"));
            return wrappedAt(rows, lead, text(count), columns) && screen.cursorLine === "#lobby>";
          },
          `the last line wrapped at ${columns} columns`,
        );
        const history = await scrollback(tmux, alice.session);
        assert.deepEqual(
          notesIn(history, count),
          Array(count).fill(1),
          `At ${columns} columns, not each line once:\n${history}`,
        );
        assert.equal(history.split("\n").filter((row) => row.startsWith("-- Connected")).length, 1);
      }
    } finally {
      await tmux.kill();
    }
  },
);

testWith(
  ["tmux"],
  "chat join: a resize after Ctrl-L, its lines never having filled the screen, keeps the shell's",
  async () => {
    await using server = await startServer({ hostname: LOOPBACK, port: 0 });
    const tmux = new Tmux("resize-cleared-early");
    try {
      // More than the screen holds: the first of them are in the scrollback before chat join starts.
      const command = `seq -f 'earlier output %g' 1 30; ${
        joinCommand(server.addr.port, "--name", "alice")
      }`;
      await tmux.newSession("alice", `sh -c ${shellQuote(command)}`, {
        cwd: ROOT,
        width: 40,
        height: 10,
      });
      const alice = new TerminalUser(tmux, "alice");
      await alice.waitFor((screen) => screen.cursorLine === "#lobby>", "the input line");
      await alice.press("C-l");
      await alice.waitFor(
        (screen) => screen.lines[0] === "#lobby>" && screen.cursor.y === 0,
        "a cleared screen",
      );
      await using bob = await TestClient.join(server.addr.port, "bob");
      await bob.say("the build is green again, ship it");
      const said = new RegExp(`^${TODAY_STAMP} bob: the build is green again, ship it$`);
      await alice.waitFor(
        (screen) => rowsOf(screen, new RegExp(`^${TODAY_STAMP} bob: `)).length === 2,
        "bob's line on two rows at 40 columns",
      );
      await tmux.resize(alice.session, 70);
      await alice.waitFor(
        (screen) => screen.lines.some((line) => said.test(line)),
        "bob's line on one row at 70 columns",
      );
      const history = await scrollback(tmux, alice.session);
      for (const n of [1, 30]) {
        assert.ok(
          history.includes(`earlier output ${n}\n`),
          `"earlier output ${n}" is gone:\n${history}`,
        );
      }
      // Drawn again in place, not once more below a copy.
      assert.equal(history.split("\n").filter((row) => row.includes("bob: the build")).length, 1);
    } finally {
      await tmux.kill();
    }
  },
);

testWith(
  ["tmux"],
  "chat join: a resize after Ctrl-L keeps what it cleared in the scrollback, off the screen",
  async () => {
    await using server = await startServer({ hostname: LOOPBACK, port: 0 });
    const tmux = new Tmux("resize-cleared");
    try {
      const alice = await TerminalUser.join(tmux, "alice", server.addr.port, {
        width: 40,
        height: 10,
      });
      await using bob = await TestClient.join(server.addr.port, "bob");
      const text = (n: number) => `note ${n} with some words to wrap here`;
      for (let n = 1; n <= 8; n++) await bob.say(text(n));
      await alice.waitForLine(new RegExp(`^${TODAY_STAMP} bob: note 8 `));
      await alice.press("C-l");
      await alice.waitFor(
        (screen) => screen.lines[0] === "#lobby>" && screen.cursor.y === 0,
        "a cleared screen",
      );
      await bob.say(text(9));
      const last = new RegExp(`^${TODAY_STAMP} bob: note 9 `);
      await alice.waitForLine(last);
      await tmux.resize(alice.session, 70);
      const screen = await alice.waitFor(
        (screen) =>
          rowsOf(screen, last).length === 1 && screen.lines[1] === "#lobby>" &&
          screen.cursor.y === 1,
        "the line said after Ctrl-L at the top, on one row",
      );
      assert.match(screen.lines[0]!, last, screen.text);
      const history = await scrollback(tmux, alice.session);
      assert.deepEqual(notesIn(history, 9), Array(9).fill(1), history);
    } finally {
      await tmux.kill();
    }
  },
);

testWith(
  ["tmux"],
  "chat join: a line that arrives while the terminal is narrower for a moment is wrapped again at the width it comes back to",
  async () => {
    await using server = await startServer({ hostname: LOOPBACK, port: 0 });
    const tmux = new Tmux("resize-back");
    try {
      const alice = await TerminalUser.join(tmux, "alice", server.addr.port, {
        width: 100,
        height: 10,
      });
      await using bob = await TestClient.join(server.addr.port, "bob");
      // Enough said to fill the screen: all it shows is the client's.
      for (let i = 1; i <= 10; i++) await bob.say(`line ${i}`);
      await alice.waitForLine(new RegExp(`^${TODAY_STAMP} bob: line 10$`));
      await alice.type("half typed");
      // A window dragged narrower and back, or a pane split and closed again: the line that
      // arrives meanwhile is printed wrapped at 40 columns, and the width is back at 100
      // before the client has drawn its lines again.
      await tmux.resize(alice.session, 40);
      await bob.say(LONG);
      const said = new RegExp(`^${TODAY_STAMP} bob: the build`);
      await alice.waitForLine(said);
      await tmux.resize(alice.session, 100);
      const screen = await alice.waitFor(
        (screen) =>
          rowsOf(screen, said).length === 1 && screen.cursorLine === "#lobby> half typed" &&
          screen.cursor.x === 18,
        "the line on one row at 100 columns, above the draft",
      );
      assert.equal(screen.lines.filter((line) => line.startsWith("#lobby>")).length, 1);
      const history = await scrollback(tmux, alice.session);
      assert.equal(history.split("\n").filter((row) => said.test(row)).length, 1, history);
    } finally {
      await tmux.kill();
    }
  },
);

testWith(
  ["tmux"],
  "chat join: a lower window with a tall draft keeps the draft out of the scrollback",
  async () => {
    await using server = await startServer({ hostname: LOOPBACK, port: 0 });
    const tmux = new Tmux("resize-height");
    try {
      const ann = await TerminalUser.join(tmux, "ann", server.addr.port, {
        width: 120,
        height: 40,
      });
      await using bob = await TestClient.join(server.addr.port, "bob");
      const notes = Array.from({ length: 40 }, (_, i) => `note ${i + 1}`);
      for (const note of notes) await bob.say(note);
      const noted = (screen: Screen, from: number, rows: number) =>
        notes.slice(from, from + rows).every((note, i) =>
          new RegExp(`^${TODAY_STAMP} bob: ${note}$`).test(screen.lines[i] ?? "")
        );
      await ann.waitForLine(new RegExp(`^${TODAY_STAMP} bob: note 40$`));
      const draft = Array.from({ length: 25 }, (_, i) => `draft line ${i + 1}`);
      await ann.paste(draft.join("\n"));
      await ann.waitFor(
        (screen) => screen.cursorLine === "draft line 25" && screen.lines.includes("draft line 2"),
        "the draft of 25 lines",
      );

      const notice = (screen: Screen, row: number) =>
        screen.lines[row]?.startsWith("-- Paste of 25 lines") === true;
      // 12 rows: the last lines printed, then the draft cut to the rows left, at the bottom.
      await tmux.resize(ann.session, 120, 12);
      await ann.waitFor(
        (screen) =>
          noted(screen, 37, 3) && notice(screen, 3) &&
          screen.lines[4] === "… 18 more lines above" &&
          screen.cursor.y === 11 && screen.cursorLine === "draft line 25",
        "the last lines printed above the draft, cut, at the bottom",
      );
      // Cleared, it gives the rows back to the conversation.
      await ann.press("Escape");
      await ann.waitFor(
        (screen) =>
          noted(screen, 30, 10) && notice(screen, 10) && screen.cursor.y === 11 &&
          screen.cursorLine === "#lobby>",
        "the notes down to an empty input line",
      );
      // Higher again: each note once, and not a row of the draft, in the scrollback too.
      await tmux.resize(ann.session, 120, 40);
      await ann.waitFor(
        (screen) => noted(screen, 2, 38) && notice(screen, 38) && screen.cursorLine === "#lobby>",
        "the notes on the whole screen",
      );
      const history = (await scrollback(tmux, ann.session)).split("\n");
      assert.deepEqual(
        history.filter((row) => row.includes("draft line") || row.includes("more lines")),
        [],
        history.join("\n"),
      );
      const once = notes.map((note) =>
        history.filter((row) => new RegExp(`^${TODAY_STAMP} bob: ${note}$`).test(row)).length
      );
      assert.deepEqual(once, notes.map(() => 1), history.join("\n"));
    } finally {
      await tmux.kill();
    }
  },
);
