/** The server's settings table (server/config.ts): defaults, units, bounds, flags and help. */

import assert from "node:assert/strict";
import {
  flagClash,
  flagHelp,
  flagSettings,
  parseNumberFlag,
  resolveConfig,
  serveFlagOptions,
  SETTINGS,
} from "../server/config.ts";
import { fitConnections, RESERVED_DESCRIPTORS } from "../server/descriptors.ts";
import { parseClusterUrls } from "../cli/serve.ts";

Deno.test("SETTINGS gives every number a default within its bounds", () => {
  for (const [name, setting] of Object.entries(SETTINGS)) {
    if (setting.kind !== "number") continue;
    assert.ok(setting.min <= setting.default && setting.default <= setting.max, name);
  }
});

Deno.test("resolveConfig() fills every value from the table, in milliseconds", () => {
  const config = resolveConfig();
  assert.equal(config.port, 5002);
  assert.equal(config.webPort, undefined, "a program gets a web client only if it asks");
  assert.equal(config.ircPort, undefined, "a program gets IRC only if it asks");
  assert.equal(config.historyLimit, 50);
  assert.equal(config.heartbeatMs, 30_000);
  assert.equal(config.handshakeMs, 10_000);
  assert.equal(config.probeMs, 5_000);
  assert.equal(config.greetAfterMs, 500);
  assert.equal(config.maxConnections, 2000);
  assert.equal(config.maxPerAddress, 32);
  assert.deepEqual(config.frameRate, { burst: 40, perSecond: 10 });
  assert.deepEqual(config.byteRate, { burst: 160 * 1024, perSecond: 40 * 1024 });
  assert.equal(config.maxQueuedBytes, 1024 * 1024);
  assert.equal(config.maxStrikes, 10);
  for (const [key, value] of Object.entries(config)) {
    if (key !== "webPort" && key !== "ircPort") assert.notEqual(value, undefined, key);
  }
});

Deno.test("resolveConfig() takes what a program gives, below a flag's bounds too", () => {
  const config = resolveConfig({ heartbeat: 1, handshake: 0.25, messageRate: 1000, webPort: 0 });
  assert.equal(config.heartbeatMs, 1000);
  assert.equal(config.handshakeMs, 250);
  assert.deepEqual(config.frameRate, { burst: 4000, perSecond: 1000 });
  assert.deepEqual(config.byteRate, { burst: 1000 * 16_384, perSecond: 1000 * 4096 });
  assert.equal(config.webPort, 0);
  assert.throws(() => resolveConfig({ heartbeat: -1 }), RangeError);
  assert.throws(() => resolveConfig({ maxStrikes: Number.NaN }), RangeError);
});

Deno.test("parseNumberFlag() keeps a flag within the table's bounds", () => {
  assert.equal(parseNumberFlag("heartbeat", undefined), undefined);
  assert.equal(parseNumberFlag("heartbeat", "5"), 5);
  assert.equal(parseNumberFlag("port", "0"), 0);
  for (const text of ["4", "3601", "abc", "1.5", "-1", "", "0x10"]) {
    assert.throws(
      () => parseNumberFlag("heartbeat", text),
      {
        name: "RangeError",
        message: `invalid --heartbeat "${text}": expected a number from 5 to 3600`,
      },
    );
  }
});

Deno.test("parseNumberFlag() takes each flag's largest value, however many digits it has", () => {
  for (const [name, setting] of flagSettings()) {
    if (setting.kind !== "number") continue;
    const key = name as Parameters<typeof parseNumberFlag>[0];
    assert.equal(parseNumberFlag(key, String(setting.max)), setting.max, setting.flag);
    assert.equal(parseNumberFlag(key, String(setting.min)), setting.min, setting.flag);
    const bounds = `expected a number from ${setting.min} to ${setting.max}`;
    const below = setting.belowMin === undefined ? "" : `; ${setting.belowMin}`;
    for (
      const [text, instead] of [[String(setting.max + 1), ""], [String(setting.min - 1), below]]
    ) {
      assert.throws(() => parseNumberFlag(key, text), {
        name: "RangeError",
        message: `invalid --${setting.flag} "${text}": ${bounds}${instead}`,
      });
    }
  }
});

Deno.test("the flags, their parseArgs options and --help come from the one table", () => {
  const options = serveFlagOptions();
  const help = flagHelp().join("\n");
  for (const [, setting] of flagSettings()) {
    const option = options[setting.flag as keyof typeof options];
    assert.ok(option !== undefined, setting.flag);
    assert.equal(option.type, setting.kind === "boolean" ? "boolean" : "string", setting.flag);
    assert.match(help, new RegExp(`^  --${setting.flag}\\b`, "m"), setting.flag);
    if (setting.kind === "number") {
      assert.ok(help.includes(`(default ${setting.default}`), `${setting.flag}'s default`);
    }
  }
  for (const line of flagHelp()) assert.ok(line.length <= 80, line);
  // Every description starts in one column, at least two spaces after its flag, the longest too.
  const rows = flagHelp({}, [["-h, --help", "show this help"]]);
  const starts = rows.map((line) => {
    const flag = /^ {2}(-h, --help|--[\w-]+(?: [A-Z]+)?)( *)/.exec(line);
    if (flag === null) return /^ */.exec(line)![0].length;
    assert.ok(flag[2]!.length >= 2, `two spaces after the flag: ${JSON.stringify(line)}`);
    return flag[0].length;
  });
  const column = starts[0]!;
  starts.forEach((start, index) => assert.equal(start, column, JSON.stringify(rows[index])));
  assert.ok(rows.includes("  -h, --help".padEnd(column) + "show this help"), rows.join("\n"));
  // A value filled in (the data folder's default path) is wrapped with the words around it.
  const dataDir = "/home/someone-with-a-long-name/.local/share/chat";
  const filled = flagHelp({ dataDir });
  for (const line of filled) assert.ok(line.length <= 80, line);
  assert.ok(filled.join(" ").replace(/\s+/g, " ").includes(`(default: ${dataDir})`));
  assert.equal(Object.keys(options).length, flagSettings().length);
});

Deno.test("flagClash() refuses a switch with the flags it makes pointless, as the table says", () => {
  const flags = new Set(flagSettings().map(([, setting]) => setting.flag));
  for (const [, setting] of flagSettings()) {
    if (setting.kind === "number") continue;
    for (const flag of setting.excludes ?? []) {
      assert.ok(flags.has(flag), `--${setting.flag} excludes --${flag}, which is no flag`);
    }
  }
  const given = (...names: string[]) => (flag: string) => names.includes(flag);
  assert.equal(
    flagClash(given("no-files", "files-quota")),
    "--no-files does not go with --files-quota",
  );
  assert.equal(
    flagClash(given("no-files", "max-file", "files-quota")),
    "--no-files does not go with --max-file or --files-quota",
  );
  assert.equal(flagClash(given("no-irc", "irc-port")), "--no-irc does not go with --irc-port");
  // Without the page there are no files: turning them off as well, or sizing them, is a mistake.
  assert.equal(
    flagClash(given("no-files", "no-web", "port")),
    "--no-web does not go with --no-files",
  );
  assert.equal(flagClash(given("no-web", "max-file")), "--no-web does not go with --max-file");
  assert.equal(flagClash(given("no-irc", "no-web", "port")), undefined);
  assert.equal(flagClash(given("max-file", "files-quota", "web-port")), undefined);
  assert.equal(resolveConfig().files, true);
  assert.equal(resolveConfig({ files: false }).files, false);
});

Deno.test("README lists every flag of chat serve", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const table = readme.slice(
    readme.indexOf("### `chat serve` flags"),
    readme.indexOf("### `chat join` flags"),
  );
  for (const [, setting] of flagSettings()) {
    assert.ok(table.includes(`\`--${setting.flag}`), `README does not list --${setting.flag}`);
    // The bounds of a number, as the usage error gives them; a port's are a port's.
    if (setting.kind !== "number" || setting.flag.endsWith("port")) continue;
    const row = table.split("\n").find((line) => line.startsWith(`| \`--${setting.flag} `)) ?? "";
    assert.ok(
      row.includes(`(${setting.min} to ${setting.max}`),
      `README's --${setting.flag} does not say ${setting.min} to ${setting.max}: ${row}`,
    );
  }
});

Deno.test("every NATS URL README shows for --cluster is one chat serve takes", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const urls = [...readme.matchAll(/(?:nats|tls):\/\/[^\s`,]+/g)].map(([url]) => url);
  assert.ok(urls.some((url) => url.startsWith("tls://")), "README shows a tls:// URL");
  for (const url of urls) assert.doesNotThrow(() => parseClusterUrls(url), url);
});

Deno.test("parseClusterUrls() says NATS's default port where a URL leaves it out", () => {
  assert.deepEqual(parseClusterUrls("127.0.0.1").urls, ["nats://127.0.0.1:4222"]);
  assert.deepEqual(parseClusterUrls("nats://a:5222, tls://b.lan").urls, [
    "nats://a:5222",
    "tls://b.lan:4222",
  ]);
  assert.deepEqual(parseClusterUrls("[::1]").urls, ["nats://[::1]:4222"]);
});

Deno.test("fitConnections() lowers the connection limit to what the open-file limit holds, or to none", () => {
  // Room for 2000 and the reserve: nothing to say.
  assert.deepEqual(fitConnections(2000, { free: 2000 + RESERVED_DESCRIPTORS, limit: undefined }), {
    max: 2000,
    lowered: undefined,
  });
  // ulimit -n 256 with 24 open: 232 free.
  assert.deepEqual(fitConnections(2000, { free: 232, limit: 256 }), {
    max: 232 - RESERVED_DESCRIPTORS,
    lowered: "Only 40 connections fit in the open-file limit (ulimit -n 256), not 2000: " +
      "--max-connections is lowered to 40. To allow 2000, raise the limit before starting the " +
      'server, e.g. "ulimit -n 3072"',
  });
  // One beside the reserve is one.
  assert.deepEqual(fitConnections(2000, { free: RESERVED_DESCRIPTORS + 1, limit: undefined }), {
    max: 1,
    lowered: "Only 1 connection fits in the file descriptors left, not 2000: " +
      "--max-connections is lowered to 1",
  });
  // ulimit -n 150 with 20 open: 130 free, fewer than the reserve, so none fits and none is said.
  assert.deepEqual(fitConnections(2000, { free: 130, limit: 150 }), {
    max: 0,
    lowered: "No connection fits in the open-file limit (ulimit -n 150): the server keeps " +
      `${RESERVED_DESCRIPTORS} file descriptors for itself beside one per connection, and 130 ` +
      'are free. Raise the limit before starting the server, e.g. "ulimit -n 3072"',
  });
  assert.equal(fitConnections(1, { free: RESERVED_DESCRIPTORS, limit: 1024 }).max, 0);
  // The system's table full: no limit to raise.
  assert.deepEqual(fitConnections(2000, { free: 10, limit: undefined }), {
    max: 0,
    lowered: "No connection fits in the file descriptors left: the server keeps " +
      `${RESERVED_DESCRIPTORS} file descriptors for itself beside one per connection, and 10 ` +
      "are free",
  });
});
