/**
 * The ids of bans: counted up on one server, kept as numbers as they always
 * were; in a cluster marked with the server that made them, so that two
 * servers banning at the same moment never write one note of two bans.
 */

import assert from "node:assert/strict";
import { Moderation, type NoteStore } from "../server/hub/moderation.ts";

/** A store of notes in a map, shared as a cluster's bucket is, `entry` being `kind.key`. */
function notes(kept = new Map<string, string>()): NoteStore & { kept: Map<string, string> } {
  return {
    kept,
    notes: (kind) =>
      [...kept].flatMap(([entry, value]): [string, string][] =>
        entry.startsWith(`${kind}.`) ? [[entry.slice(kind.length + 1), value]] : []
      ),
    note: (kind, key, value) => {
      if (value === undefined) kept.delete(`${kind}.${key}`);
      else kept.set(`${kind}.${key}`, value);
    },
  };
}

Deno.test("Moderation.ban() gives two servers banning at once two notes, each held by both", () => {
  const bucket = notes();
  const one = new Moderation(bucket, { server: "3f9a1c2e-0000-4000-8000-000000000001" });
  const two = new Moderation(bucket, { server: "b70d5e11-0000-4000-8000-000000000002" });
  // Neither has heard of the other's ban yet: both count on from none.
  const eve = one.ban({ key: "eve", name: "eve", by: "ann" }, undefined, 0);
  const fox = two.ban({ key: "fox", name: "fox", by: "dan" }, undefined, 0);
  assert.deepEqual([eve.id, fox.id], ["1-3f9a1c2e", "1-b70d5e11"]);
  assert.equal(bucket.kept.size, 2);
  // Each server hears of the other's.
  for (const [entry, value] of bucket.kept) {
    const key = entry.slice("ban.".length);
    one.noted("ban", key, value);
    two.noted("ban", key, value);
  }
  for (const moderation of [one, two]) {
    assert.deepEqual(moderation.bans(0).map((ban) => ban.name).sort(), ["eve", "fox"]);
  }
  // The next ban counts on from the highest known, and a lifted one goes from the bucket.
  assert.equal(one.ban({ key: "gus", name: "gus", by: "ann" }, undefined, 0).id, "2-3f9a1c2e");
  assert.deepEqual(two.unban("fox").map((ban) => ban.id), ["1-b70d5e11"]);
  assert.deepEqual([...bucket.kept.keys()].sort(), ["ban.1-3f9a1c2e", "ban.2-3f9a1c2e"]);
});

Deno.test("Moderation keeps the bans of a single server under numbers, and reads them back", () => {
  const store = notes(
    new Map([["ban.4", JSON.stringify({ id: 4, key: "eve", by: "ann", at: 0 })]]),
  );
  const moderation = new Moderation(store);
  const ban = moderation.ban({ key: "fox", name: "fox", by: "ann" }, undefined, 0);
  assert.equal(ban.id, "5");
  assert.equal(JSON.parse(store.kept.get("ban.5")!).id, 5);
  assert.deepEqual(new Moderation(store).bans(0).map((kept) => kept.id), ["4", "5"]);
});
