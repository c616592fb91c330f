/**
 * What is kept or told of a resume token beyond its own connection: its
 * SHA-256, so that no store, and no other server of a cluster, holds the
 * token itself, yet whoever comes back with it is known by it.
 *
 * @module
 */

import { createHash } from "node:crypto";

/** SHA-256 of `token`, in lowercase hex. */
export function tokenDigest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
