/**
 * A chat server for tests/faults_test.ts to run under a low open-file limit
 * (`sh -c "ulimit -n N; exec deno run …"`), with TLS when given a
 * certificate and key file, and a web port with `--web`. Prints `port N`
 * (and `web N`) once listening, then every log line; stops on SIGTERM.
 *
 *   deno run --allow-net=127.0.0.1 [--allow-read] tests/_fd_limited_server.ts [--web] [CERT KEY]
 */

import { startServer } from "../server.ts";

const web = Deno.args[0] === "--web";
const [certFile, keyFile] = web ? Deno.args.slice(1) : Deno.args;
const server = await startServer({
  ...(web ? { webPort: 0 } : {}),
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
if (server.webAddr !== undefined) console.log(`web ${server.webAddr.port}`);
console.log(`port ${server.addr.port}`);
Deno.addSignalListener("SIGTERM", () => void server.close().then(() => Deno.exit(0)));
