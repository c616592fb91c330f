/**
 * The page on a phone: a tap (on a room, beside the drawer, on its button,
 * on "new messages") leaves the message box, and so the on-screen keyboard,
 * alone, and a tap on Send keeps it up; the line read down to stays in view
 * as the keyboard opens and closes; the header shows a long room's name
 * whole, connected or not; the people list wraps long names and away
 * reasons; the × that leaves a room is a finger's size, and the line that
 * says so joins it again; the drawer opened with Enter, animated, has the
 * keyboard's focus on its first room; the controls a finger uses are 44 px
 * and its boxes' text 16 px, upright and sideways; the name form held
 * sideways scrolls to its Join button above the keyboard; a touch screen
 * shows no hover, so the drawer's button does not look pressed once tapped.
 * The real page runs in Chromium, as a phone with a touch screen, against a
 * real server; the others are protocol clients. The keyboard is played by
 * making the page shorter, as a phone's is when its keyboard opens.
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Locator, Page } from "./_playwright.ts";
import { TestClient } from "../_test_utils.ts";
import {
  type BrowserOptions,
  ChatBrowser,
  exactly,
  joinAs,
  logLine,
  say,
  screenshot,
  startWebServer,
  WAIT_MS,
  waitForLine,
  waitForStatus,
  webUrl,
} from "./_browser.ts";
import { testWith } from "./_needs.ts";
import { waitFor } from "./_tmux.ts";
import { says, settles, viewButton } from "./_web_rooms.ts";

// What the page functions run by `evaluate` use of the browser's globals (not the DOM lib,
// which would retype Deno's own globals for every file checked with this one).
declare const document: { scrollingElement: { scrollWidth: number } | null };
declare function getComputedStyle(element: unknown): { fontSize: string; backgroundColor: string };
declare function matchMedia(query: string): { matches: boolean };

/** A phone held upright, with a touch screen. */
const PHONE: BrowserOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  mobile: true,
};

/** The phone's page with its on-screen keyboard up: what is left of its height. */
const KEYBOARD_UP = { width: 390, height: 450 };

/** Whether the message box has the focus: on a phone, whether its keyboard is up. */
function typing(page: Page): Promise<boolean> {
  return page.locator("#message-input").evaluate((box) => box.matches(":focus"));
}

/** Opens the drawer with a tap on its button. */
async function tapOpen(page: Page): Promise<void> {
  await page.locator("#sidebar-toggle").tap();
  await page.locator("#sidebar").waitFor();
}

/**
 * Scrolls `log` to `top`, as the reader would, and waits until the page
 * heard of it: only then does it know the reader left the newest line.
 */
function scrollLog(log: Locator, top: number): Promise<void> {
  return log.evaluate((log, top) =>
    new Promise<void>((resolve) => {
      // Heard after the page's own listener, which came with the log.
      log.addEventListener("scroll", () => resolve(), { once: true });
      log.scrollTop = top;
    }), top);
}

/** Where `element` is drawn, from the top of the page, in CSS pixels. */
function rows(element: Locator): Promise<{ top: number; bottom: number }> {
  return element.evaluate((element) => {
    const { top, bottom } = element.getBoundingClientRect();
    return { top, bottom };
  });
}

testWith(
  ["chromium"],
  "web page (phone): taps leave the keyboard down but on the message box, and Send keeps it up",
  async () => {
    await using server = await startWebServer();
    await using bob = await TestClient.join2(server.addr.port, "bob");
    await using browser = await ChatBrowser.launch(PHONE);
    const page = await browser.openAs(webUrl(server), "ann");
    await say(page, "/join #dev");
    await page.locator("#room-name", { hasText: exactly("#dev") }).waitFor();
    await page.locator("#message-input").blur();

    // A room picked in the drawer.
    await tapOpen(page);
    await viewButton(page, "#lobby").tap();
    await page.locator("#room-name", { hasText: exactly("#lobby") }).waitFor();
    await page.locator("#sidebar").waitFor({ state: "hidden" });
    assert.equal(await typing(page), false, "a room picked raised the keyboard");
    // Beside the drawer, and its own button, close it.
    await tapOpen(page);
    await page.locator("#backdrop").tap({ position: { x: 350, y: 400 } });
    await page.locator("#sidebar").waitFor({ state: "hidden" });
    assert.equal(await typing(page), false, "a tap beside the drawer raised the keyboard");
    await tapOpen(page);
    await page.locator("#sidebar-toggle").tap();
    await page.locator("#sidebar").waitFor({ state: "hidden" });
    assert.equal(await typing(page), false, "the drawer's button raised the keyboard");

    // "New messages" scrolls down, and that is all it does.
    for (let i = 1; i <= 40; i++) await says(bob, `line ${i}`);
    await waitForLine(page, "message", /line 40$/);
    await scrollLog(page.locator("#log .log"), 0);
    await says(bob, "something new");
    await page.locator("#new-messages").tap();
    await page.locator("#new-messages").waitFor({ state: "hidden" });
    assert.equal(await typing(page), false, "the new messages button raised the keyboard");

    // The box itself takes a tap, and Send keeps it: the keyboard stays up for the next line.
    await page.locator("#message-input").tap();
    assert.equal(await typing(page), true, "a tap on the box did not focus it");
    await page.locator("#message-input").fill("sent with a tap");
    await page.locator("#send").tap();
    await bob.next("message", (frame) => frame.text === "sent with a tap");
    assert.equal(await page.locator("#message-input").inputValue(), "");
    assert.equal(await typing(page), true, "Send took the box's focus");

    // With a keyboard plugged in, a key pressed anywhere still goes to the box.
    await tapOpen(page);
    await viewButton(page, "#dev").tap();
    await page.locator("#room-name", { hasText: exactly("#dev") }).waitFor();
    assert.equal(await typing(page), false);
    await page.keyboard.press("h");
    await settles(() => page.locator("#message-input").inputValue(), "h", "the box");
    assert.equal(await typing(page), true);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page (phone): the line read down to stays in view as the keyboard opens and closes",
  async () => {
    await using server = await startWebServer();
    await using bob = await TestClient.join2(server.addr.port, "bob");
    await using browser = await ChatBrowser.launch(PHONE);
    const page = await browser.openAs(webUrl(server), "ann");
    for (let i = 1; i <= 80; i++) await says(bob, `message ${i}`);
    await waitForLine(page, "message", /message 80$/);
    const log = page.locator("#log .log");
    const line = (n: number) => logLine(page, "message", new RegExp(`message ${n}$`));
    /** How far the bottom of line `n` is above the bottom of the log: 0 when it is the last seen. */
    const above = async (n: number) => (await rows(log)).bottom - (await rows(line(n))).bottom;
    /** Scrolls the log, as the reader would, until line `n` is the last seen. */
    const readTo = async (n: number) => {
      const top = await line(n).evaluate((line) =>
        line.offsetTop + line.offsetHeight - line.parentElement!.clientHeight
      );
      await scrollLog(log, top);
      await waitFor(() => above(n), (gap) => Math.abs(gap) < 1, WAIT_MS, (gap) => `${gap}`);
    };
    /** Waits until line `n` is the last seen, or at most `most` pixels above the log's bottom. */
    const lastSeen = (n: number, most = 1) =>
      waitFor(
        () => above(n),
        (gap) => gap > -1 && gap < most,
        WAIT_MS,
        (gap) => `for message ${n} to end ${most} px above the log's bottom at most; it is ${gap}`,
      );

    await readTo(57);
    await page.setViewportSize(KEYBOARD_UP);
    await waitFor(() => rows(log), ({ bottom }) => bottom < 400, WAIT_MS, (at) => `${at.bottom}`);
    await lastSeen(57);
    await screenshot(page, "web-phone-keyboard-up.png");
    await page.setViewportSize(PHONE.viewport!);
    await lastSeen(57);

    // Near the end too, where the log grows past its end.
    await page.setViewportSize(KEYBOARD_UP);
    await readTo(75);
    await page.setViewportSize(PHONE.viewport!);
    await lastSeen(75, (await rows(log)).bottom);
    assert.ok(await page.locator("#new-messages").isHidden());
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

/** The longest name a room may have. */
const LONG_ROOM = "#engineering-backend-infra-oncal";

testWith(
  ["chromium"],
  "web page (phone): the header shows a long room name whole, connected or reconnecting",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch(PHONE);
    const page = await browser.openAs(webUrl(server), "ann");
    const header = page.locator(".topbar");
    const name = page.locator("#room-name");
    /** Checks that the header shows the room's name whole, clear of the status. */
    const whole = async (room: string) => {
      await page.locator("#room-name", { hasText: exactly(room) }).waitFor();
      const drawn = await name.evaluate((name) => ({
        shown: name.clientWidth,
        whole: name.scrollWidth,
        right: name.getBoundingClientRect().right,
      }));
      assert.ok(drawn.whole <= drawn.shown, `${room} is cut: ${JSON.stringify(drawn)}`);
      const status = await page.locator(".connection").boundingBox();
      const box = await name.boundingBox();
      const overlap = box!.y < status!.y + status!.height && status!.y < box!.y + box!.height &&
        box!.x < status!.x + status!.width && status!.x < box!.x + box!.width;
      assert.equal(overlap, false, `${room} runs under the status`);
      assert.ok((await rows(name)).bottom <= (await rows(header)).bottom, `${room} spills`);
    };
    await say(page, `/join ${LONG_ROOM}`);
    await whole(LONG_ROOM);
    await screenshot(page, "web-phone-long-room.png");
    await say(page, "/join #games-and-puzzles");
    await whole("#games-and-puzzles");

    await server.close();
    await waitForStatus(page, /^Reconnecting in \d+ s$/);
    await whole("#games-and-puzzles");
    // The status and its button give the name the header's width: it keeps to one row.
    const tops = await name.evaluate((name) => {
      const range = name.ownerDocument.createRange();
      range.selectNodeContents(name);
      return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
    });
    assert.equal(tops, 1, "the name is broken over rows beside the status");
    assert.ok(await page.locator("#retry").isVisible(), "no Retry now");
    await screenshot(page, "web-phone-reconnecting.png");
    assert.deepEqual(browser.unexpectedProblems([/^console error: WebSocket connection to/]), []);
  },
);

testWith(
  ["chromium"],
  "web page (phone): long names and away reasons wrap in the people list rather than being cut",
  async () => {
    await using server = await startWebServer();
    const long = "Maximilian_Bartholomew_Q";
    const reason = "lunch with the whole team at the place down the road";
    await using max = await TestClient.join2(server.addr.port, long);
    await max.send({ type: "away", reason });
    await max.next("away");
    await using browser = await ChatBrowser.launch(PHONE);
    const page = await browser.openAs(webUrl(server), "ann");
    await tapOpen(page);
    const row = page.locator(`#members li[data-name="${long}"]`);
    const status = row.locator(".presence", { hasText: exactly(`away: ${reason}`) });
    await status.waitFor();
    const cut: [string, Locator][] = [["name", row.locator(".member-name")], ["status", status]];
    for (const [what, element] of cut) {
      const drawn = await element.evaluate((element) => ({
        shown: element.clientWidth,
        whole: element.scrollWidth,
      }));
      assert.ok(drawn.whole <= drawn.shown, `the ${what} is cut: ${JSON.stringify(drawn)}`);
    }
    // Their further rows start where their first do, after the name's dot.
    const starts = (element: Locator) =>
      element.evaluate((element) => {
        const range = element.ownerDocument.createRange();
        range.selectNodeContents(element);
        return [...range.getClientRects()].map((rect) => Math.round(rect.left));
      });
    const name = await starts(row.locator(".member-name bdi"));
    assert.ok(name.length > 1, "the long name fits on one row: make it longer");
    assert.equal(new Set(name).size, 1, `the name's rows start at ${name}`);
    const words = await starts(status);
    assert.ok(words.length > 1, "the reason fits on one row: make it longer");
    assert.equal(new Set(words).size, 1, `the reason's rows start at ${words}`);
    assert.deepEqual([...new Set(words)], [...new Set(name)]);
    await screenshot(page, "web-phone-people.png");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page (phone): the × is a finger's size, and the line saying a room was left joins it again",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch(PHONE);
    const page = await browser.openAs(webUrl(server), "ann");
    await say(page, "/join #dev");
    await page.locator("#room-name", { hasText: exactly("#dev") }).waitFor();
    await tapOpen(page);
    const leave = page.locator('#views .part-button[aria-label="Leave #dev"]');
    const box = (await leave.boundingBox())!;
    assert.ok(box.width >= 44 && box.height >= 44, `the × is ${box.width}×${box.height}`);
    await leave.tap();
    await viewButton(page, "#dev").waitFor({ state: "detached" });
    const left = await waitForLine(page, "notice", "You left #dev");
    const again = left.locator("button.rejoin", { hasText: exactly("Join again") });
    assert.equal(await again.getAttribute("aria-label"), "Join #dev again");
    const button = (await again.boundingBox())!;
    assert.ok(button.height >= 44, `Join again is ${button.width}×${button.height}`);
    await screenshot(page, "web-phone-left.png");
    await again.tap();
    await page.locator("#room-name", { hasText: exactly("#dev") }).waitFor();
    await viewButton(page, "#dev").waitFor({ state: "attached" });
    assert.equal(await typing(page), false, "joining again raised the keyboard");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page (phone, animated): the drawer opened with Enter keeps the focus on its first room",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch(PHONE);
    const page = await browser.open(webUrl(server));
    await page.emulateMedia({ reducedMotion: "no-preference" });
    await joinAs(page, "ann");
    await say(page, "/join #dev");
    await page.locator("#room-name", { hasText: exactly("#dev") }).waitFor();
    // In a room the page is not told of: it is listed once the drawer brought the list up to date.
    await using bob = await TestClient.join2(server.addr.port, "bob", [{ room: "#lobby" }, {
      room: "#later",
    }]);
    await page.locator("#sidebar-toggle").focus();
    await page.keyboard.press("Enter");
    const first = viewButton(page, "#lobby");
    const focused = () => first.evaluate((button) => button.matches(":focus"));
    await page.locator('#rooms [data-room="#later"]').waitFor({ state: "attached" });
    await settles(focused, true, "whether the first room has the focus");
    // Drawn again as something arrives there, the list keeps it.
    await says(bob, "news in the lobby", "#lobby");
    await first.locator(".unread", { hasText: exactly("1") }).waitFor();
    assert.equal(await focused(), true, "the first room lost the focus");
    // So does the list of all rooms, brought up to date as someone comes to one of the user's.
    const later = page.locator('#rooms [data-room="#later"]');
    await later.focus();
    await bob.say("/join #dev");
    await page.locator('#rooms [data-room="#dev"] .count', { hasText: exactly("2") }).waitFor();
    assert.equal(await later.evaluate((button) => button.matches(":focus")), true);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

/** The sizes a phone's page is looked at: upright, a narrower one, and held sideways. */
const PHONE_SIZES = [
  { width: 375, height: 667 },
  { width: 360, height: 640 },
  { width: 667, height: 375 },
] as const;

/** What is wrong with `selector` for a finger: smaller than 44 px, or a box's text under 16 px. */
function unfit(page: Page, selector: string, square = false): Promise<string[]> {
  return page.locator(selector).evaluateAll(
    (elements, [selector, square]) =>
      elements.length === 0 ? [`${selector}: not on the page`] : elements.map((element) => {
        const { width, height } = element.getBoundingClientRect();
        const font = parseFloat(getComputedStyle(element).fontSize);
        const box = element.matches("input, textarea");
        const small = height < 44 || (square && width < 44) || (box && font < 16);
        return small ? `${element.id || element.className}: ${width}×${height}, ${font} px` : "";
      }).filter((problem) => problem !== ""),
    [selector, square] as const,
  );
}

testWith(
  ["chromium"],
  "web page (phone): the controls a finger uses are 44 px and its boxes' text 16 px, upright and sideways",
  async () => {
    await using server = await startWebServer();
    await using bob = await TestClient.join2(server.addr.port, "bob");
    await using browser = await ChatBrowser.launch({ ...PHONE, viewport: PHONE_SIZES[0] });
    const page = await browser.open(webUrl(server));
    await page.locator("#name-input").waitFor();
    const problems: string[] = [];
    /** Looks at `selectors` at every size, the page as it is. */
    const look = async (what: string, selectors: string[], squares: string[] = []) => {
      for (const size of PHONE_SIZES) {
        await page.setViewportSize(size);
        const found = [
          ...(await Promise.all(selectors.map((selector) => unfit(page, selector)))).flat(),
          ...(await Promise.all(squares.map((selector) => unfit(page, selector, true)))).flat(),
        ];
        const wide = await page.evaluate(() => document.scrollingElement!.scrollWidth);
        if (wide > size.width) found.push(`the page is ${wide} px wide`);
        problems.push(
          ...found.map((problem) => `${size.width}×${size.height} ${what}: ${problem}`),
        );
      }
      await page.setViewportSize(PHONE_SIZES[0]);
    };

    await look("name form", ["#name-input", "#name-submit"]);
    await joinAs(page, "ann");
    // Long words and lines, a file shared, and a reader scrolled up when something comes.
    await says(bob, `https://example.com/${"a-long-path-segment/".repeat(12)}`);
    await says(bob, `ann: one\n  two\n${"y".repeat(200)}`);
    await page.locator("#file-picker").setInputFiles({
      name: "a-long-name-for-the-minutes-of-the-quarterly-review.pdf",
      mimeType: "application/pdf",
      buffer: Buffer.from(new Uint8Array(1000)),
    });
    await page.locator("#log .download-button").waitFor();
    for (let i = 1; i <= 30; i++) await says(bob, `line ${i}`);
    await waitForLine(page, "message", /line 30$/);
    await scrollLog(page.locator("#log .log"), 0);
    await says(bob, "something new");
    await page.locator("#new-messages").waitFor();
    await look("page", ["#message-input", "#send", "#log .download-button", "#new-messages"], [
      "#sidebar-toggle",
      "#attach",
    ]);
    await tapOpen(page);
    await look("drawer", ["#join-input", "#join-form button", "#notify-toggle", "#sound-toggle"]);
    await page.locator("#sidebar-toggle").tap();
    await page.locator("#sidebar").waitFor({ state: "hidden" });
    await server.close();
    await waitForStatus(page, /^Reconnecting in \d+ s$/);
    await look("reconnecting", ["#retry"]);
    await screenshot(page, "web-phone-controls.png");
    assert.deepEqual(problems, []);
    assert.deepEqual(browser.unexpectedProblems([/^console error: WebSocket connection to/]), []);
  },
);

testWith(
  ["chromium"],
  "web page (phone, sideways): the name form scrolls to its Join button above the keyboard",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch({ ...PHONE, viewport: PHONE_SIZES[2] });
    const page = await browser.open(webUrl(server));
    await page.locator("#name-input").tap();
    // What a phone held sideways keeps of its height with the keyboard up.
    await page.setViewportSize({ width: 667, height: 190 });
    await page.locator("#name-input").fill("ann");
    const join = page.locator("#name-submit");
    await join.scrollIntoViewIfNeeded();
    const { bottom } = await rows(join);
    assert.ok(bottom <= 190, `the Join button ends ${bottom} px down a page 190 px tall`);
    await join.tap();
    await waitForStatus(page, "Connected");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page (phone): a touch screen shows no hover: the drawer's button tapped shut does not look pressed",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch(PHONE);
    const page = await browser.openAs(webUrl(server), "ann");
    assert.equal(await page.evaluate(() => matchMedia("(hover: hover)").matches), false);
    const toggle = page.locator("#sidebar-toggle");
    const background = () => toggle.evaluate((toggle) => getComputedStyle(toggle).backgroundColor);
    const untouched = await background();
    await tapOpen(page);
    await toggle.tap();
    await page.locator("#sidebar").waitFor({ state: "hidden" });
    assert.equal(await toggle.getAttribute("aria-expanded"), "false");
    // A phone takes the last place tapped as hovered, until the next tap elsewhere: played here
    // by a pointer left there, as the browser's own hover is set some time after the tap.
    await toggle.hover();
    assert.equal(await toggle.evaluate((toggle) => toggle.matches(":hover")), true);
    assert.equal(await background(), untouched, "the closed drawer's button looks pressed");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);
