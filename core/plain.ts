// This module is browser compatible.

/**
 * How a line of {@linkcode Line | parts} reads on a display of characters:
 * the terminal and the plain-text transport. Notices start with `-- `,
 * errors with `!! `, and the time stamp and tags go in brackets:
 * `[14:02:11] [private] ann → you: psst`. A message of several lines takes
 * several rows, the further ones indented under its words. The terminal
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
}

/** The runs of `line`, in order, as a character display shows them at `options.now`. */
export function textRuns(line: Line, options: PlainOptions = {}): Run[] {
  const time: Run[] = line.ts === undefined
    ? []
    : [{ text: `[${stamp(line.ts, options.now ?? Date.now())}]`, style: "time" }, { text: " " }];
  switch (line.kind) {
    case "notice":
      return [{ text: "-- " }, ...time, ...line.parts];
    case "error":
      return [{ text: "!! " }, ...time, ...line.parts];
    default:
      return [
        ...time,
        ...line.parts.map((part) =>
          part.style === "tag" ? { ...part, text: `[${part.text}]` } : part
        ),
      ];
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
 * runs styled `code`, and the first row ends after who speaks.
 */
export function textRows(line: Line, options: PlainOptions = {}): Run[][] {
  const runs = textRuns(line, options);
  const code = line.tags?.includes("code") ?? false;
  const start = runs.findIndex(isWords);
  if (start === -1 || (!code && !runs.some((run) => run.text.includes("\n")))) return [runs];
  const width = options.width ?? codePoints;
  const indent: Run = {
    text: " ".repeat(runs.slice(0, start).reduce((sum, run) => sum + width(run.text), 0)),
  };
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
  return rows;
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
