// This module is browser compatible.

/**
 * Every sentence a person reads, worded once, as lines of styled parts: the
 * terminal draws them with ANSI styles (client/render.ts), the page as DOM
 * (web/render.ts), and the plain-text transport as plain lines
 * ({@linkcode plainText}). Every string from the network is cleaned here, the
 * one place text from others is put into words. Pure: no I/O.
 *
 * @module
 */

import type {
  CommandHelp,
  FileRef,
  MessageFrame,
  Person,
  PrivateFrame,
  ServerFrame,
} from "../protocol.ts";
import { MAX_AWAY_REASON_LENGTH } from "../protocol.ts";
import { SLASH_HELP } from "./commands.ts";
import { formatBytes } from "./files.ts";
import { formatSpan } from "./duration.ts";
import type { PostFrame } from "./delivery.ts";
import { clock, codeOf, isMention, mentionPattern } from "./format.ts";
import { nameKey } from "./names.ts";
import { sanitizeLines, sanitizeText } from "./sanitize.ts";
import { ownNotice } from "./own_notices.ts";

/**
 * What a part is: `text` (a message's words), `mention` (the user's name in
 * them), `name` (who speaks), `peer` (the other side of a private message),
 * `nick` (a name in a notice), `you` (the user, in place of their name),
 * `room`, `topic` (a room's, as an operator set it), `tag` (a label such as
 * "private"), `star` (of an action), `usage` and `description` (of a
 * command), `file` (the name of a shared file). A part without a style is
 * plain words.
 */
export type PartStyle =
  | "text"
  | "mention"
  | "name"
  | "peer"
  | "nick"
  | "you"
  | "room"
  | "topic"
  | "tag"
  | "star"
  | "usage"
  | "description"
  | "file";

/** A run of cleaned text with one style; names carry the name itself, for its colour. */
export interface Part {
  /** The words shown, cleaned. */
  readonly text: string;
  /** What the words are; plain words when left out. */
  readonly style?: PartStyle;
  /** For `name`, `peer`, `nick` and `you`: the name as the server sent it. */
  readonly name?: string;
}

/**
 * What a line is; `pending` is a line of the user's still on its way to the
 * server, `divider` a line between others (a new day, what is new).
 */
export type LineKind =
  | "message"
  | "action"
  | "private"
  | "notice"
  | "error"
  | "pending"
  | "divider";

/**
 * More about a line, for displays that mark it; `code` marks a message that
 * is a code block, its words the lines between the fences, for a monospace font;
 * `preformatted` a message of several lines whose further lines are indented
 * (a pasted traceback), whose layout a monospace font keeps; `slowed` an
 * error that refuses nothing: the server reads a flood more slowly, losing
 * none of it.
 */
export type LineTag =
  | "replay"
  | "own"
  | "mentioned"
  | "outgoing"
  | "incoming"
  | "action"
  | "room-change"
  | "help"
  | "usages"
  | "day"
  | "unseen"
  | "elsewhere"
  | "code"
  | "preformatted"
  | "slowed";

/** One line to show: its kind, when it happened if the server said, and what it says. */
export interface Line {
  /** What the line is. */
  readonly kind: LineKind;
  /** What it says, after the time stamp. */
  readonly parts: readonly Part[];
  /** When it happened (ms since the epoch), when the server said so. */
  readonly ts?: number;
  /** Shown where the time stamp would be, for a line that has none yet. */
  readonly status?: string;
  /** The message id, for message and private lines. */
  readonly id?: number;
  /** More about the line. */
  readonly tags?: readonly LineTag[];
  /** The file a message shares: its name cleaned. */
  readonly file?: FileRef;
}

/**
 * What ends the away a client sends by itself: any key (`key`, after a while
 * without one), or its tab shown again (`shown`, after a while hidden).
 */
export type AwayEnd = "key" | "shown";

/** How the user comes back from an away their client sent by itself, as they are told. */
const AWAY_ENDS: Readonly<Record<AwayEnd, string>> = {
  key: "any key brings you back",
  shown: "back once this tab is shown again",
};

/** How {@linkcode describeFrame} words what it cannot know alone. */
export interface DescribeOptions {
  /**
   * What follows a shared file's name and size, for this display: its link,
   * or how to fetch it; nothing when left out or `undefined`.
   */
  readonly fileLink?: ((file: FileRef) => string | undefined) | undefined;
  /** The time now, in ms since the epoch: `who` then says who has been idle for a while. */
  readonly now?: number | undefined;
  /**
   * The user's own `away` is the client's, sent by itself: it says what
   * brings them back (any key, or their tab shown again), not to type `/back`.
   */
  readonly awayByItself?: AwayEnd | undefined;
  /** The user's own `away` has the reason they typed cut to the longest the server keeps. */
  readonly awayCut?: boolean | undefined;
  /**
   * Whether a person reads the lines as they come, and may act on a hint
   * ("Type /help for commands", "Pick another name"); not piped input's
   * output, which a script reads. @default {true}
   */
  readonly hints?: boolean | undefined;
  /** The keys `/help` lists after the commands, as the client has them. */
  readonly helpKeys?: readonly CommandHelp[] | undefined;
  /**
   * List `/help` compactly, each command's usage alone (tagged `usages`,
   * for a display to put in columns), the keys and what each command does
   * under `/help keys` and `/help COMMAND`. @default {false}
   */
  readonly compactHelp?: boolean | undefined;
  /** What the `/help` being answered asked about: `keys`, a command, or `""` for all. */
  readonly helpTopic?: string | undefined;
}

/** What a private message is labelled with. */
const PRIVATE_TAG: Part = { text: "private", style: "tag" };

/** What marks an action. */
const STAR: Part = { text: "*", style: "star" };

function plain(text: string): Part {
  return { text };
}

function named(style: "name" | "peer" | "nick", name: string): Part {
  return { text: sanitizeText(name), style, name };
}

function room(name: string): Part {
  return { text: sanitizeText(name), style: "room" };
}

function topic(text: string): Part {
  return { text: sanitizeText(text), style: "topic" };
}

function isOwn(name: string, me: string): boolean {
  return me !== "" && nameKey(name) === nameKey(me);
}

/**
 * Cleaned `value` as `text` parts, with each mention of `me` a `mention`
 * part. Its line breaks are kept: displays show the lines under each other.
 */
function body(value: string, me: string, highlight: boolean): Part[] {
  const text = sanitizeLines(value);
  if (!highlight || me === "") return [{ text, style: "text" }];
  const parts: Part[] = [];
  let last = 0;
  for (const match of text.matchAll(mentionPattern(sanitizeText(me)))) {
    if (match.index > last) parts.push({ text: text.slice(last, match.index), style: "text" });
    parts.push({ text: match[0], style: "mention" });
    last = match.index + match[0].length;
  }
  if (last < text.length || parts.length === 0) {
    parts.push({ text: text.slice(last), style: "text" });
  }
  return parts;
}

/** The words of a message, room or private, for {@linkcode messageParts} and {@linkcode privateParts}. */
interface Said {
  from: string;
  text: string;
  action?: boolean | undefined;
}

/** What a room message says: `ann: hi`, or `* ann waves`. */
function messageParts(said: Said, me: string): Part[] {
  const { from, text, action } = said;
  const words = body(text, me, !isOwn(from, me));
  return action
    ? [STAR, plain(" "), named("name", from), plain(" "), ...words]
    : [named("name", from), plain(": "), ...words];
}

/** What a private message says: `[private] ann → you: hi`, or `[private] * ann waves → you`. */
function privateParts(said: Said & { to: string }, me: string): Part[] {
  const { from, to, text, action } = said;
  const outgoing = isOwn(from, me);
  const you: Part = { text: "you", style: "you", name: me };
  const sender = outgoing ? you : named("name", from);
  const receiver = outgoing ? named("peer", to) : you;
  const words = body(text, me, false);
  return action
    ? [
      PRIVATE_TAG,
      plain(" "),
      STAR,
      plain(" "),
      sender,
      plain(" "),
      ...words,
      plain(" → "),
      receiver,
    ]
    : [PRIVATE_TAG, plain(" "), sender, plain(" → "), receiver, plain(": "), ...words];
}

/**
 * `said` with the text of a code block in place of the whole text, and the
 * `code` tag pushed to `tags`, when its text is one.
 */
function unfenced<T extends Said>(said: T, tags: LineTag[]): T {
  const text = sanitizeLines(said.text);
  const code = codeOf(text);
  if (code !== undefined) {
    tags.push("code");
    return { ...said, text: code };
  }
  // Lines under the first that are indented are laid out: a traceback, a config file.
  if (INDENTED_LINE.test(text)) tags.push("preformatted");
  return said;
}

/** A line after the first that starts with a blank. */
const INDENTED_LINE = /\n[ \t]/;

function describeMessage(frame: MessageFrame, me: string, options: DescribeOptions): Line {
  const tags: LineTag[] = [];
  if (frame.replay) tags.push("replay");
  if (isOwn(frame.from, me)) tags.push("own");
  if (frame.file !== undefined) {
    const file = cleanFile(frame.file);
    return {
      kind: "message",
      ts: frame.ts,
      id: frame.id,
      tags,
      // "shared" a part of its own: a display that wraps the line indents under it.
      parts: [named("name", frame.from), plain(" "), plain("shared "), ...fileParts(file, options)],
      file,
    };
  }
  if (isMention(frame, me)) tags.push("mentioned");
  const said = unfenced(frame, tags);
  return {
    kind: frame.action ? "action" : "message",
    ts: frame.ts,
    id: frame.id,
    tags,
    parts: messageParts(said, me),
  };
}

function describePrivate(frame: PrivateFrame, me: string, options: DescribeOptions): Line {
  const tags: LineTag[] = [isOwn(frame.from, me) ? "outgoing" : "incoming"];
  if (frame.file !== undefined) {
    const file = cleanFile(frame.file);
    const [tag, space, sender, arrow, receiver] = privateParts({ ...frame, text: "" }, me);
    return {
      kind: "private",
      ts: frame.ts,
      id: frame.id,
      tags,
      parts: [
        tag!,
        space!,
        sender!,
        arrow!,
        receiver!,
        plain(": "),
        plain("shared "),
        ...fileParts(file, options),
      ],
      file,
    };
  }
  if (frame.action) tags.push("action");
  const said = unfenced(frame, tags);
  return {
    kind: "private",
    ts: frame.ts,
    id: frame.id,
    tags,
    parts: privateParts(said, me),
  };
}

/** `file` with its name cleaned for showing; it is sent from elsewhere like any text. */
function cleanFile(file: FileRef): FileRef {
  const name = sanitizeText(file.name);
  return name === file.name ? file : { ...file, name };
}

/** A shared file's name, its size, and what the display adds: `report.pdf (1.2 MiB) LINK`. */
function fileParts(file: FileRef, options: DescribeOptions): Part[] {
  const size = Number.isSafeInteger(file.size) && file.size >= 0 ? formatBytes(file.size) : "?";
  const parts: Part[] = [{ text: file.name, style: "file" }, plain(` (${size})`)];
  const link = options.fileLink?.(file);
  if (link !== undefined) parts.push(plain(` ${sanitizeText(link)}`));
  return parts;
}

/** A notice line: words from the chat itself, stamped `ts` when the server gave a time. */
export function notice(parts: readonly (Part | string)[], ts?: number): Line {
  const line: Line = {
    kind: "notice",
    parts: parts.map((part) => typeof part === "string" ? plain(part) : part),
  };
  return ts === undefined ? line : { ...line, ts };
}

/** An error line, saying `message` (cleaned). */
export function errorLine(message: string): Line {
  return { kind: "error", parts: [plain(sanitizeText(message))] };
}

/**
 * `message`, from the server, without the hints only a person at the
 * keyboard can act on: ". Pick another name" after a name refused, ". Type
 * /help for the list" after an unknown command.
 */
export function withoutHints(message: string): string {
  const taken = /\. Pick another name$/;
  const unknown = /\. Type \/help for the list(?=;|$)/;
  return message.replace(taken, "").replace(unknown, "");
}

/** Who is in a room, as `3 people here: ann, bob, cy`, or `nobody here` for a count of 0. */
function people(
  members: readonly string[],
  count: number,
  about?: { people: readonly Person[] | undefined; now: number | undefined; me: string },
): Part[] {
  if (count === 0) return [plain("nobody here")];
  const parts: Part[] = [plain(`${count} ${count === 1 ? "person" : "people"} here: `)];
  members.forEach((name, index) => {
    if (index > 0) parts.push(plain(", "));
    parts.push(named("nick", name));
    const person = about?.people?.[index];
    // The user finds themself in the list, as the page's list of people marks them.
    const marks = [
      ...(about !== undefined && isOwn(name, about.me) ? ["you"] : []),
      ...(person !== undefined && person.name === name ? personMarks(person, about?.now) : []),
    ];
    if (marks.length > 0) parts.push(plain(` (${marks.join(", ")})`));
  });
  if (count > members.length) parts.push(plain(` and ${count - members.length} more`));
  return parts;
}

/** Someone idle longer than this shows as idle, in `who` and the page's list of people, in ms. */
export const IDLE_SHOWN_MS = 5 * 60_000;

/**
 * How long someone has been idle, as `who` and the page's list of people say
 * it: `idle 12 min`, `idle 1 h 15 min`, rounded down to the minute, since a
 * list is looked at again only now and then.
 */
export function idleFor(ms: number): string {
  return `idle ${formatSpan(Math.floor(ms / 60_000) * 60_000)}`;
}

/** What a client is called for people: `nc` for plain text, `ws` for a WebSocket program, as the page's list of people says. */
export function clientName(client: string): string {
  const clean = sanitizeText(client);
  return clean === "text" ? "nc" : clean === "websocket" ? "ws" : clean;
}

/**
 * How a person of `who` is, in words: `operator`, `away since 12:03: lunch`
 * or `idle 12 min` (when `now` is known), and their client.
 */
export function personMarks(person: Person, now?: number): string[] {
  const marks = person.op ? ["operator"] : [];
  if (person.away !== undefined) {
    const why = person.away.reason === undefined ? "" : `: ${sanitizeText(person.away.reason)}`;
    marks.push(`away since ${clock(person.away.since).slice(0, 5)}${why}`);
  } else if (now !== undefined && now - person.active > IDLE_SHOWN_MS) {
    marks.push(idleFor(now - person.active));
  }
  marks.push(clientName(person.client));
  return marks;
}

/**
 * The widest usage column of `/help`: a longer usage is not padded, and a
 * terminal wraps it in the column, as the page does, rather than push every
 * description over by its width.
 */
export const HELP_USAGE_COLUMNS = 21;

/** How {@linkcode describeHelp} lists the commands. */
export interface HelpOptions {
  /** Each command's usage alone, tagged `usages`, with how to learn more. @default {false} */
  compact?: boolean;
  /** `keys` for the keys alone, a command's name (`join`, `/j`) for it alone; `""` for all. */
  topic?: string;
}

/** The names `usage`'s command goes by: `/join` and, from `description`, `(also /j)`. */
function namesOf(command: CommandHelp): string[] {
  const own = command.usage.split(" ")[0]!.toLowerCase();
  const also = /\(also ([^)]*)\)/.exec(command.description)?.[1] ?? "";
  return [own, ...also.split(/,\s*/).filter((name) => name.startsWith("/"))];
}

/**
 * The `/help` list: a heading, then one line per command, usages in one
 * column, then how to send a line that begins with `/`; then the client's
 * `keys`, if any, in the same columns. Compact, the usages alone, saying
 * how to learn more: `/help keys` for the keys, `/help join` for one
 * command (found by any of its names) with what it does.
 */
export function describeHelp(
  commands: readonly CommandHelp[],
  keys: readonly CommandHelp[] = [],
  options: HelpOptions = {},
): Line[] {
  const listed = [...commands, SLASH_HELP];
  const width = Math.min(
    HELP_USAGE_COLUMNS,
    Math.max(...[...listed, ...keys].map((command) => sanitizeText(command.usage).length)),
  );
  const row = (command: CommandHelp): Line => ({
    ...notice([
      "  ",
      { text: sanitizeText(command.usage).padEnd(width), style: "usage" },
      "  ",
      { text: sanitizeText(command.description), style: "description" },
    ]),
    tags: ["help"],
  });
  const topic = (options.topic ?? "").trim().toLowerCase();
  if (topic === "keys" && keys.length > 0) return [notice(["Keys:"]), ...keys.map(row)];
  if (topic !== "") {
    const name = topic.startsWith("/") ? topic : `/${topic}`;
    const found = listed.filter((command) => namesOf(command).includes(name));
    if (found.length > 0) return found.map(row);
    // As an unknown command is: an error, not a notice.
    return [errorLine(`No command ${name}; /help lists them`)];
  }
  if (options.compact === true) {
    const more = keys.length > 0 ? "; /help keys, the keys" : "";
    return [
      notice([`Commands (/help COMMAND says what one does${more}):`]),
      ...listed.map((command): Line => ({
        ...notice(["  ", { text: sanitizeText(command.usage), style: "usage" }]),
        tags: ["help", "usages"],
      })),
    ];
  }
  return [
    notice(["Commands:"]),
    ...listed.map(row),
    ...keys.length === 0 ? [] : [notice(["Keys:"]), ...keys.map(row)],
  ];
}

/**
 * Whether `before`, the frame that came just before `renamed`, is an
 * operator's notice of that rename (`ann renamed bob to robert`), which the
 * server sends first, in the same room and at the same time: it tells the
 * rename, and who made it, so that the `renamed` line would say it again.
 */
export function toldByNotice(
  before: ServerFrame | undefined,
  renamed: Extract<ServerFrame, { type: "renamed" }>,
): boolean {
  return before?.type === "notice" && before.room === renamed.room && before.ts === renamed.ts &&
    before.text.endsWith(` renamed ${renamed.from} to ${renamed.to}`);
}

/**
 * The lines that tell of one server frame, for a user called `me` (`""`
 * before the server accepted a name).
 *
 * @example
 * ```ts
 * describeFrame({ type: "info", text: "You are in #lobby already" }, "bob");
 * // [{ kind: "notice", parts: [{ text: "You are in #lobby already" }] }]
 * ```
 */
export function describeFrame(
  frame: ServerFrame,
  me: string,
  options: DescribeOptions = {},
): Line[] {
  const safe = sanitizeText;
  switch (frame.type) {
    case "message":
      return [describeMessage(frame, me, options)];
    case "private":
      return [describePrivate(frame, me, options)];
    case "joined":
      return [notice([named("nick", frame.name), " joined ", room(frame.room)], frame.ts)];
    case "left": {
      const why = frame.reason === undefined ? "" : ` (${safe(frame.reason)})`;
      return [notice([named("nick", frame.name), " left ", room(frame.room), why], frame.ts)];
    }
    case "renamed":
      // The user's own new name, told as theirs (`me` may be the new one by now, or the old).
      if (isOwn(frame.to, me) || isOwn(frame.from, me)) {
        return [notice(["You are now ", named("nick", frame.to)], frame.ts)];
      }
      return [notice([named("nick", frame.from), " is now ", named("nick", frame.to)], frame.ts)];
    case "welcome":
      return [
        notice([
          `Connected to ${safe(frame.server)} as `,
          named("nick", frame.name),
          ...options.hints === false ? [] : [". Type /help for commands"],
        ]),
      ];
    case "room":
      return [
        {
          ...notice([
            "You are in ",
            room(frame.room),
            ...(frame.locked ? [" (locked)"] : []),
            ". ",
            // Someone who entered unseen (a quiet hello) is not counted in their own room.
            ...(frame.count === 0
              ? [plain("Nobody else is here")]
              : people(frame.members, frame.count)),
          ]),
          tags: ["room-change"],
        },
        ...(frame.topic === undefined
          ? []
          : [notice(["Topic of ", room(frame.room), ": ", topic(frame.topic)])]),
      ];
    case "who":
      return [
        notice([
          room(frame.room),
          ": ",
          ...people(frame.members, frame.count, { people: frame.people, now: options.now, me }),
        ]),
      ];
    case "parted":
      return [notice(["You left ", room(frame.room)])];
    case "rooms":
      return [
        notice([
          "Rooms: ",
          ...frame.rooms.flatMap((entry, index) => [
            ...(index > 0 ? [plain(", ")] : []),
            room(entry.name),
            plain(
              ` (${entry.members}${entry.joined ? ", joined" : ""}${
                entry.locked ? ", locked" : ""
              })${entry.topic === undefined ? "" : ": "}`,
            ),
            ...(entry.topic === undefined ? [] : [topic(entry.topic)]),
          ]),
        ]),
      ];
    case "help":
      return describeHelp(frame.commands, options.helpKeys, {
        compact: options.compactHelp === true,
        topic: options.helpTopic ?? "",
      });
    case "info":
      return [notice([safe(frame.text)])];
    case "error": {
      const line = errorLine(options.hints === false ? withoutHints(frame.message) : frame.message);
      // Too many frames at once are read more slowly, not refused; a search too many is refused.
      const slowed = frame.code === "rate_limited" && !frame.message.startsWith("Cannot ");
      return [slowed ? { ...line, tags: ["slowed"] } : line];
    }
    case "bye":
      return [notice([`Disconnected: ${safe(frame.reason)}`])];
    case "topic":
      return [
        notice(
          frame.topic === ""
            ? [named("nick", frame.by), " cleared the topic of ", room(frame.room)]
            : [
              named("nick", frame.by),
              " set the topic of ",
              room(frame.room),
              ": ",
              topic(frame.topic),
            ],
          frame.ts,
        ),
      ];
    case "notice":
      // An operator's act on the user is said to them as theirs: `boss muted you`.
      return [notice([safe(ownNotice(frame.text, me) ?? frame.text)], frame.ts)];
    case "away": {
      const cut = options.awayCut === true && isOwn(frame.name, me)
        ? ` (cut to ${MAX_AWAY_REASON_LENGTH} characters)`
        : "";
      const why = frame.reason === undefined ? "" : `: ${safe(frame.reason)}${cut}`;
      const back = options.awayByItself === undefined
        ? "/back when you are back"
        : AWAY_ENDS[options.awayByItself];
      return [
        notice(
          isOwn(frame.name, me)
            ? [`You are away${why}; ${back}`]
            : [named("nick", frame.name), ` is away${why}`],
          frame.ts,
        ),
      ];
    }
    case "back":
      return [
        notice(
          isOwn(frame.name, me) ? ["You are back"] : [named("nick", frame.name), " is back"],
          frame.ts,
        ),
      ];
    case "typing":
    case "servers":
    case "ping":
    case "pong":
      return [];
    default: {
      const unhandled: never = frame;
      throw new TypeError(`Cannot describe frame ${JSON.stringify(unhandled)}`);
    }
  }
}

/** A line the user sent that the server has not answered yet, as it will read once it has. */
export function describePending(post: PostFrame, me: string): Line {
  const tags: LineTag[] = [];
  const parts = post.type === "msg"
    ? privateParts(unfenced({ from: me, to: post.to.replace(/^@/, ""), text: post.text }, tags), me)
    : messageParts(unfenced({ from: me, text: post.text, action: post.type === "me" }, tags), me);
  const line: Line = { kind: "pending", status: "sending…", parts };
  return tags.length === 0 ? line : { ...line, tags };
}
