/**
 * What a person reads of an operator's act on them, in every client (the
 * conversation core words it): their rename, their operator status given
 * or taken, their mute and its end; and themself marked in `/who`.
 */

import assert from "node:assert/strict";
import { Conversation } from "../core/conversation.ts";
import { parseSpan } from "../core/duration.ts";
import type { Effect } from "../core/effects.ts";
import { muteOf, ownNotice } from "../core/own_notices.ts";
import { plainText } from "../core/plain.ts";

/** `karen`'s conversation, welcomed in #lobby with boss and ann. */
function karens(): Conversation {
  const chat = new Conversation({});
  chat.hello("karen", 0);
  chat.receive(
    { type: "welcome", version: 2, server: "chat", name: "karen", rooms: ["#lobby"] },
    0,
  );
  chat.receive(
    { type: "room", room: "#lobby", members: ["ann", "boss", "karen"], count: 3 },
    0,
  );
  return chat;
}

/** The text of every line `effects` show, without times. */
function shown(effects: readonly Effect[]): string[] {
  return effects.flatMap((effect) =>
    effect.type === "show"
      ? effect.lines.map((line) => plainText(line).replace(/\[[\d: -]+\] /, ""))
      : []
  );
}

/** What `chat` shows of the server's notice `text` in #lobby, at `now`. */
function told(chat: Conversation, text: string, now = 1): string[] {
  return shown(chat.receive({ type: "notice", ts: 0, room: "#lobby", text }, now));
}

Deno.test("Conversation: an operator's act on the user is told to them as theirs", () => {
  const chat = karens();
  assert.deepEqual(told(chat, "boss made karen an operator"), ["-- boss made you an operator"]);
  assert.deepEqual(told(chat, "boss made karen a person like the others"), [
    "-- boss took your operator status",
  ]);
  assert.deepEqual(told(chat, "karen is no longer an operator"), [
    "-- You are no longer an operator",
  ]);
  assert.deepEqual(told(chat, "karen is an operator (proved with the secret of their name)"), [
    "-- You are an operator (proved with the secret of your name)",
  ]);
  assert.deepEqual(told(chat, "boss muted karen for 10 s"), ["-- boss muted you for 10 s"]);
  assert.deepEqual(told(chat, "boss unmuted KAREN"), ["-- boss unmuted you"]);
  assert.deepEqual(told(chat, "boss made karen an operator; their mute is lifted"), [
    "-- boss made you an operator; your mute is lifted",
  ]);
  // Renamed, the notice comes before the rename itself, which it stands for.
  assert.deepEqual(told(chat, "boss renamed karen to carol"), [
    "-- boss renamed you (karen) to carol",
  ]);
  assert.deepEqual(
    shown(chat.receive({ type: "renamed", ts: 0, room: "#lobby", from: "karen", to: "carol" }, 1)),
    [],
  );
  // The same acts on someone else read as the server says them.
  assert.deepEqual(told(chat, "boss made ann a person like the others"), [
    "-- boss made ann a person like the others",
  ]);
  assert.deepEqual(told(chat, "boss renamed ann to anna"), ["-- boss renamed ann to anna"]);
  assert.deepEqual(told(chat, "boss muted ann for 10 s"), ["-- boss muted ann for 10 s"]);
});

Deno.test("ownNotice() leaves the operator's own acts, and other notices, as they are", () => {
  assert.equal(ownNotice("boss muted karen", "boss"), undefined);
  assert.equal(ownNotice("boss renamed karen to carol", "boss"), undefined);
  assert.equal(ownNotice("Topic of #lobby: karen muted", "karen"), undefined);
  assert.equal(ownNotice("boss muted karen", "karen"), "boss muted you");
  assert.deepEqual(muteOf("boss muted karen for 1 min 30 s", "karen"), {
    kind: "muted",
    ms: 90_000,
  });
  assert.deepEqual(muteOf("boss muted karen", "karen"), { kind: "muted", ms: undefined });
  assert.equal(muteOf("boss muted ann for 10 s", "karen"), undefined);
  assert.equal(parseSpan("3 d 4 h"), (3 * 86_400 + 4 * 3600) * 1000);
  assert.equal(parseSpan("4 h 3 d"), undefined);
});

Deno.test("Conversation: a mute said with its span is told over when it runs out, and not once lifted", () => {
  const chat = karens();
  told(chat, "boss muted karen for 10 s", 1_000);
  assert.deepEqual(shown(chat.tick(10_999)), []);
  assert.deepEqual(shown(chat.tick(11_000)), ["-- Your mute is over: you can talk again"]);
  assert.deepEqual(shown(chat.tick(20_000)), [], "said once");
  // Unmuted before it ran out: nothing more to say then.
  told(chat, "boss muted karen for 10 s", 30_000);
  told(chat, "boss unmuted karen", 31_000);
  assert.deepEqual(shown(chat.tick(45_000)), []);
  // A mute without an end, and someone else's, end at nobody's clock.
  told(chat, "boss muted ann for 5 s", 50_000);
  told(chat, "boss muted karen", 50_000);
  assert.deepEqual(shown(chat.tick(60_000_000)), []);
});

Deno.test("Conversation: /who marks the user among the people listed", () => {
  const chat = karens();
  const effects = chat.receive({
    type: "who",
    room: "#lobby",
    members: ["ann", "boss", "karen"],
    count: 3,
    people: [
      { name: "ann", active: Date.now(), client: "web" },
      { name: "boss", active: Date.now(), client: "terminal", op: true },
      { name: "karen", active: Date.now(), client: "terminal" },
    ],
  }, 1);
  assert.deepEqual(shown(effects), [
    "-- #lobby: 3 people here: ann (web), boss (operator, terminal), karen (you, terminal)",
  ]);
  // Version 1 says names alone: the user is marked all the same.
  assert.deepEqual(
    shown(chat.receive({ type: "who", room: "#lobby", members: ["boss", "karen"], count: 2 }, 1)),
    ["-- #lobby: 2 people here: boss, karen (you)"],
  );
});
