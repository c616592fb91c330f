/**
 * One socket connection's life, from its first byte to its end: on the chat
 * port it picks JSON or plain text from the first byte and splits lines; on
 * the web port it reads WebSocket messages. Either way it slows down a
 * flooding peer by pausing its socket, hands frames to the hub, holds the
 * connection to its hello deadline and heartbeat, and ends it exactly once,
 * telling the hub exactly once, with the reason PROTOCOL.md gives.
 *
 * @module
 */

import type { Socket } from "node:net";
import { type LineResult, LineSplitter, MAX_CLIENT_LINE_BYTES } from "../../protocol.ts";
import type { Hub } from "../hub.ts";
import type { Rate } from "../config.ts";
import type { Session } from "../session.ts";
import type { ClientFrame, ServerFrame } from "../../protocol.ts";
import { type Slot, TokenBucket } from "../limits.ts";
import { FrameIntake } from "./intake.ts";
import { TelnetFilter } from "./telnet.ts";
import { GREETING, TextCodec } from "./text.ts";
import { noHelloReason } from "./no_hello.ts";
import { encoder, type Outbox } from "./outbox.ts";
import { type SessionMode, TcpSession } from "./tcp_session.ts";
import { CLOSE_PROTOCOL_ERROR, WebSocketDecoder } from "./websocket.ts";

/** What every peer of a server shares. */
export interface PeerLimits {
  readonly hub: Hub;
  readonly outbox: Outbox;
  /**
   * Milliseconds a program has to send a successful `hello`; a connection
   * that may be a person typing a name (plain text, silent, or the web page)
   * gets six times as long.
   */
  readonly handshakeMs: number;
  /** Milliseconds of silence after which a named peer counts as gone; 0 turns it off. */
  readonly heartbeatMs: number;
  /** Milliseconds of silence after which a new connection is greeted in text. */
  readonly greetAfter: number;
  /** Frames a connection may send. */
  readonly frameRate: Rate;
  /** Bytes a connection may send. */
  readonly byteRate: Rate;
  /** Bad frames a connection may send before it is closed. */
  readonly maxStrikes: number;
  readonly log: (line: string) => void;
}

const OPEN_BRACE = 0x7b;
const LF = 0x0a;
/** A UTF-8 byte order mark, ignored at the very start of the stream. */
const BOM = [0xef, 0xbb, 0xbf];
const NO_LINES: LineResult[] = [];
// How often a throttled peer is told so.
const WARN_EVERY_MS = 10_000;

/**
 * A protocol with a port of its own, spoken in lines (IRC): it reads the
 * lines and renders the frames itself, while the peer keeps its limits,
 * deadlines and outbox.
 */
export interface LineProtocol {
  /** The session the hub knows this connection by. */
  readonly session: Session;
  /** Splits bytes from the socket into lines, as the protocol ends them. */
  split(chunk: Uint8Array): LineResult[];
  /** Handles one line; `false` once the connection must be closed. */
  line(line: LineResult): boolean;
  /** Renders a frame for the peer; `undefined` sends nothing. */
  encode(frame: ServerFrame): Uint8Array | undefined;
  /** Asks a silent peer for a sign of life. */
  ping(): void;
  /** Does what is due at `now` (from `performance.now()`), about once a second once named. */
  tick?(now: number): void;
  /** Hears that the connection is ending, before the hub takes its person out. */
  ended?(ending: Ending): void;
}

/** What a {@linkcode LineProtocol} is made with. */
export interface LineProtocolParts {
  /** The connection's writing side. */
  readonly session: TcpSession;
  /** Hands a checked frame to the hub, on the protocol's session. */
  readonly deliver: (frame: ClientFrame) => void;
  /** Ends the connection. */
  readonly end: (ending: Ending) => void;
}

/** Makes the {@linkcode LineProtocol} of one connection. */
export type LineProtocolFactory = (parts: LineProtocolParts) => LineProtocol;

function isBlank(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * Why a connection ended, as its room is told in `left` (PROTOCOL.md,
 * Closing): each reason decides what the peer hears before the end.
 */
export type Ending =
  | "connection closed"
  | "connection lost"
  | "timed out"
  | "too slow to keep up"
  | "no hello"
  | "too many bad frames";

// Timers call these with the peer, so a connection needs no closures of its own.
function greet(peer: Peer): void {
  peer.greet();
}

function resume(peer: Peer): void {
  peer.resume();
}

/**
 * One connection, read until it ends. The connections' table passes it the
 * socket's events ({@linkcode Peer.data}, {@linkcode Peer.end}) and the
 * sweep's clock ({@linkcode Peer.check}).
 */
export class Peer {
  /** The session this peer writes to, which the hub knows. */
  readonly session: TcpSession;
  /** The session the hub knows: {@linkcode session}, or the line protocol's own. */
  readonly member: Session;
  /** When the connection was accepted, from `performance.now()`. */
  readonly openedAt: number = performance.now();
  readonly #socket: Socket;
  readonly #limits: PeerLimits;
  /** When the peer last sent anything. */
  #lastHeard: number = this.openedAt;
  /** Whether a heartbeat ping is waiting for an answer. */
  #pinged = false;
  readonly #intake: FrameIntake;
  /** Splits lines (JSON or text), or reads WebSocket messages. */
  readonly #framer: { push(chunk: Uint8Array): LineResult[] };
  readonly #frames: TokenBucket;
  readonly #bytes: TokenBucket;
  #text: { codec: TextCodec; telnet: TelnetFilter } | undefined;
  /** The protocol of a port of its own, which reads lines and renders frames itself. */
  readonly #protocol: LineProtocol | undefined;
  #greeted = false;
  /** What a peer greeted and still silent is told in, with the greeting's prompt open. */
  #greeting: TextCodec | undefined;
  /** Bytes of a byte order mark seen at the start of the stream; -1 once past it. */
  #bom = 0;
  /** The greeting timer until the peer speaks; then the throttle timer, while paused. */
  #timer: ReturnType<typeof setTimeout> | undefined;
  #warned = -Infinity;
  /** Lines received and not yet handled, from `#next` on. */
  #lines: LineResult[] = NO_LINES;
  #next = 0;
  /** Whether the token of line `#next` was already taken. */
  #taken = false;
  /** Bytes read and not yet counted against the byte rate. */
  #uncounted = 0;
  /** Whether reading is paused for the rate limit: the peer's input waits on the server. */
  #throttled = false;
  #ended = false;

  constructor(
    socket: Socket,
    slot: Slot,
    mode: SessionMode | LineProtocolFactory,
    limits: PeerLimits,
  ) {
    const own = typeof mode === "function" ? mode : undefined;
    const session = new TcpSession(
      socket,
      slot,
      limits.outbox,
      own ? "unknown" : mode as SessionMode,
      this,
    );
    this.session = session;
    this.#socket = socket;
    this.#limits = limits;
    const protocol = own?.({
      session,
      deliver: (frame) => this.#intake.deliver(frame),
      end: (ending) => this.end(ending),
    });
    this.#protocol = protocol;
    this.member = protocol?.session ?? session;
    this.#intake = new FrameIntake(this.member, limits);
    this.#frames = new TokenBucket(limits.frameRate.burst, limits.frameRate.perSecond);
    this.#bytes = new TokenBucket(limits.byteRate.burst, limits.byteRate.perSecond);
    if (protocol !== undefined) {
      session.speak("text", (frame) => protocol.encode(frame));
      this.#framer = { push: (chunk) => protocol.split(chunk) };
    } else if (mode === "websocket") {
      this.#bom = -1;
      this.#framer = new WebSocketDecoder(MAX_CLIENT_LINE_BYTES, {
        write: (frame) => session.write(frame),
        ended: (code, problem) => this.#closedByPeer(code, problem),
      });
    } else {
      this.#framer = new LineSplitter(MAX_CLIENT_LINE_BYTES);
      // A person on nc waits to be asked; a program speaks first.
      this.#timer = setTimeout(greet, limits.greetAfter, this);
    }
  }

  /** Greets a peer that has said nothing yet, in text: maybe a person on nc. */
  greet(): void {
    this.#timer = undefined;
    this.#greeted = true;
    const session = this.session;
    session.write(encoder.encode(GREETING));
    // Until it speaks, what it is told (a goodbye) is for whoever reads the
    // greeting: in text, on a line of its own after the open "Your name: ".
    const codec = new TextCodec(session.localHost, true);
    this.#greeting = codec;
    session.speak("unknown", (frame) => codec.encode(frame));
  }

  /** Writes the greeting's prompt again, to a peer greeted that typed an empty line. */
  #askAgain(): void {
    const prompt = this.#greeting?.prompt();
    if (prompt !== undefined) this.session.write(prompt);
  }

  /** Handles bytes from the socket. */
  data(chunk: Uint8Array): void {
    const session = this.session;
    if (this.#ended || session.closing) return;
    this.#lastHeard = performance.now();
    this.#pinged = false;
    this.#uncounted += chunk.length;
    if (this.#bom >= 0) {
      const rest = this.#skipBom(chunk);
      if (rest === undefined) return;
      chunk = rest;
    }
    if (session.mode === "unknown" && !this.#decide(chunk)) return;
    const lines = this.#framer.push(this.#text?.telnet.push(chunk) ?? chunk);
    // Reading is paused while lines wait, so this only joins lines of one read.
    if (this.#next < this.#lines.length) this.#lines = this.#lines.slice(this.#next).concat(lines);
    else this.#lines = lines;
    this.#next = 0;
    this.resume();
  }

  /**
   * Drops a byte order mark at the very start of the stream, even one split
   * across reads; returns what follows it, or `undefined` while it may still
   * be one.
   */
  #skipBom(chunk: Uint8Array): Uint8Array | undefined {
    let at = 0;
    while (at < chunk.length && this.#bom < BOM.length && chunk[at] === BOM[this.#bom]) {
      at++;
      this.#bom++;
    }
    if (this.#bom === BOM.length) {
      this.#bom = -1;
      return chunk.subarray(at);
    }
    if (at === chunk.length) return undefined;
    // Not a byte order mark after all: give back the bytes taken for one.
    const taken = this.#bom;
    this.#bom = -1;
    if (taken === 0) return chunk;
    const whole = new Uint8Array(taken + chunk.length - at);
    whole.set(BOM.slice(0, taken));
    whole.set(chunk.subarray(at), taken);
    return whole;
  }

  /** Picks the mode from the first byte that is not blank; false while there is none. */
  #decide(chunk: Uint8Array): boolean {
    const first = chunk.findIndex((byte) => !isBlank(byte));
    if (first === -1) {
      // Enter pressed at the greeting's question with no name: asked again, as a blank line is
      // later. Blank lines still leave the mode open: a program may send some before its `{`.
      for (const byte of chunk) if (byte === LF) this.#askAgain();
      return false;
    }
    const session = this.session;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (chunk[first] !== OPEN_BRACE) {
      // The greeting's "Your name: " is open until a line is typed, whatever comes before it.
      const codec = new TextCodec(session.localHost, true);
      this.#text = { codec, telnet: new TelnetFilter() };
      session.speak("text", (frame) => codec.encode(frame));
      if (!this.#greeted) session.write(encoder.encode(GREETING));
    } else {
      session.speak("json");
      // A program slow to speak got the text greeting: end its open
      // "Your name: " line, or the first frame would be glued to it.
      if (this.#greeted) session.write(encoder.encode("\n"));
    }
    return true;
  }

  /** Handles waiting lines until done, or until the peer must slow down. */
  resume(): void {
    this.#timer = undefined;
    this.#throttled = false;
    const lines = this.#lines;
    while (this.#next < lines.length) {
      if (this.#ended || this.session.closing) return;
      if (!this.#taken) {
        const wait = this.#frames.take(1);
        if (wait > 0) {
          this.#taken = true;
          return this.#throttle(wait);
        }
      }
      this.#taken = false;
      if (!this.#handle(lines[this.#next++]!)) return this.end("too many bad frames");
    }
    this.#lines = NO_LINES;
    this.#next = 0;
    const wait = this.#bytes.take(this.#uncounted);
    this.#uncounted = 0;
    if (wait > 0) return this.#throttle(wait);
    if (this.#socket.isPaused()) this.#socket.resume();
  }

  /** Handles one line; false once the connection sent too many bad frames. */
  #handle(line: LineResult): boolean {
    if (this.#protocol !== undefined) return this.#protocol.line(line);
    const text = this.#text;
    if (text === undefined) return this.#intake.line(line);
    const session = this.session;
    if (!line.ok) {
      session.write(encoder.encode(`!! ${line.message}\r\n`));
      // An unreadable name is refused like an invalid one: ask again.
      const prompt = text.codec.prompt();
      if (prompt !== undefined) session.write(prompt);
      return true;
    }
    const frame = text.codec.input(line.line);
    if (frame !== undefined) this.#intake.deliver(frame);
    else {
      const prompt = text.codec.prompt();
      if (prompt !== undefined) session.write(prompt);
    }
    return true;
  }

  /** A flood is slowed down, not dropped: reading pauses until the bucket refills. */
  #throttle(wait: number): void {
    const now = performance.now();
    if (now - this.#warned > WARN_EVERY_MS) {
      this.#warned = now;
      this.session.send({
        type: "error",
        code: "rate_limited",
        message: "You are sending too fast: your messages are being slowed down",
      });
    }
    this.#socket.pause();
    this.#throttled = true;
    this.#timer = setTimeout(resume, wait, this);
  }

  /**
   * Holds the connection to its deadlines at `now`: a successful `hello` in
   * time, then a sign of life within the heartbeat (pinging it at a third).
   */
  check(now: number): void {
    if (this.#ended || this.session.closing) return;
    const { hub, heartbeatMs, log } = this.#limits;
    const session = this.session;
    const protocol = this.#protocol;
    if (!hub.isNamed(this.member)) {
      // A person on nc sends nothing until the name is typed, and the web page
      // opens its socket before its person has typed one: as long as for text.
      const limit = session.mode === "json" || protocol !== undefined
        ? this.#limits.handshakeMs
        : this.#limits.handshakeMs * 6;
      if (now - this.openedAt <= limit) return;
      const seconds = Math.round(limit / 1000);
      // In the host's words: a person may have left a client at its question for their name.
      log(`${session.remote} closed: no name given within ${seconds} s`);
      if (session.mode === "unknown" && !this.#greeted) {
        // Not even greeted yet: told in text all the same, as a person would be.
        const codec = new TextCodec(session.localHost);
        session.speak("text", (frame) => codec.encode(frame));
      }
      session.send({ type: "bye", reason: noHelloReason(seconds) });
      return this.end("no hello");
    }
    protocol?.tick?.(now);
    // People on nc cannot answer pings; TCP keepalive covers them.
    if ((session.mode === "text" && protocol === undefined) || heartbeatMs <= 0) return;
    if (this.#throttled) {
      // Slowed down, not silent: its lines (and its answer to a ping) wait on
      // the server, so its silence counts from when reading resumes.
      this.#lastHeard = now;
      this.#pinged = false;
      return;
    }
    // A peer reading a replay is alive: its answer to a ping would wait behind the replay.
    const quiet = now - Math.max(this.#lastHeard, session.streamTakenAt);
    // Never dropped unasked: a check come late (a busy server) pings first, and drops at the next.
    if (quiet > heartbeatMs && this.#pinged) {
      log(`${session.remote} timed out after ${Math.round(quiet / 1000)} s of silence`);
      this.end("timed out");
    } else if (quiet > heartbeatMs / 3 && !this.#pinged) {
      this.#pinged = true;
      if (protocol !== undefined) protocol.ping();
      else session.heartbeat();
    }
  }

  /** The session's outbox overflowed: the peer stopped reading. */
  overflowed(): void {
    this.#limits.log(`${this.session.remote} dropped: it stopped reading`);
    this.end("too slow to keep up");
  }

  /** The WebSocket peer closed (its close is answered with `code`), or broke the framing rules. */
  #closedByPeer(code: number, problem: string | undefined): void {
    if (problem !== undefined) this.#limits.log(`${this.session.remote}: ${problem}`);
    if (code === CLOSE_PROTOCOL_ERROR) this.end("connection lost", code, problem);
    else this.end("connection closed", code);
  }

  /**
   * Ends the connection, once: tells the hub `ending` (which its room sees),
   * then closes the session as the reason asks. Whatever is queued still goes
   * out, but a peer that timed out gets its `bye` (an IRC client its `ERROR`)
   * only if it reads it soon, and one too slow gets its backlog and a `bye`
   * only if it reads them soon. `code` and `why` are the
   * WebSocket close code and reason, where there is one.
   */
  end(ending: Ending, code?: number, why?: string): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#lines = NO_LINES;
    this.#protocol?.ended?.(ending);
    this.#limits.hub.close(this.member, ending);
    if (ending === "timed out") this.#timedOut();
    else if (ending === "too slow to keep up") this.session.drop();
    else this.session.close(code, why);
  }

  /**
   * Cuts a peer silent past the heartbeat. It is first told why, in a `bye`
   * that invites it back (an IRC client as IRC servers do,
   * `ERROR :Closing link: Ping timeout: 30 seconds`), but only as a peer too
   * slow is: what waits for it is dropped, and the socket is cut soon whether
   * or not it reads the goodbye.
   */
  #timedOut(): void {
    const seconds = Math.round(this.#limits.heartbeatMs / 1000);
    this.session.drop({ type: "bye", reason: `Ping timeout: ${seconds} seconds`, retry: true });
  }
}
