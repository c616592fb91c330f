/**
 * How the page lays out what people chose, at phone and desktop sizes: a
 * long topic gives way to the room's name in the header, and on a phone
 * keeps its first words beside a name as long as may be, in two rows at most; right-to-left
 * names, messages, rooms and topics read in their own direction, and a
 * line stays `[time] name: text` around them; a room with news has its
 * counts on the first row of its name, which a desktop's sidebar shows
 * whole, even as long as a name may be, and a phone's drawer in two rows
 * at most; drawn again, the sidebar keeps its names as the same elements.
 * The real page runs in Chromium against a real server; the
 * others are protocol clients. Screenshots go to test-results/screenshots.
 */

import assert from "node:assert/strict";
import type { Locator } from "./_playwright.ts";
import { MAX_ROOM_LENGTH } from "../../protocol.ts";
import { parseOpFile } from "../../server/hub/moderation.ts";
import { TestClient } from "../_test_utils.ts";
import {
  type BrowserOptions,
  ChatBrowser,
  exactly,
  say,
  screenshot,
  startWebServer,
  WAIT_MS,
  waitForLine,
  webUrl,
} from "./_browser.ts";
import { testWith } from "./_needs.ts";
import { waitFor } from "./_tmux.ts";
import { openSidebar, says } from "./_web_rooms.ts";

// What the page functions run by `evaluate` use of the browser's globals (not the DOM lib,
// which would retype Deno's own globals for every file checked with this one).
declare const document: { createRange(): BrowserRange };
declare function getComputedStyle(
  element: unknown,
): { direction: string; unicodeBidi: string; lineHeight: string; textOverflow: string };

/** Where a box is drawn, in CSS pixels from the left. */
interface Span {
  left: number;
  right: number;
}

/** Where a box is drawn, from the left and the top. */
interface Rect extends Span {
  top: number;
}

/** A range of text in the page, as much of it as these tests use. */
interface BrowserRange {
  selectNodeContents(node: unknown): void;
  setStart(node: unknown, offset: number): void;
  setEnd(node: unknown, offset: number): void;
  getBoundingClientRect(): Rect;
  getClientRects(): Iterable<Rect>;
}

/** The two sizes the header is looked at. */
const SIZES: readonly { name: string; options: BrowserOptions }[] = [
  { name: "desktop", options: { viewport: { width: 1280, height: 800 } } },
  {
    name: "phone",
    options: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, mobile: true },
  },
];

/** How wide `element` is drawn and how wide its text would be, in CSS pixels. */
function widths(element: Locator): Promise<{ shown: number; whole: number }> {
  return element.evaluate((element) => ({
    shown: element.clientWidth,
    whole: element.scrollWidth,
  }));
}

/** A topic longer than any header is wide. */
const TOPIC = "Release on Friday: read the checklist in the wiki before you merge anything " +
  "into main, run the whole test suite on your own machine first, and tell #ops when you " +
  "deploy, so that someone watches the dashboards with you";

for (const { name: size, options } of SIZES) {
  testWith(
    ["chromium"],
    `web page (${size}): a long topic gives way to the room's name in the header`,
    async () => {
      await using server = await startWebServer({
        operators: parseOpFile("ann s3cret\n"),
      });
      await using ann = await TestClient.join2(server.addr.port, "ann", [{ room: "#engineering" }]);
      await ann.say("/oper s3cret");
      await ann.next("notice", (frame) => frame.text.startsWith("ann is an operator"));
      await ann.send({ type: "topic", room: "#engineering", text: TOPIC });
      await ann.next("topic");
      await using browser = await ChatBrowser.launch(options);
      const page = await browser.openAs(webUrl(server), "bob");
      await say(page, "/join #engineering");
      await page.locator("#room-name", { hasText: exactly("#engineering") }).waitFor();
      const topic = page.locator("#room-topic", { hasText: exactly(TOPIC) });
      await topic.waitFor();
      await screenshot(page, `web-header-${size}.png`);

      const name = await widths(page.locator("#room-name"));
      assert.ok(name.whole <= name.shown, `the room's name is cut: ${JSON.stringify(name)}`);
      const shown = await widths(topic);
      assert.ok(shown.shown < shown.whole, `the topic is not cut: ${JSON.stringify(shown)}`);
      assert.ok(shown.shown > 0, "the topic is not shown at all");
      assert.deepEqual(browser.unexpectedProblems(), []);
    },
  );
}

/** Where the parts of a log line are drawn, and its words' first and last characters. */
interface Drawn {
  time: Span;
  name: Span;
  text: Span;
  first: Span;
  last: Span;
}

/** Where the time, the name and the words of `line` are drawn. */
function drawn(line: Locator): Promise<Drawn> {
  return line.evaluate((line) => {
    const box = (selector: string) => {
      const { left, right } = line.querySelector(selector)!.getBoundingClientRect();
      return { left, right };
    };
    const words = line.querySelector(".text")!.firstChild!;
    const length = words.textContent!.length;
    const range = document.createRange();
    const character = (at: number) => {
      range.setStart(words, at);
      range.setEnd(words, at + 1);
      const { left, right } = range.getBoundingClientRect();
      return { left, right };
    };
    return {
      time: box(".time"),
      name: box(".name"),
      text: box(".text"),
      first: character(0),
      last: character(length - 1),
    };
  });
}

/** The direction `element` is laid out in, and whether it is set apart from what is around it. */
async function direction(element: Locator): Promise<{ direction: string; unicodeBidi: string }> {
  // A list drawn again between finding the element and reading it leaves a detached
  // element, whose computed style is empty: it is read again, found anew.
  const style = await waitFor(
    () =>
      element.evaluate((element) => {
        const { direction, unicodeBidi } = getComputedStyle(element);
        return element.isConnected ? { direction, unicodeBidi } : undefined;
      }),
    (style) => style !== undefined,
    WAIT_MS,
    () => "an element still on the page to read the direction of",
  );
  return style!;
}

/** A run of right-to-left text set apart from what is around it: a name, a topic. */
const RTL_RUN = { direction: "rtl", unicodeBidi: "isolate" };

/** A run set apart, left to right as its sign leads: a room's name. */
const LTR_RUN = { direction: "ltr", unicodeBidi: "isolate" };

for (const { name: size, options } of SIZES) {
  testWith(
    ["chromium"],
    `web page (${size}): Hebrew and Arabic read right to left, each line still [time] name: text`,
    async () => {
      await using server = await startWebServer({
        operators: parseOpFile("ann s3cret\n"),
      });
      const port = server.addr.port;
      await using ann = await TestClient.join2(port, "ann", [{ room: "#lobby" }, {
        room: "#צוות",
      }]);
      await ann.say("/oper s3cret");
      await ann.next("notice", (frame) => frame.text.startsWith("ann is an operator"));
      await ann.send({ type: "topic", room: "#צוות", text: "שחרור ביום שישי!" });
      await ann.next("topic");
      await using sara = await TestClient.join2(port, "שרה", [{ room: "#lobby" }, {
        room: "#צוות",
      }]);
      await using browser = await ChatBrowser.launch(options);
      const page = await browser.openAs(webUrl(server), "bob");

      await says(sara, "שלום לכולם", "#lobby");
      await says(ann, "יש 3 באגים!", "#lobby");
      await says(sara, "مرحبا 123، كيف حالكم؟", "#lobby");
      const hello = await waitForLine(page, "message", "שלום לכולם");
      const bugs = await waitForLine(page, "message", "יש 3 באגים!");
      const arabic = await waitForLine(page, "message", "مرحبا");
      await screenshot(page, `web-rtl-${size}.png`);

      for (const [line, what] of [[hello, "שרה"], [bugs, "ann"], [arabic, "Arabic"]] as const) {
        const at = await drawn(line);
        const order = JSON.stringify(at);
        assert.ok(at.time.right <= at.name.left, `${what}: the time after the name: ${order}`);
        assert.ok(at.name.right < at.text.left, `${what}: the name after the words: ${order}`);
        // Right to left: the words begin at the right and end at the left, punctuation and all.
        assert.ok(
          at.first.right > at.last.right,
          `${what}: the words read left to right: ${order}`,
        );
        assert.ok(at.last.left - at.text.left < 1, `${what}: the last character is not leftmost`);
        assert.ok(at.text.right - at.first.right < 1, `${what}: the first is not rightmost`);
      }
      assert.deepEqual(await direction(hello.locator(".name bdi")), RTL_RUN);
      assert.deepEqual(await direction(hello.locator(".text")), {
        direction: "rtl",
        unicodeBidi: "plaintext",
      });

      // The people list, the rooms, the header and the topic, each a run of its own.
      await openSidebar(page);
      const person = page.locator("#members .member-name", { hasText: "שרה" });
      assert.deepEqual(await direction(person.locator("bdi")), RTL_RUN);
      const rooms = page.locator('#rooms [data-room="#צוות"]');
      assert.deepEqual(await direction(rooms.locator(".room-label")), LTR_RUN);
      await rooms.click();
      await page.locator("#room-name", { hasText: exactly("#צוות") }).waitFor();
      assert.deepEqual(await direction(page.locator("#room-name")), LTR_RUN);
      assert.deepEqual(await direction(page.locator("#room-topic")), RTL_RUN);
      const topic = await waitForLine(page, "notice", "Topic of #צוות");
      assert.deepEqual(await direction(topic.locator(".topic")), RTL_RUN);
      assert.deepEqual(await direction(topic.locator(".room")), LTR_RUN);
      await openSidebar(page);
      const view = page.locator('#views [data-view="#צוות"] .room-label');
      assert.deepEqual(await direction(view), LTR_RUN);
      await screenshot(page, `web-rtl-room-${size}.png`);
      assert.deepEqual(browser.unexpectedProblems(), []);
    },
  );
}

/** Rooms whose names fill a row of the sidebar, and more. */
const LONG_ROOMS = ["#room-10-abcdefghijklmn", "#room-11-abcdefghijklmno", "#quarterly-numbers"];

/** A room whose name, near the longest a name may be, is longer than two rows of the sidebar. */
const LONGEST_ROOM = "#quarterly-planning-and-budgets";

/** Where a room's name is drawn in the sidebar, the height of one of its rows, and its marks. */
interface Entry {
  top: number;
  height: number;
  row: number;
  /** Whether some of the name is left out: cut at the right, or past its last row. */
  cut: boolean;
  /** The vertical middles of the counts and marks beside the name. */
  marks: number[];
  title: string;
}

/** How `label`, a room's name in the sidebar, and the counts and marks beside it are drawn. */
function entry(label: Locator): Promise<Entry> {
  return label.evaluate((label) => {
    const { top, height } = label.getBoundingClientRect();
    const marks = [...label.parentElement!.children].filter((mark) => mark !== label).map(
      (mark) => {
        const box = mark.getBoundingClientRect();
        return box.top + box.height / 2;
      },
    );
    return {
      top,
      height,
      row: parseFloat(getComputedStyle(label).lineHeight),
      cut: label.scrollWidth > label.clientWidth || label.scrollHeight > label.clientHeight,
      marks,
      title: label.parentElement!.title,
    };
  });
}

for (const { name: size, options } of SIZES) {
  testWith(
    ["chromium"],
    `web page (${size}): rooms with unread messages show their counts on the first row, whole on a desktop, in two rows on a phone`,
    async () => {
      await using server = await startWebServer();
      const rooms = [...LONG_ROOMS, LONGEST_ROOM];
      await using ann = await TestClient.join2(
        server.addr.port,
        "ann",
        rooms.map((room) => ({ room })),
      );
      await using browser = await ChatBrowser.launch(options);
      const page = await browser.openAs(webUrl(server), "bob");
      for (const room of rooms) {
        await say(page, `/join ${room}`);
        await page.locator("#room-name", { hasText: exactly(room) }).waitFor();
      }
      await say(page, "/switch #lobby");
      await page.locator("#room-name", { hasText: exactly("#lobby") }).waitFor();
      await says(ann, "bob: look at this", LONG_ROOMS[0]);
      for (let i = 1; i <= 12; i++) await says(ann, `news ${i}`, LONG_ROOMS[1]);
      await says(ann, "bob: the budget", LONGEST_ROOM);
      for (let i = 1; i <= 11; i++) await says(ann, `numbers ${i}`, LONGEST_ROOM);
      await openSidebar(page);
      await page.locator(`#views [data-view="${LONG_ROOMS[0]}"] .mention-badge`).waitFor();
      await page.locator(`#views [data-view="${LONG_ROOMS[1]}"] .unread`, {
        hasText: exactly("12"),
      }).waitFor();
      const longest = page.locator(`#views [data-view="${LONGEST_ROOM}"]`);
      await longest.locator(".mention-badge").waitFor();
      await longest.locator(".unread", { hasText: exactly("12") }).waitFor();
      await page.locator(`#rooms [data-room="${LONGEST_ROOM}"] .count`, { hasText: exactly("2") })
        .waitFor();
      await screenshot(page, `web-unread-rooms-${size}.png`);

      for (const list of ["#views", "#rooms"]) {
        for (const room of rooms) {
          const label = page.locator(
            `${list} [data-${list === "#views" ? "view" : "room"}="${room}"]`,
          )
            .locator(".room-label");
          assert.equal(await label.textContent(), room);
          const drawn = await entry(label);
          const what = `${list}: ${room}: ${JSON.stringify(drawn)}`;
          // On a desktop there is room for the whole name; a phone's drawer gives it two rows.
          if (size === "desktop") assert.ok(!drawn.cut, `cut: ${what}`);
          else assert.ok(drawn.height <= 2 * drawn.row + 0.5, `more than two rows: ${what}`);
          if (room === LONGEST_ROOM) {
            assert.equal(drawn.marks.length, list === "#views" ? 2 : 1, `its marks: ${what}`);
          }
          for (const middle of drawn.marks) {
            assert.ok(
              middle > drawn.top && middle < drawn.top + drawn.row,
              `a count or mark not on the name's first row: ${what}`,
            );
          }
          // What two rows cannot show is in the button's title, as in the header once shown.
          assert.ok(drawn.title.includes(room), `the title does not name it: ${what}`);
          if (room !== LONGEST_ROOM) assert.ok(!drawn.cut, `cut: ${what}`);
        }
      }
      assert.deepEqual(browser.unexpectedProblems(), []);
    },
  );
}

/** A room whose name is as long as a name may be, of broad letters (names are small letters). */
const LONGEST_NAME = "#mobile-workshop-memo-wednesdays";

testWith(
  ["chromium"],
  "web page (desktop): a room's name as long as may be shows whole, in the sidebar and the header",
  async () => {
    assert.equal([...LONGEST_NAME].length, MAX_ROOM_LENGTH);
    await using server = await startWebServer();
    await using ann = await TestClient.join2(server.addr.port, "ann", [{ room: LONGEST_NAME }]);
    await using browser = await ChatBrowser.launch(SIZES[0]!.options);
    const page = await browser.openAs(webUrl(server), "bob");
    await say(page, `/join ${LONGEST_NAME}`);
    await page.locator("#room-name", { hasText: exactly(LONGEST_NAME) }).waitFor();
    await say(page, "/switch #lobby");
    await page.locator("#room-name", { hasText: exactly("#lobby") }).waitFor();
    // Its entry among the user's rooms as broad as it gets: a mention and a two-digit count.
    await says(ann, "bob: the memo", LONGEST_NAME);
    for (let i = 1; i <= 11; i++) await says(ann, `point ${i}`, LONGEST_NAME);
    const view = page.locator(`#views [data-view="${LONGEST_NAME}"]`);
    await view.locator(".unread", { hasText: exactly("12") }).waitFor();
    const room = page.locator(`#rooms [data-room="${LONGEST_NAME}"]`);
    await room.locator(".count", { hasText: exactly("2") }).waitFor();
    await screenshot(page, "web-longest-room-desktop.png");

    for (const button of [view, room]) {
      const label = button.locator(".room-label");
      assert.equal(await label.textContent(), LONGEST_NAME);
      const drawn = await entry(label);
      const what = JSON.stringify(drawn);
      assert.ok(!drawn.cut, `cut in the sidebar: ${what}`);
      assert.ok(drawn.title.includes(LONGEST_NAME), `the title does not name it: ${what}`);
      for (const middle of drawn.marks) {
        assert.ok(
          middle > drawn.top && middle < drawn.top + drawn.row,
          `a mark off row 1: ${what}`,
        );
      }
    }

    // Shown, it is whole in the header too.
    await view.click();
    const name = page.locator("#room-name", { hasText: exactly(LONGEST_NAME) });
    await name.waitFor();
    const header = await widths(name);
    assert.ok(header.whole <= header.shown, `cut in the header: ${JSON.stringify(header)}`);
    const box = (await name.boundingBox())!;
    const status = (await page.locator(".connection").boundingBox())!;
    assert.ok(box.x + box.width <= status.x, "the name runs under the status");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

/** Where the rows of `element`'s text begin, from the left, in CSS pixels. */
function rowStarts(element: Locator): Promise<number[]> {
  return element.evaluate((element) => {
    const range = document.createRange();
    range.selectNodeContents(element);
    return [...range.getClientRects()].map((rect) => Math.round(rect.left));
  });
}

/** The widths `/help` is looked at, a phone's first. */
const HELP_SIZES: readonly { name: string; options: BrowserOptions }[] = [
  SIZES[1]!,
  { name: "768", options: { viewport: { width: 768, height: 800 } } },
  SIZES[0]!,
];

for (const { name: size, options } of HELP_SIZES) {
  testWith(
    ["chromium"],
    `web page (${size}): /help keeps its descriptions in a column, their rows under their first`,
    async () => {
      await using server = await startWebServer();
      await using browser = await ChatBrowser.launch(options);
      const page = await browser.openAs(webUrl(server), "bob");
      await say(page, "/help");
      await waitForLine(page, "notice", "/ignores");
      await screenshot(page, `web-help-${size}.png`);

      const lines = await page.locator("#log .line.help").all();
      assert.ok(lines.length > 20, `${lines.length} help lines`);
      // One time for the list, on its heading: its rows leave the time's column empty.
      const heading = page.locator("#log .line.notice:not(.help)", { hasText: /Commands:$/ });
      assert.match(await heading.locator(".time").innerText(), /^\[\d\d:\d\d:\d\d\]$/);
      const times = await page.locator("#log .line.help .time").allInnerTexts();
      assert.deepEqual(new Set(times), new Set([""]), "a row of /help has a time of its own");
      const columns = new Set<number>();
      let wrapped = 0;
      for (const line of lines) {
        const usage = await rowStarts(line.locator(".usage"));
        const words = await rowStarts(line.locator(".description"));
        const what = `${await line.textContent()}: ${usage} and ${words}`;
        assert.equal(new Set(usage).size, 1, `the command's rows start apart: ${what}`);
        assert.equal(new Set(words).size, 1, `the description's rows start apart: ${what}`);
        if (words.length > 1) wrapped++;
        if (size === "phone") assert.ok(words[0]! > usage[0]!, `not indented: ${what}`);
        else assert.ok(words[0]! > usage[0]! + 100, `not beside the command: ${what}`);
        columns.add(words[0]!);
      }
      assert.equal(columns.size, 1, `the descriptions start at ${[...columns]}`);
      if (size !== "desktop") {
        assert.ok(wrapped > 0, "no description wraps: look at a narrower page");
      }
      assert.deepEqual(browser.unexpectedProblems(), []);
    },
  );
}

testWith(
  ["chromium"],
  "web page: the sidebar drawn again keeps the names of its rooms as the same elements",
  async () => {
    await using server = await startWebServer();
    await using ann = await TestClient.join2(server.addr.port, "ann", [
      { room: "#lobby" },
      { room: "#dev" },
    ]);
    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "bob");
    await say(page, "/join #dev");
    await page.locator("#room-name", { hasText: exactly("#dev") }).waitFor();
    await say(page, "/switch #lobby");
    await page.locator("#room-name", { hasText: exactly("#lobby") }).waitFor();
    const view = page.locator(`#views [data-view="#dev"]`);
    const room = page.locator(`#rooms [data-room="#dev"]`);
    await room.waitFor({ state: "attached" });
    // Held as a person's pointer or a screen reader holds them, across the draws to come.
    const held = [
      await view.locator(".room-label").elementHandle(),
      await room.locator(".room-label").elementHandle(),
    ];
    await says(ann, "news", "#dev");
    await view.locator(".unread", { hasText: exactly("1") }).waitFor();
    await ann.send({ type: "part", room: "#dev" });
    await room.locator(".count", { hasText: exactly("1") }).waitFor();
    for (const label of held) {
      assert.ok(await label!.evaluate((element) => element.isConnected), "drawn anew");
    }
  },
);

/** How `element`'s text is drawn: its rows, the height of one, and whether it is cut. */
function drawnRows(
  element: Locator,
): Promise<{ rows: number; row: number; height: number; shown: number; cut: boolean }> {
  return element.evaluate((element) => {
    const range = document.createRange();
    range.selectNodeContents(element);
    const tops = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
    const { height } = element.getBoundingClientRect();
    return {
      rows: tops.size,
      row: parseFloat(getComputedStyle(element).lineHeight),
      height,
      shown: element.clientWidth,
      cut: element.scrollWidth > element.clientWidth ||
        element.scrollHeight > element.clientHeight,
    };
  });
}

/** A room's name as long as may be, of the broadest letters, with nowhere to break. */
const BROADEST_NAME = "#" + "mw".repeat(15) + "m";

testWith(
  ["chromium"],
  "web page (phone): a room's name as long as may be takes two rows at most, its long topic shown cut short",
  async () => {
    assert.equal([...BROADEST_NAME].length, MAX_ROOM_LENGTH);
    for (const room of [LONGEST_NAME, BROADEST_NAME]) await longNameAndTopic(room);
  },
);

/** Looks at the header of a phone in `room`, whose topic is long. */
async function longNameAndTopic(room: string): Promise<void> {
  await using server = await startWebServer({ operators: parseOpFile("ann s3cret\n") });
  await using ann = await TestClient.join2(server.addr.port, "ann", [{ room }]);
  await ann.say("/oper s3cret");
  await ann.next("notice", (frame) => frame.text.startsWith("ann is an operator"));
  await ann.send({ type: "topic", room, text: TOPIC });
  await ann.next("topic");
  await using browser = await ChatBrowser.launch(SIZES[1]!.options);
  const page = await browser.openAs(webUrl(server), "bob");
  await say(page, `/join ${room}`);
  const name = page.locator("#room-name", { hasText: exactly(room) });
  await name.waitFor();
  const topic = page.locator("#room-topic", { hasText: exactly(TOPIC) });
  // Attached: whether it is visible is what is looked at below.
  await topic.waitFor({ state: "attached" });
  await screenshot(page, `web-header-${room.slice(1, 8)}-phone.png`);

  const shownName = await drawnRows(name);
  const what = JSON.stringify(shownName);
  assert.ok(shownName.height <= 2 * shownName.row + 0.5, `more than two rows: ${what}`);
  // What two rows cannot show is in its tooltip, as the sidebar's.
  if (shownName.cut) assert.equal(await name.getAttribute("title"), room);
  const shownTopic = await drawnRows(topic);
  assert.ok(shownTopic.shown >= 40, `the topic is not shown: ${JSON.stringify(shownTopic)}`);
  assert.ok(shownTopic.cut, `the topic is not cut: ${JSON.stringify(shownTopic)}`);
  assert.equal(await topic.evaluate((topic) => getComputedStyle(topic).textOverflow), "ellipsis");
  assert.deepEqual(browser.unexpectedProblems(), []);
}

/** The narrowest pages: 220 px, and a phone zoomed in to 200 % (188 px). */
const NARROW_WIDTHS = [188, 220] as const;

for (const width of NARROW_WIDTHS) {
  testWith(
    ["chromium"],
    `web page (${width} px): the room's name keeps its room in the header, the topic gives way`,
    async () => {
      await using server = await startWebServer({ operators: parseOpFile("ann s3cret\n") });
      await using ann = await TestClient.join2(server.addr.port, "ann", [{ room: "#lobby" }]);
      await ann.say("/oper s3cret");
      await ann.next("notice", (frame) => frame.text.startsWith("ann is an operator"));
      await using browser = await ChatBrowser.launch({
        viewport: { width, height: 406 },
        deviceScaleFactor: 4,
        mobile: true,
      });
      const page = await browser.openAs(webUrl(server), "bob");
      // Short names on one row, one of two rows' length on two: whole, the topic beside them cut.
      for (const room of ["#lobby", "#engineering-team"]) {
        await ann.send({ type: "topic", room, text: TOPIC });
        if (room !== "#lobby") await say(page, `/join ${room}`);
        const name = page.locator("#room-name", { hasText: exactly(room) });
        await name.waitFor();
        const topic = page.locator("#room-topic", { hasText: exactly(TOPIC) });
        await topic.waitFor({ state: "attached" });
        await screenshot(page, `web-header-${room.slice(1, 8)}-${width}.png`);
        const shownName = await drawnRows(name);
        assert.ok(!shownName.cut, `${room} is cut at ${width} px: ${JSON.stringify(shownName)}`);
        assert.ok(shownName.rows <= 2, `${room} takes more than two rows at ${width} px`);
        if (room === "#lobby") assert.equal(shownName.rows, 1, `${room} is broken at ${width} px`);
        const shownTopic = await drawnRows(topic);
        assert.ok(shownTopic.cut, `the topic is not cut: ${JSON.stringify(shownTopic)}`);
        if (room === "#lobby") await ann.send({ type: "join", room: "#engineering-team" });
      }
      // Too long for two rows, the name takes them both and ends in an ellipsis, whole in its
      // tooltip.
      await ann.send({ type: "join", room: BROADEST_NAME });
      await say(page, `/join ${BROADEST_NAME}`);
      const name = page.locator("#room-name", { hasText: exactly(BROADEST_NAME) });
      await name.waitFor();
      const shownName = await drawnRows(name);
      assert.ok(shownName.cut, `the longest name is not cut: ${JSON.stringify(shownName)}`);
      assert.ok(shownName.height <= 2 * shownName.row + 0.5, JSON.stringify(shownName));
      assert.equal(await name.getAttribute("title"), BROADEST_NAME);
      assert.deepEqual(browser.unexpectedProblems(), []);
    },
  );
}

/** The rows `label`'s text is drawn on, as the browser wrapped it. */
function labelRows(label: Locator): Promise<string[]> {
  return label.evaluate((element) => {
    const text = (element as { firstChild: { textContent: string | null } }).firstChild;
    const whole = text.textContent ?? "";
    const range = document.createRange();
    const rows: string[] = [];
    let top: number | undefined;
    for (let index = 0; index < whole.length; index++) {
      range.setStart(text, index);
      range.setEnd(text, index + 1);
      const rowTop = [...range.getClientRects()][0]!.top;
      if (top === undefined || Math.abs(rowTop - top) > 2) rows.push("");
      top = rowTop;
      rows[rows.length - 1] += whole[index]!;
    }
    return rows;
  });
}

for (
  const [size, options] of [
    ["desktop", {}],
    ["phone", { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, mobile: true }],
  ] as const
) {
  testWith(
    ["chromium"],
    `web page (${size}): a long room name wraps after a hyphen in Your rooms and All rooms alike`,
    async () => {
      await using server = await startWebServer();
      await using browser = await ChatBrowser.launch(options);
      const page = await browser.openAs(webUrl(server), "ann");
      const room = "#release-planning-and-retro-2026";
      await say(page, `/join ${room}`);
      await page.locator(`#rooms [data-room="${room}"]`).waitFor({ state: "attached" });
      if (size === "phone") await page.locator("#sidebar-toggle").click();
      for (const list of ["#views [data-view", "#rooms [data-room"]) {
        const label = page.locator(`${list}="${room}"] .room-label`);
        await label.waitFor();
        const rows = await labelRows(label);
        assert.ok(rows.length > 1, `${list}: ${JSON.stringify(rows)} is on one row`);
        assert.equal(rows.join(""), room);
        for (const row of rows.slice(0, -1)) {
          assert.ok(row.endsWith("-"), `${list}: ${JSON.stringify(rows)} breaks mid-word`);
        }
      }
    },
  );
}
