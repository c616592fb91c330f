/**
 * The page for keyboard and screen-reader users: with the phone's drawer
 * open, Tab stays among what can be seen; a line the user sends is
 * announced once; leaving a room by its button keeps the keyboard in the
 * message box, and so does a letter typed on any button, which Space and
 * Enter still press; Space pages through the log that has the focus; the
 * Notifications and Sound toggles keep their names, pressed or not, and
 * notifications the browser will not show are said to stay off, and why;
 * the hidden file picker is no second button beside the paperclip; a day
 * divider and a room with a mention are named as they read; an error on
 * the name form marks the box it is about. The real page runs in Chromium
 * against a real server; the others are protocol clients.
 */

import assert from "node:assert/strict";
import type { Page } from "./_playwright.ts";
import { dayName } from "../../core/dividers.ts";
import { TestClient } from "../_test_utils.ts";
import {
  type BrowserOptions,
  ChatBrowser,
  exactly,
  say,
  screenshot,
  startWebServer,
  WAIT_MS,
  waitForLine,
  webUrl,
} from "./_browser.ts";
import { testWith } from "./_needs.ts";
import { waitFor } from "./_tmux.ts";
import { notifyingBrowser, says, settles, showView, viewButton } from "./_web_rooms.ts";

// What the page functions run by `evaluate` use of the browser's globals (not the DOM lib,
// which would retype Deno's own globals for every file checked with this one).
declare const document: { activeElement: BrowserElement | null };

/** An element of the page, as much of it as these tests use. */
interface BrowserElement {
  id: string;
  tagName: string;
  className: string;
  textContent: string | null;
  closest(selector: string): BrowserElement | null;
}

/** The smallest phone the page is laid out for. */
const PHONE: BrowserOptions = {
  viewport: { width: 320, height: 640 },
  deviceScaleFactor: 2,
  mobile: true,
};

/** What has the keyboard's focus: a few words to tell it by, and whether the drawer covers it. */
function focused(page: Page): Promise<{ what: string; behind: boolean }> {
  return page.evaluate(() => {
    const element = document.activeElement;
    if (element === null) return { what: "nothing", behind: false };
    const words = (element.textContent ?? "").trim().slice(0, 20);
    return {
      what: `${element.tagName.toLowerCase()}#${element.id}.${element.className} ${words}`,
      behind: element.closest("main") !== null,
    };
  });
}

/** The id of what has the keyboard's focus. */
function focusedId(page: Page): Promise<string> {
  return page.evaluate(() => document.activeElement?.id ?? "");
}

testWith(
  ["chromium"],
  "web page (phone): with the drawer open, Tab reaches nothing behind it; Escape and the backdrop close it",
  async () => {
    await using server = await startWebServer();
    await using bob = await TestClient.join2(server.addr.port, "bob");
    await using browser = await ChatBrowser.launch(PHONE);
    const page = await browser.openAs(webUrl(server), "ann");
    await says(bob, "the notes are at https://example.com/notes");
    await waitForLine(page, "message", "the notes");

    const toggle = page.locator("#sidebar-toggle");
    await toggle.click();
    await page.locator("#sidebar").waitFor();
    const reached: { what: string; behind: boolean }[] = [];
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press("Tab");
      reached.push(await focused(page));
    }
    const behind = reached.filter((each) => each.behind).map((each) => each.what);
    assert.deepEqual(behind, [], "Tab went behind the drawer");
    assert.ok(reached.some((each) => each.what.startsWith("input#join-input")), "no join box");

    // Escape closes the drawer and the keyboard is in the message box again.
    await page.keyboard.press("Escape");
    await page.locator("#sidebar").waitFor({ state: "hidden" });
    await settles(() => focusedId(page), "message-input", "what has the focus");
    assert.equal(await page.locator("main").evaluate((main) => main.inert), false);

    // The backdrop, tapped beside the drawer, closes it as well.
    await toggle.click();
    await page.locator("#sidebar").waitFor();
    assert.equal(await page.locator("main").evaluate((main) => main.inert), true);
    await page.locator("#backdrop").click({ position: { x: 300, y: 300 } });
    await page.locator("#sidebar").waitFor({ state: "hidden" });
    await settles(() => focusedId(page), "message-input", "what has the focus");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

/**
 * Records the text of each element added to the log that a screen reader
 * can be told of (none of it `aria-hidden`), in `window.heard`: what the
 * log, a polite live region, announces.
 */
const RECORD_HEARD = `(() => {
  window.heard = [];
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node.nodeType !== Node.ELEMENT_NODE || node.closest('[aria-hidden="true"]')) continue;
        window.heard.push(node.textContent);
      }
    }
  }).observe(document.getElementById("log"), { childList: true, subtree: true });
})();`;

/** The texts the log announced so far that hold `text`. */
async function heard(page: Page, text: string): Promise<string[]> {
  const all = await page.evaluate(() => (globalThis as unknown as { heard: string[] }).heard);
  return all.filter((each) => each.includes(text));
}

testWith(
  ["chromium"],
  "web page: a line the user sends is announced once, not also while it is being sent",
  async () => {
    await using server = await startWebServer();
    await using bob = await TestClient.join2(server.addr.port, "bob");
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "ann");
    await page.evaluate(RECORD_HEARD);
    await say(page, "hello all");
    await bob.next("message", (frame) => frame.text === "hello all");
    const line = await waitForLine(page, "message", "hello all");
    assert.deepEqual(await heard(page, "hello all"), [await line.textContent()]);
    // The line is in the log for a screen reader to read, once.
    const tree = await page.getByRole("log").ariaSnapshot();
    assert.equal(tree.split("hello all").length, 2, tree);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: a room left with its × button by the keyboard leaves the keyboard in the message box",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "ann");
    await say(page, "/join #dev");
    await page.locator("#room-name", { hasText: exactly("#dev") }).waitFor();
    await page.locator('#views button.part-button[aria-label="Leave #dev"]').focus();
    await page.keyboard.press("Enter");
    await viewButton(page, "#dev").waitFor({ state: "detached" });
    await settles(() => focusedId(page), "message-input", "what has the focus");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: letters typed on a button go to the message box; Space and Enter still press it",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "ann");
    await say(page, "/join #dev");
    await page.locator("#room-name", { hasText: exactly("#dev") }).waitFor();
    const input = page.locator("#message-input");
    const sound = page.locator("#sound-toggle");
    const typed = async (keys: string, expected: string) => {
      await page.keyboard.type(keys);
      await settles(() => input.inputValue(), expected, "the message box");
      assert.equal(await focusedId(page), "message-input");
      await input.fill("");
    };

    // A toggle clicked with the mouse keeps the focus in Chromium.
    await sound.click();
    assert.equal(await sound.getAttribute("aria-pressed"), "true");
    assert.equal(await focusedId(page), "sound-toggle");
    await typed("abc", "abc");
    // Send, reached with Tab.
    await input.focus();
    for (let tabs = 0; tabs < 5 && await focusedId(page) !== "send"; tabs++) {
      await page.keyboard.press("Tab");
    }
    assert.equal(await focusedId(page), "send");
    await typed("Hi!", "Hi!");
    // A room's button in the sidebar.
    await viewButton(page, "#lobby").focus();
    await typed("d", "d");

    // Space and Enter press the button that has the focus, and type nothing.
    await sound.focus();
    await page.keyboard.press("Space");
    await settles(() => sound.getAttribute("aria-pressed"), "false", "the Sound toggle");
    await viewButton(page, "#lobby").focus();
    await page.keyboard.press("Enter");
    await page.locator("#room-name", { hasText: exactly("#lobby") }).waitFor();
    assert.equal(await input.inputValue(), "");
    // A box keeps what is typed in it.
    await page.locator("#join-input").focus();
    await page.keyboard.type("ops");
    assert.equal(await page.locator("#join-input").inputValue(), "ops");
    assert.equal(await focusedId(page), "join-input");
    assert.equal(await input.inputValue(), "");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

/** How far the log on the page is scrolled, in CSS pixels. */
function logTop(page: Page): Promise<number> {
  return page.locator("#log .log").evaluate((log) => log.scrollTop);
}

testWith(
  ["chromium"],
  "web page: Space and Shift+Space page through the log that has the focus",
  async () => {
    await using server = await startWebServer();
    await using bob = await TestClient.join2(server.addr.port, "bob");
    await using browser = await ChatBrowser.launch({ viewport: { width: 1000, height: 500 } });
    const page = await browser.openAs(webUrl(server), "ann");
    for (let i = 1; i <= 40; i++) await says(bob, `line ${i}`);
    await waitForLine(page, "message", /line 40$/);
    const log = page.locator("#log .log");
    await log.focus();
    const bottom = await logTop(page);
    assert.ok(bottom > 0, "the log does not scroll");

    await page.keyboard.press("Shift+Space");
    await waitFor(
      () => logTop(page),
      (top) => top < bottom,
      WAIT_MS,
      (top) => `for Shift+Space to scroll the log up from ${bottom}; it is at ${top}`,
    );
    const up = await logTop(page);
    await page.keyboard.press("Space");
    await waitFor(
      () => logTop(page),
      (top) => top > up,
      WAIT_MS,
      (top) => `for Space to scroll the log down from ${up}; it is at ${top}`,
    );
    assert.equal(
      await log.evaluate((log) => log.matches(":focus")),
      true,
      "the log lost the focus",
    );
    assert.equal(await page.locator("#message-input").inputValue(), "", "a space was typed");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: the Notifications and Sound toggles keep their names; whether they are pressed says on",
  async () => {
    await using server = await startWebServer();
    const url = webUrl(server);
    await using browser = await notifyingBrowser(url);
    const page = await browser.openAs(url, "ann");
    for (const name of ["Notifications", "Sound"]) {
      const off = page.getByRole("button", { name, exact: true, pressed: false });
      await off.waitFor({ state: "attached" });
      assert.match(await off.textContent() ?? "", /off/, `${name}: the words`);
      await off.click();
      const on = page.getByRole("button", { name, exact: true, pressed: true });
      await on.waitFor({ state: "attached" });
      assert.match(await on.textContent() ?? "", /on/, `${name}: the words`);
    }
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

/** A browser whose pages are told `permission` of notifications, and `answer` when they ask. */
async function refusingBrowser(permission: string, answer: string): Promise<ChatBrowser> {
  const browser = await ChatBrowser.launch();
  await browser.context.addInitScript({
    content: `Object.defineProperty(Notification, "permission", { get: () => ${
      JSON.stringify(permission)
    } });
      Notification.requestPermission = async () => ${JSON.stringify(answer)};`,
  });
  return browser;
}

testWith(
  ["chromium"],
  "web page: Notifications pressed while the browser blocks them, or its question was dismissed, says why",
  async () => {
    await using server = await startWebServer();
    const cases = [
      ["denied", "denied", "Notifications are blocked for this page in the browser's settings"],
      ["default", "default", "Notifications stay off: the browser was not allowed to show them"],
    ] as const;
    for (const [permission, answer, why] of cases) {
      await using browser = await refusingBrowser(permission, answer);
      const page = await browser.openAs(webUrl(server), "ann");
      assert.ok(await page.locator("#notify-note").isHidden(), `${permission}: a note at first`);
      const toggle = page.getByRole("button", { name: "Notifications", exact: true });
      await toggle.click();
      await page.locator("#notify-note", { hasText: exactly(why) }).waitFor();
      // The note is a live region from the start: a screen reader hears it said.
      assert.equal(await page.locator("#notify-note").getAttribute("role"), "status");
      assert.equal(await toggle.getAttribute("aria-pressed"), "false", `${permission}: pressed`);
      for (const scheme of ["light", "dark"] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await screenshot(page, `web-notify-${permission}-${scheme}.png`);
      }
      assert.deepEqual(browser.unexpectedProblems(), []);
    }
  },
);

testWith(
  ["chromium"],
  "web page: the message box's only buttons for screen readers are the paperclip and Send",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "ann");
    await page.locator("#attach").waitFor();
    const buttons = await page.locator("#composer").getByRole("button").evaluateAll((buttons) =>
      buttons.map((button) => button.id)
    );
    assert.deepEqual(buttons, ["attach", "send"]);
    const tree = await page.locator("#composer").ariaSnapshot();
    assert.doesNotMatch(tree, /Choose File/i);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

/** The names Chromium gives the elements of `role` that it shows to assistive technology. */
async function accessibleNames(page: Page, role: string): Promise<string[]> {
  const session = await page.context().newCDPSession(page);
  try {
    const { nodes } = await session.send("Accessibility.getFullAXTree");
    return nodes.filter((node) => !node.ignored && node.role?.value === role)
      .map((node) => String(node.name?.value ?? ""));
  } finally {
    await session.detach();
  }
}

testWith(
  ["chromium"],
  "web page: a day divider is named by its day, a room that mentions the user by its name once",
  async () => {
    await using server = await startWebServer();
    await using bob = await TestClient.join2(server.addr.port, "bob", [
      { room: "#lobby" },
      { room: "#dev" },
    ]);
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "ann");
    await say(page, "/join #dev");
    await page.locator("#room-name", { hasText: exactly("#dev") }).waitFor();
    await showView(page, "#lobby");
    await says(bob, "ann: can you look at the build?", "#dev");
    await viewButton(page, "#dev").locator(".unread", { hasText: exactly("1") }).waitFor();
    const buttons = await accessibleNames(page, "button");
    assert.ok(
      buttons.includes("#dev mentions you 1 unread message"),
      `no button reads "#dev mentions you 1 unread message": ${JSON.stringify(buttons)}`,
    );

    // /history starts with the day of what it lists.
    await says(bob, "good morning", "#lobby");
    await say(page, "/history");
    await waitForLine(page, "divider", dayName(Date.now(), Date.now()));
    await settles(
      async () => (await accessibleNames(page, "separator")).join(", "),
      dayName(Date.now(), Date.now()),
      "the names of the separators",
    );
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

/** Whether the box `selector` is marked invalid, and the words that describe it to a screen reader. */
function invalidity(page: Page, selector: string): Promise<{ invalid: boolean; said: string }> {
  return page.locator(selector).evaluate((box) => ({
    invalid: box.getAttribute("aria-invalid") === "true",
    said: (box.getAttribute("aria-describedby") ?? "").split(" ")
      .map((id: string) => box.ownerDocument.getElementById(id)?.textContent ?? "").join(" "),
  }));
}

testWith(
  ["chromium"],
  "web page: an error on the name form marks the box it is about, which reads it as its description",
  async () => {
    await using server = await startWebServer({ password: "open sesame" });
    await using bob = await TestClient.connect(server.addr.port);
    await bob.send({ type: "hello", version: 2, name: "bob", password: "open sesame" });
    await bob.next("welcome");
    await using browser = await ChatBrowser.launch();
    const page = await browser.open(webUrl(server));
    const error = page.locator("#name-error");

    // A name the page itself refuses.
    await page.locator("#name-input").fill("bad-name!");
    await page.locator("#name-input").press("Enter");
    await error.filter({ hasText: "letters, digits" }).waitFor();
    assert.equal(await error.getAttribute("role"), "alert");
    assert.equal(await focusedId(page), "name-input");
    let name = await invalidity(page, "#name-input");
    assert.equal(name.invalid, true, "the name box is not marked invalid");
    assert.match(name.said, /letters, digits/);

    // The password the server asks for, then refuses: the password box is the one at fault.
    await page.locator("#name-input").fill("ann");
    await page.locator("#name-input").press("Enter");
    await error.filter({ hasText: "needs a password" }).waitFor();
    await page.locator("#password-input").fill("wrong");
    await page.locator("#password-input").press("Enter");
    await error.filter({ hasText: "Wrong password" }).waitFor();
    assert.equal(await focusedId(page), "password-input");
    const password = await invalidity(page, "#password-input");
    assert.equal(password.invalid, true, "the password box is not marked invalid");
    assert.match(password.said, /Wrong password/);
    name = await invalidity(page, "#name-input");
    assert.equal(name.invalid, false, "the name box is marked invalid for a wrong password");

    // A name someone has: the server refuses it, and the name box is at fault again.
    await page.locator("#name-input").fill("bob");
    await page.locator("#password-input").fill("open sesame");
    await page.locator("#password-input").press("Enter");
    await error.filter({ hasText: /taken|in use/ }).waitFor();
    name = await invalidity(page, "#name-input");
    assert.equal(name.invalid, true, "the name box is not marked invalid for a taken name");
    assert.equal((await invalidity(page, "#password-input")).invalid, false);

    // Joined, nothing is marked any more.
    await page.locator("#name-input").fill("ann");
    await page.locator("#name-input").press("Enter");
    await page.locator("#status", { hasText: exactly("Connected") }).waitFor();
    assert.equal((await invalidity(page, "#name-input")).invalid, false);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);
