/**
 * The keys of the page, as `/help keys` lists them (and `/help` after the
 * commands): what web/composer.ts and web/app.ts do with each, in a line.
 *
 * @module
 */

import type { CommandHelp } from "../protocol.ts";

/** The page's keys, in the columns of `/help`. */
export const PAGE_KEYS: readonly CommandHelp[] = [
  {
    usage: "Enter",
    description: "send the message; on a touch screen, start a new line (the Send button sends)",
  },
  { usage: "Shift+Enter", description: "start a new line of the message" },
  { usage: "Ctrl+Enter, Cmd+Enter", description: "send the message, on a touch screen too" },
  {
    usage: "Up, Down",
    description: "the lines you sent, and back to your draft; a draft's rows first",
  },
  { usage: "Tab", description: "complete a command, a name or a room" },
  {
    usage: "Alt+1 … Alt+9",
    description: "look at your rooms and private views, in the order they began",
  },
  { usage: "Alt+Up, Alt+Down", description: "look at the view before, or the one after" },
  { usage: "Escape", description: "close the list of rooms and people, on a narrow screen" },
];
