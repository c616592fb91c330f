/**
 * Registration: capability negotiation (`CAP LS 302`, `REQ`, `END`), `PASS`,
 * SASL PLAIN for the server's password, `NICK` and `USER`, made into the
 * hub's `hello` once all are in. A name the hub refuses is 432 or 433, and
 * the client may try another; a wrong password is 464, and the end.
 *
 * @module
 */

import { LATEST_PROTOCOL_VERSION, LOBBY } from "../../protocol.ts";
import type { IrcMessage } from "./line.ts";
import { maskOf, nickInUse, nickProblem } from "./nicks.ts";
import { ERR, RPL } from "./numerics.ts";
import type { Gateway } from "./connection.ts";

/** The IRCv3 capabilities offered, besides `sasl`. */
export const CAPABILITIES = [
  "away-notify",
  "batch",
  "echo-message",
  "message-tags",
  "multi-prefix",
  "server-time",
] as const;

/** Bytes of one AUTHENTICATE chunk; a shorter one ends the payload. */
const SASL_CHUNK = 400;

/** One connection's registration, until the hub has welcomed it. */
export class Registration {
  readonly #gateway: Gateway;
  #negotiating = false;
  #nick: string | undefined;
  /** Whether the last NICK given was refused (432 or 433), and no other taken since. */
  #nickRefused = false;
  #user = false;
  #pass: string | undefined;
  /** The SASL payload read so far, while a PLAIN exchange is open. */
  #sasl: string | undefined;
  #saslPassword: string | undefined;

  constructor(gateway: Gateway) {
    this.#gateway = gateway;
  }

  get #registered(): boolean {
    return this.#gateway.renderer.name !== undefined;
  }

  /**
   * What registration still waits for, as IRC names it (`NICK and USER`,
   * `CAP END`, `an accepted NICK` after a refused one); `""` when nothing
   * (all came, and the hello they make is not answered yet).
   */
  missing(): string {
    const wanted: string[] = [];
    if (this.#nick === undefined) wanted.push(this.#nickRefused ? "an accepted NICK" : "NICK");
    if (!this.#user) wanted.push("USER");
    if (this.#negotiating) wanted.push("CAP END");
    if (wanted.length <= 1) return wanted[0] ?? "";
    return `${wanted.slice(0, -1).join(", ")} and ${wanted.at(-1)}`;
  }

  /** Handles a registration command (also `CAP` later on); `false` for any other. */
  handles(message: IrcMessage): boolean {
    const params = message.params;
    switch (message.command) {
      case "CAP":
        this.#cap(params);
        return true;
      case "AUTHENTICATE":
        this.#authenticate(params[0]);
        return true;
      case "PASS":
        if (this.#refuseAgain()) return true;
        if (params[0] === undefined) return this.#needMore("PASS");
        this.#pass = params[0];
        return true;
      case "USER":
        if (this.#refuseAgain()) return true;
        if (params.length < 4) return this.#needMore("USER");
        this.#user = true;
        this.#register();
        return true;
      case "NICK":
        if (this.#registered) return false;
        this.#nickname(params[0]);
        return true;
      default:
        return false;
    }
  }

  #refuseAgain(): boolean {
    if (!this.#registered) return false;
    const renderer = this.#gateway.renderer;
    this.#gateway.write(renderer.numeric(ERR.ALREADYREGISTERED, "You may not reregister"));
    return true;
  }

  #needMore(command: string): true {
    const renderer = this.#gateway.renderer;
    this.#gateway.write(renderer.numeric(ERR.NEEDMOREPARAMS, command, "Not enough parameters"));
    return true;
  }

  #nickname(nick: string | undefined): void {
    const { renderer } = this.#gateway;
    if (nick === undefined || nick === "") {
      return this.#gateway.write(renderer.numeric(ERR.NONICKNAMEGIVEN, "No nickname given"));
    }
    const problem = nickProblem(nick);
    if (problem !== undefined) {
      this.#nickRefused = true;
      return this.#gateway.write(renderer.numeric(ERR.ERRONEUSNICKNAME, nick, problem));
    }
    // A name in use is said now, as IRC servers do, before USER too (or while capabilities
    // are negotiated), so that the client picks another before it registers.
    const { hub } = this.#gateway;
    const refused = hub.nameRefusal(nick);
    if (refused !== undefined) {
      const numeric = refused.code === "name_invalid" ? ERR.ERRONEUSNICKNAME : ERR.NICKNAMEINUSE;
      this.#nickRefused = true;
      const message = refused.code === "name_taken"
        ? nickInUse(refused.message, nick, (name) => hub.nameRefusal(name) !== undefined)
        : refused.message;
      return this.#gateway.write(renderer.numeric(numeric, nick, message));
    }
    this.#nick = nick;
    this.#nickRefused = false;
    this.#register();
  }

  /**
   * Takes the hub's refusal of the name the `hello` carried (told as 432 or
   * 433, now or once a cluster answered): another NICK is wanted.
   */
  nameRefused(): void {
    if (this.#registered) return;
    this.#nick = undefined;
    this.#nickRefused = true;
  }

  /** The capabilities offered: `sasl` too when the server has a password. */
  #offered(version: number): string[] {
    const { hub, address } = this.#gateway;
    const sasl = hub.checkPassword(address, undefined) === undefined
      ? []
      : [version >= 302 ? "sasl=PLAIN" : "sasl"];
    return [...CAPABILITIES, ...sasl];
  }

  #cap(params: readonly string[]): void {
    const { renderer } = this.#gateway;
    const sub = params[0]?.toUpperCase();
    const reply = (...words: string[]) =>
      this.#gateway.write(renderer.line("CAP", renderer.nick, ...words));
    switch (sub) {
      case "LS":
        if (!this.#registered) this.#negotiating = true;
        return reply("LS", this.#offered(Number(params[1] ?? 0)).join(" "));
      case "LIST":
        return reply("LIST", [...renderer.caps].join(" "));
      case "REQ": {
        if (!this.#registered) this.#negotiating = true;
        const asked = (params[1] ?? "").split(" ").filter((cap) => cap !== "");
        const known = new Set(this.#offered(0));
        if (asked.length === 0 || !asked.every((cap) => known.has(cap.replace(/^-/, "")))) {
          return reply("NAK", params[1] ?? "");
        }
        for (const cap of asked) {
          if (cap.startsWith("-")) renderer.caps.delete(cap.slice(1));
          else renderer.caps.add(cap);
        }
        return reply("ACK", asked.join(" "));
      }
      case "END":
        this.#negotiating = false;
        return this.#register();
      default:
        this.#gateway.write(
          renderer.numeric("410", params[0] ?? "*", "Invalid CAP subcommand"),
        );
    }
  }

  #authenticate(data: string | undefined): void {
    const { renderer, hub, address } = this.#gateway;
    const write = (line: string) => this.#gateway.write(line);
    if (data === undefined) return void this.#needMore("AUTHENTICATE");
    if (this.#registered || !renderer.caps.has("sasl")) {
      return write(renderer.numeric(ERR.SASLFAIL, "SASL authentication failed"));
    }
    if (data === "*") {
      this.#sasl = undefined;
      return write(renderer.numeric(ERR.SASLABORTED, "SASL authentication aborted"));
    }
    if (this.#sasl === undefined) {
      if (data.toUpperCase() !== "PLAIN") {
        write(renderer.numeric(RPL.SASLMECHS, "PLAIN", "are available SASL mechanisms"));
        return write(renderer.numeric(ERR.SASLFAIL, "SASL authentication failed"));
      }
      this.#sasl = "";
      return write(formatPlus());
    }
    this.#sasl += data === "+" ? "" : data;
    if (data.length === SASL_CHUNK) return;
    const payload = decodePlain(this.#sasl);
    this.#sasl = undefined;
    const refusal = payload === undefined
      ? { message: "SASL authentication failed" }
      : hub.checkPassword(address, payload.password);
    if (payload === undefined || refusal !== undefined) {
      return write(
        renderer.numeric(ERR.SASLFAIL, refusal?.message ?? "SASL authentication failed"),
      );
    }
    this.#saslPassword = payload.password;
    const account = payload.user || this.#nick || "*";
    write(
      renderer.numeric(
        RPL.LOGGEDIN,
        maskOf(this.#nick ?? "*"),
        account,
        `You are now logged in as ${account}`,
      ),
    );
    write(renderer.numeric(RPL.SASLSUCCESS, "SASL authentication successful"));
  }

  /** Says `hello` once NICK and USER are in and capability negotiation is over. */
  #register(): void {
    const nick = this.#nick;
    if (this.#registered || this.#negotiating || nick === undefined || !this.#user) return;
    const password = this.#saslPassword ?? this.#pass;
    const gateway = this.#gateway;
    gateway.renderer.lastError = undefined;
    const since = gateway.catchUp(nick);
    gateway.deliver({
      type: "hello",
      version: LATEST_PROTOCOL_VERSION,
      name: nick,
      client: "irc",
      ...(since === undefined ? {} : { rooms: [{ room: LOBBY, since }] }),
      ...(password === undefined ? {} : { password }),
    }, { command: "NICK", target: nick });
    const refused = gateway.renderer.lastError;
    if (refused === "password_required" || refused === "password_wrong") {
      gateway.deliver({ type: "quit", reason: "Wrong password" });
    }
  }
}

function formatPlus(): string {
  return "AUTHENTICATE +\r\n";
}

/** Reads a SASL PLAIN payload: authorisation id, user and password, NUL between them. */
function decodePlain(base64: string): { user: string; password: string } | undefined {
  try {
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    const parts = text.split("\0");
    if (parts.length !== 3) return undefined;
    return { user: parts[1]!, password: parts[2]! };
  } catch {
    return undefined;
  }
}
