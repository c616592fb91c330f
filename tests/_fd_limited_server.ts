/**
 * A chat server for tests/faults_test.ts to run under a low open-file limit
 * (`sh -c "ulimit -n N; exec deno run …"`), with TLS when given a
 * certificate and key file. Prints `port N` once listening, then every log
 * line; stops on SIGTERM.
 *
 *   deno run --allow-net=127.0.0.1 [--allow-read] tests/_fd_limited_server.ts [CERT KEY]
 */

import { startServer } from "../server.ts";

const [certFile, keyFile] = Deno.args;
const server = await startServer({
  hostname: "127.0.0.1",
  port: 0,
  probe: 0.2,
  handshake: 1,
  maxConnections: 1000,
  maxPerAddress: 1000,
  log: (line) => console.log(line),
  ...(certFile === undefined || keyFile === undefined ? {} : {
    tls: { cert: Deno.readTextFileSync(certFile), key: Deno.readTextFileSync(keyFile) },
  }),
});
console.log(`port ${server.addr.port}`);
Deno.addSignalListener("SIGTERM", () => void server.close().then(() => Deno.exit(0)));
