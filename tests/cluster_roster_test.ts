/**
 * The roster of a cluster's other servers on its own: what each change
 * told by another server does, with the messages it would publish collected.
 */

import assert from "node:assert/strict";
import type { Person } from "../protocol.ts";
import {
  type ClusterEvents,
  type LocalPerson,
  RemotePeople,
  type RemotePerson,
} from "../server/hub/cluster.ts";
import { Roster } from "../server/cluster/roster.ts";

/**
 * A roster with what it publishes, the events it hands on, and the servers
 * taken for gone; advertised, as a server is once it listens, unless `quiet`.
 */
function roster(local: LocalPerson[] = [], clock = { now: 0 }, quiet = false) {
  const published: [string, unknown][] = [];
  const events: string[] = [];
  const gone: [string, string[]][] = [];
  const people = new RemotePeople();
  const log = (line: string) => events.push(`log ${line}`);
  const record = (name: string) => (...args: unknown[]) => {
    const named = args.map((arg) =>
      typeof arg === "object" && arg !== null && "name" in arg ? (arg as Person).name : String(arg)
    );
    events.push(`${name} ${named.join(" ")}`);
  };
  const hub = {
    entered: record("entered"),
    left: record("left"),
    dropped: record("dropped"),
    renamed: record("renamed"),
    changed: record("changed"),
    // Where the other servers are is tested with real servers (cluster_test.ts).
    servers: () => {},
  } as unknown as ClusterEvents;
  const it = new Roster({
    id: "here",
    people,
    publish: (subject, value) => published.push([subject, value]),
    events: () => hub,
    local: () => local,
    gone: (server, keys) => gone.push([server, keys]),
    log,
    now: () => clock.now,
  });
  if (!quiet) it.advertise("10.0.0.9:5002", undefined);
  return { it, people, published, events, gone };
}

const person = (name: string): Person => ({ name, active: 0, client: "json" });

Deno.test("Roster meets a server once, tells it who is here, and asks for its people", () => {
  const { it, published, events } = roster([{
    key: "ann",
    name: "ann",
    rooms: ["#lobby"],
    person: person("ann"),
  }]);
  it.alive({ server: "a", address: "10.0.0.1:5002", web: "http://10.0.0.1:5003/", told: 0 });
  it.alive({ server: "a", address: "10.0.0.1:5002", told: 0 });
  assert.deepEqual(events.filter((event) => event.startsWith("log")), [
    "log Another server joined the cluster (10.0.0.1:5002)",
  ]);
  assert.deepEqual(published.map(([subject]) => subject), ["chat.snapshot", "chat.resync"]);
  assert.deepEqual(it.servers(), ["10.0.0.1:5002"]);
  assert.deepEqual(it.webServers(), [], "the last heartbeat names no web client");
  assert.ok(it.hears("a"));
});

Deno.test("Roster asks again for a server's people when one of its changes went missing", () => {
  const { it, published } = roster();
  it.alive({ server: "a", address: undefined, told: 0 });
  published.length = 0;
  it.presence({
    server: "a",
    told: 1,
    change: { kind: "enter", key: "bob", name: "bob", room: "#dev", person: person("bob") },
  });
  assert.deepEqual(published, []);
  it.presence({
    server: "a",
    told: 3,
    change: { kind: "leave", key: "bob", room: "#dev", reason: "quit" },
  });
  assert.deepEqual(published, [["chat.resync", { of: "a" }]]);
  published.length = 0;
  it.alive({ server: "a", address: undefined, told: 4 });
  assert.deepEqual(
    published,
    [["chat.resync", { of: "a" }]],
    "a heartbeat ahead of what was applied",
  );
});

Deno.test("Roster moves someone who came back on another server without a departure or arrival", () => {
  const { it, people, events, gone } = roster();
  it.alive({ server: "a", address: undefined, told: 0 });
  it.alive({ server: "b", address: undefined, told: 0 });
  it.presence({
    server: "a",
    told: 1,
    change: { kind: "enter", key: "ann", name: "ann", room: "#dev", person: person("ann") },
  });
  it.presence({
    server: "b",
    told: 1,
    change: { kind: "enter", key: "ann", name: "ann", room: "#dev", person: person("ann") },
  });
  assert.equal(people.byKey("ann")?.server, "b");
  assert.deepEqual([...people.inRoom("#dev")].map((one) => one.server), ["b"]);
  // Her old server's departure no longer concerns her, nor does its going away.
  it.presence({ server: "a", told: 2, change: { kind: "gone", key: "ann", reason: "moved" } });
  it.alive({ server: "a", address: undefined, told: 2, gone: true } as never);
  assert.equal(people.byKey("ann")?.server, "b");
  assert.deepEqual(gone, [["a", []]]);
  // In the room all along: her arrival is told once, then how she is as her new server says.
  assert.deepEqual(events.filter((event) => !event.startsWith("log")), [
    "entered ann #dev",
    "changed ann ann",
  ]);
});

Deno.test("Roster takes a silent server for gone with its people, unless this one is split", () => {
  const clock = { now: 0 };
  const { it, people, events, gone } = roster([], clock);
  it.alive({ server: "a", address: undefined, told: 0 });
  it.presence({
    server: "a",
    told: 1,
    change: { kind: "enter", key: "cyd", name: "cyd", room: "#ops", person: person("cyd") },
  });
  clock.now = 4_000;
  it.beat(false);
  assert.ok(it.hears("a"), "silent for less than 5 s");
  clock.now = 60_000;
  it.beat(true);
  assert.ok(it.hears("a"), "split: silence says nothing");
  it.beat(false);
  assert.ok(!it.hears("a"));
  assert.equal(people.byKey("cyd"), undefined);
  assert.deepEqual(gone, [["a", ["cyd"]]]);
  assert.ok(events.includes("left cyd #ops its server stopped answering"), events.join("\n"));
  // Told first, still in their rooms: a client of theirs may come back here.
  assert.ok(
    events.indexOf("dropped cyd") >= 0 &&
      events.indexOf("dropped cyd") < events.indexOf("left cyd #ops its server stopped answering"),
    events.join("\n"),
  );
  // Named the same way coming and going: its address unknown here, by its id.
  assert.deepEqual(events.filter((event) => event.startsWith("log")), [
    "log Another server joined the cluster (a)",
    "log A server left the cluster (a)",
  ]);
});

Deno.test("Roster takes no server for gone for the time this one stood still itself", () => {
  const clock = { now: 0 };
  const stood: number[] = [];
  const people = new RemotePeople();
  const gone: string[] = [];
  const it = new Roster({
    id: "here",
    people,
    publish: () => {},
    events: () => undefined,
    local: () => [],
    gone: (server) => gone.push(server),
    stood: (ms) => stood.push(ms),
    log: () => {},
    now: () => clock.now,
  });
  it.alive({ server: "a", address: undefined, told: 0 });
  const beatAt = (now: number) => {
    clock.now = now;
    it.beat(false);
  };
  assert.equal(it.late, false, "not late before its first heartbeat");
  beatAt(1_000);
  // Stopped 8 s (SIGSTOP, a machine starved): its next heartbeat is that late, which shows
  // before it is given.
  clock.now = 4_999;
  assert.equal(it.late, false, "late by less than it takes to be taken for gone");
  clock.now = 10_000;
  assert.equal(it.late, true);
  beatAt(10_000);
  assert.equal(it.late, false, "the heartbeat given");
  assert.deepEqual(stood, [9_000]);
  assert.ok(it.hears("a"), "its own standing still is no silence of theirs");
  // Not heard for more than 5 s of this one's running (2 s before it stood still, counting
  // the beat it missed, then 3 s): gone then.
  for (let now = 11_000; now <= 13_000; now += 1_000) beatAt(now);
  assert.deepEqual(gone, [], "silent for 5 s of running");
  beatAt(14_000);
  assert.deepEqual([gone, stood], [["a"], [9_000]]);
});

Deno.test("Roster hands on who dropped from another server, as they were, not who quit", () => {
  const dropped: RemotePerson[] = [];
  const hub = {
    entered: () => {},
    left: () => {},
    changed: () => {},
    dropped: (one: RemotePerson) => dropped.push(one),
  };
  const events = hub as unknown as ClusterEvents;
  const watched = new Roster({
    id: "here",
    people: new RemotePeople(),
    publish: () => {},
    events: () => events,
    local: () => [],
    gone: () => {},
    log: () => {},
  });
  let told = 0;
  const enter = (key: string, room: string, resume?: string) =>
    watched.presence({
      server: "a",
      told: ++told,
      change: {
        kind: "enter",
        key,
        name: key,
        room,
        person: { ...person(key), op: true },
        ...resume === undefined ? {} : { resume },
      },
    });
  enter("ann", "#lobby", "d-ann");
  enter("ann", "#ops");
  enter("bob", "#lobby", "d-bob");
  watched.presence({
    server: "a",
    told: ++told,
    change: { kind: "person", key: "ann", person: person("ann"), resume: "d-ann2" },
  });
  watched.presence({
    server: "a",
    told: ++told,
    change: { kind: "gone", key: "ann", reason: "connection lost", dropped: true },
  });
  watched.presence({
    server: "a",
    told: ++told,
    change: { kind: "gone", key: "bob", reason: "quit" },
  });
  assert.deepEqual(
    dropped.map(({ key, rooms, resume, person }) => ({ key, rooms, resume, op: person.op })),
    [{ key: "ann", rooms: ["#lobby", "#ops"], resume: "d-ann2", op: undefined }],
  );
});

Deno.test("Roster replaces a server's people with its snapshot", () => {
  const { it, people, events } = roster();
  it.snapshot({
    server: "a",
    told: 5,
    people: [{ key: "dan", name: "dan", rooms: ["#lobby", "#dev"], person: person("dan") }],
  });
  assert.deepEqual(people.byKey("dan")?.rooms, ["#lobby", "#dev"]);
  it.snapshot({
    server: "a",
    told: 6,
    people: [{ key: "eve", name: "eve", rooms: ["#lobby"], person: person("eve") }],
  });
  assert.equal(people.byKey("dan"), undefined);
  assert.deepEqual(people.byKey("eve")?.rooms, ["#lobby"]);
  assert.ok(events.includes("left dan #dev connection closed"), events.join("\n"));
});

Deno.test("Roster names a server met through its snapshot by its address, coming and going", () => {
  // A server starting asks everyone for their people: their snapshots come before
  // their heartbeats, which say where they listen.
  const { it, events } = roster();
  it.snapshot({ server: "a", told: 0, people: [] });
  it.alive({ server: "a", address: "10.0.0.1:5002", told: 0 });
  it.alive({ server: "a", address: "10.0.0.1:5002", told: 0, gone: true });
  assert.deepEqual(events.filter((event) => event.startsWith("log")), [
    "log Another server joined the cluster (10.0.0.1:5002)",
    "log A server left the cluster (10.0.0.1:5002)",
  ]);
});

Deno.test("Roster tells the others nothing of this server until it is advertised", () => {
  // A server reads the cluster before its ports listen; one that then cannot listen
  // must never have been heard of.
  const clock = { now: 0 };
  const { it, published, events } = roster([], clock, true);
  it.beat(false);
  it.alive({ server: "a", address: "10.0.0.1:5002", told: 0 });
  it.sendSnapshot();
  assert.deepEqual(
    published,
    [["chat.resync", { of: "a" }]],
    "it only asks for the others' people",
  );
  assert.ok(it.hears("a"), "it hears the others meanwhile");
  assert.ok(!it.advertised);
  published.length = 0;
  it.advertise("10.0.0.2:5002", "http://10.0.0.2:5003/");
  it.beat(false);
  it.sendSnapshot();
  assert.deepEqual(published, [
    ["chat.alive", {
      server: "here",
      address: "10.0.0.2:5002",
      web: "http://10.0.0.2:5003/",
      told: 0,
    }],
    ["chat.snapshot", { server: "here", told: 0, people: [] }],
  ]);
  assert.deepEqual(events, ["log Another server joined the cluster (10.0.0.1:5002)"]);
});
