/**
 * bench/run_search.ts in a tiny configuration, so the tool that measures
 * search keeps working as the server changes.
 */

import assert from "node:assert/strict";

const SCRIPT = new URL("../bench/run_search.ts", import.meta.url).pathname;

async function run(args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", SCRIPT, ...args],
    env: { NO_COLOR: "1" },
    stdin: "null",
    signal: AbortSignal.timeout(60_000),
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return new TextDecoder().decode(stdout);
}

Deno.test("bench/run_search.ts times every query on both stores, and refuses the hostile ones", async () => {
  const output = await run([
    "--messages",
    "300",
    "--memory",
    "20",
    "--crafted",
    "30",
    "--runs",
    "1",
  ]);
  assert.match(output, /^SQLite, 300 messages/m);
  assert.match(output, /^memory, 20 messages of 4 KB/m);
  assert.match(output, /^SQLite, 30 crafted messages/m);
  const stores = output.split("\n\n").filter((part) => /^(SQLite, 300|memory)/.test(part));
  assert.equal(stores.length, 2);
  for (const store of stores) {
    assert.match(store, /one common word +\d+\.\d ms +\d+ found: /);
    assert.match(store, /OR chain, \d+ chars +\d+\.\d ms +error text_invalid: /);
    assert.match(store, /8,000 one-letter words +\d+\.\d ms +error text_invalid: /);
  }
});

Deno.test("bench/run_search.ts --latency runs a real server and an honest pair next to a searcher", async () => {
  const output = await run([
    ...["--latency", "--messages", "300", "--seconds", "1", "--attack", "broad"],
  ]);
  assert.match(output, /hostile searches: the 3 commonest words/);
  const sent = /honest messages: (\d+) sent, (\d+) delivered/.exec(output);
  assert.ok(sent !== null, output);
  assert.ok(Number(sent[1]) > 0 && sent[1] === sent[2], output);
  assert.match(output, /dropped: nobody/);
});
