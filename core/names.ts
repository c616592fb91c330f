// This module is browser compatible.

/**
 * The rules for names and room names that every server applies and every
 * client can check before asking: what a name may contain, which names count
 * as the same (case, compatibility forms and look-alike letters), and how a
 * typed room name becomes its canonical form.
 *
 * A name shows all there is to it. Names and room names refuse every
 * Default_Ignorable_Code_Point (zero-width characters and joiners, bidi
 * controls, variation selectors, the combining grapheme joiner, Mongolian free
 * variation selectors, Khmer inherent vowels, tag characters, Hangul fillers)
 * and every mark that adds nothing visible. Marks are counted in NFD, so a
 * precomposed letter and its decomposed form obey the same rule:
 *
 * - a mark sits on a letter or digit, never first, nor on `_`, `.` or `-`;
 * - a letter carries at most {@linkcode MAX_MARKS} nonspacing marks (UTS #39,
 *   section 5.4), which stops "Zalgo" stacks;
 * - a letter never carries the same mark twice (`é` + U+0301);
 * - a dot above (U+0307) never sits on a letter with a dot of its own
 *   (Soft_Dotted: `i`, `j`, `ɨ`, `і`), where it hides, nor on a small letter
 *   that compares as i, l or j (`ı`, `ȷ`, `ι`, `l`), where it makes one.
 *
 * Real names need no more: Vietnamese puts two marks on a letter, and the
 * vowel and tone marks of Thai, Devanagari and Arabic, Hebrew points and
 * Tibetan stacks stay within four.
 *
 * Look-alikes compare equal: {@linkcode nameKey} leaves out nonspacing marks
 * (`dạve` is `dave`) and `_`, `.` and `-` at the ends (`dave.` is `dave`),
 * and folds the characters that Unicode's confusables data maps to ASCII
 * letters and digits (generated into confusables.ts by
 * tools/gen_confusables.ts), and the hand-made rules of
 * {@linkcode LOOKALIKES} over them: those that NFKC would change into another
 * letter as typed, before NFKC, and all others after NFKC and case folding.
 * A name, like a room name, must keep to its pattern in NFKC as well, so
 * `ŀ`, which NFKC makes `l` and a middle dot, is in neither.
 *
 * @module
 */

import { CONFUSABLES, CONFUSABLES_BEFORE_NFKC } from "./confusables.ts";
// From protocol/ itself, not protocol.ts: core/commands.ts, which protocol.ts loads, uses the
// rule of room names, and none of these may need the other's values while it loads.
import type { Checked } from "../protocol/frames.ts";
import { MAX_NAME_LENGTH, MAX_ROOM_LENGTH } from "../protocol/limits.ts";

/**
 * Hand-made look-alike rules, applied after case folding and over the
 * confusables data: Latin, Cyrillic and Greek letters and digits mapped to one
 * representative, so "аlice" (Cyrillic а), "a1ice" and "alıce" compare equal to "alice".
 */
export const LOOKALIKES: ReadonlyMap<string, string> = new Map<string, string>(Object.entries({
  // Cyrillic
  "а": "a",
  "в": "b",
  "е": "e",
  "ё": "e",
  "є": "e",
  "з": "3",
  "і": "l",
  "ї": "l",
  "ј": "j",
  "к": "k",
  "м": "m",
  "н": "h",
  "о": "o",
  "р": "p",
  "с": "c",
  "т": "t",
  "у": "y",
  "ү": "y",
  "х": "x",
  "ѕ": "s",
  "һ": "h",
  "ԁ": "d",
  "ԛ": "q",
  "ԝ": "w",
  "ӏ": "l",
  "ь": "b",
  "п": "n",
  // Greek
  "α": "a",
  "β": "b",
  "γ": "y",
  "ε": "e",
  "ζ": "z",
  "η": "n",
  "ι": "l",
  "κ": "k",
  "μ": "m",
  "ν": "v",
  "ο": "o",
  "ρ": "p",
  "τ": "t",
  "υ": "u",
  "χ": "x",
  "ϳ": "j",
  "ω": "w",
  // Latin and digits
  "i": "l",
  "ı": "l",
  "ȷ": "j",
  "1": "l",
  "|": "l",
  "0": "o",
  "5": "s",
  "ß": "ss",
  // Latin small capitals that Unicode's confusables data leaves out, which look like capital
  // letters: each counts as its letter (ᴄ, ɪ, ʀ, ʏ, ᴏ, ꜱ, ᴜ, ᴠ, ᴡ and ᴢ are in that data).
  "ᴀ": "a",
  "ᴁ": "ae",
  "ʙ": "b",
  "ᴃ": "b",
  "ᴅ": "d",
  "ᴇ": "e",
  "ꜰ": "f",
  "ɢ": "g",
  "ʜ": "h",
  "ᴊ": "j",
  "ᴋ": "k",
  "ʟ": "l",
  "ᴌ": "l",
  "ᴍ": "m",
  "ɴ": "n",
  "ɶ": "oe",
  "ᴘ": "p",
  "ᴩ": "p",
  "ꞯ": "q",
  "ᴛ": "t",
}));

/**
 * Look-alikes mapped as typed, before NFKC: those of Unicode's confusables data
 * that NFKC would change into something else than the letter they look like
 * (ϲ, which NFKC makes a final sigma, is c), and ŀ and Ŀ, which NFKC makes l
 * and a middle dot, and which are l.
 */
const BEFORE_NFKC = new Map<string, string>([["ŀ", "l"], ["Ŀ", "l"]]);
for (const [target, sources] of Object.entries(CONFUSABLES_BEFORE_NFKC)) {
  const folded = [...target].map((char) => LOOKALIKES.get(char) ?? char).join("");
  for (const source of sources) BEFORE_NFKC.set(source, folded);
}
const BEFORE_NFKC_PATTERN = new RegExp(
  `[${
    [...BEFORE_NFKC.keys()].map((char) => `\\u{${char.codePointAt(0)!.toString(16)}}`).join("")
  }]`,
  "gu",
);

/** NFKC-normalises and case-folds `name` (upper, then lower case): "STRASSE" and "straße" agree. */
export function foldCase(name: string): string {
  return name.normalize("NFKC").toUpperCase().toLowerCase();
}

// Every character nameKey() replaces: the confusables data, its targets already
// through the hand-made rules (so `ɩ` becomes `l` as `i` does), then those rules over it.
const FOLDS = new Map<string, string>();
for (const [target, sources] of Object.entries(CONFUSABLES)) {
  const folded = [...target].map((char) => LOOKALIKES.get(char) ?? char).join("");
  for (const source of sources) FOLDS.set(source, folded);
}
for (const [source, target] of LOOKALIKES) FOLDS.set(source, target);
// Lower-casing makes a final Σ into ς, the one letter it cases by context: ς maps as σ does.
if (FOLDS.has("σ")) FOLDS.set("ς", FOLDS.get("σ")!);
const ASCII = /^[\0-\x7f]*$/;
// The ASCII ones among them, all a text of ASCII alone can hold, one pattern per
// target: `i`, `1` and `|` become `l`.
const ASCII_RULES = new Map<string, RegExp>();
for (const target of new Set(LOOKALIKES.values())) {
  const sources = [...LOOKALIKES].filter(([source, to]) => to === target && ASCII.test(source));
  const chars = sources.map(([source]) => source).join("").replace(/[\\\]^-]/g, "\\$&");
  if (chars !== "") ASCII_RULES.set(target, new RegExp(`[${chars}]`, "g"));
}
// Those characters and every default-ignorable one, which nameKey() drops.
const FOLDED = new RegExp(
  `[${
    [...FOLDS.keys()].map((char) => `\\u{${char.codePointAt(0)!.toString(16)}}`).join("")
  }]|\\p{Default_Ignorable_Code_Point}`,
  "gu",
);

// Nonspacing and enclosing marks: accents, dots, lines above and below a letter.
const NONSPACING = /[\p{Mn}\p{Me}]/gu;
// `_`, `.` and `-` at either end of a name or room name.
const EDGE_SEPARATORS = /^[_.\-]+|[_.\-]+$/g;

/**
 * The form under which names are compared: first, the look-alikes that NFKC
 * would change into something else than the letter they look like replaced
 * by that letter (`ϲ`, which NFKC makes a final sigma, is `c`; `ŀ` is `l`),
 * then without its nonspacing marks
 * (taken off in NFKD, so "dạve", "ḋave" and "ďave" are "dave", and "Zoë" is
 * "Zoe"), NFKC-normalised, case-folded (upper then lower case, so "straße"
 * matches "STRASSE"), with look-alikes of ASCII letters and digits from
 * Unicode's confusables data (`ɑ`, `а`, `ο`) and the hand-made rules of
 * {@linkcode LOOKALIKES} mapped together, default-ignorable characters
 * dropped, and without `_`, `.` and `-` at its ends ("dave." is "dave"), so
 * no name can pass for another on screen.
 */
export function nameKey(name: string): string {
  // Look-alikes that NFKC would change into another letter first (ϲ would be ς, not c).
  const typed = ASCII.test(name)
    ? name
    : name.replace(BEFORE_NFKC_PATTERN, (char) => BEFORE_NFKC.get(char)!);
  // Marks off then, as the letter they sat on may be a look-alike (Cyrillic ӓ is а, which
  // is a), and Turkish İ is the I it shows as. Case folding puts none back on what is left.
  let key = foldCase(ASCII.test(typed) ? typed : withoutMarks(typed));
  if (ASCII.test(key)) {
    for (const [target, pattern] of ASCII_RULES) key = key.replace(pattern, target);
  } else {
    key = key.replace(FOLDED, (char) => FOLDS.get(char) ?? "");
  }
  return key.replaceAll("rn", "m").replaceAll("vv", "w").replace(EDGE_SEPARATORS, "");
}

/** `text` in NFKD, without its nonspacing and enclosing marks. */
function withoutMarks(text: string): string {
  return text.normalize("NFKD").replace(NONSPACING, "");
}

/** Most nonspacing marks one letter of a name or room name may carry (UTS #39, section 5.4). */
export const MAX_MARKS = 4;

// Letters and digits, each followed by its marks, plus `_`, `-` and `.` inside;
// starts with a letter or digit.
const NAME_PATTERN = /^[\p{L}\p{N}]\p{M}*(?:[\p{L}\p{N}]\p{M}*|[_.\-])*$/u;
// Characters that show nothing: default-ignorable ones and the Braille blank.
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\u2800]/u;
const CONTROL = /\p{Cc}/u;
const SPACE = /[ \t\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;
// Runs of those at the start or the end.
const SPACE_ENDS = new RegExp(`^${SPACE.source}+|${SPACE.source}+$`, "gu");
// A letter or digit with the marks it carries, in NFD.
const MARKED = /(\P{M})(\p{M}+)/gu;
// Letters whose dot a dot above hides in (i, j, ɨ, і), and keys of letters it makes pass for i or j.
const SOFT_DOTTED = /^\p{Soft_Dotted}$/u;
const DOTTED = new Set(["l", "j"]);
const RESERVED_NAMES = new Set(
  ["server", "system", "admin", "chat", "root", "console", "you", "everyone", "all", "notice"]
    .map((name) => nameKey(name)),
);

/**
 * Finds a mark that adds nothing visible to `text` (see the module doc), and
 * says what is wrong, to follow "A name" or "A room name".
 */
function markProblem(text: string): string | undefined {
  if (ASCII.test(text)) return undefined;
  for (const [, base = "", marks = ""] of text.normalize("NFD").matchAll(MARKED)) {
    if (marks.length === 1 && marks !== "\u0307") continue;
    const each = [...marks];
    if (new Set(each).size < each.length) return "cannot carry the same mark twice on one letter";
    if ((marks.match(NONSPACING)?.length ?? 0) > MAX_MARKS) {
      return `can have at most ${MAX_MARKS} marks on one letter`;
    }
    if (
      marks.includes("\u0307") &&
      (SOFT_DOTTED.test(base) || (base === base.toLowerCase() && DOTTED.has(nameKey(base))))
    ) {
      return "cannot put a dot above i, j or a letter like them";
    }
  }
  return undefined;
}

/**
 * Checks a proposed user name against the rules every server applies.
 *
 * @returns `undefined` when the name is acceptable, else why it is not.
 */
export function checkName(name: string): string | undefined {
  const length = [...name].length;
  if (length === 0) return "A name cannot be empty";
  if (length > MAX_NAME_LENGTH) {
    return `A name can have at most ${MAX_NAME_LENGTH} characters; this one has ${length}${
      marksApart(name)
    }`;
  }
  if (!NAME_PATTERN.test(name) || INVISIBLE.test(name)) return patternProblem(name);
  // As room names are: in NFKC too, where ŀ is l and a middle dot, which no name may hold.
  const standard = name.normalize("NFKC");
  if (!NAME_PATTERN.test(standard) || INVISIBLE.test(standard)) {
    return hiddenProblem("A name", standard) ?? NAME_RULE;
  }
  const marks = markProblem(name);
  if (marks !== undefined) return `A name ${marks}`;
  if (RESERVED_NAMES.has(nameKey(name))) return `The name "${name}" is reserved`;
  return undefined;
}

/** What a name is made of, as said to whoever asks for one that is not. */
const NAME_RULE = "A name can use letters, digits and _ - . and must start with a letter or digit";

/**
 * Why `name`, which breaks the pattern of names, breaks it: what it holds
 * that no name may, named so that one who cannot see it can find it.
 */
function patternProblem(name: string): string {
  if (SPACE.test(name)) {
    // One word with a space before or after it: the space is the mistake, not the words.
    return SPACE.test(trimSpaces(name)) || trimSpaces(name) === ""
      ? "A name cannot hold spaces; put _ - or . between its words"
      : "A name cannot start or end with a space";
  }
  return hiddenProblem("A name", name) ?? NAME_RULE;
}

/** `text` without the spaces (of {@linkcode SPACE}) at either end. */
function trimSpaces(text: string): string {
  return text.replace(SPACE_ENDS, "");
}

/**
 * What `text` holds that cannot be seen, a control or an invisible character,
 * said after `subject` ("A name", "A room name") with its code point, so that
 * one who cannot see it can find it; `undefined` if nothing.
 */
function hiddenProblem(subject: string, text: string): string | undefined {
  const hidden = INVISIBLE.exec(text) ?? CONTROL.exec(text);
  if (hidden === null) return undefined;
  const code = hidden[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
  return `${subject} cannot hold invisible or control characters (it has U+${code})`;
}

// A mark written as a character of its own, after its letter: `e` + U+0301 rather than `é`.
const MARK = /\p{M}/u;

/**
 * What a refusal for length adds when `text` holds marks written apart from
 * their letters, each of which counts as a character of its own, though none
 * shows as one.
 */
function marksApart(text: string): string {
  return MARK.test(text) ? ", counting each mark written apart from its letter as one" : "";
}

/** The name the server's host speaks under, at its console. */
export const HOST_NAME = "host";

/**
 * Checks a name someone asks to be known by: the rules of {@linkcode checkName},
 * and not the host's name (or one like it), which only the server's console
 * speaks under.
 *
 * @returns `undefined` when the name may be taken, else why it may not.
 */
export function checkOwnName(name: string): string | undefined {
  const problem = checkName(name);
  if (problem !== undefined) return problem;
  return nameKey(name) === nameKey(HOST_NAME) ? `The name "${name}" is reserved` : undefined;
}

/**
 * A variant of `name` that `taken` does not rule out, to offer instead of a
 * name someone else has: `carol2`, `carol3` …, cut to fit the longest name;
 * `undefined` if none is.
 *
 * @example
 * ```ts
 * nameVariant("carol", (name) => name === "carol2"); // "carol3"
 * ```
 */
export function nameVariant(name: string, taken: (name: string) => boolean): string | undefined {
  const letters = [...name];
  for (let number = 2; number < 100; number++) {
    const suffix = String(number);
    const variant = letters.slice(0, MAX_NAME_LENGTH - suffix.length).join("") + suffix;
    if (checkOwnName(variant) === undefined && !taken(variant)) return variant;
  }
  return undefined;
}

/** What a room name is made of, as said to whoever types one that is not. */
export const ROOM_RULE = "A room name is # followed by letters, digits, _ and -, such as #lobby";

const ROOM_PATTERN = /^#[\p{L}\p{N}]\p{M}*(?:[\p{L}\p{N}]\p{M}*|[_\-])*$/u;

/**
 * Why `input`, no room name, is none: what a room name is made of, or, for
 * words that make one joined by `-`, that a room name has no spaces, and
 * that one (`A room name has no spaces; try #team-chat`).
 */
function roomProblem(input: string): string {
  const words = input.trim().split(/\s+/);
  if (words.length < 2) return ROOM_RULE;
  const joined = normalizeRoom(words.join("-"));
  return joined.ok ? `A room name has no spaces; try ${joined.value}` : ROOM_RULE;
}

/**
 * Normalises a room name as typed (`dev`, `#Dev`) to its canonical form
 * (`#dev`), or explains why it is not a valid room name.
 */
export function normalizeRoom(input: string): Checked<string> {
  const typed = (input.startsWith("#") ? input : `#${input}`).normalize("NFKC");
  // Turkish İ lower-cases to i and a dot above, which a room name may not hold: as I, it is i.
  const room = typed.replaceAll("\u0130", "I").toLowerCase();
  const length = [...room].length;
  if (length > MAX_ROOM_LENGTH) {
    // Counted as compared: NFKC may make one character several (`ﬃ` is `ffi`).
    const standard = length === [...input.startsWith("#") ? input : `#${input}`].length
      ? ""
      : " once written in its standard form (NFKC)";
    return {
      ok: false,
      code: "room_invalid",
      message: `A room name can have at most ${MAX_ROOM_LENGTH} characters, its # included; ` +
        `this one has ${length}${standard}${marksApart(room)}`,
    };
  }
  if (!ROOM_PATTERN.test(room) || INVISIBLE.test(room)) {
    // As in names, what cannot be seen is named; words apart are offered joined; else the rule.
    if (SPACE.test(room)) return { ok: false, code: "room_invalid", message: roomProblem(input) };
    const hidden = hiddenProblem("A room name", input) ?? hiddenProblem("A room name", room);
    return { ok: false, code: "room_invalid", message: hidden ?? ROOM_RULE };
  }
  // Marks as typed: lower-casing turns Turkish İ into i + U+0307.
  const marks = markProblem(typed);
  if (marks !== undefined) {
    return { ok: false, code: "room_invalid", message: `A room name ${marks}` };
  }
  return { ok: true, value: room };
}
