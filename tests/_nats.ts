/**
 * A real `nats-server` with JetStream on loopback, and `chat serve`
 * processes linked through it, for the cluster tests.
 *
 * @module
 */

import { ChatProcess } from "./_chat_process.ts";
import { freePort, succeeds, within } from "./_test_utils.ts";

/** Why the cluster tests cannot run here, or `undefined` when `nats-server` is installed. */
export const NATS_MISSING: string | undefined =
  await succeeds("nats-server", ["--version"]) === undefined
    ? undefined
    : "nats-server is not installed";

/** Registers a test that needs `nats-server`: ignored, saying why, when it is missing. */
export function testWithNats(name: string, fn: (t: Deno.TestContext) => Promise<void>): void {
  Deno.test({
    name: NATS_MISSING === undefined ? name : `${name} (ignored: ${NATS_MISSING})`,
    ignore: NATS_MISSING !== undefined,
    fn,
  });
}

/** A `nats-server -js` on 127.0.0.1, its JetStream files in a temporary directory. */
export class NatsServer implements AsyncDisposable {
  readonly port: number;
  readonly dir: string;
  #child: Deno.ChildProcess | undefined;
  #log = "";

  readonly #extra: string[];

  private constructor(port: number, dir: string, extra: string[]) {
    this.port = port;
    this.dir = dir;
    this.#extra = extra;
  }

  /** Starts a server on a free port, with `extra` arguments; resolves once it takes clients. */
  static async start(extra: string[] = []): Promise<NatsServer> {
    const server = new NatsServer(
      freePort(),
      await Deno.makeTempDir({ prefix: "chat-nats-" }),
      extra,
    );
    await server.restart();
    return server;
  }

  /** The URL `chat serve --cluster` takes. */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** What the server printed. */
  get log(): string {
    return this.#log;
  }

  /** Starts the server again on its port, with its stored streams; resolves once it is ready. */
  async restart(): Promise<void> {
    const child = new Deno.Command("nats-server", {
      args: ["-a", "127.0.0.1", "-p", String(this.port), "-js", "-sd", this.dir, ...this.#extra],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    const ready = Promise.withResolvers<void>();
    const decoder = new TextDecoder();
    (async () => {
      for await (const chunk of child.stderr) {
        this.#log += decoder.decode(chunk, { stream: true });
        if (this.#log.includes("Server is ready")) ready.resolve();
      }
      ready.reject(new Error(`nats-server ended before it was ready:\n${this.#log}`));
    })();
    await within(ready.promise, 10_000, "nats-server to be ready");
  }

  /**
   * Stops the server, deletes everything it stored (streams, buckets) and
   * starts it again on its port, as a NATS whose store was lost.
   */
  async restartEmpty(): Promise<void> {
    await this.kill();
    await Deno.remove(this.dir, { recursive: true });
    await Deno.mkdir(this.dir);
    await this.restart();
  }

  /** Stops the server at once (SIGKILL) and waits until it is gone. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    this.#child = undefined;
    try {
      child.kill("SIGKILL");
    } catch {
      // Ended already.
    }
    await child.status;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

/** A `chat serve` of the cluster: the process and its chat port; disposal kills it. */
export interface ClusterMember extends AsyncDisposable {
  readonly process: ChatProcess;
  readonly port: number;
}

/**
 * Starts `chat serve --cluster` on loopback, any port, no IRC, no web client
 * unless `extra` gives `--web-port`, no limit on sending rate, and standard
 * input only for the host's console (`--console` in `extra`); resolves once
 * it listens.
 */
export async function serveInCluster(
  nats: NatsServer,
  extra: string[] = [],
  url: string = nats.url,
): Promise<ClusterMember> {
  const process = new ChatProcess([
    "serve",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    ...extra.includes("--web-port") ? [] : ["--no-web"],
    "--no-irc",
    "--no-announce",
    "--rate",
    "1000000",
    "--cluster",
    url,
    ...extra,
  ], { stdin: extra.includes("--console") ? "piped" : "null" });
  try {
    const port = await process.port();
    return { process, port, [Symbol.asyncDispose]: () => process[Symbol.asyncDispose]() };
  } catch (error) {
    await process[Symbol.asyncDispose]();
    throw error;
  }
}

/** A NATS server and chat servers linked through it, all stopped on disposal. */
export class TestCluster<M extends ClusterMember = ClusterMember> implements AsyncDisposable {
  readonly nats: NatsServer;
  readonly servers: M[] = [];

  protected constructor(nats: NatsServer) {
    this.nats = nats;
  }

  /** Starts NATS, then `count` chat servers, each with `extra` arguments, that all know of each other. */
  static async start(count: number, extra: string[] = []): Promise<TestCluster> {
    const cluster = new TestCluster(await NatsServer.start());
    await cluster.grow(count, (nats) => serveInCluster(nats, extra));
    return cluster;
  }

  /** The chat ports, in order. */
  get ports(): number[] {
    return this.servers.map((server) => server.port);
  }

  /**
   * Starts `count` servers with `serve`, all at once as machines of a LAN
   * would, and waits until all know of each other; on failure, stops
   * everything and throws.
   */
  protected async grow(count: number, serve: (nats: NatsServer) => Promise<M>): Promise<void> {
    try {
      const started = await Promise.allSettled(
        Array.from({ length: count }, () => serve(this.nats)),
      );
      for (const result of started) {
        if (result.status === "fulfilled") this.servers.push(result.value);
      }
      for (const result of started) if (result.status === "rejected") throw result.reason;
      await waitForEachOther(this.servers);
    } catch (error) {
      await this[Symbol.asyncDispose]();
      throw error;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all(this.servers.map((server) => server.process[Symbol.asyncDispose]()));
    await this.nats[Symbol.asyncDispose]();
  }
}

/** A chat server of a cluster with its web client: its process, chat port and web port. */
export interface WebClusterMember extends ClusterMember {
  /** The web client's port. */
  readonly webPort: number;
}

/** Waits until each of `servers` has logged that the other ones joined the cluster. */
export async function waitForEachOther(servers: readonly ClusterMember[]): Promise<void> {
  const others = servers.length - 1;
  if (others < 1) return;
  for (const { process } of servers) {
    await process.waitForStdout(
      new RegExp(`(Another server joined the cluster[^\\n]*\\n[^]*){${others}}`),
    );
  }
}

/** Starts `chat serve --cluster` with its web client on any port; resolves once both listen. */
export async function serveWebInCluster(
  nats: NatsServer,
  extra: string[] = [],
): Promise<WebClusterMember> {
  const member = await serveInCluster(nats, ["--web-port", "0", ...extra]);
  try {
    const [, web] = await member.process.waitForStdout(/^ {2}http:\/\/127\.0\.0\.1:(\d+)\/$/m);
    return { ...member, webPort: Number(web) };
  } catch (error) {
    await member.process[Symbol.asyncDispose]();
    throw error;
  }
}

/** A NATS server and chat servers with web clients linked through it, all stopped on disposal. */
export class WebCluster extends TestCluster<WebClusterMember> {
  /**
   * Starts NATS, then `count` chat servers with web clients that all know of
   * each other, web clients included: each page's policy names the others'.
   */
  static override async start(count: number): Promise<WebCluster> {
    const cluster = new WebCluster(await NatsServer.start());
    await cluster.grow(count, (nats) => serveWebInCluster(nats));
    try {
      // A server hears of another's web client with its next heartbeat, a moment later.
      for (const server of cluster.servers) {
        const others = cluster.servers.filter((other) => other !== server)
          .map((other) => `ws://127.0.0.1:${other.webPort}`);
        await within(
          (async () => {
            while (true) {
              const response = await fetch(`http://127.0.0.1:${server.webPort}/`);
              await response.body?.cancel();
              const policy = response.headers.get("content-security-policy") ?? "";
              const sources = policy.split(/[\s;]+/);
              if (others.every((other) => sources.includes(other))) return;
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
          })(),
          10_000,
          `the page on ${server.webPort} to name the others' WebSockets`,
        );
      }
    } catch (error) {
      await cluster[Symbol.asyncDispose]();
      throw error;
    }
    return cluster;
  }
}
