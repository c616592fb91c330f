/**
 * A client that comes back on another server of a cluster, with the resume
 * token of its last welcome, while its server is still up or after it was
 * killed: the rooms see no change, on any server, and it is away as it was.
 */

import assert from "node:assert/strict";
import type { ServerFrame } from "../protocol.ts";
import { TestClient } from "./_test_utils.ts";
import { TestCluster, testWithNats } from "./_nats.ts";

/** The presence frames about `name` that `client` got after its `mark`-th frame. */
function newsOf(client: TestClient, name: string, mark: number): string[] {
  return client.frames.slice(mark)
    .filter((frame): frame is Extract<ServerFrame, { name: string }> =>
      ["joined", "left", "away", "back"].includes(frame.type) && "name" in frame &&
      frame.name === name
    )
    .map((frame) => frame.type);
}

/** Says `text` from `from`, and waits until each of `clients` has it. */
async function roundTrip(from: TestClient, text: string, clients: TestClient[]): Promise<void> {
  await from.send({ type: "say", text });
  for (const client of clients) {
    await client.next("message", (message) => message.text === text, 10_000);
    await client.sync();
  }
}

/**
 * Three servers, ann away on the first with bob, carol on the second, dave
 * on the third, all in #lobby; runs `move` (ann's client going to the
 * second), then checks what everyone saw of ann and what `who` says of her.
 */
async function moveAway(killFirst: boolean): Promise<void> {
  await using cluster = await TestCluster.start(3);
  const [p1, p2, p3] = cluster.ports as [number, number, number];
  await using ann = await TestClient.join2(p1, "ann");
  await using bob = await TestClient.join2(p1, "bob");
  await using carol = await TestClient.join2(p2, "carol");
  await using dave = await TestClient.join2(p3, "dave");
  for (const client of [ann, bob, carol]) {
    await client.next("joined", (frame) => frame.name === "dave", 10_000);
  }
  await ann.send({ type: "away", reason: "lunch" });
  for (const client of [bob, carol, dave]) await client.next("away", (f) => f.name === "ann");
  await carol.send({ type: "who" });
  const before = (await carol.next("who")).people?.find((person) => person.name === "ann")?.away;
  assert.equal(before?.reason, "lunch");
  const watchers = killFirst ? [carol, dave] : [bob, carol, dave];
  const marks = watchers.map((client) => client.frames.length);
  const resume = ann.all("welcome")[0]!.resume!;
  if (killFirst) cluster.servers[0]!.process.kill("SIGKILL");
  await using moved = await TestClient.connect(p2);
  await moved.send({ type: "hello", version: 2, name: "ann", resume, rooms: [{ room: "#lobby" }] });
  await moved.next("welcome");
  await moved.next("room");
  if (killFirst) {
    // Everyone else of the killed server is taken for gone meanwhile.
    await cluster.servers[1]!.process.waitForStdout(/A server left the cluster/, 20_000);
    await cluster.servers[2]!.process.waitForStdout(/A server left the cluster/, 20_000);
  } else {
    await cluster.servers[0]!.process.waitForStdout(/ann left \(connected again to another/);
  }
  await roundTrip(moved, "here", [...watchers, moved]);
  // In the room all along: nobody saw her leave or come, nor come back from being away.
  watchers.forEach((client, index) => assert.deepEqual(newsOf(client, "ann", marks[index]!), []));
  for (const client of [...watchers, moved]) {
    await client.send({ type: "who" });
    const who = await client.next("who");
    assert.deepEqual(
      who.members,
      killFirst ? ["ann", "carol", "dave"] : ["ann", "bob", "carol", "dave"],
    );
    const away = who.people?.find((person) => person.name === "ann")?.away;
    assert.deepEqual(away, before);
  }
  // Her client says its away again, not knowing it was kept: nothing changes.
  await moved.send({ type: "away", reason: "lunch" });
  await roundTrip(moved, "still away", watchers);
  watchers.forEach((client, index) => assert.deepEqual(newsOf(client, "ann", marks[index]!), []));
  // Her coming back is told everywhere, once.
  await moved.send({ type: "back" });
  for (const client of watchers) await client.next("back", (frame) => frame.name === "ann");
}

testWithNats(
  "a client that moves to another server while its own is up stays in the room, away",
  () => moveAway(false),
);

testWithNats(
  "a client that moves to another server after its own was killed stays in the room, away",
  () => moveAway(true),
);
