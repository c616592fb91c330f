/**
 * Micro-benchmarks of {@linkcode sanitizeText}, which every posted message
 * goes through. Run with `deno task bench:micro`.
 *
 * @module
 */

import { sanitizeText } from "../core/sanitize.ts";

const ascii = "lunch at 12:30? the usual place, or the new one on the corner";
const escapes =
  "hi\x1b[2J\x1b]0;pwned\x07 there\r\nsecond\tline \x1b[31mred\x1b[0m \u202eevil\u202c!";
const cjk = "你好，世界。今天天气很好，我们去公园散步吧。".repeat(90); // about 4,000 bytes
const longAscii = ascii.repeat(60);

Deno.bench("sanitizeText: clean ASCII (fast path)", { group: "sanitize", baseline: true }, () => {
  sanitizeText(ascii);
});

Deno.bench("sanitizeText: clean ASCII, 3.6 KB", { group: "sanitize" }, () => {
  sanitizeText(longAscii);
});

Deno.bench("sanitizeText: escapes, controls and bidi overrides", { group: "sanitize" }, () => {
  sanitizeText(escapes);
});

Deno.bench("sanitizeText: long CJK text, 4 KB", { group: "sanitize" }, () => {
  sanitizeText(cjk);
});
