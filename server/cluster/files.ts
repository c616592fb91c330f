/**
 * A {@linkcode FileMirror} on a NATS object store: each shared file under its
 * id (the SHA-256 of its bytes), with its name, type and uploader in the
 * object's description. The bucket holds at most the server's files quota;
 * the oldest go first, as on each server.
 *
 * @module
 */

import type { ObjectStore } from "@nats-io/obj";
import type { FileMirror, MirroredFile } from "../files/mirror.ts";
import type { StoredFile } from "../files/store.ts";

/** The bucket of shared files. */
export const FILES_BUCKET = "chat-files";

/** The shared files of a cluster, in one NATS object store. */
export class NatsFileMirror implements FileMirror {
  readonly #store: ObjectStore;

  constructor(store: ObjectStore) {
    this.#store = store;
  }

  async publish(file: StoredFile, path: string): Promise<void> {
    if ((await this.#store.info(file.id)) !== null) return;
    using opened = await Deno.open(path);
    await this.#store.put({ name: file.id, description: JSON.stringify(file) }, opened.readable);
  }

  async fetch(id: string): Promise<MirroredFile | undefined> {
    const found = await this.#store.get(id);
    if (found === null) return undefined;
    let file: StoredFile;
    try {
      file = JSON.parse(found.info.description ?? "") as StoredFile;
    } catch {
      await found.data.cancel();
      return undefined;
    }
    if (file.id !== id) {
      await found.data.cancel();
      return undefined;
    }
    return { file, body: found.data };
  }
}
