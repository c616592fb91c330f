/**
 * `chat join`: connects, picks a name, then pumps frames between the server
 * and the terminal.
 *
 * @module
 */

import { COMMAND_NAMES, parseInput } from "./commands.ts";
import { ConnectError, Connection } from "./client/connection.ts";
import { isMention, renderFrame } from "./client/render.ts";
import { type Completer, Terminal } from "./client/terminal.ts";
import { LOBBY, nameKey, PROTOCOL_VERSION, type ServerFrame } from "./protocol.ts";
import { sanitizeText } from "./sanitize.ts";

/** When the client rings the terminal bell. */
export type BellMode = "on" | "off" | "mentions";

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
  /** Edit lines interactively. @default {stdin and stdout are terminals} */
  interactive?: boolean;
  /** Colour the output. @default {stdout is a terminal and NO_COLOR is unset} */
  color?: boolean;
}

const LOCAL_HELP = [
  "  /bell on|off|mentions  when to ring the terminal bell (now: {bell})",
];

/** Everything the client knows about the conversation. */
class ClientState {
  me = "";
  room = LOBBY;
  bell: BellMode = "mentions";
  /** Names in the current room, by case-folded key. */
  readonly members = new Map<string, string>();
  quitting = false;
  sawBye = false;

  complete: Completer = (line) => {
    const word = line.slice(line.lastIndexOf(" ") + 1);
    if (word.startsWith("/") && word === line) {
      const commands = [...COMMAND_NAMES, "bell"].map((name) => `/${name} `);
      const hits = commands.filter((command) => command.startsWith(word.toLowerCase()));
      return [hits, word];
    }
    const prefix = nameKey(word.replace(/^@/, ""));
    const at = word.startsWith("@") ? "@" : "";
    const suffix = word === line ? ": " : " ";
    const hits = [...this.members.values()]
      .filter((name) => nameKey(name).startsWith(prefix) && nameKey(name) !== nameKey(this.me))
      .sort()
      .map((name) => `${at}${name}${suffix}`);
    return [hits, word];
  };

  /** Updates names and room from a frame. */
  track(frame: ServerFrame): void {
    switch (frame.type) {
      case "welcome":
        this.me = frame.name;
        break;
      case "room":
        this.room = frame.room;
        this.members.clear();
        for (const name of frame.members) this.members.set(nameKey(name), name);
        break;
      case "who":
        if (frame.room !== this.room) break;
        for (const name of frame.members) this.members.set(nameKey(name), name);
        break;
      case "joined":
        if (frame.room === this.room) this.members.set(nameKey(frame.name), frame.name);
        break;
      case "left":
        if (frame.room === this.room) this.members.delete(nameKey(frame.name));
        break;
      case "renamed":
        if (frame.room === this.room) {
          this.members.delete(nameKey(frame.from));
          this.members.set(nameKey(frame.to), frame.to);
        }
        if (nameKey(frame.from) === nameKey(this.me)) this.me = frame.to;
        break;
      case "message":
        if (frame.room === this.room) this.members.set(nameKey(frame.from), frame.from);
        break;
      case "bye":
        this.sawBye = true;
        break;
      default:
        break;
    }
  }

  /** Whether `frame` should ring the bell under the current mode. */
  rings(frame: ServerFrame): boolean {
    if (this.bell === "off") return false;
    if (this.bell === "on" && frame.type === "message" && !frame.replay) {
      return nameKey(frame.from) !== nameKey(this.me);
    }
    return isMention(frame, this.me);
  }
}

/**
 * Runs `chat join` until the user quits or the connection ends.
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
  let connection: Connection;
  try {
    connection = await Connection.open(options.hostname, options.port);
  } catch (error) {
    if (!(error instanceof ConnectError)) throw error;
    console.error(`chat: ${error.message.charAt(0).toLowerCase()}${error.message.slice(1)}`);
    return 1;
  }
  using _connection = connection;
  const state = new ClientState();
  using terminal = new Terminal({ interactive, completer: state.complete });
  const frames = connection.frames();
  // Speak first, so the server knows at once that this is a program, not a
  // person on nc who should be greeted; the name may take a while to type.
  await connection.send({ type: "ping", token: "start" }).catch(() => {});

  const welcome = await chooseName(connection, frames, terminal, state, options);
  if (welcome === undefined) return 1;

  const print = (frame: ServerFrame) => {
    const lines = renderFrame(frame, { me: state.me, color });
    if (frame.type === "help") {
      lines.push(...LOCAL_HELP.map((line) => line.replace("{bell}", state.bell)));
    }
    terminal.print(lines);
    if (state.rings(frame)) terminal.bell();
  };
  const setPrompt = () => terminal.setPrompt(`${sanitizeText(state.room)}> `);
  print(welcome);

  // Sends are chained so lines reach the server in the order they were typed.
  let sending: Promise<void> = Promise.resolve();
  const send = (frame: Parameters<Connection["send"]>[0]) => {
    sending = sending.then(() => connection.send(frame)).catch(() => {});
    return sending;
  };
  let pongWaiter: ((token: string | undefined) => void) | undefined;

  const quit = async () => {
    if (state.quitting) return;
    state.quitting = true;
    await send({ type: "quit" });
    // The server answers with bye and closes; do not wait for it forever.
    setTimeout(() => connection.close(), 2_000).unref?.();
  };

  terminal.onLine((line) => {
    const text = line.trim();
    if (text === "") return;
    if (/^\/bell(\s|$)/i.test(text)) {
      const mode = text.split(/\s+/)[1]?.toLowerCase();
      if (mode === "on" || mode === "off" || mode === "mentions") state.bell = mode;
      else if (mode !== undefined) return terminal.print(["!! Usage: /bell on|off|mentions"]);
      return terminal.print([`-- Bell: ${state.bell}`]);
    }
    const parsed = parseInput(text);
    if (parsed.ok && parsed.frame.type === "quit") {
      state.quitting = true;
      void send(parsed.frame);
      return;
    }
    void send({ type: "say", text: line });
  });

  terminal.onEnd(() => {
    if (interactive) {
      void quit();
      return;
    }
    // End of piped input: wait until the server has handled every line, then leave.
    const token = crypto.randomUUID();
    new Promise<string | undefined>((resolve) => pongWaiter = resolve).then(() => quit());
    void send({ type: "ping", token });
  });

  for await (const frame of frames) {
    state.track(frame);
    if (frame.type === "pong") {
      pongWaiter?.(frame.token);
      continue;
    }
    print(frame);
    if (frame.type === "room" || frame.type === "renamed") setPrompt();
  }
  terminal.close();
  if (state.quitting || state.sawBye) return 0;
  console.error("chat: the connection to the server was lost");
  return 1;
}

async function chooseName(
  connection: Connection,
  frames: AsyncGenerator<ServerFrame>,
  terminal: Terminal,
  state: ClientState,
  options: ClientOptions,
): Promise<ServerFrame | undefined> {
  let name = options.name;
  while (true) {
    if (name === undefined) {
      const suggestion = options.suggestedName;
      if (!terminal.interactive) {
        if (suggestion === undefined) {
          console.error("chat: no name given; pass --name NAME");
          return undefined;
        }
        name = suggestion;
      } else {
        const hint = suggestion === undefined ? "" : ` [${suggestion}]`;
        const answer = await terminal.ask(`Your name${hint}: `);
        if (answer === undefined) return undefined;
        name = answer.trim() || suggestion || "";
        if (name === "") continue;
      }
    }
    await connection.send({ type: "hello", version: PROTOCOL_VERSION, name });
    while (true) {
      const { value: frame, done } = await frames.next();
      if (done) {
        console.error("chat: the server closed the connection");
        return undefined;
      }
      state.track(frame);
      if (frame.type === "welcome") return frame;
      if (frame.type === "error") {
        const message = sanitizeText(frame.message);
        if (
          !terminal.interactive || (frame.code !== "name_taken" && frame.code !== "name_invalid")
        ) {
          console.error(`chat: ${message}`);
          return undefined;
        }
        terminal.print([message]);
        name = undefined;
        break;
      }
      if (frame.type === "bye") {
        console.error(`chat: ${sanitizeText(frame.reason)}`);
        return undefined;
      }
    }
  }
}
