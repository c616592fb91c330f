// This module is browser compatible.

/**
 * The `/join`s and `/part`s a conversation sent (core/conversation.ts) that
 * the server has not answered yet: a `room` or `parted` frame answers one,
 * and so does the `pong` of a ping sent after it (the server answers in
 * order, a refusal included). Should the link die first, those still on
 * their way are carried over to the next connection: its `hello` asks for
 * the rooms the user wants to be in, and what the welcome shows was not
 * done is asked again. Pure: no I/O and no timers.
 *
 * @module
 */

import type { ClientFrame } from "../protocol.ts";

/** A room the user asked to enter or to leave. */
export interface RoomRequest {
  /** Whether the user asked to enter the room or to leave it. */
  readonly kind: "join" | "part";
  /** The room, by its canonical name. */
  readonly room: string;
}

interface Sent {
  readonly request: RoomRequest;
  /** The token of the first ping sent after it, once one was. */
  token: string | undefined;
}

/** The `/join`s and `/part`s on their way to the server, on one connection and across them. */
export class RoomRequests {
  /** The frames of typed lines that ask to enter or leave a room, until they go out. */
  #typed = new WeakMap<ClientFrame, RoomRequest>();
  /** Those sent on this connection and not answered yet, in the order sent. */
  #sent: Sent[] = [];

  /** `frame`, a typed line's, asks for `request` once it goes out. */
  typed(frame: ClientFrame, request: RoomRequest): void {
    this.#typed.set(frame, request);
  }

  /** `frames` went out: those that ask to enter or leave a room are on their way. */
  sent(frames: readonly ClientFrame[]): void {
    for (const frame of frames) {
      const request = this.#typed.get(frame);
      if (request === undefined) continue;
      this.#typed.delete(frame);
      this.#sent.push({ request, token: undefined });
    }
  }

  /** `request` went out by the client's own doing. */
  asked(request: RoomRequest): void {
    this.#sent.push({ request, token: undefined });
  }

  /** Whether one went out that no ping has followed yet. */
  get unpinged(): boolean {
    return this.#sent.some((sent) => sent.token === undefined);
  }

  /** A ping with `token` went out: its `pong` says every request sent before it was handled. */
  pinged(token: string): void {
    for (const sent of this.#sent) sent.token ??= token;
  }

  /** The `pong` with `token` came: the requests sent before its ping were handled. */
  ponged(token: string | undefined): void {
    if (token === undefined) return;
    const last = this.#sent.findLastIndex((sent) => sent.token === token);
    if (last >= 0) this.#sent.splice(0, last + 1);
  }

  /** The server put the user in `room`: the first `/join` of it is answered. */
  entered(room: string): void {
    this.#answer("join", room);
  }

  /** The server took the user out of `room`: the first `/part` of it is answered. */
  parted(room: string): void {
    this.#answer("part", room);
  }

  /** The server refused a request (version 1, where no ping follows them): the oldest. */
  refused(): void {
    this.#sent.shift();
  }

  /** The connection ended: returns the requests sent on it that were never answered. */
  closed(): RoomRequest[] {
    return this.#sent.splice(0).map((sent) => sent.request);
  }

  #answer(kind: RoomRequest["kind"], room: string): void {
    const at = this.#sent.findIndex((sent) =>
      sent.request.kind === kind && sent.request.room === room
    );
    if (at >= 0) this.#sent.splice(at, 1);
  }
}

/** The rooms the user wants to be in: `joined`, with the rooms `requests` enter and leave, in order. */
export function wantedRooms(joined: readonly string[], requests: readonly RoomRequest[]): string[] {
  const rooms = [...joined];
  for (const { kind, room } of requests) {
    const at = rooms.indexOf(room);
    if (kind === "join" && at < 0) rooms.push(room);
    if (kind === "part" && at >= 0) rooms.splice(at, 1);
  }
  return rooms;
}
