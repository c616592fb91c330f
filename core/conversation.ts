// This module is browser compatible.

/**
 * One conversation as a client lives it, the same for the terminal and the
 * page: frames from the server, lines the user types and the passing of time
 * go in; effects come out, which the client carries out: frames to send,
 * lines to show (and in which view), the bell, a connection to give up. It
 * speaks version 2 of the protocol, in many rooms at once, and version 1
 * (one room at a time) to a server that speaks no other. It keeps a view per
 * room the user is in and per person they exchange private messages with
 * (core/views.ts), with what the user has not looked at yet; it remembers
 * what a reconnection needs (the name after a rename, the rooms, the last
 * message id seen in each, the resume token, the lines not yet answered) and
 * builds the `hello` from it. It keeps presence too (core/presence_state.ts):
 * who is typing where, telling the server the user types, going away when
 * idle, and hiding the people the user ignores. Pure: no I/O and no timers.
 *
 * @module
 */

export type { Effect, Refusal } from "./effects.ts";
export type { Display } from "./arrivals.ts";
export type { View } from "./views.ts";

import {
  type ClientFrame,
  countLines,
  type FileFrame,
  LATEST_PROTOCOL_VERSION,
  MAX_TEXT_BYTES,
  MAX_TEXT_LINES,
  PROTOCOL_VERSION,
  type ProtocolVersion,
  type ServerFrame,
  utf8Length,
  type WelcomeFrame,
} from "../protocol.ts";
import { Arrivals, type Display } from "./arrivals.ts";
import { type BellMode, DEFAULT_BELL, localHelp, rings, runBell } from "./bell.ts";
import { LOCAL_COMMAND_NAMES, type ParsedLine, parseLine, TRANSFER_COMMANDS } from "./commands.ts";
import { Delivery } from "./delivery.ts";
import { fenced } from "./format.ts";
import {
  describeFrame,
  type DescribeOptions,
  describePending,
  errorLine,
  type Line,
  withoutHints,
} from "./describe.ts";
import { FileShelf } from "./shelf.ts";
import { unseenDivider } from "./dividers.ts";
import { type Effect, refusal, send, sends, show } from "./effects.ts";
import { Heartbeat, HELLO_TIMEOUT_MS, PROBE_AFTER_MS, SILENCE_LIMIT_MS } from "./link.ts";
import { checkName, nameKey } from "./names.ts";
import {
  lookingNotice,
  type Moving,
  movingOnLeaveNotice,
  noAnswerNotice,
  nobodyCalledError,
  notConnectedError,
  notInError,
  reconnectedNotice,
  serverSaysNotice,
  switchToSelfError,
  tooLongError,
  tooManyLinesError,
  tooManyWaitingError,
  unsentOnLeaveNotice,
  waitingNotice,
} from "./notices.ts";
import { changedAny, type Changes, noChanges, Roster, stillConnected } from "./roster.ts";
import { sanitizeLines, sanitizeText } from "./sanitize.ts";
import { transferEffects } from "./transfers.ts";
import { helloFrame, type MessageSize, outgoing, wordsOf } from "./typing.ts";
import { ServerClock } from "./presence.ts";
import { Presence, privateViewId, type TypingPlace } from "./presence_state.ts";
import { type View, Views } from "./views.ts";

/** Options for {@linkcode Conversation}. */
export interface ConversationOptions {
  /** The client has a bell: it rings on mentions, and `/bell` says when. @default {false} */
  bell?: boolean;
  /**
   * The client tells of its reconnections in the log, having no other place
   * to (the terminal when it reconnects): a goodbye that invites it back
   * reads "The server says: …" rather than "Disconnected: …". @default {false}
   */
  narratesReconnects?: boolean;
  /**
   * The client says itself why the server sent it away, as it ends (the
   * terminal, on standard error once it is restored): a goodbye that ends
   * it, one it does not come back from, is not shown as well. The goodbye to
   * a user who leaves is. @default {false}
   */
  saysWhySentAway?: boolean;
  /**
   * How the client shows its views: one at a time (`"current"`, the
   * terminal), or each in its own place (`"each"`). @default {"current"}
   */
  display?: Display;
  /** The wall clock in ms since the epoch, which tells today from other days. @default {Date.now} */
  clock?: () => number;
  /**
   * What a shared file's line ends with, given its number on the shelf: how
   * to fetch it on this client (`/get 3`). @default {nothing}
   */
  fileHint?: (number: number) => string;
  /**
   * The client sends and fetches files itself: `/send` and `/get` give
   * `upload` and `download` effects (core/transfers.ts). @default {false}
   */
  transfers?: boolean;
  /**
   * Leaving ends the client (the terminal), so lines the server does not
   * have yet would be lost: a `/quit` while some wait says so instead, and
   * leaves only when the next line typed is `/quit` again. @default {false}
   */
  warnsUnsentOnQuit?: boolean;
  /**
   * The file the client is moving now, if any: leaving would cut it short,
   * and a `/quit` (with {@linkcode warnsUnsentOnQuit}) says so first, as it
   * does of lines not sent yet. @default {none}
   */
  moving?: () => Moving | undefined;
  /** What the client is, as `hello.client` tells others in `who`: `terminal`, `web`. */
  client?: string;
  /**
   * How the user shares a file on this client (`with /send PATH`), or
   * `undefined` while they cannot, told to them with a message too long to
   * send: they may share it as a file instead. Said only while the server
   * takes files (its `welcome` said where). @default {nothing said}
   */
  shareHow?: () => string | undefined;
  /**
   * Tell the server the user is away (reason `idle`) after this long without
   * input, in ms, and back at the next input; never over an `/away` of the
   * user's own. 0 never. @default {0}
   */
  awayAfterMs?: number;
  /**
   * The people the user ignores, as remembered for this server: their
   * messages, private messages, files and typing are hidden. When the list
   * changes an `ignored` effect gives it to remember. @default {[]}
   */
  ignored?: readonly string[];
  /**
   * A person reads what the client shows as it comes, and may act on a hint
   * ("Type /help for commands", "Pick another name"); `false` for piped
   * input, whose output a script reads: the hints are left out, refusals
   * included. @default {true}
   */
  hints?: boolean;
}

/**
 * Longest a command the client answers itself waits for the server's answers
 * to the lines typed before it, in ms: as long as a line unanswered takes to
 * count as lost on a silent link (core/link.ts). Then it is answered anyway.
 */
export const ORDERED_WAIT_MS = PROBE_AFTER_MS + SILENCE_LIMIT_MS;

/** A command the client answers itself, typed while the server had yet to answer lines before it. */
interface Deferred {
  /** The line as typed, trimmed. */
  line: string;
  /** The token of the ping whose `pong` says the lines before it were answered. */
  token: string;
  /** When it was typed. */
  at: number;
}

/** Options for {@linkcode Conversation.hello}. */
export interface HelloOptions {
  /** The server's password, when it wants one. */
  password?: string | undefined;
}

/** The conversation of one client, across reconnections. */
export class Conversation {
  /** Who and where the user is. */
  readonly roster: Roster = new Roster();
  readonly #views = new Views();
  readonly #arrivals: Arrivals;
  readonly #options: ConversationOptions;
  readonly #delivery = new Delivery();
  /** The files seen shared, by number, and where the server takes them. */
  readonly files: FileShelf = new FileShelf();
  readonly #describing: DescribeOptions;
  /** The wall clock, in ms since the epoch. */
  readonly #clock: () => number;
  /** The server's clock, which the times it tells are on. */
  readonly #serverClock = new ServerClock();
  #version: ProtocolVersion = LATEST_PROTOCOL_VERSION;
  /** The room a `/join` enters: it is looked at once entered. */
  #entering: string | undefined;

  /** The room a `/join` is entering, until the server has put the user in it. */
  get entering(): string | undefined {
    return this.#entering;
  }

  /** Gives up waiting for the room a `/join` was entering: the server refused it. */
  forgetEntering(): void {
    this.#entering = undefined;
  }

  #bell: BellMode = DEFAULT_BELL;
  #resume: string | undefined;
  #servers: readonly string[] = [];
  #webServers: readonly string[] = [];
  #everWelcomed = false;
  #online = false;
  /** Whether the user was told, since the connection was lost, that what they type waits. */
  #waitingTold = false;
  #helloAt: number | undefined;
  #heartbeat: Heartbeat | undefined;
  #quitting = false;
  /** The last line typed was a `/quit` that warned of lines not sent yet: the next `/quit` leaves. */
  #quitWarned = false;
  #bye: { reason: string; retry: boolean } | undefined;
  #inputEnded = false;
  #finishToken: string | undefined;
  #finishes = 0;
  /** The token of the ping {@linkcode Conversation.settle} sent, until its pong. */
  #settleToken: string | undefined;
  /**
   * Commands the client answers itself (`/bell`, `/ignore` …), typed after
   * lines the server had yet to answer: each runs once the `pong` of the
   * ping sent after those lines is in, so that answers come in the order
   * typed.
   */
  readonly #deferred: Deferred[] = [];
  /** A line went to the server since the last ping that orders the client's own answers. */
  #unordered = false;
  /** The token of that last ping. */
  #orderToken: string | undefined;
  readonly #presence: Presence;
  /** Whether this connection carried a `typing`, `away` or `back` the client sent by itself. */
  #presenceSent = false;
  /** Whether the server, an older one, answered one with `unknown_type`: none go any more. */
  #presenceUnknown = false;

  /** Starts a conversation not yet connected. */
  constructor(options: ConversationOptions = {}) {
    this.#options = options;
    const hint = options.fileHint;
    this.#describing = {
      // A server that takes no files serves none either, those shared through others included.
      ...hint === undefined ? {} : {
        fileLink: (file) =>
          this.files.place === undefined ? undefined : hint(this.files.numberOf(file)),
      },
      ...options.hints === false ? { hints: false } : {},
    };
    this.#clock = options.clock ?? Date.now;
    this.#arrivals = new Arrivals(this.#views, {
      display: options.display ?? "current",
      clock: this.#clock,
      roomsWith: (name) => this.roster.roomsWith(name),
    });
    this.#presence = new Presence({
      awayAfterMs: options.awayAfterMs ?? 0,
      ignored: options.ignored ?? [],
    });
  }

  /** Whether the server accepted this connection's `hello`. */
  get online(): boolean {
    return this.#online;
  }

  /** Whether the server ever accepted this client: a `hello` from now on comes back. */
  get welcomed(): boolean {
    return this.#everWelcomed;
  }

  /** Whether the ping of {@linkcode Conversation.settle} waits for its pong. */
  get settling(): boolean {
    return this.#settleToken !== undefined;
  }

  /**
   * Pings the server: once its pong comes, whatever was sent before was
   * handled and its answers shown (a room's history after the welcome, a
   * shared file posted), and {@linkcode Conversation.settling} is false.
   */
  settle(): Effect[] {
    if (!this.#online) return [];
    this.#settleToken = `settle-${++this.#finishes}`;
    return [send({ type: "ping", token: this.#settleToken })];
  }

  /** The protocol version the next `hello` speaks: 2, or 1 once the server refused 2. */
  get version(): ProtocolVersion {
    return this.#version;
  }

  /**
   * The other servers of the same chat (`host:port` of their chat ports), as
   * the last `welcome` or `servers` named them: where to go back to when
   * this one goes away. Empty outside a cluster.
   */
  get servers(): readonly string[] {
    return this.#servers;
  }

  /** The URLs of the other servers' web clients (`http://host:port/`), as last named. */
  get webServers(): readonly string[] {
    return this.#webServers;
  }

  /** Whether the user asked to leave. */
  get quitting(): boolean {
    return this.#quitting;
  }

  /** The server's goodbye on this connection, if it said one. */
  get bye(): { reason: string; retry: boolean } | undefined {
    return this.#bye;
  }

  /** When the bell rings. */
  get bell(): BellMode {
    return this.#bell;
  }

  /** The user's views, rooms and private messages, in the order they began. */
  get views(): readonly View[] {
    return this.#views.all;
  }

  /** The view the user is looking at, once there is one. */
  get view(): View | undefined {
    return this.#views.current;
  }

  /** The other views with something unread, in order. */
  get activity(): readonly View[] {
    return this.#views.active;
  }

  /** The people the user ignores, as typed, sorted. */
  get ignored(): string[] {
    return this.#presence.ignored;
  }

  /** Whether the user lets others see them typing (`/typing on|off`). */
  get sendsTyping(): boolean {
    return this.#presence.sendsTyping;
  }

  /**
   * Who is typing in view `id` (`#dev`, or `@bob` for private messages: a
   * {@linkcode View}'s id) at `now`, in the order they started. A name shows
   * a few seconds after the server last said it, and goes at once when their
   * message comes; a `changed` effect with `typing` says when to look again.
   */
  typingIn(id: string, now: number): string[] {
    return this.#presence.typingIn(id.startsWith("@") ? privateViewId(id.slice(1)) : id, now);
  }

  /** Who is typing to the user alone at `now` (private messages), in any view or none yet. */
  typingPrivately(now: number): string[] {
    return this.#presence.typingPrivately(now);
  }

  /** The commands this client runs itself, without the slash. */
  get localCommands(): readonly string[] {
    return LOCAL_COMMAND_NAMES.filter((name) =>
      (this.#options.bell || name !== "bell") &&
      (this.#options.transfers || !TRANSFER_COMMANDS.includes(name))
    );
  }

  /** How many lines wait for the server. */
  get waiting(): number {
    return this.#delivery.size;
  }

  /** Lines to show as unsent at `now`: every one while offline, else those waiting a while. */
  unsent(now: number): number {
    return this.#delivery.unsent(now);
  }

  /**
   * What leaving now by `key` (`Ctrl-C`, `/quit`) would lose, said as the
   * line that asks to do it again to leave anyway: lines the server does not
   * have yet, else a file moving. `undefined` when nothing would be lost.
   */
  leaving(key: string, now: number): Line | undefined {
    const unsent = this.unsent(now);
    if (unsent > 0) return unsentOnLeaveNotice(unsent, key);
    const moving = this.#options.moving?.();
    return moving === undefined ? undefined : movingOnLeaveNotice(moving, key);
  }

  /** A connection opened: what was said on the last one is forgotten. */
  opened(): void {
    this.#bye = undefined;
  }

  /**
   * Asks to join as `name` at `now`, with the password if given. Coming back,
   * the `hello` takes the name back with the resume token (if it is still
   * the name), returns to every room and asks for what came after the last
   * id seen in each.
   */
  hello(name: string, now: number, options: HelloOptions = {}): Effect[] {
    const frame = helloFrame(this.#place(), {
      name,
      password: options.password,
      resume: this.#resume,
      again: this.#everWelcomed,
      client: this.#options.client,
    });
    this.#quitting = false;
    this.#helloAt = now;
    return [send(frame)];
  }

  /** Takes one frame from the server, at `now`. */
  receive(frame: ServerFrame, now: number): Effect[] {
    this.#heartbeat?.heard(now);
    if (frame.type === "bye") this.#bye = { reason: frame.reason, retry: frame.retry === true };
    if (!this.#online) return this.#handshake(frame, now);
    if (frame.type === "servers") {
      // A server joined, left or moved: where to go should this one go away.
      this.#servers = frame.servers;
      this.#webServers = frame.webServers;
      return [];
    }
    this.#serverClock.heard(frame, this.#clock());
    const effects: Effect[] = [];
    const since = frame.type === "room" ? this.roster.seenIn(frame.room) : undefined;
    const changes = this.roster.track(frame);
    if (changedAny(changes)) effects.push({ type: "changed", changes });
    // A private view follows its person's new name; whatever shows views draws it again.
    if (frame.type === "renamed" && this.#views.renamed(frame.from, frame.to)) {
      effects.push({ type: "changed", changes: { ...noChanges(), views: true } });
    }
    if (frame.type === "room") effects.push(...this.#entered(frame.room, since));
    const received = this.#delivery.receive(frame, this.roster.me, now);
    effects.push(...this.#flushed(received.send));
    const post = received.answered?.post;
    if (frame.type === "error" && frame.code === "no_such_user" && post?.type === "msg") {
      this.roster.gone(post.to);
    }
    const answered = [...received.answered ? [received.answered] : [], ...received.handled];
    if (answered.length > 0) effects.push({ type: "answered", lines: answered });
    // A message refused: its words go back where they were typed, as those refused here do.
    if (frame.type === "error" && received.answered !== undefined) {
      const { typed, view } = received.answered;
      effects.push({ type: "returned", text: typed, view });
    }
    // The server's answer to a line sent again: it was shown when it first came.
    if (received.repeat) return effects;
    switch (frame.type) {
      case "ping":
        effects.push(
          send(frame.token === undefined ? { type: "pong" } : { type: "pong", token: frame.token }),
        );
        return effects;
      case "pong":
        if (frame.token !== undefined && frame.token === this.#finishToken) {
          effects.push({ type: "finished" });
        } else {
          if (frame.token !== undefined && frame.token === this.#settleToken) {
            this.#settleToken = undefined;
          }
          if (this.#deferred.some((deferred) => deferred.token === frame.token)) {
            effects.push(...this.#release(frame.token));
          }
          effects.push(...this.#finishing());
        }
        return effects;
      case "error":
        // An older server knows no presence: stop before its errors add up to a disconnection.
        if (frame.code === "unknown_type" && this.#presenceSent) {
          this.#presenceUnknown = true;
          return effects;
        }
        break;
      case "bye":
        if (this.#quitting) break;
        if (frame.retry && this.#options.narratesReconnects) {
          effects.push(show([serverSaysNotice(frame.reason)]));
          return effects;
        }
        if (this.#options.saysWhySentAway) return effects;
        break;
      default:
        break;
    }
    const me = this.roster.me;
    // Someone ignored: their words, files and typing are shown nowhere and counted nowhere.
    if (this.#presence.hides(frame, me)) return effects;
    if (frame.type === "typing") {
      effects.push(...this.#heardTyping(frame.name, frame.room, now));
      return effects;
    }
    effects.push(...this.#stoppedTyping(frame));
    // Version 1 has no lines in a message: a server of version 1 that sends some is not believed.
    const described = frame.type === "help"
      ? {
        ...frame,
        commands: [
          ...frame.commands,
          ...localHelp(this.#bell, {
            ...this.#options,
            // Without a bell (the page), `/bell` is no command here: not listed either.
            bell: this.#options.bell ?? false,
            typing: this.#presence.sendsTyping ? "on" : "off",
            // A server without files: `/send` says so, as it would if run.
            files: this.files.place !== undefined,
          }),
        ],
      }
      : this.#version === PROTOCOL_VERSION
      ? oneLine(frame)
      : frame;
    this.files.take(frame);
    // `who` tells how long people have been idle as of now, on the server's clock, as it counts.
    const describing = frame.type === "who"
      ? { ...this.#describing, now: this.#serverClock.now(this.#clock()) }
      : frame.type === "away" && this.#presence.awayByItself
      ? { ...this.#describing, awayByItself: true }
      : this.#describing;
    const taken = this.#arrivals.take(frame, describeFrame(described, me, describing), me);
    effects.push(...taken.effects);
    if (taken.changed) effects.push({ type: "changed", changes: { ...noChanges(), views: true } });
    if (frame.type === "parted") effects.push(...this.#parted(frame.room));
    const elsewhere = taken.view !== undefined && !this.#views.isCurrent(taken.view);
    if (this.#options.bell && rings(frame, { mode: this.#bell, me, elsewhere })) {
      effects.push({ type: "ring" });
    }
    return effects;
  }

  /**
   * Takes a line the user typed, at `now`: a local command, `/quit`, or a
   * line for the server, which waits until the server has answered it, and
   * while the connection is down until it is back. A command the client
   * answers itself (`/bell`, `/typing`, `/ignore`, `/unignore`, `/ignores`,
   * or a local command mistyped) is answered after the server's answers to
   * the lines typed before it, as a person reads them: it runs once the
   * `pong` of a ping sent after those lines is in, or after
   * {@linkcode ORDERED_WAIT_MS} without it, or when the connection ends.
   */
  type(line: string, now: number): Effect[] {
    const text = line.trim();
    if (text === "") return [];
    // Only a `/quit` right after the one that warned leaves anyway.
    const warned = this.#quitWarned;
    this.#quitWarned = false;
    const parsed = parseLine(text);
    const waits = this.#deferred.length > 0 || (this.#unordered && this.#delivery.online);
    if (waits && this.#answersHere(parsed, text)) return this.#defer(text, now);
    return this.#type(line, parsed, now, warned);
  }

  /** Whether `parsed`, typed as `text`, is a command the client answers itself, sending nothing. */
  #answersHere(parsed: ParsedLine, text: string): boolean {
    if (!parsed.ok) return isLocal(text, this.localCommands);
    if (!("local" in parsed)) return false;
    // `/switch` changes where the next lines go, `/code` goes to the server, and the
    // answers to `/send` and `/get` come as their files move.
    switch (parsed.local.command) {
      case "typing":
      case "ignore":
      case "unignore":
      case "ignores":
        return true;
      case "bell":
        return this.#options.bell === true;
      default:
        return false;
    }
  }

  /** Holds the command `text` until the lines typed before it are answered; pings after them. */
  #defer(text: string, now: number): Effect[] {
    const effects: Effect[] = [];
    if (this.#unordered || this.#orderToken === undefined) {
      this.#unordered = false;
      this.#orderToken = `order-${++this.#finishes}`;
      effects.push(send({ type: "ping", token: this.#orderToken }));
    }
    this.#deferred.push({ line: text, token: this.#orderToken, at: now });
    return effects;
  }

  /**
   * Runs the commands held until the `pong` of `token`, with those before
   * them, each as typed when it was; every one held when `token` is
   * `undefined`.
   */
  #release(token: string | undefined): Effect[] {
    const last = token === undefined
      ? this.#deferred.length - 1
      : this.#deferred.findLastIndex((deferred) => deferred.token === token);
    const effects: Effect[] = [];
    for (const { line, at } of this.#deferred.splice(0, last + 1)) {
      effects.push(...this.#type(line, parseLine(line), at));
    }
    if (this.#deferred.length === 0) this.#orderToken = undefined;
    return effects;
  }

  /**
   * Takes the line `line`, read as `parsed`, at `now`, in its turn; `warned`,
   * right after a `/quit` that warned of what leaving would lose.
   */
  #type(line: string, parsed: ParsedLine, now: number, warned = false): Effect[] {
    const text = line.trim();
    if (parsed.ok && "local" in parsed) {
      const { local } = parsed;
      if (local.command === "switch") return this.switchTo(local.view);
      if (local.command === "typing") return [show([this.#presence.runTyping(local.mode)])];
      if (local.command === "ignore") {
        return this.#ignoring(this.#presence.ignore(local.name, this.roster.me));
      }
      if (local.command === "unignore") return this.#ignoring(this.#presence.unignore(local.name));
      if (local.command === "ignores") return this.#ignoring(this.#presence.listIgnores());
      if (local.command === "code") {
        return this.#type(fenced(local.text), parseLine(fenced(local.text)), now);
      }
      // Without a bell, `/bell` is no command here, nor `/send` without files: the server says so.
      if (local.command === "send" || local.command === "get") {
        if (this.#options.transfers) {
          const place = { online: this.#online, shelf: this.files, view: this.#views.current };
          return transferEffects(local, place);
        }
      } else if (this.#options.bell) {
        const bell = runBell(local.mode, this.#bell);
        this.#bell = bell.mode;
        return [show([bell.line])];
      }
    }
    if (!parsed.ok && isLocal(text, this.localCommands)) {
      return [show([errorLine(parsed.message)])];
    }
    if (this.#quitting) return [show([notConnectedError()])];
    const frame = parsed.ok && "frame" in parsed ? parsed.frame : undefined;
    if (frame?.type === "quit") {
      // Told as typed: `/quit`, or its alias `/exit`.
      const typed = /^\/\S*/.exec(text)![0].toLowerCase();
      const stay = this.#options.warnsUnsentOnQuit && !warned
        ? this.leaving(typed, now)
        : undefined;
      if (stay === undefined) return this.quit(frame.reason);
      this.#quitWarned = true;
      return [show([stay])];
    }
    // Back from an automatic away before the line goes; an `/away` or `/back` typed says it itself.
    const back = this.#online ? this.#sendPresence(this.#presence.typed(frame, now)) : [];
    this.#presence.sentLine();
    // Refused here as the server would refuse it, so that the page keeps the draft, saying
    // how long it is and how else to share it.
    const { shareHow } = this;
    const { bytes, lines } = this.#sizeOf(parsed);
    // Refused or not, the line was typed: someone away by themselves is back.
    if (bytes > MAX_TEXT_BYTES) return [...back, show([tooLongError(bytes, shareHow)])];
    if (lines > MAX_TEXT_LINES) return [...back, show([tooManyLinesError(lines, shareHow)])];
    const out = outgoing(line, parsed, this.#place());
    if ("look" in out) return [...back, ...this.switchTo(out.look)];
    if ("refused" in out) return [...back, show([errorLine(out.refused)])];
    if (out.entering !== undefined) this.#entering = out.entering;
    const typed = this.#delivery.type(out.line, now, {
      ...out.options,
      typed: line,
      view: this.#views.current?.id,
    });
    if (typed === undefined) return [...back, show([tooManyWaitingError()])];
    // What the client answers itself from now on waits for this line's answer.
    this.#unordered = true;
    const effects = [...back, ...sends(typed.send)];
    const { post } = typed.line;
    if (post !== undefined) {
      effects.push({
        type: "pending",
        line: typed.line,
        shown: describePending(post, this.roster.me),
      });
    }
    // Before the first welcome (a name being chosen, or piped input arriving early), lines
    // simply wait; after a drop, the user is told, once: the prompt (the terminal's count of
    // unsent lines, the page's "sending…") says it of the lines after.
    if (!this.#online && this.#everWelcomed && !this.#waitingTold) {
      this.#waitingTold = true;
      effects.push(show([waitingNotice()]));
    }
    return effects;
  }

  /**
   * How the user may share a text too long for a message as a file instead
   * (`with /send PATH`), as the client says, while the server takes files;
   * else `undefined`, and nothing is said of files.
   */
  get shareHow(): string | undefined {
    return this.files.place === undefined ? undefined : this.#options.shareHow?.();
  }

  /** Whether `line`, typed now, would go to the server to enter a room (a `/join`). */
  wouldEnter(line: string): boolean {
    const out = outgoing(line, parseLine(line.trim()), this.#place());
    return "line" in out && out.entering !== undefined;
  }

  /** Whether `line`, typed now, would go to the server to leave a room (a `/part`). */
  wouldPart(line: string): boolean {
    const parsed = parseLine(line.trim());
    const type = parsed.ok && "frame" in parsed ? parsed.frame.type : undefined;
    return (type === "part" || type === "leave") && !this.wouldEnter(line);
  }

  /**
   * How long the message the draft `line` would send is, when it is more
   * than a message may hold and {@linkcode Conversation.type} would refuse
   * it; `undefined` while it fits, and for a line that sends no words (most
   * commands). `/code` counts its fences.
   */
  oversize(line: string): MessageSize | undefined {
    const parsed = parseLine(line.trim());
    const size = parsed.ok && "local" in parsed && parsed.local.command === "code"
      ? this.#sizeOf(parseLine(fenced(parsed.local.text)))
      : this.#sizeOf(parsed);
    return size.bytes > MAX_TEXT_BYTES || size.lines > MAX_TEXT_LINES ? size : undefined;
  }

  /** How long the message `parsed` sends is, as the server counts it: nothing for a command. */
  #sizeOf(parsed: ParsedLine): MessageSize {
    const words = wordsOf(parsed);
    return {
      bytes: utf8Length(sanitizeText(words).trim()),
      lines: this.#version === PROTOCOL_VERSION ? 1 : countLines(sanitizeLines(words)),
    };
  }

  /**
   * Shares a file the user uploaded (`POST /files`) where they are looking,
   * or in the view `where` (`#dev`, `@bob`) while it is one of theirs: in the
   * room, or with the person of a private view. Nothing while the
   * connection is down: the upload's token ended with it.
   */
  share(file: { readonly id: string; readonly name: string }, where?: string): Effect[] {
    if (!this.#online) return [show([notConnectedError()])];
    const view = (where === undefined ? undefined : this.#views.find(where)) ??
      this.#views.current;
    const frame: FileFrame = { type: "file", id: file.id, name: file.name };
    if (view?.kind === "private") frame.to = view.name;
    else if (this.#version !== PROTOCOL_VERSION) {
      const room = view?.kind === "room" ? view.id : this.roster.room;
      if (room !== undefined) frame.room = room;
    }
    return [send(frame)];
  }

  /**
   * The user changed their draft at `now` (a key typed by a person, never
   * piped input) and it reads `draft`: tells the server they are typing
   * where they look (or to the person of a `/msg`), at most every few
   * seconds and never after `/typing off`; a command is not a message being
   * typed. Any input also brings the user back from an automatic away.
   */
  keystroke(now: number, draft: string): Effect[] {
    if (!this.#online) return [];
    const back = this.#presence.input(now);
    const place = this.#typingPlace(draft);
    const frame = place === undefined ? undefined : this.#presence.keystroke(now, place);
    return this.#sendPresence(frame === undefined ? back : [...back, frame]);
  }

  /**
   * The user did something at `now` other than typing (the page shown again,
   * a click): it brings them back from an automatic away.
   */
  input(now: number): Effect[] {
    return this.#online ? this.#sendPresence(this.#presence.input(now)) : [];
  }

  /** Enters `room`, as a click or a room box asks, at `now`: the same as `/join ROOM` typed. */
  join(room: string, now: number): Effect[] {
    return this.type(`/join ${room}`, now);
  }

  /**
   * Looks at the view `typed` names (`#dev`, `@bob`), as `/switch` does:
   * what arrived there since the user last looked is shown once, under a
   * "new since you left" line. `@name` begins private messages with someone
   * known to be connected, or goes back to those with someone who left.
   */
  switchTo(typed: string): Effect[] {
    const word = typed.trim();
    let view = this.#views.find(word);
    if (view === undefined && word.startsWith("@") && checkName(word.slice(1)) === undefined) {
      const person = this.roster.known(word.slice(1));
      if (person === undefined) return [show([errorLine(nobodyCalledError(word.slice(1)))])];
      if (nameKey(person) === nameKey(this.roster.me)) {
        return [show([errorLine(switchToSelfError(person))])];
      }
      view = this.#views.private(person);
    }
    if (view === undefined) return [show([errorLine(notInError(word))])];
    // The user's last choice wins over a room a `/join` still on its way would show.
    this.#entering = undefined;
    if (this.#views.isCurrent(view.id)) return [show([lookingNotice(view, "already")])];
    return this.#select(view.id, false);
  }

  /**
   * Marks everything in view `id` read without looking at it, as when a
   * client showed its lines where the user looks (the page shows a private
   * message in the room looked at too).
   */
  read(id: string): Effect[] {
    return this.#views.read(id)
      ? [{ type: "changed", changes: { ...noChanges(), views: true } }]
      : [];
  }

  /** Looks at the view `step` places after the current one (before it if negative), going round. */
  switchBy(step: number): Effect[] {
    return this.#pick(this.#views.beside(step));
  }

  /** Looks at the `number`th view (from 1), if there are that many. */
  switchToNumber(number: number): Effect[] {
    return this.#pick(this.#views.at(number - 1));
  }

  /**
   * Looks at the link at `now`, lets "is typing" run out, and goes away when
   * the user has been idle long enough; call every few hundred milliseconds.
   */
  tick(now: number): Effect[] {
    const effects: Effect[] = this.#presence.expire(now) ? [typingChanged()] : [];
    // The server did not answer the lines before a command the client answers itself in time.
    const oldest = this.#deferred[0];
    if (oldest !== undefined && now - oldest.at >= ORDERED_WAIT_MS) {
      effects.push(...this.#release(undefined));
    }
    if (!this.#online) {
      if (this.#helloAt === undefined || now - this.#helloAt < HELLO_TIMEOUT_MS) return effects;
      this.#helloAt = undefined;
      return [...effects, { type: "drop", reason: "unanswered" }];
    }
    // Away by itself only if the server can be told.
    if (!this.#presenceUnknown) effects.push(...this.#sendPresence(this.#presence.idle(now)));
    const beat = this.#heartbeat?.check(now);
    if (beat === "dead") return [...effects, { type: "drop", reason: "silent" }];
    if (beat === "ping") effects.push(send({ type: "ping", token: "heartbeat" }));
    const advice = this.#delivery.tick(now);
    if (advice === "dead") {
      effects.push(show([noAnswerNotice()]), { type: "drop", reason: "dead" });
    } else if (advice !== undefined) effects.push(send(advice));
    return effects;
  }

  /**
   * The connection ended: what waits goes out again on the next one, and
   * nobody is shown typing any more. Returns the answers of the commands
   * the client answers itself that waited for this connection's answers:
   * none will come.
   */
  closed(): Effect[] {
    this.#presence.forgetTyping(Number.NEGATIVE_INFINITY);
    this.#presenceSent = this.#presenceUnknown = false;
    this.#online = false;
    this.#waitingTold = false;
    this.#helloAt = undefined;
    this.#heartbeat = undefined;
    this.#finishToken = undefined;
    this.#settleToken = undefined;
    this.#delivery.disconnected();
    this.#unordered = false;
    return this.#release(undefined);
  }

  /** The user leaves (with `reason`, if they gave one); later calls do nothing. */
  quit(reason?: string): Effect[] {
    if (this.#quitting) return [];
    this.#quitting = true;
    if (!this.#online) return [{ type: "leave", sent: false }];
    return [send(reason === undefined ? { type: "quit" } : { type: "quit", reason }), {
      type: "leave",
      sent: true,
    }];
  }

  /**
   * No more lines will be typed (the end of piped input): once every line
   * typed has reached the server and it has handled them, a `finished`
   * effect follows.
   */
  finish(): Effect[] {
    this.#inputEnded = true;
    return this.#finishing();
  }

  /**
   * Sends `frames`, typed lines that waited for the connection: what the
   * client answers itself from now on waits for their answers.
   */
  #flushed(frames: readonly ClientFrame[]): Effect[] {
    if (frames.length > 0) this.#unordered = true;
    return sends(frames);
  }

  /** Sends `frames`, which the client sends by itself, unless the server knows none. */
  #sendPresence(frames: readonly ClientFrame[]): Effect[] {
    if (this.#presenceUnknown || frames.length === 0) return [];
    this.#presenceSent = true;
    return sends(frames);
  }

  /** Someone typing in `room`, or to the user: shown in that view for a while. */
  #heardTyping(name: string, room: string | undefined, now: number): Effect[] {
    if (this.roster.isMe(name)) return [];
    const view = room === undefined ? privateViewId(name) : room;
    return this.#presence.heard(view, name, now) ? [typingChanged()] : [];
  }

  /**
   * A message from someone shown typing: they are no longer. Nor when they
   * left the room (the chat, unless they are still connected), or took
   * another name: no message will end it.
   */
  #stoppedTyping(frame: ServerFrame): Effect[] {
    const stopped = frame.type === "message" && !frame.replay
      ? this.#presence.said(frame.room, frame.from)
      : frame.type === "private" && !this.roster.isMe(frame.from)
      ? this.#presence.said(privateViewId(frame.from), frame.from)
      : frame.type === "left"
      ? this.#presence.gone(frame.name, stillConnected(frame.reason) ? frame.room : undefined)
      : frame.type === "renamed"
      ? this.#presence.gone(frame.from)
      : false;
    return stopped ? [typingChanged()] : [];
  }

  /** Where `draft` is being typed, if it is a message: the view looked at, or a `/msg`'s person. */
  #typingPlace(draft: string): TypingPlace | undefined {
    // A server of version 1 knows no `typing`.
    if (this.#version === PROTOCOL_VERSION || !this.roster.many) return undefined;
    const text = draft.trimStart();
    if (text === "") return undefined;
    if (text.startsWith("/") && !text.startsWith("//")) {
      const to = /^\/(?:msg|m|tell)\s+@?(\S+)\s+\S/i.exec(text)?.[1];
      // Nobody writes to themselves: no such line goes.
      if (to !== undefined) return this.roster.isMe(to) ? undefined : { to };
      if (!/^\/(?:me|code)\s/i.test(text)) return undefined;
    }
    const view = this.#views.current;
    if (view?.kind === "private") return { to: view.name };
    return { room: view?.id ?? this.roster.room };
  }

  /** What `/ignore`, `/unignore` or `/ignores` did: said, and the list to remember if it changed. */
  #ignoring(result: { line: Line; changed?: string[] }): Effect[] {
    const effects: Effect[] = [show([result.line])];
    if (result.changed !== undefined) effects.push({ type: "ignored", names: result.changed });
    return effects;
  }

  #place() {
    return { roster: this.roster, view: this.#views.current, version: this.#version };
  }

  /** A room was entered: its view begins, and the user looks at it if they asked to enter it. */
  #entered(room: string, since: number | undefined): Effect[] {
    this.#views.room(room);
    this.#arrivals.entering(room, since);
    // One room at a time: entering one leaves the other.
    if (!this.roster.many) this.#views.keepRooms([room]);
    else if (this.#entering !== room) return [];
    this.#entering = undefined;
    return this.#select(room, true);
  }

  /** The user left `room`: they look at the view they looked at before, or their first room. */
  #parted(room: string): Effect[] {
    this.#views.remove(room);
    const view = this.#views.current;
    return view === undefined ? [] : this.#select(view.id, true);
  }

  /** Looks at `view`, which the user picked with a key, if there is one. */
  #pick(view: View | undefined): Effect[] {
    if (view === undefined) return [];
    // The user's last choice wins over a room a `/join` still on its way would show.
    this.#entering = undefined;
    return this.#views.isCurrent(view.id) ? [] : this.#select(view.id, false);
  }

  /**
   * Looks at `id`, showing (one view at a time) what the user had not seen
   * there under a "new since you left" line; `quiet`, says nothing when
   * nothing is new.
   */
  #select(id: string, quiet: boolean): Effect[] {
    const before = this.#views.current;
    const unseen = this.#views.select(id);
    const view = this.#views.current;
    if (unseen === undefined || view === undefined) return [];
    if (view.kind === "room") this.roster.select(view.id);
    if (quiet && before === view && unseen.lines.length === 0) return [];
    const effects: Effect[] = [
      { type: "changed", changes: { ...noChanges(), room: true, members: true, views: true } },
      { type: "switched", view: view.id, unseen: unseen.lines, skipped: unseen.skipped },
    ];
    if (this.#options.display === "each") return effects;
    if (unseen.lines.length > 0) {
      effects.push(show([unseenDivider(view.id, unseen.skipped), ...unseen.lines], view.id));
    } else if (!quiet) effects.push(show([lookingNotice(view, "nothing new")], view.id));
    return effects;
  }

  #handshake(frame: ServerFrame, now: number): Effect[] {
    switch (frame.type) {
      case "welcome":
        return this.#welcome(frame, now);
      case "error":
        // A locked room is left out of those asked for, and the welcome
        // follows: coming back to it after a restart is not a refusal.
        if (frame.code === "room_locked") return [show(describeFrame(frame, "", this.#describing))];
        this.#helloAt = undefined;
        if (frame.code === "unsupported_version") {
          // A server of version 1 only: connect again, and speak it.
          if (this.#version !== PROTOCOL_VERSION) {
            this.#version = PROTOCOL_VERSION;
            return [{ type: "drop", reason: "version" }];
          }
          // The server ends a connection it cannot talk to: do not come back.
          this.#quitting = true;
        }
        return [
          refusal(
            frame.code,
            this.#options.hints === false ? withoutHints(frame.message) : frame.message,
          ),
        ];
      default:
        return [];
    }
  }

  #welcome(frame: WelcomeFrame, now: number): Effect[] {
    const again = this.#everWelcomed;
    this.#online = true;
    this.#everWelcomed = true;
    this.#helloAt = undefined;
    this.#resume = frame.resume;
    this.#servers = frame.servers ?? [];
    this.#webServers = frame.webServers ?? [];
    this.#presence.welcomed(now);
    this.files.welcome(frame.files);
    this.#heartbeat = new Heartbeat(now, frame.heartbeat);
    // A server that answers in version 1 is spoken to in version 1.
    if (frame.version === PROTOCOL_VERSION) this.#version = PROTOCOL_VERSION;
    const changes = this.roster.track(frame);
    if (this.roster.many && frame.rooms !== undefined) {
      this.#views.keepRooms(frame.rooms);
      const view = this.#views.current;
      if (view?.kind === "room") this.roster.select(view.id);
    }
    return [
      { type: "changed", changes },
      { type: "welcomed", again },
      show(
        again
          ? [reconnectedNotice(frame.name)]
          : describeFrame(frame, frame.name, this.#describing),
      ),
      ...this.#flushed(this.#delivery.connected(now)),
      ...this.#finishing(),
    ];
  }

  /** Once input ended and nothing is held back, pings; its pong means every line was handled. */
  #finishing(): Effect[] {
    if (!this.#inputEnded || !this.#delivery.online || this.#finishToken !== undefined) return [];
    this.#finishToken = `finish-${++this.#finishes}`;
    return [send({ type: "ping", token: this.#finishToken })];
  }
}

/** Who is typing changed: redraw what shows it. */
function typingChanged(): Effect {
  const changes: Changes = { ...noChanges(), typing: true };
  return { type: "changed", changes };
}

/** Whether `text` names one of `commands`, which the client runs itself. */
function isLocal(text: string, commands: readonly string[]): boolean {
  const name = /^\/(\S*)/.exec(text)?.[1]?.toLowerCase();
  return name !== undefined && commands.includes(name);
}

/** `frame` with the text of a message on one line, each line break a space, as version 1 has it. */
function oneLine(frame: ServerFrame): ServerFrame {
  if (frame.type !== "message" && frame.type !== "private") return frame;
  return { ...frame, text: sanitizeText(frame.text) };
}
