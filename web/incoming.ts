// This module is browser compatible.

/**
 * What lines and frames from the server mean for the page beyond its logs: unread, copied, alerted.
 *
 * @module
 */

import type { Line } from "../core/describe.ts";
import { isMention } from "../core/format.ts";
import { nameKey } from "../core/names.ts";
import type { View } from "../core/views.ts";
import type { ServerFrame } from "../protocol.ts";
import type { Alert } from "./alerts.ts";

/** Whether `line` is something someone else said, new: what counts as unread. */
export function fromOthers(line: Line): boolean {
  return (line.kind === "message" || line.kind === "action" || line.kind === "private") &&
    !line.tags?.some((tag) => tag === "own" || tag === "outgoing" || tag === "replay");
}

/**
 * The private messages among `lines`, copied to be shown in the room
 * looked at too, as they belong to no room; they are marked as private
 * already, and their copies as shown elsewhere.
 */
export function privateCopies(lines: readonly Line[]): Line[] {
  return lines.filter((line) => line.kind === "private").map((line): Line => ({
    ...line,
    tags: [...line.tags ?? [], "elsewhere"],
  }));
}

/** Whether `frame` may have changed the server's room list. */
export function changesRooms(frame: ServerFrame): boolean {
  return frame.type === "room" || frame.type === "joined" || frame.type === "left" ||
    frame.type === "parted" || (frame.type === "notice" && frame.room !== undefined);
}

/** A mention or a private message to tell of, as {@linkcode mentionAlert} finds it. */
export interface MentionAlert {
  /** What to tell. */
  alert: Alert;
  /** Whether the user looks at the view it is in. */
  looking: boolean;
}

/**
 * What to tell of `frame` if it names `me` or is a private message to them,
 * with `looked` the view the user looks at; else `undefined`.
 */
export function mentionAlert(
  frame: ServerFrame,
  me: string,
  looked: View | undefined,
): MentionAlert | undefined {
  if ((frame.type !== "message" && frame.type !== "private") || !isMention(frame, me)) {
    return undefined;
  }
  const view = frame.type === "message" ? frame.room : `@${frame.from}`;
  const looking = looked !== undefined &&
    (looked.kind === "room" ? looked.id === view : nameKey(looked.name) === nameKey(frame.from));
  return { alert: { from: frame.from, text: frame.text, view }, looking };
}
