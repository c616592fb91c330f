/**
 * Carries out the conversation core's effects (core/effects.ts) in the
 * terminal: frames go to the current socket in the order they were typed,
 * lines are drawn above the input line, the bell rings, the prompt says where
 * the user is and what waits. client.ts runs the connections around it.
 *
 * @module
 */

import type { Conversation } from "../core/conversation.ts";
import { errorLine, type Line, notice } from "../core/describe.ts";
import type { Effect, Refusal } from "../core/effects.ts";
import type { IgnoreEntry } from "../core/ignore_list.ts";
import { nameKey } from "../core/names.ts";
import type { ClientFrame } from "../protocol.ts";
import type { Connection } from "./connection.ts";
import { fullPrompt } from "./prompt.ts";
import { drawAll } from "./render.ts";
import type { OfferedTo, Terminal } from "./terminal.ts";
import type { TransferEffect } from "./transfer.ts";

/** How long the server has to say goodbye after `quit` before the client hangs up. */
const QUIT_GRACE_MS = 2_000;

/** What a {@linkcode TerminalDriver} drives, and how. */
export interface DriverOptions {
  /** The conversation whose effects it carries out. */
  chat: Conversation;
  /** The terminal it prints to. */
  terminal: Terminal;
  /** The socket it sends to first. */
  connection: Connection;
  /** Draw with colours and styles. */
  color: boolean;
  /** Called when the server welcomes the client. */
  onWelcome: () => void;
  /** Carries out `upload`, `download` and `cancel` effects (`/send`, `/get`, `/cancel`). @default {none comes} */
  onTransfer?: (effect: TransferEffect) => void;
  /**
   * What the prompt says before the view, such as a file's progress, within
   * `width` columns if it can. @default {nothing}
   */
  status?: (width: number) => string;
  /**
   * Remembers the people the user ignores on this server, with the names
   * they had before (`ignored` effects). @default {nobody}
   */
  onIgnored?: (names: IgnoreEntry[]) => void;
  /**
   * Takes what each error line says (something refused: a line too long, a
   * muted user's, a room locked, a command unknown) instead of standard
   * output, with piped input only: a script learns of it there. A flood
   * slowed down refuses nothing, and prints as the rest. @default {printed
   * as the rest}
   */
  onRefused?: (text: string) => void;
}

/** The terminal's side of the conversation core: its effects carried out on a socket and a TTY. */
export class TerminalDriver {
  readonly #chat: Conversation;
  readonly #terminal: Terminal;
  readonly #options: DriverOptions;
  readonly #leaving = new AbortController();
  #connection: Connection;
  /** Sends are chained so lines reach the server in the order they were typed. */
  #sending: Promise<void> = Promise.resolve();
  #shownPrompt = "";
  #refusal: Refusal | undefined;
  #unanswered = false;

  /** Drives the terminal and the socket of `options` for its conversation. */
  constructor(options: DriverOptions) {
    this.#chat = options.chat;
    this.#terminal = options.terminal;
    this.#connection = options.connection;
    this.#options = options;
    // What the terminal says of a paste is drawn as the core's notices and errors are.
    this.#terminal.onNotice((said) =>
      this.print([said.kind === "error" ? errorLine(said.text) : notice([said.text])])
    );
  }

  /** The socket effects go to; set a new one after reconnecting. */
  get connection(): Connection {
    return this.#connection;
  }

  set connection(connection: Connection) {
    this.#connection = connection;
    this.#unanswered = false;
  }

  /** Aborted once the user leaves. */
  get leaving(): AbortSignal {
    return this.#leaving.signal;
  }

  /** Whether the last `hello` went unanswered until the core gave the connection up. */
  get unanswered(): boolean {
    return this.#unanswered;
  }

  /** The server's refusal of the last `hello`, once: later calls return nothing until the next. */
  takeRefusal(): Refusal | undefined {
    const refusal = this.#refusal;
    this.#refusal = undefined;
    return refusal;
  }

  /** Whether the server refused the last `hello` and nobody took the refusal yet. */
  get refused(): boolean {
    return this.#refusal !== undefined;
  }

  /** Carries out `effects`, in order, then brings the prompt up to date. */
  apply(effects: readonly Effect[]): void {
    // Where refused words just went, said at the end of the refusal that follows them.
    let offered: OfferedTo | undefined;
    for (const effect of effects) {
      switch (effect.type) {
        case "send":
          this.#send(effect.frame);
          break;
        case "show": {
          const said = offered === undefined ? undefined : withWhereTheyWent(effect.lines, offered);
          if (said !== undefined) offered = undefined;
          this.print(said ?? effect.lines);
          break;
        }
        case "ring":
          this.#terminal.bell();
          break;
        case "bell":
          // The mode lives in the conversation; the terminal shows it nowhere else.
          break;
        case "welcomed":
          this.#options.onWelcome();
          break;
        case "refused":
          this.#refusal = effect;
          break;
        case "drop":
          if (effect.reason === "unanswered") this.#unanswered = true;
          this.#connection.close();
          break;
        case "leave":
          this.#leave(effect.sent);
          break;
        case "finished":
          this.apply(this.#chat.quit());
          break;
        case "upload":
        case "download":
        case "cancel":
          this.#options.onTransfer?.(effect);
          break;
        case "ignored":
          this.#options.onIgnored?.(effect.names);
          break;
        case "returned":
          // Only where it was typed: words for @bob, typed again in #lobby, would go there.
          if (effect.view === this.#chat.view?.id) offered = this.#terminal.offer(effect.text);
          break;
        case "changed":
        case "switched":
        case "pending":
        case "answered":
          break;
      }
    }
    // No refusal came with them: where the words went is said on a line of its own.
    if (offered !== undefined) this.print([notice([WHERE_THEY_WENT[offered].replace(/^— /, "")])]);
    this.updatePrompt();
  }

  /** Prints `lines` above the input line, drawn again at a new width if the terminal's changes. */
  print(lines: readonly Line[]): void {
    const onRefused = this.#options.onRefused;
    if (onRefused !== undefined && !this.#terminal.interactive) {
      const refused = (line: Line) => line.kind === "error" && !line.tags?.includes("slowed");
      for (const line of lines) if (refused(line)) onRefused(wordsOf(line));
      lines = lines.filter((line) => !refused(line));
      if (lines.length === 0) return;
    }
    this.#terminal.print((columns) => this.#drawAt(lines, columns));
  }

  /** `lines` as the terminal draws them, one string each. */
  draw(lines: readonly Line[]): string[] {
    return this.#drawAt(lines, this.#terminal.interactive ? this.#terminal.columns : undefined);
  }

  /** `lines` as drawn on a terminal `columns` wide, or at no known width. */
  #drawAt(lines: readonly Line[], columns: number | undefined): string[] {
    return drawAll(lines, this.#options.color, columns === undefined ? {} : { columns });
  }

  /**
   * Redraws the prompt if what it says has changed: who is typing, the view
   * looked at, the other views where something waits, the connection, lines
   * waiting.
   */
  updatePrompt(): void {
    if (!this.#terminal.interactive || !this.#chat.welcomed) return;
    const prompt = fullPrompt({
      ...this.#options.status === undefined ? {} : { status: this.#options.status },
      ...this.#typing(),
      state: {
        current: this.#chat.view?.id ?? this.#chat.roster.room,
        activity: this.#chat.activity,
        online: this.#chat.online,
        unsent: this.#chat.unsent(performance.now()),
      },
    }, this.#terminal.columns);
    if (prompt === this.#shownPrompt) return;
    this.#shownPrompt = prompt;
    this.#terminal.setPrompt(prompt);
  }

  /**
   * Who is typing where the user looks, and who to the user alone elsewhere
   * (shown wherever they look, said to be to them).
   */
  #typing(): { typing: string[]; typingToYou: string[] } {
    const now = performance.now();
    const view = this.#chat.view;
    const typing = view === undefined ? [] : this.#chat.typingIn(view.id, now);
    const here = new Set(typing.map((name) => nameKey(name)));
    const typingToYou = this.#chat.typingPrivately(now).filter((name) => !here.has(nameKey(name)));
    return { typing, typingToYou };
  }

  #send(frame: ClientFrame): void {
    const current = this.#connection;
    this.#sending = this.#sending.then(() => current.send(frame)).catch(() => {});
  }

  /** The user leaves: hang up now, or once the server has said goodbye to the `quit` sent. */
  #leave(sent: boolean): void {
    this.#leaving.abort();
    const connection = this.#connection;
    if (!sent) return connection.close();
    // The server answers with bye and closes; do not wait for it forever.
    const timer = setTimeout(() => connection.close(), QUIT_GRACE_MS);
    Deno.unrefTimer(timer);
  }
}

/**
 * What a refusal adds when the refused words came back: where they are, so
 * that the next line typed is not glued to them unnoticed.
 */
const WHERE_THEY_WENT: Readonly<Record<OfferedTo, string>> = {
  line: "— back on your input line; Ctrl-U clears it",
  history: "— not put back as you are typing; press Up for it",
};

/**
 * `lines` with where refused words went (`offered`) said at the end of the
 * first error among them, or `undefined` if there is none.
 */
function withWhereTheyWent(lines: readonly Line[], offered: OfferedTo): Line[] | undefined {
  const at = lines.findIndex((line) => line.kind === "error");
  if (at < 0) return undefined;
  return lines.map((line, index) =>
    index === at
      ? { ...line, parts: [...line.parts, { text: ` ${WHERE_THEY_WENT[offered]}` }] }
      : line
  );
}

/** What `line` says, on one row and without the mark of its kind. */
function wordsOf(line: Line): string {
  return line.parts.map((part) => part.text).join("").replace(/\s+/g, " ").trim();
}
