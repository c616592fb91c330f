/**
 * The signals that stop `chat serve`: Ctrl-C (SIGINT), SIGTERM, and SIGHUP
 * (its terminal closed: a window, an ssh session). Listened for from the start, before the server's modules load, so that one sent
 * while it starts stops it cleanly too, and never kills it.
 *
 * @module
 */

/** Listens for the stop signals from its creation on. */
export class StopSignals {
  /** Resolves to the first signal received. */
  readonly stopped: Promise<string>;
  #received: string | undefined;

  constructor() {
    const { promise, resolve } = Promise.withResolvers<string>();
    this.stopped = promise;
    const signals: Deno.Signal[] = Deno.build.os === "windows"
      ? ["SIGINT"]
      : ["SIGINT", "SIGTERM", "SIGHUP"];
    // The listeners stay until the process ends: `deno task` passes the terminal's Ctrl-C on
    // to the server once more, sometimes only as it leaves, and without a listener it would
    // kill the process then (exit 130 instead of 0).
    for (const signal of signals) {
      Deno.addSignalListener(signal, () => {
        this.#received ??= signal;
        resolve(signal);
      });
    }
  }

  /** The first signal received so far, if any. */
  get received(): string | undefined {
    return this.#received;
  }
}
