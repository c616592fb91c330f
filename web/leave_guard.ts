/// <reference lib="dom" />
// This module is browser compatible.

/**
 * Has the browser ask before the tab is closed or reloaded while lines wait for the server.
 *
 * @module
 */

/**
 * Listens for the page being left only while lines wait for the server:
 * closing or reloading the tab would lose them, so the browser asks first.
 * Nothing waiting, the page goes without a word, and may stay in the
 * browser's back-forward cache, which a listener can keep it out of.
 */
export class LeaveGuard {
  /** Whether the page listens for being left, as it does while lines wait for the server. */
  #guards = false;
  /** Has the browser ask before the page goes while lines it has not sent would go with it. */
  readonly #askBeforeLeaving: (event: BeforeUnloadEvent) => void;

  /** @param unsent How many lines the page has not sent yet, as the page goes. */
  constructor(unsent: () => number) {
    this.#askBeforeLeaving = (event) => {
      if (unsent() > 0) event.preventDefault();
    };
  }

  /** Listens for the page being left while `waiting` lines wait for the server, else stops. */
  update(waiting: number): void {
    const guards = waiting > 0;
    if (guards === this.#guards) return;
    this.#guards = guards;
    if (guards) globalThis.addEventListener("beforeunload", this.#askBeforeLeaving);
    else globalThis.removeEventListener("beforeunload", this.#askBeforeLeaving);
  }
}
