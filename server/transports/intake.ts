/**
 * The part every JSON transport shares: decoding a line into a checked frame
 * for the hub, answering bad input with an `error` frame, and closing a
 * connection that keeps sending it.
 *
 * @module
 */

import {
  type ClientFrame,
  decodeJson,
  type ErrorCode,
  type LineResult,
  parseClientFrame,
} from "../../protocol.ts";
import type { Hub } from "../hub.ts";
import type { Session } from "../session.ts";

/** What every intake of a server shares. */
export interface IntakeLimits {
  readonly hub: Hub;
  /** Bad frames a connection may send before it is closed. */
  readonly maxStrikes: number;
  /** Receives one line per connection problem. */
  readonly log: (line: string) => void;
}

/** Feeds one connection's frames to the hub and counts its bad ones. */
export class FrameIntake {
  readonly #session: Session;
  readonly #limits: IntakeLimits;
  #strikes = 0;

  constructor(session: Session, limits: IntakeLimits) {
    this.#session = session;
    this.#limits = limits;
  }

  /** True once the connection sent too many bad frames and must be closed. */
  get exhausted(): boolean {
    return this.#strikes >= this.#limits.maxStrikes;
  }

  /**
   * Handles one line: a frame goes to the hub, anything else gets an error
   * frame. Returns `false` when the connection must now be closed.
   */
  line(result: LineResult): boolean {
    if (!result.ok) return this.refuse(result.code, result.message);
    if (result.line.trim() === "") return true;
    const json = decodeJson(result.line);
    const checked = json.ok ? parseClientFrame(json.value) : json;
    if (!checked.ok) return this.refuse(checked.code, checked.message);
    this.deliver(checked.value);
    return true;
  }

  /** Hands a checked frame to the hub; a bug there never takes the server down. */
  deliver(frame: ClientFrame): void {
    try {
      this.#limits.hub.receive(this.#session, frame);
    } catch (error) {
      this.#limits.log(
        `Internal error on a frame from ${this.#session.remote}: ${(error as Error).stack}`,
      );
      this.#session.send({ type: "error", code: "bad_frame", message: "Internal server error" });
    }
  }

  /** Answers bad input; returns `false` once the connection has had too many. */
  refuse(code: ErrorCode, message: string): boolean {
    this.#session.send({ type: "error", code, message });
    if (this.#strikes === 0) {
      this.#limits.log(`${this.#session.remote} sent a bad frame: ${message}`);
    }
    this.#strikes++;
    if (this.#strikes < this.#limits.maxStrikes) return true;
    this.#limits.log(`${this.#session.remote} dropped after ${this.#strikes} bad frames`);
    this.#session.send({ type: "error", code: "too_many_errors", message: "Too many bad frames" });
    this.#session.send({ type: "bye", reason: "Too many bad frames" });
    return false;
  }
}
