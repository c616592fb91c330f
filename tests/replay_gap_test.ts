/**
 * Coming back after missing more than the history still holds: the server
 * says so in the room, between its `room` frame and the replay of what it
 * still holds, whatever keeps the history (memory, a file trimmed by
 * `--retain`, a cluster), and says nothing where nothing was lost.
 */

import assert from "node:assert/strict";
import type { ServerFrame } from "../protocol.ts";
import { startServer } from "../server.ts";
import { SqliteHistory } from "../server/history/sqlite.ts";
import { LOOPBACK, TestClient } from "./_test_utils.ts";
import { NatsServer, serveInCluster, testWithNats } from "./_nats.ts";
import { ChatProcess } from "./_chat_process.ts";
import { IrcClient, ircServeArgs } from "./_irc_client.ts";

/** Says `room 1`, `room 2` … up to `room <to>` from `from` on, and waits for the last one's echo. */
async function sayMany(client: TestClient, room: string, from: number, to: number): Promise<void> {
  for (let n = from; n <= to; n++) await client.send({ type: "say", room, text: `${room} ${n}` });
  await client.next("message", (frame) => frame.text === `${room} ${to}`, 30_000);
}

/** The id of the message `text`, which `client` received. */
function idOf(client: TestClient, text: string): number {
  const found = client.all("message").find((frame) => frame.text === text);
  assert.ok(found !== undefined, `no message "${text}"`);
  return found.id;
}

/** What `client` got of `room`, from its `room` frame on: frames as `type` or `type text`. */
function gotIn(client: TestClient, room: string): string[] {
  const start = client.frames.findIndex((frame) => frame.type === "room" && frame.room === room);
  assert.ok(start >= 0, `no room frame of ${room}`);
  return client.frames.slice(start).filter((frame) => "room" in frame && frame.room === room)
    .map((frame: ServerFrame) =>
      frame.type === "message" || frame.type === "info" ? `${frame.type} ${frame.text}` : frame.type
    );
}

/** `room first` … `room last` as `gotIn` shows replayed messages. */
function replayed(room: string, first: number, last: number): string[] {
  return Array.from({ length: last - first + 1 }, (_, i) => `message ${room} ${first + i}`);
}

Deno.test("startServer() in memory tells a client coming back that not all it missed is kept, in that room only", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0, messageRate: 100_000 });
  const port = server.addr.port;
  const rooms = [{ room: "#lobby" }, { room: "#dev" }];
  await using bob = await TestClient.join2(port, "bob", rooms);
  await sayMany(bob, "#lobby", 1, 1);
  await sayMany(bob, "#dev", 1, 1);
  const seen = [{ room: "#lobby", since: idOf(bob, "#lobby 1") }, {
    room: "#dev",
    since: idOf(bob, "#dev 1"),
  }];
  // While ann is away: more in #dev than memory keeps of a room (1000), a little in #lobby.
  await sayMany(bob, "#dev", 2, 1_201);
  await sayMany(bob, "#lobby", 2, 11);
  await using ann = await TestClient.connect(port);
  await ann.send({ type: "hello", version: 2, name: "ann", rooms: seen });
  await ann.sync();
  assert.deepEqual(gotIn(ann, "#dev"), [
    "room",
    "info Some messages you missed in #dev are no longer kept; the 1,000 still kept follow:",
    ...replayed("#dev", 202, 1_201),
  ]);
  assert.deepEqual(gotIn(ann, "#lobby").slice(0, 2), ["room", "message #lobby 2"]);
  assert.equal(ann.all("info").length, 1, JSON.stringify(ann.all("info")));
});

Deno.test("startServer() with a history trimmed by --retain tells a client coming back from before the trim", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-gap-" });
  try {
    using history = SqliteHistory.open(`${dir}/history.db`, { retention: { maxCount: 20 } });
    await using server = await startServer({
      hostname: LOOPBACK,
      port: 0,
      history,
      messageRate: 100_000,
    });
    const port = server.addr.port;
    await using bob = await TestClient.join(port, "bob");
    await sayMany(bob, "#lobby", 1, 30);
    assert.equal(history.trim(), 10);
    const comeBack = async (name: string, since: number) => {
      const client = await TestClient.connect(port);
      await client.send({ type: "hello", version: 1, name, since });
      await client.sync();
      return client;
    };
    // Back from before the trim: ten are gone, and it is told so; from after it, nothing is.
    await using ann = await comeBack("ann", idOf(bob, "#lobby 5"));
    assert.deepEqual(gotIn(ann, "#lobby"), [
      "room",
      "info Some messages you missed in #lobby are no longer kept; the 20 still kept follow:",
      ...replayed("#lobby", 11, 30),
    ]);
    await using cyd = await comeBack("cyd", idOf(bob, "#lobby 15"));
    assert.deepEqual(gotIn(cyd, "#lobby"), ["room", ...replayed("#lobby", 16, 30)]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("IRC: back after missing more than memory keeps, the channel is told so before the rest", async () => {
  await using server = new ChatProcess(ircServeArgs(["--rate", "1000000"]), { stdin: "null" });
  const port = await server.port();
  const irc = await server.ircPort();
  await using bob = await TestClient.join2(port, "bob");
  {
    await using ann = await IrcClient.register(irc, "ann");
    await sayMany(bob, "#lobby", 1, 1);
    await ann.next(/PRIVMSG #lobby :#lobby 1$/);
    // Heard from after it arrived: the server knows it was there to read it.
    await ann.sync();
  }
  await bob.next("left", (frame) => frame.name === "ann");
  await sayMany(bob, "#lobby", 2, 1_201);
  // Back soon under the same nick: what came meanwhile is replayed, as far as memory reaches.
  await using ann = await IrcClient.register(irc, "ann");
  await ann.sync();
  const { lines } = ann;
  const notice = lines.findIndex((line) =>
    line.endsWith(
      " NOTICE #lobby :Some messages you missed in #lobby are no longer kept; " +
        "the 1,000 still kept follow:",
    )
  );
  const first = lines.findIndex((line) => / PRIVMSG #lobby :/.test(line));
  assert.ok(notice >= 0 && notice < first, lines.slice(0, first + 1).join("\n"));
  assert.match(lines[first]!, /:#lobby 202$/);
});

testWithNats(
  "a cluster server tells a client coming back from before what it read of the cluster",
  async () => {
    await using nats = await NatsServer.start();
    // The stream keeps the last 20 messages.
    await using first = await serveInCluster(nats, ["--retain", "20"]);
    await using bob = await TestClient.join(first.port, "bob");
    await sayMany(bob, "#lobby", 1, 30);
    const since = idOf(bob, "#lobby 5");
    // The first server holds all 30 in memory: coming back to it, nothing is missing.
    await using ann = await TestClient.connect(first.port);
    await ann.send({ type: "hello", version: 1, name: "ann", since });
    await ann.sync();
    assert.deepEqual(gotIn(ann, "#lobby"), ["room", ...replayed("#lobby", 6, 30)]);
    // A server started now reads the 20 the stream still has, and says the rest is gone.
    await using second = await serveInCluster(nats);
    await using cyd = await TestClient.connect(second.port);
    await cyd.send({ type: "hello", version: 1, name: "cyd", since });
    await cyd.sync();
    assert.deepEqual(gotIn(cyd, "#lobby"), [
      "room",
      "info Some messages you missed in #lobby are no longer kept; the 20 still kept follow:",
      ...replayed("#lobby", 11, 30),
    ]);
  },
);

Deno.test("startServer() tells someone entering a room again when they missed more there than is replayed", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0, messageRate: 100_000 });
  const port = server.addr.port;
  const rooms = [{ room: "#lobby" }, { room: "#dev" }, { room: "#ops" }];
  await using bob = await TestClient.join2(port, "bob", rooms);
  await using ann = await TestClient.join2(port, "ann", rooms);
  await sayMany(bob, "#dev", 1, 1);
  await sayMany(bob, "#ops", 1, 1);
  await ann.next("message", (frame) => frame.text === "#ops 1");
  const devSeen = idOf(ann, "#dev 1");
  const opsSeen = idOf(ann, "#ops 1");
  for (const room of ["#dev", "#ops"]) {
    await ann.send({ type: "part", room });
    await ann.next("parted", (frame) => frame.room === room);
  }
  // While ann is out: one more than a replay holds (50) in #dev, exactly as many in #ops.
  await sayMany(bob, "#dev", 2, 52);
  await sayMany(bob, "#ops", 2, 51);
  const mark = ann.frames.length;
  await ann.send({ type: "join", room: "#dev", since: devSeen });
  await ann.send({ type: "join", room: "#ops", since: opsSeen });
  await ann.sync();
  const infos = ann.frames.slice(mark).filter((frame) => frame.type === "info");
  assert.deepEqual(infos, [{
    type: "info",
    room: "#dev",
    text: "You missed more in #dev than is replayed; the last 50 follow (/history shows more):",
  }]);
  const got = (room: string) =>
    ann.frames.slice(mark).filter((frame) => frame.type === "message" && frame.room === room)
      .map((frame) => frame.type === "message" ? frame.text : "");
  assert.deepEqual(got("#dev"), replayed("#dev", 3, 52).map((line) => line.slice(8)));
  assert.deepEqual(got("#ops"), replayed("#ops", 2, 51).map((line) => line.slice(8)));
});
