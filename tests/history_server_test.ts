/**
 * History through the real server with a SqliteHistory in a temporary
 * directory: /history, /search, a restart, and private messages kept out.
 */

import assert from "node:assert/strict";
import { encodeFrame, LOBBY, type MessageFrame, type ServerFrame } from "../protocol.ts";
import { MemoryHistory } from "../server/history/memory.ts";
import { SqliteHistory } from "../server/history/sqlite.ts";
import { type ChatServer, startServer } from "../server.ts";
import { startSearchThread, TestClient, waitUntil } from "./_test_utils.ts";

const LOOPBACK = "127.0.0.1";

/** A temporary directory, removed with everything in it on disposal. */
interface TempDir extends AsyncDisposable {
  readonly path: string;
}

async function tempDir(): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix: "chat_history_server_test_" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

/** A server on a loopback port backed by a SqliteHistory; disposing closes both. */
interface StoredServer extends AsyncDisposable {
  readonly server: ChatServer;
  readonly store: SqliteHistory;
  readonly port: number;
}

async function startStored(dir: string): Promise<StoredServer> {
  const store = SqliteHistory.open(`${dir}/history.db`);
  let server: ChatServer;
  try {
    // A high message rate, so bursts are not slowed down to 10 a second.
    server = await startServer({
      hostname: LOOPBACK,
      port: 0,
      history: store,
      messageRate: 10_000,
    });
  } catch (error) {
    store.close();
    throw error;
  }
  return {
    server,
    store,
    port: server.addr.port,
    async [Symbol.asyncDispose]() {
      try {
        await server.close();
      } finally {
        store.close();
      }
    },
  };
}

/** Joins as `name` and waits until the replay on entering the lobby has arrived. */
async function joinSettled(port: number, name: string): Promise<TestClient> {
  const client = await TestClient.join(port, name);
  await client.sync();
  return client;
}

/**
 * Frames received after `mark` once everything sent so far has arrived; pongs
 * and others coming and going are left out.
 */
async function framesSince(client: TestClient, mark: number): Promise<ServerFrame[]> {
  await client.sync();
  const noise = new Set(["pong", "joined", "left"]);
  return client.frames.slice(mark).filter((frame) => !noise.has(frame.type));
}

/** Says each text and waits for its acknowledgement, the sender's stamped copy. */
async function sayAll(client: TestClient, texts: string[]): Promise<MessageFrame[]> {
  await client.write(texts.map((text) => encodeFrame({ type: "say", text })).join(""));
  const acks: MessageFrame[] = [];
  for (const text of texts) acks.push(await client.next("message", (frame) => frame.text === text));
  return acks;
}

function replayed(messages: MessageFrame[]): MessageFrame[] {
  return messages.map((message) => ({ ...message, replay: true }));
}

function numbered(count: number, prefix = "message"): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}`);
}

Deno.test("/history shows stored messages beyond the replay window", async (t) => {
  await using dir = await tempDir();
  await using chat = await startStored(dir.path);
  await using ann = await joinSettled(chat.port, "ann");
  const acks = await sayAll(ann, numbered(80));

  await t.step("each acknowledged message is already in the file", () => {
    assert.deepEqual(chat.store.recent(LOBBY, 100), acks);
  });

  await t.step("/history 5 sends an info line, then the last 5 as replays", async () => {
    const mark = ann.frames.length;
    await ann.say("/history 5");
    assert.deepEqual(await framesSince(ann, mark), [
      { type: "info", text: `The last 5 messages of ${LOBBY}:` },
      ...replayed(acks.slice(-5)),
    ]);
  });

  await t.step("a newcomer is replayed the last 50", async () => {
    await using bob = await joinSettled(chat.port, "bob");
    assert.deepEqual(bob.all("message"), replayed(acks.slice(-50)));
  });

  await t.step("/history 80 reaches all 80", async () => {
    const mark = ann.frames.length;
    await ann.say("/history 80");
    assert.deepEqual(await framesSince(ann, mark), [
      { type: "info", text: `The last 80 messages of ${LOBBY}:` },
      ...replayed(acks),
    ]);
  });

  await t.step("a history frame without a limit shows the last 20", async () => {
    const mark = ann.frames.length;
    await ann.send({ type: "history" });
    const frames = await framesSince(ann, mark);
    assert.deepEqual(frames.slice(1), replayed(acks.slice(-20)));
  });

  await t.step("an empty room says it has no messages yet", async () => {
    await ann.say("/join #quiet");
    await ann.next("room");
    const mark = ann.frames.length;
    await ann.say("/history 5");
    assert.deepEqual(await framesSince(ann, mark), [
      { type: "info", text: "No messages in #quiet yet" },
    ]);
  });
});

Deno.test("/search finds stored messages of the room, and says when nothing matches", async (t) => {
  await using dir = await tempDir();
  await using chat = await startStored(dir.path);
  await startSearchThread(chat.store);
  await using ann = await joinSettled(chat.port, "ann");
  const acks = await sayAll(ann, [
    "Lunch at the café?",
    "the build is green",
    "who broke the BUILD",
    'quotes "and" OR stars*',
  ]);

  await t.step("one word, any case, accents folded", async () => {
    const mark = ann.frames.length;
    await ann.say("/search build");
    assert.deepEqual(await framesSince(ann, mark), [
      { type: "info", text: `2 messages in ${LOBBY} match "build":` },
      ...replayed([acks[1]!, acks[2]!]),
    ]);
    const again = ann.frames.length;
    await ann.say("/search CAFE");
    assert.deepEqual(await framesSince(ann, again), [
      { type: "info", text: `1 message in ${LOBBY} matches "CAFE":` },
      ...replayed([acks[0]!]),
    ]);
  });

  await t.step("every word must be there", async () => {
    const mark = ann.frames.length;
    await ann.send({ type: "search", text: "green build" });
    assert.deepEqual((await framesSince(ann, mark)).slice(1), replayed([acks[1]!]));
  });

  await t.step("query syntax is plain text", async () => {
    const mark = ann.frames.length;
    await ann.say('/search "and" OR stars*');
    assert.deepEqual((await framesSince(ann, mark)).slice(1), replayed([acks[3]!]));
  });

  await t.step("no match says so", async () => {
    const mark = ann.frames.length;
    await ann.say("/search zebra");
    assert.deepEqual(await framesSince(ann, mark), [
      { type: "info", text: `No messages in ${LOBBY} match "zebra"` },
    ]);
  });

  await t.step("another room's messages are not found", async () => {
    await using bob = await joinSettled(chat.port, "bob");
    await bob.say("/join #other");
    await bob.next("room");
    const mark = bob.frames.length;
    await bob.say("/search build");
    assert.deepEqual(await framesSince(bob, mark), [
      { type: "info", text: `No messages in #other match "build"` },
    ]);
  });
});

Deno.test("history survives a server restart on the same file", async (t) => {
  await using dir = await tempDir();
  let acks: MessageFrame[] = [];
  let devAcks: MessageFrame[] = [];

  await t.step("a first server stores 70 lobby and 3 #dev messages", async () => {
    await using chat = await startStored(dir.path);
    await using ann = await joinSettled(chat.port, "ann");
    acks = await sayAll(ann, numbered(70, "before"));
    await ann.say("/join #dev");
    await ann.next("room");
    devAcks = await sayAll(ann, numbered(3, "dev"));
  });

  await t.step(
    "a second server replays the last 50 in order, ids continue, and since works",
    async () => {
      await using chat = await startStored(dir.path);
      assert.equal(chat.store.lastId(), devAcks.at(-1)!.id);
      await using bob = await joinSettled(chat.port, "bob");
      const replay = bob.all("message");
      assert.deepEqual(replay, replayed(acks.slice(-50)));
      assert.equal(replay[0]!.text, "before 21");

      const mark = bob.frames.length;
      await bob.say("/join #dev");
      const entered = await framesSince(bob, mark);
      assert.deepEqual(entered.slice(1), replayed(devAcks));

      const [after] = await sayAll(bob, ["after the restart"]);
      // ann comes back to #dev having seen its first message: she gets the rest only.
      await using ann = await TestClient.connect(chat.port);
      await ann.send({
        type: "hello",
        version: 1,
        name: "ann",
        room: "#dev",
        since: devAcks[0]!.id,
      });
      await ann.next("room");
      await ann.sync();
      assert.deepEqual(
        ann.all("message"),
        replayed([...devAcks.slice(1), after!]),
        "what ann missed",
      );
      assert.ok(after!.id > devAcks.at(-1)!.id, `id ${after!.id} continues`);

      const search = bob.frames.length;
      await bob.say("/search before 7");
      assert.deepEqual(await framesSince(bob, search), [
        { type: "info", text: `No messages in #dev match "before 7"` },
      ]);
      await bob.say("/leave");
      await bob.next("room");
      const lobby = bob.frames.length;
      await bob.say("/search before 7");
      // A word shorter than 3 characters matches whole words only: not "before 70".
      assert.deepEqual(
        (await framesSince(bob, lobby)).slice(1),
        replayed([acks[6]!]),
      );
      const longer = bob.frames.length;
      await bob.say("/search befo 70");
      // A longer one also matches the start of words.
      assert.deepEqual((await framesSince(bob, longer)).slice(1), replayed([acks[69]!]));
    },
  );
});

Deno.test("a client coming back with since gets every message it missed, over 1000 too", async () => {
  await using dir = await tempDir();
  await using chat = await startStored(dir.path);
  await using bob = await joinSettled(chat.port, "bob");
  const [seen] = await sayAll(bob, ["before ann left"]);
  const missed = await sayAll(bob, numbered(1500, "missed"));
  const ids = missed.map((message) => message.id);
  // Version 1: hello.since.
  await using ann = await TestClient.connect(chat.port);
  await ann.send({ type: "hello", version: 1, name: "ann", since: seen!.id });
  await ann.next("room");
  await ann.sync();
  assert.deepEqual(ann.all("message").map((message) => message.id), ids, "all 1500, in order");
  // Version 2: the since of each room of hello.rooms.
  await using carol = await TestClient.connect(chat.port);
  await carol.send({
    type: "hello",
    version: 2,
    name: "carol",
    rooms: [{ room: LOBBY, since: ids[199]! }],
  });
  await carol.next("room");
  await carol.sync();
  assert.deepEqual(carol.all("message").map((message) => message.id), ids.slice(200));
});

Deno.test("private messages are never stored", async (t) => {
  await using dir = await tempDir();
  const secret = "the secret word is xylophone";

  await t.step("a private message reaches both parties, and a room message is stored", async () => {
    await using chat = await startStored(dir.path);
    await using ann = await joinSettled(chat.port, "ann");
    await using bob = await joinSettled(chat.port, "bob");
    await ann.say(`/msg bob ${secret}`);
    assert.equal((await bob.next("private")).text, secret);
    assert.equal((await ann.next("private")).text, secret);
    await ann.send({ type: "msg", to: "bob", text: "xylophone again, by frame" });
    await bob.next("private", (frame) => frame.text.startsWith("xylophone"));
    await sayAll(ann, ["a public line about lunch"]);
    assert.deepEqual(chat.store.search(LOBBY, "xylophone", 10), []);
    assert.deepEqual(
      chat.store.recent(LOBBY, 10).map((message) => message.text),
      ["a public line about lunch"],
    );
  });

  await t.step("after a restart nothing private is replayed or found", async () => {
    await using chat = await startStored(dir.path);
    await using bob = await joinSettled(chat.port, "bob");
    assert.deepEqual(bob.all("private"), []);
    assert.deepEqual(
      bob.all("message").map((message) => message.text),
      ["a public line about lunch"],
    );
    const mark = bob.frames.length;
    await bob.say("/search secret");
    assert.deepEqual(await framesSince(bob, mark), [
      { type: "info", text: `No messages in ${LOBBY} match "secret"` },
    ]);
    await bob.say("/history 500");
    await bob.sync();
    const texts = bob.frames.flatMap((frame) =>
      frame.type === "message" || frame.type === "private" ? [frame.text] : []
    );
    assert.deepEqual(texts, ["a public line about lunch", "a public line about lunch"]);
  });
});

Deno.test("ids given to private messages are never given out again after a restart", async () => {
  await using dir = await tempDir();
  let privateId: number;
  {
    await using stored = await startStored(dir.path);
    await using alice = await joinSettled(stored.port, "alice");
    await sayAll(alice, ["stored first"]);
    await alice.send({ type: "msg", to: "alice", text: "a note to self" });
    privateId = (await alice.next("private")).id;
  }
  await using stored = await startStored(dir.path);
  await using alice = await joinSettled(stored.port, "alice");
  const [after] = await sayAll(alice, ["after the restart"]);
  assert.ok(after!.id > privateId, `id ${after!.id} after private id ${privateId}`);
});

Deno.test("the log tells of the first message it cannot store at once, and the count of the rest within seconds", async () => {
  const history = new MemoryHistory(100);
  history.append = () => {
    throw new Error("disk full");
  };
  const lines: string[] = [];
  /** Resolves once a line matching `pattern` is logged, or throws after `ms`. */
  const logged = (pattern: RegExp, ms: number) =>
    waitUntil(() => lines.some((line) => pattern.test(line)), ms, `a log line like ${pattern}`);
  const server = await startServer({
    hostname: LOOPBACK,
    port: 0,
    history,
    messageRate: 10_000,
    log: (line) => lines.push(line),
  });
  try {
    await using ann = await TestClient.join(server.addr.port, "ann");
    for (let i = 0; i < 30; i++) await ann.say(`lost ${i}`);
    await ann.sync();
    assert.equal(ann.all("error").filter((frame) => frame.code === "not_stored").length, 30);
    const notStored = () => lines.filter((line) => /Cannot store a message|not stored/.test(line));
    assert.deepEqual(notStored(), ["Cannot store a message: disk full"], "the first at once");
    // No other failure comes: the count is logged on a timer, not at the next one.
    const ended = performance.now();
    await logged(/more messages not stored/, 10_000);
    assert.ok(performance.now() - ended < 7_000, "the count came late");
    assert.deepEqual(
      notStored().map((line) => line.replace(/in the last \d+ s/, "in the last N s")),
      [
        "Cannot store a message: disk full",
        "29 more messages not stored in the last N s: same reason",
      ],
    );
  } finally {
    await server.close();
  }
});
