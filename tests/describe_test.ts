/**
 * The one wording of every event (core/describe.ts, core/notices.ts) and how
 * it reads as plain text (core/plain.ts), which the terminal and the
 * plain-text transport print. The page's drawing of the same parts is
 * checked in Chromium (tests/e2e/browser_test.ts).
 */

import assert from "node:assert/strict";
import { drawLine } from "../client/render.ts";
import {
  describeFrame,
  describeHelp,
  describePending,
  errorLine,
  type Line,
  type Part,
} from "../core/describe.ts";
import {
  noAnswerNotice,
  outageNotice,
  reconnectedNotice,
  retryNotice,
  serverSaysNotice,
  tooManyWaitingError,
  waitingNotice,
} from "../core/notices.ts";
import { codeOf, fenced, stamp } from "../core/format.ts";
import { plainLines, plainText, textRows, textRuns } from "../core/plain.ts";
import { isSafeText } from "../core/sanitize.ts";
import type { MessageFrame, PrivateFrame, ServerFrame } from "../protocol.ts";

// Today at 03:04:05 local time: a line of today is stamped with the time alone.
const TS = new Date().setHours(3, 4, 5, 0);

function message(fields: Partial<MessageFrame> = {}): MessageFrame {
  return { type: "message", id: 7, ts: TS, room: "#lobby", from: "ann", text: "hi", ...fields };
}

function privately(fields: Partial<PrivateFrame> = {}): PrivateFrame {
  return { type: "private", id: 8, ts: TS, from: "ann", to: "bob", text: "psst", ...fields };
}

function one(frame: ServerFrame, me = "bob"): Line {
  const [line, ...rest] = describeFrame(frame, me);
  assert.ok(line !== undefined && rest.length === 0, JSON.stringify(frame));
  return line;
}

function styled(parts: readonly Part[]): [string, string | undefined][] {
  return parts.map((part) => [part.text, part.style]);
}

Deno.test("describeFrame() words a message as parts: the name, the words, the mentions", () => {
  const line = one(message({ text: "hi bob, and @BOB" }));
  assert.equal(line.kind, "message");
  assert.equal(line.ts, TS);
  assert.equal(line.id, 7);
  assert.deepEqual(line.tags, ["mentioned"]);
  assert.deepEqual(styled(line.parts), [
    ["ann", "name"],
    [": ", undefined],
    ["hi ", "text"],
    ["bob", "mention"],
    [", and ", "text"],
    ["@BOB", "mention"],
  ]);
  assert.equal(line.parts[0]?.name, "ann");
});

Deno.test("describeFrame() marks an action, a replay and the user's own message", () => {
  const action = one(message({ text: "waves", action: true, replay: true }));
  assert.equal(action.kind, "action");
  assert.deepEqual(action.tags, ["replay"]);
  assert.equal(plainText(action), "[03:04:05] * ann waves");
  const own = one(message({ from: "BOB", text: "I am bob" }));
  assert.deepEqual(own.tags, ["own"]);
  assert.deepEqual(styled(own.parts).at(-1), ["I am bob", "text"], "no mention of oneself");
  assert.deepEqual(one(message({ text: "" })).parts.at(-1), { text: "", style: "text" });
});

Deno.test("describeFrame() words a private message with 'you' for the user", () => {
  const incoming = one(privately());
  assert.deepEqual(incoming.tags, ["incoming"]);
  assert.deepEqual(styled(incoming.parts), [
    ["private", "tag"],
    [" ", undefined],
    ["ann", "name"],
    [" → ", undefined],
    ["you", "you"],
    [": ", undefined],
    ["psst", "text"],
  ]);
  assert.equal(plainText(incoming), "[03:04:05] [private] ann → you: psst");
  const outgoing = one(privately({ from: "bob", to: "ann" }));
  assert.deepEqual(outgoing.tags, ["outgoing"]);
  assert.equal(plainText(outgoing), "[03:04:05] [private] you → ann: psst");
  const action = one(privately({ text: "waves", action: true }));
  assert.deepEqual(action.tags, ["incoming", "action"]);
  assert.equal(plainText(action), "[03:04:05] [private] * ann waves → you");
});

Deno.test("describeFrame() words notices, stamped when the server gave a time", () => {
  const cases: [ServerFrame, string][] = [
    [{ type: "joined", ts: TS, room: "#dev", name: "ann" }, "-- [03:04:05] ann joined #dev"],
    [
      { type: "left", ts: TS, room: "#dev", name: "ann", reason: "quit: lunch" },
      "-- [03:04:05] ann left #dev (quit: lunch)",
    ],
    [{ type: "renamed", ts: TS, room: "#dev", from: "a", to: "b" }, "-- [03:04:05] a is now b"],
    [{ type: "info", text: "You are in #lobby already" }, "-- You are in #lobby already"],
    [{ type: "bye", reason: "Goodbye" }, "-- Disconnected: Goodbye"],
    [{ type: "error", code: "bad_command", message: "Usage: /me ACTION" }, "!! Usage: /me ACTION"],
    [
      { type: "who", room: "#dev", members: ["a", "b"], count: 4 },
      "-- #dev: 4 people here: a, b and 2 more",
    ],
    // A room nobody is in (as the host's console may ask of any room), with no dangling colon.
    [{ type: "who", room: "#empty", members: [], count: 0 }, "-- #empty: nobody here"],
  ];
  for (const [frame, text] of cases) assert.equal(plainText(one(frame)), text, frame.type);
  const room = one({ type: "room", room: "#dev", members: ["bob"], count: 1 });
  assert.deepEqual(room.tags, ["room-change"]);
  assert.equal(plainText(room), "-- You are in #dev. 1 person here: bob");
  // Someone who entered unseen (a quiet hello) is counted nowhere, not even by their own room.
  assert.equal(
    plainText(one({ type: "room", room: "#dev", members: [], count: 0 })),
    "-- You are in #dev. Nobody else is here",
  );
  assert.deepEqual(styled(room.parts).slice(0, 3), [
    ["You are in ", undefined],
    ["#dev", "room"],
    [". ", undefined],
  ]);
  assert.deepEqual(describeFrame({ type: "pong" }, "bob"), []);
});

Deno.test("describeHelp() puts the usages in one column, and ends with //text", () => {
  const lines = describeHelp([
    { usage: "/me ACTION", description: "act" },
    { usage: "/msg NAME TEXT", description: "whisper" },
  ]);
  assert.deepEqual(lines.map((line) => plainText(line)), [
    "-- Commands:",
    "--   /me ACTION      act",
    "--   /msg NAME TEXT  whisper",
    "--   //text          send a line that begins with /",
  ]);
  assert.deepEqual(lines[1]?.tags, ["help"]);
  assert.deepEqual(lines[3]?.tags, ["help"]);
});

Deno.test("describeHelp() lists the client's keys after the commands, in the same columns", () => {
  const lines = describeHelp([{ usage: "/me ACTION", description: "act" }], [
    { usage: "Ctrl+N, Ctrl+P", description: "the next view, or the one before" },
  ]);
  assert.deepEqual(lines.map((line) => plainText(line)), [
    "-- Commands:",
    "--   /me ACTION      act",
    "--   //text          send a line that begins with /",
    "-- Keys:",
    "--   Ctrl+N, Ctrl+P  the next view, or the one before",
  ]);
  assert.deepEqual(lines[4]?.tags, ["help"]);
});

Deno.test("describePending() reads as the message will, with 'sending…' for its time", () => {
  const say = describePending({ type: "say", text: "hi", cid: "c1" }, "ann");
  assert.equal(say.kind, "pending");
  assert.equal(say.status, "sending…");
  assert.equal(plainText(say), "ann: hi");
  assert.equal(
    plainText(describePending({ type: "me", text: "waves", cid: "c" }, "ann")),
    "* ann waves",
  );
  const dm = describePending({ type: "msg", to: "@bob", text: "psst", cid: "c" }, "ann");
  assert.equal(plainText(dm), "[private] you → bob: psst");
});

Deno.test("the client's own notices", () => {
  const lines: [Line, string][] = [
    [reconnectedNotice("ann"), "-- Reconnected as ann"],
    [
      serverSaysNotice("The server is shutting down"),
      "-- The server says: The server is shutting down",
    ],
    [retryNotice(400), "-- Connection lost. Reconnecting in 1 s…"],
    [retryNotice(4_600), "-- Connection lost. Reconnecting in 5 s…"],
    [retryNotice(3_600, true), "-- Still no answer; trying again in 4 s…"],
    [retryNotice(1_000, false, true), "-- Reconnecting in 1 s…"],
    [retryNotice(3_600, true, true), "-- Still no answer; trying again in 4 s…"],
    [outageNotice(true, true), "-- Reconnecting…"],
    [outageNotice(true), "-- The connection to the server was lost. Reconnecting…"],
    [outageNotice(false), "-- Cannot reach the server. Trying again…"],
    [noAnswerNotice(), "-- No answer from the server for 5 s"],
    [waitingNotice(), "-- Not connected: this will be sent when the connection is back"],
    [
      tooManyWaitingError(),
      "!! Cannot send: 100 lines are waiting for the server already; this one was not kept",
    ],
  ];
  for (const [line, text] of lines) assert.equal(plainText(line), text);
});

Deno.test("textRuns() adds the time stamp and brackets for a character display", () => {
  assert.deepEqual(textRuns(one(privately())).slice(0, 3), [
    { text: "[03:04:05]", style: "time" },
    { text: " " },
    { text: "[private]", style: "tag" },
  ]);
});

Deno.test("stamp() shows the time for a line of today, the day too for one of another day", () => {
  // 06:38:31 on 30 November: the clock of the tests, fixed.
  const now = new Date(2026, 10, 30, 6, 38, 31).getTime();
  assert.equal(stamp(new Date(2026, 10, 30, 6, 38, 29).getTime(), now), "06:38:29");
  assert.equal(stamp(new Date(2026, 10, 30, 0, 0, 0).getTime(), now), "00:00:00");
  assert.equal(stamp(new Date(2026, 10, 30, 23, 59, 59).getTime(), now), "23:59:59");
  assert.equal(stamp(new Date(2026, 10, 27, 6, 38, 29).getTime(), now), "2026-11-27 06:38:29");
  assert.equal(stamp(new Date(2026, 10, 29, 23, 59, 59).getTime(), now), "2026-11-29 23:59:59");
  assert.equal(stamp(new Date(2025, 10, 30, 6, 38, 29).getTime(), now), "2025-11-30 06:38:29");
  assert.equal(stamp(new Date(2026, 11, 1, 1, 2, 3).getTime(), now), "2026-12-01 01:02:03");
});

Deno.test("plainText() stamps a line of another day than now with its date, every kind alike", () => {
  const now = new Date(2026, 10, 30, 6, 38, 31).getTime();
  const ts = new Date(2026, 10, 27, 6, 38, 29).getTime();
  const lines: [ServerFrame, string][] = [
    [message({ ts, text: "three days ago" }), "[2026-11-27 06:38:29] ann: three days ago"],
    [privately({ ts }), "[2026-11-27 06:38:29] [private] ann → you: psst"],
    [{ type: "joined", ts, room: "#dev", name: "ann" }, "-- [2026-11-27 06:38:29] ann joined #dev"],
  ];
  for (const [frame, text] of lines) assert.equal(plainText(one(frame), { now }), text);
  assert.equal(
    plainText(one(message({ ts: now - 2_000, text: "just now" })), { now }),
    "[06:38:29] ann: just now",
  );
  assert.deepEqual(textRuns(one(message({ ts })), { now })[0], {
    text: "[2026-11-27 06:38:29]",
    style: "time",
  });
});

Deno.test("the terminal without colour prints exactly the plain text", () => {
  const frames: ServerFrame[] = [
    message({ text: "hi bob" }),
    privately(),
    { type: "joined", ts: TS, room: "#lobby", name: "ann" },
    { type: "help", commands: [{ usage: "/who", description: "list" }] },
    { type: "error", code: "bad_command", message: "nope" },
  ];
  for (const frame of frames) {
    for (const line of describeFrame(frame, "bob")) {
      assert.equal(drawLine(line, false), plainText(line), frame.type);
    }
  }
});

Deno.test("describeFrame() cleans every string from the network", () => {
  const s = "a\x1b]0;title\x07\u202eb\nc\x9b2J";
  const frames: ServerFrame[] = [
    message({ from: s, text: `${s} bob`, room: s }),
    privately({ from: s, to: s, text: s, action: true }),
    { type: "joined", ts: TS, room: s, name: s },
    { type: "left", ts: TS, room: s, name: s, reason: s },
    { type: "renamed", ts: TS, room: s, from: s, to: s },
    { type: "welcome", version: 1, server: s, name: s },
    { type: "room", room: s, members: [s], count: 2 },
    { type: "rooms", rooms: [{ name: s, members: 1 }] },
    { type: "help", commands: [{ usage: s, description: s }] },
    { type: "info", text: s },
    { type: "error", code: "bad_command", message: s },
    { type: "bye", reason: s },
  ];
  for (const frame of frames) {
    for (const me of ["bob", s]) {
      for (const line of describeFrame(frame, me)) {
        for (const part of line.parts) {
          // The words of a message keep its line breaks, and nothing else.
          const words = part.style === "text" || part.style === "mention";
          const shown = words ? part.text.replaceAll("\n", " ") : part.text;
          assert.ok(isSafeText(shown), `${frame.type}: ${JSON.stringify(part.text)}`);
        }
      }
    }
  }
  assert.equal(plainText(errorLine(s)), "!! ab c");
});

Deno.test("plainLines() indents each further line of a message under its words", () => {
  const line = one(message({ from: "bob", text: 'Traceback:\n  File "x.py"\n\n\tbad\x1b[2J' }));
  assert.deepEqual(plainLines(line), [
    "[03:04:05] bob: Traceback:",
    '                  File "x.py"',
    "",
    "                    bad",
  ]);
  assert.equal(plainText(line), plainLines(line).join("\n"));
  assert.deepEqual(plainLines(one(message({ text: "hey bob,\nlook" }))), [
    "[03:04:05] ann: hey bob,",
    "                look",
  ]);
  const private1 = one(privately({ text: "a\n b" }));
  assert.deepEqual(plainLines(private1), [
    "[03:04:05] [private] ann → you: a",
    " ".repeat(33) + "b",
  ]);
  // Columns as the display counts them: here a wide name takes two each.
  const wide = one(message({ from: "李", text: "a\nb" }));
  const width = (text: string) => [...text].reduce((sum, c) => sum + (c === "李" ? 2 : 1), 0);
  assert.deepEqual(plainLines(wide, { width }), ["[03:04:05] 李: a", " ".repeat(15) + "b"]);
  assert.deepEqual(plainLines(one(message({ text: "one line" }))), ["[03:04:05] ann: one line"]);
});

Deno.test("describeFrame() shows a fenced message as a code block, without its fences", () => {
  const code = "def f():\n    return 1";
  const line = one(message({ text: fenced(code) }));
  assert.ok(line.tags?.includes("code"));
  assert.equal(line.parts.at(-1)?.text, code);
  assert.deepEqual(plainLines(line), [
    "[03:04:05] ann:",
    "                def f():",
    "                    return 1",
  ]);
  const rows = textRows(line);
  assert.deepEqual(rows.slice(1).map((row) => row.at(-1)?.style), ["code", "code"]);
  const python = one(message({ text: "```python\nx = 1\n```" }));
  assert.ok(python.tags?.includes("code"));
  assert.equal(python.parts.at(-1)?.text, "x = 1");
  // An empty block, fences alone or around blank lines, is shown empty: no fence is printed.
  for (const text of ["```\n```", "```\n\n```", "```\n  \n```"]) {
    assert.equal(codeOf(text), "", text);
    const empty = one(message({ text }));
    assert.ok(empty.tags?.includes("code"), text);
    assert.ok(!plainText(empty).includes("```"), text);
  }
  for (const text of ["```", "``` two words\nx\n```", "x\n```\ny\n```"]) {
    assert.equal(codeOf(text), undefined, text);
    assert.ok(!one(message({ text })).tags?.includes("code"), text);
  }
  assert.equal(codeOf("```\n\n  x\n```"), "\n  x");
  const pending = describePending({ type: "say", text: fenced("y") }, "ann");
  assert.ok(pending.tags?.includes("code"));
});
