/** Pure tests of client/paste.ts and of how client/layout.ts lays out a draft of several lines. */

import assert from "node:assert/strict";
import { graphemeEdge, layout, wordEdge } from "../client/layout.ts";
import {
  cleanPaste,
  expandDraftTabs,
  hiddenLines,
  indentation,
  judgeDraft,
  lineEdge,
  moveToLine,
  PASTE_END,
  PASTE_START,
  type PasteKey,
  PasteKeys,
  type PasteStep,
  SHARE_HOW,
} from "../client/paste.ts";
import { MAX_TEXT_BYTES } from "../protocol.ts";

/** Keys as Deno 2.9's node:readline reads `text`: `ESC[200` and `ESC[201` apart from their `~`. */
function denoKeys(text: string): PasteKey[] {
  const keys: PasteKey[] = [];
  // The markers as Deno reads them are what this test is about.
  // deno-lint-ignore no-control-regex
  for (const piece of text.split(/(\x1b\[20[01])/)) {
    if (piece === "\x1b[200" || piece === "\x1b[201") {
      keys.push({ sequence: piece, name: "undefined", code: piece.slice(1) });
    } else {
      for (const char of piece) keys.push({ sequence: char, name: char });
    }
  }
  return keys;
}

function takeAll(reader: PasteKeys, keys: PasteKey[]): PasteStep[] {
  return keys.map((key) => reader.take(key));
}

Deno.test("PasteKeys.take() finds a paste in keys as Deno's reader splits them", () => {
  const reader = new PasteKeys();
  const steps = takeAll(reader, denoKeys(`a${PASTE_START}x\r\ty${PASTE_END}b`));
  assert.deepEqual(steps.map((step) => step.kind), [
    "key",
    "held",
    "held",
    "held",
    "held",
    "held",
    "held",
    "held",
    "pasted",
    "key",
  ]);
  assert.deepEqual(steps[8], { kind: "pasted", text: "x\r\ty" });
  assert.equal(reader.pasting, false);
});

Deno.test("PasteKeys.take() understands Node's paste-start and paste-end keys", () => {
  const reader = new PasteKeys();
  assert.deepEqual(reader.take({ name: "paste-start", sequence: PASTE_START }), { kind: "held" });
  assert.equal(reader.pasting, true);
  assert.deepEqual(reader.take({ name: "a", sequence: "a" }), { kind: "held" });
  assert.deepEqual(reader.take({ name: "paste-end", sequence: PASTE_END }), {
    kind: "pasted",
    text: "a",
  });
});

Deno.test("PasteKeys.take() gives back a key after ESC[200 that is no paste", () => {
  const reader = new PasteKeys();
  assert.deepEqual(reader.take({ sequence: "\x1b[200", code: "[200" }), { kind: "held" });
  assert.deepEqual(reader.take({ sequence: "q", name: "q" }), { kind: "key" });
  assert.equal(reader.pasting, false);
});

Deno.test("cleanPaste() makes one LF of every line break and drops blank lines around", () => {
  assert.equal(cleanPaste("\r\nif x:\r\n\treturn 1  \r\rend\r"), "if x:\n    return 1\n\nend");
  assert.equal(cleanPaste("a\nb\n"), "a\nb");
});

Deno.test("cleanPaste() keeps the spaces of one line and cleans its controls", () => {
  assert.equal(cleanPaste("word \n"), "word ");
  assert.equal(cleanPaste("a\tb"), "a   b");
  // Tab stops as the server makes them: a wide character takes two columns.
  assert.equal(cleanPaste("中\tb"), "中  b");
  assert.equal(cleanPaste("red\x1b[31m!\x07"), "red!\ufffd");
});

Deno.test("expandDraftTabs() makes tabs the spaces the message has, from each row's start", () => {
  assert.deepEqual(expandDraftTabs("key\tvalue\tend", 14), { line: "key value   end", cursor: 15 });
  assert.deepEqual(expandDraftTabs("if x:\n\tgo\t!", 9), { line: "if x:\n    go  !", cursor: 12 });
  // A wide character takes two columns, as the message counts it.
  assert.deepEqual(expandDraftTabs("中\tx", 1), { line: "中  x", cursor: 1 });
  assert.deepEqual(expandDraftTabs("no tab", 2), { line: "no tab", cursor: 2 });
});

Deno.test("indentation() reaches the next tab stop of 4 columns", () => {
  assert.equal(indentation(""), "    ");
  assert.equal(indentation("  "), "  ");
  assert.equal(indentation("    "), "    ");
});

Deno.test("judgeDraft() takes a short draft, announces a long one, refuses one too large", () => {
  assert.deepEqual(judgeDraft("a\nb"), { ok: true, lines: 2 });
  const long = Array.from({ length: 57 }, (_, i) => `line ${i}`).join("\n");
  assert.deepEqual(judgeDraft(long), {
    ok: true,
    lines: 57,
    notice: "Paste of 57 lines: Enter sends it as one message, Esc clears it",
  });
  const many = Array.from({ length: 101 }, (_, i) => `${i}`).join("\n");
  const refused = judgeDraft(many, SHARE_HOW);
  assert.equal(refused.ok, false);
  assert.match(
    !refused.ok ? refused.error : "",
    /^Cannot paste: .* 101 lines, more than the 100 .*; share it as a file with \/send PATH instead$/,
  );
  const big = judgeDraft(`${"x".repeat(MAX_TEXT_BYTES)}\ny`, SHARE_HOW);
  assert.equal(big.ok, false);
  assert.equal(
    !big.ok ? big.error : "",
    "Cannot paste: the message would take 4002 bytes, more than the 4000 a message may hold; share it as a file with /send PATH instead",
  );
});

Deno.test("judgeDraft() says nothing of files where the server takes none", () => {
  const many = Array.from({ length: 101 }, (_, i) => `${i}`).join("\n");
  assert.deepEqual(judgeDraft(many), {
    ok: false,
    error: "Cannot paste: the message would have 101 lines, more than the 100 a message may hold",
  });
  assert.deepEqual(judgeDraft(`${"x".repeat(MAX_TEXT_BYTES)}\ny`), {
    ok: false,
    error: "Cannot paste: the message would take 4002 bytes, more than the 4000 a message may hold",
  });
});

Deno.test("moveToLine() keeps the column, or the end of a shorter line", () => {
  const text = "first\nab\nthird";
  assert.equal(moveToLine(text, 14, -1), 8); // "thir|d" up: the end of "ab"
  assert.equal(moveToLine(text, 8, -1), 2); // "ab|" up: "fi|rst"
  assert.equal(moveToLine(text, 2, 1), 8);
  assert.equal(moveToLine(text, 6, 1), 9); // "|ab" down: "|third"
  assert.equal(moveToLine(text, 3, -1), undefined);
  assert.equal(moveToLine(text, 12, 1), undefined);
});

Deno.test("moveToLine() counts columns as shown, and lands between characters as seen", () => {
  assert.equal(moveToLine("漢字x\nabcd", 8, -1), 2); // "ab|cd" up: after 漢
  assert.equal(moveToLine("漢字x\nab", 7, -1), 1); // "a|b" up: before 漢, not inside it
  assert.equal(moveToLine("e\u0301e\u0301\nab", 6, -1), 2); // after é, not before its accent
  // A column kept from before, past a shorter line.
  assert.equal(moveToLine("abcdefgh\nab\nx", 11, -1, 6), 6);
});

Deno.test("lineEdge() goes to the start or the end of the cursor's line, not the draft's", () => {
  const text = "first\nab\nthird";
  assert.equal(lineEdge(text, 7, "start"), 6); // "a|b": "|ab"
  assert.equal(lineEdge(text, 7, "end"), 8); // "a|b": "ab|"
  assert.equal(lineEdge(text, 6, "start"), 6);
  assert.equal(lineEdge(text, 8, "end"), 8);
  assert.equal(lineEdge(text, 3, "start"), 0);
  assert.equal(lineEdge(text, 11, "end"), 14);
  assert.equal(lineEdge(text, 0, "start"), 0);
});

Deno.test("hiddenLines() counts the lines or rows cut off, within the width", () => {
  assert.equal(hiddenLines(1, "below", 80), "… 1 more line below");
  assert.equal(hiddenLines(12, "above", 80), "… 12 more lines above");
  assert.equal(hiddenLines(12, "above", 8), "… 12 mo");
  // A draft of one line hides rows.
  assert.equal(hiddenLines(1, "above", 80, "row"), "… 1 more row above");
  assert.equal(hiddenLines(3, "below", 80, "row"), "… 3 more rows below");
});

Deno.test("layout() starts a row at each line break", () => {
  const at = layout("> ab\ncd", 6, 80);
  assert.deepEqual(at.end, { row: 1, col: 2 });
  assert.deepEqual(at.cursor, { row: 1, col: 1 });
  assert.deepEqual(at.glyphs[4], { text: "\r\n", row: 1, width: 0 });
  // After a full row, a line break goes one row down, as the terminal does.
  assert.deepEqual(layout("abcd\nef", Infinity, 4).end, { row: 1, col: 2 });
  assert.deepEqual(layout("ab\n", Infinity, 4).cursor, { row: 1, col: 0 });
});

Deno.test("graphemeEdge() passes over a character as seen, a line break one of its own", () => {
  const family = "👨‍👩‍👧";
  const text = `a${family}e\u0308\n🇫🇷🇩🇪`;
  const after = 1 + family.length;
  assert.equal(graphemeEdge(text, after, -1), 1);
  assert.equal(graphemeEdge(text, 1, 1), after);
  assert.equal(graphemeEdge(text, after, 1), after + 2); // e and its combining diaeresis
  assert.equal(graphemeEdge(text, after + 2, 1), after + 3); // the line break
  assert.equal(graphemeEdge(text, after + 3, -1), after + 2);
  assert.equal(graphemeEdge(text, after + 3, 1), after + 7); // a flag, not half of two
  assert.equal(graphemeEdge(text, text.length, -1), after + 7);
  assert.equal(graphemeEdge(text, 0, -1), 0);
  assert.equal(graphemeEdge(text, text.length, 1), text.length);
});

Deno.test("wordEdge() takes words of any script with their accents, within the cursor's line", () => {
  const text = "naïve cafe\u0301, olé";
  assert.equal(wordEdge(text, 11, -1), 6); // "cafe\u0301|" back: "|cafe\u0301", the accent with it
  assert.equal(wordEdge(text, 6, -1), 0);
  assert.equal(wordEdge(text, 0, 1), 6); // the word and the space after it
  assert.equal(wordEdge(text, 11, 1), 13); // ", " is one piece, then the space
  assert.equal(wordEdge("我们 go", 5, -1), 3);
  // A line break stops it both ways.
  assert.equal(wordEdge("one\ntwo", 4, -1), 4);
  assert.equal(wordEdge("one\ntwo", 3, 1), 3);
  assert.equal(wordEdge("one  \ntwo", 5, -1), 0);
});
