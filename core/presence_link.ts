// This module is browser compatible.

/**
 * Presence between a conversation and its server (core/conversation.ts), on
 * core/presence_state.ts: the `typing`, `away` and `back` the client sends
 * by itself, and none once an older server said it knows no such frame;
 * where a draft is being typed; who is shown typing as frames come, and no
 * longer once their message does. Pure: no I/O and no timers.
 *
 * @module
 */

import { type ClientFrame, PROTOCOL_VERSION, type ServerFrame } from "../protocol.ts";
import { type Effect, sends } from "./effects.ts";
import type { Handshake } from "./handshake.ts";
import { type Changes, noChanges, type Roster, stillConnected } from "./roster.ts";
import { type Presence, privateViewId, type TypingPlace } from "./presence_state.ts";
import type { View } from "./views.ts";

/** Where the user is, for {@linkcode PresenceLink}. */
export interface PresencePlace {
  /** Who and where the user is. */
  roster: Roster;
  /** The connection, with the protocol version spoken. */
  handshake: Handshake;
  /** The room a `/join` typed just before is entering, where what is typed now goes. */
  entering(): string | undefined;
  /**
   * The view what is typed now goes to: the one looked at, or the one
   * looked at once a room a `/part` is leaving is left.
   */
  view(): View | undefined;
}

/** How the server's refusal of a `typing` in a room the user is not in begins. */
const TYPING_REFUSED = "Cannot type in ";

/** The presence a conversation sends to its server, and the typing it hears from it. */
export class PresenceLink {
  readonly #presence: Presence;
  readonly #place: PresencePlace;
  /** Whether this connection carried a `typing`, `away` or `back` the client sent by itself. */
  #sent = false;
  /** Whether the server, an older one, answered one with `unknown_type`: none go any more. */
  #unknown = false;

  /** Links `presence` to the server, for the user at `place`. */
  constructor(presence: Presence, place: PresencePlace) {
    this.#presence = presence;
    this.#place = place;
  }

  /** Sends `frames`, which the client sends by itself, unless the server knows none. */
  send(frames: readonly ClientFrame[]): Effect[] {
    if (this.#unknown || frames.length === 0) return [];
    this.#sent = true;
    return sends(frames);
  }

  /**
   * The user changed their draft at `now` and it reads `draft`: they are
   * back from an automatic away, and typing where the draft goes.
   */
  keystroke(now: number, draft: string): Effect[] {
    const back = this.#presence.input(now);
    const place = this.#typingPlace(draft);
    const frame = place === undefined ? undefined : this.#presence.keystroke(now, place);
    return this.send(frame === undefined ? back : [...back, frame]);
  }

  /** Lets "is typing" run out at `now`. */
  expire(now: number): Effect[] {
    return this.#presence.expire(now) ? [typingChanged()] : [];
  }

  /** Goes away when the user has been idle long enough at `now`, if the server can be told. */
  idle(now: number): Effect[] {
    return this.#unknown ? [] : this.send(this.#presence.idle(now));
  }

  /**
   * Whether `frame` refuses presence the client sent by itself, which is not
   * shown: the server knows no presence (then none is sent any more), or
   * the user was typing in a room they had just left (or been sent out of).
   */
  refused(frame: ServerFrame): boolean {
    if (frame.type !== "error" || frame.cid !== undefined || !this.#sent) return false;
    if (frame.code === "not_in_room") return frame.message.startsWith(TYPING_REFUSED);
    // An older server knows no presence: stop before its errors add up to a disconnection.
    if (frame.code !== "unknown_type") return false;
    this.#unknown = true;
    return true;
  }

  /** Someone typing in `room`, or to the user: shown in that view for a while. */
  heardTyping(name: string, room: string | undefined, now: number): Effect[] {
    if (this.#place.roster.isMe(name)) return [];
    const view = room === undefined ? privateViewId(name) : room;
    return this.#presence.heard(view, name, now) ? [typingChanged()] : [];
  }

  /**
   * A message from someone shown typing: they are no longer. Nor when they
   * left the room (the chat, unless they are still connected), or took
   * another name: no message will end it.
   */
  stoppedTyping(frame: ServerFrame): Effect[] {
    const stopped = frame.type === "message" && !frame.replay
      ? this.#presence.said(frame.room, frame.from)
      : frame.type === "private" && !this.#place.roster.isMe(frame.from)
      ? this.#presence.said(privateViewId(frame.from), frame.from)
      : frame.type === "left"
      ? this.#presence.gone(frame.name, stillConnected(frame.reason) ? frame.room : undefined)
      : frame.type === "renamed"
      ? this.#presence.gone(frame.from)
      : false;
    return stopped ? [typingChanged()] : [];
  }

  /** The connection ended: nobody is shown typing, and the next server may know presence. */
  closed(): void {
    this.#presence.forgetTyping(Number.NEGATIVE_INFINITY);
    this.#sent = this.#unknown = false;
  }

  /** Where `draft` is being typed, if it is a message: the view looked at, or a `/msg`'s person. */
  #typingPlace(draft: string): TypingPlace | undefined {
    const { roster, handshake } = this.#place;
    // A server of version 1 knows no `typing`.
    if (handshake.version === PROTOCOL_VERSION || !roster.many) return undefined;
    const text = draft.trimStart();
    if (text === "") return undefined;
    if (text.startsWith("/") && !text.startsWith("//")) {
      const to = /^\/(?:msg|m|tell)\s+@?(\S+)\s+\S/i.exec(text)?.[1];
      // Nobody writes to themselves: no such line goes.
      if (to !== undefined) return roster.isMe(to) ? undefined : { to };
      if (!/^\/(?:me|code)\s/i.test(text)) return undefined;
    }
    const view = this.#place.view();
    if (view?.kind === "private") return { to: view.name };
    // Typed while a `/join` is on its way, the line goes to a room the user may not be let
    // into: nobody is told of it until they are (in the room looked at, it would mislead).
    if (this.#place.entering() !== undefined) return undefined;
    return { room: view?.id ?? roster.room };
  }
}

/** Who is typing changed: redraw what shows it. */
function typingChanged(): Effect {
  const changes: Changes = { ...noChanges(), typing: true };
  return { type: "changed", changes };
}
