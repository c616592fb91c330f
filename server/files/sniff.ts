/**
 * What a shared file is served as: its type read from its first bytes, never
 * from what the uploader claims, and a `Content-Disposition` that carries its
 * cleaned name (core/files.ts) without breaking the header.
 *
 * @module
 */

/** The picture types a browser may show inline. */
export const PICTURE_TYPES: ReadonlySet<string> = new Set([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
]);

/** The type of a file that is valid UTF-8 text and not a picture. */
export const TEXT_TYPE = "text/plain; charset=utf-8";
/** The type of every other file. */
export const BINARY_TYPE = "application/octet-stream";
/** Bytes of a file's start that {@linkcode detectType} reads. */
export const HEAD_BYTES = 16;

function startsWith(head: Uint8Array, offset: number, signature: readonly number[]): boolean {
  return signature.every((byte, index) => head[offset + index] === byte);
}

const ascii = (text: string) => [...text].map((char) => char.charCodeAt(0));

/**
 * The type a file is served as: a picture by its magic bytes (PNG, JPEG, GIF,
 * WebP), else text when the whole file was valid UTF-8 without NUL bytes,
 * else {@linkcode BINARY_TYPE}.
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

/** A `Content-Disposition` value for `name`, with an ASCII fallback for old clients. */
export function contentDisposition(kind: "inline" | "attachment", name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
