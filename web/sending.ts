/// <reference lib="dom" />
// This module is browser compatible.

/**
 * The log lines that show lines still being sent, until the server answers them.
 *
 * @module
 */

/** The copies in the log of lines still being sent, by client message id. */
export class SendingLines {
  /** The log lines showing lines still being sent, by client message id. */
  readonly #lines = new Map<string, HTMLElement>();

  /**
   * Keeps `element`, the copy of the line with client message id `cid`
   * drawn while it goes, until the server answers it.
   */
  add(cid: string, element: HTMLElement): void {
    // Drawn for the eye only: a screen reader hears the line once, when the server has it
    // and it takes this copy's place, not also as it goes.
    element.setAttribute("aria-hidden", "true");
    this.#lines.set(cid, element);
  }

  /** The server answered the lines with client message ids `cids`: their copies go. */
  answered(cids: Iterable<string | undefined>): void {
    for (const cid of cids) {
      if (cid === undefined) continue;
      this.#lines.get(cid)?.remove();
      this.#lines.delete(cid);
    }
  }
}
