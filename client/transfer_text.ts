/**
 * What the terminal needs to move files that involves no I/O: the names a
 * download may be saved under without overwriting anything, the progress
 * bar the prompt shows while a file moves, the name a link or a
 * `Content-Disposition` gives a file, `~` expanded, and the words of the
 * results. client/transfer.ts does the reading, the HTTP and the writing.
 *
 * @module
 */

import { cleanFileName, formatBytes } from "../core/files.ts";
import { sanitizeText } from "../core/sanitize.ts";
import { textWidth } from "../core/width.ts";

/** Extensions of two parts, kept whole when a name is numbered: `backup (1).tar.gz`. */
const DOUBLE_EXTENSION = /\.tar\.(?:gz|bz2|xz|zst|lz|lzma|Z)$/i;

/** Splits `name` into its stem and its extension (with the dot); a leading dot is no extension. */
export function splitExtension(name: string): [stem: string, extension: string] {
  const double = DOUBLE_EXTENSION.exec(name);
  if (double !== null && double.index > 0) return [name.slice(0, double.index), double[0]];
  const dot = name.lastIndexOf(".");
  return dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
}

/**
 * The name a download called `name` is saved under at its `attempt`th try:
 * `name` itself at 0, then `name (1).ext`, `name (2).ext`…
 *
 * @example
 * ```ts
 * numberedName("report.pdf", 2); // "report (2).pdf"
 * ```
 */
export function numberedName(name: string, attempt: number): string {
  if (attempt === 0) return name;
  const [stem, extension] = splitExtension(name);
  return `${stem} (${attempt})${extension}`;
}

/**
 * The first name for a download called `name` that `taken` does not hold:
 * `name`, else `name (1).ext`, `name (2).ext`…
 */
export function uniqueName(name: string, taken: (candidate: string) => boolean): string {
  for (let attempt = 0;; attempt++) {
    const candidate = numberedName(name, attempt);
    if (!taken(candidate)) return candidate;
  }
}

/** Cells of the progress bar. */
export const BAR_CELLS = 10;

/** A bar of `cells` cells, as full as `done` is of `total`: `[####------]`. */
export function progressBar(done: number, total: number, cells = BAR_CELLS): string {
  const share = total <= 0 ? 1 : Math.min(Math.max(done / total, 0), 1);
  const full = Math.floor(share * cells);
  return `[${"#".repeat(full)}${"-".repeat(cells - full)}]`;
}

/** A file on its way, as the prompt shows it. */
export interface Progress {
  /** Up to the server (`/send`), or down from it (`/get`). */
  direction: "up" | "down";
  /** The file's name, as the user knows it. */
  name: string;
  /** Bytes moved so far. */
  done: number;
  /** Bytes in all, when known. */
  total?: number | undefined;
  /** Transfers waiting behind this one. */
  waiting?: number;
}

/** Characters of a file name the progress shows; longer ones are cut, with an ellipsis. */
const NAME_CHARS = 24;

/** The fewest columns a file name is cut to before the progress leaves it out. */
const MIN_NAME_COLUMNS = 8;

/** `text` cut to at most `columns`, an ellipsis marking the cut. */
function cutTo(text: string, columns: number): string {
  if (textWidth(text) <= columns) return text;
  let out = "";
  for (const char of text) {
    if (textWidth(out + char) > columns - 1) break;
    out += char;
  }
  return `${out}…`;
}

/**
 * What the prompt says first while a file moves:
 * `(sending photo.jpg [####------] 42%) `, or the bytes alone when the
 * size is not known. Within `width` columns, if given and it can: on a
 * narrow terminal without the bar, then with the name cut, then with no
 * name: `(sending 42%) `, `(42%) `.
 */
export function progressText(progress: Progress, width = Infinity): string {
  const chars = [...sanitizeText(progress.name)];
  const name = chars.length > NAME_CHARS
    ? `${chars.slice(0, NAME_CHARS - 1).join("")}…`
    : chars.join("");
  const verb = progress.direction === "up" ? "sending" : "getting";
  const { done, total } = progress;
  const amount = total === undefined ? formatBytes(done) : `${percent(done, total)}%`;
  const bar = total === undefined ? "" : `${progressBar(done, total)} `;
  const waiting = progress.waiting ? `, ${progress.waiting} more waiting` : "";
  const full = `(${verb} ${name} ${bar}${amount}${waiting}) `;
  const fits = (text: string) => textWidth(text) <= width;
  if (fits(full)) return full;
  const bare = `(${verb} ${name} ${amount}${waiting}) `;
  if (fits(bare)) return bare;
  const room = width - textWidth(`(${verb}  ${amount}) `);
  if (room >= MIN_NAME_COLUMNS) return `(${verb} ${cutTo(name, room)} ${amount}) `;
  const short = `(${verb} ${amount}) `;
  return fits(short) ? short : `(${amount}) `;
}

/** `done` of `total` in whole percent, 100 only once all is done. */
function percent(done: number, total: number): number {
  if (total <= 0 || done >= total) return 100;
  return Math.min(Math.floor((done / total) * 100), 99);
}

/** `path` with a leading `~` (alone or before a `/`) replaced by `home`, when known. */
export function expandHome(path: string, home: string | undefined): string {
  if (home === undefined || !/^~(?:\/|$)/.test(path)) return path;
  return home.replace(/\/+$/, "") + path.slice(1);
}

/**
 * The file name a `Content-Disposition` header gives: `filename*=UTF-8''…`
 * first, else `filename="…"`; cleaned. `undefined` when it gives none.
 */
export function dispositionName(header: string | null): string | undefined {
  if (header === null) return undefined;
  const extended = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header)?.[1];
  if (extended !== undefined) {
    try {
      return cleanFileName(decodeURIComponent(extended.trim()));
    } catch {
      // Not percent-encoded as it should be: try the plain name.
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))/i.exec(header);
  const name = plain?.[1]?.replace(/\\(.)/g, "$1") ?? plain?.[2]?.trim();
  return name === undefined || name === "" ? undefined : cleanFileName(name);
}

/** The file name the last part of `link`'s path gives, cleaned: `file` when it gives none. */
export function linkName(link: string): string {
  let last = "";
  try {
    last = new URL(link).pathname.split("/").pop() ?? "";
    last = decodeURIComponent(last);
  } catch {
    // Not a URL, or not percent-encoded as it should be: what is left is cleaned.
  }
  return cleanFileName(last);
}

/** What the terminal says once a download is saved: its name, its size and where it went. */
export function savedText(name: string, bytes: number, path: string): string {
  return `Saved ${sanitizeText(name)} (${formatBytes(bytes)}) as ${sanitizeText(path)}`;
}
