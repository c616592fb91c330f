/**
 * Presence in the conversation core, driven by frames, typed lines and a
 * fake clock alone: what the client is, who is typing where and for how
 * long, when the user is said to be typing, going away when idle, and the
 * people the user ignores.
 */

import assert from "node:assert/strict";
import { Conversation, type ConversationOptions, type Effect } from "../core/conversation.ts";
import { plainText } from "../core/plain.ts";
import { TYPING_SEND_MS, TYPING_SHOWN_MS } from "../core/presence.ts";
import {
  type ClientFrame,
  type MessageFrame,
  type ServerFrame,
  TYPING_RELAY_MS,
} from "../protocol.ts";

const TS = new Date(2024, 0, 2, 3, 4, 5).getTime();

function sent(effects: readonly Effect[]): ClientFrame[] {
  return effects.flatMap((effect) => effect.type === "send" ? [effect.frame] : []);
}

function shown(effects: readonly Effect[]): string[] {
  return effects.flatMap((effect) =>
    effect.type === "show" ? effect.lines.map((line) => plainText(line, { now: TS })) : []
  );
}

/** Whether `effects` say that who is typing changed. */
function typingChanged(effects: readonly Effect[]): boolean {
  return effects.some((effect) => effect.type === "changed" && effect.changes.typing);
}

/** A conversation welcomed as ann in #lobby (with bob) and #dev at time 0, in version 2. */
function joined(options: ConversationOptions = {}): Conversation {
  const chat = new Conversation({ clock: () => TS, bell: true, ...options });
  chat.hello("ann", 0);
  chat.receive(
    { type: "welcome", version: 2, server: "chat", name: "ann", rooms: ["#lobby", "#dev"] },
    0,
  );
  chat.receive({ type: "room", room: "#lobby", members: ["ann", "bob"], count: 2 }, 0);
  chat.receive({ type: "room", room: "#dev", members: ["ann", "bob"], count: 2 }, 0);
  chat.switchTo("#lobby");
  return chat;
}

function said(from: string, text: string, room = "#lobby", id = 1): MessageFrame {
  return { type: "message", id, ts: TS, room, from, text };
}

function whispered(from: string, text: string, id = 1): ServerFrame {
  return { type: "private", id, ts: TS, from, to: "ann", text };
}

Deno.test("Conversation.hello() says what the client is, when told", () => {
  const terminal = new Conversation({ client: "terminal" });
  assert.deepEqual(sent(terminal.hello("ann", 0)), [
    { type: "hello", version: 2, name: "ann", client: "terminal" },
  ]);
  assert.deepEqual(sent(new Conversation().hello("ann", 0)), [
    { type: "hello", version: 2, name: "ann" },
  ]);
  // Coming back, it says so again.
  terminal.receive({ type: "welcome", version: 2, server: "chat", name: "ann", resume: "r" }, 0);
  terminal.closed();
  terminal.opened();
  terminal.hello("ann", 1);
  const [again] = sent(terminal.receive({ type: "pong", token: "hello" }, 1));
  assert.ok(again?.type === "hello" && again.client === "terminal" && again.resume === "r");
});

Deno.test("Conversation: who is typing, in which view, and for how long", async (t) => {
  const chat = joined();

  await t.step("a relay in a room shows the name in that room's view", () => {
    const effects = chat.receive({ type: "typing", name: "bob", room: "#lobby" }, 1_000);
    assert.ok(typingChanged(effects));
    assert.deepEqual(shown(effects), [], "typing is no line of the log");
    assert.deepEqual(chat.typingIn("#lobby", 1_000), ["bob"]);
    assert.deepEqual(chat.typingIn("#dev", 1_000), []);
  });

  await t.step("another relay while shown changes nothing shown, and keeps it longer", () => {
    const effects = chat.receive({ type: "typing", name: "bob", room: "#lobby" }, 3_000);
    assert.ok(!typingChanged(effects));
    assert.deepEqual(chat.typingIn("#lobby", 1_000 + TYPING_SHOWN_MS), ["bob"]);
  });

  await t.step("it runs out a few seconds after the last relay, and a tick says so", () => {
    assert.ok(!typingChanged(chat.tick(3_000 + TYPING_SHOWN_MS - 1)));
    assert.deepEqual(chat.typingIn("#lobby", 3_000 + TYPING_SHOWN_MS - 1), ["bob"]);
    assert.ok(typingChanged(chat.tick(3_000 + TYPING_SHOWN_MS)));
    assert.deepEqual(chat.typingIn("#lobby", 3_000 + TYPING_SHOWN_MS), []);
    assert.ok(!typingChanged(chat.tick(3_000 + TYPING_SHOWN_MS + 250)), "said once");
  });

  await t.step("their message ends it at once", () => {
    chat.receive({ type: "typing", name: "bob", room: "#dev" }, 20_000);
    assert.deepEqual(chat.typingIn("#dev", 20_000), ["bob"]);
    const effects = chat.receive(said("bob", "done", "#dev", 7), 20_100);
    assert.ok(typingChanged(effects));
    assert.deepEqual(chat.typingIn("#dev", 20_100), []);
  });

  await t.step("to the user alone, it shows in the private view with them", () => {
    const effects = chat.receive({ type: "typing", name: "Bob" }, 30_000);
    assert.ok(typingChanged(effects));
    assert.deepEqual(chat.typingIn("@bob", 30_000), ["Bob"]);
    assert.deepEqual(chat.typingIn("@Bob", 30_000), ["Bob"]);
    assert.deepEqual(chat.typingIn("#lobby", 30_000), []);
    assert.deepEqual(chat.typingPrivately(30_000), ["Bob"], "before a private view began");
    assert.ok(typingChanged(chat.receive(whispered("Bob", "psst", 8), 30_500)));
    assert.deepEqual(chat.typingIn("@bob", 30_500), []);
  });

  await t.step("several people typing are all named, in the order they began", () => {
    chat.receive({ type: "typing", name: "bob", room: "#lobby" }, 40_000);
    chat.receive({ type: "typing", name: "cat", room: "#lobby" }, 40_100);
    assert.deepEqual(chat.typingIn("#lobby", 40_200), ["bob", "cat"]);
  });

  await t.step("a dropped connection forgets who was typing", () => {
    chat.closed();
    assert.deepEqual(chat.typingIn("#lobby", 40_300), []);
  });
});

Deno.test("Conversation: someone who leaves or takes another name is no longer shown typing", async (t) => {
  const chat = joined();
  const left = (name: string, room: string, reason: string): ServerFrame => ({
    type: "left",
    ts: TS,
    room,
    name,
    reason,
  });

  await t.step("kicked out of the room, at once", () => {
    chat.receive({ type: "typing", name: "tiny", room: "#lobby" }, 1_000);
    const effects = chat.receive(left("tiny", "#lobby", "kicked by carol"), 1_100);
    assert.ok(typingChanged(effects));
    assert.deepEqual(chat.typingIn("#lobby", 1_100), []);
  });

  await t.step("renamed, in every view, private ones too", () => {
    chat.receive({ type: "typing", name: "bob", room: "#lobby" }, 2_000);
    chat.receive({ type: "typing", name: "bob", room: "#dev" }, 2_000);
    chat.receive({ type: "typing", name: "bob" }, 2_000);
    const effects = chat.receive(
      { type: "renamed", ts: TS, room: "#lobby", from: "bob", to: "bobby" },
      2_100,
    );
    assert.ok(typingChanged(effects));
    assert.deepEqual(chat.typingIn("#lobby", 2_100), []);
    assert.deepEqual(chat.typingIn("#dev", 2_100), []);
    assert.deepEqual(chat.typingPrivately(2_100), []);
  });

  await t.step("gone to another room, only in the room left", () => {
    chat.receive({ type: "typing", name: "cat", room: "#lobby" }, 3_000);
    chat.receive({ type: "typing", name: "cat", room: "#dev" }, 3_000);
    chat.receive({ type: "typing", name: "cat" }, 3_000);
    assert.ok(typingChanged(chat.receive(left("cat", "#lobby", "parted"), 3_100)));
    assert.deepEqual(chat.typingIn("#lobby", 3_100), []);
    assert.deepEqual(chat.typingIn("#dev", 3_100), ["cat"]);
    assert.deepEqual(chat.typingPrivately(3_100), ["cat"]);
  });

  await t.step("quit, everywhere, private messages too", () => {
    assert.ok(typingChanged(chat.receive(left("cat", "#dev", "quit: bye"), 3_200)));
    assert.deepEqual(chat.typingIn("#dev", 3_200), []);
    assert.deepEqual(chat.typingPrivately(3_200), []);
  });

  await t.step("someone who was not typing changes nothing shown", () => {
    assert.ok(!typingChanged(chat.receive(left("dan", "#lobby", "quit"), 3_300)));
  });
});

Deno.test("Conversation.keystroke() tells the server the user types, at most every 3 s", async (t) => {
  const chat = joined();
  const typing = (now: number, draft = "h") => sent(chat.keystroke(now, draft));

  await t.step("in the room looked at", () => {
    assert.deepEqual(typing(1_000), [{ type: "typing", room: "#lobby" }]);
    assert.deepEqual(typing(1_500), []);
    assert.deepEqual(typing(1_000 + TYPING_SEND_MS - 1), []);
    assert.deepEqual(typing(1_000 + TYPING_SEND_MS), [{ type: "typing", room: "#lobby" }]);
  });

  await t.step("a line sent starts a new message: the next key says so once relayed again", () => {
    // The last typing went at 4 s; the server relays the next no sooner than 2 s after it.
    chat.type("hello", 5_000);
    assert.deepEqual(typing(5_100), []);
    assert.deepEqual(typing(4_000 + TYPING_RELAY_MS), [{ type: "typing", room: "#lobby" }]);
    chat.type("again", 8_000);
    assert.deepEqual(typing(8_100), [{ type: "typing", room: "#lobby" }], "2 s after the last");
  });

  await t.step("an empty draft or a command is no message being typed", () => {
    chat.type("x", 10_000);
    assert.deepEqual(typing(10_100, ""), []);
    assert.deepEqual(typing(10_200, "/who"), []);
    assert.deepEqual(typing(10_300, "/join #x"), []);
    assert.deepEqual(typing(10_400, "//shrug"), [{ type: "typing", room: "#lobby" }]);
    chat.type("x", 20_000);
    assert.deepEqual(typing(20_100, "/me waves"), [{ type: "typing", room: "#lobby" }]);
    chat.type("x", 30_000);
    assert.deepEqual(typing(30_100, "/msg cat hi"), [{ type: "typing", to: "cat" }]);
  });

  await t.step("in a private view, to that person", () => {
    chat.switchTo("@bob");
    chat.type("x", 40_000);
    assert.deepEqual(typing(40_100), [{ type: "typing", to: "bob" }]);
    chat.switchTo("#dev");
    chat.type("x", 50_000);
    assert.deepEqual(typing(50_100), [{ type: "typing", room: "#dev" }]);
  });

  await t.step("/typing off sends none, and says so; /typing on again", () => {
    // Said once the server has answered the line typed before it, after the pong of a ping.
    const [ping] = sent(chat.type("/typing off", 60_000));
    assert.ok(ping?.type === "ping" && ping.token !== undefined);
    assert.deepEqual(shown(chat.receive({ type: "pong", token: ping.token }, 60_000)), [
      "-- Typing: off (others do not see when you are typing)",
    ]);
    assert.equal(chat.sendsTyping, false);
    assert.deepEqual(typing(60_100), []);
    assert.deepEqual(typing(70_000), []);
    assert.deepEqual(shown(chat.type("/typing", 70_100)), [
      "-- Typing: off (others do not see when you are typing)",
    ]);
    assert.deepEqual(shown(chat.type("/typing loud", 70_100)), ["!! Usage: /typing on|off"]);
    assert.deepEqual(sent(chat.type("/typing on", 70_200)), [], "the server never sees it");
    assert.deepEqual(typing(70_300), [{ type: "typing", room: "#dev" }]);
  });

  await t.step("while a /join is on its way, none; in the room once it is entered", () => {
    chat.type("/join #qa", 80_000);
    assert.deepEqual(typing(80_100), []);
    chat.receive({ type: "room", room: "#qa", members: ["ann"], count: 1 }, 80_200);
    assert.deepEqual(typing(80_300), [{ type: "typing", room: "#qa" }]);
  });

  await t.step("offline, nothing is sent", () => {
    chat.closed();
    assert.deepEqual(chat.keystroke(90_000, "h"), []);
  });
});

Deno.test("Conversation: typing after a /part goes where the user will look, and a refusal of it is not shown", () => {
  const chat = joined();
  chat.switchTo("#dev");
  const part = sent(chat.type("/part", 1_000));
  assert.deepEqual(part.map((frame) => frame.type), ["say", "ping"]);
  // Typed before the server has said #dev is left: the typing goes to #lobby.
  assert.deepEqual(sent(chat.keystroke(1_010, "h")), [{ type: "typing", room: "#lobby" }]);
  // A typing the server refuses all the same (the user was sent out of the room) says nothing.
  const refused = chat.receive({
    type: "error",
    code: "not_in_room",
    message: "Cannot type in #dev: you are not in #dev (join it first)",
  }, 1_020);
  assert.deepEqual(shown(refused), []);
});

Deno.test("Conversation.keystroke() sends nothing to a server of version 1", () => {
  const chat = new Conversation();
  chat.hello("ann", 0);
  chat.receive({ type: "welcome", version: 1, server: "chat", name: "ann" }, 0);
  chat.receive({ type: "room", room: "#lobby", members: ["ann"], count: 1 }, 0);
  assert.deepEqual(chat.keystroke(1_000, "h"), []);
});

Deno.test("Conversation: away after a while without input, back at the next", async (t) => {
  const MINUTE = 60_000;
  const chat = joined({ awayAfterMs: 15 * MINUTE });
  /** Time passes to `now`; the server keeps the link alive meanwhile. */
  const tick = (now: number) => {
    chat.receive({ type: "ping" }, now);
    return sent(chat.tick(now)).filter((frame) => frame.type !== "pong" && frame.type !== "ping");
  };

  await t.step("idle long enough, the user is away with the reason idle, once", () => {
    assert.deepEqual(tick(15 * MINUTE - 1), []);
    assert.deepEqual(tick(15 * MINUTE), [{ type: "away", reason: "idle" }]);
    assert.deepEqual(tick(16 * MINUTE), []);
  });

  await t.step("a key brings them back", () => {
    assert.deepEqual(sent(chat.keystroke(17 * MINUTE, "h")), [
      { type: "back" },
      { type: "typing", room: "#lobby" },
    ]);
    assert.deepEqual(sent(chat.keystroke(17 * MINUTE + 10, "hi")), []);
    assert.deepEqual(tick(31 * MINUTE), []);
  });

  await t.step("so does a line, before it", () => {
    assert.deepEqual(tick(32 * MINUTE), []);
    assert.deepEqual(tick(33 * MINUTE), [{ type: "away", reason: "idle" }]);
    assert.deepEqual(
      sent(chat.type("hi", 33.5 * MINUTE)).map((frame) => frame.type),
      ["back", "say"],
    );
  });

  await t.step("and a line too long to send: the user is there all the same", () => {
    assert.deepEqual(tick(33.7 * MINUTE), []);
    assert.deepEqual(tick(48.6 * MINUTE), [{ type: "away", reason: "idle" }]);
    const refused = chat.type("x".repeat(5_000), 48.7 * MINUTE);
    const [back, ping] = sent(refused);
    assert.deepEqual(back, { type: "back" });
    // Refused here, after the lines before it were answered: once the server's pong is in.
    assert.ok(ping?.type === "ping" && ping.token !== undefined, JSON.stringify(refused));
    const answered = chat.receive({ type: "pong", token: ping.token }, 48.7 * MINUTE);
    assert.ok(answered.some((effect) => effect.type === "show"), "the refusal is shown");
  });

  await t.step("an /away of the user's own is never overridden, nor ended by a key", () => {
    assert.deepEqual(sent(chat.type("/away lunch", 49 * MINUTE)), [
      { type: "say", text: "/away lunch", room: "#lobby" },
    ]);
    assert.deepEqual(tick(60 * MINUTE), []);
    assert.deepEqual(sent(chat.keystroke(61 * MINUTE, "h")), [{ type: "typing", room: "#lobby" }]);
  });

  await t.step("after /back, being idle makes them away again", () => {
    assert.deepEqual(sent(chat.type("/back", 62 * MINUTE)).map((frame) => frame.type), ["say"]);
    assert.deepEqual(tick(77 * MINUTE), [{ type: "away", reason: "idle" }]);
    // Typing /away while away by itself: one away, no back first.
    assert.deepEqual(sent(chat.type("/away gone home", 78 * MINUTE)).map((f) => f.type), ["say"]);
    assert.deepEqual(tick(100 * MINUTE), []);
  });

  await t.step("without awayAfterMs, never", () => {
    const never = joined();
    never.receive({ type: "ping" }, 1_000 * MINUTE);
    assert.ok(!sent(never.tick(1_000 * MINUTE)).some((frame) => frame.type === "away"));
  });
});

Deno.test("Conversation: away by itself across a lost connection, idle time counted from the last key", async (t) => {
  const MINUTE = 60_000;
  const chat = joined({ awayAfterMs: 15 * MINUTE });
  /** Time passes to `now`; the server keeps the link alive meanwhile. */
  const tick = (now: number) => {
    chat.receive({ type: "ping" }, now);
    return sent(chat.tick(now)).filter((frame) => frame.type !== "pong" && frame.type !== "ping");
  };
  /** The connection drops at `from`; what the client sends once welcomed again at `now`. */
  const comeBack = (from: number, now: number) => {
    chat.closed();
    chat.opened();
    chat.hello("ann", from);
    sent(chat.receive({ type: "pong", token: "hello" }, now));
    const welcome: ServerFrame = {
      type: "welcome",
      version: 2,
      server: "chat",
      name: "ann",
      rooms: ["#lobby", "#dev"],
    };
    return sent(chat.receive(welcome, now)).filter((frame) => frame.type === "away");
  };

  await t.step("away by itself, the client says so again at once, for the same reason", () => {
    assert.deepEqual(tick(15 * MINUTE), [{ type: "away", reason: "idle" }]);
    assert.deepEqual(comeBack(16 * MINUTE, 17 * MINUTE), [{ type: "away", reason: "idle" }]);
    assert.deepEqual(tick(18 * MINUTE), [], "once");
  });

  await t.step("the next key brings the user back, as before", () => {
    assert.deepEqual(sent(chat.keystroke(19 * MINUTE, "h")), [
      { type: "back" },
      { type: "typing", room: "#lobby" },
    ]);
  });

  await t.step("not yet away when the link went: away 15 min after the last key", () => {
    assert.deepEqual(comeBack(20 * MINUTE, 21 * MINUTE), []);
    assert.deepEqual(tick(34 * MINUTE - 1), []);
    assert.deepEqual(tick(34 * MINUTE), [{ type: "away", reason: "idle" }]);
  });

  await t.step("idle long enough while the link was down: away as soon as it is back", () => {
    chat.keystroke(35 * MINUTE, "hi");
    assert.deepEqual(comeBack(36 * MINUTE, 55 * MINUTE), []);
    assert.deepEqual(tick(55 * MINUTE), [{ type: "away", reason: "idle" }]);
  });

  await t.step("a key while the link is down counts: back, and idle from it", () => {
    chat.closed();
    assert.deepEqual(chat.keystroke(56 * MINUTE, "hi!"), []);
    assert.deepEqual(chat.input(57 * MINUTE), []);
    assert.deepEqual(comeBack(57 * MINUTE, 58 * MINUTE), []);
    assert.deepEqual(tick(72 * MINUTE - 1), []);
    assert.deepEqual(tick(72 * MINUTE), [{ type: "away", reason: "idle" }]);
  });

  await t.step("an /away of the user's own is said again instead, not ended by a key", () => {
    assert.deepEqual(sent(chat.type("/away lunch", 73 * MINUTE)).map((frame) => frame.type), [
      "say",
    ]);
    assert.deepEqual(comeBack(74 * MINUTE, 75 * MINUTE), [{ type: "away", reason: "lunch" }]);
    assert.deepEqual(sent(chat.keystroke(76 * MINUTE, "h")), [{ type: "typing", room: "#lobby" }]);
  });
});

Deno.test("Conversation: the user's own away says how it ends: any key after idle, the tab shown, else /back", async (t) => {
  const chat = joined({ awayAfterMs: 60_000 });
  const away = (reason: string): ServerFrame => ({ type: "away", ts: TS, name: "ann", reason });

  await t.step("away by itself, after a while idle", () => {
    chat.receive({ type: "ping" }, 60_000);
    assert.deepEqual(sent(chat.tick(60_000)).filter((frame) => frame.type === "away"), [
      { type: "away", reason: "idle" },
    ]);
    assert.deepEqual(shown(chat.receive(away("idle"), 60_100)), [
      "-- [03:04:05] You are away: idle; any key brings you back",
    ]);
  });

  await t.step("away as the user typed it, even for the same reason", () => {
    chat.keystroke(61_000, "h");
    chat.type("/away idle", 61_100);
    assert.deepEqual(shown(chat.receive(away("idle"), 61_200)), [
      "-- [03:04:05] You are away: idle; /back when you are back",
    ]);
  });

  await t.step("away by itself on a client that goes away while hidden, until shown", () => {
    const page = joined({ awayAfterMs: 60_000, awayEnds: "shown" });
    page.receive({ type: "ping" }, 60_000);
    assert.deepEqual(sent(page.tick(60_000)).filter((frame) => frame.type === "away"), [
      { type: "away", reason: "idle" },
    ]);
    assert.deepEqual(shown(page.receive(away("idle"), 60_100)), [
      "-- [03:04:05] You are away: idle; back once this tab is shown again",
    ]);
  });
});

Deno.test("Conversation: the people the user ignores are hidden", async (t) => {
  const chat = joined({ ignored: ["Eve"] });

  await t.step("the list given to begin with is kept", () => {
    assert.deepEqual(chat.ignored, ["Eve"]);
    assert.deepEqual(shown(chat.type("/ignores", 0)), ["-- You ignore Eve"]);
  });

  await t.step("their room messages, actions and files: not shown, not unread, no bell", () => {
    for (
      const frame of [
        said("eve", "ann, look", "#lobby", 2),
        { ...said("eve", "waves", "#lobby", 3), action: true },
        said("eve", "ann!", "#dev", 4),
        {
          ...said("eve", "x.png (1 KiB)", "#dev", 5),
          file: { id: "a".repeat(64), name: "x.png", size: 1024, type: "image/png", url: "/f" },
        },
      ] satisfies ServerFrame[]
    ) {
      const effects = chat.receive(frame, 1_000);
      assert.deepEqual(shown(effects), [], JSON.stringify(frame));
      assert.ok(!effects.some((effect) => effect.type === "ring"));
    }
    assert.deepEqual(chat.activity, [], "nothing unread");
    // Their ids still count as seen: coming back does not ask for them again.
    assert.equal(chat.roster.seenIn("#dev"), 5);
  });

  await t.step("their private messages and typing", () => {
    const effects = chat.receive(whispered("EVE", "hi ann", 6), 1_000);
    assert.deepEqual(shown(effects), []);
    assert.ok(!effects.some((effect) => effect.type === "ring"));
    assert.ok(!typingChanged(chat.receive({ type: "typing", name: "eve", room: "#lobby" }, 1_000)));
    assert.ok(!typingChanged(chat.receive({ type: "typing", name: "eve" }, 1_000)));
    assert.deepEqual(chat.typingIn("#lobby", 1_000), []);
    assert.deepEqual(chat.views.map((view) => view.id), ["#lobby", "#dev"]);
  });

  await t.step("their arrivals and departures still show", () => {
    const effects = chat.receive({ type: "joined", ts: TS, room: "#lobby", name: "eve" }, 1_000);
    assert.deepEqual(shown(effects), ["-- [03:04:05] eve joined #lobby"]);
  });

  await t.step("/ignore adds one, says so and gives the list to remember", () => {
    const effects = chat.type("/ignore @bob", 2_000);
    assert.deepEqual(shown(effects), [
      "-- You ignore bob now: their messages are hidden from you (/unignore bob shows them)",
    ]);
    assert.deepEqual(effects.filter((effect) => effect.type === "ignored"), [
      { type: "ignored", names: ["bob", "Eve"] },
    ]);
    assert.deepEqual(sent(effects), [], "the server never knows");
    assert.deepEqual(shown(chat.receive(said("bob", "hello", "#lobby", 9), 2_000)), []);
    const again = chat.type("/ignore BOB", 2_000);
    assert.deepEqual(shown(again), ["-- You ignore bob already"]);
    assert.ok(!again.some((effect) => effect.type === "ignored"));
  });

  await t.step("nobody can ignore themselves or a name that cannot be", () => {
    assert.deepEqual(shown(chat.type("/ignore Ann", 2_000)), [
      `!! Cannot ignore "Ann": that is you`,
    ]);
    assert.deepEqual(shown(chat.type("/ignore a/b", 2_000)), [
      `!! Cannot ignore "a/b": that is not a valid name`,
    ]);
    assert.deepEqual(shown(chat.type("/ignore", 2_000)), ["!! Usage: /ignore NAME"]);
  });

  await t.step("/unignore shows them again, named as the list holds them", () => {
    const effects = chat.type("/unignore Bob", 3_000);
    assert.deepEqual(shown(effects), ["-- You no longer ignore bob"]);
    assert.deepEqual(effects.filter((effect) => effect.type === "ignored"), [
      { type: "ignored", names: ["Eve"] },
    ]);
    assert.deepEqual(shown(chat.receive(said("bob", "back", "#lobby", 10), 3_000)), [
      "[03:04:05] bob: back",
    ]);
    assert.deepEqual(shown(chat.type("/unignore bob", 3_000)), ["-- You do not ignore bob"]);
    chat.type("/unignore eve", 3_000);
    assert.deepEqual(shown(chat.type("/ignores", 3_000)), ["-- You ignore nobody"]);
  });

  await t.step("/help lists the commands", () => {
    const help = shown(chat.receive({ type: "help", commands: [] }, 4_000));
    for (const usage of ["/typing on|off", "/ignore NAME", "/unignore NAME", "/ignores"]) {
      assert.ok(help.some((line) => line.includes(usage)), usage);
    }
  });
});

Deno.test("Conversation: an ignore follows the person ignored across renames", async (t) => {
  const chat = joined({ ignored: ["dave"] });
  chat.receive({ type: "joined", ts: TS, room: "#lobby", name: "erin" }, 0);

  function ignoredEffects(effects: readonly Effect[]): Effect[] {
    return effects.filter((effect) => effect.type === "ignored");
  }

  await t.step("/ignore names someone connected as they have it", () => {
    const effects = chat.type("/ignore ERIN", 1_000);
    assert.deepEqual(shown(effects), [
      "-- You ignore erin now: their messages are hidden from you (/unignore erin shows them)",
    ]);
    assert.deepEqual(ignoredEffects(effects), [{ type: "ignored", names: ["dave", "erin"] }]);
    assert.deepEqual(shown(chat.type("/ignores", 1_000)), ["-- You ignore dave, erin"]);
  });

  await t.step("someone ignored as typed while away is named as they have it once present", () => {
    chat.receive({ type: "joined", ts: TS, room: "#dev", name: "Dave" }, 1_000);
    const effects = chat.type("/ignore dave", 1_000);
    assert.deepEqual(shown(effects), ["-- You ignore Dave already"]);
    assert.deepEqual(ignoredEffects(effects), [{ type: "ignored", names: ["Dave", "erin"] }]);
  });

  await t.step("a /nick of someone ignored: the list holds the new name, to remember", () => {
    const effects = chat.receive(
      { type: "renamed", ts: TS, room: "#lobby", from: "erin", to: "erin2" },
      2_000,
    );
    assert.deepEqual(shown(effects), ["-- [03:04:05] erin is now erin2"]);
    assert.deepEqual(ignoredEffects(effects), [{
      type: "ignored",
      names: ["Dave", "erin2", { name: "erin", until: TS, now: "erin2" }],
    }]);
    assert.deepEqual(chat.ignored, ["Dave", "erin2"]);
    assert.deepEqual(shown(chat.type("/ignores", 2_000)), ["-- You ignore Dave, erin2"]);
  });

  await t.step("their words, private messages and typing under the new name stay hidden", () => {
    assert.deepEqual(shown(chat.receive(said("erin2", "still here", "#lobby", 3), 3_000)), []);
    assert.deepEqual(shown(chat.receive(whispered("erin2", "psst", 4), 3_000)), []);
    const typing = chat.receive({ type: "typing", name: "erin2", room: "#lobby" }, 3_000);
    assert.ok(!typingChanged(typing));
    assert.deepEqual(chat.typingIn("#lobby", 3_000), []);
  });

  await t.step("the same rename told again in another room changes nothing more", () => {
    const effects = chat.receive(
      { type: "renamed", ts: TS, room: "#dev", from: "erin", to: "erin2" },
      3_000,
    );
    assert.deepEqual(ignoredEffects(effects), []);
  });

  await t.step("an operator's rename is followed too", () => {
    chat.receive(
      { type: "notice", ts: TS, room: "#dev", text: "ann renamed Dave to dave2" },
      4_000,
    );
    const effects = chat.receive(
      { type: "renamed", ts: TS, room: "#dev", from: "Dave", to: "dave2" },
      4_000,
    );
    assert.deepEqual(ignoredEffects(effects), [{
      type: "ignored",
      names: [
        "dave2",
        "erin2",
        { name: "Dave", until: TS, now: "dave2" },
        { name: "erin", until: TS, now: "erin2" },
      ],
    }]);
    assert.deepEqual(shown(chat.receive(said("dave2", "hi", "#dev", 5), 4_000)), []);
  });

  await t.step("a rename of someone not ignored leaves the list alone", () => {
    const effects = chat.receive(
      { type: "renamed", ts: TS, room: "#lobby", from: "bob", to: "robert" },
      5_000,
    );
    assert.deepEqual(ignoredEffects(effects), []);
    assert.deepEqual(chat.ignored, ["dave2", "erin2"]);
    assert.deepEqual(shown(chat.receive(said("robert", "hi", "#lobby", 6), 5_000)), [
      "[03:04:05] robert: hi",
    ]);
  });
});

Deno.test("Conversation: what someone ignored said under a name they had before stays hidden", async (t) => {
  const chat = joined({ ignored: ["dave"] });
  const RENAMED = TS + 60_000;
  const before = (id: number, text: string, room = "#lobby"): MessageFrame => ({
    ...said("dave", text, room, id),
    ts: RENAMED - 1_000,
    replay: true,
  });
  const after = (id: number, text: string): MessageFrame => ({
    ...said("dave", text, "#lobby", id),
    ts: RENAMED + 1_000,
  });
  let remembered: Effect[] = [];

  await t.step("the rename is remembered with its time", () => {
    remembered = chat.receive(
      { type: "renamed", ts: RENAMED, room: "#lobby", from: "dave", to: "dave2" },
      1_000,
    ).filter((effect) => effect.type === "ignored");
    assert.deepEqual(remembered, [{
      type: "ignored",
      names: ["dave2", { name: "dave", until: RENAMED, now: "dave2" }],
    }]);
    assert.deepEqual(chat.ignored, ["dave2"]);
  });

  await t.step("history, /history and /search answers of the old name are hidden", () => {
    assert.deepEqual(shown(chat.receive(before(7, "dave speaks now"), 2_000)), []);
    assert.deepEqual(shown(chat.receive({ ...before(8, "so do I"), from: "DAVE" }, 2_000)), []);
    assert.deepEqual(shown(chat.receive(before(9, "in #dev", "#dev"), 2_000)), []);
    const exactly = { ...before(10, "at the rename"), ts: RENAMED };
    assert.deepEqual(shown(chat.receive(exactly, 2_000)), []);
  });

  await t.step("someone else who takes the old name later is not", () => {
    assert.deepEqual(shown(chat.receive(after(11, "I am the new dave"), 3_000)), [
      "[03:05:06] dave: I am the new dave",
    ]);
  });

  await t.step("a conversation begun again with the list remembered hides them as well", () => {
    const names = remembered.flatMap((effect) => effect.type === "ignored" ? effect.names : []);
    const again = joined({ ignored: names });
    assert.deepEqual(shown(again.receive(before(7, "dave speaks now"), 1_000)), []);
    assert.deepEqual(shown(again.receive(after(11, "I am the new dave"), 1_000)), [
      "[03:05:06] dave: I am the new dave",
    ]);
  });

  await t.step("a second rename keeps the first name hidden, and hides the second", () => {
    const effects = chat.receive(
      { type: "renamed", ts: RENAMED + 5_000, room: "#lobby", from: "dave2", to: "dave3" },
      4_000,
    );
    assert.deepEqual(effects.filter((effect) => effect.type === "ignored"), [{
      type: "ignored",
      names: [
        "dave3",
        { name: "dave", until: RENAMED, now: "dave3" },
        { name: "dave2", until: RENAMED + 5_000, now: "dave3" },
      ],
    }]);
    assert.deepEqual(shown(chat.receive(before(7, "dave speaks now"), 5_000)), []);
    const second = { ...before(12, "as dave2"), from: "dave2", ts: RENAMED + 4_000 };
    assert.deepEqual(shown(chat.receive(second, 5_000)), []);
  });

  await t.step("/unignore shows them again under every name", () => {
    const effects = chat.type("/unignore dave3", 6_000);
    assert.deepEqual(effects.filter((effect) => effect.type === "ignored"), [
      { type: "ignored", names: [] },
    ]);
    assert.deepEqual(
      shown(chat.receive(before(7, "dave speaks now"), 6_000)).at(-1),
      "[03:05:04] dave: dave speaks now",
    );
  });
});

Deno.test("Conversation: a server that knows no presence is not sent it again", () => {
  const chat = joined({ awayAfterMs: 60_000 });
  assert.deepEqual(sent(chat.keystroke(1_000, "h")), [{ type: "typing", room: "#lobby" }]);
  // An older server: the frame's type is unknown to it, a strike each time.
  const error = chat.receive(
    { type: "error", code: "unknown_type", message: 'Cannot read frame: unknown type "typing"' },
    1_100,
  );
  assert.deepEqual(shown(error), [], "the user did nothing wrong");
  chat.type("hi", 2_000);
  assert.deepEqual(sent(chat.keystroke(10_000, "h")), []);
  chat.receive({ type: "ping" }, 70_000);
  assert.ok(!sent(chat.tick(70_000)).some((frame) => frame.type === "away"));
  // A new connection may reach another server: it is tried again.
  chat.closed();
  chat.opened();
  chat.hello("ann", 80_000);
  chat.receive({ type: "welcome", version: 2, server: "chat", name: "ann", rooms: ["#lobby"] }, 0);
  assert.deepEqual(sent(chat.keystroke(90_000, "h")), [{ type: "typing", room: "#lobby" }]);
});

Deno.test("Conversation: a room's topic shows on entering it", () => {
  const chat = joined();
  chat.join("#ops", 1_000);
  const entered = chat.receive(
    { type: "room", room: "#ops", members: ["ann"], count: 1, topic: "Release on Friday" },
    1_100,
  );
  assert.ok(
    shown(entered).includes("-- Topic of #ops: Release on Friday"),
    shown(entered).join("\n"),
  );
});

Deno.test("Conversation: someone away or back is told in the rooms shared with them and their private view", async (t) => {
  /** carol in #lobby (with dave) and #ops (without), looking at #ops. */
  const carol = (display: "current" | "each") => {
    const chat = new Conversation({ clock: () => TS, display });
    chat.hello("carol", 0);
    chat.receive(
      { type: "welcome", version: 2, server: "chat", name: "carol", rooms: ["#lobby", "#ops"] },
      0,
    );
    chat.receive({ type: "room", room: "#lobby", members: ["carol", "dave"], count: 2 }, 0);
    chat.receive({ type: "room", room: "#ops", members: ["carol", "erin"], count: 2 }, 0);
    chat.switchTo("#ops");
    return chat;
  };
  const away: ServerFrame = { type: "away", ts: TS, name: "dave", reason: "lunch" };
  const back: ServerFrame = { type: "back", ts: TS, name: "dave" };
  /** The views `effects` show lines in, and what. */
  const where = (effects: readonly Effect[]) =>
    effects.flatMap((effect) =>
      effect.type === "show"
        ? effect.lines.map((line) => `${effect.view ?? "?"} ${plainText(line, { now: TS })}`)
        : []
    );

  await t.step("one view at a time: not in the room looked at, but in the room shared", () => {
    const chat = carol("current");
    assert.deepEqual(where(chat.receive(away, 1_000)), [], "nothing in #ops");
    assert.deepEqual(shown(chat.switchTo("#lobby")), [
      "— #lobby: new since you last looked —",
      "-- [03:04:05] dave is away: lunch",
    ]);
    assert.deepEqual(where(chat.receive(back, 2_000)), ["#lobby -- [03:04:05] dave is back"]);
  });

  await t.step("and in the private view with them, if there is one", () => {
    const chat = carol("current");
    chat.receive({ type: "private", id: 2, ts: TS, from: "dave", to: "carol", text: "hi" }, 500);
    chat.switchTo("@dave");
    assert.deepEqual(where(chat.receive(away, 1_000)), ["@dave -- [03:04:05] dave is away: lunch"]);
    assert.deepEqual(shown(chat.switchTo("#ops")), ["-- #ops: nothing new since you last looked"]);
    assert.match(shown(chat.switchTo("#lobby")).join("\n"), /dave is away: lunch/);
  });

  await t.step("each view shown: in #lobby, not in #ops", () => {
    const chat = carol("each");
    assert.deepEqual(where(chat.receive(away, 1_000)), [
      "#lobby -- [03:04:05] dave is away: lunch",
    ]);
  });

  await t.step("the user's own shows where they look", () => {
    const chat = carol("current");
    const own: ServerFrame = { type: "back", ts: TS, name: "carol" };
    assert.deepEqual(where(chat.receive(own, 1_000)), ["? -- [03:04:05] You are back"]);
  });
});

Deno.test("Conversation: someone written to privately who leaves the chat, or comes back, is told of in their private view", async (t) => {
  /** carol in #lobby and #ops, both with dave, who wrote to her, and #ops with erin too. */
  const chat = new Conversation({ clock: () => TS, display: "each" });
  chat.hello("carol", 0);
  chat.receive(
    { type: "welcome", version: 2, server: "chat", name: "carol", rooms: ["#lobby", "#ops"] },
    0,
  );
  chat.receive({ type: "room", room: "#lobby", members: ["carol", "dave"], count: 2 }, 0);
  chat.receive({ type: "room", room: "#ops", members: ["carol", "dave", "erin"], count: 3 }, 0);
  chat.receive({ type: "private", id: 2, ts: TS, from: "dave", to: "carol", text: "hi" }, 0);
  const left = (room: string, name: string, reason: string): ServerFrame => ({
    type: "left",
    ts: TS,
    room,
    name,
    reason,
  });
  const joined = (room: string, name: string): ServerFrame => ({
    type: "joined",
    ts: TS,
    room,
    name,
  });
  const where = (effects: readonly Effect[]) =>
    effects.flatMap((effect) =>
      effect.type === "show"
        ? effect.lines.map((line) => `${effect.view ?? "?"} ${plainText(line, { now: TS })}`)
        : []
    );

  await t.step("out of one room and still in another, nothing is said privately", () => {
    assert.deepEqual(where(chat.receive(left("#lobby", "dave", "quit"), 1)), [
      "#lobby -- [03:04:05] dave left #lobby (quit)",
    ]);
  });

  await t.step("out of the last room shared, gone from the chat, it is said privately too", () => {
    assert.deepEqual(where(chat.receive(left("#ops", "dave", "quit"), 2)), [
      "#ops -- [03:04:05] dave left #ops (quit)",
      "@dave -- [03:04:05] dave left #ops (quit)",
    ]);
  });

  await t.step("back in sight, it is said privately too, once", () => {
    assert.deepEqual(where(chat.receive(joined("#lobby", "dave"), 3)), [
      "#lobby -- [03:04:05] dave joined #lobby",
      "@dave -- [03:04:05] dave joined #lobby",
    ]);
    assert.deepEqual(where(chat.receive(joined("#ops", "dave"), 4)), [
      "#ops -- [03:04:05] dave joined #ops",
    ]);
  });

  await t.step("gone to another room, or out of one, still in the chat: nothing privately", () => {
    chat.receive(left("#lobby", "dave", "parted"), 5);
    assert.deepEqual(where(chat.receive(left("#ops", "dave", "went to #dev"), 6)), [
      "#ops -- [03:04:05] dave left #ops (went to #dev)",
    ]);
  });

  await t.step("someone with no private view is told of in the room alone", () => {
    assert.deepEqual(where(chat.receive(left("#ops", "erin", "connection lost"), 7)), [
      "#ops -- [03:04:05] erin left #ops (connection lost)",
    ]);
  });
});

Deno.test("Conversation: a joined for someone listed in the room already shows nothing", () => {
  const chat = joined();
  const first = chat.receive({ type: "joined", ts: TS, room: "#lobby", name: "erin" }, 0);
  assert.equal(shown(first).length, 1);
  // Moving to another server of a cluster, erin is still in the room: no second arrival.
  const again = chat.receive({ type: "joined", ts: TS, room: "#lobby", name: "erin" }, 1_000);
  assert.deepEqual(shown(again), []);
  assert.deepEqual(chat.roster.roomsWith("erin"), ["#lobby"]);
  // Once gone, coming back is shown.
  chat.receive({ type: "left", ts: TS, room: "#lobby", name: "erin", reason: "left" }, 2_000);
  const back = chat.receive({ type: "joined", ts: TS, room: "#lobby", name: "erin" }, 3_000);
  assert.equal(shown(back).length, 1);
});
