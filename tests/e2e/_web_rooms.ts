/**
 * What the tests of the page in many rooms share: protocol clients that
 * talk, the sidebar's views, the log's texts, a tab made hidden and shown
 * again, and the notifications and beeps the page makes, recorded.
 *
 * @module
 */

import type { Locator, Page } from "./_playwright.ts";
import type { TestClient } from "../_test_utils.ts";
import { type BrowserOptions, ChatBrowser, exactly, WAIT_MS } from "./_browser.ts";
import { waitFor } from "./_tmux.ts";

// What the page functions run by `evaluate` use of the browser's globals (not the DOM lib,
// which would retype Deno's own globals for every file checked with this one).
declare const document: { dispatchEvent(event: unknown): boolean };

/** The two sizes the page's rooms and views are tried at: on a phone the sidebar is a drawer. */
export const DESKTOP_AND_PHONE: readonly { name: string; options: BrowserOptions }[] = [
  { name: "desktop", options: { viewport: { width: 1280, height: 800 } } },
  {
    name: "phone",
    options: { viewport: { width: 375, height: 667 }, deviceScaleFactor: 2, mobile: true },
  },
];

/** Says `text` and waits until it came back: stored, and sent to the room. */
export async function says(client: TestClient, text: string, room?: string): Promise<void> {
  await client.send(room === undefined ? { type: "say", text } : { type: "say", room, text });
  await client.next("message", (frame) => frame.text === text);
}

/** Opens the phone's drawer if the page has one closed, so that the sidebar can be clicked. */
export async function openSidebar(page: Page): Promise<void> {
  if (await page.locator("#sidebar-toggle").isVisible()) {
    if (await page.locator("#sidebar").isHidden()) await page.locator("#sidebar-toggle").click();
    await page.locator("#sidebar").waitFor();
  }
}

/** The sidebar entry of view `id` among the user's rooms. */
export function viewButton(page: Page, id: string): Locator {
  return page.locator(`#views button.view-button[data-view="${id}"]`);
}

/** Shows view `id` by clicking it in the sidebar, and waits until the header names it. */
export async function showView(page: Page, id: string): Promise<void> {
  await openSidebar(page);
  await viewButton(page, id).click();
  await page.locator("#room-name", { hasText: exactly(id) }).waitFor();
}

/** Waits until the header names view `id`. */
export async function looksAt(page: Page, id: string): Promise<void> {
  await page.locator("#room-name", { hasText: exactly(id) }).waitFor();
}

/** Waits until the sidebar lists the user's views `expected`, in that order. */
export async function listsViews(page: Page, expected: readonly string[]): Promise<void> {
  await waitFor(
    () =>
      page.locator("#views button.view-button").evaluateAll((buttons) =>
        buttons.map((button) => button.getAttribute("data-view"))
      ),
    (ids) => ids.join() === expected.join(),
    WAIT_MS,
    (ids) => `for the views ${expected.join()}; they are ${ids.join()}`,
  );
}

/** Waits until `read` gives `expected`. */
export async function settles<T>(read: () => Promise<T>, expected: T, what: string): Promise<void> {
  await waitFor(
    read,
    (value) => value === expected,
    WAIT_MS,
    (value) => `for ${what} to be ${JSON.stringify(expected)}; it is ${JSON.stringify(value)}`,
  );
}

/** The texts of the log's lines, in order, of the classes given. */
export function logTexts(page: Page, selector = ".line"): Promise<string[]> {
  return page.locator(`#log ${selector}`).evaluateAll((lines) =>
    lines.map((line) => line.textContent ?? "")
  );
}

/** The log's messages and "new since you last looked" lines, without their times. */
export async function told(page: Page): Promise<string[]> {
  const texts = await logTexts(page, ".line.message, .line.private, .line.divider.unseen");
  return texts.map((text) => text.replace(/^\[\d\d:\d\d:\d\d\] /, ""));
}

/** Waits until the log's messages and "new since you last looked" lines read `expected`. */
export async function reads(page: Page, expected: readonly string[]): Promise<void> {
  await waitFor(
    () => told(page),
    (texts) => JSON.stringify(texts) === JSON.stringify(expected),
    WAIT_MS,
    (texts) => `for the log to read ${JSON.stringify(expected)}; it reads ${JSON.stringify(texts)}`,
  );
}

/**
 * Records every notification the page makes (its title and body in
 * `notes`, itself in `made`), every time it asks for the permission, and
 * every beep it starts.
 */
export const RECORD_NOTIFICATIONS = `(() => {
  window.beeps = 0;
  const oscillator = BaseAudioContext.prototype.createOscillator;
  BaseAudioContext.prototype.createOscillator = function () {
    window.beeps++;
    return oscillator.call(this);
  };
  const Real = window.Notification;
  window.notes = [];
  window.made = [];
  window.asked = 0;
  class Recorded extends Real {
    constructor(title, options) {
      window.notes.push({ title, body: options?.body ?? "" });
      super(title, options);
      window.made.push(this);
    }
    static get permission() { return Real.permission; }
    static requestPermission(...args) {
      window.asked++;
      return Real.requestPermission(...args);
    }
  }
  window.Notification = Recorded;
})();`;

/**
 * A browser whose pages at `url` may notify (the permission granted, as a
 * user would once asked) and record their notifications and beeps.
 */
export async function notifyingBrowser(url: string): Promise<ChatBrowser> {
  const browser = await ChatBrowser.launch();
  await browser.context.grantPermissions(["notifications"], { origin: new URL(url).origin });
  await browser.context.addInitScript({ content: RECORD_NOTIFICATIONS });
  return browser;
}

/** Makes the page believe its tab is hidden (`true`) or shown again. */
export function setHidden(page: Page, hidden: boolean): Promise<void> {
  return page.evaluate((hidden) => {
    const define = (name: string, value: unknown) =>
      Object.defineProperty(document, name, { configurable: true, get: () => value });
    define("hidden", hidden);
    define("visibilityState", hidden ? "hidden" : "visible");
    document.dispatchEvent(new Event("visibilitychange"));
  }, hidden);
}

/** The beeps the page started so far. */
export function beeps(page: Page): Promise<number> {
  return page.evaluate(() => (globalThis as unknown as { beeps: number }).beeps);
}

/** The notifications the page made so far. */
export function notes(page: Page): Promise<{ title: string; body: string }[]> {
  return page.evaluate(() => (globalThis as unknown as { notes: [] }).notes);
}

/** Clicks the `index`th notification the page made, as the user would in the system's list. */
export function clickNotification(page: Page, index: number): Promise<void> {
  return page.evaluate((index) => {
    const made = (globalThis as unknown as { made: EventTarget[] }).made;
    made[index]?.dispatchEvent(new Event("click"));
  }, index);
}
