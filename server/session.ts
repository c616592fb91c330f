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
   * Queues a frame for the peer. The same frame object may be passed to many
   * sessions; a transport may cache its encoding but must not modify it.
   */
  send(frame: ServerFrame): void;
  /** Sends what is queued, then closes the transport. Safe to call twice. */
  close(): void;
}
