// This module is browser compatible.

/**
 * The files a client has seen shared, numbered in the order they arrived so
 * that a person can fetch one by its number (`/get 3`), and where the server
 * takes files, as its `welcome` said.
 *
 * @module
 */

import type { FileRef, FilesInfo, ServerFrame } from "../protocol.ts";

/** Most files a shelf remembers; older numbers are forgotten first. */
export const MAX_SHELVED_FILES = 1000;

/** The files seen in a conversation, by number from 1. */
export class FileShelf {
  #files: FilesInfo | undefined;
  readonly #byNumber = new Map<number, FileRef>();
  readonly #numbers = new Map<string, number>();
  #last = 0;

  /** Where and how to upload and download, once a server said so in `welcome`. */
  get place(): FilesInfo | undefined {
    return this.#files;
  }

  /** Takes what a `welcome` says of files: nothing means this server takes none. */
  welcome(files: FilesInfo | undefined): void {
    this.#files = files;
  }

  /** Numbers the file `frame` shares, if it shares one; the same file keeps its number. */
  take(frame: ServerFrame): void {
    if (frame.type !== "message" && frame.type !== "private") return;
    if (frame.file !== undefined) this.numberOf(frame.file);
  }

  /** The number of `file`, given it now if it has none. */
  numberOf(file: FileRef): number {
    const key = `${file.id}/${file.name}`;
    const known = this.#numbers.get(key);
    if (known !== undefined) return known;
    const number = ++this.#last;
    this.#numbers.set(key, number);
    this.#byNumber.set(number, file);
    if (this.#byNumber.size > MAX_SHELVED_FILES) {
      const [oldest, old] = this.#byNumber.entries().next().value!;
      this.#byNumber.delete(oldest);
      this.#numbers.delete(`${old.id}/${old.name}`);
    }
    return number;
  }

  /** The file numbered `number`, if it is still remembered. */
  get(number: number): FileRef | undefined {
    return this.#byNumber.get(number);
  }

  /** The last file numbered, if any. */
  get last(): FileRef | undefined {
    return this.#byNumber.get(this.#last);
  }
}
