/**
 * Who is connected to the other servers of a cluster, and which servers
 * there are: each server's heartbeat on `chat.alive`, its numbered changes
 * on `chat.presence`, and its whole roster on `chat.snapshot` when another
 * asks on `chat.resync` (a server new to it, or a change missed). A server
 * not heard for {@linkcode GONE_AFTER_MS} is taken for gone, with its people;
 * time this server itself stood still (its heartbeats late) does not count.
 *
 * @module
 */

import type { Person } from "../../protocol.ts";
import type {
  ClusterEvents,
  LocalChange,
  LocalPerson,
  RemotePeople,
  RemotePerson,
} from "../hub/cluster.ts";

/** How often each server says it is alive, in ms. */
export const ALIVE_MS = 1_000;
/** Silence after which a server is taken for gone, in ms. */
export const GONE_AFTER_MS = 5_000;
/**
 * The least time between two heartbeats of this server, in ms, after which
 * it stood still itself for long enough (stopped, or starved of CPU) that the
 * others may have taken it for gone.
 */
export const STOOD_STILL_MS = GONE_AFTER_MS - ALIVE_MS;

/** What a server tells the others of itself every {@linkcode ALIVE_MS}. */
export interface Alive {
  readonly server: string;
  /** Where clients reach it (`host:port`), once it listens. */
  readonly address: string | undefined;
  /** The URL of its web client, if it serves one. */
  readonly web?: string | undefined;
  /** How many presence changes it has told. */
  readonly told: number;
}

/** A presence change as it travels: the change, its server and its number there. */
export interface Told {
  readonly server: string;
  readonly told: number;
  readonly change: LocalChange;
  /**
   * The last message of the stream its server had sent its people when it
   * told: the others hand the change over after it too (absent from older
   * servers).
   */
  readonly applied?: number;
}

/** A server's whole roster, as it tells the others when they ask. */
export interface Snapshot {
  readonly server: string;
  readonly told: number;
  readonly people: LocalPerson[];
}

/** Another server, as its heartbeats and changes tell it. */
interface Peer {
  address: string | undefined;
  web: string | undefined;
  /** The number of its last change applied. */
  told: number;
  /** When it was last heard of, by the roster's clock, in ms. */
  heard: number;
  /** Whether its joining was logged: once its address is known, by that address. */
  logged: boolean;
}

/** What a {@linkcode Roster} needs. */
export interface RosterOptions {
  /** This server's id. */
  readonly id: string;
  /** The people of the other servers, kept up to date. */
  readonly people: RemotePeople;
  /** Publishes `value`, as JSON, on `subject`. */
  readonly publish: (subject: string, value: unknown) => void;
  /** Where the changes go, once the hub listens. */
  readonly events: () => ClusterEvents | undefined;
  /** Who is connected here. */
  readonly local: () => LocalPerson[];
  /** The last message of the stream sent to the people here, told with each change. */
  readonly applied?: () => number;
  /** A server was taken for gone; `keys` are the names its people held. */
  readonly gone: (server: string, keys: string[]) => void;
  /**
   * This server stood still for `ms` (at least {@linkcode STOOD_STILL_MS})
   * between two heartbeats: the others may have taken it for gone meanwhile.
   */
  readonly stood?: (ms: number) => void;
  /** Receives one line per server that joins or leaves. */
  readonly log: (line: string) => void;
  /** The time in ms, for when servers were heard. @default {performance.now} */
  readonly now?: () => number;
}

/** The other servers of a cluster and their people. */
export class Roster {
  readonly #options: RosterOptions;
  readonly #id: string;
  readonly #people: RemotePeople;
  readonly #publish: (subject: string, value: unknown) => void;
  readonly #log: (line: string) => void;
  readonly #now: () => number;
  readonly #peers = new Map<string, Peer>();
  #address: string | undefined;
  #web: string | undefined;
  /** Whether this server was advertised: before, it tells the others nothing of itself. */
  #advertised = false;
  /** How many changes this server has told. */
  #told = 0;
  /** When this server last said it is alive, by the roster's clock. */
  #beaten: number | undefined;

  constructor(options: RosterOptions) {
    this.#options = options;
    this.#id = options.id;
    this.#people = options.people;
    this.#publish = options.publish;
    this.#log = options.log;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Whether `server` is one this server hears. */
  hears(server: string): boolean {
    return this.#peers.has(server);
  }

  /**
   * Sets where clients reach this server: its chat port and its web client's
   * URL. From now on the others hear of it.
   */
  advertise(address: string, web: string | undefined): void {
    this.#address = address;
    this.#web = web;
    this.#advertised = true;
  }

  /** Whether this server was advertised, and so the others hear of it. */
  get advertised(): boolean {
    return this.#advertised;
  }

  /** The addresses of the other servers' chat ports. */
  servers(): string[] {
    const addresses: string[] = [];
    for (const peer of this.#peers.values()) if (peer.address) addresses.push(peer.address);
    return addresses.sort();
  }

  /** The URLs of the other servers' web clients. */
  webServers(): string[] {
    const urls: string[] = [];
    for (const peer of this.#peers.values()) if (peer.web) urls.push(peer.web);
    return urls.sort();
  }

  /** Tells the others of a change here. */
  tell(change: LocalChange): void {
    // Someone who came here from another server is no longer of that one.
    if (change.kind === "enter") this.#people.forget(change.key);
    const told: Told = {
      server: this.#id,
      told: ++this.#told,
      change,
      applied: this.#options.applied?.() ?? 0,
    };
    this.#publish("chat.presence", told);
  }

  /**
   * Whether this server's heartbeat is late by enough that it stood still
   * since the last one (see {@linkcode STOOD_STILL_MS}): the next, due now,
   * finds it.
   */
  get late(): boolean {
    return this.#beaten !== undefined && this.#now() - this.#beaten >= STOOD_STILL_MS;
  }

  /** The link is back: the others were silent because this server was cut off. */
  back(): void {
    for (const peer of this.#peers.values()) peer.heard = this.#now();
  }

  /**
   * Tells the others this server is alive, every {@linkcode ALIVE_MS}, and
   * takes for gone those not heard for {@linkcode GONE_AFTER_MS} while it ran,
   * unless this one is `split` from them.
   */
  beat(split: boolean): void {
    const alive: Alive = {
      server: this.#id,
      address: this.#address,
      web: this.#web,
      told: this.#told,
    };
    if (this.#advertised) this.#publish("chat.alive", alive);
    const now = this.#now();
    const since = this.#beaten === undefined ? 0 : now - this.#beaten;
    this.#beaten = now;
    // Cut off, this server hears nobody: that says nothing of the others.
    if (split) return;
    // A heartbeat late is this server's own standing still (stopped, starved of CPU): what
    // the others said meanwhile waits to be read, so the time is no silence of theirs.
    const late = since - ALIVE_MS;
    if (late > 0) {
      for (const peer of this.#peers.values()) peer.heard = Math.min(now, peer.heard + late);
    }
    if (since >= STOOD_STILL_MS) this.#options.stood?.(since);
    for (const [server, peer] of this.#peers) {
      if (now - peer.heard > GONE_AFTER_MS) this.#gone(server, "its server stopped answering");
    }
  }

  /** Takes a heartbeat of another server, or its goodbye. */
  alive(alive: Alive & { gone?: true }): void {
    if (alive.server === this.#id) return;
    if (alive.gone) return this.#gone(alive.server, "its server stopped");
    const known = this.#peers.get(alive.server);
    const peer = known ?? this.#meet(alive.server, alive.address);
    const moved = known === undefined || peer.address !== alive.address || peer.web !== alive.web;
    peer.address = alive.address;
    peer.web = alive.web;
    peer.heard = this.#now();
    if (!peer.logged && peer.address !== undefined) this.#logJoined(peer, alive.server);
    if (moved) this.#options.events()?.servers(this.servers(), this.webServers());
    if (alive.told > peer.told) {
      // A change was missed: ask for the whole roster again.
      this.#publish("chat.resync", { of: alive.server });
    }
  }

  /**
   * Takes in a server heard of for the first time, at `address` if its
   * heartbeat said it: each tells the other who is connected.
   */
  #meet(server: string, address?: string): Peer {
    const peer: Peer = {
      address,
      web: undefined,
      told: 0,
      heard: this.#now(),
      logged: false,
    };
    this.#peers.set(server, peer);
    // Met through its people (a snapshot), its address comes with its next heartbeat, a
    // moment later: the log names it then, by the address it is named by when it leaves.
    if (address !== undefined) this.#logJoined(peer, server);
    this.sendSnapshot();
    this.#publish("chat.resync", { of: server });
    return peer;
  }

  /** Logs that `peer` joined, by its address where known, else by its id. */
  #logJoined(peer: Peer, server: string): void {
    peer.logged = true;
    this.#log(`Another server joined the cluster (${peer.address ?? server})`);
  }

  /** Forgets a server that went away, and everyone connected to it. */
  #gone(server: string, reason: string): void {
    const peer = this.#peers.get(server);
    if (peer === undefined) return;
    this.#peers.delete(server);
    // One that left before it was heard where it listens is named by its id, both times.
    if (!peer.logged) this.#logJoined(peer, server);
    this.#log(`A server left the cluster (${peer.address ?? server})`);
    this.#options.events()?.servers(this.servers(), this.webServers());
    const people = this.#people.of(server);
    for (const person of people) {
      // Their clients come back on another server: what they had there is theirs for a while.
      this.#dropped(person);
      this.#forget(person, reason);
    }
    this.#options.gone(server, people.map((person) => person.key));
  }

  /** Tells the hub that `person` is gone without meaning to, as they are now. */
  #dropped(person: RemotePerson): void {
    this.#options.events()?.dropped({ ...person, rooms: [...person.rooms] });
  }

  #forget(person: RemotePerson, reason: string): void {
    for (const room of [...person.rooms]) {
      this.#people.leave(person.key, room);
      this.#options.events()?.left(person, room, reason);
    }
    this.#people.forget(person.key);
  }

  /** Takes a change told by another server. */
  presence({ server, told, change }: Told): void {
    if (server === this.#id) return;
    const peer = this.#peers.get(server);
    if (peer !== undefined) {
      if (told !== peer.told + 1) this.#publish("chat.resync", { of: server });
      peer.told = Math.max(peer.told, told);
      peer.heard = this.#now();
    }
    const events = this.#options.events();
    switch (change.kind) {
      case "enter": {
        const known = this.#people.byKey(change.key);
        const person = this.#personOf(server, change.key, change.name, change.person);
        person.person = change.person;
        if (change.resume !== undefined) person.resume = change.resume;
        if (this.#people.enter(person, change.room)) events?.entered(person, change.room);
        // Moved here from another server, in the room already: told only what changed (away).
        else if (known !== undefined && known !== person) events?.changed(person, known.person);
        return;
      }
      case "leave": {
        const person = this.#people.byKey(change.key);
        if (person === undefined || person.server !== server) return;
        if (this.#people.leave(change.key, change.room)) {
          events?.left(person, change.room, change.reason, change.sentAway === true);
        }
        if (person.rooms.length === 0) this.#people.forget(change.key);
        return;
      }
      case "rename": {
        const before = this.#people.byKey(change.from);
        const person = this.#people.rename(change.from, change.key, change.name);
        if (before !== undefined && person !== undefined) {
          events?.renamed(person, before.name, change.by);
        }
        return;
      }
      case "person": {
        const person = this.#people.byKey(change.key);
        if (person === undefined) return;
        const before = person.person;
        person.person = change.person;
        if (change.resume !== undefined) person.resume = change.resume;
        events?.changed(person, before);
        return;
      }
      case "gone": {
        const person = this.#people.byKey(change.key);
        if (person === undefined || person.server !== server) return;
        if (change.dropped) this.#dropped(person);
        this.#forget(person, change.reason);
        return;
      }
    }
  }

  /**
   * The person of `key` on `server`, as known or new; someone known on
   * another server moved here, and is taken over without a word, still in
   * the rooms they were in there (their client comes back to the same rooms).
   */
  #personOf(server: string, key: string, name: string, person: Person): RemotePerson {
    const known = this.#people.byKey(key);
    if (known?.server === server) {
      known.person = person;
      return known;
    }
    const moved: RemotePerson = { name, key, server, rooms: [], person };
    if (known === undefined) return moved;
    const rooms = [...known.rooms];
    this.#people.forget(key);
    for (const room of rooms) this.#people.enter(moved, room);
    return moved;
  }

  /** Tells the others who is connected here, once this server is advertised. */
  sendSnapshot(): void {
    if (!this.#advertised) return;
    const snapshot: Snapshot = {
      server: this.#id,
      told: this.#told,
      people: this.#options.local(),
    };
    this.#publish("chat.snapshot", snapshot);
  }

  /** Replaces what is known of `server`'s people with its snapshot, quietly. */
  snapshot({ server, told, people }: Snapshot): void {
    if (server === this.#id) return;
    const peer = this.#peers.get(server) ?? this.#meet(server);
    peer.told = told;
    const now = new Set(people.map((person) => person.key));
    for (const person of this.#people.of(server)) {
      if (!now.has(person.key)) this.#forget(person, "connection closed");
    }
    for (const local of people) {
      const person = this.#personOf(server, local.key, local.name, local.person);
      if (local.resume !== undefined) person.resume = local.resume;
      for (const room of local.rooms) {
        if (this.#people.enter(person, room)) this.#options.events()?.entered(person, room);
      }
      for (const room of [...person.rooms]) {
        if (!local.rooms.includes(room) && this.#people.leave(person.key, room)) {
          this.#options.events()?.left(person, room, "left");
        }
      }
    }
  }
}
