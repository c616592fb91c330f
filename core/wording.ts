// This module is browser compatible.

/**
 * The words a conversation (core/conversation.ts) gives each frame from the
 * server, on core/describe.ts: a shared file's line ends with how to fetch
 * it on this client, `who` counts idle time on the server's clock, `/help`
 * lists the commands the client runs itself too, the user's own automatic
 * away says what brings them back, and a message from a server of
 * version 1 is kept on one line. Pure: no I/O and no timers.
 *
 * @module
 */

import {
  type CommandHelp,
  PROTOCOL_VERSION,
  type ProtocolVersion,
  type ServerFrame,
} from "../protocol.ts";
import { type AwayEnd, describeFrame, type DescribeOptions, type Line } from "./describe.ts";
import { ServerClock } from "./presence.ts";
import { sanitizeText } from "./sanitize.ts";
import type { FileShelf } from "./shelf.ts";

/** Options for {@linkcode Wording}. */
export interface WordingOptions {
  /** What a shared file's line ends with, given its number on the shelf. */
  fileHint?: ((number: number) => string) | undefined;
  /** Whether hints are shown; `false` for piped input. */
  hints?: boolean | undefined;
  /** The keys `/help` lists after the commands. */
  helpKeys?: readonly CommandHelp[] | undefined;
  /** List `/help` compactly (see {@linkcode DescribeOptions.compactHelp}). */
  compactHelp?: boolean | undefined;
  /** The wall clock, in ms since the epoch. */
  clock: () => number;
  /** What ends the away the client sends by itself, as the user is told. @default {"key"} */
  awayEnds?: AwayEnd | undefined;
}

/** Where the user is, for {@linkcode Wording.incoming}. */
export interface WordingPlace {
  /** The user's name. */
  me: string;
  /** The protocol version spoken. */
  version: ProtocolVersion;
  /** Whether the user is away by the client's doing, after a while without input. */
  awayByItself: boolean;
  /** Whether the reason of the user's own `away` is the one they typed, cut short. */
  awayCut?: boolean;
  /** What `/help` says of the commands the client runs itself. */
  localHelp: () => CommandHelp[];
}

/** The words of the frames one conversation receives. */
export class Wording {
  readonly #describing: DescribeOptions;
  readonly #clock: () => number;
  readonly #awayEnds: AwayEnd;
  /** The server's clock, which the times it tells are on. */
  readonly #serverClock = new ServerClock();
  /** What each `/help` not yet answered asked about, in the order typed. */
  readonly #helpTopics: string[] = [];

  /** Words frames for a client whose shared files are on `files`. */
  constructor(files: FileShelf, options: WordingOptions) {
    const hint = options.fileHint;
    this.#describing = {
      // A server that takes no files serves none either, those shared through others included.
      ...hint === undefined ? {} : {
        fileLink: (file) => files.place === undefined ? undefined : hint(files.numberOf(file)),
      },
      ...options.hints === false ? { hints: false } : {},
      ...options.helpKeys === undefined ? {} : { helpKeys: options.helpKeys },
      ...options.compactHelp === true ? { compactHelp: true } : {},
    };
    this.#clock = options.clock;
    this.#awayEnds = options.awayEnds ?? "key";
  }

  /** The user asked `/help` about `topic` (`""` for all): said so with its answer, in turn. */
  askedHelp(topic: string): void {
    this.#helpTopics.push(topic);
  }

  /** A frame came from the server while connected: the times it tells set the server's clock. */
  heard(frame: ServerFrame): void {
    this.#serverClock.heard(frame, this.#clock());
  }

  /** The lines of `frame`, to the user `me`, as they are. */
  of(frame: ServerFrame, me: string): Line[] {
    return describeFrame(frame, me, this.#describing);
  }

  /** The lines of `frame`, received while connected, to the user at `place`. */
  incoming(frame: ServerFrame, place: WordingPlace): Line[] {
    // Version 1 has no lines in a message: a server of version 1 that sends some is not believed.
    const described = frame.type === "help"
      ? { ...frame, commands: [...frame.commands, ...place.localHelp()] }
      : place.version === PROTOCOL_VERSION
      ? oneLine(frame)
      : frame;
    // `who` tells how long people have been idle as of now, on the server's clock, as it counts.
    const describing = frame.type === "help"
      ? { ...this.#describing, helpTopic: this.#helpTopics.shift() ?? "" }
      : frame.type === "who"
      ? { ...this.#describing, now: this.#serverClock.now(this.#clock()) }
      : frame.type === "away" && place.awayByItself
      ? { ...this.#describing, awayByItself: this.#awayEnds }
      : frame.type === "away" && place.awayCut === true
      ? { ...this.#describing, awayCut: true }
      : this.#describing;
    return describeFrame(described, place.me, describing);
  }
}

/** `frame` with the text of a message on one line, each line break a space, as version 1 has it. */
function oneLine(frame: ServerFrame): ServerFrame {
  if (frame.type !== "message" && frame.type !== "private") return frame;
  return { ...frame, text: sanitizeText(frame.text) };
}
