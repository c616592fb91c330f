/**
 * The terminal edge of the client: owns `node:readline` (line editing,
 * history, Tab completion) and standard output. In interactive mode incoming
 * lines are printed above the input line, which is then redrawn intact.
 *
 * readline edits the line; the terminal draws it. readline's own drawing finds
 * the top of the input line by counting rows it remembers, a count that goes
 * wrong as soon as anything else is printed, the terminal is resized or a
 * wide character wraps, and it redraws the whole line at every wrap, which
 * scrolls copies of a line taller than the screen into the scrollback. So
 * readline writes to a sink that only says "the line changed"
 * (client/line_editor.ts), and the input line is drawn from readline's
 * state (client/input_line.ts): the prompt, the text and the cursor, laid
 * out in rows as the terminal wraps them, cut to the screen's height.
 *
 * The lines printed above the input line are kept (client/printed.ts), as
 * the means to draw them (client/render.ts), not as text: when the
 * terminal's width changes, they are drawn again at the new width, wrapped
 * at their spaces and indented under their words as if they had just
 * arrived, rather than cut wherever the terminal rewraps them. The
 * terminal's own rewrapped copies are cleared first, the scrollback with the
 * screen, so that scrolling back shows each line once.
 *
 * The terminal is asked to bracket pastes (client/paste.ts) from the start
 * until the client ends, however it ends (client/bracketing.ts). A paste is
 * taken whole, apart from the keys typed: one of several lines becomes a
 * draft of several lines, drawn row by row and sent as one message on
 * Enter, as Alt+Enter makes one from the keyboard. Esc and a key typed
 * after it are two keys, however quickly: a terminal sends Alt and a key in
 * one write, a person's Esc and key come in two reads (client/keys.ts).
 *
 * @module
 */

import process from "node:process";
import type readline from "node:readline";
import { joinDraft, type Offered } from "../core/effects.ts";
import { PasteBracketing } from "./bracketing.ts";
import {
  drawInput,
  type DrawnLine,
  eraseInput,
  fillsLastRow,
  type InputLine,
  isCut,
} from "./input_line.ts";
import { EscapeReads, type Key, pressedApart, type ReadKey } from "./keys.ts";
import { graphemeEdge, wordEdge } from "./layout.ts";
import {
  clearEditorLine,
  type Completer,
  createReadline,
  editorOf,
  HistoryWalk,
  ReadlineOutput,
  rememberLine,
} from "./line_editor.ts";
import {
  cleanPaste,
  cursorColumn,
  expandDraftTabs,
  indentation,
  judgeDraft,
  lineEdge,
  moveToLine,
  PasteKeys,
} from "./paste.ts";
import { type Drawing, PrintedLines } from "./printed.ts";
import { screenSize, writeOut } from "./screen.ts";

/** A line the terminal has to say of its own, such as what became of a paste. */
export interface TerminalNotice {
  /** An error (the paste was not taken) or a notice. */
  kind: "error" | "notice";
  /** What to say. */
  text: string;
}

/**
 * Where words offered back to the input line went: into the `line`, or,
 * the user typing a line of their own, to the top of the `history`.
 */
export type OfferedTo = "line" | "history";

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

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;

/** The Ctrl keys that move over or delete one character, as the keys that do without Ctrl. */
const CTRL_MOVES = new Map([["b", "left"], ["f", "right"], ["h", "backspace"], ["d", "delete"]]);

/** What a word key does: moves the cursor over a word, or deletes one, to the left or the right. */
type WordAction = "left" | "right" | "delete-left" | "delete-right";

/** The Alt keys that move over or delete a word. */
const WORD_ALT_KEYS = new Map<string, WordAction>([
  ["b", "left"],
  ["f", "right"],
  ["backspace", "delete-left"],
  ["d", "delete-right"],
  ["delete", "delete-right"],
]);

/** The Ctrl keys that move over or delete a word. */
const WORD_CTRL_KEYS = new Map<string, WordAction>([
  ["left", "left"],
  ["right", "right"],
  ["w", "delete-left"],
  ["backspace", "delete-left"],
  ["delete", "delete-right"],
]);

/** Characters typed, as readline's line editor takes them: one key of no name that types them. */
function typedKey(text: string): ReadKey {
  return { sequence: text, ctrl: false, meta: false, shift: false };
}

/** Drops a failed write to the terminal: it is gone (closed), or standard output's reader is. */
function dropWriteError(): void {}

/**
 * How long the terminal's size stays the same before its lines are drawn
 * again, in ms: longer than the 250 ms tmux may take to pass on each of the
 * resizes of a window being dragged.
 */
const REWRAP_DELAY_MS = 300;

/** What Ctrl-Z says, instead of stopping the program. */
export const STOP_NOTICE =
  "Ctrl-Z does not stop chat: stopped, it would stop answering the server, which drops it. " +
  "Open another terminal, or leave with /quit";

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
    if (this.#drawn !== undefined) this.#printed.resized(this.#drawn);
    clearTimeout(this.#rewrapTimer);
    this.#rewrapTimer = setTimeout(() => this.#rewrap(), REWRAP_DELAY_MS);
    this.#onResize?.();
  };
  #rewrapTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * The terminal is gone (its window closed, an ssh session ended): it ends
   * as the end of its input does, which may have come first. Listened for
   * until the terminal is closed, long after the input ended, so that the
   * signal does not end the program at once, a file on its way cut short.
   */
  readonly #hungUp = () => this.#rl.close();
  /**
   * The program was stopped and goes on (`kill -STOP`, then `fg`): the shell
   * gave the terminal back as it likes it, reading lines and echoing them.
   * Keys are read one by one again, pastes bracketed, the input line drawn.
   */
  readonly #continued = () => {
    if (this.#closed) return;
    // Set again, though the stream still counts it as set: the shell changed it under it.
    if (Deno.stdin.isTerminal()) Deno.stdin.setRaw(true);
    this.#bracketing.again();
    this.#drawn = undefined;
    this.#write("\r\x1b[K");
    this.#schedule();
  };
  /** What was printed above the input line, to draw again at a new width. */
  readonly #printed = new PrintedLines();
  #onEnd: (() => void) | undefined;
  #onLeave: ((key: LeaveKey) => boolean) | undefined;
  /**
   * The leave key the user was told why not to leave on, if they pressed no
   * other key since: the same key again leaves, the other one warns again.
   */
  #warned: LeaveKey | undefined;
  #onNotice: ((notice: TerminalNotice) => void) | undefined;
  #onKeystroke: ((draft: string, changed: boolean) => void) | undefined;
  #ended = false;
  #closed = false;
  #asking = false;
  /** Whether a prompt was set: until then only typed text is drawn. */
  #prompted = false;
  /** While set, nothing of the input line is drawn: a password is being typed. */
  #secret = false;
  #drawn: DrawnLine | undefined;
  /** The input line and its cursor once words the server refused last came back to it. */
  #offered: Offered | undefined;
  #scheduled = false;
  /**
   * The column Up or Down last moved the cursor to a line of a draft from,
   * and the draft and cursor they left: the next goes back to that column
   * after a shorter line, unless something else moved the cursor meanwhile.
   */
  #goal: { column: number; line: string; cursor: number } | undefined;
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
  /** Sees every key first, and hands readline's own keypress listener those `onKey` does not take. */
  #editorKeypress: ((text: unknown, key: ReadKey | undefined) => void) | undefined;
  /** Has readline's own keypress listener put `text`, characters typed, in the line. */
  #lineEditor: ((text: string) => void) | undefined;
  /**
   * Characters typed, one key each, that are yet to go in the line: those
   * read together go in at once, at the end of the turn or before the next
   * other key, so that each costs no work over the whole line.
   */
  #typed = "";
  readonly #paste = new PasteKeys();
  /** Up and Down through the lines sent, the draft kept meanwhile. */
  readonly #walk = new HistoryWalk();
  /** Where each read ends, to tell Esc and a key typed after it from Alt and that key. */
  readonly #escapes = new EscapeReads();
  /** Sees each read before readline does. */
  readonly #onData = (chunk: Uint8Array | string) => this.#escapes.read(chunk);
  /**
   * The terminal's input ended (its window closed, an ssh session ended):
   * readline then hands over the line being typed as if Enter was pressed.
   * A draft nobody sent is never said: that line is dropped.
   */
  #inputEnded = false;
  /** Notes the end of the terminal's input, before readline hears of it. */
  readonly #onInputEnd = () => this.#inputEnded = true;
  /** Stops bracketing pastes however the program ends: SIGTERM, an uncaught error, an exit. */
  readonly #bracketing = new PasteBracketing({
    onTerminate: () => this.#rl.close(),
    beforeStop: () => this.#flush(),
  });

  constructor(options: TerminalOptions) {
    this.#interactive = options.interactive;
    this.#shareHow = options.shareHow;
    this.#rl = createReadline(options.interactive, {
      output: this.#output,
      completer: options.completer,
    });
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
            if (this.#stopKey(key)) return;
            if (
              !this.#asking &&
              (this.#lineBreakKey(key) || this.#indentKey(key) || this.#draftKey(key) ||
                this.#clearKey(key) || this.#characterKey(key) || this.#wordKey(key))
            ) return;
            // Ctrl-D on an empty line, which would close the line editor.
            const eof = key.ctrl && !key.meta && key.name === "d" && this.#rl.line === "";
            if (eof && !this.#asking && !this.#mayLeave("Ctrl-D")) return;
          }
          const editing = this.#closed || this.#asking || key === undefined;
          if (editing || !this.#onKey?.(key)) editor.call(process.stdin, text, key);
        };
        this.#editorKeypress = (text, key) => {
          const escapeBefore = this.#escapes.key(key);
          // Any other key moves the cursor on from where Up and Down left it, or edits there.
          if (key?.name !== "up" && key?.name !== "down") this.#goal = undefined;
          if (!(key?.ctrl && (key.name === "c" || key.name === "d"))) this.#warned = undefined;
          if (!escapeBefore && this.#typing(text, key)) return;
          // Any other key comes after the characters typed before it.
          this.#putTyped();
          const before = this.#rl.line;
          route(text, key, escapeBefore);
          this.#expandTabs();
          // Keys held while a paste arrives count once, when it is taken.
          if (this.#closed || this.#asking || key === undefined || this.#paste.pasting) return;
          this.#onKeystroke?.(this.#rl.line, this.#rl.line !== before);
        };
        this.#lineEditor = (text) => editor.call(process.stdin, text, typedKey(text));
        process.stdin.on("keypress", this.#editorKeypress);
        // Before readline's own reader, to know where each read ends.
        process.stdin.prependListener("data", this.#onData);
      }
      // Before readline's own listener, which sends the line being typed as input ends.
      process.stdin.prependListener("end", this.#onInputEnd);
    }
    // After readline's own listener, which it added above.
    if (options.interactive) process.stdin.on("keypress", this.#onKeypress);
    if (options.interactive) process.stdout.on("resize", this.#resized);
    // A terminal closed fails every write from then on, before or after its SIGHUP: what is
    // written is lost, and the client ends as the signal says, not at once on an uncaught error.
    if (!process.stdout.listeners("error").includes(dropWriteError)) {
      process.stdout.on("error", dropWriteError);
    }
    if (Deno.build.os !== "windows") Deno.addSignalListener("SIGHUP", this.#hungUp);
    if (options.interactive && Deno.build.os !== "windows") {
      Deno.addSignalListener("SIGCONT", this.#continued);
    }
    if (options.interactive) this.#bracketing.start();
    this.#rl.on("line", (line: string) => {
      if (this.#asking || this.#inputEnded) return;
      this.#walk.end(editorOf(this.#rl), line);
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
      this.#bracketing.stop();
      process.stdin.off("keypress", this.#onKeypress);
      process.stdout.off("resize", this.#resized);
      if (this.#interactive && Deno.build.os !== "windows") {
        Deno.removeSignalListener("SIGCONT", this.#continued);
      }
      if (this.#editorKeypress !== undefined) process.stdin.off("keypress", this.#editorKeypress);
      process.stdin.off("data", this.#onData);
      process.stdin.off("end", this.#onInputEnd);
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
   * goes to the end. Once the user has typed a line of their own, or where
   * `text` cannot join what is there (a command), it is not glued to it:
   * `text` goes to the top of the history instead, the next Up bringing it
   * back. A line sent shown by Up becomes the draft, and the draft it stood
   * for goes into the history, as a draft cleared does. Returns where
   * `text` went: `"line"`, `"history"`, or `undefined` where it was not offered.
   */
  offer(text: string): OfferedTo | undefined {
    if (!this.#interactive || this.#closed || this.#asking) return undefined;
    const editor = editorOf(this.#rl);
    // The draft is a line being typed now, no longer one of history that Down would replace.
    this.#walk.end(editor);
    // Keys read but not yet in the line count as typed: the refused words would go before them.
    const typed = this.#typed !== "" ||
      (editor.line.trim() !== "" && editor.line !== this.#offered?.draft);
    const joined = joinDraft(editor.line, text);
    if (typed || joined === editor.line) {
      rememberLine(editor, text);
      this.#schedule();
      return "history";
    }
    editor.line = joined;
    editor.cursor = joined.length;
    this.#offered = { draft: editor.line, cursor: editor.cursor };
    this.#schedule();
    return "line";
  }

  /** Delivers typed lines to `handler`, first those typed before it was set. */
  onLine(handler: (line: string) => void): void {
    this.#onLine = handler;
    for (const line of this.#queue.splice(0)) handler(line);
  }

  /**
   * Shows each key to `handler` before the line editor (interactive only):
   * a key it handled, for which it returns `true`, the editor never sees.
   * A character typed (no Ctrl, no Alt) goes to the line without it.
   */
  onKey(handler: (key: Key) => boolean): void {
    this.#onKey = handler;
  }

  /**
   * Calls `handler` after each key the user presses at the input line
   * (interactive only; never for a question's answer), with the draft as it
   * is then and whether the key changed it. A paste counts as one key, and
   * so do the characters typed that are read together.
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
   * and the same key pressed again, with no other key between, leaves; the
   * other one is asked about in its turn.
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

  /**
   * Asks one question; resolves to `undefined` if input ends first. The
   * answer is no line sent: it never goes into the history Up walks through.
   * The question starts empty, and the line being typed, if any (a question
   * asked again on coming back), returns as it was, cursor and all, once it
   * is answered.
   */
  ask(question: string): Promise<string | undefined> {
    if (this.#ended) return Promise.resolve(undefined);
    this.#putTyped();
    this.#asking = true;
    const editor = editorOf(this.#rl);
    // The line being typed is no answer: it waits, taken off the line, until the question is.
    const draft = { line: editor.line ?? "", cursor: editor.cursor ?? 0 };
    if (this.#interactive) {
      editor.line = "";
      editor.cursor = 0;
    }
    // readline puts every line entered in its history, an answer too (a name, a password):
    // it puts it in one of its own, which nothing shows, while the question is asked.
    const history = editor.history;
    if (history !== undefined) editor.history = [];
    const restore = () => {
      if (history !== undefined) editor.history = history;
      editor.historyIndex = -1;
    };
    return new Promise((resolve) => {
      const onEnd = () => {
        restore();
        resolve(undefined);
      };
      this.#rl.once("close", onEnd);
      this.#rl.once("SIGINT", onEnd);
      this.#rl.question(question, (answer) => {
        this.#rl.off("close", onEnd);
        this.#rl.off("SIGINT", onEnd);
        this.#asking = false;
        restore();
        if (this.#interactive) {
          this.#keep({ prompt: question, line: answer, cursor: answer.length });
          editor.line = draft.line;
          editor.cursor = draft.cursor;
          this.#schedule();
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
    this.#printed.add(draw, rows, columns!);
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
    if (Deno.build.os !== "windows") Deno.removeSignalListener("SIGHUP", this.#hungUp);
    this.#bracketing.stop();
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
      this.#printed.screenCleared();
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
  #keep(input: InputLine): void {
    if (this.#secret) return;
    this.#draw(input);
    const { columns } = screenSize();
    // A full last row already put the cursor at the start of a new one.
    if (!fillsLastRow(input, columns)) this.#write("\r\n");
    this.#drawn = undefined;
  }

  /** Takes the input line off the screen, leaving the cursor where its first row was. */
  #erase(): void {
    const drawn = this.#drawn;
    if (drawn === undefined) return;
    this.#drawn = undefined;
    this.#write(eraseInput(drawn));
  }

  /**
   * The terminal's size changed: clears the screen and the scrollback and
   * draws everything printed again at the new size, if it is to be drawn
   * again (see {@linkcode PrintedLines.redraw}), then the input line under it.
   */
  #rewrap(): void {
    const before = this.#printed.resizeEnded();
    const screen = screenSize();
    if (this.#closed || this.#secret || this.#asking || !this.#prompted) return;
    if (before === undefined) return;
    const input = { prompt: this.#rl.getPrompt(), line: this.#rl.line, cursor: this.#rl.cursor };
    const out = this.#printed.redraw(before, screen);
    if (out === undefined) return;
    this.#write(out);
    this.#drawn = undefined;
    this.#draw(input);
  }

  /**
   * Draws `input` in place of what was drawn before, in one write. Shorter
   * than a taller draft drawn before, however it shrank (cleared, cut with
   * Ctrl-U or Ctrl-K, a short line shown by Up in its place), it may bring
   * back what that scrolled off the screen (see
   * {@linkcode PrintedLines.inputShrank}).
   */
  #draw(input: InputLine): void {
    const screen = screenSize();
    const before = this.#drawn;
    let drawing = drawInput(input, before, screen);
    if (drawing === undefined) return;
    const same = before !== undefined && before.columns === screen.columns &&
      before.rows === screen.rows;
    // Not for a line sent, taken off the screen first (nothing was drawn before): it brings its
    // own copy up at once, and the lines of a paste sent one by one come faster than their copies.
    const again = same
      ? this.#printed.inputShrank(before.height, drawing.drawn.height, screen)
      : undefined;
    if (again !== undefined) {
      // The screen is drawn again from its top, over the input line too: drawn anew under it.
      this.#write(again);
      drawing = drawInput(input, undefined, screen)!;
    }
    this.#printed.drawnAt(screen.columns);
    this.#write(drawing.text);
    this.#drawn = drawing.drawn;
  }

  /**
   * Puts what was pasted at the cursor. A paste of several lines makes a
   * draft of several lines, sent as one message on Enter; a long one comes
   * with a notice, and one that would make a message too large is refused.
   */
  #pasted(raw: string): void {
    const editor = editorOf(this.#rl);
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
   * Edits the draft on keys that mean something else in one of several
   * lines, and walks through history: Esc clears a draft of several lines
   * (Ctrl-C clears any line), or of one too tall to be shown whole; Up and
   * Down move between the lines of a draft, and from its first line up or
   * its last line down (on one line, at once) go through the lines sent,
   * the draft kept to come back after the newest (see
   * {@linkcode HistoryWalk}); Home and End (Ctrl-A, Ctrl-E) go to the start
   * and end of the line of a draft the cursor is in, not of the whole draft.
   * Returns whether `key` was one of them.
   */
  #draftKey(key: Key): boolean {
    const editor = editorOf(this.#rl);
    const several = editor.line.includes("\n");
    if (key.name === "escape" && (several || this.#tooTall())) return this.#clearLine();
    const plain = !key.ctrl && !key.meta && !key.shift;
    const ctrl = key.ctrl && !key.meta && !key.shift;
    const to = (plain && key.name === "home") || (ctrl && key.name === "a")
      ? "start"
      : (plain && key.name === "end") || (ctrl && key.name === "e")
      ? "end"
      : undefined;
    if (several && to !== undefined) {
      editor.cursor = lineEdge(editor.line, editor.cursor, to);
      this.#schedule();
      return true;
    }
    if ((key.name !== "up" && key.name !== "down") || key.ctrl || key.meta || key.shift) {
      return false;
    }
    const step = key.name === "up" ? -1 : 1;
    // The column Up and Down keep going back to, while they alone move the cursor.
    const goal = this.#goal?.line === editor.line && this.#goal.cursor === editor.cursor
      ? this.#goal.column
      : cursorColumn(editor.line, editor.cursor);
    const cursor = several ? moveToLine(editor.line, editor.cursor, step, goal) : undefined;
    this.#goal = undefined;
    if (cursor !== undefined) {
      editor.cursor = cursor;
      this.#goal = { column: goal, line: editor.line, cursor };
    } // Down past the draft, or Up past the oldest line sent: nothing to show.
    else if (!this.#walk.step(editor, step < 0 ? 1 : -1)) return true;
    this.#schedule();
    return true;
  }

  /**
   * Alt+Enter puts a line break in the draft at the cursor, which readline
   * would drop: a message of several lines typed, as a paste of several lines
   * makes one, that Enter sends whole. Returns whether `key` was Alt+Enter.
   */
  #lineBreakKey(key: Key): boolean {
    if (!key.meta || key.ctrl || (key.name !== "return" && key.name !== "enter")) return false;
    const editor = editorOf(this.#rl);
    const { line, cursor } = editor;
    editor.line = `${line.slice(0, cursor)}\n${line.slice(cursor)}`;
    editor.cursor = cursor + 1;
    this.#schedule();
    return true;
  }

  /**
   * Tab on a row of a draft of several lines with nothing but spaces before
   * the cursor indents it, as an editor does, rather than complete a name
   * there: it puts in the spaces up to the next tab stop of the message (see
   * {@linkcode indentation}). Anywhere else, an empty line of its own
   * included, Tab is readline's, which completes. Returns whether it indented.
   */
  #indentKey(key: Key): boolean {
    if (key.name !== "tab" || key.ctrl || key.meta || key.shift) return false;
    const editor = editorOf(this.#rl);
    const { line, cursor } = editor;
    const before = line.slice(lineEdge(line, cursor, "start"), cursor);
    if (!line.includes("\n") || before.trim() !== "") return false;
    const spaces = indentation(before);
    editor.line = line.slice(0, cursor) + spaces + line.slice(cursor);
    editor.cursor = cursor + spaces.length;
    this.#schedule();
    return true;
  }

  /**
   * Makes the tabs readline put in the line (a tab typed in a read of
   * several keys, which it takes as a character: a paste the terminal did
   * not bracket) the spaces the message will have instead, so that the
   * draft shows them as the conversation will, and as a bracketed paste of
   * the same text does.
   */
  #expandTabs(): void {
    if (this.#closed || this.#asking) return;
    const editor = editorOf(this.#rl);
    if (!editor.line.includes("\t")) return;
    const expanded = expandDraftTabs(editor.line, editor.cursor);
    editor.line = expanded.line;
    editor.cursor = expanded.cursor;
    this.#schedule();
  }

  /**
   * Moves over or deletes one character as a person sees it, where readline
   * would take one code point: an emoji of several (👨‍👩‍👧), a letter and
   * its combining marks, go at once, and the cursor never stops inside one
   * (Left, Right, Backspace, Delete; Ctrl-B, Ctrl-F, Ctrl-H, and Ctrl-D on
   * a line with text after the cursor). Returns whether `key` was one of them.
   */
  #characterKey(key: Key): boolean {
    if (key.meta || key.shift) return false;
    const editor = editorOf(this.#rl);
    const { line, cursor } = editor;
    const name = key.ctrl ? CTRL_MOVES.get(key.name ?? "") : key.name;
    if (name === "left" || name === "right") {
      editor.cursor = graphemeEdge(line, cursor, name === "left" ? -1 : 1);
    } else if (name === "backspace" || name === "delete") {
      const [from, to] = name === "backspace"
        ? [graphemeEdge(line, cursor, -1), cursor]
        : [cursor, graphemeEdge(line, cursor, 1)];
      // Ctrl-D with nothing after the cursor is readline's: on an empty line, it leaves.
      if (from === to) return name === "backspace" || !key.ctrl;
      editor.line = line.slice(0, from) + line.slice(to);
      editor.cursor = from;
    } else {
      return false;
    }
    this.#schedule();
    return true;
  }

  /**
   * Moves over or deletes one word, as Unicode finds words, where readline
   * would take only ASCII letters and digits for one, split a letter from
   * its accent, and delete a line break of a draft with the word before it:
   * Alt-B and Ctrl-Left back, Alt-F and Ctrl-Right on; Ctrl-W, Alt-Backspace
   * and Ctrl-Backspace delete the word before the cursor, Alt-D, Alt-Delete
   * and Ctrl-Delete the one after it, within the line of a draft the cursor
   * is in (see {@linkcode wordEdge}). Returns whether `key` was one of them.
   */
  #wordKey(key: Key): boolean {
    if (key.shift || key.ctrl === key.meta) return false;
    const name = key.name ?? "";
    const action = (key.meta ? WORD_ALT_KEYS : WORD_CTRL_KEYS).get(name);
    if (action === undefined) return false;
    const editor = editorOf(this.#rl);
    const { line, cursor } = editor;
    const to = wordEdge(line, cursor, action.endsWith("left") ? -1 : 1);
    if (action.startsWith("delete")) {
      const [from, until] = to < cursor ? [to, cursor] : [cursor, to];
      editor.line = line.slice(0, from) + line.slice(until);
      editor.cursor = from;
    } else {
      editor.cursor = to;
    }
    this.#schedule();
    return true;
  }

  /** Whether the input line is taller than the screen lets it be drawn whole. */
  #tooTall(): boolean {
    const input = { prompt: this.#rl.getPrompt(), line: this.#rl.line, cursor: this.#rl.cursor };
    return isCut(input, screenSize());
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
    const editor = editorOf(this.#rl);
    this.#walk.end(editor);
    clearEditorLine(editor);
    this.#schedule();
    return true;
  }

  /**
   * Holds `text`, the character that `key` typed, to go in the line with
   * the others read with it; returns whether it was one (no Ctrl, no Alt,
   * no control character, not part of a paste, not a question's answer).
   */
  #typing(text: unknown, key: ReadKey | undefined): boolean {
    if (this.#closed || this.#asking || this.#paste.pasting || this.#lineEditor === undefined) {
      return false;
    }
    if (key === undefined || key.ctrl || key.meta || typeof text !== "string") return false;
    if (text === "" || CONTROL.test(text)) return false;
    if (this.#typed === "") queueMicrotask(() => this.#putTyped());
    this.#typed += text;
    return true;
  }

  /** Puts the characters typed and held in the line, in one edit, and counts them as one key. */
  #putTyped(): void {
    const text = this.#typed;
    if (text === "") return;
    this.#typed = "";
    if (this.#closed || this.#asking) return;
    const before = this.#rl.line;
    this.#lineEditor?.(text);
    this.#onKeystroke?.(this.#rl.line, this.#rl.line !== before);
  }

  /**
   * Ctrl-Z: not passed on to readline, which would stop the program (and
   * only it, not a `deno task` around it, leaving the terminal to nobody).
   * A chat stopped stops answering the server, which drops it: it says so.
   */
  #stopKey(key: Key): boolean {
    if (!key.ctrl || key.meta || key.name !== "z") return false;
    this.#say({ kind: "notice", text: STOP_NOTICE });
    return true;
  }

  /** Says `notice` through the handler given to `onNotice`, else as a plain line. */
  #say(notice: TerminalNotice): void {
    if (this.#onNotice !== undefined) this.#onNotice(notice);
    else this.print([notice.text]);
  }

  /**
   * Whether the user leaves on `key`: asked once; the same key pressed again
   * right after, yes. The other leave key is asked about in its turn.
   */
  #mayLeave(key: LeaveKey): boolean {
    if (this.#warned === key || this.#onLeave === undefined || this.#onLeave(key)) return true;
    this.#warned = key;
    return false;
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#onEnd?.();
  }
}
