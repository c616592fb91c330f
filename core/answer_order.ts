// This module is browser compatible.

/**
 * The order of a conversation's answers (core/conversation.ts): a command
 * the client answers itself, typed after lines the server had yet to
 * answer, is held until the `pong` of a ping sent after those lines, so
 * that answers come in the order typed. The pings that settle (everything
 * sent was handled) and finish (every line piped in was handled) are
 * counted here too. Pure: no I/O and no timers.
 *
 * @module
 */

import type { ClientFrame } from "../protocol.ts";
import { type Effect, send, sends } from "./effects.ts";
import { PROBE_AFTER_MS, SILENCE_LIMIT_MS } from "./link.ts";

/**
 * Longest a command the client answers itself waits for the server's answers
 * to the lines typed before it, in ms: as long as a line unanswered takes to
 * count as lost on a silent link (core/link.ts). Then it is answered anyway.
 */
export const ORDERED_WAIT_MS = PROBE_AFTER_MS + SILENCE_LIMIT_MS;

/**
 * A command the client answers itself, typed while the server had yet to
 * answer lines before it, or the answer of a line refused here.
 */
interface Deferred {
  /** The line as typed, trimmed, run in its turn; or, refused here, what it was answered. */
  held: { line: string } | { effects: Effect[] };
  /** The token of the ping whose `pong` says the lines before it were answered. */
  token: string;
  /** When it was typed. */
  at: number;
}

/** What {@linkcode AnswerOrder} needs of the conversation that owns it. */
export interface AnswerOrderOptions {
  /** Runs the held line `line`, typed at `at`, in its turn. */
  run(line: string, at: number): Effect[];
  /** Whether lines go to the server now (the connection is up and they were sent again). */
  sending(): boolean;
}

/** The commands held until the server answered the lines before them, and the pings that order. */
export class AnswerOrder {
  readonly #options: AnswerOrderOptions;
  /**
   * Commands the client answers itself (`/bell`, `/ignore` …), typed after
   * lines the server had yet to answer: each runs once the `pong` of the
   * ping sent after those lines is in, so that answers come in the order
   * typed.
   */
  readonly #deferred: Deferred[] = [];
  /** A line went to the server since the last ping that orders the client's own answers. */
  #unordered = false;
  /** The token of that last ping. */
  #orderToken: string | undefined;
  #inputEnded = false;
  #finishToken: string | undefined;
  #pings = 0;
  /** The token of the ping {@linkcode AnswerOrder.settle} sent, until its pong. */
  #settleToken: string | undefined;

  /** Starts with nothing held. */
  constructor(options: AnswerOrderOptions) {
    this.#options = options;
  }

  /** Whether a command the client answers itself, typed now, must wait for earlier answers. */
  get holding(): boolean {
    return this.#deferred.length > 0 || (this.#unordered && this.#options.sending());
  }

  /** Whether the ping of {@linkcode AnswerOrder.settle} waits for its pong. */
  get settling(): boolean {
    return this.#settleToken !== undefined;
  }

  /** Pings the server: once its pong comes, whatever was sent before was handled. */
  settle(): Effect[] {
    this.#settleToken = `settle-${++this.#pings}`;
    return [send({ type: "ping", token: this.#settleToken })];
  }

  /** A typed line went to the server: what the client answers itself waits for its answer. */
  sent(): void {
    this.#unordered = true;
  }

  /**
   * Sends `frames`, typed lines that waited for the connection: what the
   * client answers itself from now on waits for their answers.
   */
  flushed(frames: readonly ClientFrame[]): Effect[] {
    if (frames.length > 0) this.#unordered = true;
    return sends(frames);
  }

  /** Holds the command `text` until the lines typed before it are answered; pings after them. */
  defer(text: string, now: number): Effect[] {
    return this.#hold({ line: text }, now);
  }

  /** Holds `answer`, that of a line refused here, until the lines typed before it are answered. */
  hold(answer: Effect[], now: number): Effect[] {
    return this.#hold({ effects: answer }, now);
  }

  /** The server's `pong` with `token`: finished, settled, or the commands it held run. */
  pong(token: string | undefined): Effect[] {
    if (token !== undefined && token === this.#finishToken) return [{ type: "finished" }];
    if (token !== undefined && token === this.#settleToken) this.#settleToken = undefined;
    const effects: Effect[] = [];
    if (this.#deferred.some((deferred) => deferred.token === token)) {
      effects.push(...this.#release(token));
    }
    effects.push(...this.finishing());
    return effects;
  }

  /** Runs every command held, if the oldest has waited {@linkcode ORDERED_WAIT_MS} at `now`. */
  tick(now: number): Effect[] {
    // The server did not answer the lines before a command the client answers itself in time.
    const oldest = this.#deferred[0];
    return oldest !== undefined && now - oldest.at >= ORDERED_WAIT_MS
      ? this.#release(undefined)
      : [];
  }

  /** No more lines will be typed: {@linkcode AnswerOrder.finishing} may ping. */
  endInput(): void {
    this.#inputEnded = true;
  }

  /** Once input ended and nothing is held back, pings; its pong means every line was handled. */
  finishing(): Effect[] {
    if (!this.#inputEnded || !this.#options.sending() || this.#finishToken !== undefined) {
      return [];
    }
    this.#finishToken = `finish-${++this.#pings}`;
    return [send({ type: "ping", token: this.#finishToken })];
  }

  /** The connection ended: no pong will come, so every command held runs now. */
  closed(): Effect[] {
    this.#finishToken = undefined;
    this.#settleToken = undefined;
    this.#unordered = false;
    return this.#release(undefined);
  }

  /** Holds `held` after what is held already; pings after the lines sent since the last ping. */
  #hold(held: Deferred["held"], now: number): Effect[] {
    const effects: Effect[] = [];
    if (this.#unordered || this.#orderToken === undefined) {
      this.#unordered = false;
      this.#orderToken = `order-${++this.#pings}`;
      effects.push(send({ type: "ping", token: this.#orderToken }));
    }
    this.#deferred.push({ held, token: this.#orderToken, at: now });
    return effects;
  }

  /**
   * Runs the commands held until the `pong` of `token`, with those before
   * them, each as typed when it was; every one held when `token` is
   * `undefined`.
   */
  #release(token: string | undefined): Effect[] {
    const last = token === undefined
      ? this.#deferred.length - 1
      : this.#deferred.findLastIndex((deferred) => deferred.token === token);
    const effects: Effect[] = [];
    for (const { held, at } of this.#deferred.splice(0, last + 1)) {
      effects.push(...("line" in held ? this.#options.run(held.line, at) : held.effects));
    }
    if (this.#deferred.length === 0) this.#orderToken = undefined;
    return effects;
  }
}
