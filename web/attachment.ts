/// <reference lib="dom" />
// This module is browser compatible.

/**
 * A shared file as the page shows it under its message: a picture as a
 * thumbnail that opens full size in a new tab, anything else (a picture the
 * browser cannot show included) as a card with its name, its size and a
 * download button. The name goes in as text only,
 * and a link is made only of a `/files/…` path, on the page's own origin or
 * (after a failover) on the server of the chat the page is on. Download
 * asks the page's own server first whether it still has the file: one its
 * store has since removed to make room is not downloaded (the browser would
 * save nothing, saying little), its card says so instead. Once any request
 * for a file finds it gone (a Download, a thumbnail), every card of it on the
 * page says so, a picture's as a card.
 *
 * @module
 */

import { formatBytes, isPicture } from "../core/files.ts";
import type { FileRef } from "../protocol.ts";

/** A file's path on the web port, as the server makes it: `/files/<sha-256>/<name>`. */
const FILE_URL = /^\/files\/[0-9a-f]{64}(?:\/[^/?#]*)?$/;

/**
 * Gives the address `file` is downloaded from now (with the current token
 * when downloads need one), or `undefined` when it cannot be downloaded.
 */
export type FileHref = (file: FileRef) => string | undefined;

/** `file.url` when it is a file's path on this origin, else `undefined`. */
export function safeFileUrl(file: Pick<FileRef, "url">): string | undefined {
  return FILE_URL.test(file.url) ? file.url : undefined;
}

/** Whether the page shows `file` as a picture: the server's type for it says so, nothing else. */
export function showsAsPicture(file: Pick<FileRef, "type">): boolean {
  return isPicture(file);
}

/**
 * A link to the file: the address is looked up again on each click, as a
 * token in it ends with the connection that got it.
 */
function fileLink(file: FileRef, href: string, current: FileHref): HTMLAnchorElement {
  const link = document.createElement("a");
  link.href = href;
  link.rel = "noopener noreferrer";
  link.addEventListener("click", () => {
    const now = current(file);
    if (now !== undefined) link.href = now;
  });
  return link;
}

/** Options for {@linkcode drawAttachment}. */
export interface AttachmentOptions {
  /**
   * Show a picture in the page; when not, it is a card with a link, as any
   * other file is. @default {true}
   */
  pictures?: boolean;
  /**
   * Told when Download finds that the server no longer has `file`, which
   * its card then says too.
   */
  gone?: (file: FileRef) => void;
}

/** Draws `file` as the page shows it under its message; `href` says where it is downloaded. */
export function drawAttachment(
  file: FileRef,
  href: FileHref,
  options: AttachmentOptions = {},
): HTMLElement {
  const box = document.createElement("div");
  box.className = "attachment";
  register(file.id, box);
  const url = href(file);
  const size = Number.isSafeInteger(file.size) && file.size >= 0 ? formatBytes(file.size) : "?";
  if (url !== undefined && showsAsPicture(file) && options.pictures !== false) {
    box.classList.add("picture");
    const link = fileLink(file, url, href);
    link.className = "thumbnail";
    link.target = "_blank";
    link.title = `${file.name} (${size}): open full size`;
    const image = document.createElement("img");
    image.loading = "lazy";
    image.decoding = "async";
    image.alt = file.name;
    image.src = url;
    // A token that ended with an earlier connection: the current one may load it, if it is
    // on this page's own server (the page loads no pictures from elsewhere). A picture the
    // current address cannot show either (damaged, cut short) becomes a card to download it
    // with, rather than a broken picture with its name cut through.
    image.addEventListener("error", () => {
      const now = href(file);
      const next = now === undefined ? undefined : new URL(now, location.href);
      if (next?.origin !== location.origin) return;
      if (next.href !== image.src) {
        image.src = next.href;
        return;
      }
      asCards.delete(box);
      box.replaceWith(asCard());
      // A picture the store removed: every card of it says so, not only this one.
      void stillThere(next.href).then((there) => {
        if (!there) markFileGone(file.id, true);
      });
    });
    const asCard = () => drawAttachment(file, href, { ...options, pictures: false });
    asCards.set(box, asCard);
    link.append(image);
    box.append(link);
    return box;
  }
  box.classList.add("card");
  const icon = document.createElement("span");
  icon.className = "file-icon";
  icon.setAttribute("aria-hidden", "true");
  const about = document.createElement("span");
  about.className = "file-about";
  const name = document.createElement("span");
  name.className = "file-name";
  // A name of its own direction, as people chose it (web/render.ts).
  name.dir = "auto";
  name.textContent = file.name;
  name.title = file.name;
  const bytes = document.createElement("span");
  bytes.className = "file-size";
  bytes.textContent = size;
  about.append(name, bytes);
  box.append(icon, about);
  if (url !== undefined) {
    const download = fileLink(file, url, href);
    download.className = "download-button";
    download.download = file.name;
    download.textContent = "Download";
    download.setAttribute("aria-label", `Download ${file.name}`);
    download.addEventListener("click", (event) => {
      if (!checkFirst(download, event)) return;
      void fetchChecked(download).then((there) => {
        markFileGone(file.id, !there);
        if (!there) options.gone?.(file);
      });
    });
    box.append(download);
  }
  return box;
}

/** Links whose next click downloads at once: they were just found to be there. */
const checked = new WeakSet<HTMLAnchorElement>();

/**
 * Whether the click `event` on `link` waits for a check that the server
 * still has the file: it does, once, on a link to the page's own server
 * (the page may ask no other).
 */
function checkFirst(link: HTMLAnchorElement, event: MouseEvent): boolean {
  if (checked.delete(link)) return false;
  if (new URL(link.href, location.href).origin !== location.origin) return false;
  event.preventDefault();
  return true;
}

/**
 * Asks the server, without the body, whether `link` leads to a file, and
 * clicks it again if so; resolves to `false`, without a download, when the
 * server no longer has it. A server that cannot be asked gets the download
 * all the same, which the browser then says failed.
 */
async function fetchChecked(link: HTMLAnchorElement): Promise<boolean> {
  if (!await stillThere(link.href)) return false;
  checked.add(link);
  link.click();
  return true;
}

/**
 * Asks the server, without the body, whether `href` still leads to a file:
 * `false` only for a 404; a server that cannot be asked may have it.
 */
async function stillThere(href: string): Promise<boolean> {
  try {
    const response = await fetch(href, { method: "HEAD", cache: "no-store" });
    return response.status !== 404;
  } catch {
    // Unreachable: left to the download.
    return true;
  }
}

/** How each picture on the page is drawn again as a card, to say its file is gone. */
const asCards = new WeakMap<HTMLElement, () => HTMLElement>();

/**
 * The attachments drawn of each file, by its id: in the log on the page or
 * in another view's, which is off the page until shown.
 */
const drawn = new Map<string, Set<WeakRef<HTMLElement>>>();

/** Keeps `box` among the attachments of the file `id`. */
function register(id: string, box: HTMLElement): void {
  let boxes = drawn.get(id);
  if (boxes === undefined) drawn.set(id, boxes = new Set());
  boxes.add(new WeakRef(box));
}

/**
 * Marks every card of the file `id`, in every view, as gone from the server,
 * a picture's turned into a card to say so; or none as gone any more.
 */
function markFileGone(id: string, gone: boolean): void {
  const boxes = drawn.get(id);
  if (boxes === undefined) return;
  for (const ref of [...boxes]) {
    const box = ref.deref();
    if (box === undefined) {
      boxes.delete(ref);
      continue;
    }
    const asCard = asCards.get(box);
    if (asCard === undefined) {
      markGone(box, gone);
    } else if (gone) {
      // Drawn again as a card, which is kept in its place.
      boxes.delete(ref);
      const card = asCard();
      box.replaceWith(card);
      markGone(card, true);
    }
  }
  if (boxes.size === 0) drawn.delete(id);
}

/**
 * Marks the card `box` as of a file gone from the server, or no longer so
 * (the same bytes shared again are stored again).
 */
function markGone(box: HTMLElement, gone: boolean): void {
  if (box.classList.contains("gone") === gone) return;
  box.classList.toggle("gone", gone);
  if (!gone) return box.querySelector(".file-gone")?.remove();
  const note = document.createElement("span");
  note.className = "file-gone";
  note.textContent = "No longer on the server";
  box.querySelector(".file-about")?.append(note);
}
