// This module is browser compatible.

/**
 * What a client keeps of the lines it typed until the server has answered
 * them, and when a line left unanswered should make it ping the server
 * (core/link.ts tells a dead link from a quiet one). Every line that posts
 * a message gets a client message id (`cid`) and waits until its frame comes
 * back, live or in a replay; so does a line the server will refuse as typed
 * (an unknown command), until its refusal comes back with the id. After a
 * reconnection, once the replay is over, what did not come back is sent
 * again, in the order typed, under the same id, so the server can recognise
 * it. Pure: no I/O and no timers, the
 * clients hand in frames and the time.
 *
 * @module
 */

import { parseInput } from "./commands.ts";
import { LinkCheck } from "./link.ts";
import { nameKey } from "./names.ts";
import type { ClientFrame, ServerFrame } from "../protocol.ts";

/** Most lines kept waiting for the server. */
export const MAX_PENDING = 100;

/** A line waiting this long while connected is shown as unsent. */
export const UNSENT_AFTER_MS = 1_000;

/** Ids of lines answered already, remembered to recognise their frame if it comes again. */
const ANSWERED_MEMORY = 256;

/** Outstanding pings remembered, with what each one vouches for. */
const PROBE_MEMORY = 16;

const CID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** A new random client message id: 132 random bits as 22 characters of `A-Z a-z 0-9 - _`. */
export function newCid(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(22));
  let cid = "";
  for (const byte of bytes) cid += CID_ALPHABET[byte & 63];
  return cid;
}

/** A frame that posts a message. */
export type PostFrame = Extract<ClientFrame, { type: "say" | "me" | "msg" }>;

/** A line the user typed, waiting until the server has answered it. */
export interface PendingLine {
  /** The line as it goes to the server. */
  readonly line: string;
  /**
   * The line as the user typed it, when it became another line to send
   * (`hi`, typed among private messages with bob, goes as `/msg bob hi`);
   * else `line`.
   */
  readonly typed: string;
  /** The view the user looked at as they typed it (`#dev`, `@bob`), if any. */
  readonly view: string | undefined;
  /** What goes on the wire: a `say` of the line, with `cid` if it has one, or else as typed. */
  readonly frame: ClientFrame;
  /**
   * The client message id, for a line that posts a message or that the
   * server will refuse as typed; other lines leave once sent.
   */
  readonly cid: string | undefined;
  /** The message the line posts, as the client reads it, to show it while it waits. */
  readonly post: PostFrame | undefined;
  /** When it was typed, in milliseconds. */
  readonly typedAt: number;
}

interface Entry extends PendingLine {
  /** Where it is in the queue. */
  slot: number;
  /** When it went out on the current connection, if it did. */
  sentAt: number | undefined;
  /** The number of the send, to tell which lines a ping went out after. */
  sentSeq: number | undefined;
  /** It went out on some connection, so the server may have it. */
  everSent: boolean;
}

/** Options for {@linkcode Delivery.type}. */
export interface TypeOptions {
  /**
   * What goes on the wire for a line that posts nothing, when not a `say` of
   * the line: a `join` that says which of the room's messages were seen.
   */
  frame?: ClientFrame;
  /** The room a `say` of the line names (version 2): where it is said, or its command runs. */
  room?: string;
  /** The line as the user typed it, when the line to send is another. @default {the line} */
  typed?: string;
  /** The view the user looked at as they typed it. */
  view?: string | undefined;
}

/** What {@linkcode Delivery.receive} found in a frame. */
export interface Received {
  /** Frames to send now: the lines held back until a replay ended. */
  send: ClientFrame[];
  /** The line this frame answered, if any. */
  answered: PendingLine | undefined;
  /** Lines a server that knows no `cid` handled without saying so: they wait no more. */
  handled: PendingLine[];
  /** The frame repeats a message already answered: do not show it twice. */
  repeat: boolean;
}

/**
 * The lines a client typed, from the keyboard to the server's answer, across
 * reconnections. Call {@linkcode Delivery.connected} on each `welcome`,
 * {@linkcode Delivery.disconnected} when the connection ends,
 * {@linkcode Delivery.receive} with every frame, and
 * {@linkcode Delivery.tick} every few hundred milliseconds while connected.
 *
 * @example
 * ```ts
 * const delivery = new Delivery();
 * delivery.connected(Date.now()); // [] : nothing waits
 * const { send } = delivery.type("hello", Date.now())!; // [{ type: "say", text: "hello", cid: "…" }]
 * ```
 */
export class Delivery {
  /**
   * The lines waiting, in the order typed, from `#head` on; answered ones
   * leave a hole. Those sent on this connection come first, so each step
   * costs no more than the lines it concerns, however many wait.
   */
  #slots: (Entry | undefined)[] = [];
  #head = 0;
  /** Where the lines not yet sent on this connection begin. */
  #unsentFrom = 0;
  #size = 0;
  readonly #byCid = new Map<string, Entry>();
  #online = false;
  #everConnected = false;
  /** The token of the ping after which the replay is over, while it is awaited. */
  #barrier: { token: string; sentAt: number } | undefined;
  #link: LinkCheck | undefined;
  /** Outstanding pings by token: the last send each one went out after. */
  readonly #probes = new Map<string, number>();
  readonly #answered = new Set<string>();
  #seq = 0;
  #tokens = 0;

  /** Whether the connection is up and lines go out as they are typed. */
  get online(): boolean {
    return this.#online && this.#barrier === undefined;
  }

  /** How many lines wait. */
  get size(): number {
    return this.#size;
  }

  /** Lines waiting, in the order typed. */
  get pending(): PendingLine[] {
    return [...this.#live(this.#head)];
  }

  /**
   * Lines to show as unsent at `now`: every one while offline, else those
   * typed more than {@linkcode UNSENT_AFTER_MS} ago.
   */
  unsent(now: number): number {
    if (!this.#online) return this.#size;
    let count = 0;
    for (const entry of this.#live(this.#head)) {
      if (now - entry.typedAt < UNSENT_AFTER_MS) break;
      count++;
    }
    return count;
  }

  /**
   * Takes a typed line. Returns it with the frames to send now (none while
   * offline or waiting for a replay to end), or `undefined` when the
   * connection was lost and {@linkcode MAX_PENDING} lines wait already.
   */
  type(
    line: string,
    now: number,
    options: TypeOptions = {},
  ): { line: PendingLine; send: ClientFrame[] } | undefined {
    if (this.#everConnected && !this.online && this.#size >= MAX_PENDING) return undefined;
    const parsed = parseInput(line);
    const post = parsed.ok && isPost(parsed.frame) ? { ...parsed.frame, cid: newCid() } : undefined;
    // A line the server will refuse as typed (a command unknown, or typed wrong) gets an id
    // too: its refusal carries it, and so answers the line, whose words go back to be mended.
    const cid = post?.cid ?? (parsed.ok ? undefined : newCid());
    const say: ClientFrame = cid === undefined
      ? { type: "say", text: line }
      : { type: "say", text: line, cid };
    if (options.room !== undefined) say.room = options.room;
    const entry: Entry = {
      line,
      typed: options.typed ?? line,
      view: options.view,
      frame: cid === undefined ? options.frame ?? say : say,
      cid,
      post,
      typedAt: now,
      slot: this.#slots.length,
      sentAt: undefined,
      sentSeq: undefined,
      everSent: false,
    };
    this.#slots.push(entry);
    this.#size++;
    if (cid !== undefined) this.#byCid.set(cid, entry);
    return { line: entry, send: this.online ? this.#flush(now) : [] };
  }

  /**
   * The server accepted the client (its `welcome`). Returns what to send:
   * the waiting lines, or, when some of them may have reached the server
   * already, a ping; they follow once the replay before its pong is over.
   */
  connected(now: number): ClientFrame[] {
    this.#online = true;
    this.#everConnected = true;
    this.#link = new LinkCheck(now);
    this.#probes.clear();
    let resent = false;
    for (const entry of this.#live(this.#head)) resent ||= entry.everSent;
    if (!resent) return this.#flush(now);
    const token = `resend-${++this.#tokens}`;
    this.#barrier = { token, sentAt: now };
    return [{ type: "ping", token }];
  }

  /** The connection ended: whatever waits goes out again on the next one. */
  disconnected(): void {
    this.#online = false;
    this.#barrier = undefined;
    this.#link = undefined;
    this.#probes.clear();
    for (const entry of this.#live(this.#head)) {
      entry.sentAt = undefined;
      entry.sentSeq = undefined;
    }
    this.#unsentFrom = this.#head;
  }

  /** Takes a frame from the server, `me` being the user's name now, at `now`. */
  receive(frame: ServerFrame, me: string, now: number): Received {
    const received: Received = { send: [], answered: undefined, handled: [], repeat: false };
    this.#link?.heard(now);
    if (frame.type === "pong" && frame.token !== undefined) {
      if (frame.token === this.#barrier?.token) {
        this.#barrier = undefined;
        received.send = this.#flush(now);
      }
      const mark = this.#probes.get(frame.token);
      if (mark !== undefined) {
        this.#probes.delete(frame.token);
        // Lines sent on this connection come first: take them while they went out before the ping.
        const handled: Entry[] = [];
        for (const entry of this.#live(this.#head)) {
          if (entry.sentSeq === undefined || entry.sentSeq > mark) break;
          handled.push(entry);
        }
        for (const entry of handled) this.#remove(entry);
        received.handled = handled;
      }
      return received;
    }
    const cid = ownCid(frame, me);
    if (cid === undefined) return received;
    const answered = this.#byCid.get(cid);
    if (answered !== undefined) {
      this.#remove(answered);
      received.answered = answered;
    } // The server answers a line sent again with the original frame: shown once already.
    else received.repeat = frame.type !== "error" && !replayed(frame) && this.#answered.has(cid);
    return received;
  }

  /**
   * Looks at the link at `now`: returns a ping to send, `"dead"` when the
   * server has stopped answering, or nothing.
   */
  tick(now: number): ClientFrame | "dead" | undefined {
    if (this.#link === undefined) return undefined;
    // The first line waiting went out first, if any did.
    const oldest = this.#barrier?.sentAt ?? this.#slots[this.#head]?.sentAt;
    const advice = this.#link.check(now, oldest);
    if (advice !== "probe") return advice;
    const token = `probe-${++this.#tokens}`;
    this.#probes.set(token, this.#seq);
    if (this.#probes.size > PROBE_MEMORY) this.#probes.delete(this.#probes.keys().next().value!);
    return { type: "ping", token };
  }

  /** The lines waiting from `slot` on, in order. */
  *#live(slot: number): Generator<Entry, undefined> {
    for (let at = slot; at < this.#slots.length; at++) {
      const entry = this.#slots[at];
      if (entry !== undefined) yield entry;
    }
  }

  /** Marks every line not yet sent on this connection as sent, and returns their frames. */
  #flush(now: number): ClientFrame[] {
    const frames: ClientFrame[] = [];
    for (const entry of this.#live(Math.max(this.#unsentFrom, this.#head))) {
      entry.sentSeq = ++this.#seq;
      entry.sentAt = now;
      entry.everSent = true;
      frames.push(entry.frame);
      // A line that posts nothing, nor is refused as typed, is not answered in a way to wait for.
      if (entry.cid === undefined) {
        this.#slots[entry.slot] = undefined;
        this.#size--;
      }
    }
    this.#unsentFrom = this.#slots.length;
    this.#tidy();
    return frames;
  }

  /** Takes an answered line out, remembering its id. */
  #remove(entry: Entry): void {
    if (this.#slots[entry.slot] !== entry) return;
    this.#slots[entry.slot] = undefined;
    this.#size--;
    if (entry.cid !== undefined) {
      this.#byCid.delete(entry.cid);
      this.#answered.add(entry.cid);
      if (this.#answered.size > ANSWERED_MEMORY) {
        this.#answered.delete(this.#answered.values().next().value!);
      }
    }
    this.#tidy();
  }

  /** Moves the head past answered lines, and lets go of the slots before it now and then. */
  #tidy(): void {
    while (this.#head < this.#slots.length && this.#slots[this.#head] === undefined) this.#head++;
    if (this.#head < 1024 || this.#head * 2 < this.#slots.length) return;
    this.#slots = this.#slots.slice(this.#head);
    for (const entry of this.#live(0)) entry.slot -= this.#head;
    this.#unsentFrom = Math.max(0, this.#unsentFrom - this.#head);
    this.#head = 0;
  }
}

function isPost(frame: ClientFrame): frame is PostFrame {
  return frame.type === "say" || frame.type === "me" || frame.type === "msg";
}

/** Whether `frame` is history replayed on purpose, shown even if seen before. */
function replayed(frame: ServerFrame): boolean {
  return frame.type === "message" && frame.replay === true;
}

/** The `cid` of a message or private frame from `me`, or of an error: an answer to this client. */
function ownCid(frame: ServerFrame, me: string): string | undefined {
  switch (frame.type) {
    case "error":
      return frame.cid;
    case "message":
    case "private":
      // Another person may use the same id; only the user's own frames answer a line.
      return frame.cid !== undefined && nameKey(frame.from) === nameKey(me) ? frame.cid : undefined;
    default:
      return undefined;
  }
}
