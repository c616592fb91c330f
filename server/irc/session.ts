/**
 * An IRC connection as the hub sees it: a {@linkcode Session} over the
 * connection's TCP session, whose replays are marked where they begin and
 * end, so that the renderer can wrap them in an IRCv3 `batch`.
 *
 * @module
 */

import type { ServerFrame } from "../../protocol.ts";
import type { FrameSource, Session } from "../session.ts";
import type { TcpSession } from "../transports/tcp_session.ts";

/** Where a replay begins or ends, and the room it replays. */
export interface ReplayMark {
  readonly edge: "start" | "end";
  /** The batch's reference, the same at both ends. */
  readonly ref: string;
  /** The room replayed. */
  readonly room: string;
}

// The marks, by the placeholder frame that carries each through the outbox.
const marks = new WeakMap<ServerFrame, ReplayMark>();

/** The replay mark `frame` stands for, if it is one. */
export function replayMark(frame: ServerFrame): ReplayMark | undefined {
  return marks.get(frame);
}

function mark(edge: ReplayMark["edge"], ref: string, room: string): ServerFrame {
  const frame: ServerFrame = { type: "info", text: "" };
  marks.set(frame, { edge, ref, room });
  return frame;
}

let batches = 0;

/** `source`, with a start mark before its first frame and an end mark after its last. */
function marked(source: FrameSource): FrameSource {
  let open: { ref: string; room: string } | undefined;
  let done = false;
  return {
    next() {
      if (done) return undefined;
      const page = source.next();
      if (page === undefined) {
        done = true;
        return open === undefined ? undefined : [mark("end", open.ref, open.room)];
      }
      if (open !== undefined) return page;
      const first = page[0];
      const room = first?.type === "message" ? first.room : "*";
      open = { ref: `r${(++batches).toString(36)}`, room };
      return [mark("start", open.ref, room), ...page];
    },
  };
}

/** Renders frames for one IRC connection. */
export interface FrameEncoder {
  /** `frame` as bytes to send; `undefined` sends nothing. */
  encode(frame: ServerFrame): Uint8Array | undefined;
}

/** The hub's view of one IRC connection. */
export class IrcSession implements Session {
  readonly #tcp: TcpSession;
  readonly #encoder: FrameEncoder;
  /** Always `irc`, as `who` tells. */
  readonly transport = "irc";

  /** Wraps the connection's TCP session, and what renders the frames sent to it. */
  constructor(tcp: TcpSession, encoder: FrameEncoder) {
    this.#tcp = tcp;
    this.#encoder = encoder;
  }

  /** Where the peer connects from, for logs. */
  get remote(): string {
    return this.#tcp.remote;
  }

  /** The peer's IP address. */
  get address(): string {
    return this.#tcp.address;
  }

  /** Whether the connection is closing. */
  get closing(): boolean {
    return this.#tcp.closing;
  }

  send(frame: ServerFrame): void {
    // Straight to the outbox: this runs for every IRC client a room's message reaches.
    const tcp = this.#tcp;
    if (tcp.closing) return;
    const bytes = this.#encoder.encode(frame);
    if (bytes !== undefined) tcp.write(bytes);
  }

  stream(source: FrameSource): void {
    this.#tcp.stream(marked(source));
  }

  close(): void {
    this.#tcp.close();
  }
}
