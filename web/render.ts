/// <reference lib="dom" />
// This module is browser compatible.

/**
 * Turns server frames into the lines of the page's log, with the terminal's
 * wording. Every string from the network is cleaned with `sanitizeText` and
 * inserted as a text node: markup in a message is shown, never parsed.
 *
 * @module
 */

import { clock, isMention, mentionPattern } from "../core/format.ts";
import { colorOf } from "../core/palette.ts";
import type { PostFrame } from "../core/delivery.ts";
import { type ServerFrame } from "../protocol.ts";
import { nameKey } from "../core/names.ts";
import { sanitizeText } from "../core/sanitize.ts";

/** Options for {@linkcode renderFrame}. */
export interface RenderOptions {
  /** The user's own name, for mentions and private messages; `""` before it is known. */
  me: string;
}

type Part = Node | string;

export { isMention };

function isOwn(name: string, me: string): boolean {
  return me !== "" && nameKey(name) === nameKey(me);
}

function text(value: string): Text {
  return document.createTextNode(value);
}

function span(className: string, ...parts: Part[]): HTMLSpanElement {
  const element = document.createElement("span");
  element.className = className;
  for (const part of parts) element.appendChild(typeof part === "string" ? text(part) : part);
  return element;
}

/** A name in its palette colour; the user's own name also gets the class `self`. */
export function nameSpan(name: string, me: string, className = "name"): HTMLSpanElement {
  const element = span(className, sanitizeText(name));
  element.style.setProperty("--name-color", colorOf(name).css);
  if (isOwn(name, me)) element.classList.add("self");
  return element;
}

function timeSpan(ts: number): HTMLSpanElement {
  const element = span("time", `[${clock(ts)}]`);
  element.title = new Date(ts).toLocaleString();
  return element;
}

/** Splits cleaned `value` into text and `<mark>`s around each mention of `me`. */
function highlighted(value: string, me: string): Part[] {
  if (me === "") return [value];
  const parts: Part[] = [];
  let last = 0;
  for (const match of value.matchAll(mentionPattern(sanitizeText(me)))) {
    const start = match.index ?? 0;
    if (start > last) parts.push(value.slice(last, start));
    const mark = document.createElement("mark");
    mark.className = "mention";
    mark.appendChild(text(match[0]));
    parts.push(mark);
    last = start + match[0].length;
  }
  if (last < value.length) parts.push(value.slice(last));
  return parts;
}

/** Builds one `.line` element of the given kinds from text and nodes. */
export function line(kinds: string[], ...parts: Part[]): HTMLDivElement {
  const element = document.createElement("div");
  element.classList.add("line", ...kinds);
  for (const part of parts) element.appendChild(typeof part === "string" ? text(part) : part);
  return element;
}

/** A notice line (`notice`), stamped `ts` or now. */
export function noticeLine(parts: Part[], ts: number = Date.now()): HTMLDivElement {
  return line(["notice"], timeSpan(ts), " ", span("text", ...parts));
}

/** An error line (`error`), stamped now. */
export function errorLine(message: string): HTMLDivElement {
  return line(["error"], timeSpan(Date.now()), " ", span("text", sanitizeText(message)));
}

/**
 * A line the user sent that the server has not answered yet: greyed (class
 * `pending` alone, so it never counts as a message), "sending…" where the
 * time will be, and the rest as the message will read.
 */
export function pendingLine(post: PostFrame, me: string): HTMLDivElement {
  const body = span("text", sanitizeText(post.text));
  const status = span("time status", "sending…");
  return post.type === "me"
    ? line(["pending"], status, " ", span("star", "*"), " ", nameSpan(me, me), " ", body)
    : post.type === "msg"
    ? line(
      ["pending"],
      status,
      " ",
      span("tag", "private"),
      " ",
      nameSpan(me, me),
      " → ",
      nameSpan(post.to.replace(/^@/, ""), me, "peer"),
      ": ",
      body,
    )
    : line(["pending"], status, " ", nameSpan(me, me), ": ", body);
}

function people(members: string[], count: number, me: string): Part[] {
  const parts: Part[] = [`${count} ${count === 1 ? "person" : "people"} here: `];
  members.forEach((name, index) => {
    if (index > 0) parts.push(", ");
    parts.push(nameSpan(name, me, "nick"));
  });
  if (count > members.length) parts.push(` and ${count - members.length} more`);
  return parts;
}

function room(name: string): HTMLSpanElement {
  return span("room", sanitizeText(name));
}

/**
 * Turns one server frame into the lines to show, or none.
 *
 * @example
 * ```ts
 * const [element] = renderFrame(
 *   { type: "message", id: 1, ts: Date.now(), room: "#lobby", from: "ann", text: "hi" },
 *   { me: "bob" },
 * );
 * element?.textContent; // "[12:00:00] ann: hi"
 * ```
 */
export function renderFrame(frame: ServerFrame, options: RenderOptions): HTMLElement[] {
  const { me } = options;
  const safe = sanitizeText;
  switch (frame.type) {
    case "message": {
      const own = isOwn(frame.from, me);
      const kinds = [frame.action ? "action" : "message"];
      if (frame.replay) kinds.push("replay");
      if (own) kinds.push("own");
      if (isMention(frame, me)) kinds.push("mentioned");
      const body = span("text", ...(own ? [safe(frame.text)] : highlighted(safe(frame.text), me)));
      const element = frame.action
        ? line(
          kinds,
          timeSpan(frame.ts),
          " ",
          span("star", "*"),
          " ",
          nameSpan(frame.from, me),
          " ",
          body,
        )
        : line(kinds, timeSpan(frame.ts), " ", nameSpan(frame.from, me), ": ", body);
      element.dataset.id = String(frame.id);
      return [element];
    }
    case "private": {
      const outgoing = isOwn(frame.from, me);
      const kinds = ["private", outgoing ? "outgoing" : "incoming"];
      if (frame.action) kinds.push("action");
      const tag = span("tag", "private");
      const from = nameSpan(frame.from, me);
      const to = nameSpan(frame.to, me, "peer");
      const body = span("text", safe(frame.text));
      const element = frame.action
        ? line(
          kinds,
          timeSpan(frame.ts),
          " ",
          tag,
          " ",
          span("star", "*"),
          " ",
          from,
          " ",
          body,
          " → ",
          to,
        )
        : line(kinds, timeSpan(frame.ts), " ", tag, " ", from, " → ", to, ": ", body);
      element.dataset.id = String(frame.id);
      return [element];
    }
    case "joined":
      return [
        noticeLine([nameSpan(frame.name, me, "nick"), " joined ", room(frame.room)], frame.ts),
      ];
    case "left": {
      const why = frame.reason === undefined ? "" : ` (${safe(frame.reason)})`;
      return [
        noticeLine([nameSpan(frame.name, me, "nick"), " left ", room(frame.room), why], frame.ts),
      ];
    }
    case "renamed":
      return [
        noticeLine(
          [nameSpan(frame.from, me, "nick"), " is now ", nameSpan(frame.to, me, "nick")],
          frame.ts,
        ),
      ];
    case "welcome":
      return [
        noticeLine([
          `Connected to ${safe(frame.server)} as `,
          nameSpan(frame.name, frame.name, "nick"),
          ". Type /help for commands",
        ]),
      ];
    case "room": {
      const element = noticeLine([
        "You are in ",
        room(frame.room),
        ". ",
        ...people(frame.members, frame.count, me),
      ]);
      element.classList.add("room-change");
      return [element];
    }
    case "who":
      return [noticeLine([room(frame.room), ": ", ...people(frame.members, frame.count, me)])];
    case "rooms": {
      const parts: Part[] = ["Rooms: "];
      frame.rooms.forEach((entry, index) => {
        if (index > 0) parts.push(", ");
        parts.push(room(entry.name), ` (${entry.members})`);
      });
      return [noticeLine(parts)];
    }
    case "help":
      return [
        noticeLine(["Commands:"]),
        ...frame.commands.map((command) => {
          const element = noticeLine([
            span("usage", safe(command.usage)),
            " ",
            span("description", safe(command.description)),
          ]);
          element.classList.add("help");
          return element;
        }),
      ];
    case "info":
      return [noticeLine([safe(frame.text)])];
    case "error":
      return [errorLine(frame.message)];
    case "bye":
      return [noticeLine([`Disconnected: ${safe(frame.reason)}`])];
    case "ping":
    case "pong":
      return [];
    default: {
      const unhandled: never = frame;
      throw new TypeError(`Cannot render frame ${JSON.stringify(unhandled)}`);
    }
  }
}
