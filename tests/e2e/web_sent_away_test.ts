/**
 * The page sent away by the server: a kick or a ban keeps it away, saying by
 * whom and why, until the user asks to join again; a refusal of its `hello`
 * is final or tried again as the refusal says. The real page runs in
 * Chromium against a real server; the operator is a protocol client.
 */

import assert from "node:assert/strict";
import type { Page } from "./_playwright.ts";
import { FIRST_RETRY_MS } from "../../core/backoff.ts";
import { type ChatServer } from "../../server.ts";
import { parseOpFile } from "../../server/hub/moderation.ts";
import { TestClient } from "../_test_utils.ts";
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

/** Longer than the page's first reconnect would take, jitter included, twice over. */
const NO_RETRY_MS = 2.5 * FIRST_RETRY_MS;

/** A server whose operator is `alice` (secret `s3cret`), and the lines it logs. */
async function moderatedServer(): Promise<{ server: ChatServer; log: string[] }> {
  const log: string[] = [];
  const server = await startWebServer({
    operators: parseOpFile("alice s3cret\n"),
    log: (line) => log.push(line),
  });
  return { server, log };
}

/** `alice`, in #lobby and an operator. */
async function operator(server: ChatServer): Promise<TestClient> {
  const alice = await TestClient.join2(server.addr.port, "alice");
  await alice.say("/oper s3cret");
  await alice.next("notice", (frame) => frame.text.startsWith("alice is an operator"));
  return alice;
}

/** Matches a log line that reads `text` after its time. */
function stamped(text: string): RegExp {
  return new RegExp(String.raw`^\[\d\d:\d\d:\d\d\] ` + exactly(text).source.slice(1));
}

/** Proves that `page` opens no WebSocket for longer than its next attempt would take. */
async function staysAway(page: Page): Promise<void> {
  const socket = await page.waitForEvent("websocket", { timeout: NO_RETRY_MS })
    .then((socket) => socket.url(), () => undefined);
  assert.equal(socket, undefined, "the page connected again by itself");
}

/** Waits until the page says it is disconnected and offers to reconnect, `why` in its status. */
async function disconnected(page: Page, why: string): Promise<void> {
  await waitForStatus(page, "Disconnected");
  await page.locator("#retry", { hasText: exactly("Reconnect") }).waitFor();
  assert.equal(await page.locator("#status").getAttribute("title"), `Disconnected: ${why}`);
  assert.equal(await page.locator("#status-announce").textContent(), `Disconnected: ${why}`);
}

testWith(
  ["chromium"],
  "web page: kicked, it stays away, saying by whom and why, until Reconnect is clicked",
  async () => {
    const { server } = await moderatedServer();
    await using _server = server;
    await using browser = await ChatBrowser.launch();
    await using alice = await operator(server);
    const page = await browser.openAs(webUrl(server), "bob");
    await alice.next("joined", (frame) => frame.name === "bob");

    await alice.send({ type: "kick", name: "bob", reason: "flooding" });
    await waitForLine(page, "notice", stamped("Disconnected: You were kicked by alice: flooding"));
    await disconnected(page, "You were kicked by alice: flooding");
    await staysAway(page);
    assert.equal(await logLine(page, "notice", "Reconnecting").count(), 0, "told it reconnects");
    await waitForStatus(page, "Disconnected");

    // Joining again is the user's to ask.
    await page.locator("#retry").click();
    await waitForStatus(page, "Connected");
    await alice.next("joined", (frame) => frame.name === "bob");
    assert.equal(await page.locator("#status").getAttribute("title"), "Connected");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: banned, and reloaded, it tries once, says who, until when and why, and again only when asked",
  async () => {
    const { server, log } = await moderatedServer();
    await using _server = server;
    await using browser = await ChatBrowser.launch();
    await using alice = await operator(server);
    const page = await browser.openAs(webUrl(server), "bob");
    await alice.next("joined", (frame) => frame.name === "bob");

    await alice.send({ type: "ban", target: "bob", reason: "spamming" });
    await waitForLine(page, "notice", stamped("Disconnected: You were banned by alice: spamming"));
    await disconnected(page, "You were banned by alice: spamming");
    await staysAway(page);

    // Reloaded, the page comes back under its remembered name once, and is refused.
    const banned = "Cannot join: alice banned you, until an operator lifts it: spamming";
    await page.reload();
    await waitForLine(page, "error", stamped(banned));
    await disconnected(page, banned);
    await staysAway(page);
    const refusals = () => log.filter((line) => / is banned: bob, by alice/.test(line)).length;
    assert.equal(refusals(), 1, `the server's log:\n${log.join("\n")}`);
    assert.equal(await logLine(page, "notice", "Trying again").count(), 0, "told it tries again");

    // Reconnect tries once more, by hand.
    await page.locator("#retry").click();
    await logLine(page, "error", stamped(banned)).nth(1).waitFor();
    await disconnected(page, banned);
    assert.equal(refusals(), 2, `the server's log:\n${log.join("\n")}`);

    // A page that asks for the name says so on its form, which joins again when submitted.
    await using other = await ChatBrowser.launch();
    const asked = await other.open(webUrl(server));
    await asked.locator("#name-input").fill("bob");
    await asked.locator("#name-submit").click();
    await asked.locator("#name-error", { hasText: exactly(banned) }).waitFor();
    await disconnected(asked, banned);
    await staysAway(asked);
    assert.equal(refusals(), 3, `the server's log:\n${log.join("\n")}`);
    assert.equal(await asked.locator("#name-submit").isEnabled(), true, "the form can be sent");
    assert.equal(await asked.locator("#name-input").inputValue(), "bob");
    await alice.say("/unban bob");
    await alice.next("info", (frame) => frame.text.includes("bob"));
    await asked.locator("#name-submit").click();
    await waitForStatus(asked, "Connected");
    await alice.next("joined", (frame) => frame.name === "bob");
    assert.deepEqual(browser.unexpectedProblems(), []);
    assert.deepEqual(other.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: kicked, a line typed says so and stays in the box, and the people shown are no longer current",
  async () => {
    const { server } = await moderatedServer();
    await using _server = server;
    await using browser = await ChatBrowser.launch();
    await using alice = await operator(server);
    // #dev is there before the page asks for the rooms, as it does on joining.
    await alice.send({ type: "join", room: "#dev" });
    await alice.next("room", (frame) => frame.room === "#dev");
    const page = await browser.openAs(webUrl(server), "bob");
    await alice.next("joined", (frame) => frame.name === "bob");
    await page.locator('#rooms [data-room="#dev"]').waitFor();
    await page.locator('#members li[data-name="alice"]').waitFor();
    assert.equal(await page.locator("#room-count").textContent(), "2 people");

    await alice.send({ type: "kick", name: "bob", reason: "bye" });
    await disconnected(page, "You were kicked by alice: bye");

    // Who is here is no longer known: the list and the counts say so, rather than show the
    // room as it was.
    await page.locator("#members-note", {
      hasText: exactly("Not connected: who is here shows again once you reconnect"),
    }).waitFor();
    assert.equal(await page.locator("#members li").count(), 0, "people listed");
    assert.equal(await page.locator("#member-count").textContent(), "");
    assert.equal(await page.locator("#room-count").textContent(), "");
    // Nor how many are in each of All rooms, which still lists them.
    await page.locator("#rooms-note", {
      hasText: exactly("Not connected: how many are in each room shows again once you reconnect"),
    }).waitFor();
    assert.equal(await page.locator("#rooms .count").count(), 0, "rooms counted");
    await page.locator('#rooms [data-room="#dev"]').waitFor();

    // A line typed is not sent, nor kept to be sent by itself: it says why, and stays.
    const input = page.locator("#message-input");
    await input.fill("still here?");
    await input.press("Enter");
    await waitForLine(
      page,
      "error",
      "Cannot send: you were kicked by alice: bye; click Reconnect to join again",
    );
    assert.equal(await input.inputValue(), "still here?", "the line left the box");
    assert.equal(await logLine(page, "notice", "Not connected").count(), 0, "told it waits");
    assert.equal(await page.locator("#log .pending").count(), 0, "shown as being sent");
    // What the page answers itself, it still does.
    await input.fill("/ignores");
    await input.press("Enter");
    await waitForLine(page, "notice", "You ignore nobody");
    // Nor does a room clicked in All rooms wait to be entered.
    await page.locator('#rooms [data-room="#dev"]').click();
    await logLine(page, "error", "Cannot send: you were kicked by alice: bye").nth(1).waitFor();
    assert.equal(await page.locator("#room-name").textContent(), "#lobby");

    // Reconnected, the people are back, and the line goes once sent, as any other.
    await page.locator("#retry").click();
    await waitForStatus(page, "Connected");
    await alice.next("joined", (frame) => frame.name === "bob");
    await page.locator('#members li[data-name="alice"]').waitFor();
    assert.equal(await page.locator("#members-note").isVisible(), false, "the note stays");
    assert.equal(await page.locator("#room-count").textContent(), "2 people");
    await page.locator('#rooms [data-room="#dev"] .count').waitFor();
    assert.equal(await page.locator("#rooms-note").isVisible(), false, "the rooms' note stays");
    await say(page, "still here?");
    await alice.next("message", (frame) => frame.from === "bob" && frame.text === "still here?");
    assert.equal(await page.locator("#room-name").textContent(), "#lobby", "entered #dev");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);
