/// <reference lib="dom" />
// This module is browser compatible.

/**
 * Has the browser ask before the tab is closed or reloaded while lines wait
 * for the server (from the moment they are sent until the server has them)
 * or files are being uploaded.
 *
 * @module
 */

/** What the page would lose if it went now, for {@linkcode LeaveGuard}. */
export interface LeaveGuardOptions {
  /**
   * How many lines wait for the server, as the page goes: every line sent
   * and not yet answered, however young (a link that died a moment ago
   * answers nothing, and would take it with the tab).
   */
  waiting: () => number;
  /** Whether files are being uploaded, or wait their turn, as the page goes. */
  uploading: () => boolean;
}

/**
 * Listens for the page being left only while lines wait for the server or
 * files are on their way to it: closing or reloading the tab would lose
 * them, so the browser asks first. Nothing waiting, the page goes without a
 * word, and may stay in the browser's back-forward cache, which a listener
 * can keep it out of.
 */
export class LeaveGuard {
  /** Whether the page listens for being left, as it does while something would be lost. */
  #guards = false;
  /** Has the browser ask before the page goes while lines or files would go with it. */
  readonly #askBeforeLeaving: (event: BeforeUnloadEvent) => void;

  /** Asks before the page goes while `options` say something would be lost. */
  constructor(options: LeaveGuardOptions) {
    this.#askBeforeLeaving = (event) => {
      if (options.waiting() > 0 || options.uploading()) event.preventDefault();
    };
  }

  /**
   * Listens for the page being left while `waiting` lines wait for the
   * server or files are `uploading`, else stops.
   */
  update(waiting: number, uploading: boolean): void {
    const guards = waiting > 0 || uploading;
    if (guards === this.#guards) return;
    this.#guards = guards;
    if (guards) globalThis.addEventListener("beforeunload", this.#askBeforeLeaving);
    else globalThis.removeEventListener("beforeunload", this.#askBeforeLeaving);
  }
}
