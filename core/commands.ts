// This module is browser compatible.

/**
 * The slash commands, one entry each in {@linkcode COMMAND_TABLE}: name,
 * aliases, usage, description, which side runs it, the fields of its frame
 * and how its arguments become them. The rest follows from the table: the
 * command frames of `ClientFrame` and their wire check (protocol.ts reads
 * each field as the entry describes it), `/help` ({@linkcode COMMANDS}),
 * completion ({@linkcode COMMAND_NAMES}), {@linkcode parseInput}, which the
 * server applies to `say` frames so that every client, down to netcat, gets
 * the same commands, and the hub's dispatch.
 *
 * Adding a command, say `/topic #room TEXT`, takes exactly two things:
 *
 * 1. Its entry in the table, where `/help` should list it:
 *    ```ts
 *    serverCommand({
 *      name: "topic",
 *      aliases: [],
 *      usage: "/topic #room TEXT",
 *      description: "set the topic of a room",
 *      fields: { room: NAME_FIELD, text: TEXT_FIELD },
 *      parse: ({ first, after }) => first && after ? { room: first, text: after } : undefined,
 *    }),
 *    ```
 *    `ClientFrame` then holds `{ type: "topic"; room: string; text: string }`,
 *    `parseClientFrame` accepts it (`room` a string of at most 256 code units,
 *    `text` a string), `/help` lists it, completion offers `/topic`, and
 *    `parseInput` makes it of `/topic #dev hi` and answers `/topic` alone
 *    with `bad_command` and `Usage: /topic #room TEXT`.
 * 2. Its handler in the hub's table (`#handlers` in server/hub.ts), such as
 *    `topic: (member, frame) => this.#rooms.topic(member, frame.room, frame.text)`:
 *    until it is there, `deno check` fails on that table.
 *
 * The table is written in three files: the commands of rooms and messages
 * here, those of presence and the operators in operator_commands.ts, those a
 * client runs itself in client_commands.ts; what an entry is made of is in
 * command_kinds.ts.
 *
 * A new kind of frame the server sends in answer is new protocol like any
 * other (`ServerFrame`), and docs/PROTOCOL.md lists commands by hand. A
 * command the client runs itself (`clientCommand`, as `/bell`) has no frame:
 * clients read it with {@linkcode parseLine} and run it; the server does not
 * know it, and answers it with `unknown_command`.
 *
 * @module
 */

import type { ClientFrame, CommandHelp, ErrorCode, ProtocolVersion } from "../protocol.ts";
import { CLIENT_COMMAND_TABLE } from "./client_commands.ts";
import {
  type Args,
  CID_FIELD,
  type ClientCommand,
  type Command,
  type FieldSpecs,
  type FieldValues,
  type Flatten,
  NAME_FIELD,
  reasonOf,
  ROOM_FIELD,
  roomToLeave,
  type ServerCommand,
  serverCommand,
  SINCE_FIELD,
  TEXT_FIELD,
} from "./command_kinds.ts";
import { asClause } from "./address.ts";
import { normalizeRoom } from "./names.ts";
import { OPERATOR_COMMANDS } from "./operator_commands.ts";
import { MAX_ROOM_LENGTH } from "../protocol/limits.ts";
import { quoteTyped } from "./sanitize.ts";

export * from "./command_kinds.ts";
export { BELL_MODES, type BellMode } from "./client_commands.ts";

// protocol.ts imports this module to check command frames, so this module
// imports only types from it: neither module may need the other's values
// while it loads.

/** Most messages one `history` or `search` request returns. */
export const MAX_HISTORY_REQUEST = 500;

/**
 * What `/join` with words it cannot take is told: why they make no room
 * name, as a `join` of them is told (`Cannot join "#team chat": a room name
 * has no spaces; try #team-chat`); its usage where nothing, or too much to
 * quote back, follows it.
 */
function joinRefusal({ text }: Args): string {
  const usage = "Usage: /join #room";
  if (text === "" || /[\r\n]/.test(text) || [...text].length > MAX_ROOM_LENGTH) return usage;
  const checked = normalizeRoom(text);
  return checked.ok ? usage : `Cannot join ${quoteTyped(text)}: ${asClause(checked.message)}`;
}

/** Every command, in the order `/help` lists them. */
export const COMMAND_TABLE = [
  serverCommand({
    name: "join",
    aliases: ["j"],
    usage: "/join #room",
    description: "enter a room, creating it if needed",
    fields: { room: NAME_FIELD, since: SINCE_FIELD },
    // A room name is one word: `/join #a b` is a mistake, not a way into #a.
    parse: ({ first, after }) => first && !after ? { room: first } : undefined,
    refusal: joinRefusal,
  }),
  // Version 1 is in one room: leaving it, and `/part`, go back to #lobby. In
  // version 2, `leave` is `part`. The hub looks at the version.
  serverCommand({
    name: "leave",
    aliases: [],
    usage: "/leave",
    description: "go back to #lobby",
    listedIn: [1],
    fields: { room: ROOM_FIELD },
    parse: roomToLeave,
  }),
  serverCommand({
    name: "part",
    aliases: [],
    usage: "/part [#room]",
    description: "leave this room, or the one you name; in private messages, close them",
    listedIn: [2],
    fields: { room: ROOM_FIELD },
    parse: roomToLeave,
  }),
  serverCommand({
    name: "rooms",
    aliases: [],
    usage: "/rooms",
    description: "list rooms and how many people are in each",
    fields: {},
    parse: () => ({}),
  }),
  serverCommand({
    name: "who",
    aliases: ["names"],
    usage: "/who [#room]",
    description: "list who is in this room, or the one you name",
    fields: { room: ROOM_FIELD },
    parse: roomToLeave,
  }),
  serverCommand({
    name: "msg",
    aliases: ["m", "tell"],
    usage: "/msg NAME TEXT",
    description: "send a private message to one person",
    fields: { to: NAME_FIELD, text: TEXT_FIELD, cid: CID_FIELD },
    parse: ({ first, after }) => first && after ? { to: first, text: after } : undefined,
  }),
  serverCommand({
    name: "me",
    aliases: [],
    usage: "/me ACTION",
    description: "describe what you are doing",
    fields: { text: TEXT_FIELD, cid: CID_FIELD, room: ROOM_FIELD },
    parse: ({ text }) => text ? { text } : undefined,
  }),
  serverCommand({
    name: "nick",
    aliases: ["name"],
    usage: "/nick NEW",
    description: "change your name",
    fields: { name: NAME_FIELD },
    // All of it: `/nick ann smith` is refused by the rules of names, which say why.
    parse: ({ text }) => text ? { name: text } : undefined,
  }),
  serverCommand({
    name: "history",
    aliases: [],
    usage: "/history [N]",
    description: "show the last N messages of this room (default 20)",
    refusal: `Usage: /history [N], N from 1 to ${MAX_HISTORY_REQUEST}`,
    fields: {
      limit: { kind: "integer", min: 1, max: MAX_HISTORY_REQUEST, optional: true },
      room: ROOM_FIELD,
    },
    parse: ({ text }) => {
      if (text === "") return {};
      const limit = /^\d{1,3}$/.test(text) ? Number(text) : 0;
      return limit >= 1 && limit <= MAX_HISTORY_REQUEST ? { limit } : undefined;
    },
  }),
  serverCommand({
    name: "search",
    aliases: ["find"],
    usage: "/search TEXT",
    // The newest 50: what the server answers at most (server/history/search.ts).
    description: "find the newest 50 messages of this room with all these words",
    fields: { text: TEXT_FIELD, room: ROOM_FIELD },
    parse: ({ text }) => text ? { text } : undefined,
  }),
  serverCommand({
    name: "help",
    aliases: ["?"],
    usage: "/help",
    description: "show this list",
    fields: {},
    parse: () => ({}),
  }),
  serverCommand({
    name: "quit",
    aliases: ["exit"],
    usage: "/quit [REASON]",
    description: "leave the chat",
    fields: { reason: { ...NAME_FIELD, optional: true } },
    parse: ({ text }) => reasonOf(text),
  }),
  ...OPERATOR_COMMANDS,
  ...CLIENT_COMMAND_TABLE,
] as const;

type Entry = typeof COMMAND_TABLE[number];

/** A frame that a slash command stands for, as its entry describes it. */
export type CommandFrame = Entry extends infer C
  ? C extends { side: "server"; name: infer N; fields: infer F extends FieldSpecs }
    ? Flatten<{ type: N } & FieldValues<F>>
  : never
  : never;

/** A command the client runs itself, with its arguments. */
export type LocalCommand = Entry extends infer C
  ? C extends { side: "client"; name: infer N; parse: (args: Args) => infer P }
    ? Flatten<{ command: N } & Exclude<P, undefined>>
  : never
  : never;

const SERVER_COMMANDS: readonly ServerCommand[] = COMMAND_TABLE.filter((entry) =>
  entry.side === "server"
);
const CLIENT_COMMANDS: readonly ClientCommand[] = COMMAND_TABLE.filter((entry) =>
  entry.side === "client"
);

/**
 * `/help`'s line of a command: its usage, and its description with the other
 * names that run it (`enter a room, creating it if needed (also /j)`).
 */
function helpOf(commands: readonly Command[], others: OtherNames = {}): readonly CommandHelp[] {
  return commands.map(({ name, aliases, usage, description }) => {
    const also = [...aliases, ...others[name] ?? []].map((alias) => `/${alias}`);
    return {
      usage,
      description: also.length === 0 ? description : `${description} (also ${also.join(", ")})`,
    };
  });
}

/** Names of a command unlisted at a version that run a listed one there, by the listed one's name. */
type OtherNames = Readonly<Record<string, readonly string[]>>;

function listedIn(version: ProtocolVersion): readonly ServerCommand[] {
  return SERVER_COMMANDS.filter((command) => command.listedIn?.includes(version) ?? true);
}

/** What `/help` lists to a client of version 1, one room at a time: there `/part` is `/leave`. */
export const COMMANDS: readonly CommandHelp[] = helpOf(listedIn(1), { leave: ["part"] });

/** What `/help` lists to a client of version 2, in many rooms at once: there `/leave` is `/part`. */
export const COMMANDS_V2: readonly CommandHelp[] = helpOf(listedIn(2), { part: ["leave"] });

/**
 * The last line of `/help`, after the commands: how to send a line that
 * begins with `/`, which {@linkcode parseInput} reads as a command.
 */
export const SLASH_HELP: CommandHelp = {
  usage: "//text",
  description: "send a line that begins with /",
};

/** What `/help` lists to a client of `version`: the commands the server runs there, in order. */
export function commandsFor(version: ProtocolVersion): readonly CommandHelp[] {
  return version === 1 ? COMMANDS : COMMANDS_V2;
}

/** The commands a client runs itself, for the lines its own help adds. */
export const LOCAL_COMMANDS: readonly CommandHelp[] = helpOf(CLIENT_COMMANDS);

// Completion has offered the aliases in this order since before the table
// existed; an alias added since follows them, in the order of the table.
const ALIAS_ORDER = ["j", "names", "m", "tell", "name", "exit", "?", "find"];

function rank(alias: string): number {
  const at = ALIAS_ORDER.indexOf(alias);
  return at === -1 ? ALIAS_ORDER.length : at;
}

function namesOf(commands: readonly Command[]): readonly string[] {
  const aliases = commands.flatMap((command) => command.aliases);
  return [
    ...commands.map((command) => command.name),
    ...aliases.sort((a, b) => rank(a) - rank(b)),
  ];
}

/** The names of every command the server runs and their aliases, without the slash. */
export const COMMAND_NAMES: readonly string[] = namesOf(SERVER_COMMANDS);

/** The names and aliases of the commands a client runs itself, without the slash. */
export const LOCAL_COMMAND_NAMES: readonly string[] = namesOf(CLIENT_COMMANDS);

/** The commands that move files, run only by a client that reads and writes files. */
export const TRANSFER_COMMANDS: readonly string[] = ["send", "get", "cancel"];

/** The commands a client runs itself that work only where the server takes files. */
export const FILE_COMMANDS: readonly string[] = CLIENT_COMMANDS.filter((command) =>
  command.needs === "files"
).map((command) => command.name);

/**
 * The fields of each server command's frame, by frame type: what
 * `parseClientFrame` checks a command frame against.
 */
export const COMMAND_FIELDS: ReadonlyMap<string, FieldSpecs> = new Map(
  SERVER_COMMANDS.map((command) => [command.name, command.fields]),
);

function lookup(commands: readonly Command[]): ReadonlyMap<string, Command> {
  return new Map(
    commands.flatMap((command) =>
      [command.name, ...command.aliases].map((name) => [name, command])
    ),
  );
}

const ON_SERVER = lookup(SERVER_COMMANDS);
const ANYWHERE = lookup(COMMAND_TABLE);

/** The command that `typed` (a name or an alias, in any case, without the slash) runs, if any. */
export function commandNamed(typed: string): Command | undefined {
  return ANYWHERE.get(typed.toLowerCase());
}

/** Why a typed line was refused, as the `error` frame that answers it says. */
export type CommandRefusal = {
  ok: false;
  code: Extract<ErrorCode, "unknown_command" | "bad_command">;
  message: string;
};

/** Result of {@linkcode parseInput}. */
export type ParsedInput =
  | { ok: true; frame: Extract<ClientFrame, { type: "say" }> | CommandFrame }
  | CommandRefusal;

/** Result of {@linkcode parseLine}: also a command the client runs itself. */
export type ParsedLine = ParsedInput | { ok: true; local: LocalCommand };

/** Reads `line` against `commands`: plain text, a command's frame or arguments, or a refusal. */
function read(line: string, commands: ReadonlyMap<string, Command>): ParsedLine {
  if (!line.startsWith("/")) return { ok: true, frame: { type: "say", text: line } };
  if (line.startsWith("//")) return { ok: true, frame: { type: "say", text: line.slice(1) } };
  const match = /^\/(\S*)\s*(.*)$/s.exec(line)!;
  const typed = match[1]!.toLowerCase();
  const command = commands.get(typed);
  if (command === undefined) {
    // Lines pasted whole, such as a traceback whose first line is a path, were meant as text.
    const asText = line.includes("\n")
      ? "start the first line with // to send these lines as a message"
      : "start with // to send a line that begins with /";
    return {
      ok: false,
      code: "unknown_command",
      message: `Unknown command ${quoteTyped(`/${typed}`)}. Type /help for the list; ${asText}`,
    };
  }
  const text = match[2]!.trim();
  const first = /^\S*/.exec(text)![0];
  const raw = line.slice(1 + match[1]!.length).replace(/^[ \t]*(?:\r\n|\n|\r)|^[ \t]/, "")
    .trimEnd();
  const args = { text, first, after: text.slice(first.length).trim(), raw };
  const fields = command.parse(args);
  if (fields === undefined) {
    const { refusal } = command;
    return {
      ok: false,
      code: "bad_command",
      message: typeof refusal === "function" ? refusal(args) : refusal ?? `Usage: ${command.usage}`,
    };
  }
  // Each entry's parser is typed by its frame or arguments: with its name they make them.
  return command.side === "client"
    ? { ok: true, local: { command: command.name, ...fields } as LocalCommand }
    : { ok: true, frame: { type: command.name, ...fields } as CommandFrame };
}

/**
 * Turns one line into the frame it stands for: plain text becomes `say`,
 * `/cmd args` that command's frame, and `//text` sends `/text` literally.
 * Only commands the server runs are known: this is how the server reads the
 * text of a `say`.
 *
 * @example
 * ```ts
 * parseInput("/msg bob hi there"); // { ok: true, frame: { type: "msg", to: "bob", text: "hi there" } }
 * ```
 */
export function parseInput(line: string): ParsedInput {
  // Among the commands the server runs, no line reads as a local one.
  return read(line, ON_SERVER) as ParsedInput;
}

/**
 * Reads one line typed into a client: as {@linkcode parseInput} does, and
 * also the commands the client runs itself, such as `/bell`.
 *
 * @example
 * ```ts
 * parseLine("/bell off"); // { ok: true, local: { command: "bell", mode: "off" } }
 * ```
 */
export function parseLine(line: string): ParsedLine {
  return read(line, ANYWHERE);
}
