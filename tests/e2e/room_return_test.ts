/**
 * Coming back to a room: its last messages are replayed to whoever enters
 * it, but a person coming back sees only what they have not seen there, in
 * the terminal as on the page; and `/history` still shows what it was asked
 * for. A room left before the user looked at what came there shows it once
 * entered again; on the page, whose log of a room goes with it, a room
 * entered again shows its last messages as to a first-time visitor. The
 * real terminal client runs in tmux, the real page in Chromium, against a
 * real server; bob is a protocol client.
 */

import assert from "node:assert/strict";
import { startServer } from "../../server.ts";
import { LOOPBACK, TestClient } from "../_test_utils.ts";
import {
  ChatBrowser,
  exactly,
  logLine,
  say,
  startWebServer,
  WAIT_MS,
  waitForLine,
  webUrl,
} from "./_browser.ts";
import { countLines, said, TerminalUser } from "./_terminal_user.ts";
import { testWith } from "./_needs.ts";
import { Tmux, waitFor } from "./_tmux.ts";

/** Waits until bob's message `text` has come back to him: it is stored and sent to the room. */
async function bobSays(bob: TestClient, text: string, room?: string): Promise<void> {
  await bob.send(room === undefined ? { type: "say", text } : { type: "say", room, text });
  await bob.next("message", (frame) => frame.text === text);
}

testWith(
  ["tmux"],
  "chat join coming back to a room shows only what was said there meanwhile",
  async () => {
    await using server = await startServer({ hostname: LOOPBACK, port: 0 });
    const port = server.addr.port;
    const tmux = new Tmux("room-return");
    try {
      await using bob = await TestClient.join(port, "bob");
      await bobSays(bob, "before anyone left");
      const ann = await TerminalUser.join(tmux, "ann", port, { height: 40 });
      await ann.waitForLine(said("bob", "before anyone left"));

      // /join #dev keeps ann in #lobby too (protocol version 2): looking at #lobby
      // again shows what was said there meanwhile.
      await ann.enter("/join #dev");
      await ann.waitFor((screen) => screen.cursorLine === "#dev>", 'the "#dev> " prompt');
      await bobSays(bob, "said while ann was in #dev");
      await ann.waitFor(
        (screen) => screen.cursorLine === "#dev [#lobby 1!]>",
        'the "#dev [#lobby 1!]> " prompt',
      );
      await ann.enter("/join #lobby");
      await ann.waitFor((screen) => screen.cursorLine === "#lobby>", 'the "#lobby> " prompt');
      await ann.waitForLine(said("bob", "said while ann was in #dev"));

      // Out of #lobby and into it again: only what was said there meanwhile is replayed.
      await ann.enter("/part");
      await ann.waitFor((screen) => screen.cursorLine === "#dev>", 'the "#dev> " prompt');
      await bobSays(bob, "said while ann was out of #lobby");
      await ann.enter("/join #lobby");
      await ann.waitFor((screen) => screen.cursorLine === "#lobby>", 'the "#lobby> " prompt');
      await ann.waitForLine(said("bob", "said while ann was out of #lobby"));
      await bobSays(bob, "after ann came back");
      const screen = await ann.waitForLine(said("bob", "after ann came back"));
      for (
        const text of [
          "before anyone left",
          "said while ann was in #dev",
          "said while ann was out of #lobby",
        ]
      ) {
        assert.equal(countLines(screen, said("bob", text)), 1, `"${text}" once:\n${screen.text}`);
      }
      assert.equal(countLines(screen, /^-- You are in #lobby\./), 2, screen.text);

      // What /history is asked for, it shows, seen or not.
      await ann.enter("/history");
      const history = await ann.waitFor(
        (screen) => countLines(screen, said("bob", "after ann came back")) === 2,
        "bob's last message twice: live, then in the history",
      );
      assert.equal(countLines(history, said("bob", "before anyone left")), 2, history.text);
    } finally {
      await tmux.kill();
    }
  },
);

testWith(
  ["chromium"],
  "web page: coming back to a room shows only what was said meanwhile; /history shows all",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    await using bob = await TestClient.join(server.addr.port, "bob");
    await bobSays(bob, "before anyone left");
    const page = await browser.openAs(webUrl(server), "web-ann");
    await waitForLine(page, "message", "before anyone left");

    await page.locator("#join-input").fill("#dev");
    await page.locator("#join-input").press("Enter");
    await page.locator("#room-name", { hasText: exactly("#dev") }).waitFor();
    await bobSays(bob, "said while ann was in #dev");
    await page.locator("#rooms button", { hasText: "#lobby" }).click();
    await page.locator("#room-name", { hasText: exactly("#lobby") }).waitFor();
    await waitForLine(page, "message", "said while ann was in #dev");
    await bobSays(bob, "after ann came back");
    await waitForLine(page, "message", "after ann came back");
    for (const text of ["before anyone left", "said while ann was in #dev"]) {
      assert.equal(await logLine(page, "message", text).count(), 1, `"${text}" once`);
    }

    // What /history is asked for, it shows, seen or not.
    await say(page, "/history");
    await waitForLine(page, "notice", "The last 3 messages of #lobby:");
    for (
      const text of ["before anyone left", "said while ann was in #dev", "after ann came back"]
    ) {
      await waitFor(
        () => logLine(page, "message", text).count(),
        (count) => count === 2,
        WAIT_MS,
        (count) => `"${text}" twice, live and in the history; it is there ${count} times`,
      );
    }
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["tmux"],
  "chat join shows, once back in a room it left, what it had not looked at there yet",
  async () => {
    await using server = await startServer({ hostname: LOOPBACK, port: 0 });
    const port = server.addr.port;
    const tmux = new Tmux("room-unread");
    try {
      await using bob = await TestClient.join2(port, "bob", [{ room: "#room08" }]);
      const ann = await TerminalUser.join(tmux, "ann", port, { height: 40 });
      await ann.enter("/join #room08");
      await ann.waitFor((screen) => screen.cursorLine === "#room08>", 'the "#room08> " prompt');
      await bobSays(bob, "seen in #room08", "#room08");
      await ann.waitForLine(said("bob", "seen in #room08"));
      await ann.enter("/switch #lobby");
      await ann.waitFor((screen) => screen.cursorLine === "#lobby>", 'the "#lobby> " prompt');
      await bobSays(bob, "unread one", "#room08");
      await bobSays(bob, "unread two", "#room08");
      await ann.waitFor(
        (screen) => screen.cursorLine === "#lobby [#room08 2]>",
        'the "#lobby [#room08 2]> " prompt',
      );

      // Out of #room08 before looking, then in again: the two lines not looked at show.
      await ann.enter("/part #room08");
      await ann.waitForLine(/^-- You left #room08/);
      await bobSays(bob, "said while ann was out", "#room08");
      await ann.enter("/join #room08");
      await ann.waitFor((screen) => screen.cursorLine === "#room08>", 'the "#room08> " prompt');
      const screen = await ann.waitForLine(said("bob", "said while ann was out"));
      for (
        const text of ["seen in #room08", "unread one", "unread two", "said while ann was out"]
      ) {
        assert.equal(countLines(screen, said("bob", text)), 1, `"${text}" once:\n${screen.text}`);
      }
      const order = ["unread one", "unread two", "said while ann was out"].map((text) =>
        screen.lines.findIndex((line) => said("bob", text).test(line))
      );
      const back = screen.lines.findLastIndex((line) => line.startsWith("-- You are in #room08"));
      assert.ok(back < order[0]! && order[0]! < order[1]! && order[1]! < order[2]!, screen.text);
    } finally {
      await tmux.kill();
    }
  },
);

testWith(
  ["chromium"],
  "web page: a room left and joined again shows its last messages, as to a first-time visitor",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    await using bob = await TestClient.join2(server.addr.port, "bob", [{ room: "#room08" }]);
    const page = await browser.openAs(webUrl(server), "web-ann");
    await say(page, "/join #room08");
    await page.locator("#room-name", { hasText: exactly("#room08") }).waitFor();
    await bobSays(bob, "seen in #room08", "#room08");
    await waitForLine(page, "message", "seen in #room08");
    await page.locator("#rooms button", { hasText: "#lobby" }).click();
    await page.locator("#room-name", { hasText: exactly("#lobby") }).waitFor();
    await bobSays(bob, "not looked at", "#room08");

    // Left by its ×, then joined again: its log went with it, and comes back.
    await page.locator('#views .part-button[aria-label="Leave #room08"]').click();
    await page.locator("#views button", { hasText: "#room08" }).waitFor({ state: "detached" });
    await bobSays(bob, "said while ann was out", "#room08");
    await page.locator("button.rejoin").click();
    await page.locator("#room-name", { hasText: exactly("#room08") }).waitFor();
    await waitForLine(page, "message", "said while ann was out");
    for (const text of ["seen in #room08", "not looked at", "said while ann was out"]) {
      await waitForLine(page, "message", text);
      assert.equal(await logLine(page, "message", text).count(), 1, `"${text}" once`);
    }

    // And by /part and /join: the same.
    await say(page, "/part");
    await page.locator("#room-name", { hasText: exactly("#lobby") }).waitFor();
    await say(page, "/join #room08");
    await page.locator("#room-name", { hasText: exactly("#room08") }).waitFor();
    for (const text of ["seen in #room08", "not looked at", "said while ann was out"]) {
      await waitForLine(page, "message", text);
      assert.equal(await logLine(page, "message", text).count(), 1, `"${text}" once`);
    }
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);
