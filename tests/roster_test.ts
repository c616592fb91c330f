/** Who and where a client is (core/roster.ts), when it rings (core/bell.ts), and what Tab offers. */

import assert from "node:assert/strict";
import { localHelp, rings } from "../core/bell.ts";
import { completions, conversationSources } from "../core/complete.ts";
import { Conversation, type Effect } from "../core/conversation.ts";
import { plainText } from "../core/plain.ts";
import { ROOMS_ASK_GAP_MS } from "../core/room_asks.ts";
import { Roster } from "../core/roster.ts";
import type { MessageFrame, ServerFrame } from "../protocol.ts";

const TS = new Date(2024, 0, 2, 3, 4, 5).getTime();

function message(fields: Partial<MessageFrame> = {}): MessageFrame {
  return { type: "message", id: 1, ts: TS, room: "#lobby", from: "bob", text: "hi", ...fields };
}

function roster(...frames: ServerFrame[]): Roster {
  const roster = new Roster();
  roster.track({ type: "welcome", version: 1, server: "chat", name: "ann" });
  roster.track({ type: "room", room: "#lobby", members: ["ann", "bob"], count: 2 });
  for (const frame of frames) roster.track(frame);
  return roster;
}

function rung(effects: readonly Effect[]): boolean {
  return effects.some((effect) => effect.type === "ring");
}

Deno.test("Roster.track()", async (t) => {
  await t.step("follows arrivals, departures and renames in the room only", () => {
    const seen = roster(
      { type: "joined", ts: TS, room: "#lobby", name: "carol" },
      { type: "joined", ts: TS, room: "#dev", name: "dave" },
      { type: "left", ts: TS, room: "#lobby", name: "bob" },
      { type: "renamed", ts: TS, room: "#lobby", from: "carol", to: "Caro" },
    );
    assert.deepEqual(seen.sortedMembers(), ["ann", "Caro"]);
    assert.equal(seen.count, 2);
  });

  await t.step("takes the user's own rename", () => {
    const seen = roster({ type: "renamed", ts: TS, room: "#lobby", from: "ANN", to: "anna" });
    assert.equal(seen.me, "anna");
    assert.ok(seen.isMe("Anna") && !seen.isMe("ann"));
  });

  await t.step("adds who speaks now, not who spoke in a replay", () => {
    const seen = roster(message({ from: "gone", replay: true }), message({ from: "erin" }));
    assert.deepEqual(seen.sortedMembers(), ["ann", "bob", "erin"]);
  });

  await t.step("keeps the count of a room too large to list", () => {
    const seen = roster(
      { type: "who", room: "#lobby", members: ["ann", "bob"], count: 500 },
      { type: "joined", ts: TS, room: "#lobby", name: "carol" },
      { type: "left", ts: TS, room: "#lobby", name: "zed" },
    );
    assert.equal(seen.count, 500);
  });

  await t.step("remembers the last message id seen in each room left", () => {
    const seen = roster(
      message({ id: 4 }),
      { type: "room", room: "#dev", members: ["ann"], count: 1 },
      message({ id: 9, room: "#dev" }),
    );
    assert.equal(seen.seenIn("#lobby"), 4);
    assert.equal(seen.seenIn("#dev"), 9);
    assert.equal(seen.seenIn("#art"), undefined, "never there");
    seen.track({ type: "room", room: "#lobby", members: ["ann"], count: 1 });
    assert.equal(seen.lastId, 4, "back in #lobby, from the last message seen there");
    assert.equal(seen.seenIn("#dev"), 9);
  });

  await t.step("knows who is connected elsewhere until seen to go", () => {
    const seen = roster(
      { type: "joined", ts: TS, room: "#lobby", name: "carol" },
      { type: "joined", ts: TS, room: "#lobby", name: "dave" },
      { type: "left", ts: TS, room: "#lobby", name: "carol", reason: "went to #dev" },
      { type: "left", ts: TS, room: "#lobby", name: "dave", reason: "quit" },
      { type: "private", id: 2, ts: TS, from: "erin", to: "ann", text: "psst" },
      { type: "private", id: 3, ts: TS, from: "ann", to: "bob", text: "hi" },
    );
    assert.deepEqual([...seen.elsewhere.values()], ["carol", "erin"], "bob is here, dave gone");
    seen.track({ type: "room", room: "#art", members: ["ann", "erin"], count: 2 });
    assert.deepEqual([...seen.elsewhere.values()], ["carol", "bob"], "bob left behind, erin here");
    seen.track({ type: "left", ts: TS, room: "#art", name: "erin", reason: "connection lost" });
    seen.gone("@carol");
    assert.deepEqual([...seen.elsewhere.values()], ["bob"]);
    seen.track({ type: "welcome", version: 1, server: "chat", name: "ann" });
    assert.deepEqual([...seen.elsewhere.values()], [], "a new connection knows nobody elsewhere");
  });

  await t.step("lists the rooms, with the current one even if the list missed it", () => {
    const seen = roster(
      { type: "rooms", rooms: [{ name: "#dev", members: 3 }] },
    );
    assert.deepEqual(seen.roomList(), [{ name: "#dev", members: 3 }, {
      name: "#lobby",
      members: 2,
    }]);
  });

  await t.step(
    "counts the people of the user's rooms as they come and go, not as last listed",
    () => {
      const seen = roster({
        type: "rooms",
        rooms: [{ name: "#dev", members: 3 }, { name: "#lobby", members: 2 }],
      });
      const changes = seen.track({ type: "joined", ts: TS, room: "#lobby", name: "carol" });
      assert.equal(changes.rooms, true, "the list is drawn again");
      assert.deepEqual(seen.roomList(), [{ name: "#dev", members: 3 }, {
        name: "#lobby",
        members: 3,
      }]);
      const huge = Array.from({ length: 300 }, (_, i) => `p${i}`);
      seen.track({ type: "room", room: "#big", members: huge.slice(0, 256), count: 300 });
      seen.track({ type: "rooms", rooms: [{ name: "#big", members: 310 }] });
      assert.deepEqual(
        seen.roomList().find((room) => room.name === "#big"),
        { name: "#big", members: 310 },
        "a room too large to tell its comings and goings keeps its listed count",
      );
    },
  );
});

Deno.test("rings() follows the bell's mode", () => {
  const mention = message({ text: "hi ann" });
  const plain = message({ text: "hello all" });
  const incoming: ServerFrame = {
    type: "private",
    id: 2,
    ts: TS,
    from: "bob",
    to: "ann",
    text: "x",
  };
  const own = message({ from: "Ann", text: "I am ann" });
  assert.deepEqual(
    [mention, incoming, plain, own].map((f) => rings(f, { mode: "mentions", me: "ann" })),
    [
      true,
      true,
      false,
      false,
    ],
  );
  assert.deepEqual(
    [mention, incoming, plain, own].map((f) => rings(f, { mode: "on", me: "ann" })),
    [
      true,
      true,
      true,
      false,
    ],
  );
  assert.equal(
    rings(message({ replay: true }), { mode: "on", me: "ann" }),
    false,
    "a replay never rings",
  );
  assert.deepEqual([mention, incoming].map((f) => rings(f, { mode: "off", me: "ann" })), [
    false,
    false,
  ]);
});

Deno.test("Conversation: a bell that starts as its client left it, and a switch that follows /bell", () => {
  // The page: its Sound switch was left off.
  const chat = new Conversation({ bell: true, bellMode: "off", display: "each" });
  chat.hello("ann", 0);
  chat.receive({ type: "welcome", version: 1, server: "chat", name: "ann" }, 0);
  assert.equal(chat.bell, "off");
  assert.ok(!rung(chat.receive(message({ text: "ann?" }), 0)));
  // /bell with a mode gives it to whatever shows it; asked, it changes nothing.
  const set = chat.type("/bell mentions", 0);
  assert.deepEqual(set.filter((effect) => effect.type === "bell"), [
    { type: "bell", mode: "mentions" },
  ]);
  assert.ok(rung(chat.receive(message({ text: "ann?" }), 0)));
  assert.ok(!rung(chat.receive(message({ text: "hello" }), 0)));
  assert.ok(!chat.type("/bell", 0).some((effect) => effect.type === "bell"));
  // The switch turned to "on" elsewhere: every message rings.
  chat.bell = "on";
  assert.ok(rung(chat.receive(message({ text: "hello" }), 0)));
  assert.deepEqual(
    chat.type("/bell", 0).flatMap((effect) =>
      effect.type === "show" ? effect.lines.map((line) => plainText(line)) : []
    ),
    ["-- Bell: on"],
  );
});

Deno.test("Conversation: /bell, which the client runs itself", () => {
  const chat = new Conversation({ bell: true });
  chat.hello("ann", 0);
  chat.receive({ type: "welcome", version: 1, server: "chat", name: "ann" }, 0);
  const show = (line: string) =>
    chat.type(line, 0).flatMap((effect) =>
      effect.type === "show" ? effect.lines.map((line) => plainText(line)) : []
    );
  assert.equal(chat.bell, "mentions");
  assert.ok(rung(chat.receive(message({ text: "ann?" }), 0)));
  assert.ok(!rung(chat.receive(message({ text: "hello" }), 0)));
  assert.deepEqual(show("/bell"), ["-- Bell: mentions"]);
  assert.deepEqual(show("/BELL on"), ["-- Bell: on"]);
  assert.ok(rung(chat.receive(message({ text: "hello" }), 0)));
  assert.deepEqual(show("/bell loud"), ["!! Usage: /bell on|off|mentions"]);
  assert.equal(chat.bell, "on");
  assert.deepEqual(show("/bell off"), ["-- Bell: off"]);
  assert.ok(!rung(chat.receive(message({ text: "ann?" }), 0)));
  // /help lists it after the server's commands, with the mode in force.
  const help = chat.receive({ type: "help", commands: [{ usage: "/who", description: "who" }] }, 0)
    .flatMap((effect) => effect.type === "show" ? effect.lines.map((line) => plainText(line)) : []);
  assert.deepEqual(help, [
    "-- Commands:",
    "--   /who                   who",
    "--   /switch #room|@name    look at another of your rooms, or your private messages with someone",
    "--   /code TEXT             send TEXT as a code block, shown in a monospace font",
    "--   /bell on|off|mentions  when to ring the bell, a beep on the page (now: off)",
    "--   /typing on|off         whether others see when you are typing (now: on)",
    "--   /ignore NAME           hide someone's messages from you, on this server, until /unignore",
    "--   /unignore NAME         show someone's messages again",
    "--   /ignores               list the people you ignore",
    "--   //text                 send a line that begins with /",
  ]);
  assert.deepEqual(localHelp("on").map((command) => command.usage), [
    "/switch #room|@name",
    "/code TEXT",
    "/bell on|off|mentions",
    "/typing on|off",
    "/ignore NAME",
    "/unignore NAME",
    "/ignores",
  ]);
  assert.deepEqual(localHelp("on", { bell: false }).map((command) => command.usage), [
    "/switch #room|@name",
    "/code TEXT",
    "/typing on|off",
    "/ignore NAME",
    "/unignore NAME",
    "/ignores",
  ]);
});

Deno.test("Conversation: without a bell, /bell is the server's to answer", () => {
  const chat = new Conversation();
  chat.hello("ann", 0);
  chat.receive({ type: "welcome", version: 1, server: "chat", name: "ann" }, 0);
  // Sent as typed, with an id: the server's refusal of it comes back to the input line.
  const [effect, ...more] = chat.type("/bell off", 0);
  assert.deepEqual(more, []);
  assert.ok(effect?.type === "send" && effect.frame.type === "say");
  assert.equal(effect.frame.text, "/bell off");
  assert.equal(typeof effect.frame.cid, "string");
  assert.ok(!rung(chat.receive(message({ text: "ann?" }), 0)));
});

Deno.test("completions() offers commands, rooms after /join, and names", () => {
  const chat = new Conversation({ bell: true });
  chat.receive({ type: "welcome", version: 1, server: "chat", name: "ann" }, 0);
  chat.receive({ type: "room", room: "#lobby", members: ["ann", "Bob", "bea"], count: 3 }, 0);
  chat.receive({
    type: "rooms",
    rooms: [{ name: "#lobby", members: 3 }, { name: "#dev", members: 1 }],
  }, 0);
  const sources = conversationSources(chat);
  assert.deepEqual(completions("b", 1, sources), { start: 0, options: ["bea: ", "Bob: "] });
  assert.deepEqual(completions("hi @b", 5, sources).options, ["@bea ", "@Bob "]);
  assert.deepEqual(completions("a", 1, sources).options, [], "never the user's own name");
  assert.deepEqual(completions("/jo", 3, sources).options, ["/join "]);
  assert.deepEqual(completions("/be", 3, sources).options, ["/bell "]);
  assert.deepEqual(completions("/join #d", 8, sources), { start: 6, options: ["#dev "] });
  assert.deepEqual(completions("/be", 3, conversationSources(new Conversation())).options, []);
});

Deno.test("completions() offers no name, nor another room, after the room of /join or /part", () => {
  const sources = {
    names: ["ann", "bob"],
    me: "ann",
    rooms: ["#lobby", "#dev"],
    joined: ["#lobby"],
  };
  const options = (line: string) => completions(line, line.length, sources).options;
  assert.deepEqual(options("/join "), ["#lobby ", "#dev "]);
  assert.deepEqual(options("/join #lobby "), []);
  assert.deepEqual(options("/j #dev b"), []);
  assert.deepEqual(options("/part #lobby "), []);
  assert.deepEqual(options("/me waves at b"), ["bob "], "other commands' words may be names");
});

Deno.test("completions() offers the user's private views after /part @", () => {
  const sources = {
    names: ["ann", "bob"],
    me: "ann",
    rooms: ["#lobby", "#dev"],
    joined: ["#lobby", "#dev"],
    views: ["#lobby", "#dev", "@bob", "@Bea"],
  };
  const options = (line: string) => completions(line, line.length, sources).options;
  assert.deepEqual(options("/part @"), ["@bob ", "@Bea "]);
  assert.deepEqual(options("/leave @b"), ["@bob ", "@Bea "]);
  assert.deepEqual(options("/part @bo"), ["@bob "]);
  assert.deepEqual(options("/part #"), ["#lobby ", "#dev "]);
});

Deno.test("Conversation asks for the rooms by itself, quietly, to complete them after /join", async (t) => {
  const TWO_ROOMS: ServerFrame = {
    type: "rooms",
    rooms: [{ name: "#lobby", members: 2, joined: true }, { name: "#dev", members: 1 }],
  };
  const asked = (effects: readonly Effect[]) =>
    effects.filter((effect) => effect.type === "send" && effect.frame.type === "rooms").length;
  const shown = (effects: readonly Effect[]) => effects.filter((effect) => effect.type === "show");
  const rooms = (chat: Conversation, line: string) =>
    completions(line, line.length, conversationSources(chat)).options;
  const welcomed = (options = { asksRooms: true }) => {
    const chat = new Conversation(options);
    chat.hello("ann", 0);
    const effects = chat.receive(
      { type: "welcome", version: 2, server: "chat", name: "ann", rooms: ["#lobby"] },
      0,
    );
    chat.receive({ type: "room", room: "#lobby", members: ["ann", "bob"], count: 2 }, 0);
    return { chat, effects };
  };

  await t.step("once welcomed: the answer is known, not shown", () => {
    const { chat, effects } = welcomed();
    assert.equal(asked(effects), 1);
    assert.deepEqual(rooms(chat, "/join #d"), []);
    assert.deepEqual(shown(chat.receive(TWO_ROOMS, 1)), []);
    assert.deepEqual(rooms(chat, "/join #d"), ["#dev "]);
    // The user's own /rooms is shown.
    assert.equal(shown(chat.receive(TWO_ROOMS, 2)).length, 1);
  });

  await t.step("again as a /join is typed, at most every few seconds", () => {
    const { chat } = welcomed();
    chat.receive(TWO_ROOMS, 1);
    assert.equal(asked(chat.keystroke(ROOMS_ASK_GAP_MS + 1, "/join ")), 1);
    assert.equal(asked(chat.keystroke(ROOMS_ASK_GAP_MS + 2, "/join #")), 0);
    assert.equal(asked(chat.keystroke(3 * ROOMS_ASK_GAP_MS, "/msg bob ")), 0);
    const ops: ServerFrame = { type: "rooms", rooms: [{ name: "#ops", members: 1 }] };
    assert.deepEqual(shown(chat.receive(ops, ROOMS_ASK_GAP_MS + 3)), []);
    assert.deepEqual(rooms(chat, "/j #o"), ["#ops "]);
    assert.equal(asked(chat.keystroke(3 * ROOMS_ASK_GAP_MS, "/j #")), 1);
  });

  await t.step("a new connection asks again, its answers only taken quietly", () => {
    const { chat } = welcomed();
    chat.closed();
    chat.opened();
    chat.hello("ann", 1);
    chat.receive({ type: "pong", token: "hello" }, 1);
    const again = chat.receive(
      { type: "welcome", version: 2, server: "chat", name: "ann", rooms: ["#lobby"] },
      1,
    );
    assert.equal(asked(again), 1);
    assert.deepEqual(shown(chat.receive(TWO_ROOMS, 2)), []);
    assert.equal(shown(chat.receive(TWO_ROOMS, 2)).length, 1);
  });

  await t.step("not without the option: the page asks on its own", () => {
    const { chat, effects } = welcomed({ asksRooms: false });
    assert.equal(asked(effects), 0);
    assert.equal(asked(chat.keystroke(ROOMS_ASK_GAP_MS, "/join ")), 0);
    assert.equal(shown(chat.receive(TWO_ROOMS, 1)).length, 1);
  });
});

Deno.test("completions() offers /send only where the server takes files", () => {
  const offered = (files?: { port: number; token: string; maxBytes: number }) => {
    const chat = new Conversation({ transfers: true });
    chat.receive({
      type: "welcome",
      version: 2,
      server: "chat",
      name: "ann",
      ...files === undefined ? {} : { files },
    }, 0);
    return completions("/sen", 4, conversationSources(chat)).options;
  };
  assert.deepEqual(offered({ port: 5003, token: "t".repeat(32), maxBytes: 1024 }), ["/send "]);
  // It would be refused: /help lists it, saying the server takes no files.
  assert.deepEqual(offered(), []);
});

Deno.test("completions() offers who is here now, and after /msg who is connected elsewhere", () => {
  const chat = new Conversation();
  chat.hello("ann", 0);
  chat.receive({ type: "welcome", version: 1, server: "chat", name: "ann" }, 0);
  chat.receive({ type: "room", room: "#lobby", members: ["ann", "bob", "dave"], count: 3 }, 0);
  chat.receive(message({ id: 1, from: "ci2", text: "build passed", replay: true }), 0);
  chat.receive({ type: "renamed", ts: TS, room: "#lobby", from: "bob", to: "robert" }, 0);
  chat.receive({ type: "left", ts: TS, room: "#lobby", name: "dave", reason: "went to #dev" }, 0);
  const options = (line: string) =>
    completions(line, line.length, conversationSources(chat)).options;
  assert.deepEqual(options("ci"), [], "a name from replayed history");
  assert.deepEqual(options("/msg ci"), []);
  assert.deepEqual(options("/msg bo"), [], "an old name");
  assert.deepEqual(options("r"), ["robert: "]);
  assert.deepEqual(options("da"), [], "not in the room");
  assert.deepEqual(options("/msg da"), ["dave "]);
  assert.deepEqual(options("/m @da"), ["@dave "]);
  assert.deepEqual(options("/TELL d"), ["dave "]);
  assert.deepEqual(options("/msg dave d"), [], "the text is not a name");
  // The server says dave is not here: he is offered no more.
  const [frame] = chat.type("/msg dave hi", 1).flatMap((e) => e.type === "send" ? [e.frame] : []);
  assert.ok(frame?.type === "say" && frame.cid !== undefined);
  chat.receive({ type: "error", code: "no_such_user", message: "Nobody", cid: frame.cid }, 2);
  assert.deepEqual(options("/msg da"), []);
});

Deno.test("completions() offers the views and the @names of the people here after /switch", () => {
  const sources = {
    names: ["ann", "Bob", "bea"],
    elsewhere: ["dave"],
    me: "ann",
    rooms: ["#lobby", "#dev", "#ops"],
    views: ["#lobby", "#dev", "@bea"],
  };
  const options = (line: string) => completions(line, line.length, sources).options;
  assert.deepEqual(options("/switch "), ["#lobby ", "#dev ", "@bea ", "@Bob ", "@dave "]);
  assert.deepEqual(options("/switch @"), ["@bea ", "@Bob ", "@dave "], "never the user's own");
  assert.deepEqual(options("/switch @b"), ["@bea ", "@Bob "]);
  assert.deepEqual(options("/switch d"), ["#dev ", "@dave "]);
  assert.deepEqual(options("/switch #"), ["#lobby ", "#dev "], "rooms only after #");
  assert.deepEqual(options("/switch @BEA"), ["@bea "], "a view and a person once");
});
