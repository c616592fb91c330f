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
    const mine: Claim = { name, server: this.#server, resume: tokenDigest(next) };
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
   * Forgets the claim of `key` if another server now holds it, and reports
   * whether it did: that server's client took the name over.
   */
  takenOver(key: string, server: string): boolean {
    if (!this.#held.has(key) || server === this.#server) return false;
    this.#forget(key);
    return true;
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

  /** The server a claim's value names. */
  static serverOf(value: string): string | undefined {
    try {
      return (JSON.parse(value) as Claim).server;
    } catch {
      return undefined;
    }
  }

  /** Whether a claim's value was made with its holder's token: they moved to its server. */
  static movedBy(value: string): boolean {
    try {
      return (JSON.parse(value) as Claim).moved === true;
    } catch {
      return false;
    }
  }
}
