// This module is browser compatible.

/**
 * Editing helpers for the message box: Up/Down recall of sent lines and Tab
 * completion that cycles through what core/complete.ts offers. Pure string
 * logic, no DOM.
 *
 * @module
 */

import { completions, type CompletionSources } from "../core/complete.ts";

/** The lines the user sent, walked with Up and Down like a shell's history. */
export class InputHistory {
  readonly #items: string[] = [];
  readonly #limit: number;
  #index = 0;
  #draft = "";

  /** @param limit Lines kept. */
  constructor(limit = 200) {
    this.#limit = limit;
  }

  /** Records a sent line and goes back to a fresh draft. */
  push(line: string): void {
    if (line !== "" && this.#items.at(-1) !== line) this.#items.push(line);
    if (this.#items.length > this.#limit) this.#items.shift();
    this.#index = this.#items.length;
    this.#draft = "";
  }

  /** The line before the one shown, or `undefined` at the oldest; `current` is kept as the draft. */
  up(current: string): string | undefined {
    if (this.#index === 0) return undefined;
    if (this.#index === this.#items.length) this.#draft = current;
    this.#index--;
    return this.#items[this.#index];
  }

  /** The line after the one shown, the draft after the newest, or `undefined` past it. */
  down(): string | undefined {
    if (this.#index >= this.#items.length) return undefined;
    this.#index++;
    return this.#index === this.#items.length ? this.#draft : this.#items[this.#index];
  }

  /** Whether a sent line is shown in place of the draft, which Down brings back. */
  get recalling(): boolean {
    return this.#index < this.#items.length;
  }
}

/** The input after a completion. */
export interface Completed {
  /** The new text. */
  value: string;
  /** Where the caret goes. */
  caret: number;
}

interface Cycle {
  /** Text before the completed word. */
  head: string;
  /** Text after the caret when Tab was first pressed. */
  tail: string;
  options: string[];
  index: number;
  /** What the last completion produced, to tell whether the user edited since. */
  last: Completed;
}

/** Tab completion that cycles through the options on each further Tab. */
export class Completer {
  #cycle: Cycle | undefined;

  /** Forgets the cycle; call on any key other than Tab. */
  reset(): void {
    this.#cycle = undefined;
  }

  /** Completes the word before `caret`, or returns `undefined` when nothing matches. */
  complete(value: string, caret: number, sources: CompletionSources): Completed | undefined {
    let cycle = this.#cycle;
    if (cycle !== undefined && cycle.last.value === value && cycle.last.caret === caret) {
      cycle.index = (cycle.index + 1) % cycle.options.length;
    } else {
      const found = completions(value, caret, sources);
      if (found.options.length === 0) {
        this.#cycle = undefined;
        return undefined;
      }
      cycle = {
        head: value.slice(0, found.start),
        tail: value.slice(caret),
        options: found.options,
        index: 0,
        last: { value, caret },
      };
      this.#cycle = cycle;
    }
    const chosen = cycle.options[cycle.index] ?? "";
    // Do not double the space when the caret was before one.
    const option = /^\s/.test(cycle.tail) ? chosen.trimEnd() : chosen;
    cycle.last = {
      value: cycle.head + option + cycle.tail,
      caret: cycle.head.length + option.length,
    };
    return cycle.last;
  }
}
