/** Pure tests of client/render.ts: every server frame, mentions, colour and hostile input. */

import assert from "node:assert/strict";
import { clock, drawRows, isMention, paintName, renderFrame } from "../client/render.ts";
import { COMMANDS_V2, LOCAL_COMMANDS } from "../core/commands.ts";
import { describeFrame, describeHelp, errorLine, type Line, notice } from "../core/describe.ts";
import { plainText } from "../core/plain.ts";
import { layout } from "../client/layout.ts";
import { textWidth } from "../core/width.ts";
import { colorOf, PALETTE } from "../core/palette.ts";
import { retryNotice } from "../core/notices.ts";
import { daySeparator, unseenDivider } from "../core/dividers.ts";
import type { MessageFrame, PrivateFrame, ServerFrame } from "../protocol.ts";

// Today at 03:04:05 local time, so the expected stamp does not depend on the time zone, and a
// line of today is stamped with the time alone.
const TS = new Date().setHours(3, 4, 5, 0);
const STAMP = "[03:04:05]";

const PLAIN = { me: "bob", color: false };
const COLOR = { me: "bob", color: true };

const ESC = "\x1b";
// Our own styling: SGR sequences only.
// deno-lint-ignore no-control-regex
const SGR = /\x1b\[[0-9;]*m/g;
// Bold + inverse, as node:util styleText writes it.
const MENTION_ON = "\x1b[1m\x1b[7m";
const MENTION_OFF = "\x1b[27m\x1b[22m";
// C0 controls, DEL and C1 controls.
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
// Bidirectional marks, embeddings, overrides, isolates and Unicode line breaks.
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;

function message(fields: Partial<MessageFrame> = {}): MessageFrame {
  return { type: "message", id: 1, ts: TS, room: "#lobby", from: "ann", text: "hi", ...fields };
}

function privately(fields: Partial<PrivateFrame> = {}): PrivateFrame {
  return { type: "private", id: 2, ts: TS, from: "ann", to: "bob", text: "psst", ...fields };
}

function stripSgr(line: string): string {
  return line.replace(SGR, "");
}

function codePoints(text: string): string {
  return [...text].map((char) => `U+${char.codePointAt(0)!.toString(16).padStart(4, "0")}`)
    .join(" ");
}

/** Fails if `line` holds any control character or bidi mark, naming the culprits. */
function assertPrintable(line: string, what: string): void {
  const bad = [...line].filter((char) => CONTROL.test(char) || BIDI.test(char)).join("");
  assert.equal(bad, "", `${what}: ${JSON.stringify(line)} holds ${codePoints(bad)}`);
}

Deno.test("clock() formats a timestamp as local HH:MM:SS", () => {
  assert.equal(clock(TS), "03:04:05");
  assert.equal(clock(new Date(2024, 11, 31, 23, 59, 59).getTime()), "23:59:59");
  assert.equal(clock(new Date(2024, 5, 1, 0, 0, 0).getTime()), "00:00:00");
});

Deno.test("renderFrame() renders every server frame type as plain text", async (t) => {
  const cases: [string, ServerFrame, string[]][] = [
    ["message", message(), [`${STAMP} ann: hi`]],
    ["/me action", message({ text: "waves", action: true }), [`${STAMP} * ann waves`]],
    ["own message", message({ from: "bob", text: "yo" }), [`${STAMP} bob: yo`]],
    ["replayed message", message({ replay: true }), [`${STAMP} ann: hi`]],
    ["incoming private", privately(), [`${STAMP} [private] ann → you: psst`]],
    [
      "outgoing private",
      privately({ from: "bob", to: "ann", text: "hey" }),
      [`${STAMP} [private] you → ann: hey`],
    ],
    [
      "joined",
      { type: "joined", ts: TS, room: "#lobby", name: "ann" },
      [`-- ${STAMP} ann joined #lobby`],
    ],
    [
      "left without reason",
      { type: "left", ts: TS, room: "#dev", name: "ann" },
      [`-- ${STAMP} ann left #dev`],
    ],
    [
      "left with reason",
      { type: "left", ts: TS, room: "#lobby", name: "ann", reason: "connection lost" },
      [`-- ${STAMP} ann left #lobby (connection lost)`],
    ],
    [
      "renamed",
      { type: "renamed", ts: TS, room: "#lobby", from: "ann", to: "anna" },
      [`-- ${STAMP} ann is now anna`],
    ],
    [
      "welcome",
      { type: "welcome", version: 1, server: "chat", name: "bob" },
      ["-- Connected to chat as bob. Type /help for commands"],
    ],
    [
      "room, one person",
      { type: "room", room: "#lobby", members: ["bob"], count: 1 },
      ["-- You are in #lobby. 1 person here: bob"],
    ],
    [
      "room, several people",
      { type: "room", room: "#dev", members: ["ann", "bob"], count: 2 },
      ["-- You are in #dev. 2 people here: ann, bob"],
    ],
    [
      "who, truncated list",
      { type: "who", room: "#lobby", members: ["ann", "bob"], count: 5 },
      // bob, whom the lines are drawn for, finds himself marked.
      ["-- #lobby: 5 people here: ann, bob (you) and 3 more"],
    ],
    [
      "rooms",
      { type: "rooms", rooms: [{ name: "#lobby", members: 3 }, { name: "#dev", members: 1 }] },
      ["-- Rooms: #lobby (3), #dev (1)"],
    ],
    [
      "help",
      {
        type: "help",
        commands: [
          { usage: "/me TEXT", description: "act something out" },
          { usage: "/msg NAME TEXT", description: "send a private message" },
        ],
      },
      [
        "-- Commands:",
        "--   /me TEXT        act something out",
        "--   /msg NAME TEXT  send a private message",
        "--   //text          send a line that begins with /",
      ],
    ],
    ["info", { type: "info", text: "You are in #lobby already" }, ["-- You are in #lobby already"]],
    [
      "error",
      { type: "error", code: "no_such_user", message: "Nobody is called zed" },
      ["!! Nobody is called zed"],
    ],
    [
      "bye",
      { type: "bye", reason: "The server is shutting down" },
      ["-- Disconnected: The server is shutting down"],
    ],
    ["pong", { type: "pong", token: "t" }, []],
  ];
  const seen = new Set(cases.map(([, frame]) => frame.type));
  const all: ServerFrame["type"][] = [
    "welcome",
    "room",
    "message",
    "private",
    "joined",
    "left",
    "renamed",
    "who",
    "rooms",
    "help",
    "info",
    "error",
    "bye",
    "pong",
  ];
  assert.deepEqual(all.filter((type) => !seen.has(type)), [], "every frame type has a case");
  for (const [what, frame, expected] of cases) {
    await t.step(`${what}`, () => {
      assert.deepEqual(renderFrame(frame, PLAIN), expected);
    });
  }
});

Deno.test("renderFrame() with color on shows the same text, only styled", () => {
  const frames: ServerFrame[] = [
    message(),
    message({ text: "waves", action: true }),
    message({ text: "hi bob" }),
    privately(),
    privately({ from: "bob", to: "ann" }),
    { type: "joined", ts: TS, room: "#lobby", name: "ann" },
    { type: "left", ts: TS, room: "#lobby", name: "ann", reason: "quit" },
    { type: "renamed", ts: TS, room: "#lobby", from: "ann", to: "anna" },
    { type: "welcome", version: 1, server: "chat", name: "bob" },
    { type: "room", room: "#lobby", members: ["bob"], count: 1 },
    { type: "who", room: "#lobby", members: ["ann"], count: 1 },
    { type: "rooms", rooms: [{ name: "#lobby", members: 1 }] },
    { type: "help", commands: [{ usage: "/who", description: "list people" }] },
    { type: "info", text: "note" },
    { type: "error", code: "bad_command", message: "nope" },
    { type: "bye", reason: "bye" },
  ];
  for (const frame of frames) {
    const colored = renderFrame(frame, COLOR);
    assert.ok(colored.some((line) => line.includes(ESC)), `${frame.type} is styled`);
    assert.deepEqual(colored.map(stripSgr), renderFrame(frame, PLAIN), frame.type);
  }
});

Deno.test("renderFrame() marks private messages in both directions", () => {
  const incoming = renderFrame(privately(), PLAIN);
  const outgoing = renderFrame(privately({ from: "bob", to: "ann" }), PLAIN);
  assert.match(incoming[0]!, /\[private\] ann → you: /);
  assert.match(outgoing[0]!, /\[private\] you → ann: /);
  // Own name compared case-insensitively: "BOB" sent it, so it is outgoing.
  assert.match(renderFrame(privately({ from: "BOB", to: "ann" }), PLAIN)[0]!, /you → ann/);
});

Deno.test("renderFrame() highlights a mention of my name only when color is on", async (t) => {
  const highlighted = (text: string, me = "bob") => {
    const [line] = renderFrame(message({ text }), { me, color: true });
    return line!.includes(MENTION_ON);
  };

  await t.step("the name is wrapped in bold + inverse", () => {
    const [line] = renderFrame(message({ text: "hi bob!" }), COLOR);
    assert.ok(line!.endsWith(`: hi ${MENTION_ON}bob${MENTION_OFF}!`), JSON.stringify(line));
  });

  await t.step("matching is case-insensitive and keeps the sender's casing", () => {
    const [line] = renderFrame(message({ text: "BOB, lunch?" }), COLOR);
    assert.ok(line!.includes(`${MENTION_ON}BOB${MENTION_OFF}`), JSON.stringify(line));
    assert.ok(highlighted("hello Bob", "bOb"));
  });

  await t.step("@name is highlighted with its @", () => {
    const [line] = renderFrame(message({ text: "ping @bob" }), COLOR);
    assert.ok(line!.includes(`${MENTION_ON}@bob${MENTION_OFF}`), JSON.stringify(line));
  });

  await t.step("the name must be a whole word", () => {
    const [line] = renderFrame(message({ text: "malice is not alice" }), {
      me: "alice",
      color: true,
    });
    assert.ok(
      line!.endsWith(`: malice is not ${MENTION_ON}alice${MENTION_OFF}`),
      JSON.stringify(line),
    );
    assert.ok(!highlighted("malice", "alice"));
    assert.ok(!highlighted("alices", "alice"));
    assert.ok(!highlighted("alice_2", "alice"));
    assert.ok(!highlighted("alice2", "alice"));
    assert.ok(!highlighted("bobby and kabob"));
    assert.ok(highlighted("alice's turn", "alice"));
    assert.ok(highlighted("(alice)", "alice"));
    assert.ok(highlighted("alice", "alice"));
  });

  await t.step("a name with regex characters matches literally", () => {
    assert.ok(highlighted("hi a.b", "a.b"));
    assert.ok(!highlighted("hi axb", "a.b"));
  });

  await t.step("/me actions are highlighted too", () => {
    const [line] = renderFrame(message({ text: "pokes bob", action: true }), COLOR);
    assert.ok(line!.includes(`${MENTION_ON}bob${MENTION_OFF}`), JSON.stringify(line));
  });

  await t.step("my own messages are not highlighted", () => {
    const [line] = renderFrame(message({ from: "Bob", text: "I am bob" }), COLOR);
    assert.ok(!line!.includes(MENTION_ON), JSON.stringify(line));
  });

  await t.step("with color off the text is untouched", () => {
    assert.deepEqual(renderFrame(message({ text: "hi bob" }), PLAIN), [`${STAMP} ann: hi bob`]);
  });
});

Deno.test("isMention() is true for mentions and incoming privates only", () => {
  assert.equal(isMention(message({ text: "hi bob" }), "bob"), true);
  assert.equal(isMention(message({ text: "hi BOB" }), "bob"), true);
  assert.equal(isMention(message({ text: "hi @Bob" }), "bob"), true);
  assert.equal(isMention(message({ text: "pokes bob", action: true }), "bob"), true);
  assert.equal(isMention(message({ text: "malice" }), "alice"), false);
  assert.equal(isMention(message({ text: "hi all" }), "bob"), false);
  assert.equal(isMention(message({ from: "bob", text: "I am bob" }), "bob"), false, "own");
  assert.equal(isMention(message({ from: "BOB", text: "I am bob" }), "bob"), false, "own, cased");
  assert.equal(isMention(message({ text: "hi bob", replay: true }), "bob"), false, "replay");
  assert.equal(isMention(privately(), "bob"), true, "incoming private");
  assert.equal(isMention(privately({ text: "no name here" }), "Bob"), true, "incoming, cased");
  assert.equal(isMention(privately({ from: "bob", to: "ann" }), "bob"), false, "outgoing private");
  const notices: ServerFrame[] = [
    { type: "joined", ts: TS, room: "#lobby", name: "bob" },
    { type: "info", text: "bob" },
    { type: "renamed", ts: TS, room: "#lobby", from: "ann", to: "bob" },
    { type: "bye", reason: "bob" },
  ];
  for (const frame of notices) assert.equal(isMention(frame, "bob"), false, frame.type);
});

Deno.test("isMention() works for names with - and . (regression: an invalid regex escape)", () => {
  assert.equal(isMention(message({ text: "hi term-bob" }), "term-bob"), true);
  assert.equal(isMention(message({ text: "hi bob.2!" }), "bob.2"), true);
  assert.equal(isMention(message({ text: "hi bobx2" }), "bob.2"), false);
  assert.equal(isMention(message({ text: "hi all" }), "a-b.c"), false);
});

Deno.test("paintName() uses the name's palette colour from palette.ts", () => {
  for (const name of ["ann", "bob", "carol", "dave", "eve", "Zoë", "名前"]) {
    const { ansi } = colorOf(name);
    assert.ok(PALETTE.some((entry) => entry.ansi === ansi));
    assert.equal(paintName(name, true), `\x1b[1;38;5;${ansi}m${name}\x1b[22;39m`);
    assert.equal(paintName(name, false), name);
  }
  // Names equal up to case share a colour.
  assert.equal(paintName("ANN", true), `\x1b[1;38;5;${colorOf("ann").ansi}mANN\x1b[22;39m`);
  // The sender's name in a message is painted the same way.
  const [line] = renderFrame(message({ from: "carol" }), COLOR);
  assert.ok(line!.includes(paintName("carol", true)), JSON.stringify(line));
});

Deno.test("renderFrame() with color off never writes an ESC byte", () => {
  const frames: ServerFrame[] = [
    message({ text: "hi bob" }),
    message({ text: "hi bob", action: true }),
    privately(),
    privately({ from: "bob", to: "ann" }),
    { type: "joined", ts: TS, room: "#lobby", name: "bob" },
    { type: "left", ts: TS, room: "#lobby", name: "ann", reason: "bob" },
    { type: "renamed", ts: TS, room: "#lobby", from: "ann", to: "bob" },
    { type: "welcome", version: 1, server: "chat", name: "bob" },
    { type: "room", room: "#lobby", members: ["ann", "bob"], count: 2 },
    { type: "who", room: "#lobby", members: ["ann", "bob"], count: 2 },
    { type: "rooms", rooms: [{ name: "#lobby", members: 2 }] },
    { type: "help", commands: [{ usage: "/who", description: "list people" }] },
    { type: "info", text: "bob" },
    { type: "error", code: "bad_command", message: "bob" },
    { type: "bye", reason: "bob" },
  ];
  for (const frame of frames) {
    for (const line of renderFrame(frame, PLAIN)) {
      assert.ok(!line.includes(ESC), `${frame.type}: ${JSON.stringify(line)}`);
    }
  }
});

Deno.test("renderFrame() never lets hostile strings put control characters on screen", async (t) => {
  const hostile = [
    "\x1b[2J\x1b[H", // clear screen, cursor home
    "\x1b]0;pwned\x07", // set the window title
    "\x1b]52;c;cm0gLXJmIH4=\x07", // write the clipboard
    "\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\", // hyperlink
    "\x1bP+q\x1b\\", // DCS
    "\x1b[31;1mred", // colour
    "\x9b2J", // C1 CSI
    "\x9d0;title\x9c", // C1 OSC ... ST
    "\x85\x8d\x90\x9f", // other C1 controls
    "\x00\x07\x08\x7f", // NUL, BEL, BS, DEL
    "line1\nline2\r\x1b[1A", // line breaks and cursor up
    "\t\v\f", // tab, vertical tab, form feed
    "\u202eevil\u202c", // right-to-left override
    "\u2066\u2067\u2068\u2069\u200e\u200f\u061c", // isolates and marks
    "\u2028\u2029", // Unicode line and paragraph separators
    "\x1b", // a lone ESC at the end
    "\x1b[", // an unfinished CSI
  ];
  const bad = (prefix: string) => hostile.map((payload, index) => `${prefix}${index}${payload}x`);
  const frames = (s: string): ServerFrame[] => [
    message({ from: s, text: s, room: s }),
    message({ from: s, text: `${s} bob ${s}`, action: true }),
    message({ from: "ann", text: `bob${s}bob` }),
    privately({ from: s, to: "bob", text: s }),
    privately({ from: "bob", to: s, text: s }),
    { type: "joined", ts: TS, room: s, name: s },
    { type: "left", ts: TS, room: s, name: s, reason: s },
    { type: "renamed", ts: TS, room: s, from: s, to: s },
    { type: "welcome", version: 1, server: s, name: s },
    { type: "room", room: s, members: [s, s], count: 3 },
    { type: "who", room: s, members: [s], count: 1 },
    { type: "rooms", rooms: [{ name: s, members: 1 }, { name: s, members: 2 }] },
    { type: "help", commands: [{ usage: s, description: s }, { usage: "/x", description: s }] },
    { type: "info", text: s },
    { type: "error", code: "bad_command", message: s },
    { type: "bye", reason: s },
  ];
  for (const s of bad("n")) {
    await t.step(`payload ${JSON.stringify(s)}`, () => {
      for (const frame of frames(s)) {
        for (const me of ["bob", s]) {
          const plain = renderFrame(frame, { me, color: false });
          for (const line of plain) assertPrintable(line, `${frame.type} (plain)`);
          const colored = renderFrame(frame, { me, color: true });
          // With color on, the only escape sequences are our own SGR styling.
          for (const line of colored) assertPrintable(stripSgr(line), `${frame.type} (color)`);
          assert.deepEqual(colored.map(stripSgr), plain, `${frame.type}: color adds only SGR`);
        }
        assert.equal(typeof isMention(frame, "bob"), "boolean");
      }
      assert.ok(paintName(s, false).length > 0);
      assertPrintable(paintName(s, false), "paintName (plain)");
      assertPrintable(stripSgr(paintName(s, true)), "paintName (color)");
    });
  }
  await t.step("a hostile name keeps its visible text", () => {
    const [line] = renderFrame(message({ from: "ev\x1b[31mil", text: "a\u202eb" }), PLAIN);
    assert.equal(line, `${STAMP} evil: ab`);
  });
});

Deno.test("isMention() agrees with the highlight when sanitising changes the text", () => {
  // A hostile server could hide the name behind controls; what is highlighted
  // on screen and what rings the bell must be the same thing.
  for (const text of ["b\x1b[0mob", "b\u200eob", "hi\u202ebob", "x\x1b]0;t\x07bob"]) {
    const [line] = renderFrame(message({ text }), COLOR);
    const shown = line!.includes(MENTION_ON);
    assert.equal(isMention(message({ text }), "bob"), shown, JSON.stringify(text));
  }
});

Deno.test("renderFrame() draws a message of several lines as rows indented under its words", () => {
  assert.deepEqual(renderFrame(message({ text: "Traceback:\n  File\n\nend" }), PLAIN), [
    `${STAMP} ann: Traceback:`,
    `${" ".repeat(16)}  File`,
    "",
    `${" ".repeat(16)}end`,
  ]);
  // Indented by the columns the name takes on the terminal: a wide character takes two.
  assert.deepEqual(renderFrame(message({ from: "李", text: "a\nb" }), PLAIN), [
    `${STAMP} 李: a`,
    `${" ".repeat(15)}b`,
  ]);
});

Deno.test("drawRows() keeps an empty line of a message as an empty row, for its sender too", () => {
  const text = "Traceback:\n  File x\n\n    run()\nValueError";
  const rows = [
    `${STAMP} zed: Traceback:`,
    `${" ".repeat(16)}  File x`,
    "",
    `${" ".repeat(16)}    run()`,
    `${" ".repeat(16)}ValueError`,
  ];
  for (const me of ["zed", "bob"]) {
    const [line] = describeFrame(message({ from: "zed", text }), me);
    for (const columns of [undefined, 40]) {
      const options = columns === undefined ? {} : { columns };
      assert.deepEqual(drawRows(line!, false, options), rows, `${me} at ${columns}`);
      assert.deepEqual(drawRows(line!, true, options).map(stripSgr), rows, `${me} at ${columns}`);
    }
  }
});

Deno.test("renderFrame() draws a code block without fences, in its own colour", () => {
  const frame = message({ text: "```python\nif ok:\n    run()\n```" });
  assert.deepEqual(renderFrame(frame, PLAIN), [
    `${STAMP} ann:`,
    `${" ".repeat(16)}if ok:`,
    `${" ".repeat(16)}    run()`,
  ]);
  const [, ...code] = renderFrame(frame, COLOR);
  assert.deepEqual(code, [
    `${" ".repeat(16)}\x1b[36mif ok:\x1b[39m`,
    `${" ".repeat(16)}\x1b[36m    run()\x1b[39m`,
  ]);
});

Deno.test("drawRows() wraps a /help line under its description when the terminal is narrow", () => {
  const [, line] = describeHelp([{
    usage: "/search WORDS",
    description: "find messages of this room holding every word, the newest first",
  }]);
  assert.deepEqual(drawRows(line!, false, { columns: 50 }), [
    "--   /search WORDS  find messages of this room",
    "                    holding every word, the newest",
    "                    first",
  ]);
  // Wide enough, or with no width known, it is one row.
  assert.equal(drawRows(line!, false, { columns: 200 }).length, 1);
  assert.equal(drawRows(line!, false).length, 1);
  // Each row fits.
  for (const row of drawRows(line!, true, { columns: 50 })) {
    assert.ok(stripSgr(row).length <= 50, row);
  }
});

Deno.test("drawRows() wraps /help at its spaces at every width, no further row at the left edge", () => {
  const lines = describeHelp([...COMMANDS_V2, ...LOCAL_COMMANDS]);
  const words = (text: string) => text.split(/\s+/).filter((word) => word !== "");
  for (let columns = 20; columns <= 120; columns++) {
    for (const line of lines) {
      const rows = drawRows(line, false, { columns });
      const at = `${columns} columns: ${JSON.stringify(rows)}`;
      for (const row of rows) assert.ok(textWidth(row) <= columns, at);
      for (const row of rows.slice(1)) assert.match(row, /^ {2,}\S/, at);
      // Cut at spaces only: every word whole (a usage wrapped in its column sets its
      // further words beside the description's rows).
      const sorted = (text: string) => words(text).sort();
      assert.deepEqual(sorted(rows.join(" ")), sorted(drawRows(line, false).join(" ")), at);
    }
  }
  // A usage wider than the column wraps in it, the descriptions keeping theirs.
  const ban = lines.find((line) => plainText(line).includes("/ban"))!;
  assert.deepEqual(drawRows(ban, false, { columns: 80 }), [
    "--   /ban NAME|ADDRESS      keep someone out, for DURATION (10m, 2h, 3d) or",
    "     [DURATION] [REASON]    until /unban (operators)",
  ]);
  const get = lines.find((line) => plainText(line).includes("/get"))!;
  // The usage column leaves too little room: the description goes under the usage.
  assert.deepEqual(drawRows(get, false, { columns: 40 }), [
    "--   /get N|LINK",
    "       download shared file N, or a",
    "       link, into the current folder;",
    "       /cancel stops it",
  ]);
  const switchLine = lines.find((line) => plainText(line).includes("/switch"))!;
  assert.deepEqual(drawRows(switchLine, false, { columns: 57 }), [
    "--   /switch #room|@name",
    "       look at another of your rooms, or your private",
    "       messages with someone",
  ]);
});

Deno.test("drawRows() keeps /help at 80 columns to two rows a command at most", () => {
  const lines = describeHelp([...COMMANDS_V2, ...LOCAL_COMMANDS]);
  const rows = lines.map((line) => drawRows(line, false, { columns: 80 }));
  for (const drawn of rows) assert.ok(drawn.length <= 2, drawn.join("\n"));
  // Most on one row: the usage column is no wider than the usages most commands have.
  assert.ok(rows.filter((drawn) => drawn.length === 1).length >= lines.length * 2 / 3);
});

/** The one line that `frame` is, as bob sees it. */
function lineOf(frame: ServerFrame): Line {
  const [line] = describeFrame(frame, "bob");
  assert.ok(line !== undefined, frame.type);
  return line;
}

const LONG = "This is a very long message that goes on past the edge of the screen so " +
  "that it has to wrap under the words of the first line";

Deno.test("drawRows() wraps a long line at its spaces, under its words", async (t) => {
  await t.step("a message at 80 columns", () => {
    assert.deepEqual(drawRows(lineOf(message({ text: LONG })), false, { columns: 80 }), [
      `${STAMP} ann: This is a very long message that goes on past the edge of the`,
      `${" ".repeat(16)}screen so that it has to wrap under the words of the first line`,
    ]);
  });
  await t.step("an action at 40 columns", () => {
    assert.deepEqual(
      drawRows(lineOf(message({ text: LONG, action: true })), false, { columns: 40 }),
      [
        `${STAMP} * ann This is a very long`,
        `${" ".repeat(17)}message that goes on`,
        `${" ".repeat(17)}past the edge of the`,
        `${" ".repeat(17)}screen so that it has`,
        `${" ".repeat(17)}to wrap under the words`,
        `${" ".repeat(17)}of the first line`,
      ],
    );
  });
  await t.step("an error and a stamped notice, under their words", () => {
    const said = "Cannot show history here: private messages are not kept; /switch to a room first";
    assert.deepEqual(drawRows(errorLine(said), false, { columns: 80 }), [
      "!! Cannot show history here: private messages are not kept; /switch to a room",
      "   first",
    ]);
    assert.deepEqual(drawRows(notice([said], TS), false, { columns: 40 }), [
      `-- ${STAMP} Cannot show history here:`,
      `${" ".repeat(14)}private messages are not`,
      `${" ".repeat(14)}kept; /switch to a room`,
      `${" ".repeat(14)}first`,
    ]);
  });
  await t.step("a private message whose words start too far right, under the name", () => {
    assert.deepEqual(drawRows(lineOf(privately({ text: LONG })), false, { columns: 40 }), [
      `${STAMP} [private] ann → you: This is`,
      `${" ".repeat(11)}a very long message that goes`,
      `${" ".repeat(11)}on past the edge of the`,
      `${" ".repeat(11)}screen so that it has to wrap`,
      `${" ".repeat(11)}under the words of the first`,
      `${" ".repeat(11)}line`,
    ]);
  });
  await t.step("wide characters count two columns, a combining mark none", () => {
    const text = `${"漢字".repeat(5)} ${"e\u0301".repeat(20)} ${"😀".repeat(12)}`;
    const rows = drawRows(lineOf(message({ text })), false, { columns: 40 });
    assert.deepEqual(rows, [
      `${STAMP} ann: ${"漢字".repeat(5)}`,
      `${" ".repeat(16)}${"e\u0301".repeat(20)}`,
      `${" ".repeat(16)}${"😀".repeat(12)}`,
    ]);
  });
  await t.step("emoji joined by zero-width joiners count as the terminal draws them", () => {
    const family = "👨‍👩‍👧‍👦";
    // Two columns, as tmux draws it and as the input line counts it.
    assert.equal(textWidth(family), 2);
    assert.equal(layout(family, 0, 80).end.col, 2);
    const rows = drawRows(lineOf(message({ text: `${family.repeat(12)} ${family}` })), false, {
      columns: 40,
    });
    assert.deepEqual(rows, [`${STAMP} ann: ${family.repeat(12)}`, `${" ".repeat(16)}${family}`]);
    // One measure for the wrapping and the input line, whatever is joined.
    for (const text of [family, "🏳️‍🌈 flag", "x\u200d👨", "👨\u200da", "a\u200db", "👍🏽 e\u0301 漢"]) {
      assert.equal(textWidth(text), layout(text, 0, 80).end.col, JSON.stringify(text));
    }
  });
  await t.step("a word wider than a row is cut, filling the row", () => {
    const url = `https://example.com/${"a".repeat(60)}`;
    assert.deepEqual(
      drawRows(lineOf(message({ text: `see ${url} now` })), false, { columns: 40 }),
      [
        `${STAMP} ann: see https://example.com/`,
        `${" ".repeat(16)}${"a".repeat(24)}`,
        `${" ".repeat(16)}${"a".repeat(24)}`,
        `${" ".repeat(16)}${"a".repeat(12)} now`,
      ],
    );
  });
  await t.step("each row fits, in colour too, and no word is lost or split", () => {
    const lines = [
      lineOf(message({ text: LONG })),
      lineOf(message({ text: `bob, ${LONG}` })),
      lineOf(privately({ text: `${LONG}\n  and a second line that is long enough to wrap too` })),
      errorLine(LONG),
    ];
    for (const columns of [30, 40, 80]) {
      for (const line of lines) {
        for (const color of [false, true]) {
          const rows = drawRows(line, color, { columns }).map(stripSgr);
          for (const row of rows) assert.ok(textWidth(row) <= columns, `${columns}: ${row}`);
          const words = (text: string) => text.split(/\s+/).filter((word) => word !== "");
          assert.deepEqual(words(rows.join(" ")), words(drawRows(line, false).join(" ")));
        }
      }
    }
  });
  await t.step("with no width known, a line is one row", () => {
    assert.equal(drawRows(lineOf(message({ text: LONG })), false).length, 1);
  });
});

Deno.test("drawRows() wraps an indented line under its own text", async (t) => {
  const words = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi";
  const draw = (text: string, columns: number, ts = TS) =>
    drawRows(lineOf(message({ text, ts })), false, { columns });
  await t.step("a line of a message, and of a code block, under its indentation", () => {
    const rows = [
      `${" ".repeat(16)}def f():`,
      `${" ".repeat(24)}alpha beta gamma delta`,
      `${" ".repeat(24)}epsilon zeta eta theta`,
      `${" ".repeat(24)}iota kappa lambda mu nu xi`,
      `${" ".repeat(20)}return 1`,
    ];
    const text = `def f():\n        ${words}\n    return 1`;
    assert.deepEqual(draw(text, 50), [`${STAMP} ann: def f():`, ...rows.slice(1)]);
    assert.deepEqual(draw(`\`\`\`python\n${text}\n\`\`\``, 50), [`${STAMP} ann:`, ...rows]);
    // In colour too, the indent outside the code's colour.
    const [line] = describeFrame(message({ text: `\`\`\`\n${text}\n\`\`\`` }), "bob");
    assert.deepEqual(drawRows(line!, true, { columns: 50 }).map(stripSgr), [
      `${STAMP} ann:`,
      ...rows,
    ]);
  });
  await t.step("the first line too, and a tab as the spaces it was made", () => {
    assert.deepEqual(draw(`    ${words}`, 50), [
      `${STAMP} ann:     alpha beta gamma delta epsilon`,
      `${" ".repeat(20)}zeta eta theta iota kappa`,
      `${" ".repeat(20)}lambda mu nu xi`,
    ]);
    assert.deepEqual(draw(`x:\n\t${words}`, 50).slice(1), [
      `${" ".repeat(20)}alpha beta gamma delta epsilon`,
      `${" ".repeat(20)}zeta eta theta iota kappa`,
      `${" ".repeat(20)}lambda mu nu xi`,
    ]);
  });
  await t.step("an ideographic space's two columns, wide characters after it", () => {
    assert.deepEqual(draw(`x:\n\u3000\u3000${"漢字漢字 ".repeat(4).trimEnd()}`, 40).slice(1), [
      `${" ".repeat(16)}\u3000\u3000漢字漢字 漢字漢字`,
      `${" ".repeat(20)}漢字漢字 漢字漢字`,
    ]);
  });
  await t.step("under the words alone where the indentation leaves fewer than 20 columns", () => {
    assert.deepEqual(draw(`x:\n${" ".repeat(16)}${words}`, 50).slice(1), [
      `${" ".repeat(32)}alpha beta gamma`,
      `${" ".repeat(16)}delta epsilon zeta eta theta iota`,
      `${" ".repeat(16)}kappa lambda mu nu xi`,
    ]);
    // 14 spaces leave 20: under them still.
    assert.deepEqual(draw(`x:\n${" ".repeat(14)}${words}`, 50).slice(1), [
      `${" ".repeat(30)}alpha beta gamma`,
      `${" ".repeat(30)}delta epsilon zeta`,
      `${" ".repeat(30)}eta theta iota kappa`,
      `${" ".repeat(30)}lambda mu nu xi`,
    ]);
  });
  await t.step("in a narrow terminal, indented from where further rows start there", () => {
    // Too narrow to go under the words or the time stamp: further lines start under two
    // spaces, and an indented one's rows under its own text from there.
    for (const ts of [TS, 0]) {
      assert.deepEqual(draw(`x:\n    ${words}`, 30, ts).slice(1), [
        `${" ".repeat(6)}alpha beta gamma delta`,
        `${" ".repeat(6)}epsilon zeta eta theta`,
        `${" ".repeat(6)}iota kappa lambda mu nu`,
        `${" ".repeat(6)}xi`,
      ]);
    }
  });
  await t.step("each row fits and keeps every word, at every width", () => {
    const texts = [
      `def f():\n        ${words}\n    return 1`,
      `- item\n  - ${words} ${"漢字".repeat(30)}\n      ${"x".repeat(70)} y`,
    ];
    for (const text of texts) {
      for (let columns = 20; columns <= 100; columns++) {
        const rows = draw(text, columns);
        const at = `${columns} columns: ${JSON.stringify(rows)}`;
        for (const row of rows) assert.ok(textWidth(row) <= columns, at);
        for (const row of rows.slice(1)) assert.match(row, /^ {2,}\S/, at);
        const all = (text: string) => text.split(/\s+/).join("");
        assert.equal(all(rows.join(" ")), all(`${STAMP} ann: ${text}`), at);
      }
    }
  });
});

Deno.test("drawRows() lets no message pad its way to a row that looks like someone else's line", () => {
  const fake = "[06:54:29] bob: the deploy password is in /tmp/pw, paste it here";
  // Today's time stamp, or another day's, which leaves less room in a narrow terminal.
  const cases = [40, 80, 120].flatMap((n): [number, number][] => [[n, Date.now()], [n, 0]]);
  for (const [columns, ts] of cases) {
    for (const pad of [columns - 22, columns - 21, columns - 20, 2 * columns]) {
      const text = `ok${" ".repeat(pad)}${fake}`;
      const [line] = describeFrame(
        { type: "message", id: 1, ts, room: "#lobby", from: "mallory", text },
        "ann",
      );
      const rows = drawRows(line!, false, { columns });
      assert.ok(rows[0]!.includes("mallory: ok"), JSON.stringify(rows));
      for (const row of rows.slice(1)) {
        assert.ok(row.startsWith(" "), `${columns} columns, ${pad} spaces: ${JSON.stringify(row)}`);
      }
    }
  }
});

Deno.test("drawRows() keeps a number and its unit on one row at every width", () => {
  const lines = [
    notice([retryNotice(15_000).parts[0]!.text], TS),
    notice(["Files up to 25 MiB are kept for 7 d; report.pdf (1.2 MiB) is 48% there"], TS),
    lineOf(message({ text: "the build took 15 s and used 340 MB, about 12% of it" })),
  ];
  const unit = /^ *(s|MiB|MB|d|%)\b/u;
  for (const line of lines) {
    for (let columns = 20; columns <= 90; columns++) {
      const rows = drawRows(line, false, { columns });
      const at = `${columns} columns: ${JSON.stringify(rows)}`;
      for (const row of rows) assert.ok(textWidth(row) <= columns, at);
      rows.slice(1).forEach((row, index) => {
        const cut = /[0-9]$/.test(rows[index]!) && unit.test(row.trimStart());
        assert.ok(!cut, at);
      });
    }
  }
  // The break goes before the number instead.
  assert.deepEqual(drawRows(notice([retryNotice(15_000).parts[0]!.text]), false, { columns: 38 }), [
    "-- Connection lost. Reconnecting in",
    "   15 s…",
  ]);
});

Deno.test("drawRows() wraps a shared file's line under its words, /get N on one row", () => {
  const file = {
    id: "a".repeat(64),
    name: "my report ü 报告.txt",
    size: 15,
    url: `/files/${"a".repeat(64)}/x`,
    type: "text/plain",
  };
  const get = { fileLink: () => "· /get 1" };
  const shared = (frame: ServerFrame) => describeFrame(frame, "bob", get)[0]!;
  const live = shared(message({ text: "", file }));
  // Its further rows under "shared", as a message's are under its words; "· /get 1" kept whole.
  assert.deepEqual(drawRows(live, false, { columns: 60 }), [
    `${STAMP} ann shared my report ü 报告.txt (15 bytes)`,
    `${" ".repeat(15)}· /get 1`,
  ]);
  assert.deepEqual(drawRows(live, false, { columns: 40 }), [
    `${STAMP} ann shared my report ü`,
    `${" ".repeat(15)}报告.txt (15 bytes)`,
    `${" ".repeat(15)}· /get 1`,
  ]);
  // The same in /history, and a private one's under its words too.
  const replayed = shared(message({ text: "", file, replay: true }));
  assert.deepEqual(
    drawRows(replayed, false, { columns: 60 }),
    drawRows(live, false, { columns: 60 }),
  );
  assert.deepEqual(drawRows(shared(privately({ text: "", file })), false, { columns: 70 }), [
    `${STAMP} [private] ann → you: shared my report ü 报告.txt (15 bytes)`,
    `${" ".repeat(32)}· /get 1`,
  ]);
  for (let columns = 24; columns <= 90; columns++) {
    for (const line of [live, shared(privately({ text: "", file }))]) {
      const rows = drawRows(line, false, { columns });
      const at = `${columns} columns: ${JSON.stringify(rows)}`;
      for (const row of rows) assert.ok(textWidth(row) <= columns, at);
      assert.ok(rows.some((row) => row.endsWith("/get 1")), at);
      for (const row of rows.slice(1)) assert.match(row, /^ {2,}\S/, at);
    }
  }
});

Deno.test("drawRows() starts no row with closing Chinese or Japanese punctuation", () => {
  const chinese = "我们明天下午三点在会议室开会，讨论一下新版本的发布计划和测试安排。";
  assert.deepEqual(drawRows(lineOf(message({ text: chinese })), false, { columns: 80 }), [
    `${STAMP} ann: 我们明天下午三点在会议室开会，讨论一下新版本的发布计划和测试安`,
    `${" ".repeat(16)}排。`,
  ]);
  const japanese = "「明日の会議は午後三時からです。資料を準備してください。」と言われました。";
  for (const text of [chinese, japanese, `${chinese}」』`]) {
    for (let columns = 24; columns <= 100; columns++) {
      const rows = drawRows(lineOf(message({ text })), false, { columns });
      const at = `${columns} columns: ${JSON.stringify(rows)}`;
      for (const row of rows) assert.ok(textWidth(row) <= columns, at);
      for (const row of rows.slice(1)) {
        assert.doesNotMatch(row.trimStart(), /^[、。，！？」』]/u, at);
      }
      assert.equal(
        rows.map((row, i) => i === 0 ? row : row.trimStart()).join(""),
        `${STAMP} ann: ${text}`,
      );
    }
  }
});

Deno.test("drawRows() wraps a narrow notice under its words, stamped or not", () => {
  // Too narrow to go under the words after the time stamp: under those after "-- ", as ever.
  assert.deepEqual(drawRows(notice(["bob joined #lobby"], TS), false, { columns: 30 }), [
    "-- [03:04:05] bob joined",
    "   #lobby",
  ]);
  assert.deepEqual(drawRows(notice(["Still no answer; trying again"]), false, { columns: 30 }), [
    "-- Still no answer; trying",
    "   again",
  ]);
  assert.deepEqual(drawRows(errorLine("Cannot send: bob muted you"), false, { columns: 24 }), [
    "!! Cannot send: bob",
    "   muted you",
  ]);
});

Deno.test("drawRows() wraps a divider wider than the terminal at its spaces, each row centred", () => {
  const divider = unseenDivider("#a-very-long-room-name-indeed");
  const text = plainText(divider);
  assert.deepEqual(drawRows(divider, false, { columns: 80 }), [
    `${" ".repeat(Math.floor((80 - text.length) / 2))}${text}`,
  ]);
  const rows = drawRows(divider, false, { columns: 40 });
  assert.deepEqual(rows, [
    "  — #a-very-long-room-name-indeed: new",
    "        since you last looked —",
  ]);
  for (const width of [12, 20, 30, 39]) {
    const narrow = drawRows(divider, false, { columns: width });
    for (const row of narrow) assert.ok(textWidth(row) <= width, `${width}: "${row}"`);
    // Nothing is left out: a word wider than a row is cut, filling it.
    assert.equal(narrow.join("").replaceAll(" ", ""), text.replaceAll(" ", ""), `${width}`);
  }
  const day = drawRows(daySeparator(TS, TS), true, { columns: 10 });
  assert.ok(day.length > 1 && day.every((row) => textWidth(row.replace(SGR, "")) <= 10), `${day}`);
});
