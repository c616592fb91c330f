/// <reference lib="dom" />
// This module is browser compatible.

/**
 * The message box's keys: Up and Down walk through sent lines, Tab completes
 * names, commands and rooms (again to cycle), Enter in an IME never sends.
 *
 * @module
 */

import type { CompletionSources } from "../core/complete.ts";
import { Completer, InputHistory } from "./input.ts";

/**
 * Adds history and completion keys to `input`.
 *
 * @param sources Called on each Tab for what to complete from.
 * @returns The history; push each sent line to it.
 */
export function bindComposerKeys(
  input: HTMLInputElement,
  sources: () => CompletionSources,
): InputHistory {
  const history = new InputHistory();
  const completer = new Completer();
  input.addEventListener("keydown", (event) => {
    if (event.key !== "Tab") completer.reset();
    if (event.isComposing) {
      if (event.key === "Enter") event.preventDefault();
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
      return;
    }
    if (event.key !== "ArrowUp" && event.key !== "ArrowDown") return;
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const line = event.key === "ArrowUp" ? history.up(input.value) : history.down();
    if (line === undefined) return;
    event.preventDefault();
    input.value = line;
    input.setSelectionRange(line.length, line.length);
  });
  return history;
}
