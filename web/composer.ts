/// <reference lib="dom" />
// This module is browser compatible.

/**
 * The message box's keys: Enter sends and Shift+Enter makes a new line (the
 * box grows with its lines); on a touch screen, whose keyboard has no
 * Shift+Enter, Enter makes the new line and the Send button sends.
 * Ctrl+Enter and Cmd+Enter send everywhere (a keyboard plugged into a
 * tablet has no other key that does). Up on
 * the box's first row and Down on its last walk through sent lines, Down
 * back to the draft; elsewhere they move between the rows. Tab completes
 * names, commands and rooms (again to cycle), Enter in an IME never sends.
 * While the draft is too long to send, a line above the box says so.
 *
 * @module
 */

import type { CompletionSources } from "../core/complete.ts";
import { tooLongWarning } from "../core/notices.ts";
import type { MessageSize } from "../core/typing.ts";
import { caretRows } from "./caret.ts";
import { Completer, InputHistory } from "./input.ts";
import type { Ui } from "./ui.ts";

/**
 * Matches on a touch screen without a mouse (a phone, a tablet): the
 * keyboard on the screen has no Shift+Enter, so Enter makes a new line.
 */
export const TOUCH_MEDIA = "(hover: none) and (pointer: coarse)";

/** Options for {@linkcode bindComposerKeys}. */
export interface ComposerKeysOptions {
  /** Called when a key put another text in the box (a sent line recalled, a completion). */
  changed?: () => void;
}

/**
 * Adds history and completion keys to `input`.
 *
 * @param sources Called on each Tab for what to complete from.
 * @returns The history; push each sent line to it.
 */
export function bindComposerKeys(
  input: HTMLTextAreaElement,
  sources: () => CompletionSources,
  options: ComposerKeysOptions = {},
): InputHistory {
  const history = new InputHistory();
  const completer = new Completer();
  const touch = matchMedia(TOUCH_MEDIA);
  // The key on the screen's keyboard reads as what Enter does.
  const labelEnter = () => {
    input.enterKeyHint = touch.matches ? "enter" : "send";
  };
  labelEnter();
  touch.addEventListener("change", labelEnter);
  input.addEventListener("input", () => fitToText(input));
  input.addEventListener("keydown", (event) => {
    if (event.key !== "Tab") completer.reset();
    if (event.isComposing) {
      if (event.key === "Enter") event.preventDefault();
      return;
    }
    // Enter sends, but on a touch screen; Ctrl+Enter and Cmd+Enter everywhere, for the keyboard
    // plugged into a tablet, where Enter makes a new line.
    const plain = !event.ctrlKey && !event.metaKey && !touch.matches;
    const held = event.ctrlKey !== event.metaKey;
    if (event.key === "Enter" && !event.shiftKey && !event.altKey && (plain || held)) {
      event.preventDefault();
      input.form?.requestSubmit();
      return;
    }
    if (event.key === "Tab" && !event.shiftKey && !event.ctrlKey && !event.altKey) {
      const caret = input.selectionStart ?? input.value.length;
      // On an empty box Tab moves on, so the keyboard is never trapped here.
      if (input.value.slice(0, caret).trim() === "") return;
      event.preventDefault();
      const done = completer.complete(input.value, caret, sources());
      if (done === undefined) return;
      input.value = done.value;
      input.setSelectionRange(done.caret, done.caret);
      options.changed?.();
      return;
    }
    if (event.key !== "ArrowUp" && event.key !== "ArrowDown") return;
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (input.selectionStart !== input.selectionEnd) return;
    // Up and Down move between the rows of the text; from its first row up, or its last down
    // while a sent line is shown, they go through what was sent, and back to the draft.
    const up = event.key === "ArrowUp";
    if (!up && !history.recalling) return;
    const rows = caretRows(input);
    if (up ? !rows.first : !rows.last) return;
    const line = up ? history.up(input.value) : history.down();
    if (line === undefined) return;
    event.preventDefault();
    input.value = line;
    input.setSelectionRange(line.length, line.length);
    fitToText(input);
    options.changed?.();
  });
  return history;
}

/** Makes the message box as tall as its lines, up to the most its style allows. */
export function fitToText(input: HTMLTextAreaElement): void {
  input.style.removeProperty("height");
  if (input.value === "") return;
  // The scroll height leaves out the borders, which the box's height counts.
  const borders = input.offsetHeight - input.clientHeight;
  input.style.height = `${input.scrollHeight + borders}px`;
}

/**
 * Says above the message box, while its draft is too long to send (its
 * `size` as a message), how long it is, the limit and `shareHow` to share
 * it as a file instead (nothing when the page takes no files); the box is
 * marked invalid meanwhile. With no `size`, the draft fits: nothing is
 * said. Sending it is refused all the same, saying so in the log.
 */
export function showLength(
  ui: Pick<Ui, "input" | "tooLong">,
  size: MessageSize | undefined,
  shareHow?: string,
): void {
  const { input, tooLong } = ui;
  const words = size === undefined ? "" : tooLongWarning(size, shareHow);
  if (tooLong.textContent !== words) tooLong.textContent = words;
  tooLong.hidden = size === undefined;
  if (size !== undefined) {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", tooLong.id);
  } else {
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  }
}
