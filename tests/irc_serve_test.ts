/**
 * `chat serve`'s IRC port: TLS with `--tls-cert`, the banner's address,
 * `--no-irc`, and a port in use (the default one: IRC goes off; one given:
 * an error).
 */

import assert from "node:assert/strict";
import { assertOneErrorLine, ChatProcess, runChat } from "./_chat_process.ts";
import { IrcClient, ircServeArgs } from "./_irc_client.ts";
import { OPENSSL, selfSignedCert } from "./_fault_helpers.ts";
import { LOOPBACK, waitUntil } from "./_test_utils.ts";

/** The usual IRC port, which `chat serve` takes unless told otherwise. */
const DEFAULT_IRC_PORT = 6667;

Deno.test({
  name: `chat serve --tls-cert speaks TLS on the IRC port too${
    OPENSSL === undefined ? " (ignored: openssl is not installed)" : ""
  }`,
  ignore: OPENSSL === undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "chat_irc_tls_" });
    try {
      const cert = await selfSignedCert(dir);
      await using server = new ChatProcess(
        ircServeArgs(["--tls-cert", cert.certFile, "--tls-key", cert.keyFile]),
        { stdin: "null" },
      );
      const [, port] = await server.waitForStdout(/^ {2}ircs:\/\/127\.0\.0\.1:(\d+)$/m);
      assert.equal(await server.ircPort(), Number(port));
      const conn = await Deno.connectTls({
        hostname: LOOPBACK,
        port: Number(port),
        caCerts: [cert.cert],
      });
      await conn.handshake();
      // IrcClient only reads, writes and closes, which a TLS connection does alike.
      await using ann = new IrcClient(conn as unknown as Deno.TcpConn);
      await ann.send("NICK ann");
      await ann.send("USER ann 0 * :Ann");
      assert.match(await ann.next(/ 001 /), /^:\S+ 001 ann :Welcome/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("chat serve --irc-port: a port in use is an error, one line, exit 1", async () => {
  using taken = Deno.listen({ hostname: LOOPBACK, port: 0 });
  const outcome = await runChat(
    ["serve", "--host", "127.0.0.1", "--port", "0", "--no-web", "--memory", "--irc-port"]
      .concat(String(taken.addr.port)),
  );
  assert.equal(outcome.code, 1);
  assert.match(assertOneErrorLine(outcome), new RegExp(`:${taken.addr.port}: the port is in use`));
});

Deno.test("chat serve: the default IRC port in use turns IRC off, and the server runs", async () => {
  // Held here, or by something else: either way it is in use while the server starts.
  let held: Deno.TcpListener | undefined;
  await waitUntil(
    () => {
      try {
        held = Deno.listen({ hostname: "0.0.0.0", port: DEFAULT_IRC_PORT });
        return true;
      } catch {
        return false;
      }
    },
    10_000,
    `port ${DEFAULT_IRC_PORT} to be free for this test to take`,
  );
  try {
    await using server = new ChatProcess(
      ["serve", "--host", "127.0.0.1", "--port", "0", "--no-web", "--memory"],
      { stdin: "null" },
    );
    await server.waitForStdout(
      /IRC port 6667 is in use; IRC is off \(--irc-port N to choose another\)$/m,
    );
    const port = await server.port();
    await server.waitForStdout(/^Press Ctrl-C to stop\.$/m);
    assert.doesNotMatch(server.stdout, /irc:\/\//);
    await using nc = await IrcClient.connect(port);
    await nc.send("ann");
    await nc.next(/You are in #lobby/);
  } finally {
    held?.close();
  }
});

Deno.test("chat serve --no-irc: no IRC port; not with --irc-port; both flags in --help", async () => {
  await using server = new ChatProcess(
    ["serve", "--host", "127.0.0.1", "--port", "0", "--no-web", "--memory", "--no-irc"],
    { stdin: "null" },
  );
  await server.waitForStdout(/^Press Ctrl-C to stop\.$/m);
  assert.doesNotMatch(server.stdout, /irc/i);
  const both = await runChat(["serve", "--no-irc", "--irc-port", "7000"]);
  assert.equal(both.code, 2);
  assert.match(assertOneErrorLine(both), /--no-irc does not go with --irc-port/);
  const help = await runChat(["serve", "--help"]);
  assert.match(help.stdout, /^ {2}--irc-port N +IRC port/m);
  assert.match(help.stdout, /^ {2}--no-irc +do not serve IRC$/m);
});
