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
const ESCAPE_TIMEOUT_MS = 50;

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
  const { history } = editor;
  if (history !== undefined && editor.line.trim() !== "") {
    const before = history.indexOf(editor.line);
    if (before >= 0) history.splice(before, 1);
    history.unshift(editor.line);
    history.length = Math.min(history.length, HISTORY_SIZE);
  }
  if (editor.historyIndex !== undefined) editor.historyIndex = -1;
  editor.line = "";
  editor.cursor = 0;
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
