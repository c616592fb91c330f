/**
 * The history file's check at start: SQLite's quick check, said beforehand
 * when it may take a while, and a damaged word index rebuilt from the
 * messages, which are all it is made of, rather than the whole file refused.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";

/**
 * Stored messages from which the check is said beforehand: the check reads
 * every page, about 1.5 µs a message from the page cache and more from a
 * cold disk, so a larger history keeps the server from listening a while.
 */
export const LONG_CHECK = 100_000;

/** Options for {@linkcode checkHistory}. */
export interface CheckOptions {
  /** Told, in one line each, of a check that may take a while and of an index rebuilt. */
  log: (line: string) => void;
  /** Stored messages from which the check is said beforehand. @default {LONG_CHECK} */
  longCheck?: number | undefined;
}

/** What `PRAGMA quick_check` found wrong, as the error to report; `undefined` when all is well. */
type Problem = { error: unknown } | undefined;

/** Runs `PRAGMA quick_check`, of the whole file or of one table (and its indexes). */
function quickCheck(db: DatabaseSync, table?: string): Problem {
  try {
    const rows = db.prepare(`PRAGMA quick_check${table === undefined ? "" : `(${table})`}`)
      .all() as { quick_check: string }[];
    if (rows.length === 1 && rows[0]!.quick_check === "ok") return undefined;
    return { error: new Error(`malformed: ${rows.map((row) => row.quick_check).join("; ")}`) };
  } catch (error) {
    // The word index's own settings damaged: it cannot even be opened to be checked.
    return { error };
  }
}

/** `DatabaseSync.enableDefensive()` of node:sqlite. */
interface Defensive {
  enableDefensive(on: boolean): void;
}

/**
 * Rebuilds the word index from the messages. Its own settings damaged, the
 * index cannot even be opened to rebuild: its tables, which nothing else
 * reads, are emptied first, and it starts anew.
 */
function rebuildIndex(db: DatabaseSync): void {
  const rebuild = "INSERT INTO messages_text (messages_text) VALUES ('rebuild')";
  try {
    db.exec(rebuild);
    return;
  } catch (error) {
    // SQLite keeps the index's own tables from being written directly unless told (node:sqlite
    // has the call, its types not yet).
    if (typeof (db as Partial<Defensive>).enableDefensive !== "function") throw error;
  }
  const defensive = db as DatabaseSync & Defensive;
  defensive.enableDefensive(false);
  try {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(
        "DELETE FROM messages_text_data; DELETE FROM messages_text_idx; " +
          "DELETE FROM messages_text_docsize; DELETE FROM messages_text_config; " +
          "INSERT INTO messages_text_config (k, v) VALUES ('version', 4);",
      );
      db.exec(rebuild);
      db.exec("COMMIT");
    } catch (error) {
      db.exec("ROLLBACK");
      throw error;
    }
  } finally {
    defensive.enableDefensive(true);
  }
}

/**
 * Checks the history file open in `db` at `path`, saying so first when it
 * holds many messages. A damaged word index, beside messages, notes and trim
 * marks that read whole, is rebuilt, and said in one line; anything else damaged throws
 * what the check found.
 */
export function checkHistory(db: DatabaseSync, path: string, options: CheckOptions): void {
  const { count } = db.prepare("SELECT count(*) AS count FROM messages").get() as {
    count: number;
  };
  const messages = `${count.toLocaleString("en-US")} ${count === 1 ? "message" : "messages"}`;
  if (count >= (options.longCheck ?? LONG_CHECK)) {
    options.log(`Checking history file ${path} (${messages})…`);
  }
  const found = quickCheck(db);
  if (found === undefined) return;
  // The word index is made from the messages: when they and the other tables read whole, it
  // alone is damaged, and can be made again.
  if (["messages", "notes", "trimmed"].some((table) => quickCheck(db, table) !== undefined)) {
    throw found.error;
  }
  options.log(
    `The word index of history file ${path} is damaged, its messages are not: ` +
      `rebuilding it from the ${messages}…`,
  );
  rebuildIndex(db);
  const after = quickCheck(db);
  if (after !== undefined) throw after.error;
}
