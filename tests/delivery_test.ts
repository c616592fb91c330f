/** The pure bookkeeping of lines waiting for the server, and of a link's health. */

import assert from "node:assert/strict";
import { Delivery, MAX_PENDING, newCid, UNSENT_AFTER_MS } from "../core/delivery.ts";
import { LinkCheck, PROBE_AFTER_MS, SILENCE_LIMIT_MS } from "../core/link.ts";
import { type ClientFrame, isCid, type ServerFrame } from "../protocol.ts";

/** The `message` frame the server would send for `frame`, a `say` with a cid. */
function echo(frame: ClientFrame, id: number, extra: Partial<ServerFrame> = {}): ServerFrame {
  assert.ok(frame.type === "say" && frame.cid !== undefined, JSON.stringify(frame));
  return {
    type: "message",
    id,
    ts: id,
    room: "#lobby",
    from: "Ann",
    text: frame.text,
    cid: frame.cid,
    ...extra,
  } as ServerFrame;
}

function texts(frames: ClientFrame[]): string[] {
  return frames.map((frame) => frame.type === "say" ? frame.text : frame.type);
}

Deno.test("newCid() makes valid, different ids", () => {
  const ids = new Set(Array.from({ length: 1000 }, () => newCid()));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.ok(isCid(id) && id.length === 22, id);
});

Deno.test("LinkCheck", async (t) => {
  await t.step("check() probes a line unanswered in a quiet link, then gives it up", () => {
    const link = new LinkCheck(0);
    assert.equal(link.check(1000, undefined), undefined, "nothing waits");
    assert.equal(link.check(1000, 500), undefined, "not long enough");
    assert.equal(link.check(2500, 500), "probe");
    assert.equal(link.check(2600, 500), undefined, "one probe at a time");
    assert.equal(link.check(2500 + SILENCE_LIMIT_MS - 1, 500), undefined);
    assert.equal(link.check(2500 + SILENCE_LIMIT_MS, 500), "dead");
  });

  await t.step("check() counts any frame heard after the probe as life", () => {
    const link = new LinkCheck(0);
    assert.equal(link.check(PROBE_AFTER_MS, 0), "probe");
    link.heard(PROBE_AFTER_MS + 100);
    assert.equal(link.check(PROBE_AFTER_MS * 2 + 99, 0), undefined, "alive");
    // Still unanswered, and quiet again: ask again, and give up only after the full silence.
    assert.equal(link.check(PROBE_AFTER_MS * 2 + 100, 0), "probe");
    assert.equal(link.check(PROBE_AFTER_MS * 2 + 100 + SILENCE_LIMIT_MS - 1, 0), undefined);
    assert.equal(link.check(PROBE_AFTER_MS * 2 + 100 + SILENCE_LIMIT_MS, 0), "dead");
  });

  await t.step("check() does not probe while the server talks", () => {
    const link = new LinkCheck(0);
    for (let now = 500; now < 20_000; now += 500) {
      link.heard(now);
      assert.equal(link.check(now, 0), undefined, `at ${now}`);
    }
  });
});

Deno.test("Delivery", async (t) => {
  await t.step("type() gives posting lines a cid and sends them at once when online", () => {
    const delivery = new Delivery();
    assert.deepEqual(delivery.connected(0), []);
    const hi = delivery.type("hi", 10)!;
    assert.equal(hi.send.length, 1);
    const [frame] = hi.send;
    assert.ok(frame?.type === "say" && isCid(frame.cid), JSON.stringify(frame));
    assert.equal(hi.line.cid, frame.cid);
    assert.deepEqual(hi.line.post, { type: "say", text: "hi", cid: frame.cid });
    const me = delivery.type("/me waves", 20)!.line;
    assert.deepEqual(me.post, { type: "me", text: "waves", cid: me.cid });
    const dm = delivery.type("/msg bob psst", 30)!.line;
    assert.deepEqual(dm.post, { type: "msg", to: "bob", text: "psst", cid: dm.cid });
    assert.equal(delivery.type("//shrug", 40)!.line.post?.text, "/shrug");
    // Commands post nothing: sent without a cid, and not waited for.
    for (const line of ["/join #dev", "/who"]) {
      const typed = delivery.type(line, 50)!;
      assert.deepEqual(typed.send, [{ type: "say", text: line }]);
      assert.equal(typed.line.cid, undefined);
    }
    // Those the server will refuse as typed, unknown or typed wrong, wait for that refusal.
    for (const line of ["/dance", "/msg bob"]) {
      const typed = delivery.type(line, 60)!;
      assert.ok(isCid(typed.line.cid), line);
      assert.deepEqual(typed.send, [{ type: "say", text: line, cid: typed.line.cid }]);
      assert.equal(typed.line.post, undefined);
    }
    assert.deepEqual(delivery.pending.map((line) => line.line), [
      "hi",
      "/me waves",
      "/msg bob psst",
      "//shrug",
      "/dance",
      "/msg bob",
    ]);
  });

  await t.step("receive() answers a command refused as typed with the refusal's cid", () => {
    const delivery = new Delivery();
    delivery.connected(0);
    const typed = delivery.type("/home/ann/x.py:3: error\n  detail line", 0)!;
    const refusal: ServerFrame = {
      type: "error",
      code: "unknown_command",
      message: "Unknown command",
      cid: typed.line.cid!,
    };
    assert.equal(delivery.receive(refusal, "ann", 5).answered, typed.line);
    assert.equal(delivery.size, 0);
  });

  await t.step("receive() answers a line with its own frame, live or replayed, once", () => {
    const delivery = new Delivery();
    delivery.connected(0);
    const [frame] = delivery.type("hi", 0)!.send;
    const echoed = echo(frame!, 1);
    // Someone else's frame with the same id answers nothing.
    const theirs = delivery.receive({ ...echoed, from: "bob" } as ServerFrame, "ann", 5);
    assert.equal(theirs.answered, undefined);
    assert.equal(theirs.repeat, false);
    const mine = delivery.receive(echoed, "ann", 10);
    assert.equal(mine.answered?.line, "hi");
    assert.equal(mine.repeat, false);
    assert.deepEqual(delivery.pending, []);
    // The original sent again by the server is a repeat; a replay of history is not.
    assert.equal(delivery.receive(echoed, "ann", 20).repeat, true);
    assert.equal(
      delivery.receive({ ...echoed, replay: true } as ServerFrame, "ann", 20).repeat,
      false,
    );
  });

  await t.step("receive() takes an error with a cid as the answer", () => {
    const delivery = new Delivery();
    delivery.connected(0);
    const line = delivery.type("/msg nobody hi", 0)!.line;
    const error: ServerFrame = {
      type: "error",
      code: "no_such_user",
      message: 'Cannot send: nobody called "nobody" is on this chat',
      cid: line.cid!,
    };
    assert.equal(delivery.receive(error, "ann", 10).answered, line);
    assert.deepEqual(delivery.pending, []);
  });

  await t.step("offline lines wait, and go out in order when connected", () => {
    const delivery = new Delivery();
    const first = delivery.type("first", 0)!;
    const command = delivery.type("/join #dev", 1)!;
    const second = delivery.type("second", 2)!;
    assert.deepEqual([first.send, command.send, second.send], [[], [], []]);
    assert.equal(delivery.unsent(3), 3, "every line waiting is unsent while offline");
    // Nothing was ever sent: no replay can hold them, so they go at once.
    assert.deepEqual(texts(delivery.connected(10)), ["first", "/join #dev", "second"]);
    assert.equal(delivery.pending.length, 2, "the command is not waited for");
  });

  await t.step("after a reconnection, lines go out again after the replay, in order", () => {
    const delivery = new Delivery();
    delivery.connected(0);
    const a = delivery.type("a", 0)!.send[0]!;
    const b = delivery.type("b", 1)!.send[0]!;
    const c = delivery.type("c", 2)!.send[0]!;
    delivery.disconnected();
    const d = delivery.type("d", 3)!;
    assert.deepEqual(d.send, [], "offline");
    const barrier = delivery.connected(10);
    assert.equal(barrier.length, 1);
    const ping = barrier[0]!;
    assert.ok(ping.type === "ping" && ping.token !== undefined);
    assert.equal(delivery.online, false, "lines wait for the replay to end");
    const e = delivery.type("e", 11)!;
    assert.deepEqual(e.send, [], "typed during the replay");
    // The replay shows that b arrived.
    assert.equal(delivery.receive(echo(b, 2, { replay: true }), "ann", 12).answered?.line, "b");
    const after = delivery.receive({ type: "pong", token: ping.token }, "ann", 13);
    assert.deepEqual(after.send, [a, c, d.line.frame, e.line.frame], "in order, same cids");
    assert.deepEqual(texts(after.send), ["a", "c", "d", "e"]);
    assert.equal(delivery.online, true);
    // Each answered once: nothing more to send.
    for (const [frame, id] of [[a, 1], [c, 3]] as const) {
      delivery.receive(echo(frame, id), "ann", 14);
    }
    assert.deepEqual(delivery.pending.map((line) => line.line), ["d", "e"]);
  });

  await t.step("unsent() counts lines waiting longer than a moment", () => {
    const delivery = new Delivery();
    delivery.connected(0);
    delivery.type("a", 0);
    delivery.type("b", 500);
    assert.equal(delivery.unsent(UNSENT_AFTER_MS - 1), 0);
    assert.equal(delivery.unsent(UNSENT_AFTER_MS), 1);
    assert.equal(delivery.unsent(UNSENT_AFTER_MS + 500), 2);
  });

  await t.step("tick() pings for a line unanswered, and gives a silent link up", () => {
    const delivery = new Delivery();
    assert.equal(delivery.tick(0), undefined, "not connected");
    delivery.connected(0);
    assert.equal(delivery.tick(PROBE_AFTER_MS * 5), undefined, "nothing waits");
    delivery.type("hello?", 10_000);
    assert.equal(delivery.tick(10_000 + PROBE_AFTER_MS - 1), undefined);
    const probe = delivery.tick(10_000 + PROBE_AFTER_MS);
    assert.ok(typeof probe === "object" && probe.type === "ping", JSON.stringify(probe));
    assert.equal(delivery.tick(10_000 + PROBE_AFTER_MS + SILENCE_LIMIT_MS - 1), undefined);
    assert.equal(delivery.tick(10_000 + PROBE_AFTER_MS + SILENCE_LIMIT_MS), "dead");
  });

  await t.step("tick() watches the replay's ping as well", () => {
    const delivery = new Delivery();
    delivery.connected(0);
    delivery.type("a", 0);
    delivery.disconnected();
    delivery.connected(100);
    const probe = delivery.tick(100 + PROBE_AFTER_MS);
    assert.ok(typeof probe === "object" && probe.type === "ping");
  });

  await t.step("the pong of a ping after a line, with no answer, means an older server", () => {
    const delivery = new Delivery();
    delivery.connected(0);
    delivery.type("old server", 0);
    const probe = delivery.tick(PROBE_AFTER_MS) as Extract<ClientFrame, { type: "ping" }>;
    const later = delivery.type("typed after the ping", PROBE_AFTER_MS + 1)!.line;
    const pong = delivery.receive({ type: "pong", token: probe.token! }, "ann", PROBE_AFTER_MS + 2);
    assert.deepEqual(pong.handled.map((line) => line.line), ["old server"]);
    assert.deepEqual(delivery.pending, [later]);
  });

  await t.step("type() refuses a line when too many wait after a drop, not before", () => {
    const delivery = new Delivery();
    // Piped input may arrive in full before the first welcome: it all waits.
    for (let i = 0; i < MAX_PENDING + 10; i++) assert.ok(delivery.type(`early ${i}`, i));
    assert.equal(delivery.connected(1000).length, MAX_PENDING + 10);
    // After a drop, what waits is bounded.
    delivery.disconnected();
    assert.equal(delivery.type("one too many", 2000), undefined);
    assert.equal(delivery.size, MAX_PENDING + 10);
  });

  await t.step("many lines answered in any order: the rest keep theirs", () => {
    const delivery = new Delivery();
    delivery.connected(0);
    const sent = Array.from({ length: 5000 }, (_, i) => delivery.type(`n${i}`, i)!.send[0]!);
    // Answer every line but each seventh, the first 4000 in order, the rest backwards.
    const answered = sent.filter((_, i) => i % 7 !== 0);
    const order = [...answered.slice(0, 3400), ...answered.slice(3400).reverse()];
    for (const [i, frame] of order.entries()) {
      assert.equal(delivery.receive(echo(frame, i + 1), "ann", 6000).answered?.frame, frame);
    }
    const left = sent.filter((_, i) => i % 7 === 0);
    assert.deepEqual(delivery.pending.map((line) => line.frame), left);
    assert.equal(delivery.size, left.length);
    // Sent again after a reconnection, in order.
    delivery.disconnected();
    const [ping] = delivery.connected(7000);
    assert.ok(ping?.type === "ping");
    assert.deepEqual(
      delivery.receive({ type: "pong", token: ping.token! }, "ann", 7001).send,
      left,
    );
  });
});
