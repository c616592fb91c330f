/**
 * Real IRC clients, irssi and WeeChat, driven in tmux as a person would:
 * each starts on a throw-away home folder of its own, so nothing of the
 * machine's configuration and no first-run message gets in, connects to
 * the gateway as the README tells, and is typed at and read from the screen.
 * Every wait polls the screen against a deadline (see _tmux.ts); nothing
 * sleeps blindly. Both clients also write everything they print to log
 * files in their home folder, which {@linkcode IrcClient.problems} reads for
 * warnings that scrolled off the screen or were printed in another window.
 *
 * @module
 */

import { join } from "node:path";
import { succeeds } from "../_test_utils.ts";
import { type Screen, shellQuote, type Tmux, waitFor } from "./_tmux.ts";

/** An IRC client the tests drive. */
export type IrcProgram = "irssi" | "weechat";

const MISSING: Record<IrcProgram, string | undefined> = {
  irssi: await succeeds("sh", ["-c", "command -v irssi"]),
  weechat: await succeeds("sh", ["-c", "command -v weechat"]),
};

/**
 * WeeChat's major version: 4 renamed the server options `ssl*` to `tls*`
 * and made TLS the default; 3 (Debian 12's) ignores `-tls` and `-notls`.
 */
const WEECHAT_MAJOR: number | undefined = (() => {
  try {
    const { success, stdout } = new Deno.Command("weechat", {
      args: ["--version"],
      stdin: "null",
      stderr: "null",
    }).outputSync();
    return success ? Number.parseInt(new TextDecoder().decode(stdout), 10) : undefined;
  } catch {
    return undefined;
  }
})();

/** Why `program` cannot be run here, or `undefined` when it can. */
export function ircClientMissing(program: IrcProgram): string | undefined {
  return MISSING[program] === undefined ? undefined : `${program} is not installed`;
}

/** A time of day as both clients are set to print it: `HH:MM:SS`. */
export const CLOCK = String.raw`\d\d:\d\d:\d\d`;

/** Mode characters a client may print before a nick in a channel (`@ann`, `+bob`, `< bob>`). */
const MODE = "[ @+%~&]?";

/** Escapes `text` for a regular expression. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * What a client printing something it should not looks like: its error
 * prefix (WeeChat's `=!=`), or the words of a warning, an error or a
 * refusal, in its own wording or in a numeric reply it shows.
 */
const PROBLEM = new RegExp(
  "=!=|\\b(?:" + [
    "warning",
    "error",
    "unknown",
    "invalid",
    "erroneous",
    "illegal",
    "incorrect",
    "failed",
    "denied",
    "refused",
    "too long",
    "cannot",
    "can't",
    "could not",
    "unable",
    "no such",
    "not enough parameters",
    "not registered",
    "not connected",
    "not channel operator",
    "not on that channel",
    "not allowed",
    "already in use",
  ].join("|") + ")\\b",
  "i",
);

/**
 * WeeChat's settings for `nick`, as commands: no logo, the server's messages
 * in a buffer of their own rather than merged with WeeChat's, no list of
 * buffers on the left (it would start every screen line; the nick list
 * stays), logs written at once, for {@linkcode IrcClient.problems}, and
 * lines sent as they are typed: WeeChat's own pacing (2 s between lines)
 * spares busy public networks, and here it only made every step wait.
 * WeeChat 4 replaced the two pacing options with one, in milliseconds.
 */
function weechatSettings(nick: string): string {
  const antiFloodOff = (WEECHAT_MAJOR ?? 4) >= 4
    ? ["irc.server_default.anti_flood 0"]
    : ["irc.server_default.anti_flood_prio_high 0", "irc.server_default.anti_flood_prio_low 0"];
  return [
    "weechat.startup.display_logo off",
    "weechat.startup.display_version off",
    "irc.look.server_buffer independent",
    `irc.server_default.nicks ${nick}`,
    `irc.server_default.username ${nick}`,
    `irc.server_default.realname ${nick}`,
    "buflist.look.enabled off",
    "logger.file.flush_delay 0",
    ...antiFloodOff,
  ].map((setting) => `/set ${setting}`).join(";");
}

/**
 * Lines that {@linkcode PROBLEM} would take for one but that only inform:
 * irssi's report of a TLS connection names an X25519 key "Unknown".
 */
const INFORMATION: readonly RegExp[] = [/ -!- Irssi: EDH Key: \d+ bit Unknown$/];

/** How long a wait for the screen may take before the test fails, in milliseconds. */
export const IRC_WAIT_MS = 20_000;

/** Options for {@linkcode IrcClient.connect}. */
export interface ConnectOptions {
  /** Speak TLS, trusting the certificate in this PEM file. @default {plain TCP} */
  caFile?: string;
  /** The server's password. */
  password?: string;
  /** Give the password by SASL PLAIN rather than as the server password (WeeChat). */
  sasl?: boolean;
}

/** Options for {@linkcode IrcClient.start}. */
export interface IrcClientOptions {
  /** Columns of the pane. @default {160} */
  width?: number;
  /** Rows of the pane. @default {50} */
  height?: number;
}

/** Someone at irssi or WeeChat in the tmux session named after their nick. */
export class IrcClient implements AsyncDisposable {
  /** The tmux server the session runs in. */
  readonly tmux: Tmux;
  /** Which client this is. */
  readonly program: IrcProgram;
  /** The nick, also the session's name. */
  readonly nick: string;
  /** The client's throw-away home folder: its configuration and logs. */
  readonly home: string;
  #closed = false;

  constructor(tmux: Tmux, program: IrcProgram, nick: string, home: string) {
    this.tmux = tmux;
    this.program = program;
    this.nick = nick;
    this.home = home;
  }

  /** The tmux session the client runs in. */
  get session(): string {
    return this.nick;
  }

  /**
   * Starts `program` for `nick` on a new home folder, not connected to any
   * server, and waits until it is ready for input.
   */
  static async start(
    tmux: Tmux,
    program: IrcProgram,
    nick: string,
    options: IrcClientOptions = {},
  ): Promise<IrcClient> {
    const home = await Deno.makeTempDir({ prefix: `chat-${program}-` });
    const client = new IrcClient(tmux, program, nick, home);
    const session = {
      width: options.width ?? 160,
      height: options.height ?? 50,
      // Both clients refuse or mangle UTF-8 under the C locale.
      env: { LANG: "C.UTF-8", LC_ALL: "C.UTF-8", TERM: "screen-256color" },
      cwd: home,
    };
    try {
      let command: string;
      if (program === "irssi") {
        command = await client.#prepareIrssi();
      } else {
        // WeeChat greets a new home with a welcome and writes its defaults on leaving: a
        // first run of its own writes them, with these settings, before the one under test.
        const setup = `${nick}-setup`;
        await tmux.newSession(
          setup,
          client.#weechat(weechatSettings(nick), "/save", "/quit"),
          session,
        );
        const done = await tmux.waitForScreen(
          setup,
          (screen) => screen.exitStatus !== undefined,
          IRC_WAIT_MS,
          "WeeChat's first run to write its settings and quit",
        );
        if (done.exitStatus !== 0) {
          throw new Error(`WeeChat's first run exited with status ${done.exitStatus}`);
        }
        await tmux.run("kill-session", "-t", setup);
        await Deno.remove(join(home, "logs"), { recursive: true }).catch(() => {});
        command = client.#weechat();
      }
      await tmux.newSession(nick, command, session);
      await client.waitFor(
        (screen) => client.#ready(screen),
        `${program} to start and wait for input`,
      );
    } catch (error) {
      await client[Symbol.asyncDispose]();
      throw error;
    }
    return client;
  }

  /**
   * Writes irssi's configuration: no settings left to initialise on the
   * first run, seconds in stamps, the time the server gives a message
   * (`server-time`) rather than the time it arrived, a log of everything,
   * and no pacing of lines sent: irssi holds all but 5 at a time for 2.2 s
   * each, which spares public networks and here only made every step wait.
   */
  async #prepareIrssi(): Promise<string> {
    const nick = this.nick;
    await Deno.writeTextFile(
      join(this.home, "config"),
      `settings = {
  core = {
    real_name = "${nick}";
    user_name = "${nick}";
    nick = "${nick}";
    timestamp_format = "%H:%M:%S";
    log_timestamp = "%H:%M:%S ";
  };
  "fe-text" = { show_server_time = "yes"; };
  "irc/core" = { cmd_queue_speed = "0msec"; cmds_max_at_once = "1000"; };
};
logs = {
  "${join(this.home, "all.log")}" = {
    auto_open = "yes";
    level = "ALL";
    items = ( { type = "target"; name = "*"; } );
  };
};
`,
    );
    return `exec irssi --home=${shellQuote(this.home)}`;
  }

  /** The command line of WeeChat on this home, running `commands` once started. */
  #weechat(...commands: string[]): string {
    const run = commands.length === 0 ? [] : ["-r", commands.join(";")];
    return ["exec", "weechat", "--dir", this.home, ...run].map(shellQuote).join(" ");
  }

  /** True once the client is drawn and reads its input line. */
  #ready(screen: Screen): boolean {
    return this.program === "irssi"
      ? screen.cursorLine.startsWith("[(status)]")
      : this.#statusBar(screen).includes("[core]");
  }

  /** WeeChat's status bar: the line above the input line. */
  #statusBar(screen: Screen): string {
    return screen.lines[screen.cursor.y - 1] ?? "";
  }

  /** The screen now. */
  screen(): Promise<Screen> {
    return this.tmux.capture(this.session);
  }

  /**
   * The lines of the conversation on `screen`, without WeeChat's nick list
   * at the right.
   */
  lines(screen: Screen): string[] {
    return this.program === "weechat"
      ? screen.lines.map((line) => line.replace(/\s*│.*$/, "").trimEnd())
      : screen.lines;
  }

  /** Waits until the screen satisfies `predicate` and returns it; `what` names it on failure. */
  waitFor(
    predicate: (screen: Screen) => boolean,
    what: string,
    timeoutMs = IRC_WAIT_MS,
  ): Promise<Screen> {
    return this.tmux.waitForScreen(this.session, predicate, timeoutMs, `${what} (${this.program})`);
  }

  /** Waits until a line of the conversation matches `pattern`, and returns that line's match. */
  async waitForLine(pattern: RegExp, timeoutMs = IRC_WAIT_MS): Promise<RegExpMatchArray> {
    const screen = await this.waitFor(
      (screen) => this.lines(screen).some((line) => pattern.test(line)),
      `a line matching ${pattern}`,
      timeoutMs,
    );
    return this.lines(screen).map((line) => line.match(pattern)).find((match) => match !== null)!;
  }

  /**
   * Waits until the client has printed a line matching `pattern`, in any
   * window, or `atLeast` of them, and returns the last.
   */
  async waitForLog(pattern: RegExp, atLeast = 1, timeoutMs = IRC_WAIT_MS): Promise<string> {
    const lines = await waitFor(
      () => this.logLines(pattern),
      (lines) => lines.length >= atLeast,
      timeoutMs,
      (lines) =>
        `waiting for ${this.program} to print ${atLeast} lines matching ${pattern}, in any window; ` +
        `it printed ${lines.length}`,
    );
    return lines.at(-1)!;
  }

  /** The lines the client printed so far, in every window, that match `pattern`. */
  async logLines(pattern: RegExp): Promise<string[]> {
    return (await this.#printed()).filter((line) => pattern.test(line));
  }

  /** Everything the client printed so far, in every window, from its logs. */
  async #printed(): Promise<string[]> {
    if (this.program === "irssi") {
      return (await readIfThere(join(this.home, "all.log"))).split("\n");
    }
    const logs = join(this.home, "logs");
    const names: string[] = [];
    try {
      for await (const entry of Deno.readDir(logs)) names.push(entry.name);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    const lines: string[] = [];
    for (const name of names.sort()) {
      const text = await readIfThere(join(logs, name));
      // WeeChat logs "date time<TAB>prefix<TAB>message".
      lines.push(...text.split("\n").map((line) => `${name}: ${line.replace(/\t/g, " ")}`));
    }
    return lines;
  }

  /**
   * Types `text` at the end of the input line and waits until the input
   * line shows it: with `secret` masked as WeeChat masks a password.
   */
  async type(text: string, secret?: string): Promise<void> {
    const shown = secret === undefined || this.program === "irssi"
      ? text
      : text.replace(secret, "*".repeat(secret.length));
    await this.tmux.type(this.session, text);
    await this.waitFor(
      (screen) => screen.cursorLine.trimEnd().endsWith(shown.trimEnd()),
      `the input line to end with "${shown}"`,
    );
  }

  /**
   * Types `line`, presses Enter, and waits until the client has taken it
   * from the input line; `secret` is a password in it (see {@linkcode type}).
   */
  async enter(line: string, secret?: string): Promise<void> {
    await this.type(line, secret);
    const before = (await this.screen()).cursorLine;
    await this.tmux.press(this.session, "Enter");
    await this.waitFor(
      (screen) => screen.cursorLine !== before,
      `the input line to be empty after "${line}"`,
    );
  }

  /** Empties the window or buffer shown, so that what comes next is alone on the screen. */
  async clear(): Promise<void> {
    await this.enter(this.program === "irssi" ? "/clear" : "/buffer clear");
    await this.waitFor(
      (screen) => !this.lines(screen).some((line) => new RegExp(`^${CLOCK} `).test(line)),
      "the window to be cleared",
    );
  }

  /**
   * Connects to the IRC port `port` on 127.0.0.1 as the README tells, and
   * waits for the server's welcome (numeric 001).
   */
  async connect(port: number, options: ConnectOptions = {}): Promise<void> {
    const { caFile, password, sasl } = options;
    if (this.program === "irssi") {
      if (sasl) throw new TypeError("Cannot connect irssi by SASL: the tests give it a password");
      const tls = caFile === undefined ? "" : `-tls -tls_cafile ${caFile} `;
      await this.enter(
        `/connect ${tls}127.0.0.1 ${port}${password ? ` ${password}` : ""}`,
        password,
      );
    } else {
      if (caFile !== undefined) await this.enter(`/set weechat.network.gnutls_ca_user ${caFile}`);
      const tls = (WEECHAT_MAJOR ?? 4) >= 4 ? "tls" : "ssl";
      const flags = [caFile === undefined ? `-no${tls}` : `-${tls}`];
      if (password !== undefined) {
        flags.push(
          ...(sasl
            ? ["-sasl_mechanism=plain", `-sasl_username=${this.nick}`, `-sasl_password=${password}`]
            : [`-password=${password}`]),
        );
      }
      await this.enter(`/server add chat 127.0.0.1/${port} ${flags.join(" ")}`, password);
      await this.enter("/connect chat");
    }
    // The welcome goes to the server's window, which a channel the server puts the client in
    // may already hide: its log says when it came.
    await this.waitForLog(new RegExp(`Welcome .*\\b${literal(this.nick)}\\b`));
    // irssi keeps the last 200 raw lines of a connection: from now on it also writes them down.
    if (this.program === "irssi") await this.enter(`/rawlog open ${join(this.home, "raw.log")}`);
  }

  /** Joins `channels` with one `/join` and waits until the client shows itself in each. */
  async join(...channels: string[]): Promise<void> {
    await this.enter(`/join ${channels.join(",")}`);
    for (const channel of channels) {
      // A window or buffer opens once the server confirms: only then can it be shown.
      await this.waitForLog(
        new RegExp(`\\b${literal(this.nick)} [[(].*[\\])] has joined ${literal(channel)}$`),
      );
      await this.view(channel);
      await this.waitForLine(this.joinedLine(this.nick, channel));
    }
  }

  /**
   * Shows the window (irssi) or buffer (WeeChat) of `target`, a channel or a
   * nick; a nick's is opened with `/query` if it is not there yet.
   */
  async view(target: string): Promise<void> {
    const channel = target.startsWith("#");
    if (this.program === "irssi") {
      await this.enter(channel ? `/window goto ${target}` : `/query ${target}`);
      await this.waitFor(
        (screen) => screen.cursorLine.startsWith(`[${target}]`),
        `the window of ${target}`,
      );
    } else {
      await this.enter(channel ? `/buffer ${target}` : `/query ${target}`);
      const shown = new RegExp(`\\s\\d+:${literal(target)}(?:[({\\s]|$)`);
      await this.waitFor(
        (screen) => shown.test(this.#statusBar(screen)),
        `the buffer of ${target}`,
      );
    }
  }

  /** Shows the client's first window, where it prints what the server says outside channels. */
  async viewServer(): Promise<void> {
    if (this.program === "irssi") {
      await this.enter("/window goto 1");
      await this.waitFor(
        (screen) => screen.cursorLine.startsWith("[(status)]"),
        "the status window",
      );
    } else {
      await this.enter("/buffer server.chat");
      await this.waitFor(
        (screen) => /\s\d+:server\[chat\]/.test(this.#statusBar(screen)),
        "the server's buffer",
      );
    }
  }

  /** A line that says `nick` joined `channel`; the stamp is group 1. */
  joinedLine(nick: string, channel: string): RegExp {
    const who = literal(nick);
    return this.program === "irssi"
      ? new RegExp(`^(${CLOCK}) -!- ${who} \\[.*\\] has joined ${literal(channel)}$`)
      : new RegExp(`^(${CLOCK})\\s+--> \\| ${who} \\(.*\\) has joined ${literal(channel)}$`);
  }

  /** A line that is the message `text` from `from`, in a channel or a query; the stamp is group 1. */
  said(from: string, text: string): RegExp {
    return this.program === "irssi"
      ? new RegExp(`^(${CLOCK}) <${MODE}${literal(from)}> ${literal(text)}$`)
      : new RegExp(`^(${CLOCK})\\s+${MODE}${literal(from)} \\| ${literal(text)}$`);
  }

  /** A line that is the action `/me text` of `from`; the stamp is group 1. */
  action(from: string, text: string): RegExp {
    return this.program === "irssi"
      ? new RegExp(`^(${CLOCK})\\s+\\* ${literal(from)} ${literal(text)}$`)
      : new RegExp(`^(${CLOCK})\\s+\\* \\| ${literal(from)} ${literal(text)}$`);
  }

  /** A line that says `from` set the topic of `channel` to `topic`. */
  topicChanged(from: string, channel: string, topic: string): RegExp {
    return this.program === "irssi"
      ? new RegExp(
        `^${CLOCK} -!- ${literal(from)} changed the topic of ${literal(channel)} to: ${
          literal(topic)
        }$`,
      )
      : new RegExp(
        `^${CLOCK}\\s+-- \\| ${literal(from)} has changed topic for ${literal(channel)} ` +
          `(?:from ".*" )?to "${literal(topic)}"$`,
      );
  }

  /**
   * The lines the client printed so far, in every window and buffer, that
   * look like a warning or an error; `allowed` lines are left out.
   */
  async problems(allowed: readonly RegExp[] = []): Promise<string[]> {
    return (await this.#printed()).filter((line) =>
      PROBLEM.test(line) && ![...INFORMATION, ...allowed].some((pattern) => pattern.test(line))
    );
  }

  /**
   * The raw IRC lines the client exchanged, as far as it keeps them: irssi's
   * raw log (`<<` sent, `>>` received); WeeChat's raw buffer, as shown on
   * screen. For failure reports.
   */
  async rawLines(): Promise<string[]> {
    if (this.program === "irssi") {
      return (await readIfThere(join(this.home, "raw.log"))).split("\n").filter((line) => line);
    }
    await this.enter("/server raw");
    const screen = await this.waitFor(
      (screen) => /\d+:irc_raw\b/.test(this.#statusBar(screen)),
      "the raw buffer",
    );
    return this.lines(screen).filter((line) => /[<>]/.test(line));
  }

  /** Quits with `/quit` and waits until the program has exited with status 0. */
  async quit(reason = "bye"): Promise<void> {
    await this.enter(`/quit ${reason}`);
    const screen = await this.waitFor(
      (screen) => screen.exitStatus !== undefined,
      `${this.program} to exit after /quit`,
    );
    if (screen.exitStatus !== 0) {
      throw new Error(`${this.program} exited with status ${screen.exitStatus} after /quit`);
    }
    this.#closed = true;
  }

  /** Ends the client if it still runs and removes its home folder. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      const pid = await this.tmux.display(this.session, "#{pane_pid}").catch(() => "");
      await this.tmux.run("kill-session", "-t", this.session).catch(() => {});
      // Hung up, WeeChat still writes its settings on its way out: wait for it to be gone,
      // or it puts them back into the folder removed below.
      if (/^\d+$/.test(pid)) {
        await waitFor(
          () => Deno.stat(`/proc/${pid}`).then(() => true, () => false),
          (running) => !running,
          IRC_WAIT_MS,
          () => `for ${this.program} (process ${pid}) to exit`,
        ).catch(() => {});
      }
    }
    await Deno.remove(this.home, { recursive: true }).catch(() => {});
  }
}

async function readIfThere(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "";
    throw error;
  }
}
