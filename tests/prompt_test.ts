/** Pure tests of client/prompt.ts and of how client/render.ts draws dividers. */

import assert from "node:assert/strict";
import { textWidth } from "../core/width.ts";
import {
  type Activity,
  fullPrompt,
  promptBudget,
  type PromptState,
  promptText,
  typingPrefix,
} from "../client/prompt.ts";
import { progressText } from "../client/transfer_text.ts";
import { drawLine } from "../client/render.ts";
import { daySeparator, unseenDivider } from "../core/dividers.ts";

function state(activity: Activity[], fields: Partial<PromptState> = {}): PromptState {
  return { current: "#lobby", activity, online: true, unsent: 0, ...fields };
}

const DEV: Activity = { id: "#dev", unread: 3, mentioned: false };
const BOB: Activity = { id: "@bob", unread: 1, mentioned: false };
const OPS: Activity = { id: "#ops", unread: 2, mentioned: true };

Deno.test("promptText() names the view, then what waits elsewhere, ! for a mention", () => {
  assert.equal(promptText(state([]), 80), "#lobby> ");
  assert.equal(promptText(state([DEV, BOB, OPS]), 80), "#lobby [#dev 3, @bob 1, #ops 2!]> ");
  assert.equal(promptText(state([], { current: "@bob" }), 80), "@bob> ");
});

Deno.test("promptText() says offline and unsent lines before the list", () => {
  assert.equal(
    promptText(state([DEV], { online: false, unsent: 2 }), 80),
    "(offline) #lobby (2 unsent) [#dev 3]> ",
  );
  assert.equal(promptText(state([], { unsent: 1 }), 80), "#lobby (1 unsent)> ");
});

Deno.test("promptText() on a narrow terminal keeps offline and unsent lines before the room", () => {
  const offline = (unsent: number) => state([], { online: false, unsent });
  // 40 columns leave 20 for the prompt, 30 leave 15.
  assert.equal(promptText(offline(1), 50), "(offline) #lobby (1 unsent)> ");
  assert.equal(promptText(offline(1), 44), "(offline) #lobby (1)> ");
  // The room keeps a few columns past the prompt's share, 10 still left to type, rather than
  // be left out: the online prompt always names it.
  assert.equal(promptText(offline(1), 40), "(offline) #lobby (1)> ");
  assert.equal(promptText(offline(12), 40), "(offline) #lobby (12)> ");
  assert.equal(promptText(offline(0), 40), "(offline) #lobby> ");
  assert.equal(promptText(state([], { unsent: 1 }), 40), "#lobby (1 unsent)> ");
  assert.equal(promptText(offline(1), 30), "(offline) #lo… (1)> ");
  // Where not even 4 columns of the room fit beside them, it goes before `(offline)` does, in
  // the same columns past the share: being offline, and what waits, matter more than the room.
  assert.equal(promptText(offline(12), 30), "(offline) (12)> ");
  assert.equal(promptText(offline(1), 28), "(offline) (1)> ");
  assert.equal(promptText(offline(1), 26), "(offline) (1)> ");
  // Narrower still, `(offline)` goes too, and the room comes back.
  assert.equal(promptText(offline(1), 24), "#lobby (1)> ");
  assert.equal(promptText(offline(0), 30), "(offline) #lobby> ");
  const long = (columns: number) =>
    promptText(state([], { online: false, current: "#release-planning" }), columns);
  assert.equal(long(30), "(offline) #releas…> ");
  assert.equal(long(26), "(offline) #re…> ");
  assert.equal(long(50), "(offline) #release-planning> ");
  assert.equal(promptText(state([], { unsent: 1 }), 30), "#lobby (1)> ");
  // With views waiting elsewhere too, what waits here comes first.
  assert.equal(promptText(offline(1), 40), promptText({ ...offline(1), activity: [DEV] }, 40));
  for (let columns = 10; columns <= 80; columns++) {
    for (const fields of [{ online: false }, { unsent: 3 }, { online: false, unsent: 120 }]) {
      const text = promptText(state([DEV], { current: "#a-long-room-name", ...fields }), columns);
      const most = Math.max(promptBudget(columns), columns - 10);
      assert.ok(textWidth(text) <= most, `${columns}: ${text}`);
    }
  }
});

Deno.test("promptText() on a narrow terminal keeps mentions and private messages first", () => {
  // 60 columns leave 40 for the prompt: the whole list is 34 wide.
  assert.equal(promptText(state([DEV, BOB, OPS]), 60), "#lobby [#dev 3, @bob 1, #ops 2!]> ");
  assert.equal(promptText(state([DEV, BOB, OPS]), 50), "#lobby [@bob 1, #ops 2!, +1]> ");
  assert.equal(promptText(state([DEV, BOB, OPS]), 44), "#lobby [#ops 2!, +2]> ");
  assert.equal(promptText(state([DEV, BOB, OPS]), 30), "#lobby [+3!]> ");
  assert.equal(promptText(state([DEV, BOB]), 30), "#lobby [+2]> ");
  // Narrower than the list's share, the count stays, the room's name cut for it (below).
  assert.equal(promptText(state([DEV, BOB, OPS]), 20), "#lo… [+3!]> ");
  assert.equal(promptText(state([DEV, BOB, OPS]), 18), "#lobby> ");
  for (const columns of [10, 20, 30, 40, 50, 60, 80, 120]) {
    const many = Array.from({ length: 32 }, (_, i) => ({
      id: `#room-${i}`,
      unread: 100 + i,
      mentioned: i % 5 === 0,
    }));
    const text = promptText(state(many, { current: "#a-very-long-room-name-indeed" }), columns);
    const most = Math.max(promptBudget(columns), columns - 8);
    assert.ok(textWidth(text) <= most, `${columns}: ${text}`);
  }
});

Deno.test("promptText() keeps the count of the views elsewhere, a mention's too, as long as it can", () => {
  const two = [DEV, OPS];
  const release = (columns: number) =>
    promptText(state(two, { current: "#release-planning" }), columns);
  assert.equal(release(40), "#release-pl… [+2!]> ");
  // The room's name is cut further rather than the count left out: up to 8 columns of it past
  // the prompt's share while 10 are left to type, as the room alone keeps, then 4 while 8 are.
  assert.equal(release(34), "#release… [+2!]> ");
  assert.equal(release(30), "#releas… [+2!]> ");
  assert.equal(release(24), "#rele… [+2!]> ");
  assert.equal(release(22), "#re… [+2!]> ");
  assert.equal(release(20), "#re… [+2!]> ");
  // Narrower, the room alone: not even its first letters fit beside the count.
  assert.equal(release(18), "#relea…> ");
  const lobby = (columns: number) => promptText(state(two), columns);
  assert.equal(lobby(30), "#lobby [+2!]> ");
  assert.equal(lobby(24), "#lobby [+2!]> ");
  assert.equal(lobby(22), "#lo… [+2!]> ");
  assert.equal(lobby(20), "#lo… [+2!]> ");
  assert.equal(lobby(18), "#lobby> ");
  assert.equal(promptText(state(two, { current: "@bob" }), 20), "@bob [+2!]> ");
  assert.equal(promptText(state([DEV], { current: "#a" }), 18), "#a [+1]> ");
  // Offline, or with lines not yet sent, those take the columns past the share first.
  assert.equal(promptText(state(two, { unsent: 1 }), 24), "#lobby (1)> ");
  assert.equal(promptText(state(two, { online: false }), 30), "(offline) #lobby> ");
  for (let columns = 10; columns <= 80; columns++) {
    const text = lobby(columns);
    assert.ok(textWidth(text) <= Math.max(promptBudget(columns), columns - 8), text);
    if (columns >= 20) assert.match(text, /\[\+2!\]> $|#ops/, `${columns}: ${text}`);
  }
});

Deno.test("promptText() on a narrow terminal cuts long names rather than leave them out", () => {
  const release: Activity = { id: "#release-planning", unread: 5, mentioned: true };
  assert.equal(promptText(state([release]), 80), "#lobby [#release-planning 5!]> ");
  // 40 columns leave 20: the room that names the user is still named, cut.
  assert.equal(promptText(state([release]), 40), "#lobby [#rele… 5!]> ");
  assert.equal(promptText(state([release, DEV]), 60), "#lobby [#release-planning 5!, #dev 3]> ");
  assert.equal(promptText(state([release, DEV]), 50), "#lobby [#releas… 5!, #dev 3]> ");
  assert.equal(promptText(state([DEV, release]), 44), "#lobby [#rele… 5!, +1]> ");
  // A long name of the room looked at is cut to leave room for the list, not the list left out.
  const current = { current: "#release-planning" };
  assert.equal(promptText(state([OPS], current), 80), "#release-planning [#ops 2!]> ");
  assert.equal(promptText(state([OPS], current), 40), "#releas… [#ops 2!]> ");
  assert.equal(promptText(state([DEV, BOB, OPS], current), 40), "#release-pl… [+3!]> ");
  // Too narrow for any list: the room alone, as before.
  assert.equal(promptText(state([DEV, BOB, OPS], current), 16), "#rele…> ");
  for (let columns = 10; columns <= 120; columns++) {
    for (const fields of [{}, current, { ...current, online: false, unsent: 3 }]) {
      const text = promptText(state([DEV, release, BOB, OPS], fields), columns);
      const most = Math.max(promptBudget(columns), columns - 8);
      assert.ok(textWidth(text) <= most, `${columns}: ${text}`);
    }
  }
});

Deno.test("promptText() names views without their counts where none fits with its count", () => {
  const five = ["#dev", "#ops", "#qa", "#web", "#docs"].map((id): Activity => ({
    id,
    unread: 12,
    mentioned: id === "#ops",
  }));
  // 40 columns leave 20 for the prompt: "#lobby [#ops 12!, +4]> " is 23 wide.
  assert.equal(promptText(state(five), 40), "#lobby [#ops!, +4]> ");
  const quiet = five.map((view) => ({ ...view, mentioned: false }));
  assert.equal(promptText(state(quiet), 40), "#lobby [#dev, +4]> ");
  // Long names are cut further, a few letters still telling them apart.
  const long = ["#release-planning", "#infrastructure", "#qa"].map((id): Activity => ({
    id,
    unread: 3,
    mentioned: false,
  }));
  assert.equal(promptText(state(long), 40), "#lobby [#rel…, +2]> ");
  // With its count whenever one fits, and the count alone where no name does.
  assert.equal(promptText(state(five), 44), "#lobby [#ops 12!, +4]> ");
  assert.equal(promptText(state(five), 36), "#lobby [+5!]> ");
  for (let columns = 10; columns <= 120; columns++) {
    for (const views of [five, long]) {
      const text = promptText(state(views), columns);
      const most = Math.max(promptBudget(columns), columns - 8);
      assert.ok(textWidth(text) <= most, `${columns}: ${text}`);
      if (columns >= 24) assert.ok(text.startsWith("#lobby ["), `${columns}: ${text}`);
    }
  }
});

Deno.test("promptText() cleans names and cuts a long one by its width on the screen", () => {
  const hostile = { id: "@e\x1b]0;pwned\x07vil\u202e", unread: 1, mentioned: false };
  const text = promptText(state([hostile]), 80);
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(text, /[\x00-\x1f\x7f-\x9f\u202e]/);
  const wide = promptText(state([], { current: "#" + "語".repeat(30) }), 40);
  assert.ok(textWidth(wide) <= promptBudget(40), wide);
  assert.match(wide, /…> $/);
});

Deno.test("drawLine() centres a divider when the width is known, dim in colour", () => {
  const unseen = unseenDivider("#dev");
  assert.equal(drawLine(unseen, false), "— #dev: new since you last looked —");
  const centred = drawLine(unseen, false, { columns: 60 });
  assert.equal(centred, " ".repeat(12) + "— #dev: new since you last looked —");
  assert.equal(drawLine(unseen, true, { columns: 60 }), `\x1b[2m${centred}\x1b[22m`);
  const now = new Date(2026, 11, 2, 9).getTime();
  const day = drawLine(daySeparator(new Date(2026, 11, 1, 23).getTime(), now), false, {
    columns: 40,
  });
  assert.equal(day, " ".repeat(9) + "— Tuesday 1 December —");
  // Wider than the screen: wrapped at its spaces, each row centred.
  assert.equal(
    drawLine(unseen, false, { columns: 16 }),
    ["  — #dev: new", " since you last", "    looked —"].join("\n"),
  );
});

Deno.test("fullPrompt() shortens a file's progress to leave room for the view and for typing", () => {
  const status = (width: number) =>
    progressText({ direction: "up", name: "holiday-photo.jpg", done: 42, total: 100 }, width);
  const parts = { status, typing: [], state: state([DEV, BOB]) };
  assert.equal(
    fullPrompt(parts, 100),
    "(sending holiday-photo.jpg [####------] 42%) #lobby [#dev 3, @bob 1]> ",
  );
  for (const columns of [30, 40, 60, 80]) {
    const prompt = fullPrompt(parts, columns);
    assert.ok(textWidth(prompt) <= promptBudget(columns), `${columns}: "${prompt}"`);
    assert.match(prompt, /^\((sending .*)?42%\) #lobby/, `${columns}`);
  }
  assert.equal(fullPrompt(parts, 40), "(42%) #lobby [+2]> ");
  // Someone typing too: the progress leaves them their share.
  const typing = fullPrompt({ ...parts, typing: ["bob"] }, 80);
  assert.ok(textWidth(typing) <= promptBudget(80), typing);
  assert.match(typing, /\(bob is typing…\) #lobby/);
  assert.equal(
    fullPrompt({ typing: ["bob"], state: state([DEV]) }, 80),
    "(bob is typing…) #lobby [#dev 3]> ",
  );
  assert.equal(fullPrompt({ typing: [], state: state([DEV]) }, 80), "#lobby [#dev 3]> ");
});

Deno.test("fullPrompt() shows who is typing whole while the row leaves room to type", () => {
  const two = ["Robert", "한국어이름"];
  assert.equal(
    fullPrompt({ typing: two, state: state([]) }, 100),
    "(Robert and 한국어이름 are typing…) #lobby> ",
  );
  assert.equal(
    fullPrompt({ typing: two, state: state([DEV, BOB]) }, 100),
    "(Robert and 한국어이름 are typing…) #lobby [#dev 3, @bob 1]> ",
  );
  // Longer than the row allows: the names cut first, "are typing" kept, and still 20 columns
  // left to type (10 on a narrow row, where the words keep their place past the prompt's
  // share); where not even that fits, the end of the words is cut.
  const long = ["a_rather_long_name_of_someone", "another_rather_long_name"];
  for (const columns of [30, 40, 60, 80, 100]) {
    const prompt = fullPrompt({ typing: long, state: state([]) }, columns);
    const most = Math.max(promptBudget(columns), columns - 10);
    assert.ok(textWidth(prompt) <= most, `${columns}: "${prompt}"`);
    assert.match(prompt, /^\(a_r.*…\) #lobby> $/, `${columns}`);
  }
  assert.equal(
    fullPrompt({ typing: long, state: state([]) }, 60),
    "(a_rat… and anoth… are typing…) #lobby> ",
  );
  assert.equal(
    fullPrompt({ typing: long, state: state([]) }, 40),
    "(a_rather_long_name…) #lobby> ",
  );
  assert.equal(promptBudget(100), 80);
  // A list of views waiting is kept beside them, counted, 8 columns still left to type.
  const busy = fullPrompt({ typing: long, state: state([DEV, BOB, OPS]) }, 60);
  assert.ok(textWidth(busy) <= 60 - 8, busy);
  assert.equal(busy, "(a_r… and ano… are typing…) #lobby [+3!]> ");
});

Deno.test("fullPrompt() on a narrow terminal cuts the names of who is typing, not the words, and keeps the list", () => {
  const eve: Activity = { id: "@eve", unread: 1, mentioned: false };
  const waiting = state([eve, DEV]);
  // The case: at 40 columns "typing" was cut, and the list left out.
  assert.equal(
    fullPrompt({ typing: ["annie"], state: waiting }, 40),
    "(ann… is typing…) #lobby [+2]> ",
  );
  assert.equal(
    fullPrompt({ typing: ["annie"], state: state([]) }, 40),
    "(ann… is typing…) #lobby> ",
  );
  assert.equal(
    fullPrompt({ typing: ["Robert", "Ann-Kathrin"], state: waiting }, 50),
    "(Rob… and Ann… are typing…) #lobby [+2]> ",
  );
  // Wide enough: whole, as ever.
  assert.equal(
    fullPrompt({ typing: ["annie"], state: waiting }, 60),
    "(annie is typing…) #lobby [@eve 1, +1]> ",
  );
  for (const columns of [30, 40, 50, 60, 80]) {
    const prompt = fullPrompt({ typing: ["annie"], state: waiting }, columns);
    assert.match(prompt, /\[.*\]> $/, `${columns}: the list kept in "${prompt}"`);
    assert.ok(textWidth(prompt) <= columns - 8, `${columns}: "${prompt}"`);
  }
});

Deno.test("typingPrefix() cuts the names before the words", () => {
  assert.equal(typingPrefix(["annabelle"], 20), "(annab… is typing…) ");
  assert.equal(typingPrefix(["Robert", "Ann-Kathrin"], 30), "(Robe… and Ann-… are typing…) ");
  assert.equal(
    typingPrefix(["annabelle"], 12),
    "(annabell…) ",
    "the words cut where names alone do not do",
  );
});
