/**
 * Draws lines of styled parts (core/describe.ts) as terminal text: names in
 * their palette colour, mentions in bold inverse, the time dim, notices dim
 * and errors red, or no styles at all. Pure: no I/O, so the tests call it
 * directly.
 *
 * @module
 */

import { styleText } from "node:util";
import { describeFrame, type Line } from "../core/describe.ts";
import { helpRows, wordRows } from "../core/help_rows.ts";
import { clock, isMention } from "../core/format.ts";
import { colorOf } from "../core/palette.ts";
import { plainLines, plainText, type Run, textRows } from "../core/plain.ts";
import { sanitizeText } from "../core/sanitize.ts";
import type { ServerFrame } from "../protocol.ts";
import { textWidth } from "../core/width.ts";

/** Options for {@linkcode renderFrame}. */
export interface RenderOptions {
  /** The user's own name, for mentions and private messages. */
  me: string;
  /** Whether to emit colours and styles. */
  color: boolean;
}

export { clock, isMention };

/** Paints `name` in its palette colour (xterm 256 colours: `styleText` has no such format). */
export function paintName(name: string, color: boolean): string {
  const safe = sanitizeText(name);
  return color ? nameColored(safe, name) : safe;
}

/** `text`, a name or a piece of one, in the palette colour of `name`. */
function nameColored(text: string, name: string): string {
  return `\x1b[1;38;5;${colorOf(name).ansi}m${text}\x1b[22;39m`;
}

function style(format: Parameters<typeof styleText>[0], text: string): string {
  return styleText(format, text, { validateStream: false });
}

function paint(run: Run): string {
  switch (run.style) {
    case "time":
      return style("dim", run.text);
    case "tag":
      return style("magenta", run.text);
    case "name":
    case "peer":
      // The text, not the name: a name may be cut where it meets the edge of the screen.
      return nameColored(run.text, run.name ?? run.text);
    case "mention":
      return style(["bold", "inverse"], run.text);
    case "code":
      return style("cyan", run.text);
    default:
      return run.text;
  }
}

/** Options for {@linkcode drawLine}. */
export interface DrawOptions {
  /**
   * The terminal's width: a divider is centred in it, and a longer line
   * wrapped at its spaces, under its words (see `textRows`).
   */
  columns?: number;
}

/**
 * A divider (a new day, what is new since the user left a room) as the
 * terminal draws it: centred when the width is known, dim. One wider than
 * the terminal is wrapped at its spaces, each row centred, rather than cut
 * mid-word by the terminal.
 */
function drawDivider(line: Line, color: boolean, columns: number | undefined): string[] {
  const text = plainText(line);
  const rows = columns === undefined || textWidth(text) <= columns
    ? [text]
    : wordRows(text, columns);
  return rows.map((row) => {
    const room = columns === undefined ? 0 : columns - textWidth(row);
    const centred = " ".repeat(Math.max(0, Math.floor(room / 2))) + row;
    return color ? style("dim", centred) : centred;
  });
}

/**
 * Draws one line as the terminal shows it, with styles if `color`: one row,
 * or one per line of a message of several lines and one per row a line too
 * wide for `options.columns` wraps into, the further ones indented under its
 * words, a code block's in its own colour.
 */
export function drawRows(line: Line, color: boolean, options: DrawOptions = {}): string[] {
  const { columns } = options;
  if (line.kind === "divider") return drawDivider(line, color, columns);
  if (line.tags?.includes("help") && columns !== undefined) {
    return helpRows(line, columns).map((row) => color ? style("dim", row) : row);
  }
  const plain = { width: textWidth, ...(columns === undefined ? {} : { columns }) };
  if (!color) return plainLines(line, plain);
  if (line.kind === "notice") return plainLines(line, plain).map((row) => style("dim", row));
  if (line.kind === "error") return plainLines(line, plain).map((row) => style("red", row));
  return textRows(line, plain).map((row) => row.map(paint).join(""));
}

/** The columns between two columns of usages in `/help`. */
const USAGES_GAP = 3;

/**
 * The usages of a compact `/help` (lines tagged `usages`) in as many
 * columns as fit in `columns`, read down each column, each column as wide
 * as its widest usage; one a row where not even two fit.
 */
function usageColumns(lines: readonly Line[], color: boolean, columns: number): string[] {
  const cells = lines.map((line) => line.parts.find((part) => part.style === "usage")?.text ?? "");
  // What goes before the first column: the mark of a notice and the indent, `--   `.
  const first = drawRows(lines[0]!, false)[0] ?? "";
  const lead = first.slice(0, Math.max(0, first.indexOf(cells[0]!)));
  const margin = textWidth(lead);
  const paint = (text: string) => color ? style("dim", text) : text;
  for (let count = Math.min(cells.length, 4); count > 1; count--) {
    const height = Math.ceil(cells.length / count);
    const grid = Array.from({ length: count }, (_, i) => cells.slice(i * height, (i + 1) * height));
    const widths = grid.map((column) => Math.max(...column.map((cell) => textWidth(cell))));
    const total = margin + widths.reduce((sum, width) => sum + width, 0) +
      USAGES_GAP * (count - 1);
    if (total > columns) continue;
    return Array.from({ length: height }, (_, row) => {
      const text = lead +
        grid.map((column, i) =>
          (column[row] ?? "").padEnd(i === count - 1 ? 0 : widths[i]! + USAGES_GAP)
        ).join("").trimEnd();
      return paint(text);
    });
  }
  // One a row, a usage wider than the row cut at its spaces, its further rows under its start.
  return cells.flatMap((cell) =>
    wordRows(cell, Math.max(columns - margin, 1)).map((row, i) =>
      paint((i === 0 ? lead : " ".repeat(margin)) + row)
    )
  );
}

/**
 * Draws `lines` as the terminal shows them, with styles if `color`: each as
 * {@linkcode drawRows} does, but the usages of a compact `/help` in columns
 * where the width is known.
 */
export function drawAll(
  lines: readonly Line[],
  color: boolean,
  options: DrawOptions = {},
): string[] {
  const { columns } = options;
  const rows: string[] = [];
  for (let i = 0; i < lines.length;) {
    const usages = (line: Line | undefined) => line?.tags?.includes("usages") === true;
    if (columns === undefined || !usages(lines[i])) {
      rows.push(...drawRows(lines[i]!, color, options));
      i++;
      continue;
    }
    let end = i;
    while (usages(lines[end])) end++;
    rows.push(...usageColumns(lines.slice(i, end), color, columns));
    i = end;
  }
  return rows;
}

/** Draws one line as the terminal shows it, with styles if `color`, its rows joined by LF. */
export function drawLine(line: Line, color: boolean, options: DrawOptions = {}): string {
  return drawRows(line, color, options).join("\n");
}

/**
 * Turns one server frame into the rows to print, or none.
 *
 * @example
 * ```ts
 * renderFrame(
 *   { type: "message", id: 1, ts: Date.now(), room: "#lobby", from: "ann", text: "hi" },
 *   { me: "bob", color: false },
 * ); // ["[12:00:00] ann: hi"]
 * ```
 */
export function renderFrame(frame: ServerFrame, options: RenderOptions): string[] {
  return describeFrame(frame, options.me).flatMap((line) => drawRows(line, options.color));
}
