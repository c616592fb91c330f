/**
 * Posting room messages to the cluster's stream in the order they were
 * posted, even across a lost link: each message is published at once, and
 * when the link breaks, every message not yet acknowledged is published
 * again, one after another in order, once it is back. Until then, and until
 * those are acknowledged, later messages wait behind them: one published
 * while the link is down may be lost with it, and would be overtaken by one
 * published after it comes back. The stream drops a message it already has
 * (by its id), so nothing is stored twice.
 *
 * @module
 */

import type { JetStreamClient } from "@nats-io/jetstream";

/** How long one publication waits for the stream's acknowledgement, in ms. */
const ACK_TIMEOUT_MS = 2_000;
/** Pause between tries while the stream does not answer, in ms. */
const RETRY_MS = 250;

/** A message waiting for the stream's acknowledgement. */
interface Waiting {
  readonly subject: string;
  readonly data: string;
  /** Its id in the stream: the same on every try. */
  readonly dedupe: string;
  /** When to give up, from `performance.now()`; never for a message shown already. */
  deadline: number;
  /** Resolved with whether the stream had it already (under its id). */
  readonly done: PromiseWithResolvers<boolean>;
  settled: boolean;
}

/** Publishes messages in order until each is acknowledged or its time is up. */
export class OrderedPublisher {
  readonly #js: JetStreamClient;
  readonly #patienceMs: number;
  readonly #failed: () => void;
  readonly #waiting: Waiting[] = [];
  /** Set while the unacknowledged are being published again, in order. */
  #recovering = false;
  /** Whether the link is up, as far as `lost` and `back` tell. */
  #linked = true;
  /** Wakes the recovery waiting for the link to come back. */
  #woken: PromiseWithResolvers<void> | undefined;
  #closed = false;

  /**
   * @param js The stream's client.
   * @param patienceMs How long a message not shown already is tried before it is given up.
   * @param options.failed Called each time a publication is not acknowledged (the stream
   * may be gone).
   */
  constructor(js: JetStreamClient, patienceMs: number, options: { failed?: () => void } = {}) {
    this.#js = js;
    this.#patienceMs = patienceMs;
    this.#failed = options.failed ?? (() => {});
  }

  /**
   * Publishes `data` on `subject` under the id `dedupe`; resolves once the
   * stream has it, with `true` when it had it already, stored before under
   * that id (it is not stored again). A message `patient` is tried until the
   * publisher closes.
   */
  publish(subject: string, data: string, dedupe: string, patient: boolean): Promise<boolean> {
    const waiting: Waiting = {
      subject,
      data,
      dedupe,
      deadline: patient ? Infinity : performance.now() + this.#patienceMs,
      done: Promise.withResolvers<boolean>(),
      settled: false,
    };
    this.#waiting.push(waiting);
    // While recovering, later messages wait their turn, so that none overtakes another.
    if (!this.#recovering) this.#try(waiting).then((ok) => ok || this.broken());
    return waiting.done.promise;
  }

  /**
   * The link broke, or a publication failed: from now on messages go out one
   * by one, oldest first, until every one waiting is acknowledged.
   */
  broken(): void {
    if (this.#recovering || this.#closed) return;
    this.#recovering = true;
    this.#recover().finally(() => this.#recovering = false);
  }

  /**
   * The link is down: every message, waiting now or published from now on,
   * goes out in order once it is `back`.
   */
  lost(): void {
    this.#linked = false;
    this.broken();
  }

  /** The link is back: what waits goes out, oldest first. */
  back(): void {
    this.#linked = true;
    this.#woken?.resolve();
  }

  /** Tries every message waiting now until the publisher closes: they were shown already. */
  keepAll(): void {
    for (const waiting of this.#waiting) waiting.deadline = Infinity;
  }

  /** Gives up every message still waiting. */
  close(): void {
    this.#closed = true;
    this.#woken?.resolve();
    for (const waiting of this.#waiting.splice(0)) {
      this.#settle(waiting, new Error("The server is shutting down"));
    }
  }

  async #recover(): Promise<void> {
    while (!this.#closed) {
      const waiting = this.#waiting.find((one) => !one.settled);
      if (waiting === undefined && this.#linked) return;
      if (waiting === undefined) {
        // What comes meanwhile waits here, behind what the broken link may have lost.
        this.#woken = Promise.withResolvers();
        await this.#woken.promise;
        this.#woken = undefined;
        continue;
      }
      if (await this.#try(waiting)) continue;
      if (performance.now() > waiting.deadline) {
        this.#settle(waiting, new Error("NATS did not acknowledge the message in time"));
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }

  /** Publishes `waiting` once; whether the stream acknowledged it. */
  async #try(waiting: Waiting): Promise<boolean> {
    if (waiting.settled) return true;
    try {
      const ack = await this.#js.publish(waiting.subject, waiting.data, {
        msgID: waiting.dedupe,
        timeout: ACK_TIMEOUT_MS,
      });
      this.#settle(waiting, undefined, ack.duplicate);
      return true;
    } catch {
      if (!waiting.settled) this.#failed();
      return waiting.settled;
    }
  }

  #settle(waiting: Waiting, error?: Error, duplicate = false): void {
    if (waiting.settled) return;
    waiting.settled = true;
    const at = this.#waiting.indexOf(waiting);
    if (at !== -1) this.#waiting.splice(at, 1);
    if (error === undefined) waiting.done.resolve(duplicate);
    else waiting.done.reject(error);
  }
}
