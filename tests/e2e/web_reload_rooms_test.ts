/**
 * A tab of the page reloaded comes back to exactly the rooms it was in (not
 * to the #lobby it left, all of them with as many as one may be in), in one
 * `hello` rather than a `/join` each that the server would slow down, showing
 * the view it showed, with what was unread in the others counted still. The
 * real page runs in Chromium against a real server; the others are protocol
 * clients.
 */

import assert from "node:assert/strict";
import type { Page } from "./_playwright.ts";
import { MAX_ROOMS } from "../../protocol.ts";
import { framesSince, TestClient } from "../_test_utils.ts";
import { ChatBrowser, say, startWebServer, waitForStatus, webUrl } from "./_browser.ts";
import { testWith } from "./_needs.ts";
import {
  listsViews,
  logTexts,
  looksAt,
  reads,
  says,
  settles,
  showView,
  told,
  viewButton,
} from "./_web_rooms.ts";

// What the page functions run by `evaluate` use of the browser's globals.
declare const document: { title: string };

/** The frames each WebSocket of `page` sent and received, as JSON text, from now on. */
function recordFrames(page: Page): { sent: string[]; received: string[] }[] {
  const sockets: { sent: string[]; received: string[] }[] = [];
  page.on("websocket", (socket) => {
    const frames = { sent: [] as string[], received: [] as string[] };
    sockets.push(frames);
    socket.on("framesent", ({ payload }) => frames.sent.push(String(payload)));
    socket.on("framereceived", ({ payload }) => frames.received.push(String(payload)));
  });
  return sockets;
}

/** Waits until the page's title reads `title`. */
function titled(page: Page, title: string): Promise<void> {
  return settles(() => page.evaluate(() => document.title), title, "the title");
}

testWith(
  ["chromium"],
  "web page: a reloaded tab does not come back to the #lobby it left",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    await using bob = await TestClient.join2(server.addr.port, "bob");
    const page = await browser.openAs(webUrl(server), "erin");
    await bob.next("joined", (frame) => frame.name === "erin");
    await say(page, "/join #erinroom");
    await looksAt(page, "#erinroom");
    await say(page, "/part #lobby");
    await bob.next("left", (frame) => frame.name === "erin" && frame.room === "#lobby");
    await listsViews(page, ["#erinroom"]);
    const mark = bob.frames.length;

    await page.reload();
    await waitForStatus(page, "Connected");
    await looksAt(page, "#erinroom");
    await listsViews(page, ["#erinroom"]);
    // Said after the welcome, in the room the tab is in: the server has the tab back.
    await say(page, "back in my room");
    await page.locator("#log .line.message", { hasText: "back in my room" }).waitFor();
    await listsViews(page, ["#erinroom"]);
    const heard = await framesSince(bob, mark);
    assert.deepEqual(heard.filter((frame) => frame.type === "joined"), [], "erin in #lobby again");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: a tab in as many rooms as one may be comes back to each, in one hello, not slowed",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "erin");
    // As many rooms as one may be in, #lobby not among them, looking at the last one entered.
    const rooms = Array.from(
      { length: MAX_ROOMS - 1 },
      (_, i) => `#r${String(i + 1).padStart(2, "0")}`,
    );
    // Each entered before the next, as a person would: no /join waits in the server's rate.
    const entered = () =>
      settles(() => page.locator("#views li.entering").count(), 0, "the room being entered");
    for (const room of rooms) {
      await say(page, `/join ${room}`);
      await looksAt(page, room);
      await entered();
    }
    await say(page, "/part #lobby");
    await listsViews(page, rooms);
    await say(page, "/join #elast");
    await looksAt(page, "#elast");
    await entered();
    const all = [...rooms, "#elast"];
    await listsViews(page, all);
    // Answered, the server has read all the tab sent: the reload does not overtake it.
    await say(page, "/who");
    await page.locator("#log .line", { hasText: "#elast: 1 person here" }).waitFor();
    // What the reloaded tab says to the server, on the connection it opens.
    const sockets = recordFrames(page);

    await page.reload();
    await waitForStatus(page, "Connected");
    await listsViews(page, all);
    await looksAt(page, "#elast");
    await say(page, "still here");
    await page.locator("#log .line.message", { hasText: "still here" }).waitFor();
    await listsViews(page, all);
    await looksAt(page, "#elast");
    const frames = sockets.at(-1)!;
    const hello = JSON.parse(frames.sent.find((frame) => frame.includes('"hello"'))!);
    assert.deepEqual(hello.rooms, all.map((room) => ({ room })));
    assert.deepEqual(frames.sent.filter((frame) => frame.includes('"/join ')), []);
    assert.deepEqual(frames.received.filter((frame) => frame.includes('"error"')), []);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: a reloaded tab counts still what was unread in each view, and the mention",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    const { port } = server.addr;
    await using bob = await TestClient.join2(port, "bob", [{ room: "#lobby" }, { room: "#ops" }]);
    const page = await browser.openAs(webUrl(server), "ann");
    await say(page, "/join #ops");
    await looksAt(page, "#ops");
    await say(page, "/join #dev");
    await looksAt(page, "#dev");
    await says(bob, "one", "#lobby");
    await says(bob, "ann, two", "#lobby");
    await says(bob, "three", "#ops");
    await titled(page, "(3) #dev — chat");
    const counts = async () => ({
      lobby: await viewButton(page, "#lobby").locator(".unread").textContent(),
      lobbyMention: await viewButton(page, "#lobby").locator(".mention-badge").count(),
      ops: await viewButton(page, "#ops").locator(".unread").textContent(),
      opsMention: await viewButton(page, "#ops").locator(".mention-badge").count(),
    });
    const before = { lobby: "2", lobbyMention: 1, ops: "1", opsMention: 0 };
    assert.deepEqual(await counts(), before);

    await page.reload();
    await waitForStatus(page, "Connected");
    await looksAt(page, "#dev");
    await listsViews(page, ["#lobby", "#ops", "#dev"]);
    await titled(page, "(3) #dev — chat");
    assert.deepEqual(await counts(), before);
    // Still counted after a second reload, and read once looked at.
    await page.reload();
    await waitForStatus(page, "Connected");
    await titled(page, "(3) #dev — chat");
    await viewButton(page, "#lobby").click();
    await looksAt(page, "#lobby");
    await titled(page, "(1) #lobby — chat");
    assert.equal(await viewButton(page, "#lobby").locator(".unread").count(), 0);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: a reloaded tab shows again the private messages unread in a view, as many as counted",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    const { port } = server.addr;
    await using bob = await TestClient.join2(port, "bob");
    await using _carol = await TestClient.join2(port, "carol");
    const page = await browser.openAs(webUrl(server), "ann");
    await say(page, "/switch @carol");
    await looksAt(page, "@carol");
    for (const text of ["first of two", "second of two"]) {
      await bob.send({ type: "msg", to: "ann", text });
      await bob.next("private", (frame) => frame.text === text);
    }
    await settles(
      () => viewButton(page, "@bob").locator(".unread").textContent(),
      "2",
      "the count of @bob",
    );

    // Twice: still unread after the first reload, they are kept for the next.
    for (let reload = 1; reload <= 2; reload++) {
      await page.reload();
      await waitForStatus(page, "Connected");
      await looksAt(page, "@carol");
      await listsViews(page, ["#lobby", "@carol", "@bob"]);
      await settles(
        () => viewButton(page, "@bob").locator(".unread").textContent(),
        "2",
        `the count of @bob after reload ${reload}`,
      );
    }
    await showView(page, "@bob");
    const texts = await logTexts(page, ".line.private");
    assert.deepEqual(
      texts.map((text) => text.match(/(first|second) of two/)?.[0]),
      ["first of two", "second of two"],
      JSON.stringify(texts),
    );
    // Read once looked at: a reload now shows them no more.
    await page.reload();
    await waitForStatus(page, "Connected");
    await looksAt(page, "@bob");
    await listsViews(page, ["#lobby", "@carol", "@bob"]);
    assert.deepEqual(await logTexts(page, ".line.private"), []);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  'web page: a reloaded tab shows the "new since you last looked" line above what was unread in a room',
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    await using bob = await TestClient.join2(server.addr.port, "bob");
    const page = await browser.openAs(webUrl(server), "ann");
    await says(bob, "read before");
    await reads(page, ["bob: read before"]);
    await say(page, "/join #later");
    await looksAt(page, "#later");
    await says(bob, "first unread");
    await says(bob, "second unread");
    const lobbyCount = () => viewButton(page, "#lobby").locator(".unread").textContent();
    await settles(lobbyCount, "2", "the count of #lobby");

    await page.reload();
    await waitForStatus(page, "Connected");
    await looksAt(page, "#later");
    // Said after the replay of #lobby, which follows the welcome: the page has taken it.
    await say(page, "back in #later");
    await reads(page, ["ann: back in #later"]);
    await settles(lobbyCount, "2", "the count of #lobby after the reload");
    await showView(page, "#lobby");
    await reads(page, [
      "bob: read before",
      "— #lobby: new since you last looked —",
      "bob: first unread",
      "bob: second unread",
    ]);
    assert.equal(await viewButton(page, "#lobby").locator(".unread").count(), 0);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: a reloaded tab says private messages read there are gone only where some were read",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    const { port } = server.addr;
    await using bob = await TestClient.join2(port, "bob");
    await using _ann = await TestClient.join2(port, "ann");
    const page = await browser.openAs(webUrl(server), "erin");
    await say(page, "/switch @ann");
    await looksAt(page, "@ann");
    for (const text of ["first of two", "second of two"]) {
      await bob.send({ type: "msg", to: "erin", text });
      await bob.next("private", (frame) => frame.text === text);
    }
    const bobCount = () => viewButton(page, "@bob").locator(".unread").textContent();
    await settles(bobCount, "2", "the count of @bob");
    const notKept = () => page.locator("#log .line.notice", { hasText: "are not kept" }).count();

    // Never looked at, @bob showed nothing that is gone: its messages are all there, unread.
    await page.reload();
    await waitForStatus(page, "Connected");
    await looksAt(page, "@ann");
    await settles(bobCount, "2", "the count of @bob after the reload");
    await showView(page, "@bob");
    await reads(page, [
      "— @bob: new since you last looked —",
      "private bob → you: first of two",
      "private bob → you: second of two",
    ]);
    assert.equal(await notKept(), 0, "a notice that what was read is gone");

    // Read now, they are gone with the next reload, and the view says so.
    await page.reload();
    await waitForStatus(page, "Connected");
    await looksAt(page, "@bob");
    await page.locator("#log .line.notice", { hasText: "are not kept" }).waitFor();
    assert.deepEqual(await told(page), []);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);
