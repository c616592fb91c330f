/**
 * A name changed with `/nick` is the name a client comes back under: after a
 * restart of the real `chat serve`, and after only its own connection was
 * cut (a proxy between it and the server closes it, both ends). The real
 * terminal client runs in tmux, the real page in Chromium; the watcher who
 * checks who is there is a protocol client.
 */

import assert from "node:assert/strict";
import { ChatProcess } from "../_chat_process.ts";
import { FreezingProxy } from "../_freezing_proxy.ts";
import { freePort, LOOPBACK, TestClient } from "../_test_utils.ts";
import { ChatBrowser, joinAs, pageUrl, say, waitForLine, waitForStatus } from "./_browser.ts";
import { testWith } from "./_needs.ts";
import { TerminalUser } from "./_terminal_user.ts";
import { Tmux } from "./_tmux.ts";

/** `chat serve` on loopback `port`, with the page on `webPort` if given, keeping nothing. */
async function serve(port: number, webPort?: number): Promise<ChatProcess> {
  const web = webPort === undefined ? ["--no-web"] : ["--web-port", String(webPort)];
  const server = new ChatProcess(
    ["serve", "--host", LOOPBACK, "--port", String(port), ...web, "--memory"],
    { stdin: "null" },
  );
  try {
    await server.waitForStdout(/^Press Ctrl-C to stop\.$/m);
  } catch (error) {
    await server[Symbol.asyncDispose]();
    throw error;
  }
  return server;
}

/** Who is in #lobby, as a newcomer called `name` is told on `port`. */
async function lobby(port: number, name: string): Promise<string[]> {
  await using watcher = await TestClient.join(port, name);
  return watcher.all("room")[0]!.members;
}

/** Waits until the terminal user, renamed from carol, is back, and says under which name. */
async function cameBackAs(carol: TerminalUser): Promise<string> {
  const screen = await carol.waitFor(
    (screen) => /Reconnected as \S+/.test(screen.text),
    'the "Reconnected as" notice',
    20_000,
  );
  return /Reconnected as (\S+)/.exec(screen.text)![1]!;
}

testWith(["tmux"], "chat join comes back under the name /nick gave it", async (t) => {
  const port = freePort();
  const tmux = new Tmux("rename");
  let server: ChatProcess | undefined = await serve(port);
  try {
    await t.step("after the server restarts", async () => {
      const carol = await TerminalUser.join(tmux, "carol", port);
      await carol.enter("/nick caroline");
      await carol.waitForLine(/ You are now caroline$/);
      await server!.stop();
      server = await serve(port);
      assert.equal(await cameBackAs(carol), "caroline");
      const here = await lobby(port, "watcher");
      assert.ok(here.includes("caroline") && !here.includes("carol"), `in #lobby: ${here}`);
    });

    await t.step("after only its own connection was cut", async () => {
      await using proxy = new FreezingProxy(port);
      const dave = await TerminalUser.join(tmux, "dave", proxy.port);
      await dave.enter("/nick david");
      await dave.waitForLine(/ You are now david$/);
      proxy.cut();
      const screen = await dave.waitFor(
        (screen) => /Reconnected as \S+/.test(screen.text),
        'the "Reconnected as" notice',
        20_000,
      );
      assert.match(screen.text, /Reconnected as david$/m);
      const here = await lobby(port, "watcher2");
      assert.ok(here.includes("david") && !here.includes("dave"), `in #lobby: ${here}`);
    });
  } finally {
    await tmux.kill();
    if (server !== undefined) await server[Symbol.asyncDispose]();
  }
});

testWith(["chromium"], "web page: comes back under the name /nick gave it", async (t) => {
  const port = freePort();
  const webPort = freePort();
  let server: ChatProcess | undefined = await serve(port, webPort);
  try {
    await using browser = await ChatBrowser.launch();

    await t.step("after the server restarts", async () => {
      const page = await browser.open(pageUrl(webPort));
      await joinAs(page, "carol");
      await say(page, "/nick caroline");
      await waitForLine(page, "notice", "You are now caroline");
      await server!.stop();
      await waitForStatus(page, /^Reconnecting in \d+ s$/);
      server = await serve(port, webPort);
      await waitForStatus(page, "Connected", 10_000);
      assert.equal(await page.locator("#me-name").textContent(), "caroline");
      const here = await lobby(port, "watcher");
      assert.ok(here.includes("caroline") && !here.includes("carol"), `in #lobby: ${here}`);
      await page.close();
    });

    await t.step("after only its own connection was cut", async () => {
      await using proxy = new FreezingProxy(webPort);
      const page = await browser.open(pageUrl(proxy.port));
      await joinAs(page, "dave");
      await say(page, "/nick david");
      await waitForLine(page, "notice", "You are now david");
      proxy.cut();
      await waitForStatus(page, /^Reconnecting in \d+ s$/);
      await waitForStatus(page, "Connected", 10_000);
      assert.equal(await page.locator("#me-name").textContent(), "david");
      const here = await lobby(port, "watcher2");
      assert.ok(here.includes("david") && !here.includes("dave"), `in #lobby: ${here}`);
    });
    // While the server was away the page's attempts may fail, as they should.
    assert.deepEqual(
      browser.unexpectedProblems([/^console error: WebSocket connection to .* failed/]),
      [],
    );
  } finally {
    if (server !== undefined) await server[Symbol.asyncDispose]();
  }
});
