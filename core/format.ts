// This module is browser compatible.

/**
 * How both clients, the terminal and the page, show time and find mentions,
 * so they agree on when a line was said, what rings a bell and what is
 * highlighted.
 *
 * @module
 */

import { type ServerFrame } from "../protocol.ts";
import { nameKey } from "./names.ts";
import { sanitizeLines, sanitizeText } from "./sanitize.ts";

/** Formats a timestamp as local `HH:MM:SS`. */
export function clock(ts: number): string {
  const date = new Date(ts);
  return [date.getHours(), date.getMinutes(), date.getSeconds()]
    .map((part) => String(part).padStart(2, "0"))
    .join(":");
}

/** Formats a timestamp as the local day, `YYYY-MM-DD`. */
export function day(ts: number): string {
  const date = new Date(ts);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}-${
    String(date.getDate()).padStart(2, "0")
  }`;
}

/**
 * How every client stamps a line: the local time, `HH:MM:SS`, for anything
 * from the day of `now`, else the day too, `YYYY-MM-DD HH:MM:SS`, so a
 * message from another day never passes for one from today.
 *
 * @example
 * ```ts
 * const now = new Date(2026, 10, 30, 6, 38, 31).getTime();
 * stamp(new Date(2026, 10, 30, 6, 38, 29).getTime(), now); // "06:38:29"
 * stamp(new Date(2026, 10, 27, 6, 38, 29).getTime(), now); // "2026-11-27 06:38:29"
 * ```
 */
export function stamp(ts: number, now: number): string {
  return day(ts) === day(now) ? clock(ts) : `${day(ts)} ${clock(ts)}`;
}

// With the `u` flag, escaping anything but syntax characters is an error: `\-` throws.
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Matches `me` as a whole word, optionally after `@`, ignoring case. */
export function mentionPattern(me: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}_])@?${escapeRegExp(me)}(?![\\p{L}\\p{N}_])`, "giu");
}

/** Reports whether `frame` is someone else's live message that names `me`, or a private message to `me`. */
export function isMention(frame: ServerFrame, me: string): boolean {
  if (me === "") return false;
  if (frame.type === "private") return nameKey(frame.from) !== nameKey(me);
  if (frame.type !== "message" || frame.replay) return false;
  if (nameKey(frame.from) === nameKey(me)) return false;
  // Match the text as it is shown, so the bell rings exactly when the name is highlighted.
  return mentionPattern(sanitizeText(me)).test(sanitizeLines(frame.text));
}

// The first line of a code block: three backquotes, then at most one word, its language.
const OPENING_FENCE = /^```[^\s`]*$/;
const FENCE = "```";

/**
 * The lines of a code block between its fences, or `undefined` when `text`
 * is no code block: a first line of ` ``` ` (optionally followed by one
 * word, a language) and a last line of ` ``` `. A block with nothing but
 * blanks between, or nothing at all, is empty: `""`.
 *
 * @example
 * ```ts
 * codeOf("```py\nif x:\n    y()\n```"); // "if x:\n    y()"
 * ```
 */
export function codeOf(text: string): string | undefined {
  const first = text.indexOf("\n");
  const last = text.lastIndexOf("\n");
  if (first === -1 || text.slice(last + 1) !== FENCE) return undefined;
  if (!OPENING_FENCE.test(text.slice(0, first))) return undefined;
  // An empty block, fences alone or around blank lines, is shown as empty rather than as fences.
  if (last === first) return "";
  const code = text.slice(first + 1, last);
  return code.trim() === "" ? "" : code;
}

/** `text` wrapped in fences, so that it is sent as a code block. */
export function fenced(text: string): string {
  return `${FENCE}\n${text}\n${FENCE}`;
}
