/**
 * Chat names as IRC nicks, and back. A chat name that is a valid IRC nick
 * (ASCII letters, digits, `_` and `-`, starting with a letter) is its own
 * nick. Any other (another script, a dot, a leading digit) is shown as an
 * ASCII transliteration, `|` and 8 hex digits of a hash of the exact name:
 * `Zoë` is `Zoe|…`, `李明` is `__|…`. Chat names never hold `|`, so such a
 * nick is never someone's real name, and the same name always gives the same
 * nick. Each IRC connection remembers the nicks it was shown, and finds the
 * person behind any other mapped nick among those connected. The user part
 * a nick gives a mask is the nick, or for a nick of 10 characters or more a
 * short form that still tells its person (`ver|…`), as irssi cuts longer
 * ones; each person keeps theirs through renames (idents.ts).
 *
 * @module
 */

import { checkOwnName, nameVariant } from "../../core/names.ts";
import { MAX_NAME_LENGTH } from "../../protocol.ts";

/** The nicks IRC users may take: a chat name that is an IRC nick too, at most 24 characters. */
const OWN_NICK = new RegExp(`^[A-Za-z][A-Za-z0-9_-]{0,${MAX_NAME_LENGTH - 1}}$`);

/** Characters of the transliteration kept before the `|` and the hash. */
const TRANSLITERATION_CHARS = 15;

/** The rule a nick breaks, as 432 tells it. */
export const NICK_RULE =
  "A nick here is a chat name: up to 24 ASCII letters, digits, _ and -, starting with a letter";

/** Reports whether an IRC user may chat under `nick`: a valid chat name and a valid IRC nick. */
export function isOwnNick(nick: string): boolean {
  return nickProblem(nick) === undefined;
}

/**
 * Why an IRC user may not chat under `nick`, as 432 tells it: the rule of
 * nicks here, or why the chat refuses that name (`The name "chat" is
 * reserved`, and so is `host`, the console's); `undefined` when they may.
 */
export function nickProblem(nick: string): string | undefined {
  return OWN_NICK.test(nick) ? checkOwnName(nick) : NICK_RULE;
}

/**
 * The text of a 433 refusing `nick`: the hub's `refusal`, and, when it asks
 * for another name, a nick like it that nobody has nor looks like, if one of
 * the first few is free. IRC clients try `ann_`, `ann__` next, which look
 * like ann: the nick offered is `nick` without its final `_` and `-`,
 * numbered from 2 (`tina2` for `tina_`).
 *
 * @param taken Whether the hub would refuse a name.
 */
export function nickInUse(refusal: string, nick: string, taken: (name: string) => boolean): string {
  if (!refusal.endsWith("Pick another name")) return refusal;
  const free = nameVariant(
    nick.replace(/[_-]+$/, ""),
    (candidate) => nickProblem(candidate) !== undefined || taken(candidate),
  );
  return free === undefined ? refusal : `${refusal}, such as ${free}`;
}

/** 32-bit FNV-1a of the UTF-8 bytes of `text`, as 8 hex digits. */
function hash(text: string): string {
  let value = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    value ^= byte;
    value = Math.imul(value, 0x01000193) >>> 0;
  }
  return value.toString(16).padStart(8, "0");
}

// Mapped nicks already made, as each message names its sender to every IRC client.
const made = new Map<string, string>();
const MAX_MADE = 10_000;

/** The IRC nick a chat name is shown as: itself when it is a valid nick, else its mapped form. */
export function nickOf(name: string): string {
  if (OWN_NICK.test(name)) return name;
  let nick = made.get(name);
  if (nick === undefined) {
    if (made.size >= MAX_MADE) made.clear();
    nick = mapped(name);
    made.set(name, nick);
  }
  return nick;
}

/** The mapped nick of a chat name that is no IRC nick. */
function mapped(name: string): string {
  let ascii = name.normalize("NFKD").replace(/\p{M}/gu, "").replace(/[^A-Za-z0-9_-]/g, "_");
  if (!/^[A-Za-z_]/.test(ascii)) ascii = `_${ascii}`;
  return `${[...ascii].slice(0, TRANSLITERATION_CHARS).join("")}|${hash(name)}`;
}

/** The host of every mask: `chat`, as people are known here by their names alone. */
export const HOST = "chat";

/**
 * The longest user part a mask shows: irssi's `/ban` keeps only the last 9
 * characters of a longer one, which would name someone else.
 */
export const MAX_USER = 9;

/** Characters of a long nick that begin its short user part, before the `|` and the hash. */
const USER_PREFIX_CHARS = 3;

/** Characters of base 36 hash that end a short user part. */
const USER_HASH_CHARS = 5;

/** A short user part: a few characters of a nick, `|`, the hash; never anyone's nick. */
const SHORT_USER = new RegExp(
  `^[^|]{1,${USER_PREFIX_CHARS}}\\|[0-9a-z]{${USER_HASH_CHARS}}$`,
  "i",
);

// Short user parts already made, as every line a long nick sends names it.
const shortened = new Map<string, string>();

/**
 * The user part of a nick's mask, at most {@linkcode MAX_USER} characters:
 * the nick itself when it fits, else its first 3 characters (those before
 * the `|` of a mapped nick), `|`, and 5 base 36 digits of a hash of the
 * nick (without case): `verylongnick` is `ver|…`. Nicks never hold `|`
 * where it stands, so a short user part is never someone's nick, and the
 * server finds the person behind one ({@linkcode NickBook.holder}).
 */
export function userOf(nick: string): string {
  if (nick.length <= MAX_USER) return nick;
  let user = shortened.get(nick);
  if (user === undefined) {
    if (shortened.size >= MAX_MADE) shortened.clear();
    user = shortForm(nick, foldNick(nick));
    shortened.set(nick, user);
  }
  return user;
}

/**
 * A user part for `nick` when {@linkcode userOf} gives one that someone
 * else shows already: its short form made with `salt` (1, 2 …) in the
 * hash, `evi|blw4y` for evil, never anyone's nick either.
 */
export function otherUser(nick: string, salt: number): string {
  return shortForm(nick, `${foldNick(nick)}\n${salt}`);
}

/** The first characters of `nick` (before its `|`), `|`, and 5 base 36 digits of a hash of `text`. */
function shortForm(nick: string, text: string): string {
  const code = (Number.parseInt(hash(text), 16) % 36 ** USER_HASH_CHARS).toString(36);
  const prefix = nick.split("|")[0]!.slice(0, USER_PREFIX_CHARS);
  return `${prefix}|${code.padStart(USER_HASH_CHARS, "0")}`;
}

/** Reports whether `user`, the user part of a mask, is the short form of a long nick's. */
export function isShortUser(user: string): boolean {
  return SHORT_USER.test(user);
}

/**
 * `nick!user@chat`, the mask of a nick not yet anyone's (a client's own
 * before it registers): the user part is the nick too when it fits in 9
 * characters, else its short form ({@linkcode userOf}). Those of people
 * connected keep their user part through renames (idents.ts).
 */
export function maskOf(nick: string): string {
  return `${nick}!${userOf(nick)}@${HOST}`;
}

/** IRC's `ascii` case mapping: nicks compare without regard to ASCII case. */
export function foldNick(nick: string): string {
  return nick.replace(/[A-Z]/g, (char) => char.toLowerCase());
}

/** What tells the person behind chat name `name` in the user part of a mask, case folded. */
function userKey(name: string): string {
  return foldNick(userOf(nickOf(name)));
}

/** Mapped nicks one connection remembers: more than a room lists at once, never unbounded. */
export const MAX_REMEMBERED = 4096;

/** Renames followed from a name to the one its person has now, at most: a bound on a loop. */
const MAX_RENAMES_FOLLOWED = 64;

/** The nicks one IRC connection was shown, to find the chat name behind each. */
export class NickBook {
  readonly #names = new Map<string, string>();
  /** By the folded nick of a name this connection saw someone leave, the name they took. */
  readonly #renamed = new Map<string, string>();
  readonly #people: () => Iterable<string>;
  readonly #present: (name: string) => boolean;

  /**
   * `people` gives the names of everyone connected, among whom a mapped nick
   * not shown is found; `present` tells whether someone has a name now.
   */
  constructor(
    people: () => Iterable<string> = () => [],
    present: (name: string) => boolean = () => false,
  ) {
    this.#people = people;
    this.#present = present;
  }

  /** This connection was told that `from` is now called `to`. */
  renamed(from: string, to: string): void {
    const key = userKey(from);
    this.#renamed.delete(key);
    this.#renamed.set(key, to);
    if (this.#renamed.size > MAX_REMEMBERED) {
      this.#renamed.delete(this.#renamed.keys().next().value!);
    }
  }

  /**
   * The chat name of the person the user part of a mask names, by what this
   * connection was told: whoever it saw renamed from that nick (or from the
   * nick whose short form it is, {@linkcode userOf}), as they are called now
   * (or were last), as a client keeps the user part through renames; else
   * the name of that nick. `undefined` as for {@linkcode name}, and for a
   * short form that is nobody's here. `others` are names to look among too,
   * after those connected and shown (the names of the bans in force, for a
   * ban mask of someone gone). The server's own record of whose mask shows
   * which user part comes first (idents.ts): this is for one it no longer has.
   */
  holder(user: string, others: Iterable<string> = []): string | undefined {
    let name = isShortUser(user) ? this.#shortened(user, others) : this.name(user);
    let key = name === undefined ? foldNick(user) : userKey(name);
    for (let step = 0; step < MAX_RENAMES_FOLLOWED; step++) {
      const next = this.#renamed.get(key);
      if (next === undefined) break;
      name = next;
      key = userKey(next);
      if (this.#present(name)) break;
    }
    return name;
  }

  /**
   * The chat name whose nick's user part is the short form `user`: of
   * someone connected, else of a mapped nick this connection was shown,
   * else among `others`; `undefined` for none, or (a hash is short) for
   * more than one.
   */
  #shortened(user: string, others: Iterable<string>): string | undefined {
    const key = foldNick(user);
    let found: string | undefined;
    for (const names of [this.#people(), this.#names.values(), others]) {
      for (const name of names) {
        if (userKey(name) !== key || name === found) continue;
        if (found !== undefined) return undefined;
        found = name;
      }
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** The nick of chat name `name`, remembered (the most recent {@linkcode MAX_REMEMBERED}). */
  nick(name: string): string {
    const nick = nickOf(name);
    if (nick === name) return nick;
    const key = foldNick(nick);
    this.#names.delete(key);
    this.#names.set(key, name);
    if (this.#names.size > MAX_REMEMBERED) this.#names.delete(this.#names.keys().next().value!);
    return nick;
  }

  /**
   * The chat name behind `nick`: the name it was shown for, else the nick
   * itself (the hub compares it as names are); for a mapped nick this
   * connection was never shown, the name of whoever connected it maps
   * (the same name always gives the same nick), or `undefined`.
   */
  name(nick: string): string | undefined {
    const key = foldNick(nick);
    const known = this.#names.get(key);
    if (known !== undefined) return known;
    if (!nick.includes("|")) return nick;
    for (const name of this.#people()) {
      if (foldNick(nickOf(name)) !== key) continue;
      this.nick(name);
      return name;
    }
    return undefined;
  }
}
