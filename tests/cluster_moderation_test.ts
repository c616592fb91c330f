/**
 * What operators are and do holds across the servers of a cluster: an
 * operator whose server goes away is one again on another server, in the
 * locked rooms they were in, when their client comes back there with its
 * resume token; and a mute holds its person on every server, by token, name
 * and address, until it ends or is lifted on any of them. Through real
 * `chat serve` processes linked by a real `nats-server`; people told apart by
 * their loopback address (127.0.0.2 …).
 */

import assert from "node:assert/strict";
import { type ClientFrame, MAX_ANNOUNCED_ROOM_SIZE } from "../protocol.ts";
import { arrive } from "./_from_address.ts";
import { framesSince, settledValue, settleEach, TestClient, waitUntil } from "./_test_utils.ts";
import { type ClusterMember, TestCluster, testWithNats } from "./_nats.ts";

/** The resume token of `client`'s welcome. */
function tokenOf(client: TestClient): string {
  return client.all("welcome")[0]!.resume!;
}

/** Whether `client` is an operator: only one may set a topic, anyone else gets `not_operator`. */
async function isOperator(client: TestClient): Promise<boolean> {
  const mark = client.frames.length;
  await client.say("/topic #lobby Still here");
  const answers = (await framesSince(client, mark)).filter((frame) =>
    frame.type === "topic" || frame.type === "error"
  );
  assert.equal(answers.length, 1, JSON.stringify(answers));
  const [answer] = answers;
  if (answer?.type === "error") assert.equal(answer.code, "not_operator");
  return answer?.type === "topic";
}

/** Proves `client`'s name with `secret`, its secret in the op file. */
async function oper(client: TestClient, name: string, secret: string): Promise<void> {
  await client.send({ type: "oper", secret });
  await client.next("notice", (frame) => frame.text.startsWith(`${name} is an operator`));
}

/**
 * Whether `client` may post now: its `say` comes back as a message, or is
 * refused `muted`. In a cluster the pong of a ping sent after a line comes
 * after the line's own message.
 */
async function maySay(client: TestClient, text: string): Promise<boolean> {
  const mark = client.frames.length;
  await client.say(text);
  const answers = (await framesSince(client, mark)).filter((frame) =>
    (frame.type === "message" && frame.text === text) || frame.type === "error"
  );
  assert.equal(answers.length, 1, JSON.stringify(answers));
  const [answer] = answers;
  if (answer?.type === "error") assert.equal(answer.code, "muted", JSON.stringify(answer));
  return answer?.type === "message";
}

/** Asks `check` again and again, each answer awaited, until it says yes or `ms` are over. */
async function eventually(
  check: () => Promise<boolean>,
  what: string,
  ms = 5_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
  }
}

/**
 * Says hello as `name` from `address` until the name is free: one let go on
 * one server is free on the others a moment later.
 */
async function arriveOnceFree(
  port: number,
  name: string,
  address: string,
  extra: Partial<ClientFrame> = {},
): Promise<TestClient> {
  const deadline = Date.now() + 5_000;
  while (true) {
    const client = await arrive(port, name, address, extra);
    if (client.all("welcome").length === 1) return client;
    assert.deepEqual(client.all("error").map((frame) => frame.code), ["name_taken"]);
    await client[Symbol.asyncDispose]();
    if (Date.now() > deadline) assert.fail(`${name} was still taken after 5 s`);
  }
}

/** Runs `use` with the path of an op file that gives each of `names` the secret `s3cret-NAME`. */
async function withOpFile(names: string[], use: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/ops`,
      names.map((name) => `${name} s3cret-${name}\n`).join(""),
    );
    await use(`${dir}/ops`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A cluster of three servers whose op file gives each of `names` the secret `s3cret-NAME`. */
async function withOps(
  names: string[],
  extra: string[],
  test: (cluster: TestCluster, ports: [number, number, number]) => Promise<void>,
): Promise<void> {
  await withOpFile(names, async (ops) => {
    await using cluster = await TestCluster.start(3, ["--op-file", ops, ...extra]);
    await test(cluster, cluster.ports as [number, number, number]);
  });
}

/** What a client's `hello` adds coming back: its token, and the rooms it was in. */
function comingBack(resume: string, rooms: string[]): Partial<ClientFrame> {
  return { resume, rooms: rooms.map((room) => ({ room })) } as Partial<ClientFrame>;
}

testWithNats(
  "an operator whose server dies is an operator again on another, in the locked rooms they were in",
  async () => {
    await withOps(["ann", "dan", "fay"], [], async (cluster, [p1, p2, p3]) => {
      const ann = await arrive(p1, "ann", "127.0.0.1");
      const dan = await arrive(p1, "dan", "127.0.0.2");
      const fay = await arrive(p1, "fay", "127.0.0.3");
      await using bob = await arrive(p2, "bob", "127.0.0.4");
      await using cyd = await arrive(p3, "cyd", "127.0.0.5");
      await oper(ann, "ann", "s3cret-ann");
      await oper(dan, "dan", "s3cret-dan");
      await oper(fay, "fay", "s3cret-fay");
      await ann.say("/lock #ops");
      await ann.next("notice", (frame) => /ann locked #ops/.test(frame.text));
      for (const client of [ann, dan, fay]) {
        await client.send({ type: "join", room: "#ops" });
        await client.next("room", (frame) => frame.room === "#ops");
      }
      // Each server tells its changes in order: once the others see fay go away, they know
      // all three are operators, and in #ops.
      await fay.send({ type: "away", reason: "marker" });
      await bob.next("away", (frame) => frame.name === "fay" && frame.reason === "marker");
      await cyd.next("away", (frame) => frame.name === "fay" && frame.reason === "marker");
      const tokens = { ann: tokenOf(ann), dan: tokenOf(dan), fay: tokenOf(fay) };

      cluster.servers[0]!.process.kill("SIGKILL");
      await Promise.all([ann.closed(), dan.closed(), fay.closed()]);
      for (const client of [ann, dan, fay]) await client[Symbol.asyncDispose]();

      // At once, before the others take the dead server for gone: ann comes back on the third.
      await using annBack = await arrive(
        p3,
        "ann",
        "127.0.0.1",
        comingBack(tokens.ann, ["#lobby", "#ops"]),
      );
      assert.deepEqual(annBack.all("error"), []);
      assert.deepEqual(annBack.all("room").map((frame) => frame.room), ["#lobby", "#ops"]);
      assert.equal(await isOperator(annBack), true);
      await cluster.servers[2]!.process.waitForStdout(
        /ann joined from 127\.0\.0\.1:\d+, an operator again after a drop\n/,
      );
      // In her rooms all along for the others, an operator still.
      await bob.send({ type: "who" });
      const who = await bob.next("who");
      assert.equal(who.people?.find((person) => person.name === "ann")?.op, true);
      assert.ok(!bob.all("joined").some((frame) => frame.name === "ann"));

      // Once both others took it for gone (its people's names are free again), within a
      // heartbeat: dan comes back on the second; fay, deopped meanwhile on the third, is an
      // operator no more.
      for (const server of cluster.servers.slice(1)) {
        await server.process.waitForStdout(/A server left the cluster/);
      }
      await annBack.say("/deop fay");
      await annBack.next(
        "info",
        (frame) => frame.text === "fay is not here; they will not be an operator if they come back",
      );
      await using danBack = await arrive(
        p2,
        "dan",
        "127.0.0.2",
        comingBack(tokens.dan, ["#lobby", "#ops"]),
      );
      assert.deepEqual(danBack.all("error"), []);
      assert.deepEqual(danBack.all("room").map((frame) => frame.room), ["#lobby", "#ops"]);
      assert.equal(await isOperator(danBack), true);
      await using fayBack = await arrive(
        p2,
        "fay",
        "127.0.0.3",
        comingBack(tokens.fay, ["#lobby", "#ops"]),
      );
      // As on one server, a deop does not put someone out of a locked room they were in.
      assert.deepEqual(fayBack.all("error"), []);
      assert.deepEqual(fayBack.all("room").map((frame) => frame.room), ["#lobby", "#ops"]);
      assert.equal(await isOperator(fayBack), false);

      // A token works once: back again with the one it came back with, on any server, is a newcomer.
      await danBack[Symbol.asyncDispose]();
      await using danAgain = await arriveOnceFree(
        p3,
        "dan",
        "127.0.0.2",
        comingBack(tokens.dan, ["#lobby"]),
      );
      assert.equal(await isOperator(danAgain), false);
    });
  },
);

testWithNats(
  "a mute holds on every server: by token, name and address, until it is lifted on any of them",
  async () => {
    await withOps(["ann"], [], async (_, [p1, p2, p3]) => {
      await using ann = await arrive(p1, "ann", "127.0.0.1");
      const mu1 = await arrive(p2, "mu1", "127.0.0.2");
      await using cyd = await arrive(p3, "cyd", "127.0.0.3");
      const joined = () => ann.all("joined").map((frame) => frame.name).sort().join();
      await waitUntil(() => joined() === "cyd,mu1", 5_000, "ann's server to know mu1 and cyd");
      await oper(ann, "ann", "s3cret-ann");
      // mu1's own server carries the mute out; the others learn of it from the cluster.
      await ann.send({ type: "mute", name: "mu1", duration: 600 });
      await mu1.next("notice", (frame) => frame.text === "ann muted mu1 for 10 min");
      assert.equal(await maySay(mu1, "muted on its own server"), false);

      // Back with its token on the third server: the same session, still muted.
      await using moved = await arrive(p3, "mu1", "127.0.0.2", {
        resume: tokenOf(mu1),
      } as Partial<ClientFrame>);
      assert.equal((await mu1.next("bye")).reason, "You connected again from elsewhere");
      await mu1[Symbol.asyncDispose]();
      assert.equal(moved.all("welcome").length, 1);
      assert.equal(await maySay(moved, "moved by token"), false);
      assert.match(
        moved.all("error").at(-1)!.message,
        /^Cannot send: ann muted you, for (10 min|9 min \d+ s) more$/,
      );

      // Another name from the same address, on the first server; someone else there talks.
      await using mu2 = await arrive(p1, "mu2", "127.0.0.2");
      assert.equal(await maySay(mu2, "another name"), false);
      await using eve = await arrive(p1, "eve", "127.0.0.4");
      assert.equal(await maySay(eve, "not muted"), true);

      // A fresh hello under the same name from elsewhere, on the first server, once it is free.
      await moved.say("/quit");
      await moved.closed();
      await using fresh = await arriveOnceFree(p1, "mu1", "127.0.0.5");
      assert.equal(await maySay(fresh, "same name"), false);

      // Lifted by an operator on the third server, where nobody muted is: lifted everywhere.
      await ann.send({ type: "op", name: "cyd" });
      await cyd.next("notice", (frame) => frame.text === "ann made cyd an operator");
      await cyd.send({ type: "unmute", name: "mu1" });
      await fresh.next("notice", (frame) => frame.text === "cyd unmuted mu1");
      assert.equal(await maySay(fresh, "unmuted by name"), true);
      assert.equal(await maySay(mu2, "unmuted by address"), true);
      await using mu3 = await arrive(p2, "mu3", "127.0.0.2");
      await eventually(() => maySay(mu3, "unmuted on the second server"), "the unmute on p2");
    });
  },
);

/** The names the bans in force keep out, as `client`, an operator, is told by `/bans`. */
async function bannedNames(client: TestClient): Promise<string[]> {
  const mark = client.frames.length;
  await client.send({ type: "bans" });
  return (await framesSince(client, mark)).flatMap((frame) =>
    frame.type === "info" && frame.text.startsWith("  ") ? [frame.text.trim().split(",")[0]!] : []
  ).sort();
}

testWithNats(
  "bans and mutes made at once on two servers, even while split, all hold on every server",
  async () => {
    await withOps(["ann", "dan", "cyd"], [], async (cluster, [p1, p2, p3]) => {
      await using ann = await arrive(p1, "ann", "127.0.0.1");
      await using dan = await arrive(p2, "dan", "127.0.0.2");
      await using cyd = await arrive(p3, "cyd", "127.0.0.3");
      await using mu1 = await arrive(p1, "mu1", "127.0.0.4");
      await using mu2 = await arrive(p2, "mu2", "127.0.0.5");
      await oper(ann, "ann", "s3cret-ann");
      await oper(dan, "dan", "s3cret-dan");
      await oper(cyd, "cyd", "s3cret-cyd");
      const banned = (client: TestClient) =>
        client.next("info", (frame) => frame.text.startsWith("You banned"));

      // At the same moment, the chat whole: each server counts on from the bans it knows.
      await Promise.all([
        ann.send({ type: "ban", target: "eve1" }),
        dan.send({ type: "ban", target: "fox1" }),
      ]);
      await Promise.all([banned(ann), banned(dan)]);

      // Split, neither hears of the other's: both count from the same last ban, for sure.
      await cluster.nats.kill();
      for (const client of [ann, dan, cyd]) {
        await client.next("info", (frame) => /chat is split/.test(frame.text), 15_000);
      }
      await ann.send({ type: "ban", target: "eve2" });
      await dan.send({ type: "ban", target: "fox2" });
      await Promise.all([banned(ann), banned(dan)]);
      // Each mute is made by the muted person's own server: one on each.
      await ann.send({ type: "mute", name: "mu1" });
      await dan.send({ type: "mute", name: "mu2" });
      await mu1.next("notice", (frame) => frame.text === "ann muted mu1");
      await mu2.next("notice", (frame) => frame.text === "dan muted mu2");
      await cluster.nats.restart();
      for (const client of [ann, dan, cyd]) {
        await client.next("info", (frame) => /whole again/.test(frame.text), 30_000);
      }

      // Every ban, on every server, those that made them included. After NATS comes back, a
      // server's watch of the notes may take a few seconds to resume.
      for (const client of [ann, dan, cyd]) {
        let names: string[] = [];
        await eventually(
          async () => {
            names = await bannedNames(client);
            return names.join() === "eve1,eve2,fox1,fox2";
          },
          "every ban on every server",
          20_000,
        ).catch((error) => {
          throw new Error(`${error.message}: ${names.join()}`);
        });
      }
      for (
        const [port, name] of [[p3, "eve2"], [p3, "fox2"], [p1, "fox2"], [p2, "eve2"]] as const
      ) {
        await using refused = await arrive(port, name, "127.0.0.9");
        assert.deepEqual(refused.all("error").map((frame) => frame.code), ["banned"]);
      }
      // Both mutes hold on the third server, by their address.
      await using from4 = await arrive(p3, "al4", "127.0.0.4");
      await eventually(
        async () => !(await maySay(from4, "mu1's address")),
        "mu1's mute on p3",
        20_000,
      );
      await using from5 = await arrive(p3, "al5", "127.0.0.5");
      await eventually(
        async () => !(await maySay(from5, "mu2's address")),
        "mu2's mute on p3",
        20_000,
      );
    });
  },
);

testWithNats(
  "kicks and bans from another server are seen in a room too big to announce departures",
  async () => {
    await withOpFile(["ann", "dan"], async (ops) => {
      await using cluster = await TestCluster.start(2, ["--op-file", ops, "--max-per-ip", "1000"]);
      const [p1, p2] = cluster.ports as [number, number];
      // bob watches #lobby on the first server; frank is there too.
      await using ann = await arrive(p1, "ann", "127.0.0.1");
      await using bob = await arrive(p1, "bob", "127.0.0.2");
      const frank = await arrive(p1, "frank", "127.0.0.3");
      await oper(ann, "ann", "s3cret-ann");
      // dan, eve, mallory and quinn are on the second.
      await using dan = await arrive(p2, "dan", "127.0.0.4");
      const eve = await arrive(p2, "eve", "127.0.0.5");
      const mallory = await arrive(p2, "mallory", "127.0.0.6");
      const quinn = await arrive(p2, "quinn", "127.0.0.7");
      await oper(dan, "dan", "s3cret-dan");
      for (const name of ["dan", "eve", "mallory", "quinn"]) {
        await bob.next("joined", (frame) => frame.name === name);
      }
      // Enough others on bob's server that #lobby holds more than MAX_ANNOUNCED_ROOM_SIZE
      // people there, and its departures are not announced.
      const crowd = (await settleEach(
        Array.from({ length: MAX_ANNOUNCED_ROOM_SIZE }, (_, i) => `p${i}`),
        16,
        (name) => TestClient.join2(p1, name),
      )).map(settledValue);
      try {
        await bob.send({ type: "who", room: "#lobby" });
        assert.equal((await bob.next("who")).count, MAX_ANNOUNCED_ROOM_SIZE + 7);
        // Plain departures, here and on the other server, are not told to bob...
        await using leaving = crowd.pop()!;
        await leaving.send({ type: "quit" });
        await leaving.closed();
        await quinn.send({ type: "quit" });
        await quinn.closed();
        // ...told in dan's small room first, so the other server tells it before the kick.
        await dan.next("left", (frame) => frame.name === "quinn");
        // ...so the first departure bob hears of is eve's kick, carried out on her server,
        await ann.send({ type: "kick", name: "eve", reason: "spam" });
        await eve.closed();
        const kicked = await bob.next("left");
        assert.deepEqual([kicked.name, kicked.reason], ["eve", "kicked by ann: spam"]);
        // then mallory's ban, made here and carried out on hers,
        await ann.send({ type: "ban", target: "mallory", reason: "spam" });
        await mallory.closed();
        const banned = await bob.next("left");
        assert.deepEqual([banned.name, banned.reason], ["mallory", "banned by ann: spam"]);
        // then frank's, made on the other server and carried out here.
        await dan.send({ type: "ban", target: "frank", reason: "spam" });
        await frank.closed();
        const bannedHere = await bob.next("left");
        assert.deepEqual([bannedHere.name, bannedHere.reason], ["frank", "banned by dan: spam"]);
      } finally {
        await Promise.all(
          [...crowd, frank, eve, mallory, quinn].map((client) => client[Symbol.asyncDispose]()),
        );
      }
    });
  },
);

testWithNats(
  "the console's mute of someone on another server spares the others on that machine",
  async () => {
    await using cluster = await TestCluster.start(2, ["--console"]);
    const [first, second] = cluster.servers as [ClusterMember, ClusterMember];
    // mu and zed joined the second server from its own machine, as everyone here does.
    await using al = await arrive(first.port, "al", "127.0.0.1");
    await using mu = await arrive(second.port, "mu", "127.0.0.1");
    await using zed = await arrive(second.port, "zed", "127.0.0.1");
    for (const name of ["mu", "zed"]) await al.next("joined", (frame) => frame.name === name);
    // The host mutes mu at the first server's console; mu's own server carries it out.
    await first.process.write("/mute mu 10m\n");
    await mu.next("notice", (frame) => frame.text === "host muted mu for 10 min");
    assert.equal(await maySay(mu, "muted"), false);
    // By name alone, as at the console of mu's own server: zed, from the same address, talks on.
    assert.equal(await maySay(zed, "not muted"), true);
  },
);
