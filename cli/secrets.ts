/**
 * Files and variables the CLI reads secrets and certificates from: the room
 * password (never a bare command-line argument, so it stays out of `ps`) and
 * TLS certificates.
 *
 * @module
 */

import { quote, UsageError } from "./args.ts";
import { parseOpFile } from "../server/hub/moderation.ts";
import { errorText } from "../core/address.ts";

/** A file or variable could not be read; the message says which and why. */
export class SecretError extends Error {
  override get name(): string {
    return "SecretError";
  }
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "no such file"
      : error instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : error instanceof Deno.errors.IsADirectory
      ? "it is a folder"
      : errorText(error);
    throw new SecretError(`cannot read ${what} ${quote(path)}: ${reason}`);
  }
}

/**
 * The password from `--password-file`, else from `CHAT_PASSWORD`, else none.
 * A file's trailing newline is not part of the password.
 */
export async function readPassword(file: string | undefined): Promise<string | undefined> {
  let password: string | undefined;
  if (file !== undefined) password = (await readText(file, "password file")).replace(/\r?\n$/, "");
  else {
    try {
      password = Deno.env.get("CHAT_PASSWORD");
    } catch {
      password = undefined;
    }
  }
  if (password === "") {
    throw new SecretError(
      file === undefined
        ? "CHAT_PASSWORD is set but empty"
        : `password file ${quote(file)} is empty`,
    );
  }
  return password;
}

/** Reads `--op-file`: one `NAME SECRET` per line, as the hub takes it. */
export async function readOpFile(
  file: string | undefined,
): Promise<Map<string, string> | undefined> {
  if (file === undefined) return undefined;
  const text = await readText(file, "op file");
  try {
    return parseOpFile(text);
  } catch (error) {
    throw new SecretError(`cannot use op file ${quote(file)}: ${(error as Error).message}`);
  }
}

/** Reads a PEM certificate or key, checking that it looks like one. */
export async function readPem(path: string, what: string): Promise<string> {
  const text = await readText(path, what);
  if (!text.includes("-----BEGIN ")) {
    throw new SecretError(`${what} ${quote(path)} is not a PEM file`);
  }
  return text;
}

const CERTIFICATE = /^-----BEGIN CERTIFICATE-----$/m;
const PRIVATE_KEY = /^-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----$/m;

/** What a PEM file holds, as said after "it is". */
function holds(text: string): string | undefined {
  return CERTIFICATE.test(text)
    ? "a certificate"
    : PRIVATE_KEY.test(text)
    ? "a private key"
    : undefined;
}

/**
 * Reads a PEM file that must hold a certificate (`--ca`, `--cluster-ca`),
 * `what` naming it: a private key given instead would only be found out as
 * a server's certificate that file did not sign.
 */
export async function readCertificate(path: string, what: string): Promise<string> {
  const text = await readPem(path, what);
  if (!CERTIFICATE.test(text)) {
    const it = holds(text);
    throw new SecretError(
      `${what} ${quote(path)} holds no certificate${it === undefined ? "" : `: it is ${it}`}`,
    );
  }
  return text;
}

/**
 * Reads `--tls-cert` and `--tls-key`, which go together, checking that the
 * first holds a certificate and the second a private key: a server given
 * them the other way round would start, and nobody could join it.
 */
export async function readServerTls(
  cert: string | undefined,
  key: string | undefined,
): Promise<{ cert: string; key: string } | undefined> {
  if (cert === undefined && key === undefined) return undefined;
  // Named as given: the flag there, and the one it needs.
  if (cert === undefined) throw new UsageError("--tls-key needs --tls-cert");
  if (key === undefined) throw new UsageError("--tls-cert needs --tls-key");
  const certText = await readPem(cert, "certificate");
  const keyText = await readPem(key, "private key");
  const swapped = holds(certText) === "a private key" && holds(keyText) === "a certificate";
  if (swapped) {
    throw new SecretError(
      `certificate ${quote(cert)} is a private key, and private key ${quote(key)} a ` +
        "certificate: swap --tls-cert and --tls-key",
    );
  }
  if (!CERTIFICATE.test(certText)) {
    const what = holds(certText);
    throw new SecretError(
      `certificate ${quote(cert)} holds no certificate${
        what === undefined ? "" : `: it is ${what}`
      }`,
    );
  }
  if (!PRIVATE_KEY.test(keyText)) {
    const what = holds(keyText);
    throw new SecretError(
      `private key ${quote(key)} holds no private key${
        what === undefined ? "" : `: it is ${what}`
      }`,
    );
  }
  return { cert: certText, key: keyText };
}

/** What `--cluster-creds` and `--cluster-ca` hold, read once at start. */
export interface ClusterSecrets {
  /** The NATS credentials file's bytes. */
  creds?: Uint8Array;
  /** The CA certificate (PEM). */
  ca?: string;
}

/**
 * Reads `--cluster-creds` and `--cluster-ca`, checking that the first holds
 * a NATS user seed and the second a certificate: otherwise the NATS client
 * would fail later with a reason that names neither file.
 */
export async function readClusterSecrets(
  creds: string | undefined,
  ca: string | undefined,
): Promise<ClusterSecrets> {
  const secrets: ClusterSecrets = {};
  if (creds !== undefined) {
    const text = await readText(creds, "credentials file");
    if (!text.includes("-----BEGIN USER NKEY SEED-----")) {
      throw new SecretError(
        `credentials file ${quote(creds)} holds no NATS user seed: give the .creds file NATS made`,
      );
    }
    secrets.creds = new TextEncoder().encode(text);
  }
  if (ca !== undefined) {
    secrets.ca = await readCertificate(ca, "CA certificate");
  }
  return secrets;
}
