/**
 * The uploaders of the `uploads` scenario (issue 15): chat connections that
 * say hello in version 2, take their upload token from `welcome.files`, post
 * files to the web port (`POST /files`, docs/PROTOCOL.md "Files (HTTP)") and
 * share each one in a room of their own with a `file` frame, while the busy
 * message load runs in another room.
 *
 * @module
 */

import type { FilesInfo } from "../protocol.ts";
import { mib, type ServerHandle } from "./harness.ts";
import { sortedPercentile } from "./stats.ts";
import { lines, sharedNow, type WorkerReport } from "./worker_protocol.ts";

const encoder = new TextEncoder();

/** Files posted by the uploaders: `files` in all, shared out evenly among `uploaders`. */
export interface UploadSpec {
  /** Chat connections that upload, each with its own token. */
  uploaders: number;
  /** Files posted in all. */
  files: number;
  /** Bytes of each file. */
  fileBytes: number;
}

/** What `POST /files` answers with 201. */
interface UploadAnswer {
  id: string;
  size: number;
}

/** Options for {@linkcode Uploader.connect}. */
export interface UploaderOptions {
  /** Chat server address. */
  hostname: string;
  /** Chat server TCP port. */
  port: number;
  /** The name to say hello with. */
  name: string;
  /** The room to enter, and to share the files in. */
  room: string;
}

/** One uploader: a version 2 chat connection and the upload token its `welcome` gave. */
export class Uploader implements AsyncDisposable {
  readonly name: string;
  readonly room: string;
  /** `welcome.files`: the web port, the token, the largest file. */
  readonly files: FilesInfo;
  readonly #hostname: string;
  readonly #conn: Deno.TcpConn;
  readonly #shares = new Map<string, PromiseWithResolvers<void>>();
  #closed = false;

  private constructor(options: UploaderOptions, conn: Deno.TcpConn, files: FilesInfo) {
    this.name = options.name;
    this.room = options.room;
    this.#hostname = options.hostname;
    this.#conn = conn;
    this.files = files;
  }

  /** Connects, says hello (version 2) and resolves once in the room, with the token. */
  static async connect(options: UploaderOptions): Promise<Uploader> {
    const conn = await Deno.connect({ hostname: options.hostname, port: options.port });
    conn.setNoDelay(true);
    const frames = lines(conn.readable);
    try {
      const hello = {
        type: "hello",
        version: 2,
        name: options.name,
        rooms: [{ room: options.room }],
      };
      await writeAll(conn, encoder.encode(JSON.stringify(hello) + "\n"));
      let files: FilesInfo | undefined;
      while (true) {
        const line = await frames.next();
        if (line.done) throw new Error("the server closed the connection");
        const frame = JSON.parse(line.value);
        if (frame.type === "error") throw new Error(frame.message);
        if (frame.type === "welcome") {
          files = frame.files;
          if (files === undefined) throw new Error("welcome has no files: is the web port off?");
        }
        if (frame.type === "room" && files !== undefined) break;
      }
      const uploader = new Uploader(options, conn, files);
      uploader.#read(frames);
      return uploader;
    } catch (error) {
      conn.close();
      throw new Error(`Cannot connect uploader ${options.name}: ${(error as Error).message}`);
    }
  }

  /**
   * Posts `body` as file `name` on a connection of its own, written by hand
   * rather than with `fetch`, so that the generator spends little more than
   * the copy into the kernel (`fetch` cost it about 18 ms of CPU per MiB in
   * 10 MiB bodies); resolves to the status and, on 201, the answer.
   */
  async upload(body: Uint8Array, name: string): Promise<{ status: number; answer?: UploadAnswer }> {
    if (this.files.tls) throw new TypeError("Cannot upload: the bench speaks plain HTTP only");
    const conn = await Deno.connect({ hostname: this.#hostname, port: this.files.port });
    try {
      conn.setNoDelay(true);
      const head = `POST /files HTTP/1.1\r\nHost: ${this.#hostname}:${this.files.port}\r\n` +
        `Authorization: Bearer ${this.files.token}\r\n` +
        `X-File-Name: ${encodeURIComponent(name)}\r\n` +
        `Content-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\n` +
        "Connection: close\r\n\r\n";
      await writeAll(conn, encoder.encode(head));
      await writeAll(conn, body);
      const text = new TextDecoder().decode(await new Response(conn.readable).arrayBuffer());
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? NaN);
      if (status !== 201) return { status };
      return { status, answer: JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)) };
    } finally {
      try {
        conn.close();
      } catch {
        // Closed by reading it to its end.
      }
    }
  }

  /** Shares uploaded file `id` in this uploader's room; resolves once its message is back. */
  async share(id: string, cid: string): Promise<void> {
    const done = Promise.withResolvers<void>();
    this.#shares.set(cid, done);
    const frame = { type: "file", id, room: this.room, cid };
    await writeAll(this.#conn, encoder.encode(JSON.stringify(frame) + "\n"));
    await done.promise;
  }

  /** Closes the chat connection; the token ends with it. Later calls do nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed by the server.
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  async #read(frames: AsyncGenerator<string>): Promise<void> {
    try {
      for await (const line of frames) {
        const frame = JSON.parse(line);
        const cid = typeof frame.cid === "string" ? frame.cid : undefined;
        const waiting = cid === undefined ? undefined : this.#shares.get(cid);
        if (waiting === undefined) continue;
        if (frame.type === "message" && frame.from === this.name) {
          this.#shares.delete(cid!);
          waiting.resolve();
        } else if (frame.type === "error") {
          this.#shares.delete(cid!);
          waiting.reject(new Error(`Cannot share ${cid}: ${frame.message}`));
        }
      }
    } catch {
      // Closed.
    }
    for (const waiting of this.#shares.values()) {
      waiting.reject(new Error("Cannot share: the chat connection closed"));
    }
    this.#shares.clear();
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  while (bytes.length > 0) bytes = bytes.subarray(await conn.write(bytes));
}

/** Random bytes: binary, like a photo, so the server's text check stops at the first chunk. */
function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let at = 0; at < length; at += 65_536) {
    crypto.getRandomValues(bytes.subarray(at, Math.min(length, at + 65_536)));
  }
  return bytes;
}

/** Connects `count` uploaders named `${prefix}up${i}`, all in room `room`. */
export async function connectUploaders(
  hostname: string,
  port: number,
  options: { count: number; prefix: string; room: string },
): Promise<Uploader[]> {
  const settled = await Promise.allSettled(
    Array.from(
      { length: options.count },
      (_, i) =>
        Uploader.connect({ hostname, port, name: `${options.prefix}up${i}`, room: options.room }),
    ),
  );
  const uploaders = settled.flatMap((result) =>
    result.status === "fulfilled" ? [result.value] : []
  );
  const failed = settled.find((result) => result.status === "rejected");
  if (failed !== undefined) {
    for (const uploader of uploaders) uploader.close();
    throw (failed as PromiseRejectedResult).reason;
  }
  return uploaders;
}

/** Options for {@linkcode runUploads}. */
export interface RunUploadsOptions {
  /** Marks the files' bytes, so that no two uploads of a server are the same file. */
  tag: string;
  /** Share each file in the uploader's room once stored. */
  share: boolean;
  /** Shared-clock time to start at. */
  at?: number;
  /** Called after each upload, with how many are done. */
  onUpload?: (done: number) => void;
}

/** What {@linkcode runUploads} measured; times on the shared clock. */
export interface UploadsResult {
  /** Shared-clock time the first upload started. */
  start: number;
  /** Shared-clock time the last upload (and share) finished. */
  end: number;
  /** Named figures. */
  metrics: Record<string, number>;
}

/**
 * Has every uploader post its share of `spec.files` one after the other (all
 * uploaders at once), each file's bytes random but for a unique mark at its
 * start, and share each; resolves once every upload has an answer.
 */
export async function runUploads(
  uploaders: Uploader[],
  spec: UploadSpec,
  options: RunUploadsOptions,
): Promise<UploadsResult> {
  const seed = randomBytes(spec.fileBytes);
  const times: number[] = [];
  const shareTimes: number[] = [];
  const statuses = new Map<number, number>();
  let stored = 0;
  let storedBytes = 0;
  let shared = 0;
  let shareFailures = 0;
  let done = 0;
  // One buffer per uploader, marked again for each file: the bytes differ, the memory does not.
  const bodies = uploaders.map(() => seed.slice());
  if (options.at !== undefined) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, options.at! - sharedNow())));
  }
  const start = sharedNow();
  await Promise.all(uploaders.map(async (uploader, u) => {
    const body = bodies[u]!;
    for (let f = u; f < spec.files; f += uploaders.length) {
      const mark = encoder.encode(`${options.tag} ${uploader.name} ${f} `);
      body.set(mark.subarray(0, body.length));
      const began = sharedNow();
      const { status, answer } = await uploader.upload(body, `${options.tag}-${f}.bin`);
      times.push(sharedNow() - began);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (answer !== undefined) {
        stored++;
        storedBytes += answer.size;
        if (options.share) {
          const sharing = sharedNow();
          try {
            await uploader.share(answer.id, `${options.tag}-${f}`);
            shared++;
            shareTimes.push(sharedNow() - sharing);
          } catch {
            shareFailures++;
          }
        }
      }
      options.onUpload?.(++done);
    }
  }));
  const end = sharedNow();
  times.sort((a, b) => a - b);
  shareTimes.sort((a, b) => a - b);
  const seconds = (end - start) / 1000;
  const metrics: Record<string, number> = {
    uploaders: uploaders.length,
    uploadFiles: spec.files,
    uploadFileMiB: mib(spec.fileBytes / 1024),
    uploadsStored: stored,
    uploadsFailed: spec.files - stored,
    uploadsRateLimited: statuses.get(429) ?? 0,
    uploadedMiB: mib(storedBytes / 1024),
    uploadSec: seconds,
    uploadMiBPerSec: mib(storedBytes / 1024) / seconds,
    uploadP50Ms: sortedPercentile(times, 50),
    uploadMaxMs: times.length === 0 ? NaN : times[times.length - 1]!,
  };
  if (options.share) {
    metrics.sharesDone = shared;
    metrics.sharesFailed = shareFailures;
    metrics.shareP50Ms = sortedPercentile(shareTimes, 50);
  }
  return { start, end, metrics };
}

/**
 * Work beside a message run: {@linkcode Uploads} posting files to the same
 * server while the measured messages are sent.
 */
export class Uploads implements AsyncDisposable {
  readonly spec: UploadSpec;
  #uploaders: Uploader[] = [];
  #runs = 0;

  constructor(spec: UploadSpec) {
    this.spec = spec;
  }

  /** Connects the uploaders to `server`, in room `#${prefix}files`. */
  async open(server: ServerHandle, hostname: string, prefix: string): Promise<void> {
    this.#uploaders = await connectUploaders(hostname, server.port, {
      count: this.spec.uploaders,
      prefix,
      room: `#${prefix}files`,
    });
  }

  /**
   * One file per uploader, of the measured size up to 1 MiB, so the server's
   * upload path is as warm as its message path: a body of many chunks, paced.
   * A warm-up of 64 KiB files (one chunk each) left the code that reads the
   * rest cold, and the first measured uploads then took p99 from 13 to 26–38
   * ms (bench/RESULTS.md, "Pacing the uploads").
   */
  async warmup(): Promise<void> {
    const spec = {
      uploaders: this.#uploaders.length,
      files: this.#uploaders.length,
      fileBytes: Math.min(this.spec.fileBytes, 1024 * 1024),
    };
    await runUploads(this.#uploaders, spec, { tag: `w${this.#runs++}`, share: true });
  }

  /** Posts every file, starting at shared-clock time `at`. */
  run(at: number, onUpload?: (done: number) => void): Promise<UploadsResult> {
    return runUploads(this.#uploaders, this.spec, {
      tag: `m${this.#runs++}`,
      share: true,
      at,
      ...(onUpload === undefined ? {} : { onUpload }),
    });
  }

  /** Closes every uploader. */
  close(): void {
    for (const uploader of this.#uploaders) uploader.close();
    this.#uploaders = [];
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

/**
 * How the messages fared while the uploads ran: the latency of those sent
 * between the first upload's start and the last one's end, and how much of
 * the sending (first send to last delivery) the uploads covered.
 */
export function duringUploads(
  uploads: UploadsResult,
  reports: WorkerReport[],
  epoch: number,
): Record<string, number> {
  const during: number[] = [];
  for (const report of reports) {
    report.latencies.forEach((latency, i) => {
      const sentAt = epoch + report.sendTimes[i]!;
      if (sentAt >= uploads.start && sentAt <= uploads.end) during.push(latency);
    });
  }
  during.sort((a, b) => a - b);
  const firstSend = Math.min(...reports.filter((r) => r.firstSend > 0).map((r) => r.firstSend));
  const lastReceive = Math.max(...reports.map((report) => report.lastReceive));
  const overlap = Math.min(lastReceive, uploads.end) - Math.max(firstSend, uploads.start);
  return {
    duringUploadsSamples: during.length,
    duringUploadsP50Ms: sortedPercentile(during, 50),
    duringUploadsP99Ms: sortedPercentile(during, 99),
    sendingCoveredPct: Math.max(0, overlap) / (lastReceive - firstSend) * 100,
  };
}
