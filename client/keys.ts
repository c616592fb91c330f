/**
 * Keys read together that were pressed apart. `node:readline` takes ESC and
 * what follows it within its escape timeout for Alt and that key: Esc, then
 * a quick `d`, reads as Alt+D, the line editor's delete a word. A terminal
 * sends Alt and a key in one write, a person pressing Esc and then a key
 * makes two: {@linkcode EscapeReads} tells them apart by where the
 * terminal's reads end (client/terminal.ts hands it each read), and
 * {@linkcode pressedApart} makes such a pair the two keys it was. Escape
 * sequences (arrows, a paste's markers) are no such pair. Pure: no I/O.
 *
 * @module
 */

/** A key pressed, as `node:readline` names it: `{ name: "n", ctrl: true }` for Ctrl+N. */
export interface Key {
  /** The key's name: a letter or digit, `return`, `up`… */
  name?: string;
  /** Ctrl was held. */
  ctrl?: boolean;
  /** Alt (Meta) was held. */
  meta?: boolean;
  /** Shift was held. */
  shift?: boolean;
}

/** A key as `node:readline` reads it: what it is, and what the terminal sent for it. */
export interface ReadKey extends Key {
  /** What the terminal sent. */
  sequence?: string | undefined;
  /** An escape sequence's code (`[A` for Up); none for ESC and one character. */
  code?: string | undefined;
}

/** A key and its text, as `node:readline` reports a key it reads alone. */
export interface KeyPress {
  /** The text typed, for a key that types one; `undefined` for Esc. */
  text: string | undefined;
  /** The key. */
  key: ReadKey;
}

/** ESC, as a terminal sends it for Esc and before an Alt key or an escape sequence. */
const ESC = 0x1b;

/**
 * Follows where the terminal's reads end, to tell Esc and a key typed after
 * it (two reads) from Alt and that key (one): hand it each read before
 * `node:readline` sees it, and each key readline gives.
 */
export class EscapeReads {
  /** The last read ended with ESC, which readline has not yet given as a key. */
  #escapeEnded = false;
  /** The first key of this read may be that ESC read together with this read's start. */
  #escapeBefore = false;

  /** Notes a read from the terminal, before readline sees it. */
  read(chunk: Uint8Array | string): void {
    this.#escapeBefore = this.#escapeEnded;
    const last = chunk.at(-1);
    this.#escapeEnded = last === ESC || last === "\x1b";
  }

  /**
   * Notes a key readline gives; returns whether it may hold an ESC that
   * ended the read before, read together with this read's start: if it is
   * ESC and a key, {@linkcode pressedApart} gives the two keys pressed.
   */
  key(key: ReadKey | undefined): boolean {
    // Only the first key of a read can hold an ESC that ended the read before.
    const escapeBefore = this.#escapeBefore;
    this.#escapeBefore = false;
    // That ESC given alone, once no more came in time.
    if (key?.sequence === "\x1b") this.#escapeEnded = false;
    return escapeBefore;
  }
}

/** Esc alone, as `node:readline` reports it once no key followed in time. */
const ESCAPE: ReadKey = { name: "escape", sequence: "\x1b", meta: true, ctrl: false, shift: false };

/**
 * The keys pressed when `key` is ESC and what followed it read as one, as
 * Alt and that key: Esc, then each character as if typed alone. `undefined`
 * for any other key, an escape sequence included. Only for keys known to
 * have been pressed apart: a terminal sends Alt+D as the same two bytes.
 *
 * @example
 * ```ts
 * pressedApart({ name: "h", meta: true, sequence: "\x1bh" });
 * // [{ text: undefined, key: { name: "escape", … } }, { text: "h", key: { name: "h", … } }]
 * ```
 */
export function pressedApart(key: ReadKey): KeyPress[] | undefined {
  const sequence = key.sequence ?? "";
  if (!key.meta || key.code !== undefined || !sequence.startsWith("\x1b")) return undefined;
  const rest = [...sequence.slice(1)];
  if (rest.length === 0) return undefined;
  return [{ text: undefined, key: ESCAPE }, ...rest.map(typed)];
}

/** `char` read alone, as `node:readline` names it. */
function typed(char: string): KeyPress {
  const key = (fields: Partial<ReadKey>): KeyPress => ({
    text: char,
    key: { sequence: char, ctrl: false, meta: false, shift: false, ...fields },
  });
  switch (char) {
    case "\r":
      return key({ name: "return" });
    case "\n":
      return key({ name: "enter" });
    case "\t":
      return key({ name: "tab" });
    case "\b":
    case "\x7f":
      return key({ name: "backspace" });
    case "\x1b":
      return { text: undefined, key: ESCAPE };
    case " ":
      return key({ name: "space" });
  }
  if (char <= "\x1a") {
    return key({ name: String.fromCharCode(char.charCodeAt(0) + 96), ctrl: true });
  }
  if (/^[0-9A-Za-z]$/.test(char)) {
    return key({ name: char.toLowerCase(), shift: /^[A-Z]$/.test(char) });
  }
  return key({});
}
