/**
 * The search thread of the history file (`SearchThread`, sqlite_search.ts): each
 * search it is sent runs on a read-only connection of its own, closed once
 * the answer is posted back, so that the server closing the file finds no
 * reader left unless a search is under way.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { FileSearch, type SearchJob, type SearchReply } from "./sqlite_search.ts";

/** The worker's side of its channel to the server. */
interface Channel {
  onmessage: ((event: MessageEvent<SearchJob>) => void) | null;
  postMessage(reply: SearchReply): void;
}

/**
 * How long a search waits for the file, in milliseconds, if the server holds
 * it a moment (it never does for long): the wait is this thread's alone.
 */
const BUSY_TIMEOUT_MS = 2_000;

const channel = self as unknown as Channel;

channel.onmessage = ({ data: job }) => {
  let reply: SearchReply;
  try {
    const db = new DatabaseSync(job.path, { readOnly: true });
    try {
      db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      reply = { id: job.id, result: new FileSearch(db).find(job.room, job.query, job.options) };
    } finally {
      db.close();
    }
  } catch (error) {
    reply = { id: job.id, error: (error as Error)?.message ?? String(error) };
  }
  channel.postMessage(reply);
};
