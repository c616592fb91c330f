/**
 * A raw-socket client of CR LF lines, for the transports people and their
 * programs speak in lines: plain text (nc, telnet) and IRC. It records all
 * the server sends, so a test waits for the line it expects, with a timeout.
 */

import { bytes, LOOPBACK, within } from "./_test_utils.ts";

const encoder = new TextEncoder();

/** A connection read as CR LF lines. */
export class LineClient implements AsyncDisposable {
  readonly conn: Deno.TcpConn;
  readonly #clean: (line: string) => string;
  readonly #chunks: Uint8Array[] = [];
  readonly #decoder = new TextDecoder();
  #text = "";
  #cursor = 0;
  #waiters: (() => void)[] = [];
  #ended = false;
  readonly #reading: Promise<void>;

  /** Reads `conn`; `clean` makes each line as tests see it (a prompt taken off). */
  constructor(conn: Deno.TcpConn, clean: (line: string) => string = (line) => line) {
    this.conn = conn;
    this.#clean = clean;
    this.#reading = this.#read();
  }

  /** Connects to `port` on loopback without sending anything. */
  static async connect(port: number): Promise<LineClient> {
    return new LineClient(await Deno.connect({ hostname: LOOPBACK, port }));
  }

  /** Everything received so far, decoded. */
  get text(): string {
    return this.#text;
  }

  /** Everything received so far, as bytes. */
  get bytes(): Uint8Array {
    return bytes(...this.#chunks.map((chunk) => [...chunk]));
  }

  /** Every complete line received so far. */
  get lines(): string[] {
    return this.#text.split("\r\n").slice(0, -1).map(this.#clean);
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
          const line = this.#clean(this.#text.slice(this.#cursor, end));
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
    return this.#text.slice(from, this.#cursor - 2).split("\r\n").map(this.#clean);
  }

  /** Resolves once `fragment` arrives after what was consumed, and consumes it. */
  expect(fragment: string, ms = 5_000): Promise<string> {
    return this.#until(
      () => {
        const at = this.#text.indexOf(fragment, this.#cursor);
        if (at === -1) return undefined;
        this.#cursor = at + fragment.length;
        return fragment;
      },
      ms,
      JSON.stringify(fragment),
    );
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
        const chunk = buffer.slice(0, count);
        this.#chunks.push(chunk);
        this.#text += this.#decoder.decode(chunk, { stream: true });
        this.#wake();
      }
    } catch {
      // Closed locally or reset by the server.
    } finally {
      this.#text += this.#decoder.decode();
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
      // Closed by the server already.
    }
    await this.#reading;
  }
}
