/**
 * `chat join`: the terminal's driver of the conversation core
 * (core/conversation.ts). It connects, picks a name, then carries frames
 * between the server and the core and the core's effects to the terminal.
 * When the connection drops it reconnects by itself with backoff, to the
 * server it was on or, in a cluster, to another server of the same chat
 * (core/backoff.ts), and the core takes its name back, returns to its rooms
 * and fetches exactly the messages it missed.
 *
 * @module
 */

import { asClause, formatAddress, type HostPort, parseAddress } from "./core/address.ts";
import { Backoff, Failover } from "./core/backoff.ts";
import {
  ConnectError,
  Connection,
  otherPortMessage,
  type TlsOptions,
} from "./client/connection.ts";
import { TERMINAL_KEYS } from "./client/help_keys.ts";
import { TerminalDriver } from "./client/driver.ts";
import { completePath } from "./client/paths.ts";
import { SHARE_HOW } from "./client/paste.ts";
import type { Key } from "./client/keys.ts";
import { Terminal } from "./client/terminal.ts";
import { homeDir, Transfers } from "./client/transfer.ts";
import { ignoresFile, IgnoreStore } from "./client/ignores.ts";
import { completions, conversationSources } from "./core/complete.ts";
import { Conversation, type Refusal } from "./core/conversation.ts";
import { errorLine } from "./core/describe.ts";
import { checkOwnName, nameKey, nameVariant } from "./core/names.ts";
import { HELLO_TIMEOUT_MS } from "./core/link.ts";
import { movedNotice, type Moving, retryNotice, unsentOnExitText } from "./core/notices.ts";
import { sanitizeText } from "./core/sanitize.ts";
import type { ServerFrame } from "./protocol.ts";

export type { BellMode } from "./core/bell.ts";

/** Options for {@linkcode runClient}. */
export interface ClientOptions {
  /** Server host name or address. */
  hostname: string;
  /** Server TCP port. */
  port: number;
  /** Name to use; asked for when missing and the terminal is interactive. */
  name?: string;
  /** Name offered when asking, such as the OS user name. */
  suggestedName?: string;
  /** The server's password, if known; asked for when needed and interactive. */
  password?: string;
  /** Connect with TLS, trusting these CA certificates as well as the system's. */
  tls?: TlsOptions;
  /** Edit lines interactively. @default {stdin and stdout are terminals} */
  interactive?: boolean;
  /** Colour the output. @default {stdout is a terminal and NO_COLOR is unset} */
  color?: boolean;
  /** Reconnect after a drop. @default {same as interactive} */
  reconnect?: boolean;
  /** First and longest wait between reconnection attempts, in ms. @default {[1000, 30000]} */
  backoff?: [number, number];
  /**
   * Tell others the user is away after this long without a key pressed, in
   * ms (interactive only); 0 never. @default {DEFAULT_AWAY_AFTER_MS}
   */
  awayAfterMs?: number;
}

/** How long without a key pressed before the user is away by default: 15 minutes. */
export const DEFAULT_AWAY_AFTER_MS = 15 * 60_000;

/**
 * The exit code after a normal goodbye when a line of piped input was
 * refused (too long, too fast, muted, a locked room): the rest was sent.
 */
export const REFUSED_EXIT = 3;

/** How often the link and the lines waiting for the server are looked at, in milliseconds. */
const TICK_MS = 250;

/** How a connection ended: the process exits with `exit`, or the client comes back. */
type Outcome = { exit: number } | { reconnect: true } | { redial: true };

/** Sleeps `ms`, or less if `signal` aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
    if (signal.aborted) done();
  });
}

/** Prints one line on standard error as `chat: text`, the first letter in lower case. */
function fail(text: string): void {
  console.error(`chat: ${asClause(text)}`);
}

/**
 * Runs `chat join` until the user quits or the connection ends for good.
 *
 * @param options Where to connect and how to talk to the terminal.
 * @returns The process exit code: 0 after a normal goodbye, 1 on failure,
 *   {@linkcode REFUSED_EXIT} after a normal goodbye when piped input had a line refused.
 *
 * @example
 * ```ts
 * const code = await runClient({ hostname: "127.0.0.1", port: 5002, name: "ann" });
 * ```
 */
export async function runClient(options: ClientOptions): Promise<number> {
  const interactive = options.interactive ?? (Deno.stdin.isTerminal() && Deno.stdout.isTerminal());
  const open = (hostname: string, port: number) =>
    Connection.open(hostname, port, options.tls ? { tls: options.tls } : {});
  let connection: Connection;
  try {
    connection = await open(options.hostname, options.port);
  } catch (error) {
    if (!(error instanceof ConnectError)) throw error;
    fail(error.message);
    return 1;
  }
  const reconnect = options.reconnect ?? interactive;
  // Whom the user ignores is remembered per server, as its address was given.
  let warn: (message: string) => void = () => {};
  let moving: () => Moving | undefined = () => undefined;
  const ignores = new IgnoreStore(
    formatAddress(options.hostname, options.port),
    () =>
      warn(
        `Cannot remember whom you ignore in ${
          ignoresFile() ?? "a configuration folder (set HOME)"
        }: the list lasts until you leave`,
      ),
  );
  const conversation = new Conversation({
    bell: true,
    narratesReconnects: reconnect,
    // Why it was sent away is said on standard error as it ends: a terminal would show it twice.
    saysWhySentAway: interactive,
    transfers: true,
    fileHint: (number) => `· /get ${number}`,
    client: "terminal",
    shareHow: () => SHARE_HOW,
    // Leaving ends the process, and what waits with it: /quit warns as Ctrl-C does.
    warnsUnsentOnQuit: interactive,
    // So is a file on its way: the transfers start with the client, below.
    moving: () => moving(),
    // A person away from the keyboard: piped input has nobody at it.
    awayAfterMs: interactive ? options.awayAfterMs ?? DEFAULT_AWAY_AFTER_MS : 0,
    // Nor can anyone act on a hint: piped output is for the script that reads it.
    hints: interactive,
    // Tab completes the server's rooms after `/join`: a person may press it.
    asksRooms: interactive,
    ignored: await ignores.load(),
    ...interactive ? { helpKeys: TERMINAL_KEYS, compactHelp: true } : {},
  });
  const home = homeDir();
  using terminal = new Terminal({
    interactive,
    shareHow: () => conversation.shareHow,
    completer: (line) => {
      const sources = {
        ...conversationSources(conversation),
        paths: (typed: string) => completePath(typed, { home }),
      };
      const { start, options } = completions(line, line.length, sources);
      return [options, line.slice(start)];
    },
  });
  const client = new TerminalClient({
    options,
    conversation,
    terminal,
    connection,
    open,
    color: options.color ?? (Deno.stdout.isTerminal() && !Deno.noColor),
    reconnect,
    ignores,
  });
  warn = (message) => client.warn(message);
  moving = () => client.moving;
  return await client.run();
}

/** What a {@linkcode TerminalClient} drives. */
interface Parts {
  options: ClientOptions;
  conversation: Conversation;
  terminal: Terminal;
  connection: Connection;
  /** Opens a new connection to the server at `hostname` and `port`. */
  open: (hostname: string, port: number) => Promise<Connection>;
  color: boolean;
  reconnect: boolean;
  /** Where whom the user ignores is remembered. */
  ignores: IgnoreStore;
}

/** The terminal client's connections, one after another, until the user leaves. */
class TerminalClient {
  readonly #parts: Parts;
  readonly #chat: Conversation;
  readonly #terminal: Terminal;
  readonly #driver: TerminalDriver;
  readonly #backoff: Backoff;
  /** The servers to come back to: the one the client is on, then the others of its cluster. */
  readonly #failover: Failover;
  readonly #transfers: Transfers;
  /** Where the connection now open, or last open, goes. */
  #dialled: HostPort;
  #name: string | undefined;
  #password: string | undefined;
  #exitCode = 0;
  /** Lines of piped input refused (by the server or here): the exit code says so. */
  #refusals = 0;
  /** Why the client ends, said on standard error once the terminal is restored. */
  #failure: string | undefined;
  /** Whether the last `hello` was refused for now, and said so: the wait after it says no loss. */
  #refusedForNow = false;
  /** Whether the loss of the connection was said since the last welcome: later waits go on. */
  #retrying = false;
  /** The servers of the reconnection round not tried yet, after the one dialled. */
  #rest: string[] = [];
  /**
   * Whether the user was asked for a name or a password on this connection:
   * the server may have given up waiting for the `hello` meanwhile.
   */
  #asked = false;
  /** Whether the next connection carries the answer to a question of the last one, as typed. */
  #answered = false;
  /** The names the server refused this session (by {@linkcode nameKey}): never offered again. */
  readonly #refusedNames = new Set<string>();
  /**
   * Piped lines read before the server's first welcome, while a `/join` or
   * `/part` before them is on its way or while a `/send` or `/get` before them moves
   * its file: a script means them for the chat it is let into, the room it
   * enters and after the file, as a person would wait to see each (a `/send`
   * read before the welcome had no server to go to, and the end of input
   * during an upload left before the file was shared).
   */
  readonly #held: string[] = [];
  /** Piped input ended while lines were held: finish once they are sent. */
  #endHeld = false;

  constructor(parts: Parts) {
    this.#parts = parts;
    this.#chat = parts.conversation;
    this.#terminal = parts.terminal;
    this.#name = parts.options.name;
    this.#password = parts.options.password;
    this.#dialled = { hostname: parts.options.hostname, port: parts.options.port };
    this.#failover = new Failover(formatAddress(parts.options.hostname, parts.options.port));
    const [first, longest] = parts.options.backoff ?? [undefined, undefined];
    this.#backoff = new Backoff({
      ...(first === undefined ? {} : { first }),
      ...(longest === undefined ? {} : { longest }),
    });
    this.#driver = new TerminalDriver({
      chat: this.#chat,
      terminal: this.#terminal,
      connection: parts.connection,
      color: parts.color,
      onWelcome: () => this.#welcomed(),
      onTransfer: (effect) => this.#transfers.take(effect),
      status: (width) => this.#transfers.status(width),
      onIgnored: (names) => parts.ignores.save(names),
      onRefused: (text) => {
        this.#refusals++;
        fail(text);
      },
    });
    const driver = this.#driver;
    this.#transfers = new Transfers({
      chat: this.#chat,
      // Files go to and come from the web port of the server the client is on now.
      hostname: () => this.#dialled.hostname,
      caCerts: parts.options.tls?.caCerts,
      password: () => this.#password,
      apply: (effects) => driver.apply(effects),
      print: (lines) => driver.print(lines),
      changed: () => driver.updatePrompt(),
      // A piped line after a `/send` or `/get` goes once the file has moved: the
      // script's next line, or the end of its input, may count on it.
      idle: () => {
        if (!this.#terminal.interactive) driver.apply(this.#chat.settle());
        this.#release(false);
      },
    });
    this.#terminal.onLine((line) => {
      if (this.#holding()) {
        this.#held.push(line);
        return;
      }
      // Too long to send, refused at once: it stays on the input line, to cut or /send instead.
      const kept = this.#chat.oversize(line) === undefined ? undefined : line;
      this.#type(line);
      if (kept !== undefined) this.#terminal.offer(kept);
    });
    this.#terminal.onKey((key) => this.#key(key));
    // A person types: others may see it, and whoever was away by themselves is back.
    this.#terminal.onKeystroke((draft, changed) => {
      const now = performance.now();
      driver.apply(changed ? this.#chat.keystroke(now, draft) : this.#chat.input(now));
    });
    // The prompt's list of other views is cut to the width.
    this.#terminal.onResize(() => driver.updatePrompt());
    // Lines the server does not have yet would be lost: the user is told first.
    this.#terminal.onLeave((key) => {
      const stay = this.#chat.leaving(key, performance.now());
      if (stay !== undefined) driver.print([stay]);
      return stay === undefined;
    });
    this.#terminal.onEnd(() => {
      if (this.#holding()) this.#endHeld = true;
      else driver.apply(this.#terminal.interactive ? this.#chat.quit() : this.#chat.finish());
    });
  }

  /**
   * Switches views on a key: Alt+1…9 looks at view N, Ctrl+N at the next
   * one and Ctrl+P at the one before. Returns whether `key` was one of them.
   */
  #key(key: Key): boolean {
    const number = key.meta && !key.ctrl && /^[1-9]$/.test(key.name ?? "")
      ? Number(key.name)
      : undefined;
    // Alt+1…9 is the client's even before the server's welcome, not Esc and a digit.
    if (!this.#chat.welcomed) return number !== undefined;
    const step = key.ctrl && !key.meta
      ? key.name === "n" ? 1 : key.name === "p" ? -1 : undefined
      : undefined;
    if (number !== undefined) this.#driver.apply(this.#chat.switchToNumber(number));
    else if (step !== undefined) this.#driver.apply(this.#chat.switchBy(step));
    else return false;
    return true;
  }

  /** Runs connection after connection until the user leaves or the server is gone. */
  async run(): Promise<number> {
    while (true) {
      const outcome = await this.#session();
      this.#driver.connection.close();
      if ("exit" in outcome) break;
      this.#driver.updatePrompt();
      if ("redial" in outcome && await this.#redial()) continue;
      if (!await this.#reconnect()) break;
    }
    // A download cut short leaves no file behind; whom the user ignores is written down.
    await this.#transfers.stop();
    await this.#parts.ignores.settled();
    this.#terminal.close();
    if (this.#failure !== undefined) fail(this.#failure);
    // Lines the server had not confirmed when the user chose to leave anyway: dropped here,
    // though they may have reached it, and said so once, as a notice (it is what they chose,
    // not an error).
    const unsent = this.#chat.waiting;
    if (this.#terminal.interactive && unsent > 0) console.error(`-- ${unsentOnExitText(unsent)}`);
    return this.#exitCode === 0 && this.#refusals > 0 ? REFUSED_EXIT : this.#exitCode;
  }

  /** One connection's life: handshake, then frames until it ends. */
  async #session(): Promise<Outcome> {
    const connection = this.#driver.connection;
    const frames = connection.frames();
    this.#chat.opened();
    // Coming back, under the name the user has now, renames included; not over a name the
    // user has just typed, which the server stopped waiting for (see #endedEarly).
    if (this.#chat.welcomed && !this.#answered) this.#name = this.#chat.roster.me;
    this.#answered = false;
    const ticker = setInterval(
      () => this.#driver.apply(this.#chat.tick(performance.now())),
      TICK_MS,
    );
    try {
      // Speak first, so the server knows at once that this is a program, not a
      // person on nc who should be greeted; the name may take a while to type.
      await connection.send({ type: "ping", token: "start" }).catch(() => {});
      const welcomed = await this.#handshake(frames);
      if (welcomed !== true) return welcomed;
      for await (const frame of frames) this.#receive(frame);
    } finally {
      clearInterval(ticker);
      // What the client answers itself waited for this connection's answers: none will come.
      this.#driver.apply(this.#chat.closed());
    }
    return this.#afterSession();
  }

  /** Says `hello` until the server welcomes the client; else how the session ends. */
  async #handshake(frames: AsyncGenerator<ServerFrame>): Promise<true | Outcome> {
    while (true) {
      if (this.#name === undefined) {
        this.#asked = true;
        this.#name = await chooseName(this.#terminal, this.#suggestedName());
      }
      // Piped input with no name to use is a usage error; at a terminal, the user left
      // (Ctrl-C, Ctrl-D) rather than answer: a normal goodbye.
      if (this.#name === undefined) return this.#exit(this.#terminal.interactive ? 0 : 2);
      this.#driver.apply(
        this.#chat.hello(this.#name, performance.now(), { password: this.#password }),
      );
      while (!this.#chat.online && !this.#driver.refused) {
        const { value, done } = await frames.next();
        if (done) return this.#endedEarly();
        this.#receive(value);
      }
      const refusal = this.#driver.takeRefusal();
      if (refusal === undefined) {
        this.#asked = false;
        return true;
      }
      const asked = await this.#answer(refusal);
      if (asked !== undefined) return asked;
    }
  }

  /** Deals with a refused `hello`: asks again (returns nothing), or ends. */
  async #answer(refusal: Refusal): Promise<Outcome | undefined> {
    const { about, code, message } = refusal;
    const interactive = this.#terminal.interactive;
    // Refused for now (a cluster cut off from NATS cannot check names; coming back, the name
    // is still held for a connection of this client's that the server has not seen end): said,
    // and tried again after the usual wait, as a lost connection is, asking the user nothing.
    if (refusal.later && this.#parts.reconnect && !this.#chat.quitting) {
      this.#driver.print([errorLine(message)]);
      this.#refusedForNow = true;
      return { reconnect: true };
    }
    if (about === "password") {
      if (!interactive) {
        const hint = this.#password === undefined
          ? "; set CHAT_PASSWORD or use --password-file"
          : "";
        return this.#exit(1, `${message}${hint}`);
      }
      // Said with the question: printed above the input line, it would bring back the
      // prompt of an input line, left before the question.
      const said = code === "password_wrong" ? this.#driver.draw([errorLine(message)]) : [];
      this.#asked = true;
      this.#password = await this.#terminal.askSecret([...said, "Password: "].join("\n"));
      // No answer: the user left (Ctrl-C, Ctrl-D), a normal goodbye.
      return this.#password === undefined ? this.#exit(0) : undefined;
    }
    if (interactive && about === "name") {
      this.#driver.print([errorLine(message)]);
      if (this.#name !== undefined) this.#refusedNames.add(nameKey(this.#name));
      this.#name = undefined;
      return undefined;
    }
    return this.#exit(1, message);
  }

  /**
   * The name the question offers: coming back, the name the session held
   * (`--name bob`, or a `/nick` since); at the start, the user's own on this
   * machine. Once the server refused it (someone took it while the client
   * was away, say), a variant of it neither refused nor known to be
   * someone's, if there is one. None for a user name the rules of names
   * refuse (`root`, reserved; one with a space): every server would refuse
   * it too.
   */
  #suggestedName(): string | undefined {
    const held = this.#chat.welcomed ? this.#chat.roster.me : undefined;
    const suggested = [held, this.#parts.options.suggestedName].find((name) =>
      name !== undefined && checkOwnName(name) === undefined
    );
    if (suggested === undefined) return undefined;
    const refused = (name: string) => this.#refusedNames.has(nameKey(name));
    if (!refused(suggested)) return suggested;
    return nameVariant(
      suggested,
      (name) => refused(name) || this.#chat.roster.known(name) !== undefined,
    );
  }

  /** The connection ended before the server welcomed the client. */
  #endedEarly(): Outcome {
    // A person takes their time to answer; a server waits for a program's `hello` only
    // seconds, and may have closed the connection meanwhile: the answer goes on a new one.
    if (this.#asked && !this.#chat.quitting) {
      this.#asked = false;
      this.#answered = true;
      return { redial: true };
    }
    if (this.#chat.welcomed && this.#parts.reconnect && !this.#chat.quitting) {
      return { reconnect: true };
    }
    // The user left while the client was coming back: a normal goodbye, whatever the server did.
    if (this.#chat.welcomed && this.#driver.leaving.aborted) return this.#exit(0);
    const bye = this.#chat.bye;
    const { hostname, port, tls } = this.#parts.options;
    const otherPort = otherPortMessage(
      this.#driver.connection,
      { hostname, port, tls: tls !== undefined },
      "join",
    );
    return this.#exit(
      1,
      bye !== undefined
        ? sanitizeText(bye.reason)
        : this.#driver.unanswered
        ? `the server did not answer within ${HELLO_TIMEOUT_MS / 1000} s`
        : otherPort !== undefined
        ? otherPort
        : tls === undefined
        ? "the server closed the connection without a word (if it uses TLS, add --tls)"
        : "the server closed the connection",
    );
  }

  /**
   * How a session that was welcomed ends: the goodbye the user asked for is
   * a normal one; being sent away for good (a kick, a ban) is not.
   */
  #afterSession(): Outcome {
    const bye = this.#chat.bye;
    if (this.#chat.quitting) return this.#exit(0);
    if (bye !== undefined && !bye.retry) return this.#exit(1, sanitizeText(bye.reason));
    if (this.#parts.reconnect) return { reconnect: true };
    // Piped: the server went away before the input was all said, so the job is not done.
    const waiting = this.#chat.waiting;
    const lost = waiting === 0
      ? ""
      : `; ${waiting} ${waiting === 1 ? "line" : "lines"} may not have reached it`;
    if (bye !== undefined) return this.#exit(1, `${sanitizeText(bye.reason)}${lost}`);
    return this.#exit(1, `the connection to the server was lost${lost}`);
  }

  /** The file on its way to or from the server now, if any. */
  get moving(): Moving | undefined {
    return this.#transfers.moving;
  }

  /**
   * Says `message`, a trouble of the client's own that stops nothing, as an
   * error line above the input line; with piped input on standard error, not
   * as a line refused: the exit code does not count it.
   */
  warn(message: string): void {
    if (this.#terminal.interactive) this.#driver.print([errorLine(message)]);
    else fail(message);
  }

  /** Ends with exit code `code`, saying `failure` on standard error once the terminal is restored. */
  #exit(code: number, failure?: string): Outcome {
    this.#exitCode = code;
    this.#failure = failure;
    return { exit: code };
  }

  /**
   * The server welcomed the client: the backoff may start again, and the
   * servers of its welcome are where to go if it goes away. Says so when it
   * is another server than the one the client was on.
   */
  #welcomed(): void {
    this.#retrying = false;
    this.#backoff.welcomed(performance.now());
    const address = formatAddress(this.#dialled.hostname, this.#dialled.port);
    const before = this.#failover.current;
    this.#failover.welcomed(address, this.#chat.servers);
    if (address !== before) this.#driver.print([movedNotice(address, before)]);
    // Piped lines wait for the rooms' history the welcome brings: `/get 3` means the file shown as 3.
    if (!this.#terminal.interactive) this.#driver.apply(this.#chat.settle());
  }

  /**
   * Connects again at once to the server last dialled, without a word: the
   * user answered a question after it had closed the connection. False when
   * it cannot be reached, and the usual waits between attempts follow.
   */
  async #redial(): Promise<boolean> {
    const { hostname, port } = this.#dialled;
    try {
      this.#driver.connection = await this.#parts.open(hostname, port);
      return true;
    } catch (error) {
      if (!(error instanceof ConnectError)) throw error;
      return false;
    }
  }

  /**
   * Waits, then tries the server the client was on and, if it does not
   * answer, at once each other server of its cluster; backs off after each
   * round that failed. `false` if the user left meanwhile.
   */
  async #reconnect(): Promise<boolean> {
    // The server took the connection and never answered (a process stopped, a machine
    // stalled: its system still accepts connections): the rest of the round, at once.
    if (this.#driver.unanswered && await this.#tryEach(this.#rest)) return true;
    while (true) {
      const delay = this.#backoff.next(performance.now());
      // The connection was lost once: the waits after the first say the client is still trying.
      // After a goodbye that invites the client back (a server restarting), nothing was lost.
      // After a hello refused for now, the refusal was said: the server answered.
      const invited = this.#chat.bye?.retry === true || this.#refusedForNow;
      this.#driver.print([retryNotice(delay, this.#retrying && !this.#refusedForNow, invited)]);
      this.#refusedForNow = false;
      this.#retrying = true;
      await sleep(delay, this.#driver.leaving);
      if (await this.#tryEach(this.#failover.round())) return true;
      if (this.#chat.quitting) return false;
    }
  }

  /**
   * Connects to the first of `addresses` that takes the connection, keeping
   * those after it as the rest of the round; `false` if none does, or the
   * user left.
   */
  async #tryEach(addresses: readonly string[]): Promise<boolean> {
    const left = [...addresses];
    this.#rest = [];
    while (left.length > 0 && !this.#chat.quitting) {
      const where = parseAddress(left.shift()!);
      if (where === undefined) continue;
      try {
        this.#driver.connection = await this.#parts.open(where.hostname, where.port);
        this.#dialled = where;
        this.#rest = left;
        return true;
      } catch (error) {
        if (!(error instanceof ConnectError)) throw error;
      }
    }
    return false;
  }

  #receive(frame: ServerFrame): void {
    this.#driver.apply(this.#chat.receive(frame, performance.now()));
    // A join refused lets the lines after it go where the script is, rather than wait forever.
    // What answers a line before the `/join` comes before the pong sent ahead of it, and a
    // refused message carries its `cid`: neither is the join's.
    const joinRefused = frame.type === "error" && frame.cid === undefined &&
      frame.code !== "rate_limited" && !this.#chat.settling;
    this.#release(joinRefused);
  }

  /**
   * Types `line`. Piped, a `/join` goes after a ping, so that an error that
   * comes once its pong is back is the join's, not a refusal of a line before;
   * a `/part` goes before one, so that the lines after it wait until the
   * script is out of the room, and go where it then is. Piped lines after a
   * `/quit` go nowhere.
   */
  #type(line: string): void {
    const piped = !this.#terminal.interactive;
    // A script's `/quit` is its last word: the lines after it are not sent, nor refused.
    if (piped && this.#chat.quitting) return;
    if (piped && this.#chat.wouldEnter(line)) this.#driver.apply(this.#chat.settle());
    const parting = piped && this.#chat.wouldPart(line);
    this.#driver.apply(this.#chat.type(line, performance.now()));
    if (parting) this.#driver.apply(this.#chat.settle());
  }

  /** Whether a piped line must wait for the welcome, a `/join` or a file moving before it. */
  #holding(): boolean {
    return !this.#terminal.interactive &&
      (this.#held.length > 0 || !this.#chat.welcomed || this.#chat.settling ||
        this.#chat.entering !== undefined || this.#transfers.busy);
  }

  /**
   * Sends the held lines once the welcome came, their `/join` is answered (or
   * `refused`) and the file before them moved, in order; then, if piped
   * input ended, finishes.
   */
  #release(refused: boolean): void {
    if (this.#held.length === 0 && !this.#endHeld) return;
    if (!refused && this.#chat.entering !== undefined) return;
    if (refused) this.#chat.forgetEntering();
    if (!this.#chat.welcomed) return;
    while (
      this.#held.length > 0 && this.#chat.entering === undefined && !this.#chat.settling &&
      !this.#transfers.busy
    ) {
      this.#type(this.#held.shift()!);
    }
    if (this.#held.length === 0 && this.#endHeld && !this.#chat.settling && !this.#transfers.busy) {
      this.#endHeld = false;
      this.#driver.apply(this.#chat.finish());
    }
  }
}

/** Asks for a name until one is given; `undefined` if input ends. */
async function chooseName(terminal: Terminal, suggestion: string | undefined) {
  if (!terminal.interactive) {
    if (suggestion === undefined) console.error("chat: no name given; pass --name NAME");
    return suggestion;
  }
  while (true) {
    const hint = suggestion === undefined ? "" : ` [${suggestion}]`;
    const answer = await terminal.ask(`Your name${hint}: `);
    if (answer === undefined) return undefined;
    const name = answer.trim() || suggestion || "";
    if (name !== "") return name;
  }
}
