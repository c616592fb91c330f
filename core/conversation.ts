// This module is browser compatible.

/**
 * One conversation as a client lives it, the same for the terminal and the
 * page: frames from the server, lines the user types and the passing of time
 * go in; effects come out, which the client carries out: frames to send,
 * lines to show, the bell, a connection to give up. It remembers what a
 * reconnection needs (the name after a rename, the room, the last message
 * id, the resume token, the lines not yet answered) and builds the `hello`
 * from it, and what coming back to a room needs (the last message seen
 * there) and builds the `join` from it. Pure: no I/O and no timers.
 *
 * @module
 */

export type { Effect, Refusal } from "./effects.ts";

import {
  type ClientFrame,
  type HelloFrame,
  LOBBY,
  MAX_TEXT_BYTES,
  PROTOCOL_VERSION,
  type ServerFrame,
  utf8Length,
  type WelcomeFrame,
} from "../protocol.ts";
import { type BellMode, DEFAULT_BELL, localHelp, rings, runBell } from "./bell.ts";
import { LOCAL_COMMAND_NAMES, type ParsedLine, parseInput, parseLine } from "./commands.ts";
import { Delivery } from "./delivery.ts";
import { describeFrame, describePending, errorLine } from "./describe.ts";
import { type Effect, refusal, send, sends, show } from "./effects.ts";
import { Heartbeat, HELLO_TIMEOUT_MS } from "./link.ts";
import { nameKey, normalizeRoom } from "./names.ts";
import {
  noAnswerNotice,
  notConnectedError,
  reconnectedNotice,
  serverSaysNotice,
  tooLongError,
  tooManyWaitingError,
  waitingNotice,
} from "./notices.ts";
import { changedAny, Roster } from "./roster.ts";
import { sanitizeText } from "./sanitize.ts";

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
  readonly #options: ConversationOptions;
  readonly #delivery = new Delivery();
  #bell: BellMode = DEFAULT_BELL;
  #resume: string | undefined;
  #everWelcomed = false;
  #online = false;
  #helloAt: number | undefined;
  #heartbeat: Heartbeat | undefined;
  #quitting = false;
  #bye: { reason: string; retry: boolean } | undefined;
  #inputEnded = false;
  #finishToken: string | undefined;
  #finishes = 0;

  /** Starts a conversation not yet connected. */
  constructor(options: ConversationOptions = {}) {
    this.#options = options;
  }

  /** Whether the server accepted this connection's `hello`. */
  get online(): boolean {
    return this.#online;
  }

  /** Whether the server ever accepted this client: a `hello` from now on comes back. */
  get welcomed(): boolean {
    return this.#everWelcomed;
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

  /** The commands this client runs itself, without the slash. */
  get localCommands(): readonly string[] {
    return this.#options.bell ? LOCAL_COMMAND_NAMES : [];
  }

  /** How many lines wait for the server. */
  get waiting(): number {
    return this.#delivery.size;
  }

  /** Lines to show as unsent at `now`: every one while offline, else those waiting a while. */
  unsent(now: number): number {
    return this.#delivery.unsent(now);
  }

  /** A connection opened: what was said on the last one is forgotten. */
  opened(): void {
    this.#bye = undefined;
  }

  /**
   * Asks to join as `name` at `now`, with the password if given. Coming back,
   * the `hello` takes the name back with the resume token (if it is still
   * the name), returns to the room and asks for what came after the last id.
   */
  hello(name: string, now: number, options: HelloOptions = {}): Effect[] {
    const frame: HelloFrame = { type: "hello", version: PROTOCOL_VERSION, name };
    if (options.password !== undefined) frame.password = options.password;
    if (this.#everWelcomed) {
      if (this.#resume !== undefined && nameKey(name) === nameKey(this.roster.me)) {
        frame.resume = this.#resume;
      }
      frame.room = this.roster.room;
      if (this.roster.lastId !== undefined) frame.since = this.roster.lastId;
    }
    this.#quitting = false;
    this.#helloAt = now;
    return [{ type: "send", frame }];
  }

  /** Takes one frame from the server, at `now`. */
  receive(frame: ServerFrame, now: number): Effect[] {
    this.#heartbeat?.heard(now);
    if (frame.type === "bye") this.#bye = { reason: frame.reason, retry: frame.retry === true };
    if (!this.#online) return this.#handshake(frame, now);
    const effects: Effect[] = [];
    const changes = this.roster.track(frame);
    if (changedAny(changes)) effects.push({ type: "changed", changes });
    const received = this.#delivery.receive(frame, this.roster.me, now);
    effects.push(...sends(received.send));
    const post = received.answered?.post;
    if (frame.type === "error" && frame.code === "no_such_user" && post?.type === "msg") {
      this.roster.gone(post.to);
    }
    const answered = [...received.answered ? [received.answered] : [], ...received.handled];
    if (answered.length > 0) effects.push({ type: "answered", lines: answered });
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
        } else effects.push(...this.#finishing());
        return effects;
      case "bye":
        if (frame.retry && this.#options.narratesReconnects && !this.#quitting) {
          effects.push(show([serverSaysNotice(frame.reason)]));
          return effects;
        }
        break;
      case "help":
        if (this.#options.bell) {
          effects.push(
            show(
              describeFrame(
                { ...frame, commands: [...frame.commands, ...localHelp(this.#bell)] },
                this.roster.me,
              ),
            ),
          );
          return effects;
        }
        break;
      default:
        break;
    }
    effects.push(show(describeFrame(frame, this.roster.me)));
    if (this.#options.bell && rings(frame, { mode: this.#bell, me: this.roster.me })) {
      effects.push({ type: "ring" });
    }
    return effects;
  }

  /**
   * Takes a line the user typed, at `now`: a local command, `/quit`, or a
   * line for the server, which waits until the server has answered it, and
   * while the connection is down until it is back.
   */
  type(line: string, now: number): Effect[] {
    const text = line.trim();
    if (text === "") return [];
    // The commands the client runs itself; the server answers them as unknown.
    const parsed = this.#options.bell ? parseLine(text) : parseInput(text);
    if (parsed.ok && "local" in parsed) {
      const bell = runBell(parsed.local.mode, this.#bell);
      this.#bell = bell.mode;
      return [show([bell.line])];
    }
    if (!parsed.ok && this.#options.bell && isLocal(text)) {
      return [show([errorLine(parsed.message)])];
    }
    if (this.#quitting) return [show([notConnectedError()])];
    if (parsed.ok && parsed.frame.type === "quit") return this.quit(parsed.frame.reason);
    const words = parsed.ok && "text" in parsed.frame ? parsed.frame.text : "";
    if (utf8Length(sanitizeText(words).trim()) > MAX_TEXT_BYTES) return [show([tooLongError()])];
    const frame = this.#entering(parsed);
    const typed = this.#delivery.type(line, now, frame === undefined ? {} : { frame });
    if (typed === undefined) return [show([tooManyWaitingError()])];
    const effects = sends(typed.send);
    const { post } = typed.line;
    if (post !== undefined) {
      effects.push({
        type: "pending",
        line: typed.line,
        shown: describePending(post, this.roster.me),
      });
    }
    // Before the first welcome (a name being chosen, or piped input arriving early), lines
    // simply wait; after a drop, the user is told.
    if (!this.#online && this.#everWelcomed) effects.push(show([waitingNotice()]));
    return effects;
  }

  /** Enters `room`, as a click or a room box asks, at `now`: the same as `/join ROOM` typed. */
  join(room: string, now: number): Effect[] {
    return this.type(`/join ${room}`, now);
  }

  /** Looks at the link at `now`; call every few hundred milliseconds while connected. */
  tick(now: number): Effect[] {
    if (!this.#online) {
      if (this.#helloAt === undefined || now - this.#helloAt < HELLO_TIMEOUT_MS) return [];
      this.#helloAt = undefined;
      return [{ type: "drop", reason: "unanswered" }];
    }
    const effects: Effect[] = [];
    const beat = this.#heartbeat?.check(now);
    if (beat === "dead") return [{ type: "drop", reason: "silent" }];
    if (beat === "ping") effects.push(send({ type: "ping", token: "heartbeat" }));
    const advice = this.#delivery.tick(now);
    if (advice === "dead") {
      effects.push(show([noAnswerNotice()]), { type: "drop", reason: "dead" });
    } else if (advice !== undefined) effects.push(send(advice));
    return effects;
  }

  /** The connection ended: what waits goes out again on the next one. */
  closed(): void {
    this.#online = false;
    this.#helloAt = undefined;
    this.#heartbeat = undefined;
    this.#finishToken = undefined;
    this.#delivery.disconnected();
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
   * The frame of a line that enters a room the user was in before (`/join`,
   * `/leave`): a `join` with the last message id seen there, so that only
   * what was said since is replayed. Other lines go as typed.
   */
  #entering(parsed: ParsedLine): ClientFrame | undefined {
    if (!parsed.ok || !("frame" in parsed)) return undefined;
    const { frame } = parsed;
    const room = frame.type === "join" ? frame.room : frame.type === "leave" ? LOBBY : undefined;
    if (room === undefined) return undefined;
    const checked = normalizeRoom(room);
    const since = checked.ok ? this.roster.seenIn(checked.value) : undefined;
    return since === undefined ? undefined : { type: "join", room, since };
  }

  #handshake(frame: ServerFrame, now: number): Effect[] {
    switch (frame.type) {
      case "welcome":
        return this.#welcome(frame, now);
      case "error":
        this.#helloAt = undefined;
        // The server ends a connection it cannot talk to: do not come back.
        if (frame.code === "unsupported_version") this.#quitting = true;
        return [refusal(frame.code, frame.message)];
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
    this.#heartbeat = new Heartbeat(now, frame.heartbeat);
    const changes = this.roster.track(frame);
    return [
      { type: "changed", changes },
      { type: "welcomed", again },
      show(again ? [reconnectedNotice(frame.name)] : describeFrame(frame, frame.name)),
      ...sends(this.#delivery.connected(now)),
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

/** Whether `text` names a command the client runs itself. */
function isLocal(text: string): boolean {
  const name = /^\/(\S*)/.exec(text)?.[1]?.toLowerCase();
  return name !== undefined && LOCAL_COMMAND_NAMES.includes(name);
}
