/// <reference lib="dom" />
// This module is browser compatible.

/**
 * Where the keyboard goes: the message box, the name box, the log or the sidebar drawer.
 *
 * @module
 */

import { TOUCH_MEDIA } from "./composer.ts";
import type { Ui } from "./ui.ts";

/** Matches while the sidebar is a drawer over the log, as web/style.css lays it out. */
const DRAWER_MEDIA = "(max-width: 720px)";

/** Opens and closes the sidebar drawer, and puts the keyboard where the user works. */
export class Focus {
  readonly #ui: Ui;
  /** Whether the window is narrow enough for the sidebar to be a drawer. */
  readonly #drawer: MediaQueryList = matchMedia(DRAWER_MEDIA);
  /**
   * Whether the user last touched the screen (or a pen did), rather than
   * pressing a key or clicking: until they do either, whether the device is
   * a touch screen without a mouse.
   */
  #touching = matchMedia(TOUCH_MEDIA).matches;

  constructor(ui: Ui) {
    this.#ui = ui;
    // Turned sideways (or a window widened) past a phone's width, the sidebar sits beside the
    // conversation: an open drawer closes, and stays closed once it is a drawer again, the
    // keyboard's focus left where the user put it meanwhile.
    this.#drawer.addEventListener("change", () => {
      if (!this.#drawer.matches) this.setDrawer(false);
      else this.#coverBehindDrawer();
    });
    // Seen before anything the press does, so that it knows how the user works.
    document.addEventListener("pointerdown", (event) => {
      this.#touching = event.pointerType !== "mouse";
    }, { capture: true, passive: true });
    document.addEventListener("keydown", () => {
      this.#touching = false;
    }, { capture: true });
  }

  /** Opens or closes the sidebar drawer (narrow screens), leaving the focus where it is. */
  setDrawer(open: boolean): void {
    const ui = this.#ui;
    ui.app.classList.toggle("sidebar-open", open);
    ui.sidebarToggle.setAttribute("aria-expanded", String(open));
    this.#coverBehindDrawer();
  }

  /**
   * While the drawer is open over them, the log and the message box are
   * inert: Tab stays among what can be seen, and screen readers leave out
   * what the drawer covers. A window widened past a phone's closes it.
   */
  #coverBehindDrawer(): void {
    this.#ui.main.inert = this.#drawer.matches &&
      this.#ui.app.classList.contains("sidebar-open");
  }

  /**
   * Puts the keyboard in the message box, or the name box while it is
   * shown. After a touch it leaves the message box alone, as its focus
   * raises the on-screen keyboard over half the log: a tap on the box is
   * what raises it. The focus then goes to `log` if it was on nothing or
   * on what is going out of sight (the drawer's buttons, the new messages
   * button).
   */
  focusInput(log: HTMLElement): void {
    const ui = this.#ui;
    if (!ui.nameScreen.hidden) return ui.nameInput.focus();
    if (ui.app.classList.contains("sidebar-open")) return;
    if (!this.#touching) return ui.input.focus({ preventScroll: true });
    const focused = document.activeElement;
    if (
      focused === null || focused === document.body || ui.sidebar.contains(focused) ||
      focused === ui.newMessages
    ) {
      placeFocus(log);
    }
  }
}

/**
 * Puts the keyboard's focus on `element` for the user, who did not ask for
 * it: no focus ring is drawn around it (web/style.css), as the browser draws
 * one for focus a script moves before any tap, until a key is pressed there
 * or the focus leaves.
 */
function placeFocus(element: HTMLElement): void {
  element.focus({ preventScroll: true });
  if (document.activeElement !== element) return;
  element.dataset.placed = "";
  const done = () => {
    delete element.dataset.placed;
    element.removeEventListener("keydown", done);
    element.removeEventListener("blur", done);
  };
  element.addEventListener("keydown", done);
  element.addEventListener("blur", done);
}
