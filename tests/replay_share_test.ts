/**
 * Many whole-history replays at once, over real sockets: they share the
 * server's time, so that everyone else is still answered promptly, and
 * each of them still ends with every message.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { encodeFrame, LOBBY } from "../protocol.ts";
import { startServer } from "../server.ts";
import { SqliteHistory } from "../server/history/sqlite.ts";
import { LOOPBACK, TestClient, within } from "./_test_utils.ts";

/** Messages of the history, all in the lobby, of about 90 bytes each as replayed. */
const STORED = 12_000;

/** Connections replaying the whole history at once. */
const REPLAYS = 12;

/** Writes `count` short messages to the lobby of a new history file at `path`, in one transaction. */
function fillLobby(path: string, count: number): void {
  SqliteHistory.open(path).close(); // the schema, as the server makes it
  const db = new DatabaseSync(path);
  try {
    db.exec(
      `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ${count}) ` +
        "INSERT INTO messages (id, ts, room, sender, text) " +
        `SELECT x, 1767225600000 + x, '${LOBBY}', 'ann', 'message number ' || x FROM n`,
    );
  } finally {
    db.close();
  }
}

/**
 * Says hello with `since: 0`, then a ping, and reads everything until the
 * pong that follows the replay; resolves to how many replayed messages came
 * before it. Reads cheaply: this test's process is also the server's.
 */
async function replayAll(port: number, name: string): Promise<number> {
  const conn = await Deno.connect({ hostname: LOOPBACK, port });
  try {
    const hello = encodeFrame({ type: "hello", version: 1, name, since: 0 });
    await conn.write(new TextEncoder().encode(hello + encodeFrame({ type: "ping", token: "end" })));
    const decoder = new TextDecoder();
    let replayed = 0;
    let tail = "";
    const buffer = new Uint8Array(256 * 1024);
    for (;;) {
      const read = await conn.read(buffer);
      if (read === null) throw new Error(`${name}: the server closed before the replay ended`);
      const text = tail + decoder.decode(buffer.subarray(0, read), { stream: true });
      const cut = text.lastIndexOf("\n") + 1;
      for (
        let at = text.indexOf(REPLAYED);
        at !== -1 && at < cut;
        at = text.indexOf(REPLAYED, at + 1)
      ) {
        replayed++;
      }
      if (text.lastIndexOf(END, cut) !== -1) return replayed;
      tail = text.slice(cut);
    }
  } finally {
    conn.close();
  }
}

/** What marks a replayed message, and the pong after the replay, as the server encodes them. */
const REPLAYED = '"replay":true';
const END = '"token":"end"';

Deno.test("whole-history replays at once share the server's time: others are answered promptly", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat_replay_share_test_" });
  try {
    fillLobby(`${dir}/history.db`, STORED);
    const store = SqliteHistory.open(`${dir}/history.db`);
    try {
      await using server = await startServer({
        hostname: LOOPBACK,
        port: 0,
        history: store,
        messageRate: 10_000,
      });
      const port = server.addr.port;
      await using ann = await TestClient.join(port, "ann");
      await ann.sync();
      const replays = Promise.all(
        Array.from({ length: REPLAYS }, (_, i) => replayAll(port, `hist${i}`)),
      );
      let done = false;
      replays.then(() => done = true, () => done = true);
      // Meanwhile ann's pings are answered, one after another, each within a bound.
      let answered = 0;
      const took: number[] = [];
      while (!done) {
        const start = performance.now();
        await ann.send({ type: "ping", token: `a${answered}` });
        await ann.next("pong", (frame) => frame.token === `a${answered}`, 5_000);
        took.push(performance.now() - start);
        answered++;
      }
      const all = await within(replays, 120_000, "the replays");
      assert.deepEqual(all, Array(REPLAYS).fill(STORED));
      assert.ok(answered >= 3, `ann was answered ${answered} times during the replays`);
      // Bounds with room for a loaded machine: unpaced, the replays held ann's pings for
      // about a quarter of a second each, and some of them for seconds.
      took.sort((a, b) => a - b);
      const median = took[Math.floor(took.length / 2)]!;
      const slowest = took.at(-1)!;
      console.log(
        `ann's pings: median ${Math.round(median)} ms, slowest ${Math.round(slowest)} ms`,
      );
      assert.ok(median < 100, `ann's pings took ${Math.round(median)} ms (median)`);
      assert.ok(slowest < 1_500, `ann's slowest ping took ${Math.round(slowest)} ms`);
    } finally {
      store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
