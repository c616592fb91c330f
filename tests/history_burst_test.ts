/**
 * A burst of room messages with the history on disk: the hub stores the
 * messages of a turn of the event loop in one write, each before anyone
 * sees it, and whatever comes after them (a reply, a read of the history, a
 * search, a private message, a goodbye) sees them first.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { encodeFrame, LOBBY, type MessageFrame, type ServerFrame } from "../protocol.ts";
import { Hub } from "../server/hub.ts";
import { readIdMark } from "../server/history/id_mark.ts";
import { MemoryHistory } from "../server/history/memory.ts";
import { SqliteHistory } from "../server/history/sqlite.ts";
import { startServer } from "../server.ts";
import { join } from "./_hub_utils.ts";
import { LOOPBACK, startSearchThread, TestClient, waitUntil } from "./_test_utils.ts";

/** A temporary directory, removed with everything in it on disposal. */
async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "chat_history_burst_test_" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

function message(id: number, room: string, text: string, cid?: string): MessageFrame {
  return {
    type: "message",
    id,
    ts: 1_700_000_000_000 + id,
    room,
    from: "ann",
    text,
    ...cid === undefined ? {} : { cid },
  };
}

Deno.test("SqliteHistory.appendAll() stores a group in one go, in order, or none of it", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  const rooms = ["#a", "#b", "#c"];
  const group = Array.from(
    { length: 1_500 },
    (_, i) => message(i + 1, rooms[i % 3]!, `word${i + 1} of a burst`, `c${i + 1}`),
  );
  {
    using store = SqliteHistory.open(path);
    store.appendAll(group);
    assert.equal(store.lastId(), 1_500);
    // The id mark covers every id used, written before the rows.
    const mark = readIdMark(`${path}-ids`);
    assert.ok(mark.state === "ok" && mark.mark >= 1_500, JSON.stringify(mark));
    const ofB = group.filter((each) => each.room === "#b");
    assert.deepEqual(store.recent("#b", 1_000), ofB);
    assert.deepEqual(store.since("#b", ofB[9]!.id, 3), ofB.slice(10, 13));
    assert.deepEqual(store.tail("#b", 10), { after: ofB.at(-10)!.id - 1, count: 10 });
    assert.deepEqual(store.withCid("c1500"), [group[1_499]]);
    assert.deepEqual(store.search("#c", "word1500", 10), [group[1_499]]);

    // A group that cannot be stored whole is not stored at all, and the next one is.
    assert.throws(() =>
      store.appendAll([message(1_501, "#a", "new"), message(1_500, "#a", "again")])
    );
    assert.deepEqual(store.recent("#a", 1), [group[1_497]]);
    store.appendAll([message(1_502, "#a", "after")]);
    assert.deepEqual(store.recent("#a", 2), [group[1_497], message(1_502, "#a", "after")]);
  }
  using store = SqliteHistory.open(path);
  assert.equal(store.lastId(), 1_502);
  assert.deepEqual(
    rooms.flatMap((room) => store.recent(room, 2_000)).sort((a, b) => a.id - b.id),
    [...group, message(1_502, "#a", "after")],
  );
});

Deno.test("SqliteHistory copies its log into the file once writes pause, not during a burst", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  using store = SqliteHistory.open(path);
  const empty = Deno.statSync(path).size;
  // One write each: well past the 1,000 pages of log after which SQLite would copy them itself.
  for (let id = 1; id <= 300; id++) store.append(message(id, `#r${id % 30}`, `word${id} of many`));
  assert.ok(Deno.statSync(`${path}-wal`).size > 1_000 * 4096, "the burst filled the log");
  assert.equal(Deno.statSync(path).size, empty, "no checkpoint waited for the disk in the burst");
  await waitUntil(() => Deno.statSync(path).size > empty, 10_000, "a checkpoint once quiet");
  assert.equal(store.recent("#r0", 20).length, 10);
});

/**
 * A store that groups its writes like a file, in memory: it records each
 * write, and fails any that holds a text of `failing`, as a full disk would.
 */
class GroupedHistory extends MemoryHistory {
  readonly writes: string[][] = [];
  readonly failing = new Set<string>();

  constructor() {
    super(1_000);
  }

  override append(frame: MessageFrame): void {
    this.appendAll([frame]);
  }

  appendAll(messages: readonly MessageFrame[]): void {
    if (messages.some((each) => this.failing.has(each.text))) {
      throw new Error("Cannot store: the disk is full");
    }
    this.writes.push(messages.map((each) => each.text));
    for (const each of messages) super.append(each);
  }
}

/** The texts and types of `frames`, as `message:text`, `private:text`, `error:code` or the type. */
function seen(frames: ServerFrame[]): string[] {
  return frames.map((frame) =>
    frame.type === "message" || frame.type === "private"
      ? `${frame.type}:${frame.text}`
      : frame.type === "error"
      ? `error:${frame.code}`
      : frame.type
  );
}

Deno.test("Hub stores the room messages of a turn together, each before anyone sees it", async (t) => {
  const store = new GroupedHistory();
  using hub = new Hub({ history: store });
  const ann = join(hub, "ann");
  const bob = join(hub, "bob");
  ann.take();
  const say = (text: string, cid?: string) =>
    hub.receive(ann, { type: "say", text, ...cid === undefined ? {} : { cid } });
  const ping = () => hub.receive(bob, { type: "ping" });

  await t.step("nobody sees a message until it is stored; a ping's answer comes after", () => {
    say("one");
    say("two");
    assert.deepEqual(seen(bob.take()), []);
    ping();
    assert.deepEqual(store.writes, [["one", "two"]]);
    assert.deepEqual(seen(bob.take()), ["message:one", "message:two", "pong"]);
    assert.deepEqual(seen(ann.take()), ["message:one", "message:two"]);
  });

  await t.step("one that cannot be stored is refused to its sender alone; the others go", () => {
    store.failing.add("bad");
    say("three");
    say("bad", "cid-bad");
    say("four");
    ping();
    assert.deepEqual(seen(bob.take()), ["message:three", "message:four", "pong"]);
    assert.deepEqual(seen(ann.take()), ["message:three", "error:not_stored", "message:four"]);
  });

  await t.step("a command, a private message and a read come after what was said before", () => {
    say("five");
    say("/msg bob six");
    const frames = bob.take();
    assert.deepEqual(seen(frames), ["message:five", "private:six"]);
    assert.ok(frames[0]!.type === "message" && frames[1]!.type === "private");
    assert.ok(frames[0].id < frames[1].id, "ids in the order sent");
    say("seven");
    hub.receive(ann, { type: "say", text: "/history 1" });
    assert.deepEqual(seen(ann.take()).slice(-3), ["message:seven", "info", "message:seven"]);
    bob.take();
  });

  await t.step("a message sent again under its id, while the first waits, is stored once", () => {
    say("eight", "cid-8");
    say("eight", "cid-8");
    assert.deepEqual(seen(ann.take()), ["message:eight", "message:eight"]);
    ping();
    assert.deepEqual(seen(bob.take()), ["message:eight", "pong"]);
    assert.equal(store.withCid("cid-8").length, 1);
  });

  await t.step(
    "what waits when the server shuts down is stored and sent before the goodbye",
    () => {
      say("nine");
      hub.shutdown();
      assert.deepEqual(seen(bob.take()), ["message:nine", "bye"]);
      assert.deepEqual(store.writes.at(-1), ["nine"]);
    },
  );
});

Deno.test("chat serve on disk stores a burst in few writes, in order, and reads it back at once", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  const senders = 31;
  const each = 40;
  {
    using store = SqliteHistory.open(path);
    await startSearchThread(store);
    let writes = 0;
    const append = store.append.bind(store);
    store.append = (frame) => (writes++, append(frame));
    // Written so that it counts a store without grouped writes too: one write per message.
    const appendAll = (store as Partial<SqliteHistory>).appendAll?.bind(store);
    if (appendAll !== undefined) store.appendAll = (frames) => (writes++, appendAll(frames));
    await using server = await startServer({
      hostname: LOOPBACK,
      port: 0,
      history: store,
      messageRate: 10_000,
    });
    const port = server.addr.port;
    const clients: TestClient[] = [];
    try {
      for (let i = 0; i < senders; i++) {
        clients.push(await TestClient.join2(port, `s${i}`, [{ room: `#s${i}` }]));
      }
      const texts = (i: number) => Array.from({ length: each }, (_, n) => `s${i} word${n}`);
      // Each sender's burst, then at once a read of it and a ping; the first searches it too
      // (searches from one address at once are limited).
      await Promise.all(clients.map((client, i) =>
        client.write(
          [
            ...texts(i).map((text, n) => ({ type: "say" as const, text, cid: `s${i}-${n}` })),
            { type: "say" as const, text: `/history ${each}` },
            ...i === 0 ? [{ type: "say" as const, text: `/search word${each - 1}` }] : [],
            { type: "ping" as const, token: "after" },
          ].map(encodeFrame).join(""),
        )
      ));
      for (const [i, client] of clients.entries()) {
        await client.next("pong", (frame) => frame.token === "after", 30_000);
        const messages = client.all("message");
        const live = messages.filter((frame) => frame.replay === undefined);
        assert.deepEqual(live.map((frame) => frame.text), texts(i), `s${i}: every one, in order`);
        const infos = client.all("info").map((frame) => frame.text);
        assert.deepEqual(infos, [
          `The last ${each} messages of #s${i}:`,
          ...i === 0 ? [`1 message in #s0 matches "word${each - 1}":`] : [],
        ]);
        // The read and the search that came after the burst saw all of it.
        assert.deepEqual(
          messages.filter((frame) => frame.replay).map((frame) => frame.id),
          [...live, ...i === 0 ? [live.at(-1)!] : []].map((frame) => frame.id),
        );
      }
    } finally {
      for (const client of clients) await client[Symbol.asyncDispose]();
    }
    await server.close();
    assert.ok(
      writes <= senders * each / 8,
      `${senders * each} messages in ${writes} writes: grouped, not one write each`,
    );
  }
  // Each message once, in the order its sender sent it, numbered in that order.
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const rows = db.prepare("SELECT id, room, text FROM messages ORDER BY id").all() as unknown as {
      id: number;
      room: string;
      text: string;
    }[];
    assert.equal(rows.length, senders * each);
    for (let i = 0; i < senders; i++) {
      assert.deepEqual(
        rows.filter((row) => row.room === `#s${i}`).map((row) => row.text),
        Array.from({ length: each }, (_, n) => `s${i} word${n}`),
      );
    }
    assert.equal(rows.filter((row) => row.room === LOBBY).length, 0);
  } finally {
    db.close();
  }
});
