/**
 * The page in many rooms at once (protocol version 2), at desktop and phone
 * sizes: a log per room, unread counts and a mention badge in the sidebar,
 * the "new since you last looked" line, the unread total in the title and on the
 * icon; a notification for a mention and a private message while the tab is
 * hidden; clickable links; day separators on history from an earlier day;
 * every room back after a lost connection, with what was missed in each,
 * and lines typed meanwhile said to wait once, however many attempts to
 * reconnect fail, then sent once each;
 * All rooms current once looked at, with its locks, never asked too often,
 * and the counts of the user's own rooms current as people come and go;
 * a double click on a room's × that leaves that room only, and one on a
 * room to join that joins it once; and a room name that will not do, said
 * beside the join form.
 * The real page runs in Chromium against a real server; the others are
 * protocol clients. Screenshots go to test-results/screenshots.
 */

import assert from "node:assert/strict";
import type { Page } from "./_playwright.ts";
import { dayName } from "../../core/dividers.ts";
import { parseOpFile } from "../../server/hub/moderation.ts";
import { SqliteHistory } from "../../server/history/sqlite.ts";
import { FreezingProxy } from "../_freezing_proxy.ts";
import { TestClient } from "../_test_utils.ts";
import {
  ChatBrowser,
  exactly,
  joinAs,
  logLine,
  pageUrl,
  say,
  screenshot,
  startWebServer,
  WAIT_MS,
  waitForLine,
  waitForStatus,
  webUrl,
} from "./_browser.ts";
import { testWith } from "./_needs.ts";
import {
  beeps,
  DESKTOP_AND_PHONE,
  logTexts,
  notes,
  notifyingBrowser,
  openSidebar,
  says,
  setHidden,
  settles,
  showView,
  viewButton,
} from "./_web_rooms.ts";
import { waitFor } from "./_tmux.ts";

// What the page functions run by `evaluate` use of the browser's globals (not the DOM lib,
// which would retype Deno's own globals for every file checked with this one).
declare const document: {
  title: string;
  hidden: boolean;
  dispatchEvent(event: unknown): boolean;
  querySelector(selector: string): { getAttribute(name: string): string | null } | null;
  elementFromPoint(x: number, y: number): { ariaLabel: string | null } | null;
};
declare const localStorage: { getItem(key: string): string | null };

for (const { name: size, options } of DESKTOP_AND_PHONE) {
  testWith(
    ["chromium"],
    `web page (${size}): two rooms in separate logs, unread and mention badges, new since you last looked`,
    async () => {
      await using server = await startWebServer();
      const port = server.addr.port;
      await using browser = await ChatBrowser.launch(options);
      await using bob = await TestClient.join2(port, "bob");
      await using carol = await TestClient.join2(port, "carol", [{ room: "#dev" }]);
      const page = await browser.openAs(webUrl(server), "ann");
      await says(bob, "lobby before");

      await say(page, "/join #dev");
      await page.locator("#room-name", { hasText: exactly("#dev") }).waitFor();
      await says(carol, "dev one", "#dev");
      await waitForLine(page, "message", "dev one");
      assert.equal(await logLine(page, "message", "lobby before").count(), 0, "#lobby in #dev");

      await showView(page, "#lobby");
      await waitForLine(page, "message", "lobby before");
      assert.equal(await logLine(page, "message", "dev one").count(), 0, "#dev's line in #lobby");

      // Talk in #dev while ann looks at #lobby: counted there, with a mention badge.
      await says(carol, "dev two", "#dev");
      await says(carol, "ann, can you look at the build?", "#dev");
      await says(bob, "lobby after");
      await waitForLine(page, "message", "lobby after");
      const dev = viewButton(page, "#dev");
      await dev.locator(".unread", { hasText: exactly("2") }).waitFor({ state: "attached" });
      await dev.locator(".mention-badge").waitFor({ state: "attached" });
      assert.equal(await viewButton(page, "#lobby").locator(".unread").count(), 0);
      // On a phone the sidebar is a closed drawer: its button says something waits.
      assert.equal(await page.locator("#sidebar-toggle").getAttribute("data-unread"), "mention");
      assert.equal(await logLine(page, "message", "dev two").count(), 0, "#dev's line in #lobby");
      await settles(() => page.evaluate(() => document.title), "(2) #lobby — chat", "the title");
      await settles(
        () => page.locator("#favicon").evaluate((link) => link.getAttribute("href")?.slice(0, 15)),
        "data:image/png;",
        "the icon's address",
      );
      await openSidebar(page);
      await screenshot(page, `web-rooms-${size}.png`);

      // Back in #dev: what arrived meanwhile, under the line, and nothing of #lobby.
      await showView(page, "#dev");
      const divider = await waitForLine(page, "divider.unseen", "new since you last looked");
      assert.equal(await divider.textContent(), "— #dev: new since you last looked —");
      const texts = await logTexts(page, ".line.message, .line.divider.unseen");
      const after = texts.findIndex((text) => text.includes("new since you last looked"));
      assert.deepEqual(
        texts.map((text) => text.replace(/^\[\d\d:\d\d:\d\d\] /, "")),
        [
          "carol: dev one",
          "— #dev: new since you last looked —",
          "carol: dev two",
          "carol: ann, can you look at the build?",
        ],
      );
      assert.equal(after, 1);
      assert.equal(await logLine(page, "message", "lobby").count(), 0, "#lobby's lines in #dev");
      await dev.locator(".unread").waitFor({ state: "detached" });
      assert.equal(await dev.locator(".mention-badge").count(), 0, "the mention badge stays");
      await settles(() => page.evaluate(() => document.title), "#dev — chat", "the title");
      assert.equal(await page.locator("#sidebar-toggle").getAttribute("data-unread"), "");
      await settles(
        () => page.locator("#favicon").evaluate((link) => link.getAttribute("href")),
        "/favicon.svg",
        "the icon's address",
      );
      await screenshot(page, `web-rooms-new-${size}.png`);

      // Leaving #dev by its button shows #lobby, and #dev is no longer among ann's rooms.
      await openSidebar(page);
      await page.locator('#views button.part-button[aria-label="Leave #dev"]').click();
      await page.locator("#room-name", { hasText: exactly("#lobby") }).waitFor();
      await viewButton(page, "#dev").waitFor({ state: "detached" });
      await carol.next("left", (frame) => frame.name === "ann" && frame.reason === "parted");
      assert.deepEqual(browser.unexpectedProblems(), []);
    },
  );
}

testWith(
  ["chromium"],
  "web page: a mention and a private message notify while the tab is hidden, and beep, once turned on",
  async () => {
    await using server = await startWebServer();
    const url = webUrl(server);
    await using browser = await notifyingBrowser(url);
    await using bob = await TestClient.join2(server.addr.port, "bob");
    const page = await browser.openAs(url, "ann");
    const toggle = page.locator("#notify-toggle");
    assert.equal(await toggle.getAttribute("aria-pressed"), "false", "on before it was asked");
    assert.equal(await page.evaluate(() => (globalThis as unknown as { asked: 0 }).asked), 0);

    // Off: a mention while hidden notifies nobody.
    await setHidden(page, true);
    await says(bob, "ann, first ping");
    await waitForLine(page, "message", "first ping");
    await setHidden(page, false);

    await toggle.click();
    await settles(() => toggle.getAttribute("aria-pressed"), "true", "the toggle");
    assert.equal(await page.evaluate(() => localStorage.getItem("chat.notify")), "on");
    await setHidden(page, true);
    await says(bob, "just chatting, nobody in particular");
    await says(bob, "ann: the build is red");
    await bob.send({ type: "msg", to: "ann", text: "psst, lunch?" });
    await waitFor(
      () => notes(page),
      (list) => list.length >= 2,
      WAIT_MS,
      (list) => `for two notifications; there are ${JSON.stringify(list)}`,
    );
    assert.deepEqual(await notes(page), [
      { title: "bob in #lobby", body: "ann: the build is red" },
      { title: "bob (private)", body: "psst, lunch?" },
    ]);
    await settles(() => page.evaluate(() => document.title), "(3) #lobby — chat", "the title");

    // Seen again: nothing more is notified, and the title is read.
    await setHidden(page, false);
    await settles(() => page.evaluate(() => document.title), "#lobby — chat", "the title");
    await says(bob, "ann, are you there?");
    await waitForLine(page, "message", "are you there?");
    assert.equal((await notes(page)).length, 2, "a notification while the tab is shown");

    // The choice is remembered; the sound is off until turned on.
    await page.reload();
    await page.locator("#notify-toggle[aria-pressed=true]").waitFor({ state: "attached" });
    assert.equal(await page.locator("#sound-toggle").getAttribute("aria-pressed"), "false");
    assert.equal(await page.evaluate(() => (globalThis as unknown as { asked: 0 }).asked), 0);

    // The beep, once turned on: once to be heard, then for a private message (not looked at),
    // not for a mention in the room looked at.
    await waitForStatus(page, "Connected");
    const sound = page.locator("#sound-toggle");
    await sound.click();
    await settles(() => sound.getAttribute("aria-pressed"), "true", "the sound toggle");
    assert.equal(await page.evaluate(() => localStorage.getItem("chat.sound")), "on");
    await settles(() => beeps(page), 1, "the beeps");
    await says(bob, "ann, can you hear this?");
    // The page beeps as it draws the line, so once the line is there the beep is too.
    await waitForLine(page, "message", "can you hear this?");
    assert.equal(await beeps(page), 1, "a beep for a mention in the room looked at");
    await bob.send({ type: "msg", to: "ann", text: "and this?" });
    await waitForLine(page, "private", "and this?");
    assert.equal(await beeps(page), 2, "the beeps after a private message");
    // Someone ignored makes no sound.
    await using carol = await TestClient.join2(server.addr.port, "carol");
    await say(page, "/ignore carol");
    await waitForLine(page, "notice", "You ignore carol now");
    await carol.send({ type: "msg", to: "ann", text: "from someone ignored" });
    await carol.next("private", (frame) => frame.text === "from someone ignored");
    await says(carol, "ann: an ignored mention");
    await bob.send({ type: "msg", to: "ann", text: "after those" });
    await waitForLine(page, "private", "after those");
    assert.equal(await beeps(page), 3, "the beeps after someone ignored and bob");
    await page.reload();
    await page.locator("#sound-toggle[aria-pressed=true]").waitFor({ state: "attached" });
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: /bell on|off|mentions sets the Sound switch, and the beeps follow it",
  async () => {
    await using server = await startWebServer();
    const url = webUrl(server);
    await using browser = await notifyingBrowser(url);
    await using bob = await TestClient.join2(server.addr.port, "bob");
    const page = await browser.openAs(url, "ann");
    const sound = page.locator("#sound-toggle");
    const switchReads = (text: string) => settles(() => sound.textContent(), text, "the switch");
    const stored = () =>
      page.evaluate(() => [localStorage.getItem("chat.sound"), localStorage.getItem("chat.bell")]);
    /** Types `/bell WORDS` and waits for its answer, `Bell: MODE`, one more time. */
    const bell = async (typed: string, mode: string) => {
      const answer = logLine(page, "notice", new RegExp(`Bell: ${mode}$`));
      const before = await answer.count();
      await say(page, typed);
      await settles(() => answer.count(), before + 1, `the answer to ${typed}`);
    };

    // Off to begin with, as the switch says; /help lists /bell with it.
    await bell("/bell", "off");
    await say(page, "/help");
    await waitForLine(page, "notice", /\/bell on\|off\|mentions.*\(now: off\)/);

    // On: every message beeps, in the room looked at too, once heard as it is turned on.
    await bell("/bell on", "on");
    await switchReads("Sound on: all");
    assert.equal(await sound.getAttribute("aria-pressed"), "true");
    assert.deepEqual(await stored(), ["on", "on"]);
    await settles(() => beeps(page), 1, "the beep heard as it is turned on");
    await says(bob, "just chatting");
    await waitForLine(page, "message", "just chatting");
    assert.equal(await beeps(page), 2, "a beep for any message with /bell on");

    // Mentions: a plain message makes no sound, a private message does.
    await bell("/bell mentions", "mentions");
    await switchReads("Sound on");
    assert.deepEqual(await stored(), ["on", null]);
    await says(bob, "chatting on");
    await waitForLine(page, "message", "chatting on");
    await bob.send({ type: "msg", to: "ann", text: "psst" });
    await waitForLine(page, "private", "psst");
    assert.equal(await beeps(page), 3, "a beep for the private message alone");

    // Off: nothing.
    await bell("/bell off", "off");
    await switchReads("Sound off");
    assert.equal(await sound.getAttribute("aria-pressed"), "false");
    await bob.send({ type: "msg", to: "ann", text: "again" });
    await waitForLine(page, "private", "again");
    assert.equal(await beeps(page), 3, "no beep with /bell off");

    // The switch pressed, /bell says so; /bell on is kept across a reload.
    await sound.click();
    await switchReads("Sound on");
    await bell("/bell", "mentions");
    await bell("/bell on", "on");
    await switchReads("Sound on: all");
    await page.reload();
    await waitForStatus(page, "Connected");
    await switchReads("Sound on: all");
    await bell("/bell", "on");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: http and https addresses are links, shown as sent; no other scheme is",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    await using bob = await TestClient.join2(server.addr.port, "bob");
    const page = await browser.openAs(webUrl(server), "ann");
    const text = "see https://example.com/wiki/A_(b)?q=1&ann=2#top, then HTTP://Example.org. " +
      "not javascript:alert(1) nor data:text/html,<b>x</b> nor ftp://example.com/ nor " +
      "javascript://example.com/%0aalert(1)";
    await says(bob, text);
    const line = await waitForLine(page, "message", "see https");
    assert.equal(await line.locator(".text").textContent(), text, "the text as sent");
    const links = await line.locator("a").evaluateAll((links) =>
      links.map((link) => ({
        text: link.textContent,
        href: link.getAttribute("href"),
        rel: link.getAttribute("rel"),
        target: link.getAttribute("target"),
      }))
    );
    const common = { rel: "noopener noreferrer", target: "_blank" };
    assert.deepEqual(links, [
      {
        text: "https://example.com/wiki/A_(b)?q=1&ann=2#top",
        href: "https://example.com/wiki/A_(b)?q=1&ann=2#top",
        ...common,
      },
      { text: "HTTP://Example.org", href: "http://example.org/", ...common },
    ]);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

/** 06:38:29 local time, three days ago. */
const OLD = (() => {
  const date = new Date();
  date.setDate(date.getDate() - 3);
  date.setHours(6, 38, 29, 0);
  return date.getTime();
})();

testWith(
  ["chromium"],
  "web page: history from an earlier day is divided by days, in the replay and in /history",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "chat-web-days-" });
    try {
      using store = SqliteHistory.open(`${dir}/history.db`);
      const base = { type: "message", room: "#lobby", from: "bob" } as const;
      store.append({ ...base, id: 1, ts: OLD, text: "three days ago" });
      store.append({ ...base, id: 2, ts: OLD + 60_000, text: "a minute later" });
      store.append({ ...base, id: 3, ts: Date.now(), text: "just now" });
      await using server = await startWebServer({
        history: store,
      });
      await using browser = await ChatBrowser.launch();
      const page = await browser.openAs(webUrl(server), "ann");
      await waitForLine(page, "message", "just now");
      const old = `— ${dayName(OLD, Date.now())} —`;
      const today = `— ${dayName(Date.now(), Date.now())} —`;
      const plain = (texts: string[]) =>
        texts.map((text) => text.replace(/^\[[\d: -]+\] /, "")).filter((text) =>
          !text.startsWith("Connected") && !text.startsWith("You are in")
        );
      assert.deepEqual(plain(await logTexts(page)), [
        old,
        "bob: three days ago",
        "bob: a minute later",
        today,
        "bob: just now",
      ]);
      await screenshot(page, "web-days-desktop.png");

      // /history shows the dates of what it lists, from its first line on.
      await say(page, "/history");
      await waitForLine(page, "notice", "The last 3 messages of #lobby:");
      await waitFor(
        () => logLine(page, "message", "just now").count(),
        (count) => count === 2,
        WAIT_MS,
        (count) => `for "just now" twice; it is there ${count} times`,
      );
      const texts = plain(await logTexts(page));
      const answer = texts.indexOf("The last 3 messages of #lobby:");
      assert.deepEqual(texts.slice(answer), [
        "The last 3 messages of #lobby:",
        old,
        "bob: three days ago",
        "bob: a minute later",
        today,
        "bob: just now",
      ]);
      assert.deepEqual(browser.unexpectedProblems(), []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

testWith(
  ["chromium"],
  "web page: back from a lost connection, every room shows what was missed there, once",
  async () => {
    await using server = await startWebServer();
    await using proxy = new FreezingProxy(server.webAddr!.port);
    await using bob = await TestClient.join2(server.addr.port, "bob", [
      { room: "#lobby" },
      { room: "#dev" },
    ]);
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(pageUrl(proxy.port), "ann");
    await say(page, "/join #dev");
    await page.locator("#room-name", { hasText: exactly("#dev") }).waitFor();
    await says(bob, "dev before", "#dev");
    await waitForLine(page, "message", "dev before");
    await showView(page, "#lobby");
    await says(bob, "lobby before", "#lobby");
    await waitForLine(page, "message", "lobby before");

    // The link goes silent, both rooms talk, and the connection is lost with what waited in it.
    proxy.freeze();
    await says(bob, "lobby missed", "#lobby");
    await says(bob, "dev missed", "#dev");
    proxy.cut();
    await waitForLine(page, "notice", "The connection to the server was lost");
    proxy.thaw();

    await waitForLine(page, "message", "lobby missed", 15_000);
    const lobby = await logTexts(page, ".line.message .text");
    assert.deepEqual(lobby.filter((text) => text.startsWith("lobby")), [
      "lobby before",
      "lobby missed",
    ]);
    await viewButton(page, "#dev").locator(".unread", { hasText: exactly("1") })
      .waitFor({ state: "attached" });
    await showView(page, "#dev");
    await waitForLine(page, "divider.unseen", "new since you last looked");
    const dev = await logTexts(page, ".line.message .text, .line.divider.unseen");
    assert.deepEqual(dev.filter((text) => !text.startsWith("lobby")), [
      "dev before",
      "— #dev: new since you last looked —",
      "dev missed",
    ]);
    assert.ok(proxy.accepted >= 2, "the page came back through the proxy");
    assert.deepEqual(
      browser.unexpectedProblems([/^console error: WebSocket connection to .* failed/]),
      [],
    );
  },
);

testWith(
  ["chromium"],
  "web page: each room keeps where its log was scrolled to",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch({ viewport: { width: 1280, height: 600 } });
    await using bob = await TestClient.join2(server.addr.port, "bob", [
      { room: "#lobby" },
      { room: "#dev" },
    ]);
    const page = await browser.openAs(webUrl(server), "ann");
    for (let i = 1; i <= 60; i++) await says(bob, `lobby line ${i}`, "#lobby");
    await waitForLine(page, "message", /lobby line 60$/);
    await say(page, "/join #dev");
    await page.locator("#room-name", { hasText: exactly("#dev") }).waitFor();
    await showView(page, "#lobby");

    // Scrolled up in #lobby, to the 20th line.
    const scrolled = await page.locator("#log .log").evaluate((log) => {
      const line = [...log.querySelectorAll(".line")]
        .find((line) => line.textContent?.endsWith("lobby line 20")) as unknown as {
          offsetTop: number;
        };
      log.scrollTop = line.offsetTop;
      return log.scrollTop;
    });
    assert.ok(scrolled > 0, "the log can be scrolled");
    await says(bob, "dev meanwhile", "#dev");
    // Clicked once the page has it (its count in the sidebar), not while its entry is drawn anew.
    await viewButton(page, "#dev").locator(".unread", { hasText: exactly("1") })
      .waitFor({ state: "attached" });
    await showView(page, "#dev");
    await waitForLine(page, "message", "dev meanwhile");
    await showView(page, "#lobby");
    await settles(
      () => page.locator("#log .log").evaluate((log) => log.scrollTop),
      scrolled,
      "where #lobby's log was scrolled to",
    );
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

/** The page asks for the room list by itself at most this often, in ms (README, "In a browser"). */
const ROOMS_GAP_MS = 3_000;

/** What the lock of a room in All rooms says. */
const LOCKED = "locked: only operators may enter";

/**
 * Looks at the server's rooms as a person would: on a phone opens the
 * drawer again, on a desktop brings the pointer to the sidebar from the log.
 */
async function lookAtRooms(page: Page): Promise<void> {
  if (await page.locator("#sidebar-toggle").isVisible()) {
    if (await page.locator("#sidebar").isVisible()) {
      await page.keyboard.press("Escape");
      await page.locator("#sidebar").waitFor({ state: "hidden" });
    }
    await openSidebar(page);
  } else {
    await page.locator("#log").hover();
    await page.locator("#rooms").hover();
  }
}

for (const { name: size, options } of DESKTOP_AND_PHONE) {
  testWith(
    ["chromium"],
    `web page (${size}): All rooms is current once looked at, with its locks, asked at most every 3 s`,
    async () => {
      await using server = await startWebServer({
        operators: parseOpFile("carol s3cret\n"),
      });
      await using browser = await ChatBrowser.launch(options);
      // The page's requests for the room list, when each was sent by the page's own clock:
      // the test hears of a frame late when the machine is busy, which would shorten a gap.
      await browser.context.addInitScript(() => {
        const asked: number[] = [];
        Object.assign(globalThis, { roomsAsked: asked });
        const send = WebSocket.prototype.send;
        WebSocket.prototype.send = function (data) {
          if (typeof data === "string" && JSON.parse(data).type === "rooms") {
            asked.push(performance.now());
          }
          send.call(this, data);
        };
      });
      const page = await browser.open(webUrl(server));
      const roomsAsked = () =>
        page.evaluate(() => (globalThis as unknown as { roomsAsked: number[] }).roomsAsked);
      await joinAs(page, "ann");
      await openSidebar(page);
      await page.locator('#rooms [data-room="#lobby"]').waitFor();
      await waitFor(roomsAsked, (asked) => asked.length > 0, WAIT_MS, () => "a rooms");

      // A room made where ann is not: she hears nothing of it, until she looks.
      await using carol = await TestClient.join2(server.addr.port, "carol", [{ room: "#ops" }]);
      await carol.send({ type: "oper", secret: "s3cret" });
      await carol.next("notice", (frame) => frame.text.startsWith("carol is an operator"));
      await carol.send({ type: "lock", room: "#ops" });
      await carol.next("notice", (frame) => frame.room === "#ops");
      await lookAtRooms(page);
      const ops = page.locator('#rooms [data-room="#ops"]');
      await ops.locator(".room-locked").waitFor();
      assert.equal(await ops.locator(".count").textContent(), "1");
      assert.equal(await ops.locator(".room-locked").getAttribute("aria-label"), LOCKED);
      await screenshot(page, `web-all-rooms-${size}.png`);

      // Looked at again and again, it is asked for once every few seconds at most.
      for (let i = 0; i < 5; i++) await lookAtRooms(page);
      await carol.send({ type: "unlock", room: "#ops" });
      await carol.next("notice", (frame) => frame.room === "#ops");
      await lookAtRooms(page);
      await ops.locator(".room-locked").waitFor({ state: "detached" });
      await carol.send({ type: "quit" });
      await carol.closed();
      await lookAtRooms(page);
      await ops.waitFor({ state: "detached" });

      const asked = await roomsAsked();
      const gaps = asked.slice(1).map((at, i) => Math.round(at - asked[i]!));
      assert.ok(gaps.length >= 2, `asked ${asked.length} times`);
      assert.ok(gaps.every((gap) => gap > ROOMS_GAP_MS - 250), `gaps between asks: ${gaps}`);
      assert.deepEqual(browser.unexpectedProblems(), []);
    },
  );
}

testWith(
  ["chromium"],
  "web page: a double click on a room's × leaves that room only, though the next × moved under it",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "ann");
    for (const room of ["#dev", "#ops", "#qa"]) {
      await say(page, `/join ${room}`);
      await page.locator("#room-name", { hasText: exactly(room) }).waitFor();
    }
    const views = () =>
      page.locator("#views .view-button").evaluateAll((buttons) =>
        buttons.map((button) => button.getAttribute("data-view"))
      );
    assert.deepEqual(await views(), ["#lobby", "#dev", "#ops", "#qa"]);

    // The first click leaves #dev; its row goes, and #ops's × comes up under the pointer, where
    // the second click of the double click lands.
    const leaveDev = page.locator('#views .part-button[aria-label="Leave #dev"]');
    const box = (await leaveDev.boundingBox())!;
    const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.up();
    await viewButton(page, "#dev").waitFor({ state: "detached" });
    const under = await page.evaluate(([x, y]) => document.elementFromPoint(x!, y!)?.ariaLabel, [
      x,
      y,
    ]);
    assert.equal(under, "Leave #ops", "the next × did not come under the pointer");
    await page.mouse.down({ clickCount: 2 });
    await page.mouse.up({ clickCount: 2 });
    // Anything the second click sent reaches the server before this line, and its answer the page.
    await say(page, "still in the others?");
    await waitForLine(page, "message", "still in the others?");
    assert.deepEqual(await views(), ["#lobby", "#ops", "#qa"]);

    // A click of its own, at once, leaves the next room: nothing waits for the pointer to rest.
    await page.mouse.click(x, y);
    await viewButton(page, "#ops").waitFor({ state: "detached" });
    assert.deepEqual(await views(), ["#lobby", "#qa"]);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

for (const { name: size, options } of DESKTOP_AND_PHONE) {
  testWith(
    ["chromium"],
    `web page (${size}): a room name that will not do is said beside the join form, kept to mend`,
    async () => {
      await using server = await startWebServer();
      await using browser = await ChatBrowser.launch(options);
      const page = await browser.openAs(webUrl(server), "ann");
      await openSidebar(page);
      const input = page.locator("#join-input");
      const error = page.locator("#join-error");
      await input.fill("release.planning");
      await input.press("Enter");
      await error.filter({
        hasText: exactly("A room name is # followed by letters, digits, _ and -, such as #lobby"),
      }).waitFor();
      assert.equal(await input.inputValue(), "release.planning", "what was typed is gone");
      assert.equal(await input.getAttribute("aria-invalid"), "true");
      // The drawer stays open on a phone, the keyboard in the box to mend it.
      await page.locator("#sidebar").waitFor();
      assert.equal(await input.evaluate((box) => box.matches(":focus")), true);
      await screenshot(page, `web-join-error-${size}.png`);
      assert.equal(await logLine(page, "error", "/join").count(), 0, "a command's usage");

      // Words are told that a room name has none of its spaces, and what it could be.
      await input.fill("release planning");
      await input.press("Enter");
      await error.filter({
        hasText: exactly("A room name has no spaces; try #release-planning"),
      }).waitFor();
      assert.equal(await input.inputValue(), "release planning", "what was typed is gone");

      // Mended, the error goes as it is typed, and the room is joined.
      await input.fill("release-planning");
      assert.equal(await error.textContent(), "");
      assert.equal(await input.getAttribute("aria-invalid"), null);
      await input.press("Enter");
      await page.locator("#room-name", { hasText: exactly("#release-planning") }).waitFor();
      assert.equal(await input.inputValue(), "");
      assert.deepEqual(browser.unexpectedProblems(), []);
    },
  );
}

testWith(
  ["chromium"],
  "web page: /join with a room name of words says a room name has no spaces",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "ann");
    const input = page.locator("#message-input");
    await input.fill("/join #team chat");
    await input.press("Enter");
    await waitForLine(
      page,
      "error",
      'Cannot join "#team chat": a room name has no spaces; try #team-chat',
    );
    assert.equal(await page.locator("#room-name").textContent(), "#lobby");
    assert.equal(await input.inputValue(), "/join #team chat", "the line is kept, to mend");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: a double click on a room of All rooms, or on Join again, joins it once",
  async () => {
    await using server = await startWebServer();
    await using _bob = await TestClient.join2(server.addr.port, "bob", [{ room: "#dev" }]);
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "ann");
    await page.locator("#rooms").hover();
    const dev = page.locator('#rooms [data-room="#dev"]');
    const joins = [() => dev.dblclick(), () => page.locator("button.rejoin").dblclick()];
    for (const [index, join] of joins.entries()) {
      await join();
      await page.locator("#room-name", { hasText: exactly("#dev") }).waitFor();
      // Anything the second click sent has had its answer once this line is back (a line of
      // its own each time: #dev entered again shows its last messages).
      await say(page, `here once ${index}`);
      await waitForLine(page, "message", `here once ${index}`);
      assert.equal(await logLine(page, "notice", "already").count(), 0, "joined twice");
      await page.locator('#views .part-button[aria-label="Leave #dev"]').click();
      await viewButton(page, "#dev").waitFor({ state: "detached" });
    }
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: All rooms counts the people of the user's rooms as they come and go, as the header does",
  async () => {
    await using server = await startWebServer();
    const port = server.addr.port;
    await using _bob = await TestClient.join2(port, "bob", [{ room: "#lobby" }, { room: "#dev" }]);
    await using browser = await ChatBrowser.launch();
    // The page's requests for the room list are held back once the test says so: the counts
    // must follow from what the page sees, not from the next listing, seconds away.
    await browser.context.addInitScript(() => {
      const send = WebSocket.prototype.send;
      WebSocket.prototype.send = function (data) {
        const held = (globalThis as unknown as { holdRooms?: boolean }).holdRooms === true;
        if (held && typeof data === "string" && JSON.parse(data).type === "rooms") return;
        send.call(this, data);
      };
    });
    const page = await browser.openAs(webUrl(server), "ann");
    await say(page, "/join #dev");
    await page.locator("#room-name", { hasText: exactly("#dev") }).waitFor();
    await page.locator("#room-count", { hasText: exactly("2 people") }).waitFor();
    const count = (room: string) => page.locator(`#rooms [data-room="${room}"] .count`);
    await count("#lobby").filter({ hasText: exactly("2") }).waitFor();
    await count("#dev").filter({ hasText: exactly("2") }).waitFor();
    await page.evaluate(() => Object.assign(globalThis, { holdRooms: true }));

    await using carol = await TestClient.join2(port, "carol", [{ room: "#dev" }]);
    await page.locator("#room-count", { hasText: exactly("3 people") }).waitFor();
    await count("#dev").filter({ hasText: exactly("3") }).waitFor();
    // In a room the user is not looking at too.
    await using _dee = await TestClient.join2(port, "dee");
    await count("#lobby").filter({ hasText: exactly("3") }).waitFor();
    await carol.send({ type: "quit" });
    await carol.closed();
    await page.locator("#room-count", { hasText: exactly("2 people") }).waitFor();
    await count("#dev").filter({ hasText: exactly("2") }).waitFor();
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: lines typed while the connection is down are said to wait once, then go once each",
  async () => {
    await using server = await startWebServer();
    await using proxy = new FreezingProxy(server.webAddr!.port);
    await using bob = await TestClient.join2(server.addr.port, "bob");
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(pageUrl(proxy.port), "ann");
    const waiting = () => logLine(page, "notice", "Not connected: this will be sent").count();
    for (const outage of [1, 2]) {
      proxy.freeze();
      proxy.cut();
      await logLine(page, "notice", "The connection to the server was lost").nth(outage - 1)
        .waitFor();
      const typed = [`first typed away ${outage}`, `second typed away ${outage}`];
      for (const text of typed) await say(page, text);
      await logLine(page, "pending", typed[1]!).waitFor();
      assert.equal(await waiting(), outage, "said to wait once an outage");
      proxy.thaw();
      for (const text of typed) await bob.next("message", (frame) => frame.text === text);
      await waitForStatus(page, "Connected", 15_000);
      for (const text of typed) await waitForLine(page, "message", text);
    }
    assert.deepEqual(browser.unexpectedProblems([/WebSocket connection/]), []);
  },
);

testWith(
  ["chromium"],
  "web page: lines typed while the server is down are said to wait once, however many attempts fail",
  async () => {
    const server = await startWebServer();
    try {
      await using browser = await ChatBrowser.launch();
      // Counts the sockets that closed: each attempt to reconnect closes one.
      await browser.context.addInitScript({
        content: `(() => {
          window.socketsClosed = 0;
          const Real = window.WebSocket;
          window.WebSocket = class extends Real {
            constructor(...args) {
              super(...args);
              this.addEventListener("close", () => window.socketsClosed++);
            }
          };
        })();`,
      });
      const page = await browser.openAs(webUrl(server), "ann");
      const closed = () =>
        page.evaluate(() => (globalThis as unknown as { socketsClosed: number }).socketsClosed);
      const waiting = () => logLine(page, "notice", "Not connected: this will be sent").count();
      await server.close();
      await waitForStatus(page, /^Reconnecting in \d+ s$/);
      await say(page, "one");
      await logLine(page, "pending", "one").waitFor();
      assert.equal(await waiting(), 1, "said to wait");
      // The next attempt fails too, as the server is still down; then more lines are typed.
      const before = await closed();
      await waitFor(closed, (count) => count > before, 10_000, (count) => `${count} closed`);
      for (const text of ["two", "three"]) await say(page, text);
      await logLine(page, "pending", "three").waitFor();
      assert.equal(await waiting(), 1, "said to wait once an outage");
      assert.deepEqual(browser.unexpectedProblems([/WebSocket connection/]), []);
    } finally {
      await server.close();
    }
  },
);

testWith(
  ["chromium"],
  "web page: the header counts nobody before the name form is sent, and follows a kick, a ban and a /quit",
  async () => {
    await using server = await startWebServer({ operators: parseOpFile("ann s3cret\n") });
    const port = server.addr.port;
    const others: TestClient[] = [];
    try {
      for (const name of ["bob", "carol", "dee", "eve"]) {
        others.push(await TestClient.join2(port, name));
      }
      const [bob, eve] = [others[0]!, others[3]!];
      await using browser = await ChatBrowser.launch();
      const page = await browser.open(webUrl(server));
      // Drawn: the page names the room in its title, behind the name form.
      await page.waitForFunction(() => document.title === "#lobby — chat");
      // Behind the name form the page knows nobody in the room: it says no count at all.
      assert.equal(await page.locator("#room-count").textContent(), "");
      await joinAs(page, "ann");
      const count = (text: string) =>
        page.locator("#room-count", { hasText: exactly(text) }).waitFor();
      await count("5 people");
      await say(page, "/oper s3cret");
      await waitForLine(page, "notice", "You are an operator");
      await say(page, "/kick carol too loud");
      await count("4 people");
      await say(page, "/ban dee spamming");
      await count("3 people");
      await bob.say("/quit");
      await bob.closed();
      await count("2 people");
      await eve.send({ type: "quit" });
      await eve.closed();
      await count("1 person");
      await page.locator("#member-count", { hasText: exactly("1") }).waitFor();
      assert.deepEqual(browser.unexpectedProblems(), []);
    } finally {
      for (const other of others) await other[Symbol.asyncDispose]();
    }
  },
);
