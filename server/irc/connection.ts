/**
 * One IRC connection: its lines read and dispatched (registration first,
 * then the commands), the hub's frames rendered back, and the server's
 * PING when it has been quiet. The peer (server/transports/peer.ts) keeps
 * its rate limits, deadlines and outbox, as for every connection.
 *
 * @module
 */

import {
  type ClientFrame,
  type LineResult,
  LineSplitter,
  LOBBY,
  type ServerFrame,
} from "../../protocol.ts";
import type { Hub } from "../hub.ts";
import type { Session } from "../session.ts";
import type { LineProtocol, LineProtocolParts } from "../transports/peer.ts";
import type { TcpSession } from "../transports/tcp_session.ts";
import { byteLength, type IrcMessage, MAX_LINE_BYTES, MAX_TAG_BYTES, parseLine } from "./line.ts";
import { ERR } from "./numerics.ts";
import { type Context, IrcRenderer } from "./render.ts";
import { IrcSession } from "./session.ts";
import { Registration } from "./registration.ts";
import { COMMANDS } from "./commands.ts";
import { Kickbans } from "./kickban.ts";
import { nickOf } from "./nicks.ts";
import type { CatchUps } from "./catch_up.ts";
import type { FormerOperators } from "./former_operators.ts";
import type { Ending } from "../transports/peer.ts";

/** What an IRC connection knows of its server. */
export interface IrcOptions {
  readonly hub: Hub;
  /** The server's name in IRC lines: a host name. */
  readonly server: string;
  /** The network's name, for ISUPPORT and the MOTD. */
  readonly network: string;
  /** Whether the port speaks TLS. */
  readonly tls: boolean;
  /** Receives one line per connection problem. */
  readonly log: (line: string) => void;
  /** Where ended connections had read to, for their return (catch_up.ts). */
  readonly catchUps: CatchUps;
  /** Operators whose connection dropped lately, told so when back (former_operators.ts). */
  readonly formerOperators: FormerOperators;
}

const encoder = new TextEncoder();

/**
 * The least time between two PINGs that ask whether what was written has
 * been read (the catch-up's anchor, catch_up.ts), in milliseconds.
 */
export const READ_PING_MS = 2_000;

/** The most PINGs a connection keeps waiting for an answer to; the oldest are forgotten. */
const MAX_ASKED = 4;
const CR = 0x0d;
/** The first byte of a TLS record that starts a handshake. */
const TLS_HANDSHAKE = 0x16;
const LF = 0x0a;
/** Bytes of the buffer that reads are rewritten into; a larger read gets a larger one. */
const SCRATCH_BYTES = 16 * 1024;
let scratch = new Uint8Array(SCRATCH_BYTES);

/** What the command handlers act through. */
export interface Gateway {
  readonly renderer: IrcRenderer;
  readonly hub: Hub;
  /** The session the hub knows this connection by. */
  readonly session: Session;
  /** The peer's IP address. */
  readonly address: string;
  /** Whom this connection's bans sent away lately, for the KICK of a kickban (kickban.ts). */
  readonly kickbans: Kickbans;
  /** The user modes the client set (`MODE nick +i`), by letter. */
  readonly userModes: Set<string>;
  /** Sends lines, CR LF each, to the client. */
  write(lines: string): void;
  /** Hands `frame` to the hub, rendering its answers as `context`'s. */
  deliver(frame: ClientFrame, context?: Context): void;
  /**
   * Finds the place `nick` left when its connection was lost, if it comes
   * back soon from the same address, for the rooms it enters (catch_up.ts);
   * returns the `since` of #lobby, which registration enters. The place is
   * forgotten once the hub welcomes the client, not before: a refused
   * registration leaves it for the next.
   */
  catchUp(nick: string): number | undefined;
  /**
   * The `since` of the first JOIN of `room` after {@linkcode catchUp}, once
   * per room, for a room the lost connection was in.
   */
  sinceFor(room: string): number | undefined;
  /** Says the client sent QUIT: it leaves for good, and no place is kept for its return. */
  quitting(): void;
  /** Hears a PONG with `params`, which may answer one of the server's PINGs. */
  ponged(params: readonly string[]): void;
}

/** Reads and answers the lines of one IRC client. */
export class IrcConnection implements LineProtocol, Gateway {
  readonly session: Session;
  readonly #splitter = new LineSplitter(MAX_TAG_BYTES + MAX_LINE_BYTES);
  /** Whether the last byte read was a CR, whose LF (if it comes next) ends nothing more. */
  #afterCr = false;
  /** Whether nothing has been read yet. */
  #first = true;
  readonly #options: IrcOptions;
  readonly renderer: IrcRenderer;
  readonly hub: Hub;
  readonly #tcp: TcpSession;
  readonly #parts: LineProtocolParts;
  readonly #registration: Registration;
  readonly userModes = new Set<string>();
  /** Made for the first ban this connection gives: most connections never give one. */
  #kickbans: Kickbans | undefined;
  #pings = 0;
  /**
   * Where the client is known to have read to, once it has a name: the
   * newest message id when it last sent a line, or the newest message
   * written to it before a PING it answered.
   */
  #heard: number | undefined;
  /** The id of the newest room message written to the client; 0 before any. */
  #written = 0;
  /** The server's PINGs not answered yet, oldest first, each with the newest message before it. */
  #asked: { readonly token: string; readonly upTo: number }[] = [];
  /** When the last PING asking whether the client read was sent, from `performance.now()`. */
  #askedAt = -Infinity;
  /** The newest message written before the last PING. */
  #askedUpTo = 0;
  /** What the PONG being handled proved read: the newest message written before its PING. */
  #proved: number | undefined;
  /** The names the connection went by. */
  readonly #names = new Set<string>();
  #quitting = false;
  /**
   * Where the client had read to before it came back, the nick it came back
   * as, and the rooms it had read in that it has not entered again yet.
   */
  #catchUp:
    | { readonly since: number; readonly nick: string; readonly rooms: Set<string> }
    | undefined;
  /**
   * The rooms the client is in, as the hub told it: kept here, as a ban or a
   * kick takes the person out of the hub before the connection ends.
   */
  readonly #rooms = new Set<string>();
  /** Whether the place of {@linkcode #catchUp} is still kept for a return, until a welcome. */
  #placeKept = false;

  /** Serves one connection, given its parts by the peer. */
  constructor(parts: LineProtocolParts, options: IrcOptions) {
    this.#parts = parts;
    this.#options = options;
    this.#tcp = parts.session;
    this.hub = options.hub;
    this.session = new IrcSession(parts.session, this);
    this.renderer = new IrcRenderer({
      server: options.server,
      network: options.network,
      localHost: parts.session.localHost,
      hub: options.hub,
      awaiting: () => this.#registration.missing(),
    });
    this.#registration = new Registration(this);
  }

  /** The peer's IP address. */
  get address(): string {
    return this.#tcp.address;
  }

  write(lines: string): void {
    if (lines !== "") this.#tcp.write(encoder.encode(lines));
  }

  deliver(frame: ClientFrame, context?: Context): void {
    const renderer = this.renderer;
    const outer = renderer.context;
    renderer.context = context;
    try {
      this.#parts.deliver(frame);
    } finally {
      renderer.context = outer;
    }
  }

  encode(frame: ServerFrame): Uint8Array | undefined {
    // Rendered as it is queued, in the order the client reads it: a PING queued later comes after.
    if (frame.type !== "message") this.#follow(frame);
    else if (frame.id > this.#written) this.#written = frame.id;
    try {
      const bytes = this.renderer.encode(frame);
      return frame.type === "welcome" ? this.#welcomed(bytes) : bytes;
    } catch (error) {
      // The hub is sending to a whole room: one client's rendering must not stop the others'.
      this.#options.log(
        `Internal error rendering a frame for ${this.#tcp.remote}: ${(error as Error).stack}`,
      );
      return undefined;
    }
  }

  /**
   * The welcome's lines, and after them, for an operator whose connection
   * dropped within a heartbeat and who is back under that nick from the same
   * address, a NOTICE that on IRC being an operator ended with the connection.
   */
  #welcomed(bytes: Uint8Array | undefined): Uint8Array | undefined {
    const { name, nick } = this.renderer;
    if (name === undefined || !this.#options.formerOperators.take(this.address, name)) return bytes;
    const notice = encoder.encode(this.renderer.notice(
      "You were an operator before your connection dropped; on IRC that lasts as long as the " +
        `connection: /oper ${nick} SECRET (or another operator's /op) makes you one again, ` +
        "and then you may join the locked rooms you were in",
    ));
    if (bytes === undefined) return notice;
    const both = new Uint8Array(bytes.length + notice.length);
    both.set(bytes);
    both.set(notice, bytes.length);
    return both;
  }

  /**
   * Follows what a frame tells of this connection: welcomed, in a room, out
   * of one, or its name refused before it registered.
   */
  #follow(frame: ServerFrame): void {
    switch (frame.type) {
      case "error":
        if (frame.code === "name_taken" || frame.code === "name_invalid") {
          this.#registration.nameRefused();
        }
        return;
      case "welcome":
        if (this.#placeKept) {
          // Welcomed back: this connection keeps the place now.
          this.#placeKept = false;
          this.#options.catchUps.forget(this.address, this.#catchUp!.nick);
        }
        return;
      case "room":
        this.#rooms.add(frame.room);
        return;
      case "parted":
        this.#rooms.delete(frame.room);
        return;
    }
  }

  catchUp(nick: string): number | undefined {
    const place = this.#options.catchUps.find(this.address, nick);
    this.#placeKept = place !== undefined;
    this.#catchUp = place === undefined
      ? undefined
      : { since: place.since, nick, rooms: new Set(place.rooms) };
    return this.sinceFor(LOBBY);
  }

  sinceFor(room: string): number | undefined {
    const catchUp = this.#catchUp;
    // A room the lost connection was not in showed it nothing: its last messages, as for anyone.
    return catchUp?.rooms.delete(room) === true ? catchUp.since : undefined;
  }

  quitting(): void {
    this.#quitting = true;
  }

  /** Keeps where the client had read to, unless it quit: a lost connection is likely back soon. */
  ended(_ending: Ending): void {
    if (this.#heard === undefined || this.#quitting) return;
    // Under its names and the nicks IRC showed them as: a client comes back with its nick.
    const names = [...this.#names].flatMap((name) => [name, nickOf(name)]);
    // Still in the hub: a drop, not a kick or a ban, which take the person out first.
    const name = this.renderer.name;
    if (name !== undefined && this.hub.person(name)?.person.op === true) {
      this.#options.formerOperators.dropped(this.address, [name, nickOf(name)]);
    }
    this.#options.catchUps.remember(this.address, names, {
      since: this.#heard,
      rooms: this.#rooms,
    });
  }

  get kickbans(): Kickbans {
    return this.#kickbans ??= new Kickbans();
  }

  ping(): void {
    this.#ask(`heartbeat-${++this.#pings}`);
  }

  /**
   * Asks, with a PING, whether the client has read the messages written to
   * it since it was last heard from: its PONG proves it has read everything
   * written before the PING, which moves its catch-up's anchor there. At
   * most one every {@linkcode READ_PING_MS}, one at a time, and only when
   * something was written since the last: nothing for an idle connection.
   */
  tick(now: number): void {
    const written = this.#written;
    if (written <= this.#askedUpTo || written <= (this.#heard ?? 0)) return;
    if (this.#asked.length > 0 || now - this.#askedAt < READ_PING_MS) return;
    this.#askedAt = now;
    this.#ask(`read-${++this.#pings}`);
  }

  /** Sends a PING with `token`, kept with the newest message written before it. */
  #ask(token: string): void {
    this.#askedUpTo = this.#written;
    this.#asked.push({ token, upTo: this.#written });
    if (this.#asked.length > MAX_ASKED) this.#asked.shift();
    this.write(this.renderer.line("PING", token));
  }

  ponged(params: readonly string[]): void {
    const index = this.#asked.findIndex(({ token }) => params.includes(token));
    if (index === -1) return;
    this.#proved = this.#asked[index]!.upTo;
    // PONGs come in order: those asked before it will not be answered now.
    this.#asked.splice(0, index + 1);
  }

  /**
   * Splits bytes into lines: a CR ends a line as LF does (CR LF is one line
   * end), so what follows a CR mid-line is a line of its own, with its own
   * place in the rate limit.
   */
  split(chunk: Uint8Array): LineResult[] {
    if (this.#first && chunk.length > 0) {
      this.#first = false;
      // A TLS handshake on the plain port: a client set to TLS. Said at once, not at the deadline.
      if (chunk[0] === TLS_HANDSHAKE && !this.#options.tls) {
        this.#options.log(`${this.#tcp.remote} spoke TLS to the plain IRC port: closed`);
        this.#parts.end("connection closed");
        return [];
      }
    }
    if (!this.#afterCr && !chunk.includes(CR)) return this.#splitter.push(chunk);
    // IRC clients end lines with CR LF: each read is rewritten into one buffer shared by
    // every connection, as the splitter keeps no chunk.
    if (scratch.length < chunk.length) {
      scratch = new Uint8Array(Math.max(chunk.length, SCRATCH_BYTES));
    }
    const bytes = scratch;
    let afterCr = this.#afterCr;
    let length = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (byte === CR) bytes[length++] = LF;
      else if (byte !== LF || !afterCr) bytes[length++] = byte;
      afterCr = byte === CR;
    }
    this.#afterCr = afterCr;
    return this.#splitter.push(bytes.subarray(0, length));
  }

  line(result: LineResult): boolean {
    if (!result.ok) {
      this.write(
        result.code === "line_too_long"
          ? this.renderer.numeric(ERR.INPUTTOOLONG, "Input line was too long")
          : this.renderer.notice(result.message),
      );
      return true;
    }
    try {
      this.#proved = undefined;
      this.#one(result.line);
      const name = this.renderer.name;
      if (name !== undefined) {
        // A PONG to the server's PING proves what was written before it; any other line is
        // taken as the client being there when the newest message was said.
        const proved = this.#proved;
        this.#heard = proved === undefined
          ? this.hub.lastMessageId
          : Math.max(this.#heard ?? 0, proved);
        this.#names.add(name);
      }
    } catch (error) {
      // A bug here must never take the server down, nor this connection.
      this.#options.log(
        `Internal error on an IRC line from ${this.#tcp.remote}: ${(error as Error).stack}`,
      );
      this.write(this.renderer.notice("Internal server error"));
    }
    return true;
  }

  /** Handles one line without its line end. */
  #one(text: string): void {
    if (text.trim() === "") return;
    // The tags are not counted in the 512 bytes of the line: they have 8191
    // bytes of their own, their `@` and the space after them included (IRCv3).
    const tagged = text.startsWith("@");
    const space = tagged ? text.indexOf(" ") : -1;
    const line = tagged ? text.slice(space + 1) : text;
    if (
      (tagged && (space === -1 || byteLength(text.slice(0, space + 1)) > MAX_TAG_BYTES)) ||
      byteLength(line) > MAX_LINE_BYTES - 2
    ) {
      return this.write(this.renderer.numeric(ERR.INPUTTOOLONG, "Input line was too long"));
    }
    const message = parseLine(text);
    if (message === undefined) return;
    this.#dispatch(message);
  }

  #dispatch(message: IrcMessage): void {
    const renderer = this.renderer;
    if (this.#registration.handles(message)) return;
    const command = message.command;
    if (renderer.name === undefined) {
      if (command === "PING" || command === "PONG" || command === "QUIT") {
        return COMMANDS[command]!(this, message.params, message.tags);
      }
      return this.write(renderer.numeric(ERR.NOTREGISTERED, "You have not registered"));
    }
    const handler = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (handler === undefined) {
      return this.write(renderer.numeric(ERR.UNKNOWNCOMMAND, command, "Unknown command"));
    }
    handler(this, message.params, message.tags);
  }
}
