/**
 * An operator whose connection dropped, and whose drop the server saw first
 * (it logged them gone), is an operator again when they come back with their
 * resume token within one heartbeat, and enters again the locked rooms they
 * were in; nobody else is, not with a wrong token, not after the grace, not
 * after a quit, a kick or a deop. Through the real server over real sockets;
 * people told apart by their loopback address (127.0.0.2 …).
 */

import assert from "node:assert/strict";
import { type ChatServer, type ServerOptions, startServer } from "../server.ts";
import { parseOpFile } from "../server/hub/moderation.ts";
import { arrive, operator } from "./_from_address.ts";
import { framesSince, LOOPBACK, type TestClient, waitUntil } from "./_test_utils.ts";

/** A server with ann's secret in its op file, and its log lines. */
async function server(
  options: ServerOptions = {},
): Promise<{ chat: ChatServer; logged: string[] }> {
  const logged: string[] = [];
  const chat = await startServer({
    hostname: LOOPBACK,
    port: 0,
    operators: parseOpFile("ann s3cret\n"),
    log: (line) => logged.push(line),
    ...options,
  });
  return { chat, logged };
}

/** The resume token of `client`'s welcome. */
function tokenOf(client: TestClient): string {
  return client.all("welcome")[0]!.resume!;
}

/** Cuts `client`'s socket and waits until the server has seen `name` go. */
async function drop(client: TestClient, name: string, logged: string[]): Promise<void> {
  await client[Symbol.asyncDispose]();
  await waitUntil(
    () => logged.includes(`${name} left (connection closed)`),
    5_000,
    `the server to see ${name} go`,
  );
}

/** Whether `client` is an operator: only one may set a topic, anyone else gets `not_operator`. */
async function isOperator(client: TestClient): Promise<boolean> {
  const mark = client.frames.length;
  await client.say("/topic #lobby Still here");
  const answers = (await framesSince(client, mark)).filter((frame) =>
    frame.type === "topic" || frame.type === "error"
  );
  assert.equal(answers.length, 1, JSON.stringify(answers));
  const [answer] = answers;
  if (answer?.type === "error") assert.equal(answer.code, "not_operator");
  return answer?.type === "topic";
}

Deno.test("an operator whose drop the server saw comes back one with the resume token", async () => {
  const { chat, logged } = await server();
  await using _ = chat;
  const port = chat.addr.port;
  const ann = await operator(port);
  await using bob = await arrive(port, "bob", "127.0.0.2");
  await ann.say("/lock #ops");
  await ann.send({ type: "join", room: "#ops" });
  await ann.next("room", (frame) => frame.room === "#ops");
  const resume = tokenOf(ann);
  await drop(ann, "ann", logged);

  await using back = await arrive(port, "ann", "127.0.0.1", {
    resume,
    rooms: [{ room: "#lobby" }, { room: "#ops" }],
  });
  assert.deepEqual(back.all("error"), []);
  assert.deepEqual(back.all("room").map((frame) => frame.room), ["#lobby", "#ops"]);
  assert.match(
    logged.at(-1)!,
    /^ann joined from 127\.0\.0\.1:\d+, an operator again after a drop$/,
  );
  assert.equal((await bob.next("joined", (frame) => frame.name === "ann")).op, true);
  assert.equal(await isOperator(back), true);

  // The token works once: coming back with it again, after another drop, is a newcomer.
  const again = tokenOf(back);
  await drop(back, "ann", logged);
  await using third = await arrive(port, "ann", "127.0.0.1", { resume });
  assert.equal(third.all("welcome").length, 1);
  assert.equal(await isOperator(third), false);
  assert.notEqual(again, resume);
});

Deno.test("a wrong token, or someone else under the name, is no operator after a drop", async () => {
  const { chat, logged } = await server();
  await using _ = chat;
  const port = chat.addr.port;
  await using ann = await operator(port);
  await ann.say("/lock #ops");
  await ann.send({ type: "join", room: "#ops" });
  await ann.next("room", (frame) => frame.room === "#ops");
  const resume = tokenOf(ann);
  await drop(ann, "ann", logged);

  await using wrong = await arrive(port, "ann", "127.0.0.1", {
    resume: crypto.randomUUID(),
    rooms: [{ room: "#ops" }],
  });
  assert.equal(wrong.all("error")[0]?.code, "room_locked");
  assert.equal(await isOperator(wrong), false);
  // The name was someone's again: the token of the one before is spent.
  await wrong.say("/quit");
  await wrong.closed();
  await using late = await arrive(port, "ann", "127.0.0.1", { resume });
  assert.equal(await isOperator(late), false);
});

Deno.test("an operator who quit, or was deopped while away, comes back as anyone", async (t) => {
  const { chat, logged } = await server();
  await using _ = chat;
  const port = chat.addr.port;
  await using bob = await arrive(port, "bob", "127.0.0.2");

  await t.step("after /quit", async () => {
    const ann = await operator(port);
    const resume = tokenOf(ann);
    await ann.say("/quit");
    await ann.closed();
    await ann[Symbol.asyncDispose]();
    await using back = await arrive(port, "ann", "127.0.0.1", { resume });
    assert.equal(await isOperator(back), false);
    await back.say("/quit");
    await back.closed();
  });

  await t.step("after a /kick", async () => {
    const ann = await operator(port);
    await ann.say("/op bob");
    await bob.next("notice", (frame) => frame.text === "ann made bob an operator");
    const resume = tokenOf(ann);
    await bob.say("/kick ann enough");
    assert.equal((await ann.next("bye")).reason, "You were kicked by bob: enough");
    await ann.closed();
    await ann[Symbol.asyncDispose]();
    await using back = await arrive(port, "ann", "127.0.0.1", { resume });
    assert.equal(await isOperator(back), false);
    await bob.say("/deop bob");
    await bob.next("notice", (frame) => frame.text === "bob is no longer an operator");
    await back.say("/quit");
    await back.closed();
  });

  await t.step("after a /deop while the drop is forgiven", async () => {
    const ann = await operator(port);
    await ann.say("/op bob");
    await bob.next("notice", (frame) => frame.text === "ann made bob an operator");
    const resume = tokenOf(ann);
    await drop(ann, "ann", logged);
    await bob.say("/deop ann");
    assert.equal(
      (await bob.next("info")).text,
      "ann is not here; they will not be an operator if they come back",
    );
    await using back = await arrive(port, "ann", "127.0.0.1", { resume });
    assert.deepEqual(back.all("error"), []);
    assert.equal(await isOperator(back), false);
  });
});

Deno.test("a drop is forgiven for one heartbeat, no longer", async () => {
  const { chat, logged } = await server({ heartbeat: 5 });
  await using _ = chat;
  const port = chat.addr.port;
  const ann = await operator(port);
  const resume = tokenOf(ann);
  await drop(ann, "ann", logged);
  // Nothing tells when a grace ends: it is waited out, a little past the heartbeat.
  await new Promise((resolve) => setTimeout(resolve, 5_000 + 250));
  await using back = await arrive(port, "ann", "127.0.0.1", { resume });
  assert.deepEqual(back.all("error"), []);
  assert.equal(await isOperator(back), false);
});
