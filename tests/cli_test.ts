/**
 * The CLI as a user runs it: `main.ts` in a child process, with exactly the
 * permission flags of deno.json's `chat` task.
 */

import assert from "node:assert/strict";
import { startServer } from "../server.ts";
import { TestClient, within } from "./_test_utils.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
const VERSION: string = config.version;

/** `deno run <flags> main.ts` from the `chat` task, split into the flags and the script. */
const TASK_ARGS: string[] = (() => {
  const words = (config.tasks.chat as string).trim().split(/\s+/);
  assert.deepEqual(words.slice(0, 2), ["deno", "run"], `tasks.chat: ${config.tasks.chat}`);
  assert.equal(words.at(-1), "main.ts", `tasks.chat: ${config.tasks.chat}`);
  const flags = words.slice(2, -1);
  assert.ok(flags.every((flag) => flag.startsWith("--")), `tasks.chat flags: ${flags.join(" ")}`);
  return ["run", ...flags, "main.ts"];
})();

const ENV = { NO_COLOR: "1", RUST_BACKTRACE: "0" };
const STAMP = /^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] /;
const STAMP_ANYWHERE = /^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] /m;
const CLOCK = /^\[\d{2}:\d{2}:\d{2}\] /;

interface SpawnOptions {
  /** Run inside this command, such as `["unshare", "--net"]`. */
  wrap?: string[];
  /** Environment to add, or with `clearEnv` the whole environment. */
  env?: Record<string, string>;
  clearEnv?: boolean;
}

interface Outcome {
  code: number;
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
}

/** A running `chat` process whose output is collected as it arrives. */
class Chat implements AsyncDisposable {
  readonly child: Deno.ChildProcess;
  readonly args: string[];
  stdout = "";
  stderr = "";
  #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #stdinOpen = true;
  #waiters: (() => void)[] = [];
  #status: Deno.CommandStatus | undefined;
  readonly #reading: Promise<void>;
  readonly #exited: Promise<Deno.CommandStatus>;

  constructor(args: string[], options: SpawnOptions = {}) {
    this.args = args;
    const [program, ...prefix] = [...(options.wrap ?? []), Deno.execPath()];
    this.child = new Deno.Command(program!, {
      args: [...prefix, ...TASK_ARGS, ...args],
      cwd: ROOT,
      env: options.env ?? ENV,
      clearEnv: options.clearEnv ?? false,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdin = this.child.stdin.getWriter();
    this.#reading = Promise.all([
      this.#collect(this.child.stdout, (text) => this.stdout += text),
      this.#collect(this.child.stderr, (text) => this.stderr += text),
    ]).then(() => {});
    this.#exited = this.child.status.then((status) => {
      this.#status = status;
      this.#wake();
      return status;
    });
  }

  /** Writes `text` to standard input. */
  async write(text: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(text));
  }

  /** Closes standard input: end of input for the client. */
  async closeStdin(): Promise<void> {
    if (!this.#stdinOpen) return;
    this.#stdinOpen = false;
    try {
      await this.#stdin.close();
    } catch {
      // The process is gone already.
    }
  }

  /** Waits until standard output matches `pattern`, and returns the match. */
  async waitForStdout(pattern: RegExp, ms = 10_000): Promise<RegExpMatchArray> {
    return await within(
      (async () => {
        while (true) {
          const match = this.stdout.match(pattern);
          if (match) return match;
          if (this.#status !== undefined) {
            throw new Error(
              `chat ${
                this.args.join(" ")
              } exited (${this.#status.code}) before printing ${pattern}` +
                `\nstdout: ${this.stdout}\nstderr: ${this.stderr}`,
            );
          }
          await new Promise<void>((resolve) => this.#waiters.push(resolve));
        }
      })(),
      ms,
      `${pattern} on the stdout of chat ${this.args.join(" ")} (stdout so far: ${
        JSON.stringify(this.stdout)
      })`,
    );
  }

  /** Closes stdin if still open, then waits for the exit and all output. */
  async finished(ms = 10_000): Promise<Outcome> {
    await this.closeStdin();
    const status = await within(this.#exited, ms, `chat ${this.args.join(" ")} to exit`);
    await within(this.#reading, ms, `the output of chat ${this.args.join(" ")}`);
    return { code: status.code, signal: status.signal, stdout: this.stdout, stderr: this.stderr };
  }

  async #collect(stream: ReadableStream<Uint8Array>, append: (text: string) => void) {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      append(decoder.decode(chunk, { stream: true }));
      this.#wake();
    }
    append(decoder.decode());
    this.#wake();
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.closeStdin();
    if (this.#status === undefined) {
      try {
        this.child.kill("SIGKILL");
      } catch {
        // It exited meanwhile.
      }
    }
    await this.#exited;
    await this.#reading;
  }
}

/** Runs `chat args` with `input` on stdin, then waits for it to exit. */
async function chat(args: string[], input = "", options: SpawnOptions = {}): Promise<Outcome> {
  await using running = new Chat(args, options);
  if (input !== "") await running.write(input);
  return await running.finished();
}

/** Asserts `stderr` is one line starting with "chat: " and no stack trace. */
function assertOneErrorLine(outcome: Outcome, what: string): string {
  const { stderr } = outcome;
  const context = `${what}: ${JSON.stringify(stderr)}`;
  assert.ok(stderr.endsWith("\n"), context);
  const lines = stderr.slice(0, -1).split("\n");
  assert.equal(lines.length, 1, `exactly one line on stderr, ${context}`);
  assert.ok(lines[0]!.startsWith("chat: "), context);
  assert.doesNotMatch(stderr, /^\s+at /m, `no stack frames, ${context}`);
  assert.ok(!stderr.includes("error:"), `no "error:", ${context}`);
  assert.ok(!stderr.includes("\x1b"), `no ESC, ${context}`);
  return lines[0]!;
}

/** A loopback port with nothing listening on it. */
function freePort(): number {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return listener.addr.port;
}

/** The environment without the variables the client takes a default name from. */
function envWithoutUser(): Record<string, string> {
  const env: Record<string, string> = { ...Deno.env.toObject(), ...ENV };
  for (const name of ["USER", "LOGNAME", "USERNAME"]) delete env[name];
  return env;
}

async function probeUnshare(): Promise<string | undefined> {
  try {
    const { success, stderr } = await new Deno.Command("unshare", {
      args: ["--net", "true"],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    return success ? undefined : new TextDecoder().decode(stderr).trim() || "it failed";
  } catch (error) {
    return (error as Error).message;
  }
}

const unshareProblem = await probeUnshare();

Deno.test("chat task flags come from deno.json", () => {
  assert.ok(TASK_ARGS.includes("--allow-net"), TASK_ARGS.join(" "));
  assert.ok(!TASK_ARGS.some((flag) => flag === "-A" || flag === "--allow-all"));
});

Deno.test("chat --help, serve --help and join --help print usage and exit 0", async (t) => {
  const cases: [string[], RegExp][] = [
    [["--help"], /^chat .*\n\nUsage:\n {2}chat serve .*\n {2}chat join /],
    [["-h"], /^chat .*\n\nUsage:\n/],
    [["serve", "--help"], /^Usage: chat serve \[options\]\n[\s\S]*--port N/],
    [["join", "--help"], /^Usage: chat join \[HOST\[:PORT\]\] \[options\]\n[\s\S]*--name NAME/],
  ];
  for (const [args, usage] of cases) {
    await t.step(`chat ${args.join(" ")}`, async () => {
      const outcome = await chat(args);
      assert.equal(outcome.code, 0, outcome.stderr);
      assert.match(outcome.stdout, usage);
      assert.equal(outcome.stderr, "");
    });
  }
});

Deno.test("chat --version prints the version from deno.json", async () => {
  const outcome = await chat(["--version"]);
  assert.equal(outcome.code, 0, outcome.stderr);
  assert.equal(outcome.stdout, `chat ${VERSION}\n`);
  assert.equal(outcome.stderr, "");
});

Deno.test("chat with no arguments prints usage and exits 2", async () => {
  const outcome = await chat([]);
  assert.equal(outcome.code, 2);
  assert.match(outcome.stdout, /Usage:\n {2}chat serve/);
});

Deno.test("chat reports a usage error in one line and exits 2", async (t) => {
  // Serve cases bind loopback only, so a missed error cannot open a public port.
  const local = ["--host", "127.0.0.1"];
  const cases: [string[], RegExp][] = [
    [["frobnicate"], /unknown command "frobnicate"/],
    [["--bogus"], /unknown option/],
    [["join", "--bogus"], /--bogus/],
    [["serve", ...local, "--nope"], /--nope/],
    [["serve", ...local, "--port", "abc"], /port "abc"/],
    [["serve", ...local, "--port", "70000"], /port "70000"/],
    [["serve", ...local, "--port", "-1"], /--port/],
    [["join", "--port", "abc"], /port "abc"/],
    [["join", "--port", "0"], /port "0"/],
    [["join", "127.0.0.1:99999"], /port "99999"/],
    [["join", "127.0.0.1:"], /port ""/],
    [["join", "host:99999"], /port "99999"/],
    [["join", "127.0.0.1:5002", "--port", "5003"], /port once/],
    [["serve", ...local, "--port", "0", "--history", "abc"], /--history "abc"/],
    [["serve", ...local, "--port", "0", "--history", "1.5"], /--history "1.5"/],
    [["serve", ...local, "--port", "0", "--history=-1"], /--history "-1"/],
    [["serve", ...local, "--port", "0", "--history", "100001"], /--history "100001"/],
    [["serve", ...local, "--port", "0", "--history", ""], /--history ""/],
    [["serve", ...local, "--port", "0", "--history", "0x10"], /--history "0x10"/],
    [["serve", ...local, "--port", "0", "--history"], /--history/],
    [["serve", ...local, "--port", "0", "extra"], /unexpected argument "extra"/],
    [["join", "127.0.0.1", "extra"], /unexpected argument "extra"/],
  ];
  for (const [args, message] of cases) {
    await t.step(`chat ${args.map((arg) => JSON.stringify(arg)).join(" ")}`, async () => {
      const outcome = await chat(args);
      const line = assertOneErrorLine(outcome, args.join(" "));
      assert.equal(outcome.code, 2, line);
      assert.match(line, message);
      assert.equal(outcome.stdout, "");
    });
  }
});

Deno.test("chat join reports a refused connection in one line and exits 1", async () => {
  const port = freePort();
  const outcome = await chat(["join", `127.0.0.1:${port}`, "--name", "ann"]);
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
    const outcome = await chat(["join", "10.0.0.1:5002", "--name", "ann"], "", {
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

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test(`chat serve says bye to everyone and exits 0 on ${signal}`, async () => {
    await using server = new Chat([
      "serve",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
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
      await using server = new Chat([
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
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

Deno.test("chat serve on a port in use reports it in one line and exits 1", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = taken.addr.port;
  const outcome = await chat([
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

  const outcome = await chat(
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
});

Deno.test("chat join with piped input and no name reports it in one line and exits 1", async () => {
  await using server = await startServer({ hostname: "127.0.0.1", port: 0 });
  const outcome = await chat(["join", `127.0.0.1:${server.addr.port}`], "hello\n", {
    env: envWithoutUser(),
    clearEnv: true,
  });
  const line = assertOneErrorLine(outcome, "no name");
  assert.equal(outcome.code, 1, line);
  assert.match(line, /--name/);
  assert.equal(server.hub.size, 0);
});

Deno.test("chat join with piped input and a taken name reports it in one line and exits 1", async () => {
  await using server = await startServer({ hostname: "127.0.0.1", port: 0 });
  await using bot = await TestClient.join(server.addr.port, "bot");
  const outcome = await chat(["join", `127.0.0.1:${server.addr.port}`, "--name", "BOT"], "hi\n");
  const line = assertOneErrorLine(outcome, "taken name");
  assert.equal(outcome.code, 1, line);
  assert.match(line, /taken|already here/i);
  assert.match(line, /BOT/i);
  // Nothing was said under the taken name.
  await bot.sync();
  assert.deepEqual(bot.all("message"), []);
});
