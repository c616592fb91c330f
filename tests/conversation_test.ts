/**
 * The conversation core driven by frames alone: no socket, no terminal, no
 * browser. What a client sends, shows and remembers for a reconnection.
 */

import assert from "node:assert/strict";
import {
  Conversation,
  type ConversationOptions,
  type Effect,
  ORDERED_WAIT_MS,
} from "../core/conversation.ts";
import {
  HEARTBEAT_GRACE_MS,
  HELLO_TIMEOUT_MS,
  PROBE_AFTER_MS,
  SILENCE_LIMIT_MS,
} from "../core/link.ts";
import { tooLongWarning } from "../core/notices.ts";
import { plainText } from "../core/plain.ts";
import type { ClientFrame, MessageFrame, ServerFrame } from "../protocol.ts";
import { shown as pageShown } from "../web/people.ts";

const TS = new Date(2024, 0, 2, 3, 4, 5).getTime();

function welcome(name = "ann", extra: Partial<ServerFrame> = {}): ServerFrame {
  return {
    type: "welcome",
    version: 2,
    server: "chat",
    name,
    resume: "r1",
    rooms: ["#lobby"],
    ...extra,
  } as ServerFrame;
}

/** What the welcome of a server that takes files says of them. */
const FILES = { port: 8080, token: "t1", maxBytes: 1_000_000 };

/** The welcome of a server that speaks version 1 only. */
function welcomeV1(name = "ann", extra: Partial<ServerFrame> = {}): ServerFrame {
  return {
    type: "welcome",
    version: 1,
    server: "chat",
    name,
    resume: "r1",
    ...extra,
  } as ServerFrame;
}

function message(id: number, fields: Partial<MessageFrame> = {}): MessageFrame {
  return { type: "message", id, ts: TS, room: "#lobby", from: "bob", text: `m${id}`, ...fields };
}

function room(name: string, members = ["ann"]): ServerFrame {
  return { type: "room", room: name, members, count: members.length };
}

/** The frames `effects` send. */
function sent(effects: readonly Effect[]): ClientFrame[] {
  return effects.flatMap((effect) => effect.type === "send" ? [effect.frame] : []);
}

/** The lines `effects` show, as plain text shown on the day of `TS`. */
function shown(effects: readonly Effect[]): string[] {
  return effects.flatMap((effect) =>
    effect.type === "show" ? effect.lines.map((line) => plainText(line, { now: TS })) : []
  );
}

/** What `chat` does at `now` on the server's `pong` to the one ping `effects` send. */
function pong(chat: Conversation, effects: readonly Effect[], now: number): Effect[] {
  const pings = sent(effects).filter((frame) => frame.type === "ping");
  assert.equal(pings.length, 1, JSON.stringify(effects));
  return chat.receive({ type: "pong", token: pings[0]!.token! }, now);
}

/**
 * What `chat` does with `line` typed at `now`, the server having answered
 * the lines before it: an answer held for their answers, once the `pong`
 * of the ping sent after them is in; that ping left out.
 */
function typeInTurn(chat: Conversation, line: string, now: number): Effect[] {
  const effects = chat.type(line, now);
  const rest = effects.filter((effect) =>
    !(effect.type === "send" && effect.frame.type === "ping")
  );
  return rest.length === effects.length ? effects : [...rest, ...pong(chat, effects, now)];
}

function types(effects: readonly Effect[]): string[] {
  return effects.map((effect) => effect.type);
}

/** A conversation whose clock reads `TS`: the day of the test messages is today. */
function conversation(options: ConversationOptions = {}): Conversation {
  return new Conversation({ clock: () => TS, ...options });
}

/** A conversation welcomed as `name` in #lobby at time 0, in version 2. */
function joined(name = "ann", options: ConversationOptions = {}): Conversation {
  const chat = conversation(options);
  chat.hello(name, 0);
  chat.receive(welcome(name), 0);
  chat.receive(room("#lobby", [name, "bob"]), 0);
  return chat;
}

/**
 * A conversation welcomed as `name` in #lobby at time 0 by a server of
 * version 1 only, which refused its first hello.
 */
function joinedV1(name = "ann", options: ConversationOptions = {}): Conversation {
  const chat = conversation(options);
  chat.hello(name, 0);
  const refused = chat.receive({ type: "error", code: "unsupported_version", message: "No" }, 0);
  assert.deepEqual(refused, [{ type: "drop", reason: "version" }]);
  chat.closed();
  chat.opened();
  assert.deepEqual(sent(chat.hello(name, 0)), [{ type: "hello", version: 1, name }]);
  chat.receive(welcomeV1(name), 0);
  chat.receive(room("#lobby", [name, "bob"]), 0);
  return chat;
}

/**
 * Drops the connection of `chat` and says hello again as `name`, which goes
 * once the pong of the ping sent ahead of it is in; returns the `hello`.
 */
function comeBack(chat: Conversation, name: string): ClientFrame {
  chat.closed();
  chat.opened();
  assert.deepEqual(sent(chat.hello(name, 100)), [{ type: "ping", token: "hello" }]);
  const [hello] = sent(chat.receive({ type: "pong", token: "hello" }, 100));
  assert.ok(hello !== undefined);
  return hello;
}

Deno.test("Conversation.hello() asks plainly the first time, with the password if given", () => {
  const chat = conversation();
  assert.deepEqual(sent(chat.hello("ann", 0)), [
    { type: "hello", version: 2, name: "ann" },
  ]);
  assert.deepEqual(sent(chat.hello("ann", 0, { password: "sesame" })), [
    { type: "hello", version: 2, name: "ann", password: "sesame" },
  ]);
});

Deno.test("Conversation.hello() enters the rooms it is given the first time, not coming back", () => {
  const chat = conversation();
  const rooms = Array.from({ length: 33 }, (_, i) => ({ room: `#r${i}` }));
  const [hello] = sent(chat.hello("ann", 0, { rooms }));
  assert.ok(hello?.type === "hello");
  assert.deepEqual(hello.rooms, rooms.slice(0, 32), "as many as one may be in");
  chat.receive(welcome("ann", { rooms: ["#r0", "#r1"] }), 0);
  assert.deepEqual(chat.roster.joined, ["#r0", "#r1"]);
  // Coming back, the rooms the user is in now, whatever the first hello was given.
  chat.closed();
  chat.opened();
  chat.hello("ann", 100, { rooms });
  const [again] = sent(chat.receive({ type: "pong", token: "hello" }, 100));
  assert.ok(again?.type === "hello");
  assert.deepEqual(again.rooms, [{ room: "#r0" }, { room: "#r1" }]);
  // Version 1 enters one room: the first.
  const old = conversation();
  old.hello("ann", 0);
  old.receive({ type: "error", code: "unsupported_version", message: "No" }, 0);
  old.closed();
  old.opened();
  assert.deepEqual(sent(old.hello("ann", 0, { rooms: [{ room: "#dev", since: 7 }, ...rooms] })), [
    { type: "hello", version: 1, name: "ann", room: "#dev", since: 7 },
  ]);
});

Deno.test("Conversation.hello() hands a token kept from before the client started again to the first hello only", () => {
  const chat = conversation();
  const [first] = sent(chat.hello("ann", 0, { resume: "kept", rooms: [{ room: "#dev" }] }));
  assert.deepEqual(first, {
    type: "hello",
    version: 2,
    name: "ann",
    resume: "kept",
    rooms: [{ room: "#dev" }],
  });
  chat.receive(welcome("ann", { resume: "fresh" }), 1);
  assert.equal(chat.resume, "fresh");
  chat.closed();
  chat.opened();
  chat.hello("ann", 2, { resume: "kept" });
  const [again] = sent(chat.receive({ type: "pong", token: "hello" }, 2));
  assert.ok(again?.type === "hello" && again.resume === "fresh");
});

Deno.test("Conversation.unreadAgain() counts again what was unread in the views not looked at", () => {
  const chat = joined("ann", { display: "each" });
  chat.join("#dev", 0);
  chat.receive(room("#dev"), 0);
  assert.equal(chat.view?.id, "#dev");
  const effects = chat.unreadAgain([
    { id: "#lobby", unread: 3, mentioned: true },
    { id: "#dev", unread: 2, mentioned: false },
    { id: "#gone", unread: 1, mentioned: false },
  ]);
  assert.deepEqual(effects.map((effect) => effect.type), ["changed"]);
  assert.deepEqual(chat.views.map(({ id, unread, mentioned }) => ({ id, unread, mentioned })), [
    { id: "#lobby", unread: 3, mentioned: true },
    { id: "#dev", unread: 0, mentioned: false },
  ]);
  assert.deepEqual(chat.unreadAgain([{ id: "#dev", unread: 2, mentioned: true }]), []);
});

Deno.test("Conversation: a server of version 1 only is spoken to in version 1", () => {
  const chat = joinedV1();
  assert.equal(chat.version, 1);
  assert.deepEqual(sent(chat.type("hi", 1)).map(({ type }) => type), ["say"]);
  const [say] = sent(chat.type("again", 2));
  assert.ok(say?.type === "say" && !("room" in say), "a version 1 say names no room");
  assert.deepEqual(comeBack(chat, "ann"), {
    type: "hello",
    version: 1,
    name: "ann",
    resume: "r1",
    room: "#lobby",
    since: 0,
  });
});

Deno.test("Conversation: the hello that comes back returns to every room (version 2)", async (t) => {
  await t.step("each room with the last id seen in it, the resume token", () => {
    const chat = joined();
    chat.receive(room("#dev"), 1);
    for (const id of [5, 9, 7]) chat.receive(message(id, { room: "#dev" }), 2);
    chat.receive(message(20, { room: "#lobby" }), 3);
    chat.receive(room("#new"), 4);
    assert.deepEqual(comeBack(chat, "ann"), {
      type: "hello",
      version: 2,
      name: "ann",
      resume: "r1",
      rooms: [
        { room: "#lobby", since: 20 },
        { room: "#dev", since: 9 },
        { room: "#new", since: 0 },
      ],
    });
  });

  await t.step("without a room it left", () => {
    const chat = joined();
    chat.receive(room("#dev"), 1);
    chat.receive(message(4, { room: "#dev" }), 2);
    chat.receive({ type: "parted", room: "#lobby" }, 3);
    const hello = comeBack(chat, "ann");
    assert.ok(hello.type === "hello");
    assert.deepEqual(hello.rooms, [{ room: "#dev", since: 4 }]);
  });

  await t.step("the welcome's rooms are the rooms it is in, whatever it was in before", () => {
    const chat = joined();
    chat.receive(room("#dev"), 1);
    comeBack(chat, "ann");
    chat.receive(welcome("ann", { rooms: ["#dev", "#ops"] }), 101);
    assert.deepEqual(chat.roster.joined, ["#dev", "#ops"]);
    assert.deepEqual(chat.views.map((view) => view.id), ["#dev", "#ops"]);
  });
});

Deno.test("Conversation: a message shown during a cluster split is not shown again when its stored copy is replayed", () => {
  const chat = joined();
  chat.receive(message(3_000_000, { text: "before" }), 1);
  // Split: the people of this server are shown messages under provisional ids.
  const [say] = sent(chat.type("during the split", 2));
  assert.ok(say?.type === "say" && say.cid !== undefined);
  chat.receive(message(3_000_001, { from: "ann", text: "during the split", cid: say.cid }), 3);
  chat.receive(message(3_000_002, { text: "bob too", cid: "bob-1" }), 4);
  // The link is back; the connection drops before anything newer is said, and comes back.
  const hello = comeBack(chat, "ann");
  assert.ok(hello.type === "hello");
  assert.deepEqual(hello.rooms, [{ room: "#lobby", since: 3_000_002 }]);
  chat.receive(welcome("ann"), 101);
  chat.receive(room("#lobby", ["ann", "bob"]), 102);
  // The replay: the two stored under new ids, and what the other server's people said meanwhile.
  const replay = [
    message(4_000_000, { from: "carol", text: "from elsewhere", cid: "carol-1", replay: true }),
    message(5_000_000, { from: "ann", text: "during the split", cid: say.cid, replay: true }),
    message(6_000_000, { text: "bob too", cid: "bob-1", replay: true }),
    message(7_000_000, { text: "after", replay: true }),
  ];
  const lines = replay.flatMap((frame) => shown(chat.receive(frame, 103)));
  assert.deepEqual(lines.filter((line) => !line.startsWith("--")), [
    "[03:04:05] carol: from elsewhere",
    "[03:04:05] bob: after",
  ]);
  assert.equal(chat.roster.lastId, 7_000_000);
  // An answer to /history shows them all, as asked.
  chat.type("/history", 104);
  chat.receive({ type: "info", text: "The last 4 messages of #lobby:" }, 105);
  const history = replay.flatMap((frame) => shown(chat.receive(frame, 105)));
  assert.equal(history.filter((line) => line.includes("during the split")).length, 1);
});

Deno.test("Conversation: the hello that comes back takes the name, room and place back (version 1)", async (t) => {
  await t.step("resume token, room and the last id seen in it", () => {
    const chat = joinedV1();
    chat.receive(room("#dev"), 1);
    for (const id of [5, 9, 7]) chat.receive(message(id, { room: "#dev" }), 2);
    chat.receive(message(20, { room: "#lobby" }), 3); // another room's: not ours to count
    assert.deepEqual(comeBack(chat, "ann"), {
      type: "hello",
      version: 1,
      name: "ann",
      resume: "r1",
      room: "#dev",
      since: 9,
    });
  });

  await t.step("a room entered with nothing in it comes back from 0", () => {
    const chat = joinedV1();
    chat.receive(message(4), 1);
    chat.receive(room("#new"), 2);
    assert.deepEqual(comeBack(chat, "ann"), {
      type: "hello",
      version: 1,
      name: "ann",
      resume: "r1",
      room: "#new",
      since: 0,
    });
  });

  await t.step("after /nick, under the new name, which the token still holds", () => {
    const chat = joinedV1();
    chat.receive({ type: "renamed", ts: TS, room: "#lobby", from: "ann", to: "Anna" }, 1);
    assert.equal(chat.roster.me, "Anna");
    const hello = comeBack(chat, chat.roster.me);
    assert.deepEqual(hello, {
      type: "hello",
      version: 1,
      name: "Anna",
      resume: "r1",
      room: "#lobby",
      since: 0,
    });
  });

  await t.step("under another name, without the token, which is not that name's", () => {
    const chat = joinedV1();
    const hello = comeBack(chat, "someone");
    assert.ok(hello.type === "hello" && hello.resume === undefined && hello.room === "#lobby");
  });

  await t.step("the token of the latest welcome", () => {
    const chat = joined();
    chat.closed();
    chat.hello("ann", 0);
    chat.receive(welcome("ann", { resume: "r2" }), 10);
    const hello = comeBack(chat, "ann");
    assert.ok(hello.type === "hello" && hello.resume === "r2");
  });
});

Deno.test("Conversation: coming back to a room asks only for what was said since (version 1)", async (t) => {
  const chat = joinedV1();
  for (const id of [3, 8]) chat.receive(message(id), 1);

  await t.step("a room never entered is joined as typed", () => {
    assert.deepEqual(sent(chat.type("/join #Dev", 2)), [{ type: "say", text: "/join #Dev" }]);
    chat.receive(room("#dev"), 3);
    chat.receive(message(11, { room: "#dev" }), 4);
  });

  await t.step("/leave goes back to #lobby with the last id seen there", () => {
    assert.deepEqual(sent(chat.type("/leave", 5)), [{ type: "join", room: "#lobby", since: 8 }]);
    chat.receive(room("#lobby", ["ann", "bob"]), 6);
    assert.equal(chat.roster.lastId, 8, "what was seen here is not asked for again");
  });

  await t.step("/join, typed or clicked, goes back with the last id seen in that room", () => {
    assert.deepEqual(sent(chat.type("/join DEV", 7)), [{ type: "join", room: "DEV", since: 11 }]);
    chat.receive(room("#dev"), 7);
    chat.type("/leave", 7);
    chat.receive(room("#lobby", ["ann", "bob"]), 7);
    assert.deepEqual(sent(chat.join("#dev", 8)), [{ type: "join", room: "#dev", since: 11 }]);
    chat.receive(room("#dev"), 8);
  });

  await t.step("a join typed while the connection is down waits, like any line", () => {
    chat.closed();
    assert.deepEqual(sent(chat.type("/join #dev", 9)), []);
    chat.opened();
    chat.hello("ann", 10);
    assert.deepEqual(sent(chat.receive(welcomeV1(), 11)), [
      { type: "join", room: "#dev", since: 11 },
    ]);
  });
});

Deno.test("Conversation: a room left before its last messages were looked at asks for them again", async (t) => {
  /**
   * ann in #lobby and #dev, looking at #lobby while #dev gets m11 and m12
   * after m10, seen; then, if `look`, at #dev again; then she leaves #dev.
   */
  const left = (look: boolean, options: ConversationOptions = {}) => {
    const chat = joined("ann", options);
    chat.type("/join #dev", 1);
    chat.receive(room("#dev", ["ann", "bob"]), 2);
    chat.receive(message(10, { room: "#dev" }), 3);
    chat.switchTo("#lobby");
    chat.receive(message(11, { room: "#dev" }), 4);
    chat.receive(message(12, { room: "#dev", cid: "c12" }), 5);
    if (look) chat.switchTo("#dev");
    chat.type("/part #dev", 6);
    chat.receive({ type: "parted", room: "#dev" }, 7);
    return chat;
  };
  const since = (frames: readonly ClientFrame[]) => {
    const join = frames.find((frame) => frame.type === "join");
    return join?.type === "join" ? join.since : undefined;
  };
  const words = (effects: readonly Effect[]) =>
    shown(effects).filter((line) => line.includes("bob:"));

  await t.step("shown one view at a time: from the first not looked at", () => {
    const chat = left(false);
    assert.equal(since(sent(chat.type("/join #dev", 8))), 10);
    chat.receive(room("#dev", ["ann", "bob"]), 9);
    // Shown, though it came before, with its cid: it was never looked at.
    const replay = [11, 12, 13].flatMap((id) =>
      words(chat.receive(message(id, { room: "#dev", replay: true, cid: `c${id}` }), 10))
    );
    assert.deepEqual(replay, ["[03:04:05] bob: m11", "[03:04:05] bob: m12", "[03:04:05] bob: m13"]);
  });

  await t.step("looked at before it was left: only what came since", () => {
    const chat = left(true);
    assert.equal(since(sent(chat.type("/join #dev", 8))), 12);
  });

  await t.step("a client that threw the room's lines away has it replayed as at first", () => {
    const chat = left(true, { display: "each", forgetsRoomsLeft: true });
    assert.equal(since(sent(chat.type("/join #dev", 8))), undefined);
    chat.receive(room("#dev", ["ann", "bob"]), 9);
    const replay = [10, 11, 12].flatMap((id) =>
      words(chat.receive(message(id, { room: "#dev", replay: true }), 10))
    );
    assert.equal(replay.length, 3);
    // History, not news: nothing is counted unread.
    assert.equal(chat.views.find((view) => view.id === "#dev")?.unread, 0);
  });
});

Deno.test("Conversation: in many rooms at once (version 2)", async (t) => {
  const chat = joined();
  for (const id of [3, 8]) chat.receive(message(id), 1);

  await t.step("/join adds a room, which becomes the one looked at", () => {
    // A ping follows: its pong says the join was handled (refused, if the room did not come).
    assert.deepEqual(sent(chat.type("/join #Dev", 2)), [
      { type: "say", text: "/join #Dev", room: "#lobby" },
      { type: "ping", token: "join-1" },
    ]);
    const entered = chat.receive(room("#dev", ["ann", "carol"]), 3);
    assert.ok(entered.some((effect) => effect.type === "switched" && effect.view === "#dev"));
    assert.deepEqual(chat.roster.joined, ["#lobby", "#dev"]);
    assert.equal(chat.view?.id, "#dev");
    assert.equal(chat.roster.room, "#dev");
  });

  await t.step("what is typed goes to the room looked at", () => {
    const [say] = sent(chat.type("hello dev", 4));
    assert.ok(say?.type === "say" && say.room === "#dev", JSON.stringify(say));
    chat.receive(message(6, { room: "#dev", from: "ann", text: "hello dev", cid: say.cid! }), 4);
  });

  await t.step(
    "talk elsewhere is counted, not shown; a mention is shown at once with its room",
    () => {
      assert.deepEqual(shown(chat.receive(message(9, { text: "anyone?" }), 5)), []);
      const mention = chat.receive(message(10, { text: "ann: lunch?" }), 6);
      assert.deepEqual(shown(mention), ["[03:04:05] [#lobby] bob: ann: lunch?"]);
      assert.deepEqual(chat.activity.map(({ id, unread, mentioned }) => [id, unread, mentioned]), [
        ["#lobby", 2, true],
      ]);
    },
  );

  await t.step("a private message is shown at once, and counted under the person", () => {
    const effects = chat.receive(
      { type: "private", id: 11, ts: TS, from: "carol", to: "ann", text: "psst" },
      7,
    );
    assert.deepEqual(shown(effects), ["[03:04:05] [private] carol → you: psst"]);
    assert.deepEqual(chat.activity.map(({ id, unread }) => [id, unread]), [
      ["#lobby", 2],
      ["@carol", 1],
    ]);
  });

  await t.step("/switch shows what was missed once, under the divider", () => {
    const effects = chat.type("/switch #lobby", 8);
    assert.deepEqual(sent(effects), [], "looking is the client's own business");
    assert.deepEqual(shown(effects), [
      "— #lobby: new since you last looked —",
      "[03:04:05] bob: anyone?",
      "[03:04:05] bob: ann: lunch?",
    ]);
    assert.equal(chat.view?.id, "#lobby");
    assert.deepEqual(chat.activity.map(({ id }) => id), ["@carol"]);
  });

  await t.step("switching back shows nothing twice", () => {
    assert.deepEqual(shown(chat.switchTo("#dev")), ["-- #dev: nothing new since you last looked"]);
    assert.deepEqual(shown(chat.switchTo("#lobby")), [
      "-- #lobby: nothing new since you last looked",
    ]);
    assert.deepEqual(shown(chat.switchTo("#lobby")), ["-- You are looking at #lobby already"]);
  });

  await t.step("/join of a room one is in only looks at it", () => {
    const effects = chat.type("/join dev", 9);
    assert.deepEqual(sent(effects), []);
    assert.equal(chat.view?.id, "#dev");
  });

  await t.step("keys step through the views in order, going round", () => {
    assert.deepEqual(chat.views.map(({ id }) => id), ["#lobby", "#dev", "@carol"]);
    chat.switchBy(1);
    assert.equal(chat.view?.id, "@carol");
    chat.switchBy(1);
    assert.equal(chat.view?.id, "#lobby");
    chat.switchBy(-1);
    assert.equal(chat.view?.id, "@carol");
    chat.switchToNumber(2);
    assert.equal(chat.view?.id, "#dev");
    assert.deepEqual(chat.switchToNumber(9), []);
  });

  await t.step("words typed while looking at someone's private messages go to them", () => {
    chat.switchTo("@carol");
    const [frame] = sent(chat.type("on my way", 10));
    assert.ok(
      frame?.type === "say" && frame.text === "/msg carol on my way",
      JSON.stringify(frame),
    );
  });

  await t.step("/switch to a room one is not in says how to enter it", () => {
    assert.deepEqual(shown(typeInTurn(chat, "/switch #ops", 11)), [
      "!! Cannot switch to #ops: you are not in it (/join #ops enters it)",
    ]);
  });

  await t.step("parting the room looked at goes back to the one looked at before", () => {
    chat.switchTo("#dev");
    chat.receive({ type: "parted", room: "#dev" }, 12);
    assert.deepEqual(chat.roster.joined, ["#lobby"]);
    assert.equal(chat.view?.id, "@carol");
  });

  await t.step("a room left and entered again replays only what came since", () => {
    assert.deepEqual(sent(chat.type("/join #dev", 13)), [
      { type: "join", room: "#dev", since: 6 },
      { type: "ping", token: "join-2" },
    ]);
  });
});

Deno.test("Conversation: a /join typed offline looks at its room once back, unless the user looked elsewhere since", async (t) => {
  const chat = joined();
  chat.type("/join #dev", 1);
  chat.receive(room("#dev", ["ann", "carol"]), 2);
  assert.equal(chat.view?.id, "#dev");
  /** Drops the link, runs `meanwhile` offline, comes back, then the server enters `entered`. */
  const offline = (meanwhile: () => void, entered: string) => {
    const rooms = [...chat.roster.joined];
    comeBack(chat, "ann");
    meanwhile();
    chat.receive(welcome("ann", { rooms }), 200);
    return chat.receive(room(entered, ["ann", "dora"]), 201);
  };

  await t.step("with nothing else chosen, the room entered is looked at", () => {
    const effects = offline(() => chat.type("/join #ops", 100), "#ops");
    assert.ok(effects.some((effect) => effect.type === "switched" && effect.view === "#ops"));
    assert.equal(chat.view?.id, "#ops");
  });

  await t.step("/switch typed after the /join wins", () => {
    const effects = offline(() => {
      chat.type("/join #qa", 100);
      chat.type("/switch #lobby", 101);
    }, "#qa");
    assert.ok(!effects.some((effect) => effect.type === "switched"), JSON.stringify(effects));
    assert.equal(chat.view?.id, "#lobby");
    assert.deepEqual(chat.roster.joined, ["#lobby", "#dev", "#ops", "#qa"]);
  });

  await t.step("so does a view picked with a key, or the one looked at already", () => {
    offline(() => {
      chat.type("/join #web", 100);
      chat.switchToNumber(2);
    }, "#web");
    assert.equal(chat.view?.id, "#dev");
    offline(() => {
      chat.type("/join #api", 100);
      chat.switchBy(1);
    }, "#api");
    assert.equal(chat.view?.id, "#ops");
    offline(() => {
      chat.type("/join #docs", 100);
      chat.type("/switch #ops", 101);
    }, "#docs");
    assert.equal(chat.view?.id, "#ops");
  });
});

Deno.test("Conversation: /join typed twice in a row shows both rooms entered, and looks at the last", () => {
  const chat = joined();
  chat.type("/join #a", 1);
  chat.type("/join #b", 2);
  const a = chat.receive(room("#a", ["ann", "dora"]), 3);
  assert.equal(chat.view?.id, "#a");
  assert.deepEqual(shown(a), ["-- You are in #a. 2 people here: ann, dora"]);
  const b = chat.receive(room("#b"), 4);
  assert.equal(chat.view?.id, "#b");
  assert.deepEqual(shown(b), ["-- You are in #b. 1 person here: ann"]);
  // Entered again after the link came back, neither is looked at for that.
  comeBack(chat, "ann");
  chat.receive(welcome("ann", { rooms: ["#lobby", "#a", "#b"] }), 200);
  for (const name of ["#lobby", "#a", "#b"]) chat.receive(room(name), 201);
  chat.switchTo("#lobby");
  chat.receive(room("#a"), 202);
  assert.equal(chat.view?.id, "#lobby");
});

Deno.test("Conversation: a line typed right after /join goes to the room it enters, unless refused or looked away from", () => {
  const chat = joined();
  const pingAfter = (frames: ClientFrame[]) => {
    const ping = frames.find((frame) => frame.type === "ping");
    assert.ok(ping?.type === "ping" && ping.token !== undefined, JSON.stringify(frames));
    return ping.token;
  };
  const roomOf = (frames: ClientFrame[]) => {
    const [say] = frames;
    assert.ok(say?.type === "say", JSON.stringify(frames));
    return say.room;
  };
  const dev = pingAfter(sent(chat.type("/join #dev", 1)));
  assert.equal(roomOf(sent(chat.type("anyone in dev?", 2))), "#dev");
  chat.receive(room("#dev"), 3);
  chat.receive({ type: "pong", token: dev }, 3);
  assert.equal(chat.view?.id, "#dev");

  // Refused: its pong comes with no room before it; what is typed next goes where the user is.
  const ops = pingAfter(sent(chat.type("/join #ops", 4)));
  assert.equal(roomOf(sent(chat.type("meant for ops", 5))), "#ops");
  chat.receive(
    { type: "error", code: "room_locked", message: "Cannot join #ops: it is locked" },
    6,
  );
  chat.receive({ type: "pong", token: ops }, 6);
  assert.equal(roomOf(sent(chat.type("still in dev", 7))), "#dev");
  assert.equal(chat.entering, undefined);

  // A view looked at since the /join wins.
  sent(chat.type("/join #qa", 8));
  chat.switchTo("#lobby");
  assert.equal(roomOf(sent(chat.type("back in the lobby", 9))), "#lobby");
  // Typed offline, the /join goes once back, a ping after it: refused, lines go where the user is.
  chat.closed();
  sent(chat.type("/join #ops", 10));
  comeBack(chat, "ann");
  // The /join of #qa the server never answered is asked again first, before the lines.
  const [qa, qaPing, barrier] = sent(
    chat.receive(welcome("ann", { rooms: ["#lobby", "#dev"] }), 11),
  );
  assert.deepEqual([qa, qaPing?.type], [{ type: "join", room: "#qa" }, "ping"]);
  assert.ok(barrier?.type === "ping");
  const resent = sent(chat.receive({ type: "pong", token: barrier.token! }, 12));
  assert.equal(resent[0]?.type, "say", JSON.stringify(resent));
  const again = pingAfter(resent);
  assert.equal(chat.entering, "#ops");
  chat.receive(
    { type: "error", code: "room_locked", message: "Cannot join #ops: it is locked" },
    13,
  );
  chat.receive({ type: "pong", token: again }, 13);
  assert.equal(chat.entering, undefined);
});

Deno.test("Conversation: a line typed right after /part of the room looked at goes to the view looked at next", async (t) => {
  const roomOf = (frames: ClientFrame[]) => {
    const say = frames.find((frame) => frame.type === "say" && !frame.text.startsWith("/"));
    assert.ok(say?.type === "say", JSON.stringify(frames));
    return say.room;
  };
  const partPing = (frames: ClientFrame[]) => {
    const ping = frames.find((frame) => frame.type === "ping");
    assert.ok(ping?.type === "ping" && ping.token !== undefined, JSON.stringify(frames));
    return ping.token;
  };

  await t.step("left: to the room looked at before, once the server has it", () => {
    const chat = joined();
    chat.type("/join #dev", 1);
    chat.receive(room("#dev"), 2);
    assert.equal(chat.view?.id, "#dev");
    const part = sent(chat.type("/part", 3));
    assert.deepEqual(part[0], { type: "say", text: "/part", room: "#dev" });
    assert.equal(roomOf(sent(chat.type("meant for where I will be", 4))), "#lobby");
    chat.receive({ type: "parted", room: "#dev" }, 5);
    chat.receive({ type: "pong", token: partPing(part) }, 5);
    assert.equal(chat.view?.id, "#lobby");
    assert.equal(roomOf(sent(chat.type("still in the lobby", 6))), "#lobby");
  });

  await t.step("refused: to the room still looked at, once the server says so", () => {
    const chat = joined();
    chat.type("/join #dev", 1);
    chat.receive(room("#dev"), 2);
    const part = sent(chat.type("/part #dev", 3));
    assert.equal(roomOf(sent(chat.type("in the lobby, I thought", 4))), "#lobby");
    chat.receive({ type: "error", code: "bad_command", message: "Cannot leave #dev: no" }, 5);
    chat.receive({ type: "pong", token: partPing(part) }, 5);
    assert.equal(chat.view?.id, "#dev");
    assert.equal(roomOf(sent(chat.type("still in dev", 6))), "#dev");
  });

  await t.step(
    "another room than the one looked at, or the last room: where the user looks",
    () => {
      const chat = joined();
      chat.type("/join #dev", 1);
      chat.receive(room("#dev"), 2);
      chat.type("/part #lobby", 3);
      assert.equal(roomOf(sent(chat.type("in dev", 4))), "#dev");
      chat.receive({ type: "parted", room: "#lobby" }, 5);
      // The server refuses to leave the last room: the user stays, and so do their lines.
      sent(chat.type("/part", 6));
      assert.equal(roomOf(sent(chat.type("in dev still", 7))), "#dev");
    },
  );
});

Deno.test("Conversation: a page shows each view in its place (display each)", () => {
  const chat = joined("ann", { display: "each" });
  chat.type("/join #dev", 1);
  chat.receive(room("#dev"), 2);
  const effects = chat.receive(message(5, { text: "in lobby" }), 3);
  assert.deepEqual(
    effects.flatMap((effect) => effect.type === "show" ? [effect.view] : []),
    ["#lobby"],
  );
  assert.deepEqual(chat.activity.map(({ id, unread }) => [id, unread]), [["#lobby", 1]]);
  const switched = chat.switchTo("#lobby");
  const [done] = switched.filter((effect) => effect.type === "switched");
  assert.ok(done?.type === "switched" && done.unseen.length === 1, JSON.stringify(switched));
  assert.deepEqual(shown(switched), [], "the page draws the divider itself");
});

Deno.test("Conversation: coming back, an away is said again: one typed until /back, one by itself until input", () => {
  const chat = joined("ann");
  chat.type("/away lunch", 1);
  comeBack(chat, "ann");
  const back = chat.receive(welcome("ann"), 101);
  assert.deepEqual(sent(back).filter((frame) => frame.type === "away"), [
    { type: "away", reason: "lunch" },
  ]);
  chat.type("/back", 102);
  comeBack(chat, "ann");
  assert.deepEqual(sent(chat.receive(welcome("ann"), 201)), [], "away after /back");
  // Away by itself (idle), the user is away again on coming back, until their next key.
  const idle = joined("ann", { awayAfterMs: 1_000 });
  assert.deepEqual(sent(idle.tick(2_000)), [{ type: "away", reason: "idle" }]);
  comeBack(idle, "ann");
  assert.deepEqual(
    sent(idle.receive(welcome("ann"), 2_100)).filter((frame) => frame.type === "away"),
    [{ type: "away", reason: "idle" }],
  );
  assert.deepEqual(sent(idle.input(2_200)), [{ type: "back" }]);
});

Deno.test("Conversation: a page marks new what came live to a room, not its history", () => {
  const page = joined("ann", { display: "each" });
  page.type("/join #dev", 1);
  // Looked away before #dev came, as a reloaded page shows the view it showed.
  page.switchTo("#lobby");
  page.receive(room("#dev", ["ann", "bob"]), 2);
  page.receive(message(3, { room: "#dev", text: "old news", replay: true }), 2);
  page.receive(message(4, { room: "#dev", from: "ann", text: "mine" }), 3);
  page.receive(message(5, { room: "#dev", text: "news" }), 3);
  const switched = page.switchTo("#dev").find((effect) => effect.type === "switched");
  assert.ok(switched?.type === "switched");
  assert.deepEqual(switched.unseen.map((line) => plainText(line, { now: TS })), [
    "[03:04:05] bob: news",
  ]);
});

Deno.test("Conversation: a page reloaded on a private view counts nothing of the history of #lobby, entered at its welcome", () => {
  const page = conversation({ display: "each" });
  page.hello("ann", 0);
  page.receive(welcome("ann"), 0);
  // The reloaded page begins its views again and shows the private one it showed, at once.
  page.reopen(["#lobby", "#dev", "@zoe"]);
  page.type("/join #dev", 0);
  page.switchTo("@zoe");
  page.receive(room("#lobby", ["ann", "bob"]), 1);
  page.receive(message(2, { text: "L2 in lobby, ann?", replay: true }), 1);
  page.receive(room("#dev", ["ann", "bob"]), 1);
  page.receive(message(3, { room: "#dev", text: "D3 in dev, ann?", replay: true }), 1);
  assert.deepEqual(
    page.views.map(({ id, unread, mentioned }) => [id, unread, mentioned]),
    [["#lobby", 0, false], ["#dev", 0, false], ["@zoe", 0, false]],
  );
  const switched = page.switchTo("#lobby").find((effect) => effect.type === "switched");
  assert.ok(switched?.type === "switched");
  assert.deepEqual(switched.unseen, [], "history, not new since the user left");
});

Deno.test("Conversation: a /msg typed in a room opens the private view, with nothing new in it", () => {
  for (const display of ["each", "current"] as const) {
    const chat = joined("ann", { display });
    const effects = chat.receive(
      { type: "private", id: 7, ts: TS, from: "ann", to: "bob", text: "psst" },
      1,
    );
    const changed = effects.find((effect) => effect.type === "changed");
    assert.ok(changed?.type === "changed" && changed.changes.views, display);
    assert.deepEqual(chat.views.map(({ id, unread }) => [id, unread]), [["#lobby", 0], [
      "@bob",
      0,
    ]]);
    const switched = chat.switchTo("@bob").find((effect) => effect.type === "switched");
    assert.ok(switched?.type === "switched", display);
    assert.deepEqual(switched.unseen, [], `${display}: what ann wrote is no news to her`);
  }
});

Deno.test("Conversation: day separators, in live talk and in what /history answers", () => {
  const chat = joined();
  const monday = new Date(2024, 0, 1, 22, 0, 0).getTime();
  assert.deepEqual(shown(chat.receive(message(1, { ts: monday, replay: true }), 1)), [
    "— Monday 1 January —",
    "[2024-01-01 22:00:00] bob: m1",
  ]);
  assert.deepEqual(shown(chat.receive(message(2, { ts: monday + 60_000, replay: true }), 1)), [
    "[2024-01-01 22:01:00] bob: m2",
  ]);
  assert.deepEqual(shown(chat.receive(message(3), 2)), [
    "— Tuesday 2 January —",
    "[03:04:05] bob: m3",
  ]);
  assert.deepEqual(shown(chat.receive(message(4), 2)), ["[03:04:05] bob: m4"]);
  chat.type("/history 2", 3);
  // An answer shows its day whatever came before it.
  assert.deepEqual(shown(chat.receive(message(3, { replay: true }), 4)), [
    "— Tuesday 2 January —",
    "[03:04:05] bob: m3",
  ]);
});

Deno.test("Conversation: the welcome is shown the first time; coming back says so", () => {
  const chat = new Conversation();
  chat.hello("ann", 0);
  const first = chat.receive(welcome(), 0);
  assert.deepEqual(shown(first), ["-- Connected to chat as ann. Type /help for commands"]);
  assert.deepEqual(first.find((effect) => effect.type === "welcomed"), {
    type: "welcomed",
    again: false,
  });
  assert.equal(chat.online, true);
  comeBack(chat, "ann");
  const again = chat.receive(welcome(), 10);
  assert.deepEqual(shown(again), ["-- Reconnected as ann"]);
  assert.ok(again.some((effect) => effect.type === "welcomed" && effect.again));
});

Deno.test("Conversation without hints (piped input) leaves out what only a person acts on", () => {
  const taken = 'Cannot use "ann": the name is taken (Ann is here). Pick another name';
  const unknown = 'Unknown command "/foo". Type /help for the list; ' +
    "start with // to send a line that begins with /";
  const piped = new Conversation({ hints: false });
  piped.hello("ann", 0);
  const [refused] = piped.receive({ type: "error", code: "name_taken", message: taken }, 1);
  assert.ok(refused?.type === "refused", JSON.stringify(refused));
  assert.equal(refused.message, 'Cannot use "ann": the name is taken (Ann is here)');
  piped.hello("ann2", 2);
  assert.deepEqual(shown(piped.receive(welcome("ann2"), 3)), ["-- Connected to chat as ann2"]);
  piped.receive(room("#lobby", ["ann2"]), 3);
  piped.type("/foo", 4);
  assert.deepEqual(
    shown(piped.receive({ type: "error", code: "unknown_command", message: unknown }, 5)),
    ['!! Unknown command "/foo"; start with // to send a line that begins with /'],
  );
  piped.type("/nick ann", 6);
  assert.deepEqual(
    shown(piped.receive({ type: "error", code: "name_taken", message: taken }, 7)),
    ['!! Cannot use "ann": the name is taken (Ann is here)'],
  );
  // At a terminal or on the page, a person is told what to do.
  const person = new Conversation();
  person.hello("ann", 0);
  const [asked] = person.receive({ type: "error", code: "name_taken", message: taken }, 1);
  assert.ok(asked?.type === "refused" && asked.message === taken);
  person.hello("ann2", 2);
  assert.deepEqual(shown(person.receive(welcome("ann2"), 3)), [
    "-- Connected to chat as ann2. Type /help for commands",
  ]);
  person.receive(room("#lobby", ["ann2"]), 3);
  person.type("/foo", 4);
  assert.deepEqual(
    shown(person.receive({ type: "error", code: "unknown_command", message: unknown }, 5)),
    [`!! ${unknown}`],
  );
});

Deno.test("Conversation: the server's refusals of a hello", async (t) => {
  const refusals: [ServerFrame, string][] = [
    [{ type: "error", code: "name_taken", message: 'Cannot use "ann": taken' }, "name"],
    [{ type: "error", code: "name_invalid", message: "Bad name" }, "name"],
    [{ type: "error", code: "password_required", message: "Needs a password" }, "password"],
    [{ type: "error", code: "password_wrong", message: "Wrong password" }, "password"],
    [{ type: "error", code: "rate_limited", message: "Slow down" }, "other"],
  ];
  for (const [frame, about] of refusals) {
    await t.step(`${frame.type === "error" && frame.code} is about the ${about}`, () => {
      const chat = new Conversation();
      chat.hello("ann", 0);
      const effects = chat.receive(frame, 1);
      assert.deepEqual(types(effects), ["refused"], "nothing is shown before the welcome");
      const [refusal] = effects;
      assert.ok(refusal?.type === "refused" && refusal.about === about);
      assert.equal(chat.online, false);
      // The answer came: no timeout while the user types another name or the password.
      assert.deepEqual(chat.tick(60_000), []);
    });
  }

  await t.step("the message is cleaned", () => {
    const chat = new Conversation();
    const [refusal] = chat.receive(
      { type: "error", code: "name_invalid", message: "bad\x1b[2J name" },
      0,
    );
    assert.ok(refusal?.type === "refused" && refusal.message === "bad name");
  });

  for (
    const [code, message] of [
      ["room_locked", "Cannot join #dev: it is locked; only operators may enter"],
      [
        "room_invalid",
        "Cannot open #dev: it looks like #d\u0435v; join #d\u0435v, or pick a name that does not",
      ],
      ["not_in_room", "Cannot join #dev: you may not"],
    ] as const
  ) {
    await t.step(
      `a room left out of a hello (${code}) is told with the welcome that still comes`,
      () => {
        // Coming back after a restart into a room locked meanwhile, or whose look-alike someone
        // took: the server says so, then welcomes the client into the rooms it may enter. Said
        // with the welcome, where the user then looks (a page draws each room's lines apart).
        const chat = new Conversation();
        chat.hello("ann", 0);
        assert.deepEqual(chat.receive({ type: "error", code, message }, 1), []);
        assert.equal(chat.quitting, false);
        const welcomed = chat.receive(welcome("ann"), 2);
        assert.deepEqual(types(welcomed).slice(0, 4), ["changed", "welcomed", "show", "show"]);
        assert.deepEqual(shown(welcomed).slice(0, 1), [`!! ${message}`]);
        assert.equal(chat.online, true);
        // Said once.
        assert.deepEqual(shown(chat.closed()), []);
      },
    );
  }

  await t.step("a room left out of a hello is still told if the connection ends instead", () => {
    const chat = new Conversation();
    chat.hello("ann", 0);
    chat.receive({ type: "error", code: "room_locked", message: "Cannot join #dev: locked" }, 1);
    assert.deepEqual(shown(chat.closed()), ["!! Cannot join #dev: locked"]);
  });

  await t.step("an unsupported version drops to version 1 once, then ends for good", () => {
    const chat = new Conversation();
    chat.hello("ann", 0);
    const refusal = { type: "error", code: "unsupported_version", message: "No" } as const;
    assert.deepEqual(chat.receive(refusal, 0), [{ type: "drop", reason: "version" }]);
    assert.equal(chat.quitting, false);
    chat.closed();
    chat.opened();
    chat.hello("ann", 1);
    assert.deepEqual(types(chat.receive(refusal, 1)), ["refused"]);
    assert.equal(chat.quitting, true);
  });
});

Deno.test("Conversation: coming back, the hello goes once the pong of a ping sent ahead of it is in", async (t) => {
  await t.step("the first hello goes at once", () => {
    assert.deepEqual(sent(conversation().hello("ann", 0)), [{
      type: "hello",
      version: 2,
      name: "ann",
    }]);
  });

  await t.step("a connection given up on before the pong holds no hello", () => {
    const chat = joined();
    chat.closed();
    chat.opened();
    assert.deepEqual(sent(chat.hello("ann", 100)), [{ type: "ping", token: "hello" }]);
    // Another pong (the terminal's first ping) is not the one the hello waits for.
    assert.deepEqual(chat.receive({ type: "pong", token: "start" }, 101), []);
    // A server that never answers: the connection is given up, and the hello never went.
    assert.deepEqual(chat.tick(100 + HELLO_TIMEOUT_MS), [{ type: "drop", reason: "unanswered" }]);
    chat.closed();
    // The pong of the connection given up on, should it come late, sends nothing.
    assert.deepEqual(chat.receive({ type: "pong", token: "hello" }, 100 + HELLO_TIMEOUT_MS), []);
  });

  await t.step("on the next connection, its pong sends the hello, once", () => {
    const chat = joined();
    chat.closed();
    chat.opened();
    chat.hello("ann", 100);
    const [hello] = sent(chat.receive({ type: "pong", token: "hello" }, 101));
    assert.ok(hello?.type === "hello" && hello.resume === "r1");
    assert.deepEqual(chat.receive({ type: "pong", token: "hello" }, 102), []);
    assert.ok(types(chat.receive(welcome("ann", { resume: "r2" }), 103)).includes("welcomed"));
  });
});

Deno.test("Conversation: a name taken from a hello that came back is tried again, not asked, while the server may hold it", async (t) => {
  const taken = 'Cannot use "ann": the name is taken (ann is here). Pick another name';
  const nameTaken = { type: "error", code: "name_taken", message: taken } as const;
  /** Comes back at `now` and gets the name taken; returns the refusal. */
  const refusedAt = (chat: Conversation, now: number, name = "ann") => {
    chat.closed();
    chat.opened();
    chat.hello(name, now);
    chat.receive({ type: "pong", token: "hello" }, now);
    const effects = chat.receive(nameTaken, now);
    assert.deepEqual(types(effects), ["refused"]);
    const [refusal] = effects;
    assert.ok(refusal?.type === "refused");
    return refusal;
  };
  /** A conversation welcomed as ann by a server whose heartbeat is `seconds`. */
  const welcomedWith = (seconds: number) => {
    const chat = conversation();
    chat.hello("ann", 0);
    chat.receive(welcome("ann", { heartbeat: seconds }), 0);
    return chat;
  };
  const held = "Cannot take ann back yet: the server still holds the name, maybe for " +
    "a connection of yours it has not seen end; trying again for a while";

  await t.step("the first time a person chose the name, it is theirs to pick another", () => {
    const chat = conversation();
    chat.hello("ann", 0);
    const [refusal] = chat.receive(nameTaken, 1);
    assert.deepEqual(refusal, {
      type: "refused",
      about: "name",
      code: "name_taken",
      message: taken,
      later: false,
    });
  });

  await t.step(
    "a first hello with a token kept from before a reload is refused as any first",
    () => {
      const chat = conversation();
      const [hello] = sent(chat.hello("ann", 0, { resume: "kept" }));
      assert.ok(hello?.type === "hello" && hello.resume === "kept");
      const [refusal] = chat.receive(nameTaken, 1);
      assert.ok(refusal?.type === "refused");
      assert.equal(refusal.later, false);
      assert.equal(refusal.message, taken);
    },
  );

  await t.step("coming back with the token, for the heartbeat and a grace after the first", () => {
    const chat = welcomedWith(30);
    const limit = 30_000 + HEARTBEAT_GRACE_MS;
    for (const now of [1_000, 2_000, 1_000 + limit]) {
      const refusal = refusedAt(chat, now);
      assert.equal(refusal.later, true, `at ${now}`);
      assert.equal(refusal.message, held);
    }
    // By then the server has dropped any connection of this client's: someone else has the name.
    const refusal = refusedAt(chat, 1_001 + limit);
    assert.equal(refusal.later, false);
    assert.equal(refusal.message, taken);
    assert.equal(refusal.about, "name");
  });

  await t.step("the wait follows the heartbeat the server said", () => {
    const chat = welcomedWith(60);
    assert.equal(refusedAt(chat, 1_000).later, true);
    assert.equal(refusedAt(chat, 1_000 + 60_000 + HEARTBEAT_GRACE_MS).later, true);
    assert.equal(refusedAt(chat, 1_001 + 60_000 + HEARTBEAT_GRACE_MS).later, false);
  });

  await t.step("a welcome starts the wait again", () => {
    const chat = joined("ann");
    assert.equal(refusedAt(chat, 1_000).later, true);
    chat.hello("ann", 2_000);
    chat.receive(welcome("ann"), 2_000);
    assert.equal(refusedAt(chat, 100_000).later, true);
  });

  await t.step("under another name, without the token, the name is someone else's", () => {
    const chat = joined("ann");
    const refusal = refusedAt(chat, 1_000, "someone");
    assert.equal(refusal.later, false);
    assert.equal(refusal.message, taken);
  });

  await t.step("a cluster that cannot claim names just now is tried again too", () => {
    const chat = conversation();
    chat.hello("ann", 0);
    const [refusal] = chat.receive({ type: "error", code: "not_stored", message: "NATS" }, 1);
    assert.ok(refusal?.type === "refused" && refusal.later && refusal.message === "NATS");
  });
});

Deno.test("Conversation: a ping is answered with a pong carrying its token, and not shown", () => {
  const chat = joined();
  assert.deepEqual(chat.receive({ type: "ping", token: "heartbeat" }, 1), [
    { type: "send", frame: { type: "pong", token: "heartbeat" } },
  ]);
  assert.deepEqual(sent(chat.receive({ type: "ping" }, 2)), [{ type: "pong" }]);
});

Deno.test("Conversation: lines typed offline wait, and go out once, in order, after the replay", () => {
  const chat = joined();
  const [a] = sent(chat.type("a", 10));
  assert.ok(a?.type === "say" && a.cid !== undefined, JSON.stringify(a));
  const [b] = sent(chat.type("b", 11));
  assert.ok(b?.type === "say" && b.cid !== undefined);
  chat.closed();
  // Typed during the outage: it waits, and the user is told.
  const offline = chat.type("c", 20);
  assert.deepEqual(sent(offline), []);
  assert.deepEqual(shown(offline), [
    "-- Not connected: this will be sent when the connection is back",
  ]);
  // Said once an outage: the prompt's count of unsent lines says it of the next.
  assert.deepEqual(shown(chat.type("c2", 21)), []);
  assert.equal(chat.unsent(21), 4);
  chat.opened();
  chat.hello("ann", 30);
  // Some lines may have reached the server: a ping first, to see the replay to its end.
  const back = chat.receive(welcome(), 31);
  const [ping] = sent(back);
  assert.ok(ping?.type === "ping" && ping.token !== undefined, JSON.stringify(back));
  assert.deepEqual(sent(chat.type("d", 32)), [], "typed during the replay");
  // The replay shows that b arrived.
  const replayed = chat.receive(
    message(2, { from: "ann", text: "b", cid: b.cid, replay: true }),
    33,
  );
  assert.ok(replayed.some((effect) => effect.type === "answered" && effect.lines[0]?.line === "b"));
  const resent = sent(chat.receive({ type: "pong", token: ping.token }, 34));
  assert.deepEqual(resent.map((frame) => frame.type === "say" ? frame.text : frame.type), [
    "a",
    "c",
    "c2",
    "d",
  ]);
  assert.deepEqual(resent[0], a, "the same frame, with the same cid");
  assert.equal(chat.waiting, 4);
  // The next outage is told again.
  chat.closed();
  assert.deepEqual(shown(chat.type("e", 40)), [
    "-- Not connected: this will be sent when the connection is back",
  ]);
});

Deno.test("Conversation: lines typed offline are said to wait once an outage, however many attempts fail", () => {
  const chat = joined();
  chat.closed();
  assert.deepEqual(shown(chat.type("one", 10)), [
    "-- Not connected: this will be sent when the connection is back",
  ]);
  // An attempt that fails: the page's socket never opens, the terminal's hello is refused.
  chat.closed();
  assert.deepEqual(shown(chat.type("two", 20)), []);
  chat.opened();
  chat.hello("ann", 30);
  chat.receive({ type: "error", code: "name_taken", message: "Cannot join: name taken" }, 31);
  chat.closed();
  assert.deepEqual(shown(chat.type("three", 40)), []);
  // Welcomed back, the outage is over: the next one is told again.
  chat.opened();
  chat.hello("ann", 50);
  chat.receive(welcome(), 51);
  chat.closed();
  assert.deepEqual(shown(chat.type("four", 60)), [
    "-- Not connected: this will be sent when the connection is back",
  ]);
});

Deno.test("Conversation.reopen() begins again the private views a reloaded client had, not one with the user", () => {
  const chat = joined("ann", { display: "each" });
  const effects = chat.reopen(["#lobby", "@ANN", "@fay", "#dev"]);
  assert.deepEqual(effects.map((effect) => effect.type), ["changed", "show"]);
  assert.deepEqual(chat.views.map((view) => view.id), ["#lobby", "@fay"]);
  // Empty, and saying why: the server keeps no private messages to give back.
  const [, said] = effects;
  assert.ok(said?.type === "show");
  assert.equal(said.view, "@fay");
  assert.deepEqual(shown([said]), [
    "-- Private messages are not kept: what you had read here before the reload is gone",
  ]);
  assert.equal(chat.view?.id, "#lobby");
  // Looked at as the user would, though fay was not seen on this connection yet.
  chat.switchTo("@fay");
  assert.equal(chat.view?.id, "@fay");
  assert.deepEqual(sent(chat.type("back", 1)).map((frame) => frame.type === "say" && frame.text), [
    "/msg fay back",
  ]);
  assert.deepEqual(chat.reopen(["#lobby", "@fay"]), [], "nothing new");
});

Deno.test("Conversation: a message the server sends again is not shown twice", () => {
  const chat = joined();
  const [frame] = sent(chat.type("hi", 0));
  assert.ok(frame?.type === "say" && frame.cid !== undefined);
  const echo = message(3, { from: "ann", text: "hi", cid: frame.cid });
  const first = chat.receive(echo, 1);
  assert.deepEqual(shown(first), ["[03:04:05] ann: hi"]);
  assert.deepEqual(shown(chat.receive(echo, 2)), [], "the server's answer to a line sent again");
  // Replayed by /history, it is shown again, under its day as any answer.
  assert.deepEqual(shown(chat.receive({ ...echo, replay: true }, 3)), [
    "— Tuesday 2 January —",
    "[03:04:05] ann: hi",
  ]);
});

Deno.test("Conversation: a message the server refuses comes back as typed, where it was typed", () => {
  const chat = joined();
  chat.switchTo("@bob");
  const [frame] = sent(chat.type("lunch?", 0));
  assert.ok(frame?.type === "say" && frame.cid !== undefined);
  assert.equal(frame.text, "/msg bob lunch?");
  const refused = chat.receive({
    type: "error",
    code: "no_such_user",
    message: 'Nobody called "bob" is on this chat',
    cid: frame.cid,
  }, 1);
  assert.deepEqual(refused.filter((effect) => effect.type === "returned"), [
    { type: "returned", text: "lunch?", view: "@bob" },
  ]);
  // One the server takes goes nowhere back.
  chat.switchTo("#lobby");
  const [say] = sent(chat.type("hi", 2));
  assert.ok(say?.type === "say" && say.cid !== undefined);
  const taken = chat.receive(message(3, { from: "ann", text: "hi", cid: say.cid }), 3);
  assert.deepEqual(taken.filter((effect) => effect.type === "returned"), []);
});

Deno.test("Conversation: a message refused is said in the view it was typed in, wherever the user looks", async (t) => {
  for (const display of ["each", "current"] as const) {
    await t.step(`display ${display}`, () => {
      const chat = joined("ann", { display });
      chat.switchTo("@bob");
      const [frame] = sent(chat.type("lunch?", 0));
      assert.ok(frame?.type === "say" && frame.cid !== undefined);
      chat.switchTo("#lobby");
      const refusal = 'Cannot send: nobody called "bob" is on this chat';
      const refused = chat.receive({
        type: "error",
        code: "no_such_user",
        message: refusal,
        cid: frame.cid,
      }, 1);
      const shows = refused.filter((effect) => effect.type === "show");
      if (display === "each") {
        assert.deepEqual(shows.map((effect) => effect.view), ["@bob"]);
      } else {
        // One view at a time: said at once, marked with its view, and again there.
        assert.deepEqual(shown(refused), [`!! [@bob] ${refusal}`]);
      }
      const back = chat.switchTo("@bob");
      const unseen = back.find((effect) => effect.type === "switched");
      assert.ok(unseen?.type === "switched");
      assert.deepEqual(unseen.unseen.map((line) => plainText(line, { now: TS })), [
        `!! ${refusal}`,
      ]);
    });
  }
});

Deno.test("Conversation: a message of another day than the clock's is shown with its date", () => {
  const chat = joined();
  const old = message(1, { ts: new Date(2023, 11, 30, 6, 38, 29).getTime(), replay: true });
  assert.deepEqual(shown(chat.receive(old, 1)), [
    "— Saturday 30 December 2023 —",
    "[2023-12-30 06:38:29] bob: m1",
  ]);
  assert.deepEqual(shown(chat.receive(message(2), 2)), [
    "— Tuesday 2 January —",
    "[03:04:05] bob: m2",
  ]);
});

Deno.test("Conversation.type()", async (t) => {
  await t.step("shows a posted line as pending until it is answered", () => {
    const chat = joined();
    const effects = chat.type("/me waves", 0);
    const pending = effects.find((effect) => effect.type === "pending");
    assert.ok(pending?.type === "pending");
    assert.equal(pending.shown.status, "sending…");
    assert.equal(plainText(pending.shown), "* ann waves");
    assert.deepEqual(types(chat.type("/who", 1)), ["send"], "a command is not pending");
  });

  await t.step("refuses a message longer than the server takes, and keeps nothing", () => {
    const chat = joined();
    const effects = chat.type("x".repeat(4001), 0);
    assert.deepEqual(shown(effects), [
      "!! Cannot send message: it is 4001 bytes, more than the 4000 a message may hold",
    ]);
    assert.equal(chat.waiting, 0);
  });

  await t.step("says how to share a text too long as a file, as the client does", () => {
    const chat = conversation({ shareHow: () => "with /send PATH" });
    chat.hello("ann", 0);
    chat.receive(welcome("ann", { files: FILES }), 0);
    chat.receive(room("#lobby", ["ann", "bob"]), 0);
    assert.equal(chat.shareHow, "with /send PATH");
    assert.deepEqual(shown(chat.type(`${"é".repeat(2000)}!`, 0)), [
      "!! Cannot send message: it is 4001 bytes, more than the 4000 a message may hold; share it as a file with /send PATH instead",
    ]);
    const lines = Array.from({ length: 101 }, (_, i) => `${i}`).join("\n");
    assert.deepEqual(shown(chat.type(lines, 1)), [
      "!! Cannot send message: it has 101 lines, more than 100; share it as a file with /send PATH instead",
    ]);
    assert.equal(chat.waiting, 0);
  });

  await t.step("says how to share it as a file when the server refuses it as too long", () => {
    const chat = conversation({ shareHow: () => "with the paperclip" });
    chat.hello("ann", 0);
    chat.receive(welcome("ann", { files: FILES }), 0);
    chat.receive(room("#lobby", ["ann", "bob"]), 0);
    const refusals: [string, ServerFrame & { type: "error" }][] = [
      ["too many bytes", {
        type: "error",
        code: "text_invalid",
        message: "Cannot send message: it is 4401 bytes, more than the 4000 a message may hold",
      }],
      ["too many lines", {
        type: "error",
        code: "text_invalid",
        message: "Cannot send message: it has 101 lines, more than 100",
      }],
      ["empty", { type: "error", code: "text_invalid", message: "Cannot send an empty message" }],
    ];
    for (const [index, [what, refusal]] of refusals.entries()) {
      // Taken here, as a server of another version may count otherwise.
      const [say] = sent(chat.type(`hello ${index}`, index));
      assert.ok(say?.type === "say" && say.cid !== undefined, what);
      const hint = what === "empty" ? "" : "; share it as a file with the paperclip instead";
      assert.deepEqual(shown(chat.receive({ ...refusal, cid: say.cid }, index)), [
        `!! ${refusal.message}${hint}`,
      ], what);
    }
  });

  await t.step(
    "says nothing of files where the server takes none, or the client cannot share",
    () => {
      const chat = joined("ann", { shareHow: () => "with /send PATH" });
      assert.equal(chat.shareHow, undefined);
      assert.deepEqual(shown(chat.type("x".repeat(4001), 0)), [
        "!! Cannot send message: it is 4001 bytes, more than the 4000 a message may hold",
      ]);
      const lines = Array.from({ length: 101 }, (_, i) => `${i}`).join("\n");
      assert.deepEqual(shown(chat.type(lines, 1)), [
        "!! Cannot send message: it has 101 lines, more than 100",
      ]);
      // The server takes files, but the client cannot share them now (a page on another server).
      const elsewhere = conversation({ shareHow: () => undefined });
      elsewhere.hello("ann", 0);
      elsewhere.receive(welcome("ann", { files: FILES }), 0);
      assert.deepEqual(shown(elsewhere.type("x".repeat(4001), 0)), [
        "!! Cannot send message: it is 4001 bytes, more than the 4000 a message may hold",
      ]);
    },
  );

  await t.step("oversize() tells a draft too long to send, as type() would refuse it", () => {
    const chat = joined("ann", { shareHow: () => "with /send PATH" });
    assert.equal(chat.oversize("x".repeat(4000)), undefined);
    assert.deepEqual(chat.oversize(` ${"x".repeat(4001)} `), { bytes: 4001, lines: 1 });
    assert.deepEqual(chat.oversize(`/me ${"é".repeat(2001)}`), { bytes: 4002, lines: 1 });
    assert.deepEqual(chat.oversize(`/msg bob ${"é".repeat(2001)}`), { bytes: 4002, lines: 1 });
    // A command sends no message: however long, it is the server's to refuse.
    assert.equal(chat.oversize(`/join #${"x".repeat(5000)}`), undefined);
    // The fences of a code block count.
    assert.equal(chat.oversize("x".repeat(3995)), undefined);
    assert.deepEqual(chat.oversize(`/code ${"x".repeat(3995)}`), { bytes: 4003, lines: 3 });
    const lines = Array.from({ length: 101 }, (_, i) => `${i}`).join("\n");
    const size = chat.oversize(lines);
    assert.equal(size?.lines, 101);
    assert.equal(
      tooLongWarning(size!, "with the paperclip"),
      "Too long to send: it has 101 lines, more than 100; share it as a file with the paperclip instead",
    );
    assert.equal(
      tooLongWarning(chat.oversize("é".repeat(2001))!),
      "Too long to send: it is 4002 bytes, more than the 4000 a message may hold",
    );
    // Version 1 has no lines in a message: only its bytes count.
    assert.equal(joinedV1().oversize(lines), undefined);
    for (const draft of [`${"x".repeat(4001)}`, lines]) {
      assert.equal(shown(chat.type(draft, 0)).length, 1, "not refused");
    }
    assert.equal(chat.waiting, 0);
  });

  await t.step("ignores empty lines", () => {
    assert.deepEqual(joined().type("   ", 0), []);
  });

  await t.step("/quit online sends quit and waits for the goodbye", () => {
    const chat = joined();
    assert.deepEqual(chat.type("/quit lunch", 0), [
      { type: "send", frame: { type: "quit", reason: "lunch" } },
      { type: "leave", sent: true },
    ]);
    assert.equal(chat.quitting, true);
    assert.deepEqual(chat.quit(), [], "once");
  });

  await t.step("/quit offline leaves at once", () => {
    const chat = joined();
    chat.closed();
    assert.deepEqual(chat.type("/quit", 0), [{ type: "leave", sent: false }]);
  });

  await t.step("/quit with lines the server has not confirmed warns first when asked to", () => {
    const chat = joined("ann", { warnsUnsentOnQuit: true });
    chat.closed();
    chat.type("kept", 1);
    chat.type("also kept", 2);
    const warning =
      "-- 2 lines are not confirmed by the server yet; type /quit again to leave anyway";
    assert.deepEqual(shown(chat.type("/quit lunch", 3)), [warning]);
    assert.equal(chat.quitting, false);
    // Another line between: the next /quit warns again, as typed (`/exit` is `/quit`).
    chat.type("one more", 4);
    assert.deepEqual(shown(chat.type("/EXIT", 5)), [
      "-- 3 lines are not confirmed by the server yet; type /exit again to leave anyway",
    ]);
    assert.deepEqual(chat.type("/quit", 6), [{ type: "leave", sent: false }]);
    assert.equal(chat.quitting, true);
  });

  await t.step("a line sent a moment ago and not answered yet is warned of too", () => {
    const chat = joined("ann", { warnsUnsentOnQuit: true });
    chat.type("just sent", 1_000);
    // Online, on a link that may have died a moment ago: the server has not said it has it.
    assert.deepEqual(shown(chat.type("/quit", 1_200)), [
      "-- 1 line is not confirmed by the server yet; type /quit again to leave anyway",
    ]);
    assert.equal(
      chat.leaving("Ctrl-C", 1_200)?.parts.map((part) => part.text).join(""),
      "1 line is not confirmed by the server yet; press Ctrl-C again to leave anyway",
    );
  });

  await t.step("/quit with nothing waiting leaves at once, warning or not", () => {
    const chat = joined("ann", { warnsUnsentOnQuit: true });
    chat.closed();
    assert.deepEqual(chat.type("/quit", 0), [{ type: "leave", sent: false }]);
  });

  await t.step(
    "/quit with lines the server has not confirmed leaves at once unless asked to warn",
    () => {
      const chat = joined();
      chat.closed();
      chat.type("kept", 1);
      assert.deepEqual(chat.type("/quit", 2), [{ type: "leave", sent: false }]);
    },
  );
});

Deno.test("Conversation.finish() says when every piped line was handled", () => {
  const chat = new Conversation();
  chat.type("early", 0);
  assert.deepEqual(chat.finish(), [], "not connected yet");
  chat.hello("ann", 0);
  const welcomed = sent(chat.receive(welcome(), 1));
  assert.equal(welcomed[0]?.type === "say" && welcomed[0].text, "early");
  const ping = welcomed[1];
  assert.ok(ping?.type === "ping" && ping.token !== undefined, JSON.stringify(welcomed));
  assert.deepEqual(types(chat.receive({ type: "pong", token: "other" }, 2)), []);
  assert.deepEqual(types(chat.receive({ type: "pong", token: ping.token }, 3)), ["finished"]);
});

Deno.test("Conversation.tick() follows the server's heartbeat from its welcome", () => {
  const chat = new Conversation();
  chat.hello("ann", 0);
  chat.receive(welcome("ann", { heartbeat: 9 }), 0);
  assert.deepEqual(chat.tick(3_000), [], "quiet for a third of it: not yet");
  assert.deepEqual(sent(chat.tick(3_001)), [{ type: "ping", token: "heartbeat" }]);
  assert.deepEqual(chat.tick(4_000), [], "one ping per quiet spell");
  chat.receive({ type: "pong", token: "heartbeat" }, 5_000);
  assert.deepEqual(sent(chat.tick(8_001)), [{ type: "ping", token: "heartbeat" }]);
  assert.deepEqual(chat.tick(5_000 + 14_000), [], "the heartbeat and 5 s of grace");
  assert.deepEqual(chat.tick(5_000 + 14_001), [{ type: "drop", reason: "silent" }]);
});

Deno.test("Conversation.tick() gives up on a hello unanswered for 15 s", () => {
  const chat = new Conversation();
  assert.deepEqual(chat.tick(60_000), [], "no hello, no wait");
  chat.hello("ann", 1_000);
  assert.deepEqual(chat.tick(15_999), []);
  assert.deepEqual(chat.tick(16_000), [{ type: "drop", reason: "unanswered" }]);
});

Deno.test("Conversation.tick() notices a dead link within seconds of a line unanswered", () => {
  const chat = joined();
  chat.type("hello?", 1_000);
  const probe = sent(chat.tick(1_000 + PROBE_AFTER_MS));
  assert.equal(probe[0]?.type, "ping");
  const dead = chat.tick(1_000 + PROBE_AFTER_MS + SILENCE_LIMIT_MS);
  assert.deepEqual(shown(dead), ["-- No answer from the server for 5 s"]);
  assert.deepEqual(dead.at(-1), { type: "drop", reason: "dead" });
});

Deno.test("Conversation: the server's goodbye", () => {
  const bye: ServerFrame = { type: "bye", reason: "The server is shutting down", retry: true };
  assert.deepEqual(shown(joined().receive(bye, 0)), [
    "-- Disconnected: The server is shutting down",
  ]);
  const narrating = joined("ann", { narratesReconnects: true });
  assert.deepEqual(shown(narrating.receive(bye, 0)), [
    "-- The server says: The server is shutting down",
  ]);
  assert.deepEqual(narrating.bye, { reason: "The server is shutting down", retry: true });
  assert.deepEqual(shown(narrating.receive({ type: "bye", reason: "Goodbye" }, 0)), [
    "-- Disconnected: Goodbye",
  ]);
  narrating.opened();
  assert.equal(narrating.bye, undefined, "a new connection forgets it");
});

Deno.test("Conversation does not show a goodbye that ends a client which says why itself", () => {
  const kicked: ServerFrame = { type: "bye", reason: "You were kicked by ann: flooding" };
  const shutdown: ServerFrame = { type: "bye", reason: "The server is shutting down", retry: true };
  const terminal = joined("bob", { narratesReconnects: true, saysWhySentAway: true });
  assert.deepEqual(shown(terminal.receive(kicked, 0)), []);
  assert.deepEqual(terminal.bye, { reason: "You were kicked by ann: flooding", retry: false });
  // Invited back, it comes back: the goodbye is shown.
  assert.deepEqual(shown(terminal.receive(shutdown, 0)), [
    "-- The server says: The server is shutting down",
  ]);
  // Not coming back, it ends on it.
  const once = joined("bob", { saysWhySentAway: true });
  assert.deepEqual(shown(once.receive(shutdown, 0)), []);
  // The goodbye to a user who leaves is shown.
  const leaving = joined("bob", { saysWhySentAway: true });
  leaving.quit();
  assert.deepEqual(shown(leaving.receive({ type: "bye", reason: "Goodbye" }, 0)), [
    "-- Disconnected: Goodbye",
  ]);
});

Deno.test("Conversation sends /code TEXT as a code block, and a message's lines as typed", () => {
  const chat = joined();
  const [code] = sent(chat.type("/code x = 1", 1));
  assert.ok(code?.type === "say");
  assert.equal(code.text, "```\nx = 1\n```");
  const [block] = sent(chat.type("/code\n    if ok:\n        run()\n", 2));
  assert.ok(block?.type === "say");
  assert.equal(block.text, "```\n    if ok:\n        run()\n```");
  const [lines] = sent(chat.type('Traceback:\n  File "x.py"', 3));
  assert.ok(lines?.type === "say");
  assert.equal(lines.text, 'Traceback:\n  File "x.py"');
  // The client's own answer comes after the server's to the lines before it.
  const usage = chat.type("/code", 4);
  assert.deepEqual(shown(usage), []);
  assert.match(shown(pong(chat, usage, 5)).join("\n"), /Usage: \/code TEXT/);
});

Deno.test("Conversation shows a message's lines from a server of version 2, one line from version 1", () => {
  const text = "a\r\n  b\nc";
  assert.deepEqual(shown(joined().receive(message(1, { from: "bob", text }), 1)), [
    "[03:04:05] bob: a\n                  b\n                c",
  ]);
  assert.deepEqual(shown(joinedV1().receive(message(1, { from: "bob", text }), 1)), [
    "[03:04:05] bob: a   b c",
  ]);
});

Deno.test("Conversation numbers shared files, and shares one where the user looks", () => {
  const chat = new Conversation({ clock: () => TS, fileHint: (number) => `(/get ${number})` });
  chat.hello("ann", TS);
  const files = { port: 5003, token: "t", maxBytes: 1024 };
  chat.receive(welcome("ann", { files }), TS);
  chat.receive(room("#lobby", ["ann", "bob"]), TS);
  assert.deepEqual(chat.files.place, files);
  const file = {
    id: "ab".repeat(32),
    name: "cat.png",
    size: 2048,
    type: "image/png",
    url: `/files/${"ab".repeat(32)}/cat.png`,
  };
  const lines = shown(chat.receive(message(5, { text: "cat.png (2 KiB)", file }), TS));
  assert.deepEqual(lines, ["[03:04:05] bob shared cat.png (2 KiB) (/get 1)"]);
  assert.deepEqual(chat.files.get(1), file);
  // The same file shared again keeps its number.
  shown(chat.receive(message(6, { text: "cat.png (2 KiB)", file }), TS));
  assert.equal(chat.files.numberOf(file), 1);
  assert.deepEqual(sent(chat.share({ id: file.id, name: "cat.png" })), [
    { type: "file", id: file.id, name: "cat.png", room: "#lobby" },
  ]);
  chat.switchTo("@bob");
  assert.deepEqual(sent(chat.share({ id: file.id, name: "cat.png" })), [
    { type: "file", id: file.id, name: "cat.png", to: "bob" },
  ]);
});

Deno.test("Conversation shows in /who who is away since when, who is idle, and on what", async (t) => {
  // The wall clock reads 12 minutes after TS; `now`, as clients give it, is a monotonic clock.
  let wall = TS + 12 * 60_000;
  const chat = joined("ann", { clock: () => wall });
  const who = (now: number) =>
    shown(chat.receive({
      type: "who",
      room: "#lobby",
      members: ["ann", "bob", "cy", "dee"],
      count: 4,
      people: [
        { name: "ann", active: wall, client: "terminal", op: true },
        { name: "bob", active: TS, client: "web", away: { since: TS, reason: "lunch" } },
        { name: "cy", active: TS, client: "text" },
        { name: "dee", active: wall, client: "websocket" },
      ],
    }, now));

  await t.step("idle is counted on the wall clock, not on the monotonic one", () => {
    assert.deepEqual(who(5_000), [
      "-- #lobby: 4 people here: ann (you, operator, terminal), bob (away since 03:04: lunch, web), " +
      "cy (idle 12 min, nc), dee (ws)",
    ]);
  });

  await t.step("on the server's clock, as the times of its frames tell it", () => {
    // This clock is 3½ minutes ahead of the server's: bob's message, just sent, says so.
    wall = TS + 16 * 60_000;
    chat.receive(message(2, { ts: TS + 12.5 * 60_000 }), 6_000);
    assert.match(who(7_000).join("\n"), /cy \(idle 12 min, nc\)/);
  });
});

Deno.test("Conversation says a long idle time in /who in hours and minutes, as the page's list of people does", () => {
  // cy has said nothing for 75 min 40 s: both clients round down to the minute.
  const wall = TS + (75 * 60 + 40) * 1000;
  const chat = joined("ann", { clock: () => wall });
  const lines = shown(chat.receive({
    type: "who",
    room: "#lobby",
    members: ["ann", "cy"],
    count: 2,
    people: [
      { name: "ann", active: wall, client: "terminal" },
      { name: "cy", active: TS, client: "text" },
    ],
  }, 5_000));
  assert.deepEqual(lines, [
    "-- #lobby: 2 people here: ann (you, terminal), cy (idle 1 h 15 min, nc)",
  ]);
  assert.equal(pageShown({ active: TS, client: "text" }, wall).status, "idle 1 h 15 min");
});

Deno.test("Conversation: a message of more lines than a message may hold is refused here, as the server would", () => {
  const chat = joined();
  const text = (lines: number) =>
    Array.from({ length: lines }, (_, i) => `line ${i + 1}`).join("\n");
  const refused = chat.type(text(101), 1);
  assert.deepEqual(sent(refused), [], "nothing goes to the server");
  assert.deepEqual(shown(refused), ["!! Cannot send message: it has 101 lines, more than 100"]);
  assert.equal(sent(chat.type(text(100), 2)).length, 1);
  // Version 1 has no lines: the same text goes, as one line.
  assert.equal(sent(joinedV1().type(text(101), 3)).length, 1);
});

Deno.test("Conversation: /help lists /bell only where /bell runs", () => {
  const help = (chat: Conversation) =>
    shown(chat.receive({ type: "help", commands: [] }, 1)).filter((line) => line.includes("/bell"));
  // A client without a bell: `/bell` goes to the server, which knows no such command.
  const bellless = joined();
  assert.deepEqual(help(bellless), []);
  assert.deepEqual(sent(bellless.type("/bell on", 2)).map((frame) => frame.type), ["say"]);
  assert.equal(help(joined("ann", { bell: true })).length, 1);
});

Deno.test("Conversation: /switch @name opens private messages only with someone known to be here", async (t) => {
  const chat = joined();
  chat.type("/join #dev", 1);
  chat.receive(room("#dev", ["ann", "dora"]), 2);
  const ids = () => chat.views.map(({ id }) => id);

  await t.step("a name nobody known has is refused, and opens no view", () => {
    const refused = typeInTurn(chat, "/switch @nobody", 3);
    assert.deepEqual(sent(refused), []);
    assert.deepEqual(shown(refused), [
      '!! Cannot switch to @nobody: you know of nobody called "nobody" here; ' +
      "/msg nobody TEXT finds them in any room",
    ]);
    assert.deepEqual(ids(), ["#lobby", "#dev"]);
    assert.equal(chat.view?.id, "#dev");
  });

  await t.step("someone in one of the user's rooms, typed in any case, is found", () => {
    chat.type("/switch @BOB", 4);
    assert.equal(chat.view?.id, "@bob");
    assert.deepEqual(ids(), ["#lobby", "#dev", "@bob"]);
  });

  await t.step("after someone who talked privately left, their view is still there", () => {
    chat.receive({ type: "private", id: 20, ts: TS, from: "carol", to: "ann", text: "bye" }, 5);
    chat.receive({ type: "left", ts: TS, room: "#lobby", name: "carol", reason: "quit" }, 6);
    chat.switchTo("#lobby");
    assert.deepEqual(shown(chat.type("/switch @carol", 7)), [
      "— new in @carol —",
      "[03:04:05] [private] carol → you: bye",
      "-- [03:04:05] carol left #lobby (quit)",
    ]);
    assert.equal(chat.view?.id, "@carol");
  });

  await t.step("someone who left, with no private view, is nobody here any more", () => {
    chat.receive({ type: "left", ts: TS, room: "#dev", name: "dora", reason: "quit" }, 8);
    assert.match(shown(typeInTurn(chat, "/switch @dora", 9)).join(), /nobody called "dora"/);
    assert.equal(chat.view?.id, "@carol");
    assert.deepEqual(ids(), ["#lobby", "#dev", "@bob", "@carol"]);
  });

  await t.step("the user's own name, in any case, is refused: nobody writes to themselves", () => {
    const refused = typeInTurn(chat, "/switch @ANN", 10);
    assert.deepEqual(shown(refused), ["!! Cannot switch to @ann: that is you"]);
    assert.equal(chat.view?.id, "@carol");
    assert.deepEqual(ids(), ["#lobby", "#dev", "@bob", "@carol"]);
  });

  await t.step("/msg to the user's own name is refused as /switch is, and opens no view", () => {
    for (const line of ["/msg ann note to self", "/msg @ANN hi", "/m Ann hi"]) {
      const refused = typeInTurn(chat, line, 11);
      assert.deepEqual(sent(refused), [], line);
      assert.deepEqual(shown(refused), ["!! Cannot write to ann: that is you"], line);
    }
    assert.deepEqual(chat.waiting, 0);
    assert.equal(chat.view?.id, "@carol");
    assert.deepEqual(ids(), ["#lobby", "#dev", "@bob", "@carol"]);
    // Nor is anyone told the user types to themselves.
    assert.deepEqual(sent(chat.keystroke(20_000, "/msg ann hi")), []);
    assert.deepEqual(sent(chat.keystroke(40_000, "/msg bob hi")), [{ type: "typing", to: "bob" }]);
  });
});

Deno.test("Conversation: private messages printed at once show again in their view, among the rest", async (t) => {
  const chat = joined();
  const whisper = (id: number, from: string, to: string, text: string): ServerFrame => ({
    type: "private",
    id,
    ts: TS,
    from,
    to,
    text,
  });
  const looking = "-- @bob: private messages with bob; what you type goes to bob alone";

  await t.step("printed at once where the user looks, and again in their place", () => {
    assert.deepEqual(shown(chat.receive(whisper(1, "bob", "ann", "lunch?"), 1)), [
      "[03:04:05] [private] bob → you: lunch?",
    ]);
    chat.receive(whisper(2, "bob", "ann", "at 12?"), 2);
    assert.deepEqual(chat.activity.map(({ id, unread }) => `${id} ${unread}`), ["@bob 2"]);
    assert.deepEqual(shown(chat.switchTo("@bob")), [
      "— new in @bob —",
      "[03:04:05] [private] bob → you: lunch?",
      "[03:04:05] [private] bob → you: at 12?",
    ]);
  });

  await t.step("once seen, not again", () => {
    chat.switchTo("#lobby");
    assert.deepEqual(shown(chat.switchTo("@bob")), [looking]);
  });

  await t.step("answered from elsewhere, they are read", () => {
    chat.switchTo("#lobby");
    chat.receive(whisper(3, "bob", "ann", "there?"), 3);
    chat.receive(whisper(4, "ann", "bob", "yes"), 4);
    assert.deepEqual(chat.activity, []);
    assert.deepEqual(shown(chat.switchTo("@bob")), [looking]);
  });
});

Deno.test("Conversation: /part, looking at private messages, closes them and leaves no room", async (t) => {
  const chat = joined();
  chat.receive({ type: "room", room: "#dev", members: ["ann"], topic: "" } as ServerFrame, 0);
  chat.switchTo("#lobby");
  chat.switchTo("@bob");
  const ids = () => chat.views.map((view) => view.id);
  assert.deepEqual(ids(), ["#lobby", "#dev", "@bob"]);

  await t.step("the view looked at goes, and the one looked at before it is shown", () => {
    const closed = chat.type("/part", 1);
    assert.deepEqual(sent(closed), [], "no room is left behind the user's back");
    assert.deepEqual(shown(closed), [
      "-- Closed @bob: what was said there is not kept; a private message to or from bob opens it again",
      "-- #lobby: nothing new since you last looked",
    ]);
    assert.equal(chat.view?.id, "#lobby");
    assert.deepEqual(ids(), ["#lobby", "#dev"]);
    assert.ok(closed.some((effect) => effect.type === "changed" && effect.changes.views));
  });

  await t.step("a new private message opens it again", () => {
    chat.receive({ type: "private", id: 1, ts: TS, from: "bob", to: "ann", text: "back" }, 2);
    assert.deepEqual(ids(), ["#lobby", "#dev", "@bob"]);
    assert.equal(chat.view?.id, "#lobby");
  });

  await t.step("/part @name, or /leave @name, closes them from elsewhere", () => {
    const closed = chat.type("/leave @BOB", 3);
    assert.deepEqual(sent(closed), []);
    assert.deepEqual(shown(closed), [
      "-- Closed @bob: what was said there is not kept; a private message to or from bob opens it again",
    ]);
    assert.equal(chat.view?.id, "#lobby");
    assert.deepEqual(ids(), ["#lobby", "#dev"]);
    const none = chat.type("/part @bob", 4);
    assert.deepEqual(sent(none), []);
    assert.deepEqual(shown(none), [
      "!! Cannot close @bob: you have no private messages open with bob",
    ]);
  });

  await t.step("slash commands for rooms still go to the server as typed, which runs them", () => {
    const said = (effects: readonly Effect[]) =>
      sent(effects).map((frame) => frame.type === "say" ? frame.text : frame.type);
    chat.switchTo("@bob");
    assert.deepEqual(said(chat.type("/part #dev", 5)), ["/part #dev"]);
    chat.switchTo("#lobby");
    assert.deepEqual(said(chat.type("/part", 6)), ["/part", "ping"]);
  });
});

Deno.test("Conversation: a private view follows its person's new name, and says so to be drawn again", () => {
  const chat = joined();
  chat.switchTo("@bob");
  const effects = chat.receive({
    type: "renamed",
    ts: TS,
    room: "#lobby",
    from: "bob",
    to: "bobby",
  }, 1);
  assert.ok(
    effects.some((effect) => effect.type === "changed" && effect.changes.views),
    JSON.stringify(effects),
  );
  assert.equal(chat.view?.id, "@bobby");
  // What is typed there goes to bobby.
  assert.match(JSON.stringify(sent(chat.type("still there?", 2))), /bobby/);
});

Deno.test("Conversation: /history and /search, looking at private messages, say why not, and send nothing", () => {
  const chat = joined();
  chat.switchTo("@bob");
  for (const [line, what] of [["/history 3", "show history"], ["/search lunch", "search"]]) {
    const refused = chat.type(line!, 1);
    assert.deepEqual(sent(refused), [], line);
    assert.deepEqual(shown(refused), [
      `!! Cannot ${what} here: private messages are not kept; /switch to a room first`,
    ]);
  }
  chat.switchTo("#lobby");
  assert.equal(sent(chat.type("/history 3", 2)).length, 1);
});

Deno.test("Conversation: /who, /topic, /lock and /unlock, looking at private messages, ask for a room", () => {
  const chat = joined();
  chat.type("/join #dev", 1);
  chat.receive(room("#dev", ["ann", "bob"]), 2);
  chat.switchTo("@bob");
  for (
    const [line, why] of [
      ["/who", "Cannot list who is here: you are looking at @bob; /switch to a room first"],
      ["/names", "Cannot list who is here: you are looking at @bob; /switch to a room first"],
      ["/topic", "Cannot show a topic: you are looking at @bob; name a room: /topic #room"],
      [
        "/topic lunch at noon",
        "Cannot set a topic: you are looking at @bob; name a room: /topic #room TEXT",
      ],
      ["/lock", "Cannot lock: you are looking at @bob; name a room: /lock #room"],
      ["/unlock", "Cannot unlock: you are looking at @bob; name a room: /unlock #room"],
    ]
  ) {
    const refused = typeInTurn(chat, line!, 3);
    assert.deepEqual(sent(refused), [], line);
    assert.deepEqual(shown(refused), [`!! ${why}`], line);
  }
  // A room named is a room: the answer lands in its view.
  for (const line of ["/topic #lobby", "/topic #lobby lunch at noon", "/lock #dev"]) {
    assert.deepEqual(sent(chat.type(line, 4)), [{ type: "say", text: line, room: "#dev" }]);
  }
  chat.switchTo("#lobby");
  assert.deepEqual(sent(chat.type("/who", 5)), [{ type: "say", text: "/who", room: "#lobby" }]);
});

Deno.test("Conversation: /me, looking at private messages, is refused: it would be done in a room", () => {
  const chat = joined();
  chat.switchTo("@bob");
  const refused = chat.type("/me waves", 1);
  assert.deepEqual(sent(refused), []);
  assert.deepEqual(shown(refused), [
    "!! Cannot act here: /me goes to a room, not to @bob; /switch to a room first",
  ]);
  chat.switchTo("#lobby");
  assert.deepEqual(sent(chat.type("/me waves", 2)).map((frame) => frame.type), ["say"]);
});

Deno.test("Conversation: a servers frame replaces the welcome's lists of the other servers", () => {
  const chat = joined();
  assert.deepEqual(chat.servers, []);
  const effects = chat.receive({
    type: "servers",
    servers: ["192.168.1.6:5002"],
    webServers: ["http://192.168.1.6:5003/"],
  }, 1);
  assert.deepEqual(effects, [], "nothing to show");
  assert.deepEqual(chat.servers, ["192.168.1.6:5002"]);
  assert.deepEqual(chat.webServers, ["http://192.168.1.6:5003/"]);
  chat.receive({ type: "servers", servers: [], webServers: [] }, 2);
  assert.deepEqual(chat.servers, []);
});

Deno.test("Conversation: an operator's own act told in two rooms shows once in the room looked at", async (t) => {
  for (const order of [["#dev", "#lobby"], ["#lobby", "#dev"]]) {
    await t.step(`told in ${order.join(", then ")}`, () => {
      const chat = joined();
      chat.receive(room("#dev", ["ann", "bob"]), 1);
      assert.equal(chat.view?.id, "#lobby");
      const act = (room: string): ServerFrame => ({
        type: "notice",
        ts: TS,
        room,
        text: "ann muted bob for 2 min",
      });
      const lines = order.flatMap((room) => shown(chat.receive(act(room), 2)));
      assert.equal(lines.length, 1, lines.join("\n"));
      // In the room looked at, in its place, whichever room it came to first: not marked with #dev.
      assert.match(lines[0]!, /ann muted bob for 2 min$/);
      assert.doesNotMatch(lines[0]!, /#dev/);
      // And in #dev too, where it came.
      const there = shown(chat.switchTo("#dev")).filter((line) => /muted/.test(line));
      assert.equal(there.length, 1, there.join("\n"));
    });
  }
});

Deno.test("Conversation: the user's own new name is told once where they look, not as news in each room", () => {
  const chat = joined();
  chat.receive(room("#dev", ["ann", "bob"]), 1);
  assert.equal(chat.view?.id, "#lobby");
  const renamed = (room: string): ServerFrame => ({
    type: "renamed",
    ts: TS,
    room,
    from: "ann",
    to: "annie",
  });
  const lines = ["#dev", "#lobby"].flatMap((room) => shown(chat.receive(renamed(room), 2)));
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(lines[0]!, /\] You are now annie$/, "told as the user's own");
  // Looking at #dev shows nothing new there.
  assert.deepEqual(shown(chat.switchTo("#dev")).filter((line) => /annie/.test(line)), []);
});

Deno.test("Conversation: an operator's rename is one line in each room, who made it included", async (t) => {
  const renamed = (room: string): ServerFrame => ({
    type: "renamed",
    ts: TS,
    room,
    from: "bob",
    to: "robert",
  });
  const told = (room: string): ServerFrame => ({
    type: "notice",
    ts: TS,
    room,
    text: "zoe renamed bob to robert",
  });
  for (const display of ["current", "each"] as const) {
    await t.step(`shown as ${display}: the notice, then renamed, in each room`, () => {
      const chat = joined("ann", { display });
      chat.receive(room("#dev", ["ann", "bob"]), 1);
      chat.switchTo("#lobby");
      const lines = ["#dev", "#lobby"].flatMap((room) => [
        ...shown(chat.receive(told(room), 2)),
        ...shown(chat.receive(renamed(room), 2)),
      ]);
      const expected = display === "each" ? 2 : 1;
      assert.equal(lines.length, expected, lines.join("\n"));
      for (const line of lines) assert.match(line, /^-- \[03:04:05\] zoe renamed bob to robert$/);
      // Looking at #dev: its line, once.
      const dev = shown(chat.switchTo("#dev")).filter((line) => /robert/.test(line));
      assert.deepEqual(dev, display === "each" ? [] : [lines[0]]);
    });
  }

  await t.step("someone who takes another name themself is still told of", () => {
    const chat = joined();
    const lines = shown(chat.receive(renamed("#lobby"), 2));
    assert.deepEqual(lines, ["-- [03:04:05] bob is now robert"]);
  });

  await t.step("a notice of another rename, or another room's, tells nothing of this one", () => {
    const chat = joined();
    chat.receive({ type: "notice", ts: TS, room: "#lobby", text: "zoe renamed cy to cyrus" }, 2);
    assert.deepEqual(shown(chat.receive(renamed("#lobby"), 2)), [
      "-- [03:04:05] bob is now robert",
    ]);
  });
});

Deno.test("Conversation: the private view with someone renamed says their new name, once", async (t) => {
  for (const display of ["current", "each"] as const) {
    await t.step(`shown as ${display}`, () => {
      const chat = joined("ann", { display });
      chat.receive(room("#dev", ["ann", "bob"]), 1);
      chat.receive({ type: "private", id: 1, ts: TS, from: "bob", to: "ann", text: "hi" }, 1);
      chat.switchTo("#lobby");
      const frames = ["#dev", "#lobby"].flatMap((room): ServerFrame[] => [
        { type: "notice", ts: TS, room, text: "zoe renamed bob to robert" },
        { type: "renamed", ts: TS, room, from: "bob", to: "robert" },
      ]);
      const effects = frames.flatMap((frame) => chat.receive(frame, 2));
      const privately = effects.flatMap((effect) =>
        effect.type === "show" && effect.view === "@robert"
          ? effect.lines.map((line) => plainText(line, { now: TS }))
          : []
      );
      const looked = shown(chat.switchTo("@robert"));
      const told = display === "each" ? privately : looked;
      assert.deepEqual(
        told.filter((line) => line.startsWith("-- ")),
        ["-- [03:04:05] bob is now robert"],
        JSON.stringify(effects),
      );
      assert.equal(chat.view?.id, "@robert");
    });
  }
});

Deno.test("Conversation: someone who takes another name themself is told once in the private view with them", async (t) => {
  for (const display of ["current", "each"] as const) {
    await t.step(`shown as ${display}`, () => {
      const chat = joined("ann", { display });
      chat.receive(room("#dev", ["ann", "bob"]), 1);
      chat.receive({ type: "private", id: 1, ts: TS, from: "bob", to: "ann", text: "hi" }, 1);
      chat.switchTo("#lobby");
      const effects = ["#dev", "#lobby"].flatMap((room) =>
        chat.receive({ type: "renamed", ts: TS, room, from: "bob", to: "robert" }, 2)
      );
      const privately = effects.flatMap((effect) =>
        effect.type === "show" && effect.view === "@robert"
          ? effect.lines.map((line) => plainText(line, { now: TS }))
          : []
      );
      const switched = chat.switchTo("@robert");
      const told = display === "each" ? privately : shown(switched);
      assert.deepEqual(
        told.filter((line) => line.startsWith("-- ")),
        ["-- [03:04:05] bob is now robert"],
        JSON.stringify(effects),
      );
      // The page marks what is new from what was held: the line, once.
      const held = switched.flatMap((effect) =>
        effect.type === "switched" ? effect.unseen.map((line) => plainText(line, { now: TS })) : []
      );
      assert.deepEqual(held.filter((line) => /is now/.test(line)), [
        "-- [03:04:05] bob is now robert",
      ]);
    });
  }
});

Deno.test("Conversation answers a command of its own after the server's answers to the lines before it", async (t) => {
  const bell = { bell: true };

  await t.step("with nothing sent before, at once", () => {
    const chat = joined("ann", bell);
    assert.deepEqual(shown(chat.type("/bell off", 1)), ["-- Bell: off"]);
    assert.deepEqual(shown(chat.type("/ignores", 2)), ["-- You ignore nobody"]);
  });

  await t.step("after a line to the server, once the pong of the ping sent after it is in", () => {
    const chat = joined("ann", bell);
    const history = chat.type("/history", 1);
    assert.deepEqual(sent(history).map((frame) => frame.type), ["say"]);
    const ignore = chat.type("/ignore bob", 2);
    assert.deepEqual(shown(ignore), []);
    // Commands of its own typed next wait behind it, with no other ping.
    const bellOff = chat.type("/bell off", 3);
    assert.deepEqual(bellOff, []);
    // The answer to /history is shown as it was asked: bob is not ignored yet.
    const answer = chat.receive(message(5, { replay: true }), 4);
    assert.match(shown(answer).join("\n"), /bob: m5/);
    const answered = pong(chat, ignore, 5);
    assert.deepEqual(shown(answered).map((line) => line.replace(/:.*/, "")), [
      "-- You ignore bob now",
      "-- Bell",
    ]);
    assert.deepEqual(chat.ignored, ["bob"]);
    assert.equal(chat.bell, "off");
    // Answered, they leave nothing waiting: the next runs at once.
    assert.deepEqual(shown(chat.type("/ignores", 6)), ["-- You ignore bob"]);
  });

  await t.step("a line to the server between two waits for a ping of its own", () => {
    const chat = joined("ann", bell);
    chat.type("/who", 1);
    const first = chat.type("/bell off", 2);
    chat.type("/rooms", 3);
    const second = chat.type("/bell on", 4);
    assert.deepEqual(shown(pong(chat, first, 5)), ["-- Bell: off"]);
    assert.deepEqual(shown(pong(chat, second, 6)), ["-- Bell: on"]);
  });

  await t.step("a local command mistyped is answered in its turn too", () => {
    const chat = joined("ann", bell);
    chat.type("hello", 1);
    const usage = chat.type("/bell loud", 2);
    assert.deepEqual(shown(usage), []);
    assert.match(shown(pong(chat, usage, 3)).join("\n"), /Usage: \/bell/);
  });

  await t.step("/switch and /code are not held: they change where lines go, or go", () => {
    const chat = joined("ann", bell);
    chat.receive(room("#dev"), 0);
    chat.type("/who", 1);
    assert.equal(types(chat.type("/switch #dev", 2)).includes("switched"), true);
    assert.deepEqual(sent(chat.type("/code x", 3)).map((frame) => frame.type), ["say"]);
  });

  await t.step("without the pong, answered after ORDERED_WAIT_MS", () => {
    const chat = joined("ann", bell);
    chat.type("/who", 1_000);
    chat.type("/bell off", 1_000);
    assert.deepEqual(shown(chat.tick(1_000 + ORDERED_WAIT_MS - 1)), []);
    assert.deepEqual(shown(chat.tick(1_000 + ORDERED_WAIT_MS)), ["-- Bell: off"]);
  });

  await t.step("answered when the connection ends, and at once while it is down", () => {
    const chat = joined("ann", bell);
    chat.type("/who", 1);
    chat.type("/bell off", 2);
    assert.deepEqual(shown(chat.closed()), ["-- Bell: off"]);
    chat.type("/who", 3);
    assert.deepEqual(shown(chat.type("/bell on", 4)), ["-- Bell: on"]);
  });
});

Deno.test("Conversation: a line refused here, a local command mistyped too, waits for the lines before it, but on the page", () => {
  const chat = joined();
  chat.type("/history", 1);
  const held = chat.type("/msg ann hi", 2);
  assert.deepEqual(shown(held), []);
  assert.deepEqual(shown(pong(chat, held, 3)), ["!! Cannot write to ann: that is you"]);
  const page = joined("ann", { display: "each" });
  page.type("/history", 1);
  assert.deepEqual(shown(page.type("/msg ann hi", 2)), ["!! Cannot write to ann: that is you"]);
  // A local command mistyped too: the page keeps it in the box.
  assert.deepEqual(shown(page.type("/typing maybe", 3)), ["!! Usage: /typing on|off"]);
  chat.type("/who", 4);
  const typing = chat.type("/typing maybe", 4);
  assert.deepEqual(shown(typing), []);
  assert.deepEqual(shown(pong(chat, typing, 5)), ["!! Usage: /typing on|off"]);
});

Deno.test("Conversation: coming back, what the server says it no longer keeps of a room is said in that room, before what was missed", async (t) => {
  const notice = "Some messages you missed in #dev are no longer kept; the 2 still kept follow:";
  /** `chat`, in #lobby and #dev and looking at #lobby, coming back to a #dev that lost messages. */
  const comeBackToDev = (chat: Conversation): Effect[] => {
    chat.receive(room("#dev", ["ann", "bob"]), 1);
    chat.receive(message(3, { room: "#dev" }), 1);
    chat.switchTo("#dev");
    chat.switchTo("#lobby");
    comeBack(chat, "ann");
    return [
      welcome("ann", { rooms: ["#lobby", "#dev"] }),
      room("#lobby", ["ann", "bob"]),
      room("#dev", ["ann", "bob"]),
      { type: "info", room: "#dev", text: notice },
      message(2000, { room: "#dev", replay: true }),
      message(2001, { room: "#dev", replay: true }),
    ].flatMap((frame) => chat.receive(frame as ServerFrame, 101));
  };

  await t.step("the terminal keeps it in #dev, and what follows is still missed", () => {
    const chat = joined();
    const effects = comeBackToDev(chat);
    assert.ok(!shown(effects).some((line) => line.includes("no longer kept")), "not in #lobby");
    assert.deepEqual(chat.activity.map(({ id, unread }) => [id, unread]), [["#dev", 2]]);
    assert.deepEqual(shown(chat.switchTo("#dev")), [
      "— #dev: new since you last looked —",
      `-- ${notice}`,
      "[03:04:05] bob: m2000",
      "[03:04:05] bob: m2001",
    ]);
  });

  await t.step("the page shows it in #dev's place", () => {
    const page = joined("ann", { display: "each" });
    const effects = comeBackToDev(page);
    const told = effects.filter((effect) =>
      effect.type === "show" && shown([effect]).includes(`-- ${notice}`)
    );
    assert.deepEqual(told.map((effect) => effect.type === "show" && effect.view), ["#dev"]);
    assert.deepEqual(page.activity.map(({ id, unread }) => [id, unread]), [["#dev", 2]]);
  });
});
