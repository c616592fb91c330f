/**
 * History a few days old, written into a `--data-dir` store before the real
 * `chat serve` starts: every client stamps it with its date, and keeps the
 * time alone for what was said today. The terminal client and `nc` run in
 * tmux, the page in Chromium.
 */

import assert from "node:assert/strict";
import { SqliteHistory } from "../../server/history/sqlite.ts";
import { ChatProcess } from "../_chat_process.ts";
import { LOOPBACK } from "../_test_utils.ts";
import { ChatBrowser, joinAs, pageUrl, waitForLine } from "./_browser.ts";
import { testWith } from "./_needs.ts";
import { literal, TerminalUser, TODAY_STAMP } from "./_terminal_user.ts";
import { Tmux } from "./_tmux.ts";

/** 06:38:29 local time, three days ago. */
const OLD = (() => {
  const date = new Date();
  date.setDate(date.getDate() - 3);
  date.setHours(6, 38, 29, 0);
  return date;
})();

/** How the old message's stamp reads: its day, then its time. */
const OLD_STAMP = `[${OLD.getFullYear()}-${String(OLD.getMonth() + 1).padStart(2, "0")}-${
  String(OLD.getDate()).padStart(2, "0")
} 06:38:29]`;

/** The old message as a whole screen line. */
const OLD_LINE = new RegExp(`^${literal(OLD_STAMP)} bob: three days ago$`);

/** Today's message as a whole screen line: the time alone. */
const TODAY_LINE = new RegExp(`^${TODAY_STAMP} bob: just now$`);

/** A data directory whose #lobby holds a message three days old and one of today. */
async function oldHistory(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "chat-old-history-" });
  using store = SqliteHistory.open(`${dir}/history.db`);
  const base = { type: "message", room: "#lobby", from: "bob" } as const;
  store.append({ ...base, id: 1, ts: OLD.getTime(), text: "three days ago" });
  store.append({ ...base, id: 2, ts: Date.now(), text: "just now" });
  return dir;
}

testWith(
  ["tmux", "nc", "chromium"],
  "an old message shows its date in the terminal, nc and the page; today's its time",
  async (t) => {
    const dir = await oldHistory();
    const tmux = new Tmux("old-history");
    try {
      await using server = new ChatProcess([
        "serve",
        "--host",
        LOOPBACK,
        "--port",
        "0",
        "--web-port",
        "0",
        "--data-dir",
        dir,
      ], { stdin: "null" });
      const port = await server.port();
      const [, webPort] = await server.waitForStdout(/^ {2}http:\/\/127\.0\.0\.1:(\d+)\/$/m);

      await t.step("the terminal", async () => {
        const ann = await TerminalUser.join(tmux, "ann", port);
        const screen = await ann.waitFor(
          (screen) =>
            screen.lines.some((line) => OLD_LINE.test(line)) &&
            screen.lines.some((line) => TODAY_LINE.test(line)),
          `"${OLD_STAMP} bob: three days ago" and today's message stamped with the time alone`,
        );
        const old = screen.lines.findIndex((line) => OLD_LINE.test(line));
        assert.ok(old < screen.lines.findIndex((line) => TODAY_LINE.test(line)), screen.text);
      });

      await t.step("nc, in plain text", async () => {
        await tmux.newSession("nc", `nc ${LOOPBACK} ${port}`);
        await tmux.waitForScreen("nc", (screen) => screen.text.includes("Your name:"));
        await tmux.type("nc", "nic");
        await tmux.press("nc", "Enter");
        await tmux.waitForScreen(
          "nc",
          (screen) =>
            screen.lines.some((line) => OLD_LINE.test(line)) &&
            screen.lines.some((line) => TODAY_LINE.test(line)),
          10_000,
          `"${OLD_STAMP} bob: three days ago" and today's message with the time alone`,
        );
      });

      await t.step("the page", async () => {
        await using browser = await ChatBrowser.launch();
        const page = await browser.open(pageUrl(Number(webPort)));
        await joinAs(page, "web-ann");
        const old = await waitForLine(page, "message", "three days ago");
        assert.equal(await old.locator(".time").textContent(), OLD_STAMP);
        const today = await waitForLine(page, "message", "just now");
        assert.match(
          await today.locator(".time").textContent() ?? "",
          new RegExp(`^${TODAY_STAMP}$`),
        );
        assert.deepEqual(browser.unexpectedProblems(), []);
      });
    } finally {
      await tmux.kill();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
