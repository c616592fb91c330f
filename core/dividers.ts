// This module is browser compatible.

/**
 * The lines that divide a conversation, the same in the terminal and on the
 * page: a day separator ("— Tuesday 2 December —") before the first message
 * of a day, in history, replays and live talk alike, and the line above what
 * arrived in a view while the user looked elsewhere ("new since you last
 * looked", or "new in @bob" where they never looked).
 * {@linkcode DayRule} decides where separators go; no I/O.
 *
 * @module
 */

import type { Line } from "./describe.ts";
import { day } from "./format.ts";
import { sanitizeText } from "./sanitize.ts";

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/**
 * The local day of `ts` in words, with the year when it is not the year of
 * `now`: `Wednesday 2 December`, `Thursday 27 November 2025`.
 */
export function dayName(ts: number, now: number): string {
  const date = new Date(ts);
  const words = `${WEEKDAYS[date.getDay()]} ${date.getDate()} ${MONTHS[date.getMonth()]}`;
  return date.getFullYear() === new Date(now).getFullYear()
    ? words
    : `${words} ${date.getFullYear()}`;
}

/** The separator before the first message of the day of `ts`: `— Tuesday 2 December —`. */
export function daySeparator(ts: number, now: number): Line {
  return { kind: "divider", tags: ["day"], parts: [{ text: `— ${dayName(ts, now)} —` }] };
}

/** Options for {@linkcode unseenDivider}. */
export interface UnseenOptions {
  /** Lines older still that were not kept. @default {0} */
  skipped?: number;
  /** The user never looked at the view before (private messages just begun). @default {false} */
  first?: boolean;
}

/**
 * The line above what arrived in `view` (a room, or `@name` for private
 * messages) while the user looked elsewhere: `— #dev: new since you last
 * looked —`, or `— new in @bob —` where they had never looked.
 */
export function unseenDivider(view: string, options: UnseenOptions = {}): Line {
  const skipped = options.skipped ?? 0;
  const older = skipped === 0
    ? ""
    : ` (${skipped} earlier ${skipped === 1 ? "line" : "lines"} not kept)`;
  const name = { text: sanitizeText(view), style: "room" } as const;
  return {
    kind: "divider",
    tags: ["unseen"],
    parts: options.first === true
      ? [{ text: "— new in " }, name, { text: `${older} —` }]
      : [{ text: "— " }, name, { text: `: new since you last looked${older} —` }],
  };
}

/** Options for {@linkcode DayRule.before}. */
export interface DayOptions {
  /** The message starts an answer (`/history`, `/search`): show its day whatever came before. */
  force?: boolean;
}

/**
 * Where day separators go in one conversation: before a message of another
 * day than the message before it, before the first message when it is not
 * of today, and before the first message of an answer to `/history` or
 * `/search`, so that those always show their dates.
 *
 * @example
 * ```ts
 * const rule = new DayRule();
 * const now = new Date(2026, 11, 2, 9).getTime();
 * rule.before(new Date(2026, 11, 1, 23).getTime(), now); // — Tuesday 1 December —
 * rule.before(new Date(2026, 11, 1, 23, 30).getTime(), now); // undefined: the same day
 * rule.before(now, now); // — Wednesday 2 December —
 * ```
 */
export class DayRule {
  #last: string | undefined;

  /** The separator to draw before a message stamped `ts`, seen at `now`, if one is due. */
  before(ts: number, now: number, options: DayOptions = {}): Line | undefined {
    const today = day(ts);
    const due = options.force === true ||
      (this.#last === undefined ? today !== day(now) : today !== this.#last);
    this.#last = today;
    return due ? daySeparator(ts, now) : undefined;
  }
}
