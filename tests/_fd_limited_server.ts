/**
 * A chat server for tests/faults_test.ts to run under a low open-file limit
 * (`sh -c "ulimit -n N; exec deno run …"`). Prints `port N` once listening,
 * then every log line; stops on SIGTERM.
 */

import { startServer } from "../server.ts";

const server = await startServer({
  hostname: "127.0.0.1",
  port: 0,
  probe: 0.2,
  maxConnections: 1000,
  maxPerAddress: 1000,
  log: (line) => console.log(line),
});
console.log(`port ${server.addr.port}`);
Deno.addSignalListener("SIGTERM", () => void server.close().then(() => Deno.exit(0)));
