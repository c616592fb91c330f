/**
 * Upload tokens: a secret the server hands each connected chat user, which
 * the user shows to upload a file over HTTP. A token names its holder, is
 * rate-limited like the holder's messages, and stops working when revoked
 * (when the user leaves).
 *
 * @module
 */

import { TokenBucket } from "../limits.ts";
import type { Rate } from "../config.ts";

interface Holder {
  readonly uploader: () => string;
  readonly bucket: TokenBucket;
}

/** The upload tokens of the connected users. */
export class UploadTokens {
  readonly #rate: Rate;
  readonly #holders = new Map<string, Holder>();

  /** Tokens allow `rate` uploads: a burst, then so many per second. */
  constructor(rate: Rate) {
    this.#rate = rate;
  }

  /**
   * Makes a token for a connected user; `uploader` gives their name at the
   * time of each upload, so a rename is followed.
   */
  issue(uploader: () => string): string {
    const token = new Uint8Array(24);
    crypto.getRandomValues(token);
    const text = btoa(String.fromCharCode(...token)).replaceAll("+", "-").replaceAll("/", "_");
    this.#holders.set(text, {
      uploader,
      bucket: new TokenBucket(this.#rate.burst, this.#rate.perSecond),
    });
    return text;
  }

  /** Ends a token; later calls do nothing. */
  revoke(token: string): void {
    this.#holders.delete(token);
  }

  /** Whether `token` is in use. */
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
    if (!holder.bucket.tryTake(1)) return { ok: false, code: "rate" };
    return { ok: true, uploader: holder.uploader() };
  }
}
