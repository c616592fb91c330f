/**
 * The web ports of a cluster: a server's page may connect to the WebSockets
 * of the other servers of the same chat (its policy names them), and they
 * take its WebSocket, also once its own server is gone; any other origin is
 * still refused.
 */

import assert from "node:assert/strict";
import { LOOPBACK, within } from "./_test_utils.ts";
import { testWithNats, WebCluster } from "./_nats.ts";

/** Opens a WebSocket to web port `port` as a page of `origin`; resolves whether it opened. */
async function opens(port: number, origin: string): Promise<boolean> {
  const socket = new WebSocket(`ws://${LOOPBACK}:${port}/ws`, { headers: { origin } });
  const closed = new Promise<void>((resolve) => socket.onclose = () => resolve());
  socket.onerror = () => {};
  const opened = await within(
    new Promise<boolean>((resolve) => {
      socket.onopen = () => resolve(true);
      closed.then(() => resolve(false));
    }),
    5_000,
    `the WebSocket of ${origin} to open or close`,
  );
  socket.close();
  await within(closed, 5_000, "the WebSocket to close");
  return opened;
}

/** The sources of `connect-src` in the policy of the page at web port `port`. */
async function connectSources(port: number): Promise<string[]> {
  const response = await fetch(`http://${LOOPBACK}:${port}/`);
  await response.body?.cancel();
  const policy = response.headers.get("content-security-policy") ?? "";
  return /(?:^|;\s*)connect-src ([^;]*)/.exec(policy)?.[1]?.trim().split(/\s+/) ?? [];
}

testWithNats(
  "a page may connect to the other servers of its cluster, and only to them",
  async () => {
    await using cluster = await WebCluster.start(3);
    const [a, b, c] = cluster.servers.map((server) => server.webPort) as [number, number, number];
    const page = (port: number) => `http://${LOOPBACK}:${port}`;

    // Each page's policy lets it reach the other servers' WebSockets.
    assert.deepEqual(
      (await connectSources(a)).toSorted(),
      ["'self'", `ws://${LOOPBACK}:${b}`, `ws://${LOOPBACK}:${c}`].sort(),
    );
    // Each server takes the WebSocket of the others' pages, and of no other one.
    assert.equal(await opens(b, page(a)), true, "a's page on b");
    assert.equal(await opens(c, page(a)), true, "a's page on c");
    assert.equal(await opens(a, page(b)), true, "b's page on a");
    for (
      const origin of [
        `http://${LOOPBACK}:1`,
        "http://evil.example",
        "null",
        `https://${LOOPBACK}:${a}`,
      ]
    ) {
      assert.equal(await opens(b, origin), false, origin);
    }

    // a goes away; once b has noticed, a's page (still open in a browser) may still come to b.
    cluster.servers[0]!.process.kill("SIGKILL");
    await cluster.servers[1]!.process.waitForStdout(/A server left the cluster/, 15_000);
    assert.equal(await opens(b, page(a)), true, "a's page on b after a is gone");
  },
);
