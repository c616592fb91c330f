/**
 * `/ban NAME` of someone who left a moment ago bans the address and session
 * they left from, as a ban of someone present does, and says so; a name
 * nobody left with is banned by name alone, which is said too. Through the
 * real server over real sockets, people told apart by their loopback
 * address (127.0.0.2 …); the memory it takes is bounded.
 */

import assert from "node:assert/strict";
import { type ChatServer, startServer } from "../server.ts";
import { nameKey } from "../core/names.ts";
import { parseOpFile } from "../server/hub/moderation.ts";
import { DEPARTURE_MS, Departures, MAX_DEPARTURES, MAX_NAMES } from "../server/hub/departures.ts";
import { arrive, operator } from "./_from_address.ts";
import { LOOPBACK, type TestClient } from "./_test_utils.ts";

async function server(): Promise<ChatServer> {
  return await startServer({
    hostname: LOOPBACK,
    port: 0,
    operators: parseOpFile("ann s3cret\n"),
  });
}

/** The `info` that answers an operator's `/ban`. */
async function banTold(ann: TestClient): Promise<string> {
  return (await ann.next("info", (frame) => frame.text.startsWith("You banned"))).text;
}

/** `person` quits; `watcher`, in the same room, sees them leave. */
async function quits(person: TestClient, name: string, watcher: TestClient): Promise<void> {
  await person.send({ type: "quit" });
  await person.closed();
  await watcher.next("left", (frame) => frame.name === name);
}

Deno.test("/ban of someone who just quit bans the address they left from, and says so", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  await using spammer = await arrive(port, "spammer", "127.0.0.44");
  const resume = spammer.all("welcome")[0]!.resume!;
  await spammer.say("BUY NOW");
  await ann.next("message", (frame) => frame.text === "BUY NOW");
  await quits(spammer, "spammer", ann);

  await ann.say("/ban spammer 1h spam");
  assert.match(
    await banTold(ann),
    /^You banned spammer \(127\.0\.0\.44\) for 1 h: spam; spammer left \d+ s ago, from that address$/,
  );
  // Another name from that address is refused, and so is the session, from elsewhere.
  for (
    const [name, address, extra] of [
      ["spammer2", "127.0.0.44", {}],
      ["someone", "127.0.0.45", { resume }],
    ] as const
  ) {
    await using again = await arrive(port, name, address, extra);
    assert.deepEqual(again.all("welcome"), [], name);
    assert.equal(again.all("error")[0]?.code, "banned", name);
    assert.match(again.all("error")[0]!.message, /^Cannot join: ann banned you, for /, name);
    await again.closed();
  }
  await ann.say("/bans");
  assert.match(
    (await ann.next("info", (frame) => frame.text.includes("spammer"))).text,
    /^ {2}spammer \(127\.0\.0\.44\), by ann, /,
  );
  // Someone else, from another address, is welcome.
  await using carol = await arrive(port, "carol", "127.0.0.46");
  assert.equal(carol.all("welcome").length, 1);
});

Deno.test("/ban of someone who left from the operator's own address bans their name and session", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  await using bob = await arrive(port, "bob", "127.0.0.1");
  await quits(bob, "bob", ann);
  await ann.say("/ban bob 10m");
  assert.match(
    await banTold(ann),
    /^You banned bob for 10 min; bob left \d+ s ago from your own address: the ban holds their name and session only$/,
  );
  await using carol = await arrive(port, "carol", "127.0.0.1");
  assert.equal(carol.all("welcome").length, 1);
  await using bob2 = await arrive(port, "bob", "127.0.0.2");
  assert.equal(bob2.all("error")[0]?.code, "banned");
});

Deno.test("/ban of a name nobody left with says it holds the name only", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  await ann.say("/ban ghost 10m");
  assert.equal(
    await banTold(ann),
    "You banned ghost for 10 min; nobody of that name left this server in the last 10 min: " +
      "the ban holds the name only",
  );
  // Someone present is banned as ever, with nothing more said.
  await using eve = await arrive(port, "eve", "127.0.0.3");
  await ann.say("/ban eve");
  assert.equal((await eve.next("bye")).reason, "You were banned by ann");
  assert.equal(await banTold(ann), "You banned eve (127.0.0.3) (sent away: eve)");
});

Deno.test("/ban of a name someone had before renaming and quitting bans where they left from", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await operator(port);
  await using troll = await arrive(port, "troll", "127.0.0.30");
  await troll.send({ type: "nick", name: "zz1" });
  await ann.next("renamed", (frame) => frame.to === "zz1");
  await quits(troll, "zz1", ann);

  await ann.say("/ban troll 10m");
  assert.match(
    await banTold(ann),
    /^You banned troll \(127\.0\.0\.30\) for 10 min; troll left \d+ s ago as zz1, from that address$/,
  );
  await using again = await arrive(port, "qq1", "127.0.0.30");
  assert.deepEqual(again.all("welcome"), []);
  assert.equal(again.all("error")[0]?.code, "banned");
});

Deno.test("Departures keeps each departure for 10 minutes under each of its names, and a bounded number", () => {
  const departures = new Departures();
  const at = 1_000_000;
  const leaving = { address: "192.0.2.1", resume: "r1", since: 1 };
  departures.keep({ ...leaving, name: "spammer", names: ["spammer"] }, at);
  departures.keep(
    { ...leaving, name: "zz", names: ["Spammer", "x", "zz"], address: "192.0.2.2", since: 2 },
    at + 5,
  );
  const last = {
    name: "zz",
    names: ["Spammer", "x", "zz"],
    address: "192.0.2.2",
    resume: "r1",
    since: 2,
    at: at + 5,
  };
  // Under any name the connection had; the last to leave first.
  assert.deepEqual(departures.find(nameKey("spammer"), undefined, at + 10), last);
  assert.deepEqual(departures.find(nameKey("zz"), undefined, at + 10), last);
  // Of one connection only, when asked by when it opened.
  assert.equal(departures.find(nameKey("spammer"), 1, at + 10)?.address, "192.0.2.1");
  assert.equal(departures.find(nameKey("zz"), 1, at + 10), undefined);
  assert.equal(departures.find(nameKey("spammer"), undefined, at + 5 + DEPARTURE_MS), undefined);
  assert.equal(departures.size, 0);
  // Only the last names of a connection.
  const names = Array.from({ length: MAX_NAMES + 2 }, (_, index) => `n${index}`);
  departures.keep({ ...leaving, name: names.at(-1)!, names }, at);
  assert.equal(departures.find(nameKey("n1"), undefined, at), undefined);
  assert.equal(departures.find(nameKey("n2"), undefined, at)?.name, names.at(-1));
  for (let index = 0; index < MAX_DEPARTURES + 10; index++) {
    departures.keep(
      { ...leaving, name: `p${index}`, names: [`p${index}`], address: "192.0.2.3" },
      at,
    );
  }
  assert.equal(departures.size, MAX_DEPARTURES);
  assert.equal(departures.find(nameKey("p0"), undefined, at), undefined);
  assert.equal(
    departures.find(nameKey(`p${MAX_DEPARTURES + 9}`), undefined, at)?.address,
    "192.0.2.3",
  );
});
