/**
 * The keys of the terminal client, as `/help` lists them after the
 * commands: what README.md says of each, in a line.
 *
 * @module
 */

import type { CommandHelp } from "../protocol.ts";

/** The terminal's keys, in the columns of `/help`. */
export const TERMINAL_KEYS: readonly CommandHelp[] = [
  {
    usage: "Up, Down",
    description: "the lines you sent, and back to your draft; a draft's rows first",
  },
  { usage: "Alt+Enter", description: "start a new line of the draft; Enter sends it all" },
  {
    usage: "Tab",
    description:
      "complete a command, a name, a room or a path; on a row of a draft of several lines with only spaces before the cursor, indent to the next 4 columns",
  },
  {
    usage: "Alt+1 … Alt+9",
    description: "look at your rooms and private views, in the order they began",
  },
  { usage: "Ctrl+N, Ctrl+P", description: "look at the next view, or the one before" },
  { usage: "Esc", description: "clear a draft of several lines, or taller than the screen" },
  { usage: "Ctrl-C", description: "clear the line being typed; on an empty line, leave" },
  { usage: "Ctrl-D", description: "leave, on an empty line" },
];
