/** Presence as the clients keep it (core/presence.ts): typing, idle, ignore. */

import assert from "node:assert/strict";
import {
  IdleWatch,
  IgnoreList,
  TYPING_SEND_MS,
  TYPING_SHOWN_MS,
  TypingSender,
  typingText,
  TypingWatch,
} from "../core/presence.ts";
import { MAX_FORMER_NAMES, readIgnoreEntries } from "../core/ignore_list.ts";
import { TYPING_RELAY_MS } from "../protocol.ts";

Deno.test("TypingWatch shows who types for a while, and not once they said it", () => {
  const watch = new TypingWatch();
  watch.heard("#dev", "bob", 1000);
  watch.heard("#dev", "Ann", 1500);
  watch.heard("@carol", "carol", 1500);
  assert.deepEqual(watch.names("#dev", 2000), ["bob", "Ann"]);
  assert.equal(watch.nextChange(), 1000 + TYPING_SHOWN_MS);
  assert.equal(watch.said("#dev", "ANN"), true, "names fold");
  assert.deepEqual(watch.names("#dev", 2000), ["bob"]);
  assert.deepEqual(watch.names("#dev", 1000 + TYPING_SHOWN_MS), []);
  assert.deepEqual(watch.names("@carol", 1500), ["carol"]);
  assert.deepEqual(watch.names("#nowhere", 0), []);
});

Deno.test("typingText() words one, two and many", () => {
  assert.equal(typingText([]), "");
  assert.equal(typingText(["bob"]), "bob is typing…");
  assert.equal(typingText(["bob", "ann"]), "bob and ann are typing…");
  assert.equal(typingText(["a", "b", "c"]), "3 people are typing…");
});

Deno.test("TypingSender tells at most every few seconds, and never when off", () => {
  const sender = new TypingSender();
  assert.equal(sender.keystroke(0), true);
  assert.equal(sender.keystroke(TYPING_SEND_MS - 1), false);
  assert.equal(sender.keystroke(TYPING_SEND_MS), true);
  sender.sent();
  // The server relays it no sooner: sent earlier, it would only eat the sender's rate.
  assert.equal(sender.keystroke(TYPING_SEND_MS + 1), false, "not within the server's 2 s");
  assert.equal(
    sender.keystroke(TYPING_SEND_MS + TYPING_RELAY_MS),
    true,
    "a new message starts as soon as the server relays it",
  );
  assert.equal(sender.keystroke(TYPING_SEND_MS + TYPING_RELAY_MS + 1), false);
  sender.on = false;
  assert.equal(sender.keystroke(60_000), false);
});

Deno.test("TypingSender tells another room at once, and the first again after the wait", () => {
  const sender = new TypingSender();
  assert.equal(sender.keystroke(0, "#music"), true);
  assert.equal(sender.keystroke(1000, "#music"), false);
  assert.equal(sender.keystroke(1500, "#lobby"), true, "#lobby was not told yet");
  assert.equal(sender.keystroke(2000, "#lobby"), false);
  assert.equal(sender.keystroke(2500, "@bob"), true);
  assert.equal(sender.keystroke(1500 + TYPING_SEND_MS, "@bob"), false);
  assert.equal(sender.keystroke(2500 + TYPING_SEND_MS, "@bob"), true);
});

Deno.test("IdleWatch goes away after the idle time, and back at input; a manual away stays", () => {
  const idle = new IdleWatch(60_000, 0);
  assert.equal(idle.tick(59_999), undefined);
  assert.equal(idle.due, 60_000);
  assert.equal(idle.tick(60_000), "away");
  assert.equal(idle.tick(120_000), undefined, "away once");
  assert.equal(idle.input(130_000), "back");
  assert.equal(idle.input(130_001), undefined);
  idle.manual(true);
  assert.equal(idle.tick(1_000_000), undefined, "the user's own away is theirs to end");
  assert.equal(idle.input(1_000_001), undefined);
  idle.manual(false);
  assert.equal(idle.tick(1_060_001), "away");
  assert.equal(new IdleWatch(0, 0).tick(1e12), undefined, "0 means never");
});

Deno.test("IgnoreList folds names like the server does", () => {
  const ignored = new IgnoreList(["Eve"]);
  assert.equal(ignored.has("eve"), true);
  assert.equal(ignored.add("EVE"), false);
  assert.equal(ignored.add("mallory"), true);
  assert.deepEqual(ignored.names, ["Eve", "mallory"]);
  assert.equal(ignored.remove("eVe"), true);
  assert.equal(ignored.remove("eve"), false);
  assert.deepEqual(ignored.names, ["mallory"]);
});

Deno.test("IgnoreList hides a former name up to the rename, and never a stranger's after it", () => {
  const ignored = new IgnoreList(["Dave"]);
  assert.equal(ignored.rename("dave", "dave2", 1_000), true);
  assert.equal(ignored.hides("dave", 999), true);
  assert.equal(ignored.hides("DAVE", 1_000), true);
  assert.equal(ignored.hides("dave", 1_001), false, "someone else took the name");
  assert.equal(ignored.hides("dave2", 5), true);
  assert.equal(ignored.has("dave"), false);
  assert.deepEqual(ignored.entries, ["dave2", { name: "Dave", until: 1_000, now: "dave2" }]);
  // Read back as remembered, with what is not an entry left out.
  const again = new IgnoreList(readIgnoreEntries([...ignored.entries, 3, { name: "x" }]));
  assert.equal(again.hides("dave", 999), true);
  assert.deepEqual(again.entries, ignored.entries);
  // A former name of someone no longer ignored is not kept.
  assert.deepEqual(new IgnoreList([{ name: "a", until: 1, now: "b" }]).entries, []);
  // Renamed back and forth, at most MAX_FORMER_NAMES are kept, the newest.
  for (let at = 2_000; at < 2_000 + 2 * MAX_FORMER_NAMES; at += 2) {
    ignored.rename("dave2", "dave3", at);
    ignored.rename("dave3", "dave2", at + 1);
  }
  assert.equal(ignored.entries.length, 1 + MAX_FORMER_NAMES);
  assert.equal(ignored.hides("dave", 999), false, "the oldest went");
  assert.equal(ignored.hides("dave3", 2_000 + 2 * MAX_FORMER_NAMES - 2), true);
  assert.equal(ignored.remove("dave2"), true);
  assert.deepEqual(ignored.entries, [], "unignored under every name");
});
