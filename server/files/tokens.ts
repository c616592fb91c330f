/**
 * Upload tokens: a secret the server hands each connected chat user in
 * `welcome`, which the user shows to upload a file over HTTP. A token names
 * its holder, is rate-limited like the holder's messages, and stops working
 * when revoked (when the user leaves). Each comes with a download token, the
 * one a link carries on a server with a password: it downloads, never
 * uploads, so a link passed around is no upload credential.
 *
 * @module
 */

import { TokenBucket } from "../limits.ts";
import type { Rate } from "../config.ts";

/** Who holds a token: read at each upload, so a rename is followed. */
export interface TokenHolder {
  readonly name: string;
}

/** A new token: 32 random characters of `A-Z a-z 0-9 - _`. */
export function makeUploadToken(): string {
  const bytes = new Uint8Array(24);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_");
}

/** The upload tokens of the connected users. */
export class UploadTokens {
  readonly #rate: Rate;
  readonly #holders = new Map<string, TokenHolder>();
  /** The download token of each upload token. */
  readonly #downloadOf = new Map<string, string>();
  /** The download tokens in use. */
  readonly #downloads = new Set<string>();
  /** What ends with each token that an upload is under way with. */
  readonly #ending = new Map<string, AbortController>();
  /** Each holder's upload rate, made at its first upload: most people never upload. */
  readonly #buckets = new WeakMap<TokenHolder, TokenBucket>();

  /** Tokens allow `rate` uploads: a burst, then so many per second. */
  constructor(rate: Rate) {
    this.#rate = rate;
  }

  /** Makes a token for a connected user. */
  issue(holder: TokenHolder): string {
    const token = makeUploadToken();
    this.add(token, holder);
    return token;
  }

  /**
   * Lets `token`, made by {@linkcode makeUploadToken}, upload for `holder`,
   * and makes its download token (see {@linkcode downloadToken}).
   */
  add(token: string, holder: TokenHolder): void {
    this.#holders.set(token, holder);
    if (this.#downloadOf.has(token)) return;
    const download = makeUploadToken();
    this.#downloadOf.set(token, download);
    this.#downloads.add(download);
  }

  /** The token that links carry for the holder of upload token `token`: it only downloads. */
  downloadToken(token: string): string | undefined {
    return this.#downloadOf.get(token);
  }

  /**
   * Whether `token` may download: a download token in use, or an upload
   * token (clients from before download tokens put theirs in links).
   */
  mayDownload(token: string): boolean {
    return this.#downloads.has(token) || this.#holders.has(token);
  }

  /** Ends a token and its download token; later calls do nothing. */
  revoke(token: string): void {
    this.#holders.delete(token);
    const download = this.#downloadOf.get(token);
    if (download !== undefined) this.#downloads.delete(download);
    this.#downloadOf.delete(token);
    this.#ending.get(token)?.abort();
    this.#ending.delete(token);
  }

  /** Aborted when `token` ends; already aborted if it is not in use. */
  signal(token: string): AbortSignal {
    if (!this.#holders.has(token)) return AbortSignal.abort();
    let ending = this.#ending.get(token);
    if (ending === undefined) {
      ending = new AbortController();
      this.#ending.set(token, ending);
    }
    return ending.signal;
  }

  /** Whether `token` is an upload token in use. */
  has(token: string): boolean {
    return this.#holders.has(token);
  }

  /**
   * The name of the holder of `token`, taking one upload from its rate:
   * `"unknown"` if there is no such token, `"rate"` if it is over its rate.
   */
  take(token: string): { ok: true; uploader: string } | { ok: false; code: "unknown" | "rate" } {
    const holder = this.#holders.get(token);
    if (holder === undefined) return { ok: false, code: "unknown" };
    let bucket = this.#buckets.get(holder);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.#rate.burst, this.#rate.perSecond);
      this.#buckets.set(holder, bucket);
    }
    if (!bucket.tryTake(1)) return { ok: false, code: "rate" };
    return { ok: true, uploader: holder.name };
  }
}
