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
    throw new SecretError(`op file ${quote(file)}: ${(error as Error).message}`);
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

/** Reads `--tls-cert` and `--tls-key`, which go together. */
export async function readServerTls(
  cert: string | undefined,
  key: string | undefined,
): Promise<{ cert: string; key: string } | undefined> {
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined) {
    throw new UsageError("--tls-cert and --tls-key go together");
  }
  return { cert: await readPem(cert, "certificate"), key: await readPem(key, "private key") };
}
