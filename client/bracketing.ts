/** Bracketed paste asked of the terminal, and stopped however the program ends. @module */

import { BRACKETED_PASTE_OFF, BRACKETED_PASTE_ON } from "./paste.ts";
import { writeOut } from "./screen.ts";

/** Events on which the program ends without closing the terminal first. */
const LEAVING_EVENTS = ["error", "unhandledrejection", "unload"] as const;

/** Options for {@linkcode PasteBracketing}. */
export interface PasteBracketingOptions {
  /** Ends the terminal on SIGTERM, which then stops bracketing. */
  onTerminate: () => void;
  /** Writes what is held for the terminal, before it is asked to stop bracketing. */
  beforeStop: () => void;
}

/**
 * The terminal's bracketing of pastes, from {@linkcode PasteBracketing.start}
 * until the program ends in any way.
 */
export class PasteBracketing {
  readonly #onTerminate: () => void;
  readonly #beforeStop: () => void;
  /** Whether the terminal was asked to bracket pastes and not yet asked to stop. */
  #bracketing = false;
  /** Stops bracketing pastes however the program ends: an uncaught error, an exit. */
  readonly #leaving = () => this.stop();
  readonly #terminated = () => this.#onTerminate();

  /** Bracketing as `options` says to end the terminal and write what it holds. */
  constructor(options: PasteBracketingOptions) {
    this.#onTerminate = options.onTerminate;
    this.#beforeStop = options.beforeStop;
  }

  /** The terminal brackets pastes from now on, until the program ends in any way. */
  start(): void {
    this.#bracketing = true;
    writeOut(BRACKETED_PASTE_ON);
    if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", this.#terminated);
    for (const event of LEAVING_EVENTS) globalThis.addEventListener(event, this.#leaving);
  }

  /**
   * Asks the terminal to bracket pastes again, if it was asked before: after
   * the program was stopped and continued, the shell may have turned it off.
   */
  again(): void {
    if (this.#bracketing) writeOut(BRACKETED_PASTE_ON);
  }

  /** The terminal brackets pastes no longer; later calls do nothing. */
  stop(): void {
    if (!this.#bracketing) return;
    this.#bracketing = false;
    this.#beforeStop();
    writeOut(BRACKETED_PASTE_OFF);
    if (Deno.build.os !== "windows") Deno.removeSignalListener("SIGTERM", this.#terminated);
    for (const event of LEAVING_EVENTS) globalThis.removeEventListener(event, this.#leaving);
  }
}
