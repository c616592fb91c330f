/// <reference lib="dom" />
// This module is browser compatible.

/**
 * The message log: appends lines, follows the newest one while the reader is
 * at the bottom, and otherwise offers a "new messages" button that scrolls
 * down.
 *
 * @module
 */

/** Options for {@linkcode LogView}. */
export interface LogViewOptions {
  /** Lines kept; older ones are removed. @default {2000} */
  maxLines?: number;
  /** Pixels from the bottom that still count as "at the bottom". @default {48} */
  slack?: number;
}

/** Lines whose arrival counts as a new message for the marker. */
const COUNTED = ["message", "action", "private", "error"];

/** The scrolling log and its "new messages" marker. */
export class LogView {
  readonly #log: HTMLElement;
  readonly #marker: HTMLElement;
  readonly #maxLines: number;
  readonly #slack: number;
  #stick = true;
  #unseen = 0;
  #unseenMessages = 0;

  constructor(log: HTMLElement, marker: HTMLElement, options: LogViewOptions = {}) {
    this.#log = log;
    this.#marker = marker;
    this.#maxLines = options.maxLines ?? 2000;
    this.#slack = options.slack ?? 48;
    log.addEventListener("scroll", () => {
      this.#stick = this.#atBottom();
      if (this.#stick) this.#clearMarker();
    }, { passive: true });
    marker.addEventListener("click", () => this.scrollToBottom());
    // The log shrinks when a phone's keyboard opens: keep the newest line in view.
    new ResizeObserver(() => {
      if (this.#stick) this.#log.scrollTop = this.#log.scrollHeight;
    }).observe(log);
  }

  /** Whether the reader is following the newest line. */
  get following(): boolean {
    return this.#stick;
  }

  /**
   * Appends `lines`, above the lines still being sent, which stay last;
   * scrolls to them if the reader was at the bottom, else shows the marker.
   */
  append(lines: readonly HTMLElement[]): void {
    if (lines.length === 0) return;
    const sending = this.#log.querySelector(":scope > .pending");
    for (const element of lines) this.#log.insertBefore(element, sending);
    const excess = this.#log.childElementCount - this.#maxLines;
    for (let i = 0; i < excess; i++) this.#log.firstElementChild?.remove();
    if (this.#stick) {
      this.#log.scrollTop = this.#log.scrollHeight;
      return;
    }
    this.#unseen += lines.length;
    this.#unseenMessages +=
      lines.filter((element) => COUNTED.some((kind) => element.classList.contains(kind))).length;
    this.#showMarker();
  }

  /** Appends a line the server has not answered yet, below every other, and shows it. */
  appendPending(element: HTMLElement): void {
    this.#log.appendChild(element);
    this.scrollToBottom();
  }

  /** Scrolls to the newest line and hides the marker. */
  scrollToBottom(): void {
    this.#stick = true;
    this.#log.scrollTop = this.#log.scrollHeight;
    this.#clearMarker();
  }

  #atBottom(): boolean {
    const log = this.#log;
    return log.scrollHeight - log.scrollTop - log.clientHeight <= this.#slack;
  }

  #showMarker(): void {
    if (this.#unseen === 0) return;
    const count = this.#unseenMessages;
    this.#marker.textContent = count === 0
      ? "New activity ↓"
      : `${count} new ${count === 1 ? "message" : "messages"} ↓`;
    this.#marker.hidden = false;
  }

  #clearMarker(): void {
    this.#unseen = 0;
    this.#unseenMessages = 0;
    this.#marker.hidden = true;
  }
}
