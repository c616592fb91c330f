/**
 * Where the browser tests expect Chromium, whether it is there, and the
 * flags it runs with: apart from the browser itself, so that the tests which
 * only ask whether it is there (see _needs.ts) do not start it.
 *
 * @module
 */

/** Where the tests expect Chromium: Debian's `chromium` package. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Why the browser tests cannot run on this machine, or `undefined` when they can. */
export const CHROMIUM_MISSING: string | undefined = (() => {
  try {
    return Deno.statSync(CHROMIUM_PATH).isFile ? undefined : `${CHROMIUM_PATH} is not a file`;
  } catch {
    return `Chromium is not installed at ${CHROMIUM_PATH}`;
  }
})();

/**
 * Headless, and quiet: no updates, sync, QUIC or other traffic of the
 * browser's own. Every page of a test file shares one renderer process: the
 * tests' pages all come from one origin and their contexts keep them apart
 * (storage, cookies, permissions); a renderer per page cost a fifth more CPU
 * for the browser tests, on a machine that runs two test files at a time.
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--renderer-process-limit=1",
  "--disable-site-isolation-trials",
];
