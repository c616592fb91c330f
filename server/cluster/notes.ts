/**
 * Bans, mutes and room settings across a cluster, "notes": one entry per
 * note in the key-value bucket `chat-notes`, `<kind>.<key in hex>` (`ban.616e6e`).
 * Every server watches the bucket and hands the hub each note, its own
 * included. A server keeps the notes as it last knew them, to write them
 * back should NATS lose the bucket, and the notes NATS did not take (written
 * during a split), to write again once the chat is whole.
 *
 * @module
 */

import type { KV } from "@nats-io/kv";
import { hexKey, textOfHexKey } from "./keys.ts";

/** The bucket of notes: bans, mutes, room topics and locks. */
export const NOTES_BUCKET = "chat-notes";

/** How long after a write NATS did not take, while the chat is whole, it is tried again, in ms. */
const RETRY_MS = 500;

const decoder = new TextDecoder();

/** What {@linkcode ClusterNotes} needs of its cluster. */
export interface NotesOptions {
  /** Receives one line when NATS does not take a note. */
  log(line: string): void;
  /** Keeps a write until it settles, so that closing the cluster waits for it. */
  errand(errand: Promise<unknown>): void;
  /** Whether the chat is whole: the link to NATS up, not split, its store not being checked. */
  whole(): boolean;
}

/** One server's view of the bucket of notes. */
export class ClusterNotes {
  readonly #kv: KV;
  readonly #options: NotesOptions;
  /** The notes as this server last knew them, by bucket entry: written back if NATS loses them. */
  readonly #noted = new Map<string, string>();
  /**
   * The notes written here that NATS did not take (a ban, a topic, a lock
   * made during a split), by bucket entry, `undefined` for a removal:
   * written again once the chat is whole, so that every server holds them.
   */
  readonly #unwritten = new Map<string, string | undefined>();
  /** The timer of {@linkcode ClusterNotes.#writeSoon}, while one is set. */
  #retry: ReturnType<typeof setTimeout> | undefined;
  /** The watch of the bucket now, and its reading loop. */
  #watch: { stop(): void; reading: Promise<void> } | undefined;
  #closed = false;

  constructor(kv: KV, options: NotesOptions) {
    this.#kv = kv;
    this.#options = options;
  }

  /** Notes `value` of `kind` for `key` (`undefined` removes the note), for every server. */
  write(kind: string, key: string, value: string | undefined): void {
    const entry = `${kind}.${hexKey(key)}`;
    if (value === undefined) this.#noted.delete(entry);
    else this.#noted.set(entry, value);
    this.#unwritten.delete(entry);
    this.#options.errand(this.#put(entry, value));
  }

  /** Writes note `entry`; one NATS does not take is kept to write again once the chat is whole. */
  async #put(entry: string, value: string | undefined): Promise<void> {
    try {
      await (value === undefined ? this.#kv.delete(entry) : this.#kv.put(entry, value));
    } catch (error) {
      // Unless a later note of the same took its place meanwhile.
      if (this.#noted.get(entry) !== value) return;
      this.#unwritten.set(entry, value);
      const kind = entry.slice(0, entry.indexOf("."));
      this.#options.log(
        `Cannot keep a ${kind} note in the cluster: ${(error as Error).message}; ` +
          "it is written again once NATS answers",
      );
      // A write asked during a split may fail only once the link is back (its answer timed
      // out): tried again in a moment, as the end of a split does.
      if (this.#options.whole()) this.#writeSoon();
    }
  }

  /** Writes the notes NATS did not take again in a moment, once; not after closing. */
  #writeSoon(): void {
    if (this.#closed || this.#retry !== undefined) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      if (!this.#closed && this.#options.whole()) this.#options.errand(this.writeUnwritten());
    }, RETRY_MS);
  }

  /** Writes again the notes NATS did not take (while the chat was split). */
  async writeUnwritten(): Promise<void> {
    for (const [entry, value] of [...this.#unwritten]) {
      this.#unwritten.delete(entry);
      await this.#put(entry, value);
    }
  }

  /**
   * Writes every note known here into a bucket NATS made anew: the first
   * server to write one back wins, the others find it there.
   */
  async restore(): Promise<void> {
    await Promise.all(
      [...this.#noted].map(([entry, value]) => this.#kv.create(entry, value).catch(() => {})),
    );
  }

  /**
   * Hands `noted` every note kept so far, then each one written later (by
   * any server) until the watch is watched anew, closed or its link ends.
   * Resolves once the notes kept so far were handed.
   */
  async watch(
    noted: (kind: string, key: string, value: string | undefined) => void,
  ): Promise<void> {
    this.#watch?.stop();
    const watch = await this.#kv.watch();
    const { promise: read, resolve } = Promise.withResolvers<void>();
    const reading = (async () => {
      for await (const entry of watch) {
        const value = entry.operation === "PUT" ? decoder.decode(entry.value) : undefined;
        if (value === undefined) this.#noted.delete(entry.key);
        else this.#noted.set(entry.key, value);
        const dot = entry.key.indexOf(".");
        const key = textOfHexKey(entry.key.slice(dot + 1));
        if (dot > 0 && key !== undefined) noted(entry.key.slice(0, dot), key, value);
        if (entry.delta === 0) resolve();
      }
    })();
    this.#watch = { stop: () => watch.stop(), reading };
    // An empty bucket has nothing to hand over.
    if ((await this.#kv.status()).values === 0) resolve();
    await read;
  }

  /** Stops writing again and watching; resolves once the watch stopped reading. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#watch?.stop();
    await this.#watch?.reading.catch(() => {});
  }
}
