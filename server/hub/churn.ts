/**
 * How often one person's comings and goings of status are announced: a
 * burst of {@linkcode STATUS_BURST} changes of their away and back, and as
 * many of their joins and parts of each room, then one every
 * {@linkcode STATUS_REFILL_MS}. A change over the
 * budget still takes effect at once; it is announced when the budget
 * allows, coalesced with whatever changed meanwhile, so that one client
 * cannot flood its rooms with away/back or part/join lines.
 *
 * @module
 */

/** Status changes of one person announced one after the other before the rest wait. */
export const STATUS_BURST = 6;

/** How long, in ms, before one more status change of a person may be announced, once the burst is spent. */
export const STATUS_REFILL_MS = 10_000;

/** One budget of one person: what is left of it, and the announcement that waits for it. */
interface Budget {
  tokens: number;
  at: number;
  /** What announces the change over the budget, as it is then. */
  waiting: (() => void) | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The announcement budgets of everyone connected: one for their away and
 * back, and one for each room they join and leave (joining many rooms at
 * once is no churn; leaving and joining one again and again is).
 */
export class StatusBudget {
  readonly #budgets = new Map<object, Map<string, Budget>>();
  readonly #burst: number;
  readonly #refillMs: number;

  constructor(burst = STATUS_BURST, refillMs = STATUS_REFILL_MS) {
    this.#burst = burst;
    this.#refillMs = refillMs;
  }

  /**
   * Whether a change of `who` in `what` (`away`, a room's name) may be
   * announced now. If not, `announce` runs once the budget allows, unless
   * another change of `what` replaces it or `who` is {@linkcode forget}ten
   * first: it announces the state then, if that differs from the one last
   * announced.
   */
  spend(who: object, what: string, announce: () => void): boolean {
    const now = Date.now();
    let budgets = this.#budgets.get(who);
    if (budgets === undefined) this.#budgets.set(who, budgets = new Map());
    let budget = budgets.get(what);
    if (budget === undefined) {
      budget = { tokens: this.#burst, at: now, waiting: undefined, timer: undefined };
      budgets.set(what, budget);
    }
    this.#refill(budget, now);
    if (budget.waiting === undefined && budget.tokens >= 1) {
      budget.tokens--;
      return true;
    }
    budget.waiting = announce;
    const waiting = budget;
    budget.timer ??= setTimeout(
      () => this.#flush(who, what, waiting),
      Math.ceil((1 - budget.tokens) * this.#refillMs),
    );
    return false;
  }

  /** Drops the budgets of `who`, gone, with what waited to be announced of it. */
  forget(who: object): void {
    for (const budget of this.#budgets.get(who)?.values() ?? []) clearTimeout(budget.timer);
    this.#budgets.delete(who);
  }

  /** Drops every budget, as the server stops. */
  clear(): void {
    for (const who of [...this.#budgets.keys()]) this.forget(who);
  }

  #refill(budget: Budget, now: number): void {
    budget.tokens = Math.min(this.#burst, budget.tokens + (now - budget.at) / this.#refillMs);
    budget.at = now;
  }

  /** Announces, for one change's worth of the budget, what waited for it. */
  #flush(who: object, what: string, budget: Budget): void {
    budget.timer = undefined;
    this.#refill(budget, Date.now());
    budget.tokens = Math.max(0, budget.tokens - 1);
    const announce = budget.waiting;
    budget.waiting = undefined;
    announce?.();
    // A budget whole again is as good as none: people who come and go leave nothing behind.
    if (budget.waiting === undefined && budget.tokens >= this.#burst - 1) {
      this.#budgets.get(who)?.delete(what);
    }
  }
}
