/**
 * Plain-text mode for people on `nc` or `telnet`: the first line is a name,
 * every later line is a message or a slash command, and every event arrives
 * as one readable line without colour codes.
 *
 * @module
 */

import { describeFrame, toldByNotice } from "../../core/describe.ts";
import { normalizeRoom } from "../../core/names.ts";
import { plainLines } from "../../core/plain.ts";
import { noHelloSeconds } from "./no_hello.ts";
import { helpRows, PLAIN_HELP_COLUMNS } from "../../core/help_rows.ts";
import { trimSpace } from "../../core/sanitize.ts";
import { fileLink } from "../../core/files.ts";
import {
  type ClientFrame,
  type ErrorCode,
  type FileRef,
  LOBBY,
  PROTOCOL_VERSION,
  type ServerFrame,
} from "../../protocol.ts";

const encoder = new TextEncoder();

/** First words a plain-text connection sees. */
export const GREETING = "Welcome to chat. Type your name and press Enter.\r\nYour name: ";

const PROMPT = "Your name: ";
const PASSWORD_PROMPT = "Password: ";

/** Refusals of a `hello` that a `bye` follows: no prompt after them. */
const FINAL_REFUSALS: ReadonlySet<ErrorCode> = new Set(["banned", "unsupported_version"]);

/** Refusals of the name typed at the question, each of which asks for another. */
const NAME_REFUSALS: ReadonlySet<ErrorCode> = new Set(["name_invalid", "name_taken"]);

/** What every refusal of a typed name ends with, the hub's words for a name someone has. */
const PICK_ANOTHER = "Pick another name";

/**
 * `frame` as said at the name question: a refusal of the name typed ends
 * with the invitation to type another, as the hub ends a name someone has
 * (`Cannot use "root": the name "root" is reserved. Pick another name`), and
 * the goodbye of no name in time says so in a person's words.
 */
function askingAgain(frame: ServerFrame): ServerFrame {
  if (frame.type === "bye") {
    const late = noHelloSeconds(frame.reason);
    return late === undefined ? frame : { ...frame, reason: `No name given within ${late} s` };
  }
  if (frame.type !== "error" || !NAME_REFUSALS.has(frame.code)) return frame;
  if (frame.message.endsWith(PICK_ANOTHER)) return frame;
  return { ...frame, message: `${frame.message}. ${PICK_ANOTHER}` };
}

/** Renders frames as text lines for one connection and reads its typed lines. */
export class TextCodec {
  readonly #host: string;
  #me: string | undefined;
  /** A shared file's link, once the server says where files are. */
  #fileLink: ((file: FileRef) => string) | undefined;
  /** The name typed, while the server waits for a password with it. */
  #pending: string | undefined;
  #wantPassword = false;
  /** The last message id shown in each room: going back to one replays only what came after. */
  readonly #seen = new Map<string, number>();
  /** Whether a prompt ends what was sent, with no line end after it: the next line starts anew. */
  #prompting: boolean;
  /** The frame rendered last. */
  #previous: ServerFrame | undefined;

  /**
   * Renders for a peer that reached the server at `host`: links to shared
   * files name it. `prompting` says that a prompt was sent already (the
   * greeting's), still open.
   */
  constructor(host: string, prompting = false) {
    this.#host = host;
    this.#prompting = prompting;
  }

  /** The name this connection chats under, once the hub has accepted it. */
  get name(): string | undefined {
    return this.#me;
  }

  /** Renders one frame as CRLF-terminated lines; `undefined` when it shows nothing. */
  encode(frame: ServerFrame): Uint8Array | undefined {
    if (frame.type === "welcome") {
      this.#me = frame.name;
      const files = frame.files;
      const host = this.#host;
      if (files !== undefined) this.#fileLink = (file) => fileLink(host, files, file);
    }
    if (frame.type === "renamed" && this.#me === frame.from) this.#me = frame.to;
    if (frame.type === "message" && frame.id > (this.#seen.get(frame.room) ?? -1)) {
      this.#seen.set(frame.room, frame.id);
    }
    // A refused name is asked for again: each refusal says so, whatever was wrong with it.
    if (this.#me === undefined) frame = askingAgain(frame);
    const before = this.#previous;
    this.#previous = frame;
    // An operator's notice of a rename, just before it, said it already.
    if (frame.type === "renamed" && toldByNotice(before, frame)) return undefined;
    // Stamped as of now: a line from another day shows its date.
    // Now, too, for `who` to say who has been idle a while, as the terminal's does.
    const lines = describeFrame(frame, this.#me ?? "", {
      fileLink: this.#fileLink,
      now: Date.now(),
    })
      // `/help` in rows that an 80-column terminal shows whole, not wrapped in a word.
      .flatMap((line) =>
        line.tags?.includes("help") ? helpRows(line, PLAIN_HELP_COLUMNS) : plainLines(line)
      );
    let text = lines.length === 0 ? "" : lines.join("\r\n") + "\r\n";
    // Not glued to an open "Your name: ": a goodbye, say, goes on a line of its own.
    if (text !== "" && this.#prompting) text = "\r\n" + text;
    if (text !== "") this.#prompting = false;
    // A refused name is asked for again; a password, when the server needs one. A ban is final.
    if (frame.type === "error" && this.#me === undefined && !FINAL_REFUSALS.has(frame.code)) {
      this.#wantPassword = frame.code === "password_required" || frame.code === "password_wrong";
      text += this.#wantPassword ? PASSWORD_PROMPT : PROMPT;
      this.#prompting = true;
    }
    return text === "" ? undefined : encoder.encode(text);
  }

  /** Turns one typed line into a frame for the hub, or `undefined` to ignore it. */
  input(line: string): ClientFrame | undefined {
    // The person pressed Enter: whatever comes next starts on a line of its own.
    this.#prompting = false;
    // A byte order mark is dropped at the start of the connection only: here it is typed text.
    const text = trimSpace(line);
    if (text === "") return undefined;
    if (this.#me === undefined) {
      if (this.#wantPassword && this.#pending !== undefined) {
        return { type: "hello", version: PROTOCOL_VERSION, name: this.#pending, password: line };
      }
      this.#pending = text;
      return { type: "hello", version: PROTOCOL_VERSION, name: text };
    }
    return this.#backTo(text) ?? { type: "say", text: line };
  }

  /**
   * `/join #room` of a room already seen, or `/leave` (back to #lobby), as
   * the `join` a program would send: with `since`, so that only what was
   * said there meanwhile is replayed. Anything else is left to the hub.
   */
  #backTo(text: string): ClientFrame | undefined {
    const move = /^\/(join|leave|part)(?:\s+(\S+))?$/i.exec(text);
    if (move === null) return undefined;
    const [, command, named] = move;
    if (command!.toLowerCase() !== "join" ? named !== undefined : named === undefined) {
      return undefined;
    }
    const room = normalizeRoom(named ?? LOBBY);
    if (!room.ok) return undefined;
    const since = this.#seen.get(room.value);
    return since === undefined ? undefined : { type: "join", room: room.value, since };
  }

  /** The prompt to show again after an empty name. */
  prompt(): Uint8Array | undefined {
    if (this.#me !== undefined) return undefined;
    this.#prompting = true;
    return encoder.encode(this.#wantPassword ? PASSWORD_PROMPT : PROMPT);
  }
}
