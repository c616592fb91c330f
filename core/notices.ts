// This module is browser compatible.

/**
 * What a client says of its own doings, as lines both clients show the same
 * way: the connection coming and going, lines that wait or cannot be sent,
 * and the bell. The server's events are worded in describe.ts.
 *
 * @module
 */

import {
  bytesOver,
  linesOver,
  MAX_TEXT_BYTES,
  tooLongMessage,
  tooManyLinesMessage,
} from "../protocol.ts";
import type { BellMode } from "./commands.ts";
import { MAX_PENDING } from "./delivery.ts";
import { errorLine, type Line, notice } from "./describe.ts";
import { SILENCE_LIMIT_MS } from "./link.ts";
import { sanitizeText } from "./sanitize.ts";
import type { View } from "./views.ts";
import type { MessageSize } from "./typing.ts";

/** Heads a private view begun again after a reload: what it held is gone. */
export function privateNotKeptNotice(): Line {
  return notice([
    "Private messages are not kept: what you had read here before the reload is gone",
  ]);
}

/** The server took the client back after a drop, under `name`. */
export function reconnectedNotice(name: string): Line {
  return notice([`Reconnected as ${sanitizeText(name)}`]);
}

/**
 * The client came back on `to`, another server of the same chat, as `from`,
 * the one it was on, did not answer.
 */
export function movedNotice(to: string, from: string): Line {
  return notice([
    `Now on ${sanitizeText(to)}, another server of the same chat: ${
      sanitizeText(from)
    } does not answer`,
  ]);
}

/**
 * The page came back on another server than its own, whose page is at
 * `page`: the files it shares are shared from there.
 */
export function filesElsewhereNotice(page: string): Line {
  return notice([
    "To share files, open this server's own page: ",
    { text: sanitizeText(page), style: "text" },
  ]);
}

/**
 * Coming back, the client found its name `name` held on the server, most
 * likely by a connection of its own that it gave up on but the server took
 * all the same, and has not seen end yet: it tries again after the usual wait.
 */
export function nameHeldError(name: string): string {
  return `Cannot take ${
    sanitizeText(name)
  } back yet: the server still holds the name, maybe for a connection of yours it has not seen end; trying again for a while`;
}

/** The server said goodbye with `reason`, inviting the client back, which will come back. */
export function serverSaysNotice(reason: string): Line {
  return notice([`The server says: ${sanitizeText(reason)}`]);
}

/**
 * A client without a status display says so in the log: the connection is
 * lost (or, `invited`, the server said goodbye inviting it back), and it
 * tries again after `delayMs`; or, `again`, that the attempts since have
 * failed and it tries once more after `delayMs`.
 */
export function retryNotice(delayMs: number, again = false, invited = false): Line {
  const seconds = Math.max(1, Math.round(delayMs / 1000));
  if (again) return notice([`Still no answer; trying again in ${seconds} s…`]);
  return notice([`${invited ? "" : "Connection lost. "}Reconnecting in ${seconds} s…`]);
}

/**
 * A client with a status display (which counts down to the next attempt)
 * says once per outage in the log that the connection is gone, or that the
 * server cannot be reached when it never was; `invited`, the server said
 * goodbye inviting it back, which the log shows already, and it reconnects.
 */
export function outageNotice(everConnected: boolean, invited = false): Line {
  if (invited) return notice(["Reconnecting…"]);
  return notice([
    everConnected
      ? "The connection to the server was lost. Reconnecting…"
      : "Cannot reach the server. Trying again…",
  ]);
}

/** The server stopped answering, and the client gives the link up. */
export function noAnswerNotice(): Line {
  return notice([`No answer from the server for ${SILENCE_LIMIT_MS / 1000} s`]);
}

/** A line typed while the connection is down waits for it. */
export function waitingNotice(): Line {
  return notice(["Not connected: this will be sent when the connection is back"]);
}

/**
 * The user pressed `key` (`Ctrl-C`), or typed the command (`/quit`), to leave
 * while the server has not confirmed `count` lines: they may be lost. The
 * client knows no more than that: a line written to a server that stands
 * still may reach it later, or never.
 */
export function unsentOnLeaveNotice(count: number, key: string): Line {
  const lines = count === 1 ? "1 line is" : `${count} lines are`;
  const how = key.startsWith("/") ? "type" : "press";
  return notice([
    `${lines} not confirmed by the server yet; ${how} ${key} again to leave anyway`,
  ]);
}

/**
 * What the terminal says on standard error as it exits with `count` lines
 * the server had not confirmed: dropped by the client, they may or may not
 * have reached the server, and nothing else says so.
 */
export function unsentOnExitText(count: number): string {
  const lines = count === 1 ? "1 line" : `${count} lines`;
  return `${lines} may not have reached the server: it had not confirmed ${
    count === 1 ? "it" : "them"
  }`;
}

/** A file on its way to or from the server, which leaving now would cut short. */
export interface Moving {
  /** The file's name, as the user knows it. */
  name: string;
  /** Up to the server (`/send`), or down from it (`/get`). */
  direction: "up" | "down";
}

/**
 * Leaving by `key` (`Ctrl-C`, `/quit`) now would cut `moving` short: pressed
 * or typed again, it does; `/cancel` stops the file and stays.
 */
export function movingOnLeaveNotice(moving: Moving, key: string): Line {
  const how = key.startsWith("/") ? "type" : "press";
  const doing = moving.direction === "up" ? "sent" : "saved";
  return notice([
    `${
      sanitizeText(moving.name)
    } is still being ${doing} (/cancel stops it); ${how} ${key} again to leave anyway`,
  ]);
}

/** `moving` was stopped by `/cancel`: an upload shared nothing, a download saved nothing. */
export function cancelledNotice(moving: Moving): Line {
  const name = sanitizeText(moving.name);
  return notice([
    moving.direction === "up"
      ? `Cancelled sending ${name}: nothing was shared`
      : `Cancelled getting ${name}: nothing was saved`,
  ]);
}

/** `/cancel`, or `/cancel TARGET`, found no file being sent or saved to stop. */
export function nothingToCancelError(target?: string): Line {
  return target === undefined
    ? errorLine("Cannot cancel: no file is being sent or saved")
    : errorLine(
      `Cannot cancel ${
        JSON.stringify(sanitizeText(target))
      }: no file of that name or number is being sent or saved`,
    );
}

/** The user's mute, said with its span, has run out: they can talk again. */
export function muteOverNotice(): Line {
  return notice(["Your mute is over: you can talk again"]);
}

/** The bell rings in `mode` now. */
export function bellNotice(mode: BellMode): Line {
  return notice([`Bell: ${mode}`]);
}

/** A line typed while {@linkcode MAX_PENDING} lines wait already was dropped. */
export function tooManyWaitingError(): Line {
  return errorLine(
    `Cannot send: ${MAX_PENDING} lines are waiting for the server already; this one was not kept`,
  );
}

/**
 * What to do with a text too long for a message: share it as a file, `how`
 * the client does (`with /send PATH`).
 */
export function shareInstead(how: string): string {
  return `share it as a file ${how} instead`;
}

/** `refusal`, followed by {@linkcode shareInstead} when the client says how it shares files. */
function tooBig(refusal: string, shareHow: string | undefined): Line {
  return errorLine(shareHow === undefined ? refusal : `${refusal}; ${shareInstead(shareHow)}`);
}

/**
 * A message of `bytes` bytes, more than the server takes: how long it is,
 * the limit, and `shareHow` the client shares it as a file instead.
 */
export function tooLongError(bytes: number, shareHow?: string): Line {
  return tooBig(tooLongMessage(bytes), shareHow);
}

/**
 * What a client says of a draft of `size`, more than a message may hold,
 * while it is typed, before it is sent and refused: too long, how long, the
 * limit, and `shareHow` the client shares it as a file instead.
 */
export function tooLongWarning(size: MessageSize, shareHow?: string): string {
  const over = size.bytes > MAX_TEXT_BYTES ? bytesOver(size.bytes) : linesOver(size.lines);
  const warning = `Too long to send: ${over}`;
  return shareHow === undefined ? warning : `${warning}; ${shareInstead(shareHow)}`;
}

/**
 * `message`, the server's refusal of a message, followed by
 * {@linkcode shareInstead} as the client's own refusals are when it refuses
 * a message too long and `shareHow` says how the client shares files.
 */
export function withShareHint(message: string, shareHow: string | undefined): string {
  if (shareHow === undefined) return message;
  const count = Number(/\d+/.exec(message)?.[0]);
  const tooBig = message === tooLongMessage(count) || message === tooManyLinesMessage(count);
  return tooBig ? `${message}; ${shareInstead(shareHow)}` : message;
}

/** A message of `lines` lines, more than the server takes, as it words it, with what to do. */
export function tooManyLinesError(lines: number, shareHow?: string): Line {
  return tooBig(tooManyLinesMessage(lines), shareHow);
}

/** A line typed after leaving. */
export function notConnectedError(): Line {
  return errorLine("Cannot send: not connected to the server");
}

/**
 * The user looks at `view`, where nothing is new since they last did, or
 * which they were looking at `already`.
 */
export function lookingNotice(view: View, why: "nothing new" | "already"): Line {
  const name = sanitizeText(view.name);
  if (view.kind === "private") {
    return notice([
      { text: `@${name}`, style: "room" },
      `: private messages with ${name}; what you type goes to ${name} alone`,
    ]);
  }
  return notice([
    why === "already" ? "You are looking at " : "",
    { text: name, style: "room" },
    why === "already" ? " already" : ": nothing new since you last looked",
  ]);
}

/** `/switch` to `typed`, which names none of the user's rooms nor a person. */
export function notInError(typed: string): string {
  const word = sanitizeText(typed);
  return word.startsWith("@")
    ? `Cannot switch to ${word}: that is not a valid name`
    : `Cannot switch to ${word}: you are not in it (/join ${word} enters it)`;
}

/**
 * The private view with `name` was closed (`/part` there, or its `×` on the
 * page): its messages are not kept, and a new one opens it again.
 */
export function closedNotice(name: string): Line {
  const who = sanitizeText(name);
  return notice([
    "Closed ",
    { text: `@${who}`, style: "room" },
    `: what was said there is not kept; a private message to or from ${who} opens it again`,
  ]);
}

/** `/part @name` where the user has no private view with `name`. */
export function notOpenError(typed: string): string {
  const word = sanitizeText(typed);
  return `Cannot close ${word}: you have no private messages open with ${word.slice(1)}`;
}

/**
 * `/switch @name` to `name`, a valid name that no private view has and
 * nobody the user knows to be connected bears.
 */
export function nobodyCalledError(name: string): string {
  const who = sanitizeText(name);
  return `Cannot switch to @${who}: you know of nobody called ${
    JSON.stringify(who)
  } here; /msg ${who} TEXT finds them in any room`;
}

/** `/switch @name` to the user's own name: there are no private messages with oneself. */
export function switchToSelfError(name: string): string {
  return `Cannot switch to @${sanitizeText(name)}: that is you`;
}

/** `/msg name` to the user's own name: as `/switch @name`, nobody writes to themselves. */
export function msgToSelfError(name: string): string {
  return `Cannot write to ${sanitizeText(name)}: that is you`;
}

/** Whether others see the user typing now, as `/typing` says. */
export function typingModeNotice(on: boolean): Line {
  return notice([
    on
      ? "Typing: on (others see when you are typing; /typing off hides it)"
      : "Typing: off (others do not see when you are typing)",
  ]);
}

/** `/ignore` of `name`, who is ignored now, or was `already`. */
export function ignoredNotice(name: string, already: boolean): Line {
  const who = sanitizeText(name);
  return notice([
    already
      ? `You ignore ${who} already`
      : `You ignore ${who} now: their messages are hidden from you (/unignore ${who} shows them)`,
  ]);
}

/** `/unignore` of `name`, who was ignored, or `was` not. */
export function unignoredNotice(name: string, was: boolean): Line {
  const who = sanitizeText(name);
  return notice([was ? `You no longer ignore ${who}` : `You do not ignore ${who}`]);
}

/** `/ignores`: the people ignored. */
export function ignoresNotice(names: readonly string[]): Line {
  return notice([
    names.length === 0
      ? "You ignore nobody"
      : `You ignore ${names.map((name) => sanitizeText(name)).join(", ")}`,
  ]);
}

/** `/ignore` of `name`, which is no valid name, or the user's own. */
export function ignoreError(name: string, why: "invalid" | "yourself"): Line {
  const who = JSON.stringify(sanitizeText(name));
  return errorLine(
    why === "invalid"
      ? `Cannot ignore ${who}: that is not a valid name`
      : `Cannot ignore ${who}: that is you`,
  );
}
