/**
 * The page on a very short screen: a phone held sideways with its on-screen
 * keyboard up (some 740 × 180 to 250 CSS px), and a desktop window made low.
 * The log keeps four lines in sight at least; the header, "is typing" and
 * the message box give way, but nothing covers anything else, the room's
 * name, the drawer's button, the paperclip and Send stay on the screen and
 * within reach, and on a touch screen the controls keep a finger's size. Not
 * connected, a phone's header keeps its one row, the status and Retry now in
 * it.
 * The real page runs in Chromium against a real server; bob is a protocol
 * client. Screenshots go to test-results/screenshots.
 */

import assert from "node:assert/strict";
import type { Page } from "./_playwright.ts";
import { TestClient } from "../_test_utils.ts";
import type { ChatServer } from "../../server.ts";
import {
  type BrowserOptions,
  ChatBrowser,
  screenshot,
  startWebServer,
  WAIT_MS,
  waitForLine,
  waitForStatus,
  webUrl,
} from "./_browser.ts";
import { testWith } from "./_needs.ts";
import { waitFor } from "./_tmux.ts";
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
  contains(other: unknown): boolean;
  checkVisibility(): boolean;
  id: string;
  clientHeight: number;
}
declare const document: {
  querySelector(selector: string): Drawn | null;
  querySelectorAll(selector: string): Iterable<Drawn>;
  elementFromPoint(x: number, y: number): Drawn | null;
};
declare const innerWidth: number;
declare const innerHeight: number;
declare function matchMedia(query: string): { matches: boolean };
declare function getComputedStyle(element: unknown): { paddingTop: string; paddingBottom: string };

/** A phone held sideways, with a touch screen. */
const SIDEWAYS: BrowserOptions = {
  viewport: { width: 740, height: 360 },
  deviceScaleFactor: 2,
  mobile: true,
};

/** The controls that must stay on the screen, within reach, at every size. */
const CONTROLS = ["#room-name", "#sidebar-toggle", "#attach", "#message-input", "#send"];

/** What `page` shows at its size: how many log lines whole, and what is wrong with its controls. */
function look(page: Page, controls: readonly string[]): Promise<
  { lines: number; problems: string[] }
> {
  return page.evaluate((controls) => {
    const problems: string[] = [];
    const log = document.querySelector("#log .log")!;
    const frame = log.getBoundingClientRect();
    // The log's rows inside its padding edge, less what its own scrollbar or border takes.
    const seen = { top: frame.top, bottom: frame.top + log.clientHeight };
    let lines = 0;
    for (const line of document.querySelectorAll("#log .log .line")) {
      const { top, bottom, height } = line.getBoundingClientRect();
      if (height > 0 && top >= seen.top - 0.5 && bottom <= seen.bottom + 0.5) lines++;
    }
    if (frame.bottom > innerHeight) problems.push(`the log ends at ${frame.bottom}`);
    const touch = matchMedia("(pointer: coarse)").matches;
    for (const selector of controls) {
      const element = document.querySelector(selector);
      // The drawer's button shows only where the sidebar is a drawer.
      if (element === null || !element.checkVisibility()) {
        if (selector !== "#sidebar-toggle") problems.push(`${selector} is not shown`);
        continue;
      }
      const box = element.getBoundingClientRect();
      if (box.top < 0 || box.left < 0 || box.bottom > innerHeight || box.right > innerWidth) {
        problems.push(`${selector} is off the screen: ${JSON.stringify(box)}`);
        continue;
      }
      const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      if (hit === null || !element.contains(hit)) {
        problems.push(`${selector} is covered by ${hit?.id || JSON.stringify(hit)}`);
      }
      const square = selector === "#sidebar-toggle" || selector === "#attach";
      const words = selector === "#room-name" || selector === "#status";
      if (touch && !words && (box.height < 44 || (square && box.width < 44))) {
        problems.push(`${selector} is ${box.width}×${box.height} on a touch screen`);
      }
    }
    // "is typing" shows beside what it shares a row with, over none of it (unless it is left
    // to screen readers alone, a pixel wide, for a warning in its place).
    const typing = document.querySelector("#typing")!;
    const said = typing.getBoundingClientRect();
    if (said.width > 1 && said.height > 1) {
      const hit = document.elementFromPoint(said.left + said.width / 2, said.top + said.height / 2);
      if (hit === null || !typing.contains(hit)) problems.push("#typing is covered");
      if (said.bottom > innerHeight || said.right > innerWidth) problems.push("#typing is off");
      for (const selector of ["#log .log", "#composer"]) {
        const other = document.querySelector(selector)!.getBoundingClientRect();
        const overlap = said.top < other.bottom - 0.5 && other.top < said.bottom - 0.5 &&
          said.left < other.right - 0.5 && other.left < said.right - 0.5;
        if (overlap) problems.push(`#typing overlaps ${selector}`);
      }
    }
    return { lines, problems };
  }, controls);
}

/** Waits until bob is shown typing, and tells the page he is again, so that it does not run out. */
async function typingShown(page: Page, bob: TestClient): Promise<void> {
  await bob.send({ type: "typing", room: "#lobby" });
  await page.locator("#typing", { hasText: "bob is typing" }).waitFor({ timeout: WAIT_MS });
}

/** Joins ann in `browser`, and bob beside her, who says more than her log has room for. */
async function busyPage(
  server: ChatServer,
  browser: ChatBrowser,
): Promise<{ page: Page; bob: TestClient }> {
  const page = await browser.openAs(webUrl(server), "ann");
  const bob = await TestClient.join2(server.addr.port, "bob");
  for (let i = 1; i <= 30; i++) await says(bob, `line ${i} of what bob said`);
  await waitForLine(page, "message", /line 30 of what bob said$/);
  return { page, bob };
}

/**
 * What {@linkcode look} finds once the page has settled after a resize, the
 * log bringing its end back in sight a frame or more later: the first look
 * with four lines in sight and nothing wrong, else the last within the usual wait.
 */
async function settledLook(
  page: Page,
  controls: readonly string[],
): Promise<{ lines: number; problems: string[] }> {
  const deadline = Date.now() + WAIT_MS;
  while (true) {
    const seen = await look(page, controls);
    if ((seen.lines >= 4 && seen.problems.length === 0) || Date.now() >= deadline) return seen;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Makes `page` `width` × `height` and waits until the log ends inside it. */
async function resize(page: Page, width: number, height: number): Promise<void> {
  await page.setViewportSize({ width, height });
  await waitFor(
    () => page.locator("#composer").evaluate((form) => form.getBoundingClientRect().bottom),
    (bottom) => bottom <= height,
    WAIT_MS,
    (bottom) => `for the message box to end within ${height} px; it ends at ${bottom}`,
  );
}

/**
 * Makes `page` each of `sizes` in turn, bob typing, takes a screenshot at
 * each, and says what is wrong there: fewer than four log lines in sight, or
 * a control that is not shown, off the screen, covered or too small.
 */
async function faultsAt(
  page: Page,
  bob: TestClient,
  sizes: readonly [number, number][],
): Promise<string[]> {
  const found: string[] = [];
  for (const [width, height] of sizes) {
    await resize(page, width, height);
    await typingShown(page, bob);
    const { lines, problems } = await settledLook(page, CONTROLS);
    await screenshot(page, `web-short-${width}x${height}.png`);
    if (lines < 4) found.push(`${width}×${height}: ${lines} log lines in sight`);
    found.push(...problems.map((problem) => `${width}×${height}: ${problem}`));
  }
  return found;
}

testWith(
  ["chromium"],
  "web page (phone, sideways, keyboard up): the log keeps four lines, the controls in reach",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch(SIDEWAYS);
    const { page, bob } = await busyPage(server, browser);
    await using _bob = bob;
    assert.deepEqual(await faultsAt(page, bob, [[740, 250], [740, 200], [740, 180]]), []);
    // A message still goes with a tap on Send, and comes back into the log.
    await page.locator("#message-input").fill("sent from a short screen");
    await page.locator("#send").tap();
    await bob.next("message", (frame) => frame.text === "sent from a short screen");
    await waitForLine(page, "message", /sent from a short screen$/);

    // Not connected, the header makes room for the status and Retry now, still over nothing.
    await server.close();
    await waitForStatus(page, /^Reconnecting in \d+ s$/);
    const { problems } = await look(page, [...CONTROLS, "#status", "#retry"]);
    await screenshot(page, "web-short-740x180-reconnecting.png");
    assert.deepEqual(problems, []);
    assert.deepEqual(browser.unexpectedProblems([/^console error: WebSocket connection to/]), []);
  },
);

testWith(
  ["chromium"],
  "web page (narrow phone, sideways, keyboard up): the drawer's button and the drawer stay in reach",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch(SIDEWAYS);
    const { page, bob } = await busyPage(server, browser);
    await using _bob = bob;
    assert.deepEqual(await faultsAt(page, bob, [[667, 250], [667, 200]]), []);
    assert.ok(
      await page.locator("#sidebar-toggle").isVisible(),
      "no drawer here: make it narrower",
    );
    // The drawer opens over the log and the message box, and its own button closes it.
    await page.locator("#sidebar-toggle").tap();
    await page.locator("#sidebar").waitFor();
    await page.locator("#join-input").scrollIntoViewIfNeeded();
    const join = await page.locator("#join-input").boundingBox();
    assert.ok(join !== null && join.y >= 0 && join.y + join.height <= 200, "the room box is out");
    await screenshot(page, "web-short-667x200-drawer.png");
    await page.locator("#sidebar-toggle").tap();
    await page.locator("#sidebar").waitFor({ state: "hidden" });
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page (desktop, a low window): the log keeps four lines, the controls in reach",
  async () => {
    await using server = await startWebServer();
    const options: BrowserOptions = { viewport: { width: 1280, height: 300 } };
    await using browser = await ChatBrowser.launch(options);
    const { page, bob } = await busyPage(server, browser);
    await using _bob = bob;
    // Down to 180 px, and 200 px where the rooms are a drawer, as the README says.
    const sizes: [number, number][] = [[1280, 240], [1280, 180], [700, 200], [1280, 300]];
    assert.deepEqual(await faultsAt(page, bob, sizes), []);

    // A draft too long to send: the line that says so goes over the whole width, under the log.
    await page.locator("#message-input").focus();
    await page.keyboard.insertText("word ".repeat(1000).trim());
    const warning = page.locator("#too-long");
    await warning.waitFor();
    const after = await look(page, [...CONTROLS, "#too-long"]);
    await screenshot(page, "web-short-1280x300-too-long.png");
    assert.deepEqual(after.problems, []);
    const [said, log] = [await warning.boundingBox(), await page.locator("#log").boundingBox()];
    assert.ok(said !== null && log !== null && said.y >= log.y + log.height - 0.5);
    assert.ok(said.width >= log.width - 0.5, `the warning is ${said.width} px wide`);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

/** How many rows the header's parts take: parts whose heights overlap share one. */
function headerRows(page: Page): Promise<number> {
  return page.evaluate(() => {
    const parts = ["#sidebar-toggle", "#room-name", "#status", "#retry"]
      .map((selector) => document.querySelector(selector)!)
      .filter((part) => part.checkVisibility())
      .map((part) => part.getBoundingClientRect())
      .sort((a, b) => a.top - b.top);
    let rows = 0;
    let bottom = -Infinity;
    for (const part of parts) {
      if (part.top >= bottom - 0.5) rows++;
      bottom = Math.max(bottom, part.bottom);
    }
    return rows;
  });
}

/**
 * How many rows of words the log has room for: its height inside its
 * padding, in rows as tall as a message of one row (bob's last).
 */
function rowsInSight(page: Page): Promise<number> {
  return page.evaluate(() => {
    const log = document.querySelector("#log .log")!;
    const style = getComputedStyle(log);
    const inside = log.clientHeight - parseFloat(style.paddingTop) -
      parseFloat(style.paddingBottom);
    const lines = [...document.querySelectorAll("#log .log .line.message")];
    const row = lines.at(-1)!.getBoundingClientRect().height;
    return Math.floor(inside / row + 0.01);
  });
}

/** The seconds the status counts down to the next attempt to connect; NaN while none waits. */
async function secondsToRetry(page: Page): Promise<number> {
  const status = await page.locator("#status").textContent() ?? "";
  return Number(/^Reconnecting in (\d+) s$/.exec(status)?.[1] ?? NaN);
}

testWith(
  ["chromium"],
  "web page (phone, keyboard up, not connected): the header keeps one row with the status, the log four lines",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch(SIDEWAYS);
    const { page, bob } = await busyPage(server, browser);
    await using _bob = bob;
    await server.close();
    await waitForStatus(page, /^Reconnecting in \d+ s$/);
    const found: string[] = [];
    // Down to 200 px here: a finger's Retry now makes the header taller than a slim row.
    for (const [width, height] of [[740, 200], [568, 200], [375, 200], [320, 200]] as const) {
      await resize(page, width, height);
      // Read between two attempts to connect: while one is made, the status and Retry change.
      let looked;
      do {
        await waitForStatus(page, /^Reconnecting in \d+ s$/);
        const before = await secondsToRetry(page);
        const { problems } = await look(page, [...CONTROLS, "#status", "#retry"]);
        const [rows, seen] = [await headerRows(page), await rowsInSight(page)];
        // The count only goes down until the next attempt, which starts it again from more.
        if (await secondsToRetry(page) <= before) looked = { problems, rows, seen };
      } while (looked === undefined);
      const { problems, rows, seen } = looked;
      await screenshot(page, `web-short-${width}x${height}-reconnecting.png`);
      // Rows rather than lines: the log's last lines, saying the link was lost, wrap.
      if (seen < 4) found.push(`${width}×${height}: ${seen} rows of the log in sight`);
      if (rows !== 1) found.push(`${width}×${height}: the header takes ${rows} rows`);
      found.push(...problems.map((problem) => `${width}×${height}: ${problem}`));
    }
    assert.deepEqual(found, []);
    assert.deepEqual(browser.unexpectedProblems([/^console error: WebSocket connection to/]), []);
  },
);

testWith(
  ["chromium"],
  "web page (short screens): a tall draft, or one too long to send, scrolls in its box; the log keeps four lines",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch(SIDEWAYS);
    const { page, bob } = await busyPage(server, browser);
    await using _bob = bob;
    const input = page.locator("#message-input");
    const drafts = [
      { what: "ten lines", text: Array.from({ length: 10 }, (_, i) => `row ${i + 1}`).join("\n") },
      { what: "too long", text: "word ".repeat(1000).trim() },
    ];
    const found: string[] = [];
    for (const { what, text } of drafts) {
      await input.fill("");
      await input.focus();
      await page.keyboard.insertText(text);
      if (what === "too long") await page.locator("#too-long").waitFor();
      for (const [width, height] of [[740, 180], [667, 200], [375, 200], [740, 320]] as const) {
        await resize(page, width, height);
        const { lines, problems } = await settledLook(page, CONTROLS);
        await screenshot(page, `web-short-${width}x${height}-${what.replace(" ", "-")}.png`);
        const at = `${width}×${height}, ${what}`;
        if (lines < 4) found.push(`${at}: ${lines} log lines in sight`);
        found.push(...problems.map((problem) => `${at}: ${problem}`));
        // The box gives way, and scrolls to what it does not show.
        const scrolls = await input.evaluate((box) => box.scrollHeight > box.clientHeight + 1);
        if (!scrolls && what === "ten lines") found.push(`${at}: the box shows every row`);
      }
    }
    assert.deepEqual(found, []);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);
