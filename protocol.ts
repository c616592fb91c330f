// This module is browser compatible.

/**
 * The wire contract between `chat` clients and servers: frame types, their
 * validation, the line codec and the limits both sides enforce. See
 * docs/PROTOCOL.md for the prose version with an example of every frame.
 *
 * @module
 */

export * from "./protocol/limits.ts";
export * from "./protocol/frames.ts";
export * from "./protocol/parse_client.ts";
export * from "./protocol/parse_server.ts";
export * from "./protocol/lines.ts";
export * from "./protocol/version1.ts";

/** Most messages one `history` or `search` request returns; the `/history` command defines it. */
export { MAX_HISTORY_REQUEST } from "./core/commands.ts";
