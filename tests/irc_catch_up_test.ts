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
