/**
 * A TCP connection from a chosen loopback address (127.0.0.2, 127.0.0.3 …),
 * so that tests can tell people apart by address: Linux routes all of
 * 127.0.0.0/8 to the loopback interface. `Deno.connect` cannot bind the
 * local end, `node:net` can; this wraps its socket as the `read`, `write`
 * and `close` the test client uses.
 */

import { connect, type Socket } from "node:net";
import type { ClientFrame } from "../protocol.ts";
import { TestClient } from "./_test_utils.ts";

/** A socket from `localAddress` to `port` on 127.0.0.1, read and written as a Deno connection is. */
class BoundConn {
  readonly #socket: Socket;
  readonly #chunks: Uint8Array[] = [];
  #ended = false;
  #wake: (() => void) | undefined;

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("data", (chunk: Uint8Array) => {
      this.#chunks.push(new Uint8Array(chunk));
      this.#wake?.();
    });
    const end = () => {
      this.#ended = true;
      this.#wake?.();
    };
    socket.on("end", end);
    socket.on("close", end);
    socket.on("error", end);
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    const chunk = this.#chunks[0]!;
    const count = Math.min(buffer.length, chunk.length);
    buffer.set(chunk.subarray(0, count));
    if (count === chunk.length) this.#chunks.shift();
    else this.#chunks[0] = chunk.subarray(count);
    return count;
  }

  write(bytes: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) =>
      this.#socket.write(bytes, (error) => error ? reject(error) : resolve(bytes.length))
    );
  }

  close(): void {
    this.#socket.destroy();
    this.#ended = true;
    this.#wake?.();
  }
}

/**
 * A connection to `port` on 127.0.0.1 from `localAddress`, for the test
 * clients, which only read, write and close theirs.
 */
export async function connectFrom(port: number, localAddress: string): Promise<Deno.TcpConn> {
  const socket = connect({ host: "127.0.0.1", port, localAddress });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return new BoundConn(socket) as unknown as Deno.TcpConn;
}

/** A test client connected to `port` on 127.0.0.1 from `localAddress`. */
export async function clientFrom(port: number, localAddress: string): Promise<TestClient> {
  return new TestClient(await connectFrom(port, localAddress));
}

/** Says hello in version 2 as `name` from `address`, and waits for the answer. */
export async function arrive(
  port: number,
  name: string,
  address: string,
  extra: Partial<ClientFrame> = {},
): Promise<TestClient> {
  const client = await clientFrom(port, address);
  await client.send({ type: "hello", version: 2, name, ...extra } as ClientFrame);
  try {
    await client.sync();
  } catch (error) {
    // A banned newcomer is answered and closed at once: its pong never comes.
    if (!client.ended) throw error;
  }
  return client;
}

/** `ann` at 127.0.0.1, proved an operator with `secret`, her secret in the server's op file. */
export async function operator(port: number, secret = "s3cret"): Promise<TestClient> {
  const ann = await arrive(port, "ann", "127.0.0.1");
  await ann.say(`/oper ${secret}`);
  await ann.next("notice", (frame) => /ann is an operator/.test(frame.text));
  return ann;
}
