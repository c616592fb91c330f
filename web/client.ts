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
 * from a page of the server the page is on. A screen reader hears what is
 * new in the log on the page, not the history a room replays as it is
 * entered or the page comes back (the log is quiet until the pong of a ping
 * sent after it), and is told of the view the page moves to, and of a
 * mention or a private message it does not show (web/announcer.ts).
 *
 * @module
 */

import { Conversation, type Effect } from "../core/conversation.ts";
import { parseInput, parseLine } from "../core/commands.ts";
import { errorLine, type Line, notice } from "../core/describe.ts";
import { type Refusal, show } from "../core/effects.ts";
import { nameKey } from "../core/names.ts";
import { filesElsewhereNotice, movedNotice, outageNotice } from "../core/notices.ts";
import { typingJoin } from "../core/room_asks.ts";
import type { Changes } from "../core/roster.ts";
import { sanitizeText } from "../core/sanitize.ts";
import type { ServerFrame } from "../protocol.ts";
import { Alerts, rememberedSound } from "./alerts.ts";
import { alertSaid, Announcer } from "./announcer.ts";
import { Connection, type ConnectionState, pageOrigin, socketUrl } from "./connection.ts";
import { Focus } from "./focus.ts";
import { changesRooms, fromOthers, mentionAlert, privateCopies } from "./incoming.ts";
import { Joining, showNameError } from "./joining.ts";
import { LeaveGuard } from "./leave_guard.ts";
import { drawLogLine } from "./log_line.ts";
import { ViewLogs } from "./logs.ts";
import { MessageBox } from "./message_box.ts";
import { enteringRoom, PageView } from "./page.ts";
import { QuietAsks } from "./quiet_asks.ts";
import { PAGE_KEYS } from "./help_keys.ts";
import { AWAY_AFTER_MS, loadIgnored, saveIgnored, showTyping } from "./presence.ts";
import { ReloadedRooms } from "./reload.ts";
import { SendingLines } from "./sending.ts";
import { FileSharing } from "./sharing.ts";
import { sentAwayError, StatusView } from "./status.ts";
import {
  keepSession,
  type KeptSession,
  loadName,
  markGone,
  saveAway,
  saveName,
  saveRooms,
  takeGone,
  takeSession,
  type Ui,
} from "./ui.ts";

/** How often the link and the lines waiting for the server are looked at, in milliseconds. */
const TICK_MS = 250;

/** The lines that are messages: a private view where one was read lost it in a reload. */
const SAID: readonly string[] = ["message", "action", "private"];

/** How the user shares a file on the page: a draft too long for a message may go as one. */
const SHARE_HOW = "with the paperclip";

/** View `id` (`#dev`, `@Bob`) as compared: a person's name by its name key. */
function viewKey(id: string): string {
  return id.startsWith("@") ? `@${nameKey(id.slice(1))}` : id;
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
  /** What a screen reader is told besides the log: the view shown, mentions elsewhere. */
  readonly #announcer: Announcer;
  /** The view the page showed last, as compared (see {@linkcode viewKey}), to say when it moves. */
  #shownView: string | undefined;
  readonly #status: StatusView;
  readonly #page: PageView;
  readonly #box: MessageBox;
  readonly #connection: Connection;
  readonly #joining: Joining;
  readonly #sharing: FileSharing;
  /** The room list and the people, asked for by the page itself, to refresh them quietly. */
  readonly #asks: QuietAsks;
  #outageNoted = false;
  /** The last `hello` was refused for now, and said so: the outage that follows is no lost link. */
  #refusedForNow = false;
  /** The rooms and view this tab had before a reload, entered again at the first welcome. */
  readonly #reloaded: ReloadedRooms;
  /** The session this tab had before a reload, which its first `hello` takes back. */
  #kept: KeptSession | undefined = takeSession();
  /** The room the user just left, while the line that says so is drawn: it offers to join again. */
  #leaving: string | undefined;
  /** Why the server sent the page away for good (a kick, a ban), until the user joins again. */
  #dismissed: string | undefined;
  /** The log lines showing lines still being sent. */
  readonly #sending = new SendingLines();
  #tickTimer: ReturnType<typeof setInterval> | undefined;
  /** Private views whose messages the hidden tab showed in the room looked at. */
  readonly #readOnReturn = new Set<string>();
  /** The private views that showed a message, read or not, by name key. */
  readonly #showed = new Set<string>();
  /**
   * The private views where the user read a message, by name key: only they
   * say, after a reload, that what they showed is gone. Messages still
   * unread come back from the reload (see web/reload.ts).
   */
  readonly #said = new Set<string>();
  /** Where the keyboard goes, and the sidebar drawer. */
  readonly #focus: Focus;
  /** Asks before the tab goes while lines wait for the server or files are uploaded. */
  readonly #leaveGuard = new LeaveGuard({
    // Every line not answered yet, not only those shown as unsent: the server may never have it.
    waiting: () => this.#chat.waiting,
    uploading: () => this.#sharing.uploading,
  });

  constructor(ui: Ui, url: string, options: WebClientOptions = {}) {
    this.#ui = ui;
    this.#chat = new Conversation({
      display: "each",
      // A room's log goes with the room: entering it again shows its last messages.
      forgetsRoomsLeft: true,
      client: "web",
      // `/help keys` lists the page's own keys, as the terminal's does its.
      helpKeys: PAGE_KEYS,
      // The paperclip shows while the page can share files: on its own server, which takes them.
      shareHow: () => ui.attach.hidden ? undefined : SHARE_HOW,
      awayAfterMs: options.awayAfterMs ?? AWAY_AFTER_MS,
      // The page goes away while its tab is hidden, and comes back once it is shown.
      awayEnds: "shown",
      ignored: loadIgnored(),
      // Its bell is a beep, as the Sound switch (or `/bell`) was left.
      bell: true,
      bellMode: rememberedSound(),
    });
    this.#reloaded = new ReloadedRooms({
      views: () => this.#chat.views.map((view) => view.id),
      reopen: (ids, said) => this.#apply(this.#chat.reopen(ids, said)),
      // As a choice of the user's; without a word when it is shown already (the first room).
      show: (id) => {
        if (this.#chat.view?.id !== id) this.#apply(this.#chat.switchTo(id));
      },
      // Read already before the reload: put back without being read out.
      lines: (id, lines) => {
        this.#logs.quiet(id);
        this.#logs.append(id, lines);
        // Unread still, as the counts that follow say: read once they are.
        this.#saidIn(id, lines, false);
      },
      unread: (unread, lines) => this.#apply(this.#chat.unreadAgain(unread, lines)),
      away: (reason) =>
        this.#apply(
          this.#chat.type(reason === "" ? "/away" : `/away ${reason}`, performance.now()),
        ),
    });
    this.#logs = new ViewLogs(
      ui.log,
      ui.newMessages,
      (line) => this.#draw(line),
    );
    this.#status = new StatusView(ui);
    this.#announcer = new Announcer(ui.announcer);
    this.#alerts = new Alerts(ui, {
      open: (view) => this.showView(view),
      onSound: (mode) => this.#chat.bell = mode,
    });
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
    this.#box = new MessageBox(ui, this.#chat, {
      typed: (value) => {
        this.#apply(this.#chat.keystroke(performance.now(), value));
        // Rooms made since the list was last asked for are offered after this `/join` too.
        if (typingJoin(value)) this.refreshRooms();
      },
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
      uploadsChanged: () => this.#guardLeaving(),
    });
    this.#focus = new Focus(ui);
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
   * is down is sent once it is back. A line refused at once stays in the box
   * (see `#refusedHere`).
   */
  sendLine(): void {
    const value = this.#ui.input.value;
    if (value.trim() === "") return;
    const refusal = this.#refusedHere(value);
    if (refusal !== undefined) return this.#apply([show([errorLine(refusal)])]);
    const looked = this.#chat.view?.id;
    const effects = this.#chat.type(value, performance.now());
    const refused = effects.some((effect) =>
      effect.type === "show" && effect.lines.some((line) => line.kind === "error")
    );
    if (refused) return this.#apply(effects);
    // The box is empty before the line shows another view (`/switch`): it leaves no draft.
    this.#box.sent(value);
    this.#apply(effects);
    // The user answers what is new, so it is read: its "new since you last looked" line goes.
    // A line that showed another view (`/switch`) left that line of the view it came from already.
    if (looked !== undefined && this.#logs.isShown(looked)) this.#logs.dropDivider();
    this.#logs.shown.scrollToBottom();
  }

  /**
   * Why the page refuses `line` itself, at once, before the conversation
   * takes it; else `undefined`. A command its server would refuse as typed
   * (unknown, or typed wrong) is read as the server reads it (the page and
   * its server share the command table), and refused as the conversation
   * refuses one of the page's own commands typed wrong: both stay in the box.
   * While the page was sent away for good (a kick, a ban), so is any line for
   * the server, which would otherwise wait for a Reconnect the user may
   * never click; what the page answers itself it still does.
   */
  #refusedHere(line: string): string | undefined {
    const text = line.trim();
    const away = this.#dismissed !== undefined && !this.#chat.quitting
      ? sentAwayError(this.#dismissed)
      : undefined;
    const command = /^\/(\S+)/.exec(text)?.[1]?.toLowerCase();
    if (command !== undefined && this.#chat.localCommands.includes(command)) {
      // The page's own, typed right or wrong, are the conversation's to answer; `/code` sends.
      return command === "code" && parseLine(text).ok ? away : undefined;
    }
    const parsed = parseInput(text);
    if (!parsed.ok) return parsed.message;
    const { type } = parsed.frame;
    // `/quit` only stops the page; a `/join` of a room the user is in only shows it.
    if (type === "quit" || (type === "join" && !this.#chat.wouldEnter(text))) return undefined;
    return away;
  }

  /** Enters `room` (as typed or clicked), or shows it if the user is in it already. */
  joinRoom(room: string): void {
    if (nameKey(room) !== nameKey(this.#looked ?? "")) {
      // Sent away, the page enters no room until the user reconnects, as a `/join` typed.
      const refusal = this.#refusedHere(`/join ${room}`);
      this.#apply(
        refusal === undefined
          ? this.#chat.join(room, performance.now())
          : [show([errorLine(refusal)])],
      );
    }
    this.setSidebar(false);
  }

  /** Shows view `id` (`#dev`, `@bob`), one of the user's, or the room being entered. */
  showView(id: string): void {
    if (this.#looked !== id) this.#apply(this.#chat.switchTo(id));
    this.setSidebar(false);
  }

  /** The id of the view the page shows: `#dev`, `@bob`, or the room a `/join` is entering. */
  get #looked(): string | undefined {
    return enteringRoom(this.#chat) ?? this.#chat.view?.id;
  }

  /**
   * Shows the `number`th view (from 1) of the sidebar, if there are that
   * many; the keyboard stays in the message box, and a screen reader is told
   * which view it shows now, as of any move (see {@linkcode WebClient.#follow}).
   */
  showNumber(number: number): void {
    this.#apply(this.#chat.switchToNumber(number));
  }

  /**
   * Shows the view `step` places after the one looked at (before it if
   * negative), going round; a screen reader is told which, as with
   * {@linkcode WebClient.showNumber}.
   */
  showBeside(step: number): void {
    this.#apply(this.#chat.switchBy(step));
  }

  /** Leaves `room`, one of the user's, as `/part` does; closes a private view (`@bob`) as well. */
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
    const me = this.#chat.roster.me;
    const resume = this.#chat.resume;
    // Kept for a reload of this tab, within the server's grace: it comes back as the same session.
    const gone = this.#chat.quitting || this.#dismissed !== undefined;
    if (this.#chat.welcomed && me !== "" && resume !== undefined && !gone) {
      keepSession({ name: me, resume });
    }
    // The next page of this tab is a reload of it, not a copy made while this one is shown.
    markGone();
    this.#keepRooms();
    this.#connection.stop();
  }

  /** Reconnects after {@linkcode WebClient.suspend}, as when the page comes back, unless sent away. */
  resume(): void {
    // The page came back as it was, its session with it: a copy of the tab must not take it.
    takeSession();
    takeGone();
    const away = this.#chat.quitting || this.#dismissed !== undefined;
    if (this.#joining.name !== undefined && !away) this.#connection.start();
  }

  /** Opens or closes the sidebar drawer (narrow screens). */
  setSidebar(open: boolean): void {
    this.#focus.setDrawer(open);
    if (!open) return this.focusInput();
    this.refreshRooms();
    this.#ui.views.querySelector<HTMLElement>("button")?.focus();
  }

  /**
   * Puts the keyboard in the message box, or the name box while it is
   * shown; after a touch, in the log if it was on nothing or on what is
   * going out of sight (web/focus.ts).
   */
  focusInput(): void {
    this.#focus.focusInput(this.#logs.shown.element);
  }

  /**
   * The page is visible again: what it showed is read now, under a "new
   * since you last looked" line in the view looked at.
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

  /** Draws `line` for the log, its file links leading to the server the page is on. */
  #draw(line: Line): HTMLDivElement {
    return drawLogLine(line, this.#chat.roster.me, {
      place: () => this.#chat.files.place,
      elsewhere: () => this.#elsewhere(),
      left: this.#leaving,
      rejoin: (room) => this.joinRoom(room),
      error: (message) => this.#show([errorLine(message)]),
    });
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
   * just now; coming back, the name still held for a connection of the page's
   * own that the server has not seen end) is tried again after the usual
   * backoff, without a question.
   */
  #refused(refusal: Refusal): void {
    const { later, message } = refusal;
    if (!later && refusal.about !== "other") return this.#joining.refused(refusal);
    if (this.#ui.nameScreen.hidden) this.#show([errorLine(message)]);
    else if (!later) this.#joining.ask(message, this.#joining.name);
    else showNameError(this.#ui, message, "none");
    if (!later) return this.#sentAway(message);
    // The refusal says why the page is away: the outage it starts is not told as a lost link.
    this.#refusedForNow = true;
    this.#connection.abandon();
  }

  /**
   * The server said goodbye without inviting the page back (`bye` without
   * `retry`): the page stops, and says why, until the user joins again.
   */
  #sentAway(reason: string): void {
    this.#dismissed = sanitizeText(reason);
    this.#connection.stop();
  }

  /**
   * Shows `lines` in view `id`, or in the view looked at, and in the room
   * being entered if the page shows it: the lines of no view (a notice, a
   * refusal) are seen now, and where the user is back if it is refused.
   */
  #show(lines: readonly Line[], id?: string): void {
    this.#logs.append(id ?? this.#chat.view?.id, lines);
    this.#saidIn(id ?? this.#chat.view?.id, lines);
    const entering = enteringRoom(this.#chat);
    if (id === undefined && entering !== undefined) this.#logs.append(entering, lines);
    const looked = this.#chat.view;
    if (id === undefined || looked === undefined || id === looked.id) {
      const others = lines.filter(fromOthers);
      for (const line of others) this.#page.arrived(line.tags?.includes("mentioned") === true);
      if (document.hidden && looked !== undefined && others[0] !== undefined) {
        this.#logs.arrivedAway(looked.id, others[0]);
      }
      return;
    }
    // The server keeps no private messages: those unread come back from a reload of the tab.
    if (id.startsWith("@")) this.#reloaded.shownPrivately(id, lines);
    // A private message is shown where the user looks too, as it belongs to no room.
    const copies = privateCopies(lines);
    if (id.startsWith("@") && looked.kind === "room" && copies.length > 0) {
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
    this.#page.setStopped(next.kind === "stopped");
    if (next.kind === "open") {
      this.#outageNoted = false;
      this.#refusedForNow = false;
      this.#asks.reset();
      this.#chat.opened();
      this.#tickTimer = setInterval(() => this.#tick(), TICK_MS);
      const name = this.#joining.name;
      if (name !== undefined) this.#sendHello(name);
      else if (this.#ui.nameScreen.hidden) this.#joining.ask("");
    } else {
      // No pong will say the history is in: what comes next (the loss, first) is read out.
      this.#logs.speak();
      // What the client answers itself waited for this connection's answers: none will come.
      this.#apply(this.#chat.closed());
      this.#showTyping();
      this.#joining.dropped(this.#chat.roster.me);
    }
    if (next.kind === "waiting" && !this.#outageNoted && !this.#chat.quitting) {
      this.#outageNoted = true;
      const invited = this.#chat.bye?.retry === true || this.#refusedForNow;
      this.#show([outageNotice(this.#chat.welcomed, invited)]);
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
    this.#apply(this.#chat.hello(name, performance.now(), {
      password: this.#joining.password,
      // A reloaded tab comes back to its rooms, and to none other.
      rooms: this.#reloaded.rooms,
      // And as the session it was, if it comes back under the name it had.
      resume: this.#keptFor(name),
    }));
    this.#showStatus();
  }

  /** The resume token this tab kept from before a reload, if it comes back as `name`. */
  #keptFor(name: string): string | undefined {
    const kept = this.#kept;
    return kept !== undefined && nameKey(kept.name) === nameKey(name) ? kept.resume : undefined;
  }

  #onFrame(frame: ServerFrame): void {
    const quiet = this.#asks.answers(frame);
    if (frame.type === "renamed") {
      this.#logs.renamed(frame.from, frame.to);
      this.#box.renamed(frame.from, frame.to);
      for (const keys of [this.#showed, this.#said]) {
        if (keys.delete(nameKey(`@${frame.from}`))) keys.add(nameKey(`@${frame.to}`));
      }
    }
    const about = this.#page.people.take(frame, Date.now());
    // The room's history follows: its log fills without being read out (see #settleFill).
    if (frame.type === "room") this.#logs.quiet(frame.room);
    this.#leaving = frame.type === "parted" ? frame.room : undefined;
    const effects = this.#chat.receive(frame, performance.now());
    this.#apply(effects, quiet);
    this.#leaving = undefined;
    this.#keepAway(frame);
    // A goodbye that does not invite the page back (a kick, a ban, the user's /quit): it stays
    // away, saying why, until the user asks to join again.
    if (frame.type === "bye" && !frame.retry) this.#sentAway(frame.reason);
    if (changesRooms(frame)) this.refreshRooms();
    if (about.people) this.#page.showMembers();
    if (about.room !== undefined || about.rooms) this.#page.showAbout(about.room);
    // An operator's notice may have made someone an operator, or locked a room.
    const asks = about.ask ?? (frame.type === "notice" ? frame.room : undefined);
    if (asks !== undefined && asks === this.#chat.roster.room) this.refreshPeople();
    this.#alert(frame, effects.some((effect) => effect.type === "ring"));
    this.#settleFill(frame);
  }

  /**
   * Pings the server while logs are quiet, history filling them (after a
   * `welcome`, a `room`), unless a ping is on its way already: its pong
   * comes after the history (docs/PROTOCOL.md, Handshake), and the logs
   * are live again once it is in.
   */
  #settleFill(frame: ServerFrame): void {
    if (!this.#logs.quieting || this.#chat.settling) return;
    const ping = frame.type === "pong" ? [] : this.#chat.settle();
    if (ping.length === 0) return this.#logs.speak();
    this.#apply(ping);
  }

  /**
   * Beeps if the bell `rang` for `frame` (as `/bell` or the Sound switch
   * says); tells of it if it names the user or is a private message to
   * them, to a screen reader too, if the log on the page does not read it
   * out (a private message is copied into the room looked at: that copy does).
   */
  #alert(frame: ServerFrame, rang: boolean): void {
    const mention = mentionAlert(frame, this.#chat.roster.me, this.#chat.view);
    // Only a mention rings for a view not looked at: any other is in the one looked at.
    if (rang) this.#alerts.ring({ looking: mention?.looking ?? true });
    if (mention === undefined) return;
    const { view, from } = mention.alert;
    // Someone ignored is shown nowhere: neither notified, rung nor said.
    if (this.#chat.ignored.some((name) => nameKey(name) === nameKey(from))) return;
    this.#alerts.alert(mention.alert);
    const looked = this.#chat.view;
    const copied = view.startsWith("@") && looked?.kind === "room" &&
      this.#logs.isHeard(looked.id);
    if (!copied && !this.#logs.isHeard(view)) this.#announcer.say(alertSaid(mention.alert));
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
          this.#logs.switched(effect.view, effect.unseen, {
            skipped: effect.skipped,
            first: effect.first,
          });
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
          this.#sending.add(effect.line.cid!, element);
          this.#logs.shown.appendPending(element);
          break;
        }
        case "answered":
          this.#sending.answered(effect.lines.map((line) => line.cid));
          break;
        case "returned":
          this.#box.returned(effect.text, effect.view);
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
        case "bell":
          this.#alerts.sound = effect.mode;
          break;
        case "ring":
          // Heard once the frame is shown (see #alert), but for a mention the user reads there.
        case "finished":
        case "upload":
        case "download":
        case "cancel":
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

  /** Closing or reloading the tab asks first while lines wait for the server or files go up. */
  #guardLeaving(): void {
    this.#leaveGuard.update(this.#chat.waiting, this.#sharing.uploading);
  }

  /**
   * Shows the log of the view the core says the user looks at, or of the
   * room a `/join` is entering, and its draft in the message box: it may
   * move without a word, as when the room looked at is left.
   */
  #follow(): void {
    const looked = this.#looked;
    if (looked === undefined) return;
    // However the page got there (a click, a key, a room left or entered), a screen reader hears
    // where it is now: the keyboard stays in the message box.
    if (viewKey(looked) !== this.#shownView) {
      this.#shownView = viewKey(looked);
      this.#announcer.view(looked);
    }
    const moved = !this.#logs.isShown(looked);
    this.#logs.show(looked);
    this.#logs.keep(this.#chat.views.map((each) => each.id));
    this.#box.showDraft(looked);
    if (moved) {
      this.#page.showRoom();
      this.#page.showMembers();
      this.#page.showRooms();
      this.#showTyping();
    }
  }

  #changed(changes: Changes): void {
    if (changes.me) {
      saveName(this.#chat.roster.me);
      this.#page.showMe();
    }
    if (changes.room || changes.views) {
      this.#page.showRoom();
      // A private view closed said nothing, should it be opened again.
      const views = new Set(this.#chat.views.map((view) => nameKey(view.id)));
      for (const keys of [this.#showed, this.#said]) {
        for (const key of keys) if (!views.has(key)) keys.delete(key);
      }
      this.#keepRooms();
    }
    if (changes.room) this.refreshPeople();
    if (changes.members || changes.me || changes.room) this.#page.showMembers();
    if (changes.rooms || changes.room || changes.views) this.#page.showRooms();
    if (changes.typing || changes.room || changes.views) this.#showTyping();
  }

  /**
   * Keeps, for a reload of this tab, its rooms and views, the view it shows,
   * what is unread and in which private views a message was read; not before the
   * first welcome restored them, as the #lobby alone would overwrite them.
   */
  #keepRooms(): void {
    if (this.#reloaded.pending) return;
    this.#noteRead();
    const unread = this.#chat.views.flatMap(({ id, unread, mentioned }) =>
      unread > 0 || mentioned ? [{ id, unread, mentioned }] : []
    );
    const views = this.#chat.views.map((view) => view.id);
    saveRooms({
      rooms: this.#chat.roster.joined,
      views,
      view: this.#chat.view?.id,
      unread,
      lines: this.#reloaded.unreadLines(unread),
      said: views.filter((id) => id.startsWith("@") && this.#said.has(nameKey(id))),
    });
  }

  /**
   * `lines` were shown in view `id`: if it is a private view and one of them
   * is a message, it is noted that it showed one, and, if the user has read
   * it (`read`: it may be; it is not when it comes back unread from a
   * reload), kept for a reload that it is gone.
   */
  #saidIn(id: string | undefined, lines: readonly Line[], read = true): void {
    if (id === undefined || !id.startsWith("@")) return;
    if (!lines.some((line) => SAID.includes(line.kind))) return;
    this.#showed.add(nameKey(id));
    if (read && this.#noteRead()) this.#keepRooms();
  }

  /**
   * Notes the private views whose messages the user has read: those that
   * showed one and count nothing unread now. Returns whether one is new.
   */
  #noteRead(): boolean {
    let noted = false;
    for (const { id, kind, unread } of this.#chat.views) {
      const key = nameKey(id);
      if (kind !== "private" || unread > 0 || !this.#showed.has(key) || this.#said.has(key)) {
        continue;
      }
      this.#said.add(key);
      noted = true;
    }
    return noted;
  }

  /** Shows who is typing in the view looked at: nobody yet in a room being entered. */
  #showTyping(): void {
    const looked = this.#looked;
    const names = looked === undefined ? [] : this.#chat.typingIn(looked, performance.now());
    showTyping(this.#ui.typing, names);
  }

  /** Keeps the reason of an `/away` the user typed for a reload of the tab, until they are back. */
  #keepAway(frame: ServerFrame): void {
    if (frame.type !== "away" && frame.type !== "back") return;
    if (!this.#chat.roster.isMe(frame.name)) return;
    if (frame.type === "back") saveAway(undefined);
    else if (!this.#chat.awayByItself) saveAway(frame.reason ?? "");
  }

  #welcome(): void {
    // The welcome, each room and its history follow: added without being read out line by line,
    // until they are all in (#settleFill).
    this.#logs.quiet(undefined);
    if (this.#chat.view !== undefined) this.#logs.quiet(this.#chat.view.id);
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
    this.#kept = undefined;
    this.#joining.welcomed();
    this.#reloaded.enterAgain();
    this.#sharing.update();
    this.#showStatus();
    this.focusInput();
  }
}
