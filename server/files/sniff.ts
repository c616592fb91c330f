/**
 * What a shared file is served as: its type read from its bytes, never from
 * what the uploader claims (a picture only when it is whole, to its end, and
 * of a size a browser may draw), and a `Content-Disposition` that carries its
 * cleaned name (core/files.ts) without breaking the header.
 *
 * @module
 */

import { PICTURE_TYPES } from "../../core/files.ts";
import {
  fitsInline,
  GifSize,
  type PictureSize,
  pngSize,
  SIZE_HEAD_BYTES,
  webpSize,
} from "./picture_size.ts";

export { PICTURE_TYPES };

/** The type of a file that is valid UTF-8 text and not a picture. */
export const TEXT_TYPE = "text/plain; charset=utf-8";
/** The type of every other file. */
export const BINARY_TYPE = "application/octet-stream";
/** Bytes of a file's start that {@linkcode TypeCheck} keeps: its type, and a PNG's or WebP's size. */
export const HEAD_BYTES = Math.max(16, SIZE_HEAD_BYTES);

function startsWith(head: Uint8Array, offset: number, signature: readonly number[]): boolean {
  return signature.every((byte, index) => head[offset + index] === byte);
}

const ascii = (text: string) => [...text].map((char) => char.charCodeAt(0));

/**
 * The type a file's first bytes say it is: a picture by its magic bytes (PNG,
 * JPEG, GIF, WebP), else text when the whole file was valid UTF-8 without NUL
 * bytes, else {@linkcode BINARY_TYPE}. Whether a picture is whole is
 * {@linkcode TypeCheck}'s to say.
 */
export function detectType(head: Uint8Array, isText: boolean): string {
  if (startsWith(head, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(head, 0, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(head, 0, ascii("GIF87a")) || startsWith(head, 0, ascii("GIF89a"))) {
    return "image/gif";
  }
  if (startsWith(head, 0, ascii("RIFF")) && startsWith(head, 8, ascii("WEBP"))) {
    return "image/webp";
  }
  return isText && head.length > 0 ? TEXT_TYPE : BINARY_TYPE;
}

/** Checks, chunk by chunk, whether a stream of bytes is UTF-8 text without NUL bytes. */
export class TextCheck {
  readonly #decoder = new TextDecoder("utf-8", { fatal: true });
  #text = true;

  /** Reads the next chunk. */
  push(chunk: Uint8Array): void {
    if (!this.#text) return;
    if (chunk.includes(0)) return void (this.#text = false);
    try {
      this.#decoder.decode(chunk, { stream: true });
    } catch {
      this.#text = false;
    }
  }

  /** Whether everything pushed was text; call once, after the last chunk. */
  end(): boolean {
    if (!this.#text) return false;
    try {
      this.#decoder.decode();
      return true;
    } catch {
      return false;
    }
  }
}

/** The bytes at the end of a whole PNG: its last chunk, IEND, empty (its CRC is not read). */
const PNG_END = [0, 0, 0, 0, ...ascii("IEND")];
/** Bytes of a file's end that {@linkcode TypeCheck} keeps: IEND's chunk, with its CRC. */
const TAIL_BYTES = PNG_END.length + 4;

/** Where {@linkcode JpegEnd} is in a JPEG's bytes. */
type JpegState =
  | "start" // its first byte, 0xFF of SOI
  | "soi" // SOI's second byte, 0xD8
  | "marker" // the 0xFF of the next marker (other bytes are skipped, as decoders do)
  | "code" // a marker's code
  | "length" // a segment's length, first byte
  | "length2" // and second
  | "segment" // a segment's bytes, skipped
  | "scan" // the data of a scan: its bytes up to the next 0xFF
  | "scanFF" // a byte after 0xFF in a scan: 0x00 or a restart marker keep it going
  | "end" // EOI was read: what follows is not the picture's
  | "bad"; // not a JPEG

/**
 * Follows a JPEG's markers as its bytes come, segments skipped by their
 * lengths (an EXIF thumbnail's own end inside one is not the picture's),
 * to see whether it reaches its end, the marker EOI (`FF D9`), and reads
 * the size of its frames (SOF0 to SOF15 but DHT, JPG and DAC). Bytes after
 * EOI are allowed: phones write some there (a motion photo's video, a second
 * picture of the Multi-Picture Format), and are not the picture's.
 */
export class JpegEnd {
  #state: JpegState = "start";
  #left = 0;
  #code = 0;
  /** The start of the frame header being read: its precision, height and width. */
  #frame: number[] | undefined;
  #width = 0;
  #height = 0;
  #frames = 0;
  /** Whether a frame's height is told only after its scan (DNL), which browsers do not read. */
  #heightLater = false;

  /** Reads the next chunk. */
  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length) {
      switch (this.#state) {
        case "end":
        case "bad":
          return;
        case "segment": {
          const skipped = Math.min(this.#left, chunk.length - at);
          if (this.#frame !== undefined && this.#frame.length < 5) {
            this.#frame.push(...chunk.subarray(at, at + Math.min(skipped, 5 - this.#frame.length)));
            if (this.#frame.length === 5) this.#sized(this.#frame);
          }
          at += skipped;
          this.#left -= skipped;
          if (this.#left === 0) this.#state = this.#code === 0xda ? "scan" : "marker";
          break;
        }
        case "scan": {
          const next = chunk.indexOf(0xff, at);
          if (next === -1) return;
          at = next + 1;
          this.#state = "scanFF";
          break;
        }
        default:
          this.#step(chunk[at++]!);
      }
    }
  }

  /** Whether the bytes read so far are a JPEG up to its EOI. */
  get ended(): boolean {
    return this.#state === "end";
  }

  /** The size of its frames, the largest of each side, once it ended; `undefined` without one. */
  get size(): PictureSize | undefined {
    if (!this.ended || this.#frames === 0 || this.#heightLater) return undefined;
    return { width: this.#width, height: this.#height };
  }

  /** Reads a frame header's precision, height and width. */
  #sized(frame: number[]): void {
    this.#frames++;
    this.#height = Math.max(this.#height, (frame[1]! << 8) | frame[2]!);
    this.#width = Math.max(this.#width, (frame[3]! << 8) | frame[4]!);
    if (frame[1] === 0 && frame[2] === 0) this.#heightLater = true;
  }

  #step(byte: number): void {
    switch (this.#state) {
      case "start":
        this.#state = byte === 0xff ? "soi" : "bad";
        return;
      case "soi":
        this.#state = byte === 0xd8 ? "marker" : "bad";
        return;
      case "marker":
        if (byte === 0xff) this.#state = "code";
        return;
      case "scanFF":
        // A stuffed 0xFF, a restart marker, or fill bytes: the scan goes on.
        if (byte === 0x00 || (byte >= 0xd0 && byte <= 0xd7)) this.#state = "scan";
        else if (byte !== 0xff) this.#marker(byte);
        return;
      case "code":
        if (byte !== 0xff) this.#marker(byte);
        return;
      case "length":
        this.#left = byte << 8;
        this.#state = "length2";
        return;
      case "length2":
        this.#left = (this.#left | byte) - 2;
        if (this.#left < 0) this.#state = "bad";
        else this.#state = this.#left === 0 ? (this.#code === 0xda ? "scan" : "marker") : "segment";
        return;
    }
  }

  /** A marker's `code`, read after its 0xFF. */
  #marker(code: number): void {
    this.#code = code;
    const frame = code >= 0xc0 && code <= 0xcf && code !== 0xc4 && code !== 0xc8 && code !== 0xcc;
    this.#frame = frame ? [] : undefined;
    if (code === 0xd9) this.#state = "end";
    else if (code === 0x00 || code === 0xd8) this.#state = "bad";
    // TEM and the restart markers stand alone; every other marker starts a segment.
    else if (code === 0x01 || (code >= 0xd0 && code <= 0xd7)) this.#state = "marker";
    else this.#state = "length";
  }
}

/**
 * Reads a file's bytes chunk by chunk as they are stored, and says what it is
 * served as: {@linkcode detectType}'s type, but a picture only when it is
 * whole, so that a browser never gets a picture cut short to draw half of (it
 * tells no error for one): a PNG whose last chunk is IEND, a JPEG that
 * reaches its EOI marker (bytes after it allowed), a GIF whose blocks reach
 * its trailer `0x3B`, its last byte, a WebP whose RIFF size is the file's;
 * and only when the size it says, in pixels, {@linkcode fitsInline}, so that
 * a small file cannot make every browser that shows it decode a huge
 * picture. Any other file that starts as a picture is {@linkcode BINARY_TYPE}.
 */
export class TypeCheck {
  readonly #head = new Uint8Array(HEAD_BYTES);
  readonly #tail = new Uint8Array(TAIL_BYTES);
  readonly #text = new TextCheck();
  readonly #jpeg = new JpegEnd();
  readonly #gif = new GifSize();
  #size = 0;

  /** Reads the next chunk. */
  push(chunk: Uint8Array): void {
    if (this.#size < HEAD_BYTES) {
      this.#head.set(chunk.subarray(0, HEAD_BYTES - this.#size), this.#size);
    }
    if (chunk.length >= TAIL_BYTES) this.#tail.set(chunk.subarray(chunk.length - TAIL_BYTES));
    else {
      this.#tail.copyWithin(0, chunk.length);
      this.#tail.set(chunk, TAIL_BYTES - chunk.length);
    }
    this.#size += chunk.length;
    this.#text.push(chunk);
    this.#jpeg.push(chunk);
    this.#gif.push(chunk);
  }

  /** The type the file is served as; call once, after the last chunk. */
  end(): string {
    const type = detectType(
      this.#head.subarray(0, Math.min(this.#size, HEAD_BYTES)),
      this.#text.end(),
    );
    if (!PICTURE_TYPES.has(type)) return type;
    return this.#whole(type) && fitsInline(this.#sizeOf(type)) ? type : BINARY_TYPE;
  }

  /** The size in pixels that a picture of `type` says it has, if it says one. */
  #sizeOf(type: string): PictureSize | undefined {
    const head = this.#head.subarray(0, Math.min(this.#size, HEAD_BYTES));
    switch (type) {
      case "image/png":
        return pngSize(head);
      case "image/jpeg":
        return this.#jpeg.size;
      case "image/gif":
        return this.#gif.size;
      case "image/webp":
        return webpSize(head);
      default:
        return undefined;
    }
  }

  #whole(type: string): boolean {
    const tail = this.#tail.subarray(Math.max(0, TAIL_BYTES - this.#size));
    switch (type) {
      case "image/png":
        return tail.length === TAIL_BYTES && startsWith(tail, 0, PNG_END);
      case "image/jpeg":
        return this.#jpeg.ended;
      case "image/gif":
        return tail.at(-1) === 0x3b;
      case "image/webp":
        // RIFF's size counts what follows its first 8 bytes (the size itself and "RIFF").
        return new DataView(this.#head.buffer).getUint32(4, true) + 8 === this.#size;
      default:
        return false;
    }
  }
}

/** A `Content-Disposition` value for `name`, with an ASCII fallback for old clients. */
export function contentDisposition(kind: "inline" | "attachment", name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
