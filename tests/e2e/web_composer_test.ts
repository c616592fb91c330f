/**
 * The page's message box: Up and Down move between the rows of a draft and
 * go through what was sent only from its first row or last, Down always
 * coming back to the draft. The real page runs in Chromium against a real
 * server.
 */

import assert from "node:assert/strict";
import type { Locator } from "./_playwright.ts";
import { startServer } from "../../server.ts";
import { LOOPBACK } from "../_test_utils.ts";
import { ChatBrowser, joinAs, pageUrl, say } from "./_browser.ts";
import { testWith } from "./_needs.ts";

/** A draft of one line long enough to take several rows of the box on any screen tested. */
const LONG_DRAFT = `a long draft of one line ${"that goes on and on ".repeat(20)}to its end`;

/** Where the caret of the message box is. */
function caret(input: Locator): Promise<number> {
  return input.evaluate((box) => (box as unknown as { selectionStart: number }).selectionStart);
}

/** Presses `key` in the box until it holds something else (at most `most` times); returns that. */
async function pressUntilChanged(input: Locator, key: string, most = 12): Promise<string> {
  const before = await input.inputValue();
  for (let press = 0; press < most; press++) {
    await input.press(key);
    const now = await input.inputValue();
    if (now !== before) return now;
  }
  throw new Error(`${most} presses of ${key} left the box as it was`);
}

testWith(
  ["chromium"],
  "web page: Up on a wrapped draft moves its caret, history is reached from the first row, and Down brings the draft back",
  async (t) => {
    await using server = await startServer({ hostname: LOOPBACK, port: 0, webPort: 0 });
    await using browser = await ChatBrowser.launch();
    const page = await browser.open(pageUrl(server.webAddr!.port));
    await joinAs(page, "ann");
    const input = page.locator("#message-input");
    await say(page, "first sent line");
    await say(page, "multi\nline\nsent");
    const oneRow = (await input.boundingBox())!.height;

    await t.step("Up on the last row of a wrapped line moves the caret up a row", async () => {
      await input.fill(LONG_DRAFT);
      const height = (await input.boundingBox())!.height;
      assert.ok(height > oneRow * 1.8, `the draft takes ${height} px, a row ${oneRow}`);
      await input.press("End");
      await input.press("ArrowUp");
      assert.equal(await input.inputValue(), LONG_DRAFT);
      assert.ok(await caret(input) < LONG_DRAFT.length, "the caret did not move");
    });

    await t.step("from the first row, Up recalls the last line sent; Down the draft", async () => {
      assert.equal(await pressUntilChanged(input, "ArrowUp"), "multi\nline\nsent");
      // The caret is at its end, on its last row: Down goes back to the draft at once.
      assert.equal(await pressUntilChanged(input, "ArrowDown"), LONG_DRAFT);
    });

    await t.step("through a recalled text of several lines, and back, however far", async () => {
      await input.press("Control+Home");
      assert.equal(await pressUntilChanged(input, "ArrowUp"), "multi\nline\nsent");
      // Up moves between its lines, then goes on to the line before it.
      await input.press("ArrowUp");
      assert.equal(await input.inputValue(), "multi\nline\nsent");
      assert.equal(await pressUntilChanged(input, "ArrowUp"), "first sent line");
      assert.equal(await pressUntilChanged(input, "ArrowDown"), "multi\nline\nsent");
      await input.press("Control+End");
      assert.equal(await pressUntilChanged(input, "ArrowDown"), LONG_DRAFT);
      // Past the draft Down only moves the caret.
      await input.press("Control+Home");
      await input.press("ArrowDown");
      assert.equal(await input.inputValue(), LONG_DRAFT);
      assert.ok(await caret(input) > 0, "Down did not move the caret");
    });

    await t.step("a draft of several lines comes back after Up from its first line", async () => {
      await input.fill("one\ntwo");
      await input.press("ArrowUp");
      assert.equal(await input.inputValue(), "one\ntwo", "Up from its second line");
      assert.equal(await pressUntilChanged(input, "ArrowUp"), "multi\nline\nsent");
      assert.equal(await pressUntilChanged(input, "ArrowDown"), "one\ntwo");
    });
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);
