/**
 * Drives the web client in a real Chromium through playwright-core. Each
 * person's browser is a context of its own (its own storage, permissions
 * and pages, shared with no other), may load nothing but 127.0.0.1, and
 * records what went wrong on its pages (console errors, uncaught
 * exceptions, dialogs, blocked requests) for the tests to check. The
 * contexts of a test file share one Chromium process, started as the file
 * loads (see {@linkcode ChatBrowser.launch}).
 * Every wait is on a selector or an event with a timeout, never a sleep.
 *
 * @module
 */

import {
  type Browser,
  type BrowserContext,
  chromium,
  type Locator,
  type Page,
} from "./_playwright.ts";
import { ROOT, waitFor } from "./_tmux.ts";
import { within } from "../_test_utils.ts";
import { CHROMIUM_FLAGS, CHROMIUM_MISSING, CHROMIUM_PATH } from "./_chromium.ts";
import { type ChatServer, type ServerOptions, startServer } from "../../server.ts";

/** The only host the browser may load anything from. */
export const LOOPBACK = "127.0.0.1";

/** Milliseconds a wait on the page may take before the test fails. */
export const WAIT_MS = 5_000;

/** Options for {@linkcode ChatBrowser.launch}. */
export interface BrowserOptions {
  /** Size of every page, in CSS pixels. @default {{ width: 1280, height: 800 }} */
  viewport?: { width: number; height: number };
  /** Device pixels per CSS pixel. @default {1} */
  deviceScaleFactor?: number;
  /** Behave like a phone: honour the viewport meta tag, touch events. @default {false} */
  mobile?: boolean;
}

/**
 * The Chromium every context of this test file shares (or why it would not
 * start), started as the module loads: starting it costs a second or two,
 * and the browser tests, one after another, would otherwise start it again
 * for each. Started, and awaited, before any test, it is charged to none
 * (Deno's sanitizers fail a test that leaves running a process or a timer it
 * did not start itself), and it ends with the file: when the file's tests
 * are done its pipe closes, and Chromium exits.
 */
const shared: Browser | Error = CHROMIUM_MISSING !== undefined
  ? new Error(`Cannot start Chromium: ${CHROMIUM_MISSING}`)
  : await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_FLAGS],
  }).catch((error: unknown) => error instanceof Error ? error : new Error(String(error)));

/** One person's browser: a fresh context of its own; dispose it to close its pages. */
export class ChatBrowser implements AsyncDisposable {
  /** The person's context: storage, permissions and pages of their own. */
  readonly context: BrowserContext;
  /** What went wrong on the pages so far, one line each. */
  readonly problems: string[] = [];
  readonly #watched = new WeakSet<Page>();

  constructor(context: BrowserContext) {
    this.context = context;
  }

  /** Opens a new context, headless, in the Chromium this test file shares. */
  static async launch(options: BrowserOptions = {}): Promise<ChatBrowser> {
    if (shared instanceof Error) throw shared;
    const context = await shared.newContext({
      viewport: options.viewport ?? { width: 1280, height: 800 },
      deviceScaleFactor: options.deviceScaleFactor ?? 1,
      isMobile: options.mobile ?? false,
      hasTouch: options.mobile ?? false,
      colorScheme: "light",
      reducedMotion: "reduce",
    });
    const browser = new ChatBrowser(context);
    context.setDefaultTimeout(WAIT_MS);
    context.setDefaultNavigationTimeout(10_000);
    // Whatever a page tries, nothing leaves this machine's loopback.
    await context.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === LOOPBACK) return route.continue();
      browser.problems.push(`blocked a request to ${url.href}`);
      return route.abort("blockedbyclient");
    });
    return browser;
  }

  /** Opens `url`, which must be on 127.0.0.1, in a watched page. */
  async open(url: string): Promise<Page> {
    if (new URL(url).hostname !== LOOPBACK) {
      throw new Error(`Cannot open "${url}": the tests browse ${LOOPBACK} only`);
    }
    const unused = this.context.pages().find((page) =>
      page.url() === "about:blank" && !this.#watched.has(page)
    );
    const page = unused ?? await this.context.newPage();
    this.#watch(page);
    await page.goto(url);
    return page;
  }

  /** Opens `url` like {@linkcode ChatBrowser.open} and joins there as `name` (see {@linkcode joinAs}). */
  async openAs(url: string, name: string): Promise<Page> {
    const page = await this.open(url);
    await joinAs(page, name);
    return page;
  }

  /** Problems other than those matching one of `expected`. */
  unexpectedProblems(expected: readonly RegExp[] = []): string[] {
    return this.problems.filter((problem) => !expected.some((pattern) => pattern.test(problem)));
  }

  #watch(page: Page): void {
    this.#watched.add(page);
    page.on("console", (message) => {
      if (message.type() === "error") this.problems.push(`console error: ${message.text()}`);
    });
    page.on("pageerror", (error) => this.problems.push(`uncaught: ${error.message}`));
    page.on("dialog", (dialog) => {
      this.problems.push(`dialog (${dialog.type()}): ${dialog.message()}`);
      dialog.dismiss().catch(() => {});
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.context.close();
  }
}

/**
 * Closes `page` as the user closes a tab, and tells whether the browser asked
 * before leaving (ChatBrowser dismisses the question, so the page stays) or
 * closed it at once.
 */
export async function closeAsks(page: Page): Promise<boolean> {
  const outcome = new Promise<boolean>((resolve) => {
    page.once("dialog", (dialog) => resolve(dialog.type() === "beforeunload"));
    page.once("close", () => resolve(false));
  });
  await page.close({ runBeforeUnload: true });
  return await within(outcome, WAIT_MS, "the tab to ask before closing, or to close");
}

/**
 * Starts a server on loopback with the web client, both on ports of their
 * own (port 0), and `options` besides; dispose it (`await using`) to stop it.
 */
export function startWebServer(options: ServerOptions = {}): Promise<ChatServer> {
  return startServer({ hostname: LOOPBACK, port: 0, webPort: 0, ...options });
}

/** The address of the page `server` serves at `path`; the server must run the web client. */
export function webUrl(server: ChatServer, path = "/"): string {
  if (server.webAddr === undefined) {
    throw new Error("Cannot find the page: the server runs no web client");
  }
  return pageUrl(server.webAddr.port, path);
}

/** The page's address on a web server bound to loopback `port`. */
export function pageUrl(port: number, path = "/"): string {
  return `http://${LOOPBACK}:${port}${path}`;
}

/** Matches `text` exactly, for `hasText`. */
export function exactly(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
}

/** Waits until `#status` reads `text` (a string is matched exactly). */
export async function waitForStatus(
  page: Page,
  text: string | RegExp,
  timeout = WAIT_MS,
): Promise<void> {
  const pattern = typeof text === "string" ? exactly(text) : text;
  await page.locator("#status", { hasText: pattern }).waitFor({ timeout });
}

/** Types `name` into the name form, submits it and waits until the page is connected. */
export async function joinAs(page: Page, name: string): Promise<void> {
  await page.locator("#name-input").fill(name);
  await page.locator("#name-submit").click();
  await waitForStatus(page, "Connected");
  // Attached, not visible: on a phone the sidebar that shows it is a closed drawer.
  await page.locator("#me-name", { hasText: exactly(name) }).waitFor({ state: "attached" });
}

/**
 * Sends `text` from the message box: types it, presses Enter (taps Send on a
 * touch screen, where Enter makes a new line), waits for the box to empty.
 */
export async function say(
  page: Page,
  text: string,
  options: { typed?: boolean } = {},
): Promise<void> {
  const input = page.locator("#message-input");
  if (options.typed) await input.pressSequentially(text);
  else await input.fill(text);
  // What Enter does, the page tells the keyboard on the screen.
  if (await input.getAttribute("enterkeyhint") === "enter") await page.locator("#send").tap();
  else await input.press("Enter");
  await waitFor(
    () => input.inputValue(),
    (value) => value === "",
    WAIT_MS,
    (value) => `for the message box to empty after sending; it holds ${JSON.stringify(value)}`,
  );
}

/** The log's lines of class `kind` (`message`, `action`, `private`…) that contain `text`. */
export function logLine(page: Page, kind: string, text: string | RegExp): Locator {
  return page.locator(`#log .line.${kind}`, { hasText: text });
}

/** Waits for exactly one log line of class `kind` containing `text` and returns it. */
export async function waitForLine(
  page: Page,
  kind: string,
  text: string | RegExp,
  timeout = WAIT_MS,
): Promise<Locator> {
  const line = logLine(page, kind, text);
  await line.waitFor({ timeout });
  return line;
}

/**
 * Saves a screenshot of `page` as test-results/screenshots/`file`, for a
 * person to look at, with the message box out of focus (no caret blinking).
 */
export async function screenshot(page: Page, file: string): Promise<void> {
  const folder = `${ROOT}test-results/screenshots`;
  await Deno.mkdir(folder, { recursive: true });
  await page.locator("#message-input").blur();
  await page.screenshot({ path: `${folder}/${file}` });
  console.log(`Screenshot for a person to look at: test-results/screenshots/${file}`);
}
