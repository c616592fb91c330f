/** The IRC gateway's pure parts: lines, the nick mapping and message text. */

import assert from "node:assert/strict";
import {
  byteLength,
  cutBytes,
  escapeTag,
  formatLine,
  formatLines,
  type OutgoingLine,
  parseLine,
  splitBytes,
  withTime,
} from "../server/irc/line.ts";
import { prng } from "./_random.ts";
import {
  foldNick,
  isOwnNick,
  isShortUser,
  MAX_USER,
  NickBook,
  nickOf,
  userOf,
} from "../server/irc/nicks.ts";
import { literal, readText, stripFormatting } from "../server/irc/text.ts";
import { ircServerHost, ircServerName } from "../server/irc/transport.ts";
import { KICKBAN_MS, Kickbans } from "../server/irc/kickban.ts";
import { Idents } from "../server/irc/idents.ts";
import { withColon } from "../server/irc/operators.ts";
import { fitsMask } from "../server/irc/queries.ts";
import { CATCH_UP_MS, CatchUps, MAX_CATCH_UPS } from "../server/irc/catch_up.ts";

Deno.test("parseLine() reads tags, source, command and parameters", () => {
  const message = parseLine(
    "@time=2026-01-01T00:00:00Z;+a=b\\sc\\:d :nick!u@h privmsg #dev :hi  there",
  );
  assert.equal(message?.command, "PRIVMSG");
  assert.equal(message?.source, "nick!u@h");
  assert.deepEqual(message?.params, ["#dev", "hi  there"]);
  assert.equal(message?.tags.get("+a"), "b c;d");
  assert.deepEqual(parseLine("NICK   ann")?.params, ["ann"]);
  assert.deepEqual(parseLine("CAP REQ :")?.params, ["REQ", ""]);
  assert.equal(parseLine(""), undefined);
  assert.equal(parseLine("@only-tags"), undefined);
  assert.equal(parseLine(":source-only"), undefined);
});

Deno.test("formatLine() never lets a parameter add a line or a parameter", () => {
  const line = formatLine({
    source: "srv",
    command: "PRIVMSG",
    params: ["#a b\r\nQUIT", "text\r\nKILL x\0"],
  });
  assert.equal(line, ":srv PRIVMSG #a_b__QUIT :text  KILL x \r\n");
  assert.equal(formatLine({ command: "JOIN", params: ["#dev"] }), "JOIN #dev\r\n");
  assert.equal(formatLine({ command: "PART", params: [":#x"] }), "PART ::#x\r\n");
  assert.equal(
    formatLine({ tags: { time: "t", a: "x;y z" }, command: "AWAY", params: ["gone"] }),
    "@time=t;a=x\\:y\\sz AWAY :gone\r\n",
  );
});

/** formatLine() as first written, with array helpers: what the loops must still write. */
function formatLineAsBefore(message: OutgoingLine): string {
  let line = "";
  if (message.tags !== undefined) {
    const tags = Object.entries(message.tags)
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([key, value]) => value === "" ? key : `${key}=${escapeTag(value)}`);
    if (tags.length > 0) line = `@${tags.join(";")} `;
  }
  if (message.source !== undefined) line += `:${message.source.replace(/[\s\0]/g, "_")} `;
  line += message.command;
  const params = message.params;
  params.forEach((param, index) => {
    const clean = param.replace(/[\r\n\0]/g, " ");
    if (index < params.length - 1) {
      line += " " + (clean.replace(/ /g, "_").replace(/^:+/, "") || "*");
    } else if (
      clean === "" || clean.includes(" ") || clean.startsWith(":") ||
      (params.length > 1 && message.command !== "BATCH") ||
      ["AWAY", "QUIT", "ERROR"].includes(message.command)
    ) {
      line += " :" + clean;
    } else {
      line += " " + clean;
    }
  });
  return line + "\r\n";
}

/** Random lines of every shape: tags left out or empty, parameters with breaks, spaces and colons. */
function randomLines(seed: number, count: number): OutgoingLine[] {
  const random = prng(seed);
  const words = ["", " ", ":", "::x", "a b", "x\r\ny", "\0", "#dev", "ann", "é 😀", "a;b\\c"];
  const text = () => {
    let out = "";
    for (let i = random.int(4); i > 0; i--) out += random.pick(words);
    return out;
  };
  const commands = ["PRIVMSG", "BATCH", "AWAY", "QUIT", "ERROR", "NOTICE", "001", "JOIN"];
  const lines: OutgoingLine[] = [];
  for (let i = 0; i < count; i++) {
    const tags: Record<string, string | undefined> = {};
    for (const key of ["time", "msgid", "batch", "+typing"]) {
      if (random.chance(0.4)) tags[key] = random.chance(0.3) ? undefined : text();
    }
    const params: string[] = [];
    for (let n = random.int(4); n > 0; n--) params.push(text());
    lines.push({
      ...(random.chance(0.7) ? { tags } : {}),
      ...(random.chance(0.8) ? { source: text() || "srv" } : {}),
      command: random.pick(commands),
      params,
    });
  }
  return lines;
}

Deno.test("formatLine() writes what it wrote before, for lines of every shape", () => {
  for (const message of randomLines(17, 3000)) {
    assert.equal(formatLine(message), formatLineAsBefore(message), JSON.stringify(message));
  }
});

Deno.test("formatLines() writes formatLine()'s line for each text", () => {
  const random = prng(19);
  for (const message of randomLines(23, 1000)) {
    const texts = [":x", "a b", "", "x\r\ny", "é"].filter(() => random.chance(0.6));
    assert.equal(
      formatLines(message, texts),
      texts.map((text) => formatLine({ ...message, params: [...message.params, text] })).join(""),
      JSON.stringify({ message, texts }),
    );
  }
});

Deno.test("cutBytes() cuts between graphemes, or between characters of one too long", () => {
  const bytes = (text: string) => new TextEncoder().encode(text).length;
  // 👍🏽 is two characters and 8 bytes: 11 bytes take one, not one and a half.
  assert.equal(cutBytes("👍🏽👍🏽", 11), "👍🏽");
  assert.equal(cutBytes("e\u0301e\u0301", 4), "e\u0301");
  assert.equal(cutBytes("short", 5), "short");
  // One grapheme longer than the budget: its characters that fit, never half of one.
  const zalgo = "a" + "\u0301".repeat(10);
  assert.equal(cutBytes(zalgo, 6), "a\u0301\u0301");
  assert.equal(cutBytes("😀", 3), "");
  const line = formatLine({ source: "srv", command: "TOPIC", params: ["#dev", "👍🏽".repeat(100)] });
  assert.ok(bytes(line) <= 512, line);
  assert.ok(line.endsWith("👍🏽\r\n"), line);
  // The tags are not counted: they have a limit of their own.
  const tagged = formatLine({ tags: { time: "x".repeat(600) }, command: "AWAY", params: ["gone"] });
  assert.ok(tagged.endsWith(" AWAY :gone\r\n"));
});

Deno.test("withTime() puts the time tag on each line, before its other tags, once", () => {
  const t = "2026-01-01T00:00:00.000Z";
  assert.equal(
    withTime(":a JOIN #x\r\n@+typing=active :a TAGMSG #x\r\n@time=old :a AWAY\r\n", t),
    `@time=${t} :a JOIN #x\r\n@time=${t};+typing=active :a TAGMSG #x\r\n@time=old :a AWAY\r\n`,
  );
});

Deno.test("splitBytes() cuts at a byte budget, never inside a character", () => {
  const text = "é".repeat(300);
  const pieces = splitBytes(text, 101);
  assert.equal(pieces.join(""), text);
  for (const piece of pieces) assert.ok(new TextEncoder().encode(piece).length <= 101);
  assert.deepEqual(splitBytes("", 10), [""]);
});

Deno.test("splitBytes() cuts at a space that neither piece keeps", () => {
  // The space before the budget runs out, and the space the budget runs out on.
  assert.deepEqual(splitBytes("aaaa bbbb cccc", 7), ["aaaa", "bbbb", "cccc"]);
  assert.deepEqual(splitBytes("aaaa bbbb", 4), ["aaaa", "bbbb"]);
  const words = Array.from({ length: 200 }, (_, index) => `word${index}`).join(" ");
  const pieces = splitBytes(words, 100);
  for (const piece of pieces) assert.match(piece, /^\S(.*\S)?$/, JSON.stringify(piece));
  assert.equal(pieces.join(" "), words);
});

Deno.test("splitBytes() cuts after the last whole grapheme, a longer one between its characters", () => {
  assert.deepEqual(splitBytes("👍🏽👍🏽👍🏽", 12), ["👍🏽", "👍🏽", "👍🏽"]);
  assert.deepEqual(splitBytes("a🇫🇷🇫🇷", 12), ["a🇫🇷", "🇫🇷"]);
  // A space still wins where one is.
  assert.deepEqual(splitBytes("abcdef 👍🏽👍🏽", 16), ["abcdef", "👍🏽👍🏽"]);
  // One grapheme of 18 bytes (a family: three people joined by ZWJs) in a budget of 10.
  const family = "👨‍👩‍👧";
  const pieces = splitBytes(family, 10);
  assert.equal(pieces.join(""), family);
  for (const piece of pieces) assert.ok(new TextEncoder().encode(piece).length <= 10);
  assert.deepEqual(splitBytes(`ab${family}`, 19), ["ab", family]);
});

Deno.test("byteLength() counts UTF-8 bytes as TextEncoder does, lone surrogates too", () => {
  const encoded = (text: string) => new TextEncoder().encode(text).length;
  const samples = [
    "",
    "abc",
    "é",
    "€",
    "李明",
    "😀",
    "a😀b",
    "\ud83d",
    "\ude00x",
    "\ud83d\ud83d\ude00",
  ];
  for (const text of samples) assert.equal(byteLength(text), encoded(text), JSON.stringify(text));
  const random = prng(18);
  // Code units from every range: ASCII, two and three bytes, and surrogates in any order.
  const ranges = [[0x20, 0x7f], [0x80, 0x7ff], [0x800, 0xd7ff], [0xd800, 0xdfff], [0xe000, 0xffff]];
  for (let round = 0; round < 500; round++) {
    let text = "";
    for (let i = 0; i < 12; i++) {
      const [low, high] = random.pick(ranges);
      text += String.fromCharCode(low! + random.int(high! - low! + 1));
    }
    assert.equal(byteLength(text), encoded(text), JSON.stringify(text));
  }
});

Deno.test("splitBytes() keeps a text that fits whole", () => {
  assert.deepEqual(splitBytes("hello there", 100), ["hello there"]);
  const text = "😀".repeat(25);
  assert.deepEqual(splitBytes(text, 100), [text]);
  assert.equal(splitBytes(text, 99).join(""), text);
});

Deno.test("nickOf() keeps valid nicks and maps the others stably and uniquely", () => {
  assert.equal(nickOf("ann"), "ann");
  assert.equal(nickOf("Bob_2-x"), "Bob_2-x");
  assert.match(nickOf("Zoë"), /^Zoe\|[0-9a-f]{8}$/);
  assert.match(nickOf("ann.lee"), /^ann_lee\|[0-9a-f]{8}$/);
  assert.match(nickOf("2pac"), /^_2pac\|[0-9a-f]{8}$/);
  assert.match(nickOf("李明"), /^__\|[0-9a-f]{8}$/);
  assert.equal(nickOf("Zoë"), nickOf("Zoë"));
  // Same transliteration, different names: different nicks.
  assert.notEqual(nickOf("Zoë"), nickOf("Zoè"));
  assert.notEqual(nickOf("ann.lee"), nickOf("ann-lee"));
  for (const name of ["Zoë", "ann.lee", "李明", "x".repeat(23) + "é"]) {
    assert.ok(nickOf(name).length <= 24, nickOf(name));
    assert.ok(!isOwnNick(nickOf(name)), "a mapped nick is never a name someone can take");
  }
});

Deno.test("ircServerName() spells a server's name in host-name characters, accents dropped", () => {
  assert.equal(ircServerName("ann-laptop"), "ann-laptop");
  // An accent goes, as in a nick; it does not become a dash of its own.
  assert.equal(ircServerName("Café"), "Cafe");
  assert.equal(ircServerName("Ann's Café Laptop"), "Ann-s-Cafe-Laptop");
  assert.equal(ircServerName("Zoë.local"), "Zoe.local");
  assert.equal(ircServerName("李明"), "chat");
  assert.equal(ircServerName("--x"), "x");
  assert.equal(ircServerName("!!!"), "chat");
  assert.equal(ircServerName("a".repeat(80)).length, 63);
});

Deno.test("ircServerHost() holds a dot, which no nick can: nobody takes the server's name", () => {
  assert.equal(ircServerHost("Ann's Café"), "irc.Ann-s-Cafe");
  assert.equal(ircServerHost("ann-laptop"), "irc.ann-laptop");
  assert.equal(ircServerHost("李明"), "irc.chat");
  assert.equal(ircServerHost("Zoë.local"), "Zoe.local");
  assert.equal(ircServerHost("a".repeat(80)).length, 63);
  for (const name of ["Ann's Café", "ann-laptop", "chat", "x".repeat(63)]) {
    assert.ok(!isOwnNick(ircServerHost(name)), name);
    assert.ok(ircServerHost(name).includes("."), name);
  }
});

Deno.test("isOwnNick() takes what is both a chat name and an IRC nick", () => {
  for (const nick of ["ann", "Bob", "a-b_c", "x".repeat(24)]) assert.ok(isOwnNick(nick), nick);
  for (const nick of ["1ann", "_ann", "a.b", "a|b", "zoë", "", "x".repeat(25), "a b"]) {
    assert.ok(!isOwnNick(nick), nick);
  }
});

Deno.test("NickBook finds the chat name behind a nick it showed", () => {
  const book = new NickBook();
  const nick = book.nick("Zoë");
  assert.equal(book.name(nick), "Zoë");
  // Nicks compare without ASCII case (CASEMAPPING=ascii).
  assert.equal(book.name(nick.toUpperCase()), "Zoë");
  assert.equal(foldNick("ABC|Def"), "abc|def");
  assert.equal(book.name("bob"), "bob");
  assert.equal(book.name("Never|00000000"), undefined);
});

Deno.test("userOf() keeps a nick of 9 and makes a longer one 9 that still tells it", () => {
  assert.equal(userOf("bcdefghij"), "bcdefghij");
  const long = userOf("abcdefghij");
  assert.match(long, /^abc\|[0-9a-z]{5}$/);
  assert.notEqual(long, userOf("abcdefghik"));
  // Without case, as nicks compare.
  assert.equal(foldNick(userOf("ABCDEFGHIJ")), foldNick(long));
  // docs/PROTOCOL.md's examples.
  assert.equal(userOf("verylongnickname"), "ver|au0of");
  assert.equal(userOf(nickOf("Zoë")), "Zoe|aaqry");
  assert.match(userOf(nickOf("李明")), /^__\|[0-9a-z]{5}$/);
  for (const nick of [long, userOf("x".repeat(24)), userOf(nickOf("Zoë"))]) {
    assert.ok(nick.length <= MAX_USER, nick);
    assert.ok(isShortUser(nick), nick);
    assert.ok(!isOwnNick(nick), `${nick} is nobody's nick`);
  }
  assert.ok(!isShortUser("bcdefghij"));
  assert.ok(!isShortUser(nickOf("Zoë")));
});

Deno.test("NickBook.holder() finds the person behind a short user part, through renames", () => {
  const people = new Set(["abcdefghij", "bcdefghij"]);
  const book = new NickBook(() => people, (name) => people.has(name));
  const user = userOf("abcdefghij");
  assert.equal(book.holder(user), "abcdefghij");
  assert.equal(book.holder(user.toUpperCase()), "abcdefghij");
  assert.equal(book.holder("bcdefghij"), "bcdefghij");
  people.delete("abcdefghij");
  people.add("abc");
  book.renamed("abcdefghij", "abc");
  assert.equal(book.holder(user), "abc");
  assert.equal(book.holder("abcdefghij"), "abc");
  assert.equal(book.holder("xyz|00000"), undefined);
});

Deno.test("Idents keeps each person's user part through renames, never two people's alike", () => {
  const people = new Set(["evil"]);
  const idents = new Idents((name) => people.has(name));
  assert.equal(idents.user("evil"), "evil");
  people.delete("evil");
  people.add("nice");
  assert.equal(idents.renamed("evil", "nice"), "evil");
  // Every client is shown the rename: the second is told the same.
  assert.equal(idents.renamed("evil", "nice"), "evil");
  assert.equal(idents.user("nice"), "evil");
  // A newcomer under the old nick gets another, which names them alone.
  people.add("evil");
  const other = idents.user("evil");
  assert.match(other, /^evi\|[0-9a-z]{5}$/);
  assert.deepEqual(idents.holder("EVIL"), { name: "nice", here: true });
  assert.deepEqual(idents.holder(other), { name: "evil", here: true });
  // Once nice is seen gone, the user part still names them, until someone new takes it.
  people.delete("nice");
  idents.left("nice");
  assert.deepEqual(idents.holder("evil"), { name: "nice", here: false });
  assert.equal(idents.user("nice"), "evil", "their QUIT still shows it");
  people.add("nice");
  assert.equal(idents.user("nice"), "nice", "someone new under that name");
  people.add("evil2");
  people.delete("evil");
  idents.left("evil");
  people.add("evil");
  assert.equal(idents.user("evil"), "evil", "a user part of someone gone is free again");
  // Whoever showed it before, for an unban of them.
  assert.equal(idents.formerly("Evil"), "nice");
  // Someone never shown before a rename takes theirs from the nick the rename shows them leave.
  people.add("robert");
  assert.equal(idents.renamed("bob", "robert"), "bob");
  assert.equal(idents.user("robert"), "bob");
});

Deno.test("withColon() gives back the : a last parameter took from an IPv6 address only", () => {
  assert.equal(withColon(":ffff:192.168.1.7"), "::ffff:192.168.1.7");
  assert.equal(withColon(":1 1h spam"), "::1 1h spam");
  assert.equal(withColon(":"), "::");
  // Written with the marker, or no address: as it came.
  assert.equal(withColon("::ffff:192.168.1.7"), "::ffff:192.168.1.7");
  for (const param of [":)", ":spam", "192.168.1.7", "bob", ":ffff:bob", ""]) {
    assert.equal(withColon(param), param);
  }
});

Deno.test("Kickbans gives whom a ban sent away from a channel once, for a while", () => {
  const bans = new Kickbans();
  bans.sentAway(["Mallory", "eve"], "#lobby", 1_000);
  assert.equal(bans.take("mallory", "#dev", 1_001), undefined, "another channel");
  assert.equal(bans.take("MALLORY", "#lobby", 1_000 + KICKBAN_MS), undefined, "too late");
  assert.equal(bans.take("eve", "#lobby", 1_002)?.name, "eve");
  assert.equal(bans.take("eve", "#lobby", 1_003), undefined, "taken once");
  bans.sentAway(["bob"], "#dev", 2_000);
  assert.equal(bans.take("Bob", "#dev", 2_000 + KICKBAN_MS - 1)?.name, "bob");
});

Deno.test("CatchUps keeps a lost connection's place for its names until a return takes it", () => {
  let now = 0;
  const places = new CatchUps(() => now);
  const rooms = new Set(["#lobby", "#dev"]);
  places.remember("192.0.2.7", ["Zoë", "Zoe|c2a2bddc"], { since: 42, rooms });
  // Under each name, folded as names are; from that address only.
  assert.equal(places.find("192.0.2.8", "Zoë"), undefined);
  assert.deepEqual(places.find("192.0.2.7", "ZOE|C2A2BDDC"), { since: 42, rooms, at: 0 });
  // Found again until forgotten: a return refused leaves it for the next.
  assert.equal(places.find("192.0.2.7", "Zoe|c2a2bddc")?.since, 42);
  places.forget("192.0.2.7", "Zoe|c2a2bddc");
  assert.equal(places.find("192.0.2.7", "Zoe|c2a2bddc"), undefined);
  assert.equal(places.find("192.0.2.7", "zoë")?.since, 42);

  places.remember("192.0.2.7", ["ann"], { since: 7, rooms });
  now += CATCH_UP_MS + 1;
  assert.equal(places.find("192.0.2.7", "ann"), undefined);

  // A bounded number of places: the oldest go first.
  for (let i = 0; i <= MAX_CATCH_UPS; i++) {
    places.remember("192.0.2.7", [`p${i}`], { since: i, rooms });
  }
  assert.equal(places.size, MAX_CATCH_UPS);
  assert.equal(places.find("192.0.2.7", "p0"), undefined);
  assert.equal(places.find("192.0.2.7", `p${MAX_CATCH_UPS}`)?.since, MAX_CATCH_UPS);
});

Deno.test("readText() strips formatting, keeps ACTION, names other CTCP", () => {
  assert.equal(
    stripFormatting("\x0304,12red\x03 \x02b\x02\x1fu\x0f\x16r\x1dI\x1es\x11m"),
    "red burIsm",
  );
  assert.deepEqual(readText("\x01ACTION waves \x02hi\x02\x01"), {
    kind: "action",
    text: "waves hi",
  });
  assert.deepEqual(readText("\x01VERSION\x01"), { kind: "ctcp", command: "VERSION" });
  assert.deepEqual(readText("\x01DCC SEND x"), { kind: "ctcp", command: "DCC" });
  assert.deepEqual(readText("a\x01b"), { kind: "text", text: "ab" });
  assert.equal(literal("/quit"), "//quit");
  assert.equal(literal("hi /there"), "hi /there");
});

Deno.test("fitsMask() takes * as any characters and ? as one, in any case", () => {
  const cases: [mask: string, nick: string, fits: boolean][] = [
    ["*", "ann", true],
    ["*", "", true],
    ["a*", "ann", true],
    ["A?N", "ann", true],
    ["?o*", "bob", true],
    ["*n", "ann", true],
    ["*nn*", "ann", true],
    ["a*b*c", "axxbyyc", true],
    ["a*b*c", "axxbyy", false],
    ["a?", "ann", false],
    ["z*", "ann", false],
    ["ann", "ann", true],
    ["ann", "anna", false],
    ["**a**", "banana", true],
    ["*a*a*a*a*", "banana", false],
  ];
  for (const [mask, nick, fits] of cases) {
    assert.equal(fitsMask(mask, nick), fits, `${mask} ${nick}`);
  }
  // Many stars and no fit: answered, where a regular expression would backtrack for minutes.
  assert.equal(fitsMask(`${"*".repeat(500)}!`, "a".repeat(24)), false);
});
