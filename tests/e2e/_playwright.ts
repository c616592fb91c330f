/**
 * playwright-core for the browser tests, by its full npm specifier rather than
 * through deno.json's imports: Deno fetches every package deno.lock pins
 * before any `deno task` runs, so deno.lock pins only what `chat` runs, and
 * this package, which only tests use, is pinned in tests/deno.lock.
 *
 * @module
 */

export { chromium } from "npm:playwright-core@1.65.1";
export type { Browser, BrowserContext, Locator, Page, Route } from "npm:playwright-core@1.65.1";
