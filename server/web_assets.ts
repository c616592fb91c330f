/**
 * The browser client's files, embedded in the program at build time so the
 * compiled binary serves them without the source tree: the page, its style
 * sheet, and its script, one minified module bundled from web/app.ts and all it
 * imports (`deno task bundle` makes web/build/app.js; a test checks that it
 * is made from the sources as they are). One file instead of seventy-odd
 * modules: a browser fetched them one after another as it found their
 * imports, six at a time, and a page took twice as long to open.
 *
 * The page is served with its style sheet and its script inline, made once
 * from web/index.html: one request, which a server at its connection limit
 * answers whole or refuses whole. With three, the page could come while its
 * style sheet was refused, and show itself unstyled, saying "Connected". Its
 * policy allows exactly those two blocks, by their hashes. The style sheet
 * and the script are served alone too, where index.html names them.
 *
 * @module
 */

import { createHash } from "node:crypto";
import indexHtml from "../web/index.html" with { type: "text" };
import styleCss from "../web/style.css" with { type: "text" };
import appJs from "../web/build/app.js" with { type: "text" };
import type { InlineHashes, WebAsset } from "./transports/web.ts";

/** Where the page finds its script (index.html's `<script>`), served alone too. */
export const SCRIPT_PATH = "/web/app.js";

/** Where the page finds its style sheet (index.html's `<link>`), served alone too. */
export const STYLE_PATH = "/web/style.css";

const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">` +
  `<rect width="32" height="32" rx="7" fill="#0087af"/>` +
  `<path d="M8 9h16a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2h-9l-5 4v-4H8a2 2 0 0 1-2-2v-8a2 2 0 0 1 2-2z" fill="#fff"/>` +
  `</svg>`;

/** The page as served: index.html with its style sheet and script inline, and their hashes. */
export interface InlinePage {
  /** The HTML. */
  readonly html: string;
  /** The hashes of its inline blocks, for its policy. */
  readonly inline: InlineHashes;
}

/** The CSP source that allows an inline block of `text`: `'sha256-…'`. */
export function hashSource(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

/**
 * `html` with the `<link>` of the style sheet `css` and the `<script>` of
 * the module `js` replaced by the text of each, inline. Throws when `html`
 * does not name them as index.html does, or when a text holds what would
 * end its block early (`</style`, `</script`, `<!--`): the page would break.
 */
export function inlinePage(html: string, css: string, js: string): InlinePage {
  // Browsers read CR LF as LF in the page, and hash what they read.
  const style = css.replace(/\r\n?/g, "\n");
  const script = js.replace(/\r\n?/g, "\n");
  if (/<\/style/i.test(style)) throw new Error("Cannot inline the style sheet: it holds </style");
  if (/<\/script|<!--/i.test(script)) {
    throw new Error("Cannot inline the script: it holds </script or <!--");
  }
  const page = replaceOnce(
    replaceOnce(html, `<link rel="stylesheet" href="${STYLE_PATH}">`, `<style>${style}</style>`),
    `<script type="module" src="${SCRIPT_PATH}"></script>`,
    `<script type="module">${script}</script>`,
  );
  return { html: page, inline: { scripts: [hashSource(script)], styles: [hashSource(style)] } };
}

/** `text` with `tag`, which it must hold once, replaced by `by`, taken as it is. */
function replaceOnce(text: string, tag: string, by: string): string {
  const at = text.indexOf(tag);
  if (at === -1 || text.indexOf(tag, at + 1) !== -1) {
    throw new Error(`Cannot inline the page's files: index.html must hold ${tag} once`);
  }
  return text.slice(0, at) + by + text.slice(at + tag.length);
}

let assets: Map<string, WebAsset> | undefined;

/** Every file of the web client by URL path, built once on first use. */
export function webAssets(): ReadonlyMap<string, WebAsset> {
  if (assets !== undefined) return assets;
  const { html, inline } = inlinePage(indexHtml, styleCss, appJs);
  const page: WebAsset = { type: "text/html; charset=utf-8", body: html, inline };
  assets = new Map<string, WebAsset>([
    ["/", page],
    ["/index.html", page],
    [STYLE_PATH, { type: "text/css; charset=utf-8", body: styleCss }],
    ["/favicon.svg", { type: "image/svg+xml", body: FAVICON }],
    [SCRIPT_PATH, { type: "text/javascript; charset=utf-8", body: appJs }],
  ]);
  return assets;
}
