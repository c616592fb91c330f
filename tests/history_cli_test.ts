/**
 * `chat serve` history flags as a user runs them: `main.ts` in a child
 * process with exactly the permission flags of deno.json's `chat` task.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { SqliteHistory } from "../server/history/sqlite.ts";
import {
  assertOneErrorLine,
  type ChatOutcome,
  ChatProcess,
  type ChatProcessOptions,
} from "./_chat_process.ts";
import { succeeds, TestClient } from "./_test_utils.ts";

/** Loopback only, any port, no web client: what every serve here starts with. */
const SERVE = ["serve", "--host", "127.0.0.1", "--port", "0", "--no-web"];

/**
 * Deno's cache, named outright: Deno finds it under HOME, which some tests
 * change, and an empty cache would fetch the npm packages again.
 */
const DENO_DIR: string = await (async () => {
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
    stdin: "null",
    stderr: "null",
  }).output();
  return JSON.parse(new TextDecoder().decode(stdout)).denoDir;
})();

/** `chat args` with no stdin and Deno's cache named outright. */
function spawn(args: string[], options: ChatProcessOptions = {}): ChatProcess {
  return new ChatProcess(args, { ...options, stdin: "null", env: { DENO_DIR, ...options.env } });
}

/** Runs `chat args` and waits for it to exit. */
async function chat(args: string[], options: ChatProcessOptions = {}): Promise<ChatOutcome> {
  await using running = spawn(args, options);
  return await running.finished();
}

/** A temporary directory, removed with everything in it on disposal. */
interface TempDir extends AsyncDisposable {
  readonly path: string;
}

async function tempDir(): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix: "chat_history_cli_test_" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

Deno.test("chat serve with a damaged history file says so in one line and exits 1", async () => {
  await using dir = await tempDir();
  const garbage = crypto.getRandomValues(new Uint8Array(32 * 1024));
  await Deno.writeFile(`${dir.path}/history.db`, garbage);
  const outcome = await chat([...SERVE, "--data-dir", dir.path]);
  const line = assertOneErrorLine(outcome, "damaged");
  assert.equal(outcome.code, 1, line);
  assert.ok(line.startsWith(`chat: cannot use history file ${dir.path}/history.db: `), line);
  assert.match(line, /damaged/);
  assert.equal(outcome.stdout, "", "no banner");
  assert.deepEqual(await Deno.readFile(`${dir.path}/history.db`), garbage, "left as it was");
});

Deno.test("chat serve on a data directory another server uses exits 1 in one line", async () => {
  await using dir = await tempDir();
  await using first = spawn([...SERVE, "--data-dir", dir.path]);
  const port = await first.port();
  const outcome = await chat([...SERVE, "--data-dir", dir.path]);
  const line = assertOneErrorLine(outcome, "second server");
  assert.equal(outcome.code, 1, line);
  assert.match(
    line,
    /^chat: cannot use history file .*: it is in use by another program, perhaps another chat server \(one data directory per server\)$/,
  );
  assert.equal(outcome.stdout, "");

  // The first one is unharmed: it still stores and stops cleanly.
  {
    await using ann = await TestClient.join(port, "ann");
    await ann.say("still here");
    await ann.next("message", (frame) => frame.text === "still here");
  }
  const stopped = await first.stop();
  assert.equal(stopped.code, 0, stopped.stderr);
  using store = SqliteHistory.open(`${dir.path}/history.db`);
  assert.deepEqual(store.recent("#lobby", 10).map((message) => message.text), ["still here"]);
});

Deno.test("chat serve on a history file another program reads starts; one it writes is in use", async () => {
  await using dir = await tempDir();
  SqliteHistory.open(`${dir.path}/history.db`).close();
  {
    // A plain reader in the middle of a read, as the sqlite3 shell or a script may be: the
    // server's own searches read beside it the same way.
    using reader = new DatabaseSync(`${dir.path}/history.db`, { readOnly: true });
    reader.exec("BEGIN");
    reader.prepare("SELECT count(*) FROM messages").get();
    await using server = spawn([...SERVE, "--data-dir", dir.path]);
    const port = await server.port();
    {
      await using ann = await TestClient.join(port, "ann");
      await ann.say("read beside");
      await ann.next("message", (frame) => frame.text === "read beside");
    }
    assert.equal((await server.stop()).code, 0);
    reader.exec("COMMIT");
  }
  // A program that holds the file for writing keeps the server out.
  using writer = new DatabaseSync(`${dir.path}/history.db`);
  writer.exec("BEGIN EXCLUSIVE");
  const outcome = await chat([...SERVE, "--data-dir", dir.path]);
  const line = assertOneErrorLine(outcome, "writer");
  assert.equal(outcome.code, 1, line);
  assert.equal(
    line,
    `chat: cannot use history file ${dir.path}/history.db: it is in use by another program, ` +
      "perhaps another chat server (one data directory per server)",
  );
  writer.exec("COMMIT");
});

Deno.test("chat serve keeps the history file and its log private to their owner", async (t) => {
  // Whatever the umask of the tests, the server's is the usual one, which lets everyone read.
  const umask = ["sh", "-c", 'umask 022 && exec "$@"', "sh"];
  const mode = async (path: string) => ((await Deno.stat(path)).mode! & 0o777).toString(8);
  await t.step("a new history", async () => {
    await using dir = await tempDir();
    await using server = spawn([...SERVE, "--data-dir", dir.path], { wrap: umask });
    const port = await server.port();
    {
      await using ann = await TestClient.join(port, "ann");
      await ann.say("private");
      await ann.next("message", (frame) => frame.text === "private");
    }
    for (const file of ["history.db", "history.db-wal", "history.db-ids"]) {
      assert.equal(await mode(`${dir.path}/${file}`), "600", file);
    }
    assert.equal((await server.stop()).code, 0);
  });
  await t.step("a history an older chat left readable by everyone", async () => {
    await using dir = await tempDir();
    const path = `${dir.path}/history.db`;
    {
      using store = SqliteHistory.open(path);
      store.append({ type: "message", id: 1, ts: 1, room: "#lobby", from: "ann", text: "old" });
    }
    // A log and a shared-memory file, as an older server killed, or a reader, leaves them.
    await Deno.writeFile(`${path}-wal`, new Uint8Array());
    await Deno.writeFile(`${path}-shm`, new Uint8Array());
    for (const file of [path, `${path}-wal`, `${path}-shm`]) await Deno.chmod(file, 0o644);
    await using server = spawn([...SERVE, "--data-dir", dir.path], { wrap: umask });
    await server.port();
    for (const file of [path, `${path}-wal`, `${path}-shm`]) {
      assert.equal(await mode(file), "600", file);
    }
    assert.equal((await server.stop()).code, 0);
  });
});

Deno.test("chat serve reports history usage errors in one line and exits 2", async (t) => {
  await using dir = await tempDir();
  const cases: [string[], RegExp][] = [
    [["--memory", "--data-dir", dir.path], /--memory does not go with --data-dir/],
    [["--memory", "--retain", "30d"], /--memory does not go with --retain \(see/],
    [["--data-dir", dir.path, "--retain", "0"], /--retain "0"/],
    [["--data-dir", dir.path, "--retain", "0d"], /--retain "0d"/],
    [["--data-dir", dir.path, "--retain", "5x"], /--retain "5x"/],
    [["--data-dir", dir.path, "--retain", "abc"], /--retain "abc"/],
    [["--data-dir", dir.path, "--retain", "-5"], /--retain/],
    [["--data-dir", dir.path, "--retain", ""], /--retain ""/],
    [["--data-dir", dir.path, "--retain", "1.5d"], /--retain "1.5d"/],
    [["--data-dir", dir.path, "--retain"], /--retain/],
    [["--data-dir"], /--data-dir/],
    [["--data-dir", ""], /^chat: invalid --data-dir "": expected the path of a folder \(see/],
    // Months or minutes? Neither is kept by mistake.
    [
      ["--data-dir", dir.path, "--retain", "6m"],
      /^chat: invalid --retain "6m": an age is in hours, days or weeks; for 6 months write 180d \(see/,
    ],
    [
      ["--data-dir", dir.path, "--retain", "1mo"],
      /: an age is in hours, days or weeks; for 1 month write 30d \(see/,
    ],
    [["--data-dir", dir.path, "--retain", "2y"], /; for 2 years write 730d \(see/],
    [
      ["--data-dir", dir.path, "--retain", "90s"],
      /: an age is in hours, days or weeks, at least 1h \(see/,
    ],
    [
      ["--data-dir", dir.path, "--retain", "30min"],
      /: an age is in hours, days or weeks, at least 1h \(see/,
    ],
  ];
  for (const [flags, message] of cases) {
    await t.step(`chat serve ${flags.map((flag) => JSON.stringify(flag)).join(" ")}`, async () => {
      const outcome = await chat([...SERVE, ...flags]);
      const line = assertOneErrorLine(outcome, flags.join(" "));
      assert.equal(outcome.code, 2, line);
      assert.match(line, message);
      assert.match(line, /\(see "chat serve --help"\)$/);
      assert.equal(outcome.stdout, "");
    });
  }
  assert.deepEqual(await Array.fromAsync(Deno.readDir(dir.path)), [], "no history file made");
});

Deno.test("chat serve accepts --retain as an age or a count, and stops cleanly", async (t) => {
  for (const rule of ["30d", "12h", "2w", "100000"]) {
    await t.step(`--retain ${rule}`, async () => {
      await using dir = await tempDir();
      await using server = spawn([...SERVE, "--data-dir", dir.path, "--retain", rule]);
      const port = await server.port();
      {
        await using ann = await TestClient.join(port, "ann");
        await ann.say("kept");
        await ann.next("message", (frame) => frame.text === "kept");
      }
      const outcome = await server.stop("SIGTERM");
      assert.equal(outcome.code, 0, outcome.stderr);
      assert.equal(outcome.stderr, "");
      assert.match(outcome.stdout, new RegExp(`History is stored in ${dir.path}$`, "m"));
      using store = SqliteHistory.open(`${dir.path}/history.db`);
      assert.deepEqual(store.recent("#lobby", 10).map((message) => message.text), ["kept"]);
    });
  }
});

Deno.test("chat serve --retain trims old messages when it starts, and says how many", async () => {
  await using dir = await tempDir();
  {
    using store = SqliteHistory.open(`${dir.path}/history.db`);
    for (let id = 1; id <= 10; id++) {
      store.append({
        type: "message",
        id,
        ts: Date.now(),
        room: "#lobby",
        from: "ann",
        text: `m${id}`,
      });
    }
  }
  await using server = spawn([...SERVE, "--data-dir", dir.path, "--retain", "3"]);
  const port = await server.port();
  await server.waitForStdout(
    /^\[[^\]]+\] Removed 7 messages, keeping the newest 3 of all rooms together \(--retain\)$/m,
  );
  {
    await using bob = await TestClient.join(port, "bob");
    await bob.sync();
    assert.deepEqual(bob.all("message").map((message) => message.text), ["m8", "m9", "m10"]);
    await bob.say("new");
    const ack = await bob.next("message", (frame) => frame.text === "new");
    assert.equal(ack.id, 11, "ids continue after the trim");
  }
  assert.equal((await server.stop()).code, 0);
});

/**
 * Writes `count` messages, 1 a second up to now, straight into a new history
 * file in `dir`, far faster than the store would one at a time.
 */
function writeHistory(dir: string, count: number): void {
  SqliteHistory.open(`${dir}/history.db`).close();
  using db = new DatabaseSync(`${dir}/history.db`);
  db.prepare(
    "WITH RECURSIVE n(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM n WHERE id < ?) " +
      "INSERT INTO messages (id, ts, room, sender, text) " +
      "SELECT id, ? - (? - id) * 1000, '#lobby', 'ann', 'message ' || id FROM n",
  ).run(count, Date.now(), count);
}

Deno.test("chat serve listens before it trims a large history, and logs the check and the trim", async () => {
  await using dir = await tempDir();
  writeHistory(dir.path, 100_000);
  await using server = spawn([...SERVE, "--data-dir", dir.path, "--retain", "1000"]);
  const port = await server.port();
  const removed = await server.waitForStdout(/^\[[^\]]+\] (Removed .*)$/m, 30_000);
  assert.equal(
    removed[1],
    "Removed 99,000 messages, keeping the newest 1,000 of all rooms together (--retain)",
  );
  const lines = server.stdout.split("\n");
  const at = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
  const checking = at(
    new RegExp(
      `^\\[[^\\]]+\\] Checking history file ${dir.path}/history\\.db \\(100,000 messages\\)…$`,
    ),
  );
  assert.ok(checking >= 0, server.stdout);
  assert.ok(
    checking < at(/^chat is listening on /),
    "said before the check, which comes before listening",
  );
  assert.ok(at(/^chat is listening on /) < at(/\] Removed /), "trimmed once the server listens");
  {
    await using bob = await TestClient.join(port, "bob");
    await bob.say("new");
    assert.equal((await bob.next("message", (frame) => frame.text === "new")).id, 100_001);
  }
  const outcome = await server.stop();
  assert.equal(outcome.code, 0, outcome.stderr);
  assert.equal(outcome.stderr, "");
  using store = SqliteHistory.open(`${dir.path}/history.db`);
  assert.equal(store.tail("#lobby", 5_000).count, 1_001, "the newest 1,000 and bob's");
});

Deno.test("chat serve --help says --retain takes hours, days or weeks, counted over all rooms", async () => {
  const outcome = await chat(["serve", "--help"]);
  assert.equal(outcome.code, 0, outcome.stderr);
  const help = outcome.stdout.replace(/\s+/g, " ");
  assert.match(
    help,
    /--retain RULE drop old messages: an age in hours, days or weeks \(12h, 30d, 2w\), or a count of all rooms' messages together \(100000\)/,
  );
});

Deno.test("chat serve --memory leaves no history file behind", async () => {
  await using home = await tempDir();
  await using server = spawn([...SERVE, "--memory"], {
    env: { HOME: home.path, XDG_DATA_HOME: `${home.path}/xdg` },
  });
  await server.port();
  const outcome = await server.stop();
  assert.equal(outcome.code, 0, outcome.stderr);
  assert.match(outcome.stdout, /History is kept in memory only/);
  assert.deepEqual(await Array.fromAsync(Deno.readDir(home.path)), [], "nothing in HOME");
});

Deno.test("chat serve keeps history under $XDG_DATA_HOME/chat by default", async () => {
  // HOME is a temporary directory too, so the real ~/.local/share/chat is never touched.
  await using home = await tempDir();
  const xdg = `${home.path}/xdg data`;
  await using server = spawn(SERVE, { env: { HOME: home.path, XDG_DATA_HOME: xdg } });
  await server.port();
  assert.ok(await exists(`${xdg}/chat/history.db`), "history.db under $XDG_DATA_HOME/chat");
  assert.ok(!(await exists(`${home.path}/.local`)), "nothing under $HOME/.local");
  const mode = (await Deno.stat(`${xdg}/chat`)).mode! & 0o777;
  assert.equal(mode, 0o700, `the data directory is private: ${mode.toString(8)}`);
  const outcome = await server.stop();
  assert.equal(outcome.code, 0, outcome.stderr);
  assert.match(outcome.stdout, new RegExp(`History is stored in ${xdg}/chat$`, "m"));
});

Deno.test("chat serve falls back to ~/.local/share/chat without XDG_DATA_HOME", async () => {
  await using home = await tempDir();
  // An empty XDG_DATA_HOME counts as unset, and so does a relative one (the XDG rule).
  for (const xdg of ["", "relative/data"]) {
    await using server = spawn(SERVE, {
      env: { HOME: home.path, XDG_DATA_HOME: xdg },
      cwd: home.path,
    });
    await server.port();
    assert.ok(await exists(`${home.path}/.local/share/chat/history.db`), JSON.stringify(xdg));
    assert.equal((await server.stop()).code, 0);
    assert.ok(!(await exists(`${home.path}/relative`)), "nothing under the folder it started in");
  }
});

Deno.test("chat serve --help names the default data directory", async () => {
  await using home = await tempDir();
  const outcome = await chat(["serve", "--help"], {
    env: { HOME: home.path, XDG_DATA_HOME: `${home.path}/xdg` },
  });
  assert.equal(outcome.code, 0, outcome.stderr);
  // The path is wrapped with the words around it: it may begin the next line.
  const path = `${home.path}/xdg/chat`.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  assert.match(outcome.stdout, new RegExp(`--data-dir DIR [^\\n]*\\(default:\\s+${path}\\)`));
});

Deno.test("chat serve says when the data directory cannot be made, and exits 1", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/file`, "not a directory");
  const outcome = await chat([...SERVE, "--data-dir", `${dir.path}/file/chat`]);
  const line = assertOneErrorLine(outcome, "mkdir");
  assert.equal(outcome.code, 1, line);
  assert.match(
    line,
    /^chat: cannot create data directory ".*\/file\/chat": .*\(or use --memory\)$/,
  );
});

Deno.test("chat serve says a --data-dir that is a file is not a folder, and exits 1", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/file`;
  await Deno.writeTextFile(file, "not a directory");
  const outcome = await chat([...SERVE, "--data-dir", file]);
  const line = assertOneErrorLine(outcome, "a file");
  assert.equal(outcome.code, 1, line);
  assert.equal(
    line,
    `chat: cannot use data directory "${file}": it is a file, not a folder (or use --memory)`,
  );
  assert.equal(await Deno.readTextFile(file), "not a directory");
});

// A read-only data directory. Root writes through chmod, so the directory is
// made read-only by a bind mount in a private mount namespace of the child.

/** `unshare --mount` with a read-only bind mount of the directory `$1`, then runs the rest. */
function readOnlyMount(dir: string): string[] {
  return [
    "unshare",
    "--mount",
    "sh",
    "-c",
    'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"',
    "sh",
    dir,
  ];
}

const mountProblem = await (async () => {
  const probe = await Deno.makeTempDir({ prefix: "chat_history_cli_probe_" });
  try {
    const [program, ...args] = [...readOnlyMount(probe), "sh", "-c", '! touch "$0/x"', probe];
    return await succeeds(program!, args);
  } finally {
    await Deno.remove(probe, { recursive: true });
  }
})();

Deno.test({
  name: `chat serve on a read-only data directory says it cannot be written, exits 1${
    mountProblem === undefined ? "" : ` (ignored: a read-only bind mount fails: ${mountProblem})`
  }`,
  ignore: mountProblem !== undefined,
  fn: async () => {
    await using dir = await tempDir();
    {
      using store = SqliteHistory.open(`${dir.path}/history.db`);
      store.append({ type: "message", id: 1, ts: 1, room: "#lobby", from: "ann", text: "old" });
    }
    const outcome = await chat([...SERVE, "--data-dir", dir.path], {
      wrap: readOnlyMount(dir.path),
    });
    const line = assertOneErrorLine(outcome, "read-only");
    assert.equal(outcome.code, 1, line);
    assert.match(line, /^chat: cannot use history file .*: it cannot be written/);
  },
});
