/**
 * The "N new messages ↓" button counts every message below what the reader
 * sees: a room looked at again opens at its "new since you last looked" line, with
 * what arrived meanwhile below it, counted at once, and what comes after is
 * added to them. The real page runs in Chromium, as a phone, against a real
 * server; carol is a protocol client.
 */

import assert from "node:assert/strict";
import type { Page } from "./_playwright.ts";
import { TestClient } from "../_test_utils.ts";
import {
  type BrowserOptions,
  ChatBrowser,
  say,
  startWebServer,
  WAIT_MS,
  waitForLine,
  webUrl,
} from "./_browser.ts";
import { testWith } from "./_needs.ts";
import { waitFor } from "./_tmux.ts";
import { looksAt, says, showView } from "./_web_rooms.ts";

// What the page functions run by `evaluate` use of the browser's globals (not the DOM lib,
// which would retype Deno's own globals for every file checked with this one).
interface Box {
  top: number;
  bottom: number;
}
declare const document: {
  querySelector(selector: string): { getBoundingClientRect(): Box; clientHeight: number } | null;
  querySelectorAll(selector: string): Iterable<{ getBoundingClientRect(): Box }>;
};

const PHONE: BrowserOptions = {
  viewport: { width: 375, height: 667 },
  deviceScaleFactor: 2,
  mobile: true,
};

/** How many of the log's messages end below what the reader sees of it. */
function messagesBelow(page: Page): Promise<number> {
  return page.evaluate(() => {
    const log = document.querySelector("#log .log")!;
    const bottom = log.getBoundingClientRect().top + log.clientHeight;
    return [...document.querySelectorAll("#log .log .line.message")]
      .filter((line) => line.getBoundingClientRect().bottom > bottom + 0.5).length;
  });
}

/** Waits until the "new messages" button reads `count` messages. */
async function buttonSays(page: Page, count: number): Promise<void> {
  const button = page.locator("#new-messages");
  const expected = `${count} new ${count === 1 ? "message" : "messages"} ↓`;
  await waitFor(
    async () => await button.isVisible() ? (await button.textContent())?.trim() : "(hidden)",
    (text) => text === expected,
    WAIT_MS,
    (text) => `for the button to read "${expected}"; it reads "${text}"`,
  );
}

testWith(
  ["chromium"],
  "web page (phone): a room looked at again counts what arrived below its fold, then what comes",
  async () => {
    await using server = await startWebServer();
    await using carol = await TestClient.join2(server.addr.port, "carol");
    await using browser = await ChatBrowser.launch(PHONE);
    const page = await browser.openAs(webUrl(server), "ann");
    await say(page, "/switch @carol");
    await looksAt(page, "@carol");
    for (let i = 1; i <= 40; i++) await says(carol, `line ${i} while ann looks away`);

    await showView(page, "#lobby");
    await page.locator("#log .line.divider.unseen").waitFor();
    const below = await messagesBelow(page);
    assert.ok(below >= 20, `only ${below} messages below the fold: make them more`);
    await buttonSays(page, below);

    await says(carol, "one more");
    await waitForLine(page, "message", /one more$/);
    await buttonSays(page, below + 1);
    assert.equal(await messagesBelow(page), below + 1);

    // Down at the end, the button goes.
    await page.locator("#new-messages").tap();
    await page.locator("#new-messages").waitFor({ state: "hidden" });
    assert.equal(await messagesBelow(page), 0);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);
