/**
 * Log lines for events that come in floods, such as refused connections: the
 * first of a burst is logged at once, the others are counted, and their count
 * is logged a few seconds later, on a timer that runs only while some are not
 * reported yet. The host sees when a flood came and how big it was, and a
 * flood writes one line every few seconds, not one per event.
 *
 * @module
 */

/** Least time between two lines of a {@linkcode PacedLog}, in milliseconds. */
export const PACED_LOG_EVERY_MS = 5_000;

/** Options for {@linkcode PacedLog}. */
export interface PacedLogOptions {
  /** Least milliseconds between two lines. @default {PACED_LOG_EVERY_MS} */
  everyMs?: number;
}

/**
 * Paces the lines about one kind of event. An event that comes when no line
 * went out for `everyMs` is logged at once; the others are held, and
 * `summarize` is asked for one line about them all `everyMs` after the line
 * before (or when the log is disposed), given how many milliseconds that
 * line's period lasted.
 */
export class PacedLog implements Disposable {
  readonly #log: (line: string) => void;
  readonly #summarize: (periodMs: number) => string;
  readonly #everyMs: number;
  /** When the last line went out, from `performance.now()`. */
  #loggedAt = -Infinity;
  /** Whether events wait for the next summary. */
  #held = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    log: (line: string) => void,
    summarize: (periodMs: number) => string,
    options: PacedLogOptions = {},
  ) {
    this.#log = log;
    this.#summarize = summarize;
    this.#everyMs = options.everyMs ?? PACED_LOG_EVERY_MS;
  }

  /**
   * Tells of an event: logs `line` and returns `true` if it opens a burst;
   * otherwise returns `false`, and the caller counts the event for the
   * summary it will be asked for.
   */
  event(line: string): boolean {
    const now = performance.now();
    if (!this.#held && now - this.#loggedAt >= this.#everyMs) {
      this.#loggedAt = now;
      this.#log(line);
      return true;
    }
    this.#held = true;
    this.#timer ??= setTimeout(
      () => this.#flush(),
      Math.max(0, this.#loggedAt + this.#everyMs - now),
    );
    return false;
  }

  /** Logs the summary of the events held now, if there are any, and stops the timer. */
  [Symbol.dispose](): void {
    this.#flush();
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#held) return;
    this.#held = false;
    const now = performance.now();
    const periodMs = now - this.#loggedAt;
    this.#loggedAt = now;
    this.#log(this.#summarize(periodMs));
  }
}

/** A period of `ms` milliseconds in whole seconds, at least 1: `5 s`. */
export function seconds(ms: number): string {
  return `${Math.max(1, Math.round(ms / 1000))} s`;
}
