/**
 * The HTTP endpoints of the shared files on the web port: `POST /files`
 * stores the request's body, `GET /files/<id>/<name>` serves it back with
 * headers that keep it from running in a page. See docs/PROTOCOL.md, "Files
 * (HTTP)".
 *
 * @module
 */

import { createReadStream } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { PasswordGate } from "../password.ts";
import { cleanFileName, filePath } from "../../core/files.ts";
import { contentDisposition, PICTURE_TYPES } from "./sniff.ts";
import type { FileStore, StoredFile } from "./store.ts";
import type { UploadTokens } from "./tokens.ts";
import type { FileMirror } from "./mirror.ts";
import { TokenBucket } from "../limits.ts";

/** Options for {@linkcode FileRoutes}. */
export interface FileRoutesOptions {
  /** Where the files are. */
  store: FileStore;
  /** The tokens of the connected users. */
  tokens: UploadTokens;
  /** The server's password, when it has one. */
  password?: PasswordGate | undefined;
  /** Headers sent with every answer that is not a file. */
  headers: Readonly<Record<string, string>>;
  /** In a cluster, the files of every server: uploads go there too, and missing files come from there. */
  mirror?: FileMirror | undefined;
  /** Receives one line per file that could not be kept for the other servers. */
  log?: ((line: string) => void) | undefined;
  /**
   * Why the person called `uploader` may not share a file now (muted), if
   * so: the upload is refused before a byte is stored, so that it pushes
   * nobody's file out of the store. @default {nobody is refused}
   */
  refuse?: ((uploader: string) => string | undefined) | undefined;
}

/** What {@linkcode FileRoutes.serve} tells its transport. */
export interface FileHooks {
  /** Called as bytes move, so that a long transfer is not taken for a stalled one. */
  touch: () => void;
  /**
   * Called once an upload's headers passed every check they allow, before its
   * body is read: the moment to answer `Expect: 100-continue`.
   */
  proceed: () => void;
}

/** What `POST /files` answers with status 201. */
export interface UploadAnswer {
  id: string;
  name: string;
  size: number;
  type: string;
  /** The path to download it from, on the same port. */
  url: string;
}

/** The headers of a served file: never run, never sniffed, never framed. */
export const FILE_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "sandbox; default-src 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-resource-policy": "same-origin",
};

const FILE_PATH = /^\/files\/([0-9a-f]{64})(?:\/([^/]*))?$/;

/** Whether `path` is one of the file endpoints. */
export function isFilePath(path: string): boolean {
  return path === "/files" || path.startsWith("/files/");
}

/**
 * Answers a request for `/files` or `/files/...` on a web port that takes no
 * files (`--no-files`): `403`, `no_files`. An upload's body is read and
 * dropped at `pace`, so that its sender reads the answer.
 */
export function refuseFiles(
  request: IncomingMessage,
  response: ServerResponse,
  headers: Readonly<Record<string, string>>,
  pace: TokenBucket,
): void {
  const message = request.method === "POST"
    ? "Cannot store the file: this server takes no files"
    : "Cannot serve the file: this server shares no files";
  sendJson(response, 403, { error: "no_files", message }, headers);
  void discard(request, pace);
}

/** Bytes a second that all downloads together are sent at, after a burst of {@linkcode DOWNLOAD_BURST_BYTES}. */
export const DOWNLOAD_BYTES_PER_SECOND = 32 * 1024 * 1024;
/** Bytes downloads may take at once before {@linkcode DOWNLOAD_BYTES_PER_SECOND} holds. */
export const DOWNLOAD_BURST_BYTES = 1024 * 1024;

/** Bytes a second that the rest of refused uploads is read and dropped at, all together. */
export const DISCARD_BYTES_PER_SECOND = 16 * 1024 * 1024;

/** The pace that the rest of refused uploads is read and dropped at: a burst, then {@linkcode DISCARD_BYTES_PER_SECOND}. */
export function discardPace(): TokenBucket {
  return new TokenBucket(256 * 1024, DISCARD_BYTES_PER_SECOND);
}

/**
 * Reads and drops the rest of a refused request's body, so that its sender
 * reads the answer, at `pace`: read at full speed, senders that go on
 * sending would take the server's time from the chat. Slowed down, they are
 * held back by TCP until the connection is closed.
 */
async function discard(request: IncomingMessage, pace: TokenBucket): Promise<void> {
  try {
    for await (const chunk of request.iterator({ destroyOnReturn: false })) {
      const wait = pace.take((chunk as Uint8Array).length);
      if (wait > 0) await pause(wait, request.socket);
    }
  } catch {
    // The connection ended.
  }
}

/** Resolves after `ms`, or once `socket` closes: then nothing is left to wait for. */
function pause(ms: number, socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      socket.off("close", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    socket.once("close", done);
  });
}

/**
 * Whether an `If-None-Match` header names `etag` (RFC 9110, 13.1.2): `*`, or
 * one of a list of tags, compared weakly as a `GET` asks.
 */
export function namesTag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(",").some((tag) => {
    const trimmed = tag.trim();
    return trimmed === "*" || (trimmed.startsWith("W/") ? trimmed.slice(2) : trimmed) === etag;
  });
}

/** The token of `Authorization: Bearer TOKEN`, if any: the only way an upload shows one. */
function bearer(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/**
 * The size the request says its body has: its `Content-Length`, or for a
 * chunked body `X-File-Size`, which a client that knows the size sends so
 * that a file with no room is refused before its bytes. The bytes are
 * counted as they come all the same.
 */
function declaredSize(request: IncomingMessage): number | undefined {
  for (const header of [request.headers["content-length"], request.headers["x-file-size"]]) {
    if (typeof header === "string" && /^\d{1,15}$/.test(header)) return Number(header);
  }
  return undefined;
}

/**
 * Decodes text from a request's head, a file name or a password:
 * percent-encoded UTF-8, as clients are asked to send it, or raw UTF-8, as
 * `curl -H` sends what was typed. Both are read as the bytes they stand for (a request's head is
 * read one character a byte), so that bytes which are not UTF-8, escaped
 * (a lone surrogate encoded as if it were a character, `%ED%A0%80`) or raw
 * (Latin-1's é), become U+FFFD, as they do in a query string.
 */
function decodeHeaderText(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const bytes: number[] = [];
  for (let at = 0; at < value.length;) {
    const escape = /^%[0-9a-f]{2}/i.exec(value.slice(at, at + 3));
    bytes.push(escape === null ? value.charCodeAt(at) & 0xff : parseInt(escape[0].slice(1), 16));
    at += escape === null ? 1 : 3;
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/**
 * Whether `request` is a browser opening a link: a download that asks for a
 * page (`Accept: text/html`), where a program's asks for any type at all.
 */
function fromBrowser(request: IncomingMessage): boolean {
  const accept = request.headers.accept;
  return (request.method === "GET" || request.method === "HEAD") &&
    typeof accept === "string" && /\btext\/html\b/i.test(accept);
}

/**
 * What a person who opened a link in a browser reads when the download
 * needs a token it does not carry (`token_required`) or one of someone
 * gone (`token_unknown`): how to open it instead.
 */
const FOR_PEOPLE: Readonly<Record<string, string>> = {
  token_required: "Cannot download this file: this chat has a password, so a link opens only " +
    "with the token of someone connected to it. Open the file from the chat: on its page, or " +
    "with /get LINK in chat join, which adds your token.",
  token_unknown: "Cannot download this file: the link carries the token of someone no longer " +
    "connected to the chat. Open the file from the chat: on its page, or with /get LINK in " +
    "chat join, which adds your token.",
};

/** Answers the requests for `/files` and `/files/...`. */
export class FileRoutes {
  /** Files being fetched from the other servers of a cluster, by id. */
  readonly #fetching = new Map<string, Promise<StoredFile | undefined>>();
  readonly #options: FileRoutesOptions;
  /** The pace of the rest of refused uploads, read and dropped. */
  readonly #discarding = discardPace();
  /** The pace of all downloads together. */
  readonly #downloads = new TokenBucket(DOWNLOAD_BURST_BYTES, DOWNLOAD_BYTES_PER_SECOND);
  /** The answers to browsers opening a link: their errors are text to read, not JSON. */
  readonly #toBrowsers = new WeakSet<ServerResponse>();

  constructor(options: FileRoutesOptions) {
    this.#options = options;
  }

  /** Answers `request`, calling `hooks` as its transfer goes on. */
  serve(request: IncomingMessage, response: ServerResponse, hooks: FileHooks): void {
    this.#serve(request, response, hooks).catch(() => {
      if (response.headersSent) return void response.destroy();
      const message = request.method === "POST"
        ? "Cannot store the file: the server could not write it"
        : "Cannot send the file: the server could not read it";
      this.#error(response, 500, "failed", message);
    });
  }

  async #serve(
    request: IncomingMessage,
    response: ServerResponse,
    hooks: FileHooks,
  ): Promise<void> {
    const url = new URL(request.url ?? "/", "http://host");
    if (fromBrowser(request)) this.#toBrowsers.add(response);
    if (url.pathname === "/files") {
      if (request.method !== "POST") {
        return this.#error(response, 405, "method", "Use POST to upload a file", {
          allow: "POST",
        });
      }
      return await this.#upload(request, response, url.searchParams, hooks);
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return this.#error(response, 405, "method", "Use GET to download a file", {
        allow: "GET, HEAD",
      });
    }
    const [, id, named] = FILE_PATH.exec(url.pathname) ?? [];
    if (this.#refused(request, response, url.searchParams, false)) return;
    const file = id === undefined
      ? undefined
      : this.#options.store.get(id) ?? await this.#fromMirror(id);
    if (file === undefined) {
      return this.#error(
        response,
        404,
        "not_found",
        "No such file: it was never shared here, or the oldest files made room for newer ones",
      );
    }
    // A file is saved under the name it was shared under, which the link carries.
    const name = named === undefined || named === ""
      ? file.name
      : cleanFileName(decodeHeaderText(named)!);
    this.#download(request, response, file, name, hooks.touch);
  }

  /**
   * Answers for a request without the password or the token it needs, and
   * returns `true`; returns `false` when it may go on. Downloads need a
   * token only when the server has a password.
   */
  #refused(
    request: IncomingMessage,
    response: ServerResponse,
    query: URLSearchParams,
    upload: boolean,
  ): boolean {
    const { password, tokens } = this.#options;
    if (upload && password !== undefined) {
      const given = request.headers["x-chat-password"];
      const refusal = password.check(
        request.socket.remoteAddress ?? "",
        typeof given === "string" ? decodeHeaderText(given) : undefined,
      );
      if (refusal !== undefined) {
        this.#error(response, 403, refusal.code, refusal.message);
        return true;
      }
    }
    if (!upload && password === undefined) return false;
    // A link's `?token=` downloads; only the bearer token, never in a link, uploads.
    const token = upload ? bearer(request) : bearer(request) ?? query.get("token") ?? undefined;
    const kind = upload ? "upload token" : "token";
    if (token === undefined) {
      this.#error(
        response,
        401,
        "token_required",
        upload
          ? "Cannot accept the request: it needs the upload token of a connected chat user, as Authorization: Bearer TOKEN"
          : "Cannot accept the request: it needs the token of a connected chat user",
        { "www-authenticate": "Bearer" },
      );
      return true;
    }
    if (!(upload ? tokens.has(token) : tokens.mayDownload(token))) {
      this.#error(
        response,
        401,
        "token_unknown",
        `Cannot accept the request: the ${kind} is not one of a connected chat user`,
        { "www-authenticate": "Bearer" },
      );
      return true;
    }
    return false;
  }

  async #upload(
    request: IncomingMessage,
    response: ServerResponse,
    query: URLSearchParams,
    hooks: FileHooks,
  ): Promise<void> {
    const { store, tokens } = this.#options;
    if (this.#refused(request, response, query, true)) return void this.#discard(request);
    const size = declaredSize(request);
    const refusal = size === undefined ? undefined : store.refusal(size);
    if (refusal !== undefined) {
      this.#error(response, 413, "too_large", refusal);
      return void this.#discard(request);
    }
    const busy = size === undefined ? undefined : store.busy(size);
    if (busy !== undefined) {
      this.#error(response, 503, "busy", busy, { "retry-after": "5" });
      return void this.#discard(request);
    }
    const token = bearer(request)!;
    const holder = tokens.take(token);
    if (!holder.ok) {
      this.#error(
        response,
        429,
        "rate_limited",
        "Cannot store the file: uploads are coming too fast; wait a moment and try again",
      );
      return void this.#discard(request);
    }
    const muted = this.#options.refuse?.(holder.uploader);
    if (muted !== undefined) {
      this.#error(response, 403, "muted", muted);
      return void this.#discard(request);
    }
    const header = request.headers["x-file-name"];
    const name = cleanFileName(
      decodeHeaderText(typeof header === "string" ? header : undefined) ?? query.get("name") ?? "",
    );
    // Every refusal its headers could bring was answered instead of 100 Continue.
    hooks.proceed();
    const body = request.iterator({ destroyOnReturn: false });
    const result = await store.put(body, {
      name,
      uploader: holder.uploader,
      signal: tokens.signal(token),
    }, hooks.touch);
    if (!result.ok) {
      const [status, code, extra] = result.code === "busy"
        ? [503, "busy", { "retry-after": "5" }]
        : result.code === "gone"
        ? [401, "token_unknown", { "www-authenticate": "Bearer" }]
        : result.code === "too_slow"
        ? [408, "too_slow", {}]
        : [413, "too_large", {}];
      this.#error(response, status, code, result.message, extra);
      // The rest is read and dropped, so the client can read the answer.
      return void this.#discard(request);
    }
    const { file } = result;
    // The other servers of a cluster serve it too, once it is answered for.
    await this.#options.mirror?.publish(file, store.pathOf(file.id)).catch((error) =>
      this.#options.log?.(`Cannot keep file ${file.id} for the other servers: ${error.message}`)
    );
    // Under the name of this upload, which its share then gives the file: bytes stored
    // already keep their name until then, so that a share refused changes nothing.
    const answer: UploadAnswer = {
      id: file.id,
      name,
      size: file.size,
      type: file.type,
      url: filePath(file.id, name),
    };
    this.#json(response, 201, answer, { location: answer.url });
  }

  /** The file `id` from the other servers of a cluster, stored here first; one fetch per id at once. */
  #fromMirror(id: string): Promise<StoredFile | undefined> {
    const mirror = this.#options.mirror;
    if (mirror === undefined) return Promise.resolve(undefined);
    let fetching = this.#fetching.get(id);
    if (fetching === undefined) {
      fetching = (async () => {
        const found = await mirror.fetch(id).catch(() => undefined);
        if (found === undefined) return undefined;
        const { name, uploader } = found.file;
        const stored = await this.#options.store.put(found.body, { name, uploader, shared: true });
        return stored.ok && stored.file.id === id ? stored.file : undefined;
      })().finally(() => this.#fetching.delete(id));
      this.#fetching.set(id, fetching);
    }
    return fetching;
  }

  #download(
    request: IncomingMessage,
    response: ServerResponse,
    file: StoredFile,
    name: string,
    touch: () => void,
  ): void {
    const picture = PICTURE_TYPES.has(file.type);
    const headers = {
      ...FILE_HEADERS,
      "content-type": file.type,
      "content-length": String(file.size),
      "content-disposition": contentDisposition(picture ? "inline" : "attachment", name),
      "cache-control": "private, max-age=86400",
      etag: `"${file.id}"`,
    };
    // A file's bytes never change under its id: a copy already fetched is still good.
    if (namesTag(request.headers["if-none-match"], headers.etag)) {
      const { "content-length": _, ...rest } = headers;
      response.writeHead(304, rest);
      return void response.end();
    }
    if (request.method === "HEAD") {
      response.writeHead(200, headers);
      return void response.end();
    }
    const stream = createReadStream(this.#options.store.pathOf(file.id));
    stream.once("error", () => {
      if (response.headersSent) return void response.destroy();
      this.#error(response, 404, "not_found", "No such file");
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    stream.once("open", () => {
      response.writeHead(200, headers);
      // All downloads together go at their pace: read at full speed, a few
      // clients fetching a file again and again would take the server's time from the chat.
      stream.on("data", (chunk) => {
        touch();
        const wait = this.#downloads.take(chunk.length);
        const flowing = response.write(chunk);
        if (wait === 0 && flowing) return;
        stream.pause();
        let waiting = (wait > 0 ? 1 : 0) + (flowing ? 0 : 1);
        const go = () => {
          if (--waiting === 0) stream.resume();
        };
        if (wait > 0) timer = setTimeout(go, wait);
        if (!flowing) response.once("drain", go);
      });
      stream.once("end", () => response.end());
    });
    response.once("close", () => {
      clearTimeout(timer);
      stream.destroy();
    });
  }

  #discard(request: IncomingMessage): Promise<void> {
    return discard(request, this.#discarding);
  }

  #error(
    response: ServerResponse,
    status: number,
    code: string,
    message: string,
    extra: Record<string, string> = {},
  ): void {
    if (!this.#toBrowsers.has(response)) {
      return this.#json(response, status, { error: code, message }, extra);
    }
    const body = new TextEncoder().encode(`${FOR_PEOPLE[code] ?? message}\n`);
    response.writeHead(status, {
      ...this.#options.headers,
      ...extra,
      "content-type": "text/plain; charset=utf-8",
      "cache-control": "no-store",
      "content-length": String(body.length),
    });
    response.end(body);
  }

  #json(
    response: ServerResponse,
    status: number,
    value: unknown,
    extra: Record<string, string> = {},
  ): void {
    sendJson(response, status, value, { ...this.#options.headers, ...extra });
  }
}

/** Answers with `value` as JSON, never cached, with `headers` too. */
function sendJson(
  response: ServerResponse,
  status: number,
  value: unknown,
  headers: Readonly<Record<string, string>>,
): void {
  const body = new TextEncoder().encode(`${JSON.stringify(value)}\n`);
  response.writeHead(status, {
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "content-length": String(body.length),
  });
  response.end(body);
}
