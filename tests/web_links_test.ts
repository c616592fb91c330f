/** Which parts of a message the page makes into links (web/links.ts). */

import assert from "node:assert/strict";
import { findLinks } from "../web/links.ts";

/** The linked texts of `text`, each with its address when that reads otherwise. */
function linked(text: string): string[] {
  return findLinks(text).map(({ start, end, href }) => {
    const shown = text.slice(start, end);
    return shown === href ? shown : `${shown} -> ${href}`;
  });
}

Deno.test("findLinks() finds http and https addresses, and nothing of other schemes", () => {
  assert.deepEqual(linked("see https://example.com/a?b=1&c=2#d and http://10.0.0.5:8080/x"), [
    "https://example.com/a?b=1&c=2#d",
    "http://10.0.0.5:8080/x",
  ]);
  assert.deepEqual(linked("HTTPS://Example.COM"), ["HTTPS://Example.COM -> https://example.com/"]);
  for (
    const text of [
      "javascript:alert(1)",
      "javascript://example.com/%0aalert(1)",
      "data:text/html,<script>alert(1)</script>",
      "ftp://example.com/",
      "file:///etc/passwd",
      "vbscript:msgbox(1)",
      "https://",
      "xhttps://example.com",
    ]
  ) {
    assert.deepEqual(linked(text), [], text);
  }
});

Deno.test("findLinks() leaves the punctuation of the sentence out of the address", () => {
  assert.deepEqual(linked("read https://example.com/a."), ["https://example.com/a"]);
  assert.deepEqual(linked("(see https://example.com/a)"), ["https://example.com/a"]);
  assert.deepEqual(linked("https://en.wikipedia.org/wiki/Deno_(software)!"), [
    "https://en.wikipedia.org/wiki/Deno_(software)",
  ]);
  assert.deepEqual(linked('"https://example.com/q?x=1",'), ["https://example.com/q?x=1"]);
  assert.deepEqual(linked("<https://example.com/>"), ["https://example.com/"]);
});
