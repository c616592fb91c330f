/**
 * The page of an operator whose connection dropped, a drop the server saw
 * (its log says they left), comes back an operator with its resume token,
 * within the heartbeat. The real page runs in Chromium against a real
 * server, through a proxy that cuts its connections as a network going away
 * does when the socket closes (Chromium's offline mode).
 */

import assert from "node:assert/strict";
import { parseOpFile } from "../../server/hub/moderation.ts";
import { FreezingProxy } from "../_freezing_proxy.ts";
import { LOOPBACK, TestClient, waitUntil } from "../_test_utils.ts";
import {
  ChatBrowser,
  pageUrl,
  say,
  startWebServer,
  WAIT_MS,
  waitForStatus,
  webUrl,
} from "./_browser.ts";
import { looksAt } from "./_web_rooms.ts";
import { testWith } from "./_needs.ts";

testWith(
  ["chromium"],
  "web page: an operator whose connection dropped is one again when the page comes back",
  async () => {
    const logged: string[] = [];
    await using server = await startWebServer({
      operators: parseOpFile("ann s3cret\n"),
      log: (line) => logged.push(line),
    });
    await using proxy = new FreezingProxy(server.webAddr!.port, LOOPBACK);
    await using bob = await TestClient.join(server.addr.port, "bob");
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(pageUrl(proxy.port), "ann");
    await say(page, "/oper s3cret");
    await bob.next("notice", (frame) => frame.text.startsWith("ann is an operator"));

    proxy.cut();
    await waitUntil(
      () => logged.includes("ann left (connection closed)"),
      WAIT_MS,
      "the server to see the page go",
    );
    // The page comes back as a newcomer would, the server having seen it go, but with its token.
    await waitUntil(
      () => logged.filter((line) => line.startsWith("ann joined from ")).length === 2,
      15_000,
      "the page to come back",
    );
    await waitForStatus(page, "Connected");
    await say(page, "/topic #lobby Back again");
    assert.equal((await bob.next("topic")).topic, "Back again");
    assert.match(
      logged.filter((line) => line.startsWith("ann joined from ")).at(-1)!,
      /^ann joined from \S+, an operator again after a drop$/,
    );
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: an operator who reloads the tab is one still, back in the locked room they were in",
  async () => {
    const logged: string[] = [];
    await using server = await startWebServer({
      operators: parseOpFile("ann s3cret\n"),
      log: (line) => logged.push(line),
    });
    await using bob = await TestClient.join2(server.addr.port, "bob");
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "ann");
    await say(page, "/oper s3cret");
    await bob.next("notice", (frame) => frame.text.startsWith("ann is an operator"));
    await say(page, "/join #ops");
    await looksAt(page, "#ops");
    await say(page, "/lock #ops");
    await page.locator("#log .line", { hasText: "locked" }).first().waitFor();
    // A copy of the tab copies its session storage: the token is not there while the tab is.
    assert.equal(await page.evaluate(() => sessionStorage.getItem("chat.resume")), null);

    await page.reload();
    await waitForStatus(page, "Connected");
    await looksAt(page, "#ops");
    assert.ok(await page.locator("#name-screen").isHidden(), "the tab asked for a name");
    assert.match(
      logged.filter((line) => line.startsWith("ann joined from ")).at(-1)!,
      /^ann joined from \S+, an operator again after a drop$/,
    );
    await say(page, "/topic #ops Still ours");
    await page.locator("#log .line", { hasText: "Still ours" }).first().waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem("chat.resume")), null);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);
