/**
 * A full disk: `chat serve` with a small tmpfs mounted on its data directory,
 * in a private mount namespace of the server alone. A message it cannot store
 * is refused with its own error code, and nobody sees it.
 */

import assert from "node:assert/strict";
import { encodeFrame } from "../protocol.ts";
import { serveData as serve } from "./_chat_process.ts";
import { assertUnheard, framesSince, succeeds, TestClient } from "./_test_utils.ts";

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** `unshare --mount` with a tmpfs of `size` on the directory `$1`, then runs the rest. */
function smallDisk(dir: string, size: string): string[] {
  return [
    "unshare",
    "--mount",
    "sh",
    "-c",
    `mount -t tmpfs -o size=${size} tmpfs "$1" && shift && exec "$@"`,
    "sh",
    dir,
  ];
}

const tmpfsProblem = await (async () => {
  const probe = await Deno.makeTempDir({ prefix: "chat_history_full_disk_probe_" });
  try {
    const [program, ...args] = [...smallDisk(probe, "64k"), "sh", "-c", 'touch "$0/x"', probe];
    const problem = await succeeds(program!, args);
    // The mount was private to the child: nothing was written here.
    if (problem === undefined && await exists(`${probe}/x`)) return "the mount was not private";
    return problem;
  } finally {
    await Deno.remove(probe, { recursive: true });
  }
})();

Deno.test({
  name: `chat serve refuses a message it cannot store on a full disk with not_stored${
    tmpfsProblem === undefined ? "" : ` (ignored: a tmpfs mount fails: ${tmpfsProblem})`
  }`,
  ignore: tmpfsProblem !== undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "chat_history_full_disk_test_" });
    await using _removed = { [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
    await using server = serve(dir, { wrap: smallDisk(dir, "256k") });
    const port = await server.port();
    await using ann = await TestClient.join(port, "ann");
    await using bob = await TestClient.join(port, "bob");
    // Big messages fill the disk within a few dozen.
    const big = (n: number) => `${n} ${"x".repeat(3_500)}`;
    let n = 0;
    let refusal;
    while (refusal === undefined && n < 500) {
      const mark = ann.frames.length;
      await ann.say(big(++n));
      const answers = (await framesSince(ann, mark)).filter((frame) =>
        frame.type === "message" || frame.type === "error"
      );
      refusal = answers.find((frame) => frame.type === "error");
      if (refusal === undefined) {
        assert.deepEqual(answers.map((frame) => frame.type === "message" && frame.text), [big(n)]);
      }
    }
    assert.ok(refusal !== undefined, `${n} messages were all stored`);
    assert.ok(n > 1, "the disk took some messages first");
    assert.deepEqual(refusal, {
      type: "error",
      code: "not_stored",
      message:
        "Cannot send message: the server could not store it (is its disk full?); try again later",
    });
    // Nobody saw the refused message, and its sender may go on.
    await bob.sync();
    assert.deepEqual(
      bob.all("message").map((frame) => frame.text),
      Array.from({ length: n - 1 }, (_, i) => big(i + 1)),
    );
    await assertUnheard([bob], async () => {
      await ann.say("still full");
      assert.equal((await ann.next("error")).code, "not_stored");
    });
    // Many more refused: the log tells of the first alone, and counts the rest in one line.
    const mark = ann.frames.length;
    await ann.write(
      Array.from({ length: 100 }, (_, i) => encodeFrame({ type: "say", text: big(n + i + 1) }))
        .join(""),
    );
    await ann.sync();
    assert.equal(
      ann.frames.slice(mark).filter((frame) => frame.type === "error").length,
      100,
      "every one refused",
    );
    await ann.send({ type: "who" });
    assert.deepEqual((await ann.next("who")).members, ["ann", "bob"]);
    const outcome = await server.stop("SIGTERM");
    assert.equal(outcome.code, 0, outcome.stderr);
    const refusals = outcome.stdout.split("\n").filter((line) =>
      /Cannot store a message|not stored/.test(line)
    );
    // The count of the rest is logged a few seconds after the first, or at the latest on stopping.
    assert.equal(refusals.length, 2, refusals.join("\n"));
    assert.match(refusals[0]!, /\] Cannot store a message: /);
    assert.match(refusals[1]!, /\] 101 more messages not stored in the last \d+ s: same reason$/);
  },
});
