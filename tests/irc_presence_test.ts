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

Deno.test("IRC lists no quiet client until something it sends takes effect", async () => {
  await using chat = await serve();
  const irc = chat.ircAddr!.port;
  await using ann = await IrcClient.register(irc, "ann");
  // As `chat send` connects: quiet until its message.
  await using sid = await TestClient.connect(chat.addr.port);
  await sid.send({ type: "hello", version: 2, name: "sid", quiet: true });
  await sid.sync();
  await ann.sync();
  /** What ann is answered to `line`, up to its last line, each without the server's prefix. */
  const asked = async (line: string, last: RegExp) => {
    await ann.send(line);
    return (await ann.until(last)).map((each) => each.replace(/^:\S+ /, ""));
  };
  const queries = async () => ({
    who: await asked("WHO *", / 315 /),
    masked: await asked("WHO si*", / 315 /),
    whois: await asked("WHOIS sid", / 318 /),
    ison: await asked("ISON sid ann", / 303 /),
    userhost: await asked("USERHOST sid", / 302 /),
    lusers: (await asked("LUSERS", / 266 /)).filter((each) => /^(251|255) /.test(each)),
  });
  assert.deepEqual(await queries(), {
    who: ["352 ann #lobby ann chat irc.chat ann H :0 ann", "315 ann * :End of WHO list"],
    masked: ["315 ann si* :End of WHO list"],
    whois: ["401 ann sid :No such nick/channel", "318 ann sid :End of /WHOIS list"],
    ison: ["303 ann :ann"],
    userhost: ["302 ann :"],
    lusers: [
      "251 ann :There are 1 users and 0 invisible on 1 servers",
      "255 ann :I have 1 clients and 0 servers",
    ],
  });
  // Shown by its message, sid is listed everywhere.
  await sid.say("deploy done");
  await ann.next(/ PRIVMSG #lobby :deploy done$/);
  const shown = await queries();
  assert.equal(shown.who.length, 3, shown.who.join("\n"));
  assert.equal(shown.masked.length, 2, shown.masked.join("\n"));
  assert.match(shown.whois[0]!, /^311 ann sid /);
  assert.deepEqual(shown.ison, ["303 ann :sid ann"]);
  assert.match(shown.userhost[0]!, /^302 ann :sid=\+/);
  assert.deepEqual(shown.lusers, [
    "251 ann :There are 2 users and 0 invisible on 1 servers",
    "255 ann :I have 2 clients and 0 servers",
  ]);
});

Deno.test("IRC LUSERS counts no quiet client in its maximum until it is shown", async () => {
  await using chat = await serve();
  const irc = chat.ircAddr!.port;
  await using ann = await IrcClient.register(irc, "ann");
  /** The 265 and 266 of ann's LUSERS, without the server's prefix. */
  const counts = async () => {
    await ann.send("LUSERS");
    return (await ann.until(/ 266 /)).filter((line) => / 26[56] /.test(line)).map((line) =>
      line.replace(/^:\S+ /, "")
    );
  };
  // One that comes and goes unseen is counted nowhere.
  {
    await using tom = await TestClient.connect(chat.addr.port);
    await tom.send({ type: "hello", version: 2, name: "tom", quiet: true });
    await tom.sync();
    await tom.send({ type: "quit" });
    await tom.closed();
  }
  await using sid = await TestClient.connect(chat.addr.port);
  await sid.send({ type: "hello", version: 2, name: "sid", quiet: true });
  await sid.sync();
  assert.deepEqual(await counts(), [
    "265 ann 1 1 :Current local users 1, max 1",
    "266 ann 1 1 :Current global users 1, max 1",
  ]);
  // Shown by its message, sid counts from then on, in the maximum after it left too.
  await sid.say("deploy done");
  await ann.next(/ PRIVMSG #lobby :deploy done$/);
  await sid.send({ type: "quit" });
  await ann.next(/^:sid!\S+ QUIT /);
  assert.deepEqual(await counts(), [
    "265 ann 1 2 :Current local users 1, max 2",
    "266 ann 1 2 :Current global users 1, max 2",
  ]);
});
