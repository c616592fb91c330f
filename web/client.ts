/// <reference lib="dom" />
// This module is browser compatible.

/**
 * The page's driver of the conversation core (core/conversation.ts): it
 * carries frames between the WebSocket and the core, and the core's effects
 * to the page: the log, the name form, the header and the sidebar.
 *
 * @module
 */

import { conversationSources } from "../core/complete.ts";
import { Conversation, type Effect } from "../core/conversation.ts";
import { errorLine, type Line } from "../core/describe.ts";
import { nameKey } from "../core/names.ts";
import { outageNotice } from "../core/notices.ts";
import type { Changes } from "../core/roster.ts";
import type { ServerFrame } from "../protocol.ts";
import { bindComposerKeys } from "./composer.ts";
import { Connection, type ConnectionState } from "./connection.ts";
import type { InputHistory } from "./input.ts";
import { Joining } from "./joining.ts";
import { LogView } from "./log.ts";
import { PageView } from "./page.ts";
import { drawLine } from "./render.ts";
import { StatusView } from "./status.ts";
import { loadName, saveName, type Ui } from "./ui.ts";

/** How often the link and the lines waiting for the server are looked at, in milliseconds. */
const TICK_MS = 250;

/** The page's chat client; app.ts feeds it the user's actions. */
export class WebClient {
  readonly #ui: Ui;
  readonly #chat = new Conversation();
  readonly #view: LogView;
  readonly #status: StatusView;
  readonly #page: PageView;
  readonly #history: InputHistory;
  readonly #connection: Connection;
  readonly #joining: Joining;
  /** `rooms` replies the page asked for itself: they refresh the sidebar silently. */
  #quietRooms = 0;
  #roomsTimer: ReturnType<typeof setTimeout> | undefined;
  #outageNoted = false;
  /** The log lines showing lines still being sent, by client message id. */
  readonly #sending = new Map<string, HTMLElement>();
  #tickTimer: ReturnType<typeof setInterval> | undefined;

  constructor(ui: Ui, url: string) {
    this.#ui = ui;
    this.#view = new LogView(ui.log, ui.newMessages);
    this.#status = new StatusView(ui);
    this.#page = new PageView(ui, this.#chat.roster, {
      joinRoom: (room) => this.joinRoom(room),
      startPrivate: (name) => this.startPrivate(name),
    });
    this.#joining = new Joining(ui, {
      hello: (name) => {
        if (this.#connection.isOpen) this.#sendHello(name);
      },
      changed: () => this.#showStatus(),
    });
    this.#history = bindComposerKeys(ui.input, () => conversationSources(this.#chat));
    this.#connection = new Connection({
      url,
      onFrame: (frame) => this.#onFrame(frame),
      onState: (state) => this.#onState(state),
    });
  }

  /** Connects, joining under the remembered name if there is a valid one, else asking. */
  start(rememberedName: string | undefined): void {
    if (rememberedName !== undefined) this.#joining.rejoin(rememberedName);
    else this.#joining.ask("");
    this.#page.showRoom();
    this.#connection.start();
  }

  /** Joins under `name`, typed into the name form and already checked, with the password if asked. */
  submitName(name: string, password?: string): void {
    this.#joining.typed(name, password);
    if (this.#connection.isOpen) return this.#sendHello(name);
    this.#connection.start();
    this.#showStatus();
  }

  /**
   * Hands the message box's line to the conversation. A message is shown as
   * being sent until the server answers it; one typed while the connection
   * is down is sent once it is back. A line refused at once stays in the box.
   */
  sendLine(): void {
    const value = this.#ui.input.value;
    if (value.trim() === "") return;
    const effects = this.#chat.type(value, performance.now());
    this.#apply(effects);
    const refused = effects.some((effect) =>
      effect.type === "show" && effect.lines.some((line) => line.kind === "error")
    );
    if (refused) return;
    this.#history.push(value);
    this.#ui.input.value = "";
    this.#view.scrollToBottom();
  }

  /** Enters `room` (as typed or clicked) unless the user is there already. */
  joinRoom(room: string): void {
    if (nameKey(room) !== nameKey(this.#chat.roster.room)) {
      this.#apply(this.#chat.join(room, performance.now()));
    }
    this.setSidebar(false);
  }

  /** Starts a private message to `name` in the message box. */
  startPrivate(name: string): void {
    const input = this.#ui.input;
    input.value = `/msg ${name} `;
    this.setSidebar(false);
    input.setSelectionRange(input.value.length, input.value.length);
  }

  /** Reconnects now: after a /quit, or instead of waiting for the next attempt. */
  retry(): void {
    if (this.#connection.state.kind === "stopped") {
      const name = this.#chat.roster.me || loadName();
      if (name === undefined) return this.#joining.ask("");
      this.#joining.rejoin(name);
    }
    this.#connection.start();
  }

  /** Retries at once if a reconnect is being waited for (the network came back). */
  retryIfWaiting(): void {
    if (this.#connection.state.kind === "waiting") this.#connection.start();
  }

  /** Closes the socket so the server frees the name at once, as when the page goes away. */
  suspend(): void {
    this.#connection.stop();
  }

  /** Reconnects after {@linkcode WebClient.suspend}, as when the page comes back. */
  resume(): void {
    if (this.#joining.name !== undefined && !this.#chat.quitting) this.#connection.start();
  }

  /** Opens or closes the sidebar drawer (narrow screens). */
  setSidebar(open: boolean): void {
    const ui = this.#ui;
    ui.app.classList.toggle("sidebar-open", open);
    ui.sidebarToggle.setAttribute("aria-expanded", String(open));
    if (!open) return this.focusInput();
    this.refreshRooms();
    ui.rooms.querySelector<HTMLElement>("button")?.focus();
  }

  /** Puts the keyboard in the message box, or the name box while it is shown. */
  focusInput(): void {
    const ui = this.#ui;
    if (!ui.nameScreen.hidden) ui.nameInput.focus();
    else if (!ui.app.classList.contains("sidebar-open")) ui.input.focus({ preventScroll: true });
  }

  /** The page is visible again: nothing is unread any more. */
  markRead(): void {
    this.#page.markRead();
  }

  /** Asks for the room list soon, once for a burst of changes. */
  refreshRooms(): void {
    clearTimeout(this.#roomsTimer);
    this.#roomsTimer = setTimeout(() => {
      if (this.#joining.phase === "joined" && this.#connection.send({ type: "rooms" })) {
        this.#quietRooms++;
      }
    }, 300);
  }

  #showStatus(): void {
    this.#status.show(this.#connection.state, this.#joining.phase);
  }

  #show(lines: readonly Line[]): void {
    this.#view.append(lines.map((line) => drawLine(line, this.#chat.roster.me)));
  }

  #onState(next: ConnectionState): void {
    clearInterval(this.#tickTimer);
    if (next.kind === "open") {
      this.#outageNoted = false;
      this.#quietRooms = 0;
      this.#chat.opened();
      this.#tickTimer = setInterval(
        () => this.#apply(this.#chat.tick(performance.now())),
        TICK_MS,
      );
      const name = this.#joining.name;
      if (name !== undefined) this.#sendHello(name);
      else if (this.#ui.nameScreen.hidden) this.#joining.ask("");
    } else {
      this.#chat.closed();
      this.#joining.dropped(this.#chat.roster.me);
    }
    if (next.kind === "waiting" && !this.#outageNoted && !this.#chat.quitting) {
      this.#outageNoted = true;
      this.#show([outageNotice(this.#chat.welcomed)]);
    }
    this.#showStatus();
  }

  #sendHello(name: string): void {
    this.#joining.sending(name);
    this.#apply(this.#chat.hello(name, performance.now(), { password: this.#joining.password }));
    this.#showStatus();
  }

  #onFrame(frame: ServerFrame): void {
    const quiet = frame.type === "rooms" && this.#quietRooms > 0;
    if (quiet) this.#quietRooms--;
    // Entering a room is the user's own doing: show it, wherever they had scrolled.
    if (frame.type === "room" || frame.type === "welcome") this.#view.scrollToBottom();
    this.#apply(this.#chat.receive(frame, performance.now()), quiet);
    if (frame.type === "bye" && this.#chat.quitting) this.#connection.stop();
    if (frame.type === "room" || frame.type === "joined" || frame.type === "left") {
      this.refreshRooms();
    }
    this.#page.countUnread(frame);
  }

  /** Carries out the core's effects, in order; `silent` shows nothing of the frame. */
  #apply(effects: readonly Effect[], silent = false): void {
    for (const effect of effects) {
      switch (effect.type) {
        case "send":
          this.#connection.send(effect.frame);
          break;
        case "show":
          if (!silent) this.#show(effect.lines);
          break;
        case "changed":
          this.#changed(effect.changes);
          break;
        case "welcomed":
          this.#welcome();
          break;
        case "refused":
          if (effect.about === "other") this.#show([errorLine(effect.message)]);
          else this.#joining.refused(effect);
          break;
        case "pending": {
          const element = drawLine(effect.shown, this.#chat.roster.me);
          this.#sending.set(effect.line.cid!, element);
          this.#view.appendPending(element);
          break;
        }
        case "answered":
          for (const { cid } of effect.lines) {
            if (cid === undefined) continue;
            this.#sending.get(cid)?.remove();
            this.#sending.delete(cid);
          }
          break;
        case "drop":
          this.#connection.abandon();
          break;
        case "leave":
          if (!effect.sent) this.#connection.stop();
          break;
        case "ring":
        case "finished":
          break;
      }
    }
  }

  #changed(changes: Changes): void {
    if (changes.me) {
      saveName(this.#chat.roster.me);
      this.#page.showMe();
    }
    if (changes.room) this.#page.showRoom();
    if (changes.members || changes.me) this.#page.showMembers();
    if (changes.rooms || changes.room) this.#page.showRooms();
  }

  #welcome(): void {
    this.#joining.welcomed();
    this.#connection.resetBackoff();
    this.#showStatus();
    this.focusInput();
  }
}
