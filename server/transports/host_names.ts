/**
 * The names the web port answers to: this machine's addresses, `localhost`,
 * its host name, and names the host gives. A page on another site that points
 * a name of its own at this address (DNS rebinding) names itself in `Host`,
 * and is refused.
 *
 * @module
 */

/** How long the list of this machine's addresses is trusted before it is read again. */
const ADDRESSES_MS = 10_000;

/**
 * The host name of a `Host` header value (`name:port`, `[v6]:port`),
 * lowercased, without the final dot of a name written whole (`localhost.`).
 */
function hostOf(host: string): string | undefined {
  const parsed = URL.parse(`http://${host}`);
  if (parsed === null || parsed.username !== "" || parsed.pathname !== "/") return undefined;
  const name = parsed.hostname;
  return name.startsWith("[") ? name.slice(1, -1) : name.replace(/\.$/, "");
}

/** The host names this server answers to: its addresses and names, and those given. */
export class HostNames {
  readonly #bound: string;
  readonly #given: ReadonlySet<string>;
  #addresses = new Set<string>();
  #read = -Infinity;

  constructor(bound: string, given: readonly string[]) {
    this.#bound = bound.toLowerCase();
    this.#given = new Set(given.map((name) => hostOf(name) ?? name.toLowerCase()));
  }

  /**
   * Whether a request with this `Host` header is meant for this server. One
   * without the header names nothing, and is refused like an unknown name
   * (HTTP/1.1 requires it; only HTTP/1.0 leaves it out).
   */
  allows(host: string | undefined): boolean {
    if (host === undefined) return false;
    const name = hostOf(host);
    if (name === undefined) return false;
    if (name === "localhost" || name.endsWith(".localhost")) return true;
    if (name === this.#bound || this.#given.has(name)) return true;
    return this.#own().has(name);
  }

  /** This machine's addresses and names, read again every few seconds. */
  #own(): Set<string> {
    const now = performance.now();
    if (now - this.#read < ADDRESSES_MS) return this.#addresses;
    this.#read = now;
    const own = new Set<string>(["127.0.0.1", "::1"]);
    try {
      for (const iface of Deno.networkInterfaces()) own.add(iface.address.toLowerCase());
    } catch {
      // Without permission to list them, only the names above and those given work.
    }
    try {
      const name = Deno.hostname().toLowerCase();
      own.add(name);
      own.add(`${name}.local`);
    } catch {
      // Not allowed to read the host name.
    }
    this.#addresses = own;
    return own;
  }
}

/** What {@linkcode requestedHost} finds: the host a request names, or why it cannot be read. */
export type RequestedHost =
  | { ok: true; host: string | undefined }
  | { ok: false; message: string };

/** What {@linkcode requestedHost} reads of a request (a `node:http` `IncomingMessage`). */
export interface RequestHead {
  /** `1.1`, `1.0`. */
  readonly httpVersion: string;
  /** The request target as sent. */
  readonly url?: string | undefined;
  /** Every header line as sent: name, value, name, value… */
  readonly rawHeaders: readonly string[];
}

/**
 * The host a request is for (RFC 9112, 3.2 and 3.2.2): the authority of a
 * target written whole (`GET http://name/ HTTP/1.1`), which stands for the
 * `Host` header, or else its `Host` header; `undefined` for an HTTP/1.0
 * request without one. A request with more than one `Host` header, or an
 * HTTP/1.1 request without one, cannot be read: it gets 400.
 */
export function requestedHost(request: RequestHead): RequestedHost {
  const hosts: string[] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    if (request.rawHeaders[i]!.toLowerCase() === "host") hosts.push(request.rawHeaders[i + 1]!);
  }
  if (hosts.length > 1) {
    return {
      ok: false,
      message: `Cannot read the request: it has ${hosts.length} Host headers, and may have one`,
    };
  }
  if (hosts.length === 0 && request.httpVersion !== "1.0" && request.httpVersion !== "0.9") {
    return {
      ok: false,
      message: "Cannot read the request: an HTTP/1.1 request names its server in a Host header",
    };
  }
  const whole = /^([a-z][a-z\d+.-]*):\/\/([^/?#]*)/i.exec(request.url ?? "");
  if (whole === null) return { ok: true, host: hosts[0] };
  const scheme = whole[1]!.toLowerCase();
  if (scheme !== "http" && scheme !== "https") {
    return {
      ok: false,
      message: `Cannot read the request: its target is a ${
        JSON.stringify(scheme)
      } URL, not an http one`,
    };
  }
  return { ok: true, host: whole[2]! };
}

/** Why a request for an unknown host name is refused, for the page that sent it. */
export function unknownHost(host: string | undefined): string {
  if (host === undefined) {
    return "This server answers only requests that name it in a Host header, as HTTP/1.1 " +
      "requires";
  }
  const shown = JSON.stringify(
    [...(host ?? "")].slice(0, 64).join("").replace(/[^\x20-\x7e]/g, "?"),
  );
  return `This server is not ${shown}: a page reached it under a name it does not know. ` +
    "The host can allow that name with chat serve --web-host NAME";
}
