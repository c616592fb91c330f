/**
 * One chat connection of a load worker (bench/load_worker.ts), and the
 * write queue of one that sends.
 *
 * Receivers come in two kinds. A checked receiver decodes every frame and
 * records, per sender, which sequence numbers arrived (so it sees each lost,
 * duplicated or reordered message and that `from` names the sender) and the
 * latency of every message. Every other receiver only counts lines: it finds
 * newlines with `indexOf`, compares the first 17 bytes of each line with
 * `{"type":"message"` and never decodes, so it costs little per frame.
 *
 * @module
 */

import { sharedNow, type WorkerConfig } from "./worker_protocol.ts";

const NEWLINE = 0x0a;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const MESSAGE_PREFIX = encoder.encode('{"type":"message"');
const PREFIX_LENGTH = MESSAGE_PREFIX.length;
const NOT_A_MESSAGE = -1;

// How a client reads its frames: decoding each (handshake), counting lines, or checking each.
const DECODE = 0;
const COUNT = 1;
const CHECK = 2;

/** Writes all of `bytes`, however many calls it takes. */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  while (bytes.length > 0) bytes = bytes.subarray(await conn.write(bytes));
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

/** What a client needs from the worker that owns it. */
export interface ClientHost {
  /** The worker's configuration. */
  readonly config: WorkerConfig;
  /** Names of the senders, by sender number. */
  readonly senderNames: string[];
  /** Where checked receivers put each message's latency, in ms. */
  readonly latencies: number[];
  /** Beside each latency, when that message was sent: ms since the epoch of the config. */
  readonly sendTimes: number[];
  /** Called after a read that brought message frames; `before` is the count before it. */
  received(client: Client, before: number): void;
  /** Called when the server closes the client's connection. */
  lost(client: Client): void;
  /** While reads are paced, the next read tick; else `undefined`. */
  paced(): Promise<void> | undefined;
}

/** One chat connection. */
export class Client {
  readonly index: number;
  readonly name: string;
  readonly checked: boolean;
  readonly #worker: ClientHost;
  conn: Deno.TcpConn | undefined;
  mode = DECODE;
  closed = false;
  /** Message frames since the last sync. */
  messageFrames = 0;
  otherFrames = 0;
  // Checked receivers only.
  distinct = 0;
  duplicated = 0;
  reordered = 0;
  wrongSender = 0;
  #seen: Uint8Array[] = [];
  #lastSeq: Int32Array = new Int32Array(0);
  // Line state across reads.
  #match = 0;
  #carry: Uint8Array | undefined;
  #text = "";
  #decoder = new TextDecoder();
  #welcomed = false;
  #joined: PromiseWithResolvers<void> | undefined;
  #synced: PromiseWithResolvers<void> | undefined;

  constructor(worker: ClientHost, index: number, checked: boolean) {
    this.#worker = worker;
    this.index = index;
    this.name = `${worker.config.prefix}${index}`;
    this.checked = checked;
  }

  /** Connects, says hello and resolves once the room frame arrived. */
  async join(): Promise<void> {
    const { hostname, port, prefix, roomSize } = this.#worker.config;
    this.#joined = Promise.withResolvers();
    const conn = await Deno.connect({ hostname, port });
    conn.setNoDelay(true);
    this.conn = conn;
    this.#read(conn);
    const room = `#${prefix}${Math.floor(this.index / roomSize)}`;
    const hello = { type: "hello", version: 1, name: this.name, room };
    await writeAll(conn, encoder.encode(JSON.stringify(hello) + "\n"));
    await this.#joined.promise;
  }

  /** Pings and resolves on the pong; everything queued for this client before it has then arrived. */
  async sync(): Promise<void> {
    if (this.closed || this.conn === undefined) return;
    this.mode = DECODE;
    this.#match = 0;
    this.#carry = undefined;
    this.#text = "";
    this.#decoder = new TextDecoder();
    this.#synced = Promise.withResolvers();
    await writeAll(this.conn, encoder.encode('{"type":"ping","token":"sync"}\n'));
    await this.#synced.promise;
  }

  /** Starts counting from zero; a checked receiver expects `senders` × `messages`. */
  reset(senders: number, messages: number): void {
    this.messageFrames = 0;
    this.otherFrames = 0;
    this.distinct = 0;
    this.duplicated = 0;
    this.reordered = 0;
    this.wrongSender = 0;
    if (this.checked) {
      this.#seen = Array.from({ length: senders }, () => new Uint8Array(messages));
      this.#lastSeq = new Int32Array(senders).fill(-1);
    }
  }

  close(): void {
    this.closed = true;
    try {
      this.conn?.close();
    } catch {
      // Already closed.
    }
  }

  async #read(conn: Deno.TcpConn): Promise<void> {
    const buffer = new Uint8Array(this.#worker.config.readBufferBytes);
    try {
      while (true) {
        const count = await conn.read(buffer);
        if (count === null) break;
        const before = this.messageFrames;
        this.#handle(buffer.subarray(0, count), sharedNow());
        if (this.messageFrames !== before) this.#worker.received(this, before);
        if (this.mode === COUNT) {
          const tick = this.#worker.paced();
          if (tick !== undefined) await tick;
        }
      }
    } catch {
      // Reset by the peer, or closed by us.
    }
    const wasClosed = this.closed;
    this.closed = true;
    this.#joined?.reject(
      new Error(`Cannot join as ${this.name}: the server closed the connection`),
    );
    this.#synced?.resolve();
    if (!wasClosed) this.#worker.lost(this);
  }

  /** Handles what one read brought at `now`. */
  #handle(chunk: Uint8Array, now: number): void {
    if (this.mode === COUNT) return this.#count(chunk);
    if (this.mode === CHECK) return this.#checkChunk(chunk, now);
    let start = 0;
    while (start < chunk.length) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) {
        const rest = chunk.subarray(start);
        this.#carry = this.#carry === undefined ? rest.slice() : join(this.#carry, rest);
        return;
      }
      let line = chunk.subarray(start, end);
      if (this.#carry !== undefined) {
        line = join(this.#carry, line);
        this.#carry = undefined;
      }
      start = end + 1;
      this.#line(decoder.decode(line));
      if (this.mode !== DECODE) return this.#handle(chunk.subarray(start), now);
    }
  }

  /** Decodes a whole read at once, then checks each complete line. */
  #checkChunk(chunk: Uint8Array, now: number): void {
    const text = this.#text + this.#decoder.decode(chunk, { stream: true });
    let start = 0;
    while (true) {
      const end = text.indexOf("\n", start);
      if (end === -1) break;
      let frame: Record<string, unknown> | undefined;
      try {
        frame = JSON.parse(text.slice(start, end));
      } catch {
        this.otherFrames++;
      }
      if (frame !== undefined) this.#check(frame, now);
      start = end + 1;
    }
    this.#text = text.slice(start);
  }

  /** Counts message lines without decoding them. */
  #count(chunk: Uint8Array): void {
    const length = chunk.length;
    let at = 0;
    while (at < length) {
      // Compare the start of the line with the message prefix, even across reads.
      while (this.#match >= 0 && this.#match < PREFIX_LENGTH && at < length) {
        if (chunk[at] !== MESSAGE_PREFIX[this.#match]) {
          this.#match = NOT_A_MESSAGE;
          break;
        }
        this.#match++;
        at++;
      }
      const end = chunk.indexOf(NEWLINE, at);
      if (end === -1) return;
      if (this.#match === PREFIX_LENGTH) this.messageFrames++;
      else this.otherFrames++;
      this.#match = 0;
      at = end + 1;
    }
  }

  #line(text: string): void {
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(text);
    } catch {
      this.otherFrames++;
      return;
    }
    switch (frame.type) {
      case "welcome":
        this.#welcomed = true;
        return;
      case "room":
        if (this.#welcomed) this.#joined?.resolve();
        return;
      case "error":
        this.#joined?.reject(new Error(`Cannot join as ${this.name}: ${frame.message}`));
        return;
      case "pong":
        if (frame.token === "sync" && this.#synced !== undefined) {
          this.mode = this.checked ? CHECK : COUNT;
          this.#synced.resolve();
          this.#synced = undefined;
        }
        return;
      default:
        // joined, left, bye: nothing to do before measuring.
    }
  }

  #check(frame: Record<string, unknown>, now: number): void {
    const text = frame.text;
    if (frame.type !== "message" || typeof text !== "string" || !text.startsWith("b ")) {
      this.otherFrames++;
      return;
    }
    this.messageFrames++;
    const parts = text.split(" ", 4);
    const sender = Number(parts[1]);
    const seq = Number(parts[2]);
    const seen = this.#seen[sender];
    if (seen === undefined || !(seq >= 0 && seq < seen.length)) {
      this.wrongSender++;
      return;
    }
    if (frame.from !== this.#worker.senderNames[sender]) this.wrongSender++;
    if (seen[seq] === 1) this.duplicated++;
    else {
      seen[seq] = 1;
      this.distinct++;
    }
    if (seq < this.#lastSeq[sender]!) this.reordered++;
    else this.#lastSeq[sender] = seq;
    const sentAt = Number(parts[3]);
    this.#worker.latencies.push(now - this.#worker.config.epoch - sentAt);
    this.#worker.sendTimes.push(sentAt);
  }
}

/** A client that sends; its writes queue up behind each other. */
export class Sender {
  readonly client: Client;
  /** Position in the global sender list, carried in the text. */
  readonly number: number;
  next = 0;
  #queue: Uint8Array[] = [];
  #writing = false;

  constructor(client: Client, number: number) {
    this.client = client;
    this.number = number;
  }

  /** Queues bytes behind any write in flight. */
  enqueue(bytes: Uint8Array): void {
    this.#queue.push(bytes);
    if (!this.#writing) this.#flush();
  }

  async #flush(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queue.length > 0 && !this.client.closed) {
        const chunks = this.#queue;
        this.#queue = [];
        let data = chunks[0]!;
        for (let i = 1; i < chunks.length; i++) data = join(data, chunks[i]!);
        await writeAll(this.client.conn!, data);
      }
    } catch {
      // The read side notices the closed connection.
    } finally {
      this.#writing = false;
    }
  }
}
