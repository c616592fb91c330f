/**
 * A chat server for tests/faults_test.ts to run under a low open-file limit
 * (`sh -c "ulimit -n N; exec deno run …"`), with TLS when given a
 * certificate and key file, a web port with `--web`, an IRC port with
 * `--irc`. `--handshake S`
 * sets the handshake time (1 second unless given), which also bounds how long
 * a kept-alive HTTP connection may idle (5 seconds at most). Prints `port N`
 * (and `web N`, `irc N`) once listening, then every log line; stops on SIGTERM.
 *
 *   deno run --allow-net=127.0.0.1 [--allow-read] tests/_fd_limited_server.ts \
 *     [--web] [--irc] [--handshake S] [CERT KEY]
 */

import { parseArgs } from "node:util";
import { startServer } from "../server.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: {
    web: { type: "boolean" },
    irc: { type: "boolean" },
    handshake: { type: "string", default: "1" },
  },
  allowPositionals: true,
});
const [certFile, keyFile] = positionals;
const server = await startServer({
  ...(values.web ? { webPort: 0 } : {}),
  ...(values.irc ? { ircPort: 0 } : {}),
  hostname: "127.0.0.1",
  port: 0,
  probe: 0.2,
  handshake: Number(values.handshake),
  maxConnections: 1000,
  maxPerAddress: 1000,
  log: (line) => console.log(line),
  ...(certFile === undefined || keyFile === undefined ? {} : {
    tls: { cert: Deno.readTextFileSync(certFile), key: Deno.readTextFileSync(keyFile) },
  }),
});
if (server.webAddr !== undefined) console.log(`web ${server.webAddr.port}`);
if (server.ircAddr !== undefined) console.log(`irc ${server.ircAddr.port}`);
console.log(`port ${server.addr.port}`);
Deno.addSignalListener("SIGTERM", () => void server.close().then(() => Deno.exit(0)));
