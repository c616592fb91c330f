/// <reference lib="dom" />
// This module is browser compatible.

/**
 * Joining, as the page does it: the name it joins under (remembered from the
 * last visit, or typed into the name form), the password when the server
 * wants one, and what a refusal of either does to the form.
 *
 * @module
 */

import type { Refusal } from "../core/effects.ts";
import type { Phase } from "./status.ts";
import { joinedBefore, loadName, markJoined, takeGone, type Ui } from "./ui.ts";

/** Times a remembered name is tried again when the server says it is taken. */
const NAME_RETRIES = 2;

/** How long to wait before trying a remembered name again. */
const NAME_RETRY_MS = 1_500;

/** Which box of the name form an error is about: the name, the password, or neither. */
export type NameField = "name" | "password" | "none";

/**
 * Says `message` under the name form, for screen readers too (an alert), and
 * marks the box it is about as invalid: that box names the message as its
 * description, so the user who goes back to it hears why.
 */
export function showNameError(ui: Ui, message: string, field: NameField): void {
  ui.nameError.textContent = message;
  for (const [box, input] of [["name", ui.nameInput], ["password", ui.passwordInput]] as const) {
    if (box === field && message !== "") input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
}

/** What {@linkcode Joining} needs of the page. */
export interface JoiningActions {
  /** Says `hello` with `name`, if the socket is open. */
  hello: (name: string) => void;
  /** The phase changed: show it. */
  changed: () => void;
}

/** The name form and the name the page joins under. */
export class Joining {
  readonly #ui: Ui;
  readonly #actions: JoiningActions;
  /** The name to send in `hello` once the socket is open; `undefined` while asking. */
  #name: string | undefined;
  /** The name was remembered, not typed: if it is taken, wait and try again. */
  #automatic = false;
  #retries = 0;
  #phase: Phase = "asking";
  /** The server's password, kept for reconnects while the page is open (never stored). */
  #password: string | undefined;
  /**
   * Whether a connection of this tab's own may hold the name still: this
   * page joined, or it is the tab's page come back from a reload of a tab
   * that had joined. Not in a copy of the tab, whose original holds it.
   */
  #mayHoldName = takeGone() && joinedBefore();

  /** Drives the name form of `ui`. */
  constructor(ui: Ui, actions: JoiningActions) {
    this.#ui = ui;
    this.#actions = actions;
  }

  /** How far the page got with its name. */
  get phase(): Phase {
    return this.#phase;
  }

  /** The name to join under once the socket is open; `undefined` while asking. */
  get name(): string | undefined {
    return this.#name;
  }

  /** The password the user typed, if the server asked for one. */
  get password(): string | undefined {
    return this.#password;
  }

  /** Joins under `name` without asking, as remembered or as the user had it. */
  rejoin(name: string): void {
    this.#name = name;
    this.#automatic = true;
    this.#phase = "joining";
  }

  /** The user typed `name` (and `password`, if asked) into the form. */
  typed(name: string, password: string | undefined): void {
    if (password !== undefined) this.#password = password;
    this.#automatic = false;
    this.#retries = 0;
    this.sending(name);
  }

  /** A `hello` with `name` is on its way. */
  sending(name: string): void {
    this.#name = name;
    this.#phase = "joining";
    this.#ui.nameSubmit.disabled = true;
  }

  /** Shows the name form with `message`, about `field`, offering `suggestion`. */
  ask(message: string, suggestion = loadName() ?? "", field: NameField = "none"): void {
    const ui = this.#ui;
    this.#name = undefined;
    this.#automatic = false;
    this.#phase = "asking";
    showNameError(ui, message, field);
    ui.nameSubmit.disabled = false;
    if (ui.nameScreen.hidden || ui.nameInput.value === "") ui.nameInput.value = suggestion;
    ui.nameScreen.hidden = false;
    ui.app.inert = true;
    ui.nameInput.focus();
    ui.nameInput.select();
    this.#actions.changed();
  }

  /** The server refused the name or the password: ask again, or try a remembered name again. */
  refused(refusal: Refusal): void {
    const { about, code, message } = refusal;
    const name = this.#name;
    if (about === "password") {
      // Ask for it on the name form.
      this.#password = undefined;
      this.ask(message, name, "password");
      this.#ui.passwordRow.hidden = false;
      this.#ui.passwordInput.value = "";
      this.#ui.passwordInput.focus();
      return;
    }
    // A remembered name may still be held by this tab's previous connection, before a reload;
    // in a tab that never joined, or a copy of one, it is someone else's, another tab's maybe:
    // ask at once.
    if (
      this.#automatic && code === "name_taken" && this.#retries < NAME_RETRIES &&
      this.#mayHoldName
    ) {
      this.#retries++;
      setTimeout(() => {
        if (name !== undefined && this.#name === name && this.#phase === "joining") {
          this.#actions.hello(name);
        }
      }, NAME_RETRY_MS);
      return;
    }
    this.ask(message, name, "name");
  }

  /** The server accepted the name: the form goes away. */
  welcomed(): void {
    const ui = this.#ui;
    markJoined();
    this.#mayHoldName = true;
    this.#phase = "joined";
    this.#name = undefined;
    this.#automatic = false;
    this.#retries = 0;
    ui.app.classList.remove("offline");
    ui.nameScreen.hidden = true;
    ui.app.inert = false;
    showNameError(ui, "", "none");
  }

  /** The connection is gone: come back as `me` without asking, if the page had joined. */
  dropped(me: string): void {
    if (this.#phase !== "joined") return;
    this.rejoin(me);
    this.#ui.app.classList.add("offline");
  }
}
