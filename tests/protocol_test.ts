/** Pure tests of the wire contract: frames, the line codec, limits and names. No sockets. */

import assert from "node:assert/strict";
import {
  type ClientFrame,
  type ClientFrameType,
  decodeJson,
  DEFAULT_PORT,
  encodeFrame,
  forVersion1,
  isProtocolVersion,
  LATEST_PROTOCOL_VERSION,
  type LineResult,
  LineSplitter,
  MAX_CLIENT_LINE_BYTES,
  MAX_NAME_LENGTH,
  MAX_ROOM_LENGTH,
  MAX_ROOMS,
  MAX_SERVER_LINE_BYTES,
  parseClientFrame,
  parseServerFrame,
  PROTOCOL_VERSION,
  type ServerFrame,
  type ServerFrameType,
  utf8Length,
} from "../protocol.ts";
import { checkName, nameKey, normalizeRoom } from "../core/names.ts";
import { bytes } from "./_test_utils.ts";

const encoder = new TextEncoder();

/** Feeds `data` to a fresh splitter in the given pieces and collects every result. */
function splitInto(limit: number, ...pieces: Uint8Array[]): LineResult[] {
  const splitter = new LineSplitter(limit);
  return pieces.flatMap((piece) => splitter.push(piece));
}

function byteByByte(limit: number, data: Uint8Array): LineResult[] {
  const splitter = new LineSplitter(limit);
  const results: LineResult[] = [];
  for (let i = 0; i < data.length; i++) results.push(...splitter.push(data.subarray(i, i + 1)));
  return results;
}

/** Drops the messages so that results compare by outcome and line only. */
function outcomes(results: LineResult[]): (string | { error: string })[] {
  return results.map((result) => result.ok ? result.line : { error: result.code });
}

function decodeLine<T>(
  line: string,
  parse: (value: unknown) => { ok: true; value: T } | { ok: false; code: string },
): T {
  const json = decodeJson(line);
  assert.ok(json.ok, `decodeJson failed on ${line}`);
  const checked = parse(json.value);
  assert.ok(checked.ok, `parse failed on ${line}: ${JSON.stringify(checked)}`);
  return checked.value;
}

// Mapped types make `deno check` fail when a frame type has no sample.
const CLIENT_SAMPLES: { [K in ClientFrameType]: Extract<ClientFrame, { type: K }>[] } = {
  hello: [
    { type: "hello", version: 1, name: "Zoë" },
    {
      type: "hello",
      version: 1,
      name: "ann",
      password: "s3cret",
      resume: "0f3c",
      room: "#dev",
      since: 41,
    },
    { type: "hello", version: 2, name: "ann", rooms: [] },
    {
      type: "hello",
      version: 2,
      name: "ann",
      resume: "0f3c",
      rooms: [{ room: "#lobby", since: 41 }, { room: "#dev" }],
    },
    { type: "hello", version: 2, name: "ci", rooms: [{ room: "#dev" }], quiet: true },
  ],
  say: [
    { type: "say", text: "hello, world" },
    { type: "say", text: "deploying now", room: "#dev", cid: "c1" },
    { type: "say", text: 'quotes " \\ and a\nnewline, é 中 😀 👨‍👩‍👧‍👦' },
  ],
  me: [{ type: "me", text: "waves" }, { type: "me", text: "waves", room: "#dev" }],
  msg: [{ type: "msg", to: "李雷", text: "psst" }],
  file: [
    { type: "file", id: "9f".repeat(32) },
    { type: "file", id: "9f".repeat(32), name: "résumé.pdf", room: "#dev", cid: "f-1" },
    { type: "file", id: "9f".repeat(32), to: "bob" },
  ],
  nick: [{ type: "nick", name: "alice_2" }],
  join: [{ type: "join", room: "#dev" }],
  leave: [{ type: "leave" }, { type: "leave", room: "#dev" }],
  part: [{ type: "part" }, { type: "part", room: "#dev" }],
  who: [{ type: "who" }, { type: "who", room: "#dev" }],
  rooms: [{ type: "rooms" }],
  help: [{ type: "help" }],
  history: [{ type: "history" }, { type: "history", limit: 500, room: "#dev" }],
  search: [{ type: "search", text: "lunch" }, { type: "search", text: "lunch", room: "#dev" }],
  quit: [{ type: "quit" }, { type: "quit", reason: "gone fishing" }],
  typing: [{ type: "typing" }, { type: "typing", room: "#dev" }, { type: "typing", to: "bob" }],
  away: [{ type: "away" }, { type: "away", reason: "lunch" }],
  back: [{ type: "back" }],
  topic: [{ type: "topic" }, { type: "topic", room: "#dev", text: "release on Friday" }],
  oper: [{ type: "oper", secret: "s3cret" }],
  op: [{ type: "op", name: "bob" }],
  deop: [{ type: "deop", name: "bob" }],
  kick: [{ type: "kick", name: "eve" }, { type: "kick", name: "eve", reason: "flooding" }],
  ban: [
    { type: "ban", target: "eve" },
    { type: "ban", target: "192.168.1.7", duration: 600, reason: "flooding" },
  ],
  unban: [{ type: "unban", target: "eve" }],
  bans: [{ type: "bans" }],
  mute: [{ type: "mute", name: "eve" }, { type: "mute", name: "eve", duration: 300 }],
  unmute: [{ type: "unmute", name: "eve" }],
  lock: [{ type: "lock" }, { type: "lock", room: "#ops" }],
  unlock: [{ type: "unlock", room: "#ops" }],
  rename: [{ type: "rename", name: "b0b", to: "not-bob" }],
  ping: [{ type: "ping" }, { type: "ping", token: "t-1" }],
  pong: [{ type: "pong" }, { type: "pong", token: "hb" }],
};

const SERVER_SAMPLES: { [K in ServerFrameType]: Extract<ServerFrame, { type: K }>[] } = {
  welcome: [
    { type: "welcome", version: 1, server: "chat", name: "alice" },
    { type: "welcome", version: 1, server: "chat", name: "alice", resume: "ab12", heartbeat: 30 },
    { type: "welcome", version: 2, server: "chat", name: "alice", rooms: ["#lobby", "#dev"] },
    {
      type: "welcome",
      version: 2,
      server: "chat",
      name: "alice",
      files: { port: 5003, token: "t".repeat(32), maxBytes: 26_214_400 },
    },
    {
      type: "welcome",
      version: 2,
      server: "chat",
      name: "alice",
      files: { port: 5003, tls: true, token: "t", maxBytes: 1, quotaBytes: 1, needsToken: true },
    },
  ],
  room: [
    { type: "room", room: "#lobby", members: ["alice", "bob"], count: 2 },
    { type: "room", room: "#ops", members: ["alice"], count: 1, topic: "on call", locked: true },
  ],
  message: [
    { type: "message", id: 1, ts: 1_700_000_000_000, room: "#lobby", from: "alice", text: "hi" },
    {
      type: "message",
      id: 2,
      ts: 1_700_000_000_001,
      room: "#dev",
      from: "bob",
      text: "waves 😀",
      action: true,
    },
    {
      type: "message",
      id: 3,
      ts: 1_700_000_000_002,
      room: "#dev",
      from: "bob",
      text: "old",
      action: true,
      replay: true,
    },
    {
      type: "message",
      id: 6,
      ts: 1_700_000_000_003,
      room: "#dev",
      from: "bob",
      text: "cat.png (1.2 MiB)",
      file: {
        id: "ab".repeat(32),
        name: "cat.png",
        size: 1_258_291,
        type: "image/png",
        url: `/files/${"ab".repeat(32)}/cat.png`,
      },
    },
  ],
  private: [
    { type: "private", id: 4, ts: 1, from: "alice", to: "bob", text: "psst" },
    {
      type: "private",
      id: 7,
      ts: 2,
      from: "alice",
      to: "bob",
      text: "a.txt (2 bytes)",
      file: { id: "cd".repeat(32), name: "a.txt", size: 2, type: "text/plain", url: "/files/x" },
    },
    { type: "private", id: 5, ts: 2, from: "alice", to: "bob", text: "nods", action: true },
  ],
  joined: [
    { type: "joined", ts: 3, room: "#lobby", name: "carol" },
    { type: "joined", ts: 3, room: "#lobby", name: "carol", active: 2, client: "web" },
    {
      type: "joined",
      ts: 3,
      room: "#lobby",
      name: "carol",
      active: 2,
      client: "terminal",
      away: { since: 1, reason: "lunch" },
      op: true,
    },
  ],
  left: [
    { type: "left", ts: 4, room: "#lobby", name: "carol" },
    { type: "left", ts: 5, room: "#lobby", name: "carol", reason: "quit: bye" },
  ],
  renamed: [{ type: "renamed", ts: 6, room: "#lobby", from: "carol", to: "caz" }],
  who: [
    { type: "who", room: "#lobby", members: ["alice"], count: 300 },
    {
      type: "who",
      room: "#lobby",
      members: ["alice", "bob"],
      count: 2,
      people: [
        { name: "alice", active: 1, client: "terminal", op: true },
        { name: "bob", active: 2, client: "web", away: { since: 3, reason: "lunch" } },
      ],
    },
  ],
  topic: [{ type: "topic", ts: 7, room: "#dev", topic: "release on Friday", by: "alice" }],
  notice: [
    { type: "notice", ts: 8, room: "#lobby", text: "alice kicked eve: flooding" },
    { type: "notice", ts: 9, text: "alice made bob an operator" },
  ],
  away: [{ type: "away", ts: 10, name: "bob" }, {
    type: "away",
    ts: 11,
    name: "bob",
    reason: "lunch",
  }],
  back: [{ type: "back", ts: 12, name: "bob" }],
  typing: [{ type: "typing", name: "bob", room: "#dev" }, { type: "typing", name: "bob" }],
  rooms: [
    { type: "rooms", rooms: [] },
    { type: "rooms", rooms: [{ name: "#lobby", members: 3 }, { name: "#dev", members: 1 }] },
    {
      type: "rooms",
      rooms: [{ name: "#lobby", members: 3, joined: true }, { name: "#dev", members: 1 }],
    },
  ],
  parted: [{ type: "parted", room: "#dev" }],
  servers: [
    { type: "servers", servers: ["192.168.1.6:5002"], webServers: ["http://192.168.1.6:5003/"] },
    { type: "servers", servers: [], webServers: [] },
  ],
  help: [{ type: "help", commands: [{ usage: "/who", description: "list who is here" }] }],
  info: [{ type: "info", text: "You are in #lobby already" }],
  error: [{ type: "error", code: "name_taken", message: "Cannot use it" }],
  bye: [{ type: "bye", reason: "Goodbye" }, {
    type: "bye",
    reason: "The server is shutting down",
    retry: true,
  }],
  ping: [{ type: "ping", token: "hb" }],
  pong: [{ type: "pong" }, { type: "pong", token: "t-1" }, {
    type: "pong",
    token: "scan",
    server: "ann-laptop",
  }],
};

Deno.test("protocol constants match the documented values", () => {
  assert.equal(PROTOCOL_VERSION, 1);
  assert.equal(LATEST_PROTOCOL_VERSION, 2);
  assert.deepStrictEqual([0, 1, 2, 3].filter(isProtocolVersion), [1, 2]);
  assert.equal(MAX_ROOMS, 32);
  assert.equal(DEFAULT_PORT, 5002);
  assert.equal(MAX_CLIENT_LINE_BYTES, 16 * 1024);
  assert.equal(MAX_SERVER_LINE_BYTES, 64 * 1024);
});

Deno.test("encodeFrame() output reads back as the same frame", async (t) => {
  const roundTrip = <T extends ClientFrame | ServerFrame>(
    frame: T,
    limit: number,
    parse: (value: unknown) => { ok: true; value: T } | { ok: false; code: string },
  ) => {
    const line = encodeFrame(frame);
    assert.ok(line.endsWith("\n"));
    assert.equal(line.indexOf("\n"), line.length - 1, "a frame must be exactly one line");
    const results = splitInto(limit, encoder.encode(line));
    assert.equal(results.length, 1);
    const [result] = results;
    assert.ok(result?.ok, JSON.stringify(result));
    assert.deepStrictEqual({ ...decodeLine(result.line, parse) }, { ...frame });
  };

  await t.step("for every client frame type", () => {
    for (const samples of Object.values(CLIENT_SAMPLES)) {
      assert.ok(samples.length > 0);
      for (const frame of samples) {
        roundTrip(frame as ClientFrame, MAX_CLIENT_LINE_BYTES, parseClientFrame);
      }
    }
  });

  await t.step("for every server frame type", () => {
    for (const samples of Object.values(SERVER_SAMPLES)) {
      assert.ok(samples.length > 0);
      for (const frame of samples) {
        roundTrip(frame as ServerFrame, MAX_SERVER_LINE_BYTES, parseServerFrame);
      }
    }
  });
});

Deno.test("parseServerFrame() drops optional flags that are false", () => {
  const checked = parseServerFrame({
    type: "message",
    id: 1,
    ts: 2,
    room: "#lobby",
    from: "a",
    text: "b",
    action: false,
    replay: false,
  });
  assert.ok(checked.ok);
  assert.deepStrictEqual({ ...checked.value }, {
    type: "message",
    id: 1,
    ts: 2,
    room: "#lobby",
    from: "a",
    text: "b",
  });
  assert.equal("action" in checked.value, false);
});

const STREAM_LINES = [
  '{"type":"hello","version":1,"name":"Zoë"}',
  '{"type":"say","text":"中文 and 😀 and 👨‍👩‍👧‍👦"}',
  "",
  '{"type":"ping","token":"x"}',
  '{"type":"quit"}',
];

Deno.test("LineSplitter.push() yields the same lines however the stream is cut", async (t) => {
  const stream = encoder.encode(STREAM_LINES.map((line) => line + "\n").join(""));

  await t.step("at every byte position, in two pushes", () => {
    for (let i = 0; i <= stream.length; i++) {
      const results = splitInto(128, stream.subarray(0, i), stream.subarray(i));
      assert.deepStrictEqual(outcomes(results), STREAM_LINES, `cut at byte ${i}`);
    }
  });

  await t.step("one byte at a time", () => {
    assert.deepStrictEqual(outcomes(byteByByte(128, stream)), STREAM_LINES);
  });

  await t.step("at every pair of positions, in three pushes", () => {
    for (let i = 0; i <= stream.length; i += 3) {
      for (let j = i; j <= stream.length; j += 5) {
        const results = splitInto(
          128,
          stream.subarray(0, i),
          stream.subarray(i, j),
          stream.subarray(j),
        );
        assert.deepStrictEqual(outcomes(results), STREAM_LINES, `cut at ${i} and ${j}`);
      }
    }
  });

  await t.step("with bad lines in the stream, at every byte position", () => {
    const mixed = bytes(
      "ok-1\n",
      "x".repeat(40),
      "\n",
      [0x61, 0x80, 0x62],
      "\n",
      "ok-2\r\n",
      "y".repeat(31),
      "\n",
      "y".repeat(32),
      "\n",
      "ok-3\n",
    );
    const expected = [
      "ok-1",
      { error: "line_too_long" },
      { error: "invalid_utf8" },
      "ok-2",
      "y".repeat(31),
      { error: "line_too_long" },
      "ok-3",
    ];
    for (let i = 0; i <= mixed.length; i++) {
      const results = splitInto(32, mixed.subarray(0, i), mixed.subarray(i));
      assert.deepStrictEqual(outcomes(results), expected, `cut at byte ${i}`);
    }
    assert.deepStrictEqual(outcomes(byteByByte(32, mixed)), expected);
  });

  await t.step("and does not keep the caller's buffer", () => {
    const splitter = new LineSplitter(64);
    const buffer = encoder.encode("hello");
    assert.deepStrictEqual(splitter.push(buffer), []);
    buffer.fill(0x21);
    assert.deepStrictEqual(outcomes(splitter.push(encoder.encode(" world\n"))), ["hello world"]);
  });
});

Deno.test("LineSplitter.push() decodes multi-byte UTF-8 cut across reads", async (t) => {
  const samples = {
    "é (2 bytes)": "é",
    "中 (3 bytes)": "中",
    "😀 (4 bytes)": "😀",
    "ZWJ family": "👨‍👩‍👧‍👦",
    "all of them": "aé中😀👨‍👩‍👧‍👦z",
  };
  for (const [label, text] of Object.entries(samples)) {
    await t.step(label, () => {
      const line = encodeFrame({ type: "say", text });
      const data = encoder.encode(line);
      assert.ok(data.length > line.length || text === "", "the sample must hold multi-byte chars");
      for (let i = 0; i <= data.length; i++) {
        const results = splitInto(MAX_CLIENT_LINE_BYTES, data.subarray(0, i), data.subarray(i));
        assert.equal(results.length, 1, `cut at byte ${i}`);
        const [result] = results;
        assert.ok(result?.ok, `cut at byte ${i}: ${JSON.stringify(result)}`);
        assert.deepStrictEqual(decodeLine(result.line, parseClientFrame), { type: "say", text });
      }
      assert.deepStrictEqual(outcomes(byteByByte(MAX_CLIENT_LINE_BYTES, data)), [
        line.slice(0, -1),
      ]);
    });
  }
});

Deno.test("LineSplitter.push() refuses a line over the limit and recovers", async (t) => {
  const limit = MAX_CLIENT_LINE_BYTES;
  const base = encodeFrame({ type: "say", text: "" }).length;

  await t.step("accepts a frame of exactly the limit, newline included", () => {
    const frame = { type: "say" as const, text: "a".repeat(limit - base) };
    const data = encoder.encode(encodeFrame(frame));
    assert.equal(data.length, limit);
    const results = splitInto(limit, data);
    assert.equal(results.length, 1);
    assert.ok(results[0]?.ok);
    assert.deepStrictEqual(decodeLine(results[0].line, parseClientFrame), frame);
    // The same line held across reads.
    const held = splitInto(limit, data.subarray(0, limit - 1), data.subarray(limit - 1));
    assert.deepStrictEqual(outcomes(held), outcomes(results));
  });

  await t.step("refuses a frame one byte over, then reads the next line", () => {
    const data = encoder.encode(
      encodeFrame({ type: "say", text: "a".repeat(limit - base + 1) }) + '{"type":"who"}\n',
    );
    const expected = [{ error: "line_too_long" }, '{"type":"who"}'];
    assert.deepStrictEqual(outcomes(splitInto(limit, data)), expected);
    for (const cut of [1, limit - 1, limit, limit + 1]) {
      const results = splitInto(limit, data.subarray(0, cut), data.subarray(cut));
      assert.deepStrictEqual(outcomes(results), expected, `cut at byte ${cut}`);
    }
  });

  await t.step("counts a CR before the newline towards the limit", () => {
    const atLimit = "c".repeat(limit - 2) + "\r\n";
    const oneOver = "c".repeat(limit - 1) + "\r\n";
    assert.deepStrictEqual(outcomes(splitInto(limit, encoder.encode(atLimit + oneOver + "z\n"))), [
      "c".repeat(limit - 2),
      { error: "line_too_long" },
      "z",
    ]);
  });

  await t.step("reports a 1 MiB line once, holding at most the limit meanwhile", () => {
    const splitter = new LineSplitter(limit);
    const chunk = new Uint8Array(1000).fill(0x61);
    const results: LineResult[] = [];
    let fed = 0;
    while (fed < 1024 * 1024) {
      results.push(...splitter.push(chunk));
      fed += chunk.length;
      assert.ok(splitter.buffered < limit, `holds ${splitter.buffered} bytes after ${fed}`);
    }
    assert.deepStrictEqual(outcomes(results), [{ error: "line_too_long" }]);
    assert.deepStrictEqual(outcomes(splitter.push(encoder.encode('aaa\n{"type":"who"}\n'))), [
      '{"type":"who"}',
    ]);
    assert.equal(splitter.buffered, 0);
  });

  await t.step("reports a line as soon as it cannot fit, before its newline", () => {
    const splitter = new LineSplitter(16);
    assert.deepStrictEqual(splitter.push(new Uint8Array(15).fill(0x61)), []);
    assert.equal(splitter.buffered, 15);
    assert.deepStrictEqual(outcomes(splitter.push(encoder.encode("a"))), [
      { error: "line_too_long" },
    ]);
    assert.equal(splitter.buffered, 0);
    assert.deepStrictEqual(outcomes(splitter.push(encoder.encode("aaa\nok\n"))), ["ok"]);
  });

  await t.step("names the limit in the message", () => {
    const [result] = splitInto(16, encoder.encode("x".repeat(20) + "\n"));
    assert.deepStrictEqual(result, {
      ok: false,
      code: "line_too_long",
      message: "Cannot read line: it is longer than 16 bytes",
    });
  });
});

Deno.test("LineSplitter() throws a RangeError when the limit is not an integer >= 2", () => {
  for (const limit of [0, 1, -5, 2.5, Number.NaN]) {
    assert.throws(() => new LineSplitter(limit), RangeError, `limit ${limit}`);
  }
  assert.ok(new LineSplitter(2));
});

Deno.test("LineSplitter.push() reports invalid UTF-8 and recovers on the next line", async (t) => {
  const cases: Record<string, number[]> = {
    "a lone continuation byte": [0x80],
    "an overlong encoding of /": [0xc0, 0xaf],
    "a sequence cut short by the newline": [0xe4, 0xb8],
    "a surrogate pair encoded as CESU-8": [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80],
    "a lone surrogate": [0xed, 0xa0, 0x80],
    "a code point above U+10FFFF": [0xf4, 0x90, 0x80, 0x80],
    "the byte 0xFF": [0xff],
  };
  for (const [label, bad] of Object.entries(cases)) {
    await t.step(label, () => {
      const data = bytes('{"type":"say","text":"', bad, '"}\n', '{"type":"who"}\n');
      const expected = [{ error: "invalid_utf8" }, '{"type":"who"}'];
      assert.deepStrictEqual(outcomes(splitInto(64, data)), expected);
      for (let i = 0; i <= data.length; i++) {
        const results = splitInto(64, data.subarray(0, i), data.subarray(i));
        assert.deepStrictEqual(outcomes(results), expected, `cut at byte ${i}`);
      }
    });
  }

  await t.step("with the error code and message", () => {
    assert.deepStrictEqual(splitInto(64, bytes([0x80], "\n")), [{
      ok: false,
      code: "invalid_utf8",
      message: "Cannot read line: it is not valid UTF-8",
    }]);
  });
});

Deno.test("LineSplitter.push() accepts CR LF line endings", () => {
  const data = encoder.encode('{"type":"who"}\r\n{"type":"ping","token":"a"}\r\n');
  const lines = outcomes(splitInto(MAX_CLIENT_LINE_BYTES, data));
  assert.deepStrictEqual(lines, ['{"type":"who"}', '{"type":"ping","token":"a"}']);
  assert.deepStrictEqual(
    lines.map((line) => decodeLine(line as string, parseClientFrame)),
    [{ type: "who" }, { type: "ping", token: "a" }],
  );
  // A CR cut from its LF by a read is still dropped; a CR elsewhere is kept.
  assert.deepStrictEqual(
    outcomes(splitInto(64, encoder.encode("ab\r"), encoder.encode("\nc\rd\n"))),
    ["ab", "c\rd"],
  );
});

function refusal(value: unknown): string {
  const checked = parseClientFrame(value);
  assert.equal(checked.ok, false, `accepted ${JSON.stringify(value)}`);
  return checked.ok ? "" : checked.code;
}

function parseLine(line: string): { ok: true; value: ClientFrame } | { ok: false; code: string } {
  const json = decodeJson(line);
  return json.ok ? parseClientFrame(json.value) : json;
}

Deno.test("decodeJson() refuses text that is not JSON with bad_frame", () => {
  for (const line of ["", "{", "{'type':'who'}", '{"type":"who"} x', "undefined", "{type:1}"]) {
    assert.deepStrictEqual(decodeJson(line), {
      ok: false,
      code: "bad_frame",
      message: "Cannot read frame: invalid JSON",
    }, line);
  }
  assert.deepStrictEqual(decodeJson('{"type":"who"}'), { ok: true, value: { type: "who" } });
});

Deno.test("parseClientFrame() refuses malformed frames with the right code", async (t) => {
  await t.step("bad_frame for JSON that is not an object", () => {
    for (const line of ["[]", '[{"type":"who"}]', "42", "null", '"say"', "true"]) {
      assert.equal(refusal(JSON.parse(line)), "bad_frame", line);
    }
  });

  await t.step("bad_frame for a missing or non-string type", () => {
    for (const line of ["{}", '{"type":1}', '{"type":null}', '{"type":["say"]}', '{"text":"hi"}']) {
      assert.equal(refusal(JSON.parse(line)), "bad_frame", line);
    }
  });

  await t.step("unknown_type for a type nobody defined", () => {
    for (const type of ["shout", "SAY", "", "welcome", "message"]) {
      assert.equal(refusal({ type }), "unknown_type", type);
    }
    const checked = parseClientFrame({ type: "shout" });
    assert.ok(!checked.ok);
    assert.equal(checked.message, 'Cannot read frame: unknown type "shout"');
  });

  await t.step("bad_frame for fields of the wrong type", () => {
    const cases: unknown[] = [
      { type: "hello", version: 1, name: 7 },
      { type: "hello", version: "1", name: "alice" },
      { type: "hello", version: 1.5, name: "alice" },
      { type: "hello", name: "alice" },
      { type: "hello", version: 1 },
      { type: "hello", version: 1, name: "a", since: -1 },
      { type: "hello", version: 1, name: "a", since: 0.5 },
      { type: "hello", version: 1, name: "a", since: Infinity },
      { type: "say", text: ["a"] },
      { type: "say" },
      { type: "me", text: null },
      { type: "msg", to: "bob" },
      { type: "msg", to: 1, text: "hi" },
      { type: "nick", name: {} },
      { type: "join", room: 5 },
      { type: "part", room: false },
      { type: "say", text: "hi", room: 1 },
      { type: "hello", version: 2, name: "a", rooms: "#dev" },
      { type: "hello", version: 2, name: "a", rooms: ["#dev"] },
      { type: "hello", version: 2, name: "a", rooms: [{ since: 1 }] },
      { type: "hello", version: 2, name: "a", rooms: [{ room: "#dev", since: -1 }] },
      { type: "hello", version: 2, name: "a", rooms: [{ room: "#dev", since: "1" }] },
      { type: "hello", version: 2, name: "a", quiet: "yes" },
      { type: "quit", reason: 5 },
      { type: "quit", reason: null },
      { type: "ping", token: 1 },
    ];
    for (const value of cases) assert.equal(refusal(value), "bad_frame", JSON.stringify(value));
    const checked = parseClientFrame({ type: "hello", version: 1.5, name: "alice" });
    assert.ok(!checked.ok);
    assert.equal(checked.message, 'Cannot read "hello" frame: field "version" must be an integer');
  });

  await t.step("bad_frame for fields over their length limit", () => {
    assert.equal(refusal({ type: "hello", version: 1, name: "a".repeat(257) }), "bad_frame");
    assert.equal(refusal({ type: "ping", token: "t".repeat(65) }), "bad_frame");
    assert.equal(refusal({ type: "quit", reason: "r".repeat(257) }), "bad_frame");
    assert.equal(refusal({ type: "who", room: "r".repeat(257) }), "bad_frame");
    assert.equal(
      refusal({ type: "hello", version: 2, name: "a", rooms: [{ room: "r".repeat(257) }] }),
      "bad_frame",
    );
    const rooms = (count: number) => Array.from({ length: count }, (_, i) => ({ room: `#r${i}` }));
    assert.ok(parseClientFrame({ type: "hello", version: 2, name: "a", rooms: rooms(32) }).ok);
    const checked = parseClientFrame({ type: "hello", version: 2, name: "a", rooms: rooms(33) });
    assert.deepStrictEqual(checked, {
      ok: false,
      code: "bad_frame",
      message: 'Cannot read "hello" frame: field "rooms" must hold at most 32 rooms',
    });
    assert.ok(parseClientFrame({ type: "ping", token: "t".repeat(64) }).ok);
  });

  await t.step("through the whole line pipeline", () => {
    const codes = [
      "not json",
      "[1]",
      '{"type":"hello","version":"1","name":"a"}',
      '{"type":"dance"}',
    ].map((line) => {
      const checked = parseLine(line);
      return checked.ok ? "ok" : checked.code;
    });
    assert.deepStrictEqual(codes, ["bad_frame", "bad_frame", "bad_frame", "unknown_type"]);
  });
});

Deno.test("parseClientFrame() keeps only the known fields", () => {
  assert.deepStrictEqual(parseClientFrame({ type: "who", extra: 1, text: "x" }), {
    ok: true,
    value: { type: "who" },
  });
  assert.deepStrictEqual(parseClientFrame({ type: "say", text: "hi", id: 9, from: "Server" }), {
    ok: true,
    value: { type: "say", text: "hi" },
  });
  assert.deepStrictEqual(
    parseClientFrame({ type: "hello", version: 2, name: "a", rooms: [{ room: "#a", x: 1 }] }),
    { ok: true, value: { type: "hello", version: 2, name: "a", rooms: [{ room: "#a" }] } },
  );
});

Deno.test("parseClientFrame() never throws on hostile input", async (t) => {
  await t.step("prototype pollution keys", () => {
    const lines = [
      '{"type":"hello","version":1,"name":"x","__proto__":{"polluted":true}}',
      '{"type":"say","text":"x","constructor":{"prototype":{"polluted":true}}}',
      '{"__proto__":{"type":"say","text":"x"}}',
    ];
    const results = lines.map(parseLine);
    assert.deepStrictEqual(results[0], {
      ok: true,
      value: { type: "hello", version: 1, name: "x" },
    });
    assert.deepStrictEqual(results[1], { ok: true, value: { type: "say", text: "x" } });
    assert.equal(results[2]?.ok, false);
    assert.equal(results[2]?.ok === false && results[2].code, "bad_frame");
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, "polluted"), false);
    for (const type of ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"]) {
      assert.equal(refusal({ type }), "unknown_type", type);
    }
  });

  await t.step("arrays nested 10000 deep in an unknown field", () => {
    const nested = "[".repeat(10_000) + "]".repeat(10_000);
    assert.deepStrictEqual(parseLine(`{"type":"who","x":${nested}}`), {
      ok: true,
      value: { type: "who" },
    });
    assert.equal(refusal(JSON.parse(nested)), "bad_frame");
    assert.equal(parseLine(`{"type":"say","text":${nested}}`).ok, false);
  });

  await t.step("nesting too deep for the parser", () => {
    const line = "[".repeat(200_000) + "]".repeat(200_000);
    const checked = decodeJson(line);
    if (!checked.ok) assert.equal(checked.code, "bad_frame");
    assert.doesNotThrow(() => parseLine(line));
  });

  await t.step("every field of every frame replaced by every JSON type", () => {
    const values: unknown[] = [null, 0, -1, 1.5, 1e300, "", "s", [], ["s"], {}, true, false];
    for (const samples of Object.values(CLIENT_SAMPLES)) {
      for (const frame of samples) {
        for (const key of [...Object.keys(frame), "reason", "token"]) {
          for (const value of values) {
            const hostile = { ...frame, [key]: value };
            const checked = parseClientFrame(hostile);
            if (!checked.ok) {
              assert.ok(["bad_frame", "unknown_type"].includes(checked.code));
            }
          }
        }
      }
    }
  });
});

Deno.test("parseServerFrame() refuses malformed server frames", () => {
  const cases: unknown[] = [
    null,
    [],
    { type: 1 },
    { type: "room", room: "#lobby", members: [1], count: 1 },
    { type: "room", room: "#lobby", members: "alice", count: 1 },
    { type: "rooms", rooms: [1] },
    { type: "rooms", rooms: {} },
    { type: "help", commands: [null] },
    { type: "message", id: 1, ts: 1, room: "#a", from: "a", text: "b", action: "yes" },
    { type: "message", id: "1", ts: 1, room: "#a", from: "a", text: "b" },
    { type: "welcome", version: 1, server: "chat" },
    { type: "welcome", version: 2, server: "chat", name: "a", rooms: "#lobby" },
    { type: "welcome", version: 2, server: "chat", name: "a", rooms: [1] },
    { type: "rooms", rooms: [{ name: "#a", members: 1, joined: "yes" }] },
    { type: "parted" },
    { type: "parted", room: 1 },
  ];
  for (const value of cases) {
    const checked = parseServerFrame(value);
    assert.equal(checked.ok, false, JSON.stringify(value));
    assert.equal(!checked.ok && checked.code, "bad_frame", JSON.stringify(value));
  }
  const unknown = parseServerFrame({ type: "hello", version: 1, name: "a" });
  assert.equal(!unknown.ok && unknown.code, "unknown_type");
});

Deno.test("checkName() accepts letters, digits and _ - . inside", () => {
  const valid = [
    "alice",
    "Zoë",
    "Zoe\u0308",
    "李雷",
    "Ωmega",
    "bob2",
    "7of9",
    "a_b-c.d",
    "x",
    "A".repeat(MAX_NAME_LENGTH),
    "𝒜".repeat(MAX_NAME_LENGTH),
  ];
  for (const name of valid) assert.equal(checkName(name), undefined, name);
});

Deno.test("checkName() explains why a name is refused", () => {
  const invalid: Record<string, string> = {
    "": "A name cannot be empty",
    ["A".repeat(MAX_NAME_LENGTH + 1)]: "A name can have at most 24 characters; this one has 25",
    ["𝒜".repeat(MAX_NAME_LENGTH + 1)]: "A name can have at most 24 characters; this one has 25",
    "Server": 'The name "Server" is reserved',
    "SYSTEM": 'The name "SYSTEM" is reserved',
    "Ｓｅｒｖｅｒ": 'The name "Ｓｅｒｖｅｒ" is reserved',
  };
  for (const [name, message] of Object.entries(invalid)) {
    assert.equal(checkName(name), message, JSON.stringify(name));
  }
  const pattern = "A name can use letters, digits and _ - . and must start with a letter or digit";
  // Named for one who cannot see what is wrong: a space, or which character hides.
  const spaces = "A name cannot hold spaces; put _ - or . between its words";
  const ends = "A name cannot start or end with a space";
  const hidden = (code: string) =>
    `A name cannot hold invisible or control characters (it has U+${code})`;
  const named: Record<string, string> = {
    "a b": spaces,
    " alice smith": spaces,
    "   ": spaces,
    // One word with a space before or after it is told so, not to put _ between its words.
    " alice": ends,
    "alice ": ends,
    "\u00a0alice\u3000": ends,
    "ann\u3000lee": spaces,
    "alice\n": hidden("000A"),
    "al\x1bice": hidden("001B"),
    "al\x00ice": hidden("0000"),
    "\u202eevil": hidden("202E"),
    "ev\u202eil": hidden("202E"),
    "a\u200bb": hidden("200B"),
    "\u200balice": hidden("200B"),
    "ann\u200dx": hidden("200D"),
  };
  for (const [name, message] of Object.entries(named)) {
    assert.equal(checkName(name), message, JSON.stringify(name));
  }
  const badPattern = [
    "#alice",
    "_alice",
    ".alice",
    "-x",
    "alice!",
    "a@b",
    "😀",
    "a😀",
  ];
  for (const name of badPattern) assert.equal(checkName(name), pattern, JSON.stringify(name));
});

Deno.test("nameKey() folds case and compatibility forms", () => {
  assert.equal(nameKey("Alice"), nameKey("alice"));
  assert.equal(nameKey("ALICE"), nameKey("alice"));
  assert.equal(nameKey("Ａｌｉｃｅ"), nameKey("alice"));
  assert.equal(nameKey("Zoë"), nameKey("Zoe\u0308"));
  assert.equal(nameKey("李雷"), "李雷");
  assert.equal(nameKey("straße"), nameKey("STRASSE"));
  assert.equal(nameKey("ς"), nameKey("σ"));
  assert.notEqual(nameKey("alice"), nameKey("alicia"));
});

Deno.test("normalizeRoom() returns the canonical room name", () => {
  const cases: Record<string, string> = {
    "dev": "#dev",
    "#Dev": "#dev",
    "#lobby": "#lobby",
    "LOBBY": "#lobby",
    "#李雷": "#李雷",
    "Zoë": "#zoë",
    "#a-b_c": "#a-b_c",
    "#9": "#9",
    ["#" + "a".repeat(MAX_ROOM_LENGTH - 1)]: "#" + "a".repeat(MAX_ROOM_LENGTH - 1),
    ["a".repeat(MAX_ROOM_LENGTH - 1)]: "#" + "a".repeat(MAX_ROOM_LENGTH - 1),
  };
  for (const [input, room] of Object.entries(cases)) {
    assert.deepStrictEqual(normalizeRoom(input), { ok: true, value: room }, input);
  }
});

Deno.test("normalizeRoom() refuses invalid room names with room_invalid", () => {
  const invalid = [
    "",
    "#",
    "##dev",
    "#a b",
    "#a.b",
    "#-dev",
    "#_dev",
    "dev\u202e",
    "#a\u200bb",
    "#\x1b[2J",
    "#dev\n",
    "#" + "a".repeat(MAX_ROOM_LENGTH),
    "a".repeat(MAX_ROOM_LENGTH),
  ];
  for (const input of invalid) {
    const checked = normalizeRoom(input);
    assert.equal(checked.ok, false, JSON.stringify(input));
    assert.equal(!checked.ok && checked.code, "room_invalid", JSON.stringify(input));
  }
});

Deno.test("utf8Length() counts UTF-8 bytes, not UTF-16 units", () => {
  assert.equal(utf8Length(""), 0);
  assert.equal(utf8Length("a"), 1);
  assert.equal(utf8Length("é"), 2);
  assert.equal(utf8Length("中"), 3);
  assert.equal(utf8Length("😀"), 4);
  assert.equal(utf8Length("👨‍👩‍👧‍👦"), 25);
});

Deno.test("parseClientFrame() checks the history limit", () => {
  for (const limit of [0, 501, 1.5, "10"]) {
    const checked = parseClientFrame({ type: "history", limit });
    assert.equal(checked.ok, false, String(limit));
    if (!checked.ok) assert.equal(checked.code, "bad_frame");
  }
  assert.equal(parseClientFrame({ type: "search" }).ok, false);
});

Deno.test("nameKey() maps Latin, Cyrillic and Greek look-alikes together", () => {
  const alice = nameKey("alice");
  for (const lookalike of ["\u0430lice", "al\u0456ce", "a1ice", "aIice", "ALlCE", "al\u0131ce"]) {
    assert.equal(nameKey(lookalike), alice, lookalike);
  }
  assert.equal(nameKey("b\u043eb"), nameKey("bob"));
  assert.equal(nameKey("\u03bf\u03c1\u03b1"), nameKey("opa"));
  assert.equal(nameKey("rnary"), nameKey("mary"));
  assert.equal(nameKey("B0B"), nameKey("bob"));
  assert.notEqual(nameKey("alice"), nameKey("alina"));
  assert.notEqual(nameKey("bob"), nameKey("rob"));
});

Deno.test("checkName() refuses invisible letters and names that pose as the system", () => {
  assert.notEqual(checkName("a\u3164b"), undefined);
  assert.notEqual(checkName("\u3164"), undefined);
  assert.notEqual(checkName("\u0405ERVER"), undefined);
  assert.notEqual(checkName("SYSTEM"), undefined);
  assert.notEqual(checkName("Everyone"), undefined);
  assert.equal(checkName("serverless"), undefined);
});

Deno.test("forVersion1() makes each line break of a message one space, once for all receivers", () => {
  const message: ServerFrame = {
    type: "message",
    id: 1,
    ts: 0,
    room: "#lobby",
    from: "ann",
    text: "a:\n    b\n\nc",
  };
  const flat = forVersion1(message);
  assert.deepEqual(flat, { ...message, text: "a:     b  c" });
  assert.equal(forVersion1(message), flat);
  assert.equal(message.text, "a:\n    b\n\nc");
  const private1: ServerFrame = { type: "private", id: 2, ts: 0, from: "a", to: "b", text: "x\ny" };
  assert.equal((forVersion1(private1) as { text: string }).text, "x y");
  const single: ServerFrame = { ...message, text: "one line" };
  assert.equal(forVersion1(single), single);
  const info: ServerFrame = { type: "info", text: "x" };
  assert.equal(forVersion1(info), info);
});

Deno.test("forVersion1() gives a joined without how the newcomer is, once for all receivers", () => {
  const joined: ServerFrame = {
    type: "joined",
    ts: 1,
    room: "#lobby",
    name: "ann",
    active: 1,
    client: "web",
    op: true,
  };
  const bare = forVersion1(joined);
  assert.deepEqual(bare, { type: "joined", ts: 1, room: "#lobby", name: "ann" });
  assert.equal(forVersion1(joined), bare);
  assert.equal(forVersion1(bare), bare);
});

Deno.test("parseServerFrame() refuses a shared file that could point elsewhere", () => {
  const message = { type: "message", id: 1, ts: 1, room: "#lobby", from: "ann", text: "x" };
  const file = { id: "ab".repeat(32), name: "x", size: 1, type: "text/plain", url: "/files/x" };
  assert.ok(parseServerFrame({ ...message, file }).ok);
  for (
    const bad of [
      { ...file, id: "../../etc/passwd" },
      { ...file, id: "AB".repeat(32) },
      { ...file, url: "https://evil.example/x" },
      { ...file, url: "//evil.example/files/x" },
      { ...file, size: "1" },
      "file",
    ]
  ) {
    const checked = parseServerFrame({ ...message, file: bad });
    assert.equal(checked.ok, false, JSON.stringify(bad));
  }
});

Deno.test("forVersion1() gives a shared file as a line with each receiver's link", () => {
  const file = { id: "ab".repeat(32), name: "a b.txt", size: 2048, type: "text/plain", url: "/u" };
  const frame: ServerFrame = {
    type: "message",
    id: 1,
    ts: 1,
    room: "#lobby",
    from: "ann",
    text: "a b.txt (2 KiB)",
    file,
  };
  const one = forVersion1(frame, () => "http://10.0.0.1:5003/u");
  const { file: _, ...rest } = frame;
  assert.deepEqual(one, { ...rest, text: "shared a b.txt (2 KiB): http://10.0.0.1:5003/u" });
  assert.equal("file" in one, false, "version 1 gets no file field");
  const other = forVersion1(frame, () => "http://10.0.0.2:5003/u");
  assert.equal(other.type === "message" && other.text.endsWith("10.0.0.2:5003/u"), true);
  const bare = forVersion1(frame);
  assert.equal(bare.type === "message" && bare.text, "shared a b.txt (2 KiB)");
});
