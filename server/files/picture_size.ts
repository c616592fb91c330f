/**
 * How many pixels a picture says it has, read from its bytes as it is
 * stored: a small file may claim a huge picture (a PNG of 20000 × 20000
 * zeros is 1.1 MB), which a browser would decode whole, taking a gigabyte
 * of every viewer's memory. Only a picture within {@linkcode fitsInline} is
 * served as one; see docs/PROTOCOL.md, "Upload".
 *
 * @module
 */

/** A picture's size in pixels. */
export interface PictureSize {
  readonly width: number;
  readonly height: number;
}

/** The most pixels a side of a picture shown inline may have. */
export const MAX_PICTURE_SIDE = 8192;
/**
 * The most pixels a picture shown inline may have in all: 50 million, a
 * 50-megapixel phone photo (8160 × 6120), about 200 MB once decoded.
 */
export const MAX_PICTURE_PIXELS = 50_000_000;

/** Whether a picture of `size` is small enough for a browser to draw inline. */
export function fitsInline(size: PictureSize | undefined): boolean {
  if (size === undefined) return false;
  const { width, height } = size;
  return width > 0 && height > 0 && width <= MAX_PICTURE_SIDE && height <= MAX_PICTURE_SIDE &&
    width * height <= MAX_PICTURE_PIXELS;
}

/** Bytes of a file's start that {@linkcode pngSize} and {@linkcode webpSize} read. */
export const SIZE_HEAD_BYTES = 30;

const ascii = (head: Uint8Array, offset: number, text: string) =>
  [...text].every((char, index) => head[offset + index] === char.charCodeAt(0));

/** The size in a PNG's header chunk, IHDR, which must come first; `undefined` without one. */
export function pngSize(head: Uint8Array): PictureSize | undefined {
  if (head.length < 24 || !ascii(head, 12, "IHDR")) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (view.getUint32(8) !== 13) return undefined;
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * The size of a WebP from its first chunk: the canvas of `VP8X` (an animated
 * or extended WebP, whose frames lie within it), else the frame of `VP8 `
 * (lossy) or `VP8L` (lossless); `undefined` for any other.
 */
export function webpSize(head: Uint8Array): PictureSize | undefined {
  if (head.length < 25) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const u24 = (at: number) => view.getUint16(at, true) | (view.getUint8(at + 2) << 16);
  if (ascii(head, 12, "VP8L")) {
    if (head[20] !== 0x2f) return undefined;
    const bits = view.getUint32(21, true);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (head.length < SIZE_HEAD_BYTES) return undefined;
  if (ascii(head, 12, "VP8X")) return { width: u24(24) + 1, height: u24(27) + 1 };
  if (ascii(head, 12, "VP8 ")) {
    // A key frame: its tag, the start code 9D 01 2A, then 14 bits of width and of height.
    if (head[23] !== 0x9d || head[24] !== 0x01 || head[25] !== 0x2a) return undefined;
    return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
  }
  return undefined;
}

/** What {@linkcode GifSize} reads next. */
type GifState =
  | "header" // the signature and the logical screen: 13 bytes
  | "block" // the byte that starts a block: image, extension or trailer
  | "label" // an extension's label
  | "image" // an image descriptor: 9 bytes
  | "lzw" // an image's LZW code size
  | "length" // a sub-block's length; 0 ends the sub-blocks
  | "end" // the trailer was read
  | "bad"; // not blocks a GIF has

/**
 * Follows a GIF's blocks as its bytes come, to find the size a browser
 * draws it at: its logical screen, grown to hold every frame (a frame may
 * claim to reach past the screen). Colour tables and sub-blocks are skipped
 * by their lengths.
 */
export class GifSize {
  #state: GifState = "header";
  /** The bytes of a header or a descriptor, gathered across chunks. */
  readonly #gathered: number[] = [];
  /** Bytes to skip before reading `#state`. */
  #skip = 0;
  #width = 0;
  #height = 0;

  /** Reads the next chunk. */
  push(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length && this.#state !== "end" && this.#state !== "bad") {
      if (this.#skip > 0) {
        const skipped = Math.min(this.#skip, chunk.length - at);
        at += skipped;
        this.#skip -= skipped;
        continue;
      }
      this.#step(chunk[at++]!);
    }
  }

  /** The size, once the bytes read so far reached the trailer; else `undefined`. */
  get size(): PictureSize | undefined {
    return this.#state === "end" ? { width: this.#width, height: this.#height } : undefined;
  }

  #step(byte: number): void {
    switch (this.#state) {
      case "header":
        if (this.#gather(byte, 13)) this.#screen(this.#gathered.splice(0));
        return;
      case "block":
        if (byte === 0x2c) this.#state = "image";
        else if (byte === 0x21) this.#state = "label";
        else this.#state = byte === 0x3b ? "end" : "bad";
        return;
      case "label":
        this.#state = "length";
        return;
      case "image":
        if (this.#gather(byte, 9)) this.#image(this.#gathered.splice(0));
        return;
      case "lzw":
        this.#state = "length";
        return;
      case "length":
        if (byte === 0) this.#state = "block";
        else this.#skip = byte;
        return;
    }
  }

  /** Gathers `byte`; whether `count` bytes are gathered now. */
  #gather(byte: number, count: number): boolean {
    this.#gathered.push(byte);
    return this.#gathered.length === count;
  }

  /** Reads the signature and the logical screen; a global colour table is skipped. */
  #screen(bytes: number[]): void {
    // Not a GIF: nothing more to follow.
    if (String.fromCharCode(...bytes.slice(0, 3)) !== "GIF") return void (this.#state = "bad");
    this.#width = bytes[6]! | (bytes[7]! << 8);
    this.#height = bytes[8]! | (bytes[9]! << 8);
    this.#skip = colourTable(bytes[10]!);
    this.#state = "block";
  }

  /** Reads an image descriptor: the screen grows to hold its frame; a local colour table is skipped. */
  #image(bytes: number[]): void {
    const u16 = (at: number) => bytes[at]! | (bytes[at + 1]! << 8);
    this.#width = Math.max(this.#width, u16(0) + u16(4));
    this.#height = Math.max(this.#height, u16(2) + u16(6));
    this.#skip = colourTable(bytes[8]!);
    this.#state = "lzw";
  }
}

/** The bytes of the colour table that a packed field of flags says follows it, if any. */
function colourTable(packed: number): number {
  return packed & 0x80 ? 3 * 2 ** ((packed & 0x07) + 1) : 0;
}
