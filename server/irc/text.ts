/**
 * Message text crossing the gateway: mIRC colour and format codes removed on
 * the way in, CTCP read (ACTION is `/me`; any other is never relayed), a
 * line that starts with `/` kept as text rather than run as a chat command,
 * and a NOTICE or a private action marked as one.
 *
 * @module
 */

import { sanitizeText, trimSpace } from "../../core/sanitize.ts";

// Colour (\x03 with up to two numbers), hex colour (\x04 with up to two RGB values), and
// the format toggles: bold, italics, underline, strike-through, monospace, reverse, reset.
const FORMATTING =
  // deno-lint-ignore no-control-regex
  /\x03(?:\d{1,2}(?:,\d{1,2})?)?|\x04(?:[0-9a-fA-F]{6}(?:,[0-9a-fA-F]{6})?)?|[\x02\x0f\x11\x16\x1d\x1e\x1f]/g;

/** `text` without mIRC colour and formatting codes. */
export function stripFormatting(text: string): string {
  return text.replace(FORMATTING, "");
}

/** What a PRIVMSG or NOTICE text is: words to relay, an action, or a CTCP to drop. */
export type IrcText =
  | { kind: "text"; text: string }
  | { kind: "action"; text: string }
  | { kind: "ctcp"; command: string };

/**
 * A line typed on IRC, cleaned as a line from `nc` is (and any client's of
 * version 1): IRC is a door of one line a message, so a tab, U+2028 or U+2029
 * in it is one space, as a line break would be, and the line is trimmed. The
 * same typed line makes the same message from either door.
 */
function oneLine(text: string): string {
  return trimSpace(sanitizeText(text));
}

/**
 * Reads a PRIVMSG or NOTICE text: CTCP ACTION is an action; any other CTCP
 * (VERSION, PING, DCC …) is named, to be dropped. Formatting is removed, and
 * the text made one trimmed line, as `nc`'s.
 */
export function readText(raw: string): IrcText {
  if (raw.startsWith("\x01")) {
    const body = raw.endsWith("\x01") ? raw.slice(1, -1) : raw.slice(1);
    const space = body.indexOf(" ");
    const command = (space === -1 ? body : body.slice(0, space)).toUpperCase();
    if (command === "ACTION") {
      const text = space === -1 ? "" : body.slice(space + 1);
      return { kind: "action", text: oneLine(stripFormatting(text)) };
    }
    return { kind: "ctcp", command };
  }
  return { kind: "text", text: oneLine(stripFormatting(raw).replaceAll("\x01", "")) };
}

/**
 * How a message sent as a NOTICE is told from others: its client message id
 * (`cid`) starts so, and it is sent as a NOTICE to IRC clients, its sender's
 * echo and replays too. The rest of the id is random: the hub takes a `cid`
 * used before for the same message sent again.
 */
export const NOTICE_CID = "notice-";

/** A new client message id for a NOTICE. */
export function noticeCid(): string {
  return NOTICE_CID + crypto.randomUUID().replaceAll("-", "");
}

/**
 * How a private action is told from other private messages: the hub has no
 * private action, so it is posted as a line that says what was done
 * (`* ann waves`, what JSON, web and nc users read), with a client message
 * id that starts so; IRC clients are sent it back as a CTCP ACTION, its
 * sender's echo too. The rest of the id is random, as a NOTICE's.
 */
export const ACTION_CID = "action-";

/** A new client message id for a private action. */
export function actionCid(): string {
  return ACTION_CID + crypto.randomUUID().replaceAll("-", "");
}

/**
 * What a private message from `from` did, when it is an action (its `cid`
 * marks it, its text starts with `* FROM `); `undefined` for any other.
 */
export function privateAction(
  from: string,
  text: string,
  cid: string | undefined,
): string | undefined {
  if (cid?.startsWith(ACTION_CID) !== true) return undefined;
  const said = `* ${from} `;
  return text.startsWith(said) ? text.slice(said.length) : undefined;
}

/** Text for a chat `say`: a leading `/` is doubled, so the hub posts it rather than runs it. */
export function literal(text: string): string {
  return text.startsWith("/") ? `/${text}` : text;
}
