/**
 * The history stores on their own, no sockets: one table of cases run
 * against both MemoryHistory and SqliteHistory, then what only the SQLite
 * file does (reopening, retention, damaged, locked and read-only files).
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import type { MessageFrame } from "../protocol.ts";
import type { HistoryStore } from "../server/history/store.ts";
import { MemoryHistory } from "../server/history/memory.ts";
import { type Retention, SqliteHistory } from "../server/history/sqlite.ts";
import { HistoryError } from "../server/history/sqlite_file.ts";
import { seededBytes } from "./_random.ts";
import { succeeds, waitUntil } from "./_test_utils.ts";

const SQLITE_MODULE = new URL("../server/history/sqlite.ts", import.meta.url).href;

/** A temporary directory, removed with everything in it on disposal. */
interface TempDir extends AsyncDisposable {
  readonly path: string;
}

async function tempDir(): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix: "chat_history_test_" });
  return {
    path,
    async [Symbol.asyncDispose]() {
      // Give back write access first, or a chmod-ed directory cannot be emptied.
      for await (const entry of Deno.readDir(path)) {
        await Deno.chmod(`${path}/${entry.name}`, entry.isDirectory ? 0o755 : 0o644);
      }
      await Deno.remove(path, { recursive: true });
    },
  };
}

/** A stamped room message as the hub stores it. */
function message(
  id: number,
  room = "#a",
  text = `message ${id}`,
  extra: Partial<MessageFrame> = {},
): MessageFrame {
  return { type: "message", id, ts: 1_700_000_000_000 + id, room, from: "ann", text, ...extra };
}

function ids(messages: MessageFrame[]): number[] {
  return messages.map((message) => message.id);
}

/** Appends each text to `room` with ids counting on from `store.lastId()`. */
function appendTexts(store: HistoryStore, texts: string[], room = "#a"): MessageFrame[] {
  return texts.map((text) => {
    const stamped = message(store.lastId() + 1, room, text);
    store.append(stamped);
    return stamped;
  });
}

interface StoreKind {
  readonly name: string;
  /** Opens an empty store; a file-backed one keeps its file in `dir`. */
  open(dir: string): HistoryStore;
  /** Whether a word typed without accents finds it written with them. */
  readonly foldsAccents: boolean;
}

const STORES: StoreKind[] = [
  { name: "MemoryHistory", open: () => new MemoryHistory(10_000), foldsAccents: true },
  {
    name: "SqliteHistory",
    open: (dir) => SqliteHistory.open(`${dir}/history.db`),
    foldsAccents: true,
  },
];

interface StoreCase {
  readonly name: string;
  fn(store: HistoryStore, kind: StoreKind): void;
}

const CASES: StoreCase[] = [
  {
    name: "recent() returns the last `limit` messages of a room, oldest first",
    fn(store) {
      assert.equal(store.lastId(), 0);
      assert.deepEqual(store.recent("#a", 5), []);
      const sent = Array.from({ length: 10 }, (_, i) => message(i + 1));
      for (const frame of sent) store.append(frame);
      assert.equal(store.lastId(), 10);
      assert.deepEqual(store.recent("#a", 3), sent.slice(7));
      assert.deepEqual(store.recent("#a", 10), sent);
      assert.deepEqual(store.recent("#a", 1_000), sent);
      assert.deepEqual(store.recent("#a", 1), [sent[9]]);
      assert.deepEqual(store.recent("#a", 0), []);
      assert.deepEqual(store.recent("#a", -1), []);
      assert.deepEqual(store.recent("#nowhere", 5), []);
    },
  },
  {
    name: "append() keeps every field, /me actions included",
    fn(store) {
      const plain = message(1, "#a", "plain");
      const action = message(2, "#a", "waves", { action: true, from: "Bob" });
      const unicode = message(3, "#a", "héllo wörld 😀 \u{1F469}\u200D\u{1F4BB} 中文", { ts: 1 });
      for (const frame of [plain, action, unicode]) store.append(frame);
      assert.deepEqual(store.recent("#a", 3), [plain, action, unicode]);
      assert.equal(store.recent("#a", 3)[0]!.action, undefined, "no action flag on plain text");
    },
  },
  {
    name: "since() pages through a room with no gap and no duplicate",
    fn(store) {
      // Ids interleave two rooms, so a page boundary often falls on the other room's id.
      for (let id = 1; id <= 100; id++) store.append(message(id, id % 3 === 0 ? "#b" : "#a"));
      const expected = Array.from({ length: 100 }, (_, i) => i + 1).filter((id) => id % 3 !== 0);
      for (const pageSize of [1, 7, 50, 500]) {
        const seen: number[] = [];
        let after = 0;
        while (true) {
          const page = store.since("#a", after, pageSize);
          assert.ok(page.length <= pageSize, `page of ${page.length} > ${pageSize}`);
          if (page.length === 0) break;
          seen.push(...ids(page));
          after = page.at(-1)!.id;
        }
        assert.deepEqual(seen, expected, `pages of ${pageSize}`);
      }
      assert.deepEqual(ids(store.since("#a", 2, 3)), [4, 5, 7]);
      assert.deepEqual(ids(store.since("#a", 3, 2)), [4, 5], "after an id of the other room");
      assert.deepEqual(store.since("#a", 100, 10), []);
      assert.deepEqual(store.since("#a", 0, 0), []);
      assert.deepEqual(store.since("#nowhere", 0, 10), []);
    },
  },
  {
    name: "rooms are isolated from each other",
    fn(store) {
      store.append(message(1, "#a", "apple in a"));
      store.append(message(2, "#b", "apple in b"));
      store.append(message(3, "#a", "second in a"));
      store.append(message(4, "#B", "a room name is taken as given"));
      assert.deepEqual(ids(store.recent("#a", 10)), [1, 3]);
      assert.deepEqual(ids(store.recent("#b", 10)), [2]);
      assert.deepEqual(ids(store.recent("#B", 10)), [4]);
      assert.deepEqual(ids(store.since("#b", 0, 10)), [2]);
      assert.deepEqual(ids(store.search("#a", "apple", 10)), [1]);
      assert.deepEqual(ids(store.search("#b", "apple", 10)), [2]);
      assert.deepEqual(store.search("#c", "apple", 10), []);
      assert.equal(store.lastId(), 4, "lastId() covers every room");
    },
  },
  {
    name: "search() finds every word anywhere in the text, in any case",
    fn(store) {
      appendTexts(store, [
        "The quick brown fox", // 1
        "QUICK thinking", // 2
        "a brown paper bag", // 3
        "Fox and hound", // 4
        "ÉCOLE normale", // 5
      ]);
      assert.deepEqual(ids(store.search("#a", "quick", 10)), [1, 2]);
      assert.deepEqual(ids(store.search("#a", "Quick", 10)), [1, 2]);
      assert.deepEqual(ids(store.search("#a", "fox brown", 10)), [1], "every word, any order");
      assert.deepEqual(ids(store.search("#a", "  FOX   ", 10)), [1, 4]);
      assert.deepEqual(ids(store.search("#a", "qui", 10)), [1, 2], "the start of a word");
      assert.deepEqual(ids(store.search("#a", "école", 10)), [5], "case folding beyond ASCII");
      assert.deepEqual(ids(store.search("#a", "ÉCOLE", 10)), [5]);
      assert.deepEqual(store.search("#a", "quick zebra", 10), []);
      assert.deepEqual(store.search("#a", "zebra", 10), []);
      assert.deepEqual(store.search("#a", "", 10), []);
      assert.deepEqual(store.search("#a", " \t ", 10), []);
      assert.deepEqual(store.search("#a", "quick", 0), []);
    },
  },
  {
    name: "search() returns the newest `limit` matches, newest last",
    fn(store) {
      appendTexts(store, Array.from({ length: 30 }, (_, i) => `needle ${i + 1}`));
      appendTexts(store, ["hay"]);
      const found = store.search("#a", "needle", 5);
      assert.deepEqual(
        found.map((frame) => frame.text),
        [26, 27, 28, 29, 30].map((i) => `needle ${i}`),
      );
      assert.equal(store.search("#a", "needle", 100).length, 30);
    },
  },
  {
    name: "search() folds accents as the store documents",
    fn(store, kind) {
      appendTexts(store, ["Café au lait", "plain cafe"]);
      assert.deepEqual(ids(store.search("#a", "café", 10)), kind.foldsAccents ? [1, 2] : [1]);
      assert.deepEqual(ids(store.search("#a", "CAFÉ", 10)), kind.foldsAccents ? [1, 2] : [1]);
      assert.deepEqual(ids(store.search("#a", "cafe", 10)), kind.foldsAccents ? [1, 2] : [2]);
    },
  },
  {
    name: "search() reads query syntax as plain text and never throws",
    fn(store) {
      const sent = appendTexts(store, [
        'say "hi" to me', // 1
        "this alone", // 2
        "that alone", // 3
        "this OR that", // 4
        "NEAR(x y) fun", // 5
        "well-known fact", // 6
        "a*b star", // 7
        "NOT this", // 8
        "col:umn {braces} [brackets] ^caret +plus 'quote' back\\slash", // 9
      ]);
      // Read as FTS5 syntax these would mean OR, NOT, NEAR, a column filter, a phrase...
      assert.deepEqual(ids(store.search("#a", "this OR that", 10)), [4]);
      assert.deepEqual(ids(store.search("#a", "NOT this", 10)), [8]);
      assert.deepEqual(ids(store.search("#a", "this AND alone", 10)), []);
      assert.deepEqual(ids(store.search("#a", 'say "hi"', 10)), [1]);
      assert.deepEqual(ids(store.search("#a", "NEAR(x", 10)), [5]);
      assert.deepEqual(ids(store.search("#a", "well-known", 10)), [6]);
      assert.deepEqual(ids(store.search("#a", "-known", 10)), [6]);
      assert.deepEqual(ids(store.search("#a", "col:umn", 10)), [9]);
      assert.deepEqual(ids(store.search("#a", "^caret", 10)), [9]);
      const queries = [
        '"',
        '""',
        '"hi',
        "*",
        "a*",
        "**",
        "OR",
        "AND",
        "NOT",
        "NEAR(",
        "NEAR(x y, 2)",
        "NEAR",
        "-",
        "- -",
        "--",
        ":",
        "col:",
        "^",
        "(",
        ")",
        "()",
        "{",
        "}",
        "[",
        "]",
        "+",
        "'",
        "\\",
        "%",
        "_",
        "x\u200By",
        "😀",
        "a OR b NOT c",
        'text:"hi"',
        "rowid:1",
        "messages_text:hi",
      ];
      const all = new Map(sent.map((frame) => [frame.id, frame]));
      for (const query of queries) {
        let found: MessageFrame[];
        try {
          found = store.search("#a", query, 10);
        } catch (error) {
          assert.fail(`search(${JSON.stringify(query)}) threw ${error}`);
        }
        for (const frame of found) {
          assert.deepEqual(frame, all.get(frame.id), JSON.stringify(query));
        }
        const foundIds = ids(found);
        assert.deepEqual(foundIds, [...foundIds].sort((a, b) => a - b), JSON.stringify(query));
      }
    },
  },
];

for (const kind of STORES) {
  for (const { name, fn } of CASES) {
    Deno.test(`${kind.name}: ${name}`, async () => {
      await using dir = await tempDir();
      using store = kind.open(dir.path);
      fn(store, kind);
    });
  }
}

Deno.test("MemoryHistory keeps the last `capacity` messages of each room", () => {
  using store = new MemoryHistory(3);
  for (let id = 1; id <= 20; id++) store.append(message(id, id % 2 === 0 ? "#even" : "#odd"));
  assert.deepEqual(ids(store.recent("#even", 10)), [16, 18, 20]);
  assert.deepEqual(ids(store.recent("#odd", 10)), [15, 17, 19]);
  assert.deepEqual(ids(store.since("#odd", 0, 10)), [15, 17, 19]);
  assert.deepEqual(ids(store.search("#odd", "message", 10)), [15, 17, 19]);
  assert.equal(store.lastId(), 20);
  using none = new MemoryHistory(0);
  none.append(message(7));
  assert.deepEqual(none.recent("#a", 10), []);
  assert.equal(none.lastId(), 7, "ids continue even when nothing is kept");
  assert.throws(() => new MemoryHistory(-1), RangeError);
  assert.throws(() => new MemoryHistory(1.5), RangeError);
});

Deno.test("MemoryHistory.forgotten() is the newest message of a room pushed out of it", () => {
  using store = new MemoryHistory(3);
  assert.equal(store.forgotten("#a"), 0, "a room never seen lost nothing");
  for (let id = 1; id <= 3; id++) store.append(message(id));
  assert.equal(store.forgotten("#a"), 0, "it keeps all three");
  store.append(message(4));
  assert.equal(store.forgotten("#a"), 1, "out of the window, though not yet out of memory");
  // Enough to drop a batch for good, in #a only.
  for (let id = 5; id <= 12; id++) store.append(message(id));
  store.append(message(13, "#b"));
  assert.deepEqual(ids(store.recent("#a", 10)), [10, 11, 12]);
  assert.equal(store.forgotten("#a"), 9);
  assert.equal(store.forgotten("#b"), 0);
  using none = new MemoryHistory(0);
  none.append(message(7));
  assert.equal(none.forgotten("#a"), 7, "keeping nothing, it forgets each at once");
  // A room whose every message went to make room for others still says what it lost.
  using small = new MemoryHistory(1000, { maxBytes: 10 * 1024 });
  small.append(message(1, "#gone", "x".repeat(4000)));
  for (let id = 2; id <= 20; id++) small.append(message(id, "#chat", "short"));
  assert.deepEqual(small.recent("#gone", 10), []);
  assert.equal(small.forgotten("#gone"), 1);
  assert.equal(small.forgotten("#chat"), 0);
});

Deno.test("MemoryHistory holds at most its total of bytes: the room holding the most loses its oldest", () => {
  using store = new MemoryHistory(1000, { maxBytes: 1024 * 1024 });
  const long = "x".repeat(4000);
  let id = 0;
  for (let i = 0; i < 20; i++) store.append(message(++id, "#quiet", `quiet ${i}`));
  // A flood of long messages over many rooms.
  for (let i = 0; i < 400; i++) store.append(message(++id, `#flood${i % 40}`, long));
  assert.ok(store.bytes <= 1024 * 1024, `${store.bytes} bytes`);
  assert.ok(store.bytes > 900 * 1024, `${store.bytes} bytes: not shed more than needed`);
  assert.equal(store.recent("#quiet", 100).length, 20, "the quiet room keeps all of its own");
  // Each flooded room lost its oldest first, and kept its newest.
  const kept = Array.from({ length: 40 }, (_, i) => store.recent(`#flood${i}`, 100));
  assert.ok(kept.some((messages) => messages.length < 10), "some lost messages");
  for (const [i, messages] of kept.entries()) {
    const all = Array.from({ length: 10 }, (_, j) => 20 + i + 1 + 40 * j);
    assert.deepEqual(ids(messages), all.slice(all.length - messages.length), `#flood${i}`);
  }
  // A room that lost everything is forgotten, its word index with it.
  store.append(message(++id, "#quiet", "needle"));
  for (let i = 0; i < 1000; i++) store.append(message(++id, "#big", long));
  assert.ok(store.bytes <= 1024 * 1024);
  assert.deepEqual(ids(store.search("#quiet", "needle", 10)), [id - 1000]);
});

Deno.test("MemoryHistory readies a room's word index a bounded step at a time", () => {
  using store = new MemoryHistory(2000);
  const words = (i: number) =>
    Array.from({ length: 800 }, (_, j) => `w${(i * 7 + j) % 997}`).join(" ");
  for (let id = 1; id <= 2000; id++) store.append(message(id, "#a", `${words(id)} n${id}`));
  let steps = 1;
  while (!store.prepareSearch("#a")) steps++;
  // About 8 MB of text, a few milliseconds' worth a step.
  assert.ok(steps >= 10, `${steps} steps`);
  assert.deepEqual(ids(store.search("#a", "n1999", 10)), [1999]);
  assert.deepEqual(ids(store.search("#a", "n1", 10)), [1]);
  // Up to date, it needs nothing more; a new message is one step.
  assert.equal(store.prepareSearch("#a"), true);
  store.append(message(2001, "#a", "fresh words"));
  assert.equal(store.prepareSearch("#a"), true);
  assert.deepEqual(ids(store.search("#a", "fresh", 10)), [2001]);
  assert.equal(store.prepareSearch("#nowhere"), true);
});

// What only the SQLite file does.

Deno.test("SqliteHistory keeps messages across a close and reopen, and lastId() continues", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  const sent = [message(1), message(2, "#b", "in b"), message(3, "#a", "waves", { action: true })];
  {
    using store = SqliteHistory.open(path);
    assert.equal(store.path, path);
    for (const frame of sent) store.append(frame);
  }
  {
    using store = SqliteHistory.open(path);
    assert.equal(store.lastId(), 3);
    assert.deepEqual(store.recent("#a", 10), [sent[0], sent[2]]);
    assert.deepEqual(store.recent("#b", 10), [sent[1]]);
    assert.deepEqual(ids(store.search("#b", "in", 10)), [2]);
    store.append(message(4));
    assert.equal(store.lastId(), 4);
    store.close();
    store.close(); // a second close does nothing
  }
  {
    using store = SqliteHistory.open(path);
    assert.equal(store.lastId(), 4);
    assert.deepEqual(ids(store.recent("#a", 10)), [1, 3, 4]);
  }
  // Nothing else holds the file now: it is a plain WAL-mode SQLite database.
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const mode = db.prepare("PRAGMA journal_mode").get() as { journal_mode: string };
    assert.equal(mode.journal_mode, "wal");
    const count = db.prepare("SELECT count(*) AS n FROM messages").get() as { n: number };
    assert.equal(count.n, 4);
  } finally {
    db.close();
  }
});

Deno.test("SqliteHistory.append() rejects an id that is already stored", async () => {
  await using dir = await tempDir();
  using store = SqliteHistory.open(`${dir.path}/history.db`);
  store.append(message(1));
  assert.throws(() => store.append(message(1, "#a", "again")));
  assert.deepEqual(store.recent("#a", 10), [message(1)]);
});

Deno.test("SqliteHistory retention by count keeps exactly the newest messages", async (t) => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  {
    using store = SqliteHistory.open(path, { retention: { maxCount: 5 } });
    for (let id = 1; id <= 12; id++) {
      store.append(message(id, id % 2 === 0 ? "#b" : "#a", `word${id}end message`));
    }
    await t.step("trim() removes all but the newest 5, across rooms, and says how many", () => {
      assert.equal(store.trim(), 7);
      assert.deepEqual(ids(store.recent("#a", 100)), [9, 11]);
      assert.deepEqual(ids(store.recent("#b", 100)), [8, 10, 12]);
      assert.equal(store.trim(), 0, "nothing more to remove");
      assert.equal(store.lastId(), 12);
    });
    await t.step("forgotten() is each room's newest message removed", () => {
      assert.equal(store.forgotten("#a"), 7);
      assert.equal(store.forgotten("#b"), 6);
      assert.equal(store.forgotten("#c"), 0, "a room that lost nothing");
    });
    await t.step("the search index forgets trimmed messages", () => {
      assert.deepEqual(ids(store.search("#a", "message", 100)), [9, 11]);
      assert.deepEqual(store.search("#a", "word1end", 100), [], "message 1 is gone");
      assert.deepEqual(ids(store.search("#a", "word9end", 100)), [9]);
    });
    for (let id = 13; id <= 20; id++) store.append(message(id));
  }
  await t.step("opening the file trims just after, and says what it removed", async () => {
    const logged: string[] = [];
    using store = SqliteHistory.open(path, {
      retention: { maxCount: 3 },
      log: (line) => logged.push(line),
    });
    await waitUntil(() => logged.length > 0, 5_000, "the trim to end");
    assert.deepEqual(logged, [
      "Removed 10 messages, keeping the newest 3 of all rooms together (--retain)",
    ]);
    assert.deepEqual(ids(store.recent("#a", 100)), [18, 19, 20]);
    assert.deepEqual(store.recent("#b", 100), []);
    assert.equal(store.trim(), 0);
    assert.equal(store.lastId(), 20);
    assert.equal(store.forgotten("#a"), 17, "kept in the file, across reopening");
    assert.equal(store.forgotten("#b"), 12, "though every message of #b is gone");
  });
  await t.step("without a rule nothing is removed", () => {
    using store = SqliteHistory.open(path);
    assert.equal(store.trim(), 0);
    assert.deepEqual(ids(store.recent("#a", 100)), [18, 19, 20]);
  });
});

Deno.test("SqliteHistory retention by age drops old messages but never the newest", async (t) => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  const DAY = 86_400_000;
  const now = Date.now();
  {
    using store = SqliteHistory.open(path, { retention: { maxAgeMs: 30 * DAY } });
    // Ages in days, oldest first; ids follow.
    const ages = [90, 60, 31, 29, 10, 1];
    ages.forEach((age, i) =>
      store.append(message(i + 1, "#a", `aged ${age}`, { ts: now - age * DAY }))
    );
    await t.step("trim() removes what is older than the rule and says how many", () => {
      assert.equal(store.trim(now), 3);
      assert.deepEqual(store.recent("#a", 10).map((frame) => frame.text), [
        "aged 29",
        "aged 10",
        "aged 1",
      ]);
      assert.deepEqual(store.search("#a", "aged 90", 10), []);
      assert.equal(store.trim(now), 0);
      assert.equal(store.forgotten("#a"), 3);
    });
    await t.step("when every message is old, the newest one stays", () => {
      assert.equal(store.trim(now + 365 * DAY), 2);
      assert.deepEqual(store.recent("#a", 10).map((frame) => frame.text), ["aged 1"]);
      assert.equal(store.trim(now + 365 * DAY), 0);
    });
  }
  await t.step("so ids continue after a reopen", () => {
    using store = SqliteHistory.open(path, { retention: { maxAgeMs: 1 } });
    assert.equal(store.lastId(), 6);
    assert.deepEqual(ids(store.recent("#a", 10)), [6]);
  });
  await t.step("age and count together", () => {
    using store = SqliteHistory.open(path, { retention: { maxAgeMs: 30 * DAY, maxCount: 2 } });
    for (let id = 7; id <= 10; id++) store.append(message(id, "#a", `fresh ${id}`, { ts: now }));
    store.append(message(11, "#a", "ancient", { ts: now - 100 * DAY }));
    // The ancient one is the newest, so age keeps it; count then keeps it and #10.
    assert.equal(store.trim(now), 4);
    assert.deepEqual(ids(store.recent("#a", 10)), [10, 11]);
  });
});

Deno.test("SqliteHistory says in one line what the trim at start-up removed, by age and by count", async (t) => {
  const HOUR = 3_600_000;
  const now = Date.now();
  const cases: [Retention, string][] = [
    [{ maxAgeMs: 36 * HOUR }, "Removed 2 messages older than 36 hours (--retain)"],
    [{ maxAgeMs: 2 * 24 * HOUR }, "Removed 2 messages older than 2 days (--retain)"],
    [{ maxCount: 3 }, "Removed 1 message, keeping the newest 3 of all rooms together (--retain)"],
    [
      { maxAgeMs: 24 * HOUR, maxCount: 1 },
      "Removed 2 messages older than 1 day and 1 more, keeping the newest 1 of all rooms " +
      "together (--retain)",
    ],
  ];
  for (const [retention, line] of cases) {
    await t.step(JSON.stringify(retention), async () => {
      await using dir = await tempDir();
      const path = `${dir.path}/history.db`;
      {
        using store = SqliteHistory.open(path);
        [3 * 24 * HOUR, 3 * 24 * HOUR, HOUR, 0].forEach((age, i) =>
          store.append(message(i + 1, i % 2 ? "#a" : "#b", "m", { ts: now - age }))
        );
      }
      const logged: string[] = [];
      using _store = SqliteHistory.open(path, { retention, log: (line) => logged.push(line) });
      await waitUntil(() => logged.length > 0, 5_000, "the trim to end");
      assert.deepEqual(logged, [line]);
    });
  }
});

Deno.test("SqliteHistory trims after start-up a step at a time, serving others in between", async () => {
  await using dir = await tempDir();
  using store = SqliteHistory.open(`${dir.path}/history.db`, {
    retention: { maxCount: 10 },
    trimEveryMs: 20,
  });
  // Enough to take a few turns of 10 ms however fast the disk: 20 µs or so each.
  const count = 20_000;
  for (let id = 1; id <= count; id++) store.append(message(id));
  // Each turn of the event loop in between sees how many are left: never all removed at once.
  const seen = new Set<number>();
  const deadline = performance.now() + 10_000;
  for (let left = count; left > 10; left = store.tail("#a", count).count) {
    if (performance.now() > deadline) assert.fail(`still ${left} messages after 10 s`);
    seen.add(left);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  assert.deepEqual(
    ids(store.recent("#a", 100)),
    Array.from({ length: 10 }, (_, i) => count - 9 + i),
  );
  const between = [...seen].filter((left) => left > 10 && left < count);
  assert.ok(between.length >= 5, `counts seen on the way: ${[...seen].join(", ")}`);
});

Deno.test("SqliteHistory tells of a trim that fails after start-up, and goes on", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  SqliteHistory.open(path).close();
  {
    // A disk that fills up makes a delete fail as this does.
    using db = new DatabaseSync(path);
    db.exec(
      "CREATE TRIGGER full BEFORE DELETE ON messages BEGIN " +
        "SELECT RAISE(ABORT, 'database or disk is full'); END",
    );
  }
  const warned: string[] = [];
  using store = SqliteHistory.open(path, {
    retention: { maxCount: 2 },
    trimEveryMs: 20,
    warn: (line) => warned.push(line),
  });
  for (let id = 1; id <= 5; id++) store.append(message(id));
  await waitUntil(() => warned.length > 0, 5_000, "a trim to fail");
  assert.equal(
    warned[0],
    `Cannot trim history file ${path}: database or disk is full; the next trim tries again`,
  );
  store.append(message(6));
  assert.deepEqual(ids(store.recent("#a", 10)), [1, 2, 3, 4, 5, 6]);
});

// Files the store cannot use.

/** Runs `open`, checks it throws a HistoryError in one clear line, and returns the reason. */
function openFails(open: () => SqliteHistory, path: string): string {
  let store: SqliteHistory | undefined;
  try {
    store = open();
  } catch (error) {
    assert.ok(error instanceof HistoryError, `expected a HistoryError, got ${error}`);
    assert.equal(error.name, "HistoryError");
    return assertOneClearLine(error.message, path);
  }
  store.close();
  assert.fail(`opening ${path} did not fail`);
}

/** Checks `message` is one line naming `path`, and returns the reason after the path. */
function assertOneClearLine(message: string, path: string): string {
  const prefix = `Cannot use history file ${path}: `;
  assert.ok(message.startsWith(prefix), message);
  assert.ok(!message.includes("\n"), `one line: ${JSON.stringify(message)}`);
  return message.slice(prefix.length);
}

Deno.test("SqliteHistory.open() says a file of random bytes is damaged", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  const garbage = crypto.getRandomValues(new Uint8Array(65_536));
  await Deno.writeFile(path, garbage);
  assert.match(openFails(() => SqliteHistory.open(path), path), /damaged/);
  assert.deepEqual(await Deno.readFile(path), garbage, "the file is left as it was");
});

Deno.test("SqliteHistory.open() says a folder in the file's place is a folder", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  await Deno.mkdir(path);
  assert.equal(
    openFails(() => SqliteHistory.open(path), path),
    "it is a folder, not a file; move it away to start a new history",
  );
});

Deno.test("SqliteHistory.open() says a file of text is damaged", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  await Deno.writeTextFile(path, "these are my notes, not a database\n".repeat(200));
  assert.match(openFails(() => SqliteHistory.open(path), path), /damaged/);
});

Deno.test("SqliteHistory.open() says a database with damaged pages is damaged", async (t) => {
  await using dir = await tempDir();
  const good = `${dir.path}/good.db`;
  {
    using store = SqliteHistory.open(good);
    for (let id = 1; id <= 2_000; id++) store.append(message(id, "#a", `hello number ${id}`));
  }
  const bytes = await Deno.readFile(good);
  // Seeded noise, so a failure can be reproduced.
  const noise = seededBytes(42);
  const damages: [string, number, number][] = [
    ["every page after the first", 4_096, bytes.length],
    ["pages 2 to 10", 4_096, 40_960],
    ["the second half", bytes.length / 2, bytes.length],
  ];
  for (const [index, [what, from, to]] of damages.entries()) {
    await t.step(what, async () => {
      const path = `${dir.path}/copy-${index}.db`;
      const copy = bytes.slice();
      for (let i = from; i < to; i++) copy[i] = noise();
      await Deno.writeFile(path, copy);
      assert.match(openFails(() => SqliteHistory.open(path), path), /damaged/);
    });
  }
});

Deno.test("SqliteHistory.open() says a file held by another store is in use", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  using first = SqliteHistory.open(path);
  first.append(message(1));
  assert.match(openFails(() => SqliteHistory.open(path), path), /in use/);
  // The failed attempt disturbs nothing.
  first.append(message(2));
  assert.deepEqual(ids(first.recent("#a", 10)), [1, 2]);
  first.close();
  using second = SqliteHistory.open(path);
  assert.deepEqual(ids(second.recent("#a", 10)), [1, 2]);
});

Deno.test("SqliteHistory lets a read-only connection to its file in while it writes", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  using store = SqliteHistory.open(path);
  store.append(message(1));
  // A connection of its own, which sees each message once stored.
  const reader = new DatabaseSync(path, { readOnly: true });
  try {
    const count = reader.prepare("SELECT count(*) AS n FROM messages");
    assert.deepEqual({ ...count.get() }, { n: 1 });
    store.append(message(2));
    assert.deepEqual({ ...count.get() }, { n: 2 });
  } finally {
    reader.close();
  }
  store.append(message(3));
  assert.deepEqual(ids(store.recent("#a", 10)), [1, 2, 3]);
});

Deno.test("SqliteHistory.open() refuses a file written by a newer version", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/history.db`;
  {
    using store = SqliteHistory.open(path);
    store.append(message(1));
  }
  const db = new DatabaseSync(path);
  db.exec("PRAGMA user_version = 99");
  db.close();
  const reason = openFails(() => SqliteHistory.open(path), path);
  assert.match(reason, /newer version of chat/);
  assert.match(reason, /99/);
  const check = new DatabaseSync(path, { readOnly: true });
  try {
    const { user_version } = check.prepare("PRAGMA user_version").get() as { user_version: number };
    assert.equal(user_version, 99, "the newer file is not downgraded");
  } finally {
    check.close();
  }
});

Deno.test("SqliteHistory.open() says a missing directory cannot be opened", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/missing/history.db`;
  assert.match(openFails(() => SqliteHistory.open(path), path), /cannot be opened/);
});

// Read-only files. Tests run as root, and root writes through chmod, so the
// store is opened in a child process: without the capability that lets root
// ignore file modes, or inside a private mount namespace with a read-only mount.

/** Runs a command without root's power to read and write whatever the file modes say. */
const DROP_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"];
const asRoot = Deno.uid() === 0;
const chmodProblem = asRoot
  ? await succeeds(DROP_DAC[0]!, [...DROP_DAC.slice(1), "true"]).then((problem) =>
    problem === undefined ? undefined : `root ignores chmod, and setpriv does not work: ${problem}`
  )
  : undefined;
/** What makes chmod bind the child: nothing for a normal user. */
const CHMOD_WRAP = asRoot ? DROP_DAC : [];

/** `unshare --mount` with a read-only bind mount of the directory `$1`, then runs the rest. */
const READ_ONLY_MOUNT = [
  "unshare",
  "--mount",
  "sh",
  "-c",
  'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"',
  "sh",
];
const mountProblem = await (async () => {
  const probe = await Deno.makeTempDir({ prefix: "chat_history_probe_" });
  try {
    const problem = await succeeds(READ_ONLY_MOUNT[0]!, [
      ...READ_ONLY_MOUNT.slice(1),
      probe,
      "sh",
      "-c",
      `! touch "$0/x" 2>/dev/null`,
      probe,
    ]);
    return problem === undefined ? undefined : `a read-only bind mount does not work: ${problem}`;
  } finally {
    await Deno.remove(probe, { recursive: true });
  }
})();

/** Opens `path` with SqliteHistory in a child process run inside `wrap`; returns its error. */
async function openInChild(path: string, wrap: string[]): Promise<string> {
  const code = `
    import { SqliteHistory } from ${JSON.stringify(SQLITE_MODULE)};
    try {
      SqliteHistory.open(${JSON.stringify(path)}).close();
      console.log(JSON.stringify({ opened: true }));
    } catch (error) {
      console.log(JSON.stringify({ name: error.name, message: error.message }));
    }`;
  const [program, ...args] = [...wrap, Deno.execPath(), "eval", code];
  const output = await new Deno.Command(program!, {
    args,
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  assert.ok(output.success, `child failed (${output.code}): ${stdout}${stderr}`);
  const result = JSON.parse(stdout) as { opened?: true; name?: string; message?: string };
  assert.equal(result.opened, undefined, `opening ${path} did not fail`);
  assert.equal(result.name, "HistoryError", stdout);
  return assertOneClearLine(result.message!, path);
}

function storeWithOneMessage(path: string): void {
  using store = SqliteHistory.open(path);
  store.append(message(1));
}

Deno.test({
  name: `SqliteHistory.open() says a read-only file or directory cannot be written${
    chmodProblem === undefined ? "" : ` (ignored: ${chmodProblem})`
  }`,
  ignore: chmodProblem !== undefined,
  fn: async (t) => {
    await using dir = await tempDir();
    await t.step("a file with mode 0444", async () => {
      const path = `${dir.path}/history.db`;
      storeWithOneMessage(path);
      await Deno.chmod(path, 0o444);
      assert.match(await openInChild(path, CHMOD_WRAP), /cannot be written/);
    });
    await t.step("a file in a directory with mode 0555", async () => {
      const sub = `${dir.path}/locked-dir`;
      await Deno.mkdir(sub);
      storeWithOneMessage(`${sub}/history.db`);
      await Deno.chmod(sub, 0o555);
      assert.match(await openInChild(`${sub}/history.db`, CHMOD_WRAP), /cannot be written/);
    });
    await t.step("a new file in a directory with mode 0555", async () => {
      const sub = `${dir.path}/empty-dir`;
      await Deno.mkdir(sub, { mode: 0o555 });
      await Deno.chmod(sub, 0o555);
      const reason = await openInChild(`${sub}/history.db`, CHMOD_WRAP);
      assert.match(reason, /cannot be opened; check that the directory exists and can be written/);
    });
  },
});

Deno.test({
  name: `SqliteHistory.open() says a file on a read-only mount cannot be written${
    mountProblem === undefined ? "" : ` (ignored: ${mountProblem})`
  }`,
  ignore: mountProblem !== undefined,
  fn: async () => {
    await using dir = await tempDir();
    const path = `${dir.path}/history.db`;
    storeWithOneMessage(path);
    assert.match(await openInChild(path, [...READ_ONLY_MOUNT, dir.path]), /cannot be written/);
    // The mount was private to the child: the file is still writable here.
    using store = SqliteHistory.open(path);
    store.append(message(2));
  },
});
