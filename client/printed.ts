/** The lines printed above the input line, kept to draw again at a new width. @module */

import { screenRows } from "./screen.ts";

/**
 * Lines to print, as the rows they take on a terminal `columns` wide (or
 * not known to be a terminal, `undefined`): drawn again when the width changes.
 */
export type Drawing = (columns: number | undefined) => readonly string[];

/**
 * The screen's height and the input line's before the size began to
 * change, and whether anything was drawn since at another width than the
 * printed lines were laid out at.
 */
export interface Resize {
  /** The screen's height, in rows. */
  rows: number;
  /** The input line's height, in rows. */
  height: number;
  /** Something was drawn at another width than the printed lines were laid out at. */
  drawn: boolean;
}

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

/** What was printed above the input line, oldest first, as the means to draw it again. */
export class PrintedLines {
  readonly #printed: Printed[] = [];
  /** How many of `#printed` came before the screen was last cleared (Ctrl-L): not on it. */
  #cleared = 0;
  /** The screen was cleared (Ctrl-L) or drawn again from its top: all it shows was printed here. */
  #ownScreen = false;
  /** The width the printed lines were laid out at, once there are some. */
  #laidColumns: number | undefined;
  #resizing: Resize | undefined;

  /** Keeps the lines `draw` drew as `lines`, printed now on a terminal `columns` wide. */
  add(draw: Drawing, lines: readonly string[], columns: number): void {
    this.drawnAt(columns);
    this.#printed.push({ draw, rows: screenRows(lines, columns) });
    this.#laidColumns ??= columns;
    if (this.#printed.length > MAX_PRINTED) {
      this.#printed.shift();
      this.#cleared = Math.max(this.#cleared - 1, 0);
    }
  }

  /**
   * The screen was cleared (Ctrl-L): what was printed is off it, and a new
   * width draws it into the scrollback only.
   */
  screenCleared(): void {
    this.#cleared = this.#printed.length;
    this.#ownScreen = true;
  }

  /**
   * The terminal's size changes, the screen `rows` high and the input line
   * `height`: a window dragged to a new size is resized many times, and
   * the first of them counts.
   */
  resized(screen: { rows: number; height: number }): void {
    this.#resizing ??= { rows: screen.rows, height: screen.height, drawn: false };
  }

  /**
   * Notes a drawing at `columns` while the size changes, if the lines were
   * laid out at another width.
   */
  drawnAt(columns: number): void {
    if (this.#resizing !== undefined && columns !== this.#laidColumns) this.#resizing.drawn = true;
  }

  /**
   * What draws the screen again once the input line, `before` rows high,
   * is drawn `after` rows high on a screen of `screen` (a draft cleared or
   * made shorter); `undefined` when nothing is to be drawn again. Taller, it
   * scrolled the last lines printed up and some of them off the screen,
   * which then shows them cut off at its top, the shorter input line under
   * them and empty rows below. Once what was printed fills the screen above
   * the input line, the screen and the scrollback are cleared and every line
   * printed drawn again, as after a resize, so that scrolling back shows each
   * once. Before it does, what scrolled off is drawn again from the top of
   * the screen, and the scrollback is left as it is, with what the terminal
   * showed before the client started: the rows that scrolled off are there
   * once more. When none of the lines printed went off the screen, the
   * screen is left as it is.
   */
  inputShrank(
    before: number,
    after: number,
    screen: { columns: number; rows: number },
  ): string | undefined {
    // While the size changes, the resize draws the lines again if it must. A draft of a few
    // lines sent or cleared leaves as many empty rows, which the next lines fill: the screen
    // is drawn again only when a draft that took half of it or more is gone.
    if (after >= before || this.#resizing !== undefined) return undefined;
    if (before - after < Math.ceil(screen.rows / 2)) return undefined;
    if (this.#laidColumns !== screen.columns) return undefined;
    const shown = this.#printed.slice(this.#cleared).reduce(
      (rows, printed) => rows + printed.rows,
      0,
    );
    if (shown + before <= screen.rows) return undefined;
    // Whatever was above the lines printed went off the screen before them: the screen now
    // shows only what was printed here.
    this.#ownScreen = true;
    return this.redraw({ rows: screen.rows, height: after, drawn: true }, screen);
  }

  /** The size stopped changing: returns how it began, if it was noted, and forgets it. */
  resizeEnded(): Resize | undefined {
    const before = this.#resizing;
    this.#resizing = undefined;
    return before;
  }

  /**
   * What clears the screen and the scrollback, as `clear` does, and draws
   * everything printed again at the width of `screen`, after a resize that
   * began as `before` (of the width, or of the height under an input line
   * of several rows); `undefined` when nothing is to be drawn again. The
   * terminal has rewrapped the rows it keeps already, cutting them where the
   * width falls, and pushed some of them into the scrollback or pulled some
   * back: drawing only the screen again left its copies there, so that
   * scrolling back showed lines twice, once cut and once wrapped at their
   * spaces. Drawn again whole, the lines scroll into the scrollback once, in
   * order. What was printed before the screen was last cleared (Ctrl-L) goes
   * into the scrollback, off the screen. Nothing is drawn again until what
   * was printed fills the screen, which may show what was there before the
   * client started; after that, that is cleared with the rest. After Ctrl-L
   * on a screen the client's lines never filled, the lines since are drawn
   * again over the screen alone, and the scrollback is left as it is.
   */
  redraw(before: Resize, screen: { columns: number; rows: number }): string | undefined {
    const { columns, rows } = screen;
    if (this.#laidColumns === undefined) return undefined;
    // Back at the width the lines were laid out at, they are as they were, unless some were
    // drawn at a width passed through on the way: wrapped at it, or left behind by the
    // terminal rewrapping the screen under them. Or unless the height changed under an input
    // line of several rows: a lower screen pushed its top rows into the scrollback, the
    // input line's among them, to be drawn again under the lines, cut to the new height.
    const heightChanged = before.rows !== rows && before.height > 1;
    if (this.#laidColumns === columns && !before.drawn && !heightChanged) return undefined;
    // Until the client's lines fill the screen above the input line, what was there before the
    // client started may be above them: left as it was.
    const ours = this.#printed.reduce((rows, printed) => rows + printed.rows, 0);
    const filled = ours >= before.rows - before.height;
    if (!filled && !this.#ownScreen) return undefined;
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
    this.#ownScreen = true;
    this.#laidColumns = columns;
    return out;
  }
}
