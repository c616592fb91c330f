/**
 * What the person at the real `chat join` (in tmux) reads of an operator's
 * acts on them, against a real server: their mute, and its end when it runs
 * out; their operator status given and taken; their rename; and themself
 * marked in `/who`. The operator is a protocol client.
 */

import assert from "node:assert/strict";
import { startServer } from "../../server.ts";
import { parseOpFile } from "../../server/hub/moderation.ts";
import { LOOPBACK, TestClient } from "../_test_utils.ts";
import { testWith } from "./_needs.ts";
import { TerminalUser } from "./_terminal_user.ts";
import { Tmux } from "./_tmux.ts";

testWith(
  ["tmux"],
  "chat join: an operator's acts on you are said as yours, a mute's end too, and /who marks you",
  async () => {
    await using server = await startServer({
      hostname: LOOPBACK,
      port: 0,
      operators: parseOpFile("boss s3cret\n"),
    });
    const port = server.addr.port;
    const tmux = new Tmux("own-notices");
    try {
      await using boss = await TestClient.join2(port, "boss");
      await boss.say("/oper s3cret");
      await boss.next("notice", (frame) => frame.text.startsWith("boss is an operator"));
      const carol = await TerminalUser.join(tmux, "carol", port, { width: 120 });

      await boss.say("/mute carol 2s");
      await carol.waitForLine(/ boss muted you for 2 s$/);
      // Nobody unmuted her: the mute ran out, and her client says so.
      await carol.waitForLine(/^-- Your mute is over: you can talk again$/);
      await carol.enter("free again");
      await boss.next("message", (frame) => frame.text === "free again");

      await boss.say("/op carol");
      await carol.waitForLine(/ boss made you an operator$/);
      await boss.say("/deop carol");
      await carol.waitForLine(/ boss took your operator status$/);

      await boss.say("/rename carol karen");
      const screen = await carol.waitForLine(/ boss renamed you \(carol\) to karen$/);
      assert.ok(!screen.text.includes("boss renamed carol to karen"), screen.text);

      await carol.enter("/who");
      await carol.waitForLine(/^-- #lobby: 2 people here: boss \(.*\), karen \(you, terminal\)$/);
    } finally {
      await tmux.kill();
    }
  },
);
