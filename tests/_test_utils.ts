/** Helpers shared by the tests: timeouts, polling, bytes and a raw protocol client. */

import assert from "node:assert/strict";
import {
  type ClientFrame,
  decodeJson,
  encodeFrame,
  type HelloRoom,
  LineSplitter,
  MAX_SERVER_LINE_BYTES,
  parseServerFrame,
  type ServerFrame,
} from "../protocol.ts";
import { parseSearch } from "../server/history/search.ts";
import type { SqliteHistory } from "../server/history/sqlite.ts";

/** Settles like `promise`, or rejects after `ms` with a message naming `what`. */
export async function within<T>(promise: Promise<T>, ms = 5_000, what = "event"): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs `task` on each of `items`, at most `limit` at a time, and waits for
 * all of them: how each one went, in the order of `items`. None is left
 * running when it returns, even if some failed.
 */
export async function settleEach<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: "fulfilled", value: await task(items[index]!) };
      } catch (reason) {
        results[index] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The value of a settled promise, or what it was rejected with, thrown. */
export function settledValue<T>(result: PromiseSettledResult<T>): T {
  if (result.status === "rejected") throw result.reason;
  return result.value;
}

/** The only address these tests talk to. */
export const LOOPBACK = "127.0.0.1";

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

/**
 * The ports {@linkcode freePort} picks from: below every system's range of
 * ports it hands out by itself, for port 0 and for the local end of a
 * connection going out (32768 up on Linux, 49152 up elsewhere).
 */
const FIXED_PORTS = { from: 10_000, to: 32_767 } as const;
/** The ports {@linkcode freePort} gave in this process. */
const givenPorts = new Set<number>();

/**
 * A loopback port nothing listens on right now, for a test that must name a
 * port itself: to start a server there again after stopping it, to give it
 * to a program that cannot tell which port 0 gave it, or to find nothing
 * there. It is taken outside the range the system hands out by itself: from
 * there, the system could give it meanwhile to whatever asks for a port (a
 * server of another test on port 0, the local end of a connection going
 * out), and the server could not start on it again, or something would
 * answer where nothing should. Outside that range only another call of this
 * function could pick it, and it never gives a port twice in one process: two
 * calls in a row (a chat port and a web port) get two ports.
 */
export function freePort(): number {
  for (let tries = 0;; tries++) {
    const port = FIXED_PORTS.from +
      Math.floor(Math.random() * (FIXED_PORTS.to - FIXED_PORTS.from + 1));
    if (givenPorts.has(port)) continue;
    givenPorts.add(port);
    try {
      using _listener = Deno.listen({ hostname: LOOPBACK, port });
      return port;
    } catch (error) {
      if (!(error instanceof Deno.errors.AddrInUse) || tries === 100) throw error;
    }
  }
}

const encoder = new TextEncoder();

/** Joins strings (as UTF-8), byte values and byte arrays into one chunk. */
export function bytes(...parts: (string | Uint8Array | number[])[]): Uint8Array {
  const chunks = parts.map((part) =>
    typeof part === "string" ? encoder.encode(part) : Uint8Array.from(part)
  );
  const joined = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined;
}

/** Narrows a server frame union by its `type`. */
export type FrameOf<T extends ServerFrame["type"]> = Extract<ServerFrame, { type: T }>;

/**
 * A protocol client over a real socket that records every frame it receives,
 * so tests can wait for an event and check what did (or did not) arrive.
 */
export class TestClient implements AsyncDisposable {
  readonly conn: Deno.TcpConn;
  /** Every frame received so far, in order. */
  readonly frames: ServerFrame[] = [];
  /** Lines that were not valid server frames. */
  readonly garbage: string[] = [];
  #cursor = 0;
  #waiters: (() => void)[] = [];
  #ended = false;
  readonly #reading: Promise<void>;

  constructor(conn: Deno.TcpConn) {
    this.conn = conn;
    this.#reading = this.#read();
  }

  /** Connects to `port` on loopback. */
  static async connect(port: number): Promise<TestClient> {
    return new TestClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  /** Connects and says hello as `name`, waiting for the welcome and room frames. */
  static async join(port: number, name: string): Promise<TestClient> {
    const client = await TestClient.connect(port);
    await client.send({ type: "hello", version: 1, name });
    await client.next("welcome");
    await client.next("room");
    return client;
  }

  /**
   * Connects and says hello in protocol version 2, in `rooms` if given,
   * waiting until the welcome, every room and their replays are in.
   */
  static async join2(port: number, name: string, rooms?: HelloRoom[]): Promise<TestClient> {
    const client = await TestClient.connect(port);
    await client.send({
      type: "hello",
      version: 2,
      name,
      ...(rooms === undefined ? {} : { rooms }),
    });
    await client.sync();
    assert.equal(client.all("welcome").length, 1, JSON.stringify(client.frames));
    return client;
  }

  /** True once the server closed the connection. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Sends one frame. */
  async send(frame: ClientFrame): Promise<void> {
    await this.write(encodeFrame(frame));
  }

  /** Sends raw text or bytes. */
  async write(data: string | Uint8Array): Promise<void> {
    let bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    while (bytes.length > 0) bytes = bytes.subarray(await this.conn.write(bytes));
  }

  /** Says `text` in the current room. */
  say(text: string): Promise<void> {
    return this.send({ type: "say", text });
  }

  /**
   * Resolves with the next frame of `type` (matching `where`) after the ones
   * already consumed, waiting for it up to `ms`.
   */
  async next<T extends ServerFrame["type"]>(
    type: T,
    where: (frame: FrameOf<T>) => boolean = () => true,
    ms = 5_000,
  ): Promise<FrameOf<T>> {
    const find = (): FrameOf<T> | undefined => {
      while (this.#cursor < this.frames.length) {
        const frame = this.frames[this.#cursor++]!;
        if (frame.type === type && where(frame as FrameOf<T>)) return frame as FrameOf<T>;
      }
      return undefined;
    };
    // After a timeout the search stops, so it cannot swallow later frames.
    let expired = false;
    try {
      return await within(
        (async () => {
          while (!expired) {
            const found = find();
            if (found !== undefined) return found;
            if (this.#ended) throw new Error(`Connection ended before a "${type}" frame`);
            await new Promise<void>((resolve) => this.#waiters.push(resolve));
          }
          throw new Error("Search abandoned");
        })(),
        ms,
        `a "${type}" frame`,
      );
    } finally {
      expired = true;
    }
  }

  /** Resolves once the server has closed the connection. */
  async closed(ms = 5_000): Promise<void> {
    await within(this.#reading, ms, "the server to close the connection");
  }

  /** Sends a ping and waits for its pong: every earlier frame has been handled. */
  async sync(): Promise<void> {
    const token = crypto.randomUUID();
    await this.send({ type: "ping", token });
    await this.next("pong", (frame) => frame.token === token);
  }

  /** Frames of `type` received so far, consumed or not. */
  all<T extends ServerFrame["type"]>(type: T): FrameOf<T>[] {
    return this.frames.filter((frame) => frame.type === type) as FrameOf<T>[];
  }

  async #read(): Promise<void> {
    const splitter = new LineSplitter(MAX_SERVER_LINE_BYTES);
    const buffer = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const count = await this.conn.read(buffer);
        if (count === null) break;
        for (const line of splitter.push(buffer.subarray(0, count))) {
          const json = line.ok ? decodeJson(line.line) : undefined;
          const checked = json?.ok ? parseServerFrame(json.value) : undefined;
          if (checked?.ok) this.frames.push(checked.value);
          else this.garbage.push(line.ok ? line.line : line.code);
        }
        this.#wake();
      }
    } catch {
      // Closed locally or reset by the server.
    } finally {
      this.#ended = true;
      this.#wake();
    }
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.conn.close();
    } catch {
      // Closed by the server already.
    }
    await this.#reading;
  }
}

/**
 * What of `frames` concerns `name` coming, going, renaming and talking, in
 * the order received: `joined`, `left <reason>`, `renamed <to>`,
 * `message <text>`, `private <text>`.
 */
export function storyOf(frames: readonly ServerFrame[], name: string): string[] {
  return frames.flatMap((frame) => {
    if (frame.type === "joined" && frame.name === name) return ["joined"];
    if (frame.type === "left" && frame.name === name) return [`left ${frame.reason}`];
    if (frame.type === "renamed" && frame.from === name) return [`renamed ${frame.to}`];
    if (frame.type === "message" && frame.from === name) return [`message ${frame.text}`];
    if (frame.type === "private" && frame.from === name) return [`private ${frame.text}`];
    return [];
  });
}

/** Waits until `client` has every frame sent to it so far; returns those after `mark`, pongs aside. */
export async function framesSince(client: TestClient, mark: number): Promise<ServerFrame[]> {
  await client.sync();
  return client.frames.slice(mark).filter((frame) => frame.type !== "pong");
}

/**
 * Runs `action`, which must wait for the sender's answer, and proves that
 * `clients` received nothing because of it.
 */
export async function assertUnheard(
  clients: TestClient[],
  action: () => Promise<unknown>,
): Promise<void> {
  for (const client of clients) await client.sync();
  const marks = clients.map((client) => client.frames.length);
  await action();
  for (const [i, client] of clients.entries()) {
    assert.deepEqual(await framesSince(client, marks[i]!), []);
  }
}

/** Runs `program` quietly; resolves to `undefined` if it succeeds, else to why not. */
export async function succeeds(program: string, args: string[]): Promise<string | undefined> {
  try {
    const { success, stderr } = await new Deno.Command(program, {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    return success ? undefined : new TextDecoder().decode(stderr).trim() || "it failed";
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Has `writer` say big numbered messages in its room, 50 at a time, until
 * `watcher` sees `name` leave as too slow to keep up: far more than the
 * 1 MiB outbox plus what the kernel buffers on loopback. Returns how many
 * were sent.
 */
export async function floodUntilDropped(
  writer: TestClient,
  watcher: TestClient,
  name: string,
): Promise<number> {
  const filler = "x".repeat(3_900);
  const dropped = () => watcher.all("left").some((frame) => frame.name === name);
  let sent = 0;
  while (!dropped()) {
    assert.ok(sent < 10_000, `${name} was not dropped after ${sent} messages`);
    for (let i = 0; i < 50; i++) await writer.say(`${++sent} ${filler}`);
    // Wait for the batch to go round, so the loop never runs ahead of the server.
    await watcher.next("message", (frame) => frame.text.startsWith(`${sent} `), 20_000);
  }
  const left = watcher.all("left").find((frame) => frame.name === name)!;
  assert.equal(left.reason, "too slow to keep up");
  return sent;
}

/** Asserts that each of `clients` received messages 1 to `sent`, in order, none missing. */
export async function assertAllInOrder(clients: TestClient[], sent: number): Promise<void> {
  for (const client of clients) {
    await client.sync();
    const numbers = client.all("message").map((frame) => Number(frame.text.split(" ")[0]));
    assert.equal(numbers.length, sent);
    assert.ok(numbers.every((n, i) => n === i + 1), "messages arrive in order, none missing");
  }
}

/**
 * Starts the search thread of `store` with a search of its own, and waits
 * for it however long that takes: `deno test` type-checks the thread's module
 * as it starts, seconds on a loaded machine, which a test's first `/search`
 * must not wait for against its timeouts.
 */
export async function startSearchThread(store: SqliteHistory): Promise<void> {
  const checked = parseSearch("start");
  assert.ok(checked.ok);
  await store.findAsync("#lobby", checked.query, { limit: 1 });
}
