/**
 * The history file's layout: its tables and the steps from each older
 * version, and its rows read back as message frames.
 *
 * @module
 */

import { type FileRef, type MessageFrame, parseServerFrame } from "../../protocol.ts";

/** The version of the layout below, kept in the file as `PRAGMA user_version`. */
export const SCHEMA_VERSION = 6;

/** The tables of a new file, as version 1 made them; {@linkcode MIGRATIONS} lead on from it. */
export const SCHEMA = `
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

/**
 * The steps from one schema version to the next, by the version they lead
 * to. A step only adds, so a file of any older version opens; version 1 is
 * {@linkcode SCHEMA} itself.
 */
export const MIGRATIONS: Readonly<Record<number, string>> = {
  // Client message ids, to recognise a message sent again after a reconnection.
  2: `
    ALTER TABLE messages ADD COLUMN cid TEXT;
    CREATE INDEX IF NOT EXISTS messages_by_cid ON messages (cid) WHERE cid IS NOT NULL;
  `,
  // Shared files: the file a message shares, as JSON.
  3: `ALTER TABLE messages ADD COLUMN file TEXT;`,
  // Notes kept with the history: bans, room topics and locks.
  4: `
    CREATE TABLE IF NOT EXISTS notes (
      kind TEXT NOT NULL,
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      PRIMARY KEY (kind, key)
    );
  `,
  // The room in the word index, so that a search walks its own room's matches only: one
  // token per room, its name in hex, computed by SQLite for the index and its rebuilds alike.
  5: `
    ALTER TABLE messages ADD COLUMN room_key TEXT GENERATED ALWAYS AS ('r' || hex(room)) VIRTUAL;
    DROP TRIGGER messages_indexed;
    DROP TRIGGER messages_unindexed;
    DROP TABLE messages_text;
    CREATE VIRTUAL TABLE messages_text USING fts5(
      text, room_key, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
    );
    INSERT INTO messages_text (messages_text) VALUES ('rebuild');
    CREATE TRIGGER messages_indexed AFTER INSERT ON messages BEGIN
      INSERT INTO messages_text (rowid, text, room_key) VALUES (new.id, new.text, new.room_key);
    END;
    CREATE TRIGGER messages_unindexed AFTER DELETE ON messages BEGIN
      INSERT INTO messages_text (messages_text, rowid, text, room_key)
        VALUES ('delete', old.id, old.text, old.room_key);
    END;
  `,
  // The newest message of each room that --retain removed: a client coming back from before
  // it is told that not all it missed is kept.
  6: `
    CREATE TABLE IF NOT EXISTS trimmed (
      room TEXT PRIMARY KEY,
      id INTEGER NOT NULL
    ) WITHOUT ROWID;
  `,
};

/** The token of `room` in the word index: `r` and its name's UTF-8 bytes in hex, as SQLite's `hex()`. */
export function roomKey(room: string): string {
  return `r${new TextEncoder().encode(room).toHex()}`;
}

/** A row of the `messages` table, as read back. */
export interface Row {
  id: number;
  ts: number;
  room: string;
  sender: string;
  text: string;
  action: number;
  cid: string | null;
  file: string | null;
}

/** The file a stored message shares, if its JSON reads as one. */
function readFile(json: string): FileRef | undefined {
  try {
    const checked = parseServerFrame({
      type: "message",
      id: 0,
      ts: 0,
      room: "",
      from: "",
      text: "",
      file: JSON.parse(json),
    });
    return checked.ok && checked.value.type === "message" ? checked.value.file : undefined;
  } catch {
    return undefined;
  }
}

/** A stored row as the message frame it was. */
export function toFrame(row: Row): MessageFrame {
  const frame: MessageFrame = {
    type: "message",
    id: row.id,
    ts: row.ts,
    room: row.room,
    from: row.sender,
    text: row.text,
  };
  if (row.action) frame.action = true;
  if (row.cid !== null) frame.cid = row.cid;
  if (row.file !== null) {
    const file = readFile(row.file);
    if (file !== undefined) frame.file = file;
  }
  return frame;
}
