/**
 * The room password: compared in constant time, with wrong guesses from one
 * address slowing that address down.
 *
 * @module
 */

import { createHash, timingSafeEqual } from "node:crypto";
import type { ErrorCode } from "../protocol.ts";

/** Addresses remembered for their wrong guesses; the oldest is forgotten first. */
const MAX_REMEMBERED = 10_000;

/**
 * Why a password was refused, ready for an `error` frame; `wait`, the
 * seconds its address must wait, when it was refused without checking.
 */
export type PasswordRefusal = { code: ErrorCode; message: string; wrong: boolean; wait?: number };

/** Checks passwords against one secret. */
export class PasswordGate {
  readonly #digest: Buffer;
  readonly #failures = new Map<string, { failures: number; until: number }>();

  constructor(password: string) {
    this.#digest = createHash("sha256").update(password).digest();
  }

  /**
   * Checks `password` from `address`; `undefined` means it is right. Three
   * wrong tries are free, then each doubles the wait, up to 30 s, during
   * which that address is refused without checking.
   */
  check(
    address: string,
    password: string | undefined,
    now = Date.now(),
  ): PasswordRefusal | undefined {
    const record = this.#failures.get(address);
    if (record !== undefined && record.until > now) {
      const seconds = Math.ceil((record.until - now) / 1000);
      return {
        code: "password_wrong",
        message: `Too many wrong passwords from your address: wait ${seconds} s and try again`,
        wrong: false,
        wait: seconds,
      };
    }
    if (password === undefined) {
      return { code: "password_required", message: "This server needs a password", wrong: false };
    }
    // Comparing digests makes the comparison independent of both lengths.
    const given = createHash("sha256").update(password).digest();
    if (timingSafeEqual(given, this.#digest)) {
      this.#failures.delete(address);
      return undefined;
    }
    const failures = (record?.failures ?? 0) + 1;
    const wait = failures < 3 ? 0 : Math.min(30_000, 1000 * 2 ** (failures - 3));
    this.#failures.delete(address);
    this.#failures.set(address, { failures, until: now + wait });
    if (this.#failures.size > MAX_REMEMBERED) {
      this.#failures.delete(this.#failures.keys().next().value!);
    }
    return { code: "password_wrong", message: "Wrong password", wrong: true };
  }
}
