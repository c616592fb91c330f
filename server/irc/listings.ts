/**
 * Who is in a room, as IRC tells it: the JOIN of a room entered with its
 * topic and NAMES, and the hub's `who` as NAMES (353, 366) or WHO (352,
 * 315), as the command being handled asked.
 *
 * @module
 */

import type { WhoFrame } from "../../protocol.ts";
import { byteLength, MAX_LINE_BYTES } from "./line.ts";
import { HOST } from "./nicks.ts";
import { RPL } from "./numerics.ts";
import type { IrcRenderer } from "./render.ts";

/** The topic of `room` (332), and who set it when (333) if the hub knows. */
export function topicLines(renderer: IrcRenderer, room: string, topic: string): string {
  const set = renderer.options.hub.topic(room);
  const when = set === undefined ? "" : String(Math.floor(set.ts / 1000));
  return renderer.numeric(RPL.TOPIC, room, topic) +
    (set === undefined
      ? ""
      : renderer.numeric(RPL.TOPICWHOTIME, room, renderer.mask(set.by), when));
}

/** The JOIN of a room entered, its topic and its NAMES. */
export function joinLines(
  renderer: IrcRenderer,
  room: string,
  members: readonly string[],
  topic: string | undefined,
): string {
  let lines = renderer.from(renderer.name ?? renderer.nick, "JOIN", room);
  if (topic !== undefined) lines += topicLines(renderer, room, topic);
  const ops = members.map((name) => renderer.options.hub.person(name)?.person.op === true);
  return lines + namesLines(renderer, room, members, ops);
}

/** 353 lines of `names` (at most what fits in 512 bytes each), then 366. */
export function namesLines(
  renderer: IrcRenderer,
  room: string,
  names: readonly string[],
  ops: readonly boolean[],
): string {
  const entries = names.map((name, index) => (ops[index] ? "@" : "") + renderer.nicks.nick(name));
  return wordLines(renderer, RPL.NAMREPLY, ["=", room], entries) +
    renderer.numeric(RPL.ENDOFNAMES, room, "End of /NAMES list");
}

/**
 * Numeric `code` to this client with `params`, then `words` with a space
 * between them: as many lines as it takes for each to fit 512 bytes (353's
 * nicks, 319's channels); none for no words.
 */
export function wordLines(
  renderer: IrcRenderer,
  code: string,
  params: readonly string[],
  words: readonly string[],
): string {
  // `:SERVER CODE NICK PARAMS :` and CR LF.
  const budget = MAX_LINE_BYTES - 2 - byteLength(
    `:${renderer.options.server} ${code} ${renderer.nick} ${params.join(" ")} :`,
  );
  let lines = "";
  let batch = "";
  let bytes = 0;
  for (const word of words) {
    const size = byteLength(word);
    if (batch !== "" && bytes + 1 + size > budget) {
      lines += renderer.numeric(code, ...params, batch);
      batch = "";
      bytes = 0;
    }
    bytes += batch === "" ? size : 1 + size;
    batch = batch === "" ? word : `${batch} ${word}`;
  }
  return batch === "" ? lines : lines + renderer.numeric(code, ...params, batch);
}

/** The answer to `who`: NAMES or WHO, as the command being handled asked. */
export function whoLines(renderer: IrcRenderer, frame: WhoFrame): string {
  const command = renderer.context?.command;
  if (command === "NAMES") return whoNames(renderer, frame);
  if (command === "WHO") return whoReplies(renderer, frame);
  return "";
}

/** A `who` as NAMES: 353 and 366. */
export function whoNames(renderer: IrcRenderer, frame: WhoFrame): string {
  const ops = frame.people?.map((person) => person.op === true) ?? frame.members.map(() => false);
  return namesLines(renderer, frame.room, frame.members, ops);
}

/** A `who` as WHO: 352 per person, then 315. */
export function whoReplies(renderer: IrcRenderer, frame: WhoFrame): string {
  const people = frame.people ?? frame.members.map((name) => ({ name, op: undefined }));
  const server = renderer.options.server;
  return people.map((person) => {
    const flags = ("away" in person && person.away !== undefined ? "G" : "H") +
      (person.op ? "@" : "");
    const nick = renderer.nicks.nick(person.name);
    return renderer.numeric(
      RPL.WHOREPLY,
      frame.room,
      renderer.idents.user(person.name),
      HOST,
      server,
      nick,
      flags,
      `0 ${person.name}`,
    );
  }).join("") + renderer.numeric(RPL.ENDOFWHO, frame.room, "End of WHO list");
}
