/**
 * The browser client's files, embedded in the program at build time so the
 * compiled binary serves them without the source tree: the page, its style
 * sheet, and its script, one minified module bundled from web/app.ts and all it
 * imports (`deno task bundle` makes web/build/app.js; a test checks that it
 * is made from the sources as they are). One file instead of seventy-odd
 * modules: a browser fetched them one after another as it found their
 * imports, six at a time, and a page took twice as long to open.
 *
 * @module
 */

import indexHtml from "../web/index.html" with { type: "text" };
import styleCss from "../web/style.css" with { type: "text" };
import appJs from "../web/build/app.js" with { type: "text" };
import type { WebAsset } from "./transports/web.ts";

/** Where the page finds its script (index.html's `<script>`). */
export const SCRIPT_PATH = "/web/app.js";

const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">` +
  `<rect width="32" height="32" rx="7" fill="#0087af"/>` +
  `<path d="M8 9h16a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2h-9l-5 4v-4H8a2 2 0 0 1-2-2v-8a2 2 0 0 1 2-2z" fill="#fff"/>` +
  `</svg>`;

let assets: Map<string, WebAsset> | undefined;

/** Every file of the web client by URL path, built once on first use. */
export function webAssets(): ReadonlyMap<string, WebAsset> {
  if (assets !== undefined) return assets;
  assets = new Map<string, WebAsset>([
    ["/", { type: "text/html; charset=utf-8", body: indexHtml }],
    ["/index.html", { type: "text/html; charset=utf-8", body: indexHtml }],
    ["/web/style.css", { type: "text/css; charset=utf-8", body: styleCss }],
    ["/favicon.svg", { type: "image/svg+xml", body: FAVICON }],
    [SCRIPT_PATH, { type: "text/javascript; charset=utf-8", body: appJs }],
  ]);
  return assets;
}
