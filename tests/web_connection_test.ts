/**
 * The page's WebSocket connection (web/connection.ts), run in Deno against a
 * real server on loopback: how it backs off when it is dropped.
 */

import assert from "node:assert/strict";
import { SETTLED_MS } from "../core/backoff.ts";
import { Connection } from "../web/connection.ts";
import { LOOPBACK, waitUntil } from "./_test_utils.ts";

Deno.test("Connection backs off from a server that drops it right after its welcome", async () => {
  const arrivals: number[] = [];
  // A server that welcomes every page and hangs up at once, as one too busy for it would.
  await using server = Deno.serve({ hostname: LOOPBACK, port: 0, onListen() {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    arrivals.push(performance.now());
    socket.onmessage = () => {
      socket.send(JSON.stringify({ type: "welcome", version: 1, server: "busy", name: "ann" }));
      socket.close();
    };
    return response;
  });
  const connection: Connection = new Connection({
    url: `ws://${LOOPBACK}:${server.addr.port}/ws`,
    onFrame(frame) {
      // What the page does once the server accepted it.
      if (frame.type === "welcome") connection.resetBackoff();
    },
    onState(state) {
      if (state.kind === "open") connection.send({ type: "hello", version: 1, name: "ann" });
    },
  });
  try {
    connection.start();
    await waitUntil(() => arrivals.length >= 4, 20_000, "four connections");
  } finally {
    connection.stop();
  }
  const gaps = arrivals.slice(1).map((at, i) => at - arrivals[i]!);
  // 1 s, 2 s, 4 s, each within a quarter either way; not 1 s again and again.
  assert.ok(gaps[1]! > 1_400 && gaps[2]! > 2_900, `gaps ${gaps.map(Math.round)}`);
  assert.ok(SETTLED_MS > gaps[2]!, "a connection this short never counts as settled");
});
