// This module is browser compatible.

/**
 * How addresses and system errors are written for people: `host:port` with
 * IPv6 addresses in brackets, and an error's message without the runtime's
 * `(os error N)` tail; a sentence as the clause after a colon.
 *
 * @module
 */

/** Formats `host:port`, bracketing IPv6 addresses: `192.168.1.5:5002`, `[fe80::1]:5002`. */
export function formatAddress(host: string, port: number | undefined): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

// The runtime's words for a few errors people meet at start-up, in theirs.
const PLAIN: Record<string, string> = {
  ENOTFOUND: "unknown host name",
  EAI_AGAIN: "the host name cannot be looked up (is a name server reachable?)",
  // Deno's permissions keep system paths such as /proc and /sys out of reach.
  NotCapable: "not allowed: a system path",
};

/**
 * The message of `error` (or `error` itself as text), without an `(os error N)`
 * tail; a host name not found, or a system path out of reach, in plain words.
 */
export function errorText(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  const name = error instanceof Error ? error.name : undefined;
  const plain = (typeof code === "string" ? PLAIN[code] : undefined) ??
    (name === undefined ? undefined : PLAIN[name]);
  if (plain !== undefined) return plain;
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\(os error \d+\).*$/s, "");
}

/**
 * `text`, a sentence of its own (`Cannot …`, `A name can …`), as the clause
 * after a colon (`chat: cannot …`): its first letter in lower case, unless
 * its first word is an acronym (`CA certificate …`, `TLS …`), which stays as
 * it is written.
 */
export function asClause(text: string): string {
  if (/^\p{Lu}\p{Lu}/u.test(text)) return text;
  return `${text.charAt(0).toLowerCase()}${text.slice(1)}`;
}

/** A host and a port, as {@linkcode parseAddress} reads them. */
export interface HostPort {
  /** The host name or address, without brackets. */
  hostname: string;
  /** The TCP port, from 1 to 65535. */
  port: number;
}

/**
 * Reads `host:port` as {@linkcode formatAddress} writes it (`[fe80::1]:5002`
 * for IPv6), or `undefined` when `text` is not one.
 */
export function parseAddress(text: string): HostPort | undefined {
  const match = /^(?:\[([^\s[\]/]+)\]|([^\s:[\]/]+)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  const hostname = match?.[1] ?? match?.[2];
  if (hostname === undefined || !(port >= 1 && port <= 65535)) return undefined;
  return { hostname, port };
}

/**
 * `address` as connections are seen: an IPv4-mapped IPv6 address, however
 * written (`::ffff:192.168.1.7`, `::FFFF:c0a8:107`), as its IPv4 address
 * (`192.168.1.7`); any other text as it is.
 */
export function plainAddress(address: string): string {
  if (!/^[0:]*:ffff:/i.test(address)) return address;
  let canonical: string;
  try {
    // The URL parser writes an IPv6 address one way: `[::ffff:c0a8:107]`.
    canonical = new URL(`http://[${address}]/`).hostname;
  } catch {
    return address;
  }
  const mapped = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(canonical);
  if (mapped === null) return address;
  const high = parseInt(mapped[1]!, 16);
  const low = parseInt(mapped[2]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join(".");
}
