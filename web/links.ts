// This module is browser compatible.

/**
 * Where the web addresses in a message are, for the page to make them
 * clickable: `http://` and `https://` only, so `javascript:`, `data:` and
 * every other scheme stay plain text. Punctuation that ends a sentence
 * (`see https://example.com/a.`) is not part of the address, and a closing
 * bracket only when the address opened one. Pure string logic, no DOM.
 *
 * @module
 */

/** One web address found in a text. */
export interface FoundLink {
  /** Where it starts in the text, in UTF-16 code units. */
  start: number;
  /** Where it ends, exclusive. */
  end: number;
  /** The address to open: the text's own, as the browser reads it. */
  href: string;
}

/** A run that may be a web address: the scheme, then anything up to a space or a quote. */
const CANDIDATE = /(?<![\p{L}\p{N}_])https?:\/\/[^\s<>"]+/giu;

/** Characters that end a sentence rather than an address. */
const TRAILING = /[.,;:!?'*_~]$/u;

/** Closing brackets, each with its opening one. */
const BRACKETS: Readonly<Record<string, string>> = { ")": "(", "]": "[", "}": "{", ">": "<" };

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

/** `candidate` without the punctuation after it that belongs to the sentence. */
function trim(candidate: string): string {
  let text = candidate;
  for (;;) {
    const last = text.at(-1) ?? "";
    const opening = BRACKETS[last];
    if (TRAILING.test(text)) text = text.slice(0, -1);
    else if (opening !== undefined && count(text, opening) < count(text, last)) {
      text = text.slice(0, -1);
    } else return text;
  }
}

/**
 * The `http` and `https` addresses in `text`, in order.
 *
 * @example
 * ```ts
 * findLinks("docs at https://example.com/a_(b). thanks");
 * // [{ start: 8, end: 33, href: "https://example.com/a_(b)" }]
 * findLinks("javascript:alert(1)"); // []
 * ```
 */
export function findLinks(text: string): FoundLink[] {
  const found: FoundLink[] = [];
  for (const match of text.matchAll(CANDIDATE)) {
    const candidate = trim(match[0]);
    let url: URL;
    try {
      url = new URL(candidate);
    } catch {
      continue;
    }
    if ((url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") continue;
    found.push({ start: match.index, end: match.index + candidate.length, href: url.href });
  }
  return found;
}
