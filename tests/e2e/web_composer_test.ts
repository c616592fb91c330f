/**
 * The page's message box: Up and Down move between the rows of a draft and
 * go through what was sent only from its first row or last, Down always
 * coming back to the draft; each room and private view keeps its own draft;
 * a draft too long to send says so as it is typed, and a message too long
 * is refused, each saying how long it is, the limit and how to share it
 * instead; on a touch screen Enter makes a new line and Send sends, and
 * Ctrl+Enter and Cmd+Enter send everywhere.
 * The real page runs in Chromium against a real server; the others are
 * protocol clients.
 */

import assert from "node:assert/strict";
import type { Locator, Page } from "./_playwright.ts";
import { MAX_TEXT_BYTES, MAX_TEXT_LINES, utf8Length } from "../../protocol.ts";
import { sanitizeText } from "../../core/sanitize.ts";
import { TestClient } from "../_test_utils.ts";
import {
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
import { PAGE_KEYS } from "../../web/help_keys.ts";
import { waitFor } from "./_tmux.ts";
import { showView } from "./_web_rooms.ts";

/** A draft of one line long enough to take several rows of the box on any screen tested. */
const LONG_DRAFT = `a long draft of one line ${"that goes on and on ".repeat(20)}to its end`;

/** Where the caret of the message box is. */
function caret(input: Locator): Promise<number> {
  return input.evaluate((box) => (box as unknown as { selectionStart: number }).selectionStart);
}

/** Waits until the message box holds `text`. */
async function holds(input: Locator, text: string, what: string): Promise<void> {
  await waitFor(
    () => input.inputValue(),
    (value) => value === text,
    WAIT_MS,
    (value) => `for the box to hold ${what}; it holds ${JSON.stringify(value)}`,
  );
}

/** Presses `key` in the box until it holds something else (at most `most` times); returns that. */
async function pressUntilChanged(input: Locator, key: string, most = 12): Promise<string> {
  const before = await input.inputValue();
  for (let press = 0; press < most; press++) {
    await input.press(key);
    const now = await input.inputValue();
    if (now !== before) return now;
  }
  throw new Error(`${most} presses of ${key} left the box as it was`);
}

/** Waits until the header names view `id`. */
async function looksAt(page: Page, id: string): Promise<void> {
  await page.locator("#room-name", { hasText: exactly(id) }).waitFor();
}

testWith(
  ["chromium"],
  "web page: Up on a wrapped draft moves its caret, history is reached from the first row, and Down brings the draft back",
  async (t) => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "ann");
    const input = page.locator("#message-input");
    await say(page, "first sent line");
    await say(page, "multi\nline\nsent");
    const oneRow = (await input.boundingBox())!.height;

    await t.step("Up on the last row of a wrapped line moves the caret up a row", async () => {
      await input.fill(LONG_DRAFT);
      const height = (await input.boundingBox())!.height;
      assert.ok(height > oneRow * 1.8, `the draft takes ${height} px, a row ${oneRow}`);
      await input.press("End");
      await input.press("ArrowUp");
      assert.equal(await input.inputValue(), LONG_DRAFT);
      assert.ok(await caret(input) < LONG_DRAFT.length, "the caret did not move");
    });

    await t.step("from the first row, Up recalls the last line sent; Down the draft", async () => {
      assert.equal(await pressUntilChanged(input, "ArrowUp"), "multi\nline\nsent");
      // The caret is at its end, on its last row: Down goes back to the draft at once.
      assert.equal(await pressUntilChanged(input, "ArrowDown"), LONG_DRAFT);
    });

    await t.step("through a recalled text of several lines, and back, however far", async () => {
      await input.press("Control+Home");
      assert.equal(await pressUntilChanged(input, "ArrowUp"), "multi\nline\nsent");
      // Up moves between its lines, then goes on to the line before it.
      await input.press("ArrowUp");
      assert.equal(await input.inputValue(), "multi\nline\nsent");
      assert.equal(await pressUntilChanged(input, "ArrowUp"), "first sent line");
      assert.equal(await pressUntilChanged(input, "ArrowDown"), "multi\nline\nsent");
      await input.press("Control+End");
      assert.equal(await pressUntilChanged(input, "ArrowDown"), LONG_DRAFT);
      // Past the draft Down only moves the caret.
      await input.press("Control+Home");
      await input.press("ArrowDown");
      assert.equal(await input.inputValue(), LONG_DRAFT);
      assert.ok(await caret(input) > 0, "Down did not move the caret");
    });

    await t.step("a draft of several lines comes back after Up from its first line", async () => {
      await input.fill("one\ntwo");
      await input.press("ArrowUp");
      assert.equal(await input.inputValue(), "one\ntwo", "Up from its second line");
      assert.equal(await pressUntilChanged(input, "ArrowUp"), "multi\nline\nsent");
      assert.equal(await pressUntilChanged(input, "ArrowDown"), "one\ntwo");
    });
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: each room and private view keeps its own draft, which never goes to another",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    await using bob = await TestClient.join2(server.addr.port, "bob", [
      { room: "#lobby" },
      { room: "#dev" },
    ]);
    const page = await browser.openAs(webUrl(server), "ann");
    const input = page.locator("#message-input");
    await say(page, "/join #dev");
    await looksAt(page, "#dev");
    const forDev = "half-typed note meant for #dev only";
    await input.fill(forDev);

    // A person clicked: their view has a box of its own, empty.
    await page.locator("#members button.member-button", { hasText: exactly("bob") }).click();
    await looksAt(page, "@bob");
    await holds(input, "", "nothing in @bob");
    await input.fill("for bob only");
    await showView(page, "#dev");
    await holds(input, forDev, "the draft of #dev");
    await showView(page, "#lobby");
    await holds(input, "", "nothing in #lobby");
    await showView(page, "@bob");
    await holds(input, "for bob only", "the draft of @bob");
    await input.press("Enter");
    const sent = await bob.next("private");
    assert.equal(sent.text, "for bob only", "the first private message bob had");
    await holds(input, "", "nothing once sent");

    // Keys switch views too; a sent line recalled with Up leaves the draft typed before it.
    await input.fill("typed to bob, then Up");
    await input.press("ArrowUp");
    await holds(input, "for bob only", "the line sent, recalled");
    await page.keyboard.press("Alt+2");
    await looksAt(page, "#dev");
    await holds(input, forDev, "the draft of #dev");
    await page.keyboard.press("Alt+3");
    await looksAt(page, "@bob");
    await holds(input, "typed to bob, then Up", "the draft of @bob");

    // A line that shows another view leaves no draft behind, and brings that view's.
    await input.fill("/switch #dev");
    await input.press("Enter");
    await looksAt(page, "#dev");
    await holds(input, forDev, "the draft of #dev");
    await showView(page, "@bob");
    await holds(input, "", "nothing in @bob, the command gone");
    assert.equal(
      bob.all("private").length,
      1,
      `bob had: ${JSON.stringify(bob.all("private"))}`,
    );
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: a message too long is kept, saying how long it is, the limit and to share it as a file",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "ann");
    const input = page.locator("#message-input");
    // A traceback of 62 lines, over 4000 bytes.
    const traceback = [
      "Traceback (most recent call last):",
      ...Array.from(
        { length: 60 },
        (_, i) =>
          `  File "/srv/app/package/module${i}.py", line ${i + 10}, in handle_request_step_${i}`,
      ),
      "RuntimeError: the end",
    ].join("\n");
    const bytes = utf8Length(sanitizeText(traceback).trim());
    assert.ok(bytes > MAX_TEXT_BYTES, `${bytes} bytes`);
    await input.focus();
    await page.keyboard.insertText(traceback);
    await input.press("Enter");
    const refusal = await waitForLine(page, "error", "Cannot send message");
    const words =
      `Cannot send message: it is ${bytes} bytes, more than the ${MAX_TEXT_BYTES} a message may hold; share it as a file with the paperclip instead`;
    const shown = await refusal.textContent() ?? "";
    assert.ok(shown.endsWith(words), shown);
    assert.equal(await input.inputValue(), traceback, "the draft is kept");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: a line refused, by the page or by its server, is back in the box alike",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "ann");
    const input = page.locator("#message-input");
    const unknown =
      'Unknown command "/unknowncmd". Type /help for the list; start with // to send a line that begins with /';
    const refused: [line: string, error: string][] = [
      // A command of the page's own typed wrong, and a line the page refuses itself.
      ["/bell maybe", "Usage: /bell on|off|mentions"],
      ["/msg ann hi", "Cannot write to ann: that is you"],
      // Commands the server would refuse as typed: unknown, or typed wrong.
      ["/unknowncmd hi", unknown],
      ["/join #team chat", 'Cannot join "#team chat": a room name has no spaces; try #team-chat'],
      // A message the server refuses once sent comes back too.
      ["/msg nobody hi", 'Cannot send: nobody called "nobody" is on this chat'],
    ];
    for (const [index, [line, error]] of refused.entries()) {
      await input.fill(line);
      await input.press("Enter");
      await page.locator("#log .line.error").nth(index).waitFor();
      const said = await page.locator("#log .line.error").nth(index).textContent() ?? "";
      assert.ok(said.endsWith(error), `${line} said: ${said}`);
      await holds(input, line, `${line} back in the box`);
      await input.fill("");
    }
    assert.equal(await page.locator("#log .line.error").count(), refused.length, "errors shown");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

/** The words above the message box of a draft of `bytes` bytes, too long to send. */
function tooLongWords(bytes: number): string {
  return `Too long to send: it is ${bytes} bytes, more than the ${MAX_TEXT_BYTES} a message ` +
    "may hold; share it as a file with the paperclip instead";
}

testWith(
  ["chromium"],
  "web page: a draft too long to send says so as it is typed or pasted, and no more once it fits",
  async () => {
    await using server = await startWebServer();
    await using bob = await TestClient.join2(server.addr.port, "bob");
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "ann");
    await say(page, "/join #dev");
    await looksAt(page, "#dev");
    await say(page, "/switch #lobby");
    await looksAt(page, "#lobby");
    await page.locator("#attach").waitFor();
    const input = page.locator("#message-input");
    const warning = page.locator("#too-long");
    const invalid = () => input.getAttribute("aria-invalid");
    await input.pressSequentially("a short line");
    assert.equal(await warning.isHidden(), true, "a short line is too long");

    // Pasted past the limit: how long it is, the limit, and the paperclip, before Enter.
    const pasted = "word ".repeat(1000).trim();
    await input.fill("");
    await input.focus();
    await page.keyboard.insertText(pasted);
    await warning.filter({ hasText: exactly(tooLongWords(pasted.length)) }).waitFor();
    assert.equal(await invalid(), "true");
    assert.equal(await input.getAttribute("aria-describedby"), "too-long");
    await screenshot(page, "web-too-long.png");

    // Cut back until it fits: the warning goes.
    await input.fill(pasted.slice(0, MAX_TEXT_BYTES));
    await warning.waitFor({ state: "hidden" });
    assert.equal(await invalid(), null);

    // Typed past the limit, a key at a time, in bytes as the server counts them: "é" is two.
    await input.fill("x".repeat(MAX_TEXT_BYTES - 2));
    await input.press("End");
    await input.pressSequentially("é");
    assert.equal(await warning.isHidden(), true, `${MAX_TEXT_BYTES} bytes are too long`);
    await input.pressSequentially("y");
    await warning.filter({ hasText: exactly(tooLongWords(MAX_TEXT_BYTES + 1)) }).waitFor();

    // Sent all the same, it is refused as ever, the draft and the warning kept.
    await input.press("Enter");
    await waitForLine(page, "error", "Cannot send message");
    assert.equal(await warning.isVisible(), true, "the warning went with the refusal");
    await input.press("Backspace");
    await warning.waitFor({ state: "hidden" });

    // Too long in #lobby, it is no warning in #dev, whose draft is its own, and is back with it.
    await input.press("y");
    await warning.waitFor();
    await page.keyboard.press("Alt+2");
    await looksAt(page, "#dev");
    await warning.waitFor({ state: "hidden" });
    await page.keyboard.press("Alt+1");
    await looksAt(page, "#lobby");
    await warning.waitFor();
    await input.fill("");
    await warning.waitFor({ state: "hidden" });

    // A message of more lines than the server takes is as much too long, in fewer bytes.
    const rows = Array.from({ length: MAX_TEXT_LINES + 1 }, (_, i) => `row ${i}`).join("\n");
    await page.keyboard.insertText(rows);
    await warning.filter({
      hasText: exactly(
        `Too long to send: it has ${MAX_TEXT_LINES + 1} lines, more than ${MAX_TEXT_LINES}; ` +
          "share it as a file with the paperclip instead",
      ),
    }).waitFor();
    await input.fill(rows.slice(0, rows.lastIndexOf("\n")));
    await warning.waitFor({ state: "hidden" });
    await input.fill("");

    // What fits is sent, and the box and the warning are empty after it.
    const most = "z".repeat(MAX_TEXT_BYTES);
    await say(page, most);
    const sent = await bob.next("message", (frame) => frame.from === "ann");
    assert.equal(sent.text, most);
    assert.equal(await warning.isHidden(), true);

    // Counted as the server cleans the lines: a tab as the spaces it becomes, the spaces that end
    // a line not at all.
    await page.keyboard.insertText(`x${"\t".repeat(1100)}y`);
    await warning.filter({ hasText: exactly(tooLongWords(4401)) }).waitFor();
    await input.fill("");
    await warning.waitFor({ state: "hidden" });
    const spaced = `${"x".repeat(1990)}${" ".repeat(20)}\n${"x".repeat(1990)}`;
    await page.keyboard.insertText(spaced);
    assert.equal(await warning.isHidden(), true, "the spaces that end a line count");
    await input.press("Enter");
    const trimmed = await bob.next("message", (frame) => frame.from === "ann");
    assert.equal(trimmed.text, `${"x".repeat(1990)}\n${"x".repeat(1990)}`);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page on a touch screen: Enter makes a new line; the Send button, Ctrl+Enter and Cmd+Enter send",
  async () => {
    await using server = await startWebServer();
    const url = webUrl(server);
    await using bob = await TestClient.join2(server.addr.port, "bob");
    await using phone = await ChatBrowser.launch({
      viewport: { width: 390, height: 844 },
      mobile: true,
    });
    const page = await phone.openAs(url, "ann");
    const input = page.locator("#message-input");
    // The keyboard on the screen labels its key for what it does.
    assert.equal(await input.getAttribute("enterkeyhint"), "enter");
    await input.tap();
    await input.pressSequentially("first row");
    await input.press("Enter");
    await input.pressSequentially("second row");
    assert.equal(await input.inputValue(), "first row\nsecond row");
    await page.locator("#send").tap();
    const message = await bob.next("message", (frame) => frame.from === "ann");
    assert.equal(message.text, "first row\nsecond row");
    await holds(input, "", "nothing once sent");
    // A keyboard plugged into the tablet sends with Ctrl+Enter, or Cmd+Enter.
    for (const key of ["Control+Enter", "Meta+Enter"]) {
      await input.pressSequentially(`sent with ${key}`);
      await input.press(key);
      const sent = await bob.next("message", (frame) => frame.from === "ann");
      assert.equal(sent.text, `sent with ${key}`);
      await holds(input, "", `nothing once sent with ${key}`);
    }

    // With a mouse, Enter sends as ever, and so do Ctrl+Enter and Cmd+Enter.
    await using desk = await ChatBrowser.launch();
    const deskPage = await desk.openAs(url, "cy");
    assert.equal(await deskPage.locator("#message-input").getAttribute("enterkeyhint"), "send");
    await say(deskPage, "sent with Enter");
    await waitForLine(page, "message", "sent with Enter");
    for (const key of ["Control+Enter", "Meta+Enter"]) {
      await deskPage.locator("#message-input").fill(`desk ${key}`);
      await deskPage.locator("#message-input").press(key);
      await waitForLine(page, "message", `desk ${key}`);
    }
    assert.deepEqual(phone.unexpectedProblems(), []);
    assert.deepEqual(desk.unexpectedProblems(), []);
  },
);

testWith(["chromium"], "web page: /help keys lists the page's own keys", async () => {
  await using server = await startWebServer();
  await using browser = await ChatBrowser.launch();
  const page = await browser.openAs(webUrl(server), "ann");
  await say(page, "/help keys");
  await waitForLine(page, "notice", /Keys:$/);
  const rows = await page.locator("#log .line.help .usage").allInnerTexts();
  assert.deepEqual(rows.map((usage) => usage.trim()), PAGE_KEYS.map((key) => key.usage));
  for (const key of ["Shift+Enter", "Alt+1 … Alt+9", "Alt+Up, Alt+Down", "Escape"]) {
    assert.ok(rows.some((usage) => usage.trim() === key), `${key} in ${rows.join(" | ")}`);
  }
  assert.equal(await page.locator("#log .line", { hasText: "No command" }).count(), 0);
  // A topic that is no command's is an error, as an unknown command is.
  await say(page, "/help nosuch");
  await waitForLine(page, "error", "No command /nosuch; /help lists them");
});
