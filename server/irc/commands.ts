/**
 * The IRC commands of a registered client, each made into the hub's frames
 * (JOIN is `join`, PRIVMSG `say` or `msg`, TOPIC `topic` …) or answered
 * from what the hub knows (WHOIS, TOPIC queries, MODE).
 *
 * @module
 */

import { normalizeRoom } from "../../core/names.ts";
import { sanitizeText } from "../../core/sanitize.ts";
import type { Gateway } from "./connection.ts";
import { motdLines } from "./welcome.ts";
import { ERR, RPL } from "./numerics.ts";
import { literal, readText, stripFormatting } from "./text.ts";

/** Handles one command's parameters. */
export type CommandHandler = (
  gateway: Gateway,
  params: readonly string[],
  tags: ReadonlyMap<string, string>,
) => void;

/** Writes a numeric reply. */
function reply(gateway: Gateway, code: string, ...params: string[]): void {
  gateway.write(gateway.renderer.numeric(code, ...params));
}

/** 461 for `command`; true when `params` has fewer than `count`. */
function short(gateway: Gateway, command: string, params: readonly string[], count: number) {
  if (params.length >= count && params.slice(0, count).every((param) => param !== "")) return false;
  reply(gateway, ERR.NEEDMOREPARAMS, command, "Not enough parameters");
  return true;
}

/** The items of a comma list, without empty ones. */
function list(param: string | undefined): string[] {
  return (param ?? "").split(",").filter((item) => item !== "");
}

/** The room a channel names, or `undefined` once 403 is sent. */
function room(gateway: Gateway, channel: string): string | undefined {
  const checked = channel.startsWith("#") ? normalizeRoom(channel) : undefined;
  if (checked?.ok) return checked.value;
  reply(gateway, ERR.NOSUCHCHANNEL, channel, "No such channel");
  return undefined;
}

/** Whether the client is in `name`, a room. */
function inRoom(gateway: Gateway, name: string): boolean {
  const me = gateway.renderer.name;
  return me !== undefined && (gateway.hub.person(me)?.rooms.includes(name) ?? false);
}

function join(gateway: Gateway, params: readonly string[]): void {
  if (short(gateway, "JOIN", params, 1)) return;
  if (params[0] === "0") {
    const me = gateway.renderer.name!;
    for (const name of gateway.hub.person(me)?.rooms ?? []) part(gateway, [name]);
    return;
  }
  for (const channel of list(params[0])) {
    const name = room(gateway, channel);
    if (name !== undefined) {
      gateway.deliver({ type: "join", room: name }, { command: "JOIN", target: channel });
    }
  }
}

function part(gateway: Gateway, params: readonly string[]): void {
  if (short(gateway, "PART", params, 1)) return;
  for (const channel of list(params[0])) {
    const name = room(gateway, channel);
    if (name === undefined) continue;
    if (!inRoom(gateway, name)) {
      reply(gateway, ERR.NOTONCHANNEL, channel, "You're not on that channel");
      continue;
    }
    gateway.deliver({ type: "part", room: name }, { command: "PART", target: channel });
  }
}

/** PRIVMSG and NOTICE: to channels (a `say` or `me`) and to nicks (a `msg`). */
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
    // Only ACTION crosses: other CTCP (VERSION, PING, DCC …) is never relayed.
    if (text.kind === "ctcp" || text.text.trim() === "") return;
    for (const target of list(params[0])) {
      const context = { command, target };
      if (target.startsWith("#")) {
        const checked = normalizeRoom(target);
        if (!checked.ok) {
          if (!quiet) reply(gateway, ERR.NOSUCHCHANNEL, target, "No such channel");
          continue;
        }
        gateway.deliver(
          text.kind === "action"
            ? { type: "me", text: text.text, room: checked.value }
            : { type: "say", text: literal(text.text), room: checked.value },
          context,
        );
        continue;
      }
      const name = gateway.renderer.nicks.name(target);
      if (name === undefined) {
        if (!quiet) reply(gateway, ERR.NOSUCHNICK, target, "No such nick/channel");
        continue;
      }
      // The hub has no private action: it arrives as a line that says what was done.
      const words = text.kind === "action" ? `* ${gateway.renderer.name} ${text.text}` : text.text;
      gateway.deliver({ type: "msg", to: name, text: words }, context);
    }
  };
}

function names(gateway: Gateway, params: readonly string[]): void {
  const channels = list(params[0]);
  if (channels.length === 0) return reply(gateway, ERR_END_NAMES, "*", "End of /NAMES list");
  for (const channel of channels) {
    const checked = channel.startsWith("#") ? normalizeRoom(channel) : undefined;
    if (checked?.ok && inRoom(gateway, checked.value)) {
      gateway.deliver({ type: "who", room: checked.value }, { command: "NAMES", target: channel });
    } else {
      reply(gateway, ERR_END_NAMES, channel, "End of /NAMES list");
    }
  }
}

const ERR_END_NAMES = RPL.ENDOFNAMES;

function who(gateway: Gateway, params: readonly string[]): void {
  const mask = params[0] ?? "*";
  const renderer = gateway.renderer;
  const checked = mask.startsWith("#") ? normalizeRoom(mask) : undefined;
  if (checked?.ok && inRoom(gateway, checked.value)) {
    return gateway.deliver({ type: "who", room: checked.value }, { command: "WHO", target: mask });
  }
  const name = checked === undefined ? renderer.nicks.name(mask) : undefined;
  const found = name === undefined ? undefined : gateway.hub.person(name);
  if (found !== undefined) {
    const person = found.person;
    reply(
      gateway,
      RPL.WHOREPLY,
      found.rooms[0] ?? "*",
      "chat",
      "chat",
      renderer.options.server,
      renderer.nicks.nick(person.name),
      (person.away === undefined ? "H" : "G") + (person.op ? "@" : ""),
      `0 ${person.name}`,
    );
  }
  reply(gateway, RPL.ENDOFWHO, mask, "End of WHO list");
}

function whois(gateway: Gateway, params: readonly string[]): void {
  if (params.length === 0) return reply(gateway, ERR.NONICKNAMEGIVEN, "No nickname given");
  // WHOIS [server] nick: the nick is the last.
  const nick = params[params.length - 1]!.split(",")[0]!;
  const renderer = gateway.renderer;
  const name = renderer.nicks.name(nick);
  const found = name === undefined ? undefined : gateway.hub.person(name);
  if (found === undefined) {
    reply(gateway, ERR.NOSUCHNICK, nick, "No such nick/channel");
    return reply(gateway, RPL.ENDOFWHOIS, nick, "End of /WHOIS list");
  }
  const { person, rooms } = found;
  const shown = renderer.nicks.nick(person.name);
  const server = renderer.options.server;
  reply(gateway, RPL.WHOISUSER, shown, "chat", "chat", "*", person.name);
  if (rooms.length > 0) {
    reply(
      gateway,
      RPL.WHOISCHANNELS,
      shown,
      rooms.map((room) => (person.op ? "@" : "") + room).join(" "),
    );
  }
  reply(gateway, RPL.WHOISSERVER, shown, server, `${renderer.options.network} (${person.client})`);
  if (person.op) reply(gateway, RPL.WHOISOPERATOR, shown, "is an operator");
  if (person.away !== undefined) reply(gateway, RPL.AWAY, shown, person.away.reason ?? "Away");
  const idle = Math.max(0, Math.floor((Date.now() - person.active) / 1000));
  const signon = String(Math.floor(found.since / 1000));
  reply(gateway, RPL.WHOISIDLE, shown, String(idle), signon, "seconds idle, signon time");
  reply(gateway, RPL.ENDOFWHOIS, shown, "End of /WHOIS list");
}

function topic(gateway: Gateway, params: readonly string[]): void {
  if (short(gateway, "TOPIC", params, 1)) return;
  const channel = params[0]!;
  const name = room(gateway, channel);
  if (name === undefined) return;
  if (params[1] === undefined) {
    const set = gateway.hub.topic(name);
    if (set === undefined) return reply(gateway, RPL.NOTOPIC, name, "No topic is set");
    reply(gateway, RPL.TOPIC, name, sanitizeText(set.text));
    const by = gateway.renderer.mask(set.by);
    return reply(gateway, RPL.TOPICWHOTIME, name, by, String(Math.floor(set.ts / 1000)));
  }
  if (!inRoom(gateway, name)) {
    return reply(gateway, ERR.NOTONCHANNEL, channel, "You're not on that channel");
  }
  const text = readText(params[1]);
  gateway.deliver(
    { type: "topic", room: name, text: text.kind === "ctcp" ? "" : text.text },
    { command: "TOPIC", target: channel },
  );
}

function away(gateway: Gateway, params: readonly string[]): void {
  const reason = stripFormatting(params[0] ?? "");
  const context = { command: "AWAY" };
  if (reason.trim() === "") gateway.deliver({ type: "back" }, context);
  else gateway.deliver({ type: "away", reason }, context);
}

function mode(gateway: Gateway, params: readonly string[]): void {
  if (short(gateway, "MODE", params, 1)) return;
  const renderer = gateway.renderer;
  const [target, change] = params as [string, string | undefined];
  if (target.startsWith("#")) {
    const name = room(gateway, target);
    if (name === undefined) return;
    if (change === undefined) return reply(gateway, RPL.CHANNELMODEIS, name, "+nt");
    if (/^[+-]?b$/.test(change) && params[2] === undefined) {
      return reply(gateway, RPL.ENDOFBANLIST, name, "End of channel ban list");
    }
    const letter = change.replace(/^[+-]/, "")[0] ?? "";
    if (!"bntoviklmsp".includes(letter) || letter === "") {
      return reply(gateway, ERR.UNKNOWNMODE, letter || change, "is unknown mode char to me");
    }
    return reply(gateway, ERR.CHANOPRIVSNEEDED, name, "Channel modes cannot be changed here");
  }
  if (renderer.nicks.name(target)?.toLowerCase() !== renderer.name?.toLowerCase()) {
    return reply(gateway, ERR.USERSDONTMATCH, "Cannot change mode for other users");
  }
  if (change === undefined) return reply(gateway, RPL.UMODEIS, "+");
  // Invisible and wallops change nothing here: taken quietly, as clients ask for them.
  if (/^[+-][iw]+$/.test(change)) return;
  reply(gateway, ERR.UMODEUNKNOWNFLAG, "Unknown MODE flag");
}

function kick(gateway: Gateway, params: readonly string[]): void {
  if (short(gateway, "KICK", params, 2)) return;
  const channel = params[0]!;
  const name = room(gateway, channel);
  if (name === undefined) return;
  for (const nick of list(params[1])) {
    const target = gateway.renderer.nicks.name(nick);
    if (target === undefined || gateway.hub.person(target)?.rooms.includes(name) !== true) {
      reply(gateway, ERR.USERNOTINCHANNEL, nick, channel, "They aren't on that channel");
      continue;
    }
    const reason = params[2] === undefined ? {} : { reason: params[2] };
    gateway.deliver({ type: "kick", name: target, ...reason }, {
      command: "KICK",
      target: channel,
    });
  }
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
    const server = gateway.renderer.options.server;
    gateway.write(gateway.renderer.line("PONG", server, params[0] ?? server));
  },
  PONG: () => {},
  QUIT: (gateway, params) =>
    gateway.deliver(
      params[0] === undefined ? { type: "quit" } : { type: "quit", reason: params[0] },
    ),
  NICK: (gateway, params) => {
    if (params[0] === undefined) return reply(gateway, ERR.NONICKNAMEGIVEN, "No nickname given");
    gateway.deliver({ type: "nick", name: params[0] }, { command: "NICK", target: params[0] });
  },
  JOIN: join,
  PART: part,
  PRIVMSG: message("PRIVMSG"),
  NOTICE: message("NOTICE"),
  NAMES: names,
  WHO: who,
  WHOIS: whois,
  TOPIC: topic,
  AWAY: away,
  LIST: (gateway, params) =>
    gateway.deliver({ type: "rooms" }, {
      command: "LIST",
      ...(params[0] === undefined ? {} : { target: params[0] }),
    }),
  MOTD: (gateway) => gateway.write(motdLines(gateway.renderer)),
  TAGMSG: tagmsg,
  MODE: mode,
  KICK: kick,
  OPER: (gateway, params) => {
    if (short(gateway, "OPER", params, 2)) return;
    gateway.deliver({ type: "oper", secret: params[1]! }, { command: "OPER" });
  },
  USERHOST: (gateway, params) => {
    const found = params.slice(0, 5).flatMap((nick) => {
      const name = gateway.renderer.nicks.name(nick);
      const person = name === undefined ? undefined : gateway.hub.person(name)?.person;
      if (person === undefined) return [];
      const away = person.away === undefined ? "+" : "-";
      return [
        `${gateway.renderer.nicks.nick(person.name)}${person.op ? "*" : ""}=${away}chat@chat`,
      ];
    });
    reply(gateway, RPL.USERHOST, found.join(" "));
  },
  ISON: (gateway, params) => {
    const online = params.flatMap((param) => param.split(" ")).filter((nick) => {
      const name = gateway.renderer.nicks.name(nick);
      return nick !== "" && name !== undefined && gateway.hub.person(name) !== undefined;
    });
    reply(gateway, RPL.ISON, online.join(" "));
  },
};
