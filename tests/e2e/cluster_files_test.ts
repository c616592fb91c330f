/**
 * Files in a cluster whose servers differ: one takes files, the other was
 * started with `--no-files`, which serves none, not even those shared
 * through the first. A real nats-server links two real `chat serve
 * --cluster` processes; ann shares a file and a picture on the first, and
 * bob (in tmux) and eve (on the page in Chromium) on the second see them
 * shared, but are offered neither a `/get` number nor a download link that
 * their server would refuse; `/get` says why in one sentence.
 */

import assert from "node:assert/strict";
import { TestClient } from "../_test_utils.ts";
import {
  NATS_MISSING,
  NatsServer,
  serveWebInCluster,
  waitForEachOther,
  type WebClusterMember,
} from "../_nats.ts";
import { testWith } from "./_needs.ts";
import { TerminalUser } from "./_terminal_user.ts";
import { Tmux } from "./_tmux.ts";
import { ChatBrowser, joinAs, pageUrl, waitForLine } from "./_browser.ts";

/** The bytes of a 1×1 PNG: a picture the page would show inline. */
const PNG = Uint8Array.from([
  0x89,
  0x50,
  0x4e,
  0x47,
  0x0d,
  0x0a,
  0x1a,
  0x0a,
  0x00,
  0x00,
  0x00,
  0x0d,
  0x49,
  0x48,
  0x44,
  0x52,
  0x00,
  0x00,
  0x00,
  0x01,
  0x00,
  0x00,
  0x00,
  0x01,
  0x08,
  0x06,
  0x00,
  0x00,
  0x00,
  0x1f,
  0x15,
  0xc4,
  0x89,
  0x00,
  0x00,
  0x00,
  0x0d,
  0x49,
  0x44,
  0x41,
  0x54,
  0x78,
  0x9c,
  0x63,
  0xf8,
  0xcf,
  0xc0,
  0xf0,
  0x1f,
  0x00,
  0x05,
  0x00,
  0x01,
  0xff,
  0x89,
  0x99,
  0x3d,
  0x1d,
  0x00,
  0x00,
  0x00,
  0x00,
  0x49,
  0x45,
  0x4e,
  0x44,
  0xae,
  0x42,
  0x60,
  0x82,
]);

/** Uploads `body` as `name` with `client`'s token to its server, and shares it in #lobby. */
async function share(client: TestClient, name: string, body: Uint8Array<ArrayBuffer>) {
  const files = client.all("welcome")[0]!.files!;
  const response = await fetch(`http://127.0.0.1:${files.port}/files`, {
    method: "POST",
    body,
    headers: { authorization: `Bearer ${files.token}`, "x-file-name": name },
  });
  const stored = await response.json() as { id: string };
  assert.equal(response.status, 201, JSON.stringify(stored));
  await client.send({ type: "file", id: stored.id, room: "#lobby" });
}

const programs = ["tmux", "chromium"] as const;
const name =
  "a server of a cluster started with --no-files shows files shared elsewhere, offering no download";
if (NATS_MISSING === undefined) {
  testWith(programs, name, async () => {
    await using nats = await NatsServer.start();
    const servers: WebClusterMember[] = [];
    await using _servers = {
      [Symbol.asyncDispose]: async () => {
        for (const server of servers) await server[Symbol.asyncDispose]();
      },
    };
    servers.push(await serveWebInCluster(nats));
    servers.push(await serveWebInCluster(nats, ["--no-files"]));
    await waitForEachOther(servers);
    const [taking, none] = servers as [WebClusterMember, WebClusterMember];

    await using ann = await TestClient.join2(taking.port, "ann");
    const tmux = new Tmux("cluster-files");
    try {
      const bob = await TerminalUser.join(tmux, "bob", none.port, { width: 140 });
      await using browser = await ChatBrowser.launch();
      const eve = await browser.open(pageUrl(none.webPort));
      await joinAs(eve, "eve");
      await ann.next("joined", (frame) => frame.name === "eve");

      await share(ann, "notes.txt", new TextEncoder().encode("notes for everyone\n"));
      await share(ann, "dot.png", PNG);

      // The terminal shows both, without the number /get would take.
      const screen = await bob.waitForLine(/ ann shared dot\.png \(\d+ bytes\)$/);
      const shared = screen.lines.filter((line) => line.includes(" ann shared "));
      assert.deepEqual(shared.map((line) => line.replace(/^\[[^\]]*\] /, "")), [
        "ann shared notes.txt (19 bytes)",
        "ann shared dot.png (70 bytes)",
      ]);
      await bob.enter("/get 1");
      await bob.waitForLine(
        /^!! Cannot get file 1: this server takes no files, so it serves none, not even those shared through other servers of the chat$/,
      );

      // The page shows both as cards, without a download link or a picture its server refuses.
      const notes = await waitForLine(eve, "message", "notes.txt");
      const dot = await waitForLine(eve, "message", "dot.png");
      for (const line of [notes, dot]) {
        assert.equal(await line.locator(".attachment.card").count(), 1);
        assert.equal(await line.locator("a, img").count(), 0);
      }
      assert.deepEqual(browser.unexpectedProblems(), []);
    } finally {
      await tmux.kill();
    }
  });
} else {
  Deno.test({ name: `${name} (ignored: ${NATS_MISSING})`, ignore: true, fn: () => {} });
}
