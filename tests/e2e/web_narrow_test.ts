/**
 * The page at its narrowest: a phone zoomed in to 200 %, some 188 CSS px
 * wide. The message box keeps room to type in, Send and the paperclip stay
 * on the screen, a shared file's card keeps its Download button inside it
 * and its size on one row, and nothing makes the page scroll sideways. The
 * real page runs in Chromium, as a phone, against a real server; bob is a
 * protocol client. Screenshots go to test-results/screenshots.
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Page } from "./_playwright.ts";
import { TestClient } from "../_test_utils.ts";
import { ChatBrowser, screenshot, startWebServer, webUrl } from "./_browser.ts";
import { testWith } from "./_needs.ts";
import { says } from "./_web_rooms.ts";

// What the page functions run by `evaluate` use of the browser's globals (not the DOM lib,
// which would retype Deno's own globals for every file checked with this one).
interface Box {
  top: number;
  bottom: number;
  left: number;
  right: number;
  width: number;
  height: number;
}
interface Drawn {
  getBoundingClientRect(): Box;
  querySelector(selector: string): Drawn | null;
}
declare const document: {
  querySelector(selector: string): Drawn | null;
  scrollingElement: { scrollWidth: number } | null;
};
declare const innerWidth: number;
declare const innerHeight: number;
declare function getComputedStyle(element: unknown): { lineHeight: string };

/** What is wrong with the page at its size. */
function faults(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const box = (selector: string) => document.querySelector(selector)!.getBoundingClientRect();
    const wide = document.scrollingElement!.scrollWidth;
    if (wide > innerWidth) problems.push(`the page is ${wide} px wide`);
    for (const selector of ["#sidebar-toggle", "#attach", "#message-input", "#send"]) {
      const { left, right, top, bottom } = box(selector);
      if (left < 0 || right > innerWidth || top < 0 || bottom > innerHeight) {
        problems.push(`${selector} is off the screen`);
      }
    }
    const input = box("#message-input");
    if (input.width < innerWidth / 2) problems.push(`the message box is ${input.width} px wide`);
    const card = box("#log .attachment.card");
    const download = box("#log .attachment.card .download-button");
    if (download.right > card.right || download.bottom > card.bottom) {
      problems.push("Download sticks out of its card");
    }
    const log = box("#log .log");
    if (card.right > log.right) problems.push("the card sticks out of the log");
    const size = document.querySelector("#log .attachment.card .file-size")!;
    const row = parseFloat(getComputedStyle(size).lineHeight);
    if (size.getBoundingClientRect().height > row * 1.5) {
      problems.push(`the file's size takes ${size.getBoundingClientRect().height} px`);
    }
    return problems;
  });
}

testWith(
  ["chromium"],
  "web page (phone zoomed to 200 %): the message box, Send and a file's card fit 188 px",
  async () => {
    await using server = await startWebServer();
    await using bob = await TestClient.join2(server.addr.port, "bob");
    await using browser = await ChatBrowser.launch({
      viewport: { width: 188, height: 406 },
      deviceScaleFactor: 4,
      mobile: true,
    });
    const page = await browser.openAs(webUrl(server), "ann");
    await says(bob, "a word or two, and a longer sentence after them to wrap");
    await page.locator("#file-picker").setInputFiles({
      name: "minutes.pdf",
      mimeType: "application/pdf",
      buffer: Buffer.from(new Uint8Array(123_456)),
    });
    await page.locator("#log .attachment.card .download-button").waitFor();
    await page.locator("#message-input").fill("typed at the narrowest");
    await screenshot(page, "web-narrow-188.png");
    assert.deepEqual(await faults(page), []);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);
