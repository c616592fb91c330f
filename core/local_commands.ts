// This module is browser compatible.

/**
 * The commands a conversation's client answers itself (core/conversation.ts):
 * which there are on this client, which of them send nothing (and so wait
 * for the answers to the lines before them), and what `/bell`, `/typing`,
 * `/ignore`, `/unignore`, `/ignores`, `/send`, `/get` and `/cancel` do and
 * say. The bell's mode lives here. Pure: no I/O and no timers.
 *
 * @module
 */

import type { CommandHelp } from "../protocol.ts";
import { type BellMode, DEFAULT_BELL, localHelp, runBell } from "./bell.ts";
import {
  LOCAL_COMMAND_NAMES,
  type LocalCommand,
  type ParsedLine,
  TRANSFER_COMMANDS,
} from "./commands.ts";
import type { ConversationOptions } from "./conversation_options.ts";
import { type Effect, show } from "./effects.ts";
import type { IgnoreResult, Presence } from "./presence_state.ts";
import { transferEffects, type TransferPlace } from "./transfers.ts";

/** What {@linkcode LocalCommands} asks of the conversation. */
export interface LocalCommandsOptions {
  /** The name, as they have it, of the connected person `name` names, if any is known. */
  known?: (name: string) => string | undefined;
}

/** The commands the client answers itself, with the bell they set. */
export class LocalCommands {
  readonly #options: ConversationOptions;
  readonly #presence: Presence;
  readonly #known: (name: string) => string | undefined;
  #bell: BellMode;

  /** Runs the local commands of a client with `options`, on the user's `presence`. */
  constructor(
    options: ConversationOptions,
    presence: Presence,
    local: LocalCommandsOptions = {},
  ) {
    this.#options = options;
    this.#bell = options.bellMode ?? DEFAULT_BELL;
    this.#presence = presence;
    this.#known = local.known ?? (() => undefined);
  }

  /** When the bell rings. */
  get bell(): BellMode {
    return this.#bell;
  }

  /** The user chose when the bell rings elsewhere than with `/bell` (the page's Sound switch). */
  set bell(mode: BellMode) {
    this.#bell = mode;
  }

  /** The commands this client runs itself, without the slash. */
  get names(): readonly string[] {
    return LOCAL_COMMAND_NAMES.filter((name) =>
      (this.#options.bell || name !== "bell") &&
      (this.#options.transfers || !TRANSFER_COMMANDS.includes(name))
    );
  }

  /** Whether `text` names one of the commands this client runs itself. */
  isLocal(text: string): boolean {
    const name = /^\/(\S*)/.exec(text)?.[1]?.toLowerCase();
    return name !== undefined && this.names.includes(name);
  }

  /** Whether `parsed`, typed as `text`, is a command the client answers itself, sending nothing. */
  answersHere(parsed: ParsedLine, text: string): boolean {
    if (!parsed.ok) return this.isLocal(text);
    if (!("local" in parsed)) return false;
    // `/switch` changes where the next lines go, `/code` goes to the server, and the
    // answers to `/send` and `/get` come as their files move.
    switch (parsed.local.command) {
      case "typing":
      case "ignore":
      case "unignore":
      case "ignores":
        return true;
      case "bell":
        return this.#options.bell === true;
      default:
        return false;
    }
  }

  /**
   * Runs `local` (anything but `/switch` and `/code`), the user being `me`
   * in `place`; `undefined` when this client does not run it (`/bell`
   * without a bell, `/send` without files): the server says so.
   */
  run(local: LocalCommand, me: string, place: TransferPlace): Effect[] | undefined {
    switch (local.command) {
      case "typing":
        return [show([this.#presence.runTyping(local.mode)])];
      case "ignore":
        return ignoring(this.#presence.ignore(local.name, me, { known: this.#known }));
      case "unignore":
        return ignoring(this.#presence.unignore(local.name));
      case "ignores":
        return ignoring(this.#presence.listIgnores());
      case "send":
      case "get":
      case "cancel":
        return this.#options.transfers ? transferEffects(local, place) : undefined;
      case "bell": {
        if (!this.#options.bell) return undefined;
        const bell = runBell(local.mode, this.#bell);
        this.#bell = bell.mode;
        // Set, not only asked: a switch that shows the mode follows it.
        const set: Effect[] = local.mode === undefined ? [] : [{ type: "bell", mode: bell.mode }];
        return [show([bell.line]), ...set];
      }
      default:
        return undefined;
    }
  }

  /** What `/help` says of the commands the client runs itself; `files`, the server takes files. */
  help(files: boolean): CommandHelp[] {
    return localHelp(this.#bell, {
      ...this.#options,
      // Without a bell, `/bell` is no command here: not listed either.
      bell: this.#options.bell ?? false,
      typing: this.#presence.sendsTyping ? "on" : "off",
      // A server without files: `/send` says so, as it would if run.
      files,
    });
  }
}

/** What `/ignore`, `/unignore` or `/ignores` did: said, and the list to remember if it changed. */
function ignoring(result: IgnoreResult): Effect[] {
  const effects: Effect[] = [show([result.line])];
  if (result.changed !== undefined) effects.push({ type: "ignored", names: result.changed });
  return effects;
}
