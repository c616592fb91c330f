/**
 * The lock that keeps a second server off a history file: SQLite's own locks
 * let another connection read while the server writes (its searches do, on a
 * thread of their own), so one server per file is held with a lock of the
 * system on a small file beside it instead.
 *
 * @module
 */

/**
 * Takes the lock of the history file at `path`, on `path-lock` (made if
 * need be); throws when another process holds it. Closing the file it
 * returns lets the lock go, and so does the process ending, however it ends.
 */
export function lockHistory(path: string): Deno.FsFile {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(`${path}-lock`, { read: true, write: true, create: true, mode: 0o600 });
  } catch (error) {
    // A missing directory, or one that cannot be written: worded as SQLite words them.
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.PermissionDenied) {
      throw new Error(`unable to open ${path}-lock`, { cause: error });
    }
    throw error;
  }
  let locked = false;
  try {
    locked = file.tryLockSync(true);
  } finally {
    if (!locked) file.close();
  }
  // Worded as SQLite words a busy file, which explain() tells the person as "in use".
  if (!locked) throw new Error(`database is locked: ${path}-lock is held by another process`);
  return file;
}
