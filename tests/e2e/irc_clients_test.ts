/**
 * Real IRC clients in the same rooms as the terminal client and the page:
 * one `chat serve` on loopback with its IRC port; ann at irssi and bea at
 * WeeChat in tmux, carol at `chat join` in tmux, dave on the page in
 * Chromium. Each step is one thing the IRC door promises (issue 18), seen
 * on the screens of the people involved: history on joining, messages with
 * the right nick and time both ways, `/me`, private messages, `/topic`,
 * `/away`, `/names`, `/whois`, and no warning or error in either client.
 * Then both connect over TLS to a server with a password, as the README
 * tells, with a certificate made as it tells: irssi with the server
 * password, WeeChat by SASL. Last, both keep order as operators with their
 * own commands: irssi's /ban of a long nick and of a mapped one falls on
 * that person, its /kickban of someone renamed falls on them and not on
 * whoever took their old nick, and each client's /kickban bans at once, then tells the
 * room the reason, and its person when they try to come back.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { ChatProcess, ROOT } from "../_chat_process.ts";
import { OPENSSL } from "../_fault_helpers.ts";
import type { Page } from "./_playwright.ts";
import { ChatBrowser, exactly, joinAs, logLine, pageUrl, say, waitForLine } from "./_browser.ts";
import { IrcClient, ircClientMissing, type IrcProgram } from "./_irc_clients.ts";
import { missing } from "./_needs.ts";
import { literal, said, TerminalUser, TODAY_STAMP } from "./_terminal_user.ts";
import { Tmux } from "./_tmux.ts";
import { showView } from "./_web_rooms.ts";
import { TestClient } from "../_test_utils.ts";
import { nickOf } from "../../server/irc/nicks.ts";

/** The secrets of `--op-file`: carol becomes an operator at the terminal, ann over IRC. */
const OPERATORS = "carol carol-secret\nann ann-secret\n";

/** Zoë's nick on IRC, as docs/PROTOCOL.md gives it: her name transliterated, `|`, a hash. */
const ZOE = "Zoe|c2a2bddc";

/** What each step waits for on a screen or a page at most, in milliseconds. */
const WAIT_MS = 20_000;

/** Why this test cannot run here, or `undefined`. */
const WHY_NOT = [
  missing("tmux"),
  missing("chromium"),
  ...(["irssi", "weechat"] as IrcProgram[]).map(ircClientMissing),
].find((reason) => reason !== undefined);

/**
 * Makes `cert.pem` and `key.pem` in `dir` with the README's own openssl
 * command, for the address 127.0.0.1 rather than its example's: the
 * certificate irssi and WeeChat are told to trust is the one it makes.
 */
async function readmeCert(dir: string): Promise<{ certFile: string; keyFile: string }> {
  const readme = await Deno.readTextFile(`${ROOT}README.md`);
  const command = /^ *(openssl req (?:[^\n]*\\\n)*[^\n]*)$/m.exec(readme)?.[1];
  assert.ok(command !== undefined, "the README has an openssl req command");
  assert.match(command, /192\.168\.1\.5/, "the README's certificate is for its example address");
  const { success, stderr } = await new Deno.Command("sh", {
    args: ["-c", command.replaceAll("192.168.1.5", "127.0.0.1")],
    cwd: dir,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.ok(success, new TextDecoder().decode(stderr));
  return { certFile: join(dir, "cert.pem"), keyFile: join(dir, "key.pem") };
}

/** The `HH:MM:SS` of the first line of `lines` that matches `pattern` with the stamp in group 1. */
function stampOf(lines: readonly string[], pattern: RegExp): string {
  for (const line of lines) {
    const match = line.match(pattern);
    if (match) return match[1]!;
  }
  throw new Error(`No line matches ${pattern}:\n${lines.join("\n")}`);
}

/** A terminal line that is `text` from `from`, with its stamp in group 1. */
function stamped(from: string, text: string): RegExp {
  return new RegExp(`^\\[(\\d\\d:\\d\\d:\\d\\d)\\] ${literal(from)}: ${literal(text)}$`);
}

/** Waits until carol's terminal shows `pattern` and returns the stamp in its group 1. */
async function terminalStamp(carol: TerminalUser, pattern: RegExp): Promise<string> {
  return stampOf((await carol.waitForLine(pattern, WAIT_MS)).lines, pattern);
}

/** Waits for a line of the page's log of class `kind` containing `text` and returns its text. */
async function pageLine(page: Page, kind: string, text: string): Promise<string> {
  const line = await waitForLine(page, kind, text, WAIT_MS);
  return (await line.first().textContent() ?? "").trim();
}

/**
 * Runs `fn` as the step `name` of `t`. When it fails, the error also gives
 * the last raw IRC lines each of `clients` exchanged, to show what the
 * server sent that the client showed or did not show.
 */
async function step(
  t: Deno.TestContext,
  clients: readonly IrcClient[],
  name: string,
  fn: () => Promise<void>,
): Promise<boolean> {
  return await t.step(name, async () => {
    try {
      await fn();
    } catch (error) {
      if (clients.length === 0) throw error;
      const raw: string[] = [];
      for (const client of clients) {
        const lines = await client.rawLines().catch((why) => [`(cannot read them: ${why})`]);
        raw.push(
          `${client.program} (${client.nick}), its last raw lines:`,
          ...lines.slice(-40).map((line) => `  ${line}`),
        );
      }
      throw new Error(`${(error as Error).message}\n${raw.join("\n")}`);
    }
  });
}

/** The port in the `chat serve` banner line that `pattern` matches (group 1). */
async function bannerPort(server: ChatProcess, pattern: RegExp): Promise<number> {
  const [, port] = await server.waitForStdout(pattern, WAIT_MS);
  return Number(port);
}

/** `chat serve` on loopback with a free chat and IRC port, in memory, and `more`. */
function serveIrc(...more: string[]): ChatProcess {
  const args = ["serve", "--host", "127.0.0.1", "--port", "0", "--irc-port", "0", "--memory"];
  return new ChatProcess([...args, ...more], { stdin: "null" });
}

Deno.test({
  name: WHY_NOT === undefined
    ? "irssi and WeeChat share the rooms with chat join and the page"
    : `irssi and WeeChat share the rooms with chat join and the page (ignored: ${WHY_NOT})`,
  ignore: WHY_NOT !== undefined,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "chat-irc-clients-" });
    const opFile = join(dir, "ops.txt");
    await Deno.writeTextFile(opFile, OPERATORS);
    await using server = serveIrc("--web-port", "0", "--op-file", opFile);
    const port = await server.port();
    const webPort = await bannerPort(server, /^ {2}http:\/\/127\.0\.0\.1:(\d+)\/$/m);
    const ircPort = await bannerPort(server, /^ {2}(?:or IRC: )?irc:\/\/127\.0\.0\.1:(\d+)$/m);
    await using browser = await ChatBrowser.launch();
    const tmux = new Tmux("irc-clients");
    const clients: IrcClient[] = [];
    try {
      const carol = await TerminalUser.join(tmux, "carol", port, { width: 120, height: 40 });
      const dave = await browser.open(pageUrl(webPort));
      await joinAs(dave, "dave");
      await carol.waitForLine(/ dave joined #lobby$/, WAIT_MS);

      // The stamps carol's terminal and dave's page gave what was said before IRC came.
      let carolEarly = "";
      let daveEarly = "";
      let devEarly = "";
      await step(
        t,
        clients,
        "before IRC: carol sets the topic; carol and dave talk in #lobby and #dev",
        async () => {
          await carol.enter("/oper carol-secret");
          await carol.waitForLine(/operator/i, WAIT_MS);
          await carol.enter("/topic Lunch at noon");
          await carol.waitForLine(/carol set the topic of #lobby: Lunch at noon$/, WAIT_MS);
          await carol.enter("early word from carol");
          carolEarly = await terminalStamp(carol, stamped("carol", "early word from carol"));
          await say(dave, "early word from dave");
          daveEarly = await terminalStamp(carol, stamped("dave", "early word from dave"));
          await say(dave, "/join #dev");
          await dave.locator("#room-name", { hasText: exactly("#dev") }).waitFor();
          await say(dave, "early news in dev");
          const line = await pageLine(dave, "message", "early news in dev");
          devEarly = line.match(/\[(\d\d:\d\d:\d\d)\]/)?.[1] ??
            assert.fail(`no stamp in "${line}"`);
          await showView(dave, "#lobby");
        },
      );

      let ann!: IrcClient;
      let bea!: IrcClient;
      await step(t, clients, "irssi connects as ann and joins #lobby and #dev", async () => {
        ann = await IrcClient.start(tmux, "irssi", "ann");
        clients.push(ann);
        await ann.connect(ircPort);
        await ann.join("#lobby", "#dev");
        await carol.waitForLine(/ ann joined #lobby$/, WAIT_MS);
        assert.deepEqual(await ann.problems(), [], "irssi printed warnings or errors");
      });

      await step(t, clients, "WeeChat connects as bea and joins #lobby and #dev", async () => {
        bea = await IrcClient.start(tmux, "weechat", "bea");
        clients.push(bea);
        await bea.connect(ircPort);
        await bea.join("#lobby", "#dev");
        await carol.waitForLine(/ bea joined #lobby$/, WAIT_MS);
        await ann.view("#lobby");
        await ann.waitForLine(ann.joinedLine("bea", "#lobby"));
        assert.deepEqual(await bea.problems(), [], "WeeChat printed warnings or errors");
      });

      await step(
        t,
        clients,
        "history on join: what was said before shows with its nick and time",
        async () => {
          for (const client of [ann, bea]) {
            await client.view("#lobby");
            const carols = await client.waitForLine(client.said("carol", "early word from carol"));
            assert.equal(carols[1], carolEarly, `${client.program}: the time of carol's message`);
            const daves = await client.waitForLine(client.said("dave", "early word from dave"));
            assert.equal(daves[1], daveEarly, `${client.program}: the time of dave's message`);
            await client.view("#dev");
            const dev = await client.waitForLine(client.said("dave", "early news in dev"));
            assert.equal(dev[1], devEarly, `${client.program}: the time of dave's message in #dev`);
          }
        },
      );

      await step(
        t,
        clients,
        "carol's and dave's messages reach irssi and WeeChat with nick and time",
        async () => {
          await Promise.all([ann.view("#lobby"), bea.view("#lobby")]);
          await carol.enter("live from carol");
          const carolAt = await terminalStamp(carol, stamped("carol", "live from carol"));
          await say(dave, "live from dave");
          const daveAt = await terminalStamp(carol, stamped("dave", "live from dave"));
          for (const client of [ann, bea]) {
            const fromCarol = await client.waitForLine(client.said("carol", "live from carol"));
            assert.equal(fromCarol[1], carolAt, `${client.program}: the time of carol's message`);
            const fromDave = await client.waitForLine(client.said("dave", "live from dave"));
            assert.equal(fromDave[1], daveAt, `${client.program}: the time of dave's message`);
          }
        },
      );

      await step(
        t,
        clients,
        "the server's PINGs after those messages are answered, and neither client shows them",
        async () => {
          // Soon after writing to a client that sent nothing since, the server asks with
          // `PING :read-N` (its catch-up's anchor): answered at once, printed nowhere. A
          // client that spoke after the last message (irssi asks for ban lists after it
          // joins) is asked nothing: carol then says one more line, up to three times.
          const answered = async (client: IrcClient) =>
            (await client.rawLines()).some((line) => /PONG :?read-\d+/.test(line));
          for (const client of [ann, bea]) {
            for (let line = 1; !(await answered(client)); line++) {
              if (line > 3) assert.fail(`${client.program} answered no PING`);
              await client.view("#lobby");
              await carol.enter(`a line to read, ${client.program} ${line}`);
              await client.waitForLine(
                client.said("carol", `a line to read, ${client.program} ${line}`),
              );
              const deadline = performance.now() + WAIT_MS;
              while (!(await answered(client)) && performance.now() < deadline) {
                await new Promise((resolve) => setTimeout(resolve, 200));
              }
            }
            assert.deepEqual(await client.logLines(/read-\d|\bPING\b/), [], client.program);
          }
          await Promise.all([ann.view("#lobby"), bea.view("#lobby")]);
        },
      );

      await step(
        t,
        clients,
        "a message of two lines from the page arrives as two lines on IRC",
        async () => {
          await Promise.all([ann.view("#lobby"), bea.view("#lobby")]);
          const input = dave.locator("#message-input");
          await input.pressSequentially("first of two lines");
          await input.press("Shift+Enter");
          await input.pressSequentially("  second, indented");
          await input.press("Enter");
          await pageLine(dave, "message", "first of two lines");
          for (const client of [ann, bea]) {
            const first = await client.waitForLine(client.said("dave", "first of two lines"));
            const second = await client.waitForLine(client.said("dave", "  second, indented"));
            assert.equal(second[1], first[1], `${client.program}: the time of the second line`);
          }
        },
      );

      await step(t, clients, "ann and bea talk: carol, dave and each other see it", async () => {
        await Promise.all([ann.view("#lobby"), bea.view("#lobby")]);
        await ann.enter("hello from irssi");
        await carol.waitForLine(said("ann", "hello from irssi"), WAIT_MS);
        await pageLine(dave, "message", "ann: hello from irssi");
        await bea.waitForLine(bea.said("ann", "hello from irssi"));
        await ann.waitForLine(ann.said("ann", "hello from irssi"));

        await bea.enter("hello from weechat");
        await carol.waitForLine(said("bea", "hello from weechat"), WAIT_MS);
        await pageLine(dave, "message", "bea: hello from weechat");
        await ann.waitForLine(ann.said("bea", "hello from weechat"));

        await Promise.all([ann.view("#dev"), bea.view("#dev")]);
        await bea.enter("dev word from weechat");
        await ann.waitForLine(ann.said("bea", "dev word from weechat"));
        await showView(dave, "#dev");
        await pageLine(dave, "message", "bea: dev word from weechat");
        await showView(dave, "#lobby");
        await Promise.all([ann.view("#lobby"), bea.view("#lobby")]);
      });

      await step(t, clients, "/me from IRC, the terminal and the page", async () => {
        await Promise.all([ann.view("#lobby"), bea.view("#lobby")]);
        const irc = [[ann, "ann", bea, "irssi"], [bea, "bea", ann, "weechat"]] as const;
        for (const [client, nick, other, program] of irc) {
          await client.enter(`/me waves from ${program}`);
          await carol.waitForLine(
            new RegExp(`^${TODAY_STAMP} \\* ${nick} waves from ${program}$`),
            WAIT_MS,
          );
          await pageLine(dave, "action", `${nick} waves from ${program}`);
          await other.waitForLine(other.action(nick, `waves from ${program}`));
        }

        await carol.enter("/me waves back");
        await say(dave, "/me nods");
        for (const client of [ann, bea]) {
          await client.waitForLine(client.action("carol", "waves back"));
          await client.waitForLine(client.action("dave", "nods"));
        }
      });

      await step(
        t,
        clients,
        "private messages between IRC, the terminal and the page",
        async () => {
          await Promise.all([ann.view("#lobby"), bea.view("#lobby")]);
          await ann.enter("/msg carol psst from irssi");
          await carol.waitForLine(
            new RegExp(`^${TODAY_STAMP} \\[private\\] ann → you: psst from irssi$`),
            WAIT_MS,
          );
          await carol.enter("/msg ann psst back from carol");
          await ann.view("carol");
          await ann.waitForLine(ann.said("carol", "psst back from carol"));

          await bea.enter("/msg dave psst from weechat");
          await showView(dave, "@bea");
          await pageLine(dave, "private", "psst from weechat");
          await say(dave, "psst back from dave");
          await bea.view("dave");
          await bea.waitForLine(bea.said("dave", "psst back from dave"));
          await showView(dave, "#lobby");

          await ann.enter("/msg bea psst between irc clients");
          await bea.view("ann");
          await bea.waitForLine(bea.said("ann", "psst between irc clients"));
          await Promise.all([ann.view("#lobby"), bea.view("#lobby")]);
        },
      );

      await step(t, clients, "/topic: asked for, and set by an IRC operator", async () => {
        await Promise.all([ann.view("#lobby"), bea.view("#lobby")]);
        await ann.clear();
        await ann.enter("/topic");
        await ann.waitForLine(/ -!- Topic for #lobby: Lunch at noon$/);
        await ann.waitForLine(/ -!- Topic set by carol\b/);
        await bea.clear();
        await bea.enter("/topic");
        await bea.waitForLine(/ -- \| Topic for #lobby is "Lunch at noon"$/);
        await bea.waitForLine(/ -- \| Topic set by carol\b/);

        await ann.enter("/oper ann ann-secret");
        await ann.waitForLine(/operator/i);
        await ann.enter("/topic Release on Friday");
        await carol.waitForLine(/ann set the topic of #lobby: Release on Friday$/, WAIT_MS);
        await pageLine(dave, "notice", "ann set the topic of #lobby: Release on Friday");
        await bea.waitForLine(bea.topicChanged("ann", "#lobby", "Release on Friday"));
        await ann.waitForLine(ann.topicChanged("ann", "#lobby", "Release on Friday"));
      });

      await step(
        t,
        clients,
        "an IRC operator keeps order with irssi's own /op, /deop, /ban and /unban",
        async () => {
          await Promise.all([ann.view("#lobby"), bea.view("#lobby")]);
          await ann.enter("/op bea");
          await bea.waitForLine(/ -- \| Mode #lobby \[\+o bea\] by ann$/);
          await ann.waitForLine(/ -!- mode\/#lobby \[\+o bea\] by ann$/);
          await carol.waitForLine(/ann made bea an operator$/, WAIT_MS);
          await ann.enter("/deop bea");
          await bea.waitForLine(/ -- \| Mode #lobby \[-o bea\] by ann$/);
          // A ban of an address nobody here has, so that everyone stays.
          await ann.enter("/ban *!*@192.0.2.7");
          await ann.waitForLine(/ -!- mode\/#lobby \[\+b \*!\*@192\.0\.2\.7\] by ann$/);
          await ann.enter("/unban *!*@192.0.2.7");
          await ann.waitForLine(/ -!- mode\/#lobby \[-b \*!\*@192\.0\.2\.7\] by ann$/);
        },
      );

      await step(
        t,
        clients,
        "/away: others are told, and IRC clients are told of others",
        async () => {
          await bea.enter("/away lunch");
          await carol.waitForLine(/ bea is away: lunch$/, WAIT_MS);
          await carol.enter("/msg bea are you there?");
          await carol.waitForLine(/^-- bea is away: lunch$/, WAIT_MS);
          await bea.view("carol");
          await bea.waitForLine(bea.said("carol", "are you there?"));

          // irssi marks itself away in its status bar once the server confirms (306).
          await ann.enter("/away brb");
          await ann.waitFor((screen) => screen.text.includes("(zZzZ)"), "irssi's away mark");
          await carol.waitForLine(/ ann is away: brb$/, WAIT_MS);
          await ann.enter("/away");
          await ann.waitFor((screen) => !screen.text.includes("(zZzZ)"), "irssi back from away");

          await carol.enter("/away coffee");
          await carol.waitForLine(/You are away: coffee/, WAIT_MS);
          await ann.view("carol");
          await ann.enter("still there?");
          await ann.waitForLine(/ -!- carol is away: coffee$/);
          await Promise.all([ann.view("#lobby"), bea.view("#lobby")]);
        },
      );

      await step(t, clients, "/names lists everyone in the room, whatever they use", async () => {
        await Promise.all([ann.view("#lobby"), bea.view("#lobby")]);
        await ann.clear();
        await ann.enter("/names");
        await ann.waitForLine(/ -!- Irssi: #lobby: Total of 4 nicks /);
        const names = (await ann.screen()).lines.join("\n");
        for (const nick of ["ann", "bea", "carol", "dave"]) {
          assert.match(names, new RegExp(`\\[[ @+]${nick}\\s*\\]`), `${nick} in irssi's /names`);
        }
        await bea.clear();
        await bea.enter("/names");
        const nicks = await bea.waitForLine(/ -- \| Nicks #lobby: \[(.*)\]$/);
        assert.deepEqual(
          nicks[1]!.split(" ").map((nick) => nick.replace(/^[@+]/, "")).sort(),
          ["ann", "bea", "carol", "dave"],
          "the nicks in WeeChat's /names",
        );
      });

      await step(t, clients, "/whois tells who someone is, and that they are away", async () => {
        await ann.viewServer();
        await ann.clear();
        await ann.enter("/whois dave");
        await ann.waitForLine(/ -!- dave \[.*\]$/);
        await ann.waitForLine(/ -!- End of WHOIS$/);
        await bea.viewServer();
        await bea.clear();
        await bea.enter("/whois dave");
        await bea.waitForLine(/ -- \| \[dave\] \(.*\): dave$/);
        await bea.waitForLine(/ -- \| \[dave\] End of \/WHOIS list$/);

        // Where a client prints that someone is away depends on the windows it has open (WeeChat:
        // carol's private buffer, as bea has one): its logs tell that it printed it, and when.
        const away = { irssi: / -!- {2}away\s+: coffee$/, weechat: / \[carol\] is away: coffee$/ };
        for (const client of [ann, bea]) {
          const before = (await client.logLines(away[client.program])).length;
          await client.enter("/whois carol");
          await client.waitForLog(away[client.program], before + 1);
        }
        await Promise.all([ann.view("#lobby"), bea.view("#lobby")]);
      });

      await step(
        t,
        clients,
        "a name in another script is a valid nick on IRC, and what is sent to that nick reaches her",
        async () => {
          const zoe = await TerminalUser.start(tmux, "zoe", port, { args: ["--name", "Zoë"] });
          await zoe.waitFor(
            (screen) => screen.lines.some((line) => line.includes("Connected to ")),
            "Zoë to be connected",
          );
          await Promise.all([ann.view("#lobby"), bea.view("#lobby")]);
          for (const client of [ann, bea]) {
            await client.waitForLine(client.joinedLine(ZOE, "#lobby"));
          }
          await zoe.enter("hallo from Zoë");
          for (const client of [ann, bea]) {
            await client.waitForLine(client.said(ZOE, "hallo from Zoë"));
          }
          await ann.enter(`/msg ${ZOE} hi Zoë, from irssi`);
          await zoe.waitForLine(
            new RegExp(`^${TODAY_STAMP} \\[private\\] ann → you: hi Zoë, from irssi$`),
            WAIT_MS,
          );
          await bea.viewServer();
          await bea.clear();
          await bea.enter(`/whois ${ZOE}`);
          await bea.waitForLine(new RegExp(` -- \\| \\[${literal(ZOE)}\\] \\(.*\\): Zoë$`));
          await Promise.all([ann.view("#lobby"), bea.view("#lobby")]);
        },
      );

      await step(t, clients, "/part: ann leaves #dev, and bea and dave see her go", async () => {
        await bea.view("#dev");
        await showView(dave, "#dev");
        await ann.view("#dev");
        await ann.enter("/part #dev");
        await bea.waitForLine(/ <-- \| ann \(.*\) has left #dev/);
        await logLine(dave, "notice", /ann left #dev/).first().waitFor({ timeout: WAIT_MS });
        await showView(dave, "#lobby");
        await Promise.all([ann.view("#lobby"), bea.view("#lobby")]);
      });

      await step(t, clients, "no warning or error on either client's screens", async () => {
        assert.deepEqual(await ann.problems(), [], "irssi");
        assert.deepEqual(await bea.problems(), [], "WeeChat");
      });

      await step(t, clients, "both quit: carol and dave see them go", async () => {
        await ann.quit("bye from irssi");
        await carol.waitForLine(/ ann left #lobby/, WAIT_MS);
        await logLine(dave, "notice", /ann left #lobby/).first().waitFor({ timeout: WAIT_MS });
        await bea.quit("bye from weechat");
        await carol.waitForLine(/ bea left #lobby/, WAIT_MS);
        await logLine(dave, "notice", /bea left #lobby/).first().waitFor({ timeout: WAIT_MS });
      });
      assert.deepEqual(browser.unexpectedProblems(), [], "problems on the page");
    } finally {
      for (const client of clients) await client[Symbol.asyncDispose]();
      await tmux.kill();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: `irssi and WeeChat connect over TLS with the password, as the server password and by SASL${
    WHY_NOT === undefined && OPENSSL !== undefined
      ? ""
      : ` (ignored: ${WHY_NOT ?? "openssl is not installed"})`
  }`,
  ignore: WHY_NOT !== undefined || OPENSSL === undefined,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "chat-irc-clients-tls-" });
    const cert = await readmeCert(dir);
    const passwordFile = join(dir, "password");
    await Deno.writeTextFile(passwordFile, "sesame-42\n");
    await using server = serveIrc(
      ...["--no-web", "--tls-cert", cert.certFile, "--tls-key", cert.keyFile],
      ...["--password-file", passwordFile],
    );
    const ircPort = await bannerPort(server, /^ {2}(?:or IRC: )?ircs:\/\/127\.0\.0\.1:(\d+)$/m);
    const tmux = new Tmux("irc-clients-tls");
    const clients: IrcClient[] = [];
    try {
      let ann!: IrcClient;
      let bea!: IrcClient;
      await step(t, clients, "irssi connects with -tls and the server password", async () => {
        ann = await IrcClient.start(tmux, "irssi", "ann");
        clients.push(ann);
        await ann.connect(ircPort, { caFile: cert.certFile, password: "sesame-42" });
        await ann.join("#lobby");
      });
      await step(t, clients, "WeeChat connects with -tls and SASL PLAIN", async () => {
        bea = await IrcClient.start(tmux, "weechat", "bea");
        clients.push(bea);
        await bea.connect(ircPort, { caFile: cert.certFile, password: "sesame-42", sasl: true });
        await bea.join("#lobby");
      });
      await step(t, clients, "they talk, and neither shows a warning", async () => {
        await ann.enter("hello over TLS");
        await bea.waitForLine(bea.said("ann", "hello over TLS"));
        await bea.enter("hello back over TLS");
        await ann.waitForLine(ann.said("bea", "hello back over TLS"));
        assert.deepEqual(await ann.problems(), [], "irssi");
        assert.deepEqual(await bea.problems(), [], "WeeChat");
        await ann.quit();
        await bea.quit();
      });
    } finally {
      for (const client of clients) await client[Symbol.asyncDispose]();
      await tmux.kill();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** Why the test of operators at irssi and WeeChat cannot run here, or `undefined`. */
const WHY_NOT_OPERATORS = [
  missing("tmux"),
  ...(["irssi", "weechat"] as IrcProgram[]).map(ircClientMissing),
].find((reason) => reason !== undefined);

/** What someone an IRC operator's ban sends away reads after who banned them. */
function later(operator: string): string {
  return `; should ${operator} give a reason, you are told it when you try to come back`;
}

/** What someone banned by `operator` for `reason` is told when they come back. */
function cannotJoin(operator: string, reason: string): string {
  return `Cannot join: ${operator} banned you, until an operator lifts it: ${reason}`;
}

/** The error numerics sent to `nick` among an IRC client's raw lines. */
function errorsTo(lines: readonly string[], nick: string): string[] {
  return lines.filter((line) => new RegExp(` [45]\\d\\d ${nick} `).test(line));
}

/** What `name`, trying to come back to the server on `port`, is told. */
async function comingBack(port: number, name: string): Promise<string> {
  await using back = await TestClient.connect(port);
  await back.send({ type: "hello", version: 2, name });
  return (await back.next("error")).message;
}

Deno.test({
  name: `irssi's and WeeChat's /ban and /kickban fall on whom they name, with the reason${
    WHY_NOT_OPERATORS === undefined ? "" : ` (ignored: ${WHY_NOT_OPERATORS})`
  }`,
  ignore: WHY_NOT_OPERATORS !== undefined,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "chat-irc-clients-ops-" });
    const opFile = join(dir, "ops.txt");
    await Deno.writeTextFile(opFile, "ann ann-secret\nbea bea-secret\n");
    // The people banned are programs that answer no heartbeat: they are not dropped for it.
    await using server = serveIrc("--no-web", "--op-file", opFile, "--heartbeat", "600");
    const port = await server.port();
    const ircPort = await bannerPort(server, /^ {2}(?:or IRC: )?irc:\/\/127\.0\.0\.1:(\d+)$/m);
    // Those banned, and bcdefghij: the last 9 letters of abcdefghij, whom irssi's mask named.
    await using long = await TestClient.join2(port, "abcdefghij");
    await using innocent = await TestClient.join2(port, "bcdefghij");
    await using anna = await TestClient.join2(port, "Annä");
    await using mallory = await TestClient.join2(port, "mallory");
    await using eve = await TestClient.join2(port, "eve");
    const tmux = new Tmux("irc-clients-ops");
    const clients: IrcClient[] = [];
    try {
      let ann!: IrcClient;
      let bea!: IrcClient;
      await step(t, clients, "ann at irssi and bea at WeeChat become operators", async () => {
        ann = await IrcClient.start(tmux, "irssi", "ann");
        clients.push(ann);
        bea = await IrcClient.start(tmux, "weechat", "bea");
        clients.push(bea);
        for (const [client, secret] of [[ann, "ann-secret"], [bea, "bea-secret"]] as const) {
          await client.connect(ircPort);
          await client.join("#lobby");
          await client.enter(`/oper ${client.nick} ${secret}`, secret);
          await client.waitForLog(/You are now an IRC operator/);
        }
        // irssi bans by user and host once it has asked WHO is in the channel.
        await ann.waitForLog(/Join to #lobby was synced/);
      });

      await step(
        t,
        clients,
        "irssi's /ban of a long nick bans that person, not whom its last 9 letters name",
        async () => {
          await ann.view("#lobby");
          await ann.enter("/ban abcdefghij");
          await ann.waitForLine(/ -!- mode\/#lobby \[\+b \*!\*abc\|[0-9a-z]{5}@chat\] by ann$/);
          assert.equal((await long.next("bye")).reason, `You were banned by ann${later("ann")}`);
          await innocent.sync();
          assert.equal(innocent.all("bye").length, 0, "bcdefghij is still here");
        },
      );

      await step(t, clients, "irssi's /ban of a name IRC cannot hold bans her", async () => {
        await ann.enter(`/ban ${nickOf("Annä")}`);
        await ann.waitForLine(/ -!- mode\/#lobby \[\+b \*!\*Ann\|[0-9a-z]{5}@chat\] by ann$/);
        assert.equal((await anna.next("bye")).reason, `You were banned by ann${later("ann")}`);
      });

      await step(
        t,
        clients,
        "irssi's /kickban: mallory goes at once; irssi shows no error, #lobby the reason",
        async () => {
          await ann.enter("/kickban mallory go away");
          assert.equal((await mallory.next("bye")).reason, `You were banned by ann${later("ann")}`);
          await ann.waitForLine(/ann banned mallory: go away$/);
          await bea.waitForLine(/ann banned mallory: go away$/);
          assert.deepEqual(errorsTo(await ann.rawLines(), "ann"), [], "irssi got an error");
          assert.equal(await comingBack(port, "mallory"), cannotJoin("ann", "go away"));
        },
      );

      await step(
        t,
        clients,
        "WeeChat's /kickban: eve goes at once; WeeChat shows no error, #lobby the reason",
        async () => {
          await bea.view("#lobby");
          await bea.enter("/kickban eve not welcome");
          assert.equal((await eve.next("bye")).reason, `You were banned by bea${later("bea")}`);
          // WeeChat sends the KICK 2 s after the MODE.
          await bea.waitForLine(/bea banned eve: not welcome$/);
          await ann.waitForLine(/bea banned eve: not welcome$/);
          assert.equal(await comingBack(port, "eve"), cannotJoin("bea", "not welcome"));
        },
      );

      await step(
        t,
        clients,
        "irssi's /kickban of someone renamed falls on them, not on whoever took their old nick",
        async () => {
          await ann.view("#lobby");
          await using spammer = await TestClient.join2(port, "mole");
          await ann.waitForLine(/ mole \[mole@chat\] has joined #lobby$/);
          await spammer.send({ type: "nick", name: "mule" });
          await ann.waitForLine(/ mole is now known as mule$/);
          await using newcomer = await TestClient.join2(port, "mole");
          await ann.waitForLine(/ mole \[mol\|[0-9a-z]{5}@chat\] has joined #lobby$/);
          // irssi bans the user part it knows mule by, the one mole came with.
          await ann.enter("/kickban mule spamming");
          await ann.waitForLine(/ -!- mode\/#lobby \[\+b \*!\*mole@chat\] by ann$/);
          assert.equal((await spammer.next("bye")).reason, `You were banned by ann${later("ann")}`);
          await ann.waitForLine(/ann banned mule: spamming$/);
          await newcomer.sync();
          assert.equal(newcomer.all("bye").length, 0, "the newcomer called mole is still here");
        },
      );

      await step(
        t,
        clients,
        "irssi's /unban of the mask its /kickban of a long nick made lifts that ban",
        async () => {
          const nick = "verylongnickname";
          {
            await using frank = await TestClient.join2(port, nick);
            await ann.waitForLine(/verylongnickname \[ver\|au0of@chat\] has joined #lobby$/);
            await ann.enter(`/kickban ${nick} go away`);
            assert.equal((await frank.next("bye")).reason, `You were banned by ann${later("ann")}`);
            await ann.waitForLine(/ann banned verylongnickname: go away$/);
          }
          await ann.enter("/unban *!*ver|au0of@chat");
          await ann.waitForLine(/ -!- mode\/#lobby \[-b \*!\*ver\|au0of@chat\] by ann$/);
          await using back = await TestClient.join2(port, nick);
          assert.equal(back.all("error").length, 0, JSON.stringify(back.frames));
        },
      );

      await step(t, clients, "irssi's /names ** lists the channels ann is in", async () => {
        await ann.clear();
        await ann.enter("/names **");
        await ann.waitForLine(/ -!- \[Users #lobby\]$/);
        await ann.waitForLine(/ -!- @ann bcdefghij @bea$/);
      });

      await step(t, clients, "no warning or error on either client's screens", async () => {
        assert.deepEqual(await ann.problems(), [], "irssi");
        assert.deepEqual(await bea.problems(), [], "WeeChat");
      });
    } finally {
      for (const client of clients) await client[Symbol.asyncDispose]();
      await tmux.kill();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
