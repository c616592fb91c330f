/**
 * The little of IRC a load client (bench/load_client.ts) needs: telling a
 * PRIVMSG line from others without decoding it, and reading a line's source
 * nick, command and parameters when it must be read.
 *
 * @module
 */

const encoder = new TextEncoder();
const SPACE = 0x20;
const COLON = 0x3a;
const PRIVMSG = encoder.encode(" PRIVMSG ");

/** One IRC line, read: the nick of its source (if any), its command and its parameters. */
export interface IrcLine {
  /** The nick of `:nick!user@host`, or the server's name; `""` without a source. */
  source: string;
  /** The command or numeric, as sent. */
  command: string;
  /** The parameters, the trailing one without its colon. */
  params: string[];
}

/**
 * Whether bytes `start` to `end` of `bytes` are a line `:source PRIVMSG …`:
 * compares the 9 bytes from the first space on, decodes nothing.
 */
export function isPrivmsg(bytes: Uint8Array, start: number, end: number): boolean {
  if (bytes[start] !== COLON) return false;
  const space = bytes.indexOf(SPACE, start);
  if (space === -1 || space + PRIVMSG.length > end) return false;
  for (let i = 0; i < PRIVMSG.length; i++) {
    if (bytes[space + i] !== PRIVMSG[i]) return false;
  }
  return true;
}

/** Reads one line, its CR (if any) and IRCv3 tags left out. */
export function readIrcLine(line: string): IrcLine {
  let rest = line.endsWith("\r") ? line.slice(0, -1) : line;
  if (rest.startsWith("@")) rest = rest.slice(rest.indexOf(" ") + 1);
  let source = "";
  if (rest.startsWith(":")) {
    const space = rest.indexOf(" ");
    const mask = rest.slice(1, space === -1 ? undefined : space);
    source = mask.split("!", 1)[0]!;
    rest = space === -1 ? "" : rest.slice(space + 1);
  }
  const params: string[] = [];
  let command = "";
  while (rest !== "") {
    if (command !== "" && rest.startsWith(":")) {
      params.push(rest.slice(1));
      break;
    }
    const space = rest.indexOf(" ");
    const word = space === -1 ? rest : rest.slice(0, space);
    if (command === "") command = word;
    else if (word !== "") params.push(word);
    rest = space === -1 ? "" : rest.slice(space + 1);
  }
  return { source, command, params };
}
