/** The views a client keeps of the user's rooms and private messages, and the lines between them. */

import assert from "node:assert/strict";
import { dayName, DayRule, unseenDivider } from "../core/dividers.ts";
import { type Line, notice } from "../core/describe.ts";
import { plainText } from "../core/plain.ts";
import { MAX_UNSEEN, Views } from "../core/views.ts";

function line(text: string): Line {
  return notice([text]);
}

Deno.test("Views: the first view begun is looked at; others keep what arrives", () => {
  const views = new Views();
  views.room("#lobby");
  views.room("#dev");
  assert.equal(views.current?.id, "#lobby");
  assert.equal(views.hold("#dev", [line("a"), line("b")], { unread: 2, mention: false }), true);
  assert.equal(views.hold("#dev", [line("c")], { unread: 1, mention: true }), true);
  assert.deepEqual(views.active.map(({ id, unread, mentioned }) => [id, unread, mentioned]), [
    ["#dev", 3, true],
  ]);
  const unseen = views.select("#dev");
  assert.deepEqual(unseen?.lines.map((l) => plainText(l)), ["-- a", "-- b", "-- c"]);
  assert.deepEqual(views.active, []);
  assert.deepEqual(views.select("#dev")?.lines, [], "nothing is handed over twice");
});

Deno.test("Views.restore() puts what was unread before a reload under the new line once looked at", async (t) => {
  await t.step(
    "a room finds its lines again, the last from others, in its replayed history",
    () => {
      const views = new Views();
      views.room("#later");
      views.room("#lobby");
      assert.equal(views.restore("#lobby", { unread: 2, mention: false }), true);
      for (
        const [text, unread] of [["read", true], ["one", true], ["mine", false], ["two", true]]
      ) {
        views.recall("#lobby", [line(text as string)], unread as boolean);
      }
      assert.equal(views.active[0]?.unread, 2);
      const unseen = views.select("#lobby");
      assert.deepEqual(unseen?.lines.map((l) => plainText(l)), ["-- one", "-- mine", "-- two"]);
      // Found once: a history replayed again later is no news.
      views.recall("#lobby", [line("three")], true);
      views.select("#later");
      assert.deepEqual(views.select("#lobby")?.lines, []);
    },
  );
  await t.step("a private view, with the lines the client kept of it", () => {
    const views = new Views();
    views.room("#lobby");
    views.private("bob");
    views.restore("@bob", { unread: 1, mention: false }, [line("hi ann")]);
    assert.deepEqual(views.select("@bob")?.lines.map((l) => plainText(l)), ["-- hi ann"]);
  });
});

Deno.test("Views: keeps the newest lines of a view and counts the older ones", () => {
  const views = new Views();
  views.room("#lobby");
  views.room("#busy");
  for (let i = 0; i < MAX_UNSEEN + 7; i++) {
    views.hold("#busy", [line(String(i))], { unread: 1, mention: false });
  }
  const unseen = views.select("#busy")!;
  assert.equal(unseen.lines.length, MAX_UNSEEN);
  assert.equal(unseen.skipped, 7);
  assert.equal(plainText(unseen.lines[0]!), "-- 7");
  // Never looked at before: what is there is new in it, not new since the user left.
  assert.equal(unseen.first, true);
  assert.equal(
    plainText(unseenDivider("#busy", unseen)),
    "— new in #busy (7 earlier lines not kept) —",
  );
  views.select("#lobby");
  views.hold("#busy", [line("again")], { unread: 1, mention: false });
  const again = views.select("#busy")!;
  assert.equal(again.first, false);
  assert.equal(plainText(unseenDivider("#busy", again)), "— #busy: new since you last looked —");
});

Deno.test("Views.find() reads rooms in any spelling and people by name or @name", () => {
  const views = new Views();
  views.room("#dev");
  views.private("Bob");
  assert.equal(views.find("DEV")?.id, "#dev");
  assert.equal(views.find("#Dev")?.id, "#dev");
  assert.equal(views.find("@bob")?.id, "@Bob");
  assert.equal(views.find("bob")?.id, "@Bob", "a word that names no room may name a person");
  assert.equal(views.find("#bob"), undefined);
  assert.equal(views.find("#ops"), undefined);
});

Deno.test("Views: a renamed person's view keeps its place, its unread count and the eye on it", () => {
  const views = new Views();
  views.room("#lobby");
  views.private("bob");
  views.room("#dev");
  views.hold("@bob", [line("hi")], { unread: 1, mention: false });
  views.renamed("bob", "robert");
  assert.deepEqual(views.all.map(({ id }) => id), ["#lobby", "@robert", "#dev"]);
  assert.equal(views.find("@robert")?.unread, 1);
  assert.equal(views.find("@bob"), undefined);
});

Deno.test("Views: a view that ends gives the eye back to the one looked at before", () => {
  const views = new Views();
  views.room("#lobby");
  views.room("#dev");
  views.room("#ops");
  views.select("#ops");
  views.select("#dev");
  views.remove("#dev");
  assert.equal(views.current?.id, "#ops");
  views.remove("#ops");
  assert.equal(views.current?.id, "#lobby", "else the first room");
  views.keepRooms(["#lobby", "#new"]);
  assert.deepEqual(views.all.map(({ id }) => id), ["#lobby", "#new"]);
});

Deno.test("Views.reopen() begins private views at once, and rooms in their places as entered", () => {
  const views = new Views();
  views.room("#lobby");
  const ids = () => views.all.map((view) => view.id);
  assert.equal(views.reopen(["#lobby", "#dev", "@Bob", "#ops", "@fay"]), true);
  assert.deepEqual(ids(), ["#lobby", "@Bob", "@fay"]);
  assert.equal(views.current?.id, "#lobby", "the eye stays where it was");
  assert.equal(views.find("@bob")?.kind, "private");
  views.room("#ops");
  assert.deepEqual(ids(), ["#lobby", "@Bob", "#ops", "@fay"]);
  // A view begun meanwhile that was not there before keeps its place among the others.
  views.private("gus");
  views.room("#dev");
  assert.deepEqual(ids(), ["#lobby", "#dev", "@Bob", "#ops", "@fay", "@gus"]);
  assert.equal(views.reopen(["#lobby", "#dev"]), false, "nothing began or moved");
  // Left and entered again, a room begins at the end.
  views.remove("#dev");
  views.room("#dev");
  assert.deepEqual(ids(), ["#lobby", "@Bob", "#ops", "@fay", "@gus", "#dev"]);
});

Deno.test("DayRule puts a separator before each new day, and before an answer", () => {
  const now = new Date(2026, 11, 2, 9).getTime();
  const rule = new DayRule();
  const at = (month: number, day: number, hour = 12) => new Date(2026, month, day, hour).getTime();
  assert.equal(plainText(rule.before(at(10, 30), now)!), "— Monday 30 November —");
  assert.equal(rule.before(at(10, 30, 13), now), undefined);
  assert.equal(plainText(rule.before(at(11, 2, 8), now)!), "— Wednesday 2 December —");
  assert.equal(rule.before(at(11, 2, 8), now), undefined);
  assert.equal(
    plainText(rule.before(at(11, 2, 8), now, { force: true })!),
    "— Wednesday 2 December —",
  );
  assert.equal(new DayRule().before(now, now), undefined, "today's first message needs none");
  assert.equal(dayName(new Date(2025, 0, 3).getTime(), now), "Friday 3 January 2025");
});
