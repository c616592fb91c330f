// This module is browser compatible.

/**
 * `/send PATH`, `/get N|LINK` and `/cancel [NAME|N]`, the commands a client
 * that reads and writes files runs itself (the terminal): what each asks of
 * the client, given where the user is, as effects (core/effects.ts): an
 * `upload` of a path to share in the view looked at, a `download` of a file
 * from the shelf (core/shelf.ts) or of a link, a `cancel` of those under
 * way, or an error line. The client does the
 * reading, the HTTP and the writing. No I/O.
 *
 * @module
 */

import type { LocalCommand } from "./commands.ts";
import { errorLine } from "./describe.ts";
import { type Effect, show } from "./effects.ts";
import type { FileShelf } from "./shelf.ts";
import type { View } from "./views.ts";

/** `/send`, `/get` or `/cancel`, with its arguments. */
export type TransferCommand = Extract<LocalCommand, { command: "send" | "get" | "cancel" }>;

/** Where the user is, for {@linkcode transferEffects}. */
export interface TransferPlace {
  /** Whether the server accepted this connection's `hello`. */
  online: boolean;
  /** The files seen shared, and where the server takes them. */
  shelf: FileShelf;
  /** The view looked at, if any yet. */
  view: View | undefined;
}

/** What an address to download from starts with. */
const LINK = /^https?:\/\/\S+$/i;

/** What `command` asks of the client in `place`: a transfer to carry out, or an error to show. */
export function transferEffects(command: TransferCommand, place: TransferPlace): Effect[] {
  // Stopping what moves needs no server: the client knows what it sends and saves.
  if (command.command === "cancel") return [{ type: "cancel", target: command.target }];
  if (command.command === "send") {
    // Named as typed, as every refusal of `/send` names it.
    if (!place.online) {
      return [show([errorLine(`Cannot send ${JSON.stringify(command.path)}: ${NOT_CONNECTED}`)])];
    }
    if (place.shelf.place === undefined) return [show([errorLine(NO_FILES)])];
    return [{ type: "upload", path: command.path, view: place.view?.id }];
  }
  const target = command.target;
  const link = LINK.test(target);
  if (!link && !/^\d{1,9}$/.test(target)) {
    return [show([errorLine(`Cannot get ${JSON.stringify(target)}: ${GET_WHAT}`)])];
  }
  // Away from the server, the token a download may need is no longer good (a server
  // restarted forgets them all), and the server may not answer anyway.
  if (!place.online) {
    const what = link ? JSON.stringify(target) : `file ${Number(target)}`;
    return [show([errorLine(`Cannot get ${what}: ${NOT_CONNECTED}`)])];
  }
  if (link) return [{ type: "download", link: target }];
  // A file shared through another server of a cluster is shown, without a number, on one
  // that takes none, which serves none either.
  if (place.shelf.place === undefined) {
    return [show([errorLine(`Cannot get file ${Number(target)}: ${SERVES_NO_FILES}`)])];
  }
  const file = place.shelf.get(Number(target));
  if (file === undefined) {
    return [show([errorLine(`Cannot get file ${Number(target)}: ${noSuchNumber(place.shelf)}`)])];
  }
  return [{ type: "download", file }];
}

/** Why no file moves while the client is away from the server, wherever it matters. */
export const NOT_CONNECTED = "not connected to the server; try again once it is back";

/** What a server without shared files is said to be, wherever it matters. */
export const TAKES_NO_FILES = "this server takes no files";

const NO_FILES = `Cannot send a file: ${TAKES_NO_FILES}`;

/** Why `/get N` fetches nothing from a server without shared files. */
const SERVES_NO_FILES =
  `${TAKES_NO_FILES}, so it serves none, not even those shared through other servers of the chat`;

const GET_WHAT =
  "give the number a shared file shows (as in /get 3) or the link of a file of this server";

/** Why no file has the number asked for, and which numbers there are. */
function noSuchNumber(shelf: FileShelf): string {
  const last = shelf.last === undefined ? undefined : shelf.numberOf(shelf.last);
  return last === undefined
    ? "no file has been shared yet"
    : `no file has that number (the last file shared is ${last})`;
}
