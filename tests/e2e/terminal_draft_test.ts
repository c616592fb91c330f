/**
 * End-to-end tests of the input line while it is wider than the screen: the
 * real `chat join` runs in tmux at several widths, with a draft that wraps,
 * while other people talk. Every message must show once, above the draft; the
 * draft must stay whole with the cursor where it was, and be sent as typed.
 */

import assert from "node:assert/strict";
import { drawRows } from "../../client/render.ts";
import { describeFrame } from "../../core/describe.ts";
import { startServer } from "../../server.ts";
import { TestClient } from "../_test_utils.ts";
import { joinCommand, ROOT, type Screen, Tmux, TMUX_VERSION, waitFor } from "./_tmux.ts";

const PROMPT = "#lobby> ";
const STAMP = String.raw`\[\d\d:\d\d:\d\d\]`;

/** Runs `fn` with a server on a free loopback port and a private tmux server, both stopped after. */
function draftTest(
  name: string,
  fn: (tmux: Tmux, port: number, t: Deno.TestContext) => Promise<void>,
): void {
  Deno.test({
    name: TMUX_VERSION === undefined ? `${name} (ignored: tmux is not installed)` : name,
    ignore: TMUX_VERSION === undefined,
    async fn(t) {
      await using server = await startServer({ hostname: "127.0.0.1", port: 0 });
      const tmux = new Tmux("draft");
      try {
        await fn(tmux, server.addr.port, t);
      } finally {
        await tmux.kill();
      }
    },
  });
}

/** Starts `chat join --name <name>` in a pane `width` × `height` and waits for its empty input line. */
async function join(tmux: Tmux, port: number, name: string, width: number, height = 30) {
  await tmux.newSession(name, joinCommand(port, "--name", name), { cwd: ROOT, width, height });
  await tmux.waitForScreen(
    name,
    (screen) => screen.cursorLine === PROMPT.trimEnd() && screen.cursor.x === PROMPT.length,
    10_000,
    `${name} at an empty "${PROMPT}" input line`,
  );
}

/** Columns a character of these tests takes: CJK, fullwidth forms and emoji two, the rest one. */
function width(char: string): number {
  return /[\u3000-\u9fff\uff00-\uffef]|\p{Emoji_Presentation}/u.test(char) ? 2 : 1;
}

/**
 * How a terminal `columns` wide shows `text` from the start of a row: its rows
 * (a character that does not fit starts the next row), and where the cursor
 * stands after its first `cursor` characters (code points).
 */
function wrap(text: string, columns: number, cursor = Infinity) {
  const rows = [""];
  let col = 0;
  let at: { x: number; y: number } | undefined;
  let index = 0;
  for (const char of text) {
    if (index++ === cursor) at = { x: col, y: rows.length - 1 };
    if (col + width(char) > columns) {
      rows.push("");
      col = 0;
    }
    rows[rows.length - 1] += char;
    col += width(char);
  }
  at ??= { x: col, y: rows.length - 1 };
  // After a full row the cursor stands at the start of the next.
  if (at.x >= columns) at = { x: 0, y: at.y + 1 };
  if (at.y === rows.length) rows.push("");
  return { rows: rows.map((row) => row.trimEnd()), cursor: at };
}

/**
 * Where `draft` (with the cursor after its first `cursor` code points) stands
 * on `screen`, if it is there whole: the input line's first row, its last, and
 * nothing but blank rows below it.
 */
function findDraft(screen: Screen, draft: string, columns: number, cursor = Infinity) {
  const { rows, cursor: at } = wrap(PROMPT + draft, columns, PROMPT.length + cursor);
  const top = screen.lines.lastIndexOf(rows[0]!);
  if (top < 0) return undefined;
  const shown = screen.lines.slice(top, top + rows.length);
  const below = screen.lines.slice(top + rows.length);
  const whole = shown.length === rows.length && shown.every((line, i) => line === rows[i]) &&
    below.every((line) => line === "");
  const cursorOk = screen.cursor.x === at.x && screen.cursor.y === top + at.y;
  return whole && cursorOk ? { top } : undefined;
}

/** Waits until `draft` is on the screen of `session`, whole, with the cursor in place. */
async function waitForDraft(
  tmux: Tmux,
  session: string,
  draft: string,
  columns: number,
  cursor = Infinity,
  also: (screen: Screen, top: number) => boolean = () => true,
  what = "",
): Promise<{ screen: Screen; top: number }> {
  let top = -1;
  const screen = await tmux.waitForScreen(
    session,
    (screen) => {
      const found = findDraft(screen, draft, columns, cursor);
      top = found?.top ?? -1;
      return found !== undefined && also(screen, found.top);
    },
    10_000,
    `the draft ${JSON.stringify(draft)} whole at ${columns} columns, cursor after ${
      cursor === Infinity ? "its end" : `character ${cursor}`
    }${what}`,
  );
  return { screen, top };
}

/** Resizes the window of `session` and waits until the program in it can read the new width. */
async function resize(tmux: Tmux, session: string, columns: number): Promise<void> {
  await tmux.resize(session, columns);
}

/** The whole history of `session` and its screen, wrapped rows joined into the lines printed. */
async function scrollback(tmux: Tmux, session: string): Promise<string[]> {
  const text = await tmux.run("capture-pane", "-p", "-J", "-S", "-", "-t", session);
  return text.split("\n").map((line) => line.trimEnd());
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A line that is a chat message: stamp, then `from: text`, and nothing else. */
function messageLine(from: string, text: string): RegExp {
  return new RegExp(`^${STAMP} ${from}: ${escape(text)}$`);
}

/** How many lines of `lines` match `pattern`, or start a run of lines that match `pattern` in turn. */
function count(lines: string[], pattern: RegExp | RegExp[]): number {
  const rows = Array.isArray(pattern) ? pattern : [pattern];
  return lines.filter((_, at) => rows.every((row, i) => row.test(lines[at + i] ?? ""))).length;
}

/**
 * The rows a message from `from` is printed in at `columns`, as the client
 * wraps it (client/render.ts), stamped at any time of today.
 */
function printed(from: string, text: string, columns: number): RegExp[] {
  const frame = { type: "message", id: 1, ts: Date.now(), room: "#lobby", from, text } as const;
  return describeFrame(frame, "alice").flatMap((line) => drawRows(line, false, { columns })).map(
    (row, i) => new RegExp(`^${i === 0 ? row.replace(/^\[[\d:]+\]/, STAMP) : escape(row)}$`),
  );
}

/**
 * bob and carol take turns saying `texts`; waits until every one is above the
 * whole draft on alice's screen, then checks that each was printed once.
 */
async function talkOver(
  tmux: Tmux,
  speakers: [string, TestClient][],
  texts: string[],
  draft: string,
  columns: number,
  cursor = Infinity,
): Promise<void> {
  const said = texts.map((text, i) => {
    const [name, client] = speakers[i % speakers.length]!;
    return { name, client, text, line: messageLine(name, text) };
  });
  for (const { client, text } of said) await client.say(text);
  await waitForDraft(
    tmux,
    "alice",
    draft,
    columns,
    cursor,
    (screen, top) =>
      said.every(({ line }) => {
        const row = screen.lines.findIndex((shown) => line.test(shown));
        return row >= 0 && row < top;
      }),
    `, below ${said.map(({ name, text }) => `${name}: ${text}`).join(", ")}`,
  );
  const history = await scrollback(tmux, "alice");
  for (const { name, text, line } of said) {
    assert.equal(
      count(history, line),
      1,
      `"${name}: ${text}" should be printed once:\n${history.join("\n")}`,
    );
  }
}

/**
 * Presses Enter and checks that bob receives `draft` as typed and alice, at
 * `columns`, sees it once, stamped.
 */
async function send(tmux: Tmux, bob: TestClient, draft: string, columns: number): Promise<void> {
  await tmux.press("alice", "Enter");
  const message = await bob.next("message", (frame) => frame.from === "alice");
  assert.equal(message.text, draft, "the draft sent as typed");
  const stamped = printed("alice", draft, columns);
  const [screen, history] = await waitFor(
    () => Promise.all([tmux.capture("alice"), scrollback(tmux, "alice")]),
    ([screen, history]) =>
      count(history, stamped) >= 1 && screen.cursorLine === PROMPT.trimEnd() &&
      screen.cursor.x === PROMPT.length,
    10_000,
    ([screen]) => `for alice's message, then an empty input line. Last screen:\n${screen.text}`,
  );
  assert.equal(
    count(history, stamped),
    1,
    `alice's message should be printed once, stamped:\n${history.join("\n")}`,
  );
  assert.ok(
    screen.lines.slice(screen.cursor.y + 1).every((line) => line === ""),
    `nothing below the input line:\n${screen.text}`,
  );
}

/** Three people: alice in tmux at `columns`, bob and carol talking over a protocol client. */
async function threePeople(tmux: Tmux, port: number, columns: number, height = 30) {
  const bob = await TestClient.join(port, "bob");
  const carol = await TestClient.join(port, "carol");
  await join(tmux, port, "alice", columns, height);
  await bob.next("joined", (frame) => frame.name === "alice");
  return { bob, carol, speakers: [["bob", bob], ["carol", carol]] as [string, TestClient][] };
}

/** An ASCII draft of `length` characters or a little more, made of numbered words. */
function longDraft(length: number, word = "word"): string {
  const words: string[] = [];
  for (let i = 0; words.join(" ").length < length; i++) words.push(`${word}${i}`);
  return words.join(" ");
}

for (const columns of [60, 80, 110]) {
  draftTest(
    `chat join: at ${columns} columns, messages print above a draft wider than the screen`,
    async (tmux, port) => {
      const { bob, carol, speakers } = await threePeople(tmux, port, columns);
      await using _bob = bob;
      await using _carol = carol;
      const draft = longDraft(columns * 2 + 17);
      await tmux.type("alice", draft);
      await waitForDraft(tmux, "alice", draft, columns);

      await talkOver(tmux, speakers, ["first news", "second news", "third news"], draft, columns);
      await talkOver(tmux, speakers, ["and a fourth", "and a fifth"], draft, columns);
      await send(tmux, bob, draft, columns);
    },
  );

  draftTest(
    `chat join: at ${columns} columns, a CJK and emoji draft stays whole with the cursor inside`,
    async (tmux, port) => {
      const { bob, carol, speakers } = await threePeople(tmux, port, columns);
      await using _bob = bob;
      await using _carol = carol;
      // One narrow character first: with the prompt's 8 columns, every wide
      // character starts on an odd column, so one of them meets the edge of
      // the screen with a single column left and has to start the next row.
      const wide = "漢字かな交じり文😀と絵文字🎉の下書き☕".repeat(Math.ceil(columns / 16));
      const draft = `a${wide}end`;
      await tmux.type("alice", draft);
      await waitForDraft(tmux, "alice", draft, columns);

      await talkOver(tmux, speakers, ["news one", "news two", "news three"], draft, columns);

      // Into the middle of the first row, then over the edge of a row.
      const length = [...draft].length;
      for (const left of [length - 5, Math.floor(columns / 2) + 3]) {
        await tmux.press("alice", ...Array<string>(length - left).fill("Left"));
        await waitForDraft(tmux, "alice", draft, columns, left);
        await talkOver(tmux, speakers, [`news at ${left}`], draft, columns, left);
        await tmux.press("alice", "End");
        await waitForDraft(tmux, "alice", draft, columns);
      }

      const at = Math.floor(columns / 2) + 3;
      await tmux.press("alice", ...Array<string>(length - at).fill("Left"));
      await waitForDraft(tmux, "alice", draft, columns, at);
      await tmux.type("alice", "X");
      const chars = [...draft];
      const edited = [...chars.slice(0, at), "X", ...chars.slice(at)].join("");
      await waitForDraft(tmux, "alice", edited, columns, at + 1);
      await send(tmux, bob, edited, columns);
    },
  );
}

draftTest(
  "chat join: a resize between messages keeps the wrapped draft whole",
  async (tmux, port) => {
    const { bob, carol, speakers } = await threePeople(tmux, port, 80);
    await using _bob = bob;
    await using _carol = carol;
    const draft = `${longDraft(150)} 漢字と絵文字😀 ${longDraft(40, "tail")}`;
    await tmux.type("alice", draft);
    await waitForDraft(tmux, "alice", draft, 80);
    await talkOver(tmux, speakers, ["before any resize"], draft, 80);

    for (const columns of [60, 110, 45, 80]) {
      await resize(tmux, "alice", columns);
      await waitForDraft(tmux, "alice", draft, columns);
      await talkOver(
        tmux,
        speakers,
        [`after a resize to ${columns}`, `one more at ${columns}`],
        draft,
        columns,
      );
    }
    await send(tmux, bob, draft, 80);
  },
);

draftTest(
  "chat join: a paste taller than the screen leaves no partial copies in the scrollback",
  async (tmux, port) => {
    const columns = 60;
    const height = 20;
    const { bob, carol } = await threePeople(tmux, port, columns, height);
    await using _bob = bob;
    await using _carol = carol;
    // Whole lines, sent one by one as they are pasted, some of them wrapping;
    // then a last line without its line break, taller than the screen, that
    // stays as the draft.
    const lines = Array.from(
      { length: 8 },
      (_, i) => longDraft(i % 2 === 0 ? 15 : columns + 20 * i, `l${i}w`),
    );
    const last = longDraft(columns * (height + 6), "p");
    const file = await Deno.makeTempFile({ prefix: "chat-paste-" });
    try {
      await Deno.writeTextFile(file, [...lines, last].join("\n"));
      await tmux.run("load-buffer", file);
    } finally {
      await Deno.remove(file);
    }
    await tmux.run("paste-buffer", "-t", "alice");

    for (const line of lines) {
      const message = await bob.next("message", (frame) => frame.from === "alice");
      assert.equal(message.text, line, "the pasted lines sent one by one, as pasted");
    }
    const end = wrap(PROMPT + last, columns);
    await tmux.waitForScreen(
      "alice",
      (screen) =>
        screen.cursorLine === end.rows.at(-1) && screen.cursor.x === end.cursor.x &&
        screen.lines.at(-1) === end.rows.at(-1),
      10_000,
      "the end of the pasted draft on the last row, the cursor after it",
    );
    const words = [...lines, last].flatMap((line) => line.split(" "));
    const tally = (history: string[]) => {
      const text = history.join("\n");
      return [...new Set(words)].map((word) => ({
        word,
        times: text.match(new RegExp(`(?<![\\w.])${escape(word)}(?![\\w.])`, "g"))?.length ?? 0,
      }));
    };
    /** Each pasted line printed once, whole, and no word of the paste anywhere twice. */
    const assertClean = (history: string[]) => {
      for (const line of lines) {
        assert.equal(
          count(history, printed("alice", line, columns)),
          1,
          `"${line}" should be printed once, whole:\n${history.join("\n")}`,
        );
      }
      const copies = tally(history).filter(({ times }) => times > 1);
      assert.deepEqual(copies, [], `words of the paste shown twice:\n${history.join("\n")}`);
    };
    // The copies of the lines come back from the server: on a busy machine the last of them
    // may come after the draft is drawn whole.
    const history = await waitFor(
      () => scrollback(tmux, "alice"),
      (history) => lines.every((line) => count(history, printed("alice", line, columns)) >= 1),
      10_000,
      (history) => `for alice's copy of every line sent:\n${history.join("\n")}`,
    );
    assertClean(history);

    // The draft fills the screen: what arrives now scrolls up above it at once.
    await carol.say("a word while you paste");
    const news = messageLine("carol", "a word while you paste");
    const [, during] = await waitFor(
      () => Promise.all([tmux.capture("alice"), scrollback(tmux, "alice")]),
      ([screen, history]) =>
        count(history, news) >= 1 && screen.cursorLine === end.rows.at(-1) &&
        screen.cursor.x === end.cursor.x &&
        history.findIndex((line) => news.test(line)) <
          history.findIndex((line) => line.endsWith(end.rows.at(-1)!)),
      10_000,
      ([screen]) => `for carol's message above the draft. Last screen:\n${screen.text}`,
    );
    assert.equal(count(during, news), 1, `carol's message printed once:\n${during.join("\n")}`);
    assertClean(during);

    await send(tmux, bob, last, columns);
    const after = await scrollback(tmux, "alice");
    const wrong = tally(after).filter(({ times }) => times !== 1);
    assert.deepEqual(wrong, [], `every word of the paste should show once:\n${after.join("\n")}`);
  },
);

draftTest(
  "chat join: a line taller than a small screen says how many of its rows it hides, above or below",
  async (tmux, port) => {
    const columns = 60;
    const height = 15;
    const { bob, carol } = await threePeople(tmux, port, columns, height);
    await using _bob = bob;
    await using _carol = carol;
    const draft = longDraft(columns * 20 + 7);
    const { rows } = wrap(PROMPT + draft, columns);
    // Four rows are left to the conversation; of the rest, the first says what is hidden.
    const shown = height - 4 - 1;
    const hidden = rows.length - shown;
    assert.ok(hidden > 1, "the draft is taller than the screen");
    await tmux.type("alice", draft);
    const whole = (screen: Screen) => {
      const first = screen.cursor.y - shown + 1;
      return screen.lines[first - 1] === `… ${hidden} more rows above` &&
        screen.lines.slice(first, screen.cursor.y + 1).join("\n") === rows.slice(-shown).join("\n");
    };
    await tmux.waitForScreen(
      "alice",
      whole,
      10_000,
      `"… ${hidden} more rows above", then the draft's last ${shown} rows`,
    );

    // What arrives prints above it, once.
    await carol.say("news over a tall draft");
    const news = messageLine("carol", "news over a tall draft");
    await tmux.waitForScreen(
      "alice",
      (screen) => whole(screen) && count(screen.lines, news) === 1,
      10_000,
      "carol's message above the tall draft",
    );

    // At its start, the prompt and the first rows show, and how many rows follow.
    await tmux.press("alice", "Home");
    await tmux.waitForScreen(
      "alice",
      (screen) => {
        const top = screen.cursor.y;
        return screen.cursor.x === PROMPT.length &&
          screen.lines.slice(top, top + shown).join("\n") === rows.slice(0, shown).join("\n") &&
          screen.lines[top + shown] === `… ${hidden} more rows below`;
      },
      10_000,
      `the prompt and the draft's first ${shown} rows, then "… ${hidden} more rows below"`,
    );

    await tmux.press("alice", "End");
    await tmux.waitForScreen("alice", whole, 10_000, "the draft's end again");
    await send(tmux, bob, draft, columns);
    const history = await scrollback(tmux, "alice");
    assert.equal(count(history, /more rows (above|below)/), 0, history.join("\n"));
    assert.equal(count(history, news), 1, history.join("\n"));
  },
);
