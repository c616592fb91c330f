/**
 * The turns of every replay streamed on the event loop, together: each
 * turn reads and encodes a little of one replay, round-robin among those
 * whose peer is ready for more, and all of them together take at most
 * {@linkcode REPLAY_SLICE_MS} at once and {@linkcode REPLAY_SHARE} of the
 * time. However many replays run, the frames of everyone else wait at most
 * one slice: replays finish, paced, and nothing of them is lost.
 *
 * @module
 */

/**
 * Share of the event loop's time that replays may take, all together, while
 * other work waits: a whole-history replay of 36,000 messages (3 MB) takes
 * some tenths of a second of reading and encoding, so one alone still
 * finishes within a few seconds.
 */
export const REPLAY_SHARE = 0.25;

/** Milliseconds of replay work that may run at once before the event loop serves the rest. */
export const REPLAY_SLICE_MS = 5;

/** Something streamed a turn at a time: one turn writes a little of it. */
export interface ReplayTurn {
  /** Writes the next part; asks for another turn itself if it has more, and its peer reads. */
  turn(): void;
}

/** Those waiting for a turn, in the order they asked: a `Set` keeps it. */
const waiting = new Set<ReplayTurn>();
let timer: ReturnType<typeof setTimeout> | undefined;
/** Set while a slice runs: turns asked for meanwhile join it, or the next. */
let running = false;

/** Gives `streamer` a turn soon, after those that asked before it. */
export function wantTurn(streamer: ReplayTurn): void {
  waiting.add(streamer);
  if (!running) timer ??= setTimeout(runSlice, 0);
}

/** Forgets `streamer`'s turn: its stream ended or its connection closed. */
export function dropTurn(streamer: ReplayTurn): void {
  waiting.delete(streamer);
}

/** Whether `streamer` waits for its turn: its peer took what came before. */
export function waitsForTurn(streamer: ReplayTurn): boolean {
  return waiting.has(streamer);
}

/** Runs turns for up to a slice, then waits so that replays keep to their share. */
function runSlice(): void {
  timer = undefined;
  running = true;
  const start = performance.now();
  let spent = 0;
  while (waiting.size > 0 && spent < REPLAY_SLICE_MS) {
    const next: ReplayTurn = waiting.values().next().value!;
    waiting.delete(next);
    try {
      next.turn();
    } catch {
      // One broken stream must not stop the others' turns.
    }
    spent = performance.now() - start;
  }
  running = false;
  if (waiting.size > 0) {
    timer = setTimeout(runSlice, (spent * (1 - REPLAY_SHARE)) / REPLAY_SHARE);
  }
}
