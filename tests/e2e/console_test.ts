/**
 * The host at the real `chat serve`, in a terminal (tmux): it kicks and bans
 * a flooding nc user by typing at the server, and the banned address cannot
 * come back. The nc user connects from 127.0.0.2, the others from 127.0.0.1.
 */

import assert from "node:assert/strict";
import { TestClient, within } from "../_test_utils.ts";
import { testWith } from "./_needs.ts";
import { chatCommand, Tmux, waitFor } from "./_tmux.ts";

/** An nc user from 127.0.0.2: what it reads, and a way to type. */
class NcUser implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #done: Promise<void>;
  #wake = () => {};
  text = "";

  constructor(port: number) {
    const child = new Deno.Command("nc", {
      args: ["-s", "127.0.0.2", "127.0.0.1", String(port)],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#done = (async () => {
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
        this.text += chunk;
        this.#wake();
      }
    })().finally(() => this.#wake());
  }

  /** Types `line` and Enter. */
  async type(line: string): Promise<void> {
    await this.#writer.write(new TextEncoder().encode(`${line}\r\n`));
  }

  /** Waits until what it read matches `pattern`, as it arrives. */
  async waitFor(pattern: RegExp, ms = 10_000): Promise<void> {
    await within(
      new Promise<void>((resolve) => {
        const look = () => pattern.test(this.text) ? resolve() : void (this.#wake = look);
        look();
      }),
      ms,
      `nc to read ${pattern}`,
    ).catch((error) => {
      throw new Error(`${(error as Error).message}; it read:\n${this.text}`);
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#writer.close().catch(() => {});
    try {
      this.#child.kill();
    } catch {
      // Gone already.
    }
    await this.#child.status;
    await this.#done.catch(() => {});
  }
}

testWith(
  ["tmux", "nc"],
  "chat serve in a terminal: the host kicks and bans a flooding nc user from the console",
  async () => {
    const tmux = new Tmux("console");
    try {
      await tmux.newSession(
        "host",
        chatCommand("serve", "--host", "127.0.0.1", "--port", "0", "--no-web", "--memory"),
        { width: 120, height: 40 },
      );
      const screen = await tmux.waitForScreen(
        "host",
        (screen) => screen.lines.some((line) => line.includes("Press Ctrl-C to stop.")),
      );
      const port = Number(
        screen.lines.map((line) => /listening on 127\.0\.0\.1:(\d+)/.exec(line)?.[1])
          .find((found) => found !== undefined),
      );
      assert.ok(port > 0, screen.lines.join("\n"));
      await using bob = await TestClient.join2(port, "bob");

      {
        await using eve = new NcUser(port);
        await eve.type("eve");
        await eve.waitFor(/You are in #lobby/);
        for (let i = 0; i < 20; i++) await eve.type(`spam ${i}`);
        await bob.next("message", (frame) => frame.text === "spam 19");
        await tmux.type("host", "/kick eve flooding");
        await tmux.press("host", "Enter");
        await eve.waitFor(/You were kicked by host: flooding/);
        assert.equal((await bob.next("left")).reason, "kicked by host: flooding");
      }

      await tmux.type("host", "/ban 127.0.0.2 10m flooding");
      await tmux.press("host", "Enter");
      await tmux.waitForScreen(
        "host",
        (screen) =>
          screen.lines.some((line) => line.includes("host banned 127.0.0.2 for 10 min: flooding")),
      );
      {
        await using eve = new NcUser(port);
        await eve.type("eve-again");
        await eve.waitFor(/Cannot join: host banned you, for (10 min|9 min \d+ s) more: flooding/);
        await bob.sync();
        assert.ok(!bob.all("joined").some((frame) => frame.name === "eve-again"), "never joined");
      }
      await tmux.type("host", "/bans");
      await tmux.press("host", "Enter");
      await tmux.waitForScreen(
        "host",
        (screen) =>
          screen.lines.some((line) =>
            / {2}127\.0\.0\.2, by host, (10 min|9 min \d+ s) left/.test(line)
          ),
      );
    } finally {
      await tmux.kill();
    }
  },
);

testWith(
  ["tmux"],
  "chat serve in a terminal that is closed says goodbye to everyone and stops without an error",
  async () => {
    const tmux = new Tmux("console-closed");
    const dir = await Deno.makeTempDir({ prefix: "chat-console-" });
    try {
      const serve = chatCommand("serve", "--host", "127.0.0.1", "--port", "0", "--memory");
      await tmux.newSession("host", `${serve} 2>${dir}/stderr`);
      const screen = await tmux.waitForScreen(
        "host",
        (screen) => screen.lines.some((line) => line.includes("Press Ctrl-C to stop.")),
      );
      const port = Number(
        screen.lines.map((line) => /listening on 127\.0\.0\.1:(\d+)/.exec(line)?.[1])
          .find((found) => found !== undefined),
      );
      await using bob = await TestClient.join2(port, "bob");
      const shell = Number(await tmux.display("host", "#{pane_pid}"));
      // Its standard input ends and its output fails as its SIGHUP comes: none of them is an error.
      await tmux.run("kill-session", "-t", "host");
      assert.match((await bob.next("bye")).reason, /shutting down/);
      await waitFor(
        () => Deno.stat(`/proc/${shell}`).then(() => true, () => false),
        (running) => !running,
        10_000,
        () => "for the server to end",
      );
      assert.equal(await Deno.readTextFile(`${dir}/stderr`), "");
    } finally {
      await tmux.kill();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
