/**
 * A tab of the page reloaded: it comes back as the name that tab had, even
 * after another tab of the same browser took another.
 * The real page runs in Chromium against a real server; the others are
 * protocol clients.
 */

import assert from "node:assert/strict";
import { ChatBrowser, joinAs, startWebServer, waitForStatus, webUrl } from "./_browser.ts";
import { testWith } from "./_needs.ts";

testWith(
  ["chromium"],
  "web page: a reloaded tab comes back as its own name, not one another tab took since",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    const first = await browser.openAs(webUrl(server), "ann");
    // A second tab of the same browser is offered "ann", which is taken: it joins as ann2.
    const second = await browser.open(webUrl(server));
    await second.locator("#name-error", { hasText: /taken/ }).waitFor();
    await joinAs(second, "ann2");
    // A tab that never joined is offered the name a tab joined as last.
    const third = await browser.open(webUrl(server));
    await third.locator("#name-error", { hasText: /taken/ }).waitFor();
    assert.equal(await third.locator("#name-input").inputValue(), "ann2");
    await third.close();

    await first.reload();
    await waitForStatus(first, "Connected");
    assert.equal(await first.locator("#me-name").textContent(), "ann");
    assert.ok(await first.locator("#name-screen").isHidden(), "the first tab asked for a name");
    assert.equal(await second.locator("#me-name").textContent(), "ann2");
    // And the second, reloaded too, as its own.
    await second.reload();
    await waitForStatus(second, "Connected");
    assert.equal(await second.locator("#me-name").textContent(), "ann2");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);
