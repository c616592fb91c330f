/**
 * IRC's INVITE (irssi's and WeeChat's `/invite bob #dev`). Rooms are open to
 * anyone, so an invitation lets nobody in: it tells its person where to come,
 * as a private message that says what was done (`* ann invites you to #dev`),
 * as a private action does, and the sender is answered 341.
 *
 * @module
 */

import type { Gateway } from "./connection.ts";
import { ERR, RPL } from "./numerics.ts";
import { existingRoom, inRoom, reply, short } from "./params.ts";

/**
 * INVITE nick #room: 401 for a nick nobody has, 403 for a room nobody is
 * in, 442 when the sender is not in it, 443 when its person already is; a
 * locked room, which only operators may enter, is refused with a NOTICE
 * for anyone else.
 */
export function invite(gateway: Gateway, params: readonly string[]): void {
  if (short(gateway, "INVITE", params, 2)) return;
  const [nick, channel] = params as [string, string];
  const { hub, renderer } = gateway;
  const name = renderer.nicks.name(nick);
  const found = name === undefined ? undefined : hub.person(name);
  if (found === undefined) return reply(gateway, ERR.NOSUCHNICK, nick, "No such nick/channel");
  const room = existingRoom(gateway, channel);
  if (room === undefined) return;
  if (!inRoom(gateway, room)) {
    return reply(gateway, ERR.NOTONCHANNEL, channel, "You're not on that channel");
  }
  const shown = renderer.nicks.nick(found.person.name);
  if (found.rooms.includes(room)) {
    return reply(gateway, ERR.USERONCHANNEL, shown, room, "is already on channel");
  }
  if (hub.locked(room) && found.person.op !== true) {
    return gateway.write(renderer.notice(
      `Cannot invite ${shown} to ${room}: it is locked, and only operators may enter it`,
    ));
  }
  renderer.lastError = undefined;
  gateway.deliver(
    { type: "msg", to: found.person.name, text: `* ${renderer.name} invites you to ${room}` },
    { command: "INVITE", target: nick },
  );
  if (renderer.lastError === undefined) reply(gateway, RPL.INVITING, shown, room);
}
