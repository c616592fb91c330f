/**
 * Any text as a NATS subject token or bucket key, which allow only a few
 * characters: its UTF-8 bytes in hex (`#dév` is `2364c3a976`).
 *
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `text` as a subject token or bucket key: its UTF-8 bytes in lowercase hex. */
export function hexKey(text: string): string {
  return encoder.encode(text).toHex();
}

/** The text `key` spells, or `undefined` when it is no key of {@linkcode hexKey} (not hex). */
export function textOfHexKey(key: string): string | undefined {
  try {
    return decoder.decode(Uint8Array.fromHex(key));
  } catch {
    return undefined;
  }
}
