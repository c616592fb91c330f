/// <reference lib="dom" />
// This module is browser compatible.

/**
 * One log per view (core/views.ts): each room the user is in, and each
 * person they exchange private messages with, has its own log, and only the
 * one looked at is on the page, so switching never mixes two rooms' lines
 * and each keeps its scroll position. Coming back to a view, or to the tab
 * after it was hidden, a "new since you last looked" line ("new in @bob" in
 * a view never looked at) goes above what arrived meanwhile; it stays until
 * the user looks elsewhere or sends a line.
 *
 * @module
 */

import type { Line } from "../core/describe.ts";
import { unseenDivider, type UnseenOptions } from "../core/dividers.ts";
import { nameKey } from "../core/names.ts";
import { LogView } from "./log.ts";

/** The key of view `id`: a room's canonical name, or `@` and the name key of a person. */
function keyOf(id: string): string {
  return id.startsWith("@") ? `@${nameKey(id.slice(1))}` : id;
}

/** What the screen reader calls the log of view `id`. */
function labelOf(id: string): string {
  return id.startsWith("@") ? `Private messages with ${id.slice(1)}` : `Messages in ${id}`;
}

/** The logs of every view, and which one is on the page. */
export class ViewLogs {
  readonly #frame: HTMLElement;
  readonly #marker: HTMLElement;
  readonly #draw: (line: Line) => HTMLElement;
  readonly #logs = new Map<string, LogView>();
  /** The log of lines shown before there was any view; the first view takes it over. */
  #spare: LogView | undefined;
  #shown: LogView;
  /**
   * The elements each line was drawn as, to find where the unseen lines
   * begin: one per log it is in, as a line shown in a room and in the
   * private view with the person it concerns (someone leaving) is.
   */
  readonly #drawn = new WeakMap<Line, HTMLElement[]>();
  /** The "new since you last looked" line of each view that has one: one at most. */
  readonly #dividers = new Map<LogView, HTMLElement>();
  /** The first line that arrived in the log on the page while the tab was hidden. */
  #away: { log: LogView; element: HTMLElement } | undefined;
  /** The logs history is filling, which screen readers are not to read out (see {@linkcode ViewLogs.quiet}). */
  readonly #quiet = new Set<LogView>();

  /**
   * Shows the logs in `frame`, with the shared "new messages" `marker`
   * button; `draw` makes a line's element.
   */
  constructor(frame: HTMLElement, marker: HTMLElement, draw: (line: Line) => HTMLElement) {
    this.#frame = frame;
    this.#marker = marker;
    this.#draw = draw;
    this.#spare = new LogView("Messages", marker);
    this.#shown = this.#spare;
    this.#shown.show(frame);
    marker.addEventListener("click", () => this.#shown.scrollToBottom());
  }

  /** The log on the page. */
  get shown(): LogView {
    return this.#shown;
  }

  /** Reports whether the log of view `id` is the one on the page. */
  isShown(id: string): boolean {
    return this.#logs.get(keyOf(id)) === this.#shown;
  }

  /**
   * Quiets the log of view `id`, or the log on the page without one, until
   * {@linkcode ViewLogs.speak}: a room's history replayed as it is entered,
   * or as the page comes back, is added to it without being read out.
   */
  quiet(id: string | undefined): void {
    const log = id === undefined ? this.#shown : this.#log(id);
    log.quiet(true);
    this.#quiet.add(log);
  }

  /** Whether a log is quiet, history filling it. */
  get quieting(): boolean {
    return this.#quiet.size > 0;
  }

  /** Whether the log of view `id` is on the page and live: what is added to it is read out. */
  isHeard(id: string): boolean {
    return this.isShown(id) && !this.#quiet.has(this.#shown);
  }

  /** The history is in: every quiet log is live again, and reads out what is added from now on. */
  speak(): void {
    for (const log of this.#quiet) log.quiet(false);
    this.#quiet.clear();
  }

  /** Appends `lines` to the log of view `id`, or to the log on the page without one. */
  append(id: string | undefined, lines: readonly Line[]): void {
    const log = id === undefined ? this.#shown : this.#log(id);
    log.append(lines.map((line) => {
      const element = this.#draw(line);
      const drawn = this.#drawn.get(line);
      if (drawn === undefined) this.#drawn.set(line, [element]);
      else drawn.push(element);
      return element;
    }));
  }

  /**
   * Puts the log of view `id` on the page; the "new since you last looked"
   * line of the one before goes.
   */
  show(id: string): void {
    const log = this.#log(id);
    if (log === this.#shown) return;
    this.dropDivider();
    this.#away = undefined;
    this.#shown.hide();
    this.#shown = log;
    log.show(this.#frame);
  }

  /**
   * The user looks at view `id` now: its log goes on the page, with the
   * "new since you last looked" line above `unseen`, the lines that arrived
   * there while they looked elsewhere (`skipped` older ones were not kept;
   * `first`, they never looked there before: "new in @bob").
   */
  switched(id: string, unseen: readonly Line[], options: UnseenOptions): void {
    this.show(id);
    const log = this.#shown;
    const first = unseen.map((line) => this.#element(line, log))
      .find((element) => element !== undefined);
    if (first !== undefined) this.#divide(log, first, unseenDivider(id, options));
  }

  /**
   * `line`, shown in view `id`, arrived while the tab was hidden: if that
   * view is on the page and nothing arrived before it, the "new since you
   * left" line goes above it once the tab is shown again.
   */
  arrivedAway(id: string, line: Line): void {
    const element = this.#element(line, this.#shown);
    if (this.#away !== undefined || !this.isShown(id) || element === undefined) return;
    this.#away = { log: this.#shown, element };
  }

  /**
   * The tab is shown again: the "new since you last looked" line goes above
   * what arrived in view `id`.
   */
  returned(id: string): void {
    const away = this.#away;
    this.#away = undefined;
    if (away === undefined || away.log !== this.#shown || !this.isShown(id)) return;
    if (away.element.parentElement === away.log.element) {
      this.#divide(away.log, away.element, unseenDivider(id));
    }
  }

  /** The user is done with what was new on the page (they sent a line): its divider goes. */
  dropDivider(): void {
    this.#dividers.get(this.#shown)?.remove();
    this.#dividers.delete(this.#shown);
  }

  /** The person called `from` is now called `to`: their private log follows. */
  renamed(from: string, to: string): void {
    const log = this.#logs.get(keyOf(`@${from}`));
    if (log === undefined || keyOf(`@${from}`) === keyOf(`@${to}`)) return;
    this.#logs.delete(keyOf(`@${from}`));
    this.#logs.set(keyOf(`@${to}`), log);
    log.label(labelOf(`@${to}`));
  }

  /**
   * Forgets the logs of views other than `ids`: rooms the user is in no
   * more, and a room being entered that is not shown, once no line shown
   * there waits for the server.
   */
  keep(ids: readonly string[]): void {
    const kept = new Set(ids.map(keyOf));
    for (const [key, log] of this.#logs) {
      if (kept.has(key) || log === this.#shown || log.sending) continue;
      this.#logs.delete(key);
      this.#dividers.delete(log);
      this.#quiet.delete(log);
    }
  }

  /** The element `line` was drawn as in `log`, while it is there. */
  #element(line: Line, log: LogView): HTMLElement | undefined {
    return this.#drawn.get(line)?.find((element) => element.parentElement === log.element);
  }

  /** Puts `divider` above `first`, a line of `log`, in place of the one it had, and shows it. */
  #divide(log: LogView, first: HTMLElement, divider: Line): void {
    this.#dividers.get(log)?.remove();
    const element = this.#draw(divider);
    log.element.insertBefore(element, first);
    this.#dividers.set(log, element);
    log.reveal(element);
  }

  /** The log of view `id`, begun now if it is new. */
  #log(id: string): LogView {
    const key = keyOf(id);
    let log = this.#logs.get(key);
    if (log !== undefined) return log;
    log = this.#spare ?? new LogView(labelOf(id), this.#marker);
    log.label(labelOf(id));
    this.#spare = undefined;
    this.#logs.set(key, log);
    return log;
  }
}
