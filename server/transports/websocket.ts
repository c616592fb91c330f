/**
 * The WebSocket wire format (RFC 6455) as the server speaks it on the web
 * port: the handshake's accept key, the frames it sends, and a decoder for
 * what a browser sends, bounded like a TCP line.
 *
 * The web port serves WebSocket on the same `node:net` sockets as the chat
 * port, not through `Deno.upgradeWebSocket`: that needs `Deno.serve`, whose
 * connections cannot be counted or timed before a request arrives, and whose
 * sockets hide a peer that stopped reading (after the idle timeout
 * `bufferedAmount` reads 0 and `close` waits for the peer). On a socket of
 * our own, a stalled browser is dropped by the same outbox rule as any TCP
 * client, and a flood is slowed by the same pause.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { LineResult, ServerFrame } from "../../protocol.ts";

/** Appended to the client's key to make `Sec-WebSocket-Accept` (RFC 6455, section 1.3). */
const HANDSHAKE_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** Frame opcodes. */
const CONTINUATION = 0x0;
const TEXT = 0x1;
const BINARY = 0x2;
const CLOSE = 0x8;
const PING = 0x9;
const PONG = 0xa;

/** Close codes the server sends. */
export const CLOSE_NORMAL = 1000;
/** The peer broke the framing rules. */
export const CLOSE_PROTOCOL_ERROR = 1002;
/** The peer broke a policy: it stopped reading, or never said hello. */
export const CLOSE_POLICY = 1008;

const encoder = new TextEncoder();
// Whole messages are decoded at once, so one decoder serves every connection.
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The `Sec-WebSocket-Accept` answer to a client's `Sec-WebSocket-Key`. */
export function acceptKey(key: string): string {
  return createHash("sha1").update(key + HANDSHAKE_GUID).digest("base64");
}

/** Whether `key` is a valid `Sec-WebSocket-Key`: 16 bytes in base64. */
export function isValidKey(key: string | undefined): key is string {
  return key !== undefined && /^[A-Za-z0-9+/]{22}==$/.test(key);
}

/** Encodes one unmasked, final frame, as a server sends them. */
export function encodeWebSocketFrame(opcode: number, payload: Uint8Array): Uint8Array {
  const length = payload.length;
  const head = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = new Uint8Array(head + length);
  frame[0] = 0x80 | opcode;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65536) {
    frame[1] = 126;
    frame[2] = length >>> 8;
    frame[3] = length & 0xff;
  } else {
    frame[1] = 127;
    // Frames here stay far below 4 GiB: the upper four bytes of the length are 0.
    new DataView(frame.buffer).setUint32(6, length);
  }
  frame.set(payload, head);
  return frame;
}

// Each frame is encoded once however many WebSocket sessions it is sent to:
// what a server sends is not masked, so every receiver gets the same bytes.
const encodedText = new WeakMap<ServerFrame, Uint8Array>();

/** Encodes a frame as one WebSocket text message of JSON, once for all receivers. */
export function encodeWebSocketJson(frame: ServerFrame): Uint8Array {
  let bytes = encodedText.get(frame);
  if (bytes === undefined) {
    bytes = encodeWebSocketFrame(TEXT, encoder.encode(JSON.stringify(frame)));
    encodedText.set(frame, bytes);
  }
  return bytes;
}

/** A close frame with `code` and a short `reason`. */
export function closeFrame(code: number, reason = ""): Uint8Array {
  const text = encoder.encode(reason).subarray(0, 123);
  const payload = new Uint8Array(2 + text.length);
  payload[0] = code >>> 8;
  payload[1] = code & 0xff;
  payload.set(text, 2);
  return encodeWebSocketFrame(CLOSE, payload);
}

/** A ping frame; a browser answers it with a pong by itself, even in a background tab. */
export const PING_FRAME: Uint8Array = encodeWebSocketFrame(PING, new Uint8Array(0));

/** What a {@linkcode WebSocketDecoder} asks of its connection. */
export interface WebSocketControl {
  /** Sends `frame`, a pong answering the peer's ping. */
  write(frame: Uint8Array): void;
  /**
   * Ends the connection with a close frame of `code`: the peer's own code
   * when it closed, 1002 with `problem` saying why when it broke the rules.
   */
  ended(code: number, problem?: string): void;
}

/**
 * Whether a peer may send close code `code` (RFC 6455, section 7.4, and IANA's
 * registry): the registered codes from 1000 to 1014 but 1004 (reserved), 1005
 * and 1006 (which say there was no close frame), and the codes from 3000 to
 * 4999, left to libraries and applications.
 */
function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999);
}

const NO_BYTES = new Uint8Array(0);
/** Pieces of a fragmented message held before they are joined. */
const MAX_PARTS = 64;

/**
 * Reads the frames a browser sends and yields each complete text message as
 * a line for the frame intake, with the TCP rules: a message of `maxBytes` or
 * more is `line_too_long` (and skipped, never buffered), invalid UTF-8 is
 * `invalid_utf8`, a binary message is `bad_frame`. Pings are answered; a
 * close, or broken framing, ends the connection.
 */
export class WebSocketDecoder {
  readonly #max: number;
  readonly #control: WebSocketControl;
  /** Bytes received and not yet consumed: at most one frame's header and payload. */
  #pending: Uint8Array = NO_BYTES;
  /** The message being received, in parts. */
  #parts: Uint8Array[] = [];
  #partBytes = 0;
  /** The opcode of the message being received, or 0 between messages. */
  #messageType = 0;
  /** Whether the rest of the current message is skipped, for being too long. */
  #discarding = false;
  /** Payload bytes of the current frame still to skip. */
  #skip = 0;
  /** Whether the frame being skipped ends its message. */
  #skipEndsMessage = false;
  #ended = false;

  /** @param maxBytes The smallest message refused as too long, as for a TCP line with its LF. */
  constructor(maxBytes: number, control: WebSocketControl) {
    this.#max = maxBytes;
    this.#control = control;
  }

  /** Feeds bytes and returns the messages they complete; the chunk is not kept. */
  push(chunk: Uint8Array): LineResult[] {
    const results: LineResult[] = [];
    if (this.#ended) return results;
    if (this.#skip > 0) {
      const skipped = Math.min(this.#skip, chunk.length);
      this.#skip -= skipped;
      chunk = chunk.subarray(skipped);
      if (this.#skip > 0) return results;
      if (this.#skipEndsMessage) this.#endMessage();
    }
    let data = chunk;
    if (this.#pending.length > 0) {
      data = new Uint8Array(this.#pending.length + chunk.length);
      data.set(this.#pending);
      data.set(chunk, this.#pending.length);
    }
    let offset = 0;
    while (!this.#ended) {
      const used = this.#frame(data, offset, results);
      if (used === 0) break;
      offset += used;
      if (this.#skip > 0) {
        // The rest of `data` was all skipped; more follows in later chunks.
        offset = data.length;
        break;
      }
    }
    // Keep what is left: a copy, as the caller may reuse its buffer.
    this.#pending = offset >= data.length ? NO_BYTES : data.slice(offset);
    return results;
  }

  /** Consumes one frame at `offset`; returns the bytes used, 0 if it is not complete. */
  #frame(data: Uint8Array, offset: number, results: LineResult[]): number {
    const available = data.length - offset;
    if (available < 2) return 0;
    const first = data[offset]!;
    const second = data[offset + 1]!;
    const final = (first & 0x80) !== 0;
    const opcode = first & 0x0f;
    let length = second & 0x7f;
    let head = 2;
    if (length === 126) {
      if (available < 4) return 0;
      length = (data[offset + 2]! << 8) | data[offset + 3]!;
      head = 4;
    } else if (length === 127) {
      if (available < 10) return 0;
      const view = new DataView(data.buffer, data.byteOffset + offset + 2, 8);
      const high = view.getUint32(0);
      // RFC 6455, section 5.2: the most significant bit of a 64-bit length must be 0.
      if (high >= 0x80000000) return this.#fail("a frame's 64-bit length has its top bit set");
      // A length of 2^53 or more is far beyond any limit: treated as "too long".
      length = high >= 0x200000 ? Number.MAX_SAFE_INTEGER : high * 2 ** 32 + view.getUint32(4);
      head = 10;
    }
    if ((first & 0x70) !== 0) return this.#fail("reserved bits are set");
    if ((second & 0x80) === 0) return this.#fail("a client frame is not masked");
    head += 4;
    if (opcode >= CLOSE) {
      if (!final || length > 125) return this.#fail("a control frame is fragmented or too long");
      if (opcode !== CLOSE && opcode !== PING && opcode !== PONG) {
        return this.#fail(`unknown opcode ${opcode}`);
      }
      if (available < head + length) return 0;
      this.#onControl(opcode, unmask(data, offset + head - 4, length));
      return head + length;
    }
    if (opcode !== CONTINUATION && opcode !== TEXT && opcode !== BINARY) {
      return this.#fail(`unknown opcode ${opcode}`);
    }
    if (opcode === CONTINUATION ? this.#messageType === 0 : this.#messageType !== 0) {
      return this.#fail("a message is interleaved with another");
    }
    if (available < head) return 0;
    if (this.#discarding || this.#partBytes + length >= this.#max) {
      if (opcode !== CONTINUATION) this.#messageType = opcode;
      if (!this.#discarding) {
        this.#discarding = true;
        this.#parts = [];
        this.#partBytes = 0;
        results.push({
          ok: false,
          code: "line_too_long",
          message: `Cannot read frame: it is longer than ${this.#max - 1} bytes`,
        });
      }
      const here = Math.min(length, available - head);
      if (here < length) {
        this.#skip = length - here;
        this.#skipEndsMessage = final;
        return head + here;
      }
      if (final) this.#endMessage();
      return head + length;
    }
    // Nothing is taken until the whole frame is here: it is read again from the start.
    if (available < head + length) return 0;
    if (opcode !== CONTINUATION) this.#messageType = opcode;
    this.#parts.push(unmask(data, offset + head - 4, length));
    this.#partBytes += length;
    // A message in many tiny fragments is held as a few pieces, not thousands.
    if (this.#parts.length >= MAX_PARTS) this.#parts = [join(this.#parts, this.#partBytes)];
    if (final) results.push(this.#message());
    return head + length;
  }

  /** Handles a complete control frame. */
  #onControl(opcode: number, payload: Uint8Array): void {
    if (opcode === PING) {
      this.#control.write(encodeWebSocketFrame(PONG, payload));
    } else if (opcode === CLOSE) {
      if (payload.length === 0) {
        this.#ended = true;
        return this.#control.ended(CLOSE_NORMAL);
      }
      // A close that breaks the rules of RFC 6455, section 5.5.1, is a protocol error.
      if (payload.length === 1) return void this.#fail("a close frame's code is 1 byte long");
      const code = (payload[0]! << 8) | payload[1]!;
      if (!isValidCloseCode(code)) {
        return void this.#fail(`a close frame has code ${code}, which a peer may not send`);
      }
      try {
        strictDecoder.decode(payload.subarray(2));
      } catch {
        return void this.#fail("a close frame's reason is not valid UTF-8");
      }
      this.#ended = true;
      // Answered with the same code, as the RFC asks.
      this.#control.ended(code);
    }
    // A pong needs nothing: any bytes from the peer count as a sign of life.
  }

  /** The complete message, as a line for the intake. */
  #message(): LineResult {
    const type = this.#messageType;
    const bytes = join(this.#parts, this.#partBytes);
    this.#endMessage();
    if (type === BINARY) {
      return {
        ok: false,
        code: "bad_frame",
        message: "Cannot read frame: binary messages are not accepted",
      };
    }
    try {
      return { ok: true, line: strictDecoder.decode(bytes) };
    } catch {
      return {
        ok: false,
        code: "invalid_utf8",
        message: "Cannot read frame: it is not valid UTF-8",
      };
    }
  }

  #endMessage(): void {
    this.#parts = [];
    this.#partBytes = 0;
    this.#messageType = 0;
    this.#discarding = false;
  }

  /** Ends the connection for broken framing; returns 0 so the caller stops. */
  #fail(why: string): 0 {
    this.#ended = true;
    this.#control.ended(CLOSE_PROTOCOL_ERROR, `Cannot read WebSocket frame: ${why}`);
    return 0;
  }
}

/** Joins the pieces of a message, `length` bytes in all. */
function join(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}

/** Copies a masked payload out of `data`, unmasked; the 4-byte key starts at `keyAt`. */
function unmask(data: Uint8Array, keyAt: number, length: number): Uint8Array {
  const key0 = data[keyAt]!;
  const key1 = data[keyAt + 1]!;
  const key2 = data[keyAt + 2]!;
  const key3 = data[keyAt + 3]!;
  const start = keyAt + 4;
  const payload = data.slice(start, start + length);
  for (let i = 0; i < length; i++) {
    const key = (i & 3) === 0 ? key0 : (i & 3) === 1 ? key1 : (i & 3) === 2 ? key2 : key3;
    payload[i] = payload[i]! ^ key;
  }
  return payload;
}
