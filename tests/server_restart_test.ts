/**
 * Every client comes back in all its rooms after the server is killed: the
 * real `chat serve` keeps its history on disk, is sent SIGKILL, and starts
 * again on the same port and data directory while others talk. Clients of
 * version 2 (several rooms each) and of version 1 (one room) come back as
 * docs/PROTOCOL.md says: a fresh `hello` naming each room and the last
 * message id seen there, the old `resume` token being gone with the server.
 * Each then holds every message of each of its rooms exactly once, in order.
 */

import assert from "node:assert/strict";
import { LOBBY, type MessageFrame } from "../protocol.ts";
import { type ChatProcess, serveOnPort } from "./_chat_process.ts";
import { freePort, TestClient } from "./_test_utils.ts";

/** `chat serve` on loopback `port`, keeping history in `dataDir`; disposal kills it. */
function serve(port: number, dataDir: string): Promise<ChatProcess> {
  return serveOnPort(port, dataDir, ["--no-announce", "--rate", "1000000"]);
}

/**
 * Someone who comes back: a name, a protocol version, the rooms it is in, and
 * every room message each of its connections received.
 */
class Returning implements AsyncDisposable {
  readonly name: string;
  readonly version: 1 | 2;
  readonly rooms: string[];
  /** Every connection it made, the live one last. */
  readonly connections: TestClient[] = [];

  constructor(name: string, version: 1 | 2, rooms: string[]) {
    this.name = name;
    this.version = version;
    this.rooms = rooms;
  }

  /** The live connection. */
  get client(): TestClient {
    const client = this.connections.at(-1);
    if (client === undefined) throw new Error(`${this.name} is not connected`);
    return client;
  }

  /** Every room message received, on every connection, in order. */
  get messages(): MessageFrame[] {
    return this.connections.flatMap((client) => client.all("message"));
  }

  /** The id of the last message received in `room`, if any. */
  lastSeen(room: string): number | undefined {
    return this.messages.findLast((message) => message.room === room)?.id;
  }

  /**
   * Connects and says `hello` with each room and what was seen there, and
   * the last `resume` token; waits until every room and its replay are in.
   */
  async connect(port: number): Promise<void> {
    const resume = this.connections.at(-1)?.all("welcome")[0]?.resume;
    const client = await TestClient.connect(port);
    this.connections.push(client);
    const since = (room: string) => {
      const id = this.lastSeen(room);
      return id === undefined ? {} : { since: id };
    };
    const [first] = this.rooms;
    await client.send({
      type: "hello",
      version: this.version,
      name: this.name,
      ...(resume === undefined ? {} : { resume }),
      ...(this.version === 1
        ? { room: first!, ...since(first!) }
        : { rooms: this.rooms.map((room) => ({ room, ...since(room) })) }),
    });
    await client.sync();
    const welcome = client.all("welcome");
    assert.equal(welcome.length, 1, `${this.name}: ${JSON.stringify(client.frames)}`);
    assert.deepEqual(welcome[0]!.rooms, this.version === 1 ? undefined : this.rooms);
    assert.deepEqual(client.all("room").map((frame) => frame.room), this.rooms);
  }

  /** Enters one more room (version 2), with its replay. */
  async join(room: string): Promise<void> {
    this.rooms.push(room);
    await this.client.send({ type: "join", room });
    await this.client.next("room", (frame) => frame.room === room);
    await this.client.sync();
  }

  /** Says `text` in `room` and waits for its own copy. */
  async say(room: string, text: string): Promise<MessageFrame> {
    await this.client.send(
      this.version === 1 ? { type: "say", text } : { type: "say", text, room },
    );
    return await this.client.next(
      "message",
      (frame) => frame.text === text && frame.replay !== true,
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const client of this.connections) await client[Symbol.asyncDispose]();
  }
}

Deno.test("chat serve killed and restarted: every client is back in all its rooms, missing nothing, twice nothing", async (t) => {
  const dataDir = await Deno.makeTempDir({ prefix: "chat-restart-" });
  const port = freePort();
  let server: ChatProcess | undefined = await serve(port, dataDir);
  // Whoever talks: in every room, and always connected when the others are not.
  await using dave = new Returning("dave", 2, [LOBBY, "#dev", "#ops", "#qa"]);
  await using alice = new Returning("alice", 2, [LOBBY, "#dev"]);
  await using bob = new Returning("bob", 2, ["#qa", "#dev"]);
  await using carl = new Returning("carl", 1, ["#dev"]);
  const people = [alice, bob, carl];
  /** Every message acknowledged to its sender, by room. */
  const said = new Map<string, MessageFrame[]>();
  const say = async (who: Returning, room: string, text: string) => {
    const message = await who.say(room, text);
    said.set(room, [...said.get(room) ?? [], message]);
  };
  try {
    await t.step("everyone talks in its rooms before the kill", async () => {
      for (const who of [dave, ...people]) await who.connect(port);
      await alice.join("#ops");
      for (const room of dave.rooms) await say(dave, room, `${room} before`);
      await say(alice, "#ops", "alice in #ops");
      await say(bob, "#qa", "bob in #qa");
      await say(carl, "#dev", "carl in #dev");
      // Everything said is in: a pong follows every message queued before it.
      for (const who of people) await who.client.sync();
    });

    await t.step("SIGKILL: every connection ends without a goodbye", async () => {
      await server!.stop("SIGKILL");
      server = undefined;
      for (const who of [dave, ...people]) {
        await who.client.closed();
        assert.deepEqual(who.client.all("bye"), []);
      }
    });

    await t.step(
      "restarted on the same port and data; dave talks before the others are back",
      async () => {
        server = await serve(port, dataDir);
        await dave.connect(port);
        assert.deepEqual(dave.client.all("message"), [], "dave missed nothing");
        for (const room of dave.rooms) await say(dave, room, `${room} while they were away`);
        await say(dave, "#dev", "#dev while they were away, again");
      },
    );

    await t.step("each comes back in all its rooms with exactly what it missed", async () => {
      for (const who of people) {
        await who.connect(port);
        const replayed = who.client.all("message");
        assert.ok(replayed.every((message) => message.replay), who.name);
        assert.deepEqual(
          replayed.map((message) => `${message.room}: ${message.text}`),
          who.rooms.flatMap((room) =>
            (said.get(room) ?? [])
              .filter((message) => message.text.includes("while they were away"))
              .map((message) => `${room}: ${message.text}`)
          ),
          who.name,
        );
      }
    });

    await t.step("and talk goes on in every room", async () => {
      for (const room of dave.rooms) await say(dave, room, `${room} after`);
      await say(bob, "#qa", "bob is back");
      await say(carl, "#dev", "carl is back");
      for (const who of [dave, ...people]) await who.client.sync();
    });

    await t.step("each holds every message of each of its rooms once, in order", () => {
      for (const who of [dave, ...people]) {
        for (const room of who.rooms) {
          assert.deepEqual(
            who.messages.filter((message) => message.room === room).map((message) => message.id),
            (said.get(room) ?? []).map((message) => message.id),
            `${who.name} in ${room}`,
          );
        }
        const elsewhere = who.messages.filter((message) => !who.rooms.includes(message.room));
        assert.deepEqual(elsewhere, [], who.name);
      }
    });

    await t.step("the history survived: a newcomer gets each room's messages", async () => {
      await using gus = new Returning("gus", 2, ["#qa", "#ops"]);
      await gus.connect(port);
      for (const room of gus.rooms) {
        assert.deepEqual(
          gus.messages.filter((message) => message.room === room).map((message) => message.id),
          (said.get(room) ?? []).map((message) => message.id),
          room,
        );
      }
    });
  } finally {
    if (server !== undefined) await server[Symbol.asyncDispose]();
    await Deno.remove(dataDir, { recursive: true });
  }
});
