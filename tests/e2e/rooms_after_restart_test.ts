/**
 * Coming back after a server restart into rooms that cannot all be entered
 * again: a look-alike of one of them made meanwhile by someone else. The
 * server leaves that room out with an `error` and welcomes the client into
 * the others; the real terminal client (in tmux) and the real page (in
 * Chromium) say so and stay. And when something does end the terminal
 * client (a ban met on coming back), it says why after the terminal is
 * restored, on a line of its own. A private message typed on the page
 * while the server was away, refused as it goes because its person is not
 * back yet, is said among the private messages with them, where its words
 * come back. The server is real; the others are protocol clients.
 */

import assert from "node:assert/strict";
import { type ChatServer, startServer } from "../../server.ts";
import { parseOpFile } from "../../server/hub/moderation.ts";
import { freePort, LOOPBACK, TestClient } from "../_test_utils.ts";
import {
  ChatBrowser,
  exactly,
  logLine,
  say,
  startWebServer,
  waitForLine,
  waitForStatus,
  webUrl,
} from "./_browser.ts";
import { testWith } from "./_needs.ts";
import { showView } from "./_web_rooms.ts";
import { literal, TerminalUser } from "./_terminal_user.ts";
import { clientUnder, Tmux, whilePaused } from "./_tmux.ts";

/** `#dev` with a Cyrillic `е`: it looks like `#dev`. */
const LOOKALIKE = "#d\u0435v";

/** What the server says of `#dev` once the look-alike is taken. */
const REFUSAL = `Cannot open #dev: it looks like ${LOOKALIKE}; join ${LOOKALIKE}, or pick a name`;

/** The process id of the `chat join` running in `user`'s pane. */
async function clientOf(user: TerminalUser): Promise<number> {
  return await clientUnder(Number(await user.tmux.display(user.session, "#{pane_pid}")));
}

testWith(
  ["tmux"],
  "chat join coming back after a restart into a look-alike of its room made meanwhile stays, in its other rooms",
  async () => {
    const port = freePort();
    let server: ChatServer = await startServer({ hostname: LOOPBACK, port });
    const tmux = new Tmux("lookalike");
    let squatter: TestClient | undefined;
    try {
      const ann = await TerminalUser.join(tmux, "ann", port);
      await ann.enter("/join #dev");
      await ann.waitFor((screen) => screen.cursorLine === "#dev>", 'the "#dev> " prompt');
      const pid = await clientOf(ann);
      await server.close();
      await ann.waitFor(
        (screen) => screen.cursorLine.startsWith("(offline)"),
        "the offline prompt",
      );
      // Paused, ann cannot come back before the look-alike is taken, however slowly the
      // server starts.
      await whilePaused(pid, async () => {
        server = await startServer({ hostname: LOOPBACK, port });
        squatter = await TestClient.join2(port, "squatter", [{ room: LOOKALIKE }]);
      });
      const screen = await ann.waitFor(
        (screen) => screen.text.includes("Reconnected as ann") && screen.cursorLine === "#lobby>",
        "ann back, in #lobby",
        15_000,
      );
      const refused = new RegExp(`^!! ${literal(REFUSAL)}`);
      assert.ok(screen.lines.some((line) => refused.test(line)), screen.text);
      assert.ok(!screen.lines.some((line) => line.startsWith("EXIT=")), screen.text);
      // Still in the chat: what is said in #lobby shows.
      await squatter!.send({ type: "join", room: "#lobby" });
      await squatter!.send({ type: "say", room: "#lobby", text: "hi ann" });
      await ann.waitForLine(/ squatter: hi ann$/);
    } finally {
      await squatter?.[Symbol.asyncDispose]();
      await tmux.kill();
      await server.close();
    }
  },
);

testWith(
  ["tmux"],
  "chat join sent away as it comes back says why after the terminal is restored, on a line of its own",
  async () => {
    const port = freePort();
    const operators = parseOpFile("op s3cret\n");
    let server: ChatServer = await startServer({ hostname: LOOPBACK, port, operators });
    const tmux = new Tmux("sent-away");
    let op: TestClient | undefined;
    try {
      const ann = await TerminalUser.join(tmux, "ann", port);
      const pid = await clientOf(ann);
      await server.close();
      await ann.waitFor(
        (screen) => screen.cursorLine.startsWith("(offline)"),
        "the offline prompt",
      );
      // Meanwhile an operator bans the name ann: her hello is refused for good.
      await whilePaused(pid, async () => {
        server = await startServer({ hostname: LOOPBACK, port, operators });
        op = await TestClient.join2(port, "op");
        await op.say("/oper s3cret");
        await op.next("notice", (frame) => frame.text.includes("op is an operator"));
        await op.say("/ban ann flooding");
        await op.next("info", (frame) => frame.text.startsWith("You banned"));
      });
      const screen = await ann.waitFor(
        (screen) => screen.lines.includes("EXIT=1"),
        "chat join to exit with 1",
        15_000,
      );
      const said = screen.lines.findIndex((line) => line.includes("cannot join: op banned you"));
      assert.ok(said >= 0, screen.text);
      assert.match(screen.lines[said]!, /^chat: cannot join: op banned you/, screen.text);
    } finally {
      await op?.[Symbol.asyncDispose]();
      await tmux.kill();
      await server.close();
    }
  },
);

testWith(
  ["chromium"],
  "web page: coming back after a restart into a look-alike of its room made meanwhile stays, in its other rooms",
  async () => {
    // Ports outside the system's own range: one it gave could be taken meanwhile.
    let server = await startWebServer({ port: freePort(), webPort: freePort() });
    let squatter: TestClient | undefined;
    try {
      await using browser = await ChatBrowser.launch();
      const { port } = server.addr;
      const webPort = server.webAddr!.port;
      const page = await browser.openAs(webUrl(server), "carol");
      await say(page, "/join #dev");
      await page.locator("#room-name", { hasText: exactly("#dev") }).waitFor();

      await server.close();
      // Once an attempt failed, the next is 2 s away or more: time to take the look-alike first.
      await waitForStatus(page, /^Reconnecting in [2-9] s$/, 10_000);
      server = await startWebServer({ port, webPort });
      squatter = await TestClient.join2(port, "squatter", [{ room: LOOKALIKE }]);

      await waitForStatus(page, "Connected", 10_000);
      await waitForLine(page, "error", REFUSAL);
      await waitForLine(page, "notice", "Reconnected as carol");
      await page.locator("#room-name", { hasText: exactly("#lobby") }).waitFor();
      assert.equal(await logLine(page, "notice", "Disconnected").count(), 0);
      await say(page, "still here");
      await waitForLine(page, "message", "still here");
      assert.deepEqual(
        browser.unexpectedProblems([/^console error: WebSocket connection to .* failed/]),
        [],
      );
    } finally {
      await squatter?.[Symbol.asyncDispose]();
      await server.close();
    }
  },
);

testWith(
  ["chromium"],
  "web page: a private message queued while the server restarted, refused as its person is not back, is said among the private messages with them",
  async () => {
    let server = await startWebServer({ port: freePort(), webPort: freePort() });
    let robert: TestClient | undefined;
    try {
      await using browser = await ChatBrowser.launch();
      const { port } = server.addr;
      const webPort = server.webAddr!.port;
      robert = await TestClient.join2(port, "robert");
      const page = await browser.openAs(webUrl(server), "carol");
      await say(page, "/msg robert see you after the restart");
      await robert.next("private", (frame) => frame.from === "carol");
      await showView(page, "@robert");

      await server.close();
      await robert.closed();
      await robert[Symbol.asyncDispose]();
      robert = undefined;
      await waitForStatus(page, /^Reconnecting in \d+ s$/, 10_000);
      await say(page, "are you back?");
      await logLine(page, "pending", "are you back?").waitFor();
      // Carol looks at #lobby as the server comes back without robert.
      await showView(page, "#lobby");
      server = await startWebServer({ port, webPort });
      await waitForStatus(page, "Connected", 10_000);
      await waitForLine(page, "notice", "Reconnected as carol");

      const refusal = 'Cannot send: nobody called "robert" is on this chat';
      // Said among the private messages with robert, where the words go back; not in #lobby.
      await showView(page, "@robert");
      await waitForLine(page, "error", refusal);
      assert.equal(await page.locator("#message-input").inputValue(), "are you back?");
      await showView(page, "#lobby");
      assert.equal(await logLine(page, "error", refusal).count(), 0, "the refusal in #lobby");
      assert.deepEqual(
        browser.unexpectedProblems([/^console error: WebSocket connection to .* failed/]),
        [],
      );
    } finally {
      await robert?.[Symbol.asyncDispose]();
      await server.close();
    }
  },
);
