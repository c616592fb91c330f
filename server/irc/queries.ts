/**
 * The IRC commands that ask rather than act: NAMES and WHO (answered from
 * the hub's `who`), WHOIS, TOPIC, MODE, USERHOST and ISON (answered from
 * what the hub knows of people and rooms); a MODE that changes something is
 * an operator's command (operators.ts).
 *
 * @module
 */

import { normalizeRoom } from "../../core/names.ts";
import { sanitizeText } from "../../core/sanitize.ts";
import type { PersonInfo } from "../hub.ts";
import type { Gateway } from "./connection.ts";
import { HOST } from "./nicks.ts";
import { ERR, RPL } from "./numerics.ts";
import { existingRoom, inRoom, list, reply, room, short } from "./params.ts";
import { readText } from "./text.ts";
import { topicLines, whoNames, whoReplies, wordLines } from "./listings.ts";
import { channelMode } from "./operators.ts";

/**
 * The hub's `who` of a room, as the command being handled asks: of a room one
 * is in, as its `who` frame; of another, when one may list it (one not
 * locked, or any to an operator: `Hub.mayList`). False when nobody is in it
 * or one may not, as IRC servers answer for a secret channel: the end alone.
 */
function listed(gateway: Gateway, channel: string, command: "NAMES" | "WHO"): boolean {
  const checked = channel.startsWith("#") ? normalizeRoom(channel) : undefined;
  if (!checked?.ok) return false;
  if (inRoom(gateway, checked.value)) {
    gateway.deliver({ type: "who", room: checked.value }, { command, target: channel });
    return true;
  }
  const frame = gateway.hub.who(checked.value, gateway.renderer.name!);
  if (frame === undefined) return false;
  const renderer = gateway.renderer;
  gateway.write(command === "NAMES" ? whoNames(renderer, frame) : whoReplies(renderer, frame));
  return true;
}

/**
 * NAMES: 353 and 366, from the hub's `who` of a room; 366 alone for a room
 * nobody is in, or a locked one the client may not list. Without a channel
 * (what irssi's `/names **` sends, to see everyone): each room one is in, as
 * NAMES of it answers. Modern IRC's bare `366 *` would show nothing, and RFC
 * 1459's every channel one can see would be nearly every room of the server.
 */
function names(gateway: Gateway, params: readonly string[]): void {
  const me = gateway.renderer.name!;
  const channels = params[0] === undefined
    ? [...gateway.hub.person(me)?.rooms ?? []]
    : list(params[0]);
  if (channels.length === 0) return reply(gateway, RPL.ENDOFNAMES, "*", "End of /NAMES list");
  for (const channel of channels) {
    if (!listed(gateway, channel, "NAMES")) {
      reply(gateway, RPL.ENDOFNAMES, channel, "End of /NAMES list");
    }
  }
}

/** The most 352 lines a WHO with a mask answers; after them, 416 says the list was cut. */
export const MAX_WHO_REPLIES = 200;

/**
 * Whether `nick` fits `mask`, where `*` is any characters and `?` one,
 * compared case-insensitively. Each `*` is tried once at each place, and a
 * later `*` gives up the earlier one's choices, so a mask of many stars
 * takes time in proportion to its length times the nick's, never more: a
 * regular expression of `.*` runs backtracks over every way to split the
 * nick, and one WHO line would hold the server for minutes.
 */
export function fitsMask(mask: string, nick: string): boolean {
  const [pattern, text] = [mask.toLowerCase(), nick.toLowerCase()];
  let [p, t] = [0, 0];
  // The last star seen, and where in the text its match would end next.
  let [star, resume] = [-1, 0];
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === "?" || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === "*") {
      [star, resume] = [p++, t];
    } else if (star >= 0) {
      [p, t] = [star + 1, ++resume];
    } else {
      return false;
    }
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}

/** The rooms of `rooms` the client may see listed, as `who` of each would answer. */
function visible(gateway: Gateway, rooms: readonly string[]): string[] {
  const me = gateway.renderer.name!;
  return rooms.filter((room) => gateway.hub.mayList(me, room));
}

/** 352 for a person, with the first room they are in that the client may list (`*` for none). */
function whoReply(gateway: Gateway, found: PersonInfo): void {
  const renderer = gateway.renderer;
  const person = found.person;
  const nick = renderer.nicks.nick(person.name);
  reply(
    gateway,
    RPL.WHOREPLY,
    visible(gateway, found.rooms)[0] ?? "*",
    renderer.idents.user(person.name),
    HOST,
    renderer.options.server,
    nick,
    (person.away === undefined ? "H" : "G") + (person.op ? "@" : ""),
    `0 ${person.name}`,
  );
}

/**
 * WHO #room, WHO nick, or WHO with a mask (`a*`, `?ob`; `*` and `0` are
 * everyone): 352 per person, then 315. A mask is matched against the nicks
 * of everyone connected (as WHOIS finds them), at most
 * {@linkcode MAX_WHO_REPLIES} of them. `o` after it lists operators only.
 */
function who(gateway: Gateway, params: readonly string[]): void {
  const mask = params[0] ?? "*";
  const ops = (params[1] ?? "").split("%")[0]!.includes("o");
  const renderer = gateway.renderer;
  if (mask.startsWith("#")) {
    if (ops) {
      const checked = normalizeRoom(mask);
      const frame = checked.ok ? gateway.hub.who(checked.value, renderer.name!) : undefined;
      if (frame !== undefined) {
        const people = frame.people?.filter((person) => person.op === true) ?? [];
        const members = people.map((person) => person.name);
        return gateway.write(whoReplies(renderer, { ...frame, members, people }));
      }
    } else if (listed(gateway, mask, "WHO")) return;
    return reply(gateway, RPL.ENDOFWHO, mask, "End of WHO list");
  }
  if (mask === "0" || mask.includes("*") || mask.includes("?")) {
    const pattern = mask === "0" ? "*" : mask;
    const matched: PersonInfo[] = [];
    for (const name of gateway.hub.names()) {
      if (!fitsMask(pattern, renderer.nicks.nick(name))) continue;
      const found = listedPerson(gateway, name);
      if (found !== undefined && (!ops || found.person.op === true)) matched.push(found);
    }
    matched.sort((a, b) => a.person.name.localeCompare(b.person.name));
    for (const found of matched.slice(0, MAX_WHO_REPLIES)) whoReply(gateway, found);
    if (matched.length > MAX_WHO_REPLIES) {
      reply(
        gateway,
        ERR.TOOMANYMATCHES,
        "WHO",
        `Too many matches: only the first ${MAX_WHO_REPLIES} are listed`,
      );
    }
    return reply(gateway, RPL.ENDOFWHO, mask, "End of WHO list");
  }
  const found = listedPerson(gateway, renderer.nicks.name(mask));
  if (found !== undefined && (!ops || found.person.op === true)) whoReply(gateway, found);
  reply(gateway, RPL.ENDOFWHO, mask, "End of WHO list");
}

/**
 * Whoever has `name`, if a listing may show them: someone there unseen (a
 * quiet `hello`) is in no WHO, WHOIS, ISON or USERHOST, as in no `who`.
 */
function listedPerson(gateway: Gateway, name: string | undefined): PersonInfo | undefined {
  if (name === undefined || !gateway.hub.listed(name)) return undefined;
  return gateway.hub.person(name);
}

/** The most nicks one WHOIS answers, as USERHOST answers at most 5. */
export const MAX_WHOIS_NICKS = 5;

/**
 * WHOIS [server] a,b: each nick of the list answered in turn, each with its
 * own 318 (as RFC 2812 and Modern IRC give it, per nick), at most
 * {@linkcode MAX_WHOIS_NICKS}; 407 names the first nick left out.
 */
function whois(gateway: Gateway, params: readonly string[]): void {
  if (params.length === 0) return reply(gateway, ERR.NONICKNAMEGIVEN, "No nickname given");
  // WHOIS [server] nick: the nick is the last.
  const nicks = list(params[params.length - 1]);
  if (nicks.length === 0) return reply(gateway, ERR.NONICKNAMEGIVEN, "No nickname given");
  for (const nick of nicks.slice(0, MAX_WHOIS_NICKS)) whoisOne(gateway, nick);
  const skipped = nicks[MAX_WHOIS_NICKS];
  if (skipped !== undefined) {
    const why = `Too many targets: only the first ${MAX_WHOIS_NICKS} nicks are answered`;
    reply(gateway, ERR.TOOMANYTARGETS, skipped, why);
  }
}

/** WHOIS of one nick: 311, 319, 312, 313, 301, 317, 318; 401 and 318 for nobody. */
function whoisOne(gateway: Gateway, nick: string): void {
  const renderer = gateway.renderer;
  const found = listedPerson(gateway, renderer.nicks.name(nick));
  if (found === undefined) {
    reply(gateway, ERR.NOSUCHNICK, nick, "No such nick/channel");
    return reply(gateway, RPL.ENDOFWHOIS, nick, "End of /WHOIS list");
  }
  const { person, rooms } = found;
  const shown = renderer.nicks.nick(person.name);
  const server = renderer.options.server;
  const user = renderer.idents.user(person.name);
  reply(gateway, RPL.WHOISUSER, shown, user, HOST, "*", person.name);
  // As many 319 lines as 512 bytes take: someone may be in 32 rooms of long names. A locked
  // room is left out for whoever may not list it, as IRC servers leave out a secret channel.
  const channels = visible(gateway, rooms).map((room) => (person.op ? "@" : "") + room);
  gateway.write(wordLines(renderer, RPL.WHOISCHANNELS, [shown], channels));
  reply(gateway, RPL.WHOISSERVER, shown, server, `${renderer.options.network} (${person.client})`);
  if (person.op) reply(gateway, RPL.WHOISOPERATOR, shown, "is an operator");
  if (person.away !== undefined) reply(gateway, RPL.AWAY, shown, person.away.reason ?? "Away");
  const idle = Math.max(0, Math.floor((Date.now() - person.active) / 1000));
  const signon = String(Math.floor(found.since / 1000));
  reply(gateway, RPL.WHOISIDLE, shown, String(idle), signon, "seconds idle, signon time");
  reply(gateway, RPL.ENDOFWHOIS, shown, "End of /WHOIS list");
}

/** TOPIC: the topic (332, 333, or 331), or setting it through the hub; 403 for a room nobody is in. */
function topic(gateway: Gateway, params: readonly string[]): void {
  if (short(gateway, "TOPIC", params, 1)) return;
  const channel = params[0]!;
  const name = existingRoom(gateway, channel);
  if (name === undefined) return;
  if (params[1] === undefined) {
    const set = gateway.hub.topic(name);
    if (set === undefined) return reply(gateway, RPL.NOTOPIC, name, "No topic is set");
    return gateway.write(topicLines(gateway.renderer, name, sanitizeText(set.text)));
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

/** MODE: a channel's modes, or an operator's change of them (operators.ts); one's own. */
function mode(gateway: Gateway, params: readonly string[]): void {
  if (short(gateway, "MODE", params, 1)) return;
  const renderer = gateway.renderer;
  const [target, change] = params as [string, string | undefined];
  if (target.startsWith("#")) {
    const name = room(gateway, target);
    if (name === undefined) return;
    if (change === undefined) {
      return reply(gateway, RPL.CHANNELMODEIS, name, gateway.hub.locked(name) ? "+int" : "+nt");
    }
    return channelMode(gateway, name, target, change, params.slice(2));
  }
  const name = renderer.nicks.name(target);
  if (name === undefined || gateway.hub.person(name) === undefined) {
    return reply(gateway, ERR.NOSUCHNICK, target, "No such nick/channel");
  }
  if (name.toLowerCase() !== renderer.name?.toLowerCase()) {
    // As IRC servers answer: another's modes are neither changed nor shown.
    const why = change === undefined
      ? "Cannot see modes of other users"
      : "Cannot change mode for other users";
    return reply(gateway, ERR.USERSDONTMATCH, why);
  }
  if (change === undefined) {
    // An operator has `o` too, as servers tell it, though MODE cannot set it.
    const op = gateway.hub.person(renderer.name!)?.person.op === true ? ["o"] : [];
    return reply(gateway, RPL.UMODEIS, `+${[...gateway.userModes, ...op].sort().join("")}`);
  }
  userMode(gateway, change);
}

/**
 * The user modes a client may set, as 004 lists them: invisible and wallops.
 * They change nothing here (rooms are public, and no wallops are sent), but
 * clients set them, and are told them back as set.
 */
const USER_MODES = "iw";

/**
 * `MODE nick +i-w` and the like: each known letter set or unset, what
 * changed confirmed by a MODE line, as servers do; 501 for unknown letters.
 * An operator's `-o` gives up the status (`/deop` of oneself, confirmed by
 * the `MODE nick -o` that losing it sends); `+o` is left alone, as servers
 * do: OPER is the way in.
 */
function userMode(gateway: Gateway, change: string): void {
  const modes = gateway.userModes;
  let adding = true;
  let unknown = false;
  let sign = "";
  let changed = "";
  for (const letter of change) {
    if (letter === "+" || letter === "-") {
      adding = letter === "+";
      continue;
    }
    if (letter === "o") {
      const name = gateway.renderer.name!;
      if (!adding && gateway.hub.person(name)?.person.op === true) {
        gateway.deliver({ type: "deop", name }, { command: "MODE", target: name });
      }
      continue;
    }
    if (!USER_MODES.includes(letter)) {
      unknown = true;
      continue;
    }
    if (modes.has(letter) === adding) continue;
    if (adding) modes.add(letter);
    else modes.delete(letter);
    const next = adding ? "+" : "-";
    if (next !== sign) {
      sign = next;
      changed += sign;
    }
    changed += letter;
  }
  const renderer = gateway.renderer;
  if (changed !== "") {
    gateway.write(renderer.from(renderer.name!, "MODE", renderer.nick, changed));
  }
  if (unknown) reply(gateway, ERR.UMODEUNKNOWNFLAG, "Unknown MODE flag");
}

/** WHOWAS: the server keeps no record of nicks gone, so 406 (irssi asks after a 401). */
function whowas(gateway: Gateway, params: readonly string[]): void {
  if (params.length === 0) return reply(gateway, ERR.NONICKNAMEGIVEN, "No nickname given");
  const nick = params[0]!;
  reply(gateway, ERR.WASNOSUCHNICK, nick, "There was no such nickname");
  reply(gateway, RPL.ENDOFWHOWAS, nick, "End of WHOWAS");
}

/** A command that asks: its parameters in, numerics out. */
type Query = (gateway: Gateway, params: readonly string[]) => void;

/** The commands that ask, by name. */
export const QUERIES: Readonly<Record<string, Query>> = {
  NAMES: names,
  WHO: who,
  WHOIS: whois,
  WHOWAS: whowas,
  TOPIC: topic,
  MODE: mode,
  USERHOST: (gateway, params) => {
    if (short(gateway, "USERHOST", params, 1)) return;
    const found = params.slice(0, 5).flatMap((nick) => {
      const person = listedPerson(gateway, gateway.renderer.nicks.name(nick))?.person;
      if (person === undefined) return [];
      const away = person.away === undefined ? "+" : "-";
      const shown = gateway.renderer.nicks.nick(person.name);
      return [
        `${shown}${person.op ? "*" : ""}=${away}${
          gateway.renderer.idents.user(person.name)
        }@${HOST}`,
      ];
    });
    reply(gateway, RPL.USERHOST, found.join(" "));
  },
  ISON: (gateway, params) => {
    if (short(gateway, "ISON", params, 1)) return;
    const online = params.flatMap((param) => param.split(" ")).filter((nick) => {
      return nick !== "" && listedPerson(gateway, gateway.renderer.nicks.name(nick)) !== undefined;
    });
    reply(gateway, RPL.ISON, online.join(" "));
  },
};
