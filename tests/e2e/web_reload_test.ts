/**
 * A tab of the page reloaded: it comes back as the name that tab had, even
 * after another tab of the same browser took another, and with the private
 * views it had, each in its place in the sidebar, showing the one it showed;
 * on a phone the log it puts the focus on draws no focus ring, until a key.
 * The real page runs in Chromium against a real server; the others are
 * protocol clients.
 */

import assert from "node:assert/strict";
import { TestClient } from "../_test_utils.ts";
import {
  ChatBrowser,
  joinAs,
  logLine,
  say,
  startWebServer,
  WAIT_MS,
  waitForLine,
  waitForStatus,
  webUrl,
} from "./_browser.ts";
import { testWith } from "./_needs.ts";
import { waitFor } from "./_tmux.ts";
import { listsViews, looksAt, says, showView, viewButton } from "./_web_rooms.ts";

// What the page functions run by `evaluate` use of the browser's globals (not the DOM lib,
// which would retype Deno's own globals for every file checked with this one).
declare function getComputedStyle(element: unknown): { outlineStyle: string };

testWith(
  ["chromium"],
  "web page: a reloaded tab comes back as its own name, not one another tab took since",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    const first = await browser.openAs(webUrl(server), "ann");
    // A second tab of the same browser is offered "ann", which is taken: it joins as ann2.
    const second = await browser.open(webUrl(server));
    await second.locator("#name-error", { hasText: /taken/ }).waitFor();
    await joinAs(second, "ann2");
    // A tab that never joined is offered the name a tab joined as last.
    const third = await browser.open(webUrl(server));
    await third.locator("#name-error", { hasText: /taken/ }).waitFor();
    assert.equal(await third.locator("#name-input").inputValue(), "ann2");
    await third.close();

    await first.reload();
    await waitForStatus(first, "Connected");
    assert.equal(await first.locator("#me-name").textContent(), "ann");
    assert.ok(await first.locator("#name-screen").isHidden(), "the first tab asked for a name");
    assert.equal(await second.locator("#me-name").textContent(), "ann2");
    // And the second, reloaded too, as its own.
    await second.reload();
    await waitForStatus(second, "Connected");
    assert.equal(await second.locator("#me-name").textContent(), "ann2");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: a reloaded tab keeps its private views in their places, showing the one it showed",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    const { port } = server.addr;
    await using bob = await TestClient.join2(port, "bob");
    await using fay = await TestClient.join2(port, "fay");
    const page = await browser.openAs(webUrl(server), "ann");
    await say(page, "/switch @bob");
    await looksAt(page, "@bob");
    await say(page, "hi bob");
    await bob.next("private", (frame) => frame.text === "hi bob");
    await say(page, "/join #dev");
    await looksAt(page, "#dev");
    await say(page, "/switch @fay");
    await looksAt(page, "@fay");
    await say(page, "hi fay");
    await fay.next("private", (frame) => frame.text === "hi fay");
    await listsViews(page, ["#lobby", "@bob", "#dev", "@fay"]);

    await page.reload();
    await looksAt(page, "@fay");
    await listsViews(page, ["#lobby", "@bob", "#dev", "@fay"]);
    await waitForStatus(page, "Connected");
    // Shown still once every room is entered, and what is typed there goes to fay.
    await looksAt(page, "@fay");
    await say(page, "back again");
    await fay.next("private", (frame) => frame.text === "back again");
    await showView(page, "@bob");
    await say(page, "and you");
    await bob.next("private", (frame) => frame.text === "and you");

    // A room looked at comes back as before, the private views with it.
    await showView(page, "#dev");
    await page.reload();
    await looksAt(page, "#dev");
    await listsViews(page, ["#lobby", "@bob", "#dev", "@fay"]);
    assert.equal(await page.getByText(/You are looking at/).count(), 0, "a notice of looking");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: a tab reloaded on a private view counts nothing of the history of #lobby as new",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    const { port } = server.addr;
    await using bob = await TestClient.join2(port, "bob");
    await using zoe = await TestClient.join2(port, "zoe");
    await using dana = await TestClient.join2(port, "dana");
    const page = await browser.openAs(webUrl(server), "ann");
    await says(bob, "L2 in lobby, ann?");
    await waitForLine(page, "message", "L2 in lobby, ann?");
    await say(page, "/join #dev");
    await looksAt(page, "#dev");
    for (const [name, client] of [["zoe", zoe], ["dana", dana]] as const) {
      await say(page, `/switch @${name}`);
      await looksAt(page, `@${name}`);
      await say(page, `hi ${name}`);
      await client.next("private", (frame) => frame.text === `hi ${name}`);
    }
    await showView(page, "@zoe");

    await page.reload();
    await looksAt(page, "@zoe");
    await waitForStatus(page, "Connected");
    // Said after the replay of #lobby, which follows the welcome: the page has taken it.
    await say(page, "back again");
    await zoe.next("private", (frame) => frame.text === "back again");
    await page.locator("#log .line", { hasText: "back again" }).waitFor();
    await listsViews(page, ["#lobby", "#dev", "@zoe", "@dana"]);
    assert.equal(await viewButton(page, "#lobby").locator(".unread").count(), 0);
    assert.equal(await page.title(), "@zoe — chat");
    await showView(page, "#lobby");
    await waitForLine(page, "message", "L2 in lobby, ann?");
    assert.equal(await logLine(page, "divider", /new since you last looked/).count(), 0);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: an /away of the user's own stays across a reload, until /back",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    await using bob = await TestClient.join2(server.addr.port, "bob");
    const page = await browser.openAs(webUrl(server), "ann");
    /** ann's away as bob's `who` lists her. */
    const annAway = async () => {
      await bob.send({ type: "who", room: "#lobby" });
      const who = await bob.next("who");
      return who.people?.find((person) => person.name === "ann")?.away?.reason;
    };

    await say(page, "/away lunch");
    await bob.next("away", (frame) => frame.name === "ann");
    await page.reload();
    await waitForStatus(page, "Connected");
    // Gone and back, as a reload is: away again, for the same reason.
    await bob.next("joined", (frame) => frame.name === "ann");
    await bob.next("away", (frame) => frame.name === "ann" && frame.reason === "lunch");
    assert.equal(await annAway(), "lunch");

    await say(page, "/back");
    await bob.next("back", (frame) => frame.name === "ann");
    await page.reload();
    await waitForStatus(page, "Connected");
    await bob.next("joined", (frame) => frame.name === "ann");
    await page.locator("#message-input").waitFor();
    assert.equal(await annAway(), undefined);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page (phone): reloaded, the log the page put the focus on draws no focus ring, until a key",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch({
      viewport: { width: 375, height: 667 },
      deviceScaleFactor: 2,
      mobile: true,
    });
    const page = await browser.openAs(webUrl(server), "ann");
    await page.reload();
    await waitForStatus(page, "Connected");
    const log = page.locator("#log .log");
    const ring = () =>
      log.evaluate((log) => ({
        focused: log.matches(":focus"),
        outline: getComputedStyle(log).outlineStyle,
      }));
    await waitFor(
      ring,
      ({ focused }) => focused,
      WAIT_MS,
      (now) => `for the log to have the focus: ${JSON.stringify(now)}`,
    );
    assert.deepEqual(await ring(), { focused: true, outline: "none" });
    // A key pressed there is the keyboard's: now the ring shows where it is.
    await page.keyboard.press("ArrowDown");
    assert.deepEqual(await ring(), { focused: true, outline: "solid" });
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: a copy of a tab asks for another name at once, as a new tab does, and takes nothing over",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "ann");
    // Each page of this browser from now on counts the hellos it sends.
    await browser.context.addInitScript(() => {
      const send = WebSocket.prototype.send;
      const counted = globalThis as unknown as { hellos: number };
      counted.hellos = 0;
      WebSocket.prototype.send = function (data) {
        if (typeof data === "string" && JSON.parse(data).type === "hello") counted.hellos++;
        return send.call(this, data);
      };
    });
    // The copy has the session storage of the tab it was made from, which is still there.
    const [copy] = await Promise.all([
      browser.context.waitForEvent("page"),
      page.evaluate("window.open(location.href), undefined"),
    ]);
    assert.equal(await copy.evaluate(() => sessionStorage.getItem("chat.name")), "ann");
    // At the first refusal: not after the tries a reloaded tab makes, for its own name held a
    // moment by the server.
    await copy.locator("#name-error", { hasText: /taken/ }).waitFor({ timeout: WAIT_MS });
    assert.equal(await copy.evaluate("globalThis.hellos"), 1);
    assert.equal(await copy.locator("#name-input").inputValue(), "ann");
    await joinAs(copy, "ann2");
    await waitForStatus(page, "Connected");
    assert.equal(await page.locator("#me-name").textContent(), "ann");

    // The tab itself, reloaded, is still ann.
    await page.reload();
    await waitForStatus(page, "Connected");
    assert.equal(await page.locator("#me-name").textContent(), "ann");
    assert.ok(await page.locator("#name-screen").isHidden(), "the tab asked for a name");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);
