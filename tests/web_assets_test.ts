/**
 * The page is served from files embedded at build time, listed by hand in
 * server/web_assets.ts: a module the page imports but the list forgets
 * leaves the page blank. This walks the page's imports from its entry point.
 */

import assert from "node:assert/strict";
import { webAssets } from "../server/web_assets.ts";

const ROOT = new URL("../", import.meta.url);

/** The relative imports (`from "./x.ts"`, `import "./x.ts"`) of `source`, skipping type-only ones. */
function importsOf(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+"(\.[^"]+)"/gms)) {
    if (match[2] === undefined) found.push(match[3]!);
  }
  for (const match of source.matchAll(/^import\s+"(\.[^"]+)"/gm)) found.push(match[1]!);
  return found;
}

Deno.test("webAssets() holds every module the page loads, from web/app.ts on", async () => {
  const assets = webAssets();
  const seen = new Set<string>();
  const queue = ["/web/app.ts"];
  while (queue.length > 0) {
    const path = queue.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    assert.ok(assets.has(path), `${path} is loaded by the page but not embedded`);
    const source = await Deno.readTextFile(new URL(`.${path}`, ROOT));
    for (const specifier of importsOf(source)) {
      queue.push(new URL(specifier, new URL(path, "file:///")).pathname);
    }
  }
  assert.ok(seen.has("/core/conversation.ts") && seen.size > 20, [...seen].join(" "));
});
