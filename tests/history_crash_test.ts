/**
 * A message its sender saw acknowledged survives the server being killed:
 * the real `chat serve` process is sent SIGKILL in the middle of a burst,
 * then the history file is read directly and through a restarted server.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { encodeFrame, LOBBY, type MessageFrame } from "../protocol.ts";
import { ChatProcess } from "./_chat_process.ts";
import { seeded } from "./_random.ts";
import { TestClient, within } from "./_test_utils.ts";

/**
 * The server lets one connection send 40 frames at once, then 10 a second,
 * and takes 32 connections from one address: many senders make a burst that
 * is still arriving when the kill comes.
 */
const SENDERS = 24;
/** Frames each sender writes at once, without waiting for acknowledgements. */
const PER_SENDER = 500;
/** Messages the server replays to a newcomer. */
const REPLAY = 50;
/** Kill points: a seeded number of acknowledgements seen, one per round. */
const SEED = 20_261_127;
const ROUNDS = 3;
const MIN_ACKS = 300;
const MAX_ACKS = 1_200;

/** `chat serve` on `dataDir` in a child process; disposal kills it if it still runs. */
function serve(dataDir: string): ChatProcess {
  return new ChatProcess(
    ["serve", "--host", "127.0.0.1", "--port", "0", "--no-web", "--data-dir", dataDir],
    { stdin: "null" },
  );
}

interface Row {
  id: number;
  room: string;
  sender: string;
  text: string;
}

/** Every stored message, read from the file with a read-only connection. */
function readRows(path: string): Row[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const rows = db.prepare("SELECT id, room, sender, text FROM messages ORDER BY id").all();
    // Plain objects: node:sqlite gives rows a null prototype.
    return rows.map((row) => ({ ...row }) as unknown as Row);
  } finally {
    db.close();
  }
}

/** Compares a newcomer's replay with the last stored rows of the lobby. */
function assertReplay(replay: MessageFrame[], rows: Row[], what: string): void {
  const expected = rows.filter((row) => row.room === LOBBY).slice(-REPLAY);
  assert.deepEqual(
    replay.map(({ id, room, from, text, replay }) => ({ id, room, sender: from, text, replay })),
    expected.map((row) => ({ ...row, replay: true })),
    what,
  );
}

/** Connects `SENDERS` clients; the first one's replay is checked against `rows`. */
async function connectSenders(port: number, rows: Row[], round: number): Promise<TestClient[]> {
  const clients: TestClient[] = [];
  try {
    for (let i = 0; i < SENDERS; i++) {
      const client = await TestClient.join(port, `s${i}`);
      clients.push(client);
    }
    await clients[0]!.sync();
    assertReplay(clients[0]!.all("message"), rows, `replay before round ${round}`);
    return clients;
  } catch (error) {
    for (const client of clients) await client[Symbol.asyncDispose]();
    throw error;
  }
}

/** Resolves once the clients have, together, seen `count` acknowledgements of their own. */
function acknowledged(clients: TestClient[], count: number): Promise<void> {
  let seen = 0;
  const watchers = clients.map((client, i) =>
    client.next("message", (frame) => {
      if (frame.from === `s${i}` && frame.replay === undefined) seen++;
      return seen >= count;
    }, 15_000)
  );
  // The watchers still waiting fail when the server dies; that is expected.
  for (const watcher of watchers) watcher.catch(() => {});
  return Promise.any(watchers).then(() => {});
}

Deno.test("chat serve keeps every acknowledged message through SIGKILL", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "chat_history_crash_test_" });
  const path = `${dir}/history.db`;
  const random = seeded(SEED);
  const started = performance.now();
  let rows: Row[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const killAt = MIN_ACKS + Math.floor(random() * (MAX_ACKS - MIN_ACKS));
      await t.step(`round ${round}: SIGKILL after ${killAt} acknowledgements`, async () => {
        await using server = serve(dir);
        const port = await server.port();
        const clients = await connectSenders(port, rows, round);
        const texts = clients.map((_, i) =>
          Array.from({ length: PER_SENDER }, (_, n) => `r${round} s${i} #${n}`)
        );
        let writes: Promise<unknown>[] = [];
        try {
          const reached = acknowledged(clients, killAt);
          // Everything at once, pipelined; writes still pending fail at the kill.
          writes = clients.map((client, i) =>
            client.write(texts[i]!.map((text) => encodeFrame({ type: "say", text })).join(""))
              .catch(() => {})
          );
          await within(reached, 15_000, `${killAt} acknowledgements`);
          const status = await server.stop("SIGKILL");
          assert.equal(status.signal, "SIGKILL", `exit ${status.code}: ${server.stderr}`);
          for (const client of clients) await client.closed(5_000);
        } finally {
          await Promise.all(writes);
          for (const client of clients) await client[Symbol.asyncDispose]();
        }

        // Read before any restart, so nothing but the killed server touched the file.
        const before = rows.length;
        rows = readRows(path);
        const ids = rows.map((row) => row.id);
        assert.equal(new Set(ids).size, ids.length, "ids are unique");
        const byId = new Map(rows.map((row) => [row.id, row]));
        let acks = 0;
        let stored = 0;
        for (const [i, client] of clients.entries()) {
          const name = `s${i}`;
          const own = client.all("message").filter((frame) =>
            frame.from === name && frame.replay === undefined
          );
          acks += own.length;
          // Acknowledgements come in send order, and each one is stored as acknowledged.
          assert.deepEqual(own.map((frame) => frame.text), texts[i]!.slice(0, own.length));
          for (const frame of own) {
            assert.deepEqual(
              byId.get(frame.id),
              { id: frame.id, room: LOBBY, sender: name, text: frame.text },
              `acknowledged message ${frame.id} of ${name} is stored`,
            );
          }
          // What is stored of a sender is the start of what it sent: in order, no gap, no duplicate.
          const mine = rows.filter((row) => row.text.startsWith(`r${round} ${name} #`));
          assert.ok(mine.every((row) => row.sender === name));
          assert.deepEqual(mine.map((row) => row.text), texts[i]!.slice(0, mine.length));
          assert.ok(
            mine.length >= own.length,
            `${name}: ${mine.length} stored, ${own.length} acked`,
          );
          stored += mine.length;
        }
        assert.ok(acks >= killAt, `${acks} acknowledgements`);
        assert.equal(rows.length, before + stored, "nothing else was stored");
        assert.ok(
          stored < SENDERS * PER_SENDER,
          `the kill came after the burst had ended: ${stored} stored`,
        );
        console.log(
          `round ${round}: SIGKILL sent once ${killAt} acks were seen; ${acks} acked in all, ` +
            `${stored} stored, ${SENDERS * PER_SENDER - stored} never arrived`,
        );
      });
    }

    await t.step(
      "a restarted server replays the last stored messages and stops cleanly",
      async () => {
        await using server = serve(dir);
        const port = await server.port();
        {
          await using newcomer = await TestClient.join(port, "newcomer");
          await newcomer.sync();
          assertReplay(newcomer.all("message"), rows, "replay after the last restart");
          await newcomer.send({ type: "history", limit: 500 });
          const info = await newcomer.next("info");
          assert.match(info.text, /^The last \d+ messages of #lobby:$/);
          await newcomer.sync();
          const history = newcomer.all("message").slice(REPLAY);
          assert.deepEqual(
            history.map((frame) => frame.id),
            rows.slice(-500).map((row) => row.id),
            "a history request reaches back 500",
          );
        }
        const status = await server.stop("SIGTERM");
        assert.equal(status.code, 0, server.stderr);
        assert.equal(server.stderr, "");
        assert.deepEqual(readRows(path), rows, "the restart kept every message");
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 20_000, `took ${Math.round(elapsed)} ms`);
});
