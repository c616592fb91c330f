/**
 * What `chat join` adds to presence around the core: `--away-after` read as
 * minutes, and whom the user ignores written down per server in the
 * configuration folder, without ever failing the client when it cannot be.
 */

import assert from "node:assert/strict";
import { UsageError } from "../cli/args.ts";
import { MAX_AWAY_AFTER_MINUTES, parseAwayAfter } from "../cli/join.ts";
import { configDir, IgnoreStore, loadIgnores, saveIgnores } from "../client/ignores.ts";
import { typingPrefix } from "../client/prompt.ts";

Deno.test("README gives the bounds of --away-after that parseAwayAfter() keeps", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const row = readme.split("\n").find((line) => line.startsWith("| `--away-after MIN`")) ?? "";
  assert.ok(row.includes(`(0 to ${MAX_AWAY_AFTER_MINUTES};`), row);
  assert.equal(parseAwayAfter(String(MAX_AWAY_AFTER_MINUTES)), MAX_AWAY_AFTER_MINUTES * 60_000);
  assert.throws(() => parseAwayAfter(String(MAX_AWAY_AFTER_MINUTES + 1)), UsageError);
});

Deno.test("parseAwayAfter() reads minutes, fractions too, 0 for never", () => {
  assert.equal(parseAwayAfter("15"), 15 * 60_000);
  assert.equal(parseAwayAfter("0"), 0);
  assert.equal(parseAwayAfter("0.5"), 30_000);
  assert.equal(parseAwayAfter("0.05"), 3_000);
  assert.equal(parseAwayAfter("1440"), 1_440 * 60_000);
  for (const bad of ["", "-1", "1441", "abc", "1e3", "0x10", ".5", "15m", "1.2345"]) {
    assert.throws(
      () => parseAwayAfter(bad),
      (error: unknown) =>
        error instanceof UsageError &&
        error.message === `invalid --away-after "${bad}": expected minutes from 0 (never) ` +
            "to 1440, such as 15 or 0.5",
      bad,
    );
  }
});

/** Runs `fn` with `XDG_CONFIG_HOME` set to `dir`, then puts it back. */
async function withConfigHome(dir: string, fn: () => Promise<void>): Promise<void> {
  const before = Deno.env.get("XDG_CONFIG_HOME");
  Deno.env.set("XDG_CONFIG_HOME", dir);
  try {
    await fn();
  } finally {
    if (before === undefined) Deno.env.delete("XDG_CONFIG_HOME");
    else Deno.env.set("XDG_CONFIG_HOME", before);
  }
}

Deno.test("the ignore lists are kept per server under $XDG_CONFIG_HOME/chat", async () => {
  const home = await Deno.makeTempDir();
  try {
    await withConfigHome(home, async () => {
      assert.equal(configDir(), `${home}/chat`);
      assert.deepEqual(await loadIgnores("a:5002"), [], "nothing yet");
      assert.ok(await saveIgnores("a:5002", ["bob", "Eve"]));
      assert.ok(await saveIgnores("b:5002", ["carol"]));
      assert.deepEqual(await loadIgnores("a:5002"), ["bob", "Eve"]);
      assert.deepEqual(await loadIgnores("b:5002"), ["carol"]);
      const store = new IgnoreStore("a:5002", () => assert.fail("it can be written"));
      store.save(["bob"]);
      store.save([]);
      await store.settled();
      assert.deepEqual(await store.load(), [], "the last list given stays");
      assert.deepEqual(JSON.parse(await Deno.readTextFile(`${home}/chat/ignores.json`)), {
        "b:5002": ["carol"],
      });
      // A damaged file is as if empty, and is replaced on the next change.
      await Deno.writeTextFile(`${home}/chat/ignores.json`, "{not json");
      assert.deepEqual(await loadIgnores("b:5002"), []);
      assert.ok(await saveIgnores("b:5002", ["dan"]));
      assert.deepEqual(await loadIgnores("b:5002"), ["dan"]);
      assert.deepEqual([...Deno.readDirSync(`${home}/chat`)].map((entry) => entry.name), [
        "ignores.json",
      ]);
    });
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("IgnoreStore: two clients of one user on one server keep each other's changes", async () => {
  const home = await Deno.makeTempDir();
  try {
    await withConfigHome(home, async () => {
      assert.ok(await saveIgnores("a:5002", ["dan"]));
      const first = new IgnoreStore("a:5002", () => assert.fail("it can be written"));
      const second = new IgnoreStore("a:5002", () => assert.fail("it can be written"));
      assert.deepEqual(await first.load(), ["dan"]);
      assert.deepEqual(await second.load(), ["dan"]);
      // One ignores bob; the other, which knows nothing of bob, ignores eve and lets dan be.
      first.save(["dan", "bob"]);
      await first.settled();
      second.save(["dan", "eve"]);
      second.save(["eve"]);
      await second.settled();
      assert.deepEqual(await loadIgnores("a:5002"), ["bob", "eve"]);
    });
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("ignores.json keeps the names a person ignored had before, as older versions still read it", async () => {
  const home = await Deno.makeTempDir();
  try {
    await withConfigHome(home, async () => {
      const former = { name: "dave", until: 1_733_140_000_000, now: "dave2" };
      const store = new IgnoreStore("a:5002", () => assert.fail("it can be written"));
      assert.deepEqual(await store.load(), []);
      store.save(["dave"]);
      store.save(["dave2", former]);
      await store.settled();
      assert.deepEqual(await loadIgnores("a:5002"), ["dave2", former]);
      const file = JSON.parse(await Deno.readTextFile(`${home}/chat/ignores.json`));
      assert.deepEqual(file, { "a:5002": ["dave2", former] });
      // What a version that knew only names reads of it: the name ignored now.
      const older = (file["a:5002"] as unknown[]).filter((name) => typeof name === "string");
      assert.deepEqual(older, ["dave2"]);
      // A file an older version wrote, and entries that are neither, are read as before.
      await Deno.writeTextFile(
        `${home}/chat/ignores.json`,
        JSON.stringify({ "a:5002": ["bob", 7, { name: "x" }, { ...former, until: "soon" }] }),
      );
      assert.deepEqual(await loadIgnores("a:5002"), ["bob"]);
    });
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("IgnoreStore: two clients keep each other's former names too", async () => {
  const home = await Deno.makeTempDir();
  try {
    await withConfigHome(home, async () => {
      const former = { name: "dave", until: 1_000, now: "dave2" };
      assert.ok(await saveIgnores("a:5002", ["dave"]));
      const first = new IgnoreStore("a:5002", () => assert.fail("it can be written"));
      const second = new IgnoreStore("a:5002", () => assert.fail("it can be written"));
      await first.load();
      await second.load();
      first.save(["dave2", former]);
      await first.settled();
      // The other, which did not see the rename, ignores eve.
      second.save(["dave", "eve"]);
      await second.settled();
      assert.deepEqual(await loadIgnores("a:5002"), ["dave2", "eve", former]);
    });
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("IgnoreStore says once that it cannot write, and never throws", async () => {
  const file = await Deno.makeTempFile();
  try {
    // A folder inside a file cannot be made.
    await withConfigHome(`${file}/inside`, async () => {
      let told = 0;
      const store = new IgnoreStore("a:5002", () => told++);
      assert.deepEqual(await store.load(), []);
      store.save(["bob"]);
      store.save(["bob", "eve"]);
      await store.settled();
      assert.equal(told, 1);
    });
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("typingPrefix() names who is typing before the prompt, cut to the width it is given", () => {
  assert.equal(typingPrefix([], 80), "");
  assert.equal(typingPrefix(["bob"], 80), "(bob is typing…) ");
  assert.equal(typingPrefix(["bob", "ann"], 80), "(bob and ann are typing…) ");
  assert.equal(typingPrefix(["a", "b", "c"], 80), "(3 people are typing…) ");
  assert.equal(typingPrefix(["bob\x1b[2J"], 80), "(bob is typing…) ", "cleaned");
  assert.equal(typingPrefix([], 80, ["bob"]), "(bob is typing to you…) ", "to the user alone");
  assert.equal(
    typingPrefix(["ann"], 80, ["bob", "cy"]),
    "(ann is typing…; bob and cy are typing to you…) ",
  );
  assert.equal(typingPrefix(["a_very_long_name_indeed"], 13), "(a_very_lo…) ");
  assert.equal(typingPrefix(["a_very_long_name_indeed"], 4), "(a_very_…) ", "never below 11");
});
