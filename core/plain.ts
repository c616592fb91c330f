// This module is browser compatible.

/**
 * How a line of {@linkcode Line | parts} reads on a display of characters:
 * the terminal and the plain-text transport. Notices start with `-- `,
 * errors with `!! `, and the time stamp and tags go in brackets:
 * `[14:02:11] [private] ann → you: psst`. The terminal styles each run
 * (client/render.ts); {@linkcode plainText} joins them without styles.
 *
 * @module
 */

import type { Line, Part } from "./describe.ts";
import { stamp } from "./format.ts";

/** A run of text as a character display shows it: a {@linkcode Part}, or the time stamp. */
export interface Run {
  /** The characters. */
  readonly text: string;
  /** The part's style, `time` for the time stamp; plain when left out. */
  readonly style?: Part["style"] | "time";
  /** For names: the name as the server sent it, for its colour. */
  readonly name?: string;
}

/** Options for {@linkcode textRuns} and {@linkcode plainText}. */
export interface PlainOptions {
  /** The time the line is shown at, for its stamp (see `stamp`). @default {Date.now()} */
  now?: number;
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

/**
 * `line` as one line of plain text, such as `-- [14:03:00] dave joined #lobby`
 * (`[2026-11-27 14:03:00]` for a line from another day than `options.now`).
 *
 * @example
 * ```ts
 * plainText({ kind: "error", parts: [{ text: "Nobody is called zed" }] }); // "!! Nobody is called zed"
 * ```
 */
export function plainText(line: Line, options: PlainOptions = {}): string {
  return textRuns(line, options).map((run) => run.text).join("");
}
