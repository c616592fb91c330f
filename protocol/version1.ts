// This module is browser compatible.

/**
 * What a client of protocol version 1 receives of a newer frame.
 *
 * @module
 */

import type { FileRef, ServerFrame } from "./frames.ts";

// One copy of each message (or arrival) for every receiver of version 1, so it is encoded once.
const asVersion1 = new WeakMap<ServerFrame, ServerFrame>();

/**
 * `frame` as a client of version 1 receives it: a `message` or `private`
 * whose text holds line breaks, with each LF one space (what version 1
 * cleaning makes of a line break); a shared file as the text
 * `shared NAME (SIZE): LINK`, the link made by `link` for this receiver; a
 * `joined` without how the newcomer is. Any other frame is returned as it
 * is; the copy is made once, however many receivers get it, except for a
 * file's, whose link is each receiver's own.
 */
export function forVersion1(
  frame: ServerFrame,
  link?: (file: FileRef) => string | undefined,
): ServerFrame {
  if (frame.type === "joined") {
    if (frame.client === undefined) return frame;
    let copy = asVersion1.get(frame);
    if (copy === undefined) {
      const { type, ts, room, name } = frame;
      copy = { type, ts, room, name };
      asVersion1.set(frame, copy);
    }
    return copy;
  }
  if (frame.type !== "message" && frame.type !== "private") return frame;
  if (frame.file !== undefined) {
    const where = link?.(frame.file);
    const { file: _, ...rest } = frame;
    return { ...rest, text: `shared ${frame.text}${where === undefined ? "" : `: ${where}`}` };
  }
  let copy = asVersion1.get(frame);
  if (copy === undefined) {
    copy = frame.text.includes("\n") ? { ...frame, text: frame.text.replaceAll("\n", " ") } : frame;
    asVersion1.set(frame, copy);
  }
  return copy;
}
