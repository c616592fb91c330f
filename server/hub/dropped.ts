/**
 * What the resume token of someone whose connection dropped still entitles
 * them to, for a short grace: being an operator, and entering the locked
 * rooms they were in. Whoever comes back with that token in time has them
 * again, as if the server had not seen the old connection end first.
 *
 * @module
 */

/** How long a drop is forgiven when no heartbeat is set, in milliseconds. */
export const DEFAULT_GRACE_MS = 30_000;

/** Most dropped sessions whose standing is kept at once. */
export const MAX_DROPPED = 256;

/** What a resume token still entitles its holder to, on coming back. */
export interface Standing {
  /** Whether they were an operator. */
  readonly op: boolean;
  /** The locked rooms they were in (normalised names): they may enter them again. */
  readonly locked: ReadonlySet<string>;
}

/**
 * The standing of people whose connection dropped, under the resume token
 * they were last given, each kept for `graceMs` and taken back once. Only
 * what is worth keeping is kept: an operator, or someone in a locked room.
 * At most {@linkcode MAX_DROPPED} of them, the oldest forgotten first.
 */
export class DroppedStandings {
  readonly #graceMs: number;
  readonly #kept = new Map<string, Standing & { key: string; until: number }>();

  /** Keeps each standing for `graceMs` after its drop. */
  constructor(graceMs: number) {
    this.#graceMs = graceMs;
  }

  /** Keeps the standing of the person whose name folds to `key`, until `token` comes back. */
  keep(token: string, key: string, standing: Standing, now = Date.now()): void {
    if (!standing.op && standing.locked.size === 0) return;
    this.#forgetOld(now);
    this.forget(key);
    this.#kept.set(token, { ...standing, key, until: now + this.#graceMs });
    if (this.#kept.size > MAX_DROPPED) this.#kept.delete(this.#kept.keys().next().value!);
  }

  /**
   * The standing kept under `token` for the name folding to `key`, once, if
   * its grace has not ended. Whatever was kept for that name under another
   * token is forgotten: the name is someone's again.
   */
  take(token: string | undefined, key: string, now = Date.now()): Standing | undefined {
    this.#forgetOld(now);
    const kept = token === undefined ? undefined : this.#kept.get(token);
    this.forget(key);
    return kept?.key === key ? kept : undefined;
  }

  /** Forgets the standing kept for the name folding to `key`; whether there was one. */
  forget(key: string): boolean {
    for (const [token, kept] of this.#kept) {
      if (kept.key !== key) continue;
      this.#kept.delete(token);
      return true;
    }
    return false;
  }

  /**
   * Takes away the operator status kept for the name folding to `key`;
   * whether there was one to take.
   */
  deop(key: string, now = Date.now()): boolean {
    this.#forgetOld(now);
    for (const [token, kept] of this.#kept) {
      if (kept.key !== key) continue;
      if (!kept.op) return false;
      this.#kept.set(token, { ...kept, op: false });
      return true;
    }
    return false;
  }

  #forgetOld(now: number): void {
    // Kept in the order they came, each for as long: the oldest are first.
    for (const [token, kept] of this.#kept) {
      if (now < kept.until) break;
      this.#kept.delete(token);
    }
  }
}
