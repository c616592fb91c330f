// This module is browser compatible.

/**
 * How a line of `/help` (a command's usage, then what it does) is cut into
 * rows on a display of characters of known width: the terminal, at its
 * width, and the plain-text transport, at {@linkcode PLAIN_HELP_COLUMNS}.
 *
 * @module
 */

import { HELP_USAGE_COLUMNS, type Line } from "./describe.ts";
import { plainText } from "./plain.ts";
import { textWidth } from "./width.ts";

/**
 * The width the plain-text transport cuts `/help` to, not knowing the
 * terminal's: the narrowest common one, so that no row wraps in the middle
 * of a word.
 */
export const PLAIN_HELP_COLUMNS = 80;

/**
 * Fewer columns than this left after the usage column, a command's
 * description goes on its own rows under the usage.
 */
const MIN_DESCRIPTION_COLUMNS = 30;

/** Where the rows of a description under its usage start. */
const DESCRIPTION_INDENT = 7;

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * `text` in rows of at most `room` columns, broken at its spaces; a word
 * wider than a row is cut, filling it.
 */
export function wordRows(text: string, room: number): string[] {
  const rows: string[] = [];
  let row = "";
  const fits = (text: string) => textWidth(text) <= room;
  for (const word of text.split(" ").filter((word) => word !== "")) {
    if (row !== "" && fits(`${row} ${word}`)) {
      row = `${row} ${word}`;
      continue;
    }
    if (row !== "") rows.push(row);
    row = "";
    for (const { segment } of graphemes.segment(word)) {
      if (row !== "" && !fits(row + segment)) {
        rows.push(row);
        row = "";
      }
      row += segment;
    }
  }
  rows.push(row);
  return rows;
}

/** `text` and the spaces that make it `width` columns wide. */
function padTo(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - textWidth(text)));
}

/** The text of the part of `line` in `style`, or `undefined`. */
function partText(line: Line, style: string): string | undefined {
  const part = line.parts.find((part) => typeof part !== "string" && part.style === style);
  return typeof part === "object" ? part.text : undefined;
}

/**
 * A line of `/help` (usage, then description) cut at its spaces into rows
 * of at most `columns`: the description's further rows under its first
 * word, and a usage wider than the usage column (see
 * {@linkcode HELP_USAGE_COLUMNS}) wrapped in that column; or, where the
 * usage column leaves it too little room, the usage on its own rows and the
 * description under it, indented. No row but the first starts at the left
 * edge.
 */
export function helpRows(line: Line, columns: number): string[] {
  const whole = plainText(line);
  const usage = partText(line, "usage");
  const description = partText(line, "description");
  if (usage === undefined || description === undefined || !whole.endsWith(description)) {
    return [whole];
  }
  const before = whole.slice(0, whole.indexOf(usage));
  const words = usage.trimEnd();
  // The same for every line of the list, whose usages are padded to one width.
  const column = Math.min(textWidth(usage), HELP_USAGE_COLUMNS);
  const lead = textWidth(before) + column + 2;
  const room = columns - lead;
  if (room >= MIN_DESCRIPTION_COLUMNS) {
    if (textWidth(whole) <= columns && textWidth(words) <= column) return [whole];
    const usageRows = wordRows(words, column);
    const descriptionRows = wordRows(description, room);
    const margin = " ".repeat(textWidth(before));
    return Array.from(
      { length: Math.max(usageRows.length, descriptionRows.length) },
      (_, i) =>
        `${i === 0 ? before : margin}${padTo(usageRows[i] ?? "", column)}  ${
          descriptionRows[i] ?? ""
        }`.trimEnd(),
    );
  }
  // "--   " and the usage, its further rows (if it has to wrap) under its start.
  const under = textWidth(before);
  const usageRows = wordRows(words, columns - under).map((text, i) =>
    (i === 0 ? before : " ".repeat(under)) + text
  );
  const indent = " ".repeat(DESCRIPTION_INDENT);
  return [
    ...usageRows,
    ...wordRows(description, columns - DESCRIPTION_INDENT).map((text) => indent + text),
  ];
}
