/**
 * Private messages are closed as a room is left, the same in the terminal
 * and on the page: `/part` there (the page's `×` too) closes them, showing
 * the view looked at before, and a new private message opens them again. A
 * page reloaded says that the private messages it showed are gone only in
 * the views that showed some. The terminal runs in tmux and the page in
 * Chromium, against a real server; the others are protocol clients.
 */

import assert from "node:assert/strict";
import type { Page } from "./_playwright.ts";
import { startServer } from "../../server.ts";
import { TestClient } from "../_test_utils.ts";
import {
  ChatBrowser,
  exactly,
  logLine,
  say,
  startWebServer,
  waitForLine,
  webUrl,
} from "./_browser.ts";
import { testWith } from "./_needs.ts";
import { TerminalUser } from "./_terminal_user.ts";
import { Tmux, waitFor } from "./_tmux.ts";
import { DESKTOP_AND_PHONE, listsViews, looksAt, openSidebar, viewButton } from "./_web_rooms.ts";

const CLOSED = "Closed @bob: what was said there is not kept; a private message to or from bob " +
  "opens it again";

const NOT_KEPT = "Private messages are not kept";

testWith(["tmux"], "chat join: /part in private messages closes them", async () => {
  await using server = await startServer({ hostname: "127.0.0.1", port: 0 });
  await using bob = await TestClient.join2(server.addr.port, "bob");
  const tmux = new Tmux();
  try {
    const ann = await TerminalUser.join(tmux, "ann", server.addr.port, { width: 120 });
    await ann.enter("/switch @bob");
    await ann.waitFor((screen) => screen.cursorLine === "@bob>", 'an "@bob>" prompt');
    await ann.enter("/part");
    await ann.waitFor(
      (screen) => screen.lines.includes(`-- ${CLOSED}`) && screen.cursorLine === "#lobby>",
      'the view closed, and back at "#lobby>"',
    );
    // Closed, it is no view to switch to by key, nor to close again.
    await ann.enter("/part @bob");
    await ann.waitForLine(/^!! Cannot close @bob: you have no private messages open with bob$/);
    // A new private message opens it again.
    await bob.send({ type: "msg", to: "ann", text: "still there?" });
    await ann.waitForLine(/\[private\] bob → you: still there\?$/);
    await ann.enter("/switch @bob");
    await ann.waitFor((screen) => screen.cursorLine === "@bob>", 'an "@bob>" prompt again');
  } finally {
    await tmux.kill();
  }
});

/** The texts of the lines of the log on the page. */
function logTexts(page: Page): Promise<string[]> {
  return page.locator("#log .log .line").allTextContents();
}

for (const { name: size, options } of DESKTOP_AND_PHONE) {
  testWith(
    ["chromium"],
    `web page (${size}): private messages close with their × or /part, as the terminal's do`,
    async () => {
      await using server = await startWebServer();
      await using bob = await TestClient.join2(server.addr.port, "bob");
      await using browser = await ChatBrowser.launch(options);
      const page = await browser.openAs(webUrl(server), "ann");
      await say(page, "/switch @bob");
      await looksAt(page, "@bob");
      await openSidebar(page);
      const close = page.locator('#views .part-button[aria-label="Close @bob"]');
      await close.click();
      await listsViews(page, ["#lobby"]);
      await looksAt(page, "#lobby");
      await waitForLine(page, "notice", CLOSED);

      // `/part` typed there closes them too.
      await say(page, "/switch @bob");
      await looksAt(page, "@bob");
      await say(page, "/part");
      await listsViews(page, ["#lobby"]);
      await looksAt(page, "#lobby");
      await waitFor(
        () => logTexts(page),
        (texts) => texts.filter((text) => text.includes(CLOSED)).length === 2,
        5_000,
        (texts) => `for a second "${CLOSED}"; the log reads ${JSON.stringify(texts)}`,
      );
      assert.equal(await page.locator("#message-input").inputValue(), "");
      // A new private message opens them again, where it is shown too.
      await bob.send({ type: "msg", to: "ann", text: "still there?" });
      await listsViews(page, ["#lobby", "@bob"]);
      await openSidebar(page);
      await viewButton(page, "@bob").click();
      await looksAt(page, "@bob");
      await waitForLine(page, "private", "still there?");
      assert.deepEqual(browser.unexpectedProblems(), []);
    },
  );
}

testWith(
  ["chromium"],
  "web page: reloaded, only the private views that showed something say it is gone",
  async () => {
    await using server = await startWebServer();
    await using _bob = await TestClient.join2(server.addr.port, "bob");
    await using carol = await TestClient.join2(server.addr.port, "carol");
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "ann");
    // Opened, nothing said there; and a talk with carol.
    await say(page, "/switch @bob");
    await looksAt(page, "@bob");
    await say(page, "/switch @carol");
    await looksAt(page, "@carol");
    await say(page, "lunch?");
    await carol.next("private", (frame) => frame.text === "lunch?");
    await waitForLine(page, "private", "lunch?");

    const reload = async () => {
      await page.reload();
      await looksAt(page, "@carol");
      await listsViews(page, ["#lobby", "@bob", "@carol"]);
    };
    await reload();
    await waitForLine(page, "notice", NOT_KEPT);
    await page.locator("#views .view-button[data-view='@bob']").click();
    await looksAt(page, "@bob");
    assert.deepEqual(await logTexts(page), [], "@bob showed nothing, and had nothing to lose");
    await page.locator("#views .view-button[data-view='@carol']").click();
    await looksAt(page, "@carol");

    // Once more: what @carol showed since is that notice alone.
    await reload();
    await page.locator("#room-name", { hasText: exactly("@carol") }).waitFor();
    await page.locator("#views .view-button[data-view='@bob']").click();
    await looksAt(page, "@bob");
    await page.locator("#views .view-button[data-view='@carol']").click();
    await looksAt(page, "@carol");
    assert.equal(await logLine(page, "notice", NOT_KEPT).count(), 0);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);
