/**
 * Lines typed into a link that died without a word. A proxy between the
 * client and the server freezes (a partition: nothing passes, nothing is
 * closed), two lines are typed 2 s into it, and the client must show them
 * as waiting, notice the dead link within seconds rather than at the
 * heartbeat, come back once the proxy forwards again, and deliver each line
 * exactly once, in order. The real terminal client runs in tmux; the other
 * person is a protocol client on the server.
 */

import assert from "node:assert/strict";
import { startServer } from "../../server.ts";
import { FreezingProxy } from "../_freezing_proxy.ts";
import { LOOPBACK, TestClient, waitUntil } from "../_test_utils.ts";
import { joinCommand, ROOT, type Screen, Tmux, TMUX_VERSION } from "./_tmux.ts";

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

/** Waits until `watcher` has each of `texts` from `from`, then checks each came once, in order. */
async function assertDeliveredOnce(watcher: TestClient, from: string, texts: string[]) {
  const said = () =>
    watcher.all("message").filter((frame) => frame.from === from).map((frame) => frame.text);
  await waitUntil(
    () => texts.every((text) => said().includes(text)),
    30_000,
    `${JSON.stringify(texts)} from ${from}`,
  );
  await watcher.sync();
  assert.deepEqual(said().filter((text) => texts.includes(text)), texts, "each once, in order");
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
        for (const text of ["one", "two"]) {
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
        assert.deepEqual(
          bob.all("message").filter((frame) => frame.from === "alice").map((frame) => frame.text),
          ["before"],
        );
      });

      await t.step("once the link forwards again, each line arrives once, in order", async () => {
        proxy.thaw();
        await assertDeliveredOnce(bob, "alice", ["before", "one", "two", "three"]);
        const screen = await tmux.waitForScreen(
          "alice",
          (screen) =>
            screen.text.includes("Reconnected as alice") && screen.cursorLine === "#lobby>" &&
            ["one", "two", "three"].every((text) => count(screen, messageLine("alice", text)) >= 1),
          15_000,
          "alice back, with her three lines and nothing unsent",
        );
        for (const text of ["before", "one", "two", "three"]) {
          assert.equal(
            count(screen, messageLine("alice", text)),
            1,
            `"${text}" once:\n${screen.text}`,
          );
        }
        assert.ok(proxy.accepted >= 2, "the client came back through the proxy");
      });
    } finally {
      await tmux.kill();
    }
  },
});
