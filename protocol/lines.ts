// This module is browser compatible.

/**
 * The line codec: frames as lines of JSON text, and the splitter that cuts a
 * byte stream into checked UTF-8 lines.
 *
 * @module
 */

import type { Checked, ClientFrame, ServerFrame } from "./frames.ts";

/** Parses one line of JSON text into a checked value, never throwing. */
export function decodeJson(line: string): Checked<unknown> {
  try {
    return { ok: true, value: JSON.parse(line) };
  } catch {
    return { ok: false, code: "bad_frame", message: "Cannot read frame: invalid JSON" };
  }
}

/** Encodes a frame as one line of JSON text, newline included. */
export function encodeFrame(frame: ClientFrame | ServerFrame): string {
  return JSON.stringify(frame) + "\n";
}

/** One result of {@linkcode LineSplitter.push}: a decoded line, or why a line was dropped. */
export type LineResult =
  | { ok: true; line: string }
  | { ok: false; code: "line_too_long" | "invalid_utf8" | "bad_frame"; message: string };

const NEWLINE = 0x0a;
// Shared by every splitter with nothing pending; never written to.
const NOTHING = new Uint8Array(0);
// Decoding whole lines without `stream` keeps no state, so one decoder serves every splitter.
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const CARRIAGE_RETURN = 0x0d;

/**
 * Splits a byte stream into UTF-8 lines, holding at most `maxLineBytes` of an
 * unfinished line. Lines end with LF; a CR before it is dropped. Splitting on
 * bytes keeps multi-byte characters whole: the byte 0x0A never occurs inside
 * one, so a character cut across two reads is joined before it is decoded.
 *
 * @example
 * ```ts
 * const splitter = new LineSplitter(1024);
 * const bytes = new TextEncoder().encode('{"type":"say","text":"h\u00e9"}\n');
 * splitter.push(bytes.subarray(0, 24)); // []
 * splitter.push(bytes.subarray(24)); // [{ ok: true, line: '{"type":"say","text":"hé"}' }]
 * ```
 */
export class LineSplitter {
  readonly #max: number;

  #pending: Uint8Array = NOTHING;
  #pendingLength = 0;
  #discarding = false;

  /** @param maxLineBytes Largest line accepted, newline included. */
  constructor(maxLineBytes: number) {
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 2) {
      throw new RangeError(
        `Cannot create line splitter: maxLineBytes must be an integer >= 2, received ${maxLineBytes}`,
      );
    }
    this.#max = maxLineBytes;
  }

  /** Bytes held of an unfinished line. */
  get buffered(): number {
    return this.#pendingLength;
  }

  /**
   * Feeds bytes and returns every line they complete. The chunk is not kept,
   * so the caller may reuse its buffer.
   */
  push(chunk: Uint8Array): LineResult[] {
    const results: LineResult[] = [];
    let start = 0;
    while (start < chunk.length) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) {
        this.#hold(chunk.subarray(start), results);
        break;
      }
      this.#finish(chunk.subarray(start, end), results);
      start = end + 1;
    }
    return results;
  }

  #hold(part: Uint8Array, results: LineResult[]): void {
    if (this.#discarding) return;
    // Keep room for the newline that would end this line.
    if (this.#pendingLength + part.length >= this.#max) {
      this.#discarding = true;
      this.#pendingLength = 0;
      this.#pending = NOTHING;
      results.push(this.#tooLong());
      return;
    }
    const needed = this.#pendingLength + part.length;
    if (needed > this.#pending.length) {
      const grown = new Uint8Array(Math.min(this.#max, Math.max(needed, this.#pending.length * 2)));
      grown.set(this.#pending.subarray(0, this.#pendingLength));
      this.#pending = grown;
    }
    this.#pending.set(part, this.#pendingLength);
    this.#pendingLength = needed;
  }

  #finish(part: Uint8Array, results: LineResult[]): void {
    if (this.#discarding) {
      this.#discarding = false;
      return;
    }
    let line = part;
    if (this.#pendingLength > 0) {
      if (this.#pendingLength + part.length + 1 > this.#max) {
        this.#pendingLength = 0;
        results.push(this.#tooLong());
        return;
      }
      line = new Uint8Array(this.#pendingLength + part.length);
      line.set(this.#pending.subarray(0, this.#pendingLength));
      line.set(part, this.#pendingLength);
      this.#pendingLength = 0;
      // Let a large line's buffer go once it is used.
      if (this.#pending.length > 4096) this.#pending = NOTHING;
    } else if (part.length + 1 > this.#max) {
      results.push(this.#tooLong());
      return;
    }
    if (line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN) {
      line = line.subarray(0, line.length - 1);
    }
    try {
      results.push({ ok: true, line: strictDecoder.decode(line) });
    } catch {
      results.push({
        ok: false,
        code: "invalid_utf8",
        message: "Cannot read line: it is not valid UTF-8",
      });
    }
  }

  #tooLong(): LineResult {
    return {
      ok: false,
      code: "line_too_long",
      message: `Cannot read line: it is longer than ${this.#max} bytes`,
    };
  }
}
