/// <reference lib="dom" />
// This module is browser compatible.

/**
 * The log of one view (a room, or private messages with someone): appends
 * lines, follows the newest one while the reader is at the bottom (as
 * lines change height after they are drawn too: a picture loaded, or the
 * card in place of one the server no longer has), and otherwise offers a "new messages" button that scrolls down. A log keeps
 * its scroll position while another view is shown in its place, and the
 * line read down to in view as it changes height (a phone's keyboard).
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

/** One view's scrolling log, and the "new messages" marker while it is shown. */
export class LogView {
  /** The log's element: the page shows it in place of the others while its view is looked at. */
  readonly element: HTMLElement;
  readonly #marker: HTMLElement;
  readonly #maxLines: number;
  readonly #slack: number;
  #stick = true;
  #shown = false;
  /** Where the log was scrolled to at its last scroll event. */
  #lastTop = 0;
  /** Where the reader had scrolled when the log was last taken off the page. */
  #savedTop = 0;
  /** How far down the log the reader sees, from its top: what stays in view as it changes height. */
  #bottom = 0;
  #unseen = 0;
  #unseenMessages = 0;
  /**
   * Watches the lines, which may change height after they are drawn (a
   * picture loaded, or a card in place of one that failed to): the newest
   * line stays in view if it was. A line taken out of the log is no longer
   * watched.
   */
  readonly #lines = new ResizeObserver((entries) => {
    for (const { target } of entries) {
      if (target.parentElement !== this.#log) this.#lines.unobserve(target);
    }
    this.#pin();
  });

  /** A log labelled `label` for screen readers, sharing the page's `marker` button. */
  constructor(label: string, marker: HTMLElement, options: LogViewOptions = {}) {
    const log = document.createElement("div");
    log.className = "log";
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-label", label);
    log.tabIndex = 0;
    this.element = log;
    this.#marker = marker;
    this.#maxLines = options.maxLines ?? 2000;
    this.#slack = options.slack ?? 48;
    log.addEventListener("scroll", () => {
      if (!this.#shown) return;
      const top = log.scrollTop;
      // Only going up leaves the newest line: the log may have grown below since it was last
      // followed (a picture that took its height before its load event follows it again).
      if (this.#atBottom()) {
        this.#stick = true;
        this.#clearMarker();
      } else if (top < this.#lastTop) this.#stick = false;
      this.#lastTop = top;
      this.#bottom = top + log.clientHeight;
    }, { passive: true });
    // The log shrinks when a phone's keyboard opens, and grows back when it closes.
    new ResizeObserver(() => this.#resized()).observe(log);
  }

  /**
   * Keeps the bottom of what the reader sees in view as the log changes
   * height: the newest line if they follow it, else the line they had read
   * down to, which a phone's keyboard would cover. The browser may have
   * moved the log already (a log grown past its end), so the bottom is the
   * one the reader last saw, not the one now.
   */
  #resized(): void {
    if (!this.#shown) return;
    if (this.#stick) return this.#pin();
    const height = this.#log.clientHeight;
    if (height > 0) this.#scrollTo(this.#bottom - height);
  }

  /** Scrolls the log to `top`, a place the reader chose or was brought to. */
  #scrollTo(top: number): void {
    this.#log.scrollTop = top;
    this.#bottom = this.#log.scrollTop + this.#log.clientHeight;
  }

  /** Keeps the newest line in view while the reader follows it. */
  #pin(): void {
    if (this.#shown && this.#stick) this.#log.scrollTop = this.#log.scrollHeight;
  }

  get #log(): HTMLElement {
    return this.element;
  }

  /** Whether a line shown here waits for the server still. */
  get sending(): boolean {
    return this.#log.querySelector(":scope > .pending") !== null;
  }

  /** Whether the reader is following the newest line. */
  get following(): boolean {
    return this.#stick;
  }

  /** Renames the log for screen readers. */
  label(label: string): void {
    this.element.setAttribute("aria-label", label);
  }

  /**
   * Quiets the log while history fills it (`true`), which screen readers
   * then do not read out line by line, or makes it live again (`false`):
   * busy, and no live region meanwhile, which keeps quiet the screen
   * readers that do not wait for a busy one.
   */
  quiet(quiet: boolean): void {
    if (quiet) {
      this.#log.setAttribute("aria-busy", "true");
      this.#log.setAttribute("aria-live", "off");
    } else {
      this.#log.removeAttribute("aria-busy");
      this.#log.setAttribute("aria-live", "polite");
    }
  }

  /**
   * Puts the log on the page in `frame`, in place of whatever was there, at
   * the position the reader left it: at the newest line if they were
   * following it, else where they had scrolled to.
   */
  show(frame: HTMLElement): void {
    if (!this.#shown) frame.replaceChildren(this.#log);
    this.#shown = true;
    if (this.#stick) this.#log.scrollTop = this.#log.scrollHeight;
    else this.#scrollTo(this.#savedTop);
    this.#showMarker();
  }

  /** The log is taken off the page: remembers where the reader was. */
  hide(): void {
    if (!this.#shown) return;
    this.#savedTop = this.#log.scrollTop;
    this.#shown = false;
    this.#log.remove();
  }

  /**
   * Appends `lines`, above the lines still being sent, which stay last;
   * scrolls to them if the reader was at the bottom, else shows the marker.
   */
  append(lines: readonly HTMLElement[]): void {
    if (lines.length === 0) return;
    const sending = this.#log.querySelector(":scope > .pending");
    for (const element of lines) {
      this.#log.insertBefore(element, sending);
      this.#lines.observe(element);
    }
    const excess = this.#log.childElementCount - this.#maxLines;
    for (let i = 0; i < excess; i++) {
      const first = this.#log.firstElementChild;
      if (first === null) break;
      this.#lines.unobserve(first);
      first.remove();
    }
    if (this.#stick) {
      if (this.#shown) this.#log.scrollTop = this.#log.scrollHeight;
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
    this.#lines.observe(element);
    this.scrollToBottom();
  }

  /**
   * Brings `element`, a line of this log, into view at the top if the reader
   * would otherwise start below it: what is new is read from its beginning,
   * and what it leaves below the fold is counted by the "new messages"
   * button, as what arrives after it will be.
   */
  reveal(element: HTMLElement): void {
    if (!this.#shown || element.parentElement !== this.#log) return;
    // The log is positioned, so the offsets of its lines are from its top.
    const top = element.offsetTop;
    if (top >= this.#log.scrollTop) return;
    this.#scrollTo(top);
    this.#stick = this.#atBottom();
    if (!this.#stick) this.#countBelow();
  }

  /** Counts, for the "new messages" button, the lines that end below what the reader sees. */
  #countBelow(): void {
    const bottom = this.#log.scrollTop + this.#log.clientHeight;
    const below = [...this.#log.children].filter((line) =>
      line instanceof HTMLElement && line.offsetTop + line.offsetHeight > bottom + 1
    );
    this.#unseen = below.length;
    this.#unseenMessages =
      below.filter((line) => COUNTED.some((kind) => line.classList.contains(kind))).length;
    this.#showMarker();
  }

  /** Scrolls to the newest line and hides the marker. */
  scrollToBottom(): void {
    this.#stick = true;
    if (this.#shown) this.#log.scrollTop = this.#log.scrollHeight;
    this.#clearMarker();
  }

  #atBottom(): boolean {
    const log = this.#log;
    return log.scrollHeight - log.scrollTop - log.clientHeight <= this.#slack;
  }

  #showMarker(): void {
    if (!this.#shown) return;
    if (this.#unseen === 0) {
      this.#marker.hidden = true;
      return;
    }
    const count = this.#unseenMessages;
    this.#marker.textContent = count === 0
      ? "New activity ↓"
      : `${count} new ${count === 1 ? "message" : "messages"} ↓`;
    this.#marker.hidden = false;
  }

  #clearMarker(): void {
    this.#unseen = 0;
    this.#unseenMessages = 0;
    if (this.#shown) this.#marker.hidden = true;
  }
}
