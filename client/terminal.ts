/**
 * The terminal edge of the client: owns `node:readline` (line editing,
 * history, Tab completion) and standard output. In interactive mode incoming
 * lines are printed above the input line, which is then redrawn intact.
 *
 * readline edits the line; this file draws it. readline's own drawing finds
 * the top of the input line by counting rows it remembers, a count that goes
 * wrong as soon as anything else is printed, the terminal is resized or a
 * wide character wraps, and it redraws the whole line at every wrap, which
 * scrolls copies of a line taller than the screen into the scrollback. So
 * readline writes to a sink that only says "the line changed", and the
 * input line is drawn here from readline's state: the prompt, the text and
 * the cursor, laid out in rows as the terminal wraps them, cut to the
 * screen's height.
 *
 * The lines printed above the input line are kept, as the means to draw
 * them (client/render.ts), not as text: when the terminal's width changes,
 * they are drawn again at the new width, wrapped at their spaces and
 * indented under their words as if they had just arrived, rather than cut
 * wherever the terminal rewraps them. The terminal's own rewrapped copies
 * are cleared first, the scrollback with the screen, so that scrolling back
 * shows each line once.
 *
 * The terminal is asked to bracket pastes (client/paste.ts) from the start
 * until the client ends, however it ends. A paste is taken whole, apart from
 * the keys typed: one of several lines becomes a draft of several lines,
 * drawn row by row and sent as one message on Enter. Esc and a key typed
 * after it are two keys, however quickly: a terminal sends Alt and a key in
 * one write, a person's Esc and key come in two reads (client/keys.ts).
 *
 * @module
 */

import process from "node:process";
import readline from "node:readline";
import { Writable } from "node:stream";
import { cursorToEnd, joinDraft, type Offered } from "../core/effects.ts";
import { pressedApart, type ReadKey } from "./keys.ts";
import { codePoints, type Glyph, layout, textWidth } from "./layout.ts";
import {
  BRACKETED_PASTE_OFF,
  BRACKETED_PASTE_ON,
  cleanPaste,
  hiddenLines,
  judgeDraft,
  moveToLine,
  PasteKeys,
} from "./paste.ts";

/** Returns completions for the text before the cursor, as `node:readline` expects. */
export type Completer = (line: string) => [string[], string];

/** A key pressed, as `node:readline` names it: `{ name: "n", ctrl: true }` for Ctrl+N. */
export interface Key {
  /** The key's name: a letter or digit, `return`, `up`… */
  name?: string;
  /** Ctrl was held. */
  ctrl?: boolean;
  /** Alt (Meta) was held. */
  meta?: boolean;
  /** Shift was held. */
  shift?: boolean;
}

/**
 * Lines to print, as the rows they take on a terminal `columns` wide (or
 * not known to be a terminal, `undefined`): drawn again when the width changes.
 */
export type Drawing = (columns: number | undefined) => readonly string[];

/** A line the terminal has to say of its own, such as what became of a paste. */
export interface TerminalNotice {
  /** An error (the paste was not taken) or a notice. */
  kind: "error" | "notice";
  /** What to say. */
  text: string;
}

/** A key that leaves the client: Ctrl-C, or Ctrl-D on an empty line. */
export type LeaveKey = "Ctrl-C" | "Ctrl-D";

/** Options for {@linkcode Terminal}. */
export interface TerminalOptions {
  /** Edit lines with cursor keys and redraw the prompt; else read plain lines. */
  interactive: boolean;
  /** Completes names and commands on Tab (interactive only). */
  completer?: Completer;
  /**
   * How a text too long for a message may be shared as a file instead
   * (`with /send PATH`), said when a paste is refused; `undefined` while the
   * server takes no files. @default {nothing said}
   */
  shareHow?: () => string | undefined;
}

const encoder = new TextEncoder();

/** Rows a draft of several lines leaves above it for the conversation, on a screen tall enough. */
const ROWS_LEFT = 4;

/**
 * How long the terminal's size stays the same before its lines are drawn
 * again, in ms: longer than the 250 ms tmux may take to pass on each of the
 * resizes of a window being dragged.
 */
const REWRAP_DELAY_MS = 300;

/**
 * The most printed lines kept to draw again at a new width: the scrollback
 * a resize leaves, as many rows as a terminal commonly keeps or more.
 */
const MAX_PRINTED = 2_000;

/** Lines printed above the input line, as they are on the screen. */
interface Printed {
  draw: Drawing;
  /** The screen rows they take at the width they were last drawn at. */
  rows: number;
}

/** What an input line to draw is made of. */
interface Input {
  prompt: string;
  line: string;
  /** The cursor, as an index into `line`. */
  cursor: number;
}

/** The input line as it was last drawn, and what is needed to find its top row again. */
interface Drawn extends Input {
  columns: number;
  rows: number;
  /** The screen rows the input line takes. */
  height: number;
  /** The whole line is on the screen and the cursor is at its end: typing can just append. */
  appendable: boolean;
  /**
   * What was written from the first row drawn up to the cursor. Laid out
   * again at the terminal's width, it says how many rows up that first row
   * is, even after the terminal has rewrapped it to a new width.
   */
  beforeCursor: string;
}

/** The line readline edits, which a paste changes directly, and what was sent before. */
interface Editor {
  line: string;
  cursor: number;
  /** The lines sent, newest first. */
  history?: string[];
  /** Which of them Up and Down show, -1 for the line being typed. */
  historyIndex?: number;
}

/** Lines kept for Up and Down. */
const HISTORY_SIZE = 500;

/**
 * How long ESC at the end of a read waits for the rest of an escape
 * sequence, in milliseconds: long enough for one cut by a slow link, short
 * enough that Esc acts at once (node:readline waits 500 ms).
 */
const ESCAPE_TIMEOUT_MS = 50;

/** ESC, as a terminal sends it for Esc and before an Alt key or an escape sequence. */
const ESC = 0x1b;

/** Events on which the program ends without closing the terminal first. */
const LEAVING_EVENTS = ["error", "unhandledrejection", "unload"] as const;

/** Reads the user's lines and prints above them. */
export class Terminal implements Disposable {
  readonly #interactive: boolean;
  readonly #shareHow: (() => string | undefined) | undefined;
  readonly #rl: readline.Interface;
  readonly #queue: string[] = [];
  #onLine: ((line: string) => void) | undefined;
  #onKey: ((key: Key) => boolean) | undefined;
  #onResize: (() => void) | undefined;
  readonly #resized = () => {
    // A window dragged to a new size is resized many times: its lines are drawn again once.
    if (this.#resizing === undefined && this.#drawn !== undefined) {
      this.#resizing = { rows: this.#drawn.rows, height: this.#drawn.height, drawn: false };
    }
    clearTimeout(this.#rewrapTimer);
    this.#rewrapTimer = setTimeout(() => this.#rewrap(), REWRAP_DELAY_MS);
    this.#onResize?.();
  };
  /**
   * The screen's height and the input line's before the size began to
   * change, and whether anything was drawn since at another width than the
   * printed lines were laid out at.
   */
  #resizing: { rows: number; height: number; drawn: boolean } | undefined;
  #rewrapTimer: ReturnType<typeof setTimeout> | undefined;
  /** The width the printed lines were laid out at, once there are some. */
  #laidColumns: number | undefined;
  /** What was printed above the input line, oldest first, to draw again at a new width. */
  readonly #printed: Printed[] = [];
  /** How many of `#printed` came before the screen was last cleared (Ctrl-L): not on it. */
  #cleared = 0;
  /** The screen was cleared (Ctrl-L) or drawn again from its top: all it shows was printed here. */
  #ownScreen = false;
  #onEnd: (() => void) | undefined;
  #onLeave: ((key: LeaveKey) => boolean) | undefined;
  /** The user was told why not to leave, and pressed no other key since: the next leave key leaves. */
  #warned = false;
  #onNotice: ((notice: TerminalNotice) => void) | undefined;
  #onKeystroke: ((draft: string, changed: boolean) => void) | undefined;
  #ended = false;
  #closed = false;
  #asking = false;
  /** Whether a prompt was set: until then only typed text is drawn. */
  #prompted = false;
  /** While set, nothing of the input line is drawn: a password is being typed. */
  #secret = false;
  #drawn: Drawn | undefined;
  /** The input line and its cursor once words the server refused last came back to it. */
  #offered: Offered | undefined;
  #scheduled = false;
  /**
   * What is to be written to the terminal at the end of this turn. A line
   * printed above the input line takes the input line off, writes the line
   * and draws the input line again: written at once, the three go out as one
   * write, so that the terminal never shows the screen between them, the
   * input line missing, as a flicker.
   */
  #pending = "";
  #flushQueued = false;
  readonly #output = new ReadlineOutput((text) => this.#readlineWrote(text));
  readonly #onKeypress = (_text: unknown, key: Key | undefined) => this.#keypress(key);
  /** readline's own keypress listener, called for every key `onKey` does not take. */
  #editorKeypress: ((text: unknown, key: ReadKey | undefined) => void) | undefined;
  readonly #paste = new PasteKeys();
  /** The last read ended with ESC, which readline has not yet given as a key. */
  #escapeEnded = false;
  /** The first key of this read may be that ESC read together with this read's start. */
  #escapeBefore = false;
  /** Sees each read before readline does. */
  readonly #onData = (chunk: Uint8Array | string) => {
    this.#escapeBefore = this.#escapeEnded;
    const last = chunk.at(-1);
    this.#escapeEnded = last === ESC || last === "\x1b";
  };
  /** Whether the terminal was asked to bracket pastes and not yet asked to stop. */
  #bracketing = false;
  /** Stops bracketing pastes however the program ends: SIGTERM, an uncaught error, an exit. */
  readonly #leaving = () => this.#stopBracketing();
  readonly #terminated = () => this.#rl.close();

  constructor(options: TerminalOptions) {
    this.#interactive = options.interactive;
    this.#shareHow = options.shareHow;
    this.#rl = options.interactive
      ? readline.createInterface({
        input: process.stdin,
        output: this.#output,
        terminal: true,
        historySize: HISTORY_SIZE,
        removeHistoryDuplicates: true,
        escapeCodeTimeout: ESCAPE_TIMEOUT_MS,
        ...(options.completer ? { completer: options.completer } : {}),
      })
      : readline.createInterface({ input: process.stdin, terminal: false });
    if (options.interactive) {
      // readline's listener, added last, sees only the keys `onKey` leaves to it.
      const editor = process.stdin.listeners("keypress").at(-1) as
        | ((text: unknown, key: Key | undefined) => void)
        | undefined;
      if (editor !== undefined) {
        process.stdin.off("keypress", editor);
        const route = (text: unknown, key: ReadKey | undefined, escapeBefore = false): void => {
          if (!this.#closed && key !== undefined) {
            const step = this.#paste.take(key);
            if (step.kind === "held") return;
            if (step.kind === "pasted") return this.#pasted(step.text);
            // Esc, then a key in a read of its own, read together as Alt and that key: two keys.
            const apart = escapeBefore ? pressedApart(key) : undefined;
            if (apart !== undefined) {
              for (const pressed of apart) route(pressed.text, pressed.key);
              return;
            }
            if (!this.#asking && (this.#draftKey(key) || this.#clearKey(key))) return;
            // Ctrl-D on an empty line, which would close the line editor.
            const eof = key.ctrl && !key.meta && key.name === "d" && this.#rl.line === "";
            if (eof && !this.#asking && !this.#mayLeave("Ctrl-D")) return;
          }
          const editing = this.#closed || this.#asking || key === undefined;
          if (editing || !this.#onKey?.(key)) editor.call(process.stdin, text, key);
        };
        this.#editorKeypress = (text, key) => {
          // Only the first key of a read can hold an ESC that ended the read before.
          const escapeBefore = this.#escapeBefore;
          this.#escapeBefore = false;
          // That ESC given alone, once no more came in time.
          if (key?.sequence === "\x1b") this.#escapeEnded = false;
          if (!(key?.ctrl && (key.name === "c" || key.name === "d"))) this.#warned = false;
          const before = this.#rl.line;
          route(text, key, escapeBefore);
          // Keys held while a paste arrives count once, when it is taken.
          if (this.#closed || this.#asking || key === undefined || this.#paste.pasting) return;
          this.#onKeystroke?.(this.#rl.line, this.#rl.line !== before);
        };
        process.stdin.on("keypress", this.#editorKeypress);
        // Before readline's own reader, to know where each read ends.
        process.stdin.prependListener("data", this.#onData);
      }
    }
    // After readline's own listener, which it added above.
    if (options.interactive) process.stdin.on("keypress", this.#onKeypress);
    if (options.interactive) process.stdout.on("resize", this.#resized);
    if (options.interactive) this.#startBracketing();
    this.#rl.on("line", (line: string) => {
      if (this.#asking) return;
      // What the user sent comes back from the server stamped, and is printed then.
      if (this.#interactive) this.#erase();
      if (this.#onLine) this.#onLine(line);
      else this.#queue.push(line);
    });
    // Ctrl-C in raw mode arrives here; Ctrl-D on an empty line and end of input close.
    this.#rl.on("SIGINT", () => {
      if (this.#asking || this.#mayLeave("Ctrl-C")) this.#end();
    });
    this.#rl.on("close", () => {
      // Whoever closed readline, it is unusable from now on: print plainly, and
      // take the input line off the screen so nothing follows the prompt.
      if (this.#interactive && !this.#closed) this.#erase();
      this.#closed = true;
      this.#stopBracketing();
      process.stdin.off("keypress", this.#onKeypress);
      process.stdout.off("resize", this.#resized);
      if (this.#editorKeypress !== undefined) process.stdin.off("keypress", this.#editorKeypress);
      process.stdin.off("data", this.#onData);
      this.#end();
    });
  }

  /** Whether lines are edited interactively. */
  get interactive(): boolean {
    return this.#interactive;
  }

  /** The terminal's width now, in columns. */
  get columns(): number {
    return screenSize().columns;
  }

  /**
   * Puts `text` in the input line, on a line of its own after what is typed
   * there, unless a question is asked (interactive only): the words of a
   * line the server refused come back to be mended or sent again. Of
   * several refused at once none is lost: they make a draft of several
   * lines, in the order typed, as a paste of several lines does. The cursor
   * stays where the user was typing, if they were; else it goes to the end.
   * Up brings each back as well, as every line sent.
   */
  offer(text: string): void {
    if (!this.#interactive || this.#closed || this.#asking) return;
    const editor = this.#rl as unknown as Editor;
    const toEnd = cursorToEnd(editor.line, editor.cursor, this.#offered);
    editor.line = joinDraft(editor.line, text);
    editor.cursor = toEnd ? editor.line.length : Math.min(editor.cursor, editor.line.length);
    this.#offered = { draft: editor.line, cursor: editor.cursor };
    // The draft is a line being typed now, no longer one of history that Down would replace.
    if (editor.historyIndex !== undefined) editor.historyIndex = -1;
    this.#schedule();
  }

  /** Delivers typed lines to `handler`, first those typed before it was set. */
  onLine(handler: (line: string) => void): void {
    this.#onLine = handler;
    for (const line of this.#queue.splice(0)) handler(line);
  }

  /**
   * Shows each key to `handler` before the line editor (interactive only):
   * a key it handled, for which it returns `true`, the editor never sees.
   */
  onKey(handler: (key: Key) => boolean): void {
    this.#onKey = handler;
  }

  /**
   * Calls `handler` after each key the user presses at the input line
   * (interactive only; never for a question's answer), with the draft as it
   * is then and whether the key changed it. A paste counts as one key.
   */
  onKeystroke(handler: (draft: string, changed: boolean) => void): void {
    this.#onKeystroke = handler;
  }

  /** Calls `handler` when the terminal changes size (interactive only). */
  onResize(handler: () => void): void {
    this.#onResize = handler;
  }

  /** Calls `handler` once when the user presses Ctrl-C or Ctrl-D, or input ends. */
  onEnd(handler: () => void): void {
    this.#onEnd = handler;
    if (this.#ended) handler();
  }

  /**
   * Asks `handler` whether the user may leave when they press `key` to
   * (interactive only). When it says no (having said why), the user stays,
   * and the next Ctrl-C or Ctrl-D, with no other key between, leaves.
   */
  onLeave(handler: (key: LeaveKey) => boolean): void {
    this.#onLeave = handler;
  }

  /**
   * Calls `handler` with what the terminal has to say of its own (a long
   * paste, one refused), instead of printing it plainly (interactive only).
   */
  onNotice(handler: (notice: TerminalNotice) => void): void {
    this.#onNotice = handler;
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
        if (this.#interactive) {
          this.#keep({ prompt: question, line: answer, cursor: answer.length });
        }
        resolve(answer);
      });
    });
  }

  /** Asks for a secret without echoing what is typed; `undefined` if input ends first. */
  async askSecret(question: string): Promise<string | undefined> {
    if (!this.#interactive) return await this.ask(question);
    this.#erase();
    this.#write(`\r${question}`);
    this.#secret = true;
    try {
      return await this.ask("");
    } finally {
      this.#secret = false;
      this.#write("\n");
    }
  }

  /** Sets the prompt shown before the input line and redraws it. */
  setPrompt(prompt: string): void {
    if (!this.#interactive || this.#closed) return;
    this.#prompted = true;
    this.#rl.setPrompt(prompt);
    // Resumes reading if readline paused it, and asks for a redraw.
    this.#rl.prompt(true);
  }

  /**
   * Prints `lines` above the input line and redraws the input as it was.
   * Drawn by a function, they are drawn again if the width changes.
   */
  print(lines: readonly string[] | Drawing): void {
    const draw: Drawing = typeof lines === "function" ? lines : () => lines;
    const columns = this.#interactive ? screenSize().columns : undefined;
    const rows = draw(columns);
    if (rows.length === 0) return;
    const text = rows.join("\n") + "\n";
    if (!this.#interactive || this.#closed) {
      writeOut(text);
      return;
    }
    this.#erase();
    this.#write(text);
    this.#drawnDuringResize(columns!);
    this.#printed.push({ draw, rows: screenRows(rows, columns!) });
    this.#laidColumns ??= columns;
    if (this.#printed.length > MAX_PRINTED) {
      this.#printed.shift();
      this.#cleared = Math.max(this.#cleared - 1, 0);
    }
    this.#schedule();
  }

  /** Rings the terminal bell. */
  bell(): void {
    if (this.#interactive && !this.#closed) this.#write("\x07");
  }

  /** Restores the terminal and stops reading; later calls do nothing. */
  close(): void {
    clearTimeout(this.#rewrapTimer);
    if (!this.#closed) this.#rl.close();
    this.#stopBracketing();
    this.#flush();
    this.#output.detach();
    process.stdin.pause();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** readline wrote something: the line changed, or it lists Tab completions. */
  #readlineWrote(text: string): void {
    // The completions of a second Tab come as rows after a line break; the
    // line break alone is readline going to a new line on Enter.
    if (text.startsWith("\r\n") && text.length > 2) {
      const rows = text.split("\r\n").map((row) => row.trimEnd()).filter((row) => row !== "");
      if (rows.length > 0) this.print(rows);
    }
    this.#schedule();
  }

  #keypress(key: Key | undefined): void {
    if (this.#closed) return;
    // A form feed pasted is no Ctrl-L.
    if (this.#paste.pasting) return;
    if (key?.ctrl && key.name === "l") {
      // Ctrl-L: readline cleared the screen in its sink; clear it here.
      this.#write("\x1b[H\x1b[J");
      this.#drawn = undefined;
      // What was printed is off the screen: a new width draws it into the scrollback only.
      this.#cleared = this.#printed.length;
      this.#ownScreen = true;
    }
    this.#schedule();
  }

  /** Draws the input line once whatever changes it now have been made. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      try {
        if (this.#closed || this.#secret) return;
        const input = {
          prompt: this.#rl.getPrompt(),
          line: this.#rl.line,
          cursor: this.#rl.cursor,
        };
        // Before the first prompt (connecting, between questions) draw only what is typed.
        if (this.#prompted || this.#asking || input.line !== "") this.#draw(input);
        else this.#erase();
      } finally {
        this.#flush();
      }
    });
  }

  /**
   * Writes `text` to the terminal at the end of this turn, after the input
   * line is drawn again if that is asked for: all of a turn's output in one
   * write.
   */
  #write(text: string): void {
    this.#pending += text;
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => {
      this.#flushQueued = false;
      // A redraw asked for in the same turn runs later and writes it all.
      if (!this.#scheduled) this.#flush();
    });
  }

  /** Writes what {@linkcode Terminal.#write} holds, now. */
  #flush(): void {
    if (this.#pending === "") return;
    const text = this.#pending;
    this.#pending = "";
    process.stdout.write(text);
  }

  /** Leaves `input`, a question and its answer, on the screen and moves below it. */
  #keep(input: Input): void {
    if (this.#secret) return;
    this.#draw(input);
    const { columns } = screenSize();
    const at = layout(input.prompt + input.line, Infinity, columns);
    // A full last row already put the cursor at the start of a new one.
    if (!(at.cursor.col === 0 && at.cursor.row > 0)) this.#write("\r\n");
    this.#drawn = undefined;
  }

  /** Takes the input line off the screen, leaving the cursor where its first row was. */
  #erase(): void {
    const drawn = this.#drawn;
    if (drawn === undefined) return;
    this.#drawn = undefined;
    this.#write(clearUp(rowsAbove(drawn)));
  }

  /**
   * The terminal's width changed: clears the screen and the scrollback, as
   * `clear` does, and draws everything printed again at the new width, then
   * the input line under it. The terminal has rewrapped the rows it keeps
   * already, cutting them where the width falls, and pushed some of them
   * into the scrollback or pulled some back: drawing only the screen again
   * left its copies there, so that scrolling back showed lines twice, once
   * cut and once wrapped at their spaces. Drawn again whole, the lines scroll
   * into the scrollback once, in order. What was printed before the screen
   * was last cleared (Ctrl-L) goes into the scrollback, off the screen.
   * Nothing is drawn again until what was printed fills the screen, which
   * may show what was there before the client started; after that, that is
   * cleared with the rest. After Ctrl-L on a screen the client's lines never
   * filled, the lines since are drawn again over the screen alone, and the
   * scrollback is left as it is.
   */
  #rewrap(): void {
    const before = this.#resizing;
    this.#resizing = undefined;
    const { columns, rows } = screenSize();
    if (this.#closed || this.#secret || this.#asking || !this.#prompted) return;
    if (before === undefined || this.#laidColumns === undefined) return;
    // Back at the width the lines were laid out at, they are as they were, unless some were
    // drawn at a width passed through on the way: wrapped at it, or left behind by the
    // terminal rewrapping the screen under them.
    if (this.#laidColumns === columns && !before.drawn) return;
    // Until the client's lines fill the screen above the input line, what was there before the
    // client started may be above them: left as it was.
    const ours = this.#printed.reduce((rows, printed) => rows + printed.rows, 0);
    const filled = ours >= before.rows - before.height;
    if (!filled && !this.#ownScreen) return;
    const input = { prompt: this.#rl.getPrompt(), line: this.#rl.line, cursor: this.#rl.cursor };
    // Each row cleared before it is written: clearing after a full row would take its last column.
    const drawRows = (printed: Printed) => {
      const lines = printed.draw(columns);
      printed.rows = screenRows(lines, columns);
      return lines.map((line) => `\x1b[K${line}\r\n`).join("");
    };
    let out: string;
    if (filled) {
      // Home, clear the screen, then the scrollback (a terminal may keep the screen cleared there).
      out = "\x1b[H\x1b[2J\x1b[3J";
      if (this.#cleared > 0) {
        out += this.#printed.slice(0, this.#cleared).map(drawRows).join("");
        // Scrolled off the screen by as many line breaks as it has rows but one, however many
        // they are: the screen is left empty, as Ctrl-L left it.
        out += `${"\n".repeat(rows - 1)}\x1b[H`;
      }
      out += this.#printed.slice(this.#cleared).map(drawRows).join("");
    } else {
      // Cleared by Ctrl-L before the client's lines ever filled the screen: none of them went
      // into the scrollback by scrolling, and what the shell showed before is kept there. The
      // lines since are drawn again over the screen, row by row from its top, without erasing the
      // whole screen at once, which some terminals (tmux) copy into the scrollback.
      out = `\x1b[H${this.#printed.slice(this.#cleared).map(drawRows).join("")}\x1b[J`;
    }
    this.#write(out);
    this.#ownScreen = true;
    this.#laidColumns = columns;
    this.#drawn = undefined;
    this.#draw(input);
  }

  /** Notes a drawing at `columns` while the size changes, if the lines were laid out at another width. */
  #drawnDuringResize(columns: number): void {
    if (this.#resizing !== undefined && columns !== this.#laidColumns) this.#resizing.drawn = true;
  }

  /** Draws `input` in place of what was drawn before, in one write. */
  #draw(input: Input): void {
    const { columns, rows } = screenSize();
    const drawn = this.#drawn;
    if (
      drawn !== undefined && drawn.prompt === input.prompt && drawn.line === input.line &&
      drawn.cursor === input.cursor && drawn.columns === columns && drawn.rows === rows
    ) return;
    this.#drawnDuringResize(columns);
    const text = input.prompt + input.line;
    const at = layout(text, input.prompt.length + input.cursor, columns);
    const total = Math.max(at.end.row, at.cursor.row) + 1;
    // A draft leaves a few rows above it to the conversation, when it has to be cut.
    const several = input.line.includes("\n");
    const height = rows > ROWS_LEFT + 4 ? rows - ROWS_LEFT : rows;
    const atEnd = input.cursor === input.line.length;
    const appendable = atEnd && total <= height;
    const joinsDrawn = drawn !== undefined && drawn.appendable && drawn.prompt === input.prompt &&
      drawn.columns === columns && input.line.startsWith(drawn.line);
    const added = joinsDrawn ? at.glyphs.slice(codePoints(input.prompt + drawn.line)) : [];
    if (joinsDrawn && appendable && added.every((glyph) => glyph.width > 0)) {
      // Typing at the end: write what was added, as readline would have.
      const text = added.map((glyph) => glyph.text).join("");
      this.#write(at.end.col === columns ? `${text} \r` : text);
      this.#drawn = {
        ...input,
        columns,
        rows,
        height: total,
        appendable,
        beforeCursor: drawn.beforeCursor + text,
      };
      return;
    }
    // A draft taller than that is cut to the rows around the cursor, so that
    // none of it scrolls off the top into the scrollback. It says how many of
    // its lines it hides (rows, for a draft of one line), in place of its
    // first or last row shown.
    const marked = height >= 3;
    const top = total <= height
      ? 0
      : Math.min(total - height, marked ? Math.max(at.cursor.row - 1, 0) : at.cursor.row);
    const bottom = Math.min(top + height, total) - 1;
    const breaks = at.glyphs.filter((glyph) => glyph.text === "\r\n");
    const markers = new Map<number, string>();
    if (marked && top > 0) {
      const count = several ? 1 + breaks.filter((glyph) => glyph.row <= top).length : top + 1;
      markers.set(top, hiddenLines(count, "above", columns, several ? "line" : "row"));
    }
    if (marked && bottom < total - 1) {
      const count = several ? breaks.filter((glyph) => glyph.row >= bottom).length : total - bottom;
      markers.set(bottom, hiddenLines(count, "below", columns, several ? "line" : "row"));
    }
    const shown: { glyph: Glyph; index: number }[][] = [];
    for (let row = top; row <= bottom; row++) shown.push([]);
    at.glyphs.forEach((glyph, index) => {
      if (glyph.row >= top && glyph.row <= bottom) shown[glyph.row - top]!.push({ glyph, index });
    });
    let out = clearUp(drawn === undefined ? 0 : rowsAbove(drawn));
    let beforeCursor = "";
    let row = top;
    for (let index = top; index <= bottom; index++) {
      const glyphs = shown[index - top]!;
      const marker = markers.get(index);
      const opensWithBreak = glyphs[0]?.glyph.text === "\r\n";
      if (opensWithBreak) glyphs.shift();
      // Each row below the first is reached by a line break, or by the text wrapping onto it.
      if (index > top && (opensWithBreak || marker !== undefined || markers.has(index - 1))) {
        out += "\r\n";
        if (index <= at.cursor.row) beforeCursor += "\r\n";
        row = index;
      }
      if (marker !== undefined) {
        out += marker;
        if (index < at.cursor.row) beforeCursor += marker;
        row = index;
        continue;
      }
      for (const { glyph, index: place } of glyphs) {
        if (glyph.text === "") continue;
        out += glyph.text;
        if (place < at.cursorGlyph) beforeCursor += glyph.text;
        row = index;
      }
    }
    if (at.cursor.row > row) {
      // The text fills its last row: make the terminal start the next one.
      out += " ";
      row = at.cursor.row;
    }
    out += `${up(row - at.cursor.row)}\x1b[${at.cursor.col + 1}G`;
    this.#write(out);
    this.#drawn = {
      ...input,
      columns,
      rows,
      height: bottom - top + 1,
      appendable,
      beforeCursor,
    };
  }

  /** The terminal brackets pastes from now on, until the program ends in any way. */
  #startBracketing(): void {
    this.#bracketing = true;
    writeOut(BRACKETED_PASTE_ON);
    if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", this.#terminated);
    for (const event of LEAVING_EVENTS) globalThis.addEventListener(event, this.#leaving);
  }

  /** The terminal brackets pastes no longer; later calls do nothing. */
  #stopBracketing(): void {
    if (!this.#bracketing) return;
    this.#bracketing = false;
    this.#flush();
    writeOut(BRACKETED_PASTE_OFF);
    if (Deno.build.os !== "windows") Deno.removeSignalListener("SIGTERM", this.#terminated);
    for (const event of LEAVING_EVENTS) globalThis.removeEventListener(event, this.#leaving);
  }

  /**
   * Puts what was pasted at the cursor. A paste of several lines makes a
   * draft of several lines, sent as one message on Enter; a long one comes
   * with a notice, and one that would make a message too large is refused.
   */
  #pasted(raw: string): void {
    const editor = this.#rl as unknown as Editor;
    const clean = cleanPaste(raw);
    // A question's answer is one line.
    const text = this.#asking ? clean.replaceAll("\n", " ") : clean;
    if (text === "") return;
    const line = editor.line.slice(0, editor.cursor) + text + editor.line.slice(editor.cursor);
    const verdict = line.includes("\n") ? judgeDraft(line, this.#shareHow?.()) : undefined;
    if (verdict?.ok === false) return this.#say({ kind: "error", text: verdict.error });
    editor.line = line;
    editor.cursor += text.length;
    this.#schedule();
    if (verdict?.notice !== undefined) this.#say({ kind: "notice", text: verdict.notice });
  }

  /**
   * Edits a draft of several lines on keys that mean something else on one
   * line: Esc clears it (Ctrl-C clears any line), Up and Down move between its lines rather
   * than through history (but from its first line up and its last line down).
   * Returns whether `key` was one of them.
   */
  #draftKey(key: Key): boolean {
    const editor = this.#rl as unknown as Editor;
    if (!editor.line.includes("\n")) return false;
    if (key.name === "escape") return this.#clearLine();
    if ((key.name !== "up" && key.name !== "down") || key.ctrl || key.meta || key.shift) {
      return false;
    }
    // From its first line up, or its last line down, the editor goes through history.
    const cursor = moveToLine(editor.line, editor.cursor, key.name === "up" ? -1 : 1);
    if (cursor === undefined) return false;
    editor.cursor = cursor;
    this.#schedule();
    return true;
  }

  /**
   * Ctrl-C on a line being typed clears it, as a shell does, rather than
   * leave with it; on an empty line it leaves. Returns whether it cleared.
   */
  #clearKey(key: Key): boolean {
    if (!(key.ctrl && !key.meta && key.name === "c") || this.#rl.line === "") return false;
    return this.#clearLine();
  }

  /** Clears the input line, which Up then brings back, as a line sent would be. */
  #clearLine(): true {
    const editor = this.#rl as unknown as Editor;
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
    this.#schedule();
    return true;
  }

  /** Says `notice` through the handler given to `onNotice`, else as a plain line. */
  #say(notice: TerminalNotice): void {
    if (this.#onNotice !== undefined) this.#onNotice(notice);
    else this.print([notice.text]);
  }

  /** Whether the user leaves on `key`: asked once; pressed again right after, yes. */
  #mayLeave(key: LeaveKey): boolean {
    if (this.#warned || this.#onLeave === undefined || this.#onLeave(key)) return true;
    this.#warned = true;
    return false;
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#onEnd?.();
  }
}

/**
 * Standard output as readline sees it: its size and resizes are the
 * terminal's, but what readline writes goes to `onWrite`, never to the
 * screen.
 */
class ReadlineOutput extends Writable {
  readonly isTTY = true;
  readonly #resize = () => this.emit("resize");
  readonly #onWrite: (text: string) => void;

  constructor(onWrite: (text: string) => void) {
    super({ decodeStrings: false });
    this.#onWrite = onWrite;
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
    this.#onWrite(typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk));
    callback();
  }
}

/**
 * The terminal's size now. Asked of the terminal each time: the size Node's
 * `process.stdout` keeps changes only once the resize signal is handled, and
 * a terminal that rewraps its lines (tmux does) has already done so then.
 */
function screenSize(): { columns: number; rows: number } {
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
function clearUp(rows: number): string {
  return `\r${up(rows)}\x1b[2G\x1b[J\r\x1b[K`;
}

/** Moves the cursor up `rows` rows, staying in its column. */
function up(rows: number): string {
  return rows > 0 ? `\x1b[${rows}A` : "";
}

/** How many rows above the cursor the first row of `drawn` is, at the terminal's width now. */
function rowsAbove(drawn: Drawn): number {
  return layout(drawn.beforeCursor, Infinity, screenSize().columns).cursor.row;
}

// deno-lint-ignore no-control-regex
const SGR = /\x1b\[[0-9;:]*m/g;

/** The screen rows `lines` take on a terminal `columns` wide, a line too wide wrapping. */
function screenRows(lines: readonly string[], columns: number): number {
  let rows = 0;
  for (const line of lines) {
    rows += Math.max(1, Math.ceil(textWidth(line.replace(SGR, "")) / columns));
  }
  return rows;
}

function writeOut(text: string): void {
  let bytes = encoder.encode(text);
  try {
    while (bytes.length > 0) bytes = bytes.subarray(Deno.stdout.writeSync(bytes));
  } catch {
    // Standard output is closed (for example piped into `head`); nothing to do.
  }
}
