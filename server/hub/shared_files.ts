/**
 * What the hub needs of the shared files (server/files/): whether a file is
 * stored, the tokens its members upload with, and where the web port is.
 * The bytes go over HTTP; the hub only posts the messages that share them.
 *
 * @module
 */

import type { UploadTokens } from "../files/tokens.ts";

/** A stored file, as the hub shares it. */
export interface StoredFileInfo {
  readonly name: string;
  readonly size: number;
  readonly type: string;
}

/** Where the files are served, as `welcome.files` tells it. */
export interface FilesPlace {
  /** The web port. */
  readonly port: number;
  /** Whether the web port speaks HTTPS. */
  readonly tls: boolean;
  /** The largest file taken, in bytes. */
  readonly maxBytes: number;
  /** All the room of the file store, in bytes: no larger file is taken either. */
  readonly quotaBytes: number;
  /** Whether a download needs a token (the server has a password). */
  readonly needsToken: boolean;
}

/** The shared files of a server, as the hub sees them. */
export interface SharedFiles {
  /** The stored file with `id`, if it is there. */
  lookup(id: string): StoredFileInfo | undefined;
  /**
   * Called once a share of file `id` under `name` by `sharer` is taken: its
   * stored name and sharer become these. A share refused never calls it.
   */
  shared(id: string, name: string, sharer: string): void;
  /** The tokens of the connected users. */
  readonly tokens: UploadTokens;
  /** Where the files are served; `undefined` until the web port is bound. */
  where(): FilesPlace | undefined;
}
