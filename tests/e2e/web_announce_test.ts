/**
 * What a screen reader hears of the page, recorded as it would get it: every
 * element or text added inside a live region (the logs, `role=status`, the
 * announcer, the note under the toggles), unless the region is busy or
 * `aria-live="off"`, or what was added is hidden from it. A room's history,
 * entering it, reloading or coming back, is not read out, only what is new;
 * a line sent is heard once at most; a mention or a private message the page
 * does not show is told (not one from someone ignored); the connection's
 * loss and return are told once each; every move to another view is told;
 * notifications that stay off say why, aloud. The real page runs in Chromium
 * against a real server; the others are protocol clients.
 */

import assert from "node:assert/strict";
import type { Page } from "./_playwright.ts";
import { freePort, TestClient } from "../_test_utils.ts";
import {
  type BrowserOptions,
  ChatBrowser,
  exactly,
  say,
  startWebServer,
  WAIT_MS,
  waitForLine,
  waitForStatus,
  webUrl,
} from "./_browser.ts";
import { testWith } from "./_needs.ts";
import { waitFor } from "./_tmux.ts";
import { looksAt, openSidebar, says, showView, viewButton } from "./_web_rooms.ts";

/**
 * Records in `window.heard`, from the first moment of each page, what a
 * screen reader is told: each node added inside a live region (the nearest
 * ancestor with `aria-live`, or a role that implies it), with the region's
 * id or label, its text, and whether it is `quiet` (the region busy or
 * `aria-live="off"`, or the node `aria-hidden` or not rendered). A node
 * added with its ancestor in one batch is heard as part of that ancestor.
 * Also records in `window.shownStatus` each text the header's status shows.
 */
const RECORD_HEARD = `(() => {
  window.heard = [];
  window.shownStatus = [];
  const rootOf = (element) => {
    for (let each = element; each !== null; each = each.parentElement) {
      const live = each.getAttribute("aria-live");
      if (live !== null) return { root: each, live };
      const role = each.getAttribute("role");
      if (role === "log" || role === "status") return { root: each, live: "polite" };
      if (role === "alert") return { root: each, live: "assertive" };
    }
    return undefined;
  };
  new MutationObserver((records) => {
    const added = new Set();
    for (const record of records) for (const node of record.addedNodes) added.add(node);
    for (const node of added) {
      if (!node.isConnected) continue;
      const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
      if (element === null) continue;
      if (element.id === "status") window.shownStatus.push(element.textContent);
      let covered = false;
      for (let up = node.parentNode; up !== null; up = up.parentNode) covered ||= added.has(up);
      const found = rootOf(element);
      // A region put on the page, a log shown, is not read out for what it holds.
      if (covered || found === undefined || found.root === node) continue;
      const text = (node.textContent ?? "").trim();
      if (text === "") continue;
      const quiet = found.live === "off" || found.root.closest('[aria-busy="true"]') !== null ||
        element.closest('[aria-hidden="true"]') !== null ||
        !element.checkVisibility({ visibilityProperty: true });
      const region = found.root.id || found.root.getAttribute("aria-label") || "";
      window.heard.push({ region, text, quiet });
    }
  }).observe(document, { childList: true, subtree: true });
})();`;

/** Something a screen reader was told: in which region, and what. */
interface Heard {
  region: string;
  text: string;
  quiet: boolean;
}

/** A browser whose pages record what a screen reader hears (see {@linkcode RECORD_HEARD}). */
async function listeningBrowser(options: BrowserOptions = {}): Promise<ChatBrowser> {
  const browser = await ChatBrowser.launch(options);
  await browser.context.addInitScript({ content: RECORD_HEARD });
  return browser;
}

/** What the screen reader was told so far on `page`, quiet additions left out. */
async function heard(page: Page): Promise<Heard[]> {
  const all = await page.evaluate(() => (globalThis as unknown as { heard: Heard[] }).heard);
  return all.filter((each) => !each.quiet);
}

/** The texts read out so far that hold `text`. */
async function heardOf(page: Page, text: string): Promise<string[]> {
  return (await heard(page)).filter((each) => each.text.includes(text)).map((each) => each.text);
}

/** Waits until the screen reader was told something holding `text`, and returns all of them. */
async function hears(page: Page, text: string): Promise<string[]> {
  return await waitFor(
    () => heardOf(page, text),
    (said) => said.length > 0,
    WAIT_MS,
    () => `for a screen reader to hear "${text}"`,
  );
}

/** What the header's status showed so far, for the eye, from the first change. */
function shownStatus(page: Page): Promise<string[]> {
  return page.evaluate(() => (globalThis as unknown as { shownStatus: string[] }).shownStatus);
}

/** The lines the logs read out so far, as texts. */
async function logsHeard(page: Page): Promise<string[]> {
  return (await heard(page)).filter((each) => each.region.startsWith("Messages in "))
    .map((each) => each.text);
}

/** Waits until the log on the page reads out what is added to it: its history is in. */
async function logLive(page: Page): Promise<void> {
  await page.locator('#log [role=log][aria-live=polite]:not([aria-busy="true"])').waitFor();
}

testWith(
  ["chromium"],
  "web page: a room's history, entering it or reloading, is not read out; what is said after is, once",
  async () => {
    await using server = await startWebServer();
    await using bob = await TestClient.join2(server.addr.port, "bob", [
      { room: "#lobby" },
      { room: "#dev" },
    ]);
    for (let i = 1; i <= 30; i++) await says(bob, `lobby history ${i}`, "#lobby");
    for (let i = 1; i <= 10; i++) await says(bob, `dev history ${i}`, "#dev");
    await using browser = await listeningBrowser();
    const page = await browser.openAs(webUrl(server), "ann");
    await waitForLine(page, "message", "lobby history 30");
    await logLive(page);
    await says(bob, "new in the lobby", "#lobby");
    await hears(page, "new in the lobby");
    let read = await logsHeard(page);
    assert.deepEqual(
      read.filter((text) => !text.endsWith("bob: new in the lobby")),
      [],
      "read out",
    );
    assert.equal(read.length, 1, JSON.stringify(read));
    // The room entered is said, once, short.
    assert.deepEqual(await heardOf(page, "#lobby"), ["#lobby"]);

    // A room entered: its people and history are not read out, what is said there after is.
    await say(page, "/join #dev");
    await waitForLine(page, "message", "dev history 10");
    await logLive(page);
    await says(bob, "new in dev", "#dev");
    await hears(page, "new in dev");
    read = await logsHeard(page);
    assert.deepEqual(read.filter((text) => text.includes("history")), [], "history read out");
    assert.equal((await heardOf(page, "new in dev")).length, 1);

    // Reloaded, the page comes back to both rooms: nothing of their history is read out.
    await page.reload();
    await waitForStatus(page, "Connected");
    await looksAt(page, "#dev");
    await waitForLine(page, "message", "new in dev");
    await logLive(page);
    await says(bob, "after the reload", "#dev");
    await hears(page, "after the reload");
    read = await logsHeard(page);
    assert.deepEqual(read.filter((text) => !text.endsWith("bob: after the reload")), []);
    assert.equal(read.length, 1, JSON.stringify(read));
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: the connection's loss and return are said once each, whatever the attempts; the header's words are not read twice",
  async () => {
    // Ports outside the system's own range: one it gave could be taken meanwhile.
    let server = await startWebServer({ port: freePort(), webPort: freePort() });
    try {
      await using browser = await listeningBrowser();
      const { port } = server.addr;
      const webPort = server.webAddr!.port;
      const page = await browser.openAs(webUrl(server), "ann");
      await logLive(page);
      const header = await page.locator("header").ariaSnapshot();
      assert.equal(header.split("Connected").length, 2, header);

      await server.close();
      await waitForStatus(page, /^Reconnecting in \d+ s$/);
      const lost = (await shownStatus(page)).length;
      // A line typed meanwhile, sent once back: heard once at most, never as it waits.
      await say(page, "really back now");
      // Two attempts fail (about 1 s, then 2 s, after the loss).
      await waitFor(
        async () => (await shownStatus(page)).slice(lost),
        (shown) => shown.filter((text) => text === "Connecting…").length >= 2,
        10_000,
        (shown) => `for the page to try again twice; its status showed ${JSON.stringify(shown)}`,
      );
      server = await startWebServer({ port, webPort });
      await waitForStatus(page, "Connected", 15_000);
      await waitForLine(page, "message", /\] ann: really back now$/);
      await logLive(page);
      const status = (await heard(page)).filter((each) => each.region === "status-announce")
        .map((each) => each.text);
      assert.deepEqual(status, ["Connected", "Reconnecting", "Connected"]);
      assert.ok((await heardOf(page, "really back now")).length <= 1, "the line heard twice");
      assert.deepEqual(await heardOf(page, "sending…"), []);
    } finally {
      await server.close();
    }
  },
);

testWith(
  ["chromium"],
  "web page: a mention in another room, or a private message elsewhere, is said once; not again replayed",
  async () => {
    await using server = await startWebServer();
    const rooms = [{ room: "#lobby" }, { room: "#dev" }];
    await using bob = await TestClient.join2(server.addr.port, "bob", rooms);
    await using carol = await TestClient.join2(server.addr.port, "carol", rooms);
    await using browser = await listeningBrowser();
    const page = await browser.openAs(webUrl(server), "ann");
    await say(page, "/join #dev");
    await looksAt(page, "#dev");
    await logLive(page);

    // Looking at #dev, a mention in #lobby.
    await says(bob, "ann: lunch at noon?", "#lobby");
    await viewButton(page, "#lobby").locator(".mention-badge").waitFor({ state: "attached" });
    assert.deepEqual(await hears(page, "lunch at noon"), [
      "bob mentioned you in #lobby: ann: lunch at noon?",
    ]);

    // Looking at the private view with bob, a private message from carol.
    await bob.send({ type: "msg", to: "ann", text: "a word in private" });
    await viewButton(page, "@bob").waitFor({ state: "attached" });
    await showView(page, "@bob");
    await carol.send({ type: "msg", to: "ann", text: "psst" });
    assert.deepEqual(await hears(page, "psst"), ["Private message from carol: psst"]);
    // Someone ignored is said nothing of.
    await say(page, "/ignore carol");
    await waitForLine(page, "notice", "You ignore carol now");
    await carol.send({ type: "msg", to: "ann", text: "ignored words" });
    await carol.next("private", (frame) => frame.text === "ignored words");
    await says(bob, "ann: still there?", "#lobby");
    await hears(page, "still there?");
    assert.deepEqual(await heardOf(page, "ignored words"), []);
    await say(page, "/unignore carol");
    await waitForLine(page, "notice", "You no longer ignore carol");

    // Looking at a room, a private message shows there too: that line is what is heard.
    await showView(page, "#dev");
    await carol.send({ type: "msg", to: "ann", text: "are you there" });
    await waitForLine(page, "private", "are you there");
    const copy = await hears(page, "are you there");
    assert.equal(copy.length, 1, JSON.stringify(copy));
    assert.doesNotMatch(copy[0]!, /^Private message from/);

    // Replayed on a reload, the mention is history: not said again.
    await page.reload();
    await waitForStatus(page, "Connected");
    await showView(page, "#lobby");
    await waitForLine(page, "message", "lunch at noon");
    await logLive(page);
    await says(carol, "and now?", "#lobby");
    await hears(page, "and now?");
    assert.deepEqual(await heardOf(page, "mentioned you"), []);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: a view shown by a click, by the × of a room or by Join again is said, as the keys say it",
  async () => {
    await using server = await startWebServer();
    await using browser = await listeningBrowser();
    const page = await browser.openAs(webUrl(server), "ann");
    await say(page, "/join #dev");
    await looksAt(page, "#dev");
    await hears(page, "#dev");

    const told = async (view: string) => {
      await looksAt(page, view);
      await waitFor(
        async () => (await heard(page)).at(-1)?.text,
        (last) => last === view,
        WAIT_MS,
        (last) => `for the screen reader to hear ${view}; it heard ${last} last`,
      );
    };
    // A click on a room of the user's.
    await showView(page, "#lobby");
    await told("#lobby");
    // A click on a room of the server's, one the user is in.
    await openSidebar(page);
    await page.locator('#rooms button[data-room="#dev"]').click();
    await told("#dev");
    // The × of the room looked at: the page moves to another.
    await openSidebar(page);
    await page.locator('#views button.part-button[aria-label="Leave #dev"]').click();
    await told("#lobby");
    // Join again, on the line that says the room was left.
    await page.locator("#log button.rejoin").click();
    await told("#dev");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

/** A browser whose pages are told that notifications are blocked, and record what is heard. */
async function blockingBrowser(options: BrowserOptions): Promise<ChatBrowser> {
  const browser = await listeningBrowser(options);
  await browser.context.addInitScript({
    content: `Object.defineProperty(Notification, "permission", { get: () => "denied" });
      Notification.requestPermission = async () => "denied";`,
  });
  return browser;
}

testWith(
  ["chromium"],
  "web page (phone): Notifications pressed while the browser blocks them says why aloud, in sight",
  async () => {
    await using server = await startWebServer();
    await using browser = await blockingBrowser({
      viewport: { width: 320, height: 480 },
      deviceScaleFactor: 2,
      mobile: true,
    });
    const page = await browser.openAs(webUrl(server), "ann");
    await openSidebar(page);
    const why = "Notifications are blocked for this page in the browser's settings";
    await page.getByRole("button", { name: "Notifications", exact: true }).click();
    const note = page.locator("#notify-note", { hasText: exactly(why) });
    await note.waitFor();
    const said = (await hears(page, why)).length;
    // Said by the note itself, which stays in sight of whoever reads it.
    const from = (await heard(page)).filter((each) => each.text === why).map((each) => each.region);
    assert.deepEqual(from, ["notify-note"]);
    await waitFor(
      () =>
        note.evaluate((note) => {
          const box = note.getBoundingClientRect();
          // Within a pixel: the drawer's height, in device pixels, may round up.
          return box.top >= 0 && box.bottom <= note.ownerDocument.documentElement.clientHeight + 1;
        }),
      (inSight) => inSight,
      WAIT_MS,
      () => "for the note to be in sight",
    );
    // Pressed again, it is said again.
    await page.getByRole("button", { name: "Notifications", exact: true }).click();
    await waitFor(
      async () => (await heardOf(page, why)).length,
      (count) => count === said + 1,
      WAIT_MS,
      (count) => `for the note to be heard again; it was heard ${count} times`,
    );
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);
