/**
 * Small things a new user meets in the terminal and on the page, each
 * checked as that user would meet it: the real terminal client in tmux, the
 * real page in Chromium, against a real server.
 */

import assert from "node:assert/strict";
import { type ChatServer, type ServerOptions, startServer } from "../../server.ts";
import { FreezingProxy } from "../_freezing_proxy.ts";
import { LOOPBACK, TestClient } from "../_test_utils.ts";
import {
  ChatBrowser,
  closeAsks,
  joinAs,
  pageUrl,
  say,
  startWebServer,
  waitForLine,
  waitForStatus,
  webUrl,
} from "./_browser.ts";
import { commandsFor } from "../../core/commands.ts";
import { textWidth } from "../../core/width.ts";
import { testWith } from "./_needs.ts";
import { countLines, TerminalUser, TODAY_STAMP } from "./_terminal_user.ts";
import { Tmux } from "./_tmux.ts";

/** Registers a test of chat join in tmux against a real server started with `options`. */
function terminalTest(
  name: string,
  options: ServerOptions,
  fn: (tmux: Tmux, server: ChatServer) => Promise<void>,
): void {
  testWith(["tmux"], name, async () => {
    await using server = await startServer({ hostname: LOOPBACK, port: 0, ...options });
    const tmux = new Tmux("small-things");
    try {
      await fn(tmux, server);
    } finally {
      await tmux.kill();
    }
  });
}

terminalTest(
  "chat join: /help bell says what /bell does, in the column of every description",
  {},
  async (tmux, server) => {
    const ann = await TerminalUser.join(tmux, "ann", server.addr.port, { height: 40 });
    await ann.enter("/help bell");
    const screen = await ann.waitForLine(/\/bell on\|off\|mentions/);
    const bell = screen.lines.find((line) => line.includes("/bell"));
    assert.match(
      bell ?? "",
      /^-- {3}\/bell on\|off\|mentions {2,}when to ring the bell, a beep on the page \(now: mentions\)$/,
    );
    // The column every description starts in: past the usage column of 21.
    assert.equal(bell!.indexOf("when"), "--   ".length + 21 + 2, bell);
  },
);

terminalTest(
  "chat join: /help at 80x24 lists every command in columns that fit the screen, /help keys the keys",
  {},
  async (tmux, server) => {
    const ann = await TerminalUser.join(tmux, "ann", server.addr.port, { width: 80, height: 24 });
    await ann.enter("/help");
    const heading = "-- Commands (/help COMMAND says what one does; /help keys, the keys):";
    // All of it on one screen: the heading has not scrolled away when //text shows.
    const screen = await ann.waitFor(
      (screen) => screen.lines.includes(heading) && screen.text.includes("//text"),
      "the whole list on the screen",
    );
    const rows = screen.lines.slice(screen.lines.indexOf(heading) + 1, screen.cursor.y);
    assert.ok(rows.length <= 22, screen.text);
    // Each row is usages only, each whole: none wrapped in a word, none past 80 columns.
    for (const row of rows) {
      assert.match(row, /^-- {3}\/\S*( .*)?$/, screen.text);
      assert.ok(textWidth(row) <= 80, row);
    }
    const listed = rows.join("   ").replaceAll("--   ", "   ").split(/ {3,}/).map((cell) =>
      cell.trim()
    ).filter((cell) => cell !== "");
    for (const command of commandsFor(2)) assert.ok(listed.includes(command.usage), command.usage);
    for (const usage of ["/ban NAME|ADDRESS [DURATION] [REASON]", "/ignores", "//text"]) {
      assert.ok(listed.includes(usage), `${usage} in ${screen.text}`);
    }
    // The keys, on their own.
    await ann.enter("/help keys");
    const keys = await ann.waitForLine(/^-- {3}Ctrl-D {2,}leave, on an empty line$/);
    assert.ok(keys.lines.includes("-- Keys:"), keys.text);
    assert.ok(
      keys.lines.includes(
        "--   Alt+1 … Alt+9          look at your rooms and private views, in the order",
      ),
      keys.text,
    );
    // One command by any of its names, with what it does.
    await ann.enter("/help j");
    await ann.waitForLine(
      /^-- {3}\/join #room {12}enter a room, creating it if needed \(also \/j\)$/,
    );
    await ann.enter("/help /exit");
    await ann.waitForLine(/^-- {3}\/quit \[REASON\] {9}leave the chat \(also \/exit\)$/);
    await ann.enter("/help dance");
    // An error, as an unknown command is.
    await ann.waitForLine(/^!! No command \/dance; \/help lists them$/);
  },
);

terminalTest(
  "chat join: /help in a narrow terminal has a usage a row, and /help COMMAND wraps at spaces",
  {},
  async (tmux, server) => {
    const ann = await TerminalUser.join(tmux, "ann", server.addr.port, { width: 40, height: 50 });
    await ann.enter("/help");
    const screen = await ann.waitForLine(/^-- {3}\/\/text$/);
    const help = screen.lines.slice(screen.lines.indexOf("--   /join #room"), screen.cursor.y);
    assert.ok(help.length > 0, screen.text);
    // One usage a row, a long one wrapped at its spaces under its start.
    for (const row of help) assert.match(row, /^(?:-- {3}\/| {5}\S)/, screen.text);
    assert.ok(help.includes("--   /get N|LINK"), screen.text);
    assert.ok(help.includes("     [REASON]"), screen.text);
    await ann.enter("/help get");
    const get = await ann.waitForLine(/^ {7}\/cancel stops it$/);
    assert.ok(get.lines.includes("--   /get N|LINK"), get.text);
    assert.ok(get.lines.includes("       link, into the current folder;"), get.text);
  },
);

terminalTest(
  "chat join: /help says beside /send that a server with --no-files takes none",
  { webPort: 0, files: false },
  async (tmux, server) => {
    await using withFiles = await startWebServer();
    const helpOf = async (name: string, port: number) => {
      const user = await TerminalUser.join(tmux, name, port, { width: 120, height: 50 });
      await user.enter("/help send");
      const screen = await user.waitForLine(/^-- {3}\/send PATH/);
      return screen.lines.filter((line) => line.startsWith("--   /send PATH"));
    };
    const none = await helpOf("ann", server.addr.port);
    assert.equal(none.length, 1, none.join("\n"));
    assert.match(
      none[0]!,
      / {2}upload a file and share it here; \/cancel stops it \(this server takes no files\)$/,
    );
    // A server that takes files: /send as ever.
    const some = await helpOf("bob", withFiles.addr.port);
    assert.equal(some.length, 1, some.join("\n"));
    assert.match(some[0]!, / {2}upload a file and share it here; \/cancel stops it$/);
  },
);

terminalTest(
  "chat join: Ctrl-C or Ctrl-D with a line not sent yet warns first, leaves when pressed again, and says the line was dropped",
  {},
  async (tmux, server) => {
    // Who leaves with which key: the key's name, and how tmux presses it.
    const keys = [["cy", "Ctrl-C", "C-c"], ["dee", "Ctrl-D", "C-d"]] as const;
    const users: TerminalUser[] = [];
    for (const [who] of keys) users.push(await TerminalUser.join(tmux, who, server.addr.port));
    await server.close();
    const unsent = "(offline) #lobby (1 unsent)>";
    for (const user of users) {
      await user.waitFor((screen) => screen.cursorLine === "(offline) #lobby>", "offline");
      await user.enter("kept");
      await user.waitForLine(/^-- Not connected: this will be sent when the connection is back$/);
      await user.waitFor((screen) => screen.cursorLine === unsent, "the line counted as unsent");
    }
    for (const [[, name, key], user] of keys.map((key, i) => [key, users[i]!] as const)) {
      const warning = new RegExp(
        `^-- 1 line is not confirmed by the server yet; press ${name} again to leave anyway$`,
      );
      const warned = (times: number) =>
        user.waitFor(
          (screen) => countLines(screen, warning) === times && screen.cursorLine === unsent,
          `${name}: warning ${times}, and the client still there`,
        );
      await user.press(key);
      await warned(1);
      // Another key between: the next one warns again rather than leaving.
      await user.type("x");
      await user.clearInput(unsent);
      await user.press(key);
      await warned(2);
      await user.press(key);
      const left = await user.waitForLine(/^EXIT=\d+$/);
      assert.ok(left.lines.includes("EXIT=0"), left.text);
      assert.equal(countLines(left, warning), 2, left.text);
      // The line dropped is said once, on standard error, after the terminal is restored.
      const dropped = /^-- 1 line may not have reached the server: it had not confirmed it$/;
      assert.equal(countLines(left, dropped), 1, left.text);
    }
  },
);

terminalTest(
  "chat join: with a line not sent yet, the other leave key than the one that warned warns again",
  {},
  async (tmux, server) => {
    const ann = await TerminalUser.join(tmux, "ann", server.addr.port);
    await server.close();
    await ann.waitFor((screen) => screen.cursorLine === "(offline) #lobby>", "offline");
    const unsent = "(offline) #lobby (1 unsent)>";
    await ann.enter("kept");
    await ann.waitFor((screen) => screen.cursorLine === unsent, "the line counted as unsent");
    const warning = (name: string) =>
      new RegExp(
        `^-- 1 line is not confirmed by the server yet; press ${name} again to leave anyway$`,
      );
    /** Presses `key` and waits until the warnings shown are `ctrlC` of Ctrl-C, `ctrlD` of Ctrl-D. */
    const warned = async (key: string, ctrlC: number, ctrlD: number) => {
      await ann.press(key);
      await ann.waitFor(
        (screen) =>
          countLines(screen, warning("Ctrl-C")) === ctrlC &&
          countLines(screen, warning("Ctrl-D")) === ctrlD && screen.cursorLine === unsent,
        `${key}: ${ctrlC} warnings of Ctrl-C, ${ctrlD} of Ctrl-D, and the client still there`,
      );
    };
    await warned("C-c", 1, 0);
    // The other key is not "the same done again": it warns, naming itself.
    await warned("C-d", 1, 1);
    await warned("C-c", 2, 1);
    // The same key again, right after: it leaves.
    await ann.press("C-c");
    const left = await ann.waitForLine(/^EXIT=\d+$/);
    assert.ok(left.lines.includes("EXIT=0"), left.text);
    assert.equal(countLines(left, warning("Ctrl-C")), 2, left.text);
  },
);

terminalTest(
  "chat join: offline at 30 columns, the prompt still names the room, cut when it must be",
  {},
  async (tmux, server) => {
    const ann = await TerminalUser.join(tmux, "ann", server.addr.port, { width: 30 });
    // Typed past the edge of the terminal: wrapped, as the helpers do not wait for.
    await tmux.type("ann", "/join #release-planning");
    await ann.press("Enter");
    await ann.waitFor((screen) => screen.cursorLine === "#release-pla…>", "the room cut");
    await ann.enter("/switch #lobby");
    await ann.waitFor((screen) => screen.cursorLine.startsWith("#lobby"), "#lobby");
    await server.close();
    await ann.waitFor((screen) => screen.cursorLine === "(offline) #lobby>", "offline in #lobby");
    await tmux.type("ann", "/switch #release-planning");
    await ann.press("Enter");
    await ann.waitFor(
      (screen) => screen.cursorLine === "(offline) #releas…>",
      "offline, the long room cut",
    );
    await ann.type("hi");
    await ann.waitFor((screen) => screen.cursorLine === "(offline) #releas…> hi", "typed");
  },
);

terminalTest(
  "chat join: /quit with lines not sent yet warns first, and leaves when typed again",
  {},
  async (tmux, server) => {
    const ann = await TerminalUser.join(tmux, "ann", server.addr.port);
    await server.close();
    await ann.waitFor((screen) => screen.cursorLine === "(offline) #lobby>", "offline");
    const warning = (count: number) =>
      new RegExp(
        `^-- ${
          count === 1 ? "1 line is" : `${count} lines are`
        } not confirmed by the server yet; type /quit again to leave anyway$`,
      );
    const warned = async (count: number) => {
      const prompt = `(offline) #lobby (${count} unsent)>`;
      await ann.enter("/quit");
      await ann.waitFor(
        (screen) => countLines(screen, warning(count)) === 1 && screen.cursorLine === prompt,
        `the warning of ${count} lines, and the client still there`,
      );
    };
    await ann.enter("kept");
    await ann.waitFor(
      (screen) => screen.cursorLine === "(offline) #lobby (1 unsent)>",
      "the line counted as unsent",
    );
    await warned(1);
    // Another line between: the next /quit warns again rather than leaving.
    await ann.enter("also kept");
    await warned(2);
    await ann.enter("/quit");
    const left = await ann.waitForLine(/^EXIT=\d+$/);
    assert.ok(left.lines.includes("EXIT=0"), left.text);
    assert.equal(countLines(left, warning(2)), 1, left.text);
    assert.ok(
      left.lines.includes("-- 2 lines may not have reached the server: it had not confirmed them"),
      left.text,
    );
  },
);

terminalTest(
  "chat join: leaving with a line a server standing still has not confirmed says it may not have reached it",
  {},
  async (tmux, server) => {
    await using proxy = new FreezingProxy(server.addr.port);
    await using bob = await TestClient.join2(server.addr.port, "bob");
    const ann = await TerminalUser.join(tmux, "ann", proxy.port);
    await bob.next("joined", (frame) => frame.name === "ann");
    // The server stands still, as one stopped does: the line goes out, and nothing answers it.
    proxy.freeze();
    await ann.enter("into the freeze");
    await ann.enter("/quit");
    await ann.waitForLine(
      /^-- 1 line is not confirmed by the server yet; type \/quit again to leave anyway$/,
    );
    await ann.enter("/quit");
    const left = await ann.waitForLine(/^EXIT=\d+$/);
    assert.ok(left.lines.includes("EXIT=0"), left.text);
    assert.ok(
      left.lines.includes("-- 1 line may not have reached the server: it had not confirmed it"),
      left.text,
    );
    // The server goes on, and reads the line: the client could not have said it was not sent.
    proxy.thaw();
    const message = await bob.next("message", (frame) => frame.from === "ann");
    assert.equal(message.text, "into the freeze");
  },
);

terminalTest(
  "chat join: a line of emoji joined by zero-width joiners wraps where the terminal's row ends",
  {},
  async (tmux, server) => {
    await using bob = await TestClient.join2(server.addr.port, "bob");
    const ann = await TerminalUser.join(tmux, "ann", server.addr.port, { width: 40 });
    await bob.next("joined", (frame) => frame.name === "ann");
    // Of three (tmux keeps at most 21 bytes of a character: a family of four loses its last).
    const family = "👨‍👩‍👧";
    // "[hh:mm:ss] bob: " leaves 24 columns: twelve families of two columns each.
    await bob.say(`${family.repeat(12)} ${family}`);
    const screen = await ann.waitForLine(new RegExp(`^${TODAY_STAMP} bob: ${family}`));
    const at = screen.lines.findIndex((line) => line.includes(" bob: "));
    assert.deepEqual(
      screen.lines.slice(at, at + 2),
      [`${screen.lines[at]!.slice(0, 16)}${family.repeat(12)}`, `${" ".repeat(16)}${family}`],
      screen.text,
    );
  },
);

terminalTest(
  "chat join: a narrow prompt keeps the count of what waits elsewhere, cutting the room's name first",
  {},
  async (tmux, server) => {
    await using bob = await TestClient.join2(server.addr.port, "bob");
    // 24 columns leave the prompt 12 of its own: "#lobby [+1]> " is 13 wide.
    const ann = await TerminalUser.start(tmux, "ann", server.addr.port, {
      args: ["--name", "ann"],
      width: 24,
    });
    await bob.next("joined", (frame) => frame.name === "ann");
    await ann.waitFor((screen) => screen.cursorLine === "#lobby>", 'the prompt "#lobby>"');
    await bob.send({ type: "msg", to: "ann", text: "ann, a word?" });
    await ann.waitFor(
      (screen) => /^#lobby \[\+1!?\]>$/.test(screen.cursorLine),
      'the prompt "#lobby [+1]>"',
    );
  },
);

terminalTest(
  "chat join: /history of one message says so in the singular",
  {},
  async (tmux, server) => {
    const ann = await TerminalUser.join(tmux, "ann", server.addr.port);
    await ann.enter("only one");
    await ann.enter("/history");
    const screen = await ann.waitForLine(/^-- The last (1 )?messages? of #lobby:$/);
    assert.equal(countLines(screen, /^-- The last message of #lobby:$/), 1, screen.text);
  },
);

terminalTest(
  "chat join: a wrong password asks again on a clean line",
  { password: "open sesame" },
  async (tmux, server) => {
    const ann = await TerminalUser.start(tmux, "ann", server.addr.port, {
      args: ["--name", "ann"],
    });
    await ann.waitFor((screen) => screen.cursorLine === "Password:", 'the "Password:" prompt');
    await ann.tmux.type(ann.session, "wrong");
    await ann.press("Enter");
    const again = await ann.waitFor(
      (screen) => screen.text.includes("Wrong password") && /Password:$/.test(screen.cursorLine),
      'the error, then "Password:" again',
    );
    assert.equal(again.cursorLine, "Password:", again.text);
    assert.deepEqual(again.lines.filter((line) => line.startsWith(">")), [], again.text);
    await ann.tmux.type(ann.session, "open sesame");
    await ann.press("Enter");
    await ann.waitFor((screen) => screen.cursorLine === "#lobby>", "ann to be connected");
  },
);

terminalTest(
  "chat join: /join with a room name of words says a room name has no spaces",
  {},
  async (tmux, server) => {
    const ann = await TerminalUser.join(tmux, "ann", server.addr.port);
    await ann.enter("/join #team chat");
    // Refused as typed, it comes back to the input line to be mended, as refused words do.
    const screen = await ann.waitFor(
      (screen) => screen.cursorLine === "#lobby> /join #team chat",
      "the line back on the input line",
    );
    const at = screen.lines.findIndex((line) => line.startsWith("!! "));
    assert.deepEqual(screen.lines.slice(at, at + 2), [
      '!! Cannot join "#team chat": a room name has no spaces; try #team-chat — back on your input line;',
      "   Ctrl-U clears it",
    ]);
    assert.equal(countLines(screen, /^!! /), 1, screen.text);
    assert.equal(countLines(screen, /You are in #team\b/), 0, screen.text);
  },
);

terminalTest(
  "chat join pointed at the web port says so, and names the chat port",
  { webPort: 0 },
  async (tmux, server) => {
    const web = `${LOOPBACK}:${server.webAddr!.port}`;
    const ann = await TerminalUser.start(tmux, "ann", server.webAddr!.port, {
      args: ["--name", "ann"],
      width: 200,
    });
    const screen = await ann.waitForLine(/^EXIT=/);
    assert.deepEqual(screen.lines.filter((line) => line !== ""), [
      `chat: ${web} is a web port, for browsers (http://${web}/); ` +
      `join its chat port instead: chat join ${LOOPBACK}:${server.addr.port}`,
      "EXIT=1",
    ]);
  },
);

terminalTest(
  "chat join pointed at the IRC port says so at once, and where to go",
  { ircPort: 0 },
  async (tmux, server) => {
    const irc = `${LOOPBACK}:${server.ircAddr!.port}`;
    const started = performance.now();
    const ann = await TerminalUser.start(tmux, "ann", server.ircAddr!.port, {
      args: ["--name", "ann"],
      width: 200,
    });
    const screen = await ann.waitForLine(/^EXIT=/);
    assert.deepEqual(screen.lines.filter((line) => line !== ""), [
      `chat: ${irc} is an IRC port, for IRC clients (irc://${irc}); ` +
      "join its chat port instead: the one chat serve prints (5002 by default)",
      "EXIT=1",
    ]);
    // Not after the IRC port's wait for a registration, nor the client's for a welcome.
    const took = performance.now() - started;
    assert.ok(took < 8_000, `told after ${Math.round(took)} ms`);
  },
);

testWith(
  ["chromium"],
  "web page: a second tab whose remembered name is taken asks for another at once",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    await using watcher = await TestClient.join(server.addr.port, "watcher");
    const first = await browser.openAs(webUrl(server), "web-ann");
    await watcher.next("joined", (frame) => frame.name === "web-ann");

    // The second tab remembers web-ann too; count the hellos it says.
    let hellos = 0;
    browser.context.on("page", (page) => {
      page.on("websocket", (socket) => {
        socket.on("framesent", ({ payload }) => {
          if (String(payload).includes('"type":"hello"')) hellos++;
        });
      });
    });
    const second = await browser.open(webUrl(server));
    await second.locator("#name-error", { hasText: "taken" }).waitFor();
    assert.ok(await second.locator("#name-screen").isVisible(), "the name form");
    assert.equal(await second.locator("#name-input").inputValue(), "web-ann");
    assert.equal(hellos, 1, "the name was asked for once, not again and again");
    // The first tab keeps its name.
    assert.equal(await first.locator("#me-name").textContent(), "web-ann");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: the host's own name is refused on the page, before any hello",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    const page = await browser.open(webUrl(server));
    let hellos = 0;
    page.on("websocket", (socket) => {
      socket.on("framesent", ({ payload }) => {
        if (String(payload).includes('"type":"hello"')) hellos++;
      });
    });
    await page.locator("#name-input").fill("Host");
    await page.locator("#name-submit").click();
    await page.locator("#name-error", { hasText: 'The name "Host" is reserved' }).waitFor();
    assert.equal(hellos, 0, "no hello for a name the server would refuse");
    // A good name still joins from the same form.
    await joinAs(page, "web-ann");
    assert.equal(hellos, 1);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: closing the tab with a line not sent yet asks first; with nothing waiting it does not",
  async () => {
    await using server = await startWebServer();
    await using proxy = new FreezingProxy(server.webAddr!.port);
    await using watcher = await TestClient.join(server.addr.port, "watcher");
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(pageUrl(proxy.port), "web-ann");
    await say(page, "sent");
    await waitForLine(page, "message", "sent");
    // The link goes, and the page's attempts to come back get no answer.
    proxy.freeze();
    proxy.cut();
    await waitForStatus(page, /^Reconnecting in \d+ s$/);
    await say(page, "kept");
    await waitForLine(page, "pending", "kept");

    assert.equal(await closeAsks(page), true, "the browser asked before closing the tab");
    // ChatBrowser dismisses the dialog: the user stays, and so does the line.
    await waitForLine(page, "pending", "kept");
    assert.ok(!page.isClosed(), "the page stayed");

    proxy.thaw();
    await watcher.next("message", (frame) => frame.from === "web-ann" && frame.text === "kept");
    await page.locator("#log .line.pending").waitFor({ state: "detached", timeout: 15_000 });
    await waitForLine(page, "message", "kept");
    assert.equal(await closeAsks(page), false, "the tab closed without a question");

    const leaving = /^dialog \(beforeunload\)/;
    assert.equal(browser.problems.filter((problem) => leaving.test(problem)).length, 1);
    // While the link was down the page's attempts may fail, as they should.
    assert.deepEqual(
      browser.unexpectedProblems([leaving, /^console error: WebSocket connection to .* failed/]),
      [],
    );
  },
);

testWith(
  ["chromium"],
  "web page: closing the tab just after a line was sent on a link that stopped answering asks first",
  async () => {
    await using server = await startWebServer();
    await using proxy = new FreezingProxy(server.webAddr!.port);
    await using watcher = await TestClient.join(server.addr.port, "watcher");
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(pageUrl(proxy.port), "web-ann");
    // The server stops answering, without a word: the page cannot know yet that the link died.
    proxy.freeze();
    await say(page, "just typed");
    await waitForLine(page, "pending", "just typed");

    // At once, not only once the line has waited long enough to be counted as unsent.
    assert.equal(await closeAsks(page), true, "the browser asked before closing the tab");
    assert.ok(!page.isClosed(), "the page stayed");
    proxy.thaw();
    await watcher.next(
      "message",
      (frame) => frame.from === "web-ann" && frame.text === "just typed",
    );
    await page.locator("#log .line.pending").waitFor({ state: "detached", timeout: 15_000 });
    assert.equal(await closeAsks(page), false, "the tab closed without a question");

    const leaving = /^dialog \(beforeunload\)/;
    assert.equal(browser.problems.filter((problem) => leaving.test(problem)).length, 1);
    // Found dead meanwhile, the link may be given up on, and the page's attempts may fail.
    assert.deepEqual(
      browser.unexpectedProblems([leaving, /^console error: WebSocket connection to .* failed/]),
      [],
    );
  },
);

terminalTest(
  "chat join: a message of several lines shows its lines under its words, a code block apart",
  {},
  async (tmux, server) => {
    const ann = await TerminalUser.join(tmux, "ann", server.addr.port, { height: 30 });
    await using bob = await TestClient.join2(server.addr.port, "bob");
    await bob.send({
      type: "say",
      text: 'Traceback (most recent call last):\n  File "x.py"\n\tboom()',
    });
    let screen = await ann.waitForLine(/^ +\s{4}boom\(\)$/);
    const first = screen.lines.findIndex((line) =>
      line.endsWith("bob: Traceback (most recent call last):")
    );
    assert.ok(first !== -1, screen.lines.join("\n"));
    const column = screen.lines[first]!.indexOf("Traceback");
    assert.deepEqual(screen.lines.slice(first + 1, first + 3), [
      `${" ".repeat(column)}  File "x.py"`,
      `${" ".repeat(column)}    boom()`,
    ]);
    await bob.send({ type: "say", text: "```python\nif ok:\n    run()\n```" });
    screen = await ann.waitForLine(/^ +\s{4}run\(\)$/);
    const code = screen.lines.findIndex((line) => /\] bob:$/.test(line));
    assert.ok(code !== -1, screen.lines.join("\n"));
    assert.deepEqual(screen.lines.slice(code + 1, code + 3), [
      `${" ".repeat(column)}if ok:`,
      `${" ".repeat(column)}    run()`,
    ]);
    assert.ok(!screen.lines.some((line) => line.includes("```")), "the fences are not shown");
  },
);
