// This module is browser compatible.

/**
 * The columns text takes on a terminal, as the C library's wcwidth() counts
 * them (which terminals and tmux follow): the terminal's layout and the tab
 * stops of a message's lines, which the server and every client make alike.
 *
 * @module
 */

// Two columns, as the C library's wcwidth() counts them (which terminals and
// tmux follow): East Asian wide and fullwidth characters and emoji shown as
// emoji. Regional indicators are one column each, a flag two.
const WIDE =
  /[\u1100-\u115f\u231a\u231b\u2329\u232a\u2e80-\u303e\u3041-\u33ff\u3400-\u9fff\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6\u{16fe0}-\u{16fff}\u{17000}-\u{18cff}\u{18d00}-\u{18d8f}\u{1aff0}-\u{1b2ff}\u{1f200}-\u{1f2ff}\u{20000}-\u{3fffd}]|(?![\u{1f1e6}-\u{1f1ff}])\p{Emoji_Presentation}/u;
// No column: combining marks, format characters and Hangul medial and final jamo.
const ZERO_WIDTH = /[\p{Mn}\p{Me}\p{Cf}\u1160-\u11ff\ud7b0-\ud7ff]/u;
// Format characters that do take a column.
const FORMAT_SHOWN = /[\u00ad\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\u{110bd}\u{110cd}]/u;

/** Columns one code point takes on the terminal. */
export function charWidth(char: string): number {
  if (ZERO_WIDTH.test(char) && !FORMAT_SHOWN.test(char)) return 0;
  return WIDE.test(char) ? 2 : 1;
}

/** Joins the character after it to the one before, as in 👨‍👩‍👧. */
const ZERO_WIDTH_JOINER = "\u200d";

/**
 * Columns `char` takes on the terminal after `previous`, the code point
 * before it. After a zero-width joiner, none: tmux draws an emoji sequence
 * such as 👨‍👩‍👧 as wide as its first emoji. It draws an ASCII character
 * after a joiner apart, though.
 */
export function widthAfter(char: string, previous: string | undefined): number {
  if (previous === ZERO_WIDTH_JOINER && char.codePointAt(0)! > 0x7f) return 0;
  return charWidth(char);
}

/**
 * Columns `text` takes on one row of the terminal: those of its characters,
 * those joined to the one before by a zero-width joiner none.
 *
 * @example
 * ```ts
 * textWidth("a中😀e\u0301"); // 6
 * ```
 */
export function textWidth(text: string): number {
  let width = 0;
  let previous: string | undefined;
  for (const char of text) {
    width += widthAfter(char, previous);
    previous = char;
  }
  return width;
}
