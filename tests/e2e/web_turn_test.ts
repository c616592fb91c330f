/**
 * The page on a phone turned sideways and back: the drawer open upright
 * closes as the sidebar comes beside the conversation, and stays closed once
 * the phone is upright again, what was typed meanwhile in the message box
 * kept, with its keyboard's focus, for the next keys. The real page runs in
 * Chromium, as a phone with a touch screen, against a real server.
 */

import assert from "node:assert/strict";
import type { Page } from "./_playwright.ts";
import { type BrowserOptions, ChatBrowser, startWebServer, webUrl } from "./_browser.ts";
import { testWith } from "./_needs.ts";
import { settles } from "./_web_rooms.ts";

// What the page functions run by `evaluate` use of the browser's globals (not the DOM lib,
// which would retype Deno's own globals for every file checked with this one).
declare const document: { activeElement: { id: string } | null };
declare function matchMedia(query: string): { matches: boolean };

/** A phone held upright, with a touch screen. */
const UPRIGHT = { width: 375, height: 812 };

/** The same phone held sideways: wide enough for the sidebar beside the conversation. */
const SIDEWAYS = { width: 812, height: 375 };

const PHONE: BrowserOptions = { viewport: UPRIGHT, deviceScaleFactor: 2, mobile: true };

/** The id of what has the keyboard's focus, `""` for the page's body. */
function focusedId(page: Page): Promise<string> {
  return page.evaluate(() => document.activeElement?.id ?? "");
}

/** Turns the phone to `size`, and waits until the page is laid out for it. */
async function turn(page: Page, size: { width: number; height: number }): Promise<void> {
  await page.setViewportSize(size);
  const drawer = size.width <= 720;
  await settles(
    () => page.evaluate(() => matchMedia("(max-width: 720px)").matches),
    drawer,
    "the sidebar to be a drawer",
  );
  await settles(() => page.locator("#sidebar-toggle").isVisible(), drawer, "the drawer's button");
}

testWith(
  ["chromium"],
  "web page (phone): the drawer open upright closes turned sideways, and stays closed turned back",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch(PHONE);
    const page = await browser.openAs(webUrl(server), "ann");
    const toggle = page.locator("#sidebar-toggle");
    await toggle.tap();
    await page.locator("#sidebar").waitFor();
    assert.equal(await toggle.getAttribute("aria-expanded"), "true");

    // Sideways the sidebar is beside the conversation: no drawer is open.
    await turn(page, SIDEWAYS);
    await settles(() => page.locator("main").evaluate((main) => main.inert), false, "main inert");
    const input = page.locator("#message-input");
    await input.tap();
    await page.keyboard.type("hel");

    // Upright again, the conversation is not covered, and the keys go on into the box.
    await turn(page, UPRIGHT);
    await page.locator("#sidebar").waitFor({ state: "hidden" });
    assert.equal(await toggle.getAttribute("aria-expanded"), "false");
    assert.equal(await page.locator("main").evaluate((main) => main.inert), false);
    assert.equal(await focusedId(page), "message-input");
    await page.keyboard.type("lo");
    assert.equal(await input.inputValue(), "hello");

    // The drawer still opens, and its button closes it.
    await toggle.tap();
    await page.locator("#sidebar").waitFor();
    assert.equal(await toggle.getAttribute("aria-expanded"), "true");
    await toggle.tap();
    await page.locator("#sidebar").waitFor({ state: "hidden" });
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);
