/** `node:readline` as the terminal drives it: its set-up, its output, its line. @module */

import process from "node:process";
import readline from "node:readline";
import { Writable } from "node:stream";

/** Returns completions for the text before the cursor, as `node:readline` expects. */
export type Completer = (line: string) => [string[], string];

/** Lines kept for Up and Down. */
const HISTORY_SIZE = 500;

/**
 * How long ESC at the end of a read waits for the rest of an escape
 * sequence, in milliseconds: long enough for one cut by a slow link, short
 * enough that Esc acts at once (node:readline waits 500 ms).
 */
export const ESCAPE_TIMEOUT_MS = 50;

/** Options for {@linkcode createReadline}. */
export interface ReadlineOptions {
  /** Where readline writes, when it edits lines. */
  output: Writable;
  /** Completes names and commands on Tab, when it edits lines. */
  completer?: Completer | undefined;
}

/**
 * Reads standard input with `node:readline`: with `interactive`, a line
 * editor (cursor keys, history, Tab completion) writing to `options.output`;
 * else plain lines.
 */
export function createReadline(interactive: boolean, options: ReadlineOptions): readline.Interface {
  return interactive
    ? readline.createInterface({
      input: process.stdin,
      output: options.output,
      terminal: true,
      historySize: HISTORY_SIZE,
      removeHistoryDuplicates: true,
      escapeCodeTimeout: ESCAPE_TIMEOUT_MS,
      ...(options.completer ? { completer: options.completer } : {}),
    })
    : readline.createInterface({ input: process.stdin, terminal: false });
}

/** The line readline edits, which a paste changes directly, and what was sent before. */
export interface Editor {
  /** The text typed. */
  line: string;
  /** The cursor, as an index into `line`. */
  cursor: number;
  /** The lines sent, newest first. */
  history?: string[];
  /** Which of them Up and Down show, -1 for the line being typed. */
  historyIndex?: number;
}

/** The line `rl` edits, to change directly. */
export function editorOf(rl: readline.Interface): Editor {
  return rl as unknown as Editor;
}

/** Clears the line `editor` edits, which Up then brings back, as a line sent would be. */
export function clearEditorLine(editor: Editor): void {
  if (editor.history !== undefined) remember(editor.history, editor.line, 0);
  if (editor.historyIndex !== undefined) editor.historyIndex = -1;
  editor.line = "";
  editor.cursor = 0;
}

/** Puts `line` at the top of the history of `editor`, so that the next Up brings it back. */
export function rememberLine(editor: Editor, line: string): void {
  if (editor.history !== undefined) remember(editor.history, line, 0);
}

/**
 * Puts `line` in `history` (newest first) at `at`, unless it is blank: once
 * only, as readline keeps the lines sent, and no more than it keeps.
 */
function remember(history: string[], line: string, at: number): void {
  if (line.trim() === "") return;
  const before = history.indexOf(line);
  // Above `at` already: the line just sent.
  if (before >= 0 && before < at) return;
  if (before >= 0) history.splice(before, 1);
  history.splice(Math.min(at, history.length), 0, line);
  history.length = Math.min(history.length, HISTORY_SIZE);
}

/** A line as it was left: its text and where the cursor was in it. */
interface LeftLine {
  line: string;
  cursor: number;
}

/**
 * Up and Down through the lines sent, as a shell goes through its history,
 * in place of readline's, which searches for the lines that begin with the
 * text before the cursor and, finding none, leaves only that text on the
 * line. The draft being typed is kept while sent lines are shown, and comes
 * back as it was, cursor and all, after the newest; a line shown and
 * changed stays changed while the walk goes on. Once it ends (the line shown
 * sent or cleared, or refused words joining it), what it kept and no
 * longer shows goes into the history, under the line sent or cleared, so
 * that Up brings it back: nothing typed is lost.
 */
export class HistoryWalk {
  /** Which of the lines sent is shown, the newest 0; -1 for the draft. */
  #index = -1;
  /** The draft (at -1) and the lines sent that were changed while shown, as they were left. */
  readonly #left = new Map<number, LeftLine>();

  /**
   * Shows in `editor` the line sent before the one shown (`step` 1, Up) or
   * after it (-1, Down), past the newest the draft; returns whether there
   * was one. A line shown as sent has the cursor at its end going up, at the
   * end of its first line going down, so that the next Up or Down moves
   * between its lines first; a line as it was left, where it was.
   */
  step(editor: Editor, step: 1 | -1): boolean {
    const history = editor.history ?? [];
    const target = this.#index + step;
    if (target < -1 || target >= history.length) return false;
    if (this.#index === -1 || editor.line !== history[this.#index]) {
      this.#left.set(this.#index, { line: editor.line, cursor: editor.cursor });
    } else {
      this.#left.delete(this.#index);
    }
    this.#index = target;
    const left = this.#left.get(target);
    const line = left?.line ?? history[target]!;
    editor.line = line;
    editor.cursor = left?.cursor ??
      (step > 0 || !line.includes("\n") ? line.length : line.indexOf("\n"));
    return true;
  }

  /**
   * Ends the walk, the line shown becoming the draft (or gone, sent or
   * cleared): puts what it kept and no longer shows into the history of
   * `editor`, under `sent` if that is the newest there.
   */
  end(editor: Editor, sent?: string): void {
    const kept = [...this.#left].filter(([index]) => index !== this.#index)
      .sort(([a], [b]) => b - a);
    this.#index = -1;
    this.#left.clear();
    const { history } = editor;
    if (history === undefined) return;
    const at = sent !== undefined && history[0] === sent ? 1 : 0;
    // Oldest first, each under the newest: the draft goes in last, nearest the top.
    for (const [, left] of kept) remember(history, left.line, at);
  }
}

/**
 * Standard output as readline sees it: its size and resizes are the
 * terminal's, but what readline writes goes to `onWrite`, never to the
 * screen.
 */
export class ReadlineOutput extends Writable {
  /** readline edits lines only on a terminal. */
  readonly isTTY = true;
  readonly #resize = () => this.emit("resize");
  readonly #onWrite: (text: string) => void;

  /** Follows the terminal's size, and hands what readline writes to `onWrite`. */
  constructor(onWrite: (text: string) => void) {
    super({ decodeStrings: false });
    this.#onWrite = onWrite;
    process.stdout.on("resize", this.#resize);
  }

  /** The terminal's width, as `process.stdout` knows it. */
  get columns(): number {
    return process.stdout.columns;
  }

  /** The terminal's height, as `process.stdout` knows it. */
  get rows(): number {
    return process.stdout.rows;
  }

  /** Stops following the terminal's size. */
  detach(): void {
    process.stdout.off("resize", this.#resize);
  }

  override _write(
    chunk: Uint8Array | string,
    _encoding: string,
    callback: (error?: Error | null) => void,
  ): void {
    this.#onWrite(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk));
    callback();
  }
}
