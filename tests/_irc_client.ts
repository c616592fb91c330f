/**
 * A raw-socket line client for the IRC tests: an IRC client speaking by
 * hand, or a person on nc in plain text. It records every line the server
 * sends, so a test waits for the line it expects, with a timeout.
 */

import { LOOPBACK, within } from "./_test_utils.ts";

const encoder = new TextEncoder();

/** A connection that reads CR LF lines. */
export class LineClient implements AsyncDisposable {
  readonly conn: Deno.TcpConn;
  readonly #decoder = new TextDecoder();
  #text = "";
  #cursor = 0;
  #waiters: (() => void)[] = [];
  #ended = false;
  readonly #reading: Promise<void>;

  constructor(conn: Deno.TcpConn) {
    this.conn = conn;
    this.#reading = this.#read();
  }

  /** Connects to `port` on loopback. */
  static async connect(port: number): Promise<LineClient> {
    return new LineClient(await Deno.connect({ hostname: LOOPBACK, port }));
  }

  /**
   * Connects and registers as `nick` (after `before`, such as CAP or PASS
   * lines), waiting for the end of the MOTD.
   */
  static async register(port: number, nick: string, before: string[] = []): Promise<LineClient> {
    const client = await LineClient.connect(port);
    for (const line of before) await client.send(line);
    await client.send(`NICK ${nick}`);
    await client.send(`USER ${nick} 0 * :${nick}`);
    await client.next(/ 376 /);
    return client;
  }

  /** Everything received so far. */
  get text(): string {
    return this.#text;
  }

  /** Every complete line received so far. */
  get lines(): string[] {
    return this.#text.split("\r\n").slice(0, -1);
  }

  /** True once the server closed the connection. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Sends raw text or bytes. */
  async write(data: string | Uint8Array): Promise<void> {
    let chunk = typeof data === "string" ? encoder.encode(data) : data;
    while (chunk.length > 0) chunk = chunk.subarray(await this.conn.write(chunk));
  }

  /** Sends `line` and CR LF. */
  send(line: string): Promise<void> {
    return this.write(`${line}\r\n`);
  }

  /** Resolves with the next complete line matching `pattern`, skipping those before it. */
  next(pattern: RegExp, ms = 5_000): Promise<string> {
    return this.#until(
      () => {
        while (true) {
          const end = this.#text.indexOf("\r\n", this.#cursor);
          if (end === -1) return undefined;
          const line = this.#text.slice(this.#cursor, end);
          this.#cursor = end + 2;
          if (pattern.test(line)) return line;
        }
      },
      ms,
      `a line matching ${pattern}`,
    );
  }

  /** The lines from here up to and including the next one matching `last`. */
  async until(last: RegExp, ms = 5_000): Promise<string[]> {
    const from = this.#cursor;
    await this.next(last, ms);
    return this.#text.slice(from, this.#cursor - 2).split("\r\n");
  }

  /** Sends a PING and waits for its PONG: every line sent before it was handled. */
  async sync(token = `sync${Math.random().toString(36).slice(2)}`): Promise<string[]> {
    await this.send(`PING ${token}`);
    return await this.until(new RegExp(` PONG \\S+ :?${token}$`));
  }

  /** Resolves once the server has closed the connection. */
  async closed(ms = 5_000): Promise<void> {
    await within(this.#reading, ms, "the server to close the connection");
  }

  async #until<T>(find: () => T | undefined, ms: number, what: string): Promise<T> {
    let expired = false;
    try {
      return await within(
        (async () => {
          while (!expired) {
            const found = find();
            if (found !== undefined) return found;
            if (this.#ended) {
              throw new Error(`Connection ended before ${what}; got ${JSON.stringify(this.#text)}`);
            }
            await new Promise<void>((resolve) => this.#waiters.push(resolve));
          }
          throw new Error("Search abandoned");
        })(),
        ms,
        `${what} (received so far: ${JSON.stringify(this.#text.slice(-4000))})`,
      );
    } finally {
      expired = true;
    }
  }

  async #read(): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const count = await this.conn.read(buffer);
        if (count === null) break;
        this.#text += this.#decoder.decode(buffer.subarray(0, count), { stream: true });
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
    for (const wake of this.#waiters.splice(0)) wake();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.conn.close();
    } catch {
      // Closed already.
    }
    await this.#reading;
  }
}

/** Starts `chat serve` on loopback with IRC on a free port; `extra` adds flags. */
export function ircServeArgs(extra: string[] = []): string[] {
  return [
    "serve",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--no-web",
    "--memory",
    "--irc-port",
    "0",
    ...extra,
  ];
}
