/** Tests of the name colour palette. */

import assert from "node:assert/strict";
import { colorOf, PALETTE } from "../core/palette.ts";

Deno.test("PALETTE holds 12 distinct xterm and CSS colours", () => {
  assert.equal(PALETTE.length, 12);
  assert.equal(new Set(PALETTE.map((color) => color.ansi)).size, 12);
  assert.equal(new Set(PALETTE.map((color) => color.css)).size, 12);
  for (const color of PALETTE) {
    assert.ok(Number.isInteger(color.ansi) && color.ansi >= 16 && color.ansi <= 255);
    assert.match(color.css, /^#[0-9a-f]{6}$/);
  }
});

Deno.test("colorOf() gives a name the same palette entry every time", () => {
  for (const name of ["alice", "bob", "Zoë", "李雷", "x"]) {
    const color = colorOf(name);
    assert.ok(PALETTE.includes(color), name);
    assert.strictEqual(colorOf(name), color, name);
  }
  // Pinned: a change here recolours every user on every screen.
  assert.deepStrictEqual(
    ["alice", "bob", "carol", "dave"].map((name) => PALETTE.indexOf(colorOf(name))),
    [11, 8, 2, 7],
  );
});

Deno.test("colorOf() gives names that are equal under nameKey() the same colour", () => {
  const groups = [
    ["Alice", "alice", "ALICE", "Ａｌｉｃｅ"],
    ["Zoë", "zoë", "ZOË", "Zoe\u0308"],
    ["Bob_2", "bob_2", "BOB_2"],
  ];
  for (const [first, ...others] of groups) {
    for (const other of others) assert.strictEqual(colorOf(other), colorOf(first!), other);
  }
});

Deno.test("colorOf() spreads 200 names over most of the palette", () => {
  const stems = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];
  const counts = new Map<number, number>();
  for (let i = 0; i < 200; i++) {
    const name = `${stems[i % stems.length]}${Math.floor(i / stems.length)}`;
    const index = PALETTE.indexOf(colorOf(name));
    counts.set(index, (counts.get(index) ?? 0) + 1);
  }
  assert.ok(counts.size >= 10, `only ${counts.size} of 12 colours used`);
  const largest = Math.max(...counts.values());
  assert.ok(largest <= 40, `one colour has ${largest} of 200 names`);
});
