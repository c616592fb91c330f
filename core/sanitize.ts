// This module is browser compatible.

/**
 * Makes untrusted text safe to print on a terminal or to show on a page.
 *
 * @module
 */

import { PROTOCOL_VERSION, type ProtocolVersion } from "../protocol/limits.ts";
import { widthAfter } from "./width.ts";

// One alternation, tried left to right at each position:
// - CSI (ESC [ or 0x9B) with parameter, intermediate and final bytes;
// - OSC (ESC ] or 0x9D), which sets titles, links (OSC 8) and clipboards (OSC 52),
//   up to BEL or ST, or to the end of the text when it is not terminated;
// - DCS, SOS, PM and APC strings (ESC P/X/^/_ or 0x90/0x98/0x9E/0x9F) up to ST;
// - any other escape sequence: ESC, intermediates, one final byte.
const ESCAPE_SEQUENCE = new RegExp(
  [
    "(?:\\x1b\\[|\\x9b)[\\x30-\\x3f]*[\\x20-\\x2f]*[\\x40-\\x7e]?",
    "(?:\\x1b\\]|\\x9d)[^\\x07\\x1b\\x9c]*(?:\\x07|\\x1b\\\\|\\x9c)?",
    "(?:\\x1b[PX^_]|[\\x90\\x98\\x9e\\x9f])[^\\x1b\\x9c]*(?:\\x1b\\\\|\\x9c)?",
    "\\x1b[\\x20-\\x2f]*[\\x30-\\x7e]?",
  ].join("|"),
  "g",
);

// Everything that can move the cursor, change the screen or reorder text.
// Matching control characters is this module's purpose.
// deno-lint-ignore no-control-regex
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

// Line breaks and tabs become spaces: the text stays on its sender's line.
const SEPARATOR = /\r\n|[\t\n\r\u2028\u2029]/g;
// Other controls are shown as a visible replacement character, not dropped silently.
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;
// Bidirectional marks, embeddings, overrides and isolates: removed.
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

// One white space character, as `trim()` removes them.
const SPACE = /^\s$/;

/** Whether `char` is white space as Unicode has it: U+FEFF is a format character, not a space. */
function isSpace(char: string): boolean {
  return char !== "\ufeff" && SPACE.test(char);
}

/**
 * Returns `text` without white space at either end. Unlike `trim()`, it
 * keeps U+FEFF: a byte order mark means something only at the start of a
 * stream, which its reader drops; anywhere else it is part of the text.
 *
 * @example
 * ```ts
 * trimSpace(" \ufeffhi\u3000"); // "\ufeffhi"
 * ```
 */
export function trimSpace(text: string): string {
  let start = 0;
  while (start < text.length && isSpace(text[start]!)) start++;
  return trimSpaceEnd(text.slice(start));
}

/** Returns `text` without white space at its end; U+FEFF stays, as in {@linkcode trimSpace}. */
export function trimSpaceEnd(text: string): string {
  let end = text.length;
  while (end > 0 && isSpace(text[end - 1]!)) end--;
  return text.slice(0, end);
}

/** Shown in place of a control character. */
export const REPLACEMENT = "\ufffd";

/**
 * Returns `text` with every terminal escape sequence removed, other control
 * characters replaced by U+FFFD, tabs and line breaks turned into spaces,
 * bidirectional overrides removed, and lone surrogates replaced by U+FFFD. The result is one line that cannot
 * move the cursor, change colours, set a title, write the clipboard or make
 * text read in another order.
 *
 * @example
 * ```ts
 * sanitizeText("hi\x1b[2J\x1b]0;pwned\x07!"); // "hi!"
 * ```
 */
export function sanitizeText(text: string): string {
  if (!UNSAFE.test(text) && text.isWellFormed()) return text;
  return text
    .toWellFormed()
    .replace(ESCAPE_SEQUENCE, "")
    .replace(SEPARATOR, " ")
    .replace(CONTROL, REPLACEMENT)
    .replace(BIDI, "");
}

// Characters that a quote of typed text writes as escapes, besides those JSON escapes: the
// other controls, line and paragraph separators, and everything that shows nothing (direction
// marks, zero-width and other default-ignorable characters, the Braille blank).
const UNSEEN_IN_QUOTES = /[\p{Cc}\p{Default_Ignorable_Code_Point}\u2028\u2029\u2800]/gu;

/**
 * Quotes `text` as someone typed it, for a message about it: in double
 * quotes, escaped as in JSON, and every character that would not show
 * (controls, direction marks, zero-width characters and the like) written
 * as `\uXXXX` (`\u{XXXXX}` beyond U+FFFF), so the quote shows all there
 * is to it and nothing in it can act on a terminal or a page.
 *
 * @example
 * ```ts
 * quoteTyped("a\x1b[2Jb\u200d"); // '"a\\u001b[2Jb\\u200d"'
 * ```
 */
export function quoteTyped(text: string): string {
  return JSON.stringify(text).replace(UNSEEN_IN_QUOTES, (char) => {
    const code = char.codePointAt(0)!;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

// Line breaks of every kind, each made one LF in text of several lines.
const LINE_BREAK = /\r\n|[\n\r\u2028\u2029]/g;
// Everything sanitizeLines changes, LF aside.
const UNSAFE_LINES =
  // deno-lint-ignore no-control-regex
  /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
// Columns from one tab stop to the next.
const TAB_STOP = 4;

/**
 * Returns `line` with each tab made the spaces up to the next multiple of 4
 * columns, counted as a terminal shows them (core/width.ts): a wide
 * character (中, 😀) takes two, a combining accent none.
 *
 * @example
 * ```ts
 * expandTabs("中\tx"); // "中  x"
 * ```
 */
export function expandTabs(line: string): string {
  if (!line.includes("\t")) return line;
  let out = "";
  let column = 0;
  let previous: string | undefined;
  for (const char of line) {
    if (char === "\t") {
      const spaces = TAB_STOP - column % TAB_STOP;
      out += " ".repeat(spaces);
      column += spaces;
    } else {
      out += char;
      column += widthAfter(char, previous);
    }
    previous = char;
  }
  return out;
}

/**
 * Returns `text` cleaned as text of several lines (protocol version 2): every
 * line break (LF, CRLF, CR, U+2028, U+2029) one LF, tabs made spaces up to the
 * next multiple of 4 columns, each line's trailing whitespace removed, and
 * empty lines at the start and the end removed. Indentation and inner spaces
 * are kept; everything else is cleaned as {@linkcode sanitizeText} cleans it.
 *
 * @example
 * ```ts
 * sanitizeLines("\r\nif x:\r\n\treturn 1  \n\n"); // "if x:\n    return 1"
 * ```
 */
export function sanitizeLines(text: string): string {
  let clean = text;
  if (UNSAFE_LINES.test(text) || !text.isWellFormed()) {
    clean = text
      .toWellFormed()
      .replace(ESCAPE_SEQUENCE, "")
      .replace(LINE_BREAK, "\n")
      .replace(BIDI, "")
      .split("\n")
      .map((line) => expandTabs(line).replace(CONTROL, REPLACEMENT))
      .join("\n");
  }
  if (!clean.includes("\n")) return trimSpaceEnd(clean);
  const lines = clean.split("\n").map(trimSpaceEnd);
  let first = 0;
  let last = lines.length;
  while (first < last && lines[first] === "") first++;
  while (last > first && lines[last - 1] === "") last--;
  return lines.slice(first, last).join("\n");
}

/**
 * Returns the text of a message as the server posts it, from a client of
 * protocol `version`: in version 1 on one line ({@linkcode sanitizeText},
 * trimmed), after it in lines ({@linkcode sanitizeLines}). What a client
 * counts of a draft is counted on it, so that it refuses what the server
 * would refuse, and only that.
 *
 * @example
 * ```ts
 * cleanMessage("x\t  \n\ty", 2); // "x\n    y"
 * ```
 */
export function cleanMessage(text: string, version: ProtocolVersion): string {
  return version === PROTOCOL_VERSION ? trimSpace(sanitizeText(text)) : sanitizeLines(text);
}

/** Reports whether `text` holds anything {@linkcode sanitizeText} would change. */
export function isSafeText(text: string): boolean {
  return !UNSAFE.test(text) && text.isWellFormed();
}
