/**
 * The server's settings in one table: each one's flag, default, unit, bounds
 * and help. `chat serve`'s flags and `--help` are made from it, and
 * {@linkcode resolveConfig} turns what a caller gives into the one
 * {@linkcode ServerConfig} the parts of the server read: times in
 * milliseconds, sizes in bytes, every value present. Those parts keep no
 * defaults of their own.
 *
 * A new setting is one entry here, one field of {@linkcode ServerConfig} and
 * the line of {@linkcode resolveConfig} that fills it.
 *
 * @module
 */

import { DISCOVERY_PORT } from "../discovery/beacon.ts";
import { DEFAULT_PORT } from "../protocol.ts";

/** A number a setting takes, with its unit, default and the bounds a flag may give. */
export interface NumberSetting {
  readonly kind: "number";
  /** The flag, without `--`, or `undefined` for a setting only a program can change. */
  readonly flag: string | undefined;
  /** The flag's value as `--help` names it. */
  readonly arg: "N" | "S";
  readonly default: number;
  /** The smallest and largest value a flag may give. */
  readonly min: number;
  readonly max: number;
  /** `s` for seconds, which the config holds in milliseconds. */
  readonly unit: "" | "s" | "ms" | "bytes" | "MiB";
  readonly help: string;
  /** What to do instead of giving a value below `min`, told after the bounds. */
  readonly belowMin?: string;
}

/** A flag that takes text, or none (a switch). */
export interface FlagSetting {
  readonly kind: "string" | "strings" | "boolean";
  readonly flag: string;
  /** The flag's value as `--help` names it; none for a switch. */
  readonly arg?: string;
  readonly help: string;
  /** The flags that make no sense with this one, without `--`: given together, a usage error. */
  readonly excludes?: readonly string[];
}

/** One setting of the server. */
export type Setting = NumberSetting | FlagSetting;

function count<F extends string | undefined>(
  flag: F,
  value: number,
  min: number,
  max: number,
  help: string,
) {
  return { kind: "number", flag, arg: "N", default: value, min, max, unit: "", help } as const;
}

function seconds<F extends string | undefined>(
  flag: F,
  value: number,
  min: number,
  max: number,
  help: string,
) {
  return { kind: "number", flag, arg: "S", default: value, min, max, unit: "s", help } as const;
}

/** Every setting of `chat serve`, in the order `--help` lists them. */
export const SETTINGS = {
  hostname: {
    kind: "string",
    flag: "host",
    arg: "ADDR",
    help: "address to listen on (default 0.0.0.0: every interface)",
  },
  port: count(
    "port",
    DEFAULT_PORT,
    0,
    65535,
    "TCP port for chat join, nc and telnet",
  ),
  webPort: count("web-port", 5003, 0, 65535, "HTTP port of the web client"),
  noWeb: {
    kind: "boolean",
    flag: "no-web",
    help: "do not serve the web client (nor take files)",
    excludes: ["web-port", "web-host", "no-files", "max-file", "files-quota"],
  },
  ircPort: count(
    "irc-port",
    6667,
    0,
    65535,
    "IRC port for irssi, WeeChat, HexChat, 6697 with --tls-cert; if the default port is in " +
      "use, the server runs without IRC",
  ),
  noIrc: { kind: "boolean", flag: "no-irc", help: "do not serve IRC", excludes: ["irc-port"] },
  webHosts: {
    kind: "strings",
    flag: "web-host",
    arg: "NAME",
    help: "another name the web page may be reached by, besides this machine's addresses, " +
      "its host name and localhost (repeatable)",
  },
  serverName: {
    kind: "string",
    flag: "name",
    arg: "NAME",
    help: 'the server\'s name in "chat ls" and on joining (default: host name)',
  },
  noAnnounce: {
    kind: "boolean",
    flag: "no-announce",
    help: "do not announce the server on the local network (by default it does, on UDP " +
      `port ${DISCOVERY_PORT}, unless bound to 127.0.0.1)`,
  },
  historyLimit: count("history", 50, 0, 100_000, "messages per room replayed to newcomers"),
  dataDir: {
    kind: "string",
    flag: "data-dir",
    arg: "DIR",
    help: "where history and files are kept (default: {dataDir})",
  },
  memory: {
    kind: "boolean",
    flag: "memory",
    help: "keep history in memory only, and shared files in a temporary directory; " +
      "both are lost when the server stops",
    excludes: ["data-dir", "retain"],
  },
  retain: {
    kind: "string",
    flag: "retain",
    arg: "RULE",
    help: "drop old messages: an age in hours, days or weeks (12h, 30d, 2w), " +
      "or a count of all rooms' messages together (100000)",
  },
  passwordFile: {
    kind: "string",
    flag: "password-file",
    arg: "F",
    help: "require the password in file F (or set CHAT_PASSWORD)",
  },
  opFile: {
    kind: "string",
    flag: "op-file",
    arg: "F",
    help: "operators: each line of F is NAME SECRET; /oper SECRET makes NAME an operator",
  },
  console: {
    kind: "boolean",
    flag: "console",
    help: "read the host's commands (/kick, /ban, /say …) from standard input even when it " +
      "is not a terminal (it is read when it is one)",
  },
  tlsCert: {
    kind: "string",
    flag: "tls-cert",
    arg: "F",
    help: "certificate (PEM) to speak TLS on every port; needs --tls-key",
  },
  tlsKey: { kind: "string", flag: "tls-key", arg: "F", help: "private key (PEM) of --tls-cert" },
  cluster: {
    kind: "string",
    flag: "cluster",
    arg: "URLS",
    help: "run as one of several servers of one chat, linked through NATS at URLS " +
      "(nats://HOST:4222, several separated by commas; user:password@ in them if NATS asks)",
  },
  clusterCreds: {
    kind: "string",
    flag: "cluster-creds",
    arg: "F",
    help: "NATS credentials file (.creds) for --cluster",
  },
  clusterCa: {
    kind: "string",
    flag: "cluster-ca",
    arg: "F",
    help: "CA certificate (PEM) that signs the NATS servers' TLS certificates (tls:// URLs)",
  },
  heartbeat: seconds("heartbeat", 30, 5, 3600, "drop a client silent for S seconds"),
  maxConnections: count("max-connections", 2000, 1, 1_000_000, "connections at once"),
  maxPerAddress: count("max-per-ip", 32, 1, 1_000_000, "connections at once from one address"),
  messageRate: count(
    "rate",
    10,
    1,
    1_000_000,
    "messages per second one connection may send (after a burst of 4 x N)",
  ),
  noFiles: {
    kind: "boolean",
    flag: "no-files",
    help: "take no shared files; the web client is still served",
    excludes: ["max-file", "files-quota"],
  },
  maxFile: {
    ...count("max-file", 25, 1, 1_000_000, "largest file one may share, in MiB"),
    unit: "MiB",
    belowMin: "to take no files, use --no-files",
  },
  filesQuota: {
    ...count(
      "files-quota",
      1024,
      1,
      10_000_000,
      "MiB of shared files kept; the oldest go first to make room",
    ),
    unit: "MiB",
    belowMin: "to take no files, use --no-files",
  },
  // Only a program (a test, the benchmark) changes these.
  handshake: seconds(undefined, 10, 0, 3600, "time a program has to say hello"),
  probe: seconds(undefined, 5, 0, 3600, "time between checks that a port takes connections"),
  maxStrikes: count(undefined, 10, 1, 1_000, "bad frames a connection may send"),
  maxQueuedBytes: {
    ...count(
      undefined,
      1024 * 1024,
      1,
      2 ** 31,
      "unsent output a peer may leave waiting for 2 s (4 times it at once)",
    ),
    unit: "bytes",
  },
  maxQueuedFrames: count(
    undefined,
    4096,
    1,
    2 ** 20,
    "frames queued for a peer before they are written at once",
  ),
  greetAfter: {
    ...count(undefined, 500, 0, 60_000, "silence before a new connection is greeted in text"),
    unit: "ms",
  },
} as const satisfies Record<string, Setting>;

/** The name of a setting. */
export type SettingName = keyof typeof SETTINGS;

/** The names of the settings that hold numbers. */
type NumberName = {
  [K in SettingName]: (typeof SETTINGS)[K] extends NumberSetting ? K : never;
}[SettingName];

/** Numbers a program may give {@linkcode resolveConfig}, in the units of the table. */
export type NumberOptions = { [K in NumberName]?: number | undefined };

/** A rate: up to `burst` at once, `perSecond` sustained. */
export interface Rate {
  burst: number;
  perSecond: number;
}

/** Every value the server's parts read, resolved once; times in milliseconds. */
export interface ServerConfig {
  readonly hostname: string;
  readonly port: number;
  /** The web port, or `undefined` for no web client. */
  readonly webPort: number | undefined;
  readonly webHosts: readonly string[];
  /** The IRC port, or `undefined` for no IRC. */
  readonly ircPort: number | undefined;
  readonly serverName: string;
  readonly announce: boolean;
  readonly historyLimit: number;
  readonly heartbeatMs: number;
  readonly handshakeMs: number;
  readonly probeMs: number;
  readonly maxConnections: number;
  readonly maxPerAddress: number;
  /** Frames a connection may send: a burst of four times the rate, then the rate. */
  readonly frameRate: Rate;
  /** Bytes a connection may send: room for the largest message at the frame rate. */
  readonly byteRate: Rate;
  readonly maxStrikes: number;
  readonly maxQueuedBytes: number;
  readonly maxQueuedFrames: number;
  readonly greetAfterMs: number;
  /** Whether the web port takes shared files. */
  readonly files: boolean;
  /** The largest file one may share, in bytes. */
  readonly maxFileBytes: number;
  /** Bytes of shared files kept before the oldest are removed. */
  readonly filesQuotaBytes: number;
}

/** What a program gives {@linkcode resolveConfig}: any number, and the text settings. */
export interface ConfigOptions extends NumberOptions {
  hostname?: string;
  /** The web port; left out, there is no web client. */
  webPort?: number;
  webHosts?: readonly string[];
  /** The IRC port; left out, there is no IRC. */
  ircPort?: number;
  serverName?: string;
  announce?: boolean;
  /** Take shared files on the web port. @default {true} */
  files?: boolean;
}

const MIB = 1024 * 1024;

/** The value of number setting `name`, given or its default, checked to be a number >= 0. */
function numberOf(options: NumberOptions, name: NumberName): number {
  const value = options[name] ?? SETTINGS[name].default;
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`Cannot use ${name} ${value}: expected a number >= 0`);
  }
  return value;
}

/**
 * Resolves what a program gives into the server's whole config: defaults
 * from the table, seconds into milliseconds, rates derived from `--rate`.
 * The bounds of the table are for flags; a program (a test) may go below.
 */
export function resolveConfig(options: ConfigOptions = {}): ServerConfig {
  const number = (name: NumberName) => numberOf(options, name);
  const rate = number("messageRate");
  return {
    hostname: options.hostname ?? "0.0.0.0",
    port: number("port"),
    webPort: options.webPort,
    webHosts: options.webHosts ?? [],
    ircPort: options.ircPort,
    serverName: options.serverName ?? "chat",
    announce: options.announce ?? false,
    historyLimit: number("historyLimit"),
    heartbeatMs: number("heartbeat") * 1000,
    handshakeMs: number("handshake") * 1000,
    probeMs: number("probe") * 1000,
    maxConnections: number("maxConnections"),
    maxPerAddress: number("maxPerAddress"),
    frameRate: { burst: rate * 4, perSecond: rate },
    // Room for the largest message at the frame rate, and never under 32 KiB/s.
    byteRate: {
      burst: Math.max(128 * 1024, rate * 16_384),
      perSecond: Math.max(32 * 1024, rate * 4096),
    },
    maxStrikes: number("maxStrikes"),
    maxQueuedBytes: number("maxQueuedBytes"),
    maxQueuedFrames: number("maxQueuedFrames"),
    greetAfterMs: number("greetAfter"),
    files: options.files ?? true,
    maxFileBytes: Math.floor(number("maxFile") * MIB),
    filesQuotaBytes: Math.floor(number("filesQuota") * MIB),
  };
}

/** The settings `chat serve` takes as flags, with their table entries. */
export function flagSettings(): [SettingName, Setting & { flag: string }][] {
  return (Object.entries(SETTINGS) as [SettingName, Setting][])
    .filter((entry): entry is [SettingName, Setting & { flag: string }] =>
      entry[1].flag !== undefined
    );
}

/**
 * The usage error for flags given together that make no sense together (as
 * the table's `excludes` says), or `undefined`; `given` tells whether a flag
 * (without `--`) was given.
 */
export function flagClash(given: (flag: string) => boolean): string | undefined {
  for (const [, setting] of flagSettings()) {
    if (setting.kind === "number" || !given(setting.flag)) continue;
    // Named as given: those of the table's list that were not given are beside the point.
    const clashing = (setting.excludes ?? []).filter(given);
    if (clashing.length === 0) continue;
    return `--${setting.flag} does not go with ${clashing.map((flag) => `--${flag}`).join(" or ")}`;
  }
  return undefined;
}

/** The `parseArgs` option of one flag setting. */
type FlagOption<S> = S extends { kind: "boolean" } ? { type: "boolean" }
  : S extends { kind: "strings" } ? { type: "string"; multiple: true }
  : { type: "string" };

/** The options of `chat serve` for `parseArgs`, by flag. */
export type ServeFlagOptions = {
  [K in SettingName as (typeof SETTINGS)[K] extends { flag: infer F extends string } ? F : never]:
    FlagOption<(typeof SETTINGS)[K]>;
};

/** The options of `chat serve` for `parseArgs`, made from the table. */
export function serveFlagOptions(): ServeFlagOptions {
  const options: Record<string, { type: "string" | "boolean"; multiple?: true }> = {};
  for (const [, setting] of flagSettings()) {
    options[setting.flag] = setting.kind === "boolean"
      ? { type: "boolean" }
      : setting.kind === "strings"
      ? { type: "string", multiple: true }
      : { type: "string" };
  }
  return options as ServeFlagOptions;
}

/**
 * The lines of `--help` that list the flags, made from the table, then the
 * `more` rows (`["-h, --help", "show this help"]`), wrapped at 80 columns;
 * every description starts in one column, two spaces after the longest
 * flag. A `{name}` in a flag's help reads `values[name]` (the data folder's
 * default path, say), filled in before the words are wrapped.
 */
export function flagHelp(
  values: Readonly<Record<string, string>> = {},
  more: readonly (readonly [string, string])[] = [],
): string[] {
  const rows: [string, string][] = [];
  for (const [, setting] of flagSettings()) {
    const name = setting.arg === undefined
      ? `--${setting.flag}`
      : `--${setting.flag} ${setting.arg}`;
    const unit = setting.kind === "number" && (setting.unit === "s" || setting.unit === "MiB")
      ? ` ${setting.unit}`
      : "";
    // A lower bound above 1 is one a user may not expect: say it.
    const bounds = setting.kind === "number" && setting.min > 1
      ? `, ${setting.min} to ${setting.max}`
      : "";
    const text = setting.help.replace(/\{(\w+)\}/g, (whole, name) => values[name] ?? whole);
    rows.push([
      name,
      setting.kind === "number" ? `${text} (default ${setting.default}${unit}${bounds})` : text,
    ]);
  }
  rows.push(...more.map(([name, help]): [string, string] => [name, help]));
  const column = 2 + Math.max(...rows.map(([name]) => name.length)) + 2;
  const lines: string[] = [];
  for (const [name, help] of rows) {
    let line = `  ${name}`.padEnd(column);
    for (const word of help.split(" ")) {
      if (line.length + word.length > 80 && line.length > column) {
        lines.push(line.trimEnd());
        line = " ".repeat(column);
      }
      line += `${word} `;
    }
    lines.push(line.trimEnd());
  }
  return lines;
}

/**
 * Reads a number flag within its bounds; `undefined` when the flag was not
 * given. Throws a `RangeError` whose message names the flag and the bounds.
 */
export function parseNumberFlag(name: NumberName, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const setting: NumberSetting = SETTINGS[name];
  // Digits only, and no more of them than the largest value has (no 1e3, no 0x10, no 1.5).
  const digits = String(setting.max).length;
  const value = new RegExp(`^\\d{1,${digits}}$`).test(text) ? Number(text) : NaN;
  if (!(value >= setting.min && value <= setting.max)) {
    const instead = value < setting.min && setting.belowMin !== undefined
      ? `; ${setting.belowMin}`
      : "";
    throw new RangeError(
      `invalid --${setting.flag} "${text}": expected a number from ${setting.min} to ${setting.max}${instead}`,
    );
  }
  return value;
}
