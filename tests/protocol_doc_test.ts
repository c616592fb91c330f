/**
 * docs/PROTOCOL.md against the code. Outside implementers write clients from
 * the document alone, so every JSON frame it shows, in a code block or in a
 * line of prose, is read here as the side it is on reads it: client frames
 * with `parseClientFrame`, server frames with `parseServerFrame` (each line
 * first with `decodeJson`), and the discovery datagrams with their parsers.
 *
 * Nothing is skipped by hand. Which side a frame is on comes from the
 * document: the `C:` or `S:` before it in a transcript, else the tables of
 * client and server frames, whose row for its `type` must list every field
 * it has and the ones it needs. The only lines shown refused are `C:` lines
 * answered at once by an error of reading (`bad_frame`, `unknown_type`), as
 * the document's opening says: the reader must refuse those with the very
 * error shown. The protocol version of an example is the `version` its
 * transcript's `hello` and `welcome` (or the frame itself) carry, else that
 * of the section it is in; one of version 1 holds nothing that the tables
 * of version 2 add. Last, the example session and the hello of version 2
 * are played against a real server: what arrives has the fields, and the
 * values, shown.
 */

import assert from "node:assert/strict";
import {
  type ClientFrameType,
  decodeJson,
  type ErrorCode,
  parseClientFrame,
  parseServerFrame,
  type ServerFrame,
  type ServerFrameType,
} from "../protocol.ts";
import {
  encodeQuery,
  MAX_DATAGRAM_BYTES,
  parseAnnouncement,
  parseQuery,
} from "../discovery/beacon.ts";
import { checkOwnName, HOST_NAME } from "../core/names.ts";
import { startServer } from "../server.ts";
import { parseOpFile } from "../server/hub/moderation.ts";
import { SECURITY_HEADERS } from "../server/transports/web.ts";
import { clientFrom } from "./_from_address.ts";
import { LOOPBACK, TestClient } from "./_test_utils.ts";

const DOC = await Deno.readTextFile(new URL("../docs/PROTOCOL.md", import.meta.url));

type Side = "client" | "server";

/** What could not be read as the document's conventions say; a test reports them. */
const UNREADABLE: string[] = [];
type Rec = Record<string, unknown>;

function isRecord(value: unknown): value is Rec {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------
// Reading the Markdown: headings, fenced blocks, tables and inline code.

/** Where something is in the document: its line and the headings above it. */
interface Place {
  line: number;
  headings: readonly string[];
  /** The list item it is in (its first line), when it is indented under one. */
  item: string | undefined;
}

interface Fence extends Place {
  info: string;
  lines: { text: string; line: number }[];
}

interface Table extends Place {
  header: string[];
  rows: { cells: string[]; line: number }[];
}

interface Span extends Place {
  text: string;
}

interface Markdown {
  fences: Fence[];
  tables: Table[];
  spans: Span[];
}

/**
 * The inline code spans of `text` and where each starts, read as Markdown
 * reads them: closed by a run of as many backticks as opened it, a line end
 * inside one read as a space.
 */
function codeSpans(text: string): { text: string; at: number }[] {
  const spans: { text: string; at: number }[] = [];
  const runs = /`+/g;
  let open: RegExpExecArray | null;
  while ((open = runs.exec(text)) !== null) {
    const after = runs.lastIndex;
    let close: RegExpExecArray | null;
    while ((close = runs.exec(text)) !== null && close[0] !== open[0]);
    if (close === null) {
      // Backticks that nothing closes are themselves.
      runs.lastIndex = after;
      continue;
    }
    let span = text.slice(after, close.index).replaceAll("\n", " ");
    if (/^ .*[^ ].* $/.test(span)) span = span.slice(1, -1);
    spans.push({ text: span, at: open.index });
  }
  return spans;
}

function readMarkdown(source: string): Markdown {
  const fences: Fence[] = [];
  const tables: Table[] = [];
  const spans: Span[] = [];
  let headings: string[] = [];
  let item: string | undefined;
  let paragraph: { text: string; line: number }[] = [];
  let table: Table | undefined;
  let fence: (Fence & { close: string; indent: number }) | undefined;
  const place = (line: number): Place => ({ line, headings, item });
  const endParagraph = () => {
    if (paragraph.length === 0) return;
    const text = paragraph.map((line) => line.text.trimStart()).join("\n");
    for (const span of codeSpans(text)) {
      const line = paragraph[0]!.line + [...text.slice(0, span.at).matchAll(/\n/g)].length;
      spans.push({ ...place(line), text: span.text });
    }
    paragraph = [];
  };
  const lines = source.split("\n");
  for (const [index, text] of lines.entries()) {
    const line = index + 1;
    if (fence !== undefined) {
      if (text.trim() === fence.close) {
        const { close: _, indent: __, ...done } = fence;
        fences.push(done);
        fence = undefined;
      } else {
        const indent = Math.min(fence.indent, text.length - text.trimStart().length);
        fence.lines.push({ text: text.slice(indent), line });
      }
      continue;
    }
    if (!text.startsWith("|")) table = undefined;
    const opening = text.match(/^( *)(`{3,})(\S*)/);
    const heading = text.match(/^(#+) (.*)$/);
    if (opening !== null) {
      endParagraph();
      if (opening[1] === "") item = undefined;
      fence = {
        ...place(line),
        info: opening[3]!,
        lines: [],
        close: opening[2]!,
        indent: opening[1]!.length,
      };
    } else if (heading !== null) {
      endParagraph();
      headings = [...headings.slice(0, heading[1]!.length - 1), heading[2]!];
      item = undefined;
    } else if (text.startsWith("|")) {
      endParagraph();
      const cells = text.slice(1, text.trimEnd().endsWith("|") ? -1 : undefined)
        .split(/(?<!\\)\|/).map((cell) => cell.trim().replaceAll("\\|", "|"));
      if (table === undefined) {
        table = { ...place(line), header: cells, rows: [] };
        tables.push(table);
      } else if (!cells.every((cell) => /^:?-+:?$/.test(cell))) {
        table.rows.push({ cells, line });
      }
      for (const span of codeSpans(text)) spans.push({ ...place(line), text: span.text });
    } else if (text.trim() === "") {
      endParagraph();
    } else {
      if (text.startsWith("- ")) {
        endParagraph();
        item = text;
      } else if (paragraph.length === 0 && !text.startsWith(" ")) {
        item = undefined;
      }
      paragraph.push({ text, line });
    }
  }
  endParagraph();
  if (fence !== undefined) UNREADABLE.push(`PROTOCOL.md:${fence.line}: the code block never ends`);
  return { fences, tables, spans };
}

// ---------------------------------------------------------------------------
// The tables: which frames each side has, and their fields.

/** A field a table lists: whether a frame may leave it out, and the fields of its entries. */
interface Field {
  optional: boolean;
  entries: Map<string, Field> | undefined;
}

/** A frame's row: its fields, and those version 2 adds. */
interface Row {
  fields: Map<string, Field>;
  version2: Map<string, Field>;
}

/**
 * Reads a cell of fields as the tables write them, `a`, `b`?, `c` (`d`, `e`?):
 * names, `?` for an optional one, in parentheses the fields of its entries.
 * What follows a `:` or `;` is prose, and so is a leading `new:`.
 */
function readFields(cell: string): Map<string, Field> {
  const top = new Map<string, Field>();
  let current = top;
  let last: Field | undefined;
  const tokens = /`([^`]+)`(\?)?|[():;]/g;
  for (const [token, name, optional] of cell.replace(/^new: /, "").matchAll(tokens)) {
    if (token === "(") {
      if (last !== undefined) current = last.entries = new Map();
    } else if (token === ")") {
      current = top;
    } else if (token === ":" || token === ";") {
      if (current === top) break;
    } else if (/^[a-z][A-Za-z]*$/.test(name!)) {
      last = { optional: optional === "?", entries: undefined };
      current.set(name!, last);
    }
  }
  return top;
}

/** The frame types, or the error codes, a cell names: `say`, `me`. */
function typesIn(cell: string): string[] {
  return codeSpans(cell).map((span) => span.text);
}

interface Tables {
  rows: Record<Side, Map<string, Row>>;
  errorCodes: Set<string>;
}

function readTables(tables: Table[]): Tables {
  const rows: Record<Side, Map<string, Row>> = { client: new Map(), server: new Map() };
  const errorCodes = new Set<string>();
  const sides = { "Client frames": "client", "Server frames": "server" } as const;
  for (const table of tables) {
    const section = table.headings.at(-1) ?? "";
    if (table.header[0] === "`type`" && section in sides) {
      const side = sides[section as keyof typeof sides];
      for (const { cells, line } of table.rows) {
        for (const type of typesIn(cells[0]!)) {
          if (rows[side].has(type)) UNREADABLE.push(`PROTOCOL.md:${line}: ${type} has two rows`);
          rows[side].set(type, { fields: readFields(cells[1]!), version2: new Map() });
        }
      }
    }
  }
  for (const table of tables) {
    const side = table.header[0] === "Client frame"
      ? "client"
      : table.header[0] === "Server frame"
      ? "server"
      : undefined;
    if (side !== undefined && table.header[1] === "Version 2 adds") {
      for (const { cells, line } of table.rows) {
        for (const type of typesIn(cells[0]!)) {
          const row = rows[side].get(type);
          if (row === undefined) UNREADABLE.push(`PROTOCOL.md:${line}: ${type} has no ${side} row`);
          else row.version2 = readFields(cells[1]!);
        }
      }
    }
    if (table.header[0] === "`code`" && table.headings.at(-1) === "Errors") {
      for (const { cells } of table.rows) {
        for (const code of typesIn(cells[0]!)) errorCodes.add(code);
      }
    }
  }
  return { rows, errorCodes };
}

/** What does not fit `fields` (and those `version2` adds) in `value`: nothing if all fits. */
function misfits(
  value: Rec,
  fields: Map<string, Field>,
  version2 = new Map<string, Field>(),
): string[] {
  const wrong: string[] = [];
  for (const [key, field] of fields) {
    if (!field.optional && !(key in value)) wrong.push(`lacks "${key}"`);
  }
  for (const [key, item] of Object.entries(value)) {
    const field = fields.get(key) ?? version2.get(key);
    if (field === undefined) {
      if (key !== "type") wrong.push(`has "${key}", which its row does not list`);
      continue;
    }
    if (field.entries === undefined) continue;
    for (const entry of Array.isArray(item) ? item : [item]) {
      if (!isRecord(entry)) wrong.push(`"${key}" holds something other than objects`);
      else wrong.push(...misfits(entry, field.entries).map((why) => `${key}: ${why}`));
    }
  }
  return wrong;
}

// ---------------------------------------------------------------------------
// The examples.

/** A frame the document shows, or a line a transcript sends. */
interface Example {
  line: number;
  /** As written, on one line. */
  text: string;
  /** Its JSON, or `undefined` for a transcript line that is no JSON at all. */
  value: unknown;
  /** `C:` or `S:` in a transcript. */
  mark: Side | undefined;
  /** For a `C:` line, the transcript line right after it, if that is an `S:` line. */
  answer: Example | undefined;
  /** The version its place says, if it says one. */
  version: 1 | 2 | undefined;
  /** The `version` it carries, or in a transcript the one its `hello` and `welcome` carry. */
  shown: number | undefined;
  /** The code block it is in, if it is in one. */
  fence: Fence | undefined;
  /** The transcript it is part of. */
  transcript: Example[] | undefined;
  headings: readonly string[];
}

/** The version a place names: a "**Version 2**" list item, or a "Version 2" section. */
function versionOf(place: Place): 1 | 2 | undefined {
  const named = place.item?.match(/^- \*\*Version (\d)\*\*/)?.[1] ??
    place.headings.findLast((heading) => /^Version \d\b/.test(heading))?.match(/\d/)?.[0];
  return named === undefined ? undefined : Number(named) as 1 | 2;
}

/** The `version` that frames carry, if any does. */
function shownVersion(examples: Example[]): number | undefined {
  const versions = new Set(examples.map((example) => (example.value as Rec)?.version));
  versions.delete(undefined);
  if (versions.size > 1) {
    UNREADABLE.push(
      `PROTOCOL.md:${examples[0]?.line}: one transcript in versions ${[...versions]}`,
    );
  }
  return [...versions][0] as number | undefined;
}

function readExamples(markdown: Markdown): Example[] {
  const examples: Example[] = [];
  const example = (
    place: Place,
    fence: Fence | undefined,
    text: string,
    value: unknown,
    mark?: Side,
  ): Example => ({
    fence,
    line: place.line,
    text,
    value,
    mark,
    answer: undefined,
    version: versionOf(place),
    shown: undefined,
    transcript: undefined,
    headings: place.headings,
  });
  for (const fence of markdown.fences) {
    const found: Example[] = [];
    const transcript = fence.lines.some((line) => /^[CS]: \{/.test(line.text));
    if (transcript) {
      // `C:` what a client sends, `S:` what the server does; other lines tell what happens.
      for (const { text, line } of fence.lines) {
        const marked = text.match(/^([CS]): (.*)$/);
        if (marked === null) continue;
        const json = decodeJson(marked[2]!);
        const side = marked[1] === "C" ? "client" : "server";
        const value = json.ok ? json.value : undefined;
        const shown = example({ ...fence, line }, fence, marked[2]!, value, side);
        const before = found.at(-1);
        if (before?.mark === "client" && side === "server") before.answer = shown;
        found.push(shown);
      }
      for (const shown of found) shown.transcript = found;
    } else if (fence.info === "json") {
      // One value per line, or one written over several lines.
      let start: number | undefined;
      let text = "";
      for (const { text: part, line } of fence.lines) {
        if (start === undefined && part.trim() === "") continue;
        start ??= line;
        text += part + "\n";
        const json = decodeJson(text);
        if (json.ok) {
          found.push(
            example({ ...fence, line: start }, fence, JSON.stringify(json.value), json.value),
          );
          start = undefined;
          text = "";
        }
      }
      if (start !== undefined) UNREADABLE.push(`PROTOCOL.md:${start}: this JSON does not parse`);
    }
    // A transcript is one conversation, in the version its hello asked for.
    for (const one of found) one.shown = shownVersion(transcript ? found : [one]);
    examples.push(...found);
  }
  for (const span of markdown.spans) {
    if (!span.text.startsWith("{")) continue;
    const json = decodeJson(span.text);
    if (!json.ok || !isRecord(json.value) || typeof json.value.type !== "string") {
      if (span.text.startsWith('{"type"')) {
        UNREADABLE.push(`PROTOCOL.md:${span.line}: this frame does not parse: ${span.text}`);
      }
      continue;
    }
    const shown = example(span, undefined, span.text, json.value);
    shown.shown = shownVersion([shown]);
    examples.push(shown);
  }
  return examples.sort((a, b) => a.line - b.line);
}

const MARKDOWN = readMarkdown(DOC);
const TABLES = readTables(MARKDOWN.tables);
const EXAMPLES = readExamples(MARKDOWN);

/** The discovery datagrams: not frames, and each with its own parser. */
const DATAGRAMS: Record<string, (bytes: Uint8Array) => { ok: boolean }> = {
  "chat.announce": parseAnnouncement,
  "chat.query": parseQuery,
};

/** The errors of reading a line as a frame: a `C:` line answered by one is refused as written. */
const READING_ERRORS: ReadonlySet<string> = new Set(["bad_frame", "unknown_type"]);

const PARSERS = { client: parseClientFrame, server: parseServerFrame } as const;

/** The sides whose table row fits `value`, and why each other side's does not. */
function sidesOf(value: Rec): { sides: Side[]; why: string[] } {
  const sides: Side[] = [];
  const why: string[] = [];
  for (const side of ["client", "server"] as const) {
    const row = TABLES.rows[side].get(value.type as string);
    const wrong = row === undefined
      ? ["its type has no row"]
      : misfits(value, row.fields, row.version2);
    if (wrong.length === 0) sides.push(side);
    else why.push(`as a ${side} frame: ${wrong.join(", ")}`);
  }
  return { sides, why };
}

function errorCode(example: Example): string {
  const value = example.value;
  return isRecord(value) && value.type === "error" ? String(value.code) : "";
}

/** Whether the document shows `example` refused as it is read. */
function refused(example: Example): boolean {
  return example.answer !== undefined && READING_ERRORS.has(errorCode(example.answer));
}

/** The valid frames the document shows, each with the sides it is on (both for a `ping`, say). */
const FRAMES = EXAMPLES.flatMap((example) => {
  const value = example.value;
  if (!isRecord(value) || typeof value.type !== "string" || value.type in DATAGRAMS) return [];
  if (refused(example)) return [];
  const sides = example.mark === undefined ? sidesOf(value).sides : [example.mark];
  return [{ example, value, sides }];
});

function at(example: Example): string {
  return `PROTOCOL.md:${example.line} ${example.text}`;
}

// Mapped types make `deno check` fail when protocol.ts gains a type or a code not listed here.
const CLIENT_TYPES: Record<ClientFrameType, true> = {
  hello: true,
  say: true,
  me: true,
  msg: true,
  file: true,
  typing: true,
  nick: true,
  join: true,
  leave: true,
  part: true,
  who: true,
  rooms: true,
  help: true,
  history: true,
  search: true,
  quit: true,
  away: true,
  back: true,
  topic: true,
  oper: true,
  op: true,
  deop: true,
  kick: true,
  ban: true,
  unban: true,
  bans: true,
  mute: true,
  unmute: true,
  lock: true,
  unlock: true,
  rename: true,
  ping: true,
  pong: true,
};

const SERVER_TYPES: Record<ServerFrameType, true> = {
  welcome: true,
  room: true,
  message: true,
  private: true,
  joined: true,
  left: true,
  renamed: true,
  who: true,
  rooms: true,
  parted: true,
  servers: true,
  topic: true,
  notice: true,
  away: true,
  back: true,
  typing: true,
  help: true,
  info: true,
  error: true,
  bye: true,
  pong: true,
  ping: true,
};

const ERROR_CODES: Record<ErrorCode, true> = {
  bad_frame: true,
  line_too_long: true,
  invalid_utf8: true,
  unknown_type: true,
  unsupported_version: true,
  not_ready: true,
  already_ready: true,
  name_invalid: true,
  name_taken: true,
  room_invalid: true,
  text_invalid: true,
  unknown_command: true,
  bad_command: true,
  no_such_user: true,
  too_many_errors: true,
  password_required: true,
  password_wrong: true,
  rate_limited: true,
  not_in_room: true,
  not_stored: true,
  no_such_file: true,
  not_operator: true,
  banned: true,
  muted: true,
  room_locked: true,
};

const sorted = (items: Iterable<string>) => [...items].sort();

Deno.test("PROTOCOL.md lists every frame type and error code of protocol.ts, each with an example", async (t) => {
  await t.step("its code blocks, frames and tables read as they should", () => {
    assert.deepEqual(UNREADABLE, []);
  });

  await t.step("the table of client frames has the types parseClientFrame() reads", () => {
    assert.deepEqual(sorted(TABLES.rows.client.keys()), sorted(Object.keys(CLIENT_TYPES)));
    for (const type of Object.keys(CLIENT_TYPES)) {
      const checked = parseClientFrame({ type });
      assert.ok(checked.ok || checked.code !== "unknown_type", type);
    }
  });

  await t.step("the table of server frames has the types parseServerFrame() reads", () => {
    assert.deepEqual(sorted(TABLES.rows.server.keys()), sorted(Object.keys(SERVER_TYPES)));
    for (const type of Object.keys(SERVER_TYPES)) {
      const checked = parseServerFrame({ type });
      assert.ok(checked.ok || checked.code !== "unknown_type", type);
    }
  });

  await t.step("the table of errors has every code, and the examples use no other", () => {
    assert.deepEqual(sorted(TABLES.errorCodes), sorted(Object.keys(ERROR_CODES)));
    const unknown = EXAMPLES.filter((example) => errorCode(example) !== "")
      .filter((example) => !TABLES.errorCodes.has(errorCode(example))).map(at);
    assert.deepEqual(unknown, []);
  });

  await t.step("every frame type of each side has an example", () => {
    for (const side of ["client", "server"] as const) {
      const missing = [...TABLES.rows[side].keys()].filter((type) =>
        !FRAMES.some(({ value, sides }) => value.type === type && sides.includes(side))
      );
      assert.deepEqual(missing, [], `${side} frames without an example`);
    }
  });
});

Deno.test("PROTOCOL.md shows only frames that the side they are on reads as valid", async (t) => {
  await t.step("the examples are found", () => {
    // A reader that found nothing would pass every step below.
    assert.ok(FRAMES.length >= 100, `only ${FRAMES.length} frames found`);
    assert.ok(EXAMPLES.some((example) => example.mark === "client"));
    assert.ok(EXAMPLES.some((example) => example.answer !== undefined));
  });

  await t.step("each fits the row of its type in the table of its side", () => {
    const wrong = [];
    for (const { example, value } of FRAMES) {
      const { sides, why } = sidesOf(value);
      if (sides.length === 0) wrong.push(`${at(example)}: ${why.join("; ")}`);
      else if (example.mark !== undefined && !sides.includes(example.mark)) {
        wrong.push(`${at(example)}: marked as a ${example.mark} frame, but ${why.join("; ")}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  await t.step("each is read as valid by the side it is on", () => {
    const wrong = [];
    for (const { example, value, sides } of FRAMES) {
      for (const side of sides) {
        const checked = PARSERS[side](value);
        if (!checked.ok) wrong.push(`${at(example)}: ${side}: ${checked.message}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  await t.step("a line shown refused is refused by the reader, with the error shown", () => {
    const shown = EXAMPLES.filter(refused);
    assert.ok(shown.length > 0, "the document shows no refused line");
    for (const example of shown) {
      const json = decodeJson(example.text);
      const checked = json.ok ? parseClientFrame(json.value) : json;
      const answer = example.answer!.value as Rec;
      assert.deepEqual(
        checked.ok ? checked : { code: checked.code, message: checked.message },
        { code: answer.code, message: answer.message },
        at(example),
      );
    }
  });

  await t.step("every other line a client sends in a transcript is a frame", () => {
    const unread = EXAMPLES.filter((example) =>
      example.mark !== undefined && example.value === undefined && !refused(example)
    );
    assert.deepEqual(unread.map(at), []);
  });

  await t.step("the discovery datagrams are read as valid by discovery", () => {
    const datagrams = EXAMPLES.filter((example) =>
      isRecord(example.value) && String(example.value.type) in DATAGRAMS
    );
    assert.deepEqual(sorted(datagrams.map((example) => (example.value as Rec).type as string)), [
      "chat.announce",
      "chat.query",
    ]);
    for (const example of datagrams) {
      const parse = DATAGRAMS[(example.value as Rec).type as string]!;
      assert.ok(parse(new TextEncoder().encode(example.text)).ok, at(example));
    }
  });

  await t.step("a query is padded as the text says, to the largest datagram", () => {
    const said = /pads every query to exactly (\d+) bytes[^]*?that is (\d+) dots/.exec(DOC);
    assert.ok(said, "PROTOCOL.md says how a query is padded");
    const query = new TextDecoder().decode(encodeQuery());
    assert.equal(Number(said[1]), MAX_DATAGRAM_BYTES);
    assert.equal(query.length, MAX_DATAGRAM_BYTES);
    assert.equal(Number(said[2]), /"pad":"(\.*)"/.exec(query)![1]!.length);
    assert.equal(parseQuery(new TextEncoder().encode(query.replace(".", ".."))).ok, false);
  });
});

Deno.test("PROTOCOL.md's tables say which fields protocol.ts requires and which it lets go", () => {
  // Each example, less one field at a time: refused when the row needs it, read when not.
  const wrong = [];
  for (const { example, value, sides } of FRAMES) {
    for (const side of sides) {
      const row = TABLES.rows[side].get(value.type as string)!;
      for (const key of Object.keys(value)) {
        if (key === "type") continue;
        const { [key]: _, ...rest } = value;
        const needed = !(row.fields.get(key)?.optional ?? row.version2.has(key));
        const checked = PARSERS[side](rest);
        if (checked.ok === needed) {
          wrong.push(
            `${at(example)}: without "${key}", ${side} ${checked.ok ? "reads" : "refuses"} it`,
          );
        }
      }
    }
  }
  assert.deepEqual(wrong, []);
});

Deno.test("PROTOCOL.md's examples are of the version their place says", async (t) => {
  await t.step("a hello or welcome carries the version of its section", () => {
    const wrong = EXAMPLES.filter((example) =>
      example.shown !== undefined && example.version !== undefined &&
      example.shown !== example.version
    );
    assert.deepEqual(wrong.map(at), []);
  });

  await t.step("one of version 1 holds nothing version 2 adds, and no line break", () => {
    const wrong = [];
    let checked = 0;
    for (const { example, value, sides } of FRAMES) {
      if ((example.shown ?? example.version) !== 1) continue;
      checked++;
      for (const side of sides) {
        const row = TABLES.rows[side].get(value.type as string)!;
        for (const key of Object.keys(value)) {
          if (!row.fields.has(key) && row.version2.has(key)) {
            wrong.push(`${at(example)}: "${key}" is of version 2`);
          }
        }
      }
      if (
        (value.type === "message" || value.type === "private") && String(value.text).includes("\n")
      ) {
        wrong.push(`${at(example)}: version 1 gets each line break as a space`);
      }
    }
    assert.ok(checked > 10, `only ${checked} examples of version 1`);
    assert.deepEqual(wrong, []);
  });
});

// ---------------------------------------------------------------------------
// The transcripts, for real.

/** Fields whose values a real run cannot share with the document: compared by type. */
const VOLATILE: ReadonlySet<string> = new Set(["id", "ts", "resume"]);
/** The same, for the fields of a welcome's `files`: its web port is a free one, its token new. */
const VOLATILE_IN_FILES: ReadonlySet<string> = new Set(["port", "token"]);

/**
 * Compares what arrived with what the document shows: the same fields, and
 * the same values, but for {@linkcode VOLATILE} ones, which need only be of
 * the same type and stand for the same real value wherever the document
 * repeats them (a message sent again keeps its id).
 */
class Likeness {
  readonly problems: string[] = [];
  /** The real value each value shown stands for, by field. */
  readonly #standsFor = new Map<string, unknown>();
  /** The value shown for each real id. */
  readonly #shownAs = new Map<string, unknown>();

  compare(shown: unknown, real: unknown, where: string): void {
    if (isRecord(shown) && isRecord(real)) {
      const keys = sorted(new Set([...Object.keys(shown), ...Object.keys(real)]));
      for (const key of keys) {
        if (!(key in real)) this.problems.push(`${where}: "${key}" does not arrive`);
        else if (!(key in shown)) {
          this.problems.push(`${where}: "${key}" arrives too (${JSON.stringify(real[key])})`);
        } else if (
          VOLATILE.has(key) || (where.endsWith(".files") && VOLATILE_IN_FILES.has(key))
        ) this.#stand(key, shown[key], real[key], where);
        else this.compare(shown[key], real[key], `${where}.${key}`);
      }
    } else if (Array.isArray(shown) && Array.isArray(real) && shown.length === real.length) {
      shown.forEach((item, i) => this.compare(item, real[i], `${where}[${i}]`));
    } else if (JSON.stringify(shown) !== JSON.stringify(real)) {
      this.problems.push(`${where}: shown ${JSON.stringify(shown)}, real ${JSON.stringify(real)}`);
    }
  }

  #stand(key: string, shown: unknown, real: unknown, where: string): void {
    if (typeof shown !== typeof real) {
      this.problems.push(`${where}.${key}: shown a ${typeof shown}, real a ${typeof real}`);
      return;
    }
    const said = `${key} ${JSON.stringify(shown)}`;
    if (this.#standsFor.has(said) && this.#standsFor.get(said) !== real) {
      this.problems.push(`${where}.${key}: ${JSON.stringify(shown)} stands for two real values`);
    }
    this.#standsFor.set(said, real);
    // Two ids shown apart are two messages; two times may fall in the same millisecond.
    if (key !== "id") return;
    // Numbered from the clock, as the document says: as many digits as shown, not 1, 2, 3.
    if (String(shown).length !== String(real).length) {
      this.problems.push(`${where}.${key}: shown ${shown}, real ${real}, not alike in size`);
    }
    const id = JSON.stringify(real);
    if (this.#shownAs.has(id) && this.#shownAs.get(id) !== shown) {
      this.problems.push(
        `${where}.${key}: one real id shown as ${this.#shownAs.get(id)} and as ${shown}`,
      );
    }
    this.#shownAs.set(id, shown);
  }
}

/** The side `example` is on: its mark in a transcript, else the one table row it fits. */
function sideOf(example: Example): Side {
  if (example.mark !== undefined) return example.mark;
  const { sides } = sidesOf(example.value as Rec);
  assert.equal(sides.length, 1, `${at(example)}: on ${sides.length} sides`);
  return sides[0]!;
}

/**
 * Plays `shown` on `client` in order: sends each line of the client's, once
 * every frame shown before it has arrived, and waits for each frame of the
 * server's, which must come next, nothing between, and look as shown.
 * Returns how many frames arrived.
 */
async function play(client: TestClient, shown: Example[], likeness: Likeness): Promise<number> {
  const mark = client.frames.length;
  let heard = 0;
  for (const example of shown) {
    if (sideOf(example) === "client") {
      await client.write(example.text + "\n");
      continue;
    }
    const expected = example.value as ServerFrame;
    let frame: ServerFrame;
    try {
      frame = await client.next(expected.type);
    } catch (error) {
      const got = JSON.stringify(client.frames.slice(mark + heard));
      throw new Error(`${at(example)}: ${(error as Error).message}; arrived: ${got}`);
    }
    assert.equal(client.frames.indexOf(frame), mark + heard, `${at(example)}: other frames first`);
    likeness.compare(expected, frame, `PROTOCOL.md:${example.line}`);
    heard++;
  }
  return heard;
}

Deno.test("PROTOCOL.md's example session, played against a real server, gets what it shows", async () => {
  const session = EXAMPLES.filter((example) => example.headings.at(-1) === "Example session");
  const alice = session[0]!.transcript!;
  const bob = session.at(-1)!.transcript!;
  assert.notEqual(alice, bob, "the session and what Bob received are two transcripts");
  assert.ok(bob.every((example) => example.mark === "server"));
  // "The server keeps its history in memory … and has its web port."
  await using server = await startServer({ hostname: LOOPBACK, port: 0, webPort: 0 });
  const port = server.addr.port;
  const likeness = new Likeness();
  // "Bob is already in #lobby and has said one thing."
  await using bobClient = await TestClient.join(port, "bob");
  await bobClient.say("earlier message");
  await bobClient.next("message");
  const bobMark = bobClient.frames.length;

  await using aliceClient = await TestClient.connect(port);
  const heard = await play(aliceClient, alice, likeness);
  // "(the server closes the connection)", with nothing more.
  await aliceClient.closed();
  assert.deepEqual(aliceClient.garbage, []);
  assert.equal(aliceClient.frames.length, heard, JSON.stringify(aliceClient.frames.slice(heard)));

  await bobClient.sync();
  const bobFrames = bobClient.frames.slice(bobMark).filter((frame) => frame.type !== "pong");
  assert.deepEqual(
    bobFrames.map((frame) => frame.type),
    bob.map((example) => (example.value as ServerFrame).type),
  );
  for (const [i, example] of bob.entries()) {
    likeness.compare(example.value, bobFrames[i], `PROTOCOL.md:${example.line}`);
  }
  assert.deepEqual(likeness.problems, []);
});

Deno.test("PROTOCOL.md's hello of version 2, played against a real server, gets what it shows", async () => {
  const first = EXAMPLES.find((example) => example.headings.at(-1) === "Entering rooms")!;
  const block = EXAMPLES.filter((example) => example.fence === first.fence);
  assert.deepEqual(block.map((example) => (example.value as Rec).type).slice(0, 2), [
    "hello",
    "welcome",
  ]);
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  const port = server.addr.port;
  // As the example has it: bob said something in #lobby after the `since` of
  // the hello (ids come from the clock, past that one), carol something in #dev.
  await using bob = await TestClient.join(port, "bob");
  await bob.say("back at 2");
  await bob.next("message");
  await using carol = await TestClient.join2(port, "carol", [{ room: "#dev" }]);
  await carol.send({ type: "say", room: "#dev", text: "build is green" });
  await carol.next("message");

  await using alice = await TestClient.connect(port);
  const likeness = new Likeness();
  const heard = await play(alice, block, likeness);
  await alice.sync();
  assert.equal(alice.frames.length, heard + 1, JSON.stringify(alice.frames));
  assert.deepEqual(likeness.problems, []);
});

Deno.test("PROTOCOL.md's row of `bans` says what the server answers, count first", async () => {
  const row = DOC.split("\n").find((line) => line.startsWith("| `bans`   |"));
  assert.ok(row, "the Operators table has a row for bans");
  await using server = await startServer({
    hostname: LOOPBACK,
    port: 0,
    operators: parseOpFile("ann s3cret\n"),
  });
  const port = server.addr.port;
  await using ann = await TestClient.join(port, "ann");
  await ann.say("/oper s3cret");
  await ann.next("notice");
  const answer = async () => {
    await ann.send({ type: "bans" });
    await ann.sync();
    return ann.all("info").slice(-3).map((frame) => frame.text);
  };
  assert.equal((await answer()).at(-1), "No bans");
  assert.ok(row.includes("`No bans`"), row);
  await using eve = await clientFrom(port, "127.0.0.7");
  await eve.send({ type: "hello", version: 1, name: "eve" });
  await eve.next("room");
  await using mal = await clientFrom(port, "127.0.0.8");
  await mal.send({ type: "hello", version: 1, name: "mal" });
  await mal.next("room");
  await ann.send({ type: "ban", target: "eve", duration: 7200, reason: "flooding" });
  await ann.send({ type: "ban", target: "mal" });
  const [count, ...each] = await answer();
  assert.equal(count, "2 bans:");
  assert.ok(row.includes("`2 bans:`"), row);
  // Each ban is told as the row's example is, on a line of its own indented by two spaces.
  const shown = /^\S+ \(\S+\), by \S+, (.+ left|until lifted)(: .+)?$/;
  const example = row.match(/one `info` each, indented by two spaces \(`([^`]+)`\)/);
  assert.ok(example, row);
  assert.match(example[1]!, shown);
  assert.equal(each.length, 2);
  for (const line of each) {
    assert.ok(line.startsWith("  "), JSON.stringify(line));
    assert.match(line.slice(2), shown);
  }
});

Deno.test("PROTOCOL.md quotes the web port's policy as the server sends it", () => {
  const quoted = DOC.match(/`Content-Security-Policy: ([^`]+)`/);
  assert.ok(quoted, "the WebSocket section quotes the policy");
  assert.equal(quoted[1], SECURITY_HEADERS["content-security-policy"]);
});

Deno.test("PROTOCOL.md lists the reserved names the server refuses, the console's host too", async () => {
  const doc = await Deno.readTextFile(new URL("../docs/PROTOCOL.md", import.meta.url));
  // Wherever the paragraph's lines break.
  const start = doc.search(/reserved,\s+look-alikes\s+included:/);
  assert.ok(start >= 0, "PROTOCOL.md lists the reserved names");
  const listed = [...doc.slice(start, doc.indexOf("\n\n", start)).matchAll(/`([^`]+)`/g)]
    .map(([, name]) => name!);
  assert.ok(listed.includes(HOST_NAME), `${HOST_NAME} is not listed: ${listed.join(", ")}`);
  for (const name of listed) {
    assert.equal(checkOwnName(name), `The name "${name}" is reserved`, name);
  }
});
