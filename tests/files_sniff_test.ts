/** What a shared file is served as (server/files/sniff.ts), and what it may be called (core/files.ts). */

import assert from "node:assert/strict";
import {
  cleanFileName,
  fileLink,
  formatBytes,
  formatBytesBeside,
  sizeRefusal,
} from "../core/files.ts";
import {
  BINARY_TYPE,
  contentDisposition,
  detectType,
  TEXT_TYPE,
  TextCheck,
} from "../server/files/sniff.ts";

const ascii = (text: string) => new TextEncoder().encode(text);

Deno.test("detectType() knows the four pictures by their first bytes", () => {
  assert.equal(detectType(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]), false), "image/jpeg");
  assert.equal(detectType(ascii("GIF89a\x01\x00"), true), "image/gif");
  assert.equal(detectType(ascii("GIF87a"), true), "image/gif");
  assert.equal(detectType(ascii("RIFF\x10\x00\x00\x00WEBPVP8 "), false), "image/webp");
  assert.equal(detectType(ascii("RIFF\x10\x00\x00\x00WAVEfmt "), false), BINARY_TYPE);
  assert.equal(detectType(ascii("<svg onload=alert(1)>"), true), TEXT_TYPE);
  assert.equal(detectType(ascii("%PDF-1.7"), false), BINARY_TYPE);
  assert.equal(detectType(new Uint8Array(0), true), BINARY_TYPE, "an empty file");
});

Deno.test("TextCheck calls text only valid UTF-8 without NUL bytes, across chunks", () => {
  const split = new TextCheck();
  const bytes = ascii("née");
  split.push(bytes.subarray(0, 2));
  split.push(bytes.subarray(2));
  assert.equal(split.end(), true, "a character cut between chunks");
  const cut = new TextCheck();
  cut.push(bytes.subarray(0, 2));
  assert.equal(cut.end(), false, "a character cut at the end");
  const nul = new TextCheck();
  nul.push(Uint8Array.from([0x61, 0, 0x62]));
  assert.equal(nul.end(), false);
  const invalid = new TextCheck();
  invalid.push(Uint8Array.from([0xc0, 0x80]));
  assert.equal(invalid.end(), false);
});

Deno.test("cleanFileName() keeps the last path part, safe to show and to save", () => {
  assert.equal(cleanFileName("../../etc/passwd"), "passwd");
  assert.equal(cleanFileName("C:\\Users\\ann\\report.pdf"), "report.pdf");
  assert.equal(cleanFileName("invoice\u202Efdp.exe"), "invoice_fdp.exe");
  assert.equal(cleanFileName("a\nb\tc.txt"), "a_b_c.txt");
  assert.equal(cleanFileName('what?<"x">.txt'), "what___x__.txt");
  assert.equal(cleanFileName("  .hidden. "), "hidden");
  assert.equal(cleanFileName(".."), "file");
  assert.equal(cleanFileName(""), "file");
  assert.equal(cleanFileName("\ud800.txt"), "\uFFFD.txt");
  assert.equal(cleanFileName(`${"a".repeat(200)}\udc00.txt`), `${"a".repeat(116)}.txt`);
  assert.equal(cleanFileName("photo ü 📷.jpg"), "photo ü 📷.jpg");
  const long = cleanFileName(`${"é".repeat(300)}.tar.gz`);
  assert.equal([...long].length, 120);
  assert.ok(long.endsWith("é.gz"));
});

Deno.test("cleanFileName() never leaves a space or a dot at the end of a name it cuts", () => {
  // The 120th character is a space, or a dot whose extension is too long to keep.
  assert.equal(cleanFileName(`${"a".repeat(119)} ${"b".repeat(20)}`), "a".repeat(119));
  assert.equal(cleanFileName(`${"a".repeat(119)}.${"b".repeat(20)}`), "a".repeat(119));
  assert.equal(cleanFileName(`${"a".repeat(115)} ${"b".repeat(20)}.txt`), `${"a".repeat(115)}.txt`);
  for (const name of [`${"a".repeat(119)} b`, `${"é".repeat(119)}. x`]) {
    const clean = cleanFileName(name);
    assert.equal(cleanFileName(clean), clean, "cleaned once is clean");
  }
});

Deno.test("cleanFileName() keeps a name in a script of long characters short enough to save", () => {
  // 100 Chinese characters are 300 bytes in UTF-8: more than a file name may hold on Linux.
  const chinese = cleanFileName(`${"文".repeat(100)}.txt`);
  assert.equal(chinese, `${"文".repeat(78)}.txt`);
  assert.ok(new TextEncoder().encode(`${chinese} (9999)`).length <= 255);
  const emoji = cleanFileName(`${"📷".repeat(80)}.jpg`);
  assert.equal(emoji, `${"📷".repeat(59)}.jpg`);
});

Deno.test("cleanFileName() keeps an extension of 16 characters, counted as code points", () => {
  // 15 emoji after the dot: 16 characters, though 31 UTF-16 code units.
  const extension = `.${"📷".repeat(15)}`;
  const clean = cleanFileName(`${"a".repeat(200)}${extension}`);
  assert.equal(clean, `${"a".repeat(120 - 16)}${extension}`);
  assert.equal(cleanFileName(clean), clean, "cleaned once is clean");
  // One more is too long to keep: the name is cut as if it had none.
  assert.equal(cleanFileName(`${"a".repeat(200)}.${"📷".repeat(16)}`), "a".repeat(120));
});

Deno.test("cleanFileName() gives a name Windows keeps for a device a form it does not", () => {
  const devices = ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"];
  for (let digit = 0; digit <= 9; digit++) devices.push(`COM${digit}`, `LPT${digit}`);
  devices.push("COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³");
  for (const device of devices) {
    assert.equal(cleanFileName(device), `${device}_`);
    assert.equal(cleanFileName(`${device}.txt`), `${device}_.txt`);
    assert.equal(cleanFileName(device.toLowerCase()), `${device.toLowerCase()}_`);
  }
  // Any case, any extension, a space before it, or a path before it.
  assert.equal(cleanFileName("nUl.tar.gz"), "nUl_.tar.gz");
  assert.equal(cleanFileName("Com1 .log"), "Com1_ .log");
  assert.equal(cleanFileName("C:\\temp\\aux.c"), "aux_.c");
  assert.equal(cleanFileName(" .con. "), "con_");
  // Dots and spaces dropped at the ends, or a cut, may leave a device's name: it is made safe too.
  assert.equal(cleanFileName("prn . "), "prn_");
  assert.equal(cleanFileName(`CON${".".repeat(300)}.txt`), "CON_.txt");
  // Names that only start like one are kept.
  for (const name of ["CONFIG.SYS", "console.log", "COM10", "LPT", "nul-device.txt", "auxiliary"]) {
    assert.equal(cleanFileName(name), name);
  }
  for (const device of ["CON", "com7.txt", "Lpt¹.md"]) {
    const clean = cleanFileName(device);
    assert.equal(cleanFileName(clean), clean, "cleaned once is clean");
  }
});

Deno.test("contentDisposition() gives an ASCII name and the exact one, encoded", () => {
  assert.equal(
    contentDisposition("attachment", 'résumé "final".pdf'),
    `attachment; filename="r_sum_ _final_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf`,
  );
  assert.equal(
    contentDisposition("inline", "a(1).png"),
    `inline; filename="a(1).png"; filename*=UTF-8''a%281%29.png`,
  );
});

Deno.test("formatBytes() says a size as people read it", () => {
  assert.equal(formatBytes(0), "0 bytes");
  assert.equal(formatBytes(1), "1 byte");
  assert.equal(formatBytes(1023), "1023 bytes");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(5 * 1024 * 1024), "5 MiB");
  assert.equal(formatBytes(25 * 1024 * 1024), "25 MiB");
});

Deno.test("sizeRefusal() refuses a file over the largest file or over all the store's room", () => {
  const MIB = 1024 * 1024;
  const files = { maxBytes: 2 * MIB, quotaBytes: MIB };
  assert.equal(sizeRefusal(MIB, files), undefined);
  assert.equal(
    sizeRefusal(MIB + 1, files),
    "it is 1,048,577 bytes, larger than 1 MiB, all the room this server's file store has",
  );
  // A store smaller than the largest file: the store is what no larger file fits.
  assert.equal(
    sizeRefusal(3 * MIB, files),
    "it is 3 MiB, larger than 1 MiB, all the room this server's file store has",
  );
  // A store larger than the largest file: the largest file is the limit.
  const roomy = { maxBytes: 2 * MIB, quotaBytes: 8 * MIB };
  assert.equal(
    sizeRefusal(2 * MIB + 1, roomy),
    "it is 2,097,153 bytes, larger than 2 MiB, the largest this server takes",
  );
  assert.equal(
    sizeRefusal(9 * MIB, roomy),
    "it is 9 MiB, larger than 2 MiB, the largest this server takes",
  );
  // A server that does not say its store's room: only the largest file is known.
  assert.equal(sizeRefusal(2 * MIB, { maxBytes: 2 * MIB }), undefined);
  assert.equal(
    sizeRefusal(3 * MIB, { maxBytes: 2 * MIB }),
    "it is 3 MiB, larger than 2 MiB, the largest this server takes",
  );
});

Deno.test("formatBytesBeside() tells a size from the limit it is over, to the byte if need be", () => {
  const mib = 1024 * 1024;
  assert.deepEqual(formatBytesBeside(mib + mib / 2, mib), ["1.5 MiB", "1 MiB"]);
  assert.deepEqual(formatBytesBeside(mib + 1, mib), ["1,048,577 bytes", "1 MiB"]);
  assert.deepEqual(formatBytesBeside(25 * mib + 3000, 25 * mib), ["26,217,400 bytes", "25 MiB"]);
  // A limit that is no round number is said to the byte too.
  assert.deepEqual(formatBytesBeside(1_572_900, 1_572_867), [
    "1,572,900 bytes",
    "1,572,867 bytes",
  ]);
  assert.deepEqual(formatBytesBeside(2048, 2048), ["2 KiB", "2 KiB"]);
});

Deno.test("fileLink() builds the download address from the host a client dialled", () => {
  const file = { url: "/files/ab/x.txt" };
  const files = { port: 5003, token: "t/k", maxBytes: 1 };
  assert.equal(fileLink("192.168.1.5", files, file), "http://192.168.1.5:5003/files/ab/x.txt");
  assert.equal(fileLink("::1", files, file), "http://[::1]:5003/files/ab/x.txt");
  assert.equal(fileLink("[fe80::1]", files, file), "http://[fe80::1]:5003/files/ab/x.txt");
  assert.equal(
    fileLink("lan.host", { ...files, tls: true, needsToken: true }, file),
    "https://lan.host:5003/files/ab/x.txt?token=t%2Fk",
  );
});
