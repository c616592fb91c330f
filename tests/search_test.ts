/**
 * The search rule on its own, no sockets: how search text is read and
 * bounded, the pacing, the budgeted walk, and the same cases run against
 * MemoryHistory and SqliteHistory, which must answer every query alike.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { type MessageFrame, parseClientFrame } from "../protocol.ts";
import type { HistoryStore } from "../server/history/store.ts";
import { MemoryHistory } from "../server/history/memory.ts";
import {
  collectMatches,
  LOOP_SEARCH_BURST_MS,
  LOOP_SEARCH_SHARE,
  MAX_SEARCH_LENGTH,
  MAX_SEARCH_WORDS,
  MAX_SEARCHES_AT_ONCE,
  MAX_SEARCHES_PER_ADDRESS,
  parseSearch,
  SEARCH_BURST,
  SEARCH_INTERVAL_MS,
  SEARCH_TOKENIZER,
  SearchPace,
  type SearchQuery,
  SearchShare,
  SearchSlots,
} from "../server/history/search.ts";
import { SqliteHistory } from "../server/history/sqlite.ts";
import { seeded } from "./_random.ts";

function accepted(text: string): SearchQuery {
  const checked = parseSearch(text);
  assert.ok(checked.ok, `${JSON.stringify(text)} was refused: ${!checked.ok && checked.message}`);
  return checked.query;
}

function refused(text: string): { code: string; message: string } {
  const checked = parseSearch(text);
  assert.ok(!checked.ok, `${JSON.stringify(text).slice(0, 80)} was accepted`);
  assert.match(checked.message, /^(Cannot search for "|Usage: )/);
  return checked;
}

/** Issue 11's hostile queries: 16 KB of words joined by OR, and 8,000 one-letter words. */
function hostileQueries(): string[] {
  const words = ["lunch", "build", "green", "server", "message", "the", "coffee"];
  let chain = "";
  for (let i = 0; chain.length < 16_000; i++) chain += `${chain ? " OR " : ""}${words[i % 7]}`;
  const letters = Array.from({ length: 8000 }, (_, i) => String.fromCharCode(97 + i % 26));
  return [chain, letters.join(" ")];
}

Deno.test("parseSearch() quotes every word, and makes those of 3 or more characters prefixes", () => {
  const query = accepted("  Lunch at the café  ");
  assert.equal(query.text, "Lunch at the café");
  assert.deepEqual(query.words, ["lunch", "at", "the", "café"]);
  assert.equal(query.match, '"lunch"* "at" "the"* "café"*');
  assert.equal(accepted("7 70 700").match, '"7" "70" "700"*');
  assert.equal(accepted("ёж ёжик").match, '"ёж" "ёжик"*', "code points, not bytes");
});

Deno.test("parseSearch() looks for words of scripts written without spaces anywhere in the text", () => {
  const query = accepted("午饭 lunch ランチ 점심 ข้าว");
  assert.equal(query.match, '"lunch"*');
  assert.deepEqual(query.inside, ["午饭", "ランチ", "점심", "ข้าว"]);
  assert.deepEqual(query.prefixes, ["lunch"]);
  const only = accepted("午饭");
  assert.equal(only.match, "", "no word for the index");
  assert.deepEqual(only.inside, ["午饭"]);
  // Folded as the texts are: half-width katakana is the full-width one.
  assert.deepEqual(accepted("ﾗﾝﾁ").inside, ["ランチ"]);
  assert.deepEqual(accepted("lunch at").inside, []);
});

Deno.test("parseSearch() counts each word once and reads no query syntax", () => {
  assert.deepEqual(accepted('a a A "a" OR or').words, ["a", "or"]);
  assert.deepEqual(accepted("NEAR(x y) col:umn ^caret well-known").words, [
    "near",
    "x",
    "y",
    "col",
    "umn",
    "caret",
    "well",
    "known",
  ]);
  assert.equal(accepted('say "hi" *').match, '"say"* "hi"');
  // Ten words, but only two distinct ones.
  assert.deepEqual(accepted("a b a b a b a b a b").words, ["a", "b"]);
});

Deno.test("parseSearch() refuses text over the limits with text_invalid", () => {
  const longest = "x".repeat(MAX_SEARCH_LENGTH);
  assert.deepEqual(accepted(longest).words, [longest]);
  const tooLong = refused(`${longest}y`);
  assert.equal(tooLong.code, "text_invalid");
  assert.match(tooLong.message, new RegExp(`at most ${MAX_SEARCH_LENGTH} characters$`));
  const eight = Array.from({ length: MAX_SEARCH_WORDS }, (_, i) => `w${i}`).join(" ");
  assert.equal(accepted(eight).words.length, MAX_SEARCH_WORDS);
  const nine = refused(`${eight} w${MAX_SEARCH_WORDS}`);
  assert.equal(nine.code, "text_invalid");
  assert.match(nine.message, new RegExp(`at most ${MAX_SEARCH_WORDS} words$`));
  for (const hostile of hostileQueries()) {
    const { code, message } = refused(hostile);
    assert.equal(code, "text_invalid");
    assert.ok(message.length < 200, `a short message: ${message}`);
  }
  // Cleaning comes first: escape sequences do not count, and cannot reach the message.
  assert.equal(accepted(`\x1b[2J${"x".repeat(MAX_SEARCH_LENGTH)}`).text.length, MAX_SEARCH_LENGTH);
  assert.ok(!refused(`\x1b]0;title\x07${"x".repeat(300)}`).message.includes("\x1b"));
});

Deno.test("parseSearch() takes no mark alone for a word", () => {
  // U+FE0F, the variation selector of ❤️, is a mark: no letter to look for, as 🍕 has none.
  assert.equal(refused("❤️").code, "text_invalid");
  assert.equal(refused("🍕").code, "text_invalid");
  assert.deepEqual(accepted("❤️ love").words, ["love"]);
  assert.deepEqual(accepted("naïve").words, ["naïve"], "marks inside a word stay");
  assert.deepEqual(accepted("nai\u0308ve").words, ["nai\u0308ve"]);
});

Deno.test("parseSearch() asks for a word", () => {
  for (const empty of ["", "   ", "\t\n"]) {
    assert.deepEqual(refused(empty), {
      ok: false,
      code: "bad_command",
      message: "Usage: /search TEXT",
    });
  }
  for (const wordless of ["*", '"', "--", "😀", "( )"]) {
    const { code, message } = refused(wordless);
    assert.equal(code, "text_invalid", wordless);
    assert.match(message, /no letters or digits/);
  }
});

Deno.test("parseClientFrame() caps search text like every other text, and leaves the rest to the rule", () => {
  for (const length of [1, 300, 16_000, 65_536]) {
    const checked = parseClientFrame({ type: "search", text: "x".repeat(length) });
    assert.ok(checked.ok, `a search text of ${length}`);
  }
  const over = parseClientFrame({ type: "search", text: "x".repeat(65_537) });
  assert.ok(!over.ok);
  assert.equal(over.code, "bad_frame");
});

Deno.test("SearchPace allows a burst, then one search a second", () => {
  const pace = new SearchPace(1_000);
  for (let i = 0; i < SEARCH_BURST; i++) assert.equal(pace.take(1_000), 0, `search ${i + 1}`);
  assert.equal(pace.take(1_000), SEARCH_INTERVAL_MS);
  assert.equal(pace.take(1_000 + SEARCH_INTERVAL_MS / 4), (SEARCH_INTERVAL_MS * 3) / 4);
  assert.equal(pace.take(1_000 + SEARCH_INTERVAL_MS), 0);
  assert.equal(pace.take(1_000 + SEARCH_INTERVAL_MS), SEARCH_INTERVAL_MS);
  // A long pause gives back the burst, and no more.
  const later = 1_000 + 1_000 * SEARCH_INTERVAL_MS;
  for (let i = 0; i < SEARCH_BURST; i++) assert.equal(pace.take(later), 0);
  assert.ok(pace.take(later) > 0);
  // A clock that steps back gives nothing.
  assert.ok(pace.take(0) > 0);
});

Deno.test("SearchSlots bounds the searches on hand, in all and from one address", () => {
  const slots = new SearchSlots();
  const perAddress = MAX_SEARCHES_PER_ADDRESS;
  for (let i = 0; i < perAddress; i++) assert.equal(slots.take("10.0.0.1"), true);
  assert.equal(slots.free("10.0.0.1"), false);
  assert.equal(slots.take("10.0.0.1"), false, "one address has its share");
  // The others fill the rest, up to the bound of all.
  let taken = perAddress;
  for (let address = 2; taken < MAX_SEARCHES_AT_ONCE; address++) {
    assert.equal(slots.take(`10.0.0.${address}`), true);
    taken++;
  }
  assert.equal(slots.take("10.0.0.200"), false, "no slot left for anyone");
  slots.release("10.0.0.1");
  assert.equal(slots.take("10.0.0.200"), true, "a slot given back is anyone's");
  assert.equal(slots.take("10.0.0.1"), false);
  for (let i = 0; i < perAddress - 1; i++) slots.release("10.0.0.1");
  slots.release("10.0.0.200");
  assert.equal(slots.take("10.0.0.1"), true);
});

Deno.test("SearchShare lets searches on the event loop take a burst, then their share of the time", () => {
  const share = new SearchShare(0);
  assert.equal(share.free(0), true);
  // Cheap searches, many at once, within the burst.
  for (let i = 0; i < 50; i++) share.spend(1, 0);
  assert.equal(share.free(0), true);
  // One that took more than what was left: nobody searches until its time is made up.
  share.spend(LOOP_SEARCH_BURST_MS, 0);
  assert.equal(share.free(0), false);
  const madeUp = 50 / LOOP_SEARCH_SHARE;
  assert.equal(share.free(madeUp - 1), false);
  assert.equal(share.free(madeUp + 1), true);
  // A long pause gives back the burst, and no more.
  share.spend(LOOP_SEARCH_BURST_MS - 1, 1_000_000);
  assert.equal(share.free(1_000_000), true);
  share.spend(2, 1_000_000);
  assert.equal(share.free(1_000_000), false);
  // A clock that steps back gives nothing.
  assert.equal(share.free(0), false);
});

Deno.test("collectMatches() walks newest first and stops one match past the limit, or at the budget", () => {
  const candidates = [10, 9, 8, 7, 6, 5].map((id) => ({ id }));
  const even = ({ id }: { id: number }) => id % 2 === 0 ? id : undefined;
  assert.deepEqual(collectMatches(candidates, even, { limit: 50 }), { found: [6, 8, 10] });
  assert.deepEqual(collectMatches(candidates, even, { limit: 2 }), {
    found: [8, 10],
    more: true,
  }, "6 matches too: there are more");
  assert.deepEqual(collectMatches(candidates, even, { limit: 3 }), { found: [6, 8, 10] });
  assert.deepEqual(collectMatches(candidates, even, { limit: 2, budget: 4 }), {
    found: [8, 10],
    stoppedAt: 7,
  }, "the budget ran out before a third match: whether there are more is not known");
  assert.deepEqual(collectMatches(candidates, even, { limit: 50, budget: 3 }), {
    found: [8, 10],
    stoppedAt: 8,
  });
  assert.deepEqual(collectMatches(candidates, even, { limit: 50, budget: 6 }), {
    found: [6, 8, 10],
  }, "a budget that exactly covers every candidate is not cut short");
  assert.deepEqual(collectMatches(candidates, even, { limit: 0 }), { found: [] });
  let pulled = 0;
  function* counting() {
    for (const candidate of candidates) {
      pulled++;
      yield candidate;
    }
  }
  collectMatches(counting(), even, { limit: 50, budget: 2 });
  assert.equal(pulled, 3, "one past the budget, to know there was more");
});

// Both stores, the same cases.

interface StoreKind {
  readonly name: string;
  open(dir: string): HistoryStore;
}

const STORES: StoreKind[] = [
  { name: "MemoryHistory", open: () => new MemoryHistory(10_000) },
  { name: "SqliteHistory", open: (dir) => SqliteHistory.open(`${dir}/history.db`) },
];

function message(id: number, text: string, room = "#a"): MessageFrame {
  return { type: "message", id, ts: 1_700_000_000_000 + id, room, from: "ann", text };
}

function ids(messages: MessageFrame[]): number[] {
  return messages.map((frame) => frame.id);
}

function find(store: HistoryStore, room: string, text: string, limit = 50, budget?: number) {
  const options = budget === undefined ? { limit } : { limit, budget };
  const result = store.find(room, accepted(text), options);
  return {
    ids: ids(result.found),
    searched: result.searched,
    ...result.more ? { more: result.more } : {},
  };
}

for (const kind of STORES) {
  Deno.test(`${kind.name}: search() matches short words whole and longer ones as prefixes`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "chat_search_test_" });
    try {
      using store = kind.open(dir);
      const texts = [
        "before 7",
        "before 70",
        "atom bomb",
        "at noon",
        "lunch time",
        "lunar eclipse",
      ];
      texts.forEach((text, i) => store.append(message(i + 1, text)));
      const cases: [string, number[]][] = [
        ["7", [1]],
        ["70", [2]],
        ["befo 7", [1]],
        ["at", [4]],
        ["ato", [3]],
        ["lu", []],
        ["lun", [5, 6]],
        ["lunc", [5]],
        ["LUNCH TIME", [5]],
        ["eclipses", []],
      ];
      for (const [query, expected] of cases) {
        assert.deepEqual(ids(store.search("#a", query, 10)), expected, query);
      }
      assert.deepEqual(store.search("#a", "x ".repeat(MAX_SEARCH_WORDS + 1), 10), [], "refused");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(
    `${kind.name}: find() examines at most the budget, newest first, of the room's own messages`,
    async () => {
      const dir = await Deno.makeTempDir({ prefix: "chat_search_test_" });
      try {
        using store = kind.open(dir);
        for (let id = 1; id <= 10; id++) {
          store.append(message(id, `needle ${id}`, [1, 2, 3, 9].includes(id) ? "#a" : "#b"));
        }
        store.append(message(11, "hay", "#a"));
        // Candidates 9 and 3 of #a; 2 is next: #a's 3, 9 and 11 were searched. The newer
        // matches of #b count for nothing, and say nothing of #b.
        assert.deepEqual(find(store, "#a", "needle", 50, 2), { ids: [3, 9], searched: 3 });
        assert.deepEqual(find(store, "#a", "needle", 50, 4), {
          ids: [1, 2, 3, 9],
          searched: undefined,
        });
        assert.deepEqual(find(store, "#a", "needle", 50, 10), {
          ids: [1, 2, 3, 9],
          searched: undefined,
        });
        assert.deepEqual(find(store, "#a", "needle", 2, 100), {
          ids: [3, 9],
          searched: undefined,
          more: true,
        });
        assert.deepEqual(find(store, "#a", "needle", 4, 100), {
          ids: [1, 2, 3, 9],
          searched: undefined,
        });
        assert.deepEqual(find(store, "#b", "needle", 50, 1), { ids: [10], searched: 1 });
        assert.deepEqual(find(store, "#c", "needle", 50, 1), { ids: [], searched: undefined });
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );
}

for (const kind of STORES) {
  Deno.test(`${kind.name}: find() refuses a prefix that starts too many stored words, folded as indexed`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "chat_search_test_" });
    try {
      using store = kind.open(dir);
      const zzq = Array.from({ length: 31 }, (_, i) => `zzq${i}`).join(" ");
      const accented = Array.from({ length: 12 }, (_, i) => `ááá${i}`).join(" ");
      store.append(message(1, zzq));
      store.append(message(2, accented, "#b"));
      const broad = (text: string, prefixWords: number) =>
        store.find("#a", accepted(text), { limit: 50, prefixWords }).tooBroad;
      assert.equal(broad("zzq", 30), "zzq", "31 words start with zzq");
      assert.equal(broad("zzq", 31), undefined);
      assert.deepEqual(find(store, "#a", "zzq"), { ids: [1], searched: undefined });
      assert.equal(broad("zzq1", 11), undefined, "zzq1 and zzq10 to zzq19");
      assert.equal(broad("zzq1 zzq2", 21), "zzq2", "the words count together");
      assert.equal(broad("zzq1 zzq2", 22), undefined);
      // Accents and case fold as the index folds them; in SQLite every room's
      // words count, in the memory store the room's own.
      const broadIn = (room: string, text: string, prefixWords: number) =>
        store.find(room, accepted(text), { limit: 50, prefixWords }).tooBroad;
      const wordsRoom = kind.name === "MemoryHistory" ? "#b" : "#a";
      assert.equal(broadIn(wordsRoom, "AAA", 11), "aaa");
      assert.equal(broadIn(wordsRoom, "ÀÀÀ", 11), "ààà");
      assert.equal(broadIn(wordsRoom, "aaa", 12), undefined);
      if (kind.name === "MemoryHistory") assert.equal(broad("aaa", 0), undefined, "#b's words");
      assert.equal(broad("zz aa", 0), undefined, "short words are no prefixes");
      assert.deepEqual(store.find("#a", accepted("zzq"), { limit: 50, prefixWords: 30 }).found, []);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("MemoryHistory and SqliteHistory answer the same queries the same way", async () => {
  const random = seeded(11);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const vocabulary = [
    "lunch",
    "Lunchtime",
    "launch",
    "café",
    "CAFE",
    "cafeteria",
    "crème",
    "Creme",
    "école",
    "naïve",
    "résumé",
    "straße",
    "Über",
    "über",
    "ÅNGSTRÖM",
    "mañana",
    "Ελλάδα",
    "привет",
    "Привет",
    "中文",
    "中文字",
    "日本語",
    "7",
    "70",
    "700",
    "12:30",
    "a",
    "I",
    "to",
    "at",
    "atom",
    "build",
    "builder",
    "re-build",
    "well-known",
    "don't",
    "x_y",
    "e-mail",
    "😀",
    "👩‍💻",
    "#lobby",
    "@bob",
    "C++",
    "v2.0",
    "ﬁle",
    "Ǆemal",
    "İstanbul",
    "ǅ",
    "µs",
    "K",
    "Ω",
  ];
  const sentence = () =>
    Array.from({ length: 1 + Math.floor(random() * 8) }, () => pick(vocabulary)).join(" ");
  const dir = await Deno.makeTempDir({ prefix: "chat_search_test_" });
  try {
    using memory = new MemoryHistory(10_000);
    using sqlite = SqliteHistory.open(`${dir}/history.db`);
    for (let id = 1; id <= 600; id++) {
      const frame = message(id, sentence(), pick(["#a", "#a", "#a", "#b"]));
      memory.append(frame);
      sqlite.append(frame);
    }
    let compared = 0;
    let nonEmpty = 0;
    for (let i = 0; i < 400; i++) {
      const words = Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
        const word = pick(vocabulary);
        // Sometimes only the start of a word, in another case.
        const cut = random() < 0.4
          ? [...word].slice(0, 1 + Math.floor(random() * 4)).join("")
          : word;
        return random() < 0.3 ? cut.toUpperCase() : random() < 0.3 ? cut.toLowerCase() : cut;
      });
      const text = words.join(" ");
      const checked = parseSearch(text);
      if (!checked.ok) continue;
      const room = pick(["#a", "#b"]);
      const budget = pick([5, 40, 1_000]);
      const prefixWords = pick([2, 8, 2_000]);
      const what = `${JSON.stringify(text)} in ${room}, budget ${budget}`;
      // Within the limits, both find the same.
      const whole = { limit: 20, budget: 1_000, prefixWords: 2_000 };
      const inMemory = memory.find(room, checked.query, whole);
      const inSqlite = sqlite.find(room, checked.query, whole);
      // The search thread, with a read-only connection of its own, finds what this one does.
      if (i % 8 === 0) {
        assert.deepEqual(await sqlite.findAsync(room, checked.query, whole), inSqlite, what);
      }
      assert.deepEqual(
        { ids: ids(inMemory.found), searched: inMemory.searched, broad: inMemory.tooBroad },
        { ids: ids(inSqlite.found), searched: inSqlite.searched, broad: inSqlite.tooBroad },
        what,
      );
      // With a small budget, both count the room's own candidates alike.
      const cut = memory.find(room, checked.query, { limit: 20, budget, prefixWords });
      const sqliteCut = sqlite.find(room, checked.query, { limit: 20, budget, prefixWords });
      // The candidates the budget counts: the room's messages holding every
      // word of the index (all of them when no word is), newest last; those
      // holding the other words too are the matches.
      const holds = (frame: MessageFrame) =>
        checked.query.inside.every((word) =>
          frame.text.normalize("NFKC").toLowerCase().includes(word)
        );
      const pool = checked.query.match === ""
        ? sqlite.recent(room, 10_000)
        : memory.find(room, { ...checked.query, inside: [] }, {
          limit: 1_000,
          budget: 1_000,
          prefixWords,
        });
      if (Array.isArray(pool) || pool.tooBroad === undefined) {
        const candidates = Array.isArray(pool) ? pool : pool.found;
        const holding = candidates.slice(-budget).filter(holds);
        assert.deepEqual(ids(cut.found), ids(holding).slice(-20), what);
        const stopped = holding.length < 20 && candidates.length > budget;
        assert.equal(cut.searched !== undefined, stopped, what);
        if (checked.query.match === "") {
          assert.equal(cut.searched, stopped ? budget : undefined, what);
        }
        if (sqliteCut.tooBroad === undefined) {
          assert.deepEqual(
            { ids: ids(sqliteCut.found), searched: sqliteCut.searched },
            { ids: ids(cut.found), searched: cut.searched },
            what,
          );
        }
      }
      compared++;
      if (inMemory.found.length > 0) nonEmpty++;
    }
    assert.ok(compared > 300 && nonEmpty > 100, `${compared} queries, ${nonEmpty} found something`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SqliteHistory indexes its file with the search rule's tokenizer", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat_search_test_" });
  try {
    SqliteHistory.open(`${dir}/history.db`).close();
    const db = new DatabaseSync(`${dir}/history.db`, { readOnly: true });
    try {
      const { sql } = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'messages_text'")
        .get() as { sql: string };
      assert.ok(sql.includes(`'${SEARCH_TOKENIZER}'`), sql);
    } finally {
      db.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("MemoryHistory's index forgets a message as soon as it leaves the room's window", () => {
  using store = new MemoryHistory(2);
  for (let id = 1; id <= 3; id++) store.append(message(id, `needle ${id}`));
  store.append(message(4, "needle in b", "#b"));
  assert.deepEqual(ids(store.search("#a", "needle", 10)), [2, 3]);
  assert.deepEqual(ids(store.search("#b", "needle", 10)), [4]);
  // Message 1 is no candidate any more: three candidates are all there are.
  assert.deepEqual(
    store.find("#a", accepted("needle"), { limit: 10, budget: 3 }).searched,
    undefined,
  );
  for (let id = 5; id <= 8; id++) store.append(message(id, `other ${id}`));
  assert.deepEqual(store.search("#a", "needle", 10), [], "trimmed in a batch by now");
  assert.deepEqual(ids(store.search("#a", "other", 10)), [7, 8]);
});
