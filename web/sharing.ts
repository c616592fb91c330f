/// <reference lib="dom" />
// This module is browser compatible.

/**
 * Sharing files from the page: the paperclip opens the file picker (on a
 * phone it offers the camera and the gallery too), files dropped anywhere
 * on the page and pictures pasted into the message box are shared as well.
 * Each file is uploaded in turn (web/upload.ts) under a progress bar with a
 * cancel button above the message box, then shared where the user looks.
 * A file larger than the server takes, or than all the room of its file
 * store, is refused before a byte is sent.
 * After a failover to another server of the chat than the page's own, the
 * page shares no files (it uploads to its own origin only) and says where
 * to share them from.
 *
 * @module
 */

import { sizeRefusal } from "../core/files.ts";
import { sanitizeText } from "../core/sanitize.ts";
import type { FilesInfo } from "../protocol.ts";
import { startUpload, type Upload, type Uploaded, type UploadOutcome } from "./upload.ts";

/** The page's elements that share files. */
export interface SharingElements {
  /** The paperclip button, hidden when the server takes no files. */
  attach: HTMLButtonElement;
  /** The hidden `<input type=file multiple>` the paperclip opens. */
  picker: HTMLInputElement;
  /** Where the uploads under way are listed, above the message box. */
  uploads: HTMLElement;
  /** What covers the page while files are dragged over it. */
  dropZone: HTMLElement;
  /** The message box, which takes pasted pictures. */
  input: HTMLTextAreaElement;
}

/** What sharing needs from the page's chat client. */
export interface SharingHooks {
  /** Where and how to upload, as `welcome` said; `undefined` when the server takes no files. */
  place(): FilesInfo | undefined;
  /** Whether the chat connection is up: an upload's token lives as long as it. */
  online(): boolean;
  /** The server's password, when it asked for one. */
  password(): string | undefined;
  /** Shares a stored file where the user looks. */
  share(file: Uploaded): void;
  /** Tells the user `message`: an error line, or a notice when `error` is false. */
  tell(message: string, error: boolean): void;
  /**
   * The origin (`http://host:port`) of the server the page is on when it is
   * another than the page's own: files are not shared from here then.
   */
  elsewhere(): string | undefined;
  /** Puts the keyboard back in the message box, as after any click of the page. */
  focus(): void;
  /** Called when files start or stop being uploaded: {@linkcode FileSharing.uploading} changed. */
  uploadsChanged(): void;
}

/** One file waiting for its turn, or being uploaded. */
interface Queued {
  file: File;
  row: HTMLElement;
  bar: HTMLProgressElement;
  percent: HTMLElement;
  upload: Upload | undefined;
  cancelled: boolean;
}

/** Whether a drag carries files (from the system), not text or a link from the page. */
function carriesFiles(data: DataTransfer | null): boolean {
  return data !== null && [...data.types].includes("Files");
}

/** What a pasted picture is called: browsers call every screenshot `image.png`. */
function pastedName(file: File, now: Date): string {
  if (file.name !== "" && !/^image\.\w+$/.test(file.name)) return file.name;
  const extension = /^image\/(\w+)$/.exec(file.type)?.[1]?.replace("jpeg", "jpg") ?? "png";
  const pad = (value: number) => String(value).padStart(2, "0");
  const date = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `pasted-${date}-${time}.${extension}`;
}

/** The files of the page: picked, dropped or pasted, uploaded one at a time, then shared. */
export class FileSharing {
  readonly #elements: SharingElements;
  readonly #hooks: SharingHooks;
  readonly #queue: Queued[] = [];
  #busy = false;
  /** Drag events entered minus left, so that the drop zone goes once the drag left the page. */
  #dragDepth = 0;

  constructor(elements: SharingElements, hooks: SharingHooks) {
    this.#elements = elements;
    this.#hooks = hooks;
    const { attach, picker, input } = elements;
    attach.addEventListener("click", () => picker.click());
    picker.addEventListener("change", () => {
      const files = [...picker.files ?? []];
      // Cleared, so that choosing the same file again is a change again.
      picker.value = "";
      this.add(files);
      hooks.focus();
    });
    input.addEventListener("paste", (event) => this.#paste(event));
    document.addEventListener("dragenter", (event) => this.#dragEnter(event));
    document.addEventListener("dragover", (event) => this.#dragOver(event));
    document.addEventListener("dragleave", () => this.#dragLeave());
    document.addEventListener("drop", (event) => this.#drop(event));
    this.update();
  }

  /**
   * Shows the paperclip when the server takes files, as its last `welcome`
   * said, and the page is on its own server.
   */
  update(): void {
    this.#elements.attach.hidden = !this.#takes();
  }

  /** Whether files can be shared from this page now. */
  #takes(): boolean {
    return this.#hooks.place() !== undefined && this.#hooks.elsewhere() === undefined;
  }

  /**
   * Shares `files`, each in turn after those already waiting. A file larger
   * than the server takes, or than all the room of its file store, is
   * refused at once.
   */
  add(files: readonly File[]): void {
    const place = this.#hooks.place();
    if (files.length === 0) return;
    if (place === undefined) {
      // Before the first welcome, whether the server takes files is not known yet.
      return this.#hooks.online()
        ? this.#hooks.tell(noFilesNotice(), false)
        : this.#hooks.tell("Cannot share files: not connected to the chat yet", true);
    }
    const elsewhere = this.#hooks.elsewhere();
    if (elsewhere !== undefined) return this.#hooks.tell(elsewhereError(elsewhere), true);
    const uploading = this.uploading;
    for (const file of files) {
      const refusal = sizeRefusal(file.size, place);
      if (refusal !== undefined) {
        this.#hooks.tell(`Cannot share "${sanitizeText(file.name)}": ${refusal}`, true);
        continue;
      }
      this.#queue.push(this.#row(file));
    }
    if (this.uploading !== uploading) this.#hooks.uploadsChanged();
    void this.#next();
  }

  /** Whether a file is being uploaded, or waits its turn: leaving the page would lose it. */
  get uploading(): boolean {
    return this.#queue.length > 0;
  }

  /** Cancels every upload, the one under way and those waiting. */
  cancelAll(): void {
    for (const queued of [...this.#queue]) this.#cancel(queued);
  }

  /** A row of the upload list for `file`: its name, a progress bar and a cancel button. */
  #row(file: File): Queued {
    const row = document.createElement("div");
    row.className = "upload";
    row.setAttribute("role", "group");
    const name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = sanitizeText(file.name);
    name.title = name.textContent;
    const bar = document.createElement("progress");
    bar.max = file.size || 1;
    bar.value = 0;
    bar.setAttribute("aria-label", `Upload of ${name.textContent}`);
    const percent = document.createElement("span");
    percent.className = "upload-percent";
    percent.textContent = "waiting";
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "small-button upload-cancel";
    cancel.textContent = "Cancel";
    cancel.setAttribute("aria-label", `Cancel the upload of ${name.textContent}`);
    row.setAttribute("aria-label", `Uploading ${name.textContent}`);
    row.append(name, bar, percent, cancel);
    const queued: Queued = { file, row, bar, percent, upload: undefined, cancelled: false };
    cancel.addEventListener("click", () => {
      this.#cancel(queued);
      this.#hooks.focus();
    });
    this.#elements.uploads.append(row);
    this.#elements.uploads.hidden = false;
    return queued;
  }

  #cancel(queued: Queued): void {
    if (queued.cancelled) return;
    queued.cancelled = true;
    queued.upload?.cancel();
    if (queued.upload === undefined) this.#finish(queued);
    this.#hooks.tell(`Upload of "${sanitizeText(queued.file.name)}" cancelled`, false);
  }

  /** Takes `queued` off the list. */
  #finish(queued: Queued): void {
    const at = this.#queue.indexOf(queued);
    if (at !== -1) this.#queue.splice(at, 1);
    queued.row.remove();
    this.#elements.uploads.hidden = this.#elements.uploads.childElementCount === 0;
    if (at !== -1 && !this.uploading) this.#hooks.uploadsChanged();
  }

  /** Uploads the files waiting, one at a time. */
  async #next(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      for (let queued = this.#queue[0]; queued !== undefined; queued = this.#queue[0]) {
        await this.#send(queued);
        this.#finish(queued);
      }
    } finally {
      this.#busy = false;
    }
  }

  /** Uploads `queued` and shares it, or says why not. */
  async #send(queued: Queued): Promise<void> {
    const name = sanitizeText(queued.file.name);
    if (queued.cancelled) return;
    const place = this.#hooks.place();
    if (place === undefined) return this.#hooks.tell(noFilesNotice(), false);
    const elsewhere = this.#hooks.elsewhere();
    if (elsewhere !== undefined) return this.#hooks.tell(elsewhereError(elsewhere), true);
    if (!this.#hooks.online()) {
      return this.#hooks.tell(
        `Cannot share "${name}": not connected to the chat; try again once connected`,
        true,
      );
    }
    let outcome = await this.#upload(queued, place.token);
    // The connection came back while the file went up: its token changed, so once more.
    const now = this.#hooks.place();
    if (!outcome.ok && outcome.status === 401 && now !== undefined && now.token !== place.token) {
      outcome = await this.#upload(queued, now.token);
    }
    if (queued.cancelled) return;
    if (!outcome.ok) return this.#hooks.tell(`Cannot share "${name}": ${outcome.detail}`, true);
    // The name the server stored is the one shared, cleaned as every client cleans it.
    this.#hooks.share(outcome.file);
  }

  #upload(queued: Queued, token: string): Promise<UploadOutcome> {
    const { bar, percent, file } = queued;
    percent.textContent = "0%";
    queued.upload = startUpload(file, {
      token,
      password: this.#hooks.password(),
      onProgress: (sent, total) => {
        bar.max = total || 1;
        bar.value = sent;
        percent.textContent = `${total === 0 ? 100 : Math.floor((sent / total) * 100)}%`;
      },
    });
    return queued.upload.done;
  }

  #paste(event: ClipboardEvent): void {
    const data = event.clipboardData;
    if (data === null || data.files.length === 0) return;
    // Text copied from an office program comes with a picture of it: that is a text paste.
    if (data.getData("text/plain") !== "") return;
    event.preventDefault();
    const now = new Date();
    const files = [...data.files].map((file) => {
      const name = pastedName(file, now);
      return name === file.name ? file : new File([file], name, { type: file.type });
    });
    this.add(files);
  }

  #dragEnter(event: DragEvent): void {
    if (!carriesFiles(event.dataTransfer)) return;
    this.#dragDepth++;
    if (this.#takes()) this.#elements.dropZone.hidden = false;
  }

  #dragOver(event: DragEvent): void {
    if (!carriesFiles(event.dataTransfer)) return;
    // Taken, so that a drop shares the files rather than the browser opening one in the tab.
    event.preventDefault();
    if (event.dataTransfer !== null) {
      event.dataTransfer.dropEffect = this.#takes() ? "copy" : "none";
    }
  }

  #dragLeave(): void {
    if (this.#dragDepth === 0) return;
    this.#dragDepth--;
    if (this.#dragDepth === 0) this.#elements.dropZone.hidden = true;
  }

  #drop(event: DragEvent): void {
    this.#dragDepth = 0;
    this.#elements.dropZone.hidden = true;
    if (!carriesFiles(event.dataTransfer)) return;
    event.preventDefault();
    this.add([...event.dataTransfer?.files ?? []]);
    this.#hooks.focus();
  }
}

/** What a file gets that is shared while the page is on `origin`, another server than its own. */
function elsewhereError(origin: string): string {
  return `Cannot share files from this page while it is on another server of the chat; ` +
    `open that server's own page to share them: ${origin}/`;
}

/** What a file dropped or pasted on a server that takes none gets. */
function noFilesNotice(): string {
  return "This server takes no files: nothing was shared";
}
