// This module is browser compatible.

/**
 * The LAN discovery format: the datagrams a server announces itself with and
 * the query a client sends to ask for them, their strict validation, and the
 * IPv4 arithmetic both sides need. No I/O here; `server/announcer.ts` and
 * `client/discover.ts` do the networking. See "Discovery" in docs/PROTOCOL.md.
 *
 * @module
 */

import { isSafeText, sanitizeText } from "../core/sanitize.ts";

/** The only discovery format version this code speaks. */
export const DISCOVERY_VERSION = 1;

/** UDP port that announcements and queries are sent to. */
export const DISCOVERY_PORT = 5002;

/** IPv4 multicast group of announcements and queries (organization-local scope). */
export const DISCOVERY_GROUP = "239.255.50.2";

/** Milliseconds between two announcements of a server. */
export const ANNOUNCE_INTERVAL_MS = 5_000;

/** Largest datagram either side accepts, and the exact size of a query. */
export const MAX_DATAGRAM_BYTES = 1200;

/** Longest server name, in code points. */
export const MAX_SERVER_NAME_LENGTH = 64;

/** Most addresses one announcement may list. */
export const MAX_ADDRESSES = 8;

/** Largest user count an announcement may claim. */
export const MAX_USERS = 1_000_000;

/** What a server says about itself. */
export interface Announcement {
  /** Random per server run, 16 lowercase hex digits: tells servers apart. */
  id: string;
  /** The server's name, safe to print. */
  name: string;
  /** The server's IPv4 addresses on the network the datagram was sent to. */
  addresses: string[];
  /** TCP port of `chat join`. */
  port: number;
  /** HTTP port of the web client, if it runs. */
  webPort?: number;
  /** People connected. */
  users: number;
  /** Whether joining needs a password. */
  password: boolean;
  /** Whether both ports speak TLS. */
  tls: boolean;
}

/** Result of checking a datagram: the value, or why it was ignored. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const ANNOUNCE_TYPE = "chat.announce";
const QUERY_TYPE = "chat.query";
const ANNOUNCE_KEYS = new Set([
  "type",
  "v",
  "id",
  "name",
  "addresses",
  "port",
  "webPort",
  "users",
  "password",
  "tls",
]);
const QUERY_KEYS = new Set(["type", "v", "pad"]);
const ID = /^[0-9a-f]{16}$/;
const DOTTED_QUAD =
  /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Thrown by the field checks below; never escapes this module. */
class FieldError extends Error {}

function reject<T>(reason: string): Parsed<T> {
  return { ok: false, reason };
}

/** Decodes a datagram as strict UTF-8 JSON holding an object, within the size limit. */
function decode(bytes: Uint8Array): Parsed<Record<string, unknown>> {
  if (bytes.length > MAX_DATAGRAM_BYTES) return reject(`over ${MAX_DATAGRAM_BYTES} bytes`);
  let value: unknown;
  try {
    // A byte order mark is kept, so JSON.parse refuses it.
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes));
  } catch {
    return reject("not UTF-8 JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return reject("not a JSON object");
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/** Checks the envelope: the type, the version and that no unknown field is present. */
function envelope(record: Record<string, unknown>, type: string, keys: Set<string>): void {
  if (record.type !== type) throw new FieldError(`type is not "${type}"`);
  if (record.v !== DISCOVERY_VERSION) throw new FieldError(`version is not ${DISCOVERY_VERSION}`);
  for (const key of Object.keys(record)) {
    if (!keys.has(key)) throw new FieldError(`unknown field ${JSON.stringify(key.slice(0, 32))}`);
  }
}

function integer(record: Record<string, unknown>, key: string, min: number, max: number): number {
  const value = record[key];
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new FieldError(`"${key}" is not an integer from ${min} to ${max}`);
  }
  return value;
}

function boolean(record: Record<string, unknown>, key: string): boolean {
  const value = record[key];
  if (typeof value !== "boolean") throw new FieldError(`"${key}" is not a boolean`);
  return value;
}

/** Returns why `name` cannot be a server name, or `undefined` if it can. */
export function checkServerName(name: string): string | undefined {
  if (name.length === 0 || name.trim() !== name) {
    return "a server name must not be empty or start or end with a space";
  }
  if (!isSafeText(name) || /\p{Cf}/u.test(name)) {
    return "a server name must not hold control or formatting characters";
  }
  if ([...name].length > MAX_SERVER_NAME_LENGTH) {
    return `a server name must be at most ${MAX_SERVER_NAME_LENGTH} characters`;
  }
  return undefined;
}

/** Turns any text, such as a host name, into a valid server name, or `fallback`. */
export function toServerName(text: string, fallback = "chat"): string {
  const name = [...sanitizeText(text).replace(/\p{Cf}/gu, "").trim()]
    .slice(0, MAX_SERVER_NAME_LENGTH).join("").trim();
  return checkServerName(name) === undefined ? name : fallback;
}

/** Reports whether `text` is an IPv4 address in plain dotted decimal. */
export function isIPv4(text: string): boolean {
  return DOTTED_QUAD.test(text);
}

/** The 32-bit number of a dotted-quad address. */
export function ipv4ToNumber(address: string): number {
  if (!isIPv4(address)) throw new TypeError(`Cannot read IPv4 address ${JSON.stringify(address)}`);
  return address.split(".").reduce((sum, part) => sum * 256 + Number(part), 0);
}

/** The dotted quad of a 32-bit number. */
export function numberToIPv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join(".");
}

/** The prefix length of a netmask such as `255.255.255.0`, or `undefined` if it is not one. */
export function prefixLength(netmask: string): number | undefined {
  if (!isIPv4(netmask)) return undefined;
  const mask = ipv4ToNumber(netmask);
  const inverse = (~mask) >>> 0;
  // A valid mask is ones then zeros: its inverse plus one is a power of two.
  if ((inverse & (inverse + 1)) !== 0) return undefined;
  return 32 - Math.log2(inverse + 1);
}

/** The directed broadcast address of a network, or `undefined` for a /31 or /32. */
export function broadcastAddress(address: string, netmask: string): string | undefined {
  const prefix = prefixLength(netmask);
  if (prefix === undefined || prefix > 30) return undefined;
  return numberToIPv4((ipv4ToNumber(address) | ~ipv4ToNumber(netmask)) >>> 0);
}

/** Reports whether `address` is in the network of `own` with `netmask`. */
export function sameNetwork(address: string, own: string, netmask: string): boolean {
  if (!isIPv4(address) || !isIPv4(own) || prefixLength(netmask) === undefined) return false;
  const mask = ipv4ToNumber(netmask);
  return ((ipv4ToNumber(address) & mask) >>> 0) === ((ipv4ToNumber(own) & mask) >>> 0);
}

/**
 * Reports whether `address` may be a server's address: IPv4 unicast, not in
 * 0.0.0.0/8, loopback, multicast or reserved space.
 */
export function isUnicastIPv4(address: string): boolean {
  if (!isIPv4(address)) return false;
  const first = Number(address.split(".")[0]);
  return first !== 0 && first !== 127 && first < 224;
}

/**
 * The hosts to probe on the network of `address`: every host of the network
 * if it is a /24 or smaller, otherwise the /24 that holds `address`.
 */
export function scanRange(address: string, netmask: string): string[] {
  const prefix = prefixLength(netmask);
  if (prefix === undefined || !isUnicastIPv4(address)) return [];
  const bits = Math.max(prefix, 24);
  const size = 2 ** (32 - bits);
  const network = ipv4ToNumber(address) - (ipv4ToNumber(address) % size);
  if (size === 1) return [numberToIPv4(network)];
  if (size === 2) return [numberToIPv4(network), numberToIPv4(network + 1)];
  const hosts: string[] = [];
  for (let host = network + 1; host < network + size - 1; host++) hosts.push(numberToIPv4(host));
  return hosts;
}

function checkAnnouncement(record: Record<string, unknown>): Announcement {
  envelope(record, ANNOUNCE_TYPE, ANNOUNCE_KEYS);
  if (typeof record.id !== "string" || !ID.test(record.id)) {
    throw new FieldError(`"id" is not 16 lowercase hex digits`);
  }
  if (typeof record.name !== "string") throw new FieldError(`"name" is not a string`);
  const problem = checkServerName(record.name);
  if (problem !== undefined) throw new FieldError(`"name" is invalid: ${problem}`);
  const addresses = record.addresses;
  if (
    !Array.isArray(addresses) || addresses.length === 0 || addresses.length > MAX_ADDRESSES ||
    !addresses.every((address) => typeof address === "string" && isUnicastIPv4(address)) ||
    new Set(addresses).size !== addresses.length
  ) {
    throw new FieldError(
      `"addresses" is not a list of 1 to ${MAX_ADDRESSES} distinct IPv4 unicast addresses`,
    );
  }
  const port = integer(record, "port", 1, 65535);
  const webPort = record.webPort === undefined ? undefined : integer(record, "webPort", 1, 65535);
  if (webPort === port) throw new FieldError(`"webPort" is the same as "port"`);
  const announcement: Announcement = {
    id: record.id,
    name: record.name,
    addresses: [...addresses as string[]],
    port,
    users: integer(record, "users", 0, MAX_USERS),
    password: boolean(record, "password"),
    tls: boolean(record, "tls"),
  };
  if (webPort !== undefined) announcement.webPort = webPort;
  return announcement;
}

/**
 * Checks a received datagram and reads the {@linkcode Announcement} in it.
 * Anything else, of any size or content, is refused with a reason; it never
 * throws.
 *
 * @example
 * ```ts
 * const parsed = parseAnnouncement(bytes);
 * if (parsed.ok) console.log(parsed.value.name);
 * ```
 */
export function parseAnnouncement(bytes: Uint8Array): Parsed<Announcement> {
  const decoded = decode(bytes);
  if (!decoded.ok) return decoded;
  try {
    return { ok: true, value: checkAnnouncement(decoded.value) };
  } catch (error) {
    if (error instanceof FieldError) return reject(error.message);
    throw error;
  }
}

/**
 * Encodes an announcement as a datagram, throwing a `RangeError` if it is
 * invalid or too large: a server never sends what clients would refuse.
 */
export function encodeAnnouncement(announcement: Announcement): Uint8Array {
  const record: Record<string, unknown> = {
    type: ANNOUNCE_TYPE,
    v: DISCOVERY_VERSION,
    id: announcement.id,
    name: announcement.name,
    addresses: announcement.addresses,
    port: announcement.port,
    ...(announcement.webPort === undefined ? {} : { webPort: announcement.webPort }),
    users: announcement.users,
    password: announcement.password,
    tls: announcement.tls,
  };
  const bytes = new TextEncoder().encode(JSON.stringify(record));
  const checked = parseAnnouncement(bytes);
  if (!checked.ok) throw new RangeError(`Cannot encode announcement: ${checked.reason}`);
  return bytes;
}

/** Encodes a query, padded to exactly {@linkcode MAX_DATAGRAM_BYTES} so any answer is smaller. */
export function encodeQuery(): Uint8Array {
  const head = `{"type":"${QUERY_TYPE}","v":${DISCOVERY_VERSION},"pad":"`;
  const tail = `"}`;
  return new TextEncoder().encode(
    head + ".".repeat(MAX_DATAGRAM_BYTES - head.length - tail.length) + tail,
  );
}

/**
 * Checks a received datagram as a query. Only its form is checked here; the
 * server also answers only queries at least as large as its answer.
 */
export function parseQuery(bytes: Uint8Array): Parsed<{ size: number }> {
  const decoded = decode(bytes);
  if (!decoded.ok) return decoded;
  try {
    envelope(decoded.value, QUERY_TYPE, QUERY_KEYS);
    const pad = decoded.value.pad;
    if (typeof pad !== "string" || !/^\.*$/.test(pad)) throw new FieldError(`"pad" is not dots`);
  } catch (error) {
    if (error instanceof FieldError) return reject(error.message);
    throw error;
  }
  return { ok: true, value: { size: bytes.length } };
}
