// This module is browser compatible.

/**
 * The rules for names and room names that every server applies and every
 * client can check before asking: what a name may contain, which names count
 * as the same (case, compatibility forms and look-alike letters), and how a
 * typed room name becomes its canonical form.
 *
 * @module
 */

import { type Checked, MAX_NAME_LENGTH, MAX_ROOM_LENGTH } from "./protocol.ts";

// Latin, Cyrillic and Greek letters and digits that look alike, mapped to one
// representative after case folding: "аlice" (Cyrillic а), "ALICE", "a1ice"
// and "alıce" all compare equal to "alice".
const LOOKALIKES = new Map<string, string>(Object.entries({
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
  "ϲ": "c",
  "ϳ": "j",
  "ω": "w",
  // Latin and digits
  "i": "l",
  "ı": "l",
  "1": "l",
  "|": "l",
  "0": "o",
  "5": "s",
  "ß": "ss",
}));

/** NFKC-normalises and case-folds `name` (upper, then lower case): "STRASSE" and "straße" agree. */
export function foldCase(name: string): string {
  return name.normalize("NFKC").toUpperCase().toLowerCase();
}

/**
 * The form under which names are compared: NFKC-normalised, case-folded
 * (upper then lower case, so "straße" matches "STRASSE"), and with look-alike
 * letters from Latin, Cyrillic and Greek mapped together, so no name can pass
 * for another on screen.
 */
export function nameKey(name: string): string {
  let key = "";
  for (const char of foldCase(name)) {
    key += LOOKALIKES.get(char) ?? char;
  }
  return key.replaceAll("rn", "m").replaceAll("vv", "w");
}

// Letters, digits and marks, plus `_`, `-` and `.` inside; must start with a letter or digit.
const NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{M}\p{N}_.\-]*$/u;
// Letters that render as blank space.
const INVISIBLE = /[\u115f\u1160\u3164\uffa0\u2800]/u;
const RESERVED_NAMES = new Set(
  ["server", "system", "admin", "chat", "root", "console", "you", "everyone", "all", "notice"]
    .map((name) => nameKey(name)),
);

/**
 * Checks a proposed user name against the rules every server applies.
 *
 * @returns `undefined` when the name is acceptable, else why it is not.
 */
export function checkName(name: string): string | undefined {
  const length = [...name].length;
  if (length === 0) return "A name cannot be empty";
  if (length > MAX_NAME_LENGTH) return `A name can have at most ${MAX_NAME_LENGTH} characters`;
  if (!NAME_PATTERN.test(name) || INVISIBLE.test(name)) {
    return "A name can use letters, digits and _ - . and must start with a letter or digit";
  }
  if (RESERVED_NAMES.has(nameKey(name))) return `The name "${name}" is reserved`;
  return undefined;
}

const ROOM_PATTERN = /^#[\p{L}\p{N}][\p{L}\p{M}\p{N}_\-]*$/u;

/**
 * Normalises a room name as typed (`dev`, `#Dev`) to its canonical form
 * (`#dev`), or explains why it is not a valid room name.
 */
export function normalizeRoom(input: string): Checked<string> {
  const room = (input.startsWith("#") ? input : `#${input}`).normalize("NFKC").toLowerCase();
  if ([...room].length > MAX_ROOM_LENGTH) {
    return {
      ok: false,
      code: "room_invalid",
      message: `A room name can have at most ${MAX_ROOM_LENGTH} characters`,
    };
  }
  if (!ROOM_PATTERN.test(room)) {
    return {
      ok: false,
      code: "room_invalid",
      message: "A room name is # followed by letters, digits, _ and -, such as #lobby",
    };
  }
  return { ok: true, value: room };
}
