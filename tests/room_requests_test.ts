/**
 * A `/join` or `/part` the server never answered before the link died is
 * carried over to the next connection: the conversation core, driven over
 * real sockets against the real server, through a proxy that freezes as a
 * stopped server does. The `hello` coming back asks for the rooms the user
 * wants to be in, and what its welcome shows undone (a session taken over
 * keeps its rooms) is asked again before the lines that waited.
 */

import assert from "node:assert/strict";
import { Conversation, type Effect } from "../core/conversation.ts";
import { RoomRequests, wantedRooms } from "../core/room_requests.ts";
import { startServer } from "../server.ts";
import { FreezingProxy } from "./_freezing_proxy.ts";
import { LOOPBACK, TestClient, waitUntil } from "./_test_utils.ts";

/** A conversation driven over a real socket: frames in, its `send` effects out. */
class Driven implements AsyncDisposable {
  readonly chat: Conversation = new Conversation();
  #client: TestClient | undefined;
  #fed = 0;
  #sending: Promise<void> = Promise.resolve();

  /** Connects to `port` and says hello as `name` (coming back, once the pong of its ping is in). */
  async connect(port: number, name: string): Promise<void> {
    this.#client = await TestClient.connect(port);
    this.#fed = 0;
    this.chat.opened();
    this.#run(this.chat.hello(name, Date.now()));
    await this.until(() => this.chat.online, "the welcome");
  }

  /** Types `line`. */
  type(line: string): void {
    this.#run(this.chat.type(line, Date.now()));
  }

  /** The link is given up on, as a client that noticed it dead does. */
  async drop(): Promise<void> {
    this.#run(this.chat.closed());
    await this.#sending;
    await this.#client?.[Symbol.asyncDispose]();
    this.#client = undefined;
  }

  /** Feeds the frames that come to the conversation until `predicate` holds. */
  async until(predicate: () => boolean, what: string): Promise<void> {
    await waitUntil(
      () => {
        const client = this.#client;
        while (client !== undefined && this.#fed < client.frames.length) {
          this.#run(this.chat.receive(client.frames[this.#fed++]!, Date.now()));
        }
        return predicate();
      },
      10_000,
      what,
    );
    await this.#sending;
  }

  /** Waits until the server has handled everything sent so far, and its answers are in. */
  async settle(): Promise<void> {
    this.#run(this.chat.settle());
    await this.until(() => !this.chat.settling, "the server to answer what was sent");
  }

  #run(effects: readonly Effect[]): void {
    const client = this.#client;
    for (const effect of effects) {
      if (effect.type !== "send" || client === undefined) continue;
      this.#sending = this.#sending.then(() => client.send(effect.frame)).catch(() => {});
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#sending;
    await this.#client?.[Symbol.asyncDispose]();
  }
}

Deno.test("wantedRooms() applies the joins and parts on their way, in order", () => {
  assert.deepEqual(
    wantedRooms(["#lobby", "#a"], [
      { kind: "join", room: "#b" },
      { kind: "part", room: "#a" },
      { kind: "join", room: "#b" },
    ]),
    ["#lobby", "#b"],
  );
});

Deno.test("RoomRequests: the pong of a ping sent after a request answers it, and those before", () => {
  const requests = new RoomRequests();
  requests.asked({ kind: "join", room: "#a" });
  requests.asked({ kind: "part", room: "#b" });
  requests.pinged("one");
  requests.asked({ kind: "join", room: "#c" });
  assert.ok(requests.unpinged);
  requests.ponged("one");
  assert.deepEqual(requests.closed(), [{ kind: "join", room: "#c" }]);
});

Deno.test("Conversation: a /join lost with the link is carried out by the hello coming back, and the lines typed for the room go there", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using proxy = new FreezingProxy(server.addr.port);
  await using bob = await TestClient.join2(server.addr.port, "bob", [{ room: "#stall" }]);
  await using ann = new Driven();
  await ann.connect(proxy.port, "ann");
  await ann.until(() => ann.chat.view?.id === "#lobby", "ann in #lobby");
  // The server stands still: what ann types now never reaches it.
  proxy.freeze();
  ann.type("/join #stall");
  ann.type("for the stall");
  await ann.drop();
  proxy.cut();
  proxy.thaw();
  await ann.connect(proxy.port, "ann");
  await ann.until(() => ann.chat.view?.id === "#stall", "ann to look at #stall");
  assert.equal(ann.chat.entering, undefined);
  await ann.until(() => ann.chat.waiting === 0, "the lines that waited to be answered");
  const said = await bob.next("message", (frame) => frame.from === "ann");
  assert.deepEqual([said.room, said.text], ["#stall", "for the stall"]);
  await ann.settle();
  assert.deepEqual(ann.chat.roster.joined, ["#lobby", "#stall"]);
  assert.equal(ann.chat.waiting, 0);
});

Deno.test("Conversation: a /join lost with the link is asked again when the session taken over kept its rooms", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using proxy = new FreezingProxy(server.addr.port);
  await using bob = await TestClient.join2(server.addr.port, "bob", [{ room: "#stall" }]);
  await using ann = new Driven();
  await ann.connect(proxy.port, "ann");
  await ann.until(() => ann.chat.view?.id === "#lobby", "ann in #lobby");
  // The server holds ann's session, on a connection it does not read: the token takes it over,
  // with its rooms, whatever the hello asks for.
  proxy.freeze();
  ann.type("/join #stall");
  ann.type("for the stall");
  await ann.drop();
  await ann.connect(server.addr.port, "ann");
  await ann.until(() => ann.chat.view?.id === "#stall", "ann to look at #stall");
  await ann.until(() => ann.chat.waiting === 0, "the lines that waited to be answered");
  const said = await bob.next("message", (frame) => frame.from === "ann");
  assert.deepEqual([said.room, said.text], ["#stall", "for the stall"]);
  await ann.settle();
  assert.deepEqual(ann.chat.roster.joined, ["#lobby", "#stall"]);
});

Deno.test("Conversation: a /part lost with the link is carried out once back", async (t) => {
  for (const resumed of [false, true]) {
    await t.step(resumed ? "the session taken over" : "the server saw the drop", async () => {
      await using server = await startServer({ hostname: LOOPBACK, port: 0 });
      await using proxy = new FreezingProxy(server.addr.port);
      await using bob = await TestClient.join2(server.addr.port, "bob", [
        { room: "#lobby" },
        { room: "#x" },
      ]);
      await using ann = new Driven();
      await ann.connect(proxy.port, "ann");
      ann.type("/join #x");
      await ann.until(() => ann.chat.view?.id === "#x", "ann in #x");
      await ann.settle();
      proxy.freeze();
      ann.type("/part #x");
      ann.type("where I will be");
      await ann.drop();
      if (!resumed) {
        proxy.cut();
        proxy.thaw();
      }
      await ann.connect(resumed ? server.addr.port : proxy.port, "ann");
      await ann.until(() => !ann.chat.roster.joined.includes("#x"), "ann out of #x");
      await ann.until(() => ann.chat.waiting === 0, "the lines that waited to be answered");
      const said = await bob.next("message", (frame) => frame.from === "ann");
      assert.deepEqual([said.room, said.text], ["#lobby", "where I will be"]);
      await ann.settle();
      assert.deepEqual(ann.chat.roster.joined, ["#lobby"]);
      assert.equal(ann.chat.view?.id, "#lobby");
    });
  }
});
