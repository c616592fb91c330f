/**
 * How text falls on a terminal: the rows a line wraps into at a given width,
 * with where its cursor shows, each character taking the columns
 * core/width.ts counts.
 *
 * @module
 */

import { textWidth, widthAfter } from "../core/width.ts";

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;

/** The code points in `text`. */
export function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** Finds where the characters a person sees begin and end. */
const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * Where the cursor at index `cursor` of `text` goes to pass over one
 * character as a person sees it (a grapheme cluster: 👨‍👩‍👧, or e and a
 * combining diaeresis, is one), left with `step` -1 and right with 1; the
 * cursor itself at the start or the end of `text`.
 *
 * @example
 * ```ts
 * graphemeEdge("a👨‍👩‍👧", 9, -1); // 1
 * graphemeEdge("e\u0308x", 0, 1); // 2
 * ```
 */
export function graphemeEdge(text: string, cursor: number, step: -1 | 1): number {
  if (step < 0 ? cursor <= 0 : cursor >= text.length) return cursor;
  const at = step < 0 ? cursor - 1 : cursor;
  // A line break is a character of its own: only the line around the cursor is looked at.
  if (text[at] === "\n") return cursor + step;
  const start = text.lastIndexOf("\n", at) + 1;
  const found = text.indexOf("\n", at);
  const end = found < 0 ? text.length : found;
  const segment = GRAPHEMES.segment(text.slice(start, end)).containing(at - start)!;
  return start + segment.index + (step < 0 ? 0 : segment.segment.length);
}

/** Finds the words of any script, a letter's accents in them. */
const WORDS = new Intl.Segmenter(undefined, { granularity: "word" });

/** A stretch of a line as the word keys see it: a word, spaces, or other characters. */
interface WordPiece {
  kind: "word" | "space" | "other";
  from: number;
  to: number;
}

/**
 * Where the cursor at index `cursor` of `text` goes to pass over one word,
 * left with `step` -1 (the spaces before it, then the word) and right with 1
 * (the word, then the spaces after it), as the word keys do (Alt-B, Alt-F;
 * Ctrl-W and Alt-D delete up to there). A word is one as Unicode finds them,
 * letters of any script with their accents and digits; a run of other
 * characters (punctuation, emoji) counts as one too. Only the line around
 * the cursor is looked at: a word never takes a line break with it.
 *
 * @example
 * ```ts
 * wordEdge("naïve café", 10, -1); // 6
 * wordEdge("one\ntwo", 4, -1); // 4: at the start of its line already
 * ```
 */
export function wordEdge(text: string, cursor: number, step: -1 | 1): number {
  const start = cursor === 0 ? 0 : text.lastIndexOf("\n", cursor - 1) + 1;
  const found = text.indexOf("\n", cursor);
  const end = found < 0 ? text.length : found;
  const pieces: WordPiece[] = [];
  for (const { segment, index, isWordLike } of WORDS.segment(text.slice(start, end))) {
    const kind = isWordLike ? "word" : /^\s+$/u.test(segment) ? "space" : "other";
    pieces.push({ kind, from: start + index, to: start + index + segment.length });
  }
  if (step < 0) {
    let at = pieces.findLastIndex((piece) => piece.from < cursor);
    while (at >= 0 && pieces[at]!.kind === "space") at--;
    if (at < 0) return start;
    const { kind } = pieces[at]!;
    while (kind !== "word" && at > 0 && pieces[at - 1]!.kind === kind) at--;
    return pieces[at]!.from;
  }
  let at = pieces.findIndex((piece) => piece.to > cursor);
  if (at < 0) return end;
  const { kind } = pieces[at]!;
  at++;
  while (kind !== "word" && at < pieces.length && pieces[at]!.kind === kind) at++;
  while (at < pieces.length && pieces[at]!.kind === "space") at++;
  return at < pieces.length ? pieces[at]!.from : end;
}

/**
 * Where in `line`, one line of no line break, the cursor goes to stand
 * `column` columns from its start: after the last character as a person
 * sees it (a grapheme cluster) that ends there or before, never inside one;
 * at the end of a line narrower than that.
 *
 * @example
 * ```ts
 * indexAtColumn("a漢b", 2); // 1: 漢 takes columns 1 and 2
 * indexAtColumn("e\u0301x", 1); // 2: after the e and its accent
 * ```
 */
export function indexAtColumn(line: string, column: number): number {
  let width = 0;
  let index = 0;
  for (const { segment } of GRAPHEMES.segment(line)) {
    width += textWidth(segment);
    if (width > column) break;
    index += segment.length;
  }
  return index;
}

/** One character as drawn: what is written, on which row, and the columns it takes. */
export interface Glyph {
  text: string;
  row: number;
  width: number;
}

/** Where text and a cursor in it fall on a terminal `columns` wide. */
export interface Layout {
  /** One glyph per code point of the text. */
  glyphs: Glyph[];
  /** Where the text ends: `col` is `columns` when its last row is full. */
  end: { row: number; col: number };
  /** Where the cursor shows: after a full row, at the start of the next one. */
  cursor: { row: number; col: number };
  /** The index of the first glyph after the cursor. */
  cursorGlyph: number;
}

/**
 * Lays `text` out in rows as the terminal wraps it: a character that does not
 * fit in what is left of a row starts the next one, and a line break (LF)
 * starts the next row too, as the glyph `"\r\n"` on that row. `cursor` is an
 * index into `text`.
 */
export function layout(text: string, cursor: number, columns: number): Layout {
  const glyphs: Glyph[] = [];
  let row = 0;
  let col = 0;
  let index = 0;
  let at: Layout["cursor"] | undefined;
  let cursorGlyph = 0;
  let previous: string | undefined;
  for (const char of text) {
    if (at === undefined && index >= cursor) {
      at = { row, col };
      cursorGlyph = glyphs.length;
    }
    index += char.length;
    let shown = char;
    let width = widthAfter(char, previous);
    previous = char;
    if (char === "\n") {
      // A line break of a draft of several lines: drawn as a move to the next row's start.
      [row, col] = [row + 1, 0];
      glyphs.push({ text: "\r\n", row, width: 0 });
      continue;
    }
    if (char === "\t") {
      // Drawn as the spaces to the next tab stop, so its width is known.
      if (col >= columns) [row, col] = [row + 1, 0];
      width = Math.min(8 - col % 8, columns - col);
      shown = " ".repeat(width);
    } else if (CONTROL.test(char)) {
      shown = "";
      width = 0;
    } else if (width > 0 && col + width > columns) {
      [row, col] = [row + 1, 0];
    }
    glyphs.push({ text: shown, row, width });
    col += width;
  }
  if (at === undefined) {
    at = { row, col };
    cursorGlyph = glyphs.length;
  }
  if (at.col >= columns) at = { row: at.row + 1, col: 0 };
  return { glyphs, end: { row, col }, cursor: at, cursorGlyph };
}
