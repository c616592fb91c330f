/**
 * Removes telnet option negotiation from a byte stream, so a telnet client
 * can talk to the plain-text transport. Negotiation is ignored, not answered:
 * the server asks for nothing and agrees to nothing.
 *
 * @module
 */

const IAC = 0xff;
const SB = 0xfa;
const SE = 0xf0;
const WILL = 0xfb;
const DONT = 0xfe;

const enum State {
  Data,
  Command,
  Option,
  Sub,
  SubCommand,
}

/** Strips telnet commands (IAC …) from chunks, keeping state across chunk borders. */
export class TelnetFilter {
  #state: State = State.Data;

  /**
   * Returns the data bytes of `chunk`; an escaped IAC IAC becomes one 0xFF
   * byte, and so does an IAC before a byte that is no command.
   */
  push(chunk: Uint8Array): Uint8Array {
    if (this.#state === State.Data && !chunk.includes(IAC)) return chunk;
    const out = new Uint8Array(chunk.length);
    let length = 0;
    for (const byte of chunk) {
      switch (this.#state) {
        case State.Data:
          if (byte === IAC) this.#state = State.Command;
          else out[length++] = byte;
          break;
        case State.Command:
          if (byte === IAC) {
            out[length++] = IAC;
            this.#state = State.Data;
          } else if (byte < SE) {
            // No command is below SE: the 0xFF was a stray data byte (which is
            // not UTF-8), and what follows it, a line end say, is data too.
            out[length++] = IAC;
            out[length++] = byte;
            this.#state = State.Data;
          } else if (byte === SB) this.#state = State.Sub;
          else if (byte >= WILL && byte <= DONT) this.#state = State.Option;
          else this.#state = State.Data;
          break;
        case State.Option:
          this.#state = State.Data;
          break;
        case State.Sub:
          if (byte === IAC) this.#state = State.SubCommand;
          break;
        case State.SubCommand:
          this.#state = byte === SE ? State.Data : State.Sub;
          break;
      }
    }
    return out.subarray(0, length);
  }
}
