/**
 * The processes a benchmark run starts: the real chat server (`main.ts
 * serve`) and the load workers, each optionally pinned to CPUs with
 * `taskset` and with the open-file limit raised for thousands of sockets.
 *
 * @module
 */

import { type ProcessSample, sampleProcess } from "./proc.ts";
import {
  lines,
  type WorkerCommand,
  type WorkerConfig,
  type WorkerEvent,
} from "./worker_protocol.ts";

const encoder = new TextEncoder();

// Raise the open-file limit as far as allowed, then become the program.
const LAUNCH_SCRIPT = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; ' +
  'exec "$@"';

/** Options for {@linkcode launch}. */
export interface LaunchOptions {
  /** CPUs for `taskset -c`, such as `0` or `1-3`; none leaves the process unpinned. */
  cpus?: string | undefined;
  /** Working directory. */
  cwd: string;
}

/** Starts `args` through `sh` (for `ulimit -n`) and `taskset`, with every stream piped. */
export function launch(args: string[], options: LaunchOptions): Deno.ChildProcess {
  const pin = options.cpus === undefined ? [] : ["taskset", "-c", options.cpus];
  return new Deno.Command("sh", {
    args: ["-c", LAUNCH_SCRIPT, "sh", ...pin, ...args],
    cwd: options.cwd,
    env: { NO_COLOR: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/**
 * Ends a child that {@linkcode launch} started, at once, and waits for it:
 * what it had not said yet is dropped.
 */
export async function kill(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGKILL");
  } catch {
    // Already gone.
  }
  await child.status;
  await child.stdout.cancel().catch(() => {});
  await child.stderr.cancel().catch(() => {});
}

/** Keeps the last `max` characters a stream produced; reading it never blocks the writer. */
class Tail {
  text = "";
  readonly done: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array>, max = 4000) {
    this.done = (async () => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        this.text = (this.text + chunk).slice(-max);
      }
    })().catch(() => {});
  }
}

/**
 * The permission flags of the `chat` task in deno.json, so the server runs
 * exactly as `deno task chat` runs it.
 */
export function chatTaskFlags(root: string): string[] {
  const config = JSON.parse(Deno.readTextFileSync(`${root}/deno.json`));
  const task: string = config.tasks?.chat ?? "";
  const words = task.split(/\s+/);
  const from = words.indexOf("run");
  const to = words.indexOf("main.ts");
  if (from === -1 || to === -1) {
    throw new TypeError(`Cannot read the chat task in deno.json: ${JSON.stringify(task)}`);
  }
  return words.slice(from + 1, to);
}

/**
 * Starts the chat server of the project at `root` on a port of loopback the
 * system picks, without its web client, with `args` besides, and resolves
 * with it and its port once it listens; what it says later is read and
 * dropped. End it with {@linkcode kill}.
 */
export async function serveChat(
  root: string,
  args: string[],
): Promise<{ server: Deno.ChildProcess; port: number }> {
  const server = launch([
    Deno.execPath(),
    "run",
    ...chatTaskFlags(root),
    "main.ts",
    ...["serve", "--host", "127.0.0.1", "--port", "0", "--no-web", ...args],
  ], { cwd: root });
  await server.stdin.close();
  server.stderr.pipeTo(new WritableStream()).catch(() => {});
  const lines = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let banner = "";
  let port = 0;
  while (port === 0) {
    const { value, done } = await lines.read();
    if (done) throw new Error(`Cannot start the chat server: ${banner}`);
    banner += value;
    port = Number(/chat join 127\.0\.0\.1:(\d+)/.exec(banner)?.[1] ?? 0);
  }
  (async () => {
    while (!(await lines.read()).done);
  })().catch(() => {});
  return { server, port };
}

/** Waits for `child` to exit, killing it if it has not within `ms`. */
async function exitWithin(
  child: Deno.ChildProcess,
  status: Promise<unknown>,
  ms: number,
): Promise<void> {
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }, ms);
  await status;
  clearTimeout(timer);
}

/** Options for {@linkcode ServerProcess.start}. */
export interface ServerProcessOptions {
  /** Repository root, where main.ts and deno.json live. */
  root: string;
  /** CPUs to pin the server to. */
  cpus?: string | undefined;
  /** Directory for durable SQLite history; none runs with `--memory`. */
  dataDir?: string | undefined;
  /**
   * Serve the web port too, on a free port (`--web-port 0`), with the default
   * limits on files written out; without it, `--no-web`.
   */
  web?: boolean | undefined;
  /** Serve IRC too, on a free port (`--irc-port 0`); without it, `--no-irc`. */
  irc?: boolean | undefined;
  /** A NATS URL: the server joins that cluster (`--cluster URL`). */
  cluster?: string | undefined;
}

/** What {@linkcode ServerProcess.serveArgs} takes: how the server runs, not where. */
export type ServeOptions = Omit<ServerProcessOptions, "root" | "cpus">;

/** The line a server of a cluster logs for each other server it hears of. */
const PEER_LINE = /Another server joined the cluster/;

/** The real chat server, started as `deno run <chat task flags> main.ts serve …`. */
export class ServerProcess implements AsyncDisposable {
  /** Process id of the server (sh and taskset exec into it). */
  readonly pid: number;
  /** TCP port from the banner. */
  readonly port: number;
  /** IRC port from the banner, when it serves IRC. */
  readonly ircPort: number | undefined;
  /** The command line that started it, for reports. */
  readonly command: string;
  readonly #child: Deno.ChildProcess;
  readonly #stderr: Tail;
  readonly #status: Promise<Deno.CommandStatus>;
  #exited = false;
  #logLines = 0;
  #peers: number;
  #heard = Promise.withResolvers<void>();

  private constructor(
    child: Deno.ChildProcess,
    banner: { port: number; ircPort: number | undefined; command: string; peers: number },
    stderr: Tail,
    rest: AsyncGenerator<string>,
  ) {
    this.#child = child;
    this.pid = child.pid;
    this.port = banner.port;
    this.ircPort = banner.ircPort;
    this.command = banner.command;
    this.#peers = banner.peers;
    this.#stderr = stderr;
    this.#status = child.status.then((status) => {
      this.#exited = true;
      this.#heard.resolve();
      return status;
    });
    // The server logs every join: keep reading, or it blocks on a full pipe.
    (async () => {
      for await (const line of rest) {
        this.#logLines++;
        if (PEER_LINE.test(line)) this.#heardPeer();
      }
    })().catch(() => {});
  }

  /** The argument list `main.ts serve` gets in a benchmark. */
  static serveArgs(options: ServeOptions = {}): string[] {
    const { dataDir, web = false, irc = false, cluster } = options;
    return [
      "serve",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      // Clients learn the web port from `welcome.files.port`. 25 MiB a file and 1024 MiB in
      // all are the defaults, written out so that a change of default does not change the bench.
      ...(web ? ["--web-port", "0", "--max-file", "25", "--files-quota", "1024"] : ["--no-web"]),
      // Without it the server would also take IRC's port 6667 when free.
      ...(irc ? ["--irc-port", "0"] : ["--no-irc"]),
      ...(dataDir === undefined ? ["--memory"] : ["--data-dir", dataDir]),
      "--rate",
      "1000000",
      "--max-connections",
      "100000",
      "--max-per-ip",
      "100000",
      "--heartbeat",
      "3600",
      ...(cluster === undefined ? [] : ["--cluster", cluster]),
    ];
  }

  /** Starts the server and resolves once its banner gives the port. */
  static async start(options: ServerProcessOptions): Promise<ServerProcess> {
    const args = [
      Deno.execPath(),
      "run",
      ...chatTaskFlags(options.root),
      "main.ts",
      ...ServerProcess.serveArgs(options),
    ];
    const child = launch(args, { cwd: options.root, cpus: options.cpus });
    await child.stdin.close();
    const stderr = new Tail(child.stderr);
    const stdout = lines(child.stdout);
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }, 30_000);
    let port: number | undefined;
    let ircPort: number | undefined;
    let peers = 0;
    try {
      // next() rather than for-await: leaving a for-await loop would end the stream.
      while (port === undefined || (options.irc && ircPort === undefined)) {
        const line = await stdout.next();
        if (line.done) break;
        const match = /chat join 127\.0\.0\.1:(\d+)/.exec(line.value);
        if (match !== null) port = Number(match[1]);
        const irc = /irc:\/\/127\.0\.0\.1:(\d+)/.exec(line.value);
        if (irc !== null) ircPort = Number(irc[1]);
        if (PEER_LINE.test(line.value)) peers++;
      }
    } finally {
      clearTimeout(timer);
    }
    const pin = options.cpus === undefined ? "" : `taskset -c ${options.cpus} `;
    const command = `${pin}deno run ${args.slice(2).join(" ")}`;
    if (port === undefined || (options.irc && ircPort === undefined)) {
      await child.status;
      await stderr.done;
      throw new Error(`Cannot start the chat server: ${stderr.text.trim() || "no banner"}`);
    }
    return new ServerProcess(child, { port, ircPort, command, peers }, stderr, stdout);
  }

  /**
   * Resolves once this server of a cluster has logged `count` other servers
   * joining; rejects if it has not within `ms`, or ended.
   */
  async hearPeers(count: number, ms = 30_000): Promise<void> {
    const deadline = performance.now() + ms;
    while (this.#peers < count) {
      if (this.#exited) throw new Error(`Cannot link the chat server: ${this.stderr.trim()}`);
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new Error(
          `Cannot link the chat server: it heard of ${this.#peers} other servers in ${ms} ms, ` +
            `not ${count}`,
        );
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.#heard.promise,
        new Promise<void>((resolve) => timer = setTimeout(resolve, left)),
      ]);
      clearTimeout(timer);
    }
  }

  #heardPeer(): void {
    this.#peers++;
    const heard = this.#heard;
    this.#heard = Promise.withResolvers();
    heard.resolve();
  }

  /** Whether the process has ended. */
  get exited(): boolean {
    return this.#exited;
  }

  /** Lines the server logged after its banner. */
  get logLines(): number {
    return this.#logLines;
  }

  /** The end of what the server wrote to stderr. */
  get stderr(): string {
    return this.#stderr.text;
  }

  /** Reads the server's CPU time, memory and system calls. */
  sample(): ProcessSample {
    return sampleProcess(this.pid);
  }

  /** Stops the server with SIGTERM, or SIGKILL after 10 s. */
  async stop(): Promise<void> {
    if (!this.#exited) {
      try {
        this.#child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
    }
    await exitWithin(this.#child, this.#status, 10_000);
    await this.#stderr.done;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

type EventOf<T extends WorkerEvent["event"]> = Extract<WorkerEvent, { event: T }>;

/** A load worker process (bench/load_worker.ts) and its event stream. */
export class WorkerProcess implements AsyncDisposable {
  /** Process id of the worker (sh and taskset exec into it). */
  readonly pid: number;
  /** Last progress the worker reported. */
  progress = { connected: 0, sent: 0, received: 0 };
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #stderr: Tail;
  readonly #events: WorkerEvent[] = [];
  readonly #status: Promise<Deno.CommandStatus>;
  #wake: (() => void) | undefined;
  #ended = false;

  constructor(config: WorkerConfig, options: LaunchOptions) {
    const worker = new URL("./load_worker.ts", import.meta.url).pathname;
    const child = launch([
      Deno.execPath(),
      "run",
      `--allow-net=${config.hostname}`,
      worker,
    ], options);
    this.#child = child;
    this.pid = child.pid;
    this.#stdin = child.stdin.getWriter();
    this.#stderr = new Tail(child.stderr);
    this.#status = child.status;
    (async () => {
      for await (const line of lines(child.stdout)) {
        const event = JSON.parse(line) as WorkerEvent;
        if (event.event === "progress") {
          this.progress = {
            connected: event.connected,
            sent: event.sent,
            received: event.received,
          };
          continue;
        }
        this.#events.push(event);
        this.#wake?.();
      }
    })().catch(() => {}).finally(() => {
      this.#ended = true;
      this.#wake?.();
    });
    this.#write(JSON.stringify(config));
  }

  /** Sends a command. */
  send(command: WorkerCommand): Promise<void> {
    return this.#write(JSON.stringify(command));
  }

  /**
   * Waits for the next event of `type`. An `error` event, or the worker
   * ending, rejects instead.
   */
  async next<T extends WorkerEvent["event"]>(type: T): Promise<EventOf<T>> {
    while (true) {
      const index = this.#events.findIndex((event) =>
        event.event === type || event.event === "error"
      );
      if (index !== -1) {
        const [event] = this.#events.splice(index, 1);
        if (event!.event === "error") {
          throw new Error(`Load worker failed: ${(event as EventOf<"error">).message}`);
        }
        return event as EventOf<T>;
      }
      if (this.#ended) {
        await this.#stderr.done;
        throw new Error(`Load worker ended: ${this.#stderr.text.trim() || "no message"}`);
      }
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }

  /** Tells the worker to exit; kills it if it has not within 10 s. */
  async close(): Promise<void> {
    await this.send({ cmd: "exit" }).catch(() => {});
    await this.#stdin.close().catch(() => {});
    await exitWithin(this.#child, this.#status, 10_000);
    await this.#stderr.done;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #write(line: string): Promise<void> {
    await this.#stdin.write(encoder.encode(line + "\n"));
  }
}
