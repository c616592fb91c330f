// This module is browser compatible.

/**
 * What the conversation core (conversation.ts) asks a client to do: the
 * effects of a frame, a typed line or the passing of time, which the
 * terminal and the page each carry out in their own way.
 *
 * @module
 */

import type { ClientFrame, ErrorCode } from "../protocol.ts";
import { sanitizeText } from "./sanitize.ts";
import type { PendingLine } from "./delivery.ts";
import type { Line } from "./describe.ts";
import type { Changes } from "./roster.ts";

/** What the client is to do, in the order given. */
export type Effect =
  /** Send `frame` to the server. */
  | { type: "send"; frame: ClientFrame }
  /** Show `lines`, in order. */
  | { type: "show"; lines: Line[] }
  /** Ring the bell. */
  | { type: "ring" }
  /** The roster changed: redraw what shows it. */
  | { type: "changed"; changes: Changes }
  /** The server accepted the `hello`; `again` after a reconnection. */
  | { type: "welcomed"; again: boolean }
  /**
   * The server refused the `hello`: `about` the name (ask for another), the
   * password (ask for it), or anything else. `message` is cleaned.
   */
  | { type: "refused"; about: "name" | "password" | "other"; code: ErrorCode; message: string }
  /** A line the server has not answered yet, and how to show it meanwhile. */
  | { type: "pending"; line: PendingLine; shown: Line }
  /** Lines the server answered (or handled): they wait no more. */
  | { type: "answered"; lines: PendingLine[] }
  /**
   * Give the connection up: the `hello` went `unanswered`, the server fell
   * `silent` past its heartbeat, or a line unanswered found the link `dead`.
   */
  | { type: "drop"; reason: "unanswered" | "silent" | "dead" }
  /** The user leaves: close now, or once the server said goodbye if a `quit` was `sent`. */
  | { type: "leave"; sent: boolean }
  /** The server has handled every line typed before `Conversation.finish()`. */
  | { type: "finished" };

/** The server's refusal of a `hello`. */
export type Refusal = Extract<Effect, { type: "refused" }>;

/** Sends `frame`. */
export function send(frame: ClientFrame): Effect {
  return { type: "send", frame };
}

/** Sends each of `frames`, in order. */
export function sends(frames: readonly ClientFrame[]): Effect[] {
  return frames.map(send);
}

/** Shows `lines`. */
export function show(lines: Line[]): Effect {
  return { type: "show", lines };
}

/** The refusal of a `hello` with an error `code` and `message`: about the name, the password, or else. */
export function refusal(code: ErrorCode, message: string): Refusal {
  const about = code === "name_taken" || code === "name_invalid"
    ? "name"
    : code === "password_required" || code === "password_wrong"
    ? "password"
    : "other";
  return { type: "refused", about, code, message: sanitizeText(message) };
}
