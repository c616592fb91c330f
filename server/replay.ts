/**
 * Replays of a room's stored messages, read a page at a time as the peer
 * takes them (see `Session.stream`), so that a long catch-up or a
 * large `/history` costs the event loop one small query per page, and the
 * peer's outbox one page.
 *
 * @module
 */

import type { ServerFrame } from "../protocol.ts";
import type { HistoryStore } from "./history/store.ts";
import type { FrameSource } from "./session.ts";

/** Messages read from the store at a time. */
const PAGE = 16;

/**
 * The messages of `room` with ids above `after` and at most `until`, the
 * first `limit` of them, oldest first, each marked `replay`. Messages posted
 * once the replay has begun (ids above `until`) reach the peer live instead.
 */
export function replay(
  history: HistoryStore,
  room: string,
  range: { after: number; until: number; limit: number },
): FrameSource {
  let after = range.after;
  let left = range.limit;
  return {
    next() {
      if (left <= 0) return undefined;
      const frames: ServerFrame[] = [];
      for (const message of history.since(room, after, Math.min(PAGE, left))) {
        if (message.id > range.until) break;
        frames.push({ ...message, replay: true });
        after = message.id;
      }
      left = frames.length === 0 ? 0 : left - frames.length;
      return frames.length === 0 ? undefined : frames;
    },
  };
}
