// This module is browser compatible.

/**
 * The fields of the client frames that are not slash commands, as specs that
 * both their types and their checking are made from. Internal to protocol/.
 *
 * @module
 */

import { CID_FIELD, NAME_FIELD, ROOM_FIELD, SINCE_FIELD, TEXT_FIELD } from "../core/commands.ts";

/** The fields of `say` besides `type`: the text, its client message id, and (version 2) its room. */
export const SAY_FIELDS = { text: TEXT_FIELD, cid: CID_FIELD, room: ROOM_FIELD } as const;

/**
 * The fields of `file` besides `type`: the stored file's id, the name to show
 * it under, and where it goes: a room of the sender's (version 2), or one
 * person (`to`).
 */
export const FILE_FIELDS = {
  id: { kind: "string", max: 64 },
  name: { kind: "string", max: 1024, optional: true },
  room: ROOM_FIELD,
  to: { ...NAME_FIELD, optional: true },
  cid: CID_FIELD,
} as const;

/** The fields of a client's `typing`: where the user is typing, a room of theirs or a person. */
export const TYPING_FIELDS = { room: ROOM_FIELD, to: { ...NAME_FIELD, optional: true } } as const;

/** The fields of one entry of `hello.rooms`: a room to enter and the last message id seen there. */
export const HELLO_ROOM_FIELDS = { room: NAME_FIELD, since: SINCE_FIELD } as const;

/** The `since` of a version 1 `hello`: an integer from 0 up, as in `join` and `hello.rooms`. */
export const HELLO_SINCE_FIELDS = { since: SINCE_FIELD } as const;
