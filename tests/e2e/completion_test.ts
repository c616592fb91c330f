/**
 * Tab completes only the names of people who are here now: never one picked
 * up from replayed history (ci2 posted and left) or an old name (bob, now
 * robert); after `/msg`, also someone known to be connected in another room
 * (dave, who went to #dev). The real terminal client runs in tmux and the
 * real page in Chromium, against a real server; the others are protocol
 * clients.
 */

import assert from "node:assert/strict";
import { type ChatServer, startServer } from "../../server.ts";
import { LOOPBACK, TestClient } from "../_test_utils.ts";
import { ChatBrowser, startWebServer, waitForLine, webUrl } from "./_browser.ts";
import type { Page } from "./_playwright.ts";
import { testWith } from "./_needs.ts";
import { countLines, TerminalUser } from "./_terminal_user.ts";
import { Tmux } from "./_tmux.ts";

/** What each line typed reads after one Tab: unchanged where nobody here fits. */
const CASES: [typed: string, completed: string][] = [
  ["/msg ci", "/msg ci"],
  ["/msg bo", "/msg bo"],
  ["ci", "ci"],
  ["bo", "bo"],
  ["/msg rob", "/msg robert "],
  ["rob", "robert: "],
  ["/msg da", "/msg dave "],
  ["da", "da"],
];

/**
 * Before the user joins: ci2 posts and leaves, bob posts and becomes robert,
 * dave waits in #lobby. Returns robert and dave, still connected.
 */
async function history(server: ChatServer): Promise<TestClient[]> {
  const port = server.addr.port;
  {
    await using ci2 = await TestClient.join(port, "ci2");
    await ci2.say("build 42 passed");
    await ci2.next("message");
  }
  const bob = await TestClient.join(port, "bob");
  await bob.say("lunch at noon?");
  await bob.next("message");
  await bob.send({ type: "nick", name: "robert" });
  await bob.next("renamed");
  return [bob, await TestClient.join(port, "dave")];
}

/** Sends dave to #dev, and waits until robert has seen him go. */
async function daveLeaves(dave: TestClient, robert: TestClient): Promise<void> {
  await dave.send({ type: "join", room: "#dev" });
  await robert.next("left", (frame) => frame.name === "dave");
}

/**
 * Types `typed` at ann's empty `#lobby>` line, presses Tab, and waits for it to read `completed`.
 *
 * An X typed after the Tab shows where the Tab left the line. The Tab must be read apart from
 * the keys around it: read together, they are a paste, and readline takes a Tab in a paste as a
 * character. Where the Tab changes the line, the X waits for that change. Where it does not,
 * nothing shows that the Tab was read, and the kernel may still hand it to the client in one read
 * with the X after the input queue looked empty: a Tab drawn as spaces before the X is that, and
 * the line is typed again (three times at most; a Tab that is always a character still fails).
 */
async function tabCompletes(ann: TerminalUser, typed: string, completed: string): Promise<void> {
  const line = `#lobby> ${completed}`;
  for (let attempt = 1;; attempt++) {
    await ann.type(typed);
    await ann.tmux.waitForInputRead(ann.session);
    await ann.press("Tab");
    if (completed !== typed) {
      await ann.waitFor(
        (screen) => screen.cursorLine === line.trimEnd() && screen.cursor.x === line.length,
        `"${typed}" and Tab to read "${completed}"`,
      );
    } else {
      await ann.tmux.waitForInputRead(ann.session);
    }
    await ann.tmux.type(ann.session, "X");
    const screen = await ann.waitFor(
      (screen) => screen.cursorLine.endsWith("X"),
      `the X typed after "${typed}" and Tab`,
    );
    await ann.clearInput();
    const readWithTheX = new RegExp(`^#lobby> ${RegExp.escape(typed)} +X$`);
    if (completed === typed && readWithTheX.test(screen.cursorLine) && attempt < 3) continue;
    assert.equal(screen.cursorLine, `${line}X`, `"${typed}" and Tab`);
    return;
  }
}

testWith(["tmux"], "chat join: Tab completes only who is here now", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const [robert, dave] = await history(server);
  await using _robert = robert!;
  await using _dave = dave!;
  const tmux = new Tmux("completion");
  try {
    const ann = await TerminalUser.join(tmux, "ann", server.addr.port);
    await ann.waitForLine(/ ci2: build 42 passed$/);
    await ann.waitForLine(/ bob: lunch at noon\?$/);
    await daveLeaves(dave!, robert!);
    await ann.waitForLine(/ dave left #lobby \(went to #dev\)$/);
    for (const [typed, completed] of CASES) await tabCompletes(ann, typed, completed);
  } finally {
    await tmux.kill();
  }
});

testWith(
  ["tmux"],
  "chat join: Tab after /join knows the server's rooms, and offers no name",
  async () => {
    await using server = await startServer({ hostname: LOOPBACK, port: 0 });
    const port = server.addr.port;
    // #dev is made before ann comes; dave waits in #lobby, a name Tab could offer.
    await using bob = await TestClient.join(port, "bob");
    await bob.send({ type: "join", room: "#dev" });
    await bob.next("room", (frame) => frame.room === "#dev");
    await using _dave = await TestClient.join(port, "dave");
    const tmux = new Tmux("completion-rooms");
    try {
      const ann = await TerminalUser.join(tmux, "ann", port);
      // Answered in order: once /who is, so is what the client asked for as it was welcomed.
      await ann.enter("/who");
      await ann.waitForLine(/dave/);
      const tab = (typed: string, completed: string) => tabCompletes(ann, typed, completed);
      await tab("/join #d", "/join #dev ");
      await tab("/join #dev ", "/join #dev ");
      await tab("/j #lobby d", "/j #lobby d");
      // Nothing of it was printed: the list shows only when asked for.
      assert.equal(countLines(await ann.screen(), /#dev/), 0);
    } finally {
      await tmux.kill();
    }
  },
);

/** Types `typed` into the message box, presses Tab and returns what the box holds. */
async function tab(page: Page, typed: string): Promise<string> {
  const input = page.locator("#message-input");
  await input.fill(typed);
  await input.press("Tab");
  return await input.inputValue();
}

testWith(["chromium"], "web page: Tab completes only who is here now", async () => {
  await using server = await startWebServer();
  const [robert, dave] = await history(server);
  await using _robert = robert!;
  await using _dave = dave!;
  await using browser = await ChatBrowser.launch();
  const page = await browser.openAs(webUrl(server), "web-ann");
  await waitForLine(page, "message", "build 42 passed");
  await waitForLine(page, "message", "lunch at noon?");
  await daveLeaves(dave!, robert!);
  await waitForLine(page, "notice", "dave left #lobby (went to #dev)");
  for (const [typed, completed] of CASES) {
    assert.equal(await tab(page, typed), completed, `"${typed}" and Tab`);
  }
  assert.deepEqual(browser.unexpectedProblems(), []);
});

testWith(
  ["chromium"],
  "web page: Tab after /join knows the server's rooms, and offers no name",
  async () => {
    await using server = await startWebServer();
    const port = server.addr.port;
    await using bob = await TestClient.join(port, "bob");
    await bob.send({ type: "join", room: "#dev" });
    await bob.next("room", (frame) => frame.room === "#dev");
    await using _dave = await TestClient.join(port, "dave");
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "web-ann");
    const listed = (room: string) =>
      page.locator("#rooms li button", { hasText: room }).waitFor({ state: "attached" });
    await listed("#dev");
    assert.equal(await tab(page, "/join #d"), "/join #dev ");
    // Typed, not completed: a Tab would only go round the rooms just offered.
    assert.equal(await tab(page, "/join #lobby "), "/join #lobby ");
    // A room made since, out of the page's sight, is asked for as a /join is typed.
    await bob.send({ type: "join", room: "#ops" });
    await bob.next("room", (frame) => frame.room === "#ops");
    await page.locator("#message-input").fill("/join ");
    await listed("#ops");
    assert.equal(await tab(page, "/join #o"), "/join #ops ");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);
