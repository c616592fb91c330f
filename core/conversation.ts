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
 * The `Conversation` is the one class the clients use; its parts are its
 * own, each in a module: the connection and the `hello` (handshake.ts), the
 * order of the client's own answers (answer_order.ts), the view looked at
 * (looking.ts), the commands the client runs itself (local_commands.ts),
 * presence to and from the server (presence_link.ts), and the words of each
 * frame (wording.ts); its options are in conversation_options.ts.
 *
 * @module
 */

export type { Effect, Refusal } from "./effects.ts";
export type { Display } from "./arrivals.ts";
export type { Unread, View } from "./views.ts";
export type { ConversationOptions, HelloOptions } from "./conversation_options.ts";
export { ORDERED_WAIT_MS } from "./answer_order.ts";

import {
  type ClientFrame,
  type FileFrame,
  MAX_TEXT_BYTES,
  MAX_TEXT_LINES,
  PROTOCOL_VERSION,
  type ProtocolVersion,
  type ServerFrame,
  type WelcomeFrame,
} from "../protocol.ts";
import { AnswerOrder } from "./answer_order.ts";
import { Arrivals } from "./arrivals.ts";
import { type BellMode, rings } from "./bell.ts";
import { type ParsedLine, parseLine } from "./commands.ts";
import type { ConversationOptions, HelloOptions } from "./conversation_options.ts";
import { Delivery } from "./delivery.ts";
import { fenced } from "./format.ts";
import { describePending, errorLine, type Line, withoutHints } from "./describe.ts";
import { FileShelf } from "./shelf.ts";
import { aboutOneRoom, type Effect, refusal, send, sends, show } from "./effects.ts";
import { nameKey, normalizeRoom } from "./names.ts";
import { Handshake } from "./handshake.ts";
import { LocalCommands } from "./local_commands.ts";
import { Looking } from "./looking.ts";
import {
  movingOnLeaveNotice,
  muteOverNotice,
  nameHeldError,
  noAnswerNotice,
  notConnectedError,
  privateNotKeptNotice,
  reconnectedNotice,
  serverSaysNotice,
  tooLongError,
  tooManyLinesError,
  tooManyWaitingError,
  unsentOnLeaveNotice,
  waitingNotice,
  withShareHint,
} from "./notices.ts";
import { RoomAsks } from "./room_asks.ts";
import { type RoomRequest, RoomRequests, wantedRooms } from "./room_requests.ts";
import { changedAny, noChanges, Roster } from "./roster.ts";
import { helloFrame, type MessageSize, messageSize, outgoing } from "./typing.ts";
import { PresenceLink } from "./presence_link.ts";
import { Presence, privateViewId } from "./presence_state.ts";
import { type Unread, type View, Views } from "./views.ts";
import { Wording } from "./wording.ts";
import { muteOf } from "./own_notices.ts";

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
  readonly #wording: Wording;
  readonly #handshake = new Handshake();
  readonly #looking: Looking;
  readonly #order: AnswerOrder;
  readonly #local: LocalCommands;
  readonly #presence: Presence;
  readonly #presenceLink: PresenceLink;
  /** The last line typed was a `/quit` that warned of lines the server has not confirmed: the next `/quit` leaves. */
  #quitWarned = false;
  /** The pings sent after `/join`s and `/part`s, counted for their tokens. */
  #joinPings = 0;
  /** When the user's mute runs out, at the clock of `receive` and `tick`, if it was said. */
  #muteEnds: number | undefined;
  /** The room lists asked for by the client itself (with {@linkcode ConversationOptions.asksRooms}). */
  readonly #roomAsks = new RoomAsks();
  /**
   * Why rooms the `hello` asked for were left out (locked, a look-alike of
   * one made meanwhile), said with the welcome that follows, or as the
   * connection ends without one.
   */
  readonly #leftOut: Line[] = [];
  /** The `/join`s and `/part`s sent and not answered yet on this connection. */
  readonly #requests = new RoomRequests();
  /**
   * Those a connection that ended never saw answered: the next `hello` asks
   * for the rooms they lead to, and what its welcome shows undone is asked again.
   */
  #carried: RoomRequest[] = [];
  /** The rooms of {@linkcode Conversation.#carried} that the server left out of the `hello`. */
  readonly #refusedOnHello = new Set<string>();

  /** Starts a conversation not yet connected. */
  constructor(options: ConversationOptions = {}) {
    this.#options = options;
    const clock = options.clock ?? Date.now;
    this.#wording = new Wording(this.files, {
      fileHint: options.fileHint,
      hints: options.hints,
      clock,
      awayEnds: options.awayEnds,
      helpKeys: options.helpKeys,
      compactHelp: options.compactHelp,
    });
    this.#arrivals = new Arrivals(this.#views, {
      display: options.display ?? "current",
      clock,
      roomsWith: (name) => this.roster.roomsWith(name),
    });
    this.#presence = new Presence({
      awayAfterMs: options.awayAfterMs ?? 0,
      ignored: options.ignored ?? [],
    });
    this.#looking = new Looking(this.#views, this.roster, { display: options.display });
    this.#order = new AnswerOrder({
      run: (line, at) => this.#type(line, parseLine(line), at),
      sending: () => this.#delivery.online,
    });
    this.#local = new LocalCommands(options, this.#presence, {
      known: (name) => this.roster.known(name),
    });
    this.#presenceLink = new PresenceLink(this.#presence, {
      roster: this.roster,
      handshake: this.#handshake,
      entering: () => this.#looking.entering,
      view: () => this.#typingView(),
    });
  }

  /** The room a `/join` is entering, until the server has put the user in it. */
  get entering(): string | undefined {
    return this.#looking.entering;
  }

  /** Gives up looking at the room a `/join` is entering: refused, or another view was chosen. */
  forgetEntering(): void {
    this.#looking.forgetEntering();
  }

  /** Whether the user is away by the client's own doing (idle), not by an `/away` they typed. */
  get awayByItself(): boolean {
    return this.#presence.awayByItself;
  }

  /** Whether the server accepted this connection's `hello`. */
  get online(): boolean {
    return this.#handshake.online;
  }

  /** Whether the server ever accepted this client: a `hello` from now on comes back. */
  get welcomed(): boolean {
    return this.#handshake.welcomed;
  }

  /**
   * The resume token of the last `welcome`, if any: a client that ends and
   * starts again as the same session (a page reloaded) keeps it for its
   * next first `hello` ({@linkcode HelloOptions.resume}).
   */
  get resume(): string | undefined {
    return this.#handshake.resume;
  }

  /** Whether the ping of {@linkcode Conversation.settle} waits for its pong. */
  get settling(): boolean {
    return this.#order.settling;
  }

  /**
   * Pings the server: once its pong comes, whatever was sent before was
   * handled and its answers shown (a room's history after the welcome, a
   * shared file posted), and {@linkcode Conversation.settling} is false.
   */
  settle(): Effect[] {
    if (!this.#handshake.online) return [];
    return this.#order.settle();
  }

  /** The protocol version the next `hello` speaks: 2, or 1 once the server refused 2. */
  get version(): ProtocolVersion {
    return this.#handshake.version;
  }

  /**
   * The other servers of the same chat (`host:port` of their chat ports), as
   * the last `welcome` or `servers` named them: where to go back to when
   * this one goes away. Empty outside a cluster.
   */
  get servers(): readonly string[] {
    return this.#handshake.servers;
  }

  /** The URLs of the other servers' web clients (`http://host:port/`), as last named. */
  get webServers(): readonly string[] {
    return this.#handshake.webServers;
  }

  /** Whether the user asked to leave. */
  get quitting(): boolean {
    return this.#handshake.quitting;
  }

  /** The server's goodbye on this connection, if it said one. */
  get bye(): { reason: string; retry: boolean } | undefined {
    return this.#handshake.bye;
  }

  /** When the bell rings. */
  get bell(): BellMode {
    return this.#local.bell;
  }

  /** The user chose when the bell rings elsewhere than with `/bell` (the page's Sound switch). */
  set bell(mode: BellMode) {
    this.#local.bell = mode;
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
    return this.#local.names;
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
   * line that asks to do it again to leave anyway: lines the server has not
   * confirmed (however young: a link that died a moment ago answers nothing),
   * else a file moving. `undefined` when nothing would be lost.
   */
  leaving(key: string, _now: number): Line | undefined {
    const unsent = this.#delivery.size;
    if (unsent > 0) return unsentOnLeaveNotice(unsent, key);
    const moving = this.#options.moving?.();
    return moving === undefined ? undefined : movingOnLeaveNotice(moving, key);
  }

  /** A connection opened: what was said on the last one is forgotten. */
  opened(): void {
    this.#handshake.opened();
  }

  /**
   * Asks to join as `name` at `now`, with the password if given. Coming back,
   * the `hello` takes the name back with the resume token (if it is still
   * the name), returns to every room and asks for what came after the last
   * id seen in each; it goes once the pong of a ping sent first is in (see
   * core/handshake.ts). The first enters `options.rooms`, if given.
   */
  hello(name: string, now: number, options: HelloOptions = {}): Effect[] {
    const wanted = wantedRooms(this.roster.joined, this.#carried);
    const frame = helloFrame({ ...this.#place(), wanted }, {
      name,
      password: options.password,
      resume: this.#handshake.welcomed ? this.#handshake.resume : options.resume,
      again: this.#handshake.welcomed,
      client: this.#options.client,
      rooms: options.rooms,
    });
    return sends(this.#handshake.ask(frame, now));
  }

  /** Takes one frame from the server, at `now`. */
  receive(frame: ServerFrame, now: number): Effect[] {
    this.#handshake.heard(frame, now);
    if (!this.#handshake.online) return this.#handshakeFrame(frame, now);
    if (this.#handshake.moved(frame)) return [];
    this.#wording.heard(frame);
    const effects: Effect[] = [];
    const since = frame.type === "room" ? this.#seenIn(frame.room) : undefined;
    const got = frame.type === "room" ? this.roster.seenIn(frame.room) : undefined;
    // Someone listed in the room already did not arrive (a server may say so again, as when
    // they move to another server of a cluster): not shown as arriving.
    const listed = frame.type === "joined" && this.roster.listedIn(frame.name, frame.room);
    const changes = this.roster.track(frame);
    if (changedAny(changes)) effects.push({ type: "changed", changes });
    // A room list the client asked for itself, to complete room names: known, not shown.
    if (this.#roomAsks.answers(frame)) return effects;
    // A private view follows its person's new name; whatever shows views draws it again.
    if (frame.type === "renamed" && this.#views.renamed(frame.from, frame.to)) {
      effects.push({ type: "changed", changes: { ...noChanges(), views: true } });
    }
    // Someone ignored is ignored still under their new name, remembered as the list is.
    const ignored = frame.type === "renamed"
      ? this.#presence.renamed(frame.from, frame.to, frame.ts)
      : undefined;
    if (ignored !== undefined) effects.push({ type: "ignored", names: ignored });
    if (frame.type === "room") {
      this.#requests.entered(frame.room);
      effects.push(...this.#entered(frame.room, since, got));
    }
    if (frame.type === "parted") this.#requests.parted(frame.room);
    if (frame.type === "pong") this.#requests.ponged(frame.token);
    // In version 1 no ping follows a `/join`: an error that answers no message refuses it.
    if (frame.type === "error" && frame.cid === undefined && !this.roster.many) {
      this.#requests.refused();
    }
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
        this.#looking.ponged(frame.token);
        effects.push(...this.#order.pong(frame.token));
        return effects;
      case "error":
        if (this.#presenceLink.refused(frame)) return effects;
        break;
      case "bye":
        if (this.#handshake.quitting) break;
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
    if (frame.type === "notice") this.#heardMute(frame.text, me, now);
    if ((frame.type === "away" || frame.type === "back") && nameKey(frame.name) === nameKey(me)) {
      this.#presence.heardOwn(frame);
    }
    // Someone ignored: their words, files and typing are shown nowhere and counted nowhere.
    if (this.#presence.hides(frame, me)) return effects;
    if (listed) return effects;
    if (frame.type === "typing") {
      effects.push(...this.#presenceLink.heardTyping(frame.name, frame.room, now));
      return effects;
    }
    effects.push(...this.#presenceLink.stoppedTyping(frame));
    this.files.take(frame);
    // A message the server refuses as too long says how else to share it, as one refused here.
    const worded = frame.type === "error" && frame.code === "text_invalid"
      ? { ...frame, message: withShareHint(frame.message, this.shareHow) }
      : frame;
    const lines = this.#wording.incoming(worded, {
      me,
      version: this.#handshake.version,
      awayByItself: this.#presence.awayByItself,
      awayCut: frame.type === "away" && nameKey(frame.name) === nameKey(me) &&
        this.#presence.cutShort(frame),
      localHelp: () => this.#local.help(this.files.place !== undefined),
    });
    // A line refused is said where it was typed, and where its words go back.
    const typedIn = frame.type === "error" ? received.answered?.view : undefined;
    const taken = typedIn !== undefined && this.#views.find(typedIn) !== undefined
      ? this.#arrivals.refused(frame, lines, typedIn)
      : this.#arrivals.take(frame, lines, me);
    effects.push(...taken.effects);
    if (taken.changed) effects.push({ type: "changed", changes: { ...noChanges(), views: true } });
    if (frame.type === "parted") effects.push(...this.#looking.parted(frame.room));
    const elsewhere = taken.view !== undefined && !this.#views.isCurrent(taken.view);
    if (this.#options.bell && rings(frame, { mode: this.#local.bell, me, elsewhere })) {
      effects.push({ type: "ring" });
    }
    return effects;
  }

  /**
   * Takes a line the user typed, at `now`: a local command, `/quit`, or a
   * line for the server, which waits until the server has answered it, and
   * while the connection is down until it is back. A command the client
   * answers itself (`/bell`, `/typing`, `/ignore`, `/unignore`, `/ignores`;
   * or, but on the page, a local command mistyped or a line the client
   * refuses itself) is answered after the server's answers to the lines
   * typed before it, as a person reads them: it runs once the
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
    const holding = this.#order.holding;
    // The page answers a line refused here in the box, whose draft stays, at once: a local
    // command mistyped, and a line refused (`/msg` to oneself, `/switch` to no view, too long).
    // In one stream of lines, as the terminal's, the refusal waits its turn too.
    const page = this.#options.display === "each";
    if (holding && (parsed.ok || !page) && this.#local.answersHere(parsed, text)) {
      return this.#order.defer(text, now);
    }
    const effects = this.#type(line, parsed, now, warned);
    if (!holding || page || !refusedHere(effects)) return effects;
    return [
      ...effects.filter((effect) => effect.type !== "show"),
      ...this.#order.hold(effects.filter((effect) => effect.type === "show"), now),
    ];
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
      if (local.command === "code") {
        return this.#type(fenced(local.text), parseLine(fenced(local.text)), now);
      }
      // Without a bell, `/bell` is no command here, nor `/send` without files: the server says so.
      const place = {
        online: this.#handshake.online,
        shelf: this.files,
        view: this.#views.current,
      };
      const ran = this.#local.run(local, this.roster.me, place);
      if (ran !== undefined) return ran;
    }
    if (!parsed.ok && this.#local.isLocal(text)) {
      return [show([errorLine(parsed.message)])];
    }
    if (this.#handshake.quitting) return [show([notConnectedError()])];
    const frame = parsed.ok && "frame" in parsed ? parsed.frame : undefined;
    // `/help keys`, `/help join`: the server answers every `/help` alike; what was asked is kept.
    if (frame?.type === "help") this.#wording.askedHelp(/^\/\S*\s*(.*)$/s.exec(text)?.[1] ?? "");
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
    const back = this.#handshake.online
      ? this.#presenceLink.send(this.#presence.typed(frame, now))
      : [];
    this.#presence.sentLine();
    // Refused here as the server would refuse it, so that the page keeps the draft, saying
    // how long it is and how else to share it.
    const { shareHow } = this;
    const { bytes, lines } = messageSize(parsed, this.#handshake.version);
    // Refused or not, the line was typed: someone away by themselves is back.
    if (bytes > MAX_TEXT_BYTES) return [...back, show([tooLongError(bytes, shareHow)])];
    if (lines > MAX_TEXT_LINES) return [...back, show([tooManyLinesError(lines, shareHow)])];
    const out = outgoing(line, parsed, this.#place());
    if ("look" in out) return [...back, ...this.switchTo(out.look)];
    if ("close" in out) return [...back, ...this.#looking.close(out.close)];
    if ("refused" in out) return [...back, show([errorLine(out.refused)])];
    const view = this.#typingView()?.id;
    const typed = this.#delivery.type(out.line, now, { ...out.options, typed: line, view });
    if (typed === undefined) return [...back, show([tooManyWaitingError()])];
    if (out.entering !== undefined) this.#looking.enter(out.entering);
    const request = roomRequest(frame, out.entering, out.options.room);
    if (request !== undefined) this.#requests.typed(typed.line.frame, request);
    this.#requests.sent(typed.send);
    // What is typed after a `/part` of the room it goes to goes where the user will look.
    const leaving = this.#leaves(frame, out.options.room, view);
    if (leaving !== undefined) this.#looking.leave(leaving);
    // What the client answers itself from now on waits for this line's answer.
    this.#order.sent();
    const effects = [...back, ...sends(typed.send)];
    // Sent now, a /join is followed by a ping: its pong says the server has handled the join.
    if (out.entering !== undefined && this.roster.many && typed.send.length > 0) {
      effects.push(this.#joinPing(out.entering));
    }
    // And a /part by a ping whose pong says the server has left the room, or refused to.
    if (leaving !== undefined && typed.send.length > 0) effects.push(this.#partPing(leaving));
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
    if (this.#handshake.tellWaiting()) effects.push(show([waitingNotice()]));
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
      ? messageSize(parseLine(fenced(parsed.local.text)), this.#handshake.version)
      : messageSize(parsed, this.#handshake.version);
    return size.bytes > MAX_TEXT_BYTES || size.lines > MAX_TEXT_LINES ? size : undefined;
  }

  /**
   * Shares a file the user uploaded (`POST /files`) where they are looking,
   * or in the view `where` (`#dev`, `@bob`) while it is one of theirs: in the
   * room, or with the person of a private view. Nothing while the
   * connection is down: the upload's token ended with it.
   */
  share(file: { readonly id: string; readonly name: string }, where?: string): Effect[] {
    if (!this.#handshake.online) return [show([notConnectedError()])];
    const view = (where === undefined ? undefined : this.#views.find(where)) ??
      this.#views.current;
    const frame: FileFrame = { type: "file", id: file.id, name: file.name };
    if (view?.kind === "private") frame.to = view.name;
    else if (this.#handshake.version !== PROTOCOL_VERSION) {
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
   * typed. Any input also brings the user back from an automatic away, and
   * the time the user has been idle counts from it, offline too.
   */
  keystroke(now: number, draft: string): Effect[] {
    if (!this.#handshake.online) {
      this.#presence.inputOffline(now);
      return [];
    }
    const typing = this.#presenceLink.keystroke(now, draft);
    // Rooms made since the client last asked are offered after this `/join` too.
    if (!this.#options.asksRooms) return typing;
    return [...typing, ...sends(this.#roomAsks.typed(draft, now))];
  }

  /**
   * The user did something at `now` other than typing (the page shown again,
   * a click): it brings them back from an automatic away, and the time the
   * user has been idle counts from it, offline too.
   */
  input(now: number): Effect[] {
    if (this.#handshake.online) return this.#presenceLink.send(this.#presence.input(now));
    this.#presence.inputOffline(now);
    return [];
  }

  /** Enters `room`, as a click or a room box asks, at `now`: the same as `/join ROOM` typed. */
  join(room: string, now: number): Effect[] {
    return this.type(`/join ${room}`, now);
  }

  /**
   * Looks at the view `typed` names (`#dev`, `@bob`), as `/switch` does:
   * what arrived there since the user last looked is shown once, under a
   * "new since you last looked" line. `@name` begins private messages with someone
   * known to be connected, or goes back to those with someone who left.
   */
  switchTo(typed: string): Effect[] {
    return this.#looking.switchTo(typed);
  }

  /**
   * Begins again, after the client was reloaded, the views `ids` (`#dev`,
   * `@bob`) in that order: each private view now, each room's in its place
   * (the first `hello` enters the rooms, see {@linkcode HelloOptions.rooms}).
   * A private view begun again says that what it showed is gone, if `said`
   * (ids of private views) lists it as having shown something, or, without
   * `said`, in any case.
   */
  reopen(ids: readonly string[], said?: readonly string[]): Effect[] {
    // None with the user themselves, whose name may be another's now.
    const me = `@${nameKey(this.roster.me)}`;
    const others = ids.filter((id) => !id.startsWith("@") || `@${nameKey(id.slice(1))}` !== me);
    const before = new Set(this.#views.all.map((view) => view.id));
    if (!this.#views.reopen(others)) return [];
    // A private view begins again empty: the server keeps no private messages to replay. Said
    // only where something was shown before, if the client tells which.
    const lost = said === undefined ? undefined : new Set(said.map((id) => nameKey(id)));
    const begun = this.#views.all.filter((view) =>
      view.kind === "private" && !before.has(view.id) && (lost?.has(nameKey(view.id)) ?? true)
    );
    return [
      { type: "changed", changes: { ...noChanges(), views: true } },
      ...begun.map((view) => show([privateNotKeptNotice()], view.id)),
    ];
  }

  /**
   * Counts again what was unread in the user's views other than the one
   * looked at, as the client kept it before it was reloaded (the history
   * replayed since counts as read): each view's count, and its mention.
   * Looked at, a view shows the "new since you last looked" line above those
   * messages: in a room, the last ones from others of its replayed history;
   * in a private view, `lines` of it, the lines the client showed there
   * again, if it kept any.
   */
  unreadAgain(
    unread: readonly Unread[],
    lines: ReadonlyMap<string, readonly Line[]> = new Map(),
  ): Effect[] {
    let changed = false;
    for (const { id, unread: count, mentioned } of unread) {
      if (this.#views.isCurrent(id) || !Number.isSafeInteger(count) || count < 0) continue;
      const view = this.#views.find(id);
      if (view === undefined) continue;
      const arrival = { unread: count, mention: mentioned };
      const kept = view.kind === "private" ? lines.get(id) ?? [] : undefined;
      changed = this.#views.restore(view.id, arrival, kept) || changed;
    }
    return changed ? [{ type: "changed", changes: { ...noChanges(), views: true } }] : [];
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
    return this.#looking.pick(this.#views.beside(step));
  }

  /** Looks at the `number`th view (from 1), if there are that many. */
  switchToNumber(number: number): Effect[] {
    return this.#looking.pick(this.#views.at(number - 1));
  }

  /**
   * Looks at the link at `now`, lets "is typing" run out, and goes away when
   * the user has been idle long enough; call every few hundred milliseconds.
   */
  tick(now: number): Effect[] {
    const effects: Effect[] = [...this.#presenceLink.expire(now), ...this.#order.tick(now)];
    // The server lets a mute run out unsaid: the client that knows its end says so.
    if (this.#muteEnds !== undefined && now >= this.#muteEnds) {
      this.#muteEnds = undefined;
      effects.push(show([muteOverNotice()]));
    }
    if (!this.#handshake.online) {
      if (!this.#handshake.unanswered(now)) return effects;
      return [...effects, { type: "drop", reason: "unanswered" }];
    }
    // Away by itself only if the server can be told.
    effects.push(...this.#presenceLink.idle(now));
    const beat = this.#handshake.beat(now);
    if (beat === "dead") return [...effects, { type: "drop", reason: "silent" }];
    if (beat === "ping") effects.push(send({ type: "ping", token: "heartbeat" }));
    const advice = this.#delivery.tick(now);
    if (advice === "dead") {
      effects.push(show([noAnswerNotice()]), { type: "drop", reason: "dead" });
    } else if (advice !== undefined) effects.push(send(advice));
    return effects;
  }

  /**
   * What the notice `text`, heard at `now`, says of a mute of `me`: when it
   * ends, if its span was said, or that it was lifted.
   */
  #heardMute(text: string, me: string, now: number): void {
    const mute = muteOf(text, me);
    if (mute === undefined) return;
    this.#muteEnds = mute.kind === "muted" && mute.ms !== undefined ? now + mute.ms : undefined;
  }

  /**
   * The connection ended: what waits goes out again on the next one, and
   * nobody is shown typing any more. Returns the answers of the commands
   * the client answers itself that waited for this connection's answers:
   * none will come.
   */
  closed(): Effect[] {
    this.#presenceLink.closed();
    this.#looking.closed();
    this.#roomAsks.closed();
    this.#handshake.closed();
    this.#delivery.disconnected();
    this.#carried.push(...this.#requests.closed());
    this.#refusedOnHello.clear();
    return [...this.#sayLeftOut(), ...this.#order.closed()];
  }

  /** The user leaves (with `reason`, if they gave one); later calls do nothing. */
  quit(reason?: string): Effect[] {
    if (!this.#handshake.quit()) return [];
    if (!this.#handshake.online) return [{ type: "leave", sent: false }];
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
    this.#order.endInput();
    return this.#order.finishing();
  }

  /**
   * Sends `frames`, typed lines that waited for the connection; a `/join`
   * still on its way is among them, or was handled before: a ping after them
   * tells which, as after a `/join` sent at once.
   */
  #flushed(frames: readonly ClientFrame[]): Effect[] {
    this.#requests.sent(frames);
    const effects = this.#order.flushed(frames);
    const entering = this.#looking.entering;
    // The lines go after the pong of a ping that only asks whether the server is there.
    const lines = frames.some((frame) => frame.type !== "ping");
    if (lines && entering !== undefined && this.roster.many) effects.push(this.#joinPing(entering));
    if (lines) effects.push(...this.#looking.leavingUnpinged.map((room) => this.#partPing(room)));
    effects.push(...this.#requestPing());
    return effects;
  }

  /**
   * The room that `frame`, a line typed to go to view `view` and said in
   * `room`, leaves, if it is `view` and the user stays in another: what is
   * typed next goes to the view looked at once it is left.
   */
  #leaves(frame: ClientFrame | undefined, room: string | undefined, view: string | undefined) {
    if (!this.roster.many || (frame?.type !== "part" && frame?.type !== "leave")) return undefined;
    const named = frame.room === undefined ? undefined : normalizeRoom(frame.room);
    const left = named === undefined ? room : named.ok ? named.value : undefined;
    if (left === undefined || left !== view || !this.roster.joined.includes(left)) return undefined;
    // The last room cannot be left: the server refuses, and the user stays.
    const leaving = this.#looking.leaving;
    const staying = this.roster.joined.filter((each) => each !== left && !leaving.has(each));
    return staying.length > 0 ? left : undefined;
  }

  /**
   * The view what is typed now goes to: the one looked at, or, while a
   * `/part` of it is on its way, the one looked at once it is left.
   */
  #typingView(): View | undefined {
    const leaving = this.#looking.leaving;
    return leaving.size === 0 ? this.#views.current : this.#views.after(leaving);
  }

  /** A ping whose `pong` says the server has handled the `/part` of `room` sent before it. */
  #partPing(room: string): Effect {
    const token = `part-${++this.#joinPings}`;
    this.#looking.pingedLeave(room, token);
    this.#requests.pinged(token);
    return send({ type: "ping", token });
  }

  /**
   * A ping after the `/join`s and `/part`s sent that no ping followed yet:
   * its `pong` says the server has handled them. None if there are none.
   */
  #requestPing(): Effect[] {
    if (!this.roster.many || !this.#requests.unpinged) return [];
    const token = `rooms-${++this.#joinPings}`;
    this.#requests.pinged(token);
    return [send({ type: "ping", token })];
  }

  /**
   * What the `welcome` of a `hello` that came back did not do of the
   * `/join`s and `/part`s a connection that ended never saw answered, asked
   * again, in order, before the lines that waited: those typed for a room
   * being entered go there once it is. A room the server left out of the
   * `hello` (locked) is not asked for again, and no longer waited for.
   */
  #askAgain(): Effect[] {
    const carried = this.#carried.splice(0);
    if (carried.length === 0) return [];
    const many = this.roster.many;
    const effects: Effect[] = [];
    let entering: string | undefined;
    for (const request of carried) {
      const { kind, room } = request;
      const inside = many ? this.roster.joined.includes(room) : this.roster.room === room;
      if (kind === "join" && this.#refusedOnHello.has(room)) {
        this.#looking.refused(room);
        continue;
      }
      if (kind === "join" ? inside : !inside) continue;
      // One room at a time: only the last `/join` counts.
      if (!many && request !== carried.at(-1)) continue;
      const frame: ClientFrame = kind === "part" ? { type: "part", room } : { type: "join", room };
      const since = kind === "join" ? this.#seenIn(room) : undefined;
      if (frame.type === "join" && since !== undefined) frame.since = since;
      this.#requests.asked(request);
      effects.push(send(frame));
      if (kind === "join") entering = room;
    }
    this.#refusedOnHello.clear();
    if (entering !== undefined && many) effects.push(this.#joinPing(entering));
    effects.push(...this.#requestPing());
    return effects;
  }

  /** Says why the rooms the server left out of those the `hello` asked for were, once. */
  #sayLeftOut(): Effect[] {
    const lines = this.#leftOut.splice(0);
    return lines.length === 0 ? [] : [show(lines)];
  }

  /** A ping whose `pong` says the server has handled the `/join` of `room` sent before it. */
  #joinPing(room: string): Effect {
    const token = `join-${++this.#joinPings}`;
    this.#looking.pinged(room, token);
    this.#requests.pinged(token);
    return send({ type: "ping", token });
  }

  #place() {
    const view = this.#typingView();
    return {
      roster: this.roster,
      view,
      version: this.#handshake.version,
      entering: this.#looking.entering,
      leavingFor: view !== this.#views.current && view?.kind === "room" ? view.id : undefined,
      seenIn: (room: string) => this.#seenIn(room),
    };
  }

  /**
   * A room was entered: its view begins, and the user looks at it if they
   * asked to enter it. Its replay follows: what came after `since`, the last
   * message shown there, is new; up to `received` it came before, but the
   * user left the room before looking at it.
   */
  #entered(room: string, since: number | undefined, received: number | undefined): Effect[] {
    this.#views.room(room);
    this.#arrivals.entering(room, since, received);
    return this.#looking.entered(room);
  }

  /**
   * The last message id shown in `room`: what entering it asks to be
   * replayed after. In a room the user is in, the last one received; in one
   * they left, the one before the first they had not looked at yet, or none
   * at all if the client threw away what it showed there.
   */
  #seenIn(room: string): number | undefined {
    const seen = this.roster.seenIn(room);
    if (this.roster.joined.includes(room) || seen === undefined) return seen;
    if (this.#options.forgetsRoomsLeft) return undefined;
    const unseen = this.#views.unseenLeft(room);
    return unseen === undefined ? seen : Math.min(seen, unseen - 1);
  }

  #handshakeFrame(frame: ServerFrame, now: number): Effect[] {
    switch (frame.type) {
      case "welcome":
        return this.#welcome(frame, now);
      case "pong": {
        // Coming back, the hello waited for this.
        const hello = this.#handshake.knocked(frame);
        return hello === undefined ? [] : [send(hello)];
      }
      case "error": {
        // A room that cannot be entered (locked, or a look-alike of one made meanwhile) is
        // left out of those asked for, and the welcome follows: coming back to it after a
        // restart is not a refusal. Said with the welcome, where the user then looks.
        if (aboutOneRoom(frame.code)) {
          this.#leftOut.push(...this.#wording.of(frame, ""));
          for (const { room } of this.#carried) {
            if (frame.message.includes(`${room}:`)) this.#refusedOnHello.add(room);
          }
          return [];
        }
        const verdict = this.#handshake.refused(frame.code, now);
        if (verdict === "version") return [{ type: "drop", reason: "version" }];
        const later = verdict === "later";
        // Not a name to pick another for: the client takes its own back once the server lets go.
        const message = later && frame.code === "name_taken"
          ? nameHeldError(this.roster.me)
          : this.#options.hints === false
          ? withoutHints(frame.message)
          : frame.message;
        return [refusal(frame.code, message, later)];
      }
      default:
        return [];
    }
  }

  #welcome(frame: WelcomeFrame, now: number): Effect[] {
    const again = this.#handshake.welcome(frame, now);
    const away = again ? this.#presence.awayAgain() : undefined;
    this.#presence.welcomed(now);
    this.files.welcome(frame.files);
    const changes = this.roster.track(frame);
    if (this.roster.many && frame.rooms !== undefined) {
      this.#views.keepRooms(frame.rooms);
      const view = this.#views.current;
      if (view?.kind === "room") this.roster.select(view.id);
    }
    return [
      { type: "changed", changes },
      { type: "welcomed", again },
      ...this.#sayLeftOut(),
      show(
        again ? [reconnectedNotice(frame.name)] : this.#wording.of(frame, frame.name),
      ),
      ...this.#askAgain(),
      ...this.#flushed(this.#delivery.connected(now)),
      ...this.#order.finishing(),
      // Coming back, the user is away as they were, by an `/away` of theirs or by itself after
      // a while idle: a server that restarted, or saw the connection end, does not know it.
      ...away === undefined ? [] : this.#presenceLink.send([away]),
      // Nothing tells of rooms the user is not in: the client asks, to offer them after `/join`.
      ...this.#options.asksRooms ? sends(this.#roomAsks.welcomed()) : [],
    ];
  }
}

/**
 * The room `frame`, a typed line's, asks to enter or leave: `entering` the
 * room a `/join` enters (or, in version 1, `/leave` goes back to), `room`
 * the one the line is said in, which a `/part` naming none leaves.
 */
function roomRequest(
  frame: ClientFrame | undefined,
  entering: string | undefined,
  room: string | undefined,
): RoomRequest | undefined {
  if (entering !== undefined) return { kind: "join", room: entering };
  if (frame?.type !== "part" && frame?.type !== "leave") return undefined;
  const named = frame.room === undefined ? undefined : normalizeRoom(frame.room);
  const left = named === undefined ? room : named.ok ? named.value : undefined;
  return left === undefined ? undefined : { kind: "part", room: left };
}

/** Whether `effects`, a typed line's, refuse it here: an error shown, nothing sent nor looked at. */
function refusedHere(effects: readonly Effect[]): boolean {
  return effects.some((effect) =>
    effect.type === "show" && effect.lines.some((line) => line.kind === "error")
  ) && effects.every((effect) => effect.type === "show" || effect.type === "send");
}
