/**
 * Server frames as IRC lines for one connection: messages as PRIVMSG (with
 * IRCv3 tags where negotiated), rooms as JOIN, topic and NAMES, arrivals and
 * departures, and the answers to the command being handled as its numerics.
 *
 * @module
 */

import {
  type ErrorCode,
  type FilesInfo,
  forVersion1,
  type MessageFrame,
  type PrivateFrame,
  type ServerFrame,
} from "../../protocol.ts";
import { fileLink } from "../../core/files.ts";
import { normalizeRoom } from "../../core/names.ts";
import type { Hub } from "../hub.ts";
import {
  byteLength,
  formatLine,
  formatLines,
  MAX_LINE_BYTES,
  splitBytes,
  withTime,
} from "./line.ts";
import { HOST, NickBook } from "./nicks.ts";
import { Idents } from "./idents.ts";
import { RPL } from "./numerics.ts";
import { replayMark } from "./session.ts";
import { joinLines, whoLines } from "./listings.ts";
import { errorLine } from "./errors.ts";
import { welcomeLines } from "./welcome.ts";
import { noHelloSeconds } from "../transports/no_hello.ts";
import { NOTICE_CID, privateAction } from "./text.ts";
import {
  Capabilities,
  kickOf,
  partReason,
  quitKey,
  type SharedFrame,
  sharedFrame,
} from "./shared.ts";

/** The IRC command being handled, whose answers the hub's frames are rendered as. */
export interface Context {
  /** The command, upper case. */
  readonly command: string;
  /** The channel or nick it acts on, as the client wrote it. */
  readonly target?: string;
  /** The channel of an operator's command, when it names one besides its target (MODE). */
  readonly channel?: string;
}

/** What a renderer knows of its server and connection. */
export interface RendererOptions {
  /** The server's name in IRC lines: a host name. */
  readonly server: string;
  /** The network's name, for ISUPPORT. */
  readonly network: string;
  /** The address the peer reached the server at, for links to shared files. */
  readonly localHost: string;
  /** The hub, asked who is an operator and who set a topic. */
  readonly hub: Hub;
  /** What registration still waits for (`NICK and USER`, `CAP END`), for its deadline's ERROR. */
  readonly awaiting?: () => string;
}

const encoder = new TextEncoder();

// The hub's notices of operators made and rooms locked (server/hub/operators.ts), shown as modes.
const OPERATOR_PROVED = /^(\S+) is an operator \(proved /;
const OPERATOR_MADE = /^(\S+) made (\S+) (?:an operator|(a person like the others))$/;
const OPERATOR_LEFT = /^(\S+) is no longer an operator$/;
const LOCKED = /^(\S+) (un)?locked (#\S+): /;

/** Frames as IRC lines for one connection, and the state they depend on. */
export class IrcRenderer {
  readonly options: RendererOptions;
  /** The capabilities the client enabled. */
  readonly caps: Capabilities = new Capabilities();
  /** The nicks this connection was shown. */
  readonly nicks: NickBook;
  /** The user parts of the server's masks, the same to every client. */
  readonly idents: Idents;
  /** The chat name, once the hub has welcomed the client. */
  name: string | undefined;
  /** The nick the client goes by; `*` until it has one. */
  nick = "*";
  /** The command being handled, while the hub answers it. */
  context: Context | undefined;
  /** The code of the last error frame rendered. */
  lastError: ErrorCode | undefined;
  #files: FilesInfo | undefined;
  /** The replay batch open for a room, when the client takes batches. */
  #batch: { ref: string; room: string } | undefined;
  /** The OPER that 381 answered already. */
  #answered: Context | undefined;
  /** Whether the client was told it is an operator (`MODE nick +o`), not since told `-o`. */
  #op = false;
  /**
   * The last departure shown as QUIT (or rename shown as NICK), so that one
   * told once per room shared is shown once; forgotten when someone arrives
   * or a room is entered, after which the same departure or rename is news.
   */
  #quit = "";

  constructor(options: RendererOptions) {
    this.options = options;
    this.nicks = new NickBook(
      () => options.hub.names(),
      (name) => options.hub.person(name) !== undefined,
    );
    this.idents = Idents.of(options.hub);
  }

  /** `nick!user@host` of chat name `name`: the user part theirs through renames (idents.ts). */
  mask(name: string): string {
    return `${this.nicks.nick(name)}!${this.idents.user(name)}@${HOST}`;
  }

  /** A numeric reply from the server to this client. */
  numeric(code: string, ...params: string[]): string {
    return formatLine({
      source: this.options.server,
      command: code,
      params: [this.nick, ...params],
    });
  }

  /** A line from the server. */
  line(command: string, ...params: string[]): string {
    return formatLine({ source: this.options.server, command, params });
  }

  /** A notice from the server to this client: a long one in as many lines as 512 bytes take. */
  notice(text: string): string {
    return this.#notices(this.nick, text);
  }

  /** A notice from the server to `target`, cut into lines of at most 512 bytes at spaces. */
  #notices(target: string, text: string): string {
    const server = this.options.server;
    // `:SERVER NOTICE TARGET :` and CR LF.
    const budget = MAX_LINE_BYTES - byteLength(server) - byteLength(target) - 13;
    return formatLines(
      { source: server, command: "NOTICE", params: [target] },
      splitBytes(text, budget),
    );
  }

  /**
   * Renders one frame as bytes to send; `undefined` when it shows nothing.
   * A live room message, an arrival or a departure reads the same to every
   * client with the same capabilities: it is rendered and encoded once for
   * all of them (server/irc/shared.ts).
   */
  encode(frame: ServerFrame): Uint8Array | undefined {
    const shared = sharedFrame(frame);
    // The copies of one departure or rename come one after the other, never around an arrival.
    if (frame.type === "joined") this.#quit = "";
    if (shared !== undefined && shared.self !== this.name) {
      // Runs for every client a room's message reaches: most have nothing to remember.
      const bytes = shared.bytes[shared.byCaps ? this.caps.messageKey : 0];
      if (bytes !== undefined && shared.quit === undefined && shared.mapped.length === 0) {
        return bytes;
      }
      return this.#encodeShared(frame, shared);
    }
    const text = this.render(frame);
    return text === "" ? undefined : encoder.encode(text);
  }

  /** {@linkcode encode} of a frame every client reads alike, encoded by its first client. */
  #encodeShared(frame: ServerFrame, shared: SharedFrame): Uint8Array | undefined {
    const quit = shared.quit;
    if (quit !== undefined) {
      if (this.#quit === quit) return undefined;
      this.#quit = quit;
    }
    const mapped = shared.mapped;
    for (let i = 0; i < mapped.length; i++) this.nicks.nick(mapped[i]!);
    const key = shared.byCaps ? this.caps.messageKey : 0;
    return shared.bytes[key] ??= encoder.encode(this.#sharedLines(frame));
  }

  /** The lines of a frame that reads the same to every client, from someone else. */
  #sharedLines(frame: ServerFrame): string {
    return this.#timed(frame, this.#sharedUntimed(frame));
  }

  /** {@linkcode #sharedLines} without the time of `server-time`. */
  #sharedUntimed(frame: ServerFrame): string {
    switch (frame.type) {
      case "message":
        return this.#message(frame);
      case "joined":
        return this.from(frame.name, "JOIN", frame.room) + this.#opMode(frame.name, frame.room);
      case "left":
        return this.#leftLines(frame.name, frame.room, frame.reason);
      default:
        throw new TypeError(`Cannot render frame ${JSON.stringify(frame)} once for all clients`);
    }
  }

  /** Renders one frame as IRC lines, CR LF each; `""` when it shows nothing. */
  render(frame: ServerFrame): string {
    return this.#timed(frame, this.#lines(frame));
  }

  /**
   * `lines`, rendered of `frame`, each with the `time` tag of the frame's
   * `ts` when the client took `server-time` and the frame has one: a JOIN,
   * PART, QUIT, KICK, NICK, TOPIC, AWAY, MODE or NOTICE says when, as a
   * PRIVMSG does (which has its tags already, replays' times among them).
   */
  #timed(frame: ServerFrame, lines: string): string {
    if (lines === "" || !("ts" in frame) || !this.caps.has("server-time")) return lines;
    if (frame.type === "message" || frame.type === "private") return lines;
    return withTime(lines, new Date(frame.ts).toISOString());
  }

  /** {@linkcode render} without the time of `server-time`. */
  #lines(frame: ServerFrame): string {
    const mark = replayMark(frame);
    if (mark !== undefined) return this.#mark(mark.edge, mark.ref, mark.room);
    switch (frame.type) {
      case "welcome":
        this.name = frame.name;
        this.nick = this.nicks.nick(frame.name);
        this.#files = frame.files;
        return welcomeLines(this);
      case "room":
        this.#quit = "";
        return joinLines(this, frame.room, frame.members, frame.topic);
      case "message":
      case "private":
        return this.#message(frame);
      case "joined":
        if (frame.name === this.name) return "";
        return this.from(frame.name, "JOIN", frame.room) + this.#opMode(frame.name, frame.room) +
          (frame.away === undefined ? "" : this.#away(frame.name, frame.away.reason ?? "Away"));
      case "left":
        return this.#left(frame.name, frame.room, frame.reason);
      case "parted":
        return this.#part(this.name ?? this.nick, frame.room);
      case "renamed":
        return this.#renamed(frame.from, frame.to);
      case "topic":
        return this.from(frame.by, "TOPIC", frame.room, frame.topic);
      case "notice": {
        // An operator's lock of a channel they are not in: told to them, not in a channel never
        // joined.
        if (frame.room !== undefined && !this.#inChannel(frame.room)) {
          return this.#ownOp(frame.text) + this.notice(frame.text);
        }
        const line = this.#ownOp(frame.text) +
          this.#notices(frame.room ?? this.nick, frame.text) +
          (frame.room === undefined ? "" : this.#modeChange(frame.room, frame.text));
        const context = this.context;
        // The notice comes once per room of the new operator: 381 answers OPER once.
        const oper = context?.command === "OPER" && context !== this.#answered &&
          frame.text.startsWith(`${this.name} is an operator`);
        if (!oper) return line;
        this.#answered = context;
        return this.numeric(RPL.YOUREOPER, "You are now an IRC operator") + line;
      }
      case "away":
      case "back":
        return this.#away(frame.name, frame.type === "away" ? frame.reason ?? "Away" : undefined);
      case "who":
        return whoLines(this, frame);
      case "rooms":
        if (this.context?.command !== "LIST") return "";
        return [
          this.numeric(RPL.LISTSTART, "Channel", "Users Name"),
          ...frame.rooms
            .filter((room) => this.context?.target === undefined || this.#listed(room.name))
            .map((room) =>
              this.numeric(RPL.LIST, room.name, String(room.members), room.topic ?? "")
            ),
          this.numeric(RPL.LISTEND, "End of /LIST"),
        ].join("");
      case "help":
        return frame.commands.map((command) => this.notice(command.usage)).join("");
      case "info":
        // About a room (coming back to it): a notice in its channel, whatever command brought it.
        return frame.room === undefined
          ? this.#info(frame.text)
          : this.#notices(frame.room, frame.text);
      case "error":
        this.lastError = frame.code;
        return errorLine(this, frame.code, frame.message);
      case "bye":
        return this.#kickedFrom(frame.reason) +
          formatLine({ command: "ERROR", params: [`Closing link: ${this.#bye(frame.reason)}`] });
      case "typing":
        return this.#typing(frame.name, frame.room);
      // An IRC client knows no other servers to move to.
      case "servers":
      case "ping":
      case "pong":
        return "";
      default: {
        const unhandled: never = frame;
        throw new TypeError(`Cannot render frame ${JSON.stringify(unhandled)}`);
      }
    }
  }

  /** Whether `room` is among the channels a LIST asked for. */
  #listed(room: string): boolean {
    const asked = this.context?.target?.toLowerCase().split(",") ?? [];
    // Only channel names filter: ELIST conditions (`>3`) are not supported, so list all.
    return !asked.some((item) => item.startsWith("#")) || asked.includes(room);
  }

  /** A line from chat user `name`. */
  from(name: string, command: string, ...params: string[]): string {
    return formatLine({ source: this.mask(name), command, params });
  }

  /** `+o` from the server for `name`, who entered `room`, when an operator; else `""`. */
  #opMode(name: string, room: string): string {
    if (this.options.hub.person(name)?.person.op !== true) return "";
    return this.line("MODE", room, "+o", this.nicks.nick(name));
  }

  /**
   * `MODE nick +o` (or `-o`) from the client to itself, as servers tell a
   * change of one's own user modes, when the hub's notice `text` made the
   * client an operator (or took that away); once, though the notice comes
   * once per room.
   */
  #ownOp(text: string): string {
    const name = this.name;
    if (name === undefined) return "";
    const made = operatorMade(text);
    let op: boolean;
    if (OPERATOR_PROVED.exec(text)?.[1] === name) op = true;
    else if (made !== undefined && made.target === name) op = made.op;
    else return "";
    if (op === this.#op) return "";
    this.#op = op;
    return this.from(name, "MODE", this.nick, op ? "+o" : "-o");
  }

  /**
   * The MODE line a notice of the hub's stands for in `room`: someone made
   * an operator (`+o`) or no longer one (`-o`), the room locked (`+i`) or
   * unlocked (`-i`); `""` for any other notice.
   */
  #modeChange(room: string, text: string): string {
    const proved = OPERATOR_PROVED.exec(text);
    if (proved !== null) {
      return this.line("MODE", room, "+o", this.nicks.nick(proved[1]!));
    }
    const made = operatorMade(text);
    if (made !== undefined) {
      return this.from(made.by, "MODE", room, made.op ? "+o" : "-o", this.nicks.nick(made.target));
    }
    const locked = LOCKED.exec(text);
    if (locked !== null && locked[3] === room) {
      return this.from(locked[1]!, "MODE", room, locked[2] ? "-i" : "+i");
    }
    return "";
  }

  /** A departure: PART, KICK for one kicked, QUIT (once) for a connection that ended. */
  #left(name: string, room: string, reason: string | undefined): string {
    // One departure from several rooms arrives once per room; IRC says QUIT once.
    const quit = quitKey(name, reason);
    if (quit !== undefined) {
      if (this.#quit === quit) return "";
      this.#quit = quit;
    }
    return this.#leftLines(name, room, reason);
  }

  /** The line of a departure, whether or not it was shown already. */
  #leftLines(name: string, room: string, reason: string | undefined): string {
    if (reason === "parted") return this.#part(name, room);
    const kicked = kickOf(reason);
    if (kicked !== undefined) {
      this.idents.left(name);
      return this.from(kicked.by, "KICK", room, this.nicks.nick(name), kicked.why);
    }
    if (reason?.startsWith("went to ")) return this.from(name, "PART", room, reason);
    const line = this.from(name, "QUIT", reason ?? "Quit");
    this.idents.left(name);
    return line;
  }

  /**
   * The reason of a `bye` as IRC users read it: the deadline of a `hello`,
   * the chat's word, is that of registration, naming what it waits for
   * (`No registration (CAP END) within 10 s`).
   */
  #bye(reason: string): string {
    const late = this.name === undefined ? noHelloSeconds(reason) : undefined;
    if (late === undefined) return reason;
    const missing = this.options.awaiting?.() ?? "NICK and USER";
    return `No registration${missing === "" ? "" : ` (${missing})`} within ${late} s`;
  }

  /**
   * When the `bye` of this client says it was kicked, the `KICK` of it from
   * each channel it is in, as IRC servers send one before closing the link,
   * so that the client shows it in those channels; else `""`.
   */
  #kickedFrom(reason: string): string {
    const kicked = reason.startsWith("You were ") ? kickOf(reason) : undefined;
    const name = this.name;
    if (kicked === undefined || name === undefined) return "";
    let lines = "";
    for (const room of this.options.hub.person(name)?.rooms ?? []) {
      lines += this.from(kicked.by, "KICK", room, this.nick, kicked.why);
    }
    return lines;
  }

  /** The PART of `name` from `room`, with the reason an IRC user gave. */
  #part(name: string, room: string): string {
    const why = partReason(name, room);
    return why === undefined ? this.from(name, "PART", room) : this.from(name, "PART", room, why);
  }

  /** A rename, told once per room shared, shown once. */
  #renamed(from: string, to: string): string {
    const before = this.nicks.nick(from);
    // Their user part stays theirs: a ban mask made of it names them as they are now.
    const user = this.idents.renamed(from, to);
    this.nicks.renamed(from, to);
    if (from === this.name) {
      this.name = to;
      this.nick = this.nicks.nick(to);
    } else if (this.#quit === `rename\n${from}\n${to}`) {
      return "";
    }
    this.#quit = `rename\n${from}\n${to}`;
    return formatLine({
      source: `${before}!${user}@${HOST}`,
      command: "NICK",
      params: [this.nicks.nick(to)],
    });
  }

  /** Away and back: the client's own as 306 and 305, others' with away-notify. */
  #away(name: string, reason: string | undefined): string {
    if (name === this.name) {
      if (this.context?.command !== "AWAY") return "";
      return reason === undefined
        ? this.numeric(RPL.UNAWAY, "You are no longer marked as being away")
        : this.numeric(RPL.NOWAWAY, "You have been marked as being away");
    }
    if (!this.caps.has("away-notify")) return "";
    return reason === undefined ? this.from(name, "AWAY") : this.from(name, "AWAY", reason);
  }

  /** Something the hub tells; some are answers the command being handled gives otherwise. */
  #info(text: string): string {
    const command = this.context?.command;
    const away = text.match(/^(\S+) is away(?:: (.*))?$/s);
    if (away && (command === "PRIVMSG" || command === "NOTICE" || command === "INVITE")) {
      if (command === "NOTICE") return "";
      return this.numeric(RPL.AWAY, this.nicks.nick(away[1]!), away[2] ?? "Away");
    }
    if (command === "AWAY" && text === "You are not away") {
      return this.numeric(RPL.UNAWAY, "You are no longer marked as being away");
    }
    // Answers IRC gives with its own lines, or none.
    if (command === "JOIN" || command === "NICK") return "";
    // The KICK line in the channel is the answer; from outside it, `You kicked bob` is.
    if (command === "KICK" && this.#inChannel(this.context?.target)) return "";
    if (command === "OPER" && /operator/i.test(text)) {
      return this.numeric(RPL.YOUREOPER, "You are now an IRC operator");
    }
    return this.notice(text);
  }

  /** Whether this client is in `channel` (as the client wrote it), a room. */
  #inChannel(channel: string | undefined): boolean {
    const room = channel === undefined ? undefined : normalizeRoom(channel);
    if (this.name === undefined || room?.ok !== true) return false;
    return this.options.hub.person(this.name)?.rooms.includes(room.value) === true;
  }

  /** Someone typing, as the `+typing` tag of a TAGMSG, to a client that takes message tags. */
  #typing(name: string, room: string | undefined): string {
    if (!this.caps.has("message-tags") || name === this.name) return "";
    return formatLine({
      tags: { "+typing": "active" },
      source: this.mask(name),
      command: "TAGMSG",
      params: [room ?? this.nick],
    });
  }

  /** A replay's start or end: a batch when the client takes them. */
  #mark(edge: "start" | "end", ref: string, room: string): string {
    if (!this.caps.has("batch")) return "";
    if (edge === "start") {
      this.#batch = { ref, room };
      return this.line("BATCH", `+${ref}`, "chathistory", room);
    }
    if (this.#batch?.ref === ref) this.#batch = undefined;
    return this.line("BATCH", `-${ref}`);
  }

  /**
   * A message as PRIVMSG (or NOTICE) lines: one per line of its text, each cut to fit
   * 512 bytes; with message tags, the first line's msgid is the message's
   * id and the next ones' `ID-2`, `ID-3` ….
   */
  #message(frame: MessageFrame | PrivateFrame): string {
    const self = frame.from === this.name;
    const replayed = frame.type === "message" && frame.replay === true;
    // A message to oneself is the one the client receives, echo-message or not, as servers deliver it.
    const toSelf = self && frame.type === "private" && frame.to === this.name;
    if (self && !replayed && !toSelf && !this.caps.has("echo-message")) return "";
    const target = frame.type === "message"
      ? frame.room
      : self
      ? this.nicks.nick(frame.to)
      : this.nick;
    const files = this.#files;
    const host = this.options.localHost;
    // A private action from an IRC client is posted as `* ann waves` (text.ts): ACTION again here.
    const done = frame.type === "private" && frame.file === undefined
      ? privateAction(frame.from, frame.text, frame.cid)
      : undefined;
    const text = done ??
      (frame.file === undefined
        ? frame.text
        : (forVersion1(frame, files && ((file) => fileLink(host, files, file))) as typeof frame)
          .text);
    const tags: Record<string, string | undefined> = {};
    if (this.caps.has("server-time")) tags.time = new Date(frame.ts).toISOString();
    if (this.caps.has("message-tags")) tags.msgid = String(frame.id);
    if (replayed && this.#batch !== undefined) tags.batch = this.#batch.ref;
    const source = this.mask(frame.from);
    const action = frame.action === true || done !== undefined;
    // The bytes of `:SOURCE PRIVMSG TARGET :`, and of the ACTION's `\x01ACTION ` and `\x01`.
    const budget = MAX_LINE_BYTES - 2 - byteLength(source) - byteLength(target) - 12 -
      (action ? 9 : 0);
    let pieces: string[];
    if (frame.file !== undefined && files !== undefined && byteLength(text) > budget) {
      const link = (url: string) => fileLink(host, files, { url });
      pieces = fileLines(
        `shared ${frame.text}:`,
        link(frame.file.url),
        link(bareFileUrl(frame.file.url)),
        budget,
      )
        .map((piece) => action ? `\x01ACTION ${piece}\x01` : piece);
    } else if (!action && !text.includes("\n") && text !== "" && text.length * 3 <= budget) {
      // Most messages: one line that fits whatever its characters.
      pieces = [text];
    } else {
      pieces = [];
      for (const line of text.split("\n")) {
        for (const piece of splitBytes(line === "" ? " " : line, budget)) {
          pieces.push(action ? `\x01ACTION ${piece}\x01` : piece);
        }
      }
    }
    // Sent as a NOTICE, it reads as one (text.ts).
    const command = frame.cid?.startsWith(NOTICE_CID) ? "NOTICE" : "PRIVMSG";
    const id = tags.msgid;
    if (id === undefined || pieces.length === 1) {
      return formatLines({ tags, source, command, params: [target] }, pieces);
    }
    // A msgid is each line's own (IRCv3 message-ids): the first line's is the message's id.
    let lines = "";
    for (const [index, piece] of pieces.entries()) {
      const msgid = index === 0 ? id : `${id}-${index + 1}`;
      lines += formatLine({
        tags: { ...tags, msgid },
        source,
        command,
        params: [target, piece],
      });
    }
    return lines;
  }
}

/**
 * The lines of a shared file whose `shared NAME (SIZE): URL` is longer than
 * `budget` bytes: the description (cut at spaces, as prose, should it be
 * longer still), then the link alone on its line, never cut, as a cut link
 * opens nothing. A link longer than a line is sent as `bare`, without the
 * file's name, which the server then takes from the file. `bare` always fits:
 * at most 8 + 47 (an IPv6 address) + 6 + 71 + 39 (the token) bytes, when a
 * line leaves 250 after the longest source and room (32 characters).
 */
function fileLines(description: string, link: string, bare: string, budget: number): string[] {
  return [...splitBytes(description, budget), byteLength(link) <= budget ? link : bare];
}

/** A file's path, `/files/ID/NAME`, without its name: `/files/ID`, which downloads it under its name. */
function bareFileUrl(url: string): string {
  return url.replace(/^(\/files\/[^/?]+)\/[^?]*/, "$1");
}

/** Who made whom an operator (`op`) or no longer one, from the hub's notice `text`. */
function operatorMade(text: string): { by: string; target: string; op: boolean } | undefined {
  const made = OPERATOR_MADE.exec(text);
  if (made !== null) return { by: made[1]!, target: made[2]!, op: made[3] === undefined };
  const left = OPERATOR_LEFT.exec(text);
  return left === null ? undefined : { by: left[1]!, target: left[1]!, op: false };
}
