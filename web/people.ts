// This module is browser compatible.

/**
 * What the page knows of the people it shows and of its rooms, beyond their
 * names: who is away (and why), when each last said or typed something, on
 * which client, who is an operator (from `who.people` and `joined`, kept
 * fresh by `away`, `back`, `renamed` and messages); and each room's topic
 * and lock (from `room`, `topic` and `rooms`). Also how the sidebar words
 * it. Times are the server's clock, which the browser's may differ from:
 * idle is counted on the server's. No DOM.
 *
 * @module
 */

import type { Person, ServerFrame } from "../protocol.ts";
import { IDLE_SHOWN_MS, idleFor } from "../core/describe.ts";
import { formatSpan } from "../core/duration.ts";
import { nameKey } from "../core/names.ts";
import { ServerClock } from "../core/presence.ts";
import { sanitizeText } from "../core/sanitize.ts";

/** People remembered at most: the oldest heard of go first. */
const PEOPLE_REMEMBERED = 2048;

/** A room's topic and lock. */
export interface RoomAbout {
  /** Its topic, if it has one. */
  topic?: string;
  /** Whether only operators may enter it. */
  locked: boolean;
}

/** What a frame changed of {@linkcode People}. */
export interface PeopleChanges {
  /** How someone is (away, active, client, operator). */
  people: boolean;
  /** The topic or lock of this room. */
  room?: string;
  /** The topics or locks of any rooms. */
  rooms?: boolean;
  /** Someone new is in this room, and the server did not say how they are: ask `who`. */
  ask?: string;
}

/** How one person is, as the page last heard: a {@linkcode Person} whose fields may be unknown. */
export type Known = Partial<Omit<Person, "name">>;

/** The people and rooms as the page knows them, kept from the server's frames. */
export class People {
  /** By {@linkcode nameKey}, the least recently heard of first. */
  readonly #people = new Map<string, Known>();
  readonly #rooms = new Map<string, RoomAbout>();
  readonly #clock = new ServerClock();

  /** The server's clock when the browser's reads `now`. */
  serverNow(now: number): number {
    return this.#clock.now(now);
  }

  /** How `name` is, if the page heard. */
  about(name: string): Known | undefined {
    return this.#people.get(nameKey(name));
  }

  /** The topic and lock of `room`, as far as the page heard. */
  room(room: string): RoomAbout {
    return this.#rooms.get(room) ?? { locked: false };
  }

  /** Learns from `frame`, which arrived at `arrived` (the browser's clock), and says what changed. */
  take(frame: ServerFrame, arrived: number): PeopleChanges {
    this.#clock.heard(frame, arrived);
    const now = this.serverNow(arrived);
    switch (frame.type) {
      case "who":
        for (const person of frame.people ?? []) {
          const { name: _, ...known } = person;
          this.#set(person.name, known);
        }
        return { people: frame.people !== undefined };
      case "away": {
        const reason = frame.reason === undefined ? {} : { reason: frame.reason };
        this.#update(frame.name, { away: { since: frame.ts, ...reason } });
        return { people: true };
      }
      case "back": {
        const { away: _, ...known } = this.#people.get(nameKey(frame.name)) ?? {};
        this.#set(frame.name, { ...known, active: frame.ts });
        return { people: true };
      }
      case "renamed": {
        const known = this.#people.get(nameKey(frame.from));
        if (known === undefined) return { people: false };
        this.#people.delete(nameKey(frame.from));
        this.#set(frame.to, known);
        return { people: true };
      }
      case "joined": {
        // A server of version 2 says how they are, so that they are listed right at once.
        const { type: _, ts: _ts, room, name, ...known } = frame;
        if (known.client === undefined) return { people: false, ask: room };
        this.#set(name, known);
        return { people: true };
      }
      case "left":
        // Gone to another room, or out of this one, they are still about; else they are gone.
        if (!frame.reason?.startsWith("went to ") && frame.reason !== "parted") {
          this.#people.delete(nameKey(frame.name));
        }
        return { people: false };
      case "message":
      case "private":
        if (frame.type === "message" && frame.replay) return { people: false };
        return { people: this.#active(frame.from, frame.ts, now) };
      case "typing":
        return { people: this.#active(frame.name, now, now) };
      case "room":
        this.#about(frame.room, frame.topic, frame.locked === true);
        return { people: false, room: frame.room };
      case "topic":
        this.#about(frame.room, frame.topic, this.room(frame.room).locked);
        return { people: false, room: frame.room };
      case "rooms":
        for (const entry of frame.rooms) {
          this.#about(entry.name, entry.topic, entry.locked === true);
        }
        return { people: false, rooms: true };
      default:
        return { people: false };
    }
  }

  /** Sets what is known of `name`, as the most recently heard of. */
  #set(name: string, known: Known): void {
    const key = nameKey(name);
    this.#people.delete(key);
    this.#people.set(key, known);
    if (this.#people.size > PEOPLE_REMEMBERED) {
      this.#people.delete(this.#people.keys().next().value!);
    }
  }

  /** Changes some of what is known of `name`. */
  #update(name: string, change: Known): void {
    this.#set(name, { ...this.#people.get(nameKey(name)), ...change });
  }

  /** `name` said or typed something at `active`; returns whether they showed as idle at `now`. */
  #active(name: string, active: number, now: number): boolean {
    const before = this.#people.get(nameKey(name))?.active;
    if (before !== undefined && before >= active) return false;
    this.#update(name, { active });
    return before !== undefined && now - before > IDLE_SHOWN_MS;
  }

  #about(room: string, topic: string | undefined, locked: boolean): void {
    this.#rooms.set(room, topic === undefined || topic === "" ? { locked } : { topic, locked });
  }
}

/** How the sidebar shows one person: marks and a dimmed status. */
export interface Shown {
  /** `away`, `away: lunch` or `away 5 min: lunch`, or `idle 12 min`, or nothing. */
  status?: string;
  /** Whether they are away. */
  away: boolean;
  /** The client's short label (`terminal`, `web`, `irc`, `nc`, `json`) and what it means. */
  client?: { label: string; title: string };
  /** Whether they are an operator. */
  op: boolean;
  /** Whether the user ignores them (`/ignore`). */
  ignored?: boolean;
}

/** The clients the page names, by `who.people.client`. */
const CLIENTS: Readonly<Record<string, { label: string; title: string }>> = {
  terminal: { label: "terminal", title: "in the terminal (chat join)" },
  web: { label: "web", title: "on the web page" },
  text: { label: "nc", title: "in plain text (nc or telnet)" },
  irc: { label: "irc", title: "in an IRC client (irssi, WeeChat, HexChat)" },
  json: { label: "json", title: "a program speaking JSON" },
  websocket: { label: "ws", title: "a program on the WebSocket" },
};

/** How `known` shows at `now`: away for how long with its reason, else idle since when if over 5 min. */
export function shown(known: Known | undefined, now: number): Shown {
  const result: Shown = { away: known?.away !== undefined, op: known?.op === true };
  if (known?.client !== undefined) {
    const client = sanitizeText(known.client);
    result.client = CLIENTS[client] ?? { label: client, title: `on ${client}` };
  }
  if (known?.away !== undefined) {
    const reason = known.away.reason === undefined ? "" : sanitizeText(known.away.reason);
    // For how long, to the minute, as idle is: `away 5 min: lunch`; `away` in the first minute.
    const long = now - known.away.since;
    const since = long >= 60_000 ? ` ${formatSpan(Math.floor(long / 60_000) * 60_000)}` : "";
    result.status = `away${since}${reason === "" ? "" : `: ${reason}`}`;
  } else if (known?.active !== undefined && now - known.active > IDLE_SHOWN_MS) {
    result.status = idleFor(now - known.active);
  }
  return result;
}
