// This module is browser compatible.

/**
 * The entries of the command table (commands.ts) that a client runs itself:
 * the server never sees them (`/switch`, `/code`, `/send`, `/get`, `/cancel`, `/bell`,
 * `/typing`, `/ignore` …). Clients read them with `parseLine`.
 *
 * @module
 */

import { clientCommand, oneName } from "./command_kinds.ts";

/** When a client rings its bell (the page: beeps), as `/bell` sets it. */
export const BELL_MODES = ["on", "off", "mentions"] as const;

/** One of {@linkcode BELL_MODES}. */
export type BellMode = typeof BELL_MODES[number];

function isBellMode(word: string): word is BellMode {
  return (BELL_MODES as readonly string[]).includes(word);
}

/** `text` without the double or single quotes around all of it, if it has them. */
function unquote(text: string): string {
  const quoted = /^(["'])(.*)\1$/s.exec(text);
  return quoted === null ? text : quoted[2]!;
}

/** The commands a client runs itself, in the order `/help` lists them. */
export const CLIENT_COMMAND_TABLE = [
  clientCommand({
    name: "switch",
    aliases: [],
    usage: "/switch #room|@name",
    description: "look at another of your rooms, or your private messages with someone",
    parse: ({ first, after }): { view: string } | undefined =>
      first && !after ? { view: first } : undefined,
  }),
  clientCommand({
    name: "code",
    aliases: [],
    usage: "/code TEXT",
    description: "send TEXT as a code block, shown in a monospace font",
    // Only the one space after `/code` is the command's: the first line keeps its indentation.
    parse: ({ raw }): { text: string } | undefined => raw.trim() === "" ? undefined : { text: raw },
  }),
  clientCommand({
    name: "send",
    aliases: [],
    usage: "/send PATH",
    description: "upload a file and share it here; /cancel stops it",
    needs: "files",
    // The rest of the line is the path, spaces and all; quotes around it are dropped.
    parse: ({ raw }): { path: string } | undefined => {
      const path = unquote(raw.trimStart());
      return path === "" ? undefined : { path };
    },
  }),
  clientCommand({
    name: "get",
    aliases: [],
    usage: "/get N|LINK",
    description: "download shared file N, or a link, into the current folder; /cancel stops it",
    parse: ({ first, after }): { target: string } | undefined =>
      first && !after ? { target: first } : undefined,
  }),
  clientCommand({
    name: "cancel",
    aliases: [],
    usage: "/cancel [NAME|N]",
    description: "stop sending or saving files, or only file NAME or N",
    // The rest of the line names the file, spaces and all; quotes around it are dropped.
    parse: ({ raw }): { target?: string } => {
      const target = unquote(raw.trim());
      return target === "" ? {} : { target };
    },
  }),
  clientCommand({
    name: "bell",
    aliases: [],
    usage: "/bell on|off|mentions",
    description: "when to ring the bell, a beep on the page",
    // Without a word it asks what the bell does now; words after the first are ignored.
    parse: ({ first }): { mode?: BellMode } | undefined => {
      const mode = first.toLowerCase();
      if (mode === "") return {};
      return isBellMode(mode) ? { mode } : undefined;
    },
  }),
  clientCommand({
    name: "typing",
    aliases: [],
    usage: "/typing on|off",
    description: "whether others see when you are typing",
    // Without a word it asks what it is now; words after the first are ignored.
    parse: ({ first }): { mode?: "on" | "off" } | undefined => {
      const mode = first.toLowerCase();
      if (mode === "") return {};
      return mode === "on" || mode === "off" ? { mode } : undefined;
    },
  }),
  clientCommand({
    name: "ignore",
    aliases: [],
    usage: "/ignore NAME",
    description: "hide someone's messages from you, on this server, until /unignore",
    parse: oneName,
  }),
  clientCommand({
    name: "unignore",
    aliases: [],
    usage: "/unignore NAME",
    description: "show someone's messages again",
    parse: oneName,
  }),
  clientCommand({
    name: "ignores",
    aliases: [],
    usage: "/ignores",
    description: "list the people you ignore",
    parse: () => ({}),
  }),
] as const;
