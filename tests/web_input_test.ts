/** Pure tests of the message box's drafts for each view (web/input.ts). */

import assert from "node:assert/strict";
import { cursorToEnd, Drafts, joinDraft } from "../web/input.ts";

Deno.test("Drafts.offer() keeps words for a view out of the box, after its draft if it has one", () => {
  const drafts = new Drafts();
  assert.equal(drafts.switchTo("#lobby", ""), "");
  // Refused words typed among private messages with bob, while the box is #lobby's.
  drafts.offer("@Bob", "lunch?");
  // More refused there: none is lost, each on a line of its own, in the order typed.
  drafts.offer("@bob", "at noon?");
  assert.equal(drafts.switchTo("@bob", "half typed"), "lunch?\nat noon?");
  // A view with a draft keeps it: what was typed there since stays, the words after it.
  drafts.offer("#lobby", "other words");
  assert.equal(drafts.switchTo("#lobby", "lunch? mended"), "half typed\nother words");
  assert.equal(drafts.switchTo("@bob", ""), "lunch? mended");
  // Words offered to the view in the box are the box's to take, not a draft's.
  drafts.offer("@bob", "not kept");
  assert.equal(drafts.switchTo("#lobby", ""), "");
  assert.equal(drafts.switchTo("@bob", ""), "");
});

Deno.test("joinDraft() puts words on a line of their own after a draft", () => {
  assert.equal(joinDraft("", "hi"), "hi");
  assert.equal(joinDraft("  \n", "hi"), "hi");
  assert.equal(joinDraft("one", "two"), "one\ntwo");
  // Several private messages refused at once make one to the same person, not "/msg" as words.
  assert.equal(
    joinDraft("/msg bob are you", "/msg Bob still there?"),
    "/msg bob are you\nstill there?",
  );
  assert.equal(joinDraft("/tell bob one", "/m BOB two"), "/tell bob one\ntwo");
  // A command joins no words, and no words join one: neither goes where it was not meant to.
  assert.equal(joinDraft("/msg bob one", "/msg carol two"), "/msg bob one");
  assert.equal(joinDraft("hi all", "/msg bob my door code is 4512"), "hi all");
  assert.equal(joinDraft("/msg bob one", "hi all"), "/msg bob one");
  assert.equal(joinDraft("hi all", "//shrug"), "hi all\n//shrug");
  assert.equal(joinDraft("one\ntwo\n\n", "three"), "one\ntwo\nthree");
});

Deno.test("cursorToEnd() leaves the cursor where the user types, else puts it after the words", () => {
  // Nothing typed: to the end, to mend or send them.
  assert.equal(cursorToEnd("", 0, undefined), true);
  assert.equal(cursorToEnd(" \n", 2, undefined), true);
  // Words typed: where the user types, at their end or not.
  assert.equal(cursorToEnd("half typed", 10, undefined), false);
  assert.equal(cursorToEnd("half typed", 4, undefined), false);
  // Just what came back before, the cursor still at its end: to the end again.
  assert.equal(cursorToEnd("lunch?", 6, { draft: "lunch?", cursor: 6 }), true);
  // What came back after typed words, the cursor where the user typed: it stays there.
  assert.equal(cursorToEnd("half\nlunch?", 4, { draft: "half\nlunch?", cursor: 4 }), false);
  // Changed since, typed at the end or the cursor moved: the user's, it stays.
  assert.equal(cursorToEnd("lunch? at", 9, { draft: "lunch?", cursor: 6 }), false);
  assert.equal(cursorToEnd("lunch?", 2, { draft: "lunch?", cursor: 6 }), false);
});
