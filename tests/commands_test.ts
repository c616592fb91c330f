/** Tests of the slash-command parser shared by clients and the server. */

import assert from "node:assert/strict";
import { COMMAND_NAMES, COMMANDS, type ParsedInput, parseInput } from "../core/commands.ts";
import type { ClientFrame } from "../protocol.ts";

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
    leave: [["/leave", "/part", "/LEAVE now"], { type: "leave" }],
    rooms: [["/rooms"], { type: "rooms" }],
    who: [["/who", "/names"], { type: "who" }],
    msg: [["/msg bob hi there", "/m bob hi there", "/tell bob hi there", "/msg\tbob\thi there"], {
      type: "msg",
      to: "bob",
      text: "hi there",
    }],
    me: [["/me waves", "/ME waves", "/me   waves  "], { type: "me", text: "waves" }],
    nick: [["/nick Zoë", "/name Zoë", "/nick  Zoë "], { type: "nick", name: "Zoë" }],
    help: [["/help", "/?", "/Help"], { type: "help" }],
    quit: [["/quit", "/exit", "/quit   "], { type: "quit" }],
  };
  for (const [command, [lines, frame]] of Object.entries(cases)) {
    await t.step(command, () => {
      for (const line of lines) assert.deepStrictEqual(frameOf(line), frame, line);
    });
  }
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
    "/msg": "Usage: /msg NAME TEXT",
    "/msg bob": "Usage: /msg NAME TEXT",
    "/tell bob   ": "Usage: /msg NAME TEXT",
    "/me": "Usage: /me ACTION",
    "/me   ": "Usage: /me ACTION",
    "/nick": "Usage: /nick NEW",
    "/nick two words": "Usage: /nick NEW",
    "/name": "Usage: /nick NEW",
  };
  for (const [line, message] of Object.entries(cases)) {
    assert.equal(refusalOf(line), message, line);
  }
});

Deno.test("parseInput() names an unknown command and how to send a literal slash", () => {
  assert.equal(refusalOf("/dance"), unknown("dance"));
  assert.equal(refusalOf("/Dance wildly"), unknown("dance"));
  assert.equal(refusalOf("/"), unknown(""));
  assert.equal(refusalOf("/ join"), unknown(""));
  assert.equal(refusalOf("/constructor"), unknown("constructor"));
  assert.equal(refusalOf("/__proto__"), unknown("__proto__"));
});

Deno.test("COMMAND_NAMES lists every command and alias parseInput() knows", () => {
  const expected = [
    "join",
    "leave",
    "rooms",
    "who",
    "msg",
    "me",
    "nick",
    "history",
    "search",
    "help",
    "quit",
    "j",
    "part",
    "names",
    "m",
    "tell",
    "name",
    "exit",
    "?",
    "find",
  ];
  assert.deepStrictEqual([...COMMAND_NAMES], expected);
  for (const name of COMMAND_NAMES) {
    const parsed: ParsedInput = parseInput(`/${name} x y`);
    assert.ok(parsed.ok || !parsed.message.startsWith("Unknown"), name);
  }
});

Deno.test("COMMANDS gives a usage and a description for each command", () => {
  assert.equal(COMMANDS.length, 11);
  for (const command of COMMANDS) {
    assert.match(command.usage, /^\/[a-z]+( |$)/);
    assert.ok(command.description.length > 0);
    // Each usage line, with its placeholders filled in, parses to a frame.
    const filled = command.usage.replace("#room", "#dev").replace(/\bN\b/, "5").replace(
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
