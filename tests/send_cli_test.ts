/**
 * `chat send` as a script runs it: `main.ts` in a child process with the
 * permission flags of deno.json's `chat` task, against a real server with
 * its web port.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { type ChatServer, type ServerOptions, startServer } from "../server.ts";
import { assertOneErrorLine, ChatProcess, runChat } from "./_chat_process.ts";
import { parseOpFile } from "../server/hub/moderation.ts";
import { freePort, LOOPBACK, TestClient, waitUntil, within } from "./_test_utils.ts";
import { OPENSSL, selfSignedCert } from "./_fault_helpers.ts";

/** A server on loopback with its web port, so that it takes files. */
function server(options: ServerOptions = {}) {
  return startServer({ hostname: LOOPBACK, port: 0, webPort: 0, ...options });
}

const LINK = String.raw`http://127\.0\.0\.1:\d+/files/[0-9a-f]{64}/`;

Deno.test("chat send - from a pipe shares it in #lobby, exits 0, and history keeps it", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  const outcome = await runChat(["send", `127.0.0.1:${port}`, "-", "--name", "note.txt"], "hi\n");
  assert.equal(outcome.code, 0, outcome.stderr);
  assert.equal(outcome.stderr, "");
  const [, link] = outcome.stdout.match(
    new RegExp(`^Shared note\\.txt \\(3 bytes\\) in #lobby: (${LINK}note\\.txt)\\n$`),
  ) ?? assert.fail(`stdout: ${JSON.stringify(outcome.stdout)}`);
  const response = await fetch(link!);
  assert.equal(await response.text(), "hi\n");

  // Someone who comes in later finds it in the room's history.
  await using reader = await TestClient.join2(port, "reader");
  const shared = reader.all("message").filter((frame) => frame.file !== undefined);
  assert.equal(shared.length, 1, JSON.stringify(reader.frames));
  assert.equal(shared[0]!.file!.name, "note.txt");
  assert.equal(shared[0]!.file!.size, 3);
  assert.equal(shared[0]!.room, "#lobby");
  assert.equal(chat.hub.size, 1, "chat send left");
});

Deno.test("chat send FILE... --to shares in a room, or with one person privately", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  const dir = await Deno.makeTempDir({ prefix: "chat-send-" });
  try {
    await Deno.writeTextFile(join(dir, "a.txt"), "first");
    await Deno.writeTextFile(join(dir, "b.log"), "second");
    await using dev = await TestClient.join2(port, "dev", [{ room: "#dev" }]);
    const toDev = await runChat(
      ["send", `127.0.0.1:${port}`, join(dir, "a.txt"), join(dir, "b.log"), "--to", "#dev"],
    );
    assert.equal(toDev.code, 0, toDev.stderr);
    assert.match(
      toDev.stdout,
      new RegExp(`^Shared a\\.txt \\(5 bytes\\) in #dev: ${LINK}a\\.txt$`, "m"),
    );
    assert.match(
      toDev.stdout,
      new RegExp(`^Shared b\\.log \\(6 bytes\\) in #dev: ${LINK}b\\.log$`, "m"),
    );
    // The room sees the sender come as its first file is posted, and go.
    const came = await dev.next("joined");
    const first = await dev.next("message", (frame) => frame.file !== undefined);
    const second = await dev.next("message", (frame) => frame.file !== undefined);
    assert.deepEqual([first.file?.name, second.file?.name], ["a.txt", "b.log"]);
    assert.deepEqual([first.room, second.room], ["#dev", "#dev"]);
    assert.equal(first.from, came.name);
    assert.equal((await dev.next("left")).name, came.name);

    await using lobby = await TestClient.join2(port, "lobby");
    const toDevPrivately = await runChat(
      ["send", `127.0.0.1:${port}`, join(dir, "a.txt"), "--to", "dev", "--from", "ci"],
    );
    assert.equal(toDevPrivately.code, 0, toDevPrivately.stderr);
    assert.match(toDevPrivately.stdout, /^Shared a\.txt \(5 bytes\) with dev: /);
    const secret = await dev.next("private", (frame) => frame.file !== undefined);
    assert.equal(secret.from, "ci");
    assert.equal(secret.file?.name, "a.txt");
    // Shared with one person, it was seen in no room: nobody saw ci come or go.
    await waitUntil(() => chat.hub.size === 2, 5_000, "chat send to be gone");
    await lobby.sync();
    assert.deepEqual(lobby.frames.filter((frame) => "name" in frame && frame.name === "ci"), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chat send over --max-file says so in one line, exits 1, and stores nothing", async (t) => {
  await using chat = await server({ maxFile: 1 });
  const port = chat.addr.port;
  const dir = await Deno.makeTempDir({ prefix: "chat-send-" });
  try {
    const big = "x".repeat(1024 * 1024 + 512 * 1024);
    await Deno.writeTextFile(join(dir, "big.txt"), big);
    await t.step("a file, refused before it is sent", async () => {
      const outcome = await runChat(["send", `127.0.0.1:${port}`, join(dir, "big.txt")]);
      const line = assertOneErrorLine(outcome);
      assert.equal(outcome.code, 1, line);
      assert.equal(
        line,
        'chat: cannot send "big.txt": it is 1.5 MiB, larger than 1 MiB, the largest this server takes',
      );
    });
    await t.step("a file a byte over, its size told from the limit", async () => {
      await Deno.writeTextFile(join(dir, "just.txt"), "x".repeat(1024 * 1024 + 1));
      const outcome = await runChat(["send", `127.0.0.1:${port}`, join(dir, "just.txt")]);
      const line = assertOneErrorLine(outcome);
      assert.equal(outcome.code, 1, line);
      assert.equal(
        line,
        'chat: cannot send "just.txt": it is 1,048,577 bytes, larger than 1 MiB, the largest ' +
          "this server takes",
      );
    });
    await t.step("a file that fits and one that does not: neither is sent", async () => {
      await Deno.writeTextFile(join(dir, "cut.png"), "a picture");
      const outcome = await runChat([
        "send",
        `127.0.0.1:${port}`,
        join(dir, "cut.png"),
        join(dir, "big.txt"),
      ]);
      const line = assertOneErrorLine(outcome);
      assert.equal(outcome.code, 1, line);
      assert.equal(
        line,
        'chat: cannot send "big.txt": it is 1.5 MiB, larger than 1 MiB, the largest this server takes',
      );
      assert.equal(outcome.stdout, "", "nothing was shared");
    });
    await t.step("standard input, refused by the server", async () => {
      await using send = new ChatProcess(["send", `127.0.0.1:${port}`, "-", "--name", "big.txt"]);
      // It stops reading once the server has refused the file.
      await send.write(big).catch(() => {});
      const outcome = await send.finished();
      const line = assertOneErrorLine(outcome);
      assert.equal(outcome.code, 1, line);
      assert.equal(
        line,
        'chat: cannot send "big.txt": it is larger than 1 MiB, the largest this server takes',
      );
    });
    assert.deepEqual(chat.files?.list(), []);
    await using reader = await TestClient.join2(port, "reader");
    assert.deepEqual(reader.all("message"), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chat send over --files-quota says the server's file store has no room for it", async (t) => {
  await using chat = await server({ filesQuota: 1 });
  const port = chat.addr.port;
  const dir = await Deno.makeTempDir({ prefix: "chat-send-" });
  const noRoom =
    'chat: cannot send "big.txt": it is larger than 1 MiB, all the room this server\'s file store has';
  try {
    const big = "x".repeat(1024 * 1024 + 512 * 1024);
    await Deno.writeTextFile(join(dir, "big.txt"), big);
    await t.step(
      "a file, refused before a byte is sent, as the server's welcome tells",
      async () => {
        const outcome = await runChat(["send", `127.0.0.1:${port}`, join(dir, "big.txt")]);
        const line = assertOneErrorLine(outcome);
        assert.equal(outcome.code, 1, line);
        assert.equal(
          line,
          'chat: cannot send "big.txt": it is 1.5 MiB, larger than 1 MiB, ' +
            "all the room this server's file store has",
        );
      },
    );
    await t.step("standard input, refused once its bytes pass the room", async () => {
      await using send = new ChatProcess(["send", `127.0.0.1:${port}`, "-", "--name", "big.txt"]);
      await send.write(big).catch(() => {});
      const outcome = await send.finished();
      const line = assertOneErrorLine(outcome);
      assert.equal(outcome.code, 1, line);
      assert.equal(line, noRoom);
    });
    assert.deepEqual(chat.files?.list(), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chat send fails in one line and exits 1 when it cannot send", async (t) => {
  await using chat = await server({ ircPort: 0 });
  await using noWeb = await startServer({ hostname: LOOPBACK, port: 0 });
  const web = `127.0.0.1:${chat.webAddr!.port}`;
  const irc = `127.0.0.1:${chat.ircAddr!.port}`;
  // Said as chat join says it, which names the port's use and the chat port to use instead.
  const cases: [string, string[], RegExp | string][] = [
    [
      "the web port",
      ["send", web, "README.md"],
      `chat: ${web} is a web port, for browsers (http://${web}/); ` +
      `send to its chat port instead: chat send 127.0.0.1:${chat.addr.port} FILE...`,
    ],
    [
      "the IRC port",
      ["send", irc, "README.md"],
      `chat: ${irc} is an IRC port, for IRC clients (irc://${irc}); ` +
      "send to its chat port instead: the one chat serve prints (5002 by default)",
    ],
    [
      "no such file",
      ["send", `127.0.0.1:${chat.addr.port}`, "no/such/file.txt"],
      /^chat: cannot send "no\/such\/file\.txt": no such file$/,
    ],
    [
      "a folder",
      ["send", `127.0.0.1:${chat.addr.port}`, "tests"],
      /^chat: cannot send "tests": it is a folder$/,
    ],
    [
      "no server",
      ["send", `127.0.0.1:${freePort()}`, "README.md"],
      /^chat: cannot connect to 127\.0\.0\.1:\d+: connection refused/,
    ],
    [
      "a server that takes no files",
      ["send", `127.0.0.1:${noWeb.addr.port}`, "README.md"],
      /^chat: cannot send files to 127\.0\.0\.1:\d+: the server takes no files$/,
    ],
    [
      "nobody by that name",
      ["send", `127.0.0.1:${chat.addr.port}`, "README.md", "--to", "nobody"],
      /^chat: cannot share "README\.md": nobody called "nobody" is on this chat/i,
    ],
  ];
  for (const [what, args, expected] of cases) {
    await t.step(what, async () => {
      const outcome = await runChat(args);
      const line = assertOneErrorLine(outcome, what);
      assert.equal(outcome.code, 1, line);
      if (typeof expected === "string") assert.equal(line, expected);
      else assert.match(line, expected);
      assert.equal(outcome.stdout, "");
    });
  }
  // Each left by closing its socket as it exited, which the server reads in its own time.
  await waitUntil(() => chat.hub.size === 0, 5_000, "every chat send to be gone");
});

Deno.test("chat send and chat join name a --ca that is no certificate as the CA certificate", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "chat-ca-" });
  try {
    const key = join(dir, "key.pem");
    const text = join(dir, "notes.txt");
    await Deno.writeTextFile(
      key,
      "-----BEGIN PRIVATE KEY-----\nMC4CAQA=\n-----END PRIVATE KEY-----\n",
    );
    await Deno.writeTextFile(text, "not a certificate\n");
    // Checked before anything is dialled: no server is needed, the port is never reached.
    const port = freePort();
    const cases: [string, string, string][] = [
      [
        "a private key",
        key,
        `chat: CA certificate "${key}" holds no certificate: it is a private key`,
      ],
      ["a file that is no PEM", text, `chat: CA certificate "${text}" is not a PEM file`],
      ["a folder", dir, `chat: cannot read CA certificate "${dir}": it is a folder`],
    ];
    for (const [what, ca, said] of cases) {
      await t.step(`chat send --ca ${what}`, async () => {
        const outcome = await runChat(["send", `127.0.0.1:${port}`, "README.md", "--ca", ca]);
        assert.equal(assertOneErrorLine(outcome, what), said);
        assert.equal(outcome.code, 1);
      });
      await t.step(`chat join --ca ${what}`, async () => {
        const outcome = await runChat(["join", `127.0.0.1:${port}`, "--name", "ann", "--ca", ca]);
        assert.equal(assertOneErrorLine(outcome, what), said);
        assert.equal(outcome.code, 1);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chat send without --from shares as send-XXXX where the user name cannot be a name", async () => {
  await using chat = await server();
  await using watcher = await TestClient.join2(chat.addr.port, "watcher");
  for (const user of ["root", "host", "ann smith"]) {
    const outcome = await runChat(["send", `127.0.0.1:${chat.addr.port}`, "README.md"], "", {
      env: { USER: user, LOGNAME: user },
    });
    assert.equal(outcome.code, 0, outcome.stderr);
    const shared = await watcher.next("message", (frame) => frame.file !== undefined);
    assert.match(shared.from, /^send-[0-9a-f]{4}$/, user);
  }
  // As README says of --from.
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const row = readme.split("\n").find((line) => line.startsWith("| `--from NAME`")) ?? "";
  assert.match(row, /`send-XXXX` when your user name is taken or cannot be a name/);
});

Deno.test("chat send --from a name taken says so without the hint meant for a person", async () => {
  await using chat = await server();
  await using _ci = await TestClient.join(chat.addr.port, "ci");
  const outcome = await runChat(
    ["send", `127.0.0.1:${chat.addr.port}`, "README.md", "--from", "ci"],
  );
  const line = assertOneErrorLine(outcome, "--from taken");
  assert.equal(outcome.code, 1, line);
  // As chat join with piped input says it: no "Pick another name" for a script to act on.
  assert.equal(line, 'chat: cannot use "ci": the name is taken (ci is here)');
  assert.equal(outcome.stdout, "");
});

Deno.test("chat send that fails once connected leaves no trace for the others", async (t) => {
  await using chat = await server({ maxFile: 1, operators: parseOpFile("ann s3cret\n") });
  await using noWeb = await startServer({ hostname: LOOPBACK, port: 0 });
  const dir = await Deno.makeTempDir({ prefix: "chat-send-" });
  try {
    await Deno.writeTextFile(join(dir, "big.txt"), "x".repeat(1024 * 1024 + 512 * 1024));
    await Deno.writeTextFile(join(dir, "small.txt"), "small");
    // ann watches #lobby and #dev, which she locks: only operators may enter it.
    await using ann = await TestClient.join2(chat.addr.port, "ann", [
      { room: "#lobby" },
      { room: "#dev" },
    ]);
    await ann.send({ type: "oper", secret: "s3cret" });
    await ann.send({ type: "lock", room: "#dev" });
    await ann.next("notice", (frame) => frame.text.startsWith("ann locked #dev"));
    await using bob = await TestClient.join2(noWeb.addr.port, "bob");
    const cases: [string, ChatServer, TestClient, string[], RegExp][] = [
      ["a server that takes no files", noWeb, bob, ["small.txt"], /takes no files/],
      ["a file larger than the server takes", chat, ann, ["big.txt"], /the largest this server/],
      ["nobody by the name of --to", chat, ann, ["small.txt", "--to", "nobody"], /nobody/],
      ["a locked room", chat, ann, ["small.txt", "--to", "#dev"], /locked/],
    ];
    for (const [what, to, watcher, [file, ...rest], error] of cases) {
      await t.step(what, async () => {
        const outcome = await runChat([
          "send",
          `127.0.0.1:${to.addr.port}`,
          join(dir, file!),
          ...rest,
        ]);
        assert.equal(outcome.code, 1, outcome.stderr);
        assert.match(assertOneErrorLine(outcome), error);
        await waitUntil(() => to.hub.size === 1, 5_000, "chat send to be gone");
        await watcher.sync();
        const seen = watcher.frames.filter((frame) =>
          frame.type === "joined" || frame.type === "left"
        );
        assert.deepEqual(seen, [], what);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * A port that takes every connection and keeps count, to tell whether a
 * program that has ended connected to it at all.
 */
class CountingPort implements AsyncDisposable {
  readonly #listener = Deno.listen({ hostname: LOOPBACK, port: 0 });
  readonly #taken: Deno.Conn[] = [];
  #wake: () => void = () => {};
  readonly #accepting = (async () => {
    for await (const conn of this.#listener) {
      this.#taken.push(conn);
      this.#wake();
    }
  })();

  /** The port it listens on, on loopback. */
  get port(): number {
    return this.#listener.addr.port;
  }

  /**
   * How many connections came since the last call. Connections are taken in
   * the order they were made: once one made now is taken, so is every one
   * made before it.
   */
  async taken(): Promise<number> {
    const marker = await Deno.connect({ hostname: LOOPBACK, port: this.port });
    const from = marker.localAddr as Deno.NetAddr;
    const isMarker = (conn: Deno.Conn) => (conn.remoteAddr as Deno.NetAddr).port === from.port;
    await within(
      new Promise<void>((resolve) => {
        this.#wake = () => this.#taken.some(isMarker) && resolve();
        this.#wake();
      }),
      5_000,
      "the port to take its own connection",
    );
    marker.close();
    const conns = this.#taken.splice(0);
    for (const conn of conns) conn.close();
    return conns.findIndex(isMarker);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#listener.close();
    await this.#accepting.catch(() => {});
    for (const conn of this.#taken.splice(0)) conn.close();
  }
}

Deno.test("chat send never connects when what it is told to send fails a check made here", async (t) => {
  await using server = new CountingPort();
  const address = `127.0.0.1:${server.port}`;
  const dir = await Deno.makeTempDir({ prefix: "chat-send-" });
  using socket = Deno.listen({ transport: "unix", path: join(dir, "chat.sock") });
  // A file this user may not read; root reads every file, so for root that case is left out.
  const unreadable = join(dir, "secret.txt");
  await Deno.writeTextFile(unreadable, "secret", { mode: 0o000 });
  const root = Deno.uid() === 0;
  try {
    const cases: [string, string[], number, RegExp][] = [
      ["no such file", [address, "no/such/file.txt"], 1, /: no such file$/],
      ["a folder", [address, "tests"], 1, /: it is a folder$/],
      ["a socket", [address, socket.addr.path], 1, /: it is a socket, not a file$/],
      ...root ? [] : [
        ["a file this user may not read", [address, unreadable], 1, /: permission denied$/],
      ] as [string, string[], number, RegExp][],
      ["one missing among others", [address, "README.md", "no/such"], 1, /"no\/such": no such/],
      ["no password file", [address, "README.md", "--password-file", "no/such"], 1, /no\/such/],
      ["no CA file", [address, "README.md", "--ca", "no/such"], 1, /no\/such/],
      ["an invalid --to", [address, "README.md", "--to", "a b"], 2, /invalid --to "a b"/],
      ["an invalid --from", [address, "README.md", "--from", "a b"], 2, /invalid --from "a b"/],
      ["--name with two files", [address, "a", "b", "--name", "c"], 2, /--name names one/],
    ];
    for (const [what, args, code, expected] of cases) {
      await t.step(what, async () => {
        const outcome = await runChat(["send", ...args]);
        const line = assertOneErrorLine(outcome, what);
        assert.equal(outcome.code, code, line);
        assert.match(line, expected);
        assert.equal(await server.taken(), 0, `${what}: chat send connected`);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chat send reports a usage error in one line and exits 2", async (t) => {
  const cases: [string[], RegExp][] = [
    [["send"], /missing HOST/],
    [["send", "127.0.0.1"], /missing FILE/],
    [["send", "127.0.0.1", "a.txt", "--bogus"], /unknown option "--bogus"/],
    [["send", "127.0.0.1", "a.txt", "--to"], /option "--to" needs a value/],
    [["send", "127.0.0.1", "a.txt", "b.txt", "--name", "c.txt"], /--name names one file/],
    [["send", "127.0.0.1", "-", "-"], /standard input \("-"\) can be sent once/],
    [["send", "127.0.0.1", "a.txt", "--to", "#"], /invalid --to "#"/],
    [["send", "127.0.0.1", "a.txt", "--from", "a b"], /invalid --from "a b"/],
    [["send", "127.0.0.1:1", "a.txt", "--from", "host"], /invalid --from "host": .* reserved/],
    [["send", "127.0.0.1:1", "a.txt", "--from", "Host"], /invalid --from "Host": .* reserved/],
    [["send", "127.0.0.1:1", "a.txt", "--from", "h\u043est"], /"h\u043est": .* reserved/],
    [
      ["send", "127.0.0.1:5002", "a.txt", "--port", "5003"],
      /^chat: give the port once: "127\.0\.0\.1:5002" has one, and --port "5003" another/,
    ],
    [["send", "a\x1b[31mb:5002", "a.txt"], /invalid address "a\\u001b\[31mb:5002"/],
  ];
  for (const [args, expected] of cases) {
    await t.step(args.join(" "), async () => {
      const outcome = await runChat(args);
      const line = assertOneErrorLine(outcome, args.join(" "));
      assert.equal(outcome.code, 2, line);
      assert.match(line, expected);
      assert.match(line, /\(see "chat send --help"\)$/);
    });
  }
});

Deno.test("chat help send prints what chat send --help prints", async () => {
  const help = await runChat(["help", "send"]);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage: chat send HOST\[:PORT\] FILE\.\.\. \[options\]\n/);
  assert.match(help.stdout, /--to #ROOM\|NAME/);
  assert.equal(help.stdout, (await runChat(["send", "--help"])).stdout);
  assert.match((await runChat(["--help"])).stdout, /^ {2}chat send HOST\[:PORT\] FILE\.\.\. /m);
});

Deno.test("chat send to a server with a password prints a link without its own dead token", async (t) => {
  await using chat = await server({ password: "s3cret" });
  const address = `127.0.0.1:${chat.addr.port}`;
  const dir = await Deno.makeTempDir({ prefix: "chat-send-" });
  try {
    await Deno.writeTextFile(join(dir, "right"), "s3cret\n");
    await Deno.writeTextFile(join(dir, "wrong"), "guess\n");
    await Deno.writeTextFile(join(dir, "a.txt"), "first");
    await t.step("the right password shares the file; the link carries no token", async () => {
      const outcome = await runChat([
        "send",
        address,
        join(dir, "a.txt"),
        "--password-file",
        join(dir, "right"),
      ]);
      assert.equal(outcome.code, 0, outcome.stderr);
      assert.match(
        outcome.stdout,
        new RegExp(`^Shared a\\.txt \\(5 bytes\\) in #lobby: ${LINK}a\\.txt\\n$`),
      );
      // The token chat send had ended with it: anyone connected fetches the link with theirs.
      await using reader = await TestClient.connect(chat.addr.port);
      await reader.send({ type: "hello", version: 2, name: "reader", password: "s3cret" });
      const welcome = await within(reader.next("welcome"));
      const link = outcome.stdout.trim().split(": ")[1]!;
      const response = await fetch(`${link}?token=${welcome.files!.token}`);
      assert.equal(await response.text(), "first");
    });
    await t.step("a wrong password is said without telling to give one", async () => {
      const outcome = await runChat([
        "send",
        address,
        join(dir, "a.txt"),
        "--password-file",
        join(dir, "wrong"),
      ]);
      const line = assertOneErrorLine(outcome);
      assert.equal(outcome.code, 1, line);
      assert.doesNotMatch(line, /--password-file/);
    });
    await t.step("no password at all says where to give one", async () => {
      const outcome = await runChat(["send", address, join(dir, "a.txt")]);
      const line = assertOneErrorLine(outcome);
      assert.equal(outcome.code, 1, line);
      assert.match(line, /set CHAT_PASSWORD or use --password-file$/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: `chat send without --tls to a TLS server says to add --tls, as chat join does${
    OPENSSL === undefined ? " (ignored: openssl is not installed)" : ""
  }`,
  ignore: OPENSSL === undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "chat-send-tls-" });
    try {
      const { cert, key } = await selfSignedCert(dir);
      await using chat = await server({ tls: { cert, key } });
      const outcome = await runChat(["send", `127.0.0.1:${chat.addr.port}`, "README.md"]);
      const line = assertOneErrorLine(outcome);
      assert.equal(outcome.code, 1, line);
      assert.equal(
        line,
        "chat: cannot send: the server closed the connection without a word (if it uses TLS, add --tls)",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: `chat send to the IRC port of a TLS server names it as ircs://${
    OPENSSL === undefined ? " (ignored: openssl is not installed)" : ""
  }`,
  ignore: OPENSSL === undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "chat-send-tls-" });
    try {
      const { cert, key } = await selfSignedCert(dir);
      await using chat = await server({ tls: { cert, key }, ircPort: 0 });
      const irc = `127.0.0.1:${chat.ircAddr!.port}`;
      await Deno.writeTextFile(join(dir, "cert.pem"), cert);
      const outcome = await runChat(["send", irc, "README.md", "--ca", join(dir, "cert.pem")]);
      const line = assertOneErrorLine(outcome);
      assert.equal(outcome.code, 1, line);
      assert.equal(
        line,
        `chat: ${irc} is an IRC port, for IRC clients (ircs://${irc}); ` +
          "send to its chat port instead: the one chat serve prints (5002 by default)",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("chat send stopped by Ctrl-C says what was shared, in one line, and exits 130", async (t) => {
  await using chat = await server();
  const port = chat.addr.port;
  const dir = await Deno.makeTempDir({ prefix: "chat-send-" });
  try {
    await Deno.writeTextFile(join(dir, "a.txt"), "first");
    await t.step("while it reads standard input, before any file", async () => {
      await using send = new ChatProcess(["send", `127.0.0.1:${port}`, "-", "--name", "slow.txt"]);
      // Some of it, and then standard input stays open: the upload goes on.
      await send.write("the start\n");
      await waitUntil(() => chat.hub.size === 1, 10_000, "chat send to join");
      send.kill("SIGINT");
      const outcome = await send.finished(10_000, true);
      assert.equal(outcome.code, 130, outcome.stderr);
      assert.equal(outcome.stderr, "chat: stopped; nothing was shared\n");
      assert.equal(outcome.stdout, "");
    });
    await t.step("after a file, while it reads standard input", async () => {
      await using lobby = await TestClient.join2(port, "lobby");
      await using send = new ChatProcess(["send", `127.0.0.1:${port}`, join(dir, "a.txt"), "-"]);
      await send.write("the start\n");
      await lobby.next("message", (frame) => frame.file?.name === "a.txt");
      // Printed as soon as the server has shared it.
      await send.waitForStdout(/^Shared a\.txt /);
      send.kill("SIGINT");
      const outcome = await send.finished(10_000, true);
      assert.equal(outcome.code, 130, outcome.stderr);
      assert.equal(outcome.stderr, "chat: stopped; nothing more was shared\n");
      assert.match(
        outcome.stdout,
        new RegExp(`^Shared a\\.txt \\(5 bytes\\) in #lobby: ${LINK}a\\.txt\\n$`),
      );
    });
    await waitUntil(() => chat.hub.size === 0, 10_000, "chat send to be gone");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
