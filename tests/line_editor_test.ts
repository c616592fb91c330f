/** Pure tests of how client/line_editor.ts walks through the lines sent. */

import assert from "node:assert/strict";
import { type Editor, HistoryWalk } from "../client/line_editor.ts";

/** A line editor showing `line`, the cursor at `cursor`, with `history` sent (newest first). */
function editor(line: string, cursor: number, history: string[]): Editor {
  return { line, cursor, history, historyIndex: -1 };
}

Deno.test("HistoryWalk goes through the lines sent and back to the draft as it was", () => {
  const at = editor("zzz hello world", 9, ["two\nlines", "one"]);
  const walk = new HistoryWalk();
  assert.equal(walk.step(at, 1), true);
  assert.deepEqual([at.line, at.cursor], ["two\nlines", 9]); // up: at its end
  assert.equal(walk.step(at, 1), true);
  assert.deepEqual([at.line, at.cursor], ["one", 3]);
  assert.equal(walk.step(at, 1), false, "nothing older");
  assert.equal(walk.step(at, -1), true);
  assert.deepEqual([at.line, at.cursor], ["two\nlines", 3]); // down: at the end of its first line
  assert.equal(walk.step(at, -1), true);
  assert.deepEqual([at.line, at.cursor], ["zzz hello world", 9]);
  assert.equal(walk.step(at, -1), false, "nothing newer");
});

Deno.test("HistoryWalk keeps a line changed while shown, and puts what it kept into history", () => {
  const history = ["sent", "older"];
  const at = editor("draft", 5, history);
  const walk = new HistoryWalk();
  walk.step(at, 1);
  at.line = "sent!";
  at.cursor = 2;
  walk.step(at, 1);
  assert.equal(at.line, "older");
  walk.step(at, -1);
  assert.deepEqual([at.line, at.cursor], ["sent!", 2], "the change kept");
  // "older" is sent instead, as readline puts it first in the history.
  walk.step(at, 1);
  history.splice(1, 1);
  history.unshift("older");
  walk.end(at, "older");
  assert.deepEqual(history, ["older", "draft", "sent!", "sent"]);
  // A new walk starts from the draft.
  const next = editor("", 0, history);
  walk.step(next, 1);
  assert.equal(next.line, "older");
});
