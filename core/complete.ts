// This module is browser compatible.

/**
 * Tab completion, the same in the terminal and on the page: `/commands` as
 * the first word (`/send` only where the server takes files; an alias only
 * where no command's own name fits), rooms after
 * `/join`, the user's own rooms (or, typed with `@`, private views) after
 * `/part`, their views (`#dev`, `@bob`)
 * and the `@names` of the people they may write to after `/switch`, and
 * paths after `/send` (when the client has files to offer), else the names
 * of the people in the room (`name: ` at the start of a line), and after
 * `/msg` also those of the people known to be connected elsewhere; never
 * the user's own, and never anyone who is gone (names from replayed
 * history, old names).
 *
 * @module
 */

import { COMMAND_NAMES, commandNamed, FILE_COMMANDS } from "./commands.ts";
import type { Conversation } from "./conversation.ts";
import { nameKey } from "./names.ts";

/** Commands whose one argument is a room. */
const ROOM_ONLY: readonly string[] = ["join", "part", "leave"];

/** What {@linkcode completions} can complete from. */
export interface CompletionSources {
  /** Names of the people in the room. */
  names: readonly string[];
  /** Names of the people known to be connected outside the room, offered after `/msg`. */
  elsewhere?: readonly string[];
  /** The user's own name, never offered. */
  me: string;
  /** Room names, offered after `/join`. */
  rooms: readonly string[];
  /** The rooms the user is in, offered after `/part` (and `/leave`). */
  joined?: readonly string[];
  /** The user's views (`#dev`, `@bob`), offered after `/switch`. */
  views?: readonly string[];
  /** Commands the client runs itself, offered after the server's. */
  commands?: readonly string[];
  /** The completions of a path, offered after `/send`: each as the whole path would read. */
  paths?: (typed: string) => readonly string[];
}

/**
 * Lists the completions of the word before `caret`: `/commands` as the first
 * word, rooms after `/join`, the user's rooms after `/part`, their views
 * and `@names` after `/switch`, the path after `/send` (all that follows it, after a
 * quote if one opens it), else names (`name: ` at the start of a line), the
 * people elsewhere too after `/msg`.
 */
export function completions(
  value: string,
  caret: number,
  sources: CompletionSources,
): { start: number; options: string[] } {
  const before = value.slice(0, caret);
  // After `/send`, everything is the path, spaces and all.
  const send = /^\/(\S+)[ \t]+(["']?)/.exec(before);
  if (send !== null && sources.paths && commandNamed(send[1]!)?.name === "send") {
    const start = send[0].length;
    const quote = send[2]!;
    // A quoted path is closed by its quote, not by a space.
    const options = sources.paths(before.slice(start)).map((path) =>
      quote !== "" && path.endsWith(" ") ? `${path.slice(0, -1)}${quote}` : path
    );
    return { start, options };
  }
  const start = before.search(/\S*$/);
  const word = before.slice(start);
  if (word.startsWith("/") && start === 0) {
    const typed = word.slice(1).toLowerCase();
    const matching = [...COMMAND_NAMES, ...sources.commands ?? []].filter((name) =>
      name.startsWith(typed)
    );
    // An alias only where no command's own name fits: `/j` becomes `/join`, not a choice
    // between `/join` and `/j`; `/af` still becomes `/afk`.
    const named = matching.filter((name) => commandNamed(name)?.name === name);
    const options = (named.length > 0 ? named : matching).map((name) => `/${name} `);
    return { start, options };
  }
  const command = /^\/(\S+)\s+$/.exec(before.slice(0, start))?.[1];
  const after = command === undefined ? undefined : commandNamed(command)?.name;
  // A room is the one word these take: no name, nor another room, follows it.
  const first = /^\/(\S+)\s/.exec(before)?.[1];
  const taking = first === undefined ? undefined : commandNamed(first)?.name;
  if (after === undefined && ROOM_ONLY.includes(taking ?? "")) return { start, options: [] };
  // `/part @bob` closes the private messages with bob: the user's private views.
  if ((after === "part" || after === "leave") && word.startsWith("@") && sources.views) {
    const typed = word.toLowerCase();
    const options = sources.views.filter((view) => view.toLowerCase().startsWith(typed))
      .map((view) => `${view} `);
    return { start, options };
  }
  if (after === "join" || ((after === "part" || after === "leave") && sources.joined)) {
    const rooms = after === "join" ? sources.rooms : sources.joined ?? [];
    const typed = (word.startsWith("#") ? word : `#${word}`).toLowerCase();
    const options = rooms.filter((room) => room.startsWith(typed)).map((room) => `${room} `);
    return { start, options };
  }
  if (after === "switch" && sources.views) {
    const typed = word.toLowerCase();
    const bare = /^[#@]/.test(typed) ? undefined : typed;
    // The user's views, then `@name` of whoever else they may begin private messages with.
    const viewed = new Set(sources.views.map((view) => nameKey(view)));
    const people = [...sources.names, ...sources.elsewhere ?? []]
      .filter((name) => nameKey(name) !== nameKey(sources.me) && !viewed.has(nameKey(`@${name}`)))
      .sort((a, b) => a.localeCompare(b, undefined, { sensitivity: "base" }))
      .map((name) => `@${name}`);
    const options = [...sources.views, ...people].filter((view) => {
      const id = view.toLowerCase();
      return id.startsWith(typed) || (bare !== undefined && id.slice(1).startsWith(bare));
    }).map((view) => `${view} `);
    return { start, options };
  }
  const at = word.startsWith("@") ? "@" : "";
  const prefix = nameKey(word.slice(at.length));
  const suffix = start === 0 ? ": " : " ";
  const names = after === "msg" ? [...sources.names, ...sources.elsewhere ?? []] : sources.names;
  const options = names
    .filter((name) => nameKey(name).startsWith(prefix) && nameKey(name) !== nameKey(sources.me))
    .sort((a, b) => a.localeCompare(b, undefined, { sensitivity: "base" }))
    .map((name) => `${at}${name}${suffix}`);
  return { start, options };
}

/**
 * What `conversation` offers to complete: its room's people and those it
 * knows to be connected elsewhere, the rooms, the user's rooms and views,
 * its own commands. Those that need files (`/send`) only where the server
 * takes files: elsewhere they can only be refused, and `/help`, which lists
 * them still, says why.
 */
export function conversationSources(conversation: Conversation): CompletionSources {
  const { roster } = conversation;
  const files = conversation.files.place !== undefined;
  return {
    names: [...roster.members.values()],
    elsewhere: [...roster.elsewhere.values()],
    me: roster.me,
    rooms: roster.roomList().map((room) => room.name),
    joined: roster.joined,
    views: conversation.views.map((view) => view.id),
    commands: conversation.localCommands.filter((name) => files || !FILE_COMMANDS.includes(name)),
  };
}
