/**
 * The page shows the room a `/join` enters at once, before the server has
 * put the user in it (while the connection is down, until it is back): what
 * is typed right after the `/join`, which goes to that room, shows there as
 * being sent, not in the room looked at before. A `/join` the server refuses
 * goes back to that room, saying why. The real page runs in Chromium against
 * a real server, through a proxy that cuts and holds its connection; the
 * others are protocol clients.
 */

import assert from "node:assert/strict";
import { parseOpFile } from "../../server/hub/moderation.ts";
import { FreezingProxy } from "../_freezing_proxy.ts";
import { TestClient } from "../_test_utils.ts";
import {
  ChatBrowser,
  logLine,
  pageUrl,
  say,
  startWebServer,
  waitForLine,
  waitForStatus,
} from "./_browser.ts";
import { testWith } from "./_needs.ts";
import { logTexts, looksAt, settles, showView, viewButton } from "./_web_rooms.ts";

testWith(
  ["chromium"],
  "web page: a line typed offline after /join shows in the room it goes to, entered once back",
  async () => {
    await using server = await startWebServer();
    await using proxy = new FreezingProxy(server.webAddr!.port);
    await using bob = await TestClient.join2(server.addr.port, "bob", [{ room: "#x" }]);
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(pageUrl(proxy.port), "carol");
    await say(page, "/join #room01");
    await looksAt(page, "#room01");
    // In it, not entering it still, before the link goes.
    await settles(() => page.locator("#views li.entering").count(), 0, "#room01 entered");
    proxy.freeze();
    proxy.cut();
    await logLine(page, "notice", "The connection to the server was lost").waitFor();

    await say(page, "/join #x");
    // Shown at once, in the sidebar too, as the room the user is entering.
    await looksAt(page, "#x");
    await viewButton(page, "#x").and(page.locator('[aria-current="true"]')).waitFor();
    await say(page, "where does this go");
    await logLine(page, "pending", "where does this go").waitFor();
    await showView(page, "#room01");
    assert.deepEqual(
      (await logTexts(page)).filter((text) => /where does this go|looking at/.test(text)),
      [],
      "the line in #room01",
    );
    // The room the /join enters is no longer looked at once another view is picked.
    assert.equal(await viewButton(page, "#x").count(), 0, "#x listed");
    await say(page, "/join #x");
    await looksAt(page, "#x");
    await logLine(page, "pending", "where does this go").waitFor();

    proxy.thaw();
    await bob.next(
      "message",
      (frame) => frame.text === "where does this go" && frame.room === "#x",
    );
    await waitForStatus(page, "Connected", 15_000);
    await waitForLine(page, "message", "where does this go");
    await looksAt(page, "#x");
    assert.equal(await logLine(page, "pending", "where does this go").count(), 0, "still sending");
    assert.equal(await page.locator("#views button.view-button").count(), 3);
    await showView(page, "#room01");
    assert.deepEqual(
      (await logTexts(page)).filter((text) => text.includes("where does this go")),
      [],
      "the line in #room01",
    );
    assert.deepEqual(browser.unexpectedProblems([/WebSocket connection/]), []);
  },
);

testWith(
  ["chromium"],
  "web page: a /join refused once back goes back to the room looked at, saying why",
  async () => {
    await using server = await startWebServer({ operators: parseOpFile("dan s3cret\n") });
    await using proxy = new FreezingProxy(server.webAddr!.port);
    await using dan = await TestClient.join2(server.addr.port, "dan", [{ room: "#ops" }]);
    await dan.send({ type: "oper", secret: "s3cret" });
    await dan.send({ type: "lock", room: "#ops" });
    await dan.next("notice", (frame) => frame.room === "#ops");
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(pageUrl(proxy.port), "carol");
    proxy.freeze();
    proxy.cut();
    await logLine(page, "notice", "The connection to the server was lost").waitFor();

    await say(page, "/join #ops");
    await looksAt(page, "#ops");
    await say(page, "let me in");
    await logLine(page, "pending", "let me in").waitFor();
    proxy.thaw();
    await waitForStatus(page, "Connected", 15_000);
    // Back in #lobby, told why, the words refused with the room back in the box.
    await waitForLine(page, "error", "Cannot join #ops: it is locked");
    await looksAt(page, "#lobby");
    await page.locator('#message-input[placeholder="Message #lobby"]').waitFor();
    await waitForLine(page, "error", "you are not in #ops");
    await settles(() => page.locator("#message-input").inputValue(), "let me in", "the box");
    assert.equal(await viewButton(page, "#ops").count(), 0, "#ops listed");
    assert.deepEqual(browser.unexpectedProblems([/WebSocket connection/]), []);
  },
);

testWith(
  ["chromium"],
  "web page: a /join sent as the link died is carried out once back, and what was typed for it goes there",
  async () => {
    await using server = await startWebServer();
    await using proxy = new FreezingProxy(server.webAddr!.port);
    await using bob = await TestClient.join2(server.addr.port, "bob", [{ room: "#stall2" }]);
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(pageUrl(proxy.port), "carol");
    // The server stands still: the /join and the line after it go out, and never reach it.
    proxy.freeze();
    await say(page, "/join #stall2");
    await looksAt(page, "#stall2");
    await say(page, "for the stall");
    proxy.cut();
    await logLine(page, "notice", "The connection to the server was lost").waitFor();
    proxy.thaw();
    const said = await bob.next("message", (frame) => frame.from === "carol", 20_000);
    assert.deepEqual([said.room, said.text], ["#stall2", "for the stall"]);
    await waitForStatus(page, "Connected", 15_000);
    await waitForLine(page, "message", "for the stall");
    await looksAt(page, "#stall2");
    // Entered: no longer shown as being entered (in italics).
    await page.locator("#views .entering").waitFor({ state: "detached" });
    await viewButton(page, "#stall2").and(page.locator('[aria-current="true"]')).waitFor();
    assert.equal(await logLine(page, "error", /not in #stall2/).count(), 0);
    assert.deepEqual(browser.unexpectedProblems([/WebSocket connection/]), []);
  },
);
