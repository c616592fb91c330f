/** Tests of the command table and the slash-command parser shared by clients and the server. */

import assert from "node:assert/strict";
import {
  COMMAND_FIELDS,
  COMMAND_NAMES,
  COMMAND_TABLE,
  type CommandFrame,
  COMMANDS,
  COMMANDS_V2,
  commandsFor,
  LOCAL_COMMAND_NAMES,
  LOCAL_COMMANDS,
  type LocalCommand,
  type ParsedInput,
  parseInput,
  parseLine,
} from "../core/commands.ts";
import {
  type ClientFrame,
  type CommandHelp,
  type HelloFrame,
  parseClientFrame,
} from "../protocol.ts";

function frameOf(line: string): ClientFrame {
  const parsed = parseInput(line);
  assert.ok(parsed.ok, `${JSON.stringify(line)} was refused: ${JSON.stringify(parsed)}`);
  return parsed.frame;
}

function refusalOf(line: string): string {
  const parsed = parseInput(line);
  assert.ok(!parsed.ok, `${JSON.stringify(line)} was accepted: ${JSON.stringify(parsed)}`);
  return parsed.message;
}

function unknown(typed: string): string {
  return `Unknown command "/${typed}". Type /help for the list; start with // to send a line that begins with /`;
}

Deno.test("parseInput() turns text without a slash into a say frame", () => {
  for (const line of ["hello", "", "  /join #dev", "a/b", "hi /me", "中文 😀"]) {
    assert.deepStrictEqual(parseInput(line), { ok: true, frame: { type: "say", text: line } });
  }
});

Deno.test("parseInput() sends // lines as text that starts with one slash", () => {
  assert.deepStrictEqual(frameOf("//join #dev"), { type: "say", text: "/join #dev" });
  assert.deepStrictEqual(frameOf("//"), { type: "say", text: "/" });
  assert.deepStrictEqual(frameOf("///x"), { type: "say", text: "//x" });
  assert.deepStrictEqual(frameOf("// shrug"), { type: "say", text: "/ shrug" });
});

Deno.test("parseInput() reads every command and its aliases", async (t) => {
  const cases: Record<string, [string[], ClientFrame]> = {
    join: [["/join #dev", "/j #dev", "/JOIN #dev", "/join   #dev  "], {
      type: "join",
      room: "#dev",
    }],
    leave: [["/leave", "/LEAVE"], { type: "leave" }],
    part: [["/part", "/PART", "/part   "], { type: "part" }],
    rooms: [["/rooms"], { type: "rooms" }],
    who: [["/who", "/names"], { type: "who" }],
    "who #room": [["/who #dev", "/names  #dev "], { type: "who", room: "#dev" }],
    msg: [["/msg bob hi there", "/m bob hi there", "/tell bob hi there", "/msg\tbob\thi there"], {
      type: "msg",
      to: "bob",
      text: "hi there",
    }],
    me: [["/me waves", "/ME waves", "/me   waves  "], { type: "me", text: "waves" }],
    nick: [["/nick Zoë", "/name Zoë", "/nick  Zoë "], { type: "nick", name: "Zoë" }],
    // Two words are a name the server refuses, saying why, not a usage error.
    "nick of two words": [["/nick two words"], { type: "nick", name: "two words" }],
    help: [["/help", "/?", "/Help"], { type: "help" }],
    quit: [["/quit", "/exit", "/quit   "], { type: "quit" }],
  };
  for (const [command, [lines, frame]] of Object.entries(cases)) {
    await t.step(command, () => {
      for (const line of lines) assert.deepStrictEqual(frameOf(line), frame, line);
    });
  }
});

Deno.test("parseInput() reads the room of /part and /leave, ignoring later words as ever", () => {
  assert.deepStrictEqual(frameOf("/part #Dev"), { type: "part", room: "#Dev" });
  assert.deepStrictEqual(frameOf("/part dev and more"), { type: "part", room: "dev" });
  assert.deepStrictEqual(frameOf("/leave #dev"), { type: "leave", room: "#dev" });
  assert.deepStrictEqual(frameOf("/LEAVE now"), { type: "leave", room: "now" });
});

Deno.test("parseInput() keeps the arguments as typed", async (t) => {
  await t.step("the room of /join, unnormalised", () => {
    assert.deepStrictEqual(frameOf("/join Dev"), { type: "join", room: "Dev" });
  });
  await t.step("the spacing inside /msg and /me text", () => {
    assert.deepStrictEqual(frameOf("/msg Bob  a  b "), { type: "msg", to: "Bob", text: "a  b" });
    assert.deepStrictEqual(frameOf("/me  does   a\tjig"), { type: "me", text: "does   a\tjig" });
  });
  await t.step("a /quit reason", () => {
    assert.deepStrictEqual(frameOf("/quit gone fishing"), {
      type: "quit",
      reason: "gone fishing",
    });
    assert.deepStrictEqual(frameOf("/exit bye"), { type: "quit", reason: "bye" });
  });
  await t.step("a /msg to a name with a leading @", () => {
    assert.deepStrictEqual(frameOf("/msg @bob hi"), { type: "msg", to: "@bob", text: "hi" });
  });
});

Deno.test("parseInput() answers a usage line when arguments are missing", () => {
  const cases: Record<string, string> = {
    "/join": "Usage: /join #room",
    "/j   ": "Usage: /join #room",
    "/join #we should meet at noon about the release": "Usage: /join #room",
    "/msg": "Usage: /msg NAME TEXT",
    "/msg bob": "Usage: /msg NAME TEXT",
    "/tell bob   ": "Usage: /msg NAME TEXT",
    "/me": "Usage: /me ACTION",
    "/me   ": "Usage: /me ACTION",
    "/nick": "Usage: /nick NEW",
    "/name": "Usage: /nick NEW",
  };
  for (const [line, message] of Object.entries(cases)) {
    assert.equal(refusalOf(line), message, line);
  }
});

Deno.test("parseLine() tells /join with a room name of several words that a room name has no spaces", () => {
  const cases: Record<string, string> = {
    "/join #team chat": 'Cannot join "#team chat": a room name has no spaces; try #team-chat',
    "/j Team  Chat": 'Cannot join "Team  Chat": a room name has no spaces; try #team-chat',
    "/join #a! b":
      'Cannot join "#a! b": a room name is # followed by letters, digits, _ and -, such as #lobby',
  };
  for (const [line, message] of Object.entries(cases)) {
    // The terminal and the page read the line as the server reads a say of it.
    assert.equal(refusalOf(line), message, line);
    assert.deepEqual(parseLine(line), { ok: false, code: "bad_command", message }, line);
  }
});

Deno.test("parseInput() names an unknown command and how to send a literal slash", () => {
  assert.equal(refusalOf("/dance"), unknown("dance"));
  assert.equal(refusalOf("/Dance wildly"), unknown("dance"));
  assert.equal(refusalOf("/"), unknown(""));
  assert.equal(refusalOf("/ join"), unknown(""));
  assert.equal(refusalOf("/constructor"), unknown("constructor"));
  assert.equal(refusalOf("/__proto__"), unknown("__proto__"));
  // Lines pasted whole were meant as text: it says how to send them so.
  assert.equal(
    refusalOf("/home/ann/x.py:3: error\n  detail line"),
    'Unknown command "/home/ann/x.py:3:". Type /help for the list; ' +
      "start the first line with // to send these lines as a message",
  );
});

Deno.test("COMMAND_NAMES lists every command and alias parseInput() knows", () => {
  const expected = [
    "join",
    "leave",
    "part",
    "rooms",
    "who",
    "msg",
    "me",
    "nick",
    "history",
    "search",
    "help",
    "quit",
    "away",
    "back",
    "topic",
    "oper",
    "op",
    "deop",
    "kick",
    "ban",
    "unban",
    "bans",
    "mute",
    "unmute",
    "lock",
    "unlock",
    "rename",
    "j",
    "names",
    "m",
    "tell",
    "name",
    "exit",
    "?",
    "find",
    "afk",
  ];
  assert.deepStrictEqual([...COMMAND_NAMES], expected);
  for (const name of COMMAND_NAMES) {
    const parsed: ParsedInput = parseInput(`/${name} x y`);
    assert.ok(parsed.ok || !parsed.message.startsWith("Unknown"), name);
  }
});

Deno.test("COMMANDS and COMMANDS_V2 give a usage and a description for each command", () => {
  assert.equal(COMMANDS.length, 26);
  assert.equal(COMMANDS_V2.length, 26);
  for (const command of [...COMMANDS, ...COMMANDS_V2]) {
    assert.match(command.usage, /^\/[a-z]+( |$)/);
    assert.ok(command.description.length > 0);
    // Each usage line, with its placeholders filled in, parses to a frame.
    const filled = command.usage.replace("#room", "#dev").replace("DURATION", "10m").replace(
      /\bN\b/,
      "5",
    ).replace(
      /[A-Z]+/g,
      "x",
    ).replace(
      /[[\]]/g,
      "",
    );
    assert.ok(parseInput(filled).ok, filled);
  }
});

Deno.test("parseInput() quotes an unknown command safely", () => {
  const parsed = parseInput("/x\x1b[2Jy now");
  assert.equal(parsed.ok, false);
  if (!parsed.ok) assert.ok(!parsed.message.includes("\x1b"), parsed.message);
});

Deno.test("parseInput() reads /history and /search", () => {
  assert.deepStrictEqual(parseInput("/history"), { ok: true, frame: { type: "history" } });
  assert.deepStrictEqual(parseInput("/history 120"), {
    ok: true,
    frame: { type: "history", limit: 120 },
  });
  assert.equal(parseInput("/history 0").ok, false);
  assert.equal(parseInput("/history 501").ok, false);
  assert.equal(parseInput("/history lots").ok, false);
  assert.deepStrictEqual(parseInput("/search lunch plans"), {
    ok: true,
    frame: { type: "search", text: "lunch plans" },
  });
  assert.deepStrictEqual(parseInput("/find x"), { ok: true, frame: { type: "search", text: "x" } });
  assert.equal(parseInput("/search").ok, false);
});

Deno.test("parseInput() refuses with the code the server answers with", () => {
  assert.deepStrictEqual(parseInput("/dance"), {
    ok: false,
    code: "unknown_command",
    message: unknown("dance"),
  });
  assert.deepStrictEqual(parseInput("/msg bob"), {
    ok: false,
    code: "bad_command",
    message: "Usage: /msg NAME TEXT",
  });
  assert.deepStrictEqual(parseInput("/history 0"), {
    ok: false,
    code: "bad_command",
    message: "Usage: /history [N], N from 1 to 500",
  });
});

Deno.test("parseLine() reads /bell, a command the client runs itself", async (t) => {
  await t.step("with or without a mode, in any case", () => {
    assert.deepStrictEqual(parseLine("/bell"), { ok: true, local: { command: "bell" } });
    assert.deepStrictEqual(parseLine("/bell off"), {
      ok: true,
      local: { command: "bell", mode: "off" },
    });
    assert.deepStrictEqual(parseLine("/BELL  Mentions "), {
      ok: true,
      local: { command: "bell", mode: "mentions" },
    });
    assert.deepStrictEqual(parseLine("/bell on please"), {
      ok: true,
      local: { command: "bell", mode: "on" },
    });
  });
  await t.step("a mode it does not know gets the usage line", () => {
    assert.deepStrictEqual(parseLine("/bell loud"), {
      ok: false,
      code: "bad_command",
      message: "Usage: /bell on|off|mentions",
    });
  });
  await t.step("the server does not know it", () => {
    assert.deepStrictEqual(parseInput("/bell on"), {
      ok: false,
      code: "unknown_command",
      message: unknown("bell"),
    });
  });
  await t.step("every other line reads as parseInput() reads it", () => {
    for (const line of ["hi", "//bell", "/msg bob hi", "/quit", "/nick", "/dance", "/Join #x"]) {
      assert.deepStrictEqual(parseLine(line), parseInput(line), line);
    }
  });
});

Deno.test("COMMAND_TABLE gives each command one entry, one side and unique names", () => {
  const seen = new Set<string>();
  for (const entry of COMMAND_TABLE) {
    for (const name of [entry.name, ...entry.aliases]) {
      assert.match(name, /^[a-z?]+$/, name);
      assert.ok(!seen.has(name), `${name} is used twice`);
      seen.add(name);
    }
    assert.ok(entry.usage.startsWith(`/${entry.name}`), entry.usage);
    assert.ok(["server", "client"].includes(entry.side), entry.name);
  }
  const onServer = COMMAND_TABLE.filter((entry) => entry.side === "server");
  const onClient = COMMAND_TABLE.filter((entry) => entry.side === "client");
  const usages = (commands: readonly CommandHelp[]) => commands.map(({ usage }) => usage);
  const v1 = onServer.filter((entry) => entry.name !== "part");
  const v2 = onServer.filter((entry) => entry.name !== "leave");
  assert.deepStrictEqual(usages(COMMANDS), usages(v1));
  assert.deepStrictEqual(usages(COMMANDS_V2), usages(v2));
  // Each description is the table's, with the other names that run the command.
  for (const [listed, entries] of [[COMMANDS, v1], [COMMANDS_V2, v2]] as const) {
    listed.forEach(({ description }, i) => {
      const entry = entries[i]!;
      assert.ok(description.startsWith(entry.description), description);
      for (const alias of entry.aliases) assert.ok(description.includes(`/${alias}`), description);
    });
  }
  const described = (commands: readonly CommandHelp[], usage: string) =>
    commands.find((command) => command.usage === usage)?.description;
  assert.equal(
    described(COMMANDS_V2, "/join #room"),
    "enter a room, creating it if needed (also /j)",
  );
  assert.equal(
    described(COMMANDS_V2, "/msg NAME TEXT"),
    "send a private message to one person (also /m, /tell)",
  );
  assert.equal(described(COMMANDS_V2, "/rooms"), "list rooms and how many people are in each");
  // `/leave` runs `/part` in version 2, and `/part` runs `/leave` in version 1.
  assert.match(described(COMMANDS_V2, "/part [#room]")!, / \(also \/leave\)$/);
  assert.match(described(COMMANDS, "/leave")!, / \(also \/part\)$/);
  assert.equal(commandsFor(1), COMMANDS);
  assert.equal(commandsFor(2), COMMANDS_V2);
  assert.deepStrictEqual([...COMMAND_FIELDS.keys()], onServer.map((entry) => entry.name));
  assert.deepStrictEqual(LOCAL_COMMANDS, [{
    usage: "/switch #room|@name",
    description: "look at another of your rooms, or your private messages with someone",
  }, {
    usage: "/code TEXT",
    description: "send TEXT as a code block, shown in a monospace font",
  }, {
    usage: "/send PATH",
    description: "upload a file and share it here; /cancel stops it",
  }, {
    usage: "/get N|LINK",
    description: "download shared file N, or a link, into the current folder; /cancel stops it",
  }, {
    usage: "/cancel [NAME|N]",
    description: "stop sending or saving files, or only file NAME or N",
  }, {
    usage: "/bell on|off|mentions",
    description: "when to ring the bell, a beep on the page",
  }, {
    usage: "/typing on|off",
    description: "whether others see when you are typing",
  }, {
    usage: "/ignore NAME",
    description: "hide someone's messages from you, on this server, until /unignore",
  }, {
    usage: "/unignore NAME",
    description: "show someone's messages again",
  }, {
    usage: "/ignores",
    description: "list the people you ignore",
  }]);
  assert.deepStrictEqual(LOCAL_COMMAND_NAMES, [
    "switch",
    "code",
    "send",
    "get",
    "cancel",
    "bell",
    "typing",
    "ignore",
    "unignore",
    "ignores",
  ]);
  assert.deepStrictEqual(
    new Set([...COMMAND_NAMES, ...LOCAL_COMMAND_NAMES]),
    seen,
    "completion offers every name and alias",
  );
  assert.equal(onClient.length + onServer.length, COMMAND_TABLE.length);
});

Deno.test("parseInput() makes only frames that the wire check takes as they are", () => {
  const lines = [
    "/join #dev",
    "/leave",
    "/part #dev",
    "/rooms",
    "/who",
    "/who #dev",
    "/msg bob hi  there",
    "/me waves",
    "/nick Zoë",
    "/history",
    "/history 500",
    "/search lunch plans",
    "/help",
    "/quit",
    "/quit gone fishing",
    "/away",
    "/away  at lunch",
    "/back",
    "/topic",
    "/topic #dev release on Friday",
    "/topic no room named",
    "/oper s3cret",
    "/op bob",
    "/deop bob",
    "/kick eve",
    "/kick eve flooding the room",
    "/ban eve",
    "/ban 192.168.1.7 2h flooding",
    "/ban eve spamming links",
    "/unban eve",
    "/bans",
    "/mute eve",
    "/mute eve 90s",
    "/unmute eve",
    "/lock",
    "/lock #ops",
    "/unlock #ops",
    "/rename b0b bob2",
  ];
  const types = new Set<string>();
  for (const line of lines) {
    const frame = frameOf(line);
    types.add(frame.type);
    assert.deepStrictEqual(parseClientFrame(JSON.parse(JSON.stringify(frame))), {
      ok: true,
      value: frame,
    }, line);
  }
  assert.deepStrictEqual(types, new Set(COMMAND_FIELDS.keys()));
});

Deno.test("parseClientFrame() checks each command frame's fields as its entry says", () => {
  const cases: [unknown, string][] = [
    [{ type: "msg", to: "b".repeat(257), text: "hi" }, 'field "to" is too long'],
    [{ type: "msg", to: "bob" }, 'field "text" must be a string'],
    [{ type: "me", text: "hi", cid: "not a cid" }, 'field "cid" must be 1 to 64 characters'],
    [{ type: "join", room: 5 }, 'field "room" must be a string'],
    [{ type: "part", room: "#".repeat(257) }, 'field "room" is too long'],
    [{ type: "say", text: "hi", room: 7 }, 'field "room" must be a string'],
    [{ type: "who", room: ["#dev"] }, 'field "room" must be a string'],
    [{ type: "search", text: "x", room: null }, 'field "room" must be a string'],
    [{ type: "history", limit: 501 }, 'field "limit" must be from 1 to 500'],
    [{ type: "history", limit: 2.5 }, 'field "limit" must be an integer'],
    [{ type: "quit", reason: null }, 'field "reason" must be a string'],
  ];
  for (const [value, message] of cases) {
    const checked = parseClientFrame(value);
    assert.ok(!checked.ok, JSON.stringify(value));
    assert.equal(checked.code, "bad_frame");
    const type = (value as { type: string }).type;
    assert.ok(
      checked.message.startsWith(`Cannot read "${type}" frame: ${message}`),
      checked.message,
    );
  }
  assert.deepStrictEqual(parseClientFrame({ type: "quit", reason: "r".repeat(256) }), {
    ok: true,
    value: { type: "quit", reason: "r".repeat(256) },
  });
  assert.deepStrictEqual(parseClientFrame({ type: "me", text: "hi", cid: "c-1" }), {
    ok: true,
    value: { type: "me", text: "hi", cid: "c-1" },
  });
});

// The frame types of the commands are derived from the table; this is the
// union they were written as by hand. Should the two ever disagree, the
// assignment below fails `deno check`, and with it the test run.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true
  : false;
type WrittenOut =
  | { type: "me"; text: string; cid?: string; room?: string }
  | { type: "msg"; to: string; text: string; cid?: string }
  | { type: "nick"; name: string }
  | { type: "join"; room: string; since?: number }
  | { type: "leave"; room?: string }
  | { type: "part"; room?: string }
  | { type: "who"; room?: string }
  | { type: "rooms" }
  | { type: "help" }
  | { type: "history"; limit?: number; room?: string }
  | { type: "search"; text: string; room?: string }
  | { type: "quit"; reason?: string }
  | { type: "away"; reason?: string; since?: number }
  | { type: "back" }
  | { type: "topic"; room?: string; text?: string }
  | { type: "oper"; secret: string }
  | { type: "op"; name: string }
  | { type: "deop"; name: string }
  | { type: "kick"; name: string; reason?: string }
  | { type: "ban"; target: string; duration?: number; reason?: string }
  | { type: "unban"; target: string }
  | { type: "bans" }
  | { type: "mute"; name: string; duration?: number }
  | { type: "unmute"; name: string }
  | { type: "lock"; room?: string }
  | { type: "unlock"; room?: string }
  | { type: "rename"; name: string; to: string };

Deno.test("ClientFrame holds the command frames as the table describes them", () => {
  const commands: Same<CommandFrame, WrittenOut> = true;
  const client: Same<
    ClientFrame,
    | WrittenOut
    | HelloFrame
    | { type: "say"; text: string; cid?: string; room?: string }
    | { type: "file"; id: string; name?: string; room?: string; to?: string; cid?: string }
    | { type: "typing"; room?: string; to?: string }
    | { type: "ping"; token?: string }
    | { type: "pong"; token?: string }
  > = true;
  const local: Same<
    LocalCommand,
    | { command: "switch"; view: string }
    | { command: "code"; text: string }
    | { command: "send"; path: string }
    | { command: "get"; target: string }
    | { command: "cancel"; target?: string }
    | { command: "bell"; mode?: "on" | "off" | "mentions" }
    | { command: "typing"; mode?: "on" | "off" }
    | { command: "ignore"; name: string }
    | { command: "unignore"; name: string }
    | { command: "ignores" }
  > = true;
  assert.ok(commands && client && local);
});

Deno.test("parseLine() reads /code, keeping the indentation of text on its own lines", () => {
  assert.deepStrictEqual(parseLine("/code x  = 1 "), {
    ok: true,
    local: { command: "code", text: "x  = 1" },
  });
  // Only the one space after the name is the command's: the first line keeps its indentation.
  assert.deepStrictEqual(parseLine("/code    indented first\n  second"), {
    ok: true,
    local: { command: "code", text: "   indented first\n  second" },
  });
  assert.deepStrictEqual(parseLine("/code     four spaces"), {
    ok: true,
    local: { command: "code", text: "    four spaces" },
  });
  assert.deepStrictEqual(parseLine("/send   'a b.txt'"), {
    ok: true,
    local: { command: "send", path: "a b.txt" },
  });
  assert.deepStrictEqual(parseLine("/code\n    a\n  b"), {
    ok: true,
    local: { command: "code", text: "    a\n  b" },
  });
  assert.deepStrictEqual(parseLine("/code  \r\n\tx"), {
    ok: true,
    local: { command: "code", text: "\tx" },
  });
  assert.equal(parseLine("/code").ok, false);
  assert.equal(parseLine("/code    ").ok, false);
});

Deno.test("the operators' commands read durations and reasons as people type them", () => {
  assert.deepStrictEqual(frameOf("/ban eve 2h flooding"), {
    type: "ban",
    target: "eve",
    duration: 7200,
    reason: "flooding",
  });
  assert.deepStrictEqual(frameOf("/ban eve flooding again"), {
    type: "ban",
    target: "eve",
    reason: "flooding again",
  });
  assert.deepStrictEqual(frameOf("/ban 10.0.0.7 3d"), {
    type: "ban",
    target: "10.0.0.7",
    duration: 259_200,
  });
  assert.deepStrictEqual(frameOf("/mute eve 10"), { type: "mute", name: "eve", duration: 600 });
  assert.match(refusalOf("/mute eve forever"), /^Usage: \/mute NAME \[DURATION\]; DURATION is /);
  // Units spelt as people write them.
  for (const [typed, seconds] of [["10min", 600], ["2hours", 7200], ["3Days", 259_200]] as const) {
    assert.deepStrictEqual(frameOf(`/mute eve ${typed}`), {
      type: "mute",
      name: "eve",
      duration: seconds,
    });
  }
  // A second word that starts with a digit is a duration or a mistake, never a reason.
  for (
    const line of [
      "/ban eve 10mn",
      "/ban eve 1.5h",
      "/ban eve 1x spam",
      "/ban eve 2y",
      "/ban eve 0",
    ]
  ) {
    assert.match(refusalOf(line), /^Usage: \/ban .*; DURATION is .*90s, 10m, 2h, 3d or 1w/, line);
  }
  assert.deepStrictEqual(frameOf("/ban eve 1d 3 strikes"), {
    type: "ban",
    target: "eve",
    duration: 86_400,
    reason: "3 strikes",
  });
  // Quotes keep a reason from reading as a duration, and are no part of it.
  assert.deepStrictEqual(frameOf('/ban eve "3 strikes"'), {
    type: "ban",
    target: "eve",
    reason: "3 strikes",
  });
  assert.equal(refusalOf("/kick"), "Usage: /kick NAME [REASON]");
  assert.equal(refusalOf("/rename bob"), "Usage: /rename NAME NEW");
  assert.deepStrictEqual(frameOf("/topic #dev"), { type: "topic", room: "#dev" });
  assert.deepStrictEqual(frameOf("/topic release today"), { type: "topic", text: "release today" });
  // `""` alone clears the topic; with other text it is text.
  assert.deepStrictEqual(frameOf('/topic #dev ""'), { type: "topic", room: "#dev", text: "" });
  assert.deepStrictEqual(frameOf('/topic  ""  '), { type: "topic", text: "" });
  assert.deepStrictEqual(frameOf('/topic #dev "" or not'), {
    type: "topic",
    room: "#dev",
    text: '"" or not',
  });
});

Deno.test("parseInput() takes one pair of matching quotes off every free-text reason", () => {
  const quoted = [
    ['"5 reasons"', "5 reasons"],
    ["'5 reasons'", "5 reasons"],
    ["\u201c5 reasons\u201d", "5 reasons"],
    ["\u20185 reasons\u2019", "5 reasons"],
    ["\u201e5 reasons\u201c", "5 reasons"],
    ["\u00ab5 reasons\u00bb", "5 reasons"],
    // One pair only, and only a pair that matches and wraps all of it.
    ['""5 reasons""', '"5 reasons"'],
    ["\"5 reasons'", "\"5 reasons'"],
    ['"5" reasons', '"5" reasons'],
    ['say "hi"', 'say "hi"'],
    // Quotes that close before the end are the reason's own: no pair wraps all of it.
    ['"flood" and "spam"', '"flood" and "spam"'],
    ["\u201cflood\u201d and \u201cspam\u201d", "\u201cflood\u201d and \u201cspam\u201d"],
    // A lone closing quote inside is an apostrophe.
    ["'it's lunch'", "it's lunch"],
    ["\u2018it\u2019s lunch\u2019", "it\u2019s lunch"],
    ['"', '"'],
  ];
  for (const [typed, reason] of quoted) {
    assert.deepStrictEqual(frameOf(`/away ${typed}`), { type: "away", reason }, typed);
    assert.deepStrictEqual(frameOf(`/quit ${typed}`), { type: "quit", reason }, typed);
    assert.deepStrictEqual(
      frameOf(`/kick eve ${typed}`),
      { type: "kick", name: "eve", reason },
      typed,
    );
    assert.deepStrictEqual(
      frameOf(`/ban eve ${typed}`),
      { type: "ban", target: "eve", reason },
      typed,
    );
    assert.deepStrictEqual(
      frameOf(`/ban eve 1h ${typed}`),
      { type: "ban", target: "eve", duration: 3600, reason },
      typed,
    );
  }
  // Quotes around nothing are no reason.
  assert.deepStrictEqual(frameOf('/away ""'), { type: "away" });
  assert.deepStrictEqual(frameOf("/kick eve \u201c \u201d"), { type: "kick", name: "eve" });
});
