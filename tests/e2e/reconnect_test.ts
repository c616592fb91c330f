/**
 * The terminal client through a server crash: the real `chat serve` runs as a
 * process and is killed with SIGKILL, the real `chat join` runs in tmux, and
 * the client must come back by itself with nothing lost, nothing doubled and
 * the half-typed line intact. Piped `chat join` does not reconnect: it exits.
 */

import assert from "node:assert/strict";
import { assertOneErrorLine, ChatProcess, serveOnPort } from "../_chat_process.ts";
import { type ChatServer, startServer } from "../../server.ts";
import { freePort, LOOPBACK, TestClient, waitUntil } from "../_test_utils.ts";
import {
  clientUnder,
  joinCommand,
  ROOT,
  type Screen,
  shellQuote,
  signal,
  Tmux,
  TMUX_VERSION,
  waitFor,
  whilePaused,
} from "./_tmux.ts";

const STAMP = String.raw`\[\d\d:\d\d:\d\d\]`;

/** A line that is a chat message: stamp, then `from: text`, and nothing else. */
function messageLine(from: string, text: string): RegExp {
  return new RegExp(`^${STAMP} ${from}: ${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
}

function count(screen: Screen, pattern: RegExp): number {
  return screen.lines.filter((line) => pattern.test(line)).length;
}

/** Starts a server on `port`, keeping history in `dir`, and waits until it listens. */
function startServing(port: number, dir: string): Promise<ChatProcess> {
  return serveOnPort(port, dir);
}

/**
 * Starts `chat join --name alice` in the tmux session "alice" and returns
 * the client's process id, once it runs. The client runs under a shell, not
 * as the pane's own process: tmux continues a pane's process as soon as it
 * sees it stop, so SIGSTOP would not hold that one back for more than an
 * instant; a process under it is one tmux does not watch.
 */
async function startAlice(tmux: Tmux, port: number): Promise<number> {
  const command = `${joinCommand(port, "--name", "alice")}; echo EXIT=$?`;
  await tmux.newSession("alice", `sh -c ${shellQuote(command)}`, { cwd: ROOT });
  const pane = Number(await tmux.display("alice", "#{pane_pid}"));
  const client = await waitFor(
    () => clientUnder(pane).catch(() => undefined),
    (pid) => pid !== undefined,
    10_000,
    () => `chat join to run under process ${pane}`,
  );
  assert.notEqual(client, pane, "chat join is the pane's own process, which tmux would continue");
  return client!;
}

Deno.test({
  name: `chat join reconnects by itself after the server is killed, losing and doubling nothing${
    TMUX_VERSION === undefined ? " (ignored: tmux is not installed)" : ""
  }`,
  ignore: TMUX_VERSION === undefined,
  async fn(t) {
    const port = freePort();
    const dir = await Deno.makeTempDir({ prefix: "chat-reconnect-" });
    const tmux = new Tmux("reconnect");
    let server: ChatProcess | undefined = await startServing(port, dir);
    let alicePid: number | undefined;
    try {
      alicePid = await startAlice(tmux, port);
      await tmux.waitForScreen(
        "alice",
        (screen) =>
          /Connected to .+ as alice\./.test(screen.text) &&
          screen.cursorLine === "#lobby>",
        10_000,
        "alice to be connected",
      );

      await t.step("alice sees messages before the crash", async () => {
        await using bob = await TestClient.join(port, "bob");
        await bob.say("before 1");
        await bob.say("before 2");
        await tmux.waitForScreen(
          "alice",
          (screen) => count(screen, messageLine("bob", "before 2")) === 1,
          5_000,
          "bob's messages before the crash",
        );
        // bob stays until the crash: his connection dies with the server.
        server!.kill("SIGKILL");
        const killed = await server!.finished();
        assert.equal(killed.signal, "SIGKILL");
        server = undefined;
        await bob.closed();
      });

      await t.step("alice says she is reconnecting, and keeps a half-typed line", async () => {
        await tmux.waitForScreen(
          "alice",
          (screen) =>
            /Connection lost\. Reconnecting in \d+ s/.test(screen.text) &&
            screen.cursorLine === "(offline) #lobby>",
          10_000,
          "the reconnecting notice and the offline prompt",
        );
        await tmux.type("alice", "half typed");
        await tmux.waitForScreen(
          "alice",
          (screen) => screen.cursorLine === "(offline) #lobby> half typed",
          5_000,
          "the half-typed line",
        );
      });

      const after = ["after 1", "after 2", "after 3"];
      await t.step(
        "bob posts three messages on the restarted server before alice is back",
        async () => {
          // Pause alice, so that she cannot come back before bob has posted, however
          // slowly the server starts; her backoff timer simply fires late.
          await whilePaused(alicePid!, async () => {
            server = await startServing(port, dir);
            await using bob = await TestClient.join(port, "bob");
            for (const text of after) await bob.say(text);
            for (const text of after) await bob.next("message", (frame) => frame.text === text);
            await bob.sync();
            const early = bob.all("joined").filter((frame) => frame.name === "alice");
            assert.deepEqual(early, [], "alice, paused, joined the restarted server");
          });
        },
      );

      await t.step("alice reconnects and shows each missed message once", async () => {
        await using bob = await TestClient.join(port, "bob2");
        const screen = await tmux.waitForScreen(
          "alice",
          (screen) =>
            screen.text.includes("Reconnected as alice") &&
            after.every((text) => count(screen, messageLine("bob", text)) >= 1) &&
            screen.cursorLine === "#lobby> half typed",
          15_000,
          "alice to be back with bob's three messages",
        );
        for (const text of [...after, "before 1", "before 2"]) {
          assert.equal(
            count(screen, messageLine("bob", text)),
            1,
            `"${text}" once:\n${screen.text}`,
          );
        }
        // The missed messages come after the reconnection notice, in order.
        const lines = screen.lines;
        const back = lines.findIndex((line) => line.includes("Reconnected as alice"));
        const positions = after.map((text) =>
          lines.findIndex((line) => messageLine("bob", text).test(line))
        );
        assert.ok(positions.every((at, i) => at > back && (i === 0 || at > positions[i - 1]!)));
        assert.equal(screen.cursor.x, "#lobby> half typed".length);
        // The half-typed line was kept, not sent; Enter sends it now.
        await bob.next("joined", (frame) => frame.name === "alice").catch(() => {});
        await tmux.press("alice", "Enter");
        const sent = await bob.next("message", (frame) => frame.from === "alice", 5_000);
        assert.equal(sent.text, "half typed");
      });
    } finally {
      if (alicePid !== undefined) signal(alicePid, "SIGCONT");
      await tmux.kill();
      if (server !== undefined) await server[Symbol.asyncDispose]();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: `chat join comes back after a polite restart of a server that keeps nothing${
    TMUX_VERSION === undefined ? " (ignored: tmux is not installed)" : ""
  }`,
  ignore: TMUX_VERSION === undefined,
  async fn() {
    const port = freePort();
    const memoryServer = () =>
      new ChatProcess([
        "serve",
        "--host",
        LOOPBACK,
        "--port",
        String(port),
        "--no-web",
        "--memory",
      ]);
    const tmux = new Tmux("restart");
    let server: ChatProcess | undefined = memoryServer();
    try {
      await server.waitForStdout(/chat join/, 10_000);
      const alicePid = await startAlice(tmux, port);
      await tmux.waitForScreen(
        "alice",
        (screen) =>
          /Connected to .+ as alice\./.test(screen.text) && screen.cursorLine === "#lobby>",
        10_000,
        "alice to be connected",
      );
      {
        await using bob = await TestClient.join(port, "bob");
        await bob.say("before the restart");
        await tmux.waitForScreen(
          "alice",
          (screen) => count(screen, messageLine("bob", "before the restart")) === 1,
          5_000,
          "bob's first message",
        );
        // SIGTERM: everyone is told, with a bye that invites them back.
        server.kill("SIGTERM");
        assert.equal((await server.finished()).code, 0);
        server = undefined;
      }
      await tmux.waitForScreen(
        "alice",
        (screen) =>
          screen.text.includes("The server says: The server is shutting down") &&
          /^-- (\[[\d:]+\] )?Reconnecting in \d+ s…$/m.test(screen.text) &&
          !screen.text.includes("Connection lost"),
        5_000,
        "the shutdown notice, then reconnecting, with nothing said lost",
      );
      // Hold alice back until carol has posted on the new server, so that what
      // carol said reaches alice only as a replay of what she missed.
      await whilePaused(alicePid, async () => {
        server = memoryServer();
        await server.waitForStdout(/chat join/, 10_000);
        await using carol = await TestClient.join(port, "carol");
        await carol.say("while alice was away");
        await carol.next("message", (frame) => frame.text === "while alice was away");
      });
      // The new server kept nothing but numbers above the old one, so "after the
      // last id I saw" includes carol's message.
      const screen = await tmux.waitForScreen(
        "alice",
        (screen) =>
          screen.text.includes("Reconnected as alice") &&
          count(screen, messageLine("carol", "while alice was away")) === 1,
        15_000,
        "alice back, with carol's message",
      );
      assert.equal(count(screen, messageLine("bob", "before the restart")), 1, screen.text);
    } finally {
      await tmux.kill();
      if (server !== undefined) await server[Symbol.asyncDispose]();
    }
  },
});

Deno.test("chat join with piped input exits 1 in one line when the server dies mid-way", async () => {
  const port = freePort();
  const dir = await Deno.makeTempDir({ prefix: "chat-pipe-" });
  let server: ChatProcess | undefined = await startServing(port, dir);
  try {
    await using watcher = await TestClient.join(port, "watcher");
    await using client = new ChatProcess(["join", `${LOOPBACK}:${port}`, "--name", "ci"]);
    await client.write("first line\n");
    await watcher.next("message", (frame) => frame.text === "first line", 10_000);
    // The client has seen its own line come back: nothing of it is pending.
    await client.waitForStdout(/ci: first line/, 10_000);
    server.kill("SIGKILL");
    await server.finished();
    server = undefined;
    // Input is still open: the client must notice the loss by itself, not wait for EOF.
    const started = performance.now();
    await waitUntil(() => client.exited, 10_000, "the piped client to exit");
    const outcome = await client.finished(5_000, true);
    assert.equal(outcome.code, 1, outcome.stderr);
    assert.equal(assertOneErrorLine(outcome), "chat: the connection to the server was lost");
    assert.ok(performance.now() - started < 5_000);
  } finally {
    if (server !== undefined) await server[Symbol.asyncDispose]();
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Has someone else take the name `name` (carol) on the server restarted at
 * `port` before the client in the tmux session of that name is back, then
 * waits for the client to ask the name again, offering a variant of it
 * (carol2), and takes it with Enter. Returns the one who took the name,
 * still talking; disposing of it lets them go.
 */
async function takenMeanwhile(
  tmux: Tmux,
  port: number,
  name = "carol",
): Promise<{ readonly taker: TestClient } & AsyncDisposable> {
  const taker = await TestClient.join(port, name);
  // Not silent, so that the short heartbeat does not drop it and free the name.
  const talking = setInterval(() => taker.send({ type: "ping" }).catch(() => {}), 1_000);
  const done = async () => {
    clearInterval(talking);
    await taker[Symbol.asyncDispose]();
  };
  try {
    const asked = await tmux.waitForScreen(
      name,
      (screen) => screen.cursorLine.startsWith("Your name"),
      30_000,
      `the question "Your name", once the name stayed taken`,
    );
    assert.equal(asked.cursorLine, `Your name [${name}2]:`, asked.text);
    await tmux.press(name, "Enter");
    await taker.next("joined", (frame) => frame.name === `${name}2`, 10_000);
  } catch (error) {
    await done();
    throw error;
  }
  return { taker, [Symbol.asyncDispose]: done };
}

/**
 * A server that welcomes every client and hangs up at once, as one too busy
 * for it would; resolves the moments connections arrive.
 */
function hangingUpServer(): { port: number; arrivals: number[]; close(): void } {
  const listener = Deno.listen({ hostname: LOOPBACK, port: 0 });
  const arrivals: number[] = [];
  const conns = new Set<Deno.Conn>();
  (async () => {
    for await (const conn of listener) {
      arrivals.push(performance.now());
      conns.add(conn);
      (async () => {
        const buffer = new Uint8Array(4096);
        let text = "";
        while (!text.includes('"hello"')) {
          const count = await conn.read(buffer).catch(() => null);
          if (count === null) return;
          text += new TextDecoder().decode(buffer.subarray(0, count));
        }
        const name = /"name":"([^"]+)"/.exec(text)?.[1] ?? "x";
        const lines = [
          { type: "welcome", version: 1, server: "busy", name, heartbeat: 30 },
          { type: "room", room: "#lobby", members: [name], count: 1 },
        ].map((frame) => JSON.stringify(frame) + "\n").join("");
        await conn.write(new TextEncoder().encode(lines)).catch(() => {});
      })().finally(() => {
        conns.delete(conn);
        try {
          conn.close();
        } catch {
          // Closed already.
        }
      });
    }
  })().catch(() => {});
  return {
    port: listener.addr.port,
    arrivals,
    close() {
      listener.close();
      for (const conn of conns) conn.close();
    },
  };
}

Deno.test({
  name: `chat join backs off from a server that drops it right after its welcome${
    TMUX_VERSION === undefined ? " (ignored: tmux is not installed)" : ""
  }`,
  ignore: TMUX_VERSION === undefined,
  async fn() {
    const server = hangingUpServer();
    const tmux = new Tmux("backoff");
    try {
      await tmux.newSession("alice", `exec ${joinCommand(server.port, "--name", "alice")}`, {
        cwd: ROOT,
      });
      await waitUntil(() => server.arrivals.length >= 4, 20_000, "four connections");
      const gaps = server.arrivals.slice(1).map((at, i) => at - server.arrivals[i]!);
      // 1 s, 2 s, 4 s, each within a fifth either way; not 1 s again and again.
      assert.ok(gaps[1]! > 1_500 && gaps[2]! > 3_000, `gaps ${gaps.map(Math.round)}`);
    } finally {
      await tmux.kill();
      server.close();
    }
  },
});

Deno.test({
  name: `chat join says the connection was lost once, then that it is still trying${
    TMUX_VERSION === undefined ? " (ignored: tmux is not installed)" : ""
  }`,
  ignore: TMUX_VERSION === undefined,
  async fn() {
    const port = freePort();
    const tmux = new Tmux("still-trying");
    let server: ChatServer | undefined = await startServer({ hostname: LOOPBACK, port });
    // The server closes with a goodbye that invites alice back: nothing is said lost.
    const lost = /^-- Reconnecting in \d+ s…$/;
    const still = /^-- Still no answer; trying again in \d+ s…$/;
    try {
      await tmux.newSession("alice", joinCommand(port, "--name", "alice"), { cwd: ROOT });
      await tmux.waitForScreen(
        "alice",
        (screen) =>
          /Connected to .+ as alice\./.test(screen.text) && screen.cursorLine === "#lobby>",
        10_000,
        "alice to be connected",
      );
      await server.close();
      server = undefined;
      // Two attempts fail, 1 s and 2 s apart: the loss is said once.
      const trying = await tmux.waitForScreen(
        "alice",
        (screen) => count(screen, still) >= 2,
        15_000,
        "two failed attempts said",
      );
      assert.equal(count(trying, lost), 1, trying.text);
      const first = trying.lines.findIndex((line) => lost.test(line));
      assert.ok(trying.lines.findIndex((line) => still.test(line)) > first, trying.text);

      // Back, then lost again: that is said again.
      server = await startServer({ hostname: LOOPBACK, port });
      await tmux.waitForScreen(
        "alice",
        (screen) => screen.text.includes("Reconnected as alice"),
        15_000,
        "alice to be back",
      );
      await server.close();
      server = undefined;
      const again = await tmux.waitForScreen(
        "alice",
        (screen) => count(screen, lost) === 2,
        10_000,
        "the second loss said",
      );
      assert.equal(count(again, lost), 2, again.text);
    } finally {
      await tmux.kill();
      await server?.close();
    }
  },
});

Deno.test({
  name:
    `chat join: a new name typed when its own was taken meanwhile is used, however long it took${
      TMUX_VERSION === undefined ? " (ignored: tmux is not installed)" : ""
    }`,
  ignore: TMUX_VERSION === undefined,
  async fn() {
    const port = freePort();
    const tmux = new Tmux("taken-meanwhile");
    const logged: string[] = [];
    const drops = () => logged.filter((line) => line.includes("no name given")).length;
    // The shortest heartbeat, for the shortest wait for a name held; a program's hello deadline
    // short, so that the server gives up on the question before the person answers.
    const options = { hostname: LOOPBACK, port, heartbeat: 5, handshake: 0.25 };
    let server: ChatServer | undefined = await startServer(options);
    try {
      await tmux.newSession("alice", joinCommand(port, "--name", "alice"), { cwd: ROOT });
      await tmux.waitForScreen(
        "alice",
        (screen) => /Connected to .+ as alice\./.test(screen.text),
        10_000,
        "alice to be connected",
      );
      await server.close();
      // Restarted, the server has someone else called alice before she is back.
      server = await startServer({ ...options, log: (line) => logged.push(line) });
      await using taker = await TestClient.join(port, "alice");
      // Not silent, so that the short heartbeat does not drop it and free the name.
      const talking = setInterval(() => taker.send({ type: "ping" }).catch(() => {}), 1_000);
      using _talking = { [Symbol.dispose]: () => clearInterval(talking) };
      await tmux.waitForScreen(
        "alice",
        (screen) => screen.cursorLine.startsWith("Your name"),
        30_000,
        `the question "Your name", once the name stayed taken`,
      );
      const before = drops();
      await waitUntil(() => drops() > before, 10_000, "the server to give up on the question");
      await tmux.type("alice", "alice2");
      await tmux.waitForInputRead("alice");
      await tmux.press("alice", "Enter");
      await taker.next("joined", (frame) => frame.name === "alice2", 10_000);
    } finally {
      await tmux.kill();
      await server?.close();
    }
  },
});

Deno.test({
  name: `chat join: a name taken meanwhile is not offered again, a variant of it is${
    TMUX_VERSION === undefined ? " (ignored: tmux is not installed)" : ""
  }`,
  ignore: TMUX_VERSION === undefined,
  async fn() {
    const port = freePort();
    const tmux = new Tmux("taken-offered");
    // The shortest heartbeat, for the shortest wait for a name held.
    const options = { hostname: LOOPBACK, port, heartbeat: 5 };
    let server: ChatServer | undefined = await startServer(options);
    try {
      // No --name: the question offers the user's own name on this machine.
      await tmux.newSession("carol", joinCommand(port), { cwd: ROOT, env: { USER: "carol" } });
      await tmux.waitForScreen(
        "carol",
        (screen) => screen.cursorLine === "Your name [carol]:",
        10_000,
        `the question "Your name [carol]"`,
      );
      await tmux.press("carol", "Enter");
      await tmux.waitForScreen(
        "carol",
        (screen) => /Connected to .+ as carol\./.test(screen.text),
        10_000,
        "carol to be connected",
      );
      await server.close();
      server = await startServer(options);
      await using _taker = await takenMeanwhile(tmux, port);
    } finally {
      await tmux.kill();
      await server?.close();
    }
  },
});

Deno.test({
  name:
    `chat join: a --name taken meanwhile is asked again offering a variant of it, not the user's${
      TMUX_VERSION === undefined ? " (ignored: tmux is not installed)" : ""
    }`,
  ignore: TMUX_VERSION === undefined,
  async fn() {
    const port = freePort();
    const tmux = new Tmux("taken-flag");
    // The shortest heartbeat, for the shortest wait for a name held.
    const options = { hostname: LOOPBACK, port, heartbeat: 5 };
    let server: ChatServer | undefined = await startServer(options);
    try {
      // The user on this machine is carol; in the chat, bob.
      await tmux.newSession("bob", joinCommand(port, "--name", "bob"), {
        cwd: ROOT,
        env: { USER: "carol" },
      });
      await tmux.waitForScreen(
        "bob",
        (screen) => /Connected to .+ as bob\./.test(screen.text) && screen.cursorLine === "#lobby>",
        10_000,
        "bob to be connected",
      );
      await server.close();
      server = await startServer(options);
      await using _taker = await takenMeanwhile(tmux, port, "bob");
    } finally {
      await tmux.kill();
      await server?.close();
    }
  },
});

Deno.test({
  name: `chat join: the name asked again on coming back starts empty, the draft waits for it${
    TMUX_VERSION === undefined ? " (ignored: tmux is not installed)" : ""
  }`,
  ignore: TMUX_VERSION === undefined,
  async fn() {
    const port = freePort();
    const tmux = new Tmux("taken-draft");
    // The shortest heartbeat, for the shortest wait for a name held.
    const options = { hostname: LOOPBACK, port, heartbeat: 5 };
    let server: ChatServer | undefined = await startServer(options);
    try {
      await tmux.newSession("carol", joinCommand(port, "--name", "carol"), {
        cwd: ROOT,
        env: { USER: "carol" },
      });
      await tmux.waitForScreen(
        "carol",
        (screen) =>
          /Connected to .+ as carol\./.test(screen.text) && screen.cursorLine === "#lobby>",
        10_000,
        "carol to be connected",
      );
      // A draft, the cursor inside it.
      await tmux.type("carol", "thanks");
      await tmux.press("carol", "Left", "Left");
      await tmux.waitForScreen(
        "carol",
        (screen) => screen.cursorLine === "#lobby> thanks" && screen.cursor.x === 12,
        5_000,
        "the draft, the cursor before its last two letters",
      );
      await server.close();
      server = await startServer(options);
      await using taken = await takenMeanwhile(tmux, port);
      await tmux.waitForScreen(
        "carol",
        (screen) =>
          /Reconnected as carol2/.test(screen.text) &&
          screen.cursorLine === "#lobby> thanks" && screen.cursor.x === 12,
        10_000,
        "the draft back as it was, the cursor where it was",
      );
      await tmux.press("carol", "Enter");
      await taken.taker.next(
        "message",
        (frame) => frame.from === "carol2" && frame.text === "thanks",
      );
    } finally {
      await tmux.kill();
      await server?.close();
    }
  },
});
