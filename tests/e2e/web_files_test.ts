/**
 * Files shared from the page: picked with the paperclip, pasted into the
 * message box, dropped on the page. They arrive byte-identical in another
 * page (a download, a thumbnail) and at a raw JSON client; an SVG or HTML
 * file never runs as a page; a file too large or a cancelled upload shares
 * nothing and stores nothing. The real page runs in Chromium against a real
 * server.
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Page, Route } from "./_playwright.ts";
import { FreezingProxy } from "../_freezing_proxy.ts";
import { LOOPBACK, TestClient, within } from "../_test_utils.ts";
import { type FileRef, MAX_TEXT_BYTES, type ServerFrame } from "../../protocol.ts";
import {
  ChatBrowser,
  closeAsks,
  joinAs,
  pageUrl,
  startWebServer,
  WAIT_MS,
  waitForLine,
  webUrl,
} from "./_browser.ts";
import { testWith } from "./_needs.ts";
import { waitFor } from "./_tmux.ts";

// What the page functions run by `evaluate` use of the browser's globals (not the DOM lib,
// which would retype Deno's own globals for every file checked with this one).
declare const document: {
  querySelector(
    selector: string,
  ): { dispatchEvent(event: unknown): boolean; files: unknown } | null;
  createElement(tag: "canvas"): {
    width: number;
    height: number;
    getContext(kind: "2d"): { fillStyle: string; fillRect(...args: number[]): void };
    toBlob(done: (blob: Blob | null) => void, type: string): void;
  };
};
declare class DataTransfer {
  readonly items: { add(file: File): void };
  readonly files: unknown;
}
declare class ClipboardEvent {
  constructor(type: string, init: Record<string, unknown>);
}
declare class DragEvent {
  constructor(type: string, init: Record<string, unknown>);
}

/** The size of the upload that is cancelled: more than the system buffers on its way. */
const SLOW_BYTES = 24 * 1024 * 1024;

/**
 * Milliseconds a wait on the page may take while it sends SLOW_BYTES: the
 * test browser's request interception copies the body, which can hold up
 * the page's answers for seconds on a busy machine.
 */
const BUSY_MS = 30_000;

/** `length` random bytes. */
function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  for (let at = 0; at < length; at += 65536) {
    crypto.getRandomValues(bytes.subarray(at, Math.min(length, at + 65536)));
  }
  return bytes;
}

/** The id a file of `bytes` is stored under: their SHA-256 in lowercase hex. */
async function fileId(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)).toHex();
}

/** A file for playwright's `setInputFiles`. */
function upload(name: string, bytes: Uint8Array, mimeType = "application/octet-stream") {
  return { name, mimeType, buffer: Buffer.from(bytes) };
}

/**
 * `bytes` in a file called `name` in a temporary folder, removed once disposed:
 * Chromium reads a file picked from disk itself, which is much faster than
 * bytes handed to it, and reads it only when the page sends it.
 */
async function onDisk(
  name: string,
  bytes: Uint8Array,
): Promise<{ path: string } & AsyncDisposable> {
  const folder = await Deno.makeTempDir({ prefix: "chat-web-files-" });
  await Deno.writeFile(`${folder}/${name}`, bytes);
  return {
    path: `${folder}/${name}`,
    [Symbol.asyncDispose]: () => Deno.remove(folder, { recursive: true }),
  };
}

/** The next file message `client` receives in a room. */
async function nextFile(client: TestClient, name: string | RegExp, ms = WAIT_MS): Promise<FileRef> {
  const named = (file: FileRef | undefined) =>
    file !== undefined && (typeof name === "string" ? file.name === name : name.test(file.name));
  const frame = await client.next("message", (frame) => named(frame.file), ms);
  return frame.file!;
}

/** Whether any frame `client` got so far shares a file. */
function sharedAny(frames: readonly ServerFrame[]): boolean {
  return frames.some((frame) =>
    (frame.type === "message" || frame.type === "private") && frame.file !== undefined
  );
}

/** The bytes of `path` on the web port. */
async function fetchBytes(port: number, path: string): Promise<Uint8Array> {
  const response = await fetch(`http://${LOOPBACK}:${port}${path}`);
  assert.equal(response.status, 200, path);
  return new Uint8Array(await response.arrayBuffer());
}

/** Drags a small text file onto `page`'s log and drops it there, as a person would. */
async function dropTextFile(page: Page): Promise<void> {
  await page.evaluate(() => {
    const data = new DataTransfer();
    data.items.add(new File(["x"], "x.txt", { type: "text/plain" }));
    const at = document.querySelector("#log")!;
    const init = { dataTransfer: data, bubbles: true, cancelable: true };
    at.dispatchEvent(new DragEvent("dragenter", init));
    at.dispatchEvent(new DragEvent("dragover", init));
    at.dispatchEvent(new DragEvent("drop", init));
  });
}

/** Waits until the page's log has an error line containing `text`. */
function errorShown(page: Page, text: string | RegExp) {
  return waitForLine(page, "error", text);
}

/** Two pages, ann's and bob's, and carl on the raw JSON protocol, all in #lobby. */
async function threePeople(url: string, chatPort: number) {
  const annBrowser = await ChatBrowser.launch();
  const bobBrowser = await ChatBrowser.launch();
  const ann = await annBrowser.openAs(url, "ann");
  const bob = await bobBrowser.openAs(url, "bob");
  const carl = await TestClient.join2(chatPort, "carl");
  return {
    ann,
    bob,
    carl,
    browsers: [annBrowser, bobBrowser],
    async [Symbol.asyncDispose]() {
      await carl[Symbol.asyncDispose]();
      for (const browser of [annBrowser, bobBrowser]) {
        assert.deepEqual(browser.unexpectedProblems([/Failed to load resource/]), []);
        await browser[Symbol.asyncDispose]();
      }
    },
  };
}

testWith(
  ["chromium"],
  "web page: files picked, pasted and dropped reach the others byte-identical; scripts never run",
  async (t) => {
    await using server = await startWebServer();
    const webPort = server.webAddr!.port;
    await using people = await threePeople(pageUrl(webPort), server.addr.port);
    const { ann, bob, carl } = people;

    await t.step(
      "the paperclip shows once welcomed; its picker offers camera and gallery",
      async () => {
        await ann.locator("#attach").waitFor();
        const picker = ann.locator("#file-picker");
        assert.equal(await picker.getAttribute("multiple"), "");
        // No `capture` (which offers the camera alone) and no `accept` (which would hide files).
        assert.equal(await picker.getAttribute("capture"), null);
        assert.equal(await picker.getAttribute("accept"), null);
      },
    );

    await t.step(
      "a 5 MiB file from the picker downloads byte-identical in another page",
      async () => {
        const bytes = randomBytes(5 * 1024 * 1024);
        await using disk = await onDisk("data set.bin", bytes);
        await ann.locator("#file-picker").setInputFiles(disk.path);
        const file = await nextFile(carl, "data set.bin", 15_000);
        assert.equal(file.id, await fileId(bytes));
        assert.equal(file.size, bytes.length);
        assert.equal(file.type, "application/octet-stream");
        assert.match(file.url, /^\/files\/[0-9a-f]{64}\/data%20set\.bin$/);
        const line = await waitForLine(bob, "message", "data set.bin");
        assert.match(await line.locator(".text, .file").first().textContent() ?? "", /ann|data/);
        assert.equal(await line.locator(".file-name").textContent(), "data set.bin");
        assert.equal(await line.locator(".file-size").textContent(), "5 MiB");
        const [download] = await Promise.all([
          bob.waitForEvent("download"),
          line.locator(".download-button").click(),
        ]);
        assert.equal(download.suggestedFilename(), "data set.bin");
        const saved = await Deno.readFile((await download.path())!);
        assert.ok(saved.length === bytes.length && saved.every((byte, i) => byte === bytes[i]));
        // The uploader's page shows its own file, and its upload list is empty again.
        await waitForLine(ann, "message", "data set.bin");
        await ann.locator("#uploads").waitFor({ state: "hidden" });
      },
    );

    await t.step("a picture pasted into the message box shows as a thumbnail", async () => {
      const pasted = await ann.evaluate(async () => {
        const canvas = document.createElement("canvas");
        canvas.width = 64;
        canvas.height = 48;
        const context = canvas.getContext("2d");
        context.fillStyle = "#c0352b";
        context.fillRect(0, 0, 64, 48);
        const blob = await new Promise<Blob | null>((done) => canvas.toBlob(done, "image/png"));
        const data = new DataTransfer();
        data.items.add(new File([blob!], "image.png", { type: "image/png" }));
        const event = new ClipboardEvent("paste", {
          clipboardData: data,
          bubbles: true,
          cancelable: true,
        });
        document.querySelector("#message-input")!.dispatchEvent(event);
        return [...new Uint8Array(await blob!.arrayBuffer())];
      });
      const bytes = new Uint8Array(pasted);
      // Browsers call every pasted picture image.png: the page gives it a name of its own.
      const file = await nextFile(carl, /^pasted-\d{4}-\d\d-\d\d-\d{6}\.png$/);
      assert.equal(file.type, "image/png");
      assert.equal(file.id, await fileId(bytes));
      const image = bob.locator(`#log .attachment.picture img[alt="${file.name}"]`);
      await image.waitFor();
      await waitFor(
        () => image.evaluate((node) => (node as unknown as { naturalWidth: number }).naturalWidth),
        (width) => width === 64,
        WAIT_MS,
        (width) => `the thumbnail to load; it is ${width} px wide`,
      );
      assert.equal(await image.getAttribute("loading"), "lazy");
      const link = image.locator("xpath=..");
      assert.equal(await link.evaluate((node) => node.nodeName), "A");
      assert.equal(await link.getAttribute("target"), "_blank");
      const href = (await link.getAttribute("href"))!;
      assert.equal(href, file.url);
      const full = await fetchBytes(webPort, href);
      assert.ok(full.length === bytes.length && full.every((byte, i) => byte === bytes[i]));
      // The message box kept no text of it.
      assert.equal(await ann.locator("#message-input").inputValue(), "");
    });

    await t.step("a text paste stays text", async () => {
      const input = ann.locator("#message-input");
      await input.focus();
      await ann.keyboard.insertText("just words");
      assert.equal(await input.inputValue(), "just words");
      await input.fill("");
    });

    await t.step(
      "files dropped on the page are shared, under a drop zone while dragged",
      async () => {
        await ann.evaluate(() => {
          const data = new DataTransfer();
          data.items.add(new File(["dropped notes\n"], "notes.txt", { type: "text/plain" }));
          const at = document.querySelector("#log")!;
          at.dispatchEvent(new DragEvent("dragenter", { dataTransfer: data, bubbles: true }));
        });
        await ann.locator("#drop-zone").waitFor();
        await ann.evaluate(() => {
          const data = new DataTransfer();
          data.items.add(new File(["dropped notes\n"], "notes.txt", { type: "text/plain" }));
          const at = document.querySelector("#log")!;
          const init = { dataTransfer: data, bubbles: true, cancelable: true };
          at.dispatchEvent(new DragEvent("dragover", init));
          at.dispatchEvent(new DragEvent("drop", init));
        });
        await ann.locator("#drop-zone").waitFor({ state: "hidden" });
        const file = await nextFile(carl, "notes.txt");
        assert.equal(file.type, "text/plain; charset=utf-8");
        const line = await waitForLine(bob, "message", "notes.txt");
        assert.equal(await line.locator(".download-button").getAttribute("download"), "notes.txt");
        assert.deepEqual(
          new TextDecoder().decode(await fetchBytes(webPort, file.url)),
          "dropped notes\n",
        );
      },
    );

    await t.step("an SVG and an HTML file with scripts never run when opened", async () => {
      const ran: string[] = [];
      for (const browser of people.browsers) {
        browser.context.on("request", (request) => {
          if (request.url().includes("/ran-")) ran.push(request.url());
        });
      }
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" onload="fetch('/ran-onload')">` +
        `<script>document.title = "ran"; fetch("/ran-svg")</script></svg>`;
      const html = `<!doctype html><title>x</title><script>document.title = "ran";` +
        `fetch("/ran-html")</script><img src="/ran-img" onerror="fetch('/ran-onerror')">`;
      await ann.locator("#file-picker").setInputFiles([
        upload("drawing.svg", new TextEncoder().encode(svg), "image/svg+xml"),
        upload("page.html", new TextEncoder().encode(html), "text/html"),
      ]);
      const files = [await nextFile(carl, "drawing.svg"), await nextFile(carl, "page.html")];
      for (const file of files) {
        assert.equal(file.type, "text/plain; charset=utf-8", file.name);
        const line = await waitForLine(bob, "message", file.name);
        // Not shown as a picture: a card, its name as text.
        assert.equal(await line.locator("img").count(), 0);
        assert.equal(await line.locator(".file-name").textContent(), file.name);
        const href = (await line.locator(".download-button").getAttribute("href"))!;
        // Opened in a tab of its own, the link becomes a download, never a page.
        const tab = await bob.context().newPage();
        const [download, opened] = await Promise.all([
          tab.waitForEvent("download"),
          tab.goto(`http://${LOOPBACK}:${webPort}${href}`).then(() => "a page", (e) => `${e}`),
        ]);
        assert.match(opened, /Download is starting/);
        assert.equal(download.suggestedFilename(), file.name);
        assert.notEqual(await tab.title(), "ran");
        await tab.close();
        const response = await fetch(`http://${LOOPBACK}:${webPort}${href}`);
        assert.match(response.headers.get("content-disposition") ?? "", /^attachment/);
        assert.match(response.headers.get("content-security-policy") ?? "", /sandbox/);
        await response.body?.cancel();
      }
      assert.notEqual(await bob.title(), "ran");
      assert.notEqual(await ann.title(), "ran");
      assert.deepEqual(ran, []);
    });
  },
);

testWith(
  ["chromium"],
  "web page: a file over --max-file is refused and stored nowhere; no files, no paperclip",
  async (t) => {
    await using server = await startWebServer({
      maxFile: 1,
    });
    const webPort = server.webAddr!.port;
    await using people = await threePeople(pageUrl(webPort), server.addr.port);
    const { ann, bob, carl } = people;
    const store = server.files!;

    await t.step("a file over --max-file is refused before it is sent", async () => {
      const bytes = randomBytes(1024 * 1024 + 512 * 1024);
      await using disk = await onDisk("big.bin", bytes);
      await ann.locator("#file-picker").setInputFiles(disk.path);
      const line = await errorShown(ann, "big.bin");
      assert.equal(
        await line.locator(".text").textContent(),
        'Cannot share "big.bin": it is 1.5 MiB, larger than 1 MiB, the largest this server takes',
      );
      assert.equal(store.get(await fileId(bytes)), undefined);
      assert.equal(store.totalBytes, 0);
      const response = await fetch(`http://${LOOPBACK}:${webPort}/files/${await fileId(bytes)}`, {
        method: "HEAD",
      });
      assert.equal(response.status, 404);
      await carl.sync();
      assert.equal(sharedAny(carl.frames), false);
      assert.equal(await bob.locator("#log .attachment").count(), 0);
    });

    await t.step("the server's refusal is shown when the page believes more fits", async () => {
      // Dan's page is told the server takes 8 MiB: the server's own limit refuses the upload.
      await using danBrowser = await ChatBrowser.launch();
      const dan = await danBrowser.context.newPage();
      await rewriteWelcome(dan, (files) => ({ ...files, maxBytes: 8 * 1024 * 1024 }));
      await dan.goto(pageUrl(webPort));
      await joinAs(dan, "dan");
      const bytes = randomBytes(2 * 1024 * 1024);
      await using disk = await onDisk("bigger.bin", bytes);
      await dan.locator("#file-picker").setInputFiles(disk.path);
      const line = await errorShown(dan, "bigger.bin");
      assert.equal(
        await line.locator(".text").textContent(),
        'Cannot share "bigger.bin": it is larger than 1 MiB, the largest this server takes',
      );
      assert.equal(store.get(await fileId(bytes)), undefined);
      assert.equal(store.totalBytes, 0);
      await carl.sync();
      assert.equal(sharedAny(carl.frames), false);
    });

    await t.step("a server that takes no files: no paperclip, and a drop is refused", async () => {
      await using eveBrowser = await ChatBrowser.launch();
      const eve = await eveBrowser.context.newPage();
      await rewriteWelcome(eve, () => undefined);
      await eve.goto(pageUrl(webPort));
      await joinAs(eve, "eve");
      assert.equal(await eve.locator("#attach").isHidden(), true);
      await dropTextFile(eve);
      await waitForLine(eve, "notice", "This server takes no files");
      assert.equal(await eve.locator("#drop-zone").isHidden(), true);
      // A text too long for a message: neither the warning nor the refusal offers the paperclip.
      const input = eve.locator("#message-input");
      const long = "x".repeat(MAX_TEXT_BYTES + 1);
      await input.fill(long);
      const warning = eve.locator("#too-long");
      await warning.waitFor();
      assert.equal(
        await warning.textContent(),
        `Too long to send: it is ${long.length} bytes, more than the ${MAX_TEXT_BYTES} a message may hold`,
      );
      await input.press("Enter");
      const refusal = await waitForLine(eve, "error", "Cannot send message");
      assert.equal(
        await refusal.locator(".text").textContent(),
        `Cannot send message: it is ${long.length} bytes, more than the ${MAX_TEXT_BYTES} a message may hold`,
      );
      assert.equal(await input.inputValue(), long, "the draft is kept");
      await carl.sync();
      assert.equal(sharedAny(carl.frames), false);
    });
  },
);

testWith(
  ["chromium"],
  "web page of a server started with --no-files: no paperclip, and a dropped file is refused",
  async () => {
    await using server = await startWebServer({
      files: false,
    });
    await using carl = await TestClient.join2(server.addr.port, "carl");
    await using browser = await ChatBrowser.launch();
    const eve = await browser.context.newPage();
    await eve.goto(webUrl(server));
    await joinAs(eve, "eve");
    // Welcomed (joinAs waits for it), and told no files: the paperclip stays hidden.
    assert.equal(await eve.locator("#attach").isHidden(), true);
    await dropTextFile(eve);
    await waitForLine(eve, "notice", "This server takes no files");
    assert.equal(await eve.locator("#drop-zone").isHidden(), true);
    assert.equal(await eve.locator("#attach").isHidden(), true);
    await carl.sync();
    assert.equal(sharedAny(carl.frames), false);
  },
);

testWith(
  ["chromium"],
  "web page: closing the tab while a file is uploaded asks first; once it is shared it does not",
  async () => {
    await using server = await startWebServer();
    await using browser = await ChatBrowser.launch();
    const ann = await browser.openAs(webUrl(server), "ann");
    await using carl = await TestClient.join2(server.addr.port, "carl");
    // The upload is held on its way to the server until the test lets it go.
    const held = Promise.withResolvers<Route>();
    await ann.route("**/files", (route) => {
      if (route.request().method() !== "POST") return route.fallback();
      held.resolve(route);
      return undefined;
    });
    await ann.locator("#file-picker").setInputFiles(upload("held.txt", new Uint8Array(1000)));
    const route = await within(held.promise, WAIT_MS, "the upload to start");
    await ann.locator("#uploads .upload", { hasText: "held.txt" }).waitFor();
    assert.equal(await closeAsks(ann), true, "the browser asked before closing the tab");
    // ChatBrowser dismisses the dialog: the user stays, and the upload goes on.
    assert.ok(!ann.isClosed(), "the page stayed");
    await route.fallback();
    await nextFile(carl, "held.txt");
    await ann.locator("#uploads .upload").waitFor({ state: "detached" });
    assert.equal(await closeAsks(ann), false, "the tab closed without a question");
    const leaving = /^dialog \(beforeunload\)/;
    assert.equal(browser.problems.filter((problem) => leaving.test(problem)).length, 1);
    assert.deepEqual(browser.unexpectedProblems([leaving]), []);
  },
);

testWith(
  ["chromium"],
  "web page: a file larger than all the room of the file store is refused before a byte is sent",
  async () => {
    await using server = await startWebServer({ maxFile: 2, filesQuota: 1 });
    const webPort = server.webAddr!.port;
    await using browser = await ChatBrowser.launch();
    const posts: string[] = [];
    browser.context.on("request", (request) => {
      if (request.method() !== "GET") posts.push(`${request.method()} ${request.url()}`);
    });
    const ann = await browser.openAs(pageUrl(webPort), "ann");
    await using carl = await TestClient.join2(server.addr.port, "carl");
    const bytes = randomBytes(1024 * 1024 + 512 * 1024);
    await using disk = await onDisk("big.bin", bytes);
    await ann.locator("#file-picker").setInputFiles(disk.path);
    const line = await errorShown(ann, "big.bin");
    assert.equal(
      await line.locator(".text").textContent(),
      'Cannot share "big.bin": it is 1.5 MiB, larger than 1 MiB, ' +
        "all the room this server's file store has",
    );
    // Refused in the page: no upload was started, not even one the server then refused.
    assert.deepEqual(posts, []);
    assert.equal(await ann.locator("#uploads .upload").count(), 0);
    assert.equal(server.files!.totalBytes, 0);
    await carl.sync();
    assert.equal(sharedAny(carl.frames), false);
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: a file over half the file store, with only shared files to push out, is refused in plain words",
  async () => {
    await using server = await startWebServer({ maxFile: 1, filesQuota: 1 });
    await using browser = await ChatBrowser.launch();
    const ann = await browser.openAs(webUrl(server), "ann");
    await using carl = await TestClient.join2(server.addr.port, "carl");
    await ann.locator("#file-picker").setInputFiles(upload("a1.bin", randomBytes(586 * 1024)));
    await nextFile(carl, "a1.bin");
    await ann.locator("#file-picker").setInputFiles(upload("a2.bin", randomBytes(586 * 1024)));
    const line = await errorShown(ann, "a2.bin");
    assert.equal(
      await line.locator(".text").textContent(),
      `Cannot share "a2.bin": the server's file store (1 MiB) has no room left for it, and a ` +
        "file over half of it (512 KiB) cannot push older files out; try a smaller file, or " +
        "ask the host to raise --files-quota",
    );
    assert.deepEqual(server.files!.list().map((file) => file.name), ["a1.bin"]);
    // The browser logs the refusal's status itself.
    assert.deepEqual(browser.unexpectedProblems([/status of 503/]), []);
  },
);

testWith(
  ["chromium"],
  "web page: Download of a file the store has since removed says so and marks its card",
  async () => {
    await using server = await startWebServer({ filesQuota: 1 });
    const webPort = server.webAddr!.port;
    await using people = await threePeople(pageUrl(webPort), server.addr.port);
    const { ann, bob, carl } = people;
    const downloads: string[] = [];
    bob.on("download", (download) => downloads.push(download.suggestedFilename()));
    // Three files that do not fit the store together: the third pushes the first out.
    const bytes = {
      "first.bin": randomBytes(400 * 1024),
      "second.bin": randomBytes(400 * 1024),
      "third.bin": randomBytes(400 * 1024),
    };
    for (const [name, content] of Object.entries(bytes)) {
      await ann.locator("#file-picker").setInputFiles(upload(name, content));
      await nextFile(carl, name);
    }
    const first = await waitForLine(bob, "message", "first.bin");
    const second = await waitForLine(bob, "message", "second.bin");
    const href = (await first.locator(".download-button").getAttribute("href"))!;
    const response = await fetch(`http://${LOOPBACK}:${webPort}${href}`, { method: "HEAD" });
    assert.equal(response.status, 404, "the first file is gone from the store");

    await first.locator(".download-button").click();
    const line = await errorShown(bob, "first.bin");
    assert.equal(
      await line.locator(".text").textContent(),
      'Cannot get "first.bin": the server no longer has it (or never had it)',
    );
    const card = first.locator(".attachment.card");
    assert.equal(await card.getAttribute("class"), "attachment card gone");
    assert.equal(await card.locator(".file-gone").textContent(), "No longer on the server");
    // The file still there downloads as ever; the one gone started no download.
    const [download] = await Promise.all([
      bob.waitForEvent("download"),
      second.locator(".download-button").click(),
    ]);
    assert.equal(download.suggestedFilename(), "second.bin");
    assert.deepEqual(downloads, ["second.bin"]);
    assert.equal(await second.locator(".attachment.gone").count(), 0);

    // The same bytes shared again are stored again: the old card downloads them, unmarked.
    await ann.locator("#file-picker").setInputFiles(upload("again.bin", bytes["first.bin"]));
    await nextFile(carl, "again.bin");
    const [again] = await Promise.all([
      bob.waitForEvent("download"),
      first.locator(".download-button").click(),
    ]);
    assert.equal(again.suggestedFilename(), "first.bin");
    await card.locator(".file-gone").waitFor({ state: "detached" });
    assert.equal(await card.getAttribute("class"), "attachment card");
  },
);

testWith(
  ["chromium"],
  "web page: a file found gone marks every card of it, a picture's thumbnail too",
  async () => {
    await using server = await startWebServer({ filesQuota: 1 });
    const webPort = server.webAddr!.port;
    await using people = await threePeople(pageUrl(webPort), server.addr.port);
    const { ann, bob, carl } = people;
    await pickPicture(ann, "pic.png");
    await nextFile(carl, "pic.png");
    // The same bytes shared twice: two cards of one file. Two more push both files out.
    const first = randomBytes(400 * 1024);
    const files: [string, Uint8Array][] = [["first.bin", first], ["copy.bin", first]];
    files.push(["second.bin", randomBytes(400 * 1024)], ["third.bin", randomBytes(400 * 1024)]);
    for (const [name, content] of files) {
      await ann.locator("#file-picker").setInputFiles(upload(name, content));
      await nextFile(carl, name);
    }
    const original = await waitForLine(bob, "message", "first.bin");
    const copy = await waitForLine(bob, "message", "copy.bin");
    const href = (await original.locator(".download-button").getAttribute("href"))!;
    const response = await fetch(`http://${LOOPBACK}:${webPort}${href}`, { method: "HEAD" });
    assert.equal(response.status, 404, "the first file is gone from the store");

    await original.locator(".download-button").click();
    await errorShown(bob, "first.bin");
    for (const line of [original, copy]) {
      const card = line.locator(".attachment.card");
      await card.locator(".file-gone").waitFor();
      assert.equal(await card.getAttribute("class"), "attachment card gone");
    }
    assert.equal(
      await (await waitForLine(bob, "message", "second.bin")).locator(".gone").count(),
      0,
    );

    // Someone who comes later gets the picture in the history: its thumbnail finds it gone.
    await using daveBrowser = await ChatBrowser.launch();
    const dave = await daveBrowser.openAs(pageUrl(webPort), "dave");
    const picture = await waitForLine(dave, "message", "pic.png");
    const card = picture.locator(".attachment.card");
    await card.locator(".file-gone").waitFor();
    assert.equal(await card.getAttribute("class"), "attachment card gone");
    assert.deepEqual(daveBrowser.unexpectedProblems([/Failed to load resource/]), []);
  },
);

testWith(
  ["chromium"],
  "web page on a phone: an upload shows its progress, and cancelled it shares and stores nothing",
  async (t) => {
    await using server = await startWebServer();
    const webPort = server.webAddr!.port;
    // Ann's page goes through a proxy that holds the upload halfway while frozen.
    await using proxy = new FreezingProxy(webPort);
    await using annBrowser = await ChatBrowser.launch({
      viewport: { width: 390, height: 740 },
      mobile: true,
    });
    const ann = await annBrowser.openAs(pageUrl(proxy.port), "ann");
    await using carl = await TestClient.join2(server.addr.port, "carl");
    const store = server.files!;

    await t.step("the paperclip, the box and Send fit on a phone's screen", async () => {
      const width = 390;
      for (const selector of ["#attach", "#message-input", "#send"]) {
        const box = (await ann.locator(selector).boundingBox())!;
        assert.ok(box.x >= 0 && box.x + box.width <= width, `${selector}: ${JSON.stringify(box)}`);
      }
    });

    await t.step("cancelling an upload under way stops it: nothing is shared", async () => {
      // More than the system's buffers between the page and the proxy hold, made in the page:
      // handing the browser that many bytes from here takes long.
      proxy.freeze();
      await ann.evaluate((size) => {
        const bytes = new Uint8Array(size);
        for (let at = 0; at < size; at += 65536) {
          crypto.getRandomValues(bytes.subarray(at, Math.min(size, at + 65536)));
        }
        const data = new DataTransfer();
        data.items.add(new File([bytes], "slow.bin"));
        const picker = document.querySelector("#file-picker")!;
        picker.files = data.files;
        picker.dispatchEvent(new Event("change", { bubbles: true }));
      }, SLOW_BYTES);
      const row = ann.locator("#uploads .upload", { hasText: "slow.bin" });
      await row.waitFor({ timeout: BUSY_MS });
      const box = (await row.boundingBox({ timeout: BUSY_MS }))!;
      assert.ok(box.x + box.width <= 390, JSON.stringify(box));
      await waitFor(
        () => row.locator(".upload-percent").textContent({ timeout: BUSY_MS }),
        (text) => /^\d+%$/.test(text ?? ""),
        BUSY_MS,
        (text) => `the upload to show its progress; it reads ${text}`,
      );
      const sent = await row.locator("progress").getAttribute("value", { timeout: BUSY_MS });
      assert.ok(Number(sent) < SLOW_BYTES, `${sent} bytes sent`);
      // A finger's size, as the phone's other buttons.
      const cancel = (await row.locator(".upload-cancel").boundingBox({ timeout: BUSY_MS }))!;
      assert.ok(cancel.height >= 44, `Cancel is ${cancel.width}×${cancel.height}`);
      await row.locator(".upload-cancel").click({ timeout: BUSY_MS });
      await row.waitFor({ state: "detached", timeout: BUSY_MS });
      await waitForLine(ann, "notice", 'Upload of "slow.bin" cancelled', BUSY_MS);
      assert.equal(await ann.locator("#uploads").isHidden(), true);
      // What was held goes on now: the part of the upload sent before the cancel, then its end.
      proxy.thaw();
      await ann.locator("#file-picker").setInputFiles(
        upload("after.txt", new TextEncoder().encode("after")),
      );
      await nextFile(carl, "after.txt");
      assert.equal(
        carl.all("message").filter((frame) => frame.file?.name === "slow.bin").length,
        0,
      );
      // Only the file shared after it is stored.
      assert.equal(store.totalBytes, "after".length);
      assert.equal(await ann.locator("#log .line.message", { hasText: "slow.bin" }).count(), 0);
      assert.deepEqual(annBrowser.unexpectedProblems([/Failed to load resource/]), []);
    });
  },
);

/** Joins the page as `name` on a server with `password`: the form asks for it. */
async function joinWithPassword(page: Page, name: string, password: string): Promise<void> {
  await page.locator("#name-input").fill(name);
  await page.locator("#name-submit").click();
  await page.locator("#password-row").waitFor();
  await page.locator("#password-input").fill(password);
  await page.locator("#name-submit").click();
  await page.locator("#status", { hasText: /^Connected$/ }).waitFor();
}

/** Picks a 64 × 48 PNG drawn in `page` with its file picker; resolves to its bytes. */
async function pickPicture(page: Page, name: string): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = await page.evaluate(async (name) => {
    const canvas = document.createElement("canvas");
    canvas.width = 64;
    canvas.height = 48;
    const context = canvas.getContext("2d");
    context.fillStyle = "#1f8a4c";
    context.fillRect(0, 0, 64, 48);
    const blob = await new Promise<Blob | null>((done) => canvas.toBlob(done, "image/png"));
    const data = new DataTransfer();
    data.items.add(new File([blob!], name, { type: "image/png" }));
    const picker = document.querySelector("#file-picker")!;
    picker.files = data.files;
    picker.dispatchEvent(new Event("change", { bubbles: true }));
    return [...new Uint8Array(await blob!.arrayBuffer())];
  }, name);
  return new Uint8Array(bytes);
}

testWith(
  ["chromium"],
  "web page with a password: uploads carry it, links the token; a file shared privately",
  async (t) => {
    const password = "open sesame";
    await using server = await startWebServer({ password });
    const webPort = server.webAddr!.port;
    await using annBrowser = await ChatBrowser.launch();
    await using bobBrowser = await ChatBrowser.launch();
    const ann = await annBrowser.open(pageUrl(webPort));
    await joinWithPassword(ann, "ann", password);
    const bob = await bobBrowser.open(pageUrl(webPort));
    await joinWithPassword(bob, "bob", password);
    await using carl = await TestClient.connect(server.addr.port);
    await carl.send({ type: "hello", version: 2, name: "carl", password });
    await carl.sync();

    await t.step("a picture's thumbnail and link carry the token downloads need", async () => {
      const bytes = await pickPicture(ann, "green.png");
      const file = await nextFile(carl, "green.png");
      assert.equal(file.id, await fileId(bytes));
      const image = bob.locator(`#log .attachment.picture img[alt="green.png"]`);
      await image.waitFor();
      await waitFor(
        () => image.evaluate((node) => (node as unknown as { naturalWidth: number }).naturalWidth),
        (width) => width === 64,
        WAIT_MS,
        (width) => `the thumbnail to load; it is ${width} px wide`,
      );
      const href = (await image.locator("xpath=..").getAttribute("href"))!;
      assert.match(href, new RegExp(`^${file.url}\\?token=[A-Za-z0-9_-]{32}$`));
      assert.equal(await image.getAttribute("src"), href);
      const full = await fetchBytes(webPort, href);
      assert.ok(full.length === bytes.length && full.every((byte, i) => byte === bytes[i]));
      // Without the token, the file is not served.
      const bare = await fetch(`http://${LOOPBACK}:${webPort}${file.url}`);
      assert.equal(bare.status, 401);
      await bare.body?.cancel();
      // The link's token is not bob's upload token: whoever gets the link cannot upload as bob.
      const token = new URL(href, "http://page").searchParams.get("token")!;
      const spoofed = await fetch(`http://${LOOPBACK}:${webPort}/files`, {
        method: "POST",
        body: "not bob's",
        headers: { authorization: `Bearer ${token}`, "x-chat-password": password },
      });
      assert.equal(spoofed.status, 401);
      assert.equal((await spoofed.json()).error, "token_unknown");
    });

    await t.step("a file shared in a private view goes to that person alone", async () => {
      await ann.locator("#members button.member-button", { hasText: /^bob$/ }).click();
      await ann.locator("#room-name", { hasText: /^@bob$/ }).waitFor();
      await ann.locator("#file-picker").setInputFiles(
        upload("for bob.txt", new TextEncoder().encode("only for bob")),
      );
      const line = await waitForLine(bob, "private", "for bob.txt");
      const href = (await line.locator(".download-button").getAttribute("href"))!;
      assert.match(href, /\?token=/);
      assert.equal(
        new TextDecoder().decode(await fetchBytes(webPort, href)),
        "only for bob",
      );
      await carl.sync();
      assert.equal(carl.frames.some((frame) => JSON.stringify(frame).includes("for bob")), false);
    });
    for (const browser of [annBrowser, bobBrowser]) {
      assert.deepEqual(browser.unexpectedProblems([/Failed to load resource/]), []);
    }
  },
);

/** Rewrites the `files` of every `welcome` the page gets from the server with `change`. */
async function rewriteWelcome(
  page: Page,
  change: (files: Record<string, unknown>) => Record<string, unknown> | undefined,
): Promise<void> {
  await page.routeWebSocket(/\/ws$/, (socket) => {
    const server = socket.connectToServer();
    socket.onMessage((message) => server.send(message));
    server.onMessage((message) => {
      if (typeof message !== "string") return socket.send(message);
      const lines = message.split("\n").map((line) => {
        const welcome = line.startsWith("{") ? JSON.parse(line) : undefined;
        if (welcome?.type !== "welcome") return line;
        const files = change(welcome.files);
        if (files === undefined) delete welcome.files;
        else welcome.files = files;
        return JSON.stringify(welcome);
      });
      socket.send(lines.join("\n"));
    });
  });
}
