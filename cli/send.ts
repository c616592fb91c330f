/**
 * `chat send HOST[:PORT] FILE... [--to #room|NAME] [--name NAME]`: shares
 * files for scripts. It joins as the terminal client does (protocol version
 * 2), but unseen (a quiet `hello`), uploads each file to the web port with
 * the token of its `welcome`, shares it with a `file` frame and waits until
 * the server has posted it, then leaves; the exit code is 0 once every file
 * is stored and shared. It shows in the room only as its first file is
 * posted there, and not at all for a file shared with one person: a send
 * that fails leaves no trace.
 * `-` reads standard input.
 *
 * @module
 */

import { ConnectError, Connection, type Dialled, otherPortMessage } from "../client/connection.ts";
import {
  type FileServer,
  tooLarge,
  TransferError,
  upload,
  uploadFile,
} from "../client/transfer.ts";
import { asClause, formatAddress } from "../core/address.ts";
import { withoutHints } from "../core/describe.ts";
import { cleanFileName, fileLink, formatBytes } from "../core/files.ts";
import { HELLO_TIMEOUT_MS } from "../core/link.ts";
import { checkName, checkOwnName, normalizeRoom } from "../core/names.ts";
import { sanitizeText } from "../core/sanitize.ts";
import {
  type ClientFrame,
  DEFAULT_PORT,
  type FileRef,
  type FilesInfo,
  type HelloFrame,
  LATEST_PROTOCOL_VERSION,
  type ServerFrame,
  type WelcomeFrame,
} from "../protocol.ts";
import { parseHostPort, parseOptions, parsePort, quote, UsageError } from "./args.ts";
import { osUserName } from "./join.ts";
import { readCertificate, readPassword, SecretError } from "./secrets.ts";

/** The name a file read from standard input is shared under, without `--name`. */
export const STDIN_NAME = "stdin";

/** Help for `chat send`. */
export const SEND_HELP = `Usage: chat send HOST[:PORT] FILE... [options]

Share files in a room, or with one person, and exit once the server has
stored and shared every one (exit code 0). FILE "-" reads standard input.

Options:
  --to #ROOM|NAME    where to share them: a room, or one person privately
                     (default #lobby)
  --name NAME        the name to share the one FILE under (default: its own
                     name; "${STDIN_NAME}" for -)
  --from NAME        your name in the chat (default: your user name, or
                     send-XXXX when it is taken or cannot be a name)
  --port N           TCP port (default ${DEFAULT_PORT}; HOST:PORT also works)
  --password-file F  read the server's password from F (or set CHAT_PASSWORD)
  --tls              connect with TLS (the server runs with --tls-cert)
  --ca F             trust the CA or self-signed certificate in F (implies
                     --tls)
  -h, --help         show this help

Examples:
  chat send 192.168.1.5 report.pdf photo.jpg --to #dev
  make 2>&1 | chat send 192.168.1.5 - --name build.log --to ann`;

/** The exit code of `chat send` stopped by Ctrl-C, as a shell reports a program SIGINT ended. */
const EXIT_STOPPED = 130;

/** How long the server has to post a file once it is shared, in milliseconds. */
const SHARE_TIMEOUT_MS = 10_000;

/** How long the server has to say goodbye after `quit`, in milliseconds. */
const QUIT_GRACE_MS = 2_000;

/** A failure that ends `chat send` with exit code 1, its message for people. */
class SendError extends Error {
  override get name(): string {
    return "SendError";
  }
}

/** Where the files go: a room, or one person. */
type Target = { room: string } | { to: string };

/** Reads `--to`: `#room` is a room, anything else a person's name. */
function parseTarget(value: string | undefined): Target {
  if (value === undefined) return { room: "#lobby" };
  if (value.startsWith("#")) {
    const room = normalizeRoom(value);
    if (!room.ok) throw new UsageError(`invalid --to ${quote(value)}: ${asClause(room.message)}`);
    return { room: room.value };
  }
  const name = value.startsWith("@") ? value.slice(1) : value;
  const problem = checkName(name);
  if (problem !== undefined) {
    throw new UsageError(`invalid --to ${quote(value)}: ${asClause(problem)}`);
  }
  return { to: name };
}

/** Runs `chat send` with `args`; resolves to the exit code. */
export async function sendCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions("send", args, {
    to: { type: "string" },
    name: { type: "string" },
    from: { type: "string" },
    port: { type: "string" },
    "password-file": { type: "string" },
    tls: { type: "boolean" },
    ca: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(SEND_HELP);
    return 0;
  }
  const [address, ...paths] = positionals;
  if (address === undefined) throw new UsageError("missing HOST: chat send HOST[:PORT] FILE...");
  if (paths.length === 0) {
    throw new UsageError("missing FILE: name one or more files, or - for standard input");
  }
  if (paths.filter((path) => path === "-").length > 1) {
    throw new UsageError('standard input ("-") can be sent once');
  }
  if (values.name !== undefined && paths.length > 1) {
    throw new UsageError("--name names one file: give one FILE with it");
  }
  if (values.name !== undefined && values.name.trim() === "") {
    throw new UsageError(`invalid --name ${quote(values.name)}: a file name cannot be empty`);
  }
  const target = parseTarget(values.to);
  if (values.from !== undefined) {
    const problem = checkOwnName(values.from);
    if (problem !== undefined) {
      throw new UsageError(`invalid --from ${quote(values.from)}: ${asClause(problem)}`);
    }
  }
  const parsed = parseHostPort(address);
  if (values.port !== undefined && parsed.port !== undefined) {
    throw new UsageError(
      `give the port once: ${quote(address)} has one, and --port ${quote(values.port)} another`,
    );
  }
  const port = parsed.port ?? (values.port === undefined ? DEFAULT_PORT : parsePort(values.port));
  // Ctrl-C stops it wherever it is, and says what was shared by then.
  const progress: SendProgress = { shared: 0 };
  const stopped = Promise.withResolvers<"stopped">();
  const stop = () => stopped.resolve("stopped");
  Deno.addSignalListener("SIGINT", stop);
  try {
    const password = await readPassword(values["password-file"]);
    const caCerts = values.ca === undefined
      ? undefined
      : [await readCertificate(values.ca, "CA certificate")];
    await checkFiles(paths);
    const sending = send({
      hostname: parsed.hostname,
      port,
      paths,
      target,
      progress,
      ...(values.name === undefined ? {} : { fileName: values.name }),
      ...(values.from === undefined ? {} : { from: values.from }),
      ...(password === undefined ? {} : { password }),
      ...(values.tls || caCerts !== undefined
        ? { tls: caCerts === undefined ? {} : { caCerts } }
        : {}),
    });
    // What is left of it ends with the process.
    sending.catch(() => {});
    const done = await Promise.race([sending, stopped.promise]);
    return done === "stopped" ? stoppedBy(progress) : 0;
  } catch (error) {
    if (
      !(error instanceof SendError || error instanceof TransferError ||
        error instanceof SecretError || error instanceof ConnectError)
    ) throw error;
    console.error(`chat: ${asClause(error.message)}`);
    return 1;
  } finally {
    Deno.removeSignalListener("SIGINT", stop);
  }
}

/** What {@linkcode send} has done so far, for a Ctrl-C to tell. */
interface SendProgress {
  /** How many files were shared. */
  shared: number;
  /** The name of a file the server was asked to share, and has not answered for yet. */
  sharing?: string | undefined;
}

/**
 * Says in one line on stderr what `progress` shared before Ctrl-C stopped
 * `chat send`, and returns the exit code.
 */
function stoppedBy(progress: SendProgress): number {
  const said = progress.sharing !== undefined
    ? `the server had not said yet whether ${quote(progress.sharing)} was shared`
    : progress.shared === 0
    ? "nothing was shared"
    : "nothing more was shared";
  // After the ^C a terminal shows, on a line of its own.
  const newline = Deno.stderr.isTerminal() ? "\n" : "";
  console.error(`${newline}chat: stopped; ${said}`);
  return EXIT_STOPPED;
}

/**
 * Fails before connecting when a FILE cannot be sent: missing, a folder, a
 * socket, or a file this user may not read. A pipe is not opened here:
 * what it holds can be read once.
 */
async function checkFiles(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    if (path === "-") continue;
    const refused = (error: unknown) => {
      const why = error instanceof Deno.errors.NotFound
        ? "no such file"
        : error instanceof Deno.errors.PermissionDenied
        ? "permission denied"
        : sanitizeText((error as Error).message);
      return new SendError(`Cannot send ${quote(path)}: ${why}`);
    };
    let info: Deno.FileInfo;
    try {
      info = await Deno.stat(path);
    } catch (error) {
      throw refused(error);
    }
    if (info.isDirectory) throw new SendError(`Cannot send ${quote(path)}: it is a folder`);
    if (info.isSocket) {
      throw new SendError(`Cannot send ${quote(path)}: it is a socket, not a file`);
    }
    if (!info.isFile) continue;
    try {
      (await Deno.open(path, { read: true })).close();
    } catch (error) {
      throw refused(error);
    }
  }
}

/**
 * Fails when a FILE is larger than the server takes, as its `welcome` says
 * (`files`), before any is sent. What standard input holds is not known
 * until it is read: the server refuses it then, if need be.
 */
async function checkSizes(
  paths: readonly string[],
  files: FilesInfo,
  fileName: string | undefined,
): Promise<void> {
  for (const path of paths) {
    if (path === "-") continue;
    // Gone or changed since it was checked, it is refused as it is sent.
    const info = await Deno.stat(path).catch(() => undefined);
    if (info?.isFile !== true) continue;
    const refusal = tooLarge(fileName ?? cleanFileName(path), info.size, files);
    if (refusal !== undefined) throw new SendError(refusal);
  }
}

/** What {@linkcode send} needs. */
interface SendOptions {
  hostname: string;
  port: number;
  paths: readonly string[];
  target: Target;
  fileName?: string;
  from?: string;
  password?: string;
  tls?: { caCerts?: string[] };
  /** Kept up to date as files are shared. */
  progress: SendProgress;
}

/** Connects, uploads and shares every file, printing a line for each as it goes, and leaves. */
async function send(options: SendOptions): Promise<void> {
  const { hostname, port } = options;
  const tls = options.tls;
  const connection = await Connection.open(hostname, port, tls === undefined ? {} : { tls });
  using reader = new FrameReader(connection, { hostname, port, tls: tls !== undefined });
  const welcome = await join(reader, options);
  const files = welcome.files;
  if (files === undefined) {
    throw new SendError(
      `Cannot send files to ${formatAddress(hostname, port)}: the server takes no files`,
    );
  }
  const server: FileServer = {
    hostname,
    files,
    password: options.password,
    caCerts: tls?.caCerts,
  };
  const where = "room" in options.target
    ? `in ${options.target.room}`
    : `with ${sanitizeText(options.target.to)}`;
  // Every file is weighed before any is sent: a send that fails leaves no trace.
  await checkSizes(options.paths, files, options.fileName);
  const batch = crypto.randomUUID().slice(0, 8);
  for (const [index, path] of options.paths.entries()) {
    const name = options.fileName ?? (path === "-" ? STDIN_NAME : cleanFileName(path));
    const stored = path === "-"
      ? await upload(server, Deno.stdin.readable, { name })
      : await uploadFile(server, path, { name });
    const cid = `send-${batch}-${index + 1}`;
    const frame: ClientFrame = { type: "file", id: stored.id, name, cid, ...options.target };
    options.progress.sharing = name;
    await connection.send(frame);
    const posted = await reader.until(
      (frame) =>
        frame.cid === cid &&
        (frame.type === "error" || frame.type === "message" || frame.type === "private"),
      SHARE_TIMEOUT_MS,
      `the server to share ${quote(name)}`,
    );
    options.progress.sharing = undefined;
    if (posted.type === "error") {
      const reason = sanitizeText(posted.message).replace(/^Cannot [^:]*: /, "");
      throw new SendError(`Cannot share ${quote(name)}: ${asClause(reason)}`);
    }
    const file: FileRef = "file" in posted && posted.file !== undefined ? posted.file : stored;
    // Without this connection's token, which dies as `chat send` leaves: with a
    // password, whoever is in the chat fetches it with their own (`/get LINK`).
    const { needsToken: _, ...untokened } = files;
    const link = fileLink(hostname, untokened, file);
    console.log(`Shared ${sanitizeText(file.name)} (${formatBytes(file.size)}) ${where}: ${link}`);
    options.progress.shared++;
  }
  await leave(connection, reader);
}

/** Says `hello` until the server welcomes the client, under another name if the first is taken. */
async function join(reader: FrameReader, options: SendOptions): Promise<WelcomeFrame> {
  const wanted = options.from ?? usableName(osUserName());
  let name = wanted ?? spareName();
  while (true) {
    // Unseen until the file is shared: a send that fails leaves no trace in the room.
    const hello: HelloFrame = {
      type: "hello",
      version: LATEST_PROTOCOL_VERSION,
      name,
      quiet: true,
    };
    if (options.password !== undefined) hello.password = options.password;
    if ("room" in options.target) hello.rooms = [{ room: options.target.room }];
    await reader.connection.send(hello);
    const answer = await reader.until(
      (frame) => frame.type === "welcome" || (frame.type === "error" && frame.cid === undefined),
      HELLO_TIMEOUT_MS,
      "the server to welcome the client",
    );
    if (answer.type === "welcome") return answer;
    if (answer.type !== "error") throw new SendError("Cannot send: the server did not welcome us");
    const taken = answer.code === "name_taken" || answer.code === "name_invalid";
    // A name of our choosing that the server refuses: another one.
    if (taken && options.from === undefined) {
      name = spareName();
      continue;
    }
    // Where to give a password, to whoever gave none.
    const hint = answer.code === "password_required" && options.password === undefined
      ? "; set CHAT_PASSWORD or use --password-file"
      : "";
    // A script reads this, not a person at the keyboard: without their hints, as chat join's.
    throw new SendError(`${withoutHints(sanitizeText(answer.message))}${hint}`);
  }
}

/** `name` if it may be a name in the chat. */
function usableName(name: string | undefined): string | undefined {
  return name !== undefined && checkOwnName(name) === undefined ? name : undefined;
}

/** A name nobody is likely to have: `send-` and four hex digits. */
function spareName(): string {
  return `send-${crypto.randomUUID().slice(0, 4)}`;
}

/** Says goodbye and waits a moment for the server's, then hangs up. */
async function leave(connection: Connection, reader: FrameReader): Promise<void> {
  await connection.send({ type: "quit" }).catch(() => {});
  await reader.ended(QUIT_GRACE_MS).catch(() => {});
  connection.close();
}

/**
 * Reads a connection's frames in the background, answering the server's
 * pings (an upload may take longer than its heartbeat), and hands the
 * others to whoever waits for them.
 */
class FrameReader implements Disposable {
  readonly connection: Connection;
  readonly #dialled: Dialled;
  readonly #frames: ServerFrame[] = [];
  #wake: () => void = () => {};
  #done = false;
  /** Whether the server sent anything at all: a TLS port read as plain text sends nothing. */
  #heard = false;
  #bye: string | undefined;
  readonly #reading: Promise<void>;

  constructor(connection: Connection, dialled: Dialled) {
    this.connection = connection;
    this.#dialled = dialled;
    this.#reading = this.#read();
  }

  /** The first frame from now on that `matches`; rejects once `ms` pass or the connection ends. */
  async until(
    matches: (frame: ServerFrame & { cid?: string }) => boolean,
    ms: number,
    what: string,
  ): Promise<ServerFrame> {
    const deadline = Date.now() + ms;
    while (true) {
      const index = this.#frames.findIndex(matches);
      if (index >= 0) {
        const found = this.#frames[index]!;
        this.#frames.splice(0, index + 1);
        return found;
      }
      this.#frames.length = 0;
      const bye = this.#bye;
      if (this.#done) {
        // A web or IRC port, not a chat port: said as chat join says it.
        const otherPort = otherPortMessage(this.connection, this.#dialled, "send");
        throw new SendError(
          otherPort !== undefined
            ? otherPort
            : bye !== undefined
            ? `Cannot send: the server said goodbye: ${sanitizeText(bye)}`
            : !this.#heard && !this.#dialled.tls
            ? "Cannot send: the server closed the connection without a word (if it uses TLS, add --tls)"
            : `Cannot send: the server closed the connection while waiting for ${what}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new SendError(`Cannot send: no answer in ${ms / 1000} s from ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Resolves once the server has closed the connection, or rejects after `ms`. */
  async ended(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SendError("Cannot leave: no goodbye")), ms);
    });
    try {
      await Promise.race([this.#reading, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #read(): Promise<void> {
    try {
      for await (const frame of this.connection.frames()) {
        this.#heard = true;
        if (frame.type === "ping") {
          const pong: ClientFrame = frame.token === undefined
            ? { type: "pong" }
            : { type: "pong", token: frame.token };
          await this.connection.send(pong).catch(() => {});
          continue;
        }
        if (frame.type === "bye") this.#bye = frame.reason;
        this.#frames.push(frame);
        this.#wake();
      }
    } finally {
      this.#done = true;
      this.#wake();
    }
  }

  [Symbol.dispose](): void {
    this.connection.close();
  }
}
