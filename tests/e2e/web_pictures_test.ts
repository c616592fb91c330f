/**
 * Pictures in the log: a newcomer whose room's history holds pictures sees
 * its newest line once they have loaded, not a log left short of the bottom
 * by their height; a damaged picture is a card to download it with (one cut
 * short too, which the browser would draw half of, and one larger than the
 * server serves inline), and so is one the server no longer has, the log
 * still at its newest line. The
 * real page runs in Chromium against a real server; the one who shared them
 * is a protocol client.
 */

import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import type { Page } from "./_playwright.ts";
import { LOOPBACK, TestClient } from "../_test_utils.ts";
import { ChatBrowser, startWebServer, WAIT_MS, waitForLine, webUrl } from "./_browser.ts";
import { testWith } from "./_needs.ts";
import { waitFor } from "./_tmux.ts";
import { says } from "./_web_rooms.ts";

/** The CRC-32 of `bytes`, as PNG chunks carry it. */
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A PNG chunk of `type` holding `data`. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const body = new Uint8Array(4 + data.length);
  body.set(new TextEncoder().encode(type));
  body.set(data, 4);
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(body, 4);
  view.setUint32(8 + data.length, crc32(body));
  return out;
}

/** A PNG picture `width` by `height` pixels of one colour. */
function png(
  width: number,
  height: number,
  rgb: [number, number, number],
): Uint8Array<ArrayBuffer> {
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits per sample, RGB, no interlace
  const row = [0, ...Array.from({ length: width }, () => rgb).flat()];
  const pixels = Uint8Array.from(Array.from({ length: height }, () => row).flat());
  const parts = [
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", new Uint8Array(deflateSync(pixels))),
    chunk("IEND", new Uint8Array()),
  ];
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}

/** Uploads `bytes` as `name` with `client`'s token and shares it in #lobby. */
async function sharePicture(
  client: TestClient,
  bytes: Uint8Array<ArrayBuffer>,
  name: string,
): Promise<void> {
  const files = client.all("welcome")[0]?.files;
  assert.ok(files !== undefined, "a welcome without files");
  const response = await fetch(`http://${LOOPBACK}:${files.port}/files`, {
    method: "POST",
    body: bytes,
    headers: { authorization: `Bearer ${files.token}`, "x-file-name": name },
  });
  const stored = await response.json();
  assert.equal(response.status, 201, JSON.stringify(stored));
  await client.send({ type: "file", id: stored.id, room: "#lobby", cid: name.replace(".", "-") });
  await client.next("message", (frame) => frame.file?.name === name);
}

/** How far the log on the page is from its bottom, in CSS pixels. */
function fromBottom(page: Page): Promise<number> {
  return page.locator("#log .log").evaluate((log) =>
    log.scrollHeight - log.scrollTop - log.clientHeight
  );
}

/** Waits for the log to show its newest line, at its very bottom. */
async function atBottom(page: Page): Promise<void> {
  await waitFor(
    () => fromBottom(page),
    (distance) => distance <= 1,
    WAIT_MS,
    (distance) => `for the log to be at its bottom; it is ${distance} px above it`,
  );
}

testWith(
  ["chromium"],
  "web page: a newcomer's log of pictures stays at the newest line once they have loaded",
  async () => {
    await using server = await startWebServer();
    await using bob = await TestClient.join2(server.addr.port, "bob");
    await sharePicture(bob, png(300, 220, [192, 53, 43]), "red.png");
    await sharePicture(bob, png(300, 220, [37, 99, 201]), "blue.png");
    await sharePicture(bob, png(300, 220, [31, 138, 76]), "green.png");
    await says(bob, "the newest line");

    await using browser = await ChatBrowser.launch({ viewport: { width: 1000, height: 600 } });
    const page = await browser.openAs(webUrl(server), "ann");
    await waitForLine(page, "message", "the newest line");
    // Each picture shown has its height; the log follows the newest line all along.
    await waitFor(
      () => page.locator("#log img").evaluateAll((images) => images.map((image) => image.height)),
      (heights) => heights.length === 3 && heights.every((height) => height >= 200),
      WAIT_MS,
      (heights) => `for three pictures to load; their heights are ${JSON.stringify(heights)}`,
    );
    await atBottom(page);
    assert.ok(await page.locator("#new-messages").isHidden(), "a new messages button");
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: a picture the browser cannot show becomes a card to download it with",
  async () => {
    await using server = await startWebServer();
    await using bob = await TestClient.join2(server.addr.port, "bob");
    // A PNG's first bytes, then nothing a browser can draw: cut short on its way, say.
    const damaged = png(300, 220, [192, 53, 43]).slice(0, 40);
    await sharePicture(bob, damaged, "damaged.png");
    await says(bob, "the newest line");

    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "ann");
    const line = await waitForLine(page, "shared-file", "damaged.png");
    await line.locator(".attachment.card .file-name", { hasText: "damaged.png" }).waitFor();
    assert.equal(await line.locator("img").count(), 0, "a broken picture");
    const download = line.locator(".download-button");
    assert.equal(await download.getAttribute("download"), "damaged.png");
    assert.deepEqual(browser.unexpectedProblems([/Failed to load resource/]), []);
  },
);

testWith(
  ["chromium"],
  "web page: a picture larger than the server shows inline is a card to download it with",
  async () => {
    await using server = await startWebServer();
    await using bob = await TestClient.join2(server.addr.port, "bob");
    // Whole, and small to send, but wider than the 8192 pixels a side the server draws inline:
    // a few kilobytes may say far more pixels than a viewer's memory holds.
    await sharePicture(bob, png(8193, 1, [37, 99, 201]), "wide.png");
    await sharePicture(bob, png(8192, 1, [37, 99, 201]), "fits.png");
    await says(bob, "the newest line");
    const shared = bob.all("message").filter((frame) => frame.file !== undefined);
    assert.deepEqual(shared.map((frame) => [frame.file?.name, frame.file?.type]), [
      ["wide.png", "application/octet-stream"],
      ["fits.png", "image/png"],
    ]);

    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "ann");
    await waitForLine(page, "message", "the newest line");
    const wide = await waitForLine(page, "shared-file", "wide.png");
    await wide.locator(".attachment.card .file-name", { hasText: "wide.png" }).waitFor();
    assert.equal(await wide.locator("img").count(), 0, "wide.png is drawn as a picture");
    assert.equal(await wide.locator(".download-button").getAttribute("download"), "wide.png");
    const fits = await waitForLine(page, "shared-file", "fits.png");
    await fits.locator('.attachment.picture img[alt="fits.png"]').waitFor();
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: a picture cut short, which the browser would draw half of, is a card to download it with",
  async () => {
    await using server = await startWebServer();
    await using bob = await TestClient.join2(server.addr.port, "bob");
    // A picture's first 3000 bytes (`head -c 3000`): Chromium draws what they hold, 800 by
    // 1600 pixels, and tells of no error. And a PNG's header followed by zeros.
    const tall = png(800, 1600, [37, 99, 201]);
    assert.ok(tall.length > 3000, `the picture is ${tall.length} bytes`);
    await sharePicture(bob, tall.slice(0, 3000), "cut.png");
    await sharePicture(
      bob,
      Uint8Array.from([...tall.subarray(0, 33), ...new Uint8Array(4000)]),
      "zeros.png",
    );
    await says(bob, "the newest line");

    await using browser = await ChatBrowser.launch();
    const page = await browser.openAs(webUrl(server), "ann");
    await waitForLine(page, "message", "the newest line");
    for (const name of ["cut.png", "zeros.png"]) {
      const line = await waitForLine(page, "shared-file", name);
      await line.locator(".attachment.card .file-name", { hasText: name }).waitFor();
      assert.equal(await line.locator("img").count(), 0, `${name} is drawn as a picture`);
      const download = line.locator(".download-button");
      assert.ok(await download.isVisible(), `${name} has no Download`);
      assert.equal(await download.getAttribute("download"), name);
    }
    assert.deepEqual(browser.unexpectedProblems(), []);
  },
);

testWith(
  ["chromium"],
  "web page: a picture no longer on the server leaves the log at the newest line",
  async () => {
    // A store of 8 KiB: two files of 4 KiB shared after the picture push the picture out.
    await using server = await startWebServer({ filesQuota: 8 / 1024, maxFile: 8 / 1024 });
    await using bob = await TestClient.join2(server.addr.port, "bob");
    for (let i = 1; i <= 20; i++) await says(bob, `line ${i}`);
    await sharePicture(bob, png(300, 220, [192, 53, 43]), "gone.png");
    const picture = server.files!.list()[0]!;
    await sharePicture(bob, new TextEncoder().encode("x".repeat(4096)), "notes.txt");
    await sharePicture(bob, new TextEncoder().encode("y".repeat(4096)), "more.txt");
    assert.equal(server.files!.get(picture.id), undefined, "the picture is still stored");
    await says(bob, "the newest line");

    await using browser = await ChatBrowser.launch({ viewport: { width: 1000, height: 500 } });
    const page = await browser.openAs(webUrl(server), "ann");
    await waitForLine(page, "message", "the newest line");
    // The picture's address finds nothing: it is a card, taller than a picture that failed.
    const line = await waitForLine(page, "shared-file", "gone.png");
    await line.locator(".attachment.card .file-name", { hasText: "gone.png" }).waitFor();
    await atBottom(page);
    assert.ok(await page.locator("#new-messages").isHidden(), "a new messages button");
    assert.deepEqual(browser.unexpectedProblems([/Failed to load resource/]), []);
  },
);
