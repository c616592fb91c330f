/**
 * A `chat serve` of a cluster that stands still (SIGSTOP) long enough for
 * the others to take it for gone, while its people type: what they typed
 * waits in its sockets, and is read as it goes on (SIGCONT). It must not
 * be posted under a name someone else took meanwhile, nor reach the others
 * before they see its sender back.
 */

import assert from "node:assert/strict";
import { storyOf, TestClient } from "./_test_utils.ts";
import { TestCluster, testWithNats } from "./_nats.ts";
import { NAME_TAKEN_WHILE_STILL } from "../server/hub/linked.ts";

testWithNats(
  "what someone typed while their server stood still is not posted once another took their name",
  async () => {
    await using cluster = await TestCluster.start(2);
    const [p1, p2] = cluster.ports as [number, number];
    await using pbv = await TestClient.join2(p1, "pbv");
    await using ann = await TestClient.join2(p1, "ann");
    await using bob = await TestClient.join2(p2, "bob");
    await ann.next("joined", (frame) => frame.name === "bob");
    await using thief = await TestClient.connect(p2);
    const stalled = cluster.servers[0]!.process;
    stalled.kill("SIGSTOP");
    try {
      // Silent for long enough, the still server's people are taken for gone, their names free.
      await bob.next("left", (frame) => frame.name === "pbv", 20_000);
      await thief.send({ type: "hello", version: 2, name: "pbv" });
      await thief.next("welcome");
      await thief.say("A-thief-line");
      await bob.next("message", (message) => message.text === "A-thief-line");
      // Meanwhile pbv types a private message and a line: they wait in the stopped server's socket.
      await pbv.send({ type: "msg", to: "bob", text: "B-private-during-stop" });
      await pbv.say("B-typed-during-stop");
    } finally {
      stalled.kill("SIGCONT");
    }
    const bye = await pbv.next("bye", undefined, 20_000);
    assert.equal(bye.reason, NAME_TAKEN_WHILE_STILL);
    await pbv.closed();
    // ann, whose name nobody took, is back; what she says after comes after anything pbv's was.
    await bob.next("joined", (frame) => frame.name === "ann", 20_000);
    await ann.say("after");
    await ann.send({ type: "msg", to: "bob", text: "after" });
    await bob.next("message", (message) => message.from === "ann" && message.text === "after");
    await bob.next("private", (frame) => frame.from === "ann" && frame.text === "after");
    await thief.next("message", (message) => message.from === "ann" && message.text === "after");
    await ann.next("message", (message) => message.from === "ann" && message.text === "after");
    for (const [client, who] of [[bob, "bob"], [thief, "the new pbv"], [ann, "ann"]] as const) {
      const typed = storyOf(client.frames, "pbv").filter((seen) => seen.includes("during-stop"));
      assert.deepEqual(typed, [], who);
    }
    // Nor is it in the history, under the name of the one who holds it now.
    const before = bob.frames.length;
    await bob.send({ type: "history", room: "#lobby", limit: 50 });
    await bob.sync();
    const texts = bob.frames.slice(before).flatMap((frame) =>
      frame.type === "message" ? [`${frame.from}: ${frame.text}`] : []
    );
    assert.ok(texts.includes("pbv: A-thief-line"), texts.join("\n"));
    assert.ok(!texts.some((text) => text.includes("during-stop")), texts.join("\n"));
  },
);

testWithNats(
  "someone whose server stood still is seen back before what they said meanwhile",
  async () => {
    await using cluster = await TestCluster.start(2);
    const [p1, p2] = cluster.ports as [number, number];
    await using ann = await TestClient.join2(p1, "ann");
    await using bob = await TestClient.join2(p2, "bob");
    await ann.next("joined", (frame) => frame.name === "bob");
    const mark = bob.frames.length;
    const stalled = cluster.servers[0]!.process;
    stalled.kill("SIGSTOP");
    try {
      await bob.next("left", (frame) => frame.name === "ann", 20_000);
      // Typed while the server stands still, read once it goes on.
      await ann.say("said while still");
    } finally {
      stalled.kill("SIGCONT");
    }
    await bob.next("message", (message) => message.text === "said while still", 20_000);
    await bob.sync();
    const seen = storyOf(bob.frames.slice(mark), "ann");
    assert.deepEqual(seen, [
      "left its server stopped answering",
      "joined",
      "message said while still",
    ]);
  },
);
