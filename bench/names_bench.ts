/**
 * Micro-benchmarks of {@linkcode nameKey} and {@linkcode checkName}, which run
 * on every hello and nick, and of {@linkcode nameKey} on message text, which
 * `/search` runs on every stored message of a room. Run with
 * `deno bench bench/names_bench.ts`.
 *
 * @module
 */

import { checkName, nameKey } from "../core/names.ts";

const ascii = "alice";
const long = "bartholomew_the_2nd.x-yz";
const latin = "Nguyễn_Thị_Phượng";
const cyrillic = "Алексей";
const text = "lunch at 12:30? the usual place, or the new one on the corner ".repeat(60);
const cjkText = "你好，世界。今天天气很好，我们去公园散步吧。".repeat(90);

Deno.bench("nameKey: ASCII name", { group: "nameKey", baseline: true }, () => {
  nameKey(ascii);
});

Deno.bench("nameKey: 24-character ASCII name", { group: "nameKey" }, () => {
  nameKey(long);
});

Deno.bench("nameKey: Vietnamese name", { group: "nameKey" }, () => {
  nameKey(latin);
});

Deno.bench("nameKey: Cyrillic name", { group: "nameKey" }, () => {
  nameKey(cyrillic);
});

Deno.bench("checkName: ASCII name", { group: "checkName", baseline: true }, () => {
  checkName(ascii);
});

Deno.bench("checkName: 24-character ASCII name", { group: "checkName" }, () => {
  checkName(long);
});

Deno.bench("checkName: Vietnamese name", { group: "checkName" }, () => {
  checkName(latin);
});

Deno.bench("checkName: Cyrillic name", { group: "checkName" }, () => {
  checkName(cyrillic);
});

Deno.bench("nameKey: message text, 3.7 KB ASCII", { group: "search" }, () => {
  nameKey(text);
});

Deno.bench("nameKey: message text, 4 KB CJK", { group: "search" }, () => {
  nameKey(cjkText);
});
