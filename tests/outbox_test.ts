/** The outbox's joined writes: one buffer per form of the frames in a flush, never a wrong one. */

import assert from "node:assert/strict";
import { join } from "../server/transports/outbox.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("join() gives sessions with the same chunks one buffer, even interleaved", () => {
  const [a, b] = [bytes("one\n"), bytes("two\n")];
  const [x, y] = [bytes(":s PRIVMSG #r :one\r\n"), bytes(":s PRIVMSG #r :two\r\n")];
  const json = join([a, b], 8);
  const irc = join([x, y], x.length + y.length);
  // Sessions of the same room, flushed one after another, JSON and IRC in turn.
  assert.equal(join([a, b], 8), json);
  assert.equal(join([x, y], x.length + y.length), irc);
  assert.equal(new TextDecoder().decode(json), "one\ntwo\n");
  assert.equal(new TextDecoder().decode(irc), ":s PRIVMSG #r :one\r\n:s PRIVMSG #r :two\r\n");
});

Deno.test("join() copies chunks that differ after the first, and in another order", () => {
  const [a, b, c] = [bytes("one\n"), bytes("two\n"), bytes("three\n")];
  const first = join([a, b], 8);
  const other = join([a, c], 10);
  assert.notEqual(other, first);
  assert.equal(new TextDecoder().decode(other), "one\nthree\n");
  assert.equal(new TextDecoder().decode(join([a, b, c], 14)), "one\ntwo\nthree\n");
  assert.equal(new TextDecoder().decode(join([b, a], 8)), "two\none\n");
});

Deno.test("join() still shares one buffer when a sender without its own messages comes between", () => {
  const [a, b, c] = [bytes("one\n"), bytes("two\n"), bytes("three\n")];
  const everyone = join([a, b, c], 14);
  // An IRC sender without echo-message is not sent its own "two".
  const sender = join([a, c], 10);
  assert.equal(join([a, b, c], 14), everyone);
  assert.equal(join([a, c], 10), sender);
  assert.equal(new TextDecoder().decode(everyone), "one\ntwo\nthree\n");
  assert.equal(new TextDecoder().decode(sender), "one\nthree\n");
});

Deno.test("join() keeps the room's buffer while senders without their own messages come and go", () => {
  const chunks = ["one\n", "two\n", "three\n", "four\n", "five\n", "six\n"].map(bytes);
  const length = (list: Uint8Array[]) => list.reduce((sum, chunk) => sum + chunk.length, 0);
  const room = join(chunks, length(chunks));
  // More senders than joins kept per first chunk, each missing its own, the room's members between.
  for (let own = 1; own < chunks.length; own++) {
    const sender = chunks.filter((_, index) => index !== own);
    join(sender, length(sender));
    assert.equal(join(chunks, length(chunks)), room);
  }
  const last = chunks.slice(0, 5);
  assert.equal(new TextDecoder().decode(join(last, length(last))), "one\ntwo\nthree\nfour\nfive\n");
  assert.equal(join(chunks, length(chunks)), room);
});
