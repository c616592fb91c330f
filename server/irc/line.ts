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

/**
 * Commands whose last parameter is a word, written without `:` when it can be
 * (`MODE #a +o b`, `221 ann +i`, the user modes, and `324 ann #a +nt`, a channel's, as
 * servers write them).
 */
const WORDS_ONLY: ReadonlySet<string> = new Set(["BATCH", "MODE", "221", "324"]);

const BREAKS = /[\r\n\0]/g;

/**
 * Writes a message as one line with CR LF. No parameter can end the line or
 * add one: CR, LF and NUL become spaces; a middle parameter's spaces become
 * `_` and a leading `:` is dropped, since only the last may hold them. The
 * last of two or more parameters, and the text of AWAY, QUIT and ERROR, is
 * written with `:` (BATCH and MODE aside), as most servers do.
 */
export function formatLine(message: OutgoingLine): string {
  const params = message.params;
  const last = params.length - 1;
  if (last < 0) return tagsOf(message) + lineStart(message) + "\r\n";
  let line = lineStart(message);
  for (let index = 0; index < last; index++) line += middleParam(params[index]!);
  // The last parameter is cut to what fits 512 bytes (the tags aside): a reason or a topic.
  const clean = fitted(line, params[last]!.replace(BREAKS, " "));
  if (
    clean === "" || clean.includes(" ") || clean.startsWith(":") ||
    (last > 0 && !WORDS_ONLY.has(message.command)) || TEXT_ONLY.has(message.command)
  ) {
    return tagsOf(message) + line + " :" + clean + "\r\n";
  }
  return tagsOf(message) + line + " " + clean + "\r\n";
}

/**
 * `text`, the last parameter of a line that begins `head` (without its
 * tags), cut so that the line fits {@linkcode MAX_LINE_BYTES} with its ` :`
 * and CR LF ({@linkcode cutBytes}).
 */
function fitted(head: string, text: string): string {
  // Most lines: short enough whatever their characters.
  if ((head.length + text.length) * 3 + 4 <= MAX_LINE_BYTES) return text;
  return cutBytes(text, MAX_LINE_BYTES - 4 - byteLength(head));
}

/** The tags part of a line, `@` to the space after it; `""` for none. */
function tagsOf(message: OutgoingLine): string {
  // Loops rather than array helpers: a line is formatted for every message an IRC client is sent.
  const tags = message.tags;
  if (tags === undefined) return "";
  let written = "";
  let count = 0;
  for (const key of Object.keys(tags)) {
    const value = tags[key];
    if (value === undefined) continue;
    if (count++ > 0) written += ";";
    written += value === "" ? key : `${key}=${escapeTag(value)}`;
  }
  return count > 0 ? `@${written} ` : "";
}

/** The source and command of a line, without its tags. */
function lineStart(message: OutgoingLine): string {
  const source = message.source;
  return source === undefined
    ? message.command
    : `:${source.replace(/[\s\0]/g, "_")} ${message.command}`;
}

/** A parameter before the last, with its space: one word. */
function middleParam(param: string): string {
  return " " + (param.replace(BREAKS, " ").replace(/ /g, "_").replace(/^:+/, "") || "*");
}

/**
 * Writes one line per text of `texts`, each the last parameter after those
 * of `message`: the lines {@linkcode formatLine} writes, with what comes
 * before the text (tags, source, command, parameters) written once.
 */
export function formatLines(message: OutgoingLine, texts: readonly string[]): string {
  const params = message.params;
  // With a parameter before it, the text is always written with ":" (BATCH and MODE aside).
  if (params.length === 0 || WORDS_ONLY.has(message.command)) {
    let lines = "";
    for (const text of texts) lines += formatLine({ ...message, params: [...params, text] });
    return lines;
  }
  let head = lineStart(message);
  for (const param of params) head += middleParam(param);
  const tags = tagsOf(message);
  let lines = "";
  for (const text of texts) {
    lines += tags + head + " :" + fitted(head, text.replace(BREAKS, " ")) + "\r\n";
  }
  return lines;
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

/** Splits text into graphemes, as a person sees its characters. */
const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * Cuts `text` into pieces of at most `max` UTF-8 bytes each, preferring to
 * cut at a space, which neither piece keeps; else after the last whole
 * grapheme that fits (a letter and its marks, an emoji and its modifiers, a
 * flag), a grapheme longer than `max` alone between its characters. At
 * least one piece.
 */
export function splitBytes(text: string, max: number): string[] {
  if (text.length <= max / 3 || byteLength(text) <= max) return [text];
  const pieces: string[] = [];
  let piece = "";
  let bytes = 0;
  for (const { segment } of graphemes.segment(text)) {
    const size = byteLength(segment);
    if (bytes + size > max && piece !== "") {
      if (segment === " ") {
        // The cut falls on a space: it ends this piece, and starts no other.
        pieces.push(piece);
        piece = "";
        bytes = 0;
        continue;
      }
      const space = piece.lastIndexOf(" ");
      if (space > piece.length / 2) {
        pieces.push(piece.slice(0, space));
        piece = piece.slice(space + 1);
        bytes = byteLength(piece);
      } else {
        pieces.push(piece);
        piece = "";
        bytes = 0;
      }
    }
    if (bytes + size > max && size <= max) {
      // What was kept after the space, with this grapheme, is still too long.
      pieces.push(piece);
      piece = "";
      bytes = 0;
    }
    if (bytes + size <= max) {
      piece += segment;
      bytes += size;
      continue;
    }
    // One grapheme longer than a whole piece: cut between its characters.
    for (const char of segment) {
      const charSize = byteLength(char);
      if (bytes + charSize > max && piece !== "") {
        pieces.push(piece);
        piece = "";
        bytes = 0;
      }
      piece += char;
      bytes += charSize;
    }
  }
  pieces.push(piece);
  return pieces;
}

/**
 * `text` cut to at most `max` UTF-8 bytes: never inside a character, and
 * after the last whole grapheme (a letter and its marks, an emoji and its
 * modifiers) that fits, unless the first alone does not fit, which is then
 * cut between its characters.
 */
export function cutBytes(text: string, max: number): string {
  if (byteLength(text) <= max) return text;
  let cut = "";
  let bytes = 0;
  for (const { segment } of graphemes.segment(text)) {
    const size = byteLength(segment);
    if (bytes + size > max) {
      if (cut !== "") return cut;
      // One grapheme longer than the line: its characters that fit.
      for (const char of segment) {
        const charSize = byteLength(char);
        if (bytes + charSize > max) break;
        cut += char;
        bytes += charSize;
      }
      return cut;
    }
    cut += segment;
    bytes += size;
  }
  return cut;
}

/**
 * `lines` (CR LF each) with the IRCv3 `time` tag `time` on each, before its
 * other tags; a line that has one already keeps it.
 */
export function withTime(lines: string, time: string): string {
  let out = "";
  for (const line of lines.split("\r\n")) {
    if (line === "") continue;
    if (!line.startsWith("@")) out += `@time=${time} ${line}\r\n`;
    else if (/^@(?:[^ ]*;)?time=/.test(line)) out += `${line}\r\n`;
    else out += `@time=${time};${line.slice(1)}\r\n`;
  }
  return out;
}
