/** The reconnection backoff both clients share, and the heartbeat they follow: pure, no timers. */

import assert from "node:assert/strict";
import { Backoff, FIRST_RETRY_MS, MAX_RETRY_MS, retryDelay, SETTLED_MS } from "../core/backoff.ts";
import { DEFAULT_HEARTBEAT_S, Heartbeat, HEARTBEAT_GRACE_MS } from "../core/link.ts";

const LOW = () => 0;
const MID = () => 0.5;
const HIGH = () => 0.999999;

Deno.test("retryDelay() doubles from 1 s to 30 s, moved by at most a fifth either way", () => {
  const mids = Array.from({ length: 8 }, (_, attempt) => retryDelay(attempt, { random: MID }));
  assert.deepEqual(mids, [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  assert.equal(retryDelay(0, { random: LOW }), FIRST_RETRY_MS * 0.8);
  assert.equal(retryDelay(0, { random: HIGH }), FIRST_RETRY_MS * 1.2);
  assert.equal(retryDelay(2, { random: LOW }), 3_200);
  assert.equal(retryDelay(2, { random: HIGH }), 4_800);
  // Never longer than the longest delay, whatever the jitter.
  assert.equal(retryDelay(40, { random: HIGH }), MAX_RETRY_MS);
  assert.equal(retryDelay(40, { random: LOW }), MAX_RETRY_MS * 0.8);
  assert.equal(retryDelay(1, { first: 100, longest: 150, random: HIGH }), 150);
});

Deno.test("README says after how long a connection the waits start again from 1 s", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const said = /The waits start\s+again from (\d+) s once a connection has lasted (\d+) s/.exec(
    readme,
  );
  assert.ok(said !== null, "README does not say when the waits start again");
  assert.deepEqual([Number(said[1]) * 1000, Number(said[2]) * 1000], [FIRST_RETRY_MS, SETTLED_MS]);
});

Deno.test("Backoff", async (t) => {
  await t.step("next() counts failures in a row", () => {
    const backoff = new Backoff({ random: MID });
    assert.deepEqual([backoff.next(0), backoff.next(0), backoff.next(0)], [1_000, 2_000, 4_000]);
  });

  await t.step("a connection dropped soon after its welcome is a failure too", () => {
    const backoff = new Backoff({ random: MID });
    backoff.welcomed(0);
    assert.equal(backoff.next(100), 1_000);
    backoff.welcomed(1_000);
    assert.equal(backoff.next(1_000 + SETTLED_MS - 1), 2_000);
  });

  await t.step("one that lasted starts the count again", () => {
    const backoff = new Backoff({ random: MID });
    backoff.next(0);
    backoff.next(0);
    backoff.welcomed(10);
    assert.equal(backoff.next(10 + SETTLED_MS), 1_000);
    // Failed attempts after it count from there.
    assert.equal(backoff.next(20_000), 2_000);
  });
});

Deno.test("Heartbeat", async (t) => {
  await t.step("check() pings once after a third of the heartbeat, and gives up after it", () => {
    const beat = new Heartbeat(0, 30);
    assert.equal(beat.check(10_000), undefined);
    assert.equal(beat.check(10_001), "ping");
    assert.equal(beat.check(20_000), undefined);
    assert.equal(beat.check(30_000 + HEARTBEAT_GRACE_MS), undefined);
    assert.equal(beat.check(30_001 + HEARTBEAT_GRACE_MS), "dead");
  });

  await t.step("heard() counts any frame as an answer", () => {
    const beat = new Heartbeat(0, 30);
    assert.equal(beat.check(10_001), "ping");
    beat.heard(12_000);
    assert.equal(beat.check(22_000), undefined);
    assert.equal(beat.check(22_001), "ping");
    assert.equal(beat.check(30_001 + HEARTBEAT_GRACE_MS), undefined, "heard at 12 s");
  });

  await t.step("a welcome without a heartbeat means the default", () => {
    for (const seconds of [undefined, 0, -1]) {
      const beat = new Heartbeat(0, seconds);
      assert.equal(beat.check((DEFAULT_HEARTBEAT_S * 1000) / 3 + 1), "ping", String(seconds));
    }
  });
});
