/**
 * How `chat join` writes to the terminal, seen through `strace`: a message
 * that arrives while a line is being typed goes out in one write with the
 * input line drawn again under it, so that the terminal never shows the
 * screen without the input line between the two.
 *
 * @module
 */

import assert from "node:assert/strict";
import { startServer } from "../../server.ts";
import { TestClient, waitUntil } from "../_test_utils.ts";
import { testWith } from "./_needs.ts";
import { TerminalUser } from "./_terminal_user.ts";
import { joinCommand, shellQuote, Tmux } from "./_tmux.ts";

/**
 * The text of each write that `strace` logged in `log`, in order. The runtime
 * writes to the terminal through a descriptor of its own, not always 1.
 */
function writesIn(log: string): string[] {
  const writes: string[] = [];
  for (const line of log.split("\n")) {
    // `PID write(FD, "TEXT", LENGTH) = LENGTH`, the text escaped as in C.
    const found = /write\(\d+, "((?:[^"\\]|\\.)*)"/.exec(line);
    if (found !== null) writes.push(found[1]!);
  }
  return writes;
}

testWith(
  ["tmux", "strace"],
  "chat join: a message arriving while a line is typed is written with the input line, at once",
  async () => {
    await using server = await startServer({ hostname: "127.0.0.1", port: 0 });
    const port = server.addr.port;
    const tmux = new Tmux("writes");
    const log = await Deno.makeTempFile({ prefix: "chat-writes-", suffix: ".strace" });
    try {
      // strace follows every thread: the runtime may write from any of them.
      const traced = `strace -f -qq -e trace=write -s 65536 -o ${shellQuote(log)} ${
        joinCommand(port, "--name", "alice")
      }`;
      await tmux.newSession("alice", `sh -c ${shellQuote(`${traced}; echo EXIT=$?; sleep 60`)}`);
      const alice = new TerminalUser(tmux, "alice");
      await alice.waitFor(
        (screen) => screen.cursorLine === "#lobby>",
        'alice to be connected at an empty "#lobby> " line',
        30_000,
      );
      await alice.type("half-typed draft");
      await using bob = await TestClient.join(port, "bob");
      await bob.send({ type: "say", room: "#lobby", text: "deploying now" });
      await alice.waitFor(
        (screen) =>
          screen.lines.some((line) => line.endsWith("bob: deploying now")) &&
          screen.cursorLine === "#lobby> half-typed draft",
        "the message above alice's draft",
      );
      // The log is written as the client writes: wait until it holds the message's write.
      let writes: string[] = [];
      await waitUntil(
        () => {
          writes = writesIn(Deno.readTextFileSync(log));
          return writes.some((text) => text.includes(": deploying now"));
        },
        10_000,
        "the message's write in the trace",
      );
      const carrying = writes.filter((text) => text.includes(": deploying now"));
      assert.equal(carrying.length, 1, carrying.join("\n"));
      const [write] = carrying;
      assert.ok(
        write!.indexOf("half-typed draft") > write!.indexOf(": deploying now"),
        `the write of the message does not draw the input line again under it: ${write}`,
      );
    } finally {
      await tmux.kill();
      await Deno.remove(log).catch(() => {});
    }
  },
);
