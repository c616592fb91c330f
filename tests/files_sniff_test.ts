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
  PICTURE_TYPES,
  TEXT_TYPE,
  TextCheck,
  TypeCheck,
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

/** `parts` (bytes, or text as ASCII) one after another. */
function bytesOf(...parts: (readonly number[] | string)[]): Uint8Array {
  return Uint8Array.from(
    parts.flatMap((part) => typeof part === "string" ? [...ascii(part)] : [...part]),
  );
}

/** What {@linkcode TypeCheck} makes of `bytes` given in chunks of `size` bytes. */
function typeOf(bytes: Uint8Array, size = bytes.length || 1): string {
  const check = new TypeCheck();
  for (let at = 0; at < bytes.length; at += size) check.push(bytes.subarray(at, at + size));
  return check.end();
}

/** A big-endian 32-bit length. */
const u32 = (
  value: number,
) => [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255];

/** A PNG of a few chunks (their CRCs are not read), ending with IEND. */
const PNG = bytesOf(
  [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  u32(13),
  "IHDR",
  [0, 0, 3, 32, 0, 0, 6, 64, 8, 2, 0, 0, 0],
  [1, 2, 3, 4],
  u32(6),
  "IDAT",
  [0x78, 0x9c, 0, 0, 0, 1, 5, 6, 7, 8],
  u32(0),
  "IEND",
  [0xae, 0x42, 0x60, 0x82],
);

/**
 * A JPEG as a camera writes one: an EXIF segment holding a thumbnail with an
 * EOI of its own, a scan whose data holds a stuffed 0xFF and a restart
 * marker, then its own EOI.
 */
const JPEG = bytesOf(
  [0xff, 0xd8],
  [0xff, 0xe1, 0, 14],
  "Exif\0\0",
  [0xff, 0xd8, 0xff, 0xd9, 0x12, 0x34],
  [0xff, 0xdb, 0, 5, 0, 1, 2],
  [0xff, 0xc0, 0, 11, 8, 0, 3, 0, 4, 1, 1, 0x11, 0],
  [0xff, 0xda, 0, 4, 1, 0],
  [0x11, 0xff, 0x00, 0x22, 0xff, 0xd0, 0x33, 0xd9, 0x44],
  [0xff, 0xff, 0xda, 0, 3, 2, 0x55, 0x66],
  [0xff, 0xd9],
);

/** A GIF of one picture, ending with its trailer. */
const GIF = bytesOf("GIF89a", [1, 0, 1, 0, 0, 0, 0], [0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0], [
  2,
  2,
  0x4c,
  1,
  0,
  0x3b,
]);

/** A WebP whose RIFF size is what follows its first 8 bytes. */
const WEBP = bytesOf("RIFF", [22, 0, 0, 0], "WEBP", "VP8L", [10, 0, 0, 0], [
  0x2f,
  0,
  0,
  0,
  0,
  1,
  2,
  3,
  4,
  5,
]);

Deno.test("TypeCheck serves a whole picture as one, in chunks of any size", () => {
  for (
    const [bytes, type] of [
      [PNG, "image/png"],
      [JPEG, "image/jpeg"],
      [GIF, "image/gif"],
      [WEBP, "image/webp"],
    ] as const
  ) {
    for (const size of [1, 2, 3, 5, 7, 16, bytes.length]) {
      assert.equal(typeOf(bytes, size), type, `in chunks of ${size}`);
    }
  }
  // Phones write more after a JPEG's EOI: a motion photo's video, a second picture.
  assert.equal(typeOf(bytesOf([...JPEG], "....ftypmp42", [0, 0xff, 0xd9, 0xff])), "image/jpeg");
  // Text and other files are as their first bytes and text say.
  assert.equal(typeOf(ascii("<svg onload=alert(1)>")), TEXT_TYPE);
  assert.equal(typeOf(bytesOf("%PDF-1.7\n", [0xff])), BINARY_TYPE);
  assert.equal(typeOf(new Uint8Array(0)), BINARY_TYPE, "an empty file");
});

Deno.test("TypeCheck serves a picture cut short, or spoilt, as a file to download", () => {
  for (
    const [bytes, kind] of [[PNG, "PNG"], [JPEG, "JPEG"], [GIF, "GIF"], [WEBP, "WebP"]] as const
  ) {
    for (let cut = 1; cut < bytes.length; cut++) {
      for (const size of [1, 4, cut]) {
        const type = typeOf(bytes.subarray(0, cut), size);
        assert.ok(!PICTURE_TYPES.has(type), `a ${kind} cut to ${cut} bytes is ${type}`);
      }
    }
    const half = bytes.subarray(0, bytes.length >> 1);
    assert.equal(typeOf(half), BINARY_TYPE, `a ${kind} cut in half`);
  }
  // A picture's first bytes, then zeros.
  assert.equal(typeOf(bytesOf([...PNG.subarray(0, 33)], Array(3000).fill(0))), BINARY_TYPE);
  assert.equal(typeOf(bytesOf([...JPEG.subarray(0, 4)], Array(3000).fill(0))), BINARY_TYPE);
  assert.equal(typeOf(bytesOf([...GIF.subarray(0, 13)], Array(3000).fill(0))), BINARY_TYPE);
  assert.equal(typeOf(bytesOf([...WEBP.subarray(0, 12)], Array(3000).fill(0))), BINARY_TYPE);
  // Its last chunk is not IEND; its RIFF size is not its size.
  assert.equal(typeOf(bytesOf([...PNG], "more")), BINARY_TYPE);
  assert.equal(typeOf(bytesOf([...WEBP], [0, 0])), BINARY_TYPE);
  // A JPEG's segment length that cannot be, and a marker that cannot be one.
  assert.equal(typeOf(bytesOf([0xff, 0xd8, 0xff, 0xe0, 0, 1, 0xff, 0xd9])), BINARY_TYPE);
  assert.equal(typeOf(bytesOf([0xff, 0xd8, 0xff, 0x00, 0xff, 0xd9])), BINARY_TYPE);
});

/** A little-endian 16-bit number. */
const u16le = (value: number) => [value & 255, value >>> 8];

/** A PNG whose header says `width` by `height` (its CRCs are not read, nor its pixels). */
function pngOf(width: number, height: number): Uint8Array {
  const header = [...u32(width), ...u32(height), 8, 2, 0, 0, 0];
  return bytesOf([...PNG.subarray(0, 16)], header, [...PNG.subarray(29)]);
}

/** A JPEG of one frame `width` by `height`, its frame header in `code` (SOF0 unless said). */
function jpegOf(width: number, height: number, code = 0xc0): Uint8Array {
  const frame = [0xff, code, 0, 11, 8, height >> 8, height & 255, width >> 8, width & 255];
  return bytesOf([0xff, 0xd8], frame, [1, 1, 0x11, 0], [0xff, 0xda, 0, 4, 1, 0, 0x11], [
    0xff,
    0xd9,
  ]);
}

/** A GIF of a logical screen `width` by `height`, with one frame of `frame` (its left, top, width, height). */
function gifOf(
  width: number,
  height: number,
  frame: [number, number, number, number] = [0, 0, width, height],
): Uint8Array {
  return bytesOf(
    "GIF89a",
    [...u16le(width), ...u16le(height), 0x80, 0, 0], // a global colour table of 2 colours
    [0, 0, 0, 255, 255, 255],
    [0x21, 0xf9, 4, 0, 0, 0, 0, 0], // a graphic control extension
    [0x2c, ...frame.flatMap(u16le), 0],
    [2, 2, 0x4c, 1, 0],
    [0x3b],
  );
}

/** A WebP whose first chunk is `chunk` (its fourCC and its data). */
function webpOf(fourCC: string, data: readonly number[]): Uint8Array {
  const body = bytesOf("WEBP", fourCC, [data.length, 0, 0, 0], data);
  return bytesOf("RIFF", [body.length, 0, 0, 0], [...body]);
}

/** A lossy WebP key frame `width` by `height`. */
const vp8 = (width: number, height: number) =>
  webpOf("VP8 ", [0x10, 0, 0, 0x9d, 0x01, 0x2a, ...u16le(width), ...u16le(height), 0, 0]);
/** A lossless WebP `width` by `height`. */
function vp8l(width: number, height: number): Uint8Array {
  const bits = ((width - 1) | ((height - 1) << 14)) >>> 0;
  return webpOf("VP8L", [0x2f, bits & 255, (bits >>> 8) & 255, (bits >>> 16) & 255, bits >>> 24]);
}
/** An extended WebP of a canvas `width` by `height`. */
function vp8x(width: number, height: number): Uint8Array {
  const u24 = (value: number) => [value & 255, (value >>> 8) & 255, value >>> 16];
  return webpOf("VP8X", [0x10, 0, 0, 0, ...u24(width - 1), ...u24(height - 1)]);
}

Deno.test("TypeCheck serves a picture as one only within 8192 pixels a side and 50 million in all", () => {
  const pictures: [string, string, (width: number, height: number) => Uint8Array][] = [
    ["PNG", "image/png", pngOf],
    ["JPEG", "image/jpeg", (width, height) => jpegOf(width, height)],
    ["progressive JPEG", "image/jpeg", (width, height) => jpegOf(width, height, 0xc2)],
    ["GIF", "image/gif", (width, height) => gifOf(width, height)],
    ["lossy WebP", "image/webp", vp8],
    ["lossless WebP", "image/webp", vp8l],
    ["extended WebP", "image/webp", vp8x],
  ];
  for (const [kind, type, make] of pictures) {
    // A phone's 50-megapixel photo, a tall screenshot, a tiny icon.
    for (const [width, height] of [[8160, 6120], [1000, 8192], [1, 1]] as const) {
      for (const size of [1, 7, 1 << 20]) {
        assert.equal(typeOf(make(width, height), size), type, `a ${kind} ${width} × ${height}`);
      }
    }
    // Over a side, over the pixels in all, or of no pixels: a file to download.
    const sizes = [
      [8193, 100],
      [100, 8193],
      [8192, 6104],
      [7072, 7072],
      [20000, 20000],
      [0, 10],
    ] as const;
    for (const [width, height] of sizes) {
      // Lossy and lossless WebP frames have 14 bits a side: 16383 at most.
      if (kind.endsWith(" WebP") && kind !== "extended WebP" && (width > 16383 || height > 16383)) {
        continue;
      }
      if (kind.endsWith(" WebP") && width === 0) continue;
      for (const size of [1, 7, 1 << 20]) {
        assert.equal(
          typeOf(make(width, height), size),
          BINARY_TYPE,
          `a ${kind} ${width} × ${height} in chunks of ${size}`,
        );
      }
    }
  }
  // An extended WebP's canvas may be far larger than a frame's 14 bits.
  assert.equal(typeOf(vp8x(1 << 24, 1 << 24)), BINARY_TYPE);
});

Deno.test("TypeCheck reads a picture's size where a browser does, not from what it carries", () => {
  // A GIF whose frame reaches past its logical screen is drawn that large.
  assert.equal(typeOf(gifOf(100, 100, [0, 0, 100, 100])), "image/gif");
  assert.equal(typeOf(gifOf(100, 100, [9000, 0, 100, 100])), BINARY_TYPE);
  assert.equal(typeOf(gifOf(8000, 100, [0, 0, 8000, 8000])), BINARY_TYPE);
  // A GIF's blocks followed to its trailer; a block no GIF has is not one.
  const gif = gifOf(10, 10);
  assert.equal(typeOf(bytesOf([...gif.subarray(0, -1)], [0x07, 0x3b])), BINARY_TYPE);
  // An EXIF thumbnail's frame is not the picture's, nor is a second picture after its EOI.
  const small = jpegOf(100, 100);
  const thumbnail = [...jpegOf(20000, 20000)];
  const withThumbnail = bytesOf(
    [0xff, 0xd8, 0xff, 0xe1, 0, thumbnail.length + 8],
    "Exif\0\0",
    thumbnail,
    [...small.subarray(2)],
  );
  assert.equal(typeOf(withThumbnail, 3), "image/jpeg");
  assert.equal(typeOf(bytesOf([...small], thumbnail)), "image/jpeg");
  // A JPEG whose height comes after its scan (DNL) has no size to go by.
  assert.equal(typeOf(jpegOf(100, 0)), BINARY_TYPE);
  // A PNG whose first chunk is not its header, a WebP of a chunk that holds no frame.
  const png = pngOf(10, 10);
  assert.equal(
    typeOf(bytesOf([...png.subarray(0, 12)], "IHDX", [...png.subarray(16)])),
    BINARY_TYPE,
  );
  assert.equal(typeOf(webpOf("ALPH", Array(10).fill(0))), BINARY_TYPE);
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

Deno.test("fileLink() builds the download address from the host a client dialled, with its download token", () => {
  const file = { url: "/files/ab/x.txt" };
  const files = { port: 5003, token: "t/k", maxBytes: 1 };
  assert.equal(fileLink("192.168.1.5", files, file), "http://192.168.1.5:5003/files/ab/x.txt");
  assert.equal(fileLink("::1", files, file), "http://[::1]:5003/files/ab/x.txt");
  assert.equal(fileLink("[fe80::1]", files, file), "http://[fe80::1]:5003/files/ab/x.txt");
  assert.equal(
    fileLink("lan.host", { ...files, tls: true, needsToken: true }, file),
    "https://lan.host:5003/files/ab/x.txt?token=t%2Fk",
  );
  // A server that gives a download token: links carry it, never the upload token.
  assert.equal(
    fileLink("lan.host", { ...files, needsToken: true, downloadToken: "d/l" }, file),
    "http://lan.host:5003/files/ab/x.txt?token=d%2Fl",
  );
});
