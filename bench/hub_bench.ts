/**
 * Micro-benchmarks of the hub's hot path, with sessions that only count what
 * they are sent: a line said in a room and broadcast to everyone in it, an
 * action typed as `/me`, and a private message. Run with
 * `deno task bench:micro`.
 *
 * @module
 */

import type { ClientFrame } from "../protocol.ts";
import { Hub } from "../server/hub.ts";
import type { FrameSource, Session } from "../server/session.ts";

/** A session that counts the frames it is sent and keeps none. */
class Counter implements Session {
  static #made = 0;
  readonly address = `10.0.${(Counter.#made >> 8) & 255}.${Counter.#made++ & 255}`;
  readonly remote = `${this.address}:1`;
  frames = 0;
  send(): void {
    this.frames++;
  }
  stream(source: FrameSource): void {
    for (let page = source.next(); page !== undefined; page = source.next()) {
      this.frames += page.length;
    }
  }
  close(): void {}
}

/** A hub with `size` people in `#lobby`; returns it and the first of them. */
function crowd(size: number): { hub: Hub; sender: Counter } {
  const hub = new Hub({ historyLimit: 0 });
  const sessions = Array.from({ length: size }, () => new Counter());
  sessions.forEach((session, i) => {
    hub.open(session);
    hub.receive(session, { type: "hello", version: 1, name: `p${i}` });
  });
  return { hub, sender: sessions[0]! };
}

const say: ClientFrame = { type: "say", text: "lunch at 12:30? the usual place, or the new one" };
const me: ClientFrame = { type: "say", text: "/me is on the way, five minutes" };
const msg: ClientFrame = { type: "msg", to: "p1", text: "are you free at 3?" };

for (const size of [2, 50, 200]) {
  const { hub, sender } = crowd(size);
  Deno.bench(`Hub.receive(say) in a room of ${size}`, { group: `say ${size}` }, () => {
    hub.receive(sender, say);
  });
}

{
  const { hub, sender } = crowd(50);
  Deno.bench("Hub.receive(say /me …) in a room of 50", { group: "commands" }, () => {
    hub.receive(sender, me);
  });
  Deno.bench("Hub.receive(msg)", { group: "commands" }, () => {
    hub.receive(sender, msg);
  });
}
