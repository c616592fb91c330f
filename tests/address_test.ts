/** How core/address.ts words things for people: a sentence as the clause after a colon. */

import assert from "node:assert/strict";
import { asClause } from "../core/address.ts";

Deno.test("asClause() lowers the first letter of a sentence, never of an acronym", () => {
  assert.equal(
    asClause("Cannot use history file x: it is damaged"),
    "cannot use history file x: it is damaged",
  );
  assert.equal(asClause("A name can be 1 to 32 characters"), "a name can be 1 to 32 characters");
  assert.equal(asClause("Élan is taken"), "élan is taken");
  assert.equal(
    asClause('CA certificate "k.pem" holds no certificate'),
    'CA certificate "k.pem" holds no certificate',
  );
  assert.equal(asClause("TLS handshake failed"), "TLS handshake failed");
  assert.equal(asClause("IRC port 6667 is in use"), "IRC port 6667 is in use");
  assert.equal(asClause(""), "");
});
