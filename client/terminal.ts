/**
 * The terminal edge of the client: owns `node:readline` (line editing,
 * history, Tab completion) and standard output. In interactive mode incoming
 * lines are printed above the input line, which is then redrawn intact.
 *
 * @module
 */

import process from "node:process";
import readline from "node:readline";
import { Writable } from "node:stream";

/** Returns completions for the text before the cursor, as `node:readline` expects. */
export type Completer = (line: string) => [string[], string];

/** Options for {@linkcode Terminal}. */
export interface TerminalOptions {
  /** Edit lines with cursor keys and redraw the prompt; else read plain lines. */
  interactive: boolean;
  /** Completes names and commands on Tab (interactive only). */
  completer?: Completer;
}

const encoder = new TextEncoder();

/** Reads the user's lines and prints above them. */
export class Terminal implements Disposable {
  readonly #interactive: boolean;
  readonly #rl: readline.Interface;
  readonly #queue: string[] = [];
  #onLine: ((line: string) => void) | undefined;
  #onEnd: (() => void) | undefined;
  #ended = false;
  #closed = false;
  #asking = false;
  readonly #echo = new EchoControl();

  constructor(options: TerminalOptions) {
    this.#interactive = options.interactive;
    this.#rl = options.interactive
      ? readline.createInterface({
        input: process.stdin,
        output: this.#echo,
        terminal: true,
        historySize: 500,
        removeHistoryDuplicates: true,
        ...(options.completer ? { completer: options.completer } : {}),
      })
      : readline.createInterface({ input: process.stdin, terminal: false });
    this.#rl.on("line", (line: string) => {
      if (this.#asking) return;
      if (this.#interactive) this.#eraseSubmitted(line);
      if (this.#onLine) this.#onLine(line);
      else this.#queue.push(line);
    });
    // Ctrl-C in raw mode arrives here; Ctrl-D on an empty line and end of input close.
    this.#rl.on("SIGINT", () => this.#end());
    this.#rl.on("close", () => {
      // Whoever closed readline, it is unusable from now on: print plainly, and
      // take the input line off the screen so nothing follows the prompt.
      if (this.#interactive && !this.#closed) this.#clearInput();
      this.#closed = true;
      this.#end();
    });
  }

  /** Whether lines are edited interactively. */
  get interactive(): boolean {
    return this.#interactive;
  }

  /** Delivers typed lines to `handler`, first those typed before it was set. */
  onLine(handler: (line: string) => void): void {
    this.#onLine = handler;
    for (const line of this.#queue.splice(0)) handler(line);
  }

  /** Calls `handler` once when the user presses Ctrl-C or Ctrl-D, or input ends. */
  onEnd(handler: () => void): void {
    this.#onEnd = handler;
    if (this.#ended) handler();
  }

  /** Asks one question; resolves to `undefined` if input ends first. */
  ask(question: string): Promise<string | undefined> {
    if (this.#ended) return Promise.resolve(undefined);
    this.#asking = true;
    return new Promise((resolve) => {
      const onEnd = () => resolve(undefined);
      this.#rl.once("close", onEnd);
      this.#rl.once("SIGINT", onEnd);
      this.#rl.question(question, (answer) => {
        this.#rl.off("close", onEnd);
        this.#rl.off("SIGINT", onEnd);
        this.#asking = false;
        resolve(answer);
      });
    });
  }

  /** Asks for a secret without echoing what is typed; `undefined` if input ends first. */
  async askSecret(question: string): Promise<string | undefined> {
    if (!this.#interactive) return await this.ask(question);
    process.stdout.write(question);
    this.#echo.muted = true;
    try {
      return await this.ask("");
    } finally {
      this.#echo.muted = false;
      process.stdout.write("\n");
    }
  }

  /** Sets the prompt shown before the input line and redraws it. */
  setPrompt(prompt: string): void {
    if (!this.#interactive || this.#closed) return;
    this.#rl.setPrompt(prompt);
    this.#rl.prompt(true);
  }

  /** Prints `lines` above the input line and redraws the input as it was. */
  print(lines: string[]): void {
    if (lines.length === 0) return;
    const text = lines.join("\n") + "\n";
    if (!this.#interactive || this.#closed) {
      writeOut(text);
      return;
    }
    // Clear the input line, print, then let readline redraw the prompt and
    // the half-typed line.
    this.#clearInput();
    process.stdout.write(text);
    this.#rl.prompt(true);
  }

  /** Rings the terminal bell. */
  bell(): void {
    if (this.#interactive && !this.#closed) process.stdout.write("\x07");
  }

  /** Restores the terminal and stops reading; later calls do nothing. */
  close(): void {
    if (!this.#closed) this.#rl.close();
    this.#echo.detach();
    process.stdin.pause();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Removes the line just submitted from the screen: what the user sent comes
   * back from the server stamped, and is printed then.
   */
  #eraseSubmitted(line: string): void {
    const columns = process.stdout.columns || 80;
    const rows = Math.floor(displayWidth(this.#rl.getPrompt() + line) / columns) + 1;
    readline.moveCursor(process.stdout, 0, -rows);
    readline.cursorTo(process.stdout, 0);
    readline.clearScreenDown(process.stdout);
  }

  /** Moves to the first row of the prompt and clears it and everything below. */
  #clearInput(): void {
    const { rows } = this.#rl.getCursorPos();
    readline.moveCursor(process.stdout, 0, -rows);
    readline.cursorTo(process.stdout, 0);
    readline.clearScreenDown(process.stdout);
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#onEnd?.();
  }
}

/**
 * Standard output as readline sees it: the same terminal, except that echo
 * can be muted while a password is typed.
 */
class EchoControl extends Writable {
  /** While set, readline's output (the echo of typed keys) is dropped. */
  muted = false;
  readonly isTTY = true;
  readonly #resize = () => this.emit("resize");

  constructor() {
    super();
    process.stdout.on("resize", this.#resize);
  }

  get columns(): number {
    return process.stdout.columns;
  }

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
    if (!this.muted) process.stdout.write(chunk);
    callback();
  }
}

// East Asian wide characters and emoji take two columns.
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|\p{Extended_Pictographic}/u;
const ZERO_WIDTH = /^[\p{M}\u200b-\u200f\ufe00-\ufe0f]$/u;

/** Columns `text` takes on a terminal, close enough for prompt arithmetic. */
function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    if (ZERO_WIDTH.test(char)) continue;
    width += WIDE.test(char) ? 2 : 1;
  }
  return width;
}

function writeOut(text: string): void {
  let bytes = encoder.encode(text);
  try {
    while (bytes.length > 0) bytes = bytes.subarray(Deno.stdout.writeSync(bytes));
  } catch {
    // Standard output is closed (for example piped into `head`); nothing to do.
  }
}
