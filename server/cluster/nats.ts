/**
 * A {@linkcode Cluster} on NATS: the servers of one chat share a JetStream
 * stream of room messages (its sequence numbers are the message ids, so
 * every server sees every room in one order), a key-value bucket of claimed
 * names (names.ts), and plain NATS subjects for what is not kept: who is
 * where and each server's heartbeat (roster.ts), and private messages.
 *
 * Subjects, all under `chat.`:
 * - `chat.m.<room in hex>`: room messages, in the stream `CHAT`.
 * - `chat.id`: ids given to private messages, in the stream, with no text.
 * - `chat.alive`: each server's heartbeat, every {@linkcode ALIVE_MS}.
 * - `chat.presence`: who entered, left, was renamed or changed, numbered per server.
 * - `chat.snapshot` / `chat.resync`: a server's whole roster, and asking for it.
 * - `chat.pm`: private messages, for the server of their receiver.
 * - `chat.room`: frames for a room's people on every server (topics, operators' notices).
 * - `chat.act`: what an operator did to someone, for the server they are on.
 * - `chat.answer`: what that server answers the operator, for the operator's server.
 *
 * Bans, mutes and room settings are kept in the key-value bucket
 * `chat-notes` (notes.ts); the names of the rooms people are in in
 * `chat-rooms` (rooms.ts); shared files in the object store `chat-files`
 * (files.ts).
 *
 * When NATS comes back without its store, each server makes the stream and
 * the buckets anew, claims its people's names again and writes back the
 * notes it knows; the stream then numbers from above every id seen before.
 *
 * @module
 */

import { atMost } from "../limits.ts";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import {
  type ConsumerMessages,
  DeliverPolicy,
  jetstream,
  type JetStreamClient,
  jetstreamManager,
  type JsMsg,
  type StreamInfo,
} from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";
import type { FileMirror } from "../files/mirror.ts";
import { FILES_BUCKET, NatsFileMirror } from "./files.ts";
import type { MessageFrame, PrivateFrame, ServerFrame } from "../../protocol.ts";
import {
  type ClaimResult,
  type Cluster,
  type ClusterEvents,
  type LocalChange,
  type LocalPerson,
  type MessageDraft,
  type RemoteAct,
  RemotePeople,
} from "../hub/cluster.ts";
import { NameClaims, NAMES_BUCKET } from "./names.ts";
import { RoomClaims, ROOMS_BUCKET } from "./rooms.ts";
import { ClusterNotes, NOTES_BUCKET } from "./notes.ts";
import { hexKey, textOfHexKey } from "./keys.ts";
import { OrderedPublisher } from "./publisher.ts";
import { type Keeping, makeStream, STREAM } from "./stream.ts";
import { formatSpan } from "../../core/duration.ts";
import { type Alive, ALIVE_MS, GONE_AFTER_MS, Roster, type Snapshot, type Told } from "./roster.ts";

/**
 * How far above the last sequence it applied a server numbers a stream it
 * makes anew: another server may have applied a few more before NATS went.
 */
const RENUMBER_MARGIN = 10_000;
/** The least time between two checks of the store after failed writes, in ms. */
const CHECK_EVERY_MS = 1_000;
/** The pause before the store is checked again after a check that failed, in ms. */
const RECHECK_MS = 500;
/**
 * The longest what another server tells of its people waits, in ms, for the
 * stream to reach here the messages its people were sent before.
 */
const CATCH_UP_MS = 2_000;
/** The longest each step of closing the link waits, in ms. */
const CLOSE_MS = 2_000;
/**
 * How long an operator's act waits for its answer from the server that
 * carries it out, in ms: one that gets none (an older server, someone gone
 * meanwhile) is forgotten after.
 */
const ANSWER_MS = 30_000;

/** Most messages a server reads back from the stream when it starts. */
const CATCH_UP = 100_000;
/** How long a message is retried while NATS does not answer, before the sender is told. */
const POST_PATIENCE_MS = 60_000;
/**
 * Message ids are stream sequence numbers times this: the ids between two
 * of them are for messages shown on one server during a split.
 */
export const ID_SCALE = 1_000_000;

/** Where and how to reach NATS, and what the stream keeps. */
export interface NatsClusterOptions {
  /** NATS URLs, such as `nats://10.0.0.5:4222`. */
  readonly urls: readonly string[];
  /** User and password NATS asks for. */
  readonly user?: string | undefined;
  readonly pass?: string | undefined;
  /** Token NATS asks for. */
  readonly token?: string | undefined;
  /** What a NATS credentials file (`.creds`) holds. */
  readonly creds?: Uint8Array | undefined;
  /** CA certificate (PEM) to check NATS's TLS certificate with. */
  readonly ca?: string | undefined;
  /** This server's name, shown by NATS's monitoring. */
  readonly name: string;
  /** Keep messages this many ms at most. @default {forever} */
  readonly maxAgeMs?: number | undefined;
  /** Keep at most this many messages. @default {no limit} */
  readonly maxMessages?: number | undefined;
  /** Receives one line per change of the link. */
  readonly log: (line: string) => void;
}

const decoder = new TextDecoder();

/** Whether `stream` keeps messages as `keeping` asks. */
function keepsAsAsked(stream: StreamInfo, keeping: Keeping): boolean {
  return stream.config.max_age === (keeping.maxAgeMs ?? 0) * 1_000_000 &&
    Math.max(stream.config.max_msgs, 0) === (keeping.maxMessages ?? 0);
}

/** What `stream` keeps, in words: `every message`, `messages for 30 d`, `the last 100 messages`. */
function keptBy(stream: StreamInfo): string {
  const ageMs = stream.config.max_age / 1_000_000;
  const count = stream.config.max_msgs;
  const age = ageMs > 0 ? `messages for ${formatSpan(ageMs)}` : undefined;
  const last = count > 0 ? `the last ${count} messages` : undefined;
  if (age !== undefined && last !== undefined) return `${age}, at most ${count} of them`;
  return age ?? last ?? "every message";
}

/** The servers of a chat, linked through NATS. */
export class NatsCluster implements Cluster {
  readonly id: string = crypto.randomUUID();
  readonly people: RemotePeople = new RemotePeople();
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #kv: KV;
  readonly #notes: ClusterNotes;
  readonly #keeping: Keeping;
  readonly #claims: NameClaims;
  readonly #roomClaims: RoomClaims;
  /** Rooms entered here while split, whose names are claimed once the chat is whole. */
  readonly #unclaimedRooms = new Set<string>();
  readonly #publisher: OrderedPublisher;
  readonly #log: (line: string) => void;
  readonly #roster: Roster;
  /** What runs as long as the link: watches and the stream's reader. */
  readonly #loops: Promise<unknown>[] = [];
  /** One-off writes still on their way (names let go, notes), until each settles. */
  readonly #errands = new Set<Promise<unknown>>();
  #events: ClusterEvents | undefined;
  #local: () => LocalPerson[] = () => [];
  #split = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** When this server joined, from `performance.now()`. */
  readonly #started = performance.now();
  #closed = false;
  /** The last stream sequence applied. */
  #applied = 0;
  /** The last stream sequence stored before this server started that it did not read. */
  #unread = 0;
  /** Provisional ids given since the last one applied. */
  #provisional = 0;
  /** The `dedupe` of each message shown here during a split, until the stream has it. */
  readonly #shown = new Set<string>();
  /**
   * What to call once each message posted here is handed to the hub, by
   * `dedupe` (see `Cluster.post`).
   */
  readonly #handing = new Map<string, () => void>();
  /** Messages posted here and not acknowledged yet, by `dedupe`, oldest first. */
  readonly #onTheirWay = new Map<string, MessageDraft>();
  /** When each stream (the messages', the buckets') in NATS was made, as last seen. */
  readonly #made: Map<string, string>;
  /** The files quota, once the shared files are kept in NATS. */
  #filesQuota: number | undefined;
  /** The reader of the stream now; each new one has a new number, and the older stop applying. */
  #reader: { readonly generation: number; readonly messages: ConsumerMessages } | undefined;
  #generation = 0;
  /**
   * What other servers told that waits for the stream to reach here what
   * they had applied when they told it, by server: whatever else a server
   * tells waits behind it, in order. Each waits {@linkcode CATCH_UP_MS} at most.
   */
  readonly #behind = new Map<
    string,
    {
      readonly waiting: { applied: number; run: () => void }[];
      readonly timer: ReturnType<typeof setTimeout>;
    }
  >();
  /**
   * What receives the answer to each operator's act sent from here, by the
   * number the act carries, with when it was sent, oldest first.
   */
  readonly #asked = new Map<
    number,
    { readonly answered: (frame: ServerFrame) => void; readonly at: number }
  >();
  #lastAsked = 0;
  /** The watch of the claimed names now. */
  #claimsWatch: { stop(): void } | undefined;
  /**
   * Set while the names of the people here are checked, this server having
   * stood still: it tells the others who is here once they are.
   */
  #rechecking: Promise<void> | undefined;
  /** Set while the link comes back: the store is checked before the chat is whole again. */
  #recovering = false;
  /** The check of the store running, and when the last one began. */
  #checking: Promise<void> | undefined;
  #checked = 0;

  private constructor(
    nc: NatsConnection,
    buckets: { names: KV; notes: KV; rooms: KV },
    options: { keeping: Keeping; log: (line: string) => void; made: Map<string, string> },
  ) {
    const { names: kv, notes } = buckets;
    const { log } = options;
    this.#nc = nc;
    this.#js = jetstream(nc);
    this.#kv = kv;
    this.#notes = new ClusterNotes(notes, {
      log,
      errand: (errand) => this.#errand(errand),
      whole: () => !this.#split && !this.#recovering,
    });
    this.#keeping = options.keeping;
    this.#made = options.made;
    this.#claims = new NameClaims(kv, this.id, (server) => this.#isAlive(server));
    this.#roomClaims = new RoomClaims(buckets.rooms, this.id, (server) => this.#isAlive(server));
    this.#publisher = new OrderedPublisher(this.#js, POST_PATIENCE_MS, {
      failed: () => this.#checkSoon(),
    });
    this.#roster = new Roster({
      id: this.id,
      people: this.people,
      publish: (subject, value) => nc.publish(subject, JSON.stringify(value)),
      events: () => this.#events,
      local: () => this.#local(),
      applied: () => this.#applied,
      gone: (server, keys) => this.#errand(this.#claims.releaseFor(server, keys)),
      stood: (ms) => this.#stood(ms),
      log,
    });
    this.#log = log;
  }

  /** Connects to NATS and makes the stream and the bucket if they are not there yet. */
  static async connect(options: NatsClusterOptions): Promise<NatsCluster> {
    const auth = options.creds === undefined
      ? {}
      : { authenticator: credsAuthenticator(options.creds) };
    const nc = await connect({
      servers: [...options.urls],
      name: options.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      // A link that dies without a word is noticed within 10 s, not NATS's 2 minutes.
      pingInterval: 5_000,
      maxPingOut: 2,
      waitOnFirstConnect: false,
      ...auth,
      ...(options.user === undefined ? {} : { user: options.user, pass: options.pass ?? "" }),
      ...(options.token === undefined ? {} : { token: options.token }),
      // The client takes a tls:// URL for a plain one if NATS offers no TLS: asking
      // for TLS outright makes such a NATS a refusal, never a link in the clear.
      ...(options.ca !== undefined
        ? { tls: { ca: options.ca } }
        : options.urls.some((url) => url.startsWith("tls://"))
        ? { tls: {} }
        : {}),
    });
    try {
      const jsm = await jetstreamManager(nc);
      const keeping = { maxAgeMs: options.maxAgeMs, maxMessages: options.maxMessages };
      const made = new Map<string, string>();
      const stream = await makeStream(jsm, keeping, 1);
      made.set(STREAM, stream.created);
      const asked = keeping.maxAgeMs !== undefined || keeping.maxMessages !== undefined;
      if (asked && !keepsAsAsked(stream, keeping)) {
        options.log(
          `--retain is not applied: the cluster's stream, made by the first server, keeps ` +
            `${keptBy(stream)}; "nats stream edit ${STREAM}" changes that for every server`,
        );
      }
      const kvm = new Kvm(nc);
      const names = await kvm.create(NAMES_BUCKET, { history: 1 });
      const notes = await kvm.create(NOTES_BUCKET, { history: 1 });
      const rooms = await kvm.create(ROOMS_BUCKET, { history: 1 });
      for (const bucket of [NAMES_BUCKET, NOTES_BUCKET, ROOMS_BUCKET]) {
        made.set(`KV_${bucket}`, (await jsm.streams.info(`KV_${bucket}`)).created);
      }
      return new NatsCluster(nc, { names, notes, rooms }, { keeping, log: options.log, made });
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  /**
   * Whether `server` runs, as far as this one knows: itself, one it hears,
   * or any while it has not yet had the time to hear them all.
   */
  #isAlive(server: string): boolean {
    if (server === this.id || this.#roster.hears(server) || this.#split) return true;
    return performance.now() - this.#started < GONE_AFTER_MS;
  }

  get split(): boolean {
    return this.#split;
  }

  get unread(): number {
    return this.#unread * ID_SCALE;
  }

  /**
   * Starts taking part: reads the stream's messages back into the hub, then
   * follows the others. Resolves once the hub has every message stored so far.
   */
  async start(events: ClusterEvents, local: () => LocalPerson[]): Promise<void> {
    this.#events = events;
    this.#local = local;
    const nc = this.#nc;
    const roster = this.#roster;
    // Someone's `left` comes after the messages their server sent before it, here too.
    this.#on<Alive>(
      "chat.alive",
      (alive) => this.#inOrder(alive.server, 0, () => roster.alive(alive)),
    );
    this.#on<Told>(
      "chat.presence",
      (told) => this.#inOrder(told.server, told.applied ?? 0, () => roster.presence(told)),
    );
    this.#on<Snapshot>(
      "chat.snapshot",
      (snapshot) => this.#inOrder(snapshot.server, 0, () => roster.snapshot(snapshot)),
    );
    this.#on<{ of: string }>("chat.resync", ({ of }) => {
      if (of === this.id || of === "*") this.#sendSnapshot();
    });
    this.#on<{ server: string; room: string; frame: ServerFrame }>(
      "chat.room",
      ({ server, room, frame }) => {
        if (server !== this.id) this.#events?.relayed(room, frame);
      },
    );
    // `ask`: where the operator's server wants the answer (absent from older servers).
    this.#on<{ key: string; act: RemoteAct; ask?: { server: string; id: number } }>(
      "chat.act",
      ({ key, act, ask }) => {
        const answer = ask === undefined
          ? undefined
          : (frame: ServerFrame) =>
            this.#nc.publish("chat.answer", JSON.stringify({ ...ask, frame }));
        this.#events?.acted(key, act, answer);
      },
    );
    this.#on<{ server: string; id: number; frame: ServerFrame }>(
      "chat.answer",
      ({ server, id, frame }) => {
        if (server !== this.id) return;
        const asked = this.#asked.get(id);
        this.#asked.delete(id);
        asked?.answered(frame);
      },
    );
    this.#on<{ frame: PrivateFrame; to: string }>(
      "chat.pm",
      ({ frame, to }) => this.#events?.private(frame, to),
    );
    this.#loops.push(this.#watchStatus());
    await this.#watchClaims();
    await this.#readNotes();
    await this.#follow(true);
    nc.publish("chat.resync", JSON.stringify({ of: "*" }));
    this.#beat();
    this.#timer = setInterval(() => this.#beat(), ALIVE_MS);
  }

  /**
   * Handles each JSON message on `subject`; one that cannot be read or
   * handled is logged and dropped, never fatal.
   */
  #on<T>(subject: string, handle: (value: T) => void): void {
    this.#nc.subscribe(subject, {
      callback: (_, msg) => {
        try {
          handle(msg.json<T>());
        } catch (error) {
          this.#log(`Dropped a message on ${subject}: ${(error as Error).message}`);
        }
      },
    });
  }

  /**
   * Runs what `server` told once this server has applied the stream up to
   * `applied`, and after whatever else it told that waits.
   */
  #inOrder(server: string, applied: number, run: () => void): void {
    const behind = this.#behind.get(server);
    if (behind !== undefined) return void behind.waiting.push({ applied, run });
    if (applied <= this.#applied) return run();
    const timer = setTimeout(() => this.#catchUp(server), CATCH_UP_MS);
    this.#behind.set(server, { waiting: [{ applied, run }], timer });
  }

  /** Runs what waits and the stream has reached now, and everything `late` told. */
  #catchUp(late?: string): void {
    for (const [server, behind] of this.#behind) {
      const { waiting } = behind;
      while (waiting.length > 0 && (server === late || waiting[0]!.applied <= this.#applied)) {
        try {
          waiting.shift()!.run();
        } catch (error) {
          this.#log(`Dropped news of another server: ${(error as Error).message}`);
        }
      }
      if (waiting.length > 0) continue;
      clearTimeout(behind.timer);
      this.#behind.delete(server);
    }
  }

  /**
   * Sets where clients reach this server, told to the others: from now on
   * they hear of it, its heartbeat and who is connected here.
   */
  advertise(address: string, web?: string): void {
    this.#roster.advertise(address, web);
    this.#beat();
  }

  servers(): string[] {
    return this.#roster.servers();
  }

  webServers(): string[] {
    return this.#roster.webServers();
  }

  claim(key: string, name: string, resume: string | undefined, next: string): Promise<ClaimResult> {
    return this.#claims.claim(key, name, resume, next).catch((error) => {
      this.#checkSoon();
      throw error;
    });
  }

  release(key: string): void {
    this.#errand(this.#claims.release(key));
  }

  settled(): Promise<void> | undefined {
    // Its timer may not have run yet: the heartbeat due finds that this server stood still.
    if (this.#rechecking === undefined && !this.#split && this.#roster.late) this.#beat();
    return this.#rechecking;
  }

  claimRoom(room: string): Promise<string | undefined> {
    if (this.#split) {
      this.#unclaimedRooms.add(room);
      return Promise.resolve(undefined);
    }
    return this.#roomClaims.claim(room).catch((error) => {
      this.#checkSoon();
      throw error;
    });
  }

  releaseRoom(room: string): void {
    this.#unclaimedRooms.delete(room);
    this.#errand(this.#roomClaims.release(room));
  }

  roomLike(room: string): string | undefined {
    return this.#roomClaims.refusal(room);
  }

  /** Claims the names of the rooms entered here while split, saying which a look-alike took. */
  async #claimUnclaimedRooms(): Promise<void> {
    const rooms = [...this.#unclaimedRooms];
    this.#unclaimedRooms.clear();
    for (const room of rooms) {
      const like = await this.#roomClaims.claim(room).catch(() => undefined);
      if (like !== undefined) {
        this.#log(
          `${room} was opened here while split, though ${like}, a look-alike, holds its name`,
        );
      }
    }
  }

  async post(
    draft: MessageDraft,
    dedupe: string,
    shown = false,
    handed?: () => void,
  ): Promise<void> {
    if (shown) this.#shown.add(dedupe);
    else this.#onTheirWay.set(dedupe, draft);
    if (!shown && handed !== undefined) {
      const before = this.#handing.get(dedupe);
      this.#handing.set(dedupe, before === undefined ? handed : () => (before(), handed()));
    }
    try {
      const duplicate = await this.#publisher.publish(
        `chat.m.${hexKey(draft.room)}`,
        JSON.stringify(draft),
        dedupe,
        shown,
      );
      // Stored before under its id, it is not stored again, so never handed to the hub.
      if (duplicate) this.#handed(dedupe);
    } catch (error) {
      this.#shown.delete(dedupe);
      this.#handing.delete(dedupe);
      throw error;
    } finally {
      this.#onTheirWay.delete(dedupe);
    }
  }

  /** Says that the message posted here under `dedupe` was handed to the hub. */
  #handed(dedupe: string): void {
    const handed = this.#handing.get(dedupe);
    if (handed === undefined) return;
    this.#handing.delete(dedupe);
    handed();
  }

  provisional(): number | undefined {
    if (this.#provisional + 1 >= ID_SCALE) return undefined;
    return this.#applied * ID_SCALE + ++this.#provisional;
  }

  async reserve(): Promise<number> {
    const ack = await this.#js.publish("chat.id", "", { timeout: 2_000 }).catch((error) => {
      this.#checkSoon();
      throw error;
    });
    return ack.seq * ID_SCALE;
  }

  deliver(frame: PrivateFrame, toKey: string): void {
    this.#nc.publish("chat.pm", JSON.stringify({ frame, to: toKey }));
  }

  tell(change: LocalChange): void {
    this.#roster.tell(change);
  }

  note(kind: string, key: string, value: string | undefined): void {
    this.#notes.write(kind, key, value);
  }

  async files(quotaBytes: number): Promise<FileMirror> {
    const store = await new Objm(this.#nc).create(FILES_BUCKET, { max_bytes: quotaBytes });
    this.#filesQuota = quotaBytes;
    return new NatsFileMirror(store);
  }

  act(key: string, act: RemoteAct, answered?: (frame: ServerFrame) => void): void {
    if (answered === undefined) {
      this.#nc.publish("chat.act", JSON.stringify({ key, act }));
      return;
    }
    const now = performance.now();
    for (const [id, asked] of this.#asked) {
      if (now - asked.at < ANSWER_MS) break;
      this.#asked.delete(id);
    }
    const id = ++this.#lastAsked;
    this.#asked.set(id, { answered, at: now });
    this.#nc.publish("chat.act", JSON.stringify({ key, act, ask: { server: this.id, id } }));
  }

  relay(room: string, frame: ServerFrame): void {
    this.#nc.publish("chat.room", JSON.stringify({ server: this.id, room, frame }));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#loops.push(this.#notes.close());
    for (const behind of this.#behind.values()) clearTimeout(behind.timer);
    this.#behind.clear();
    this.#publisher.close();
    // The names held here are free again, and the others need not wait for silence.
    this.#errand(this.#claims.releaseAll());
    this.#errand(this.#roomClaims.releaseAll());
    // A server that never listened was never heard of: it leaves without a word.
    if (this.#roster.advertised) {
      this.#nc.publish("chat.alive", JSON.stringify({ server: this.id, gone: true }));
    }
    await atMost(Promise.allSettled(this.#errands), CLOSE_MS);
    // Closing the connection ends the watches and the stream's reader.
    await atMost(this.#nc.drain().catch(() => {}), CLOSE_MS);
    if (!this.#nc.isClosed()) await this.#nc.close().catch(() => {});
    await atMost(Promise.allSettled(this.#loops), CLOSE_MS);
  }

  /** Keeps `errand` until it settles, so that closing waits for it. */
  #errand(errand: Promise<unknown>): void {
    const kept = errand.catch(() => {}).finally(() => this.#errands.delete(kept));
    this.#errands.add(kept);
  }

  /** Says this server is alive, and takes for gone those not heard from. */
  #beat(): void {
    if (!this.#closed) this.#roster.beat(this.#split);
  }

  /** Tells the others who is here, once the names of the people here are checked if they are. */
  #sendSnapshot(): void {
    if (this.#closed) return;
    if (this.#rechecking === undefined) return this.#roster.sendSnapshot();
    this.#rechecking.then(() => this.#sendSnapshot());
  }

  /**
   * This server stood still for `ms`: the others, which went on, may have
   * taken it for gone and let its people's names go, and someone may have
   * taken one. Their silence meanwhile is not taken for their going away
   * (see `Roster.beat`); the names held here are checked, and taken again
   * where free, before the others are told who is here; whoever's name
   * another server holds now is let go.
   */
  #stood(ms: number): void {
    this.#log(
      `This server stood still for ${formatSpan(ms)}: no other server is taken for gone for ` +
        "that, and the names of its people are checked in the cluster",
    );
    this.#errand(this.#recheckNames());
  }

  /**
   * Checks the names of the people here in the bucket, once at a time (see
   * `NameClaims.recheck`): the others may have taken this server for gone
   * meanwhile. Whoever's name someone else holds now is let go, then the
   * others are told who is here.
   */
  #recheckNames(): Promise<void> {
    this.#rechecking ??= this.#claims.recheck().then((lost) => {
      for (const { key, moved, server } of lost) this.#events?.movedAway(key, !moved, server);
      // The others may have taken them for gone: they see them back before anything they said
      // meanwhile, which waited for this (see `settled`).
      if (!this.#closed) this.#roster.sendSnapshot();
    }).catch((error) => {
      this.#log(`Cannot check the names of this server's people: ${(error as Error).message}`);
      this.#checkSoon();
    }).finally(() => this.#rechecking = undefined);
    return this.#rechecking;
  }

  /**
   * Reads the stream, for as long as the link lasts: at `start`, its last
   * messages, and resolves once they are applied; else from the one after
   * the last applied, at once.
   */
  async #follow(start = false): Promise<void> {
    const jsm = await jetstreamManager(this.#nc);
    const { state } = await jsm.streams.info(STREAM);
    const from = start
      ? Math.max(state.first_seq, state.last_seq - CATCH_UP + 1, 1)
      : Math.max(state.first_seq, this.#applied + 1);
    // Read at start from further on than the first: what came before is not known here.
    if (start) this.#unread = from - 1;
    const consumer = await this.#js.consumers.get(STREAM, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: from,
    });
    // Short pulls: after NATS restarts, a pull made before it may never be answered.
    const messages = await consumer.consume({ expires: 2_000 });
    const generation = ++this.#generation;
    this.#reader = { generation, messages };
    let caughtUp: () => void = () => {};
    const ready = new Promise<void>((resolve) => caughtUp = resolve);
    if (state.last_seq < from || !start) caughtUp();
    this.#loops.push((async () => {
      for await (const message of messages) {
        if (this.#closed || generation !== this.#generation) break;
        this.#apply(message);
        if (message.seq >= state.last_seq) caughtUp();
      }
    })());
    this.#loops.push(this.#closedPromise().then(() => messages.close()));
    await ready;
  }

  /** Stops the reader of the stream: what it reads from now on is not applied. */
  #stopReading(): void {
    const reader = this.#reader;
    this.#reader = undefined;
    this.#generation++;
    reader?.messages.close().catch(() => {});
  }

  #closedPromise(): Promise<void> {
    return this.#nc.closed().then(() => {});
  }

  /** Hands one stream message to the hub. */
  #apply(message: JsMsg): void {
    if (message.seq <= this.#applied) return;
    this.#applied = message.seq;
    this.#provisional = 0;
    if (message.subject === "chat.id") return;
    try {
      const draft = JSON.parse(decoder.decode(message.data)) as MessageDraft;
      const frame = { ...draft, id: message.seq * ID_SCALE } as MessageFrame;
      const dedupe = message.headers?.get("Nats-Msg-Id") ?? "";
      this.#events?.message(frame, this.#shown.delete(dedupe) ? "shown" : "stored");
      this.#handed(dedupe);
    } catch (error) {
      this.#log(`Cannot read message ${message.seq} of the stream: ${(error as Error).message}`);
    }
    if (this.#behind.size > 0) this.#catchUp();
  }

  /** Hands the hub every note kept so far, then each one written later, as long as the link lasts. */
  #readNotes(): Promise<void> {
    return this.#notes.watch((kind, key, value) => this.#events?.noted(kind, key, value));
  }

  /**
   * Watches the claims of names, for as long as the link lasts: lets go of
   * names this server held that a client took back on another server.
   */
  async #watchClaims(): Promise<void> {
    this.#claimsWatch?.stop();
    const watch = await this.#kv.watch({ include: "updates" });
    this.#claimsWatch = watch;
    this.#loops.push(this.#closedPromise().then(() => watch.stop()));
    this.#loops.push((async () => {
      for await (const entry of watch) {
        if (entry.operation !== "PUT") continue;
        const value = decoder.decode(entry.value);
        const key = textOfHexKey(entry.key);
        if (key === undefined) continue;
        const taken = this.#claims.takenOver(key, value);
        if (taken !== undefined) this.#events?.movedAway(key, !taken.moved, taken.server);
      }
    })());
  }

  /**
   * As a split begins, shows the people here the messages posted here that
   * the stream has not acknowledged, in order, before any posted later.
   */
  #showWaiting(): void {
    this.#publisher.keepAll();
    for (const [dedupe, draft] of this.#onTheirWay) {
      const id = this.provisional();
      if (id === undefined) return;
      this.#onTheirWay.delete(dedupe);
      this.#shown.add(dedupe);
      this.#events?.message({ ...draft, id } as MessageFrame, "provisional");
      this.#handed(dedupe);
    }
  }

  /** Tells the hub when the link breaks and comes back. */
  async #watchStatus(): Promise<void> {
    for await (const status of this.#nc.status()) {
      // What was on its way may be lost: it all goes again, in order, once the link is back.
      if (status.type === "disconnect") this.#publisher.lost();
      if (status.type === "reconnect") this.#publisher.back();
      if (status.type === "disconnect" && !this.#split) {
        this.#split = true;
        this.#showWaiting();
        this.#log("Lost the link to NATS: the cluster is split");
        this.#events?.split(true);
      } else if (status.type === "reconnect" && this.#split && !this.#recovering) {
        this.#log("The link to NATS is back");
        this.#recovering = true;
        // What the reader reads from now on may be of a stream made anew: a new one reads it.
        this.#stopReading();
        this.#loops.push(this.#rejoin().finally(() => this.#recovering = false));
      }
    }
  }

  /**
   * Once the link is back: checks the store (until a check succeeds), reads
   * the stream again from where this server was, then the chat is whole.
   */
  async #rejoin(): Promise<void> {
    while (!this.#closed) {
      try {
        await this.#checkStore();
        if (this.#reader === undefined) await this.#follow();
        break;
      } catch (error) {
        if (this.#closed) return;
        this.#log(`Cannot check the stream and buckets in NATS: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, RECHECK_MS));
      }
    }
    if (this.#closed) return;
    // Names let go while split are still claimed in NATS: free them now.
    this.#errand(this.#claims.releaseLetGo());
    this.#errand(this.#roomClaims.releaseLetGo());
    // And the rooms opened here meanwhile are this server's to hold.
    this.#errand(this.#claimUnclaimedRooms());
    // Silent for the others while split, this server may have been taken for gone, and the
    // names of its people let go: they are claimed again, unless someone else took one.
    await this.#recheckNames();
    // Bans, topics and locks made here while split: every server holds them from now on.
    await this.#notes.writeUnwritten();
    this.#split = false;
    this.#roster.back();
    this.#events?.split(false);
    this.#nc.publish("chat.resync", JSON.stringify({ of: "*" }));
  }

  /** Checks the store soon after a failed write, unless a check runs or ran just now. */
  #checkSoon(): void {
    if (this.#closed || this.#split || this.#checking !== undefined) return;
    if (performance.now() - this.#checked < CHECK_EVERY_MS) return;
    this.#checkStore().catch((error) =>
      this.#log(`Cannot check the stream and buckets in NATS: ${error.message}`)
    );
  }

  /** Checks the store, one check at a time. */
  #checkStore(): Promise<void> {
    this.#checking ??= this.#repairStore().finally(() => this.#checking = undefined);
    return this.#checking;
  }

  /**
   * Makes anew what NATS lost of the chat's store (its stream, its buckets),
   * numbering the stream from above every id seen, and takes up what was
   * made anew, whichever server made it: reads the stream again from its
   * start, claims the names held here again, writes back the notes known
   * here, and watches the buckets again.
   */
  async #repairStore(): Promise<void> {
    this.#checked = performance.now();
    const nc = this.#nc;
    const jsm = await jetstreamManager(nc);
    const kvm = new Kvm(nc);
    /** Whether `stream` was made since this server last saw it. */
    const renewed = (stream: string, info: StreamInfo): boolean => {
      const before = this.#made.get(stream);
      this.#made.set(stream, info.created);
      return before !== undefined && before !== info.created;
    };
    const made: string[] = [];
    // Made anew, the stream numbers from well above what this server applied.
    const stream = await makeStream(jsm, this.#keeping, this.#applied + RENUMBER_MARGIN + 1);
    if (renewed(STREAM, stream)) {
      made.push("the stream of room messages");
      this.#stopReading();
      if (stream.state.first_seq <= this.#applied) {
        // Made by a server that had applied less: ids start again lower than some seen.
        this.#log(
          `The stream made anew numbers from ${stream.state.first_seq}, below the last ` +
            `message applied here (${this.#applied}): some clients may miss messages`,
        );
        this.#applied = stream.state.first_seq - 1;
        this.#provisional = 0;
      }
    }
    await kvm.create(NAMES_BUCKET, { history: 1 });
    if (renewed(`KV_${NAMES_BUCKET}`, await jsm.streams.info(`KV_${NAMES_BUCKET}`))) {
      made.push("the names");
      for (const key of await this.#claims.restore()) {
        this.#log(`Cannot claim the name "${key}" again: another server claimed it first`);
      }
      await this.#watchClaims();
    }
    await kvm.create(ROOMS_BUCKET, { history: 1 });
    if (renewed(`KV_${ROOMS_BUCKET}`, await jsm.streams.info(`KV_${ROOMS_BUCKET}`))) {
      made.push("the names of rooms");
      for (const room of await this.#roomClaims.restore()) {
        this.#log(`Cannot claim the room ${room} again: another server claimed a look-alike first`);
      }
    }
    await kvm.create(NOTES_BUCKET, { history: 1 });
    if (renewed(`KV_${NOTES_BUCKET}`, await jsm.streams.info(`KV_${NOTES_BUCKET}`))) {
      made.push("the notes");
      await this.#notes.restore();
      await this.#readNotes();
    }
    if (this.#filesQuota !== undefined) {
      await new Objm(nc).create(FILES_BUCKET, { max_bytes: this.#filesQuota });
      const files = await jsm.streams.info(`OBJ_${FILES_BUCKET}`);
      if (renewed(`OBJ_${FILES_BUCKET}`, files)) made.push("the shared files");
    }
    if (made.length > 0) {
      const list = made.length === 1
        ? made[0]
        : `${made.slice(0, -1).join(", ")} and ${made.at(-1)}`;
      this.#log(
        `NATS lost its store: made anew ${list} (history kept only in NATS is gone); ` +
          `message ids go on from ${
            Math.max(stream.state.first_seq, this.#applied + 1) * ID_SCALE
          }`,
      );
    }
    if (this.#reader === undefined && !this.#split) await this.#follow();
  }
}
