/**
 * `chat join` and the web page fail over to another server of a cluster.
 * A real nats-server links three real `chat serve --cluster` processes; a
 * person talks on the terminal client in tmux, or on the page in Chromium,
 * their server is killed with SIGKILL, and the client must land on another
 * server under the same name, in the same rooms, show what was said
 * meanwhile exactly once, and talk on. The other person is a protocol
 * client on another server.
 */

import assert from "node:assert/strict";
import { type FrameOf, TestClient } from "../_test_utils.ts";
import { NATS_MISSING, TestCluster, WebCluster, type WebClusterMember } from "../_nats.ts";
import { testWith } from "./_needs.ts";
import { countLines, literal, said, TerminalUser } from "./_terminal_user.ts";
import { joinCommand, ROOT, shellQuote, Tmux } from "./_tmux.ts";
import {
  ChatBrowser,
  joinAs,
  logLine,
  pageUrl,
  say,
  waitForLine,
  waitForStatus,
} from "./_browser.ts";

/** Registers a test that drives `programs` and a cluster: ignored, saying why, without nats-server. */
function clusterTest(
  programs: Parameters<typeof testWith>[0],
  name: string,
  fn: () => Promise<void>,
): void {
  if (NATS_MISSING === undefined) return testWith(programs, name, fn);
  Deno.test({ name: `${name} (ignored: ${NATS_MISSING})`, ignore: true, fn });
}

/**
 * Waits until a `welcome` on chat port `port` names `count` other servers:
 * a server learns where another one listens from its heartbeat, a moment
 * after it hears of it.
 */
async function waitForOthers(port: number, count: number): Promise<FrameOf<"welcome">> {
  const deadline = Date.now() + 10_000;
  for (let probe = 0;; probe++) {
    await using client = await TestClient.join2(port, `probe${probe}`);
    const welcome = client.all("welcome")[0]!;
    if ((welcome.servers?.length ?? 0) >= count) return welcome;
    if (Date.now() > deadline) assert.fail(`the welcome on ${port} named ${welcome.servers}`);
    await client.send({ type: "quit" });
    await client.closed();
  }
}

/**
 * Starts `chat join 127.0.0.1:PORT --name NAME` in a tmux session whose
 * configuration folder is `config`, and waits until it is connected.
 */
async function joinWith(
  tmux: Tmux,
  name: string,
  port: number,
  config: string,
): Promise<TerminalUser> {
  const command = `${joinCommand(port, "--name", name)}; echo EXIT=$?; sleep 60`;
  await tmux.newSession(name, `sh -c ${shellQuote(command)}`, {
    cwd: ROOT,
    env: { XDG_CONFIG_HOME: config },
  });
  const user = new TerminalUser(tmux, name);
  await user.waitFor(
    (screen) =>
      screen.lines.some((line) => line.startsWith("-- Connected to ")) &&
      screen.cursorLine === "#lobby>",
    `${name} to be connected at an empty "#lobby> " line`,
  );
  return user;
}

/** What `watcher` got from `from` in `room`, in order. */
function textsFrom(watcher: TestClient, from: string, room: string): string[] {
  return watcher.all("message").filter((frame) => frame.from === from && frame.room === room)
    .map((frame) => frame.text);
}

clusterTest(
  ["tmux"],
  "chat join: its server killed, it resumes on another one, same name and rooms, nothing missed or twice",
  async () => {
    await using cluster = await TestCluster.start(3);
    const [p1, p2, p3] = cluster.ports as [number, number, number];
    await waitForOthers(p1, 2);
    await using bob = await TestClient.join2(p2, "bob", [{ room: "#lobby" }, { room: "#dev" }]);
    await using carl = await TestClient.join2(p3, "carl", [{ room: "#lobby" }, { room: "#dev" }]);
    const tmux = new Tmux("cluster-failover");
    const config = await Deno.makeTempDir({ prefix: "chat-config-" });
    try {
      const ann = await joinWith(tmux, "ann", p1, config);
      await ann.enter("/join #dev");
      await ann.waitFor((screen) => screen.cursorLine === "#dev>", 'the prompt "#dev> "');
      // Whom ann ignores is remembered for the server she gave, wherever she is connected.
      await ann.enter("/ignore carl");
      await ann.waitForLine(/^-- You ignore carl now/);
      await ann.enter("before");
      await bob.next("message", (frame) => frame.from === "ann" && frame.text === "before");
      await ann.waitForLine(said("ann", "before"));

      // ann's server dies without a word; bob talks on in both rooms meanwhile.
      cluster.servers[0]!.process.kill("SIGKILL");
      const meanwhile = ["meanwhile 1", "meanwhile 2", "meanwhile 3"];
      await carl.send({ type: "say", room: "#dev", text: "from carl meanwhile" });
      for (const text of meanwhile) await bob.send({ type: "say", room: "#dev", text });
      await bob.send({ type: "say", room: "#lobby", text: "in the lobby meanwhile" });
      await bob.next("message", (frame) => frame.text === "in the lobby meanwhile");
      assert.equal(
        countLines(await ann.screen(), /Reconnected as ann/),
        0,
        "bob spoke before ann came back",
      );

      const moved = new RegExp(
        `-- Now on 127\\.0\\.0\\.1:(${p2}|${p3}), another server of the same chat: ` +
          `${literal(`127.0.0.1:${p1}`)} does not answer$`,
      );
      const screen = await ann.waitFor(
        (screen) =>
          countLines(screen, moved) === 1 && countLines(screen, /Reconnected as ann$/) === 1 &&
          meanwhile.every((text) => countLines(screen, said("bob", text)) >= 1) &&
          screen.cursorLine === "#dev [#lobby 1]>",
        "ann back on another server, with what bob said meanwhile",
        15_000,
      );
      for (const text of ["before", ...meanwhile]) {
        const from = text === "before" ? "ann" : "bob";
        assert.equal(countLines(screen, said(from, text)), 1, `"${text}" once:\n${screen.text}`);
      }
      // The line saying where it is now comes with the reconnection, not before.
      const lines = screen.lines;
      const lost = lines.findIndex((line) => /Connection lost\. Reconnecting in \d+ s/.test(line));
      const now = lines.findIndex((line) => moved.test(line));
      const first = lines.findIndex((line) => said("bob", meanwhile[0]!).test(line));
      assert.ok(lost >= 0 && lost < now && now < first, screen.text);

      // The same person, in the same rooms, on the other server.
      await bob.send({ type: "who", room: "#dev" });
      assert.ok((await bob.next("who")).members.includes("ann"));
      await bob.send({ type: "who", room: "#lobby" });
      assert.ok((await bob.next("who")).members.includes("ann"));
      await ann.enter("after");
      await bob.next("message", (frame) => frame.from === "ann" && frame.text === "after");
      await ann.waitForLine(said("ann", "after"));
      // What was missed in the other room is there once too.
      await ann.enter("/switch #lobby");
      const lobby = await ann.waitFor(
        (screen) =>
          countLines(screen, said("bob", "in the lobby meanwhile")) >= 1 &&
          screen.cursorLine === "#lobby>",
        "the lobby with what bob said there",
      );
      assert.equal(countLines(lobby, said("bob", "in the lobby meanwhile")), 1, lobby.text);
      await bob.sync();
      assert.deepEqual(textsFrom(bob, "ann", "#dev"), ["before", "after"]);

      // carl is still ignored, and what ann ignores now is still kept for the server she gave.
      await carl.send({ type: "say", room: "#lobby", text: "from carl after" });
      await bob.send({ type: "say", room: "#lobby", text: "from bob after carl" });
      const last = await ann.waitForLine(said("bob", "from bob after carl"));
      assert.equal(countLines(last, /from carl/), 0, last.text);
      await ann.enter("/ignore dave");
      await ann.waitForLine(/^-- You ignore dave now/);
      await ann.enter("/quit");
      await ann.waitFor((screen) => screen.text.includes("EXIT=0"), "ann to leave");
      const stored = JSON.parse(await Deno.readTextFile(`${config}/chat/ignores.json`));
      assert.deepEqual(stored, { [`127.0.0.1:${p1}`]: ["carl", "dave"] });
    } finally {
      await tmux.kill();
      await Deno.remove(config, { recursive: true });
    }
  },
);

clusterTest(
  ["tmux"],
  "chat join: its server stopped (SIGSTOP), it moves to another one rather than wait for it",
  async () => {
    await using cluster = await TestCluster.start(2);
    const [p1, p2] = cluster.ports as [number, number];
    await waitForOthers(p1, 1);
    await using bob = await TestClient.join2(p2, "bob");
    const tmux = new Tmux("cluster-stopped");
    const config = await Deno.makeTempDir({ prefix: "chat-config-" });
    const stopped = cluster.servers[0]!.process;
    try {
      const ann = await joinWith(tmux, "ann", p1, config);
      // The process stands still; its system still takes connections to its port.
      stopped.kill("SIGSTOP");
      await ann.enter("while it stood still");
      const moved = new RegExp(
        `-- Now on ${literal(`127.0.0.1:${p2}`)}, another server of the same chat: ` +
          `${literal(`127.0.0.1:${p1}`)} does not answer$`,
      );
      await ann.waitFor(
        (screen) => countLines(screen, moved) === 1 && screen.cursorLine === "#lobby>",
        "ann on the other server",
        30_000,
      );
      await bob.next(
        "message",
        (frame) => frame.from === "ann" && frame.text === "while it stood still",
      );
      await ann.enter("and after");
      await bob.next("message", (frame) => frame.from === "ann" && frame.text === "and after");
    } finally {
      stopped.kill("SIGCONT");
      await tmux.kill();
      await Deno.remove(config, { recursive: true });
    }
  },
);

clusterTest(
  ["tmux"],
  "chat join: sent to a server cut off from NATS, it waits for the chat to be whole, then comes back",
  async () => {
    await using cluster = await TestCluster.start(2);
    const [p1, p2] = cluster.ports as [number, number];
    await waitForOthers(p1, 1);
    await using bob = await TestClient.join2(p2, "bob");
    const tmux = new Tmux("cluster-split-return");
    const config = await Deno.makeTempDir({ prefix: "chat-config-" });
    try {
      const ann = await joinWith(tmux, "ann", p1, config);
      await cluster.nats.kill();
      await ann.waitForLine(/chat is split/, 15_000);
      // ann's server dies while NATS is down: the other one cannot check her name yet.
      cluster.servers[0]!.process.kill("SIGKILL");
      await ann.waitFor(
        (screen) =>
          countLines(screen, /^!! Cannot take a name now: /) >= 1 &&
          countLines(screen, /^-- Reconnecting in \d+ s…$/) >= 1,
        "the refusal said, and another try to come",
        20_000,
      );
      assert.equal(countLines(await ann.screen(), /EXIT=/), 0, "chat join ended");
      await cluster.nats.restart();
      await ann.waitForLine(/Reconnected as ann$/, 30_000);
      await ann.enter("back again");
      await bob.next("message", (frame) => frame.from === "ann" && frame.text === "back again");
    } finally {
      await tmux.kill();
      await Deno.remove(config, { recursive: true });
    }
  },
);

clusterTest(
  ["chromium"],
  "web page: its server killed, it resumes on another one, same name and rooms, nothing missed or twice",
  async () => {
    await using cluster = await WebCluster.start(3);
    const [a, b, c] = cluster.servers as [WebClusterMember, WebClusterMember, WebClusterMember];
    await waitForOthers(a.port, 2);
    await using bob = await TestClient.join2(b.port, "bob");
    await using browser = await ChatBrowser.launch();
    const page = await browser.open(pageUrl(a.webPort));
    await joinAs(page, "web-ann");
    await say(page, "before");
    await bob.next("message", (frame) => frame.from === "web-ann" && frame.text === "before");
    await waitForLine(page, "message", "before");
    // Files are shared from the page's own server.
    assert.equal(await page.locator("#attach").isVisible(), true);

    // The page's server dies without a word; bob talks on meanwhile.
    a.process.kill("SIGKILL");
    const meanwhile = ["meanwhile 1", "meanwhile 2", "meanwhile 3"];
    for (const text of meanwhile) await bob.send({ type: "say", room: "#lobby", text });
    await bob.next("message", (frame) => frame.text === meanwhile.at(-1));

    const moved = await waitForLine(
      page,
      "notice",
      new RegExp(
        `Now on 127\\.0\\.0\\.1:(${b.webPort}|${c.webPort}), another server of the same chat: ` +
          `${literal(`127.0.0.1:${a.webPort}`)} does not answer`,
      ),
      15_000,
    );
    const port = Number(/127\.0\.0\.1:(\d+),/.exec(await moved.textContent() ?? "")?.[1]);
    await waitForStatus(page, "Connected");
    for (const text of meanwhile) await waitForLine(page, "message", text);
    for (const text of ["before", ...meanwhile]) {
      assert.equal(await logLine(page, "message", text).count(), 1, `"${text}" once`);
    }
    assert.equal(await logLine(page, "notice", "Reconnected as web-ann").count(), 1);
    await page.locator("#me-name", { hasText: /^web-ann$/ }).waitFor({ state: "attached" });
    // What the page cannot do from there, said with where to do it.
    const files = await waitForLine(page, "notice", "To share files, open this server's own page");
    const link = files.locator("a");
    assert.equal(await link.getAttribute("href"), pageUrl(port));
    assert.equal(await page.locator("#attach").isVisible(), false);

    // The same person, in the same room, talks on.
    await bob.send({ type: "who", room: "#lobby" });
    assert.ok((await bob.next("who")).members.includes("web-ann"));
    await say(page, "after");
    await bob.next("message", (frame) => frame.from === "web-ann" && frame.text === "after");
    await waitForLine(page, "message", "after");
    await bob.sync();
    assert.deepEqual(textsFrom(bob, "web-ann", "#lobby"), ["before", "after"]);
    // The page's attempts on its dead server fail, as they should; nothing else goes wrong.
    assert.deepEqual(
      browser.unexpectedProblems([/^console error: WebSocket connection to .* failed/]),
      [],
    );
  },
);
