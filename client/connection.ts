/**
 * The client's end of a TCP connection: connects with a timeout and a clear
 * error, reads checked server frames and writes client frames.
 *
 * @module
 */

import {
  type ClientFrame,
  decodeJson,
  encodeFrame,
  LineSplitter,
  MAX_SERVER_LINE_BYTES,
  parseServerFrame,
  type ServerFrame,
} from "../protocol.ts";

/** A connection failure worded for the person who typed the address. */
export class ConnectError extends Error {
  override get name(): string {
    return "ConnectError";
  }
}

/** Formats `host:port`, bracketing IPv6 addresses. */
export function formatAddress(hostname: string, port: number): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}

function explain(error: unknown, where: string, port: number): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Deno.errors.ConnectionRefused) {
    return `Cannot connect to ${where}: connection refused. Is "chat serve" running there on port ${port}?`;
  }
  if (/lookup address|Name or service not known|nodename nor servname/i.test(message)) {
    return `Cannot connect to ${where}: unknown host name`;
  }
  if (/unreachable/i.test(message)) {
    return `Cannot connect to ${where}: network unreachable. Check the address and that you are on the same network`;
  }
  if (/certificate|UnknownIssuer|CaUsedAsEndEntity|NotValidForName|invalid peer/i.test(message)) {
    return `Cannot connect to ${where}: the server's TLS certificate is not trusted (pass its CA with --ca FILE)`;
  }
  if (/InvalidContentType|corrupt message|received corrupt|tls/i.test(message)) {
    return `Cannot connect to ${where}: the TLS handshake failed (is the server using --tls-cert?)`;
  }
  if (error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable) {
    return `Cannot connect to ${where}: permission denied`;
  }
  return `Cannot connect to ${where}: ${message.replace(/\s*\(os error \d+\)$/, "")}`;
}

/** How to check the server's TLS certificate. */
export interface TlsOptions {
  /** Extra CA certificates (PEM) to trust, such as a self-signed server's. */
  caCerts?: string[];
}

/** Options for {@linkcode Connection.open}. */
export interface ConnectOptions {
  /** Gives up after this many milliseconds. @default {5000} */
  timeout?: number;
  /** Speak TLS. @default {plain TCP} */
  tls?: TlsOptions;
}

/** An open connection to a chat server. */
export class Connection implements Disposable {
  readonly #conn: Deno.Conn;
  #closed = false;

  /** Wraps an open socket; {@linkcode Connection.open} is the usual way in. */
  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /**
   * Connects to a server, rejecting with a {@linkcode ConnectError} whose
   * message says what went wrong and what to check.
   */
  static async open(
    hostname: string,
    port: number,
    options: ConnectOptions = {},
  ): Promise<Connection> {
    const where = formatAddress(hostname, port);
    const timeout = options.timeout ?? 5_000;
    const pending: Promise<Deno.Conn> = options.tls === undefined
      ? Deno.connect({ hostname, port, transport: "tcp" })
      : Deno.connectTls({
        hostname,
        port,
        ...(options.tls.caCerts === undefined ? {} : { caCerts: options.tls.caCerts }),
      });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<"timeout">((resolve) =>
      timer = setTimeout(() => resolve("timeout"), timeout)
    );
    try {
      const result = await Promise.race([pending, expired]);
      if (result === "timeout") {
        pending.then((conn) => conn.close(), () => {});
        throw new ConnectError(
          `Cannot connect to ${where}: no answer after ${
            timeout / 1000
          } s. Check the address and the firewall`,
        );
      }
      if ("setNoDelay" in result) (result as Deno.TcpConn).setNoDelay(true);
      const connection = new Connection(result);
      // A TLS handshake happens on first use; fail here, with a clear reason, not later.
      if (options.tls !== undefined) await (result as Deno.TlsConn).handshake();
      return connection;
    } catch (error) {
      if (error instanceof ConnectError) throw error;
      throw new ConnectError(explain(error, where, port));
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends one frame; resolves once it is handed to the OS. */
  async send(frame: ClientFrame): Promise<void> {
    let bytes = new TextEncoder().encode(encodeFrame(frame));
    while (bytes.length > 0) bytes = bytes.subarray(await this.#conn.write(bytes));
  }

  /**
   * Yields every valid frame the server sends until the connection ends.
   * Lines that are not valid frames are skipped.
   */
  async *frames(): AsyncGenerator<ServerFrame> {
    const splitter = new LineSplitter(MAX_SERVER_LINE_BYTES);
    const buffer = new Uint8Array(64 * 1024);
    while (true) {
      let count: number | null;
      try {
        count = await this.#conn.read(buffer);
      } catch {
        return;
      }
      if (count === null) return;
      for (const line of splitter.push(buffer.subarray(0, count))) {
        if (!line.ok) continue;
        const json = decodeJson(line.line);
        const checked = json.ok ? parseServerFrame(json.value) : json;
        if (checked.ok) yield checked.value;
      }
    }
  }

  /** Closes the socket; later calls do nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
