/**
 * What the IRC command handlers share: numeric replies, parameter checks,
 * comma lists, and channels read as rooms.
 *
 * @module
 */

import { normalizeRoom, ROOM_RULE } from "../../core/names.ts";
import type { Gateway } from "./connection.ts";
import { ERR } from "./numerics.ts";

/** Writes a numeric reply to the client. */
export function reply(gateway: Gateway, code: string, ...params: string[]): void {
  gateway.write(gateway.renderer.numeric(code, ...params));
}

/** 461 for `command`; true when `params` has fewer than `count`. */
export function short(
  gateway: Gateway,
  command: string,
  params: readonly string[],
  count: number,
): boolean {
  if (params.length >= count && params.slice(0, count).every((param) => param !== "")) return false;
  reply(gateway, ERR.NEEDMOREPARAMS, command, "Not enough parameters");
  return true;
}

/** The items of a comma list, without empty ones. */
export function list(param: string | undefined): string[] {
  return (param ?? "").split(",").filter((item) => item !== "");
}

/**
 * The room a channel names, or `undefined` once 403 is sent, with why it
 * names none: too long, or not `#` and letters, digits, `_` and `-`.
 */
export function room(gateway: Gateway, channel: string): string | undefined {
  const checked = normalizeRoom(channel);
  if (channel.startsWith("#") && checked.ok) return checked.value;
  reply(gateway, ERR.NOSUCHCHANNEL, channel, checked.ok ? ROOM_RULE : checked.message);
  return undefined;
}

/** The room a channel names if someone is in it, or `undefined` once 403 is sent. */
export function existingRoom(gateway: Gateway, channel: string): string | undefined {
  const name = room(gateway, channel);
  if (name === undefined || inRoom(gateway, name) || gateway.hub.occupied(name)) {
    return name;
  }
  reply(gateway, ERR.NOSUCHCHANNEL, channel, "No such channel");
  return undefined;
}

/** Whether the client is in `name`, a room. */
export function inRoom(gateway: Gateway, name: string): boolean {
  const me = gateway.renderer.name;
  return me !== undefined && (gateway.hub.person(me)?.rooms.includes(name) ?? false);
}
