/**
 * The page's contrast, in the light and the dark theme, as WCAG 2 counts
 * it: text at least 4.5:1 against what is behind it (1.4.3), the edges of
 * boxes and buttons at least 3:1 against what is around them (1.4.11). The
 * colours are those Chromium computes, composited through the backgrounds
 * and the opacity of every element around them. The real page runs in
 * Chromium against a real server; the others are protocol clients.
 */

import assert from "node:assert/strict";
import type { Locator, Page } from "./_playwright.ts";
import { colorOf, PALETTE } from "../../core/palette.ts";
import { LOOPBACK, TestClient } from "../_test_utils.ts";
import {
  ChatBrowser,
  joinAs,
  say,
  screenshot,
  startWebServer,
  waitForLine,
  webUrl,
} from "./_browser.ts";
import { testWith } from "./_needs.ts";
import { settles } from "./_web_rooms.ts";

// What the page functions run by `evaluate` use of the browser's globals (not the DOM lib,
// which would retype Deno's own globals for every file checked with this one).
declare function getComputedStyle(element: unknown, pseudo?: string): BrowserStyle;

/** The parts of an element's computed style these tests read. */
interface BrowserStyle {
  color: string;
  backgroundColor: string;
  borderTopColor: string;
  opacity: string;
}

/** An element of the page, as much of it as these tests use. */
interface BrowserElement {
  parentElement: BrowserElement | null;
}

/** What is measured of an element: its text, its placeholder, or its border. */
type Part = "text" | "placeholder" | "border";

/** How an element's `part` stands out, as `contrastOf` on the page reckons it. */
type ContrastOf = (element: BrowserElement, part: Part) => number;

/**
 * Puts `contrastOf(element, part)` on the page: the contrast ratio of the
 * element's text (or placeholder) with the background shown behind it, or
 * of its border with the colours on either side of it, whichever is less.
 * Each colour is composited from the canvas (white) down through every
 * element around it: its background, then, for an element with an opacity,
 * that opacity over what is behind it.
 */
function installContrast(page: Page): Promise<void> {
  return page.evaluate(() => {
    type Rgba = [number, number, number, number];
    type Rgb = [number, number, number];
    const parse = (css: string): Rgba => {
      const rgb = /^rgba?\(([\d.]+), ([\d.]+), ([\d.]+)(?:, ([\d.]+))?\)$/.exec(css);
      if (rgb !== null) {
        const [, r, g, b, a] = rgb.map(Number) as number[];
        return [r! / 255, g! / 255, b! / 255, rgb[4] === undefined ? 1 : a!];
      }
      const srgb = /^color\(srgb ([-\d.e]+) ([-\d.e]+) ([-\d.e]+)(?: \/ ([\d.e]+))?\)$/.exec(css);
      if (srgb !== null) {
        const [, r, g, b, a] = srgb.map(Number) as number[];
        return [r!, g!, b!, srgb[4] === undefined ? 1 : a!];
      }
      throw new Error(`Cannot read colour ${JSON.stringify(css)}`);
    };
    const over = (paint: Rgba, backdrop: Rgb): Rgb =>
      backdrop.map((channel, i) => paint[i]! * paint[3] + channel * (1 - paint[3])) as Rgb;
    const fade = (backdrop: Rgb, color: Rgb, opacity: number): Rgb =>
      backdrop.map((channel, i) => color[i]! * opacity + channel * (1 - opacity)) as Rgb;
    /** The colour shown where the last of `chain` paints `paints` over its own background. */
    const shown = (chain: BrowserElement[], paints: Rgba[]): Rgb => {
      const at = (index: number, backdrop: Rgb): Rgb => {
        const style = getComputedStyle(chain[index]);
        let color = over(parse(style.backgroundColor), backdrop);
        if (index === chain.length - 1) { for (const paint of paints) color = over(paint, color); }
        else color = at(index + 1, color);
        return fade(backdrop, color, Number(style.opacity));
      };
      return at(0, [1, 1, 1]);
    };
    const luminance = (color: Rgb): number => {
      const [r, g, b] = color.map((c) => c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    const ratio = (one: Rgb, other: Rgb): number => {
      const [light, dark] = [luminance(one), luminance(other)].sort((a, b) => b - a);
      return (light! + 0.05) / (dark! + 0.05);
    };
    const contrastOf: ContrastOf = (element, part) => {
      const chain: BrowserElement[] = [];
      for (let at: BrowserElement | null = element; at !== null; at = at.parentElement) {
        chain.unshift(at);
      }
      const style = getComputedStyle(element);
      const behind = shown(chain, []);
      if (part === "border") {
        const edge = shown(chain, [parse(style.borderTopColor)]);
        return Math.min(ratio(edge, behind), ratio(edge, shown(chain.slice(0, -1), [])));
      }
      // A placeholder has an opacity of its own; the element's is in the chain already.
      const placeholder = part === "placeholder" ? getComputedStyle(element, "::placeholder") : {
        color: style.color,
        opacity: "1",
      };
      const [r, g, b, a] = parse(placeholder.color);
      return ratio(shown(chain, [[r, g, b, a * Number(placeholder.opacity)]]), behind);
    };
    (globalThis as unknown as { contrastOf: ContrastOf }).contrastOf = contrastOf;
  });
}

/** The contrast of `part` of each element `locator` finds, each with a few words to tell it by. */
function contrasts(locator: Locator, part: Part): Promise<{ what: string; ratio: number }[]> {
  return locator.evaluateAll((elements, part) =>
    elements.map((element) => ({
      what: (element.textContent ?? "").trim().slice(0, 30) || element.id,
      ratio: (globalThis as unknown as { contrastOf: ContrastOf }).contrastOf(
        element as unknown as BrowserElement,
        part,
      ),
    })), part);
}

/** Fails with every element of `measured` under `least`, saying which and how much. */
function assertAtLeast(
  measured: readonly { what: string; ratio: number }[],
  least: number,
  what: string,
): void {
  assert.ok(measured.length > 0, `${what}: nothing measured`);
  const low = measured.filter((each) => each.ratio < least)
    .map((each) => `${each.what}: ${each.ratio.toFixed(2)}`);
  assert.deepEqual(low, [], `${what} under ${least}:1`);
}

/** A name of each colour of the palette. */
function namesOfEveryColour(): string[] {
  const names = new Map<string, string>();
  for (let i = 0; names.size < PALETTE.length; i++) {
    const name = `guest${i}`;
    if (!names.has(colorOf(name).css)) names.set(colorOf(name).css, name);
  }
  return [...names.values()];
}

testWith(
  ["chromium"],
  "web page: replayed history, away people and placeholders read at 4.5:1, light and dark",
  async () => {
    await using server = await startWebServer();
    const people: TestClient[] = [];
    try {
      for (const name of namesOfEveryColour()) {
        const person = await TestClient.join2(server.addr.port, name);
        people.push(person);
        await person.say(`hello from ${name}`);
        await person.next("message", (frame) => frame.text === `hello from ${name}`);
        await person.send({ type: "away", reason: "lunch" });
      }
      const sharer = people[0]!;
      const files = sharer.all("welcome")[0]!.files!;
      const response = await fetch(`http://${LOOPBACK}:${files.port}/files`, {
        method: "POST",
        body: "the minutes\n",
        headers: { authorization: `Bearer ${files.token}`, "x-file-name": "minutes.txt" },
      });
      const stored = await response.json();
      assert.equal(response.status, 201, JSON.stringify(stored));
      await sharer.send({ type: "file", id: stored.id, room: "#lobby", cid: "minutes" });
      await sharer.next("message", (frame) => frame.file?.name === "minutes.txt");

      await using browser = await ChatBrowser.launch();
      const page = await browser.openAs(webUrl(server), "ann");
      const replayed = page.locator("#log .line.replay");
      await replayed.locator(".download-button").waitFor();
      await settles(() => page.locator("#members li.away").count(), people.length, "the away");
      await page.locator("#members li.away .presence").first().waitFor();
      await installContrast(page);

      for (const scheme of ["light", "dark"] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await screenshot(page, `web-contrast-${scheme}.png`);
        const text = async (selector: string) => await contrasts(page.locator(selector), "text");
        assertAtLeast(await text("#log .line.replay .time"), 4.5, `${scheme}: replayed times`);
        assertAtLeast(await text("#log .line.replay .name"), 4.5, `${scheme}: replayed names`);
        assertAtLeast(await text("#log .line.replay .text"), 4.5, `${scheme}: replayed words`);
        assertAtLeast(
          await text("#log .line.replay .download-button"),
          4.5,
          `${scheme}: a replayed Download button`,
        );
        assertAtLeast(await text("#members li.away .member-name"), 4.5, `${scheme}: away names`);
        assertAtLeast(await text("#members li.away .presence"), 4.5, `${scheme}: "away: lunch"`);
        assertAtLeast(
          await contrasts(page.locator("#join-input, #message-input"), "placeholder"),
          4.5,
          `${scheme}: placeholders`,
        );
      }
      assert.deepEqual(browser.unexpectedProblems(), []);
    } finally {
      for (const person of people) await person[Symbol.asyncDispose]();
    }
  },
);

testWith(
  ["chromium"],
  "web page: the edges of boxes and buttons stand out at 3:1, light and dark",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    const page = await browser.open(webUrl(server));
    await page.locator("#name-input").waitFor();
    await installContrast(page);
    const edges = (selector: string) => contrasts(page.locator(selector), "border");
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.locator("#name-input").blur();
      assertAtLeast(await edges("#name-input"), 3, `${scheme}: the name box`);
    }
    await page.emulateMedia({ colorScheme: "light" });
    await joinAs(page, "ann");
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.locator("#message-input").blur();
      assertAtLeast(
        await edges(
          "#join-input, #join-form button, #notify-toggle, #sound-toggle, #message-input",
        ),
        3,
        `${scheme}: the boxes and buttons`,
      );
    }
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: the × that leaves a room reads at 4.5:1, light and dark, current room or not",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "ann");
    await page.locator("#join-input").fill("#dev");
    await page.locator("#join-input").press("Enter");
    // Two rooms: each has its ×, the one looked at on its tinted row.
    await settles(() => page.locator("#views .part-button").count(), 2, "the × buttons");
    await page.locator("#views .view-button[aria-current]", { hasText: "#dev" }).waitFor();
    await installContrast(page);
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      assertAtLeast(
        await contrasts(page.locator("#views .part-button"), "text"),
        4.5,
        `${scheme}: the × buttons`,
      );
    }
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: an error line's time and words read at 4.5:1, light and dark",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "ann");
    // Refused at once, it stays in the box.
    await page.locator("#message-input").fill("/frobnicate");
    await page.locator("#message-input").press("Enter");
    await waitForLine(page, "error", 'Unknown command "/frobnicate"');
    await installContrast(page);
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const text = async (selector: string) => await contrasts(page.locator(selector), "text");
      assertAtLeast(await text("#log .line.error .time"), 4.5, `${scheme}: an error's time`);
      assertAtLeast(await text("#log .line.error .text"), 4.5, `${scheme}: an error's words`);
    }
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: a line being sent, a mention's row and badges, and the lists offline read at 4.5:1",
  async () => {
    await using server = await startWebServer();
    await using bob = await TestClient.join2(server.addr.port, "bob", [
      { room: "#lobby" },
      { room: "#dev" },
    ]);
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "ann");
    await say(page, "/join #dev");
    await page.locator("#views .view-button[aria-current]", { hasText: "#dev" }).waitFor();
    await page.locator("#views .view-button", { hasText: "#lobby" }).click();
    // A mention where ann looks, and one in a room she does not: its badges in the sidebar.
    await bob.send({ type: "say", room: "#lobby", text: "ann: the build is red" });
    await page.locator("#log .line.mentioned", { hasText: "the build is red" }).waitFor();
    await bob.send({ type: "say", room: "#dev", text: "ann: and the tests" });
    await page.locator("#views .mention-badge").waitFor();
    await page.locator("#views .unread.urgent").waitFor();
    // Offline: the lists may be out of date, and a line typed waits, being sent.
    await server.close();
    await page.locator("#app.offline").waitFor();
    await page.locator("#message-input").fill("still here");
    await page.locator("#message-input").press("Enter");
    await page.locator("#log .line.pending", { hasText: "still here" }).waitFor();
    await installContrast(page);

    const low: string[] = [];
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await screenshot(page, `web-contrast-offline-${scheme}.png`);
      /** Notes each element `selector` finds whose text reads under 4.5:1. */
      const measure = async (selector: string, what: string) => {
        const measured = await contrasts(page.locator(selector), "text");
        if (measured.length === 0) low.push(`${scheme}: ${what}: nothing measured`);
        for (const each of measured.filter((each) => each.ratio < 4.5)) {
          low.push(`${scheme}: ${what} (${each.what}): ${each.ratio.toFixed(2)}`);
        }
      };
      await measure("#log .line.pending .time", '"sending…"');
      await measure("#log .line.pending .text", "words being sent");
      await measure("#log .line.mentioned .time", "a mention's time");
      await measure("#log .line.mentioned .text", "a mention's words");
      await measure("#views .mention-badge, #views .unread", "the badges of unread messages");
      await measure(
        "#sidebar h2, #sidebar .room-label, #sidebar .count, #sidebar .member-name, #sidebar .you",
        "the lists while offline",
      );
    }
    assert.deepEqual(low, []);
    // The server is gone: the page's socket, and the tab's badged icon, cannot reach it.
    const gone = [/^console error: WebSocket connection to/, /net::ERR_CONNECTION_REFUSED$/];
    assert.deepEqual(browser.unexpectedProblems(gone), []);
  },
);
