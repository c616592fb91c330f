/**
 * The terminal client coming back to a server that stood still (a process
 * stopped, a machine asleep). Such a server accepts connections it does not
 * read yet, then reads them all at once: a connection the client gave up on
 * may still reach it. A proxy between the real `chat join` (in tmux), or
 * the real page (in Chromium), and the server freezes, as the stopped server
 * did, and lets through, once thawed, what waited; the other person is a
 * protocol client on the server. The client must come back under its name
 * by itself, never asking for one, and leave no `hello` on a connection it
 * gave up on.
 */

import assert from "node:assert/strict";
import type { ServerFrame } from "../../protocol.ts";
import { startServer } from "../../server.ts";
import { FreezingProxy } from "../_freezing_proxy.ts";
import { LOOPBACK, TestClient, waitUntil } from "../_test_utils.ts";
import { TerminalUser } from "./_terminal_user.ts";
import { Tmux, TMUX_VERSION, waitFor } from "./_tmux.ts";
import { ChatBrowser, logLine, pageUrl, say, startWebServer, waitForLine } from "./_browser.ts";
import { CHROMIUM_MISSING } from "./_chromium.ts";

const IGNORED = TMUX_VERSION === undefined ? " (ignored: tmux is not installed)" : "";

/** The resume token of the last `welcome` in `replies`, what a server sent, as text. */
function lastToken(replies: string): string {
  const tokens = [...replies.matchAll(/"type":"welcome".*?"resume":"([^"]+)"/g)];
  const token = tokens.at(-1)?.[1];
  assert.ok(token !== undefined, `a welcome with a resume token in ${replies}`);
  return token;
}

/** Whether the terminal's `text` asks for a name, or told that the name is taken. */
function asksName(text: string): boolean {
  return text.includes("Your name") || text.includes("Pick another name");
}

/** Whether `frame` tells that `name` joined or left a room. */
function comingOrGoing(frame: ServerFrame, name: string): boolean {
  return (frame.type === "joined" || frame.type === "left") && frame.name === name;
}

Deno.test({
  name:
    `chat join takes its name back by itself when a connection it gave up on got in with its token${IGNORED}`,
  ignore: TMUX_VERSION === undefined,
  async fn() {
    await using server = await startServer({ hostname: LOOPBACK, port: 0 });
    await using proxy = new FreezingProxy(server.addr.port);
    await using bob = await TestClient.join2(server.addr.port, "bob");
    const tmux = new Tmux("name-held");
    try {
      const carol = await TerminalUser.join(tmux, "carol", proxy.port);
      const token = lastToken(proxy.replies);
      // The server stands still; the client gives its connection up, which the server sees end.
      proxy.freeze();
      proxy.cut();
      await bob.next("left", (frame) => frame.name === "carol");
      // A connection of the client's that it gave up on, with the token of its last welcome,
      // reaches the server before the one the client waits on: it takes the name.
      const stale = await TestClient.connect(server.addr.port);
      try {
        await stale.send({ type: "hello", version: 2, name: "carol", resume: token });
        await stale.next("welcome");
        await waitUntil(() => proxy.accepted >= 2, 10_000, "carol to connect again");
        proxy.thaw();
        // No name question: the client says what keeps it out, and tries again.
        const held = await carol.waitFor(
          (screen) =>
            /^!! Cannot take carol back yet: /m.test(screen.text) || asksName(screen.text),
          "carol to say why she is not back, or to ask for a name",
        );
        assert.ok(!asksName(held.text), held.text);
      } finally {
        // The server sees that connection end, and lets the name go.
        await stale[Symbol.asyncDispose]();
      }
      const back = await carol.waitForLine(/^-- Reconnected as carol$/, 20_000);
      assert.ok(!asksName(back.text), back.text);
      await carol.waitFor((screen) => screen.cursorLine === "#lobby>", 'an empty "#lobby>" line');
      await carol.enter("back again");
      await bob.next("message", (frame) => frame.from === "carol" && frame.text === "back again");
    } finally {
      await tmux.kill();
    }
  },
});

Deno.test({
  name:
    `chat join leaves no hello on a connection it gave up on while the server stood still${IGNORED}`,
  ignore: TMUX_VERSION === undefined,
  async fn() {
    await using server = await startServer({ hostname: LOOPBACK, port: 0 });
    await using proxy = new FreezingProxy(server.addr.port);
    await using bob = await TestClient.join2(server.addr.port, "bob");
    const tmux = new Tmux("stood-still");
    try {
      const carol = await TerminalUser.join(tmux, "carol", proxy.port);
      await bob.next("joined", (frame) => frame.name === "carol");
      const mark = bob.frames.length;
      // The server stands still; the client's connection ends, and the one it opens next is
      // accepted but not answered: after a while the client gives it up and opens another.
      proxy.freeze();
      proxy.cut();
      await waitUntil(() => proxy.accepted >= 3, 40_000, "carol to give a connection up");
      proxy.thaw();
      await carol.waitForLine(/^-- Reconnected as carol$/, 15_000);
      await bob.sync();
      const [, givenUp, last] = proxy.sent;
      assert.doesNotMatch(givenUp!, /"type":"hello"/, "the connection given up on says no hello");
      assert.match(last!, /"type":"hello"/);
      // The room saw the connection end, and carol come back: nothing of the one given up on.
      const seen = bob.frames.slice(mark).filter((frame) => comingOrGoing(frame, "carol"));
      assert.deepEqual(seen.map((frame) => frame.type), ["left", "joined"]);
      assert.ok(!asksName((await carol.screen()).text));
    } finally {
      await tmux.kill();
    }
  },
});

Deno.test({
  name: `web page: takes its name back by itself, however long a connection it gave up on holds it${
    CHROMIUM_MISSING === undefined ? "" : ` (ignored: ${CHROMIUM_MISSING})`
  }`,
  ignore: CHROMIUM_MISSING !== undefined,
  async fn() {
    await using server = await startWebServer();
    await using proxy = new FreezingProxy(server.webAddr!.port);
    await using bob = await TestClient.join2(server.addr.port, "bob");
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(pageUrl(proxy.port), "web-carol");
    const token = lastToken(proxy.replies);
    proxy.freeze();
    proxy.cut();
    await bob.next("left", (frame) => frame.name === "web-carol");
    const stale = await TestClient.connect(server.addr.port);
    try {
      await stale.send({ type: "hello", version: 2, name: "web-carol", resume: token });
      await stale.next("welcome");
      const before = proxy.accepted;
      await waitUntil(() => proxy.accepted > before, 15_000, "the page to connect again");
      proxy.thaw();
      // Refused again and again while that connection lasts, past any few quick tries, the
      // page says why and tries again later: it never asks for a name.
      const held = logLine(page, "error", "Cannot take web-carol back yet");
      const nameForm = page.locator("#name-screen");
      // Three refusals said in the log, or the name form.
      await waitFor(
        async () => ({ held: await held.count(), asked: await nameForm.isVisible() }),
        (seen) => seen.held >= 3 || seen.asked,
        20_000,
        (seen) => `three refusals or the name form, not ${JSON.stringify(seen)}`,
      );
      assert.equal(await nameForm.isHidden(), true, "the page asks for a name");
      assert.equal(await held.count(), await logLine(page, "error", /./).count());
    } finally {
      await stale[Symbol.asyncDispose]();
    }
    await waitForLine(page, "notice", "Reconnected as web-carol", 20_000);
    assert.equal(await page.locator("#name-screen").isHidden(), true, "the page asks for a name");
    // The link was lost once; what kept the page out after that was a refusal, said as such.
    assert.equal(await logLine(page, "notice", "The connection to the server was lost").count(), 1);
    await say(page, "back again");
    await bob.next("message", (frame) => frame.from === "web-carol" && frame.text === "back again");
    assert.deepEqual(
      browser.unexpectedProblems([/^console error: WebSocket connection to .* failed/]),
      [],
    );
  },
});

Deno.test({
  name:
    `chat join left while it comes back to a server that stands still exits 0, saying no error${IGNORED}`,
  ignore: TMUX_VERSION === undefined,
  async fn() {
    await using server = await startServer({ hostname: LOOPBACK, port: 0 });
    await using proxy = new FreezingProxy(server.addr.port);
    const tmux = new Tmux("left-frozen");
    try {
      const carol = await TerminalUser.join(tmux, "carol", proxy.port);
      proxy.freeze();
      await carol.enter("into the void");
      // Ctrl-C at once: the line is not answered, however young; the client says so.
      await carol.press("C-c");
      await carol.waitForLine(
        /^-- 1 line is not confirmed by the server yet; press Ctrl-C again to leave anyway$/,
      );
      await carol.waitForLine(/^-- Connection lost\. Reconnecting in \d+ s…$/, 20_000);
      // Coming back, on a connection the frozen server took but does not answer.
      await waitUntil(() => proxy.accepted >= 2, 10_000, "carol to connect again");
      // Asked already: Ctrl-C again leaves (a second one would reach the shell after it).
      await carol.press("C-c");
      const gone = await carol.waitForLine(/^EXIT=\d+$/, 15_000);
      assert.equal(exitStatus(gone.text), 0, gone.text);
      assert.doesNotMatch(gone.text, /^chat: /m, "no error said");
    } finally {
      await tmux.kill();
    }
  },
});

/** The exit status the pane shows. */
function exitStatus(text: string): number {
  return Number(/^EXIT=(\d+)$/m.exec(text)?.[1]);
}
