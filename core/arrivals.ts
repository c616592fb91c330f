// This module is browser compatible.

/**
 * Where the lines of each frame from the server go, the same for the
 * terminal and the page: into the view of its room (or `@name` for a
 * private message), after a day separator when a new day begins there; at
 * once if the user is looking at that view; else kept until they do,
 * counted as unread, and, for a client showing one view at a time, a
 * mention or a private message shown at once with its room, and again in
 * its place once the user looks there. A room entered again replays only
 * what came after the last message shown there, and the answer to
 * `/history` or `/search` shows its dates. Someone going away or coming
 * back, which concerns no one room, goes to each room the user shares with
 * them and to the private view with them; so does someone leaving the chat,
 * coming back or taking another name, in the private view with them. An
 * operator's rename is told by the notice just before it, not again by the
 * `renamed` line. No I/O.
 *
 * @module
 */

import type { ServerFrame } from "../protocol.ts";
import { type Line, toldByNotice } from "./describe.ts";
import { type Effect, show } from "./effects.ts";
import { mentionPattern } from "./format.ts";
import { nameKey } from "./names.ts";
import { stillConnected } from "./roster.ts";
import { sanitizeText } from "./sanitize.ts";
import type { Arrival, Views } from "./views.ts";

/**
 * How a client shows the views: `"current"`, one at a time (the terminal:
 * other views' lines wait until the user looks at them, but for mentions
 * and private messages, shown at once), or `"each"`, each in its own place
 * (every line shown at once, in its view).
 */
export type Display = "current" | "each";

/** Options for {@linkcode Arrivals}. */
export interface ArrivalsOptions {
  /** How the client shows the views. */
  display: Display;
  /** The wall clock, in ms since the epoch, to tell today from other days. */
  clock: () => number;
  /** The rooms the user is in where the person called `name` is too. */
  roomsWith: (name: string) => readonly string[];
}

/** What {@linkcode Arrivals.take} did. */
export interface Taken {
  /** What to show, and where. */
  effects: Effect[];
  /** Whether a view's unread count or mention changed. */
  changed: boolean;
  /** The view the frame belongs to, if it belongs to one. */
  view: string | undefined;
}

/** Reports whether `text` names `me` (as a whole word, maybe after `@`). */
function names(text: string, me: string): boolean {
  return me !== "" && mentionPattern(sanitizeText(me)).test(sanitizeText(text));
}

/** `line` marked with the view it belongs to, to show it outside that view: `[#dev] bob: hi`. */
export function labelled(line: Line, view: string): Line {
  return {
    ...line,
    parts: [{ text: sanitizeText(view), style: "tag" }, { text: " " }, ...line.parts],
    tags: [...line.tags ?? [], "elsewhere"],
  };
}

/**
 * Whom an operator's notice concerns: the person after its verb
 * (`ann muted bob for 2 min`, `ann made bob an operator`, `ann renamed bob
 * to robert`), or the one it begins with when it tells their own status
 * (`ann is an operator …`); `undefined` for a notice of anything else.
 */
function noticeTarget(text: string): string | undefined {
  const [first, verb, second] = text.split(" ");
  if (verb === "is") return first;
  const target = second?.replace(/[:;,]$/, "");
  return target === undefined || target === "" || target.startsWith("#") ? undefined : target;
}

/**
 * Room messages remembered by who sent them and their client message id, to
 * know one shown already when it comes again under another id.
 */
const SENT_REMEMBERED = 2_000;

/** Routes the lines of server frames into the views of core/views.ts. */
export class Arrivals {
  readonly #views: Views;
  readonly #options: ArrivalsOptions;
  /**
   * The room whose replay is arriving, the last message id shown there
   * before, and the last one received there (up to which the messages after
   * `since` came, but the user left the room before looking at them).
   */
  #entering: { room: string; since: number | undefined; received: number | undefined } | undefined;
  /** Replayed messages that are not a room's replay: an answer to `/history` or `/search`. */
  #answering = false;
  /**
   * The room messages shown with a client message id, newest last, as
   * `room`, sender and `cid`: in a cluster split, the people of one server
   * are shown a message under a provisional id, and a replay after coming
   * back gives it again under the id it was stored with.
   */
  readonly #shown = new Set<string>();
  /** The last act of the user's own told in a room (see {@linkcode Arrivals.#ownAct}). */
  #lastOwnAct: string | undefined;
  /** The frame taken last. */
  #previous: ServerFrame | undefined;
  /** The rename told in a private view just now, as the old name and the new one. */
  #lastPrivateRename: string | undefined;

  /** Routes into `views`, shown as `options.display` says. */
  constructor(views: Views, options: ArrivalsOptions) {
    this.#views = views;
    this.#options = options;
  }

  /**
   * `room` was entered (its `room` frame came); its replay follows, shown up
   * to `since`, and received, not looked at, up to `received`.
   */
  entering(room: string, since: number | undefined, received = since): void {
    this.#entering = { room, since, received };
    this.#answering = false;
  }

  /** Routes `lines`, which tell of `frame`, for a user called `me`. */
  take(frame: ServerFrame, lines: Line[], me: string): Taken {
    const before = this.#previous;
    this.#previous = frame;
    // A rename comes to each room shared with the person, one after the other.
    if (frame.type !== "renamed" && frame.type !== "notice") this.#lastPrivateRename = undefined;
    return this.#take(frame, lines, me, before);
  }

  /**
   * Routes `lines`, which tell why the server refused `frame`'s line, typed
   * in `view`, into that view, where its words go back: not where the user
   * happens to look as the answer comes (a private message queued while the
   * server was away, refused as it went). Shown at once all the same, marked
   * with the view, by a client showing one view at a time.
   */
  refused(frame: ServerFrame, lines: Line[], view: string): Taken {
    this.#previous = frame;
    this.#lastPrivateRename = undefined;
    return this.#deliver(view, lines, { arrival: { unread: 0, mention: false }, alert: true });
  }

  #take(frame: ServerFrame, lines: Line[], me: string, before: ServerFrame | undefined): Taken {
    const replayed = frame.type === "message" && frame.replay === true;
    const entering = replayed && this.#entering?.room === frame.room ? this.#entering : undefined;
    const starts = replayed && entering === undefined && !this.#answering;
    // Told before a room's replay (that not all it missed is kept), it is part of the entering.
    const forewarns = frame.type === "info" && frame.room !== undefined &&
      frame.room === this.#entering?.room;
    if (frame.type !== "room" && !forewarns) {
      if (entering === undefined) this.#entering = undefined;
      this.#answering = replayed && entering === undefined;
    }
    switch (frame.type) {
      case "message": {
        // What a room entered again replays up to the last message seen there was seen, and
        // so was a message shown already under another id.
        const sent = frame.cid === undefined
          ? undefined
          : `${frame.room}\n${nameKey(frame.from)}\n${frame.cid}`;
        if (entering?.since !== undefined) {
          if (frame.id <= entering.since) return this.#none();
          // Come before, the room left before the user looked at it: shown now, whatever its cid.
          const held = entering.received !== undefined && frame.id <= entering.received;
          if (!held && sent !== undefined && this.#shown.has(sent)) return this.#none();
        }
        if (sent !== undefined && !this.#answering) this.#remember(sent);
        const view = this.#roomView(frame.room);
        const own = nameKey(frame.from) === nameKey(me);
        // Replayed on coming back, it was missed; replayed otherwise, it is history.
        const fresh = !own && (!replayed || entering?.since !== undefined);
        const mention = fresh && names(frame.text, me);
        const day = this.#views.dayBefore(view, frame.ts, this.#options.clock(), {
          force: starts,
        });
        const told = day === undefined ? lines : [day, ...lines];
        // Entered afresh (a reloaded client), the room's history holds what was unread there.
        if (entering !== undefined && entering.since === undefined) {
          this.#views.recall(view, told, !own);
        }
        return this.#deliver(view, told, {
          arrival: { unread: fresh ? 1 : 0, mention, id: frame.id },
          alert: mention && !replayed,
          news: fresh,
        });
      }
      case "private": {
        const own = nameKey(frame.from) === nameKey(me);
        const other = own ? frame.to : frame.from;
        // A /msg typed elsewhere opens the view too: the user's list of views changes.
        const opened = this.#views.find(`@${other}`) === undefined;
        const view = this.#views.private(other).id;
        const arrival = { unread: own ? 0 : 1, mention: false };
        if (this.#options.display === "current") {
          // Writing to someone reads what they wrote.
          const read = own && this.#views.read(view);
          // Private messages are shown at once, wherever the user is looking, and those of the
          // other person again in their view, when the user looks at it.
          const held = own ? [] : lines;
          const changed = !this.#views.isCurrent(view) && this.#views.hold(view, held, arrival);
          return { effects: [show(lines, view)], changed: changed || read || opened, view };
        }
        const day = this.#views.dayBefore(view, frame.ts, this.#options.clock());
        const taken = this.#deliver(view, day === undefined ? lines : [day, ...lines], {
          arrival,
          alert: false,
        });
        // Writing to someone reads what they wrote, and what the user wrote is no news to them.
        const read = own && this.#views.read(view);
        return { ...taken, changed: taken.changed || read || opened };
      }
      case "room": {
        const view = this.#roomView(frame.room);
        // Who is in a room the user is not looking at shows when they do, in the room's own line.
        if (this.#options.display === "current" && !this.#views.isCurrent(view)) {
          return this.#none(view);
        }
        return this.#deliver(view, lines, {
          arrival: { unread: 0, mention: false },
          alert: false,
          news: false,
        });
      }
      case "notice": {
        if (frame.room === undefined) break;
        const view = this.#roomView(frame.room);
        const own = frame.text.startsWith(`${me} `);
        const act = `${frame.ts}\n${frame.text}`;
        // Shown already, marked with the room it came to first: not again, plain, here.
        if (this.#shownAlready(own, act, view)) return this.#none(view);
        // Coming to the room looked at too, it is the answer there, in its place, when it comes:
        // not before, marked with another room. Here it waits for the user to look.
        const comesHere = own && this.#comesToCurrent(frame.text, me, view);
        return this.#deliver(view, lines, {
          arrival: { unread: 0, mention: false },
          alert: !comesHere && this.#ownAct(own, act),
        });
      }
      case "joined":
      case "left": {
        // Someone the user writes to privately who leaves the chat (their last room of the
        // user's, and not for another room) is told of in the private view too, where words
        // to them would now be refused; and so is their coming back into sight.
        const views = [this.#roomView(frame.room)];
        const privately = nameKey(frame.name) === nameKey(me)
          ? undefined
          : this.#views.find(`@${frame.name}`);
        const seen = this.#options.roomsWith(frame.name).length;
        const gone = frame.type === "left" && !stillConnected(frame.reason) && seen === 0;
        const back = frame.type === "joined" && seen === 1;
        if (privately !== undefined && (gone || back)) views.push(privately.id);
        return this.#deliverEach(views, lines);
      }
      case "topic":
        return this.#deliver(this.#roomView(frame.room), lines, {
          arrival: { unread: 0, mention: false },
          alert: this.#ownAct(nameKey(frame.by) === nameKey(me), `${frame.ts}\n${frame.room}`),
        });
      case "info":
        // About a room (coming back to it, not all that was missed there is kept): said there.
        if (frame.room === undefined) break;
        return this.#deliver(this.#roomView(frame.room), lines, {
          arrival: { unread: 0, mention: false },
          alert: false,
        });
      case "who":
        // The answer to `/who #dev` typed while looking at #lobby shows where it was asked.
        return this.#deliver(this.#views.current?.id ?? this.#roomView(frame.room), lines, {
          arrival: { unread: 0, mention: false },
          alert: false,
        });
      case "renamed": {
        const own = nameKey(frame.to) === nameKey(me) || nameKey(frame.from) === nameKey(me);
        // In the private view with them, once, though it comes to each room shared with them:
        // what they wrote there before was under the old name.
        const rename = `${nameKey(frame.from)}\n${nameKey(frame.to)}`;
        const privately = own || rename === this.#lastPrivateRename
          ? undefined
          : this.#views.find(`@${frame.to}`);
        if (privately !== undefined) this.#lastPrivateRename = rename;
        // An operator's notice of it came just before, and said it, with who made it: in the
        // private view only, where the notice did not go.
        if (toldByNotice(before, frame)) {
          return privately === undefined ? this.#none() : this.#deliverEach([privately.id], lines);
        }
        if (privately !== undefined) {
          return this.#deliverEach([this.#roomView(frame.room), privately.id], lines);
        }
        if (own && this.#options.display !== "each") {
          // The user's own: told once, where they look, as the answer to what they did; not
          // again in each of their rooms as if it were news there.
          const act = `${frame.ts}\n${frame.from}\n${frame.to}`;
          if (!this.#ownAct(true, act)) return this.#none(this.#roomView(frame.room));
          break;
        }
        return this.#deliver(this.#roomView(frame.room), lines, {
          arrival: { unread: 0, mention: false },
          alert: false,
        });
      }
      case "away":
      case "back": {
        // The user's own shows where they look, as the answer to what they did.
        if (nameKey(frame.name) === nameKey(me)) break;
        const views = [...this.#options.roomsWith(frame.name)];
        const privately = this.#views.find(`@${frame.name}`);
        if (privately !== undefined) views.push(privately.id);
        if (views.length === 0) break;
        return this.#deliverEach(views, lines);
      }
      default:
        break;
    }
    return { effects: lines.length === 0 ? [] : [show(lines)], changed: false, view: undefined };
  }

  /**
   * Whether what the user did themself (an operator's `/mute`, `/lock`,
   * `/topic #ops …`), told in a room they may not be looking at, is shown at
   * once: the answer to what they typed, once, though it comes to each room
   * it concerns. `act` tells one act from another.
   */
  #ownAct(own: boolean, act: string): boolean {
    if (!own || act === this.#lastOwnAct) return false;
    this.#lastOwnAct = act;
    return true;
  }

  /**
   * Whether an act of the user's own comes again, to the view they look at,
   * after it was shown at once from another room it concerns.
   */
  #shownAlready(own: boolean, act: string, view: string): boolean {
    return own && act === this.#lastOwnAct && this.#options.display !== "each" &&
      this.#views.isCurrent(view);
  }

  /**
   * Whether an operator's notice `text` of the user's own, come to `view`,
   * comes to the room looked at as well: it goes to each room of whom it
   * concerns (`ann muted bob …`, `ann made bob …`), and a notice of the
   * user's own status (`ann is an operator …`) to each of theirs.
   */
  #comesToCurrent(text: string, me: string, view: string): boolean {
    const current = this.#views.current;
    if (current?.kind !== "room" || current.id === view) return false;
    const target = noticeTarget(text);
    if (target === undefined) return false;
    return nameKey(target) === nameKey(me) ||
      this.#options.roomsWith(target).includes(current.id);
  }

  /** The view of `room`, or the current one if the user is not in it (nor anywhere yet). */
  #roomView(room: string): string {
    const view = this.#views.find(room);
    return view?.kind === "room" ? view.id : this.#views.current?.id ?? this.#views.room(room).id;
  }

  #remember(sent: string): void {
    this.#shown.delete(sent);
    this.#shown.add(sent);
    if (this.#shown.size > SENT_REMEMBERED) this.#shown.delete(this.#shown.values().next().value!);
  }

  #none(view?: string): Taken {
    return { effects: [], changed: false, view };
  }

  /** Shows `lines`, which concern no one view, in each of `views` as {@linkcode Arrivals.#deliver} does. */
  #deliverEach(views: readonly string[], lines: Line[]): Taken {
    const taken = views.map((view) =>
      this.#deliver(view, lines, { arrival: { unread: 0, mention: false }, alert: false })
    );
    return {
      effects: taken.flatMap((each) => each.effects),
      changed: taken.some((each) => each.changed),
      view: views.find((view) => this.#views.isCurrent(view)) ?? views[0],
    };
  }

  /** Shows `lines` in `view` now if it is looked at (or each view is shown), else keeps them. */
  #deliver(
    view: string,
    lines: Line[],
    options: { arrival: Arrival; alert: boolean; news?: boolean },
  ): Taken {
    if (lines.length === 0) return this.#none(view);
    if (this.#views.isCurrent(view)) return { effects: [show(lines, view)], changed: false, view };
    if (this.#options.display === "each") {
      // Drawn in its place at once; held only to mark where what is new begins. A room's
      // history replayed on entering it, or the user's own words, are not news.
      const held = options.news === false ? [] : lines;
      // Shown: none of it is to show again should the room be left and entered again.
      const changed = this.#views.hold(view, held, { ...options.arrival, id: undefined });
      return { effects: [show(lines, view)], changed, view };
    }
    const changed = this.#views.hold(view, lines, options.arrival);
    // Shown at once outside its room, marked with it; it shows again in its room.
    const alert = options.alert
      ? [show(lines.filter((line) => line.kind !== "divider").map((line) => labelled(line, view)))]
      : [];
    return { effects: alert, changed, view };
  }
}
