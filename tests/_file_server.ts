/**
 * A chat server with its web port on loopback, for tests that measure the
 * server alone: prints `{"port": …, "token": …}` on one line, then runs
 * until its standard input closes. Its argument is `--max-file` in MiB.
 *
 * @module
 */

import { startServer } from "../server.ts";

const server = await startServer({
  hostname: "127.0.0.1",
  port: 0,
  webPort: 0,
  maxFile: Number(Deno.args[0] ?? 25),
});
const token = server.uploadTokens!.issue({ name: "measured" });
console.log(JSON.stringify({ port: server.webAddr!.port, token }));
for await (const _ of Deno.stdin.readable) { /* until it closes */ }
await server.close();
