/// <reference lib="dom" />
// This module is browser compatible.

/**
 * What the message box holds: a draft per view, refused words put back, and its length.
 *
 * @module
 */

import { conversationSources } from "../core/complete.ts";
import type { Conversation } from "../core/conversation.ts";
import { bindComposerKeys, fitToText, showLength } from "./composer.ts";
import { cursorToEnd, Drafts, type InputHistory, joinDraft, type Offered } from "./input.ts";
import type { Ui } from "./ui.ts";

/** What {@linkcode MessageBox} tells the page. */
export interface MessageBoxOptions {
  /** The user typed in the box: `value` is what it holds now. */
  typed(value: string): void;
}

/** The message box of a {@linkcode Conversation}: its keys, its drafts and its length. */
export class MessageBox {
  readonly #ui: Ui;
  readonly #chat: Conversation;
  readonly #history: InputHistory;
  /** What was typed in the message box for each view but the one looked at. */
  readonly #drafts = new Drafts();
  /** The message box and its caret once words the server refused last came back to it. */
  #offered: Offered | undefined;

  constructor(ui: Ui, chat: Conversation, options: MessageBoxOptions) {
    this.#ui = ui;
    this.#chat = chat;
    this.#history = bindComposerKeys(ui.input, () => conversationSources(chat), {
      changed: () => this.showLength(),
    });
    ui.input.addEventListener("input", (event) => {
      // What a person types, never a value the page sets itself (history, completion, sending).
      if (event.isTrusted) options.typed(ui.input.value);
      this.showLength();
    });
  }

  /** Empties the box once its line `value` went to the conversation: Up brings it back. */
  sent(value: string): void {
    this.#history.push(value);
    this.#ui.input.value = "";
    fitToText(this.#ui.input);
    this.showLength();
  }

  /** The person called `from` is now called `to`: the draft of their private view follows. */
  renamed(from: string, to: string): void {
    this.#drafts.renamed(from, to);
  }

  /**
   * The message box goes to view `id`, unless it holds its draft already:
   * what it holds stays with the view it was in, and what was typed for
   * `id` comes back, so that a line begun for one room or person never
   * goes to another.
   */
  showDraft(id: string): void {
    if (this.#drafts.isFor(id)) return;
    const input = this.#ui.input;
    const typed = this.#history.leave(input.value);
    const draft = this.#drafts.switchTo(id, typed);
    if (draft === input.value) return;
    input.value = draft;
    input.setSelectionRange(draft.length, draft.length);
    fitToText(input);
    this.showLength();
  }

  /**
   * Puts the words of a message the server refused back where they were
   * typed, as a line refused at once stays in the box: into the message box
   * while it holds that view's draft, else into the draft of the view they
   * were typed in. Words there already stay, the refused ones on a line of
   * their own after them: of several messages refused at once, none is lost,
   * and they come back in the order typed, one multi-line draft. The caret
   * stays where the user was typing, if they were; else it goes to the end.
   * Up brings each line back as well, as it does every line sent.
   */
  returned(text: string, view: string | undefined): void {
    if (view !== undefined && !this.#drafts.isFor(view)) return this.#drafts.offer(view, text);
    const input = this.#ui.input;
    const { selectionStart, selectionEnd, selectionDirection } = input;
    const toEnd = cursorToEnd(input.value, selectionStart, this.#offered);
    const kept = joinDraft(input.value, text);
    input.value = kept;
    if (toEnd) input.setSelectionRange(kept.length, kept.length);
    else input.setSelectionRange(selectionStart, selectionEnd, selectionDirection);
    this.#offered = { draft: kept, cursor: input.selectionStart };
    fitToText(input);
    this.showLength();
  }

  /**
   * Says above the message box whether its draft is too long to send, and
   * that the paperclip shares it as a file, while the page takes files.
   */
  showLength(): void {
    const size = this.#chat.oversize(this.#ui.input.value);
    showLength(this.#ui, size, this.#chat.shareHow);
  }
}
