/**
 * Generates `confusables.ts`, the look-alikes of ASCII letters and digits
 * that {@linkcode nameKey} folds, from Unicode's confusables data (UTS #39,
 * `confusables.txt`). Only characters that can appear in a name and whose
 * target, after NFKC normalisation and case folding, its marks removed, is
 * ASCII letters and digits are kept; look-alikes that NFKC already turns into
 * ASCII, and those that the hand-made rules of names.ts cover, are left out.
 *
 * ```sh
 * deno run --allow-read --allow-write tools/gen_confusables.ts SOURCE \
 *   [--unicode-version V] [--origin TEXT] [--out confusables.ts]
 * ```
 *
 * SOURCE is Unicode's `confusables.txt`, whose header gives the version, or a
 * JSON object from each source character to its target, one entry per line
 * of `confusables.txt`, as the npm package `unhomoglyph` ships it in
 * `data.json`; the version must then be given with `--unicode-version`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { foldCase, LOOKALIKES, nameKey } from "../core/names.ts";

/** Source and target pairs read from confusables data, with its Unicode version if stated. */
export interface ConfusablesData {
  /** The Unicode version from a `confusables.txt` header, if there was one. */
  version?: string;
  /** Each source character with the sequence it is confusable with. */
  pairs: [source: string, target: string][];
}

function fromHex(sequence: string): string {
  return sequence.trim().split(/\s+/).map((hex) => {
    const code = Number.parseInt(hex, 16);
    if (!/^[0-9A-Fa-f]{4,6}$/.test(hex) || code > 0x10ffff) {
      throw new SyntaxError(`Cannot read confusables: "${hex}" is not a code point`);
    }
    return String.fromCodePoint(code);
  }).join("");
}

/** Reads `confusables.txt` or a JSON object of the same mappings. */
export function parseConfusables(text: string): ConfusablesData {
  const body = text.replace(/^\uFEFF/, "");
  if (body.trimStart().startsWith("{")) {
    const json: unknown = JSON.parse(body);
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      throw new SyntaxError("Cannot read confusables: expected a JSON object");
    }
    const pairs: [string, string][] = [];
    for (const [source, target] of Object.entries(json)) {
      if (typeof target !== "string" || [...source].length !== 1) {
        throw new SyntaxError(`Cannot read confusables: bad entry ${JSON.stringify(source)}`);
      }
      pairs.push([source, target]);
    }
    return { pairs };
  }
  const pairs: [string, string][] = [];
  for (const line of body.split(/\r?\n/)) {
    const data = line.replace(/#.*/, "").trim();
    if (data === "") continue;
    const fields = data.split(";").map((field) => field.trim());
    if (fields.length < 2) {
      throw new SyntaxError(`Cannot read confusables: bad line ${JSON.stringify(line)}`);
    }
    if (fields[2] !== undefined && fields[2] !== "MA") continue;
    pairs.push([fromHex(fields[0]!), fromHex(fields[1]!)]);
  }
  const version = body.match(/^#\s*Version:\s*(\S+)/m)?.[1];
  return version === undefined ? { pairs } : { version, pairs };
}

/** What {@linkcode buildTable} made of the data, with counts for the generated header. */
export interface ConfusablesTable {
  /** Each look-alike, as it reads after {@linkcode foldCase}, with its ASCII target. */
  table: Map<string, string>;
  /**
   * Look-alikes that NFKC changes into something else than their ASCII target
   * (ϲ, which NFKC makes a final sigma, is c), as typed, with that target: they
   * are mapped before NFKC.
   */
  beforeNfkc: Map<string, string>;
  /** Pairs read. */
  read: number;
  /** Pairs whose target is ASCII letters and digits after case folding. */
  asciiTargets: number;
  /** Of those, sources that NFKC and case folding already make ASCII. */
  foldedByNfkc: number;
  /** Sources that fold to a character the hand-made rules of names.ts already map. */
  coveredByHand: number;
  /** Sources that fold to a character no name can contain, or to several characters. */
  notInNames: number;
  /** Folded characters whose sources look like different ASCII letters, and the choice made. */
  conflicts: string[];
}

const ASCII_ALNUM = /^[a-z0-9]+$/;
/** Marks that take no room of their own, which names ignore (names.ts). */
const MARKS = /[\p{Mn}\p{Me}]/gu;
const NAME_CHAR = /^[\p{L}\p{M}\p{N}]$/u;

function describe(char: string): string {
  const code = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
  return LITERAL.test(char) ? `${char} ${code}` : code;
}

function wrap(text: string, width = 76): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  return line === "" ? lines : [...lines, line];
}

/**
 * Keeps the pairs whose target is ASCII letters and digits after
 * {@linkcode foldCase}, its marks removed, keyed by the folded source. When sources that fold
 * together look like different ASCII letters (Greek Ν is N, ν is v; σ is o,
 * ϲ is c), the folded letter's own mapping wins.
 */
export function buildTable(
  data: ConfusablesData,
  hand: ReadonlyMap<string, string> = LOOKALIKES,
): ConfusablesTable {
  const result: ConfusablesTable = {
    table: new Map(),
    beforeNfkc: new Map(),
    read: data.pairs.length,
    asciiTargets: 0,
    foldedByNfkc: 0,
    coveredByHand: 0,
    notInNames: 0,
    conflicts: [],
  };
  const candidates = new Map<string, { source: string; target: string }[]>();
  for (const [source, rawTarget] of data.pairs) {
    // A letter with a stroke or a hook reads as its letter with a mark over it (đ is d and
    // U+0335): names ignore marks, so the letter it looks like is what is left.
    const target = foldCase(rawTarget).replace(MARKS, "");
    if (!ASCII_ALNUM.test(target)) continue;
    result.asciiTargets++;
    const key = foldCase(source);
    if (source.normalize("NFKC") !== source && NAME_CHAR.test(source) && key !== target) {
      result.beforeNfkc.set(source, target);
    }
    if (/^[\0-\x7f]*$/.test(key)) {
      result.foldedByNfkc++;
    } else if (!NAME_CHAR.test(key) || foldCase(key) !== key) {
      result.notInNames++;
    } else if (hand.has(key)) {
      result.coveredByHand++;
    } else {
      candidates.set(key, [...candidates.get(key) ?? [], { source, target }]);
    }
  }
  for (const [key, options] of [...candidates].sort(([a], [b]) => compare(a, b))) {
    const own = options.find((option) => option.source === key);
    const chosen = own ?? options.toSorted((a, b) => compare(a.source, b.source))[0]!;
    const keys = new Set(options.map((option) => nameKey(option.target)));
    if (keys.size > 1) {
      const others = options.filter((option) => nameKey(option.target) !== nameKey(chosen.target));
      result.conflicts.push(
        `${describe(key)} → ${chosen.target}, not ${
          [...new Set(others.map((option) => option.target))].join(", ")
        }`,
      );
    }
    result.table.set(key, chosen.target);
  }
  return result;
}

function compare(a: string, b: string): number {
  return a.codePointAt(0)! - b.codePointAt(0)!;
}

// Characters written as they are in the generated source: letters and digits of
// left-to-right scripts a reader knows; anything else is escaped.
const LITERAL = /^[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Armenian}]$/u;

function quote(sources: string[]): string {
  return `"${
    sources.map((char) =>
      LITERAL.test(char) && /\p{L}|\p{N}/u.test(char)
        ? char
        : `\\u{${char.codePointAt(0)!.toString(16).toUpperCase()}}`
    ).join("")
  }"`;
}

const NOTICE = `COPYRIGHT AND PERMISSION NOTICE

Copyright © 1991-2020 Unicode, Inc. All rights reserved.
Distributed under the Terms of Use in https://www.unicode.org/copyright.html.

Permission is hereby granted, free of charge, to any person obtaining
a copy of the Unicode data files and any associated documentation
(the "Data Files") or Unicode software and any associated documentation
(the "Software") to deal in the Data Files or Software
without restriction, including without limitation the rights to use,
copy, modify, merge, publish, distribute, and/or sell copies of
the Data Files or Software, and to permit persons to whom the Data Files
or Software are furnished to do so, provided that
(a) this copyright and permission notice appear with all copies
of the Data Files or Software,
(b) this copyright and permission notice appear in associated
documentation, and
(c) there is clear notice in each modified Data File or in the Software
as well as in the documentation associated with the Data File(s) or
Software that the data or software has been modified.

THE DATA FILES AND SOFTWARE ARE PROVIDED "AS IS", WITHOUT WARRANTY OF
ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE
WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT OF THIRD PARTY RIGHTS.
IN NO EVENT SHALL THE COPYRIGHT HOLDER OR HOLDERS INCLUDED IN THIS
NOTICE BE LIABLE FOR ANY CLAIM, OR ANY SPECIAL INDIRECT OR CONSEQUENTIAL
DAMAGES, OR ANY DAMAGES WHATSOEVER RESULTING FROM LOSS OF USE,
DATA OR PROFITS, WHETHER IN AN ACTION OF CONTRACT, NEGLIGENCE OR OTHER
TORTIOUS ACTION, ARISING OUT OF OR IN CONNECTION WITH THE USE OR
PERFORMANCE OF THE DATA FILES OR SOFTWARE.

Except as contained in this notice, the name of a copyright holder
shall not be used in advertising or otherwise to promote the sale,
use or other dealings in these Data Files or Software without prior
written authorization of the copyright holder.`;

/** Where the data came from, for the generated header. */
export interface ModuleInfo {
  /** Unicode version of the confusables data. */
  version: string;
  /** The package or file the data was read from. */
  origin: string;
  /** SHA-256 of that file, in hex. */
  sha256: string;
}

/** Writes the TypeScript source of `confusables.ts`. */
export function renderModule(built: ConfusablesTable, info: ModuleInfo): string {
  const byTarget = new Map<string, string[]>();
  for (const [key, target] of built.table) {
    byTarget.set(target, [...byTarget.get(target) ?? [], key]);
  }
  const targets = [...byTarget.keys()].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
  const lines = targets.map((target) => {
    const property = /^[a-z]\w*$/.test(target) ? target : `"${target}"`;
    return `  ${property}: ${quote(byTarget.get(target)!)},`;
  });
  const before = new Map<string, string[]>();
  for (const [source, target] of [...built.beforeNfkc].sort(([a], [b]) => compare(a, b))) {
    before.set(target, [...before.get(target) ?? [], source]);
  }
  const beforeLines = [...before.keys()].sort((a, b) => a.length - b.length || (a < b ? -1 : 1))
    .map((target) => {
      const property = /^[a-z]\w*$/.test(target) ? target : `"${target}"`;
      return `  ${property}: ${quote(before.get(target)!)},`;
    });
  const notes = built.conflicts.map((conflict) => ` *   ${conflict}`).join("\n");
  const about = [
    `Look-alikes of ASCII letters and digits, from Unicode's confusables data (Unicode ${info.version},`,
    `the MA table of confusables.txt, UTS #39), for nameKey() in names.ts.`,
    `Source: ${info.origin} (SHA-256 ${info.sha256}).`,
  ].join(" ");
  const modified = [
    `Modified from the original data: of its ${built.read} mappings, the`,
    `${built.asciiTargets} whose target is ASCII letters and digits after NFKC normalisation`,
    `and case folding (as Deno ${Deno.version.deno} does them), its marks removed (d with`,
    `U+0335 over it is d)`,
    `are kept, keyed by the source as it reads after the same folding. Left out:`,
    `${built.foldedByNfkc} that NFKC already makes ASCII, ${built.notInNames} that no name can`,
    `contain, ${built.coveredByHand} that the hand-made rules of names.ts map.`,
    `${built.table.size} remain, and ${built.beforeNfkc.size} that NFKC changes into anything but`,
    `their target are also kept as typed, to be mapped before NFKC (ϲ, which NFKC makes a final`,
    `sigma, is c). Where sources that fold together look like different letters`,
    `(a capital and a small letter, or σ and ϲ), the folded letter's own mapping wins:`,
  ].join(" ");
  return `// This module is browser compatible.
// Generated by tools/gen_confusables.ts; do not edit by hand.

/**
${wrap(about).map((line) => ` * ${line}`).join("\n")}
 *
${wrap(modified).map((line) => ` * ${line}`).join("\n")}
${notes}
 *
 * The Unicode data is used under this notice:
 *
${NOTICE.split("\n").map((line) => ` * ${line}`.trimEnd()).join("\n")}
 *
 * @module
 */

/** The Unicode version of the confusables data below. */
export const CONFUSABLES_VERSION = "${info.version}";

/** For each ASCII target, the characters that look like it, after NFKC and case folding. */
export const CONFUSABLES: Readonly<Record<string, string>> = {
${lines.join("\n")}
};

/**
 * For each ASCII target, the characters that look like it as typed, which
 * NFKC would change into something else: mapped before NFKC.
 */
export const CONFUSABLES_BEFORE_NFKC: Readonly<Record<string, string>> = {
${beforeLines.join("\n")}
};
`;
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      "unicode-version": { type: "string" },
      origin: { type: "string" },
      out: { type: "string", default: new URL("../core/confusables.ts", import.meta.url).pathname },
    },
  });
  const [path] = positionals;
  if (path === undefined || positionals.length > 1) {
    console.error("Usage: gen_confusables.ts SOURCE [--unicode-version V] [--origin TEXT]");
    return 2;
  }
  const bytes = await Deno.readFile(path);
  const data = parseConfusables(new TextDecoder().decode(bytes));
  const version = values["unicode-version"] ?? data.version;
  if (version === undefined) {
    console.error(`Cannot generate: ${path} states no Unicode version; give --unicode-version`);
    return 2;
  }
  const sha256 = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)).toHex();
  const built = buildTable(data);
  const origin = values.origin ?? `confusables.txt, Unicode ${version}`;
  const source = renderModule(built, { version, origin, sha256 });
  await Deno.writeTextFile(values.out, source);
  console.log(
    `${values.out}: ${built.table.size} entries, ${new TextEncoder().encode(source).length} bytes`,
  );
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
