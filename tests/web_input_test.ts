/** Pure tests of the message box's drafts for each view (web/input.ts). */

import assert from "node:assert/strict";
import { Drafts } from "../web/input.ts";

Deno.test("Drafts.offer() keeps words for a view out of the box, unless it has a draft", () => {
  const drafts = new Drafts();
  assert.equal(drafts.switchTo("#lobby", ""), "");
  // Refused words typed among private messages with bob, while the box is #lobby's.
  drafts.offer("@Bob", "lunch?");
  assert.equal(drafts.switchTo("@bob", "half typed"), "lunch?");
  // A view with a draft keeps it: what was typed there since stays.
  drafts.offer("#lobby", "other words");
  assert.equal(drafts.switchTo("#lobby", "lunch? mended"), "half typed");
  assert.equal(drafts.switchTo("@bob", ""), "lunch? mended");
});
