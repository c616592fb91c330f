/**
 * Finds chat servers on the local network. {@linkcode discover} sends a
 * query on each IPv4 network and collects announcements for a while;
 * {@linkcode scan} probes the hosts of each network on the chat TCP port,
 * for servers that do not announce themselves, and {@linkcode findLocal}
 * this machine's loopback address, where a server announces nothing. The
 * datagram format is in `beacon.ts`.
 *
 * @module
 */

import dgram from "node:dgram";
import {
  type Announcement,
  broadcastAddress,
  checkServerName,
  DISCOVERY_GROUP,
  DISCOVERY_PORT,
  encodeQuery,
  ipv4ToNumber,
  isUnicastIPv4,
  MAX_DATAGRAM_BYTES,
  parseAnnouncement,
  prefixLength,
  sameNetwork,
  scanRange,
} from "./beacon.ts";
import { decodeJson, DEFAULT_PORT, encodeFrame, parseServerFrame } from "../protocol.ts";

/** A server found on the network. */
export type FoundServer =
  | {
    /** It announced itself, or answered a query. */
    source: "announce";
    /** Address to connect to: where the announcement came from. */
    host: string;
    /** TCP port to connect to. */
    port: number;
    /** What the server said about itself. */
    announcement: Announcement;
  }
  | {
    /** It answered a `ping` on its TCP port. */
    source: "scan";
    /** Address to connect to. */
    host: string;
    /** TCP port to connect to. */
    port: number;
    /** The name its `pong` gave, when it gave a valid one. */
    name?: string;
  }
  | {
    /** It answered a `ping` on this machine's loopback address. */
    source: "local";
    /** Address to connect to: 127.0.0.1. */
    host: string;
    /** TCP port to connect to. */
    port: number;
    /** The name its `pong` gave, when it gave a valid one. */
    name?: string;
  };

/** This machine's loopback address, where a server bound to it announces nothing. */
export const LOCAL_HOST = "127.0.0.1";

/** An IPv4 network this machine is on. */
export interface LocalNetwork {
  /** Name of the network interface. */
  interface: string;
  /** This machine's address on it. */
  address: string;
  /** Netmask of the network. */
  netmask: string;
  /** Directed broadcast address; none for a /31 or /32. */
  broadcast: string | undefined;
}

/** The non-loopback IPv4 networks among `interfaces`. */
export function localNetworks(interfaces: readonly Deno.NetworkInterfaceInfo[]): LocalNetwork[] {
  const networks: LocalNetwork[] = [];
  for (const info of interfaces) {
    if (info.family !== "IPv4" || !isUnicastIPv4(info.address)) continue;
    if (prefixLength(info.netmask) === undefined) continue;
    if (networks.some((network) => network.address === info.address)) continue;
    networks.push({
      interface: info.name,
      address: info.address,
      netmask: info.netmask,
      broadcast: broadcastAddress(info.address, info.netmask),
    });
  }
  return networks;
}

function listNetworks(interfaces?: () => Deno.NetworkInterfaceInfo[]): LocalNetwork[] {
  try {
    return localNetworks((interfaces ?? Deno.networkInterfaces)());
  } catch {
    return [];
  }
}

/**
 * Reports whether `server`, found on the network, runs on this machine: it
 * was found at one of this machine's addresses, or announced one.
 */
export function isOnThisMachine(
  server: FoundServer,
  interfaces?: () => Deno.NetworkInterfaceInfo[],
): boolean {
  if (server.source === "local") return true;
  const own = listNetworks(interfaces).map((network) => network.address);
  const addresses = server.source === "announce" ? server.announcement.addresses : [server.host];
  return addresses.some((address) => own.includes(address));
}

/** Options for {@linkcode discover}. */
export interface DiscoverOptions {
  /** Milliseconds to listen for answers. @default {2000} */
  wait?: number;
  /** Stop this many milliseconds after the first server is found. @default {listen for all of `wait`} */
  settle?: number;
  /** Lists the network interfaces. @default {Deno.networkInterfaces} */
  interfaces?: () => Deno.NetworkInterfaceInfo[];
}

/** Most servers remembered in one search, so a flood of forged ids cannot fill memory. */
const MAX_FOUND = 256;

function bind(socket: dgram.Socket, port: number, address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const failed = () => resolve(false);
    socket.once("error", failed);
    try {
      socket.bind(port, address, () => {
        socket.off("error", failed);
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}

function send(socket: dgram.Socket, bytes: Uint8Array, address: string): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.send(bytes, DISCOVERY_PORT, address, () => resolve());
    } catch {
      resolve();
    }
  });
}

function close(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

function byAddress(a: FoundServer, b: FoundServer): number {
  return ipv4ToNumber(a.host) - ipv4ToNumber(b.host) || a.port - b.port;
}

/**
 * Looks for servers on every IPv4 network of this machine: sends a query
 * (again every 0.7 s, in case one is lost) by broadcast and multicast, and listens for
 * answers and announcements until `wait` is over. Datagrams that are not
 * valid announcements, that list addresses other than their sender's, or
 * that come from outside this machine's networks are ignored.
 *
 * @example
 * ```ts
 * for (const server of await discover({ wait: 2000 })) console.log(server.host);
 * ```
 */
export async function discover(options: DiscoverOptions = {}): Promise<FoundServer[]> {
  const networks = listNetworks(options.interfaces);
  if (networks.length === 0) return [];
  const found = new Map<string, FoundServer & { source: "announce" }>();
  const { promise: finished, resolve: finish } = Promise.withResolvers<void>();
  let settleTimer: ReturnType<typeof setTimeout> | undefined;

  const receive = (bytes: Uint8Array, from: dgram.RemoteInfo) => {
    if (from.family !== "IPv4" || bytes.length > MAX_DATAGRAM_BYTES) return;
    const parsed = parseAnnouncement(bytes);
    if (!parsed.ok) return;
    const announcement = parsed.value;
    if (!announcement.addresses.includes(from.address)) return;
    if (!networks.some((network) => sameNetwork(from.address, network.address, network.netmask))) {
      return;
    }
    const known = found.get(announcement.id);
    if (known !== undefined) {
      if (known.host === from.address) known.announcement = announcement;
    } else if (found.size < MAX_FOUND) {
      found.set(announcement.id, {
        source: "announce",
        host: from.address,
        port: announcement.port,
        announcement,
      });
    }
    if (options.settle !== undefined && settleTimer === undefined) {
      settleTimer = setTimeout(finish, options.settle);
    }
  };

  const sockets: dgram.Socket[] = [];
  const open = (reuseAddr: boolean) => {
    const socket = dgram.createSocket({ type: "udp4", reuseAddr });
    socket.on("error", () => {});
    socket.on("message", receive);
    sockets.push(socket);
    return socket;
  };
  const waited = setTimeout(finish, options.wait ?? 2_000);
  let again: ReturnType<typeof setInterval> | undefined;
  try {
    // Announcements go to the discovery port: hear them too, next to any local server.
    const listener = open(true);
    if (await bind(listener, DISCOVERY_PORT, "0.0.0.0")) {
      for (const network of networks) {
        try {
          listener.addMembership(DISCOVERY_GROUP, network.address);
        } catch {
          // A second address on an interface that already joined.
        }
      }
    }
    // One sender per network, so each query leaves through its own interface.
    const senders: { socket: dgram.Socket; network: LocalNetwork }[] = [];
    for (const network of networks) {
      const socket = open(false);
      if (!await bind(socket, 0, network.address)) continue;
      try {
        socket.setBroadcast(true);
        socket.setMulticastTTL(1);
        socket.setMulticastLoopback(true);
        socket.setMulticastInterface(network.address);
        senders.push({ socket, network });
      } catch {
        // This interface cannot send; the others still can.
      }
    }
    const query = encodeQuery();
    const ask = async () => {
      for (const { socket, network } of senders) {
        await send(socket, query, DISCOVERY_GROUP);
        if (network.broadcast !== undefined) await send(socket, query, network.broadcast);
      }
    };
    await ask();
    // Ask again now and then, in case a query or an answer was lost.
    again = setInterval(() => void ask(), Math.min(700, (options.wait ?? 2_000) / 3));
    await finished;
  } finally {
    clearTimeout(waited);
    clearInterval(again);
    clearTimeout(settleTimer);
    await Promise.all(sockets.map(close));
  }
  return [...found.values()].sort(byAddress);
}

/** What {@linkcode probeServer} found: a chat server, and the name it gave if any. */
export type Probed = { found: false } | { found: true; name: string | undefined };

/**
 * Reports whether a chat server answers on `host:port`: connects, sends a
 * `ping` and waits for its `pong`, all within `timeout` milliseconds, and
 * takes the server's name from that `pong` (a server says it before
 * `hello`) when it is one a server may have. TLS servers do not answer this.
 */
export async function probeServer(host: string, port: number, timeout = 800): Promise<Probed> {
  const none = { found: false } as const;
  const signal = AbortSignal.timeout(timeout);
  let conn: Deno.TcpConn | undefined;
  const hangUp = () => {
    try {
      conn?.close();
    } catch {
      // Already closed.
    }
  };
  signal.addEventListener("abort", hangUp);
  try {
    conn = await Deno.connect({ hostname: host, port, signal });
    if (signal.aborted) return none;
    await conn.write(new TextEncoder().encode(encodeFrame({ type: "ping", token: "scan" })));
    const buffer = new Uint8Array(4096);
    let received = "";
    const decoder = new TextDecoder();
    while (received.length < 4096) {
      const count = await conn.read(buffer);
      if (count === null) return none;
      received += decoder.decode(buffer.subarray(0, count), { stream: true });
      const lines = received.split("\n");
      for (const line of lines.slice(0, -1)) {
        const json = decodeJson(line);
        const frame = json.ok ? parseServerFrame(json.value) : json;
        if (frame.ok && frame.value.type === "pong" && frame.value.token === "scan") {
          const name = frame.value.server;
          const valid = name !== undefined && checkServerName(name) === undefined;
          return { found: true, name: valid ? name : undefined };
        }
      }
    }
    return none;
  } catch {
    return none;
  } finally {
    signal.removeEventListener("abort", hangUp);
    hangUp();
  }
}

/**
 * Looks for a server on this machine's loopback address on `port`: one bound
 * to 127.0.0.1 announces nothing, and one bound to every address answers
 * there too. Resolves to it, or to `undefined` within `timeout` ms. Nothing
 * listening refuses at once; the time is for a server slow to answer, on a
 * machine busy with more than the chat.
 */
export async function findLocal(port: number, timeout = 2_000): Promise<FoundServer | undefined> {
  const probed = await probeServer(LOCAL_HOST, port, timeout);
  if (!probed.found) return undefined;
  return { source: "local", host: LOCAL_HOST, port, ...named(probed.name) };
}

/** `{ name }`, or nothing for a server that gave none. */
function named(name: string | undefined): { name?: string } {
  return name === undefined ? {} : { name };
}

/** Options for {@linkcode scan}. */
export interface ScanOptions {
  /** TCP port to probe. @default {5002} */
  port?: number;
  /** Milliseconds each host has to answer. @default {700} */
  timeout?: number;
  /** Milliseconds after which no new probe starts. @default {4000} */
  deadline?: number;
  /** Probes at once. @default {128} */
  concurrency?: number;
  /** Lists the network interfaces. @default {Deno.networkInterfaces} */
  interfaces?: () => Deno.NetworkInterfaceInfo[];
}

/** Most hosts one scan probes: four /24 networks. */
const MAX_SCAN_HOSTS = 1024;

/**
 * Probes every host of this machine's IPv4 networks (a /24 at most per
 * network) with {@linkcode probeServer}, a bounded number at once, and
 * resolves to those that answered. It takes at most `deadline` plus
 * `timeout` milliseconds.
 */
export async function scan(options: ScanOptions = {}): Promise<FoundServer[]> {
  const port = options.port ?? DEFAULT_PORT;
  const timeout = options.timeout ?? 700;
  const end = performance.now() + (options.deadline ?? 4_000);
  const hosts = [
    ...new Set(
      listNetworks(options.interfaces).flatMap((network) =>
        scanRange(network.address, network.netmask)
      ),
    ),
  ].slice(0, MAX_SCAN_HOSTS);
  const found: FoundServer[] = [];
  let next = 0;
  const worker = async () => {
    while (next < hosts.length && performance.now() < end) {
      const host = hosts[next++]!;
      const probed = await probeServer(host, port, timeout);
      if (probed.found) found.push({ source: "scan", host, port, ...named(probed.name) });
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(options.concurrency ?? 128, hosts.length) }, worker),
  );
  return found.sort(byAddress);
}
