/**
 * The compiled binary: built with the compile task into a temporary folder,
 * then run as a user would. Where `deno compile` cannot fetch its runtime the
 * round trip is reported as ignored, with the reason in its name.
 */

import assert from "node:assert/strict";
import config from "../deno.json" with { type: "json" };
import { runtimeFlags } from "../tools/compile.ts";
import { TestClient, within } from "./_test_utils.ts";

const outDir = await Deno.makeTempDir({ prefix: "chat-compile-" });
const build = await new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    new URL("../tools/compile.ts", import.meta.url).pathname,
    "--out-dir",
    outDir,
  ],
  stdout: "piped",
  stderr: "piped",
  env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
}).output();
// The built binary is removed when this test module ends.
globalThis.addEventListener("unload", () => Deno.removeSync(outDir, { recursive: true }));
const buildError = new TextDecoder().decode(build.stderr).trim();
const binary = `${outDir}/chat${Deno.build.os === "windows" ? ".exe" : ""}`;
const runtimeMissing = !build.success && buildError.includes("could not download its runtime");

Deno.test("compile task grants the same permissions and V8 flags as the chat task", () => {
  const flags = runtimeFlags();
  assert.ok(flags.includes("--allow-net"));
  assert.ok(flags.some((flag) => flag.startsWith("--v8-flags=")), flags.join(" "));
  const task: string[] = config.tasks.chat.split(/\s+/);
  assert.deepEqual(
    flags,
    task.filter((word) => word.startsWith("--allow-") || word.startsWith("--v8-flags=")),
  );
  assert.ok(!flags.includes("--allow-all") && !flags.includes("-A"));
});

Deno.test("compile task fails with one clear line when it cannot build", {
  ignore: build.success,
}, () => {
  assert.equal(build.code, 1);
  assert.equal(buildError.split("\n").length, 1, buildError);
  assert.match(buildError, /^compile: cannot build for /);
});

Deno.test({
  name: runtimeMissing
    ? "compiled binary runs serve and join (skipped: deno compile cannot download its runtime here)"
    : "compiled binary runs serve and join",
  ignore: !build.success,
  async fn() {
    const version = await new Deno.Command(binary, { args: ["--version"] }).output();
    assert.equal(new TextDecoder().decode(version.stdout).trim(), `chat ${config.version}`);
    const server = new Deno.Command(binary, {
      args: ["serve", "--host", "127.0.0.1", "--port", "0"],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const lines = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
    try {
      let banner = "";
      const port = await within((async () => {
        while (true) {
          const { value, done } = await lines.read();
          if (done) throw new Error(`Server exited early: ${banner}`);
          banner += value;
          const match = /chat join 127\.0\.0\.1:(\d+)/.exec(banner);
          if (match) return Number(match[1]);
        }
      })());
      await using watcher = await TestClient.join(port, "watcher");
      const join = new Deno.Command(binary, {
        args: ["join", `127.0.0.1:${port}`, "--name", "bot"],
        stdin: "piped",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const writer = join.stdin.getWriter();
      await writer.write(new TextEncoder().encode("built and shipped\n"));
      await writer.close();
      const joined = await join.output();
      assert.equal(joined.code, 0, new TextDecoder().decode(joined.stderr));
      const message = await watcher.next("message", (frame) => frame.from === "bot");
      assert.equal(message.text, "built and shipped");
    } finally {
      server.kill("SIGTERM");
      await lines.cancel();
      await server.status;
    }
  },
});
