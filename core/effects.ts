// This module is browser compatible.

/**
 * What the conversation core (conversation.ts) asks a client to do: the
 * effects of a frame, a typed line or the passing of time, which the
 * terminal and the page each carry out in their own way.
 *
 * @module
 */

import type { ClientFrame, ErrorCode, FileRef } from "../protocol.ts";
import { sanitizeText } from "./sanitize.ts";
import type { BellMode } from "./bell.ts";
import type { PendingLine } from "./delivery.ts";
import type { Line } from "./describe.ts";
import type { IgnoreEntry } from "./ignore_list.ts";
import type { Changes } from "./roster.ts";

/** What the client is to do, in the order given. */
export type Effect =
  /** Send `frame` to the server. */
  | { type: "send"; frame: ClientFrame }
  /**
   * Show `lines`, in order: in `view` (a room, or `@name` for private
   * messages) when they belong to one, else wherever the user is looking.
   */
  | { type: "show"; lines: Line[]; view?: string }
  /** Ring the bell. */
  | { type: "ring" }
  /** `/bell` set when the bell rings to `mode`: a switch that shows it shows it so. */
  | { type: "bell"; mode: BellMode }
  /** The roster or the views changed: redraw what shows them. */
  | { type: "changed"; changes: Changes }
  /**
   * The user looks at `view` now. `unseen` are its lines that arrived while
   * they looked elsewhere (and `skipped` older ones not kept): a client
   * that shows one view at a time has been given them to show already; one
   * that shows each view in its place puts the "new since you last looked"
   * line above them (`first`: "new in @bob", a view never looked at before).
   */
  | { type: "switched"; view: string; unseen: readonly Line[]; skipped: number; first: boolean }
  /** The server accepted the `hello`; `again` after a reconnection. */
  | { type: "welcomed"; again: boolean }
  /**
   * The server refused the `hello`: `about` the name (ask for another), the
   * password (ask for it), or anything else; or, `later`, for now: say
   * `message` and try again after the usual wait, on a new connection,
   * asking the user nothing. `message` is cleaned.
   */
  | {
    type: "refused";
    about: "name" | "password" | "other";
    code: ErrorCode;
    message: string;
    later: boolean;
  }
  /** A line the server has not answered yet, and how to show it meanwhile. */
  | { type: "pending"; line: PendingLine; shown: Line }
  /** Lines the server answered (or handled): they wait no more. */
  | { type: "answered"; lines: PendingLine[] }
  /**
   * The server refused a message the user typed (the person it was for has
   * left, say): `text`, as they typed it in view `view`, goes back where
   * they type, on a line of its own after what is typed there now
   * ({@linkcode joinDraft}), so that no words are lost; the cursor stays
   * where the user types, if they do ({@linkcode cursorToEnd}). The
   * terminal, whose one input line is easily typed on unnoticed, puts them
   * there only while nothing of the user's own is, else under Up.
   */
  | { type: "returned"; text: string; view: string | undefined }
  /**
   * Give the connection up: the `hello` went `unanswered`, the server fell
   * `silent` past its heartbeat, or a line unanswered found the link `dead`;
   * or the server speaks an older `version` of the protocol: connect again
   * at once, and the next `hello` speaks it.
   */
  | { type: "drop"; reason: "unanswered" | "silent" | "dead" | "version" }
  /** The user leaves: close now, or once the server said goodbye if a `quit` was `sent`. */
  | { type: "leave"; sent: boolean }
  /** The server has handled every line typed before `Conversation.finish()`. */
  | { type: "finished" }
  /**
   * Upload the file at `path`, as the user typed it (`~` their home), then
   * share it in `view` with `Conversation.share` (`/send`, core/transfers.ts).
   */
  | { type: "upload"; path: string; view: string | undefined }
  /** Download `file`, shared in the conversation, into the current folder (`/get N`). */
  | { type: "download"; file: FileRef }
  /** Download what `link` points at into the current folder (`/get LINK`). */
  | { type: "download"; link: string }
  /**
   * Stop the uploads and downloads under way or waiting (`/cancel`), or
   * only those `target` names: a file's name, the path typed to `/send` it,
   * or the number `/get N` fetches it by. An upload stopped is not shared;
   * a download stopped leaves no file.
   */
  | { type: "cancel"; target: string | undefined }
  /**
   * The people the user ignores changed (`/ignore`, `/unignore`, or someone
   * ignored was renamed): remember `names` for this server, and give them
   * back as `ignored` next time: the names ignored, then the names they had
   * before a rename, each with its time (see core/ignore_list.ts).
   */
  | { type: "ignored"; names: IgnoreEntry[] };

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

/** Shows `lines`, in `view` if given. */
export function show(lines: Line[], view?: string): Effect {
  return view === undefined ? { type: "show", lines } : { type: "show", lines, view };
}

/** What says to whom a line goes: `/msg bob ` of `/msg bob hi`, with its aliases. */
const ADDRESSED = /^\/(msg|m|tell)\s+(\S+)\s+/i;

/** Whom `line` is a private message to, folded, if it is one: `bob` for `/MSG Bob hi`. */
function addressee(line: string): string | undefined {
  return ADDRESSED.exec(line)?.[2]?.toLowerCase();
}

/** Whether `line` is a slash command (`//` starts words). */
function isCommand(line: string): boolean {
  return line.startsWith("/") && !line.startsWith("//");
}

/**
 * `draft` with `text` added on a line of its own after it (`text` alone when
 * `draft` is blank): a multi-line draft, sent as one message of many lines.
 * Where the words of a `returned` effect go, on the page and in the terminal.
 * Words of a `/msg` to the person the draft's `/msg` is for come without
 * their `/msg bob`: the draft goes to bob as one message of all of them, not
 * with `/msg bob` as words in it. Otherwise a command joins no words, and no
 * words join a command: a refused `/msg` after words for the room would be
 * posted there as words, and words after a `/msg` sent to its person. Then
 * `draft` stays as it is, and the words are where every line typed is, one
 * Up away.
 */
export function joinDraft(draft: string, text: string): string {
  if (draft.trim() === "") return text;
  const to = addressee(draft);
  if (to !== undefined && addressee(text) === to) {
    return `${draft.replace(/\n+$/, "")}\n${text.replace(ADDRESSED, "")}`;
  }
  if (isCommand(draft.trimStart()) || isCommand(text)) return draft;
  return `${draft.replace(/\n+$/, "")}\n${text}`;
}

/** The input's draft and cursor (an index into it) once words that came back were put there. */
export interface Offered {
  draft: string;
  cursor: number;
}

/**
 * Reports whether words coming back take the cursor to the end of the
 * draft, after them ({@linkcode joinDraft}): when `draft` holds nothing the
 * user typed, being blank or just what words that came back before left
 * there (`offered`, the cursor still at their end). Else the cursor stays
 * where the user types, so that the keys pressed next go on with their
 * words and not after the refused ones.
 */
export function cursorToEnd(draft: string, cursor: number, offered: Offered | undefined): boolean {
  if (draft.trim() === "") return true;
  return offered !== undefined && offered.draft === draft && offered.cursor === cursor &&
    cursor === draft.length;
}

/**
 * Whether a `hello` refused with `code` may be welcomed if said again a
 * little later: the server could not check the name just now (a cluster cut
 * off from NATS) or was asked too fast. Any other refusal (a ban, a protocol
 * the server does not speak, a frame it cannot read) would come again, but
 * for a name taken from a `hello` coming back (core/handshake.ts).
 */
export function refusedForNow(code: ErrorCode): boolean {
  return code === "not_stored" || code === "rate_limited";
}

/**
 * Whether an error `code` that comes before the `welcome` is about one room
 * the `hello` named (a locked room, one that looks like another that exists,
 * one the person may not enter): that room is left out, and the `welcome`
 * follows into the others. It refuses no `hello`.
 */
export function aboutOneRoom(code: ErrorCode): boolean {
  return code === "room_invalid" || code === "room_locked" || code === "not_in_room";
}

/**
 * The refusal of a `hello` with an error `code` and `message`: about the
 * name, the password, or else; `later`, to be tried again after the usual wait.
 */
export function refusal(code: ErrorCode, message: string, later = false): Refusal {
  const about = code === "name_taken" || code === "name_invalid"
    ? "name"
    : code === "password_required" || code === "password_wrong"
    ? "password"
    : "other";
  return { type: "refused", about, code, message: sanitizeText(message), later };
}
