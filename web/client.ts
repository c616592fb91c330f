/// <reference lib="dom" />
// This module is browser compatible.

/**
 * The chat as the page runs it: the name handshake, frames in and out,
 * reconnects that come back under the same name and in the same room, and
 * keeping the header, log and sidebar in step with the server.
 *
 * @module
 */

import { parseInput } from "../core/commands.ts";
import { Delivery, MAX_PENDING, type PendingLine } from "../core/delivery.ts";
import {
  type HelloFrame,
  LOBBY,
  MAX_TEXT_BYTES,
  PROTOCOL_VERSION,
  type ServerFrame,
  utf8Length,
} from "../protocol.ts";
import { nameKey } from "../core/names.ts";
import { sanitizeText } from "../core/sanitize.ts";
import { bindComposerKeys } from "./composer.ts";
import { Connection, type ConnectionState, isHeartbeat } from "./connection.ts";
import type { InputHistory } from "./input.ts";
import { LogView } from "./log.ts";
import { PageView } from "./page.ts";
import { errorLine, noticeLine, pendingLine, renderFrame } from "./render.ts";
import { ChatState } from "./state.ts";
import { type Phase, StatusView } from "./status.ts";
import { loadName, saveName, type Ui } from "./ui.ts";

/** Times a remembered name is tried again when the server says it is taken. */
const NAME_RETRIES = 2;

/** How often the link and the lines waiting for the server are looked at, in milliseconds. */
const TICK_MS = 250;

/** The page's chat client; app.ts feeds it the user's actions. */
export class WebClient {
  readonly #ui: Ui;
  readonly #state = new ChatState();
  readonly #view: LogView;
  readonly #status: StatusView;
  readonly #page: PageView;
  readonly #history: InputHistory;
  readonly #connection: Connection;
  /** Messages already shown, so a replay after a reconnect or a room change skips them. */
  readonly #shown = new Set<string>();
  /** The name to send in `hello` once the socket is open; `undefined` while asking. */
  #pendingName: string | undefined;
  /** The pending name was remembered, not typed: if it is taken, wait and try again. */
  #automatic = false;
  #nameRetries = 0;
  #phase: Phase = "asking";
  /** The server accepted us before, so the next welcome is a reconnect. */
  #wasWelcomed = false;
  /** The user typed /quit: do not reconnect. */
  #quitting = false;
  /** The room to go back to after a reconnect. */
  #lastRoom = LOBBY;
  /** `rooms` replies the page asked for itself: they refresh the sidebar silently. */
  #quietRooms = 0;
  #roomsTimer: ReturnType<typeof setTimeout> | undefined;
  #outageNoted = false;
  /** The server's password, kept for reconnects while the page is open (never stored). */
  #password: string | undefined;
  /** The secret from the last welcome: takes the name back after a drop. */
  #resume: string | undefined;
  /** The highest message id seen in the current room, to fetch only what was missed. */
  #lastId = 0;
  /** Every line sent, until the server has answered it; sent again after a reconnection. */
  readonly #delivery = new Delivery();
  /** The log lines showing lines still being sent, by client message id. */
  readonly #sending = new Map<string, HTMLElement>();
  #tickTimer: ReturnType<typeof setInterval> | undefined;

  constructor(ui: Ui, url: string) {
    this.#ui = ui;
    this.#view = new LogView(ui.log, ui.newMessages);
    this.#status = new StatusView(ui);
    this.#page = new PageView(ui, this.#state, {
      joinRoom: (room) => this.joinRoom(room),
      startPrivate: (name) => this.startPrivate(name),
    });
    this.#history = bindComposerKeys(ui.input, () => ({
      names: [...this.#state.members.values()],
      me: this.#state.me,
      rooms: this.#state.roomList().map((room) => room.name),
    }));
    this.#connection = new Connection({
      url,
      onFrame: (frame) => this.#onFrame(frame),
      onState: (state) => this.#onState(state),
    });
  }

  /** Connects, joining under the remembered name if there is a valid one, else asking. */
  start(rememberedName: string | undefined): void {
    if (rememberedName !== undefined) {
      this.#pendingName = rememberedName;
      this.#automatic = true;
      this.#phase = "joining";
    } else {
      this.#askName("", loadName() ?? "");
    }
    this.#page.showRoom();
    this.#connection.start();
  }

  /** Joins under `name`, typed into the name form and already checked, with the password if asked. */
  submitName(name: string, password?: string): void {
    if (password !== undefined) this.#password = password;
    this.#quitting = false;
    this.#automatic = false;
    this.#nameRetries = 0;
    if (this.#connection.isOpen) return this.#sendHello(name);
    this.#pendingName = name;
    this.#phase = "joining";
    this.#ui.nameSubmit.disabled = true;
    this.#connection.start();
    this.#showStatus();
  }

  /**
   * Sends the message box's line as a `say` frame; the server runs slash
   * commands. A message is shown as being sent until the server answers it;
   * one typed while the connection is down is sent once it is back.
   */
  sendLine(): void {
    const value = this.#ui.input.value;
    if (value.trim() === "") return;
    const parsed = parseInput(value);
    const posts = parsed.ok &&
      (parsed.frame.type === "say" || parsed.frame.type === "me" || parsed.frame.type === "msg");
    const connected = this.#phase === "joined" && this.#connection.isOpen;
    // Coming back: messages wait for the connection, commands cannot.
    if (!connected && !(posts && this.#wasWelcomed && !this.#quitting)) {
      this.#view.append([errorLine("Cannot send: not connected to the server")]);
      return;
    }
    const text = parsed.ok && "text" in parsed.frame ? parsed.frame.text : "";
    if (utf8Length(sanitizeText(text).trim()) > MAX_TEXT_BYTES) {
      this.#view.append([
        errorLine(`Cannot send message: it is longer than ${MAX_TEXT_BYTES} bytes`),
      ]);
      return;
    }
    if (parsed.ok && parsed.frame.type === "quit") this.#quitting = true;
    const typed = this.#delivery.type(value, Date.now());
    if (typed === undefined) {
      this.#view.append([
        errorLine(`Cannot send: ${MAX_PENDING} messages are waiting for the server already`),
      ]);
      return;
    }
    for (const frame of typed.send) this.#connection.send(frame);
    if (typed.line.post !== undefined && typed.line.cid !== undefined) {
      const element = pendingLine(typed.line.post, this.#state.me);
      this.#sending.set(typed.line.cid, element);
      this.#view.appendPending(element);
    }
    this.#history.push(value);
    this.#ui.input.value = "";
    this.#view.scrollToBottom();
  }

  /** Enters `room` (as typed or clicked) unless the user is there already. */
  joinRoom(room: string): void {
    if (nameKey(room) !== nameKey(this.#state.room)) {
      this.#connection.send({ type: "join", room });
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
      this.#quitting = false;
      const name = this.#state.me || loadName();
      if (name === undefined) return this.#askName("");
      this.#pendingName = name;
      this.#automatic = true;
      this.#phase = "joining";
    }
    this.#connection.start();
  }

  /** Retries at once if a reconnect is being waited for (the network came back). */
  retryIfWaiting(): void {
    if (this.#connection.state.kind === "waiting") this.#connection.start();
  }

  /** Closes the socket so the server frees the name at once, as when the page goes away. */
  suspend(): void {
    if (this.#phase === "joined") this.#pendingName = this.#state.me;
    this.#automatic = true;
    this.#connection.stop();
  }

  /** Reconnects after {@linkcode WebClient.suspend}, as when the page comes back. */
  resume(): void {
    if (this.#pendingName !== undefined && !this.#quitting) this.#connection.start();
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
      if (this.#phase === "joined" && this.#connection.send({ type: "rooms" })) {
        this.#quietRooms++;
      }
    }, 300);
  }

  #showStatus(): void {
    this.#status.show(this.#connection.state, this.#phase);
  }

  #onState(next: ConnectionState): void {
    if (next.kind !== "open") {
      clearInterval(this.#tickTimer);
      this.#tickTimer = undefined;
      this.#delivery.disconnected();
    }
    if (next.kind === "open") {
      this.#outageNoted = false;
      this.#quietRooms = 0;
      if (this.#pendingName !== undefined) this.#sendHello(this.#pendingName);
      else if (this.#ui.nameScreen.hidden) this.#askName("");
    } else if (this.#phase === "joined") {
      this.#pendingName = this.#state.me;
      this.#automatic = true;
      this.#phase = "joining";
      this.#ui.app.classList.add("offline");
    }
    if (next.kind === "waiting" && !this.#outageNoted && !this.#quitting) {
      this.#outageNoted = true;
      const text = this.#wasWelcomed
        ? "The connection to the server was lost. Reconnecting…"
        : "Cannot reach the server. Trying again…";
      this.#view.append([noticeLine([text])]);
    }
    this.#showStatus();
  }

  #sendHello(name: string): void {
    this.#pendingName = name;
    this.#phase = "joining";
    this.#ui.nameSubmit.disabled = true;
    const hello: HelloFrame = { type: "hello", version: PROTOCOL_VERSION, name };
    if (this.#password !== undefined) hello.password = this.#password;
    // Coming back: take the name back, return to the room, fetch only what was missed.
    if (this.#wasWelcomed && nameKey(name) === nameKey(this.#state.me)) {
      if (this.#resume !== undefined) hello.resume = this.#resume;
      hello.room = this.#lastRoom;
      hello.since = this.#lastId;
    }
    this.#connection.send(hello);
    this.#showStatus();
  }

  #askName(message: string, suggestion = loadName() ?? ""): void {
    const ui = this.#ui;
    this.#pendingName = undefined;
    this.#automatic = false;
    this.#phase = "asking";
    ui.nameError.textContent = message;
    ui.nameSubmit.disabled = false;
    if (ui.nameScreen.hidden || ui.nameInput.value === "") ui.nameInput.value = suggestion;
    ui.nameScreen.hidden = false;
    ui.app.inert = true;
    ui.nameInput.focus();
    ui.nameInput.select();
    this.#showStatus();
  }

  /** The server wants a password: show its field on the name form. */
  #askPassword(message: string): void {
    const name = this.#pendingName;
    this.#password = undefined;
    this.#askName(message, name);
    this.#ui.passwordRow.hidden = false;
    this.#ui.passwordInput.value = "";
    this.#ui.passwordInput.focus();
  }

  /** The server refused the name in `hello`. */
  #refused(code: string, message: string): void {
    // A remembered name may still be held by this browser's previous connection.
    if (this.#automatic && code === "name_taken" && this.#nameRetries < NAME_RETRIES) {
      this.#nameRetries++;
      const name = this.#pendingName;
      setTimeout(() => {
        if (name === undefined || this.#pendingName !== name || this.#phase !== "joining") return;
        if (this.#connection.isOpen) this.#sendHello(name);
      }, 1_500);
      return;
    }
    this.#askName(message, this.#pendingName);
  }

  /** Looks after the lines waiting for the server: pings for them, gives a dead link up. */
  #tick(): void {
    const advice = this.#delivery.tick(Date.now());
    if (advice === "dead") this.#connection.abandon();
    else if (advice !== undefined) this.#connection.send(advice);
  }

  /** Takes lines off the log's "sending" list once the server has answered them. */
  #sent(lines: readonly PendingLine[]): void {
    for (const { cid } of lines) {
      if (cid === undefined) continue;
      this.#sending.get(cid)?.remove();
      this.#sending.delete(cid);
    }
  }

  #onFrame(frame: ServerFrame): void {
    // Every frame is a sign of life, and may answer a line that waits.
    const received = this.#delivery.receive(frame, this.#state.me, Date.now());
    for (const resend of received.send) this.#connection.send(resend);
    if (received.answered !== undefined) this.#sent([received.answered]);
    this.#sent(received.handled);
    // The server's answer to a line sent again: it was shown when it first came.
    if (received.repeat) return;
    if (isHeartbeat(frame)) return;
    // The server's heartbeat: answer it, as the terminal client does, and show nothing.
    if (frame.type === "ping") {
      this.#connection.send(
        frame.token === undefined ? { type: "pong" } : { type: "pong", token: frame.token },
      );
      return;
    }
    if (
      this.#phase !== "joined" && frame.type === "error" &&
      (frame.code === "password_required" || frame.code === "password_wrong")
    ) {
      return this.#askPassword(sanitizeText(frame.message));
    }
    if (
      this.#phase !== "joined" && frame.type === "error" &&
      (frame.code === "name_taken" || frame.code === "name_invalid")
    ) {
      return this.#refused(frame.code, sanitizeText(frame.message));
    }
    if (frame.type === "welcome" && frame.resume !== undefined) this.#resume = frame.resume;
    if (frame.type === "room" && frame.room !== this.#lastRoom) this.#lastId = 0;
    if (frame.type === "message" && frame.room === this.#state.room) {
      this.#lastId = Math.max(this.#lastId, frame.id);
    }
    if (frame.type === "error" && frame.code === "unsupported_version") this.#quitting = true;
    if (frame.type === "bye" && this.#quitting) this.#connection.stop();
    const state = this.#state;
    const changes = state.track(frame);
    if (frame.type === "welcome") this.#welcome();
    if (changes.me) {
      saveName(state.me);
      this.#page.showMe();
    }
    if (changes.room) {
      this.#lastRoom = state.room;
      this.#page.showRoom();
    }
    if (changes.members || changes.me) this.#page.showMembers();
    if (changes.rooms || changes.room) this.#page.showRooms();
    if (changes.room || frame.type === "joined" || frame.type === "left") this.refreshRooms();
    if (frame.type === "rooms" && this.#quietRooms > 0) {
      this.#quietRooms--;
      return;
    }
    if (frame.type === "message") {
      const key = `${frame.id}:${frame.ts}`;
      if (frame.replay && this.#shown.has(key)) return;
      this.#shown.add(key);
      if (this.#shown.size > 10_000) this.#shown.delete(this.#shown.values().next().value!);
    }
    // Entering a room is the user's own doing: show it, wherever they had scrolled.
    if (frame.type === "room" || frame.type === "welcome") this.#view.scrollToBottom();
    this.#view.append(renderFrame(frame, { me: state.me }));
    this.#page.countUnread(frame);
  }

  #welcome(): void {
    const ui = this.#ui;
    // hello asked for the last room; older servers put everyone in the lobby.
    const rejoin = this.#wasWelcomed && this.#lastRoom !== LOBBY ? this.#lastRoom : undefined;
    this.#phase = "joined";
    this.#wasWelcomed = true;
    this.#pendingName = undefined;
    this.#automatic = false;
    this.#nameRetries = 0;
    this.#connection.resetBackoff();
    ui.app.classList.remove("offline");
    ui.nameScreen.hidden = true;
    ui.app.inert = false;
    ui.nameError.textContent = "";
    if (rejoin !== undefined && this.#state.room !== rejoin) {
      this.#connection.send({ type: "join", room: rejoin });
    }
    for (const frame of this.#delivery.connected(Date.now())) this.#connection.send(frame);
    clearInterval(this.#tickTimer);
    this.#tickTimer = setInterval(() => this.#tick(), TICK_MS);
    this.#showStatus();
    this.focusInput();
  }
}
