import assert from "node:assert/strict";
import { ConnectionGate } from "../server/limits.ts";
import { PacedLog } from "../server/paced_log.ts";
import { waitUntil } from "./_test_utils.ts";

/** Lines about refusals with their periods as "N s". */
function withoutPeriods(lines: readonly string[]): string[] {
  return lines.map((line) => line.replace(/ in the last \d+ s,/, " in the last N s,"));
}

Deno.test("ConnectionGate logs the first refusal of a burst at once, and the count of the rest soon after", async () => {
  const lines: string[] = [];
  using gate = new ConnectionGate({
    maxConnections: 2,
    maxPerAddress: 1,
    log: (line) => lines.push(line),
    logEveryMs: 100,
  });
  assert.equal(gate.admit("10.0.0.1"), undefined);
  assert.equal(gate.admit("10.0.0.1"), "Too many connections from your address");
  assert.deepEqual(lines, [
    "Refused a connection from 10.0.0.1: it has 1 open, the most allowed from one address",
  ]);
  // A flood of refusals is counted, not logged one by one.
  for (let i = 0; i < 98; i++) gate.admit("10.0.0.1");
  assert.equal(gate.admit("10.0.0.2"), undefined);
  for (let i = 0; i < 3; i++) gate.admit("10.0.0.3");
  gate.admit("10.0.0.4");
  assert.equal(lines.length, 1);
  // Its count comes without waiting for a next refusal.
  await waitUntil(() => lines.length === 2, 2_000, "the count of the burst");
  assert.deepEqual(withoutPeriods(lines.slice(1)), [
    "Refused 102 more connections in the last N s, from 10.0.0.1 and 2 other addresses: " +
    "4 as the server was full (2 open, the most allowed), " +
    "98 over the limit of 1 open from one address",
  ]);
  assert.equal(gate.open, 2);
});

Deno.test("ConnectionGate logs a refusal that comes once a burst is over as the first of a new one", async () => {
  const lines: string[] = [];
  using gate = new ConnectionGate({
    maxConnections: 1,
    maxPerAddress: 1,
    log: (line) => lines.push(line),
    logEveryMs: 100,
  });
  gate.admit("10.0.0.1");
  gate.admit("10.0.0.1");
  gate.admit("10.0.0.1");
  await waitUntil(() => lines.length === 2, 2_000, "the count of the first burst");
  // No line for a while: the next refusal opens a burst of its own.
  const quiet = performance.now();
  await waitUntil(() => performance.now() - quiet > 150, 2_000, "a quiet period");
  gate.admit("10.0.0.2");
  assert.deepEqual(withoutPeriods(lines), [
    "Refused a connection from 10.0.0.1: the server is full (1 open, the most allowed)",
    "Refused 1 more connection in the last N s, from 10.0.0.1: " +
    "the server was full (1 open, the most allowed)",
    "Refused a connection from 10.0.0.2: the server is full (1 open, the most allowed)",
  ]);
});

Deno.test("ConnectionGate logs the refusals not told of yet when it is disposed", () => {
  const lines: string[] = [];
  {
    using gate = new ConnectionGate({
      maxConnections: 1,
      maxPerAddress: 1,
      log: (line) => lines.push(line),
    });
    for (const address of ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.3"]) gate.admit(address);
  }
  assert.deepEqual(withoutPeriods(lines), [
    "Refused a connection from 10.0.0.2: the server is full (1 open, the most allowed)",
    "Refused 2 more connections in the last N s, from 10.0.0.3: " +
    "the server was full (1 open, the most allowed)",
  ]);
});

Deno.test("PacedLog logs no more than a line per period while a flood lasts", async () => {
  const lines: string[] = [];
  let held = 0;
  using log = new PacedLog((line) => lines.push(line), () => {
    const line = `${held} more`;
    held = 0;
    return line;
  }, { everyMs: 50 });
  const start = performance.now();
  // Events for four periods or so.
  await waitUntil(
    () => {
      if (!log.event("first")) held++;
      return performance.now() - start > 220;
    },
    2_000,
    "a flood of events",
  );
  await waitUntil(() => held === 0, 2_000, "the last count");
  const elapsed = performance.now() - start;
  assert.equal(lines[0], "first");
  assert.ok(lines.slice(1).every((line) => /^\d+ more$/.test(line)), lines.join(", "));
  assert.ok(lines.length >= 4 && lines.length <= elapsed / 50 + 1, lines.join(", "));
});
