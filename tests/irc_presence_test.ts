/**
 * How people are, as IRC clients are told it: who is away when they join,
 * and who is not listed at all (a quiet client, until it is shown), over a
 * real server's IRC port and raw sockets.
 */

import assert from "node:assert/strict";
import { type ChatServer, startServer } from "../server.ts";
import { IrcClient } from "./_irc_client.ts";
import { LOOPBACK, TestClient } from "./_test_utils.ts";

/** A server with IRC on a free port. */
async function serve(): Promise<ChatServer> {
  return await startServer({ hostname: LOOPBACK, port: 0, ircPort: 0 });
}

Deno.test("IRC away-notify clients are told that someone joining is away", async () => {
  await using chat = await serve();
  const irc = chat.ircAddr!.port;
  await using ann = await IrcClient.register(irc, "ann", ["CAP REQ :away-notify", "CAP END"]);
  await using cid = await IrcClient.register(irc, "cid");
  for (const client of [ann, cid]) {
    await client.send("JOIN #dev");
    await client.next(/ 366 \S+ #dev /);
  }
  await using bob = await TestClient.join2(chat.addr.port, "bob");
  await bob.send({ type: "away", reason: "lunch" });
  await bob.sync();
  await bob.send({ type: "join", room: "#dev" });
  await bob.next("room", (frame) => frame.room === "#dev");
  assert.match(await ann.next(/^:bob!\S+ JOIN #dev/), /^:bob!\S+ JOIN #dev$/);
  // Right after it, as a client that saw bob go away would know.
  const after = await ann.until(/ AWAY /);
  assert.equal(after.length, 1, after.join("\n"));
  assert.match(after[0]!, /^:bob!\S+ AWAY :lunch$/);
  // Without away-notify, the JOIN alone.
  assert.match(await cid.next(/^:bob!\S+ JOIN #dev/), /^:bob!\S+ JOIN #dev$/);
  assert.deepEqual((await cid.sync()).filter((line) => / AWAY /.test(line)), []);
});
