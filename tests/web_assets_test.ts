/**
 * The page's script is embedded as one module that `deno task bundle` makes
 * from web/app.ts and everything it imports (web/build/app.js). Committed, it
 * must be what the sources make now: a change to web/, core/ or protocol/
 * that is not bundled would leave the page running the code of before.
 */

import assert from "node:assert/strict";
import { SCRIPT_PATH, webAssets } from "../server/web_assets.ts";

const ROOT = new URL("../", import.meta.url);

/** The arguments of `deno task bundle`, writing to `output` instead. */
async function bundleArgs(output: string): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const [deno, ...args] = String(config.tasks.bundle).split(/\s+/);
  assert.equal(deno, "deno");
  const at = args.indexOf("--output");
  assert.equal(args[at + 1], "web/build/app.js", "deno task bundle writes web/build/app.js");
  args[at + 1] = output;
  return args;
}

Deno.test("web/build/app.js is what deno task bundle makes of the sources as they are", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-bundle-" });
  try {
    const output = `${dir}/app.js`;
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: await bundleArgs(output),
      cwd: ROOT,
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    const fresh = await Deno.readTextFile(output);
    const committed = await Deno.readTextFile(new URL("web/build/app.js", ROOT));
    assert.ok(
      fresh === committed,
      "web/build/app.js is not made from the sources as they are: run `deno task bundle`",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("webAssets() serves the bundle where index.html loads its script", async () => {
  const assets = webAssets();
  const page = assets.get("/")!.body as string;
  assert.ok(page.includes(`<script type="module" src="${SCRIPT_PATH}"></script>`), page);
  const script = assets.get(SCRIPT_PATH);
  assert.equal(script?.type, "text/javascript; charset=utf-8");
  assert.equal(script.body, await Deno.readTextFile(new URL("web/build/app.js", ROOT)));
});
