// This module is browser compatible.

/**
 * Editing helpers for the message box: Up/Down recall of sent lines, a draft
 * kept for each view, and Tab completion that cycles through what
 * core/complete.ts offers. Pure string logic, no DOM.
 *
 * @module
 */

import { completions, type CompletionSources } from "../core/complete.ts";
import { cursorToEnd, joinDraft, type Offered } from "../core/effects.ts";
import { nameKey } from "../core/names.ts";

export { cursorToEnd, joinDraft };
export type { Offered };

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

  /**
   * Stops going through the sent lines with `current` in the box, as when the
   * box goes to another view: returns what to keep of it, the draft typed
   * before Up if the box shows a sent line as it was (that line is kept
   * here), else `current`.
   */
  leave(current: string): string {
    const kept = this.recalling && current === this.#items[this.#index] ? this.#draft : current;
    this.#index = this.#items.length;
    this.#draft = "";
    return kept;
  }
}

/** The key of view `id` (`#dev`, `@Bob`): a room's name as is, `@` and a person's name key. */
function viewKey(id: string): string {
  return id.startsWith("@") ? `@${nameKey(id.slice(1))}` : id;
}

/**
 * What was typed in the message box for each view (room or private
 * conversation), kept while the user looks at another one, so that a line
 * begun for one view never goes to another.
 */
export class Drafts {
  readonly #drafts = new Map<string, string>();
  /** The key of the view whose draft is in the box, until there is one. */
  #current: string | undefined;

  /** Whether the box holds the draft of view `id`. */
  isFor(id: string): boolean {
    return this.#current === viewKey(id);
  }

  /**
   * The box goes to view `id`, holding `text`: keeps `text` as the draft of
   * the view it was in, and returns what the box holds now, the draft of
   * `id` (empty without one). The first view takes over what was typed
   * before there was any.
   */
  switchTo(id: string, text: string): string {
    const key = viewKey(id);
    if (key === this.#current) return text;
    const before = this.#current;
    this.#current = key;
    if (before === undefined) return this.#take(key) ?? text;
    if (text === "") this.#drafts.delete(before);
    else this.#drafts.set(before, text);
    return this.#take(key) ?? "";
  }

  /**
   * Keeps `text` as the draft of view `id`, whose draft is not in the box;
   * when it has one already, `text` goes on a line of its own after it, so
   * that nothing typed there is lost.
   */
  offer(id: string, text: string): void {
    const key = viewKey(id);
    if (key !== this.#current) this.#drafts.set(key, joinDraft(this.#drafts.get(key) ?? "", text));
  }

  /** The person called `from` is now called `to`: the draft of their private view follows. */
  renamed(from: string, to: string): void {
    const [was, now] = [viewKey(`@${from}`), viewKey(`@${to}`)];
    if (was === now) return;
    if (this.#current === was) this.#current = now;
    const draft = this.#drafts.get(was);
    if (draft === undefined) return;
    this.#drafts.delete(was);
    this.#drafts.set(now, draft);
  }

  /** The draft kept for `key`, forgotten here as it goes into the box. */
  #take(key: string): string | undefined {
    const draft = this.#drafts.get(key);
    this.#drafts.delete(key);
    return draft;
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
