/**
 * A TCP proxy on loopback that a test can freeze: it then forwards nothing in
 * either direction and opens no new connection to its target, but closes
 * nothing either, as a network partition looks to both ends. Thawed, it
 * forwards what waited, in order, as TCP does once a partition heals, and
 * connects the connections it accepted meanwhile. Or it cuts the
 * connections it holds, and what waited on them is lost, as when a partition
 * outlasts the server's patience.
 *
 * @module
 */

import { LOOPBACK } from "./_test_utils.ts";

/** A loopback TCP proxy to one port; dispose it to close every connection. */
export class FreezingProxy implements AsyncDisposable {
  readonly #listener: Deno.TcpListener;
  readonly #target: number;
  readonly #conns = new Set<Deno.Conn>();
  readonly #tasks = new Set<Promise<void>>();
  #frozen = false;
  #thawed: Promise<void> = Promise.resolve();
  #release: () => void = () => {};
  #accepted = 0;
  #closed = false;
  /** How long each chunk is held before it is forwarded, in ms. */
  #lag = 0;
  readonly #sent: string[] = [];
  #replies = "";

  /**
   * Listens on `port` (a free one by default) of `hostname` (another loopback
   * address, such as `127.0.0.2`, if need be) and forwards to `target` on
   * {@linkcode LOOPBACK}.
   */
  constructor(target: number, hostname = LOOPBACK, port = 0) {
    this.#target = target;
    this.#listener = Deno.listen({ hostname, port });
    this.#track(this.#accept());
  }

  /** The port to connect to instead of the target's. */
  get port(): number {
    return this.#listener.addr.port;
  }

  /** Connections accepted so far. */
  get accepted(): number {
    return this.#accepted;
  }

  /** What each connection accepted so far forwarded to the target, as text, in the order accepted. */
  get sent(): readonly string[] {
    return this.#sent;
  }

  /** Everything the target sent back on any connection, as text, in the order forwarded. */
  get replies(): string {
    return this.#replies;
  }

  /** Stops forwarding, both ways, on every connection, new ones included. */
  freeze(): void {
    if (this.#frozen) return;
    this.#frozen = true;
    this.#thawed = new Promise((resolve) => this.#release = resolve);
  }

  /** Closes every connection open now, both ends, without forwarding what waits on it. */
  cut(): void {
    for (const conn of this.#conns) close(conn);
    this.#conns.clear();
  }

  /** Holds each chunk read from now on `ms` before forwarding it, both ways, as a slow link does. */
  lag(ms: number): void {
    this.#lag = ms;
  }

  /** Forwards again, starting with what waited. */
  thaw(): void {
    this.#frozen = false;
    this.#release();
  }

  async #accept(): Promise<void> {
    try {
      for await (const client of this.#listener) {
        const index = this.#accepted++;
        this.#sent.push("");
        this.#conns.add(client);
        this.#track(this.#serve(client, index));
      }
    } catch {
      // The listener was closed.
    }
  }

  async #serve(client: Deno.Conn, index: number): Promise<void> {
    await this.#thawed;
    if (this.#closed) return close(client);
    let upstream: Deno.Conn;
    try {
      upstream = await Deno.connect({ hostname: LOOPBACK, port: this.#target });
    } catch {
      return close(client);
    }
    this.#conns.add(upstream);
    await Promise.all([
      this.#pump(client, upstream, (text) => this.#sent[index] += text),
      this.#pump(upstream, client, (text) => this.#replies += text),
    ]);
  }

  /**
   * Copies `from` to `to` until either ends, holding each chunk while frozen;
   * `record` gets what was forwarded, as text.
   */
  async #pump(from: Deno.Conn, to: Deno.Conn, record: (text: string) => void): Promise<void> {
    const buffer = new Uint8Array(16 * 1024);
    const decoder = new TextDecoder();
    try {
      while (true) {
        const count = await from.read(buffer);
        await this.#thawed;
        if (count === null) break;
        if (this.#lag > 0) await new Promise((resolve) => setTimeout(resolve, this.#lag));
        let chunk = buffer.subarray(0, count);
        record(decoder.decode(chunk, { stream: true }));
        while (chunk.length > 0) chunk = chunk.subarray(await to.write(chunk));
      }
    } catch {
      // One side is gone.
    } finally {
      close(from);
      close(to);
    }
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#closed = true;
    this.thaw();
    try {
      this.#listener.close();
    } catch {
      // Closed already.
    }
    for (const conn of this.#conns) close(conn);
    while (this.#tasks.size > 0) await Promise.all(this.#tasks);
  }
}

function close(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Closed already.
  }
}
