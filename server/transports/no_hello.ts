/**
 * The `bye` of a connection that said no `hello` in time, as the protocol
 * words it, and its reading back by the doors that say it in their own words
 * (IRC's registration, nc's name question).
 *
 * @module
 */

const NO_HELLO = /^No hello within (\d+) s$/;

/** The `bye` reason of a connection that said no `hello` within `seconds`. */
export function noHelloReason(seconds: number): string {
  return `No hello within ${seconds} s`;
}

/** The seconds a {@linkcode noHelloReason} names, or `undefined` if `reason` is another. */
export function noHelloSeconds(reason: string): string | undefined {
  return NO_HELLO.exec(reason)?.[1];
}
