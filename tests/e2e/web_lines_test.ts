/**
 * Messages of several lines from the page: Shift+Enter makes a new line in a
 * box that grows, Enter sends; a pasted traceback arrives whole, indentation
 * intact, in another page and over nc, each of its lines starting where the
 * first does, and the time and names before them wrap on a narrow screen,
 * never past the log's edge, and a line right to left starts in that column
 * too; a code block shows in a monospace font. The real page runs in
 * Chromium against a real server.
 */

import assert from "node:assert/strict";
import type { Locator, Page } from "./_playwright.ts";
import { LOOPBACK } from "../_test_utils.ts";
import {
  ChatBrowser,
  screenshot,
  startWebServer,
  WAIT_MS,
  waitForLine,
  webUrl,
} from "./_browser.ts";
import { testWith } from "./_needs.ts";
import { waitFor } from "./_tmux.ts";

// What the page functions run by `evaluate` use of the browser's globals.
declare function getComputedStyle(element: unknown): { whiteSpace: string; fontFamily: string };
declare const document: { createRange(): BrowserRange };

/** Where a box is drawn, in CSS pixels. */
interface Box {
  left: number;
  top: number;
}

/** Where a box is drawn and how wide, in CSS pixels. */
interface Rect extends Box {
  right: number;
  width: number;
}

/** A range of text in the page, as much of it as these tests use. */
interface BrowserRange {
  setStart(node: unknown, offset: number): void;
  setEnd(node: unknown, offset: number): void;
  getBoundingClientRect(): Rect;
}

/** A Python traceback of 30 lines, indented as Python prints it. */
const TRACEBACK = [
  "Traceback (most recent call last):",
  ...Array.from({ length: 14 }, (_, i) => [
    `  File "/srv/app/step${i}.py", line ${10 + i * 7}, in run${i}`,
    `    result = run${i + 1}(value,  extra)`,
  ]).flat(),
  "ValueError: invalid literal for int() with base 10: 'x'",
];

/** A person on nc: the name typed, then everything the server prints. */
class NcUser implements AsyncDisposable {
  readonly #conn: Deno.TcpConn;
  readonly #decoder = new TextDecoder();
  text = "";
  readonly #reading: Promise<void>;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
    this.#reading = (async () => {
      const buffer = new Uint8Array(65536);
      for (;;) {
        const count = await conn.read(buffer).catch(() => null);
        if (count === null) return;
        this.text += this.#decoder.decode(buffer.subarray(0, count), { stream: true });
      }
    })();
  }

  static async join(port: number, name: string): Promise<NcUser> {
    const user = new NcUser(await Deno.connect({ hostname: LOOPBACK, port }));
    await user.#conn.write(new TextEncoder().encode(`${name}\r\n`));
    await user.waitFor("-- You are in #lobby");
    return user;
  }

  waitFor(fragment: string): Promise<string> {
    return waitFor(
      () => Promise.resolve(this.text),
      (text) => text.includes(fragment),
      WAIT_MS,
      (text) => `nc to show ${JSON.stringify(fragment)}; it shows ${JSON.stringify(text)}`,
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#conn.close();
    await this.#reading;
  }
}

/** The words of the log line of class `kind` holding `text`, as the page holds them. */
async function wordsOf(page: Page, kind: string, text: string): Promise<Locator> {
  const line = await waitForLine(page, kind, text);
  return line.locator(".text");
}

testWith(
  ["chromium"],
  "web page: Shift+Enter makes a new line, a pasted traceback arrives whole in pages and over nc",
  async (t) => {
    await using server = await startWebServer();
    const url = webUrl(server);
    await using annBrowser = await ChatBrowser.launch();
    await using bobBrowser = await ChatBrowser.launch();
    const ann = await annBrowser.openAs(url, "ann");
    const bob = await bobBrowser.openAs(url, "bob");
    await using nick = await NcUser.join(server.addr.port, "nick");
    const input = ann.locator("#message-input");

    await t.step("Shift+Enter makes a new line in a box that grows; Enter sends", async () => {
      const oneLine = (await input.boundingBox())!.height;
      await input.pressSequentially("first line");
      await input.press("Shift+Enter");
      await input.pressSequentially("  second, indented");
      assert.equal(await input.inputValue(), "first line\n  second, indented");
      const twoLines = (await input.boundingBox())!.height;
      assert.ok(twoLines > oneLine * 1.4, `the box grew from ${oneLine} to ${twoLines} px`);
      await input.press("Enter");
      const words = await wordsOf(bob, "message", "first line");
      assert.equal(await words.textContent(), "first line\n  second, indented");
      assert.equal(await words.evaluate((node) => getComputedStyle(node).whiteSpace), "pre-wrap");
      // Two rows on screen, not one.
      const box = (await words.boundingBox())!;
      const oneRow = (await (await wordsOf(bob, "notice", "ann")).boundingBox())!.height;
      assert.ok(box.height > oneRow * 1.5, `${box.height} px high, a row is ${oneRow}`);
      assert.equal(await input.inputValue(), "");
      assert.ok((await input.boundingBox())!.height < twoLines, "the box shrank back once sent");
    });

    await t.step("a pasted 30-line traceback is one message, indentation intact", async () => {
      await input.focus();
      await ann.keyboard.insertText(TRACEBACK.join("\n"));
      await input.press("Enter");
      const words = await wordsOf(bob, "message", "ValueError");
      assert.equal(await words.textContent(), TRACEBACK.join("\n"));
      // Its indented lines keep their columns: a monospace font.
      const font = await words.evaluate((node) => getComputedStyle(node).fontFamily);
      assert.match(font, /monospace/);
      assert.equal(await bob.locator("#log .line.message", { hasText: "step3.py" }).count(), 1);
      const last = TRACEBACK.at(-1)!;
      const shown = await nick.waitFor(last);
      const start = shown.lastIndexOf(`] ann: ${TRACEBACK[0]}\r\n`);
      assert.ok(start !== -1, shown);
      const rows = shown.slice(shown.lastIndexOf("\r\n", start) + 2).split("\r\n").slice(0, 30);
      const column = rows[0]!.indexOf(TRACEBACK[0]!);
      assert.deepEqual(
        rows,
        TRACEBACK.map((line, i) => (i === 0 ? rows[0]! : " ".repeat(column) + line)),
      );
    });

    await t.step("a code block shows its lines in a monospace block, without fences", async () => {
      await input.focus();
      await ann.keyboard.insertText("```python\ndef f():\n    return 1\n```");
      await input.press("Enter");
      const block = bob.locator("#log .line.code .text", { hasText: "def f():" });
      await block.waitFor({ timeout: WAIT_MS });
      assert.equal(await block.textContent(), "def f():\n    return 1");
      const font = await block.evaluate((node) => getComputedStyle(node).fontFamily);
      assert.match(font, /monospace/);
      await input.pressSequentially("/code");
      await input.press("Shift+Enter");
      await ann.keyboard.insertText("  x = 1");
      await input.press("Enter");
      const typed = bob.locator("#log .line.code .text", { hasText: "x = 1" });
      await typed.waitFor({ timeout: WAIT_MS });
      assert.equal(await typed.textContent(), "  x = 1");
      // The first line keeps its indentation too: only the one space after /code is the command's.
      await input.pressSequentially("/code    indented first");
      await input.press("Shift+Enter");
      await ann.keyboard.insertText("  second");
      await input.press("Enter");
      const indented = bob.locator("#log .line.code .text", { hasText: "indented first" });
      await indented.waitFor({ timeout: WAIT_MS });
      assert.equal(await indented.textContent(), "   indented first\n  second");
      // An empty block shows no fences either.
      const lines = bob.locator("#log .line");
      const before = await lines.count();
      await ann.keyboard.insertText("```\n\n```");
      await input.press("Enter");
      await waitFor(
        () => lines.count(),
        (count) => count > before,
        WAIT_MS,
        () => "the empty block",
      );
      const empty = lines.last();
      assert.equal(await empty.getAttribute("class").then((name) => name?.includes("code")), true);
      assert.ok(!(await empty.textContent())!.includes("```"), (await empty.textContent())!);
    });
  },
);

/**
 * Where the first character of each of the lines of `words` (a `.text` of
 * one text node) is drawn, and where the name before them is.
 */
function lineStarts(words: Locator): Promise<{ starts: Box[]; name: Box }> {
  return words.evaluate((words) => {
    const node = words.firstChild!;
    const text = node.textContent!;
    const range = document.createRange();
    const starts: Box[] = [];
    for (let at = 0; at !== -1 && at < text.length; at = text.indexOf("\n", at)) {
      if (text[at] === "\n") at++;
      range.setStart(node, at);
      range.setEnd(node, at + 1);
      const { left, top } = range.getBoundingClientRect();
      starts.push({ left, top });
    }
    const { left, top } = words.parentElement!.querySelector(".name")!.getBoundingClientRect();
    return { starts, name: { left, top } };
  });
}

for (
  const { size, viewport } of [
    { size: "desktop", viewport: { width: 1280, height: 800 } },
    { size: "phone", viewport: { width: 390, height: 844 } },
  ]
) {
  testWith(
    ["chromium"],
    `web page (${size}): every line of a message of several lines starts where the first does`,
    async () => {
      await using server = await startWebServer();
      await using annBrowser = await ChatBrowser.launch({ viewport });
      await using bobBrowser = await ChatBrowser.launch({ viewport });
      const ann = await annBrowser.openAs(webUrl(server), "ann");
      const bob = await bobBrowser.openAs(webUrl(server), "bob");
      const input = ann.locator("#message-input");
      for (const text of ["line one\n  two\nthree", TRACEBACK.slice(0, 5).join("\n")]) {
        await input.focus();
        await ann.keyboard.insertText(text);
        await input.press("Enter");
        const first = text.slice(0, text.indexOf("\n"));
        const { starts, name } = await lineStarts(await wordsOf(bob, "message", first));
        const drawn = JSON.stringify({ starts, name });
        assert.equal(starts.length, text.split("\n").length, drawn);
        for (const start of starts.slice(1)) {
          // Each line begins at the first one's x (its indentation, spaces, drawn after it).
          assert.ok(Math.abs(start.left - starts[0]!.left) < 0.5, `lines apart: ${drawn}`);
          assert.ok(start.top > starts[0]!.top, `a line not under the first: ${drawn}`);
        }
        // On a wide screen the words begin beside the name, as in the terminal.
        if (size === "desktop") {
          assert.ok(starts[0]!.left > name.left, `the words are not after the name: ${drawn}`);
          assert.ok(starts[0]!.top - name.top < 8, `the words are not beside the name: ${drawn}`);
        }
      }
      await screenshot(bob, `web-lines-${size}.png`);
      assert.deepEqual(annBrowser.unexpectedProblems(), []);
      assert.deepEqual(bobBrowser.unexpectedProblems(), []);
    },
  );
}

/** The longest name a server takes, and one as wide as any 24 characters are. */
const LONG_NAME = "Wolfeschlegelsteinhausen";
const WIDE_NAME = "W".repeat(24);

/**
 * How far `line` reaches past the right of the log's content, in CSS pixels
 * (0 when it does not), and the characters of its names (`you` too) drawn
 * outside the log or not at all.
 */
function overflowOf(line: Locator): Promise<{ beyond: number; hidden: string[] }> {
  return line.evaluate((line) => {
    const log = line.closest(".log")!;
    const frame = log.getBoundingClientRect();
    const right = frame.left + log.clientWidth;
    const range = document.createRange();
    const hidden: string[] = [];
    for (const name of line.querySelectorAll(".name bdi, .peer bdi")) {
      const node = name.firstChild!;
      const text = node.textContent!;
      for (let at = 0; at < text.length; at++) {
        range.setStart(node, at);
        range.setEnd(node, at + 1);
        const box = range.getBoundingClientRect();
        if (box.width === 0 || box.left < frame.left - 0.5 || box.right > right + 0.5) {
          hidden.push(`${text[at]} of ${text} at ${box.left}-${box.right}`);
        }
      }
    }
    const beyond = Math.max(
      0,
      ...[...line.querySelectorAll("*")].map((part) => part.getBoundingClientRect().right - right),
    );
    return { beyond, hidden };
  });
}

for (const width of [320, 390, 1280]) {
  testWith(
    ["chromium"],
    `web page (${width} px wide): the names before a message of several lines wrap, never cut`,
    async () => {
      await using server = await startWebServer();
      const viewport = { width, height: 800 };
      await using longBrowser = await ChatBrowser.launch({ viewport });
      await using wideBrowser = await ChatBrowser.launch({ viewport });
      await using phBrowser = await ChatBrowser.launch({ viewport });
      const long = await longBrowser.openAs(webUrl(server), LONG_NAME);
      const wide = await wideBrowser.openAs(webUrl(server), WIDE_NAME);
      const ph = await phBrowser.openAs(webUrl(server), "ph4");
      const sent = [
        { page: long, text: "/msg ph4 multi\nprivate in", kind: "private" },
        { page: ph, text: `/msg ${LONG_NAME} multi\nprivate out`, kind: "private" },
        { page: wide, text: "multi\nline", kind: "message" },
        { page: wide, text: "/me multi\naction", kind: "action" },
      ];
      for (const { page, text, kind } of sent) {
        await page.locator("#message-input").fill(text);
        await page.locator("#message-input").press("Enter");
        await waitForLine(ph, kind, text.slice(text.lastIndexOf("\n") + 1));
      }
      const log = ph.locator("#log");
      for (const { text, kind } of sent) {
        const last = text.slice(text.lastIndexOf("\n") + 1);
        const line = await waitForLine(ph, kind, last);
        assert.ok(await line.evaluate((line) => line.classList.contains("lines")), text);
        const { beyond, hidden } = await overflowOf(line);
        const shown = await line.innerText();
        assert.deepEqual(hidden, [], `names not all in sight in ${JSON.stringify(shown)}`);
        assert.ok(beyond < 0.5, `${JSON.stringify(shown)} reaches ${beyond} px past the log`);
        // Its lines still start in one column, under the first's words.
        const { starts } = await lineStarts(line.locator(".text"));
        assert.equal(starts.length, 2, shown);
        assert.ok(Math.abs(starts[1]!.left - starts[0]!.left) < 0.5, JSON.stringify(starts));
      }
      const { scrollWidth, clientWidth } = await log.evaluate((log) => ({
        scrollWidth: log.scrollWidth,
        clientWidth: log.clientWidth,
      }));
      assert.ok(
        scrollWidth <= clientWidth,
        `the log scrolls sideways: ${scrollWidth} > ${clientWidth}`,
      );
      await screenshot(ph, `web-lines-names-${width}.png`);
      assert.deepEqual(longBrowser.unexpectedProblems(), []);
      assert.deepEqual(wideBrowser.unexpectedProblems(), []);
      assert.deepEqual(phBrowser.unexpectedProblems(), []);
    },
  );
}

/**
 * Where each line of `words` (a `.text` of one text node) is drawn from and
 * to, and whether it reads right to left: its first character right of its
 * last.
 */
function lineSpans(words: Locator): Promise<{ left: number; right: number; rtl: boolean }[]> {
  return words.evaluate((words) => {
    const node = words.firstChild!;
    const text = node.textContent!;
    const range = document.createRange();
    const at = (from: number, to: number) => {
      range.setStart(node, from);
      range.setEnd(node, to);
      return range.getBoundingClientRect();
    };
    let start = 0;
    return text.split("\n").map((line: string) => {
      const from = start;
      start += line.length + 1;
      const { left, right } = at(from, from + line.length);
      const rtl = at(from, from + 1).left > at(from + line.length - 1, from + line.length).left;
      return { left, right, rtl };
    });
  });
}

testWith(
  ["chromium"],
  "web page: a line in Hebrew or Arabic in a message of several lines starts in its column, read in its own direction",
  async () => {
    await using server = await startWebServer();
    await using annBrowser = await ChatBrowser.launch();
    await using bobBrowser = await ChatBrowser.launch();
    const ann = await annBrowser.openAs(webUrl(server), "ann");
    const bob = await bobBrowser.openAs(webUrl(server), "bob");
    const input = ann.locator("#message-input");
    const messages = [
      { text: "the plan\nשלום לכולם, נפגש מחר\nsee you", rtl: [false, true, false] },
      { text: "مرحبا بالجميع\nنلتقي غدا", rtl: [true, true] },
      { text: "```\nlet a = 1\nשלום עולם\n```", rtl: [false, true] },
    ];
    for (const { text, rtl } of messages) {
      await input.focus();
      await ann.keyboard.insertText(text);
      await input.press("Enter");
      const first = text.startsWith("```") ? "let a = 1" : text.slice(0, text.indexOf("\n"));
      const words = (await waitForLine(bob, "message", first)).locator(".text");
      const lines = await lineSpans(words);
      const drawn = JSON.stringify(lines);
      assert.deepEqual(lines.map((line) => line.rtl), rtl, `directions: ${drawn}`);
      // Every line starts at the column's left, as in the terminal, not at its far right: beside
      // the name, or in the code block's.
      const column = text.startsWith("```")
        ? (await words.boundingBox())!.x + 10
        : await words.evaluate((words) =>
          words.parentElement!.querySelector(".lead")!.getBoundingClientRect().right
        );
      for (const line of lines) {
        assert.ok(Math.abs(line.left - column) < 6, `lines not at ${column}: ${drawn}`);
      }
    }
    await screenshot(bob, "web-lines-rtl.png");
    assert.deepEqual(annBrowser.unexpectedProblems(), []);
    assert.deepEqual(bobBrowser.unexpectedProblems(), []);
  },
);
