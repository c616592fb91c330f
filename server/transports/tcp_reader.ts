/**
 * The reading side of one socket connection: on the chat port it picks JSON
 * or plain text from the first byte and splits lines; on the web port it
 * reads WebSocket messages. Either way it slows down a flooding peer by
 * pausing its socket, and hands frames to the hub.
 *
 * @module
 */

import type { Socket } from "node:net";
import { type LineResult, LineSplitter, MAX_CLIENT_LINE_BYTES } from "../../protocol.ts";
import type { Hub } from "../hub.ts";
import { TokenBucket } from "../limits.ts";
import { FrameIntake } from "./intake.ts";
import { TelnetFilter } from "./telnet.ts";
import { GREETING, TextCodec } from "./text.ts";
import { encoder, type TcpSession } from "./tcp_session.ts";
import { CLOSE_PROTOCOL_ERROR, encodeWebSocketJson, WebSocketDecoder } from "./websocket.ts";

/** A rate: up to `burst` at once, `perSecond` sustained. */
export interface Rate {
  burst: number;
  perSecond: number;
}

/** What every reader of a transport shares. */
export interface ReaderLimits {
  readonly hub: Hub;
  /** Milliseconds of silence after which a new connection is greeted in text. */
  readonly greetAfter: number;
  /** Frames a connection may send. */
  readonly frameRate: Rate;
  /** Bytes a connection may send. */
  readonly byteRate: Rate;
  /** Bad frames a connection may send before it is closed. */
  readonly maxStrikes: number;
  readonly log: (line: string) => void;
}

const OPEN_BRACE = 0x7b;
/** A UTF-8 byte order mark, ignored at the very start of the stream. */
const BOM = [0xef, 0xbb, 0xbf];
const NO_LINES: LineResult[] = [];
// How often a throttled peer is told so.
const WARN_EVERY_MS = 10_000;

function isBlank(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

// Timers call these with the reader, so a connection needs no closures of its own.
function greet(reader: TcpReader): void {
  reader.greet();
}

function resume(reader: TcpReader): void {
  reader.resume();
}

/**
 * Reads one connection until it ends, then closes its session. The transport
 * passes it the socket's events: {@linkcode TcpReader.data},
 * {@linkcode TcpReader.finish} and {@linkcode TcpReader.stop}.
 */
export class TcpReader {
  /** The session this reader feeds. */
  readonly session: TcpSession;
  readonly #socket: Socket;
  readonly #limits: ReaderLimits;
  readonly #intake: FrameIntake;
  /** Splits lines (JSON or text), or reads WebSocket messages. */
  readonly #framer: { push(chunk: Uint8Array): LineResult[] };
  readonly #frames: TokenBucket;
  readonly #bytes: TokenBucket;
  #text: { codec: TextCodec; telnet: TelnetFilter } | undefined;
  #greeted = false;
  /** Bytes of a byte order mark seen at the start of the stream; -1 once past it. */
  #bom = 0;
  /** The greeting timer until the peer speaks; then the throttle timer, while paused. */
  #timer: ReturnType<typeof setTimeout> | undefined;
  #warned = -Infinity;
  /** Lines received and not yet handled, from `#next` on. */
  #lines: LineResult[] = NO_LINES;
  #next = 0;
  /** Whether the token of line `#next` was already taken. */
  #taken = false;
  /** Bytes read and not yet counted against the byte rate. */
  #uncounted = 0;
  #finished = false;

  constructor(session: TcpSession, socket: Socket, limits: ReaderLimits) {
    this.session = session;
    this.#socket = socket;
    this.#limits = limits;
    this.#intake = new FrameIntake(session, limits.hub, {
      maxStrikes: limits.maxStrikes,
      log: limits.log,
    });
    this.#frames = new TokenBucket(limits.frameRate.burst, limits.frameRate.perSecond);
    this.#bytes = new TokenBucket(limits.byteRate.burst, limits.byteRate.perSecond);
    if (session.mode === "websocket") {
      session.encode = encodeWebSocketJson;
      this.#bom = -1;
      this.#framer = new WebSocketDecoder(MAX_CLIENT_LINE_BYTES, {
        write: (frame) => session.write(frame),
        ended: (code, problem) => this.#ended(code, problem),
      });
    } else {
      this.#framer = new LineSplitter(MAX_CLIENT_LINE_BYTES);
      // A person on nc waits to be asked; a program speaks first.
      this.#timer = setTimeout(greet, limits.greetAfter, this);
    }
  }

  /** Greets a peer that has said nothing yet, in text: maybe a person on nc. */
  greet(): void {
    this.#timer = undefined;
    this.#greeted = true;
    this.session.write(encoder.encode(GREETING));
  }

  /** Handles bytes from the socket. */
  data(chunk: Uint8Array): void {
    const session = this.session;
    if (this.#finished || session.closing) return;
    session.lastHeard = performance.now();
    session.pinged = false;
    this.#uncounted += chunk.length;
    if (this.#bom >= 0) {
      const rest = this.#skipBom(chunk);
      if (rest === undefined) return;
      chunk = rest;
    }
    if (session.mode === "unknown" && !this.#decide(chunk)) return;
    const lines = this.#framer.push(this.#text?.telnet.push(chunk) ?? chunk);
    // Reading is paused while lines wait, so this only joins lines of one read.
    if (this.#next < this.#lines.length) this.#lines = this.#lines.slice(this.#next).concat(lines);
    else this.#lines = lines;
    this.#next = 0;
    this.resume();
  }

  /**
   * Drops a byte order mark at the very start of the stream, even one split
   * across reads; returns what follows it, or `undefined` while it may still
   * be one.
   */
  #skipBom(chunk: Uint8Array): Uint8Array | undefined {
    let at = 0;
    while (at < chunk.length && this.#bom < BOM.length && chunk[at] === BOM[this.#bom]) {
      at++;
      this.#bom++;
    }
    if (this.#bom === BOM.length) {
      this.#bom = -1;
      return chunk.subarray(at);
    }
    if (at === chunk.length) return undefined;
    // Not a byte order mark after all: give back the bytes taken for one.
    const taken = this.#bom;
    this.#bom = -1;
    if (taken === 0) return chunk;
    const whole = new Uint8Array(taken + chunk.length - at);
    whole.set(BOM.slice(0, taken));
    whole.set(chunk.subarray(at), taken);
    return whole;
  }

  /** Picks the mode from the first byte that is not blank; false while there is none. */
  #decide(chunk: Uint8Array): boolean {
    const first = chunk.findIndex((byte) => !isBlank(byte));
    if (first === -1) return false;
    const session = this.session;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (chunk[first] !== OPEN_BRACE) {
      const codec = new TextCodec();
      this.#text = { codec, telnet: new TelnetFilter() };
      session.mode = "text";
      session.encode = (frame) => codec.encode(frame);
      if (!this.#greeted) session.write(encoder.encode(GREETING));
    } else {
      session.mode = "json";
      // A program slow to speak got the text greeting: end its open
      // "Your name: " line, or the first frame would be glued to it.
      if (this.#greeted) session.write(encoder.encode("\n"));
    }
    return true;
  }

  /** Handles waiting lines until done, or until the peer must slow down. */
  resume(): void {
    this.#timer = undefined;
    const lines = this.#lines;
    while (this.#next < lines.length) {
      if (this.#finished || this.session.closing) return;
      if (!this.#taken) {
        const wait = this.#frames.take(1);
        if (wait > 0) {
          this.#taken = true;
          return this.#throttle(wait);
        }
      }
      this.#taken = false;
      if (!this.#handle(lines[this.#next++]!)) return this.finish("too many bad frames");
    }
    this.#lines = NO_LINES;
    this.#next = 0;
    const wait = this.#bytes.take(this.#uncounted);
    this.#uncounted = 0;
    if (wait > 0) return this.#throttle(wait);
    if (this.#socket.isPaused()) this.#socket.resume();
  }

  /** Handles one line; false once the connection sent too many bad frames. */
  #handle(line: LineResult): boolean {
    const text = this.#text;
    if (text === undefined) return this.#intake.line(line);
    const session = this.session;
    if (!line.ok) {
      session.write(encoder.encode(`!! ${line.message}\r\n`));
      // An unreadable name is refused like an invalid one: ask again.
      const prompt = text.codec.prompt();
      if (prompt !== undefined) session.write(prompt);
      return true;
    }
    const frame = text.codec.input(line.line);
    if (frame !== undefined) this.#intake.deliver(frame);
    else {
      const prompt = text.codec.prompt();
      if (prompt !== undefined) session.write(prompt);
    }
    return true;
  }

  /** A flood is slowed down, not dropped: reading pauses until the bucket refills. */
  #throttle(wait: number): void {
    const now = performance.now();
    if (now - this.#warned > WARN_EVERY_MS) {
      this.#warned = now;
      this.session.send({
        type: "error",
        code: "rate_limited",
        message: "You are sending too fast: your messages are being slowed down",
      });
    }
    this.#socket.pause();
    this.#timer = setTimeout(resume, wait, this);
  }

  /** The WebSocket peer closed, or broke the framing rules. */
  #ended(code: number, problem: string | undefined): void {
    if (problem !== undefined) this.#limits.log(`${this.session.remote}: ${problem}`);
    const reason = code === CLOSE_PROTOCOL_ERROR ? "connection lost" : "connection closed";
    this.finish(reason, code, problem);
  }

  /**
   * Tells the hub the peer is gone and closes the session, sending what is
   * queued; for the end of the stream, a socket error, or a peer to drop.
   * `code` and `why` are the WebSocket close code and reason, where there is one.
   */
  finish(reason: string, code?: number, why?: string): void {
    if (this.#finished) return;
    this.#finished = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#lines = NO_LINES;
    this.#limits.hub.close(this.session, reason);
    this.session.close(code, why);
  }
}
