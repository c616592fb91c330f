/** Tests of the text sanitiser that stands between peers and terminals. */

import assert from "node:assert/strict";
import {
  isSafeText,
  quoteTyped,
  REPLACEMENT,
  sanitizeLines,
  sanitizeText,
  trimSpace,
  trimSpaceEnd,
} from "../core/sanitize.ts";
import { seeded } from "./_random.ts";

const ESC = "\x1b";
const BEL = "\x07";
const ST = `${ESC}\\`;
const R = REPLACEMENT;

const BIDI_CONTROLS = new Set([0x061c, 0x200e, 0x200f, 0x2028, 0x2029]);

/** The first character a terminal treats as a control, or a bidi control, in `text`. */
function firstForbidden(text: string): string | undefined {
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) return char;
    if (BIDI_CONTROLS.has(code) || (code >= 0x202a && code <= 0x202e)) return char;
    if (code >= 0x2066 && code <= 0x2069) return char;
  }
  return undefined;
}

function check(cases: Record<string, [input: string, output: string]>): void {
  for (const [label, [input, output]] of Object.entries(cases)) {
    assert.equal(sanitizeText(input), output, label);
    assert.equal(isSafeText(input), false, `isSafeText(${label})`);
  }
}

Deno.test("quoteTyped() shows every character of what was typed, none of them acting", () => {
  const cases: Record<string, string> = {
    "ann smith": '"ann smith"',
    "a\x1b[2Jb": '"a\\u001b[2Jb"',
    "#a\u200db": '"#a\\u200db"',
    "x\u0085\u2028\u202ey\ufeff": '"x\\u0085\\u2028\\u202ey\\ufeff"',
    "tag\u{e0041}": '"tag\\u{e0041}"',
    'say "hi"\\': '"say \\"hi\\"\\\\"',
    "\ud800": '"\\ud800"',
  };
  for (const [typed, quoted] of Object.entries(cases)) {
    assert.equal(quoteTyped(typed), quoted, JSON.stringify(typed));
    assert.equal(sanitizeText(quoteTyped(typed)), quoteTyped(typed));
  }
});

Deno.test("sanitizeText() removes CSI sequences", () => {
  check({
    "clear screen": [`hi${ESC}[2Jthere`, "hithere"],
    "clear screen and home": [`${ESC}[H${ESC}[2J${ESC}[3Jx`, "x"],
    "cursor position": [`a${ESC}[10;20Hb`, "ab"],
    "cursor up and left": [`a${ESC}[A${ESC}[5Db`, "ab"],
    "erase line": [`a${ESC}[2Kb`, "ab"],
    "SGR colours": [`${ESC}[31mred${ESC}[0m`, "red"],
    "SGR 256 and true colour": [`${ESC}[38;5;196mx${ESC}[38:2:255:0:0my${ESC}[m`, "xy"],
    "private mode (hide cursor, alternate screen)": [`${ESC}[?25l${ESC}[?1049hz`, "z"],
    "with intermediate bytes": [`a${ESC}[2 qb`, "ab"],
    "C1 CSI U+009B": ["a\u009b2Jb\u009b31mc", "abc"],
  });
});

Deno.test("sanitizeText() removes OSC sequences", () => {
  check({
    "OSC 0 title ended by BEL": [`a${ESC}]0;pwned${BEL}b`, "ab"],
    "OSC 2 title ended by ST": [`a${ESC}]2;pwned${ST}b`, "ab"],
    "OSC 8 hyperlink ended by ST": [
      `see ${ESC}]8;;https://evil.example/${ST}click here${ESC}]8;;${ST}!`,
      "see click here!",
    ],
    "OSC 8 hyperlink ended by BEL": [
      `${ESC}]8;id=1;https://evil.example/${BEL}link${ESC}]8;;${BEL}`,
      "link",
    ],
    "OSC 52 clipboard write": [`x${ESC}]52;c;Y3VybCBldmlsIHwgc2g=${BEL}y`, "xy"],
    "C1 OSC U+009D ended by BEL": ["a\u009d0;pwned\u0007b", "ab"],
    "C1 OSC U+009D ended by C1 ST": ["a\u009d2;pwned\u009cb", "ab"],
    "unterminated OSC at the end": [`hello${ESC}]0;pwned`, "hello"],
    "unterminated C1 OSC at the end": ["hello\u009d52;c;Zm9v", "hello"],
  });
});

Deno.test("sanitizeText() removes DCS, SOS, PM and APC strings", () => {
  check({
    "DCS ended by ST": [`a${ESC}P1$qm${ST}b`, "ab"],
    "DCS sixel": [`a${ESC}Pq#0;2;0;0;0#0!10~-${ST}b`, "ab"],
    "C1 DCS ended by C1 ST": ["a\u0090x\u009cb", "ab"],
    "APC (kitty graphics)": [`a${ESC}_Gf=100;AAAA${ST}b`, "ab"],
    "PM": [`a${ESC}^private${ST}b`, "ab"],
    "SOS": [`a${ESC}Xstring${ST}b`, "ab"],
    "C1 SOS, PM and APC": ["a\u0098x\u009c\u009ey\u009c\u009fz\u009cb", "ab"],
    "unterminated DCS at the end": [`keep${ESC}Pdata`, "keep"],
  });
});

Deno.test("sanitizeText() removes lone and short escapes", () => {
  check({
    "lone ESC at the end": [`a${ESC}`, "a"],
    "two ESCs": [`${ESC}${ESC}`, ""],
    "reset (ESC c)": [`a${ESC}cb`, "ab"],
    "charset switch (ESC ( 0)": [`a${ESC}(0b`, "ab"],
    "save and restore cursor": [`a${ESC}7b${ESC}8c`, "abc"],
  });
});

Deno.test("sanitizeText() replaces other control characters visibly", () => {
  check({
    "BEL": ["ding\x07", `ding${R}`],
    "NUL": ["a\x00b", `a${R}b`],
    "DEL": ["a\x7fb", `a${R}b`],
    "vertical tab and form feed": ["a\x0bb\x0cc", `a${R}b${R}c`],
    "a C1 control outside a sequence": ["a\u0085b", `a${R}b`],
  });
});

Deno.test("sanitizeText() keeps backspace from overwriting earlier characters", () => {
  const output = sanitizeText("rm -rf /\b\b\b\b\b\b\b\bls");
  assert.equal(output, `rm -rf /${R.repeat(8)}ls`);
  assert.ok(output.startsWith("rm -rf /"));
  assert.equal(output.includes("\b"), false);
});

Deno.test("sanitizeText() turns line breaks and tabs into spaces", () => {
  check({
    "LF": ["line one\n[12:00] <admin> fake line", "line one [12:00] <admin> fake line"],
    "CR": ["innocent\rfake", "innocent fake"],
    "CR LF as one space": ["a\r\nb", "a b"],
    "two LFs": ["a\n\nb", "a  b"],
    "tab": ["a\tb", "a b"],
    "line and paragraph separators": ["a\u2028b\u2029c", "a b c"],
  });
  const output = sanitizeText("hi\n\rServer: you have been banned");
  assert.equal(/[\n\r]/.test(output), false);
});

Deno.test("sanitizeText() removes bidirectional controls", () => {
  check({
    "RLO override": ["\u202egnp.exe", "gnp.exe"],
    "LRO, RLE, LRE and PDF": ["a\u202db\u202bc\u202ad\u202ce", "abcde"],
    "isolates": ["a\u2066b\u2067c\u2068d\u2069e", "abcde"],
    "marks LRM, RLM and ALM": ["a\u200eb\u200fc\u061cd", "abcd"],
  });
});

Deno.test("sanitizeText() keeps ordinary Unicode text intact", () => {
  const samples = [
    "",
    "hello, world",
    "héllo wörld, Zoë, naïve café",
    "e\u0301 (combining acute)",
    "中文 李雷 日本語 한국어",
    "مرحبا بالعالم",
    "😀 👍🏽 🇫🇷",
    "family 👨‍👩‍👧‍👦 and flag 🏳️‍🌈 keep their ZWJ",
    "zero\u200bwidth space and\u00a0no-break space",
    "tabs? no: brackets [2J] and semicolons ; are plain text",
  ];
  for (const text of samples) {
    assert.equal(sanitizeText(text), text, JSON.stringify(text));
    assert.equal(isSafeText(text), true, JSON.stringify(text));
  }
  assert.equal(sanitizeText(`👨‍👩‍👧‍👦${ESC}[31m!`), "👨‍👩‍👧‍👦!");
});

Deno.test("isSafeText() reports whether sanitizeText() would change the text", () => {
  for (const text of ["a\x1b[2J", "a\nb", "\u202e", "\x9b", "\x7f", "\t"]) {
    assert.equal(isSafeText(text), false, JSON.stringify(text));
    assert.notEqual(sanitizeText(text), text);
    assert.equal(isSafeText(sanitizeText(text)), true);
  }
  assert.equal(isSafeText("plain 中文 😀"), true);
});

Deno.test("sanitizeText() leaves no control or bidi character in random hostile text", () => {
  const alphabet = [
    ESC,
    "[",
    "]",
    BEL,
    "\x9b",
    "\x9d",
    "\x9c",
    "\\",
    "0",
    "2",
    "8",
    ";",
    "?",
    "J",
    "P",
    "a",
    "m",
    "é",
    "😀",
    "\n",
    "\r",
    "\b",
    "\u202e",
    "\u2066",
  ];
  const random = seeded(0xc0ffee);
  let changed = 0;
  for (let i = 0; i < 2000; i++) {
    const length = Math.floor(random() * 40);
    let input = "";
    for (let j = 0; j < length; j++) input += alphabet[Math.floor(random() * alphabet.length)];
    const output = sanitizeText(input);
    const found = firstForbidden(output);
    assert.equal(
      found,
      undefined,
      `${JSON.stringify(input)} gave ${JSON.stringify(output)}, which holds ${
        JSON.stringify(found)
      }`,
    );
    assert.equal(isSafeText(output), true);
    assert.equal(sanitizeText(output), output, "sanitizing twice changes nothing more");
    if (output !== input) changed++;
  }
  // The alphabet is hostile enough that most inputs need cleaning.
  assert.ok(changed > 1000, `only ${changed} of 2000 inputs were changed`);
});

Deno.test("sanitizeText() replaces lone surrogates with U+FFFD", () => {
  assert.equal(sanitizeText("a\ud800b"), "a\ufffdb");
  assert.equal(sanitizeText("x\udc00"), "x\ufffd");
  assert.equal(sanitizeText("ok \u{1f600}"), "ok \u{1f600}");
  assert.equal(isSafeText("a\ud800"), false);
});

Deno.test("sanitizeLines() makes every line break one LF", () => {
  assert.equal(sanitizeLines("a\r\nb\rc\nd\u2028e\u2029f"), "a\nb\nc\nd\ne\nf");
  assert.equal(sanitizeLines("a\r\n\r\nb"), "a\n\nb");
});

Deno.test("sanitizeLines() turns tabs into spaces up to the next multiple of 4 columns", () => {
  assert.equal(sanitizeLines("\tx"), "    x");
  assert.equal(sanitizeLines("ab\tc\td"), "ab  c   d");
  assert.equal(sanitizeLines("abcd\te"), "abcd    e");
  assert.equal(sanitizeLines("x\n\t\ty"), "x\n        y");
  // Columns count as a terminal shows them: a wide character two, a combining accent none.
  assert.equal(
    sanitizeLines("ab\tx\n中\tx\n😀\tx\ne\u0301\tx"),
    "ab  x\n中  x\n😀  x\ne\u0301   x",
  );
  assert.equal(sanitizeLines("中文字\tx"), "中文字  x");
  assert.equal(sanitizeLines("👨\u200d👩\u200d👧\tx"), "👨\u200d👩\u200d👧  x");
});

Deno.test("sanitizeLines() keeps indentation and inner spaces, trims line ends and empty edges", () => {
  const traceback = [
    "",
    "Traceback (most recent call last):   ",
    '  File "x.py", line 1, in <module>',
    "    main()  \t",
    "",
    "ValueError:  two  spaces",
    "  ",
    "",
  ].join("\n");
  assert.equal(
    sanitizeLines(traceback),
    [
      "Traceback (most recent call last):",
      '  File "x.py", line 1, in <module>',
      "    main()",
      "",
      "ValueError:  two  spaces",
    ].join("\n"),
  );
  assert.equal(sanitizeLines("  indented"), "  indented");
  assert.equal(sanitizeLines(" \n \t\n"), "");
});

Deno.test("sanitizeLines() cleans everything else as strictly as sanitizeText()", () => {
  assert.equal(sanitizeLines(`a${ESC}[2Jb\n${ESC}]0;title${BEL}c`), "ab\nc");
  assert.equal(sanitizeLines("a\bb\x00\nc\x7f\x85"), `a${R}b${R}\nc${R}${R}`);
  assert.equal(sanitizeLines("a\u202eb\n\u2066c\u200f"), "ab\nc");
  assert.equal(sanitizeLines("a\ud800\nb"), `a${R}\nb`);
  assert.equal(sanitizeLines("a\vb\fc"), `a${R}b${R}c`);
  // What it leaves is safe once its line breaks are spaces, and cleaning it again changes nothing.
  const next = seeded(15);
  for (let round = 0; round < 500; round++) {
    let text = "";
    for (let i = 0; i < 40; i++) text += String.fromCharCode(Math.floor(next() * 0x2100));
    const clean = sanitizeLines(text);
    assert.equal(firstForbidden(clean.replaceAll("\n", " ")), undefined, JSON.stringify(text));
    assert.equal(sanitizeLines(clean), clean);
  }
});

Deno.test("trimSpace() trims white space as trim() does, but keeps U+FEFF", () => {
  assert.equal(trimSpace(" \t\u00a0\u3000hi there\u2028 "), "hi there");
  assert.equal(trimSpace("\ufeffhi\ufeff"), "\ufeffhi\ufeff");
  assert.equal(trimSpace(" \ufeff "), "\ufeff");
  assert.equal(trimSpaceEnd(" hi\ufeff "), " hi\ufeff");
  assert.equal(sanitizeLines("hi\ufeff\nthere\ufeff  "), "hi\ufeff\nthere\ufeff");
  for (let code = 0; code < 0x10000; code++) {
    if (code === 0xfeff) continue;
    const text = `${String.fromCharCode(code)}a${String.fromCharCode(code)}`;
    assert.equal(trimSpace(text), text.trim(), `U+${code.toString(16)}`);
  }
});
