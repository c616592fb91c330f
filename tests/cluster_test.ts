/**
 * Several `chat serve` processes linked through a real `nats-server`: one
 * chat, whichever server each person joins.
 */

import assert from "node:assert/strict";
import type { MessageFrame } from "../protocol.ts";
import {
  type FrameOf,
  freePort,
  settledValue,
  storyOf,
  TestClient,
  waitUntil,
  within,
} from "./_test_utils.ts";
import {
  type ClusterMember,
  NatsServer,
  serveInCluster,
  serveWebInCluster,
  TestCluster,
  testWithNats,
  waitForEachOther,
  WebCluster,
  type WebClusterMember,
} from "./_nats.ts";
import { assertOneErrorLine, ChatProcess, runChat } from "./_chat_process.ts";
import { openssl, selfSigned } from "./_fault_helpers.ts";
import { FreezingProxy } from "./_freezing_proxy.ts";
import { createUser } from "@nats-io/nkeys";
import { connect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { hexKey } from "../server/cluster/keys.ts";
import { IrcClient, ircServeArgs } from "./_irc_client.ts";
import { NAME_TAKEN_WHILE_STILL, NAME_TAKEN_WHILE_STILL_LEFT } from "../server/hub/linked.ts";

/** The room messages `client` has, as `id from: text`. */
function said(client: TestClient): string[] {
  return client.all("message").map((message) => `${message.id} ${message.from}: ${message.text}`);
}

/** Waits until `client` has `count` room messages. */
async function messages(client: TestClient, count: number, ms = 10_000): Promise<MessageFrame[]> {
  await waitUntil(() => client.all("message").length >= count, ms, `${count} messages`);
  return client.all("message");
}

/** The answer to a `hello`: the welcome or the error, whichever comes. */
async function answer(client: TestClient): Promise<FrameOf<"welcome"> | FrameOf<"error">> {
  const find = () =>
    client.frames.find((frame): frame is FrameOf<"welcome"> | FrameOf<"error"> =>
      frame.type === "welcome" || frame.type === "error"
    );
  await waitUntil(() => find() !== undefined, 5_000, "a welcome or an error");
  return find()!;
}

/**
 * Says hello as `name` until the answer is `wanted` (a welcome, or an error
 * of that code): what one server does (a name let go, a ban) reaches the
 * others a moment later. Other answers must be those of `meanwhile`.
 */
async function helloUntil(
  port: number,
  name: string,
  wanted: string,
  meanwhile: readonly string[],
  ms = 5_000,
): Promise<TestClient> {
  const deadline = Date.now() + ms;
  while (true) {
    const client = await TestClient.connect(port);
    await client.send({ type: "hello", version: 2, name });
    const answered = await answer(client);
    const got = answered.type === "welcome" ? "welcome" : answered.code;
    if (got === wanted) return client;
    await client[Symbol.asyncDispose]();
    assert.ok(meanwhile.includes(got), `${name}: ${got}`);
    if (Date.now() > deadline) assert.fail(`${name} was still answered ${got} after ${ms} ms`);
  }
}

/** Joins as `name` once the cluster has let the name go (its holder left, its ban was lifted). */
function joinOnceFree(port: number, name: string): Promise<TestClient> {
  return helloUntil(port, name, "welcome", ["name_taken", "banned"]);
}

testWithNats("people on three servers talk in one room, seen by all in one order", async () => {
  await using cluster = await TestCluster.start(3);
  const [p1, p2, p3] = cluster.ports as [number, number, number];
  await using ann = await TestClient.join2(p1, "ann");
  await using bob = await TestClient.join2(p2, "bob");
  await using cyd = await TestClient.join2(p3, "cyd");
  // Each hears of the others joining, wherever they are.
  await ann.next("joined", (frame) => frame.name === "cyd");
  const people = [ann, bob, cyd];
  // All three send at once, interleaved.
  for (let i = 0; i < 20; i++) {
    await Promise.all(people.map((person, n) => person.say(`${["a", "b", "c"][n]}${i}`)));
  }
  const seen = await Promise.all(people.map(async (person) => {
    await messages(person, 60);
    return said(person);
  }));
  assert.deepEqual(seen[1], seen[0]);
  assert.deepEqual(seen[2], seen[0]);
  const ids = ann.all("message").map((message) => message.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b), "ids grow along the room");
  assert.equal(new Set(ids).size, 60, "every id is unique");
  // Each sender's own lines keep the order they were sent in.
  for (const [n, person] of people.entries()) {
    const own = person.all("message").filter((message) => message.from === ["ann", "bob", "cyd"][n])
      .map((message) => message.text);
    assert.deepEqual(own, Array.from({ length: 20 }, (_, i) => `${["a", "b", "c"][n]}${i}`));
  }
  // `who` lists everyone in the room, on every server.
  for (const person of people) {
    await person.send({ type: "who" });
    const who = await person.next("who");
    assert.deepEqual(who.members, ["ann", "bob", "cyd"]);
    assert.equal(who.count, 3);
    assert.deepEqual(who.people?.map((one) => one.name), ["ann", "bob", "cyd"]);
  }
});

testWithNats("a name taken on one server is refused on the others, look-alikes too", async () => {
  await using cluster = await TestCluster.start(3);
  const [p1, p2, p3] = cluster.ports as [number, number, number];
  await using ann = await TestClient.join2(p1, "ann");
  for (const [port, name] of [[p2, "ann"], [p3, "ANN"], [p2, "аnn"]] as const) {
    await using other = await TestClient.connect(port);
    await other.send({ type: "hello", version: 2, name });
    const error = await other.next("error");
    assert.equal(error.code, "name_taken", `${name} on ${port}`);
    assert.match(
      error.message,
      name === "аnn"
        ? /it looks like ann, who is on another server/
        : /the name is taken \(ann is on another server\)/,
    );
    assert.equal(other.all("welcome").length, 0);
  }
  // Renaming to a name taken elsewhere is refused too.
  await using bob = await TestClient.join2(p2, "bob");
  await bob.send({ type: "nick", name: "Ann" });
  assert.equal((await bob.next("error")).code, "name_taken");
  // Once ann leaves, her name is free everywhere.
  await ann.send({ type: "quit" });
  await ann.closed();
  await using again = await joinOnceFree(p3, "ann");
  assert.equal(again.all("welcome")[0]?.name, "ann");
});

testWithNats(
  "two servers asked for one name at the same moment give it to exactly one",
  async () => {
    await using cluster = await TestCluster.start(3);
    for (let round = 0; round < 5; round++) {
      const name = `racer${round}`;
      const clients = await Promise.all(cluster.ports.map((port) => TestClient.connect(port)));
      try {
        await Promise.all(
          clients.map((client) => client.send({ type: "hello", version: 2, name })),
        );
        const answers = await Promise.all(clients.map(answer));
        assert.equal(answers.filter((one) => one.type === "welcome").length, 1, name);
        for (const one of answers) if (one.type === "error") assert.equal(one.code, "name_taken");
      } finally {
        for (const client of clients) await client[Symbol.asyncDispose]();
      }
    }
  },
);

testWithNats("/history and /search give the same messages on all three servers", async () => {
  await using cluster = await TestCluster.start(3);
  const [p1, p2, p3] = cluster.ports as [number, number, number];
  {
    await using ann = await TestClient.join2(p1, "ann", [{ room: "#dev" }]);
    await using bob = await TestClient.join2(p2, "bob", [{ room: "#dev" }]);
    // On the third server, so that it has every message before its reader asks.
    await using cat = await TestClient.join2(p3, "cat", [{ room: "#dev" }]);
    for (let i = 0; i < 10; i++) {
      await ann.send({ type: "say", text: `apple ${i}`, room: "#dev" });
      await bob.send({ type: "say", text: `pear ${i}`, room: "#dev" });
    }
    for (const client of [ann, bob, cat]) await messages(client, 20);
  }
  const histories: string[][] = [];
  const searches: string[][] = [];
  for (const [n, port] of [p1, p2, p3].entries()) {
    await using reader = await TestClient.join2(port, `reader${n}`, [{ room: "#dev" }]);
    const replayed = reader.all("message").length;
    await reader.send({ type: "history", room: "#dev", limit: 15 });
    await messages(reader, replayed + 15);
    histories.push(said(reader).slice(replayed));
    const before = reader.all("message").length;
    await reader.send({ type: "search", room: "#dev", text: "pear" });
    await messages(reader, before + 10);
    searches.push(said(reader).slice(before));
  }
  assert.equal(histories[0]!.length, 15);
  assert.deepEqual(histories[1], histories[0]);
  assert.deepEqual(histories[2], histories[0]);
  assert.deepEqual(searches[1], searches[0]);
  assert.deepEqual(searches[2], searches[0]);
  // A server started later reads the history back from the cluster.
  const late = await serveInCluster(cluster.nats);
  try {
    await using reader = await TestClient.join2(late.port, "latecomer", [{ room: "#dev" }]);
    const replayed = reader.all("message").length;
    await reader.send({ type: "history", room: "#dev", limit: 15 });
    await messages(reader, replayed + 15);
    assert.deepEqual(said(reader).slice(replayed), histories[0]);
  } finally {
    await late.process[Symbol.asyncDispose]();
  }
});

testWithNats("private messages and renames cross servers", async () => {
  await using cluster = await TestCluster.start(2);
  const [p1, p2] = cluster.ports as [number, number];
  await using ann = await TestClient.join2(p1, "ann");
  await using bob = await TestClient.join2(p2, "bob");
  await ann.next("joined", (frame) => frame.name === "bob");
  await ann.send({ type: "msg", to: "bob", text: "psst", cid: "c1" });
  const got = await bob.next("private");
  const echo = await ann.next("private");
  assert.equal(got.text, "psst");
  assert.equal(got.from, "ann");
  assert.equal(echo.id, got.id);
  await ann.send({ type: "msg", to: "nobody", text: "hello?" });
  assert.equal((await ann.next("error")).code, "no_such_user");
  await bob.send({ type: "nick", name: "robert" });
  const renamed = await ann.next("renamed");
  assert.deepEqual([renamed.from, renamed.to], ["bob", "robert"]);
  await ann.send({ type: "msg", to: "robert", text: "hi robert" });
  assert.equal((await bob.next("private")).text, "hi robert");
  // The old name is free again, on either server.
  await using other = await joinOnceFree(p1, "bob");
  assert.equal(other.all("welcome")[0]?.name, "bob");
});

testWithNats(
  "a client that moved on from a server that stood still is not told of its own leaving",
  async () => {
    await using cluster = await TestCluster.start(2);
    const [p1, p2] = cluster.ports as [number, number];
    await using ann = await TestClient.join2(p1, "ann");
    await using bob = await TestClient.join2(p2, "bob");
    await ann.next("joined", (frame) => frame.name === "bob");
    const welcome = ann.all("welcome")[0]!;
    const stalled = cluster.servers[0]!.process;
    stalled.kill("SIGSTOP");
    try {
      // Silent for long enough, the still server's people are taken for gone.
      await bob.next("left", (frame) => frame.name === "ann", 20_000);
      // ann's client gives the still server up and comes back on the other, with its token.
      await using back = await TestClient.connect(p2);
      await back.send({ type: "hello", version: 2, name: "ann", resume: welcome.resume! });
      await back.next("welcome");
      stalled.kill("SIGCONT");
      // The server that stood still goes on, finds ann gone elsewhere, and tells the others.
      await stalled.waitForStdout(/ann left \(connected again to another server\)/);
      await bob.send({ type: "say", text: "after" });
      await back.next("message", (message) => message.text === "after");
      await bob.send({ type: "ping", token: "sync" });
      await bob.next("pong");
      await back.send({ type: "ping", token: "sync" });
      await back.next("pong");
      const aboutHerself = [...back.all("joined"), ...back.all("left")]
        .filter((frame) => frame.name === "ann");
      assert.deepEqual(aboutHerself, []);
    } finally {
      stalled.kill("SIGCONT");
    }
  },
);

/**
 * Stops the first server of `cluster` until the other takes it for gone, and
 * lets it go on with what the other said meanwhile still on its way to it, as
 * it may be when a stopped process is woken (its timers may run before it
 * reads what waited): it is let through once the first has had a heartbeat
 * of its own. `meanwhile` runs while it stands still.
 */
async function standStill(
  cluster: Awaited<ReturnType<typeof laggingCluster>>,
  gone: () => Promise<unknown>,
  meanwhile: () => Promise<void> = async () => {},
): Promise<void> {
  const [stalled] = cluster.processes;
  cluster.proxy.freeze();
  stalled.kill("SIGSTOP");
  try {
    await gone();
    await meanwhile();
  } finally {
    stalled.kill("SIGCONT");
  }
  // Whether it takes its own standing still for the others' silence shows at its first heartbeat.
  await stalled.waitForStdout(
    /This server stood still for \d+ s|A server left the cluster/,
    10_000,
  );
  cluster.proxy.thaw();
}

testWithNats(
  "a server that stood still itself does not tell its people that the others left",
  async () => {
    await using cluster = await laggingCluster(0);
    const [p1, p2] = cluster.ports;
    await using ann = await TestClient.join2(p1, "ann");
    await using bob = await TestClient.join2(p2, "bob");
    await ann.next("joined", (frame) => frame.name === "bob");
    const mark = ann.frames.length;
    // The claim of ann's name, as NATS holds it.
    const nc = await connect({ servers: cluster.nats.url });
    const names = await new Kvm(nc).open("chat-names");
    const claimed = async () => (await names.get(hexKey("ann")))?.operation === "PUT";
    try {
      // Silent for long enough, the still server's people are taken for gone by the other,
      // which lets their names go.
      await standStill(
        cluster,
        () => bob.next("left", (frame) => frame.name === "ann", 20_000),
        () => waitUntilAsync(async () => !(await claimed()), "ann's name to be let go"),
      );
      // Still here, ann holds her name again.
      await waitUntilAsync(claimed, "ann's name to be claimed again");
    } finally {
      await nc.close();
    }
    // Once the other server hears it again, ann is back there.
    await bob.next("joined", (frame) => frame.name === "ann", 20_000);
    await bob.say("after");
    await ann.next("message", (message) => message.text === "after");
    await ann.send({ type: "who" });
    assert.deepEqual((await ann.next("who")).members, ["ann", "bob"]);
    // Her own server stood still: bob never left, nor his server.
    const news = ann.frames.slice(mark).filter((frame) =>
      ["left", "joined", "servers"].includes(frame.type)
    );
    assert.deepEqual(news, []);
    assert.doesNotMatch(cluster.processes[0].stdout, /A server left the cluster/);
  },
);

testWithNats(
  "a server cut off from NATS long enough to be taken for gone claims its people's names again",
  async () => {
    await using cluster = await laggingCluster(0);
    const [p1, p2] = cluster.ports;
    await using ann = await TestClient.join2(p1, "ann");
    await using bob = await TestClient.join2(p2, "bob");
    await ann.next("joined", (frame) => frame.name === "bob");
    const nc = await connect({ servers: cluster.nats.url });
    try {
      const names = await new Kvm(nc).open("chat-names");
      const claimed = async () => (await names.get(hexKey("ann")))?.operation === "PUT";
      // Its link to NATS cut, and none to be made until it heals.
      cluster.proxy.freeze();
      cluster.proxy.cut();
      await ann.next("info", (frame) => /chat is split/.test(frame.text), 15_000);
      // Silent for the other server, it is taken for gone, and its people's names let go.
      await bob.next("left", (frame) => frame.name === "ann", 20_000);
      await waitUntilAsync(async () => !(await claimed()), "ann's name to be let go");
      cluster.proxy.thaw();
      await ann.next("info", (frame) => /whole again/.test(frame.text), 30_000);
      // Still here, ann holds her name again.
      await waitUntilAsync(claimed, "ann's name to be claimed again");
      await bob.next("joined", (frame) => frame.name === "ann", 20_000);
    } finally {
      await nc.close();
    }
  },
);

testWithNats(
  "someone whose name another took while their server stood still is told so, not that they moved",
  async () => {
    await using cluster = await laggingCluster(0);
    const [p1, p2] = cluster.ports;
    await using fay = await TestClient.join2(p1, "fay");
    await using ann = await TestClient.join2(p1, "ann");
    await using bob = await TestClient.join2(p2, "bob");
    await fay.next("joined", (frame) => frame.name === "bob");
    let mark = 0;
    await using other = await TestClient.connect(p2);
    await standStill(
      cluster,
      async () => {
        await bob.next("left", (frame) => frame.name === "fay", 20_000);
        await bob.next("left", (frame) => frame.name === "ann");
      },
      async () => {
        // Taken for gone, fay's name is free: someone else takes it on the other server.
        await other.send({ type: "hello", version: 2, name: "fay" });
        await other.sync();
        assert.equal(other.all("welcome")[0]?.name, "fay");
        await bob.next("joined", (frame) => frame.name === "fay");
        mark = bob.frames.length;
      },
    );
    const bye = await fay.next("bye", undefined, 20_000);
    assert.equal(bye.reason, NAME_TAKEN_WHILE_STILL);
    await fay.closed();
    // Her room there is told that someone else has her name, not that she moved.
    const left = await ann.next("left", (frame) => frame.name === "fay");
    assert.equal(left.reason, NAME_TAKEN_WHILE_STILL_LEFT);
    // Elsewhere, ann is back; fay, who has been gone from there since, is not.
    await bob.next("joined", (frame) => frame.name === "ann", 20_000);
    await ann.say("after");
    await bob.next("message", (message) => message.text === "after");
    const aboutFay = bob.frames.slice(mark).filter((frame) =>
      (frame.type === "joined" || frame.type === "left") && frame.name === "fay"
    );
    assert.deepEqual(aboutFay, []);
    await bob.send({ type: "who" });
    assert.deepEqual((await bob.next("who")).members, ["ann", "bob", "fay"]);
  },
);

testWithNats(
  "the welcome names the other servers, and a client resumes on one of them after kill -9",
  async () => {
    await using cluster = await TestCluster.start(3);
    const [p1, p2, p3] = cluster.ports as [number, number, number];
    await using ann = await TestClient.join2(p1, "ann", [{ room: "#dev" }]);
    await using bob = await TestClient.join2(p2, "bob", [{ room: "#dev" }]);
    const welcome = ann.all("welcome")[0]!;
    assert.deepEqual(welcome.servers?.toSorted(), [`127.0.0.1:${p2}`, `127.0.0.1:${p3}`].sort());
    await ann.send({ type: "say", room: "#dev", text: "before", cid: "a1" });
    const last = (await messages(ann, 1)).at(-1)!;
    // ann's server dies without a word; bob goes on talking meanwhile.
    cluster.servers[0]!.process.kill("SIGKILL");
    await ann.closed();
    for (let i = 0; i < 5; i++) {
      await bob.send({ type: "say", room: "#dev", text: `meanwhile ${i}` });
    }
    await messages(bob, 6);
    // ann's client comes back on another server, with its token and the last id it saw.
    await using back = await TestClient.connect(p3);
    await back.send({
      type: "hello",
      version: 2,
      name: "ann",
      resume: welcome.resume!,
      rooms: [{ room: "#dev", since: last.id }],
    });
    await back.next("welcome");
    assert.equal(back.all("welcome")[0]?.name, "ann");
    const caught = await messages(back, 5);
    assert.deepEqual(
      caught.map((message) => message.text),
      [0, 1, 2, 3, 4].map((i) => `meanwhile ${i}`),
    );
    // Sent again under its client id after the failover, a line is not posted twice.
    await back.send({ type: "say", room: "#dev", text: "before", cid: "a1" });
    const again = await back.next("message", (message) => message.cid === "a1");
    assert.equal(again.id, last.id);
    await back.send({ type: "say", room: "#dev", text: "after" });
    await bob.next("message", (message) => message.text === "after");
    assert.equal(bob.all("message").filter((message) => message.text === "before").length, 1);
    // The room on bob's server had her all along: it sees her neither leave nor come back. She is
    // listed once where she is now, as she is, and still there once her old server is taken for
    // gone.
    assert.deepEqual(back.all("room")[0]?.members, ["ann", "bob"]);
    await cluster.servers[1]!.process.waitForStdout(/A server left the cluster/);
    await cluster.servers[2]!.process.waitForStdout(/A server left the cluster/);
    for (const [client, port] of [[bob, p2], [back, p3]] as const) {
      await client.send({ type: "who", room: "#dev" });
      const who = await client.next("who");
      assert.deepEqual(who.members, ["ann", "bob"], `who on ${port}`);
      const her = who.people?.find((person) => person.name === "ann");
      assert.equal(her?.client, "json");
      assert.equal(typeof her?.active, "number");
      const news = [...client.all("left"), ...client.all("joined")];
      assert.ok(!news.some((frame) => frame.name === "ann"), `no left or joined on ${port}`);
    }
  },
);

testWithNats(
  "NATS restarted during traffic: people on one server talk on, nothing acknowledged is lost",
  async () => {
    await using cluster = await TestCluster.start(2);
    const [p1, p2] = cluster.ports as [number, number];
    await using ann = await TestClient.join2(p1, "ann");
    await using dan = await TestClient.join2(p1, "dan");
    await using bob = await TestClient.join2(p2, "bob");
    await ann.next("joined", (frame) => frame.name === "bob");
    const total = 150;
    for (let i = 0; i < total; i++) {
      await ann.send({ type: "say", text: `line ${i}`, cid: `c${i}` });
      if (i === 30) {
        await cluster.nats.kill();
        await ann.next("info", (frame) => /chat is split/.test(frame.text), 10_000);
      }
      if (i === 90) {
        // While split, the people of one server still hear each other at once.
        await dan.next("message", (message) => message.cid === "c90", 10_000);
        assert.ok(!bob.all("message").some((message) => message.cid === "c90"));
        await cluster.nats.restart();
        await ann.next("info", (frame) => /whole again/.test(frame.text), 20_000);
      }
    }
    const lines = Array.from({ length: total }, (_, i) => `line ${i}`);
    const texts = (client: TestClient) =>
      client.all("message").filter((message) => message.from === "ann").map((message) =>
        message.text
      );
    // Every line is acknowledged (its echo), and on the other server heard once, in the order sent.
    await waitUntil(() => texts(ann).length >= total, 60_000, "ann's echoes");
    assert.equal(ann.all("error").length, 0, JSON.stringify(ann.all("error")));
    assert.deepEqual(texts(ann), lines);
    await waitUntil(() => texts(bob).length >= total, 60_000, "every line at bob's");
    assert.deepEqual(texts(bob), lines);
    await waitUntil(() => texts(dan).length >= total, 20_000, "every line at dan's");
    assert.deepEqual(texts(dan), lines);
    assert.ok(bob.all("info").some((frame) => /chat is split/.test(frame.text)));
    // Both servers keep every line, under the same ids.
    const kept: string[][] = [];
    for (const port of [p1, p2]) {
      await using reader = await TestClient.join2(port, `reader${port}`);
      const replayed = reader.all("message").length;
      await reader.send({ type: "history", limit: total });
      await messages(reader, replayed + total, 20_000);
      const history = reader.all("message").slice(replayed);
      assert.deepEqual(history.map((message) => message.text), lines);
      kept.push(history.map((message) => `${message.id} ${message.text}`));
    }
    assert.deepEqual(kept[1], kept[0]);
  },
);

testWithNats(
  "a name let go while the chat is split is free on every server once it is whole",
  async () => {
    await using cluster = await TestCluster.start(2);
    const [p1, p2] = cluster.ports as [number, number];
    await using ann = await TestClient.join2(p1, "ann");
    await using bob = await TestClient.join2(p2, "bob");
    const cyd = await TestClient.join2(p1, "cyd");
    await cluster.nats.kill();
    await ann.next("info", (frame) => /chat is split/.test(frame.text), 15_000);
    // cyd leaves while NATS cannot be told: the name is still claimed there.
    await cyd[Symbol.asyncDispose]();
    await ann.next("left", (frame) => frame.name === "cyd");
    await cluster.nats.restart();
    // Each server finds NATS again in its own time; until then it refuses new names for now.
    await ann.next("info", (frame) => /whole again/.test(frame.text), 20_000);
    await bob.next("info", (frame) => /whole again/.test(frame.text), 20_000);
    await using again = await helloUntil(p2, "cyd", "welcome", ["name_taken"], 10_000);
    assert.equal(again.all("welcome")[0]?.name, "cyd");
  },
);

testWithNats("a server whose --retain the cluster's stream does not keep says so", async () => {
  await using nats = await NatsServer.start();
  // The first server makes the stream, as its --retain says: nothing to say.
  await using first = await serveInCluster(nats, ["--retain", "30d"]);
  assert.doesNotMatch(first.process.stdout, /--retain/);
  // The two that come after it find the stream made: they start side by side.
  const started = await Promise.allSettled([
    serveInCluster(nats, ["--retain", "30d"]),
    serveInCluster(nats, ["--retain", "100"]),
  ]);
  await using stack = new AsyncDisposableStack();
  for (const result of started) if (result.status === "fulfilled") stack.use(result.value);
  const [same, other] = [settledValue(started[0]), settledValue(started[1])];
  await other.process.waitForStdout(
    /--retain is not applied: the cluster's stream, made by the first server, keeps messages for 30 d; "nats stream edit CHAT" changes that for every server\n/,
  );
  assert.doesNotMatch(same.process.stdout, /--retain/);
});

testWithNats(
  "while the chat is split, a new name is refused at once, not after a timeout",
  async () => {
    await using cluster = await TestCluster.start(1);
    const [port] = cluster.ports as [number];
    await using ann = await TestClient.join2(port, "ann");
    await cluster.nats.kill();
    await ann.next("info", (frame) => /chat is split/.test(frame.text), 15_000);
    await using late = await TestClient.connect(port);
    await late.send({ type: "hello", version: 2, name: "cyd" });
    // Asking NATS would wait for its 5 s timeout.
    const refused = await late.next("error", () => true, 2_000);
    assert.equal(refused.code, "not_stored");
    assert.match(refused.message, /^Cannot take a name now: /);
    await ann.send({ type: "nick", name: "anna" });
    assert.equal((await ann.next("error", () => true, 2_000)).code, "not_stored");
    assert.doesNotMatch(cluster.servers[0]!.process.stdout, /Cannot claim a name/);
  },
);

/** Three servers whose op file names ann; ann, bob and cyd each on one of them, in #lobby. */
interface Operated {
  readonly cluster: TestCluster;
  readonly ports: [number, number, number];
  readonly ann: TestClient;
  readonly bob: TestClient;
  readonly cyd: TestClient;
}

/** Runs `test` on an {@linkcode Operated} cluster, stopped afterwards; ann is not an operator yet. */
async function withOperators(test: (parts: Operated) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/ops`, "ann s3cret\n");
    await using cluster = await TestCluster.start(3, ["--op-file", `${dir}/ops`]);
    const ports = cluster.ports as [number, number, number];
    await using ann = await TestClient.join2(ports[0], "ann");
    await using bob = await TestClient.join2(ports[1], "bob");
    await using cyd = await TestClient.join2(ports[2], "cyd");
    await ann.next("joined", (frame) => frame.name === "cyd");
    await test({ cluster, ports, ann, bob, cyd });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Makes ann an operator with her secret. */
async function oper(ann: TestClient): Promise<void> {
  await ann.send({ type: "oper", secret: "s3cret" });
  await ann.next("notice", (frame) => /ann is an operator/.test(frame.text));
}

testWithNats("topics and bans set on one server hold on every server", async () => {
  await withOperators(async ({ ports: [p1, p2, p3], ann, bob, cyd }) => {
    await oper(ann);
    await ann.send({ type: "topic", room: "#lobby", text: "Release on Friday" });
    const topic = await bob.next("topic");
    assert.deepEqual([topic.topic, topic.by], ["Release on Friday", "ann"]);
    await cyd.next("topic");
    // Someone arriving on a third server sees the topic.
    await using dan = await TestClient.join2(p3, "dan");
    assert.equal(dan.all("room")[0]?.topic, "Release on Friday");
    // A ban made on ann's server sends cyd away from hers, and keeps cyd out of every server.
    await ann.send({ type: "ban", target: "cyd", reason: "spam" });
    const bye = await cyd.next("bye");
    assert.match(bye.reason, /banned by ann.*spam/);
    // Only cyd's own server knows cyd's address: ann is told the ban holds the name alone.
    assert.equal(
      (await ann.next("info", (frame) => frame.text.startsWith("You banned"))).text,
      "You banned cyd: spam; cyd is on another server, which alone knows their address: " +
        "the ban holds the name only",
    );
    await ann.next("left", (frame) => frame.name === "cyd");
    for (const port of [p1, p2, p3]) {
      // Until the ban reaches a server, cyd's name may still be held there.
      await using _ = await helloUntil(port, "cyd", "banned", ["welcome", "name_taken"]);
    }
    await ann.send({ type: "unban", target: "cyd" });
    await ann.next("info", (frame) => /Lifted the ban/.test(frame.text));
    await using back = await joinOnceFree(p2, "cyd");
    assert.equal(back.all("welcome")[0]?.name, "cyd");
  });
});

testWithNats(
  "a topic, a lock and a ban made while the chat is split hold on every server once it is whole",
  async () => {
    await withOperators(async ({ cluster, ports: [, p2], ann, bob, cyd }) => {
      await oper(ann);
      await cluster.nats.kill();
      await ann.next("info", (frame) => /chat is split/.test(frame.text), 15_000);
      await ann.send({ type: "topic", room: "#lobby", text: "Made while split" });
      await ann.send({ type: "lock", room: "#ops" });
      await ann.send({ type: "ban", target: "cyd", reason: "split spam" });
      // Answered in order: all three are done here.
      await ann.send({ type: "ping", token: "done" });
      await ann.next("pong", (frame) => frame.token === "done");
      assert.deepEqual(ann.all("error"), []);
      await cluster.nats.restart();
      await ann.next("info", (frame) => /whole again/.test(frame.text), 30_000);
      // cyd, on the third server, is sent away once the ban reaches it.
      const bye = await cyd.next("bye", undefined, 20_000);
      assert.match(bye.reason, /banned by ann.*split spam/);
      // Someone arriving on another server sees the topic, and finds #ops locked.
      let arrivals = 0;
      await waitUntilAsync(async () => {
        await using dan = await TestClient.join2(p2, `dan${++arrivals}`);
        return dan.all("room")[0]?.topic === "Made while split";
      }, "the topic on the second server");
      await bob.send({ type: "join", room: "#ops" });
      const refused = await bob.next("error", (frame) => frame.code === "room_locked", 10_000);
      assert.match(refused.message, /locked/);
    });
  },
);

testWithNats("an operator kicks, mutes and renames people connected to other servers", async () => {
  await withOperators(async ({ ports: [, p2], ann, bob, cyd }) => {
    await bob.send({ type: "kick", name: "cyd" });
    assert.equal((await bob.next("error")).code, "not_operator");
    await oper(ann);
    await ann.send({ type: "kick", name: "cyd", reason: "too loud" });
    assert.match((await cyd.next("bye")).reason, /kicked by ann: too loud/);
    const left = await bob.next("left", (frame) => frame.name === "cyd");
    assert.match(left.reason ?? "", /kicked by ann/);
    await bob.send({ type: "away", reason: "visit evil.example" });
    await ann.next("away", (frame) => frame.reason === "visit evil.example");
    await ann.send({ type: "mute", name: "bob" });
    await bob.next("notice", (frame) => /ann muted bob/.test(frame.text));
    // The reason bob gave before is taken down on every server; which news comes first may vary.
    const muted = () => ann.all("notice").some((frame) => /ann muted bob/.test(frame.text));
    const restated = await ann.next("away");
    assert.deepEqual([restated.name, restated.reason], ["bob", undefined]);
    await waitUntil(muted, 5_000, "ann to be told bob is muted");
    await ann.send({ type: "who" });
    const who = await ann.next("who");
    const listed = who.people?.find((person) => person.name === "bob");
    assert.ok(listed?.away !== undefined && listed.away.reason === undefined);
    await bob.send({ type: "say", text: "can you hear me?" });
    assert.equal((await bob.next("error")).code, "muted");
    // Everyone here shares ann's address: on bob's server, as on hers, bob alone is muted.
    await using dee = await TestClient.join2(p2, "dee");
    await dee.send({ type: "say", text: "not muted" });
    await ann.next("message", (frame) => frame.from === "dee" && frame.text === "not muted");
    await ann.send({ type: "unmute", name: "bob" });
    await bob.next("notice", (frame) => /ann unmuted bob/.test(frame.text));
    await ann.send({ type: "rename", name: "bob", to: "robert" });
    const renamed = await ann.next("renamed");
    assert.deepEqual([renamed.from, renamed.to], ["bob", "robert"]);
    // One line saying who did it, on both servers: the notice comes before the renamed.
    await bob.next("renamed", (frame) => frame.to === "robert");
    for (const client of [ann, bob]) {
      const notices = client.all("notice").map((frame) => frame.text);
      assert.ok(notices.includes("ann renamed bob to robert"), notices.join("\n"));
    }
    await bob.send({ type: "say", text: "I am robert now" });
    assert.equal((await ann.next("message")).from, "robert");
  });
});

testWithNats("an operator on another server is not banned by name until deopped", async () => {
  await withOperators(async ({ ann, bob, cyd }) => {
    await oper(ann);
    await ann.send({ type: "op", name: "bob" });
    await bob.next("notice", (frame) => frame.text === "ann made bob an operator");
    /** Whether ann's server lists bob as an operator, as `op` says. */
    const listed = async (op: boolean) => {
      await ann.send({ type: "who" });
      const bobIs = (await ann.next("who")).people?.find((person) => person.name === "bob");
      return (bobIs?.op === true) === op;
    };
    await waitUntilAsync(() => listed(true), "ann's server to know bob is an operator");
    await ann.send({ type: "ban", target: "bob", duration: 600 });
    assert.deepEqual(await ann.next("error"), {
      type: "error",
      code: "bad_command",
      message: "Cannot ban bob: operators cannot be banned; /deop them first",
    });
    await ann.send({ type: "bans" });
    assert.equal((await ann.next("info")).text, "No bans");
    await ann.send({ type: "deop", name: "bob" });
    await cyd.next("notice", (frame) => frame.text === "ann made bob a person like the others");
    await waitUntilAsync(() => listed(false), "ann's server to know bob is one no more");
    await ann.send({ type: "ban", target: "bob", duration: 600 });
    assert.match((await bob.next("bye")).reason, /^You were banned by ann for 10 min$/);
  });
});

/** Asks `check` again and again, each answer awaited, until it says yes or 5 s are over. */
async function waitUntilAsync(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
  }
}

testWithNats("an IRC client on one server talks with people on another", async () => {
  await using cluster = await TestCluster.start(1);
  const [p1] = cluster.ports as [number];
  await using irc = new ChatProcess(
    ircServeArgs(["--no-announce", "--cluster", cluster.nats.url]),
    {
      stdin: "null",
    },
  );
  const ircPort = await irc.ircPort();
  await irc.waitForStdout(/Another server joined the cluster/);
  await using ann = await TestClient.join2(p1, "ann");
  await using carol = await IrcClient.register(ircPort, "carol");
  await carol.send("JOIN #lobby");
  // NAMES lists ann, on the other server.
  const names = await carol.next(/ 353 /);
  assert.match(names, /\bann\b/);
  await ann.next("joined", (frame) => frame.name === "carol");
  await ann.send({ type: "say", text: "hello irc" });
  assert.match(await carol.next(/PRIVMSG #lobby/), /^:ann!\S+ PRIVMSG #lobby :hello irc$/);
  await carol.send("PRIVMSG #lobby :hello json");
  assert.equal(
    (await ann.next("message", (message) => message.from === "carol")).text,
    "hello json",
  );
  await carol.send("PRIVMSG ann :just you");
  assert.equal((await ann.next("private")).text, "just you");
  await carol.send("WHOIS ann");
  assert.match(await carol.next(/ 311 /), / 311 carol ann /);
  assert.match(await carol.next(/ 319 /), /#lobby/);
});

testWithNats(
  "IRC LUSERS: the maximum of 266 counts people who came and went on another server",
  async () => {
    await using cluster = await TestCluster.start(1);
    const [p1] = cluster.ports as [number];
    await using irc = new ChatProcess(
      ircServeArgs(["--no-announce", "--cluster", cluster.nats.url]),
      { stdin: "null" },
    );
    const ircPort = await irc.ircPort();
    await irc.waitForStdout(/Another server joined the cluster/);
    await using carol = await IrcClient.register(ircPort, "carol");
    await carol.send("JOIN #lobby");
    await carol.next(/ 366 carol #lobby /);
    {
      // Two arrive elsewhere and leave again, with nobody asking for the counts meanwhile.
      await using _ann = await TestClient.join2(p1, "ann");
      await carol.next(/^:ann!\S+ JOIN #lobby$/);
      await using _bob = await TestClient.join2(p1, "bob");
      await carol.next(/^:bob!\S+ JOIN #lobby$/);
    }
    await carol.next(/^:(ann|bob)!\S+ QUIT /);
    await carol.next(/^:(ann|bob)!\S+ QUIT /);
    await carol.send("LUSERS");
    const counts = (await carol.until(/ 266 /)).filter((line) => / 26[56] /.test(line));
    assert.deepEqual(counts.map((line) => line.replace(/^:\S+ /, "")), [
      "265 carol 1 1 :Current local users 1, max 1",
      "266 carol 1 3 :Current global users 1, max 3",
    ]);
  },
);

testWithNats("typing, away and back reach people on other servers", async () => {
  await using cluster = await TestCluster.start(2);
  const [p1, p2] = cluster.ports as [number, number];
  await using ann = await TestClient.join2(p1, "ann", [{ room: "#dev" }, { room: "#ops" }]);
  await using bob = await TestClient.join2(p2, "bob", [{ room: "#dev" }, { room: "#ops" }]);
  await ann.next("joined", (frame) => frame.name === "bob" && frame.room === "#ops");
  await bob.send({ type: "typing", room: "#dev" });
  const typing = await ann.next("typing");
  assert.deepEqual([typing.name, typing.room], ["bob", "#dev"]);
  await bob.send({ type: "away", reason: "lunch" });
  const away = await ann.next("away");
  assert.deepEqual([away.name, away.reason], ["bob", "lunch"]);
  await ann.send({ type: "who", room: "#dev" });
  const who = await ann.next("who");
  assert.equal(who.people?.find((person) => person.name === "bob")?.away?.reason, "lunch");
  await bob.send({ type: "back" });
  assert.equal((await ann.next("back")).name, "bob");
  // Two rooms shared, one notice each.
  await ann.sync();
  assert.equal(ann.all("away").length, 1);
  assert.equal(ann.all("back").length, 1);
});

testWithNats("a file shared on one server is downloaded from another", async () => {
  await using cluster = await WebCluster.start(2);
  const [s1, s2] = cluster.servers as [WebClusterMember, WebClusterMember];
  await using ann = await TestClient.join2(s1.port, "ann");
  await using bob = await TestClient.join2(s2.port, "bob");
  const body = new Uint8Array(300_000).map((_, i) => (i * 7919) % 251);
  const files = ann.all("welcome")[0]!.files!;
  const response = await fetch(`http://127.0.0.1:${files.port}/files`, {
    method: "POST",
    body,
    headers: { authorization: `Bearer ${files.token}`, "x-file-name": "notes.bin" },
  });
  const stored = await response.json() as { id: string; url: string };
  assert.equal(response.status, 201, JSON.stringify(stored));
  await ann.send({ type: "file", id: stored.id });
  const shared = await bob.next("message", (message) => message.file !== undefined);
  assert.equal(shared.file?.id, stored.id);
  // bob's own server has it too, though it never took it.
  const bobFiles = bob.all("welcome")[0]!.files!;
  assert.equal(bobFiles.port, s2.webPort);
  const download = await fetch(`http://127.0.0.1:${s2.webPort}${shared.file!.url}`);
  assert.equal(download.status, 200);
  assert.deepEqual(new Uint8Array(await download.arrayBuffer()), body);
  // A file no server has is still not found.
  const missing = await fetch(`http://127.0.0.1:${s2.webPort}/files/${"0".repeat(64)}/x`);
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
});

testWithNats(
  "a download the server cannot keep from another server fails as a download",
  async () => {
    await using cluster = await WebCluster.start(1);
    const dataDir = await Deno.makeTempDir();
    try {
      const s2 = await serveWebInCluster(cluster.nats, ["--data-dir", dataDir]);
      cluster.servers.push(s2);
      await waitForEachOther(cluster.servers);
      await using ann = await TestClient.join2(cluster.servers[0]!.port, "ann");
      const files = ann.all("welcome")[0]!.files!;
      const response = await fetch(`http://127.0.0.1:${files.port}/files`, {
        method: "POST",
        body: "notes",
        headers: { authorization: `Bearer ${files.token}`, "x-file-name": "notes.txt" },
      });
      const stored = await response.json() as { id: string };
      assert.equal(response.status, 201, JSON.stringify(stored));
      // The second server's file store goes from under it: the copy it fetches has nowhere to go.
      await Deno.remove(`${dataDir}/files`, { recursive: true });
      const download = await fetch(`http://127.0.0.1:${s2.webPort}/files/${stored.id}/notes.txt`);
      assert.equal(download.status, 500);
      assert.deepEqual(await download.json(), {
        error: "failed",
        message: "Cannot send the file: the server could not read it",
      });
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
);

testWithNats(
  "people already connected learn of a server that joins the cluster, and of its leaving",
  async () => {
    await using cluster = await TestCluster.start(1);
    await using ann = await TestClient.join2(cluster.ports[0]!, "ann");
    assert.equal(ann.all("welcome")[0]?.servers, undefined, "alone in the cluster at first");
    // A second server starts after ann arrived: where she could go should hers go away.
    const later = await serveInCluster(cluster.nats);
    cluster.servers.push(later);
    const told = await ann.next(
      "servers",
      (frame) => frame.servers.some((address) => address.endsWith(`:${later.port}`)),
      10_000,
    );
    assert.deepEqual(told.webServers, [], "it has no web client");
    const outcome = await later.process.stop("SIGTERM", 10_000);
    assert.equal(outcome.code, 0, outcome.stderr);
    await ann.next("servers", (frame) => frame.servers.length === 0, 10_000);
  },
);

testWithNats("a server stopped with SIGTERM leaves at once and lets its names go", async () => {
  await using cluster = await TestCluster.start(2);
  const [p1, p2] = cluster.ports as [number, number];
  await using ann = await TestClient.join2(p1, "ann");
  await using bob = await TestClient.join2(p2, "bob");
  await ann.next("joined", (frame) => frame.name === "bob");
  const outcome = await cluster.servers[0]!.process.stop("SIGTERM", 10_000);
  assert.equal(outcome.code, 0, outcome.stderr);
  assert.equal((await ann.next("bye")).retry, true);
  // The other server hears it go at once, not after the heartbeat's silence.
  await bob.next("left", (frame) => frame.name === "ann", 3_000);
  await using again = await TestClient.join2(p2, "ann");
  assert.equal(again.all("welcome")[0]?.name, "ann");
});

testWithNats(
  "names held by a server that died alone are free once a new one has looked around",
  async () => {
    await using cluster = await TestCluster.start(1);
    {
      await using ann = await TestClient.join2(cluster.ports[0]!, "ann");
      cluster.servers[0]!.process.kill("SIGKILL");
      await ann.closed();
    }
    const next = await serveInCluster(cluster.nats);
    try {
      // Nobody is left to say that the first server is gone: the new one finds its claim stale.
      await using again = await helloUntil(next.port, "ann", "welcome", ["name_taken"], 15_000);
      assert.equal(again.all("welcome")[0]?.name, "ann");
    } finally {
      await next.process[Symbol.asyncDispose]();
    }
  },
);

/** `chat serve` on loopback with nothing but its chat port, up to `--cluster`: the URL comes next. */
const CLUSTERED_ALONE = [
  "serve",
  "--host",
  "127.0.0.1",
  "--port",
  "0",
  "--no-web",
  "--no-irc",
  "--no-announce",
  "--cluster",
];

testWithNats("a tls:// URL is never reached without TLS, even when NATS offers none", async () => {
  await using nats = await NatsServer.start();
  const plain = await runChat([...CLUSTERED_ALONE, `tls://localhost:${nats.port}`]);
  assert.equal(plain.code, 1, plain.stdout);
  assert.match(
    assertOneErrorLine(plain, "tls:// to a NATS without TLS"),
    /^chat: cannot join the cluster at tls:\/\/localhost:\d+: .*tls/i,
  );
});

testWithNats("NATS refusing the user, or without JetStream, is said with what to do", async () => {
  await using guarded = await NatsServer.start(["--user", "chat", "--pass", "right"]);
  const refused = await runChat([
    ...CLUSTERED_ALONE,
    `nats://chat:wrong@127.0.0.1:${guarded.port}`,
  ]);
  assert.equal(refused.code, 1, refused.stdout);
  assert.match(
    assertOneErrorLine(refused, "a wrong password"),
    /^chat: cannot join the cluster at nats:\/\/127\.0\.0\.1:\d+: Authorization Violation: NATS refused the user, password or token given \(in the URL, as nats:\/\/USER:PASSWORD@HOST:4222\) or the --cluster-creds file$/,
  );
  // A nats-server started without -js.
  const port = freePort();
  const bare = new Deno.Command("nats-server", {
    args: ["-a", "127.0.0.1", "-p", String(port)],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  try {
    const reader = bare.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let log = "";
    while (!log.includes("Server is ready")) {
      const { value, done } = await within(reader.read(), 10_000, "nats-server to be ready");
      if (done) assert.fail(`nats-server ended:\n${log}`);
      log += value;
    }
    reader.releaseLock();
    const without = await runChat([...CLUSTERED_ALONE, `127.0.0.1:${port}`]);
    assert.equal(without.code, 1, without.stdout);
    assert.equal(
      assertOneErrorLine(without, "NATS without JetStream"),
      `chat: cannot join the cluster at nats://127.0.0.1:${port}: jetstream is not enabled: ` +
        "start nats-server with -js (and -sd DIR, where it keeps the chat)",
    );
  } finally {
    bare.kill("SIGKILL");
    await bare.stderr.cancel().catch(() => {});
    await bare.status;
  }
});

testWithNats("a --cluster-creds or --cluster-ca that cannot be used is named", async () => {
  await using nats = await NatsServer.start();
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/key.pem`, "-----BEGIN PRIVATE KEY-----\nAAAA\n");
    await Deno.writeTextFile(`${dir}/notes.txt`, "not credentials\n");
    const cases: [string[], RegExp][] = [
      [
        ["--cluster-creds", `${dir}/missing.creds`],
        /cannot read credentials file ".*missing\.creds": no such file$/,
      ],
      [
        ["--cluster-creds", `${dir}/notes.txt`],
        /credentials file ".*notes\.txt" holds no NATS user seed/,
      ],
      [
        ["--cluster-ca", `${dir}/missing.pem`],
        /cannot read CA certificate ".*missing\.pem": no such file$/,
      ],
      [
        ["--cluster-ca", `${dir}/key.pem`],
        /CA certificate ".*key\.pem" holds no certificate: it is a private key$/,
      ],
    ];
    for (const [flags, expected] of cases) {
      const outcome = await runChat([...CLUSTERED_ALONE, nats.url, ...flags]);
      assert.equal(outcome.code, 1, flags.join(" "));
      assert.match(assertOneErrorLine(outcome, flags.join(" ")), expected);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

testWithNats(
  "a server reaches a NATS that asks for a password or a credentials file, or speaks TLS with a certificate of its own",
  async () => {
    const dir = await Deno.makeTempDir();
    try {
      // A password, given in the URL, and never printed.
      {
        await using nats = await NatsServer.start(["--user", "chat", "--pass", "s3cret"]);
        await using chat = await serveInCluster(
          nats,
          [],
          `nats://chat:s3cret@127.0.0.1:${nats.port}`,
        );
        await using ann = await TestClient.join2(chat.port, "ann");
        await ann.say("through a password");
        await ann.next("message");
        assert.ok(
          !chat.process.stdout.includes("s3cret") && !chat.process.stderr.includes("s3cret"),
        );
        const wrong = await runChat(
          ["serve", "--host", "127.0.0.1", "--port", "0", "--no-web", "--no-irc", "--cluster"]
            .concat(
              `nats://chat:wrong@127.0.0.1:${nats.port}`,
            ),
        );
        const line = assertOneErrorLine(wrong, "wrong password");
        assert.equal(wrong.code, 1);
        assert.match(line, /Authorization Violation/);
        assert.ok(!line.includes("wrong@"), line);
      }
      // A credentials file: its user key's seed signs the server's challenge. A server
      // without an operator checks the signature against its list of user keys and does not
      // read the file's JWT part, which is left a placeholder here.
      {
        const user = createUser();
        const seed = new TextDecoder().decode(user.getSeed());
        await Deno.writeTextFile(
          `${dir}/chat.creds`,
          "-----BEGIN NATS USER JWT-----\neyJ0eXAiOiJKV1QifQ.e30.x\n------END NATS USER JWT------\n\n" +
            `-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n`,
        );
        await Deno.writeTextFile(
          `${dir}/nats.conf`,
          `authorization { users: [ { nkey: "${user.getPublicKey()}" } ] }\n`,
        );
        await using nats = await NatsServer.start(["-c", `${dir}/nats.conf`]);
        await using chat = await serveInCluster(nats, ["--cluster-creds", `${dir}/chat.creds`]);
        await using ann = await TestClient.join2(chat.port, "ann");
        await ann.say("through a credentials file");
        await ann.next("message");
        // Another user's key is refused.
        const other = new TextDecoder().decode(createUser().getSeed());
        await Deno.writeTextFile(
          `${dir}/other.creds`,
          (await Deno.readTextFile(`${dir}/chat.creds`)).replace(seed, other),
        );
        const refused = await runChat(
          ["serve", "--host", "127.0.0.1", "--port", "0", "--no-web", "--no-irc"].concat(
            ["--cluster", nats.url, "--cluster-creds", `${dir}/other.creds`],
          ),
        );
        assert.equal(refused.code, 1);
        assert.match(assertOneErrorLine(refused, "other key"), /Authorization Violation/);
      }
      // TLS with a certificate signed by a CA of one's own, for the name localhost.
      await selfSigned(dir, "ca", ["basicConstraints=critical,CA:TRUE"]);
      const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
      await openssl(dir, [
        "req",
        ...key,
        "-subj",
        "/CN=nats",
        "-keyout",
        "nats.key",
        "-out",
        "nats.csr",
      ]);
      await Deno.writeTextFile(
        `${dir}/ext`,
        "subjectAltName=DNS:localhost\nbasicConstraints=critical,CA:FALSE\n",
      );
      const signed = ["-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2"];
      await openssl(dir, [
        "x509",
        "-req",
        "-in",
        "nats.csr",
        ...signed,
        "-extfile",
        "ext",
        "-out",
        "nats.pem",
      ]);
      await using nats = await NatsServer.start([
        "--tls",
        "--tlscert",
        `${dir}/nats.pem`,
        "--tlskey",
        `${dir}/nats.key`,
      ]);
      await using chat = await serveInCluster(
        nats,
        ["--cluster-ca", `${dir}/ca.pem`],
        `tls://localhost:${nats.port}`,
      );
      await using ann = await TestClient.join2(chat.port, "ann");
      await ann.say("through TLS");
      await ann.next("message");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

/**
 * Two servers of one cluster, the first reaching NATS through a proxy that
 * holds each chunk `lagMs` each way: what it posts comes back from the stream
 * late, so that what its clients send after it would overtake it. The proxy
 * may be frozen, too.
 */
async function laggingCluster(
  lagMs: number,
): Promise<
  {
    ports: [number, number];
    processes: [ChatProcess, ChatProcess];
    proxy: FreezingProxy;
    nats: NatsServer;
  } & AsyncDisposable
> {
  const nats = await NatsServer.start();
  const proxy = new FreezingProxy(nats.port);
  const servers: ClusterMember[] = [];
  const dispose = async () => {
    await Promise.all(servers.map((server) => server[Symbol.asyncDispose]()));
    await proxy[Symbol.asyncDispose]();
    await nats[Symbol.asyncDispose]();
  };
  try {
    servers.push(await serveInCluster(nats, [], `nats://127.0.0.1:${proxy.port}`));
    servers.push(await serveInCluster(nats));
    await waitForEachOther(servers);
    proxy.lag(lagMs);
  } catch (error) {
    await dispose();
    throw error;
  }
  return {
    ports: [servers[0]!.port, servers[1]!.port],
    processes: [servers[0]!.process, servers[1]!.process],
    proxy,
    nats,
    [Symbol.asyncDispose]: dispose,
  };
}

testWithNats(
  "a line said just before quit reaches everyone before the sender leaves, on every server",
  async () => {
    await using cluster = await laggingCluster(20);
    const [p1, p2] = cluster.ports;
    await using here = await TestClient.join2(p1, "here");
    await using there = await TestClient.join2(p2, "there");
    await here.next("joined", (frame) => frame.name === "there");
    for (let i = 0; i < 20; i++) {
      const name = `ci${i}`;
      const ci = await TestClient.connect(p1);
      try {
        await ci.send({ type: "hello", version: 2, name });
        await ci.next("welcome");
        // As `echo "build done" | chat join` does: the line, `quit`, and the connection closed.
        await ci.write(
          `${JSON.stringify({ type: "say", text: "build done" })}\n${
            JSON.stringify({ type: "quit" })
          }\n`,
        );
      } finally {
        ci.conn.close();
      }
      for (
        const [client, where] of [[here, "the same server"], [there, "another server"]] as const
      ) {
        await client.next("left", (frame) => frame.name === name);
        assert.deepEqual(
          storyOf(client.frames, name),
          ["joined", "message build done", "left quit"],
          where,
        );
      }
    }
  },
);

testWithNats("the pong of a ping sent after a line comes after the sender's own line", async () => {
  await using cluster = await laggingCluster(20);
  const [p1] = cluster.ports;
  await using ann = await TestClient.join2(p1, "ann");
  for (let i = 0; i < 20; i++) {
    await ann.write(
      `${JSON.stringify({ type: "say", text: `line ${i}` })}\n${
        JSON.stringify({ type: "ping", token: `t${i}` })
      }\n`,
    );
    await ann.next("pong", (frame) => frame.token === `t${i}`);
    assert.ok(
      ann.all("message").some((message) => message.text === `line ${i}`),
      `line ${i} before its pong`,
    );
  }
});

testWithNats(
  "a line, a rename and a part are seen in the order sent, on every server",
  async () => {
    await using cluster = await laggingCluster(20);
    const [p1, p2] = cluster.ports;
    await using here = await TestClient.join2(p1, "here");
    await using there = await TestClient.join2(p2, "there");
    await here.next("joined", (frame) => frame.name === "there");
    for (let i = 0; i < 10; i++) {
      const name = `dee${i}`;
      await using dee = await TestClient.join2(p1, name, [{ room: "#lobby" }, { room: "#dev" }]);
      await dee.write(
        [
          { type: "say", room: "#lobby", text: "bye all" },
          { type: "nick", name: `${name}x` },
          { type: "part", room: "#lobby" },
        ].map((frame) => `${JSON.stringify(frame)}\n`).join(""),
      );
      await dee.next("parted");
      assert.deepEqual(
        dee.frames.filter((frame) =>
          frame.type === "message"
            ? frame.from === name
            : frame.type === "renamed"
            ? frame.room === "#lobby"
            : frame.type === "parted"
        ).map((frame) => frame.type),
        ["message", "renamed", "parted"],
        "the sender",
      );
      for (
        const [client, where] of [[here, "the same server"], [there, "another server"]] as const
      ) {
        await client.next("left", (frame) => frame.name === `${name}x`);
        assert.deepEqual(
          storyOf(client.frames, name),
          ["joined", "message bye all", `renamed ${name}x`],
          where,
        );
        assert.equal(client.all("left").at(-1)?.reason, "parted", where);
      }
    }
  },
);

testWithNats(
  "NATS that does not answer holds what follows a line a few seconds at most, a split not at all",
  async () => {
    await using cluster = await laggingCluster(0);
    const [p1] = cluster.ports;
    await using ann = await TestClient.join2(p1, "ann");
    const sayAndPing = (text: string, token: string) =>
      ann.write(
        `${JSON.stringify({ type: "say", text })}\n${JSON.stringify({ type: "ping", token })}\n`,
      );
    // Long before the link is taken for broken, the pong comes anyway.
    cluster.proxy.freeze();
    await sayAndPing("into the void", "frozen");
    await ann.next("pong", (frame) => frame.token === "frozen", 8_000);
    cluster.proxy.thaw();
    await ann.next("message", (message) => message.text === "into the void");
    // Split, a line is shown at once, and nothing waits for it.
    await cluster.nats.kill();
    await ann.next("info", (frame) => /chat is split/.test(frame.text), 10_000);
    await sayAndPing("on our own", "split");
    await ann.next("pong", (frame) => frame.token === "split", 1_000);
    assert.ok(ann.all("message").some((message) => message.text === "on our own"));
  },
);
