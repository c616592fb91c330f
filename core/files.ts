// This module is browser compatible.

/**
 * Shared files as every side sees them: the id a file is stored under, a
 * name safe to show and to save under, a size for people, and the link a
 * client downloads a file from. The server stores and serves the bytes
 * (server/files/); clients use these to show a file message and to save it.
 *
 * @module
 */

import type { FileRef, FilesInfo } from "../protocol.ts";

/** The longest cleaned file name, in characters (code points). */
export const MAX_FILE_NAME_CHARS = 120;

/** The longest extension a cut name keeps, its dot included, in characters (code points). */
export const MAX_EXTENSION_CHARS = 16;

/**
 * The longest cleaned file name, in UTF-8 bytes: saved, even as a numbered
 * copy (`name (9999).ext`), it fits the 255 bytes most file systems allow.
 */
export const MAX_FILE_NAME_BYTES = 240;

const FILE_ID = /^[0-9a-f]{64}$/;

/** Whether `value` is the id of a stored file: the SHA-256 of its bytes in lowercase hex. */
export function isFileId(value: unknown): value is string {
  return typeof value === "string" && FILE_ID.test(value);
}

/**
 * The names Windows gives its devices (`CON`, `COM1`, ...), in any case:
 * saved under one of them, with or without an extension, a file would be
 * refused or written to the device.
 */
const WINDOWS_DEVICE =
  /^(?:CON|PRN|AUX|NUL|COM[0-9\u00B9\u00B2\u00B3]|LPT[0-9\u00B9\u00B2\u00B3]|CONIN\$|CONOUT\$)(?= ?(?:\.|$))/i;

/**
 * A file name safe to show and to save under: the last part of a path only,
 * without control, format (bidirectional) or reserved characters, lone
 * surrogates replaced by U+FFFD, not starting or ending with a dot or space,
 * not a name Windows keeps for a device (`CON.txt` becomes `CON_.txt`), at
 * most {@linkcode MAX_FILE_NAME_CHARS} characters and
 * {@linkcode MAX_FILE_NAME_BYTES} bytes with its extension kept; `"file"`
 * when nothing is left.
 */
export function cleanFileName(name: string): string {
  let clean = name.toWellFormed().normalize("NFC").split(/[/\\]/).pop() ?? "";
  clean = clean.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}<>:"|?*]/gu, "_");
  clean = clean.replace(/\s+/gu, " ").replace(/^[\s.]+|[\s.]+$/gu, "");
  // Before the cut, which keeps the start of the name: the `_` is kept with it.
  clean = clean.replace(WINDOWS_DEVICE, "$&_");
  if ([...clean].length > MAX_FILE_NAME_CHARS || utf8Length(clean) > MAX_FILE_NAME_BYTES) {
    const dot = clean.lastIndexOf(".");
    const extension = dot > 0 && [...clean.slice(dot)].length <= MAX_EXTENSION_CHARS
      ? clean.slice(dot)
      : "";
    const base = [...clean.slice(0, clean.length - extension.length)]
      .slice(0, MAX_FILE_NAME_CHARS - [...extension].length);
    let bytes = utf8Length(base.join("") + extension);
    while (bytes > MAX_FILE_NAME_BYTES) bytes -= utf8Length(base.pop()!);
    // The cut may end the name in a space or a dot, which it may not end in.
    clean = base.join("").replace(/[\s.]+$/u, "") + extension;
  }
  return clean === "" ? "file" : clean;
}

const encoder = new TextEncoder();

/** How many bytes `text` takes in UTF-8. */
function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

/** The units past bytes that {@linkcode formatBytes} writes, each 1024 of the one before. */
const UNITS = ["KiB", "MiB", "GiB", "TiB"];

/** `bytes` in the largest unit it makes at least 1 of, rounded as people read it: `[1.5, 1]` for 1.5 KiB. */
function scaled(bytes: number): [value: number, unit: number] {
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return [Number(value.toFixed(value < 10 ? 1 : 0)), unit];
}

/** A byte count for people: `512 bytes`, `3.5 KiB`, `25 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
  const [value, unit] = scaled(bytes);
  return `${value} ${UNITS[unit]}`;
}

/** Every byte of `bytes`, its digits grouped by three: `1,048,577 bytes`. */
function exactBytes(bytes: number): string {
  const digits = String(bytes).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${digits} ${bytes === 1 ? "byte" : "bytes"}`;
}

/** Whether {@linkcode formatBytes} says `bytes` without rounding it. */
function saidExactly(bytes: number): boolean {
  if (bytes < 1024) return true;
  const [value, unit] = scaled(bytes);
  return value * 1024 ** (unit + 1) === bytes;
}

/**
 * `size` and `limit` for people, to say one beside the other: as
 * {@linkcode formatBytes} says them, or, where that would read the same
 * for two sizes that differ, `size` to the byte (and `limit` too, unless it
 * is a round number): `["1,048,577 bytes", "1 MiB"]`.
 */
export function formatBytesBeside(size: number, limit: number): [size: string, limit: string] {
  const [shown, bound] = [formatBytes(size), formatBytes(limit)];
  if (size === limit || shown !== bound) return [shown, bound];
  return [exactBytes(size), saidExactly(limit) ? bound : exactBytes(limit)];
}

/**
 * Why a file of `size` bytes is not taken by the server `files` describes,
 * to follow `Cannot send "NAME": `, or `undefined` if it fits: larger than
 * the largest file it takes, or than all the room of its file store. A
 * client checks it before a byte is sent.
 */
export function sizeRefusal(
  size: number,
  files: Pick<FilesInfo, "maxBytes" | "quotaBytes">,
): string | undefined {
  const larger = (limit: number, what: string) => {
    // A size just over the limit is told to the byte, not as the limit itself.
    const [shown, bound] = formatBytesBeside(size, limit);
    return `it is ${shown}, larger than ${bound}, ${what}`;
  };
  // The tighter of the two is what the file is told against: a store smaller than the largest
  // file takes none that large.
  const quota = files.quotaBytes ?? Infinity;
  if (size > quota && quota < files.maxBytes) {
    return larger(quota, "all the room this server's file store has");
  }
  if (size > files.maxBytes) return larger(files.maxBytes, "the largest this server takes");
  if (size > quota) return larger(quota, "all the room this server's file store has");
  return undefined;
}

/**
 * The value of an upload's `X-File-Name` header: `name` percent-encoded as
 * UTF-8, a lone surrogate (a Windows file name may hold one) as U+FFFD.
 */
export function fileNameHeader(name: string): string {
  return encodeURIComponent(name.toWellFormed());
}

/** Why a file is not downloaded whose link the server answers `404`: its store has no such file. */
export const FILE_GONE = "the server no longer has it (or never had it)";

/** The path a stored file is downloaded from, on the web port: `/files/ID/NAME`. */
export function filePath(id: string, name: string): string {
  return `/files/${id}/${encodeURIComponent(name)}`;
}

/** How a file message reads as text: its name and size, `report.pdf (1.2 MiB)`. */
export function fileSummary(file: Pick<FileRef, "name" | "size">): string {
  return `${file.name} (${formatBytes(file.size)})`;
}

/**
 * The types a server serves inline, and clients show as pictures: it gives
 * a file one of them only when the picture is whole and of a size a browser
 * may draw (see docs/PROTOCOL.md, "Upload"), so its type alone decides.
 */
export const PICTURE_TYPES: ReadonlySet<string> = new Set([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
]);

/** Whether a shared file is a picture to show inline: its type, as the server gave it, says so. */
export function isPicture(file: Pick<FileRef, "type">): boolean {
  return PICTURE_TYPES.has(file.type);
}

/**
 * The address a file is downloaded from, for a client that reached the
 * server at `host` (a name, an IPv4 address or an IPv6 one): the web port and
 * scheme of `files`, and the download token when downloads need one.
 */
export function fileLink(host: string, files: FilesInfo, file: Pick<FileRef, "url">): string {
  const bare = host.startsWith("[") ? host.slice(1, -1) : host;
  const hostPart = bare.includes(":") ? `[${bare}]` : bare;
  const base = `${files.tls ? "https" : "http"}://${hostPart}:${files.port}`;
  return base + fileQuery(files, file);
}

/**
 * The token a download link carries: the download token of `files`, never
 * the upload token, but from a server that gives none, the only one it has.
 */
export function downloadToken(files: FilesInfo): string {
  return files.downloadToken ?? files.token;
}

/** `file.url`, with the download token of `files` when downloads need one: a link on the same origin. */
export function fileQuery(files: FilesInfo, file: Pick<FileRef, "url">): string {
  return files.needsToken
    ? `${file.url}?token=${encodeURIComponent(downloadToken(files))}`
    : file.url;
}
