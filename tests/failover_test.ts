/**
 * Where a client goes back to when its server goes away (core/backoff.ts),
 * how the addresses a `welcome` names are read (core/address.ts), and the
 * page's WebSocket addresses (web/connection.ts): pure, no sockets.
 */

import assert from "node:assert/strict";
import { errorText, formatAddress, parseAddress } from "../core/address.ts";
import { Conversation } from "../core/conversation.ts";
import { Failover } from "../core/backoff.ts";
import { movedNotice } from "../core/notices.ts";
import { plainText } from "../core/plain.ts";
import { pageOrigin, socketUrl } from "../web/connection.ts";
import { SECURITY_HEADERS, securityHeaders } from "../server/transports/web.ts";

/** A `random` that returns `values` in turn, then the last one again and again. */
function sequence(...values: number[]): () => number {
  let index = 0;
  return () => values[Math.min(index++, values.length - 1)]!;
}

Deno.test("Failover", async (t) => {
  await t.step("round() is the server asked for alone before any welcome", () => {
    const failover = new Failover("10.0.0.1:5002");
    assert.deepEqual(failover.round(), ["10.0.0.1:5002"]);
    assert.equal(failover.current, "10.0.0.1:5002");
    assert.equal(failover.home, "10.0.0.1:5002");
  });

  await t.step("round() tries the server the client is on first, then the others", () => {
    const failover = new Failover("10.0.0.1:5002", { random: () => 0.999 });
    failover.welcomed("10.0.0.1:5002", ["10.0.0.2:5002", "10.0.0.3:5002"]);
    assert.deepEqual(failover.round(), ["10.0.0.1:5002", "10.0.0.2:5002", "10.0.0.3:5002"]);
  });

  await t.step("welcomed() elsewhere makes that server the first, and the first asked last", () => {
    const failover = new Failover("10.0.0.1:5002", { random: () => 0.999 });
    failover.welcomed("10.0.0.1:5002", ["10.0.0.2:5002", "10.0.0.3:5002"]);
    // The server the client landed on names the others it knows: the one gone is not among them.
    failover.welcomed("10.0.0.3:5002", ["10.0.0.2:5002"]);
    assert.equal(failover.current, "10.0.0.3:5002");
    assert.deepEqual(failover.round(), ["10.0.0.3:5002", "10.0.0.2:5002", "10.0.0.1:5002"]);
  });

  await t.step("each server comes once, the one the client is on never among the others", () => {
    const failover = new Failover("a:1", { random: () => 0.999 });
    failover.welcomed("b:2", ["a:1", "b:2", "c:3", "c:3"]);
    assert.deepEqual(failover.others, ["a:1", "c:3"]);
    assert.deepEqual(failover.round(), ["b:2", "a:1", "c:3"]);
  });

  await t.step("a welcome without others leaves the server the client is on and the first", () => {
    const failover = new Failover("a:1");
    failover.welcomed("a:1", ["b:2"]);
    failover.welcomed("a:1", []);
    assert.deepEqual(failover.round(), ["a:1"]);
  });

  await t.step("each client puts the others in an order of its own", () => {
    const others = ["s1", "s2", "s3", "s4"];
    const orders = new Set<string>();
    for (const random of [sequence(0), sequence(0.999), sequence(0.5, 0.1, 0.9), Math.random]) {
      const failover = new Failover("home", { random });
      failover.welcomed("home", others);
      assert.deepEqual(failover.others.toSorted(), others, "every other server, once");
      orders.add(failover.others.join(" "));
    }
    assert.ok(orders.size >= 3, `orders ${[...orders].join(" | ")}`);
    // Over many clients each server comes first about as often as any other.
    const first = new Map<string, number>();
    for (let i = 0; i < 4_000; i++) {
      const failover = new Failover("home");
      failover.welcomed("home", others);
      const head = failover.others[0]!;
      first.set(head, (first.get(head) ?? 0) + 1);
    }
    for (const server of others) {
      const count = first.get(server) ?? 0;
      assert.ok(count > 800 && count < 1_200, `${server} first ${count} times of 4000`);
    }
  });
});

Deno.test("parseAddress() reads what formatAddress() writes, and nothing else", () => {
  for (const [host, port] of [["192.168.1.5", 5002], ["fe80::1", 1], ["chat.local", 65535]]) {
    assert.deepEqual(parseAddress(formatAddress(host as string, port as number)), {
      hostname: host,
      port,
    });
  }
  for (
    const text of ["", "host", "host:", ":5002", "host:0", "host:65536", "fe80::1:5002", "a b:1"]
  ) {
    assert.equal(parseAddress(text), undefined, text);
  }
  assert.equal(parseAddress("[fe80::1]"), undefined);
  assert.equal(parseAddress("host:5002/x"), undefined);
});

Deno.test("Conversation remembers the other servers its last welcome named", () => {
  const chat = new Conversation();
  assert.deepEqual([chat.servers, chat.webServers], [[], []]);
  chat.hello("ann", 0);
  chat.receive({
    type: "welcome",
    version: 2,
    server: "chat",
    name: "ann",
    servers: ["10.0.0.2:5002"],
    webServers: ["http://10.0.0.2:5003/"],
  }, 0);
  assert.deepEqual(chat.servers, ["10.0.0.2:5002"]);
  assert.deepEqual(chat.webServers, ["http://10.0.0.2:5003/"]);
  // A server outside a cluster names none: the list is the last welcome's.
  chat.closed();
  chat.hello("ann", 1);
  chat.receive({ type: "welcome", version: 2, server: "chat", name: "ann" }, 1);
  assert.deepEqual([chat.servers, chat.webServers], [[], []]);
});

Deno.test("movedNotice() names the server now and the one that did not answer", () => {
  assert.equal(
    plainText(movedNotice("10.0.0.2:5002", "10.0.0.1:5002")),
    "-- Now on 10.0.0.2:5002, another server of the same chat: 10.0.0.1:5002 does not answer",
  );
});

Deno.test("socketUrl() and pageOrigin() go between a page and its server's WebSocket", () => {
  assert.equal(socketUrl("http://10.0.0.2:5003/"), "ws://10.0.0.2:5003/ws");
  assert.equal(socketUrl("https://chat.example:8443/?room=dev"), "wss://chat.example:8443/ws");
  assert.equal(socketUrl("http://[fe80::1]:5003/"), "ws://[fe80::1]:5003/ws");
  assert.equal(socketUrl("javascript:alert(1)"), undefined);
  assert.equal(socketUrl("not a url"), undefined);
  assert.equal(pageOrigin("ws://10.0.0.2:5003/ws"), "http://10.0.0.2:5003");
  assert.equal(pageOrigin("wss://chat.example:8443/ws"), "https://chat.example:8443");
  assert.equal(pageOrigin("http://10.0.0.2:5003/"), undefined);
});

Deno.test("securityHeaders() lets the page connect to the other servers' WebSockets only", () => {
  assert.equal(securityHeaders([]), SECURITY_HEADERS);
  const headers = securityHeaders(["http://10.0.0.2:5003", "https://chat.example:8443", "x"]);
  const policy = headers["content-security-policy"]!;
  assert.match(
    policy,
    /(^|; )connect-src 'self' ws:\/\/10\.0\.0\.2:5003 wss:\/\/chat\.example:8443;/,
  );
  // Everything else as without a cluster.
  assert.equal(
    policy.replace(/connect-src [^;]*/, ""),
    SECURITY_HEADERS["content-security-policy"]!.replace(/connect-src [^;]*/, ""),
  );
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    if (name !== "content-security-policy") assert.equal(headers[name], value, name);
  }
});

Deno.test("errorText() says a missing host or an unreachable system path in plain words", () => {
  const notFound = Object.assign(new Error("getaddrinfo ENOTFOUND notahost"), {
    code: "ENOTFOUND",
  });
  assert.equal(errorText(notFound), "unknown host name");
  const system = new Deno.errors.NotCapable(
    'Requires all access to "/proc/x", run again with the --allow-all flag',
  );
  assert.equal(errorText(system), "not allowed: a system path");
  // Others keep their message, without the runtime's tail.
  assert.equal(
    errorText(new Error("No space left on device (os error 28)")),
    "No space left on device",
  );
  assert.equal(errorText("plain"), "plain");
});
