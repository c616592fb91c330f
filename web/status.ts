/// <reference lib="dom" />
// This module is browser compatible.

/**
 * The connection state as the header shows it: "Connecting…", "Connected",
 * "Reconnecting in N s" (counting down) or "Disconnected". A screen reader
 * hears it from a hidden live region instead, told each loss once
 * ("Reconnecting", however many attempts fail) and each return once
 * ("Connected"); the header's words are hidden from it, not read twice.
 *
 * @module
 */

import type { ConnectionState } from "./connection.ts";

/** How far the page got with its name on an open socket. */
export type Phase = "asking" | "joining" | "joined";

/** What {@linkcode statusText} returns: the words and a kind for styling. */
export interface Status {
  /** Shown to the user. */
  text: string;
  /** `connecting`, `connected`, `reconnecting` or `disconnected`. */
  kind: string;
}

/** Describes the connection for the header. */
export function statusText(state: ConnectionState, phase: Phase, now: number): Status {
  switch (state.kind) {
    case "connecting":
      return { text: "Connecting…", kind: "connecting" };
    case "open":
      if (phase === "joined") return { text: "Connected", kind: "connected" };
      return phase === "asking"
        ? { text: "Waiting for your name", kind: "connecting" }
        : { text: "Joining…", kind: "connecting" };
    case "waiting": {
      const seconds = Math.max(1, Math.ceil((state.until - now) / 1000));
      return { text: `Reconnecting in ${seconds} s`, kind: "reconnecting" };
    }
    case "stopped":
      return { text: "Disconnected", kind: "disconnected" };
  }
}

/**
 * Why a line for the server typed while the page was sent away for good is
 * not sent: `why`, as the server said it (`You were kicked by ann: flooding`,
 * or the refusal of its `hello`), and what to do.
 */
export function sentAwayError(why: string): string {
  const said = why.startsWith("You ") ? `y${why.slice(1)}` : `not connected (${why})`;
  return `Cannot send: ${said}; click Reconnect to join again`;
}

/** What {@linkcode spokenStatus} is told besides the state. */
interface Spoken {
  /** How far the page got with its name. */
  phase: Phase;
  /** Why the server sent the page away, if it did. */
  why: string | undefined;
  /** The header's words, with that why. */
  said: string;
  /** What a screen reader was told last: nothing yet, as the page first connects. */
  last: string;
}

/**
 * What a screen reader is told of `state`: "Connected", "Reconnecting"
 * while a page that was, or tried to be, connected is not (each attempt is
 * no news), "Disconnected" and why when it stops; `undefined` to leave what
 * was said last, as while the page first connects and asks for a name.
 */
function spokenStatus(state: ConnectionState, spoken: Spoken): string | undefined {
  const { phase, why, said, last } = spoken;
  switch (state.kind) {
    case "stopped":
      // Not started yet is no news.
      return why === undefined && last === "" ? undefined : said;
    case "waiting":
      return "Reconnecting";
    case "open":
      if (phase === "joined") return "Connected";
      return last === "" ? undefined : "Reconnecting";
    case "connecting":
      return last === "" ? undefined : "Reconnecting";
  }
}

/** The elements that show the status. */
export interface StatusElements {
  /** The header's status text (`#status`), for the eye. */
  status: HTMLElement;
  /** A polite live region, for screen readers: each loss and each return, once. */
  announce: HTMLElement;
  /** "Retry now" / "Reconnect" button. */
  retry: HTMLElement;
  /** The status line under the name form, shown while not connected. */
  nameStatus: HTMLElement;
}

/** Keeps the status elements current, ticking while a reconnect is counted down. */
export class StatusView {
  readonly #elements: StatusElements;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(elements: StatusElements) {
    this.#elements = elements;
  }

  /**
   * Shows `state`, and while stopped `why` the server sent the page away (a
   * kick, a ban); call again whenever the state or the phase changes.
   */
  show(state: ConnectionState, phase: Phase, why?: string): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#render(state, phase, why);
    if (state.kind === "waiting") {
      this.#timer = setInterval(() => this.#render(state, phase), 250);
    }
  }

  #render(state: ConnectionState, phase: Phase, why?: string): void {
    const { status, announce, retry, nameStatus } = this.#elements;
    const { text, kind } = statusText(state, phase, Date.now());
    const said = state.kind === "stopped" && why !== undefined ? `${text}: ${why}` : text;
    if (status.textContent !== text) status.textContent = text;
    status.title = said;
    if (status.dataset.state !== kind) status.dataset.state = kind;
    // Screen readers hear a loss, a return and why the page was sent away, once each: not every
    // tick of the countdown, nor each attempt.
    const last = announce.textContent ?? "";
    const spoken = spokenStatus(state, { phase, why, said, last });
    if (spoken !== undefined && announce.textContent !== spoken) announce.textContent = spoken;
    retry.hidden = state.kind !== "waiting" && state.kind !== "stopped";
    retry.textContent = state.kind === "stopped" ? "Reconnect" : "Retry now";
    nameStatus.textContent = state.kind === "open" ? "" : text;
  }
}
