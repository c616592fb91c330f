/**
 * A raw HTTP/1.1 client over one `node:net` connection, for tests of how the
 * web port handles its connections: requests written by hand, answers read
 * one by one by their `content-length`, and the server's close seen as it
 * happens. It can connect from any loopback address (`127.0.0.2`, …).
 */

import net from "node:net";
import { LOOPBACK, within } from "./_test_utils.ts";

/** One HTTP answer. */
export interface HttpAnswer {
  status: number;
  /** By lower-case name. */
  headers: Map<string, string>;
  body: string;
}

/** One HTTP connection, read as text (Latin-1, one character a byte). */
export class RawHttp implements AsyncDisposable {
  readonly #socket: net.Socket;
  readonly #port: number;
  #text = "";
  #ended = false;
  #changed = Promise.withResolvers<void>();
  readonly #closed: Promise<void>;

  private constructor(socket: net.Socket, port: number) {
    this.#socket = socket;
    this.#port = port;
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      this.#text += chunk;
      this.#wake();
    });
    socket.on("end", () => this.#end());
    socket.on("error", () => {});
    this.#closed = new Promise((resolve) =>
      socket.once("close", () => {
        this.#end();
        resolve();
      })
    );
  }

  /** Connects to `port` on loopback, from `localAddress`. */
  static async open(port: number, localAddress = LOOPBACK): Promise<RawHttp> {
    const socket = net.connect({ host: LOOPBACK, port, localAddress });
    const client = new RawHttp(socket, port);
    try {
      await within(
        new Promise((resolve, reject) => {
          socket.once("connect", resolve);
          socket.once("error", reject);
        }),
        5_000,
        "a connection",
      );
    } catch (error) {
      await client[Symbol.asyncDispose]();
      throw error;
    }
    return client;
  }

  /** True once the server closed the connection. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Sends `text` as it is. */
  send(text: string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.#socket.write(text, "latin1", (error) => error ? reject(error) : resolve())
    );
  }

  /** The head of a request for `path`, up to and without the blank line that ends it. */
  head(path: string, method = "GET"): string {
    return `${method} ${path} HTTP/1.1\r\nHost: ${LOOPBACK}:${this.#port}\r\n`;
  }

  /** Sends a GET request for `path` and reads its answer. */
  async get(path = "/"): Promise<HttpAnswer> {
    await this.send(`${this.head(path)}\r\n`);
    return await this.answer();
  }

  /** Reads the next whole answer; rejects if the connection closes first. */
  answer(ms = 5_000): Promise<HttpAnswer> {
    return within(
      (async () => {
        while (true) {
          const answer = this.#take();
          if (answer !== undefined) return answer;
          if (this.#ended) {
            throw new Error(
              `Cannot read an answer: the server closed the connection after ${
                JSON.stringify(this.#text.slice(0, 200))
              }`,
            );
          }
          await this.#changed.promise;
        }
      })(),
      ms,
      "an HTTP answer",
    );
  }

  /** Waits until the server closes the connection; returns what came and was not read. */
  async closed(ms = 5_000): Promise<string> {
    await within(this.#closed, ms, "the server to close the connection");
    return this.#text;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#socket.destroy();
    await this.#closed;
  }

  #take(): HttpAnswer | undefined {
    const end = this.#text.indexOf("\r\n\r\n");
    if (end === -1) return undefined;
    const [statusLine = "", ...lines] = this.#text.slice(0, end).split("\r\n");
    const headers = new Map<string, string>();
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const length = Number(headers.get("content-length") ?? 0);
    const start = end + 4;
    if (this.#text.length < start + length) return undefined;
    const body = this.#text.slice(start, start + length);
    this.#text = this.#text.slice(start + length);
    return { status: Number(statusLine.split(" ")[1]), headers, body };
  }

  #end(): void {
    this.#ended = true;
    this.#wake();
  }

  #wake(): void {
    this.#changed.resolve();
    this.#changed = Promise.withResolvers();
  }
}
