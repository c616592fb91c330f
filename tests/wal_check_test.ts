/**
 * findWalDamage() on write-ahead logs that real SQLite wrote: each one is
 * left behind by a child process killed with SIGKILL, so SQLite never tidies
 * it up, then damaged (or not) the way a disk or a person might.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { findWalDamage } from "../server/history/wal_check.ts";
import { evalThenKill } from "./_fault_helpers.ts";

const HEADER = 32;
const FRAME_HEADER = 24;

/**
 * Runs `script` with `db`, a new WAL-mode file, in a child process; then
 * SIGKILLs the child and returns the database path.
 */
async function killedWriter(dir: string, script: string): Promise<string> {
  const path = `${dir}/test.db`;
  const code = `
    import { DatabaseSync } from "node:sqlite";
    const db = new DatabaseSync(${JSON.stringify(path)});
    db.exec("PRAGMA locking_mode = EXCLUSIVE");
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    ${script}
    console.log("written");
    // A timer keeps the process alive until the kill: a bare pending promise would end it.
    setInterval(() => {}, 60_000);`;
  await evalThenKill(code, "written");
  return path;
}

/** A script that creates table `t` and inserts `count` rows, one transaction each. */
function inserts(count: number): string {
  return `
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT)");
    const insert = db.prepare("INSERT INTO t (x) VALUES (?)");
    for (let i = 0; i < ${count}; i++) insert.run("row " + i);`;
}

/** Rows SQLite reads back from `path`. */
function rowCount(path: string): number {
  const db = new DatabaseSync(path);
  try {
    return (db.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

interface Layout {
  pageSize: number;
  frameBytes: number;
  frames: number;
  /** Indexes of commit frames. */
  commits: number[];
}

/** Reads a log's frame layout, trusting it: the tests' own view of the file. */
function layout(wal: Uint8Array): Layout {
  const view = new DataView(wal.buffer, wal.byteOffset, wal.byteLength);
  const pageSize = view.getUint32(8);
  const frameBytes = FRAME_HEADER + pageSize;
  const frames = Math.floor((wal.length - HEADER) / frameBytes);
  const commits = [];
  for (let i = 0; i < frames; i++) {
    if (view.getUint32(HEADER + i * frameBytes + 4) !== 0) commits.push(i);
  }
  return { pageSize, frameBytes, frames, commits };
}

/** Flips 64 bytes of `wal` from `offset`, as a bad sector or a stray write would change them. */
function damage(wal: Uint8Array, offset: number): Uint8Array {
  const copy = wal.slice();
  for (let i = offset; i < offset + 64; i++) copy[i] = copy[i]! ^ 0xff;
  return copy;
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "chat_wal_check_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("findWalDamage() finds transactions after a damaged frame, which SQLite drops", async (t) => {
  await withDir(async (dir) => {
    const path = await killedWriter(dir, inserts(40));
    const wal = await Deno.readFile(`${path}-wal`);
    const { frameBytes, commits } = layout(wal);
    assert.equal(commits.length, 41, "one commit per statement, all in the log");

    await t.step("an undamaged log left by SIGKILL holds no damage", () => {
      assert.equal(findWalDamage(wal), undefined);
      assert.equal(findWalDamage(new Uint8Array()), undefined);
    });

    await t.step("64 bytes in the page of the 21st transaction's commit frame", async () => {
      const frame = commits[20]!;
      const offset = HEADER + frame * frameBytes;
      const damaged = damage(wal, offset + FRAME_HEADER + 1000);
      assert.deepEqual(findWalDamage(damaged), { offset, lostCommits: 20 });
      // What SQLite makes of it: the damaged transaction and all after it are gone.
      await Deno.writeFile(`${path}-wal`, damaged);
      assert.equal(rowCount(path), 19);
    });

    await t.step("64 bytes across a frame header: its checksum and salts", () => {
      const frame = commits[30]!;
      const offset = HEADER + frame * frameBytes;
      const damaged = damage(wal, offset);
      assert.deepEqual(findWalDamage(damaged), { offset, lostCommits: 10 });
    });

    await t.step("a damaged header makes SQLite ignore the whole log", () => {
      assert.deepEqual(findWalDamage(damage(wal, 0)), { offset: 0, lostCommits: undefined });
      const zeros = new Uint8Array(wal.length);
      assert.equal(findWalDamage(zeros), undefined, "a log of zeros held nothing");
    });

    await t.step(
      "damage to the last transaction looks like a write cut short: not reported",
      () => {
        const frame = commits.at(-1)!;
        const damaged = damage(wal, HEADER + frame * frameBytes + FRAME_HEADER + 8);
        assert.equal(findWalDamage(damaged), undefined);
      },
    );

    await t.step("a log cut in the middle of a frame is not damage", () => {
      const cut = wal.subarray(0, HEADER + commits[25]! * frameBytes + 100);
      assert.equal(findWalDamage(cut), undefined);
      assert.equal(findWalDamage(wal.subarray(0, 20)), undefined);
    });
  });
});

Deno.test("findWalDamage() does not take the frames of a rolled-back transaction for damage", async () => {
  await withDir(async (dir) => {
    // A tiny page cache makes the big transaction spill its pages into the log before
    // it is rolled back; the short one after it overwrites only the first of them.
    const path = await killedWriter(
      dir,
      `${inserts(5)}
      db.exec("PRAGMA cache_size = 2");
      db.exec("BEGIN");
      for (let i = 0; i < 200; i++) insert.run("x".repeat(3000));
      db.exec("ROLLBACK");
      insert.run("after the rollback");`,
    );
    const wal = await Deno.readFile(`${path}-wal`);
    const { frames, commits } = layout(wal);
    assert.ok(
      frames > commits.at(-1)! + 100,
      `${frames} frames, the last commit is frame ${commits.at(-1)}`,
    );
    assert.equal(findWalDamage(wal), undefined);
    assert.equal(rowCount(path), 6);
  });
});
