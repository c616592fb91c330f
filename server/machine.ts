/**
 * The server machine's own addresses: loopback, and those of its network
 * interfaces. The host's console has no address of its own; its bans and
 * mutes spare these, as an operator's own address is spared, so that a ban
 * typed there never sends away everyone connected from the machine itself.
 *
 * @module
 */

import { isIPv4 } from "node:net";
import { plainAddress } from "../core/address.ts";

/** How long the list of this machine's addresses is trusted before it is read again. */
const ADDRESSES_MS = 10_000;

/** Tells whether an address is this machine's own; its interfaces are read again every few seconds. */
export class MachineAddresses {
  #addresses: ReadonlySet<string> = new Set();
  #read = -Infinity;

  /** Whether `address` (as connections are seen, or IPv4-mapped) is loopback or this machine's. */
  has(address: string): boolean {
    const plain = plainAddress(address).toLowerCase();
    if (plain === "::1" || (isIPv4(plain) && plain.startsWith("127."))) return true;
    return this.#own().has(plain);
  }

  /** The addresses of this machine's interfaces. */
  #own(): ReadonlySet<string> {
    const now = performance.now();
    if (now - this.#read < ADDRESSES_MS) return this.#addresses;
    this.#read = now;
    const own = new Set<string>();
    try {
      for (const nic of Deno.networkInterfaces()) own.add(plainAddress(nic.address).toLowerCase());
    } catch {
      // Without permission to list them, loopback alone is known as the machine's.
    }
    this.#addresses = own;
    return own;
  }
}
