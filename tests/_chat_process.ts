/**
 * The `chat` program as a user runs it: `main.ts` in a child process with
 * exactly the permission flags of deno.json's `chat` task, its output
 * collected as it arrives.
 *
 * @module
 */

import assert from "node:assert/strict";
import config from "../deno.json" with { type: "json" };
import { within } from "./_test_utils.ts";

/** The repository's root folder. */
export const ROOT: string = new URL("..", import.meta.url).pathname;

/** `run <flags of the chat task> main.ts`, so the program runs as `deno task chat` runs it. */
export const TASK_ARGS: string[] = (() => {
  const words = config.tasks.chat.trim().split(/\s+/);
  if (words[0] !== "deno" || words[1] !== "run" || words.at(-1) !== "main.ts") {
    throw new Error(`Cannot read the flags of the "chat" task: ${config.tasks.chat}`);
  }
  const flags = words.slice(2, -1);
  if (!flags.every((flag) => flag.startsWith("--"))) {
    throw new Error(`Cannot read the flags of the "chat" task: ${flags.join(" ")}`);
  }
  return ["run", ...flags, `${ROOT}main.ts`];
})();

/**
 * The environment children run with: the caller's, without colour, a stray
 * password, or the folder `deno task test` was typed in (`INIT_CWD`), which
 * would take them there from the folder they are started in.
 */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = Deno.env.toObject();
  delete env.CHAT_PASSWORD;
  delete env.INIT_CWD;
  return { ...env, NO_COLOR: "1", RUST_BACKTRACE: "0", ...extra };
}

/** How a process ended, with everything it printed. */
export interface ChatOutcome {
  code: number;
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
}

/** Options for {@linkcode ChatProcess}. */
export interface ChatProcessOptions {
  /** Run inside this command, such as `["unshare", "--net"]`. */
  wrap?: string[];
  /** Variables added to {@linkcode childEnv}, or with `clearEnv` the whole environment. */
  env?: Record<string, string>;
  /** Use `env` as the whole environment. @default {false} */
  clearEnv?: boolean;
  /** `"null"` starts the process with no standard input. @default {"piped"} */
  stdin?: "piped" | "null";
  /** Deno's arguments before `args`, to run another script. @default {TASK_ARGS} */
  denoArgs?: string[];
  /** The program and its arguments before `args`, instead of Deno and `denoArgs`. */
  command?: string[];
  /** On disposal send SIGTERM, and SIGKILL only after this many ms; without it, SIGKILL. */
  graceMs?: number;
  /** The folder the process starts in. @default {ROOT} */
  cwd?: string;
}

/** A running `chat` process whose output is collected as it arrives. */
export class ChatProcess implements AsyncDisposable {
  readonly child: Deno.ChildProcess;
  readonly args: string[];
  stdout = "";
  stderr = "";
  readonly #label: string;
  readonly #graceMs: number | undefined;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #stdinOpen: boolean;
  #status: Deno.CommandStatus | undefined;
  #waiters: (() => void)[] = [];
  readonly #reading: Promise<void>;
  readonly #exited: Promise<Deno.CommandStatus>;

  /** Starts `chat args` with stdout and stderr piped. */
  constructor(args: string[], options: ChatProcessOptions = {}) {
    this.args = args;
    const command = options.command ?? [Deno.execPath(), ...(options.denoArgs ?? TASK_ARGS)];
    this.#label = `${options.command?.join(" ") ?? options.denoArgs?.join(" ") ?? "chat"} ${
      args.join(" ")
    }`;
    this.#graceMs = options.graceMs;
    const [program, ...prefix] = [...(options.wrap ?? []), ...command];
    const stdin = options.stdin ?? "piped";
    this.child = new Deno.Command(program!, {
      args: [...prefix, ...args],
      cwd: options.cwd ?? ROOT,
      env: options.clearEnv ? options.env ?? {} : childEnv(options.env),
      clearEnv: true,
      stdin,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdin = stdin === "piped" ? this.child.stdin.getWriter() : undefined;
    this.#stdinOpen = this.#stdin !== undefined;
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

  /** The process id. */
  get pid(): number {
    return this.child.pid;
  }

  /** True once the process has exited. */
  get exited(): boolean {
    return this.#status !== undefined;
  }

  /** Writes `text` to standard input. */
  async write(text: string): Promise<void> {
    if (this.#stdin === undefined) throw new TypeError(`Cannot write: ${this.#label} has no stdin`);
    await this.#stdin.write(new TextEncoder().encode(text));
  }

  /** Closes standard input: end of input for the client. */
  async closeStdin(): Promise<void> {
    if (!this.#stdinOpen) return;
    this.#stdinOpen = false;
    await this.#stdin?.close().catch(() => {});
  }

  /** Waits until standard output matches `pattern` and returns the match. */
  async waitForStdout(pattern: RegExp, ms = 10_000): Promise<RegExpMatchArray> {
    return await within(
      (async () => {
        while (true) {
          const match = this.stdout.match(pattern);
          if (match) return match;
          if (this.#status !== undefined) {
            throw new Error(
              `${this.#label} exited (${this.#status.code}) before printing ` +
                `${pattern}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`,
            );
          }
          await new Promise<void>((resolve) => this.#waiters.push(resolve));
        }
      })(),
      ms,
      `${pattern} from ${this.#label} (stdout so far: ${JSON.stringify(this.stdout)})`,
    );
  }

  /** Waits for the `chat serve` banner and returns the TCP port it names. */
  async port(): Promise<number> {
    const [, port] = await this.waitForStdout(/^ {2}chat join 127\.0\.0\.1:(\d+)$/m);
    return Number(port);
  }

  /** Waits for the `chat serve` banner and returns the IRC port it names. */
  async ircPort(): Promise<number> {
    const [, port] = await this.waitForStdout(/^ {2}(?:or IRC: )?ircs?:\/\/127\.0\.0\.1:(\d+)$/m);
    return Number(port);
  }

  /** Sends `signal` unless the process has exited. */
  kill(signal: Deno.Signal = "SIGKILL"): void {
    if (this.#status !== undefined) return;
    try {
      this.child.kill(signal);
    } catch {
      // It exited meanwhile.
    }
  }

  /** Sends `signal`, then waits for the exit and all output. */
  async stop(signal: Deno.Signal = "SIGTERM", ms = 10_000): Promise<ChatOutcome> {
    this.kill(signal);
    return await this.finished(ms);
  }

  /** Waits for the exit and all output; stdin is closed first unless `keepStdin`. */
  async finished(ms = 10_000, keepStdin = false): Promise<ChatOutcome> {
    if (!keepStdin) await this.closeStdin();
    const status = await within(this.#exited, ms, `${this.#label} to exit`);
    await within(this.#reading, ms, `the output of ${this.#label}`);
    await this.closeStdin();
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

  /** Kills the process if it still runs (see `graceMs`), then waits for it and its output. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#graceMs === undefined) {
      this.kill("SIGKILL");
      await this.closeStdin();
    } else {
      await this.closeStdin();
      this.kill("SIGTERM");
      const timer = setTimeout(() => this.kill("SIGKILL"), this.#graceMs);
      await this.#exited;
      clearTimeout(timer);
    }
    await this.#exited;
    await this.#reading;
  }
}

/** The start of `chat serve` on a free port of the loopback address, as the tests run it. */
export const SERVE_LOCAL = ["serve", "--host", "127.0.0.1", "--port", "0"] as const;

/** Runs `chat args` with `input` on stdin and waits for it to exit, at most `ms`. */
export async function runChat(
  args: string[],
  input = "",
  options: ChatProcessOptions = {},
  ms?: number,
): Promise<ChatOutcome> {
  await using chat = new ChatProcess(args, options);
  if (input !== "") await chat.write(input);
  return await chat.finished(ms);
}

/**
 * Asserts `stderr` is exactly one line, `chat: …`, with no stack trace,
 * no "error:" and no escape, and returns that line; `what` names the case.
 */
export function assertOneErrorLine(
  outcome: Pick<ChatOutcome, "stdout" | "stderr">,
  what = "stderr",
): string {
  const { stderr } = outcome;
  const context = `${what}: ${JSON.stringify(stderr)}, stdout: ${JSON.stringify(outcome.stdout)}`;
  assert.ok(stderr.endsWith("\n"), context);
  const lines = stderr.slice(0, -1).split("\n");
  assert.equal(lines.length, 1, `exactly one line on stderr, ${context}`);
  assert.ok(lines[0]!.startsWith("chat: "), context);
  assert.doesNotMatch(stderr, /^\s+at /m, `no stack frames, ${context}`);
  assert.ok(!stderr.includes("error:"), `no "error:", ${context}`);
  assert.ok(!stderr.includes("\x1b"), `no ESC, ${context}`);
  return lines[0]!;
}

/** `chat serve` on loopback, any port, no web client, no limit on sending rate, history in `dataDir`. */
export function serveData(dataDir: string, options: ChatProcessOptions = {}): ChatProcess {
  return new ChatProcess(
    [
      "serve",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--no-web",
      "--rate",
      "1000000",
      "--data-dir",
      dataDir,
    ],
    { stdin: "null", ...options },
  );
}

/**
 * `chat serve` on loopback `port` (a server coming back on the port it had), no web client,
 * history in `dataDir`, with `extra` arguments; resolves once it listens. Disposal kills it.
 */
export async function serveOnPort(
  port: number,
  dataDir: string,
  extra: string[] = [],
): Promise<ChatProcess> {
  const server = new ChatProcess(
    ["serve", "--host", "127.0.0.1", "--port", String(port), "--no-web", "--data-dir", dataDir]
      .concat(extra),
    { stdin: "null" },
  );
  try {
    await server.waitForStdout(new RegExp(`listening on 127\\.0\\.0\\.1:${port}$`, "m"));
  } catch (error) {
    await server[Symbol.asyncDispose]();
    throw error;
  }
  return server;
}
