/**
 * The terminal client in many rooms at once (protocol version 2): the prompt
 * tells what waits in the other rooms and private messages, mentions and
 * private messages are printed at once with where they come from, `/switch`
 * and the keys show what arrived in a room under the "new since you last looked"
 * line, once; Tab completes rooms. And after the server is killed and
 * started again, the client is back in every room with exactly what was
 * said meanwhile in each. The real `chat join` runs in tmux against a real
 * server; bob and carol are protocol clients of version 1, which shares the
 * rooms with version 2.
 */

import assert from "node:assert/strict";
import { serveOnPort } from "../_chat_process.ts";
import { FreezingProxy } from "../_freezing_proxy.ts";
import { freePort, LOOPBACK, TestClient } from "../_test_utils.ts";
import { startServer } from "../../server.ts";
import { testWith } from "./_needs.ts";
import { countLines, literal, said, TerminalUser, TODAY_STAMP } from "./_terminal_user.ts";
import { Tmux } from "./_tmux.ts";

/** A whole screen line: bob's message `text` of `room`, printed outside it. */
function labelled(room: string, from: string, text: string): RegExp {
  return new RegExp(`^${TODAY_STAMP} \\[${literal(room)}\\] ${literal(from)}: ${literal(text)}$`);
}

/** A whole screen line: the private message `text` from `from` to the user. */
function privateLine(from: string, text: string): RegExp {
  return new RegExp(`^${TODAY_STAMP} \\[private\\] ${literal(from)} → you: ${literal(text)}$`);
}

/** The "new since you last looked" line of `view`, centred. */
function divider(view: string): RegExp {
  return new RegExp(`^ *— ${literal(view)}: new since you last looked —$`);
}

/** The line above what is new in `view`, never looked at before, centred. */
function newIn(view: string): RegExp {
  return new RegExp(`^ *— new in ${literal(view)} —$`);
}

/** Joins on `port` in version 1 and goes to `room` unless it is `#lobby`. */
async function joinIn(port: number, name: string, room = "#lobby"): Promise<TestClient> {
  const client = await TestClient.join(port, name);
  if (room !== "#lobby") {
    await client.send({ type: "join", room });
    await client.next("room", (frame) => frame.room === room);
  }
  return client;
}

/** Says `text` and waits until it came back: stored, and sent to the room. */
async function says(client: TestClient, text: string): Promise<void> {
  await client.say(text);
  await client.next("message", (frame) => frame.text === text);
}

/** Waits until the input line of `user` reads `line` exactly. */
function inputLine(user: TerminalUser, line: string) {
  return user.waitFor((screen) => screen.cursorLine === line, `the input line "${line}"`);
}

/** Makes `user`, at `#lobby>`, sit in #dev too, looking at #lobby. */
async function alsoInDev(user: TerminalUser): Promise<void> {
  await user.enter("/join #dev");
  await inputLine(user, "#dev>");
  await user.enter("/switch #lobby");
  await inputLine(user, "#lobby>");
}

testWith(
  ["tmux"],
  "chat join sits in many rooms: prompt, alerts, /switch, keys, Tab",
  async (t) => {
    await using server = await startServer({ hostname: LOOPBACK, port: 0 });
    const port = server.addr.port;
    const tmux = new Tmux("many-rooms");
    try {
      const alice = await TerminalUser.join(tmux, "alice", port, { height: 40 });
      await alsoInDev(alice);
      await using bob = await joinIn(port, "bob", "#dev");
      await using carol = await joinIn(port, "carol");

      await t.step("the prompt counts what waits elsewhere, at once, around a draft", async () => {
        await alice.type("half-typed draft");
        await says(bob, "deploying now");
        await inputLine(alice, "#lobby [#dev 1]> half-typed draft");
        await says(bob, "alice, the build is red");
        await carol.send({ type: "msg", to: "alice", text: "lunch at 12?" });
        const screen = await inputLine(alice, "#lobby [#dev 2!, @carol 1]> half-typed draft");
        assert.equal(screen.cursor.x, "#lobby [#dev 2!, @carol 1]> half-typed draft".length);
        await alice.clearInput("#lobby [#dev 2!, @carol 1]>");
      });

      await t.step("a mention and a private message show at once, with their room", async () => {
        const screen = await alice.waitForLine(labelled("#dev", "bob", "alice, the build is red"));
        assert.equal(countLines(screen, privateLine("carol", "lunch at 12?")), 1, screen.text);
        // What does not name her waits in its room.
        assert.equal(countLines(screen, /deploying now/), 0, screen.text);
        assert.equal(countLines(screen, said("bob", "alice, the build is red")), 0, screen.text);
      });

      await t.step(
        "/switch shows what came under the divider, once, and back nothing",
        async () => {
          await alice.enter("/switch #dev");
          let screen = await inputLine(alice, "#dev [@carol 1]>");
          screen = await alice.waitForLine(said("bob", "alice, the build is red"));
          assert.equal(countLines(screen, divider("#dev")), 1, screen.text);
          assert.equal(countLines(screen, said("bob", "deploying now")), 1, screen.text);
          assert.equal(countLines(screen, said("bob", "alice, the build is red")), 1, screen.text);
          const at = screen.lines.findIndex((line) => divider("#dev").test(line));
          const first = screen.lines.findIndex((line) => said("bob", "deploying now").test(line));
          assert.ok(at >= 0 && first > at, `bob's lines under the divider:\n${screen.text}`);

          await alice.enter("/switch #lobby");
          await inputLine(alice, "#lobby [@carol 1]>");
          screen = await alice.waitForLine(/^-- #lobby: nothing new since you last looked$/);
          assert.equal(countLines(screen, divider("#dev")), 1, screen.text);
          assert.equal(countLines(screen, said("bob", "deploying now")), 1, screen.text);
          assert.equal(countLines(screen, said("bob", "alice, the build is red")), 1, screen.text);
          assert.equal(countLines(screen, privateLine("carol", "lunch at 12?")), 1, screen.text);
        },
      );

      await t.step("Alt+2, Ctrl+N and Ctrl+P switch views", async () => {
        await says(bob, "tests pass again");
        await inputLine(alice, "#lobby [#dev 1, @carol 1]>");
        await alice.press("M-2");
        await inputLine(alice, "#dev [@carol 1]>");
        let screen = await alice.waitForLine(said("bob", "tests pass again"));
        assert.equal(countLines(screen, divider("#dev")), 2, screen.text);
        await alice.press("C-n");
        await inputLine(alice, "@carol>");
        // carol's message, printed at once in #lobby, shows again in its place, once.
        screen = await alice.waitFor(
          (screen) =>
            countLines(screen, newIn("@carol")) === 1 &&
            countLines(screen, privateLine("carol", "lunch at 12?")) === 2,
          "carol's private message again, under the divider of @carol",
        );
        const under = screen.lines.findIndex((line) => newIn("@carol").test(line));
        assert.match(screen.lines[under + 1] ?? "", privateLine("carol", "lunch at 12?"));
        await alice.press("C-p");
        await inputLine(alice, "#dev>");
        await alice.press("C-p");
        await inputLine(alice, "#lobby>");
        // Round: before the first view comes the last.
        await alice.press("C-p");
        await inputLine(alice, "@carol>");
        await alice.press("M-1");
        screen = await inputLine(alice, "#lobby>");
        assert.equal(countLines(screen, said("bob", "tests pass again")), 1, screen.text);
        assert.equal(countLines(screen, said("bob", "deploying now")), 1, screen.text);
      });

      await t.step("Tab completes rooms after /switch, /join and /part", async () => {
        await alice.type("/switch #d");
        await alice.press("Tab");
        await inputLine(alice, "#lobby> /switch #dev");
        await alice.clearInput();
        await alice.type("/part #l");
        await alice.press("Tab");
        await inputLine(alice, "#lobby> /part #lobby");
        await alice.clearInput();
        // /join of a room she is in looks at it.
        await alice.type("/join #d");
        await alice.press("Tab");
        await inputLine(alice, "#lobby> /join #dev");
        await alice.press("Enter");
        const screen = await inputLine(alice, "#dev>");
        assert.equal(countLines(screen, /^-- You are in #dev\./), 1, screen.text);
      });
    } finally {
      await tmux.kill();
    }
  },
);

testWith(["tmux"], "chat join rings for a mention in another room as /bell says", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  const tmux = new Tmux("many-rooms-bell");
  try {
    const alice = await TerminalUser.join(tmux, "alice", port);
    await alsoInDev(alice);
    await using bob = await joinIn(port, "bob", "#dev");
    // tmux flags a bell in a window nobody looks at, and keeps the flag.
    const rang = async () => await tmux.display(alice.session, "#{window_bell_flag}") === "1";

    await alice.enter("/bell off");
    await alice.waitForLine(/^-- .*off/);
    await says(bob, "alice, one");
    await inputLine(alice, "#lobby [#dev 1!]>");
    assert.equal(await rang(), false, "no bell with /bell off");

    // "on" rings for every message in the room looked at, but elsewhere only for a mention.
    await alice.enter("/bell on");
    await alice.waitForLine(/^-- .*\bon\b/);
    await says(bob, "nobody named");
    await inputLine(alice, "#lobby [#dev 2!]>");
    assert.equal(await rang(), false, "no bell for talk in another room");
    await says(bob, "alice, two");
    await inputLine(alice, "#lobby [#dev 3!]>");
    assert.equal(await rang(), true, "a bell for a mention in another room");
  } finally {
    await tmux.kill();
  }
});

testWith(
  ["tmux"],
  "chat join at 40 columns names the rooms that wait in the prompt, as many as fit",
  async () => {
    await using server = await startServer({ hostname: LOOPBACK, port: 0 });
    const port = server.addr.port;
    const tmux = new Tmux("many-rooms-40");
    try {
      const alice = await TerminalUser.join(tmux, "alice", port, { width: 40 });
      const rooms = ["#dev", "#ops", "#qa", "#web", "#docs"];
      for (const room of rooms) {
        await alice.enter(`/join ${room}`);
        await inputLine(alice, `${room}>`);
      }
      await alice.enter("/switch #lobby");
      await inputLine(alice, "#lobby>");
      await using bob = await joinIn(port, "bob");
      for (const room of rooms) {
        await bob.send({ type: "join", room });
        await bob.next("room", (frame) => frame.room === room);
        await says(bob, room === "#ops" ? "alice: the disk is full" : `news in ${room}`);
      }
      // "#lobby [#dev 1, #ops 1!, #qa 1, #web 1, #docs 1]> " would leave nothing to type in: the
      // room that names her is named, the rest counted, and half the row is left to type.
      const prompt = "#lobby [#ops!, +4]> ";
      await inputLine(alice, prompt.trimEnd());
      const screen = await alice.type("on my way");
      assert.equal(screen.cursorLine, `${prompt}on my way`, screen.text);
      assert.equal(screen.cursor.x, prompt.length + "on my way".length);
      await bob.send({ type: "join", room: "#lobby" });
      await bob.next("room", (frame) => frame.room === "#lobby");
      await alice.press("Enter");
      await bob.next("message", (frame) => frame.text === "on my way");
    } finally {
      await tmux.kill();
    }
  },
);

testWith(
  ["tmux"],
  "chat join at 50 columns cuts the prompt's list to fit, as the width changes",
  async () => {
    await using server = await startServer({ hostname: LOOPBACK, port: 0 });
    const port = server.addr.port;
    const tmux = new Tmux("many-rooms-narrow");
    try {
      const alice = await TerminalUser.join(tmux, "alice", port, { width: 50 });
      for (const room of ["#dev", "#ops"]) {
        await alice.enter(`/join ${room}`);
        await inputLine(alice, `${room}>`);
      }
      await alice.enter("/switch #lobby");
      await inputLine(alice, "#lobby>");
      await using bob = await joinIn(port, "bob", "#dev");
      await using dave = await joinIn(port, "dave", "#ops");
      await using carol = await joinIn(port, "carol");
      const draft = "a draft long enough to wrap onto the next row of the pane";
      await tmux.type(alice.session, draft);
      await alice.waitFor(
        (screen) => screen.cursorLine === "row of the pane",
        "the draft, wrapped",
      );
      await says(bob, "deploying now");
      await carol.send({ type: "msg", to: "alice", text: "lunch?" });
      await carol.next("private");
      await says(dave, "alice: disk full");
      // The whole list, "#lobby [#dev 1, #ops 1!, @carol 1]> ", leaves too little room to type.
      const prompt = "#lobby [#ops 1!, +2]> ";
      const screen = await alice.waitFor(
        (screen) => screen.lines.some((line) => line.startsWith(prompt + draft.slice(0, 10))),
        `the prompt "${prompt}" before the draft`,
      );
      const at = screen.lines.findIndex((line) => line.startsWith(prompt));
      assert.equal(
        screen.lines.slice(at, screen.cursor.y + 1).map((line) => line.padEnd(50)).join("")
          .trimEnd(),
        prompt + draft,
        `the draft whole:\n${screen.text}`,
      );
      await alice.clearInput("#lobby [#ops 1!, +2]>");
      // Wider, the whole list fits; narrower again, it is cut again.
      await tmux.run("resize-window", "-t", alice.session, "-x", "100");
      await inputLine(alice, "#lobby [#dev 1, #ops 1!, @carol 1]>");
      await tmux.run("resize-window", "-t", alice.session, "-x", "50");
      await inputLine(alice, "#lobby [#ops 1!, +2]>");
      await alice.enter("/switch #ops");
      await inputLine(alice, "#ops [#dev 1, @carol 1]>");
      await alice.waitForLine(/^ {7}— #ops: new since you last looked —$/);
    } finally {
      await tmux.kill();
    }
  },
);

testWith(
  ["tmux"],
  "chat join comes back from a killed server in every room, with what it missed in each, once",
  async () => {
    const port = freePort();
    const dir = await Deno.makeTempDir({ prefix: "chat-many-rooms-" });
    const tmux = new Tmux("many-rooms-restart");
    let server = await serveOnPort(port, dir);
    try {
      // Through a proxy that can hold back what the server sends her.
      await using proxy = new FreezingProxy(port);
      const alice = await TerminalUser.join(tmux, "alice", proxy.port, { height: 40 });
      await alsoInDev(alice);
      {
        await using bob = await joinIn(port, "bob", "#dev");
        await using carol = await joinIn(port, "carol");
        await says(bob, "seen in #dev");
        await says(carol, "seen in #lobby");
        await alice.waitForLine(said("carol", "seen in #lobby"));
        await inputLine(alice, "#lobby [#dev 1]>");
        await alice.press("M-2");
        await alice.waitForLine(said("bob", "seen in #dev"));
        await alice.press("M-1");
        await inputLine(alice, "#lobby>");

        // What reaches the server but never her, before it dies.
        proxy.freeze();
        await says(bob, "missed in #dev");
        await says(carol, "missed in #lobby");
      }
      await server.stop("SIGKILL");
      server = await serveOnPort(port, dir);
      // Her connection ends with what it held back; she connects again.
      proxy.cut();
      proxy.thaw();
      await alice.waitFor(
        (screen) => /Reconnected as alice$/m.test(screen.text),
        'the "Reconnected as alice" notice',
        20_000,
      );
      let screen = await alice.waitForLine(said("carol", "missed in #lobby"));
      screen = await inputLine(alice, "#lobby [#dev 1]>");
      await alice.press("M-2");
      await inputLine(alice, "#dev>");
      screen = await alice.waitForLine(said("bob", "missed in #dev"));
      await alice.press("M-1");
      screen = await inputLine(alice, "#lobby>");
      for (
        const [from, text] of [
          ["carol", "seen in #lobby"],
          ["carol", "missed in #lobby"],
          ["bob", "seen in #dev"],
          ["bob", "missed in #dev"],
        ]
      ) {
        assert.equal(countLines(screen, said(from!, text!)), 1, `"${text}" once:\n${screen.text}`);
      }
      // Back in both rooms on the server too.
      await using watcher = await TestClient.join(port, "watcher");
      await watcher.send({ type: "rooms" });
      const rooms = await watcher.next("rooms");
      for (const name of ["#lobby", "#dev"]) {
        const room = rooms.rooms.find((room) => room.name === name);
        assert.ok(room !== undefined && room.members >= 1, JSON.stringify(rooms));
      }
      await watcher.send({ type: "join", room: "#dev" });
      const dev = await watcher.next("room", (frame) => frame.room === "#dev");
      assert.ok(dev.members.includes("alice"), JSON.stringify(dev));
    } finally {
      await tmux.kill();
      await server[Symbol.asyncDispose]();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

testWith(
  ["tmux"],
  "chat join sends a line typed at once after /part to the room it then looks at, and no error",
  async () => {
    await using server = await startServer({ hostname: LOOPBACK, port: 0 });
    const port = server.addr.port;
    const tmux = new Tmux("part-burst");
    try {
      await using bob = await TestClient.join2(port, "bob");
      const ann = await TerminalUser.join(tmux, "ann", port);
      await ann.enter("/join #fresh");
      await ann.waitFor((screen) => screen.cursorLine === "#fresh>", 'the "#fresh> " prompt');
      // In one burst, before the server has said #fresh is left: the line, and the typing
      // that comes before it, go to #lobby, where ann then looks.
      await ann.press("/part", "Enter", "hello there", "Enter");
      const sent = await bob.next("message", (frame) => frame.from === "ann");
      assert.equal(sent.text, "hello there");
      assert.equal(sent.room, "#lobby");
      const screen = await ann.waitFor(
        (screen) =>
          countLines(screen, said("ann", "hello there")) === 1 && screen.cursorLine === "#lobby>",
        "ann's line in #lobby",
      );
      assert.ok(screen.lines.some((line) => line.startsWith("-- You left #fresh")), screen.text);
      assert.deepEqual(screen.lines.filter((line) => line.startsWith("!!")), [], screen.text);
    } finally {
      await tmux.kill();
    }
  },
);
