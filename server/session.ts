/**
 * What the hub needs from a connected peer, whatever its transport.
 *
 * @module
 */

import type { ServerFrame } from "../protocol.ts";

/** One connected peer as the hub sees it. Transports implement it. */
export interface Session {
  /** Where the peer connects from, for logs (`192.168.1.7:50312`). */
  readonly remote: string;
  /** The peer's IP address alone, for per-address limits. */
  readonly address: string;
  /**
   * How the peer speaks, as `who` tells it when its `hello` does not say:
   * `json`, `websocket` (the page) or `text` (nc, telnet). @default {"json"}
   */
  readonly transport?: string;
  /**
   * Whether the peer reads the server's log as it is written, as the host's
   * console does: an operator's act the log tells is not told it again.
   * @default {false}
   */
  readonly readsLog?: boolean;
  /** Whether the session is closing: nothing more reaches the peer. @default {false} */
  readonly closing?: boolean;
  /**
   * Queues a frame for the peer. The same frame object may be passed to many
   * sessions; a transport may cache its encoding but must not modify it.
   */
  send(frame: ServerFrame): void;
  /**
   * Sends the frames `source` gives, in order, as fast as the peer reads
   * them: the source is asked for its next page only once the peer has taken
   * most of the last one, so a long replay never counts as a peer too slow to
   * keep up. Frames passed to `send` meanwhile follow the whole stream.
   */
  stream(source: FrameSource): void;
  /** Sends what is queued, then closes the transport. Safe to call twice. */
  close(): void;
}

/** Frames produced a page at a time, for {@linkcode Session.stream}. */
export interface FrameSource {
  /** The next frames, never an empty page; `undefined` once there are no more. */
  next(): ServerFrame[] | undefined;
}

/** A source of frames that are already at hand. */
export function framesOf(frames: readonly ServerFrame[], pageSize = 32): FrameSource {
  let at = 0;
  return {
    next() {
      if (at >= frames.length) return undefined;
      const page = frames.slice(at, at + pageSize);
      at += page.length;
      return page;
    },
  };
}
