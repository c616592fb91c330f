/// <reference lib="dom" />
// This module is browser compatible.

/**
 * The browser client's entry point, loaded by web/index.html: finds the
 * page's elements, starts a {@linkcode WebClient} on the server's `/ws`
 * WebSocket and hands it the user's clicks and keys.
 *
 * @module
 */

import { checkOwnName, normalizeRoom } from "../core/names.ts";
import { WebClient } from "./client.ts";
import { showNameError } from "./joining.ts";
import { awayAfterMs } from "./presence.ts";
import { findUi, loadName } from "./ui.ts";

/** What keeps the keys typed while it has the focus: a box to type in, a list to pick from. */
const TYPED_INTO = "textarea, select, [contenteditable]:not([contenteditable='false']), " +
  "input:not([type=button], [type=submit], [type=reset], [type=checkbox], [type=radio], " +
  "[type=file], [type=image], [type=range], [type=color])";

/** What Space presses, ticks or scrolls when it has the focus. */
const PRESSED_BY_SPACE = "button, input, summary, [role=button], .log";

/** How often the page asks for the room list while the list can be seen, in ms. */
const ROOMS_EVERY_MS = 10_000;

const ui = findUi();
const client = new WebClient(
  ui,
  `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`,
  { awayAfterMs: awayAfterMs(location.search) },
);

ui.nameForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const name = ui.nameInput.value.trim();
  const problem = checkOwnName(name);
  showNameError(ui, problem ?? "", "name");
  if (problem !== undefined) return ui.nameInput.focus();
  client.submitName(name, ui.passwordRow.hidden ? undefined : ui.passwordInput.value);
});

// Pressing Send (or the paperclip) leaves the focus where it was: in the message box, a phone's
// keyboard stays up for the next line, and does not come up when it was down.
ui.composer.addEventListener("mousedown", (event) => {
  if (event.target instanceof Element && event.target.closest("button") !== null) {
    event.preventDefault();
  }
});

ui.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  client.sendLine();
  client.focusInput();
});

// A room name that will not do is said beside the form, what was typed kept there to mend,
// rather than as a command's usage in the log behind a drawer that closed.
ui.joinForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const room = ui.joinInput.value.trim();
  if (room === "") return;
  const checked = normalizeRoom(room);
  showJoinError(checked.ok ? "" : checked.message);
  if (!checked.ok) return ui.joinInput.focus();
  ui.joinInput.value = "";
  client.joinRoom(room);
});
ui.joinInput.addEventListener("input", () => showJoinError(""));

/** Says under the join form why the room typed will not do, or nothing. */
function showJoinError(message: string): void {
  ui.joinError.textContent = message;
  if (message === "") ui.joinInput.removeAttribute("aria-invalid");
  else ui.joinInput.setAttribute("aria-invalid", "true");
}

ui.retry.addEventListener("click", () => client.retry());
ui.newMessages.addEventListener("click", () => client.focusInput());
ui.sidebarToggle.addEventListener("click", () => {
  client.setSidebar(!ui.app.classList.contains("sidebar-open"));
});
ui.backdrop.addEventListener("click", () => client.setSidebar(false));
// Looked at (the pointer comes to it, or the keyboard), the room list is brought up to date.
ui.sidebar.addEventListener("pointerenter", () => client.refreshRooms());
ui.sidebar.addEventListener("focusin", () => client.refreshRooms());

document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && ui.app.classList.contains("sidebar-open")) {
    return client.setSidebar(false);
  }
  // Alt+1…9 shows the first nine views, Alt+Up and Alt+Down the one before or after.
  if (event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
    const digit = /^Digit([1-9])$/.exec(event.code)?.[1];
    const step = event.key === "ArrowUp" ? -1 : event.key === "ArrowDown" ? 1 : 0;
    if (digit !== undefined || step !== 0) {
      event.preventDefault();
      return digit !== undefined ? client.showNumber(Number(digit)) : client.showBeside(step);
    }
  }
  // Typing anywhere on the page goes to the message box, but for what is typed into a box.
  if (event.key.length !== 1 || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target instanceof Element ? event.target : null;
  if (target?.closest(TYPED_INTO)) return;
  // Space and Shift+Space press the button or tick the box that has the focus, or page through
  // the log that has it, as in any box that scrolls. Enter types no letter: it is theirs already.
  if (event.key === " " && target?.closest(PRESSED_BY_SPACE)) return;
  client.focusInput();
});

globalThis.addEventListener("focus", () => {
  // Coming back to the window: type straight away, unless text is being selected to copy.
  if (!document.getSelection()?.toString()) client.focusInput();
});

document.addEventListener("visibilitychange", () => {
  if (document.hidden) return;
  client.markRead();
  client.present();
  client.refreshRooms();
});

globalThis.addEventListener("online", () => client.retryIfWaiting());

// Leaving the page frees the name at once, so a reload can take it again.
globalThis.addEventListener("pagehide", () => client.suspend());
globalThis.addEventListener("pageshow", (event) => {
  if (event.persisted) client.resume();
});

// Rooms change without notice when nobody in ours moves, and people fall idle: look now and then,
// at the rooms more often while their list can be seen (on a phone, while the drawer is open).
setInterval(() => {
  if (!document.hidden) client.refreshPeople();
}, 30_000);
setInterval(() => {
  if (!document.hidden && getComputedStyle(ui.sidebar).visibility !== "hidden") {
    client.refreshRooms();
  }
}, ROOMS_EVERY_MS);

const remembered = loadName();
client.start(
  remembered !== undefined && checkOwnName(remembered) === undefined ? remembered : undefined,
);
