/// <reference lib="dom" />
// This module is browser compatible.

/**
 * Where the caret of the message box is among the rows it shows. The box
 * wraps a long line over several rows, and Up and Down move the caret
 * between them before they mean anything else; the browser tells where a
 * row ends only by drawing it, so the box's text is laid out again, out of
 * sight, in a copy styled as the box is.
 *
 * @module
 */

/** The styles that decide where the box's text wraps, copied to the copy that is measured. */
const WRAPPING = [
  "direction",
  "font-family",
  "font-feature-settings",
  "font-kerning",
  "font-size",
  "font-stretch",
  "font-style",
  "font-variant",
  "font-weight",
  "hyphens",
  "letter-spacing",
  "line-height",
  "overflow-wrap",
  "padding-left",
  "padding-right",
  "padding-top",
  "tab-size",
  "text-indent",
  "text-transform",
  "white-space",
  "word-break",
  "word-spacing",
] as const;

/** A character of no width after the caret's text, so an empty row after it has a box too. */
const ZERO_WIDTH = "\u200b";

/** Whether the caret is on the first row the box shows of its text, and on the last. */
export interface CaretRows {
  /** Nothing is shown above the caret's row: Up cannot move the caret up. */
  first: boolean;
  /** Nothing is shown below the caret's row: Down cannot move the caret down. */
  last: boolean;
}

/** Where the caret of `input` (the start of its selection) is among the rows it shows. */
export function caretRows(input: HTMLTextAreaElement): CaretRows {
  const { value } = input;
  const caret = input.selectionStart;
  const copy = document.createElement("div");
  const style = getComputedStyle(input);
  for (const name of WRAPPING) copy.style.setProperty(name, style.getPropertyValue(name));
  copy.style.position = "absolute";
  copy.style.visibility = "hidden";
  copy.style.top = "0";
  copy.style.left = "-10000px";
  copy.style.boxSizing = "border-box";
  copy.style.border = "0";
  // The width the text wraps in: the box's, without its borders or a scroll bar.
  copy.style.width = `${input.clientWidth}px`;
  // The text after the caret stays beside it: a word cut by the caret wraps as a whole.
  const after = document.createElement("span");
  after.textContent = value.slice(caret) + ZERO_WIDTH;
  copy.append(value.slice(0, caret), after);
  document.body.append(copy);
  try {
    const rows = [...after.getClientRects()];
    const here = rows[0];
    if (here === undefined) return { first: true, last: true };
    // Boxes within half a row of each other are on one row.
    const near = (top: number) => Math.abs(top - here.top) < here.height / 2;
    const top = copy.getBoundingClientRect().top + parseFloat(style.paddingTop);
    return {
      first: caret === 0 || here.top - top < here.height / 2,
      last: rows.every((row) => near(row.top)),
    };
  } finally {
    copy.remove();
  }
}
