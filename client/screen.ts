/** The terminal's size, the cursor moves the input line is drawn with, and writes to it. @module */

import process from "node:process";
import { textWidth } from "../core/width.ts";

const encoder = new TextEncoder();

/**
 * The terminal's size now. Asked of the terminal each time: the size Node's
 * `process.stdout` keeps changes only once the resize signal is handled, and
 * a terminal that rewraps its lines (tmux does) has already done so then.
 */
export function screenSize(): { columns: number; rows: number } {
  let size: { columns: number; rows: number };
  try {
    size = Deno.consoleSize();
  } catch {
    size = { columns: process.stdout.columns, rows: process.stdout.rows };
  }
  return { columns: Math.max(size.columns || 80, 2), rows: Math.max(size.rows || 24, 1) };
}

/**
 * Goes up `rows` rows to the start of that row and clears it and everything
 * below. Not with one "clear to the end of the screen" from the top left
 * corner: tmux then keeps a copy of the whole screen in the scrollback.
 */
export function clearUp(rows: number): string {
  return `\r${moveUp(rows)}\x1b[2G\x1b[J\r\x1b[K`;
}

/** Moves the cursor up `rows` rows, staying in its column. */
export function moveUp(rows: number): string {
  return rows > 0 ? `\x1b[${rows}A` : "";
}

// deno-lint-ignore no-control-regex
const SGR = /\x1b\[[0-9;:]*m/g;

/** The screen rows `lines` take on a terminal `columns` wide, a line too wide wrapping. */
export function screenRows(lines: readonly string[], columns: number): number {
  let rows = 0;
  for (const line of lines) {
    rows += Math.max(1, Math.ceil(textWidth(line.replace(SGR, "")) / columns));
  }
  return rows;
}

/** Writes `text` to standard output now, all of it, unless standard output is closed. */
export function writeOut(text: string): void {
  let bytes = encoder.encode(text);
  try {
    while (bytes.length > 0) bytes = bytes.subarray(Deno.stdout.writeSync(bytes));
  } catch {
    // Standard output is closed (for example piped into `head`); nothing to do.
  }
}
