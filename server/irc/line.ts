/**
 * IRC lines (RFC 1459 framing with IRCv3 message tags): reading one into its
 * tags, source, command and parameters, and writing one that cannot carry a
 * line break, a NUL or a stray space into the wrong place.
 *
 * @module
 */

/** Largest IRC line without its tags, in bytes, CR LF included. */
export const MAX_LINE_BYTES = 512;

/** Largest tags part of a line, in bytes, for either side (IRCv3 message-tags). */
export const MAX_TAG_BYTES = 8191;

/** One IRC message, read or to write. */
export interface IrcMessage {
  /** IRCv3 tags, unescaped. */
  readonly tags: ReadonlyMap<string, string>;
  /** Who it is from (`nick!user@host`, or a server), if it says. */
  readonly source: string | undefined;
  /** The command, upper case, or a three-digit numeric. */
  readonly command: string;
  /** The parameters; the last may hold spaces. */
  readonly params: readonly string[];
}

const NO_TAGS: ReadonlyMap<string, string> = new Map();

const UNESCAPES: Record<string, string> = { ":": ";", s: " ", "\\": "\\", r: "\r", n: "\n" };

/** Unescapes an IRCv3 tag value. */
function unescapeTag(value: string): string {
  return value.replace(/\\(.?)/g, (_, char: string) => UNESCAPES[char] ?? char);
}

/** Escapes an IRCv3 tag value. */
export function escapeTag(value: string): string {
  return value.replace(/[\\; \r\n]/g, (char) =>
    ({
      "\\": "\\\\",
      ";": "\\:",
      " ": "\\s",
      "\r": "\\r",
      "\n": "\\n",
    })[char]!);
}

/**
 * Reads one line (without its line end) into a message, or `undefined` when
 * it holds no command. The command is upper-cased; empty middle parameters
 * made by repeated spaces are skipped, as RFC 1459 servers do.
 */
export function parseLine(line: string): IrcMessage | undefined {
  let rest = line;
  let tags = NO_TAGS;
  if (rest.startsWith("@")) {
    const space = rest.indexOf(" ");
    if (space === -1) return undefined;
    const read = new Map<string, string>();
    for (const tag of rest.slice(1, space).split(";")) {
      if (tag === "") continue;
      const equals = tag.indexOf("=");
      if (equals === -1) read.set(tag, "");
      else read.set(tag.slice(0, equals), unescapeTag(tag.slice(equals + 1)));
    }
    tags = read;
    rest = rest.slice(space + 1);
  }
  rest = rest.replace(/^ +/, "");
  let source: string | undefined;
  if (rest.startsWith(":")) {
    const space = rest.indexOf(" ");
    if (space === -1) return undefined;
    source = rest.slice(1, space);
    rest = rest.slice(space + 1).replace(/^ +/, "");
  }
  const params: string[] = [];
  let command: string | undefined;
  while (rest !== "") {
    if (command !== undefined && rest.startsWith(":")) {
      params.push(rest.slice(1));
      break;
    }
    const space = rest.indexOf(" ");
    const word = space === -1 ? rest : rest.slice(0, space);
    rest = space === -1 ? "" : rest.slice(space + 1).replace(/^ +/, "");
    if (command === undefined) command = word.toUpperCase();
    else params.push(word);
  }
  if (command === undefined || command === "") return undefined;
  return { tags, source, command, params };
}

/** What makes a line to send: tags, a source, a command and its parameters. */
export interface OutgoingLine {
  readonly tags?: Readonly<Record<string, string | undefined>>;
  readonly source?: string;
  readonly command: string;
  readonly params: readonly string[];
}

/** Commands whose one parameter is text: written with `:` too. */
const TEXT_ONLY: ReadonlySet<string> = new Set(["AWAY", "QUIT", "ERROR"]);

const BREAKS = /[\r\n\0]/g;

/**
 * Writes a message as one line with CR LF. No parameter can end the line or
 * add one: CR, LF and NUL become spaces; a middle parameter's spaces become
 * `_` and a leading `:` is dropped, since only the last may hold them. The
 * last of two or more parameters, and the text of AWAY, QUIT and ERROR, is
 * written with `:` (BATCH aside), as most servers do.
 */
export function formatLine(message: OutgoingLine): string {
  let line = "";
  if (message.tags !== undefined) {
    const tags = Object.entries(message.tags)
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([key, value]) => value === "" ? key : `${key}=${escapeTag(value)}`);
    if (tags.length > 0) line = `@${tags.join(";")} `;
  }
  if (message.source !== undefined) line += `:${message.source.replace(/[\s\0]/g, "_")} `;
  line += message.command;
  const params = message.params;
  params.forEach((param, index) => {
    const clean = param.replace(BREAKS, " ");
    if (index < params.length - 1) {
      line += " " + (clean.replace(/ /g, "_").replace(/^:+/, "") || "*");
    } else if (
      clean === "" || clean.includes(" ") || clean.startsWith(":") ||
      (params.length > 1 && message.command !== "BATCH") || TEXT_ONLY.has(message.command)
    ) {
      line += " :" + clean;
    } else {
      line += " " + clean;
    }
  });
  return line + "\r\n";
}

/** Counts the UTF-8 bytes of `text`. */
export function byteLength(text: string): number {
  // Counted from the UTF-16 code units, without encoding: it runs for every
  // message an IRC client receives. A unit is at most 3 bytes; a surrogate
  // pair is 4 (2 each), a lone surrogate 3 (it is sent as U+FFFD).
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) {
      bytes += 1;
      continue;
    }
    bytes += 2;
    const next = text.charCodeAt(i + 1);
    if (unit <= 0xdbff && unit >= 0xd800 && next >= 0xdc00 && next <= 0xdfff) i++;
  }
  return bytes;
}

/**
 * Cuts `text` into pieces of at most `max` UTF-8 bytes each, never inside a
 * character, preferring to cut after a space; at least one piece.
 */
export function splitBytes(text: string, max: number): string[] {
  if (text.length <= max / 3 || byteLength(text) <= max) return [text];
  const pieces: string[] = [];
  let piece = "";
  let bytes = 0;
  for (const char of text) {
    const size = byteLength(char);
    if (bytes + size > max && piece !== "") {
      const space = piece.lastIndexOf(" ");
      if (space > piece.length / 2) {
        pieces.push(piece.slice(0, space + 1));
        piece = piece.slice(space + 1);
        bytes = byteLength(piece);
      } else {
        pieces.push(piece);
        piece = "";
        bytes = 0;
      }
    }
    piece += char;
    bytes += size;
  }
  pieces.push(piece);
  return pieces;
}
