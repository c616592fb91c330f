/**
 * Lines typed into a link that died without a word. A proxy between the
 * client and the server freezes (a partition: nothing passes, nothing is
 * closed), two lines are typed 2 s into it, and the client must show them
 * as waiting, notice the dead link within seconds rather than at the
 * heartbeat, come back once the proxy forwards again, and deliver each line
 * exactly once, in order: whether what waited in the partition reaches the
 * server after all (the terminal test) or is lost with the connection (the
 * page's). The real terminal client runs in tmux, the real page in Chromium;
 * the other person is a protocol client on the server.
 */

import assert from "node:assert/strict";
import { startServer } from "../../server.ts";
import { FreezingProxy } from "../_freezing_proxy.ts";
import { LOOPBACK, TestClient, waitUntil } from "../_test_utils.ts";
import { joinCommand, ROOT, type Screen, Tmux, TMUX_VERSION, waitFor } from "./_tmux.ts";
import { ChatBrowser, logLine, pageUrl, say, startWebServer, waitForLine } from "./_browser.ts";
import { CHROMIUM_MISSING } from "./_chromium.ts";

const STAMP = String.raw`\[\d\d:\d\d:\d\d\]`;

/** How far into the partition the lines are typed, as in the report of the problem. */
const INTO_THE_PARTITION_MS = 2_000;

/** How long the client may take to notice the dead link, from the last line typed. */
const NOTICE_WITHIN_MS = 15_000;

/** A line that is a chat message: stamp, then `from: text`, and nothing else. */
function messageLine(from: string, text: string): RegExp {
  return new RegExp(`^${STAMP} ${from}: ${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
}

function count(screen: Screen, pattern: RegExp): number {
  return screen.lines.filter((line) => pattern.test(line)).length;
}

/** Lets `ms` of the partition go by: part of the scenario, not a wait for anything. */
function partitionLasts(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What `watcher` got from `from`, as `message: TEXT` and `private: TEXT`, in order. */
function heardFrom(watcher: TestClient, from: string): string[] {
  return watcher.frames.flatMap((frame) =>
    (frame.type === "message" || frame.type === "private") && frame.from === from
      ? [`${frame.type}: ${frame.text}`]
      : []
  );
}

/** Waits until `watcher` has each of `expected` (see `heardFrom`), then checks each came once, in order. */
async function assertDeliveredOnce(watcher: TestClient, from: string, expected: string[]) {
  await waitUntil(
    () => expected.every((entry) => heardFrom(watcher, from).includes(entry)),
    30_000,
    `${JSON.stringify(expected)} from ${from}`,
  );
  await watcher.sync();
  assert.deepEqual(heardFrom(watcher, from), expected, "each once, in order");
}

Deno.test({
  name:
    `chat join: lines typed into a partition wait, the dead link is noticed, and each line arrives once${
      TMUX_VERSION === undefined ? " (ignored: tmux is not installed)" : ""
    }`,
  ignore: TMUX_VERSION === undefined,
  async fn(t) {
    await using server = await startServer({ hostname: LOOPBACK, port: 0 });
    await using proxy = new FreezingProxy(server.addr.port);
    await using bob = await TestClient.join(server.addr.port, "bob");
    const tmux = new Tmux("partition");
    try {
      await tmux.newSession("alice", joinCommand(proxy.port, "--name", "alice"), { cwd: ROOT });
      await tmux.waitForScreen(
        "alice",
        (screen) =>
          /Connected to .+ as alice\./.test(screen.text) && screen.cursorLine === "#lobby>",
        10_000,
        "alice to be connected through the proxy",
      );
      await tmux.type("alice", "before");
      await tmux.press("alice", "Enter");
      await bob.next("message", (frame) => frame.from === "alice" && frame.text === "before");

      let typed = 0;
      await t.step("two lines typed 2 s into a partition are shown as unsent", async () => {
        proxy.freeze();
        await partitionLasts(INTO_THE_PARTITION_MS);
        // A room message, which a replay would show, and a private one, which none does.
        for (const text of ["one", "/msg bob two"]) {
          await tmux.type("alice", text);
          await tmux.press("alice", "Enter");
        }
        typed = performance.now();
        await tmux.waitForScreen(
          "alice",
          (screen) => screen.cursorLine === "#lobby (2 unsent)>",
          5_000,
          'the prompt "#lobby (2 unsent)> "',
        );
      });

      await t.step("the dead link is noticed within seconds", async () => {
        await tmux.waitForScreen(
          "alice",
          (screen) =>
            /Connection lost\. Reconnecting in \d+ s/.test(screen.text) &&
            screen.cursorLine === "(offline) #lobby (2 unsent)>",
          NOTICE_WITHIN_MS,
          "the client to notice the dead link",
        );
        const noticed = performance.now() - typed;
        console.log(
          `The terminal client noticed the dead link ${(noticed / 1000).toFixed(1)} s ` +
            "after the last line was typed",
        );
        assert.ok(noticed < NOTICE_WITHIN_MS);
      });

      await t.step("a line typed while offline says it will be sent", async () => {
        await tmux.type("alice", "three");
        await tmux.press("alice", "Enter");
        await tmux.waitForScreen(
          "alice",
          (screen) =>
            screen.text.includes("Not connected: this will be sent when the connection is back") &&
            screen.cursorLine === "(offline) #lobby (3 unsent)>",
          5_000,
          "the offline notice and three unsent lines",
        );
        // Nothing got through meanwhile.
        await bob.sync();
        assert.deepEqual(heardFrom(bob, "alice"), ["message: before"]);
      });

      await t.step("once the link forwards again, each line arrives once, in order", async () => {
        // What waited in the partition reaches the server too, as TCP delivers it once the
        // partition heals: the lines sent again must not be posted twice.
        proxy.thaw();
        await assertDeliveredOnce(bob, "alice", [
          "message: before",
          "message: one",
          "private: two",
          "message: three",
        ]);
        const lines = [
          messageLine("alice", "before"),
          messageLine("alice", "one"),
          new RegExp(`^${STAMP} \\[private\\] you → bob: two$`),
          messageLine("alice", "three"),
        ];
        const screen = await tmux.waitForScreen(
          "alice",
          (screen) =>
            screen.text.includes("Reconnected as alice") && screen.cursorLine === "#lobby>" &&
            lines.every((line) => count(screen, line) >= 1),
          15_000,
          "alice back, with her three lines and nothing unsent",
        );
        for (const line of lines) {
          assert.equal(count(screen, line), 1, `${line.source} once:\n${screen.text}`);
        }
        assert.ok(proxy.accepted >= 2, "the client came back through the proxy");
      });
    } finally {
      await tmux.kill();
    }
  },
});

Deno.test({
  name:
    `web page: lines typed into a partition show as sending, the dead link is noticed, and each arrives once${
      CHROMIUM_MISSING === undefined ? "" : ` (ignored: ${CHROMIUM_MISSING})`
    }`,
  ignore: CHROMIUM_MISSING !== undefined,
  async fn(t) {
    await using server = await startWebServer();
    await using proxy = new FreezingProxy(server.webAddr!.port);
    await using bob = await TestClient.join(server.addr.port, "bob");
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(pageUrl(proxy.port), "web-ann");
    await say(page, "before");
    await bob.next("message", (frame) => frame.from === "web-ann" && frame.text === "before");
    await waitForLine(page, "message", "before");

    let typed = 0;
    await t.step("two lines typed 2 s into a partition show as sending", async () => {
      proxy.freeze();
      await partitionLasts(INTO_THE_PARTITION_MS);
      await say(page, "one");
      await say(page, "two");
      typed = performance.now();
      for (const text of ["one", "two"]) {
        const line = await waitForLine(page, "pending", text);
        assert.match(await line.textContent() ?? "", /sending…/);
      }
      assert.equal(await logLine(page, "message", /^.*(one|two)$/).count(), 0);
    });

    await t.step("the dead link is noticed within seconds", async () => {
      await waitForLine(page, "notice", "The connection to the server was lost", NOTICE_WITHIN_MS);
      const noticed = performance.now() - typed;
      console.log(
        `The page noticed the dead link ${(noticed / 1000).toFixed(1)} s ` +
          "after the last line was typed",
      );
      assert.ok(noticed < NOTICE_WITHIN_MS);
      // Still waiting, still shown.
      assert.equal(await logLine(page, "pending", /one|two/).count(), 2);
    });

    await t.step("once the link forwards again, each line arrives once, in order", async () => {
      // The partition outlasted the connection: what waited in it is lost, and only the
      // page's sending it again gets it through.
      proxy.cut();
      proxy.thaw();
      await assertDeliveredOnce(bob, "web-ann", [
        "message: before",
        "message: one",
        "message: two",
      ]);
      // Both may still show as being sent as bob hears them: the page hears the server next.
      await waitFor(
        () => page.locator("#log .line.pending").count(),
        (pending) => pending === 0,
        15_000,
        (pending) => `the page to hear the server has its lines; ${pending} still being sent`,
      );
      for (const text of ["one", "two"]) {
        await waitForLine(page, "message", text);
        assert.equal(await logLine(page, "message", text).count(), 1, `"${text}" once`);
      }
      // In the order typed, after what came before.
      const texts = await page.locator("#log .line.message .text").allTextContents();
      assert.deepEqual(texts.filter((text) => ["before", "one", "two"].includes(text)), [
        "before",
        "one",
        "two",
      ]);
    });
    // While the link was down the page's attempts may fail, as they should.
    assert.deepEqual(
      browser.unexpectedProblems([/^console error: WebSocket connection to .* failed/]),
      [],
    );
  },
});
