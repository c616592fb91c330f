/**
 * Turns server frames into the lines a terminal shows. Pure: no I/O, so the
 * tests call it directly. Every string from the network is sanitised here,
 * the one place text from others reaches the screen.
 *
 * @module
 */

import { styleText } from "node:util";
import { clock, isMention, mentionPattern } from "../core/format.ts";
import { colorOf } from "../core/palette.ts";
import { type ServerFrame } from "../protocol.ts";
import { nameKey } from "../core/names.ts";
import { sanitizeText } from "../core/sanitize.ts";

/** Options for {@linkcode renderFrame}. */
export interface RenderOptions {
  /** The user's own name, for mentions and private messages. */
  me: string;
  /** Whether to emit colours and styles. */
  color: boolean;
}

type Style = Parameters<typeof styleText>[0];

function style(format: Style, text: string, color: boolean): string {
  return color ? styleText(format, text, { validateStream: false }) : text;
}

export { clock, isMention };

/** Paints `name` in its palette colour (xterm 256 colours: `styleText` has no such format). */
export function paintName(name: string, color: boolean): string {
  const safe = sanitizeText(name);
  return color ? `\x1b[1;38;5;${colorOf(name).ansi}m${safe}\x1b[22;39m` : safe;
}

function highlight(text: string, me: string, color: boolean): string {
  if (!color) return text;
  return text.replace(
    mentionPattern(sanitizeText(me)),
    (match) => style(["bold", "inverse"], match, true),
  );
}

function notice(text: string, color: boolean): string {
  return style("dim", `-- ${text}`, color);
}

/**
 * Turns one server frame into the lines to print, or none.
 *
 * @example
 * ```ts
 * renderFrame(
 *   { type: "message", id: 1, ts: Date.now(), room: "#lobby", from: "ann", text: "hi" },
 *   { me: "bob", color: false },
 * ); // ["[12:00:00] ann: hi"]
 * ```
 */
export function renderFrame(frame: ServerFrame, options: RenderOptions): string[] {
  const { me, color } = options;
  const safe = sanitizeText;
  switch (frame.type) {
    case "message": {
      const time = style("dim", `[${clock(frame.ts)}]`, color);
      const from = paintName(frame.from, color);
      const own = nameKey(frame.from) === nameKey(me);
      const text = own ? safe(frame.text) : highlight(safe(frame.text), me, color);
      return [frame.action ? `${time} * ${from} ${text}` : `${time} ${from}: ${text}`];
    }
    case "private": {
      const time = style("dim", `[${clock(frame.ts)}]`, color);
      const label = style("magenta", "[private]", color);
      const outgoing = nameKey(frame.from) === nameKey(me);
      const who = outgoing
        ? `you → ${paintName(frame.to, color)}`
        : `${paintName(frame.from, color)} → you`;
      return [`${time} ${label} ${who}: ${safe(frame.text)}`];
    }
    case "joined":
      return [notice(`[${clock(frame.ts)}] ${safe(frame.name)} joined ${safe(frame.room)}`, color)];
    case "left": {
      const why = frame.reason === undefined ? "" : ` (${safe(frame.reason)})`;
      return [
        notice(`[${clock(frame.ts)}] ${safe(frame.name)} left ${safe(frame.room)}${why}`, color),
      ];
    }
    case "renamed":
      return [notice(`[${clock(frame.ts)}] ${safe(frame.from)} is now ${safe(frame.to)}`, color)];
    case "welcome":
      return [
        notice(
          `Connected to ${safe(frame.server)} as ${safe(frame.name)}. Type /help for commands`,
          color,
        ),
      ];
    case "room":
      return [
        notice(`You are in ${safe(frame.room)}. ${people(frame.members, frame.count)}`, color),
      ];
    case "who":
      return [notice(`${safe(frame.room)}: ${people(frame.members, frame.count)}`, color)];
    case "rooms":
      return [
        notice(
          `Rooms: ${frame.rooms.map((room) => `${safe(room.name)} (${room.members})`).join(", ")}`,
          color,
        ),
      ];
    case "help": {
      const width = Math.max(...frame.commands.map((command) => safe(command.usage).length));
      return [
        notice("Commands:", color),
        ...frame.commands.map((command) =>
          notice(`  ${safe(command.usage).padEnd(width)}  ${safe(command.description)}`, color)
        ),
      ];
    }
    case "info":
      return [notice(safe(frame.text), color)];
    case "error":
      return [style("red", `!! ${safe(frame.message)}`, color)];
    case "bye":
      return [notice(`Disconnected: ${safe(frame.reason)}`, color)];
    case "ping":
    case "pong":
      return [];
    default: {
      const unhandled: never = frame;
      throw new TypeError(`Cannot render frame ${JSON.stringify(unhandled)}`);
    }
  }
}

function people(members: string[], count: number): string {
  const listed = members.map(sanitizeText).join(", ");
  const more = count > members.length ? ` and ${count - members.length} more` : "";
  return `${count} ${count === 1 ? "person" : "people"} here: ${listed}${more}`;
}
