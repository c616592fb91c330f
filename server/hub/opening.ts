/**
 * Rooms opened in a cluster: a room nobody here is in is claimed across the
 * cluster before anyone here enters it (`Cluster.claimRoom`), so that of two
 * look-alikes opened at the same moment on two servers, one is refused as a
 * look-alike (see `Rooms.lookalike`). This server holds the name of each room
 * someone here is in, and lets it go once nobody here is.
 *
 * @module
 */

import { LOBBY } from "../../protocol.ts";
import { nameKey, normalizeRoom } from "../../core/names.ts";
import type { Cluster } from "./cluster.ts";
import type { Room, Rooms } from "./rooms.ts";

/** The folded name of `#lobby`, which is always itself and never claimed, nor its look-alikes. */
const LOBBY_KEY = nameKey(LOBBY.slice(1));

/** Whether `name` (normalised) is a room whose name is claimed across the cluster. */
function claimed(name: string): boolean {
  return nameKey(name.slice(1)) !== LOBBY_KEY;
}

/** Claims the rooms that people here open, and lets them go. */
export class RoomOpening {
  readonly #cluster: Cluster;
  readonly #rooms: () => Rooms;
  readonly #log: (line: string) => void;

  /**
   * @param cluster The other servers.
   * @param rooms The rooms here (once the hub has made them).
   * @param log Receives one line per claim that fails.
   */
  constructor(cluster: Cluster, rooms: () => Rooms, log: (line: string) => void) {
    this.#cluster = cluster;
    this.#rooms = rooms;
    this.#log = log;
  }

  /**
   * Runs `then`, which may open rooms the user typed as `inputs`, once each
   * of them that it would open (nobody is in it, here or elsewhere, nor in
   * a look-alike, as far as this server knows) is claimed across the
   * cluster; a claim whose room nobody here entered after all is let go once
   * `then` is done. At once when there is nothing to claim, or the chat is
   * split: what this server knows refuses at once what it can.
   */
  before<T>(inputs: readonly string[], then: () => T | Promise<T>): T | Promise<T> {
    const cluster = this.#cluster;
    const rooms = this.#rooms();
    const names = new Set<string>();
    for (const input of inputs) {
      const checked = normalizeRoom(input);
      if (!checked.ok || !claimed(checked.value)) continue;
      const name = checked.value;
      if (!rooms.occupied(name) && rooms.lookalike(name) === undefined) names.add(name);
    }
    if (names.size === 0 || cluster.split) return then();
    const claims = [...names].map((name) =>
      cluster.claimRoom(name).catch((error) => {
        this.#log(`Cannot claim the room ${name} across the cluster: ${error.message}`);
      })
    );
    return Promise.all(claims).then(then).finally(() => {
      for (const name of names) if (!this.#here(name)) cluster.releaseRoom(name);
    });
  }

  /**
   * Someone here entered `room` (`left` undefined) or left it: the first one
   * in makes this server hold its name, the last one out lets it go.
   */
  moved(room: Room, left: string | undefined): void {
    if (!claimed(room.name)) return;
    if (left !== undefined) {
      if (room.members.size === 0) this.#cluster.releaseRoom(room.name);
      return;
    }
    if (room.members.size !== 1) return;
    // Claimed already when it was opened here; else (entered while someone elsewhere is in it,
    // or by someone shown in it) this server joins the claim now.
    this.#cluster.claimRoom(room.name).then(
      (like) => {
        if (like !== undefined) {
          this.#log(`${room.name} is open here though ${like}, a look-alike, holds its name`);
        }
      },
      (error) =>
        this.#log(`Cannot claim the room ${room.name} across the cluster: ${error.message}`),
    );
  }

  /** Whether someone here is in the room called `name`. */
  #here(name: string): boolean {
    return (this.#rooms().existing(name)?.members.size ?? 0) > 0;
  }
}
