/**
 * Bracketed paste in the terminal: the terminal wraps what is pasted in
 * `ESC[200~` … `ESC[201~` once asked to with `ESC[?2004h`, so a paste of
 * several lines can become one draft instead of one message per line. This
 * module finds the paste among the keys `node:readline` reads, cleans it,
 * judges a draft of several lines against the limits of a message, and moves
 * the cursor between the lines of a draft. Pure: no I/O.
 *
 * @module
 */

import { MAX_TEXT_BYTES, MAX_TEXT_LINES, utf8Length } from "../protocol.ts";
import { shareInstead } from "../core/notices.ts";
import { expandTabs, sanitizeLines, sanitizeText } from "../core/sanitize.ts";
import { textWidth } from "../core/width.ts";
import { indexAtColumn } from "./layout.ts";

/** How the terminal shares a file, told with a text too long to be a message. */
export const SHARE_HOW = "with /send PATH";

/** Asks the terminal to bracket what is pasted. */
export const BRACKETED_PASTE_ON = "\x1b[?2004h";
/** Asks the terminal to stop bracketing what is pasted. */
export const BRACKETED_PASTE_OFF = "\x1b[?2004l";
/** What the terminal sends before a paste. */
export const PASTE_START = "\x1b[200~";
/** What the terminal sends after a paste. */
export const PASTE_END = "\x1b[201~";
/** A paste of more lines than this is pasted with a notice saying how to send or clear it. */
export const LONG_PASTE_LINES = 20;
/** The most a paste keeps while waiting for its end, in UTF-16 code units. */
const MAX_HELD = 1 << 20;

/** A key as `node:readline` reports it, as far as a paste is concerned. */
export interface PasteKey {
  /** What the terminal sent for the key. */
  sequence?: string | undefined;
  /** The key's name: Node names the markers `paste-start` and `paste-end`. */
  name?: string | undefined;
  /** The escape sequence's code: Deno's reader ends its code before the `~`. */
  code?: string | undefined;
}

/** What {@linkcode PasteKeys.take} makes of a key. */
export type PasteStep =
  | { kind: "key" }
  | { kind: "held" }
  | { kind: "pasted"; text: string };

/**
 * Finds bracketed pastes among keys. Node's reader names the markers
 * `paste-start` and `paste-end`; Deno 2.9's reads `ESC[200` as a key of code
 * `[200` and the `~` as the next key. Both are understood.
 */
export class PasteKeys {
  #state: "idle" | "opening" | "pasting" = "idle";
  #held = "";

  /** Whether a paste has begun and not ended. */
  get pasting(): boolean {
    return this.#state !== "idle";
  }

  /** Takes one key: an ordinary key, one held as part of a paste, or the end of a paste. */
  take(key: PasteKey): PasteStep {
    switch (this.#state) {
      case "idle":
        if (key.name === "paste-start" || key.code === "[200~") this.#begin();
        else if (key.code === "[200") this.#state = "opening";
        else return { kind: "key" };
        return { kind: "held" };
      case "opening":
        if (key.sequence !== "~") {
          this.#state = "idle";
          return { kind: "key" };
        }
        this.#begin();
        return { kind: "held" };
      case "pasting": {
        if (key.name === "paste-end" || key.code === "[201~") return this.#end(this.#held);
        if (this.#held.length < MAX_HELD) this.#held += key.sequence ?? "";
        if (!this.#held.endsWith(PASTE_END)) return { kind: "held" };
        return this.#end(this.#held.slice(0, -PASTE_END.length));
      }
    }
  }

  #begin(): void {
    this.#state = "pasting";
    this.#held = "";
  }

  #end(text: string): PasteStep {
    this.#state = "idle";
    this.#held = "";
    return { kind: "pasted", text };
  }
}

/**
 * What a paste puts in the input line: its line breaks (CR, LF, CRLF) one
 * LF each, tabs the spaces to the next multiple of 4 columns, and everything
 * else cleaned as a message's lines are (escape sequences gone, control
 * characters U+FFFD), without the blank lines around it. A paste of one line
 * keeps its spaces; one of several loses the spaces that end its lines, as
 * the message will.
 *
 * @example
 * ```ts
 * cleanPaste("def f():\r\treturn 1  \r"); // "def f():\n    return 1"
 * ```
 */
export function cleanPaste(raw: string): string {
  const text = raw.replace(/\r\n?/g, "\n").replace(/^\n+|\n+$/g, "");
  return text.includes("\n") ? sanitizeLines(text) : sanitizeText(expandTabs(text));
}

/**
 * The spaces Tab puts in a draft where `before` is what stands before the
 * cursor on its row: up to the next multiple of 4 columns, the tab stops a
 * message's tabs are made spaces to, so that the draft shows what is sent.
 *
 * @example
 * ```ts
 * indentation("  "); // "  "
 * ```
 */
export function indentation(before: string): string {
  return expandTabs(`${before}\t`).slice(before.length);
}

/**
 * `line` with each tab made the spaces up to the next multiple of 4 columns
 * of its row, as the message will have them, and `cursor` where it stood
 * among the same characters: a tab typed or pasted without brackets (which
 * `node:readline` puts in the line as it comes) is shown as it will be sent.
 *
 * @example
 * ```ts
 * expandDraftTabs("key\tvalue\tend", 14); // { line: "key value   end", cursor: 15 }
 * ```
 */
export function expandDraftTabs(line: string, cursor: number): { line: string; cursor: number } {
  if (!line.includes("\t")) return { line, cursor };
  const expand = (text: string) => text.split("\n").map(expandTabs).join("\n");
  // A row's tab stops are counted from its start: what is before the cursor is expanded alike.
  return { line: expand(line), cursor: expand(line.slice(0, cursor)).length };
}

/** Whether a draft holding `text` may be sent as one message, and what to say of it. */
export type DraftVerdict =
  | { ok: true; lines: number; notice?: string }
  | { ok: false; error: string };

/**
 * Judges the draft `text` that a paste of several lines would make: over
 * the protocol's limits it is refused with a line saying why, and that it
 * may be shared as a file `shareHow` the terminal does (`with /send PATH`)
 * when the server takes files; over {@linkcode LONG_PASTE_LINES} lines it
 * comes with a notice on how to send or clear it.
 */
export function judgeDraft(text: string, shareHow?: string): DraftVerdict {
  const clean = sanitizeLines(text);
  const lines = clean === "" ? 0 : clean.split("\n").length;
  const instead = shareHow === undefined ? "" : `; ${shareInstead(shareHow)}`;
  if (lines > MAX_TEXT_LINES) {
    const error =
      `Cannot paste: the message would have ${lines} lines, more than the ${MAX_TEXT_LINES} a message may hold${instead}`;
    return { ok: false, error };
  }
  const bytes = utf8Length(clean);
  if (bytes > MAX_TEXT_BYTES) {
    const error =
      `Cannot paste: the message would take ${bytes} bytes, more than the ${MAX_TEXT_BYTES} a message may hold${instead}`;
    return { ok: false, error };
  }
  if (lines <= LONG_PASTE_LINES) return { ok: true, lines };
  return {
    ok: true,
    lines,
    notice: `Paste of ${lines} lines: Enter sends it as one message, Esc clears it`,
  };
}

/**
 * Where the cursor goes in `text`, a draft of several lines, when it moves
 * `step` lines down (up if negative): as many columns from the start of
 * that line as `column` says (by default as it stands from the start of its
 * own, wide characters taking 2), or the end of a line too short for that,
 * never inside a character as a person sees it; `undefined` if there is no
 * such line. Kept from move to move, `column` is where the cursor goes back
 * to after a shorter line, as in an editor.
 *
 * @example
 * ```ts
 * moveToLine("漢字x\nabcd", 8, -1); // 2: "ab|cd" up, after 漢
 * ```
 */
export function moveToLine(
  text: string,
  cursor: number,
  step: number,
  column?: number,
): number | undefined {
  const starts = [0];
  for (let index = text.indexOf("\n"); index >= 0; index = text.indexOf("\n", index + 1)) {
    starts.push(index + 1);
  }
  let line = starts.length - 1;
  while (starts[line]! > cursor) line--;
  const target = line + step;
  if (target < 0 || target >= starts.length) return undefined;
  const start = starts[target]!;
  const end = target + 1 < starts.length ? starts[target + 1]! - 1 : text.length;
  const goal = column ?? textWidth(text.slice(starts[line]!, cursor));
  return start + indexAtColumn(text.slice(start, end), goal);
}

/** The columns the cursor stands at from the start of its line in `text`, a draft of several lines. */
export function cursorColumn(text: string, cursor: number): number {
  return textWidth(text.slice(lineEdge(text, cursor, "start"), cursor));
}

/**
 * Where the cursor goes in `text`, a draft of several lines, on Home
 * (`"start"`) or End (`"end"`): the start or the end of the line it is in.
 *
 * @example
 * ```ts
 * lineEdge("one\ntwo", 5, "start"); // 4
 * lineEdge("one\ntwo", 1, "end"); // 3
 * ```
 */
export function lineEdge(text: string, cursor: number, edge: "start" | "end"): number {
  if (edge === "start") return cursor === 0 ? 0 : text.lastIndexOf("\n", cursor - 1) + 1;
  const end = text.indexOf("\n", cursor);
  return end < 0 ? text.length : end;
}

/**
 * The row that stands for the `count` lines of a draft cut off `where` the
 * rows shown, or the `count` rows of a draft of one line.
 */
export function hiddenLines(
  count: number,
  where: "above" | "below",
  columns: number,
  unit: "line" | "row" = "line",
): string {
  const text = `… ${count} more ${unit}${count === 1 ? "" : "s"} ${where}`;
  return text.length < columns ? text : text.slice(0, Math.max(columns - 1, 0));
}
