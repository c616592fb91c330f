/**
 * Keeping order: who the operators are (made by the host or another
 * operator, or proved with a secret of the op file), bans (by address, by
 * resume identity and by name, until they expire or are lifted), mutes (by
 * name and session, which they follow through renames and reconnections, and
 * by address), and each room's topic and lock. Bans, topics and locks are kept with the
 * history, so a restart keeps them; in a cluster they, and the mutes, are
 * every server's. Everyone in the rooms concerned sees what an operator did
 * and who did it.
 *
 * @module
 */

import { plainAddress } from "../../core/address.ts";
import { nameKey } from "../../core/names.ts";
import { formatSpan } from "../../core/duration.ts";
import { sanitizeText } from "../../core/sanitize.ts";
import type { ErrorCode } from "../../protocol.ts";
import type { HistoryStore } from "../history/store.ts";
import { PasswordGate } from "../password.ts";
import type { Member } from "./members.ts";
import { tokenDigest } from "./token_digest.ts";

/** One ban: what it matches, until when, why and by whom. */
export interface Ban {
  /**
   * Which ban it is, the key of its note: a number counted up on one server
   * (`7`); in a cluster, with the mark of the server that made it (`7-3f9a1c2e`),
   * so that two servers banning at once never make one note of two bans.
   */
  readonly id: string;
  /** The IP address it keeps out. */
  readonly address?: string;
  /** The resume token of the session banned: coming back with it is refused. */
  readonly resume?: string;
  /** The folded name it keeps out. */
  readonly key?: string;
  /** The name as it was, to show. */
  readonly name?: string;
  /** When it ends, in ms since the epoch; never when left out. */
  readonly until?: number;
  readonly reason?: string;
  /** Who banned. */
  readonly by: string;
  /** When, in ms since the epoch. */
  readonly at: number;
}

/**
 * A mute: whom it silences, until when (never when left out), and by whom.
 * Like a ban, it holds its person by name and by session, and follows them
 * through renames and reconnections.
 */
interface Mute {
  /** Its note's key: which mute it is, on every server of a cluster. */
  readonly id: string;
  /** The folded name it silences: its person's, whatever they are called now. */
  key: string;
  /** The names its person went by before, folded: `/unmute` finds it by them too. */
  readonly formerly: Set<string>;
  /**
   * The digest of the resume token of its person's session, the one given at
   * their last welcome (see {@linkcode tokenDigest}).
   */
  resume: string;
  /** The address muted with the name, if any: unmuting the name lifts it too. */
  readonly address: string | undefined;
  readonly until: number | undefined;
  readonly by: string;
}

/** A room's topic and lock, kept even while the room is empty. */
export interface RoomSettings {
  topic?: { text: string; by: string; ts: number };
  locked?: boolean;
}

/** Why something was refused, for an `error` frame. */
export interface Refusal {
  readonly code: ErrorCode;
  readonly message: string;
}

const BAN = "ban";
const ROOM = "room";
/** The kind of the notes of mutes: shared by the servers of a cluster, never kept with the history. */
export const MUTE = "mute";

/** Most bans kept: the oldest go first. */
const MAX_BANS = 10_000;

/** Names without a secret whose wrong guesses are counted at once: the oldest go first. */
const MAX_GUESSED = 10_000;

/** The longest topic, in characters. */
export const MAX_TOPIC_CHARS = 300;

/**
 * Reads an op file: one `NAME SECRET` per line, each one word, each person
 * once; blank lines and lines starting with `#` are skipped. Throws
 * `SyntaxError` naming the first bad line, as `line 3 is …`.
 */
export function parseOpFile(text: string): Map<string, string> {
  const secrets = new Map<string, string>();
  // The line each person was named on.
  const lines = new Map<string, number>();
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = /^(\S+)\s+(\S+)$/.exec(line);
    if (match === null) {
      throw new SyntaxError(`line ${index + 1} is not NAME SECRET, one word each`);
    }
    const key = nameKey(match[1]!);
    const first = lines.get(key);
    // Which of two secrets would count is a guess nobody should have to make.
    if (first !== undefined) {
      throw new SyntaxError(`line ${index + 1} names the same person as line ${first}`);
    }
    lines.set(key, index + 1);
    secrets.set(key, match[2]!);
  }
  return secrets;
}

/** Where moderation keeps its notes: the history store, or in a cluster every server's. */
export type NoteStore = Pick<HistoryStore, "notes" | "note">;

/** What {@linkcode Moderation} takes besides its store. */
export interface ModerationOptions {
  /** The op file's secrets, by folded name. */
  readonly secrets?: ReadonlyMap<string, string> | undefined;
  /**
   * In a cluster, tells every server a note that is not kept with the
   * history: a mute (`undefined` when it is lifted), which one server alone
   * keeps only while it runs.
   */
  readonly share?: ((kind: string, key: string, value: string | undefined) => void) | undefined;
  /**
   * In a cluster, this server's id, unique among them: the ids of the bans
   * made here end with a mark of it (its first 8 letters and digits).
   */
  readonly server?: string | undefined;
}

/** Operators, bans, mutes, topics and locks. */
export class Moderation {
  readonly #store: NoteStore;
  readonly #proofs = new Map<string, PasswordGate>();
  /**
   * For names the op file gives no secret: gates no guess opens, so that a
   * guess for such a name is refused, and slowed down, as a wrong one is.
   */
  readonly #decoys = new Map<string, PasswordGate>();
  readonly #bans = new Map<string, Ban>();
  /** The mutes, by id. */
  readonly #mutes = new Map<string, Mute>();
  /** The digest of each member's resume token, worked out once. */
  readonly #digests = new WeakMap<Pick<Member, "resume">, string>();
  readonly #share: ModerationOptions["share"];
  readonly #rooms = new Map<string, RoomSettings>();
  readonly #origin: string | undefined;
  /** The highest number of a ban id known, of any server: the next ban made here counts on. */
  #lastBan = 0;

  /** Reads the bans, topics and locks kept in `store`. */
  constructor(store: NoteStore, options: ModerationOptions = {}) {
    this.#store = store;
    this.#share = options.share;
    this.#origin = options.server === undefined ? undefined : originOf(options.server);
    for (const [key, secret] of options.secrets ?? []) {
      this.#proofs.set(key, new PasswordGate(secret));
    }
    for (const [key, value] of store.notes(BAN)) this.noted(BAN, key, value);
    for (const [room, value] of store.notes(ROOM)) this.noted(ROOM, room, value);
  }

  /**
   * Takes a note written elsewhere (another server of the cluster): a ban, a
   * mute or a room's settings, or that one was forgotten (`value` undefined).
   * Returns the ban when the note is a new one.
   */
  noted(kind: string, key: string, value: string | undefined): Ban | undefined {
    if (kind === MUTE) {
      const mute = value === undefined ? undefined : readMute(key, value);
      if (mute === undefined) this.#mutes.delete(key);
      else this.#mutes.set(key, mute);
      return undefined;
    }
    if (kind === BAN) {
      if (value === undefined) {
        this.#bans.delete(key);
        return undefined;
      }
      const read = readJson<Omit<Ban, "id"> & { id?: unknown }>(value);
      const count = banCount(key);
      if (read === undefined || count === undefined) return undefined;
      // Kept before addresses were written one way: `::ffff:192.168.1.7` is `192.168.1.7`.
      // Its name folded as names are compared now, which may fold more than when it was kept.
      // Its id is its note's key, whether kept as a number (before clusters) or as text.
      const ban: Ban = {
        ...read,
        id: key,
        ...(read.address === undefined ? {} : { address: plainAddress(read.address) }),
        ...(typeof read.name === "string" ? { key: nameKey(read.name) } : {}),
      };
      this.#bans.set(ban.id, ban);
      this.#lastBan = Math.max(this.#lastBan, count);
      return ban;
    }
    if (kind === ROOM) {
      const settings = value === undefined ? undefined : readJson<RoomSettings>(value);
      if (settings === undefined) this.#rooms.delete(key);
      else this.#rooms.set(key, settings);
    }
    return undefined;
  }

  /** Whether the op file gave any name a secret: `/oper` may make someone an operator. */
  get hasSecrets(): boolean {
    return this.#proofs.size > 0;
  }

  /**
   * Checks the secret `member` gives for its name: `undefined` when it proves
   * the name. A name the op file gives no secret is refused as a wrong
   * secret is, its guesses slowed down alike: the answer tells nobody which
   * names have one.
   */
  prove(member: Member, secret: string): Refusal | undefined {
    if (!this.hasSecrets) {
      return {
        code: "not_operator",
        message: "Cannot make you an operator: the host gave no name a secret",
      };
    }
    const gate = this.#proofs.get(member.key) ?? this.#decoy(member.key);
    const refusal = gate.check(member.session.address, secret);
    if (refusal === undefined) return undefined;
    // The wait is for secrets here, not for the server's password.
    return {
      code: "not_operator",
      message: refusal.wait !== undefined
        ? `Cannot make you an operator: too many wrong secrets from your address; wait ${refusal.wait} s and try again`
        : "Cannot make you an operator: that is not the secret of your name",
    };
  }

  /** A gate that opens to no secret, for the name `key`, which the op file gives none. */
  #decoy(key: string): PasswordGate {
    let gate = this.#decoys.get(key);
    if (gate === undefined) {
      gate = new PasswordGate(crypto.randomUUID());
      this.#decoys.set(key, gate);
      if (this.#decoys.size > MAX_GUESSED) this.#decoys.delete(this.#decoys.keys().next().value!);
    }
    return gate;
  }

  /** The ban that keeps out someone at `address`, with `resume` and name `key`, if any. */
  banOf(
    given: string,
    resume: string | undefined,
    key: string,
    now = Date.now(),
  ): Ban | undefined {
    const address = plainAddress(given);
    for (const ban of this.#bans.values()) {
      if (ban.until !== undefined && ban.until <= now) {
        this.#liftBan(ban);
        continue;
      }
      if (
        (ban.address !== undefined && ban.address === address) ||
        (ban.resume !== undefined && ban.resume === resume) ||
        (ban.key !== undefined && ban.key === key)
      ) return ban;
    }
    return undefined;
  }

  /** Bans what `ban` says, for `seconds` or until lifted; returns the ban as kept. */
  ban(ban: Omit<Ban, "id" | "at" | "until">, seconds: number | undefined, now = Date.now()): Ban {
    const count = this.#lastBan + 1;
    const kept: Ban = {
      ...ban,
      ...(ban.address === undefined ? {} : { address: plainAddress(ban.address) }),
      id: this.#origin === undefined ? String(count) : `${count}-${this.#origin}`,
      at: now,
      ...(seconds === undefined ? {} : { until: now + seconds * 1000 }),
    };
    // Kept first: one the store cannot keep (a full disk) is not in force either.
    this.#store.note(BAN, kept.id, banNote(kept));
    this.#lastBan = count;
    this.#bans.set(kept.id, kept);
    if (this.#bans.size > MAX_BANS) this.#liftBan(this.#bans.values().next().value!);
    return kept;
  }

  /** The newest ban in force of the folded name `key` that `by` made, if any. */
  madeBy(key: string, by: string, now = Date.now()): Ban | undefined {
    return this.bans(now).findLast((ban) => ban.key === key && ban.by === by);
  }

  /** Gives `ban` the reason `reason`, as if it had been given with it; returns the ban as kept. */
  explain(ban: Ban, reason: string): Ban {
    const kept: Ban = { ...ban, reason };
    this.#store.note(BAN, kept.id, banNote(kept));
    this.#bans.set(kept.id, kept);
    return kept;
  }

  /** Lifts the bans of the name or address `target`; returns those lifted. */
  unban(target: string): Ban[] {
    const key = nameKey(target);
    const address = plainAddress(target);
    const lifted = [...this.#bans.values()].filter((ban) =>
      ban.address === address || ban.key === key
    );
    for (const ban of lifted) this.#liftBan(ban);
    return lifted;
  }

  /** The bans in force, oldest first. */
  bans(now = Date.now()): Ban[] {
    return [...this.#bans.values()].filter((ban) => {
      if (ban.until === undefined || ban.until > now) return true;
      this.#liftBan(ban);
      return false;
    });
  }

  /**
   * Mutes `member` by name and session, and the `address` unless it is
   * `undefined`, for `seconds`, or until unmuted; a mute of theirs before
   * is replaced.
   */
  mute(
    member: Pick<Member, "key" | "resume">,
    address: string | undefined,
    by: string,
    seconds: number | undefined,
    now = Date.now(),
  ): void {
    const resume = this.#digestOf(member);
    for (const mute of this.#mutes.values()) {
      if (mute.key === member.key || mute.resume === resume) this.#lift(mute);
    }
    const until = seconds === undefined ? undefined : now + seconds * 1000;
    this.#keep({
      id: crypto.randomUUID(),
      key: member.key,
      formerly: new Set(),
      resume,
      address,
      until,
      by,
    });
  }

  /** Lifts every mute that holds `member`; returns whether there was any. */
  unmute(member: Member, now = Date.now()): boolean {
    let lifted = false;
    for (const mute of this.#live(now)) {
      if (!this.#holds(mute, member)) continue;
      this.#lift(mute);
      lifted = true;
    }
    return lifted;
  }

  /**
   * Lifts the mute of `member` themself, by name or session, not one of
   * someone else that holds them by address alone; returns whether there was one.
   */
  unmuteOwn(member: Member, now = Date.now()): boolean {
    let lifted = false;
    for (const mute of this.#live(now)) {
      if (mute.key !== member.key && mute.resume !== this.#digestOf(member)) continue;
      this.#lift(mute);
      lifted = true;
    }
    return lifted;
  }

  /**
   * Lifts the mutes of the name `key`, as their person is called now or was
   * called before, whether or not they are here; returns the names those
   * people go by now, folded.
   */
  unmuteName(key: string, now = Date.now()): string[] {
    const lifted: string[] = [];
    for (const mute of this.#live(now)) {
      if (mute.key !== key && !mute.formerly.has(key)) continue;
      this.#lift(mute);
      lifted.push(mute.key);
    }
    return lifted;
  }

  /** `member` was called `from` (folded) until now: a mute of theirs goes with them. */
  renamed(member: Member, from: string): void {
    const resume = this.#mutes.size === 0 ? "" : this.#digestOf(member);
    for (const mute of this.#mutes.values()) {
      if (mute.key !== from && mute.resume !== resume) continue;
      if (mute.key !== member.key) mute.formerly.add(mute.key);
      mute.key = member.key;
      this.#keep(mute);
    }
  }

  /**
   * `member` came back with the session whose resume token was `resume`,
   * under its name or another, here or from another server of the cluster:
   * a mute of that session goes with them.
   */
  resumed(member: Member, resume: string): void {
    if (this.#mutes.size === 0) return;
    const before = tokenDigest(resume);
    for (const mute of this.#mutes.values()) {
      if (mute.resume !== before) continue;
      mute.resume = this.#digestOf(member);
      if (mute.key !== member.key) mute.formerly.add(mute.key);
      mute.key = member.key;
      this.#keep(mute);
    }
  }

  /**
   * Why `member` may not talk now, if it is muted: `Cannot DOING: ann muted
   * you, for 9 min more`, `doing` being `send` unless given. Operators never are.
   */
  muted(member: Member, doing = "send", now = Date.now()): Refusal | undefined {
    if (this.#mutes.size === 0 || member.op) return undefined;
    for (const mute of this.#live(now)) {
      if (!this.#holds(mute, member)) continue;
      const left = mute.until === undefined
        ? "until unmuted"
        : `for ${formatSpan(mute.until - now)} more`;
      return {
        code: "muted",
        message: `Cannot ${doing}: ${sanitizeText(mute.by)} muted you, ${left}`,
      };
    }
    return undefined;
  }

  /** The mutes in force at `now`; those over are lifted. */
  *#live(now: number): Generator<Mute> {
    for (const mute of this.#mutes.values()) {
      if (mute.until !== undefined && mute.until <= now) this.#lift(mute);
      else yield mute;
    }
  }

  /** Whether `mute` holds `member`: by name, by session, or by address. */
  #holds(mute: Mute, member: Member): boolean {
    return mute.key === member.key || mute.resume === this.#digestOf(member) ||
      (mute.address !== undefined && mute.address === member.session.address);
  }

  /** The digest of `member`'s resume token. */
  #digestOf(member: Pick<Member, "resume">): string {
    let digest = this.#digests.get(member);
    if (digest === undefined) this.#digests.set(member, digest = tokenDigest(member.resume));
    return digest;
  }

  /** Keeps `mute` as it is now, on every server of a cluster. */
  #keep(mute: Mute): void {
    this.#mutes.set(mute.id, mute);
    const { id, formerly, ...rest } = mute;
    this.#share?.(MUTE, id, JSON.stringify({ ...rest, formerly: [...formerly] }));
  }

  /** Lifts `mute`, on every server of a cluster. */
  #lift(mute: Mute): void {
    if (!this.#mutes.delete(mute.id)) return;
    this.#share?.(MUTE, mute.id, undefined);
  }

  /** The topic and lock of `room`. */
  room(room: string): Readonly<RoomSettings> {
    return this.#rooms.get(room) ?? {};
  }

  /** Sets or clears the topic of `room`. */
  setTopic(room: string, text: string, by: string, ts = Date.now()): void {
    this.#change(room, (settings) => {
      if (text === "") delete settings.topic;
      else settings.topic = { text, by, ts };
    });
  }

  /** Locks or unlocks `room`. */
  setLocked(room: string, locked: boolean): void {
    this.#change(room, (settings) => {
      if (locked) settings.locked = true;
      else delete settings.locked;
    });
  }

  #change(room: string, change: (settings: RoomSettings) => void): void {
    const settings = { ...this.#rooms.get(room) };
    change(settings);
    const empty = settings.topic === undefined && !settings.locked;
    // Kept first: a change the store cannot keep (a full disk) is not made either.
    this.#store.note(ROOM, room, empty ? undefined : JSON.stringify(settings));
    if (empty) this.#rooms.delete(room);
    else this.#rooms.set(room, settings);
  }

  #liftBan(ban: Ban): void {
    this.#store.note(BAN, ban.id, undefined);
    this.#bans.delete(ban.id);
  }
}

/** The mute a note of id `id` holds, if it is one. */
function readMute(id: string, text: string): Mute | undefined {
  const read = readJson<Record<string, unknown>>(text);
  if (read === undefined) return undefined;
  const { key, formerly, resume, address, until, by } = read;
  const strings = (value: unknown): value is string[] =>
    Array.isArray(value) && value.every((each) => typeof each === "string");
  if (typeof key !== "string" || typeof resume !== "string" || typeof by !== "string") {
    return undefined;
  }
  if (!strings(formerly ?? [])) return undefined;
  if (address !== undefined && typeof address !== "string") return undefined;
  if (until !== undefined && typeof until !== "number") return undefined;
  return {
    id,
    key,
    formerly: new Set(formerly as string[] | undefined),
    resume,
    address: address as string | undefined,
    until: until as number | undefined,
    by,
  };
}

/** The mark of the server of id `server` in the ids of its bans: its first 8 letters and digits. */
function originOf(server: string): string {
  const mark = server.toLowerCase().replace(/[^0-9a-z]/g, "").slice(0, 8);
  if (mark === "") {
    throw new RangeError(`Cannot mark ban ids: server id "${server}" has no letter or digit`);
  }
  return mark;
}

/**
 * The number a ban id counts with (`7` of `7` and of `7-3f9a1c2e`), or
 * `undefined` when `id` is none.
 */
function banCount(id: string): number | undefined {
  const match = /^(\d{1,15})(?:-[0-9a-z]{1,32})?$/.exec(id);
  return match === null ? undefined : Number(match[1]);
}

/**
 * What is kept of `ban`: its id a number when it is one, as before clusters,
 * so that a store kept by a single server reads as it always did.
 */
function banNote(ban: Ban): string {
  return JSON.stringify({ ...ban, id: /^\d+$/.test(ban.id) ? Number(ban.id) : ban.id });
}

/** Whom a ban keeps out: `bob (192.168.1.7)`, `bob`, or `192.168.1.7` alone. */
export function bannedOf(ban: Ban): string {
  const who = ban.name === undefined
    ? ban.address ?? ""
    : ban.address === undefined
    ? ban.name
    : `${ban.name} (${ban.address})`;
  return sanitizeText(who);
}

/** How a ban in force reads, in a list: `bob (192.168.1.7), by ann, 25 min left: flooding`. */
export function describeBan(ban: Ban, now = Date.now()): string {
  const left = ban.until === undefined ? "until lifted" : `${formatSpan(ban.until - now)} left`;
  const reason = ban.reason === undefined ? "" : `: ${ban.reason}`;
  return `${bannedOf(ban)}, by ${sanitizeText(ban.by)}, ${left}${sanitizeText(reason)}`;
}

function readJson<T>(text: string): T | undefined {
  try {
    const value = JSON.parse(text);
    return typeof value === "object" && value !== null ? value as T : undefined;
  } catch {
    return undefined;
  }
}
