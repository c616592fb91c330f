/// <reference lib="dom" />
// This module is browser compatible.

/**
 * The connection state as the header shows it: "Connecting…", "Connected",
 * "Reconnecting in N s" (counting down) or "Disconnected".
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

/** The elements that show the status. */
export interface StatusElements {
  /** The header's status text (`#status`). */
  status: HTMLElement;
  /** A polite live region that announces changes of state only. */
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
    const changed = status.dataset.state !== kind;
    if (changed) status.dataset.state = kind;
    // Screen readers hear changes of state, and why the page was sent away, not every tick of
    // the countdown.
    if (changed || (state.kind === "stopped" && announce.textContent !== said)) {
      announce.textContent = kind === "reconnecting" ? "Reconnecting" : said;
    }
    retry.hidden = state.kind !== "waiting" && state.kind !== "stopped";
    retry.textContent = state.kind === "stopped" ? "Reconnect" : "Retry now";
    nameStatus.textContent = state.kind === "open" ? "" : text;
  }
}
