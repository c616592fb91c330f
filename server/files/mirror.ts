/**
 * Shared files kept for every server of a cluster: a file uploaded to one
 * server can be downloaded from any. The {@linkcode FileMirror} interface is
 * what the file routes need; server/cluster/files.ts implements it on NATS.
 *
 * @module
 */

import type { StoredFile } from "./store.ts";

/** A file as another server of the cluster kept it: how to store it here, and its bytes. */
export interface MirroredFile {
  /** Its name, type and uploader, as first stored. */
  readonly file: StoredFile;
  /** Its bytes. */
  readonly body: AsyncIterable<Uint8Array>;
}

/** Where the files of every server of a cluster are kept. */
export interface FileMirror {
  /** Keeps a file stored here, whose bytes are at `path`, for the other servers. */
  publish(file: StoredFile, path: string): Promise<void>;
  /** The file `id` as another server kept it, if any. */
  fetch(id: string): Promise<MirroredFile | undefined>;
}
