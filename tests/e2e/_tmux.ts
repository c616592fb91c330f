/**
 * Drives programs through tmux as a person would: start them in a detached
 * session of a private tmux server, type, press keys and read the screen.
 * Every wait polls the screen against a deadline; nothing sleeps blindly.
 * Also builds the command line that runs the real `chat join`.
 *
 * @module
 */

import config from "../../deno.json" with { type: "json" };

const decoder = new TextDecoder();

/** How often {@linkcode Tmux.waitForScreen} looks at the screen, in milliseconds. */
export const POLL_MS = 50;

/** The output of `tmux -V`, or `undefined` when tmux cannot be run. */
export const TMUX_VERSION: string | undefined = (() => {
  try {
    const { success, stdout } = new Deno.Command("tmux", { args: ["-V"], stderr: "null" })
      .outputSync();
    return success ? decoder.decode(stdout).trim() : undefined;
  } catch {
    return undefined;
  }
})();

/** Quotes `text` as one word for `sh`. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** One character cell of the screen and the SGR attributes it is drawn with. */
export interface Cell {
  /** The character shown. */
  char: string;
  /** Foreground colour as SGR parameters (`"31"`, `"38;5;71"`), or `undefined` for the default. */
  fg: string | undefined;
  /** Background colour as SGR parameters, or `undefined` for the default. */
  bg: string | undefined;
  /** Other SGR attributes that are on: 1 bold, 2 dim, 3 italic, 4 underline, 7 inverse… */
  attrs: ReadonlySet<number>;
}

/** What a pane shows at one moment. */
export interface Screen {
  /** The visible rows as plain text, trailing spaces removed. */
  lines: string[];
  /** The same rows cell by cell, with their colours and attributes. */
  cells: Cell[][];
  /** The cursor, zero-based. */
  cursor: { x: number; y: number };
  /** The row the cursor is on: the input line of an interactive program. */
  cursorLine: string;
  /** The rows joined with newlines, for messages. */
  text: string;
  /**
   * The exit status once the program in the pane has ended, else `undefined`;
   * 128 plus the signal's number if a signal ended it, as a shell says; 0
   * when tmux saw the program end only as its terminal closed, without its status.
   */
  exitStatus: number | undefined;
  /** The signal that ended the program in the pane, if one did. */
  exitSignal: number | undefined;
}

/** Options for {@linkcode Tmux.newSession}. */
export interface SessionOptions {
  /** Columns. @default {100} */
  width?: number;
  /** Rows. @default {30} */
  height?: number;
  /** Variables added to the session's environment. */
  env?: Record<string, string>;
  /** Working directory of the command. */
  cwd?: string;
}

// ESC [ params final, ESC ] … BEL/ST, or any other two-byte escape.
// deno-lint-ignore no-control-regex
const ESCAPE = /\x1b\[([0-9;:?]*)([\x40-\x7e])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[\x20-\x7e]/y;

/**
 * Parses `capture-pane -e` output into cells. tmux emits an attribute only
 * where it changes, so the state carries over from one row to the next.
 */
export function parseStyled(captured: string): Cell[][] {
  let fg: string | undefined;
  let bg: string | undefined;
  let attrs = new Set<number>();
  const rows: Cell[][] = [[]];
  const sgr = (params: number[]) => {
    for (let i = 0; i < params.length; i++) {
      const p = params[i]!;
      if (p === 0) {
        fg = bg = undefined;
        attrs = new Set();
      } else if ((p >= 30 && p <= 37) || (p >= 90 && p <= 97)) fg = String(p);
      else if ((p >= 40 && p <= 47) || (p >= 100 && p <= 107)) bg = String(p);
      else if (p === 39) fg = undefined;
      else if (p === 49) bg = undefined;
      else if (p === 38 || p === 48) {
        const width = params[i + 1] === 5 ? 2 : params[i + 1] === 2 ? 4 : 0;
        const colour = params.slice(i, i + 1 + width).join(";");
        if (p === 38) fg = colour;
        else bg = colour;
        i += width;
      } else if (p === 22) attrs = new Set([...attrs].filter((a) => a !== 1 && a !== 2));
      else if (p >= 23 && p <= 29) attrs = new Set([...attrs].filter((a) => a !== p - 20));
      else attrs = new Set([...attrs, p]);
    }
  };
  let index = 0;
  while (index < captured.length) {
    ESCAPE.lastIndex = index;
    const escape = ESCAPE.exec(captured);
    if (escape) {
      if (escape[2] === "m") sgr((escape[1] || "0").split(/[;:]/).map(Number));
      index = ESCAPE.lastIndex;
      continue;
    }
    const char = String.fromCodePoint(captured.codePointAt(index)!);
    index += char.length;
    if (char === "\n") rows.push([]);
    else rows.at(-1)!.push({ char, fg, bg, attrs });
  }
  return rows;
}

/** Polls `probe` every {@linkcode POLL_MS} until `predicate` holds, or throws after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T>,
  predicate: (value: T) => boolean,
  timeoutMs: number,
  describe: (last: T) => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await probe();
    if (predicate(value)) return value;
    if (Date.now() >= deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms ${describe(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

let servers = 0;

/** `ioctl` request: the bytes in a terminal's input queue, not yet read by its program. */
const FIONREAD = 0x541bn;
const O_NOCTTY = 0o400;
const O_NONBLOCK = 0o4000;

/** How many bytes wait in the input queue of the terminal `tty` (Linux; Deno has no ioctl). */
function unreadInput(tty: string): number {
  const libc = Deno.dlopen("libc.so.6", {
    open: { parameters: ["buffer", "i32"], result: "i32" },
    ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
    close: { parameters: ["i32"], result: "i32" },
  });
  try {
    const fd = libc.symbols.open(new TextEncoder().encode(`${tty}\0`), O_NOCTTY | O_NONBLOCK);
    if (fd < 0) throw new Error(`Cannot open ${tty} to look at its input queue`);
    try {
      const count = new Int32Array(1);
      if (libc.symbols.ioctl(fd, FIONREAD, new Uint8Array(count.buffer)) !== 0) {
        throw new Error(`Cannot read the input queue of ${tty}`);
      }
      return count[0]!;
    } finally {
      libc.symbols.close(fd);
    }
  } finally {
    libc.close();
  }
}

/**
 * A private tmux server (`tmux -L <socket>`). Call {@linkcode Tmux.kill}
 * in a `finally` block: it ends every program the server runs.
 */
export class Tmux {
  /** The socket name, unique to this instance. */
  readonly socket: string;
  readonly #env: Record<string, string>;

  constructor(label = "e2e") {
    this.socket = `chat-${label.replace(/\W+/g, "-")}-${Deno.pid}-${++servers}-${
      crypto.randomUUID().slice(0, 8)
    }`;
    // The server passes its environment to every session: keep the caller's,
    // minus what would change how the programs under test behave.
    const env = Deno.env.toObject();
    const names = ["NO_COLOR", "FORCE_COLOR", "TMUX", "TMUX_PANE", "COLUMNS", "LINES", "INIT_CWD"];
    for (const name of names) {
      delete env[name];
    }
    this.#env = { ...env, SHELL: "/bin/sh" };
  }

  /** Runs one tmux command line (`;` separates commands) and returns its standard output. */
  async run(...args: string[]): Promise<string> {
    const { success, stdout, stderr } = await new Deno.Command("tmux", {
      // -f /dev/null: the user's ~/.tmux.conf must not change what the tests see.
      args: ["-L", this.socket, "-f", "/dev/null", ...args],
      env: this.#env,
      clearEnv: true,
      stdin: "null",
    }).output();
    if (!success) {
      throw new Error(`Cannot run "tmux ${args.join(" ")}": ${decoder.decode(stderr).trim()}`);
    }
    return decoder.decode(stdout);
  }

  /** Starts `command` (a `sh` command line) in a new detached session called `name`. */
  async newSession(name: string, command: string, options: SessionOptions = {}): Promise<void> {
    const env = Object.entries(options.env ?? {}).flatMap((
      [key, value],
    ) => ["-e", `${key}=${value}`]);
    const cwd = options.cwd === undefined ? [] : ["-c", options.cwd];
    await this.run(
      // Keep a pane whose program ended, so that waits can tell and show its last screen.
      "start-server",
      ";",
      "set-option",
      "-g",
      "remain-on-exit",
      "on",
      ";",
      "new-session",
      "-d",
      "-s",
      name,
      "-x",
      String(options.width ?? 100),
      "-y",
      String(options.height ?? 30),
      ...env,
      ...cwd,
      command,
    );
  }

  /** Types `text` literally into `session`. */
  async type(session: string, text: string): Promise<void> {
    await this.run("send-keys", "-t", session, "-l", text);
  }

  /** Presses keys in `session`, by tmux key name: `Enter`, `Left`, `Up`, `Tab`, `C-c`. */
  async press(session: string, ...keys: string[]): Promise<void> {
    await this.run("send-keys", "-t", session, ...keys);
  }

  /**
   * Waits until the program in `session` has read every key sent to it.
   * Keys read together look like a paste to node:readline, which then takes
   * a Tab as a character rather than as completion: before a key that must
   * arrive apart from the ones before it, wait here.
   */
  async waitForInputRead(session: string, timeoutMs = 5_000): Promise<void> {
    const tty = await this.display(session, "#{pane_tty}");
    await waitFor(
      () => Promise.resolve(unreadInput(tty)),
      (unread) => unread === 0,
      timeoutMs,
      (unread) => `for ${session} to read its input (${unread} bytes unread on ${tty})`,
    );
  }

  /**
   * Resizes the window of `session` and waits until the program in it can
   * read the new size. tmux shows the text rewrapped at once, but when
   * resizes follow each other it tells the program up to 250 ms later.
   */
  async resize(session: string, columns: number, rows?: number): Promise<void> {
    const height = rows === undefined ? [] : ["-y", String(rows)];
    await this.run("resize-window", "-t", session, "-x", String(columns), ...height);
    const tty = await this.display(session, "#{pane_tty}");
    const size = async () => {
      const command = new Deno.Command("stty", { args: ["-F", tty, "size"], stderr: "null" });
      return decoder.decode((await command.output()).stdout).trim();
    };
    await waitFor(
      size,
      (size) => size.endsWith(` ${columns}`) && (rows === undefined || size.startsWith(`${rows} `)),
      5_000,
      (size) => `for the terminal of "${session}" to be ${columns} columns wide, not "${size}"`,
    );
  }

  /** Expands a tmux format such as `#{pane_title}` for `session`. */
  async display(session: string, format: string): Promise<string> {
    return (await this.run("display-message", "-p", "-t", session, format)).replace(/\n$/, "");
  }

  /** Reads the screen of `session` and where its cursor is, in one tmux call. */
  async capture(session: string): Promise<Screen> {
    const out = await this.run(
      "capture-pane",
      "-p",
      "-e",
      "-t",
      session,
      ";",
      "display-message",
      "-p",
      "-t",
      session,
      "#{cursor_x} #{cursor_y} #{pane_dead} #{pane_dead_status} #{pane_dead_signal}",
    );
    const body = out.replace(/\n$/, "");
    const cut = body.lastIndexOf("\n");
    const [x, y, dead, status, signal] = body.slice(cut + 1).split(" ").map((field) =>
      field === "" ? undefined : Number(field)
    );
    const ended = dead === 1;
    const cells = parseStyled(body.slice(0, Math.max(cut, 0)));
    const lines = cells.map((row) => row.map((cell) => cell.char).join("").trimEnd());
    return {
      lines,
      cells,
      cursor: { x: x!, y: y! },
      cursorLine: lines[y!] ?? "",
      text: lines.join("\n"),
      // A program whose end tmux saw only as its terminal closing, its status not learned: 0.
      exitStatus: ended ? status ?? (signal === undefined ? 0 : 128 + signal) : undefined,
      exitSignal: ended ? signal : undefined,
    };
  }

  /**
   * Polls the screen of `session` every {@linkcode POLL_MS} until `predicate`
   * holds and returns that screen. Throws with the last screen on timeout, or
   * at once if the program in the pane has ended without the predicate holding.
   */
  async waitForScreen(
    session: string,
    predicate: (screen: Screen) => boolean,
    timeoutMs = 5_000,
    what = "the expected screen",
  ): Promise<Screen> {
    const show = (screen: Screen) =>
      `Last screen (cursor at ${screen.cursor.x},${screen.cursor.y}):\n` +
      screen.text.trimEnd().split("\n").map((line) => `  | ${line}`).join("\n");
    const screen = await waitFor(
      () => this.capture(session),
      (screen) => predicate(screen) || screen.exitStatus !== undefined,
      timeoutMs,
      (last) => `waiting for ${what} on "${session}". ${show(last)}`,
    );
    if (screen.exitStatus !== undefined && !predicate(screen)) {
      throw new Error(
        `The program on "${session}" ${
          screen.exitSignal === undefined
            ? `exited with status ${screen.exitStatus}`
            : `was ended by signal ${screen.exitSignal}`
        } before ${what}. ` +
          show(screen),
      );
    }
    return screen;
  }

  /** Stops the server and everything running in it, and removes its socket; safe when it never started. */
  async kill(): Promise<void> {
    let socketPath: string;
    try {
      socketPath = (await this.run("display-message", "-p", "#{socket_path}", ";", "kill-server"))
        .trim();
    } catch {
      return; // No server was running.
    }
    // tmux leaves the socket file behind.
    await Deno.remove(socketPath).catch(() => {});
  }
}

/** The process id of `chat join` among `pid` and its descendants (Linux). */
export async function clientUnder(pid: number): Promise<number> {
  const command = await Deno.readTextFile(`/proc/${pid}/cmdline`);
  if (command.includes("main.ts\0join")) return pid;
  const children = (await Deno.readTextFile(`/proc/${pid}/task/${pid}/children`)).trim();
  for (const child of children === "" ? [] : children.split(" ")) {
    const found = await clientUnder(Number(child)).catch(() => undefined);
    if (found !== undefined) return found;
  }
  throw new Error(`Cannot find chat join under process ${pid}`);
}

/** Sends `signal` to a process by id, ignoring one that is already gone. */
export function signal(pid: number, name: Deno.Signal): void {
  try {
    Deno.kill(pid, name);
  } catch {
    // Gone already.
  }
}

/** The state of process `pid` as Linux says it: `T` while it is stopped. */
async function processState(pid: number): Promise<string> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  // After the command's name in parentheses, which may hold any character.
  return stat.charAt(stat.lastIndexOf(")") + 2);
}

/**
 * Runs `fn` while process `pid` is stopped (SIGSTOP), then lets it go on
 * (SIGCONT), and fails if anything let it go on before. A pane's own process
 * is continued by tmux as soon as it stops: pause a process under it
 * ({@linkcode clientUnder}).
 */
export async function whilePaused<T>(pid: number, fn: () => Promise<T>): Promise<T> {
  signal(pid, "SIGSTOP");
  try {
    await waitFor(
      () => processState(pid),
      (state) => state === "T",
      5_000,
      (state) => `process ${pid} to stop, not "${state}"`,
    );
    const result = await fn();
    const state = await processState(pid);
    if (state !== "T") throw new Error(`Process ${pid} went on while it was paused: "${state}"`);
    return result;
  } finally {
    signal(pid, "SIGCONT");
  }
}

/** The repository's root folder, where the programs under test run. */
export const ROOT: string = new URL("../..", import.meta.url).pathname;

/** The permission flags of `deno task chat`, so the tests run the client as users do. */
const CHAT_FLAGS = (() => {
  const words = config.tasks.chat.split(/\s+/);
  const main = words.indexOf("main.ts");
  if (words[0] !== "deno" || words[1] !== "run" || main < 0) {
    throw new Error(`Cannot read the flags of the "chat" task: ${config.tasks.chat}`);
  }
  return words.slice(2, main);
})();

/** The `sh` command line that runs `chat join` on loopback `port`. */
export function joinCommand(port: number, ...args: string[]): string {
  return chatCommand("join", `127.0.0.1:${port}`, ...args);
}

/** The `sh` command line that runs `chat` with `args`, as `deno task chat` does. */
export function chatCommand(...args: string[]): string {
  return [Deno.execPath(), "run", ...CHAT_FLAGS, `${ROOT}main.ts`, ...args]
    .map(shellQuote).join(" ");
}
