/**
 * Announces a running server on the local network: a UDP broadcast and a
 * multicast datagram on each IPv4 network the server is bound to, every few
 * seconds, and a unicast answer to each valid query from those networks. A
 * server bound to loopback, an IPv6 address or a host name announces nothing
 * and opens no UDP socket. The format is in `discovery.ts`.
 *
 * @module
 */

import dgram from "node:dgram";
import {
  ANNOUNCE_INTERVAL_MS,
  type Announcement,
  broadcastAddress,
  DISCOVERY_GROUP,
  DISCOVERY_PORT,
  encodeAnnouncement,
  ipv4ToNumber,
  isUnicastIPv4,
  MAX_ADDRESSES,
  MAX_USERS,
  parseQuery,
  prefixLength,
  sameNetwork,
  toServerName,
} from "./beacon.ts";
import { TokenBucket } from "../server/limits.ts";
import { errorText } from "../core/address.ts";

/** One address the announcer speaks from. */
export interface AnnounceTarget {
  /** Name of the network interface, for the log. */
  interface: string;
  /** The address datagrams are sent from. */
  address: string;
  /** Netmask of the network. */
  netmask: string;
  /** Directed broadcast address of the network; none for a /31 or /32. */
  broadcast: string | undefined;
  /** The server's addresses on this network, `address` first. */
  addresses: string[];
}

const WILDCARDS = new Set(["0.0.0.0", "::", "[::]"]);

/** Whether a server bound to `hostname` announces at all: only on a wildcard or an IPv4 unicast address. */
export function announces(hostname: string): boolean {
  return WILDCARDS.has(hostname) || isUnicastIPv4(hostname);
}

/**
 * Where a server bound to `hostname` announces itself: every non-loopback
 * IPv4 network for a wildcard address, the one network of a specific IPv4
 * address, and nowhere for anything else (loopback, IPv6, host names).
 */
export function announceTargets(
  hostname: string,
  interfaces: readonly Deno.NetworkInterfaceInfo[],
): AnnounceTarget[] {
  if (!announces(hostname)) return [];
  const usable = interfaces.filter((info) =>
    info.family === "IPv4" && isUnicastIPv4(info.address) &&
    prefixLength(info.netmask) !== undefined
  );
  const wildcard = WILDCARDS.has(hostname);
  const targets: AnnounceTarget[] = [];
  for (const info of usable) {
    if (!wildcard && info.address !== hostname) continue;
    if (targets.some((target) => target.address === info.address)) continue;
    const siblings = usable
      .filter((other) => other.name === info.name && other.address !== info.address)
      .map((other) => other.address);
    targets.push({
      interface: info.name,
      address: info.address,
      netmask: info.netmask,
      broadcast: broadcastAddress(info.address, info.netmask),
      addresses: wildcard
        ? [info.address, ...new Set(siblings)].slice(0, MAX_ADDRESSES)
        : [info.address],
    });
  }
  return targets;
}

/** Reports whether `address` is a host (not the network or broadcast address) of `target`'s network. */
function isHostOn(address: string, target: AnnounceTarget): boolean {
  if (!isUnicastIPv4(address) || !sameNetwork(address, target.address, target.netmask)) {
    return false;
  }
  if (target.broadcast === undefined) return true;
  const network = (ipv4ToNumber(target.address) & ipv4ToNumber(target.netmask)) >>> 0;
  return address !== target.broadcast && ipv4ToNumber(address) !== network;
}

/** Options for {@linkcode startAnnouncer}. */
export interface AnnouncerOptions {
  /** The address the server is bound to. */
  hostname: string;
  /** The server's TCP port. */
  port: number;
  /** The web client's HTTP port, if it runs. */
  webPort?: number;
  /** The server's name; cleaned with `toServerName`. */
  name: string;
  /** Whether joining needs a password. */
  password: boolean;
  /** Whether the server speaks TLS. */
  tls: boolean;
  /** Returns the number of people connected. */
  users: () => number;
  /** Receives log lines. @default {no logging} */
  log?: (line: string) => void;
  /** Milliseconds between announcements. @default {ANNOUNCE_INTERVAL_MS} */
  interval?: number;
  /** Lists the network interfaces. @default {Deno.networkInterfaces} */
  interfaces?: () => Deno.NetworkInterfaceInfo[];
}

interface Speaker {
  target: AnnounceTarget;
  socket: dgram.Socket;
  /** Whether the last send failed, so a failure is logged once, not every tick. */
  failing: boolean;
}

function bind(socket: dgram.Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, address, () => {
      socket.off("error", reject);
      resolve();
    });
  });
}

/** Sends `bytes`; resolves to the error, if any, and never rejects. */
function send(
  socket: dgram.Socket,
  bytes: Uint8Array,
  port: number,
  address: string,
): Promise<Error | undefined> {
  return new Promise((resolve) => {
    try {
      socket.send(bytes, port, address, (error) => resolve(error ?? undefined));
    } catch (error) {
      resolve(error as Error);
    }
  });
}

function close(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // Already closed.
    }
  });
}

function reason(error: unknown): string {
  return errorText(error);
}

/** A running announcer; dispose it, or call `close`, to stop it. */
export interface Announcer extends AsyncDisposable {
  /** The addresses being announced on right now. */
  readonly targets: AnnounceTarget[];
  /** Stops announcing and closes every socket; later calls do nothing. */
  close(): Promise<void>;
}

/**
 * Starts announcing a server and sends the first announcement at once. For a
 * server bound to loopback it opens nothing and sends nothing. Networking
 * failures are logged and retried on the next tick; they never throw.
 *
 * @example
 * ```ts
 * await using announcer = await startAnnouncer({
 *   hostname: "0.0.0.0", port: 5002, name: "lab", password: false, tls: false, users: () => 0,
 * });
 * ```
 */
export async function startAnnouncer(options: AnnouncerOptions): Promise<Announcer> {
  const announcer = new UdpAnnouncer(options);
  if (announces(options.hostname)) await announcer.start();
  return announcer;
}

class UdpAnnouncer implements Announcer {
  readonly #options: AnnouncerOptions;
  readonly #name: string;
  readonly #id: string;
  readonly #log: (line: string) => void;
  readonly #speakers = new Map<string, Speaker>();
  // Answers to queries, all networks together: a flood of queries cannot make a flood of answers.
  readonly #answers = new TokenBucket(40, 20);
  #listener: dgram.Socket | undefined;
  #listenFailed = false;
  #idleLogged = false;
  /** Addresses whose socket could not be opened, so that is logged once, not every tick. */
  readonly #refused = new Set<string>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #busy: Promise<void> = Promise.resolve();
  #ticking = false;
  #closed = false;

  constructor(options: AnnouncerOptions) {
    this.#options = options;
    this.#name = toServerName(options.name);
    this.#log = options.log ?? (() => {});
    this.#id = crypto.getRandomValues(new Uint8Array(8)).toHex();
  }

  /** Announces now, then every interval; a tick still running makes the next one skip. */
  async start(): Promise<void> {
    this.#ticking = true;
    this.#busy = this.#tick().finally(() => this.#ticking = false);
    await this.#busy;
    this.#timer = setInterval(() => {
      if (this.#ticking || this.#closed) return;
      this.#ticking = true;
      this.#busy = this.#tick().finally(() => this.#ticking = false);
    }, this.#options.interval ?? ANNOUNCE_INTERVAL_MS);
  }

  get targets(): AnnounceTarget[] {
    return [...this.#speakers.values()].map((speaker) => speaker.target);
  }

  /** The announcement sent on `target`'s network. */
  #announcement(target: AnnounceTarget): Announcement {
    let users = 0;
    try {
      users = Math.max(0, Math.min(MAX_USERS, Math.trunc(this.#options.users())));
    } catch {
      // Counting failed: announce 0 rather than nothing.
    }
    const announcement: Announcement = {
      id: this.#id,
      name: this.#name,
      addresses: target.addresses,
      port: this.#options.port,
      users,
      password: this.#options.password,
      tls: this.#options.tls,
    };
    if (this.#options.webPort !== undefined) announcement.webPort = this.#options.webPort;
    return announcement;
  }

  /** Follows the network interfaces, then announces on each; never rejects. */
  async #tick(): Promise<void> {
    try {
      await this.#follow();
    } catch (error) {
      this.#log(`Cannot announce: ${reason(error)}`);
    }
  }

  async #follow(): Promise<void> {
    if (this.#closed) return;
    let targets: AnnounceTarget[];
    try {
      targets = announceTargets(
        this.#options.hostname,
        (this.#options.interfaces ?? Deno.networkInterfaces)(),
      );
    } catch (error) {
      targets = [];
      if (!this.#idleLogged) this.#log(`Cannot list network interfaces: ${reason(error)}`);
      this.#idleLogged = true;
    }
    if (targets.length > 0 && this.#listener === undefined && !this.#listenFailed) {
      await this.#listen();
    }
    for (const [address, speaker] of this.#speakers) {
      if (targets.some((target) => target.address === address)) continue;
      this.#speakers.delete(address);
      this.#dropMembership(address);
      await close(speaker.socket);
      this.#log(`Stopped announcing on ${speaker.target.interface} (${address}): it is gone`);
    }
    for (const target of targets) {
      if (this.#closed) return;
      const speaker = this.#speakers.get(target.address);
      if (speaker !== undefined) speaker.target = target;
      else await this.#speak(target);
    }
    if (this.#speakers.size === 0 && !this.#idleLogged) {
      this.#idleLogged = true;
      this.#log("Not announcing yet: no network interface to announce on");
    } else if (this.#speakers.size > 0) this.#idleLogged = false;
    await Promise.all([...this.#speakers.values()].map((speaker) => this.#announce(speaker)));
  }

  /** Opens the socket that sends on `target`'s network. */
  async #speak(target: AnnounceTarget): Promise<void> {
    const socket = dgram.createSocket({ type: "udp4" });
    socket.on("error", () => {});
    try {
      await bind(socket, 0, target.address);
      socket.setBroadcast(true);
      socket.setMulticastTTL(1);
      socket.setMulticastLoopback(true);
      socket.setMulticastInterface(target.address);
    } catch (error) {
      await close(socket);
      if (!this.#refused.has(target.address)) {
        this.#refused.add(target.address);
        this.#log(`Cannot announce on ${target.interface} (${target.address}): ${reason(error)}`);
      }
      return;
    }
    if (this.#closed) return void await close(socket);
    this.#refused.delete(target.address);
    this.#speakers.set(target.address, { target, socket, failing: false });
    try {
      this.#listener?.addMembership(DISCOVERY_GROUP, target.address);
    } catch {
      // Already a member on that interface (a second address on it).
    }
    const to = [target.broadcast, DISCOVERY_GROUP].filter((address) => address !== undefined);
    this.#log(
      `Announcing ${JSON.stringify(this.#name)} on ${target.interface} (${target.address}) every ` +
        `${(this.#options.interval ?? ANNOUNCE_INTERVAL_MS) / 1000} s to ${
          to.join(" and ")
        }, UDP port ${DISCOVERY_PORT}`,
    );
  }

  async #announce(speaker: Speaker): Promise<void> {
    const bytes = encodeAnnouncement(this.#announcement(speaker.target));
    const destinations = [speaker.target.broadcast, DISCOVERY_GROUP];
    let failure: Error | undefined;
    for (const address of destinations) {
      if (address === undefined || this.#closed) continue;
      failure = await send(speaker.socket, bytes, DISCOVERY_PORT, address) ?? failure;
    }
    if (failure !== undefined && !speaker.failing) {
      this.#log(`Cannot announce on ${speaker.target.interface}: ${reason(failure)}`);
    }
    speaker.failing = failure !== undefined;
  }

  /** Opens the socket that hears queries, shared with other servers on this machine. */
  async #listen(): Promise<void> {
    const socket = dgram.createSocket({ type: "udp4", reuseAddr: true });
    socket.on("error", () => {});
    try {
      await bind(socket, DISCOVERY_PORT, "0.0.0.0");
    } catch (error) {
      this.#listenFailed = true;
      await close(socket);
      this.#log(
        `Cannot hear discovery queries on UDP port ${DISCOVERY_PORT}: ${reason(error)}; ` +
          "announcing only",
      );
      return;
    }
    if (this.#closed) return void await close(socket);
    socket.on("message", (bytes, from) => this.#answer(bytes, from));
    this.#listener = socket;
  }

  #dropMembership(address: string): void {
    try {
      this.#listener?.dropMembership(DISCOVERY_GROUP, address);
    } catch {
      // The interface is gone, and the membership with it.
    }
  }

  /** Answers a query from one of the announced networks, never with more bytes than it had. */
  #answer(bytes: Uint8Array, from: dgram.RemoteInfo): void {
    if (this.#closed || from.family !== "IPv4" || from.port === 0) return;
    if (!parseQuery(bytes).ok) return;
    const speaker = [...this.#speakers.values()].find((speaker) =>
      isHostOn(from.address, speaker.target)
    );
    // The rate limit comes before the work of encoding, so a flood costs little.
    if (speaker === undefined || !this.#answers.tryTake(1)) return;
    const answer = encodeAnnouncement(this.#announcement(speaker.target));
    if (answer.length > bytes.length) return;
    void send(speaker.socket, answer, from.port, from.address);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#busy;
    const sockets = [...this.#speakers.values()].map((speaker) => speaker.socket);
    if (this.#listener !== undefined) sockets.push(this.#listener);
    this.#speakers.clear();
    this.#listener = undefined;
    await Promise.all(sockets.map(close));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
