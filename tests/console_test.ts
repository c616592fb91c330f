/**
 * The host's console of the real `chat serve`: commands typed on its
 * standard input (`--console`) kick, ban and speak; `--op-file` names the
 * operators. People are told apart by their loopback address.
 */

import assert from "node:assert/strict";
import { assertOneErrorLine, ChatProcess, runChat, SERVE_LOCAL } from "./_chat_process.ts";
import { clientFrom } from "./_from_address.ts";
import { CONSOLE_COMMANDS, CONSOLE_HELP } from "../server/hub/console.ts";
import { textWidth } from "../core/width.ts";

/** `chat serve --console` on loopback, any port, keeping nothing; resolves with its port. */
async function serveWithConsole(
  extra: string[] = [],
): Promise<{ server: ChatProcess; port: number }> {
  const server = new ChatProcess([
    ...SERVE_LOCAL,
    "--no-web",
    "--memory",
    "--console",
    ...extra,
  ]);
  try {
    const [, port] = await server.waitForStdout(/listening on 127\.0\.0\.1:(\d+)$/m);
    await server.waitForStdout(/^Press Ctrl-C to stop\.$/m);
    return { server, port: Number(port) };
  } catch (error) {
    await server[Symbol.asyncDispose]();
    throw error;
  }
}

async function arrive(port: number, name: string, address: string) {
  const client = await clientFrom(port, address);
  await client.send({ type: "hello", version: 2, name });
  try {
    await client.sync();
  } catch (error) {
    if (!client.ended) throw error;
  }
  return client;
}

Deno.test("chat serve --console: the host kicks, bans and speaks from standard input", async (t) => {
  const { server, port } = await serveWithConsole();
  await using _ = server;
  await using bob = await arrive(port, "bob", "127.0.0.3");
  const eve = await arrive(port, "eve", "127.0.0.2");

  await t.step("/kick", async () => {
    await server.write("/kick eve flooding\n");
    assert.equal((await eve.next("bye")).reason, "You were kicked by host: flooding");
    await eve.closed();
    await eve[Symbol.asyncDispose]();
    assert.equal((await bob.next("left")).reason, "kicked by host: flooding");
    await server.waitForStdout(/^\[[\d-]+ [\d:]+\] host kicked eve: flooding$/m);
  });

  await t.step("/ban of an address keeps it out", async () => {
    await server.write("/ban 127.0.0.2 1h flooding\n");
    await server.waitForStdout(
      /^\[[\d-]+ [\d:]+\] host banned 127\.0\.0\.2 for 1 h: flooding$/m,
    );
    await using again = await arrive(port, "eve2", "127.0.0.2");
    const refused = again.all("error")[0];
    assert.equal(refused?.code, "banned");
    assert.match(
      refused!.message,
      /^Cannot join: host banned you, for (1 h|59 min \d+ s) more: flooding$/,
    );
  });

  await t.step("/say posts as the host, /who lists the room", async () => {
    await server.write("/say #lobby hello from the host\n");
    const said = await bob.next("message");
    assert.deepEqual([said.from, said.text], ["host", "hello from the host"]);
    await server.write("/who #lobby\n");
    await server.waitForStdout(/^-- #lobby: 1 person here: bob \(json\)$/m);
    // A room nobody is in: said in words, not as a count and a colon with nothing after it.
    assert.deepEqual(await printedBy(server, "/who #empty"), ["-- #empty: nobody here"]);
  });
});

Deno.test("chat serve --console: a ban or mute by name spares the others on the server machine", async () => {
  const { server, port } = await serveWithConsole();
  await using _ = server;
  // The host joined from the server machine, as README shows, and so did xbo.
  await using ann = await arrive(port, "ann", "127.0.0.1");
  await using xbo = await arrive(port, "xbo", "127.0.0.1");
  await using _zed = await arrive(port, "zed", "127.0.0.1");

  assert.deepEqual(unstamped(await printedBy(server, "/mute zed 10m")), [
    "[log] host muted zed for 10 min",
  ]);
  assert.deepEqual(unstamped(await printedBy(server, "/ban xbo 10m")), [
    "[log] host banned xbo for 10 min",
    "[log] xbo left (banned by host for 10 min)",
  ]);
  assert.equal((await xbo.next("bye")).reason, "You were banned by host for 10 min");
  // The name alone: ann, from the same address, stays and may still talk.
  await ann.send({ type: "say", text: "still here", room: "#lobby" });
  assert.equal((await ann.next("message", (frame) => frame.from === "ann")).text, "still here");
  assert.equal(ann.all("bye").length, 0);
  const bans = await printedBy(server, "/bans");
  assert.equal(bans.length, 2, bans.join("\n"));
  assert.match(bans[1]!, /^-- {3}xbo, by host, /);
});

/** Where the console's last check was: each asks about a room of its own. */
let checks = 0;

/**
 * Runs `line` on the console and returns the lines it printed: all of them,
 * since the console runs each line before the next, once the answer to a
 * question typed after it has come.
 */
async function printedBy(server: ChatProcess, line: string): Promise<string[]> {
  const start = server.stdout.length;
  const check = `#check-${++checks}`;
  await server.write(`${line}\n/topic ${check}\n`);
  const answer = `!! Cannot show the topic of ${check}: there is no such room\n`;
  await server.waitForStdout(new RegExp(`^${answer}`, "m"));
  const printed = server.stdout.slice(start, server.stdout.indexOf(answer, start));
  return printed.split("\n").filter((row) => row !== "");
}

/** `lines` without the log's time stamps. */
function unstamped(lines: string[]): string[] {
  return lines.map((line) => line.replace(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] /, "[log] "));
}

Deno.test("chat serve --console: /rooms lists #lobby before anyone came", async () => {
  const { server } = await serveWithConsole();
  await using _ = server;
  assert.deepEqual(await printedBy(server, "/rooms"), ["-- Rooms: #lobby (0)"]);
});

Deno.test("chat serve --console: what the host does shows once, as the log tells it", async () => {
  const { server, port } = await serveWithConsole();
  await using _ = server;
  await using bob = await arrive(port, "bob", "127.0.0.3");
  await using eve = await arrive(port, "eve", "127.0.0.2");
  const acts: [string, string[]][] = [
    ["/op bob", ["[log] host made bob an operator"]],
    ["/deop bob", ["[log] host made bob a person like the others"]],
    ["/topic #lobby Release on Friday", ["[log] host set the topic of #lobby: Release on Friday"]],
    ["/lock #dev", ["[log] host locked #dev: only operators may enter it"]],
    ["/unlock #dev", ["[log] host unlocked #dev: everyone may enter it"]],
    ["/mute bob 10m", ["[log] host muted bob for 10 min"]],
    ["/unmute bob", ["[log] host unmuted bob"]],
    ["/rename bob robert", ["[log] host renamed bob to robert"]],
    ["/mute robert 5m", ["[log] host muted robert for 5 min"]],
    // The mute an operator no longer has is said within the line that makes them one.
    ["/op robert", ["[log] host made robert an operator; their mute is lifted"]],
    ["/ban 127.0.0.9 1h spam", ["[log] host banned 127.0.0.9 for 1 h: spam"]],
    ["/unban 127.0.0.9", ["[log] host lifted the ban of 127.0.0.9"]],
    ["/kick eve bye", ["[log] host kicked eve: bye", "[log] eve left (kicked by host: bye)"]],
  ];
  for (const [line, expected] of acts) {
    assert.deepEqual(unstamped(await printedBy(server, line)), expected, line);
  }
  // The people concerned were told each.
  assert.deepEqual((await bob.next("renamed")).to, "robert");
  assert.equal((await eve.next("bye")).reason, "You were kicked by host: bye");
  // What the log does not tell still shows: answers, and refusals.
  assert.deepEqual(await printedBy(server, "/topic #lobby"), [
    "-- The topic of #lobby: Release on Friday (set by host)",
  ]);
  assert.deepEqual(await printedBy(server, "/unmute robert"), ["-- robert is not muted"]);
  assert.deepEqual(await printedBy(server, "/kick nobody"), [
    '!! Cannot find "nobody": nobody on this chat has that name',
  ]);
  // The host is the operator at the console: it does not send itself away.
  assert.deepEqual(await printedBy(server, "/ban host"), ["!! Cannot ban yourself"]);
  assert.deepEqual(await printedBy(server, "/bans"), ["-- No bans"]);
  // The console clears a topic as everyone does.
  assert.deepEqual(unstamped(await printedBy(server, '/topic #lobby ""')), [
    "[log] host cleared the topic of #lobby",
  ]);
  assert.deepEqual(await printedBy(server, "/topic #lobby"), ["-- #lobby has no topic"]);
});

/** Why a name is no room name, as the clause of a refusal. */
const ROOM_RULE = "a room name is # followed by letters, digits, _ and -, such as #lobby";

Deno.test("chat serve --console: what is no console command is refused in one line that fits the console", async () => {
  const { server } = await serveWithConsole();
  await using _ = server;
  // The console is in no room: a line without a command is nobody's message.
  const plain = "!! Type a command: /say #room TEXT posts a line; /help lists the commands";
  const refusals: [string, string][] = [
    ["hello", plain],
    ["hello /kick bob", plain],
    // `//` sends a line that begins with / from a chat client; the console sends none.
    ["//hello", plain],
    ["/dance", '!! Unknown command "/dance"; /help lists the commands'],
    ["/Dance now", '!! Unknown command "/dance"; /help lists the commands'],
    ["/", '!! Unknown command "/"; /help lists the commands'],
    ["/msg bob hi", '!! "/msg" is not a console command; /help lists them'],
    ["/say", "!! Usage: /say #room TEXT"],
    ["/kick", "!! Usage: /kick NAME [REASON]"],
    // A room that will not do is refused as any refusal reads.
    ["/who #a.b", `!! Cannot list "#a.b": ${ROOM_RULE}`],
    ["/say #a.b hi", `!! Cannot say it in "#a.b": ${ROOM_RULE}`],
    ["/lock #a.b", `!! Cannot lock "#a.b": ${ROOM_RULE}`],
  ];
  for (const [line, refusal] of refusals) {
    assert.deepEqual(await printedBy(server, line), [refusal], line);
  }
});

Deno.test("chat serve --op-file: the secret makes an operator, a bad file one error line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat_console_" });
  try {
    await Deno.writeTextFile(`${dir}/ops`, "# operators\nann  correct-horse\n");
    const { server, port } = await serveWithConsole(["--op-file", `${dir}/ops`]);
    await using _ = server;
    await using ann = await arrive(port, "ann", "127.0.0.4");
    await ann.say("/oper correct-horse");
    assert.equal(ann.all("error").length, 0);
    await ann.next("notice", (frame) => /^ann is an operator/.test(frame.text));

    const bad: [string, string][] = [
      ["ann\n", "line 1 is not NAME SECRET, one word each"],
      ["# operators\n\nann one two\n", "line 3 is not NAME SECRET, one word each"],
      // The same person twice, whose two secrets one would have to choose from.
      ["ann one\nbob two\nAnn three\n", "line 3 names the same person as line 1"],
      ["ann one\n\u0430nn one\n", "line 2 names the same person as line 1"],
    ];
    for (const [text, problem] of bad) {
      await Deno.writeTextFile(`${dir}/bad`, text);
      // Were the file taken, the server would stay up: it keeps to itself.
      const outcome = await runChat([
        ...SERVE_LOCAL,
        "--memory",
        "--no-web",
        "--no-irc",
        "--op-file",
        `${dir}/bad`,
      ]);
      const line = assertOneErrorLine(outcome, JSON.stringify(text));
      assert.equal(outcome.code, 1, line);
      assert.equal(line, `chat: cannot use op file "${dir}/bad": ${problem}`);
    }
    const missing = await runChat([
      ...SERVE_LOCAL,
      "--op-file",
      `${dir}/none`,
    ]);
    assert.equal(missing.code, 1);
    assert.match(assertOneErrorLine(missing), /cannot read op file ".*none": no such file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chat serve --console: /help lists every console command in rows of 80 columns at most", async () => {
  const { server } = await serveWithConsole();
  await using _ = server;
  const rows = await printedBy(server, "/help");
  assert.deepEqual(rows, [...CONSOLE_HELP]);
  for (const row of rows) assert.ok(textWidth(row) <= 80, `${textWidth(row)} columns: "${row}"`);
  const listed = new Set(rows.join(" ").match(/\/[a-z]+/g));
  for (const command of [...CONSOLE_COMMANDS, "say", "who", "rooms"]) {
    assert.ok(listed.has(`/${command}`), `/${command} is listed`);
  }
});
