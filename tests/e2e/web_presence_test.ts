/**
 * Presence and operators on the page (issue 16): the people list shows who
 * is away and why, on which client, and who is an operator, a long name or
 * reason wrapped whole at a desktop's width too; the header shows the
 * room's topic and lock; operators' notices land in their room's log;
 * "alice is typing…" shows for a few seconds, and the page tells the server
 * its user types at most every 3 s; /ignore hides someone, across a reload
 * and across their /nick;
 * and a hidden tab goes away by itself, saying that showing it again brings
 * the user back, never over an /away of the user's own. The real page runs in Chromium against a real server; the others are
 * protocol clients.
 */

import assert from "node:assert/strict";
import type { Locator, Page } from "./_playwright.ts";
import { TYPING_SEND_MS, TYPING_SHOWN_MS } from "../../core/presence.ts";
import { MAX_AWAY_REASON_LENGTH, type ServerFrame } from "../../protocol.ts";
import { startServer } from "../../server.ts";
import { parseOpFile } from "../../server/hub/moderation.ts";
import { IDLE_SHOWN_MS } from "../../core/describe.ts";
import { People, shown } from "../../web/people.ts";
import { FreezingProxy } from "../_freezing_proxy.ts";
import { LOOPBACK, TestClient } from "../_test_utils.ts";
import {
  ChatBrowser,
  exactly,
  logLine,
  pageUrl,
  say,
  screenshot,
  startWebServer,
  WAIT_MS,
  waitForLine,
  waitForStatus,
  webUrl,
} from "./_browser.ts";
import { testWith } from "./_needs.ts";
import { says, setHidden, settles, showView } from "./_web_rooms.ts";
import { waitFor } from "./_tmux.ts";

/**
 * A server on loopback that never drops the protocol clients of these tests,
 * which do not answer its heartbeat while the browsers take their time.
 */
const QUIET = { hostname: LOOPBACK, port: 0, webPort: 0, heartbeat: 3600 } as const;

/** Connects a protocol client of version 2 that says it is `client`, and waits until it is in. */
async function joinAs2(port: number, name: string, client?: string): Promise<TestClient> {
  const joined = await TestClient.connect(port);
  await joined.send({ type: "hello", version: 2, name, ...client === undefined ? {} : { client } });
  await joined.next("welcome");
  await joined.sync();
  return joined;
}

/** The page's own, run in the browser by `evaluate`. */
declare function getComputedStyle(element: unknown): { paddingLeft: string };

/** The entry of `name` in the page's people list. */
function person(page: Page, name: string): Locator {
  return page.locator(`#members li[data-name="${name}"]`);
}

/** Whether the people list shows `name` as away. */
function isAway(page: Page, name: string): Promise<boolean> {
  return person(page, name).evaluate((item) => item.classList.contains("away"));
}

/** What the line under the log says of who is typing. */
function typingLine(page: Page): Promise<string> {
  return page.locator("#typing").evaluate((element) => element.textContent ?? "");
}

/** Waits until the page says nobody is typing, up to `ms`. */
async function nobodyTyping(page: Page, ms: number): Promise<void> {
  await waitFor(
    () => typingLine(page),
    (text) => text === "",
    ms,
    (text) => `for the typing line to empty; it reads ${JSON.stringify(text)}`,
  );
}

/** Resolves with the next `away` or `back` of `name` that `client` gets, failing after `ms`. */
function next(
  client: TestClient,
  type: "away" | "back",
  name: string,
  ms = WAIT_MS,
): Promise<ServerFrame> {
  return client.next(type, (frame) => frame.name === name, ms);
}

Deno.test("People and shown() tell away, idle, client and operator, and rooms' topics", () => {
  const people = new People();
  const now = 1_767_225_600_000;
  assert.deepEqual(
    people.take({
      type: "who",
      room: "#lobby",
      members: ["ann", "bob", "cy", "dee"],
      count: 4,
      people: [
        // Idle is told to the minute, as the list is looked at again only now and then.
        { name: "ann", active: now - 12 * 60_000 - 3_500, client: "terminal", op: true },
        { name: "bob", active: now, client: "web", away: { since: now, reason: "lunch" } },
        { name: "cy", active: now - IDLE_SHOWN_MS + 1000, client: "text" },
        { name: "dee", active: now, client: "irc" },
      ],
    }, now),
    { people: true },
  );
  assert.deepEqual(shown(people.about("ANN"), now), {
    away: false,
    op: true,
    client: { label: "terminal", title: "in the terminal (chat join)" },
    status: "idle 12 min",
  });
  assert.equal(shown(people.about("bob"), now).status, "away: lunch");
  // For how long, to the minute, once a minute has gone.
  assert.equal(shown(people.about("bob"), now + 5 * 60_000 + 59_000).status, "away 5 min: lunch");
  assert.equal(shown(people.about("bob"), now + 59_000).status, "away: lunch");
  assert.deepEqual(shown(people.about("cy"), now), {
    away: false,
    op: false,
    client: { label: "nc", title: "in plain text (nc or telnet)" },
  });
  assert.deepEqual(shown(people.about("dee"), now).client, {
    label: "irc",
    title: "in an IRC client (irssi, WeeChat, HexChat)",
  });
  assert.deepEqual(shown(undefined, now), { away: false, op: false });

  people.take({ type: "back", ts: now + 1, name: "bob" }, now + 1);
  assert.equal(shown(people.about("bob"), now + 1).status, undefined);
  people.take({ type: "away", ts: now + 2, name: "bob" }, now + 2);
  assert.equal(shown(people.about("bob"), now + 2).status, "away");
  assert.equal(shown(people.about("bob"), now + 2 + 65 * 60_000).status, "away 1 h 5 min");
  // Someone idle who speaks is idle no more, and the list is redrawn for it.
  const said = { id: 1, ts: now + 3, room: "#lobby", from: "ann", text: "hi" };
  assert.deepEqual(people.take({ type: "message", ...said }, now + 3), { people: true });
  assert.equal(shown(people.about("ann"), now + 3).status, undefined);
  assert.deepEqual(people.take({ type: "typing", name: "ann" }, now + 4), { people: false });
  people.take({ type: "renamed", ts: now, room: "#lobby", from: "cy", to: "Cyril" }, now);
  assert.equal(people.about("cy"), undefined);
  assert.equal(people.about("cyril")?.client, "text");
  assert.deepEqual(people.take({ type: "joined", ts: now, room: "#dev", name: "dan" }, now), {
    people: false,
    ask: "#dev",
  });
  // A server of version 2 says how a newcomer is: nothing to ask.
  const eve = { active: now, client: "web", op: true } as const;
  assert.deepEqual(
    people.take({ type: "joined", ts: now, room: "#dev", name: "eve", ...eve }, now),
    { people: true },
  );
  assert.deepEqual(people.about("Eve"), eve);

  const room: ServerFrame = {
    type: "room",
    room: "#dev",
    members: ["ann"],
    count: 1,
    topic: "Release on Friday",
    locked: true,
  };
  assert.deepEqual(people.take(room, now), { people: false, room: "#dev" });
  assert.deepEqual(people.room("#dev"), { topic: "Release on Friday", locked: true });
  people.take({ type: "topic", ts: now, room: "#dev", topic: "", by: "ann" }, now);
  assert.deepEqual(people.room("#dev"), { locked: true });
  people.take({ type: "rooms", rooms: [{ name: "#dev", members: 1, topic: "Soon" }] }, now);
  assert.deepEqual(people.room("#dev"), { topic: "Soon", locked: false });
  assert.deepEqual(people.take({ type: "rooms", rooms: [] }, now), { people: false, rooms: true });
  assert.deepEqual(people.room("#nowhere"), { locked: false });

  // A browser whose clock is 2 minutes ahead counts idle on the server's clock.
  const ahead = new People();
  assert.equal(ahead.serverNow(now), now, "nothing told yet");
  ahead.take({ type: "joined", ts: now, room: "#lobby", name: "eve" }, now + 120_000);
  ahead.take({ type: "joined", ts: now + 10, room: "#lobby", name: "fay" }, now + 120_500);
  assert.equal(ahead.serverNow(now + 120_000 + 5), now + 5, "the quickest frame tells best");
  ahead.take({ type: "typing", name: "eve" }, now + 121_000);
  assert.equal(ahead.about("eve")?.active, now + 1_000);
});

testWith(
  ["chromium"],
  "web page: the people list shows away, client and operators; the header the topic and lock",
  async () => {
    await using server = await startServer({
      ...QUIET,
      operators: parseOpFile("carol s3cret\n"),
    });
    const port = server.addr.port;
    await using carol = await joinAs2(port, "carol", "terminal");
    await carol.send({ type: "oper", secret: "s3cret" });
    await carol.sync();
    await using _dave = await joinAs2(port, "dave");
    await using aliceBrowser = await ChatBrowser.launch();
    await using bobBrowser = await ChatBrowser.launch();
    const alice = await aliceBrowser.openAs(webUrl(server), "alice");
    const bob = await bobBrowser.openAs(webUrl(server), "bob");

    // Each one's client, and the operator's mark.
    await person(alice, "carol").locator(".op-mark").waitFor();
    await person(alice, "carol").locator(".client-mark", { hasText: exactly("terminal") })
      .waitFor();
    await person(alice, "dave").locator(".client-mark", { hasText: exactly("json") }).waitFor();
    await person(alice, "bob").locator(".client-mark", { hasText: exactly("web") }).waitFor();
    assert.equal(await person(alice, "bob").locator(".op-mark").count(), 0);
    // The page says it is the web client.
    await carol.send({ type: "who", room: "#lobby" });
    const who = await carol.next("who");
    assert.equal(who.people?.find((entry) => entry.name === "alice")?.client, "web");

    // The topic an operator sets shows in the header.
    await carol.send({ type: "topic", room: "#lobby", text: "Release on Friday" });
    await alice.locator("#room-topic", { hasText: exactly("Release on Friday") }).waitFor();
    await waitForLine(alice, "notice", "carol set the topic of #lobby: Release on Friday");

    // Away, with its reason, dimmed, and back.
    await say(bob, "/away lunch");
    await person(alice, "bob").locator(".presence", { hasText: exactly("away: lunch") }).waitFor();
    assert.equal(await isAway(alice, "bob"), true);
    await person(bob, "bob").locator(".presence", { hasText: exactly("away: lunch") }).waitFor();
    await carol.send({ type: "typing", room: "#lobby" });
    await alice.locator("#typing", { hasText: exactly("carol is typing…") }).waitFor();
    await screenshot(alice, "web-presence.png");
    await say(bob, "/back");
    await person(alice, "bob").locator(".presence").waitFor({ state: "detached" });
    assert.equal(await isAway(alice, "bob"), false);

    // Whoever enters the room later finds its topic.
    await alice.reload();
    await waitForStatus(alice, "Connected");
    await alice.locator("#room-topic", { hasText: exactly("Release on Friday") }).waitFor();

    // A lock in another room: its notice lands in that room's log, with the lock in the header.
    await say(alice, "/join #ops");
    await alice.locator("#room-name", { hasText: exactly("#ops") }).waitFor();
    assert.equal(await alice.locator("#room-topic").isVisible(), false, "#lobby's topic in #ops");
    await showView(alice, "#lobby");
    await carol.send({ type: "join", room: "#ops" });
    await carol.next("room", (frame) => frame.room === "#ops");
    await carol.send({ type: "lock", room: "#ops" });
    await carol.next("notice", (frame) => frame.room === "#ops");
    await carol.send({ type: "mute", name: "dave", duration: 600 });
    await waitForLine(alice, "notice", "carol muted dave for 10 min");
    assert.equal(await logLine(alice, "notice", "locked #ops").count(), 0, "#ops's lock in #lobby");
    assert.equal(await alice.locator("#room-lock").isVisible(), false, "#lobby shown locked");
    await showView(alice, "#ops");
    await waitForLine(alice, "notice", "carol locked #ops: only operators may enter it");
    await alice.locator("#room-lock").waitFor();
    assert.equal(await logLine(alice, "notice", "muted dave").count(), 0, "#lobby's mute in #ops");
    await carol.send({ type: "unlock", room: "#ops" });
    await alice.locator("#room-lock").waitFor({ state: "hidden" });

    // A kick is told in the room, and the one sent away leaves the list.
    await showView(alice, "#lobby");
    await carol.send({ type: "kick", name: "dave", reason: "flooding" });
    await waitForLine(alice, "notice", "dave left #lobby (kicked by carol: flooding)");
    await person(alice, "dave").waitFor({ state: "detached" });

    // An empty topic clears it.
    await carol.send({ type: "topic", room: "#lobby", text: "" });
    await alice.locator("#room-topic").waitFor({ state: "hidden" });
    await waitForLine(alice, "notice", "carol cleared the topic of #lobby");
    assert.deepEqual(aliceBrowser.unexpectedProblems(), []);
    assert.deepEqual(bobBrowser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: alice is typing… shows for a few seconds; the page tells at most every 3 s",
  async () => {
    await using server = await startServer(QUIET);
    await using browser = await ChatBrowser.launch();
    await using alice = await TestClient.join2(server.addr.port, "alice");
    await using carol = await TestClient.join2(server.addr.port, "carol");
    const bob = await browser.openAs(webUrl(server), "bob");

    // Shown while it is fresh (how fast is the benchmark's to say, not a test's on a busy
    // machine), gone a few seconds after the last one.
    await alice.send({ type: "typing", room: "#lobby" });
    const heard = Date.now();
    await bob.locator("#typing", { hasText: exactly("alice is typing…") }).waitFor({
      timeout: TYPING_SHOWN_MS - 1_000,
    });
    await nobodyTyping(bob, TYPING_SHOWN_MS + WAIT_MS);
    assert.ok(Date.now() - heard >= TYPING_SHOWN_MS - 1_000, "gone too soon");

    // Gone at once when her message comes.
    await alice.send({ type: "typing", room: "#lobby" });
    await bob.locator("#typing", { hasText: exactly("alice is typing…") }).waitFor();
    await says(alice, "here it is");
    await waitForLine(bob, "message", "here it is");
    assert.equal(await typingLine(bob), "");

    // Typing to bob alone shows in their private messages, not in the room. (Not alice: the
    // server relays one person's typing once every 2 s.)
    await person(bob, "carol").locator("button").click();
    await bob.locator("#room-name", { hasText: exactly("@carol") }).waitFor();
    await carol.send({ type: "typing", to: "bob" });
    await bob.locator("#typing", { hasText: exactly("carol is typing…") }).waitFor();
    await showView(bob, "#lobby");
    assert.equal(await typingLine(bob), "");

    // Bob types: alice hears it within a second, and at most once every 3 s while he types.
    await alice.sync();
    const mark = alice.frames.length;
    const input = bob.locator("#message-input");
    await input.click();
    const started = Date.now();
    const typing = input.pressSequentially("a line typed slowly, key by key", {
      delay: 150,
      timeout: 15_000,
    });
    const first = await alice.next("typing", (frame) => frame.name === "bob", 1_000);
    assert.deepEqual(first, { type: "typing", name: "bob", room: "#lobby" });
    await typing;
    const typedMs = Date.now() - started;
    await alice.sync();
    const told = alice.frames.slice(mark).filter((frame) => frame.type === "typing");
    assert.ok(typedMs > TYPING_SEND_MS, `typed for ${typedMs} ms only`);
    assert.ok(
      told.length >= 2 && told.length <= Math.ceil(typedMs / TYPING_SEND_MS),
      `${told.length} typing frames in ${typedMs} ms`,
    );
    // Sending the line tells nothing more.
    await input.press("Enter");
    await alice.next("message", (frame) => frame.text === "a line typed slowly, key by key");
    await alice.sync();
    assert.equal(
      alice.frames.slice(mark).filter((frame) => frame.type === "typing").length,
      told.length,
    );
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: /ignore hides someone's messages, also after a reload, until /unignore",
  async () => {
    await using server = await startServer(QUIET);
    await using browser = await ChatBrowser.launch();
    await using alice = await TestClient.join2(server.addr.port, "alice");
    await using carol = await TestClient.join2(server.addr.port, "carol");
    const bob = await browser.openAs(webUrl(server), "bob");

    await say(bob, "/ignore carol");
    await waitForLine(bob, "notice", "You ignore carol now");
    await person(bob, "carol").locator(".ignored-mark").waitFor();
    assert.equal(await person(bob, "alice").locator(".ignored-mark").count(), 0);
    await says(carol, "buy my stuff");
    await carol.send({ type: "msg", to: "bob", text: "psst, bob" });
    await carol.next("private");
    await says(alice, "hello bob");
    // Alice's line came after carol's: had carol's been shown, it would be there by now.
    await waitForLine(bob, "message", "hello bob");
    assert.equal(await logLine(bob, "message", "buy my stuff").count(), 0);
    assert.equal(await logLine(bob, "private", "psst").count(), 0);
    assert.equal(await bob.locator('#views button[data-view="@carol"]').count(), 0);

    // The list is remembered for this server: after a reload carol stays hidden, replay included.
    await bob.reload();
    await waitForStatus(bob, "Connected");
    await waitForLine(bob, "message", "hello bob");
    assert.equal(await logLine(bob, "message", "buy my stuff").count(), 0);
    await says(carol, "still here");
    await says(alice, "after the reload");
    await waitForLine(bob, "message", "after the reload");
    assert.equal(await logLine(bob, "message", "still here").count(), 0);
    await say(bob, "/ignores");
    await waitForLine(bob, "notice", /You ignore carol$/);

    await person(bob, "carol").locator(".ignored-mark").waitFor();
    await say(bob, "/unignore carol");
    await waitForLine(bob, "notice", "You no longer ignore carol");
    await person(bob, "carol").locator(".ignored-mark").waitFor({ state: "detached" });
    await says(carol, "visible now");
    await waitForLine(bob, "message", "visible now");
    await bob.reload();
    await waitForStatus(bob, "Connected");
    await say(bob, "/ignores");
    await waitForLine(bob, "notice", "You ignore nobody");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: /ignore follows someone across their /nick, her earlier lines too, also after a reload",
  async () => {
    await using server = await startServer(QUIET);
    await using browser = await ChatBrowser.launch();
    await using alice = await TestClient.join2(server.addr.port, "alice");
    await using carol = await TestClient.join2(server.addr.port, "carol");
    const bob = await browser.openAs(webUrl(server), "bob");

    // Typed in capitals, ignored as she has it.
    await say(bob, "/ignore CAROL");
    await waitForLine(bob, "notice", "You ignore carol now");
    await says(carol, "carol speaks now");
    await carol.send({ type: "nick", name: "carol2" });
    await waitForLine(bob, "notice", /carol is now carol2$/);
    await person(bob, "carol2").locator(".ignored-mark").waitFor();
    await says(carol, "buy my stuff, as carol2");
    await carol.send({ type: "msg", to: "bob", text: "psst, as carol2" });
    await carol.next("private");
    await carol.send({ type: "typing", room: "#lobby" });
    await carol.sync();
    await alice.send({ type: "typing", room: "#lobby" });
    await bob.locator("#typing", { hasText: exactly("alice is typing…") }).waitFor();
    await says(alice, "hello bob");
    // Alice's line came after carol2's: had carol2's been shown, it would be there by now.
    await waitForLine(bob, "message", "hello bob");
    assert.equal(await logLine(bob, "message", "as carol2").count(), 0);
    assert.equal(await logLine(bob, "private", "as carol2").count(), 0);
    await say(bob, "/ignores");
    await waitForLine(bob, "notice", /You ignore carol2$/);
    // What she said as carol before the rename stays hidden in /history too.
    await say(bob, "/history 20");
    await waitForLine(bob, "notice", "The last 3 messages of #lobby:");
    await settles(() => logLine(bob, "message", "hello bob").count(), 2, "alice's line twice");
    assert.equal(await logLine(bob, "message", "carol speaks now").count(), 0);

    // The new name is the one remembered, with the old one until the rename.
    await bob.reload();
    await waitForStatus(bob, "Connected");
    await says(carol, "still here as carol2");
    await says(alice, "after the reload");
    await waitForLine(bob, "message", "after the reload");
    assert.equal(await logLine(bob, "message", "still here as carol2").count(), 0);
    await waitForLine(bob, "message", "hello bob");
    assert.equal(await logLine(bob, "message", "carol speaks now").count(), 0);
    await person(bob, "carol2").locator(".ignored-mark").waitFor();

    // Someone else who takes the name carol later is not hidden.
    await using other = await TestClient.join2(server.addr.port, "carol");
    await says(other, "another carol");
    await waitForLine(bob, "message", "another carol");
    await say(bob, "/history 20");
    await settles(() => logLine(bob, "message", "another carol").count(), 2, "her line twice");
    assert.equal(await logLine(bob, "message", "carol speaks now").count(), 0);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: a tab hidden for a while goes away, saying it is back once shown, as it is; never over /away",
  async () => {
    await using server = await startServer(QUIET);
    await using browser = await ChatBrowser.launch();
    await using alice = await TestClient.join2(server.addr.port, "alice");
    const bob = await browser.openAs(webUrl(server, "/?away-after=1s"), "bob");

    await setHidden(bob, true);
    const away = await next(alice, "away", "bob");
    assert.deepEqual({ ...away, ts: 0 }, { type: "away", ts: 0, name: "bob", reason: "idle" });
    await setHidden(bob, false);
    await next(alice, "back", "bob");
    await settles(() => person(bob, "bob").locator(".presence").count(), 0, "bob's away");
    // Told as the page does it: no key brings the user back, the tab shown again does.
    await waitForLine(bob, "notice", /You are away: idle; back once this tab is shown again$/);
    assert.equal(
      await logLine(bob, "notice", "any key").count(),
      0,
      "a key said to bring bob back",
    );

    // An away of the user's own stays, hidden or not, until they come back themselves.
    await say(bob, "/away lunch");
    await alice.next("away", (frame) => frame.name === "bob" && frame.reason === "lunch");
    await setHidden(bob, true);
    await assert.rejects(next(alice, "away", "bob", 3_000), /Timed out/);
    await setHidden(bob, false);
    await assert.rejects(next(alice, "back", "bob", 1_500), /Timed out/);
    await say(bob, "/back");
    await next(alice, "back", "bob");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: a hidden tab away by itself is away again at once when its connection comes back",
  async () => {
    // Coming back, the page must be away again well before the tab could go away anew.
    const AWAY_AFTER_MS = 6_000;
    await using server = await startServer(QUIET);
    await using browser = await ChatBrowser.launch();
    await using alice = await TestClient.join2(server.addr.port, "alice");
    // Through a proxy, which can cut the page's connection alone.
    await using proxy = new FreezingProxy(server.webAddr!.port);
    const bob = await browser.openAs(pageUrl(proxy.port, "/?away-after=6s"), "bob");

    await setHidden(bob, true);
    await next(alice, "away", "bob", AWAY_AFTER_MS + WAIT_MS);
    proxy.cut();
    await alice.next("joined", (frame) => frame.name === "bob", 20_000);
    const back = performance.now();
    const away = await next(alice, "away", "bob", AWAY_AFTER_MS + WAIT_MS);
    const after = performance.now() - back;
    assert.equal(away.type === "away" && away.reason, "idle");
    assert.ok(after < AWAY_AFTER_MS / 2, `away ${Math.round(after)} ms after coming back`);
    await waitForStatus(bob, "Connected");
    // Shown again, the tab brings bob back, as before.
    await setHidden(bob, false);
    await next(alice, "back", "bob");
    assert.deepEqual(
      browser.unexpectedProblems([/^console error: WebSocket connection to .* failed/]),
      [],
    );
  },
);

testWith(
  ["chromium"],
  "web page: a long name keeps its marks on its row and its status gets the row under it",
  async () => {
    await using server = await startServer(QUIET);
    const port = server.addr.port;
    const long = "Maximilian_Bartholomew_Q";
    await using max = await joinAs2(port, long, "terminal");
    await max.send({ type: "away", reason: "lunch with the team" });
    await max.sync();
    await using _bo = await joinAs2(port, "bo", "json");
    await using browser = await ChatBrowser.launch();
    const alice = await browser.openAs(webUrl(server), "Alexandrina_Wilhelmina_X");
    const status = person(alice, long).locator(".presence", {
      hasText: exactly("away: lunch with the team"),
    });
    await status.waitFor();
    await person(alice, "bo").locator(".client-mark", { hasText: exactly("json") }).waitFor();

    const box = async (locator: Locator) => (await locator.boundingBox())!;
    for (const name of [long, "bo"]) {
      const row = person(alice, name);
      const nameBox = await box(row.locator(".member-name"));
      const mark = await box(row.locator(".client-mark"));
      // The mark beside the name, not pushed to a row of its own.
      assert.ok(Math.abs(mark.y + mark.height / 2 - (nameBox.y + nameBox.height / 2)) < 4, name);
    }
    const nameBox = await box(person(alice, long).locator(".member-name"));
    const statusBox = await box(status);
    assert.ok(statusBox.y >= nameBox.y + nameBox.height - 2, "the status under the name");
    // Its words start where the name's do, after the dot (8 px and 8 px of margin).
    const words = await status.evaluate((element) =>
      parseFloat(getComputedStyle(element).paddingLeft)
    );
    assert.ok(
      Math.abs(statusBox.x + words - (nameBox.x + 16)) < 2,
      `${statusBox.x}+${words} vs ${nameBox.x}`,
    );
    // The status is read whole, not cut to a letter or two.
    const cut = await status.evaluate((element) => element.scrollWidth > element.clientWidth);
    assert.equal(cut, false, `status ${statusBox.width}px wide`);
    await screenshot(alice, "web-people-long-names.png");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

/** Where the rows of `element`'s text begin, from the left, in CSS pixels. */
function rowStarts(element: Locator): Promise<number[]> {
  return element.evaluate((element) => {
    const range = element.ownerDocument.createRange();
    range.selectNodeContents(element);
    return [...range.getClientRects()].map((rect) => Math.round(rect.left));
  });
}

testWith(
  ["chromium"],
  "web page (desktop): long names and away reasons wrap in the people list, read without hovering",
  async () => {
    await using server = await startServer(QUIET);
    const port = server.addr.port;
    const long = "Maximilian_Bartholomew_Q";
    const reason = "at the dentist until three, then picking up the kids from school";
    await using max = await joinAs2(port, long, "terminal");
    await max.send({ type: "away", reason });
    await max.sync();
    await using browser = await ChatBrowser.launch({ viewport: { width: 1280, height: 800 } });
    const page = await browser.openAs(webUrl(server), "Alexandrina_Wilhelmina_X");
    const row = person(page, long);
    const status = row.locator(".presence", { hasText: exactly(`away: ${reason}`) });
    await status.waitFor();
    await row.locator(".client-mark", { hasText: exactly("terminal") }).waitFor();
    await screenshot(page, "web-people-wrapped-desktop.png");

    const cut: [string, Locator][] = [
      ["name", row.locator(".member-name")],
      ["own name", person(page, "Alexandrina_Wilhelmina_X").locator(".member-name")],
      ["status", status],
    ];
    for (const [what, element] of cut) {
      const drawn = await element.evaluate((element) => ({
        shown: element.clientWidth,
        whole: element.scrollWidth,
      }));
      assert.ok(drawn.whole <= drawn.shown, `the ${what} is cut: ${JSON.stringify(drawn)}`);
    }
    // Their further rows start where their first do, after the name's dot.
    const name = await rowStarts(row.locator(".member-name bdi"));
    assert.ok(name.length > 1, "the long name fits on one row: make it longer");
    assert.equal(new Set(name).size, 1, `the name's rows start at ${name}`);
    const words = await rowStarts(status);
    assert.ok(words.length > 1, "the reason fits on one row: make it longer");
    assert.equal(new Set(words).size, 1, `the reason's rows start at ${words}`);
    assert.deepEqual([...new Set(words)], [...new Set(name)]);

    // The user's own row has no button, yet its status starts under its name all the same.
    const own = person(page, "Alexandrina_Wilhelmina_X");
    await say(page, `/away ${reason}`);
    const ownStatus = own.locator(".presence", { hasText: exactly(`away: ${reason}`) });
    await ownStatus.waitFor();
    const ownName = await rowStarts(own.locator(".member-name bdi"));
    const ownWords = await rowStarts(ownStatus);
    assert.deepEqual([...new Set(ownWords)], [...new Set(ownName)], "the user's own status");
    assert.deepEqual([...new Set(ownName)], [...new Set(name)], "the user's own name");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

/**
 * Records, in `window.firstMarks`, the client mark each row of `name` had in
 * the people list when it was put there (`""` for none): what the list first
 * showed of them, before anything later could fill it in.
 */
function recordFirstMarks(name: string): string {
  return `(() => {
    window.firstMarks = [];
    new MutationObserver((records) => {
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (node.nodeType !== Node.ELEMENT_NODE || node.dataset.name !== ${
    JSON.stringify(name)
  }) {
            continue;
          }
          window.firstMarks.push(node.querySelector(".client-mark")?.textContent ?? "");
        }
      }
    }).observe(document.getElementById("members"), { childList: true });
  })();`;
}

/** The client marks the rows recorded by {@linkcode recordFirstMarks} had when first listed. */
function firstMarks(page: Page): Promise<string[]> {
  return page.evaluate(() => (globalThis as unknown as { firstMarks: string[] }).firstMarks);
}

testWith(
  ["chromium"],
  "web page: someone on the page who leaves and comes back is listed with the web mark at once",
  async () => {
    await using server = await startServer(QUIET);
    await using aliceBrowser = await ChatBrowser.launch();
    await using bobBrowser = await ChatBrowser.launch();
    const alice = await aliceBrowser.openAs(webUrl(server), "alice");
    const bob = await bobBrowser.openAs(webUrl(server), "bob");
    await person(alice, "bob").locator(".client-mark", { hasText: exactly("web") }).waitFor();
    await alice.evaluate(recordFirstMarks("bob"));

    // Bob quits, and joins again: his row is new, and has its mark from the start.
    await say(bob, "/quit");
    await waitForStatus(bob, "Disconnected");
    await person(alice, "bob").waitFor({ state: "detached" });
    await bob.locator("#retry").click();
    await waitForStatus(bob, "Connected");
    await person(alice, "bob").locator(".client-mark", { hasText: exactly("web") }).waitFor();
    assert.deepEqual(await firstMarks(alice), ["web"]);
    assert.deepEqual(aliceBrowser.unexpectedProblems(), []);
    assert.deepEqual(bobBrowser.unexpectedProblems(), []);
  },
);

testWith(["chromium"], "web page: an away reason cut to the longest kept says so", async () => {
  await using server = await startWebServer();
  await using browser = await ChatBrowser.launch();
  const page = await browser.openAs(webUrl(server), "ann");
  const long = "lunch break ".repeat(20).trim();
  await say(page, `/away ${long}`);
  const kept = [...long].slice(0, MAX_AWAY_REASON_LENGTH).join("");
  await waitForLine(
    page,
    "notice",
    `You are away: ${kept} (cut to ${MAX_AWAY_REASON_LENGTH} characters); /back when you are back`,
  );
  // One that fits says nothing of it.
  await say(page, "/away lunch");
  await waitForLine(page, "notice", /You are away: lunch; \/back when you are back$/);
});
