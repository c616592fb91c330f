/**
 * The commands that ask about the server itself, answered as RFC 2812 has
 * it, with what a chat server has to tell: STATS (no statistics are kept
 * for it, so its end alone), LINKS (this server), INFO (its name and
 * version) and ADMIN (its name; it knows no one's email). IRC clients print
 * these answers; a 421 for them would read as a fault.
 *
 * @module
 */

import type { Gateway } from "./connection.ts";
import { RPL } from "./numerics.ts";
import { reply } from "./params.ts";
import { fitsMask } from "./queries.ts";
import { VERSION } from "./welcome.ts";

/** What the server says it is, in LINKS and INFO. */
const DESCRIPTION = "a chat for the local network";

/** STATS: `219` with the letter asked for (`*` for none), as no statistics are given here. */
function stats(gateway: Gateway, params: readonly string[]): void {
  const letter = params[0] === undefined || params[0] === "" ? "*" : params[0][0]!;
  reply(gateway, RPL.ENDOFSTATS, letter, "End of STATS report");
}

/** LINKS [[server] mask]: `364` for this server when the mask fits its name, then `365`. */
function links(gateway: Gateway, params: readonly string[]): void {
  const mask = params.at(-1) || "*";
  const server = gateway.renderer.options.server;
  if (fitsMask(mask, server)) reply(gateway, RPL.LINKS, server, server, `0 ${DESCRIPTION}`);
  reply(gateway, RPL.ENDOFLINKS, mask, "End of LINKS list");
}

/** INFO: the server's name and version in `371` lines, then `374`. */
function info(gateway: Gateway): void {
  const { network } = gateway.renderer.options;
  reply(gateway, RPL.INFO, `${network}: ${DESCRIPTION}`);
  reply(gateway, RPL.INFO, `Running ${VERSION}`);
  reply(gateway, RPL.ENDOFINFO, "End of INFO list");
}

/**
 * ADMIN: `256` to `258` with what the server knows of who runs it: its name,
 * and that its host and operators keep order. It knows no email, so no `259`.
 */
function admin(gateway: Gateway): void {
  const { server, network } = gateway.renderer.options;
  reply(gateway, RPL.ADMINME, server, "Administrative info");
  reply(gateway, RPL.ADMINLOC1, `${network}, ${DESCRIPTION}`);
  reply(gateway, RPL.ADMINLOC2, "Run by its host, at the server's console; operators keep order");
}

/** The commands about the server, by name. */
export const ABOUT: Readonly<
  Record<string, (gateway: Gateway, params: readonly string[]) => void>
> = { STATS: stats, LINKS: links, INFO: info, ADMIN: admin };
