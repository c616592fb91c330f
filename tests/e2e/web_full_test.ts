/**
 * A server at its connection limit serves the page whole or not at all: the
 * page is one request, its style sheet and script inline, allowed by their
 * hashes, so it never shows unstyled while its style sheet is refused. The
 * real page runs in Chromium against a real server with a tiny limit.
 */

import assert from "node:assert/strict";
import { LineClient } from "../_line_client.ts";
import { ChatBrowser, joinAs, startWebServer, webUrl } from "./_browser.ts";
import { testWith } from "./_needs.ts";

// Run in the page, where it is the browser's.
declare function getComputedStyle(element: unknown): { display: string; position: string };

testWith(
  ["chromium"],
  "web page: a server with room for one connection serves the page whole, styled, and connects",
  async () => {
    await using server = await startWebServer({ maxConnections: 1 });
    await using browser = await ChatBrowser.launch();
    const page = await browser.context.newPage();
    const asked: string[] = [];
    page.on("request", (request) => asked.push(new URL(request.url()).pathname));
    const refused: string[] = [];
    page.on("response", (response) => {
      if (response.status() >= 400) refused.push(`${response.status()} ${response.url()}`);
    });
    const answer = await page.goto(webUrl(server));
    assert.equal(answer?.status(), 200);
    // style.css lays the header out as a row, and the page's script fills in its name form.
    assert.equal(
      await page.locator(".topbar").evaluate((bar) => getComputedStyle(bar).display),
      "flex",
    );
    assert.equal(
      await page.locator(".name-screen").evaluate((screen) => getComputedStyle(screen).position),
      "fixed",
    );
    await joinAs(page, "ann");
    // One request for the page: nothing it needs comes apart from it (the icon may).
    assert.deepEqual(asked.filter((path) => path !== "/favicon.svg"), ["/"]);
    assert.deepEqual(refused.filter((line) => !line.endsWith("/favicon.svg")), []);
    // Its policy blocked nothing: no inline block went without its hash.
    assert.deepEqual(browser.unexpectedProblems([/favicon\.svg/]), []);
  },
);

testWith(
  ["chromium"],
  "web page: a server with no room left refuses the page whole",
  async () => {
    await using server = await startWebServer({ maxConnections: 1 });
    // A connection in the middle of its request holds the one place.
    await using holder = await LineClient.connect(server.webAddr!.port);
    await holder.write("GET / HTTP/1.1\r\n");
    await using browser = await ChatBrowser.launch();
    const page = await browser.context.newPage();
    const answer = await page.goto(webUrl(server));
    assert.equal(answer?.status(), 503);
    assert.equal(
      (await page.locator("body").innerText()).trim(),
      "The server is full; try again later",
    );
    assert.equal(await page.locator("#app").count(), 0);
  },
);
