/**
 * Files in the terminal, as two people at the real `chat join` in tmux meet
 * them, against a real server with its web port: ann completes a path with
 * Tab and sends a 5 MiB file with `/send`; bob sees it numbered and fetches
 * it with `/get` into his working folder, byte for byte, then again beside
 * it without overwriting it; a protocol client sees the file message.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { startServer } from "../../server.ts";
import { FreezingProxy } from "../_freezing_proxy.ts";
import { LOOPBACK, TestClient, waitUntil } from "../_test_utils.ts";
import { testWith } from "./_needs.ts";
import { literal, TerminalUser } from "./_terminal_user.ts";
import { clientUnder, Tmux, waitFor } from "./_tmux.ts";

/** Another loopback address, to dial the chat at where its web port is not the server's. */
const ELSEWHERE = "127.0.0.2";

/** `size` random bytes. */
function randomBytes(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  // getRandomValues fills at most 64 KiB at a time.
  for (let at = 0; at < size; at += 65_536) {
    crypto.getRandomValues(bytes.subarray(at, Math.min(at + 65_536, size)));
  }
  return bytes;
}

/** The SHA-256 of `bytes`, in lowercase hex. */
async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)).toHex();
}

/** Bob in a terminal, saving a file whose last bytes never come. */
interface StalledGet extends AsyncDisposable {
  readonly bob: TerminalUser;
  readonly tmux: Tmux;
  /** Bob's working directory, where /get saves files. */
  readonly root: string;
}

/**
 * Starts a server and bob, in tmux session `name`, with a `/get` of
 * slow.bin under way that never ends: bob dials the chat at another loopback
 * address, where the web port is a server whose downloads start and then
 * wait. Disposing of it ends tmux, the downloads, the servers and the
 * directory.
 */
async function stalledGet(name: string): Promise<StalledGet> {
  await using stack = new AsyncDisposableStack();
  const server = stack.use(await startServer({ hostname: LOOPBACK, port: 0, webPort: 0 }));
  const root = await Deno.makeTempDir({ prefix: "chat-transfer-" });
  stack.defer(() => Deno.remove(root, { recursive: true }));
  const proxy = stack.use(new FreezingProxy(server.addr.port, ELSEWHERE));
  const stalls = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const files = stack.use(Deno.serve(
    { hostname: ELSEWHERE, port: server.webAddr!.port, onListen() {} },
    () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            stalls.add(controller);
            controller.enqueue(new Uint8Array(1_000));
          },
        }),
        { headers: { "content-length": "1000000" } },
      ),
  ));
  stack.defer(() => {
    for (const controller of stalls) {
      try {
        controller.close();
      } catch { /* cancelled when the client left */ }
    }
  });
  const tmux = new Tmux(name);
  stack.defer(() => tmux.kill());
  const bob = await TerminalUser.join(tmux, "bob", proxy.port, {
    width: 120,
    cwd: root,
    host: ELSEWHERE,
  });
  await bob.enter(`/get http://${ELSEWHERE}:${files.addr.port}/files/${"a".repeat(64)}/slow.bin`);
  await bob.waitFor(
    (screen) => /^\(getting slow\.bin .*\) #lobby>$/.test(screen.cursorLine),
    "the download under way on the prompt",
  );
  const owned = stack.move();
  return { bob, tmux, root, [Symbol.asyncDispose]: () => owned.disposeAsync() };
}

testWith(
  ["tmux"],
  "chat join: /send shares a 5 MiB file, /get saves it byte-identical and never over a file",
  async () => {
    await using server = await startServer({ hostname: LOOPBACK, port: 0, webPort: 0 });
    const port = server.addr.port;
    const root = await Deno.makeTempDir({ prefix: "chat-transfer-" });
    const tmux = new Tmux("transfer");
    try {
      const sending = join(root, "ann files");
      const receiving = join(root, "bob");
      await Deno.mkdir(sending);
      await Deno.mkdir(receiving);
      const bytes = randomBytes(5 * 1024 * 1024);
      const hash = await sha256(bytes);
      await Deno.writeFile(join(sending, "five megs.bin"), bytes);
      await Deno.writeFile(join(sending, "notes.txt"), new TextEncoder().encode("notes\n"));
      await using watcher = await TestClient.join2(port, "watcher");
      const ann = await TerminalUser.join(tmux, "ann", port, { width: 140 });
      const bob = await TerminalUser.join(tmux, "bob", port, { width: 140, cwd: receiving });

      // Tab completes the path after /send, spaces and all.
      await ann.type(`/send ${root}/ann`);
      await ann.press("Tab");
      await ann.waitFor(
        (screen) => screen.cursorLine === `#lobby> /send ${sending}/`,
        "Tab to complete the folder",
      );
      await ann.tmux.waitForInputRead(ann.session);
      await ann.type("fi");
      await ann.press("Tab");
      const completed = `#lobby> /send ${sending}/five megs.bin`;
      await ann.waitFor(
        (screen) => screen.cursorLine === completed && screen.cursor.x === completed.length + 1,
        "Tab to complete the file name",
      );
      await ann.press("Enter");

      const message = await watcher.next("message", (frame) => frame.file !== undefined, 30_000);
      assert.equal(message.from, "ann");
      assert.equal(message.room, "#lobby");
      assert.equal(message.file?.name, "five megs.bin");
      assert.equal(message.file?.size, bytes.length);
      assert.equal(message.file?.id, hash);
      await ann.waitForLine(/ ann shared five megs\.bin \(5 MiB\) · \/get 1$/);
      await bob.waitForLine(/ ann shared five megs\.bin \(5 MiB\) · \/get 1$/);

      await bob.enter("/get 1");
      const first = join(receiving, "five megs.bin");
      await bob.waitForLine(
        new RegExp(`^-- Saved five megs\\.bin \\(5 MiB\\) as ${literal(first)}$`),
      );
      assert.equal(await sha256(await Deno.readFile(first)), hash);

      // A second time, beside the first: never over it.
      await bob.enter("/get 1");
      const second = join(receiving, "five megs (1).bin");
      await bob.waitForLine(
        new RegExp(`^-- Saved five megs \\(1\\)\\.bin .* as ${literal(second)}$`),
      );
      assert.equal(await sha256(await Deno.readFile(second)), hash);
      assert.equal(await sha256(await Deno.readFile(first)), hash);

      await bob.enter("/get 7");
      await bob.waitForLine(
        /^!! Cannot get file 7: no file has that number \(the last file shared is 1\)$/,
      );
      const saved = [...Deno.readDirSync(receiving)].map((entry) => entry.name).sort();
      assert.deepEqual(saved, ["five megs (1).bin", "five megs.bin"]);
      // Nothing was left unsaid: no progress is left on the prompt.
      await bob.waitFor((screen) => screen.cursorLine === "#lobby>", 'an empty "#lobby> " line');
    } finally {
      await tmux.kill();
      await Deno.remove(root, { recursive: true });
    }
  },
);

testWith(
  ["tmux"],
  "chat join: Ctrl-C or /quit while a file is on its way says so first, and leaves when done again",
  async () => {
    await using stalled = await stalledGet("transfer-leave");
    const { bob, root } = stalled;
    await bob.enter("/quit");
    await bob.waitForLine(
      /^-- slow\.bin is still being saved \(\/cancel stops it\); type \/quit again to leave anyway$/,
    );
    await bob.press("C-c");
    await bob.waitForLine(
      /^-- slow\.bin is still being saved \(\/cancel stops it\); press Ctrl-C again to leave anyway$/,
    );
    await bob.tmux.waitForInputRead(bob.session);
    await bob.press("C-c");
    const screen = await bob.waitForLine(/^EXIT=/);
    assert.ok(screen.lines.includes("EXIT=0"), screen.text);
    // A download cut short leaves no file.
    assert.deepEqual([...Deno.readDirSync(root)], []);
  },
);

testWith(
  ["tmux"],
  "chat join: a terminal closed while a file is being saved leaves no file, whole or cut short",
  async () => {
    await using stalled = await stalledGet("transfer-closed");
    const { tmux, root } = stalled;
    const client = await clientUnder(Number(await tmux.display("bob", "#{pane_pid}")));
    // The window is closed: the terminal goes, and chat join gets SIGHUP.
    await tmux.run("kill-session", "-t", "bob");
    await waitFor(
      () => Deno.stat(`/proc/${client}`).then(() => true, () => false),
      (running) => !running,
      10_000,
      () => "for chat join to end",
    );
    assert.deepEqual([...Deno.readDirSync(root)].map((entry) => entry.name), []);
  },
);

testWith(
  ["tmux"],
  "chat join: /send refused while the file is on its way stops at the refusal, and Ctrl-C leaves at once",
  async () => {
    const MIB = 1024 * 1024;
    await using server = await startServer({
      hostname: LOOPBACK,
      port: 0,
      webPort: 0,
      maxFile: 64,
      filesQuota: 64,
    });
    const store = server.files!;
    const root = await Deno.makeTempDir({ prefix: "chat-transfer-" });
    const tmux = new Tmux("transfer-refused");
    // Another upload under way holds 40 MiB of the store's room until the end.
    const release = Promise.withResolvers<void>();
    const holding = store.put(
      (async function* () {
        for (let sent = 0; sent < 40 * MIB; sent += MIB) yield new Uint8Array(MIB);
        await release.promise;
      })(),
      { name: "held.bin", uploader: "someone" },
    );
    try {
      // Sparse: 60 MiB to send, which fits the store alone; the server takes seconds to read
      // and drop what comes after its refusal.
      const path = join(root, "big.bin");
      using file = await Deno.open(path, { write: true, create: true });
      await file.truncate(60 * MIB);
      await waitUntil(() => store.busy(60 * MIB) !== undefined, 20_000, "the held upload");
      const ann = await TerminalUser.join(tmux, "ann", server.addr.port, { width: 140 });
      await ann.enter(`/send ${path}`);
      await ann.waitForLine(
        new RegExp(
          `^!! Cannot send ${
            literal(JSON.stringify(path))
          }: the uploads under way fill the room of the file store; try again in a moment$`,
        ),
      );
      await ann.waitFor((screen) => screen.cursorLine === "#lobby>", 'an empty "#lobby> " line');
      await ann.tmux.waitForInputRead(ann.session);
      // Nothing is on its way: Ctrl-C leaves without a word of the file.
      await ann.press("C-c");
      const screen = await ann.waitForLine(/^EXIT=/);
      assert.ok(screen.lines.includes("EXIT=0"), screen.text);
      assert.ok(!screen.text.includes("still being sent"), screen.text);
    } finally {
      release.resolve();
      await holding;
      await tmux.kill();
      await Deno.remove(root, { recursive: true });
    }
  },
);

testWith(
  ["tmux"],
  "chat join: /get takes links to this server's files only, under any name of this machine, not its page nor another server",
  async () => {
    await using server = await startServer({ hostname: LOOPBACK, port: 0, webPort: 0 });
    const webPort = server.webAddr!.port;
    const root = await Deno.makeTempDir({ prefix: "chat-transfer-" });
    let asked = 0;
    await using other = Deno.serve({ hostname: LOOPBACK, port: 0, onListen() {} }, () => {
      asked++;
      return new Response("not for you");
    });
    const tmux = new Tmux("transfer-links");
    try {
      const bob = await TerminalUser.join(tmux, "bob", server.addr.port, { width: 220, cwd: root });
      const files = `http://${LOOPBACK}:${webPort}/files/…`;
      const refused = (link: string) =>
        new RegExp(
          `^!! Cannot get ${literal(JSON.stringify(link))}: it is not a link to a file of this ` +
            `server \\(${literal(files)}\\)$`,
        );
      const page = `http://${LOOPBACK}:${webPort}/`;
      await bob.enter(`/get ${page}`);
      await bob.waitForLine(refused(page));
      const elsewhere = `http://${LOOPBACK}:${other.addr.port}/files/${"a".repeat(64)}/x.bin`;
      await bob.enter(`/get ${elsewhere}`);
      await bob.waitForLine(refused(elsewhere));
      await bob.waitFor((screen) => screen.cursorLine === "#lobby>", 'an empty "#lobby> " line');
      assert.equal(asked, 0, "the other server was asked for nothing");
      assert.deepEqual([...Deno.readDirSync(root)], [], "nothing saved");
      // This server under another name of this machine than the one bob joined by is this server.
      const token = server.uploadTokens!.issue({ name: "ann" });
      const upload = await fetch(`http://${LOOPBACK}:${webPort}/files`, {
        method: "POST",
        body: "kept here",
        headers: { authorization: `Bearer ${token}`, "x-file-name": "note.txt" },
      });
      const { url } = await upload.json() as { url: string };
      assert.equal(upload.status, 201);
      await bob.enter(`/get http://localhost:${webPort}${url}`);
      await bob.waitForLine(/^-- Saved note\.txt \(9 bytes\) as /);
      assert.equal(await Deno.readTextFile(join(root, "note.txt")), "kept here");
    } finally {
      await tmux.kill();
      await Deno.remove(root, { recursive: true });
    }
  },
);

testWith(
  ["tmux"],
  "chat join: /cancel stops a /send under way, which is neither shared nor stored, and the leave warning says so",
  async () => {
    const MIB = 1024 * 1024;
    await using server = await startServer({
      hostname: LOOPBACK,
      port: 0,
      webPort: 0,
      maxFile: 64,
      filesQuota: 64,
      // Reached through the other loopback address, by name.
      webHosts: [ELSEWHERE],
    });
    const store = server.files!;
    const root = await Deno.makeTempDir({ prefix: "chat-transfer-" });
    // Ann dials the chat at another loopback address, whose web port forwards to the server's
    // over a slow link: 24 MiB take long enough to be stopped on the way.
    await using chat = new FreezingProxy(server.addr.port, ELSEWHERE);
    await using web = new FreezingProxy(server.webAddr!.port, ELSEWHERE, server.webAddr!.port);
    web.lag(20);
    const tmux = new Tmux("transfer-cancel");
    try {
      const path = join(root, "big.bin");
      await Deno.writeFile(path, randomBytes(24 * MIB));
      await using watcher = await TestClient.join2(server.addr.port, "watcher");
      const ann = await TerminalUser.join(tmux, "ann", chat.port, { width: 140, host: ELSEWHERE });
      await ann.enter(`/send ${path}`);
      await ann.waitFor(
        (screen) => /^\(sending big\.bin .*\) #lobby>$/.test(screen.cursorLine),
        "the upload under way on the prompt",
      );
      await waitUntil(
        () => store.busy(64 * MIB) !== undefined,
        10_000,
        "the upload to reach the store",
      );
      await ann.tmux.waitForInputRead(ann.session);
      await ann.press("C-c");
      await ann.waitForLine(
        /^-- big\.bin is still being sent \(\/cancel stops it\); press Ctrl-C again to leave anyway$/,
      );
      await ann.enter("/cancel");
      await ann.waitForLine(/^-- Cancelled sending big\.bin: nothing was shared$/);
      await ann.waitFor((screen) => screen.cursorLine === "#lobby>", 'an empty "#lobby> " line');
      // The server dropped what it had of it, and keeps nothing.
      await waitUntil(
        () => store.busy(64 * MIB) === undefined,
        10_000,
        "the store to drop the upload",
      );
      assert.deepEqual(store.list(), []);
      await ann.enter("/cancel");
      await ann.waitForLine(/^!! Cannot cancel: no file is being sent or saved$/);
      await ann.enter("after");
      await watcher.next("message", (frame) => frame.text === "after", 10_000);
      assert.deepEqual(watcher.all("message").filter((frame) => frame.file !== undefined), []);
      assert.deepEqual(store.list(), []);
    } finally {
      await tmux.kill();
      await Deno.remove(root, { recursive: true });
    }
  },
);

testWith(
  ["tmux"],
  "chat join: /cancel NAME stops a /get under way and leaves no file, and Ctrl-C then leaves at once",
  async () => {
    await using stalled = await stalledGet("transfer-cancel-get");
    const { bob, root } = stalled;
    await bob.enter("/cancel other.bin");
    await bob.waitForLine(
      /^!! Cannot cancel "other\.bin": no file of that name or number is being sent or saved$/,
    );
    await bob.enter("/cancel slow.bin");
    await bob.waitForLine(/^-- Cancelled getting slow\.bin: nothing was saved$/);
    await bob.waitFor((screen) => screen.cursorLine === "#lobby>", 'an empty "#lobby> " line');
    // A download cancelled leaves no file, whole or cut short.
    assert.deepEqual([...Deno.readDirSync(root)], []);
    await bob.tmux.waitForInputRead(bob.session);
    await bob.press("C-c");
    const screen = await bob.waitForLine(/^EXIT=/);
    assert.ok(screen.lines.includes("EXIT=0"), screen.text);
    assert.ok(!screen.text.includes("still being saved"), screen.text);
  },
);
