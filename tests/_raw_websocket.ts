/**
 * A WebSocket client written over a raw TCP connection, for tests that need
 * what a browser's WebSocket cannot do: stop reading, send any frame (bad
 * ones too), choose every header, and see control frames and close codes.
 */

import { parseServerFrame, type ServerFrame } from "../protocol.ts";
import { type FrameOf, LOOPBACK, within } from "./_test_utils.ts";

/** Options for {@linkcode RawWebSocket.open}. */
export interface RawWebSocketOptions {
  /** The `Host` header; `null` sends none. @default {"127.0.0.1:PORT"} */
  host?: string | null;
  /** The `Origin` header; none when left out. */
  origin?: string;
  /** The request path. @default {"/ws"} */
  path?: string;
}

const encoder = new TextEncoder();

/** A masked client frame with `opcode` and `payload`. */
export function clientFrame(opcode: number, payload: Uint8Array, final = true): Uint8Array {
  const length = payload.length;
  const head = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = new Uint8Array(head + 4 + length);
  frame[0] = (final ? 0x80 : 0) | opcode;
  if (length < 126) frame[1] = 0x80 | length;
  else if (length < 65536) {
    frame[1] = 0x80 | 126;
    frame[2] = length >>> 8;
    frame[3] = length & 0xff;
  } else {
    frame[1] = 0x80 | 127;
    new DataView(frame.buffer).setUint32(6, length);
  }
  const key = crypto.getRandomValues(new Uint8Array(4));
  frame.set(key, head);
  for (let i = 0; i < length; i++) frame[head + 4 + i] = payload[i]! ^ key[i & 3]!;
  return frame;
}

/** One frame received from the server. */
export interface ReceivedFrame {
  opcode: number;
  payload: Uint8Array;
}

/** A WebSocket over a raw socket, reading only while it is told to. */
export class RawWebSocket implements AsyncDisposable {
  readonly conn: Deno.TcpConn;
  /** The status line and headers of the server's answer to the upgrade. */
  readonly head: string;
  /** Every frame received, in order. */
  readonly received: ReceivedFrame[] = [];
  /** The server frames among the text messages received. */
  readonly frames: ServerFrame[] = [];
  #pending: Uint8Array;
  #reading: Promise<void> | undefined;
  #ended = false;
  #waiters: (() => void)[] = [];

  private constructor(conn: Deno.TcpConn, head: string, rest: Uint8Array) {
    this.conn = conn;
    this.head = head;
    this.#pending = rest;
  }

  /**
   * Connects to `port`, sends the upgrade request and reads the answer's
   * head. Does not start reading frames: call {@linkcode RawWebSocket.read}.
   */
  static async open(port: number, options: RawWebSocketOptions = {}): Promise<RawWebSocket> {
    const conn = await Deno.connect({ hostname: LOOPBACK, port });
    const request = [
      `GET ${options.path ?? "/ws"} HTTP/1.1`,
      ...(options.host === null ? [] : [`Host: ${options.host ?? `${LOOPBACK}:${port}`}`]),
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      "Sec-WebSocket-Version: 13",
      ...(options.origin === undefined ? [] : [`Origin: ${options.origin}`]),
      "",
      "",
    ].join("\r\n");
    await writeAll(conn, encoder.encode(request));
    let bytes = new Uint8Array(0);
    const buffer = new Uint8Array(4096);
    while (true) {
      const end = findHeadEnd(bytes);
      if (end !== -1) {
        const head = new TextDecoder().decode(bytes.subarray(0, end));
        return new RawWebSocket(conn, head, bytes.slice(end + 4));
      }
      const count = await within(conn.read(buffer), 5_000, "the answer to the upgrade");
      if (count === null) {
        return new RawWebSocket(conn, new TextDecoder().decode(bytes), new Uint8Array(0));
      }
      const joined = new Uint8Array(bytes.length + count);
      joined.set(bytes);
      joined.set(buffer.subarray(0, count), bytes.length);
      bytes = joined;
    }
  }

  /** The HTTP status of the answer to the upgrade. */
  get status(): number {
    return Number(/^HTTP\/1\.1 (\d{3})/.exec(this.head)?.[1] ?? 0);
  }

  /** True once the server closed the connection. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Starts reading frames as they come (once). */
  read(): void {
    this.#reading ??= this.#read();
  }

  /** Sends a text message holding `frame` as JSON. */
  send(frame: unknown): Promise<void> {
    return this.write(clientFrame(0x1, encoder.encode(JSON.stringify(frame))));
  }

  /** Sends raw bytes. */
  write(bytes: Uint8Array): Promise<void> {
    return writeAll(this.conn, bytes);
  }

  /** Resolves with the first frame of `type` received so far or later. */
  async next<T extends ServerFrame["type"]>(
    type: T,
    where: (frame: FrameOf<T>) => boolean = () => true,
    ms = 5_000,
  ): Promise<FrameOf<T>> {
    this.read();
    const find = () =>
      this.frames.find((frame) => frame.type === type && where(frame as FrameOf<T>)) as
        | FrameOf<T>
        | undefined;
    await this.#until(() => find() !== undefined, ms, `a "${type}" frame`);
    return find()!;
  }

  /** Resolves once the server has closed the connection; returns the close frame's code, if any. */
  async closed(ms = 5_000): Promise<number | undefined> {
    this.read();
    await this.#until(() => this.#ended, ms, "the server to close the connection");
    const close = this.received.find((frame) => frame.opcode === 0x8);
    return close === undefined || close.payload.length < 2
      ? undefined
      : (close.payload[0]! << 8) | close.payload[1]!;
  }

  async #until(done: () => boolean, ms: number, what: string): Promise<void> {
    await within(
      (async () => {
        while (!done()) {
          if (this.#ended) throw new Error(`Connection ended before ${what}`);
          await new Promise<void>((resolve) => this.#waiters.push(resolve));
        }
      })(),
      ms,
      what,
    );
  }

  async #read(): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    this.#parse();
    try {
      while (true) {
        const count = await this.conn.read(buffer);
        if (count === null) break;
        const joined = new Uint8Array(this.#pending.length + count);
        joined.set(this.#pending);
        joined.set(buffer.subarray(0, count), this.#pending.length);
        this.#pending = joined;
        this.#parse();
      }
    } catch {
      // Reset by the server, or closed here.
    } finally {
      this.#ended = true;
      this.#wake();
    }
  }

  /** Takes every complete frame out of what was read. */
  #parse(): void {
    while (this.#pending.length >= 2) {
      const bytes = this.#pending;
      let length = bytes[1]! & 0x7f;
      let head = 2;
      if (length === 126) {
        if (bytes.length < 4) return;
        length = (bytes[2]! << 8) | bytes[3]!;
        head = 4;
      } else if (length === 127) {
        if (bytes.length < 10) return;
        length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(6);
        head = 10;
      }
      if (bytes.length < head + length) return;
      const frame = { opcode: bytes[0]! & 0x0f, payload: bytes.slice(head, head + length) };
      this.received.push(frame);
      if (frame.opcode === 0x1) {
        const checked = parseServerFrame(JSON.parse(new TextDecoder().decode(frame.payload)));
        if (checked.ok) this.frames.push(checked.value);
      }
      this.#pending = bytes.slice(head + length);
    }
    this.#wake();
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
      // Closed already.
    }
    await this.#reading;
  }
}

function findHeadEnd(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      return i;
    }
  }
  return -1;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  while (bytes.length > 0) bytes = bytes.subarray(await conn.write(bytes));
}
