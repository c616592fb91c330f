/**
 * The web transport over real sockets: the HTTP side (page, script, headers,
 * errors) with fetch, and `/ws` with Deno's WebSocket client next to TCP
 * clients in the same hub.
 */

import assert from "node:assert/strict";
import {
  type ClientFrame,
  LOBBY,
  MAX_CLIENT_LINE_BYTES,
  parseServerFrame,
  type ServerFrame,
} from "../protocol.ts";
import { type ChatServer, startServer } from "../server.ts";
import { inlinePolicy, SECURITY_HEADERS } from "../server/transports/web.ts";
import { inlinePage } from "../server/web_assets.ts";
import { type FrameOf, TestClient, within } from "./_test_utils.ts";

const LOOPBACK = "127.0.0.1";
function startWebServer(): Promise<ChatServer> {
  return startServer({ hostname: LOOPBACK, port: 0, webPort: 0 });
}

function httpUrl(server: ChatServer, path: string): string {
  return `http://${LOOPBACK}:${server.webAddr!.port}${path}`;
}

function wsUrl(server: ChatServer): string {
  return `ws://${LOOPBACK}:${server.webAddr!.port}/ws`;
}

/** Fetches `path` and reads the whole body, so nothing is left open. */
async function get(
  server: ChatServer,
  path: string,
  init: RequestInit = {},
): Promise<{ response: Response; body: string }> {
  const response = await fetch(httpUrl(server, path), init);
  return { response, body: await response.text() };
}

function assertSecurityHeaders(
  response: Response,
  headers: Readonly<Record<string, string>> = SECURITY_HEADERS,
): void {
  for (const [name, value] of Object.entries(headers)) {
    assert.equal(response.headers.get(name), value, `header ${name}`);
  }
}

/**
 * Sends `request` on a raw TCP connection and returns the response head: the
 * status line and headers, up to the blank line.
 */
async function rawHead(server: ChatServer, request: string): Promise<string> {
  using conn = await Deno.connect({ hostname: LOOPBACK, port: server.webAddr!.port });
  let bytes = new TextEncoder().encode(request);
  while (bytes.length > 0) bytes = bytes.subarray(await conn.write(bytes));
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(4096);
  let head = "";
  while (!head.includes("\r\n\r\n")) {
    const count = await within(conn.read(buffer), 5_000, "an HTTP response");
    if (count === null) break;
    head += decoder.decode(buffer.subarray(0, count), { stream: true });
  }
  return head.split("\r\n\r\n")[0]!;
}

/** Sends `request` on a raw TCP connection and returns all that comes back until the server closes it. */
async function rawAnswers(server: ChatServer, request: string): Promise<string> {
  using conn = await Deno.connect({ hostname: LOOPBACK, port: server.webAddr!.port });
  let bytes = new TextEncoder().encode(request);
  while (bytes.length > 0) bytes = bytes.subarray(await conn.write(bytes));
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(64 * 1024);
  let text = "";
  while (true) {
    const count = await within(conn.read(buffer), 5_000, "the server to close the connection");
    if (count === null) return text;
    text += decoder.decode(buffer.subarray(0, count), { stream: true });
  }
}

function upgradeRequest(server: ChatServer, origin: string | undefined): string {
  const host = `${LOOPBACK}:${server.webAddr!.port}`;
  return [
    "GET /ws HTTP/1.1",
    `Host: ${host}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    ...(origin === undefined ? [] : [`Origin: ${origin}`]),
    "",
    "",
  ].join("\r\n");
}

/**
 * A browser-like client on `/ws`: records every message, checks that each is
 * one server frame, and lets tests wait for a frame.
 */
class WsClient implements AsyncDisposable {
  readonly socket: WebSocket;
  /** Every frame received so far, in order. */
  readonly frames: ServerFrame[] = [];
  /** Messages that were not one valid server frame as JSON text. */
  readonly garbage: unknown[] = [];
  /** Resolves `true` once open, or `false` if the socket closed before that. */
  readonly opened: Promise<boolean>;
  readonly #closed: Promise<CloseEvent>;
  #cursor = 0;
  #waiters: (() => void)[] = [];
  #ended = false;

  constructor(socket: WebSocket) {
    this.socket = socket;
    let resolveOpened: (opened: boolean) => void = () => {};
    this.opened = new Promise((resolve) => resolveOpened = resolve);
    socket.onopen = () => resolveOpened(true);
    this.#closed = new Promise((resolve) => {
      socket.onclose = (event) => {
        this.#ended = true;
        this.#wake();
        resolveOpened(false); // no effect once open
        resolve(event);
      };
    });
    socket.onerror = () => {};
    socket.onmessage = (event: MessageEvent) => {
      const data: unknown = event.data;
      let frame: ServerFrame | undefined;
      if (typeof data === "string" && !data.includes("\n")) {
        try {
          const checked = parseServerFrame(JSON.parse(data));
          if (checked.ok) frame = checked.value;
        } catch {
          // Recorded as garbage below.
        }
      }
      if (frame === undefined) this.garbage.push(data);
      else this.frames.push(frame);
      this.#wake();
    };
  }

  /** Opens a WebSocket to `server`, with extra request headers, and waits until it is open. */
  static async connect(server: ChatServer, headers?: Record<string, string>): Promise<WsClient> {
    const client = new WsClient(
      headers === undefined
        ? new WebSocket(wsUrl(server))
        : new WebSocket(wsUrl(server), { headers }),
    );
    if (!await within(client.opened, 5_000, "the WebSocket to open")) {
      throw new Error("WebSocket closed before it opened");
    }
    return client;
  }

  /** Connects and says hello as `name`, waiting for the welcome and room frames. */
  static async join(server: ChatServer, name: string): Promise<WsClient> {
    const client = await WsClient.connect(server);
    client.send({ type: "hello", version: 1, name });
    await client.next("welcome");
    await client.next("room");
    return client;
  }

  /** True once the socket has closed. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Sends one frame as one text message. */
  send(frame: ClientFrame): void {
    this.socket.send(JSON.stringify(frame));
  }

  /** Resolves with the next frame of `type` (matching `where`) after those already consumed. */
  async next<T extends ServerFrame["type"]>(
    type: T,
    where: (frame: FrameOf<T>) => boolean = () => true,
    ms = 5_000,
  ): Promise<FrameOf<T>> {
    let expired = false;
    try {
      return await within(
        (async () => {
          while (!expired) {
            while (this.#cursor < this.frames.length) {
              const frame = this.frames[this.#cursor++]!;
              if (frame.type === type && where(frame as FrameOf<T>)) return frame as FrameOf<T>;
            }
            if (this.#ended) throw new Error(`WebSocket closed before a "${type}" frame`);
            await new Promise<void>((resolve) => this.#waiters.push(resolve));
          }
          throw new Error("Search abandoned");
        })(),
        ms,
        `a "${type}" frame`,
      );
    } finally {
      expired = true;
    }
  }

  /** Sends a ping and waits for its pong: every earlier message has been handled. */
  async sync(): Promise<void> {
    const token = crypto.randomUUID();
    this.send({ type: "ping", token });
    await this.next("pong", (frame) => frame.token === token);
  }

  /** Frames of `type` received so far, consumed or not. */
  all<T extends ServerFrame["type"]>(type: T): FrameOf<T>[] {
    return this.frames.filter((frame) => frame.type === type) as FrameOf<T>[];
  }

  /** Resolves with the close event once the socket has closed. */
  closed(ms = 5_000): Promise<CloseEvent> {
    return within(this.#closed, ms, "the WebSocket to close");
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.socket.readyState !== WebSocket.CLOSED) this.socket.close();
    await this.#closed;
  }
}

Deno.test("startServer() serves the web page with its security headers", async (t) => {
  await using server = await startWebServer();
  const read = (path: string) => Deno.readTextFile(new URL(`../web/${path}`, import.meta.url));
  const { html: page, inline } = inlinePage(
    await read("index.html"),
    await read("style.css"),
    await read("build/app.js"),
  );
  const pageHeaders = inlinePolicy(SECURITY_HEADERS, inline);

  await t.step("/ is the page, as HTML, with its style sheet and script inline", async () => {
    const { response, body } = await get(server, "/");
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
    assertSecurityHeaders(response, pageHeaders);
    assert.equal(body, page);
    assert.equal((await get(server, "/?room=dev")).body, page);
    assert.equal((await get(server, "/index.html")).body, page);
  });

  /** The directives of a policy, by name. */
  const directives = (policy: string) =>
    new Map(
      policy.split(";").map((part) => {
        const [name, ...values] = part.trim().split(/\s+/);
        return [name!, values];
      }),
    );
  /** The inline blocks of the page, `<script>` or `<style>`: their text. */
  const blocks = (tag: string) =>
    [...page.matchAll(new RegExp(`<${tag}\\b([^>]*)>([^]*?)</${tag}>`, "g"))].map((match) => ({
      attributes: match[1]!,
      text: match[2]!,
    }));
  const sha256 = async (text: string) =>
    `'sha256-${
      btoa(String.fromCharCode(
        ...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))),
      ))
    }'`;

  await t.step("the policy allows only this origin's files, and nothing inline", () => {
    const policy = directives(SECURITY_HEADERS["content-security-policy"]!);
    assert.deepEqual(policy.get("default-src"), ["'none'"]);
    assert.deepEqual(policy.get("script-src"), ["'self'"]);
    assert.deepEqual(policy.get("style-src"), ["'self'"]);
    assert.deepEqual(policy.get("connect-src"), ["'self'"]);
    assert.deepEqual(policy.get("frame-ancestors"), ["'none'"]);
    assert.deepEqual(policy.get("base-uri"), ["'none'"]);
    for (const values of policy.values()) {
      for (const value of values) {
        assert.ok(!/unsafe|^https?:|^\*$|^ws/.test(value), `policy allows ${value}`);
      }
    }
    assert.equal(SECURITY_HEADERS["x-content-type-options"], "nosniff");
    assert.equal(SECURITY_HEADERS["x-frame-options"], "DENY");
    assert.equal(SECURITY_HEADERS["referrer-policy"], "no-referrer");
  });

  await t.step(
    "the page's policy allows its inline script and style sheet, and no other",
    async () => {
      const policy = directives(pageHeaders["content-security-policy"]!);
      const [script, ...moreScripts] = blocks("script");
      const [style, ...moreStyles] = blocks("style");
      assert.deepEqual([moreScripts, moreStyles], [[], []]);
      assert.equal(script?.attributes, ' type="module"');
      assert.equal(script.text, await read("build/app.js"));
      assert.equal(style?.text, await read("style.css"));
      assert.deepEqual(policy.get("script-src"), [await sha256(script.text)]);
      assert.deepEqual(policy.get("style-src"), [await sha256(style.text)]);
      // The rest is the policy of every answer.
      const usual = directives(SECURITY_HEADERS["content-security-policy"]!);
      usual.delete("script-src");
      usual.delete("style-src");
      policy.delete("script-src");
      policy.delete("style-src");
      assert.deepEqual(policy, usual);
    },
  );

  await t.step("the page needs nothing the policy forbids", () => {
    // What is not inside the two blocks: the markup.
    const markup = page.replace(/(<(script|style)\b[^>]*>)[^]*?(<\/\2>)/g, "$1$3");
    assert.doesNotMatch(markup, /<script\b[^>]*\ssrc=/i, "a script from elsewhere");
    assert.doesNotMatch(markup, /<link\b[^>]*stylesheet/i, "a style sheet from elsewhere");
    assert.doesNotMatch(markup, /\sstyle\s*=/i, "a style attribute");
    assert.doesNotMatch(markup, /\son[a-z]+\s*=/i, "an inline event handler");
    assert.doesNotMatch(markup, /(?:src|href)="(?:https?:)?\/\//i, "a remote resource");
  });

  await t.step("the stylesheet is CSS", async () => {
    const { response, body } = await get(server, "/web/style.css");
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/css; charset=utf-8");
    assertSecurityHeaders(response);
    assert.equal(body, await Deno.readTextFile(new URL("../web/style.css", import.meta.url)));
  });

  await t.step(
    "each file has a tag; asked again with it, the answer is 304, with no body",
    async () => {
      const tags = new Set<string>();
      for (const path of ["/", "/web/app.js", "/web/style.css", "/favicon.svg"]) {
        const first = await get(server, path);
        const etag = first.response.headers.get("etag");
        assert.match(etag ?? "", /^"[\w-]{22}"$/, path);
        assert.equal(first.response.headers.get("cache-control"), "no-cache", path);
        tags.add(etag!);
        for (const asked of [etag!, `W/${etag}`, `"other", ${etag}`, "*"]) {
          const again = await get(server, path, { headers: { "if-none-match": asked } });
          assert.equal(again.response.status, 304, `${path} asked with ${asked}`);
          assert.equal(again.response.headers.get("etag"), etag, path);
          assertSecurityHeaders(again.response, path === "/" ? pageHeaders : SECURITY_HEADERS);
          assert.equal(again.body, "", path);
        }
        const other = await get(server, path, { headers: { "if-none-match": '"other"' } });
        assert.equal(other.response.status, 200, path);
        assert.equal(other.body, first.body, path);
      }
      // The page's two addresses are one file; the rest differ.
      assert.equal(tags.size, 4);
      assert.equal(
        (await get(server, "/index.html")).response.headers.get("etag"),
        (await get(server, "/")).response.headers.get("etag"),
      );
    },
  );

  await t.step(
    "HEAD answers with the headers of GET, Content-Length included, and no body",
    async () => {
      const { response, body } = await get(server, "/", { method: "HEAD" });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
      assert.equal(
        response.headers.get("content-length"),
        String(new TextEncoder().encode(page).length),
      );
      assert.equal(body, "");
      // On one connection, the next answer follows the head at once: no body came between.
      const host = `Host: ${LOOPBACK}:${server.webAddr!.port}`;
      const answers = await rawAnswers(
        server,
        `HEAD / HTTP/1.1\r\n${host}\r\n\r\nHEAD /nope HTTP/1.1\r\n${host}\r\nConnection: close\r\n\r\n`,
      );
      assert.match(answers, /^HTTP\/1\.1 200 [^]*?\r\n\r\nHTTP\/1\.1 404 [^]*?\r\n\r\n$/);
    },
  );

  await t.step("an unknown path is 404, with the same headers", async () => {
    for (
      const path of ["/nope", "/server.ts", "/deno.json", "/web/app", "/web/", "/%2e%2e/deno.json"]
    ) {
      const { response } = await get(server, path);
      assert.equal(response.status, 404, path);
      assertSecurityHeaders(response);
    }
  });

  await t.step("any method but GET and HEAD is 405, saying which it allows", async () => {
    for (const method of ["POST", "PUT", "DELETE"]) {
      const { response } = await get(server, "/", { method, body: "x" });
      assert.equal(response.status, 405, method);
      // RFC 9110, 15.5.6: a 405 must say the methods the resource has.
      assert.equal(response.headers.get("allow"), "GET, HEAD", method);
      assertSecurityHeaders(response);
    }
    // CONNECT (a proxy's method) too, though the HTTP parser hands it over apart.
    const host = `${LOOPBACK}:${server.webAddr!.port}`;
    const answer = await rawAnswers(server, `CONNECT ${host} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    assert.match(answer, /\r\nallow: GET, HEAD\r\n/i);
  });

  await t.step("/ws without an upgrade is 426, naming the protocol to upgrade to", async () => {
    const { response } = await get(server, "/ws");
    assert.equal(response.status, 426);
    // RFC 9110, 15.5.22: a 426 must say in Upgrade which protocol the resource needs.
    assert.equal(response.headers.get("upgrade"), "websocket");
    assert.match(response.headers.get("connection") ?? "", /\bupgrade\b/i);
    assertSecurityHeaders(response);
  });
});

/** A static `import … from "x"`, `export … from "x"` or `import "x"`, with its specifier. */
Deno.test("startServer() serves the page's script: web/app.ts and its imports in one module", async (t) => {
  await using server = await startWebServer();
  const bundle = await Deno.readTextFile(new URL("../web/build/app.js", import.meta.url));

  await t.step("the page holds one script, the bundle, also served as JavaScript", async () => {
    const page = (await get(server, "/")).body;
    const scripts = [...page.matchAll(/<script\b([^>]*)>([^]*?)<\/script>/g)];
    assert.deepEqual(scripts.map((m) => [m[1], m[2]]), [[' type="module"', bundle]]);
    const { response, body } = await get(server, "/web/app.js");
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/javascript; charset=utf-8");
    assertSecurityHeaders(response);
    assert.equal(body, bundle);
  });

  await t.step("it imports nothing, and parses and links as a module", async () => {
    assert.doesNotMatch(bundle, /^\s*(?:import|export)\b[^;]*?["'][^"']+["']/m);
    assert.doesNotMatch(bundle, /\bimport\(/);
    const root = await Deno.makeTempDir({ prefix: "chat-web-" });
    try {
      await Deno.writeTextFile(`${root}/app.js`, bundle);
      // The first import throws, so the bundle is parsed and linked, and does not run.
      await Deno.writeTextFile(`${root}/_stop.js`, 'throw new Error("linked");\n');
      await Deno.writeTextFile(`${root}/_link.js`, 'import "./_stop.js";\nimport "./app.js";\n');
      await assert.rejects(() => import(`file://${root}/_link.js`), { message: "linked" });
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });

  await t.step("the sources it is made of are not served", async () => {
    for (const path of ["/web/app.ts", "/core/names.ts", "/protocol.ts", "/web/build/app.js"]) {
      assert.equal((await get(server, path)).response.status, 404, path);
    }
  });
});

Deno.test("startServer() joins WebSocket and TCP users in one room", async (t) => {
  await using server = await startWebServer();
  const port = server.addr.port;
  await using alice = await TestClient.join(port, "alice");
  await using bob = await TestClient.join(port, "bob");
  await using wendy = await WsClient.connect(server);

  await t.step("hello over WebSocket gets welcome and room", async () => {
    wendy.send({ type: "hello", version: 1, name: "wendy" });
    const { resume, files, ...welcome } = await wendy.next("welcome");
    assert.match(resume ?? "", /^[0-9a-f-]{36}$/);
    assert.deepEqual(welcome, {
      type: "welcome",
      version: 1,
      server: "chat",
      name: "wendy",
      heartbeat: 30,
    });
    // The web port takes files: the welcome says where, with this connection's token.
    assert.equal(files?.port, server.webAddr!.port);
    assert.match(files?.token ?? "", /^[A-Za-z0-9_-]{32}$/);
    assert.deepEqual(await wendy.next("room"), {
      type: "room",
      room: LOBBY,
      members: ["alice", "bob", "wendy"],
      count: 3,
    });
    assert.equal((await alice.next("joined", (frame) => frame.name !== "bob")).name, "wendy");
  });

  await t.step("a taken name is refused and the socket stays open", async () => {
    await using other = await WsClient.connect(server);
    other.send({ type: "hello", version: 1, name: "Alice" });
    assert.equal((await other.next("error")).code, "name_taken");
    await other.sync();
    assert.equal(other.ended, false);
  });

  await t.step("a WebSocket message reaches TCP users", async () => {
    wendy.send({ type: "say", text: "hi from the browser" });
    const message = await alice.next("message");
    assert.equal(message.from, "wendy");
    assert.equal(message.text, "hi from the browser");
    assert.deepEqual(await wendy.next("message"), message);
  });

  await t.step("a TCP message reaches WebSocket users", async () => {
    await alice.say("hi wendy \x1b[2J");
    const message = await wendy.next("message");
    assert.equal(message.from, "alice");
    assert.equal(message.text, "hi wendy");
  });

  await t.step("private messages and commands work both ways", async () => {
    wendy.send({ type: "say", text: "/msg alice psst" });
    assert.equal((await alice.next("private")).text, "psst");
    await alice.send({ type: "msg", to: "wendy", text: "yes?" });
    const reply = await wendy.next("private", (frame) => frame.from === "alice");
    assert.equal(reply.text, "yes?");
    wendy.send({ type: "who" });
    assert.deepEqual((await wendy.next("who")).members, ["alice", "bob", "wendy"]);
  });

  await t.step("rooms separate WebSocket users from TCP users", async () => {
    wendy.send({ type: "join", room: "#dev" });
    await wendy.next("room", (frame) => frame.room === "#dev");
    assert.equal((await alice.next("left")).reason, "went to #dev");
    await alice.say("lobby only");
    await alice.next("message", (frame) => frame.text === "lobby only");
    await wendy.sync();
    assert.ok(!wendy.all("message").some((frame) => frame.text === "lobby only"));
    await bob.send({ type: "join", room: "dev" });
    await bob.next("room", (frame) => frame.room === "#dev");
    wendy.send({ type: "say", text: "dev talk" });
    assert.equal((await bob.next("message")).text, "dev talk");
  });

  await t.step("every message was exactly one JSON frame", () => {
    assert.deepEqual(wendy.garbage, []);
  });

  await t.step("closing the socket is a closed connection", async () => {
    wendy.socket.close();
    await wendy.closed();
    const left = await bob.next("left", (frame) => frame.name === "wendy");
    assert.equal(left.reason, "connection closed");
    await alice.sync();
    assert.equal(server.hub.size, 2);
  });
});

Deno.test("startServer() tells in who a program on the WebSocket from the page", async () => {
  await using server = await startWebServer();
  await using program = await WsClient.connect(server);
  program.send({ type: "hello", version: 2, name: "bot" });
  await program.next("welcome");
  await using page = await WsClient.connect(server);
  page.send({ type: "hello", version: 2, name: "ann", client: "web" });
  await page.next("welcome");
  await using json = await TestClient.join2(server.addr.port, "joe");
  await json.send({ type: "who" });
  const clients = (await json.next("who")).people?.map(({ name, client }) => [name, client]);
  assert.deepEqual(clients, [["ann", "web"], ["bot", "websocket"], ["joe", "json"]]);
});

Deno.test("startServer() refuses a cross-origin WebSocket with 403", async (t) => {
  await using server = await startWebServer();
  const host = `${LOOPBACK}:${server.webAddr!.port}`;

  await t.step("a WebSocket with another site's origin never opens", async () => {
    for (const origin of ["http://evil.example", `http://${LOOPBACK}:1`, "null"]) {
      await using socket = new WsClient(new WebSocket(wsUrl(server), { headers: { origin } }));
      assert.equal(await within(socket.opened), false, origin);
    }
    assert.equal(server.hub.size, 0);
  });

  await t.step("the upgrade is answered 403", async () => {
    const head = await rawHead(server, upgradeRequest(server, "http://evil.example"));
    assert.match(head, /^HTTP\/1\.1 403 /);
    assert.match(head, /\r\ncontent-security-policy: default-src 'none'/i);
  });

  await t.step("the page's own origin, or none, is let in", async () => {
    assert.match(
      await rawHead(server, upgradeRequest(server, `http://${host}`)),
      /^HTTP\/1\.1 101 /,
    );
    assert.match(await rawHead(server, upgradeRequest(server, undefined)), /^HTTP\/1\.1 101 /);
    await using same = await WsClient.connect(server, { origin: `http://${host}` });
    same.send({ type: "hello", version: 1, name: "sam" });
    assert.equal((await same.next("welcome")).name, "sam");
  });
});

Deno.test("startServer() answers bad WebSocket messages and closes after ten", async (t) => {
  await using server = await startWebServer();
  await using alice = await TestClient.join(server.addr.port, "alice");
  await using wendy = await WsClient.join(server, "wendy");
  await alice.next("joined");
  const errorFor = async (data: string | Uint8Array) => {
    wendy.socket.send(data);
    return await wendy.next("error");
  };

  await t.step("a binary message is bad_frame", async () => {
    const error = await errorFor(new TextEncoder().encode('{"type":"say","text":"hi"}'));
    assert.equal(error.code, "bad_frame");
    assert.match(error.message, /binary/);
  });

  await t.step("invalid JSON is bad_frame", async () => {
    assert.equal((await errorFor("not json")).code, "bad_frame");
    assert.equal((await errorFor('{"type":"say","text":"hi"}\n{"type":"who"}')).code, "bad_frame");
  });

  await t.step("an unknown type is unknown_type", async () => {
    assert.equal((await errorFor('{"type":"dance"}')).code, "unknown_type");
  });

  await t.step("a message of 16384 bytes is line_too_long, one byte less is read", async () => {
    const frame = (bytes: number, fill: string) => {
      const head = '{"type":"say","text":"';
      const tail = '"}';
      const pad = bytes - head.length - tail.length;
      return head + fill.repeat(pad / new TextEncoder().encode(fill).length) + tail;
    };
    const tooLong = await errorFor(frame(MAX_CLIENT_LINE_BYTES, "x"));
    assert.equal(tooLong.code, "line_too_long");
    // The limit is in bytes: 2-byte characters reach it at half the length.
    assert.equal((await errorFor(frame(MAX_CLIENT_LINE_BYTES, "é"))).code, "line_too_long");
    assert.equal((await errorFor(frame(MAX_CLIENT_LINE_BYTES - 1, "x"))).code, "text_invalid");
  });

  await t.step("good frames still work between bad ones", async () => {
    wendy.send({ type: "say", text: "still here" });
    assert.equal((await alice.next("message")).text, "still here");
  });

  await t.step("the tenth strike says why, says bye and closes", async () => {
    // Six strikes so far (text_invalid is not one).
    for (let strike = 7; strike <= 10; strike++) wendy.socket.send(`{bad ${strike}`);
    const closed = await wendy.closed();
    const tail = wendy.frames.slice(-3);
    assert.deepEqual(tail.map((frame) => frame.type), ["error", "error", "bye"]);
    assert.deepEqual(tail.slice(1), [
      { type: "error", code: "too_many_errors", message: "Too many bad frames" },
      { type: "bye", reason: "Too many bad frames" },
    ]);
    // Ten strikes, one text_invalid, one too_many_errors.
    assert.equal(wendy.all("error").length, 12);
    assert.equal(closed.code, 1000);
    const left = await alice.next("left");
    assert.equal(left.name, "wendy");
    assert.equal(left.reason, "too many bad frames");
    await alice.sync();
    assert.equal(server.hub.size, 1);
  });
});

Deno.test("startServer() says bye to WebSocket users on /quit and on shutdown", async (t) => {
  await using server = await startWebServer();
  await using alice = await TestClient.join(server.addr.port, "alice");

  await t.step("/quit says goodbye and closes", async () => {
    await using wendy = await WsClient.join(server, "wendy");
    wendy.send({ type: "say", text: "/quit lunch" });
    await wendy.closed();
    assert.deepEqual(wendy.frames.at(-1), { type: "bye", reason: "Goodbye" });
    const left = await alice.next("left");
    assert.equal(left.reason, "quit: lunch");
  });

  await t.step("shutdown says bye to every WebSocket and closes them", async () => {
    await using wendy = await WsClient.join(server, "wendy");
    await using nameless = await WsClient.connect(server);
    await nameless.sync();
    await server.close("Back soon");
    for (const client of [wendy, nameless]) {
      const event = await client.closed();
      assert.equal(event.code, 1000);
      assert.deepEqual(client.frames.at(-1), { type: "bye", reason: "Back soon", retry: true });
    }
    await alice.closed();
    assert.deepEqual(alice.frames.at(-1), { type: "bye", reason: "Back soon", retry: true });
  });

  await t.step("the web port is closed afterwards", async () => {
    await assert.rejects(() =>
      Deno.connect({ hostname: LOOPBACK, port: server.webAddr!.port }).then((conn) => conn.close())
    );
  });
});

Deno.test("startServer() serves no web client unless asked", async () => {
  await using server = await startServer({ hostname: LOOPBACK, port: 0 });
  assert.equal(server.webAddr, undefined);
});
