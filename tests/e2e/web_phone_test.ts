/**
 * The page on a phone: the drawer opened with Enter, animated, has the
 * keyboard's focus on its first room. The real page runs in Chromium, as a
 * phone with a touch screen, against a real server; the others are protocol
 * clients.
 */

import assert from "node:assert/strict";
import { startServer } from "../../server.ts";
import { LOOPBACK, TestClient } from "../_test_utils.ts";
import { type BrowserOptions, ChatBrowser, exactly, joinAs, pageUrl, say } from "./_browser.ts";
import { testWith } from "./_needs.ts";
import { says, settles, viewButton } from "./_web_rooms.ts";

/** A phone held upright, with a touch screen. */
const PHONE: BrowserOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  mobile: true,
};

testWith(
  ["chromium"],
  "web page (phone, animated): the drawer opened with Enter keeps the focus on its first room",
  async () => {
    await using server = await startServer({ hostname: LOOPBACK, port: 0, webPort: 0 });
    await using browser = await ChatBrowser.launch(PHONE);
    const page = await browser.open(pageUrl(server.webAddr!.port));
    await page.emulateMedia({ reducedMotion: "no-preference" });
    await joinAs(page, "ann");
    await say(page, "/join #dev");
    await page.locator("#room-name", { hasText: exactly("#dev") }).waitFor();
    // In a room the page is not told of: it is listed once the drawer brought the list up to date.
    await using bob = await TestClient.join2(server.addr.port, "bob", [{ room: "#lobby" }, {
      room: "#later",
    }]);
    await page.locator("#sidebar-toggle").focus();
    await page.keyboard.press("Enter");
    const first = viewButton(page, "#lobby");
    const focused = () => first.evaluate((button) => button.matches(":focus"));
    await page.locator('#rooms [data-room="#later"]').waitFor({ state: "attached" });
    await settles(focused, true, "whether the first room has the focus");
    // Drawn again as something arrives there, the list keeps it.
    await says(bob, "news in the lobby", "#lobby");
    await first.locator(".unread", { hasText: exactly("1") }).waitFor();
    assert.equal(await focused(), true, "the first room lost the focus");
    // So does the list of all rooms, brought up to date as someone comes to one of the user's.
    const later = page.locator('#rooms [data-room="#later"]');
    await later.focus();
    await bob.say("/join #dev");
    await page.locator('#rooms [data-room="#dev"] .count', { hasText: exactly("2") }).waitFor();
    assert.equal(await later.evaluate((button) => button.matches(":focus")), true);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);
