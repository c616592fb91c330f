/**
 * Frames rendered once for every IRC client (server/irc/shared.ts) read as
 * each client's own rendering did, whatever its capabilities, and reads
 * rewritten in one shared buffer split into the same lines.
 */

import assert from "node:assert/strict";
import type { ServerFrame } from "../protocol.ts";
import type { Hub } from "../server/hub.ts";
import { CatchUps } from "../server/irc/catch_up.ts";
import { FormerOperators } from "../server/irc/former_operators.ts";
import { IrcRenderer } from "../server/irc/render.ts";
import { CAPABILITIES } from "../server/irc/registration.ts";
import { Capabilities, sharedFrame } from "../server/irc/shared.ts";
import { IrcConnection } from "../server/irc/connection.ts";
import type { LineProtocolParts } from "../server/transports/peer.ts";
import type { TcpSession } from "../server/transports/tcp_session.ts";
import { nickOf } from "../server/irc/nicks.ts";

const decoder = new TextDecoder();

/** What the renderers ask the hub: whether someone is an operator (Zoë is). */
const hub = {
  person: (name: string) => name === "Zoë" ? { person: { op: true } } : undefined,
} as unknown as Hub;

/** A renderer of `name`, welcomed, with `caps` enabled. */
function renderer(name: string, caps: readonly string[]): IrcRenderer {
  const made = new IrcRenderer({
    server: "irc.test",
    network: "test",
    localHost: "127.0.0.1",
    hub,
  });
  made.name = name;
  made.nick = made.nicks.nick(name);
  for (const cap of caps) made.caps.add(cap);
  return made;
}

/** Every subset of the capabilities offered. */
function capabilitySets(): string[][] {
  const sets: string[][] = [];
  for (let mask = 0; mask < 1 << CAPABILITIES.length; mask++) {
    sets.push(CAPABILITIES.filter((_, bit) => (mask & (1 << bit)) !== 0));
  }
  return sets;
}

const ts = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
let id = 0;

function said(from: string, text: string, extra: Partial<ServerFrame> = {}): ServerFrame {
  return { type: "message", id: ++id, ts, room: "#dev", from, text, ...extra } as ServerFrame;
}

/** Frames in the order a room's clients get them, the ones shared and the others between. */
function frames(): ServerFrame[] {
  return [
    said("bob", "hello there"),
    said("Zoë", "a mapped nick"),
    said("ann", "my own, echoed or not"),
    said("bob", "waves", { action: true } as Partial<ServerFrame>),
    said("bob", "one\ntwo\n\nfour"),
    said("bob", "x".repeat(300) + " " + "é".repeat(400) + " 😀".repeat(100)),
    said("bob", "breaks\r in\0 it"),
    said("李明", "another script", { action: true } as Partial<ServerFrame>),
    said("bob", "replayed", { replay: true } as Partial<ServerFrame>),
    { type: "joined", ts, room: "#dev", name: "bob" },
    { type: "joined", ts, room: "#dev", name: "Zoë" },
    { type: "joined", ts, room: "#dev", name: "ann" },
    { type: "left", ts, room: "#dev", name: "bob", reason: "parted" },
    { type: "left", ts, room: "#dev", name: "Zoë", reason: "went to #elsewhere" },
    { type: "left", ts, room: "#dev", name: "Zoë", reason: "kicked by carol: spam" },
    { type: "left", ts, room: "#dev", name: "bob", reason: "kicked by Zoë" },
    { type: "left", ts, room: "#dev", name: "bob", reason: "connection closed" },
    // The same departure from another room: QUIT is said once.
    { type: "left", ts, room: "#ops", name: "bob", reason: "connection closed" },
    { type: "left", ts, room: "#dev", name: "Zoë" },
    { type: "left", ts, room: "#ops", name: "Zoë" },
    { type: "renamed", ts, room: "#dev", from: "dan", to: "Dän" },
    { type: "left", ts, room: "#dev", name: "Dän", reason: "timed out" },
    { type: "renamed", ts, room: "#ops", from: "dan", to: "Dän" },
    { type: "left", ts, room: "#ops", name: "Dän", reason: "timed out" },
    { type: "left", ts, room: "#dev", name: "bob", reason: "connection closed" },
    { type: "typing", name: "bob", room: "#dev" },
    { type: "away", ts, name: "Zoë", reason: "lunch" },
    said("Zoë", "back again"),
  ];
}

Deno.test("IrcRenderer.encode() gives every client the lines of its own rendering, for every set of capabilities", () => {
  const sets = capabilitySets();
  // Each client beside a twin with the same capabilities that renders every frame its own way.
  const clients = sets.map((caps) => ({
    caps,
    shared: renderer("ann", caps),
    own: renderer("ann", caps),
  }));
  for (const frame of frames()) {
    for (const { caps, shared, own } of clients) {
      const bytes = shared.encode(frame);
      const expected = own.render(frame);
      assert.equal(
        bytes === undefined ? "" : decoder.decode(bytes),
        expected,
        `${JSON.stringify(frame)} with ${caps.join(",") || "no capabilities"}`,
      );
    }
  }
  // They remember the same mapped nicks, to send to them.
  for (const { shared, own } of clients) {
    for (const name of ["Zoë", "李明", "Dän", "carol"]) {
      assert.equal(shared.nicks.name(nickOf(name)), own.nicks.name(nickOf(name)));
      assert.equal(shared.nicks.name(nickOf(name)), name);
    }
  }
});

Deno.test("IrcRenderer.encode() encodes a live message once per set of message tags", () => {
  const frame = said("bob", "once for all");
  const plain = [renderer("ann", []), renderer("cid", ["away-notify", "batch"])];
  const timed = [
    renderer("eve", ["server-time"]),
    renderer("fay", ["server-time", "echo-message"]),
  ];
  const tagged = renderer("gus", ["server-time", "message-tags"]);
  const bytes = [...plain, ...timed, tagged].map((client) => client.encode(frame));
  assert.equal(bytes[0], bytes[1]);
  assert.equal(bytes[2], bytes[3]);
  assert.notEqual(bytes[0], bytes[2]);
  assert.notEqual(bytes[2], bytes[4]);
  assert.notEqual(bytes[0], bytes[4]);
  // The sender without echo-message is sent nothing.
  assert.equal(renderer("bob", []).encode(frame), undefined);
});

Deno.test("sharedFrame() renders its own way what reads differently to each client", () => {
  assert.equal(
    sharedFrame(said("bob", "old", { replay: true } as Partial<ServerFrame>)),
    undefined,
  );
  const file = { id: "f1", name: "a.txt", size: 1, type: "text/plain" };
  assert.equal(sharedFrame(said("bob", "a.txt", { file } as Partial<ServerFrame>)), undefined);
  assert.equal(
    sharedFrame({ type: "left", ts, room: "#dev", name: "bob", reason: "kicked by carol" }),
    undefined,
  );
  assert.equal(sharedFrame({ type: "info", text: "hi" }), undefined);
  const quit = sharedFrame({ type: "left", ts, room: "#dev", name: "bob", reason: "gone" });
  assert.equal(quit?.quit, "bob\ngone");
  assert.equal(
    sharedFrame({ type: "left", ts, room: "#dev", name: "bob", reason: "parted" })?.quit,
    undefined,
  );
});

Deno.test("Capabilities.messageKey follows server-time and message-tags", () => {
  const caps = new Capabilities();
  assert.equal(caps.messageKey, 0);
  caps.add("server-time");
  assert.equal(caps.messageKey, 1);
  caps.add("message-tags").add("batch");
  assert.equal(caps.messageKey, 3);
  assert.equal(caps.delete("server-time"), true);
  assert.equal(caps.messageKey, 2);
  assert.equal(caps.delete("server-time"), false);
  caps.clear();
  assert.equal(caps.messageKey, 0);
  assert.deepEqual([...new Capabilities()], []);
});

/** An IRC connection whose reads are split, without a socket: only `split` is used. */
function connection(): IrcConnection {
  const parts = {
    session: { localHost: "127.0.0.1", remote: "127.0.0.1:1" } as TcpSession,
    deliver: () => {},
    end: () => {},
  } as LineProtocolParts;
  return new IrcConnection(parts, {
    hub: {} as Hub,
    server: "irc.test",
    network: "test",
    tls: false,
    log: () => {},
    catchUps: new CatchUps(),
    formerOperators: new FormerOperators(0),
  });
}

/** The lines a client's reads end, as the rule says: CR, LF and CR LF each end one. */
function expectedLines(text: string): string[] {
  const lines = text.replaceAll("\r\n", "\n").replaceAll("\r", "\n").split("\n");
  lines.pop();
  return lines;
}

Deno.test("IrcConnection.split() ends lines at CR, LF and CR LF, with reads of clients in turn", () => {
  const encoder = new TextEncoder();
  const texts = [
    "NICK ann\r\nUSER a 0 * :Ann\r\nPRIVMSG #dev :héllo\r\n",
    "PING a\rPING b\nPING c\r\n\r\nPRIVMSG #dev :" + "z".repeat(3000) + "\r\n",
    "JOIN #x\n\rJOIN #y\r\r\nPART #x\r\n",
  ];
  for (const cut of [1, 2, 3, 7, 64, 100_000]) {
    const clients = texts.map((text) => ({
      text,
      connection: connection(),
      lines: [] as string[],
    }));
    const reads = clients.map(({ text }) => {
      const bytes = encoder.encode(text);
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < bytes.length; at += cut) chunks.push(bytes.slice(at, at + cut));
      return chunks;
    });
    // One read of each client in turn, so that the shared buffer is reused between them.
    for (let round = 0; reads.some((chunks) => round < chunks.length); round++) {
      clients.forEach((client, index) => {
        const chunk = reads[index]![round];
        if (chunk === undefined) return;
        for (const result of client.connection.split(chunk)) {
          assert.ok(result.ok);
          client.lines.push(result.line);
        }
      });
    }
    for (const client of clients) {
      assert.deepEqual(client.lines, expectedLines(client.text), `reads of ${cut} bytes`);
    }
  }
});
