/**
 * Files in the terminal without tmux: the names a download is saved under,
 * the progress the prompt shows, what `/send` and `/get` ask of the client,
 * path completion on a real folder, and a download over a real socket that
 * never overwrites a file.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { completePath } from "../client/paths.ts";
import {
  download,
  type TransferEffect,
  TransferError,
  Transfers,
  upload,
} from "../client/transfer.ts";
import {
  dispositionName,
  expandHome,
  linkName,
  numberedName,
  progressBar,
  progressText,
  splitExtension,
  uniqueName,
} from "../client/transfer_text.ts";
import { parseLine } from "../core/commands.ts";
import { completions } from "../core/complete.ts";
import { Conversation } from "../core/conversation.ts";
import { plainText } from "../core/plain.ts";
import type { FileRef } from "../protocol.ts";
import { startServer } from "../server.ts";
import { LOOPBACK, TestClient, within } from "./_test_utils.ts";

const FILE: FileRef = {
  id: "a".repeat(64),
  name: "report.pdf",
  size: 2048,
  type: "application/octet-stream",
  url: `/files/${"a".repeat(64)}/report.pdf`,
};

Deno.test("numberedName() and uniqueName() number a name before its extension", async (t) => {
  await t.step("numberedName()", () => {
    assert.equal(numberedName("report.pdf", 0), "report.pdf");
    assert.equal(numberedName("report.pdf", 1), "report (1).pdf");
    assert.equal(numberedName("report.pdf", 12), "report (12).pdf");
    assert.equal(numberedName("backup.tar.gz", 1), "backup (1).tar.gz");
    assert.equal(numberedName("Makefile", 2), "Makefile (2)");
    assert.equal(numberedName(".bashrc", 1), ".bashrc (1)");
    assert.equal(numberedName("my file.v2.txt", 1), "my file.v2 (1).txt");
  });
  await t.step("splitExtension()", () => {
    assert.deepEqual(splitExtension("a.b.c"), ["a.b", ".c"]);
    assert.deepEqual(splitExtension(".tar.gz"), [".tar", ".gz"]);
    assert.deepEqual(splitExtension("noext"), ["noext", ""]);
  });
  await t.step("uniqueName() takes the first name not taken", () => {
    const taken = new Set(["a.txt", "a (1).txt", "a (3).txt"]);
    assert.equal(uniqueName("a.txt", (name) => taken.has(name)), "a (2).txt");
    assert.equal(uniqueName("b.txt", (name) => taken.has(name)), "b.txt");
  });
});

Deno.test("progressBar() and progressText() draw a file on its way", async (t) => {
  await t.step("progressBar()", () => {
    assert.equal(progressBar(0, 100), "[----------]");
    assert.equal(progressBar(42, 100), "[####------]");
    assert.equal(progressBar(99, 100), "[#########-]");
    assert.equal(progressBar(100, 100), "[##########]");
    assert.equal(progressBar(150, 100), "[##########]");
    assert.equal(progressBar(0, 0), "[##########]");
    assert.equal(progressBar(1, 4, 4), "[#---]");
  });
  await t.step("progressText()", () => {
    assert.equal(
      progressText({ direction: "up", name: "photo.jpg", done: 42, total: 100 }),
      "(sending photo.jpg [####------] 42%) ",
    );
    assert.equal(
      progressText({ direction: "down", name: "photo.jpg", done: 999, total: 1000 }),
      "(getting photo.jpg [#########-] 99%) ",
    );
    assert.equal(
      progressText({ direction: "down", name: "photo.jpg", done: 1000, total: 1000, waiting: 2 }),
      "(getting photo.jpg [##########] 100%, 2 more waiting) ",
    );
    assert.equal(
      progressText({ direction: "up", name: "stdin", done: 3 * 1024 * 1024 }),
      "(sending stdin 3 MiB) ",
    );
    assert.equal(
      progressText({
        direction: "up",
        name: "a very long name of a file.tar.gz",
        done: 0,
        total: 1,
      }),
      "(sending a very long name of a f… [----------] 0%) ",
    );
    // A name from elsewhere is cleaned before the prompt shows it.
    assert.equal(
      progressText({ direction: "down", name: "x\x1b[2Jy", done: 0, total: 1 }),
      "(getting xy [----------] 0%) ",
    );
  });
  await t.step("progressText() within a width, on a narrow terminal", () => {
    const photo = { direction: "up", name: "holiday-photo.jpg", done: 42, total: 100 } as const;
    const full = "(sending holiday-photo.jpg [####------] 42%) ";
    assert.equal(progressText(photo, 60), full);
    assert.equal(progressText(photo, full.length), full);
    assert.equal(progressText(photo, 40), "(sending holiday-photo.jpg 42%) ");
    assert.equal(progressText(photo, 25), "(sending holiday-p… 42%) ");
    assert.equal(progressText(photo, 16), "(sending 42%) ");
    assert.equal(progressText(photo, 8), "(42%) ");
    assert.equal(progressText({ ...photo, total: undefined }, 16), "(42 bytes) ");
    assert.equal(progressText({ ...photo, waiting: 2 }, 24), "(sending holiday-… 42%) ");
  });
});

Deno.test("expandHome(), dispositionName() and linkName() read paths and names", () => {
  assert.equal(expandHome("~/Documents/a.txt", "/home/ann"), "/home/ann/Documents/a.txt");
  assert.equal(expandHome("~", "/home/ann/"), "/home/ann");
  assert.equal(expandHome("~bob/a.txt", "/home/ann"), "~bob/a.txt");
  assert.equal(expandHome("./~/a.txt", "/home/ann"), "./~/a.txt");
  assert.equal(expandHome("~/a.txt", undefined), "~/a.txt");
  assert.equal(
    dispositionName(`attachment; filename="r_sum_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`),
    "résumé.pdf",
  );
  assert.equal(dispositionName(`inline; filename="cat.jpg"`), "cat.jpg");
  assert.equal(dispositionName(`attachment; filename="../../etc/passwd"`), "passwd");
  assert.equal(dispositionName("attachment"), undefined);
  assert.equal(dispositionName(null), undefined);
  assert.equal(
    linkName("http://192.168.1.5:5003/files/abc/r%C3%A9sum%C3%A9.pdf?token=x"),
    "résumé.pdf",
  );
  assert.equal(linkName("http://192.168.1.5:5003/"), "file");
  assert.equal(linkName("http://host/a%2F..%2F..%2Fb.txt"), "b.txt");
});

Deno.test("parseLine() reads /send PATH, spaces and quotes, and /get N|LINK", () => {
  assert.deepEqual(parseLine("/send ~/my file.txt"), {
    ok: true,
    local: { command: "send", path: "~/my file.txt" },
  });
  assert.deepEqual(parseLine(`/send "my file.txt"  `), {
    ok: true,
    local: { command: "send", path: "my file.txt" },
  });
  assert.deepEqual(parseLine("/send 'it''s.txt'"), {
    ok: true,
    local: { command: "send", path: "it''s.txt" },
  });
  assert.deepEqual(parseLine("/get 3"), { ok: true, local: { command: "get", target: "3" } });
  assert.equal(parseLine("/send").ok, false);
  assert.equal(parseLine("/get 1 2").ok, false);
});

/** A conversation welcomed by a server that takes files, which shared `FILE` in #lobby. */
function withFile(options: { transfers?: boolean } = {}): Conversation {
  const chat = new Conversation({ ...options, fileHint: (number) => `· /get ${number}` });
  chat.hello("ann", 0);
  chat.receive({
    type: "welcome",
    version: 2,
    server: "chat",
    name: "ann",
    rooms: ["#lobby"],
    files: { port: 5003, token: "t".repeat(32), maxBytes: 1024 },
  }, 0);
  chat.receive({ type: "room", room: "#lobby", members: ["ann", "bob"], count: 2 }, 0);
  chat.receive({
    type: "message",
    id: 1,
    ts: 0,
    room: "#lobby",
    from: "bob",
    text: "report.pdf (2 KiB)",
    file: FILE,
  }, 0);
  return chat;
}

/** The text of every line `effects` show. */
function shown(effects: ReturnType<Conversation["type"]>): string[] {
  return effects.flatMap((effect) =>
    effect.type === "show" ? effect.lines.map((line) => plainText(line)) : []
  );
}

Deno.test("Conversation with transfers: /send and /get ask the client to move files", async (t) => {
  const chat = withFile({ transfers: true });
  await t.step("/send uploads into the view looked at", () => {
    assert.deepEqual(chat.type("/send ~/a b.txt", 0), [
      { type: "upload", path: "~/a b.txt", view: "#lobby" },
    ]);
  });
  await t.step("/get N downloads the file numbered N", () => {
    assert.deepEqual(chat.type("/get 1", 0), [{ type: "download", file: FILE }]);
  });
  await t.step("/get LINK downloads the link", () => {
    const link = "http://192.168.1.5:5003/files/abc/x.txt";
    assert.deepEqual(chat.type(`/get ${link}`, 0), [{ type: "download", link }]);
  });
  await t.step("a number no file has, or no number, is an error", () => {
    assert.deepEqual(shown(chat.type("/get 2", 0)), [
      "!! Cannot get file 2: no file has that number (the last file shared is 1)",
    ]);
    assert.deepEqual(shown(chat.type("/get report.pdf", 0)), [
      '!! Cannot get "report.pdf": give the number a shared file shows (as in /get 3) or the link of a file of this server',
    ]);
    assert.deepEqual(shown(chat.type("/get", 0)), ["!! Usage: /get N|LINK"]);
  });
  await t.step("/cancel stops every transfer, /cancel NAME|N the one it names", () => {
    assert.deepEqual(chat.type("/cancel", 0), [{ type: "cancel", target: undefined }]);
    assert.deepEqual(chat.type("/cancel 1", 0), [{ type: "cancel", target: "1" }]);
    assert.deepEqual(chat.type('/cancel "a b.txt"', 0), [{ type: "cancel", target: "a b.txt" }]);
  });
  await t.step("share() shares into the view /send was typed in", () => {
    chat.receive({ type: "room", room: "#dev", members: ["ann"], count: 1 }, 0);
    chat.switchTo("#dev");
    assert.deepEqual(chat.share({ id: FILE.id, name: "a.txt" }, "#lobby"), [{
      type: "send",
      frame: { type: "file", id: FILE.id, name: "a.txt", room: "#lobby" },
    }]);
    assert.deepEqual(chat.share({ id: FILE.id, name: "a.txt" }, "@bob"), [{
      type: "send",
      frame: { type: "file", id: FILE.id, name: "a.txt", room: "#dev" },
    }]);
  });
  await t.step("/help lists /send and /get; Tab offers them", () => {
    const help = shown(chat.receive({ type: "help", commands: [] }, 0));
    assert.ok(help.some((line) => line.includes("/send PATH")), help.join("\n"));
    assert.ok(help.some((line) => line.includes("/get N|LINK")), help.join("\n"));
    assert.ok(help.some((line) => line.includes("/cancel [NAME|N]")), help.join("\n"));
    assert.ok(!help.some((line) => line.includes("takes no files")), help.join("\n"));
    assert.ok(chat.localCommands.includes("send"));
  });
});

Deno.test("Conversation with transfers, on a server that takes no files: /help says so beside /send", () => {
  const chat = new Conversation({ transfers: true });
  chat.hello("ann", 0);
  // A welcome that names no files: this server takes none (--no-files, or no web port).
  chat.receive(
    { type: "welcome", version: 2, server: "chat", name: "ann", rooms: ["#lobby"] },
    0,
  );
  chat.receive({ type: "room", room: "#lobby", members: ["ann"], count: 1 }, 0);
  const help = shown(chat.receive({ type: "help", commands: [] }, 0));
  const send = help.filter((line) => line.includes("/send PATH"));
  assert.equal(send.length, 1, help.join("\n"));
  assert.match(
    send[0]!,
    /upload a file and share it here; \/cancel stops it \(this server takes no files\)$/,
  );
  // /get is said as on any server: a link is refused once typed.
  assert.ok(
    help.some((line) =>
      /\/get N\|LINK +download shared file N, or a link, into the current folder; \/cancel stops it$/
        .test(line)
    ),
    help.join("\n"),
  );
  // Still a command, as the line it answers with says.
  assert.deepEqual(shown(chat.type("/send a.txt", 0)), [
    "!! Cannot send a file: this server takes no files",
  ]);
});

Deno.test("Conversation with transfers, on a server that takes no files: a file shows no number, and /get N says why", () => {
  const chat = new Conversation({ transfers: true, fileHint: (number) => `· /get ${number}` });
  chat.hello("ann", 0);
  chat.receive(
    { type: "welcome", version: 2, server: "chat", name: "ann", rooms: ["#lobby"] },
    0,
  );
  // Shared through another server of a cluster, which takes files.
  const file: FileRef = {
    id: "a".repeat(64),
    name: "notes.txt",
    size: 18,
    type: "text/plain",
    url: `/files/${"a".repeat(64)}/notes.txt`,
  };
  // Seen, but not offered: this server serves no file, though another one took it.
  assert.deepEqual(
    shown(chat.receive(
      { type: "message", id: 1, ts: 0, room: "#lobby", from: "bob", text: "notes.txt", file },
      0,
    )).filter((line) => line.includes("shared")).map((line) => line.replace(/^\[[^\]]*\] /, "")),
    ["bob shared notes.txt (18 bytes)"],
  );
  const why =
    "this server takes no files, so it serves none, not even those shared through other servers of the chat";
  assert.deepEqual(shown(chat.type("/get 1", 0)), [`!! Cannot get file 1: ${why}`]);
  // Whatever the number: there is none to give here.
  assert.deepEqual(shown(chat.type("/get 2", 0)), [`!! Cannot get file 2: ${why}`]);
});

Deno.test("Conversation without transfers: /send and /get are the server's to answer", () => {
  const chat = withFile();
  assert.ok(!chat.localCommands.includes("send"));
  assert.ok(!chat.localCommands.includes("get"));
  const effects = chat.type("/send a.txt", 0);
  assert.ok(
    effects.some((effect) => effect.type === "send" && effect.frame.type === "say"),
    JSON.stringify(effects),
  );
  const help = shown(chat.receive({ type: "help", commands: [] }, 0));
  assert.ok(!help.some((line) => line.includes("/send")), help.join("\n"));
});

Deno.test("completions() after /send completes the whole path, spaces and all", () => {
  const paths = (typed: string) =>
    ["my file.txt ", "my folder/"].filter((path) => path.startsWith(typed));
  const sources = { names: ["bob"], me: "ann", rooms: [], paths };
  assert.deepEqual(completions("/send my f", 10, sources), {
    start: 6,
    options: ["my file.txt ", "my folder/"],
  });
  assert.deepEqual(completions(`/send "my fi`, 12, sources), {
    start: 7,
    options: [`my file.txt"`],
  });
  // Without paths to offer, a word as before.
  const { paths: _, ...withoutPaths } = sources;
  assert.deepEqual(completions("/send bo", 8, withoutPaths).options, ["bob "]);
});

Deno.test("completePath() lists a folder's entries, folders with a slash", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-paths-" });
  try {
    await Deno.mkdir(join(dir, "sub folder"));
    await Deno.writeTextFile(join(dir, "some file.txt"), "");
    await Deno.writeTextFile(join(dir, "other.txt"), "");
    await Deno.writeTextFile(join(dir, ".hidden"), "");
    await Deno.symlink(join(dir, "sub folder"), join(dir, "sublink"));
    assert.deepEqual(completePath(`${dir}/s`), [
      `${dir}/some file.txt `,
      `${dir}/sub folder/`,
      `${dir}/sublink/`,
    ]);
    assert.deepEqual(completePath("s", { cwd: dir }), [
      "some file.txt ",
      "sub folder/",
      "sublink/",
    ]);
    assert.deepEqual(completePath(`${dir}/.h`), [`${dir}/.hidden `]);
    assert.equal(completePath(`${dir}/`).length, 4, "no hidden entries unless a dot is typed");
    assert.deepEqual(completePath("~/sub", { home: dir }), ["~/sub folder/", "~/sublink/"]);
    assert.deepEqual(completePath("~", { home: dir }), ["~/"]);
    assert.deepEqual(completePath(`${dir}/nowhere/a`), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("download() saves beside a file of the same name, never over it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-download-" });
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request) =>
      new URL(request.url).pathname === "/gone"
        ? Response.json({ error: "not_found", message: "Cannot find the file" }, { status: 404 })
        : new Response("new bytes", {
          headers: { "content-disposition": `attachment; filename="a.txt"` },
        }),
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    await Deno.writeTextFile(join(dir, "a.txt"), "old bytes");
    const progress: number[] = [];
    const saved = await download(`${base}/files/x/whatever`, {
      dir,
      onProgress: (done) => progress.push(done),
    });
    assert.deepEqual(saved, { path: join(dir, "a (1).txt"), name: "a (1).txt", bytes: 9 });
    assert.equal(await Deno.readTextFile(join(dir, "a.txt")), "old bytes");
    assert.equal(await Deno.readTextFile(join(dir, "a (1).txt")), "new bytes");
    assert.equal(progress.at(-1), 9);
    const named = await download(`${base}/x`, { dir, name: "b.txt" });
    assert.equal(named.name, "b.txt");
    await assert.rejects(
      download(`${base}/gone`, { dir, name: "c.txt" }),
      (error) =>
        error instanceof TransferError &&
        error.message === 'Cannot get "c.txt": the server no longer has it (or never had it)',
    );
    const names = [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
    assert.deepEqual(names, ["a (1).txt", "a.txt", "b.txt"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("upload() of a known size the server has no room for is refused before its bytes", async () => {
  await using chat = await startServer({ hostname: LOOPBACK, port: 0, webPort: 0, filesQuota: 1 });
  await using ann = await TestClient.join2(chat.addr.port, "ann");
  const files = ann.all("welcome")[0]!.files!;
  // A body that has not sent a byte: only the size it will have can refuse it.
  let body!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({
    start: (controller) => void (body = controller),
  });
  try {
    await assert.rejects(
      within(
        upload({ hostname: LOOPBACK, files }, stream, { name: "big.iso", size: 2 * 1024 * 1024 }),
        5_000,
        "the refusal",
      ),
      (error) =>
        error instanceof TransferError &&
        error.message ===
          `Cannot send "big.iso": it is larger than 1 MiB, all the room this server's file store has`,
    );
  } finally {
    try {
      body.close();
    } catch {
      // Cancelled once the server answered.
    }
  }
  assert.deepEqual(chat.files!.list(), []);
});

Deno.test("upload() refused while its body is on its way sends no more of it and tells no more progress", async () => {
  await using chat = await startServer({ hostname: LOOPBACK, port: 0, webPort: 0, filesQuota: 1 });
  await using ann = await TestClient.join2(chat.addr.port, "ann");
  const files = ann.all("welcome")[0]!.files!;
  const chunk = new Uint8Array(64 * 1024);
  const size = 8 * 1024 * 1024;
  const refused = Promise.withResolvers<void>();
  const cancelled = Promise.withResolvers<void>();
  let read = 0;
  // Half a MiB goes at once; the rest only once the refusal has come.
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (read >= 512 * 1024) await refused.promise;
      if (read >= size) return controller.close();
      read += chunk.length;
      controller.enqueue(chunk);
    },
    cancel: () => cancelled.resolve(),
  }, { highWaterMark: 0 });
  let told = 0;
  let toldAfter = 0;
  let settled = false;
  const sending = upload({ hostname: LOOPBACK, files }, body, {
    name: "big.iso",
    size,
    onProgress: () => settled ? toldAfter++ : told++,
  });
  try {
    await assert.rejects(
      within(sending, 5_000, "the refusal"),
      (error) =>
        error instanceof TransferError &&
        error.message ===
          `Cannot send "big.iso": it is larger than 1 MiB, all the room this server's file store has`,
    );
  } finally {
    settled = true;
    refused.resolve();
  }
  await within(cancelled.promise, 5_000, "the body to be cancelled");
  assert.ok(told > 0, "some of the body went before the refusal");
  assert.equal(toldAfter, 0, "progress told after the refusal");
  assert.ok(read < size, `${read} bytes read of ${size}`);
  assert.deepEqual(chat.files!.list(), []);
});

Deno.test("Conversation with transfers, away from the server: /get and /send say it is not connected", () => {
  const chat = withFile({ transfers: true });
  chat.closed();
  const away = "not connected to the server; try again once it is back";
  assert.deepEqual(shown(chat.type("/get 1", 0)), [`!! Cannot get file 1: ${away}`]);
  assert.deepEqual(shown(chat.type("/send /tmp/notes/report.pdf", 0)), [
    `!! Cannot send "/tmp/notes/report.pdf": ${away}`,
  ]);
  const link = `http://192.168.1.5:5003${FILE.url}`;
  assert.deepEqual(shown(chat.type(`/get ${link}`, 0)), [`!! Cannot get "${link}": ${away}`]);
});

Deno.test("Transfers: a download asked for before the connection dropped says it is not connected", async () => {
  const chat = withFile({ transfers: true });
  const [effect] = chat.type("/get 1", 0);
  assert.deepEqual(effect, { type: "download", file: FILE });
  chat.closed();
  const printed: string[] = [];
  const idle = Promise.withResolvers<void>();
  await using transfers = new Transfers({
    chat,
    hostname: () => LOOPBACK,
    password: () => undefined,
    apply: () => {},
    print: (lines) => printed.push(...lines.map((line) => plainText(line))),
    changed: () => {},
    idle: () => idle.resolve(),
  });
  transfers.take(effect as TransferEffect);
  await within(idle.promise, 5_000, "the download to be done");
  assert.deepEqual(printed, [
    '!! Cannot get "report.pdf": not connected to the server; try again once it is back',
  ]);
  assert.equal(transfers.status(), "");
});

Deno.test("Transfers: /cancel N takes a waiting /get N off the queue, /cancel PATH a waiting /send", async () => {
  const chat = withFile({ transfers: true });
  const printed: string[] = [];
  const idle = Promise.withResolvers<void>();
  await using transfers = new Transfers({
    chat,
    hostname: () => LOOPBACK,
    password: () => undefined,
    apply: () => {},
    print: (lines) => printed.push(...lines.map((line) => plainText(line))),
    changed: () => {},
    idle: () => idle.resolve(),
  });
  // Away from the server, the first is refused; the others wait behind it meanwhile.
  chat.closed();
  transfers.take({ type: "upload", path: "/tmp/notes/first.txt", view: "#lobby" });
  transfers.take({ type: "download", file: FILE });
  transfers.take({ type: "upload", path: "~/notes/second.txt", view: "#lobby" });
  transfers.take({ type: "cancel", target: "1" });
  transfers.take({ type: "cancel", target: "~/notes/second.txt" });
  transfers.take({ type: "cancel", target: "3" });
  await within(idle.promise, 5_000, "the transfers to be done");
  assert.deepEqual(printed, [
    "-- Cancelled getting report.pdf: nothing was saved",
    "-- Cancelled sending second.txt: nothing was shared",
    '!! Cannot cancel "3": no file of that name or number is being sent or saved',
    '!! Cannot send "/tmp/notes/first.txt": not connected to the server; try again once it is back',
  ]);
});

Deno.test("download() keeps a file under its name only once it is whole", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-download-" });
  // The first half comes at once, the rest when the test says: to the first request only.
  const rest = Promise.withResolvers<void>();
  const never = Promise.withResolvers<void>();
  let requests = 0;
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () =>
      new Response(
        new ReadableStream<Uint8Array>({
          async start(controller) {
            const gate = requests++ === 0 ? rest.promise : never.promise;
            controller.enqueue(new Uint8Array(500));
            await gate;
            controller.enqueue(new Uint8Array(500));
            controller.close();
          },
        }),
        {
          headers: {
            "content-length": "1000",
            "content-disposition": 'attachment; filename="b.bin"',
          },
        },
      ),
  );
  const link = `http://127.0.0.1:${server.addr.port}/files/x/b.bin`;
  const names = () => [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
  try {
    await Deno.writeTextFile(join(dir, "b.bin"), "old bytes");
    const halfway = Promise.withResolvers<void>();
    const saving = download(link, {
      dir,
      onProgress: (done) => done === 500 && halfway.resolve(),
    });
    await within(halfway.promise, 5_000, "the first half");
    // Halfway, it is a hidden file of its own: no file under its name is cut short.
    const [part, old, ...others] = names();
    assert.match(part ?? "", /^\.b\.bin\.part-[0-9a-f]{6}$/);
    assert.equal(old, "b.bin");
    assert.deepEqual(others, []);
    rest.resolve();
    const saved = await saving;
    assert.deepEqual(saved, { path: join(dir, "b (1).bin"), name: "b (1).bin", bytes: 1000 });
    assert.deepEqual(names(), ["b (1).bin", "b.bin"]);
    assert.equal((await Deno.readFile(join(dir, "b (1).bin"))).length, 1000);
    assert.equal(await Deno.readTextFile(join(dir, "b.bin")), "old bytes");

    // Stopped halfway, it leaves nothing.
    const again = Promise.withResolvers<void>();
    const stop = new AbortController();
    const stopped = download(link, {
      dir,
      signal: stop.signal,
      onProgress: (done) => done === 500 && again.resolve(),
    });
    await within(again.promise, 5_000, "the first half again");
    stop.abort();
    await assert.rejects(stopped, (error) => error instanceof TransferError);
    assert.deepEqual(names(), ["b (1).bin", "b.bin"]);
  } finally {
    rest.resolve();
    never.resolve();
    await Deno.remove(dir, { recursive: true });
  }
});
