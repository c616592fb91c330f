/**
 * Names claimed across a cluster: one entry per folded name in a JetStream
 * key-value bucket, made with create-only semantics so that of two servers
 * claiming one name at once, exactly one wins. An entry names the server
 * holding it and a hash of the holder's resume token, so a client whose
 * server went away can take its name back on another.
 *
 * @module
 */

import type { KV } from "@nats-io/kv";
import type { ClaimResult } from "../hub/cluster.ts";
import { hexKey } from "./keys.ts";
import { tokenDigest } from "../hub/token_digest.ts";

/** The bucket of claimed names. */
export const NAMES_BUCKET = "chat-names";

/** How many claims {@linkcode NameClaims.recheck} reads at once. */
const RECHECKS_AT_ONCE = 16;

/** What a claim holds. */
interface Claim {
  /** The name as its holder chose it. */
  readonly name: string;
  /** The server holding it. */
  readonly server: string;
  /** SHA-256 of the holder's current resume token, hex: the bucket never holds a token itself. */
  readonly resume: string;
  /**
   * Set when the claim was taken over with its holder's resume token: its
   * client came back here. A server that held the name and sees it claimed
   * elsewhere without this learns that someone else has it now.
   */
  readonly moved?: true;
  /**
   * SHA-256 of the resume token the client came with, if it gave one: the
   * server that held the name before learns by it that its holder moved,
   * when that claim was let go meanwhile (taken for gone, it was deleted)
   * and this one made anew.
   */
  readonly came?: string;
}

/** The claim a value of the bucket holds, if it holds one. */
function readClaim(value: string | undefined): Claim | undefined {
  if (value === undefined) return undefined;
  try {
    const claim = JSON.parse(value);
    return typeof claim?.server === "string" ? claim as Claim : undefined;
  } catch {
    return undefined;
  }
}

/** The names one server holds in the cluster's bucket, with the revision of each claim. */
export class NameClaims {
  readonly #kv: KV;
  readonly #server: string;
  /** The revision of each claim this server made, by folded name. */
  readonly #held = new Map<string, number>();
  /** What each claim this server made holds, by folded name. */
  readonly #values = new Map<string, string>();
  /**
   * Claims let go here and not yet deleted from the bucket, with their
   * revision: while NATS does not answer (a split) a deletion fails, and the
   * claim would keep the name from everyone once it answers again.
   */
  readonly #letGo = new Map<string, number>();

  readonly #alive: (server: string) => boolean;

  /**
   * @param kv The bucket.
   * @param server This server's id.
   * @param alive Whether a server is known to be running: a claim of one
   * that is not is stale (its server stopped before it could let go) and
   * may be taken.
   */
  constructor(kv: KV, server: string, alive: (server: string) => boolean) {
    this.#kv = kv;
    this.#server = server;
    this.#alive = alive;
  }

  /** Whether this server holds the claim of `key`, at revision `revision` if given. */
  holds(key: string, revision?: number): boolean {
    const held = this.#held.get(key);
    return held !== undefined && (revision === undefined || held === revision);
  }

  /**
   * Claims `key` for someone here: a new claim, the one this server already
   * holds, or one held elsewhere under the resume token `resume`.
   */
  async claim(
    key: string,
    name: string,
    resume: string | undefined,
    next: string,
  ): Promise<ClaimResult> {
    const mine: Claim = {
      name,
      server: this.#server,
      resume: tokenDigest(next),
      ...(resume === undefined ? {} : { came: tokenDigest(resume) }),
    };
    const value = JSON.stringify(mine);
    const bucketKey = hexKey(key);
    for (let attempt = 0; attempt < 3; attempt++) {
      const entry = await this.#kv.get(bucketKey);
      try {
        if (entry === null || entry.operation !== "PUT") {
          this.#hold(key, await this.#kv.create(bucketKey, value), value);
          return { ok: true };
        }
        const claim = entry.json<Claim>();
        const ours = this.#held.get(key) === entry.revision;
        const returning = resume !== undefined && claim.resume === tokenDigest(resume);
        const stale = !this.#alive(claim.server);
        // A claim this server let go but could not delete is its own to take again.
        const leftover = claim.server === this.#server && this.#letGo.get(key) === entry.revision;
        if (!ours && !returning && !stale && !leftover) return { ok: false, holder: claim.name };
        // Taken over from another server: it must know whether its holder moved here.
        const taken = returning && !ours
          ? JSON.stringify({ ...mine, moved: true } satisfies Claim)
          : value;
        this.#hold(key, await this.#kv.update(bucketKey, taken, entry.revision), taken);
        return { ok: true };
      } catch (error) {
        // Someone else wrote the entry between our read and write: read it again.
        if (!/wrong last sequence|key exists/i.test((error as Error).message)) throw error;
      }
    }
    return { ok: false, holder: "someone on another server" };
  }

  /** Deletes the claim of `key` if it is still the one this server made. */
  async release(key: string): Promise<void> {
    const revision = this.#held.get(key);
    if (revision === undefined) return;
    this.#forget(key);
    this.#letGo.set(key, revision);
    await this.#delete(key, revision);
  }

  /**
   * Deletes again the claims let go here whose deletion has not succeeded
   * yet: NATS answers again after a split.
   */
  async releaseLetGo(): Promise<void> {
    for (const [key, revision] of [...this.#letGo]) await this.#delete(key, revision);
  }

  /**
   * Deletes the claim of `key` at `revision`, the one this server let go;
   * keeps it for {@linkcode releaseLetGo} if NATS does not answer.
   */
  async #delete(key: string, revision: number): Promise<void> {
    try {
      await this.#kv.delete(hexKey(key), { previousSeq: revision });
    } catch (error) {
      // Anything but a claim made since (someone took the name over) is tried again.
      if (!/wrong last sequence/i.test((error as Error).message)) return;
    }
    if (this.#letGo.get(key) === revision) this.#letGo.delete(key);
  }

  /** Deletes every claim this server holds that is still its own: it is closing. */
  async releaseAll(): Promise<void> {
    await Promise.all([...this.#held.keys()].map((key) => this.release(key)));
  }

  /**
   * Deletes the claims `server` (gone) still holds among `keys`, unless they
   * were taken over since.
   */
  async releaseFor(server: string, keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      const entry = await this.#kv.get(hexKey(key)).catch(() => null);
      if (entry === null || entry.operation !== "PUT") continue;
      if (entry.json<Claim>().server !== server) continue;
      await this.#kv.delete(hexKey(key), { previousSeq: entry.revision }).catch(() => {});
    }
  }

  /**
   * Forgets the claim of `key` if `value`, the bucket's now, is another
   * server's, and says whether its holder moved there (came back there with
   * their token) or someone else has the name; `undefined` when that does
   * not concern a claim held here. `server` is the one that holds it now.
   */
  takenOver(key: string, value: string): { moved: boolean; server: string } | undefined {
    const claim = readClaim(value);
    if (claim === undefined || claim.server === this.#server || !this.#held.has(key)) {
      return undefined;
    }
    const held = readClaim(this.#values.get(key));
    this.#forget(key);
    return {
      moved: claim.moved === true || (claim.came !== undefined && claim.came === held?.resume),
      server: claim.server,
    };
  }

  /**
   * Checks every claim this server holds against the bucket, once it stood
   * still for long enough that the others may have taken it for gone: a
   * claim they deleted meanwhile is made again, its holder being still here;
   * one another server holds now is let go. Returns the names let go, each
   * with the server that holds it now, and whether its holder moved there
   * (with their own token) or someone else took it.
   */
  async recheck(): Promise<{ key: string; moved: boolean; server: string }[]> {
    const lost: { key: string; moved: boolean; server: string }[] = [];
    const keys = [...this.#held.keys()];
    // A few at a time: thousands of people are thousands of reads.
    const next = async (): Promise<void> => {
      for (let key = keys.pop(); key !== undefined; key = keys.pop()) {
        const taken = await this.#recheck(key);
        if (taken !== undefined) lost.push({ key, ...taken });
      }
    };
    await Promise.all(Array.from({ length: RECHECKS_AT_ONCE }, next));
    return lost;
  }

  /**
   * Checks the claim of `key`, made again if it is gone; returns the server
   * that holds it now and whether its holder moved there, or `undefined`
   * while it is still this server's (or no longer concerns it: let go here
   * meanwhile).
   */
  async #recheck(key: string): Promise<{ moved: boolean; server: string } | undefined> {
    const bucketKey = hexKey(key);
    for (let attempt = 0; attempt < 3; attempt++) {
      const revision = this.#held.get(key);
      const value = this.#values.get(key);
      if (revision === undefined || value === undefined) return undefined;
      const entry = await this.#kv.get(bucketKey);
      // Let go here meanwhile, or taken over through the watch of the bucket: not this check's.
      if (this.#held.get(key) !== revision) return undefined;
      if (entry !== null && entry.operation === "PUT") {
        if (readClaim(entry.string())?.server === this.#server) {
          this.#hold(key, entry.revision, entry.string());
          return undefined;
        }
        return this.takenOver(key, entry.string());
      }
      try {
        const made = await this.#kv.create(bucketKey, value);
        if (this.#held.get(key) === revision) {
          this.#hold(key, made, value);
          return undefined;
        }
        // Let go here while it was made again: nobody here has it now.
        await this.#kv.delete(bucketKey, { previousSeq: made }).catch(() => {});
        return undefined;
      } catch (error) {
        // Claimed elsewhere between our read and write: read it again.
        if (!/wrong last sequence|key exists/i.test((error as Error).message)) throw error;
      }
    }
    return undefined;
  }

  /**
   * Claims again every name this server holds, in a bucket made anew empty
   * (NATS lost its store). Returns the names another server claimed first.
   */
  async restore(): Promise<string[]> {
    // The claims let go were lost with the bucket; a revision of the new one may be another's.
    this.#letGo.clear();
    const lost: string[] = [];
    for (const [key, value] of [...this.#values]) {
      try {
        this.#held.set(key, await this.#kv.create(hexKey(key), value));
      } catch (error) {
        if (!/wrong last sequence|key exists/i.test((error as Error).message)) throw error;
        this.#forget(key);
        lost.push(key);
      }
    }
    return lost;
  }

  /** Holds the claim of `key`, made with `value`, at `revision`. */
  #hold(key: string, revision: number, value: string): void {
    this.#held.set(key, revision);
    this.#values.set(key, value);
    this.#letGo.delete(key);
  }

  /** No longer holds the claim of `key`. */
  #forget(key: string): void {
    this.#held.delete(key);
    this.#values.delete(key);
  }
}
