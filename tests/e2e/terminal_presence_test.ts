/**
 * Presence in the terminal, as alice at the real `chat join` in tmux meets
 * it against a real server, with bob and carol as raw clients of version 2:
 * "bob is typing…" on her prompt line (gone when he leaves), bob away in `/who` and in answer to a
 * private message, her own keys telling the room she types (unless
 * `/typing off`), `/ignore` hiding bob across a restart and across his
 * `/nick`, and going away by herself after `--away-after`, and words to bob
 * once he has left coming
 * back to her input line, all of them when several are refused at once,
 * or, while she types a line of her own, under Up instead, the refusal
 * saying which.
 * Every wait is for an event, with a timeout.
 */

import assert from "node:assert/strict";
import { type ChatServer, startServer } from "../../server.ts";
import { FreezingProxy } from "../_freezing_proxy.ts";
import { freePort, LOOPBACK, TestClient } from "../_test_utils.ts";
import { testWith } from "./_needs.ts";
import { countLines, said, TerminalUser } from "./_terminal_user.ts";
import {
  clientUnder,
  joinCommand,
  ROOT,
  type Screen,
  shellQuote,
  Tmux,
  waitFor,
  whilePaused,
} from "./_tmux.ts";
import { TYPING_SHOWN_MS } from "../../core/presence.ts";
import { TYPING_RELAY_MS } from "../../protocol.ts";
import { parseOpFile } from "../../server/hub/moderation.ts";

/**
 * Starts `chat join --name NAME ARGS` in a tmux session whose configuration
 * folder is `config` (`XDG_CONFIG_HOME`), and waits until it is connected.
 */
async function joinWith(
  tmux: Tmux,
  session: string,
  port: number,
  config: string,
  args: string[] = [],
): Promise<TerminalUser> {
  const command = `${joinCommand(port, "--name", "alice", ...args)}; echo EXIT=$?; sleep 60`;
  await tmux.newSession(session, `sh -c ${shellQuote(command)}`, {
    cwd: ROOT,
    env: { XDG_CONFIG_HOME: config },
  });
  const user = new TerminalUser(tmux, session);
  await user.waitFor(
    (screen) =>
      screen.lines.some((line) => line.startsWith("-- Connected to ")) &&
      screen.cursorLine === "#lobby>",
    `alice to be connected at an empty "#lobby> " line`,
  );
  return user;
}

/** Runs `fn` with a server on loopback, a tmux server and a configuration folder. */
async function withChat(
  fn: (port: number, tmux: Tmux, config: string) => Promise<void>,
): Promise<void> {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const tmux = new Tmux("presence");
  const config = await Deno.makeTempDir({ prefix: "chat-config-" });
  try {
    await fn(server.addr.port, tmux, config);
  } finally {
    await tmux.kill();
    await Deno.remove(config, { recursive: true });
  }
}

/** `text` of a screen with its wrapped rows joined again, each row break a space. */
const oneRow = (text: string) => text.replace(/\s+/g, " ");

const typingLine = (screen: Screen) => screen.cursorLine.startsWith("(bob is typing…) #lobby>");

testWith(["tmux"], "chat join shows who is typing on the prompt line, for a while", async () => {
  await withChat(async (port, tmux, config) => {
    const alice = await joinWith(tmux, "alice", port, config);
    await using bob = await TestClient.join2(port, "bob");
    await alice.waitForLine(/bob joined #lobby/);

    // Typed while bob types: the draft stays as it was.
    await alice.type("draft");
    const sent = performance.now();
    await bob.send({ type: "typing", room: "#lobby" });
    const shown = await alice.waitFor(typingLine, '"(bob is typing…)" on the prompt line', 1_500);
    assert.equal(shown.cursorLine, "(bob is typing…) #lobby> draft", shown.text);
    assert.ok(performance.now() - sent < 1_500);

    // Nothing more from bob: it goes a few seconds after.
    const gone = await alice.waitFor(
      (screen) => screen.cursorLine === "#lobby> draft",
      "the typing to be gone",
      TYPING_SHOWN_MS + 5_000,
    );
    const after = performance.now() - sent;
    assert.ok(after >= TYPING_SHOWN_MS - 1_500, `gone after ${after} ms`);
    assert.equal(countLines(gone, /typing/), 0, gone.text);

    // Again, then his message comes: gone at once, long before it would run out.
    await bob.send({ type: "typing", room: "#lobby" });
    await alice.waitFor(typingLine, "the typing again");
    const before = performance.now();
    await bob.send({ type: "say", text: "here it is", room: "#lobby" });
    await alice.waitFor(
      (screen) =>
        countLines(screen, said("bob", "here it is")) === 1 &&
        screen.cursorLine === "#lobby> draft",
      "bob's message, and the typing gone with it",
      3_000,
    );
    assert.ok(performance.now() - before < TYPING_SHOWN_MS - 1_000);
  });
});

testWith(
  ["tmux"],
  "chat join: someone typing to you alone says so on the prompt line",
  async () => {
    await withChat(async (port, tmux, config) => {
      const alice = await joinWith(tmux, "alice", port, config);
      await using bob = await TestClient.join2(port, "bob");
      await alice.waitForLine(/bob joined #lobby/);
      await bob.send({ type: "typing", to: "alice" });
      await alice.waitFor(
        (screen) => screen.cursorLine === "(bob is typing to you…) #lobby>",
        '"(bob is typing to you…)" on the prompt line',
      );
    });
  },
);

testWith(["tmux"], "chat join: who is typing shows whole on a wide terminal", async () => {
  await withChat(async (port, tmux, config) => {
    const alice = await joinWith(tmux, "alice", port, config);
    await using robert = await TestClient.join2(port, "Robert");
    await alice.waitForLine(/Robert joined #lobby/);
    await using korean = await TestClient.join2(port, "한국어이름");
    await alice.waitForLine(/한국어이름 joined #lobby/);
    await robert.send({ type: "typing", room: "#lobby" });
    await korean.send({ type: "typing", room: "#lobby" });
    // 100 columns: the names, whole, and the room, with most of the row left to type.
    await alice.waitFor(
      (screen) => screen.cursorLine === "(Robert and 한국어이름 are typing…) #lobby>",
      "both names whole on the prompt line",
    );
  });
});

testWith(["tmux"], "chat join: who takes another name or leaves is no longer typing", async () => {
  await withChat(async (port, tmux, config) => {
    const alice = await joinWith(tmux, "alice", port, config);
    await using bob = await TestClient.join2(port, "bob");
    await alice.waitForLine(/bob joined #lobby/);
    await using carol = await TestClient.join2(port, "carol");
    await alice.waitForLine(/carol joined #lobby/);

    // Each goes long before "is typing" would run out by itself.
    await bob.send({ type: "typing", room: "#lobby" });
    await alice.waitFor(typingLine, "bob typing");
    await bob.send({ type: "say", text: "/nick bobby", room: "#lobby" });
    await alice.waitFor(
      (screen) =>
        countLines(screen, /^-- \[\d\d:\d\d:\d\d\] bob is now bobby$/) === 1 &&
        screen.cursorLine === "#lobby>",
      "bob renamed, and nobody typing",
      TYPING_SHOWN_MS / 2,
    );

    await carol.send({ type: "typing", room: "#lobby" });
    await alice.waitFor(
      (screen) => screen.cursorLine === "(carol is typing…) #lobby>",
      "carol typing",
    );
    await carol.send({ type: "quit" });
    await carol.closed();
    await alice.waitFor(
      (screen) =>
        countLines(screen, /^-- \[\d\d:\d\d:\d\d\] carol left #lobby/) === 1 &&
        screen.cursorLine === "#lobby>",
      "carol gone, and nobody typing",
      TYPING_SHOWN_MS / 2,
    );
  });
});

testWith(
  ["tmux"],
  "chat join: an operator's rename is one line, and the private view tells the new name",
  async () => {
    await using server = await startServer({
      hostname: LOOPBACK,
      port: 0,
      operators: parseOpFile("Zoë s3cret\n"),
    });
    const port = server.addr.port;
    const tmux = new Tmux("presence");
    try {
      const alice = await TerminalUser.join(tmux, "alice", port);
      await using zoe = await TestClient.join2(port, "Zoë");
      await zoe.say("/oper s3cret");
      await zoe.next("notice", (frame) => / is an operator/.test(frame.text));
      await using bob = await TestClient.join2(port, "bob");
      await alice.waitForLine(/bob joined #lobby/);
      await bob.send({ type: "msg", to: "alice", text: "psst" });
      await alice.waitForLine(/\[private\] bob → you: psst$/);

      await zoe.say("/rename bob robert");
      await zoe.say("done");
      const screen = await alice.waitForLine(said("Zoë", "done"));
      const renamed = /^-- \[\d\d:\d\d:\d\d\] Zoë renamed bob to robert$/;
      assert.equal(countLines(screen, renamed), 1, screen.text);
      // Above the prompt, which counts the private view with robert.
      const above = screen.lines.slice(0, screen.cursor.y);
      assert.equal(above.filter((line) => /robert/.test(line)).length, 1, screen.text);

      // The private view, under the new name: what bob wrote, then that he is robert now.
      await alice.enter("/switch @robert");
      const now = /^-- \[\d\d:\d\d:\d\d\] bob is now robert$/;
      const view = await alice.waitFor(
        (screen) => screen.cursorLine === "@robert>" && countLines(screen, now) === 1,
        "the private view with robert, and the line that bob is robert now",
      );
      const psst = view.lines.findLastIndex((line) => /\[private\] bob → you: psst$/.test(line));
      const told = view.lines.findIndex((line) => now.test(line));
      assert.ok(psst >= 0 && psst < told, view.text);
      assert.ok(told > view.lines.findIndex((line) => renamed.test(line)), view.text);
    } finally {
      await tmux.kill();
    }
  },
);

testWith(["tmux"], "chat join: bob away shows in /who and answers alice's /msg", async () => {
  await withChat(async (port, tmux, config) => {
    const alice = await joinWith(tmux, "alice", port, config);
    await using bob = await TestClient.join2(port, "bob");
    await alice.waitForLine(/bob joined #lobby/);
    await bob.send({ type: "say", text: "/away lunch", room: "#lobby" });
    await alice.waitForLine(/^-- \[\d\d:\d\d:\d\d\] bob is away: lunch$/);
    await alice.enter("/who");
    await alice.waitForLine(
      /^-- #lobby: 2 people here: alice \(you, terminal\), bob \(away since \d\d:\d\d: lunch, json\)$/,
    );
    await alice.enter("/msg bob hi");
    // The message goes, and alice is told once why bob may not answer soon.
    const screen = await alice.waitFor(
      (screen) =>
        countLines(screen, /^-- bob is away: lunch$/) === 1 &&
        countLines(screen, /\] \[private\] you → bob: hi$/) === 1,
      "the private message, and that bob is away",
    );
    assert.equal(countLines(screen, /bob is away: lunch$/), 2, screen.text);
    await bob.next("private", (frame) => frame.text === "hi");
  });
});

testWith(["tmux"], "chat join tells the room alice types, unless /typing off", async () => {
  await withChat(async (port, tmux, config) => {
    const alice = await joinWith(tmux, "alice", port, config);
    await using bob = await TestClient.join2(port, "bob");
    await alice.waitForLine(/bob joined #lobby/);
    await alice.type("hel");
    const typing = await bob.next("typing");
    assert.deepEqual(typing, { type: "typing", name: "alice", room: "#lobby" });
    await alice.press("Enter");
    await bob.next("message", (frame) => frame.from === "alice" && frame.text === "hel");

    // carol turns it off before typing anything: bob never hears her typing.
    const carol = await TerminalUser.join(tmux, "carol", port);
    await carol.enter("/typing off");
    await carol.waitForLine(/^-- Typing: off/);
    await carol.enter("a secret draft");
    await bob.next("message", (frame) => frame.from === "carol");
    assert.deepEqual(
      bob.all("typing").filter((frame) => frame.name === "carol"),
      [],
      "no typing from carol",
    );
  });
});

/** Lets `ms` go by between two lines a fast typist sends: the scenario's pace, not a wait. */
function typistPause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

testWith(
  ["tmux"],
  "chat join: 36 lines typed at 20 a second stay within the burst, typing told every 2 s",
  async () => {
    await withChat(async (port, tmux, config) => {
      await using proxy = new FreezingProxy(port);
      await using bob = await TestClient.join2(port, "bob");
      await joinWith(tmux, "alice", proxy.port, config);
      // 40 messages at once, then 10 a second (the server's default rate): 36 lines in under 2 s
      // are within it, unless what else the client sends eats the burst.
      const lines = 36;
      const start = performance.now();
      for (let i = 1; i <= lines; i++) {
        await tmux.run(
          "send-keys",
          "-t",
          "alice",
          "-l",
          `line ${i}`,
          ";",
          "send-keys",
          "-t",
          "alice",
          "Enter",
        );
        await typistPause(Math.max(0, start + i * 50 - performance.now()));
      }
      await bob.next("message", (frame) => frame.text === `line ${lines}`, 15_000);
      const took = performance.now() - start;
      const said = proxy.sent[0]!.split("\n").filter((line) => line.includes('"type":"say"'));
      assert.equal(said.length, lines);
      assert.ok(!proxy.replies.includes('"rate_limited"'), proxy.replies);
      // One as the first line begins, then at most one each time the server relays one again.
      const told = bob.all("typing").length;
      const typing = proxy.sent[0]!.split("\n").filter((line) => line.includes('"type":"typing"'));
      assert.ok(told >= 1, "bob was told alice types");
      assert.ok(
        typing.length <= 1 + Math.floor(took / TYPING_RELAY_MS),
        `${typing.length} typing frames in ${Math.round(took)} ms`,
      );
    });
  },
);

testWith(["tmux"], "chat join: /ignore hides bob, and is remembered after a restart", async () => {
  await withChat(async (port, tmux, config) => {
    let alice = await joinWith(tmux, "alice", port, config);
    await using bob = await TestClient.join2(port, "bob");
    await using carol = await TestClient.join2(port, "carol");
    await alice.waitForLine(/carol joined #lobby/);
    await alice.enter("/ignore bob");
    await alice.waitForLine(/^-- You ignore bob now/);
    await bob.send({ type: "say", text: "spam one", room: "#lobby" });
    await bob.send({ type: "typing", room: "#lobby" });
    await bob.send({ type: "msg", to: "alice", text: "psst" });
    await bob.sync();
    await carol.send({ type: "say", text: "after one", room: "#lobby" });
    let screen = await alice.waitForLine(said("carol", "after one"));
    assert.equal(countLines(screen, /spam one|psst/), 0, screen.text);
    assert.equal(screen.cursorLine, "#lobby>", screen.text);

    // Written down for this server: a new chat join still ignores bob, his history too.
    await alice.enter("/quit");
    await alice.waitFor((s) => s.exitStatus !== undefined || s.text.includes("EXIT=0"), "exit");
    const stored = JSON.parse(await Deno.readTextFile(`${config}/chat/ignores.json`));
    assert.deepEqual(stored, { [`127.0.0.1:${port}`]: ["bob"] });
    alice = await joinWith(tmux, "alice-again", port, config);
    await bob.send({ type: "say", text: "spam two", room: "#lobby" });
    await bob.sync();
    await carol.send({ type: "say", text: "after two", room: "#lobby" });
    screen = await alice.waitForLine(said("carol", "after two"));
    assert.equal(countLines(screen, said("carol", "after one")), 1, "the history replayed");
    assert.equal(countLines(screen, /spam/), 0, screen.text);
    await alice.enter("/ignores");
    await alice.waitForLine(/^-- You ignore bob$/);
    await alice.enter("/unignore bob");
    await alice.waitForLine(/^-- You no longer ignore bob$/);
    await bob.send({ type: "say", text: "visible", room: "#lobby" });
    await alice.waitForLine(said("bob", "visible"));
  });
});

testWith(
  ["tmux"],
  "chat join: /ignore follows bob across his /nick, his earlier lines too, and remembers both names",
  async () => {
    await withChat(async (port, tmux, config) => {
      let alice = await joinWith(tmux, "alice", port, config);
      await using bob = await TestClient.join2(port, "bob");
      await using carol = await TestClient.join2(port, "carol");
      await alice.waitForLine(/carol joined #lobby/);
      // Typed in capitals, ignored as he has it.
      await alice.enter("/ignore BOB");
      await alice.waitForLine(/^-- You ignore bob now/);
      await bob.send({ type: "say", text: "bob speaks now", room: "#lobby" });
      await bob.send({ type: "nick", name: "bob2" });
      await alice.waitForLine(/bob is now bob2$/);
      await bob.send({ type: "say", text: "spam as bob2", room: "#lobby" });
      await bob.send({ type: "typing", room: "#lobby" });
      await bob.send({ type: "msg", to: "alice", text: "psst as bob2" });
      await bob.sync();
      await carol.send({ type: "say", text: "after the rename", room: "#lobby" });
      const screen = await alice.waitForLine(said("carol", "after the rename"));
      assert.equal(countLines(screen, /spam as bob2|psst as bob2/), 0, screen.text);
      assert.equal(screen.cursorLine, "#lobby>", screen.text);
      await alice.enter("/ignores");
      await alice.waitForLine(/^-- You ignore bob2$/);
      // What he said as bob before the rename stays hidden in /history too.
      await alice.enter("/history 20");
      await alice.waitFor(
        (s) => countLines(s, said("carol", "after the rename")) === 2,
        "the history's last line",
      );
      assert.equal(countLines(await alice.screen(), /bob speaks now/), 0);

      await alice.enter("/quit");
      await alice.waitFor((s) => s.exitStatus !== undefined || s.text.includes("EXIT=0"), "exit");
      const stored = JSON.parse(await Deno.readTextFile(`${config}/chat/ignores.json`));
      const list = stored[`127.0.0.1:${port}`];
      assert.equal(list[0], "bob2");
      assert.deepEqual({ ...list[1], until: 0 }, { name: "bob", until: 0, now: "bob2" });
      // And after a restart, in the history replayed; someone else called bob since is not.
      await using other = await TestClient.join2(port, "bob");
      await other.send({ type: "say", text: "another bob", room: "#lobby" });
      await other.sync();
      alice = await joinWith(tmux, "alice-again", port, config);
      const again = await alice.waitForLine(said("bob", "another bob"));
      assert.equal(countLines(again, said("carol", "after the rename")), 1, again.text);
      assert.equal(countLines(again, /bob speaks now/), 0, again.text);
    });
  },
);

testWith(["tmux"], "chat join --away-after goes away when idle, back at the next key", async () => {
  await withChat(async (port, tmux, config) => {
    await using bob = await TestClient.join2(port, "bob");
    // 0.05 minutes: 3 s.
    const alice = await joinWith(tmux, "alice", port, config, ["--away-after", "0.05"]);
    const away = await bob.next("away", (frame) => frame.name === "alice", 15_000);
    assert.equal(away.reason, "idle");
    await alice.waitForLine(/^-- \[\d\d:\d\d:\d\d\] You are away: idle; any key brings you back$/);
    await alice.press("Left");
    await bob.next("back", (frame) => frame.name === "alice");
    await alice.waitForLine(/^-- \[\d\d:\d\d:\d\d\] You are back$/);
    await alice.type("x");
    await bob.next("typing", (frame) => frame.name === "alice");
    assert.equal(bob.all("back").length, 1, "back once");
  });
});

testWith(
  ["tmux"],
  "chat join --away-after is away again at once after a restart or a cut connection",
  async (t) => {
    // 0.1 minutes: 6 s. Coming back, alice must be away again well before that.
    const AWAY_AFTER_MS = 6_000;
    const port = freePort();
    // Bob answers no heartbeat: the server keeps him all the same.
    const serve = () => startServer({ hostname: LOOPBACK, port, heartbeat: 3600 });
    let server: ChatServer = await serve();
    const tmux = new Tmux("idle-again");
    const config = await Deno.makeTempDir({ prefix: "chat-config-" });
    let bob: TestClient | undefined;
    try {
      // Through a proxy, which can cut alice's connection alone.
      await using proxy = new FreezingProxy(port);
      bob = await TestClient.join2(port, "bob");
      const alice = await joinWith(tmux, "alice", proxy.port, config, ["--away-after", "0.1"]);
      const first = await bob.next("away", (frame) => frame.name === "alice", 15_000);
      assert.equal(first.reason, "idle");
      await alice.waitForLine(
        /^-- \[\d\d:\d\d:\d\d\] You are away: idle; any key brings you back$/,
      );

      /** Waits until bob sees alice come back, then away by herself, soon after. */
      const awayAgain = async (watcher: TestClient) => {
        await watcher.next("joined", (frame) => frame.name === "alice", 20_000);
        const back = performance.now();
        const away = await watcher.next("away", (frame) => frame.name === "alice", 15_000);
        const after = performance.now() - back;
        assert.equal(away.reason, "idle");
        assert.ok(after < AWAY_AFTER_MS / 2, `away ${Math.round(after)} ms after coming back`);
      };

      await t.step("after the server restarts", async () => {
        // Held until the new server runs and bob is back in it, to see alice come back.
        proxy.freeze();
        await bob!.send({ type: "quit" });
        await bob![Symbol.asyncDispose]();
        await server[Symbol.asyncDispose]();
        server = await serve();
        bob = await TestClient.join2(port, "bob");
        proxy.thaw();
        await awayAgain(bob);
        await alice.waitFor(
          (screen) =>
            countLines(screen, /Reconnected as alice/) === 1 &&
            countLines(screen, /You are away: idle; any key brings you back$/) === 2,
          "alice back, and told she is away again",
        );
        // A key brings her back, as before.
        await alice.press("Left");
        await bob.next("back", (frame) => frame.name === "alice");
        await alice.waitForLine(/^-- \[\d\d:\d\d:\d\d\] You are back$/);
      });

      await t.step("after only her connection was cut", async () => {
        await bob!.next("away", (frame) => frame.name === "alice", 15_000);
        proxy.cut();
        await awayAgain(bob!);
        await alice.press("Left");
        await bob!.next("back", (frame) => frame.name === "alice");
      });

      await t.step("an /away of her own is said again, and no key ends it", async () => {
        await alice.enter("/away lunch");
        await bob!.next("away", (frame) => frame.name === "alice" && frame.reason === "lunch");
        proxy.cut();
        await bob!.next("joined", (frame) => frame.name === "alice", 20_000);
        await bob!.next("away", (frame) => frame.name === "alice" && frame.reason === "lunch");
        // Her typing, which follows any back her key would send.
        await alice.type("x");
        await bob!.next("typing", (frame) => frame.name === "alice");
        assert.equal(bob!.all("back").length, 2, "back only after each away by herself");
      });
      assert.deepEqual(
        bob.all("away").filter((frame) => frame.name === "alice").map((frame) => frame.reason),
        ["idle", "idle", "idle", "lunch", "lunch"],
        "said once each time",
      );
    } finally {
      await bob?.[Symbol.asyncDispose]();
      await tmux.kill();
      await server[Symbol.asyncDispose]();
      await Deno.remove(config, { recursive: true });
    }
  },
);

testWith(
  ["tmux"],
  "chat join: words to someone who has left come back to the input line, refused, all of them",
  async () => {
    await withChat(async (port, tmux, config) => {
      const alice = await joinWith(tmux, "alice", port, config);
      {
        await using bob = await TestClient.join2(port, "bob");
        await alice.waitForLine(/bob joined #lobby/);
        await alice.enter("/switch @bob");
        await alice.waitFor((screen) => screen.cursorLine === "@bob>", 'an empty "@bob> " line');
        await bob.send({ type: "quit" });
        await bob.closed();
      }
      await alice.waitForLine(/bob left #lobby \(quit\)$/);
      const refused = /^!! .*nobody called "bob" is on this chat/;
      await alice.enter("lunch?");
      const screen = await alice.waitFor(
        (screen) => countLines(screen, refused) === 1 && screen.cursorLine === "@bob> lunch?",
        "the refusal, and the words back on the input line",
      );
      assert.equal(
        countLines(screen, /— back on your input line; Ctrl-U clears it$/),
        1,
        `the refusal says where the words are: ${screen.text}`,
      );
      assert.equal(screen.cursor.x, "@bob> lunch?".length, screen.text);
      await alice.clearInput("@bob>");
      // Two lines sent before the first is refused, in one read: both come back, a line each
      // in the order typed, one draft of several lines, the cursor at its end.
      await alice.press("are you", "Enter", "still", "Enter");
      const back2 = await alice.waitFor(
        (screen) =>
          countLines(screen, refused) === 3 && screen.cursorLine === "still" &&
          screen.lines[screen.cursor.y - 1] === "@bob> are you",
        "both refused lines back on the input line",
      );
      assert.equal(back2.cursor.x, "still".length, back2.text);
      await alice.clearInput("@bob>");
      // The same, then words typed and not sent: the refused lines are not glued to what
      // alice types, which stays as it is, cursor and all; each refusal says so, and Up
      // brings them back, the newest first.
      await alice.press("lunch", "Enter", "at one?", "Enter", "half typed");
      const kept =
        /^!! .*nobody called "bob" is on this chat — not put back as you are typing; press Up/;
      const draft = await alice.waitFor(
        (screen) => countLines(screen, kept) === 2 && screen.cursorLine === "@bob> half typed",
        "both refusals, and what alice typed alone on the input line",
      );
      assert.equal(draft.cursor.x, "@bob> half typed".length, draft.text);
      await alice.press("Up");
      await alice.waitFor((screen) => screen.cursorLine === "@bob> at one?", "Up: at one?");
      await alice.press("Up");
      await alice.waitFor((screen) => screen.cursorLine === "@bob> lunch", "Up again: lunch");
      await alice.press("Down", "Down", " on");
      await alice.waitFor(
        (screen) => screen.cursorLine === "@bob> half typed on",
        "Down back to what alice typed, going on with it",
      );
      // Sent again where it was typed, once bob is back (welcomed), it reaches him.
      await using back = await TestClient.join2(port, "bob");
      await alice.press("Enter");
      await back.next("private", (frame) => frame.text === "half typed on");
    });
  },
);

testWith(
  ["tmux"],
  "chat join: a refused line typed on from is not glued to the next command, and the refusal says where it is",
  async () => {
    await withChat(async (port, tmux, config) => {
      const command = `${joinCommand(port, "--name", "alice")}; echo EXIT=$?; sleep 60`;
      await tmux.newSession("alice", `sh -c ${shellQuote(command)}`, {
        cwd: ROOT,
        width: 80,
        height: 24,
        env: { XDG_CONFIG_HOME: config },
      });
      const alice = new TerminalUser(tmux, "alice");
      await alice.waitFor(
        (screen) => screen.cursorLine === "#lobby>",
        'alice connected at an empty "#lobby> " line',
      );
      const pane = Number(await tmux.display("alice", "#{pane_pid}"));
      const pid = await waitFor(
        () => clientUnder(pane).catch(() => undefined),
        (found) => found !== undefined,
        10_000,
        () => `chat join to run under process ${pane}`,
      );
      const refused = /^!! Cannot send: nobody called "carol" is on this chat/;
      // Refused with nothing typed since: back on the input line, and said to be there.
      await alice.enter("/msg carol are you coming?");
      const back = await alice.waitFor(
        (screen) =>
          countLines(screen, refused) === 1 &&
          screen.cursorLine === "#lobby> /msg carol are you coming?",
        "the refused line back on the input line",
      );
      assert.match(oneRow(back.text), /— back on your input line; Ctrl-U clears it/);
      await alice.clearInput();
      // The next command typed before the refusal comes (alice paused while the keys wait,
      // so that they are read at once): it stays alone, and the refused line waits under Up.
      await whilePaused(pid!, () => alice.press("/msg carol hello", "Enter", "/who"));
      const typed = await alice.waitFor(
        (screen) => countLines(screen, refused) === 2 && screen.cursorLine === "#lobby> /who",
        "the second refusal, and /who alone on the input line",
      );
      assert.match(oneRow(typed.text), /— not put back as you are typing; press Up for it/);
      await alice.press("Enter");
      await alice.waitFor(
        (screen) =>
          countLines(screen, /1 person here: alice/) === 2 && screen.cursorLine === "#lobby>",
        "the answer to /who, and an empty input line",
      );
      // /who went up first, as sent; the refused line is right under it.
      await alice.press("Up", "Up");
      await alice.waitFor(
        (screen) => screen.cursorLine === "#lobby> /msg carol hello",
        "Up bringing the refused line back",
      );
    });
  },
);

testWith(
  ["tmux"],
  "chat join at 40 columns: who is typing keeps its words, the name cut, beside the count of the views waiting",
  async () => {
    await withChat(async (port, tmux) => {
      const alice = await TerminalUser.join(tmux, "alice", port, { width: 40 });
      await using eve = await TestClient.join2(port, "eve");
      await using carol = await TestClient.join2(port, "carol");
      await using annie = await TestClient.join2(port, "annie");
      await alice.waitForLine(/annie joined #lobby/);
      await eve.send({ type: "msg", to: "alice", text: "lunch?" });
      await carol.send({ type: "msg", to: "alice", text: "coffee?" });
      await alice.waitFor(
        (screen) => screen.cursorLine === "#lobby [@eve, +1]>",
        "both private views waiting on the prompt",
      );
      await annie.send({ type: "typing", room: "#lobby" });
      await alice.waitFor(
        (screen) => screen.cursorLine === "(ann… is typing…) #lobby [+2]>",
        'the prompt "(ann… is typing…) #lobby [+2]>"',
      );
    });
  },
);

testWith(
  ["tmux"],
  "chat join: an /away keeps its time across a restart of the server",
  async () => {
    const port = freePort();
    const serve = () => startServer({ hostname: LOOPBACK, port, heartbeat: 3600 });
    let server: ChatServer = await serve();
    const tmux = new Tmux("away-since");
    const config = await Deno.makeTempDir({ prefix: "chat-config-" });
    let bob: TestClient | undefined;
    try {
      bob = await TestClient.join2(port, "bob");
      const alice = await joinWith(tmux, "alice", port, config);
      await alice.enter("/away lunch break");
      const went = await bob.next("away", (frame) => frame.name === "alice");
      await bob.send({ type: "quit" });
      await bob[Symbol.asyncDispose]();
      await server[Symbol.asyncDispose]();
      server = await serve();
      bob = await TestClient.join2(port, "bob");
      await bob.next("joined", (frame) => frame.name === "alice", 20_000);
      const again = await bob.next("away", (frame) => frame.name === "alice");
      assert.equal(again.reason, "lunch break");
      assert.equal(again.ts, went.ts, "away since when she went, not since the restart");
      await bob.send({ type: "who" });
      const who = await bob.next("who");
      const person = who.people?.find((entry) => entry.name === "alice");
      assert.deepEqual(person?.away, { since: went.ts, reason: "lunch break" });
    } finally {
      await bob?.[Symbol.asyncDispose]();
      await tmux.kill();
      await server[Symbol.asyncDispose]();
      await Deno.remove(config, { recursive: true });
    }
  },
);
