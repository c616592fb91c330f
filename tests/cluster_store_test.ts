/**
 * A cluster whose NATS comes back without its store (its stream and
 * buckets gone): the chat servers make them anew and the chat goes on,
 * with message ids above every id given before.
 */

import assert from "node:assert/strict";
import { TestClient, waitUntil } from "./_test_utils.ts";
import { serveInCluster, TestCluster, testWithNats } from "./_nats.ts";

testWithNats(
  "NATS restarted without its store: the servers make it anew and the chat goes on",
  async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/ops`, "ann s3cret\n");
      await wipedAndBack(["--op-file", `${dir}/ops`]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

/**
 * Two servers started with `extra` (an op file naming ann), their NATS
 * restarted without its store, and what must hold after.
 */
async function wipedAndBack(extra: string[]): Promise<void> {
  await using cluster = await TestCluster.start(2, extra);
  const [p1, p2] = cluster.ports as [number, number];
  await using ann = await TestClient.join2(p1, "ann");
  await using bob = await TestClient.join2(p2, "bob");
  await ann.next("joined", (frame) => frame.name === "bob");
  await ann.send({ type: "oper", secret: "s3cret" });
  await ann.next("notice", (frame) => /ann is an operator/.test(frame.text));
  await ann.send({ type: "topic", room: "#lobby", text: "Release on Friday" });
  await bob.next("topic");
  for (const text of ["before 1", "before 2"]) {
    await ann.say(text);
    await bob.next("message", (message) => message.text === text, 10_000);
  }
  const seen = Math.max(...bob.all("message").map((message) => message.id));

  await cluster.nats.restartEmpty();
  for (const client of [ann, bob]) {
    await client.next("info", (frame) => /chat is split/.test(frame.text), 10_000);
    await client.next("info", (frame) => /whole again/.test(frame.text), 20_000);
  }

  // Room messages cross servers again, numbered above every id seen before.
  await ann.say("after 1");
  const after1 = await bob.next("message", (message) => message.text === "after 1", 10_000);
  await bob.say("after 2");
  const after2 = await ann.next("message", (message) => message.text === "after 2", 10_000);
  assert.ok(after1.id > seen, `${after1.id} > ${seen}`);
  assert.ok(after2.id > after1.id, `${after2.id} > ${after1.id}`);
  assert.equal(ann.all("error").length, 0, JSON.stringify(ann.all("error")));

  // Private messages cross too.
  await ann.send({ type: "msg", to: "bob", text: "psst" });
  const whisper = await bob.next("private", (frame) => frame.text === "psst", 10_000);
  assert.ok(whisper.id > seen, `${whisper.id} > ${seen}`);

  // Names are claimed again: a new one is taken, and those held before are still held.
  await using cyd = await TestClient.join2(p2, "cyd");
  assert.equal(cyd.all("welcome")[0]?.name, "cyd");
  await using other = await TestClient.connect(p2);
  await other.send({ type: "hello", version: 2, name: "ann" });
  assert.equal((await other.next("error")).code, "name_taken");

  // A client that saw the messages before comes back with `since`: it gets the new ones.
  await using back = await TestClient.join2(p1, "dan", [{ room: "#lobby", since: seen }]);
  await waitUntil(
    () => back.all("message").some((message) => message.text === "after 2"),
    5_000,
    "the messages after the wipe",
  );
  assert.deepEqual(back.all("message").map((message) => message.text), ["after 1", "after 2"]);
  // The topic is written back: a server started now reads it from NATS.
  const later = await serveInCluster(cluster.nats, extra);
  cluster.servers.push(later);
  await using eve = await TestClient.join2(later.port, "eve");
  assert.equal(eve.all("room")[0]?.topic, "Release on Friday");

  // Each server said, in one line, that it found the store gone and made it anew.
  for (const { process } of cluster.servers.slice(0, 2)) {
    await process.waitForStdout(/NATS lost its store/, 1_000);
  }
}
