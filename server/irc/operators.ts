/**
 * What IRC operators type, made into the chat's operator commands: channel
 * modes (`MODE #dev +b bob` is `ban`, `-b` `unban`, `+o` and `-o` `op` and
 * `deop`, `+i` and `-i` `lock` and `unlock`; `MODE #dev b` lists the bans),
 * and the commands IRC has no word for as raw verbs (`MUTE bob 10m`, what
 * `/quote MUTE bob 10m` sends), read as the chat reads `/mute bob 10m`. The
 * hub decides whether the sender may, as for everyone.
 *
 * @module
 */

import { isIP } from "node:net";
import { parseInput } from "../../core/commands.ts";
import { nameKey } from "../../core/names.ts";
import { plainAddress } from "../../core/address.ts";
import type { Hub } from "../hub.ts";
import type { Ban } from "../hub/moderation.ts";
import { ofDeparted } from "../hub/operators.ts";
import type { CommandHandler } from "./commands.ts";
import type { Gateway } from "./connection.ts";
import type { Idents } from "./idents.ts";
import { foldNick, type NickBook, nickOf, userOf } from "./nicks.ts";
import { ERR, RPL } from "./numerics.ts";
import { reply } from "./params.ts";
import { stripFormatting } from "./text.ts";

/** The channel modes there are: `b`, `o` and `i` change something, `n` and `t` are always set. */
const MODES = "bimnot";

/** Letters IRC has for channel modes that mean nothing here. */
const OTHER_MODES = "vklmsp";

const WILDCARD = /[*?]/;

/** What {@linkcode banTarget} reads a mask with. */
export interface MaskReader {
  /** The nicks this connection was shown, and the renames it was told of. */
  readonly nicks: NickBook;
  /** The user parts of the server's masks. */
  readonly idents: Idents;
  /** Who is connected. */
  readonly hub: Pick<Hub, "names" | "person">;
  /**
   * The names of the bans in force, for an unban: a nick or a short user
   * part that is nobody's here may be someone a kickban sent away.
   */
  readonly banned?: readonly string[];
}

/** Whom a ban mask names, or why it names nobody the server can tell. */
export type BanTarget =
  | {
    ok: true;
    target: string;
    /**
     * Set when `target` is the name someone gone left as, from a connection
     * opened then: the ban is of them, not of whoever has that name now.
     */
    since?: number;
  }
  | { ok: false; code: "nobody" | "unclear"; message: string };

/** Why a mask that names nobody in particular is refused. */
const NOBODY = "a mask here names one nick (bob, bob!*@*, *!*bob@chat) or one address " +
  "(*!*@192.168.1.7)";

/**
 * What a ban mask names: a nick's person (`bob`, `bob!*@*`), a user part's
 * (`*!*bob@chat`: the person whose mask shows it, through their renames,
 * idents.ts), or an address (`*!*@192.168.1.7`). A mask with both a nick
 * and a user part that name two people names the one whose mask shows that
 * user part. A user part no mask shows now names someone gone who showed
 * it, or whom this connection saw renamed from that nick, as they were
 * called last; never someone who merely has that nick now, whose mask
 * shows another user part: such a mask is `unclear`, and so is a nick and
 * a user part of two people of whom the user part's is gone. A nick or a
 * short user part that is nobody's here is looked for among `banned`: a
 * kickban sent its person away, and the client unbans them by the mask it
 * banned.
 */
export function banTarget(mask: string, reader: MaskReader): BanTarget {
  const { nicks } = reader;
  const banned = reader.banned ?? [];
  const bang = mask.indexOf("!");
  const at = mask.lastIndexOf("@");
  if (bang === -1 && at === -1) {
    const target = isIP(mask) ? mask : nicks.name(mask) ?? bannedNick(mask, banned) ?? mask;
    return { ok: true, target };
  }
  const nick = bang === -1 ? "" : mask.slice(0, bang);
  const byNick = nick !== "" && !WILDCARD.test(nick)
    ? nicks.name(nick) ?? bannedNick(nick, banned) ?? nick
    : undefined;
  const user = mask.slice(bang + 1, at === -1 ? undefined : at).replace(/^[*~]+/, "");
  if (user === "" || WILDCARD.test(user)) {
    if (byNick !== undefined) return { ok: true, target: byNick };
    const host = at === -1 ? "" : mask.slice(at + 1);
    return isIP(host) ? { ok: true, target: host } : { ok: false, code: "nobody", message: NOBODY };
  }
  const byUser = userTarget(user, reader);
  if (byNick === undefined) return byUser.ok ? withSince(byUser) : byUser;
  // A nick that someone has now still names them when the user part tells nobody apart.
  if (!byUser.ok) return { ok: true, target: byNick };
  if (nameKey(byUser.target) === nameKey(byNick)) {
    return byUser.since === undefined ? { ok: true, target: byNick } : withSince(byUser);
  }
  if (byUser.here) return { ok: true, target: byUser.target };
  return {
    ok: false,
    code: "unclear",
    message: `its nick names ${nick}, and its user part ${user} someone else, who left; ` +
      `say which: ${nick}!*@* or *!*${user}@chat`,
  };
}

/** Whom a user part names: their name, whether here, and for someone gone when they connected. */
type UserTarget = { ok: true; target: string; here: boolean; since?: number };

/** `found` as {@linkcode banTarget} gives it. */
function withSince(found: UserTarget): BanTarget {
  return found.since === undefined
    ? { ok: true, target: found.target }
    : { ok: true, target: found.target, since: found.since };
}

/** Whom the user part `user` names, as {@linkcode banTarget} tells. */
function userTarget(
  user: string,
  reader: MaskReader,
): UserTarget | Extract<BanTarget, { ok: false }> {
  const { nicks, idents, hub } = reader;
  // Whoever has no user part yet takes theirs now, as they would when shown.
  idents.showAll(hub.names());
  const holder = idents.holder(user);
  const name = nicks.holder(user, reader.banned);
  if (holder !== undefined) {
    // An unban looks for whom a ban keeps out: someone new may show the user part of someone gone.
    const banned = reader.banned?.map(nameKey);
    const isBanned = (found: string | undefined) =>
      found !== undefined && banned?.includes(nameKey(found)) === true;
    const former = banned === undefined || isBanned(holder.name)
      ? undefined
      : [idents.formerly(user), name].find(isBanned);
    if (former !== undefined) return { ok: true, target: former, here: false };
    // Someone gone: the ban is of their departure, whoever has their last name now.
    return holder.here || holder.since === undefined || reader.banned !== undefined
      ? { ok: true, target: holder.name, here: holder.here }
      : { ok: true, target: holder.name, here: false, since: holder.since };
  }
  // A short user part of nobody's: the hub says that nobody has that name.
  if (name === undefined) return { ok: true, target: user, here: false };
  const folded = foldNick(user);
  const here = hub.person(name) !== undefined;
  // Whoever showed that user part left as `name`, which someone else has now: nothing more
  // of them is known, and the ban would fall on that newcomer.
  const former = idents.formerly(user);
  if (here && former !== undefined && nameKey(former) === nameKey(name)) {
    const nick = nicks.nick(name);
    return {
      ok: false,
      code: "unclear",
      message: `whoever showed the user part ${user} left as ${nick}, and ${nick} now is ` +
        `someone else (${nick}!${idents.user(name)}@chat); nothing more of them is known`,
    };
  }
  // Someone here who merely has that nick now, and whose mask shows another user part.
  const own = nickOf(name);
  if (here && (foldNick(own) === folded || foldNick(userOf(own)) === folded)) {
    const nick = nicks.nick(name);
    const shows = idents.user(name);
    return {
      ok: false,
      code: "unclear",
      message: `nobody here shows the user part ${user}, and ${nick} shows another ` +
        `(${nick}!${shows}@chat), so ${nick} is not whom that mask was made of; ` +
        `${nick}!*@* names them`,
    };
  }
  return { ok: true, target: name, here };
}

/** The name among `banned` whose nick is `nick` (a mapped one, of someone gone), if any. */
function bannedNick(nick: string, banned: readonly string[]): string | undefined {
  const key = foldNick(nick);
  return banned.find((name) => foldNick(nickOf(name)) === key);
}

/** How `gateway` reads a ban mask: for an unban (`unbanning`), among the bans in force too. */
function reader(gateway: Gateway, unbanning: boolean): MaskReader {
  const { nicks, idents } = gateway.renderer;
  return { nicks, idents, hub: gateway.hub, ...unbanning ? { banned: bannedNames(gateway) } : {} };
}

/** The names the bans in force keep out, as they were given. */
function bannedNames(gateway: Gateway): string[] {
  return gateway.hub.bans().flatMap((ban) => ban.name === undefined ? [] : [ban.name]);
}

/**
 * A ban as IRC masks it: its name's nick and its address, each a mask
 * (`spammer!*@*`, `*!*@192.168.1.7`), as a ban of both keeps out either.
 * One ban still: lifting it by either mask lifts both.
 */
function banMasks(ban: Ban): string[] {
  const masks = [];
  if (ban.name !== undefined) masks.push(`${nickOf(ban.name)}!*@*`);
  if (ban.address !== undefined) masks.push(`*!*@${ban.address}`);
  return masks.length === 0 ? ["*!*@*"] : masks;
}

/** The masks of the bans an unban of `target` (a name or an address) lifts, as the hub matches them. */
function liftedMasks(gateway: Gateway, target: string): string[] {
  const key = nameKey(target.replace(/^@/, ""));
  const address = plainAddress(target.replace(/^@/, ""));
  return gateway.hub.bans()
    .filter((ban) => ban.address === address || ban.key === key)
    .flatMap(banMasks);
}

/** `MODE #room b`: the bans in force (367) to an operator, then 368; to anyone else 368 alone. */
function banList(gateway: Gateway, room: string): void {
  const me = gateway.renderer.name;
  if (me !== undefined && gateway.hub.person(me)?.person.op === true) {
    for (const ban of gateway.hub.bans()) {
      for (const mask of banMasks(ban)) {
        reply(gateway, RPL.BANLIST, room, mask, nickOf(ban.by), String(Math.floor(ban.at / 1000)));
      }
    }
  }
  reply(gateway, RPL.ENDOFBANLIST, room, "End of channel ban list");
}

/**
 * MODE on channel `room` (`channel` as the client wrote it) with a change:
 * each letter's command handed to the hub in turn, each with its parameter.
 */
export function channelMode(
  gateway: Gateway,
  room: string,
  channel: string,
  change: string,
  args: readonly string[],
): void {
  if (/^[+-]?b$/.test(change) && args.length === 0) return banList(gateway, room);
  let adding = true;
  let next = 0;
  for (const letter of change) {
    if (letter === "+" || letter === "-") {
      adding = letter === "+";
      continue;
    }
    if (!MODES.includes(letter) && !OTHER_MODES.includes(letter)) {
      reply(gateway, ERR.UNKNOWNMODE, letter, "is unknown mode char to me");
      continue;
    }
    if (letter === "i") {
      gateway.deliver({ type: adding ? "lock" : "unlock", room }, { command: "MODE", channel });
      continue;
    }
    if (letter !== "b" && letter !== "o") {
      reply(gateway, ERR.CHANOPRIVSNEEDED, room, `Mode ${letter} cannot be changed here`);
      continue;
    }
    const given = args[next++];
    const arg = given === undefined ? undefined : withColon(given);
    if (arg === undefined) {
      if (letter === "b") banList(gateway, room);
      else reply(gateway, ERR.NEEDMOREPARAMS, "MODE", "Not enough parameters");
      continue;
    }
    const context = { command: "MODE", target: arg, channel };
    if (letter === "o") {
      const name = gateway.renderer.nicks.name(arg) ?? arg;
      gateway.deliver({ type: adding ? "op" : "deop", name }, context);
      continue;
    }
    const found = banTarget(arg, reader(gateway, !adding));
    if (!found.ok) {
      const why = `Cannot ${adding ? "ban" : "unban"} ${arg}: ${found.message}`;
      gateway.write(gateway.renderer.notice(why));
      continue;
    }
    const target = found.target;
    const renderer = gateway.renderer;
    renderer.lastError = undefined;
    // The other masks the ban lifted was listed by (its name's, its address's) go with it.
    const others = adding ? [] : liftedMasks(gateway, target).filter((mask) => mask !== arg);
    // A KICK that follows, of whom the ban sent away, gives it its reason (/kickban).
    if (adding) gateway.kickbans.ban(gateway, room, target, { context, since: found.since });
    else gateway.deliver({ type: "unban", target }, context);
    // Told back as the MODE a server sends, so that the client's own ban list has it (irssi's /unban).
    if (renderer.lastError === undefined) {
      for (const mask of [arg, ...new Set(others)]) {
        gateway.write(renderer.from(renderer.name!, "MODE", room, adding ? "+b" : "-b", mask));
      }
    }
  }
}

/**
 * `param` with the `:` the line took from it given back when it begins an
 * IPv6 address: the first `:` of a last parameter only marks it as the last
 * (`UNBAN ::ffff:192.168.1.7` reads `:ffff:192.168.1.7`), and a first word
 * that is no address without another `:` but is one with it was typed so.
 */
export function withColon(param: string): string {
  if (!param.startsWith(":")) return param;
  const word = param.split(" ", 1)[0]!;
  return isIP(word) === 0 && isIP(`:${word}`) === 6 ? `:${param}` : param;
}

/**
 * A raw verb for the chat's operator command of the same name: its
 * parameters read as the words after `/name`, a nick among them as its
 * person's name.
 */
function verb(name: string): CommandHandler {
  const command = name.toUpperCase();
  return (gateway, params) => {
    // A reason is words for the chat: without IRC's colours, as a message's are.
    const words = params.map((param) => stripFormatting(withColon(param))).join(" ");
    const parsed = parseInput(`/${name} ${words}`.trimEnd());
    if (!parsed.ok) return gateway.write(gateway.renderer.notice(ircUsage(parsed.message)));
    const frame = parsed.frame;
    const nicks = gateway.renderer.nicks;
    let target: string | undefined;
    if ("target" in frame) {
      target = frame.target;
      const found = banTarget(target, reader(gateway, frame.type === "unban"));
      // A mask of nobody in particular goes as it is: the hub says that nobody has that name.
      if (!found.ok && found.code === "unclear") {
        return gateway.write(gateway.renderer.notice(`Cannot ${name} ${target}: ${found.message}`));
      }
      frame.target = found.ok ? found.target : target;
      if (found.ok && found.since !== undefined && frame.type === "ban") {
        ofDeparted(frame, found.since);
      }
    } else if ("name" in frame) {
      target = frame.name;
      frame.name = nicks.name(target) ?? target;
    }
    const room = "room" in frame ? frame.room : undefined;
    gateway.deliver(frame, {
      command,
      ...(target === undefined ? {} : { target }),
      ...(room === undefined ? {} : { channel: room }),
    });
  };
}

/**
 * A refusal of the chat's command parser as an IRC user reads it: its usage
 * in the raw verb's form (`Usage: RENAME NAME NEW`), not the slash command's
 * (`Usage: /rename NAME NEW`), which is no command of an IRC client's.
 */
export function ircUsage(message: string): string {
  return message.replace(/^Usage: \/([a-z]+)/, (_, verb: string) => `Usage: ${verb.toUpperCase()}`);
}

/** The operators' raw verbs, by name. */
export const OPERATOR_VERBS: Readonly<Record<string, CommandHandler>> = Object.fromEntries(
  ["ban", "unban", "bans", "mute", "unmute", "lock", "unlock", "rename", "op", "deop"]
    .map((name) => [name.toUpperCase(), verb(name)]),
);
