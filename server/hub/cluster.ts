/**
 * What the hub shares with the other servers of a cluster, without knowing
 * how: the {@linkcode Cluster} interface a link (server/cluster/) implements,
 * the people connected elsewhere ({@linkcode RemotePeople}), and the events a
 * link hands the hub. Without `--cluster` a hub has no cluster and none of
 * this runs.
 *
 * @module
 */

import type { MessageFrame, Person, PrivateFrame, ServerFrame } from "../../protocol.ts";
import type { FileMirror } from "../files/mirror.ts";

/** Someone connected to another server of the cluster. */
export interface RemotePerson {
  /** Their name, as they chose it. */
  readonly name: string;
  /** Their name folded as names are compared (core/names.ts). */
  readonly key: string;
  /** The id of the server they are connected to. */
  readonly server: string;
  /** The rooms they are in, in the order entered. */
  readonly rooms: string[];
  /** How they are, as `who` tells. */
  person: Person;
  /**
   * The digest of the resume token of their last welcome (server/hub/token_digest.ts):
   * whoever comes back with that token is them (absent from older servers).
   */
  resume?: string | undefined;
  /**
   * Since when they are away, as `person.away` says, and the folded names of
   * those told so here as they wrote to them in private: told once for each
   * time they go away.
   */
  awayTold?: { readonly since: number; readonly told: Set<string> } | undefined;
}

/** A room message before the cluster numbers it: everything but its id. */
export type MessageDraft = Omit<MessageFrame, "id">;

/** Whether a name could be claimed across the cluster, and if not who holds it. */
export type ClaimResult = { ok: true } | { ok: false; holder: string };

/** What a link tells the hub, in the order it happened. */
export interface ClusterEvents {
  /**
   * A room message: numbered, in the one order every server sees (`stored`);
   * the same, of a message this server showed its own people during a split
   * (`shown`: kept, not sent to them again); or, as a split begins, one on
   * its way to the stream, under an id of its own, to be shown here now
   * (`provisional`: sent to the people here, not kept).
   */
  message(message: MessageFrame, how: "stored" | "shown" | "provisional"): void;
  /** A private message for `toKey`, who may be connected here. */
  private(frame: PrivateFrame, toKey: string): void;
  /** Someone on another server entered `room`. */
  entered(person: RemotePerson, room: string): void;
  /**
   * Someone on another server left `room`; `sentAway` when an operator sent
   * them away (a kick, a ban), told however big the room.
   */
  left(person: RemotePerson, room: string, reason: string, sentAway?: boolean): void;
  /**
   * Someone on another server is gone without meaning to (their connection
   * dropped, or their server went away), told before they leave their rooms:
   * their resume token may bring back here, for a grace, what they had there.
   */
  dropped(person: RemotePerson): void;
  /** Someone on another server is now called `person.name`. */
  renamed(person: RemotePerson, from: string, by?: string): void;
  /** How someone on another server is changed (away, back); `before` is how they were. */
  changed(person: RemotePerson, before: Person): void;
  /**
   * A name held here was taken over on another server: by its own resume
   * token (its client reconnected there), or, `byOther`, by someone else
   * while this server stood still and was taken for gone. Either way the
   * session here is let go, told which. `server` is the one that holds the
   * name now: someone who moved there is in their rooms there, and the rooms
   * here are told nothing of the move.
   */
  movedAway(key: string, byOther?: boolean, server?: string): void;
  /** The link to the other servers broke (`true`) or came back (`false`). */
  split(split: boolean): void;
  /**
   * A note (a ban, a mute, a room's topic and lock) was written
   * on another server, or is read back as the link starts; `undefined` when
   * it was forgotten.
   */
  noted(kind: string, key: string, value: string | undefined): void;
  /** A frame for everyone in `room`, sent on another server (a new topic, an operator's notice). */
  relayed(room: string, frame: ServerFrame): void;
  /**
   * An operator on another server acted on `key`, who may be connected here.
   * `answer` sends that operator, on their server, what a refusal or a no-op
   * tells them (an `error`, an `info`); absent when their server asked for
   * none (an older one).
   */
  acted(key: string, act: RemoteAct, answer?: (frame: ServerFrame) => void): void;
  /** Another server joined, left or moved: where the others are now. */
  servers(servers: string[], webServers: string[]): void;
}

/**
 * A presence change of someone connected here, told to the other servers.
 * `resume` is the digest of the token of their last welcome, as in
 * {@linkcode RemotePerson}.
 */
export type LocalChange =
  | { kind: "enter"; key: string; name: string; room: string; person: Person; resume?: string }
  /** `sentAway`: an operator sent them away, a kick or a ban (absent from older servers). */
  | { kind: "leave"; key: string; room: string; reason: string; sentAway?: true }
  /**
   * `from` is the folded name before, `key` the one after; `by`, the
   * operator who renamed them (absent for their own rename, and from older servers).
   */
  | { kind: "rename"; key: string; from: string; name: string; by?: string }
  | { kind: "person"; key: string; person: Person; resume?: string }
  /** `dropped`: their connection ended by itself (see {@linkcode ClusterEvents.dropped}). */
  | { kind: "gone"; key: string; reason: string; dropped?: true };

/** Someone connected here, as the other servers are told when they ask. */
export interface LocalPerson {
  readonly key: string;
  readonly name: string;
  readonly rooms: readonly string[];
  readonly person: Person;
  /** The digest of the token of their last welcome, as in {@linkcode RemotePerson}. */
  readonly resume?: string;
}

/** What an operator did to someone connected to another server, for that server to carry out. */
export type RemoteAct =
  | { kind: "kick"; by: string; reason?: string | undefined }
  | { kind: "op" | "deop" | "unmute"; by: string }
  /**
   * `address`: the operator's, `console` for the host's console; someone at
   * the operator's own address (for the console, the server machine's) is
   * muted by name alone, as on one server (absent from older servers).
   */
  | { kind: "mute"; by: string; duration?: number | undefined; address?: string }
  | { kind: "rename"; by: string; to: string };

/** The other servers, as a hub sees them. One implementation runs on NATS. */
export interface Cluster extends AsyncDisposable {
  /** This server's id, unique in the cluster. */
  readonly id: string;
  /** The people connected to the other servers. */
  readonly people: RemotePeople;
  /** Whether the link to the other servers is broken now. */
  readonly split: boolean;
  /**
   * The id of the newest message the cluster stored that this server never
   * read (older than those it reads back when it starts, or gone from the
   * cluster before it started), or 0 when it read every one: a replay after
   * a lower id may miss some.
   */
  readonly unread: number;
  /**
   * Starts taking part: every message stored so far reaches `events` before
   * this resolves, then the rest as it comes. `local` lists who is
   * connected here, for servers that ask.
   */
  start(events: ClusterEvents, local: () => LocalPerson[]): Promise<void>;
  /**
   * Sets where clients reach this server, told to the others: its chat port
   * (`host:port`) and, when it serves the web client, that page's URL. Until
   * then the others do not hear of this server at all: it is called once
   * every port listens, so that a server that cannot listen never joins.
   */
  advertise(address: string, web?: string): void;
  /** The addresses (`host:port`) where clients reach the other servers' chat ports. */
  servers(): string[];
  /** The URLs of the other servers' web clients (`http://host:port/`). */
  webServers(): string[];
  /**
   * Claims the name whose folded key is `key` for someone connected here,
   * atomically across the cluster. `resume` is the token the client gave, if
   * any: a name held elsewhere under that token is taken over. `next` is the
   * token the client is given now.
   */
  claim(key: string, name: string, resume: string | undefined, next: string): Promise<ClaimResult>;
  /** Lets go of a name claimed here, unless another server took it over since. */
  release(key: string): void;
  /**
   * What settles once the names of the people here are checked with the
   * others again, this server having stood still for long enough (its
   * heartbeat late now, or checking them already) that they may have taken
   * it for gone meanwhile; `undefined` when it did not. By then whoever's
   * name someone else took is let go ({@linkcode ClusterEvents.movedAway}),
   * and the others are told who is here.
   */
  settled(): Promise<void> | undefined;
  /**
   * Claims the name of `room` (normalised), which someone here is about to
   * enter, atomically across the cluster among its look-alikes (names
   * compared as core/names.ts compares them): resolves to the look-alike
   * that other servers hold the name of (`room` may not be opened then), or
   * `undefined` once this server holds it for `room`. During a split it
   * resolves at once to `undefined`, and claims it once the chat is whole.
   */
  claimRoom(room: string): Promise<string | undefined>;
  /** Lets go of the name of `room`: nobody here is in it any more. */
  releaseRoom(room: string): void;
  /**
   * The look-alike of `room` whose name the last claim of `room` found held
   * by other servers, for a few seconds after, unless this server holds
   * `room`'s since.
   */
  roomLike(room: string): string | undefined;
  /**
   * Stores a room message for the whole cluster; it comes back, numbered,
   * through {@linkcode ClusterEvents.message} on every server. Rejects when
   * it cannot be stored. Messages posted under the same `dedupe` within two
   * minutes are stored once. A message `shown` already (during a split) is
   * tried until the link is back, however long that takes. `handed`, for a
   * message not `shown`, is called once it has been handed to the hub here
   * (through {@linkcode ClusterEvents.message}, numbered or provisional), or
   * once the stream answers that it had it already: it is then not handed
   * again. Not called when the post rejects.
   */
  post(
    draft: MessageDraft,
    dedupe: string,
    shown?: boolean,
    handed?: () => void,
  ): Promise<void>;
  /**
   * During a split: an id for a message shown only here for now, above every
   * id seen and below every id the cluster gives later; `undefined` when
   * none is left until the link is back.
   */
  provisional(): number | undefined;
  /** A new message id, for a private message, unique and increasing across the cluster. */
  reserve(): Promise<number>;
  /** Hands a private message to the server of `toKey`. */
  deliver(frame: PrivateFrame, toKey: string): void;
  /** Tells the other servers of a change here. */
  tell(change: LocalChange): void;
  /** Keeps a note (see {@linkcode ClusterEvents.noted}) for every server; `undefined` forgets it. */
  note(kind: string, key: string, value: string | undefined): void;
  /** Sends `frame` to the people of `room` on the other servers. */
  relay(room: string, frame: ServerFrame): void;
  /**
   * Hands what an operator did to `key`, connected elsewhere, to that
   * person's server; `answered` receives what that server answers the
   * operator, if it refuses the act or it changes nothing (at most once, and
   * never from an older server).
   */
  act(key: string, act: RemoteAct, answered?: (frame: ServerFrame) => void): void;
  /**
   * Where the shared files of every server are kept, holding at most
   * `quotaBytes`: what one server took, the others serve too.
   */
  files(quotaBytes: number): Promise<FileMirror>;
}

/** The people connected to other servers, by key and by room. */
export class RemotePeople {
  readonly #byKey = new Map<string, RemotePerson>();
  readonly #byRoom = new Map<string, Map<string, RemotePerson>>();

  /** How many people are connected elsewhere. */
  get size(): number {
    return this.#byKey.size;
  }

  /** Everyone connected elsewhere. */
  all(): IterableIterator<RemotePerson> {
    return this.#byKey.values();
  }

  /** Whoever goes by the folded name `key` elsewhere. */
  byKey(key: string): RemotePerson | undefined {
    return this.#byKey.get(key);
  }

  /** The people of `room` elsewhere. */
  inRoom(room: string): Iterable<RemotePerson> {
    return this.#byRoom.get(room)?.values() ?? [];
  }

  /** How many people are in `room` elsewhere. */
  countIn(room: string): number {
    return this.#byRoom.get(room)?.size ?? 0;
  }

  /** The rooms someone elsewhere is in, with how many of them are there. */
  rooms(): IterableIterator<[string, number]> {
    return [...this.#byRoom].map(([room, people]): [string, number] => [room, people.size])
      .values();
  }

  /** Names elsewhere that start with the folded `prefix`, sorted. */
  namesStartingWith(prefix: string): string[] {
    const names: string[] = [];
    for (const [key, person] of this.#byKey) if (key.startsWith(prefix)) names.push(person.name);
    return names.sort();
  }

  /** Everyone connected to the server `server`. */
  of(server: string): RemotePerson[] {
    return [...this.#byKey.values()].filter((person) => person.server === server);
  }

  /** Takes `person` into `room`; `false` if they were there already. */
  enter(person: RemotePerson, room: string): boolean {
    this.#byKey.set(person.key, person);
    let people = this.#byRoom.get(room);
    if (people === undefined) this.#byRoom.set(room, people = new Map());
    if (people.has(person.key)) return false;
    people.set(person.key, person);
    if (!person.rooms.includes(room)) person.rooms.push(room);
    return true;
  }

  /** Takes the person of `key` out of `room`; `false` if they were not there. */
  leave(key: string, room: string): boolean {
    const person = this.#byKey.get(key);
    const people = this.#byRoom.get(room);
    if (person === undefined || people?.delete(key) !== true) return false;
    if (people.size === 0) this.#byRoom.delete(room);
    person.rooms.splice(person.rooms.indexOf(room), 1);
    return true;
  }

  /** Renames the person of `from` to `name`, whose key is `key`. */
  rename(from: string, key: string, name: string): RemotePerson | undefined {
    const before = this.#byKey.get(from);
    if (before === undefined) return undefined;
    const after: RemotePerson = { ...before, key, name, person: { ...before.person, name } };
    this.#byKey.delete(from);
    this.#byKey.set(key, after);
    for (const room of after.rooms) {
      const people = this.#byRoom.get(room);
      people?.delete(from);
      people?.set(key, after);
    }
    return after;
  }

  /** Forgets the person of `key`, out of every room. */
  forget(key: string): RemotePerson | undefined {
    const person = this.#byKey.get(key);
    if (person === undefined) return undefined;
    for (const room of [...person.rooms]) this.leave(key, room);
    this.#byKey.delete(key);
    return person;
  }
}
