/**
 * The high-water mark of message ids, kept in a small file beside the history
 * file and apart from its rows. Ids are reserved in blocks: the end of a block
 * is written durably (a new file, flushed, then renamed over the old one)
 * before any id of it is used. Whatever happens to the rows, a damaged log
 * losing its tail or the whole history file moved away, numbering continues
 * above the mark and no id is handed out twice.
 *
 * @module
 */

/** Ids reserved by one durable write of the mark. */
export const ID_BLOCK = 1000;

const FORMAT = "chat-id-mark 1";

/** The result of {@linkcode readIdMark}. */
export type IdMarkRead =
  | { state: "ok"; mark: number }
  | { state: "missing" }
  | { state: "damaged" };

/** A 32-bit FNV-1a hash of `text`, in hex, so a damaged mark is noticed. */
function check(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

function format(mark: number): string {
  const body = `${FORMAT} ${mark}`;
  return `${body} ${check(body)}\n`;
}

/** Reads the mark file at `path`; a file that does not read back exactly is damaged. */
export function readIdMark(path: string): IdMarkRead {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { state: "missing" };
    throw error;
  }
  const match = /^chat-id-mark 1 (\d{1,16}) ([0-9a-f]{8})\n$/.exec(text);
  const mark = match === null ? NaN : Number(match[1]);
  if (!Number.isSafeInteger(mark) || format(mark) !== text) return { state: "damaged" };
  return { state: "ok", mark };
}

/** The end of the block that holds `id`: the mark to write before using `id`. */
export function blockEnd(id: number): number {
  return (Math.floor(id / ID_BLOCK) + 1) * ID_BLOCK;
}

/**
 * Replaces the mark file at `path` with `mark`, durably: the new content is
 * flushed to disk before it takes the old one's place, and the rename is
 * flushed too, so after a crash the file holds the old mark or the new one.
 */
export function writeIdMark(path: string, mark: number): void {
  if (!Number.isSafeInteger(mark) || mark < 0) {
    throw new RangeError(`Cannot write id mark: expected an integer >= 0, received ${mark}`);
  }
  const temporary = `${path}.new`;
  const bytes = new TextEncoder().encode(format(mark));
  const file = Deno.openSync(temporary, { write: true, create: true, truncate: true, mode: 0o600 });
  try {
    for (let written = 0; written < bytes.length;) {
      written += file.writeSync(bytes.subarray(written));
    }
    file.syncDataSync();
  } finally {
    file.close();
  }
  try {
    Deno.renameSync(temporary, path);
  } catch (error) {
    // The mark stays as it was, and nothing is left beside it.
    try {
      Deno.removeSync(temporary);
    } catch {
      // The rename's error is the one to report.
    }
    throw error;
  }
  // A rename is made durable by flushing its directory; Windows has no such call.
  if (Deno.build.os === "windows") return;
  const slash = path.lastIndexOf("/");
  const directory = Deno.openSync(slash <= 0 ? (slash === 0 ? "/" : ".") : path.slice(0, slash), {
    read: true,
  });
  try {
    directory.syncSync();
  } finally {
    directory.close();
  }
}
