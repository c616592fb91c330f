/** The input line drawn from readline's state, in rows as the terminal wraps it. @module */

import { codePoints, type Glyph, layout } from "./layout.ts";
import { hiddenLines } from "./paste.ts";
import { clearUp, moveUp, screenSize } from "./screen.ts";

/** Rows a draft of several lines leaves above it for the conversation, on a screen tall enough. */
const ROWS_LEFT = 4;

/** What an input line to draw is made of. */
export interface InputLine {
  /** The prompt before the text. */
  prompt: string;
  /** The text typed. */
  line: string;
  /** The cursor, as an index into `line`. */
  cursor: number;
}

/** The input line as it was last drawn, and what is needed to find its top row again. */
export interface DrawnLine extends InputLine {
  /** The terminal's width it was drawn at. */
  columns: number;
  /** The terminal's height it was drawn at. */
  rows: number;
  /** The screen rows the input line takes. */
  height: number;
  /** The whole line is on the screen and the cursor is at its end: typing can just append. */
  appendable: boolean;
  /**
   * What was written from the first row drawn up to the cursor. Laid out
   * again at the terminal's width, it says how many rows up that first row
   * is, even after the terminal has rewrapped it to a new width.
   */
  beforeCursor: string;
}

/** What {@linkcode drawInput} writes, and the input line drawn by it. */
export interface InputDrawing {
  /** What to write to the terminal. */
  text: string;
  /** The input line once `text` is written. */
  drawn: DrawnLine;
}

/**
 * Draws `input` in place of `drawn`, what was drawn before, on a screen of
 * `size`, in one write; `undefined` when that is drawn already.
 */
export function drawInput(
  input: InputLine,
  drawn: DrawnLine | undefined,
  size: { columns: number; rows: number },
): InputDrawing | undefined {
  const { columns, rows } = size;
  if (
    drawn !== undefined && drawn.prompt === input.prompt && drawn.line === input.line &&
    drawn.cursor === input.cursor && drawn.columns === columns && drawn.rows === rows
  ) return undefined;
  const text = input.prompt + input.line;
  const at = layout(text, input.prompt.length + input.cursor, columns);
  const total = Math.max(at.end.row, at.cursor.row) + 1;
  // A draft leaves a few rows above it to the conversation, when it has to be cut.
  const several = input.line.includes("\n");
  const height = draftRows(rows);
  const atEnd = input.cursor === input.line.length;
  const appendable = atEnd && total <= height;
  const joinsDrawn = drawn !== undefined && drawn.appendable && drawn.prompt === input.prompt &&
    drawn.columns === columns && input.line.startsWith(drawn.line);
  const added = joinsDrawn ? at.glyphs.slice(codePoints(input.prompt + drawn.line)) : [];
  if (joinsDrawn && appendable && added.every((glyph) => glyph.width > 0)) {
    // Typing at the end: write what was added, as readline would have.
    const text = added.map((glyph) => glyph.text).join("");
    return {
      text: at.end.col === columns ? `${text} \r` : text,
      drawn: {
        ...input,
        columns,
        rows,
        height: total,
        appendable,
        beforeCursor: drawn.beforeCursor + text,
      },
    };
  }
  // A draft taller than that is cut to the rows around the cursor, so that
  // none of it scrolls off the top into the scrollback. It says how many of
  // its lines it hides (rows, for a draft of one line), in place of its
  // first or last row shown.
  const marked = height >= 3;
  const top = total <= height
    ? 0
    : Math.min(total - height, marked ? Math.max(at.cursor.row - 1, 0) : at.cursor.row);
  const bottom = Math.min(top + height, total) - 1;
  const breaks = at.glyphs.filter((glyph) => glyph.text === "\r\n");
  const markers = new Map<number, string>();
  if (marked && top > 0) {
    const count = several ? 1 + breaks.filter((glyph) => glyph.row <= top).length : top + 1;
    markers.set(top, hiddenLines(count, "above", columns, several ? "line" : "row"));
  }
  if (marked && bottom < total - 1) {
    const count = several ? breaks.filter((glyph) => glyph.row >= bottom).length : total - bottom;
    markers.set(bottom, hiddenLines(count, "below", columns, several ? "line" : "row"));
  }
  const shown: { glyph: Glyph; index: number }[][] = [];
  for (let row = top; row <= bottom; row++) shown.push([]);
  at.glyphs.forEach((glyph, index) => {
    if (glyph.row >= top && glyph.row <= bottom) shown[glyph.row - top]!.push({ glyph, index });
  });
  let out = clearUp(drawn === undefined ? 0 : rowsAbove(drawn));
  let beforeCursor = "";
  let row = top;
  for (let index = top; index <= bottom; index++) {
    const glyphs = shown[index - top]!;
    const marker = markers.get(index);
    const opensWithBreak = glyphs[0]?.glyph.text === "\r\n";
    if (opensWithBreak) glyphs.shift();
    // Each row below the first is reached by a line break, or by the text wrapping onto it.
    if (index > top && (opensWithBreak || marker !== undefined || markers.has(index - 1))) {
      out += "\r\n";
      if (index <= at.cursor.row) beforeCursor += "\r\n";
      row = index;
    }
    if (marker !== undefined) {
      out += marker;
      if (index < at.cursor.row) beforeCursor += marker;
      row = index;
      continue;
    }
    for (const { glyph, index: place } of glyphs) {
      if (glyph.text === "") continue;
      out += glyph.text;
      if (place < at.cursorGlyph) beforeCursor += glyph.text;
      row = index;
    }
  }
  if (at.cursor.row > row) {
    // The text fills its last row: make the terminal start the next one.
    out += " ";
    row = at.cursor.row;
  }
  out += `${moveUp(row - at.cursor.row)}\x1b[${at.cursor.col + 1}G`;
  return {
    text: out,
    drawn: {
      ...input,
      columns,
      rows,
      height: bottom - top + 1,
      appendable,
      beforeCursor,
    },
  };
}

/** The most rows an input line is drawn on, on a screen of `rows`: the rest is cut. */
function draftRows(rows: number): number {
  return rows > ROWS_LEFT + 4 ? rows - ROWS_LEFT : rows;
}

/**
 * Whether `input` is too tall to be drawn whole on a screen of `size`, so
 * that only the rows around its cursor are shown.
 */
export function isCut(input: InputLine, size: { columns: number; rows: number }): boolean {
  const at = layout(input.prompt + input.line, input.prompt.length + input.cursor, size.columns);
  return Math.max(at.end.row, at.cursor.row) + 1 > draftRows(size.rows);
}

/** Takes `drawn` off the screen, leaving the cursor where its first row was. */
export function eraseInput(drawn: DrawnLine): string {
  return clearUp(rowsAbove(drawn));
}

/**
 * Whether `input`, drawn whole on a terminal `columns` wide, fills its last
 * row, which put the cursor at the start of a new one already.
 */
export function fillsLastRow(input: InputLine, columns: number): boolean {
  const at = layout(input.prompt + input.line, Infinity, columns);
  return at.cursor.col === 0 && at.cursor.row > 0;
}

/** How many rows above the cursor the first row of `drawn` is, at the terminal's width now. */
function rowsAbove(drawn: DrawnLine): number {
  return layout(drawn.beforeCursor, Infinity, screenSize().columns).cursor.row;
}
