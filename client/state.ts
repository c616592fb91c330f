/**
 * What the terminal client knows about the conversation: who it is, where it
 * is, who is there, and what it has seen, so it can come back after a drop.
 *
 * @module
 */

import { COMMAND_NAMES } from "../core/commands.ts";
import { LOBBY, type ServerFrame } from "../protocol.ts";
import { nameKey } from "../core/names.ts";
import { isMention } from "./render.ts";
import type { Completer } from "./terminal.ts";

/** When the client rings the terminal bell. */
export type BellMode = "on" | "off" | "mentions";

/** Lines `/help` adds for the commands the client handles itself. */
export const LOCAL_HELP = [
  "  /bell on|off|mentions  when to ring the terminal bell (now: {bell})",
];

/** Everything the client knows about the conversation, across reconnects. */
export class ClientState {
  me = "";
  room = LOBBY;
  bell: BellMode = "mentions";
  /** Names in the current room, by case-folded key. */
  readonly members = new Map<string, string>();
  /** The highest message id seen in the current room, to ask for what came after. */
  lastId: number | undefined;
  /** The secret from the last `welcome`, to take the name back after a drop. */
  resume: string | undefined;
  /** Seconds of silence after which the server counts a client as gone. */
  heartbeat = 30;
  quitting = false;
  /** The last `bye`, if the server said goodbye. */
  bye: { reason: string; retry: boolean } | undefined;

  complete: Completer = (line) => {
    const word = line.slice(line.lastIndexOf(" ") + 1);
    if (word.startsWith("/") && word === line) {
      const commands = [...COMMAND_NAMES, "bell"].map((name) => `/${name} `);
      const hits = commands.filter((command) => command.startsWith(word.toLowerCase()));
      return [hits, word];
    }
    const prefix = nameKey(word.replace(/^@/, ""));
    const at = word.startsWith("@") ? "@" : "";
    const suffix = word === line ? ": " : " ";
    const hits = [...this.members.values()]
      .filter((name) => nameKey(name).startsWith(prefix) && nameKey(name) !== nameKey(this.me))
      .sort()
      .map((name) => `${at}${name}${suffix}`);
    return [hits, word];
  };

  /** Updates names and room from a frame. */
  track(frame: ServerFrame): void {
    switch (frame.type) {
      case "welcome":
        this.me = frame.name;
        this.resume = frame.resume;
        if (frame.heartbeat !== undefined && frame.heartbeat > 0) this.heartbeat = frame.heartbeat;
        break;
      case "room":
        // Every message of this room from now on is new to us; the replay follows.
        if (frame.room !== this.room || this.lastId === undefined) this.lastId = 0;
        this.room = frame.room;
        this.members.clear();
        for (const name of frame.members) this.members.set(nameKey(name), name);
        break;
      case "who":
        if (frame.room !== this.room) break;
        for (const name of frame.members) this.members.set(nameKey(name), name);
        break;
      case "joined":
        if (frame.room === this.room) this.members.set(nameKey(frame.name), frame.name);
        break;
      case "left":
        if (frame.room === this.room) this.members.delete(nameKey(frame.name));
        break;
      case "renamed":
        if (frame.room === this.room) {
          this.members.delete(nameKey(frame.from));
          this.members.set(nameKey(frame.to), frame.to);
        }
        if (nameKey(frame.from) === nameKey(this.me)) this.me = frame.to;
        break;
      case "message":
        if (frame.room !== this.room) break;
        this.members.set(nameKey(frame.from), frame.from);
        this.lastId = Math.max(this.lastId ?? 0, frame.id);
        break;
      case "bye":
        this.bye = { reason: frame.reason, retry: frame.retry === true };
        break;
      default:
        break;
    }
  }

  /** Whether `frame` should ring the bell under the current mode. */
  rings(frame: ServerFrame): boolean {
    if (this.bell === "off") return false;
    if (this.bell === "on" && frame.type === "message" && !frame.replay) {
      return nameKey(frame.from) !== nameKey(this.me);
    }
    return isMention(frame, this.me);
  }
}
