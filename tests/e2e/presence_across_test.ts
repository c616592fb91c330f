/**
 * Presence between the two real clients: bob in Chromium, alice at
 * `chat join` in tmux. bob types in the page and alice's prompt line says so
 * within a second, and no more a few seconds after he stops; bob goes
 * `/away lunch` and alice's `/who` and her private message to him say so.
 */

import assert from "node:assert/strict";
import { TYPING_SHOWN_MS } from "../../core/presence.ts";
import { ChatBrowser, say, startWebServer, webUrl } from "./_browser.ts";
import { testWith } from "./_needs.ts";
import { TerminalUser } from "./_terminal_user.ts";
import { Tmux } from "./_tmux.ts";

testWith(
  ["tmux", "chromium"],
  "bob types in the page: alice's terminal says so at once, and stops saying it after he stops",
  async (t) => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    const tmux = new Tmux("across");
    try {
      const alice = await TerminalUser.join(tmux, "alice", server.addr.port);
      const bob = await browser.openAs(webUrl(server), "bob");

      await t.step("typing shows on alice's prompt line within a second", async () => {
        await bob.locator("#message-input").pressSequentially("hello al");
        const typing = (screen: { cursorLine: string }) =>
          screen.cursorLine.startsWith("(bob is typing…) #lobby>");
        await alice.waitFor(typing, "bob is typing on alice's prompt line", 1_000);
        await alice.waitFor(
          (screen) => !typing(screen),
          "bob is typing to go once he stopped",
          TYPING_SHOWN_MS + 3_000,
        );
      });

      await t.step("and goes at once when his message comes", async () => {
        await bob.locator("#message-input").fill("");
        await say(bob, "hello alice", { typed: true });
        await alice.waitForLine(/ bob: hello alice$/);
        const screen = await alice.screen();
        assert.ok(!screen.cursorLine.includes("typing"), screen.cursorLine);
      });

      await t.step("bob away shows in alice's /who and answers her private message", async () => {
        await say(bob, "/away lunch");
        await alice.waitForLine(/bob is away: lunch$/);
        await alice.enter("/who");
        await alice.waitForLine(
          /^-- #lobby: 2 people here: alice \(you, terminal\), bob \(away.*lunch, (web|browser)\)$/,
        );
        await alice.enter("/msg bob are you there?");
        await alice.waitForLine(/^-- bob is away: lunch$/);
      });
      assert.deepEqual(browser.unexpectedProblems(), []);
    } finally {
      await tmux.kill();
    }
  },
);
