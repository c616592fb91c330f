/**
 * Starting `chat serve --cluster`: the other servers hear of a server only
 * once every port of it listens.
 */

import assert from "node:assert/strict";
import { TestClient } from "./_test_utils.ts";
import { NatsServer, serveInCluster, testWithNats } from "./_nats.ts";
import { runChat } from "./_chat_process.ts";

testWithNats(
  "a server that cannot listen never joins the cluster, not even for a moment",
  async () => {
    await using nats = await NatsServer.start();
    await using first = await serveInCluster(nats);
    await using ann = await TestClient.join2(first.port, "ann");
    // Its chat port is the first server's: it reads the cluster, then cannot listen.
    const failed = await runChat(
      [
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        String(first.port),
        "--no-web",
        "--no-irc",
        "--no-announce",
        "--cluster",
        nats.url,
      ],
      "",
      { stdin: "null" },
    );
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(failed.stderr, /cannot listen on 127\.0\.0\.1:\d+: the port is in use/);
    // What the first server hears from here on comes after all the failed one said: the
    // next server to start is the first one it hears of.
    await using next = await serveInCluster(nats);
    const address = `127.0.0.1:${next.port}`;
    await first.process.waitForStdout(/Another server joined the cluster/);
    const servers = await ann.next("servers");
    assert.deepEqual(servers, { type: "servers", servers: [address], webServers: [] });
    await ann.sync();
    assert.equal(ann.all("servers").length, 1, JSON.stringify(ann.all("servers")));
    const heard = first.process.stdout.split("\n").filter((line) =>
      /server (joined|left)/.test(line)
    );
    assert.equal(heard.length, 1, heard.join("\n"));
    assert.match(heard[0]!, new RegExp(`Another server joined the cluster \\(${address}\\)$`));
  },
);
