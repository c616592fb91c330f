import assert from "node:assert/strict";
/**
 * Helpers for the fault tests: a self-signed certificate for 127.0.0.1 and a
 * TLS flavour of {@linkcode TestClient}.
 *
 * @module
 */

import { LOOPBACK, TestClient } from "./_test_utils.ts";

/** The output of `openssl version`, or `undefined` when openssl cannot be run. */
export const OPENSSL: string | undefined = (() => {
  try {
    const { success, stdout } = new Deno.Command("openssl", {
      args: ["version"],
      stderr: "null",
    }).outputSync();
    return success ? new TextDecoder().decode(stdout).trim() : undefined;
  } catch {
    return undefined;
  }
})();

/** Runs `openssl args` in `dir`; throws with its error output when it fails. */
export async function openssl(dir: string, args: string[]): Promise<void> {
  const { success, stderr } = await new Deno.Command("openssl", {
    args,
    cwd: dir,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!success) {
    throw new Error(`Cannot run openssl ${args[0]}: ${new TextDecoder().decode(stderr).trim()}`);
  }
}

/** Makes a P-256 key `name`.key and a self-signed certificate `name`.pem with these extensions. */
export async function selfSigned(dir: string, name: string, extensions: string[]): Promise<void> {
  await openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-days",
    "3",
    "-subj",
    `/CN=${name}`,
    ...extensions.flatMap((extension) => ["-addext", extension]),
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
  ]);
}

/** A certificate and its key, as PEM text and as files. */
export interface TestCert {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

/**
 * Makes a self-signed certificate for IP 127.0.0.1 in `dir` with openssl.
 * It is an end-entity certificate (CA:FALSE), which rustls insists on.
 */
export async function selfSignedCert(dir: string): Promise<TestCert> {
  const certFile = `${dir}/cert.pem`;
  const keyFile = `${dir}/key.pem`;
  const { success, stderr } = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-addext",
      "basicConstraints=critical,CA:FALSE",
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!success) {
    throw new Error(`Cannot make a certificate: ${new TextDecoder().decode(stderr).trim()}`);
  }
  return {
    cert: await Deno.readTextFile(certFile),
    key: await Deno.readTextFile(keyFile),
    certFile,
    keyFile,
  };
}

/** Connects over TLS to `port` on loopback, trusting `cert`, and wraps the socket as a TestClient. */
export async function connectTls(port: number, cert: string): Promise<TestClient> {
  const conn = await Deno.connectTls({ hostname: LOOPBACK, port, caCerts: [cert] });
  await conn.handshake();
  // TestClient only reads, writes and closes, which a TLS connection does alike.
  return new TestClient(conn as unknown as Deno.TcpConn);
}

/**
 * Runs `code` with `deno eval`, waits until it prints `marker`, then kills it
 * with SIGKILL, as a power cut or an OOM kill would, and checks that it died so.
 */
export async function evalThenKill(code: string, marker: string): Promise<void> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  while (!output.includes(marker)) {
    const { value, done } = await reader.read();
    if (done) break;
    output += value;
  }
  child.kill("SIGKILL");
  await reader.cancel();
  const status = await child.status;
  assert.equal(status.signal, "SIGKILL", `the child printed ${JSON.stringify(output)}`);
}
