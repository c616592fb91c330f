/**
 * The IRC commands of a registered client, each made into the hub's frames
 * (JOIN is `join`, PRIVMSG `say` or `msg`, KICK `kick` …), and the table of
 * every command, with those that ask (queries.ts) and the operators' own
 * (operators.ts).
 *
 * @module
 */

import { nameKey, normalizeRoom } from "../../core/names.ts";
import type { Gateway } from "./connection.ts";
import { luserLines, motdLines, versionLines } from "./welcome.ts";
import { existingRoom, inRoom, list, reply, room, short } from "./params.ts";
import { QUERIES } from "./queries.ts";
import { ABOUT } from "./about.ts";
import { OPERATOR_VERBS } from "./operators.ts";
import { invite } from "./invite.ts";
import { nickProblem } from "./nicks.ts";
import { ERR, RPL } from "./numerics.ts";
import { actionCid, literal, noticeCid, readText, stripFormatting } from "./text.ts";
import { partingWith } from "./shared.ts";
import { sanitizeText } from "../../core/sanitize.ts";
import { type ClientFrame, LOBBY } from "../../protocol.ts";

/** The longest reason a PART carries, in code points, as a quit's. */
const MAX_PART_REASON = 200;

/** Handles one command's parameters. */
export type CommandHandler = (
  gateway: Gateway,
  params: readonly string[],
  tags: ReadonlyMap<string, string>,
) => void;

/** JOIN: `join` each channel of the list; `JOIN 0` is {@linkcode leaveAll}. */
function join(gateway: Gateway, params: readonly string[]): void {
  if (short(gateway, "JOIN", params, 1)) return;
  if (params[0] === "0") return leaveAll(gateway);
  for (const channel of list(params[0])) {
    const name = room(gateway, channel);
    if (name === undefined) continue;
    const since = gateway.sinceFor(name);
    gateway.deliver(
      since === undefined ? { type: "join", room: name } : { type: "join", room: name, since },
      { command: "JOIN", target: channel },
    );
  }
}

/**
 * `JOIN 0`, which IRC reads as a PART of every channel: a person is always
 * in at least one room, so one stays, `#lobby` when they are in it, else the
 * room they entered first. Every other is left, and a NOTICE says which
 * stays and why, rather than refusing a PART the user never typed.
 */
function leaveAll(gateway: Gateway): void {
  const rooms = gateway.hub.person(gateway.renderer.name!)?.rooms ?? [];
  const stays = rooms.includes(LOBBY) ? LOBBY : rooms[0];
  if (stays === undefined) return;
  for (const name of rooms) if (name !== stays) part(gateway, [name]);
  gateway.write(
    gateway.renderer.notice(`You stay in ${stays}: a person is always in at least one room`),
  );
}

/**
 * PART: `part` from each channel of the list, the reason told to IRC clients
 * (shared.ts); 403 for a channel nobody is in (it does not exist), 442 for
 * one that exists without the client.
 */
function part(gateway: Gateway, params: readonly string[]): void {
  if (short(gateway, "PART", params, 1)) return;
  const reason = [...sanitizeText(stripFormatting(params[1] ?? "")).trim()]
    .slice(0, MAX_PART_REASON).join("");
  for (const channel of list(params[0])) {
    const name = room(gateway, channel);
    if (name === undefined) continue;
    if (!inRoom(gateway, name)) {
      if (gateway.hub.occupied(name)) {
        reply(gateway, ERR.NOTONCHANNEL, channel, "You're not on that channel");
      } else reply(gateway, ERR.NOSUCHCHANNEL, channel, "No such channel");
      continue;
    }
    const leave = () =>
      gateway.deliver({ type: "part", room: name }, { command: "PART", target: channel });
    const me = gateway.renderer.name!;
    // Someone muted leaves without a word, as they quit without one.
    if (reason === "" || gateway.hub.muted(me)) leave();
    else partingWith(me, name, reason, leave);
  }
}

/**
 * PRIVMSG and NOTICE: to channels (a `say` or `me`) and to nicks (a `msg`);
 * a NOTICE's carries a `cid` that marks it as one.
 */
function message(command: "PRIVMSG" | "NOTICE"): CommandHandler {
  return (gateway, params) => {
    const quiet = command === "NOTICE";
    if (params[0] === undefined || params[0] === "") {
      if (!quiet) reply(gateway, ERR.NORECIPIENT, `No recipient given (${command})`);
      return;
    }
    if (params[1] === undefined || params[1] === "") {
      if (!quiet) reply(gateway, ERR.NOTEXTTOSEND, "No text to send");
      return;
    }
    const text = readText(params[1]);
    // Only ACTION crosses: other CTCP (VERSION, PING, DCC …) is never relayed. Its sender is
    // told, rather than left waiting for an answer that cannot come; a NOTICE (a CTCP reply) is not.
    if (text.kind === "ctcp") {
      if (!quiet) {
        // `\x01\x01` names no command: said so, not as a CTCP of no name.
        const what = text.command === "" ? "an empty CTCP" : `CTCP ${text.command}`;
        gateway.write(gateway.renderer.notice(
          `Cannot send ${what} to ${params[0]}: only ACTION (/me) is passed on here`,
        ));
      }
      return;
    }
    // Blanks and formatting alone leave nothing to post: said, as for no text at all.
    if (text.text.trim() === "") {
      if (!quiet) reply(gateway, ERR.NOTEXTTOSEND, "No text to send");
      return;
    }
    // A NOTICE reaches IRC clients as one (render.ts), each target's its own id.
    const mark = () => quiet && text.kind === "text" ? { cid: noticeCid() } : {};
    for (const target of list(params[0])) {
      const context = { command, target };
      if (target.startsWith("#")) {
        const checked = normalizeRoom(target);
        if (!checked.ok) {
          if (!quiet) reply(gateway, ERR.NOSUCHCHANNEL, target, checked.message);
          continue;
        }
        gateway.deliver(
          text.kind === "action"
            ? { type: "me", text: text.text, room: checked.value }
            : { type: "say", text: literal(text.text), room: checked.value, ...mark() },
          context,
        );
        continue;
      }
      const name = gateway.renderer.nicks.name(target);
      if (name === undefined) {
        if (!quiet) reply(gateway, ERR.NOSUCHNICK, target, "No such nick/channel");
        continue;
      }
      // The hub has no private action: it arrives as a line that says what was done, marked
      // as an action for IRC clients (text.ts).
      const frame: ClientFrame = text.kind === "action"
        ? {
          type: "msg",
          to: name,
          text: `* ${gateway.renderer.name} ${text.text}`,
          cid: actionCid(),
        }
        : { type: "msg", to: name, text: text.text, ...mark() };
      gateway.deliver(frame, context);
    }
  };
}

/** AWAY with a reason is `away`, without one `back`. */
function away(gateway: Gateway, params: readonly string[]): void {
  const reason = stripFormatting(params[0] ?? "");
  const context = { command: "AWAY" };
  if (reason.trim() === "") gateway.deliver({ type: "back" }, context);
  else gateway.deliver({ type: "away", reason }, context);
}

/**
 * KICK: `kick` each nick of the list, who must be in the channel (403 for a
 * channel nobody is in, as the room list tells anyway). The operator need
 * not be: a kick sends its person away from every room. Someone who is no
 * operator gets one 482 before any nick is looked for, so that a KICK tells
 * nobody who is in a channel (a locked one's members are not shown).
 */
function kick(gateway: Gateway, params: readonly string[]): void {
  if (short(gateway, "KICK", params, 2)) return;
  const channel = params[0]!;
  const name = existingRoom(gateway, channel);
  if (name === undefined) return;
  // An empty reason is none (irssi's `/kick bob` sends `KICK #dev bob :`).
  const why = params[2] === undefined || params[2].trim() === ""
    ? undefined
    : stripFormatting(params[2]);
  const me = gateway.renderer.name;
  if (me === undefined || gateway.hub.person(me)?.person.op !== true) {
    // The hub refuses it as it refuses anyone who is no operator: 482, whoever is named.
    const nick = list(params[1])[0] ?? params[1]!;
    return gateway.deliver({ type: "kick", name: gateway.renderer.nicks.name(nick) ?? nick }, {
      command: "KICK",
      target: channel,
    });
  }
  for (const nick of list(params[1])) {
    const target = gateway.renderer.nicks.name(nick);
    if (target === undefined || gateway.hub.person(target)?.rooms.includes(name) !== true) {
      // Gone with the ban this KICK completes (/kickban): it was that ban's reason.
      if (gateway.kickbans.kicked(gateway, nick, name, why)) continue;
      reply(gateway, ERR.USERNOTINCHANNEL, nick, channel, "They aren't on that channel");
      continue;
    }
    const reason = why === undefined ? {} : { reason: why };
    gateway.deliver({ type: "kick", name: target, ...reason }, {
      command: "KICK",
      target: channel,
    });
  }
}

/**
 * OPER: `oper` with the secret of the sender's own name. IRC's OPER names
 * whom to make an operator, but here a secret proves only the name of whoever
 * gives it: another nick (compared as nicks are) is 491, not taken for one's own.
 */
function oper(gateway: Gateway, params: readonly string[]): void {
  if (short(gateway, "OPER", params, 2)) return;
  const { name, nick } = gateway.renderer;
  const named = gateway.renderer.nicks.name(params[0]!);
  if (name === undefined || named === undefined || nameKey(named) !== nameKey(name)) {
    const why =
      `Cannot make you an operator: OPER takes your own nick, ${nick}, and your name's secret`;
    return reply(gateway, ERR.NOOPERHOST, why);
  }
  gateway.deliver({ type: "oper", secret: params[1]! }, { command: "OPER" });
}

/** TAGMSG: `+typing=active` is the chat's "is typing"; any other tag-only message is dropped. */
function tagmsg(gateway: Gateway, params: readonly string[], tags: ReadonlyMap<string, string>) {
  const target = params[0];
  if (target === undefined || tags.get("+typing") !== "active") return;
  if (target.startsWith("#")) {
    const checked = normalizeRoom(target);
    if (checked.ok && inRoom(gateway, checked.value)) {
      gateway.deliver({ type: "typing", room: checked.value }, { command: "NOTICE" });
    }
    return;
  }
  const name = gateway.renderer.nicks.name(target);
  if (name !== undefined) gateway.deliver({ type: "typing", to: name }, { command: "NOTICE" });
}

/** Every command a registered client may send, by name. */
export const COMMANDS: Readonly<Record<string, CommandHandler>> = {
  PING: (gateway, params) => {
    // A PING's token is what its PONG sends back: without one there is nothing to answer.
    if (params[0] === undefined || params[0] === "") {
      return reply(gateway, ERR.NOORIGIN, "No origin specified");
    }
    const server = gateway.renderer.options.server;
    gateway.write(gateway.renderer.line("PONG", server, params[0]));
  },
  PONG: (gateway, params) => gateway.ponged(params),
  QUIT: (gateway, params) => {
    gateway.quitting();
    gateway.deliver(
      params[0] === undefined
        ? { type: "quit" }
        : { type: "quit", reason: stripFormatting(params[0]) },
    );
  },
  NICK: (gateway, params) => {
    if (params[0] === undefined) return reply(gateway, ERR.NONICKNAMEGIVEN, "No nickname given");
    // A chat name that is no IRC nick would come back mapped: refused, as at registration.
    const problem = nickProblem(params[0]);
    if (problem !== undefined) return reply(gateway, ERR.ERRONEUSNICKNAME, params[0], problem);
    gateway.deliver({ type: "nick", name: params[0] }, { command: "NICK", target: params[0] });
  },
  JOIN: join,
  PART: part,
  PRIVMSG: message("PRIVMSG"),
  NOTICE: message("NOTICE"),
  AWAY: away,
  LIST: (gateway, params) =>
    gateway.deliver({ type: "rooms" }, {
      command: "LIST",
      ...(params[0] === undefined ? {} : { target: params[0] }),
    }),
  MOTD: (gateway) => gateway.write(motdLines(gateway.renderer)),
  LUSERS: (gateway) => gateway.write(luserLines(gateway.renderer)),
  VERSION: (gateway) => gateway.write(versionLines(gateway.renderer)),
  TIME: (gateway) =>
    reply(gateway, RPL.TIME, gateway.renderer.options.server, new Date().toUTCString()),
  TAGMSG: tagmsg,
  KICK: kick,
  INVITE: invite,
  OPER: oper,
  ...QUERIES,
  ...ABOUT,
  ...OPERATOR_VERBS,
};
