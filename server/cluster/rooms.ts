/**
 * Room names claimed across a cluster: one entry per room name folded as
 * names are compared (core/names.ts, so that look-alikes share it) in a
 * JetStream key-value bucket, naming the room and the servers that have
 * someone in it. Written only over the revision read, so that of two
 * servers opening look-alike rooms at once exactly one wins; the other is
 * told which room holds the name. A claim whose servers have all left it,
 * or stopped, is stale and may be taken.
 *
 * @module
 */

import type { KV } from "@nats-io/kv";
import { nameKey } from "../../core/names.ts";
import { hexKey } from "./keys.ts";

/** The bucket of claimed room names. */
export const ROOMS_BUCKET = "chat-rooms";

/** What a claim holds. */
interface Claim {
  /** The room, as its normalised name. */
  readonly room: string;
  /** The servers that have someone in it. */
  readonly servers: readonly string[];
}

/** Tries of a write that another server's write got before. */
const ATTEMPTS = 5;

/**
 * How long a claim found held by a look-alike is taken as said, in ms: long
 * enough for the answer to what asked (a frame waits 5 s at most), short
 * enough that the name is asked for again once that look-alike may be gone.
 */
const REFUSAL_MS = 5_000;

/** Whether `error` says the entry was written since it was read. */
function lostRace(error: unknown): boolean {
  return /wrong last sequence|key exists/i.test((error as Error)?.message ?? "");
}

/** The key of `room`'s claim in the bucket: its name folded as names are compared, in hex. */
function keyOf(room: string): string {
  return hexKey(nameKey(room.slice(1)));
}

/** The room names one server holds in the cluster's bucket. */
export class RoomClaims {
  readonly #kv: KV;
  readonly #server: string;
  readonly #alive: (server: string) => boolean;
  /** The rooms this server holds the claim of, by key. */
  readonly #held = new Map<string, string>();
  /** Rooms let go here whose claim could not be written (NATS did not answer), by key. */
  readonly #letGo = new Map<string, string>();
  /**
   * The look-alike that held each key when this server last asked in vain,
   * and when (`performance.now()`), by key.
   */
  readonly #refused = new Map<string, { like: string; at: number }>();
  /** What is done with each key, in order: one claim or release at a time. */
  readonly #queue = new Map<string, Promise<unknown>>();

  /**
   * @param kv The bucket.
   * @param server This server's id.
   * @param alive Whether a server is known to be running: one that is not
   * has nobody in any room any more.
   */
  constructor(kv: KV, server: string, alive: (server: string) => boolean) {
    this.#kv = kv;
    this.#server = server;
    this.#alive = alive;
  }

  /**
   * Claims `room` for this server, which someone here is about to enter:
   * resolves to the look-alike whose servers hold the claim (nobody may open
   * `room` then), or `undefined` once this server holds `room`'s claim.
   * Rejects when NATS cannot be asked.
   */
  claim(room: string): Promise<string | undefined> {
    const key = keyOf(room);
    return this.#inTurn(key, async () => {
      if (this.#held.get(key) === room) return undefined;
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        try {
          const holder = await this.#claimOnce(key, room);
          if (holder === undefined) {
            this.#held.set(key, room);
            this.#letGo.delete(key);
            this.#refused.delete(key);
          } else {
            this.#refuse(key, holder);
          }
          return holder;
        } catch (error) {
          if (lostRace(error)) continue;
          // Unanswered, what this server last heard says nothing of now.
          this.#refused.delete(key);
          throw error;
        }
      }
      // Written over again and again meanwhile: what this server knows decides.
      this.#refused.delete(key);
      return undefined;
    });
  }

  /** One read of `key`, and one write over it unless a live look-alike holds it. */
  async #claimOnce(key: string, room: string): Promise<string | undefined> {
    const entry = await this.#kv.get(key);
    const mine: Claim = { room, servers: [this.#server] };
    if (entry === null || entry.operation !== "PUT") {
      await this.#kv.create(key, JSON.stringify(mine));
      return undefined;
    }
    const claim = entry.json<Claim>();
    // This server is in it while it holds it; another, while it runs.
    const live = claim.servers.filter((server) =>
      server === this.#server ? this.#held.get(key) === claim.room : this.#alive(server)
    );
    if (claim.room !== room && live.length > 0) return claim.room;
    const others = claim.room === room ? live.filter((server) => server !== this.#server) : [];
    const servers = [...others, this.#server];
    await this.#kv.update(key, JSON.stringify({ room, servers } satisfies Claim), entry.revision);
    return undefined;
  }

  /**
   * The look-alike of `room` that held its name when this server last
   * claimed it in vain, within the last few seconds, unless this server
   * holds `room`'s claim since.
   */
  refusal(room: string): string | undefined {
    const key = keyOf(room);
    const refused = this.#refused.get(key);
    if (refused === undefined) return undefined;
    if (performance.now() - refused.at < REFUSAL_MS) return refused.like;
    this.#refused.delete(key);
    return undefined;
  }

  /** Notes that `like` held the name of `key` just now, forgetting the notes too old to use. */
  #refuse(key: string, like: string): void {
    const now = performance.now();
    for (const [other, { at }] of this.#refused) {
      if (now - at < REFUSAL_MS) break;
      this.#refused.delete(other);
    }
    this.#refused.delete(key);
    this.#refused.set(key, { like, at: now });
  }

  /** Lets go of the claim of `room`: nobody here is in it any more. */
  release(room: string): Promise<void> {
    const key = keyOf(room);
    if (this.#held.get(key) !== room) return Promise.resolve();
    this.#held.delete(key);
    return this.#inTurn(key, () => this.#releaseNow(key, room));
  }

  /** Takes this server out of the servers of `room`'s claim, deleting it when none is left. */
  async #releaseNow(key: string, room: string): Promise<void> {
    // Claimed again meanwhile: it is held after all.
    if (this.#held.get(key) === room) return;
    try {
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        try {
          const entry = await this.#kv.get(key);
          if (entry === null || entry.operation !== "PUT") break;
          const claim = entry.json<Claim>();
          if (claim.room !== room || !claim.servers.includes(this.#server)) break;
          const servers = claim.servers.filter((server) =>
            server !== this.#server && this.#alive(server)
          );
          if (servers.length === 0) {
            await this.#kv.delete(key, { previousSeq: entry.revision });
          } else {
            await this.#kv.update(key, JSON.stringify({ room, servers }), entry.revision);
          }
          break;
        } catch (error) {
          if (!lostRace(error)) throw error;
        }
      }
      this.#letGo.delete(key);
    } catch {
      // NATS does not answer: tried again once it does.
      this.#letGo.set(key, room);
    }
  }

  /** Lets go again of the claims that could not be let go while NATS did not answer. */
  async releaseLetGo(): Promise<void> {
    await Promise.all(
      [...this.#letGo].map(([key, room]) => this.#inTurn(key, () => this.#releaseNow(key, room))),
    );
  }

  /** Lets go of every claim this server holds: it is closing. */
  async releaseAll(): Promise<void> {
    await Promise.all([...this.#held.values()].map((room) => this.release(room)));
  }

  /**
   * Claims again every room this server holds, in a bucket made anew empty
   * (NATS lost its store). Returns the rooms whose name a look-alike of
   * another server took first.
   */
  async restore(): Promise<string[]> {
    this.#letGo.clear();
    const lost: string[] = [];
    for (const [key, room] of [...this.#held]) {
      this.#held.delete(key);
      if (await this.claim(room) !== undefined) lost.push(room);
    }
    return lost;
  }

  /** Runs `work` on `key` once what was asked of it before is done. */
  #inTurn<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.#queue.get(key) ?? Promise.resolve();
    const done = before.catch(() => {}).then(work);
    const settled = done.catch(() => {});
    this.#queue.set(key, settled);
    settled.then(() => {
      if (this.#queue.get(key) === settled) this.#queue.delete(key);
    });
    return done;
  }
}
