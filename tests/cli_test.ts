/**
 * The CLI as a user runs it: `main.ts` in a child process, with exactly the
 * permission flags of deno.json's `chat` task.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer } from "../server.ts";
import { parseOpFile } from "../server/hub/moderation.ts";
import {
  assertOneErrorLine,
  type ChatOutcome,
  ChatProcess,
  childEnv,
  ROOT,
  runChat,
  SERVE_LOCAL,
  TASK_ARGS,
} from "./_chat_process.ts";
import { freePort, settledValue, settleEach, succeeds, TestClient, within } from "./_test_utils.ts";
import { OPENSSL, selfSignedCert } from "./_fault_helpers.ts";

const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
const VERSION: string = config.version;

const STAMP = /^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] /;
const STAMP_ANYWHERE = /^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] /m;
const CLOCK = /^\[\d{2}:\d{2}:\d{2}\] /;

/** The environment without the variables the client takes a default name from. */
function envWithoutUser(): Record<string, string> {
  const env = childEnv();
  for (const name of ["USER", "LOGNAME", "USERNAME"]) delete env[name];
  return env;
}

const unshareProblem = await succeeds("unshare", ["--net", "true"]);

/** `chat serve` took `signal` before it listened, and stopped cleanly: exit 0, said so, nothing else. */
function assertStoppedWhileStarting(
  outcome: ChatOutcome,
  signal: Deno.Signal,
): void {
  assert.deepEqual(
    { code: outcome.code, signal: outcome.signal },
    { code: 0, signal: null },
    outcome.stdout + outcome.stderr,
  );
  assert.equal(outcome.stderr, "");
  assert.match(outcome.stdout, new RegExp(`\\] ${signal} received while starting: `));
  assert.match(outcome.stdout, /\] Stopped\n$/);
  assert.doesNotMatch(outcome.stdout, /listening/);
}

Deno.test("chat task flags come from deno.json", () => {
  assert.ok(TASK_ARGS.includes("--allow-net"), TASK_ARGS.join(" "));
  assert.ok(!TASK_ARGS.some((flag) => flag === "-A" || flag === "--allow-all"));
});

Deno.test("chat --help, help and COMMAND --help print usage and exit 0", async (t) => {
  const cases: [string[], RegExp][] = [
    [["--help"], /^chat .*\n\nUsage:\n {2}chat serve .*\n {2}chat join /],
    [["-h"], /^chat .*\n\nUsage:\n/],
    [["help"], /^chat .*\n\nUsage:\n {2}chat serve .*\n {2}chat join /],
    [["help", "help"], /^chat .*\n\nUsage:\n[\s\S]* {2}chat help \[COMMAND\] /],
    [["serve", "--help"], /^Usage: chat serve \[options\]\n[\s\S]*--port N/],
    [["join", "--help"], /^Usage: chat join \[HOST\[:PORT\]\] \[options\]\n[\s\S]*--name NAME/],
    [["ls", "--help"], /^Usage: chat ls \[options\]\n/],
    [["send", "--help"], /^Usage: chat send /],
  ];
  for (const [args, usage] of cases) {
    await t.step(`chat ${args.join(" ")}`, async () => {
      const outcome = await runChat(args);
      assert.equal(outcome.code, 0, outcome.stderr);
      assert.match(outcome.stdout, usage);
      assert.equal(outcome.stderr, "");
      // Read in an 80-column terminal: no line wraps there.
      for (const line of outcome.stdout.split("\n")) {
        assert.ok([...line].length <= 80, `${[...line].length} columns: ${line}`);
      }
    });
  }
});

Deno.test("chat help COMMAND prints what chat COMMAND --help prints", async (t) => {
  const topLevel = (await runChat(["--help"])).stdout;
  for (const command of ["serve", "join", "ls"]) {
    await t.step(`chat help ${command}`, async () => {
      const outcome = await runChat(["help", command]);
      assert.equal(outcome.code, 0, outcome.stderr);
      assert.equal(outcome.stderr, "");
      assert.match(outcome.stdout, new RegExp(`^Usage: chat ${command} `));
      assert.equal(outcome.stdout, (await runChat([command, "--help"])).stdout);
      assert.notEqual(outcome.stdout, topLevel);
    });
  }
});

Deno.test("chat --version, -V and -v print the version from deno.json", async (t) => {
  for (const flag of ["--version", "-V", "-v"]) {
    await t.step(`chat ${flag}`, async () => {
      const outcome = await runChat([flag]);
      assert.equal(outcome.code, 0, outcome.stderr);
      assert.equal(outcome.stdout, `chat ${VERSION}\n`);
      assert.equal(outcome.stderr, "");
    });
  }
});

Deno.test("chat --help and README name every flag that prints the version", async () => {
  const usage = (await runChat(["--help"])).stdout;
  const line = usage.split("\n").find((row) => row.startsWith("  chat --version "));
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  const row = readme.split("\n").find((row) => row.startsWith("| `chat --version`"));
  for (const flag of ["--version", "-V", "-v"]) {
    assert.ok(line?.includes(flag), `${flag} in chat --help: ${line}`);
    assert.ok(
      row?.includes(`\`${flag}\``) || row?.includes(`\`chat ${flag}\``),
      `${flag} in README's commands: ${row}`,
    );
  }
});

Deno.test("chat with no arguments prints usage on stderr and exits 2", async () => {
  const outcome = await runChat([]);
  assert.equal(outcome.code, 2);
  assert.equal(outcome.stdout, "");
  assert.match(outcome.stderr, /Usage:\n {2}chat serve/);
});

Deno.test("chat reports a usage error in one line and exits 2", async (t) => {
  // Serve cases bind loopback only, so a missed error cannot open a public port.
  const local = ["--host", "127.0.0.1"];
  // The page stays for the files flags: without it they would clash with --no-web first.
  const quietWithPage = ["--port", "0", "--web-port", "0", "--memory", "--no-irc", "--no-announce"];
  const quiet = ["--port", "0", "--memory", "--no-web", "--no-irc", "--no-announce"];
  const cases: [string[], RegExp][] = [
    [["frobnicate"], /unknown command "frobnicate"/],
    [["help", "frobnicate"], /unknown command "frobnicate"/],
    [["help", "help", "extra"], /unexpected argument "extra"/],
    [["--bogus"], /unknown option "--bogus"/],
    [["--version", "extra"], /unexpected argument "extra"/],
    [["-v", "--bogus"], /unknown option "--bogus"/],
    [["-V", "-h"], /unexpected argument "-h"/],
    [["--help", "extra"], /unexpected argument "extra"/],
    [["-h", "--version"], /unexpected argument "--version"/],
    [["join", "--bogus"], /unknown option "--bogus"/],
    [["join", "--po", "1"], /unknown option "--po"/],
    [["ls", "-x"], /unknown option "-x"/],
    [["serve", ...local, "--nope"], /unknown option "--nope"/],
    [["serve", ...local, "--port"], /option "--port" needs a value/],
    [["join", "127.0.0.1", "--name", "-x"], /option "--name" needs a value; write --name=VALUE/],
    [["serve", ...local, "--port", "--", "-1"], /option "--port" needs a value/],
    [["serve", ...local, "--memory=yes"], /option "--memory" takes no value/],
    [
      ["join", "127.0.0.1:1", "--name", "bad name!"],
      /invalid --name "bad name!": a name cannot hold spaces/,
    ],
    [
      ["join", "127.0.0.1:1", "--name", "bob "],
      /^chat: invalid --name "bob ": a name cannot start or end with a space \(see/,
    ],
    [["join", "127.0.0.1:1", "--name", ""], /invalid --name "": a name cannot be empty/],
    [["join", "127.0.0.1:1", "--name", "x".repeat(25)], /invalid --name "x{25}": .* at most 24/],
    [["join", "127.0.0.1:1", "--name", "a\x1b[2Jb"], /invalid --name "a\\u001b\[2Jb"/],
    // The host's name, as the server's console speaks under it, is as reserved as root.
    [
      ["join", "127.0.0.1:1", "--name", "root"],
      /invalid --name "root": the name "root" is reserved/,
    ],
    [
      ["join", "127.0.0.1:1", "--name", "host"],
      /invalid --name "host": the name "host" is reserved/,
    ],
    [
      ["join", "127.0.0.1:1", "--name", "HOST"],
      /invalid --name "HOST": the name "HOST" is reserved/,
    ],
    [["join", "127.0.0.1:1", "--name", "h\u043est"], /invalid --name "h\u043est": .* is reserved/],
    // An address that no host has is refused here, not taken to the resolver and exit 1.
    [
      ["join", "http://127.0.0.1:5003/", "--name", "ci"],
      /^chat: invalid address "http:\/\/127\.0\.0\.1:5003\/": give HOST or HOST:PORT .*, not a link \(see/,
    ],
    [["send", "https://chat.lan", "README.md"], /^chat: invalid address "https:\/\/chat\.lan": /],
    [
      ["join", "127.0.0.1:5:6", "--name", "ci"],
      /^chat: invalid address "127\.0\.0\.1:5:6": expected/,
    ],
    [["join", "[::1", "--name", "ci"], /^chat: invalid address "\[::1": expected HOST:PORT/],
    [["send", "[lan]:5002", "README.md"], /^chat: invalid address "\[lan\]:5002": brackets hold/],
    [
      ["join", "ann@192.168.1.5", "--name", "ci"],
      /^chat: invalid address "ann@192\.168\.1\.5" \(see/,
    ],
    [["serve", ...local, "--port", "abc"], /port "abc"/],
    [["serve", ...local, "--port", "70000"], /port "70000"/],
    // A negative number after an option that takes a value is that value, and refused as such.
    [["serve", ...local, "--port", "-1"], /^chat: invalid --port "-1": expected a number/],
    [["serve", ...local, "--heartbeat", "-1"], /^chat: invalid --heartbeat "-1": expected/],
    [["serve", ...local, "--history", "-0.5"], /^chat: invalid --history "-0\.5": expected/],
    [["serve", ...local, "--max-file", "-1"], /^chat: invalid --max-file "-1": expected/],
    // 0 MiB would refuse every file while offering to take them: --no-files is how to take none.
    [
      ["serve", ...local, ...quietWithPage, "--max-file", "0"],
      /^chat: invalid --max-file "0": expected a number from 1 to 1000000; to take no files, use --no-files \(see/,
    ],
    [
      ["serve", ...local, ...quietWithPage, "--files-quota", "0"],
      /^chat: invalid --files-quota "0": expected a number from 1 to 10000000; to take no files, use --no-files \(see/,
    ],
    // A flag that makes another pointless: the two together are a mistake.
    [
      ["serve", ...local, ...quietWithPage, "--no-files", "--max-file", "5"],
      /^chat: --no-files does not go with --max-file \(see "chat serve --help"\)$/,
    ],
    [
      ["serve", ...local, "--port", "0", "--files-quota", "5", "--no-files"],
      /^chat: --no-files does not go with --files-quota \(see/,
    ],
    [
      ["serve", ...local, "--port", "0", "--no-web", "--web-port", "0"],
      /^chat: --no-web does not go with --web-port \(see/,
    ],
    [
      ["serve", ...local, "--port", "0", "--no-web", "--no-files"],
      /^chat: --no-web does not go with --no-files \(see/,
    ],
    [["serve", ...local, "--irc-port", "-1"], /^chat: invalid --irc-port "-1": expected/],
    [["join", "--away-after", "-1"], /^chat: invalid --away-after "-1": expected minutes/],
    [["join", "127.0.0.1", "--port", "-5"], /^chat: invalid --port "-5": expected a number/],
    // --port is refused in one form by every command, as serve does; a port in HOST:PORT as an address.
    [
      ["join", "127.0.0.1", "--port", "0"],
      /^chat: invalid --port "0": expected a number from 1 to 65535 \(see/,
    ],
    [["ls", "--port", "0"], /^chat: invalid --port "0": expected a number from 1 to 65535 \(see/],
    [
      ["send", "127.0.0.1", "a.txt", "--port", "65536"],
      /^chat: invalid --port "65536": expected a number from 1 to 65535 \(see/,
    ],
    [
      ["serve", ...local, "--port", "65536"],
      /^chat: invalid --port "65536": expected a number from 0 to 65535 \(see/,
    ],
    [
      ["join", "127.0.0.1:0"],
      /^chat: invalid address "127\.0\.0\.1:0": its port "0" is not a number from 1 to 65535 \(see/,
    ],
    [["ls", "--wait", "-1"], /^chat: invalid --wait "-1": expected seconds/],
    [["join", "--port", "abc"], /port "abc"/],
    [["join", "--port", "0"], /port "0"/],
    [["join", "127.0.0.1:99999"], /port "99999"/],
    [["join", "127.0.0.1:"], /port ""/],
    [["join", "host:99999"], /port "99999"/],
    [
      ["join", "127.0.0.1:5002", "--port", "5003"],
      /^chat: give the port once: "127\.0\.0\.1:5002" has one, and --port "5003" another \(see/,
    ],
    [["serve", ...local, "--port", "0", "--history", "abc"], /--history "abc"/],
    [["serve", ...local, "--port", "0", "--history", "1.5"], /--history "1.5"/],
    [["serve", ...local, "--port", "0", "--history=-1"], /--history "-1"/],
    [["serve", ...local, "--port", "0", "--history", "100001"], /--history "100001"/],
    [["serve", ...local, "--port", "0", "--history", ""], /--history ""/],
    [["serve", ...local, "--port", "0", "--history", "0x10"], /--history "0x10"/],
    [["serve", ...local, "--port", "0", "--history", "\x1b[2J"], /--history "\\u001b\[2J"/],
    [["serve", ...local, "--port", "0", "--history"], /--history/],
    [["serve", ...local, "--port", "0", "extra"], /unexpected argument "extra"/],
    // Two of the server's own ports on one number: not "in use by another server".
    [
      ["serve", ...local, "--port", "25090", "--web-port", "25090", "--no-irc", "--memory"],
      /^chat: invalid --web-port "25090": it is the --port too; each port needs its own number/,
    ],
    [
      ["serve", ...local, "--web-port", "5002", "--no-irc", "--memory"],
      /^chat: invalid --web-port "5002": it is the --port too/,
    ],
    [
      ["serve", ...local, "--port", "0", "--web-port", "25091", "--irc-port", "25091"],
      /^chat: invalid --irc-port "25091": it is the --web-port too/,
    ],
    // Were the host taken, the server would listen on every interface: it announces nothing.
    [["serve", "--host", "", ...quiet], /^chat: invalid --host "": expected an address/],
    [["serve", "--host", "127.0.0.1 ", ...quiet], /^chat: invalid --host "127\.0\.0\.1 "/],
    [
      ["serve", ...local, "--port", "0", "--cluster", "ftp://10.0.0.5"],
      /--cluster "ftp:\/\/10\.0\.0\.5"/,
    ],
    [["serve", ...local, "--port", "0", "--cluster", ","], /--cluster: expected nats:\/\//],
    // A flag that needs another is named as given, with the one it needs; nothing else.
    [
      ["serve", ...local, "--port", "0", "--cluster-creds", "x.creds"],
      /^chat: --cluster-creds needs --cluster \(see/,
    ],
    [
      ["serve", ...local, "--port", "0", "--cluster-ca", "ca.pem"],
      /^chat: --cluster-ca needs --cluster \(see/,
    ],
    [
      ["serve", ...local, "--port", "0", "--cluster-ca", "ca.pem", "--cluster-creds", "x.creds"],
      /^chat: --cluster-creds and --cluster-ca need --cluster \(see/,
    ],
    [
      ["serve", ...local, "--port", "0", "--tls-cert", "c.pem"],
      /^chat: --tls-cert needs --tls-key \(see/,
    ],
    [
      ["serve", ...local, "--port", "0", "--tls-key", "k.pem"],
      /^chat: --tls-key needs --tls-cert \(see/,
    ],
    [["serve", ...local, "--port", "0", "--cluster", "tls://10.0.0.5:4222"], /host name/],
    [["join", "127.0.0.1", "extra"], /unexpected argument "extra"/],
    // What was typed is shown escaped, so no control character reaches the terminal.
    [["join", "127.0.0.1", 'a\x1b[31mb"c'], /unexpected argument "a\\u001b\[31mb\\"c"/],
    [["ls", 'q"\x07'], /unexpected argument "q\\"\\u0007"/],
    [["ls", "--wait", "1\x1b[2J"], /invalid --wait "1\\u001b\[2J"/],
    [["join", "a\x1b[31mb", "--name", "ann"], /invalid address "a\\u001b\[31mb"/],
    [["join", "a\x1b[31mb:5002", "--name", "ann"], /invalid address "a\\u001b\[31mb:5002"/],
    [["join", "a b:5002", "--name", "ann"], /invalid address "a b:5002"/],
    // Neither a link nor a port after a port is taken for a host name to look up.
    [
      ["join", "http://127.0.0.1:5003/", "--name", "ann"],
      /^chat: invalid address "http:\/\/127\.0\.0\.1:5003\/": give HOST or HOST:PORT .*, not a link/,
    ],
    [
      ["send", "irc://127.0.0.1", "a.txt"],
      /^chat: invalid address "irc:\/\/127\.0\.0\.1": give HOST or HOST:PORT .*, not a link/,
    ],
    [
      ["join", "127.0.0.1:5002:5", "--name", "ann"],
      /^chat: invalid address "127\.0\.0\.1:5002:5": expected HOST:PORT, or an IPv6 address/,
    ],
  ];
  // Each case is a process of its own: they run a few at a time, then each is checked in a step.
  // Side by side on a busy machine each takes longer to exit than alone.
  const outcomes = await settleEach(cases, 4, async ([args]) => {
    await using chat = new ChatProcess(args);
    return await chat.finished(30_000);
  });
  for (const [index, [args, message]] of cases.entries()) {
    await t.step(`chat ${args.map((arg) => JSON.stringify(arg)).join(" ")}`, () => {
      const outcome = settledValue(outcomes[index]!);
      const line = assertOneErrorLine(outcome, args.join(" "));
      assert.equal(outcome.code, 2, line);
      assert.match(line, message);
      // One quoting style: what the user typed stands in double quotes, never single.
      assert.doesNotMatch(line, /(^|[\s(])'/, line);
      assert.equal(outcome.stdout, "");
    });
  }
});

Deno.test("chat serve and chat join quote a path they cannot use, escaped", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "chat-paths-" });
  try {
    const odd = `${dir}/a\x1b[2Jb`;
    const shown = `"${dir}/a\\u001b[2Jb"`;
    await Deno.writeTextFile(`${dir}/file`, "not a folder");
    const serve = ["serve", "--host", "127.0.0.1", "--port", "0", "--no-web", "--no-irc"];
    const cases: [string[], string][] = [
      [[...serve, "--memory", "--password-file", odd], `cannot read password file ${shown}`],
      [[...serve, "--memory", "--op-file", odd], `cannot read op file ${shown}`],
      [
        [...serve, "--memory", "--tls-cert", odd, "--tls-key", odd],
        `cannot read certificate ${shown}`,
      ],
      [
        ["join", "127.0.0.1:1", "--name", "ann", "--ca", odd],
        `cannot read CA certificate ${shown}`,
      ],
      [
        [...serve, "--data-dir", `${dir}/file/a\x1b[2Jb`],
        `cannot create data directory "${dir}/file/a\\u001b[2Jb"`,
      ],
    ];
    for (const [args, start] of cases) {
      await t.step(args.join(" "), async () => {
        const outcome = await runChat(args);
        const line = assertOneErrorLine(outcome, args.join(" "));
        assert.equal(outcome.code, 1, line);
        assert.ok(line.startsWith(`chat: ${start}: `), line);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("chat serve does not start where the open-file limit leaves no room for a connection", async (t) => {
  const serve = [...SERVE_LOCAL, "--memory", "--no-web", "--no-irc", "--no-announce"];
  const limited = (limit: number) => ["sh", "-c", `ulimit -n ${limit} && exec "$@"`, "sh"];
  await t.step(
    "ulimit -n 150: none fits beside the 192 kept, so it says so and exits 1",
    async () => {
      const outcome = await runChat(serve, "", { wrap: limited(150) });
      const line = assertOneErrorLine(outcome, "ulimit -n 150");
      assert.equal(outcome.code, 1, line);
      assert.match(
        line,
        /^chat: no connection fits in the open-file limit \(ulimit -n 150\): the server keeps 192 file descriptors for itself beside one per connection, and \d+ are free\. Raise the limit before starting the server, e\.g\. "ulimit -n 3072"$/,
      );
      assert.doesNotMatch(outcome.stdout, /listening/);
    },
  );
  await t.step("ulimit -n 512: it starts, with what fits, and says so", async () => {
    await using chat = new ChatProcess(serve, { wrap: limited(512) });
    await chat.waitForStdout(/Press Ctrl-C to stop/);
    const said = chat.stdout;
    const lowered =
      /\] Only (\d+) connections fit in the open-file limit \(ulimit -n 512\), not 2000: --max-connections is lowered to \1\. /
        .exec(said);
    assert.ok(lowered !== null, said);
    assert.ok(Number(lowered[1]) > 0 && Number(lowered[1]) <= 512 - 192, said);
    assert.equal((await chat.stop()).code, 0);
  });
});

Deno.test({
  name: `chat serve refuses a --tls-cert that is no certificate or a --tls-key that is no key${
    OPENSSL === undefined ? " (ignored: openssl is not installed)" : ""
  }`,
  ignore: OPENSSL === undefined,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "chat-tls-files-" });
    try {
      const { certFile, keyFile } = await selfSignedCert(dir);
      const serve = ["serve", "--host", "127.0.0.1", "--port", "0", "--memory", "--no-web"];
      const cases: [string, string, string][] = [
        [
          keyFile,
          certFile,
          `chat: certificate "${keyFile}" is a private key, and private key "${certFile}" ` +
          "a certificate: swap --tls-cert and --tls-key",
        ],
        [
          certFile,
          certFile,
          `chat: private key "${certFile}" holds no private key: it is a certificate`,
        ],
        [
          keyFile,
          keyFile,
          `chat: certificate "${keyFile}" holds no certificate: it is a private key`,
        ],
      ];
      for (const [cert, key, expected] of cases) {
        await t.step(`--tls-cert ${cert} --tls-key ${key}`, async () => {
          const outcome = await runChat([
            ...serve,
            "--no-irc",
            "--no-announce",
            "--tls-cert",
            cert,
            "--tls-key",
            key,
          ]);
          const line = assertOneErrorLine(outcome);
          assert.equal(outcome.code, 1, line);
          assert.equal(line, expected);
          assert.equal(outcome.stdout, "");
        });
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("chat serve --cluster reports an unreachable NATS in one line and exits 1", async () => {
  const port = freePort();
  const outcome = await runChat([
    ...SERVE_LOCAL,
    "--no-web",
    "--no-irc",
    "--cluster",
    `nats://127.0.0.1:${port}`,
  ]);
  const line = assertOneErrorLine(outcome, "NATS refused");
  assert.equal(outcome.code, 1, line);
  assert.equal(
    line,
    `chat: cannot join the cluster at nats://127.0.0.1:${port}: connection refused`,
  );
});

/**
 * A web server that is no chat server's, answering each connection's first
 * line with `answer` and closing it, until disposed.
 */
function webServer(answer: string): AsyncDisposable & { port: number } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    for await (const conn of listener) {
      await conn.read(new Uint8Array(4096)).catch(() => null);
      await conn.write(new TextEncoder().encode(answer)).catch(() => 0);
      conn.close();
    }
  })().catch(() => {});
  return {
    port: listener.addr.port,
    async [Symbol.asyncDispose]() {
      listener.close();
      await serving;
    },
  };
}

Deno.test("chat join and chat send pointed at a web server that is no chat's say it is one", async (t) => {
  const answers: [string, string][] = [
    ["a status line", "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"],
    // Python's http.server answers a line that is no HTTP/1 request with a page alone, as HTTP/0.9.
    [
      "a page with no status line",
      '<!DOCTYPE HTML>\n<html lang="en">\n<head><title>Error</title></head>\n',
    ],
  ];
  for (const [what, answer] of answers) {
    await using web = webServer(answer);
    const where = `127.0.0.1:${web.port}`;
    for (
      const [command, args, go] of [
        ["join", ["join", where, "--name", "ann"], "join"],
        ["send", ["send", where, "README.md"], "send to"],
      ] as const
    ) {
      await t.step(`chat ${command}, answered with ${what}`, async () => {
        const outcome = await runChat([...args]);
        const line = assertOneErrorLine(outcome, what);
        assert.equal(outcome.code, 1, line);
        assert.equal(
          line,
          `chat: ${where} is an HTTP server, not a chat port; ${go} a chat port instead: ` +
            "the one chat serve prints (5002 by default)",
        );
      });
    }
  }
});

Deno.test("chat join reports a refused connection in one line and exits 1", async () => {
  const port = freePort();
  const outcome = await runChat(["join", `127.0.0.1:${port}`, "--name", "ann"]);
  const line = assertOneErrorLine(outcome, "refused");
  assert.equal(outcome.code, 1, line);
  assert.match(line, /refused/);
  assert.ok(line.includes(`127.0.0.1:${port}`), line);
});

Deno.test({
  name: `chat join reports an unreachable network in one line and exits 1${
    unshareProblem === undefined
      ? ""
      : ` (ignored: "unshare --net" does not work: ${unshareProblem})`
  }`,
  ignore: unshareProblem !== undefined,
  fn: async () => {
    // A fresh network namespace has no routes (not even lo is up), so nothing
    // leaves this machine: connecting to 10.0.0.1 fails at once.
    const started = performance.now();
    const outcome = await runChat(["join", "10.0.0.1:5002", "--name", "ann"], "", {
      wrap: ["unshare", "--net"],
    });
    const elapsed = performance.now() - started;
    const line = assertOneErrorLine(outcome, "unreachable");
    assert.equal(outcome.code, 1, line);
    assert.match(line, /unreachable|cannot connect/i);
    assert.ok(line.includes("10.0.0.1:5002"), line);
    // Well under the 5 s connect timeout: the error is reported, not waited out.
    assert.ok(elapsed < 4_000, `took ${Math.round(elapsed)} ms`);
  },
});

for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
  Deno.test(`chat serve says bye to everyone and exits 0 on ${signal}`, async () => {
    await using server = new ChatProcess([
      ...SERVE_LOCAL,
      "--memory",
      "--no-web",
    ]);
    const [, listening] = await server.waitForStdout(/listening on 127\.0\.0\.1:(\d+)$/m);
    const [, port] = await server.waitForStdout(/chat join 127\.0\.0\.1:(\d+)$/m);
    assert.notEqual(Number(port), 0);
    assert.equal(port, listening);

    await using ann = await within(TestClient.join(Number(port), "ann"), 5_000, "ann to join");
    await server.waitForStdout(/ ann joined/);
    server.child.kill(signal);

    const bye = await ann.next("bye");
    assert.match(bye.reason, /shutting down/i);
    await ann.closed();
    assert.ok(ann.ended);

    const outcome = await server.finished();
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.equal(outcome.signal, null);
    assert.equal(outcome.stderr, "");
    const joinLine = outcome.stdout.split("\n").find((line) => line.includes(" ann joined"));
    assert.match(joinLine ?? "", STAMP, outcome.stdout);
    assert.match(outcome.stdout, new RegExp(`${signal} received`));
  });

  Deno.test(`chat serve exits 0 on ${signal} sent as soon as the banner is out`, async () => {
    // Whoever reads the banner may stop the server at once; a few rounds make a race show.
    for (let round = 0; round < 5; round++) {
      await using server = new ChatProcess([
        ...SERVE_LOCAL,
        "--memory",
        "--no-web",
      ]);
      await server.waitForStdout(/^Press Ctrl-C to stop\.$/m);
      server.child.kill(signal);
      const outcome = await server.finished();
      assert.deepEqual(
        { code: outcome.code, signal: outcome.signal },
        { code: 0, signal: null },
        `round ${round}: ${outcome.stdout}${outcome.stderr}`,
      );
      assert.match(outcome.stdout, STAMP_ANYWHERE);
      assert.match(outcome.stdout, /\] Stopped$/m);
    }
  });
}

const mkfifoProblem = Deno.build.os === "windows"
  ? "no named pipes here"
  : await succeeds("mkfifo", ["--version"]);

/**
 * A copy of the program (the modules `deno info` lists for main.ts, and the
 * lock file) in a new folder, with the module at `pipePath` made a named pipe, so that whoever
 * loads it waits until the test writes it. Removed on disposal.
 */
async function programWithPipe(
  pipePath: string,
): Promise<{ dir: string; pipe: string; source: Uint8Array } & AsyncDisposable> {
  const { stdout, stderr, success } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "main.ts"],
    cwd: ROOT,
    env: childEnv(),
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(success, new TextDecoder().decode(stderr));
  const { modules } = JSON.parse(new TextDecoder().decode(stdout)) as {
    modules: { specifier: string }[];
  };
  const dir = await Deno.makeTempDir({ prefix: "chat-program-" });
  const root = new URL(`file://${ROOT}`).href;
  const paths = modules.flatMap(({ specifier }) =>
    specifier.startsWith(root) ? [specifier.slice(root.length)] : []
  );
  // The copy runs with its own deno.json, which names the lock file.
  for (const path of [...paths, "deno.lock"]) {
    await Deno.mkdir(`${dir}/${path.replace(/[^/]*$/, "")}`, { recursive: true });
    await Deno.copyFile(`${ROOT}${path}`, `${dir}/${path}`);
  }
  const pipe = `${dir}/${pipePath}`;
  const source = await Deno.readFile(pipe);
  await Deno.remove(pipe);
  const made = await new Deno.Command("mkfifo", { args: [pipe] }).output();
  assert.ok(made.success, new TextDecoder().decode(made.stderr));
  return {
    dir,
    pipe,
    source,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test({
    name: `chat serve exits 0 on ${signal} that comes while its modules load${
      mkfifoProblem === undefined ? "" : ` (ignored: no mkfifo: ${mkfifoProblem})`
    }`,
    ignore: mkfifoProblem !== undefined,
    fn: async () => {
      // The serve command's module is a pipe: reading it, the process waits for the test, which
      // signals it then. Deno read every module before running any code, the server's too, so a
      // signal in that time (a tenth of a second, more on a busy machine) killed the process.
      await using program = await programWithPipe("cli/serve.ts");
      await using server = new ChatProcess([...SERVE_LOCAL, "--memory", "--no-web"], {
        denoArgs: [...TASK_ARGS.slice(0, -1), `${program.dir}/main.ts`],
      });
      // Opening a pipe to write waits until the other end opens it to read.
      const opening = Deno.open(program.pipe, { write: true });
      const exited = server.child.status.then(() => undefined);
      const pipe = await within(Promise.race([opening, exited]), 20_000, "the module to be read")
        .finally(async () => {
          // Nobody will read: let the open go.
          if (server.exited) (await Deno.open(program.pipe, { read: true })).close();
        });
      if (pipe === undefined) {
        (await opening).close();
      } else {
        server.kill(signal);
        // Deno reads the module again to run it: the file itself is there by then, the pipe
        // being replaced before the first reading can end.
        await Deno.writeFile(`${program.pipe}.new`, program.source);
        await Deno.rename(`${program.pipe}.new`, program.pipe);
        try {
          for (let at = 0; at < program.source.length;) {
            at += await pipe.write(program.source.subarray(at));
          }
        } catch (error) {
          // Killed by the signal, the reader is gone: the outcome below says so.
          if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
        } finally {
          pipe.close();
        }
      }
      const outcome = await server.finished();
      assertStoppedWhileStarting(outcome, signal);
    },
  });
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.test(`chat serve stopped by ${signal} while it starts exits 0, not by the signal`, async () => {
    // A NATS that takes the connection and never answers: the server is still starting
    // once it has connected.
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const held: Deno.Conn[] = [];
    const { promise: connected, resolve: wake } = Promise.withResolvers<void>();
    const accepting = (async () => {
      for await (const conn of listener) {
        held.push(conn);
        wake();
      }
    })().catch(() => {});
    try {
      await using server = new ChatProcess([
        ...SERVE_LOCAL,
        "--memory",
        "--no-web",
        "--no-irc",
        "--no-announce",
        "--cluster",
        `nats://127.0.0.1:${listener.addr.port}`,
      ]);
      await within(connected, 10_000, "chat serve to connect to NATS");
      server.kill(signal);
      const outcome = await server.finished();
      assertStoppedWhileStarting(outcome, signal);
    } finally {
      listener.close();
      await accepting;
      for (const conn of held) conn.close();
    }
  });
}

Deno.test("chat serve --no-files serves the page, offers no files and refuses uploads", async () => {
  await using server = new ChatProcess([
    ...SERVE_LOCAL,
    "--web-port",
    "0",
    "--memory",
    "--no-irc",
    "--no-files",
  ]);
  const [, port] = await server.waitForStdout(/chat join 127\.0\.0\.1:(\d+)$/m);
  const [, web] = await server.waitForStdout(/^ {2}(http:\/\/127\.0\.0\.1:\d+)\/$/m);
  await using ann = await within(TestClient.join2(Number(port), "ann"), 5_000, "ann to join");
  const welcome = ann.all("welcome")[0];
  assert.ok(welcome !== undefined);
  assert.equal(welcome.files, undefined);
  const page = await within(fetch(`${web}/`), 10_000, "the page");
  assert.equal(page.status, 200);
  await page.body?.cancel();
  const upload = await within(
    fetch(`${web}/files`, { method: "POST", body: "hello", headers: { "x-file-name": "a.txt" } }),
    10_000,
    "the upload's answer",
  );
  assert.equal(upload.status, 403);
  assert.equal((await upload.json()).error, "no_files");
  const outcome = await server.stop("SIGTERM");
  assert.equal(outcome.code, 0, outcome.stderr);
});

Deno.test("chat serve on 127.0.0.1 offers its page to this machine, not to a phone", async () => {
  await using server = new ChatProcess([...SERVE_LOCAL, "--web-port", "0", "--memory", "--no-irc"]);
  await server.waitForStdout(/^Press Ctrl-C to stop\.$/m);
  const lines = server.stdout.split("\n");
  const at = lines.indexOf("Only this machine can join:");
  assert.ok(at >= 0, server.stdout);
  // A phone cannot reach this machine's loopback: no phone, and no QR code for it to scan.
  assert.equal(lines[at + 2], "or in a browser:", server.stdout);
  assert.match(lines[at + 3]!, /^ {2}http:\/\/127\.0\.0\.1:\d+\/$/, server.stdout);
  assert.equal(
    lines[at + 4],
    "Use --host 0.0.0.0 to let others on the network join.",
    server.stdout,
  );
  assert.doesNotMatch(server.stdout, /phone|█|▀|▄/);
  const outcome = await server.stop("SIGTERM");
  assert.equal(outcome.code, 0, outcome.stderr);
});

Deno.test("chat serve on a port in use reports it in one line and exits 1", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = taken.addr.port;
  const outcome = await runChat([
    "serve",
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--memory",
    "--no-web",
  ]);
  const line = assertOneErrorLine(outcome, "port in use");
  assert.equal(outcome.code, 1, line);
  assert.match(line, /in use/);
  assert.ok(line.includes(String(port)), line);
  assert.equal(outcome.stdout, "");
});

Deno.test("chat join with piped input sends each line, then exits 0", async () => {
  await using server = await startServer({ hostname: "127.0.0.1", port: 0 });
  await using watcher = await TestClient.join(server.addr.port, "watcher");

  const outcome = await runChat(
    ["join", `127.0.0.1:${server.addr.port}`, "--name", "bot"],
    "hi from a pipe\nsecond\n",
  );
  assert.equal(outcome.code, 0, outcome.stderr);
  assert.equal(outcome.stderr, "");

  const first = await watcher.next("message", (frame) => frame.from === "bot");
  const second = await watcher.next("message", (frame) => frame.from === "bot");
  assert.deepEqual([first.text, second.text], ["hi from a pipe", "second"]);
  assert.equal(first.room, "#lobby");

  const lines = outcome.stdout.split("\n");
  const said = lines.filter((line) => / bot: /.test(line));
  assert.deepEqual(said.map((line) => line.replace(CLOCK, "")), [
    "bot: hi from a pipe",
    "bot: second",
  ]);
  for (const line of said) assert.match(line, CLOCK);
  assert.ok(!outcome.stdout.includes("\x1b"), JSON.stringify(outcome.stdout));
  // What is printed is for the script that reads it: no hints for a person at the keyboard.
  assert.equal(lines[0], "-- Connected to chat as bot");
  assert.doesNotMatch(outcome.stdout, /Type \/help/);
});

Deno.test("chat join with piped input sends a last line that has no line break, as the rest", async () => {
  await using server = await startServer({ hostname: "127.0.0.1", port: 0 });
  await using watcher = await TestClient.join(server.addr.port, "watcher");
  // `printf 'build done' | chat join …`: the script's whole input is one line, unended.
  const outcome = await runChat(
    ["join", `127.0.0.1:${server.addr.port}`, "--name", "bot"],
    "first\nbuild done",
  );
  assert.equal(outcome.code, 0, outcome.stderr);
  const first = await watcher.next("message", (frame) => frame.from === "bot");
  const last = await watcher.next("message", (frame) => frame.from === "bot");
  assert.deepEqual([first.text, last.text], ["first", "build done"]);
});

Deno.test("chat join with piped input says each line refused on stderr, sends the rest, exits 3", async () => {
  await using server = await startServer({
    hostname: "127.0.0.1",
    port: 0,
    operators: parseOpFile("ann s3cret\n"),
  });
  const port = server.addr.port;
  await using ann = await TestClient.join(port, "ann");
  await ann.say("/oper s3cret");
  await ann.next("notice", (frame) => /^ann is an operator/.test(frame.text));
  await using bot = new ChatProcess(["join", `127.0.0.1:${port}`, "--name", "bot"]);
  await bot.write(`first\n${"x".repeat(5000)}\n/nosuch\nsecond\n`);
  // Refused here (too long, unknown) or by the server (muted): the rest still goes.
  await ann.next("message", (frame) => frame.from === "bot" && frame.text === "second");
  await ann.say("/mute bot 10m");
  await ann.next("notice", (frame) => /muted bot/.test(frame.text));
  await bot.write("not heard\n");
  const outcome = await bot.finished();
  assert.equal(outcome.code, 3, outcome.stderr);
  const refusals = outcome.stderr.trimEnd().split("\n");
  assert.equal(refusals.length, 3, outcome.stderr);
  assert.match(refusals[0]!, /^chat: cannot send message: it is 5000 bytes, more than the 4000 /);
  assert.equal(
    refusals[1],
    'chat: unknown command "/nosuch"; start with // to send a line that begins with /',
  );
  assert.match(refusals[2]!, /^chat: cannot send: ann muted you, for (10 min|9 min \d+ s) more$/);
  // Said once, on stderr: the transcript on stdout goes on without them.
  assert.doesNotMatch(outcome.stdout, /^!! /m);
  assert.match(outcome.stdout, / bot: second$/m);
  await ann.sync();
  assert.deepEqual(
    ann.all("message").filter((frame) => frame.from === "bot").map((frame) => frame.text),
    ["first", "second"],
  );
});

Deno.test("chat join with piped input slowed down for a flood loses no line and exits 0", async () => {
  await using server = await startServer({ hostname: "127.0.0.1", port: 0, messageRate: 1 });
  await using watcher = await TestClient.join(server.addr.port, "watcher");
  const lines = Array.from({ length: 6 }, (_, i) => `line ${i + 1}`);
  // Two lines past the burst of four take two seconds more than the start of the process.
  const outcome = await runChat(
    ["join", `127.0.0.1:${server.addr.port}`, "--name", "bot"],
    lines.map((line) => `${line}\n`).join(""),
    {},
    30_000,
  );
  assert.equal(outcome.code, 0, outcome.stderr);
  assert.equal(outcome.stderr, "");
  assert.match(
    outcome.stdout,
    /^!! You are sending too fast: your messages are being slowed down$/m,
  );
  const heard = [];
  for (const _ of lines) heard.push((await watcher.next("message")).text);
  assert.deepEqual(heard, lines);
});

Deno.test("chat join with piped input posts the lines after a /join in the room it joins", async () => {
  await using server = await startServer({
    hostname: "127.0.0.1",
    port: 0,
    operators: parseOpFile("watcher s3cret\n"),
  });
  await using watcher = await TestClient.join2(server.addr.port, "watcher", [
    { room: "#lobby" },
    { room: "#dev" },
    { room: "#ops" },
  ]);
  await watcher.send({ type: "oper", secret: "s3cret" });
  await watcher.send({ type: "lock", room: "#ops" });
  await watcher.next("notice", (frame) => frame.room === "#ops");
  const outcome = await runChat(
    ["join", `127.0.0.1:${server.addr.port}`, "--name", "bot"],
    "in the lobby\n/join #dev\nbuild done\nall green\n/join #+bad\nstill in dev\n" +
      "/join #ops\nnot let in\n",
  );
  // The two /join refused are said on stderr, and the exit code says so.
  assert.equal(outcome.code, 3, outcome.stderr);
  assert.match(outcome.stderr, /^chat: cannot join #ops: it is locked/m);
  assert.equal(outcome.stderr.trimEnd().split("\n").length, 2, outcome.stderr);
  const said = [];
  for (let i = 0; i < 5; i++) {
    const { room, text } = await watcher.next("message", (frame) => frame.from === "bot");
    said.push(`${room} ${text}`);
  }
  // A /join refused holds nothing back: the next line goes where the script is.
  assert.deepEqual(said, [
    "#lobby in the lobby",
    "#dev build done",
    "#dev all green",
    "#dev still in dev",
    "#dev not let in",
  ]);
});

Deno.test("chat join with piped input: a line refused before a /join does not send the lines after it elsewhere", async () => {
  await using server = await startServer({ hostname: "127.0.0.1", port: 0 });
  await using watcher = await TestClient.join2(server.addr.port, "watcher", [
    { room: "#lobby" },
    { room: "#dev" },
  ]);
  // The server refuses the /part (the only room) after the /join went out: that refusal is not
  // the room's, so the lines after the /join still wait for it and go there.
  const outcome = await runChat(
    ["join", `127.0.0.1:${server.addr.port}`, "--name", "bot"],
    "/part\n/join #dev\nbuild done\n",
  );
  assert.equal(outcome.code, 3, outcome.stderr);
  assert.equal(
    outcome.stderr,
    "chat: cannot leave #lobby: it is the only room you are in; join another first\n",
  );
  assert.match(outcome.stdout, /^-- You are in #dev\. /m);
  const { room, text } = await watcher.next("message", (frame) => frame.from === "bot");
  assert.equal(`${room} ${text}`, "#dev build done");
});

Deno.test("chat join with piped input posts the lines after a /part in the room it goes back to", async () => {
  await using server = await startServer({ hostname: "127.0.0.1", port: 0 });
  await using watcher = await TestClient.join2(server.addr.port, "watcher", [
    { room: "#lobby" },
    { room: "#dev" },
  ]);
  const outcome = await runChat(
    ["join", `127.0.0.1:${server.addr.port}`, "--name", "bot"],
    "/join #dev\nbuild done\n/part\nback in the lobby\n",
  );
  assert.equal(outcome.code, 0, outcome.stderr);
  assert.equal(outcome.stderr, "");
  const said = [];
  for (let i = 0; i < 2; i++) {
    const { room, text } = await watcher.next("message", (frame) => frame.from === "bot");
    said.push(`${room} ${text}`);
  }
  assert.deepEqual(said, ["#dev build done", "#lobby back in the lobby"]);
});

Deno.test("chat join with piped input prints the answers of its own commands in the order typed", async () => {
  await using server = await startServer({ hostname: "127.0.0.1", port: 0 });
  await using ann = await TestClient.join(server.addr.port, "ann");
  await ann.say("before the script");
  await ann.next("message", (frame) => frame.text === "before the script");
  // Whom the script ignores is written here, not in the user's own configuration.
  const config = await Deno.makeTempDir({ prefix: "chat-ordered-" });
  try {
    const outcome = await runChat(
      ["join", `127.0.0.1:${server.addr.port}`, "--name", "bot"],
      "/history\n/ignore ann\n/who\n/bell off\n/ignores\nafter them\n",
      { env: { XDG_CONFIG_HOME: config } },
    );
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.equal(outcome.stderr, "");
    // Each answer follows those of the lines before it: /history shows ann's message, which
    // the /ignore after it does not hide, and /who answers before /bell.
    const lines = outcome.stdout.split("\n").map((line) => line.replace(CLOCK, ""))
      .filter((line) => !line.startsWith("— ")); // The day's divider in the history.
    const start = lines.indexOf("-- The last message of #lobby:");
    assert.ok(start > 0, outcome.stdout);
    assert.deepEqual(lines.slice(start, start + 7).map((line) => line.replace(/ \(.*/, "")), [
      "-- The last message of #lobby:",
      "ann: before the script",
      "-- You ignore ann now: their messages are hidden from you",
      "-- #lobby: 2 people here: ann",
      "-- Bell: off",
      "-- You ignore ann",
      "bot: after them",
    ], outcome.stdout);
  } finally {
    await Deno.remove(config, { recursive: true });
  }
});

Deno.test("chat join with piped input that cannot write down whom it ignores says so once and exits 0", async () => {
  await using server = await startServer({ hostname: "127.0.0.1", port: 0 });
  await using ann = await TestClient.join(server.addr.port, "ann");
  // The configuration folder is a file: nothing can be written under it.
  const file = await Deno.makeTempFile({ prefix: "chat-config-" });
  try {
    const outcome = await runChat(
      ["join", `127.0.0.1:${server.addr.port}`, "--name", "bot"],
      "/ignore ann\n/unignore ann\nafter them\n",
      { env: { XDG_CONFIG_HOME: file } },
    );
    // README: said once, the list lasts until the script leaves; nothing was refused.
    const line = assertOneErrorLine(outcome, "cannot remember whom you ignore");
    assert.match(line, /: the list lasts until you leave$/);
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.match(outcome.stdout, /\] bot: after them$/m);
    await ann.next("message", (frame) => frame.from === "bot" && frame.text === "after them");
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("a flag given twice takes its last value, and --password-file wins over CHAT_PASSWORD", async () => {
  await using server = await startServer({ hostname: "127.0.0.1", port: 0, password: "from-file" });
  await using ann = await TestClient.connect(server.addr.port);
  await ann.send({ type: "hello", version: 2, name: "ann", password: "from-file" });
  await ann.next("welcome");
  const dir = await Deno.makeTempDir({ prefix: "chat-twice-" });
  try {
    await Deno.writeTextFile(join(dir, "wrong"), "wrong\n");
    await Deno.writeTextFile(join(dir, "right"), "from-file\n");
    const outcome = await runChat(
      [
        "join",
        "127.0.0.1",
        "--port",
        String(freePort()),
        "--port",
        String(server.addr.port),
        "--name",
        "bot",
        "--password-file",
        join(dir, "wrong"),
        "--password-file",
        join(dir, "right"),
      ],
      "both taken last\n",
      { env: { CHAT_PASSWORD: "from-env" } },
    );
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.equal(outcome.stderr, "");
    await ann.next("message", (frame) => frame.from === "bot" && frame.text === "both taken last");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  // As README says.
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  assert.match(readme.replace(/\s+/g, " "), /A flag given twice takes its last value/);
  assert.match(readme.replace(/\s+/g, " "), /`--password-file` wins over `CHAT_PASSWORD`/);
});

Deno.test("chat join with piped input sends nothing after /quit, and exits 0", async () => {
  await using server = await startServer({ hostname: "127.0.0.1", port: 0 });
  await using ann = await TestClient.join(server.addr.port, "ann");
  const outcome = await runChat(
    ["join", `127.0.0.1:${server.addr.port}`, "--name", "qq"],
    "hi\n/quit\nafter quit\n/msg ann later still\n",
  );
  assert.equal(outcome.code, 0, outcome.stderr);
  assert.equal(outcome.stderr, "");
  assert.match(outcome.stdout, /\] qq: hi$/m);
  assert.doesNotMatch(outcome.stdout, /after quit|later still/);
  // What reached the room: the line before /quit, then qq leaving; nothing else.
  await ann.next("left", (frame) => frame.name === "qq");
  const seen = ann.frames.flatMap((frame) =>
    (frame.type === "message" && frame.from === "qq") || frame.type === "private"
      ? [frame.text]
      : []
  );
  assert.deepEqual(seen, ["hi"]);
});

Deno.test("chat join with piped input and no name reports it in one line and exits 2", async () => {
  await using server = await startServer({ hostname: "127.0.0.1", port: 0 });
  const outcome = await runChat(["join", `127.0.0.1:${server.addr.port}`], "hello\n", {
    env: envWithoutUser(),
    clearEnv: true,
  });
  const line = assertOneErrorLine(outcome, "no name");
  // A usage error, as README's exit codes have it.
  assert.equal(outcome.code, 2, line);
  assert.match(line, /--name/);
  assert.equal(server.hub.size, 0);
});

Deno.test("chat join with piped input and no name it can use exits 2 before connecting", async (t) => {
  // Nothing listens there: a client that connected first would say it cannot connect, exit 1.
  const port = freePort();
  const cases: [string, Record<string, string>, RegExp][] = [
    ["no user name", {}, /^chat: no name given; pass --name NAME /],
    ["a reserved user name", { USER: "root" }, /^chat: no name given, and your user name "root" /],
    ["the host's name", { USER: "host" }, /"host" cannot be one \(the name "host" is reserved\)/],
    ["a user name no chat allows", { USER: "a b" }, /user name "a b" cannot be one \(a name can/],
  ];
  for (const [what, user, expected] of cases) {
    await t.step(what, async () => {
      const outcome = await runChat(["join", `127.0.0.1:${port}`], "hello\n", {
        env: { ...envWithoutUser(), ...user },
        clearEnv: true,
      });
      const line = assertOneErrorLine(outcome, what);
      assert.equal(outcome.code, 2, line);
      assert.match(line, expected);
      assert.match(line, /pass --name NAME/);
    });
  }
});

Deno.test("chat join with piped input and a taken name reports it in one line and exits 1", async () => {
  await using server = await startServer({ hostname: "127.0.0.1", port: 0 });
  await using bot = await TestClient.join(server.addr.port, "bot");
  const outcome = await runChat(["join", `127.0.0.1:${server.addr.port}`, "--name", "BOT"], "hi\n");
  const line = assertOneErrorLine(outcome, "taken name");
  assert.equal(outcome.code, 1, line);
  // Nobody is there to pick another name: the script is told what went wrong, no more.
  assert.equal(line, 'chat: cannot use "BOT": the name is taken (bot is here)');
  // Nothing was said under the taken name.
  await bot.sync();
  assert.deepEqual(bot.all("message"), []);
});

Deno.test("chat join with piped input, kicked by an operator, says so in one line and exits 1", async () => {
  await using server = await startServer({
    hostname: "127.0.0.1",
    port: 0,
    operators: parseOpFile("ann s3cret\n"),
  });
  const port = server.addr.port;
  await using ann = await TestClient.join(port, "ann");
  await ann.say("/oper s3cret");
  await ann.next("notice", (frame) => /^ann is an operator/.test(frame.text));
  // Input stays open: the client would be there still, had nobody sent it away.
  await using bot = new ChatProcess(["join", `127.0.0.1:${port}`, "--name", "bot"]);
  await ann.next("joined", (frame) => frame.name === "bot");
  await ann.say("/kick bot flooding");
  const outcome = await bot.finished(10_000, true);
  const line = assertOneErrorLine(outcome, "kicked");
  assert.equal(outcome.code, 1, line);
  assert.equal(line, "chat: you were kicked by ann: flooding");
  assert.match(outcome.stdout, /^-- Disconnected: You were kicked by ann: flooding$/m);
});

Deno.test("chat join with piped input exits 1 when the server shuts down before the input ends", async () => {
  const server = await startServer({ hostname: "127.0.0.1", port: 0 });
  const port = server.addr.port;
  let closed = false;
  try {
    await using watcher = await TestClient.join(port, "watcher");
    // Input stays open: the job is not done when the server goes away.
    await using bot = new ChatProcess(["join", `127.0.0.1:${port}`, "--name", "bot"]);
    await watcher.next("joined", (frame) => frame.name === "bot");
    await bot.write("first\n");
    await watcher.next("message", (frame) => frame.text === "first");
    await server.close();
    closed = true;
    const outcome = await bot.finished(10_000, true);
    const line = assertOneErrorLine(outcome, "shut down");
    assert.equal(outcome.code, 1, line);
    assert.match(line, /^chat: .*shutting down/i);
  } finally {
    if (!closed) await server.close();
  }
});

Deno.test("chat join gives up in one line on a server that takes the connection and never answers", async () => {
  // Takes connections and says nothing, like a stopped process behind an open port.
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })().catch(() => {});
  try {
    const started = performance.now();
    await using chat = new ChatProcess([
      "join",
      `127.0.0.1:${listener.addr.port}`,
      "--name",
      "ann",
    ]);
    await chat.write("hello\n");
    const outcome = await chat.finished(25_000);
    const elapsed = performance.now() - started;
    assert.equal(outcome.code, 1);
    assert.equal(assertOneErrorLine(outcome), "chat: the server did not answer within 15 s");
    assert.ok(elapsed >= 14_000, `gave up after ${Math.round(elapsed)} ms`);
  } finally {
    listener.close();
    await accepting;
    for (const conn of held) conn.close();
  }
});

Deno.test("chat serve lists names in one order whatever its locale", async () => {
  // Swedish sorts ä after z: a server started in Sweden listed its people otherwise than others.
  await using server = new ChatProcess([...SERVE_LOCAL, "--memory", "--no-web"], {
    env: { LANG: "sv_SE.UTF-8", LC_ALL: "sv_SE.UTF-8" },
  });
  const [, port] = await server.waitForStdout(/listening on 127\.0\.0\.1:(\d+)$/m);
  await using zed = await TestClient.join(Number(port), "zed");
  await using _anne = await TestClient.join(Number(port), "änne");
  await using _anna = await TestClient.join(Number(port), "anna");
  await zed.send({ type: "who" });
  assert.deepEqual((await zed.next("who")).members, ["anna", "änne", "zed"]);
});

Deno.test("chat join with piped input runs /send and /get in order, each before the next line", async () => {
  await using server = await startServer({ hostname: "127.0.0.1", port: 0, webPort: 0 });
  await using watcher = await TestClient.join2(server.addr.port, "watcher");
  const dir = await Deno.makeTempDir({ prefix: "chat-piped-" });
  try {
    await Deno.writeTextFile(join(dir, "build.log"), "all green\n");
    // The first line comes before the server's welcome, the last just before the end of input.
    const outcome = await runChat(
      ["join", `127.0.0.1:${server.addr.port}`, "--name", "bot"],
      `/send ${join(dir, "build.log")}\nafter the file\n/get 1\n`,
      { cwd: dir },
    );
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.equal(outcome.stderr, "");
    assert.doesNotMatch(outcome.stdout, /^!! /m);
    const shared = await within(watcher.next("message", (frame) => frame.from === "bot"));
    assert.equal(shared.file?.name, "build.log");
    const after = await within(watcher.next("message", (frame) => frame.from === "bot"));
    assert.equal(after.text, "after the file");
    assert.match(outcome.stdout, /^-- Saved build \(1\)\.log \(10 bytes\) as .*build \(1\)\.log$/m);
    assert.equal(await Deno.readTextFile(join(dir, "build (1).log")), "all green\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
