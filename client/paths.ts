/**
 * Tab completion of a path after `/send`, from the file system: the
 * entries of the folder typed that start with what follows its last `/`,
 * folders ending with `/`, files with a space; `~` is the user's home, and
 * hidden entries are offered once a `.` is typed.
 *
 * @module
 */

import { join } from "node:path";
import { expandHome } from "./transfer_text.ts";

/** Most entries offered at once. */
export const MAX_PATH_COMPLETIONS = 200;

/** Options for {@linkcode completePath}. */
export interface PathOptions {
  /** The folder a relative path starts from. @default {the current directory} */
  cwd?: string;
  /** The user's home, for `~`. @default {none: `~` is a name like any other} */
  home?: string | undefined;
}

/**
 * The completions of `typed`, a path: each entry of its folder whose name
 * starts with its last part, as `typed` would read with it, sorted.
 *
 * @example
 * ```ts
 * completePath("~/Doc", { home: "/home/ann" }); // ["~/Documents/"]
 * ```
 */
export function completePath(typed: string, options: PathOptions = {}): string[] {
  if (typed === "~" && options.home !== undefined) return ["~/"];
  const slash = typed.lastIndexOf("/");
  const folder = typed.slice(0, slash + 1);
  const start = typed.slice(slash + 1);
  const expanded = expandHome(folder, options.home);
  const dir = expanded.startsWith("/") ? expanded : join(options.cwd ?? Deno.cwd(), expanded);
  const found: string[] = [];
  try {
    for (const entry of Deno.readDirSync(dir || "/")) {
      if (!entry.name.startsWith(start)) continue;
      if (entry.name.startsWith(".") && !start.startsWith(".")) continue;
      found.push(`${folder}${entry.name}${isFolder(dir, entry) ? "/" : " "}`);
      if (found.length >= MAX_PATH_COMPLETIONS) break;
    }
  } catch {
    // No such folder, or not one that may be read: nothing to offer.
  }
  return found.sort();
}

/** Whether `entry` of `dir` is a folder, or a link to one. */
function isFolder(dir: string, entry: Deno.DirEntry): boolean {
  if (!entry.isSymlink) return entry.isDirectory;
  try {
    return Deno.statSync(join(dir, entry.name)).isDirectory;
  } catch {
    return false;
  }
}
