/**
 * Finds a damaged tail in an SQLite write-ahead log before SQLite opens it.
 * SQLite replays a WAL up to its first invalid frame and silently drops the
 * rest, so a few damaged bytes in the middle of the file lose every message
 * written after them without a word. This reads the file as the SQLite file
 * format documents it, and reports whole transactions that come after the
 * first invalid frame: those are what SQLite would drop.
 *
 * @module
 */

const HEADER_BYTES = 32;
const FRAME_HEADER_BYTES = 24;
/** The magic number; its lowest bit says the checksums read words big-endian. */
const MAGIC = 0x377f0682;
const FORMAT_VERSION = 3_007_000;

/** What SQLite would not replay of a write-ahead log. */
export interface WalDamage {
  /** Byte offset of the first frame SQLite cannot read; 0 when the header itself is damaged. */
  offset: number;
  /**
   * Transactions committed after that frame, which SQLite would drop with the
   * one the frame belongs to; `undefined` when the header is damaged.
   */
  lostCommits: number | undefined;
}

/**
 * Adds `length` bytes of `view` from `offset` to the running checksum `sum`,
 * reading 32-bit words in the log's byte order, as SQLite's format defines it.
 */
function checksum(
  view: DataView,
  offset: number,
  length: number,
  bigEndian: boolean,
  sum: [number, number],
): [number, number] {
  let [s0, s1] = sum;
  for (let at = offset; at < offset + length; at += 8) {
    s0 = (s0 + view.getUint32(at, !bigEndian) + s1) >>> 0;
    s1 = (s1 + view.getUint32(at + 4, !bigEndian) + s0) >>> 0;
  }
  return [s0, s1];
}

/**
 * Checks the bytes of a `-wal` file. Returns `undefined` when SQLite will
 * replay every transaction in it (or it is empty), and the damage otherwise.
 *
 * Only transactions after an invalid frame count as damage: frames after the
 * last commit are normal (a write cut short by a crash, or a transaction that
 * was rolled back), and so is a last transaction whose frames are invalid,
 * since a crash in the middle of writing it looks the same.
 */
export function findWalDamage(bytes: Uint8Array): WalDamage | undefined {
  if (bytes.length < HEADER_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const pageSize = view.getUint32(8);
  const bigEndian = (magic & 1) === 1;
  const headerSum = checksum(view, 0, 24, bigEndian, [0, 0]);
  const headerValid = (magic & ~1) >>> 0 === MAGIC && view.getUint32(4) === FORMAT_VERSION &&
    pageSize >= 512 && pageSize <= 65_536 && (pageSize & (pageSize - 1)) === 0 &&
    headerSum[0] === view.getUint32(24) && headerSum[1] === view.getUint32(28);
  if (!headerValid) {
    // SQLite ignores the whole log. A file of zeros held nothing to lose.
    return bytes.some((byte) => byte !== 0) ? { offset: 0, lostCommits: undefined } : undefined;
  }
  const salt1 = view.getUint32(16);
  const salt2 = view.getUint32(20);
  const frameBytes = FRAME_HEADER_BYTES + pageSize;
  const frames = Math.floor((bytes.length - HEADER_BYTES) / frameBytes);
  let sum = headerSum;
  let firstInvalid: number | undefined;
  let lostCommits = 0;
  for (let frame = 0; frame < frames; frame++) {
    const at = HEADER_BYTES + frame * frameBytes;
    const current = view.getUint32(at + 8) === salt1 && view.getUint32(at + 12) === salt2;
    const commit = view.getUint32(at + 4) !== 0;
    if (firstInvalid === undefined) {
      sum = checksum(view, at, 8, bigEndian, sum);
      sum = checksum(view, at + FRAME_HEADER_BYTES, pageSize, bigEndian, sum);
      const valid = current && view.getUint32(at) !== 0 && sum[0] === view.getUint32(at + 16) &&
        sum[1] === view.getUint32(at + 20);
      if (!valid) firstInvalid = frame;
      continue;
    }
    // After the break, a commit frame with this log's salts is a transaction that was
    // committed after the damaged frame. Older logs had other salts, and a rolled-back
    // transaction leaves frames behind but never a commit frame.
    if (current && commit) lostCommits++;
  }
  if (firstInvalid === undefined || lostCommits === 0) return undefined;
  return { offset: HEADER_BYTES + firstInvalid * frameBytes, lostCommits };
}
