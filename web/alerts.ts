/// <reference lib="dom" />
// This module is browser compatible.

/**
 * How the page draws attention while the user looks elsewhere: a browser
 * notification for a mention or a private message while the tab is hidden,
 * and a short beep, the page's bell, which rings as `/bell` says (core/bell.ts);
 * each is off until the user turns it on with its button or `/bell` (the
 * browser's permission is asked then, never on load), and remembered in
 * local storage. Also the unread count in the title and on the icon.
 *
 * @module
 */

import type { BellMode } from "../core/commands.ts";
import { sanitizeText } from "../core/sanitize.ts";

const NOTIFY_KEY = "chat.notify";
/** Whether the page beeps at all: `on` or `off`, as pages from before `/bell` read it too. */
const SOUND_KEY = "chat.sound";
/** `on` while it beeps for every message (`/bell on`); else, if it beeps, for mentions. */
const BELL_KEY = "chat.bell";

/** Why notifications stay off: the browser blocks them for this page. */
const BLOCKED = "Notifications are blocked for this page in the browser's settings";

/** Why notifications stay off: the browser's question was dismissed. */
const NOT_ALLOWED = "Notifications stay off: the browser was not allowed to show them";

/** How long the note is empty before it says the same again, in ms: a screen reader hears it. */
const NOTE_AGAIN_MS = 150;

/** The icon the page starts with. */
const PLAIN_ICON = "/favicon.svg";

function remembered(key: string): boolean {
  try {
    return localStorage.getItem(key) === "on";
  } catch {
    return false; // storage disabled
  }
}

function remember(key: string, on: boolean): void {
  try {
    localStorage.setItem(key, on ? "on" : "off");
  } catch {
    // Storage disabled: the choice lasts as long as the page.
  }
}

/** When the page beeps, as the user last left its Sound switch or `/bell`: off at first. */
export function rememberedSound(): BellMode {
  if (!remembered(SOUND_KEY)) return "off";
  try {
    return localStorage.getItem(BELL_KEY) === "on" ? "on" : "mentions";
  } catch {
    return "mentions";
  }
}

function rememberSound(mode: BellMode): void {
  remember(SOUND_KEY, mode !== "off");
  try {
    if (mode === "on") localStorage.setItem(BELL_KEY, mode);
    else localStorage.removeItem(BELL_KEY);
  } catch {
    // Storage disabled: the choice lasts as long as the page.
  }
}

/** The image at `src`, once loaded, or `undefined` if it cannot be. */
async function loadImage(src: string): Promise<HTMLImageElement | undefined> {
  const image = new Image();
  image.src = src;
  try {
    await image.decode();
    return image;
  } catch {
    return undefined;
  }
}

/** Whether this browser can show notifications for this page (a secure context only). */
function canNotify(): boolean {
  return globalThis.isSecureContext && typeof Notification === "function";
}

/** What to tell of a mention or a private message. */
export interface Alert {
  /** Who wrote it. */
  from: string;
  /** What they wrote. */
  text: string;
  /** Where: a room, or `@name` for a private message. */
  view: string;
}

/** The buttons and icon the alerts drive. */
export interface AlertElements {
  /** Turns notifications on and off. */
  notifyToggle: HTMLButtonElement;
  /**
   * Says why notifications stayed off when the user turned them on: a
   * polite live region, empty until then, so that screen readers hear it.
   */
  notifyNote: HTMLElement;
  /** Turns the beep on and off. */
  soundToggle: HTMLButtonElement;
  /** The page's `<link rel="icon">`. */
  favicon: HTMLLinkElement;
}

/** The text of a badge of `count` unread messages. */
export function badgeText(count: number): string {
  return count > 99 ? "99+" : String(count);
}

/**
 * Draws `icon` with a badge of `count` unread messages, red when one of them
 * names the user, as a `data:` address (the page's policy allows images
 * from `data:`).
 */
function badged(icon: HTMLImageElement, count: number, mentioned: boolean): string {
  const size = 64;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const context = canvas.getContext("2d");
  if (context === null) return PLAIN_ICON;
  context.drawImage(icon, 0, 0, size, size);
  const text = badgeText(count);
  const radius = 21;
  context.beginPath();
  context.arc(size - radius, radius, radius, 0, 2 * Math.PI);
  context.fillStyle = mentioned ? "#d0312d" : "#2563c9";
  context.fill();
  context.lineWidth = 3;
  context.strokeStyle = "#ffffff";
  context.stroke();
  context.fillStyle = "#ffffff";
  context.font = `bold ${text.length > 2 ? 20 : 28}px sans-serif`;
  context.textAlign = "center";
  context.textBaseline = "middle";
  context.fillText(text, size - radius, radius + 1);
  return canvas.toDataURL("image/png");
}

/** Options for {@linkcode Alerts}. */
export interface AlertsOptions {
  /** Shows a view, when its notification is clicked. */
  open: (view: string) => void;
  /** The user set when the page beeps with the Sound switch. @default {nothing} */
  onSound?: (mode: BellMode) => void;
}

/** What the Sound switch shows in each mode of the bell. */
const SOUND_SWITCH: Record<BellMode, { text: string; label: string; title: string }> = {
  off: {
    text: "Sound off",
    label: "Sound",
    title: "Beep on mentions and private messages I am not looking at (/bell mentions)",
  },
  mentions: {
    text: "Sound on",
    label: "Sound",
    title: "Beep on mentions and private messages I am not looking at (/bell mentions)",
  },
  on: {
    text: "Sound on: all",
    label: "Sound on every message",
    title: "Beep on every message here, and on mentions and private messages elsewhere (/bell on)",
  },
};

/** Notifications, the beep, and the badge on the icon. */
export class Alerts {
  readonly #elements: AlertElements;
  readonly #open: (view: string) => void;
  readonly #onSound: (mode: BellMode) => void;
  #notify = false;
  /** When the page beeps, as `/bell` says it. */
  #sound: BellMode = "off";
  #audio: AudioContext | undefined;
  /** The icon as served, once loaded, to draw badges on. */
  #plainIcon: Promise<HTMLImageElement | undefined> | undefined;
  /** The badge shown (or being drawn), as `count` and `mentioned`. */
  #badge = "0";
  /** Puts the note back after it was emptied to be said again. */
  #noteTimer: ReturnType<typeof setTimeout> | undefined;

  /** Drives `elements` with `options`. */
  constructor(elements: AlertElements, options: AlertsOptions) {
    this.#elements = elements;
    this.#open = options.open;
    this.#onSound = options.onSound ?? (() => {});
    this.#notify = remembered(NOTIFY_KEY) && canNotify() && Notification.permission === "granted";
    this.#sound = rememberedSound();
    elements.notifyToggle.addEventListener("click", () => this.#toggleNotify());
    elements.soundToggle.addEventListener("click", () => this.#toggleSound());
    // A browser lets a page make sound only after the user did something on it.
    const wake = () => {
      if (this.#sound !== "off") void this.#context()?.resume().catch(() => {});
    };
    document.addEventListener("pointerdown", wake, { once: true });
    document.addEventListener("keydown", wake, { once: true });
    this.#draw();
  }

  /** When the page beeps, as `/bell` says it. */
  get sound(): BellMode {
    return this.#sound;
  }

  /** `/bell` set when the page beeps: remembered, shown on the switch, heard once if on. */
  set sound(mode: BellMode) {
    if (mode === this.#sound) return;
    this.#setSound(mode);
  }

  /**
   * The bell rang (core/bell.ts) for a message the user is `looking` at, or
   * not: a beep, but for a mention they read already (`/bell on` beeps for
   * every message, whatever they look at).
   */
  ring(options: { looking: boolean }): void {
    if (this.#sound === "off") return;
    if (this.#sound === "on" || document.hidden || !options.looking) this.#beep();
  }

  /** Tells of a mention or a private message: a notification while the tab is hidden. */
  alert(alert: Alert): void {
    const hidden = document.hidden;
    if (!this.#notify || !hidden || !canNotify() || Notification.permission !== "granted") return;
    const from = sanitizeText(alert.from);
    const view = sanitizeText(alert.view);
    const title = view.startsWith("@") ? `${from} (private)` : `${from} in ${view}`;
    try {
      const notification = new Notification(title, {
        body: sanitizeText(alert.text),
        tag: `chat ${view}`,
        icon: PLAIN_ICON,
      });
      notification.addEventListener("click", () => {
        globalThis.focus();
        this.#open(alert.view);
        notification.close();
      });
    } catch {
      // Some browsers (Chrome on Android) show notifications from a service worker only.
    }
  }

  /** Shows `count` unread messages on the icon, red if one of them names the user. */
  badge(count: number, mentioned: boolean): void {
    const badge = count <= 0 ? "0" : `${badgeText(count)} ${mentioned}`;
    if (badge === this.#badge) return;
    this.#badge = badge;
    const favicon = this.#elements.favicon;
    if (count <= 0) {
      favicon.href = PLAIN_ICON;
      return;
    }
    this.#plainIcon ??= loadImage(PLAIN_ICON);
    void this.#plainIcon.then((icon) => {
      // A later badge was asked for meanwhile: it is drawn instead.
      if (icon !== undefined && this.#badge === badge) {
        favicon.href = badged(icon, count, mentioned);
      }
    });
  }

  async #toggleNotify(): Promise<void> {
    let refused: string | undefined;
    if (this.#notify) {
      this.#notify = false;
    } else if (canNotify()) {
      // Asked only now, on the user's click, as browsers want.
      const permission = Notification.permission === "default"
        ? await Notification.requestPermission()
        : Notification.permission;
      this.#notify = permission === "granted";
      if (permission === "denied") refused = BLOCKED;
      else if (!this.#notify) refused = NOT_ALLOWED;
    }
    remember(NOTIFY_KEY, this.#notify);
    this.#draw();
    this.#note(refused);
  }

  /**
   * Pressed and still off, the page says `why` under the toggles, which a
   * screen reader hears (pressed again, it hears it again), and brings it
   * into sight (the drawer of a phone may end below the screen); else
   * nothing is said there.
   */
  #note(why: string | undefined): void {
    const note = this.#elements.notifyNote;
    clearTimeout(this.#noteTimer);
    if (why === undefined || note.textContent !== why) {
      note.textContent = why ?? "";
    } else {
      // The same words again are no change to a live region: they go, and come back.
      note.textContent = "";
      this.#noteTimer = setTimeout(() => note.textContent = why, NOTE_AGAIN_MS);
    }
    if (why !== undefined) note.scrollIntoView({ block: "nearest" });
  }

  #toggleSound(): void {
    this.#setSound(this.#sound === "off" ? "mentions" : "off");
    this.#onSound(this.#sound);
  }

  #setSound(mode: BellMode): void {
    const was = this.#sound;
    this.#sound = mode;
    rememberSound(mode);
    // Turned on, it beeps once, so the user hears what it will sound like.
    if (was === "off" && mode !== "off") {
      void this.#context()?.resume().then(() => this.#beep(), () => {});
    }
    this.#draw();
  }

  #draw(): void {
    const { notifyToggle, soundToggle } = this.#elements;
    notifyToggle.setAttribute("aria-pressed", String(this.#notify));
    notifyToggle.textContent = this.#notify ? "Notifications on" : "Notifications off";
    if (!canNotify()) {
      notifyToggle.disabled = true;
      notifyToggle.title = "This browser shows notifications only for pages served over https";
    } else if (Notification.permission === "denied") {
      notifyToggle.title = BLOCKED;
    } else {
      notifyToggle.title = "Notify me of mentions and private messages while this tab is hidden";
    }
    const sound = SOUND_SWITCH[this.#sound];
    soundToggle.setAttribute("aria-pressed", String(this.#sound !== "off"));
    soundToggle.setAttribute("aria-label", sound.label);
    soundToggle.textContent = sound.text;
    soundToggle.title = sound.title;
  }

  #context(): AudioContext | undefined {
    if (this.#audio !== undefined) return this.#audio;
    if (typeof AudioContext !== "function") return undefined;
    this.#audio = new AudioContext();
    return this.#audio;
  }

  /** A short, soft beep. */
  #beep(): void {
    const audio = this.#context();
    if (audio === undefined || audio.state !== "running") return;
    const start = audio.currentTime;
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.2, start + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.15);
    tone.connect(gain).connect(audio.destination);
    tone.start(start);
    tone.stop(start + 0.16);
  }
}
