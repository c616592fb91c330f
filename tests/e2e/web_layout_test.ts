/**
 * How the page lays out what people chose, at phone and desktop sizes: a
 * long topic gives way to the room's name in the header. The real page runs
 * in Chromium against a real server; the others are protocol clients.
 * Screenshots go to test-results/screenshots.
 */

import assert from "node:assert/strict";
import type { Locator, Page } from "./_playwright.ts";
import { startServer } from "../../server.ts";
import { parseOpFile } from "../../server/hub/moderation.ts";
import { LOOPBACK, TestClient } from "../_test_utils.ts";
import { type BrowserOptions, ChatBrowser, exactly, joinAs, pageUrl, say } from "./_browser.ts";
import { testWith } from "./_needs.ts";
import { ROOT } from "./_tmux.ts";

/** The two sizes the header is looked at. */
const SIZES: readonly { name: string; options: BrowserOptions }[] = [
  { name: "desktop", options: { viewport: { width: 1280, height: 800 } } },
  {
    name: "phone",
    options: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, mobile: true },
  },
];

/** Saves a screenshot of `page` as test-results/screenshots/`file`, for a person to look at. */
async function screenshot(page: Page, file: string): Promise<void> {
  const folder = `${ROOT}test-results/screenshots`;
  await Deno.mkdir(folder, { recursive: true });
  await page.locator("#message-input").blur();
  await page.screenshot({ path: `${folder}/${file}` });
  console.log(`Screenshot for a person to look at: test-results/screenshots/${file}`);
}

/** How wide `element` is drawn and how wide its text would be, in CSS pixels. */
function widths(element: Locator): Promise<{ shown: number; whole: number }> {
  return element.evaluate((element) => ({
    shown: element.clientWidth,
    whole: element.scrollWidth,
  }));
}

/** A topic longer than any header is wide. */
const TOPIC = "Release on Friday: read the checklist in the wiki before you merge anything " +
  "into main, run the whole test suite on your own machine first, and tell #ops when you " +
  "deploy, so that someone watches the dashboards with you";

for (const { name: size, options } of SIZES) {
  testWith(
    ["chromium"],
    `web page (${size}): a long topic gives way to the room's name in the header`,
    async () => {
      await using server = await startServer({
        hostname: LOOPBACK,
        port: 0,
        webPort: 0,
        operators: parseOpFile("ann s3cret\n"),
      });
      await using ann = await TestClient.join2(server.addr.port, "ann", [{ room: "#engineering" }]);
      await ann.say("/oper s3cret");
      await ann.next("notice", (frame) => frame.text.startsWith("ann is an operator"));
      await ann.send({ type: "topic", room: "#engineering", text: TOPIC });
      await ann.next("topic");
      await using browser = await ChatBrowser.launch(options);
      const page = await browser.open(pageUrl(server.webAddr!.port));
      await joinAs(page, "bob");
      await say(page, "/join #engineering");
      await page.locator("#room-name", { hasText: exactly("#engineering") }).waitFor();
      const topic = page.locator("#room-topic", { hasText: exactly(TOPIC) });
      await topic.waitFor();
      await screenshot(page, `web-header-${size}.png`);

      const name = await widths(page.locator("#room-name"));
      assert.ok(name.whole <= name.shown, `the room's name is cut: ${JSON.stringify(name)}`);
      const shown = await widths(topic);
      assert.ok(shown.shown < shown.whole, `the topic is not cut: ${JSON.stringify(shown)}`);
      assert.ok(shown.shown > 0, "the topic is not shown at all");
      assert.deepEqual(browser.unexpectedProblems(), []);
    },
  );
}
