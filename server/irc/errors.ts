/**
 * The hub's `error` frames as IRC numerics: what each refusal means for the
 * IRC command being handled (a name in use is 433, a room one is not in 442
 * or 404, an operator's command 482 or 481, being muted 404, 484 or 477 …),
 * and a NOTICE for anything else.
 *
 * @module
 */

import type { ErrorCode } from "../../protocol.ts";
import { OPER_HINT } from "../hub/operators.ts";
import { nickInUse } from "./nicks.ts";
import { ERR } from "./numerics.ts";
import type { IrcRenderer } from "./render.ts";

/** An error frame, as the command being handled answers it. */
export function errorLine(renderer: IrcRenderer, code: ErrorCode, message: string): string {
  const context = renderer.context;
  const command = context?.command;
  const target = context?.target ?? "*";
  // Nothing answers a NOTICE automatically (RFC 2812, 3.3.2).
  if (command === "NOTICE") return "";
  const numeric = (error: string, ...params: string[]) =>
    renderer.numeric(error, ...params, message);
  switch (code) {
    // 432 and 433 say that the client's own nick was refused: an operator's RENAME of
    // someone else is told in a NOTICE, as the answers of the raw verbs are.
    case "name_invalid":
      return command === "NICK" ? numeric(ERR.ERRONEUSNICKNAME, target) : renderer.notice(message);
    case "name_taken":
      // The same 433 as a nick refused before the hello: with a free nick offered.
      return command === "NICK"
        ? renderer.numeric(
          ERR.NICKNAMEINUSE,
          target,
          nickInUse(
            message,
            target,
            (name) => renderer.options.hub.nameRefusal(name) !== undefined,
          ),
        )
        : renderer.notice(message);
    case "password_required":
    case "password_wrong":
      return numeric(ERR.PASSWDMISMATCH);
    case "banned":
      return numeric(ERR.YOUREBANNEDCREEP);
    case "no_such_user":
      return renderer.numeric(ERR.NOSUCHNICK, target, withNicks(renderer, message));
    case "not_operator":
      // OPER refused: a wrong secret is 464, as is a name given none, told alike so as not to
      // say which names have one; 491 on a server whose op file gives no name a secret
      // (RFC 2812, 3.1.4: no O-lines for the host).
      if (command === "OPER") {
        return / no name a secret$/.test(message)
          ? numeric(ERR.NOOPERHOST)
          : numeric(ERR.PASSWDMISMATCH);
      }
      return notOperator(
        renderer,
        context?.channel ?? (target.startsWith("#") ? target : undefined),
        message,
      );
    case "room_locked":
      return numeric(ERR.INVITEONLYCHAN, target);
    case "room_invalid":
      return numeric(ERR.NOSUCHCHANNEL, target);
    case "not_in_room":
      return command === "PRIVMSG"
        ? numeric(ERR.CANNOTSENDTOCHAN, target)
        : numeric(ERR.NOTONCHANNEL, target);
    case "muted":
      return muted(renderer, command, target, message);
    case "bad_command":
      if (command === "JOIN" && /rooms/.test(message)) return numeric(ERR.TOOMANYCHANNELS, target);
      return renderer.notice(message);
    default:
      return renderer.notice(message);
  }
}

// The hub's suggestion after a name nobody has (server/hub/messages.ts): names, which hold no
// space, comma or question mark.
const SUGGESTION = /( is on this chat; did you mean )((?:[^\s,?]+, )*[^\s,?]+)\?$/;

/**
 * `message` with the names it suggests (`did you mean Annä?`) as the nicks
 * this client is shown them by (`Anna|640dc0df`), which reach them.
 */
function withNicks(renderer: IrcRenderer, message: string): string {
  const suggested = SUGGESTION.exec(message);
  if (suggested === null) return message;
  const nicks = suggested[2]!.split(", ").map((name) => renderer.nicks.nick(name));
  return `${message.slice(0, suggested.index)}${suggested[1]}${nicks.join(", ")}?`;
}

/**
 * An operator's command from someone who is not one: 482 on `channel`, 481
 * for one on the whole server (MUTE …).
 */
function notOperator(renderer: IrcRenderer, channel: string | undefined, message: string): string {
  // IRC's OPER names the operator too: the hint says it as an IRC client types it.
  const told = message.replace(OPER_HINT, `/oper ${renderer.nick} SECRET`);
  return channel === undefined
    ? renderer.numeric(ERR.NOPRIVILEGES, told)
    : renderer.numeric(ERR.CHANOPRIVSNEEDED, channel, told);
}

/**
 * Someone muted refused: a message 404 on its channel or nick, as IRC
 * answers a message that cannot be sent; a NICK 484, the restricted
 * connection of RFC 2812, 3.1.2; a JOIN of a channel nobody is in 477 on
 * that channel, a join refused by who one is, which clients show with its
 * text (474 would be shown as a ban). An AWAY is taken without its reason,
 * not refused: that is told in a NOTICE.
 */
function muted(
  renderer: IrcRenderer,
  command: string | undefined,
  target: string,
  message: string,
): string {
  switch (command) {
    case "NICK":
      return renderer.numeric(ERR.RESTRICTED, message);
    case "JOIN":
      return renderer.numeric(ERR.NEEDREGGEDNICK, target, message);
    case "PRIVMSG":
      return renderer.numeric(ERR.CANNOTSENDTOCHAN, target, message);
    default:
      return renderer.notice(message);
  }
}
