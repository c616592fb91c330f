/**
 * The client's end of a TCP connection: connects with a timeout and a clear
 * error, reads checked server frames and writes client frames.
 *
 * @module
 */

import {
  type ClientFrame,
  decodeJson,
  DEFAULT_PORT,
  encodeFrame,
  LineSplitter,
  MAX_SERVER_LINE_BYTES,
  parseServerFrame,
  type ServerFrame,
} from "../protocol.ts";
import { sanitizeText } from "../core/sanitize.ts";
import { errorText, formatAddress } from "../core/address.ts";

/** A connection failure worded for the person who typed the address. */
export class ConnectError extends Error {
  override get name(): string {
    return "ConnectError";
  }
}

/** What {@linkcode explain} needs to know about the attempt that failed. */
interface Attempt {
  hostname: string;
  port: number;
  tls: TlsOptions | undefined;
  /** The TLS handshake had started: a certificate error is about the server's. */
  handshaking: boolean;
}

function explain(error: unknown, attempt: Attempt): string {
  const { hostname, port } = attempt;
  const where = formatAddress(hostname, port);
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
    return `Cannot connect to ${where}: ${explainCertificate(message, attempt)}`;
  }
  if (/InvalidContentType|corrupt message|received corrupt|tls/i.test(message)) {
    return `Cannot connect to ${where}: the TLS handshake failed (is the server using --tls-cert?)`;
  }
  if (error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable) {
    return `Cannot connect to ${where}: permission denied`;
  }
  return `Cannot connect to ${where}: ${errorText(message)}`;
}

/** The day of a time given in Unix seconds, as 2026-01-31, or `undefined`. */
function day(seconds: string | undefined): string | undefined {
  const date = new Date(Number(seconds) * 1000);
  return seconds === undefined || isNaN(date.getTime())
    ? undefined
    : date.toISOString().slice(0, 10);
}

/** The names a refused certificate is valid for, from rustls' wording, cleaned for printing. */
function certificateNames(message: string): string | undefined {
  const names = [...message.matchAll(/IpAddress\(([^)]*)\)|DnsName\("((?:[^"\\]|\\.)*)"\)/g)]
    .map((match) => sanitizeText(match[1] ?? match[2] ?? ""));
  if (names.length === 0) return undefined;
  const shown = names.slice(0, 4);
  if (names.length > shown.length) shown.push(`${names.length - shown.length} more`);
  return shown.length === 1 ? shown[0] : `${shown.slice(0, -1).join(", ")} or ${shown.at(-1)}`;
}

/**
 * Why a TLS connection was refused, in words: the certificate's dates, the
 * names it is for, a CA certificate in the server's place, or a signer that
 * is not trusted. Deno (rustls) words these in `message`.
 */
function explainCertificate(message: string, attempt: Attempt): string {
  const caFile = attempt.tls?.caFile === undefined ? undefined : sanitizeText(attempt.tls.caFile);
  const detail = sanitizeText(message.replace(/^invalid peer certificate: /, ""));
  if (!attempt.handshaking) {
    // Before the handshake, only the certificates given to trust are read.
    return `cannot use ${
      caFile === undefined ? "the CA certificate" : `the certificate in ${caFile}`
    }: ${detail}`;
  }
  const cert = "the server's TLS certificate";
  if (/certificate expired|\bExpired\b/.test(message)) {
    const end = day(message.match(/not valid after (\d+)/)?.[1]);
    return `${cert} expired${end === undefined ? "" : ` on ${end}`}. ` +
      "Renew it on the server, or check the clock of this computer";
  }
  if (/not valid yet|NotValidYet/.test(message)) {
    const start = day(message.match(/not valid before (\d+)/)?.[1]);
    return `${cert} is not valid yet${start === undefined ? "" : ` (not before ${start})`}. ` +
      "Check the clocks of this computer and of the server";
  }
  if (/not valid for name|NotValidForName/.test(message)) {
    const target = sanitizeText(attempt.hostname);
    const names = certificateNames(message);
    return names === undefined
      ? `${cert} is not issued for ${target}: it names no address or host name. ` +
        "Make it with subjectAltName as in the README"
      : `${cert} is issued for ${names}, not for ${target}. ` +
        "Join one of those, or make the certificate for this address";
  }
  if (/CaUsedAsEndEntity/.test(message)) {
    return `${cert} is a CA certificate (CA:TRUE), which Deno refuses from a server. ` +
      "Make it with basicConstraints=critical,CA:FALSE, as the README's openssl command does";
  }
  if (/UnknownIssuer/.test(message) || !/invalid peer certificate/.test(message)) {
    return caFile === undefined
      ? `${cert} is not trusted (pass its CA with --ca FILE)`
      : `${cert} is not trusted: it is not signed by the certificate in ${caFile}`;
  }
  return `${cert} is refused: ${detail}`;
}

/** How to check the server's TLS certificate. */
export interface TlsOptions {
  /** Extra CA certificates (PEM) to trust, such as a self-signed server's. */
  caCerts?: string[];
  /** The file `caCerts` came from, named when they do not vouch for the server. */
  caFile?: string;
}

/** Options for {@linkcode Connection.open}. */
export interface ConnectOptions {
  /** Gives up after this many milliseconds. @default {5000} */
  timeout?: number;
  /** Speak TLS. @default {plain TCP} */
  tls?: TlsOptions;
}

/** What a web server at the other end said of itself: the server's chat port, if it told. */
export interface WebAnswer {
  /** The chat port its `x-chat-port` header named. */
  chatPort: number | undefined;
}

/** The address a client dialled, and whether with TLS. */
export interface Dialled {
  hostname: string;
  port: number;
  tls: boolean;
}

/**
 * What to say when the port dialled answered as a web port (in HTTP) or an
 * IRC port, not a chat port: which it is, and what reaches its chat port
 * with `chat COMMAND` instead; `undefined` when it answered as neither. A
 * web server that names no chat port is no chat server's: said as such.
 */
export function otherPortMessage(
  connection: Connection,
  dialled: Dialled,
  command: "join" | "send",
): string | undefined {
  const where = formatAddress(dialled.hostname, dialled.port);
  const go = command === "join" ? "join" : "send to";
  const chatPort = connection.web?.chatPort;
  if (connection.web !== undefined && chatPort === undefined) {
    return `${where} is an HTTP server, not a chat port; ${go} a chat port instead: ` +
      `the one chat serve prints (${DEFAULT_PORT} by default)`;
  }
  if (chatPort !== undefined) {
    const page = `${dialled.tls ? "https" : "http"}://${where}/`;
    const instead = `chat ${command} ${formatAddress(dialled.hostname, chatPort)}${
      command === "send" ? " FILE..." : ""
    }`;
    return `${where} is a web port, for browsers (${page}); ${go} its chat port instead: ${instead}`;
  }
  if (connection.irc) {
    const scheme = dialled.tls ? "ircs" : "irc";
    return `${where} is an IRC port, for IRC clients (${scheme}://${where}); ${go} its chat port ` +
      `instead: the one chat serve prints (${DEFAULT_PORT} by default)`;
  }
  return undefined;
}

/** Closes `conn`, if there is one, whatever state it is in. */
function closeQuietly(conn: Deno.Conn | undefined): void {
  try {
    conn?.close();
  } catch {
    // Already closed.
  }
}

/** An open connection to a chat server. */
export class Connection implements Disposable {
  readonly #conn: Deno.Conn;
  #closed = false;
  /** Lines read so far. */
  #lines = 0;
  #web: WebAnswer | undefined;
  #irc = false;

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
    const attempt: Attempt = { hostname, port, tls: options.tls, handshaking: false };
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
    // The socket, once connected: closed on every way out but success, or each failed
    // attempt (a refused certificate, a server that speaks no TLS) would keep a file
    // descriptor here and a half-open connection on the server.
    let conn: Deno.Conn | undefined;
    try {
      const result = await Promise.race([pending, expired]);
      if (result === "timeout") {
        pending.then((late) => late.close(), () => {});
        throw new ConnectError(
          `Cannot connect to ${where}: no answer after ${
            timeout / 1000
          } s. Check the address and the firewall`,
        );
      }
      conn = result;
      if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
      // A TLS handshake happens on first use; fail here, with a clear reason, not later.
      attempt.handshaking = true;
      if (options.tls !== undefined) {
        const handshake = (conn as Deno.TlsConn).handshake();
        // Given up on, it fails once the socket is closed: nobody waits for it then. (Deno
        // lets go of a socket closed mid-handshake once the other end answers or hangs up.)
        handshake.catch(() => {});
        if (await Promise.race([handshake, expired]) === "timeout") {
          throw new ConnectError(
            `Cannot connect to ${where}: no answer to the TLS handshake after ${timeout / 1000} s`,
          );
        }
      }
      return new Connection(conn);
    } catch (error) {
      closeQuietly(conn);
      if (error instanceof ConnectError) throw error;
      throw new ConnectError(explain(error, attempt));
    } finally {
      clearTimeout(timer);
    }
  }

  /** Set once the other end answered in IRC (`:server 451 …`): an IRC port, not a chat port. */
  get irc(): boolean {
    return this.#irc;
  }

  /** Set once the other end answered in HTTP: a web port, not a chat port. */
  get web(): WebAnswer | undefined {
    return this.#web;
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
        const first = this.#lines++ === 0;
        if (!line.ok) continue;
        const json = decodeJson(line.line);
        const checked = json.ok ? parseServerFrame(json.value) : json;
        if (checked.ok) yield checked.value;
        else this.#notice(line.line, first);
        // An IRC server waits for NICK and USER: nothing more will come.
        if (this.#irc) return;
      }
    }
  }

  /**
   * Notes a line that is no frame: a web server's status line (`first`), or
   * the start of a page it answers with no status line, as to a request of
   * HTTP/0.9 (a chat line is no request of a later one); the chat port it
   * names; or an IRC server's first numeric or notice.
   */
  #notice(line: string, first: boolean): void {
    if (first && /^(?:HTTP\/\d|\s*<(?:!doctype html|html)\b)/i.test(line)) {
      this.#web = { chatPort: undefined };
    }
    if (first && /^:\S+ (?:\d{3}|NOTICE) /.test(line)) this.#irc = true;
    const named = this.#web && /^x-chat-port:\s*(\d{1,5})\s*$/i.exec(line)?.[1];
    if (this.#web && named) this.#web.chatPort = Number(named);
  }

  /** Closes the socket; later calls do nothing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeQuietly(this.#conn);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
