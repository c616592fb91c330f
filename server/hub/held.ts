/**
 * The frames of a connection that wait for something it started, kept in
 * order: its `hello` being answered (the cluster asked about its name), a
 * message it posted on its way through the cluster, or its name checked with
 * the cluster again after this server stood still. What the wait answers
 * comes before what they do; a connection that ends meanwhile is ended once
 * they are handled, so that its `quit` and its last lines are not lost.
 *
 * @module
 */

import type { ClientFrame } from "../../protocol.ts";
import type { Session } from "../session.ts";

/**
 * Frames a connection may send while its `hello` is being answered, kept
 * until it is, or while a message it posted is on its way through the
 * cluster. Room for the frame rate's burst (40 at the default `--rate`)
 * and the rate over {@linkcode HOLD_MS}.
 */
export const MAX_WAITING_FRAMES = 128;

/**
 * The longest a connection's frame waits, in ms, for a message sent before
 * it to come back from the cluster: then it is handled anyway.
 */
export const HOLD_MS = 5_000;

/**
 * What the frames of a connection wait for: the answer to its `hello` or
 * `search` (`answer`: {@linkcode MAX_WAITING_FRAMES} of them kept, a
 * connection that ends meanwhile ended at once); a message it posted, on its
 * way through the cluster (`posted`: each {@linkcode HOLD_MS} at most, none
 * dropped, the connection ended once they are handled); or its name checked
 * with the cluster again, this server having stood still (`name`: kept as
 * for an answer, the connection ended once they are handled).
 */
export type Waiting = "answer" | "posted" | "name";

/** The frames of a connection that wait for something it started, in order. */
interface Held {
  /** Each frame, and when it came, by `performance.now()`. */
  readonly frames: { readonly frame: ClientFrame; readonly at: number }[];
  /** Whether they wait for a message on its way, at most {@linkcode HOLD_MS} each. */
  readonly bounded: boolean;
  /** Whether a connection that ends meanwhile is ended only once they are handled. */
  readonly endsAfter: boolean;
  /** What hands them over once the oldest has waited its most. */
  timer?: ReturnType<typeof setTimeout>;
  /** How the connection ended meanwhile: it is ended once they are handled. */
  ended?: { readonly reason: string; readonly dropped: boolean } | undefined;
}

/** What {@linkcode HeldFrames} hands its frames and ends to. */
export interface HeldFramesOptions {
  /** Handles one frame, as it came; it may make the frames after it wait again. */
  receive(session: Session, frame: ClientFrame): void;
  /** Ends a connection that ended while its frames waited. */
  end(session: Session, reason: string, dropped: boolean): void;
  /** Receives one line per internal error. */
  log(line: string): void;
}

/** The waiting frames of every connection that has some. */
export class HeldFrames {
  readonly #waiting = new Map<Session, Held>();
  readonly #options: HeldFramesOptions;

  constructor(options: HeldFramesOptions) {
    this.#options = options;
  }

  /** Keeps `frame` when the frames of `session` wait; `false` when they do not (handle it now). */
  hold(session: Session, frame: ClientFrame): boolean {
    const held = this.#waiting.get(session);
    if (held === undefined) return false;
    if (held.frames.length < MAX_WAITING_FRAMES || held.bounded) {
      held.frames.push({ frame, at: performance.now() });
    }
    // Never dropped: a flood beyond the room is handled now, before more comes.
    if (held.bounded && held.frames.length > MAX_WAITING_FRAMES) this.#release(session, held);
    return true;
  }

  /**
   * Ends `session` once its frames are handled, when they wait for a message
   * on its way or for its name to be checked; `false` when nothing of it
   * waits so (end it now).
   */
  endAfter(session: Session, reason: string, dropped: boolean): boolean {
    const held = this.#waiting.get(session);
    if (held?.endsAfter !== true) return false;
    held.ended = { reason, dropped };
    return true;
  }

  /** Drops what `session` held: it ended. */
  forget(session: Session): void {
    clearTimeout(this.#waiting.get(session)?.timer);
    this.#waiting.delete(session);
  }

  /** Drops everything held: the hub shuts down. */
  clear(): void {
    for (const held of this.#waiting.values()) clearTimeout(held.timer);
    this.#waiting.clear();
  }

  /**
   * Holds the frames that come from `session` until `answer` settles, then
   * handles them in order: what it answers comes before what they do. For a
   * message on its way (`posted`), each frame waits {@linkcode HOLD_MS} at
   * most, whatever the cluster does (see {@linkcode Waiting}).
   */
  waitFor(
    session: Session,
    answer: Promise<unknown> | undefined | void,
    waiting: Waiting = "answer",
  ): void {
    if (answer === undefined) return;
    const bounded = waiting === "posted";
    const held: Held = { frames: [], bounded, endsAfter: waiting !== "answer" };
    this.#waiting.set(session, held);
    if (bounded) held.timer = setTimeout(() => this.#release(session, held), HOLD_MS);
    answer.then(() => this.#release(session, held), (error) => {
      this.#options.log(
        `Internal error on a frame from ${session.remote}: ${(error as Error)?.stack}`,
      );
      this.#release(session, held);
    });
  }

  /**
   * Handles the frames `held` for `session`, in order, unless handed over
   * already; those after one that waits for something in turn wait with it,
   * each no longer in all than its bound.
   */
  #release(session: Session, held: Held): void {
    if (this.#waiting.get(session) !== held) return;
    clearTimeout(held.timer);
    this.#waiting.delete(session);
    const { frames } = held;
    for (let i = 0; i < frames.length; i++) {
      // Out of the transport's reach, which answers a frame that fails: answered here.
      try {
        this.#options.receive(session, frames[i]!.frame);
      } catch (error) {
        this.#options.log(
          `Internal error on a frame from ${session.remote}: ${(error as Error)?.stack}`,
        );
        session.send({ type: "error", code: "bad_frame", message: "Internal server error" });
      }
      const next = this.#waiting.get(session);
      if (next === undefined) continue;
      // The rest waits again, behind that frame: no longer than the oldest of them may.
      const rest = frames.slice(i + 1);
      next.frames.push(...rest);
      next.ended = held.ended;
      if (next.bounded && rest.length > 0) {
        clearTimeout(next.timer);
        next.timer = setTimeout(
          () => this.#release(session, next),
          Math.max(0, rest[0]!.at + HOLD_MS - performance.now()),
        );
      }
      return;
    }
    if (held.ended !== undefined) {
      this.#options.end(session, held.ended.reason, held.ended.dropped);
    }
  }
}
