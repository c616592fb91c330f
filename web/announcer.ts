/// <reference lib="dom" />
// This module is browser compatible.

/**
 * What the page tells a screen reader beyond the log it shows: the view the
 * user is taken to, and a mention or a private message in a view they are
 * not looking at. Each is a paragraph added to a polite live region, hidden
 * from the eye, so that two said one after the other are both heard, and
 * the same words said again are heard again. The connection's state has a
 * region of its own (web/status.ts).
 *
 * @module
 */

import type { Alert } from "./alerts.ts";
import { sanitizeText } from "../core/sanitize.ts";

/** Paragraphs kept in the region: enough for what is said at once, few to read past. */
const KEPT = 3;

/** Longest text of a message said, in characters: the rest is in its view. */
const SAID_CHARS = 200;

/** How the screen reader names view `id` (`#dev`, `@bob`) as the user is taken to it. */
export function viewSaid(id: string): string {
  const name = sanitizeText(id);
  return name.startsWith("@") ? `Private messages with ${name.slice(1)}` : name;
}

/** What is said of a mention or a private message: who, where, and what they wrote. */
export function alertSaid(alert: Alert): string {
  const from = sanitizeText(alert.from);
  const text = sanitizeText(alert.text).replace(/\s+/g, " ").trim();
  const cut = text.length > SAID_CHARS ? `${text.slice(0, SAID_CHARS)}…` : text;
  return alert.view.startsWith("@")
    ? `Private message from ${from}: ${cut}`
    : `${from} mentioned you in ${sanitizeText(alert.view)}: ${cut}`;
}

/** The page's polite announcements, one paragraph each, in a live region. */
export class Announcer {
  readonly #region: HTMLElement;
  /** The view said in the task running now: a later one in the same task says it instead. */
  #view: HTMLElement | undefined;

  /** Speaks through `region`, an empty polite live region. */
  constructor(region: HTMLElement) {
    this.#region = region;
  }

  /** Says `text`. */
  say(text: string): void {
    this.#add(text);
  }

  /**
   * Says that the page shows view `id` now. Moved twice at once (a reloaded
   * tab: its first room, then the view it showed), only the last is said.
   */
  view(id: string): void {
    const said = viewSaid(id);
    if (this.#view?.isConnected) {
      this.#view.textContent = said;
      return;
    }
    const paragraph = this.#add(said);
    this.#view = paragraph;
    setTimeout(() => {
      if (this.#view === paragraph) this.#view = undefined;
    });
  }

  #add(text: string): HTMLElement {
    const paragraph = document.createElement("p");
    paragraph.textContent = text;
    this.#region.append(paragraph);
    // What was said is not read again, and the region stays short to read past.
    while (this.#region.childElementCount > KEPT) this.#region.firstElementChild?.remove();
    return paragraph;
  }
}
