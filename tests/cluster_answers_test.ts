/**
 * An operator's command at someone connected to another server of a cluster
 * is answered as at someone on the operator's own server: a refusal, or that
 * it changes nothing, comes back from the server that carries it out. A
 * private message to someone away on another server says so, as on one
 * server. Through real `chat serve` processes linked by a real `nats-server`.
 */

import assert from "node:assert/strict";
import type { ClientFrame, ServerFrame } from "../protocol.ts";
import { framesSince, TestClient, waitUntil } from "./_test_utils.ts";
import { TestCluster, testWithNats } from "./_nats.ts";
import { ChatProcess } from "./_chat_process.ts";
import { IrcClient, ircServeArgs } from "./_irc_client.ts";

/** Runs `test` with a cluster of two servers whose op file gives ann the secret `s3cret`. */
async function withTwoServers(
  test: (ports: [number, number]) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/ops`, "ann s3cret\n");
    await using cluster = await TestCluster.start(2, ["--op-file", `${dir}/ops`]);
    await test(cluster.ports as [number, number]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** An answer as a test compares it: `code: message` for an `error`, `info: text` for an `info`. */
function shown(frame: ServerFrame): string | undefined {
  if (frame.type === "error") return `${frame.code}: ${frame.message}`;
  if (frame.type === "info") return `info: ${frame.text}`;
  return undefined;
}

/** Sends `frame` and resolves with the first `error` or `info` that answers it, as {@linkcode shown}. */
async function answerTo(client: TestClient, frame: ClientFrame): Promise<string> {
  const mark = client.frames.length;
  await client.send(frame);
  const answer = () => client.frames.slice(mark).map(shown).find((text) => text !== undefined);
  await waitUntil(() => answer() !== undefined, 5_000, `an answer to ${JSON.stringify(frame)}`);
  return answer()!;
}

testWithNats(
  "operators' commands refused or changing nothing at someone on another server are answered as at someone here",
  async () => {
    await withTwoServers(async ([p1, p2]) => {
      await using ann = await TestClient.join2(p1, "ann");
      await using dee = await TestClient.join2(p1, "dee");
      await using bob = await TestClient.join2(p2, "bob");
      await using cyd = await TestClient.join2(p2, "cyd");
      await ann.next("joined", (frame) => frame.name === "cyd");
      await ann.send({ type: "oper", secret: "s3cret" });
      await ann.next("notice", (frame) => frame.text.startsWith("ann is an operator"));
      // dee shares ann's server, bob does not: each command gets the same answer for both.
      for (const [target, client] of [["dee", dee], ["bob", bob]] as const) {
        const mark = ann.frames.length;
        const answers = [];
        // A look-alike of a name taken (a Cyrillic "с"), and a name nobody may have.
        answers.push(await answerTo(ann, { type: "rename", name: target, to: "\u0441yd" }));
        answers.push(await answerTo(ann, { type: "rename", name: target, to: "bad name" }));
        answers.push(await answerTo(ann, { type: "rename", name: target, to: target }));
        answers.push(await answerTo(ann, { type: "deop", name: target }));
        answers.push(await answerTo(ann, { type: "unmute", name: target }));
        await ann.send({ type: "op", name: target });
        await client.next("notice", (frame) => frame.text === `ann made ${target} an operator`);
        answers.push(await answerTo(ann, { type: "op", name: target }));
        answers.push(await answerTo(ann, { type: "mute", name: target }));
        assert.deepEqual(answers, [
          `name_taken: Cannot rename ${target} to "\u0441yd": it looks like cyd, who is on another server`,
          `name_invalid: Cannot rename ${target} to "bad name": a name cannot hold spaces; ` +
          "put _ - or . between its words",
          `info: ${target} is called so already`,
          `info: ${target} is not an operator`,
          `info: ${target} is not muted`,
          `info: ${target} is an operator already`,
          `bad_command: Cannot mute ${target}: operators cannot be muted; /deop them first`,
        ]);
        // Each said once, and the success that answers already (ann shares a room with them) once.
        await waitUntil(
          () => ann.all("notice").some((frame) => frame.text === `ann made ${target} an operator`),
          5_000,
          `ann to see ${target} made an operator`,
        );
        const seen = (await framesSince(ann, mark)).filter((frame) =>
          shown(frame) !== undefined || frame.type === "notice"
        ).map((frame) => shown(frame) ?? (frame.type === "notice" ? frame.text : ""));
        assert.deepEqual(
          seen.toSorted(),
          [...answers, `ann made ${target} an operator`].toSorted(),
        );
      }
      assert.equal(cyd.all("error").length, 0);
    });
  },
);

testWithNats(
  "a private message to someone away on another server says so, once each time they go away, in JSON and IRC",
  async () => {
    await using cluster = await TestCluster.start(2);
    const [p1, p2] = cluster.ports as [number, number];
    await using irc = new ChatProcess(
      ircServeArgs(["--no-announce", "--cluster", cluster.nats.url]),
      { stdin: "null" },
    );
    const ircPort = await irc.ircPort();
    await irc.waitForStdout(/(Another server joined the cluster[^]*){2}/);
    await using ann = await TestClient.join2(p1, "ann");
    await using bob = await TestClient.join2(p2, "bob");
    await ann.next("joined", (frame) => frame.name === "bob");
    /** The `info`s ann got, in order. */
    const infos = () => ann.all("info").map((frame) => frame.text);
    /** Sends bob `text` from ann and waits for its copy: an `info` before it comes before it. */
    const write = async (text: string) => {
      await ann.send({ type: "msg", to: "bob", text });
      await ann.next("private", (frame) => frame.text === text);
    };
    await bob.send({ type: "away", reason: "tea" });
    await ann.next("away", (frame) => frame.name === "bob");
    await write("lunch?");
    assert.deepEqual(infos(), ["bob is away: tea"]);
    await write("still there?");
    assert.deepEqual(infos(), ["bob is away: tea"]);
    // Back, then away again: told again, the new reason.
    await bob.send({ type: "back" });
    await ann.next("back", (frame) => frame.name === "bob");
    await bob.send({ type: "away", reason: "a walk" });
    await ann.next("away", (frame) => frame.name === "bob" && frame.reason === "a walk");
    await write("now?");
    assert.deepEqual(infos(), ["bob is away: tea", "bob is away: a walk"]);
    assert.equal((await bob.next("private", (frame) => frame.text === "now?")).from, "ann");
    // An IRC client on a third server gets 301 with the reason.
    await using carol = await IrcClient.register(ircPort, "carol");
    const deadline = Date.now() + 5_000;
    while (true) {
      await carol.send("WHOIS bob");
      const whois = await carol.until(/ 318 /);
      if (whois.some((line) => / 301 carol bob :a walk$/.test(line))) break;
      assert.ok(Date.now() < deadline, "carol's server never learnt that bob is away");
    }
    await carol.send("PRIVMSG bob :hello from irc");
    await carol.send("PRIVMSG bob :again");
    const answered = await carol.sync();
    assert.deepEqual(
      answered.filter((line) => / 301 /.test(line)).map((line) => line.replace(/^:\S+ /, "")),
      [
        "301 carol bob :a walk",
      ],
    );
    await bob.next("private", (frame) => frame.text === "again");
  },
);

testWithNats(
  "no_such_user says nobody on this chat has the name, not merely nobody on this server",
  async () => {
    await withTwoServers(async ([p1, p2]) => {
      await using ann = await TestClient.join2(p1, "ann");
      await using bob = await TestClient.join2(p2, "bob");
      await ann.next("joined", (frame) => frame.name === "bob");
      await ann.send({ type: "oper", secret: "s3cret" });
      await ann.next("notice", (frame) => frame.text.startsWith("ann is an operator"));
      // bob, on the other server, is found and suggested; nobody is called "pmba" on either.
      assert.equal(
        await answerTo(ann, { type: "msg", to: "bo", text: "hi" }),
        'no_such_user: Cannot send: nobody called "bo" is on this chat; did you mean bob?',
      );
      assert.deepEqual(
        [
          await answerTo(ann, { type: "msg", to: "pmba", text: "hi" }),
          await answerTo(ann, { type: "kick", name: "pmba" }),
          await answerTo(ann, { type: "unmute", name: "pmba" }),
        ],
        [
          'no_such_user: Cannot send: nobody called "pmba" is on this chat',
          'no_such_user: Cannot find "pmba": nobody on this chat has that name',
          'bad_command: Cannot unmute "pmba": no mute holds that name, and nobody on this chat has it',
        ],
      );
      await ann.send({ type: "msg", to: "bob", text: "found you" });
      assert.equal((await bob.next("private")).text, "found you");
    });
  },
);
