/**
 * Files over HTTP, as `chat join` (`/send`, `/get`) and `chat send` move
 * them: an upload streams a file or standard input to `POST /files` on the
 * web port of the host the client dialled, refused at once when the file is
 * known to be larger than the server takes; a download streams a file to a
 * hidden file beside where it goes (`.name.part-…`), which takes its name
 * once whole, never over one that exists (`name (1).ext`), and leaves
 * nothing behind if it fails. docs/PROTOCOL.md, "Files (HTTP)", has
 * the endpoints. {@linkcode Transfers} runs the terminal's, one at a time,
 * with their progress for the prompt.
 *
 * @module
 */

import { join } from "node:path";
import { errorText, formatAddress } from "../core/address.ts";
import type { Conversation, Effect } from "../core/conversation.ts";
import { errorLine, type Line, notice } from "../core/describe.ts";
import {
  cleanFileName,
  downloadToken,
  FILE_GONE,
  fileLink,
  fileNameHeader,
  formatBytesBeside,
  isFileId,
  sizeRefusal,
} from "../core/files.ts";
import { NOT_CONNECTED, TAKES_NO_FILES } from "../core/transfers.ts";
import { cancelledNotice, type Moving, nothingToCancelError } from "../core/notices.ts";
import type { FileRef, FilesInfo } from "../protocol.ts";
import {
  dispositionName,
  expandHome,
  linkName,
  numberedName,
  type Progress,
  progressText,
  savedText,
} from "./transfer_text.ts";

/** A transfer that failed, with a message for people: `Cannot send "a.txt": …`. */
export class TransferError extends Error {
  override get name(): string {
    return "TransferError";
  }
}

/** Where files go to and come from. */
export interface FileServer {
  /** The host the client dialled: the web port is on the same host. */
  hostname: string;
  /** What the server's `welcome` said of files. */
  files: FilesInfo;
  /** The server's password, which an upload carries. */
  password?: string | undefined;
  /** CA certificates to trust over HTTPS besides the system's (`--ca`). */
  caCerts?: string[] | undefined;
}

/** Options for {@linkcode upload}. */
export interface UploadOptions {
  /** The name to store the file under; the server cleans it. */
  name: string;
  /** How messages name the file, as the user gave it. @default {`name`} */
  shown?: string;
  /** The size of the file, when known: the server refuses one it has no room for before its bytes. */
  size?: number;
  /** Told the bytes sent so far, as they go. */
  onProgress?: (sent: number) => void;
  /** Stops the upload. */
  signal?: AbortSignal;
}

/** `name` as messages show it: in double quotes, escaped as in JSON. */
function quoted(name: string): string {
  return JSON.stringify(name);
}

/** The web port's address, `http://HOST:PORT` (or `https:`), for a client that dialled `hostname`. */
function webBase(hostname: string, files: FilesInfo): string {
  return new URL(fileLink(hostname, files, { url: "/" })).origin;
}

/** Whether `hostname`, as a URL has it, names this machine: `localhost`, `127.x.y.z` or `[::1]`. */
function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/** Whether `url` is on the web port at `base`, under any name of this machine when `base` is on it. */
function onBase(url: URL, base: URL): boolean {
  return url.origin === base.origin ||
    (url.protocol === base.protocol && url.port === base.port && isLoopback(url.hostname) &&
      isLoopback(base.hostname));
}

/** Runs `request` with a client that trusts `caCerts` too, if any, closed once it is done. */
async function withClient<T>(
  caCerts: string[] | undefined,
  request: (init: { client?: Deno.HttpClient }) => Promise<T>,
): Promise<T> {
  if (caCerts === undefined || caCerts.length === 0) return await request({});
  using client = Deno.createHttpClient({ caCerts });
  return await request({ client });
}

/** The `message` of a JSON error answer, without a leading `Cannot …:`, or its status. */
async function refusalOf(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  let message: unknown;
  try {
    message = (JSON.parse(text) as { message?: unknown }).message;
  } catch {
    // Not JSON: say the status.
  }
  if (typeof message !== "string" || message === "") {
    return `the server answered ${response.status} ${response.statusText}`.trimEnd();
  }
  const reason = message.replace(/^Cannot [^:]*: /, "");
  return reason === "" ? message : reason;
}

/** Why a request to `where` failed before any answer came, for people. */
function unreachable(error: unknown, where: string): string {
  const text = errorText(error).replace(/^error sending request[^:]*: /i, "");
  if (/certificate|UnknownIssuer|NotValidForName/i.test(text)) {
    return `the TLS certificate of ${where} is not trusted (pass its CA with --ca)`;
  }
  return `cannot reach the web port at ${where} (${text})`;
}

/** Whether `value` reads as a stored file, as the answer to an upload has it. */
function isFileRef(value: unknown): value is FileRef {
  const file = value as Partial<FileRef> | null;
  return typeof file === "object" && file !== null && isFileId(file.id) &&
    typeof file.name === "string" && typeof file.size === "number" &&
    typeof file.type === "string" && typeof file.url === "string" &&
    file.url.startsWith("/files/");
}

/** Why a file of `size` bytes is refused before any byte is sent, or `undefined` if it fits. */
export function tooLarge(name: string, size: number, files: FilesInfo): string | undefined {
  const reason = sizeRefusal(size, files);
  return reason === undefined ? undefined : `Cannot send ${quoted(name)}: ${reason}`;
}

/**
 * Streams `body` to the server as a file called `options.name` and resolves
 * to the stored file, or rejects with a {@linkcode TransferError}.
 */
export async function upload(
  server: FileServer,
  body: ReadableStream<Uint8Array>,
  options: UploadOptions,
): Promise<FileRef> {
  const { files } = server;
  const where = formatAddress(server.hostname, files.port);
  const source = body.getReader();
  let sent = 0;
  // Once answered (a refusal comes as soon as the server knows the size), no more is sent.
  let over = false;
  let sending!: ReadableStreamDefaultController<Uint8Array>;
  const counted = new ReadableStream<Uint8Array>({
    start(controller) {
      sending = controller;
    },
    async pull(controller) {
      const { done, value } = await source.read();
      if (over) return;
      if (done) return controller.close();
      sent += value.byteLength;
      options.onProgress?.(sent);
      controller.enqueue(value);
    },
    cancel: (reason) => source.cancel(reason),
  }, { highWaterMark: 0 });
  const answered = new AbortController();
  const signal = options.signal === undefined
    ? answered.signal
    : AbortSignal.any([answered.signal, options.signal]);
  const headers: Record<string, string> = {
    authorization: `Bearer ${files.token}`,
    "x-file-name": fileNameHeader(options.name),
  };
  if (server.password !== undefined) {
    headers["x-chat-password"] = encodeURIComponent(server.password);
  }
  // A streamed body goes without a Content-Length: the size goes beside it.
  if (options.size !== undefined) headers["x-file-size"] = String(options.size);
  const failed = (reason: string) =>
    new TransferError(`Cannot send ${quoted(options.shown ?? options.name)}: ${reason}`);
  try {
    return await withClient(server.caCerts, async (init) => {
      let response: Response;
      try {
        response = await fetch(`${webBase(server.hostname, files)}/files`, {
          ...init,
          method: "POST",
          headers,
          body: counted,
          signal,
        });
      } catch (error) {
        if (options.signal?.aborted) throw failed("stopped");
        throw failed(unreachable(error, where));
      }
      if (response.status !== 201) throw failed(await refusalOf(response));
      const answer: unknown = await response.json().catch(() => undefined);
      if (!isFileRef(answer)) throw failed("the server's answer is not a stored file");
      return answer;
    });
  } finally {
    // A refusal may come while the body is still on its way: the rest of it is not sent,
    // and what it is read from (a file) is closed.
    over = true;
    answered.abort();
    try {
      sending.error(new TransferError("Cannot send the rest: the server has answered"));
    } catch {
      // Sent whole already.
    }
    await source.cancel().catch(() => {});
  }
}

/** Options for {@linkcode uploadFile}. */
export interface UploadFileOptions
  extends Omit<UploadOptions, "name" | "shown" | "size" | "onProgress"> {
  /** The name to store it under. @default {the last part of the path} */
  name?: string;
  /**
   * How every message names the file, as the user typed it (`~/a.txt`).
   * @default {the path where it cannot be opened, else the name}
   */
  shown?: string;
  /** Told the bytes sent so far and the file's size, as they go. */
  onProgress?: (sent: number, size: number) => void;
}

/**
 * Uploads the file at `path`: refused at once, without a byte sent, when it
 * is a folder, missing or larger than the server takes.
 */
export async function uploadFile(
  server: FileServer,
  path: string,
  options: UploadFileOptions = {},
): Promise<FileRef> {
  const name = options.name ?? cleanFileName(path);
  let file: Deno.FsFile;
  let size: number;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    throw new TransferError(`Cannot send ${quoted(options.shown ?? path)}: ${openError(error)}`);
  }
  try {
    const info = await file.stat();
    if (info.isDirectory) {
      throw new TransferError(`Cannot send ${quoted(options.shown ?? path)}: it is a folder`);
    }
    size = info.size;
    const refusal = tooLarge(options.shown ?? name, size, server.files);
    if (refusal !== undefined) throw new TransferError(refusal);
  } catch (error) {
    file.close();
    throw error;
  }
  const onProgress = options.onProgress;
  return await upload(server, file.readable, {
    name,
    ...(options.shown === undefined ? {} : { shown: options.shown }),
    size,
    ...(onProgress === undefined ? {} : { onProgress: (sent: number) => onProgress(sent, size) }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
}

/** Why a file could not be opened, for people. */
function openError(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.IsADirectory) return "it is a folder";
  return errorText(error);
}

/** Options for {@linkcode download}. */
export interface DownloadOptions {
  /** The folder to save into. */
  dir: string;
  /** The name to save under, before numbering. @default {what the answer or the link names} */
  name?: string;
  /** Told the bytes received so far and the size, when known, as they come. */
  onProgress?: (received: number, size: number | undefined) => void;
  /** Stops the download; what was saved of it is removed. */
  signal?: AbortSignal;
  /** CA certificates to trust over HTTPS besides the system's (`--ca`). */
  caCerts?: string[] | undefined;
}

/** A download saved. */
export interface Saved {
  /** Where it was saved. */
  path: string;
  /** The name it was saved under, in `dir`. */
  name: string;
  /** Its size in bytes. */
  bytes: number;
}

/** Most numbered names a download tries before it gives up. */
const MAX_NUMBERED = 10_000;

/**
 * Streams what `link` answers into a new file in `options.dir`: under its
 * cleaned name, or `name (1).ext` and so on when that exists; never over a
 * file. Until it is whole, it is a hidden file of another name there
 * (`.name.part-…`), so that no file under its name is ever cut short.
 * Rejects with a {@linkcode TransferError}, leaving no file behind.
 */
export async function download(link: string, options: DownloadOptions): Promise<Saved> {
  const shown = options.name ?? linkName(link);
  const failed = (reason: string) => new TransferError(`Cannot get ${quoted(shown)}: ${reason}`);
  return await withClient(options.caCerts, async (init) => {
    let response: Response;
    try {
      response = await fetch(link, {
        ...init,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } catch (error) {
      if (options.signal?.aborted) throw failed("stopped");
      let where = link;
      try {
        where = new URL(link).host;
      } catch { /* not a URL: the link itself */ }
      throw failed(unreachable(error, where));
    }
    if (!response.ok || response.body === null) {
      const reason = response.status === 404 ? FILE_GONE : await refusalOf(response);
      await response.body?.cancel().catch(() => {});
      throw failed(reason);
    }
    const name = cleanFileName(
      options.name ?? dispositionName(response.headers.get("content-disposition")) ?? shown,
    );
    const length = Number(response.headers.get("content-length") ?? NaN);
    const size = Number.isSafeInteger(length) && length >= 0 ? length : undefined;
    let part: { file: Deno.FsFile; path: string };
    try {
      part = await createPart(options.dir, name);
    } catch (error) {
      await response.body.cancel().catch(() => {});
      throw failed(errorText(error));
    }
    let received = 0;
    let saved: string | undefined;
    try {
      try {
        await response.body.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              received += chunk.byteLength;
              options.onProgress?.(received, size);
              controller.enqueue(chunk);
            },
          }),
        ).pipeTo(part.file.writable);
      } catch (error) {
        throw failed(options.signal?.aborted ? "stopped" : `cut off: ${errorText(error)}`);
      }
      if (size !== undefined && received !== size) {
        const [got, expected] = formatBytesBeside(received, size);
        throw failed(`cut off after ${got} of ${expected}`);
      }
      try {
        saved = await moveIntoPlace(part.path, options.dir, name);
      } catch (error) {
        throw error instanceof TransferError ? failed(error.message) : failed(errorText(error));
      }
    } finally {
      if (saved === undefined) await Deno.remove(part.path).catch(() => {});
    }
    return { path: join(options.dir, saved), name: saved, bytes: received };
  });
}

/**
 * Creates the hidden file a download of `name` comes into in `dir`, a name
 * of its own (`.name.part-1a2b3c`), never opening one that exists.
 */
async function createPart(dir: string, name: string): Promise<{ file: Deno.FsFile; path: string }> {
  while (true) {
    const path = join(dir, `.${name}.part-${crypto.randomUUID().slice(0, 6)}`);
    try {
      return { file: await Deno.open(path, { write: true, createNew: true }), path };
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  }
}

/**
 * Gives the whole download at `part` its name in `dir`: `name`, or
 * `name (1).ext` and so on when that exists, never over a file. Resolves to
 * the name it took.
 */
async function moveIntoPlace(part: string, dir: string, name: string): Promise<string> {
  for (let attempt = 0; attempt < MAX_NUMBERED; attempt++) {
    const candidate = numberedName(name, attempt);
    const path = join(dir, candidate);
    try {
      // A second name for the file, which fails where a file has that name already.
      await Deno.link(part, path);
      await Deno.remove(part).catch(() => {});
      return candidate;
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) continue;
    }
    // A file system without hard links: the name is taken by a new, empty file first, which
    // the download then replaces.
    try {
      (await Deno.open(path, { write: true, createNew: true })).close();
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) continue;
      throw error;
    }
    try {
      await Deno.rename(part, path);
    } catch (error) {
      await Deno.remove(path).catch(() => {});
      throw error;
    }
    return candidate;
  }
  throw new TransferError(`every name up to ${numberedName(name, MAX_NUMBERED - 1)} is taken`);
}

/** The path of a file on the web port: `/files/ID`, then its name, if any. */
const OWN_FILE = /^\/files\/[0-9a-f]{64}(?:\/[^/]*)?$/;

/** An `upload`, `download` or `cancel` effect of the conversation core. */
export type TransferEffect = Extract<Effect, { type: "upload" | "download" | "cancel" }>;

/** A transfer asked for: an `upload` or a `download`. */
type Move = Exclude<TransferEffect, { type: "cancel" }>;

/** A transfer asked for, with what `/cancel` knows it by and what stops it alone. */
interface Queued {
  effect: Move;
  /** Up (`/send`) or down (`/get`), and the file's name as the prompt shows it. */
  moving: Moving;
  /** What else `/cancel` takes for it: the path typed, or the number `/get N` had. */
  aliases: string[];
  /** Stops this transfer only. */
  stop: AbortController;
}

/** What {@linkcode Transfers} works with. */
export interface TransfersOptions {
  /** The conversation: where the server takes files, and the sharing of one uploaded. */
  chat: Conversation;
  /** The host of the server the client is on now: the web port is on the same host. */
  hostname: () => string;
  /** CA certificates to trust over HTTPS besides the system's (`--ca`). */
  caCerts?: string[] | undefined;
  /** The server's password now, if it has one. */
  password: () => string | undefined;
  /** Carries out the core's effects (the sharing of an uploaded file). */
  apply: (effects: Effect[]) => void;
  /** Shows lines above the input line. */
  print: (lines: Line[]) => void;
  /** Called when {@linkcode Transfers.status} changed. */
  changed: () => void;
  /** Called once the last transfer asked for is done, and {@linkcode Transfers.busy} is false. */
  idle?: () => void;
  /** The folder downloads go to. @default {the current directory} */
  dir?: () => string;
  /** The user's home, for `~`. @default {$HOME} */
  home?: string | undefined;
}

/**
 * The terminal's transfers, one at a time in the order asked for, with their
 * progress; `/cancel` stops them.
 */
export class Transfers implements AsyncDisposable {
  readonly #options: TransfersOptions;
  readonly #queue: Queued[] = [];
  readonly #stop = new AbortController();
  /** The transfers under way, until the queue is empty. */
  #running: Promise<void> | undefined;
  /** The transfer under way, if any. */
  #current: Queued | undefined;
  #progress: Progress | undefined;
  #status = "";

  /** Runs transfers for `options.chat`. */
  constructor(options: TransfersOptions) {
    this.#options = options;
  }

  /**
   * What the prompt says first: the transfer under way and its progress, or
   * `""`; within `width` columns if it can.
   */
  status(width = Infinity): string {
    const progress = this.#progress;
    if (progress === undefined) return "";
    const waiting = this.#queue.length;
    return progressText(waiting > 0 ? { ...progress, waiting } : progress, width);
  }

  /** The file on its way now, if any: leaving would cut it short. */
  get moving(): Moving | undefined {
    const progress = this.#progress;
    return progress === undefined
      ? undefined
      : { name: progress.name, direction: progress.direction };
  }

  /** Whether a transfer runs or waits. */
  get busy(): boolean {
    return this.#running !== undefined;
  }

  /** Queues `effect`, started once those before it are done; or, a `cancel`, stops some. */
  take(effect: TransferEffect): void {
    if (this.#stop.signal.aborted) return;
    if (effect.type === "cancel") return this.cancel(effect.target);
    this.#queue.push(this.#queued(effect));
    if (this.#progress !== undefined) this.#show({ ...this.#progress });
    this.#running ??= this.#run();
  }

  /**
   * Stops the transfers `target` names (a file's name, the path typed to
   * `/send` it, or the number `/get N` had), under way or waiting; every
   * one without a `target`. Each stopped is said; none, an error.
   */
  cancel(target?: string): void {
    const matches = (queued: Queued) =>
      target === undefined || queued.moving.name === target || queued.aliases.includes(target);
    const current = this.#current;
    const stopping = [
      ...(current !== undefined && !current.stop.signal.aborted && matches(current)
        ? [current]
        : []),
      ...this.#queue.filter(matches),
    ];
    if (stopping.length === 0) return this.#options.print([nothingToCancelError(target)]);
    for (const queued of stopping) {
      const at = this.#queue.indexOf(queued);
      if (at !== -1) this.#queue.splice(at, 1);
      // The one under way says so once it has stopped, and what it saved is gone.
      if (queued === current) queued.stop.abort();
      else this.#options.print([cancelledNotice(queued.moving)]);
    }
    if (this.#progress !== undefined) this.#show({ ...this.#progress });
  }

  /**
   * Stops what runs and forgets what waits; resolves once a download
   * stopped has removed what it saved.
   */
  async stop(): Promise<void> {
    this.#queue.length = 0;
    this.#stop.abort();
    await this.#running;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** `effect` as the queue holds it. */
  #queued(effect: Move): Queued {
    const stop = new AbortController();
    if (effect.type === "upload") {
      const name = cleanFileName(expandHome(effect.path, this.#options.home ?? homeDir()));
      return { effect, moving: { direction: "up", name }, aliases: [effect.path], stop };
    }
    if ("link" in effect) {
      return {
        effect,
        moving: { direction: "down", name: linkName(effect.link) },
        aliases: [effect.link],
        stop,
      };
    }
    const number = String(this.#options.chat.files.numberOf(effect.file));
    const name = cleanFileName(effect.file.name);
    return { effect, moving: { direction: "down", name }, aliases: [number], stop };
  }

  async #run(): Promise<void> {
    try {
      while (this.#queue.length > 0 && !this.#stop.signal.aborted) {
        const queued = this.#queue.shift()!;
        this.#current = queued;
        const signal = AbortSignal.any([this.#stop.signal, queued.stop.signal]);
        try {
          const { effect } = queued;
          if (effect.type === "upload") await this.#upload(effect.path, effect.view, signal);
          else await this.#download(effect, signal);
        } catch (error) {
          if (this.#stop.signal.aborted) break;
          if (queued.stop.signal.aborted) {
            this.#options.print([cancelledNotice(queued.moving)]);
            continue;
          }
          const message = error instanceof TransferError
            ? error.message
            : `Cannot move the file: ${errorText(error)}`;
          this.#options.print([errorLine(message)]);
        } finally {
          this.#current = undefined;
          this.#show(undefined);
        }
      }
    } finally {
      this.#running = undefined;
    }
    this.#options.idle?.();
  }

  /**
   * The server's files and how to reach them, or a refusal if it takes none
   * now, or if the client is away from it: the token of a connection gone
   * is no longer good.
   */
  #server(verb: "send" | "get", what = "a file"): FileServer {
    const chat = this.#options.chat;
    const files = chat.files.place;
    if (files === undefined) {
      throw new TransferError(`Cannot ${verb} ${what}: ${TAKES_NO_FILES}`);
    }
    if (!chat.online) throw new TransferError(`Cannot ${verb} ${what}: ${NOT_CONNECTED}`);
    return {
      hostname: this.#options.hostname(),
      files,
      password: this.#options.password(),
      caCerts: this.#options.caCerts,
    };
  }

  async #upload(typed: string, view: string | undefined, signal: AbortSignal): Promise<void> {
    const path = expandHome(typed, this.#options.home ?? homeDir());
    const name = cleanFileName(path);
    const server = this.#server("send", quoted(typed));
    this.#show({ direction: "up", name, done: 0 });
    const file = await uploadFile(server, path, {
      name,
      shown: typed,
      signal,
      onProgress: (done, total) => this.#show({ direction: "up", name, done, total }),
    });
    // Cancelled as the server answered: not shared.
    if (signal.aborted) throw new TransferError(`Cannot send ${quoted(typed)}: stopped`);
    this.#options.apply(this.#options.chat.share({ id: file.id, name: file.name }, view));
  }

  async #download(
    effect: Extract<TransferEffect, { type: "download" }>,
    signal: AbortSignal,
  ): Promise<void> {
    const dir = this.#options.dir?.() ?? Deno.cwd();
    const fromShelf = "file" in effect ? effect.file : undefined;
    const link = "link" in effect ? this.#ownLink(effect.link) : fileLink(
      this.#options.hostname(),
      this.#server("get", quoted(cleanFileName(effect.file.name))).files,
      effect.file,
    );
    const name = fromShelf === undefined ? linkName(link) : cleanFileName(fromShelf.name);
    this.#show({ direction: "down", name, done: 0, total: fromShelf?.size });
    const saved = await download(link, {
      dir,
      ...(fromShelf === undefined ? {} : { name }),
      signal,
      caCerts: this.#options.caCerts,
      onProgress: (done, total) =>
        this.#show({ direction: "down", name, done, total: total ?? fromShelf?.size }),
    });
    this.#options.print([notice([savedText(saved.name, saved.bytes, saved.path)])]);
  }

  /**
   * `link`, a link to one of this server's files (`/files/ID...` on its web
   * port), with this connection's token when downloads need one: a link
   * someone shared carries theirs, if any, which ends with their connection.
   * Any other link is refused, and no other host is given the token.
   */
  #ownLink(link: string): string {
    const files = this.#server("get", quoted(link)).files;
    const base = webBase(this.#options.hostname(), files);
    let url: URL | undefined;
    try {
      url = new URL(link);
    } catch {
      // Not a link at all: refused below.
    }
    if (url === undefined || !onBase(url, new URL(base)) || !OWN_FILE.test(url.pathname)) {
      throw new TransferError(
        `Cannot get ${quoted(link)}: it is not a link to a file of this server (${base}/files/…)`,
      );
    }
    // From the address this client reached the server at, whatever name of this machine it gave.
    const own = new URL(url.pathname + url.search, base);
    if (files.needsToken) own.searchParams.set("token", downloadToken(files));
    return own.href;
  }

  /** Shows `progress` (nothing when `undefined`) if the prompt would read differently. */
  #show(progress: Progress | undefined): void {
    this.#progress = progress;
    const waiting = this.#queue.length;
    const status = progress === undefined
      ? ""
      : progressText(waiting > 0 ? { ...progress, waiting } : progress);
    if (status === this.#status) return;
    this.#status = status;
    this.#options.changed();
  }
}

/** The user's home folder, if the environment says. */
export function homeDir(): string | undefined {
  try {
    return Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE");
  } catch {
    return undefined;
  }
}
