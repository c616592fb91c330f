// This module is browser compatible.

/**
 * When a client rings its bell, and what `/bell` (an entry of the command
 * table the client runs itself) does and says.
 *
 * @module
 */

import type { CommandHelp, ServerFrame } from "../protocol.ts";
import { type BellMode, FILE_COMMANDS, LOCAL_COMMANDS, TRANSFER_COMMANDS } from "./commands.ts";
import type { Line } from "./describe.ts";
import { isMention } from "./format.ts";
import { nameKey } from "./names.ts";
import { bellNotice } from "./notices.ts";
import { TAKES_NO_FILES } from "./transfers.ts";

export type { BellMode };

/** The mode a client starts with: a mention of the user's name, or a private message. */
export const DEFAULT_BELL: BellMode = "mentions";

/** Options for {@linkcode localHelp}. */
export interface LocalHelpOptions {
  /** The client has a bell, and runs `/bell`. @default {true} */
  bell?: boolean;
  /** The client sends and fetches files itself: `/send` and `/get`. @default {false} */
  transfers?: boolean;
  /**
   * The server takes shared files: else `/help` says beside the commands
   * that need them that it takes none. @default {true}
   */
  files?: boolean;
  /** Whether others see the user typing now, as `/typing` says. @default {not said} */
  typing?: "on" | "off";
}

/**
 * What `/help` says of the commands the client runs itself, with the bell's
 * mode now, and what this server lacks for them.
 */
export function localHelp(mode: BellMode, options: LocalHelpOptions = {}): CommandHelp[] {
  const bell = options.bell ?? true;
  const named = (names: readonly string[]) => (command: CommandHelp) =>
    names.some((name) => command.usage.startsWith(`/${name} `));
  const moves = named(TRANSFER_COMMANDS);
  const needsFiles = named(FILE_COMMANDS);
  return LOCAL_COMMANDS.flatMap((command) =>
    moves(command) && !options.transfers
      ? []
      : needsFiles(command) && options.files === false
      ? [{ ...command, description: `${command.description} (${TAKES_NO_FILES})` }]
      : command.usage.startsWith("/typing") && options.typing !== undefined
      ? [{ ...command, description: `${command.description} (now: ${options.typing})` }]
      : !command.usage.startsWith("/bell")
      ? [command]
      : bell
      ? [{ ...command, description: `${command.description} (now: ${mode})` }]
      : []
  );
}

/** Runs `/bell`, with `mode` typed or not, under `current`: the mode from now on, and what to say. */
export function runBell(mode: BellMode | undefined, current: BellMode): {
  mode: BellMode;
  line: Line;
} {
  const next = mode ?? current;
  return { mode: next, line: bellNotice(next) };
}

/** What decides whether a frame rings the bell. */
export interface RingOptions {
  /** When the bell rings. */
  mode: BellMode;
  /** The user's name. */
  me: string;
  /** The frame is of a room the user is not looking at: only a mention rings there. */
  elsewhere?: boolean;
}

/** Whether `frame` rings the bell in `mode`, for a user called `me`. */
export function rings(frame: ServerFrame, options: RingOptions): boolean {
  const { mode, me } = options;
  if (mode === "off") return false;
  if (mode === "on" && !options.elsewhere && frame.type === "message" && !frame.replay) {
    return nameKey(frame.from) !== nameKey(me);
  }
  return isMention(frame, me);
}
