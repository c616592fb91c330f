/// <reference lib="dom" />
// This module is browser compatible.

/**
 * One file sent to the server's `POST /files` (docs/PROTOCOL.md, "Files
 * (HTTP)") with an XMLHttpRequest, which, unlike `fetch`, tells how much of
 * the body has gone out: the page shows it as a progress bar. An upload can
 * be cancelled; its outcome says what the server stored, or why it did not.
 *
 * @module
 */

import { fileNameHeader, isFileId } from "../core/files.ts";

/** What the server answers with status 201: the stored file. */
export interface Uploaded {
  /** The SHA-256 of the bytes, which the `file` frame names. */
  id: string;
  /** The name the file was stored under, cleaned by the server. */
  name: string;
  /** Its size in bytes. */
  size: number;
}

/** How an upload ended. */
export type UploadOutcome =
  | { ok: true; file: Uploaded }
  | {
    ok: false;
    /** Why: the server refused it, the link failed, or the user cancelled it. */
    reason: "refused" | "network" | "cancelled";
    /** The HTTP status of a refusal; `0` otherwise. */
    status: number;
    /** The server's error code (`too_large`, `token_unknown`…), if it gave one. */
    code?: string;
    /** Why the file is not shared, for people: `it is larger than 1 MiB, …`. */
    detail: string;
  };

/** Options for {@linkcode startUpload}. */
export interface UploadOptions {
  /** The upload token of this connection, from `welcome.files`. */
  token: string;
  /** The server's password, when it has one. */
  password?: string | undefined;
  /** Called as the body goes out, with the bytes sent so far and in all. */
  onProgress?: (sent: number, total: number) => void;
}

/** An upload under way: its outcome, and a way to stop it. */
export interface Upload {
  /** Settles once the upload is over, however it ended; never rejects. */
  readonly done: Promise<UploadOutcome>;
  /** Stops the upload: `done` settles as cancelled, and nothing is stored. */
  cancel(): void;
}

/** The server's answer to a refused request: `{ error, message }`. */
function refusal(xhr: XMLHttpRequest): { code?: string; message?: string } {
  try {
    const value: unknown = JSON.parse(xhr.responseText);
    if (typeof value !== "object" || value === null) return {};
    const { error, message } = value as Record<string, unknown>;
    return {
      ...(typeof error === "string" ? { code: error } : {}),
      ...(typeof message === "string" ? { message } : {}),
    };
  } catch {
    return {};
  }
}

/** The stored file a 201 answer describes, if it is one. */
function uploaded(xhr: XMLHttpRequest): Uploaded | undefined {
  try {
    const value: unknown = JSON.parse(xhr.responseText);
    if (typeof value !== "object" || value === null) return undefined;
    const { id, name, size } = value as Record<string, unknown>;
    if (!isFileId(id) || typeof name !== "string" || typeof size !== "number") return undefined;
    return { id, name, size };
  } catch {
    return undefined;
  }
}

/** `message` without its leading `Cannot <action>: `, to go after a sentence of ours. */
function stateOf(message: string): string {
  const match = /^Cannot [^:]*: (.+)$/su.exec(message);
  return match?.[1] ?? message;
}

/** Why a request with `status` was refused, in the server's words where it gave some. */
function refusalDetail(status: number, said: string | undefined): string {
  switch (status) {
    case 401:
      return "the server no longer knows this connection (it was dropped); try again";
    case 413:
      return said === undefined ? "it is larger than the server takes" : stateOf(said);
    case 429:
      return said === undefined
        ? "uploads are coming too fast; wait a moment and try again"
        : stateOf(said);
    default:
      return said === undefined ? `the server answered ${status}` : stateOf(said);
  }
}

/**
 * Sends `file` to `POST /files` on the page's own origin.
 *
 * @param file The file to store, sent as its bytes.
 * @param options The token, the password and a progress listener.
 * @returns The upload, which settles once the server answered or it was cancelled.
 */
export function startUpload(file: File, options: UploadOptions): Upload {
  const xhr = new XMLHttpRequest();
  const done = new Promise<UploadOutcome>((resolve) => {
    xhr.upload.addEventListener("progress", (event) => {
      options.onProgress?.(event.loaded, event.lengthComputable ? event.total : file.size);
    });
    xhr.addEventListener("load", () => {
      const answer = xhr.status === 201 ? uploaded(xhr) : undefined;
      if (answer !== undefined) return resolve({ ok: true, file: answer });
      const said = refusal(xhr);
      resolve({
        ok: false,
        reason: "refused",
        status: xhr.status,
        ...(said.code === undefined ? {} : { code: said.code }),
        detail: xhr.status === 201
          ? "the server's answer was not understood"
          : refusalDetail(xhr.status, said.message),
      });
    });
    xhr.addEventListener("error", () =>
      resolve({
        ok: false,
        reason: "network",
        status: 0,
        detail: "the connection to the server was lost during the upload",
      }));
    xhr.addEventListener("abort", () =>
      resolve({
        ok: false,
        reason: "cancelled",
        status: 0,
        detail: "the upload was cancelled",
      }));
  });
  xhr.open("POST", "/files");
  xhr.setRequestHeader("Authorization", `Bearer ${options.token}`);
  xhr.setRequestHeader("X-File-Name", fileNameHeader(file.name));
  if (options.password !== undefined) {
    xhr.setRequestHeader("X-Chat-Password", encodeURIComponent(options.password));
  }
  xhr.send(file);
  return { done, cancel: () => xhr.abort() };
}
