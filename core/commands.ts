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
 * A new kind of frame the server sends in answer is new protocol like any
 * other (`ServerFrame`), and docs/PROTOCOL.md lists commands by hand. A
 * command the client runs itself (`clientCommand`, as `/bell`) has no frame:
 * clients read it with {@linkcode parseLine} and run it; the server does not
 * know it, and answers it with `unknown_command`.
 *
 * @module
 */

import type { ClientFrame, CommandHelp, ErrorCode, ProtocolVersion } from "../protocol.ts";
import { MAX_DURATION_SECONDS, parseDuration } from "./duration.ts";
import { sanitizeText } from "./sanitize.ts";

// protocol.ts imports this module to check command frames, so this module
// imports only types from it: neither module may need the other's values
// while it loads.

/** Most messages one `history` or `search` request returns. */
export const MAX_HISTORY_REQUEST = 500;

/** How the wire check reads one field of a frame. */
export type FieldSpec =
  | {
    /** A string of at most `max` UTF-16 code units, checked before any other rule. */
    readonly kind: "string";
    readonly max: number;
    readonly optional?: true;
  }
  | {
    /** A safe integer from `min` to `max`. */
    readonly kind: "integer";
    readonly min: number;
    readonly max: number;
    readonly optional?: true;
  }
  | {
    /** A client message id: 1 to 64 of `A-Z a-z 0-9 _ -`. */
    readonly kind: "cid";
    readonly optional: true;
  };

/** The fields of a frame besides `type`, in the order the wire check reads them. */
export type FieldSpecs = { readonly [field: string]: FieldSpec };

/** A name, a room or a reason: at most 256 UTF-16 code units. */
export const NAME_FIELD = { kind: "string", max: 256 } as const;

/** A room a frame acts in, when it names one (version 2): otherwise the room entered last. */
export const ROOM_FIELD = { ...NAME_FIELD, optional: true } as const;

/** A message or search text: at most 65536 UTF-16 code units; the hub checks the rest. */
export const TEXT_FIELD = { kind: "string", max: 64 * 1024 } as const;

/** The client message id of a `say`, `me` or `msg`, if it has one. */
export const CID_FIELD = { kind: "cid", optional: true } as const;

/** The last message id a client saw in a room it comes back to, if it was there before. */
export const SINCE_FIELD = {
  kind: "integer",
  min: 0,
  max: Number.MAX_SAFE_INTEGER,
  optional: true,
} as const;

type Flatten<T> = { [K in keyof T]: T[K] };

type ValueOf<S extends FieldSpec> = S extends { kind: "integer" } ? number : string;

/** The values the fields `F` describe, as a frame carries them. */
export type FieldValues<F extends FieldSpecs> = Flatten<
  & { -readonly [K in keyof F as F[K] extends { optional: true } ? never : K]: ValueOf<F[K]> }
  & { -readonly [K in keyof F as F[K] extends { optional: true } ? K : never]?: ValueOf<F[K]> }
>;

/** What follows a command's name on the line. */
export interface Args {
  /** All of it, trimmed; the inner spacing is kept. */
  readonly text: string;
  /** Its first word, or `""`. */
  readonly first: string;
  /** What follows the first word, trimmed; the inner spacing is kept. */
  readonly after: string;
  /**
   * All of it as typed, its end trimmed: only the blanks after the name are
   * left out, or the rest of the line when it is blank, so that text that
   * starts on a line of its own keeps its indentation.
   */
  readonly raw: string;
}

interface Described<N extends string> {
  /** The name typed after the slash, lowercase. */
  readonly name: N;
  /** Other names that run it, lowercase. */
  readonly aliases: readonly string[];
  /** How `/help` shows it: the name, then its arguments. */
  readonly usage: string;
  /** What it does, as `/help` says it. */
  readonly description: string;
  /** What a line whose arguments do not fit is told. @default {`Usage: ${usage}`} */
  readonly refusal?: string;
  /** The protocol versions whose `/help` lists it. @default {every version} */
  readonly listedIn?: readonly ProtocolVersion[];
}

/** A command the server runs: its frame's `type` is its name. */
export interface ServerCommand<N extends string = string, F extends FieldSpecs = FieldSpecs>
  extends Described<N> {
  /** The server runs it. */
  readonly side: "server";
  /** The fields of its frame besides `type`, for the frame type and the wire check. */
  readonly fields: F;
  /** Its arguments as its frame's fields, or `undefined` when they do not fit. */
  readonly parse: (args: Args) => FieldValues<F> | undefined;
}

/** A command the client runs itself: the server never sees it. */
export interface ClientCommand<N extends string = string, P extends object = object>
  extends Described<N> {
  /** The client runs it. */
  readonly side: "client";
  /** Its arguments, or `undefined` when they do not fit. */
  readonly parse: (args: Args) => P | undefined;
}

/** An entry of {@linkcode COMMAND_TABLE}. */
export type Command = ServerCommand | ClientCommand;

/** Declares a command the server runs, typing its parser by its fields. */
export function serverCommand<const N extends string, const F extends FieldSpecs>(
  entry: Omit<ServerCommand<N, F>, "side">,
): ServerCommand<N, F> {
  return { ...entry, side: "server" };
}

/** Declares a command the client runs itself. */
export function clientCommand<const N extends string, const P extends object>(
  entry: Omit<ClientCommand<N, P>, "side">,
): ClientCommand<N, P> {
  return { ...entry, side: "client" };
}

/** When the terminal client rings its bell, as `/bell` sets it. */
export const BELL_MODES = ["on", "off", "mentions"] as const;

/** One of {@linkcode BELL_MODES}. */
export type BellMode = typeof BELL_MODES[number];

function isBellMode(word: string): word is BellMode {
  return (BELL_MODES as readonly string[]).includes(word);
}

/** A reason, given or not: at most 256 UTF-16 code units. */
const OPTIONAL_REASON = { ...NAME_FIELD, optional: true } as const;

/** How long a ban or a mute lasts, in seconds; left out, until it is lifted. */
const OPTIONAL_DURATION = {
  kind: "integer",
  min: 1,
  max: MAX_DURATION_SECONDS,
  optional: true,
} as const;

/** The one name a command acts on. */
function oneName({ first, after }: Args): { name: string } | undefined {
  return first && !after ? { name: first } : undefined;
}

/** The room of `/part` and `/leave`: the first word, if any; as ever, the others are ignored. */
function roomToLeave({ first }: Args): { room?: string } {
  return first === "" ? {} : { room: first };
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
    description: "leave this room, or the one you name",
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
    usage: "/who",
    description: "list who is in this room",
    fields: { room: ROOM_FIELD },
    parse: () => ({}),
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
    parse: ({ first, after }) => first && !after ? { name: first } : undefined,
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
    description: "find messages in this room containing TEXT",
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
    parse: ({ text }) => text ? { reason: text } : {},
  }),
  serverCommand({
    name: "away",
    aliases: ["afk"],
    usage: "/away [REASON]",
    description: "tell others you are away, and why",
    fields: { reason: OPTIONAL_REASON },
    parse: ({ text }) => text ? { reason: text } : {},
  }),
  serverCommand({
    name: "back",
    aliases: [],
    usage: "/back",
    description: "tell others you are back",
    fields: {},
    parse: () => ({}),
  }),
  serverCommand({
    name: "topic",
    aliases: [],
    usage: "/topic [#room] [TEXT]",
    description: "show the topic of this room, or set it (operators)",
    fields: { room: ROOM_FIELD, text: { ...TEXT_FIELD, optional: true } },
    parse: ({ text, first, after }) => {
      if (!first.startsWith("#")) return text ? { text } : {};
      return after ? { room: first, text: after } : { room: first };
    },
  }),
  serverCommand({
    name: "oper",
    aliases: [],
    usage: "/oper SECRET",
    description: "become an operator, with the secret the host gave your name",
    fields: { secret: NAME_FIELD },
    parse: ({ first, after }) => first && !after ? { secret: first } : undefined,
  }),
  serverCommand({
    name: "op",
    aliases: [],
    usage: "/op NAME",
    description: "make someone an operator (operators)",
    fields: { name: NAME_FIELD },
    parse: oneName,
  }),
  serverCommand({
    name: "deop",
    aliases: [],
    usage: "/deop NAME",
    description: "make an operator a person like the others (operators)",
    fields: { name: NAME_FIELD },
    parse: oneName,
  }),
  serverCommand({
    name: "kick",
    aliases: [],
    usage: "/kick NAME [REASON]",
    description: "disconnect someone (operators)",
    fields: { name: NAME_FIELD, reason: OPTIONAL_REASON },
    parse: ({ first, after }) =>
      first === "" ? undefined : after ? { name: first, reason: after } : { name: first },
  }),
  serverCommand({
    name: "ban",
    aliases: [],
    usage: "/ban NAME|ADDRESS [DURATION] [REASON]",
    description: "keep someone out, for DURATION (10m, 2h, 3d) or until /unban (operators)",
    fields: { target: NAME_FIELD, duration: OPTIONAL_DURATION, reason: OPTIONAL_REASON },
    parse: ({ first, after }) => {
      if (first === "") return undefined;
      const [word = "", ...rest] = after.split(/\s+/);
      const duration = parseDuration(word);
      const reason = duration === undefined ? after : rest.join(" ");
      return {
        target: first,
        ...(duration === undefined ? {} : { duration }),
        ...(reason === "" ? {} : { reason }),
      };
    },
  }),
  serverCommand({
    name: "unban",
    aliases: [],
    usage: "/unban NAME|ADDRESS",
    description: "lift a ban (operators)",
    fields: { target: NAME_FIELD },
    parse: ({ first, after }) => first && !after ? { target: first } : undefined,
  }),
  serverCommand({
    name: "bans",
    aliases: [],
    usage: "/bans",
    description: "list the bans (operators)",
    fields: {},
    parse: () => ({}),
  }),
  serverCommand({
    name: "mute",
    aliases: [],
    usage: "/mute NAME [DURATION]",
    description: "stop someone from talking, for DURATION or until /unmute (operators)",
    fields: { name: NAME_FIELD, duration: OPTIONAL_DURATION },
    parse: ({ first, after }) => {
      if (first === "") return undefined;
      if (after === "") return { name: first };
      const duration = parseDuration(after);
      return duration === undefined ? undefined : { name: first, duration };
    },
  }),
  serverCommand({
    name: "unmute",
    aliases: [],
    usage: "/unmute NAME",
    description: "let a muted person talk again (operators)",
    fields: { name: NAME_FIELD },
    parse: oneName,
  }),
  serverCommand({
    name: "lock",
    aliases: [],
    usage: "/lock [#room]",
    description: "let only operators enter this room (operators)",
    fields: { room: ROOM_FIELD },
    parse: roomToLeave,
  }),
  serverCommand({
    name: "unlock",
    aliases: [],
    usage: "/unlock [#room]",
    description: "let everyone enter this room again (operators)",
    fields: { room: ROOM_FIELD },
    parse: roomToLeave,
  }),
  serverCommand({
    name: "rename",
    aliases: [],
    usage: "/rename NAME NEW",
    description: "give someone another name, such as a look-alike's (operators)",
    fields: { name: NAME_FIELD, to: NAME_FIELD },
    parse: ({ first, after }) =>
      first && after && !/\s/.test(after) ? { name: first, to: after } : undefined,
  }),
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
    parse: ({ raw }): { text: string } | undefined => raw === "" ? undefined : { text: raw },
  }),
  clientCommand({
    name: "send",
    aliases: [],
    usage: "/send PATH",
    description: "upload a file and share it here",
    // The rest of the line is the path, spaces and all; quotes around it are dropped.
    parse: ({ raw }): { path: string } | undefined => {
      const path = unquote(raw);
      return path === "" ? undefined : { path };
    },
  }),
  clientCommand({
    name: "get",
    aliases: [],
    usage: "/get N|LINK",
    description: "download shared file N, or a link, into the current folder",
    parse: ({ first, after }): { target: string } | undefined =>
      first && !after ? { target: first } : undefined,
  }),
  clientCommand({
    name: "bell",
    aliases: [],
    usage: "/bell on|off|mentions",
    description: "when to ring the terminal bell",
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

function helpOf(commands: readonly Command[]): readonly CommandHelp[] {
  return commands.map(({ usage, description }) => ({ usage, description }));
}

function listedIn(version: ProtocolVersion): readonly ServerCommand[] {
  return SERVER_COMMANDS.filter((command) => command.listedIn?.includes(version) ?? true);
}

/** What `/help` lists to a client of version 1, one room at a time. */
export const COMMANDS: readonly CommandHelp[] = helpOf(listedIn(1));

/** What `/help` lists to a client of version 2, in many rooms at once. */
export const COMMANDS_V2: readonly CommandHelp[] = helpOf(listedIn(2));

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
export const TRANSFER_COMMANDS: readonly string[] = ["send", "get"];

/** `text` without the double or single quotes around all of it, if it has them. */
function unquote(text: string): string {
  const quoted = /^(["'])(.*)\1$/s.exec(text);
  return quoted === null ? text : quoted[2]!;
}

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
    return {
      ok: false,
      code: "unknown_command",
      message: `Unknown command "/${
        sanitizeText(typed)
      }". Type /help for the list; start with // to send a line that begins with /`,
    };
  }
  const text = match[2]!.trim();
  const first = /^\S*/.exec(text)![0];
  const raw = line.slice(1 + match[1]!.length).replace(/^[ \t]*(?:\r\n|\n|\r)|^\s+/, "").trimEnd();
  const fields = command.parse({ text, first, after: text.slice(first.length).trim(), raw });
  if (fields === undefined) {
    return {
      ok: false,
      code: "bad_command",
      message: command.refusal ?? `Usage: ${command.usage}`,
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
