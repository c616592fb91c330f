/**
 * `chat join`: connects, picks a name, then pumps frames between the server
 * and the terminal. When the connection drops it reconnects by itself with
 * backoff, takes its name back, returns to its room and fetches exactly the
 * messages it missed.
 *
 * @module
 */

import { parseInput } from "./core/commands.ts";
import { Delivery, MAX_PENDING } from "./core/delivery.ts";
import { SILENCE_LIMIT_MS } from "./core/link.ts";
import { ConnectError, Connection, type TlsOptions } from "./client/connection.ts";
import { renderFrame } from "./client/render.ts";
import { ClientState, LOCAL_HELP } from "./client/state.ts";
import { Terminal } from "./client/terminal.ts";
import {
  type ClientFrame,
  type HelloFrame,
  PROTOCOL_VERSION,
  type ServerFrame,
} from "./protocol.ts";
import { sanitizeText } from "./core/sanitize.ts";

export type { BellMode } from "./client/state.ts";

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
}

/** How long the server may take to answer a hello before the connection counts as dead. */
const HELLO_TIMEOUT_MS = 15_000;

/** How long a connection must last for the next reconnection to start at the first delay. */
const SETTLED_MS = 10_000;

/** How often the link and the lines waiting for the server are looked at, in milliseconds. */
const TICK_MS = 250;

type Outcome = { exit: number } | { reconnect: true };

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

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * Runs `chat join` until the user quits or the connection ends for good.
 *
 * @param options Where to connect and how to talk to the terminal.
 * @returns The process exit code: 0 after a normal goodbye, 1 on failure.
 *
 * @example
 * ```ts
 * const code = await runClient({ hostname: "127.0.0.1", port: 5002, name: "ann" });
 * ```
 */
export async function runClient(options: ClientOptions): Promise<number> {
  const interactive = options.interactive ?? (Deno.stdin.isTerminal() && Deno.stdout.isTerminal());
  const color = options.color ?? (Deno.stdout.isTerminal() && !Deno.noColor);
  const reconnect = options.reconnect ?? interactive;
  const [firstDelay, longestDelay] = options.backoff ?? [1000, 30_000];
  const open = () =>
    Connection.open(options.hostname, options.port, options.tls ? { tls: options.tls } : {});
  let connection: Connection;
  try {
    connection = await open();
  } catch (error) {
    if (!(error instanceof ConnectError)) throw error;
    console.error(`chat: ${lowerFirst(error.message)}`);
    return 1;
  }
  const state = new ClientState();
  using terminal = new Terminal({ interactive, completer: state.complete });
  const ended = new AbortController();
  let name = options.name;
  let password = options.password;
  let online = false;
  let everOnline = false;
  /** When the current connection was welcomed, from `performance.now()`. */
  let welcomedAt: number | undefined;
  // Every line typed, from the keyboard until the server has answered it.
  const delivery = new Delivery();

  const print = (frame: ServerFrame) => {
    const lines = renderFrame(frame, { me: state.me, color });
    if (frame.type === "help") {
      lines.push(...LOCAL_HELP.map((line) => line.replace("{bell}", state.bell)));
    }
    terminal.print(lines);
    if (state.rings(frame)) terminal.bell();
  };
  const notice = (text: string) =>
    terminal.print([color ? `\x1b[2m-- ${text}\x1b[22m` : `-- ${text}`]);
  let shownPrompt = "";
  const prompt = () => {
    const unsent = delivery.unsent(performance.now());
    return `${online ? "" : "(offline) "}${sanitizeText(state.room)}${
      unsent === 0 ? "" : ` (${unsent} unsent)`
    }> `;
  };
  const setPrompt = () => {
    if (!interactive) return;
    shownPrompt = prompt();
    terminal.setPrompt(shownPrompt);
  };
  /** Redraws the prompt if what it says has changed, as lines wait or are answered. */
  const updatePrompt = () => {
    if (interactive && prompt() !== shownPrompt) setPrompt();
  };

  // Sends are chained so lines reach the server in the order they were typed.
  let sending: Promise<void> = Promise.resolve();
  const send = (frame: ClientFrame) => {
    const current = connection;
    sending = sending.then(() => current.send(frame)).catch(() => {});
    return sending;
  };
  /** The token of the ping whose pong means every piped line was handled. */
  let finishToken: string | undefined;

  const quit = () => {
    if (state.quitting) return;
    state.quitting = true;
    ended.abort();
    if (!online) {
      connection.close();
      return;
    }
    void send({ type: "quit" });
    // The server answers with bye and closes; do not wait for it forever.
    const timer = setTimeout(() => connection.close(), 2_000);
    Deno.unrefTimer(timer);
  };

  terminal.onLine((line) => {
    const text = line.trim();
    if (text === "") return;
    if (/^\/bell(\s|$)/i.test(text)) {
      const mode = text.split(/\s+/)[1]?.toLowerCase();
      if (mode === "on" || mode === "off" || mode === "mentions") state.bell = mode;
      else if (mode !== undefined) return terminal.print(["!! Usage: /bell on|off|mentions"]);
      return notice(`Bell: ${state.bell}`);
    }
    const parsed = parseInput(text);
    if (parsed.ok && parsed.frame.type === "quit") {
      if (!online) return quit();
      state.quitting = true;
      ended.abort();
      void send(parsed.frame);
      return;
    }
    const typed = delivery.type(line, performance.now());
    if (typed === undefined) {
      return terminal.print([
        `!! Cannot send: ${MAX_PENDING} lines are waiting for the server already; this one was not kept`,
      ]);
    }
    for (const frame of typed.send) void send(frame);
    // Before the first welcome (a name being chosen, or piped input arriving
    // early), lines simply wait; after a drop, the user is told.
    if (!online && everOnline) {
      notice("Not connected: this will be sent when the connection is back");
    }
    updatePrompt();
  });

  // End of piped input: once online, wait until the server has handled every
  // line (a ping's pong comes after them), then leave.
  let inputEnded = false;
  const finishInput = () => {
    // Lines held back until a replay ends go first.
    if (!delivery.online || finishToken !== undefined) return;
    finishToken = crypto.randomUUID();
    void send({ type: "ping", token: finishToken });
  };
  terminal.onEnd(() => {
    if (interactive) return quit();
    inputEnded = true;
    if (online) finishInput();
  });

  /** One connection's life: handshake, then frames until it ends. */
  const session = async (first: boolean): Promise<Outcome> => {
    const frames = connection.frames();
    // Speak first, so the server knows at once that this is a program, not a
    // person on nc who should be greeted; the name may take a while to type.
    await connection.send({ type: "ping", token: "start" }).catch(() => {});
    while (true) {
      if (name === undefined) {
        name = await chooseName(terminal, options.suggestedName);
        if (name === undefined) return { exit: 1 };
      }
      const hello: HelloFrame = { type: "hello", version: PROTOCOL_VERSION, name };
      if (password !== undefined) hello.password = password;
      if (!first) {
        if (state.resume !== undefined) hello.resume = state.resume;
        hello.room = state.room;
        if (state.lastId !== undefined) hello.since = state.lastId;
      }
      await connection.send(hello).catch(() => {});
      // A server that took the connection but never answers (a frozen link, a
      // stopped process) must not keep the client waiting for ever.
      let unanswered = false;
      const current = connection;
      const timer = setTimeout(() => {
        unanswered = true;
        current.close();
      }, HELLO_TIMEOUT_MS);
      const answer = await handshake(frames, state).finally(() => clearTimeout(timer));
      if (answer.type === "ended") {
        if (!first && reconnect && !state.quitting) return { reconnect: true };
        console.error(
          state.bye
            ? `chat: ${lowerFirst(sanitizeText(state.bye.reason))}`
            : unanswered
            ? `chat: the server did not answer within ${HELLO_TIMEOUT_MS / 1000} s`
            : options.tls === undefined
            ? "chat: the server closed the connection without a word (if it uses TLS, add --tls)"
            : "chat: the server closed the connection",
        );
        return { exit: 1 };
      }
      if (answer.type === "welcome") {
        online = true;
        welcomedAt = performance.now();
        everOnline = true;
        if (first) print(answer.frame);
        else notice(`Reconnected as ${sanitizeText(answer.frame.name)}`);
        break;
      }
      const { code, message } = answer.frame;
      const text = sanitizeText(message);
      if (code === "password_required" || code === "password_wrong") {
        if (!interactive) {
          console.error(
            `chat: ${lowerFirst(text)}${
              password === undefined ? "; set CHAT_PASSWORD or use --password-file" : ""
            }`,
          );
          return { exit: 1 };
        }
        if (code === "password_wrong") terminal.print([`!! ${text}`]);
        password = await terminal.askSecret("Password: ");
        if (password === undefined) return { exit: 1 };
        continue;
      }
      if (interactive && (code === "name_taken" || code === "name_invalid")) {
        terminal.print([`!! ${text}`]);
        name = undefined;
        continue;
      }
      console.error(`chat: ${lowerFirst(text)}`);
      return { exit: 1 };
    }
    for (const frame of delivery.connected(performance.now())) void send(frame);
    setPrompt();
    if (inputEnded) finishInput();
    const watchdog = watch(connection, state, {
      ping: () => send({ type: "ping", token: "heartbeat" }),
      tick: () => {
        const advice = delivery.tick(performance.now());
        if (advice === "dead") {
          notice(`No answer from the server for ${SILENCE_LIMIT_MS / 1000} s`);
          connection.close();
        } else if (advice !== undefined) void send(advice);
        updatePrompt();
      },
    });
    try {
      for await (const frame of frames) {
        watchdog.heard();
        state.track(frame);
        const received = delivery.receive(frame, state.me, performance.now());
        for (const resend of received.send) void send(resend);
        if (received.answered !== undefined || received.handled.length > 0) updatePrompt();
        // The server's answer to a line sent again: it was shown when it first came.
        if (received.repeat) continue;
        if (frame.type === "ping") {
          void send(
            frame.token === undefined ? { type: "pong" } : { type: "pong", token: frame.token },
          );
          continue;
        }
        if (frame.type === "pong") {
          if (frame.token !== undefined && frame.token === finishToken) quit();
          else if (inputEnded) finishInput();
          continue;
        }
        if (frame.type === "bye" && frame.retry && reconnect && !state.quitting) {
          notice(`The server says: ${sanitizeText(frame.reason)}`);
          continue;
        }
        print(frame);
        if (frame.type === "room" || frame.type === "renamed") setPrompt();
      }
    } finally {
      watchdog.stop();
      online = false;
      delivery.disconnected();
    }
    if (state.quitting) return { exit: 0 };
    if (state.bye !== undefined && !state.bye.retry) return { exit: 0 };
    if (!reconnect) {
      if (state.bye !== undefined) return { exit: 0 };
      const waiting = delivery.size;
      console.error(
        `chat: the connection to the server was lost${
          waiting === 0
            ? ""
            : `; ${waiting} ${waiting === 1 ? "line" : "lines"} may not have reached it`
        }`,
      );
      return { exit: 1 };
    }
    return { reconnect: true };
  };

  let first = true;
  // Failed attempts in a row; a connection that lasted counts as a success.
  let failures = 0;
  while (true) {
    welcomedAt = undefined;
    const outcome = await session(first);
    connection.close();
    if ("exit" in outcome) {
      terminal.close();
      return outcome.exit;
    }
    first = false;
    state.bye = undefined;
    setPrompt();
    // A connection dropped soon after its welcome (the server full, or this
    // client too slow for it) is a failure too: back off, do not hammer it.
    if (welcomedAt !== undefined && performance.now() - welcomedAt >= SETTLED_MS) failures = 0;
    // Back off exponentially, with jitter so a room of clients does not return at once.
    while (true) {
      const base = Math.min(longestDelay, firstDelay * 2 ** Math.min(failures++, 16));
      const delay = Math.round(base * (0.8 + Math.random() * 0.4));
      notice(`Connection lost. Reconnecting in ${Math.max(1, Math.round(delay / 1000))} s…`);
      await sleep(delay, ended.signal);
      if (state.quitting) {
        terminal.close();
        return 0;
      }
      try {
        connection = await open();
        break;
      } catch (error) {
        if (!(error instanceof ConnectError)) throw error;
      }
    }
  }
}

type HandshakeAnswer =
  | { type: "welcome"; frame: Extract<ServerFrame, { type: "welcome" }> }
  | { type: "error"; frame: Extract<ServerFrame, { type: "error" }> }
  | { type: "ended" };

/** Reads frames until the answer to a `hello`. */
async function handshake(
  frames: AsyncGenerator<ServerFrame>,
  state: ClientState,
): Promise<HandshakeAnswer> {
  while (true) {
    const { value: frame, done } = await frames.next();
    if (done) return { type: "ended" };
    state.track(frame);
    if (frame.type === "welcome") return { type: "welcome", frame };
    if (frame.type === "error") return { type: "error", frame };
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

/** What {@linkcode watch} calls. */
interface WatchActions {
  /** Sends the heartbeat ping. */
  ping: () => void;
  /** Runs every {@linkcode TICK_MS}: looks after the lines waiting for the server. */
  tick: () => void;
}

/**
 * Watches a connection for silence: pings the server when it has been quiet
 * for a third of the heartbeat, and closes the connection when it has been
 * quiet for longer than the heartbeat, so a dead link is noticed even when
 * nothing was typed. A line left unanswered gets it noticed sooner (`tick`).
 */
function watch(connection: Connection, state: ClientState, actions: WatchActions) {
  let last = performance.now();
  let pinged = false;
  const timer = setInterval(() => {
    const quiet = performance.now() - last;
    const limit = state.heartbeat * 1000;
    if (quiet > limit + 5_000) return connection.close();
    if (quiet > limit / 3 && !pinged) {
      pinged = true;
      actions.ping();
    }
    actions.tick();
  }, TICK_MS);
  return {
    heard() {
      last = performance.now();
      pinged = false;
    },
    stop() {
      clearInterval(timer);
    },
  };
}
