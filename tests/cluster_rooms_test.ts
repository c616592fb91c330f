/**
 * Rooms across a cluster: a room's name is claimed in NATS as it is opened,
 * so that look-alike rooms (`#dev1` and `#dеv1`, with a Cyrillic `е`) opened
 * at the same moment on two servers are never both made.
 */

import assert from "node:assert/strict";
import type { TestClient as Client } from "./_test_utils.ts";
import { TestClient } from "./_test_utils.ts";
import { TestCluster, testWithNats } from "./_nats.ts";

/** Whether `client` entered `room`, or was refused it as a look-alike of another; throws if neither. */
function entered(client: Client, room: string): boolean {
  const inside = client.all("room").some((frame) => frame.room === room);
  const refused = client.all("error").find((frame) =>
    frame.message.startsWith(`Cannot open ${room}:`)
  );
  assert.ok(inside !== (refused !== undefined), `${room}: ${JSON.stringify(client.frames)}`);
  if (refused !== undefined) {
    assert.equal(refused.code, "room_invalid");
    assert.match(
      refused.message,
      /: it looks like #d.v\d+; join #d.v\d+, or pick a name that does not$/,
    );
  }
  return inside;
}

testWithNats(
  "look-alike rooms opened at the same moment on two servers: exactly one is made",
  async () => {
    await using cluster = await TestCluster.start(2);
    const [first, second] = cluster.ports;
    await using ann = await TestClient.join2(first!, "ann");
    await using cyd = await TestClient.join2(second!, "cyd");
    // Ten pairs, each room with its look-alike asked for on the other server at once.
    const pairs = Array.from({ length: 10 }, (_, i) => [`#dev${i}`, `#d\u0435v${i}`] as const);
    await Promise.all([
      (async () => {
        for (const [latin] of pairs) await ann.send({ type: "join", room: latin });
      })(),
      (async () => {
        for (const [, cyrillic] of pairs) await cyd.send({ type: "join", room: cyrillic });
      })(),
    ]);
    await ann.sync();
    await cyd.sync();
    for (const [latin, cyrillic] of pairs) {
      assert.notEqual(entered(ann, latin), entered(cyd, cyrillic), `${latin} and ${cyrillic}`);
    }
  },
);

testWithNats(
  "a hello opening a room at the same moment as a join of its look-alike elsewhere: one is made",
  async () => {
    await using cluster = await TestCluster.start(2);
    const [first, second] = cluster.ports;
    await using ann = await TestClient.join2(first!, "ann");
    const pairs = Array.from({ length: 5 }, (_, i) => [`#dev${i}`, `#d\u0435v${i}`] as const);
    const comers = await Promise.all(pairs.map(() => TestClient.connect(second!)));
    try {
      await Promise.all([
        (async () => {
          for (const [latin] of pairs) await ann.send({ type: "join", room: latin });
        })(),
        ...comers.map((comer, i) =>
          comer.send({
            type: "hello",
            version: 2,
            name: `dan${i}`,
            rooms: [{ room: pairs[i]![1] }],
          })
        ),
      ]);
      await ann.sync();
      for (const [i, [latin, cyrillic]] of pairs.entries()) {
        const comer = comers[i]!;
        await comer.sync();
        // Refused its room, a hello is welcomed all the same, into #lobby.
        assert.equal(comer.all("welcome").length, 1, JSON.stringify(comer.frames));
        assert.notEqual(entered(ann, latin), entered(comer, cyrillic), `${latin} and ${cyrillic}`);
      }
    } finally {
      for (const comer of comers) await comer[Symbol.asyncDispose]();
    }
  },
);

testWithNats(
  "a room's name is free again across the cluster once everyone has left it",
  async () => {
    await using cluster = await TestCluster.start(2);
    const [first, second] = cluster.ports;
    await using ann = await TestClient.join2(first!, "ann", [{ room: "#lobby" }, { room: "#ops" }]);
    await using cyd = await TestClient.join2(second!, "cyd");
    // While ann is in #ops, its look-alike is refused on the other server.
    await cyd.send({ type: "join", room: "#\u043eps" });
    const refused = await cyd.next("error");
    assert.equal(
      refused.message,
      "Cannot open #\u043eps: it looks like #ops; join #ops, or pick a name that does not",
    );
    await ann.send({ type: "part", room: "#ops" });
    await ann.next("parted");
    // The other server hears of it a moment later.
    const deadline = Date.now() + 5_000;
    while (true) {
      await cyd.send({ type: "join", room: "#\u043eps" });
      await cyd.sync();
      if (cyd.all("room").some((frame) => frame.room === "#\u043eps")) break;
      assert.ok(Date.now() < deadline, "#оps still refused 5 s after #ops was left");
    }
  },
);
