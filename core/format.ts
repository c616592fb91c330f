// This module is browser compatible.

/**
 * How both clients, the terminal and the page, show time and find mentions,
 * so they agree on what rings a bell and what is highlighted.
 *
 * @module
 */

import { type ServerFrame } from "../protocol.ts";
import { nameKey } from "./names.ts";
import { sanitizeText } from "./sanitize.ts";

/** Formats a timestamp as local `HH:MM:SS`. */
export function clock(ts: number): string {
  const date = new Date(ts);
  return [date.getHours(), date.getMinutes(), date.getSeconds()]
    .map((part) => String(part).padStart(2, "0"))
    .join(":");
}

// With the `u` flag, escaping anything but syntax characters is an error: `\-` throws.
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Matches `me` as a whole word, optionally after `@`, ignoring case. */
export function mentionPattern(me: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}_])@?${escapeRegExp(me)}(?![\\p{L}\\p{N}_])`, "giu");
}

/** Reports whether `frame` is someone else's live message that names `me`, or a private message to `me`. */
export function isMention(frame: ServerFrame, me: string): boolean {
  if (me === "") return false;
  if (frame.type === "private") return nameKey(frame.from) !== nameKey(me);
  if (frame.type !== "message" || frame.replay) return false;
  if (nameKey(frame.from) === nameKey(me)) return false;
  // Match the text as it is shown, so the bell rings exactly when the name is highlighted.
  return mentionPattern(sanitizeText(me)).test(sanitizeText(frame.text));
}
