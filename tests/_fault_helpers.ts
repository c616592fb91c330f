/**
 * Helpers for the fault, fuzz and reconnect tests: the `chat` program as a
 * child process, polling with a deadline, free loopback ports, a self-signed
 * certificate for 127.0.0.1, and a TLS flavour of {@linkcode TestClient}.
 *
 * @module
 */

import config from "../deno.json" with { type: "json" };
import { TestClient, within } from "./_test_utils.ts";

/** The only address these tests talk to. */
export const LOOPBACK = "127.0.0.1";

/** The repository's root folder. */
export const ROOT: string = new URL("..", import.meta.url).pathname;

/** `run <flags of the chat task> main.ts`, so the program runs as `deno task chat` runs it. */
export const TASK_ARGS: string[] = (() => {
  const words = config.tasks.chat.trim().split(/\s+/);
  if (words[0] !== "deno" || words[1] !== "run" || words.at(-1) !== "main.ts") {
    throw new Error(`Cannot read the flags of the "chat" task: ${config.tasks.chat}`);
  }
  return ["run", ...words.slice(2, -1), `${ROOT}main.ts`];
})();

/** The environment children run with: the caller's, without colour or a stray password. */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = Deno.env.toObject();
  delete env.CHAT_PASSWORD;
  return { ...env, NO_COLOR: "1", RUST_BACKTRACE: "0", ...extra };
}

/** Polls `predicate` every 10 ms until it holds; throws after `ms` naming `what`. */
export async function waitUntil(predicate: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!predicate()) {
    if (performance.now() > deadline) {
      throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A loopback port nothing listens on right now. */
export function freePort(): number {
  using listener = Deno.listen({ hostname: LOOPBACK, port: 0 });
  return listener.addr.port;
}

/** How a `chat` process ended, with everything it printed. */
export interface ChatOutcome {
  code: number;
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
}

/** A running `chat` process whose output is collected as it arrives. */
export class ChatProcess implements AsyncDisposable {
  readonly child: Deno.ChildProcess;
  readonly args: string[];
  stdout = "";
  stderr = "";
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #stdinOpen = true;
  #status: Deno.CommandStatus | undefined;
  #waiters: (() => void)[] = [];
  readonly #reading: Promise<void>;
  readonly #exited: Promise<Deno.CommandStatus>;

  /** Starts `chat args` with stdin, stdout and stderr piped. */
  constructor(args: string[], env: Record<string, string> = childEnv()) {
    this.args = args;
    this.child = new Deno.Command(Deno.execPath(), {
      args: [...TASK_ARGS, ...args],
      cwd: ROOT,
      env,
      clearEnv: true,
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
    await this.#stdin.write(new TextEncoder().encode(text));
  }

  /** Closes standard input. */
  async closeStdin(): Promise<void> {
    if (!this.#stdinOpen) return;
    this.#stdinOpen = false;
    await this.#stdin.close().catch(() => {});
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
              `chat ${this.args.join(" ")} exited (${this.#status.code}) before printing ` +
                `${pattern}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`,
            );
          }
          await new Promise<void>((resolve) => this.#waiters.push(resolve));
        }
      })(),
      ms,
      `${pattern} from chat ${this.args.join(" ")} (stdout so far: ${JSON.stringify(this.stdout)})`,
    );
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

  /** Waits for the exit and all output; stdin is closed first unless `keepStdin`. */
  async finished(ms = 10_000, keepStdin = false): Promise<ChatOutcome> {
    if (!keepStdin) await this.closeStdin();
    const what = `chat ${this.args.join(" ")} to exit`;
    const status = await within(this.#exited, ms, what);
    await within(this.#reading, ms, `the output of chat ${this.args.join(" ")}`);
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

  async [Symbol.asyncDispose](): Promise<void> {
    this.kill("SIGKILL");
    await this.closeStdin();
    await this.#exited;
    await this.#reading;
  }
}

/** Runs `chat args` with `input` on stdin and waits for it to exit. */
export async function runChat(
  args: string[],
  input = "",
  env: Record<string, string> = childEnv(),
): Promise<ChatOutcome> {
  await using chat = new ChatProcess(args, env);
  if (input !== "") await chat.write(input);
  return await chat.finished();
}

/** Asserts `stderr` holds exactly one line, `chat: …`, and returns it. */
export function oneErrorLine(outcome: ChatOutcome): string {
  const context = `stderr: ${JSON.stringify(outcome.stderr)}, stdout: ${
    JSON.stringify(outcome.stdout)
  }`;
  const lines = outcome.stderr.split("\n").filter((line) => line !== "");
  if (lines.length !== 1 || !lines[0]!.startsWith("chat: ") || !outcome.stderr.endsWith("\n")) {
    throw new Error(`Expected one "chat: …" line on stderr, ${context}`);
  }
  if (/^\s+at /m.test(outcome.stderr) || outcome.stderr.includes("\x1b")) {
    throw new Error(`Expected no stack trace or escape on stderr, ${context}`);
  }
  return lines[0]!;
}

/** The output of `openssl version`, or `undefined` when openssl cannot be run. */
export const OPENSSL: string | undefined = (() => {
  try {
    const { success, stdout } = new Deno.Command("openssl", {
      args: ["version"],
      stderr: "null",
    }).outputSync();
    return success ? new TextDecoder().decode(stdout).trim() : undefined;
  } catch {
    return undefined;
  }
})();

/** A certificate and its key, as PEM text and as files. */
export interface TestCert {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

/**
 * Makes a self-signed certificate for IP 127.0.0.1 in `dir` with openssl.
 * It is an end-entity certificate (CA:FALSE), which rustls insists on.
 */
export async function selfSignedCert(dir: string): Promise<TestCert> {
  const certFile = `${dir}/cert.pem`;
  const keyFile = `${dir}/key.pem`;
  const { success, stderr } = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-addext",
      "basicConstraints=critical,CA:FALSE",
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!success) {
    throw new Error(`Cannot make a certificate: ${new TextDecoder().decode(stderr).trim()}`);
  }
  return {
    cert: await Deno.readTextFile(certFile),
    key: await Deno.readTextFile(keyFile),
    certFile,
    keyFile,
  };
}

/** Connects over TLS to `port` on loopback, trusting `cert`, and wraps the socket as a TestClient. */
export async function connectTls(port: number, cert: string): Promise<TestClient> {
  const conn = await Deno.connectTls({ hostname: LOOPBACK, port, caCerts: [cert] });
  await conn.handshake();
  // TestClient only reads, writes and closes, which a TLS connection does alike.
  return new TestClient(conn as unknown as Deno.TcpConn);
}
