/**
 * The page's WebSocket connection (web/connection.ts) in a cluster, run in
 * Deno against real servers on loopback: when its server goes away it tries
 * that one again, then at once the others its welcome named.
 */

import assert from "node:assert/strict";
import { FIRST_RETRY_MS } from "../core/backoff.ts";
import { Connection, type ConnectionState } from "../web/connection.ts";
import { LOOPBACK, waitUntil } from "./_test_utils.ts";

/** A WebSocket server that welcomes every `hello`. */
function welcomingServer() {
  const sockets: WebSocket[] = [];
  const server = Deno.serve({ hostname: LOOPBACK, port: 0, onListen() {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    sockets.push(socket);
    socket.onmessage = () => {
      socket.send(JSON.stringify({
        type: "welcome",
        version: 2,
        server: "chat",
        name: "ann",
      }));
    };
    return response;
  });
  return { server, sockets, url: `ws://${LOOPBACK}:${server.addr.port}/ws` };
}

Deno.test("Connection goes on to another server at once when its own refuses", async () => {
  const second = welcomingServer();
  const first = welcomingServer();
  const states: ConnectionState["kind"][] = [];
  const welcomes: string[] = [];
  const connection: Connection = new Connection({
    url: first.url,
    onFrame(frame) {
      if (frame.type !== "welcome") return;
      welcomes.push(connection.url);
      // What the page does with a welcome naming the second server (web/client.ts).
      connection.welcomed([second.url]);
    },
    onState(state) {
      states.push(state.kind);
      if (state.kind === "open") connection.send({ type: "hello", version: 2, name: "ann" });
    },
  });
  try {
    connection.start();
    await waitUntil(() => welcomes.length === 1, 5_000, "the first welcome");
    assert.deepEqual(welcomes, [first.url]);
    assert.equal(connection.current, first.url);
    states.length = 0;
    // The first server goes away: it stops listening, then its socket closes.
    const stopped = first.server.shutdown();
    for (const socket of first.sockets) socket.close();
    await stopped;
    const lost = performance.now();
    await waitUntil(() => welcomes.length === 2, 5_000, "a welcome from the second server");
    const took = performance.now() - lost;
    assert.equal(welcomes[1], second.url);
    assert.equal(connection.url, second.url);
    assert.equal(connection.current, second.url);
    assert.equal(connection.home, first.url);
    // One wait, then the first server refused and the second was tried straight after it.
    assert.deepEqual(states, ["waiting", "connecting", "connecting", "open"]);
    assert.ok(took < FIRST_RETRY_MS * 1.2 + 1_000, `took ${Math.round(took)} ms`);
  } finally {
    connection.stop();
    await first.server.shutdown();
    for (const socket of second.sockets) socket.close();
    await second.server.shutdown();
  }
});
