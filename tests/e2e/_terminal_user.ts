/**
 * A person at the real `chat join` in a tmux pane, as the tests of what a
 * user sees over a whole conversation drive it: join, type, press keys, and
 * wait for what the screen shows. Every wait polls the screen against a
 * deadline (see _tmux.ts); nothing sleeps blindly.
 *
 * @module
 */

import { chatCommand, joinCommand, ROOT, type Screen, shellQuote, type Tmux } from "./_tmux.ts";

/** A time stamp of today, as the terminal prints it: `[HH:MM:SS]`. */
export const TODAY_STAMP = String.raw`\[\d\d:\d\d:\d\d\]`;

/** Escapes `text` for a regular expression. */
export function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A whole screen line that is the message `text` from `from`, stamped today. */
export function said(from: string, text: string): RegExp {
  return new RegExp(`^${TODAY_STAMP} ${literal(from)}: ${literal(text)}$`);
}

/** How many lines of `screen` match `pattern`. */
export function countLines(screen: Screen, pattern: RegExp): number {
  return screen.lines.filter((line) => pattern.test(line)).length;
}

/** Options for {@linkcode TerminalUser.start}. */
export interface StartOptions {
  /** Arguments of `chat join` after the address. */
  args?: string[];
  /** Columns of the pane. @default {100} */
  width?: number;
  /** Rows of the pane. @default {30} */
  height?: number;
  /** The working directory of `chat join`. @default {the repository's root} */
  cwd?: string;
  /** The address `chat join` dials, another loopback one if need be. @default {"127.0.0.1"} */
  host?: string;
}

/** Someone at `chat join` in the tmux session named after them. */
export class TerminalUser {
  /** The tmux server the session runs in. */
  readonly tmux: Tmux;
  /** The session's name. */
  readonly session: string;

  constructor(tmux: Tmux, session: string) {
    this.tmux = tmux;
    this.session = session;
  }

  /**
   * Starts `chat join 127.0.0.1:port ARGS` (or `options.host`) in a new session. When it exits,
   * the pane shows `EXIT=<status>` on a line of its own.
   */
  static async start(
    tmux: Tmux,
    session: string,
    port: number,
    options: StartOptions = {},
  ): Promise<TerminalUser> {
    const args = options.args ?? [];
    const join = options.host === undefined
      ? joinCommand(port, ...args)
      : chatCommand("join", `${options.host}:${port}`, ...args);
    const command = `${join}; echo EXIT=$?; sleep 60`;
    await tmux.newSession(session, `sh -c ${shellQuote(command)}`, {
      cwd: options.cwd ?? ROOT,
      ...(options.width === undefined ? {} : { width: options.width }),
      ...(options.height === undefined ? {} : { height: options.height }),
    });
    return new TerminalUser(tmux, session);
  }

  /** Starts `chat join --name NAME` and waits until it is connected, at an empty `#lobby>` line. */
  static async join(
    tmux: Tmux,
    name: string,
    port: number,
    options: StartOptions = {},
  ): Promise<TerminalUser> {
    const user = await TerminalUser.start(tmux, name, port, {
      ...options,
      args: ["--name", name, ...options.args ?? []],
    });
    await user.waitFor(
      (screen) =>
        screen.lines.some((line) =>
          line.startsWith("-- Connected to ") && line.includes(` as ${name}.`)
        ) &&
        screen.cursorLine === "#lobby>",
      `${name} to be connected at an empty "#lobby> " line`,
    );
    return user;
  }

  /** The screen now. */
  screen(): Promise<Screen> {
    return this.tmux.capture(this.session);
  }

  /** Waits until the screen satisfies `predicate` and returns it; `what` names it on failure. */
  waitFor(
    predicate: (screen: Screen) => boolean,
    what: string,
    timeoutMs = 10_000,
  ): Promise<Screen> {
    return this.tmux.waitForScreen(this.session, predicate, timeoutMs, what);
  }

  /** Waits until a line of the screen matches `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs = 10_000): Promise<Screen> {
    return this.waitFor(
      (screen) => countLines(screen, pattern) > 0,
      `a line matching ${pattern}`,
      timeoutMs,
    );
  }

  /** Types `text` at the end of the input line and waits until the input line shows it. */
  async type(text: string): Promise<Screen> {
    const { cursorLine, cursor } = await this.screen();
    const expected = cursorLine.padEnd(cursor.x) + text;
    await this.tmux.type(this.session, text);
    return await this.waitFor(
      (screen) => screen.cursorLine === expected.trimEnd() && screen.cursor.x === expected.length,
      `the input line to read "${expected}"`,
    );
  }

  /** Pastes `text` as a terminal does in bracketed paste mode (LF sent as CR). */
  async paste(text: string): Promise<void> {
    const file = await Deno.makeTempFile({ prefix: "chat-paste-" });
    try {
      await Deno.writeTextFile(file, text);
      await this.tmux.run("load-buffer", "-b", this.session, file);
    } finally {
      await Deno.remove(file);
    }
    await this.tmux.run("paste-buffer", "-p", "-d", "-b", this.session, "-t", this.session);
  }

  /** Presses keys by tmux name: `Enter`, `Tab`, `C-u`. */
  press(...keys: string[]): Promise<void> {
    return this.tmux.press(this.session, ...keys);
  }

  /**
   * Types `line`, presses Enter, and waits until the client took the Enter:
   * the input line no longer reads as typed. What comes next (typing more,
   * reading the screen) then starts from the screen after it.
   */
  async enter(line: string): Promise<void> {
    const typed = await this.type(line);
    await this.press("Enter");
    await this.waitFor(
      (screen) => screen.cursorLine !== typed.cursorLine || screen.cursor.y !== typed.cursor.y,
      `the input line "${typed.cursorLine}" to be taken by Enter`,
    );
  }

  /** Clears the input line and waits until it is empty after `prompt`. */
  async clearInput(prompt = "#lobby>"): Promise<void> {
    await this.press("C-u");
    await this.waitFor((screen) => screen.cursorLine === prompt, `an empty "${prompt} " line`);
  }
}
