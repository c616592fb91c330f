/**
 * Micro-benchmarks of the wire codec on the server's hot path: encoding
 * frames, splitting the byte stream into lines, decoding and checking
 * client frames. Run with `deno task bench:micro`.
 *
 * @module
 */

import {
  type ClientFrame,
  decodeJson,
  encodeFrame,
  LineSplitter,
  MAX_CLIENT_LINE_BYTES,
  type MessageFrame,
  parseClientFrame,
} from "../protocol.ts";

const encoder = new TextEncoder();

const message: MessageFrame = {
  type: "message",
  id: 123_456,
  ts: 1_767_225_600_000,
  room: "#lobby",
  from: "alice",
  text: "lunch at 12:30? the usual place, or the new one on the corner",
};
const say: ClientFrame = { type: "say", text: message.text };
const sayLine = encodeFrame(say);

Deno.bench("encodeFrame(message)", { group: "encode", baseline: true }, () => {
  encodeFrame(message);
});

Deno.bench("encodeFrame(say)", { group: "encode" }, () => {
  encodeFrame(say);
});

Deno.bench("encodeFrame + TextEncoder.encode (a frame's bytes)", { group: "encode" }, () => {
  encoder.encode(encodeFrame(message));
});

// 100 say frames of about 80 bytes in one read.
const smallLines = encoder.encode(sayLine.repeat(100));
// One line of 15,000 bytes, just under the client limit.
const bigLine = encoder.encode(
  encodeFrame({ type: "say", text: "x".repeat(MAX_CLIENT_LINE_BYTES - 1_400) }),
);
const oneLine = encoder.encode(sayLine);

Deno.bench("LineSplitter.push: 100 small lines in one chunk", {
  group: "split",
  baseline: true,
}, () => {
  new LineSplitter(MAX_CLIENT_LINE_BYTES).push(smallLines);
});

Deno.bench("LineSplitter.push: one 15 KB line in one chunk", { group: "split" }, () => {
  new LineSplitter(MAX_CLIENT_LINE_BYTES).push(bigLine);
});

Deno.bench("LineSplitter.push: one line, a byte at a time", { group: "split" }, () => {
  const splitter = new LineSplitter(MAX_CLIENT_LINE_BYTES);
  for (let i = 0; i < oneLine.length; i++) splitter.push(oneLine.subarray(i, i + 1));
});

const sayText = sayLine.trimEnd();
const helloText = JSON.stringify({ type: "hello", version: 1, name: "alice", room: "#dev" });
const sayValue = JSON.parse(sayText);

Deno.bench("decodeJson(say line)", { group: "decode", baseline: true }, () => {
  decodeJson(sayText);
});

Deno.bench("parseClientFrame(say)", { group: "decode" }, () => {
  parseClientFrame(sayValue);
});

Deno.bench("decodeJson + parseClientFrame (say line)", { group: "decode" }, () => {
  const json = decodeJson(sayText);
  if (json.ok) parseClientFrame(json.value);
});

Deno.bench("decodeJson + parseClientFrame (hello line)", { group: "decode" }, () => {
  const json = decodeJson(helloText);
  if (json.ok) parseClientFrame(json.value);
});
