/**
 * Tests of the name rules against Unicode's own properties: invisible
 * characters and marks (Default_Ignorable_Code_Point, General_Category M,
 * Soft_Dotted), the confusables table, its generator, and the real server
 * refusing look-alikes of a present name over TCP.
 */

import assert from "node:assert/strict";
import { startServer } from "../server.ts";
import {
  checkName,
  foldCase,
  LOOKALIKES,
  MAX_MARKS,
  nameKey,
  nameVariant,
  normalizeRoom,
  ROOM_RULE,
} from "../core/names.ts";
import { CONFUSABLES, CONFUSABLES_BEFORE_NFKC, CONFUSABLES_VERSION } from "../core/confusables.ts";
import { type ClientFrame, MAX_NAME_LENGTH } from "../protocol.ts";
import { buildTable, parseConfusables, renderModule } from "../tools/gen_confusables.ts";
import { type FrameOf, LOOPBACK, TestClient, waitUntil, within } from "./_test_utils.ts";

/** Every code point with `property`, surrogates left out. */
function codePoints(property: RegExp): string[] {
  const found: string[] = [];
  for (let code = 0; code <= 0x10ffff; code++) {
    if (code >= 0xd800 && code <= 0xdfff) continue;
    const char = String.fromCodePoint(code);
    if (property.test(char)) found.push(char);
  }
  return found;
}

const hex = (text: string) =>
  [...text].map((char) => `U+${char.codePointAt(0)!.toString(16).toUpperCase()}`).join(" ");

const IGNORABLES = codePoints(/^\p{Default_Ignorable_Code_Point}$/u);
const MARKS = codePoints(/^\p{M}$/u);
// Nonspacing marks that stay as they are in NFKD, are not default-ignorable,
// and are not a dot above, so a stack of them differs only in its count.
const PLAIN_NONSPACING = MARKS.filter((mark) =>
  /^[\p{Mn}\p{Me}]$/u.test(mark) && mark.normalize("NFKD") === mark &&
  !IGNORABLES.includes(mark) && mark !== "\u0307"
);

// What real names look like in scripts that use marks, precomposed and decomposed.
const REAL_NAMES = [
  "Nguyễn",
  "Nguye\u0302\u0303n",
  "Phượng",
  "Phu\u031bo\u031b\u0323ng",
  "Trịnh",
  "Zoë",
  "Ọ̀ṣun",
  "İlker",
  "Ελένη",
  "देवनागरी",
  "क्षत्रिय",
  "हिन्दी",
  "বাংলা",
  "བསྟན",
  "སྒྲོལ",
  "རྒྱུ",
  "བཀྲ",
  "སྒྲུབ",
  "ที่",
  "สมชาย",
  "กุ้ง",
  "שָׁלוֹם",
  "יִשְׂרָאֵל",
  "מֹשֶׁה",
  "مُحَمَّد",
  "မျှော်",
  "김민준",
  "李雷",
];

Deno.test("checkName() refuses every default-ignorable code point, at the end or inside", () => {
  assert.ok(IGNORABLES.length > 4000, `only ${IGNORABLES.length} default-ignorable code points`);
  for (const char of IGNORABLES) {
    for (const name of [`alice${char}`, `al${char}ice`, `${char}alice`]) {
      assert.notEqual(checkName(name), undefined, `${hex(char)} in ${JSON.stringify(name)}`);
    }
  }
});

Deno.test("normalizeRoom() tells words that make a room name joined by - that a room name has no spaces", () => {
  const refusal = (input: string) => {
    const checked = normalizeRoom(input);
    return checked.ok ? checked.value : checked.message;
  };
  assert.equal(refusal("#team chat"), "A room name has no spaces; try #team-chat");
  assert.equal(
    refusal("Release\u3000Planning"),
    "A room name has no spaces; try #release-planning",
  );
  assert.equal(refusal("#a! b"), ROOM_RULE);
  assert.equal(refusal("#a.b"), ROOM_RULE);
});

Deno.test("normalizeRoom() refuses every default-ignorable code point", () => {
  for (const char of IGNORABLES) {
    for (const room of [`#dev${char}`, `#d${char}ev`]) {
      assert.equal(normalizeRoom(room).ok, false, `${hex(char)} in ${JSON.stringify(room)}`);
    }
  }
});

Deno.test("normalizeRoom() names an invisible or control character as checkName() does", () => {
  const hidden = (code: string) =>
    `A room name cannot hold invisible or control characters (it has U+${code})`;
  for (
    const [room, code] of [["#a\u200db", "200D"], ["#\x1b[31m", "001B"], ["#dev\u2800", "2800"]]
  ) {
    assert.deepEqual(normalizeRoom(room!), {
      ok: false,
      code: "room_invalid",
      message: hidden(code!),
    });
    assert.equal(checkName(room!.slice(1)), `A name${hidden(code!).slice("A room name".length)}`);
  }
  // A space is told as one: what the words would make joined. Any other misfit gets the rule.
  assert.equal(
    (normalizeRoom("#a b") as { message: string }).message,
    "A room name has no spaces; try #a-b",
  );
  assert.equal((normalizeRoom("#a.b") as { message: string }).message, ROOM_RULE);
});

Deno.test("checkName() and normalizeRoom() say what a refusal for length counted", () => {
  // Code points as sent: a mark written apart from its letter is one, though none shows as one.
  assert.equal(
    checkName("e\u0301".repeat(MAX_NAME_LENGTH)),
    "A name can have at most 24 characters; this one has 48, counting each mark written apart " +
      "from its letter as one",
  );
  assert.equal(
    checkName("x".repeat(MAX_NAME_LENGTH + 1)),
    "A name can have at most 24 characters; this one has 25",
  );
  // Rooms after NFKC, as they are compared: ﬃ is three.
  assert.deepEqual(normalizeRoom(`#${"\ufb03".repeat(20)}`), {
    ok: false,
    code: "room_invalid",
    message: "A room name can have at most 32 characters, its # included; this one has 61 " +
      "once written in its standard form (NFKC)",
  });
  assert.deepEqual(normalizeRoom("x".repeat(40)), {
    ok: false,
    code: "room_invalid",
    message: "A room name can have at most 32 characters, its # included; this one has 41",
  });
  assert.equal(normalizeRoom(`#${"\ufb03".repeat(10)}`).ok, true);
});

Deno.test("nameKey() drops default-ignorable code points", () => {
  const alice = nameKey("alice");
  for (const char of IGNORABLES) assert.equal(nameKey(`ali${char}ce`), alice, hex(char));
});

Deno.test("checkName() refuses a mark that sits on no letter or digit", () => {
  assert.ok(MARKS.length > 2000, `only ${MARKS.length} marks`);
  for (const mark of MARKS) {
    for (const name of [`${mark}alice`, `al_${mark}ice`, `alice.${mark}`, `a-${mark}`]) {
      assert.notEqual(checkName(name), undefined, `${hex(mark)} in ${JSON.stringify(name)}`);
    }
    assert.equal(normalizeRoom(`#dev_${mark}`).ok, false, hex(mark));
  }
});

Deno.test(`checkName() allows ${MAX_MARKS} nonspacing marks on a letter and refuses more`, () => {
  const tooMany = `A name can have at most ${MAX_MARKS} marks on one letter`;
  assert.ok(PLAIN_NONSPACING.length > 1500, `only ${PLAIN_NONSPACING.length} marks`);
  for (let i = 0; i + MAX_MARKS < PLAIN_NONSPACING.length; i++) {
    const stack = PLAIN_NONSPACING.slice(i, i + MAX_MARKS + 1);
    const allowed = `zo${stack.slice(0, MAX_MARKS).join("")}e`;
    assert.equal(checkName(allowed), undefined, hex(allowed));
    assert.equal(checkName(`zo${stack.join("")}e`), tooMany, hex(stack.join("")));
    const room = normalizeRoom(`#zo${stack.join("")}e`);
    assert.equal(
      !room.ok && room.message,
      `A room name can have at most ${MAX_MARKS} marks on one letter`,
    );
  }
  const zalgo = "a\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0308\u0309\u030a".repeat(2);
  assert.equal(checkName(zalgo), tooMany);
});

Deno.test("checkName() refuses the same mark twice on a letter, precomposed or not", () => {
  const twice = "A name cannot carry the same mark twice on one letter";
  for (const mark of PLAIN_NONSPACING) {
    assert.equal(checkName(`bo${mark}${mark}b`), twice, hex(mark));
  }
  // Every precomposed letter followed by the last mark of its own decomposition: é + U+0301.
  const precomposed = codePoints(/^\p{L}$/u).filter((letter) =>
    /\p{M}$/u.test(letter.normalize("NFD"))
  );
  assert.ok(precomposed.length > 900, `only ${precomposed.length} precomposed letters`);
  for (const letter of precomposed) {
    const mark = [...letter.normalize("NFD")].at(-1)!;
    assert.equal(checkName(`x${letter}${mark}`), twice, hex(letter + mark));
  }
});

Deno.test("checkName() refuses a dot above that hides in a letter's dot or makes one", () => {
  const dotted = codePoints(/^\p{Soft_Dotted}$/u).filter((char) => /^\p{L}$/u.test(char));
  assert.ok(dotted.length > 30, `only ${dotted.length} soft-dotted letters`);
  const dot = "A name cannot put a dot above i, j or a letter like them";
  for (const letter of dotted) {
    assert.equal(checkName(`al${letter}ce`), undefined, hex(letter));
    assert.equal(checkName(`al${letter}\u0307ce`), dot, hex(letter));
  }
  // Small letters that compare as i or j, dotless ones included: ı, ȷ, ι, ɪ.
  const like = codePoints(/^\p{Ll}$/u).filter((char) =>
    nameKey(char) === nameKey("i") || nameKey(char) === nameKey("j")
  );
  for (const char of ["ı", "ȷ", "ι", "ɪ", "і", "ӏ"]) assert.ok(like.includes(char), char);
  for (const letter of like) {
    // ŀ is no name character at all (in NFKC it is l and a middle dot).
    if (checkName(`al${letter}ce`) !== undefined) continue;
    assert.equal(checkName(`al${letter}\u0307ce`), dot, hex(letter));
  }
  // A capital I with a dot is Turkish İ, which stays, in names and rooms.
  assert.equal(checkName("I\u0307lker"), undefined);
  assert.equal(normalizeRoom("#\u0130stanbul").ok, true);
  assert.equal(normalizeRoom("#i\u0307stanbul").ok, false);
});

Deno.test("checkName() and normalizeRoom() accept real names in scripts that use marks", () => {
  for (const name of REAL_NAMES) {
    assert.ok([...name].length <= MAX_NAME_LENGTH, name);
    assert.equal(checkName(name), undefined, `${name} (${hex(name)})`);
    assert.equal(normalizeRoom(name).ok, true, `#${name} (${hex(name)})`);
    assert.equal(nameKey(name.normalize("NFD")), nameKey(name.normalize("NFC")), name);
  }
});

Deno.test("nameKey() maps every look-alike of the confusables table to its ASCII letters", () => {
  const entries = Object.entries(CONFUSABLES).flatMap(([target, sources]) =>
    [...sources].map((source) => [source, target] as const)
  );
  assert.ok(entries.length > 300, `only ${entries.length} entries`);
  for (const [source, target] of entries) {
    const what = `${hex(source)} for ${target}`;
    // Replacing a letter of a name, first, inside or last, in either case.
    for (const [before, after] of [["", "ob"], ["b", "b"], ["bo", ""], ["B", "B"]]) {
      const original = `${before}${target}${after}`;
      assert.equal(nameKey(`${before}${source}${after}`), nameKey(original), what);
      const capital = source.toUpperCase();
      if ([...capital].length === 1) {
        assert.equal(nameKey(`${before}${capital}${after}`), nameKey(original), `${what}, capital`);
      }
    }
    assert.equal(checkName(`bo${source}`), undefined, `${what}: not a valid name character`);
  }
  assert.equal(nameKey("\u0251lice"), nameKey("alice"));
  assert.equal(nameKey("\u0251LICE"), nameKey("alice"));
});

Deno.test("nameKey() maps a look-alike of a letter of alice to that letter, NFKC or not", () => {
  // Every character the confusables data maps to one ASCII letter, whether NFKC changes it
  // (ϲ into ς, Ϲ into Σ) or not, in place of the letter of alice it looks like.
  const alice = nameKey("alice");
  const tables = [CONFUSABLES, CONFUSABLES_BEFORE_NFKC];
  const entries = tables.flatMap((table) =>
    Object.entries(table).flatMap(([target, sources]) =>
      [...sources].map((source) => [source, target] as const)
    )
  ).filter(([, target]) => /^[a-z]$/.test(target));
  let tried = 0;
  for (const [source, target] of entries) {
    for (let at = 0; at < "alice".length; at++) {
      if (nameKey("alice"[at]!) !== nameKey(target)) continue;
      const name = `${"alice".slice(0, at)}${source}${"alice".slice(at + 1)}`;
      assert.equal(nameKey(name), alice, `${hex(source)} for ${target} in ${name}`);
      tried++;
    }
  }
  assert.ok(tried > 100, `only ${tried} look-alikes tried`);
  for (const lookalike of ["ϲ", "Ϲ", "ͺ"]) {
    assert.ok(entries.some(([source]) => source === lookalike), hex(lookalike));
  }
});

Deno.test("nameKey() takes small capitals and l with a middle dot for their letters", () => {
  const smallCapitals = "ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘꞯʀꜱᴛᴜᴠᴡʏᴢ";
  assert.equal(nameKey(smallCapitals), nameKey("abcdefghijklmnopqrstuvwyz"));
  assert.equal(nameKey("ᴁ"), nameKey("ae"));
  assert.equal(nameKey("ɶ"), nameKey("oe"));
  assert.equal(nameKey("aŀice"), nameKey("alice"));
  assert.equal(nameKey("AĿICE"), nameKey("alice"));
  assert.equal(nameKey("#ʟobby"), nameKey("#lobby"));
});

Deno.test("checkName() and normalizeRoom() both refuse ŀ, l and a middle dot in NFKC", () => {
  assert.equal(normalizeRoom("#aŀice").ok, false);
  assert.equal(
    checkName("aŀice"),
    "A name can use letters, digits and _ - . and must start with a letter or digit",
  );
  assert.equal(checkName("al\u00b7ice"), checkName("aŀice"));
  // A letter that NFKC makes a space and a mark is no name character either.
  assert.equal(checkName("al\u037ace"), checkName("aŀice"));
});

Deno.test("the confusables table is small, folded and leaves the hand-made rules alone", () => {
  assert.equal(CONFUSABLES_VERSION, "13.0.0");
  for (const [target, sources] of Object.entries(CONFUSABLES)) {
    assert.match(target, /^[a-z0-9]+$/);
    for (const source of sources) {
      assert.equal(foldCase(source), source, hex(source));
      assert.doesNotMatch(source, /^[\0-\x7f]$/, hex(source));
      assert.equal(LOOKALIKES.has(source), false, hex(source));
    }
  }
});

Deno.test("nameKey() takes a letter with a stroke or a hook for the letter under it", () => {
  // Unicode's data gives each as its letter with a mark over it, and names ignore marks.
  for (const lookalike of ["đave", "ɗave", "ƌave"]) {
    assert.equal(nameKey(lookalike), nameKey("dave"), lookalike);
  }
  assert.equal(nameKey("ɇve"), nameKey("eve"));
  assert.equal(nameKey("wendƴ"), nameKey("wendy"));
  assert.equal(nameKey("Bjørn"), nameKey("bjorn"));
  assert.equal(nameKey("#đev2"), nameKey("#dev2"));
});

Deno.test("the hand-made look-alike rules keep working", () => {
  for (const [char, target] of LOOKALIKES) {
    if (/^[\0-\x7f]$/.test(char)) continue;
    assert.equal(nameKey(`b${char}b`), nameKey(`b${target}b`), hex(char));
  }
  assert.equal(nameKey("\u03b7ick"), nameKey("nick"));
  assert.equal(nameKey("rnary"), nameKey("mary"));
  assert.equal(nameKey("B0B"), nameKey("bob"));
  assert.equal(nameKey("a1ice"), nameKey("alice"));
  // Lower-cased, Turkish İ is i and a dot above: it compares as the i it shows as.
  assert.equal(nameKey("\u0130stanbul"), nameKey("Istanbul"));
  assert.equal(nameKey("\u0130x"), nameKey("ix"));
});

const SAMPLE_TXT = `\uFEFF# confusables.txt
# Date: 2020-01-01
# Version: 13.0.0
0251 ;\t0061 ;\tMA\t# ( ɑ → a ) LATIN SMALL LETTER ALPHA → LATIN SMALL LETTER A
03C3 ;\t006F ;\tMA\t# ( σ → o ) GREEK SMALL LETTER SIGMA → LATIN SMALL LETTER O
03F2 ;\t0063 ;\tMA\t# ( ϲ → c ) GREEK LUNATE SIGMA SYMBOL → LATIN SMALL LETTER C
FF41 ;\t0061 ;\tMA\t# ( ａ → a ) FULLWIDTH LATIN SMALL LETTER A → LATIN SMALL LETTER A
0432 ;\t0299 ;\tMA\t# ( в → ʙ ) CYRILLIC SMALL LETTER VE → LATIN LETTER SMALL CAPITAL B
2223 ;\t006C ;\tMA\t# ( ∣ → l ) DIVIDES → LATIN SMALL LETTER L
A733 ;\t0061 0061 ;\tMA\t# ( ꜳ → aa ) LATIN SMALL LETTER AA → LATIN SMALL LETTER A, LATIN SMALL LETTER A
0111 ;\t0064 0335 ;\tMA\t# ( đ → d̵ ) LATIN SMALL LETTER D WITH STROKE → LATIN SMALL LETTER D, COMBINING SHORT STROKE OVERLAY
0430 ;\t0061 ;\tMA\t# ( а → a ) CYRILLIC SMALL LETTER A → LATIN SMALL LETTER A
`;

Deno.test("parseConfusables() reads confusables.txt and its JSON copy alike", () => {
  const text = parseConfusables(SAMPLE_TXT);
  assert.equal(text.version, "13.0.0");
  assert.equal(text.pairs.length, 9);
  assert.deepEqual(text.pairs[0], ["ɑ", "a"]);
  assert.deepEqual(text.pairs[6], ["ꜳ", "aa"]);
  const json = parseConfusables(JSON.stringify(Object.fromEntries(text.pairs)));
  assert.equal(json.version, undefined);
  assert.deepEqual(json.pairs, text.pairs);
  assert.throws(() => parseConfusables("zz ; 0061 ; MA\n"), /Cannot read confusables/);
  assert.throws(() => parseConfusables("[1]"), /Cannot read confusables/);
});

Deno.test("buildTable() keeps only folded look-alikes with ASCII targets", () => {
  const built = buildTable(parseConfusables(SAMPLE_TXT));
  // ａ is ASCII after NFKC, в maps to a small capital, ∣ is no name character, а is hand-made;
  // đ is d with a stroke over it, which names ignore.
  assert.deepEqual([...built.table], [["đ", "d"], ["ɑ", "a"], ["σ", "o"], ["ꜳ", "aa"]]);
  assert.equal(built.read, 9);
  assert.equal(built.asciiTargets, 8);
  assert.equal(built.foldedByNfkc, 1);
  assert.equal(built.coveredByHand, 1);
  assert.equal(built.notInNames, 1);
  // NFKC makes ϲ a final sigma, which folds to σ: the small letter's own mapping wins.
  assert.deepEqual(built.conflicts, ["σ U+03C3 → o, not c"]);
  // ϲ as typed is mapped before NFKC; ａ, which NFKC makes its target, needs not be.
  assert.deepEqual([...built.beforeNfkc], [["ϲ", "c"]]);
});

Deno.test("renderModule() writes a module that imports back as the same table", async () => {
  const built = buildTable(parseConfusables(SAMPLE_TXT));
  const source = renderModule(built, { version: "13.0.0", origin: "a sample", sha256: "00" });
  assert.match(source, /^\/\/ This module is browser compatible\./);
  assert.match(source, /COPYRIGHT AND PERMISSION NOTICE/);
  assert.match(source, /Modified from the original data/);
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(file, source);
    const module = await import(`file://${file}`);
    assert.equal(module.CONFUSABLES_VERSION, "13.0.0");
    assert.deepEqual(module.CONFUSABLES, { a: "ɑ", d: "đ", o: "σ", aa: "ꜳ" });
    assert.deepEqual(module.CONFUSABLES_BEFORE_NFKC, { c: "ϲ" });
  } finally {
    await Deno.remove(file);
  }
});

/** Sends hello as `name` and returns the welcome or error that answers it. */
async function hello(
  client: TestClient,
  name: string,
): Promise<FrameOf<"welcome"> | FrameOf<"error">> {
  const mark = client.frames.length;
  await client.send({ type: "hello", version: 1, name });
  const answer = () =>
    client.frames.slice(mark).find((frame) => frame.type === "welcome" || frame.type === "error");
  await waitUntil(() => answer() !== undefined, 5_000, `an answer to ${JSON.stringify(name)}`);
  return answer() as FrameOf<"welcome"> | FrameOf<"error">;
}

// The padded names and a Latin alpha, each passing for alice.
const PASSING_FOR_ALICE = [
  "alice\u034f",
  "alice\ufe0f",
  "alic\ufe00e",
  "alice\u180b",
  "alice\u{e0100}",
  "alice\u17b4",
  "\u0251lice",
];

Deno.test("startServer() refuses invisible marks and confusables of a present name over TCP", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await using mallory = await TestClient.connect(port);

  await t.step("hello with a look-alike of alice is never welcomed", async () => {
    for (const name of PASSING_FOR_ALICE) {
      const answer = await hello(mallory, name);
      assert.equal(answer.type, "error", `${hex(name)} was welcomed`);
      const { code } = answer as FrameOf<"error">;
      assert.ok(code === "name_invalid" || code === "name_taken", `${hex(name)}: ${code}`);
    }
  });

  await t.step("nick to a look-alike of alice is refused too", async () => {
    assert.equal((await hello(mallory, "mallory")).type, "welcome");
    await mallory.next("room");
    for (const name of PASSING_FOR_ALICE) {
      const mark = mallory.frames.length;
      await mallory.send({ type: "nick", name });
      await mallory.sync();
      const errors = mallory.frames.slice(mark).filter((frame) => frame.type === "error");
      assert.equal(errors.length, 1, hex(name));
      const { code } = errors[0] as FrameOf<"error">;
      assert.ok(code === "name_invalid" || code === "name_taken", `${hex(name)}: ${code}`);
    }
  });

  await t.step("who lists one alice", async () => {
    await alice.sync();
    assert.deepEqual(alice.all("renamed"), []);
    await alice.send({ type: "who" });
    const who = await within(alice.next("who"));
    assert.deepEqual(who.members.toSorted(), ["alice", "mallory"]);
  });
});

// The names a reviewer got welcomed beside alice, carol and bobirc: Greek lunate sigmas (ϲ,
// which NFKC makes a final sigma, and Ϲ), small capitals, ŀ, and a Roman numeral fifty.
const PASSING_AFTER_NFKC = [
  "ali\u03f2e",
  "\u03f2arol",
  "bobir\u03f2",
  "\u03f9arol",
  "\u0299obirc",
  "caro\u029f",
  "\u03f2aro\u217c",
];

Deno.test("startServer() refuses look-alikes that NFKC or small capitals hid, in names and rooms", async (t) => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  await using _alice = await TestClient.join(port, "alice");
  await using _carol = await TestClient.join(port, "carol");
  await using _bobirc = await TestClient.join(port, "bobirc");
  await using mallory = await TestClient.connect(port);

  await t.step("hello with each is name_taken, as a look-alike", async () => {
    for (const name of PASSING_AFTER_NFKC) {
      const answer = await hello(mallory, name);
      assert.equal(answer.type, "error", `${hex(name)} was welcomed`);
      const { code, message } = answer as FrameOf<"error">;
      assert.equal(code, "name_taken", hex(name));
      assert.match(message, /^Cannot use ".+": it looks like (alice|carol|bobirc), who is here\./);
    }
    // l with a middle dot is no name character, as in room names.
    const dotted = await hello(mallory, "a\u0140ice");
    assert.equal(dotted.type, "error");
    assert.equal((dotted as FrameOf<"error">).code, "name_invalid");
  });

  await t.step("a room like #lobby in small capitals is not opened", async () => {
    assert.equal((await hello(mallory, "mallory")).type, "welcome");
    await mallory.next("room");
    await mallory.send({ type: "join", room: "#\u029fobby" });
    const error = await within(mallory.next("error"));
    assert.equal(error.code, "room_invalid");
    assert.equal(
      error.message,
      "Cannot open #\u029fobby: it looks like #lobby; join #lobby, or pick a name that does not",
    );
  });
});

Deno.test("startServer() quotes a refused name or room as sent, what hides in it shown", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  await using ann = await TestClient.join2(server.addr.port, "ann");
  const hidden = (what: string, code: string) =>
    `${what} cannot hold invisible or control characters (it has U+${code})`;
  const ligatures = "\ufb03".repeat(20);
  const accents = "e\u0301".repeat(MAX_NAME_LENGTH);
  const refusals: [ClientFrame, string][] = [
    [
      { type: "nick", name: "a\x1b[2Jb" },
      `Cannot use "a\\u001b[2Jb": ${hidden("a name", "001B")}`,
    ],
    [
      { type: "join", room: "#\x1b[31m" },
      `Cannot join "#\\u001b[31m": ${hidden("a room name", "001B")}`,
    ],
    [
      { type: "join", room: "#a\u200db" },
      `Cannot join "#a\\u200db": ${hidden("a room name", "200D")}`,
    ],
    [
      { type: "join", room: `#${ligatures}` },
      `Cannot join "#${ligatures}": a room name can have at most 32 characters, its # included; ` +
      "this one has 61 once written in its standard form (NFKC)",
    ],
    [
      { type: "nick", name: accents },
      `Cannot use "${accents}": a name can have at most 24 characters; this one has 48, ` +
      "counting each mark written apart from its letter as one",
    ],
    [
      { type: "msg", to: "b\x1b[0mob", text: "hi" },
      'Cannot send: nobody called "b\\u001b[0mob" is on this chat',
    ],
  ];
  for (const [frame, message] of refusals) {
    await ann.send(frame);
    assert.equal((await ann.next("error")).message, message);
  }
});

Deno.test("startServer() serves the confusables table to the web page, whole", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0, webPort: 0 });
  const response = await fetch(`http://${LOOPBACK}:${server.webAddr!.port}/web/app.js`);
  assert.equal(response.status, 200);
  const script = await response.text();
  // The bundle keeps the table as one object literal, from its first target, "2", to the end
  // of its last string: no source character is a quote.
  const literal = /=(\{2:"[^]*?[^\\]"\})/.exec(script)?.[1];
  assert.ok(literal !== undefined, "the page's script holds no confusables table");
  assert.deepEqual(new Function(`return ${literal};`)(), CONFUSABLES);
});

Deno.test("normalizeRoom() gives a name that it takes back as the same room, for every code point", () => {
  assert.deepEqual(normalizeRoom("#İstanbul"), { ok: true, value: "#istanbul" });
  for (let code = 0x20; code <= 0x10ffff; code++) {
    if (code >= 0xd800 && code <= 0xdfff) continue;
    const room = normalizeRoom(`#a${String.fromCodePoint(code)}`);
    if (!room.ok) continue;
    // A client coming back names its rooms as the server gave them.
    assert.deepEqual(normalizeRoom(room.value), room, hex(String.fromCodePoint(code)));
  }
});

Deno.test("nameVariant() numbers the name past those taken, cut to fit the longest name", () => {
  assert.equal(nameVariant("carol", () => false), "carol2");
  assert.equal(nameVariant("carol", (name) => name === "carol2"), "carol3");
  const longest = "a".repeat(MAX_NAME_LENGTH);
  assert.equal(nameVariant(longest, () => false), `${"a".repeat(MAX_NAME_LENGTH - 1)}2`);
  assert.equal(nameVariant("bob", () => true), undefined);
});
