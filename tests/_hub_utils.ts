/**
 * Fake sessions for unit tests of the hub: no sockets, no transports, no
 * timers. Each session records the frames the hub sends it, and reads a
 * stream (a replay) all at once, as a client that keeps up would.
 */

import assert from "node:assert/strict";
import type { HelloFrame, ServerFrame } from "../protocol.ts";
import type { Hub } from "../server/hub.ts";
import type { FrameSource, Session } from "../server/session.ts";

/** A session that records what the hub sends it. */
export class FakeSession implements Session {
  static #count = 0;
  readonly remote: string;
  readonly address: string;
  /** Frames received and not taken yet, in order. */
  readonly frames: ServerFrame[] = [];
  closed = false;
  /** Called with each frame it receives, after recording it. */
  onSend: ((frame: ServerFrame) => void) | undefined;

  constructor(address = "192.0.2.7") {
    this.address = address;
    this.remote = `${address}:${50_000 + FakeSession.#count++}`;
  }

  send(frame: ServerFrame): void {
    if (this.closed) return;
    this.frames.push(frame);
    this.onSend?.(frame);
  }

  stream(source: FrameSource): void {
    for (let page = source.next(); page !== undefined; page = source.next()) {
      for (const frame of page) this.send(frame);
    }
  }

  close(): void {
    this.closed = true;
  }

  /** Takes every frame received since the last call. */
  take(): ServerFrame[] {
    return this.frames.splice(0);
  }

  /** Takes the frames received since the last call, which must all be of type `type`. */
  takeAll<T extends ServerFrame["type"]>(type: T): Extract<ServerFrame, { type: T }>[] {
    const frames = this.take();
    for (const frame of frames) assert.equal(frame.type, type, JSON.stringify(frame));
    return frames as Extract<ServerFrame, { type: T }>[];
  }

  /** Takes the one frame received since the last call, which must be of type `type`. */
  takeOne<T extends ServerFrame["type"]>(type: T): Extract<ServerFrame, { type: T }> {
    const frames = this.takeAll(type);
    assert.equal(frames.length, 1, JSON.stringify(frames));
    return frames[0]!;
  }
}

/** Opens a session on `hub`, says hello as `name` (version 1 unless `hello` says), reads nothing. */
export function arrive(hub: Hub, name: string, hello: Partial<HelloFrame> = {}): FakeSession {
  const session = new FakeSession();
  hub.open(session);
  hub.receive(session, { type: "hello", version: 1, name, ...hello });
  return session;
}

/** Like {@linkcode arrive}, and takes what the hello brought. */
export function join(hub: Hub, name: string, hello: Partial<HelloFrame> = {}): FakeSession {
  const session = arrive(hub, name, hello);
  assert.equal(session.frames[0]?.type, "welcome", JSON.stringify(session.frames));
  session.take();
  return session;
}

/** Says `text`, with `cid` if given, on `session`. */
export function say(hub: Hub, session: Session, text: string, cid?: string): void {
  hub.receive(session, cid === undefined ? { type: "say", text } : { type: "say", text, cid });
}

/** Drops what every session received so far. */
export function forget(...sessions: FakeSession[]): void {
  for (const session of sessions) session.take();
}

/** Like {@linkcode join}, in protocol version 2, in `rooms` (names only) if given. */
export function join2(hub: Hub, name: string, rooms?: string[]): FakeSession {
  return join(hub, name, {
    version: 2,
    ...(rooms === undefined ? {} : { rooms: rooms.map((room) => ({ room })) }),
  });
}
