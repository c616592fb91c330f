/**
 * The host's console: the lines typed into `chat serve`'s terminal, run as
 * an operator called `host` who is in no room. It takes the operators'
 * commands of the command table, and three of its own: `/say #room TEXT`
 * (post as the host), `/who #room` and `/rooms`. A line that is not a
 * command is refused: it would be posted in no room. What it is told is
 * printed as plain lines.
 *
 * @module
 */

import { type CommandFrame, parseInput } from "../../core/commands.ts";
import { describeFrame } from "../../core/describe.ts";
import { nameKey } from "../../core/names.ts";
import { plainLines } from "../../core/plain.ts";
import { sanitizeText } from "../../core/sanitize.ts";
import { LOBBY, type ServerFrame } from "../../protocol.ts";
import { SentMemory } from "../sent_memory.ts";
import type { FrameSource, Session } from "../session.ts";
import { HOST_NAME } from "./identity.ts";
import { type Member, roomNamed } from "./members.ts";
import type { Room, Rooms } from "./rooms.ts";

/** The commands of the table the console runs. */
export const CONSOLE_COMMANDS: ReadonlySet<string> = new Set([
  "kick",
  "ban",
  "unban",
  "bans",
  "mute",
  "unmute",
  "op",
  "deop",
  "topic",
  "lock",
  "unlock",
  "rename",
]);

/** What the console says `/help` is: rows of 80 columns at most, so that no terminal wraps them. */
export const CONSOLE_HELP: readonly string[] = [
  "Console commands (you act as the operator 'host'):",
  "  /say #room TEXT        post TEXT in a room as the host",
  "  /who #room             who is in a room, and how each is",
  "  /rooms                 the rooms",
  "  /kick NAME [REASON]    /ban NAME|ADDRESS [DURATION] [REASON]",
  "  /unban NAME|ADDRESS    /bans",
  "  /mute NAME [DURATION]  /unmute NAME   /op NAME   /deop NAME",
  "  /rename NAME NEW       /topic #room [TEXT]",
  "  /lock #room            /unlock #room",
];

/** What the console says to a line that is not a command. */
const PLAIN_LINE = "!! Type a command: /say #room TEXT posts a line; /help lists the commands";

/** What the console needs of the hub. */
export interface ConsoleOptions {
  readonly rooms: Rooms;
  /** Runs a command frame as `member`. */
  readonly dispatch: (member: Member, frame: CommandFrame) => void;
  /** Posts `text` in `room` as `member`. */
  readonly post: (member: Member, room: Room, text: string) => void;
}

/**
 * The address of the console's session, which has none: no connection's is
 * this, and the operators' commands, here or carried out on another server of
 * a cluster, know the console by it.
 */
export const CONSOLE_ADDRESS = "console";

/** A session that prints what it is sent. */
class ConsoleSession implements Session {
  readonly remote = "console";
  readonly address = CONSOLE_ADDRESS;
  readonly transport = "console";
  /** Printed where the server's log is: what the host did is told there, once. */
  readonly readsLog = true;
  readonly #print: (line: string) => void;

  constructor(print: (line: string) => void) {
    this.#print = print;
  }

  send(frame: ServerFrame): void {
    for (const line of describeFrame(frame, HOST_NAME)) {
      for (const row of plainLines(line)) this.#print(row);
    }
  }

  stream(source: FrameSource): void {
    for (let page = source.next(); page !== undefined; page = source.next()) {
      for (const frame of page) this.send(frame);
    }
  }

  close(): void {}
}

/** The host's console of one hub. */
export class HostConsole {
  readonly #options: ConsoleOptions;
  readonly #member: Member;
  readonly #print: (line: string) => void;

  /** A console that prints with `print`. */
  constructor(options: ConsoleOptions, print: (line: string) => void) {
    this.#options = options;
    this.#print = print;
    this.#member = {
      session: new ConsoleSession(print),
      name: HOST_NAME,
      key: nameKey(HOST_NAME),
      resume: "",
      sent: new SentMemory(),
      token: undefined,
      op: true,
      away: undefined,
      active: Date.now(),
      client: "console",
      version: 2,
      rooms: [options.rooms.get(LOBBY)],
    };
  }

  /** Runs one typed line. */
  run(line: string): void {
    const text = line.trim();
    if (text === "") return;
    // The console is in no room, so a line that is not a command has nowhere
    // to go; nor has `//text`, which a chat client sends as the line `/text`.
    if (!text.startsWith("/") || text.startsWith("//")) return this.#print(PLAIN_LINE);
    const [, command = "", rest = ""] = /^\/(\S+)\s*(.*)$/s.exec(text) ?? [];
    switch (command.toLowerCase()) {
      case "say":
        return this.#say(rest);
      case "who":
        return this.#in(
          rest,
          "list",
          (room) => this.#member.session.send(this.#options.rooms.who(room, this.#member)),
        );
      case "rooms":
        return this.#member.session.send(this.#options.rooms.list(this.#member));
      case "help":
      case "?":
        return CONSOLE_HELP.forEach((row) => this.#print(row));
    }
    const parsed = parseInput(text);
    if (!parsed.ok) {
      // The chat clients' wording of an unknown command tells of `//`, which
      // the console does not take.
      return this.#print(
        parsed.code === "unknown_command"
          ? `!! Unknown command "/${sanitizeText(command.toLowerCase())}"; /help lists the commands`
          : `!! ${parsed.message}`,
      );
    }
    if (parsed.frame.type === "say" || !CONSOLE_COMMANDS.has(parsed.frame.type)) {
      return this.#print(`!! "${text.split(/\s/)[0]}" is not a console command; /help lists them`);
    }
    this.#options.dispatch(this.#member, parsed.frame);
  }

  /** `/say #room TEXT`. */
  #say(rest: string): void {
    const match = /^(\S+)\s+(.+)$/s.exec(rest);
    if (match === null) return this.#print("!! Usage: /say #room TEXT");
    this.#in(match[1]!, "say it in", (room) => {
      this.#options.post(this.#member, room, match[2]!);
      this.#print(`-- said in ${room.name}`);
    });
  }

  /** Runs `then` in the room `typed` names (`#lobby` when none); `doing` says what, if it names none. */
  #in(typed: string, doing: string, then: (room: Room) => void): void {
    const checked = roomNamed(typed.trim() === "" ? LOBBY : typed.trim(), doing);
    if (!checked.ok) return this.#print(`!! ${checked.message}`);
    then(this.#options.rooms.get(checked.value));
  }
}
