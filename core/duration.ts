// This module is browser compatible.

/**
 * Durations as people type and read them: `90s`, `10m`, `2h`, `3d`, `1w`
 * typed (or `10min`, `2hours` …); `1 h 30 min` read. Bans and mutes last
 * that long, and are said to the second.
 *
 * @module
 */

/** Seconds per unit, by every spelling taken: `m` is minutes, as months take no part. */
const UNITS: ReadonlyMap<string, number> = new Map([
  ...["s", "sec", "secs", "second", "seconds"].map((unit) => [unit, 1] as const),
  ...["m", "min", "mins", "minute", "minutes"].map((unit) => [unit, 60] as const),
  ...["h", "hr", "hrs", "hour", "hours"].map((unit) => [unit, 3600] as const),
  ...["d", "day", "days"].map((unit) => [unit, 86_400] as const),
  ...["w", "wk", "wks", "week", "weeks"].map((unit) => [unit, 604_800] as const),
]);

/** The longest duration one may type: a year, in seconds. */
export const MAX_DURATION_SECONDS = 365 * 86_400;

/** What a duration may be, for a usage line. */
export const DURATION_FORMS =
  "a whole number and a unit, such as 90s, 10m, 2h, 3d or 1w (or 10min, 2hours), up to a year";

/**
 * The seconds `text` stands for (`90s`, `10m`, `2h`, `3d`, `1w`, a unit
 * also spelt `sec`, `min`, `hr`, `day`, `wk` or in full; a bare number is
 * minutes), or `undefined` when it is no duration or is longer than
 * {@linkcode MAX_DURATION_SECONDS}.
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,6})([a-z]*)$/i.exec(text.trim());
  if (match === null) return undefined;
  const unit = UNITS.get((match[2] || "m").toLowerCase());
  if (unit === undefined) return undefined;
  const seconds = Number(match[1]) * unit;
  return seconds >= 1 && seconds <= MAX_DURATION_SECONDS ? seconds : undefined;
}

/** The units a span is said in, largest first, with their seconds. */
const SPAN_UNITS: readonly (readonly [string, number])[] = [
  ["d", 86_400],
  ["h", 3600],
  ["min", 60],
  ["s", 1],
];

/**
 * A span of `ms` milliseconds for people, exactly, to the second (a part of
 * one counts as one): each unit that is not 0, largest first, as in `45 s`,
 * `1 min 30 s`, `10 min`, `2 h 5 min`, `3 d 4 h`. What was asked for is said
 * as asked: a mute of `90s` is `1 min 30 s`, not `2 min`.
 */
export function formatSpan(ms: number): string {
  let seconds = Math.max(1, Math.ceil(ms / 1000));
  const parts: string[] = [];
  for (const [unit, size] of SPAN_UNITS) {
    const count = Math.floor(seconds / size);
    if (count === 0) continue;
    parts.push(`${count} ${unit}`);
    seconds -= count * size;
  }
  return parts.join(" ");
}

/**
 * The milliseconds a span said by {@linkcode formatSpan} stands for (`45 s`,
 * `1 min 30 s`, `3 d 4 h`), or `undefined` when `text` is no such span.
 */
export function parseSpan(text: string): number | undefined {
  const match = /^(\d+) (d|h|min|s)((?: \d+ (?:d|h|min|s))*)$/.exec(text);
  if (match === null) return undefined;
  let seconds = 0;
  let last = Infinity;
  for (const [, count, unit] of text.matchAll(/(\d+) (d|h|min|s)/g)) {
    const size = SPAN_UNITS.find(([name]) => name === unit)![1];
    // Largest first, each once, as formatSpan says them.
    if (size >= last) return undefined;
    last = size;
    seconds += Number(count) * size;
  }
  return seconds * 1000;
}
