/** An IRC client speaking by hand over a raw socket, for the IRC gateway's tests. */

import { connectFrom } from "./_from_address.ts";
import { LineClient } from "./_line_client.ts";
import { LOOPBACK } from "./_test_utils.ts";

/** A raw IRC connection: a {@linkcode LineClient} that registers and syncs with PING. */
export class IrcClient extends LineClient {
  /** Connects to `port` on loopback without sending anything. */
  static override async connect(port: number): Promise<IrcClient> {
    return new IrcClient(await Deno.connect({ hostname: LOOPBACK, port }));
  }

  /**
   * Connects and registers as `nick` (after `before`, such as CAP or PASS
   * lines), waiting for the end of the MOTD; from `from`, a loopback
   * address, when given.
   */
  static async register(
    port: number,
    nick: string,
    before: string[] = [],
    from?: string,
  ): Promise<IrcClient> {
    const client = from === undefined
      ? await IrcClient.connect(port)
      : new IrcClient(await connectFrom(port, from));
    for (const line of before) await client.send(line);
    await client.send(`NICK ${nick}`);
    await client.send(`USER ${nick} 0 * :${nick}`);
    await client.next(/ 376 /);
    return client;
  }

  /** Sends a PING and waits for its PONG: every line sent before it was handled. */
  async sync(token = `sync${Math.random().toString(36).slice(2)}`, ms = 5_000): Promise<string[]> {
    await this.send(`PING ${token}`);
    return await this.until(new RegExp(` PONG \\S+ :?${token}$`), ms);
  }
}

/** `chat serve` on loopback with IRC on a free port, history in memory; `extra` adds flags. */
export function ircServeArgs(extra: string[] = []): string[] {
  return ["serve", "--host", LOOPBACK, "--port", "0", "--no-web", "--memory", "--irc-port", "0"]
    .concat(extra);
}
