/**
 * How many connections fit in the process's open-file limit (`ulimit -n`).
 * Every connection holds a file descriptor; a server that runs out of them
 * cannot accept anyone, answer the web page or store a message, and its
 * listeners stop taking connections until it opens them again. With the
 * connection limit lowered to what fits, a connection too many gets the
 * server's polite "full" refusal instead, on every port.
 *
 * Deno's permissions keep `/proc/self/limits` out of reach of anything but
 * `--allow-all`, so the room is measured instead: `/dev/null` is opened until
 * enough descriptors are held or the system refuses, and they are closed
 * again. An open file takes the lowest free descriptor, so when the system
 * refuses, the highest one taken is one below the limit.
 *
 * @module
 */

import { closeSync, openSync } from "node:fs";

/**
 * Descriptors the server keeps free beside one per connection, for what it
 * opens after they are measured. First, connections over the limit: each is
 * accepted, told why and closed, and Deno 2.9 takes up to 128 connections
 * from a port's queue at a time before any of them can be closed (measured
 * with a flood of 1,500), so a flood holds that many at once (128). Then the
 * listening ports (chat, web, IRC), the socket that probes each of them and
 * the one that opens a stuck port again (9); the discovery announcer's
 * sockets, one per network interface (a few); the history's database, its
 * journal and shared-memory files, and the id mark written and flushed with
 * its directory at each new block of ids (5); the cluster's NATS connection;
 * what the runtime opens later (modules, name lookups); and a file open for
 * each upload or download in progress, about one address's worth (32 at the
 * default `--max-per-ip`). 64 in all for those.
 */
export const RESERVED_DESCRIPTORS = 128 + 64;

/** What {@linkcode measureDescriptors} found. */
export interface DescriptorRoom {
  /** Descriptors that could still be opened, up to the number asked for. */
  free: number;
  /** The open-file limit, when the process reached it before the number asked for. */
  limit: number | undefined;
}

/**
 * Opens up to `wanted` descriptors to see how many are free, then closes
 * them. Returns `undefined` where it cannot tell: on Windows, which has no
 * such limit on sockets, or without read access to `/dev/null`.
 */
export function measureDescriptors(wanted: number): DescriptorRoom | undefined {
  if (Deno.build.os === "windows") return undefined;
  const held: number[] = [];
  try {
    while (held.length < wanted) held.push(openSync("/dev/null", "r"));
    return { free: held.length, limit: undefined };
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    // ENFILE: the whole system is out of them, whatever this process's limit.
    if (code === "ENFILE") return { free: held.length, limit: undefined };
    if (code !== "EMFILE") return undefined;
    const highest = held.reduce((most, fd) => Math.max(most, fd), -1);
    return { free: held.length, limit: highest < 0 ? undefined : highest + 1 };
  } finally {
    for (const fd of held) closeSync(fd);
  }
}

/** The connection limit that fits, from {@linkcode fitConnections}. */
export interface ConnectionFit {
  /**
   * Connections at once: `maxConnections`, or fewer when they do not fit;
   * 0 when not one fits beside the reserve, and the server should not start.
   */
  max: number;
  /**
   * When fewer: the line that says so and how to raise the limit; when
   * none, why the server cannot start, and how to raise it.
   */
  lowered: string | undefined;
}

/**
 * Lowers `maxConnections` to what fits in `room` beside
 * {@linkcode RESERVED_DESCRIPTORS}: to 0 when nothing does. A server that
 * could hold a connection only by eating into its reserve would run out of
 * descriptors at the first burst, and stop taking anyone on any port.
 */
export function fitConnections(maxConnections: number, room: DescriptorRoom): ConnectionFit {
  const fits = Math.max(0, room.free - RESERVED_DESCRIPTORS);
  if (fits >= maxConnections) return { max: maxConnections, lowered: undefined };
  const where = room.limit === undefined
    ? "in the file descriptors left"
    : `in the open-file limit (ulimit -n ${room.limit})`;
  const said = fits === 0
    ? `No connection fits ${where}: the server keeps ${RESERVED_DESCRIPTORS} file descriptors ` +
      `for itself beside one per connection, and ${room.free} ${
        room.free === 1 ? "is" : "are"
      } free`
    : `Only ${fits} ${fits === 1 ? "connection fits" : "connections fit"} ${where}, ` +
      `not ${maxConnections}: --max-connections is lowered to ${fits}`;
  if (room.limit === undefined) return { max: fits, lowered: said };
  // What is open already, the connections and the reserve, rounded up.
  const needed = room.limit - room.free + maxConnections + RESERVED_DESCRIPTORS;
  const raise = fits === 0 ? "Raise the limit" : `To allow ${maxConnections}, raise the limit`;
  return {
    max: fits,
    lowered: `${said}. ${raise} before starting the server, e.g. "ulimit -n ${
      Math.ceil(needed / 1024) * 1024
    }"`,
  };
}

/**
 * The connection limit that fits in this process's open-file limit now, for
 * a server that wants `maxConnections`.
 */
export function connectionsThatFit(maxConnections: number): ConnectionFit {
  const room = measureDescriptors(maxConnections + RESERVED_DESCRIPTORS);
  return room === undefined
    ? { max: maxConnections, lowered: undefined }
    : fitConnections(maxConnections, room);
}
