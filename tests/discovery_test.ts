/**
 * LAN discovery: the datagram format on its own, then servers, `chat ls` and
 * `chat join` without an address in network namespaces this file creates:
 * two namespaces joined by a veth pair (10.99.0.1/24 and 10.99.0.2/24). No
 * discovery datagram or scan ever touches the host's own interfaces. Where
 * namespaces cannot be created, those tests are ignored with the reason in
 * their names.
 */

import assert from "node:assert/strict";
import { UsageError } from "../cli/args.ts";
import { ESCAPE_TIMEOUT_MS } from "../client/line_editor.ts";
import { joinCommand, LS_HELP, lsCommand, quoteServerName } from "../cli/ls.ts";
import { findLocal, localNetworks } from "../discovery/finder.ts";
import {
  type Announcement,
  broadcastAddress,
  checkServerName,
  encodeAnnouncement,
  encodeQuery,
  isUnicastIPv4,
  MAX_ADDRESSES,
  MAX_DATAGRAM_BYTES,
  MAX_SERVER_NAME_LENGTH,
  parseAnnouncement,
  parseQuery,
  prefixLength,
  sameNetwork,
  scanRange,
  toServerName,
} from "../discovery/beacon.ts";
import { sanitizeText } from "../core/sanitize.ts";
import { announceTargets, startAnnouncer } from "../discovery/announcer.ts";
import { assertOneErrorLine, ChatProcess, type ChatProcessOptions, ROOT } from "./_chat_process.ts";
import { chatCommand, shellQuote, Tmux, TMUX_VERSION } from "./e2e/_tmux.ts";

const text = (value: string) => new TextEncoder().encode(value);
const json = (value: unknown) => text(JSON.stringify(value));

const SAMPLE: Announcement = {
  id: "5f0c1a2b3c4d5e6f",
  name: "ann-laptop",
  addresses: ["192.168.1.5"],
  port: 5002,
  webPort: 5003,
  users: 3,
  password: false,
  tls: false,
};

/** The sample as sent on the wire, with `change` applied (`undefined` removes a field). */
function wire(change: Record<string, unknown> = {}): Record<string, unknown> {
  const record: Record<string, unknown> = { type: "chat.announce", v: 1, ...SAMPLE, ...change };
  for (const [key, value] of Object.entries(record)) if (value === undefined) delete record[key];
  return record;
}

function refused(bytes: Uint8Array): string {
  const parsed = parseAnnouncement(bytes);
  assert.equal(parsed.ok, false, `accepted ${new TextDecoder().decode(bytes).slice(0, 200)}`);
  return parsed.ok ? "" : parsed.reason;
}

Deno.test("encodeAnnouncement() and parseAnnouncement() round-trip every field", () => {
  const bytes = encodeAnnouncement(SAMPLE);
  assert.deepEqual(parseAnnouncement(bytes), { ok: true, value: SAMPLE });
  const { webPort: _, ...withoutWeb } = SAMPLE;
  const plain: Announcement = { ...withoutWeb, password: true, tls: true, users: 0 };
  assert.deepEqual(parseAnnouncement(encodeAnnouncement(plain)), { ok: true, value: plain });
  assert.ok(!new TextDecoder().decode(encodeAnnouncement(plain)).includes("webPort"));
  const many = { ...SAMPLE, addresses: ["10.0.0.1", "10.0.0.2", "172.16.5.4", "192.168.0.9"] };
  assert.deepEqual(parseAnnouncement(encodeAnnouncement(many)), { ok: true, value: many });
});

Deno.test("parseAnnouncement() refuses datagrams over the size limit", () => {
  const padded = wire({ name: "x" });
  const base = JSON.stringify(padded).length;
  const fits = text(JSON.stringify(padded) + " ".repeat(MAX_DATAGRAM_BYTES - base));
  assert.equal(fits.length, MAX_DATAGRAM_BYTES);
  assert.equal(parseAnnouncement(fits).ok, true);
  const over = text(JSON.stringify(padded) + " ".repeat(MAX_DATAGRAM_BYTES - base + 1));
  assert.match(refused(over), /over 1200 bytes/);
  assert.match(refused(new Uint8Array(65_000).fill(0x20)), /over 1200 bytes/);
});

Deno.test("parseAnnouncement() refuses other versions, types and non-objects", () => {
  for (const v of [0, 2, "1", 1.5, null, undefined]) {
    assert.match(refused(json(wire({ v }))), /version/);
  }
  for (const type of ["chat.query", "announce", "CHAT.ANNOUNCE", undefined, 1]) {
    assert.match(refused(json(wire({ type }))), /type/);
  }
  for (const value of ["null", "[]", "1", '"chat.announce"', "", "{", "1e999", "{}"]) {
    refused(text(value));
  }
  refused(new Uint8Array([0xef, 0xbb, 0xbf, ...json(wire())]));
  refused(new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]));
  refused(text(JSON.stringify(wire()).replace('"ann-laptop"', '"ann\\ud800"')));
});

Deno.test("parseAnnouncement() refuses fields of the wrong type or out of range", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ id: undefined }, /"id"/],
    [{ id: "5F0C1A2B3C4D5E6F" }, /"id"/],
    [{ id: "5f0c1a2b3c4d5e6" }, /"id"/],
    [{ id: 1234567890123456 }, /"id"/],
    [{ name: undefined }, /"name"/],
    [{ name: 42 }, /"name"/],
    [{ name: ["ann"] }, /"name"/],
    [{ addresses: undefined }, /"addresses"/],
    [{ addresses: "192.168.1.5" }, /"addresses"/],
    [{ addresses: [] }, /"addresses"/],
    [{ addresses: [3232235781] }, /"addresses"/],
    [{ port: undefined }, /"port"/],
    [{ port: "5002" }, /"port"/],
    [{ port: 0 }, /"port"/],
    [{ port: 65536 }, /"port"/],
    [{ port: 5002.5 }, /"port"/],
    [{ webPort: null }, /"webPort"/],
    [{ webPort: 0 }, /"webPort"/],
    [{ users: -1 }, /"users"/],
    [{ users: 1.5 }, /"users"/],
    [{ users: 1e300 }, /"users"/],
    [{ users: "3" }, /"users"/],
    [{ password: undefined }, /"password"/],
    [{ password: "no" }, /"password"/],
    [{ password: 0 }, /"password"/],
    [{ tls: null }, /"tls"/],
  ];
  for (const [change, reason] of cases) {
    assert.match(refused(json(wire(change))), reason, JSON.stringify(change));
  }
});

Deno.test("parseAnnouncement() refuses forged and inconsistent fields", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ admin: true }, /unknown field "admin"/],
    [{ host: "evil.example" }, /unknown field/],
    [{ webPort: 5002 }, /same as "port"/],
    [{ addresses: ["127.0.0.1"] }, /"addresses"/],
    [{ addresses: ["0.0.0.0"] }, /"addresses"/],
    [{ addresses: ["255.255.255.255"] }, /"addresses"/],
    [{ addresses: ["239.255.50.2"] }, /"addresses"/],
    [{ addresses: ["192.168.1.5", "192.168.1.5"] }, /"addresses"/],
    [{ addresses: ["192.168.001.5"] }, /"addresses"/],
    [{ addresses: ["192.168.1.256"] }, /"addresses"/],
    [{ addresses: [" 192.168.1.5"] }, /"addresses"/],
    [{ addresses: ["example.com"] }, /"addresses"/],
    [{ addresses: ["::1"] }, /"addresses"/],
    [{
      addresses: Array.from({ length: MAX_ADDRESSES + 1 }, (_, i) => `10.0.0.${i + 1}`),
    }, /"addresses"/],
  ];
  for (const [change, reason] of cases) {
    assert.match(refused(json(wire(change))), reason, JSON.stringify(change));
  }
  // A "__proto__" key is an own property after JSON.parse: refused, never merged.
  const proto = text(JSON.stringify(wire()).replace("{", '{"__proto__":{"admin":true},'));
  assert.match(refused(proto), /unknown field "__proto__"/);
  assert.equal(({} as Record<string, unknown>).admin, undefined);
});

Deno.test("parseAnnouncement() refuses hostile names; sanitizeText() cleans any that get through", () => {
  const hostile = [
    "",
    " ann",
    "ann ",
    "\x1b[2Jann",
    "ann\x1b]0;pwned\x07",
    "ann\x1b]52;c;ZXZpbA==\x07",
    "ann\x07",
    "ann\nbob: hi",
    "ann\r",
    "ann\u009b31m",
    "a\u202eb",
    "a\u2066b",
    "a\u200bb",
    "x".repeat(MAX_SERVER_NAME_LENGTH + 1),
  ];
  for (const name of hostile) assert.match(refused(json(wire({ name }))), /"name"/, name);
  for (const name of ["Zoë's laptop", "李雷的电脑", "lab server #2", "x".repeat(64), "🐧"]) {
    assert.equal(parseAnnouncement(json(wire({ name }))).ok, true, name);
  }
  for (const name of hostile.slice(3)) {
    const shown = sanitizeText(name);
    // deno-lint-ignore no-control-regex
    assert.doesNotMatch(shown, /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/, name);
  }
});

Deno.test("parseAnnouncement() and parseQuery() never throw on random bytes", () => {
  for (let i = 0; i < 2_000; i++) {
    const bytes = crypto.getRandomValues(new Uint8Array(Math.floor(Math.random() * 1_300)));
    if (Math.random() < 0.3) bytes[0] = 0x7b; // "{", to get further into the parser
    assert.equal(parseAnnouncement(bytes).ok, false);
    assert.equal(parseQuery(bytes).ok, false);
  }
  const deep = text("[".repeat(600) + "]".repeat(600));
  assert.equal(parseAnnouncement(deep).ok, false);
});

Deno.test("encodeQuery() is exactly the size limit, larger than the largest answer", () => {
  const query = encodeQuery();
  assert.equal(query.length, MAX_DATAGRAM_BYTES);
  assert.deepEqual(parseQuery(query), { ok: true, value: { size: MAX_DATAGRAM_BYTES } });
  const largest: Announcement = {
    id: "ffffffffffffffff",
    name: '"\\'.repeat(MAX_SERVER_NAME_LENGTH / 2),
    addresses: Array.from({ length: MAX_ADDRESSES }, (_, i) => `192.168.255.${250 + i - 8}`),
    port: 65535,
    webPort: 65534,
    users: 1_000_000,
    password: true,
    tls: true,
  };
  const emoji: Announcement = { ...largest, name: "🐧".repeat(MAX_SERVER_NAME_LENGTH) };
  for (const announcement of [largest, emoji]) {
    assert.ok(encodeAnnouncement(announcement).length < query.length);
  }
  assert.throws(() => encodeAnnouncement({ ...SAMPLE, name: "\x1b[2J" }), RangeError);
  assert.throws(() => encodeAnnouncement({ ...SAMPLE, port: 0 }), RangeError);
});

Deno.test("parseQuery() accepts only a well-formed query of this version", () => {
  assert.equal(parseQuery(text('{"type":"chat.query","v":1,"pad":""}')).ok, true);
  const padded = new TextDecoder().decode(encodeQuery());
  for (
    const bad of [
      padded.replace('"v":1', '"v":2'),
      padded.replace('"pad":"..', '"pad":"xx'),
      padded.replace('"pad"', '"extra":1,"pad"'),
      '{"type":"chat.query","v":1}',
      '{"type":"chat.query","v":1,"pad":5}',
      '{"type":"chat.announce","v":1,"pad":""}',
      padded + " ",
    ]
  ) {
    assert.equal(parseQuery(text(bad)).ok, false, bad.slice(0, 80));
  }
  assert.equal(parseQuery(encodeAnnouncement(SAMPLE)).ok, false);
});

Deno.test("IPv4 helpers compute masks, broadcast addresses and scan ranges", () => {
  assert.equal(prefixLength("255.255.255.0"), 24);
  assert.equal(prefixLength("255.255.240.0"), 20);
  assert.equal(prefixLength("255.255.255.255"), 32);
  assert.equal(prefixLength("0.0.0.0"), 0);
  assert.equal(prefixLength("255.0.255.0"), undefined);
  assert.equal(broadcastAddress("192.168.1.5", "255.255.255.0"), "192.168.1.255");
  assert.equal(broadcastAddress("10.1.2.3", "255.255.240.0"), "10.1.15.255");
  assert.equal(broadcastAddress("10.1.2.3", "255.255.255.254"), undefined);
  assert.equal(broadcastAddress("10.1.2.3", "255.255.255.255"), undefined);
  assert.ok(sameNetwork("10.99.0.200", "10.99.0.1", "255.255.255.0"));
  assert.ok(!sameNetwork("10.99.1.2", "10.99.0.1", "255.255.255.0"));
  assert.ok(
    !isUnicastIPv4("127.0.0.1") && !isUnicastIPv4("224.0.0.1") && isUnicastIPv4("10.0.0.1"),
  );
  const slash24 = scanRange("192.168.1.5", "255.255.255.0");
  assert.equal(slash24.length, 254);
  assert.equal(slash24[0], "192.168.1.1");
  assert.equal(slash24.at(-1), "192.168.1.254");
  // A larger network is cut to the /24 around the address; a smaller one is scanned whole.
  assert.deepEqual(
    scanRange("10.1.2.3", "255.255.0.0"),
    slash24.map((a) => a.replace("192.168.1", "10.1.2")),
  );
  assert.deepEqual(scanRange("10.1.2.3", "255.255.255.252"), ["10.1.2.1", "10.1.2.2"]);
  assert.deepEqual(scanRange("127.0.0.1", "255.0.0.0"), []);
});

Deno.test("checkServerName() and toServerName() keep server names printable", () => {
  assert.equal(checkServerName("lab server"), undefined);
  assert.match(checkServerName("")!, /empty/);
  assert.match(checkServerName("a\x1bb")!, /control/);
  assert.match(checkServerName("x".repeat(65))!, /at most 64/);
  assert.equal(toServerName("my-host.local"), "my-host.local");
  assert.equal(toServerName("  evil\x1b[2J\u202ehost  "), "evilhost");
  assert.equal(toServerName("x".repeat(100)), "x".repeat(64));
  assert.equal(toServerName("\x1b[2J"), "chat");
});

const INTERFACES: Deno.NetworkInterfaceInfo[] = [
  {
    name: "lo",
    family: "IPv4",
    address: "127.0.0.1",
    netmask: "255.0.0.0",
    scopeid: null,
    cidr: "127.0.0.1/8",
    mac: "00:00:00:00:00:00",
  },
  {
    name: "eth0",
    family: "IPv4",
    address: "192.168.1.5",
    netmask: "255.255.255.0",
    scopeid: null,
    cidr: "192.168.1.5/24",
    mac: "02:00:00:00:00:01",
  },
  {
    name: "eth0",
    family: "IPv4",
    address: "192.168.7.5",
    netmask: "255.255.255.0",
    scopeid: null,
    cidr: "192.168.7.5/24",
    mac: "02:00:00:00:00:01",
  },
  {
    name: "eth0",
    family: "IPv6",
    address: "fe80::1",
    netmask: "ffff:ffff:ffff:ffff::",
    scopeid: 2,
    cidr: "fe80::1/64",
    mac: "02:00:00:00:00:01",
  },
  {
    name: "wg0",
    family: "IPv4",
    address: "10.8.0.2",
    netmask: "255.255.255.255",
    scopeid: null,
    cidr: "10.8.0.2/32",
    mac: "00:00:00:00:00:00",
  },
];

Deno.test("quoteServerName() keeps every valid name inside one pair of quotes", () => {
  const cases: [string, string][] = [
    ["ann-laptop", '"ann-laptop"'],
    ['evil" at 10.9.9.9', '"evil\\" at 10.9.9.9"'],
    ["back\\slash", '"back\\\\slash"'],
    ["lab   10.9.9.9  99 people", '"lab   10.9.9.9  99 people"'],
    ["wide\u00a0\u00a0\u3000gap", '"wide\\u00a0\\u00a0\\u3000gap"'],
    ["curly\u201d at 10.9.9.9 \uff02x", '"curly\\u201d at 10.9.9.9 \\uff02x"'],
    ["café 李雷 🎉", '"café 李雷 🎉"'],
  ];
  for (const [name, shown] of cases) {
    assert.equal(checkServerName(name), undefined, `${JSON.stringify(name)} is a valid name`);
    assert.equal(quoteServerName(name), shown);
    assert.equal(JSON.parse(shown), name, "read as JSON, it is the name again");
  }
});

Deno.test("announceTargets() speaks only where the server is bound", () => {
  for (const hostname of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "fe80::1", "my-host"]) {
    assert.deepEqual(announceTargets(hostname, INTERFACES), [], hostname);
  }
  assert.deepEqual(announceTargets("0.0.0.0", INTERFACES), [
    {
      interface: "eth0",
      address: "192.168.1.5",
      netmask: "255.255.255.0",
      broadcast: "192.168.1.255",
      addresses: ["192.168.1.5", "192.168.7.5"],
    },
    {
      interface: "eth0",
      address: "192.168.7.5",
      netmask: "255.255.255.0",
      broadcast: "192.168.7.255",
      addresses: ["192.168.7.5", "192.168.1.5"],
    },
    {
      interface: "wg0",
      address: "10.8.0.2",
      netmask: "255.255.255.255",
      broadcast: undefined,
      addresses: ["10.8.0.2"],
    },
  ]);
  assert.deepEqual(announceTargets("192.168.7.5", INTERFACES), [
    {
      interface: "eth0",
      address: "192.168.7.5",
      netmask: "255.255.255.0",
      broadcast: "192.168.7.255",
      addresses: ["192.168.7.5"],
    },
  ]);
  assert.deepEqual(announceTargets("192.168.9.9", INTERFACES), []);
  assert.deepEqual(localNetworks(INTERFACES).map((network) => network.address), [
    "192.168.1.5",
    "192.168.7.5",
    "10.8.0.2",
  ]);
});

Deno.test("startAnnouncer() bound to loopback opens nothing and never looks at the network", async () => {
  for (const hostname of ["127.0.0.1", "localhost", "::1"]) {
    let asked = false;
    await using announcer = await startAnnouncer({
      hostname,
      port: 5002,
      name: "lab",
      password: false,
      tls: false,
      users: () => 0,
      interfaces: () => {
        asked = true;
        return INTERFACES;
      },
    });
    assert.deepEqual(announcer.targets, []);
    assert.equal(asked, false, hostname);
  }
});

Deno.test("lsCommand() prints its help and refuses bad flags before it sends anything", async () => {
  const printed: string[] = [];
  const log = console.log;
  console.log = (line: string) => printed.push(line);
  try {
    assert.equal(await lsCommand(["--help"]), 0);
  } finally {
    console.log = log;
  }
  assert.deepEqual(printed, [LS_HELP]);
  assert.match(LS_HELP, /^Usage: chat ls \[options\]\n[\s\S]*--json[\s\S]*--scan/);
  const bad: [string[], RegExp][] = [
    [["--wait", "0"], /--wait "0"/],
    [["--wait", "31"], /--wait "31"/],
    [["--wait", "abc"], /--wait "abc"/],
    [["--scan", "--port", "0"], /port "0"/],
    [["somewhere"], /unexpected argument "somewhere"/],
    [["--bogus"], /--bogus/],
  ];
  for (const [args, message] of bad) {
    await assert.rejects(lsCommand(args), (error: Error) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, message);
      return true;
    });
  }
});

// ---------------------------------------------------------------------------
// Network namespaces

const PEER = new URL("./_discovery_peer.ts", import.meta.url).pathname;
const A_ADDRESS = "10.99.0.1";
const B_ADDRESS = "10.99.0.2";

async function ip(...args: string[]): Promise<void> {
  const { success, stderr } = await new Deno.Command("ip", {
    args,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!success) {
    throw new Error(`ip ${args.join(" ")}: ${new TextDecoder().decode(stderr).trim()}`);
  }
}

let labs = 0;
const LAB_PREFIX = `chat-disc-${Deno.pid}-${crypto.randomUUID().slice(0, 4)}`;

/** Why network namespaces cannot be made here, or `undefined` if they can. */
async function namespaceProblem(): Promise<string | undefined> {
  if (Deno.build.os !== "linux") return "not Linux";
  const name = `${LAB_PREFIX}-probe`;
  try {
    await ip("netns", "add", name);
  } catch (error) {
    return (error as Error).message.replace(/^ip netns add \S+: /, "").split("\n")[0];
  }
  await ip("netns", "del", name);
  return undefined;
}

const problem = await namespaceProblem();

/** Names a namespace test, with the reason when it cannot run. */
function nsTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name: problem === undefined
      ? name
      : `${name} (ignored: cannot create network namespaces: ${problem})`,
    ignore: problem !== undefined,
    fn,
  });
}

/** Options for a process in namespace `ns`, stopped with SIGTERM, then SIGKILL 3 s later. */
function inNamespace(ns: string, options: ChatProcessOptions = {}): ChatProcessOptions {
  return { ...options, wrap: ["ip", "netns", "exec", ns], graceMs: 3_000 };
}

/**
 * Two network namespaces, "a" (10.99.0.1/24) and "b" (10.99.0.2/24), joined
 * by a veth pair: a LAN of two machines that only this test can see.
 */
class Lab implements AsyncDisposable {
  readonly a: string;
  readonly b: string;
  readonly #procs: ChatProcess[] = [];

  constructor(prefix: string) {
    this.a = `${prefix}-a`;
    this.b = `${prefix}-b`;
  }

  static async create(): Promise<Lab> {
    const lab = new Lab(`${LAB_PREFIX}-${++labs}`);
    try {
      await ip("netns", "add", lab.a);
      await ip("netns", "add", lab.b);
      // Both ends are made inside the namespaces: nothing appears on the host.
      await ip(
        "-n",
        lab.a,
        "link",
        "add",
        "veth0",
        "type",
        "veth",
        "peer",
        "name",
        "veth0",
        "netns",
        lab.b,
      );
      await ip("-n", lab.a, "addr", "add", `${A_ADDRESS}/24`, "dev", "veth0");
      await ip("-n", lab.b, "addr", "add", `${B_ADDRESS}/24`, "dev", "veth0");
      for (const ns of [lab.a, lab.b]) {
        await ip("-n", ns, "link", "set", "lo", "up");
        await ip("-n", ns, "link", "set", "veth0", "up");
      }
    } catch (error) {
      await lab[Symbol.asyncDispose]();
      throw error;
    }
    return lab;
  }

  /** Runs `chat args` in namespace `ns` with the `chat` task's permissions. */
  chat(ns: string, args: string[], env: Record<string, string> = {}): ChatProcess {
    const proc = new ChatProcess(args, inNamespace(ns, { env }));
    this.#procs.push(proc);
    return proc;
  }

  /** Runs the discovery peer in namespace `ns`. */
  peer(ns: string, args: string[]): ChatProcess {
    const denoArgs = ["run", "--allow-net", "--allow-sys", "--allow-read", PEER];
    const proc = new ChatProcess(args, inNamespace(ns, { denoArgs }));
    this.#procs.push(proc);
    return proc;
  }

  /** Starts `chat serve` in namespace `ns` and waits for its banner. */
  async serve(ns: string, args: string[], env: Record<string, string> = {}): Promise<ChatProcess> {
    const server = this.chat(ns, ["serve", "--memory", ...args], env);
    await server.waitForStdout(/Press Ctrl-C to stop/);
    return server;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all(this.#procs.map((proc) => proc[Symbol.asyncDispose]()));
    for (const ns of [this.a, this.b]) await ip("netns", "del", ns).catch(() => {});
  }
}

/** The last line of `stdout` that is JSON, parsed. */
function lastJson(stdout: string): unknown {
  const lines = stdout.trim().split("\n").filter((line) => line.startsWith("{"));
  return JSON.parse(lines.at(-1)!);
}

nsTest("chat ls and chat join without an address find a server on a veth network", async () => {
  await using lab = await Lab.create();
  const server = await lab.serve(lab.a, ["--name", "lab server"]);
  assert.match(server.stdout, /Announcing "lab server" on veth0 \(10\.99\.0\.1\)/);

  // Both listings listen at once: each hears the server's announcements on its own.
  const [listed, text] = await Promise.all([
    lab.chat(lab.b, ["ls", "--json", "--wait", "1"]).finished(),
    lab.chat(lab.b, ["ls", "--wait", "1"]).finished(),
  ]);
  assert.equal(listed.code, 0, listed.stderr);
  const [found, ...others] = JSON.parse(listed.stdout);
  assert.deepEqual(others, []);
  assert.match(found.id, /^[0-9a-f]{16}$/);
  assert.deepEqual({ ...found, id: "-" }, {
    source: "announce",
    name: "lab server",
    host: A_ADDRESS,
    port: 5002,
    webPort: 5003,
    users: 0,
    password: false,
    tls: false,
    addresses: [A_ADDRESS],
    id: "-",
  });

  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^Found 1 chat server:\n {2}"lab server" {2}10\.99\.0\.1 {2}0 people/);
  assert.match(text.stdout, /Join one with: chat join 10\.99\.0\.1\n$/);

  // A watcher on the server's own machine sees what the discovered client says.
  const watcher = lab.chat(lab.a, ["join", "127.0.0.1", "--name", "watcher"]);
  await watcher.waitForStdout(/Connected to lab server as watcher/);
  const bee = lab.chat(lab.b, ["join", "--name", "bee"]);
  await bee.write("hello from bee\n");
  const joined = await bee.finished();
  assert.equal(joined.code, 0, joined.stderr);
  assert.match(joined.stdout, /^-- Found "lab server" at 10\.99\.0\.1\n/);
  await watcher.waitForStdout(/bee: hello from bee/);

  const counted = await lab.chat(lab.b, ["ls", "--json", "--wait", "1"]).finished();
  assert.equal(JSON.parse(counted.stdout)[0].users, 1, "the watcher is counted");

  // A second server on the same machine shares the discovery port.
  const secret = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(secret, "s3cret\n");
    await lab.serve(lab.a, [
      "--port",
      "6002",
      "--no-web",
      "--name",
      "second",
      "--password-file",
      secret,
    ]);
  } finally {
    await Deno.remove(secret);
  }
  const both = await lab.chat(lab.b, ["ls", "--json", "--wait", "1"]).finished();
  const servers = JSON.parse(both.stdout);
  assert.deepEqual(
    servers.map((s: Record<string, unknown>) => [s.name, s.port, s.webPort, s.password]),
    [["lab server", 5002, 5003, false], ["second", 6002, undefined, true]],
  );

  const torn = await lab.chat(lab.b, ["join", "--name", "bee"]).finished();
  assert.equal(torn.code, 1);
  assert.match(
    torn.stdout,
    /^Found 2 chat servers:\n {2}1\. "lab server" .*\n {2}2\. "second" .*10\.99\.0\.1:6002/,
  );
  assert.match(
    assertOneErrorLine(torn),
    /found 2 chat servers; say which to join, such as "chat join 10\.99\.0\.1"/,
  );

  // --port narrows the search to one; the password comes from the environment.
  const picked = lab.chat(lab.b, ["join", "--port", "6002", "--name", "wasp"], {
    CHAT_PASSWORD: "s3cret",
  });
  await picked.write("on the second one\n");
  const second = await picked.finished();
  assert.equal(second.code, 0, second.stderr);
  assert.match(
    second.stdout,
    /^-- Found "second" at 10\.99\.0\.1:6002\n-- Connected to second as wasp/,
  );
});

nsTest("chat serve on a network prints the README's banner, line by line", async () => {
  const readme = await Deno.readTextFile(`${ROOT}README.md`);
  const [, example] = /^```\n\$ chat serve\n([\s\S]*?)^```$/m.exec(readme) ??
    assert.fail("README.md shows what chat serve prints");
  const dataDir = await Deno.makeTempDir({ prefix: "chat-banner-" });
  try {
    await using lab = await Lab.create();
    const server = lab.chat(lab.a, ["serve", "--name", "ann-laptop", "--data-dir", dataDir]);
    await server.waitForStdout(/^Press Ctrl-C to stop\.$/m);
    // The README's machine is this one: its data directory, interface and address.
    const expected = example!
      .replaceAll("/home/ann/.local/share/chat", dataDir)
      .replaceAll("wlan0", "veth0")
      .replaceAll("192.168.1.255", "10.99.0.255")
      .replaceAll("192.168.1.5", A_ADDRESS);
    const printed = server.stdout
      .slice(0, server.stdout.indexOf("Press Ctrl-C to stop.\n") + "Press Ctrl-C to stop.\n".length)
      .replace(/^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\] /gm, "[2026-11-27 14:00:02] ")
      .replace(
        /(^ {2}http:\S+\n)[\s\S]*?(?=^or from an IRC client)/m,
        "$1  (a QR code of that address)\n",
      );
    assert.deepEqual(printed.split("\n"), expected.split("\n"));
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

nsTest(
  "chat join and chat ls quote announced names, so none fakes an address or a column",
  async () => {
    await using lab = await Lab.create();
    // The server that is really there announces nothing; a hostile peer on its machine does.
    await lab.serve(lab.a, ["--no-announce", "--no-web", "--name", "real"]);
    const fakeAddress = 'evil" at 10.9.9.9';
    const fakeColumns = "lab   10.9.9.9  99 people";

    const alone = lab.peer(lab.a, ["announce", "10000", fakeAddress]);
    await alone.waitForStdout(/"ready"/);
    const bee = lab.chat(lab.b, ["join", "--name", "bee"]);
    await bee.write("hello\n");
    const joined = await bee.finished();
    assert.equal(joined.code, 0, joined.stderr);
    assert.equal(joined.stdout.split("\n")[0], '-- Found "evil\\" at 10.9.9.9" at 10.99.0.1');
    await alone.stop();

    const both = lab.peer(lab.a, ["announce", "10000", fakeAddress, fakeColumns]);
    await both.waitForStdout(/"ready"/);
    const [listed, json, torn] = await Promise.all([
      lab.chat(lab.b, ["ls", "--wait", "1"]).finished(),
      lab.chat(lab.b, ["ls", "--json", "--wait", "1"]).finished(),
      lab.chat(lab.b, ["join", "--name", "bee"]).finished(),
    ]);
    await both.stop();
    // Either may be heard first; each name stays inside its quotes, in the first column.
    const rows = [
      '  "evil\\" at 10.9.9.9"         10.99.0.1  1 person',
      '  "lab   10.9.9.9  99 people"  10.99.0.1  1 person',
    ];
    assert.equal(listed.code, 0, listed.stderr);
    const lines = listed.stdout.split("\n");
    assert.equal(lines[0], "Found 2 chat servers:");
    assert.deepEqual(lines.slice(1, 3).sort(), rows);
    assert.deepEqual(lines.slice(3), ["Join one with: chat join 10.99.0.1", ""]);

    assert.equal(json.code, 0, json.stderr);
    const names = JSON.parse(json.stdout).map((server: { name: string }) => server.name);
    assert.deepEqual(names.sort(), [fakeAddress, fakeColumns]);

    assert.equal(torn.code, 1);
    const listing = torn.stdout.split("\n");
    assert.equal(listing[0], "Found 2 chat servers:");
    assert.deepEqual(listing.slice(1, 3).map((line) => line.slice(0, 5)).sort(), [
      "  1. ",
      "  2. ",
    ]);
    assert.deepEqual(listing.slice(1, 3).map((line) => `  ${line.slice(5)}`).sort(), rows);
    assert.deepEqual(listing.slice(3), [""]);
    assertOneErrorLine(torn);
  },
);

/** What the question which server to join is tested for. */
const WHICH_ONE_TEST = "chat join: Ctrl-C or Ctrl-D at the question which server to join leaves, " +
  "exit code 0, as at the name question; Esc does not; an answer that picks none says why";

Deno.test({
  name: problem !== undefined
    ? `${WHICH_ONE_TEST} (ignored: cannot create network namespaces: ${problem})`
    : TMUX_VERSION === undefined
    ? `${WHICH_ONE_TEST} (ignored: tmux is not installed)`
    : WHICH_ONE_TEST,
  ignore: problem !== undefined || TMUX_VERSION === undefined,
  async fn() {
    await using lab = await Lab.create();
    const peer = lab.peer(lab.a, ["announce", "10000", "first", "second"]);
    await peer.waitForStdout(/"ready"/);
    const tmux = new Tmux("discovery");
    const question = "Join which one? [1-2] ";
    /** Runs `chat join` in `session`, at a terminal in the other namespace. */
    const start = async (session: string) => {
      const join = ["ip", "netns", "exec", lab.b].map(shellQuote).join(" ") + " " +
        chatCommand("join", "--name", "bee");
      await tmux.newSession(session, `sh -c ${shellQuote(`${join}; echo EXIT=$?; sleep 30`)}`, {
        cwd: ROOT,
      });
    };
    /** Waits until the client in `session` asks which server to join. */
    const asked = async (session: string) => {
      await tmux.waitForScreen(
        session,
        (screen) => screen.cursorLine.startsWith(question.trimEnd()),
        10_000,
        `${session}: the question "Join which one?"`,
      );
    };
    /** Presses `key` in `session` and checks that the client leaves with exit code 0. */
    const leave = async (session: string, key: string) => {
      await tmux.waitForInputRead(session);
      await tmux.press(session, key);
      const screen = await tmux.waitForScreen(
        session,
        (screen) => screen.lines.some((line) => line.includes("EXIT=")),
        10_000,
        `${session}: the client to exit`,
      );
      assert.ok(
        screen.lines.includes("EXIT=0"),
        `${session}: exit code 0 on a line of its own:\n${screen.text}`,
      );
      assert.ok(
        !screen.lines.some((line) => line.startsWith("chat: ")),
        `${session}: an error was printed:\n${screen.text}`,
      );
    };
    try {
      // Three clients, each at its own terminal, look for servers at once; each is then answered.
      const sessions = ["ctrl-c", "ctrl-d", "escape"];
      for (const session of sessions) await start(session);
      await Promise.all(sessions.map(asked));
      // As at the name and password questions: Ctrl-C leaves whatever was typed, Ctrl-D an empty answer.
      await tmux.type("ctrl-c", "1");
      await leave("ctrl-c", "C-c");
      // An answer that picks none is told why, in one line, and the question comes again.
      await tmux.type("ctrl-d", "3");
      await tmux.press("ctrl-d", "Enter");
      const why =
        "!! No server is numbered 3: answer a number from 1 to 2, or press Ctrl-C to leave";
      await tmux.waitForScreen(
        "ctrl-d",
        (screen) => screen.lines.includes(why) && screen.cursorLine === question.trimEnd(),
        10_000,
        "ctrl-d: why 3 is no answer, then the question again",
      );
      await leave("ctrl-d", "C-d");
      // Esc is no way out of the name question, nor of this one: the question stays.
      await tmux.waitForInputRead("escape");
      await tmux.press("escape", "Escape");
      await tmux.waitForInputRead("escape");
      // A key within the escape timeout of ESC is that key with Alt, as a terminal sends it: a
      // person's next key comes later. Esc shows nothing to wait for, so the test lets the
      // timeout pass (a loaded run typed "2" within it, which became Alt-2).
      await new Promise((resolve) => setTimeout(resolve, ESCAPE_TIMEOUT_MS * 6));
      await tmux.type("escape", "2");
      await tmux.waitForScreen(
        "escape",
        (screen) => screen.cursorLine.startsWith(`${question}2`),
        10_000,
        "escape: the answer typed after Esc, at the question",
      );
      await leave("escape", "C-c");
    } finally {
      await tmux.kill();
      await peer.stop();
    }
  },
});

nsTest("a server started with --no-announce is found only by chat ls --scan", async () => {
  await using lab = await Lab.create();
  const server = await lab.serve(lab.a, ["--no-announce", "--no-web", "--name", "quiet"]);
  assert.doesNotMatch(server.stdout, /Announcing/);
  const started = performance.now();
  const [listed, joined, scanned] = await Promise.all([
    lab.chat(lab.b, ["ls", "--json", "--wait", "1"]).finished(),
    lab.chat(lab.b, ["join", "--name", "bee"]).finished(),
    lab.chat(lab.b, ["ls", "--scan", "--json", "--wait", "1"]).finished(),
  ]);
  const elapsed = performance.now() - started;
  assert.equal(listed.code, 1);
  assert.deepEqual(JSON.parse(listed.stdout), []);

  assert.equal(joined.code, 1);
  assert.equal(joined.stdout, "");
  const line = assertOneErrorLine(joined);
  assert.match(line, /no chat server found on the local network within 2 s/);
  assert.match(line, /chat join ADDRESS/);
  assert.match(line, /firewall/);
  assert.match(line, /UDP port 5002/);
  assert.match(line, /chat ls --scan/);

  assert.equal(scanned.code, 0, scanned.stderr);
  // Its name is what its answer to the probe says.
  assert.deepEqual(JSON.parse(scanned.stdout), [
    { source: "scan", name: "quiet", host: A_ADDRESS, port: 5002 },
  ]);
  assert.ok(elapsed < 8_000, `took ${Math.round(elapsed)} ms`);

  // The server opened no UDP socket at all.
  const sockets = await new Deno.Command("ip", {
    args: ["netns", "exec", lab.a, "ss", "-uanp"],
    stdout: "piped",
    stderr: "null",
  }).output().catch(() => undefined);
  if (sockets?.success) {
    assert.ok(!new TextDecoder().decode(sockets.stdout).includes(`pid=${server.child.pid},`));
  }
});

nsTest("garbage, forged and small datagrams are ignored and crash neither side", async () => {
  await using lab = await Lab.create();
  const server = await lab.serve(lab.a, ["--name", "sturdy"]);

  // Both ways at once: garbage to the server while chat ls in b hears garbage from a.
  const [toServer, toClient, listed] = await Promise.all([
    lab.peer(lab.b, ["flood", A_ADDRESS, "1500"]).finished(),
    lab.peer(lab.a, ["flood", B_ADDRESS, "1500"]).finished(),
    // It listens well past the flood (1.5 s, from processes that may take a second to start
    // on a busy machine): queries lost in it, or left unanswered while the flood's own queries
    // spend the server's budget of answers, are asked again after it.
    lab.chat(lab.b, ["ls", "--json", "--wait", "5"]).finished(),
  ]);
  assert.ok((lastJson(toServer.stdout) as { sent: number }).sent > 100, toServer.stderr);
  assert.ok((lastJson(toClient.stdout) as { sent: number }).sent > 100, toClient.stderr);
  assert.equal(listed.code, 0, listed.stderr);
  assert.deepEqual(JSON.parse(listed.stdout).map((s: { name: string }) => s.name), ["sturdy"]);
  assert.ok(!server.exited, `server died: ${server.stderr}`);

  type Answers = { size: number; answers: { from: string; valid: boolean; size: number }[] };
  // Each query listens on a socket of its own, so these two can be asked at once; the burst
  // comes after them, as it may spend the server's budget of answers.
  const [smallQuery, fullQuery] = await Promise.all([
    lab.peer(lab.b, ["query", A_ADDRESS, "small", "5"]).finished(),
    lab.peer(lab.b, ["query", A_ADDRESS, "full", "1"]).finished(),
  ]);
  // A query smaller than the answer gets nothing back: no amplification.
  const small = lastJson(smallQuery.stdout) as Answers;
  assert.ok(small.size < 100);
  assert.deepEqual(small.answers, []);
  // A padded query gets one answer, never larger than the query.
  const full = lastJson(fullQuery.stdout) as Answers;
  assert.equal(full.answers.length, 1);
  assert.deepEqual(full.answers[0], { from: A_ADDRESS, valid: true, size: full.answers[0]!.size });
  assert.ok(full.answers[0]!.size <= full.size);
  // A burst of queries is answered at a bounded rate.
  const burst = lastJson(
    (await lab.peer(lab.b, ["query", A_ADDRESS, "full", "300"]).finished()).stdout,
  ) as Answers;
  assert.ok(
    burst.answers.length >= 1 && burst.answers.length <= 80,
    `${burst.answers.length} answers`,
  );

  // Still serving chat after all that.
  const bee = lab.chat(lab.b, ["join", A_ADDRESS, "--name", "bee"]);
  await bee.write("still here\n");
  const joined = await bee.finished();
  assert.equal(joined.code, 0, joined.stderr);
  assert.ok(!server.exited);
});

nsTest("chat ls names the server on this machine's 127.0.0.1 that chat join finds", async () => {
  await using lab = await Lab.create();
  const hermit = await lab.serve(lab.a, ["--host", "127.0.0.1", "--no-web", "--name", "hermit"]);
  // Nobody on the other machine sees it: that is listened for at the same time.
  const [listed, json, remote] = await Promise.all([
    lab.chat(lab.a, ["ls", "--wait", "1"]).finished(),
    lab.chat(lab.a, ["ls", "--json", "--wait", "1"]).finished(),
    lab.chat(lab.b, ["ls", "--json", "--wait", "1"]).finished(),
  ]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(
    listed.stdout,
    'Found 1 chat server:\n  "hermit"  127.0.0.1  on this machine\n' +
      "Join one with: chat join 127.0.0.1\n",
  );
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), [
    { source: "local", name: "hermit", host: "127.0.0.1", port: 5002 },
  ]);
  const bee = lab.chat(lab.a, ["join", "--name", "bee"]);
  await bee.write("hello\n");
  const joined = await bee.finished();
  assert.equal(joined.code, 0, joined.stderr);
  assert.match(joined.stdout, /^-- Found "hermit" on this machine at 127\.0\.0\.1\n/);
  assert.deepEqual(JSON.parse(remote.stdout), []);

  // One on another port is found where --port says, without --scan.
  const other = await lab.serve(lab.a, [
    "--host",
    "127.0.0.1",
    "--port",
    "6002",
    "--no-web",
    "--no-irc",
    "--name",
    "ns-srv",
  ]);
  const elsewhere = await lab.chat(lab.a, ["ls", "--port", "6002", "--wait", "1"]).finished();
  assert.equal(elsewhere.code, 0, elsewhere.stderr);
  assert.equal(
    elsewhere.stdout,
    'Found 1 chat server:\n  "ns-srv"  127.0.0.1:6002  on this machine\n' +
      "Join one with: chat join 127.0.0.1:6002\n",
  );
  await other.stop();

  // A server on this machine that announces itself is listed once, as it announces itself.
  await hermit.stop();
  await lab.serve(lab.a, ["--no-web", "--name", "talker"]);
  const once = await lab.chat(lab.a, ["ls", "--json", "--wait", "1"]).finished();
  assert.deepEqual(
    JSON.parse(once.stdout).map((
      server: Record<string, unknown>,
    ) => [server.source, server.host]),
    [["announce", A_ADDRESS]],
  );
});

nsTest("a server bound to 127.0.0.1 sends no datagram at all", async () => {
  await using lab = await Lab.create();
  // Observers on the server's machine and on the other one, from before it starts.
  const nearby = lab.peer(lab.a, ["listen", "6500"]);
  const remote = lab.peer(lab.b, ["listen", "6500"]);
  // The control for the end of the test starts with them: it listens long enough for the
  // observers, then a server slow to start on a busy machine, and is stopped with the lab once
  // it has heard that one.
  const control = lab.peer(lab.b, ["listen", "30000"]);
  await Promise.all([nearby, remote, control].map((peer) => peer.waitForStdout(/"ready"/)));
  const server = await lab.serve(lab.a, ["--host", "127.0.0.1", "--name", "hermit"]);
  const query = await lab.peer(lab.b, ["query", A_ADDRESS, "full", "1"]).finished();
  assert.deepEqual((lastJson(query.stdout) as { answers: unknown[] }).answers, []);
  // The observers run past one announcement interval (5 s) after the server started.
  const seen = await Promise.all([nearby.finished(), remote.finished()]);
  for (const observer of seen) {
    const datagrams = observer.stdout.trim().split("\n").map((line) => JSON.parse(line))
      .filter((event) => typeof event === "object");
    // Only the test's own query, from b, may show up.
    const strays = datagrams.filter((d) => d.from !== B_ADDRESS || d.kind !== "query");
    assert.deepEqual(strays, []);
  }
  assert.doesNotMatch(server.stdout, /Announcing/);

  // The observers do hear a server that announces: the silence above is real.
  await lab.serve(lab.a, ["--port", "6002", "--no-web", "--name", "talker"]);
  const heard = await control.waitForStdout(/"kind":"announce".*"name":"talker"/);
  assert.ok(heard);
});

Deno.test("joinCommand() adds --tls for a server that announces TLS", () => {
  const found = (tls: boolean, port = 5002) =>
    ({
      source: "announce",
      host: "10.99.0.1",
      port,
      announcement: { ...SAMPLE, port, tls },
    }) as const;
  assert.equal(joinCommand(found(false)), "chat join 10.99.0.1");
  assert.equal(joinCommand(found(true)), "chat join 10.99.0.1 --tls");
  assert.equal(joinCommand(found(true, 7002)), "chat join 10.99.0.1:7002 --tls");
});

Deno.test("findLocal() takes the name a server's pong gives, when it is one a server may have", async (t) => {
  for (
    const [what, server, name] of [
      ["a name", '"ns-srv"', "ns-srv"],
      ["none, as a server older than names in pongs", undefined, undefined],
      ["a name no server may have", '"evil\\u001b[2J"', undefined],
      ["no string", "42", undefined],
    ] as const
  ) {
    await t.step(what, async () => {
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const pong = `{"type":"pong","token":"scan"${
        server === undefined ? "" : `,"server":${server}`
      }}\n`;
      const served = (async () => {
        for await (const conn of listener) {
          await conn.read(new Uint8Array(256));
          await conn.write(new TextEncoder().encode(pong)).catch(() => {});
          conn.close();
        }
      })();
      try {
        const found = await findLocal(listener.addr.port);
        // A pong whose server field is no string is no pong: nothing answered as a server does.
        if (server === "42") return assert.equal(found, undefined);
        assert.deepEqual(found, {
          source: "local",
          host: "127.0.0.1",
          port: listener.addr.port,
          ...(name === undefined ? {} : { name }),
        });
      } finally {
        listener.close();
        await served.catch(() => {});
      }
    });
  }
});

Deno.test("findLocal() waits for a server on this machine that is slow to answer", async () => {
  // A busy machine: the server answers its ping 700 ms late.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    for await (const conn of listener) {
      const buffer = new Uint8Array(256);
      await conn.read(buffer);
      await new Promise((resolve) => setTimeout(resolve, 700));
      await conn.write(new TextEncoder().encode('{"type":"pong","token":"scan"}\n')).catch(
        () => {},
      );
      conn.close();
    }
  })();
  try {
    assert.deepEqual(await findLocal(listener.addr.port), {
      source: "local",
      host: "127.0.0.1",
      port: listener.addr.port,
    });
  } finally {
    listener.close();
    await served.catch(() => {});
  }
});
