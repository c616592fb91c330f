/**
 * The JetStream stream of room messages, made with what it keeps, and made
 * anew, numbered from a given sequence, when NATS lost its store.
 *
 * @module
 */

import {
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamInfo,
} from "@nats-io/jetstream";

/** The stream of room messages. */
export const STREAM = "CHAT";
/** What the stream takes: room messages and the ids of private messages. */
const SUBJECTS = ["chat.m.*", "chat.id"];
/**
 * What a stream made anew takes until it numbers from where it should: no
 * message reaches it before then.
 */
const NUMBERING = "chat.numbering";

/** How much of the room messages the stream keeps. */
export interface Keeping {
  /** Keep messages this many ms at most. @default {forever} */
  readonly maxAgeMs?: number | undefined;
  /** Keep at most this many messages. @default {no limit} */
  readonly maxMessages?: number | undefined;
}

/** Whether `error` says that a stream (or the bucket on it) is not there. */
function missing(error: unknown): boolean {
  return /stream not found/i.test((error as Error)?.message ?? "");
}

/** The stream's info, or `undefined` if it is not there. */
function infoOf(jsm: JetStreamManager, stream: string): Promise<StreamInfo | undefined> {
  return jsm.streams.info(stream).catch((error) => {
    if (missing(error)) return undefined;
    throw error;
  });
}

/**
 * The stream, made if it is missing, its first message numbered `first` or,
 * if a server made it with a lower number first, that one. A stream made
 * half (its maker went between the steps) is finished.
 */
export async function makeStream(
  jsm: JetStreamManager,
  keeping: Keeping,
  first: number,
): Promise<StreamInfo> {
  const config = (subjects: string[]) => ({
    name: STREAM,
    subjects,
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: (keeping.maxAgeMs ?? 0) * 1_000_000,
    max_msgs: keeping.maxMessages ?? -1,
    duplicate_window: 120_000_000_000,
  });
  let info = await infoOf(jsm, STREAM);
  if (info === undefined) {
    // The first number is set by purging the empty stream up to it, which older NATS
    // servers (without `first_seq`) take too; until then the stream takes no message.
    const subjects = first <= 1 ? SUBJECTS : [NUMBERING];
    info = await jsm.streams.add(config(subjects)).catch(async (error) => {
      // Another server made it meanwhile.
      const made = await infoOf(jsm, STREAM);
      if (made === undefined) throw error;
      return made;
    });
  }
  if (!info.config.subjects?.includes(NUMBERING)) return info;
  if (info.state.last_seq < first - 1) await jsm.streams.purge(STREAM, { seq: first });
  return await jsm.streams.update(STREAM, { ...info.config, subjects: SUBJECTS });
}
