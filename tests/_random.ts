/** Seeded pseudo-random numbers, so randomised tests repeat exactly. @module */

/** A repeatable stream of unsigned 32-bit integers from `seed` (mulberry32). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** A repeatable generator of numbers in [0, 1) from `seed` (mulberry32). */
export function seeded(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4_294_967_296;
}

/** A repeatable stream of bytes, 0 to 255, from `seed` (mulberry32). */
export function seededBytes(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() & 0xff;
}

/** A seeded generator with helpers to pick test cases. */
export interface Random {
  /** A number in [0, 1). */
  next(): number;
  /** An integer in [0, `max`). */
  int(max: number): number;
  /** One of `items`, which must not be empty. */
  pick<T>(items: readonly T[]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
}

/** A {@linkcode Random} from `seed`. */
export function prng(seed: number): Random {
  const next = seeded(seed);
  const int = (max: number) => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
