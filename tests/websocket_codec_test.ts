/** The server's WebSocket framing (server/transports/websocket.ts), byte by byte. */

import assert from "node:assert/strict";
import type { LineResult } from "../protocol.ts";
import {
  acceptKey,
  closeFrame,
  encodeWebSocketFrame,
  isValidKey,
  WebSocketDecoder,
} from "../server/transports/websocket.ts";
import { clientFrame } from "./_raw_websocket.ts";
import { seeded } from "./_random.ts";

const encoder = new TextEncoder();
const MAX = 16_384;

/** A decoder that records what it asks of its connection. */
function decoder() {
  const written: Uint8Array[] = [];
  const ended: { code: number; problem: string | undefined }[] = [];
  const decoder = new WebSocketDecoder(MAX, {
    write: (frame) => written.push(frame),
    ended: (code, problem) => ended.push({ code, problem }),
  });
  return { decoder, written, ended };
}

function shown(results: LineResult[]): string[] {
  return results.map((result) => result.ok ? result.line : result.code);
}

function joined(...parts: Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}

Deno.test("acceptKey() answers the RFC 6455 example, and isValidKey() checks the key's shape", () => {
  assert.equal(acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  assert.equal(isValidKey("dGhlIHNhbXBsZSBub25jZQ=="), true);
  for (
    const key of [undefined, "", "short==", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZQ=!"]
  ) {
    assert.equal(isValidKey(key), false, String(key));
  }
});

Deno.test("encodeWebSocketFrame() uses the short, 16-bit and 64-bit lengths", () => {
  for (const [length, head] of [[0, 2], [125, 2], [126, 4], [65_535, 4], [65_536, 10]]) {
    const frame = encodeWebSocketFrame(0x1, new Uint8Array(length!));
    assert.equal(frame.length, head! + length!);
    assert.equal(frame[0], 0x81);
  }
  assert.deepEqual([...closeFrame(1008, "x")], [0x88, 3, 0x03, 0xf0, 0x78]);
});

Deno.test("WebSocketDecoder reads messages however the bytes are cut", () => {
  const big = encoder.encode("é".repeat(MAX / 2));
  const stream = joined(
    clientFrame(0x1, encoder.encode('{"type":"ping"}')),
    clientFrame(0x1, big),
    clientFrame(0x9, encoder.encode("hi")),
    clientFrame(0x1, encoder.encode("frag"), false),
    clientFrame(0x0, encoder.encode("men"), false),
    clientFrame(0x0, encoder.encode("ted")),
    clientFrame(0x2, encoder.encode("bin")),
    clientFrame(0x1, new Uint8Array([0xc3, 0x28])),
    clientFrame(0x1, encoder.encode("last")),
  );
  const expected = ['{"type":"ping"}', "line_too_long", "fragmented", "bad_frame", "invalid_utf8"]
    .concat("last");
  const random = seeded(7);
  for (let trial = 0; trial < 300; trial++) {
    const { decoder: d, written, ended } = decoder();
    const results: LineResult[] = [];
    for (let at = 0; at < stream.length;) {
      const size = 1 + Math.floor(random() * (trial % 3 === 0 ? 8 : trial % 3 === 1 ? 700 : 9000));
      results.push(...d.push(stream.slice(at, at + size)));
      at += size;
    }
    assert.deepEqual(shown(results), expected, `trial ${trial}`);
    assert.deepEqual(ended, []);
    // The ping was answered with a pong holding its payload.
    assert.deepEqual(written.map((frame) => [...frame]), [[0x8a, 2, 104, 105]]);
  }
});

Deno.test("WebSocketDecoder skips an oversized message without holding it", () => {
  const { decoder: d } = decoder();
  // A header that promises 2^40 bytes, then a little of them: nothing is buffered.
  const head = new Uint8Array([0x81, 0xff, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
  assert.deepEqual(shown(d.push(joined(head, new Uint8Array(100_000)))), ["line_too_long"]);
  assert.deepEqual(shown(d.push(new Uint8Array(100_000))), []);
});

Deno.test("WebSocketDecoder joins thousands of tiny fragments into one message", () => {
  const { decoder: d } = decoder();
  const parts = [clientFrame(0x1, encoder.encode("a"), false)];
  for (let i = 0; i < 5_000; i++) parts.push(clientFrame(0x0, encoder.encode("b"), false));
  parts.push(clientFrame(0x0, encoder.encode("c")));
  assert.deepEqual(shown(d.push(joined(...parts))), [`a${"b".repeat(5_000)}c`]);
});

Deno.test("WebSocketDecoder ends the connection on a close, or on broken framing", async (t) => {
  await t.step("a close is answered with the peer's code", () => {
    const { decoder: d, ended } = decoder();
    const payload = new Uint8Array([0x03, 0xe9]);
    assert.deepEqual(d.push(clientFrame(0x8, payload)), []);
    assert.deepEqual(ended, [{ code: 1001, problem: undefined }]);
    assert.deepEqual(d.push(clientFrame(0x1, encoder.encode("after"))), []);
  });
  await t.step("a close may have any code a peer may send, a UTF-8 reason, or nothing", () => {
    for (const code of [1000, 1003, 1007, 1011, 1014, 3000, 4999]) {
      const { decoder: d, ended } = decoder();
      d.push(
        clientFrame(0x8, joined(new Uint8Array([code >>> 8, code & 0xff]), encoder.encode("é"))),
      );
      assert.deepEqual(ended, [{ code, problem: undefined }]);
    }
    const { decoder: d, ended } = decoder();
    d.push(clientFrame(0x8, new Uint8Array(0)));
    assert.deepEqual(ended, [{ code: 1000, problem: undefined }]);
  });
  const broken: [string, Uint8Array][] = [
    ["an unmasked frame", new Uint8Array([0x81, 0x01, 0x61])],
    ["reserved bits", new Uint8Array([0xc1, 0x80, 0, 0, 0, 0])],
    // RFC 6455, section 5.2: the most significant bit of a 64-bit length must be 0.
    [
      "a 64-bit length with its top bit set",
      new Uint8Array([0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]),
    ],
    [
      "a fragmented ping",
      (() => {
        const frame = clientFrame(0x9, new Uint8Array(0));
        frame[0] = 0x09;
        return frame;
      })(),
    ],
    ["a continuation with nothing to continue", clientFrame(0x0, encoder.encode("x"))],
    [
      "a new message inside another",
      joined(
        clientFrame(0x1, encoder.encode("a"), false),
        clientFrame(0x1, encoder.encode("b")),
      ),
    ],
    ["an unknown opcode", clientFrame(0x3, new Uint8Array(0))],
    ["a close with a 1-byte payload", clientFrame(0x8, new Uint8Array([0x03]))],
    // RFC 6455, section 7.4: none of these may be sent.
    ...[0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535].map((
      code,
    ): [string, Uint8Array] => [
      `a close with code ${code}`,
      clientFrame(0x8, new Uint8Array([code >>> 8, code & 0xff])),
    ]),
    [
      "a close whose reason is not UTF-8",
      clientFrame(0x8, new Uint8Array([0x03, 0xe8, 0xed, 0xa0, 0x80])),
    ],
  ];
  for (const [name, bytes] of broken) {
    await t.step(`${name} ends it with 1002`, () => {
      const { decoder: d, ended } = decoder();
      d.push(bytes);
      assert.equal(ended.length, 1);
      assert.equal(ended[0]!.code, 1002);
      assert.match(ended[0]!.problem ?? "", /^Cannot read WebSocket frame: /);
    });
  }
});

Deno.test("WebSocketDecoder never throws on random bytes", () => {
  const random = seeded(11);
  for (let trial = 0; trial < 2_000; trial++) {
    const { decoder: d } = decoder();
    const bytes = new Uint8Array(1 + Math.floor(random() * 300));
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
    d.push(bytes);
  }
});
