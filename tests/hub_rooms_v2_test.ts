/**
 * Unit tests of the hub in protocol version 2, in many rooms at once, with
 * fake sessions: entering rooms with hello and join, the room a frame acts
 * in, part, renames, departures and resumes in every room, and version 1
 * clients in the same rooms.
 */

import assert from "node:assert/strict";
import { COMMANDS_V2 } from "../core/commands.ts";
import {
  LOBBY,
  MAX_ANNOUNCED_ROOM_SIZE,
  MAX_ROOMS,
  type MessageFrame,
  type ServerFrame,
} from "../protocol.ts";
import { Hub } from "../server/hub.ts";
import { parseOpFile } from "../server/hub/moderation.ts";
import { arrive, forget, join, join2, say } from "./_hub_utils.ts";

/** The messages of `frames`, as `room: text`. */
function said(frames: ServerFrame[]): string[] {
  return frames.flatMap((frame) =>
    frame.type === "message" ? [`${frame.room}: ${frame.text}`] : []
  );
}

Deno.test("Hub enters every room of a version 2 hello, in order, each with its replay", async (t) => {
  using hub = new Hub({ serverName: "lan", heartbeat: 30 });
  const bob = join(hub, "bob");
  say(hub, bob, "lobby 1");
  say(hub, bob, "lobby 2");
  hub.receive(bob, { type: "join", room: "#dev" });
  say(hub, bob, "dev 1");
  const lobby2 = 2;
  forget(bob);

  await t.step("welcome names the rooms; each room and its replay follow, in order", () => {
    const alice = arrive(hub, "alice", {
      version: 2,
      rooms: [{ room: "#lobby", since: lobby2 - 1 }, { room: "Dev" }],
    });
    const [welcome, ...rest] = alice.take();
    assert.ok(welcome?.type === "welcome");
    assert.deepEqual(welcome, {
      type: "welcome",
      version: 2,
      server: "lan",
      name: "alice",
      rooms: [LOBBY, "#dev"],
      resume: welcome.resume,
      heartbeat: 30,
    });
    assert.deepEqual(rest.map((frame) => frame.type === "room" ? frame.room : frame.type), [
      LOBBY,
      "message",
      "#dev",
      "message",
    ]);
    assert.deepEqual(said(rest), ["#lobby: lobby 2", "#dev: dev 1"]);
    assert.equal(bob.takeOne("joined").room, "#dev");
  });

  await t.step("invalid and repeated rooms are skipped; none valid means #lobby", () => {
    const carol = arrive(hub, "carol", {
      version: 2,
      rooms: [{ room: "#no good" }, { room: "#Ops" }, { room: "ops" }, { room: "#ops" }],
    });
    assert.deepEqual(carol.frames[0]?.type === "welcome" && carol.frames[0].rooms, ["#ops"]);
    const dave = arrive(hub, "dave", { version: 2, rooms: [{ room: "!" }] });
    assert.deepEqual(dave.frames[0]?.type === "welcome" && dave.frames[0].rooms, [LOBBY]);
    const erin = arrive(hub, "erin", { version: 2 });
    assert.deepEqual(erin.frames[0]?.type === "welcome" && erin.frames[0].rooms, [LOBBY]);
  });

  await t.step("hello.room and hello.since mean nothing in version 2", () => {
    const fred = arrive(hub, "fred", { version: 2, room: "#dev", since: 0 });
    const frames = fred.take();
    assert.deepEqual(frames[0]?.type === "welcome" && frames[0].rooms, [LOBBY]);
    assert.deepEqual(said(frames), ["#lobby: lobby 1", "#lobby: lobby 2"]);
  });

  await t.step("/help lists the commands of version 2", () => {
    const gina = join2(hub, "gina");
    say(hub, gina, "/help");
    assert.deepEqual(gina.take(), [{ type: "help", commands: [...COMMANDS_V2] }]);
  });
});

Deno.test("Hub lets a version 2 member join rooms without leaving any", async (t) => {
  using hub = new Hub();
  const alice = join2(hub, "alice");
  const bob = join(hub, "bob");
  const carol = join(hub, "carol", { room: "#dev" });
  forget(alice);

  await t.step("join adds a room: the room is told, the lobby is not", () => {
    say(hub, alice, "/join #dev");
    assert.deepEqual(alice.take(), [
      { type: "room", room: "#dev", members: ["alice", "carol"], count: 2 },
    ]);
    assert.deepEqual(bob.take(), []);
    assert.equal(carol.takeOne("joined").name, "alice");
  });

  await t.step("what is said in either room reaches the member", () => {
    say(hub, bob, "in the lobby");
    say(hub, carol, "in dev");
    assert.deepEqual(said(alice.take()), ["#lobby: in the lobby", "#dev: in dev"]);
    forget(bob);
  });

  await t.step("a frame without a room acts in the room entered last", () => {
    forget(carol);
    say(hub, alice, "hello dev");
    assert.deepEqual(said(carol.take()), ["#dev: hello dev"]);
    assert.deepEqual(bob.take(), []);
    hub.receive(alice, { type: "who" });
    const [own, who] = alice.take();
    assert.deepEqual([own?.type, own?.type === "message" && own.room], ["message", "#dev"]);
    assert.ok(who?.type === "who");
    const { people, ...names } = who;
    assert.deepEqual(names, { type: "who", room: "#dev", members: ["alice", "carol"], count: 2 });
    // Version 2 also learns how each person listed is.
    assert.deepEqual(people?.map((person) => [person.name, person.away, person.op]), [
      ["alice", undefined, undefined],
      ["carol", undefined, undefined],
    ]);
  });

  await t.step("joining a room one is in only informs", () => {
    hub.receive(alice, { type: "join", room: "#lobby" });
    assert.deepEqual(alice.take(), [{ type: "info", text: "You are in #lobby already" }]);
  });

  await t.step(`a ${MAX_ROOMS + 1}rd room is refused`, () => {
    for (let i = 3; i <= MAX_ROOMS; i++) hub.receive(alice, { type: "join", room: `#r${i}` });
    assert.equal(alice.takeAll("room").length, MAX_ROOMS - 2);
    say(hub, alice, "/join #one-more");
    assert.deepEqual(alice.take(), [{
      type: "error",
      code: "bad_command",
      message:
        `Cannot join #one-more: you are in ${MAX_ROOMS} rooms, the most allowed; leave one first`,
    }]);
    hub.receive(alice, { type: "rooms" });
    const rooms = alice.takeOne("rooms").rooms;
    assert.equal(rooms.filter((room) => room.joined).length, MAX_ROOMS);
    assert.ok(!rooms.some((room) => room.name === "#one-more"));
  });
});

Deno.test("Hub acts in the room a version 2 frame names, if the member is in it", async (t) => {
  using hub = new Hub();
  const alice = join2(hub, "alice", ["#lobby", "#dev"]);
  const bob = join(hub, "bob");
  const carol = join(hub, "carol", { room: "#dev" });
  say(hub, bob, "lunch at noon");
  forget(alice, bob, carol);

  await t.step("say and me post in the room they name", () => {
    hub.receive(alice, { type: "say", room: "#lobby", text: "on my way" });
    hub.receive(alice, { type: "me", room: "LOBBY", text: "runs" });
    assert.deepEqual(said(bob.take()), ["#lobby: on my way", "#lobby: runs"]);
    assert.deepEqual(carol.take(), []);
  });

  await t.step("who, history and search answer for the room they name", () => {
    forget(alice);
    hub.receive(alice, { type: "who", room: "#lobby" });
    assert.equal(alice.takeOne("who").room, LOBBY);
    hub.receive(alice, { type: "history", room: "#lobby", limit: 1 });
    assert.deepEqual(alice.take().map((frame) => frame.type === "info" ? frame.text : frame.type), [
      "The last message of #lobby:",
      "message",
    ]);
    hub.receive(alice, { type: "search", room: "#lobby", text: "lunch" });
    const [info, found] = alice.take();
    assert.deepEqual(info, { type: "info", text: '1 message in #lobby matches "lunch":' });
    assert.equal((found as MessageFrame).text, "lunch at noon");
  });

  await t.step("a slash command in a say acts in the say's room", () => {
    hub.receive(alice, { type: "say", room: "#lobby", text: "/who" });
    assert.equal(alice.takeOne("who").room, LOBBY);
    hub.receive(alice, { type: "say", room: "#lobby", text: "/me waves", cid: "w1" });
    const [message] = bob.takeAll("message");
    assert.deepEqual([message?.room, message?.cid], [LOBBY, "w1"]);
    forget(alice);
    hub.receive(alice, { type: "say", room: "#lobby", text: "/history 1" });
    assert.deepEqual(alice.take()[0], { type: "info", text: "The last message of #lobby:" });
  });

  await t.step("/topic in a say is about the say's room, not the room entered last", () => {
    forget(alice);
    hub.receive(alice, { type: "say", room: "#lobby", text: "/topic" });
    assert.deepEqual(alice.take(), [{ type: "info", text: "#lobby has no topic" }]);
    hub.receive(alice, { type: "say", room: "#lobby", text: "/topic #dev" });
    assert.deepEqual(alice.take(), [{ type: "info", text: "#dev has no topic" }]);
  });

  await t.step("the topic of a room nobody is in is refused: there is no such room", () => {
    hub.receive(alice, { type: "topic", room: "#nope" });
    hub.receive(alice, { type: "say", room: "#lobby", text: "/topic #nope" });
    const refusal = {
      type: "error",
      code: "bad_command",
      message: "Cannot show the topic of #nope: there is no such room",
    };
    assert.deepEqual(alice.take(), [refusal, refusal]);
  });

  await t.step(
    "a room the member is not in is not_in_room, naming the line's cid; who lists it",
    () => {
      forget(alice, bob, carol);
      hub.receive(alice, { type: "say", room: "#ops", text: "hi", cid: "c1" });
      hub.receive(alice, { type: "me", room: "#ops", text: "waves" });
      hub.receive(alice, { type: "who", room: "#ops" });
      hub.receive(alice, { type: "history", room: "#ops" });
      hub.receive(alice, { type: "search", room: "#ops", text: "x" });
      hub.receive(alice, { type: "say", room: "#ops", text: "/who" });
      assert.deepEqual(alice.take(), [
        {
          type: "error",
          code: "not_in_room",
          message: "Cannot say it in #ops: you are not in #ops (join it first)",
          cid: "c1",
        },
        {
          type: "error",
          code: "not_in_room",
          message: "Cannot say it in #ops: you are not in #ops (join it first)",
        },
        // Anyone may list a room that is not locked, one nobody is in too.
        { type: "who", room: "#ops", members: [], count: 0, people: [] },
        {
          type: "error",
          code: "not_in_room",
          message: "Cannot show the history of #ops: you are not in #ops (join it first)",
        },
        {
          type: "error",
          code: "not_in_room",
          message: "Cannot search #ops: you are not in #ops (join it first)",
        },
        // A command typed in a room is answered as that command, not refused as a line said.
        { type: "who", room: "#ops", members: [], count: 0, people: [] },
      ]);
      hub.receive(alice, { type: "say", room: "#a.b", text: "hi" });
      assert.equal(alice.takeOne("error").code, "room_invalid");
      assert.deepEqual([bob.take(), carol.take()], [[], []]);
    },
  );

  await t.step(
    "a version 1 member's room fields mean nothing, but a who's: it has one room",
    () => {
      hub.receive(bob, { type: "say", room: "#dev", text: "still the lobby" });
      // A who lists the room it names, as `/who #nowhere` does, in version 1 too.
      hub.receive(bob, { type: "who", room: "#nowhere" });
      hub.receive(bob, { type: "who" });
      assert.deepEqual(said(alice.take()), ["#lobby: still the lobby"]);
      const frames = bob.take().map((frame) => frame.type === "who" ? frame.room : frame.type);
      assert.deepEqual(frames, ["message", "#nowhere", LOBBY]);
      assert.deepEqual(carol.take(), []);
    },
  );
});

Deno.test("Hub lets a version 2 member part from a room, but not from the last", async (t) => {
  using hub = new Hub();
  const alice = join2(hub, "alice", ["#lobby", "#dev", "#ops"]);
  const bob = join(hub, "bob");
  const carol = join(hub, "carol", { room: "#dev" });
  forget(alice);

  await t.step("part names its room: parted for the member, left for the room", () => {
    hub.receive(alice, { type: "part", room: "#dev" });
    assert.deepEqual(alice.take(), [{ type: "parted", room: "#dev" }]);
    const left = carol.takeOne("left");
    assert.deepEqual(left, {
      type: "left",
      ts: left.ts,
      room: "#dev",
      name: "alice",
      reason: "parted",
    });
    assert.deepEqual(bob.take(), []);
    say(hub, carol, "gone?");
    assert.deepEqual(alice.take(), []);
  });

  await t.step("a room one is not in is not_in_room", () => {
    say(hub, alice, "/part #dev");
    assert.deepEqual(alice.take(), [
      { type: "error", code: "not_in_room", message: "Cannot leave #dev: you are not in #dev" },
    ]);
  });

  await t.step("/leave is /part; without a room, the room entered last; it goes if empty", () => {
    say(hub, alice, "/leave");
    assert.deepEqual(alice.take(), [{ type: "parted", room: "#ops" }]);
    hub.receive(alice, { type: "rooms" });
    assert.deepEqual(alice.takeOne("rooms").rooms, [
      { name: LOBBY, members: 2, joined: true },
      { name: "#dev", members: 1 },
    ]);
  });

  await t.step("#lobby may be left too, but never the last room", () => {
    hub.receive(alice, { type: "join", room: "#dev" });
    forget(alice, carol);
    hub.receive(alice, { type: "say", room: "#lobby", text: "/part" });
    assert.deepEqual(alice.take(), [{ type: "parted", room: LOBBY }]);
    assert.equal(bob.takeOne("left").reason, "parted");
    hub.receive(alice, { type: "leave" });
    say(hub, alice, "/part #dev");
    const refusal = {
      type: "error",
      code: "bad_command",
      message: "Cannot leave #dev: it is the only room you are in; join another first",
    };
    assert.deepEqual(alice.take(), [refusal, refusal]);
    assert.deepEqual(carol.take(), []);
    say(hub, alice, "still here");
    assert.deepEqual(said(carol.take()), ["#dev: still here"]);
  });

  await t.step("the room entered last of those still in is the default again", () => {
    hub.receive(alice, { type: "join", room: "#a" });
    hub.receive(alice, { type: "join", room: "#b" });
    hub.receive(alice, { type: "part", room: "#b" });
    forget(alice);
    hub.receive(alice, { type: "who" });
    assert.equal(alice.takeOne("who").room, "#a");
  });
});

Deno.test("Hub tells every room of a version 2 member of its rename and its departure", async (t) => {
  using hub = new Hub();
  const alice = join2(hub, "alice", ["#lobby", "#dev"]);
  const bob = join(hub, "bob");
  const carol = join(hub, "carol", { room: "#dev" });
  const dave = join(hub, "dave", { room: "#ops" });
  forget(alice);

  await t.step("a rename: one renamed in each room, the member gets each", () => {
    say(hub, alice, "/nick ally");
    assert.deepEqual(
      alice.takeAll("renamed").map((frame) => [frame.room, frame.from, frame.to]),
      [[LOBBY, "alice", "ally"], ["#dev", "alice", "ally"]],
    );
    assert.equal(bob.takeOne("renamed").room, LOBBY);
    assert.equal(carol.takeOne("renamed").room, "#dev");
    assert.deepEqual(dave.take(), []);
  });

  await t.step("quit: a left in each room", () => {
    hub.receive(alice, { type: "quit", reason: "lunch" });
    for (const [session, room] of [[bob, LOBBY], [carol, "#dev"]] as const) {
      const left = session.takeOne("left");
      assert.deepEqual([left.room, left.name, left.reason], [room, "ally", "quit: lunch"]);
    }
    assert.deepEqual(dave.take(), []);
  });

  await t.step("a drop: a left in each room", () => {
    const erin = join2(hub, "erin", ["#dev", "#ops"]);
    forget(carol, dave);
    hub.close(erin, "connection lost");
    assert.equal(carol.takeOne("left").reason, "connection lost");
    assert.equal(dave.takeOne("left").reason, "connection lost");
    assert.deepEqual(bob.take(), []);
  });
});

Deno.test("Hub gives a version 2 member coming back its rooms, with what it missed", async (t) => {
  using hub = new Hub();
  const bob = join(hub, "bob");
  const carol = join(hub, "carol", { room: "#dev" });
  const alice = arrive(hub, "alice", { version: 2, rooms: [{ room: "#lobby" }, { room: "#dev" }] });
  const welcome = alice.take()[0]!;
  assert.ok(welcome.type === "welcome");
  say(hub, bob, "seen in lobby");
  say(hub, carol, "seen in dev");
  const seen = alice.takeAll("message");
  assert.deepEqual(said(seen), ["#lobby: seen in lobby", "#dev: seen in dev"]);
  const [lobbySeen, devSeen] = seen.map((message) => message.id) as [number, number];
  say(hub, bob, "missed in lobby");
  say(hub, carol, "missed in dev");
  forget(bob, carol);

  await t.step("a resume keeps the session's rooms, whatever the hello says", () => {
    const back = arrive(hub, "alice", {
      version: 2,
      resume: welcome.resume!,
      rooms: [{ room: "#lobby", since: lobbySeen }, { room: "#ops" }, {
        room: "#dev",
        since: devSeen,
      }],
    });
    const frames = back.take();
    assert.deepEqual(frames[0]?.type === "welcome" && frames[0].rooms, [LOBBY, "#dev"]);
    assert.deepEqual(frames.slice(1).filter((frame) => frame.type === "room").length, 2);
    assert.deepEqual(said(frames), ["#lobby: missed in lobby", "#dev: missed in dev"]);
    assert.deepEqual([alice.closed, bob.take(), carol.take()], [true, [], []]);
    say(hub, carol, "live");
    assert.deepEqual(said(back.take()), ["#dev: live"]);
  });

  await t.step("with no session held, the hello's rooms are entered again", () => {
    const dave = arrive(hub, "dave", { version: 2, rooms: [{ room: "#dev" }, { room: "#ops" }] });
    const token = dave.take()[0];
    assert.ok(token?.type === "welcome");
    hub.close(dave, "connection lost");
    forget(carol);
    const again = arrive(hub, "dave", {
      version: 2,
      resume: token.resume!,
      rooms: [{ room: "#dev" }, { room: "#ops" }],
    });
    const frames = again.take();
    assert.deepEqual(frames[0]?.type === "welcome" && frames[0].rooms, ["#dev", "#ops"]);
    assert.deepEqual(frames.flatMap((frame) => frame.type === "room" ? [frame.room] : []), [
      "#dev",
      "#ops",
    ]);
    assert.equal(carol.takeOne("joined").name, "dave");
  });
});

Deno.test("Hub keeps version 1 members in one room, next to version 2 members", async (t) => {
  using hub = new Hub();
  const ann = join(hub, "ann");
  const ben = join2(hub, "ben", ["#lobby", "#dev"]);
  forget(ann);

  await t.step("a version 1 join moves; a version 2 member sees it leave and arrive", () => {
    say(hub, ann, "/join #dev");
    assert.deepEqual(ann.take(), [
      { type: "room", room: "#dev", members: ["ann", "ben"], count: 2 },
    ]);
    const [left, joined] = ben.take();
    assert.ok(left?.type === "left" && joined?.type === "joined");
    assert.deepEqual([left.room, left.reason, joined.room], [LOBBY, "went to #dev", "#dev"]);
  });

  await t.step("they talk in the room they share", () => {
    say(hub, ann, "hi ben");
    hub.receive(ben, { type: "say", room: "#dev", text: "hi ann" });
    assert.deepEqual(said(ann.take()), ["#dev: hi ben", "#dev: hi ann"]);
    assert.deepEqual(said(ben.take()), ["#dev: hi ben", "#dev: hi ann"]);
  });

  await t.step("a version 1 /part and /leave go back to #lobby", () => {
    say(hub, ann, "/part");
    assert.deepEqual(ann.take()[0], {
      type: "room",
      room: LOBBY,
      members: ["ann", "ben"],
      count: 2,
    });
    assert.deepEqual(ben.take().map((frame) => frame.type), ["left", "joined"]);
  });

  await t.step("a version 2 session taken over in version 1 keeps one room", () => {
    const token = arrive(hub, "cleo", { version: 2, rooms: [{ room: "#a" }, { room: "#b" }] })
      .take()[0];
    assert.ok(token?.type === "welcome");
    const dan = join(hub, "dan", { room: "#a" });
    const back = arrive(hub, "cleo", { resume: token.resume!, room: "#b" });
    const frames = back.take();
    assert.deepEqual(frames[0]?.type === "welcome" && [frames[0].version, frames[0].rooms], [
      1,
      undefined,
    ]);
    assert.deepEqual(frames[1], { type: "room", room: "#b", members: ["cleo"], count: 1 });
    const left = dan.takeOne("left");
    assert.deepEqual([left.name, left.reason], ["cleo", "went to #b"]);
    hub.receive(back, { type: "rooms" });
    assert.deepEqual(
      back.takeOne("rooms").rooms.filter((room) => room.joined).map((room) => room.name),
      ["#b"],
    );
  });
});

Deno.test("Hub relays typing in a room of up to 256 people, and not in a larger one", () => {
  using hub = new Hub();
  const typist = join2(hub, "typist");
  const first = join2(hub, "first");
  for (let i = 2; i < MAX_ANNOUNCED_ROOM_SIZE; i++) join2(hub, `p${i}`);
  forget(first);
  hub.receive(typist, { type: "typing", room: LOBBY });
  assert.equal(first.takeAll("typing").length, 1, "256 people: relayed");
  join2(hub, "one-more");
  forget(first);
  // Past the 2 s between relays of one typist, as a fresh typist is.
  const other = join2(hub, "other");
  forget(first);
  hub.receive(other, { type: "typing", room: LOBBY });
  assert.deepEqual(first.takeAll("typing"), [], "258 people: not relayed");
});

Deno.test("Hub relays typing once every 2 s for each room or person, not once for all", () => {
  using hub = new Hub();
  const typist = join2(hub, "typist", [LOBBY, "#dev"]);
  const bob = join2(hub, "bob", [LOBBY, "#dev"]);
  forget(bob);
  hub.receive(typist, { type: "typing", room: LOBBY });
  // Turning to bob, then to #dev, within the 2 s: each is told at once.
  hub.receive(typist, { type: "typing", to: "bob" });
  hub.receive(typist, { type: "typing", room: "#dev" });
  // The same place again within the 2 s: dropped.
  hub.receive(typist, { type: "typing", room: LOBBY });
  hub.receive(typist, { type: "typing", to: "BOB" });
  assert.deepEqual(bob.takeAll("typing"), [
    { type: "typing", name: "typist", room: LOBBY },
    { type: "typing", name: "typist" },
    { type: "typing", name: "typist", room: "#dev" },
  ]);
});

Deno.test("Hub relays the typing of version 1 in its room alone, and refuses version 2 another", () => {
  using hub = new Hub();
  const ann = join(hub, "ann", { room: "#dev" });
  const bob = join2(hub, "bob", [LOBBY, "#dev"]);
  const cleo = join2(hub, "cleo", [LOBBY]);
  forget(ann, bob, cleo);
  // Version 1 was never refused a typing: one of a room it is not in (sent before a move, say)
  // is dropped, not told in the room it is in now.
  hub.receive(ann, { type: "typing", room: LOBBY });
  hub.receive(ann, { type: "typing", room: "#a b" });
  assert.deepEqual([ann.take(), bob.take()], [[], []]);
  hub.receive(ann, { type: "typing", room: "DEV" });
  assert.deepEqual(bob.take(), [{ type: "typing", name: "ann", room: "#dev" }]);
  hub.receive(cleo, { type: "typing", room: "#dev" });
  assert.deepEqual(cleo.take(), [{
    type: "error",
    code: "not_in_room",
    message: "Cannot type in #dev: you are not in #dev (join it first)",
  }]);
  assert.deepEqual(bob.take(), []);
});

Deno.test("Hub keeps a session taken over in version 1 in the locked room it is in", () => {
  using hub = new Hub({ operators: parseOpFile("ann s3cret\n") });
  const ann = join2(hub, "ann", [LOBBY, "#ops"]);
  say(hub, ann, "/oper s3cret");
  const welcome = arrive(hub, "bob", { version: 2, rooms: [{ room: LOBBY }, { room: "#ops" }] })
    .take()[0];
  assert.ok(welcome?.type === "welcome");
  hub.receive(ann, { type: "lock", room: "#ops" });
  forget(ann);
  // Its connection lost, unknown to the server: bob comes back in version 1, in #ops.
  const back = arrive(hub, "bob", { resume: welcome.resume!, room: "#ops" });
  const [again, entered, ...rest] = back.take();
  assert.ok(again?.type === "welcome" && again.version === 1, JSON.stringify(again));
  assert.deepEqual(entered, {
    type: "room",
    room: "#ops",
    members: ["ann", "bob"],
    count: 2,
    locked: true,
  });
  assert.deepEqual(rest, []);
  const left = ann.takeOne("left");
  assert.deepEqual([left.room, left.reason], [LOBBY, "went to #ops"]);
});

Deno.test("Hub opens no room that looks like one somebody is in", async (t) => {
  using hub = new Hub();
  const alice = join2(hub, "alice", ["#lobby", "#dev"]);
  const bob = join2(hub, "bob");
  forget(alice, bob);
  // A Cyrillic о, and 0 and I for o and l.
  const copies = ["#lоbby", "#l0bby", "#Iobby", "#dеv"];

  await t.step("join is refused, naming the room it looks like", () => {
    for (const copy of copies) {
      hub.receive(bob, { type: "join", room: copy });
      const like = copy.endsWith("bby") ? "#lobby" : "#dev";
      assert.deepEqual(bob.take(), [{
        type: "error",
        code: "room_invalid",
        message: `Cannot open ${copy.toLowerCase()}: it looks like ${like}; join ${like}, ` +
          "or pick a name that does not",
      }], copy);
    }
    hub.receive(bob, { type: "rooms" });
    assert.deepEqual(bob.takeOne("rooms").rooms.map((room) => room.name).sort(), [
      "#dev",
      "#lobby",
    ]);
  });

  await t.step("a hello asking for one enters the others, and says why not that one", () => {
    const carol = arrive(hub, "carol", { version: 2, rooms: [{ room: "#dеv" }, { room: "#ops" }] });
    const frames = carol.take();
    assert.deepEqual(frames.filter((frame) => frame.type === "error"), [{
      type: "error",
      code: "room_invalid",
      message: "Cannot open #dеv: it looks like #dev; join #dev, or pick a name that does not",
    }]);
    assert.deepEqual(frames.filter((frame) => frame.type === "room").map((f) => f.room), ["#ops"]);
  });

  await t.step("rooms that only share letters, and the rooms themselves, open as ever", () => {
    for (const room of ["#lobby2", "#devs", "#dev"]) hub.receive(bob, { type: "join", room });
    assert.deepEqual(bob.takeAll("room").map((frame) => frame.room), ["#lobby2", "#devs", "#dev"]);
    assert.deepEqual(bob.takeAll("error"), []);
  });

  await t.step("once the room it looked like is empty, the name is free", () => {
    hub.close(alice);
    hub.receive(bob, { type: "part", room: "#dev" });
    forget(bob);
    hub.receive(bob, { type: "join", room: "#dеv" });
    assert.equal(bob.takeOne("room").room, "#dеv");
  });
});

Deno.test("Hub sets a topic and locks the room of the say an operator typed it in", () => {
  using hub = new Hub({ operators: new Map([["ann", "s3cret"]]) });
  const ann = join2(hub, "ann", ["#lobby", "#dev", "#ops"]);
  const bob = join2(hub, "bob", ["#dev", "#ops"]);
  say(hub, ann, "/oper s3cret");
  forget(ann, bob);
  // ann looks at #dev, and entered #ops last.
  hub.receive(ann, { type: "say", room: "#dev", text: "/topic Release on Friday" });
  hub.receive(ann, { type: "say", room: "#dev", text: "/lock" });
  const told = bob.take().map((frame) =>
    frame.type === "topic"
      ? `${frame.room}: topic ${frame.topic}`
      : frame.type === "notice"
      ? `${frame.room}: ${frame.text}`
      : frame.type
  );
  assert.deepEqual(told, [
    "#dev: topic Release on Friday",
    "#dev: ann locked #dev: only operators may enter it",
  ]);
  hub.receive(ann, { type: "say", room: "#dev", text: "/unlock" });
  assert.deepEqual(bob.takeAll("notice").map((frame) => frame.room), ["#dev"]);
});
