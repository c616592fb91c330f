/**
 * `chat join` against real TLS servers whose certificates are refused, one
 * reason each: expired, not yet valid, issued for another address, a CA
 * certificate in the server's place, and signed by a CA that is not trusted.
 * The certificates are made with openssl; the tests are ignored without it.
 * And the client's end of a handshake that fails, again and again as when
 * reconnecting: each time it closes the connection it opened, as the other
 * end sees.
 */

import assert from "node:assert/strict";
import { ConnectError, Connection } from "../client/connection.ts";
import { startServer } from "../server.ts";
import { assertOneErrorLine, runChat } from "./_chat_process.ts";
import { OPENSSL, openssl, selfSigned, selfSignedCert } from "./_fault_helpers.ts";
import { LOOPBACK, waitUntil, within } from "./_test_utils.ts";

/** A minimal `openssl ca` setup: any subject, the request's extensions replaced by a section. */
const CA_CONFIG = `[ ca ]
default_ca = test_ca
[ test_ca ]
dir = .
database = ./index.txt
new_certs_dir = .
serial = ./serial
default_md = sha256
policy = any_subject
unique_subject = no
[ any_subject ]
commonName = supplied
[ server ]
basicConstraints = critical,CA:FALSE
subjectAltName = IP:127.0.0.1
[ elsewhere ]
basicConstraints = critical,CA:FALSE
subjectAltName = IP:10.1.2.3,DNS:other.example
`;

/** The test CA signs `server.csr` into `name`.pem, with a config section and validity. */
async function sign(dir: string, name: string, section: string, validity: string[]) {
  await openssl(dir, [
    "ca",
    "-batch",
    "-notext",
    "-config",
    "ca.cnf",
    "-cert",
    "ca.pem",
    "-keyfile",
    "ca.key",
    "-extensions",
    section,
    ...validity,
    "-in",
    "server.csr",
    "-out",
    `${name}.pem`,
  ]);
}

/** One refused certificate: what the server shows, what `chat join` is given, what it says. */
interface Case {
  what: string;
  cert: string;
  key: string;
  args: (port: number) => string[];
  says: (port: number) => string;
}

Deno.test({
  name: `chat join names the real reason a server's TLS certificate is refused${
    OPENSSL === undefined ? " (ignored: openssl is not installed)" : ""
  }`,
  ignore: OPENSSL === undefined,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "chat-tls-reasons-" });
    try {
      await Deno.writeTextFile(`${dir}/ca.cnf`, CA_CONFIG);
      await Deno.writeTextFile(`${dir}/index.txt`, "");
      await Deno.writeTextFile(`${dir}/serial`, "01\n");
      const ca = ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign"];
      await selfSigned(dir, "ca", ca);
      await selfSigned(dir, "other-ca", ca);
      await selfSigned(dir, "ca-as-server", [
        "basicConstraints=critical,CA:TRUE",
        "subjectAltName=IP:127.0.0.1",
      ]);
      await openssl(dir, [
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-subj",
        "/CN=server",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
      ]);
      await sign(dir, "good", "server", ["-days", "2"]);
      await sign(dir, "expired", "server", [
        "-startdate",
        "20200101000000Z",
        "-enddate",
        "20200201000000Z",
      ]);
      await sign(dir, "future", "server", [
        "-startdate",
        "20400101000000Z",
        "-enddate",
        "20400201000000Z",
      ]);
      await sign(dir, "elsewhere", "elsewhere", ["-days", "2"]);
      await Deno.writeTextFile(
        `${dir}/broken.pem`,
        "-----BEGIN CERTIFICATE-----\nAAAAAAAA\n-----END CERTIFICATE-----\n",
      );
      const file = (name: string) => `${dir}/${name}`;
      const join = (port: number, ...flags: string[]) => [
        "join",
        `${LOOPBACK}:${port}`,
        "--name",
        "cli",
        ...flags,
      ];
      const refused = (port: number) => `chat: cannot connect to ${LOOPBACK}:${port}: `;

      await t.step("a certificate signed by the CA given with --ca is accepted", async () => {
        await using server = await startServer({
          hostname: LOOPBACK,
          port: 0,
          tls: {
            cert: await Deno.readTextFile(file("good.pem")),
            key: await Deno.readTextFile(file("server.key")),
          },
        });
        const outcome = await runChat(
          join(server.addr.port, "--ca", file("ca.pem")),
          "through the test CA\n",
        );
        assert.equal(outcome.code, 0, outcome.stderr);
        assert.equal(outcome.stderr, "");
      });

      const cases: Case[] = [
        {
          what: "an expired certificate says when it expired",
          cert: "expired.pem",
          key: "server.key",
          args: (port) => join(port, "--ca", file("ca.pem")),
          says: (port) =>
            `${refused(port)}the server's TLS certificate expired on 2020-02-01. ` +
            "Renew it on the server, or check the clock of this computer",
        },
        {
          what: "a certificate not valid yet says from when it is",
          cert: "future.pem",
          key: "server.key",
          args: (port) => join(port, "--ca", file("ca.pem")),
          says: (port) =>
            `${refused(port)}the server's TLS certificate is not valid yet ` +
            "(not before 2040-01-01). Check the clocks of this computer and of the server",
        },
        {
          what: "a certificate for another address names the addresses it is for",
          cert: "elsewhere.pem",
          key: "server.key",
          args: (port) => join(port, "--ca", file("ca.pem")),
          says: (port) =>
            `${refused(port)}the server's TLS certificate is issued for 10.1.2.3 or ` +
            `other.example, not for ${LOOPBACK}. ` +
            "Join one of those, or make the certificate for this address",
        },
        {
          what: "a CA certificate used as the server's points to CA:FALSE",
          cert: "ca-as-server.pem",
          key: "ca-as-server.key",
          args: (port) => join(port, "--ca", file("ca-as-server.pem")),
          says: (port) =>
            `${refused(port)}the server's TLS certificate is a CA certificate (CA:TRUE), ` +
            "which Deno refuses from a server. Make it with basicConstraints=critical,CA:FALSE, " +
            "as the README's openssl command does",
        },
        {
          what: "an untrusted certificate without --ca suggests --ca",
          cert: "good.pem",
          key: "server.key",
          args: (port) => join(port, "--tls"),
          says: (port) =>
            `${refused(port)}the server's TLS certificate is not trusted ` +
            "(pass its CA with --ca FILE)",
        },
        {
          what: "an untrusted certificate with --ca says the file did not sign it",
          cert: "good.pem",
          key: "server.key",
          args: (port) => join(port, "--ca", file("other-ca.pem")),
          says: (port) =>
            `${refused(port)}the server's TLS certificate is not trusted: ` +
            `it is not signed by the certificate in ${file("other-ca.pem")}`,
        },
        {
          what: "a --ca file that holds a private key says it holds no certificate",
          cert: "good.pem",
          key: "server.key",
          args: (port) => join(port, "--ca", file("server.key")),
          says: () =>
            `chat: CA certificate "${file("server.key")}" holds no certificate: ` +
            "it is a private key",
        },
        {
          what: "a --ca file that holds no valid certificate is named as the problem",
          cert: "good.pem",
          key: "server.key",
          args: (port) => join(port, "--ca", file("broken.pem")),
          says: (port) =>
            `${refused(port)}cannot use the certificate in ${file("broken.pem")}: BadEncoding`,
        },
      ];
      for (const { what, cert, key, args, says } of cases) {
        await t.step(what, async () => {
          await using server = await startServer({
            hostname: LOOPBACK,
            port: 0,
            tls: {
              cert: await Deno.readTextFile(file(cert)),
              key: await Deno.readTextFile(file(key)),
            },
          });
          const port = server.addr.port;
          const outcome = await runChat(args(port), "never sent\n");
          assert.equal(outcome.code, 1, outcome.stderr);
          assert.equal(assertOneErrorLine(outcome, what), says(port));
          assert.equal(outcome.stdout, "");
          assert.equal(server.hub.size, 0);
        });
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/**
 * A loopback TCP relay to a server's `target` port (or, with none, a
 * listener that accepts and never says a word) that counts the connections
 * the client closed: its end read end of file, or was reset. When the server
 * closes first, the relay passes on only that the server will write no more,
 * so that the client's own close still shows.
 */
class Watcher implements AsyncDisposable {
  readonly #listener = Deno.listen({ hostname: LOOPBACK, port: 0 });
  readonly #target: number | undefined;
  readonly #conns = new Set<Deno.Conn>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #accepting: Promise<void>;
  #accepted = 0;
  #closedByClient = 0;

  constructor(target?: number) {
    this.#target = target;
    this.#accepting = this.#accept();
  }

  /** The port clients connect to. */
  get port(): number {
    return this.#listener.addr.port;
  }

  /** Connections accepted so far. */
  get accepted(): number {
    return this.#accepted;
  }

  /** Connections whose client closed them so far. */
  get closedByClient(): number {
    return this.#closedByClient;
  }

  async #accept(): Promise<void> {
    try {
      for await (const client of this.#listener) {
        this.#accepted++;
        this.#conns.add(client);
        const task = this.#relay(client).finally(() => this.#tasks.delete(task));
        this.#tasks.add(task);
      }
    } catch {
      // The listener was closed.
    }
  }

  async #relay(client: Deno.Conn): Promise<void> {
    const server = this.#target === undefined
      ? undefined
      : await Deno.connect({ hostname: LOOPBACK, port: this.#target });
    if (server !== undefined) this.#conns.add(server);
    const down = server === undefined ? Promise.resolve() : pump(server, client).then(
      () => client.closeWrite(),
    ).catch(() => {});
    try {
      // Until the client's end closes: what it sends goes to the server, if any.
      await pump(client, server);
      this.#closedByClient++;
    } catch (error) {
      if (error instanceof Deno.errors.ConnectionReset) this.#closedByClient++;
    } finally {
      for (const conn of [client, server]) {
        if (conn === undefined) continue;
        this.#conns.delete(conn);
        try {
          conn.close();
        } catch {
          // Closed by the test's end already.
        }
      }
      await down;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#listener.close();
    for (const conn of this.#conns) conn.close();
    this.#conns.clear();
    await this.#accepting;
    await Promise.all(this.#tasks);
  }
}

/** Copies what `from` reads to `to` (or nowhere) until `from` reads end of file. */
async function pump(from: Deno.Conn, to: Deno.Conn | undefined): Promise<void> {
  const buffer = new Uint8Array(16 * 1024);
  while (true) {
    const count = await from.read(buffer);
    if (count === null) return;
    let bytes = buffer.subarray(0, count);
    while (to !== undefined && bytes.length > 0) bytes = bytes.subarray(await to.write(bytes));
  }
}

/** How many times each test below fails the handshake, as a client reconnecting would. */
const ATTEMPTS = 3;

/** Opens a TLS connection through `watcher` `ATTEMPTS` times; each must fail saying `says`. */
async function failEachTime(watcher: Watcher, says: RegExp, timeout?: number): Promise<void> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const opening = Connection.open(LOOPBACK, watcher.port, {
      tls: {},
      ...(timeout === undefined ? {} : { timeout }),
    });
    await assert.rejects(
      within(opening, 5_000, `attempt ${attempt} to fail`),
      (error) => error instanceof ConnectError && says.test(error.message),
    );
    assert.equal(watcher.accepted, attempt);
  }
}

/** Waits until the client has closed every connection `watcher` accepted. */
async function closedEachTime(watcher: Watcher): Promise<void> {
  await waitUntil(
    () => watcher.closedByClient === watcher.accepted,
    5_000,
    `the client to close each of the ${watcher.accepted} connections it opened`,
  );
}

Deno.test("Connection.open() closes the connection it opened when the TLS handshake fails", async (t) => {
  await t.step("against a chat server that speaks no TLS", async () => {
    await using server = await startServer({ hostname: LOOPBACK, port: 0 });
    await using watcher = new Watcher(server.addr.port);
    await failEachTime(watcher, /the TLS handshake failed \(is the server using --tls-cert\?\)$/);
    await closedEachTime(watcher);
  });

  await t.step({
    name: `against a chat server whose certificate is not trusted${
      OPENSSL === undefined ? " (ignored: openssl is not installed)" : ""
    }`,
    ignore: OPENSSL === undefined,
    fn: async () => {
      const dir = await Deno.makeTempDir({ prefix: "chat-tls-close-" });
      try {
        const { cert, key } = await selfSignedCert(dir);
        await using server = await startServer({ hostname: LOOPBACK, port: 0, tls: { cert, key } });
        await using watcher = new Watcher(server.addr.port);
        await failEachTime(watcher, /the server's TLS certificate is not trusted/);
        await closedEachTime(watcher);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });

  await t.step("against a listener that never answers, it gives up after its timeout", async () => {
    // The socket is closed here; Deno lets it go only once the peer answers or hangs up,
    // which this listener does when disposed.
    await using watcher = new Watcher();
    await failEachTime(watcher, /no answer to the TLS handshake after 0\.2 s$/, 200);
  });
});
