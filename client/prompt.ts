/**
 * What the terminal's prompt says: the view looked at, and the other views
 * where something waits, with a `!` where the user is mentioned:
 * `#lobby [#dev 3, @bob 1, #ops 2!]> `, after who is typing there
 * (`(bob is typing…) `, the names cut before the words, and the list
 * counted beside them on a narrow terminal: `(ann… is typing…) #lobby [+2]> `). Kept within a share of the
 * terminal's width, so that there is room left to type: on a narrow
 * terminal the list keeps the mentions and private messages first and
 * counts the rest (`#lobby [#ops 2!, +2]> `), long names are cut rather
 * than left out (`#lobby [#rele… 5!]> `), and where not even one name fits
 * with its count, names go without their counts (`#lobby [#ops!, +4]> `)
 * before the list is only counted (`[+5!]`). The view's own name is cut
 * too, to leave room for the list (`#release-pl… [+3!]> `), down to 3
 * letters past the prompt's share rather than the count left out, while 8
 * columns are left to type (`#lo… [+2!]> ` at 20 columns), and what waits
 * to be sent goes before the list and the room: `(offline) #lobby (1 unsent)> `
 * shortens to `(offline) #lobby (1)> `, `(offline) #lo… (1)> `, then
 * `(offline) (1)> `; the room keeps up to 8 columns past the prompt's share
 * while 10 are left to type (`(offline) #releas…> ` at 30 columns). A file on its way goes first of all, as short as it
 * has to be to leave room for the rest. Pure: no I/O.
 *
 * @module
 */

import { typingText } from "../core/presence.ts";
import { sanitizeText } from "../core/sanitize.ts";
import { textWidth } from "../core/width.ts";

/** One view with something unread, as the prompt lists it. */
export interface Activity {
  /** The view: `#dev`, or `@bob` for private messages. */
  readonly id: string;
  /** Messages from others since the user last looked at it. */
  readonly unread: number;
  /** Whether one of them names the user. */
  readonly mentioned: boolean;
}

/** What the prompt tells. */
export interface PromptState {
  /** The view looked at: `#lobby`, `@bob`. */
  current: string;
  /** The other views with something unread, in order. */
  activity: readonly Activity[];
  /** Whether the connection is up. */
  online: boolean;
  /** Lines to show as not yet sent. */
  unsent: number;
}

/** Columns always left to type in, when the terminal is wide enough. */
const ROOM_TO_TYPE = 20;

/**
 * Columns left to type in still when the room's name is kept past the
 * prompt's share (offline on a narrow terminal), rather than left out.
 */
const LEAST_TO_TYPE = 10;

/**
 * Columns left to type in still when the views waiting elsewhere are kept
 * counted beside the room's name cut short, on a terminal too narrow for
 * them within the prompt's share: a mention waiting matters more than a
 * few columns to type in, which wrap onto the rows below.
 */
const LEAST_BESIDE_COUNT = 8;

/** The fewest columns the room's name is cut to, ellipsis included, before it is left out. */
const MIN_ROOM_COLUMNS = 4;

/** The fewest columns a long name of the room looked at is cut to, to leave room for the list. */
const MIN_CURRENT_COLUMNS = 8;

/** The fewest columns a long name in the list is cut to, ellipsis included. */
const MIN_LISTED_COLUMNS = 6;

/** The same, in a list that names the views without their counts: a few letters still tell them apart. */
const MIN_BARE_COLUMNS = 4;

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** `text` cut to `columns` at most, between its characters, an ellipsis marking the cut. */
function cut(text: string, columns: number): string {
  if (textWidth(text) <= columns) return text;
  let out = "";
  let width = 0;
  for (const { segment } of graphemes.segment(text)) {
    const next = textWidth(segment);
    if (width + next > columns - 1) break;
    out += segment;
    width += next;
  }
  return `${out}…`;
}

/** The fewest columns a name of someone typing is cut to, ellipsis included, before the words go. */
const MIN_TYPING_NAME_COLUMNS = 4;

/**
 * What the prompt may say first while people are typing, from the longest
 * to the shortest that still says who and that they type: names whole,
 * then the longest names cut, each to the same width, down to
 * {@linkcode MIN_TYPING_NAME_COLUMNS}. Empty while nobody is.
 */
function typingForms(names: readonly string[], toYou: readonly string[]): string[] {
  const here = names.map((name) => sanitizeText(name));
  const you = toYou.map((name) => sanitizeText(name));
  const text = (most: number) =>
    [
      typingText(here.map((name) => cut(name, most))),
      typingText(you.map((name) => cut(name, most)), true),
    ]
      .filter((part) => part !== "")
      .join("; ");
  if (text(Infinity) === "") return [];
  const widest = Math.max(0, ...[...here, ...you].map((name) => textWidth(name)));
  const forms = [text(Infinity)];
  for (let most = widest - 1; most >= MIN_TYPING_NAME_COLUMNS; most--) {
    const form = text(most);
    if (form !== forms.at(-1)) forms.push(form);
  }
  return forms.map((form) => `(${form}) `);
}

/**
 * What the prompt says first while people are typing, within `width`
 * columns (never fewer than 11): `(bob is typing…) `, and of those typing
 * to the user alone while they look elsewhere (`toYou`),
 * `(bob is typing to you…) `; where it does not fit, the names are cut
 * first (`(Rob… and Ann-K… are typing…) `), and only where not even that
 * fits the end of the words; `""` while nobody is.
 *
 * @example
 * ```ts
 * typingPrefix(["bob"], 80); // "(bob is typing…) "
 * typingPrefix(["bob"], 80, ["carol"]); // "(bob is typing…; carol is typing to you…) "
 * typingPrefix(["annabelle"], 20); // "(annab… is typing…) "
 * ```
 */
export function typingPrefix(
  names: readonly string[],
  width: number,
  toYou: readonly string[] = [],
): string {
  const forms = typingForms(names, toYou);
  if (forms.length === 0) return "";
  const room = Math.max(width, 11);
  const fitting = forms.find((form) => textWidth(form) <= room);
  if (fitting !== undefined) return fitting;
  return `(${cut(forms[0]!.slice(1, -2), Math.max(width - 3, 8))}) `;
}

/** The widest a prompt may be on a terminal `columns` wide. */
export function promptBudget(columns: number): number {
  return Math.max(columns - ROOM_TO_TYPE, Math.floor(columns / 2));
}

/**
 * The prompt for `state` on a terminal `columns` wide, at most `budget`
 * columns of it if it can (by default, all but the room left to type).
 *
 * @example
 * ```ts
 * promptText({
 *   current: "#lobby",
 *   activity: [{ id: "#dev", unread: 3, mentioned: false }, { id: "#ops", unread: 2, mentioned: true }],
 *   online: true,
 *   unsent: 0,
 * }, 80); // "#lobby [#dev 3, #ops 2!]> "
 * ```
 */
export function promptText(
  state: PromptState,
  columns: number,
  budget = promptBudget(columns),
): string {
  // Columns the room's name may take past the budget rather than be left out.
  const extra = Math.max(0, columns - LEAST_TO_TYPE - promptBudget(columns));
  const bare = `${shortHead(state, budget, extra)}> `;
  if (state.activity.length === 0) return bare;
  const name = sanitizeText(state.current);
  const offline = state.online ? "" : "(offline) ";
  const unsent = state.unsent === 0 ? "" : ` (${state.unsent} unsent)`;
  const count = state.unsent === 0 ? "" : ` (${state.unsent})`;
  const entries = state.activity.map((view, index): Entry => ({
    name: sanitizeText(view.id),
    tail: ` ${view.unread}${view.mentioned ? "!" : ""}`,
    index,
    view,
  }));
  // The whole head, and as much of the list as fits after it: the space before it and `> `.
  const head = `${offline}${name}${unsent}`;
  const list = fitList(entries, budget - textWidth(head) - 3);
  if (list !== undefined) return `${head} ${list}> `;
  // A long name of the room looked at is cut, rather than the list left out.
  const fixed = textWidth(offline + count) + 3;
  const least = Math.min(textWidth(name), MIN_CURRENT_COLUMNS);
  const short = fitList(entries, budget - fixed - least);
  if (short !== undefined) {
    return `${offline}${cut(name, budget - fixed - textWidth(short))}${count} ${short}> `;
  }
  // Not even that: the views counted alone (`[+2!]`), the room's name cut further, a mention
  // waiting among them mattering more than the name. The name keeps up to MIN_CURRENT_COLUMNS
  // past the budget, 10 columns still left to type, as it does alone, else MIN_ROOM_COLUMNS, 8
  // left. `(offline)`, the lines not sent, and what goes before the view (who is typing, a
  // file's progress) take those columns first.
  if (offline !== "" || count !== "" || budget < promptBudget(columns)) return bare;
  const counted = countedList(entries);
  const around = textWidth(counted) + 3;
  const room = Math.max(
    budget - around,
    Math.min(textWidth(name), MIN_CURRENT_COLUMNS, budget + extra - around),
    Math.min(textWidth(name), MIN_ROOM_COLUMNS, budget + beyond(columns) - around),
  );
  if (room < Math.min(textWidth(name), MIN_ROOM_COLUMNS)) return bare;
  return `${cut(name, room)} ${counted}> `;
}

/**
 * Columns the prompt may take past its share on a terminal `columns` wide
 * to keep the count of the views where something waits, with the room's
 * name cut short: {@linkcode LEAST_BESIDE_COUNT} are still left to type.
 */
function beyond(columns: number): number {
  return Math.max(0, columns - LEAST_BESIDE_COUNT - promptBudget(columns));
}

/** The views of `entries` counted alone, a `!` if one names the user: `[+5!]`. */
function countedList(entries: readonly Entry[]): string {
  return `[+${entries.length}${entries.some((entry) => entry.view.mentioned) ? "!" : ""}]`;
}

/** One view of the prompt's list. */
interface Entry {
  /** The view's name, cleaned: `#dev`, `@bob`. */
  name: string;
  /** What follows the name: ` 3`, ` 2!`. */
  tail: string;
  /** Its place among the views. */
  index: number;
  /** What waits there. */
  view: Activity;
}

/**
 * The list of `entries` within `columns`, brackets included, if it fits at
 * all: every view with its whole name if they fit, else the views that
 * matter most (mentions, then private messages, in the order of the views)
 * with their whole names and the rest counted, else the same with long
 * names cut. Where not even one view fits with its count, the same again
 * with names alone, a `!` after those that name the user (`[#ops!, +4]`):
 * which rooms wait matters more than how much. Else the count alone: `[+5!]`.
 */
function fitList(entries: readonly Entry[], columns: number): string | undefined {
  const rank = (view: Activity) => view.mentioned ? 0 : view.id.startsWith("@") ? 1 : 2;
  const ranked = [...entries].sort((a, b) => rank(a.view) - rank(b.view) || a.index - b.index);
  // The `keep` views that matter most, in the order of the views, and a count of the rest.
  const listOf = (keep: number, counts: boolean) => {
    const kept = ranked.slice(0, keep).sort((a, b) => a.index - b.index);
    const hidden = ranked.slice(keep);
    const more = hidden.length === 0
      ? []
      : [`+${hidden.length}${hidden.some((entry) => entry.view.mentioned) ? "!" : ""}`];
    const tail = (entry: Entry) => counts ? entry.tail : entry.view.mentioned ? "!" : "";
    const text = (names: readonly string[]) =>
      `[${[...kept.map((entry, i) => `${names[i]}${tail(entry)}`), ...more].join(", ")}]`;
    return { names: kept.map((entry) => entry.name), text };
  };
  const fits = (text: string) => textWidth(text) <= columns;
  for (const [counts, least] of [[true, MIN_LISTED_COLUMNS], [false, MIN_BARE_COLUMNS]] as const) {
    for (let keep = entries.length; keep > 0; keep--) {
      const { names, text } = listOf(keep, counts);
      if (fits(text(names))) return text(names);
    }
    for (let keep = entries.length; keep > 0; keep--) {
      const { names, text } = listOf(keep, counts);
      const shorter = shorten(names, textWidth(text(names)) - columns, least);
      if (shorter !== undefined && fits(text(shorter))) return text(shorter);
    }
  }
  const counted = countedList(entries);
  return fits(counted) ? counted : undefined;
}

/**
 * `names` with the longest cut, each to the same width and none below
 * `least` columns, so that they take `excess` columns less; `undefined` if
 * they cannot.
 */
function shorten(names: readonly string[], excess: number, least: number): string[] | undefined {
  const widths = names.map((name) => textWidth(name));
  for (let most = Math.max(...widths) - 1; most >= least; most--) {
    const saved = widths.reduce((sum, width) => sum + Math.max(width - most, 0), 0);
    if (saved >= excess) return names.map((name) => cut(name, most));
  }
  return undefined;
}

/**
 * The prompt's head, before `> `, within `budget` columns with that: the
 * room, after `(offline) ` and before the lines not yet sent. Where they do
 * not all fit, the count loses its word, then the room's name is cut, then
 * cut to no more than {@linkcode MIN_CURRENT_COLUMNS} within `extra`
 * columns more (the room looked at matters, and the online prompt always
 * names it), then left out (`(offline) (1)`, within those `extra` columns
 * too), then `(offline)` is: whether the connection is up and what waits to
 * be sent matter more than the room.
 */
function shortHead(state: PromptState, budget: number, extra = 0): string {
  const name = sanitizeText(state.current);
  const offline = state.online ? "" : "(offline) ";
  const unsent = state.unsent === 0 ? "" : ` (${state.unsent} unsent)`;
  const count = state.unsent === 0 ? "" : ` (${state.unsent})`;
  // The room's name cut to what is left between the others, if enough is; with `extra`
  // columns more, it keeps up to MIN_CURRENT_COLUMNS of them, as it does beside a list.
  const cutRoom = (before: string, after: string, more = 0) => {
    const taken = 2 + textWidth(before + after);
    const left = Math.max(
      budget - taken,
      Math.min(textWidth(name), MIN_CURRENT_COLUMNS, budget + more - taken),
    );
    return left >= MIN_ROOM_COLUMNS ? [before + cut(name, left) + after] : [];
  };
  const stretched = cutRoom(offline, count, extra);
  // Without the room, `(offline)` may take the same `extra` columns: it matters more.
  const offlineAlone = offline === "" ? undefined : (offline + count.trimStart()).trimEnd();
  const heads = [
    offline + name + unsent,
    offline + name + count,
    ...stretched,
    offline + count.trimStart(),
    name + unsent,
    name + count,
    ...cutRoom("", count),
    unsent.trimStart(),
    count.trimStart(),
  ].map((head) => head.trimEnd());
  return heads.find((head) =>
    head !== "" &&
    (stretched.includes(head) ||
      textWidth(`${head}> `) <= budget + (head === offlineAlone ? extra : 0))
  ) ?? cut(name, Math.max(budget - 2, 1));
}

/** Columns a file's progress leaves in the prompt for the view looked at: `#lobby> `. */
const MIN_VIEW_COLUMNS = 8;

/** What {@linkcode fullPrompt} puts together. */
export interface PromptParts {
  /** A file's progress within `width` columns, if it can: `(sending photo.jpg [####------] 42%) `. */
  status?: (width: number) => string;
  /** Who is typing where the user looks. */
  typing: readonly string[];
  /** Who is typing to the user alone, elsewhere than where they look. @default {nobody} */
  typingToYou?: readonly string[];
  /** The view looked at and the others. */
  state: PromptState;
}

/**
 * The whole prompt on a terminal `columns` wide: a file's progress, who is
 * typing, then the view and the others, each given what the ones before it
 * leave, so that the prompt leaves room to type.
 *
 * @example
 * ```ts
 * fullPrompt({
 *   typing: ["bob"],
 *   state: { current: "#lobby", activity: [], online: true, unsent: 0 },
 * }, 80); // "(bob is typing…) #lobby> "
 * ```
 */
export function fullPrompt(parts: PromptParts, columns: number): string {
  const budget = promptBudget(columns);
  // Who is typing takes what the view and the shortest progress leave of the prompt's
  // share, and never less than a third of the row: the view's list is cut for it then.
  const least = parts.status?.(0) ?? "";
  const view = promptText(parts.state, columns, budget - textWidth(least));
  const left = budget - textWidth(least + view);
  const toYou = parts.typingToYou ?? [];
  const typing = typingPrefix(parts.typing, Math.max(left, Math.floor(columns / 3)), toYou);
  const status = parts.status?.(budget - textWidth(typing) - MIN_VIEW_COLUMNS) ?? "";
  // The view has what the two before it leave.
  const room = Math.max(budget - textWidth(status + typing), 1);
  const shown = promptText(parts.state, columns, room);
  const forms = typingForms(parts.typing, toYou);
  // A room's list ends the view (`]> `): no view's name holds a `]`.
  const listLost = parts.state.activity.length > 0 && !shown.endsWith("]> ");
  if (forms.length === 0 || (forms.includes(typing) && !listLost)) return status + typing + shown;
  // A file's progress, `(offline)` and lines not sent keep their own ways to be shortened.
  if (status !== "" || !parts.state.online || parts.state.unsent > 0) {
    return status + typing + shown;
  }
  // Within the prompt's share if it can, else past it, the names cut before the words go.
  const share = budget;
  const listed = parts.state.activity.length > 0;
  const stretched = columns - (listed ? LEAST_BESIDE_COUNT : LEAST_TO_TYPE);
  return narrowTyping(forms, parts.state, share, stretched) ?? typing + shown;
}

/**
 * Who is typing and the view on a terminal whose prompt's share (`share`
 * columns) cannot hold both as they are: the names are cut rather than the
 * words that they type, and the list of the views waiting is kept,
 * shortened down to its count (`[+2]`). Tried in turn: within the share,
 * the view as full as the shortest words leave it, then beside the count
 * alone; then, past the share, in up to `stretched` columns but no more
 * than it must take, the room's name whole beside the count, then cut; and
 * last the end of the words cut, to no fewer than 11 columns.
 * `undefined` where not even that fits.
 */
function narrowTyping(
  forms: readonly string[],
  state: PromptState,
  share: number,
  stretched: number,
): string | undefined {
  const name = sanitizeText(state.current);
  const entries = state.activity.map((activity, index): Entry => ({
    name: sanitizeText(activity.id),
    tail: ` ${activity.unread}${activity.mentioned ? "!" : ""}`,
    index,
    view: activity,
  }));
  const counted = entries.length === 0 ? "" : ` ${countedList(entries)}`;
  const least = Math.min(textWidth(name), MIN_ROOM_COLUMNS);
  /** The view with the room's name cut to `columns`, if that leaves enough of it. */
  const minimal = (columns: number) =>
    columns >= least ? `${cut(name, columns)}${counted}> ` : undefined;
  /**
   * `view` after the longest words that fit with it in `room` (or the
   * shortest, past the share: no further than it must), or the end of the
   * words cut (`cut`), if any do.
   */
  const withTyping = (
    view: string | undefined,
    room: number,
    how: "longest" | "shortest" | "cut",
  ) => {
    if (view === undefined) return undefined;
    const left = room - textWidth(view);
    const fitting = forms.filter((form) => textWidth(form) <= left);
    const typing = how === "shortest" ? fitting.at(-1) : fitting[0] ??
      (how === "cut" && left >= 11 ? `(${cut(forms[0]!.slice(1, -2), left - 3)}) ` : undefined);
    return typing === undefined ? undefined : typing + view;
  };
  const shortest = textWidth(forms.at(-1)!);
  const list = entries.length === 0 ? "" : fitList(entries, share - shortest - textWidth(name) - 3);
  const full = list === undefined ? undefined : `${name}${list === "" ? "" : ` ${list}`}> `;
  const around = textWidth(counted) + 2;
  return withTyping(full, share, "longest") ??
    withTyping(minimal(Infinity), share, "longest") ??
    withTyping(minimal(Infinity), stretched, "shortest") ??
    withTyping(minimal(stretched - shortest - around), stretched, "shortest") ??
    withTyping(minimal(Math.max(textWidth(name), stretched - 11 - around)), stretched, "cut") ??
    withTyping(minimal(stretched - 11 - around), stretched, "cut");
}
