/**
 * The shared files: each file's bytes under the SHA-256 of those bytes, in
 * one directory, with their names, sizes, types, uploaders and times in an
 * `index.json` beside them. An upload streams to a temporary file while it
 * is hashed, then is renamed into place, so memory does not grow with a
 * file's size and a half-written file is never served. The total is held
 * under a quota by removing the uploads not shared yet first, then the
 * oldest shared files.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { formatBytes } from "../../core/files.ts";
import { atMost, TokenBucket } from "../limits.ts";
import { TypeCheck } from "./sniff.ts";

/** One stored file, as the index keeps it. */
export interface StoredFile {
  /** The SHA-256 of the bytes, in lowercase hex. */
  readonly id: string;
  /** The cleaned name it was shared under. */
  readonly name: string;
  /** Its size in bytes. */
  readonly size: number;
  /** The type it is served as, read from its bytes. */
  readonly type: string;
  /** When it was shared, in milliseconds since the epoch. */
  readonly uploadedAt: number;
  /** The name of who shared it. */
  readonly uploader: string;
  /**
   * Whether it was shared: an upload is not until its share is accepted.
   * Left out by older indexes, whose files were shared.
   */
  readonly shared?: boolean;
}

/** Options for {@linkcode FileStore.open}. */
export interface FileStoreOptions {
  /** The directory of the files; left out, a temporary one removed at close. */
  dir?: string | undefined;
  /** The largest file, in bytes. */
  maxFileBytes: number;
  /** The most bytes kept in all; the oldest files go first to make room. */
  quotaBytes: number;
  /** Bytes a second all uploads together are taken at. @default {UPLOAD_BYTES_PER_SECOND} */
  uploadBytesPerSecond?: number;
  /** How long an upload's speed is averaged over. @default {SLOW_UPLOAD_WINDOW_MS} */
  slowUploadWindowMs?: number | undefined;
}

/** What {@linkcode FileStore.put} stores a file under. */
export interface PutInfo {
  /** The cleaned name. */
  name: string;
  /** Who shares it. */
  uploader: string;
  /** Ends the upload, keeping nothing: its uploader left. */
  signal?: AbortSignal | undefined;
  /** Whether it is shared already (another server of a cluster shared it); else its share says so. */
  shared?: boolean;
}

/** The result of {@linkcode FileStore.put}: the stored file, or why nothing was stored. */
export type PutResult =
  | { ok: true; file: StoredFile }
  | { ok: false; code: "too_large" | "busy" | "gone" | "too_slow"; message: string };

const MIB = 1024 * 1024;

/**
 * Bytes a second that all uploads together are taken at, after a burst of
 * {@linkcode UPLOAD_BURST_BYTES}: hashing and writing at full speed takes
 * the event loop from the chat. In the uploads bench (10 users, 100 files of
 * 1 MiB beside the busy load) 32 MiB/s after 4 MiB halved message p50 (19 to
 * 8 ms) but left p99 at 44 ms; the burst at the start of ten uploads was most
 * of it, and 16 MiB/s after 256 KiB brings p99 to 13.7 ms, beside 11.8 ms
 * without uploads. See bench/RESULTS.md, "Files beside the busy load".
 */
export const UPLOAD_BYTES_PER_SECOND = 16 * MIB;
/**
 * The slowest an upload may come in, on average over
 * {@linkcode SLOW_UPLOAD_WINDOW_MS}: slower, it is cut and its room freed,
 * so that a trickle cannot hold the room of the file store for as long as its
 * sender likes. A phone on poor Wi-Fi sends many times this.
 */
export const MIN_UPLOAD_BYTES_PER_SECOND = 4 * 1024;
/** How long an upload's speed is averaged over, against {@linkcode MIN_UPLOAD_BYTES_PER_SECOND}. */
export const SLOW_UPLOAD_WINDOW_MS = 30_000;
/** Bytes uploads may take at once before {@linkcode UPLOAD_BYTES_PER_SECOND} holds. */
export const UPLOAD_BURST_BYTES = 256 * 1024;
/**
 * The most of the quota that an upload not shared yet may take by pushing
 * shared files out: one larger is refused rather than take them. Uploads not
 * shared go before any shared file, whatever their age, so what uploading
 * without sharing can push out is one upload's worth, at most this much.
 */
export const UNSHARED_MAX_FRACTION = 1 / 2;

/**
 * Why an upload over {@linkcode UNSHARED_MAX_FRACTION} of a store of
 * `quotaBytes` is refused when only shared files could make room for it:
 * what happened, and what the person sending it can do.
 */
export function crowdedMessage(quotaBytes: number): string {
  const half = formatBytes(Math.floor(quotaBytes * UNSHARED_MAX_FRACTION));
  return `Cannot store the file: the server's file store (${
    formatBytes(quotaBytes)
  }) has no room left for it, ` +
    `and a file over half of it (${half}) cannot push older files out; ` +
    "try a smaller file, or ask the host to raise --files-quota";
}

const INDEX = "index.json";
/** How long closing waits for the uploads under way to clean up after themselves. */
const CLOSE_WAIT_MS = 5_000;

const GONE =
  "Cannot store the file: its uploader left during the upload, and with them their upload token";
const BUSY =
  "Cannot store the file: the uploads under way fill the room of the file store; try again in a moment";
const TOO_SLOW = `Cannot store the file: it came in slower than ${
  MIN_UPLOAD_BYTES_PER_SECOND / 1024
} KiB a second; try again on a better connection`;
const PARTS = "partial";
const ID = /^[0-9a-f]{64}$/;

function isStoredFile(value: unknown): value is StoredFile {
  const file = value as StoredFile;
  return typeof value === "object" && value !== null && typeof file.id === "string" &&
    ID.test(file.id) && typeof file.name === "string" && Number.isSafeInteger(file.size) &&
    typeof file.type === "string" && Number.isFinite(file.uploadedAt) &&
    typeof file.uploader === "string";
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  while (bytes.length > 0) bytes = bytes.subarray(await file.write(bytes));
}

/** A content-addressed store of shared files; close it to save its index. */
export class FileStore implements AsyncDisposable {
  readonly #given: string | undefined;
  #dir: string | undefined;
  readonly #maxFileBytes: number;
  readonly #quotaBytes: number;
  /** Every file, oldest first. */
  readonly #files = new Map<string, StoredFile>();
  #total = 0;
  #saving: Promise<void> = Promise.resolve();
  /** The index write queued behind the one under way, which every upload meanwhile waits for. */
  #nextSave: Promise<void> | undefined;
  /** The pace of all uploads together. */
  readonly #pace: TokenBucket;
  /** How long an upload's speed is averaged over. */
  readonly #slowWindowMs: number;
  #parts = 0;
  /** The bytes of the uploads under way, on disk in `partial/` and not yet in {@linkcode totalBytes}. */
  #pending = 0;
  /** The uploads under way, which closing waits for. */
  readonly #putting = new Set<Promise<PutResult>>();
  #closed = false;

  private constructor(options: FileStoreOptions) {
    this.#given = options.dir;
    this.#maxFileBytes = options.maxFileBytes;
    this.#quotaBytes = options.quotaBytes;
    const rate = options.uploadBytesPerSecond ?? UPLOAD_BYTES_PER_SECOND;
    this.#pace = new TokenBucket(Math.min(UPLOAD_BURST_BYTES, rate), rate);
    this.#slowWindowMs = options.slowUploadWindowMs ?? SLOW_UPLOAD_WINDOW_MS;
  }

  /**
   * Opens the store in `options.dir`, creating it if needed, reading its
   * index and removing what an interrupted upload left. Without a `dir`, a
   * temporary directory is made at the first upload.
   */
  static async open(options: FileStoreOptions): Promise<FileStore> {
    const store = new FileStore(options);
    if (options.dir !== undefined) await store.#load(options.dir);
    return store;
  }

  /** The directory, once there is one. */
  get dir(): string | undefined {
    return this.#dir;
  }

  /** The bytes of every stored file together. */
  get totalBytes(): number {
    return this.#total;
  }

  /** The largest file accepted, in bytes: the smaller of the file limit and the quota. */
  get limitBytes(): number {
    return Math.min(this.#maxFileBytes, this.#quotaBytes);
  }

  /** The stored file with `id`, if any. */
  get(id: string): StoredFile | undefined {
    return this.#files.get(id);
  }

  /** Every stored file, oldest first. */
  list(): StoredFile[] {
    return [...this.#files.values()];
  }

  /** Where the bytes of file `id` are. */
  pathOf(id: string): string {
    if (!ID.test(id) || this.#dir === undefined) {
      throw new RangeError(`Cannot find file "${id}": no such file`);
    }
    return join(this.#dir, id);
  }

  /**
   * Streams `body` to disk and stores it; refuses it, keeping nothing, once
   * it grows over the limit. `onChunk` is called for each chunk read. Bytes
   * stored already keep their name and uploader, which only a share changes
   * (see {@linkcode shared}): they count as new for the quota, nothing more.
   */
  async put(
    body: AsyncIterable<Uint8Array>,
    info: PutInfo,
    onChunk: () => void = () => {},
  ): Promise<PutResult> {
    const putting = this.#put(body, info, onChunk);
    this.#putting.add(putting);
    try {
      return await putting;
    } finally {
      this.#putting.delete(putting);
    }
  }

  async #put(
    body: AsyncIterable<Uint8Array>,
    info: PutInfo,
    onChunk: () => void,
  ): Promise<PutResult> {
    const dir = await this.#ensureDir();
    const partPath = join(dir, PARTS, `${Date.now()}-${this.#parts++}`);
    const hash = createHash("sha256");
    // Its type is read from all its bytes: a picture only when it is whole.
    const type = new TypeCheck();
    let size = 0;
    let stored = false;
    let pending = 0;
    const part = await Deno.open(partPath, { write: true, createNew: true });
    const gone = { ok: false, code: "gone", message: GONE } as const;
    // The speed is measured from a mark, over a window at least: time the store's own
    // pace held the upload back does not count against it.
    let mark = { at: performance.now(), size: 0 };
    let held = 0;
    try {
      for await (const chunk of body) {
        onChunk();
        if (info.signal?.aborted) return gone;
        size += chunk.length;
        const now = performance.now();
        const elapsed = now - mark.at - held;
        if (elapsed >= this.#slowWindowMs) {
          if ((size - mark.size) * 1000 < MIN_UPLOAD_BYTES_PER_SECOND * elapsed) {
            return { ok: false, code: "too_slow", message: TOO_SLOW };
          }
          mark = { at: now, size };
          held = 0;
        }
        if (size > this.limitBytes) {
          return { ok: false, code: "too_large", message: this.refusal(size)! };
        }
        // Uploads under way together take no more of the disk than the stored files may.
        if (this.#pending + chunk.length > this.#quotaBytes) {
          return { ok: false, code: "busy", message: BUSY };
        }
        this.#pending += chunk.length;
        pending += chunk.length;
        hash.update(chunk);
        type.push(chunk);
        await writeAll(part, chunk);
        // Not read on until its bytes are paid for: the socket waits, the sender slows down.
        const wait = this.#pace.take(chunk.length);
        if (wait > 0) {
          await new Promise((resolve) => setTimeout(resolve, wait));
          held += wait;
        }
      }
      part.close();
      if (info.signal?.aborted) return gone;
      const id = hash.digest("hex");
      if (!this.#files.has(id)) {
        // Checked as it goes in: the files stored meanwhile count.
        const crowded = info.shared ? undefined : this.#crowded(size);
        if (crowded !== undefined) return { ok: false, code: "busy", message: crowded };
        await Deno.rename(partPath, join(dir, id));
      }
      // Read after the rename: another upload of the same bytes may have ended meanwhile,
      // and bytes stored once count once.
      let file = this.#files.get(id);
      if (file === undefined) {
        file = {
          id,
          name: info.name,
          size,
          type: type.end(),
          uploadedAt: Date.now(),
          uploader: info.uploader,
          shared: info.shared ?? false,
        };
        this.#total += size;
      } else {
        this.#files.delete(id);
        if (info.shared && !file.shared) file = { ...file, shared: true };
      }
      stored = true;
      this.#files.set(id, file);
      await this.#evict(id);
      await this.#save();
      return { ok: true, file };
    } finally {
      this.#pending -= pending;
      if (!stored) {
        try {
          part.close();
        } catch { /* closed already */ }
      }
      await Deno.remove(partPath).catch(() => {});
    }
  }

  /**
   * Records that file `id` was shared under `name` by `sharer`: the name a
   * link without one downloads it under, who shared it and when become the
   * share's, and it counts as new for the quota. A file no longer stored is
   * left alone.
   */
  async shared(id: string, name: string, sharer: string): Promise<void> {
    const file = this.#files.get(id);
    if (file === undefined || this.#closed) return;
    this.#files.delete(id);
    this.#files.set(id, { ...file, name, uploader: sharer, uploadedAt: Date.now(), shared: true });
    await this.#save();
  }

  /**
   * Why a file of `size` bytes is not taken, worded for the person sending
   * it, or `undefined` if it fits: over the largest file, or over the room
   * of the whole store, which the oldest files make for a new one but which
   * none may outgrow.
   */
  refusal(size: number): string | undefined {
    // The tighter of the two: a store smaller than the largest file takes none that large.
    if (size > this.#quotaBytes && this.#quotaBytes < this.#maxFileBytes) {
      return `Cannot store the file: it is larger than ${
        formatBytes(this.#quotaBytes)
      }, all the room this server's file store has`;
    }
    if (size > this.#maxFileBytes) {
      return `Cannot store the file: it is larger than ${
        formatBytes(this.#maxFileBytes)
      }, the largest this server takes`;
    }
    if (size > this.#quotaBytes) {
      return `Cannot store the file: it is larger than ${
        formatBytes(this.#quotaBytes)
      }, all the room this server's file store has`;
    }
    return undefined;
  }

  /**
   * Why an upload of `size` bytes cannot start now, or `undefined` if it can:
   * with the uploads under way it would take more of the disk than the quota.
   */
  busy(size: number): string | undefined {
    return this.#pending + size > this.#quotaBytes ? BUSY : undefined;
  }

  /**
   * Why a new upload of `size` bytes, not shared yet, is not taken, or
   * `undefined` if it is: room for it could only be made by removing shared
   * files, and it is over {@linkcode UNSHARED_MAX_FRACTION} of the quota.
   */
  #crowded(size: number): string | undefined {
    const over = this.#total + size - this.#quotaBytes;
    if (over <= 0 || size <= this.#quotaBytes * UNSHARED_MAX_FRACTION) return undefined;
    let unshared = 0;
    for (const file of this.#files.values()) if (file.shared === false) unshared += file.size;
    if (over <= unshared) return undefined;
    return crowdedMessage(this.#quotaBytes);
  }

  /**
   * Removes files, never `keep`, until the total fits the quota: first the
   * uploads not shared yet, whatever their age, oldest first, then the
   * shared files, oldest first.
   */
  async #evict(keep: string): Promise<void> {
    const order = [...this.#files.values()];
    const unshared = order.filter((file) => file.shared === false);
    const removed: string[] = [];
    for (const file of [...unshared, ...order]) {
      if (this.#total <= this.#quotaBytes) break;
      if (file.id === keep || !this.#files.has(file.id)) continue;
      this.#files.delete(file.id);
      this.#total -= file.size;
      removed.push(file.id);
    }
    for (const id of removed) await Deno.remove(this.pathOf(id)).catch(() => {});
  }

  async #ensureDir(): Promise<string> {
    if (this.#closed) throw new Error("Cannot store the file: the store is closed");
    if (this.#dir !== undefined) return this.#dir;
    const dir = await Deno.makeTempDir({ prefix: "chat-files-" });
    await Deno.mkdir(join(dir, PARTS));
    // Another upload may have made one meanwhile.
    if (this.#dir !== undefined) {
      await Deno.remove(dir, { recursive: true });
      return this.#dir;
    }
    return this.#dir = dir;
  }

  async #load(dir: string): Promise<void> {
    await Deno.mkdir(join(dir, PARTS), { recursive: true });
    let entries: unknown = [];
    try {
      entries = JSON.parse(await Deno.readTextFile(join(dir, INDEX)));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    const found = new Set<string>();
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && ID.test(entry.name)) found.add(entry.name);
    }
    for (const file of Array.isArray(entries) ? entries : []) {
      if (!isStoredFile(file) || !found.has(file.id) || this.#files.has(file.id)) continue;
      const { size } = await Deno.stat(join(dir, file.id));
      if (size !== file.size) continue;
      this.#files.set(file.id, file);
      this.#total += size;
    }
    // What an interrupted upload or a lost index entry left.
    for (const id of found) {
      if (!this.#files.has(id)) await Deno.remove(join(dir, id)).catch(() => {});
    }
    for await (const entry of Deno.readDir(join(dir, PARTS))) {
      await Deno.remove(join(dir, PARTS, entry.name)).catch(() => {});
    }
    this.#dir = dir;
  }

  /**
   * Writes the index, whole, under a temporary name first. Writes happen one
   * at a time; the changes made while one is under way are all written by
   * the next, which every caller meanwhile waits for, so ten uploads that
   * end together cost two writes, not ten.
   */
  #save(): Promise<void> {
    const dir = this.#dir;
    if (dir === undefined) return this.#saving;
    // A failed write fails its own callers, not the writes after it.
    this.#nextSave ??= this.#saving = this.#saving.catch(() => {}).then(async () => {
      this.#nextSave = undefined;
      const json = JSON.stringify(this.list(), null, 1);
      await Deno.writeTextFile(join(dir, `${INDEX}.new`), json);
      await Deno.rename(join(dir, `${INDEX}.new`), join(dir, INDEX));
    });
    return this.#nextSave;
  }

  /** Waits for the index to be written; a temporary directory is removed. Later calls do nothing. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // An upload cut off as the server closes removes what it wrote first; its body has ended.
    await atMost(Promise.allSettled(this.#putting), CLOSE_WAIT_MS);
    await this.#saving.catch(() => {});
    if (this.#given === undefined && this.#dir !== undefined) {
      await Deno.remove(this.#dir, { recursive: true }).catch(() => {});
    }
  }

  /** Same as {@linkcode close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
