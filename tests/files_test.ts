/**
 * The shared files over the web port, through the real server and fetch:
 * uploads and downloads, the limits, the headers that keep a file from
 * running, the quota, a restart and the temporary directory of `--memory`.
 */

import assert from "node:assert/strict";
import { chatTaskFlags } from "../bench/processes.ts";
import { type ChatServer, type ServerOptions, startServer } from "../server.ts";
import { FileStore } from "../server/files/store.ts";
import { LOOPBACK, waitUntil, within } from "./_test_utils.ts";
import { type HttpAnswer, RawHttp } from "./_raw_http.ts";

const MIB = 1024 * 1024;

/** Where files are uploaded to, and the token to show. */
interface Target {
  /** The web port's URL, without a path. */
  readonly base: string;
  readonly token: string;
}

/** A server with its web port on loopback, and the upload token of "alice". */
interface FileServer extends Target, AsyncDisposable {
  readonly server: ChatServer;
}

async function fileServer(options: ServerOptions = {}): Promise<FileServer> {
  const server = await startServer({ hostname: LOOPBACK, port: 0, webPort: 0, ...options });
  const token = server.uploadTokens!.issue({ name: "alice" });
  return {
    server,
    base: `http://${LOOPBACK}:${server.webAddr!.port}`,
    token,
    [Symbol.asyncDispose]: () => server.close(),
  };
}

async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "chat_files_test_" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

function randomBytes(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += 65_536) {
    crypto.getRandomValues(bytes.subarray(offset, offset + 65_536));
  }
  return bytes;
}

async function upload(
  files: Target,
  body: BodyInit,
  name: string,
  headers: Record<string, string> = {},
  client?: Deno.HttpClient,
): Promise<Response> {
  return await within(
    fetch(`${files.base}/files`, {
      method: "POST",
      body,
      ...(client === undefined ? {} : { client }),
      headers: {
        authorization: `Bearer ${files.token}`,
        "x-file-name": encodeURIComponent(name),
        ...headers,
      },
    }),
    30_000,
    "the upload's answer",
  );
}

/** Uploads `body` and returns the 201 answer's JSON. */
async function stored(files: Target, body: BodyInit, name: string, client?: Deno.HttpClient) {
  const response = await upload(files, body, name, {}, client);
  const answer = await response.json();
  assert.equal(response.status, 201, JSON.stringify(answer));
  return answer as { id: string; name: string; size: number; type: string; url: string };
}

/** The names in a directory, sorted. */
async function names(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) found.push(entry.name);
  return found.sort();
}

/** A body of `count` chunks of `size` random bytes, streamed: its length is told nowhere. */
function streamed(count: number, size: number): ReadableStream<Uint8Array> {
  const chunk = randomBytes(size);
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ < count) controller.enqueue(chunk.slice());
      else controller.close();
    },
  });
}

Deno.test("POST /files stores a 5 MiB file that GET serves back byte for byte", async () => {
  await using files = await fileServer();
  const bytes = randomBytes(5 * MIB);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const id = digest.toHex();
  const answer = await stored(files, bytes, "dump/../ü data.bin");
  assert.deepEqual(answer, {
    id,
    name: "ü data.bin",
    size: 5 * MIB,
    type: "application/octet-stream",
    url: `/files/${id}/${encodeURIComponent("ü data.bin")}`,
  });
  assert.equal(files.server.files!.get(id)?.uploader, "alice");
  const response = await fetch(files.base + answer.url);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-length"), String(5 * MIB));
  assert.equal(response.headers.get("content-type"), "application/octet-stream");
  assert.match(response.headers.get("content-disposition")!, /^attachment; /);
  assert.deepEqual(new Uint8Array(await response.arrayBuffer()), bytes);
  // Fetched again by one who has it: not sent again.
  const etag = response.headers.get("etag")!;
  assert.equal(etag, `"${id}"`);
  const again = await fetch(files.base + answer.url, { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);
  assert.equal(again.headers.get("etag"), etag);
  assert.equal((await again.arrayBuffer()).byteLength, 0);
  const missing = await fetch(`${files.base}/files/${"0".repeat(64)}/x`);
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
});

Deno.test("POST /files refuses a file over --max-file with 413 and stores nothing", async (t) => {
  await using files = await fileServer({ maxFile: 64 / 1024 });
  await t.step("when its length is declared", async () => {
    const response = await upload(files, randomBytes(65 * 1024), "big.bin");
    assert.equal(response.status, 413);
    assert.deepEqual(await response.json(), {
      error: "too_large",
      message: "Cannot store the file: it is larger than 64 KiB, the largest this server takes",
    });
  });
  await t.step("when it is streamed without a length", async () => {
    const response = await upload(files, streamed(8, 16 * 1024), "big.bin");
    assert.equal(response.status, 413);
    assert.equal((await response.json()).error, "too_large");
  });
  assert.deepEqual(files.server.files!.list(), []);
  const dir = files.server.files!.dir!;
  assert.deepEqual(await names(dir), ["partial"], "no file and no index");
  assert.deepEqual(await names(`${dir}/partial`), [], "no partial upload left");
  // A file at the limit is still taken.
  await stored(files, randomBytes(64 * 1024), "fits.bin");
});

Deno.test("POST /files refuses a file over --files-quota saying the store has no room for it", async (t) => {
  await using files = await fileServer({ filesQuota: 64 / 1024 });
  const noRoom = {
    error: "too_large",
    message:
      "Cannot store the file: it is larger than 64 KiB, all the room this server's file store has",
  };
  await t.step("at once when Content-Length says so", async () => {
    const response = await upload(files, randomBytes(65 * 1024), "big.bin");
    assert.equal(response.status, 413);
    assert.deepEqual(await response.json(), noRoom);
  });
  await t.step("at once when X-File-Size says so, before any byte of a chunked body", async () => {
    let body!: ReadableStreamDefaultController<Uint8Array>;
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => void (body = controller),
    });
    try {
      const response = await upload(files, stream, "big.bin", { "x-file-size": String(65 * 1024) });
      assert.equal(response.status, 413);
      assert.deepEqual(await response.json(), noRoom);
    } finally {
      body.close();
    }
  });
  await t.step("as soon as the bytes of a body of no told size pass it", async () => {
    const response = await upload(files, streamed(8, 16 * 1024), "big.bin");
    assert.equal(response.status, 413);
    assert.deepEqual(await response.json(), noRoom);
  });
  await t.step("over --max-file too: the store, the tighter, is what it is told", async () => {
    let body!: ReadableStreamDefaultController<Uint8Array>;
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => void (body = controller),
    });
    try {
      const size = String(26 * 1024 * 1024);
      const response = await upload(files, stream, "big.iso", { "x-file-size": size });
      assert.equal(response.status, 413);
      assert.deepEqual(await response.json(), noRoom);
    } finally {
      body.close();
    }
  });
  assert.deepEqual(files.server.files!.list(), []);
  // A file as large as the whole store is still taken.
  await stored(files, randomBytes(64 * 1024), "fits.bin");
});

Deno.test("POST /files holds the uploads under way together to the room of the file store", async (t) => {
  await using files = await fileServer({ filesQuota: 64 / 1024, maxFile: 64 / 1024 });
  /** The sizes of the uploads under way; the store makes its directory at the first. */
  const partial = () => {
    const dir = files.server.files!.dir;
    if (dir === undefined) return [];
    return Deno.readDirSync(`${dir}/partial`).toArray()
      .map((entry) => Deno.statSync(`${dir}/partial/${entry.name}`).size);
  };
  const busy = {
    error: "busy",
    message:
      "Cannot store the file: the uploads under way fill the room of the file store; try again in a moment",
  };
  // 40 KiB of a 64 KiB file come, then the sender holds the rest.
  await using first = await RawHttp.open(files.server.webAddr!.port);
  await first.send(
    `${first.head("/files", "POST")}authorization: Bearer ${files.token}\r\n` +
      `content-length: ${64 * 1024}\r\n\r\n${"a".repeat(40 * 1024)}`,
  );
  await waitUntil(() => partial()[0] === 40 * 1024, 5_000, "40 KiB under way");
  await t.step("at once when Content-Length says the bytes would not fit", async () => {
    const response = await upload(files, randomBytes(32 * 1024), "second.bin");
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "5");
    assert.deepEqual(await response.json(), busy);
  });
  await t.step("as soon as the bytes of a body of no told size would not fit", async () => {
    const response = await upload(files, streamed(4, 8 * 1024), "second.bin");
    assert.equal(response.status, 503);
    assert.deepEqual(await response.json(), busy);
  });
  assert.deepEqual(partial(), [40 * 1024]);
  await first.send("b".repeat(24 * 1024));
  assert.equal((await first.answer()).status, 201);
  // Stored, the first no longer holds room for uploads: the second is taken.
  await stored(files, randomBytes(32 * 1024), "second.bin");
  assert.deepEqual(partial(), []);
});

Deno.test("GET /files serves HTML, SVG and a PNG cut short as inert attachments, a PNG inline", async () => {
  await using files = await fileServer();
  const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';
  const html = "<!doctype html><html><body><script>alert(document.cookie)</script></body></html>";
  for (const [name, text] of [["x.svg", svg], ["x.html", html]] as const) {
    const answer = await stored(files, text, name);
    // What the client claims is never believed.
    assert.equal(answer.type, "text/plain; charset=utf-8");
    const response = await fetch(files.base + answer.url, { headers: { accept: "text/html" } });
    assert.equal(response.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(
      response.headers.get("content-disposition"),
      `attachment; filename="${name}"; filename*=UTF-8''${name}`,
    );
    assert.equal(response.headers.get("content-security-policy"), "sandbox; default-src 'none'");
    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    assert.equal(await response.text(), text);
  }
  // A whole PNG: its signature, its header chunk (IHDR) and its last chunk (IEND).
  const png = Uint8Array.from([
    ...[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    ...[0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0],
    ...[0x90, 0x77, 0x53, 0xde],
    ...[0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82],
  ]);
  const answer = await stored(files, png, "shot.png");
  assert.equal(answer.type, "image/png");
  const response = await fetch(files.base + answer.url);
  assert.equal(response.headers.get("content-type"), "image/png");
  assert.match(response.headers.get("content-disposition")!, /^inline; filename="shot.png"/);
  assert.equal(response.headers.get("content-security-policy"), "sandbox; default-src 'none'");
  assert.deepEqual(new Uint8Array(await response.arrayBuffer()), png);
  // Cut short, it is no picture a browser should draw: a file to download.
  const cut = await stored(files, png.slice(0, 20), "cut.png");
  assert.equal(cut.type, "application/octet-stream");
  const download = await fetch(files.base + cut.url);
  assert.equal(download.headers.get("content-type"), "application/octet-stream");
  assert.match(download.headers.get("content-disposition")!, /^attachment; filename="cut.png"/);
  await download.body?.cancel();
});

/** A PNG whose header says `width` by `height`, without pixels: its size is all the server reads. */
function pngClaiming(width: number, height: number): Uint8Array<ArrayBuffer> {
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 2, 0, 0, 0], 8);
  return Uint8Array.from([
    ...[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    ...[0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, ...header, 0, 0, 0, 0],
    ...[0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82],
  ]);
}

Deno.test("POST /files serves a picture of more pixels than a browser should draw as a file to download", async () => {
  await using files = await fileServer();
  // 20000 × 20000: a gigabyte and more once decoded, in every browser that shows it.
  const huge = await stored(files, pngClaiming(20000, 20000), "huge.png");
  assert.equal(huge.type, "application/octet-stream");
  const download = await fetch(files.base + huge.url);
  assert.equal(download.headers.get("content-type"), "application/octet-stream");
  assert.match(download.headers.get("content-disposition")!, /^attachment; filename="huge.png"/);
  await download.body?.cancel();
  // Within 8192 a side and 50 million pixels in all, it is a picture.
  const photo = await stored(files, pngClaiming(8160, 6120), "photo.png");
  assert.equal(photo.type, "image/png");
  const shown = await fetch(files.base + photo.url);
  assert.match(shown.headers.get("content-disposition")!, /^inline; filename="photo.png"/);
  await shown.body?.cancel();
});

Deno.test("POST /files removes the oldest files first to stay within the quota", async () => {
  await using files = await fileServer({ filesQuota: 3 / 1024, maxFile: 3 / 1024 });
  const first = await stored(files, randomBytes(1024), "first");
  const second = await stored(files, randomBytes(1024), "second");
  const third = await stored(files, randomBytes(1024), "third");
  const fourth = await stored(files, randomBytes(1024), "fourth");
  assert.deepEqual(files.server.files!.list().map((file) => file.name), [
    "second",
    "third",
    "fourth",
  ]);
  const gone = await fetch(files.base + first.url);
  assert.equal(gone.status, 404);
  await gone.body?.cancel();
  assert.equal(files.server.files!.totalBytes, 3 * 1024);
  assert.ok(!(await names(files.server.files!.dir!)).includes(first.id));
  for (const kept of [second, third, fourth]) {
    const response = await fetch(files.base + kept.url);
    assert.equal(response.status, 200);
    await response.body?.cancel();
  }
});

Deno.test("FileStore removes uploads never shared before any shared file to make room", async () => {
  await using dir = await tempDir();
  await using store = await FileStore.open({
    dir: dir.path,
    maxFileBytes: 3 * 1024,
    quotaBytes: 3 * 1024,
  });
  async function* body() {
    yield randomBytes(1024);
  }
  async function put(name: string, share: boolean) {
    const result = await store.put(body(), { name, uploader: "ann" });
    assert.ok(result.ok);
    if (share) await store.shared(result.file.id, name, "ann");
  }
  await put("shared-1", true);
  await put("never-shared-1", false);
  await put("never-shared-2", false);
  await put("shared-2", true);
  // Made room for: the oldest upload nobody shared, not the oldest file.
  assert.deepEqual(store.list().map((file) => file.name), [
    "shared-1",
    "never-shared-2",
    "shared-2",
  ]);
  await put("never-shared-3", false);
  assert.deepEqual(store.list().map((file) => file.name), [
    "shared-1",
    "shared-2",
    "never-shared-3",
  ]);
  await put("shared-3", true);
  assert.deepEqual(store.list().map((file) => file.name), ["shared-1", "shared-2", "shared-3"]);
  // With no upload left unshared, the oldest shared file goes.
  await put("shared-4", true);
  assert.deepEqual(store.list().map((file) => file.name), ["shared-2", "shared-3", "shared-4"]);
});

Deno.test("FileStore removes an upload just made, not shared yet, before any shared file", async () => {
  await using dir = await tempDir();
  await using store = await FileStore.open({ dir: dir.path, maxFileBytes: 1024, quotaBytes: 3072 });
  async function* body() {
    yield randomBytes(1024);
  }
  const first = await store.put(body(), { name: "shared", uploader: "ann" });
  assert.ok(first.ok);
  await store.shared(first.file.id, "shared", "ann");
  for (const name of ["waiting", "newer", "newest"]) {
    assert.ok((await store.put(body(), { name, uploader: "bob" })).ok);
  }
  // However young, an upload nobody shared makes room before the shared file does.
  assert.deepEqual(store.list().map((file) => file.name), ["shared", "newer", "newest"]);
});

Deno.test("FileStore refuses an upload over half its room that only shared files could make room for", async () => {
  await using dir = await tempDir();
  await using store = await FileStore.open({ dir: dir.path, maxFileBytes: 4096, quotaBytes: 4096 });
  async function* body(size: number) {
    yield randomBytes(size);
  }
  for (const name of ["old", "older"]) {
    const result = await store.put(body(2048), { name, uploader: "ann" });
    assert.ok(result.ok);
    await store.shared(result.file.id, name, "ann");
  }
  const large = await store.put(body(2049), { name: "large", uploader: "mallory" });
  assert.deepEqual(
    large.ok ? large : { ok: large.ok, code: large.code },
    { ok: false, code: "busy" },
  );
  assert.equal(
    large.ok ? "" : large.message,
    `Cannot store the file: the server's file store (4 KiB) has no room left for it, and a ` +
      "file over half of it (2 KiB) cannot push older files out; try a smaller file, or ask " +
      "the host to raise --files-quota",
  );
  assert.deepEqual(store.list().map((file) => file.name), ["old", "older"]);
  const stored = async () => (await names(dir.path)).filter((name) => /^[0-9a-f]{64}$/.test(name));
  assert.equal((await stored()).length, 2, "nothing of it is kept");
  // Half the room or less, it is taken: the oldest shared file makes room for it.
  assert.ok((await store.put(body(2048), { name: "half", uploader: "bob" })).ok);
  assert.deepEqual(store.list().map((file) => file.name), ["older", "half"]);
  // Shared already (another server of a cluster shared it), it pushes out what it must.
  assert.ok((await store.put(body(3072), { name: "mirrored", uploader: "cy", shared: true })).ok);
  assert.deepEqual(store.list().map((file) => file.name), ["mirrored"]);
  assert.equal((await stored()).length, 1);
});

Deno.test("FileStore reads an index of files with no word of sharing as shared files", async () => {
  await using dir = await tempDir();
  const bytes = randomBytes(1024);
  const id = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)).toHex();
  await Deno.mkdir(`${dir.path}/partial`);
  await Deno.writeFile(`${dir.path}/${id}`, bytes);
  const old = {
    id,
    name: "old.bin",
    size: 1024,
    type: "application/octet-stream",
    uploadedAt: 1,
    uploader: "ann",
  };
  await Deno.writeTextFile(`${dir.path}/index.json`, JSON.stringify([old]));
  await using store = await FileStore.open({
    dir: dir.path,
    maxFileBytes: 2048,
    quotaBytes: 2048,
  });
  async function* body() {
    yield randomBytes(1024);
  }
  assert.ok((await store.put(body(), { name: "unshared-1", uploader: "bob" })).ok);
  assert.ok((await store.put(body(), { name: "unshared-2", uploader: "bob" })).ok);
  assert.deepEqual(store.list().map((file) => file.name), ["old.bin", "unshared-2"]);
});

Deno.test("startServer() with a files directory keeps the files across a restart", async () => {
  await using dir = await tempDir();
  const bytes = randomBytes(100_000);
  let answer;
  {
    await using files = await fileServer({ filesDir: dir.path });
    answer = await stored(files, bytes, "kept.bin");
  }
  await using files = await fileServer({ filesDir: dir.path });
  assert.deepEqual(files.server.files!.get(answer.id)?.name, "kept.bin");
  const response = await fetch(files.base + answer.url);
  assert.equal(response.status, 200);
  assert.deepEqual(new Uint8Array(await response.arrayBuffer()), bytes);
});

Deno.test("GET /files of a password server tells a browser in words how to open a link", async (t) => {
  await using files = await fileServer({ password: "sesame" });
  const stored = await upload(files, "x", "x.txt", { "x-chat-password": "sesame" });
  const { url } = await stored.json();
  // What a browser sends when a link is opened, and what a program sends.
  const browser = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };
  const open = "Open the file from the chat: on its page, or with /get LINK in chat join, " +
    "which adds your token.\n";
  const cases = [
    {
      what: "a link without a token",
      query: "",
      code: "token_required",
      said: "Cannot download this file: this chat has a password, so a link opens only with the " +
        `token of someone connected to it. ${open}`,
    },
    {
      what: "a link with the token of someone gone",
      query: "?token=gone",
      code: "token_unknown",
      said: "Cannot download this file: the link carries the token of someone no longer " +
        `connected to the chat. ${open}`,
    },
  ];
  for (const { what, query, code, said } of cases) {
    await t.step(what, async () => {
      const read = await fetch(files.base + url + query, { headers: browser });
      assert.equal(read.status, 401);
      assert.equal(read.headers.get("content-type"), "text/plain; charset=utf-8");
      assert.equal(read.headers.get("x-content-type-options"), "nosniff");
      assert.equal(await read.text(), said);
      // A program still gets the code to branch on.
      const program = await fetch(files.base + url + query);
      assert.equal(program.status, 401);
      assert.equal((await program.json()).error, code);
    });
  }
});

Deno.test("startServer() without a files directory removes its temporary one at close", async () => {
  let dir: string;
  {
    await using files = await fileServer();
    await stored(files, "hello", "hello.txt");
    dir = files.server.files!.dir!;
    assert.ok((await Deno.stat(dir)).isDirectory);
  }
  await assert.rejects(Deno.stat(dir), Deno.errors.NotFound);
});

Deno.test("POST /files needs a connected user's token, and the password when there is one", async () => {
  await using files = await fileServer({ password: "sesame" });
  const noToken = await upload(files, "x", "x.txt", {
    authorization: "",
    "x-chat-password": "sesame",
  });
  assert.equal(noToken.status, 401);
  assert.equal((await noToken.json()).error, "token_required");
  const noPassword = await upload(files, "x", "x.txt");
  assert.equal(noPassword.status, 403);
  assert.equal((await noPassword.json()).error, "password_required");
  const right = await upload(files, "x", "x.txt", { "x-chat-password": "sesame" });
  assert.equal(right.status, 201);
  const { url } = await right.json();
  // With a password, a download needs a token too.
  const anonymous = await fetch(files.base + url);
  assert.equal(anonymous.status, 401);
  await anonymous.body?.cancel();
  const download = files.server.uploadTokens!.downloadToken(files.token)!;
  const withToken = await fetch(`${files.base}${url}?token=${download}`);
  assert.equal(await withToken.text(), "x");
  // The token of a link downloads, and only that.
  const linkToken = await upload(files, "y", "y.txt", {
    authorization: `Bearer ${download}`,
    "x-chat-password": "sesame",
  });
  assert.equal(linkToken.status, 401);
  assert.equal((await linkToken.json()).error, "token_unknown");
  // An upload shows its token in Authorization, never in the query a link has.
  const inQuery = await fetch(`${files.base}/files?token=${files.token}`, {
    method: "POST",
    body: "y",
    headers: { "x-file-name": "y.txt", "x-chat-password": "sesame" },
  });
  assert.equal(inQuery.status, 401);
  assert.match((await inQuery.json()).message, /as Authorization: Bearer TOKEN$/);
  // The password is checked first: without it, a token in the query or none is not told of.
  for (const query of [`?token=${files.token}`, ""]) {
    const noPassword = await fetch(`${files.base}/files${query}`, {
      method: "POST",
      body: "y",
      headers: { "x-file-name": "y.txt" },
    });
    assert.equal(noPassword.status, 403, query);
    assert.equal((await noPassword.json()).error, "password_required", query);
  }
  files.server.uploadTokens!.revoke(files.token);
  const revoked = await upload(files, "x", "x.txt", { "x-chat-password": "sesame" });
  assert.equal(revoked.status, 401);
  assert.equal((await revoked.json()).error, "token_unknown");
  const gone = await fetch(`${files.base}${url}?token=${download}`);
  assert.equal(gone.status, 401, "a download token ends with its upload token");
  await gone.body?.cancel();
});

Deno.test("POST /files holds a token to the message rate, and stores the same bytes once", async () => {
  await using files = await fileServer({ messageRate: 1 });
  const bytes = randomBytes(1000);
  const first = await stored(files, bytes, "one.bin");
  // A burst of four times the rate, as for messages.
  for (const name of ["two.bin", "three.bin", "four.bin"]) {
    assert.equal((await stored(files, bytes, name)).id, first.id);
  }
  const refused = await upload(files, bytes, "five.bin");
  assert.equal(refused.status, 429);
  assert.equal((await refused.json()).error, "rate_limited");
  // Stored once, under its first name: only a share of it takes another.
  assert.deepEqual(files.server.files!.list().map((file) => file.name), ["one.bin"]);
  assert.equal(files.server.files!.totalBytes, 1000);
});

Deno.test("POST /files keeps nothing of an upload cut off halfway", async () => {
  await using files = await fileServer();
  await stored(files, "first", "first.txt");
  const partial = `${files.server.files!.dir!}/partial`;
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent++ < 4) return controller.enqueue(new Uint8Array(MIB));
      // The upload is under way on the server's side: its partial file is there.
      await waitUntil(() => Deno.readDirSync(partial).some(() => true), 5_000, "a partial file");
      controller.error(new Error("The sender went away"));
    },
  });
  await assert.rejects(upload(files, body, "cut.bin"), TypeError);
  await waitUntil(() => !Deno.readDirSync(partial).some(() => true), 5_000, "no partial file");
  assert.deepEqual(files.server.files!.list().map((file) => file.name), ["first.txt"]);
});

/** A body of `count` chunks of `size` random bytes, made as it is read. */
function chunks(count: number, size: number): ReadableStream<Uint8Array> {
  const chunk = randomBytes(size);
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ < count) controller.enqueue(chunk.slice());
      else controller.close();
    },
  });
}

/** The largest the resident memory of process `pid` has been, in bytes (Linux). */
async function peakMemory(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  assert.ok(kib !== undefined, "VmHWM in /proc/<pid>/status");
  return Number(kib) * 1024;
}

/** A server in a process of its own, so that what it does is measured apart from the test's. */
interface FileServerProcess extends Target, AsyncDisposable {
  readonly port: number;
  readonly pid: number;
}

/** Starts tests/_file_server.ts with `--max-file` of `maxFile` MiB. */
async function fileServerProcess(maxFile: number): Promise<FileServerProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      // V8 as the chat task (and so the binary) sets it.
      ...chatTaskFlags(new URL("..", import.meta.url).pathname)
        .filter((flag) => flag.startsWith("--v8-flags=")),
      new URL("./_file_server.ts", import.meta.url).pathname,
      String(maxFile),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  const stop = async () => {
    await writer.close();
    await within(child.status, 10_000, "the file server to stop");
  };
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let line = "";
    while (!line.includes("\n")) {
      const { value, done } = await within(reader.read(), 30_000, "the server's address");
      if (done) throw new Error("The file server ended before saying its address");
      line += value;
    }
    await reader.cancel();
    const { port, token } = JSON.parse(line);
    return {
      base: `http://${LOOPBACK}:${port}`,
      token,
      port,
      pid: child.pid,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

Deno.test({
  name: "POST /files streams a 150 MiB upload to disk: the server's memory does not grow with it",
  ignore: Deno.build.os !== "linux",
  async fn() {
    await using files = await fileServerProcess(200);
    // A first upload brings the peak to what any upload costs (buffers, the
    // collector's young generation); a second, three times larger, must not raise it.
    // Each on a new connection: a streamed body cannot be sent again if a kept-alive
    // connection turns out closed.
    using client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
    await stored(files, chunks(50, MIB), "warm.bin", client);
    const before = await peakMemory(files.pid);
    const answer = await stored(files, chunks(150, MIB), "big.bin", client);
    assert.equal(answer.size, 150 * MIB);
    const grown = (await peakMemory(files.pid)) - before;
    assert.ok(
      grown < 30 * MIB,
      `the server's peak memory grew by ${(grown / MIB).toFixed(1)} MiB`,
    );
  },
});

Deno.test("FileStore.put() takes all uploads together at its pace, after a burst", async () => {
  await using dir = await tempDir();
  await using store = await FileStore.open({
    dir: dir.path,
    maxFileBytes: 64 * MIB,
    quotaBytes: 64 * MIB,
    uploadBytesPerSecond: 8 * MIB,
  });
  async function* body(mib: number) {
    for (let i = 0; i < mib * 16; i++) yield randomBytes(64 * 1024);
  }
  const started = performance.now();
  // Two uploads of 6 MiB at once: 256 KiB of burst, then the other 11.75 MiB at 8 MiB a second.
  const results = await Promise.all([
    store.put(body(6), { name: "a.bin", uploader: "ann" }),
    store.put(body(6), { name: "b.bin", uploader: "bob" }),
  ]);
  const took = performance.now() - started;
  assert.ok(results.every((result) => result.ok));
  assert.ok(took >= 1400, `12 MiB went through in ${took.toFixed(0)} ms, faster than 8 MiB/s`);
  assert.equal(store.list().length, 2);
  for (const file of store.list()) {
    assert.equal((await Deno.stat(store.pathOf(file.id))).size, 6 * MIB);
  }
});

Deno.test("FileStore.put() counts the same bytes once when two uploads of them end together", async () => {
  await using dir = await tempDir();
  await using store = await FileStore.open({ dir: dir.path, maxFileBytes: MIB, quotaBytes: MIB });
  const bytes = randomBytes(1000);
  const { promise: ended, resolve: end } = Promise.withResolvers<void>();
  async function* body() {
    yield bytes.slice();
    // Both uploads have every byte before either ends.
    await ended;
  }
  const both = Promise.all([
    store.put(body(), { name: "a.bin", uploader: "ann" }),
    store.put(body(), { name: "b.bin", uploader: "ann" }),
  ]);
  await waitUntil(
    () => Deno.readDirSync(`${dir.path}/partial`).toArray().length === 2,
    5_000,
    "two uploads under way",
  );
  end();
  assert.ok((await both).every((result) => result.ok));
  assert.equal(store.list().length, 1);
  assert.equal(store.totalBytes, 1000);
  // Counted twice, the store would seem full and remove the file to make room for a small one.
  async function* rest() {
    yield randomBytes(MIB - 1000);
  }
  assert.ok((await store.put(rest(), { name: "rest.bin", uploader: "ann" })).ok);
  // Stored under the name of whichever upload ended first.
  assert.deepEqual(store.list().map((file) => file.size), [1000, MIB - 1000]);
  assert.equal(store.totalBytes, MIB);
});

Deno.test("POST /files reads the rest of a refused upload at the upload pace, not at full speed", async (t) => {
  await using files = await fileServer();
  await using noFiles = await startServer({
    hostname: LOOPBACK,
    port: 0,
    webPort: 0,
    files: false,
  });
  const refusals = [
    // No token: anyone who reaches the web port can send this.
    { what: "without a token", server: files.server, error: "token_required" },
    { what: "on a server that takes no files", server: noFiles, error: "no_files" },
  ];
  for (const { what, server, error } of refusals) {
    await t.step(what, async () => {
      await using raw = await RawHttp.open(server.webAddr!.port);
      await raw.send(`${raw.head("/files", "POST")}transfer-encoding: chunked\r\n\r\n`);
      const chunk = `100000\r\n${"a".repeat(MIB)}\r\n`;
      const started = performance.now();
      for (let sent = 0; sent < 48; sent++) await within(raw.send(chunk), 10_000, "a chunk taken");
      const took = performance.now() - started;
      // 16 MiB a second, less what the sockets' buffers hold, would take 2 s and more.
      assert.ok(took >= 1_500, `48 MiB refused were read in ${took.toFixed(0)} ms`);
      assert.equal(JSON.parse((await raw.answer()).body).error, error);
    });
  }
});

/** Reads `path` from the web port at `port` over a raw connection; returns the bytes of the body. */
async function rawDownload(port: number, path: string): Promise<number> {
  using conn = await Deno.connect({ hostname: LOOPBACK, port });
  const head = `GET ${path} HTTP/1.1\r\nHost: ${LOOPBACK}:${port}\r\nConnection: close\r\n\r\n`;
  await conn.write(new TextEncoder().encode(head));
  const buffer = new Uint8Array(MIB);
  let total = 0;
  let text = "";
  for (let read = await conn.read(buffer); read !== null; read = await conn.read(buffer)) {
    if (!text.includes("\r\n\r\n")) {
      text += new TextDecoder("latin1").decode(buffer.subarray(0, read));
    }
    total += read;
  }
  return total - text.indexOf("\r\n\r\n") - 4;
}

Deno.test({
  name: "GET /files sends all downloads together at their pace",
  ignore: Deno.build.os !== "linux",
  async fn() {
    await using server = await fileServerProcess(16);
    const { url } = await stored(server, randomBytes(16 * MIB), "big.bin");
    const started = performance.now();
    const sizes = await within(
      Promise.all(Array.from({ length: 4 }, () => rawDownload(server.port, url))),
      20_000,
      "four downloads",
    );
    const took = performance.now() - started;
    assert.deepEqual(sizes, [16 * MIB, 16 * MIB, 16 * MIB, 16 * MIB]);
    // 64 MiB at 32 MiB a second, less what the sockets' buffers hold, take 1.5 s and more.
    assert.ok(took >= 1_000, `4 downloads of 16 MiB took ${took.toFixed(0)} ms`);
  },
});

/** Sends the head of an upload with `Expect: 100-continue` and reads the first answer. */
async function expectContinue(raw: RawHttp, headers: Record<string, string>): Promise<HttpAnswer> {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  await raw.send(`${raw.head("/files", "POST")}expect: 100-continue\r\n${lines.join("")}\r\n`);
  return await raw.answer();
}

Deno.test("POST /files with Expect: 100-continue answers a refusal its headers bring instead of 100 Continue", async (t) => {
  await using files = await fileServer({ maxFile: 64 / 1024, password: "sesame", messageRate: 1 });
  await using noFiles = await startServer({
    hostname: LOOPBACK,
    port: 0,
    webPort: 0,
    files: false,
  });
  const spent = files.server.uploadTokens!.issue({ name: "bob" });
  while (files.server.uploadTokens!.take(spent).ok);
  const token = { authorization: `Bearer ${files.token}` };
  const password = { "x-chat-password": "sesame" };
  const small = { "content-length": "5" };
  const port = files.server.webAddr!.port;
  const tooLarge = String(65 * 1024);
  const refusals = [
    {
      what: "a Content-Length over --max-file",
      headers: { ...token, ...password, "content-length": tooLarge },
      status: 413,
      error: "too_large",
    },
    {
      what: "an X-File-Size over --max-file",
      headers: { ...token, ...password, "transfer-encoding": "chunked", "x-file-size": tooLarge },
      status: 413,
      error: "too_large",
    },
    { what: "no token", headers: { ...password, ...small }, status: 401, error: "token_required" },
    {
      what: "no password",
      headers: { ...token, ...small },
      status: 403,
      error: "password_required",
    },
    {
      what: "a token over its rate",
      headers: { authorization: `Bearer ${spent}`, ...password, ...small },
      status: 429,
      error: "rate_limited",
    },
    {
      what: "a server that takes no files",
      at: noFiles.webAddr!.port,
      headers: { ...token, ...small },
      status: 403,
      error: "no_files",
    },
  ];
  for (const { what, at = port, headers, status, error } of refusals) {
    await t.step(`for ${what}`, async () => {
      await using raw = await RawHttp.open(at);
      const answer = await expectContinue(raw, headers);
      assert.equal(answer.status, status);
      assert.equal(JSON.parse(answer.body).error, error);
      // The body may come or not: the connection cannot carry a next request.
      assert.equal(answer.headers.get("connection"), "close");
      assert.equal(await raw.closed(), "");
    });
  }
  await t.step("and a good upload gets 100 Continue, then 201 once its body is sent", async () => {
    await using raw = await RawHttp.open(port);
    const first = await expectContinue(raw, { ...token, ...password, ...small });
    assert.equal(first.status, 100);
    await raw.send("hello");
    const second = await raw.answer();
    assert.equal(second.status, 201, second.body);
    assert.equal(JSON.parse(second.body).size, 5);
    assert.notEqual(second.headers.get("connection"), "close");
    assert.equal((await raw.get("/")).status, 200);
  });
});

Deno.test("POST /files cuts a trickled upload with 408 too_slow, and frees its room", async () => {
  await using files = await fileServer({
    filesQuota: 64 / 1024,
    maxFile: 64 / 1024,
    slowUploadWindowMs: 500,
  });
  // 40 KiB of a 64 KiB file come, then a byte now and then: the rest of the room is held.
  await using first = await RawHttp.open(files.server.webAddr!.port);
  await first.send(
    `${first.head("/files", "POST")}authorization: Bearer ${files.token}\r\n` +
      `content-length: ${64 * 1024}\r\n\r\n${"a".repeat(40 * 1024)}`,
  );
  const answer = first.answer();
  let answered = false;
  answer.then(() => answered = true, () => answered = true);
  for (let sent = 0; !answered && sent < 100; sent++) {
    await first.send("b");
    // The sender's own pace, a byte every 100 ms: far under the floor.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const cut = await within(answer, 5_000, "the answer to the trickle");
  assert.equal(cut.status, 408);
  assert.deepEqual(JSON.parse(cut.body), {
    error: "too_slow",
    message:
      "Cannot store the file: it came in slower than 4 KiB a second; try again on a better connection",
  });
  // Its room is free: an honest upload of the same size is stored.
  await stored(files, randomBytes(64 * 1024), "honest.bin");
});

Deno.test("FileStore.put() cuts an upload slower than the floor and frees its room", async () => {
  await using dir = await tempDir();
  await using store = await FileStore.open({
    dir: dir.path,
    maxFileBytes: 10 * MIB,
    quotaBytes: 20 * MIB,
    slowUploadWindowMs: 500,
  });
  let trickled = 0;
  /** All but 20 bytes of 10 MiB at once, then a byte every 50 ms: far under the floor. */
  async function* trickle() {
    for (let i = 0; i < 10 * 16 - 1; i++) yield new Uint8Array(64 * 1024);
    yield new Uint8Array(64 * 1024 - 20);
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      trickled++;
      yield new Uint8Array(1);
    }
  }
  const slow = [
    store.put(trickle(), { name: "a.bin", uploader: "eve" }),
    store.put(trickle(), { name: "b.bin", uploader: "eve" }),
  ];
  await waitUntil(() => trickled > 0, 5_000, "the trickle");
  // The trickles hold the room of the uploads under way: an honest upload is refused.
  assert.equal(store.busy(MIB) !== undefined, true);
  for (const result of await within(Promise.all(slow), 10_000, "the slow uploads cut")) {
    assert.deepEqual(result, {
      ok: false,
      code: "too_slow",
      message:
        "Cannot store the file: it came in slower than 4 KiB a second; try again on a better connection",
    });
  }
  // Their room is free again, and nothing of them was kept.
  assert.equal(store.busy(MIB), undefined);
  assert.equal(store.list().length, 0);
  async function* quick() {
    yield new Uint8Array(MIB).fill(7);
  }
  assert.equal((await store.put(quick(), { name: "c.bin", uploader: "ann" })).ok, true);
});
