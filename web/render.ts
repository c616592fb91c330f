/// <reference lib="dom" />
// This module is browser compatible.

/**
 * Draws lines of styled parts (core/describe.ts) as the page's log lines:
 * one `.line` element each, classed by its kind and tags, names in their
 * palette colour, mentions in `<mark>`, web addresses as links (web/links.ts)
 * dividers (a new day, what is new) as separators, and a shared file under
 * its line (web/attachment.ts). The parts are cleaned already and go in as
 * text nodes: markup in a message is shown, never parsed. What people chose
 * (a message's words, a name, a room, a topic, a file's name) is a run of
 * its own (bidi isolated): Hebrew or Arabic reads right to left inside it,
 * and the line around it stays `[time] name: text`.
 *
 * @module
 */

import type { Line, Part } from "../core/describe.ts";
import { stamp } from "../core/format.ts";
import { nameKey } from "../core/names.ts";
import { colorOf } from "../core/palette.ts";
import { sanitizeText } from "../core/sanitize.ts";
import type { FileRef } from "../protocol.ts";
import { drawAttachment, type FileHref, safeFileUrl } from "./attachment.ts";
import { findLinks } from "./links.ts";

/** Options for {@linkcode drawLine}. */
export interface DrawOptions {
  /** Where a shared file is downloaded from. @default {its own `/files/…` path} */
  fileHref?: FileHref;
  /** Show a shared picture in the page, not only a link to it. @default {true} */
  pictures?: boolean;
  /** Told when Download finds that the server no longer has a shared file. */
  fileGone?: (file: FileRef) => void;
}

function span(className: string, ...children: (Node | string)[]): HTMLSpanElement {
  const element = document.createElement("span");
  element.className = className;
  element.append(...children);
  return element;
}

/**
 * `element`, whose text someone chose, set apart as a run of its own: in
 * the direction of its first letter (`auto`, as `<bdi>`), or left to right
 * (`ltr`) for a room's name or a view's (`#dev`, `@bob`), whose sign leads
 * as everywhere else on the page. What comes before and after it stays in
 * place.
 */
export function isolated<T extends HTMLElement>(element: T, dir: "auto" | "ltr" = "auto"): T {
  element.dir = dir;
  return element;
}

/**
 * A name in its palette colour, reading `text` (the cleaned name unless
 * given) in a `<bdi>`, in its own direction; the user's own name also gets
 * the class `self`.
 */
export function nameSpan(
  name: string,
  me: string,
  className = "name",
  text = sanitizeText(name),
): HTMLSpanElement {
  const isolate = document.createElement("bdi");
  isolate.textContent = text;
  const element = span(className, isolate);
  element.style.setProperty("--name-color", colorOf(name).css);
  if (me !== "" && nameKey(name) === nameKey(me)) element.classList.add("self");
  return element;
}

function timeSpan(ts: number): HTMLSpanElement {
  const element = span("time", `[${stamp(ts, Date.now())}]`);
  element.title = new Date(ts).toLocaleString();
  return element;
}

function drawPart(part: Part, me: string): Node {
  switch (part.style) {
    case undefined:
    case "text":
      return document.createTextNode(part.text);
    case "mention": {
      const mark = document.createElement("mark");
      mark.className = "mention";
      mark.textContent = part.text;
      return mark;
    }
    case "name":
    case "peer":
    case "nick":
      return nameSpan(part.name ?? part.text, me, part.style, part.text);
    case "you":
      return nameSpan(part.name ?? me, me, "name", part.text);
    case "room":
      return isolated(span(part.style, part.text), "ltr");
    case "topic":
    case "file":
      return isolated(span(part.style, part.text));
    default:
      return span(part.style, part.text);
  }
}

/** A link to `href` that opens in a new tab and tells the site nothing of the page. */
function linkTo(href: string): HTMLAnchorElement {
  const link = document.createElement("a");
  link.href = href;
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  link.className = "link";
  return link;
}

/**
 * Draws the words of a message, `text` and `mention` parts in a row, into
 * one `.text` of their own direction: each web address in them a link
 * reading exactly as sent, mentions inside it included.
 */
function drawWords(parts: readonly Part[], me: string): HTMLSpanElement {
  const words = isolated(span("text"));
  const links = findLinks(parts.map((part) => part.text).join(""));
  let offset = 0;
  let link: HTMLAnchorElement | undefined;
  for (const part of parts) {
    let at = 0;
    while (at < part.text.length) {
      const position = offset + at;
      const inside = links.find((found) => found.start <= position && position < found.end);
      const next = links.find((found) => found.start > position);
      const stop = inside?.end ?? next?.start ?? Infinity;
      const piece = part.text.slice(at, Math.max(at + 1, stop - offset));
      if (inside !== undefined && (link === undefined || position === inside.start)) {
        link = linkTo(inside.href);
        words.append(link);
      } else if (inside === undefined) link = undefined;
      (link ?? words).append(drawPart({ ...part, text: piece }, me));
      at += piece.length;
    }
    offset += part.text.length;
  }
  return words;
}

/** Draws `parts`: the words of a message (`text` and `mention` parts in a row) in one `.text`. */
function drawParts(parts: readonly Part[], me: string): Node[] {
  const nodes: Node[] = [];
  let run: Part[] = [];
  const flush = () => {
    if (run.length > 0) nodes.push(drawWords(run, me));
    run = [];
  };
  for (const part of parts) {
    if (part.style === "text" || part.style === "mention") {
      run.push(part);
      continue;
    }
    flush();
    nodes.push(drawPart(part, me));
  }
  flush();
  return nodes;
}

/**
 * Draws one line for a user called `me`: a `.line` of its kind and tags,
 * the time (or the line's status) first, and the file it shares under it. A
 * message of several lines (but a code block) is classed `lines` too, and
 * what comes before its words, the time included, is one `.lead`. A
 * notice without a time of its own is stamped now, but for a row of `/help`
 * (tagged `help`): the list's heading stamps it once, and the row keeps the
 * time's column empty.
 */
export function drawLine(line: Line, me: string, options: DrawOptions = {}): HTMLDivElement {
  const element = document.createElement("div");
  element.classList.add("line", line.kind, ...line.tags ?? []);
  if (line.kind === "divider") {
    // A new day, or what is new: a separator, without a time of its own. A separator's
    // content is not read: its words, without the rule drawn around them, are its name.
    element.setAttribute("role", "separator");
    const words = line.parts.map((part) => part.text).join("").replace(/^[—\s]+|[—\s]+$/g, "");
    element.setAttribute("aria-label", words);
    element.append(span("text", ...line.parts.map((part) => drawPart(part, me))));
    return element;
  }
  const time = line.status !== undefined
    ? span("time status", line.status)
    : line.ts === undefined && line.tags?.includes("help")
    ? span("time")
    : timeSpan(line.ts ?? Date.now());
  // A notice's words are the client's or the server's own; one that quotes an address in a
  // `text` part (where to share files from) makes it a link.
  const words = line.kind === "notice" || line.kind === "error"
    ? [
      span(
        "text",
        ...line.parts.flatMap((part) =>
          part.style === "text" ? [...drawWords([part], me).childNodes] : [drawPart(part, me)]
        ),
      ),
    ]
    : drawParts(line.parts, me);
  // A message of several lines starts each where the first starts, after who sent it, as the
  // terminal does: what comes before its words is a column of its own (see style.css).
  const lines = line.kind === "notice" || line.kind === "error" || line.tags?.includes("code")
    ? -1
    : words.findIndex((node) =>
      node instanceof HTMLElement && node.classList.contains("text") &&
      node.textContent?.includes("\n")
    );
  if (lines === -1) element.append(time, " ", ...words);
  else {
    element.classList.add("lines");
    element.append(span("lead", time, " ", ...words.slice(0, lines)), ...words.slice(lines));
  }
  if (line.file !== undefined) {
    element.classList.add("shared-file");
    element.append(
      drawAttachment(line.file, options.fileHref ?? safeFileUrl, {
        pictures: options.pictures ?? true,
        ...(options.fileGone === undefined ? {} : { gone: options.fileGone }),
      }),
    );
  }
  if (line.id !== undefined) element.dataset.id = String(line.id);
  return element;
}
