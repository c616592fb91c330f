/// <reference lib="dom" />
// This module is browser compatible.

/**
 * The page's side of presence, which the conversation core keeps
 * (core/presence_state.ts): how long the tab may stay hidden before the
 * user goes away (`?away-after=` in the page's address changes it), the
 * people the user ignores, remembered in this browser for this server,
 * and the "bob is typing…" line between the log and the message box.
 *
 * @module
 */

import { parseDuration } from "../core/duration.ts";
import { type IgnoreEntry, readIgnoreEntries } from "../core/ignore_list.ts";
import { typingText } from "../core/presence.ts";
import { sanitizeText } from "../core/sanitize.ts";

/** How long the tab may be hidden before the user goes away, in ms: 10 minutes. */
export const AWAY_AFTER_MS = 10 * 60_000;

/** The parameter of the page's address that changes {@linkcode AWAY_AFTER_MS}. */
const AWAY_PARAMETER = "away-after";

/**
 * How long the tab may be hidden before the user goes away, in ms, as the
 * page's address `search` says (`?away-after=5` minutes, `30s`, `2h`; `0`
 * or `off`: never), else {@linkcode AWAY_AFTER_MS}.
 */
export function awayAfterMs(search: string): number {
  const typed = new URLSearchParams(search).get(AWAY_PARAMETER)?.trim().toLowerCase();
  if (typed === undefined || typed === "") return AWAY_AFTER_MS;
  if (typed === "0" || typed === "off") return 0;
  const seconds = parseDuration(typed);
  return seconds === undefined ? AWAY_AFTER_MS : seconds * 1000;
}

/**
 * Where the people ignored are remembered. Storage is the page's origin's,
 * and each server has its own page address: this is one server's list.
 */
const IGNORED_KEY = "chat.ignored";

/**
 * The people the user ignores on this server, as remembered by this
 * browser, with the names they had before (see core/ignore_list.ts).
 */
export function loadIgnored(): IgnoreEntry[] {
  try {
    return readIgnoreEntries(JSON.parse(localStorage.getItem(IGNORED_KEY) ?? "[]"));
  } catch {
    return []; // storage disabled, or what it held is damaged
  }
}

/** Remembers `names` as the people the user ignores on this server, former names too. */
export function saveIgnored(names: readonly IgnoreEntry[]): void {
  try {
    if (names.length === 0) localStorage.removeItem(IGNORED_KEY);
    else localStorage.setItem(IGNORED_KEY, JSON.stringify(names));
  } catch {
    // Storage disabled or full: the list lasts as long as the page.
  }
}

/** Shows who is typing (`names`) in `element`: "bob is typing…", or nothing. */
export function showTyping(element: HTMLElement, names: readonly string[]): void {
  const text = typingText(names.map((name) => sanitizeText(name)));
  if (element.textContent !== text) element.textContent = text;
}
