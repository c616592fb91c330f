/**
 * What an IRC client is sent once registered: 001 to 004, ISUPPORT (005),
 * the counts of LUSERS and the MOTD, which says what this server is.
 *
 * @module
 */

import { MAX_NAME_LENGTH, MAX_ROOM_LENGTH, MAX_ROOMS } from "../../protocol.ts";
import { MAX_TOPIC_CHARS } from "../hub/moderation.ts";
import { RPL } from "./numerics.ts";
import type { IrcRenderer } from "./render.ts";

/** The software named in 002, 004 and 351. */
export const VERSION = "chat-1";

/** When this server started, for 003. */
const STARTED = new Date().toUTCString();

/**
 * The ISUPPORT tokens (005), at most 13 a line. `AWAYLEN` and `TOPICLEN`
 * count bytes, as IRC's do: the chat keeps as many characters (200, 300),
 * and an away reason or topic of that many bytes fits any line it is shown
 * in (server/irc/line.ts cuts a longer one).
 */
export function isupport(network: string): string[] {
  return [
    "CASEMAPPING=ascii",
    `CHANLIMIT=#:${MAX_ROOMS}`,
    "CHANMODES=b,,,int",
    `CHANNELLEN=${MAX_ROOM_LENGTH}`,
    "CHANTYPES=#",
    `NETWORK=${network}`,
    `NICKLEN=${MAX_NAME_LENGTH}`,
    "PREFIX=(o)@",
    "AWAYLEN=200",
    `TOPICLEN=${MAX_TOPIC_CHARS}`,
    "MODES=1",
    "UTF8ONLY",
    "SAFELIST",
  ];
}

/** The lines of the message of the day, 375 to 376. */
export function motdLines(renderer: IrcRenderer): string {
  const { network } = renderer.options;
  const text = [
    `${network}: a chat for the local network.`,
    "The same rooms are open to chat join, the web page and nc.",
    "Channels are rooms; #lobby is where everyone starts.",
    "Names may use any script: such a name shows here as a nick with | and a code.",
  ];
  return renderer.numeric(RPL.MOTDSTART, `- ${renderer.options.server} Message of the day -`) +
    text.map((line) => renderer.numeric(RPL.MOTD, `- ${line}`)).join("") +
    renderer.numeric(RPL.ENDOFMOTD, "End of /MOTD command");
}

/**
 * The line `numeric` with `count`, or nothing for none: IRC servers leave out
 * 252, 253 and 254 when they would say 0, and clients print every line they
 * get (irssi's "0 unknown connection(s)" reads like a warning).
 */
function nonZero(renderer: IrcRenderer, numeric: string, count: number, text: string): string {
  return count === 0 ? "" : renderer.numeric(numeric, String(count), text);
}

/**
 * The answer to LUSERS: 251 to 255, 265 and 266, from the hub's counts, 252
 * to 254 only when not 0. Nobody is invisible: rooms are public, and `+i`
 * hides nobody here.
 */
export function luserLines(renderer: IrcRenderer): string {
  const counts = renderer.options.hub.counts();
  const { people, here, peak, peakHere, servers } = counts;
  const links = servers - 1;
  return renderer.numeric(
    RPL.LUSERCLIENT,
    `There are ${people} users and 0 invisible on ${servers} servers`,
  ) +
    nonZero(renderer, RPL.LUSEROP, counts.operators, "operator(s) online") +
    nonZero(renderer, RPL.LUSERUNKNOWN, counts.unnamed, "unknown connection(s)") +
    nonZero(renderer, RPL.LUSERCHANNELS, counts.rooms, "channels formed") +
    renderer.numeric(RPL.LUSERME, `I have ${here} clients and ${links} servers`) +
    renderer.numeric(
      RPL.LOCALUSERS,
      String(here),
      String(peakHere),
      `Current local users ${here}, max ${peakHere}`,
    ) +
    renderer.numeric(
      RPL.GLOBALUSERS,
      String(people),
      String(peak),
      `Current global users ${people}, max ${peak}`,
    );
}

/** The answer to VERSION: 351, then ISUPPORT again (005). */
export function versionLines(renderer: IrcRenderer): string {
  const { server, network } = renderer.options;
  return renderer.numeric(RPL.VERSION, VERSION, server, "a chat for the local network") +
    renderer.numeric(RPL.ISUPPORT, ...isupport(network), "are supported by this server");
}

/** The registration burst: 001 to 005, the counts of LUSERS, then the MOTD. */
export function welcomeLines(renderer: IrcRenderer): string {
  const { server, network } = renderer.options;
  const nick = renderer.nick;
  return renderer.numeric(RPL.WELCOME, `Welcome to ${network}, ${nick}`) +
    renderer.numeric(RPL.YOURHOST, `Your host is ${server}, running version ${VERSION}`) +
    renderer.numeric(RPL.CREATED, `This server was created ${STARTED}`) +
    renderer.numeric(RPL.MYINFO, server, VERSION, "iw", "binot") +
    renderer.numeric(RPL.ISUPPORT, ...isupport(network), "are supported by this server") +
    luserLines(renderer) +
    motdLines(renderer);
}
