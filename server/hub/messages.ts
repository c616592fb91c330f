/**
 * Messages: posting to a room, private messages, recognising a message sent
 * again under a client message id (`cid`) it already used, and reading a
 * room's messages back with `history` and `search`.
 *
 * With a store that writes a group of messages for little more than one
 * (a file: see `HistoryStore.appendAll`), the room messages of a turn of the
 * event loop wait, numbered, and are stored together, then sent: each is
 * still stored before anyone sees it, and nobody waits for one write per
 * message. Whatever else the hub answers or reads goes after them
 * ({@linkcode Messages.flush}).
 *
 * @module
 */

import {
  countLines,
  type ErrorCode,
  type FileFrame,
  type FileRef,
  MAX_TEXT_BYTES,
  MAX_TEXT_LINES,
  type MessageFrame,
  type PrivateFrame,
  tooLongMessage,
  tooManyLinesMessage,
  utf8Length,
} from "../../protocol.ts";
import { cleanFileName, filePath, fileSummary, isFileId } from "../../core/files.ts";
import { nameKey } from "../../core/names.ts";
import { cleanMessage, quoteTyped } from "../../core/sanitize.ts";
import type { HistoryStore } from "../history/store.ts";
import { replay } from "../replay.ts";
import {
  MAX_PREFIX_WORDS,
  MAX_SEARCH_RESULTS,
  parseSearch,
  SEARCH_BURST,
  SearchPace,
  type SearchQuery,
  type SearchResult,
  SearchShare,
  SearchSlots,
} from "../history/search.ts";
import { framesOf, type Session } from "../session.ts";
import { grouped, inform, type Member, type Members, refuse } from "./members.ts";
import type { SharedFiles } from "./shared_files.ts";
import { broadcast, type Room } from "./rooms.ts";
import type { Cluster, RemotePerson } from "./cluster.ts";
import { PacedLog, seconds } from "../paced_log.ts";

/** What {@linkcode Messages} needs. */
export interface MessagesOptions {
  /** Where room messages are kept. */
  readonly history: HistoryStore;
  /** Everyone connected, to find the one a private message is for. */
  readonly members: Members;
  /** Lowest id to number from, when the store has none higher. */
  readonly firstId: number;
  /**
   * Receives a line for a message that could not be stored, the first of a
   * run, then a count at most once a minute.
   */
  readonly log: (line: string) => void;
  /** The shared files, when the server takes them. */
  readonly files: SharedFiles | undefined;
  /** Why a member may not talk now, if it is muted. */
  readonly muted: (member: Member) => { code: ErrorCode; message: string } | undefined;
  /** Tells a sender, once, that the person it writes to (here or on another server) is away. */
  readonly away: (sender: Member, target: Member | RemotePerson) => void;
  /** The other servers, which number and store room messages with this one. */
  readonly cluster?: Cluster | undefined;
  /**
   * Shows a member in its rooms if it is there unseen (a quiet `hello`), as
   * its first message there goes out, or as it looks into a room (`history`,
   * `search`) once that is not refused; returns `room` as it is now.
   */
  readonly show?: ((member: Member, room: Room) => Room) | undefined;
}

/**
 * Most room messages stored in one write: at 25 to 100 microseconds each
 * (the row and its words in the index; 100 to 500 each written alone), a
 * write holds the event loop a few milliseconds at most.
 */
export const MAX_GROUP = 64;

/**
 * Least time between two writes of room messages while they keep coming,
 * in ms: what comes meanwhile waits, and goes in the next write. A message
 * after a quiet spell is written on the next turn of the event loop.
 */
export const GROUP_MS = 10;

/** A room message numbered and waiting to be stored with others, then sent. */
interface Waiting {
  readonly member: Member;
  readonly room: Room;
  readonly message: MessageFrame;
  readonly cid: string | undefined;
  readonly file: FileRef | undefined;
}

/** A line to post: its text, and the client message id it was sent with, if any. */
export interface Line {
  readonly text: string;
  readonly cid?: string | undefined;
}

/** Posts, delivers and finds messages, numbering them. */
export class Messages {
  readonly #history: HistoryStore;
  readonly #members: Members;
  readonly #log: (line: string) => void;
  /**
   * The log of messages not stored: the first of a run at once, then, a few
   * seconds later, a line counting the others (see paced_log.ts), so that a
   * full disk does not write a line for every message sent to it.
   */
  readonly #notStoredLog: PacedLog;
  /** Messages not stored that no line has told of yet. */
  #notStoredCount = 0;
  /** The reason the latest message was not stored for. */
  #notStoredReason = "";
  /** The reason the last line about messages not stored gave. */
  #loggedReason = "";
  /** Whether the hub shut down: a failure after that is logged on its own line, with no timer. */
  #closed = false;
  readonly #files: SharedFiles | undefined;
  readonly #muted: MessagesOptions["muted"];
  readonly #away: MessagesOptions["away"];
  readonly #cluster: Cluster | undefined;
  readonly #show: MessagesOptions["show"];
  /** Messages this server posted to the cluster without a client id, to tell them apart. */
  #posted = 0;
  /** Search pacing per connection. */
  readonly #searchPaces = new WeakMap<Session, SearchPace>();
  /** The searches handed to the store's search thread and not yet answered. */
  readonly #searchSlots = new SearchSlots();
  /** The time searches took on the event loop, for a store searched there. */
  readonly #searchShare = new SearchShare(performance.now());
  /** Room messages waiting to be stored together, in order, when the store groups its writes. */
  #waiting: Waiting[] = [];
  /** What stores the messages waiting on the next turn, or {@linkcode GROUP_MS} after the last write. */
  #flushing: ReturnType<typeof setTimeout> | undefined;
  /** When waiting messages were last written, by `performance.now()`. */
  #flushed = -Infinity;
  #lastId: number;

  /** Numbers messages after the highest id `options.history` has used. */
  constructor(options: MessagesOptions) {
    this.#history = options.history;
    this.#members = options.members;
    this.#log = options.log;
    this.#notStoredLog = new PacedLog(options.log, (periodMs) => this.#notStoredSummary(periodMs));
    this.#files = options.files;
    this.#muted = options.muted;
    this.#away = options.away;
    this.#cluster = options.cluster;
    this.#show = options.show;
    this.#lastId = Math.max(this.#history.lastId(), options.firstId);
  }

  /**
   * Logs the count of messages not stored that no line has told of yet, and
   * stops the timer that would; a failure after this is logged on its own.
   */
  close(): void {
    this.#closed = true;
    this.#notStoredLog[Symbol.dispose]();
  }

  /** The id of the last message posted or sent. */
  get lastId(): number {
    return this.#lastId;
  }

  /**
   * The id of the last message sent out: those waiting to be stored have
   * higher ids, and reach whoever is in their room once stored.
   */
  get sentId(): number {
    return this.#waiting.length === 0 ? this.#lastId : this.#waiting[0]!.message.id - 1;
  }

  /**
   * Stores the room messages waiting, in one write, then sends each to its
   * room; one that cannot be stored is refused instead, to its sender alone.
   * The hub calls this before it answers or reads anything else, so that
   * what comes after a message is seen after it.
   */
  flush(): void {
    clearTimeout(this.#flushing);
    this.#flushing = undefined;
    if (this.#waiting.length === 0) return;
    const group = this.#waiting;
    this.#waiting = [];
    let stored = true;
    try {
      this.#history.appendAll!(group.map((each) => each.message));
    } catch {
      stored = false;
    }
    this.#flushed = performance.now();
    for (const { member, room, message, cid, file } of group) {
      // None of them was stored: one at a time, so that only what cannot be is refused.
      if (!stored && !this.#store(member, cid, () => this.#history.append(message))) continue;
      this.#sent(member, room, message, cid, file);
    }
  }

  /** Sends a stored `message` to `room`, its sender among them, and remembers it. */
  #sent(
    member: Member,
    room: Room,
    message: MessageFrame,
    cid: string | undefined,
    file: FileRef | undefined,
  ): void {
    broadcast(room, message);
    // Others see the cid and may use it too; the sender's own memory is not theirs to push out.
    if (cid !== undefined) member.sent.add(message);
    this.#shared(member, file);
  }

  /** Keeps a numbered room message to store with the others that come before the next write. */
  #wait(waiting: Waiting): void {
    this.#waiting.push(waiting);
    if (this.#waiting.length >= MAX_GROUP) return this.flush();
    // Run from a timer, out of the transport's reach: a failure is logged here, or it would
    // end the server.
    this.#flushing ??= setTimeout(() => {
      try {
        this.flush();
      } catch (error) {
        this.#log(`Internal error storing messages: ${(error as Error)?.stack}`);
      }
    }, Math.max(0, this.#flushed + GROUP_MS - performance.now()));
  }

  /** Refuses a post of `member`'s once what it posted before is sent: answers keep its order. */
  #refuse(member: Member, code: ErrorCode, message: string, cid: string | undefined): void {
    this.flush();
    refuse(member, code, message, cid);
  }

  /**
   * Posts the text of `line` to `room`, one of the member's, stored first; an
   * action for `/me`. Returns, in a cluster, what settles once the message is
   * sent to the people here (see {@linkcode Messages.share}).
   */
  post(member: Member, room: Room, line: Line, action: boolean): Promise<void> | undefined {
    const cid = line.cid;
    if (cid !== undefined && this.#repeated(member, cid)) return;
    if (this.#silenced(member, cid)) return;
    const text = checkText(member, line.text);
    if (typeof text !== "string") return void this.#refuse(member, text.code, text.message, cid);
    return this.#publish(member, room, text, { action, cid, file: undefined });
  }

  /**
   * Shares a stored file: in `room`, one of the member's, as a message kept
   * in its history, or with `frame.to` alone, like a private message.
   * Returns, when the cluster stores the message and hands it back later,
   * what settles once it is sent to the people here, or refused: what the
   * member sends meanwhile is to wait for it, so as not to overtake it.
   */
  share(member: Member, frame: FileFrame, room: Room | undefined): Promise<void> | undefined {
    const { cid } = frame;
    if (cid !== undefined && this.#repeated(member, cid)) return;
    if (this.#silenced(member, cid)) return;
    const file = this.#fileOf(member, frame);
    if (file === undefined) return;
    if (room !== undefined) {
      return this.#publish(member, room, fileSummary(file), { action: false, cid, file });
    }
    this.#send(member, frame.to ?? member.name, fileSummary(file), cid, file);
    return undefined;
  }

  /** Whether `member` is muted; if so, it is told so. */
  #silenced(member: Member, cid: string | undefined): boolean {
    const muted = this.#muted(member);
    if (muted === undefined) return false;
    this.#refuse(member, muted.code, muted.message, cid);
    return true;
  }

  /** The file `frame` shares, named as it asks, or `undefined` once the sender is told why not. */
  #fileOf(member: Member, frame: FileFrame): FileRef | undefined {
    const stored = isFileId(frame.id) ? this.#files?.lookup(frame.id) : undefined;
    if (stored === undefined) {
      this.#refuse(
        member,
        "no_such_file",
        this.#files === undefined
          ? "Cannot share a file: this server takes no files"
          : "Cannot share the file: no file with that id is stored; upload it first (POST /files)",
        frame.cid,
      );
      return undefined;
    }
    const name = frame.name === undefined ? stored.name : cleanFileName(frame.name);
    return {
      id: frame.id,
      name,
      size: stored.size,
      type: stored.type,
      url: filePath(frame.id, name),
    };
  }

  /**
   * Stores and sends a message of `text` in `room`; in a cluster, returns
   * what settles once it is sent here, or refused, unless it is at once.
   */
  #publish(
    member: Member,
    where: Room,
    text: string,
    extra: { action: boolean; cid: string | undefined; file: FileRef | undefined },
  ): Promise<void> | undefined {
    const { action, cid, file } = extra;
    // Nothing was refused: someone there unseen is seen now, before what they say.
    const room = this.#show?.(member, where) ?? where;
    const message: MessageFrame = {
      type: "message",
      id: 0,
      ts: Date.now(),
      room: room.name,
      from: member.name,
      text,
    };
    if (action) message.action = true;
    if (cid !== undefined) message.cid = cid;
    if (file !== undefined) message.file = file;
    const cluster = this.#cluster;
    if (cluster !== undefined) {
      // The cluster numbers it and hands it back, to this server too, in its one order.
      const { id: _, ...draft } = message;
      const dedupe = cid === undefined
        ? `${cluster.id}.${++this.#posted}`
        : `${encodeURIComponent(member.key)}/${encodeURIComponent(cid)}`;
      // Split from the others, the people here go on talking; the others get it later.
      const shown = cluster.split ? cluster.provisional() : undefined;
      if (shown !== undefined) broadcast(room, { ...message, id: shown });
      const handed = Promise.withResolvers<void>();
      cluster.post(draft, dedupe, shown !== undefined, handed.resolve).then(
        () => this.#shared(member, file),
        (error) => {
          this.#notStored(member, cid, error);
          handed.resolve();
        },
      );
      return shown === undefined ? handed.promise : undefined;
    }
    message.id = ++this.#lastId;
    if (this.#history.appendAll !== undefined) {
      return void this.#wait({ member, room, message, cid, file });
    }
    if (!this.#store(member, cid, () => this.#history.append(message))) return;
    this.#sent(member, room, message, cid, file);
    return undefined;
  }

  /** Tells the files that `member` shared `file`, once the message that shares it is taken. */
  #shared(member: Member, file: FileRef | undefined): void {
    if (file !== undefined) this.#files?.shared(file.id, file.name, member.name);
  }

  /**
   * Takes a room message from the cluster: kept in the history unless it is
   * `provisional`, and sent to whoever is in `room` here unless they were
   * `shown` it already (see `ClusterEvents.message` in cluster.ts).
   */
  arrive(
    message: MessageFrame,
    room: Room | undefined,
    how: "stored" | "shown" | "provisional",
  ): void {
    if (how !== "provisional") {
      this.#lastId = Math.max(this.#lastId, message.id);
      try {
        this.#history.append(message);
      } catch (error) {
        this.#log(`Cannot keep message ${message.id}: ${(error as Error).message}`);
      }
    }
    if (room !== undefined && how !== "shown") broadcast(room, message);
  }

  /** Hands a private message from another server to its receiver, if connected here. */
  arrivePrivate(frame: PrivateFrame, toKey: string): void {
    this.#lastId = Math.max(this.#lastId, frame.id);
    this.#members.byKey(toKey)?.session.send(frame);
  }

  /** Sends `raw` to the person called `to` alone, and back to the sender. */
  private(member: Member, to: string, raw: string, cid: string | undefined): void {
    if (cid !== undefined && this.#repeated(member, cid)) return;
    if (this.#silenced(member, cid)) return;
    this.#send(member, to, raw, cid, undefined);
  }

  /** Sends `raw`, or a file, to the person called `to` alone, and back to the sender. */
  #send(
    member: Member,
    to: string,
    raw: string,
    cid: string | undefined,
    file: FileRef | undefined,
  ): void {
    // Numbered after the room messages waiting, it goes after them.
    this.flush();
    const target = this.#resolve(member, to, cid);
    if (target === undefined) return;
    const text = file === undefined ? checkText(member, raw) : raw;
    if (typeof text !== "string") return refuse(member, text.code, text.message, cid);
    this.#away(member, target);
    const frame: PrivateFrame = {
      type: "private",
      id: 0,
      ts: Date.now(),
      from: member.name,
      to: target.name,
      text,
    };
    if (file !== undefined) frame.file = file;
    if (cid !== undefined) frame.cid = cid;
    const cluster = this.#cluster;
    if (cluster === undefined) {
      frame.id = ++this.#lastId;
      // Not stored, but its id must not come back after a restart either.
      if (!this.#store(member, cid, () => this.#history.reserve(frame.id))) return;
      return this.#hand(member, target, frame);
    }
    if (cluster.split) {
      // Cut off from the others: only someone here can be reached.
      const id = "session" in target ? cluster.provisional() : undefined;
      if (id === undefined) {
        return refuse(
          member,
          "not_stored",
          `Cannot send to ${target.name} now: the chat is split and they are on another server`,
          cid,
        );
      }
      frame.id = id;
      return this.#hand(member, target, frame);
    }
    cluster.reserve().then((id) => {
      frame.id = id;
      this.#lastId = Math.max(this.#lastId, id);
      this.#hand(member, target, frame);
    }, (error) => this.#notStored(member, cid, error));
  }

  /** Sends a numbered private message to its receiver, here or on another server, and back. */
  #hand(member: Member, target: Member | RemotePerson, frame: PrivateFrame): void {
    if (frame.cid !== undefined) member.sent.add(frame);
    if ("session" in target) target.session.send(frame);
    else this.#cluster?.deliver(frame, target.key);
    if (target !== member) member.session.send(frame);
    this.#shared(member, frame.file);
  }

  /** Replays the last `limit` messages of `room`, one of the member's. */
  history(member: Member, where: Room, limit: number): void {
    // Nobody reads a room unseen: someone there so is shown first.
    const room = (this.#show?.(member, where) ?? where).name;
    const { after, count } = this.#history.tail(room, limit);
    if (count === 0) return inform(member, `No messages in ${room} yet`);
    inform(member, `The last ${count === 1 ? "message" : `${count} messages`} of ${room}:`);
    member.session.stream(
      replay(this.#history, room, { after, until: this.sentId, limit: count }),
    );
  }

  /**
   * Replays the newest messages of `room`, one of the member's, that match
   * `raw`, paced per connection, and within what the server as a whole may
   * search at once. Returns, when the answer takes time (a store getting
   * ready first, or searching on a thread of its own), what settles once the
   * answer is sent: the member's next frames wait for it.
   */
  search(member: Member, where: Room, raw: string): Promise<void> | undefined {
    const room = where.name;
    const checked = parseSearch(raw);
    if (!checked.ok) return void refuse(member, checked.code, checked.message);
    const away = this.#history.findAsync !== undefined;
    const address = member.session.address;
    const free = away ? this.#searchSlots.free(address) : this.#searchShare.free(performance.now());
    if (!free) {
      return void refuse(
        member,
        "rate_limited",
        "Cannot search now: the server is busy with other searches; try again in a few seconds",
      );
    }
    const wait = this.#paceSearch(member.session);
    if (wait > 0) {
      return void refuse(
        member,
        "rate_limited",
        `Cannot search now: after ${SEARCH_BURST} searches, one a second; try again in ${
          Math.ceil(wait / 1000)
        } s`,
      );
    }
    const options = { limit: MAX_SEARCH_RESULTS };
    if (away) {
      this.#searchSlots.take(address);
      // Nothing is told to a member gone meanwhile: a server stopping ends the searches under way.
      const here = () => this.#members.get(member.session) === member;
      return this.#history.findAsync!(room, checked.query, options).then(
        (result) => {
          if (here()) this.#answerSearch(member, where, checked.query, result);
        },
        (error) => {
          if (here()) this.#searchFailed(member, error);
        },
      ).finally(() => this.#searchSlots.release(address));
    }
    return this.#whenSearchable(member, room, () => {
      const start = performance.now();
      let result: SearchResult<MessageFrame>;
      try {
        result = this.#history.find(room, checked.query, options);
      } finally {
        const end = performance.now();
        this.#searchShare.spend(end - start, end);
      }
      this.#answerSearch(member, where, checked.query, result);
    });
  }

  /**
   * Runs `then` once `room` can be searched, its store's preparation spread
   * over turns of the event loop a bounded step at a time, and not at all if
   * `member` has gone meanwhile. Returns, when it could not run at once, what
   * settles once it has.
   */
  #whenSearchable(member: Member, room: string, then: () => void): Promise<void> | undefined {
    if (this.#history.prepareSearch?.(room) !== false) return void then();
    return new Promise((resolve) => {
      // A timer, not setImmediate: an immediate that sets another runs before any input is
      // read, so the others would wait for the whole preparation again.
      // Run from a timer, out of the transport's reach: a failure is answered here, as the
      // transport answers one of a frame, or it would end the server.
      const step = () => {
        try {
          if (this.#members.get(member.session) !== member) return resolve();
          if (this.#history.prepareSearch?.(room) === false) return void setTimeout(step, 0);
          then();
        } catch (error) {
          this.#searchFailed(member, error);
        }
        resolve();
      };
      setTimeout(step, 0);
    });
  }

  /** Tells `member` its search failed, as the transport tells a frame that failed, and logs why. */
  #searchFailed(member: Member, error: unknown): void {
    this.#log(
      `Internal error on a search from ${member.session.remote}: ${(error as Error)?.stack}`,
    );
    member.session.send({ type: "error", code: "bad_frame", message: "Internal server error" });
  }

  /**
   * Answers a search of `where` by `member` with what it found: an `info`,
   * then the matches; someone there unseen is shown first, unless the search
   * is refused.
   */
  #answerSearch(
    member: Member,
    where: Room,
    query: SearchQuery,
    result: SearchResult<MessageFrame>,
  ): void {
    const room = where.name;
    const { found, searched, window, more, tooBroad } = result;
    if (tooBroad !== undefined) {
      // The limit is on the words all the prefixes start together: name those counted.
      const counted = query.prefixes.slice(0, query.prefixes.indexOf(tooBroad) + 1)
        .map((word) => JSON.stringify(word));
      const over = `over ${grouped(MAX_PREFIX_WORDS)} different words start with`;
      return refuse(
        member,
        "text_invalid",
        counted.length < 2
          ? `Cannot search for ${JSON.stringify(tooBroad)}: ${over} it; type more of it`
          : `Cannot search for ${JSON.stringify(query.text)}: ${over} ${
            counted.slice(0, -1).join(", ")
          } and ${counted.at(-1)} together; type more of them`,
      );
    }
    this.#show?.(member, where);
    const quoted = JSON.stringify(query.text);
    const partial = searched === undefined
      ? ""
      : ` (searched the last ${searched === 1 ? "message" : `${grouped(searched)} messages`}${
        window ? "" : "; add words to search further back"
      })`;
    if (found.length === 0) {
      return inform(member, `No messages in ${room} match ${quoted}${partial}`);
    }
    const count = found.length === 1 ? "1 message" : `${found.length} messages`;
    const agrees = found.length === 1 ? "matches" : "match";
    // How many more match is not counted, which could take unbounded work: only that some do.
    inform(
      member,
      more
        ? `The newest ${count} in ${room} that match ${quoted} (there are more; add words to narrow):`
        : `${count} in ${room} ${agrees} ${quoted}${partial}:`,
    );
    member.session.stream(framesOf(found.map((message) => ({ ...message, replay: true }))));
  }

  /**
   * Answers a message sent again under a client message id this person used
   * already: the sender alone gets the original frame, and nothing else
   * happens. Returns whether `cid` was such a repeat.
   */
  #repeated(member: Member, cid: string): boolean {
    // One waiting to be stored is stored, or refused, first: only what was stored counts.
    if (this.#waiting.some((each) => each.cid === cid && each.member.key === member.key)) {
      this.flush();
    }
    const earlier: MessageFrame | PrivateFrame | undefined = member.sent.get(cid) ??
      // Stored messages outlive connections and restarts; only their sender's count.
      this.#history.withCid(cid).find((message) => nameKey(message.from) === member.key);
    if (earlier === undefined) return false;
    this.flush();
    member.session.send(earlier);
    return true;
  }

  /**
   * Runs a write to the store; if it fails, tells the sender nothing was sent
   * and returns false. Nothing is acknowledged that was not stored.
   */
  #store(member: Member, cid: string | undefined, write: () => void): boolean {
    try {
      write();
      return true;
    } catch (error) {
      this.#notStored(member, cid, error);
      return false;
    }
  }

  /** Tells the sender of a message that could not be stored that it was not sent. */
  #notStored(member: Member, cid: string | undefined, error: unknown): void {
    this.#logNotStored((error as Error)?.message ?? String(error));
    refuse(
      member,
      "not_stored",
      this.#cluster !== undefined
        ? "Cannot send message: the cluster could not store it (is NATS reachable?); try again later"
        : outOfDescriptors(error)
        ? "Cannot send message: the server has too many open files to store it; try again later"
        : "Cannot send message: the server could not store it (is its disk full?); try again later",
      cid,
    );
  }

  /** Logs a message not stored for `reason` if it opens a run; counts it for the summary if not. */
  #logNotStored(reason: string): void {
    const line = `Cannot store a message: ${reason}`;
    if (this.#closed) return this.#log(line);
    this.#notStoredReason = reason;
    if (this.#notStoredLog.event(line)) this.#loggedReason = reason;
    else this.#notStoredCount++;
  }

  /**
   * The line about the messages not stored in the last `periodMs`: how many,
   * and why (`same reason` when the last line gave it).
   */
  #notStoredSummary(periodMs: number): string {
    const count = this.#notStoredCount;
    const reason = this.#notStoredReason;
    const why = reason === this.#loggedReason ? "same reason" : reason;
    this.#notStoredCount = 0;
    this.#loggedReason = reason;
    return `${count.toLocaleString("en-US")} more ${
      count === 1 ? "message" : "messages"
    } not stored in the last ${seconds(periodMs)}: ${why}`;
  }

  /**
   * Finds the member called exactly `query` (folded, a leading `@` ignored).
   * A prefix never delivers: it only suggests names to the sender.
   */
  #resolve(
    member: Member,
    query: string,
    cid: string | undefined,
  ): Member | RemotePerson | undefined {
    const key = nameKey(query.replace(/^@/, ""));
    const exact = this.#members.byKey(key) ?? this.#cluster?.people.byKey(key);
    if (exact !== undefined) return exact;
    const remote = this.#cluster?.people;
    const hints = key.length === 0 ? [] : [
      ...this.#members.namesStartingWith(key),
      ...remote === undefined ? [] : remote.namesStartingWith(key),
    ];
    const hint = hints.length === 0 ? "" : `; did you mean ${hints.slice(0, 10).join(", ")}?`;
    refuse(
      member,
      "no_such_user",
      `Cannot send: nobody called ${quoteTyped(query)} is on this chat${hint}`,
      cid,
    );
    return undefined;
  }

  /** Takes a search for `session`: 0 if it may run now, else the milliseconds to wait. */
  #paceSearch(session: Session): number {
    const now = Date.now();
    let pace = this.#searchPaces.get(session);
    if (pace === undefined) {
      pace = new SearchPace(now);
      this.#searchPaces.set(session, pace);
    }
    return pace.take(now);
  }
}

/**
 * Whether a store failed for want of file descriptors (`EMFILE` for the
 * process, `ENFILE` for the whole system), in `error` or what caused it.
 */
function outOfDescriptors(error: unknown): boolean {
  for (let cause = error, depth = 0; cause !== undefined && depth < 5; depth++) {
    const code = (cause as { code?: unknown })?.code;
    if (code === "EMFILE" || code === "ENFILE") return true;
    cause = (cause as { cause?: unknown })?.cause;
  }
  return false;
}

/**
 * The text of a message as it is posted, or why it is refused: on one line
 * from a client of version 1, of up to `MAX_TEXT_LINES` lines from one of
 * version 2.
 */
function checkText(member: Member, raw: string): string | { code: ErrorCode; message: string } {
  const text = cleanMessage(raw, member.version);
  if (text.length === 0) return { code: "text_invalid", message: "Cannot send an empty message" };
  // A UTF-16 unit is at most 3 UTF-8 bytes: short texts need no counting.
  const bytes = text.length * 3 > MAX_TEXT_BYTES ? utf8Length(text) : 0;
  if (bytes > MAX_TEXT_BYTES) return { code: "text_invalid", message: tooLongMessage(bytes) };
  if (member.version !== 1) {
    const lines = countLines(text);
    if (lines > MAX_TEXT_LINES) {
      return { code: "text_invalid", message: tooManyLinesMessage(lines) };
    }
  }
  return text;
}
