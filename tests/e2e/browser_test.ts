/**
 * End-to-end tests of the web client: the real page in a real headless
 * Chromium, against a real server started in this process, next to the real
 * terminal client in tmux and raw protocol clients.
 */

import assert from "node:assert/strict";
import type { Page } from "./_playwright.ts";
import { colorOf } from "../../core/palette.ts";
import { freePort, TestClient, within } from "../_test_utils.ts";
import {
  ChatBrowser,
  exactly,
  logLine,
  say,
  startWebServer,
  WAIT_MS,
  waitForLine,
  waitForStatus,
  webUrl,
} from "./_browser.ts";
import { CHROMIUM_MISSING } from "./_chromium.ts";
import { joinCommand, ROOT, type Screen, Tmux, TMUX_VERSION } from "./_tmux.ts";

const STAMP = String.raw`\[\d\d:\d\d:\d\d\]`;

// What the page functions run by `evaluate` use of the browser's globals. Not the DOM lib:
// `/// <reference lib="dom" />` would retype Deno's own globals (WebSocket, streams) for every
// file type-checked together with this one.
declare const document: {
  createElement(tag: string): { textContent: string };
  body: { append(node: unknown): void; dataset: Record<string, string | undefined> };
};
declare function getComputedStyle(element: unknown): { color: string };

/** Where the screenshots for the README go when `UPDATE_SCREENSHOTS=1`. */
const SCREENSHOTS = `${ROOT}docs/screenshots`;

/**
 * Registers a browser test, ignored with the reason in its name when Chromium
 * (or tmux, for tests that need it) is missing.
 */
function browserTest(
  name: string,
  fn: () => Promise<void>,
  options: { tmux?: boolean } = {},
): void {
  const missing = CHROMIUM_MISSING ??
    (options.tmux && TMUX_VERSION === undefined ? "tmux is not installed" : undefined);
  Deno.test({
    name: missing === undefined ? name : `${name} (ignored: ${missing})`,
    ignore: missing !== undefined,
    fn,
  });
}

/** Fails with the problems seen on the browser's pages, if any are not `expected`. */
function assertNoProblems(browser: ChatBrowser, expected: readonly RegExp[] = []): void {
  assert.deepEqual(browser.unexpectedProblems(expected), [], "problems on the page");
}

/** An sRGB colour with channels from 0 to 1. */
type Rgb = [number, number, number];

/** Reads a computed CSS colour: `rgb(…)`, `rgba(…)` or `color(srgb …)`. */
function parseColor(css: string): Rgb {
  const rgb = /^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)/.exec(css);
  if (rgb) return [Number(rgb[1]) / 255, Number(rgb[2]) / 255, Number(rgb[3]) / 255];
  const srgb = /^color\(srgb\s+([\d.e-]+)\s+([\d.e-]+)\s+([\d.e-]+)/.exec(css);
  if (srgb) return [Number(srgb[1]), Number(srgb[2]), Number(srgb[3])];
  throw new Error(`Cannot read colour ${JSON.stringify(css)}`);
}

/** Parses `#rrggbb`. */
function hexColor(hex: string): Rgb {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) / 255, ((value >> 8) & 0xff) / 255, (value & 0xff) / 255];
}

/** `color-mix(in srgb, color weight, other)`, as style.css derives names' colours. */
function mix(color: Rgb, weight: number, other: Rgb): Rgb {
  return color.map((channel, i) => channel * weight + other[i]! * (1 - weight)) as Rgb;
}

function assertColor(actual: string, expected: Rgb, what: string): void {
  const got = parseColor(actual);
  const close = got.every((channel, i) => Math.abs(channel - expected[i]!) < 0.01);
  const want = expected.map((channel) => Math.round(channel * 255)).join(", ");
  assert.ok(close, `${what}: computed ${actual}, expected about rgb(${want})`);
}

/** The computed text colour of every `.name` in the log that reads `name`. */
function nameColors(page: Page, name: string): Promise<string[]> {
  return page.locator("#log .line .name", { hasText: exactly(name) })
    .evaluateAll((elements) => elements.map((element) => getComputedStyle(element).color));
}

/** The colours a name is drawn in with the light and the dark theme (style.css). */
function themedColor(name: string, scheme: "light" | "dark"): Rgb {
  const base = hexColor(colorOf(name).css);
  return scheme === "light" ? mix(base, 0.7, [0, 0, 0]) : mix(base, 0.68, [1, 1, 1]);
}

/** Starts `chat join --name <name>` in tmux session `name` and waits for its prompt. */
async function terminalJoin(tmux: Tmux, port: number, name: string): Promise<void> {
  await tmux.newSession(name, joinCommand(port, "--name", name), { cwd: ROOT });
  await tmux.waitForScreen(
    name,
    (screen) =>
      screen.lines.some((line) => line.includes(`Connected to chat as ${name}.`)) &&
      screen.cursorLine === "#lobby>",
    10_000,
    `${name} connected at an empty "#lobby> " line`,
  );
}

function hasLine(screen: Screen, pattern: RegExp): boolean {
  return screen.lines.some((line) => pattern.test(line));
}

browserTest(
  "web page: a browser user and a terminal user in tmux talk both ways",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    const tmux = new Tmux("browser");
    try {
      const page = await browser.openAs(webUrl(server), "web-ann");
      await terminalJoin(tmux, server.addr.port, "term-bob");
      await waitForLine(page, "notice", "term-bob joined #lobby");

      await say(page, "hello from the browser", { typed: true });
      await tmux.waitForScreen(
        "term-bob",
        (screen) => hasLine(screen, new RegExp(`^${STAMP} web-ann: hello from the browser$`)),
        5_000,
        `"[HH:MM:SS] web-ann: hello from the browser"`,
      );

      await tmux.type("term-bob", "hello from the terminal");
      await tmux.press("term-bob", "Enter");
      const line = await waitForLine(page, "message", "hello from the terminal");
      assert.equal(await line.locator(".name").textContent(), "term-bob");
      assert.equal(await line.locator(".text").textContent(), "hello from the terminal");
      assert.match(await line.locator(".time").textContent() ?? "", new RegExp(`^${STAMP}$`));
      const own = logLine(page, "message", "hello from the browser");
      assert.equal(await own.locator(".name").textContent(), "web-ann");
      assertNoProblems(browser);
    } finally {
      await tmux.kill();
    }
  },
  { tmux: true },
);

browserTest("web page: names keep their palette colour; /me is an action line", async () => {
  await using server = await startWebServer();
  await using browser = await ChatBrowser.launch();
  const page = await browser.openAs(webUrl(server), "web-ann");
  const port = server.addr.port;
  // Two people whose palette entries differ.
  const other = ["carol", "dave", "erin", "frank", "grace", "heidi"]
    .find((name) => colorOf(name).css !== colorOf("bob").css)!;
  await using bob = await TestClient.join(port, "bob");
  await using them = await TestClient.join(port, other);

  await bob.say("first from bob");
  await waitForLine(page, "message", "first from bob");
  await them.say(`hello from ${other}`);
  await waitForLine(page, "message", `hello from ${other}`);
  await bob.say("second from bob");
  await waitForLine(page, "message", "second from bob");
  await say(page, "/me waves");

  const action = await waitForLine(page, "action", "waves");
  assert.match(await action.textContent() ?? "", new RegExp(`^${STAMP} \\* web-ann waves$`));
  assert.equal(await action.locator(".name").textContent(), "web-ann");
  assert.equal(await logLine(page, "message", "waves").count(), 0, "/me as a plain message");

  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const bobs = await nameColors(page, "bob");
    const theirs = await nameColors(page, other);
    assert.equal(bobs.length, 2, "bob's two messages");
    assert.equal(theirs.length, 1, `${other}'s message`);
    assert.equal(bobs[0], bobs[1], `${scheme}: bob in two colours`);
    assert.notEqual(bobs[0], theirs[0], `${scheme}: bob and ${other} in the same colour`);
    assertColor(bobs[0]!, themedColor("bob", scheme), `${scheme}: bob`);
    assertColor(theirs[0]!, themedColor(other, scheme), `${scheme}: ${other}`);
    const [mine] = await nameColors(page, "web-ann");
    assertColor(mine!, themedColor("web-ann", scheme), `${scheme}: web-ann`);
    // The people list shows each name in the same colour as the log.
    const listed = await page.locator("#members .member-name", { hasText: exactly("bob") })
      .evaluate((element) => getComputedStyle(element).color);
    assert.equal(listed, bobs[0], `${scheme}: bob in the people list`);
  }
  assertNoProblems(browser);
});

browserTest("web page: markup in messages shows as text and runs nothing", async () => {
  await using server = await startWebServer();
  await using browser = await ChatBrowser.launch();
  const page = await browser.openAs(webUrl(server), "web-ann");
  await using mallory = await TestClient.join(server.addr.port, "mallory");

  const hostile = [
    "<img src=x onerror=alert(1)>",
    `<a href="javascript:alert(1)">x</a>`,
    "<script>alert(1)</script>",
    `<svg onload=alert(1)></svg>`,
  ];
  for (const text of hostile) {
    await mallory.say(text);
    const line = await waitForLine(page, "message", text);
    assert.equal(await line.locator(".text").textContent(), text, "shown literally");
    assert.equal(await line.locator(".name").textContent(), "mallory");
  }
  // And the other way: what the page sends reaches others as typed, and shows as text.
  await say(page, "<b>bold?</b>");
  const echoed = await mallory.next("message", (frame) => frame.from === "web-ann");
  assert.equal(echoed.text, "<b>bold?</b>");
  await waitForLine(page, "message", "<b>bold?</b>");

  const made = await page.locator("#log").evaluate((log) =>
    [...log.querySelectorAll("img, a, script, svg, b, iframe, [onerror], [onload], [href]")]
      .map((element) => element.outerHTML)
  );
  assert.deepEqual(made, [], "elements made from message text");
  assert.equal(await page.locator("img").count(), 0, "an img anywhere on the page");
  assertNoProblems(browser); // a dialog would be listed here
});

browserTest(
  "web page: reconnects by itself, under the same name, when the server comes back",
  async () => {
    // Ports outside the system's own range: one it gave could be taken meanwhile.
    let server = await startWebServer({ port: freePort(), webPort: freePort() });
    try {
      await using browser = await ChatBrowser.launch();
      const { port } = server.addr;
      const webPort = server.webAddr!.port;
      const page = await browser.openAs(webUrl(server), "web-ann");
      await say(page, "/away lunch");
      await waitForLine(page, "notice", "You are away: lunch");
      const since = await (async () => {
        await using watcher = await TestClient.join2(port, "watcher");
        await watcher.send({ type: "who", room: "#lobby" });
        const who = await watcher.next("who");
        return who.people?.find((person) => person.name === "web-ann")?.away?.since;
      })();
      assert.ok(since !== undefined, "away before the restart");

      await server.close();
      await waitForStatus(page, /^Reconnecting in \d+ s$/);
      assert.equal(await page.locator("#status").getAttribute("data-state"), "reconnecting");
      await waitForLine(page, "notice", "Disconnected: The server is shutting down");
      // Said once: the server's goodbye invited the page back, so nothing was lost.
      await waitForLine(page, "notice", "Reconnecting…");
      assert.equal(
        await logLine(page, "notice", "The connection to the server was lost").count(),
        0,
      );

      server = await startWebServer({ port, webPort });
      // The first retry comes 1 s after the loss, give or take a quarter; a miss doubles it.
      await waitForStatus(page, "Connected", 10_000);
      assert.equal(await page.locator("#me-name").textContent(), "web-ann");
      assert.ok(await page.locator("#name-screen").isHidden(), "the page asked for a name");

      await using bob = await TestClient.join(port, "bob");
      const room = bob.all("room")[0]!;
      assert.deepEqual(room.members, ["bob", "web-ann"], "who is in the new server's lobby");
      // Away still, for the reason typed before the restart, which the new server never heard.
      await using carol = await TestClient.join2(port, "carol");
      await carol.send({ type: "who", room: "#lobby" });
      const who = await carol.next("who");
      // And since when she went, not since the page came back.
      assert.deepEqual(
        who.people?.find((person) => person.name === "web-ann")?.away,
        { since, reason: "lunch" },
        JSON.stringify(who),
      );
      await bob.say("welcome back");
      const line = await waitForLine(page, "message", "welcome back");
      assert.equal(await line.locator(".name").textContent(), "bob");
      // While the server was away the page's attempts may fail, as they should.
      assertNoProblems(browser, [/^console error: WebSocket connection to .* failed/]);
    } finally {
      await server.close();
    }
  },
);

browserTest("web page: strict CSP headers, and no violation while the page is used", async () => {
  await using server = await startWebServer();
  const response = await fetch(webUrl(server));
  await response.body?.cancel();
  const policy = response.headers.get("content-security-policy") ?? "";
  const directives = policy.split(";").map((directive) => directive.trim());
  assert.ok(directives.includes("default-src 'none'"), `default-src 'none' in ${policy}`);
  // The page's script and style sheet are inline, each allowed by its hash alone.
  assert.ok(
    directives.some((directive) => /^script-src 'sha256-[\w+/]+={0,2}'$/.test(directive)),
    `script-src 'sha256-…' in ${policy}`,
  );
  assert.ok(
    directives.some((directive) => /^style-src 'sha256-[\w+/]+={0,2}'$/.test(directive)),
    `style-src 'sha256-…' in ${policy}`,
  );
  assert.ok(!policy.includes("'unsafe-inline'"), `'unsafe-inline' in ${policy}`);
  assert.ok(!policy.includes("'unsafe-eval'"), `'unsafe-eval' in ${policy}`);
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");

  await using browser = await ChatBrowser.launch();
  const page = await browser.openAs(webUrl(server), "web-ann");
  await using bob = await TestClient.join(server.addr.port, "bob");
  await waitForLine(page, "notice", "bob joined #lobby");
  // Use every part of the page: messages, commands, the people and room lists.
  await say(page, "hello");
  await waitForLine(page, "message", "hello");
  await say(page, "/help");
  await waitForLine(page, "notice", "Commands:");
  await say(page, "/rooms");
  await waitForLine(page, "notice", "Rooms:");
  // A person clicked opens the private view with them: what is typed there goes to them.
  await page.locator("#members button", { hasText: "bob" }).click();
  await page.locator("#room-name", { hasText: exactly("@bob") }).waitFor();
  assert.equal(await page.locator("#message-input").inputValue(), "");
  await page.locator("#message-input").pressSequentially("psst");
  await page.locator("#message-input").press("Enter");
  await waitForLine(page, "private", "psst");
  await page.locator("#join-input").fill("#dev");
  await page.locator("#join-input").press("Enter");
  await page.locator("#room-name", { hasText: exactly("#dev") }).waitFor();
  await page.locator("#rooms button", { hasText: "#lobby" }).click();
  await page.locator("#room-name", { hasText: exactly("#lobby") }).waitFor();
  await bob.say("are you back?");
  await waitForLine(page, "message", "are you back?");
  assertNoProblems(browser);

  // The browser enforces the policy, and a violation would have been seen: an inline script
  // is refused and reported.
  const ran = await page.evaluate(() => {
    const script = document.createElement("script");
    script.textContent = "document.body.dataset.inline = 'ran'";
    document.body.append(script);
    return document.body.dataset.inline ?? "refused";
  });
  assert.equal(ran, "refused");
  await within(
    (async () => {
      while (!browser.problems.some((problem) => /Content Security Policy/.test(problem))) {
        await page.waitForEvent("console");
      }
    })(),
    5_000,
    "the violation in the console",
  );
});

browserTest("web page: remembers the name and joins with it again after a reload", async () => {
  await using server = await startWebServer();
  await using browser = await ChatBrowser.launch();
  await using watcher = await TestClient.join(server.addr.port, "watcher");
  const page = await browser.openAs(webUrl(server), "web-ann");
  await watcher.next("joined", (frame) => frame.name === "web-ann");
  assert.equal(await page.evaluate(() => localStorage.getItem("chat.name")), "web-ann");
  await watcher.say("before the reload");
  await waitForLine(page, "message", "before the reload");

  await page.reload();
  await waitForStatus(page, "Connected");
  assert.equal(await page.locator("#me-name").textContent(), "web-ann");
  assert.ok(await page.locator("#name-screen").isHidden(), "the page asked for a name again");
  await waitForLine(page, "notice", "Connected to chat as web-ann");
  // What was said before comes back as history, marked as such.
  await waitForLine(page, "message.replay", "before the reload");
  const left = await watcher.next("left", (frame) => frame.name === "web-ann");
  assert.equal(left.reason, "connection closed");
  await watcher.next("joined", (frame) => frame.name === "web-ann");
  await watcher.say("hi again");
  await waitForLine(page, "message", "hi again");
  assertNoProblems(browser);
});

browserTest("web page: asks for the password when the server has one", async () => {
  await using server = await startWebServer({
    password: "open sesame",
  });
  await using browser = await ChatBrowser.launch();
  const page = await browser.open(webUrl(server));
  assert.ok(
    await page.locator("#password-row").isHidden(),
    "no password field before it is needed",
  );
  await page.locator("#name-input").fill("web-ann");
  await page.locator("#name-submit").click();
  await page.locator("#password-row").waitFor({ state: "visible", timeout: WAIT_MS });
  await page.locator("#name-error", { hasText: "needs a password" }).waitFor({ timeout: WAIT_MS });
  assert.equal(await page.locator("#password-input").getAttribute("type"), "password");

  await page.locator("#password-input").fill("wrong");
  await page.locator("#name-submit").click();
  await page.locator("#name-error", { hasText: "Wrong password" }).waitFor({ timeout: WAIT_MS });

  await page.locator("#password-input").fill("open sesame");
  await page.locator("#name-submit").click();
  await waitForStatus(page, "Connected");
  await using watcher = await TestClient.connect(server.addr.port);
  await watcher.send({ type: "hello", version: 1, name: "watcher", password: "open sesame" });
  await watcher.next("welcome");
  await say(page, "in with the password");
  const message = await watcher.next("message", (frame) => frame.text === "in with the password");
  assert.equal(message.from, "web-ann");
  // The password never lands in storage.
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
  assert.ok(!stored.includes("sesame"), stored);
  assertNoProblems(browser);
});

/** Where every run leaves its screenshots for a person to look at (ignored by git). */
const LATEST_SCREENSHOTS = `${ROOT}test-results/screenshots`;

/**
 * Where a screenshot goes: the docs when asked to update them, else
 * test-results/screenshots, which each run overwrites.
 */
async function screenshotPath(file: string): Promise<string> {
  const folder = Deno.env.get("UPDATE_SCREENSHOTS") === "1" ? SCREENSHOTS : LATEST_SCREENSHOTS;
  await Deno.mkdir(folder, { recursive: true });
  return `${folder}/${file}`;
}

function isPng(bytes: Uint8Array): boolean {
  return [0x89, 0x50, 0x4e, 0x47].every((byte, i) => bytes[i] === byte);
}

browserTest("web page: screenshots of a lively conversation, desktop and phone", async () => {
  await using server = await startWebServer();
  const port = server.addr.port;
  await using desktop = await ChatBrowser.launch({ viewport: { width: 1280, height: 800 } });
  await using phone = await ChatBrowser.launch({
    viewport: { width: 375, height: 667 },
    deviceScaleFactor: 2,
    mobile: true,
  });
  // Names in five different colours, and someone in another room so that the room list has two.
  await using frank = await TestClient.join(port, "frank");
  await frank.send({ type: "join", room: "#dev" });
  await frank.next("room", (frame) => frame.room === "#dev");
  await using carol = await TestClient.join(port, "carol");
  await using dave = await TestClient.join(port, "dave");

  const ann = await desktop.openAs(webUrl(server), "ann");
  const tom = await phone.openAs(webUrl(server), "tom");
  await using eve = await TestClient.join(port, "eve");

  /** Does `act`, then waits until both pages (or the one that should) show `text`. */
  const step = async (act: () => Promise<unknown>, kind: string, text: string, pages = [ann]) => {
    await act();
    for (const page of pages) await waitForLine(page, kind, text);
  };
  const both = [ann, tom];
  await step(() => carol.say("morning! anyone up for lunch at 12:30?"), "message", "lunch", both);
  await step(() => dave.say("/me waves from the kitchen"), "action", "waves from", both);
  await step(() => say(ann, "sounds good, count me in"), "message", "count me in", both);
  await step(() => eve.say("tom, did the nightly build go green?"), "message", "nightly", both);
  await step(
    () => say(tom, "yes, all tests pass. shipping after lunch"),
    "message",
    "shipping",
    both,
  );
  await step(
    () => carol.send({ type: "msg", to: "ann", text: "can you bring the projector cable?" }),
    "private",
    "projector",
  );
  await step(() => say(tom, "/msg ann cake for carol at 3, shh"), "private", "cake", both);
  await step(() => dave.say("@ann the slides are on the shared drive"), "message", "slides", both);
  await step(() => say(ann, "/me is on her way"), "action", "on her way", both);

  // Each page highlights what names its own user.
  await ann.locator("#log .line.mentioned mark.mention", { hasText: "@ann" }).waitFor();
  await tom.locator("#log .line.mentioned mark.mention", { hasText: "tom" }).waitFor();
  for (const page of both) {
    // Attached: on the phone the lists are in the closed drawer.
    await page.locator("#members li").nth(4).waitFor({ state: "attached" });
    assert.equal(await page.locator("#members li").count(), 5, "people in #lobby");
    await page.locator("#rooms li button", { hasText: "#dev" }).waitFor({ state: "attached" });
    assert.ok(await page.locator("#new-messages").isHidden(), "the new-messages marker");
  }
  // Phone widths fold the sidebar into a drawer behind #sidebar-toggle.
  assert.ok(await ann.locator("#sidebar-toggle").isHidden(), "the drawer button on a desktop");
  assert.ok(await ann.locator("#sidebar").isVisible(), "the sidebar on a desktop");
  assert.ok(await tom.locator("#sidebar-toggle").isVisible(), "the drawer button on a phone");
  assert.ok(await tom.locator("#sidebar").isHidden(), "the closed drawer on a phone");

  for (const [page, file] of [[ann, "web-desktop.png"], [tom, "web-phone.png"]] as const) {
    await page.locator("#message-input").blur();
    const path = await screenshotPath(file);
    const png = await page.screenshot({ path });
    assert.ok(isPng(png) && png.length > 10_000, `${file} is a real PNG`);
    console.log(`Screenshot for a person to look at: ${path.slice(ROOT.length)}`);
  }
  await tom.locator("#sidebar-toggle").click();
  await tom.locator("#sidebar #members", { hasText: "carol" }).waitFor();
  await tom.keyboard.press("Escape");
  await tom.locator("#sidebar").waitFor({ state: "hidden" });
  assertNoProblems(desktop);
  assertNoProblems(phone);
});
