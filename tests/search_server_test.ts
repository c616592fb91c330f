/**
 * The search rule through the real server over real sockets: the same
 * bounds for `/search` and the `search` frame, errors that are not strikes,
 * the row budget with its notice, and the pacing of one connection.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { encodeFrame, LOBBY, type MessageFrame } from "../protocol.ts";
import {
  MAX_PREFIX_WORDS,
  MAX_SEARCH_LENGTH,
  MAX_SEARCH_WORDS,
  MAX_SEARCHES_PER_ADDRESS,
  SEARCH_BUDGET,
  SEARCH_BURST,
} from "../server/history/search.ts";
import { MemoryHistory } from "../server/history/memory.ts";
import { SqliteHistory } from "../server/history/sqlite.ts";
import { type ChatServer, startServer } from "../server.ts";
import { framesSince, LOOPBACK, startSearchThread, TestClient } from "./_test_utils.ts";

/** A server on a loopback port backed by a SqliteHistory in a temporary directory. */
interface StoredServer extends AsyncDisposable {
  readonly store: SqliteHistory;
  readonly port: number;
}

/**
 * Starts a server on a new history file, filled by `fill` through the store,
 * or before the store opens by `prepare`, given the file's path.
 */
async function startStored(
  fill: (store: SqliteHistory) => void = () => {},
  prepare: (path: string) => void = () => {},
): Promise<StoredServer> {
  const dir = await Deno.makeTempDir({ prefix: "chat_search_server_test_" });
  let store: SqliteHistory;
  try {
    prepare(`${dir}/history.db`);
    store = SqliteHistory.open(`${dir}/history.db`);
  } catch (error) {
    await Deno.remove(dir, { recursive: true });
    throw error;
  }
  let server: ChatServer | undefined;
  try {
    fill(store);
    // A high message rate, so that the transport never slows these frames down.
    server = await startServer({
      hostname: LOOPBACK,
      port: 0,
      history: store,
      messageRate: 10_000,
    });
  } catch (error) {
    store.close();
    await Deno.remove(dir, { recursive: true });
    throw error;
  }
  const running = server;
  const stored: StoredServer = {
    store,
    port: running.addr.port,
    async [Symbol.asyncDispose]() {
      try {
        await running.close();
      } finally {
        store.close();
        await Deno.remove(dir, { recursive: true });
      }
    },
  };
  try {
    await startSearchThread(store);
  } catch (error) {
    await stored[Symbol.asyncDispose]();
    throw error;
  }
  return stored;
}

/**
 * Writes `count` messages to a new history file at `path` in one
 * transaction, as the server's store would have over months: all in
 * `#lobby` but the last, in `#tiny`, each of eight words that start with
 * "build" (1,500 different ones). FTS5 gathers every entry of every such
 * word before it yields the first match of a search for "build", in
 * `#tiny` as much as in `#lobby`: on this file, a search takes some tenths
 * of a second whatever its budget.
 */
function fillBuildWords(path: string, count: number): void {
  SqliteHistory.open(path).close(); // the schema, as the server makes it
  const db = new DatabaseSync(path);
  try {
    const words = Array.from({ length: 8 }, (_, i) => `'build' || ((x * ${2 * i + 7}) % 1500)`)
      .join(" || ' ' || ");
    db.exec(
      `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ${count}) ` +
        "INSERT INTO messages (id, ts, room, sender, text) " +
        `SELECT x, 1767225600000 + x, CASE x WHEN ${count} THEN '#tiny' ELSE '${LOBBY}' END, ` +
        `'ann', ${words} FROM n`,
    );
  } finally {
    db.close();
  }
}

function stored(id: number, room: string, text: string): MessageFrame {
  return { type: "message", id, ts: 1_767_225_600_000 + id, room, from: "ann", text };
}

/** Issue 11's hostile queries: 16 KB of words joined by OR, and 8,000 one-letter words. */
function hostileQueries(): string[] {
  const words = ["lunch", "build", "green", "server", "message", "the", "coffee"];
  let chain = "";
  for (let i = 0; chain.length < 16_000; i++) chain += `${chain ? " OR " : ""}${words[i % 7]}`;
  const letters = Array.from({ length: 8000 }, (_, i) => String.fromCharCode(97 + i % 26));
  return [chain, letters.join(" ")];
}

Deno.test("/search and the search frame refuse text over the limits with text_invalid, never a strike", async () => {
  await using chat = await startStored((store) => store.append(stored(1, LOBBY, "lunch at noon")));
  await using ann = await TestClient.join(chat.port, "ann");
  await ann.sync();
  const mark = ann.frames.length;
  const tooLong = "lunch ".repeat(60); // over the length, in a frame the old cap refused
  const tooMany = Array.from({ length: MAX_SEARCH_WORDS + 1 }, (_, i) => `word${i}`).join(" ");
  // Twelve refusals: as strikes, the tenth would have closed the connection.
  const frames = [
    ...Array.from({ length: 5 }, () => encodeFrame({ type: "search", text: tooLong })),
    ...Array.from({ length: 5 }, () => encodeFrame({ type: "say", text: `/search ${tooMany}` })),
    ...hostileQueries().map((text) => encodeFrame({ type: "say", text: `/search ${text}` })),
  ];
  for (const frame of frames) await ann.write(frame);
  const replies = await framesSince(ann, mark);
  assert.equal(replies.length, 12, JSON.stringify(replies.map((frame) => frame.type)));
  for (const reply of replies) {
    assert.equal(reply.type, "error");
    if (reply.type !== "error") continue;
    assert.equal(reply.code, "text_invalid", reply.message);
    assert.match(
      reply.message,
      new RegExp(
        `^Cannot search for ".*": a search can have at most (${MAX_SEARCH_LENGTH} characters|${MAX_SEARCH_WORDS} words)$`,
      ),
    );
  }
  assert.equal(ann.ended, false);
  // Refused searches spend none of the pacing: a good one still runs.
  const after = ann.frames.length;
  await ann.send({ type: "search", text: "lunch" });
  assert.deepEqual((await framesSince(ann, after))[0], {
    type: "info",
    text: `1 message in ${LOBBY} matches "lunch":`,
  });
});

Deno.test("/search stops after the row budget of the room's own matches, and says how far it looked", async () => {
  // #quiet: one old match, then SEARCH_BUDGET + 10 newer ones; #lobby: many newer still.
  const quiet = SEARCH_BUDGET + 11;
  await using chat = await startStored((store) => {
    let id = 0;
    store.append(stored(++id, "#quiet", "needle oldest"));
    for (let i = 0; i < quiet - 1; i++) store.append(stored(++id, "#quiet", `needle ${i} hay`));
    for (let i = 0; i < SEARCH_BUDGET * 2; i++) store.append(stored(++id, LOBBY, `needle ${i}`));
  });
  await using ann = await TestClient.connect(chat.port);
  await ann.send({ type: "hello", version: 1, name: "ann", room: "#quiet" });
  await ann.next("room");
  await ann.sync();
  // "oldest" is held by #quiet's first message alone: the budget is spent on #quiet's
  // newer needles before it, and #lobby's newer matches count for nothing.
  const mark = ann.frames.length;
  await ann.say("/search needle oldest");
  assert.deepEqual(await framesSince(ann, mark), [{
    type: "info",
    text: `1 message in #quiet matches "needle oldest":`,
  }, { ...stored(1, "#quiet", "needle oldest"), replay: true }]);
  const again = ann.frames.length;
  await ann.say("/search needle hay");
  const frames = await framesSince(ann, again);
  assert.deepEqual(frames[0], {
    type: "info",
    text:
      `The newest 50 messages in #quiet that match "needle hay" (there are more; add words to narrow):`,
  });
  // A word on every message of #quiet: the newest 50 of them, and word that there are more.
  const budget = ann.frames.length;
  await ann.say("/search needl");
  const cut = await framesSince(ann, budget);
  assert.equal(cut.length, 51);
  assert.deepEqual(cut[0], {
    type: "info",
    text:
      `The newest 50 messages in #quiet that match "needl" (there are more; add words to narrow):`,
  });
});

Deno.test("/search says when more match than the 50 it sends, without counting them", async () => {
  // #fifty: 50 matches; #more: 51; #far: the newest 50 messages match, then a budget's worth
  // of others, then one more match, which the search never reaches.
  await using chat = await startStored((store) => {
    let id = 0;
    for (let i = 0; i < 50; i++) store.append(stored(++id, "#fifty", `lunch ${i}`));
    for (let i = 0; i < 51; i++) store.append(stored(++id, "#more", `lunch ${i}`));
    store.append(stored(++id, "#far", "午饭 oldest"));
    for (let i = 0; i < SEARCH_BUDGET; i++) store.append(stored(++id, "#far", `hay ${i}`));
    for (let i = 0; i < 50; i++) store.append(stored(++id, "#far", `午饭 ${i}`));
  });
  await using ann = await TestClient.join2(chat.port, "ann", [
    { room: "#fifty" },
    { room: "#more" },
    { room: "#far" },
  ]);
  /** The info line of a search of `room`, and the texts of the messages after it. */
  const search = async (room: string, text: string) => {
    const mark = ann.frames.length;
    await ann.send({ type: "search", room, text });
    const [info, ...found] = await framesSince(ann, mark);
    assert.equal(info?.type, "info");
    return {
      info: info?.type === "info" ? info.text : "",
      texts: found.map((frame) => frame.type === "message" ? frame.text : frame.type),
    };
  };
  const newest = (texts: string[], count: number) =>
    assert.deepEqual(texts, Array.from({ length: 50 }, (_, i) => `lunch ${count - 50 + i}`));

  const fifty = await search("#fifty", "lunch");
  assert.equal(fifty.info, '50 messages in #fifty match "lunch":');
  newest(fifty.texts, 50);
  const more = await search("#more", "lunch");
  assert.equal(
    more.info,
    'The newest 50 messages in #more that match "lunch" (there are more; add words to narrow):',
  );
  newest(more.texts, 51);
  // The budget is spent before a 51st match: whether there is one is not known, and not said.
  const far = await search("#far", "午饭");
  assert.equal(
    far.info,
    `50 messages in #far match "午饭" (searched the last ${
      SEARCH_BUDGET.toLocaleString("en-US")
    } messages; add words to search further back):`,
  );
  assert.equal(far.texts.length, 50);
});

Deno.test("/search finds Chinese, Japanese and Korean words inside longer runs, in the room's own messages", async () => {
  const texts = [
    "我们去吃午饭吧",
    "今日は寿司を食べました",
    "점심을 먹자",
    "lunch 午饭 at noon",
    "午饭",
  ];
  await using chat = await startStored((store) => {
    texts.forEach((text, i) => store.append(stored(i + 1, LOBBY, text)));
    store.append(stored(texts.length + 1, "#elsewhere", "午饭 in another room"));
  });
  await using ann = await TestClient.join(chat.port, "ann");
  const search = async (frame: boolean, text: string) => {
    const mark = ann.frames.length;
    if (frame) await ann.send({ type: "search", text });
    else await ann.say(`/search ${text}`);
    const frames = await framesSince(ann, mark);
    return {
      info: frames[0]?.type === "info" ? frames[0].text : undefined,
      ids: frames.slice(1).map((found) => found.type === "message" ? found.id : found.type),
    };
  };
  assert.deepEqual(await search(false, "午饭"), {
    info: '3 messages in #lobby match "午饭":',
    ids: [1, 4, 5],
  });
  assert.deepEqual(await search(true, "寿司"), {
    info: '1 message in #lobby matches "寿司":',
    ids: [2],
  });
  assert.deepEqual((await search(true, "점심")).ids, [3]);
  // With a word of the index, both must hold.
  assert.deepEqual((await search(true, "lunch 午饭")).ids, [4]);
  assert.deepEqual(await search(false, "吃 寿司"), {
    info: 'No messages in #lobby match "吃 寿司"',
    ids: [],
  });
});

Deno.test("/search of a room whose word index must be built first never stalls the others", async () => {
  // --memory: a room's index is built when it is first searched; this one holds 8 MB of text.
  using history = new MemoryHistory(2000);
  const words = (i: number) =>
    Array.from({ length: 800 }, (_, j) => `w${(i * 7 + j) % 997}`).join(" ");
  for (let id = 1; id <= 2000; id++) history.append(stored(id, "#big", `${words(id)} n${id}`));
  await using server = await startServer({ hostname: LOOPBACK, port: 0, history });
  const port = server.addr.port;
  await using ann = await TestClient.join(port, "ann");
  await using bob = await TestClient.join(port, "bob");
  await ann.say("/join #big");
  await ann.next("room");
  await ann.sync();
  const mark = ann.frames.length;
  // The search, and right behind it a ping on the same connection: its pong comes after the answer.
  await ann.write(
    encodeFrame({ type: "search", text: "n1999" }) + encodeFrame({ type: "ping", token: "after" }),
  );
  // Meanwhile bob's pings are answered, one after another, while the index is built.
  let answered = 0;
  const searched = ann.next("info", undefined, 20_000);
  let done = false;
  searched.finally(() => done = true);
  while (!done) {
    await bob.send({ type: "ping", token: `b${answered}` });
    await bob.next("pong", (frame) => frame.token === `b${answered}`, 20_000);
    if (!done) answered++;
  }
  assert.equal((await searched).text, '1 message in #big matches "n1999":');
  assert.ok(answered >= 3, `bob was answered ${answered} times during the search`);
  await ann.next("pong", (frame) => frame.token === "after");
  const order = ann.frames.slice(mark).map((frame) =>
    frame.type === "message" ? frame.id : frame.type === "pong" ? frame.token : frame.type
  );
  assert.deepEqual(order, ["info", 1999, "after"]);
});

Deno.test("/search of a large history file runs apart from the event loop, a few at a time", async (t) => {
  await using chat = await startStored(undefined, (path) => fillBuildWords(path, 100_000));
  await using ann = await TestClient.join(chat.port, "ann");

  await t.step("others are answered while searches run", async () => {
    await using bob = await TestClient.join(chat.port, "bob");
    await bob.say("/join #tiny");
    await bob.next("room");
    await bob.sync();
    // The burst a connection may send at once, each search taking some tenths of a second.
    await bob.write(encodeFrame({ type: "search", text: "build" }).repeat(SEARCH_BURST));
    const answers = (async () => {
      for (let i = 0; i < SEARCH_BURST; i++) await bob.next("info", undefined, 60_000);
    })();
    let done = false;
    answers.then(() => done = true, () => done = true);
    // Meanwhile ann's pings are answered at once, one after another: on the event loop, the
    // searches would have held each of them for as long as the searches left to run.
    let answered = 0;
    while (!done) {
      await ann.send({ type: "ping", token: `a${answered}` });
      await ann.next("pong", (frame) => frame.token === `a${answered}`, 750);
      answered++;
    }
    await answers;
    const infos = bob.all("info").slice(-SEARCH_BURST).map((frame) => frame.text);
    assert.deepEqual(infos, Array(SEARCH_BURST).fill('1 message in #tiny matches "build":'));
    assert.ok(answered >= 3, `ann was answered ${answered} times during the searches`);
  });

  await t.step(
    "searches past the bound of one address get rate_limited, not a strike",
    async () => {
      const clients = await Promise.all(
        Array.from(
          { length: MAX_SEARCHES_PER_ADDRESS + 1 },
          (_, i) => TestClient.join(chat.port, `c${i}`),
        ),
      );
      try {
        await Promise.all(clients.map((client) => client.sync()));
        const marks = clients.map((client) => client.frames.length);
        // One search each, all at once: one connection runs its searches one after another.
        await Promise.all(clients.map((client) => client.send({ type: "search", text: "build" })));
        const first = await Promise.all(clients.map(async (client, i) => {
          const replies = await framesSince(client, marks[i]!);
          return replies[0]!;
        }));
        const busy = first.filter((frame) => frame.type === "error");
        assert.equal(busy.length, 1, JSON.stringify(first));
        assert.deepEqual(busy[0], {
          type: "error",
          code: "rate_limited",
          message:
            "Cannot search now: the server is busy with other searches; try again in a few seconds",
        });
        assert.equal(
          first.filter((frame) => frame.type === "info").length,
          MAX_SEARCHES_PER_ADDRESS,
        );
        // Once they are answered, that connection searches again.
        const refused = clients[first.indexOf(busy[0]!)]!;
        const again = refused.frames.length;
        await refused.send({ type: "search", text: "build1499" });
        assert.equal((await framesSince(refused, again))[0]!.type, "info");
        assert.ok(clients.every((client) => !client.ended));
      } finally {
        for (const client of clients) await client[Symbol.asyncDispose]();
      }
    },
  );
});

Deno.test("/search in memory takes its share of the event loop, no more, however many search", async () => {
  // --memory: 2,000 messages of 440 words starting with "build" (2,000 different ones), the
  // room's whole window: a search of "build1" (111 of them, in every message) is among the
  // costliest there are, some hundredths of a second on the event loop.
  using history = new MemoryHistory(2000);
  for (let id = 1; id <= 2000; id++) {
    const words = Array.from({ length: 440 }, (_, i) => `build${(id * 7 + i * 13) % 2000}`);
    history.append(stored(id, LOBBY, words.join(" ").slice(0, 3999)));
  }
  await using server = await startServer({ hostname: LOOPBACK, port: 0, history });
  const port = server.addr.port;
  await using ann = await TestClient.join(port, "ann");
  // The room's word index is built first, a few milliseconds at a time.
  await ann.send({ type: "search", text: "build1" });
  await ann.next("info", undefined, 30_000);
  const clients = await Promise.all(
    Array.from({ length: 6 }, (_, i) => TestClient.join(port, `s${i}`)),
  );
  try {
    const marks = clients.map((client) => client.frames.length);
    const search = encodeFrame({ type: "search", text: "build1" }).repeat(SEARCH_BURST);
    await Promise.all(clients.map((client) => client.write(search)));
    const replies = Promise.all(clients.map((client, i) => framesSince(client, marks[i]!)));
    let done = false;
    replies.then(() => done = true, () => done = true);
    let answered = 0;
    while (!done) {
      await ann.send({ type: "ping", token: `a${answered}` });
      await ann.next("pong", (frame) => frame.token === `a${answered}`, 1_000);
      answered++;
    }
    const answers = (await replies).flat().filter((frame) =>
      frame.type === "info" || frame.type === "error"
    );
    const kinds = answers.map((frame) => frame.type === "error" ? frame.message : frame.type);
    assert.equal(kinds.length, clients.length * SEARCH_BURST);
    const busy =
      "Cannot search now: the server is busy with other searches; try again in a few seconds";
    // Some may have run, within what was left of the burst; the rest were refused.
    assert.ok(kinds.includes(busy), kinds.join("\n"));
    assert.ok(kinds.every((kind) => kind === "info" || kind === busy), kinds.join("\n"));
  } finally {
    for (const client of clients) await client[Symbol.asyncDispose]();
  }
});

Deno.test("/search is paced per connection: a burst, then rate_limited, never a strike", async () => {
  await using chat = await startStored((store) => store.append(stored(1, LOBBY, "lunch at noon")));
  await using ann = await TestClient.join(chat.port, "ann");
  await using bob = await TestClient.join(chat.port, "bob");
  await ann.sync();
  const mark = ann.frames.length;
  const line = encodeFrame({ type: "say", text: "/search lunch" });
  await ann.write(line.repeat(SEARCH_BURST + 3));
  const replies = await framesSince(ann, mark);
  const kinds = replies.map((frame) =>
    frame.type === "error" ? frame.code : frame.type === "info" ? "info" : frame.type
  );
  assert.deepEqual(kinds, [
    ...Array.from({ length: SEARCH_BURST }, () => ["info", "message"]).flat(),
    "rate_limited",
    "rate_limited",
    "rate_limited",
  ]);
  const refusal = replies.at(-1)!;
  assert.ok(refusal.type === "error");
  assert.match(
    refusal.message,
    /^Cannot search now: after \d+ searches, one a second; try again in 1 s$/,
  );
  assert.equal(ann.ended, false);
  // Another connection has its own pace.
  const bobMark = bob.frames.length;
  await bob.send({ type: "search", text: "noon" });
  assert.deepEqual((await framesSince(bob, bobMark))[0], {
    type: "info",
    text: `1 message in ${LOBBY} matches "noon":`,
  });
});

Deno.test("/search refuses a prefix that starts too many stored words with text_invalid", async () => {
  // Words zzq0 … zzq2000: one more than a search's prefixes may start.
  const words = Array.from({ length: MAX_PREFIX_WORDS + 1 }, (_, i) => `zzq${i}`);
  // And yyq0 … yyq999, which with the 1,111 words zzq1 starts are too many together.
  const others = Array.from({ length: 1_000 }, (_, i) => `yyq${i}`);
  await using chat = await startStored((store) => {
    for (let i = 0; i < words.length; i += 400) {
      store.append(stored(i + 1, "#other", words.slice(i, i + 400).join(" ")));
    }
    for (let i = 0; i < others.length; i += 400) {
      store.append(stored(5_000 + i, "#other", others.slice(i, i + 400).join(" ")));
    }
    store.append(stored(10_000, LOBBY, "zzq1 was here"));
  });
  await using ann = await TestClient.join(chat.port, "ann");
  await ann.sync();
  const mark = ann.frames.length;
  await ann.say("/search ZZQ");
  assert.deepEqual(await framesSince(ann, mark), [{
    type: "error",
    code: "text_invalid",
    message: `Cannot search for "zzq": over ${
      MAX_PREFIX_WORDS.toLocaleString("en-US")
    } different words start with it; type more of it`,
  }]);
  // Two prefixes, each starting fewer words than the limit, over it together: both are named.
  const half = ann.frames.length;
  await ann.say("/search zzq1 yyq");
  assert.deepEqual(await framesSince(ann, half), [{
    type: "error",
    code: "text_invalid",
    message: `Cannot search for "zzq1 yyq": over ${
      MAX_PREFIX_WORDS.toLocaleString("en-US")
    } different words start with "zzq1" and "yyq" together; type more of them`,
  }]);
  const narrower = ann.frames.length;
  await ann.say("/search zzq1 here");
  assert.deepEqual((await framesSince(ann, narrower))[0], {
    type: "info",
    text: `1 message in ${LOBBY} matches "zzq1 here":`,
  });
});
