/**
 * Unit tests of the hub with fake sessions: no sockets, no transports, no
 * timers. Each session records the frames the hub sends it, and reads a
 * stream (a replay) all at once, as a client that keeps up would.
 */

import assert from "node:assert/strict";
import { COMMAND_FIELDS, COMMANDS, parseInput } from "../core/commands.ts";
import {
  LOBBY,
  MAX_ANNOUNCED_ROOM_SIZE,
  MAX_LISTED_NAMES,
  type MessageFrame,
} from "../protocol.ts";
import { MemoryHistory } from "../server/history/memory.ts";
import { Hub } from "../server/hub.ts";
import { arrive, FakeSession, forget, join, say } from "./_hub_utils.ts";
import { waitUntil } from "./_test_utils.ts";

Deno.test("Hub answers hello, and refuses it without ending the connection", async (t) => {
  const lines: string[] = [];
  using hub = new Hub({ serverName: "lan", heartbeat: 30, log: (line) => lines.push(line) });
  const bob = join(hub, "bob");

  await t.step("a newcomer gets welcome, its room and the replay; the room sees it", () => {
    say(hub, bob, "before");
    forget(bob);
    const alice = arrive(hub, "alice");
    const [welcome, room, replayed, ...rest] = alice.take();
    assert.deepEqual(rest, []);
    assert.ok(welcome?.type === "welcome");
    assert.equal(typeof welcome.resume, "string");
    assert.deepEqual(welcome, {
      type: "welcome",
      version: 1,
      server: "lan",
      name: "alice",
      resume: welcome.resume,
      heartbeat: 30,
    });
    assert.deepEqual(room, { type: "room", room: LOBBY, members: ["alice", "bob"], count: 2 });
    assert.ok(replayed?.type === "message" && replayed.replay && replayed.text === "before");
    const joined = bob.takeOne("joined");
    // How the newcomer is comes too: a client of version 1 gets the frame without it.
    assert.deepEqual(joined, {
      type: "joined",
      ts: joined.ts,
      room: LOBBY,
      name: "alice",
      active: joined.active,
      client: "json",
    });
    assert.equal(hub.size, 2);
    assert.ok(
      lines.some((line) => /^alice joined from 192\.0\.2\.7:\d+$/.test(line)),
      lines.join("\n"),
    );
  });

  await t.step("a name already here, in any case or look-alike, is refused", () => {
    const session = new FakeSession();
    hub.open(session);
    for (const name of ["BOB", "b\u043eb", "B0B"]) {
      hub.receive(session, { type: "hello", version: 1, name });
      const error = session.takeOne("error");
      assert.equal(error.code, "name_taken");
      // The same name in other case is taken; a look-alike is said to look like it.
      const why = name === "BOB"
        ? "the name is taken (bob is here)"
        : "it looks like bob, who is here";
      assert.equal(error.message, `Cannot use "${name}": ${why}. Pick another name`);
    }
    hub.receive(session, { type: "hello", version: 1, name: "a b" });
    assert.equal(session.takeOne("error").code, "name_invalid");
    assert.equal(hub.isNamed(session), false);
    assert.equal(session.closed, false);
    hub.receive(session, { type: "hello", version: 1, name: "carol" });
    assert.equal(session.take()[0]?.type, "welcome");
    assert.equal(hub.isNamed(session), true);
  });

  await t.step("before a hello, only ping and quit are answered", () => {
    const session = new FakeSession();
    hub.open(session);
    say(hub, session, "hi");
    hub.receive(session, { type: "who" });
    for (const error of session.takeAll("error")) {
      assert.deepEqual(error, {
        type: "error",
        code: "not_ready",
        message: 'Cannot handle frame: send "hello" with your name first',
      });
    }
    hub.receive(session, { type: "ping", token: "t" });
    hub.receive(session, { type: "ping" });
    hub.receive(session, { type: "pong" });
    // Not yet welcomed, it is told which server answers: `chat ls` names what it finds so.
    assert.deepEqual(session.take(), [
      { type: "pong", server: "lan", token: "t" },
      { type: "pong", server: "lan" },
    ]);
    hub.receive(session, { type: "quit" });
    assert.deepEqual(session.take(), [{ type: "bye", reason: "Goodbye" }]);
    assert.ok(session.closed);
  });

  await t.step("a second hello is refused", () => {
    forget(bob);
    hub.receive(bob, { type: "hello", version: 1, name: "robert" });
    assert.deepEqual(bob.takeOne("error"), {
      type: "error",
      code: "already_ready",
      message: "Cannot say hello twice: you are bob",
    });
  });

  await t.step("another protocol version gets an error, bye and the end", () => {
    const session = arrive(hub, "dave", { version: 3 });
    assert.deepEqual(session.take(), [
      {
        type: "error",
        code: "unsupported_version",
        message: "Cannot talk protocol version 3: this server speaks versions 1 and 2",
      },
      { type: "bye", reason: "Unsupported protocol version" },
    ]);
    assert.ok(session.closed);
    say(hub, session, "still here?");
    assert.deepEqual(session.take(), []);
  });

  await t.step("hello may name the room to enter; an invalid one means the lobby", () => {
    const erin = join(hub, "erin", { room: "Dev" });
    hub.receive(erin, { type: "who" });
    assert.equal(erin.takeOne("who").room, "#dev");
    const fred = join(hub, "fred", { room: "#no good" });
    hub.receive(fred, { type: "who" });
    assert.equal(fred.takeOne("who").room, LOBBY);
  });
});

Deno.test("Hub asks for the password, and slows down wrong guesses", () => {
  const lines: string[] = [];
  using hub = new Hub({ password: "sesame", log: (line) => lines.push(line) });
  const session = arrive(hub, "alice");
  assert.deepEqual(session.take(), [
    { type: "error", code: "password_required", message: "This server needs a password" },
  ]);
  for (let i = 0; i < 3; i++) {
    hub.receive(session, { type: "hello", version: 1, name: "alice", password: "open" });
    assert.equal(session.takeOne("error").message, "Wrong password");
  }
  hub.receive(session, { type: "hello", version: 1, name: "alice", password: "sesame" });
  assert.match(session.takeOne("error").message, /^Too many wrong passwords from your address/);
  assert.equal(lines.filter((line) => line.startsWith("Wrong password from 192.0.2.7:")).length, 3);
  const other = new FakeSession("192.0.2.8");
  hub.open(other);
  hub.receive(other, { type: "hello", version: 1, name: "bob", password: "sesame" });
  assert.equal(other.take()[0]?.type, "welcome");
});

Deno.test("Hub moves members between rooms and tells each room", async (t) => {
  using hub = new Hub();
  const alice = join(hub, "alice");
  const bob = join(hub, "bob");
  forget(alice);

  await t.step("/join leaves one room for another, which is made for it", () => {
    say(hub, alice, "/join #Dev");
    assert.deepEqual(alice.take(), [{ type: "room", room: "#dev", members: ["alice"], count: 1 }]);
    const left = bob.takeOne("left");
    assert.deepEqual(left, {
      type: "left",
      ts: left.ts,
      room: LOBBY,
      name: "alice",
      reason: "went to #dev",
    });
    hub.receive(bob, { type: "join", room: "dev" });
    assert.equal(bob.take()[0]?.type, "room");
    assert.equal(alice.takeOne("joined").name, "bob");
  });

  await t.step("joining the room one is in, or an invalid one, changes nothing", () => {
    hub.receive(alice, { type: "join", room: "#dev" });
    assert.deepEqual(alice.take(), [{ type: "info", text: "You are in #dev already" }]);
    say(hub, alice, "/join #a.b");
    assert.equal(alice.takeOne("error").code, "room_invalid");
    say(hub, alice, "/join #ab and more");
    assert.deepEqual(alice.take(), [
      {
        type: "error",
        code: "bad_command",
        message: 'Cannot join "#ab and more": a room name has no spaces; try #ab-and-more',
      },
    ]);
    assert.deepEqual(bob.take(), []);
  });

  await t.step("/rooms lists the rooms, the largest first", () => {
    const carol = join(hub, "carol", { room: "#art" });
    hub.receive(carol, { type: "rooms" });
    assert.deepEqual(carol.takeOne("rooms").rooms, [
      { name: "#dev", members: 2 },
      { name: "#art", members: 1, joined: true },
      { name: LOBBY, members: 0 },
    ]);
  });

  await t.step("/leave and /part go back to the lobby; an empty room goes away", () => {
    say(hub, alice, "/leave");
    say(hub, bob, "/part");
    assert.equal(alice.take()[0]?.type, "room");
    hub.receive(bob, { type: "rooms" });
    const frames = bob.take();
    assert.deepEqual(frames.at(-1), {
      type: "rooms",
      rooms: [{ name: LOBBY, members: 2, joined: true }, { name: "#art", members: 1 }],
    });
    hub.receive(bob, { type: "leave" });
    assert.deepEqual(bob.take(), [{ type: "info", text: "You are in #lobby already" }]);
    // The room they name means nothing in version 1, nor does part's.
    hub.receive(bob, { type: "part", room: "#art" });
    hub.receive(bob, { type: "leave", room: "#nowhere" });
    assert.deepEqual(bob.take(), [
      { type: "info", text: "You are in #lobby already" },
      { type: "info", text: "You are in #lobby already" },
    ]);
  });

  await t.step("/who lists the room, sorted", () => {
    hub.receive(alice, { type: "who" });
    say(hub, bob, "/names");
    const expected = { type: "who", room: LOBBY, members: ["alice", "bob"], count: 2 };
    assert.deepEqual(alice.take(), [expected]);
    assert.deepEqual(bob.take(), [expected]);
  });
});

Deno.test("Hub stops announcing arrivals and departures in a crowded room", () => {
  using hub = new Hub();
  const first = join(hub, "p0");
  for (let i = 1; i < MAX_ANNOUNCED_ROOM_SIZE; i++) join(hub, `p${i}`);
  assert.equal(first.takeAll("joined").length, MAX_ANNOUNCED_ROOM_SIZE - 1);
  const crowd = arrive(hub, "latecomer");
  const frames = crowd.take();
  assert.deepEqual(frames.at(-1), {
    type: "info",
    text: "#lobby has 257 people: arrivals and departures are not announced here",
  });
  const room = frames.find((frame) => frame.type === "room");
  assert.ok(room?.type === "room");
  assert.equal(room.count, 257);
  assert.equal(room.members.length, 256);
  assert.deepEqual(first.take(), []);
  hub.close(crowd);
  assert.deepEqual(first.take(), []);
  hub.receive(first, { type: "quit" });
});

Deno.test("Hub lists a crowded room's first members to each newcomer, kept up to date", async (t) => {
  using hub = new Hub();
  // Listed names are the room's first MAX_LISTED_NAMES members, sorted: p000 … p255.
  const first = Array.from(
    { length: MAX_LISTED_NAMES },
    (_, i) => `p${String(i).padStart(3, "0")}`,
  );
  const crowd = first.map((name) => join(hub, name));
  for (let i = 0; i < 20; i++) join(hub, `q${i}`);
  const listingOf = (newcomer: string) => {
    const room = arrive(hub, newcomer).take().find((frame) => frame.type === "room");
    assert.ok(room?.type === "room");
    return room;
  };

  await t.step("everyone arriving beyond the listed ones gets the same sorted names", () => {
    const one = listingOf("late1");
    const two = listingOf("late2");
    assert.deepEqual(one.members, first);
    assert.deepEqual(two.members, first);
    assert.equal(two.count, one.count + 1);
  });

  await t.step("a listed member who leaves is replaced by the next one", () => {
    hub.receive(crowd[10]!, { type: "quit" });
    const room = listingOf("late3");
    assert.ok(!room.members.includes("p010"));
    assert.ok(room.members.includes("q0"));
    assert.equal(room.members.length, MAX_LISTED_NAMES);
  });

  await t.step("a listed member's new name is listed, in its sorted place", () => {
    say(hub, crowd[0]!, "/nick zed");
    const room = listingOf("late4");
    assert.ok(!room.members.includes("p000"));
    assert.equal(room.members.at(-1), "zed");
    assert.deepEqual(room.members, [...room.members].sort((a, b) => a.localeCompare(b)));
  });
});

Deno.test("Hub posts say and me, and answers a cid it has seen with the original", async (t) => {
  using hub = new Hub();
  const alice = join(hub, "alice");
  const bob = join(hub, "bob");
  const elsewhere = join(hub, "carol", { room: "#dev" });
  forget(alice);

  await t.step("say reaches the whole room, the sender included, cleaned", () => {
    say(hub, alice, "  hi \x1b[2Jthere  ", "c1");
    const message = alice.takeOne("message");
    assert.deepEqual(message, {
      type: "message",
      id: message.id,
      ts: message.ts,
      room: LOBBY,
      from: "alice",
      text: "hi there",
      cid: "c1",
    });
    assert.deepEqual(bob.take(), [message]);
    assert.deepEqual(elsewhere.take(), []);
  });

  await t.step("// posts a line that starts with a slash", () => {
    say(hub, alice, "//shrug");
    assert.equal(bob.takeOne("message").text, "/shrug");
    forget(alice);
  });

  await t.step("me and /me post an action; /me keeps the cid of its line", () => {
    hub.receive(alice, { type: "me", text: "waves" });
    say(hub, alice, "/me bows", "c2");
    const [waves, bows] = bob.takeAll("message");
    assert.equal(waves?.action, true);
    assert.equal(waves?.text, "waves");
    assert.deepEqual({ ...bows, id: 0, ts: 0 }, {
      type: "message",
      id: 0,
      ts: 0,
      room: LOBBY,
      from: "alice",
      text: "bows",
      action: true,
      cid: "c2",
    });
    forget(alice);
  });

  await t.step("a cid sent again gets the original, to the sender alone", () => {
    say(hub, alice, "hi there, again", "c1");
    const original = alice.takeOne("message");
    assert.equal(original.text, "hi there");
    assert.equal(original.replay, undefined);
    hub.receive(alice, { type: "me", text: "bows again", cid: "c2" });
    assert.equal(alice.takeOne("message").text, "bows");
    assert.deepEqual(bob.take(), []);
    // The same cid from someone else is their own message.
    say(hub, bob, "mine", "c1");
    assert.equal(alice.takeOne("message").from, "bob");
    forget(bob);
  });

  await t.step("an empty or overlong text is refused, naming its cid", () => {
    say(hub, alice, " \t ", "c3");
    assert.deepEqual(alice.take(), [{
      type: "error",
      code: "text_invalid",
      message: "Cannot send an empty message",
      cid: "c3",
    }]);
    hub.receive(alice, { type: "me", text: "x".repeat(4001) });
    assert.equal(
      alice.takeOne("error").message,
      "Cannot send message: it is 4001 bytes, more than the 4000 a message may hold",
    );
    assert.deepEqual(bob.take(), []);
  });

  await t.step("slash command errors carry the code parsing gave and the cid", () => {
    say(hub, alice, "/dance", "c4");
    const unknown = alice.takeOne("error");
    assert.equal(unknown.code, "unknown_command");
    assert.equal(unknown.cid, "c4");
    assert.equal(unknown.message, (parseInput("/dance") as { message: string }).message);
    say(hub, alice, "/msg bob", "c5");
    assert.deepEqual(alice.take(), [{
      type: "error",
      code: "bad_command",
      message: "Usage: /msg NAME TEXT",
      cid: "c5",
    }]);
    say(hub, alice, "/bell on");
    assert.equal(alice.takeOne("error").code, "unknown_command");
  });
});

Deno.test("Hub delivers private messages to one person, once", async (t) => {
  using hub = new Hub();
  const alice = join(hub, "alice");
  const bob = join(hub, "bob", { room: "#dev" });
  const bobby = join(hub, "bobby");
  forget(alice);

  await t.step("msg reaches its recipient in any room, and comes back to the sender", () => {
    hub.receive(alice, { type: "msg", to: "@BOB", text: "psst", cid: "p1" });
    const frame = bob.takeOne("private");
    assert.deepEqual(frame, {
      type: "private",
      id: frame.id,
      ts: frame.ts,
      from: "alice",
      to: "bob",
      text: "psst",
      cid: "p1",
    });
    assert.deepEqual(alice.take(), [frame]);
    assert.deepEqual(bobby.take(), []);
  });

  await t.step("a message to oneself arrives once", () => {
    say(hub, alice, "/tell alice note to self");
    assert.equal(alice.takeOne("private").text, "note to self");
  });

  await t.step("a cid sent again gets the original, to the sender alone", () => {
    say(hub, alice, "/msg bob psst again", "p1");
    assert.equal(alice.takeOne("private").text, "psst");
    assert.deepEqual(bob.take(), []);
  });

  await t.step("nobody by that exact name: no_such_user, with names that start so", () => {
    hub.receive(alice, { type: "msg", to: "bo", text: "hi", cid: "p2" });
    assert.deepEqual(alice.take(), [{
      type: "error",
      code: "no_such_user",
      message: 'Cannot send: nobody called "bo" is on this chat; did you mean bob, bobby?',
      cid: "p2",
    }]);
    assert.deepEqual(bob.take(), []);
    assert.deepEqual(bobby.take(), []);
  });
});

Deno.test("Hub lets a member come back with its resume token", async (t) => {
  const lines: string[] = [];
  using hub = new Hub({ log: (line) => lines.push(line) });
  const bob = join(hub, "bob");
  const first = arrive(hub, "alice");
  const token = first.take()[0]!;
  assert.ok(token.type === "welcome");
  forget(bob);
  hub.receive(first, { type: "msg", to: "bob", text: "secret", cid: "s1" });
  say(hub, first, "public", "s2");
  const last = first.take().at(-1) as MessageFrame;
  forget(bob);

  await t.step("a new connection takes the session over; the room sees nothing", () => {
    const second = arrive(hub, "ALICE", { resume: token.resume!, since: last.id });
    assert.deepEqual(first.take(), [{ type: "bye", reason: "You connected again from elsewhere" }]);
    assert.ok(first.closed);
    const frames = second.take();
    assert.ok(frames[0]?.type === "welcome");
    assert.equal(frames[0].name, "alice");
    assert.notEqual(frames[0].resume, token.resume);
    assert.deepEqual(frames.slice(1), [
      { type: "room", room: LOBBY, members: ["alice", "bob"], count: 2 },
    ]);
    assert.deepEqual(bob.take(), []);
    assert.ok(lines.some((line) => line.startsWith("alice came back from ")));
    assert.equal(hub.size, 2);

    hub.receive(second, { type: "msg", to: "bob", text: "secret again", cid: "s1" });
    assert.equal(second.takeOne("private").text, "secret");
    say(hub, second, "public again", "s2");
    assert.equal(second.takeOne("message").text, "public");
    assert.deepEqual(bob.take(), []);

    // The old token is spent; the name is held.
    const third = arrive(hub, "alice", { resume: token.resume! });
    assert.equal(third.takeOne("error").code, "name_taken");

    // What was sent is remembered under the last token after the connection ends.
    const welcome = frames[0];
    hub.close(second, "connection lost");
    assert.equal(bob.takeOne("left").reason, "connection lost");
    const fourth = arrive(hub, "alice", { resume: welcome.resume! });
    forget(fourth, bob);
    hub.receive(fourth, { type: "msg", to: "bob", text: "secret, third time", cid: "s1" });
    assert.equal(fourth.takeOne("private").text, "secret");
    assert.deepEqual(bob.take(), []);
  });

  await t.step("coming back to another room moves there", () => {
    const session = arrive(hub, "carol");
    const welcome = session.take()[0]!;
    assert.ok(welcome.type === "welcome");
    forget(bob);
    const back = arrive(hub, "carol", { resume: welcome.resume!, room: "#dev" });
    assert.deepEqual(back.take().slice(1), [
      { type: "room", room: "#dev", members: ["carol"], count: 1 },
    ]);
    assert.equal(bob.takeOne("left").reason, "went to #dev");
  });
});

Deno.test("Hub renames with nick, telling the room", () => {
  const lines: string[] = [];
  using hub = new Hub({ log: (line) => lines.push(line) });
  const alice = join(hub, "alice");
  const bob = join(hub, "bob");
  const carol = join(hub, "carol", { room: "#dev" });
  forget(alice);

  say(hub, alice, "/nick Alicia");
  const renamed = bob.takeOne("renamed");
  assert.deepEqual(renamed, {
    type: "renamed",
    ts: renamed.ts,
    room: LOBBY,
    from: "alice",
    to: "Alicia",
  });
  assert.deepEqual(alice.take(), [renamed]);
  assert.deepEqual(carol.take(), []);
  assert.ok(lines.includes("alice is now Alicia"));

  hub.receive(bob, { type: "nick", name: "ALICIA" });
  assert.equal(bob.takeOne("error").code, "name_taken");
  hub.receive(bob, { type: "nick", name: "b\x1b[2Jb" });
  assert.equal(bob.takeOne("error").code, "name_invalid");
  // Two words are a name, refused by the rules of names, which say why.
  say(hub, bob, "/nick two words");
  const spaced = bob.takeOne("error");
  assert.equal(spaced.code, "name_invalid");
  assert.match(spaced.message, /a name cannot hold spaces/);
  hub.receive(alice, { type: "nick", name: "Alicia" });
  assert.deepEqual(alice.take(), [{ type: "info", text: "You are already called Alicia" }]);
  hub.receive(alice, { type: "nick", name: "alicia" });
  assert.equal(bob.takeOne("renamed").to, "alicia");

  // The old name is free, the new one is taken.
  assert.equal(arrive(hub, "alice").take()[0]?.type, "welcome");
  assert.equal(arrive(hub, "Alicia").takeOne("error").code, "name_taken");
});

Deno.test("Hub answers help, and runs every command of the table", () => {
  using hub = new Hub();
  const alice = join(hub, "alice");
  join(hub, "bob");
  forget(alice);
  hub.receive(alice, { type: "help" });
  say(hub, alice, "/?");
  const help = { type: "help", commands: [...COMMANDS] };
  assert.deepEqual(alice.take(), [help, help]);

  // Each command's frame reaches a handler that answers the sender.
  const lines: Record<string, string> = {
    join: "/join #dev",
    leave: "/leave",
    part: "/part",
    rooms: "/rooms",
    who: "/who",
    msg: "/msg bob hi",
    me: "/me waves",
    nick: "/nick ally",
    history: "/history 5",
    search: "/search hi",
    help: "/help",
    away: "/away lunch",
    back: "/back",
    topic: "/topic",
    oper: "/oper guess",
    op: "/op bob",
    deop: "/deop bob",
    kick: "/kick bob",
    ban: "/ban bob 10m",
    unban: "/unban bob",
    bans: "/bans",
    mute: "/mute bob",
    unmute: "/unmute bob",
    lock: "/lock",
    unlock: "/unlock",
    rename: "/rename bob bobby",
    quit: "/quit bye now",
  };
  assert.deepEqual(Object.keys(lines).sort(), [...COMMAND_FIELDS.keys()].sort());
  for (const [type, line] of Object.entries(lines)) {
    const parsed = parseInput(line);
    assert.ok(parsed.ok && parsed.frame.type === type, line);
    hub.receive(alice, parsed.frame);
    assert.ok(alice.take().length > 0, `${line} got no answer`);
  }
  assert.ok(alice.closed);
});

Deno.test("Hub streams history and search results as the session reads them", async (t) => {
  const history = new MemoryHistory(1000);
  using hub = new Hub({ history, historyLimit: 3 });
  const alice = join(hub, "alice");
  const empty = join(hub, "bob", { room: "#quiet" });
  for (const text of ["lunch at noon", "coffee", "lunch again", "tea", "nothing"]) {
    say(hub, alice, text);
  }
  forget(alice);

  await t.step("a newcomer gets the room's last messages, marked replay", () => {
    const carol = arrive(hub, "carol");
    const replayed = carol.take().filter((frame) => frame.type === "message");
    assert.deepEqual(replayed.map((frame) => frame.text), ["lunch again", "tea", "nothing"]);
    assert.ok(replayed.every((frame) => frame.type === "message" && frame.replay));
    forget(alice);
  });

  await t.step("/history says how many, then replays them, oldest first", () => {
    say(hub, alice, "/history 2");
    const [info, ...messages] = alice.take();
    assert.deepEqual(info, { type: "info", text: "The last 2 messages of #lobby:" });
    assert.deepEqual(messages.map((frame) => frame.type === "message" && frame.text), [
      "tea",
      "nothing",
    ]);
    say(hub, alice, "/history 1");
    assert.deepEqual(alice.take()[0], { type: "info", text: "The last message of #lobby:" });
    hub.receive(alice, { type: "history" });
    assert.equal(alice.take().length, 1 + 5);
    hub.receive(empty, { type: "history" });
    assert.deepEqual(empty.take(), [{ type: "info", text: "No messages in #quiet yet" }]);
  });

  await t.step("/search finds the room's messages with every word", () => {
    say(hub, alice, "/search lun");
    const [info, ...found] = alice.take();
    assert.deepEqual(info, { type: "info", text: '2 messages in #lobby match "lun":' });
    assert.deepEqual(found.map((frame) => frame.type === "message" && frame.text), [
      "lunch at noon",
      "lunch again",
    ]);
    assert.ok(found.every((frame) => frame.type === "message" && frame.replay));
    hub.receive(alice, { type: "search", text: "biscuits" });
    assert.deepEqual(alice.take(), [{
      type: "info",
      text: 'No messages in #lobby match "biscuits"',
    }]);
    hub.receive(alice, { type: "search", text: "  " });
    assert.deepEqual(alice.take(), [{
      type: "error",
      code: "bad_command",
      message: "Usage: /search TEXT",
    }]);
  });

  await t.step("searching faster than the pace is refused, for that connection only", () => {
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) {
      hub.receive(empty, { type: "search", text: "tea" });
      codes.push(empty.take()[0]!.type === "error" ? "refused" : "ran");
    }
    // alice has searched three times already; bob's own burst of 5 is what counts.
    assert.deepEqual(codes, ["ran", "ran", "ran", "ran", "ran", "refused"]);
  });
});

Deno.test("Hub says how far a search of a room kept in memory looked, and what more words would do", () => {
  // A room of 2,500 kept messages, of which the word index holds the newest 2,000.
  const history = new MemoryHistory(3_000);
  // "gold" is in the newest 50, and in one message older than the index holds.
  for (let id = 1; id <= 2_500; id++) {
    const gold = id === 2 || id > 2_450 ? " gold" : "";
    const text = id === 1 ? "rare needle" : `common needle ${id}${gold}`;
    history.append({ type: "message", id, ts: id, room: "#lobby", from: "bob", text });
  }
  while (!history.prepareSearch("#lobby"));
  using hub = new Hub({ history });
  const alice = join(hub, "alice");
  forget(alice);
  say(hub, alice, "/search common");
  const [info, ...found] = alice.take();
  assert.deepEqual(info, {
    type: "info",
    text:
      'The newest 50 messages in #lobby that match "common" (there are more; add words to narrow):',
  });
  assert.equal(found.length, 50);
  // Older messages than the index holds are never searched: more words would not reach them.
  say(hub, alice, "/search gold");
  assert.deepEqual(alice.take()[0], {
    type: "info",
    text: '50 messages in #lobby match "gold" (searched the last 2,000 messages):',
  });
  say(hub, alice, "/search rare");
  assert.deepEqual(alice.take(), [{
    type: "info",
    text: 'No messages in #lobby match "rare" (searched the last 2,000 messages)',
  }]);
});

Deno.test("Hub survives a search that fails after its store took time to get ready", async () => {
  const lines: string[] = [];
  const history = new MemoryHistory(10);
  history.append({ type: "message", id: 1, ts: 1, room: "#lobby", from: "bob", text: "tea" });
  // Ready on the second step, and then the search itself fails: a bug, or the index broken.
  let steps = 0;
  history.prepareSearch = () => ++steps > 1;
  history.find = () => {
    throw new Error("index broken");
  };
  using hub = new Hub({ history, log: (line) => lines.push(line) });
  const alice = join(hub, "alice");
  forget(alice);
  say(hub, alice, "/search tea");
  // These wait for the answer, and then the search is ready at once.
  say(hub, alice, "/search tea");
  hub.receive(alice, { type: "ping" });
  await waitUntil(() => alice.frames.length >= 3, 2_000, "the answers and the pong");
  const failed = { type: "error", code: "bad_frame", message: "Internal server error" };
  assert.deepEqual(alice.take(), [failed, failed, { type: "pong" }]);
  assert.ok(lines.some((line) => line.includes("index broken")), lines.join("\n"));
});

Deno.test("Hub refuses a message it cannot store, telling the sender alone", () => {
  const lines: string[] = [];
  const history = new MemoryHistory(10);
  history.append = () => {
    throw new Error("disk full");
  };
  using hub = new Hub({ history, log: (line) => lines.push(line) });
  const alice = join(hub, "alice");
  const bob = join(hub, "bob");
  forget(alice);
  say(hub, alice, "hello", "n1");
  assert.deepEqual(alice.take(), [{
    type: "error",
    code: "not_stored",
    message:
      "Cannot send message: the server could not store it (is its disk full?); try again later",
    cid: "n1",
  }]);
  assert.deepEqual(bob.take(), []);
  assert.ok(lines.includes("Cannot store a message: disk full"));
});

Deno.test("Hub logs the first of many messages it cannot store, then their count, not each one", () => {
  const lines: string[] = [];
  const history = new MemoryHistory(10);
  const append = history.append.bind(history);
  let full = true;
  history.append = (message) => {
    if (full) throw new Error("disk full");
    append(message);
  };
  const hub = new Hub({ history, log: (line) => lines.push(line) });
  const alice = join(hub, "alice");
  forget(alice);
  for (let i = 0; i < 1_200; i++) say(hub, alice, `lost ${i}`);
  assert.equal(alice.take().filter((frame) => frame.type === "error").length, 1_200);
  full = false;
  say(hub, alice, "stored again");
  assert.equal(alice.takeOne("message").text, "stored again");
  const notStored = () => lines.filter((line) => /not stored|Cannot store/.test(line));
  // The rest are counted a few seconds later (see PacedLog), or when the hub shuts down.
  assert.deepEqual(notStored(), ["Cannot store a message: disk full"]);
  hub.shutdown();
  assert.deepEqual(notStored(), [
    "Cannot store a message: disk full",
    "1,199 more messages not stored in the last 1 s: same reason",
  ]);
});

Deno.test("Hub says the server has too many open files when a store fails with EMFILE", () => {
  const history = new MemoryHistory(10);
  // As Deno throws it when the id mark file cannot be opened.
  history.append = () => {
    throw Object.assign(new Error("Too many open files (os error 24)"), { code: "EMFILE" });
  };
  using hub = new Hub({ history, log: () => {} });
  const alice = join(hub, "alice");
  forget(alice);
  say(hub, alice, "hello", "n1");
  assert.deepEqual(alice.take(), [{
    type: "error",
    code: "not_stored",
    message: "Cannot send message: the server has too many open files to store it; try again later",
    cid: "n1",
  }]);
});

Deno.test("Hub says goodbye on quit and close, and to everyone on shutdown", async (t) => {
  const lines: string[] = [];
  const hub = new Hub({ log: (line) => lines.push(line) });
  const alice = join(hub, "alice");
  const bob = join(hub, "bob");
  const carol = join(hub, "carol");
  forget(alice, bob);

  await t.step("quit: bye, the connection closes, the room hears the reason", () => {
    say(hub, alice, "/quit gone \x1b[2Jfishing");
    assert.deepEqual(alice.take(), [{ type: "bye", reason: "Goodbye" }]);
    assert.ok(alice.closed);
    const left = bob.takeOne("left");
    assert.equal(left.reason, "quit: gone fishing");
    assert.ok(lines.includes("alice left (quit: gone fishing)"));
    hub.receive(alice, { type: "say", text: "after quit" });
    assert.deepEqual(bob.take(), []);
    forget(carol);
  });

  await t.step("quit: a long reason is cut to 200 code points, an emoji one of them", () => {
    const dave = join(hub, "dave");
    forget(bob, carol);
    hub.receive(dave, { type: "quit", reason: "a".repeat(199) + "😀".repeat(10) });
    assert.equal(bob.takeOne("left").reason, `quit: ${"a".repeat(199)}😀`);
    forget(carol);
  });

  await t.step("quit: a reason is trimmed, and a blank one is none, as a kick's", () => {
    for (const [reason, heard] of [["  lunch \t ", "quit: lunch"], ["   ", "quit"], ["", "quit"]]) {
      const erin = join(hub, "erin");
      forget(bob, carol);
      hub.receive(erin, { type: "quit", reason: reason! });
      assert.equal(bob.takeOne("left").reason, heard, JSON.stringify(reason));
      forget(carol);
    }
    const fay = join(hub, "fay");
    forget(bob, carol);
    // Nothing left once cleaned: an escape sequence is removed whole.
    say(hub, fay, "/quit \x1b[2J");
    assert.equal(bob.takeOne("left").reason, "quit");
    assert.ok(lines.includes("fay left (quit)"));
    forget(carol);
  });

  await t.step("close: the room hears why; the name is free at once", () => {
    hub.close(bob, "too slow to keep up");
    hub.close(bob, "twice");
    assert.equal(carol.takeOne("left").reason, "too slow to keep up");
    assert.equal(hub.isNamed(bob), false);
    assert.equal(hub.size, 1);
    assert.equal(arrive(hub, "bob").take()[0]?.type, "welcome");
    forget(carol);
  });

  await t.step("a peer dropped on its welcome is not left in a room", () => {
    const session = new FakeSession();
    hub.open(session);
    session.onSend = (frame) => {
      if (frame.type === "welcome") hub.close(session, "too slow to keep up");
    };
    hub.receive(session, { type: "hello", version: 1, name: "dave" });
    assert.equal(hub.isNamed(session), false);
    hub.receive(carol, { type: "who" });
    assert.deepEqual(carol.takeOne("who").members, ["bob", "carol"]);
  });

  await t.step("shutdown: bye with retry to everyone; later sessions are turned away", () => {
    forget(carol);
    hub.shutdown("Restarting");
    assert.deepEqual(carol.take(), [{ type: "bye", reason: "Restarting", retry: true }]);
    assert.ok(carol.closed);
    assert.equal(hub.size, 0);
    const late = new FakeSession();
    hub.open(late);
    assert.deepEqual(late.take(), [{ type: "bye", reason: "The server is shutting down" }]);
    assert.ok(late.closed);
    hub[Symbol.dispose]();
  });
});
