/**
 * An IRC client whose connection was lost, back soon under the same nick
 * from the same address: each room it enters replays only what was said
 * while it was gone, not the last messages it had shown already
 * (server/irc/catch_up.ts). One that said QUIT, or another nick, gets the
 * room's last messages as anyone entering it does.
 */

import assert from "node:assert/strict";
import { ChatProcess } from "./_chat_process.ts";
import { IrcClient, ircServeArgs } from "./_irc_client.ts";
import { TestClient } from "./_test_utils.ts";

/** A server with IRC on a free port, no sending limit to speak of. */
async function serve() {
  const server = new ChatProcess(ircServeArgs(["--rate", "1000"]), { stdin: "null" });
  try {
    return { server, port: await server.port(), irc: await server.ircPort() };
  } catch (error) {
    await server[Symbol.asyncDispose]();
    throw error;
  }
}

/** The texts of the PRIVMSGs to `channel` among `lines`, in order. */
function said(lines: readonly string[], channel: string): string[] {
  const pattern = new RegExp(`^(?:@\\S+ )?:\\S+ PRIVMSG ${channel} :(.*)$`);
  return lines.flatMap((line) => pattern.exec(line)?.[1] ?? []);
}

/** Registers `nick` and returns every line up to a sync: the #lobby replay among them. */
async function arrive(irc: number, nick: string): Promise<{ client: IrcClient; lines: string[] }> {
  const client = await IrcClient.register(irc, nick);
  await client.sync();
  return { client, lines: client.lines };
}

/** `client` joins `channel`; returns the lines of the join, the replay among them. */
async function enter(client: IrcClient, channel: string): Promise<string[]> {
  await client.send(`JOIN ${channel}`);
  return await client.sync();
}

/** bob says `text` in `room`, and waits for his own echo. */
async function bobSays(bob: TestClient, room: string, text: string): Promise<void> {
  await bob.send({ type: "say", room, text });
  await bob.next("message", (frame) => frame.text === text);
}

Deno.test("IRC: back soon after a lost connection, each room replays only what came meanwhile", async (t) => {
  const { server, port, irc } = await serve();
  await using _ = server;
  await using bob = await TestClient.join2(port, "bob", [{ room: "#lobby" }, { room: "#dev" }]);

  await t.step("the first connection reads #lobby and #dev, then is lost", async () => {
    const { client: ann } = await arrive(irc, "ann");
    await enter(ann, "#dev");
    await bobSays(bob, "#lobby", "lobby one");
    await bobSays(bob, "#dev", "dev one");
    await ann.next(/PRIVMSG #dev :dev one$/);
    // Heard from after both arrived: the server knows it was there to read them.
    await ann.sync();
    // Gone without a QUIT, as a connection that broke.
    await ann[Symbol.asyncDispose]();
    await bob.next("left", (frame) => frame.name === "ann" && frame.room === "#lobby");
  });

  await bobSays(bob, "#lobby", "lobby two");
  await bobSays(bob, "#dev", "dev two");

  await t.step("back as ann: #lobby and #dev replay only what was said meanwhile", async () => {
    const { client: ann, lines } = await arrive(irc, "ann");
    await using _ann = ann;
    assert.deepEqual(said(lines, "#lobby"), ["lobby two"]);
    assert.deepEqual(said(await enter(ann, "#dev"), "#dev"), ["dev two"]);

    // Once per room: left and entered again, #dev replays its last messages as for anyone.
    await ann.send("PART #dev");
    await ann.next(/ PART #dev/);
    assert.deepEqual(said(await enter(ann, "#dev"), "#dev"), ["dev one", "dev two"]);
    await ann.send("QUIT :done");
    await ann.closed();
  });

  await t.step("after a QUIT, ann comes back to the rooms' last messages", async () => {
    const { client: ann, lines } = await arrive(irc, "ann");
    await using _ann = ann;
    assert.deepEqual(said(lines, "#lobby"), ["lobby one", "lobby two"]);
    assert.deepEqual(said(await enter(ann, "#dev"), "#dev"), ["dev one", "dev two"]);
  });

  await t.step("another nick from the same address gets the rooms' last messages", async () => {
    const { client: cat } = await arrive(irc, "cat");
    await cat.sync();
    await cat[Symbol.asyncDispose]();
    await bob.next("left", (frame) => frame.name === "cat");
    const { client: dan, lines } = await arrive(irc, "dan");
    await using _dan = dan;
    assert.deepEqual(said(lines, "#lobby"), ["lobby one", "lobby two"]);
  });
});

Deno.test("IRC: a connection lost while silent replays what came after it was last heard", async () => {
  const { server, port, irc } = await serve();
  await using _ = server;
  await using bob = await TestClient.join2(port, "bob");
  const { client: ann } = await arrive(irc, "ann");
  await bobSays(bob, "#lobby", "before");
  await ann.next(/PRIVMSG #lobby :before$/);
  await ann.sync();
  // Said while ann's client sent nothing: the server cannot know they reached her.
  await bobSays(bob, "#lobby", "unconfirmed");
  await ann.next(/PRIVMSG #lobby :unconfirmed$/);
  await ann[Symbol.asyncDispose]();
  await bob.next("left", (frame) => frame.name === "ann");
  const { client: again, lines } = await arrive(irc, "ann");
  await using _again = again;
  assert.deepEqual(said(lines, "#lobby"), ["unconfirmed"]);
});

Deno.test("IRC: a client that only answers the server's PINGs is back without what it had read", async () => {
  const { server, port, irc } = await serve();
  await using _ = server;
  await using bob = await TestClient.join2(port, "bob");
  const { client: ann } = await arrive(irc, "ann");
  await bobSays(bob, "#lobby", "read already");
  await ann.next(/PRIVMSG #lobby :read already$/);
  // Soon after writing to a client it has not heard from since, the server asks with a PING:
  // the answer proves that everything written before it was read. ann sends nothing else.
  const ping = await ann.next(/^:\S+ PING /, 4_000);
  // Written after the PING: its answer does not prove this one read.
  await bobSays(bob, "#lobby", "after the ping");
  await ann.next(/PRIVMSG #lobby :after the ping$/);
  await ann.send(`PONG :${ping.split(" ").at(-1)!.replace(/^:/, "")}`);
  await ann[Symbol.asyncDispose]();
  await bob.next("left", (frame) => frame.name === "ann");
  await bobSays(bob, "#lobby", "said meanwhile");
  const { client: again, lines } = await arrive(irc, "ann");
  await using _again = again;
  assert.deepEqual(said(lines, "#lobby"), ["after the ping", "said meanwhile"]);
});

Deno.test("IRC: a return refused (banned) keeps the place for the return that is welcomed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat_irc_catch_up_" });
  try {
    await Deno.writeTextFile(`${dir}/ops`, "ann op-secret\n");
    const server = new ChatProcess(
      ircServeArgs(["--rate", "1000", "--op-file", `${dir}/ops`]),
      { stdin: "null" },
    );
    await using _ = server;
    const [port, irc] = [await server.port(), await server.ircPort()];
    await using bob = await TestClient.join2(port, "bob");
    await using ann = await TestClient.join2(port, "ann");
    await ann.send({ type: "oper", secret: "op-secret" });
    await ann.next("notice", (frame) => frame.text.startsWith("ann is an operator"));
    for (const text of ["lobby 0", "lobby 1", "lobby 2"]) await bobSays(bob, "#lobby", text);

    const { client: uc } = await arrive(irc, "uc");
    await uc.send("PRIVMSG #lobby :hello");
    await uc.sync();
    // From the same address as uc: the ban holds the name, and sends uc away.
    await ann.send({ type: "ban", target: "uc", duration: 600 });
    await uc.next(/^ERROR /);
    await uc.closed();
    await uc[Symbol.asyncDispose]();

    // Back while banned: refused before it is welcomed.
    await using refused = await IrcClient.connect(irc);
    await refused.send("NICK uc");
    await refused.send("USER uc 0 * :uc");
    await refused.next(/ 465 /);
    await refused.closed();

    await bobSays(bob, "#lobby", "while uc was out");
    await ann.send({ type: "unban", target: "uc" });
    await ann.next("info", (frame) => frame.text.startsWith("Lifted"));
    const { client: back, lines } = await arrive(irc, "uc");
    await using _back = back;
    assert.deepEqual(said(lines, "#lobby"), ["while uc was out"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("IRC: back soon, a channel the lost connection was never in replays its last messages", async () => {
  const { server, port, irc } = await serve();
  await using _ = server;
  await using bob = await TestClient.join2(port, "bob", [{ room: "#lobby" }, { room: "#news" }]);
  await bobSays(bob, "#news", "news one");
  await bobSays(bob, "#news", "news two");
  const { client: ann } = await arrive(irc, "ann");
  await ann.sync();
  await ann[Symbol.asyncDispose]();
  await bob.next("left", (frame) => frame.name === "ann");
  await bobSays(bob, "#lobby", "lobby meanwhile");

  const { client: again, lines } = await arrive(irc, "ann");
  await using _again = again;
  assert.deepEqual(said(lines, "#lobby"), ["lobby meanwhile"]);
  // Never shown to ann: its last messages, as anyone joining it gets.
  assert.deepEqual(said(await enter(again, "#news"), "#news"), ["news one", "news two"]);
});
