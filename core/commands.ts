// This module is browser compatible.

/**
 * Slash commands: the table `/help` shows, and the parser that turns a typed
 * line into the frame it stands for. Servers apply it to `say` frames, so
 * every client, down to netcat, gets the same commands.
 *
 * @module
 */

import { type ClientFrame, type CommandHelp, MAX_HISTORY_REQUEST } from "../protocol.ts";
import { sanitizeText } from "./sanitize.ts";

/** Every command the server understands, in the order `/help` lists them. */
export const COMMANDS: readonly CommandHelp[] = [
  { usage: "/join #room", description: "enter a room, creating it if needed" },
  { usage: "/leave", description: "go back to #lobby" },
  { usage: "/rooms", description: "list rooms and how many people are in each" },
  { usage: "/who", description: "list who is in this room" },
  { usage: "/msg NAME TEXT", description: "send a private message to one person" },
  { usage: "/me ACTION", description: "describe what you are doing" },
  { usage: "/nick NEW", description: "change your name" },
  { usage: "/history [N]", description: "show the last N messages of this room (default 20)" },
  { usage: "/search TEXT", description: "find messages in this room containing TEXT" },
  { usage: "/help", description: "show this list" },
  { usage: "/quit [REASON]", description: "leave the chat" },
];

const ALIASES: Readonly<Record<string, string>> = {
  j: "join",
  part: "leave",
  names: "who",
  m: "msg",
  tell: "msg",
  name: "nick",
  exit: "quit",
  "?": "help",
  find: "search",
};

/** The names of every command and alias, without the slash. */
export const COMMAND_NAMES: readonly string[] = [
  ...COMMANDS.map((command) => command.usage.slice(1).split(" ")[0]!),
  ...Object.keys(ALIASES),
];

/** Result of {@linkcode parseInput}. */
export type ParsedInput =
  | { ok: true; frame: ClientFrame }
  | { ok: false; message: string };

function usage(name: string): ParsedInput {
  const entry = COMMANDS.find((command) => command.usage.startsWith(`/${name}`));
  return { ok: false, message: `Usage: ${entry?.usage ?? `/${name}`}` };
}

/**
 * Turns one typed line into a frame: plain text becomes `say`, `/cmd args`
 * becomes that command's frame, and `//text` sends `/text` literally.
 *
 * @example
 * ```ts
 * parseInput("/msg bob hi there"); // { ok: true, frame: { type: "msg", to: "bob", text: "hi there" } }
 * ```
 */
export function parseInput(line: string): ParsedInput {
  if (!line.startsWith("/")) return { ok: true, frame: { type: "say", text: line } };
  if (line.startsWith("//")) return { ok: true, frame: { type: "say", text: line.slice(1) } };
  const match = /^\/(\S*)\s*(.*)$/s.exec(line)!;
  const typed = match[1]!.toLowerCase();
  const rest = match[2]!.trim();
  const name = Object.hasOwn(ALIASES, typed) ? ALIASES[typed]! : typed;
  const [first = "", ...others] = rest.split(/\s+/);
  switch (name) {
    case "join":
      return first ? { ok: true, frame: { type: "join", room: first } } : usage(name);
    case "leave":
    case "who":
    case "rooms":
    case "help":
      return { ok: true, frame: { type: name } };
    case "msg": {
      const text = rest.slice(first.length).trim();
      return first && text ? { ok: true, frame: { type: "msg", to: first, text } } : usage(name);
    }
    case "me":
      return rest ? { ok: true, frame: { type: "me", text: rest } } : usage(name);
    case "nick":
      return first && others.length === 0
        ? { ok: true, frame: { type: "nick", name: first } }
        : usage(name);
    case "history": {
      if (rest === "") return { ok: true, frame: { type: "history" } };
      const limit = /^\d{1,3}$/.test(rest) ? Number(rest) : 0;
      return limit >= 1 && limit <= MAX_HISTORY_REQUEST
        ? { ok: true, frame: { type: "history", limit } }
        : { ok: false, message: `Usage: /history [N], N from 1 to ${MAX_HISTORY_REQUEST}` };
    }
    case "search":
      return rest ? { ok: true, frame: { type: "search", text: rest } } : usage(name);
    case "quit":
      return { ok: true, frame: rest ? { type: "quit", reason: rest } : { type: "quit" } };
    default:
      return {
        ok: false,
        message: `Unknown command "/${
          sanitizeText(typed)
        }". Type /help for the list; start with // to send a line that begins with /`,
      };
  }
}
