import assert from "node:assert/strict";
import { ConnectionGate } from "../server/limits.ts";

Deno.test("ConnectionGate logs the first refusal, then one line per ten seconds with a count", () => {
  const lines: string[] = [];
  const gate = new ConnectionGate({
    maxConnections: 2,
    maxPerAddress: 1,
    log: (line) => lines.push(line),
  });
  assert.equal(gate.admit("10.0.0.1", 0), undefined);
  assert.equal(gate.admit("10.0.0.1", 1), "Too many connections from your address");
  assert.deepEqual(lines, [
    "Refused a connection from 10.0.0.1: it has 1 open, the most allowed from one address",
  ]);
  // A flood of refusals is counted, not logged one by one.
  for (let now = 2; now < 100; now++) gate.admit("10.0.0.1", now);
  assert.equal(lines.length, 1);
  assert.equal(gate.admit("10.0.0.2", 100), undefined);
  assert.equal(gate.admit("10.0.0.3", 9_999), "The server is full; try again later");
  assert.equal(lines.length, 1);
  assert.equal(gate.admit("10.0.0.3", 10_001), "The server is full; try again later");
  assert.deepEqual(lines.slice(1), [
    "Refused a connection from 10.0.0.3: the server is full (2 open, the most allowed) " +
    "(and 99 more since the last report)",
  ]);
  assert.equal(gate.open, 2);
});
