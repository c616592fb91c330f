// This module is browser compatible.

/**
 * The colour of every name: one palette entry per name, derived from the name
 * alone, so it is the same on every screen and after every reconnect.
 *
 * @module
 */

import { foldCase } from "./names.ts";

/** One palette colour: an xterm-256 index for terminals and a CSS colour for pages. */
export interface PaletteColor {
  /** xterm 256-colour index. */
  ansi: number;
  /** CSS colour with the same hue. */
  css: string;
}

/**
 * Mid-brightness hues that stay readable on both black and white
 * backgrounds: no pure yellow, white, black, pale or navy shades.
 */
export const PALETTE: readonly PaletteColor[] = [
  { ansi: 166, css: "#d75f00" }, // orange
  { ansi: 34, css: "#00a000" }, // green
  { ansi: 33, css: "#0087ff" }, // azure
  { ansi: 170, css: "#d75fd7" }, // orchid
  { ansi: 37, css: "#00a8a8" }, // teal
  { ansi: 161, css: "#d7005f" }, // raspberry
  { ansi: 136, css: "#af8700" }, // ochre
  { ansi: 99, css: "#875fff" }, // violet
  { ansi: 71, css: "#5faf5f" }, // leaf
  { ansi: 167, css: "#d75f5f" }, // coral
  { ansi: 31, css: "#0087af" }, // steel blue
  { ansi: 133, css: "#af5faf" }, // plum
];

/** Returns the palette entry for `name`; names that differ only in case share it. */
export function colorOf(name: string): PaletteColor {
  // FNV-1a over the UTF-16 code units of the case-folded name.
  let hash = 0x811c9dc5;
  const key = foldCase(name);
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return PALETTE[(hash >>> 0) % PALETTE.length]!;
}
