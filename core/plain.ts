// This module is browser compatible.

/**
 * How a line of {@linkcode Line | parts} reads on a display of characters:
 * the terminal and the plain-text transport. Notices start with `-- `,
 * errors with `!! `, and the time stamp and tags go in brackets:
 * `[14:02:11] [private] ann → you: psst`. A message of several lines takes
 * several rows, the further ones indented under its words; on a display of
 * known width a row too long for it is wrapped at its spaces, indented the
 * same way (a notice's or an error's under its words too, an indented line's
 * under its own text). The terminal
 * styles each run (client/render.ts); {@linkcode plainText} joins them
 * without styles.
 *
 * @module
 */

import type { Line, Part } from "./describe.ts";
import { stamp } from "./format.ts";

/**
 * A run of text as a character display shows it: a {@linkcode Part}, the time
 * stamp, or the words of a code block.
 */
export interface Run {
  /** The characters. */
  readonly text: string;
  /** The part's style, `time` for the time stamp, `code` in a code block; plain when left out. */
  readonly style?: Part["style"] | "time" | "code";
  /** For names: the name as the server sent it, for its colour. */
  readonly name?: string;
}

/** Options for {@linkcode textRuns} and {@linkcode plainText}. */
export interface PlainOptions {
  /** The time the line is shown at, for its stamp (see `stamp`). @default {Date.now()} */
  now?: number;
  /** The columns `text` takes, to indent further lines under the words. @default code points */
  width?: (text: string) => number;
  /**
   * The display's width: a longer row is wrapped at its spaces (inside a word
   * only for a word wider than a row), its further rows indented under the
   * words. @default {no wrapping}
   */
  columns?: number;
}

/**
 * Fewer columns than this left under the words, further rows are indented
 * under what follows the time stamp instead; fewer still, under what
 * follows a notice's `-- ` (an error's `!! `), else under two spaces.
 */
const MIN_WRAP_COLUMNS = 20;

/** The indent of further rows when no other leaves room: a row never starts at the left edge. */
const MIN_INDENT = 2;

/** The runs of `line`, in order, as a character display shows them at `options.now`. */
export function textRuns(line: Line, options: PlainOptions = {}): Run[] {
  const time: Run[] = line.ts === undefined
    ? []
    : [{ text: `[${stamp(line.ts, options.now ?? Date.now())}]`, style: "time" }, { text: " " }];
  const parts = line.parts.map((part) =>
    part.style === "tag" ? { ...part, text: `[${part.text}]` } : part
  );
  switch (line.kind) {
    case "notice":
      return [{ text: "-- " }, ...time, ...parts];
    case "error":
      return [{ text: "!! " }, ...time, ...parts];
    default:
      return [...time, ...parts];
  }
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function isWords(run: Run): boolean {
  return run.style === "text" || run.style === "mention";
}

/**
 * The rows `line` takes, each a list of runs: one, unless its words hold
 * several lines. Then each further line is indented to the column where the
 * words start, under the first; a code block starts on the second row, all its
 * runs styled `code`, and the first row ends after who speaks. With
 * `options.columns`, each row wider than that is wrapped at its spaces into
 * rows indented the same way: under the words, or under what follows the
 * time stamp when that leaves fewer than 20 columns. A line that starts with
 * white space (a line of indented code, of a nested list) has its further
 * rows indented by as much again, under its own text, unless that leaves
 * fewer than 20 columns.
 */
export function textRows(line: Line, options: PlainOptions = {}): Run[][] {
  const runs = textRuns(line, options);
  const code = line.tags?.includes("code") ?? false;
  const width = options.width ?? codePoints;
  const columnsBefore = (index: number) =>
    runs.slice(0, index).reduce((sum, run) => sum + width(run.text), 0);
  // What comes before the line's own parts: "-- " and the time stamp.
  const lead = runs.length - line.parts.length;
  // A shared file's line has no message's words: its words are what it says of the file, from
  // its part "shared" on, just before the file's name.
  const named = runs.findIndex((run) => run.style === "file");
  const start = line.file !== undefined && named > lead ? named - 1 : runs.findIndex(isWords);
  const fixed = start === -1 ? lead : start;
  const under = columnsBefore(fixed);
  const indent: Run = {
    text: " ".repeat(
      options.columns === undefined ? under : hangingIndent(options.columns, [
        under,
        columnsBefore(lead),
        // A notice's or an error's under its words, as when it has no time stamp.
        ...line.kind === "notice" || line.kind === "error" ? [columnsBefore(1)] : [],
      ]),
    ),
  };
  const wrap = (rows: Run[][]) => {
    const columns = options.columns;
    if (columns === undefined) return rows;
    return rows.flatMap((row, index) => {
      // A further row's first run is its indent; the line's own text comes after it.
      const before = index === 0 ? fixed : 1;
      // An indented line of words has its further rows under its own text, where that leaves
      // room to write in, as an editor's soft wrap keeps a line's indentation.
      const own = start === -1 ? 0 : leadingSpace(row.slice(before), width);
      const deeper = indent.text.length + own;
      const rowIndent = own > 0 && columns - deeper >= MIN_WRAP_COLUMNS
        ? { text: " ".repeat(deeper) }
        : indent;
      return wrapRow(row, before, { columns, indent: rowIndent, width });
    });
  };
  if (start === -1 || (!code && !runs.some((run) => run.text.includes("\n")))) return wrap([runs]);
  const first = runs.slice(0, start);
  const rows: Run[][] = [first];
  if (code) {
    const end = first.pop();
    const trimmed = end?.text.trimEnd() ?? "";
    if (end !== undefined && trimmed !== "") first.push({ ...end, text: trimmed });
    rows.push([]);
  }
  for (const run of runs.slice(start)) {
    const style = code && isWords(run) ? "code" : run.style;
    run.text.split("\n").forEach((piece, index) => {
      if (index > 0) rows.push([]);
      if (piece === "") return;
      const row = rows.at(-1)!;
      if (row.length === 0 && rows.length > 1) row.push(indent);
      row.push(style === undefined ? { text: piece } : { ...run, text: piece, style });
    });
  }
  return wrap(rows);
}

/** The columns the white space at the start of `runs` takes: a line's own indentation. */
function leadingSpace(runs: readonly Run[], width: (text: string) => number): number {
  let columns = 0;
  for (const run of runs) {
    const space = /^[^\S\ufeff]*/u.exec(run.text)![0];
    columns += width(space);
    if (space.length < run.text.length) break;
  }
  return columns;
}

/**
 * The first of `indents` that leaves {@linkcode MIN_WRAP_COLUMNS} to write in
 * on a row `columns` wide; none if none does.
 */
function hangingIndent(columns: number, indents: readonly number[]): number {
  // Never none: a further row at the left edge could pass for a line of its own, someone
  // else's, with a time stamp and a name typed into the text.
  return indents.find((indent) => columns - indent >= MIN_WRAP_COLUMNS) ??
    Math.min(MIN_INDENT, Math.max(0, columns - 1));
}

/**
 * Units that stay on the row of the number before them, so that a wrapped
 * notice never leaves `in 15` at the end of one row and `s…` at the start of
 * the next: time, sizes as `formatBytes` writes them, and the like.
 */
const UNITS = new Set([
  "%",
  "s",
  "ms",
  "min",
  "h",
  "d",
  "B",
  "bytes",
  "KiB",
  "MiB",
  "GiB",
  "TiB",
  "kB",
  "KB",
  "MB",
  "GB",
  "am",
  "pm",
]);

/** The punctuation a unit may carry: `(1.2 MiB)`, `in 15 s…`. */
const TRAILING = /[.,;:!?)\]…]+$/u;

/**
 * The spaces of `cells` not to break at: each between a number and its unit,
 * between a command and the number it takes (`/get 3`, which a row broken
 * in two would leave hard to read as one), and after a `·` that sets off
 * what follows it. The cells are a row's, in order.
 */
function unitSpaces(cells: readonly Cell[]): Set<Cell> {
  const glued = new Set<Cell>();
  const wordFrom = (start: number, step: 1 | -1) => {
    let word = "";
    for (let i = start; i >= 0 && i < cells.length && cells[i]!.text !== " "; i += step) {
      word = step > 0 ? word + cells[i]!.text : cells[i]!.text + word;
    }
    return word;
  };
  cells.forEach((cell, index) => {
    if (cell.text !== " ") return;
    const before = wordFrom(index - 1, -1);
    const after = wordFrom(index + 1, 1);
    const unit = /[0-9]$/.test(before) && UNITS.has(after.replace(TRAILING, ""));
    const command = /^\/\p{L}+$/u.test(before) && /^[0-9]+$/.test(after.replace(TRAILING, ""));
    if (unit || command || before === "\u00b7") glued.add(cell);
  });
  return glued;
}

/** One character as a row is wrapped: a grapheme, its columns, and the run it is part of. */
interface Cell {
  readonly text: string;
  readonly width: number;
  readonly run: Run;
}

/** How {@linkcode wrapRow} wraps. */
interface WrapOptions {
  /** The display's width. */
  readonly columns: number;
  /** What starts each further row. */
  readonly indent: Run;
  /** The columns text takes. */
  readonly width: (text: string) => number;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * `row` cut into rows of at most `options.columns`, each further one starting
 * with `options.indent`: at a space (which is dropped) after its first
 * `fixed` runs, or in them when they are too wide; inside a word only where
 * the word is wider than a further row, which it then fills, but for the
 * closing punctuation of Chinese and Japanese, which starts no row.
 */
function wrapRow(row: Run[], fixed: number, options: WrapOptions): Run[][] {
  const { columns, indent, width } = options;
  const cellsOf = (run: Run): Cell[] =>
    Array.from(graphemes.segment(run.text), ({ segment }) => ({
      text: segment,
      width: width(segment),
      run,
    }));
  const cells = row.flatMap(cellsOf);
  if (cells.reduce((sum, cell) => sum + cell.width, 0) <= columns) return [row];
  const glued = unitSpaces(cells);
  const indentCells = indent.text === ""
    ? []
    : [{ text: indent.text, width: width(indent.text), run: indent }];
  const room = columns - width(indent.text);
  // The columns of the word each cell is part of.
  const words = cells.map(() => 0);
  for (let start = 0; start < cells.length;) {
    let end = start;
    let sum = 0;
    while (end < cells.length && cells[end]!.text !== " ") sum += cells[end++]!.width;
    words.fill(sum, start, end);
    start = end + 1;
  }
  const rows: Cell[][] = [];
  let current: Cell[] = [];
  let used = 0;
  // Where the row may break: after its fixed runs (or the indent), else anywhere but at its start.
  let from = row.slice(0, fixed).flatMap(cellsOf).length;
  let first = 0;
  let broken = false;
  const next = (carried: Cell[]) => {
    rows.push(trimEnd(current));
    current = [...indentCells, ...carried];
    used = current.reduce((sum, cell) => sum + cell.width, 0);
    from = first = indentCells.length;
  };
  cells.forEach((cell, index) => {
    const space = cell.text === " ";
    // The spaces where a row is broken are dropped.
    if (broken && space) return;
    broken = false;
    if (used + cell.width > columns && current.length > first) {
      const at = breakAt(current, from, glued) ?? breakAt(current, first, glued);
      // A number's unit is carried with the number, unless nothing before it can break.
      if (space && (!glued.has(cell) || at === undefined)) {
        next([]);
        broken = true;
        return;
      }
      if (at !== undefined && words[index]! <= room) next(current.splice(at + 1));
      else next(current.splice(closedFrom(current, cell, { from, room })));
    }
    current.push(cell);
    used += cell.width;
  });
  rows.push(current);
  return rows.map(runsOf);
}

/**
 * Closing punctuation of Chinese and Japanese (and their ellipses), which
 * their typesetting never starts a line with.
 */
const CLOSING = /^[、。，．！？：；）］｝」』】〕〗〙〛〉》｠〞〟…‥｡､｣]$/u;

/**
 * Where the next row starts in `cells`, a row broken inside a word before
 * `cell`: after them all, unless `cell` is closing punctuation of Chinese
 * or Japanese (`。`, `」`), which goes to the next row with the character it
 * closes (and the punctuation between them), while some of the row's words
 * after `where.from` stay and what goes fits in `where.room` columns.
 */
function closedFrom(
  cells: readonly Cell[],
  cell: Cell,
  where: { from: number; room: number },
): number {
  if (!CLOSING.test(cell.text)) return cells.length;
  let at = cells.length - 1;
  while (at > where.from && CLOSING.test(cells[at]!.text)) at--;
  const carried = cells.slice(at).reduce((sum, each) => sum + each.width, cell.width);
  return at > where.from && cells[at]!.text !== " " && carried <= where.room ? at : cells.length;
}

/**
 * The last space in `cells` after a word that starts at or after `from`,
 * other than the `glued` ones.
 */
function breakAt(cells: readonly Cell[], from: number, glued: Set<Cell>): number | undefined {
  let word = false;
  let at: number | undefined;
  for (let i = from; i < cells.length; i++) {
    if (cells[i]!.text !== " ") word = true;
    else if (word && !glued.has(cells[i]!)) at = i;
  }
  return at;
}

/** `cells` without the spaces at their end. */
function trimEnd(cells: Cell[]): Cell[] {
  let end = cells.length;
  while (end > 0 && cells[end - 1]!.text === " ") end--;
  return cells.slice(0, end);
}

/** `cells` as runs: the cells of one run together again. */
function runsOf(cells: readonly Cell[]): Run[] {
  const runs: Run[] = [];
  let last: Run | undefined;
  for (const cell of cells) {
    if (cell.run === last) {
      const run = runs.pop()!;
      runs.push({ ...run, text: run.text + cell.text });
    } else runs.push({ ...cell.run, text: cell.text });
    last = cell.run;
  }
  return runs;
}

/**
 * `line` as rows of plain text: one, as {@linkcode plainText} says, and one
 * more for each further line of a message, indented under its words.
 *
 * @example
 * ```ts
 * plainLines({ kind: "message", parts: [{ text: "bob", style: "name" }, { text: ": " }, { text: "a\n  b", style: "text" }] });
 * // ["bob: a", "       b"]
 * ```
 */
export function plainLines(line: Line, options: PlainOptions = {}): string[] {
  return textRows(line, options).map((row) => row.map((run) => run.text).join(""));
}

/**
 * `line` as plain text, such as `-- [14:03:00] dave joined #lobby`
 * (`[2026-11-27 14:03:00]` for a line from another day than `options.now`);
 * the rows of a message of several lines (see {@linkcode plainLines}) joined by LF.
 *
 * @example
 * ```ts
 * plainText({ kind: "error", parts: [{ text: "Nobody is called zed" }] }); // "!! Nobody is called zed"
 * ```
 */
export function plainText(line: Line, options: PlainOptions = {}): string {
  return plainLines(line, options).join("\n");
}
