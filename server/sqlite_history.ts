/**
 * Durable room history in SQLite, through Deno's built-in `node:sqlite`.
 * Every message is committed before the hub broadcasts it, so a message
 * its sender saw acknowledged survives a crash of the server process.
 *
 * @module
 */

import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { MessageFrame } from "../protocol.ts";
import type { HistoryStore } from "./history.ts";

/** The data file could not be used; the message says why, in one line. */
export class HistoryError extends Error {
  override get name(): string {
    return "HistoryError";
  }
}

/** How long messages are kept: by age, by count, or both. */
export interface Retention {
  /** Drop messages older than this many milliseconds. */
  maxAgeMs?: number;
  /** Keep at most this many messages in all. */
  maxCount?: number;
}

/** Options for {@linkcode SqliteHistory.open}. */
export interface SqliteHistoryOptions {
  /** What to trim, at start-up and then every hour. @default {keep everything} */
  retention?: Retention;
}

const SCHEMA_VERSION = 1;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    room TEXT NOT NULL,
    sender TEXT NOT NULL,
    text TEXT NOT NULL,
    action INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX IF NOT EXISTS messages_by_room ON messages (room, id);
  CREATE INDEX IF NOT EXISTS messages_by_time ON messages (ts);
  CREATE VIRTUAL TABLE IF NOT EXISTS messages_text USING fts5(
    text, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
  );
  CREATE TRIGGER IF NOT EXISTS messages_indexed AFTER INSERT ON messages BEGIN
    INSERT INTO messages_text (rowid, text) VALUES (new.id, new.text);
  END;
  CREATE TRIGGER IF NOT EXISTS messages_unindexed AFTER DELETE ON messages BEGIN
    INSERT INTO messages_text (messages_text, rowid, text) VALUES ('delete', old.id, old.text);
  END;
`;

interface Row {
  id: number;
  ts: number;
  room: string;
  sender: string;
  text: string;
  action: number;
}

function toFrame(row: Row): MessageFrame {
  const frame: MessageFrame = {
    type: "message",
    id: row.id,
    ts: row.ts,
    room: row.room,
    from: row.sender,
    text: row.text,
  };
  if (row.action) frame.action = true;
  return frame;
}

// Primary SQLite result codes, from the low byte of node:sqlite's `errcode`.
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_READONLY = 8;
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;

function explain(path: string, error: unknown): HistoryError {
  const message = (error as Error)?.message ?? String(error);
  const errcode = (error as { errcode?: unknown })?.errcode;
  const code = typeof errcode === "number" ? errcode & 0xff : undefined;
  const reason = code === SQLITE_BUSY || code === SQLITE_LOCKED || /locked|busy/i.test(message)
    ? "it is in use by another chat server (one data directory per server)"
    // A damaged FTS table fails as "vtable constructor failed", with SQLITE_CORRUPT.
    : code === SQLITE_CORRUPT || code === SQLITE_NOTADB ||
        /not a database|malformed|corrupt/i.test(message)
    ? "it is damaged or not a chat database; move it away to start a new history"
    : code === SQLITE_READONLY || /readonly|read-only|permission|access/i.test(message)
    ? "it cannot be written; check its permissions, or use --memory"
    : /unable to open/i.test(message)
    ? "it cannot be opened; check that the directory exists and can be written"
    : message;
  return new HistoryError(`Cannot use history file ${path}: ${reason}`, { cause: error });
}

/** Room history in one SQLite file, in WAL mode. */
export class SqliteHistory implements HistoryStore {
  readonly #db: DatabaseSync;
  readonly #path: string;
  readonly #insert: StatementSync;
  readonly #recent: StatementSync;
  readonly #since: StatementSync;
  readonly #search: StatementSync;
  readonly #retention: Retention;
  readonly #timer: ReturnType<typeof setInterval> | undefined;
  #lastId: number;
  #closed = false;

  private constructor(db: DatabaseSync, path: string, retention: Retention) {
    this.#db = db;
    this.#path = path;
    this.#retention = retention;
    this.#insert = db.prepare(
      "INSERT INTO messages (id, ts, room, sender, text, action) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.#recent = db.prepare(
      "SELECT * FROM (SELECT * FROM messages WHERE room = ? ORDER BY id DESC LIMIT ?) ORDER BY id",
    );
    this.#since = db.prepare(
      "SELECT * FROM messages WHERE room = ? AND id > ? ORDER BY id LIMIT ?",
    );
    this.#search = db.prepare(
      "SELECT * FROM (SELECT m.* FROM messages_text JOIN messages m ON m.id = messages_text.rowid " +
        "WHERE messages_text MATCH ? AND m.room = ? ORDER BY m.id DESC LIMIT ?) ORDER BY id",
    );
    const row = db.prepare("SELECT max(id) AS last FROM messages").get() as { last: number | null };
    this.#lastId = row.last ?? 0;
    this.trim();
    if (retention.maxAgeMs !== undefined || retention.maxCount !== undefined) {
      this.#timer = setInterval(() => this.trim(), 60 * 60 * 1000);
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
    try {
      // SQLite opens a file it cannot write read-only, then fails later with a
      // vague "disk I/O error"; asking for write access first names the problem.
      try {
        Deno.openSync(path, { read: true, write: true }).close();
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
      db = new DatabaseSync(path);
      // One server per file: the exclusive lock makes a second one fail at start.
      db.exec("PRAGMA locking_mode = EXCLUSIVE");
      const mode = db.prepare("PRAGMA journal_mode = WAL").get() as { journal_mode: string };
      if (mode.journal_mode.toLowerCase() !== "wal") {
        throw new Error(`journal mode is ${mode.journal_mode}, not wal`);
      }
      // A committed transaction is in the WAL before the call returns: it survives
      // the process being killed. Only a power cut can lose the last few.
      db.exec("PRAGMA synchronous = NORMAL");
      db.exec("PRAGMA busy_timeout = 0");
      const version = (db.prepare("PRAGMA user_version").get() as { user_version: number })
        .user_version;
      if (version > SCHEMA_VERSION) {
        throw new Error(`it was written by a newer version of chat (schema ${version})`);
      }
      db.exec("BEGIN IMMEDIATE");
      db.exec(SCHEMA);
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
      db.exec("COMMIT");
      const check = db.prepare("PRAGMA quick_check").get() as { quick_check: string };
      if (check.quick_check !== "ok") throw new Error(`malformed: ${check.quick_check}`);
      return new SqliteHistory(db, path, options.retention ?? {});
    } catch (error) {
      try {
        db?.close();
      } catch {
        // Closing a half-open database can fail too; the first error is the one to report.
      }
      throw explain(path, error);
    }
  }

  /** The file this history lives in. */
  get path(): string {
    return this.#path;
  }

  lastId(): number {
    return this.#lastId;
  }

  append(message: MessageFrame): void {
    this.#insert.run(
      message.id,
      message.ts,
      message.room,
      message.from,
      message.text,
      message.action ? 1 : 0,
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

  search(room: string, query: string, limit: number): MessageFrame[] {
    // Each word becomes a quoted prefix term, so no input is read as query syntax.
    const terms = query.split(/\s+/).filter((word) => word !== "")
      .map((word) => `"${word.replaceAll('"', '""')}"*`);
    if (terms.length === 0 || limit <= 0) return [];
    return (this.#search.all(terms.join(" "), room, limit) as unknown as Row[]).map(toFrame);
  }

  /** Applies the retention rule now; returns how many messages were removed. */
  trim(now = Date.now()): number {
    let removed = 0;
    const { maxAgeMs, maxCount } = this.#retention;
    if (maxAgeMs !== undefined) {
      removed += Number(
        // The newest message always stays, so ids keep counting up after a restart.
        this.#db.prepare(
          "DELETE FROM messages WHERE ts < ? AND id < (SELECT max(id) FROM messages)",
        ).run(now - maxAgeMs).changes,
      );
    }
    if (maxCount !== undefined) {
      removed += Number(
        this.#db.prepare(
          "DELETE FROM messages WHERE id <= (SELECT id FROM messages ORDER BY id DESC LIMIT 1 OFFSET ?)",
        ).run(maxCount).changes,
      );
    }
    return removed;
  }

  /** Closes the file; later calls do nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#db.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
