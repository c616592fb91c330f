/**
 * The README's Quick start as a newcomer follows it: its commands are read
 * from README.md and run for real, `deno` standing for the binary running
 * these tests. What must not need the network runs in a network namespace
 * with no network at all (`unshare --net`); what fetches runs online into an
 * empty `DENO_DIR`, and is reported as ignored when the registry cannot be
 * reached.
 */

import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { ChatProcess, ROOT } from "./_chat_process.ts";
import { succeeds, TestClient, within } from "./_test_utils.ts";

const README = await Deno.readTextFile(`${ROOT}README.md`);

/** Where Deno fetches npm packages from, as Deno reads it. */
const REGISTRY = Deno.env.get("NPM_CONFIG_REGISTRY") ?? "https://registry.npmjs.org/";

/** A server on loopback, any ports, that keeps nothing and announces nothing. */
const SERVE_FLAGS = ["--host", "127.0.0.1", "--port", "0", "--web-port", "0", "--memory"];

/** The banner's first line: the time stamp and where history goes. */
const FIRST_LINE = /^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] History is kept in memory only\n/;

/** The shell blocks of the README's Quick start, each as its command lines without comments. */
function quickStartBlocks(): string[][] {
  const section = /^## Quick start\n([\s\S]*?)^## /m.exec(README)?.[1] ?? "";
  return [...section.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map(([, body]) =>
    body!.split("\n")
      .map((line) => line.replace(/(^|\s)#.*$/, "").trim())
      .filter((line) => line !== "")
  );
}

/** The Quick start's command that starts a server. */
function serveLine(): string {
  const line = quickStartBlocks().flat().find((line) => /\bchat serve$/.test(line));
  assert.ok(line !== undefined, "the Quick start has a command ending in `chat serve`");
  return line;
}

/** A README command line as a program and its arguments, `deno` being this Deno. */
function commandOf(line: string): string[] {
  const [program, ...args] = line.split(/\s+/);
  return [program === "deno" ? Deno.execPath() : program!, ...args];
}

async function probeRegistry(): Promise<string | undefined> {
  try {
    const response = await fetch(new URL("qrcode", REGISTRY), {
      method: "HEAD",
      signal: AbortSignal.timeout(5_000),
    });
    await response.body?.cancel();
    return response.ok ? undefined : `it answered ${response.status}`;
  } catch (error) {
    return (error as Error).message;
  }
}

const namespaceProblem = await succeeds("unshare", ["--net", "ip", "link", "set", "lo", "up"]);
const setsidProblem = await succeeds("setsid", ["true"]);
const registryProblem = await probeRegistry();

/**
 * Starts a README command line with `args` in its own process group, as a
 * shell starts a job; with `offline`, in a network namespace with no network.
 */
function startJob(line: string, args: string[], options: { offline: boolean; denoDir?: string }) {
  const offline = ["unshare", "--net", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"];
  return new ChatProcess(args, {
    command: commandOf(line),
    wrap: ["setsid", ...(options.offline ? offline : [])],
    stdin: "null",
    ...(options.denoDir === undefined ? {} : { env: { DENO_DIR: options.denoDir } }),
  });
}

/** Sends `signal` to the job's whole process group, as Ctrl-C in a terminal does. */
function signalJob(job: ChatProcess, signal: Deno.Signal): void {
  try {
    Deno.kill(-job.pid, signal);
  } catch {
    // The group is gone already.
  }
}

/** The npm packages `main.ts` imports, with everything they depend on, as `name@version`. */
async function programPackages(): Promise<string[]> {
  const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "main.ts"],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(success, new TextDecoder().decode(stderr));
  const info = JSON.parse(new TextDecoder().decode(stdout)) as {
    modules: { kind?: string; npmPackage?: string }[];
    npmPackages: Record<string, { dependencies: string[] }>;
  };
  const todo = info.modules.flatMap((module) =>
    module.kind === "npm" && module.npmPackage !== undefined ? [module.npmPackage] : []
  );
  const seen = new Set<string>();
  for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
    if (seen.has(id)) continue;
    seen.add(id);
    todo.push(...(info.npmPackages[id]?.dependencies ?? []));
  }
  return [...seen].sort();
}

async function directories(path: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(path)) if (entry.isDirectory) names.push(entry.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names;
}

/** The npm packages in the cache `denoDir`, as `name@version`. */
async function cachedPackages(denoDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const registry of await directories(`${denoDir}/npm`)) {
    const base = `${denoDir}/npm/${registry}`;
    for (const entry of await directories(base)) {
      const names = entry.startsWith("@")
        ? (await directories(`${base}/${entry}`)).map((name) => `${entry}/${name}`)
        : [entry];
      for (const name of names) {
        for (const version of await directories(`${base}/${name}`)) {
          found.push(`${name}@${version}`);
        }
      }
    }
  }
  return found.sort();
}

/** Starts the README's server offline, checks its banner comes alone and in time, stops it. */
async function assertStartsOffline(denoDir?: string): Promise<void> {
  const started = performance.now();
  await using server = startJob(serveLine(), SERVE_FLAGS, {
    offline: true,
    ...(denoDir === undefined ? {} : { denoDir }),
  });
  try {
    await server.waitForStdout(/^Press Ctrl-C to stop\.$/m, 15_000);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 10_000, `the banner came after ${Math.round(elapsed)} ms`);
    assert.match(server.stdout, FIRST_LINE);
    assert.match(server.stdout, /^chat is listening on 127\.0\.0\.1:\d+$/m);
    assert.equal(server.stderr, "", "nothing but the banner");
    signalJob(server, "SIGINT");
    const outcome = await server.finished();
    assert.equal(outcome.code, 0, outcome.stdout + outcome.stderr);
  } finally {
    signalJob(server, "SIGKILL");
  }
}

Deno.test("deno.lock pins the npm packages main.ts imports and nothing else", async () => {
  // `deno task` and `deno run` fetch every package of deno.lock, used or not.
  const lock = JSON.parse(await Deno.readTextFile(`${ROOT}deno.lock`));
  const pinned = Object.keys(lock.npm ?? {}).sort();
  assert.deepEqual(pinned, await programPackages());
  // Types serve checking, which `chat` never does as it runs.
  assert.deepEqual(pinned.filter((id) => id.startsWith("@types/")), []);
});

Deno.test({
  name: `README Quick start: chat serve starts with no network, printing the banner alone${
    namespaceProblem ?? setsidProblem
      ? ` (ignored: no network namespace or setsid: ${namespaceProblem ?? setsidProblem})`
      : ""
  }`,
  ignore: namespaceProblem !== undefined || setsidProblem !== undefined,
  fn: async () => {
    // The cache is warm: this suite runs after the same command fetched what it needs.
    await assertStartsOffline();
  },
});

Deno.test({
  name: `README Quick start: Ctrl-C stops chat serve, which says goodbye and exits 0${
    setsidProblem ? ` (ignored: setsid does not work: ${setsidProblem})` : ""
  }`,
  ignore: setsidProblem !== undefined,
  fn: async () => {
    await using server = startJob(serveLine(), SERVE_FLAGS, { offline: false });
    try {
      const port = await server.port();
      await using ann = await within(TestClient.join(port, "ann"), 5_000, "ann to join");
      await server.waitForStdout(/ ann joined/);
      signalJob(server, "SIGINT");
      const bye = await ann.next("bye");
      assert.match(bye.reason, /shutting down/i);
      const outcome = await server.finished();
      assert.deepEqual(
        { code: outcome.code, signal: outcome.signal },
        { code: 0, signal: null },
        outcome.stdout + outcome.stderr,
      );
      assert.match(outcome.stdout, /SIGINT received/);
      assert.match(outcome.stdout, /\] Stopped$/m);
      assert.equal(outcome.stderr, "");
    } finally {
      signalJob(server, "SIGKILL");
    }
  },
});

Deno.test({
  name: `README Quick start: the first chat serve fetches only what main.ts imports${
    registryProblem || setsidProblem
      ? ` (ignored: ${
        registryProblem ? `cannot reach ${REGISTRY}: ${registryProblem}` : setsidProblem
      })`
      : ""
  }`,
  ignore: registryProblem !== undefined || setsidProblem !== undefined,
  fn: async () => {
    const denoDir = await Deno.makeTempDir({ prefix: "chat-deno-dir-" });
    try {
      {
        await using server = startJob(serveLine(), SERVE_FLAGS, { offline: false, denoDir });
        try {
          await server.waitForStdout(/^Press Ctrl-C to stop\.$/m, 120_000);
          signalJob(server, "SIGINT");
          await server.finished();
        } finally {
          signalJob(server, "SIGKILL");
        }
      }
      const fetched = await cachedPackages(denoDir);
      assert.deepEqual(fetched, await programPackages());
      assert.deepEqual(fetched.filter((id) => id.startsWith("@types/")), []);
    } finally {
      await Deno.remove(denoDir, { recursive: true });
    }
  },
});

Deno.test({
  name: `README Quick start: after the install-once steps chat serve starts with no network${
    registryProblem || namespaceProblem || setsidProblem
      ? ` (ignored: ${
        registryProblem
          ? `cannot reach ${REGISTRY}: ${registryProblem}`
          : `no network namespace or setsid: ${namespaceProblem ?? setsidProblem}`
      })`
      : ""
  }`,
  ignore: registryProblem !== undefined || namespaceProblem !== undefined ||
    setsidProblem !== undefined,
  fn: async () => {
    const [once = []] = quickStartBlocks();
    const install = once.map((line) => /^npm install (?:-g|--global) deno@(\S+)$/.exec(line))
      .find((match) => match !== null);
    assert.ok(install, `the Quick start installs Deno once with npm: ${JSON.stringify(once)}`);
    // This test's own Deno stands for the one installed.
    assert.equal(install[1], Deno.version.deno);
    const denoDir = await Deno.makeTempDir({ prefix: "chat-deno-dir-" });
    try {
      for (const line of once.filter((line) => line.startsWith("deno "))) {
        const [program, ...args] = commandOf(line);
        const { code, stderr } = await new Deno.Command(program!, {
          args,
          cwd: ROOT,
          env: { DENO_DIR: denoDir, NO_COLOR: "1" },
          stdin: "null",
          stdout: "null",
          stderr: "piped",
        }).output();
        assert.equal(code, 0, `${line}: ${new TextDecoder().decode(stderr)}`);
      }
      assert.deepEqual(await cachedPackages(denoDir), await programPackages());
      await assertStartsOffline(denoDir);
    } finally {
      await Deno.remove(denoDir, { recursive: true });
    }
  },
});

/** `deno task -q chat args` typed in the folder `cwd`, in a process group of its own. */
function typedIn(cwd: string, args: string[], stdin: "piped" | "null" = "null"): ChatProcess {
  return new ChatProcess(args, {
    command: [Deno.execPath(), "task", "-q", "--config", `${ROOT}deno.json`, "chat"],
    cwd,
    wrap: ["setsid"],
    stdin,
  });
}

/** Removes `path` if it is there. */
async function removeIfThere(path: string): Promise<void> {
  await Deno.remove(path, { recursive: true }).catch(() => {});
}

Deno.test({
  name: `deno task chat takes a relative path from the folder it was typed in${
    setsidProblem ? ` (ignored: setsid does not work: ${setsidProblem})` : ""
  }`,
  ignore: setsidProblem !== undefined,
  fn: async () => {
    const here = await Deno.realPath(await Deno.makeTempDir({ prefix: "chat-typed-in-" }));
    // A name of its own: should it land in the checkout, it is found there and removed.
    const data = `${basename(here)}-data`;
    const fetchedHadBeen = await Deno.stat(`${ROOT}PROTOCOL.md`).then(() => true, () => false);
    await using server = typedIn(here, [
      "serve",
      ...["--host", "127.0.0.1", "--port", "0", "--web-port", "0", "--no-irc", "--no-announce"],
      ...["--data-dir", data],
    ]);
    try {
      // The data directory is where it was typed, and the log says where that is, in full.
      await server.waitForStdout(/^Press Ctrl-C to stop\.$/m, 30_000);
      assert.match(server.stdout, new RegExp(`\\] History is stored in ${join(here, data)}$`, "m"));
      assert.ok((await Deno.stat(join(here, data, "history.db"))).isFile);
      const port = await server.port();

      // The README's case: a file named from docs/ is docs/'s.
      const sent = await typedIn(`${ROOT}docs`, ["send", `127.0.0.1:${port}`, "PROTOCOL.md"])
        .finished(30_000);
      assert.equal(sent.code, 0, sent.stderr);
      assert.match(sent.stdout, /^Shared PROTOCOL\.md \(/);

      // /get saves into the folder it was typed in.
      await using getter = typedIn(
        here,
        ["join", `127.0.0.1:${port}`, "--name", "getter"],
        "piped",
      );
      await getter.write("/get 1\n");
      const got = await getter.finished(30_000);
      assert.equal(got.code, 0, got.stderr);
      assert.equal(
        await Deno.readTextFile(join(here, "PROTOCOL.md")),
        await Deno.readTextFile(`${ROOT}docs/PROTOCOL.md`),
      );
      signalJob(server, "SIGINT");
      const outcome = await server.finished();
      assert.equal(outcome.code, 0, outcome.stdout + outcome.stderr);
    } finally {
      signalJob(server, "SIGKILL");
      await removeIfThere(here);
      await removeIfThere(`${ROOT}${data}`);
      if (!fetchedHadBeen) await removeIfThere(`${ROOT}PROTOCOL.md`);
    }
  },
});
