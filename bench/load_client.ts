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
 * A client may speak IRC instead (`WorkerConfig.irc`): it registers with NICK
 * and USER, JOINs its room and PARTs `#lobby` (where IRC puts everyone), so
 * that it is in one room as a JSON client is; it sends PRIVMSG, syncs with
 * PING, answers the server's PING, and counts or checks PRIVMSG lines as the
 * others do message frames. It does not ask for `echo-message`, as IRC
 * clients need not: a sender gets every message but its own.
 *
 * @module
 */

import { isPrivmsg, readIrcLine } from "./irc_lines.ts";
import { sharedNow, type WorkerConfig } from "./worker_protocol.ts";

const NEWLINE = 0x0a;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const MESSAGE_PREFIX = encoder.encode('{"type":"message"');
const PREFIX_LENGTH = MESSAGE_PREFIX.length;
/** A cluster's news of where the other servers are: expected at any time, neither a message nor a fault. */
const SERVERS_PREFIX = encoder.encode('{"type":"servers"');
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
  /** Whether this client speaks IRC rather than JSON frames. */
  readonly irc: boolean;
  /** The room it is in, `#` first (its IRC channel too). */
  readonly room: string;
  /** The chat port it connects to: the run's server's, or its own server's in a cluster. */
  port: number;
  /** Message frames expected in the current phase: every message, but its own on IRC. */
  expected = 0;
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
  /** Whether the line being counted may still be a `message` frame, or a `servers` frame. */
  #maybeMessage = true;
  #maybeServers = true;
  #carry: Uint8Array | undefined;
  #text = "";
  #decoder = new TextDecoder();
  #welcomed = false;
  /** IRC: whether the JOIN of the room was answered (366). */
  #inRoom = false;
  #joined: PromiseWithResolvers<void> | undefined;
  #synced: PromiseWithResolvers<void> | undefined;

  constructor(worker: ClientHost, index: number, checked: boolean, irc = false) {
    this.#worker = worker;
    this.index = index;
    const { prefix, roomSize } = worker.config;
    this.name = `${prefix}${index}`;
    this.room = `#${prefix}${Math.floor(index / roomSize)}`;
    this.checked = checked;
    this.irc = irc;
    this.port = worker.config.port;
  }

  /**
   * Connects, says hello and resolves once the room frame arrived; on IRC,
   * registers, joins the room and resolves once it has left `#lobby`.
   */
  async join(): Promise<void> {
    const { hostname, ircPort } = this.#worker.config;
    if (this.irc && ircPort === undefined) {
      throw new TypeError(`Cannot join as ${this.name} over IRC: no IRC port`);
    }
    this.#joined = Promise.withResolvers();
    const conn = await Deno.connect({ hostname, port: this.irc ? ircPort! : this.port });
    conn.setNoDelay(true);
    this.conn = conn;
    this.#read(conn);
    const hello = this.irc
      ? `NICK ${this.name}\r\nUSER ${this.name} 0 * :${this.name}\r\n`
      : JSON.stringify({ type: "hello", version: 1, name: this.name, room: this.room }) + "\n";
    await writeAll(conn, encoder.encode(hello));
    await this.#joined.promise;
  }

  /** The bytes that say `text` (no character JSON escapes) in this client's room. */
  say(text: string): Uint8Array {
    return encoder.encode(
      this.irc ? `PRIVMSG ${this.room} :${text}\r\n` : `{"type":"say","text":"${text}"}\n`,
    );
  }

  /** Pings and resolves on the pong; everything queued for this client before it has then arrived. */
  async sync(): Promise<void> {
    if (this.closed || this.conn === undefined) return;
    this.mode = DECODE;
    this.#match = 0;
    this.#maybeMessage = true;
    this.#maybeServers = true;
    this.#carry = undefined;
    this.#text = "";
    this.#decoder = new TextDecoder();
    this.#synced = Promise.withResolvers();
    const ping = this.irc ? "PING sync\r\n" : '{"type":"ping","token":"sync"}\n';
    await writeAll(this.conn, encoder.encode(ping));
    await this.#synced.promise;
  }

  /**
   * Starts counting from zero, expecting `senders` × `messages` (an IRC sender:
   * less its own `messages`).
   */
  reset(senders: number, messages: number): void {
    const own = this.irc && this.#worker.config.senders.includes(this.index);
    this.expected = (senders - (own ? 1 : 0)) * messages;
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
    if (this.mode === COUNT) return this.irc ? this.#countIrc(chunk) : this.#count(chunk);
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
      if (this.irc) this.#checkIrc(text.slice(start, end), now);
      else {
        let frame: Record<string, unknown> | undefined;
        try {
          frame = JSON.parse(text.slice(start, end));
        } catch {
          this.otherFrames++;
        }
        if (frame !== undefined) this.#checkFrame(frame, now);
      }
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
      // The two prefixes are as long: the line may be either until they part.
      while (this.#match >= 0 && this.#match < PREFIX_LENGTH && at < length) {
        const byte = chunk[at];
        this.#maybeMessage &&= byte === MESSAGE_PREFIX[this.#match];
        this.#maybeServers &&= byte === SERVERS_PREFIX[this.#match];
        if (!this.#maybeMessage && !this.#maybeServers) {
          this.#match = NOT_A_MESSAGE;
          break;
        }
        this.#match++;
        at++;
      }
      const end = chunk.indexOf(NEWLINE, at);
      if (end === -1) return;
      if (this.#match !== PREFIX_LENGTH) this.otherFrames++;
      else if (this.#maybeMessage) this.messageFrames++;
      this.#match = 0;
      this.#maybeMessage = true;
      this.#maybeServers = true;
      at = end + 1;
    }
  }

  /** Counts PRIVMSG lines, decoding only the others (a server PING, say). */
  #countIrc(chunk: Uint8Array): void {
    let at = 0;
    if (this.#carry !== undefined) {
      const end = chunk.indexOf(NEWLINE);
      if (end === -1) {
        this.#carry = join(this.#carry, chunk);
        return;
      }
      const line = join(this.#carry, chunk.subarray(0, end));
      this.#carry = undefined;
      this.#countIrcLine(line, 0, line.length);
      at = end + 1;
    }
    while (at < chunk.length) {
      const end = chunk.indexOf(NEWLINE, at);
      if (end === -1) {
        this.#carry = chunk.slice(at);
        return;
      }
      this.#countIrcLine(chunk, at, end);
      at = end + 1;
    }
  }

  #countIrcLine(bytes: Uint8Array, start: number, end: number): void {
    if (isPrivmsg(bytes, start, end)) {
      this.messageFrames++;
      return;
    }
    this.otherFrames++;
    this.#ircLine(decoder.decode(bytes.subarray(start, end)));
  }

  /** Checks one IRC line while measuring. */
  #checkIrc(text: string, now: number): void {
    const line = readIrcLine(text);
    if (line.command !== "PRIVMSG") {
      this.otherFrames++;
      this.#ircLine(text);
      return;
    }
    this.#check(line.source, line.params[1] ?? "", now);
  }

  /** Handles an IRC line outside counting: registration, joining, PONG, the server's PING. */
  #ircLine(text: string): void {
    const { source, command, params } = readIrcLine(text);
    const fail = (why: string) =>
      this.#joined?.reject(new Error(`Cannot join as ${this.name} over IRC: ${why}`));
    switch (command) {
      case "001":
        // Registered and put in #lobby: into the bench's room, out of #lobby.
        this.#write(`JOIN ${this.room}\r\nPART #lobby\r\n`);
        return;
      case "366":
        if (params[1] === this.room) this.#inRoom = true;
        return;
      case "PART":
        if (source === this.name && params[0] === "#lobby") {
          if (this.#inRoom) this.#joined?.resolve();
          else fail(`not in ${this.room} after leaving #lobby`);
        }
        return;
      case "PING":
        this.#write(`PONG :${params[0] ?? ""}\r\n`);
        return;
      case "PONG":
        if (params[params.length - 1] === "sync" && this.#synced !== undefined) {
          this.mode = this.checked ? CHECK : COUNT;
          this.#synced.resolve();
          this.#synced = undefined;
        }
        return;
      case "ERROR":
        fail(params.join(" "));
        return;
      default:
        // An error numeric while joining; anything else (JOIN, NAMES, MOTD…) needs nothing.
        if (/^[45]\d\d$/.test(command)) fail(text.trim());
    }
  }

  /** Writes `text` behind nothing in particular: replies that need no order. */
  #write(text: string): void {
    if (this.conn === undefined || this.closed) return;
    writeAll(this.conn, encoder.encode(text)).catch(() => {});
  }

  #line(text: string): void {
    if (this.irc) return this.#ircLine(text);
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

  #checkFrame(frame: Record<string, unknown>, now: number): void {
    if (frame.type === "servers") return;
    if (frame.type !== "message" || typeof frame.text !== "string") {
      this.otherFrames++;
      return;
    }
    this.#check(frame.from, frame.text, now);
  }

  /** Checks one message `from` someone: its sender, sequence and latency. */
  #check(from: unknown, text: string, now: number): void {
    if (!text.startsWith("b ")) {
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
    if (from !== this.#worker.senderNames[sender]) this.wrongSender++;
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
