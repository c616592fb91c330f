/**
 * The page's script is embedded as one module that `deno task bundle` makes
 * from web/app.ts and everything it imports (web/build/app.js). Committed, it
 * must be what the sources make now: a change to web/, core/ or protocol/
 * that is not bundled would leave the page running the code of before. The
 * page is served with the bundle and the style sheet inline.
 */

import assert from "node:assert/strict";
import {
  hashSource,
  inlinePage,
  SCRIPT_PATH,
  STYLE_PATH,
  webAssets,
} from "../server/web_assets.ts";

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

Deno.test("webAssets() serves the page with the bundle and the style sheet inline", async () => {
  const assets = webAssets();
  const bundle = await Deno.readTextFile(new URL("web/build/app.js", ROOT));
  const css = await Deno.readTextFile(new URL("web/style.css", ROOT));
  const source = await Deno.readTextFile(new URL("web/index.html", ROOT));
  // index.html names them where they go; the page served holds them there instead.
  assert.ok(source.includes(`<script type="module" src="${SCRIPT_PATH}"></script>`), source);
  assert.ok(source.includes(`<link rel="stylesheet" href="${STYLE_PATH}">`), source);
  const page = assets.get("/")!;
  assert.equal(
    page.body,
    source
      .replace(
        `<script type="module" src="${SCRIPT_PATH}"></script>`,
        () => `<script type="module">${bundle}</script>`,
      )
      .replace(`<link rel="stylesheet" href="${STYLE_PATH}">`, () => `<style>${css}</style>`),
  );
  assert.deepEqual(page.inline, {
    scripts: [hashSource(bundle)],
    styles: [hashSource(css)],
  });
  assert.equal(assets.get("/index.html"), page);
  // Served alone too, where index.html names them.
  const script = assets.get(SCRIPT_PATH);
  assert.equal(script?.type, "text/javascript; charset=utf-8");
  assert.equal(script.body, bundle);
  assert.equal(assets.get(STYLE_PATH)?.body, css);
});

Deno.test("inlinePage() refuses what would break the page", () => {
  const html = `<link rel="stylesheet" href="${STYLE_PATH}">` +
    `<script type="module" src="${SCRIPT_PATH}"></script>`;
  assert.equal(
    inlinePage(html, "a {}\r\n", "x = '$&';\r\n").html,
    "<style>a {}\n</style><script type=\"module\">x = '$&';\n</script>",
  );
  assert.throws(() => inlinePage(html, "a {}", 'x = "</SCRIPT>";'), /holds <\/script/);
  assert.throws(() => inlinePage(html, "a {}", 'x = "<!--";'), /holds <\/script or <!--/);
  assert.throws(() => inlinePage(html, "a { content: '</style>' }", ""), /holds <\/style/);
  assert.throws(() => inlinePage("<p>", "", ""), /index\.html must hold/);
  assert.throws(() => inlinePage(html + html, "", ""), /index\.html must hold/);
});
