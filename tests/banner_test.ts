/**
 * The banner `chat serve` prints once it listens, as its reader follows it:
 * every address it gives answers, and the command it gives joins.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { ChatProcess, runChat, SERVE_LOCAL, TASK_ARGS } from "./_chat_process.ts";
import { OPENSSL, selfSignedCert } from "./_fault_helpers.ts";
import { shellQuote } from "./e2e/_tmux.ts";
import { succeeds } from "./_test_utils.ts";

/** Why a network namespace with only loopback cannot be had here, if it cannot. */
const namespaceProblem = await succeeds("unshare", ["--net", "ip", "link", "set", "lo", "up"]) ??
  await succeeds("nsenter", ["--version"]);

Deno.test({
  name: `chat serve on a machine with no network address lists its page on this machine${
    namespaceProblem === undefined ? "" : ` (ignored: no network namespace: ${namespaceProblem})`
  }`,
  ignore: namespaceProblem !== undefined,
  fn: async () => {
    // Only loopback, and up: the machine of someone with no network yet.
    await using server = new ChatProcess(
      ["serve", "--memory", "--port", "0", "--web-port", "0", "--irc-port", "0"],
      { wrap: ["unshare", "--net", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"] },
    );
    await server.waitForStdout(/^Press Ctrl-C to stop\.$/m);
    const lines = server.stdout.split("\n");
    const at = lines.indexOf("No network address found: others cannot reach this machine yet.");
    assert.ok(at >= 0, server.stdout);
    assert.match(lines[at + 1]!, /^On this machine: chat join 127\.0\.0\.1:\d+$/, server.stdout);
    const [, page] = lines[at + 2]!.match(/^ {2}or in a browser: (http:\/\/127\.0\.0\.1:\d+\/)$/) ??
      assert.fail(`no page listed:\n${server.stdout}`);
    assert.match(lines[at + 3]!, /^ {2}or IRC: irc:\/\/127\.0\.0\.1:\d+$/, server.stdout);
    // The page listed answers there, in the server's own namespace: `unshare` ran it in place.
    const { code, stdout, stderr } = await new Deno.Command("nsenter", {
      args: [
        "--target",
        String(server.pid),
        "--net",
        "curl",
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        page!,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    assert.equal(code, 0, decode(stderr));
    assert.equal(decode(stdout), "200");
    const outcome = await server.stop("SIGTERM");
    assert.equal(outcome.code, 0, outcome.stderr);
  },
});

Deno.test({
  name: `chat serve with TLS prints the command that joins it, trusting the --tls-cert given${
    OPENSSL === undefined ? " (ignored: openssl is not installed)" : ""
  }`,
  ignore: OPENSSL === undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "chat-banner-tls-" });
    try {
      // Named as the user named it, relative and with a space, quoted for the shell.
      await Deno.mkdir(join(dir, "my certs"));
      await selfSignedCert(join(dir, "my certs"));
      await using server = new ChatProcess([
        ...SERVE_LOCAL,
        ...["--memory", "--no-web", "--no-irc"],
        ...["--tls-cert", "my certs/cert.pem", "--tls-key", "my certs/key.pem"],
      ], { cwd: dir });
      const [line] = await server.waitForStdout(/^ {2}chat join 127\.0\.0\.1:\d+ .*$/m);
      const [, port] = await server.waitForStdout(/listening on 127\.0\.0\.1:(\d+)$/m);
      assert.equal(line.trim(), `chat join 127.0.0.1:${port} --ca 'my certs/cert.pem'`);
      // The command as printed joins, run where the server was started: --ca is enough.
      const chat = [Deno.execPath(), ...TASK_ARGS].map(shellQuote).join(" ");
      const joined = await runChat(
        ["-c", `${line.trim().replace(/^chat /, `${chat} `)} --name ann`],
        "hello over TLS\n",
        { command: ["sh"], cwd: dir },
      );
      assert.equal(joined.code, 0, joined.stderr);
      assert.match(joined.stdout, /^\[[\d:]+\] ann: hello over TLS$/m);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
