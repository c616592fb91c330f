/**
 * Sharing a file in a room and with one person: the token `welcome` hands
 * out, the `file` frame, the message every transport receives (version 2
 * JSON, version 1 JSON, plain text) and history, through the real server.
 */

import assert from "node:assert/strict";
import { type ChatServer, type ServerOptions, startServer } from "../server.ts";
import type { FileRef, ServerFrame } from "../protocol.ts";
import { fileNameHeader } from "../core/files.ts";
import { SqliteHistory } from "../server/history/sqlite.ts";
import { parseOpFile } from "../server/hub/moderation.ts";
import { OPENSSL, selfSignedCert } from "./_fault_helpers.ts";
import { assertUnheard, LOOPBACK, TestClient, waitUntil, within } from "./_test_utils.ts";
import { RawHttp } from "./_raw_http.ts";

async function server(options: ServerOptions = {}): Promise<ChatServer> {
  return await startServer({ hostname: LOOPBACK, port: 0, webPort: 0, ...options });
}

/** The `files` of a client's welcome. */
function filesOf(client: TestClient) {
  const files = client.all("welcome")[0]?.files;
  assert.ok(files !== undefined, `welcome without files: ${JSON.stringify(client.frames[0])}`);
  return files;
}

/** Uploads `body` as `name` with `client`'s token; returns the 201 answer. */
async function upload(
  client: TestClient,
  body: Uint8Array<ArrayBuffer> | string,
  name: string,
  headers: Record<string, string> = {},
) {
  const files = filesOf(client);
  const response = await within(
    fetch(`http://${LOOPBACK}:${files.port}/files`, {
      method: "POST",
      body,
      headers: {
        authorization: `Bearer ${files.token}`,
        "x-file-name": encodeURIComponent(name),
        ...headers,
      },
    }),
    10_000,
    "the upload's answer",
  );
  const answer = await response.json();
  assert.equal(response.status, 201, JSON.stringify(answer));
  return answer as { id: string; name: string; size: number; type: string; url: string };
}

/** A plain-text (nc) user called `name`, reading lines. */
async function plainUser(port: number, name: string) {
  const conn = await Deno.connect({ hostname: LOOPBACK, port });
  const lines: string[] = [];
  let wake = () => {};
  const reading = (async () => {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of conn.readable) {
      rest += decoder.decode(chunk, { stream: true });
      const parts = rest.split("\r\n");
      rest = parts.pop()!;
      lines.push(...parts);
      wake();
    }
  })().catch(() => {}).finally(() => wake());
  const write = (text: string) => conn.write(new TextEncoder().encode(text));
  await write(`${name}\r\n`);
  /** The first line matching `pattern`, waiting for it as lines arrive. */
  const waitFor = (pattern: RegExp) =>
    within(
      new Promise<string>((resolve) => {
        const look = () => {
          const found = lines.find((line) => pattern.test(line));
          if (found === undefined) wake = look;
          else resolve(found);
        };
        look();
      }),
      5_000,
      `a line matching ${pattern}`,
    );
  await waitFor(/You are in #lobby/);
  return {
    lines,
    waitFor,
    [Symbol.asyncDispose]: async () => {
      conn.close();
      await reading;
    },
  };
}

Deno.test("welcome gives each user an upload token that works until they leave", async () => {
  await using chat = await server();
  const webPort = chat.webAddr!.port;
  await using ann = await TestClient.join2(chat.addr.port, "ann");
  const files = filesOf(ann);
  assert.equal(files.port, webPort);
  assert.equal(files.maxBytes, 25 * 1024 * 1024);
  assert.equal(files.quotaBytes, 1024 * 1024 * 1024);
  assert.match(files.token, /^[A-Za-z0-9_-]{32}$/);
  assert.equal(files.tls, undefined);
  assert.equal(files.needsToken, undefined);
  await using bob = await TestClient.join2(chat.addr.port, "bob");
  assert.notEqual(filesOf(bob).token, files.token, "each user a token of their own");
  const stored = await upload(ann, "hello", "a.txt");
  assert.equal(chat.files!.get(stored.id)?.uploader, "ann");
  await ann.send({ type: "quit" });
  await ann.closed();
  const response = await fetch(`http://${LOOPBACK}:${webPort}/files`, {
    method: "POST",
    body: "late",
    headers: { authorization: `Bearer ${files.token}` },
  });
  assert.equal(response.status, 401, "the token of someone gone no longer uploads");
  await response.body?.cancel();
});

Deno.test("an upload by someone muted is refused before it is stored, and pushes out no file", async () => {
  await using chat = await server({ operators: parseOpFile("ann s3cret\n") });
  await using ann = await TestClient.join2(chat.addr.port, "ann");
  await using bob = await TestClient.join2(chat.addr.port, "bob");
  await ann.say("/oper s3cret");
  await ann.next("notice", (frame) => /ann is an operator/.test(frame.text));
  await ann.say("/mute bob 5m");
  await bob.next("notice", (frame) => frame.text.startsWith("ann muted bob"));
  const files = filesOf(bob);
  const response = await fetch(`http://${LOOPBACK}:${files.port}/files`, {
    method: "POST",
    body: "muted words",
    headers: { authorization: `Bearer ${files.token}`, "x-file-name": "a.txt" },
  });
  assert.equal(response.status, 403);
  const answer = await response.json();
  assert.equal(answer.error, "muted");
  assert.match(
    answer.message,
    /^Cannot share a file: ann muted you, for (5 min|4 min \d+ s) more$/,
  );
  assert.deepEqual(chat.files!.list(), []);
  // Unmuted, the same upload is taken.
  await ann.say("/unmute bob");
  await bob.next("notice", (frame) => frame.text === "ann unmuted bob");
  assert.equal(chat.files!.get((await upload(bob, "muted words", "a.txt")).id)?.uploader, "bob");
});

Deno.test("an upload under way when its holder leaves is refused and keeps nothing", async () => {
  await using chat = await server();
  await using ann = await TestClient.join2(chat.addr.port, "ann");
  const files = filesOf(ann);
  await using raw = await RawHttp.open(files.port);
  await raw.send(
    `${raw.head("/files", "POST")}authorization: Bearer ${files.token}\r\n` +
      `content-length: 10\r\n\r\nhello`,
  );
  const partial = () => {
    const dir = chat.files!.dir;
    return dir === undefined ? [] : Deno.readDirSync(`${dir}/partial`).toArray();
  };
  await waitUntil(() => partial().length === 1, 5_000, "the upload under way");
  await ann.send({ type: "quit" });
  await ann.closed();
  await raw.send("world");
  const answer = await raw.answer();
  assert.equal(answer.status, 401);
  assert.deepEqual(JSON.parse(answer.body), {
    error: "token_unknown",
    message:
      "Cannot store the file: its uploader left during the upload, and with them their upload token",
  });
  assert.deepEqual(chat.files!.list(), []);
  assert.deepEqual(partial(), []);
});

Deno.test("a file shared in a room reaches every transport, and history", async (t) => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await TestClient.join2(port, "ann", [{ room: "#lobby" }, { room: "#dev" }]);
  await using bob = await TestClient.join2(port, "bob", [{ room: "#lobby" }, { room: "#dev" }]);
  await using old = await TestClient.join(port, "old");
  await using nc = await plainUser(port, "carol");
  const bytes = new TextEncoder().encode("print('hi')\n");
  const stored = await upload(ann, bytes, "hi.py");
  const expected: FileRef = {
    id: stored.id,
    name: "hi.py",
    size: bytes.length,
    type: "text/plain; charset=utf-8",
    url: `/files/${stored.id}/hi.py`,
  };

  await t.step("in a room of version 2 only those in it get it", async () => {
    await ann.send({ type: "file", id: stored.id, room: "#dev", cid: "f-1" });
    const got = await bob.next("message", (frame) => frame.file !== undefined);
    assert.equal(got.room, "#dev");
    assert.equal(got.from, "ann");
    assert.deepEqual(got.file, expected);
    assert.equal(got.text, "hi.py (12 bytes)");
    const echo = await ann.next("message", (frame) => frame.cid === "f-1");
    assert.deepEqual(echo.file, expected);
    await old.sync();
    assert.equal(old.all("message").length, 0, "#dev is not the old client's room");
  });

  await t.step("in #lobby, a version 1 client and nc read it with its link", async () => {
    await ann.send({ type: "file", id: stored.id, room: "#lobby", name: "hello.py" });
    const renamed = { ...expected, name: "hello.py", url: `/files/${stored.id}/hello.py` };
    const got = await bob.next("message", (frame) => frame.file?.name === "hello.py");
    assert.deepEqual(got.file, renamed);
    const v1 = await old.next("message");
    assert.equal(v1.file, undefined, "version 1 gets no file field");
    const newLink = `http://${LOOPBACK}:${chat.webAddr!.port}${renamed.url}`;
    assert.equal(v1.text, `shared hello.py (12 bytes): ${newLink}`);
    const line = await nc.waitFor(/shared hello\.py/);
    assert.match(line, /^\[\d\d:\d\d:\d\d\] ann shared hello\.py \(12 bytes\) /);
    assert.ok(line.endsWith(newLink), line);
    const response = await fetch(newLink);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-disposition")!, /filename="hello\.py"/);
    assert.equal(await response.text(), "print('hi')\n");
  });

  await t.step("history replays it with its file", async () => {
    await bob.send({ type: "history", room: "#dev" });
    const replayed = await bob.next("message", (frame) => frame.replay === true);
    assert.deepEqual(replayed.file, expected);
  });

  await t.step("sent again under its cid, it is not shared twice", async () => {
    await assertUnheard([bob], async () => {
      await ann.send({ type: "file", id: stored.id, room: "#dev", cid: "f-1" });
      await ann.next("message", (frame) => frame.cid === "f-1");
    });
  });
});

Deno.test("a private file goes to one person and stays out of history", async () => {
  await using chat = await server();
  const port = chat.addr.port;
  await using ann = await TestClient.join2(port, "ann");
  await using bob = await TestClient.join2(port, "bob");
  await using eve = await TestClient.join2(port, "eve");
  const stored = await upload(ann, new Uint8Array([0, 1, 2, 3]), "secret.bin");
  await assertUnheard([eve], async () => {
    await ann.send({ type: "file", id: stored.id, to: "bob" });
    const got = await bob.next("private");
    assert.equal(got.from, "ann");
    assert.equal(got.to, "bob");
    assert.equal(got.file?.name, "secret.bin");
    assert.equal(got.file?.type, "application/octet-stream");
    await ann.next("private");
  });
  await eve.send({ type: "history" });
  const answer = await eve.next("info");
  assert.match(answer.text, /No messages in #lobby yet/);
});

Deno.test("the same bytes uploaded again keep their stored name until a share of them is taken", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat_share_again_" });
  try {
    await using chat = await server({ filesDir: dir });
    const port = chat.addr.port;
    await using ann = await TestClient.join2(port, "ann");
    await using bob = await TestClient.join2(port, "bob");
    const first = await upload(ann, "the same bytes", "a.txt");
    await ann.send({ type: "file", id: first.id });
    for (const client of [ann, bob]) {
      const shared = await client.next("message", (frame) => frame.file !== undefined);
      assert.equal(shared.file?.name, "a.txt");
    }
    const before = chat.files!.get(first.id);
    assert.equal(before?.name, "a.txt");
    const index = async () => JSON.parse(await Deno.readTextFile(`${dir}/index.json`));

    // bob's upload answers with his name for it, the one his share will show.
    const again = await upload(bob, "the same bytes", "b.txt");
    assert.deepEqual([again.id, again.name, again.url], [
      first.id,
      "b.txt",
      `/files/${first.id}/b.txt`,
    ]);
    // His shares are refused: nobody is called that, he is not in that room.
    await bob.send({ type: "file", id: again.id, name: again.name, to: "nobody" });
    assert.equal((await bob.next("error")).code, "no_such_user");
    await bob.send({ type: "file", id: again.id, name: again.name, room: "#elsewhere" });
    assert.equal((await bob.next("error")).code, "not_in_room");
    assert.deepEqual(chat.files!.get(first.id), before, "a refused share changes nothing");
    assert.deepEqual(await index(), [before]);
    const response = await fetch(`http://${LOOPBACK}:${chat.webAddr!.port}/files/${first.id}`);
    await response.body?.cancel();
    assert.match(response.headers.get("content-disposition") ?? "", /filename="a\.txt"/);

    // Once a share of his is taken, the file is known by his name.
    await bob.send({ type: "file", id: again.id, name: again.name });
    assert.equal(
      (await ann.next("message", (frame) => frame.file !== undefined)).file?.name,
      "b.txt",
    );
    const after = chat.files!.get(first.id);
    assert.deepEqual([after?.name, after?.uploader], ["b.txt", "bob"]);
    assert.ok(after!.uploadedAt >= before!.uploadedAt);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** `size` random bytes: each upload of them is a file of its own. */
function randomFile(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65_536) crypto.getRandomValues(bytes.subarray(at, at + 65_536));
  return bytes;
}

/** Uploads `size` random bytes as `name` with `client`'s token and shares them in its room. */
async function uploadAndShare(client: TestClient, size: number, name: string) {
  const stored = await upload(client, randomFile(size), name);
  const cid = name.replace(".", "-");
  await client.send({ type: "file", id: stored.id, cid });
  await client.next("message", (frame) => frame.cid === cid);
  return stored;
}

Deno.test("uploads never shared push out one upload's worth of shared files at most", async () => {
  const MIB = 1024 * 1024;
  const size = 2 * MIB - 1000;
  // Files of 2 MiB at most, in 6 MiB: three shared files fill the store.
  await using chat = await server({ maxFile: 4, filesQuota: 6 });
  const base = `http://${LOOPBACK}:${chat.webAddr!.port}`;
  await using alice = await TestClient.join2(chat.addr.port, "alice");
  await using mallory = await TestClient.join2(chat.addr.port, "mallory");
  const shared = [];
  for (const name of ["a.bin", "b.bin", "c.bin"]) {
    shared.push(await uploadAndShare(alice, size, name));
  }
  const statuses = async (files: { url: string }[]) => {
    const found = [];
    for (const file of files) {
      const response = await fetch(base + file.url, { method: "HEAD" });
      found.push(response.status);
    }
    return found;
  };
  assert.deepEqual(await statuses(shared), [200, 200, 200]);
  // Uploaded and never shared: each makes room by removing the one before it.
  for (const name of ["x.bin", "y.bin", "z.bin"]) await upload(mallory, randomFile(size), name);
  assert.deepEqual(
    await statuses(shared),
    [404, 200, 200],
    "only the oldest shared file made room",
  );
  // Over half the store, and room only shared files could make: refused, nothing removed.
  const files = filesOf(mallory);
  const refused = await fetch(`${base}/files`, {
    method: "POST",
    body: randomFile(4 * MIB - 1000),
    headers: { authorization: `Bearer ${files.token}`, "x-file-name": "big.bin" },
  });
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get("retry-after"), "5");
  const answer = await refused.json();
  assert.equal(answer.error, "busy");
  assert.match(
    answer.message,
    /file store \(6 MiB\) has no room left for it, and a file over half/,
  );
  assert.deepEqual(await statuses(shared), [404, 200, 200]);
  // Uploaded then shared at once, a file takes the room of the uploads nobody shared, then that
  // of the oldest shared files.
  const d = await uploadAndShare(alice, size, "d.bin");
  assert.deepEqual(await statuses([...shared, d]), [404, 200, 200, 200]);
  const e = await uploadAndShare(alice, size, "e.bin");
  assert.deepEqual(await statuses([...shared, d, e]), [404, 404, 200, 200, 200]);
});

Deno.test("sharing a file that is not stored is refused, and so is a bad frame", async () => {
  await using chat = await server();
  await using ann = await TestClient.join2(chat.addr.port, "ann");
  await using bob = await TestClient.join2(chat.addr.port, "bob");
  await assertUnheard([bob], async () => {
    await ann.send({ type: "file", id: "0".repeat(64), cid: "x" });
    const error = await ann.next("error");
    assert.equal(error.code, "no_such_file");
    assert.equal(error.cid, "x");
    assert.match(error.message, /upload it first/);
    await ann.write('{"type":"file","id":5}\n');
    const bad = await ann.next("error");
    assert.equal(bad.code, "bad_frame");
    await ann.send({ type: "file", id: "../../etc/passwd" });
    assert.equal((await ann.next("error")).code, "no_such_file");
  });
});

Deno.test("a file name with a lone surrogate is shared and uploaded with U+FFFD in its place", async (t) => {
  await using chat = await server();
  await using ann = await TestClient.join2(chat.addr.port, "ann");
  const web = `http://${LOOPBACK}:${chat.webAddr!.port}`;
  const stored = await upload(ann, "some text", "a.txt");

  await t.step("named so in the file frame, as the page's JSON may carry it", async () => {
    await ann.write(`{"type":"file","id":"${stored.id}","name":"\\ud800.txt","cid":"s-1"}\n`);
    const shared = await ann.next("message", (frame) => frame.cid === "s-1");
    assert.deepEqual([shared.file?.name, shared.file?.url, shared.text], [
      "\uFFFD.txt",
      `/files/${stored.id}/%EF%BF%BD.txt`,
      "\uFFFD.txt (9 bytes)",
    ]);
    const response = await fetch(`${web}${shared.file!.url}`);
    assert.equal(response.status, 200);
    assert.equal(
      response.headers.get("content-disposition"),
      `attachment; filename="_.txt"; filename*=UTF-8''%EF%BF%BD.txt`,
    );
    assert.equal(await response.text(), "some text");
  });

  await t.step("named so in an upload: its header as its query string", async () => {
    // U+D800 encoded as if it were a character: not UTF-8.
    const byHeader = await upload(ann, "other text", "", { "x-file-name": "%ED%A0%80.txt" });
    assert.equal(byHeader.name, "\uFFFD\uFFFD\uFFFD.txt");
    const files = filesOf(ann);
    const response = await fetch(`${web}/files?name=%ED%A0%80.txt`, {
      method: "POST",
      body: "third text",
      headers: { authorization: `Bearer ${files.token}` },
    });
    assert.equal(response.status, 201);
    assert.equal((await response.json()).name, byHeader.name);
    // The web page and chat send encode such a name before they send it.
    assert.equal(fileNameHeader("\ud800.txt"), "%EF%BF%BD.txt");
  });

  await t.step(
    "a name in its header as raw UTF-8, as curl sends one typed, is that name",
    async () => {
      // A header's bytes, one character each: "résumé 100%.txt" as UTF-8.
      const raw = String.fromCharCode(...new TextEncoder().encode("résumé 100%.txt"));
      assert.equal((await upload(ann, "cv", "", { "x-file-name": raw })).name, "résumé 100%.txt");
      // Raw bytes that are not UTF-8 (Latin-1's é) are U+FFFD, as escaped ones are.
      assert.equal(
        (await upload(ann, "cv 2", "", { "x-file-name": "r\xe9sum\xe9" })).name,
        "r\uFFFDsum\uFFFD",
      );
    },
  );
});

Deno.test("without a web port there are no files: no token, and a clear refusal", async () => {
  await using chat = await startServer({ hostname: LOOPBACK, port: 0 });
  await using ann = await TestClient.join2(chat.addr.port, "ann");
  assert.equal(ann.all("welcome")[0]?.files, undefined);
  await ann.send({ type: "file", id: "a".repeat(64) });
  const error = await ann.next("error");
  assert.equal(error.code, "no_such_file");
  assert.match(error.message, /takes no files/);
});

Deno.test("with files off the page is served, welcome offers no files, and uploads are refused", async () => {
  await using chat = await server({ files: false });
  assert.equal(chat.files, undefined);
  const web = `http://${LOOPBACK}:${chat.webAddr!.port}`;
  await using ann = await TestClient.join2(chat.addr.port, "ann");
  const welcome = ann.all("welcome")[0];
  assert.ok(welcome !== undefined);
  assert.equal(welcome.files, undefined);

  const page = await within(fetch(`${web}/`), 10_000, "the page");
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<html/i);

  // A large body too: it is read and dropped, so the answer reaches its sender.
  for (const body of ["hello", new Uint8Array(4 * 1024 * 1024)]) {
    const refused = await within(
      fetch(`${web}/files`, { method: "POST", body, headers: { "x-file-name": "a.txt" } }),
      10_000,
      "the upload's answer",
    );
    assert.equal(refused.status, 403);
    assert.match(refused.headers.get("content-type") ?? "", /^application\/json/);
    assert.deepEqual(await refused.json(), {
      error: "no_files",
      message: "Cannot store the file: this server takes no files",
    });
  }
  const download = await within(fetch(`${web}/files/${"a".repeat(64)}`), 10_000, "a download");
  assert.equal(download.status, 403);
  assert.equal((await download.json()).error, "no_files");

  await ann.send({ type: "file", id: "a".repeat(64) });
  const error = await ann.next("error");
  assert.equal(error.code, "no_such_file");
  assert.equal(error.message, "Cannot share a file: this server takes no files");
});

Deno.test("with a password, the welcome says downloads need the token", async () => {
  await using chat = await server({ password: "sesame" });
  const client = await TestClient.connect(chat.addr.port);
  await using _ = client;
  await client.send({ type: "hello", version: 2, name: "ann", password: "sesame" });
  await client.sync();
  const files = filesOf(client);
  assert.equal(files.needsToken, true);
  assert.match(files.downloadToken ?? "", /^[A-Za-z0-9_-]{32}$/);
  assert.notEqual(files.downloadToken, files.token, "links carry a token of their own");
  const stored = await upload(client, "pw", "pw.txt", {
    "x-chat-password": encodeURIComponent("sesame"),
  });
  const url = `http://${LOOPBACK}:${files.port}${stored.url}`;
  const without = await fetch(url);
  assert.equal(without.status, 401);
  await without.body?.cancel();
  const withToken = await fetch(`${url}?token=${files.downloadToken}`);
  assert.equal(await withToken.text(), "pw");
  // A client from before download tokens puts its upload token in its links: they still work.
  const older = await fetch(`${url}?token=${files.token}`);
  assert.equal(await older.text(), "pw");
  // Anyone connected fetches it with their own token, not only the uploader.
  const other = await TestClient.connect(chat.addr.port);
  await other.send({ type: "hello", version: 2, name: "bob", password: "sesame" });
  await other.sync();
  const bobs = await fetch(url, { headers: { authorization: `Bearer ${filesOf(other).token}` } });
  assert.equal(await bobs.text(), "pw");
  // A link that carries bob's token stops working once bob has left.
  const link = `${url}?token=${filesOf(other).downloadToken}`;
  assert.equal(await fetch(link).then((response) => response.text()), "pw");
  await other[Symbol.asyncDispose]();
  await client.next("left", (frame) => frame.name === "bob");
  const stale = await fetch(link);
  assert.equal(stale.status, 401);
  await stale.body?.cancel();
});

Deno.test("with a password, a link carries a token that downloads and never uploads", async () => {
  const password = "sesame";
  await using chat = await server({ password });
  const port = chat.addr.port;
  const join = async (name: string, version: 1 | 2) => {
    const client = await TestClient.connect(port);
    await client.send({ type: "hello", version, name, password });
    await client.sync();
    return client;
  };
  await using victim = await join("victim", 1);
  await using ann = await join("ann", 2);
  const stored = await upload(ann, "for everyone", "notes.txt", {
    "x-chat-password": encodeURIComponent(password),
  });
  await ann.send({ type: "file", id: stored.id });
  // An old client gets a link made for it (as nc and IRC do), with a token of its own in it.
  const v1 = await victim.next("message");
  const link = new URL(/(http:\/\/\S+)$/.exec(v1.text)![1]!);
  const victimFiles = filesOf(victim);
  assert.equal(link.searchParams.get("token"), victimFiles.downloadToken);
  assert.equal(await fetch(link).then((response) => response.text()), "for everyone");
  // Whoever the link is passed to cannot upload as its owner with it, by header or in the query.
  const web = `http://${LOOPBACK}:${victimFiles.port}/files`;
  const tries = [
    {
      query: "",
      authorization: `Bearer ${link.searchParams.get("token")}`,
      error: "token_unknown",
    },
    {
      query: `?token=${link.searchParams.get("token")}`,
      authorization: "",
      error: "token_required",
    },
    { query: `?token=${victimFiles.token}`, authorization: "", error: "token_required" },
  ];
  for (const { query, authorization, error } of tries) {
    const response = await fetch(`${web}${query}`, {
      method: "POST",
      body: "not theirs",
      headers: {
        "x-file-name": "spoof.txt",
        "x-chat-password": password,
        ...(authorization === "" ? {} : { authorization }),
      },
    });
    assert.equal(response.status, 401, `${query} ${authorization}`);
    assert.equal((await response.json()).error, error);
  }
  assert.equal(chat.files!.list().length, 1, "nothing stored under the victim's name");
  // The owner's own uploads, with the bearer token, are untouched.
  const own = await upload(victim, "mine", "mine.txt", { "x-chat-password": password });
  assert.equal(chat.files!.get(own.id)?.uploader, "victim");
});

Deno.test("an upload's password is read percent-encoded or as raw UTF-8", async () => {
  await using chat = await server({ password: "sésame" });
  const client = await TestClient.connect(chat.addr.port);
  await using _ = client;
  await client.send({ type: "hello", version: 2, name: "ann", password: "sésame" });
  await client.sync();
  const escaped = await upload(client, "one", "one.txt", {
    "x-chat-password": encodeURIComponent("sésame"),
  });
  assert.equal(escaped.name, "one.txt");
  // As `curl -H "X-Chat-Password: sésame"` sends it: the UTF-8 bytes, one character each.
  const raw = String.fromCharCode(...new TextEncoder().encode("sésame"));
  const typed = await upload(client, "two", "two.txt", { "x-chat-password": raw });
  assert.equal(typed.name, "two.txt");
});

Deno.test("restarted on the same data, a shared file is still linked from history", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat_share_restart_" });
  try {
    let shared: FileRef | undefined;
    {
      using history = SqliteHistory.open(`${dir}/history.db`);
      await using chat = await server({ history, filesDir: `${dir}/files` });
      await using ann = await TestClient.join2(chat.addr.port, "ann");
      const stored = await upload(ann, "kept across restarts", "kept.txt");
      await ann.send({ type: "file", id: stored.id });
      shared = (await ann.next("message", (frame) => frame.file !== undefined)).file;
    }
    using history = SqliteHistory.open(`${dir}/history.db`);
    await using chat = await server({ history, filesDir: `${dir}/files` });
    await using bob = await TestClient.join2(chat.addr.port, "bob");
    const replayed = bob.all("message").find((frame: ServerFrame) =>
      frame.type === "message" && frame.file !== undefined
    );
    assert.ok(replayed?.type === "message");
    assert.deepEqual(replayed.file, shared);
    const response = await fetch(`http://${LOOPBACK}:${chat.webAddr!.port}${shared!.url}`);
    assert.equal(await response.text(), "kept across restarts");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: `with --tls-*, files go over HTTPS and their links say so${
    OPENSSL === undefined ? " (ignored: openssl is not installed)" : ""
  }`,
  ignore: OPENSSL === undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "chat_share_tls_" });
    try {
      const { cert, key } = await selfSignedCert(dir);
      await using chat = await server({ tls: { cert, key } });
      const connect = async () =>
        new TestClient(
          // The test client reads and writes; a TLS connection does both like a TCP one.
          await Deno.connectTls({
            hostname: LOOPBACK,
            port: chat.addr.port,
            caCerts: [cert],
          }) as unknown as Deno.TcpConn,
        );
      await using ann = await connect();
      await ann.send({ type: "hello", version: 2, name: "ann" });
      await ann.sync();
      await using old = await connect();
      await old.send({ type: "hello", version: 1, name: "old" });
      await old.sync();
      const files = filesOf(ann);
      assert.equal(files.tls, true);
      using client = Deno.createHttpClient({ caCerts: [cert] });
      const response = await fetch(`https://${LOOPBACK}:${files.port}/files`, {
        method: "POST",
        body: "over tls",
        client,
        headers: { authorization: `Bearer ${files.token}`, "x-file-name": "tls.txt" },
      });
      const stored = await response.json();
      assert.equal(response.status, 201, JSON.stringify(stored));
      await ann.send({ type: "file", id: stored.id });
      const line = await old.next("message");
      const link = `https://${LOOPBACK}:${files.port}/files/${stored.id}/tls.txt`;
      assert.equal(line.text, `shared tls.txt (8 bytes): ${link}`);
      const download = await fetch(link, { client });
      assert.equal(await download.text(), "over tls");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
