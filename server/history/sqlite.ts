/**
 * Durable room history in SQLite, through Deno's built-in `node:sqlite`.
 * Every message is committed before the hub broadcasts it, so a message
 * its sender saw acknowledged survives a crash of the server process.
 *
 * @module
 */

import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { MessageFrame } from "../../protocol.ts";
import { type HistoryStore, MAX_CID_MATCHES } from "./store.ts";
import { parseSearch, type SearchOptions, type SearchQuery, type SearchResult } from "./search.ts";
import { FileSearch, SearchThread } from "./sqlite_search.ts";
import { blockEnd, type IdMarkRead, readIdMark, writeIdMark } from "./id_mark.ts";
import { checkLog, type DamagedLog, explain, HistoryError, keepPrivate } from "./sqlite_file.ts";
import { checkHistory } from "./sqlite_check.ts";
import { errorText } from "../../core/address.ts";
import { lockHistory } from "./file_lock.ts";
import { MIGRATIONS, type Row, SCHEMA, SCHEMA_VERSION, toFrame } from "./sqlite_schema.ts";

/** How long messages are kept: by age, by count, or both. */
export interface Retention {
  /** Drop messages older than this many milliseconds. */
  maxAgeMs?: number;
  /** Keep at most this many messages in all. */
  maxCount?: number;
}

/** What {@linkcode SqliteHistory.open} found beside the rows, for the constructor. */
interface Beside {
  mark: IdMarkRead;
  damagedLog: DamagedLog | undefined;
  /** The highest stored id. */
  stored: number;
  /** The mark on disk, written again at start. */
  reserved: number;
  /** The lock that keeps other servers off the file. */
  lock: Deno.FsFile;
}

/** Options for {@linkcode SqliteHistory.open}. */
export interface SqliteHistoryOptions {
  /**
   * What to trim, just after start-up, a step at a time while the server
   * serves, and then every hour. @default {keep everything}
   */
  retention?: Retention;
  /** How often to trim after start-up, in milliseconds. @default {3_600_000} */
  trimEveryMs?: number;
  /**
   * Told, in one line, when a trim fails (a full disk): the server goes on,
   * and the next one tries again. @default {nothing}
   */
  warn?: (line: string) => void;
  /**
   * Told, in one line each, what takes a while or changes the file: a long
   * check at start, a damaged word index rebuilt, messages a trim removed.
   * @default {nothing}
   */
  log?: (line: string) => void;
  /** Stored messages from which the check at start is said beforehand. @default {LONG_CHECK} */
  longCheck?: number;
}

/**
 * Messages removed at a time when trimming: at about 25 microseconds each
 * (the row, its index entries and its words), a few milliseconds of the
 * event loop, so that an hourly trim of a busy server's last hour (50,000
 * messages took 1.3 s at once), or the first trim of a history kept long
 * (a million took 23 s), never keeps everyone else waiting.
 */
const TRIM_STEP = 200;

/**
 * Time a trim may take on one turn of the event loop, in steps of
 * {@linkcode TRIM_STEP}: a turn costs 2 ms or more, so one step a turn would
 * leave the trim of a million messages waiting half the time.
 */
const TRIM_TURN_MS = 10;

/** A trim under way: its next step, and what its steps removed so far. */
interface TrimRound {
  /** Removes up to {@linkcode TRIM_STEP} messages; returns how many, 0 when done. */
  step(): number;
  /** Messages removed for their age. */
  byAge: number;
  /** Messages removed for being more than the count kept. */
  byCount: number;
}

/**
 * Writes after which the log is copied into the file (a checkpoint, which
 * waits for the disk twice) at the next quiet moment, rather than on the
 * write that fills it past SQLite's default of 1,000 pages: a burst of
 * messages then waits for the disk only past {@linkcode MAX_LOG_PAGES}
 * (bench/RESULTS.md, "A burst with the history on disk").
 */
const CHECKPOINT_AFTER_WRITES = 100;

/** How long the file goes unwritten before a checkpoint due runs, in ms. */
const QUIET_MS = 100;

/**
 * Pages of the log (4 KiB each) past which SQLite checkpoints on a write all
 * the same, when the file is never quiet for {@linkcode QUIET_MS}.
 */
const MAX_LOG_PAGES = 10_000;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** `count` messages, in words: `1 message`, `12,345 messages`. */
function messages(count: number): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? "message" : "messages"}`;
}

/** An age in days, or in hours when not a whole number of days. */
function age(ms: number): string {
  const [amount, unit] = ms % DAY === 0 ? [ms / DAY, "day"] : [ms / HOUR, "hour"];
  return `${amount.toLocaleString("en-US")} ${amount === 1 ? unit : `${unit}s`}`;
}

/**
 * The line that says what `round` removed (`Removed 12,345 messages older
 * than 30 days (--retain)`), or `undefined` when it removed nothing.
 */
function trimmed(round: TrimRound | undefined, retention: Retention): string | undefined {
  if (round === undefined || round.byAge + round.byCount === 0) return undefined;
  const { byAge, byCount } = round;
  const what = byAge === 0
    ? messages(byCount)
    : `${messages(byAge)} older than ${age(retention.maxAgeMs!)}${
      byCount === 0 ? "" : ` and ${byCount.toLocaleString("en-US")} more`
    }`;
  const kept = byCount === 0
    ? ""
    : `, keeping the newest ${retention.maxCount!.toLocaleString("en-US")} of all rooms together`;
  return `Removed ${what}${kept} (--retain)`;
}

/**
 * Reads the id mark beside the history file at `path` and writes it again as
 * it is written while the server runs, so that a mark that cannot be replaced
 * (a file made immutable, a folder in the way) stops the server at start
 * rather than every message after it. A first start, with no mark and no
 * message, has nothing to write.
 */
function renewIdMark(path: string, stored: number): { mark: IdMarkRead; reserved: number } {
  const markPath = `${path}-ids`;
  try {
    const mark = readIdMark(markPath);
    const reserved = Math.max(stored, mark.state === "ok" ? mark.mark : 0);
    if (mark.state !== "missing" || reserved > 0) writeIdMark(markPath, reserved);
    return { mark, reserved };
  } catch (error) {
    throw new HistoryError(
      `Cannot use history file ${path}: its id mark ${markPath} cannot be replaced ` +
        `(${errorText(error)}); check that it and its folder can be written, or use --memory`,
      { cause: error },
    );
  }
}

/** Room history in one SQLite file, in WAL mode. */
export class SqliteHistory implements HistoryStore {
  readonly #db: DatabaseSync;
  readonly #path: string;
  readonly #insert: StatementSync;
  readonly #recent: StatementSync;
  readonly #since: StatementSync;
  readonly #tail: StatementSync;
  readonly #forgotten: StatementSync;
  readonly #withCid: StatementSync;
  /** The search rule on this connection, made at the first search that runs here. */
  #search: FileSearch | undefined;
  /** Searches on a thread of their own, which starts with the first. */
  readonly #searches: SearchThread;
  /** The lock that keeps other servers off the file. */
  readonly #lock: Deno.FsFile;
  readonly #retention: Retention;
  readonly #warn: (line: string) => void;
  readonly #log: (line: string) => void;
  readonly #timer: ReturnType<typeof setInterval> | undefined;
  /** The next step of a trim under way after start-up. */
  #trimming: ReturnType<typeof setTimeout> | undefined;
  /** Writes since the last checkpoint. */
  #writes = 0;
  /** When the file was last written, by `performance.now()`. */
  #written = 0;
  /** The checkpoint due, waiting for a quiet moment. */
  #checkpoint: ReturnType<typeof setTimeout> | undefined;
  readonly #markPath: string;
  readonly #warnings: string[] = [];
  #lastId: number;
  /** The mark on disk: no id above it has been used. */
  #reserved: number;
  #closed = false;

  private constructor(
    db: DatabaseSync,
    path: string,
    options: SqliteHistoryOptions,
    beside: Beside,
  ) {
    this.#db = db;
    this.#path = path;
    this.#lock = beside.lock;
    this.#searches = new SearchThread(path);
    const retention = options.retention ?? {};
    this.#retention = retention;
    this.#warn = options.warn ?? (() => {});
    this.#log = options.log ?? (() => {});
    this.#markPath = `${path}-ids`;
    this.#insert = db.prepare(
      "INSERT INTO messages (id, ts, room, sender, text, action, cid, file) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    this.#recent = db.prepare(
      "SELECT * FROM (SELECT * FROM messages WHERE room = ? ORDER BY id DESC LIMIT ?) ORDER BY id",
    );
    this.#since = db.prepare(
      "SELECT * FROM messages WHERE room = ? AND id > ? ORDER BY id LIMIT ?",
    );
    this.#tail = db.prepare(
      "SELECT count(*) AS count, min(id) AS first FROM " +
        "(SELECT id FROM messages WHERE room = ? ORDER BY id DESC LIMIT ?)",
    );
    this.#forgotten = db.prepare("SELECT id FROM trimmed WHERE room = ?");
    this.#withCid = db.prepare(
      `SELECT * FROM messages WHERE cid = ? ORDER BY id DESC LIMIT ${MAX_CID_MATCHES}`,
    );
    const { mark, damagedLog, stored } = beside;
    this.#reserved = beside.reserved;
    this.#lastId = Math.max(stored, this.#reserved);
    if (damagedLog !== undefined) {
      this.#warnings.push(
        `The log ${damagedLog.path} of history file ${path} is damaged at byte ` +
          `${damagedLog.damage.offset}; the messages stored after id ${stored} were lost, ` +
          `the damaged log is kept as ${damagedLog.copy}, and new messages are numbered after ` +
          this.#lastId,
      );
    }
    if (mark.state === "damaged" || (mark.state === "missing" && stored > 0)) {
      this.#warnings.push(
        `The id mark ${this.#markPath} is ${mark.state}; new messages are numbered after the ` +
          `last stored one, ${stored}`,
      );
    } else if (mark.state === "ok" && stored === 0 && mark.mark > 0) {
      this.#warnings.push(
        `History file ${path} is new, but ids up to ${mark.mark} were used before ` +
          `(${this.#markPath}); new messages are numbered after them`,
      );
    }
    if (retention.maxAgeMs !== undefined || retention.maxCount !== undefined) {
      // A step at a time from the next turn on: a large backlog takes a while (23 s for a
      // million), and the server goes on starting, and serving, meanwhile.
      this.#trimLater();
      this.#timer = setInterval(() => this.#trimLater(), options.trimEveryMs ?? 60 * 60 * 1000);
      Deno.unrefTimer(this.#timer as unknown as number);
    }
  }

  /**
   * Opens (creating if needed) the history file at `path`. Throws a
   * {@linkcode HistoryError} with a one-line reason when the file is damaged,
   * locked by another server or cannot be written.
   */
  static open(path: string, options: SqliteHistoryOptions = {}): SqliteHistory {
    let db: DatabaseSync | undefined;
    let lock: Deno.FsFile | undefined;
    let damagedLog: DamagedLog | undefined;
    try {
      // SQLite opens a file it cannot write read-only, then fails later with a
      // vague "disk I/O error"; asking for write access first names the problem.
      try {
        Deno.openSync(path, { read: true, write: true }).close();
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
        // A new file is private before SQLite fills it: SQLite would follow the umask.
        try {
          Deno.openSync(path, { write: true, createNew: true, mode: 0o600 }).close();
        } catch {
          // SQLite says why below.
        }
      }
      keepPrivate(path);
      // One server per file: a second one fails at start. SQLite's exclusive locking mode
      // did that too, but kept readers out as well, such as searches on a thread of their own.
      lock = lockHistory(path);
      db = new DatabaseSync(path);
      const mode = db.prepare("PRAGMA journal_mode = WAL").get() as { journal_mode: string };
      if (mode.journal_mode.toLowerCase() !== "wal") {
        throw new Error(`journal mode is ${mode.journal_mode}, not wal`);
      }
      // The lock is held now, and nothing has been written: SQLite has read
      // the log but will overwrite its damaged part with the next write.
      damagedLog = checkLog(path);
      // A log left by an older chat, with the umask's mode.
      keepPrivate(path);
      // A committed transaction is in the WAL before the call returns: it survives
      // the process being killed. Only a power cut can lose the last few.
      db.exec("PRAGMA synchronous = NORMAL");
      db.exec("PRAGMA busy_timeout = 0");
      db.exec(`PRAGMA wal_autocheckpoint = ${MAX_LOG_PAGES}`);
      const version = (db.prepare("PRAGMA user_version").get() as { user_version: number })
        .user_version;
      if (version > SCHEMA_VERSION) {
        throw new Error(`it was written by a newer version of chat (schema ${version})`);
      }
      db.exec("BEGIN IMMEDIATE");
      db.exec(SCHEMA);
      for (let step = Math.max(version, 1) + 1; step <= SCHEMA_VERSION; step++) {
        db.exec(MIGRATIONS[step]!);
      }
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
      db.exec("COMMIT");
      const log = options.log ?? (() => {});
      checkHistory(db, path, { log, longCheck: options.longCheck });
      const row = db.prepare("SELECT max(id) AS last FROM messages").get() as {
        last: number | null;
      };
      const stored = row.last ?? 0;
      const { mark, reserved } = renewIdMark(path, stored);
      return new SqliteHistory(db, path, options, { mark, damagedLog, stored, reserved, lock });
    } catch (error) {
      try {
        db?.close();
      } catch {
        // Closing a half-open database can fail too; the first error is the one to report.
      }
      lock?.close();
      const explained = explain(path, error);
      if (damagedLog === undefined) throw explained;
      // The copy is all that is left of what the log held: say where it is.
      throw new HistoryError(
        `${explained.message} (its log was damaged too; a copy is kept as ${damagedLog.copy})`,
        { cause: error },
      );
    }
  }

  /** The file this history lives in. */
  get path(): string {
    return this.#path;
  }

  lastId(): number {
    return this.#lastId;
  }

  /** Lines to show at start: a damaged log, a missing or damaged id mark. */
  get warnings(): readonly string[] {
    return this.#warnings;
  }

  reserve(id: number): void {
    if (id > this.#reserved) {
      // The mark goes first: an id is never used above it, so never used twice.
      const end = blockEnd(id);
      writeIdMark(this.#markPath, end);
      this.#reserved = end;
    }
    this.#lastId = Math.max(this.#lastId, id);
  }

  append(message: MessageFrame): void {
    this.reserve(message.id);
    this.#insertRow(message);
    this.#wrote();
  }

  /**
   * Stores `messages` in one transaction: a commit writes every page it
   * changed to the log, so one per message cost five times what the rows
   * do, and held the event loop through a burst.
   */
  appendAll(messages: readonly MessageFrame[]): void {
    if (messages.length === 0) return;
    this.reserve(messages.reduce((highest, message) => Math.max(highest, message.id), 0));
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      for (const message of messages) this.#insertRow(message);
      this.#db.exec("COMMIT");
    } catch (error) {
      try {
        this.#db.exec("ROLLBACK");
      } catch {
        // SQLite rolled back already (a full disk can do that): the first error says why.
      }
      throw error;
    }
    this.#wrote();
  }

  /**
   * Counts a write; after {@linkcode CHECKPOINT_AFTER_WRITES}, sees that a
   * checkpoint runs once the file has gone {@linkcode QUIET_MS} unwritten.
   */
  #wrote(): void {
    this.#written = performance.now();
    if (++this.#writes < CHECKPOINT_AFTER_WRITES || this.#checkpoint !== undefined) return;
    const check = () => {
      this.#checkpoint = undefined;
      if (this.#closed) return;
      const quiet = performance.now() - this.#written;
      if (quiet < QUIET_MS) return this.#checkpointIn(QUIET_MS - quiet, check);
      try {
        // PASSIVE: it copies what no reader still needs, and waits for nobody.
        this.#db.prepare("PRAGMA wal_checkpoint(PASSIVE)").get();
        this.#writes = 0;
      } catch {
        // A full disk, say: the next write asks again, and SQLite's own limit still holds.
      }
    };
    this.#checkpointIn(QUIET_MS, check);
  }

  /** Runs `check` in `ms`, without keeping the process alive for it. */
  #checkpointIn(ms: number, check: () => void): void {
    this.#checkpoint = setTimeout(check, ms);
    Deno.unrefTimer(this.#checkpoint as unknown as number);
  }

  /** Inserts the row of `message`, its words indexed by the trigger. */
  #insertRow(message: MessageFrame): void {
    this.#insert.run(
      message.id,
      message.ts,
      message.room,
      message.from,
      message.text,
      message.action ? 1 : 0,
      message.cid ?? null,
      message.file === undefined ? null : JSON.stringify(message.file),
    );
    this.#lastId = Math.max(this.#lastId, message.id);
  }

  recent(room: string, limit: number): MessageFrame[] {
    if (limit <= 0) return [];
    return (this.#recent.all(room, limit) as unknown as Row[]).map(toFrame);
  }

  since(room: string, afterId: number, limit: number): MessageFrame[] {
    if (limit <= 0) return [];
    return (this.#since.all(room, afterId, limit) as unknown as Row[]).map(toFrame);
  }

  tail(room: string, limit: number): { after: number; count: number } {
    if (limit <= 0) return { after: this.#lastId, count: 0 };
    const row = this.#tail.get(room, limit) as { count: number; first: number | null };
    return row.first === null
      ? { after: this.#lastId, count: 0 }
      : { after: row.first - 1, count: row.count };
  }

  forgotten(room: string): number {
    const row = this.#forgotten.get(room) as { id: number } | undefined;
    return row?.id ?? 0;
  }

  search(room: string, query: string, limit: number): MessageFrame[] {
    const checked = parseSearch(query);
    return checked.ok ? this.find(room, checked.query, { limit }).found : [];
  }

  withCid(cid: string): MessageFrame[] {
    return (this.#withCid.all(cid) as unknown as Row[]).map(toFrame);
  }

  notes(kind: string): [key: string, value: string][] {
    const rows = this.#db.prepare("SELECT key, value FROM notes WHERE kind = ? ORDER BY rowid")
      .all(kind) as unknown as { key: string; value: string }[];
    return rows.map((row) => [row.key, row.value]);
  }

  note(kind: string, key: string, value: string | undefined): void {
    if (value === undefined) {
      this.#db.prepare("DELETE FROM notes WHERE kind = ? AND key = ?").run(kind, key);
    } else {
      this.#db.prepare(
        "INSERT INTO notes (kind, key, value) VALUES (?, ?, ?) " +
          "ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value",
      ).run(kind, key, value);
    }
  }

  find(room: string, query: SearchQuery, options: SearchOptions): SearchResult<MessageFrame> {
    this.#search ??= new FileSearch(this.#db);
    return this.#search.find(room, query, options);
  }

  /**
   * Searches as {@linkcode SqliteHistory.find} does, on a thread of its own
   * with a read-only connection to the file, one search at a time.
   */
  findAsync(
    room: string,
    query: SearchQuery,
    options: SearchOptions,
  ): Promise<SearchResult<MessageFrame>> {
    return this.#searches.find(room, query, options);
  }

  /** Applies the retention rule now, in one go; returns how many messages were removed. */
  trim(now = Date.now()): number {
    const round = this.#trimRound(now);
    while (round.step() > 0);
    return round.byAge + round.byCount;
  }

  /**
   * Applies the retention rule {@linkcode TRIM_STEP} messages at a time, each
   * step on a turn of the event loop of its own, and says how many it removed;
   * a failure is told, not thrown.
   */
  #trimLater(): void {
    if (this.#closed || this.#trimming !== undefined) return;
    let round: TrimRound | undefined;
    const step = () => {
      this.#trimming = undefined;
      if (this.#closed) return;
      try {
        round ??= this.#trimRound(Date.now());
        const until = performance.now() + TRIM_TURN_MS;
        while (round.step() > 0) {
          if (performance.now() < until) continue;
          this.#trimming = setTimeout(step, 0);
          return;
        }
      } catch (error) {
        this.#warn(
          `Cannot trim history file ${this.#path}: ${(error as Error)?.message ?? error}; ` +
            "the next trim tries again",
        );
      }
      const line = trimmed(round, this.#retention);
      if (line !== undefined) this.#log(line);
    };
    this.#trimming = setTimeout(step, 0);
  }

  /**
   * One trim as of `now`: each step removes up to {@linkcode TRIM_STEP} of the
   * messages the rule drops, oldest first, and returns how many (0 when done).
   * The newest message always stays, so ids keep counting up after a restart.
   * Each room's newest message removed is kept in `trimmed`, in the same
   * transaction (see {@linkcode SqliteHistory.forgotten}).
   */
  #trimRound(now: number): TrimRound {
    const { maxAgeMs, maxCount } = this.#retention;
    const db = this.#db;
    const newest = (db.prepare("SELECT max(id) AS id FROM messages").get() as {
      id: number | null;
    }).id ?? 0;
    const mark = db.prepare(
      "INSERT INTO trimmed (room, id) VALUES (?, ?) " +
        "ON CONFLICT (room) DO UPDATE SET id = max(id, excluded.id)",
    );
    /** Runs `remove`, a DELETE that returns each row's room and id, and marks what it removed. */
    const removing = (remove: StatementSync) => (...args: number[]): number => {
      db.exec("BEGIN IMMEDIATE");
      try {
        const rows = remove.all(...args) as unknown as { room: string; id: number }[];
        const newestOf = new Map<string, number>();
        for (const { room, id } of rows) newestOf.set(room, Math.max(newestOf.get(room) ?? 0, id));
        for (const [room, id] of newestOf) mark.run(room, id);
        db.exec("COMMIT");
        this.#wrote();
        return rows.length;
      } catch (error) {
        db.exec("ROLLBACK");
        throw error;
      }
    };
    const byAge = maxAgeMs === undefined ? undefined : removing(db.prepare(
      "DELETE FROM messages WHERE id IN " +
        "(SELECT id FROM messages WHERE ts < ? AND id < ? ORDER BY ts LIMIT ?) RETURNING room, id",
    ));
    const oldest = removing(db.prepare(
      "DELETE FROM messages WHERE id IN (SELECT id FROM messages ORDER BY id LIMIT ?) " +
        "RETURNING room, id",
    ));
    // Age first; then the oldest of what is left, until `maxCount` are (counted once: a
    // walk to the `maxCount`th newest message would read them all, 10 ms for 200,000).
    let aged = byAge === undefined;
    let over: number | undefined;
    const round: TrimRound = {
      byAge: 0,
      byCount: 0,
      step: () => {
        if (!aged) {
          const removed = byAge!(now - maxAgeMs!, newest, TRIM_STEP);
          round.byAge += removed;
          if (removed > 0) return removed;
          aged = true;
        }
        if (maxCount === undefined) return 0;
        over ??= (this.#db.prepare("SELECT count(*) AS n FROM messages").get() as { n: number }).n -
          maxCount;
        if (over <= 0) return 0;
        const removed = oldest(Math.min(over, TRIM_STEP));
        over -= removed;
        round.byCount += removed;
        return removed;
      },
    };
    return round;
  }

  /** Closes the file; later calls do nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    clearTimeout(this.#trimming);
    clearTimeout(this.#checkpoint);
    // A search under way reads no more: the checkpoint below may then take the whole log.
    this.#searches[Symbol.dispose]();
    // Once every row is in the main file, flushed, the unused rest of the block is
    // given back, so ids after a clean restart follow on. Otherwise the mark stays.
    let flushed = false;
    try {
      const result = this.#db.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get() as { busy: number };
      flushed = result.busy === 0;
    } catch {
      // A disk that cannot take the checkpoint keeps the higher mark.
    }
    this.#db.close();
    if (flushed && this.#reserved !== this.#lastId) {
      try {
        writeIdMark(this.#markPath, this.#lastId);
      } catch {
        // The mark on disk is higher still, which is safe.
      }
    }
    // Last, once the mark is written: another server may have the file from now on.
    this.#lock.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
