// This module is browser compatible.

/**
 * What a client tells the conversation core (core/conversation.ts) of
 * itself: whether it rings, how it shows views, what it says of files, when
 * the user counts as idle, whom they ignore.
 *
 * @module
 */

import type { Display } from "./arrivals.ts";
import type { BellMode } from "./bell.ts";
import type { AwayEnd } from "./describe.ts";
import type { IgnoreEntry } from "./ignore_list.ts";
import type { Moving } from "./notices.ts";
import type { CommandHelp, HelloRoom } from "../protocol.ts";

/** Options for {@linkcode Conversation}. */
export interface ConversationOptions {
  /**
   * The client has a bell (the terminal's, or the page's beep): `ring`
   * effects come as `/bell` says, and `/bell` runs here. @default {false}
   */
  bell?: boolean;
  /**
   * When the bell rings to begin with: the page's as its Sound switch was
   * left. @default {"mentions"}
   */
  bellMode?: BellMode;
  /**
   * The client tells of its reconnections in the log, having no other place
   * to (the terminal when it reconnects): a goodbye that invites it back
   * reads "The server says: …" rather than "Disconnected: …". @default {false}
   */
  narratesReconnects?: boolean;
  /**
   * The client says itself why the server sent it away, as it ends (the
   * terminal, on standard error once it is restored): a goodbye that ends
   * it, one it does not come back from, is not shown as well. The goodbye to
   * a user who leaves is. @default {false}
   */
  saysWhySentAway?: boolean;
  /**
   * How the client shows its views: one at a time (`"current"`, the
   * terminal), or each in its own place (`"each"`). @default {"current"}
   */
  display?: Display;
  /**
   * The client throws away what it showed of a room once the user leaves it
   * (the page drops the room's log): entering it again replays it as to a
   * first-time visitor, its last messages, not only what came since.
   * @default {false}
   */
  forgetsRoomsLeft?: boolean;
  /** The wall clock in ms since the epoch, which tells today from other days. @default {Date.now} */
  clock?: () => number;
  /**
   * What a shared file's line ends with, given its number on the shelf: how
   * to fetch it on this client (`/get 3`). @default {nothing}
   */
  fileHint?: (number: number) => string;
  /**
   * The client sends and fetches files itself: `/send` and `/get` give
   * `upload` and `download` effects (core/transfers.ts). @default {false}
   */
  transfers?: boolean;
  /**
   * Leaving ends the client (the terminal), so lines the server has not
   * confirmed may be lost: a `/quit` while some wait says so instead, and
   * leaves only when the next line typed is `/quit` again. @default {false}
   */
  warnsUnsentOnQuit?: boolean;
  /**
   * The file the client is moving now, if any: leaving would cut it short,
   * and a `/quit` (with {@linkcode warnsUnsentOnQuit}) says so first, as it
   * does of lines the server has not confirmed. @default {none}
   */
  moving?: () => Moving | undefined;
  /**
   * The client asks the server for its room list by itself, once welcomed
   * and again as a `/join` is typed (core/room_asks.ts), to complete room
   * names; the answers are not shown. The page asks on its own, for its
   * sidebar. @default {false}
   */
  asksRooms?: boolean;
  /** What the client is, as `hello.client` tells others in `who`: `terminal`, `web`. */
  client?: string;
  /**
   * How the user shares a file on this client (`with /send PATH`), or
   * `undefined` while they cannot, told to them with a message too long to
   * send: they may share it as a file instead. Said only while the server
   * takes files (its `welcome` said where). @default {nothing said}
   */
  shareHow?: () => string | undefined;
  /**
   * Tell the server the user is away (reason `idle`) after this long without
   * input, in ms, and back at the next input; never over an `/away` of the
   * user's own. 0 never. @default {0}
   */
  awayAfterMs?: number;
  /**
   * What ends that away, as the user is told: any key (`"key"`, the
   * terminal), or the tab shown again (`"shown"`, the page, which goes away
   * only while hidden). @default {"key"}
   */
  awayEnds?: AwayEnd;
  /**
   * The people the user ignores, as remembered for this server: their
   * messages, private messages, files and typing are hidden, and what they
   * said under a name they had before a rename, until then. When the list
   * changes an `ignored` effect gives it to remember. @default {[]}
   */
  ignored?: readonly IgnoreEntry[];
  /**
   * A person reads what the client shows as it comes, and may act on a hint
   * ("Type /help for commands", "Pick another name"); `false` for piped
   * input, whose output a script reads: the hints are left out, refusals
   * included. @default {true}
   */
  hints?: boolean;
  /** The keys `/help` lists after the commands, as this client has them. @default {none} */
  helpKeys?: readonly CommandHelp[];
  /**
   * `/help` lists the usages alone, the keys under `/help keys` and what a
   * command does under `/help COMMAND` (the terminal). @default {false}
   */
  compactHelp?: boolean;
}

/** Options for {@linkcode Conversation.hello}. */
export interface HelloOptions {
  /** The server's password, when it wants one. */
  password?: string | undefined;
  /**
   * The rooms to enter, in order, for a client that was in them before
   * this conversation began (a page reloaded); each with the last message
   * id seen there, if known. Only the first `hello` takes them: coming
   * back, it names the rooms the conversation knows. @default {#lobby}
   */
  rooms?: readonly HelloRoom[] | undefined;
  /**
   * The resume token of the session the client had under the same name
   * before this conversation began (a page reloaded), if it kept it. Only
   * the first `hello` takes it: the server gives back what that session had
   * (operator, the locked rooms it was in) or, still holding its connection,
   * takes that over at once. Coming back, the token of the last `welcome`
   * goes instead. @default {none}
   */
  resume?: string | undefined;
}
