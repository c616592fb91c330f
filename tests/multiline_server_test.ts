/**
 * Messages of several lines through the real server: a version 2 sender, and
 * receivers of both versions over TCP and WebSocket, live and replayed.
 */

import assert from "node:assert/strict";
import { Conversation } from "../core/conversation.ts";
import { textWidth } from "../core/width.ts";
import {
  LOBBY,
  MAX_TEXT_BYTES,
  MAX_TEXT_LINES,
  type ServerFrame,
  tooLongMessage,
} from "../protocol.ts";
import { startServer } from "../server.ts";
import { LOOPBACK, TestClient, within } from "./_test_utils.ts";

const TRACEBACK_SENT = [
  "Traceback (most recent call last):\r",
  '\tFile "x.py", line 1, in <module>   ',
  "\t\tmain()",
  "",
  "ValueError:  bad  value",
  "",
].join("\n");

const TRACEBACK = [
  "Traceback (most recent call last):",
  '    File "x.py", line 1, in <module>',
  "        main()",
  "",
  "ValueError:  bad  value",
].join("\n");

/** A WebSocket client of version 1: every frame it got, and a wait for the next that fits. */
async function webSocketOfVersion1(port: number, name: string) {
  const socket = new WebSocket(`ws://${LOOPBACK}:${port}/ws`);
  const frames: ServerFrame[] = [];
  let wake = () => {};
  socket.onmessage = (event) => {
    frames.push(JSON.parse(event.data));
    wake();
  };
  await new Promise((resolve) => socket.onopen = resolve);
  socket.send(JSON.stringify({ type: "hello", version: 1, name }));
  const next = async (fits: (frame: ServerFrame) => boolean): Promise<ServerFrame> => {
    for (;;) {
      const found = frames.find(fits);
      if (found !== undefined) return found;
      await within(new Promise<void>((resolve) => wake = resolve), 5_000, "a WebSocket frame");
    }
  };
  await next((frame) => frame.type === "room");
  return {
    next,
    async [Symbol.asyncDispose]() {
      const closed = new Promise((resolve) => socket.onclose = resolve);
      socket.close();
      await closed;
    },
  };
}

Deno.test("startServer() keeps the lines of a version 2 message, as spaces for version 1", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0, webPort: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join2(port, "alice");
  await using bob = await TestClient.join2(port, "bob");
  await using carl = await TestClient.join(port, "carl");
  await using dora = await webSocketOfVersion1(server.webAddr!.port, "dora");

  await t.step("a version 2 sender's lines are cleaned and kept", async () => {
    await alice.send({ type: "say", text: TRACEBACK_SENT });
    assert.equal((await alice.next("message")).text, TRACEBACK);
    assert.equal((await bob.next("message")).text, TRACEBACK);
  });

  await t.step(
    "a version 1 receiver gets each line break as one space, over TCP and WebSocket",
    async () => {
      const flat = TRACEBACK.replaceAll("\n", " ");
      assert.equal((await carl.next("message")).text, flat);
      const seen = await dora.next((frame) => frame.type === "message");
      assert.equal(seen.type === "message" && seen.text, flat);
    },
  );

  await t.step("a private message and an action keep their lines too", async () => {
    await alice.send({ type: "msg", to: "bob", text: "a\n  b" });
    assert.equal((await bob.next("private")).text, "a\n  b");
    await alice.send({ type: "msg", to: "carl", text: "a\n  b" });
    assert.equal((await carl.next("private")).text, "a   b");
    await alice.send({ type: "me", text: "pastes\n  this" });
    assert.equal(
      (await bob.next("message", (frame) => frame.action === true)).text,
      "pastes\n  this",
    );
  });

  await t.step("a version 1 sender's line breaks are spaces, as always", async () => {
    await carl.send({ type: "say", text: "one\ntwo\tthree" });
    assert.equal(
      (await bob.next("message", (frame) => frame.from === "carl")).text,
      "one two three",
    );
  });

  await t.step(
    "history and search keep the lines for version 2, spaces for version 1",
    async () => {
      await bob.send({ type: "history", limit: 10 });
      const replayed = await bob.next("message", (frame) => frame.replay === true);
      assert.equal(replayed.text, TRACEBACK);
      await bob.send({ type: "search", text: "recent call" });
      await bob.next("info", (frame) => frame.text.includes("match"));
      assert.equal((await bob.next("message", (frame) => frame.replay === true)).text, TRACEBACK);
      await carl.send({ type: "search", text: "last File" });
      const found = await carl.next("message", (frame) => frame.replay === true);
      assert.equal(found.text, TRACEBACK.replaceAll("\n", " "));
      await using erin = await TestClient.join2(port, "erin");
      assert.ok(erin.all("message").some((frame) => frame.text === TRACEBACK));
    },
  );

  await t.step(`more than ${MAX_TEXT_LINES} lines are refused`, async () => {
    const lines = Array.from({ length: MAX_TEXT_LINES + 1 }, (_, i) => `line ${i}`);
    await alice.send({ type: "say", text: lines.join("\n") });
    const error = await alice.next("error");
    assert.equal(error.code, "text_invalid");
    assert.equal(error.message, "Cannot send message: it has 101 lines, more than 100");
    await alice.send({ type: "say", text: lines.slice(1).join("\n") + "\n\n\n" });
    assert.equal((await alice.next("message")).text, lines.slice(1).join("\n"));
  });

  await t.step(
    `more than ${MAX_TEXT_BYTES} bytes are refused with the size and the limit`,
    async () => {
      // As README.md words it: "it is 4213 bytes, more than the 4000 a message may hold".
      const text = "é".repeat(2000) + "\n" + "x".repeat(212);
      await alice.send({ type: "say", text, cid: "big-1" });
      assert.deepEqual(await alice.next("error"), {
        type: "error",
        code: "text_invalid",
        message: "Cannot send message: it is 4213 bytes, more than the 4000 a message may hold",
        cid: "big-1",
      });
    },
  );
});

Deno.test("startServer() expands tabs to stops of 4 columns as a terminal shows them", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using alice = await TestClient.join2(server.addr.port, "alice");
  await using bob = await TestClient.join2(server.addr.port, "bob");
  // A wide character (中, 😀) takes two columns, an e with a combining acute one.
  await alice.send({ type: "say", text: "ab\tx\n中\tx\n😀\tx\ne\u0301\tx" });
  const text = (await bob.next("message", (frame) => frame.from === "alice")).text;
  assert.deepEqual(text.split("\n"), ["ab  x", "中  x", "😀  x", "e\u0301   x"]);
  // Each line's x is in the same column on a terminal, as it was typed.
  assert.deepEqual(new Set(text.split("\n").map((line) => textWidth(line))).size, 1);
});

Deno.test("Conversation.oversize() counts a draft as the server does, which takes or refuses it alike", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using alice = await TestClient.join2(server.addr.port, "alice");
  const chat = new Conversation({ clock: () => 0 });
  chat.hello("alice", 0);
  chat.receive(
    { type: "welcome", version: 2, server: "chat", name: "alice", resume: "r", rooms: [LOBBY] },
    0,
  );
  const drafts: [string, string][] = [
    // 4001 bytes typed, 3981 once the spaces that end its first line go.
    ["trailing spaces", "x".repeat(1990) + " ".repeat(20) + "\n" + "x".repeat(1990)],
    // 1102 bytes typed, 4401 once its tabs are spaces to stops of 4 columns.
    ["tabs", "x" + "\t".repeat(1100) + "y"],
    // Indentation is kept: its spaces count.
    ["indentation", "x\n" + " ".repeat(2000) + "é".repeat(999)],
    ["wide characters before tabs", "中\t".repeat(1000) + "x"],
  ];
  for (const [index, [what, draft]] of drafts.entries()) {
    const size = chat.oversize(draft);
    const cid = `draft-${index}`;
    await alice.send({ type: "say", text: draft, cid });
    await alice.sync();
    const answer = alice.frames.find((frame) => "cid" in frame && frame.cid === cid);
    if (size === undefined) {
      assert.equal(answer?.type, "message", `${what}: refused by the server, not here`);
    } else {
      assert.equal(answer?.type, "error", `${what}: taken by the server, refused here`);
      assert.equal(answer.type === "error" && answer.message, tooLongMessage(size.bytes), what);
    }
  }
});
