/**
 * Message ids never go back, whatever happens to the history file: the id
 * mark beside it, a damaged write-ahead log found and reported at start, and
 * a history file moved away. Through the store itself and through the real
 * `chat serve`.
 */

import assert from "node:assert/strict";
import { DatabaseSync, type DatabaseSyncOptions } from "node:sqlite";
import { encodeFrame, LOBBY, type MessageFrame } from "../protocol.ts";
import { ID_BLOCK, readIdMark } from "../server/history/id_mark.ts";
import { SqliteHistory } from "../server/history/sqlite.ts";
import { assertOneErrorLine, type ChatOutcome, serveData as serve } from "./_chat_process.ts";
import { evalThenKill } from "./_fault_helpers.ts";
import { succeeds, TestClient } from "./_test_utils.ts";

const SQLITE_MODULE = new URL("../server/history/sqlite.ts", import.meta.url).href;

/** A temporary directory, removed with everything in it on disposal. */
interface TempDir extends AsyncDisposable {
  readonly path: string;
}

async function tempDir(): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix: "chat_history_damage_test_" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

/** A stamped room message as the hub stores it. */
function message(id: number, text = `message ${id}`): MessageFrame {
  return { type: "message", id, ts: 1_700_000_000_000 + id, room: LOBBY, from: "ann", text };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** `text` as a regular expression that matches it literally. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Removes the history file and its log, as someone moving it away would. */
async function removeHistory(path: string): Promise<void> {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    await Deno.remove(file).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
}

/**
 * Appends messages 1 to `count` to the store at `path` in a child process,
 * then SIGKILLs it: the store never closes. With `copiedAfter`, the log is
 * copied into the file after that message (a checkpoint, as the store runs
 * once writes pause), so that the file holds rows and the log the rest.
 */
async function appendThenKill(path: string, count: number, copiedAfter = 0): Promise<void> {
  const code = `
    import { DatabaseSync } from "node:sqlite";
    import { SqliteHistory } from ${JSON.stringify(SQLITE_MODULE)};
    const store = SqliteHistory.open(${JSON.stringify(path)});
    for (let id = 1; id <= ${count}; id++) {
      store.append({ type: "message", id, ts: id, room: "#lobby", from: "ann", text: "m" + id });
      if (id === ${copiedAfter}) {
        const db = new DatabaseSync(${JSON.stringify(path)});
        db.exec("PRAGMA wal_checkpoint(PASSIVE)");
        db.close();
      }
    }
    console.log("stored");
    // A timer keeps the process alive until the kill: a bare pending promise would end it.
    setInterval(() => {}, 60_000);`;
  await evalThenKill(code, "stored");
}

// The store on its own.

Deno.test("SqliteHistory reserves ids in blocks, each written to disk before any id of it is stored", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  const markPath = `${path}-ids`;
  {
    using store = SqliteHistory.open(path);
    assert.equal(await exists(markPath), false, "nothing to mark before the first message");
    store.append(message(1));
    assert.deepEqual(readIdMark(markPath), { state: "ok", mark: ID_BLOCK });
    // Each write makes a new file that is renamed over the old one.
    const first = (await Deno.stat(markPath)).ino;
    for (let id = 2; id <= ID_BLOCK; id++) store.append(message(id));
    assert.equal((await Deno.stat(markPath)).ino, first, "one write for the whole block");
    store.append(message(ID_BLOCK + 1));
    assert.deepEqual(readIdMark(markPath), { state: "ok", mark: 2 * ID_BLOCK });
    assert.equal(store.lastId(), ID_BLOCK + 1);
    assert.deepEqual(store.warnings, []);
  }
  // A clean close gives back the rest of the block: ids after a restart follow on.
  assert.deepEqual(readIdMark(markPath), { state: "ok", mark: ID_BLOCK + 1 });
  using store = SqliteHistory.open(path);
  assert.equal(store.lastId(), ID_BLOCK + 1);
  assert.deepEqual(store.warnings, []);
});

Deno.test("SqliteHistory.append() stores nothing when the id mark cannot be written", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  using store = SqliteHistory.open(path);
  // A directory where the mark goes: the new mark cannot be renamed over it.
  await Deno.mkdir(`${path}-ids`);
  assert.throws(() => store.append(message(1)));
  assert.deepEqual(store.recent(LOBBY, 10), []);
  await Deno.remove(`${path}-ids`);
  store.append(message(1));
  assert.deepEqual(store.recent(LOBBY, 10), [message(1)]);
});

Deno.test("SqliteHistory numbers on above the mark after a crash, even without the history file", async (t) => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  await appendThenKill(path, 5);
  await t.step("the file kept its rows: ids continue above the reserved block", () => {
    using store = SqliteHistory.open(path);
    assert.deepEqual(store.recent(LOBBY, 10).map((frame) => frame.id), [1, 2, 3, 4, 5]);
    assert.equal(store.lastId(), ID_BLOCK);
    assert.deepEqual(store.warnings, []);
  });
  await t.step(
    "the history file moved away: ids still continue above the mark, and it says so",
    async () => {
      await removeHistory(path);
      using store = SqliteHistory.open(path);
      assert.deepEqual(store.recent(LOBBY, 10), []);
      assert.equal(store.lastId(), ID_BLOCK);
      assert.deepEqual(store.warnings, [
        `History file ${path} is new, but ids up to ${ID_BLOCK} were used before ` +
        `(${path}-ids); new messages are numbered after them`,
      ]);
    },
  );
});

Deno.test("SqliteHistory falls back to the stored rows when the id mark is missing or damaged, and says so", async (t) => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  const markPath = `${path}-ids`;
  {
    using store = SqliteHistory.open(path);
    for (let id = 1; id <= 3; id++) store.append(message(id));
  }
  await t.step("missing", async () => {
    await Deno.remove(markPath);
    {
      using store = SqliteHistory.open(path);
      assert.equal(store.lastId(), 3);
      assert.deepEqual(store.warnings, [
        `The id mark ${markPath} is missing; ` +
        "new messages are numbered after the last stored one, 3",
      ]);
    }
    assert.deepEqual(readIdMark(markPath), { state: "ok", mark: 3 }, "closing writes it again");
  });
  await t.step("damaged", async () => {
    const text = await Deno.readTextFile(markPath);
    // One digit changed: 3 becomes 9000, and the check no longer matches.
    await Deno.writeTextFile(markPath, text.replace(" 3 ", " 9000 "));
    assert.deepEqual(readIdMark(markPath), { state: "damaged" });
    using store = SqliteHistory.open(path);
    assert.equal(store.lastId(), 3);
    assert.deepEqual(store.warnings, [
      `The id mark ${markPath} is damaged; ` +
      "new messages are numbered after the last stored one, 3",
    ]);
  });
});

Deno.test("SqliteHistory.open() names the copy of a damaged log when the history file is damaged too", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  await appendThenKill(path, 300, 200);
  const log = await Deno.readFile(`${path}-wal`);
  for (let i = 600; i < 664; i++) log[i] = log[i]! ^ 0xff;
  await Deno.writeFile(`${path}-wal`, log);
  const file = await Deno.readFile(path);
  for (let i = 4_096; i < 40_960; i++) file[i] = file[i]! ^ 0x5a;
  await Deno.writeFile(path, file);
  let message = "";
  assert.throws(() => SqliteHistory.open(path), (error: Error) => {
    message = error.message;
    return error.name === "HistoryError";
  });
  const match = new RegExp(
    `^Cannot use history file ${escape(path)}: it is damaged or not a chat database; move it ` +
      `away to start a new history \\(its log was damaged too; a copy is kept as ` +
      `(${escape(path)}-wal\\.damaged-\\S+)\\)$`,
  ).exec(message);
  assert.ok(match, message);
  assert.deepEqual(await Deno.readFile(match[1]!), log);
});

// The real server.

/** Every stored message's id and text, read from the file. */
function readRows(path: string): { id: number; text: string }[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare("SELECT id, text FROM messages ORDER BY id").all()
      .map((row) => ({ ...row }) as { id: number; text: string });
  } finally {
    db.close();
  }
}

/**
 * The one line of the server's log that `what` starts with, its time stamp
 * left out: a warning the server goes on after, with nothing on stderr, as
 * an error that stops the server would be.
 */
function assertOneWarning(outcome: ChatOutcome, what: string): string {
  assert.equal(outcome.stderr, "", "a warning, not an error");
  const lines = outcome.stdout.split("\n").filter((line) => line.includes(`] ${what}`));
  assert.equal(lines.length, 1, outcome.stdout);
  const match = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] (.*)$/.exec(lines[0]!);
  assert.ok(match, lines[0]);
  return match[1]!;
}

/** Says each text and waits for the acknowledgement of each; returns them. */
async function sayAll(client: TestClient, texts: string[]): Promise<MessageFrame[]> {
  await client.write(texts.map((text) => encodeFrame({ type: "say", text })).join(""));
  const acks = [];
  for (const text of texts) {
    acks.push(await client.next("message", (frame) => frame.text === text, 15_000));
  }
  return acks;
}

Deno.test("chat serve reports a damaged log at start and numbers new messages above 200 (issue 11)", async (t) => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  const wal = `${path}-wal`;
  const texts = Array.from({ length: 200 }, (_, i) => `before the crash ${i + 1}`);
  let damaged = new Uint8Array();

  await t.step("200 messages are acknowledged, then the server is killed", async () => {
    await using server = serve(dir.path);
    await using ann = await TestClient.join(await server.port(), "ann");
    const acks = await sayAll(ann, texts);
    assert.deepEqual(acks.map((frame) => frame.id), texts.map((_, i) => i + 1));
    assert.equal((await server.stop("SIGKILL")).signal, "SIGKILL");
    await ann.closed();
  });

  await t.step("64 bytes of the log are overwritten", async () => {
    damaged = await Deno.readFile(wal);
    // Inside the first frame, which always belongs to the log's latest generation:
    // SQLite will drop it and every transaction after it.
    const offset = 32 + 24 + 512;
    for (let i = offset; i < offset + 64; i++) damaged[i] = damaged[i]! ^ 0xff;
    await Deno.writeFile(wal, damaged);
  });

  let fresh: MessageFrame[] = [];
  await t.step("the restart says so in one line, and keeps a copy of the damaged log", async () => {
    await using server = serve(dir.path);
    const port = await server.port();
    {
      await using bob = await TestClient.join(port, "bob");
      fresh = await sayAll(bob, ["after 1", "after 2", "after 3", "after 4", "after 5"]);
    }
    assert.ok(fresh.every((frame) => frame.id > 200), `new ids ${fresh.map((f) => f.id)}`);
    {
      // ann comes back: she saw message 200, and gets exactly what came after it.
      await using ann = await TestClient.connect(port);
      await ann.send({ type: "hello", version: 1, name: "ann", room: LOBBY, since: 200 });
      await ann.next("room");
      await ann.sync();
      assert.deepEqual(ann.all("message"), fresh.map((frame) => ({ ...frame, replay: true })));
    }
    const outcome = await server.stop("SIGTERM");
    assert.equal(outcome.code, 0, outcome.stderr);
    const line = assertOneWarning(outcome, "The log ");
    const match = new RegExp(
      `^The log ${escape(wal)} of history file ${escape(path)} is damaged at byte 32; the ` +
        "messages stored after id (\\d+) were lost, the damaged log is kept as " +
        `(${escape(wal)}\\.damaged-\\d{8}T\\d{6}\\.\\d{3}Z), and new messages are numbered ` +
        "after (\\d+)$",
    ).exec(line);
    assert.ok(match, line);
    const [, after, copy, numbered] = match;
    const survivors = Number(after);
    assert.ok(survivors < 200, `the damage lost messages: the last one kept is ${survivors}`);
    assert.ok(Number(numbered) >= 200, line);
    assert.deepEqual(await Deno.readFile(copy!), damaged, "the copy is the damaged log");
    const rows = readRows(path);
    assert.deepEqual(
      rows.map((row) => row.text),
      [...texts.slice(0, survivors), ...fresh.map((frame) => frame.text)],
      "what was kept is the start of what was sent, then the new messages",
    );
  });

  await t.step("the next start has nothing to report, and ids keep growing", async () => {
    await using server = serve(dir.path);
    {
      await using bob = await TestClient.join(await server.port(), "bob");
      const [ack] = await sayAll(bob, ["later"]);
      assert.ok(ack!.id > fresh.at(-1)!.id, `id ${ack!.id}`);
    }
    const outcome = await server.stop("SIGTERM");
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.equal(outcome.stderr, "");
  });
});

Deno.test("chat serve numbers new messages on when the history file was moved away", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  {
    await using server = serve(dir.path);
    await using ann = await TestClient.join(await server.port(), "ann");
    await sayAll(ann, ["one", "two", "three"]);
    assert.equal((await server.stop("SIGTERM")).code, 0);
  }
  await removeHistory(path);
  await using server = serve(dir.path);
  const port = await server.port();
  {
    await using ann = await TestClient.join(port, "ann");
    const [four] = await sayAll(ann, ["four"]);
    assert.equal(four!.id, 4);
  }
  {
    await using bob = await TestClient.connect(port);
    await bob.send({ type: "hello", version: 1, name: "bob", room: LOBBY, since: 3 });
    await bob.next("room");
    await bob.sync();
    assert.deepEqual(bob.all("message").map((frame) => frame.text), ["four"]);
  }
  const outcome = await server.stop("SIGTERM");
  assert.equal(outcome.code, 0, outcome.stderr);
  assert.equal(
    assertOneWarning(outcome, "History file"),
    `History file ${path} is new, but ids up to 3 were used before (${path}-ids); new messages ` +
      "are numbered after them",
  );
});

Deno.test("chat serve logs a missing id mark as a warning, not an error, and goes on", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  {
    await using server = serve(dir.path);
    await using ann = await TestClient.join(await server.port(), "ann");
    await sayAll(ann, ["one", "two", "three"]);
    assert.equal((await server.stop("SIGTERM")).code, 0);
  }
  await Deno.remove(`${path}-ids`);
  await using server = serve(dir.path);
  {
    await using ann = await TestClient.join(await server.port(), "ann");
    const [four] = await sayAll(ann, ["four"]);
    assert.equal(four!.id, 4);
  }
  const outcome = await server.stop("SIGTERM");
  assert.equal(outcome.code, 0, outcome.stderr);
  assert.equal(
    assertOneWarning(outcome, "The id mark"),
    `The id mark ${path}-ids is missing; new messages are numbered after the last stored one, 3`,
  );
});

// A damaged word index, beside messages that read whole.

/**
 * Damages the word index of the history file at `path`, its messages left
 * whole: its blocks overwritten with random bytes (as a bad disk might), or
 * its own settings, without which it cannot even be opened.
 */
function damageIndex(path: string, what: "blocks" | "settings"): void {
  // SQLite keeps the index's own tables from being written directly unless told (node:sqlite
  // takes the option, its types not yet).
  using db = new DatabaseSync(path, { defensive: false } as DatabaseSyncOptions);
  db.exec(
    what === "blocks"
      ? "UPDATE messages_text_data SET block = randomblob(length(block)) WHERE id > 1"
      : "UPDATE messages_text_config SET v = 99 WHERE k = 'version'",
  );
}

/** What SQLite's quick check says of the file at `path`. */
function quickCheck(path: string): string {
  using db = new DatabaseSync(path, { readOnly: true });
  try {
    return (db.prepare("PRAGMA quick_check").get() as { quick_check: string }).quick_check;
  } catch (error) {
    return (error as Error).message;
  }
}

for (const what of ["blocks", "settings"] as const) {
  Deno.test(`SqliteHistory.open() rebuilds a word index whose ${what} are damaged, and says so`, async () => {
    await using dir = await tempDir();
    const path = `${dir.path}/history.db`;
    {
      using store = SqliteHistory.open(path);
      for (let id = 1; id <= 100; id++) store.append(message(id, `message ${id} word${id}`));
    }
    damageIndex(path, what);
    assert.notEqual(quickCheck(path), "ok");
    const logged: string[] = [];
    {
      using store = SqliteHistory.open(path, { log: (line) => logged.push(line) });
      assert.deepEqual(logged, [
        `The word index of history file ${path} is damaged, its messages are not: ` +
        "rebuilding it from the 100 messages…",
      ]);
      assert.equal(store.recent(LOBBY, 500).length, 100, "every message is kept");
      assert.deepEqual(store.search(LOBBY, "word42", 10).map((frame) => frame.id), [42]);
      assert.deepEqual(store.search(LOBBY, "word", 500).length, 100);
      store.append(message(101, "after the rebuild"));
      assert.deepEqual(store.search(LOBBY, "rebuild", 10).map((frame) => frame.id), [101]);
    }
    assert.equal(quickCheck(path), "ok");
    logged.length = 0;
    using _store = SqliteHistory.open(path, { log: (line) => logged.push(line) });
    assert.deepEqual(logged, [], "nothing to rebuild the next time");
  });
}

Deno.test("SqliteHistory.open() still refuses a file whose messages are damaged", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  {
    using store = SqliteHistory.open(path);
    for (let id = 1; id <= 300; id++) store.append(message(id, `message ${id} ${"x".repeat(200)}`));
  }
  // A page of the messages table, in the middle of it, overwritten.
  const page = (() => {
    using db = new DatabaseSync(path, { readOnly: true });
    const pages = db.prepare("SELECT pageno FROM dbstat WHERE name = 'messages' ORDER BY pageno")
      .all().map((row) => (row as { pageno: number }).pageno);
    return pages[Math.floor(pages.length / 2)]!;
  })();
  const bytes = await Deno.readFile(path);
  for (let i = (page - 1) * 4096 + 8; i < page * 4096; i++) bytes[i] = bytes[i]! ^ 0x5a;
  await Deno.writeFile(path, bytes);
  const logged: string[] = [];
  assert.throws(
    () => SqliteHistory.open(path, { log: (line) => logged.push(line) }),
    (error: Error) =>
      error.name === "HistoryError" && /it is damaged or not a chat database/.test(error.message),
  );
  assert.deepEqual(logged, [], "no rebuild tried");
});

Deno.test("chat serve rebuilds a damaged word index at start, keeping every message", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  {
    using store = SqliteHistory.open(path);
    for (let id = 1; id <= 100; id++) store.append(message(id, `message ${id} word${id}`));
  }
  damageIndex(path, "blocks");
  await using server = serve(dir.path);
  const port = await server.port();
  {
    await using ann = await TestClient.connect(port);
    await ann.send({ type: "hello", version: 1, name: "ann", room: LOBBY, since: 0 });
    await ann.next("room");
    await ann.sync();
    assert.equal(ann.all("message").length, 100);
    await ann.say("/search word42");
    const found = await ann.next("message", (frame) => frame.text === "message 42 word42");
    assert.equal(found.id, 42);
    const [ack] = await sayAll(ann, ["after the rebuild"]);
    assert.ok(ack!.id > 100, `id ${ack!.id}`);
  }
  const outcome = await server.stop("SIGTERM");
  assert.equal(outcome.code, 0, outcome.stderr);
  assert.equal(
    assertOneWarning(outcome, "The word index"),
    `The word index of history file ${path} is damaged, its messages are not: ` +
      "rebuilding it from the 100 messages…",
  );
  assert.equal(quickCheck(path), "ok");
});

// An id mark that cannot be replaced.

Deno.test("SqliteHistory.open() refuses an id mark it cannot replace, as it would every message", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  {
    using store = SqliteHistory.open(path);
    store.append(message(1));
  }
  // A folder where the new mark is written before it replaces the old one.
  await Deno.mkdir(`${path}-ids.new`);
  assert.throws(() => SqliteHistory.open(path), (error: Error) => {
    assert.equal(error.name, "HistoryError");
    assert.match(
      error.message,
      new RegExp(
        `^Cannot use history file ${escape(path)}: its id mark ${escape(path)}-ids cannot be ` +
          "replaced \\(Is a directory\\); check that it and its folder can be written, or use " +
          "--memory$",
      ),
    );
    return true;
  });
  await Deno.remove(`${path}-ids.new`);
  using store = SqliteHistory.open(path);
  store.append(message(2));
  assert.deepEqual(readIdMark(`${path}-ids`), { state: "ok", mark: ID_BLOCK });
});

Deno.test("SqliteHistory.open() writes the id mark again at start, and none on a first start", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  const markPath = `${path}-ids`;
  SqliteHistory.open(path).close();
  assert.equal(await exists(markPath), false, "nothing to mark yet");
  {
    using store = SqliteHistory.open(path);
    store.append(message(1));
  }
  const before = (await Deno.stat(markPath)).ino;
  SqliteHistory.open(path).close();
  assert.notEqual((await Deno.stat(markPath)).ino, before, "replaced, as when a block is reserved");
  assert.deepEqual(readIdMark(markPath), { state: "ok", mark: 1 });
  assert.equal(await exists(`${markPath}.new`), false);
});

const chattrProblem = await (async () => {
  const probe = await Deno.makeTempFile({ prefix: "chat_history_damage_probe_" });
  try {
    const problem = await succeeds("chattr", ["+i", probe]);
    if (problem === undefined) await succeeds("chattr", ["-i", probe]);
    return problem;
  } finally {
    await Deno.remove(probe);
  }
})();

Deno.test({
  name: `chat serve stops at start in one line when its id mark cannot be replaced${
    chattrProblem === undefined ? "" : ` (ignored: chattr +i fails: ${chattrProblem})`
  }`,
  ignore: chattrProblem !== undefined,
  fn: async () => {
    await using dir = await tempDir();
    const path = `${dir.path}/history.db`;
    {
      using store = SqliteHistory.open(path);
      store.append(message(1));
    }
    assert.equal(await succeeds("chattr", ["+i", `${path}-ids`]), undefined);
    try {
      await using server = serve(dir.path);
      const outcome = await server.finished();
      const line = assertOneErrorLine(outcome, "immutable id mark");
      assert.equal(outcome.code, 1, line);
      assert.equal(
        line,
        `chat: cannot use history file ${path}: its id mark ${path}-ids cannot be replaced ` +
          "(Operation not permitted); check that it and its folder can be written, or use --memory",
      );
      assert.equal(outcome.stdout, "", "no banner");
      assert.equal(await exists(`${path}-ids.new`), false, "nothing left beside it");
    } finally {
      await succeeds("chattr", ["-i", `${path}-ids`]);
    }
  },
});
