/// <reference lib="dom" />
// This module is browser compatible.

/**
 * A log's line as the page draws it: file links to its server, and a way back into a room left.
 *
 * @module
 */

import type { Line } from "../core/describe.ts";
import { FILE_GONE, fileQuery } from "../core/files.ts";
import { sanitizeText } from "../core/sanitize.ts";
import type { FileRef, FilesInfo } from "../protocol.ts";
import { safeFileUrl } from "./attachment.ts";
import { drawLine } from "./render.ts";

/** What {@linkcode drawLogLine} needs of the page. */
export interface LogLineOptions {
  /** Where the server takes files, as its `welcome` said, if it does. */
  place(): FilesInfo | undefined;
  /**
   * The origin of the server the page is on (`http://host:port`) when it is
   * another than the page's own, after a failover; else `undefined`.
   */
  elsewhere(): string | undefined;
  /** The room the user just left, while the line that says so is drawn. */
  left: string | undefined;
  /** Joins `room` again, as its "Join again" button was clicked. */
  rejoin(room: string): void;
  /** Shows an error line: `message` is cleaned already. */
  error(message: string): void;
}

/**
 * Where the link of shared `file` leads: with the token of `place` when
 * downloads need it, and to the server at origin `elsewhere` if the page is
 * on another than its own; nowhere when that server takes no files, as it
 * then serves none (a file shared through another server of the chat
 * included).
 */
function fileHref(
  file: FileRef,
  place: FilesInfo | undefined,
  elsewhere: string | undefined,
): string | undefined {
  const url = safeFileUrl(file);
  if (place === undefined) return undefined;
  const path = url === undefined ? url : fileQuery(place, { url });
  return path === undefined || elsewhere === undefined ? path : new URL(path, elsewhere).href;
}

/**
 * Draws `line` for the log of a user called `me`; a shared file's links
 * carry the token when downloads need it, and lead to the server the page
 * is on. Pictures of another server than the page's own are not shown in
 * it (its policy loads pictures of its own origin only): they are links
 * too. The line that says the user left a room has a button that joins it
 * again. A file the server no longer has, found so by its Download
 * button, gets an error line that says so.
 */
export function drawLogLine(line: Line, me: string, options: LogLineOptions): HTMLDivElement {
  const element = drawLine(line, me, {
    fileHref: (file: FileRef) => fileHref(file, options.place(), options.elsewhere()),
    pictures: options.elsewhere() === undefined,
    fileGone: (file: FileRef) =>
      options.error(`Cannot get "${sanitizeText(file.name)}": ${FILE_GONE}`),
  });
  // "You left #dev": one tap (the ×, a /part) is undone by one more.
  const left = options.left;
  if (left !== undefined && line.kind === "notice") {
    const again = document.createElement("button");
    again.type = "button";
    again.className = "link-button rejoin";
    again.textContent = "Join again";
    again.setAttribute("aria-label", `Join ${sanitizeText(left)} again`);
    again.addEventListener("click", (event) => {
      // A double click joins once, as in the sidebar.
      if (event.detail <= 1) options.rejoin(left);
    });
    element.append(" ", again);
  }
  return element;
}
