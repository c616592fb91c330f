/**
 * Moving between views on the page: back to a hidden tab, a "new since you
 * left" line above what arrived meanwhile, gone once the user looks
 * elsewhere or sends a line; a person clicked in the list opens the private
 * view with them, a name nobody here has none; Alt+1…9 and Alt+Up/Alt+Down,
 * which announce the view they show; a notification clicked shows its view;
 * someone written to privately who leaves the chat is told of there, and
 * words sent to them all the same come back to the message box, all of
 * them when several are refused at once, the caret staying where the user
 * types; their leaving, told there and in
 * the room, is under the room's "new since you last looked" line; a tab reloaded
 * is back in every room it was in, showing the view it showed.
 * The real page runs in Chromium against a real server; the others are
 * protocol clients.
 */

import assert from "node:assert/strict";
import type { Locator, Page } from "./_playwright.ts";
import { TestClient } from "../_test_utils.ts";
import {
  ChatBrowser,
  exactly,
  say,
  screenshot,
  startWebServer,
  WAIT_MS,
  waitForLine,
  waitForStatus,
  webUrl,
} from "./_browser.ts";
import { testWith } from "./_needs.ts";
import { parseOpFile } from "../../server/hub/moderation.ts";
import { waitFor } from "./_tmux.ts";
import {
  clickNotification,
  DESKTOP_AND_PHONE,
  logTexts,
  notes,
  notifyingBrowser,
  openSidebar,
  reads,
  says,
  setHidden,
  settles,
  showView,
  viewButton,
} from "./_web_rooms.ts";

/** The "new since you last looked" lines of the log on the page. */
function dividers(page: Page): Locator {
  return page.locator("#log .line.divider.unseen");
}

/** Where the caret of the message box `input` is. */
function caret(input: Locator): Promise<number> {
  return input.evaluate((box: { selectionStart: number }) => box.selectionStart);
}

/** Waits until the header names view `id`. */
async function looksAt(page: Page, id: string): Promise<void> {
  await page.locator("#room-name", { hasText: exactly(id) }).waitFor();
}

/** Bob joins; ann, on `page`, opens his private messages and says "lunch?"; he reads it and quits. */
async function wordToBobWhoQuits(page: Page, port: number): Promise<void> {
  await using bob = await TestClient.join2(port, "bob");
  await page.locator('#members li[data-name="bob"]').click();
  await looksAt(page, "@bob");
  await say(page, "lunch?");
  await bob.next("private", (frame) => frame.text === "lunch?");
  await bob.send({ type: "quit" });
  await bob.closed();
}

testWith(
  ["chromium"],
  'web page: back to a hidden tab, a "new since you last looked" line sits above what arrived, until a line is sent',
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    await using bob = await TestClient.join2(server.addr.port, "bob", [
      { room: "#lobby" },
      { room: "#dev" },
    ]);
    const page = await browser.openAs(webUrl(server), "ann");
    await say(page, "/join #dev");
    await looksAt(page, "#dev");
    await showView(page, "#lobby");
    await says(bob, "lobby before", "#lobby");
    await waitForLine(page, "message", "lobby before");

    // Talk while the tab is hidden: the line comes when the tab is shown again, above it.
    await setHidden(page, true);
    await says(bob, "away one", "#lobby");
    await says(bob, "away two", "#lobby");
    await waitForLine(page, "message", "away two");
    assert.equal(await dividers(page).count(), 0, "a divider while the tab is hidden");
    await setHidden(page, false);
    await reads(page, [
      "bob: lobby before",
      "— #lobby: new since you last looked —",
      "bob: away one",
      "bob: away two",
    ]);

    // Away again: the line moves above what is new now; there is only ever one.
    await setHidden(page, true);
    await says(bob, "away three", "#lobby");
    await waitForLine(page, "message", "away three");
    await setHidden(page, false);
    await reads(page, [
      "bob: lobby before",
      "bob: away one",
      "bob: away two",
      "— #lobby: new since you last looked —",
      "bob: away three",
    ]);

    // Hidden and shown with nothing new: the line stays where it is.
    await setHidden(page, true);
    await setHidden(page, false);
    await says(bob, "seen at once", "#lobby");
    await waitForLine(page, "message", "seen at once");
    assert.equal(await dividers(page).count(), 1);

    // A line sent answers what is new: the line goes.
    await say(page, "back now");
    await waitForLine(page, "message", "back now");
    await dividers(page).waitFor({ state: "detached" });

    // Looking at another view and back: the line goes too, as when switching.
    await setHidden(page, true);
    await says(bob, "away four", "#lobby");
    await waitForLine(page, "message", "away four");
    await setHidden(page, false);
    await dividers(page).waitFor();
    await showView(page, "#dev");
    await showView(page, "#lobby");
    await waitForLine(page, "message", "away four");
    assert.equal(await dividers(page).count(), 0, "the line after looking elsewhere");

    // The line a switch puts above what arrived elsewhere goes with a line sent, the same way.
    await says(bob, "dev news", "#dev");
    await viewButton(page, "#dev").locator(".unread", { hasText: exactly("1") }).waitFor();
    await showView(page, "#dev");
    await reads(page, ["— #dev: new since you last looked —", "bob: dev news"]);
    await say(page, "thanks");
    await waitForLine(page, "message", "thanks");
    await dividers(page).waitFor({ state: "detached" });
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

for (const { name: size, options } of DESKTOP_AND_PHONE) {
  testWith(
    ["chromium"],
    `web page (${size}): a person clicked in the list opens the private view with them`,
    async () => {
      await using server = await startWebServer();
      await using browser = await ChatBrowser.launch(options);
      await using bob = await TestClient.join2(server.addr.port, "bob");
      const page = await browser.openAs(webUrl(server), "ann");
      await openSidebar(page);
      await page.locator("#members button.member-button", { hasText: exactly("bob") }).click();
      await looksAt(page, "@bob");
      assert.equal(await page.locator("#message-input").inputValue(), "", "the message box");
      await page.locator('#views button.view-button[data-view="@bob"][aria-current=true]')
        .waitFor({ state: "attached" });
      // On a phone the drawer closes, so the message box can be typed in.
      assert.ok(await page.locator("#message-input").isVisible(), "the message box is hidden");

      // What is typed there goes to bob alone, and shows in the private view.
      await say(page, "psst, lunch?", { typed: true });
      const frame = await bob.next("private", (frame) => frame.text === "psst, lunch?");
      assert.deepEqual([frame.from, frame.to], ["ann", "bob"]);
      await waitForLine(page, "private", "psst, lunch?");
      await showView(page, "#lobby");
      assert.equal(
        await page.locator("#log .line", { hasText: "psst, lunch?" }).count(),
        0,
        "the private line in #lobby",
      );
      assert.deepEqual(browser.unexpectedProblems(), []);
    },
  );
}

/** Clicks `item` 5 pixels from its right end, halfway down. */
async function clickFarEnd(item: Locator): Promise<void> {
  const box = await item.boundingBox();
  assert.ok(box !== null, "the entry has no box");
  await item.click({ position: { x: box.width - 5, y: box.height / 2 } });
}

for (const { name: size, options } of DESKTOP_AND_PHONE) {
  testWith(
    ["chromium"],
    `web page (${size}): anywhere in a person's row opens the private view, as does a key on its one button`,
    async () => {
      await using server = await startWebServer();
      await using browser = await ChatBrowser.launch(options);
      await using bob = await TestClient.connect(server.addr.port);
      await bob.send({ type: "hello", version: 2, name: "bob", client: "terminal" });
      await bob.next("welcome");
      const page = await browser.openAs(webUrl(server), "ann");
      await openSidebar(page);
      const row = page.locator('#members li[data-name="bob"]');
      const mark = row.locator(".client-mark", { hasText: exactly("terminal") });
      await mark.waitFor();
      await mark.hover();
      await screenshot(page, `web-people-row-${size}.png`);

      // The row lights up under the pointer as a whole: a click on its far end, past the
      // client's mark, is as good as one on the name. The user's own row opens nothing.
      await clickFarEnd(page.locator('#members li[data-name="ann"]'));
      await clickFarEnd(row);
      await looksAt(page, "@bob");
      assert.equal(await viewButton(page, "@ann").count(), 0, "a view with oneself");
      await showView(page, "#lobby");
      await openSidebar(page);
      await mark.click();
      await looksAt(page, "@bob");
      await showView(page, "#lobby");

      // One button per person, named by the name alone, that a key presses.
      await openSidebar(page);
      const button = row.getByRole("button", { name: "bob", exact: true });
      assert.equal(await row.getByRole("button").count(), 1, "buttons in bob's row");
      await button.focus();
      await button.press("Enter");
      await looksAt(page, "@bob");
      await say(page, "psst", { typed: true });
      assert.equal((await bob.next("private", (frame) => frame.text === "psst")).to, "bob");
      assert.deepEqual(browser.unexpectedProblems(), []);
    },
  );
}

testWith(
  ["chromium"],
  "web page: an operator's rename is one line, and the private view tells the new name",
  async () => {
    await using server = await startWebServer({ operators: parseOpFile("Zoë s3cret\n") });
    const port = server.addr.port;
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "ann");
    await using zoe = await TestClient.join2(port, "Zoë");
    await zoe.say("/oper s3cret");
    await zoe.next("notice", (frame) => / is an operator/.test(frame.text));
    await using bob = await TestClient.join2(port, "bob");
    await bob.send({ type: "msg", to: "ann", text: "psst" });
    await waitForLine(page, "private", "psst");

    await zoe.say("/rename bob robert");
    await zoe.say("done");
    await waitForLine(page, "message", "Zoë: done");
    const notices = await logTexts(page, ".line.notice");
    assert.deepEqual(
      notices.filter((text) => /robert/.test(text)).map((text) => text.replace(/^\[[\d:]+\] /, "")),
      ["Zoë renamed bob to robert"],
      notices.join("\n"),
    );

    // The private view, under the new name: what bob wrote, then that he is robert now.
    await showView(page, "@robert");
    await waitForLine(page, "notice", "bob is now robert");
    const lines = (await logTexts(page)).map((text) => text.replace(/^\[[\d:]+\] /, ""));
    const psst = lines.findIndex((text) => text.endsWith("psst"));
    const renamed = lines.indexOf("bob is now robert");
    assert.ok(psst >= 0 && psst < renamed, lines.join("\n"));
    assert.equal(lines.filter((text) => /is now robert/.test(text)).length, 1, lines.join("\n"));
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: /switch @name refuses a name nobody here has, as the terminal does, and opens no view",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    await using _bob = await TestClient.join2(server.addr.port, "bob");
    const page = await browser.openAs(webUrl(server), "ann");
    const input = page.locator("#message-input");
    await input.fill("/switch @nobody");
    await input.press("Enter");
    await waitForLine(
      page,
      "error",
      'Cannot switch to @nobody: you know of nobody called "nobody" here; ' +
        "/msg nobody TEXT finds them in any room",
    );
    await looksAt(page, "#lobby");
    assert.equal(await page.locator('#views button.view-button[data-view="@nobody"]').count(), 0);

    // Someone who is here opens at once.
    await input.fill("/switch @bob");
    await input.press("Enter");
    await looksAt(page, "@bob");
    await page.locator('#views button.view-button[data-view="@bob"][aria-current=true]')
      .waitFor({ state: "attached" });
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: Alt+1…9 shows a view by its place, Alt+Up and Alt+Down the one before or after",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    await using bob = await TestClient.join2(server.addr.port, "bob");
    const page = await browser.openAs(webUrl(server), "ann");
    await say(page, "/join #dev");
    await looksAt(page, "#dev");
    await bob.send({ type: "msg", to: "ann", text: "hi ann" });
    await viewButton(page, "@bob").waitFor({ state: "attached" });
    const views = await page.locator("#views button.view-button").evaluateAll((buttons) =>
      buttons.map((button) => button.getAttribute("data-view"))
    );
    assert.deepEqual(views, ["#lobby", "#dev", "@bob"], "the views in the sidebar");

    const keys: [string, string][] = [
      ["Alt+1", "#lobby"],
      ["Alt+3", "@bob"],
      ["Alt+2", "#dev"],
      ["Alt+1", "#lobby"],
      // There is no ninth view: nothing moves, so the next one after #lobby is #dev.
      ["Alt+9", "#lobby"],
      ["Alt+ArrowDown", "#dev"],
      ["Alt+ArrowDown", "@bob"],
      ["Alt+ArrowDown", "#lobby"],
      ["Alt+ArrowUp", "@bob"],
      ["Alt+ArrowUp", "#dev"],
    ];
    for (const [key, view] of keys) {
      await page.keyboard.press(key);
      await looksAt(page, view);
      await settles(
        () => page.locator(`#views button[aria-current=true]`).getAttribute("data-view"),
        view,
        `the view marked in the sidebar after ${key}`,
      );
      // The keyboard stays in the message box: a screen reader is told where it is now.
      await settles(
        () => page.locator("#announcer[aria-live=polite] p").last().textContent(),
        view === "@bob" ? "Private messages with bob" : view,
        `what is announced after ${key}`,
      );
    }
    assert.equal(await page.locator("#message-input").inputValue(), "", "keys typed as text");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: a notification clicked shows the view it tells of",
  async () => {
    await using server = await startWebServer();
    const url = webUrl(server);
    await using browser = await notifyingBrowser(url);
    await using bob = await TestClient.join2(server.addr.port, "bob", [
      { room: "#lobby" },
      { room: "#dev" },
    ]);
    const page = await browser.openAs(url, "ann");
    await say(page, "/join #dev");
    await looksAt(page, "#dev");
    await showView(page, "#lobby");
    const toggle = page.locator("#notify-toggle");
    await toggle.click();
    await settles(() => toggle.getAttribute("aria-pressed"), "true", "the toggle");

    await setHidden(page, true);
    await says(bob, "ann, the build is red", "#dev");
    await bob.send({ type: "msg", to: "ann", text: "psst, lunch?" });
    await waitFor(
      () => notes(page),
      (list) => list.length >= 2,
      WAIT_MS,
      (list) => `for two notifications; there are ${JSON.stringify(list)}`,
    );
    assert.deepEqual(await notes(page), [
      { title: "bob in #dev", body: "ann, the build is red" },
      { title: "bob (private)", body: "psst, lunch?" },
    ]);

    // The mention's notification shows #dev, what arrived there under the line.
    await clickNotification(page, 0);
    await looksAt(page, "#dev");
    await reads(page, ["— #dev: new since you last looked —", "bob: ann, the build is red"]);
    // The private message's shows the private view with bob.
    await clickNotification(page, 1);
    await looksAt(page, "@bob");
    await waitForLine(page, "private", "psst, lunch?");
    await setHidden(page, false);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: someone written to privately who leaves the chat, and comes back, is told of there; words to them meanwhile come back to the box",
  async () => {
    await using server = await startWebServer();
    const port = server.addr.port;
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "ann");
    await wordToBobWhoQuits(page, port);
    // Looking at bob's private messages, ann hears he is gone before she writes again.
    const log = page.locator("#log .log:not([hidden])");
    await log.locator(".line.notice", { hasText: "bob left #lobby (quit)" }).waitFor();
    // Words sent to him all the same are refused, and come back to the box: none are lost.
    const input = page.locator("#message-input");
    await input.fill("still there?");
    await input.press("Enter");
    await log.locator(".line.error", { hasText: 'nobody called "bob" is on this chat' }).waitFor();
    await waitFor(
      () => input.inputValue(),
      (value) => value === "still there?",
      WAIT_MS,
      (value) => `the refused words to come back to the box; it holds ${JSON.stringify(value)}`,
    );
    await input.fill("");
    // Several sent before the first is refused all come back, in the order typed, a line each.
    const lines = ["are you", "still", "there?"];
    await input.evaluate((box, lines) => {
      for (const line of lines) {
        box.value = line;
        box.form!.requestSubmit();
      }
    }, lines);
    await log.locator(".line.error", { hasText: 'nobody called "bob" is on this chat' }).nth(3)
      .waitFor();
    await waitFor(
      () => input.inputValue(),
      (value) => value === lines.join("\n"),
      WAIT_MS,
      (value) => `all the refused words to come back to the box; it holds ${JSON.stringify(value)}`,
    );
    // At their end is the caret, to mend or send them.
    assert.equal(await caret(input), lines.join("\n").length);
    await input.fill("");
    // Sent, then words typed and not sent: the refused ones come back after them, and the
    // caret stays where ann types, so that her next keys go on with her words.
    await input.evaluate((box, lines) => {
      for (const line of lines) {
        box.value = line;
        box.form!.requestSubmit();
      }
      box.value = "half typed";
      box.setSelectionRange(box.value.length, box.value.length);
    }, lines);
    await log.locator(".line.error", { hasText: 'nobody called "bob" is on this chat' }).nth(6)
      .waitFor();
    await waitFor(
      () => input.inputValue(),
      (value) => value === ["half typed", ...lines].join("\n"),
      WAIT_MS,
      (value) =>
        `the refused words to come back after the typed ones; it holds ${JSON.stringify(value)}`,
    );
    assert.equal(await caret(input), "half typed".length);
    await input.pressSequentially(" on");
    assert.equal(await input.inputValue(), ["half typed on", ...lines].join("\n"));
    await input.fill("");
    await using _back = await TestClient.join2(port, "bob");
    await log.locator(".line.notice", { hasText: "bob joined #lobby" }).waitFor();
    await screenshot(page, "web-private-gone.png");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  'web page: someone leaving while the user looks at their private messages is under the room\'s "new since you last looked" line',
  async () => {
    await using server = await startWebServer();
    const port = server.addr.port;
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "ann");
    await using carol = await TestClient.join2(port, "carol");
    await wordToBobWhoQuits(page, port);
    // Bob's leaving is told in #lobby and among his private messages, one line in two logs.
    const shown = page.locator("#log .log:not([hidden])");
    await shown.locator(".line.notice", { hasText: "bob left #lobby (quit)" }).waitFor();
    await says(carol, "he went home");
    await showView(page, "#lobby");
    // Both arrived in #lobby while ann looked elsewhere: both are under the line.
    await waitFor(
      () => logTexts(page, ".log:not([hidden]) .line"),
      (texts) => texts.some((text) => text.includes("new since you last looked")),
      WAIT_MS,
      (texts) => `for the "new since you last looked" line; the log reads ${JSON.stringify(texts)}`,
    );
    const texts = (await logTexts(page, ".log:not([hidden]) .line"))
      .map((text) => text.replace(/^\[\d\d:\d\d:\d\d\] /, ""));
    const divider = texts.indexOf("— #lobby: new since you last looked —");
    assert.deepEqual(
      texts.slice(divider),
      ["— #lobby: new since you last looked —", "bob left #lobby (quit)", "carol: he went home"],
      JSON.stringify(texts),
    );
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: reloaded, the tab is back in every room it was in, showing the view it showed",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    await using bob = await TestClient.join2(server.addr.port, "bob", [
      { room: "#lobby" },
      { room: "#ops" },
    ]);
    const page = await browser.openAs(webUrl(server), "ann");
    const views = () =>
      page.locator("#views button.view-button").evaluateAll((buttons) =>
        buttons.map((button) => button.getAttribute("data-view"))
      );
    for (const room of ["#dev", "#ops"]) {
      await say(page, `/join ${room}`);
      await looksAt(page, room);
    }
    await showView(page, "#dev");

    await page.reload();
    await looksAt(page, "#dev");
    await waitFor(
      views,
      (ids) => ids.join() === "#lobby,#dev,#ops",
      WAIT_MS,
      (ids) => `the views: ${ids.join()}`,
    );
    // In each room for the server too: what is said there reaches the page.
    await says(bob, "ops news", "#ops");
    await viewButton(page, "#ops").locator(".unread", { hasText: exactly("1") }).waitFor();

    // A room left is not entered again by the next reload, and #lobby shown stays shown.
    await say(page, "/part #ops");
    await waitFor(
      views,
      (ids) => ids.join() === "#lobby,#dev",
      WAIT_MS,
      (ids) => `the views: ${ids.join()}`,
    );
    await showView(page, "#lobby");
    await page.reload();
    await looksAt(page, "#lobby");
    await waitFor(
      views,
      (ids) => ids.join() === "#lobby,#dev",
      WAIT_MS,
      (ids) => `the views: ${ids.join()}`,
    );
    // Shown again as it was, with no word: the user did not ask to look at it.
    await waitForStatus(page, "Connected");
    assert.equal(await page.getByText(/You are looking at/).count(), 0, "a notice of looking");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: a click on a room in the sidebar holds while its unread count changes under the pointer",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    await using bob = await TestClient.join2(server.addr.port, "bob", [
      { room: "#lobby" },
      { room: "#dev" },
    ]);
    const page = await browser.openAs(webUrl(server), "ann");
    const input = page.locator("#message-input");
    await input.fill("/join #dev");
    await input.press("Enter");
    await looksAt(page, "#dev");
    await showView(page, "#lobby");
    // The pointer is pressed on #dev's name; a message there redraws its entry meanwhile.
    const label = viewButton(page, "#dev").locator(".room-label");
    const box = (await label.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await says(bob, "while pressed", "#dev");
    await viewButton(page, "#dev").locator(".unread", { hasText: exactly("1") }).waitFor();
    await page.mouse.up();
    await looksAt(page, "#dev");
    await waitForLine(page, "message", "while pressed");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);
