/// <reference lib="dom" />
// This module is browser compatible.

/**
 * The page's driver of the conversation core (core/conversation.ts): it
 * carries frames between the WebSocket and the core, and the core's effects
 * to the page: a log per view (web/logs.ts), the name form, the header, the
 * sidebar and the alerts. The page shows each view in its own log, so the
 * core hands every line over at once, with its view. It tells the core of
 * the user's keystrokes (others see them typing) and of the tab hidden and
 * shown (away after a while hidden, back once shown), shows who is typing
 * in the view looked at, and remembers whom the user ignores. While lines
 * wait for the server, closing or reloading the tab asks first. In a cluster
 * it may come back on another server than its own (web/connection.ts): it
 * says so, file links then lead to that server, and files are shared only
 * from a page of the server the page is on.
 *
 * @module
 */

import { conversationSources } from "../core/complete.ts";
import { Conversation, type Effect } from "../core/conversation.ts";
import { errorLine, type Line, notice } from "../core/describe.ts";
import { type Refusal, refusedForNow } from "../core/effects.ts";
import { fileQuery } from "../core/files.ts";
import { isMention } from "../core/format.ts";
import { nameKey } from "../core/names.ts";
import { filesElsewhereNotice, movedNotice, outageNotice } from "../core/notices.ts";
import type { Changes } from "../core/roster.ts";
import { sanitizeText } from "../core/sanitize.ts";
import type { FileRef, ServerFrame } from "../protocol.ts";
import { Alerts } from "./alerts.ts";
import { safeFileUrl } from "./attachment.ts";
import { bindComposerKeys, fitToText, showLength, TOUCH_MEDIA } from "./composer.ts";
import { Connection, type ConnectionState, pageOrigin, socketUrl } from "./connection.ts";
import { cursorToEnd, Drafts, type InputHistory, joinDraft, type Offered } from "./input.ts";
import { Joining, showNameError } from "./joining.ts";
import { ViewLogs } from "./logs.ts";
import { PageView } from "./page.ts";
import { QuietAsks } from "./quiet_asks.ts";
import { AWAY_AFTER_MS, loadIgnored, saveIgnored, showTyping } from "./presence.ts";
import { drawLine } from "./render.ts";
import { FileSharing } from "./sharing.ts";
import { StatusView } from "./status.ts";
import {
  joinedBefore,
  loadName,
  loadRooms,
  type SavedRooms,
  saveName,
  saveRooms,
  type Ui,
} from "./ui.ts";

/** How often the link and the lines waiting for the server are looked at, in milliseconds. */
const TICK_MS = 250;

/** How the user shares a file on the page: a draft too long for a message may go as one. */
const SHARE_HOW = "with the paperclip";

/** Matches while the sidebar is a drawer over the log, as web/style.css lays it out. */
const DRAWER_MEDIA = "(max-width: 720px)";

/** Whether `line` is something someone else said, new: what counts as unread. */
function fromOthers(line: Line): boolean {
  return (line.kind === "message" || line.kind === "action" || line.kind === "private") &&
    !line.tags?.some((tag) => tag === "own" || tag === "outgoing" || tag === "replay");
}

/** Options for {@linkcode WebClient}. */
export interface WebClientOptions {
  /** Away after the tab was hidden this long, in ms; 0 never. @default {AWAY_AFTER_MS} */
  awayAfterMs?: number;
}

/** The page's chat client; app.ts feeds it the user's actions. */
export class WebClient {
  readonly #ui: Ui;
  readonly #chat: Conversation;
  readonly #logs: ViewLogs;
  readonly #alerts: Alerts;
  readonly #status: StatusView;
  readonly #page: PageView;
  readonly #history: InputHistory;
  /** What was typed in the message box for each view but the one looked at. */
  readonly #drafts = new Drafts();
  readonly #connection: Connection;
  readonly #joining: Joining;
  readonly #sharing: FileSharing;
  /** The room list and the people, asked for by the page itself, to refresh them quietly. */
  readonly #asks: QuietAsks;
  #outageNoted = false;
  /** The rooms and view this tab had before a reload: entered again at the first welcome. */
  #reloaded: SavedRooms | undefined = joinedBefore() ? loadRooms() : undefined;
  /** The view a reloaded tab showed, shown again once its room is entered. */
  #showOnEntry: string | undefined;
  /** The message box and its caret once words the server refused last came back to it. */
  #offered: Offered | undefined;
  /** The room the user just left, while the line that says so is drawn: it offers to join again. */
  #leaving: string | undefined;
  /** Why the server sent the page away for good (a kick, a ban), until the user joins again. */
  #dismissed: string | undefined;
  /** The log lines showing lines still being sent, by client message id. */
  readonly #sending = new Map<string, HTMLElement>();
  #tickTimer: ReturnType<typeof setInterval> | undefined;
  /** Private views whose messages the hidden tab showed in the room looked at. */
  readonly #readOnReturn = new Set<string>();
  /** Whether the window is narrow enough for the sidebar to be a drawer. */
  readonly #drawer: MediaQueryList = matchMedia(DRAWER_MEDIA);
  /**
   * Whether the user last touched the screen (or a pen did), rather than
   * pressing a key or clicking: until they do either, whether the device is
   * a touch screen without a mouse.
   */
  #touching = matchMedia(TOUCH_MEDIA).matches;
  /** Whether the page listens for being left, as it does while lines wait for the server. */
  #guardsLeaving = false;
  /** Has the browser ask before the page goes while lines it has not sent would go with it. */
  readonly #askBeforeLeaving = (event: BeforeUnloadEvent): void => {
    if (this.#chat.unsent(performance.now()) > 0) event.preventDefault();
  };

  constructor(ui: Ui, url: string, options: WebClientOptions = {}) {
    this.#ui = ui;
    this.#chat = new Conversation({
      display: "each",
      client: "web",
      // The paperclip shows while the page can share files: on its own server, which takes them.
      shareHow: () => ui.attach.hidden ? undefined : SHARE_HOW,
      awayAfterMs: options.awayAfterMs ?? AWAY_AFTER_MS,
      ignored: loadIgnored(),
    });
    this.#logs = new ViewLogs(
      ui.log,
      ui.newMessages,
      (line) => this.#draw(line),
    );
    this.#status = new StatusView(ui);
    this.#alerts = new Alerts(ui, (view) => this.showView(view));
    this.#page = new PageView(ui, this.#chat, this.#alerts, {
      joinRoom: (room) => this.joinRoom(room),
      showView: (view) => this.showView(view),
      partRoom: (room) => this.partRoom(room),
      startPrivate: (name) => this.startPrivate(name),
    });
    this.#joining = new Joining(ui, {
      hello: (name) => {
        if (this.#connection.isOpen) this.#sendHello(name);
      },
      changed: () => this.#showStatus(),
    });
    this.#history = bindComposerKeys(ui.input, () => conversationSources(this.#chat), {
      changed: () => this.#showLength(),
    });
    ui.input.addEventListener("input", (event) => {
      // What a person types, never a value the page sets itself (history, completion, sending).
      if (event.isTrusted) this.#apply(this.#chat.keystroke(performance.now(), ui.input.value));
      this.#showLength();
    });
    this.#connection = new Connection({
      url,
      onFrame: (frame) => this.#onFrame(frame),
      onState: (state) => this.#onState(state),
    });
    this.#asks = new QuietAsks({
      send: (frame) => this.#connection.send(frame),
      joined: () => this.#joining.phase === "joined",
      room: () => this.#chat.roster.many ? this.#chat.roster.room : undefined,
    });
    this.#sharing = new FileSharing(ui, {
      place: () => this.#chat.files.place,
      online: () => this.#chat.online,
      password: () => this.#joining.password,
      share: (file) => this.#apply(this.#chat.share(file)),
      tell: (message, error) => this.#show([error ? errorLine(message) : notice([message])]),
      elsewhere: () => this.#elsewhere(),
      focus: () => this.focusInput(),
    });
    this.#drawer.addEventListener("change", () => this.#coverBehindDrawer());
    // Seen before anything the press does, so that it knows how the user works.
    document.addEventListener("pointerdown", (event) => {
      this.#touching = event.pointerType !== "mouse";
    }, { capture: true, passive: true });
    document.addEventListener("keydown", () => {
      this.#touching = false;
    }, { capture: true });
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
    this.#dismissed = undefined;
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
    const looked = this.#chat.view?.id;
    const effects = this.#chat.type(value, performance.now());
    const refused = effects.some((effect) =>
      effect.type === "show" && effect.lines.some((line) => line.kind === "error")
    );
    if (refused) return this.#apply(effects);
    // The box is empty before the line shows another view (`/switch`): it leaves no draft.
    this.#history.push(value);
    this.#ui.input.value = "";
    fitToText(this.#ui.input);
    this.#showLength();
    this.#apply(effects);
    // The user answers what is new, so it is read: its "new since you left" line goes. A line
    // that showed another view (`/switch`) left that line of the view it came from already.
    if (looked !== undefined && this.#logs.isShown(looked)) this.#logs.dropDivider();
    this.#logs.shown.scrollToBottom();
  }

  /** Enters `room` (as typed or clicked), or shows it if the user is in it already. */
  joinRoom(room: string): void {
    if (nameKey(room) !== nameKey(this.#chat.view?.id ?? "")) {
      this.#apply(this.#chat.join(room, performance.now()));
    }
    this.setSidebar(false);
  }

  /** Shows view `id` (`#dev`, `@bob`), one of the user's. */
  showView(id: string): void {
    if (this.#chat.view?.id !== id) this.#apply(this.#chat.switchTo(id));
    this.setSidebar(false);
  }

  /** Shows the `number`th view (from 1) of the sidebar, if there are that many, and says which. */
  showNumber(number: number): void {
    this.#switchByKey(() => this.#chat.switchToNumber(number));
  }

  /**
   * Shows the view `step` places after the one looked at (before it if
   * negative), going round, and says which.
   */
  showBeside(step: number): void {
    this.#switchByKey(() => this.#chat.switchBy(step));
  }

  /**
   * Carries out a switch made with a key: the keyboard stays in the message
   * box, so a screen reader is told through the status announcer which view
   * it shows now.
   */
  #switchByKey(switchView: () => Effect[]): void {
    const before = this.#chat.view?.id;
    this.#apply(switchView());
    const view = this.#chat.view;
    if (view === undefined || view.id === before) return;
    this.#ui.announce.textContent = view.kind === "private"
      ? `Private messages with ${sanitizeText(view.name)}`
      : sanitizeText(view.id);
  }

  /** Leaves `room`, one of the user's, as `/part` does. */
  partRoom(room: string): void {
    this.#apply(this.#chat.type(`/part ${room}`, performance.now()));
    // Its button goes with it: the keyboard goes to the message box, not to the page's body.
    this.setSidebar(false);
  }

  /** Shows the private view with `name` (`@bob`): what is typed there goes to them. */
  startPrivate(name: string): void {
    const looked = this.#chat.view;
    if (looked?.kind !== "private" || nameKey(looked.name) !== nameKey(name)) {
      this.#apply(this.#chat.switchTo(`@${name}`));
    }
    this.setSidebar(false);
  }

  /** Reconnects now: after a /quit, a kick or a ban, or instead of waiting for the next attempt. */
  retry(): void {
    this.#dismissed = undefined;
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

  /** Reconnects after {@linkcode WebClient.suspend}, as when the page comes back, unless sent away. */
  resume(): void {
    const away = this.#chat.quitting || this.#dismissed !== undefined;
    if (this.#joining.name !== undefined && !away) this.#connection.start();
  }

  /** Opens or closes the sidebar drawer (narrow screens). */
  setSidebar(open: boolean): void {
    const ui = this.#ui;
    ui.app.classList.toggle("sidebar-open", open);
    ui.sidebarToggle.setAttribute("aria-expanded", String(open));
    this.#coverBehindDrawer();
    if (!open) return this.focusInput();
    this.refreshRooms();
    ui.views.querySelector<HTMLElement>("button")?.focus();
  }

  /**
   * While the drawer is open over them, the log and the message box are
   * inert: Tab stays among what can be seen, and screen readers leave out
   * what the drawer covers. A window widened past a phone's shows both.
   */
  #coverBehindDrawer(): void {
    this.#ui.main.inert = this.#drawer.matches &&
      this.#ui.app.classList.contains("sidebar-open");
  }

  /**
   * Puts the keyboard in the message box, or the name box while it is
   * shown. After a touch it leaves the message box alone, as its focus
   * raises the on-screen keyboard over half the log: a tap on the box is
   * what raises it. The focus then goes to the log if it was on nothing or
   * on what is going out of sight (the drawer's buttons, the new messages
   * button).
   */
  focusInput(): void {
    const ui = this.#ui;
    if (!ui.nameScreen.hidden) return ui.nameInput.focus();
    if (ui.app.classList.contains("sidebar-open")) return;
    if (!this.#touching) return ui.input.focus({ preventScroll: true });
    const focused = document.activeElement;
    if (
      focused === null || focused === document.body || ui.sidebar.contains(focused) ||
      focused === ui.newMessages
    ) {
      this.#logs.shown.element.focus({ preventScroll: true });
    }
  }

  /**
   * The page is visible again: what it showed is read now, under a "new
   * since you left" line in the view looked at.
   */
  markRead(): void {
    for (const id of this.#readOnReturn) this.#apply(this.#chat.read(id));
    this.#readOnReturn.clear();
    const looked = this.#chat.view;
    if (looked !== undefined) this.#logs.returned(looked.id);
    this.#page.markRead();
  }

  /** The tab is shown again: the user is here, and an automatic away ends. */
  present(): void {
    this.#apply(this.#chat.input(performance.now()));
  }

  /** Asks for the room list soon, to show it current. */
  refreshRooms(): void {
    this.#asks.rooms();
  }

  /** Asks soon how the people of the room looked at are (away, idle, client, operator). */
  refreshPeople(): void {
    this.#asks.people();
  }

  /**
   * The origin of the server the page is on (`http://host:port`) when it is
   * another than the page's own, after a failover; else `undefined`.
   */
  #elsewhere(): string | undefined {
    const url = this.#connection.current;
    return url === this.#connection.home ? undefined : pageOrigin(url);
  }

  /**
   * Draws `line` for the log; a shared file's links carry the token when
   * downloads need it, and lead to the server the page is on. Pictures of
   * another server than the page's own are not shown in it (its policy
   * loads pictures of its own origin only): they are links too. The line
   * that says the user left a room has a button that joins it again.
   */
  #draw(line: Line): HTMLDivElement {
    const element = drawLine(line, this.#chat.roster.me, {
      fileHref: (file: FileRef) => {
        const url = safeFileUrl(file);
        const place = this.#chat.files.place;
        const path = url === undefined || place === undefined ? url : fileQuery(place, { url });
        const elsewhere = this.#elsewhere();
        return path === undefined || elsewhere === undefined ? path : new URL(path, elsewhere).href;
      },
      pictures: this.#elsewhere() === undefined,
    });
    // "You left #dev": one tap (the ×, a /part) is undone by one more.
    const left = this.#leaving;
    if (left !== undefined && line.kind === "notice") {
      const again = document.createElement("button");
      again.type = "button";
      again.className = "link-button rejoin";
      again.textContent = "Join again";
      again.setAttribute("aria-label", `Join ${sanitizeText(left)} again`);
      again.addEventListener("click", (event) => {
        // A double click joins once, as in the sidebar.
        if (event.detail <= 1) this.joinRoom(left);
      });
      element.append(" ", again);
    }
    return element;
  }

  #showStatus(): void {
    this.#status.show(this.#connection.state, this.#joining.phase, this.#dismissed);
  }

  /**
   * The server refused the `hello`. A name or a password is asked for again
   * (web/joining.ts). A ban, or a protocol the server does not speak, is
   * final for this attempt, as is any refusal that would come again: the page
   * stops and says why, on the name form if it is shown, and joining again is
   * the user's to ask. A refusal for now (a cluster that cannot claim the name
   * just now) is tried again after the usual backoff.
   */
  #refused(refusal: Refusal): void {
    if (refusal.about !== "other") return this.#joining.refused(refusal);
    const { code, message } = refusal;
    const final = !refusedForNow(code);
    if (this.#ui.nameScreen.hidden) this.#show([errorLine(message)]);
    else if (final) this.#joining.ask(message, this.#joining.name);
    else showNameError(this.#ui, message, "none");
    if (final) this.#sentAway(message);
    else this.#connection.abandon();
  }

  /**
   * The server said goodbye without inviting the page back (`bye` without
   * `retry`): the page stops, and says why, until the user joins again.
   */
  #sentAway(reason: string): void {
    this.#dismissed = sanitizeText(reason);
    this.#connection.stop();
  }

  /** Shows `lines` in view `id`, or in the view looked at. */
  #show(lines: readonly Line[], id?: string): void {
    this.#logs.append(id ?? this.#chat.view?.id, lines);
    const looked = this.#chat.view;
    if (id === undefined || looked === undefined || id === looked.id) {
      const others = lines.filter(fromOthers);
      for (const line of others) this.#page.arrived(line.tags?.includes("mentioned") === true);
      if (document.hidden && looked !== undefined && others[0] !== undefined) {
        this.#logs.arrivedAway(looked.id, others[0]);
      }
      return;
    }
    // A private message is shown where the user looks too, as it belongs to no room; it is
    // marked as private already.
    const words = lines.filter((line) => line.kind === "private");
    if (id.startsWith("@") && looked.kind === "room" && words.length > 0) {
      const copies = words.map((line): Line => ({
        ...line,
        tags: [...line.tags ?? [], "elsewhere"],
      }));
      this.#logs.append(looked.id, copies);
      // Read where they are shown, unless the tab is hidden: then once it is shown again.
      if (document.hidden) {
        this.#readOnReturn.add(id);
        const fresh = copies.find(fromOthers);
        if (fresh !== undefined) this.#logs.arrivedAway(looked.id, fresh);
      } else this.#apply(this.#chat.read(id));
    }
  }

  #onState(next: ConnectionState): void {
    clearInterval(this.#tickTimer);
    if (next.kind === "open") {
      this.#outageNoted = false;
      this.#asks.reset();
      this.#chat.opened();
      this.#tickTimer = setInterval(() => this.#tick(), TICK_MS);
      const name = this.#joining.name;
      if (name !== undefined) this.#sendHello(name);
      else if (this.#ui.nameScreen.hidden) this.#joining.ask("");
    } else {
      this.#chat.closed();
      this.#showTyping();
      this.#joining.dropped(this.#chat.roster.me);
    }
    if (next.kind === "waiting" && !this.#outageNoted && !this.#chat.quitting) {
      this.#outageNoted = true;
      this.#show([outageNotice(this.#chat.welcomed, this.#chat.bye?.retry === true)]);
    }
    this.#showStatus();
  }

  /**
   * Time passes: the link is looked at and "is typing" runs out. While the
   * tab is shown the user counts as here, so only a hidden tab goes away.
   */
  #tick(): void {
    const now = performance.now();
    const here = document.hidden ? [] : this.#chat.input(now);
    this.#apply([...here, ...this.#chat.tick(now)]);
  }

  #sendHello(name: string): void {
    this.#joining.sending(name);
    this.#apply(this.#chat.hello(name, performance.now(), { password: this.#joining.password }));
    this.#showStatus();
  }

  #onFrame(frame: ServerFrame): void {
    const quiet = this.#asks.answers(frame);
    if (frame.type === "renamed") {
      this.#logs.renamed(frame.from, frame.to);
      this.#drafts.renamed(frame.from, frame.to);
    }
    const about = this.#page.people.take(frame, Date.now());
    this.#leaving = frame.type === "parted" ? frame.room : undefined;
    this.#apply(this.#chat.receive(frame, performance.now()), quiet);
    this.#leaving = undefined;
    // A goodbye that does not invite the page back (a kick, a ban, the user's /quit): it stays
    // away, saying why, until the user asks to join again.
    if (frame.type === "bye" && !frame.retry) this.#sentAway(frame.reason);
    if (
      frame.type === "room" || frame.type === "joined" || frame.type === "left" ||
      frame.type === "parted" || (frame.type === "notice" && frame.room !== undefined)
    ) {
      this.refreshRooms();
    }
    if (about.people) this.#page.showMembers();
    if (about.room !== undefined || about.rooms) this.#page.showAbout(about.room);
    // An operator's notice may have made someone an operator, or locked a room.
    const asks = about.ask ?? (frame.type === "notice" ? frame.room : undefined);
    if (asks !== undefined && asks === this.#chat.roster.room) this.refreshPeople();
    this.#alert(frame);
  }

  /** Tells of `frame` if it names the user or is a private message to them. */
  #alert(frame: ServerFrame): void {
    const me = this.#chat.roster.me;
    if ((frame.type !== "message" && frame.type !== "private") || !isMention(frame, me)) return;
    const view = frame.type === "message" ? frame.room : `@${frame.from}`;
    const looked = this.#chat.view;
    const looking = looked !== undefined &&
      (looked.kind === "room" ? looked.id === view : nameKey(looked.name) === nameKey(frame.from));
    this.#alerts.alert({ from: frame.from, text: frame.text, view }, { looking });
  }

  /** Carries out the core's effects, in order; `silent` shows nothing of the frame. */
  #apply(effects: readonly Effect[], silent = false): void {
    for (const effect of effects) {
      switch (effect.type) {
        case "send":
          this.#connection.send(effect.frame);
          break;
        case "show":
          if (!silent) this.#show(effect.lines, effect.view);
          break;
        case "switched":
          this.#logs.switched(effect.view, effect.unseen, effect.skipped);
          break;
        case "changed":
          this.#changed(effect.changes);
          break;
        case "welcomed":
          this.#welcome();
          break;
        case "refused":
          this.#refused(effect);
          break;
        case "pending": {
          const element = this.#draw(effect.shown);
          // Drawn for the eye only: a screen reader hears the line once, when the server has it
          // and it takes this copy's place, not also as it goes.
          element.setAttribute("aria-hidden", "true");
          this.#sending.set(effect.line.cid!, element);
          this.#logs.shown.appendPending(element);
          break;
        }
        case "answered":
          for (const { cid } of effect.lines) {
            if (cid === undefined) continue;
            this.#sending.get(cid)?.remove();
            this.#sending.delete(cid);
          }
          break;
        case "returned":
          this.#returned(effect.text, effect.view);
          break;
        case "drop":
          this.#connection.abandon();
          break;
        case "leave":
          if (!effect.sent) this.#connection.stop();
          break;
        case "ignored":
          saveIgnored(effect.names);
          this.#page.showMembers();
          break;
        case "ring":
        case "finished":
        case "upload":
        case "download":
          break;
        default: {
          const unhandled: never = effect;
          throw new TypeError(`Cannot carry out effect ${JSON.stringify(unhandled)}`);
        }
      }
    }
    this.#follow();
    this.#guardLeaving();
  }

  /**
   * Listens for the page being left only while lines wait for the server:
   * closing or reloading the tab would lose them, so the browser asks first.
   * Nothing waiting, the page goes without a word, and may stay in the
   * browser's back-forward cache, which a listener can keep it out of.
   */
  #guardLeaving(): void {
    const waiting = this.#chat.waiting > 0;
    if (waiting === this.#guardsLeaving) return;
    this.#guardsLeaving = waiting;
    if (waiting) globalThis.addEventListener("beforeunload", this.#askBeforeLeaving);
    else globalThis.removeEventListener("beforeunload", this.#askBeforeLeaving);
  }

  /**
   * Shows the log of the view the core says the user looks at, and its
   * draft in the message box: it may move without a word, as when the room
   * looked at is left.
   */
  #follow(): void {
    const view = this.#chat.view;
    if (view === undefined) return;
    const moved = !this.#logs.isShown(view.id);
    this.#logs.show(view.id);
    this.#logs.keep(this.#chat.views.map((each) => each.id));
    if (!this.#drafts.isFor(view.id)) this.#swapDraft(view.id);
    if (moved) {
      this.#page.showRoom();
      this.#page.showMembers();
      this.#page.showRooms();
      this.#showTyping();
    }
  }

  /**
   * The message box goes to view `id`: what it holds stays with the view it
   * was in, and what was typed for `id` comes back, so that a line begun
   * for one room or person never goes to another.
   */
  #swapDraft(id: string): void {
    const input = this.#ui.input;
    const typed = this.#history.leave(input.value);
    const draft = this.#drafts.switchTo(id, typed);
    if (draft === input.value) return;
    input.value = draft;
    input.setSelectionRange(draft.length, draft.length);
    fitToText(input);
    this.#showLength();
  }

  /**
   * Puts the words of a message the server refused back where they were
   * typed, as a line refused at once stays in the box: into the message box
   * while it holds that view's draft, else into the draft of the view they
   * were typed in. Words there already stay, the refused ones on a line of
   * their own after them: of several messages refused at once, none is lost,
   * and they come back in the order typed, one multi-line draft. The caret
   * stays where the user was typing, if they were; else it goes to the end.
   * Up brings each line back as well, as it does every line sent.
   */
  #returned(text: string, view: string | undefined): void {
    if (view !== undefined && !this.#drafts.isFor(view)) return this.#drafts.offer(view, text);
    const input = this.#ui.input;
    const { selectionStart, selectionEnd, selectionDirection } = input;
    const toEnd = cursorToEnd(input.value, selectionStart, this.#offered);
    const kept = joinDraft(input.value, text);
    input.value = kept;
    if (toEnd) input.setSelectionRange(kept.length, kept.length);
    else input.setSelectionRange(selectionStart, selectionEnd, selectionDirection);
    this.#offered = { draft: kept, cursor: input.selectionStart };
    fitToText(input);
    this.#showLength();
  }

  /**
   * Says above the message box whether its draft is too long to send, and
   * that the paperclip shares it as a file, while the page takes files.
   */
  #showLength(): void {
    const size = this.#chat.oversize(this.#ui.input.value);
    showLength(this.#ui, size, this.#chat.shareHow);
  }

  #changed(changes: Changes): void {
    if (changes.me) {
      saveName(this.#chat.roster.me);
      this.#page.showMe();
    }
    if (changes.room || changes.views) {
      this.#page.showRoom();
      // Not before the first welcome restored them: the #lobby alone would overwrite them.
      if (this.#reloaded === undefined) saveRooms(this.#chat.roster.joined, this.#chat.view?.id);
    }
    if (changes.views && this.#showOnEntry !== undefined) {
      const id = this.#showOnEntry;
      if (this.#chat.views.some((view) => view.id === id)) {
        this.#showOnEntry = undefined;
        this.#showEntered(id);
      }
    }
    if (changes.room) this.refreshPeople();
    if (changes.members || changes.me || changes.room) this.#page.showMembers();
    if (changes.rooms || changes.room || changes.views) this.#page.showRooms();
    if (changes.typing || changes.room || changes.views) this.#showTyping();
  }

  /** Shows who is typing in the view looked at. */
  #showTyping(): void {
    const view = this.#chat.view;
    const names = view === undefined ? [] : this.#chat.typingIn(view.id, performance.now());
    showTyping(this.#ui.typing, names);
  }

  #welcome(): void {
    const before = this.#connection.current;
    this.#connection.welcomed(this.#chat.webServers.flatMap((page) => socketUrl(page) ?? []));
    const now = this.#connection.current;
    if (now !== before) {
      const elsewhere = this.#elsewhere();
      this.#show([
        movedNotice(new URL(now).host, new URL(before).host),
        ...elsewhere === undefined ? [] : [filesElsewhereNotice(`${elsewhere}/`)],
      ]);
    }
    this.#joining.welcomed();
    this.#enterAgain();
    this.#sharing.update();
    this.#showStatus();
    this.focusInput();
  }

  /**
   * After a reload of the tab, at its first welcome: enters again the rooms
   * it was in, in the order it had entered them, and shows the view it
   * showed, once that room is entered.
   */
  #enterAgain(): void {
    const saved = this.#reloaded;
    this.#reloaded = undefined;
    if (saved === undefined) return;
    const now = performance.now();
    const rooms = saved.rooms.filter((room) => !this.#chat.roster.joined.includes(room));
    for (const room of rooms) this.#apply(this.#chat.join(room, now));
    // Shown as a choice of the user's, it stays shown while the other rooms are entered.
    if (saved.view !== undefined && rooms.includes(saved.view)) this.#showOnEntry = saved.view;
    else this.#showEntered(saved.view);
  }

  /** Shows view `id` if the user has it, as if they picked it. */
  #showEntered(id: string | undefined): void {
    if (id !== undefined && this.#chat.views.some((view) => view.id === id)) {
      this.#apply(this.#chat.switchTo(id));
    }
  }
}
