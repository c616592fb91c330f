/** Pure tests of client/keys.ts: ESC and a key read together, told from the Alt keys and escape sequences. */

import assert from "node:assert/strict";
import { EscapeReads, pressedApart } from "../client/keys.ts";

Deno.test("pressedApart() makes ESC and a key read together Esc, then that key", () => {
  const apart = pressedApart({ name: "h", meta: true, sequence: "\x1bh" });
  assert.deepEqual(apart?.map(({ text, key }) => [text, key.name, key.shift]), [
    [undefined, "escape", false],
    ["h", "h", false],
  ]);
  const capital = pressedApart({ name: "h", meta: true, shift: true, sequence: "\x1bH" });
  assert.deepEqual(capital?.at(-1), {
    text: "H",
    key: { sequence: "H", name: "h", ctrl: false, meta: false, shift: true },
  });
  // Keys node:readline names, and characters it does not.
  const names = (sequence: string) =>
    pressedApart({ meta: true, sequence })?.map(({ key }) => key.ctrl ? `C-${key.name}` : key.name);
  assert.deepEqual(names("\x1b\r"), ["escape", "return"]);
  assert.deepEqual(names("\x1b "), ["escape", "space"]);
  assert.deepEqual(names("\x1b\x01"), ["escape", "C-a"]);
  assert.deepEqual(names("\x1b\x1b\x1b"), ["escape", "escape", "escape"]);
  assert.deepEqual(pressedApart({ meta: true, sequence: "\x1bé" })?.at(-1)?.text, "é");
});

Deno.test("pressedApart() leaves Esc alone, escape sequences and other keys", () => {
  assert.equal(pressedApart({ name: "escape", meta: true, sequence: "\x1b" }), undefined);
  assert.equal(pressedApart({ name: "up", sequence: "\x1b[A", code: "[A" }), undefined);
  assert.equal(
    pressedApart({ name: "up", meta: true, sequence: "\x1b\x1b[A", code: "[A" }),
    undefined,
  );
  assert.equal(pressedApart({ name: "undefined", sequence: "\x1b[200", code: "[200" }), undefined);
  assert.equal(pressedApart({ name: "h", sequence: "h" }), undefined);
  assert.equal(pressedApart({ name: "a", ctrl: true, sequence: "\x01" }), undefined);
});

Deno.test("EscapeReads.key() tells a key read after a read that ended in ESC", () => {
  const reads = new EscapeReads();
  // Alt+H: ESC and h in one read.
  reads.read("\x1bh");
  assert.equal(reads.key({ name: "h", meta: true, sequence: "\x1bh" }), false);
  // Esc, then h in a read of its own: readline may give them as one key, the first of the read.
  reads.read(new Uint8Array([0x1b]));
  reads.read("hi");
  assert.equal(reads.key({ name: "h", meta: true, sequence: "\x1bh" }), true);
  assert.equal(reads.key({ name: "i", sequence: "i" }), false);
  // Esc given alone once no more came in time: the next read does not follow an ESC.
  reads.read("\x1b");
  assert.equal(reads.key({ name: "escape", meta: true, sequence: "\x1b" }), false);
  reads.read("d");
  assert.equal(reads.key({ name: "d", sequence: "d" }), false);
});
