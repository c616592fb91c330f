/**
 * Client message ids (`cid`) through the real server: the echo carries the
 * id, and a message sent again under the same id, after a resume, after the
 * server dropped the sender, or after a restart with SQLite history, is
 * answered with the original instead of being posted twice. Also the stores'
 * lookup by id, the schema migration that adds it, the hub's bounded memory
 * of private messages, and piped `chat join`, which gives every line an id.
 */

import assert from "node:assert/strict";
import {
  parseClientFrame,
  parseServerFrame,
  type PrivateFrame,
  type ServerFrame,
} from "../protocol.ts";
import { DatabaseSync } from "node:sqlite";
import { MAX_CID_MATCHES } from "../server/history/store.ts";
import { MemoryHistory } from "../server/history/memory.ts";
import {
  DEPARTED_MS,
  DepartedMemories,
  MAX_DEPARTED,
  MAX_REMEMBERED_BYTES,
  MAX_REMEMBERED_MESSAGES,
  SentMemory,
} from "../server/sent_memory.ts";
import { SqliteHistory } from "../server/history/sqlite.ts";
import { type ChatServer, startServer } from "../server.ts";
import { runChat } from "./_chat_process.ts";
import { assertUnheard, framesSince, LOOPBACK, TestClient } from "./_test_utils.ts";

/** Says hello as `name`, resuming with `token` and coming back after `since`, and waits for the room. */
async function rejoin(
  port: number,
  name: string,
  token: string,
  since?: number,
): Promise<TestClient> {
  const client = await TestClient.connect(port);
  await client.send({
    type: "hello",
    version: 1,
    name,
    resume: token,
    ...(since === undefined ? {} : { since }),
  });
  await client.next("welcome");
  await client.next("room");
  return client;
}

function tokenOf(client: TestClient): string {
  const token = client.all("welcome").at(-1)?.resume;
  assert.ok(token !== undefined, "a resume token in welcome");
  return token;
}

/** A server on a loopback port, with `history` if given. */
function serve(history?: SqliteHistory): Promise<ChatServer> {
  return startServer({
    hostname: LOOPBACK,
    port: 0,
    messageRate: 10_000,
    ...(history === undefined ? {} : { history }),
  });
}

Deno.test("parseClientFrame() takes an optional cid on say, me and msg, and refuses a bad one", () => {
  assert.deepEqual(parseClientFrame({ type: "say", text: "hi", cid: "a-B_9" }), {
    ok: true,
    value: { type: "say", text: "hi", cid: "a-B_9" },
  });
  assert.deepEqual(parseClientFrame({ type: "me", text: "waves", cid: "x".repeat(64) }), {
    ok: true,
    value: { type: "me", text: "waves", cid: "x".repeat(64) },
  });
  assert.deepEqual(parseClientFrame({ type: "msg", to: "bob", text: "psst", cid: "1" }), {
    ok: true,
    value: { type: "msg", to: "bob", text: "psst", cid: "1" },
  });
  assert.deepEqual(parseClientFrame({ type: "say", text: "hi" }), {
    ok: true,
    value: { type: "say", text: "hi" },
  });
  for (const cid of ["", "x".repeat(65), "a b", "a.b", "é", "a\n", 7, null, ["a"], true]) {
    const checked = parseClientFrame({ type: "say", text: "hi", cid });
    assert.equal(checked.ok, false, JSON.stringify(cid));
    assert.equal(!checked.ok && checked.code, "bad_frame");
  }
  // A field that no other frame has is ignored there, as any unknown field is.
  assert.deepEqual(parseClientFrame({ type: "who", cid: "a b" }), {
    ok: true,
    value: { type: "who" },
  });
});

Deno.test("parseServerFrame() reads the cid of message, private and error frames", () => {
  const message = {
    type: "message",
    id: 1,
    ts: 2,
    room: "#lobby",
    from: "ann",
    text: "hi",
    cid: "c1",
  };
  assert.deepEqual(parseServerFrame(message), { ok: true, value: message });
  const dm = { type: "private", id: 1, ts: 2, from: "ann", to: "bob", text: "hi", cid: "c2" };
  assert.deepEqual(parseServerFrame(dm), { ok: true, value: dm });
  const error = { type: "error", code: "no_such_user", message: "Cannot send", cid: "c3" };
  assert.deepEqual(parseServerFrame(error), { ok: true, value: error });
  assert.equal(parseServerFrame({ ...message, cid: "not valid" }).ok, false);
});

Deno.test("Hub: a message's cid reaches every receiver, and a resent cid is answered, not posted", async (t) => {
  await using server = await serve();
  const { port } = server.addr;
  await using bob = await TestClient.join(port, "bob");
  const alice = await TestClient.join(port, "alice");
  let first: Extract<ServerFrame, { type: "message" }>;

  await t.step("say with a cid comes back to everyone with it", async () => {
    await alice.send({ type: "say", text: "hello", cid: "c-1" });
    first = await alice.next("message");
    assert.equal(first.cid, "c-1");
    assert.deepEqual(await bob.next("message"), first);
  });

  await t.step("the same cid on the same connection is answered with the original", async () => {
    await assertUnheard([bob], async () => {
      const mark = alice.frames.length;
      await alice.send({ type: "say", text: "hello", cid: "c-1" });
      assert.deepEqual(await framesSince(alice, mark), [first]);
    });
  });

  await t.step("after a resume on a new connection, still one message", async () => {
    const token = tokenOf(alice);
    await using back = await rejoin(port, "alice", token, first.id);
    await alice.closed();
    await assertUnheard([bob], async () => {
      const mark = back.frames.length;
      // Even with other text: the id names the message, and it was posted.
      await back.send({ type: "say", text: "hello again?", cid: "c-1" });
      assert.deepEqual(await framesSince(back, mark), [first]);
    });
    // A new id is a new message.
    await back.send({ type: "say", text: "second", cid: "c-2" });
    assert.equal((await bob.next("message")).text, "second");
  });

  await t.step("another person using that cid gets their own message posted", async () => {
    await bob.send({ type: "say", text: "mine", cid: "c-1" });
    const posted = await bob.next("message", (frame) => frame.text === "mine");
    assert.equal(posted.from, "bob");
    assert.equal(posted.cid, "c-1");
    assert.notEqual(posted.id, first.id);
  });

  await t.step("without a cid nothing changes: the same text twice is two messages", async () => {
    const mark = bob.frames.length;
    await bob.say("twice");
    await bob.say("twice");
    const frames = await framesSince(bob, mark);
    assert.equal(frames.length, 2);
    for (const frame of frames) {
      assert.equal(frame.type, "message");
      assert.ok(!("cid" in frame), "no cid field when none was sent");
    }
  });
  await alice[Symbol.asyncDispose]();
});

Deno.test("Hub: /me and /msg inside say keep the say's cid, and refusals name it", async () => {
  await using server = await serve();
  const { port } = server.addr;
  await using bob = await TestClient.join(port, "bob");
  await using alice = await TestClient.join(port, "alice");

  await alice.send({ type: "say", text: "/me waves", cid: "m-1" });
  const action = await bob.next("message");
  assert.equal(action.action, true);
  assert.equal(action.cid, "m-1");

  await alice.send({ type: "say", text: "/msg bob psst", cid: "m-2" });
  const dm = await bob.next("private");
  assert.equal(dm.cid, "m-2");
  assert.deepEqual(await alice.next("private"), dm);

  await alice.send({ type: "msg", to: "nobody", text: "hi", cid: "m-3" });
  const missing = await alice.next("error");
  assert.equal(missing.code, "no_such_user");
  assert.equal(missing.cid, "m-3");

  await alice.send({ type: "say", text: "   ", cid: "m-4" });
  const empty = await alice.next("error");
  assert.equal(empty.code, "text_invalid");
  assert.equal(empty.cid, "m-4");

  await alice.send({ type: "say", text: "/msg bob", cid: "m-5" });
  const usage = await alice.next("error");
  assert.equal(usage.code, "bad_command");
  assert.equal(usage.cid, "m-5");

  // A refused message used no id: sent again, once it can be, it is posted.
  await alice.send({ type: "say", text: "now", cid: "m-4" });
  assert.equal((await bob.next("message")).cid, "m-4");

  await alice.send({ type: "say", text: "hi", cid: "not valid" });
  const bad = await alice.next("error");
  assert.equal(bad.code, "bad_frame");
  assert.equal(bad.cid, undefined);
});

Deno.test("Hub: a private message resent under its cid is delivered once", async (t) => {
  await using server = await serve();
  const { port } = server.addr;
  await using bob = await TestClient.join(port, "bob");
  let alice = await TestClient.join(port, "alice");
  try {
    await alice.send({ type: "msg", to: "bob", text: "psst", cid: "p-1" });
    const dm = await bob.next("private");
    assert.equal(dm.cid, "p-1");
    await alice.next("private");

    await t.step("again on the same connection", async () => {
      await assertUnheard([bob], async () => {
        const mark = alice.frames.length;
        await alice.send({ type: "msg", to: "bob", text: "psst", cid: "p-1" });
        assert.deepEqual(await framesSince(alice, mark), [dm]);
      });
    });

    await t.step("again after a resume", async () => {
      const back = await rejoin(port, "alice", tokenOf(alice));
      await alice.closed();
      await alice[Symbol.asyncDispose]();
      alice = back;
      await assertUnheard([bob], async () => {
        const mark = alice.frames.length;
        await alice.send({ type: "msg", to: "bob", text: "psst", cid: "p-1" });
        assert.deepEqual(await framesSince(alice, mark), [dm]);
      });
    });

    await t.step("again after the server dropped the sender, with its last token", async () => {
      const token = tokenOf(alice);
      // The connection ends: the server forgets alice, and her name is free.
      const left = bob.next("left", (frame) => frame.name === "alice");
      await alice[Symbol.asyncDispose]();
      await left;
      alice = await rejoin(port, "alice", token);
      await assertUnheard([bob], async () => {
        const mark = alice.frames.length;
        await alice.send({ type: "msg", to: "bob", text: "psst", cid: "p-1" });
        assert.deepEqual(await framesSince(alice, mark), [dm]);
      });
      // A new id is a new message.
      await alice.send({ type: "msg", to: "bob", text: "again", cid: "p-2" });
      assert.equal((await bob.next("private")).text, "again");
    });
  } finally {
    await alice[Symbol.asyncDispose]();
  }
});

Deno.test("Hub: others reusing a room message's cid cannot make its resend post it twice", async () => {
  await using server = await serve();
  const { port } = server.addr;
  await using mallory = await TestClient.join(port, "mallory");
  let alice = await TestClient.join(port, "alice");
  try {
    await alice.send({ type: "say", text: "only once", cid: "seen-by-all" });
    const original = await mallory.next("message", (frame) => frame.from === "alice");
    assert.equal(original.cid, "seen-by-all");
    // Everyone sees the cid: more people than the history looks at post under it too.
    for (let i = 0; i < MAX_CID_MATCHES; i++) {
      await using decoy = await TestClient.join(port, `decoy${"abcdefghknpqrstu"[i]}`);
      await decoy.send({ type: "say", text: `decoy ${i}`, cid: "seen-by-all" });
      await mallory.next("message", (frame) => frame.text === `decoy ${i}`);
    }
    const back = await rejoin(port, "alice", tokenOf(alice));
    await alice.closed();
    await alice[Symbol.asyncDispose]();
    alice = back;
    await assertUnheard([mallory], async () => {
      const mark = alice.frames.length;
      await alice.send({ type: "say", text: "only once", cid: "seen-by-all" });
      assert.deepEqual(await framesSince(alice, mark), [original]);
    });
  } finally {
    await alice[Symbol.asyncDispose]();
  }
});

Deno.test("Hub: after a restart with SQLite history, a resent cid is not posted again", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat_resend_test_" });
  try {
    const path = `${dir}/history.db`;
    let first: Extract<ServerFrame, { type: "message" }>;
    {
      using store = SqliteHistory.open(path);
      await using server = await serve(store);
      await using alice = await TestClient.join(server.addr.port, "alice");
      await alice.send({ type: "say", text: "stored", cid: "s-1" });
      first = await alice.next("message");
    }
    using store = SqliteHistory.open(path);
    await using server = await serve(store);
    const { port } = server.addr;
    await using bob = await TestClient.join(port, "bob");
    // No resume token is worth anything on the new server: the name is what counts.
    await using alice = await TestClient.join(port, "Alice");
    await bob.sync();
    await assertUnheard([bob], async () => {
      const mark = alice.frames.length;
      await alice.send({ type: "say", text: "stored", cid: "s-1" });
      assert.deepEqual(await framesSince(alice, mark), [first]);
    });
    // bob cannot have alice's message acknowledged as his: his is posted.
    await bob.send({ type: "say", text: "stored", cid: "s-1" });
    const his = await alice.next("message", (frame) => frame.from === "bob");
    assert.equal(his.cid, "s-1");
    // The replay shows alice which of her messages arrived.
    await using again = await TestClient.connect(port);
    await again.send({ type: "hello", version: 1, name: "carol" });
    const replayed = await again.next("message", (frame) => frame.id === first.id);
    assert.equal(replayed.cid, "s-1");
    assert.equal(replayed.replay, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The version 1 schema, as chat wrote it before client message ids. */
const SCHEMA_1 = `
  CREATE TABLE messages (
    id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, room TEXT NOT NULL, sender TEXT NOT NULL,
    text TEXT NOT NULL, action INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX messages_by_room ON messages (room, id);
  CREATE INDEX messages_by_time ON messages (ts);
  CREATE VIRTUAL TABLE messages_text USING fts5(
    text, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
  );
  CREATE TRIGGER messages_indexed AFTER INSERT ON messages BEGIN
    INSERT INTO messages_text (rowid, text) VALUES (new.id, new.text);
  END;
  CREATE TRIGGER messages_unindexed AFTER DELETE ON messages BEGIN
    INSERT INTO messages_text (messages_text, rowid, text) VALUES ('delete', old.id, old.text);
  END;
  PRAGMA user_version = 1;
`;

Deno.test("SqliteHistory.open() adds client message ids to a version 1 file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat_resend_test_" });
  try {
    const path = `${dir}/history.db`;
    const old = new DatabaseSync(path);
    old.exec(SCHEMA_1);
    const insert = old.prepare(
      "INSERT INTO messages (id, ts, room, sender, text) VALUES (?, ?, ?, ?, ?)",
    );
    insert.run(6, 900, "#dév", "bob", "before too");
    insert.run(7, 1000, "#lobby", "ann", "from before");
    old.close();
    {
      using store = SqliteHistory.open(path);
      assert.deepEqual(store.recent("#lobby", 10), [
        { type: "message", id: 7, ts: 1000, room: "#lobby", from: "ann", text: "from before" },
      ]);
      // The word index was built again with each message's room.
      assert.deepEqual(store.search("#lobby", "before", 10).map((message) => message.id), [7]);
      assert.deepEqual(store.search("#dév", "before", 10).map((message) => message.id), [6]);
      store.append({
        type: "message",
        id: 8,
        ts: 2000,
        room: "#lobby",
        from: "ann",
        text: "with an id",
        cid: "k-1",
      });
      assert.deepEqual(store.withCid("k-1").map((message) => message.id), [8]);
      assert.deepEqual(store.withCid("nothing"), []);
      assert.deepEqual(store.search("#lobby", "with", 10).map((message) => message.id), [8]);
      assert.deepEqual(store.search("#dév", "with", 10), []);
    }
    const check = new DatabaseSync(path, { readOnly: true });
    try {
      const { user_version } = check.prepare("PRAGMA user_version").get() as {
        user_version: number;
      };
      assert.equal(user_version, 6, "migrated to the current schema");
      // A lookup reads the index, not the table.
      const plan = check.prepare(
        "EXPLAIN QUERY PLAN SELECT * FROM messages WHERE cid = ? ORDER BY id DESC LIMIT 16",
      ).all("k-1") as { detail: string }[];
      assert.ok(
        plan.some((step) => /USING INDEX messages_by_cid/.test(step.detail)),
        JSON.stringify(plan),
      );
    } finally {
      check.close();
    }
    // Opened again, the migrated file is left as it is.
    using store = SqliteHistory.open(path);
    assert.equal(store.recent("#lobby", 10).at(-1)?.cid, "k-1");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("HistoryStore.withCid() finds kept messages by client id, newest first, bounded", () => {
  const dir = Deno.makeTempDirSync({ prefix: "chat_resend_test_" });
  try {
    using sqlite = SqliteHistory.open(`${dir}/history.db`);
    // Two messages kept per room in memory: the third pushes the first out.
    using memory = new MemoryHistory(2);
    for (const store of [sqlite, memory]) {
      const post = (id: number, cid: string | undefined, from = "ann") =>
        store.append({
          type: "message",
          id,
          ts: id,
          room: "#a",
          from,
          text: `m${id}`,
          ...(cid === undefined ? {} : { cid }),
        });
      post(1, "x");
      post(2, "y");
      post(3, undefined);
      assert.deepEqual(store.withCid("y").map((message) => message.id), [2]);
      assert.deepEqual(store.withCid("y")[0]?.cid, "y");
      for (let id = 10; id < 10 + MAX_CID_MATCHES + 5; id++) post(id, "many", `user${id}`);
      const many = store.withCid("many");
      assert.equal(many.length, store === memory ? 2 : MAX_CID_MATCHES, "bounded");
      assert.ok(
        many.every((message, i) => i === 0 || message.id < many[i - 1]!.id),
        "newest first",
      );
    }
    // What memory no longer keeps is not found.
    assert.deepEqual(memory.withCid("x"), []);
    assert.deepEqual(sqlite.withCid("x").map((message) => message.id), [1]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("SentMemory keeps the last messages within its count and byte bounds", () => {
  const dm = (n: number, text = "x"): PrivateFrame => ({
    type: "private",
    id: n,
    ts: n,
    from: "ann",
    to: "bob",
    text,
    cid: `c${n}`,
  });
  const memory = new SentMemory();
  for (let n = 0; n < MAX_REMEMBERED_MESSAGES + 10; n++) memory.add(dm(n));
  assert.equal(memory.size, MAX_REMEMBERED_MESSAGES);
  assert.equal(memory.get("c9"), undefined, "the oldest are forgotten first");
  assert.equal(memory.get("c10")?.id, 10);
  const big = "é".repeat(1000); // 2000 bytes
  for (let n = 1000; n < 1100; n++) memory.add(dm(n, big));
  assert.equal(memory.size, Math.floor(MAX_REMEMBERED_BYTES / 2000));
  assert.equal(memory.get("c1099")?.text, big);
  const { cid: _, ...plain } = dm(2000);
  const size = memory.size;
  memory.add(plain);
  assert.equal(memory.size, size, "a message without a cid is not kept");
});

Deno.test("DepartedMemories gives a memory back once, to the same name, for a while", () => {
  const memory = new SentMemory();
  memory.add({ type: "private", id: 1, ts: 1, from: "ann", to: "bob", text: "x", cid: "c" });
  const departed = new DepartedMemories();
  departed.keep("token", "ann", memory, 0);
  assert.equal(departed.take("token", "bob", 1), undefined, "another name");
  assert.equal(departed.take("token", "ann", 1), memory);
  assert.equal(departed.take("token", "ann", 2), undefined, "twice");
  departed.keep("token", "ann", memory, 0);
  assert.equal(departed.take("token", "ann", DEPARTED_MS), undefined, "too late");
  departed.keep("empty", "ann", new SentMemory(), 0);
  assert.equal(departed.take("empty", "ann", 1), undefined, "an empty memory is not kept");
  for (let n = 0; n <= MAX_DEPARTED; n++) departed.keep(`t${n}`, "ann", memory, 10);
  assert.equal(departed.take("t0", "ann", 11), undefined, "the oldest is forgotten first");
  assert.equal(departed.take("t1", "ann", 11), memory);
});

Deno.test("chat join with piped input sends every line, however many wait for the server", async () => {
  await using server = await serve();
  await using watcher = await TestClient.join(server.addr.port, "watcher");
  // More than are kept after a drop: piped input may be read before the first welcome.
  const lines = Array.from({ length: 250 }, (_, i) => `line ${i + 1}`);
  const outcome = await runChat(
    ["join", `${LOOPBACK}:${server.addr.port}`, "--name", "bot"],
    lines.join("\n") + "\n",
  );
  assert.equal(outcome.code, 0, outcome.stderr);
  await watcher.sync();
  const said = watcher.all("message").filter((frame) => frame.from === "bot");
  assert.deepEqual(said.map((frame) => frame.text), lines);
  assert.ok(said.every((frame) => frame.cid !== undefined), "each with a client message id");
});
