// This module is browser compatible.

/**
 * What an entry of the command table (commands.ts) is made of: how the wire
 * check reads each field of a command's frame, what a typed line's arguments
 * are, the two kinds of entry (a command the server runs, one the client
 * runs) and the argument readers several entries share.
 *
 * @module
 */

import type { ProtocolVersion } from "../protocol.ts";

/** How the wire check reads one field of a frame. */
export type FieldSpec =
  | {
    /** A string of at most `max` UTF-16 code units, checked before any other rule. */
    readonly kind: "string";
    readonly max: number;
    readonly optional?: true;
  }
  | {
    /** A safe integer from `min` to `max`. */
    readonly kind: "integer";
    readonly min: number;
    readonly max: number;
    readonly optional?: true;
  }
  | {
    /** A client message id: 1 to 64 of `A-Z a-z 0-9 _ -`. */
    readonly kind: "cid";
    readonly optional: true;
  };

/** The fields of a frame besides `type`, in the order the wire check reads them. */
export type FieldSpecs = { readonly [field: string]: FieldSpec };

/** A name, a room or a reason: at most 256 UTF-16 code units. */
export const NAME_FIELD = { kind: "string", max: 256 } as const;

/** A room a frame acts in, when it names one (version 2): otherwise the room entered last. */
export const ROOM_FIELD = { ...NAME_FIELD, optional: true } as const;

/** A message or search text: at most 65536 UTF-16 code units; the hub checks the rest. */
export const TEXT_FIELD = { kind: "string", max: 64 * 1024 } as const;

/** The client message id of a `say`, `me` or `msg`, if it has one. */
export const CID_FIELD = { kind: "cid", optional: true } as const;

/** The last message id a client saw in a room it comes back to, if it was there before. */
export const SINCE_FIELD = {
  kind: "integer",
  min: 0,
  max: Number.MAX_SAFE_INTEGER,
  optional: true,
} as const;

/** `T` as one object type, its fields as written rather than as an intersection. */
export type Flatten<T> = { [K in keyof T]: T[K] };

type ValueOf<S extends FieldSpec> = S extends { kind: "integer" } ? number : string;

/** The values the fields `F` describe, as a frame carries them. */
export type FieldValues<F extends FieldSpecs> = Flatten<
  & { -readonly [K in keyof F as F[K] extends { optional: true } ? never : K]: ValueOf<F[K]> }
  & { -readonly [K in keyof F as F[K] extends { optional: true } ? K : never]?: ValueOf<F[K]> }
>;

/** What follows a command's name on the line. */
export interface Args {
  /** All of it, trimmed; the inner spacing is kept. */
  readonly text: string;
  /** Its first word, or `""`. */
  readonly first: string;
  /** What follows the first word, trimmed; the inner spacing is kept. */
  readonly after: string;
  /**
   * All of it as typed, its end trimmed: only the one blank that separates it
   * from the name is left out, or the rest of the line when it is blank, so
   * that text keeps its indentation, on the first line as on the others.
   */
  readonly raw: string;
}

interface Described<N extends string> {
  /** The name typed after the slash, lowercase. */
  readonly name: N;
  /** Other names that run it, lowercase. */
  readonly aliases: readonly string[];
  /** How `/help` shows it: the name, then its arguments. */
  readonly usage: string;
  /** What it does, as `/help` says it. */
  readonly description: string;
  /**
   * What a line whose arguments do not fit is told, or how to word it from
   * them. @default {`Usage: ${usage}`}
   */
  readonly refusal?: string | ((args: Args) => string);
  /** The protocol versions whose `/help` lists it. @default {every version} */
  readonly listedIn?: readonly ProtocolVersion[];
}

/** A command the server runs: its frame's `type` is its name. */
export interface ServerCommand<N extends string = string, F extends FieldSpecs = FieldSpecs>
  extends Described<N> {
  /** The server runs it. */
  readonly side: "server";
  /** The fields of its frame besides `type`, for the frame type and the wire check. */
  readonly fields: F;
  /** Its arguments as its frame's fields, or `undefined` when they do not fit. */
  readonly parse: (args: Args) => FieldValues<F> | undefined;
}

/** A command the client runs itself: the server never sees it. */
export interface ClientCommand<N extends string = string, P extends object = object>
  extends Described<N> {
  /** The client runs it. */
  readonly side: "client";
  /**
   * What it needs of the server: `files`, a server that takes shared files
   * (its `welcome` says where). `/help` says so beside it on a server
   * without. @default {nothing}
   */
  readonly needs?: "files";
  /** Its arguments, or `undefined` when they do not fit. */
  readonly parse: (args: Args) => P | undefined;
}

/** An entry of {@linkcode COMMAND_TABLE}. */
export type Command = ServerCommand | ClientCommand;

/** Declares a command the server runs, typing its parser by its fields. */
export function serverCommand<const N extends string, const F extends FieldSpecs>(
  entry: Omit<ServerCommand<N, F>, "side">,
): ServerCommand<N, F> {
  return { ...entry, side: "server" };
}

/** Declares a command the client runs itself. */
export function clientCommand<const N extends string, const P extends object>(
  entry: Omit<ClientCommand<N, P>, "side">,
): ClientCommand<N, P> {
  return { ...entry, side: "client" };
}

/** The one name a command acts on. */
export function oneName({ first, after }: Args): { name: string } | undefined {
  return first && !after ? { name: first } : undefined;
}

/** The room of `/part`, `/leave` and `/who`: the first word, if any; as ever, the others are ignored. */
export function roomToLeave({ first }: Args): { room?: string } {
  return first === "" ? {} : { room: first };
}

/** The quotes a reason may be wrapped in, each opening one with its closing one. */
const QUOTES: ReadonlyMap<string, string> = new Map([
  ['"', '"'],
  ["'", "'"],
  ["\u201c", "\u201d"], // “ ”
  ["\u2018", "\u2019"], // ‘ ’
  ["\u201e", "\u201c"], // „ “
  ["\u00ab", "\u00bb"], // « »
]);

/**
 * A free-text reason as typed (`/away`, `/quit`, `/kick`, `/ban`), without
 * one pair of matching quotes around all of it: `"5 reasons"`, which quotes
 * keep from being read as a duration, is the reason `5 reasons`. Nothing
 * left, there is no reason.
 */
export function reasonOf(typed: string): { reason?: string } {
  let reason = typed.trim();
  const open = reason.charAt(0);
  const close = QUOTES.get(open);
  if (close !== undefined && reason.length >= 2 && reason.endsWith(close)) {
    const inner = reason.slice(1, -1);
    // A quote closed, then another opened, inside: the outer two are no pair, but the first and
    // last quotes of the reason's own (`"flood" and "spam"`), unless one pair wraps all of what is
    // inside too (`""5 reasons""`). A lone closing one is an apostrophe: `'it's lunch'`.
    const closed = inner.indexOf(close);
    const quotesOwn = closed >= 0 && inner.indexOf(open, closed + 1) >= 0 &&
      !(inner.startsWith(open) && inner.indexOf(close, 1) === inner.length - 1);
    if (!quotesOwn) reason = inner.trim();
  }
  return reason === "" ? {} : { reason };
}
