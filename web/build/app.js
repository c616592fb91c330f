// core/confusables.ts
var CONFUSABLES = {
  "2": "\u01A8\u03E9\u14BF\uA645\uA6EF\uA75B",
  "3": "\u021D\u025C\u0292\u04E1\u2CCD\uA76B\u{118CA}\u{16F3B}",
  "4": "\uAB9E\u{118CF}",
  "5": "\u{118DB}",
  "6": "\u0431\u2CD3\uABBE\u{118D5}",
  "7": "\u{104FA}\u{118C6}",
  "8": "\u0223\u09EA\u0A6A\u0B03\u{1031A}\u{1E8CB}",
  "9": "\u09ED\u0A67\u0B68\u0D6D\u2CCB\uA76F\u{118CC}\u{118D6}",
  a: "\u0251\u15C5\uA4EE\uAB7A\u{102A0}\u{16F40}",
  b: "\u0185\u13FC\u1472\u15AF\u15F7\uA4D0\uAB9F\u{10282}\u{102A1}\u{10301}",
  c: "\u1D04\u2CA5\uA4DA\uABAF\u{102A2}\u{10302}\u{1043D}\u{1051C}\u{118E9}\u{118F2}",
  d: "\u146F\u15DE\u15EA\uA4D2\uA4D3\uAB70\uABB7",
  e: "\u04BD\u2D39\uA4F0\uAB32\uAB7C\u{10286}\u{118CE}",
  f: "\u03DD\u0584\u15B4\u1E9D\uA4DD\uA799\uAB35\u{10287}\u{102A5}\u{10525}\u{118C2}",
  g: "\u018D\u0261\u050D\u0581\u13FB\u1D83\uA4D6\uAB90",
  h: "\u0570\u157C\u2C8F\uA4E7\uAB8B\uAB92\u{102CF}",
  i: "\u0269\u026A\uA647\uAB75\u{118C3}",
  j: "\u029D\u148D\uA4D9\uAB7B",
  k: "\u16D5\u2C95\uA4D7\uABB6\u{10518}",
  l: "\u01C0\u05D5\u05DF\u0627\u0661\u06F1\u07CA\u14AA\u16C1\u2C93\u2CD1\u2D4F\uA4E1\uA4F2\uABAE\u{1028A}\u{10309}\u{10320}\u{10443}\u{10526}\u{118D2}\u{16F16}\u{16F28}\u{1E8C7}",
  m: "\u03FB\u15F0\u16D6\u2C99\uA4DF\uAB87\u{102B0}\u{10311}",
  n: "\u0578\u057C\u2C9B\uA4E0\u{10513}",
  o: "\u03C3\u0585\u05E1\u0647\u0665\u06BE\u06C1\u06D5\u06F5\u07C0\u0966\u09E6\u0A66\u0AE6\u0B20\u0B66\u0BE6\u0C02\u0C66\u0C82\u0CE6\u0D02\u0D20\u0D66\u0D82\u0E50\u0ED0\u101D\u1040\u10FF\u12D0\u1D0F\u1D11\u2C9F\u2D54\u3007\uA4F3\uAB3D\u{10292}\u{102AB}\u{1042C}\u{104EA}\u{10516}\u{114D0}\u{118C8}\u{118D7}\u{118E0}",
  p: "\u146D\u2CA3\uA4D1\uABB2\u{10295}",
  q: "\u0563\u0566\u2D55",
  r: "\u0280\u0433\u1587\u1D26\u2C85\uA4E3\uAB47\uAB48\uAB71\uAB81\uABA2\u{104DC}\u{16F35}",
  s: "\u01BD\u057F\uA4E2\uA731\uABA5\uABAA\u{10296}\u{10448}\u{118C1}\u{16F3A}",
  t: "\u2CA7\uA4D4\uAB72\u{10297}\u{102B1}\u{10315}\u{16F0A}",
  u: "\u028B\u057D\u1200\u144C\u1D1C\uA4F4\uA79F\uAB4E\uAB52\u{104F6}\u{118D8}\u{16F42}",
  v: "\u0475\u05D8\u0667\u06F7\u142F\u1D20\u2D38\uA4E6\uA6DF\uABA9\u{1051D}\u{11706}\u{118C0}\u{16F08}",
  w: "\u026F\u0461\u0561\u1D21\uA4EA\uAB83\uABA4\u{1170A}\u{1170E}\u{1170F}\u{118E6}\u{118EF}",
  x: "\u1541\u157D\u16B7\u2CAD\u2D5D\uA4EB\uAB53\u{10290}\u{102B4}\u{10317}\u{10322}\u{10527}\u{118EC}",
  y: "\u0263\u028F\u10E7\u1D8C\u1EFF\u2CA9\uA4EC\uAB5A\uAB79\uAB8D\u{102B2}\u{118DC}\u{16F43}",
  z: "\u1D22\uA4DC\uAB93\u{102F5}\u{118C4}\u{118C9}\u{118E5}",
  aa: "\uA733",
  ae: "\xE6\u04D5",
  ao: "\uA735",
  au: "\uA737",
  av: "\uA739\uA73B",
  ay: "\uA73D",
  bl: "\u044B",
  dz: "\u02A3",
  ll: "\u01C1\u05F0",
  lo: "\u044E",
  ls: "\u02AA",
  lz: "\u02AB",
  oe: "\u0153",
  oo: "\uA699\uA74F",
  rn: "\u{11700}\u{118E3}",
  ss: "\u13F8\uA7B5",
  t3: "\uA729",
  tf: "\uA777",
  ts: "\u02A6",
  ue: "\u1D6B",
  uo: "\uAB63"
};

// protocol/limits.ts
var PROTOCOL_VERSION = 1;
var LATEST_PROTOCOL_VERSION = 2;
var MAX_CLIENT_LINE_BYTES = 16 * 1024;
var MAX_SERVER_LINE_BYTES = 64 * 1024;
var MAX_TEXT_BYTES = 4e3;
var MAX_TEXT_LINES = 100;
var MAX_NAME_LENGTH = 24;
var MAX_ROOM_LENGTH = 32;
var MAX_ANNOUNCED_ROOM_SIZE = 256;
var LOBBY = "#lobby";
var MAX_CID_LENGTH = 64;
var CID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
function isCid(value) {
  return typeof value === "string" && CID_PATTERN.test(value);
}
var textEncoder = new TextEncoder();
function utf8Length(text) {
  return textEncoder.encode(text).length;
}
function bytesOver(bytes) {
  return `it is ${bytes} bytes, more than the ${MAX_TEXT_BYTES} a message may hold`;
}
function tooLongMessage(bytes) {
  return `Cannot send message: ${bytesOver(bytes)}`;
}
function linesOver(lines) {
  return `it has ${lines} lines, more than ${MAX_TEXT_LINES}`;
}
function tooManyLinesMessage(lines) {
  return `Cannot send message: ${linesOver(lines)}`;
}
function countLines(text) {
  let lines = 1;
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) lines++;
  return lines;
}

// core/command_kinds.ts
var NAME_FIELD = {
  kind: "string",
  max: 256
};
var ROOM_FIELD = {
  ...NAME_FIELD,
  optional: true
};
var TEXT_FIELD = {
  kind: "string",
  max: 64 * 1024
};
var CID_FIELD = {
  kind: "cid",
  optional: true
};
var SINCE_FIELD = {
  kind: "integer",
  min: 0,
  max: Number.MAX_SAFE_INTEGER,
  optional: true
};
function serverCommand(entry) {
  return {
    ...entry,
    side: "server"
  };
}
function clientCommand(entry) {
  return {
    ...entry,
    side: "client"
  };
}
function oneName({ first, after }) {
  return first && !after ? {
    name: first
  } : void 0;
}
function roomToLeave({ first }) {
  return first === "" ? {} : {
    room: first
  };
}
var QUOTES = /* @__PURE__ */ new Map([
  [
    '"',
    '"'
  ],
  [
    "'",
    "'"
  ],
  [
    "\u201C",
    "\u201D"
  ],
  [
    "\u2018",
    "\u2019"
  ],
  [
    "\u201E",
    "\u201C"
  ],
  [
    "\xAB",
    "\xBB"
  ]
]);
function reasonOf(typed) {
  let reason = typed.trim();
  const open = reason.charAt(0);
  const close = QUOTES.get(open);
  if (close !== void 0 && reason.length >= 2 && reason.endsWith(close)) {
    const inner = reason.slice(1, -1);
    const closed = inner.indexOf(close);
    const quotesOwn = closed >= 0 && inner.indexOf(open, closed + 1) >= 0 && !(inner.startsWith(open) && inner.indexOf(close, 1) === inner.length - 1);
    if (!quotesOwn) reason = inner.trim();
  }
  return reason === "" ? {} : {
    reason
  };
}

// core/client_commands.ts
var BELL_MODES = [
  "on",
  "off",
  "mentions"
];
function isBellMode(word) {
  return BELL_MODES.includes(word);
}
function unquote(text) {
  const quoted = /^(["'])(.*)\1$/s.exec(text);
  return quoted === null ? text : quoted[2];
}
var CLIENT_COMMAND_TABLE = [
  clientCommand({
    name: "switch",
    aliases: [],
    usage: "/switch #room|@name",
    description: "look at another of your rooms, or your private messages with someone",
    parse: ({ first, after }) => first && !after ? {
      view: first
    } : void 0
  }),
  clientCommand({
    name: "code",
    aliases: [],
    usage: "/code TEXT",
    description: "send TEXT as a code block, shown in a monospace font",
    parse: ({ raw }) => raw === "" ? void 0 : {
      text: raw
    }
  }),
  clientCommand({
    name: "send",
    aliases: [],
    usage: "/send PATH",
    description: "upload a file and share it here",
    needs: "files",
    // The rest of the line is the path, spaces and all; quotes around it are dropped.
    parse: ({ raw }) => {
      const path = unquote(raw);
      return path === "" ? void 0 : {
        path
      };
    }
  }),
  clientCommand({
    name: "get",
    aliases: [],
    usage: "/get N|LINK",
    description: "download shared file N, or a link, into the current folder",
    parse: ({ first, after }) => first && !after ? {
      target: first
    } : void 0
  }),
  clientCommand({
    name: "bell",
    aliases: [],
    usage: "/bell on|off|mentions",
    description: "when to ring the terminal bell",
    // Without a word it asks what the bell does now; words after the first are ignored.
    parse: ({ first }) => {
      const mode = first.toLowerCase();
      if (mode === "") return {};
      return isBellMode(mode) ? {
        mode
      } : void 0;
    }
  }),
  clientCommand({
    name: "typing",
    aliases: [],
    usage: "/typing on|off",
    description: "whether others see when you are typing",
    // Without a word it asks what it is now; words after the first are ignored.
    parse: ({ first }) => {
      const mode = first.toLowerCase();
      if (mode === "") return {};
      return mode === "on" || mode === "off" ? {
        mode
      } : void 0;
    }
  }),
  clientCommand({
    name: "ignore",
    aliases: [],
    usage: "/ignore NAME",
    description: "hide someone's messages from you, on this server, until /unignore",
    parse: oneName
  }),
  clientCommand({
    name: "unignore",
    aliases: [],
    usage: "/unignore NAME",
    description: "show someone's messages again",
    parse: oneName
  }),
  clientCommand({
    name: "ignores",
    aliases: [],
    usage: "/ignores",
    description: "list the people you ignore",
    parse: () => ({})
  })
];

// core/duration.ts
var UNITS = new Map([
  ...[
    "s",
    "sec",
    "secs",
    "second",
    "seconds"
  ].map((unit) => [
    unit,
    1
  ]),
  ...[
    "m",
    "min",
    "mins",
    "minute",
    "minutes"
  ].map((unit) => [
    unit,
    60
  ]),
  ...[
    "h",
    "hr",
    "hrs",
    "hour",
    "hours"
  ].map((unit) => [
    unit,
    3600
  ]),
  ...[
    "d",
    "day",
    "days"
  ].map((unit) => [
    unit,
    86400
  ]),
  ...[
    "w",
    "wk",
    "wks",
    "week",
    "weeks"
  ].map((unit) => [
    unit,
    604800
  ])
]);
var MAX_DURATION_SECONDS = 365 * 86400;
var DURATION_FORMS = "a whole number and a unit, such as 90s, 10m, 2h, 3d or 1w (or 10min, 2hours), up to a year";
function parseDuration(text) {
  const match = /^(\d{1,6})([a-z]*)$/i.exec(text.trim());
  if (match === null) return void 0;
  const unit = UNITS.get((match[2] || "m").toLowerCase());
  if (unit === void 0) return void 0;
  const seconds = Number(match[1]) * unit;
  return seconds >= 1 && seconds <= MAX_DURATION_SECONDS ? seconds : void 0;
}
var SPAN_UNITS = [
  [
    "d",
    86400
  ],
  [
    "h",
    3600
  ],
  [
    "min",
    60
  ],
  [
    "s",
    1
  ]
];
function formatSpan(ms) {
  let seconds = Math.max(1, Math.ceil(ms / 1e3));
  const parts = [];
  for (const [unit, size] of SPAN_UNITS) {
    const count2 = Math.floor(seconds / size);
    if (count2 === 0) continue;
    parts.push(`${count2} ${unit}`);
    seconds -= count2 * size;
  }
  return parts.join(" ");
}

// core/operator_commands.ts
var OPTIONAL_REASON = {
  ...NAME_FIELD,
  optional: true
};
var OPTIONAL_DURATION = {
  kind: "integer",
  min: 1,
  max: MAX_DURATION_SECONDS,
  optional: true
};
function topicText(typed) {
  return typed === '""' ? "" : typed;
}
var OPERATOR_COMMANDS = [
  serverCommand({
    name: "away",
    aliases: [
      "afk"
    ],
    usage: "/away [REASON]",
    description: "tell others you are away, and why",
    fields: {
      reason: OPTIONAL_REASON
    },
    parse: ({ text }) => reasonOf(text)
  }),
  serverCommand({
    name: "back",
    aliases: [],
    usage: "/back",
    description: "tell others you are back",
    fields: {},
    parse: () => ({})
  }),
  serverCommand({
    name: "topic",
    aliases: [],
    usage: "/topic [#room] [TEXT]",
    description: 'show the topic of this room, or set it, or clear it with "" (operators)',
    fields: {
      room: ROOM_FIELD,
      text: {
        ...TEXT_FIELD,
        optional: true
      }
    },
    parse: ({ text, first, after }) => {
      if (!first.startsWith("#")) return text ? {
        text: topicText(text)
      } : {};
      return after ? {
        room: first,
        text: topicText(after)
      } : {
        room: first
      };
    }
  }),
  serverCommand({
    name: "oper",
    aliases: [],
    usage: "/oper SECRET",
    description: "become an operator, with the secret the host gave your name",
    fields: {
      secret: NAME_FIELD
    },
    parse: ({ first, after }) => first && !after ? {
      secret: first
    } : void 0
  }),
  serverCommand({
    name: "op",
    aliases: [],
    usage: "/op NAME",
    description: "make someone an operator (operators)",
    fields: {
      name: NAME_FIELD
    },
    parse: oneName
  }),
  serverCommand({
    name: "deop",
    aliases: [],
    usage: "/deop NAME",
    description: "make an operator a person like the others (operators)",
    fields: {
      name: NAME_FIELD
    },
    parse: oneName
  }),
  serverCommand({
    name: "kick",
    aliases: [],
    usage: "/kick NAME [REASON]",
    description: "disconnect someone (operators)",
    fields: {
      name: NAME_FIELD,
      reason: OPTIONAL_REASON
    },
    parse: ({ first, after }) => first === "" ? void 0 : {
      name: first,
      ...reasonOf(after)
    }
  }),
  serverCommand({
    name: "ban",
    aliases: [],
    usage: "/ban NAME|ADDRESS [DURATION] [REASON]",
    description: "keep someone out, for DURATION (10m, 2h, 3d) or until /unban (operators)",
    refusal: `Usage: /ban NAME|ADDRESS [DURATION] [REASON]; DURATION is ${DURATION_FORMS}. A REASON that starts with a digit goes after a DURATION, or in quotes`,
    fields: {
      target: NAME_FIELD,
      duration: OPTIONAL_DURATION,
      reason: OPTIONAL_REASON
    },
    parse: ({ first, after }) => {
      if (first === "") return void 0;
      const [word = "", ...rest] = after.split(/\s+/);
      const duration = parseDuration(word);
      if (duration === void 0 && /^\d/.test(word)) return void 0;
      return {
        target: first,
        ...duration === void 0 ? {} : {
          duration
        },
        ...reasonOf(duration === void 0 ? after : rest.join(" "))
      };
    }
  }),
  serverCommand({
    name: "unban",
    aliases: [],
    usage: "/unban NAME|ADDRESS",
    description: "lift a ban (operators)",
    fields: {
      target: NAME_FIELD
    },
    parse: ({ first, after }) => first && !after ? {
      target: first
    } : void 0
  }),
  serverCommand({
    name: "bans",
    aliases: [],
    usage: "/bans",
    description: "list the bans (operators)",
    fields: {},
    parse: () => ({})
  }),
  serverCommand({
    name: "mute",
    aliases: [],
    usage: "/mute NAME [DURATION]",
    description: "stop someone from talking, for DURATION or until /unmute (operators)",
    refusal: `Usage: /mute NAME [DURATION]; DURATION is ${DURATION_FORMS}`,
    fields: {
      name: NAME_FIELD,
      duration: OPTIONAL_DURATION
    },
    parse: ({ first, after }) => {
      if (first === "") return void 0;
      if (after === "") return {
        name: first
      };
      const duration = parseDuration(after);
      return duration === void 0 ? void 0 : {
        name: first,
        duration
      };
    }
  }),
  serverCommand({
    name: "unmute",
    aliases: [],
    usage: "/unmute NAME",
    description: "let a muted person talk again (operators)",
    fields: {
      name: NAME_FIELD
    },
    parse: oneName
  }),
  serverCommand({
    name: "lock",
    aliases: [],
    usage: "/lock [#room]",
    description: "let only operators enter this room (operators)",
    fields: {
      room: ROOM_FIELD
    },
    parse: roomToLeave
  }),
  serverCommand({
    name: "unlock",
    aliases: [],
    usage: "/unlock [#room]",
    description: "let everyone enter this room again (operators)",
    fields: {
      room: ROOM_FIELD
    },
    parse: roomToLeave
  }),
  serverCommand({
    name: "rename",
    aliases: [],
    usage: "/rename NAME NEW",
    description: "give someone another name, such as a look-alike's (operators)",
    fields: {
      name: NAME_FIELD,
      to: NAME_FIELD
    },
    parse: ({ first, after }) => first && after && !/\s/.test(after) ? {
      name: first,
      to: after
    } : void 0
  })
];

// core/sanitize.ts
var ESCAPE_SEQUENCE = new RegExp([
  "(?:\\x1b\\[|\\x9b)[\\x30-\\x3f]*[\\x20-\\x2f]*[\\x40-\\x7e]?",
  "(?:\\x1b\\]|\\x9d)[^\\x07\\x1b\\x9c]*(?:\\x07|\\x1b\\\\|\\x9c)?",
  "(?:\\x1b[PX^_]|[\\x90\\x98\\x9e\\x9f])[^\\x1b\\x9c]*(?:\\x1b\\\\|\\x9c)?",
  "\\x1b[\\x20-\\x2f]*[\\x30-\\x7e]?"
].join("|"), "g");
var UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
var SEPARATOR = /\r\n|[\t\n\r\u2028\u2029]/g;
var CONTROL = /[\x00-\x1f\x7f-\x9f]/g;
var BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
var SPACE = /^\s$/;
function isSpace(char) {
  return char !== "\uFEFF" && SPACE.test(char);
}
function trimSpaceEnd(text) {
  let end = text.length;
  while (end > 0 && isSpace(text[end - 1])) end--;
  return text.slice(0, end);
}
var REPLACEMENT = "\uFFFD";
function sanitizeText(text) {
  if (!UNSAFE.test(text) && text.isWellFormed()) return text;
  return text.toWellFormed().replace(ESCAPE_SEQUENCE, "").replace(SEPARATOR, " ").replace(CONTROL, REPLACEMENT).replace(BIDI, "");
}
var LINE_BREAK = /\r\n|[\n\r\u2028\u2029]/g;
var UNSAFE_LINES = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
var TAB_STOP = 4;
function expandTabs(line) {
  if (!line.includes("	")) return line;
  let out = "";
  let column = 0;
  for (const char of line) {
    if (char === "	") {
      const spaces = TAB_STOP - column % TAB_STOP;
      out += " ".repeat(spaces);
      column += spaces;
    } else {
      out += char;
      column++;
    }
  }
  return out;
}
function sanitizeLines(text) {
  let clean = text;
  if (UNSAFE_LINES.test(text) || !text.isWellFormed()) {
    clean = text.toWellFormed().replace(ESCAPE_SEQUENCE, "").replace(LINE_BREAK, "\n").replace(BIDI, "").split("\n").map((line) => expandTabs(line).replace(CONTROL, REPLACEMENT)).join("\n");
  }
  if (!clean.includes("\n")) return trimSpaceEnd(clean);
  const lines = clean.split("\n").map(trimSpaceEnd);
  let first = 0;
  let last = lines.length;
  while (first < last && lines[first] === "") first++;
  while (last > first && lines[last - 1] === "") last--;
  return lines.slice(first, last).join("\n");
}

// core/commands.ts
var MAX_HISTORY_REQUEST = 500;
var COMMAND_TABLE = [
  serverCommand({
    name: "join",
    aliases: [
      "j"
    ],
    usage: "/join #room",
    description: "enter a room, creating it if needed",
    fields: {
      room: NAME_FIELD,
      since: SINCE_FIELD
    },
    // A room name is one word: `/join #a b` is a mistake, not a way into #a.
    parse: ({ first, after }) => first && !after ? {
      room: first
    } : void 0
  }),
  // Version 1 is in one room: leaving it, and `/part`, go back to #lobby. In
  // version 2, `leave` is `part`. The hub looks at the version.
  serverCommand({
    name: "leave",
    aliases: [],
    usage: "/leave",
    description: "go back to #lobby",
    listedIn: [
      1
    ],
    fields: {
      room: ROOM_FIELD
    },
    parse: roomToLeave
  }),
  serverCommand({
    name: "part",
    aliases: [],
    usage: "/part [#room]",
    description: "leave this room, or the one you name",
    listedIn: [
      2
    ],
    fields: {
      room: ROOM_FIELD
    },
    parse: roomToLeave
  }),
  serverCommand({
    name: "rooms",
    aliases: [],
    usage: "/rooms",
    description: "list rooms and how many people are in each",
    fields: {},
    parse: () => ({})
  }),
  serverCommand({
    name: "who",
    aliases: [
      "names"
    ],
    usage: "/who [#room]",
    description: "list who is in this room, or the one you name",
    fields: {
      room: ROOM_FIELD
    },
    parse: roomToLeave
  }),
  serverCommand({
    name: "msg",
    aliases: [
      "m",
      "tell"
    ],
    usage: "/msg NAME TEXT",
    description: "send a private message to one person",
    fields: {
      to: NAME_FIELD,
      text: TEXT_FIELD,
      cid: CID_FIELD
    },
    parse: ({ first, after }) => first && after ? {
      to: first,
      text: after
    } : void 0
  }),
  serverCommand({
    name: "me",
    aliases: [],
    usage: "/me ACTION",
    description: "describe what you are doing",
    fields: {
      text: TEXT_FIELD,
      cid: CID_FIELD,
      room: ROOM_FIELD
    },
    parse: ({ text }) => text ? {
      text
    } : void 0
  }),
  serverCommand({
    name: "nick",
    aliases: [
      "name"
    ],
    usage: "/nick NEW",
    description: "change your name",
    fields: {
      name: NAME_FIELD
    },
    parse: ({ first, after }) => first && !after ? {
      name: first
    } : void 0
  }),
  serverCommand({
    name: "history",
    aliases: [],
    usage: "/history [N]",
    description: "show the last N messages of this room (default 20)",
    refusal: `Usage: /history [N], N from 1 to ${MAX_HISTORY_REQUEST}`,
    fields: {
      limit: {
        kind: "integer",
        min: 1,
        max: MAX_HISTORY_REQUEST,
        optional: true
      },
      room: ROOM_FIELD
    },
    parse: ({ text }) => {
      if (text === "") return {};
      const limit = /^\d{1,3}$/.test(text) ? Number(text) : 0;
      return limit >= 1 && limit <= MAX_HISTORY_REQUEST ? {
        limit
      } : void 0;
    }
  }),
  serverCommand({
    name: "search",
    aliases: [
      "find"
    ],
    usage: "/search TEXT",
    // The newest 50: what the server answers at most (server/history/search.ts).
    description: "find the newest 50 messages of this room with all these words",
    fields: {
      text: TEXT_FIELD,
      room: ROOM_FIELD
    },
    parse: ({ text }) => text ? {
      text
    } : void 0
  }),
  serverCommand({
    name: "help",
    aliases: [
      "?"
    ],
    usage: "/help",
    description: "show this list",
    fields: {},
    parse: () => ({})
  }),
  serverCommand({
    name: "quit",
    aliases: [
      "exit"
    ],
    usage: "/quit [REASON]",
    description: "leave the chat",
    fields: {
      reason: {
        ...NAME_FIELD,
        optional: true
      }
    },
    parse: ({ text }) => reasonOf(text)
  }),
  ...OPERATOR_COMMANDS,
  ...CLIENT_COMMAND_TABLE
];
var SERVER_COMMANDS = COMMAND_TABLE.filter((entry) => entry.side === "server");
var CLIENT_COMMANDS = COMMAND_TABLE.filter((entry) => entry.side === "client");
function helpOf(commands, others = {}) {
  return commands.map(({ name, aliases, usage, description }) => {
    const also = [
      ...aliases,
      ...others[name] ?? []
    ].map((alias) => `/${alias}`);
    return {
      usage,
      description: also.length === 0 ? description : `${description} (also ${also.join(", ")})`
    };
  });
}
function listedIn(version) {
  return SERVER_COMMANDS.filter((command) => command.listedIn?.includes(version) ?? true);
}
var COMMANDS = helpOf(listedIn(1), {
  leave: [
    "part"
  ]
});
var COMMANDS_V2 = helpOf(listedIn(2), {
  part: [
    "leave"
  ]
});
var SLASH_HELP = {
  usage: "//text",
  description: "send a line that begins with /"
};
var LOCAL_COMMANDS = helpOf(CLIENT_COMMANDS);
var ALIAS_ORDER = [
  "j",
  "names",
  "m",
  "tell",
  "name",
  "exit",
  "?",
  "find"
];
function rank(alias) {
  const at = ALIAS_ORDER.indexOf(alias);
  return at === -1 ? ALIAS_ORDER.length : at;
}
function namesOf(commands) {
  const aliases = commands.flatMap((command) => command.aliases);
  return [
    ...commands.map((command) => command.name),
    ...aliases.sort((a, b) => rank(a) - rank(b))
  ];
}
var COMMAND_NAMES = namesOf(SERVER_COMMANDS);
var LOCAL_COMMAND_NAMES = namesOf(CLIENT_COMMANDS);
var TRANSFER_COMMANDS = [
  "send",
  "get"
];
var FILE_COMMANDS = CLIENT_COMMANDS.filter((command) => command.needs === "files").map((command) => command.name);
var COMMAND_FIELDS = new Map(SERVER_COMMANDS.map((command) => [
  command.name,
  command.fields
]));
function lookup(commands) {
  return new Map(commands.flatMap((command) => [
    command.name,
    ...command.aliases
  ].map((name) => [
    name,
    command
  ])));
}
var ON_SERVER = lookup(SERVER_COMMANDS);
var ANYWHERE = lookup(COMMAND_TABLE);
function commandNamed(typed) {
  return ANYWHERE.get(typed.toLowerCase());
}
function read(line, commands) {
  if (!line.startsWith("/")) return {
    ok: true,
    frame: {
      type: "say",
      text: line
    }
  };
  if (line.startsWith("//")) return {
    ok: true,
    frame: {
      type: "say",
      text: line.slice(1)
    }
  };
  const match = /^\/(\S*)\s*(.*)$/s.exec(line);
  const typed = match[1].toLowerCase();
  const command = commands.get(typed);
  if (command === void 0) {
    return {
      ok: false,
      code: "unknown_command",
      message: `Unknown command "/${sanitizeText(typed)}". Type /help for the list; start with // to send a line that begins with /`
    };
  }
  const text = match[2].trim();
  const first = /^\S*/.exec(text)[0];
  const raw = line.slice(1 + match[1].length).replace(/^[ \t]*(?:\r\n|\n|\r)|^\s+/, "").trimEnd();
  const fields = command.parse({
    text,
    first,
    after: text.slice(first.length).trim(),
    raw
  });
  if (fields === void 0) {
    return {
      ok: false,
      code: "bad_command",
      message: command.refusal ?? `Usage: ${command.usage}`
    };
  }
  return command.side === "client" ? {
    ok: true,
    local: {
      command: command.name,
      ...fields
    }
  } : {
    ok: true,
    frame: {
      type: command.name,
      ...fields
    }
  };
}
function parseInput(line) {
  return read(line, ON_SERVER);
}
function parseLine(line) {
  return read(line, ANYWHERE);
}

// protocol/_specs.ts
var FILE_FIELDS = {
  id: {
    kind: "string",
    max: 64
  },
  name: {
    kind: "string",
    max: 1024,
    optional: true
  },
  room: ROOM_FIELD,
  to: {
    ...NAME_FIELD,
    optional: true
  },
  cid: CID_FIELD
};
var TYPING_FIELDS = {
  room: ROOM_FIELD,
  to: {
    ...NAME_FIELD,
    optional: true
  }
};

// protocol/_read.ts
function isRecord(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
function quote(text) {
  return JSON.stringify([
    ...sanitizeText(text)
  ].slice(0, 64).join(""));
}
function refuse(code, message) {
  return {
    ok: false,
    code,
    message
  };
}
function accept(value) {
  return {
    ok: true,
    value
  };
}
var FieldError = class extends Error {
};
function str(frame, key, maxLength = 64 * 1024) {
  const value = frame[key];
  if (typeof value !== "string") {
    throw new FieldError(`field "${key}" must be a string`);
  }
  if (value.length > maxLength) throw new FieldError(`field "${key}" is too long`);
  return value;
}
function optStr(frame, key, maxLength) {
  return frame[key] === void 0 ? void 0 : str(frame, key, maxLength);
}
function cid(frame, key) {
  const value = frame[key];
  if (!isCid(value)) {
    throw new FieldError(`field "${key}" must be 1 to ${MAX_CID_LENGTH} characters of A-Z, a-z, 0-9, "_" or "-"`);
  }
  return value;
}
function optCid(frame) {
  return frame.cid === void 0 ? void 0 : cid(frame, "cid");
}
function int(frame, key) {
  const value = frame[key];
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new FieldError(`field "${key}" must be an integer`);
  }
  return value;
}
function flag(frame, key) {
  const value = frame[key];
  if (value === void 0 || value === false) return void 0;
  if (value === true) return true;
  throw new FieldError(`field "${key}" must be a boolean`);
}
function names(frame, key) {
  const value = frame[key];
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new FieldError(`field "${key}" must be an array of strings`);
  }
  return value;
}
function withOptional(base, extra) {
  for (const [key, value] of Object.entries(extra)) {
    if (value !== void 0) base[key] = value;
  }
  return base;
}
function parseWith(value, read2) {
  if (!isRecord(value)) return refuse("bad_frame", "Cannot read frame: expected a JSON object");
  const type = value.type;
  if (typeof type !== "string") {
    return refuse("bad_frame", 'Cannot read frame: field "type" must be a string');
  }
  try {
    const frame = read2(value, type);
    if (frame === void 0) {
      return refuse("unknown_type", `Cannot read frame: unknown type ${quote(type)}`);
    }
    return accept(frame);
  } catch (error) {
    if (!(error instanceof FieldError)) throw error;
    return refuse("bad_frame", `Cannot read "${type}" frame: ${error.message}`);
  }
}

// core/files.ts
var FILE_ID = /^[0-9a-f]{64}$/;
function isFileId(value) {
  return typeof value === "string" && FILE_ID.test(value);
}
var encoder = new TextEncoder();
function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
  const units = [
    "KiB",
    "MiB",
    "GiB",
    "TiB"
  ];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toFixed(value < 10 ? 1 : 0))} ${units[unit]}`;
}
function fileNameHeader(name) {
  return encodeURIComponent(name.toWellFormed());
}
function fileQuery(files, file) {
  return files.needsToken ? `${file.url}?token=${encodeURIComponent(files.token)}` : file.url;
}

// protocol/parse_server.ts
function readServer(frame, type) {
  switch (type) {
    case "welcome":
      return withOptional({
        type,
        version: int(frame, "version"),
        server: str(frame, "server"),
        name: str(frame, "name")
      }, {
        rooms: frame.rooms === void 0 ? void 0 : names(frame, "rooms"),
        resume: optStr(frame, "resume"),
        heartbeat: frame.heartbeat === void 0 ? void 0 : int(frame, "heartbeat"),
        files: frame.files === void 0 ? void 0 : filesInfo(frame.files),
        servers: frame.servers === void 0 ? void 0 : names(frame, "servers"),
        webServers: frame.webServers === void 0 ? void 0 : names(frame, "webServers")
      });
    case "room":
      return withOptional({
        type,
        room: str(frame, "room"),
        members: names(frame, "members"),
        count: int(frame, "count")
      }, {
        topic: optStr(frame, "topic"),
        locked: flag(frame, "locked")
      });
    case "who":
      return withOptional({
        type,
        room: str(frame, "room"),
        members: names(frame, "members"),
        count: int(frame, "count")
      }, {
        people: frame.people === void 0 ? void 0 : people(frame.people)
      });
    case "topic":
      return {
        type,
        ts: int(frame, "ts"),
        room: str(frame, "room"),
        topic: str(frame, "topic"),
        by: str(frame, "by")
      };
    case "notice":
      return withOptional({
        type,
        ts: int(frame, "ts"),
        text: str(frame, "text")
      }, {
        room: optStr(frame, "room")
      });
    case "away":
      return withOptional({
        type,
        ts: int(frame, "ts"),
        name: str(frame, "name")
      }, {
        reason: optStr(frame, "reason")
      });
    case "back":
      return {
        type,
        ts: int(frame, "ts"),
        name: str(frame, "name")
      };
    case "typing":
      return withOptional({
        type,
        name: str(frame, "name")
      }, {
        room: optStr(frame, "room")
      });
    case "message":
      return withOptional({
        type,
        id: int(frame, "id"),
        ts: int(frame, "ts"),
        room: str(frame, "room"),
        from: str(frame, "from"),
        text: str(frame, "text")
      }, {
        action: flag(frame, "action"),
        replay: flag(frame, "replay"),
        cid: optCid(frame),
        file: fileRef(frame)
      });
    case "private":
      return withOptional({
        type,
        id: int(frame, "id"),
        ts: int(frame, "ts"),
        from: str(frame, "from"),
        to: str(frame, "to"),
        text: str(frame, "text")
      }, {
        action: flag(frame, "action"),
        cid: optCid(frame),
        file: fileRef(frame)
      });
    case "joined":
      return withOptional({
        type,
        ts: int(frame, "ts"),
        room: str(frame, "room"),
        name: str(frame, "name")
      }, {
        active: frame.active === void 0 ? void 0 : int(frame, "active"),
        client: optStr(frame, "client", 32),
        away: awayField(frame),
        op: flag(frame, "op")
      });
    case "left":
      return withOptional({
        type,
        ts: int(frame, "ts"),
        room: str(frame, "room"),
        name: str(frame, "name")
      }, {
        reason: optStr(frame, "reason")
      });
    case "renamed":
      return {
        type,
        ts: int(frame, "ts"),
        room: str(frame, "room"),
        from: str(frame, "from"),
        to: str(frame, "to")
      };
    case "rooms": {
      const rooms = frame.rooms;
      if (!Array.isArray(rooms)) throw new FieldError('field "rooms" must be an array');
      return {
        type,
        rooms: rooms.map((room2) => {
          if (!isRecord(room2)) throw new FieldError('field "rooms" must hold objects');
          return withOptional({
            name: str(room2, "name"),
            members: int(room2, "members")
          }, {
            joined: flag(room2, "joined"),
            topic: optStr(room2, "topic"),
            locked: flag(room2, "locked")
          });
        })
      };
    }
    case "help": {
      const commands = frame.commands;
      if (!Array.isArray(commands)) throw new FieldError('field "commands" must be an array');
      return {
        type,
        commands: commands.map((command) => {
          if (!isRecord(command)) throw new FieldError('field "commands" must hold objects');
          return {
            usage: str(command, "usage"),
            description: str(command, "description")
          };
        })
      };
    }
    case "parted":
      return {
        type,
        room: str(frame, "room")
      };
    case "servers":
      return {
        type,
        servers: names(frame, "servers"),
        webServers: names(frame, "webServers")
      };
    case "info":
      return {
        type,
        text: str(frame, "text")
      };
    case "error":
      return withOptional({
        type,
        code: str(frame, "code"),
        message: str(frame, "message")
      }, {
        cid: optCid(frame)
      });
    case "bye":
      return withOptional({
        type,
        reason: str(frame, "reason")
      }, {
        retry: flag(frame, "retry")
      });
    case "ping":
    case "pong":
      return withOptional({
        type
      }, {
        token: optStr(frame, "token")
      });
    default:
      return void 0;
  }
}
function people(value) {
  if (!Array.isArray(value)) throw new FieldError('field "people" must be an array');
  return value.map((entry) => {
    if (!isRecord(entry)) throw new FieldError('field "people" must hold objects');
    return withOptional({
      name: str(entry, "name"),
      active: int(entry, "active"),
      client: str(entry, "client", 32)
    }, {
      away: awayField(entry),
      op: flag(entry, "op")
    });
  });
}
function awayField(entry) {
  const away = entry.away;
  if (away === void 0) return void 0;
  if (!isRecord(away)) throw new FieldError('field "away" must be an object');
  return withOptional({
    since: int(away, "since")
  }, {
    reason: optStr(away, "reason")
  });
}
function filesInfo(value) {
  if (!isRecord(value)) throw new FieldError('field "files" must be an object');
  return withOptional({
    port: int(value, "port"),
    token: str(value, "token", 256),
    maxBytes: int(value, "maxBytes")
  }, {
    tls: flag(value, "tls"),
    needsToken: flag(value, "needsToken")
  });
}
function fileRef(frame) {
  const value = frame.file;
  if (value === void 0) return void 0;
  if (!isRecord(value)) throw new FieldError('field "file" must be an object');
  const id = str(value, "id", 64);
  if (!isFileId(id)) throw new FieldError('field "file.id" must be 64 lowercase hex digits');
  const url = str(value, "url", 4096);
  if (!url.startsWith("/files/")) throw new FieldError('field "file.url" must start with /files/');
  return {
    id,
    name: str(value, "name", 1024),
    size: int(value, "size"),
    type: str(value, "type", 256),
    url
  };
}
function parseServerFrame(value) {
  return parseWith(value, readServer);
}

// protocol/lines.ts
function decodeJson(line) {
  try {
    return {
      ok: true,
      value: JSON.parse(line)
    };
  } catch {
    return {
      ok: false,
      code: "bad_frame",
      message: "Cannot read frame: invalid JSON"
    };
  }
}
var NOTHING = new Uint8Array(0);
var strictDecoder = new TextDecoder("utf-8", {
  fatal: true,
  ignoreBOM: true
});

// core/names.ts
var LOOKALIKES = new Map(Object.entries({
  // Cyrillic
  "\u0430": "a",
  "\u0432": "b",
  "\u0435": "e",
  "\u0451": "e",
  "\u0454": "e",
  "\u0437": "3",
  "\u0456": "l",
  "\u0457": "l",
  "\u0458": "j",
  "\u043A": "k",
  "\u043C": "m",
  "\u043D": "h",
  "\u043E": "o",
  "\u0440": "p",
  "\u0441": "c",
  "\u0442": "t",
  "\u0443": "y",
  "\u04AF": "y",
  "\u0445": "x",
  "\u0455": "s",
  "\u04BB": "h",
  "\u0501": "d",
  "\u051B": "q",
  "\u051D": "w",
  "\u04CF": "l",
  "\u044C": "b",
  "\u043F": "n",
  // Greek
  "\u03B1": "a",
  "\u03B2": "b",
  "\u03B3": "y",
  "\u03B5": "e",
  "\u03B6": "z",
  "\u03B7": "n",
  "\u03B9": "l",
  "\u03BA": "k",
  "\u03BC": "m",
  "\u03BD": "v",
  "\u03BF": "o",
  "\u03C1": "p",
  "\u03C4": "t",
  "\u03C5": "u",
  "\u03C7": "x",
  "\u03F3": "j",
  "\u03C9": "w",
  // Latin and digits
  "i": "l",
  "\u0131": "l",
  "\u0237": "j",
  "1": "l",
  "|": "l",
  "0": "o",
  "5": "s",
  "\xDF": "ss"
}));
function foldCase(name) {
  return name.normalize("NFKC").toUpperCase().toLowerCase();
}
var FOLDS = /* @__PURE__ */ new Map();
for (const [target, sources] of Object.entries(CONFUSABLES)) {
  const folded = [
    ...target
  ].map((char) => LOOKALIKES.get(char) ?? char).join("");
  for (const source of sources) FOLDS.set(source, folded);
}
for (const [source, target] of LOOKALIKES) FOLDS.set(source, target);
if (FOLDS.has("\u03C3")) FOLDS.set("\u03C2", FOLDS.get("\u03C3"));
var ASCII = /^[\0-\x7f]*$/;
var ASCII_RULES = /* @__PURE__ */ new Map();
for (const target of new Set(LOOKALIKES.values())) {
  const sources = [
    ...LOOKALIKES
  ].filter(([source, to]) => to === target && ASCII.test(source));
  const chars = sources.map(([source]) => source).join("").replace(/[\\\]^-]/g, "\\$&");
  if (chars !== "") ASCII_RULES.set(target, new RegExp(`[${chars}]`, "g"));
}
var FOLDED = new RegExp(`[${[
  ...FOLDS.keys()
].map((char) => `\\u{${char.codePointAt(0).toString(16)}}`).join("")}]|\\p{Default_Ignorable_Code_Point}`, "gu");
function nameKey(name) {
  let key = foldCase(name);
  if (ASCII.test(key)) {
    for (const [target, pattern] of ASCII_RULES) key = key.replace(pattern, target);
  } else {
    key = key.replace(FOLDED, (char) => FOLDS.get(char) ?? "");
  }
  return key.replaceAll("rn", "m").replaceAll("vv", "w");
}
var MAX_MARKS = 4;
var NAME_PATTERN = /^[\p{L}\p{N}]\p{M}*(?:[\p{L}\p{N}]\p{M}*|[_.\-])*$/u;
var INVISIBLE = /[\p{Default_Ignorable_Code_Point}\u2800]/u;
var MARKED = /(\P{M})(\p{M}+)/gu;
var NONSPACING = /[\p{Mn}\p{Me}]/gu;
var SOFT_DOTTED = /^\p{Soft_Dotted}$/u;
var DOTTED = /* @__PURE__ */ new Set([
  "l",
  "j"
]);
var RESERVED_NAMES = new Set([
  "server",
  "system",
  "admin",
  "chat",
  "root",
  "console",
  "you",
  "everyone",
  "all",
  "notice"
].map((name) => nameKey(name)));
function markProblem(text) {
  if (ASCII.test(text)) return void 0;
  for (const [, base = "", marks = ""] of text.normalize("NFD").matchAll(MARKED)) {
    if (marks.length === 1 && marks !== "\u0307") continue;
    const each = [
      ...marks
    ];
    if (new Set(each).size < each.length) return "cannot carry the same mark twice on one letter";
    if ((marks.match(NONSPACING)?.length ?? 0) > MAX_MARKS) {
      return `can have at most ${MAX_MARKS} marks on one letter`;
    }
    if (marks.includes("\u0307") && (SOFT_DOTTED.test(base) || base === base.toLowerCase() && DOTTED.has(nameKey(base)))) {
      return "cannot put a dot above i, j or a letter like them";
    }
  }
  return void 0;
}
function checkName(name) {
  const length = [
    ...name
  ].length;
  if (length === 0) return "A name cannot be empty";
  if (length > MAX_NAME_LENGTH) return `A name can have at most ${MAX_NAME_LENGTH} characters`;
  if (!NAME_PATTERN.test(name) || INVISIBLE.test(name)) {
    return "A name can use letters, digits and _ - . and must start with a letter or digit";
  }
  const marks = markProblem(name);
  if (marks !== void 0) return `A name ${marks}`;
  if (RESERVED_NAMES.has(nameKey(name))) return `The name "${name}" is reserved`;
  return void 0;
}
var HOST_NAME = "host";
function checkOwnName(name) {
  const problem = checkName(name);
  if (problem !== void 0) return problem;
  return nameKey(name) === nameKey(HOST_NAME) ? `The name "${name}" is reserved` : void 0;
}
var ROOM_PATTERN = /^#[\p{L}\p{N}]\p{M}*(?:[\p{L}\p{N}]\p{M}*|[_\-])*$/u;
function normalizeRoom(input) {
  const typed = (input.startsWith("#") ? input : `#${input}`).normalize("NFKC");
  const room2 = typed.toLowerCase();
  if ([
    ...room2
  ].length > MAX_ROOM_LENGTH) {
    return {
      ok: false,
      code: "room_invalid",
      message: `A room name can have at most ${MAX_ROOM_LENGTH} characters`
    };
  }
  if (!ROOM_PATTERN.test(room2) || INVISIBLE.test(room2)) {
    return {
      ok: false,
      code: "room_invalid",
      message: "A room name is # followed by letters, digits, _ and -, such as #lobby"
    };
  }
  const marks = markProblem(typed);
  if (marks !== void 0) {
    return {
      ok: false,
      code: "room_invalid",
      message: `A room name ${marks}`
    };
  }
  return {
    ok: true,
    value: room2
  };
}

// core/effects.ts
function send(frame) {
  return {
    type: "send",
    frame
  };
}
function sends(frames) {
  return frames.map(send);
}
function show(lines, view) {
  return view === void 0 ? {
    type: "show",
    lines
  } : {
    type: "show",
    lines,
    view
  };
}
var ADDRESSED = /^\/(msg|m|tell)\s+(\S+)\s+/i;
function addressee(line) {
  return ADDRESSED.exec(line)?.[2]?.toLowerCase();
}
function joinDraft(draft, text) {
  if (draft.trim() === "") return text;
  const to = addressee(draft);
  const words = to !== void 0 && addressee(text) === to ? text.replace(ADDRESSED, "") : text;
  return `${draft.replace(/\n+$/, "")}
${words}`;
}
function cursorToEnd(draft, cursor, offered) {
  if (draft.trim() === "") return true;
  return offered !== void 0 && offered.draft === draft && offered.cursor === cursor && cursor === draft.length;
}
function refusedForNow(code) {
  return code === "not_stored" || code === "rate_limited";
}
function refusal(code, message) {
  const about = code === "name_taken" || code === "name_invalid" ? "name" : code === "password_required" || code === "password_wrong" ? "password" : "other";
  return {
    type: "refused",
    about,
    code,
    message: sanitizeText(message)
  };
}

// core/link.ts
var PROBE_AFTER_MS = 2e3;
var SILENCE_LIMIT_MS = 5e3;
var DEFAULT_HEARTBEAT_S = 30;
var HEARTBEAT_GRACE_MS = 5e3;
var HELLO_TIMEOUT_MS = 15e3;
var LinkCheck = class {
  #heard;
  #probedAt;
  /** Starts watching a link that just answered, at `now`. */
  constructor(now) {
    this.#heard = now;
  }
  /** Notes that the server was heard from at `now`. */
  heard(now) {
    this.#heard = Math.max(this.#heard, now);
  }
  /**
   * What to do at `now`, given when the oldest request still unanswered was
   * sent: `"probe"` (send a ping), `"dead"` (give the link up) or nothing.
   */
  check(now, oldestUnanswered) {
    if (this.#probedAt !== void 0) {
      if (this.#heard >= this.#probedAt) this.#probedAt = void 0;
      else return now - this.#probedAt >= SILENCE_LIMIT_MS ? "dead" : void 0;
    }
    if (oldestUnanswered !== void 0 && now - Math.max(oldestUnanswered, this.#heard) >= PROBE_AFTER_MS) {
      this.#probedAt = now;
      return "probe";
    }
    return void 0;
  }
};
var Heartbeat = class {
  #limit;
  #heard;
  #pinged = false;
  /** Starts following a heartbeat of `seconds` (as `welcome` gives it) at `now`. */
  constructor(now, seconds) {
    this.#heard = now;
    this.#limit = (seconds !== void 0 && seconds > 0 ? seconds : DEFAULT_HEARTBEAT_S) * 1e3;
  }
  /** Notes that the server was heard from at `now`. */
  heard(now) {
    this.#heard = Math.max(this.#heard, now);
    this.#pinged = false;
  }
  /** What to do at `now`: `"ping"` (once per quiet spell), `"dead"` or nothing. */
  check(now) {
    const quiet = now - this.#heard;
    if (quiet > this.#limit + HEARTBEAT_GRACE_MS) return "dead";
    if (quiet <= this.#limit / 3 || this.#pinged) return void 0;
    this.#pinged = true;
    return "ping";
  }
};

// core/answer_order.ts
var ORDERED_WAIT_MS = PROBE_AFTER_MS + SILENCE_LIMIT_MS;
var AnswerOrder = class {
  #options;
  /**
   * Commands the client answers itself (`/bell`, `/ignore` …), typed after
   * lines the server had yet to answer: each runs once the `pong` of the
   * ping sent after those lines is in, so that answers come in the order
   * typed.
   */
  #deferred = [];
  /** A line went to the server since the last ping that orders the client's own answers. */
  #unordered = false;
  /** The token of that last ping. */
  #orderToken;
  #inputEnded = false;
  #finishToken;
  #pings = 0;
  /** The token of the ping {@linkcode AnswerOrder.settle} sent, until its pong. */
  #settleToken;
  /** Starts with nothing held. */
  constructor(options) {
    this.#options = options;
  }
  /** Whether a command the client answers itself, typed now, must wait for earlier answers. */
  get holding() {
    return this.#deferred.length > 0 || this.#unordered && this.#options.sending();
  }
  /** Whether the ping of {@linkcode AnswerOrder.settle} waits for its pong. */
  get settling() {
    return this.#settleToken !== void 0;
  }
  /** Pings the server: once its pong comes, whatever was sent before was handled. */
  settle() {
    this.#settleToken = `settle-${++this.#pings}`;
    return [
      send({
        type: "ping",
        token: this.#settleToken
      })
    ];
  }
  /** A typed line went to the server: what the client answers itself waits for its answer. */
  sent() {
    this.#unordered = true;
  }
  /**
   * Sends `frames`, typed lines that waited for the connection: what the
   * client answers itself from now on waits for their answers.
   */
  flushed(frames) {
    if (frames.length > 0) this.#unordered = true;
    return sends(frames);
  }
  /** Holds the command `text` until the lines typed before it are answered; pings after them. */
  defer(text, now) {
    return this.#hold({
      line: text
    }, now);
  }
  /** Holds `answer`, that of a line refused here, until the lines typed before it are answered. */
  hold(answer, now) {
    return this.#hold({
      effects: answer
    }, now);
  }
  /** The server's `pong` with `token`: finished, settled, or the commands it held run. */
  pong(token) {
    if (token !== void 0 && token === this.#finishToken) return [
      {
        type: "finished"
      }
    ];
    if (token !== void 0 && token === this.#settleToken) this.#settleToken = void 0;
    const effects = [];
    if (this.#deferred.some((deferred) => deferred.token === token)) {
      effects.push(...this.#release(token));
    }
    effects.push(...this.finishing());
    return effects;
  }
  /** Runs every command held, if the oldest has waited {@linkcode ORDERED_WAIT_MS} at `now`. */
  tick(now) {
    const oldest = this.#deferred[0];
    return oldest !== void 0 && now - oldest.at >= ORDERED_WAIT_MS ? this.#release(void 0) : [];
  }
  /** No more lines will be typed: {@linkcode AnswerOrder.finishing} may ping. */
  endInput() {
    this.#inputEnded = true;
  }
  /** Once input ended and nothing is held back, pings; its pong means every line was handled. */
  finishing() {
    if (!this.#inputEnded || !this.#options.sending() || this.#finishToken !== void 0) {
      return [];
    }
    this.#finishToken = `finish-${++this.#pings}`;
    return [
      send({
        type: "ping",
        token: this.#finishToken
      })
    ];
  }
  /** The connection ended: no pong will come, so every command held runs now. */
  closed() {
    this.#finishToken = void 0;
    this.#settleToken = void 0;
    this.#unordered = false;
    return this.#release(void 0);
  }
  /** Holds `held` after what is held already; pings after the lines sent since the last ping. */
  #hold(held, now) {
    const effects = [];
    if (this.#unordered || this.#orderToken === void 0) {
      this.#unordered = false;
      this.#orderToken = `order-${++this.#pings}`;
      effects.push(send({
        type: "ping",
        token: this.#orderToken
      }));
    }
    this.#deferred.push({
      held,
      token: this.#orderToken,
      at: now
    });
    return effects;
  }
  /**
   * Runs the commands held until the `pong` of `token`, with those before
   * them, each as typed when it was; every one held when `token` is
   * `undefined`.
   */
  #release(token) {
    const last = token === void 0 ? this.#deferred.length - 1 : this.#deferred.findLastIndex((deferred) => deferred.token === token);
    const effects = [];
    for (const { held, at } of this.#deferred.splice(0, last + 1)) {
      effects.push(..."line" in held ? this.#options.run(held.line, at) : held.effects);
    }
    if (this.#deferred.length === 0) this.#orderToken = void 0;
    return effects;
  }
};

// core/format.ts
function clock(ts) {
  const date = new Date(ts);
  return [
    date.getHours(),
    date.getMinutes(),
    date.getSeconds()
  ].map((part) => String(part).padStart(2, "0")).join(":");
}
function day(ts) {
  const date = new Date(ts);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(date.getDate()).padStart(2, "0")}`;
}
function stamp(ts, now) {
  return day(ts) === day(now) ? clock(ts) : `${day(ts)} ${clock(ts)}`;
}
function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
function mentionPattern(me) {
  return new RegExp(`(?<![\\p{L}\\p{N}_])@?${escapeRegExp(me)}(?![\\p{L}\\p{N}_])`, "giu");
}
function isMention(frame, me) {
  if (me === "") return false;
  if (frame.type === "private") return nameKey(frame.from) !== nameKey(me);
  if (frame.type !== "message" || frame.replay) return false;
  if (nameKey(frame.from) === nameKey(me)) return false;
  return mentionPattern(sanitizeText(me)).test(sanitizeLines(frame.text));
}
var OPENING_FENCE = /^```[^\s`]*$/;
var FENCE = "```";
function codeOf(text) {
  const first = text.indexOf("\n");
  const last = text.lastIndexOf("\n");
  if (first === -1 || last === first || text.slice(last + 1) !== FENCE) return void 0;
  if (!OPENING_FENCE.test(text.slice(0, first))) return void 0;
  const code = text.slice(first + 1, last);
  return code.trim() === "" ? void 0 : code;
}
function fenced(text) {
  return `${FENCE}
${text}
${FENCE}`;
}

// core/roster.ts
var ROOMS_REMEMBERED = 256;
var ELSEWHERE_REMEMBERED = 256;
var NOBODY = /* @__PURE__ */ new Map();
function stillConnected(reason) {
  return reason?.startsWith("went to ") === true || reason === "parted";
}
function changedAny(changes) {
  return changes.me || changes.room || changes.members || changes.rooms || changes.views || changes.typing;
}
function noChanges() {
  return {
    me: false,
    room: false,
    members: false,
    rooms: false,
    views: false,
    typing: false
  };
}
var Room = class {
  members = /* @__PURE__ */ new Map();
  count = 0;
  /** The highest message id seen in it. */
  lastId;
  constructor(lastId) {
    this.lastId = lastId;
  }
  set(members, count2) {
    this.members.clear();
    for (const name of members) this.members.set(nameKey(name), name);
    this.count = Math.max(count2, this.members.size);
  }
};
var Roster = class {
  #me = "";
  /** Whether the server speaks version 2: the user may be in many rooms. */
  #many = false;
  #room = LOBBY;
  /** The rooms the user is in, in the order entered. */
  #joined = /* @__PURE__ */ new Map();
  #rooms = [];
  /** The last message id seen in each room left, oldest first. */
  #seenIn = /* @__PURE__ */ new Map();
  /** People known to be connected outside the user's rooms, by {@linkcode nameKey}, oldest first. */
  #elsewhere = /* @__PURE__ */ new Map();
  /** The user's name once the server accepted it (renames included), else `""`. */
  get me() {
    return this.#me;
  }
  /** The current room. */
  get room() {
    return this.#room;
  }
  /** The rooms the user is in, in the order entered. */
  get joined() {
    return [
      ...this.#joined.keys()
    ];
  }
  /** Whether the server lets the user be in many rooms at once (version 2). */
  get many() {
    return this.#many;
  }
  /** People in the current room, by {@linkcode nameKey}. */
  get members() {
    return this.#joined.get(this.#room)?.members ?? NOBODY;
  }
  /** How many people are in the current room; may exceed `members.size` in huge rooms. */
  get count() {
    return this.#joined.get(this.#room)?.count ?? 0;
  }
  /**
   * People this connection knows to be connected outside the current room:
   * in another of the user's rooms, seen to go to another room, left behind
   * in a room the user left, or met in a private message; until they are
   * seen to leave, or the server says nobody by that name is here.
   */
  get elsewhere() {
    const here = this.members;
    const found = /* @__PURE__ */ new Map();
    for (const [room2, entry] of this.#joined) {
      if (room2 === this.#room) continue;
      for (const [key, name] of entry.members) {
        if (!here.has(key) && !this.isMe(name)) found.set(key, name);
      }
    }
    for (const [key, name] of this.#elsewhere) if (!here.has(key)) found.set(key, name);
    return found;
  }
  /**
   * The name, as last seen, of the person `name` names (whatever its case or
   * look-alikes) among those this connection knows to be connected: in the
   * current room or {@linkcode Roster.elsewhere}; `undefined` if none.
   */
  known(name) {
    const key = nameKey(name);
    return this.members.get(key) ?? this.elsewhere.get(key);
  }
  /** The rooms the user is in where `name` is too, in the order entered. */
  roomsWith(name) {
    const key = nameKey(name);
    return [
      ...this.#joined
    ].filter(([, room2]) => room2.members.has(key)).map(([room2]) => room2);
  }
  /** Forgets `name` as connected elsewhere: the server said nobody by that name is here. */
  gone(name) {
    this.#elsewhere.delete(nameKey(name.replace(/^@/, "")));
  }
  /** Rooms as the server last listed them, largest first. */
  get rooms() {
    return this.#rooms;
  }
  /** The highest message id seen in the current room, once a room was entered. */
  get lastId() {
    return this.#joined.get(this.#room)?.lastId;
  }
  /** The highest message id seen in `room` (a canonical name), if the user was ever in it. */
  seenIn(room2) {
    return this.#joined.get(room2)?.lastId ?? this.#seenIn.get(room2);
  }
  /** Reports whether `name` is the user's own name. */
  isMe(name) {
    return this.#me !== "" && nameKey(name) === nameKey(this.#me);
  }
  /** Member names of the current room, sorted for display. */
  sortedMembers() {
    return [
      ...this.members.values()
    ].sort((a, b) => a.localeCompare(b, void 0, {
      sensitivity: "base"
    }));
  }
  /**
   * The room list with the user's rooms in it even if the last listing missed
   * them, and how many people are in each of those as the user has seen come
   * and go since, rather than at the last listing (a room of more than
   * {@linkcode MAX_ANNOUNCED_ROOM_SIZE} people, whose comings and goings are not told,
   * keeps the count listed).
   */
  roomList() {
    const listed = this.#rooms.map((entry) => {
      const room2 = this.#joined.get(entry.name);
      return room2 === void 0 || room2.count > MAX_ANNOUNCED_ROOM_SIZE || room2.count === entry.members ? entry : {
        ...entry,
        members: room2.count
      };
    });
    const missing = [
      ...this.#joined
    ].filter(([name]) => !this.#rooms.some((room2) => room2.name === name));
    return [
      ...listed,
      ...missing.map(([name, room2]) => ({
        name,
        members: Math.max(1, room2.count)
      }))
    ];
  }
  /** Makes `room`, one the user is in, the current room; reports whether it is one. */
  select(room2) {
    if (!this.#joined.has(room2)) return false;
    this.#room = room2;
    return true;
  }
  /** Updates the roster from `frame` and reports what changed. */
  track(frame) {
    const changes = noChanges();
    switch (frame.type) {
      case "welcome":
        this.#me = frame.name;
        this.#many = frame.version >= 2;
        changes.me = true;
        this.#elsewhere.clear();
        if (this.#many && frame.rooms !== void 0) {
          for (const room2 of this.joined) {
            if (!frame.rooms.includes(room2)) this.#meetAll(this.#leave(room2));
          }
          for (const room2 of frame.rooms) this.#enter(room2);
          if (!this.#joined.has(this.#room)) this.#room = frame.rooms[0] ?? LOBBY;
          changes.views = changes.room = changes.members = true;
        }
        break;
      case "room": {
        const behind = [];
        if (!this.#many) {
          for (const room2 of this.joined) {
            if (room2 !== frame.room) behind.push(...this.#leave(room2));
          }
          this.#room = frame.room;
        }
        if (!this.#joined.has(this.#room)) this.#room = frame.room;
        this.#enter(frame.room).set(frame.members, frame.count);
        for (const name of frame.members) this.#elsewhere.delete(nameKey(name));
        for (const name of behind) this.#meet(name);
        changes.views = true;
        changes.room = changes.members = frame.room === this.#room;
        break;
      }
      case "parted":
        if (!this.#joined.has(frame.room)) break;
        changes.views = true;
        if (frame.room === this.#room) {
          const left = this.#leave(frame.room);
          this.#room = this.joined[0] ?? LOBBY;
          this.#meetAll(left);
          changes.room = changes.members = true;
        } else this.#meetAll(this.#leave(frame.room));
        break;
      case "who": {
        const room2 = this.#joined.get(frame.room);
        if (room2 === void 0) break;
        room2.set(frame.members, frame.count);
        changes.members = frame.room === this.#room;
        changes.rooms = true;
        break;
      }
      case "joined": {
        const room2 = this.#joined.get(frame.room);
        if (room2 === void 0) break;
        if (!room2.members.has(nameKey(frame.name))) room2.count++;
        room2.members.set(nameKey(frame.name), frame.name);
        this.#elsewhere.delete(nameKey(frame.name));
        changes.members = frame.room === this.#room;
        changes.rooms = true;
        break;
      }
      case "left": {
        const room2 = this.#joined.get(frame.room);
        if (room2 === void 0) break;
        if (room2.members.delete(nameKey(frame.name)) || room2.count > room2.members.size) {
          room2.count = Math.max(room2.members.size, room2.count - 1);
        }
        if (stillConnected(frame.reason)) this.#meet(frame.name);
        else this.#elsewhere.delete(nameKey(frame.name));
        changes.members = frame.room === this.#room;
        changes.rooms = true;
        break;
      }
      case "renamed": {
        const room2 = this.#joined.get(frame.room);
        if (room2 !== void 0 && room2.members.delete(nameKey(frame.from))) {
          room2.members.set(nameKey(frame.to), frame.to);
          changes.members = frame.room === this.#room;
        }
        this.#elsewhere.delete(nameKey(frame.from));
        if (this.isMe(frame.from)) {
          this.#me = frame.to;
          changes.me = true;
        }
        break;
      }
      case "message": {
        const room2 = this.#joined.get(frame.room);
        if (room2 === void 0) break;
        room2.lastId = Math.max(room2.lastId, frame.id);
        if (!frame.replay && !room2.members.has(nameKey(frame.from))) {
          room2.members.set(nameKey(frame.from), frame.from);
          this.#elsewhere.delete(nameKey(frame.from));
          room2.count = Math.max(room2.count, room2.members.size);
          changes.members = frame.room === this.#room;
        }
        break;
      }
      case "private":
        for (const name of [
          frame.from,
          frame.to
        ]) this.#meet(name);
        break;
      case "rooms":
        this.#rooms = frame.rooms.map((room2) => ({
          name: room2.name,
          members: room2.members
        }));
        changes.rooms = true;
        break;
      default:
        break;
    }
    return changes;
  }
  /** The entry of `room`, entered now if the user was not in it, from the last id seen there. */
  #enter(room2) {
    let entry = this.#joined.get(room2);
    if (entry === void 0) {
      entry = new Room(this.#seenIn.get(room2) ?? 0);
      this.#seenIn.delete(room2);
      this.#joined.set(room2, entry);
    }
    return entry;
  }
  /** Leaves `room`, remembering the last id seen there; returns its people, still connected. */
  #leave(room2) {
    const entry = this.#joined.get(room2);
    if (entry === void 0) return [];
    this.#joined.delete(room2);
    this.#seenIn.delete(room2);
    this.#seenIn.set(room2, entry.lastId);
    if (this.#seenIn.size > ROOMS_REMEMBERED) {
      this.#seenIn.delete(this.#seenIn.keys().next().value);
    }
    return [
      ...entry.members.values()
    ];
  }
  #meetAll(names3) {
    for (const name of names3) this.#meet(name);
  }
  /** Notes `name` as connected, outside the room unless it is a member or the user. */
  #meet(name) {
    const key = nameKey(name);
    if (this.members.has(key) || this.isMe(name)) return;
    this.#elsewhere.delete(key);
    this.#elsewhere.set(key, name);
    if (this.#elsewhere.size > ELSEWHERE_REMEMBERED) {
      this.#elsewhere.delete(this.#elsewhere.keys().next().value);
    }
  }
};

// core/arrivals.ts
function names2(text, me) {
  return me !== "" && mentionPattern(sanitizeText(me)).test(sanitizeText(text));
}
function labelled(line, view) {
  return {
    ...line,
    parts: [
      {
        text: sanitizeText(view),
        style: "tag"
      },
      {
        text: " "
      },
      ...line.parts
    ],
    tags: [
      ...line.tags ?? [],
      "elsewhere"
    ]
  };
}
var SENT_REMEMBERED = 2e3;
var Arrivals = class {
  #views;
  #options;
  /** The room whose replay is arriving, and the last message id seen there before. */
  #entering;
  /** Replayed messages that are not a room's replay: an answer to `/history` or `/search`. */
  #answering = false;
  /**
   * The room messages shown with a client message id, newest last, as
   * `room`, sender and `cid`: in a cluster split, the people of one server
   * are shown a message under a provisional id, and a replay after coming
   * back gives it again under the id it was stored with.
   */
  #shown = /* @__PURE__ */ new Set();
  /** The last act of the user's own told in a room (see {@linkcode Arrivals.#ownAct}). */
  #lastOwnAct;
  /** Routes into `views`, shown as `options.display` says. */
  constructor(views, options) {
    this.#views = views;
    this.#options = options;
  }
  /** `room` was entered (its `room` frame came); its replay follows, seen up to `since`. */
  entering(room2, since) {
    this.#entering = {
      room: room2,
      since
    };
    this.#answering = false;
  }
  /** Routes `lines`, which tell of `frame`, for a user called `me`. */
  take(frame, lines, me) {
    const replayed2 = frame.type === "message" && frame.replay === true;
    const entering = replayed2 && this.#entering?.room === frame.room ? this.#entering : void 0;
    const starts = replayed2 && entering === void 0 && !this.#answering;
    if (frame.type !== "room") {
      if (entering === void 0) this.#entering = void 0;
      this.#answering = replayed2 && entering === void 0;
    }
    switch (frame.type) {
      case "message": {
        const sent = frame.cid === void 0 ? void 0 : `${frame.room}
${nameKey(frame.from)}
${frame.cid}`;
        if (entering?.since !== void 0) {
          if (frame.id <= entering.since) return this.#none();
          if (sent !== void 0 && this.#shown.has(sent)) return this.#none();
        }
        if (sent !== void 0 && !this.#answering) this.#remember(sent);
        const view = this.#roomView(frame.room);
        const own = nameKey(frame.from) === nameKey(me);
        const fresh = !own && (!replayed2 || entering?.since !== void 0);
        const mention = fresh && names2(frame.text, me);
        const day2 = this.#views.dayBefore(view, frame.ts, this.#options.clock(), {
          force: starts
        });
        return this.#deliver(view, day2 === void 0 ? lines : [
          day2,
          ...lines
        ], {
          arrival: {
            unread: fresh ? 1 : 0,
            mention
          },
          alert: mention && !replayed2
        });
      }
      case "private": {
        const own = nameKey(frame.from) === nameKey(me);
        const view = this.#views.private(own ? frame.to : frame.from).id;
        const read2 = own && this.#views.read(view);
        const arrival = {
          unread: own ? 0 : 1,
          mention: false
        };
        if (this.#options.display === "current") {
          const held = own ? [] : lines;
          const changed = !this.#views.isCurrent(view) && this.#views.hold(view, held, arrival);
          return {
            effects: [
              show(lines, view)
            ],
            changed: changed || read2,
            view
          };
        }
        const day2 = this.#views.dayBefore(view, frame.ts, this.#options.clock());
        const taken = this.#deliver(view, day2 === void 0 ? lines : [
          day2,
          ...lines
        ], {
          arrival,
          alert: false
        });
        return {
          ...taken,
          changed: taken.changed || read2
        };
      }
      case "room": {
        const view = this.#roomView(frame.room);
        if (this.#options.display === "current" && !this.#views.isCurrent(view)) {
          return this.#none(view);
        }
        return this.#deliver(view, lines, {
          arrival: {
            unread: 0,
            mention: false
          },
          alert: false
        });
      }
      case "notice": {
        if (frame.room === void 0) break;
        const view = this.#roomView(frame.room);
        const own = frame.text.startsWith(`${me} `);
        const act = `${frame.ts}
${frame.text}`;
        if (this.#shownAlready(own, act, view)) return this.#none(view);
        return this.#deliver(view, lines, {
          arrival: {
            unread: 0,
            mention: false
          },
          alert: this.#ownAct(own, act)
        });
      }
      case "joined":
      case "left": {
        const views = [
          this.#roomView(frame.room)
        ];
        const privately = nameKey(frame.name) === nameKey(me) ? void 0 : this.#views.find(`@${frame.name}`);
        const seen = this.#options.roomsWith(frame.name).length;
        const gone = frame.type === "left" && !stillConnected(frame.reason) && seen === 0;
        const back = frame.type === "joined" && seen === 1;
        if (privately !== void 0 && (gone || back)) views.push(privately.id);
        return this.#deliverEach(views, lines);
      }
      case "topic":
        return this.#deliver(this.#roomView(frame.room), lines, {
          arrival: {
            unread: 0,
            mention: false
          },
          alert: this.#ownAct(nameKey(frame.by) === nameKey(me), `${frame.ts}
${frame.room}`)
        });
      case "who":
        return this.#deliver(this.#views.current?.id ?? this.#roomView(frame.room), lines, {
          arrival: {
            unread: 0,
            mention: false
          },
          alert: false
        });
      case "renamed": {
        const own = nameKey(frame.to) === nameKey(me) || nameKey(frame.from) === nameKey(me);
        if (own && this.#options.display !== "each") {
          const act = `${frame.ts}
${frame.from}
${frame.to}`;
          if (!this.#ownAct(true, act)) return this.#none(this.#roomView(frame.room));
          break;
        }
        return this.#deliver(this.#roomView(frame.room), lines, {
          arrival: {
            unread: 0,
            mention: false
          },
          alert: false
        });
      }
      case "away":
      case "back": {
        if (nameKey(frame.name) === nameKey(me)) break;
        const views = [
          ...this.#options.roomsWith(frame.name)
        ];
        const privately = this.#views.find(`@${frame.name}`);
        if (privately !== void 0) views.push(privately.id);
        if (views.length === 0) break;
        return this.#deliverEach(views, lines);
      }
      default:
        break;
    }
    return {
      effects: lines.length === 0 ? [] : [
        show(lines)
      ],
      changed: false,
      view: void 0
    };
  }
  /**
   * Whether what the user did themself (an operator's `/mute`, `/lock`,
   * `/topic #ops …`), told in a room they may not be looking at, is shown at
   * once: the answer to what they typed, once, though it comes to each room
   * it concerns. `act` tells one act from another.
   */
  #ownAct(own, act) {
    if (!own || act === this.#lastOwnAct) return false;
    this.#lastOwnAct = act;
    return true;
  }
  /**
   * Whether an act of the user's own comes again, to the view they look at,
   * after it was shown at once from another room it concerns.
   */
  #shownAlready(own, act, view) {
    return own && act === this.#lastOwnAct && this.#options.display !== "each" && this.#views.isCurrent(view);
  }
  /** The view of `room`, or the current one if the user is not in it (nor anywhere yet). */
  #roomView(room2) {
    const view = this.#views.find(room2);
    return view?.kind === "room" ? view.id : this.#views.current?.id ?? this.#views.room(room2).id;
  }
  #remember(sent) {
    this.#shown.delete(sent);
    this.#shown.add(sent);
    if (this.#shown.size > SENT_REMEMBERED) this.#shown.delete(this.#shown.values().next().value);
  }
  #none(view) {
    return {
      effects: [],
      changed: false,
      view
    };
  }
  /** Shows `lines`, which concern no one view, in each of `views` as {@linkcode Arrivals.#deliver} does. */
  #deliverEach(views, lines) {
    const taken = views.map((view) => this.#deliver(view, lines, {
      arrival: {
        unread: 0,
        mention: false
      },
      alert: false
    }));
    return {
      effects: taken.flatMap((each) => each.effects),
      changed: taken.some((each) => each.changed),
      view: views.find((view) => this.#views.isCurrent(view)) ?? views[0]
    };
  }
  /** Shows `lines` in `view` now if it is looked at (or each view is shown), else keeps them. */
  #deliver(view, lines, options) {
    if (lines.length === 0) return this.#none(view);
    if (this.#views.isCurrent(view)) return {
      effects: [
        show(lines, view)
      ],
      changed: false,
      view
    };
    const changed = this.#views.hold(view, lines, options.arrival);
    if (this.#options.display === "each") return {
      effects: [
        show(lines, view)
      ],
      changed,
      view
    };
    const alert = options.alert ? [
      show(lines.filter((line) => line.kind !== "divider").map((line) => labelled(line, view)))
    ] : [];
    return {
      effects: alert,
      changed,
      view
    };
  }
};

// core/delivery.ts
var MAX_PENDING = 100;
var UNSENT_AFTER_MS = 1e3;
var ANSWERED_MEMORY = 256;
var PROBE_MEMORY = 16;
var CID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
function newCid() {
  const bytes = crypto.getRandomValues(new Uint8Array(22));
  let cid2 = "";
  for (const byte of bytes) cid2 += CID_ALPHABET[byte & 63];
  return cid2;
}
var Delivery = class {
  /**
   * The lines waiting, in the order typed, from `#head` on; answered ones
   * leave a hole. Those sent on this connection come first, so each step
   * costs no more than the lines it concerns, however many wait.
   */
  #slots = [];
  #head = 0;
  /** Where the lines not yet sent on this connection begin. */
  #unsentFrom = 0;
  #size = 0;
  #byCid = /* @__PURE__ */ new Map();
  #online = false;
  #everConnected = false;
  /** The token of the ping after which the replay is over, while it is awaited. */
  #barrier;
  #link;
  /** Outstanding pings by token: the last send each one went out after. */
  #probes = /* @__PURE__ */ new Map();
  #answered = /* @__PURE__ */ new Set();
  #seq = 0;
  #tokens = 0;
  /** Whether the connection is up and lines go out as they are typed. */
  get online() {
    return this.#online && this.#barrier === void 0;
  }
  /** How many lines wait. */
  get size() {
    return this.#size;
  }
  /** Lines waiting, in the order typed. */
  get pending() {
    return [
      ...this.#live(this.#head)
    ];
  }
  /**
   * Lines to show as unsent at `now`: every one while offline, else those
   * typed more than {@linkcode UNSENT_AFTER_MS} ago.
   */
  unsent(now) {
    if (!this.#online) return this.#size;
    let count2 = 0;
    for (const entry of this.#live(this.#head)) {
      if (now - entry.typedAt < UNSENT_AFTER_MS) break;
      count2++;
    }
    return count2;
  }
  /**
   * Takes a typed line. Returns it with the frames to send now (none while
   * offline or waiting for a replay to end), or `undefined` when the
   * connection was lost and {@linkcode MAX_PENDING} lines wait already.
   */
  type(line, now, options = {}) {
    if (this.#everConnected && !this.online && this.#size >= MAX_PENDING) return void 0;
    const parsed = parseInput(line);
    const post = parsed.ok && isPost(parsed.frame) ? {
      ...parsed.frame,
      cid: newCid()
    } : void 0;
    const cid2 = post?.cid;
    const say = cid2 === void 0 ? {
      type: "say",
      text: line
    } : {
      type: "say",
      text: line,
      cid: cid2
    };
    if (options.room !== void 0) say.room = options.room;
    const entry = {
      line,
      typed: options.typed ?? line,
      view: options.view,
      frame: cid2 === void 0 ? options.frame ?? say : say,
      cid: cid2,
      post,
      typedAt: now,
      slot: this.#slots.length,
      sentAt: void 0,
      sentSeq: void 0,
      everSent: false
    };
    this.#slots.push(entry);
    this.#size++;
    if (cid2 !== void 0) this.#byCid.set(cid2, entry);
    return {
      line: entry,
      send: this.online ? this.#flush(now) : []
    };
  }
  /**
   * The server accepted the client (its `welcome`). Returns what to send:
   * the waiting lines, or, when some of them may have reached the server
   * already, a ping; they follow once the replay before its pong is over.
   */
  connected(now) {
    this.#online = true;
    this.#everConnected = true;
    this.#link = new LinkCheck(now);
    this.#probes.clear();
    let resent = false;
    for (const entry of this.#live(this.#head)) resent ||= entry.everSent;
    if (!resent) return this.#flush(now);
    const token = `resend-${++this.#tokens}`;
    this.#barrier = {
      token,
      sentAt: now
    };
    return [
      {
        type: "ping",
        token
      }
    ];
  }
  /** The connection ended: whatever waits goes out again on the next one. */
  disconnected() {
    this.#online = false;
    this.#barrier = void 0;
    this.#link = void 0;
    this.#probes.clear();
    for (const entry of this.#live(this.#head)) {
      entry.sentAt = void 0;
      entry.sentSeq = void 0;
    }
    this.#unsentFrom = this.#head;
  }
  /** Takes a frame from the server, `me` being the user's name now, at `now`. */
  receive(frame, me, now) {
    const received = {
      send: [],
      answered: void 0,
      handled: [],
      repeat: false
    };
    this.#link?.heard(now);
    if (frame.type === "pong" && frame.token !== void 0) {
      if (frame.token === this.#barrier?.token) {
        this.#barrier = void 0;
        received.send = this.#flush(now);
      }
      const mark = this.#probes.get(frame.token);
      if (mark !== void 0) {
        this.#probes.delete(frame.token);
        const handled = [];
        for (const entry of this.#live(this.#head)) {
          if (entry.sentSeq === void 0 || entry.sentSeq > mark) break;
          handled.push(entry);
        }
        for (const entry of handled) this.#remove(entry);
        received.handled = handled;
      }
      return received;
    }
    const cid2 = ownCid(frame, me);
    if (cid2 === void 0) return received;
    const answered = this.#byCid.get(cid2);
    if (answered !== void 0) {
      this.#remove(answered);
      received.answered = answered;
    } else received.repeat = frame.type !== "error" && !replayed(frame) && this.#answered.has(cid2);
    return received;
  }
  /**
   * Looks at the link at `now`: returns a ping to send, `"dead"` when the
   * server has stopped answering, or nothing.
   */
  tick(now) {
    if (this.#link === void 0) return void 0;
    const oldest = this.#barrier?.sentAt ?? this.#slots[this.#head]?.sentAt;
    const advice = this.#link.check(now, oldest);
    if (advice !== "probe") return advice;
    const token = `probe-${++this.#tokens}`;
    this.#probes.set(token, this.#seq);
    if (this.#probes.size > PROBE_MEMORY) this.#probes.delete(this.#probes.keys().next().value);
    return {
      type: "ping",
      token
    };
  }
  /** The lines waiting from `slot` on, in order. */
  *#live(slot) {
    for (let at = slot; at < this.#slots.length; at++) {
      const entry = this.#slots[at];
      if (entry !== void 0) yield entry;
    }
  }
  /** Marks every line not yet sent on this connection as sent, and returns their frames. */
  #flush(now) {
    const frames = [];
    for (const entry of this.#live(Math.max(this.#unsentFrom, this.#head))) {
      entry.sentSeq = ++this.#seq;
      entry.sentAt = now;
      entry.everSent = true;
      frames.push(entry.frame);
      if (entry.cid === void 0) {
        this.#slots[entry.slot] = void 0;
        this.#size--;
      }
    }
    this.#unsentFrom = this.#slots.length;
    this.#tidy();
    return frames;
  }
  /** Takes an answered line out, remembering its id. */
  #remove(entry) {
    if (this.#slots[entry.slot] !== entry) return;
    this.#slots[entry.slot] = void 0;
    this.#size--;
    if (entry.cid !== void 0) {
      this.#byCid.delete(entry.cid);
      this.#answered.add(entry.cid);
      if (this.#answered.size > ANSWERED_MEMORY) {
        this.#answered.delete(this.#answered.values().next().value);
      }
    }
    this.#tidy();
  }
  /** Moves the head past answered lines, and lets go of the slots before it now and then. */
  #tidy() {
    while (this.#head < this.#slots.length && this.#slots[this.#head] === void 0) this.#head++;
    if (this.#head < 1024 || this.#head * 2 < this.#slots.length) return;
    this.#slots = this.#slots.slice(this.#head);
    for (const entry of this.#live(0)) entry.slot -= this.#head;
    this.#unsentFrom = Math.max(0, this.#unsentFrom - this.#head);
    this.#head = 0;
  }
};
function isPost(frame) {
  return frame.type === "say" || frame.type === "me" || frame.type === "msg";
}
function replayed(frame) {
  return frame.type === "message" && frame.replay === true;
}
function ownCid(frame, me) {
  switch (frame.type) {
    case "error":
      return frame.cid;
    case "message":
    case "private":
      return frame.cid !== void 0 && nameKey(frame.from) === nameKey(me) ? frame.cid : void 0;
    default:
      return void 0;
  }
}

// core/describe.ts
var PRIVATE_TAG = {
  text: "private",
  style: "tag"
};
var STAR = {
  text: "*",
  style: "star"
};
function plain(text) {
  return {
    text
  };
}
function named(style, name) {
  return {
    text: sanitizeText(name),
    style,
    name
  };
}
function room(name) {
  return {
    text: sanitizeText(name),
    style: "room"
  };
}
function topic(text) {
  return {
    text: sanitizeText(text),
    style: "topic"
  };
}
function isOwn(name, me) {
  return me !== "" && nameKey(name) === nameKey(me);
}
function body(value, me, highlight) {
  const text = sanitizeLines(value);
  if (!highlight || me === "") return [
    {
      text,
      style: "text"
    }
  ];
  const parts = [];
  let last = 0;
  for (const match of text.matchAll(mentionPattern(sanitizeText(me)))) {
    if (match.index > last) parts.push({
      text: text.slice(last, match.index),
      style: "text"
    });
    parts.push({
      text: match[0],
      style: "mention"
    });
    last = match.index + match[0].length;
  }
  if (last < text.length || parts.length === 0) {
    parts.push({
      text: text.slice(last),
      style: "text"
    });
  }
  return parts;
}
function messageParts(said, me) {
  const { from, text, action } = said;
  const words = body(text, me, !isOwn(from, me));
  return action ? [
    STAR,
    plain(" "),
    named("name", from),
    plain(" "),
    ...words
  ] : [
    named("name", from),
    plain(": "),
    ...words
  ];
}
function privateParts(said, me) {
  const { from, to, text, action } = said;
  const outgoing2 = isOwn(from, me);
  const you = {
    text: "you",
    style: "you",
    name: me
  };
  const sender = outgoing2 ? you : named("name", from);
  const receiver = outgoing2 ? named("peer", to) : you;
  const words = body(text, me, false);
  return action ? [
    PRIVATE_TAG,
    plain(" "),
    STAR,
    plain(" "),
    sender,
    plain(" "),
    ...words,
    plain(" \u2192 "),
    receiver
  ] : [
    PRIVATE_TAG,
    plain(" "),
    sender,
    plain(" \u2192 "),
    receiver,
    plain(": "),
    ...words
  ];
}
function unfenced(said, tags) {
  const text = sanitizeLines(said.text);
  const code = codeOf(text);
  if (code !== void 0) {
    tags.push("code");
    return {
      ...said,
      text: code
    };
  }
  if (INDENTED_LINE.test(text)) tags.push("preformatted");
  return said;
}
var INDENTED_LINE = /\n[ \t]/;
function describeMessage(frame, me, options) {
  const tags = [];
  if (frame.replay) tags.push("replay");
  if (isOwn(frame.from, me)) tags.push("own");
  if (frame.file !== void 0) {
    const file = cleanFile(frame.file);
    return {
      kind: "message",
      ts: frame.ts,
      id: frame.id,
      tags,
      parts: [
        named("name", frame.from),
        plain(" shared "),
        ...fileParts(file, options)
      ],
      file
    };
  }
  if (isMention(frame, me)) tags.push("mentioned");
  const said = unfenced(frame, tags);
  return {
    kind: frame.action ? "action" : "message",
    ts: frame.ts,
    id: frame.id,
    tags,
    parts: messageParts(said, me)
  };
}
function describePrivate(frame, me, options) {
  const tags = [
    isOwn(frame.from, me) ? "outgoing" : "incoming"
  ];
  if (frame.file !== void 0) {
    const file = cleanFile(frame.file);
    const [tag, space, sender, arrow, receiver] = privateParts({
      ...frame,
      text: ""
    }, me);
    return {
      kind: "private",
      ts: frame.ts,
      id: frame.id,
      tags,
      parts: [
        tag,
        space,
        sender,
        arrow,
        receiver,
        plain(": shared "),
        ...fileParts(file, options)
      ],
      file
    };
  }
  if (frame.action) tags.push("action");
  const said = unfenced(frame, tags);
  return {
    kind: "private",
    ts: frame.ts,
    id: frame.id,
    tags,
    parts: privateParts(said, me)
  };
}
function cleanFile(file) {
  const name = sanitizeText(file.name);
  return name === file.name ? file : {
    ...file,
    name
  };
}
function fileParts(file, options) {
  const size = Number.isSafeInteger(file.size) && file.size >= 0 ? formatBytes(file.size) : "?";
  const parts = [
    {
      text: file.name,
      style: "file"
    },
    plain(` (${size})`)
  ];
  const link = options.fileLink?.(file);
  if (link !== void 0) parts.push(plain(` ${sanitizeText(link)}`));
  return parts;
}
function notice(parts, ts) {
  const line = {
    kind: "notice",
    parts: parts.map((part) => typeof part === "string" ? plain(part) : part)
  };
  return ts === void 0 ? line : {
    ...line,
    ts
  };
}
function errorLine(message) {
  return {
    kind: "error",
    parts: [
      plain(sanitizeText(message))
    ]
  };
}
function withoutHints(message) {
  const taken = /\. Pick another name$/;
  const unknown = /\. Type \/help for the list(?=;|$)/;
  return message.replace(taken, "").replace(unknown, "");
}
function people2(members, count2, about, now) {
  if (count2 === 0) return [
    plain("nobody here")
  ];
  const parts = [
    plain(`${count2} ${count2 === 1 ? "person" : "people"} here: `)
  ];
  members.forEach((name, index) => {
    if (index > 0) parts.push(plain(", "));
    parts.push(named("nick", name));
    const person = about?.[index];
    if (person !== void 0 && person.name === name) {
      parts.push(plain(` (${personMarks(person, now).join(", ")})`));
    }
  });
  if (count2 > members.length) parts.push(plain(` and ${count2 - members.length} more`));
  return parts;
}
var IDLE_SHOWN_MS = 5 * 6e4;
function idleFor(ms) {
  return `idle ${formatSpan(Math.floor(ms / 6e4) * 6e4)}`;
}
function clientName(client2) {
  const clean = sanitizeText(client2);
  return clean === "text" ? "nc" : clean === "websocket" ? "ws" : clean;
}
function personMarks(person, now) {
  const marks = person.op ? [
    "operator"
  ] : [];
  if (person.away !== void 0) {
    const why = person.away.reason === void 0 ? "" : `: ${sanitizeText(person.away.reason)}`;
    marks.push(`away since ${clock(person.away.since).slice(0, 5)}${why}`);
  } else if (now !== void 0 && now - person.active > IDLE_SHOWN_MS) {
    marks.push(idleFor(now - person.active));
  }
  marks.push(clientName(person.client));
  return marks;
}
var HELP_USAGE_COLUMNS = 21;
function describeHelp(commands) {
  const listed = [
    ...commands,
    SLASH_HELP
  ];
  const width = Math.min(HELP_USAGE_COLUMNS, Math.max(...listed.map((command) => sanitizeText(command.usage).length)));
  return [
    notice([
      "Commands:"
    ]),
    ...listed.map((command) => ({
      ...notice([
        "  ",
        {
          text: sanitizeText(command.usage).padEnd(width),
          style: "usage"
        },
        "  ",
        {
          text: sanitizeText(command.description),
          style: "description"
        }
      ]),
      tags: [
        "help"
      ]
    }))
  ];
}
function describeFrame(frame, me, options = {}) {
  const safe = sanitizeText;
  switch (frame.type) {
    case "message":
      return [
        describeMessage(frame, me, options)
      ];
    case "private":
      return [
        describePrivate(frame, me, options)
      ];
    case "joined":
      return [
        notice([
          named("nick", frame.name),
          " joined ",
          room(frame.room)
        ], frame.ts)
      ];
    case "left": {
      const why = frame.reason === void 0 ? "" : ` (${safe(frame.reason)})`;
      return [
        notice([
          named("nick", frame.name),
          " left ",
          room(frame.room),
          why
        ], frame.ts)
      ];
    }
    case "renamed":
      return [
        notice([
          named("nick", frame.from),
          " is now ",
          named("nick", frame.to)
        ], frame.ts)
      ];
    case "welcome":
      return [
        notice([
          `Connected to ${safe(frame.server)} as `,
          named("nick", frame.name),
          ...options.hints === false ? [] : [
            ". Type /help for commands"
          ]
        ])
      ];
    case "room":
      return [
        {
          ...notice([
            "You are in ",
            room(frame.room),
            ...frame.locked ? [
              " (locked)"
            ] : [],
            ". ",
            // Someone who entered unseen (a quiet hello) is not counted in their own room.
            ...frame.count === 0 ? [
              plain("Nobody else is here")
            ] : people2(frame.members, frame.count)
          ]),
          tags: [
            "room-change"
          ]
        },
        ...frame.topic === void 0 ? [] : [
          notice([
            "Topic of ",
            room(frame.room),
            ": ",
            topic(frame.topic)
          ])
        ]
      ];
    case "who":
      return [
        notice([
          room(frame.room),
          ": ",
          ...people2(frame.members, frame.count, frame.people, options.now)
        ])
      ];
    case "parted":
      return [
        notice([
          "You left ",
          room(frame.room)
        ])
      ];
    case "rooms":
      return [
        notice([
          "Rooms: ",
          ...frame.rooms.flatMap((entry, index) => [
            ...index > 0 ? [
              plain(", ")
            ] : [],
            room(entry.name),
            plain(` (${entry.members}${entry.joined ? ", joined" : ""}${entry.locked ? ", locked" : ""})${entry.topic === void 0 ? "" : ": "}`),
            ...entry.topic === void 0 ? [] : [
              topic(entry.topic)
            ]
          ])
        ])
      ];
    case "help":
      return describeHelp(frame.commands);
    case "info":
      return [
        notice([
          safe(frame.text)
        ])
      ];
    case "error": {
      const line = errorLine(options.hints === false ? withoutHints(frame.message) : frame.message);
      const slowed = frame.code === "rate_limited" && !frame.message.startsWith("Cannot ");
      return [
        slowed ? {
          ...line,
          tags: [
            "slowed"
          ]
        } : line
      ];
    }
    case "bye":
      return [
        notice([
          `Disconnected: ${safe(frame.reason)}`
        ])
      ];
    case "topic":
      return [
        notice(frame.topic === "" ? [
          named("nick", frame.by),
          " cleared the topic of ",
          room(frame.room)
        ] : [
          named("nick", frame.by),
          " set the topic of ",
          room(frame.room),
          ": ",
          topic(frame.topic)
        ], frame.ts)
      ];
    case "notice":
      return [
        notice([
          safe(frame.text)
        ], frame.ts)
      ];
    case "away": {
      const why = frame.reason === void 0 ? "" : `: ${safe(frame.reason)}`;
      const back = options.awayByItself ? "any key brings you back" : "/back when you are back";
      return [
        notice(isOwn(frame.name, me) ? [
          `You are away${why}; ${back}`
        ] : [
          named("nick", frame.name),
          ` is away${why}`
        ], frame.ts)
      ];
    }
    case "back":
      return [
        notice(isOwn(frame.name, me) ? [
          "You are back"
        ] : [
          named("nick", frame.name),
          " is back"
        ], frame.ts)
      ];
    case "typing":
    case "servers":
    case "ping":
    case "pong":
      return [];
    default: {
      const unhandled = frame;
      throw new TypeError(`Cannot describe frame ${JSON.stringify(unhandled)}`);
    }
  }
}
function describePending(post, me) {
  const tags = [];
  const parts = post.type === "msg" ? privateParts(unfenced({
    from: me,
    to: post.to.replace(/^@/, ""),
    text: post.text
  }, tags), me) : messageParts(unfenced({
    from: me,
    text: post.text,
    action: post.type === "me"
  }, tags), me);
  const line = {
    kind: "pending",
    status: "sending\u2026",
    parts
  };
  return tags.length === 0 ? line : {
    ...line,
    tags
  };
}

// core/notices.ts
function reconnectedNotice(name) {
  return notice([
    `Reconnected as ${sanitizeText(name)}`
  ]);
}
function movedNotice(to, from) {
  return notice([
    `Now on ${sanitizeText(to)}, another server of the same chat: ${sanitizeText(from)} does not answer`
  ]);
}
function filesElsewhereNotice(page) {
  return notice([
    "To share files, open this server's own page: ",
    {
      text: sanitizeText(page),
      style: "text"
    }
  ]);
}
function serverSaysNotice(reason) {
  return notice([
    `The server says: ${sanitizeText(reason)}`
  ]);
}
function outageNotice(everConnected, invited = false) {
  if (invited) return notice([
    "Reconnecting\u2026"
  ]);
  return notice([
    everConnected ? "The connection to the server was lost. Reconnecting\u2026" : "Cannot reach the server. Trying again\u2026"
  ]);
}
function noAnswerNotice() {
  return notice([
    `No answer from the server for ${SILENCE_LIMIT_MS / 1e3} s`
  ]);
}
function waitingNotice() {
  return notice([
    "Not connected: this will be sent when the connection is back"
  ]);
}
function unsentOnLeaveNotice(count2, key) {
  const lines = count2 === 1 ? "1 line is" : `${count2} lines are`;
  const how = key.startsWith("/") ? "type" : "press";
  return notice([
    `${lines} not sent yet; ${how} ${key} again to leave anyway`
  ]);
}
function movingOnLeaveNotice(moving, key) {
  const how = key.startsWith("/") ? "type" : "press";
  const doing = moving.direction === "up" ? "sent" : "saved";
  return notice([
    `${sanitizeText(moving.name)} is still being ${doing}; ${how} ${key} again to leave anyway`
  ]);
}
function bellNotice(mode) {
  return notice([
    `Bell: ${mode}`
  ]);
}
function tooManyWaitingError() {
  return errorLine(`Cannot send: ${MAX_PENDING} lines are waiting for the server already; this one was not kept`);
}
function shareInstead(how) {
  return `share it as a file ${how} instead`;
}
function tooBig(refusal3, shareHow) {
  return errorLine(shareHow === void 0 ? refusal3 : `${refusal3}; ${shareInstead(shareHow)}`);
}
function tooLongError(bytes, shareHow) {
  return tooBig(tooLongMessage(bytes), shareHow);
}
function tooLongWarning(size, shareHow) {
  const over = size.bytes > MAX_TEXT_BYTES ? bytesOver(size.bytes) : linesOver(size.lines);
  const warning = `Too long to send: ${over}`;
  return shareHow === void 0 ? warning : `${warning}; ${shareInstead(shareHow)}`;
}
function tooManyLinesError(lines, shareHow) {
  return tooBig(tooManyLinesMessage(lines), shareHow);
}
function notConnectedError() {
  return errorLine("Cannot send: not connected to the server");
}
function lookingNotice(view, why) {
  const name = sanitizeText(view.name);
  if (view.kind === "private") {
    return notice([
      {
        text: `@${name}`,
        style: "room"
      },
      `: private messages with ${name}; what you type goes to ${name} alone`
    ]);
  }
  return notice([
    why === "already" ? "You are looking at " : "",
    {
      text: name,
      style: "room"
    },
    why === "already" ? " already" : ": nothing new since you left"
  ]);
}
function notInError(typed) {
  const word = sanitizeText(typed);
  return word.startsWith("@") ? `Cannot switch to ${word}: that is not a valid name` : `Cannot switch to ${word}: you are not in it (/join ${word} enters it)`;
}
function nobodyCalledError(name) {
  const who = sanitizeText(name);
  return `Cannot switch to @${who}: you know of nobody called ${JSON.stringify(who)} here; /msg ${who} TEXT finds them in any room`;
}
function switchToSelfError(name) {
  return `Cannot switch to @${sanitizeText(name)}: that is you`;
}
function msgToSelfError(name) {
  return `Cannot write to ${sanitizeText(name)}: that is you`;
}
function typingModeNotice(on) {
  return notice([
    on ? "Typing: on (others see when you are typing; /typing off hides it)" : "Typing: off (others do not see when you are typing)"
  ]);
}
function ignoredNotice(name, already) {
  const who = sanitizeText(name);
  return notice([
    already ? `You ignore ${who} already` : `You ignore ${who} now: their messages are hidden from you (/unignore ${who} shows them)`
  ]);
}
function unignoredNotice(name, was) {
  const who = sanitizeText(name);
  return notice([
    was ? `You no longer ignore ${who}` : `You do not ignore ${who}`
  ]);
}
function ignoresNotice(names3) {
  return notice([
    names3.length === 0 ? "You ignore nobody" : `You ignore ${names3.map((name) => sanitizeText(name)).join(", ")}`
  ]);
}
function ignoreError(name, why) {
  const who = JSON.stringify(sanitizeText(name));
  return errorLine(why === "invalid" ? `Cannot ignore ${who}: that is not a valid name` : `Cannot ignore ${who}: that is you`);
}

// core/transfers.ts
var LINK = /^https?:\/\/\S+$/i;
function transferEffects(command, place2) {
  if (command.command === "send") {
    if (!place2.online) return [
      show([
        notConnectedError()
      ])
    ];
    if (place2.shelf.place === void 0) return [
      show([
        errorLine(NO_FILES)
      ])
    ];
    return [
      {
        type: "upload",
        path: command.path,
        view: place2.view?.id
      }
    ];
  }
  const target = command.target;
  if (LINK.test(target)) return [
    {
      type: "download",
      link: target
    }
  ];
  if (!/^\d{1,9}$/.test(target)) {
    return [
      show([
        errorLine(`Cannot get ${JSON.stringify(target)}: ${GET_WHAT}`)
      ])
    ];
  }
  if (place2.shelf.place === void 0) {
    return [
      show([
        errorLine(`Cannot get file ${Number(target)}: ${SERVES_NO_FILES}`)
      ])
    ];
  }
  const file = place2.shelf.get(Number(target));
  if (file === void 0) {
    return [
      show([
        errorLine(`Cannot get file ${Number(target)}: ${noSuchNumber(place2.shelf)}`)
      ])
    ];
  }
  return [
    {
      type: "download",
      file
    }
  ];
}
var TAKES_NO_FILES = "this server takes no files";
var NO_FILES = `Cannot send a file: ${TAKES_NO_FILES}`;
var SERVES_NO_FILES = `${TAKES_NO_FILES}, so it serves none, not even those shared through other servers of the chat`;
var GET_WHAT = "give the number a shared file shows (as in /get 3) or a link starting with http:// or https://";
function noSuchNumber(shelf) {
  const last = shelf.last === void 0 ? void 0 : shelf.numberOf(shelf.last);
  return last === void 0 ? "no file has been shared yet" : `no file has that number (the last file shared is ${last})`;
}

// core/bell.ts
var DEFAULT_BELL = "mentions";
function localHelp(mode, options = {}) {
  const bell = options.bell ?? true;
  const named2 = (names3) => (command) => names3.some((name) => command.usage.startsWith(`/${name} `));
  const moves = named2(TRANSFER_COMMANDS);
  const needsFiles = named2(FILE_COMMANDS);
  return LOCAL_COMMANDS.flatMap((command) => moves(command) && !options.transfers ? [] : needsFiles(command) && options.files === false ? [
    {
      ...command,
      description: `${command.description} (${TAKES_NO_FILES})`
    }
  ] : command.usage.startsWith("/typing") && options.typing !== void 0 ? [
    {
      ...command,
      description: `${command.description} (now: ${options.typing})`
    }
  ] : !command.usage.startsWith("/bell") ? [
    command
  ] : bell ? [
    {
      ...command,
      description: `${command.description} (now: ${mode})`
    }
  ] : []);
}
function runBell(mode, current) {
  const next = mode ?? current;
  return {
    mode: next,
    line: bellNotice(next)
  };
}
function rings(frame, options) {
  const { mode, me } = options;
  if (mode === "off") return false;
  if (mode === "on" && !options.elsewhere && frame.type === "message" && !frame.replay) {
    return nameKey(frame.from) !== nameKey(me);
  }
  return isMention(frame, me);
}

// core/shelf.ts
var MAX_SHELVED_FILES = 1e3;
var FileShelf = class {
  #files;
  #byNumber = /* @__PURE__ */ new Map();
  #numbers = /* @__PURE__ */ new Map();
  #last = 0;
  /** Where and how to upload and download, once a server said so in `welcome`. */
  get place() {
    return this.#files;
  }
  /** Takes what a `welcome` says of files: nothing means this server takes none. */
  welcome(files) {
    this.#files = files;
  }
  /** Numbers the file `frame` shares, if it shares one; the same file keeps its number. */
  take(frame) {
    if (frame.type !== "message" && frame.type !== "private") return;
    if (frame.file !== void 0) this.numberOf(frame.file);
  }
  /** The number of `file`, given it now if it has none. */
  numberOf(file) {
    const key = `${file.id}/${file.name}`;
    const known = this.#numbers.get(key);
    if (known !== void 0) return known;
    const number = ++this.#last;
    this.#numbers.set(key, number);
    this.#byNumber.set(number, file);
    if (this.#byNumber.size > MAX_SHELVED_FILES) {
      const [oldest, old] = this.#byNumber.entries().next().value;
      this.#byNumber.delete(oldest);
      this.#numbers.delete(`${old.id}/${old.name}`);
    }
    return number;
  }
  /** The file numbered `number`, if it is still remembered. */
  get(number) {
    return this.#byNumber.get(number);
  }
  /** The last file numbered, if any. */
  get last() {
    return this.#byNumber.get(this.#last);
  }
};

// core/handshake.ts
var Handshake = class {
  #version = LATEST_PROTOCOL_VERSION;
  #resume;
  #servers = [];
  #webServers = [];
  #everWelcomed = false;
  #online = false;
  /** Whether the user was told, since the connection was lost, that what they type waits. */
  #waitingTold = false;
  #helloAt;
  #heartbeat;
  #quitting = false;
  #bye;
  /** Whether the server accepted this connection's `hello`. */
  get online() {
    return this.#online;
  }
  /** Whether the server ever accepted this client: a `hello` from now on comes back. */
  get welcomed() {
    return this.#everWelcomed;
  }
  /** The protocol version the next `hello` speaks: 2, or 1 once the server refused 2. */
  get version() {
    return this.#version;
  }
  /** The resume token of the last `welcome`, which the next `hello` hands back. */
  get resume() {
    return this.#resume;
  }
  /** The other servers of the same chat, as last named. */
  get servers() {
    return this.#servers;
  }
  /** The URLs of the other servers' web clients, as last named. */
  get webServers() {
    return this.#webServers;
  }
  /** Whether the user asked to leave, or the server cannot be talked to. */
  get quitting() {
    return this.#quitting;
  }
  /** The server's goodbye on this connection, if it said one. */
  get bye() {
    return this.#bye;
  }
  /** A connection opened: what was said on the last one is forgotten. */
  opened() {
    this.#bye = void 0;
  }
  /** A `hello` went at `now`: it is answered in time, or the connection is dropped. */
  asked(now) {
    this.#quitting = false;
    this.#helloAt = now;
  }
  /** The user leaves; returns `false` if they were leaving already. */
  quit() {
    if (this.#quitting) return false;
    this.#quitting = true;
    return true;
  }
  /** Any frame from the server, at `now`: the link is alive, and a goodbye is kept. */
  heard(frame, now) {
    this.#heartbeat?.heard(now);
    if (frame.type === "bye") this.#bye = {
      reason: frame.reason,
      retry: frame.retry === true
    };
  }
  /** Takes a `servers` frame: a server joined, left or moved. Whether `frame` was one. */
  moved(frame) {
    if (frame.type !== "servers") return false;
    this.#servers = frame.servers;
    this.#webServers = frame.webServers;
    return true;
  }
  /** The server accepted the `hello` at `now`; whether it had before (this is a reconnection). */
  welcome(frame, now) {
    const again = this.#everWelcomed;
    this.#online = true;
    this.#everWelcomed = true;
    this.#helloAt = void 0;
    this.#resume = frame.resume;
    this.#servers = frame.servers ?? [];
    this.#webServers = frame.webServers ?? [];
    this.#heartbeat = new Heartbeat(now, frame.heartbeat);
    if (frame.version === PROTOCOL_VERSION) this.#version = PROTOCOL_VERSION;
    return again;
  }
  /** The server refused the `hello` with `code`: what to do. */
  refused(code) {
    this.#helloAt = void 0;
    if (code === "unsupported_version") {
      if (this.#version !== PROTOCOL_VERSION) {
        this.#version = PROTOCOL_VERSION;
        return "version";
      }
      this.#quitting = true;
    }
    return "refused";
  }
  /** Whether the `hello` has gone unanswered too long at `now`; said once. */
  unanswered(now) {
    if (this.#helloAt === void 0 || now - this.#helloAt < HELLO_TIMEOUT_MS) return false;
    this.#helloAt = void 0;
    return true;
  }
  /** What the heartbeat says at `now`: ping the server, give the link up, or nothing. */
  beat(now) {
    return this.#heartbeat?.check(now);
  }
  /** Whether to tell the user, once since the connection was lost, that what they type waits. */
  tellWaiting() {
    if (this.#online || !this.#everWelcomed || this.#waitingTold) return false;
    this.#waitingTold = true;
    return true;
  }
  /** The connection ended. */
  closed() {
    this.#online = false;
    this.#waitingTold = false;
    this.#helloAt = void 0;
    this.#heartbeat = void 0;
  }
};

// core/local_commands.ts
var LocalCommands = class {
  #options;
  #presence;
  #bell = DEFAULT_BELL;
  /** Runs the local commands of a client with `options`, on the user's `presence`. */
  constructor(options, presence) {
    this.#options = options;
    this.#presence = presence;
  }
  /** When the bell rings. */
  get bell() {
    return this.#bell;
  }
  /** The commands this client runs itself, without the slash. */
  get names() {
    return LOCAL_COMMAND_NAMES.filter((name) => (this.#options.bell || name !== "bell") && (this.#options.transfers || !TRANSFER_COMMANDS.includes(name)));
  }
  /** Whether `text` names one of the commands this client runs itself. */
  isLocal(text) {
    const name = /^\/(\S*)/.exec(text)?.[1]?.toLowerCase();
    return name !== void 0 && this.names.includes(name);
  }
  /** Whether `parsed`, typed as `text`, is a command the client answers itself, sending nothing. */
  answersHere(parsed, text) {
    if (!parsed.ok) return this.isLocal(text);
    if (!("local" in parsed)) return false;
    switch (parsed.local.command) {
      case "typing":
      case "ignore":
      case "unignore":
      case "ignores":
        return true;
      case "bell":
        return this.#options.bell === true;
      default:
        return false;
    }
  }
  /**
   * Runs `local` (anything but `/switch` and `/code`), the user being `me`
   * in `place`; `undefined` when this client does not run it (`/bell`
   * without a bell, `/send` without files): the server says so.
   */
  run(local, me, place2) {
    switch (local.command) {
      case "typing":
        return [
          show([
            this.#presence.runTyping(local.mode)
          ])
        ];
      case "ignore":
        return ignoring(this.#presence.ignore(local.name, me));
      case "unignore":
        return ignoring(this.#presence.unignore(local.name));
      case "ignores":
        return ignoring(this.#presence.listIgnores());
      case "send":
      case "get":
        return this.#options.transfers ? transferEffects(local, place2) : void 0;
      case "bell": {
        if (!this.#options.bell) return void 0;
        const bell = runBell(local.mode, this.#bell);
        this.#bell = bell.mode;
        return [
          show([
            bell.line
          ])
        ];
      }
      default:
        return void 0;
    }
  }
  /** What `/help` says of the commands the client runs itself; `files`, the server takes files. */
  help(files) {
    return localHelp(this.#bell, {
      ...this.#options,
      // Without a bell (the page), `/bell` is no command here: not listed either.
      bell: this.#options.bell ?? false,
      typing: this.#presence.sendsTyping ? "on" : "off",
      // A server without files: `/send` says so, as it would if run.
      files
    });
  }
};
function ignoring(result) {
  const effects = [
    show([
      result.line
    ])
  ];
  if (result.changed !== void 0) effects.push({
    type: "ignored",
    names: result.changed
  });
  return effects;
}

// core/dividers.ts
var WEEKDAYS = [
  "Sunday",
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday"
];
var MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December"
];
function dayName(ts, now) {
  const date = new Date(ts);
  const words = `${WEEKDAYS[date.getDay()]} ${date.getDate()} ${MONTHS[date.getMonth()]}`;
  return date.getFullYear() === new Date(now).getFullYear() ? words : `${words} ${date.getFullYear()}`;
}
function daySeparator(ts, now) {
  return {
    kind: "divider",
    tags: [
      "day"
    ],
    parts: [
      {
        text: `\u2014 ${dayName(ts, now)} \u2014`
      }
    ]
  };
}
function unseenDivider(view, skipped = 0) {
  const older = skipped === 0 ? "" : ` (${skipped} earlier ${skipped === 1 ? "line" : "lines"} not kept)`;
  return {
    kind: "divider",
    tags: [
      "unseen"
    ],
    parts: [
      {
        text: "\u2014 "
      },
      {
        text: sanitizeText(view),
        style: "room"
      },
      {
        text: `: new since you left${older} \u2014`
      }
    ]
  };
}
var DayRule = class {
  #last;
  /** The separator to draw before a message stamped `ts`, seen at `now`, if one is due. */
  before(ts, now, options = {}) {
    const today = day(ts);
    const due = options.force === true || (this.#last === void 0 ? today !== day(now) : today !== this.#last);
    this.#last = today;
    return due ? daySeparator(ts, now) : void 0;
  }
};

// core/looking.ts
var Looking = class {
  #views;
  #roster;
  #display;
  /** The room a `/join` enters: it is looked at once entered. */
  #entering;
  /** Looks at the views `views` of the user `roster` tells of. */
  constructor(views, roster, options) {
    this.#views = views;
    this.#roster = roster;
    this.#display = options.display;
  }
  /** The room a `/join` is entering, until the server has put the user in it. */
  get entering() {
    return this.#entering;
  }
  /** A `/join` of `room` went to the server: it is looked at once entered. */
  enter(room2) {
    this.#entering = room2;
  }
  /** Gives up waiting for the room a `/join` was entering. */
  forgetEntering() {
    this.#entering = void 0;
  }
  /**
   * Looks at the view `typed` names (`#dev`, `@bob`), as `/switch` does;
   * `@name` begins private messages with someone known to be connected.
   */
  switchTo(typed) {
    const word = typed.trim();
    let view = this.#views.find(word);
    if (view === void 0 && word.startsWith("@") && checkName(word.slice(1)) === void 0) {
      const person = this.#roster.known(word.slice(1));
      if (person === void 0) return [
        show([
          errorLine(nobodyCalledError(word.slice(1)))
        ])
      ];
      if (nameKey(person) === nameKey(this.#roster.me)) {
        return [
          show([
            errorLine(switchToSelfError(person))
          ])
        ];
      }
      view = this.#views.private(person);
    }
    if (view === void 0) return [
      show([
        errorLine(notInError(word))
      ])
    ];
    this.#entering = void 0;
    if (this.#views.isCurrent(view.id)) return [
      show([
        lookingNotice(view, "already")
      ])
    ];
    return this.#select(view.id, false);
  }
  /** Looks at `view`, which the user picked with a key, if there is one. */
  pick(view) {
    if (view === void 0) return [];
    this.#entering = void 0;
    return this.#views.isCurrent(view.id) ? [] : this.#select(view.id, false);
  }
  /** A room was entered: its view begins, and the user looks at it if they asked to enter it. */
  entered(room2) {
    if (!this.#roster.many) this.#views.keepRooms([
      room2
    ]);
    else if (this.#entering !== room2) return [];
    this.#entering = void 0;
    return this.#select(room2, true);
  }
  /** The user left `room`: they look at the view they looked at before, or their first room. */
  parted(room2) {
    this.#views.remove(room2);
    const view = this.#views.current;
    return view === void 0 ? [] : this.#select(view.id, true);
  }
  /**
   * Looks at `id`, showing (one view at a time) what the user had not seen
   * there under a "new since you left" line; `quiet`, says nothing when
   * nothing is new.
   */
  #select(id, quiet) {
    const before = this.#views.current;
    const unseen = this.#views.select(id);
    const view = this.#views.current;
    if (unseen === void 0 || view === void 0) return [];
    if (view.kind === "room") this.#roster.select(view.id);
    if (quiet && before === view && unseen.lines.length === 0) return [];
    const effects = [
      {
        type: "changed",
        changes: {
          ...noChanges(),
          room: true,
          members: true,
          views: true
        }
      },
      {
        type: "switched",
        view: view.id,
        unseen: unseen.lines,
        skipped: unseen.skipped
      }
    ];
    if (this.#display === "each") return effects;
    if (unseen.lines.length > 0) {
      effects.push(show([
        unseenDivider(view.id, unseen.skipped),
        ...unseen.lines
      ], view.id));
    } else if (!quiet) effects.push(show([
      lookingNotice(view, "nothing new")
    ], view.id));
    return effects;
  }
};

// core/typing.ts
function leaving(name) {
  return `Cannot leave: you are looking at @${name}; name a room: /part #room`;
}
function locking(verb) {
  return (name) => `Cannot ${verb}: you are looking at @${name}; name a room: /${verb} #room`;
}
var NO_ROOM_HERE = {
  // `/part` would leave a room that is not on the screen.
  part: leaving,
  leave: leaving,
  // Private messages are not kept, and a room's answer would land unseen.
  history: () => "Cannot show history here: private messages are not kept; /switch to a room first",
  search: () => "Cannot search here: private messages are not kept; /switch to a room first",
  // The answer would be about a room that is not on the screen, and land in it unseen.
  who: (name) => `Cannot list who is here: you are looking at @${name}; /switch to a room first`,
  topic: (name, frame) => frame.type === "topic" && frame.text !== void 0 ? `Cannot set a topic: you are looking at @${name}; name a room: /topic #room TEXT` : `Cannot show a topic: you are looking at @${name}; name a room: /topic #room`,
  lock: locking("lock"),
  unlock: locking("unlock"),
  // An action would be done in that room, for everyone there to see.
  me: (name) => `Cannot act here: /me goes to a room, not to @${name}; /switch to a room first`
};
function outgoing(line, parsed, place2) {
  const { roster, view, version } = place2;
  const many = version !== PROTOCOL_VERSION;
  const frame = parsed.ok && "frame" in parsed ? parsed.frame : void 0;
  const options = many ? {
    room: roster.room
  } : {};
  let entering;
  if (frame?.type === "join" || !many && frame?.type === "leave") {
    const typed = frame.type === "join" ? frame.room : LOBBY;
    const room2 = normalizeRoom(typed);
    if (room2.ok && many && roster.joined.includes(room2.value)) return {
      look: room2.value
    };
    if (room2.ok) entering = room2.value;
    const since = room2.ok ? roster.seenIn(room2.value) : void 0;
    if (since !== void 0) options.frame = join(typed, since);
  }
  if (frame?.type === "msg" && roster.isMe(frame.to.replace(/^@/, ""))) {
    return {
      refused: msgToSelfError(roster.me)
    };
  }
  const why = frame === void 0 ? void 0 : NO_ROOM_HERE[frame.type];
  if (many && view?.kind === "private" && why !== void 0) {
    if (frame.room === void 0) return {
      refused: why(view.name, frame)
    };
  }
  const words = frame?.type === "say" && view?.kind === "private" ? frame.text : void 0;
  const sent = words === void 0 ? line : `/msg ${view.name} ${words}`;
  return entering === void 0 ? {
    line: sent,
    options
  } : {
    line: sent,
    options,
    entering
  };
}
function wordsOf(parsed) {
  const frame = parsed.ok && "frame" in parsed ? parsed.frame : void 0;
  return frame !== void 0 && "text" in frame ? frame.text : "";
}
function messageSize(parsed, version) {
  const words = wordsOf(parsed);
  return {
    bytes: utf8Length(sanitizeText(words).trim()),
    lines: version === PROTOCOL_VERSION ? 1 : countLines(sanitizeLines(words))
  };
}
function join(room2, since) {
  return {
    type: "join",
    room: room2,
    since
  };
}
function helloFrame(place2, options) {
  const { roster, version } = place2;
  const frame = {
    type: "hello",
    version,
    name: options.name
  };
  if (options.password !== void 0) frame.password = options.password;
  if (options.client !== void 0) frame.client = options.client;
  if (!options.again) return frame;
  if (options.resume !== void 0 && nameKey(options.name) === nameKey(roster.me)) {
    frame.resume = options.resume;
  }
  if (version === PROTOCOL_VERSION) {
    frame.room = roster.room;
    if (roster.lastId !== void 0) frame.since = roster.lastId;
    return frame;
  }
  const rooms = roster.joined.map((room2) => {
    const since = roster.seenIn(room2);
    return since === void 0 ? {
      room: room2
    } : {
      room: room2,
      since
    };
  });
  if (rooms.length > 0) frame.rooms = rooms;
  return frame;
}

// core/presence.ts
var TYPING_SHOWN_MS = 6e3;
var TYPING_SEND_MS = 3e3;
var TypingWatch = class {
  #views = /* @__PURE__ */ new Map();
  /** `name` is typing in `view`, as of `now`. */
  heard(view, name, now) {
    let typing = this.#views.get(view);
    if (typing === void 0) this.#views.set(view, typing = /* @__PURE__ */ new Map());
    typing.set(nameKey(name), {
      name,
      until: now + TYPING_SHOWN_MS
    });
  }
  /** `name` said something in `view`: they are no longer typing there. Returns whether they were. */
  said(view, name) {
    return this.#views.get(view)?.delete(nameKey(name)) ?? false;
  }
  /** `name` left `view`, or the chat (every view): they type no more. Returns whether they were. */
  gone(name, view) {
    const views = view === void 0 ? [
      ...this.#views.values()
    ] : [
      this.#views.get(view)
    ];
    let was = false;
    for (const typing of views) was = (typing?.delete(nameKey(name)) ?? false) || was;
    return was;
  }
  /** Who is typing in `view` at `now`, in the order they started. */
  names(view, now) {
    const typing = this.#views.get(view);
    if (typing === void 0) return [];
    for (const [key, entry] of typing) if (entry.until <= now) typing.delete(key);
    return [
      ...typing.values()
    ].map((entry) => entry.name);
  }
  /** When the next "is typing" runs out, if any shows. */
  nextChange() {
    let next;
    for (const typing of this.#views.values()) {
      for (const { until } of typing.values()) next = Math.min(next ?? until, until);
    }
    return next;
  }
};
function typingText(names3) {
  if (names3.length === 0) return "";
  if (names3.length === 1) return `${names3[0]} is typing\u2026`;
  if (names3.length === 2) return `${names3[0]} and ${names3[1]} are typing\u2026`;
  return `${names3.length} people are typing\u2026`;
}
var TypingSender = class {
  #last = -Infinity;
  #where;
  /** Whether the user lets others see them typing (`/typing on|off`). */
  on = true;
  /** Whether to send `typing` for a keystroke at `now` in `where` (a room, `@name`). */
  keystroke(now, where = "") {
    if (!this.on) return false;
    if (where === this.#where && now - this.#last < TYPING_SEND_MS) return false;
    this.#last = now;
    this.#where = where;
    return true;
  }
  /** The user sent their line: the next keystroke starts a new message. */
  sent() {
    this.#last = -Infinity;
  }
};
var IdleWatch = class {
  #afterMs;
  #lastInput;
  #auto = false;
  #manual = false;
  /** Away after `afterMs` without input (0: never), counting from `now`. */
  constructor(afterMs, now) {
    this.#afterMs = afterMs;
    this.#lastInput = now;
  }
  /** Input at `now`: `"back"` when an automatic away ends with it. */
  input(now) {
    this.#lastInput = now;
    if (!this.#auto) return void 0;
    this.#auto = false;
    return "back";
  }
  /** Time passes: `"away"` once the user has been idle long enough. */
  tick(now) {
    if (this.#afterMs <= 0 || this.#auto || this.#manual) return void 0;
    if (now - this.#lastInput < this.#afterMs) return void 0;
    this.#auto = true;
    return "away";
  }
  /** The user went away (`true`, with `/away`) or came back (`false`) themselves. */
  manual(away) {
    this.#manual = away;
    if (away) this.#auto = false;
  }
  /** When `tick` may next say `"away"`, if it may. */
  get due() {
    if (this.#afterMs <= 0 || this.#auto || this.#manual) return void 0;
    return this.#lastInput + this.#afterMs;
  }
};
var IgnoreList = class {
  #names = /* @__PURE__ */ new Map();
  /** Starts with `names`, as remembered for this server. */
  constructor(names3 = []) {
    for (const name of names3) this.#names.set(nameKey(name), name);
  }
  /** Whether `name` (or one that folds to the same) is ignored. */
  has(name) {
    return this.#names.size > 0 && this.#names.has(nameKey(name));
  }
  /** Ignores `name`; returns false if it was already. */
  add(name) {
    const key = nameKey(name);
    if (this.#names.has(key)) return false;
    this.#names.set(key, name);
    return true;
  }
  /** Stops ignoring `name`; returns false if it was not ignored. */
  remove(name) {
    return this.#names.delete(nameKey(name));
  }
  /** The names ignored, as typed, sorted. */
  get names() {
    return [
      ...this.#names.values()
    ].sort((a, b) => a.localeCompare(b));
  }
};
var CLOCK_SAMPLES = 16;
var ServerClock = class {
  /** How far the client's clock was ahead of the server's, in ms, as each of the last frames told. */
  #ahead = [];
  /** `frame` arrived when the client's wall clock (ms since the epoch) read `arrived`. */
  heard(frame, arrived) {
    if (!("ts" in frame) || frame.type === "message" && frame.replay) return;
    this.#ahead.push(arrived - frame.ts);
    if (this.#ahead.length > CLOCK_SAMPLES) this.#ahead.shift();
  }
  /** The server's clock when the client's wall clock reads `now`: `now` until a frame told. */
  now(now) {
    return this.#ahead.length === 0 ? now : now - Math.min(...this.#ahead);
  }
};

// core/presence_state.ts
function privateViewId(name) {
  return `@${nameKey(name)}`;
}
var Presence = class {
  #typing = new TypingWatch();
  /** The views where someone may be shown typing. */
  #typingViews = /* @__PURE__ */ new Set();
  #sender = new TypingSender();
  #ignores;
  #awayAfterMs;
  #idle;
  /** Whether the last away the client told the server of was its own, after a while idle. */
  #awayByItself = false;
  /** Starts with `options`. */
  constructor(options) {
    this.#awayAfterMs = options.awayAfterMs;
    this.#ignores = new IgnoreList(options.ignored);
  }
  // --- Typing, incoming
  /** `name` is typing in `view`, as of `now`: reports whether that changes what shows. */
  heard(view, name, now) {
    const before = this.#typing.names(view, now);
    this.#typing.heard(view, name, now);
    this.#typingViews.add(view);
    return !before.some((typing) => nameKey(typing) === nameKey(name));
  }
  /** `name` said something in `view`: reports whether they were shown typing there. */
  said(view, name) {
    return this.#typing.said(view, name);
  }
  /**
   * `name` left `view`, or the chat when no view is given, or took another
   * name: reports whether they were shown typing there.
   */
  gone(name, view) {
    return this.#typing.gone(name, view);
  }
  /** Who is typing in `view` at `now`, in the order they started. */
  typingIn(view, now) {
    return this.#typing.names(view, now);
  }
  /** Who is typing to the user alone at `now`, whether or not a private view with them began. */
  typingPrivately(now) {
    return [
      ...this.#typingViews
    ].filter((view) => view.startsWith("@")).flatMap((view) => this.#typing.names(view, now));
  }
  /** Time passed: reports whether an "is typing" ran out by `now`. */
  expire(now) {
    const next = this.#typing.nextChange();
    if (next === void 0 || next > now) return false;
    for (const view of this.#typingViews) {
      if (this.#typing.names(view, now).length === 0) this.#typingViews.delete(view);
    }
    return true;
  }
  /** The connection ended: nobody is known to be typing any more. Reports whether anyone was. */
  forgetTyping(now) {
    let anyone = false;
    for (const view of this.#typingViews) {
      for (const name of this.#typing.names(view, now)) {
        anyone = this.#typing.said(view, name) || anyone;
      }
    }
    this.#typingViews.clear();
    return anyone;
  }
  // --- Typing, outgoing
  /** Whether the user lets others see them typing (`/typing on|off`). */
  get sendsTyping() {
    return this.#sender.on;
  }
  /** The `typing` to send for a keystroke at `now` in `place`, if it is time to send one. */
  keystroke(now, place2) {
    const where = "room" in place2 ? place2.room : `@${nameKey(place2.to)}`;
    if (!this.#sender.keystroke(now, where)) return void 0;
    return {
      type: "typing",
      ...place2
    };
  }
  /** The user sent a line: the next keystroke begins a new message. */
  sentLine() {
    this.#sender.sent();
  }
  /** Runs `/typing`, with `mode` typed or not. */
  runTyping(mode) {
    if (mode !== void 0) this.#sender.on = mode === "on";
    if (!this.#sender.on) this.#sender.sent();
    return typingModeNotice(this.#sender.on);
  }
  // --- Away and back
  /** The server first welcomed the user at `now`: idle time counts from then. */
  welcomed(now) {
    this.#idleAt(now);
  }
  /** The user did something at `now`: `back` to send when an automatic away ends with it. */
  input(now) {
    return this.#idleAt(now).input(now) === "back" ? [
      {
        type: "back"
      }
    ] : [];
  }
  /** Time passed: `away` to send once the user has been idle long enough. */
  idle(now) {
    if (this.#idleAt(now).tick(now) !== "away") return [];
    this.#awayByItself = true;
    return [
      {
        type: "away",
        reason: "idle"
      }
    ];
  }
  /**
   * Whether the user's last away was the client's own, after a while
   * without input, which any key ends, rather than an `/away` they typed.
   */
  get awayByItself() {
    return this.#awayByItself;
  }
  /**
   * The user typed `frame` at `now`: `/away` and `/back` are theirs, and an
   * automatic away ends without a `back` of its own when they said either.
   */
  typed(frame, now) {
    const idle = this.#idleAt(now);
    if (frame?.type === "away") {
      idle.manual(true);
      this.#awayByItself = false;
    }
    const input = idle.input(now);
    if (frame?.type === "back") {
      idle.manual(false);
      return [];
    }
    return input === "back" ? [
      {
        type: "back"
      }
    ] : [];
  }
  /** The idle watch, begun at the first time it is asked about. */
  #idleAt(now) {
    return this.#idle ??= new IdleWatch(this.#awayAfterMs, now);
  }
  // --- Ignoring
  /** The names ignored, as typed, sorted. */
  get ignored() {
    return this.#ignores.names;
  }
  /** Whether `frame` is from someone ignored, so shown nowhere, counted nowhere; `me` never is. */
  hides(frame, me) {
    const from = frame.type === "message" || frame.type === "private" ? frame.from : frame.type === "typing" ? frame.name : void 0;
    return from !== void 0 && this.#ignores.has(from) && nameKey(from) !== nameKey(me);
  }
  /** Runs `/ignore NAME` for a user called `me`. */
  ignore(typed, me) {
    const name = typed.replace(/^@/, "");
    const invalid = checkName(name);
    if (invalid !== void 0) return {
      line: ignoreError(name, "invalid")
    };
    if (me !== "" && nameKey(name) === nameKey(me)) return {
      line: ignoreError(name, "yourself")
    };
    if (!this.#ignores.add(name)) return {
      line: ignoredNotice(name, true)
    };
    return {
      line: ignoredNotice(name, false),
      changed: this.#ignores.names
    };
  }
  /** Runs `/unignore NAME`. */
  unignore(typed) {
    const name = typed.replace(/^@/, "");
    const was = this.#ignores.remove(name);
    return was ? {
      line: unignoredNotice(name, true),
      changed: this.#ignores.names
    } : {
      line: unignoredNotice(name, false)
    };
  }
  /** Runs `/ignores`. */
  listIgnores() {
    return {
      line: ignoresNotice(this.#ignores.names)
    };
  }
};

// core/presence_link.ts
var PresenceLink = class {
  #presence;
  #place;
  /** Whether this connection carried a `typing`, `away` or `back` the client sent by itself. */
  #sent = false;
  /** Whether the server, an older one, answered one with `unknown_type`: none go any more. */
  #unknown = false;
  /** Links `presence` to the server, for the user at `place`. */
  constructor(presence, place2) {
    this.#presence = presence;
    this.#place = place2;
  }
  /** Sends `frames`, which the client sends by itself, unless the server knows none. */
  send(frames) {
    if (this.#unknown || frames.length === 0) return [];
    this.#sent = true;
    return sends(frames);
  }
  /**
   * The user changed their draft at `now` and it reads `draft`: they are
   * back from an automatic away, and typing where the draft goes.
   */
  keystroke(now, draft) {
    const back = this.#presence.input(now);
    const place2 = this.#typingPlace(draft);
    const frame = place2 === void 0 ? void 0 : this.#presence.keystroke(now, place2);
    return this.send(frame === void 0 ? back : [
      ...back,
      frame
    ]);
  }
  /** Lets "is typing" run out at `now`. */
  expire(now) {
    return this.#presence.expire(now) ? [
      typingChanged()
    ] : [];
  }
  /** Goes away when the user has been idle long enough at `now`, if the server can be told. */
  idle(now) {
    return this.#unknown ? [] : this.send(this.#presence.idle(now));
  }
  /** Whether `frame` says the server knows no presence: then none is sent any more. */
  refused(frame) {
    if (frame.type !== "error" || frame.code !== "unknown_type" || !this.#sent) return false;
    this.#unknown = true;
    return true;
  }
  /** Someone typing in `room`, or to the user: shown in that view for a while. */
  heardTyping(name, room2, now) {
    if (this.#place.roster.isMe(name)) return [];
    const view = room2 === void 0 ? privateViewId(name) : room2;
    return this.#presence.heard(view, name, now) ? [
      typingChanged()
    ] : [];
  }
  /**
   * A message from someone shown typing: they are no longer. Nor when they
   * left the room (the chat, unless they are still connected), or took
   * another name: no message will end it.
   */
  stoppedTyping(frame) {
    const stopped = frame.type === "message" && !frame.replay ? this.#presence.said(frame.room, frame.from) : frame.type === "private" && !this.#place.roster.isMe(frame.from) ? this.#presence.said(privateViewId(frame.from), frame.from) : frame.type === "left" ? this.#presence.gone(frame.name, stillConnected(frame.reason) ? frame.room : void 0) : frame.type === "renamed" ? this.#presence.gone(frame.from) : false;
    return stopped ? [
      typingChanged()
    ] : [];
  }
  /** The connection ended: nobody is shown typing, and the next server may know presence. */
  closed() {
    this.#presence.forgetTyping(Number.NEGATIVE_INFINITY);
    this.#sent = this.#unknown = false;
  }
  /** Where `draft` is being typed, if it is a message: the view looked at, or a `/msg`'s person. */
  #typingPlace(draft) {
    const { roster, views, handshake } = this.#place;
    if (handshake.version === PROTOCOL_VERSION || !roster.many) return void 0;
    const text = draft.trimStart();
    if (text === "") return void 0;
    if (text.startsWith("/") && !text.startsWith("//")) {
      const to = /^\/(?:msg|m|tell)\s+@?(\S+)\s+\S/i.exec(text)?.[1];
      if (to !== void 0) return roster.isMe(to) ? void 0 : {
        to
      };
      if (!/^\/(?:me|code)\s/i.test(text)) return void 0;
    }
    const view = views.current;
    if (view?.kind === "private") return {
      to: view.name
    };
    return {
      room: view?.id ?? roster.room
    };
  }
};
function typingChanged() {
  const changes = {
    ...noChanges(),
    typing: true
  };
  return {
    type: "changed",
    changes
  };
}

// core/views.ts
var MAX_UNSEEN = 500;
var ViewState = class {
  id;
  kind;
  name;
  unread = 0;
  mentioned = false;
  unseen = [];
  skipped = 0;
  /** Where the day separators of this view go. */
  days = new DayRule();
  constructor(id, kind, name) {
    this.id = id;
    this.kind = kind;
    this.name = name;
  }
};
function privateKey(name) {
  return `@${nameKey(name)}`;
}
var Views = class {
  #views = /* @__PURE__ */ new Map();
  #current;
  /** The view looked at before the current one, to go back to when the current one goes. */
  #previous;
  /** Every view, in the order they began. */
  get all() {
    return [
      ...this.#views.values()
    ];
  }
  /** The view being looked at, once there is one. */
  get current() {
    return this.#current;
  }
  /** The views with something unread, other than the current one, in order. */
  get active() {
    return this.all.filter((view) => view.unread > 0 && view !== this.#current);
  }
  /**
   * The view `typed` names: `#dev` (or `dev`, `#Dev`) for a room, `@bob` for
   * private messages; a word that names no room may name a person.
   */
  find(typed) {
    const word = typed.trim();
    if (word.startsWith("@")) return this.#views.get(privateKey(word.slice(1)));
    const room2 = normalizeRoom(word);
    const found = room2.ok ? this.#views.get(room2.value) : void 0;
    return found ?? (word.startsWith("#") ? void 0 : this.#views.get(privateKey(word)));
  }
  /** The view at `index` (from 0) in order, if there are that many. */
  at(index) {
    return this.all[index];
  }
  /** The view `step` places after the current one (before it if negative), going round. */
  beside(step) {
    const all = this.all;
    if (all.length === 0) return void 0;
    const at = all.findIndex((view) => view === this.#current);
    return all[((at + step) % all.length + all.length) % all.length];
  }
  /** Reports whether `id` is the view being looked at. */
  isCurrent(id) {
    return this.#current !== void 0 && this.#views.get(this.#key(id)) === this.#current;
  }
  /** The view of `room` (a canonical name), begun now if it is new. */
  room(room2) {
    return this.#ensure(room2, "room", room2);
  }
  /** The view of the private messages with `name`, begun now if it is new. */
  private(name) {
    const view = this.#ensure(privateKey(name), "private", name);
    view.name = name;
    return view;
  }
  /** The person called `from` is now called `to`: their private view follows. Returns whether there was one. */
  renamed(from, to) {
    const view = this.#views.get(privateKey(from));
    if (view === void 0) return false;
    const moved = new ViewState(`@${to}`, "private", to);
    Object.assign(moved, {
      unread: view.unread,
      mentioned: view.mentioned,
      skipped: view.skipped
    });
    moved.unseen = view.unseen;
    const entries = [
      ...this.#views
    ].map(([key, state]) => state === view ? [
      privateKey(to),
      moved
    ] : [
      key,
      state
    ]);
    this.#views.clear();
    for (const [key, state] of entries) this.#views.set(key, state);
    if (this.#current === view) this.#current = moved;
    if (this.#previous === view) this.#previous = moved;
    return true;
  }
  /** Ends the view `id` (a room left); the current view goes back to the one before, or the first room. */
  remove(id) {
    const key = this.#key(id);
    const view = this.#views.get(key);
    if (view === void 0) return;
    this.#views.delete(key);
    if (this.#previous === view) this.#previous = void 0;
    if (this.#current !== view) return;
    this.#current = this.#previous ?? [
      ...this.#views.values()
    ].find((view2) => view2.kind === "room");
    this.#previous = void 0;
  }
  /** Keeps the room views of `rooms` only (the rooms the user is in), and every private one. */
  keepRooms(rooms) {
    for (const view of this.all) {
      if (view.kind === "room" && !rooms.includes(view.id)) this.remove(view.id);
    }
    for (const room2 of rooms) this.room(room2);
  }
  /**
   * Looks at `id` from now on: returns what had not been seen there, which
   * is now seen, or `undefined` if there is no such view.
   */
  select(id) {
    const view = this.#views.get(this.#key(id));
    if (view === void 0) return void 0;
    if (this.#current !== view) this.#previous = this.#current;
    this.#current = view;
    return this.#clear(view);
  }
  /** Marks everything in `id` seen, as when the user answers a private message. */
  read(id) {
    const view = this.#views.get(this.#key(id));
    if (view === void 0 || view.unread === 0 && !view.mentioned) return false;
    this.#clear(view);
    return true;
  }
  /** The day separator due before a message stamped `ts` in `id`, seen at `now`. */
  dayBefore(id, ts, now, options = {}) {
    return this.#views.get(this.#key(id))?.days.before(ts, now, options);
  }
  /**
   * Keeps `lines` of `id` until the user looks at it, and counts what
   * `arrival` says: returns whether its unread count or mention changed.
   */
  hold(id, lines, arrival) {
    const view = this.#views.get(this.#key(id));
    if (view === void 0) return false;
    view.unseen.push(...lines);
    const over = view.unseen.length - MAX_UNSEEN;
    if (over > 0) {
      view.unseen.splice(0, over);
      view.skipped += over;
    }
    const changed = arrival.unread > 0 || arrival.mention && !view.mentioned;
    view.unread += arrival.unread;
    view.mentioned ||= arrival.mention;
    return changed;
  }
  #clear(view) {
    const unseen = {
      lines: view.unseen,
      skipped: view.skipped
    };
    view.unseen = [];
    view.skipped = 0;
    view.unread = 0;
    view.mentioned = false;
    return unseen;
  }
  #key(id) {
    return id.startsWith("@") ? privateKey(id.slice(1)) : id;
  }
  #ensure(key, kind, name) {
    let view = this.#views.get(key);
    if (view === void 0) {
      view = new ViewState(kind === "room" ? key : `@${name}`, kind, name);
      this.#views.set(key, view);
    }
    this.#current ??= view;
    return view;
  }
};

// core/wording.ts
var Wording = class {
  #describing;
  #clock;
  /** The server's clock, which the times it tells are on. */
  #serverClock = new ServerClock();
  /** Words frames for a client whose shared files are on `files`. */
  constructor(files, options) {
    const hint = options.fileHint;
    this.#describing = {
      // A server that takes no files serves none either, those shared through others included.
      ...hint === void 0 ? {} : {
        fileLink: (file) => files.place === void 0 ? void 0 : hint(files.numberOf(file))
      },
      ...options.hints === false ? {
        hints: false
      } : {}
    };
    this.#clock = options.clock;
  }
  /** A frame came from the server while connected: the times it tells set the server's clock. */
  heard(frame) {
    this.#serverClock.heard(frame, this.#clock());
  }
  /** The lines of `frame`, to the user `me`, as they are. */
  of(frame, me) {
    return describeFrame(frame, me, this.#describing);
  }
  /** The lines of `frame`, received while connected, to the user at `place`. */
  incoming(frame, place2) {
    const described = frame.type === "help" ? {
      ...frame,
      commands: [
        ...frame.commands,
        ...place2.localHelp()
      ]
    } : place2.version === PROTOCOL_VERSION ? oneLine(frame) : frame;
    const describing = frame.type === "who" ? {
      ...this.#describing,
      now: this.#serverClock.now(this.#clock())
    } : frame.type === "away" && place2.awayByItself ? {
      ...this.#describing,
      awayByItself: true
    } : this.#describing;
    return describeFrame(described, place2.me, describing);
  }
};
function oneLine(frame) {
  if (frame.type !== "message" && frame.type !== "private") return frame;
  return {
    ...frame,
    text: sanitizeText(frame.text)
  };
}

// core/conversation.ts
var Conversation = class {
  /** Who and where the user is. */
  roster = new Roster();
  #views = new Views();
  #arrivals;
  #options;
  #delivery = new Delivery();
  /** The files seen shared, by number, and where the server takes them. */
  files = new FileShelf();
  #wording;
  #handshake = new Handshake();
  #looking;
  #order;
  #local;
  #presence;
  #presenceLink;
  /** The last line typed was a `/quit` that warned of lines not sent yet: the next `/quit` leaves. */
  #quitWarned = false;
  /** Starts a conversation not yet connected. */
  constructor(options = {}) {
    this.#options = options;
    const clock2 = options.clock ?? Date.now;
    this.#wording = new Wording(this.files, {
      fileHint: options.fileHint,
      hints: options.hints,
      clock: clock2
    });
    this.#arrivals = new Arrivals(this.#views, {
      display: options.display ?? "current",
      clock: clock2,
      roomsWith: (name) => this.roster.roomsWith(name)
    });
    this.#presence = new Presence({
      awayAfterMs: options.awayAfterMs ?? 0,
      ignored: options.ignored ?? []
    });
    this.#looking = new Looking(this.#views, this.roster, {
      display: options.display
    });
    this.#order = new AnswerOrder({
      run: (line, at) => this.#type(line, parseLine(line), at),
      sending: () => this.#delivery.online
    });
    this.#local = new LocalCommands(options, this.#presence);
    this.#presenceLink = new PresenceLink(this.#presence, {
      roster: this.roster,
      views: this.#views,
      handshake: this.#handshake
    });
  }
  /** The room a `/join` is entering, until the server has put the user in it. */
  get entering() {
    return this.#looking.entering;
  }
  /** Gives up waiting for the room a `/join` was entering: the server refused it. */
  forgetEntering() {
    this.#looking.forgetEntering();
  }
  /** Whether the server accepted this connection's `hello`. */
  get online() {
    return this.#handshake.online;
  }
  /** Whether the server ever accepted this client: a `hello` from now on comes back. */
  get welcomed() {
    return this.#handshake.welcomed;
  }
  /** Whether the ping of {@linkcode Conversation.settle} waits for its pong. */
  get settling() {
    return this.#order.settling;
  }
  /**
   * Pings the server: once its pong comes, whatever was sent before was
   * handled and its answers shown (a room's history after the welcome, a
   * shared file posted), and {@linkcode Conversation.settling} is false.
   */
  settle() {
    if (!this.#handshake.online) return [];
    return this.#order.settle();
  }
  /** The protocol version the next `hello` speaks: 2, or 1 once the server refused 2. */
  get version() {
    return this.#handshake.version;
  }
  /**
   * The other servers of the same chat (`host:port` of their chat ports), as
   * the last `welcome` or `servers` named them: where to go back to when
   * this one goes away. Empty outside a cluster.
   */
  get servers() {
    return this.#handshake.servers;
  }
  /** The URLs of the other servers' web clients (`http://host:port/`), as last named. */
  get webServers() {
    return this.#handshake.webServers;
  }
  /** Whether the user asked to leave. */
  get quitting() {
    return this.#handshake.quitting;
  }
  /** The server's goodbye on this connection, if it said one. */
  get bye() {
    return this.#handshake.bye;
  }
  /** When the bell rings. */
  get bell() {
    return this.#local.bell;
  }
  /** The user's views, rooms and private messages, in the order they began. */
  get views() {
    return this.#views.all;
  }
  /** The view the user is looking at, once there is one. */
  get view() {
    return this.#views.current;
  }
  /** The other views with something unread, in order. */
  get activity() {
    return this.#views.active;
  }
  /** The people the user ignores, as typed, sorted. */
  get ignored() {
    return this.#presence.ignored;
  }
  /** Whether the user lets others see them typing (`/typing on|off`). */
  get sendsTyping() {
    return this.#presence.sendsTyping;
  }
  /**
   * Who is typing in view `id` (`#dev`, or `@bob` for private messages: a
   * {@linkcode View}'s id) at `now`, in the order they started. A name shows
   * a few seconds after the server last said it, and goes at once when their
   * message comes; a `changed` effect with `typing` says when to look again.
   */
  typingIn(id, now) {
    return this.#presence.typingIn(id.startsWith("@") ? privateViewId(id.slice(1)) : id, now);
  }
  /** Who is typing to the user alone at `now` (private messages), in any view or none yet. */
  typingPrivately(now) {
    return this.#presence.typingPrivately(now);
  }
  /** The commands this client runs itself, without the slash. */
  get localCommands() {
    return this.#local.names;
  }
  /** How many lines wait for the server. */
  get waiting() {
    return this.#delivery.size;
  }
  /** Lines to show as unsent at `now`: every one while offline, else those waiting a while. */
  unsent(now) {
    return this.#delivery.unsent(now);
  }
  /**
   * What leaving now by `key` (`Ctrl-C`, `/quit`) would lose, said as the
   * line that asks to do it again to leave anyway: lines the server does not
   * have yet, else a file moving. `undefined` when nothing would be lost.
   */
  leaving(key, now) {
    const unsent = this.unsent(now);
    if (unsent > 0) return unsentOnLeaveNotice(unsent, key);
    const moving = this.#options.moving?.();
    return moving === void 0 ? void 0 : movingOnLeaveNotice(moving, key);
  }
  /** A connection opened: what was said on the last one is forgotten. */
  opened() {
    this.#handshake.opened();
  }
  /**
   * Asks to join as `name` at `now`, with the password if given. Coming back,
   * the `hello` takes the name back with the resume token (if it is still
   * the name), returns to every room and asks for what came after the last
   * id seen in each.
   */
  hello(name, now, options = {}) {
    const frame = helloFrame(this.#place(), {
      name,
      password: options.password,
      resume: this.#handshake.resume,
      again: this.#handshake.welcomed,
      client: this.#options.client
    });
    this.#handshake.asked(now);
    return [
      send(frame)
    ];
  }
  /** Takes one frame from the server, at `now`. */
  receive(frame, now) {
    this.#handshake.heard(frame, now);
    if (!this.#handshake.online) return this.#handshakeFrame(frame, now);
    if (this.#handshake.moved(frame)) return [];
    this.#wording.heard(frame);
    const effects = [];
    const since = frame.type === "room" ? this.roster.seenIn(frame.room) : void 0;
    const changes = this.roster.track(frame);
    if (changedAny(changes)) effects.push({
      type: "changed",
      changes
    });
    if (frame.type === "renamed" && this.#views.renamed(frame.from, frame.to)) {
      effects.push({
        type: "changed",
        changes: {
          ...noChanges(),
          views: true
        }
      });
    }
    if (frame.type === "room") effects.push(...this.#entered(frame.room, since));
    const received = this.#delivery.receive(frame, this.roster.me, now);
    effects.push(...this.#order.flushed(received.send));
    const post = received.answered?.post;
    if (frame.type === "error" && frame.code === "no_such_user" && post?.type === "msg") {
      this.roster.gone(post.to);
    }
    const answered = [
      ...received.answered ? [
        received.answered
      ] : [],
      ...received.handled
    ];
    if (answered.length > 0) effects.push({
      type: "answered",
      lines: answered
    });
    if (frame.type === "error" && received.answered !== void 0) {
      const { typed, view } = received.answered;
      effects.push({
        type: "returned",
        text: typed,
        view
      });
    }
    if (received.repeat) return effects;
    switch (frame.type) {
      case "ping":
        effects.push(send(frame.token === void 0 ? {
          type: "pong"
        } : {
          type: "pong",
          token: frame.token
        }));
        return effects;
      case "pong":
        effects.push(...this.#order.pong(frame.token));
        return effects;
      case "error":
        if (this.#presenceLink.refused(frame)) return effects;
        break;
      case "bye":
        if (this.#handshake.quitting) break;
        if (frame.retry && this.#options.narratesReconnects) {
          effects.push(show([
            serverSaysNotice(frame.reason)
          ]));
          return effects;
        }
        if (this.#options.saysWhySentAway) return effects;
        break;
      default:
        break;
    }
    const me = this.roster.me;
    if (this.#presence.hides(frame, me)) return effects;
    if (frame.type === "typing") {
      effects.push(...this.#presenceLink.heardTyping(frame.name, frame.room, now));
      return effects;
    }
    effects.push(...this.#presenceLink.stoppedTyping(frame));
    this.files.take(frame);
    const lines = this.#wording.incoming(frame, {
      me,
      version: this.#handshake.version,
      awayByItself: this.#presence.awayByItself,
      localHelp: () => this.#local.help(this.files.place !== void 0)
    });
    const taken = this.#arrivals.take(frame, lines, me);
    effects.push(...taken.effects);
    if (taken.changed) effects.push({
      type: "changed",
      changes: {
        ...noChanges(),
        views: true
      }
    });
    if (frame.type === "parted") effects.push(...this.#looking.parted(frame.room));
    const elsewhere = taken.view !== void 0 && !this.#views.isCurrent(taken.view);
    if (this.#options.bell && rings(frame, {
      mode: this.#local.bell,
      me,
      elsewhere
    })) {
      effects.push({
        type: "ring"
      });
    }
    return effects;
  }
  /**
   * Takes a line the user typed, at `now`: a local command, `/quit`, or a
   * line for the server, which waits until the server has answered it, and
   * while the connection is down until it is back. A command the client
   * answers itself (`/bell`, `/typing`, `/ignore`, `/unignore`, `/ignores`;
   * or, but on the page, a local command mistyped or a line the client
   * refuses itself) is answered after the server's answers to the lines
   * typed before it, as a person reads them: it runs once the
   * `pong` of a ping sent after those lines is in, or after
   * {@linkcode ORDERED_WAIT_MS} without it, or when the connection ends.
   */
  type(line, now) {
    const text = line.trim();
    if (text === "") return [];
    const warned = this.#quitWarned;
    this.#quitWarned = false;
    const parsed = parseLine(text);
    const holding = this.#order.holding;
    const page = this.#options.display === "each";
    if (holding && (parsed.ok || !page) && this.#local.answersHere(parsed, text)) {
      return this.#order.defer(text, now);
    }
    const effects = this.#type(line, parsed, now, warned);
    if (!holding || page || !refusedHere(effects)) return effects;
    return [
      ...effects.filter((effect) => effect.type !== "show"),
      ...this.#order.hold(effects.filter((effect) => effect.type === "show"), now)
    ];
  }
  /**
   * Takes the line `line`, read as `parsed`, at `now`, in its turn; `warned`,
   * right after a `/quit` that warned of what leaving would lose.
   */
  #type(line, parsed, now, warned = false) {
    const text = line.trim();
    if (parsed.ok && "local" in parsed) {
      const { local } = parsed;
      if (local.command === "switch") return this.switchTo(local.view);
      if (local.command === "code") {
        return this.#type(fenced(local.text), parseLine(fenced(local.text)), now);
      }
      const place2 = {
        online: this.#handshake.online,
        shelf: this.files,
        view: this.#views.current
      };
      const ran = this.#local.run(local, this.roster.me, place2);
      if (ran !== void 0) return ran;
    }
    if (!parsed.ok && this.#local.isLocal(text)) {
      return [
        show([
          errorLine(parsed.message)
        ])
      ];
    }
    if (this.#handshake.quitting) return [
      show([
        notConnectedError()
      ])
    ];
    const frame = parsed.ok && "frame" in parsed ? parsed.frame : void 0;
    if (frame?.type === "quit") {
      const typed2 = /^\/\S*/.exec(text)[0].toLowerCase();
      const stay = this.#options.warnsUnsentOnQuit && !warned ? this.leaving(typed2, now) : void 0;
      if (stay === void 0) return this.quit(frame.reason);
      this.#quitWarned = true;
      return [
        show([
          stay
        ])
      ];
    }
    const back = this.#handshake.online ? this.#presenceLink.send(this.#presence.typed(frame, now)) : [];
    this.#presence.sentLine();
    const { shareHow } = this;
    const { bytes, lines } = messageSize(parsed, this.#handshake.version);
    if (bytes > MAX_TEXT_BYTES) return [
      ...back,
      show([
        tooLongError(bytes, shareHow)
      ])
    ];
    if (lines > MAX_TEXT_LINES) return [
      ...back,
      show([
        tooManyLinesError(lines, shareHow)
      ])
    ];
    const out = outgoing(line, parsed, this.#place());
    if ("look" in out) return [
      ...back,
      ...this.switchTo(out.look)
    ];
    if ("refused" in out) return [
      ...back,
      show([
        errorLine(out.refused)
      ])
    ];
    if (out.entering !== void 0) this.#looking.enter(out.entering);
    const typed = this.#delivery.type(out.line, now, {
      ...out.options,
      typed: line,
      view: this.#views.current?.id
    });
    if (typed === void 0) return [
      ...back,
      show([
        tooManyWaitingError()
      ])
    ];
    this.#order.sent();
    const effects = [
      ...back,
      ...sends(typed.send)
    ];
    const { post } = typed.line;
    if (post !== void 0) {
      effects.push({
        type: "pending",
        line: typed.line,
        shown: describePending(post, this.roster.me)
      });
    }
    if (this.#handshake.tellWaiting()) effects.push(show([
      waitingNotice()
    ]));
    return effects;
  }
  /**
   * How the user may share a text too long for a message as a file instead
   * (`with /send PATH`), as the client says, while the server takes files;
   * else `undefined`, and nothing is said of files.
   */
  get shareHow() {
    return this.files.place === void 0 ? void 0 : this.#options.shareHow?.();
  }
  /** Whether `line`, typed now, would go to the server to enter a room (a `/join`). */
  wouldEnter(line) {
    const out = outgoing(line, parseLine(line.trim()), this.#place());
    return "line" in out && out.entering !== void 0;
  }
  /** Whether `line`, typed now, would go to the server to leave a room (a `/part`). */
  wouldPart(line) {
    const parsed = parseLine(line.trim());
    const type = parsed.ok && "frame" in parsed ? parsed.frame.type : void 0;
    return (type === "part" || type === "leave") && !this.wouldEnter(line);
  }
  /**
   * How long the message the draft `line` would send is, when it is more
   * than a message may hold and {@linkcode Conversation.type} would refuse
   * it; `undefined` while it fits, and for a line that sends no words (most
   * commands). `/code` counts its fences.
   */
  oversize(line) {
    const parsed = parseLine(line.trim());
    const size = parsed.ok && "local" in parsed && parsed.local.command === "code" ? messageSize(parseLine(fenced(parsed.local.text)), this.#handshake.version) : messageSize(parsed, this.#handshake.version);
    return size.bytes > MAX_TEXT_BYTES || size.lines > MAX_TEXT_LINES ? size : void 0;
  }
  /**
   * Shares a file the user uploaded (`POST /files`) where they are looking,
   * or in the view `where` (`#dev`, `@bob`) while it is one of theirs: in the
   * room, or with the person of a private view. Nothing while the
   * connection is down: the upload's token ended with it.
   */
  share(file, where) {
    if (!this.#handshake.online) return [
      show([
        notConnectedError()
      ])
    ];
    const view = (where === void 0 ? void 0 : this.#views.find(where)) ?? this.#views.current;
    const frame = {
      type: "file",
      id: file.id,
      name: file.name
    };
    if (view?.kind === "private") frame.to = view.name;
    else if (this.#handshake.version !== PROTOCOL_VERSION) {
      const room2 = view?.kind === "room" ? view.id : this.roster.room;
      if (room2 !== void 0) frame.room = room2;
    }
    return [
      send(frame)
    ];
  }
  /**
   * The user changed their draft at `now` (a key typed by a person, never
   * piped input) and it reads `draft`: tells the server they are typing
   * where they look (or to the person of a `/msg`), at most every few
   * seconds and never after `/typing off`; a command is not a message being
   * typed. Any input also brings the user back from an automatic away.
   */
  keystroke(now, draft) {
    return this.#handshake.online ? this.#presenceLink.keystroke(now, draft) : [];
  }
  /**
   * The user did something at `now` other than typing (the page shown again,
   * a click): it brings them back from an automatic away.
   */
  input(now) {
    return this.#handshake.online ? this.#presenceLink.send(this.#presence.input(now)) : [];
  }
  /** Enters `room`, as a click or a room box asks, at `now`: the same as `/join ROOM` typed. */
  join(room2, now) {
    return this.type(`/join ${room2}`, now);
  }
  /**
   * Looks at the view `typed` names (`#dev`, `@bob`), as `/switch` does:
   * what arrived there since the user last looked is shown once, under a
   * "new since you left" line. `@name` begins private messages with someone
   * known to be connected, or goes back to those with someone who left.
   */
  switchTo(typed) {
    return this.#looking.switchTo(typed);
  }
  /**
   * Marks everything in view `id` read without looking at it, as when a
   * client showed its lines where the user looks (the page shows a private
   * message in the room looked at too).
   */
  read(id) {
    return this.#views.read(id) ? [
      {
        type: "changed",
        changes: {
          ...noChanges(),
          views: true
        }
      }
    ] : [];
  }
  /** Looks at the view `step` places after the current one (before it if negative), going round. */
  switchBy(step) {
    return this.#looking.pick(this.#views.beside(step));
  }
  /** Looks at the `number`th view (from 1), if there are that many. */
  switchToNumber(number) {
    return this.#looking.pick(this.#views.at(number - 1));
  }
  /**
   * Looks at the link at `now`, lets "is typing" run out, and goes away when
   * the user has been idle long enough; call every few hundred milliseconds.
   */
  tick(now) {
    const effects = [
      ...this.#presenceLink.expire(now),
      ...this.#order.tick(now)
    ];
    if (!this.#handshake.online) {
      if (!this.#handshake.unanswered(now)) return effects;
      return [
        ...effects,
        {
          type: "drop",
          reason: "unanswered"
        }
      ];
    }
    effects.push(...this.#presenceLink.idle(now));
    const beat = this.#handshake.beat(now);
    if (beat === "dead") return [
      ...effects,
      {
        type: "drop",
        reason: "silent"
      }
    ];
    if (beat === "ping") effects.push(send({
      type: "ping",
      token: "heartbeat"
    }));
    const advice = this.#delivery.tick(now);
    if (advice === "dead") {
      effects.push(show([
        noAnswerNotice()
      ]), {
        type: "drop",
        reason: "dead"
      });
    } else if (advice !== void 0) effects.push(send(advice));
    return effects;
  }
  /**
   * The connection ended: what waits goes out again on the next one, and
   * nobody is shown typing any more. Returns the answers of the commands
   * the client answers itself that waited for this connection's answers:
   * none will come.
   */
  closed() {
    this.#presenceLink.closed();
    this.#handshake.closed();
    this.#delivery.disconnected();
    return this.#order.closed();
  }
  /** The user leaves (with `reason`, if they gave one); later calls do nothing. */
  quit(reason) {
    if (!this.#handshake.quit()) return [];
    if (!this.#handshake.online) return [
      {
        type: "leave",
        sent: false
      }
    ];
    return [
      send(reason === void 0 ? {
        type: "quit"
      } : {
        type: "quit",
        reason
      }),
      {
        type: "leave",
        sent: true
      }
    ];
  }
  /**
   * No more lines will be typed (the end of piped input): once every line
   * typed has reached the server and it has handled them, a `finished`
   * effect follows.
   */
  finish() {
    this.#order.endInput();
    return this.#order.finishing();
  }
  #place() {
    return {
      roster: this.roster,
      view: this.#views.current,
      version: this.#handshake.version
    };
  }
  /** A room was entered: its view begins, and the user looks at it if they asked to enter it. */
  #entered(room2, since) {
    this.#views.room(room2);
    this.#arrivals.entering(room2, since);
    return this.#looking.entered(room2);
  }
  #handshakeFrame(frame, now) {
    switch (frame.type) {
      case "welcome":
        return this.#welcome(frame, now);
      case "error":
        if (frame.code === "room_locked") return [
          show(this.#wording.of(frame, ""))
        ];
        if (this.#handshake.refused(frame.code) === "version") {
          return [
            {
              type: "drop",
              reason: "version"
            }
          ];
        }
        return [
          refusal(frame.code, this.#options.hints === false ? withoutHints(frame.message) : frame.message)
        ];
      default:
        return [];
    }
  }
  #welcome(frame, now) {
    const again = this.#handshake.welcome(frame, now);
    this.#presence.welcomed(now);
    this.files.welcome(frame.files);
    const changes = this.roster.track(frame);
    if (this.roster.many && frame.rooms !== void 0) {
      this.#views.keepRooms(frame.rooms);
      const view = this.#views.current;
      if (view?.kind === "room") this.roster.select(view.id);
    }
    return [
      {
        type: "changed",
        changes
      },
      {
        type: "welcomed",
        again
      },
      show(again ? [
        reconnectedNotice(frame.name)
      ] : this.#wording.of(frame, frame.name)),
      ...this.#order.flushed(this.#delivery.connected(now)),
      ...this.#order.finishing()
    ];
  }
};
function refusedHere(effects) {
  return effects.some((effect) => effect.type === "show" && effect.lines.some((line) => line.kind === "error")) && effects.every((effect) => effect.type === "show" || effect.type === "send");
}

// web/alerts.ts
var NOTIFY_KEY = "chat.notify";
var SOUND_KEY = "chat.sound";
var BLOCKED = "Notifications are blocked for this page in the browser's settings";
var NOT_ALLOWED = "Notifications stay off: the browser was not allowed to show them";
var PLAIN_ICON = "/favicon.svg";
function remembered(key) {
  try {
    return localStorage.getItem(key) === "on";
  } catch {
    return false;
  }
}
function remember(key, on) {
  try {
    localStorage.setItem(key, on ? "on" : "off");
  } catch {
  }
}
async function loadImage(src) {
  const image = new Image();
  image.src = src;
  try {
    await image.decode();
    return image;
  } catch {
    return void 0;
  }
}
function canNotify() {
  return globalThis.isSecureContext && typeof Notification === "function";
}
function badgeText(count2) {
  return count2 > 99 ? "99+" : String(count2);
}
function badged(icon, count2, mentioned) {
  const size = 64;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const context = canvas.getContext("2d");
  if (context === null) return PLAIN_ICON;
  context.drawImage(icon, 0, 0, size, size);
  const text = badgeText(count2);
  const radius = 21;
  context.beginPath();
  context.arc(size - radius, radius, radius, 0, 2 * Math.PI);
  context.fillStyle = mentioned ? "#d0312d" : "#2563c9";
  context.fill();
  context.lineWidth = 3;
  context.strokeStyle = "#ffffff";
  context.stroke();
  context.fillStyle = "#ffffff";
  context.font = `bold ${text.length > 2 ? 20 : 28}px sans-serif`;
  context.textAlign = "center";
  context.textBaseline = "middle";
  context.fillText(text, size - radius, radius + 1);
  return canvas.toDataURL("image/png");
}
var Alerts = class {
  #elements;
  #open;
  #notify = false;
  #sound = false;
  #audio;
  /** The icon as served, once loaded, to draw badges on. */
  #plainIcon;
  /** The badge shown (or being drawn), as `count` and `mentioned`. */
  #badge = "0";
  /** Drives `elements`; `open` shows a view, when its notification is clicked. */
  constructor(elements, open) {
    this.#elements = elements;
    this.#open = open;
    this.#notify = remembered(NOTIFY_KEY) && canNotify() && Notification.permission === "granted";
    this.#sound = remembered(SOUND_KEY);
    elements.notifyToggle.addEventListener("click", () => this.#toggleNotify());
    elements.soundToggle.addEventListener("click", () => this.#toggleSound());
    const wake = () => {
      if (this.#sound) void this.#context()?.resume().catch(() => {
      });
    };
    document.addEventListener("pointerdown", wake, {
      once: true
    });
    document.addEventListener("keydown", wake, {
      once: true
    });
    this.#draw();
  }
  /** Tells of a mention or a private message: a notification while the tab is hidden, a beep. */
  alert(alert, options) {
    const hidden = document.hidden;
    if (this.#sound && (hidden || !options.looking)) this.#beep();
    if (!this.#notify || !hidden || !canNotify() || Notification.permission !== "granted") return;
    const from = sanitizeText(alert.from);
    const view = sanitizeText(alert.view);
    const title = view.startsWith("@") ? `${from} (private)` : `${from} in ${view}`;
    try {
      const notification = new Notification(title, {
        body: sanitizeText(alert.text),
        tag: `chat ${view}`,
        icon: PLAIN_ICON
      });
      notification.addEventListener("click", () => {
        globalThis.focus();
        this.#open(alert.view);
        notification.close();
      });
    } catch {
    }
  }
  /** Shows `count` unread messages on the icon, red if one of them names the user. */
  badge(count2, mentioned) {
    const badge2 = count2 <= 0 ? "0" : `${badgeText(count2)} ${mentioned}`;
    if (badge2 === this.#badge) return;
    this.#badge = badge2;
    const favicon = this.#elements.favicon;
    if (count2 <= 0) {
      favicon.href = PLAIN_ICON;
      return;
    }
    this.#plainIcon ??= loadImage(PLAIN_ICON);
    void this.#plainIcon.then((icon) => {
      if (icon !== void 0 && this.#badge === badge2) {
        favicon.href = badged(icon, count2, mentioned);
      }
    });
  }
  async #toggleNotify() {
    let refused;
    if (this.#notify) {
      this.#notify = false;
    } else if (canNotify()) {
      const permission = Notification.permission === "default" ? await Notification.requestPermission() : Notification.permission;
      this.#notify = permission === "granted";
      if (permission === "denied") refused = BLOCKED;
      else if (!this.#notify) refused = NOT_ALLOWED;
    }
    remember(NOTIFY_KEY, this.#notify);
    this.#draw();
    const { notifyNote, announce } = this.#elements;
    notifyNote.textContent = refused ?? "";
    notifyNote.hidden = refused === void 0;
    if (refused !== void 0) announce.textContent = refused;
  }
  #toggleSound() {
    this.#sound = !this.#sound;
    remember(SOUND_KEY, this.#sound);
    if (this.#sound) void this.#context()?.resume().then(() => this.#beep(), () => {
    });
    this.#draw();
  }
  #draw() {
    const { notifyToggle, soundToggle } = this.#elements;
    notifyToggle.setAttribute("aria-pressed", String(this.#notify));
    notifyToggle.textContent = this.#notify ? "Notifications on" : "Notifications off";
    if (!canNotify()) {
      notifyToggle.disabled = true;
      notifyToggle.title = "This browser shows notifications only for pages served over https";
    } else if (Notification.permission === "denied") {
      notifyToggle.title = BLOCKED;
    } else {
      notifyToggle.title = "Notify me of mentions and private messages while this tab is hidden";
    }
    soundToggle.setAttribute("aria-pressed", String(this.#sound));
    soundToggle.textContent = this.#sound ? "Sound on" : "Sound off";
    soundToggle.title = "Beep on mentions and private messages I am not looking at";
  }
  #context() {
    if (this.#audio !== void 0) return this.#audio;
    if (typeof AudioContext !== "function") return void 0;
    this.#audio = new AudioContext();
    return this.#audio;
  }
  /** A short, soft beep. */
  #beep() {
    const audio = this.#context();
    if (audio === void 0 || audio.state !== "running") return;
    const start = audio.currentTime;
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(1e-4, start);
    gain.gain.exponentialRampToValueAtTime(0.2, start + 0.01);
    gain.gain.exponentialRampToValueAtTime(1e-4, start + 0.15);
    tone.connect(gain).connect(audio.destination);
    tone.start(start);
    tone.stop(start + 0.16);
  }
};

// core/backoff.ts
var FIRST_RETRY_MS = 1e3;
var MAX_RETRY_MS = 3e4;
var SETTLED_MS = 1e4;
var JITTER = 0.2;
function retryDelay(attempt, options = {}) {
  const first = options.first ?? FIRST_RETRY_MS;
  const longest = options.longest ?? MAX_RETRY_MS;
  const base = Math.min(longest, first * 2 ** Math.min(attempt, 16));
  const jittered = base * (1 - JITTER + (options.random ?? Math.random)() * 2 * JITTER);
  return Math.round(Math.min(longest, jittered));
}
var Backoff = class {
  #options;
  #failures = 0;
  #welcomedAt;
  /** Starts with no failure counted. */
  constructor(options = {}) {
    this.#options = options;
  }
  /** The server accepted this client at `now` (milliseconds, any monotonic clock). */
  welcomed(now) {
    this.#welcomedAt = now;
  }
  /**
   * The connection ended, or an attempt failed, at `now`: returns the delay
   * before the next attempt, and counts one more failure unless the
   * connection had lasted {@linkcode SETTLED_MS} since its welcome.
   */
  next(now) {
    if (this.#welcomedAt !== void 0 && now - this.#welcomedAt >= SETTLED_MS) this.#failures = 0;
    this.#welcomedAt = void 0;
    return retryDelay(this.#failures++, this.#options);
  }
};
var Failover = class {
  #home;
  #random;
  #current;
  #others = [];
  /** Starts with `home`, the server the user asked for, as the only one known. */
  constructor(home, options = {}) {
    this.#home = home;
    this.#current = home;
    this.#random = options.random ?? Math.random;
  }
  /** The server the user asked for: the address typed, the page's own. */
  get home() {
    return this.#home;
  }
  /** The server the client is on, or was on last. */
  get current() {
    return this.#current;
  }
  /** The other servers the last welcome named, in the order this client tries them. */
  get others() {
    return this.#others;
  }
  /**
   * The client was welcomed at `address`, whose `welcome` named `others` as
   * the other servers of the same chat: `address` is tried first from now
   * on, then `others` in an order of this client's own.
   */
  welcomed(address, others) {
    this.#current = address;
    const unique = [
      ...new Set(others)
    ].filter((other) => other !== address);
    for (let i = unique.length - 1; i > 0; i--) {
      const j = Math.min(i, Math.floor(this.#random() * (i + 1)));
      [unique[i], unique[j]] = [
        unique[j],
        unique[i]
      ];
    }
    this.#others = unique;
  }
  /**
   * The servers to try, in order, when the connection is lost: the one the
   * client was on, the others its last welcome named, then the one the user
   * asked for; each once.
   */
  round() {
    return [
      .../* @__PURE__ */ new Set([
        this.#current,
        ...this.#others,
        this.#home
      ])
    ];
  }
};

// web/connection.ts
function socketUrl(page) {
  const url = URL.parse("/ws", page);
  if (url === null || url.protocol !== "http:" && url.protocol !== "https:") return void 0;
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}
function pageOrigin(socket) {
  const url = URL.parse(socket);
  if (url === null || url.protocol !== "ws:" && url.protocol !== "wss:") return void 0;
  url.protocol = url.protocol === "wss:" ? "https:" : "http:";
  return url.origin;
}
var Connection = class {
  #options;
  #socket;
  #state = {
    kind: "stopped"
  };
  #backoff = new Backoff();
  #failover;
  /** The servers of this round of attempts not tried yet, tried at once as one fails. */
  #round = [];
  /** The address of the socket open now, or tried last. */
  #url;
  #retryTimer;
  #connectTimer;
  constructor(options) {
    this.#options = options;
    this.#url = options.url;
    this.#failover = new Failover(options.url, options.random === void 0 ? {} : {
      random: options.random
    });
  }
  /** The WebSocket address of the socket open now, or of the one tried last. */
  get url() {
    return this.#url;
  }
  /** The WebSocket address of the page's own server. */
  get home() {
    return this.#failover.home;
  }
  /** The address of the server the page was welcomed by last: the first one tried after a drop. */
  get current() {
    return this.#failover.current;
  }
  /** The current state. */
  get state() {
    return this.#state;
  }
  /** Whether frames can be sent now. */
  get isOpen() {
    return this.#state.kind === "open";
  }
  /** Opens the socket unless it is open or opening; a scheduled retry happens now. */
  start() {
    if (this.#state.kind === "open" || this.#state.kind === "connecting") return;
    clearTimeout(this.#retryTimer);
    this.#startRound();
  }
  /**
   * The server of the socket open now welcomed the page, naming `others`,
   * the WebSocket addresses of the other servers of the same chat: it is
   * tried first after a drop, then they are. Starts counting reconnect
   * delays again as {@linkcode Connection.resetBackoff} does.
   */
  welcomed(others) {
    this.resetBackoff();
    this.#failover.welcomed(this.#url, others);
  }
  /**
   * Starts counting reconnect delays from 1 s again once this socket has
   * lasted `SETTLED_MS` (core/backoff.ts); call when the server accepted us.
   * A socket dropped sooner (a server too busy for this page) counts as a
   * failure.
   */
  resetBackoff() {
    this.#backoff.welcomed(performance.now());
  }
  /** Sends one frame; returns `false` when the socket is not open. */
  send(frame) {
    if (this.#socket === void 0 || this.#state.kind !== "open") return false;
    this.#socket.send(JSON.stringify(frame));
    return true;
  }
  /** Gives an open socket up as dead, as if it had closed: reconnects after the usual delay. */
  abandon() {
    if (this.#state.kind === "open") this.#lost();
  }
  /** Closes the socket for good: no reconnect until {@linkcode Connection.start}. */
  stop() {
    clearTimeout(this.#retryTimer);
    this.#round = [];
    this.#drop();
    this.#setState({
      kind: "stopped"
    });
  }
  /** Tries the server the page was on, then (as each fails) the others it knows of. */
  #startRound() {
    this.#round = this.#failover.round();
    this.#open(this.#round.shift() ?? this.#failover.current);
  }
  #open(url) {
    this.#url = url;
    this.#setState({
      kind: "connecting"
    });
    let socket;
    try {
      socket = new WebSocket(url);
    } catch {
      this.#lost();
      return;
    }
    this.#socket = socket;
    this.#connectTimer = setTimeout(() => this.#lost(), this.#options.connectTimeout ?? 1e4);
    socket.addEventListener("open", () => {
      if (socket !== this.#socket) return;
      clearTimeout(this.#connectTimer);
      this.#round = [];
      this.#setState({
        kind: "open"
      });
    });
    socket.addEventListener("message", (event) => {
      if (socket !== this.#socket || typeof event.data !== "string") return;
      for (const line of event.data.split("\n")) {
        if (line.trim() === "") continue;
        const json = decodeJson(line);
        if (!json.ok) continue;
        const checked = parseServerFrame(json.value);
        if (checked.ok && socket === this.#socket) this.#options.onFrame(checked.value);
      }
    });
    socket.addEventListener("close", () => {
      if (socket === this.#socket) this.#lost();
    });
  }
  /** The socket closed or never opened: the next server of this round now, else a new round later. */
  #lost() {
    this.#drop();
    const next = this.#round.shift();
    if (next !== void 0) return this.#open(next);
    const delay = this.#backoff.next(performance.now());
    this.#setState({
      kind: "waiting",
      until: Date.now() + delay
    });
    this.#retryTimer = setTimeout(() => this.#startRound(), delay);
  }
  /** Forgets the current socket, closing it quietly. */
  #drop() {
    clearTimeout(this.#connectTimer);
    const socket = this.#socket;
    this.#socket = void 0;
    if (socket !== void 0 && socket.readyState < WebSocket.CLOSING) socket.close(1e3);
  }
  #setState(state) {
    this.#state = state;
    this.#options.onState(state);
  }
};

// web/caret.ts
var WRAPPING = [
  "direction",
  "font-family",
  "font-feature-settings",
  "font-kerning",
  "font-size",
  "font-stretch",
  "font-style",
  "font-variant",
  "font-weight",
  "hyphens",
  "letter-spacing",
  "line-height",
  "overflow-wrap",
  "padding-left",
  "padding-right",
  "padding-top",
  "tab-size",
  "text-indent",
  "text-transform",
  "white-space",
  "word-break",
  "word-spacing"
];
var ZERO_WIDTH = "\u200B";
function caretRows(input) {
  const { value } = input;
  const caret = input.selectionStart;
  const copy = document.createElement("div");
  const style = getComputedStyle(input);
  for (const name of WRAPPING) copy.style.setProperty(name, style.getPropertyValue(name));
  copy.style.position = "absolute";
  copy.style.visibility = "hidden";
  copy.style.top = "0";
  copy.style.left = "-10000px";
  copy.style.boxSizing = "border-box";
  copy.style.border = "0";
  copy.style.width = `${input.clientWidth}px`;
  const after = document.createElement("span");
  after.textContent = value.slice(caret) + ZERO_WIDTH;
  copy.append(value.slice(0, caret), after);
  document.body.append(copy);
  try {
    const rows = [
      ...after.getClientRects()
    ];
    const here = rows[0];
    if (here === void 0) return {
      first: true,
      last: true
    };
    const near = (top2) => Math.abs(top2 - here.top) < here.height / 2;
    const top = copy.getBoundingClientRect().top + parseFloat(style.paddingTop);
    return {
      first: caret === 0 || here.top - top < here.height / 2,
      last: rows.every((row) => near(row.top))
    };
  } finally {
    copy.remove();
  }
}

// core/complete.ts
function completions(value, caret, sources) {
  const before = value.slice(0, caret);
  const send2 = /^\/(\S+)[ \t]+(["']?)/.exec(before);
  if (send2 !== null && sources.paths && commandNamed(send2[1])?.name === "send") {
    const start2 = send2[0].length;
    const quote2 = send2[2];
    const options2 = sources.paths(before.slice(start2)).map((path) => quote2 !== "" && path.endsWith(" ") ? `${path.slice(0, -1)}${quote2}` : path);
    return {
      start: start2,
      options: options2
    };
  }
  const start = before.search(/\S*$/);
  const word = before.slice(start);
  if (word.startsWith("/") && start === 0) {
    const typed = word.slice(1).toLowerCase();
    const matching = [
      ...COMMAND_NAMES,
      ...sources.commands ?? []
    ].filter((name) => name.startsWith(typed));
    const named2 = matching.filter((name) => commandNamed(name)?.name === name);
    const options2 = (named2.length > 0 ? named2 : matching).map((name) => `/${name} `);
    return {
      start,
      options: options2
    };
  }
  const command = /^\/(\S+)\s+$/.exec(before.slice(0, start))?.[1];
  const after = command === void 0 ? void 0 : commandNamed(command)?.name;
  if (after === "join" || (after === "part" || after === "leave") && sources.joined) {
    const rooms = after === "join" ? sources.rooms : sources.joined ?? [];
    const typed = (word.startsWith("#") ? word : `#${word}`).toLowerCase();
    const options2 = rooms.filter((room2) => room2.startsWith(typed)).map((room2) => `${room2} `);
    return {
      start,
      options: options2
    };
  }
  if (after === "switch" && sources.views) {
    const typed = word.toLowerCase();
    const bare = /^[#@]/.test(typed) ? void 0 : typed;
    const viewed = new Set(sources.views.map((view) => nameKey(view)));
    const people3 = [
      ...sources.names,
      ...sources.elsewhere ?? []
    ].filter((name) => nameKey(name) !== nameKey(sources.me) && !viewed.has(nameKey(`@${name}`))).sort((a, b) => a.localeCompare(b, void 0, {
      sensitivity: "base"
    })).map((name) => `@${name}`);
    const options2 = [
      ...sources.views,
      ...people3
    ].filter((view) => {
      const id = view.toLowerCase();
      return id.startsWith(typed) || bare !== void 0 && id.slice(1).startsWith(bare);
    }).map((view) => `${view} `);
    return {
      start,
      options: options2
    };
  }
  const at = word.startsWith("@") ? "@" : "";
  const prefix = nameKey(word.slice(at.length));
  const suffix = start === 0 ? ": " : " ";
  const names3 = after === "msg" ? [
    ...sources.names,
    ...sources.elsewhere ?? []
  ] : sources.names;
  const options = names3.filter((name) => nameKey(name).startsWith(prefix) && nameKey(name) !== nameKey(sources.me)).sort((a, b) => a.localeCompare(b, void 0, {
    sensitivity: "base"
  })).map((name) => `${at}${name}${suffix}`);
  return {
    start,
    options
  };
}
function conversationSources(conversation) {
  const { roster } = conversation;
  const files = conversation.files.place !== void 0;
  return {
    names: [
      ...roster.members.values()
    ],
    elsewhere: [
      ...roster.elsewhere.values()
    ],
    me: roster.me,
    rooms: roster.roomList().map((room2) => room2.name),
    joined: roster.joined,
    views: conversation.views.map((view) => view.id),
    commands: conversation.localCommands.filter((name) => files || !FILE_COMMANDS.includes(name))
  };
}

// web/input.ts
var InputHistory = class {
  #items = [];
  #limit;
  #index = 0;
  #draft = "";
  /** @param limit Lines kept. */
  constructor(limit = 200) {
    this.#limit = limit;
  }
  /** Records a sent line and goes back to a fresh draft. */
  push(line) {
    if (line !== "" && this.#items.at(-1) !== line) this.#items.push(line);
    if (this.#items.length > this.#limit) this.#items.shift();
    this.#index = this.#items.length;
    this.#draft = "";
  }
  /** The line before the one shown, or `undefined` at the oldest; `current` is kept as the draft. */
  up(current) {
    if (this.#index === 0) return void 0;
    if (this.#index === this.#items.length) this.#draft = current;
    this.#index--;
    return this.#items[this.#index];
  }
  /** The line after the one shown, the draft after the newest, or `undefined` past it. */
  down() {
    if (this.#index >= this.#items.length) return void 0;
    this.#index++;
    return this.#index === this.#items.length ? this.#draft : this.#items[this.#index];
  }
  /** Whether a sent line is shown in place of the draft, which Down brings back. */
  get recalling() {
    return this.#index < this.#items.length;
  }
  /**
   * Stops going through the sent lines with `current` in the box, as when the
   * box goes to another view: returns what to keep of it, the draft typed
   * before Up if the box shows a sent line as it was (that line is kept
   * here), else `current`.
   */
  leave(current) {
    const kept = this.recalling && current === this.#items[this.#index] ? this.#draft : current;
    this.#index = this.#items.length;
    this.#draft = "";
    return kept;
  }
};
function viewKey(id) {
  return id.startsWith("@") ? `@${nameKey(id.slice(1))}` : id;
}
var Drafts = class {
  #drafts = /* @__PURE__ */ new Map();
  /** The key of the view whose draft is in the box, until there is one. */
  #current;
  /** Whether the box holds the draft of view `id`. */
  isFor(id) {
    return this.#current === viewKey(id);
  }
  /**
   * The box goes to view `id`, holding `text`: keeps `text` as the draft of
   * the view it was in, and returns what the box holds now, the draft of
   * `id` (empty without one). The first view takes over what was typed
   * before there was any.
   */
  switchTo(id, text) {
    const key = viewKey(id);
    if (key === this.#current) return text;
    const before = this.#current;
    this.#current = key;
    if (before === void 0) return this.#take(key) ?? text;
    if (text === "") this.#drafts.delete(before);
    else this.#drafts.set(before, text);
    return this.#take(key) ?? "";
  }
  /**
   * Keeps `text` as the draft of view `id`, whose draft is not in the box;
   * when it has one already, `text` goes on a line of its own after it, so
   * that nothing typed there is lost.
   */
  offer(id, text) {
    const key = viewKey(id);
    if (key !== this.#current) this.#drafts.set(key, joinDraft(this.#drafts.get(key) ?? "", text));
  }
  /** The person called `from` is now called `to`: the draft of their private view follows. */
  renamed(from, to) {
    const [was, now] = [
      viewKey(`@${from}`),
      viewKey(`@${to}`)
    ];
    if (was === now) return;
    if (this.#current === was) this.#current = now;
    const draft = this.#drafts.get(was);
    if (draft === void 0) return;
    this.#drafts.delete(was);
    this.#drafts.set(now, draft);
  }
  /** The draft kept for `key`, forgotten here as it goes into the box. */
  #take(key) {
    const draft = this.#drafts.get(key);
    this.#drafts.delete(key);
    return draft;
  }
};
var Completer = class {
  #cycle;
  /** Forgets the cycle; call on any key other than Tab. */
  reset() {
    this.#cycle = void 0;
  }
  /** Completes the word before `caret`, or returns `undefined` when nothing matches. */
  complete(value, caret, sources) {
    let cycle = this.#cycle;
    if (cycle !== void 0 && cycle.last.value === value && cycle.last.caret === caret) {
      cycle.index = (cycle.index + 1) % cycle.options.length;
    } else {
      const found = completions(value, caret, sources);
      if (found.options.length === 0) {
        this.#cycle = void 0;
        return void 0;
      }
      cycle = {
        head: value.slice(0, found.start),
        tail: value.slice(caret),
        options: found.options,
        index: 0,
        last: {
          value,
          caret
        }
      };
      this.#cycle = cycle;
    }
    const chosen = cycle.options[cycle.index] ?? "";
    const option = /^\s/.test(cycle.tail) ? chosen.trimEnd() : chosen;
    cycle.last = {
      value: cycle.head + option + cycle.tail,
      caret: cycle.head.length + option.length
    };
    return cycle.last;
  }
};

// web/composer.ts
var TOUCH_MEDIA = "(hover: none) and (pointer: coarse)";
function bindComposerKeys(input, sources, options = {}) {
  const history = new InputHistory();
  const completer = new Completer();
  const touch = matchMedia(TOUCH_MEDIA);
  const labelEnter = () => {
    input.enterKeyHint = touch.matches ? "enter" : "send";
  };
  labelEnter();
  touch.addEventListener("change", labelEnter);
  input.addEventListener("input", () => fitToText(input));
  input.addEventListener("keydown", (event) => {
    if (event.key !== "Tab") completer.reset();
    if (event.isComposing) {
      if (event.key === "Enter") event.preventDefault();
      return;
    }
    if (event.key === "Enter" && !event.shiftKey && !event.altKey && !event.ctrlKey && !touch.matches) {
      event.preventDefault();
      input.form?.requestSubmit();
      return;
    }
    if (event.key === "Tab" && !event.shiftKey && !event.ctrlKey && !event.altKey) {
      const caret = input.selectionStart ?? input.value.length;
      if (input.value.slice(0, caret).trim() === "") return;
      event.preventDefault();
      const done = completer.complete(input.value, caret, sources());
      if (done === void 0) return;
      input.value = done.value;
      input.setSelectionRange(done.caret, done.caret);
      options.changed?.();
      return;
    }
    if (event.key !== "ArrowUp" && event.key !== "ArrowDown") return;
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (input.selectionStart !== input.selectionEnd) return;
    const up = event.key === "ArrowUp";
    if (!up && !history.recalling) return;
    const rows = caretRows(input);
    if (up ? !rows.first : !rows.last) return;
    const line = up ? history.up(input.value) : history.down();
    if (line === void 0) return;
    event.preventDefault();
    input.value = line;
    input.setSelectionRange(line.length, line.length);
    fitToText(input);
    options.changed?.();
  });
  return history;
}
function fitToText(input) {
  input.style.removeProperty("height");
  if (input.value === "") return;
  const borders = input.offsetHeight - input.clientHeight;
  input.style.height = `${input.scrollHeight + borders}px`;
}
function showLength(ui2, size, shareHow) {
  const { input, tooLong } = ui2;
  const words = size === void 0 ? "" : tooLongWarning(size, shareHow);
  if (tooLong.textContent !== words) tooLong.textContent = words;
  tooLong.hidden = size === void 0;
  if (size !== void 0) {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", tooLong.id);
  } else {
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  }
}

// web/focus.ts
var DRAWER_MEDIA = "(max-width: 720px)";
var Focus = class {
  #ui;
  /** Whether the window is narrow enough for the sidebar to be a drawer. */
  #drawer = matchMedia(DRAWER_MEDIA);
  /**
   * Whether the user last touched the screen (or a pen did), rather than
   * pressing a key or clicking: until they do either, whether the device is
   * a touch screen without a mouse.
   */
  #touching = matchMedia(TOUCH_MEDIA).matches;
  constructor(ui2) {
    this.#ui = ui2;
    this.#drawer.addEventListener("change", () => this.#coverBehindDrawer());
    document.addEventListener("pointerdown", (event) => {
      this.#touching = event.pointerType !== "mouse";
    }, {
      capture: true,
      passive: true
    });
    document.addEventListener("keydown", () => {
      this.#touching = false;
    }, {
      capture: true
    });
  }
  /** Opens or closes the sidebar drawer (narrow screens), leaving the focus where it is. */
  setDrawer(open) {
    const ui2 = this.#ui;
    ui2.app.classList.toggle("sidebar-open", open);
    ui2.sidebarToggle.setAttribute("aria-expanded", String(open));
    this.#coverBehindDrawer();
  }
  /**
   * While the drawer is open over them, the log and the message box are
   * inert: Tab stays among what can be seen, and screen readers leave out
   * what the drawer covers. A window widened past a phone's shows both.
   */
  #coverBehindDrawer() {
    this.#ui.main.inert = this.#drawer.matches && this.#ui.app.classList.contains("sidebar-open");
  }
  /**
   * Puts the keyboard in the message box, or the name box while it is
   * shown. After a touch it leaves the message box alone, as its focus
   * raises the on-screen keyboard over half the log: a tap on the box is
   * what raises it. The focus then goes to `log` if it was on nothing or
   * on what is going out of sight (the drawer's buttons, the new messages
   * button).
   */
  focusInput(log) {
    const ui2 = this.#ui;
    if (!ui2.nameScreen.hidden) return ui2.nameInput.focus();
    if (ui2.app.classList.contains("sidebar-open")) return;
    if (!this.#touching) return ui2.input.focus({
      preventScroll: true
    });
    const focused = document.activeElement;
    if (focused === null || focused === document.body || ui2.sidebar.contains(focused) || focused === ui2.newMessages) {
      log.focus({
        preventScroll: true
      });
    }
  }
};

// web/incoming.ts
function fromOthers(line) {
  return (line.kind === "message" || line.kind === "action" || line.kind === "private") && !line.tags?.some((tag) => tag === "own" || tag === "outgoing" || tag === "replay");
}
function privateCopies(lines) {
  return lines.filter((line) => line.kind === "private").map((line) => ({
    ...line,
    tags: [
      ...line.tags ?? [],
      "elsewhere"
    ]
  }));
}
function changesRooms(frame) {
  return frame.type === "room" || frame.type === "joined" || frame.type === "left" || frame.type === "parted" || frame.type === "notice" && frame.room !== void 0;
}
function mentionAlert(frame, me, looked) {
  if (frame.type !== "message" && frame.type !== "private" || !isMention(frame, me)) {
    return void 0;
  }
  const view = frame.type === "message" ? frame.room : `@${frame.from}`;
  const looking = looked !== void 0 && (looked.kind === "room" ? looked.id === view : nameKey(looked.name) === nameKey(frame.from));
  return {
    alert: {
      from: frame.from,
      text: frame.text,
      view
    },
    looking
  };
}

// web/ui.ts
function byId(id) {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`Cannot start the chat: element "#${id}" is missing`);
  return element;
}
function findUi() {
  return {
    app: byId("app"),
    status: byId("status"),
    announce: byId("status-announce"),
    retry: byId("retry"),
    roomName: byId("room-name"),
    roomCount: byId("room-count"),
    roomTopic: byId("room-topic"),
    roomLock: byId("room-lock"),
    typing: byId("typing"),
    sidebarToggle: byId("sidebar-toggle"),
    sidebar: byId("sidebar"),
    backdrop: byId("backdrop"),
    views: byId("views"),
    rooms: byId("rooms"),
    members: byId("members"),
    memberCount: byId("member-count"),
    meName: byId("me-name"),
    joinForm: byId("join-form"),
    joinInput: byId("join-input"),
    joinError: byId("join-error"),
    main: byId("chat"),
    log: byId("log"),
    newMessages: byId("new-messages"),
    composer: byId("composer"),
    input: byId("message-input"),
    attach: byId("attach"),
    picker: byId("file-picker"),
    uploads: byId("uploads"),
    tooLong: byId("too-long"),
    dropZone: byId("drop-zone"),
    nameScreen: byId("name-screen"),
    nameForm: byId("name-form"),
    nameInput: byId("name-input"),
    nameSubmit: byId("name-submit"),
    nameError: byId("name-error"),
    nameStatus: byId("name-status"),
    passwordRow: byId("password-row"),
    passwordInput: byId("password-input"),
    notifyToggle: byId("notify-toggle"),
    notifyNote: byId("notify-note"),
    soundToggle: byId("sound-toggle"),
    favicon: byId("favicon")
  };
}
var NAME_KEY = "chat.name";
var JOINED_KEY = "chat.joined";
function loadName() {
  try {
    return localStorage.getItem(NAME_KEY) ?? void 0;
  } catch {
    return void 0;
  }
}
function saveName(name) {
  try {
    localStorage.setItem(NAME_KEY, name);
  } catch {
  }
}
function markJoined() {
  try {
    sessionStorage.setItem(JOINED_KEY, "1");
  } catch {
  }
}
var ROOMS_KEY = "chat.rooms";
function saveRooms(rooms, view) {
  try {
    sessionStorage.setItem(ROOMS_KEY, JSON.stringify({
      rooms,
      view
    }));
  } catch {
  }
}
function loadRooms() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(ROOMS_KEY) ?? "null");
    if (typeof saved !== "object" || saved === null) return void 0;
    const { rooms, view } = saved;
    if (!Array.isArray(rooms) || !rooms.every((room2) => typeof room2 === "string")) {
      return void 0;
    }
    return {
      rooms,
      view: typeof view === "string" ? view : void 0
    };
  } catch {
    return void 0;
  }
}
function joinedBefore() {
  try {
    return sessionStorage.getItem(JOINED_KEY) !== null;
  } catch {
    return false;
  }
}

// web/joining.ts
var NAME_RETRIES = 2;
var NAME_RETRY_MS = 1500;
function showNameError(ui2, message, field) {
  ui2.nameError.textContent = message;
  for (const [box, input] of [
    [
      "name",
      ui2.nameInput
    ],
    [
      "password",
      ui2.passwordInput
    ]
  ]) {
    if (box === field && message !== "") input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
}
var Joining = class {
  #ui;
  #actions;
  /** The name to send in `hello` once the socket is open; `undefined` while asking. */
  #name;
  /** The name was remembered, not typed: if it is taken, wait and try again. */
  #automatic = false;
  #retries = 0;
  #phase = "asking";
  /** The server's password, kept for reconnects while the page is open (never stored). */
  #password;
  /** Drives the name form of `ui`. */
  constructor(ui2, actions) {
    this.#ui = ui2;
    this.#actions = actions;
  }
  /** How far the page got with its name. */
  get phase() {
    return this.#phase;
  }
  /** The name to join under once the socket is open; `undefined` while asking. */
  get name() {
    return this.#name;
  }
  /** The password the user typed, if the server asked for one. */
  get password() {
    return this.#password;
  }
  /** Joins under `name` without asking, as remembered or as the user had it. */
  rejoin(name) {
    this.#name = name;
    this.#automatic = true;
    this.#phase = "joining";
  }
  /** The user typed `name` (and `password`, if asked) into the form. */
  typed(name, password) {
    if (password !== void 0) this.#password = password;
    this.#automatic = false;
    this.#retries = 0;
    this.sending(name);
  }
  /** A `hello` with `name` is on its way. */
  sending(name) {
    this.#name = name;
    this.#phase = "joining";
    this.#ui.nameSubmit.disabled = true;
  }
  /** Shows the name form with `message`, about `field`, offering `suggestion`. */
  ask(message, suggestion = loadName() ?? "", field = "none") {
    const ui2 = this.#ui;
    this.#name = void 0;
    this.#automatic = false;
    this.#phase = "asking";
    showNameError(ui2, message, field);
    ui2.nameSubmit.disabled = false;
    if (ui2.nameScreen.hidden || ui2.nameInput.value === "") ui2.nameInput.value = suggestion;
    ui2.nameScreen.hidden = false;
    ui2.app.inert = true;
    ui2.nameInput.focus();
    ui2.nameInput.select();
    this.#actions.changed();
  }
  /** The server refused the name or the password: ask again, or try a remembered name again. */
  refused(refusal3) {
    const { about, code, message } = refusal3;
    const name = this.#name;
    if (about === "password") {
      this.#password = void 0;
      this.ask(message, name, "password");
      this.#ui.passwordRow.hidden = false;
      this.#ui.passwordInput.value = "";
      this.#ui.passwordInput.focus();
      return;
    }
    if (this.#automatic && code === "name_taken" && this.#retries < NAME_RETRIES && joinedBefore()) {
      this.#retries++;
      setTimeout(() => {
        if (name !== void 0 && this.#name === name && this.#phase === "joining") {
          this.#actions.hello(name);
        }
      }, NAME_RETRY_MS);
      return;
    }
    this.ask(message, name, "name");
  }
  /** The server accepted the name: the form goes away. */
  welcomed() {
    const ui2 = this.#ui;
    markJoined();
    this.#phase = "joined";
    this.#name = void 0;
    this.#automatic = false;
    this.#retries = 0;
    ui2.app.classList.remove("offline");
    ui2.nameScreen.hidden = true;
    ui2.app.inert = false;
    showNameError(ui2, "", "none");
  }
  /** The connection is gone: come back as `me` without asking, if the page had joined. */
  dropped(me) {
    if (this.#phase !== "joined") return;
    this.rejoin(me);
    this.#ui.app.classList.add("offline");
  }
};

// web/leave_guard.ts
var LeaveGuard = class {
  /** Whether the page listens for being left, as it does while lines wait for the server. */
  #guards = false;
  /** Has the browser ask before the page goes while lines it has not sent would go with it. */
  #askBeforeLeaving;
  /** @param unsent How many lines the page has not sent yet, as the page goes. */
  constructor(unsent) {
    this.#askBeforeLeaving = (event) => {
      if (unsent() > 0) event.preventDefault();
    };
  }
  /** Listens for the page being left while `waiting` lines wait for the server, else stops. */
  update(waiting) {
    const guards = waiting > 0;
    if (guards === this.#guards) return;
    this.#guards = guards;
    if (guards) globalThis.addEventListener("beforeunload", this.#askBeforeLeaving);
    else globalThis.removeEventListener("beforeunload", this.#askBeforeLeaving);
  }
};

// web/attachment.ts
var PICTURES = /* @__PURE__ */ new Set([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp"
]);
var FILE_URL = /^\/files\/[0-9a-f]{64}(?:\/[^/?#]*)?$/;
function safeFileUrl(file) {
  return FILE_URL.test(file.url) ? file.url : void 0;
}
function showsAsPicture(file) {
  return PICTURES.has(file.type);
}
function fileLink(file, href, current) {
  const link = document.createElement("a");
  link.href = href;
  link.rel = "noopener noreferrer";
  link.addEventListener("click", () => {
    const now = current(file);
    if (now !== void 0) link.href = now;
  });
  return link;
}
function drawAttachment(file, href, options = {}) {
  const box = document.createElement("div");
  box.className = "attachment";
  const url = href(file);
  const size = Number.isSafeInteger(file.size) && file.size >= 0 ? formatBytes(file.size) : "?";
  if (url !== void 0 && showsAsPicture(file) && options.pictures !== false) {
    box.classList.add("picture");
    const link = fileLink(file, url, href);
    link.className = "thumbnail";
    link.target = "_blank";
    link.title = `${file.name} (${size}): open full size`;
    const image = document.createElement("img");
    image.loading = "lazy";
    image.decoding = "async";
    image.alt = file.name;
    image.src = url;
    image.addEventListener("error", () => {
      const now = href(file);
      const next = now === void 0 ? void 0 : new URL(now, location.href);
      if (next?.origin !== location.origin) return;
      if (next.href !== image.src) image.src = next.href;
      else box.replaceWith(drawAttachment(file, href, {
        ...options,
        pictures: false
      }));
    });
    link.append(image);
    box.append(link);
    return box;
  }
  box.classList.add("card");
  const icon = document.createElement("span");
  icon.className = "file-icon";
  icon.setAttribute("aria-hidden", "true");
  const about = document.createElement("span");
  about.className = "file-about";
  const name = document.createElement("span");
  name.className = "file-name";
  name.dir = "auto";
  name.textContent = file.name;
  name.title = file.name;
  const bytes = document.createElement("span");
  bytes.className = "file-size";
  bytes.textContent = size;
  about.append(name, bytes);
  box.append(icon, about);
  if (url !== void 0) {
    const download = fileLink(file, url, href);
    download.className = "download-button";
    download.download = file.name;
    download.textContent = "Download";
    download.setAttribute("aria-label", `Download ${file.name}`);
    box.append(download);
  }
  return box;
}

// core/palette.ts
var PALETTE = [
  {
    ansi: 166,
    css: "#d75f00"
  },
  {
    ansi: 34,
    css: "#00a000"
  },
  {
    ansi: 33,
    css: "#0087ff"
  },
  {
    ansi: 170,
    css: "#d75fd7"
  },
  {
    ansi: 37,
    css: "#00a8a8"
  },
  {
    ansi: 161,
    css: "#d7005f"
  },
  {
    ansi: 136,
    css: "#af8700"
  },
  {
    ansi: 99,
    css: "#875fff"
  },
  {
    ansi: 71,
    css: "#5faf5f"
  },
  {
    ansi: 167,
    css: "#d75f5f"
  },
  {
    ansi: 31,
    css: "#0087af"
  },
  {
    ansi: 133,
    css: "#af5faf"
  }
];
function colorOf(name) {
  let hash = 2166136261;
  const key = foldCase(name);
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  return PALETTE[(hash >>> 0) % PALETTE.length];
}

// web/links.ts
var CANDIDATE = /(?<![\p{L}\p{N}_])https?:\/\/[^\s<>"]+/giu;
var TRAILING = /[.,;:!?'*_~]$/u;
var BRACKETS = {
  ")": "(",
  "]": "[",
  "}": "{",
  ">": "<"
};
function count(text, char) {
  return text.split(char).length - 1;
}
function trim(candidate) {
  let text = candidate;
  for (; ; ) {
    const last = text.at(-1) ?? "";
    const opening = BRACKETS[last];
    if (TRAILING.test(text)) text = text.slice(0, -1);
    else if (opening !== void 0 && count(text, opening) < count(text, last)) {
      text = text.slice(0, -1);
    } else return text;
  }
}
function findLinks(text) {
  const found = [];
  for (const match of text.matchAll(CANDIDATE)) {
    const candidate = trim(match[0]);
    let url;
    try {
      url = new URL(candidate);
    } catch {
      continue;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:" || url.hostname === "") continue;
    found.push({
      start: match.index,
      end: match.index + candidate.length,
      href: url.href
    });
  }
  return found;
}

// web/render.ts
function span(className, ...children) {
  const element = document.createElement("span");
  element.className = className;
  element.append(...children);
  return element;
}
function isolated(element, dir = "auto") {
  element.dir = dir;
  return element;
}
function nameSpan(name, me, className = "name", text = sanitizeText(name)) {
  const isolate = document.createElement("bdi");
  isolate.textContent = text;
  const element = span(className, isolate);
  element.style.setProperty("--name-color", colorOf(name).css);
  if (me !== "" && nameKey(name) === nameKey(me)) element.classList.add("self");
  return element;
}
function timeSpan(ts) {
  const element = span("time", `[${stamp(ts, Date.now())}]`);
  element.title = new Date(ts).toLocaleString();
  return element;
}
function drawPart(part, me) {
  switch (part.style) {
    case void 0:
    case "text":
      return document.createTextNode(part.text);
    case "mention": {
      const mark = document.createElement("mark");
      mark.className = "mention";
      mark.textContent = part.text;
      return mark;
    }
    case "name":
    case "peer":
    case "nick":
      return nameSpan(part.name ?? part.text, me, part.style, part.text);
    case "you":
      return nameSpan(part.name ?? me, me, "name", part.text);
    case "room":
      return isolated(span(part.style, part.text), "ltr");
    case "topic":
    case "file":
      return isolated(span(part.style, part.text));
    default:
      return span(part.style, part.text);
  }
}
function linkTo(href) {
  const link = document.createElement("a");
  link.href = href;
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  link.className = "link";
  return link;
}
function drawWords(parts, me) {
  const words = isolated(span("text"));
  const links = findLinks(parts.map((part) => part.text).join(""));
  let offset = 0;
  let link;
  for (const part of parts) {
    let at = 0;
    while (at < part.text.length) {
      const position = offset + at;
      const inside = links.find((found) => found.start <= position && position < found.end);
      const next = links.find((found) => found.start > position);
      const stop = inside?.end ?? next?.start ?? Infinity;
      const piece = part.text.slice(at, Math.max(at + 1, stop - offset));
      if (inside !== void 0 && (link === void 0 || position === inside.start)) {
        link = linkTo(inside.href);
        words.append(link);
      } else if (inside === void 0) link = void 0;
      (link ?? words).append(drawPart({
        ...part,
        text: piece
      }, me));
      at += piece.length;
    }
    offset += part.text.length;
  }
  return words;
}
function drawParts(parts, me) {
  const nodes = [];
  let run = [];
  const flush = () => {
    if (run.length > 0) nodes.push(drawWords(run, me));
    run = [];
  };
  for (const part of parts) {
    if (part.style === "text" || part.style === "mention") {
      run.push(part);
      continue;
    }
    flush();
    nodes.push(drawPart(part, me));
  }
  flush();
  return nodes;
}
function drawLine(line, me, options = {}) {
  const element = document.createElement("div");
  element.classList.add("line", line.kind, ...line.tags ?? []);
  if (line.kind === "divider") {
    element.setAttribute("role", "separator");
    const words2 = line.parts.map((part) => part.text).join("").replace(/^[—\s]+|[—\s]+$/g, "");
    element.setAttribute("aria-label", words2);
    element.append(span("text", ...line.parts.map((part) => drawPart(part, me))));
    return element;
  }
  const time = line.status !== void 0 ? span("time status", line.status) : line.ts === void 0 && line.tags?.includes("help") ? span("time") : timeSpan(line.ts ?? Date.now());
  const words = line.kind === "notice" || line.kind === "error" ? [
    span("text", ...line.parts.flatMap((part) => part.style === "text" ? [
      ...drawWords([
        part
      ], me).childNodes
    ] : [
      drawPart(part, me)
    ]))
  ] : drawParts(line.parts, me);
  element.append(time, " ", ...words);
  if (line.file !== void 0) {
    element.classList.add("shared-file");
    element.append(drawAttachment(line.file, options.fileHref ?? safeFileUrl, {
      pictures: options.pictures ?? true
    }));
  }
  if (line.id !== void 0) element.dataset.id = String(line.id);
  return element;
}

// web/log_line.ts
function fileHref(file, place2, elsewhere) {
  const url = safeFileUrl(file);
  if (place2 === void 0) return void 0;
  const path = url === void 0 ? url : fileQuery(place2, {
    url
  });
  return path === void 0 || elsewhere === void 0 ? path : new URL(path, elsewhere).href;
}
function drawLogLine(line, me, options) {
  const element = drawLine(line, me, {
    fileHref: (file) => fileHref(file, options.place(), options.elsewhere()),
    pictures: options.elsewhere() === void 0
  });
  const left = options.left;
  if (left !== void 0 && line.kind === "notice") {
    const again = document.createElement("button");
    again.type = "button";
    again.className = "link-button rejoin";
    again.textContent = "Join again";
    again.setAttribute("aria-label", `Join ${sanitizeText(left)} again`);
    again.addEventListener("click", (event) => {
      if (event.detail <= 1) options.rejoin(left);
    });
    element.append(" ", again);
  }
  return element;
}

// web/log.ts
var COUNTED = [
  "message",
  "action",
  "private",
  "error"
];
var LogView = class {
  /** The log's element: the page shows it in place of the others while its view is looked at. */
  element;
  #marker;
  #maxLines;
  #slack;
  #stick = true;
  #shown = false;
  /** Where the log was scrolled to at its last scroll event. */
  #lastTop = 0;
  /** Where the reader had scrolled when the log was last taken off the page. */
  #savedTop = 0;
  /** How far down the log the reader sees, from its top: what stays in view as it changes height. */
  #bottom = 0;
  #unseen = 0;
  #unseenMessages = 0;
  /** A log labelled `label` for screen readers, sharing the page's `marker` button. */
  constructor(label, marker, options = {}) {
    const log = document.createElement("div");
    log.className = "log";
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-label", label);
    log.tabIndex = 0;
    this.element = log;
    this.#marker = marker;
    this.#maxLines = options.maxLines ?? 2e3;
    this.#slack = options.slack ?? 48;
    log.addEventListener("scroll", () => {
      if (!this.#shown) return;
      const top = log.scrollTop;
      if (this.#atBottom()) {
        this.#stick = true;
        this.#clearMarker();
      } else if (top < this.#lastTop) this.#stick = false;
      this.#lastTop = top;
      this.#bottom = top + log.clientHeight;
    }, {
      passive: true
    });
    new ResizeObserver(() => this.#resized()).observe(log);
    log.addEventListener("load", () => this.#pin(), {
      capture: true
    });
    log.addEventListener("error", () => this.#pin(), {
      capture: true
    });
  }
  /**
   * Keeps the bottom of what the reader sees in view as the log changes
   * height: the newest line if they follow it, else the line they had read
   * down to, which a phone's keyboard would cover. The browser may have
   * moved the log already (a log grown past its end), so the bottom is the
   * one the reader last saw, not the one now.
   */
  #resized() {
    if (!this.#shown) return;
    if (this.#stick) return this.#pin();
    const height = this.#log.clientHeight;
    if (height > 0) this.#scrollTo(this.#bottom - height);
  }
  /** Scrolls the log to `top`, a place the reader chose or was brought to. */
  #scrollTo(top) {
    this.#log.scrollTop = top;
    this.#bottom = this.#log.scrollTop + this.#log.clientHeight;
  }
  /** Keeps the newest line in view while the reader follows it. */
  #pin() {
    if (this.#shown && this.#stick) this.#log.scrollTop = this.#log.scrollHeight;
  }
  get #log() {
    return this.element;
  }
  /** Whether the reader is following the newest line. */
  get following() {
    return this.#stick;
  }
  /** Renames the log for screen readers. */
  label(label) {
    this.element.setAttribute("aria-label", label);
  }
  /**
   * Puts the log on the page in `frame`, in place of whatever was there, at
   * the position the reader left it: at the newest line if they were
   * following it, else where they had scrolled to.
   */
  show(frame) {
    if (!this.#shown) frame.replaceChildren(this.#log);
    this.#shown = true;
    if (this.#stick) this.#log.scrollTop = this.#log.scrollHeight;
    else this.#scrollTo(this.#savedTop);
    this.#showMarker();
  }
  /** The log is taken off the page: remembers where the reader was. */
  hide() {
    if (!this.#shown) return;
    this.#savedTop = this.#log.scrollTop;
    this.#shown = false;
    this.#log.remove();
  }
  /**
   * Appends `lines`, above the lines still being sent, which stay last;
   * scrolls to them if the reader was at the bottom, else shows the marker.
   */
  append(lines) {
    if (lines.length === 0) return;
    const sending = this.#log.querySelector(":scope > .pending");
    for (const element of lines) this.#log.insertBefore(element, sending);
    const excess = this.#log.childElementCount - this.#maxLines;
    for (let i = 0; i < excess; i++) this.#log.firstElementChild?.remove();
    if (this.#stick) {
      if (this.#shown) this.#log.scrollTop = this.#log.scrollHeight;
      return;
    }
    this.#unseen += lines.length;
    this.#unseenMessages += lines.filter((element) => COUNTED.some((kind) => element.classList.contains(kind))).length;
    this.#showMarker();
  }
  /** Appends a line the server has not answered yet, below every other, and shows it. */
  appendPending(element) {
    this.#log.appendChild(element);
    this.scrollToBottom();
  }
  /**
   * Brings `element`, a line of this log, into view at the top if the reader
   * would otherwise start below it: what is new is read from its beginning.
   */
  reveal(element) {
    if (!this.#shown || element.parentElement !== this.#log) return;
    const top = element.offsetTop;
    if (top >= this.#log.scrollTop) return;
    this.#scrollTo(top);
    this.#stick = this.#atBottom();
  }
  /** Scrolls to the newest line and hides the marker. */
  scrollToBottom() {
    this.#stick = true;
    if (this.#shown) this.#log.scrollTop = this.#log.scrollHeight;
    this.#clearMarker();
  }
  #atBottom() {
    const log = this.#log;
    return log.scrollHeight - log.scrollTop - log.clientHeight <= this.#slack;
  }
  #showMarker() {
    if (!this.#shown) return;
    if (this.#unseen === 0) {
      this.#marker.hidden = true;
      return;
    }
    const count2 = this.#unseenMessages;
    this.#marker.textContent = count2 === 0 ? "New activity \u2193" : `${count2} new ${count2 === 1 ? "message" : "messages"} \u2193`;
    this.#marker.hidden = false;
  }
  #clearMarker() {
    this.#unseen = 0;
    this.#unseenMessages = 0;
    if (this.#shown) this.#marker.hidden = true;
  }
};

// web/logs.ts
function keyOf(id) {
  return id.startsWith("@") ? `@${nameKey(id.slice(1))}` : id;
}
function labelOf(id) {
  return id.startsWith("@") ? `Private messages with ${id.slice(1)}` : `Messages in ${id}`;
}
var ViewLogs = class {
  #frame;
  #marker;
  #draw;
  #logs = /* @__PURE__ */ new Map();
  /** The log of lines shown before there was any view; the first view takes it over. */
  #spare;
  #shown;
  /**
   * The elements each line was drawn as, to find where the unseen lines
   * begin: one per log it is in, as a line shown in a room and in the
   * private view with the person it concerns (someone leaving) is.
   */
  #drawn = /* @__PURE__ */ new WeakMap();
  /** The "new since you left" line of each view that has one: one at most. */
  #dividers = /* @__PURE__ */ new Map();
  /** The first line that arrived in the log on the page while the tab was hidden. */
  #away;
  /**
   * Shows the logs in `frame`, with the shared "new messages" `marker`
   * button; `draw` makes a line's element.
   */
  constructor(frame, marker, draw) {
    this.#frame = frame;
    this.#marker = marker;
    this.#draw = draw;
    this.#spare = new LogView("Messages", marker);
    this.#shown = this.#spare;
    this.#shown.show(frame);
    marker.addEventListener("click", () => this.#shown.scrollToBottom());
  }
  /** The log on the page. */
  get shown() {
    return this.#shown;
  }
  /** Reports whether the log of view `id` is the one on the page. */
  isShown(id) {
    return this.#logs.get(keyOf(id)) === this.#shown;
  }
  /** Appends `lines` to the log of view `id`, or to the log on the page without one. */
  append(id, lines) {
    const log = id === void 0 ? this.#shown : this.#log(id);
    log.append(lines.map((line) => {
      const element = this.#draw(line);
      const drawn = this.#drawn.get(line);
      if (drawn === void 0) this.#drawn.set(line, [
        element
      ]);
      else drawn.push(element);
      return element;
    }));
  }
  /** Puts the log of view `id` on the page; the "new since you left" line of the one before goes. */
  show(id) {
    const log = this.#log(id);
    if (log === this.#shown) return;
    this.dropDivider();
    this.#away = void 0;
    this.#shown.hide();
    this.#shown = log;
    log.show(this.#frame);
  }
  /**
   * The user looks at view `id` now: its log goes on the page, with the
   * "new since you left" line above `unseen`, the lines that arrived there
   * while they looked elsewhere (`skipped` older ones were not kept).
   */
  switched(id, unseen, skipped) {
    this.show(id);
    const log = this.#shown;
    const first = unseen.map((line) => this.#element(line, log)).find((element) => element !== void 0);
    if (first !== void 0) this.#divide(log, first, unseenDivider(id, skipped));
  }
  /**
   * `line`, shown in view `id`, arrived while the tab was hidden: if that
   * view is on the page and nothing arrived before it, the "new since you
   * left" line goes above it once the tab is shown again.
   */
  arrivedAway(id, line) {
    const element = this.#element(line, this.#shown);
    if (this.#away !== void 0 || !this.isShown(id) || element === void 0) return;
    this.#away = {
      log: this.#shown,
      element
    };
  }
  /** The tab is shown again: the "new since you left" line goes above what arrived in view `id`. */
  returned(id) {
    const away = this.#away;
    this.#away = void 0;
    if (away === void 0 || away.log !== this.#shown || !this.isShown(id)) return;
    if (away.element.parentElement === away.log.element) {
      this.#divide(away.log, away.element, unseenDivider(id));
    }
  }
  /** The user is done with what was new on the page (they sent a line): its divider goes. */
  dropDivider() {
    this.#dividers.get(this.#shown)?.remove();
    this.#dividers.delete(this.#shown);
  }
  /** The person called `from` is now called `to`: their private log follows. */
  renamed(from, to) {
    const log = this.#logs.get(keyOf(`@${from}`));
    if (log === void 0 || keyOf(`@${from}`) === keyOf(`@${to}`)) return;
    this.#logs.delete(keyOf(`@${from}`));
    this.#logs.set(keyOf(`@${to}`), log);
    log.label(labelOf(`@${to}`));
  }
  /** Forgets the logs of views other than `ids`: rooms the user is in no more. */
  keep(ids) {
    const kept = new Set(ids.map(keyOf));
    for (const [key, log] of this.#logs) {
      if (kept.has(key) || log === this.#shown) continue;
      this.#logs.delete(key);
      this.#dividers.delete(log);
    }
  }
  /** The element `line` was drawn as in `log`, while it is there. */
  #element(line, log) {
    return this.#drawn.get(line)?.find((element) => element.parentElement === log.element);
  }
  /** Puts `divider` above `first`, a line of `log`, in place of the one it had, and shows it. */
  #divide(log, first, divider) {
    this.#dividers.get(log)?.remove();
    const element = this.#draw(divider);
    log.element.insertBefore(element, first);
    this.#dividers.set(log, element);
    log.reveal(element);
  }
  /** The log of view `id`, begun now if it is new. */
  #log(id) {
    const key = keyOf(id);
    let log = this.#logs.get(key);
    if (log !== void 0) return log;
    log = this.#spare ?? new LogView(labelOf(id), this.#marker);
    log.label(labelOf(id));
    this.#spare = void 0;
    this.#logs.set(key, log);
    return log;
  }
};

// web/message_box.ts
var MessageBox = class {
  #ui;
  #chat;
  #history;
  /** What was typed in the message box for each view but the one looked at. */
  #drafts = new Drafts();
  /** The message box and its caret once words the server refused last came back to it. */
  #offered;
  constructor(ui2, chat, options) {
    this.#ui = ui2;
    this.#chat = chat;
    this.#history = bindComposerKeys(ui2.input, () => conversationSources(chat), {
      changed: () => this.showLength()
    });
    ui2.input.addEventListener("input", (event) => {
      if (event.isTrusted) options.typed(ui2.input.value);
      this.showLength();
    });
  }
  /** Empties the box once its line `value` went to the conversation: Up brings it back. */
  sent(value) {
    this.#history.push(value);
    this.#ui.input.value = "";
    fitToText(this.#ui.input);
    this.showLength();
  }
  /** The person called `from` is now called `to`: the draft of their private view follows. */
  renamed(from, to) {
    this.#drafts.renamed(from, to);
  }
  /**
   * The message box goes to view `id`, unless it holds its draft already:
   * what it holds stays with the view it was in, and what was typed for
   * `id` comes back, so that a line begun for one room or person never
   * goes to another.
   */
  showDraft(id) {
    if (this.#drafts.isFor(id)) return;
    const input = this.#ui.input;
    const typed = this.#history.leave(input.value);
    const draft = this.#drafts.switchTo(id, typed);
    if (draft === input.value) return;
    input.value = draft;
    input.setSelectionRange(draft.length, draft.length);
    fitToText(input);
    this.showLength();
  }
  /**
   * Puts the words of a message the server refused back where they were
   * typed, as a line refused at once stays in the box: into the message box
   * while it holds that view's draft, else into the draft of the view they
   * were typed in. Words there already stay, the refused ones on a line of
   * their own after them: of several messages refused at once, none is lost,
   * and they come back in the order typed, one multi-line draft. The caret
   * stays where the user was typing, if they were; else it goes to the end.
   * Up brings each line back as well, as it does every line sent.
   */
  returned(text, view) {
    if (view !== void 0 && !this.#drafts.isFor(view)) return this.#drafts.offer(view, text);
    const input = this.#ui.input;
    const { selectionStart, selectionEnd, selectionDirection } = input;
    const toEnd = cursorToEnd(input.value, selectionStart, this.#offered);
    const kept = joinDraft(input.value, text);
    input.value = kept;
    if (toEnd) input.setSelectionRange(kept.length, kept.length);
    else input.setSelectionRange(selectionStart, selectionEnd, selectionDirection);
    this.#offered = {
      draft: kept,
      cursor: input.selectionStart
    };
    fitToText(input);
    this.showLength();
  }
  /**
   * Says above the message box whether its draft is too long to send, and
   * that the paperclip shares it as a file, while the page takes files.
   */
  showLength() {
    const size = this.#chat.oversize(this.#ui.input.value);
    showLength(this.#ui, size, this.#chat.shareHow);
  }
};

// web/people.ts
var PEOPLE_REMEMBERED = 2048;
var People = class {
  /** By {@linkcode nameKey}, the least recently heard of first. */
  #people = /* @__PURE__ */ new Map();
  #rooms = /* @__PURE__ */ new Map();
  #clock = new ServerClock();
  /** The server's clock when the browser's reads `now`. */
  serverNow(now) {
    return this.#clock.now(now);
  }
  /** How `name` is, if the page heard. */
  about(name) {
    return this.#people.get(nameKey(name));
  }
  /** The topic and lock of `room`, as far as the page heard. */
  room(room2) {
    return this.#rooms.get(room2) ?? {
      locked: false
    };
  }
  /** Learns from `frame`, which arrived at `arrived` (the browser's clock), and says what changed. */
  take(frame, arrived) {
    this.#clock.heard(frame, arrived);
    const now = this.serverNow(arrived);
    switch (frame.type) {
      case "who":
        for (const person of frame.people ?? []) {
          const { name: _, ...known } = person;
          this.#set(person.name, known);
        }
        return {
          people: frame.people !== void 0
        };
      case "away": {
        const reason = frame.reason === void 0 ? {} : {
          reason: frame.reason
        };
        this.#update(frame.name, {
          away: {
            since: frame.ts,
            ...reason
          }
        });
        return {
          people: true
        };
      }
      case "back": {
        const { away: _, ...known } = this.#people.get(nameKey(frame.name)) ?? {};
        this.#set(frame.name, {
          ...known,
          active: frame.ts
        });
        return {
          people: true
        };
      }
      case "renamed": {
        const known = this.#people.get(nameKey(frame.from));
        if (known === void 0) return {
          people: false
        };
        this.#people.delete(nameKey(frame.from));
        this.#set(frame.to, known);
        return {
          people: true
        };
      }
      case "joined": {
        const { type: _, ts: _ts, room: room2, name, ...known } = frame;
        if (known.client === void 0) return {
          people: false,
          ask: room2
        };
        this.#set(name, known);
        return {
          people: true
        };
      }
      case "left":
        if (!frame.reason?.startsWith("went to ") && frame.reason !== "parted") {
          this.#people.delete(nameKey(frame.name));
        }
        return {
          people: false
        };
      case "message":
      case "private":
        if (frame.type === "message" && frame.replay) return {
          people: false
        };
        return {
          people: this.#active(frame.from, frame.ts, now)
        };
      case "typing":
        return {
          people: this.#active(frame.name, now, now)
        };
      case "room":
        this.#about(frame.room, frame.topic, frame.locked === true);
        return {
          people: false,
          room: frame.room
        };
      case "topic":
        this.#about(frame.room, frame.topic, this.room(frame.room).locked);
        return {
          people: false,
          room: frame.room
        };
      case "rooms":
        for (const entry of frame.rooms) {
          this.#about(entry.name, entry.topic, entry.locked === true);
        }
        return {
          people: false,
          rooms: true
        };
      default:
        return {
          people: false
        };
    }
  }
  /** Sets what is known of `name`, as the most recently heard of. */
  #set(name, known) {
    const key = nameKey(name);
    this.#people.delete(key);
    this.#people.set(key, known);
    if (this.#people.size > PEOPLE_REMEMBERED) {
      this.#people.delete(this.#people.keys().next().value);
    }
  }
  /** Changes some of what is known of `name`. */
  #update(name, change) {
    this.#set(name, {
      ...this.#people.get(nameKey(name)),
      ...change
    });
  }
  /** `name` said or typed something at `active`; returns whether they showed as idle at `now`. */
  #active(name, active, now) {
    const before = this.#people.get(nameKey(name))?.active;
    if (before !== void 0 && before >= active) return false;
    this.#update(name, {
      active
    });
    return before !== void 0 && now - before > IDLE_SHOWN_MS;
  }
  #about(room2, topic2, locked) {
    this.#rooms.set(room2, topic2 === void 0 || topic2 === "" ? {
      locked
    } : {
      topic: topic2,
      locked
    });
  }
};
var CLIENTS = {
  terminal: {
    label: "terminal",
    title: "in the terminal (chat join)"
  },
  web: {
    label: "web",
    title: "on the web page"
  },
  text: {
    label: "nc",
    title: "in plain text (nc or telnet)"
  },
  irc: {
    label: "irc",
    title: "in an IRC client (irssi, WeeChat, HexChat)"
  },
  json: {
    label: "json",
    title: "a program speaking JSON"
  },
  websocket: {
    label: "ws",
    title: "a program on the WebSocket"
  }
};
function shown(known, now) {
  const result = {
    away: known?.away !== void 0,
    op: known?.op === true
  };
  if (known?.client !== void 0) {
    const client2 = sanitizeText(known.client);
    result.client = CLIENTS[client2] ?? {
      label: client2,
      title: `on ${client2}`
    };
  }
  if (known?.away !== void 0) {
    const reason = known.away.reason === void 0 ? "" : sanitizeText(known.away.reason);
    result.status = reason === "" ? "away" : `away: ${reason}`;
  } else if (known?.active !== void 0 && now - known.active > IDLE_SHOWN_MS) {
    result.status = idleFor(now - known.active);
  }
  return result;
}

// web/sidebar.ts
function badge(className, text, label) {
  const element = document.createElement("span");
  element.className = className;
  element.textContent = text;
  element.title = label;
  element.setAttribute("aria-label", label);
  return element;
}
function place(list, order) {
  const children = list.children;
  const same = order.length === children.length && order.every((item, index) => children[index] === item);
  if (same) return;
  const focused = document.activeElement;
  const inside = focused instanceof HTMLElement && list.contains(focused) ? focused : void 0;
  list.replaceChildren(...order);
  if (inside?.isConnected === true && document.activeElement !== inside) {
    inside.focus({
      preventScroll: true
    });
  }
}
function roomLabel(button, text) {
  const label = button.querySelector(":scope > .room-label") ?? isolated(document.createElement("span"), "ltr");
  label.className = "room-label";
  if (label.textContent !== text) label.textContent = text;
  return label;
}
function fill(button, label, extras) {
  if (button.firstChild !== label) button.prepend(label);
  const drawn = [
    ...button.children
  ].slice(1);
  const same = drawn.length === extras.length && drawn.every((child, index) => child.outerHTML === extras[index].outerHTML);
  if (same) return;
  for (const child of drawn) child.remove();
  button.append(...extras);
}
var drawnViews = /* @__PURE__ */ new WeakMap();
function viewItem(list, id) {
  const item = document.createElement("li");
  item.className = "view-item";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "view-button";
  button.addEventListener("click", () => drawnViews.get(list)?.options.onPick(id));
  item.append(button);
  return item;
}
function partButton(list, id, shown2) {
  const part = document.createElement("button");
  part.type = "button";
  part.className = "part-button";
  part.textContent = "\xD7";
  part.title = `Leave ${shown2}`;
  part.setAttribute("aria-label", `Leave ${shown2}`);
  part.addEventListener("click", (event) => {
    if (event.detail > 1) return;
    drawnViews.get(list)?.options.onPart(id);
  });
  return part;
}
function renderViews(list, views, options) {
  const before = drawnViews.get(list)?.items;
  const items = /* @__PURE__ */ new Map();
  const rooms = views.filter((view) => view.kind === "room").length;
  for (const view of views) {
    const item = before?.get(view.id) ?? viewItem(list, view.id);
    items.set(view.id, item);
    const button = item.querySelector(".view-button");
    button.dataset.kind = view.kind;
    const id = sanitizeText(view.id);
    button.dataset.view = id;
    const label = roomLabel(button, id);
    const marks = [];
    const mentioned = view.mentioned || view.kind === "private" && view.unread > 0;
    if (mentioned) {
      const why = view.kind === "private" ? "wrote to you" : "mentions you";
      marks.push(badge("mention-badge", "@", why));
    }
    if (view.unread > 0) {
      const words = `${view.unread} unread ${view.unread === 1 ? "message" : "messages"}`;
      marks.push(badge(mentioned ? "unread urgent" : "unread", String(view.unread), words));
    }
    fill(button, label, marks);
    item.classList.toggle("has-unread", view.unread > 0);
    if (view.id === options.current) {
      button.setAttribute("aria-current", "true");
      button.title = `You are looking at ${id}`;
    } else {
      button.removeAttribute("aria-current");
      button.title = `Show ${id}`;
    }
    const part = item.querySelector(".part-button");
    const leaves = view.kind === "room" && rooms > 1;
    if (leaves && part === null) item.append(partButton(list, view.id, id));
    else if (!leaves) part?.remove();
  }
  drawnViews.set(list, {
    items,
    options
  });
  place(list, [
    ...items.values()
  ]);
}
var SVG = "http://www.w3.org/2000/svg";
function svg(tag, attributes, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}
function lockMark() {
  const mark = badge("room-locked", "", "locked: only operators may enter");
  mark.setAttribute("role", "img");
  mark.append(svg("svg", {
    viewBox: "0 0 24 24",
    width: "12",
    height: "12",
    "aria-hidden": "true"
  }, svg("rect", {
    x: "5",
    y: "11",
    width: "14",
    height: "10",
    rx: "2",
    fill: "currentColor"
  }), svg("path", {
    d: "M8 11V8a4 4 0 0 1 8 0v3",
    fill: "none",
    stroke: "currentColor",
    "stroke-width": "2"
  })));
  return mark;
}
var drawnRooms = /* @__PURE__ */ new WeakMap();
function roomItem(list, room2) {
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "room-button";
  button.addEventListener("click", (event) => {
    if (event.detail > 1) return;
    drawnRooms.get(list)?.options.onPick(room2);
  });
  item.append(button);
  return item;
}
function renderRooms(list, rooms, options) {
  const before = drawnRooms.get(list)?.items;
  const items = /* @__PURE__ */ new Map();
  for (const room2 of rooms) {
    const item = before?.get(room2.name) ?? roomItem(list, room2.name);
    items.set(room2.name, item);
    const button = item.querySelector(".room-button");
    const name = sanitizeText(room2.name);
    button.dataset.room = name;
    const label = roomLabel(button, name);
    const count2 = document.createElement("span");
    count2.className = "count";
    count2.textContent = String(room2.members);
    count2.setAttribute("aria-label", `${room2.members} ${room2.members === 1 ? "person" : "people"}`);
    const locked = options.locked?.(room2.name) === true;
    fill(button, label, [
      ...locked ? [
        lockMark()
      ] : [],
      count2
    ]);
    const current = room2.name === options.current;
    const joined = !current && options.joined.includes(room2.name);
    if (current) button.setAttribute("aria-current", "true");
    else button.removeAttribute("aria-current");
    button.classList.toggle("joined", joined);
    button.title = current ? `You are in ${name}` : joined ? `You are in ${name}: show it` : locked ? `Join ${name}: only operators may enter it` : `Join ${name}`;
  }
  drawnRooms.set(list, {
    items,
    options
  });
  place(list, [
    ...items.values()
  ]);
}
function presenceMarks(shown2) {
  if (shown2 === void 0) return [];
  const marks = [];
  if (shown2.op) marks.push(badge("op-mark", "op", "operator"));
  if (shown2.client !== void 0) {
    marks.push(badge("client-mark", shown2.client.label, shown2.client.title));
  }
  if (shown2.ignored) {
    marks.push(badge("ignored-mark", "ignored", "You ignore them: /unignore shows them again"));
  }
  if (shown2.status !== void 0) {
    const status = document.createElement("span");
    status.className = "presence";
    status.textContent = shown2.status;
    marks.push(status);
  }
  return marks;
}
var drawnPeople = /* @__PURE__ */ new WeakMap();
function personItem(list, name, self, me) {
  const item = document.createElement("li");
  item.dataset.name = sanitizeText(name);
  const label = nameSpan(name, me, "member-name");
  if (self) {
    item.classList.add("self");
    const you = document.createElement("span");
    you.className = "you";
    you.textContent = " (you)";
    item.append(label, you);
    return item;
  }
  const button = document.createElement("button");
  button.type = "button";
  button.className = "member-button";
  button.title = `Private messages with ${sanitizeText(name)}`;
  button.append(label);
  item.addEventListener("click", () => drawnPeople.get(list)?.options.onPick(name));
  item.append(button);
  return item;
}
var MARKS = ".op-mark, .client-mark, .ignored-mark, .presence";
function renderMembers(list, names3, options) {
  const before = drawnPeople.get(list)?.items;
  const items = /* @__PURE__ */ new Map();
  const me = options.me === "" ? void 0 : nameKey(options.me);
  for (const name of names3) {
    const self = nameKey(name) === me;
    const key = `${self ? "self" : "other"} ${name}`;
    const item = before?.get(key) ?? personItem(list, name, self, options.me);
    const shown2 = options.shown?.(name);
    item.classList.toggle("away", shown2?.away === true);
    for (const mark of item.querySelectorAll(MARKS)) mark.remove();
    item.append(...presenceMarks(shown2));
    items.set(key, item);
  }
  drawnPeople.set(list, {
    items,
    options
  });
  place(list, [
    ...items.values()
  ]);
}

// web/page.ts
var PageView = class {
  /** What the page knows of the people and the rooms beyond their names. */
  people = new People();
  #ui;
  #chat;
  #alerts;
  #actions;
  /** Messages from others that arrived in the view looked at while the tab was hidden. */
  #hiddenUnread = 0;
  #hiddenMention = false;
  constructor(ui2, chat, alerts, actions) {
    this.#ui = ui2;
    this.#chat = chat;
    this.#alerts = alerts;
    this.#actions = actions;
  }
  /** Shows the user's own name. */
  showMe() {
    const me = this.#chat.roster.me;
    this.#ui.meName.replaceChildren(nameSpan(me, me, "nick"));
  }
  /** Shows the view looked at in the header, the message box and the title. */
  showRoom() {
    const view = this.#chat.view;
    const name = sanitizeText(view?.id ?? this.#chat.roster.room);
    this.#ui.roomName.textContent = name;
    this.#ui.input.placeholder = `Message ${name}`;
    this.#ui.app.classList.toggle("private-view", view?.kind === "private");
    this.#showAbout();
    this.#showCount();
    this.#updateTitle();
  }
  /** Shows the topic and lock of `room` in the header if it is the room looked at (any: given none). */
  showAbout(room2) {
    if (room2 === void 0 || this.#chat.view?.id === room2) this.#showAbout();
  }
  /** Lists the people in the current room. */
  showMembers() {
    const roster = this.#chat.roster;
    this.#showCount();
    this.#ui.memberCount.textContent = String(roster.count);
    const now = this.people.serverNow(Date.now());
    const ignored = new Set(this.#chat.ignored.map(nameKey));
    renderMembers(this.#ui.members, roster.sortedMembers(), {
      me: roster.me,
      onPick: this.#actions.startPrivate,
      shown: (name) => ({
        ...shown(this.people.about(name), now),
        ignored: ignored.has(nameKey(name))
      })
    });
  }
  /** Lists the user's views, with what is unread in each, and the server's rooms. */
  showRooms() {
    const roster = this.#chat.roster;
    renderViews(this.#ui.views, this.#chat.views, {
      current: this.#chat.view?.id,
      onPick: this.#actions.showView,
      onPart: this.#actions.partRoom
    });
    renderRooms(this.#ui.rooms, roster.roomList(), {
      current: this.#chat.view?.id ?? roster.room,
      joined: roster.joined,
      locked: (room2) => this.people.room(room2).locked,
      onPick: this.#actions.joinRoom
    });
    this.#updateTitle();
  }
  /** A message from someone else arrived in the view looked at: unread if the tab is hidden. */
  arrived(mention) {
    if (!document.hidden) return;
    this.#hiddenUnread++;
    this.#hiddenMention ||= mention;
    if (mention) this.#ui.app.classList.add("mentioned");
    this.#updateTitle();
  }
  /** The tab is visible again: what arrived in the view looked at is read. */
  markRead() {
    this.#hiddenUnread = 0;
    this.#hiddenMention = false;
    this.#ui.app.classList.remove("mentioned");
    this.#updateTitle();
  }
  /** The topic and the lock of the room looked at, under and beside its name. */
  #showAbout() {
    const view = this.#chat.view;
    const about = view?.kind === "room" ? this.people.room(view.id) : {
      locked: false
    };
    const topic2 = about.topic === void 0 ? "" : sanitizeText(about.topic);
    this.#ui.roomTopic.textContent = topic2;
    this.#ui.roomTopic.title = topic2;
    this.#ui.roomTopic.hidden = topic2 === "";
    this.#ui.roomLock.hidden = !about.locked;
  }
  #showCount() {
    const view = this.#chat.view;
    const count2 = this.#chat.roster.count;
    this.#ui.roomCount.textContent = view?.kind === "private" ? "private messages" : `${count2} ${count2 === 1 ? "person" : "people"}`;
  }
  /**
   * Marks the drawer's button (on a phone the sidebar is closed) when another
   * view has something unread, red when it names the user.
   */
  #markDrawer() {
    const waiting = this.#chat.activity;
    const mentioned = waiting.some((view) => view.mentioned || view.kind === "private");
    const toggle = this.#ui.sidebarToggle;
    toggle.dataset.unread = mentioned ? "mention" : waiting.length > 0 ? "some" : "";
    const count2 = waiting.reduce((sum, view) => sum + view.unread, 0);
    toggle.setAttribute("aria-label", count2 === 0 ? "Rooms and people" : `Rooms and people, ${count2} unread`);
  }
  /** The title and the icon: the unread total, then the view looked at. */
  #updateTitle() {
    let unread = this.#hiddenUnread;
    let mentioned = this.#hiddenMention;
    for (const view of this.#chat.views) {
      unread += view.unread;
      mentioned ||= view.mentioned || view.kind === "private" && view.unread > 0;
    }
    this.#markDrawer();
    const prefix = unread > 0 ? `(${unread}) ` : "";
    const name = sanitizeText(this.#chat.view?.id ?? this.#chat.roster.room);
    document.title = `${prefix}${name} \u2014 chat`;
    this.#alerts.badge(unread, mentioned);
  }
};

// web/quiet_asks.ts
var ROOMS_SOON_MS = 300;
var ROOMS_GAP_MS = 3e3;
var PEOPLE_SOON_MS = 300;
var QuietAsks = class {
  #options;
  /** Answers still to come to the page's own `rooms` and `who`. */
  #rooms = 0;
  #who = 0;
  #roomsTimer;
  #whoTimer;
  /** When the page last asked for the room list (`performance.now()`). */
  #roomsAsked = -Infinity;
  constructor(options) {
    this.#options = options;
  }
  /**
   * Asks for the room list soon, once for a burst of changes, and never
   * sooner than {@linkcode ROOMS_GAP_MS} after the page last asked.
   */
  rooms() {
    if (this.#roomsTimer !== void 0) return;
    const wait = Math.max(ROOMS_SOON_MS, this.#roomsAsked + ROOMS_GAP_MS - performance.now());
    this.#roomsTimer = setTimeout(() => {
      this.#roomsTimer = void 0;
      if (this.#options.joined() && this.#options.send({
        type: "rooms"
      })) {
        this.#rooms++;
        this.#roomsAsked = performance.now();
      }
    }, wait);
  }
  /** Asks soon, once for a burst of changes, how the people of the room looked at are. */
  people() {
    clearTimeout(this.#whoTimer);
    this.#whoTimer = setTimeout(() => {
      const room2 = this.#options.room();
      if (!this.#options.joined() || room2 === void 0) return;
      if (this.#options.send({
        type: "who",
        room: room2
      })) this.#who++;
    }, PEOPLE_SOON_MS);
  }
  /** A new connection: no answer to an ask of the old one will come. */
  reset() {
    this.#rooms = 0;
    this.#who = 0;
  }
  /** Whether `frame` answers one of the page's own asks: it is taken without a word. */
  answers(frame) {
    if (frame.type === "rooms" && this.#rooms > 0) {
      this.#rooms--;
      return true;
    }
    if (frame.type === "who" && this.#who > 0) {
      this.#who--;
      return true;
    }
    return false;
  }
};

// web/presence.ts
var AWAY_AFTER_MS = 10 * 6e4;
var AWAY_PARAMETER = "away-after";
function awayAfterMs(search) {
  const typed = new URLSearchParams(search).get(AWAY_PARAMETER)?.trim().toLowerCase();
  if (typed === void 0 || typed === "") return AWAY_AFTER_MS;
  if (typed === "0" || typed === "off") return 0;
  const seconds = parseDuration(typed);
  return seconds === void 0 ? AWAY_AFTER_MS : seconds * 1e3;
}
var IGNORED_KEY = "chat.ignored";
function loadIgnored() {
  try {
    const value = JSON.parse(localStorage.getItem(IGNORED_KEY) ?? "[]");
    return Array.isArray(value) ? value.filter((name) => typeof name === "string") : [];
  } catch {
    return [];
  }
}
function saveIgnored(names3) {
  try {
    if (names3.length === 0) localStorage.removeItem(IGNORED_KEY);
    else localStorage.setItem(IGNORED_KEY, JSON.stringify(names3));
  } catch {
  }
}
function showTyping(element, names3) {
  const text = typingText(names3.map((name) => sanitizeText(name)));
  if (element.textContent !== text) element.textContent = text;
}

// web/reload.ts
var ReloadedRooms = class {
  #options;
  /** The rooms and view this tab had before a reload: entered again at the first welcome. */
  #reloaded = joinedBefore() ? loadRooms() : void 0;
  /** The view a reloaded tab showed, shown again once its room is entered. */
  #showOnEntry;
  constructor(options) {
    this.#options = options;
  }
  /**
   * Whether the first welcome has still to enter the rooms again: until
   * then the rooms are not saved, as the #lobby alone would overwrite them.
   */
  get pending() {
    return this.#reloaded !== void 0;
  }
  /**
   * After a reload of the tab, at its first welcome: enters again the rooms
   * it was in, in the order it had entered them, and shows the view it
   * showed, once that room is entered.
   */
  enterAgain() {
    const saved = this.#reloaded;
    this.#reloaded = void 0;
    if (saved === void 0) return;
    const now = performance.now();
    const joined = this.#options.joined();
    const rooms = saved.rooms.filter((room2) => !joined.includes(room2));
    for (const room2 of rooms) this.#options.join(room2, now);
    if (saved.view !== void 0 && rooms.includes(saved.view)) this.#showOnEntry = saved.view;
    else this.#showEntered(saved.view);
  }
  /** The user's views changed: the view the tab showed is shown once its room is entered. */
  viewsChanged() {
    const id = this.#showOnEntry;
    if (id === void 0 || !this.#options.views().includes(id)) return;
    this.#showOnEntry = void 0;
    this.#showEntered(id);
  }
  /** Shows view `id` if the user has it, as if they picked it. */
  #showEntered(id) {
    if (id !== void 0 && this.#options.views().includes(id)) this.#options.show(id);
  }
};

// web/sending.ts
var SendingLines = class {
  /** The log lines showing lines still being sent, by client message id. */
  #lines = /* @__PURE__ */ new Map();
  /**
   * Keeps `element`, the copy of the line with client message id `cid`
   * drawn while it goes, until the server answers it.
   */
  add(cid2, element) {
    element.setAttribute("aria-hidden", "true");
    this.#lines.set(cid2, element);
  }
  /** The server answered the lines with client message ids `cids`: their copies go. */
  answered(cids) {
    for (const cid2 of cids) {
      if (cid2 === void 0) continue;
      this.#lines.get(cid2)?.remove();
      this.#lines.delete(cid2);
    }
  }
};

// web/upload.ts
function refusal2(xhr) {
  try {
    const value = JSON.parse(xhr.responseText);
    if (typeof value !== "object" || value === null) return {};
    const { error, message } = value;
    return {
      ...typeof error === "string" ? {
        code: error
      } : {},
      ...typeof message === "string" ? {
        message
      } : {}
    };
  } catch {
    return {};
  }
}
function uploaded(xhr) {
  try {
    const value = JSON.parse(xhr.responseText);
    if (typeof value !== "object" || value === null) return void 0;
    const { id, name, size } = value;
    if (!isFileId(id) || typeof name !== "string" || typeof size !== "number") return void 0;
    return {
      id,
      name,
      size
    };
  } catch {
    return void 0;
  }
}
function stateOf(message) {
  const match = /^Cannot [^:]*: (.+)$/su.exec(message);
  return match?.[1] ?? message;
}
function refusalDetail(status, said) {
  switch (status) {
    case 401:
      return "the server no longer knows this connection (it was dropped); try again";
    case 413:
      return said === void 0 ? "it is larger than the server takes" : stateOf(said);
    case 429:
      return said === void 0 ? "uploads are coming too fast; wait a moment and try again" : stateOf(said);
    default:
      return said === void 0 ? `the server answered ${status}` : stateOf(said);
  }
}
function startUpload(file, options) {
  const xhr = new XMLHttpRequest();
  const done = new Promise((resolve) => {
    xhr.upload.addEventListener("progress", (event) => {
      options.onProgress?.(event.loaded, event.lengthComputable ? event.total : file.size);
    });
    xhr.addEventListener("load", () => {
      const answer = xhr.status === 201 ? uploaded(xhr) : void 0;
      if (answer !== void 0) return resolve({
        ok: true,
        file: answer
      });
      const said = refusal2(xhr);
      resolve({
        ok: false,
        reason: "refused",
        status: xhr.status,
        ...said.code === void 0 ? {} : {
          code: said.code
        },
        detail: xhr.status === 201 ? "the server's answer was not understood" : refusalDetail(xhr.status, said.message)
      });
    });
    xhr.addEventListener("error", () => resolve({
      ok: false,
      reason: "network",
      status: 0,
      detail: "the connection to the server was lost during the upload"
    }));
    xhr.addEventListener("abort", () => resolve({
      ok: false,
      reason: "cancelled",
      status: 0,
      detail: "the upload was cancelled"
    }));
  });
  xhr.open("POST", "/files");
  xhr.setRequestHeader("Authorization", `Bearer ${options.token}`);
  xhr.setRequestHeader("X-File-Name", fileNameHeader(file.name));
  if (options.password !== void 0) {
    xhr.setRequestHeader("X-Chat-Password", encodeURIComponent(options.password));
  }
  xhr.send(file);
  return {
    done,
    cancel: () => xhr.abort()
  };
}

// web/sharing.ts
function carriesFiles(data) {
  return data !== null && [
    ...data.types
  ].includes("Files");
}
function pastedName(file, now) {
  if (file.name !== "" && !/^image\.\w+$/.test(file.name)) return file.name;
  const extension = /^image\/(\w+)$/.exec(file.type)?.[1]?.replace("jpeg", "jpg") ?? "png";
  const pad = (value) => String(value).padStart(2, "0");
  const date = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `pasted-${date}-${time}.${extension}`;
}
var FileSharing = class {
  #elements;
  #hooks;
  #queue = [];
  #busy = false;
  /** Drag events entered minus left, so that the drop zone goes once the drag left the page. */
  #dragDepth = 0;
  constructor(elements, hooks) {
    this.#elements = elements;
    this.#hooks = hooks;
    const { attach, picker, input } = elements;
    attach.addEventListener("click", () => picker.click());
    picker.addEventListener("change", () => {
      const files = [
        ...picker.files ?? []
      ];
      picker.value = "";
      this.add(files);
      hooks.focus();
    });
    input.addEventListener("paste", (event) => this.#paste(event));
    document.addEventListener("dragenter", (event) => this.#dragEnter(event));
    document.addEventListener("dragover", (event) => this.#dragOver(event));
    document.addEventListener("dragleave", () => this.#dragLeave());
    document.addEventListener("drop", (event) => this.#drop(event));
    this.update();
  }
  /**
   * Shows the paperclip when the server takes files, as its last `welcome`
   * said, and the page is on its own server.
   */
  update() {
    this.#elements.attach.hidden = !this.#takes();
  }
  /** Whether files can be shared from this page now. */
  #takes() {
    return this.#hooks.place() !== void 0 && this.#hooks.elsewhere() === void 0;
  }
  /**
   * Shares `files`, each in turn after those already waiting. A file larger
   * than the server takes is refused at once.
   */
  add(files) {
    const place2 = this.#hooks.place();
    if (files.length === 0) return;
    if (place2 === void 0) {
      return this.#hooks.online() ? this.#hooks.tell(noFilesNotice(), false) : this.#hooks.tell("Cannot share files: not connected to the chat yet", true);
    }
    const elsewhere = this.#hooks.elsewhere();
    if (elsewhere !== void 0) return this.#hooks.tell(elsewhereError(elsewhere), true);
    for (const file of files) {
      if (file.size > place2.maxBytes) {
        this.#hooks.tell(`Cannot share "${sanitizeText(file.name)}": it is ${formatBytes(file.size)}, larger than ${formatBytes(place2.maxBytes)}, the largest this server takes`, true);
        continue;
      }
      this.#queue.push(this.#row(file));
    }
    void this.#next();
  }
  /** Cancels every upload, the one under way and those waiting. */
  cancelAll() {
    for (const queued of [
      ...this.#queue
    ]) this.#cancel(queued);
  }
  /** A row of the upload list for `file`: its name, a progress bar and a cancel button. */
  #row(file) {
    const row = document.createElement("div");
    row.className = "upload";
    row.setAttribute("role", "group");
    const name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = sanitizeText(file.name);
    name.title = name.textContent;
    const bar = document.createElement("progress");
    bar.max = file.size || 1;
    bar.value = 0;
    bar.setAttribute("aria-label", `Upload of ${name.textContent}`);
    const percent = document.createElement("span");
    percent.className = "upload-percent";
    percent.textContent = "waiting";
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "small-button upload-cancel";
    cancel.textContent = "Cancel";
    cancel.setAttribute("aria-label", `Cancel the upload of ${name.textContent}`);
    row.setAttribute("aria-label", `Uploading ${name.textContent}`);
    row.append(name, bar, percent, cancel);
    const queued = {
      file,
      row,
      bar,
      percent,
      upload: void 0,
      cancelled: false
    };
    cancel.addEventListener("click", () => {
      this.#cancel(queued);
      this.#hooks.focus();
    });
    this.#elements.uploads.append(row);
    this.#elements.uploads.hidden = false;
    return queued;
  }
  #cancel(queued) {
    if (queued.cancelled) return;
    queued.cancelled = true;
    queued.upload?.cancel();
    if (queued.upload === void 0) this.#finish(queued);
    this.#hooks.tell(`Upload of "${sanitizeText(queued.file.name)}" cancelled`, false);
  }
  /** Takes `queued` off the list. */
  #finish(queued) {
    const at = this.#queue.indexOf(queued);
    if (at !== -1) this.#queue.splice(at, 1);
    queued.row.remove();
    this.#elements.uploads.hidden = this.#elements.uploads.childElementCount === 0;
  }
  /** Uploads the files waiting, one at a time. */
  async #next() {
    if (this.#busy) return;
    this.#busy = true;
    try {
      for (let queued = this.#queue[0]; queued !== void 0; queued = this.#queue[0]) {
        await this.#send(queued);
        this.#finish(queued);
      }
    } finally {
      this.#busy = false;
    }
  }
  /** Uploads `queued` and shares it, or says why not. */
  async #send(queued) {
    const name = sanitizeText(queued.file.name);
    if (queued.cancelled) return;
    const place2 = this.#hooks.place();
    if (place2 === void 0) return this.#hooks.tell(noFilesNotice(), false);
    const elsewhere = this.#hooks.elsewhere();
    if (elsewhere !== void 0) return this.#hooks.tell(elsewhereError(elsewhere), true);
    if (!this.#hooks.online()) {
      return this.#hooks.tell(`Cannot share "${name}": not connected to the chat; try again once connected`, true);
    }
    let outcome = await this.#upload(queued, place2.token);
    const now = this.#hooks.place();
    if (!outcome.ok && outcome.status === 401 && now !== void 0 && now.token !== place2.token) {
      outcome = await this.#upload(queued, now.token);
    }
    if (queued.cancelled) return;
    if (!outcome.ok) return this.#hooks.tell(`Cannot share "${name}": ${outcome.detail}`, true);
    this.#hooks.share(outcome.file);
  }
  #upload(queued, token) {
    const { bar, percent, file } = queued;
    percent.textContent = "0%";
    queued.upload = startUpload(file, {
      token,
      password: this.#hooks.password(),
      onProgress: (sent, total) => {
        bar.max = total || 1;
        bar.value = sent;
        percent.textContent = `${total === 0 ? 100 : Math.floor(sent / total * 100)}%`;
      }
    });
    return queued.upload.done;
  }
  #paste(event) {
    const data = event.clipboardData;
    if (data === null || data.files.length === 0) return;
    if (data.getData("text/plain") !== "") return;
    event.preventDefault();
    const now = /* @__PURE__ */ new Date();
    const files = [
      ...data.files
    ].map((file) => {
      const name = pastedName(file, now);
      return name === file.name ? file : new File([
        file
      ], name, {
        type: file.type
      });
    });
    this.add(files);
  }
  #dragEnter(event) {
    if (!carriesFiles(event.dataTransfer)) return;
    this.#dragDepth++;
    if (this.#takes()) this.#elements.dropZone.hidden = false;
  }
  #dragOver(event) {
    if (!carriesFiles(event.dataTransfer)) return;
    event.preventDefault();
    if (event.dataTransfer !== null) {
      event.dataTransfer.dropEffect = this.#takes() ? "copy" : "none";
    }
  }
  #dragLeave() {
    if (this.#dragDepth === 0) return;
    this.#dragDepth--;
    if (this.#dragDepth === 0) this.#elements.dropZone.hidden = true;
  }
  #drop(event) {
    this.#dragDepth = 0;
    this.#elements.dropZone.hidden = true;
    if (!carriesFiles(event.dataTransfer)) return;
    event.preventDefault();
    this.add([
      ...event.dataTransfer?.files ?? []
    ]);
    this.#hooks.focus();
  }
};
function elsewhereError(origin) {
  return `Cannot share files from this page while it is on another server of the chat; open that server's own page to share them: ${origin}/`;
}
function noFilesNotice() {
  return "This server takes no files: nothing was shared";
}

// web/status.ts
function statusText(state, phase, now) {
  switch (state.kind) {
    case "connecting":
      return {
        text: "Connecting\u2026",
        kind: "connecting"
      };
    case "open":
      if (phase === "joined") return {
        text: "Connected",
        kind: "connected"
      };
      return phase === "asking" ? {
        text: "Waiting for your name",
        kind: "connecting"
      } : {
        text: "Joining\u2026",
        kind: "connecting"
      };
    case "waiting": {
      const seconds = Math.max(1, Math.ceil((state.until - now) / 1e3));
      return {
        text: `Reconnecting in ${seconds} s`,
        kind: "reconnecting"
      };
    }
    case "stopped":
      return {
        text: "Disconnected",
        kind: "disconnected"
      };
  }
}
var StatusView = class {
  #elements;
  #timer;
  constructor(elements) {
    this.#elements = elements;
  }
  /**
   * Shows `state`, and while stopped `why` the server sent the page away (a
   * kick, a ban); call again whenever the state or the phase changes.
   */
  show(state, phase, why) {
    clearInterval(this.#timer);
    this.#timer = void 0;
    this.#render(state, phase, why);
    if (state.kind === "waiting") {
      this.#timer = setInterval(() => this.#render(state, phase), 250);
    }
  }
  #render(state, phase, why) {
    const { status, announce, retry, nameStatus } = this.#elements;
    const { text, kind } = statusText(state, phase, Date.now());
    const said = state.kind === "stopped" && why !== void 0 ? `${text}: ${why}` : text;
    if (status.textContent !== text) status.textContent = text;
    status.title = said;
    const changed = status.dataset.state !== kind;
    if (changed) status.dataset.state = kind;
    if (changed || state.kind === "stopped" && announce.textContent !== said) {
      announce.textContent = kind === "reconnecting" ? "Reconnecting" : said;
    }
    retry.hidden = state.kind !== "waiting" && state.kind !== "stopped";
    retry.textContent = state.kind === "stopped" ? "Reconnect" : "Retry now";
    nameStatus.textContent = state.kind === "open" ? "" : text;
  }
};

// web/client.ts
var TICK_MS = 250;
var SHARE_HOW = "with the paperclip";
var WebClient = class {
  #ui;
  #chat;
  #logs;
  #alerts;
  #status;
  #page;
  #box;
  #connection;
  #joining;
  #sharing;
  /** The room list and the people, asked for by the page itself, to refresh them quietly. */
  #asks;
  #outageNoted = false;
  /** The rooms and view this tab had before a reload, entered again at the first welcome. */
  #reloaded;
  /** The room the user just left, while the line that says so is drawn: it offers to join again. */
  #leaving;
  /** Why the server sent the page away for good (a kick, a ban), until the user joins again. */
  #dismissed;
  /** The log lines showing lines still being sent. */
  #sending = new SendingLines();
  #tickTimer;
  /** Private views whose messages the hidden tab showed in the room looked at. */
  #readOnReturn = /* @__PURE__ */ new Set();
  /** Where the keyboard goes, and the sidebar drawer. */
  #focus;
  /** Asks before the tab goes while lines wait for the server. */
  #leaveGuard = new LeaveGuard(() => this.#chat.unsent(performance.now()));
  constructor(ui2, url, options = {}) {
    this.#ui = ui2;
    this.#chat = new Conversation({
      display: "each",
      client: "web",
      // The paperclip shows while the page can share files: on its own server, which takes them.
      shareHow: () => ui2.attach.hidden ? void 0 : SHARE_HOW,
      awayAfterMs: options.awayAfterMs ?? AWAY_AFTER_MS,
      ignored: loadIgnored()
    });
    this.#reloaded = new ReloadedRooms({
      joined: () => this.#chat.roster.joined,
      join: (room2, now) => this.#apply(this.#chat.join(room2, now)),
      views: () => this.#chat.views.map((view) => view.id),
      show: (id) => this.#apply(this.#chat.switchTo(id))
    });
    this.#logs = new ViewLogs(ui2.log, ui2.newMessages, (line) => this.#draw(line));
    this.#status = new StatusView(ui2);
    this.#alerts = new Alerts(ui2, (view) => this.showView(view));
    this.#page = new PageView(ui2, this.#chat, this.#alerts, {
      joinRoom: (room2) => this.joinRoom(room2),
      showView: (view) => this.showView(view),
      partRoom: (room2) => this.partRoom(room2),
      startPrivate: (name) => this.startPrivate(name)
    });
    this.#joining = new Joining(ui2, {
      hello: (name) => {
        if (this.#connection.isOpen) this.#sendHello(name);
      },
      changed: () => this.#showStatus()
    });
    this.#box = new MessageBox(ui2, this.#chat, {
      typed: (value) => this.#apply(this.#chat.keystroke(performance.now(), value))
    });
    this.#connection = new Connection({
      url,
      onFrame: (frame) => this.#onFrame(frame),
      onState: (state) => this.#onState(state)
    });
    this.#asks = new QuietAsks({
      send: (frame) => this.#connection.send(frame),
      joined: () => this.#joining.phase === "joined",
      room: () => this.#chat.roster.many ? this.#chat.roster.room : void 0
    });
    this.#sharing = new FileSharing(ui2, {
      place: () => this.#chat.files.place,
      online: () => this.#chat.online,
      password: () => this.#joining.password,
      share: (file) => this.#apply(this.#chat.share(file)),
      tell: (message, error) => this.#show([
        error ? errorLine(message) : notice([
          message
        ])
      ]),
      elsewhere: () => this.#elsewhere(),
      focus: () => this.focusInput()
    });
    this.#focus = new Focus(ui2);
  }
  /** Connects, joining under the remembered name if there is a valid one, else asking. */
  start(rememberedName) {
    if (rememberedName !== void 0) this.#joining.rejoin(rememberedName);
    else this.#joining.ask("");
    this.#page.showRoom();
    this.#connection.start();
  }
  /** Joins under `name`, typed into the name form and already checked, with the password if asked. */
  submitName(name, password) {
    this.#dismissed = void 0;
    this.#joining.typed(name, password);
    if (this.#connection.isOpen) return this.#sendHello(name);
    this.#connection.start();
    this.#showStatus();
  }
  /**
   * Hands the message box's line to the conversation. A message is shown as
   * being sent until the server answers it; one typed while the connection
   * is down is sent once it is back. A line refused at once stays in the box.
   */
  sendLine() {
    const value = this.#ui.input.value;
    if (value.trim() === "") return;
    const looked = this.#chat.view?.id;
    const effects = this.#chat.type(value, performance.now());
    const refused = effects.some((effect) => effect.type === "show" && effect.lines.some((line) => line.kind === "error"));
    if (refused) return this.#apply(effects);
    this.#box.sent(value);
    this.#apply(effects);
    if (looked !== void 0 && this.#logs.isShown(looked)) this.#logs.dropDivider();
    this.#logs.shown.scrollToBottom();
  }
  /** Enters `room` (as typed or clicked), or shows it if the user is in it already. */
  joinRoom(room2) {
    if (nameKey(room2) !== nameKey(this.#chat.view?.id ?? "")) {
      this.#apply(this.#chat.join(room2, performance.now()));
    }
    this.setSidebar(false);
  }
  /** Shows view `id` (`#dev`, `@bob`), one of the user's. */
  showView(id) {
    if (this.#chat.view?.id !== id) this.#apply(this.#chat.switchTo(id));
    this.setSidebar(false);
  }
  /** Shows the `number`th view (from 1) of the sidebar, if there are that many, and says which. */
  showNumber(number) {
    this.#switchByKey(() => this.#chat.switchToNumber(number));
  }
  /**
   * Shows the view `step` places after the one looked at (before it if
   * negative), going round, and says which.
   */
  showBeside(step) {
    this.#switchByKey(() => this.#chat.switchBy(step));
  }
  /**
   * Carries out a switch made with a key: the keyboard stays in the message
   * box, so a screen reader is told through the status announcer which view
   * it shows now.
   */
  #switchByKey(switchView) {
    const before = this.#chat.view?.id;
    this.#apply(switchView());
    const view = this.#chat.view;
    if (view === void 0 || view.id === before) return;
    this.#ui.announce.textContent = view.kind === "private" ? `Private messages with ${sanitizeText(view.name)}` : sanitizeText(view.id);
  }
  /** Leaves `room`, one of the user's, as `/part` does. */
  partRoom(room2) {
    this.#apply(this.#chat.type(`/part ${room2}`, performance.now()));
    this.setSidebar(false);
  }
  /** Shows the private view with `name` (`@bob`): what is typed there goes to them. */
  startPrivate(name) {
    const looked = this.#chat.view;
    if (looked?.kind !== "private" || nameKey(looked.name) !== nameKey(name)) {
      this.#apply(this.#chat.switchTo(`@${name}`));
    }
    this.setSidebar(false);
  }
  /** Reconnects now: after a /quit, a kick or a ban, or instead of waiting for the next attempt. */
  retry() {
    this.#dismissed = void 0;
    if (this.#connection.state.kind === "stopped") {
      const name = this.#chat.roster.me || loadName();
      if (name === void 0) return this.#joining.ask("");
      this.#joining.rejoin(name);
    }
    this.#connection.start();
  }
  /** Retries at once if a reconnect is being waited for (the network came back). */
  retryIfWaiting() {
    if (this.#connection.state.kind === "waiting") this.#connection.start();
  }
  /** Closes the socket so the server frees the name at once, as when the page goes away. */
  suspend() {
    this.#connection.stop();
  }
  /** Reconnects after {@linkcode WebClient.suspend}, as when the page comes back, unless sent away. */
  resume() {
    const away = this.#chat.quitting || this.#dismissed !== void 0;
    if (this.#joining.name !== void 0 && !away) this.#connection.start();
  }
  /** Opens or closes the sidebar drawer (narrow screens). */
  setSidebar(open) {
    this.#focus.setDrawer(open);
    if (!open) return this.focusInput();
    this.refreshRooms();
    this.#ui.views.querySelector("button")?.focus();
  }
  /**
   * Puts the keyboard in the message box, or the name box while it is
   * shown; after a touch, in the log if it was on nothing or on what is
   * going out of sight (web/focus.ts).
   */
  focusInput() {
    this.#focus.focusInput(this.#logs.shown.element);
  }
  /**
   * The page is visible again: what it showed is read now, under a "new
   * since you left" line in the view looked at.
   */
  markRead() {
    for (const id of this.#readOnReturn) this.#apply(this.#chat.read(id));
    this.#readOnReturn.clear();
    const looked = this.#chat.view;
    if (looked !== void 0) this.#logs.returned(looked.id);
    this.#page.markRead();
  }
  /** The tab is shown again: the user is here, and an automatic away ends. */
  present() {
    this.#apply(this.#chat.input(performance.now()));
  }
  /** Asks for the room list soon, to show it current. */
  refreshRooms() {
    this.#asks.rooms();
  }
  /** Asks soon how the people of the room looked at are (away, idle, client, operator). */
  refreshPeople() {
    this.#asks.people();
  }
  /**
   * The origin of the server the page is on (`http://host:port`) when it is
   * another than the page's own, after a failover; else `undefined`.
   */
  #elsewhere() {
    const url = this.#connection.current;
    return url === this.#connection.home ? void 0 : pageOrigin(url);
  }
  /** Draws `line` for the log, its file links leading to the server the page is on. */
  #draw(line) {
    return drawLogLine(line, this.#chat.roster.me, {
      place: () => this.#chat.files.place,
      elsewhere: () => this.#elsewhere(),
      left: this.#leaving,
      rejoin: (room2) => this.joinRoom(room2)
    });
  }
  #showStatus() {
    this.#status.show(this.#connection.state, this.#joining.phase, this.#dismissed);
  }
  /**
   * The server refused the `hello`. A name or a password is asked for again
   * (web/joining.ts). A ban, or a protocol the server does not speak, is
   * final for this attempt, as is any refusal that would come again: the page
   * stops and says why, on the name form if it is shown, and joining again is
   * the user's to ask. A refusal for now (a cluster that cannot claim the name
   * just now) is tried again after the usual backoff.
   */
  #refused(refusal3) {
    if (refusal3.about !== "other") return this.#joining.refused(refusal3);
    const { code, message } = refusal3;
    const final = !refusedForNow(code);
    if (this.#ui.nameScreen.hidden) this.#show([
      errorLine(message)
    ]);
    else if (final) this.#joining.ask(message, this.#joining.name);
    else showNameError(this.#ui, message, "none");
    if (final) this.#sentAway(message);
    else this.#connection.abandon();
  }
  /**
   * The server said goodbye without inviting the page back (`bye` without
   * `retry`): the page stops, and says why, until the user joins again.
   */
  #sentAway(reason) {
    this.#dismissed = sanitizeText(reason);
    this.#connection.stop();
  }
  /** Shows `lines` in view `id`, or in the view looked at. */
  #show(lines, id) {
    this.#logs.append(id ?? this.#chat.view?.id, lines);
    const looked = this.#chat.view;
    if (id === void 0 || looked === void 0 || id === looked.id) {
      const others = lines.filter(fromOthers);
      for (const line of others) this.#page.arrived(line.tags?.includes("mentioned") === true);
      if (document.hidden && looked !== void 0 && others[0] !== void 0) {
        this.#logs.arrivedAway(looked.id, others[0]);
      }
      return;
    }
    const copies = privateCopies(lines);
    if (id.startsWith("@") && looked.kind === "room" && copies.length > 0) {
      this.#logs.append(looked.id, copies);
      if (document.hidden) {
        this.#readOnReturn.add(id);
        const fresh = copies.find(fromOthers);
        if (fresh !== void 0) this.#logs.arrivedAway(looked.id, fresh);
      } else this.#apply(this.#chat.read(id));
    }
  }
  #onState(next) {
    clearInterval(this.#tickTimer);
    if (next.kind === "open") {
      this.#outageNoted = false;
      this.#asks.reset();
      this.#chat.opened();
      this.#tickTimer = setInterval(() => this.#tick(), TICK_MS);
      const name = this.#joining.name;
      if (name !== void 0) this.#sendHello(name);
      else if (this.#ui.nameScreen.hidden) this.#joining.ask("");
    } else {
      this.#apply(this.#chat.closed());
      this.#showTyping();
      this.#joining.dropped(this.#chat.roster.me);
    }
    if (next.kind === "waiting" && !this.#outageNoted && !this.#chat.quitting) {
      this.#outageNoted = true;
      this.#show([
        outageNotice(this.#chat.welcomed, this.#chat.bye?.retry === true)
      ]);
    }
    this.#showStatus();
  }
  /**
   * Time passes: the link is looked at and "is typing" runs out. While the
   * tab is shown the user counts as here, so only a hidden tab goes away.
   */
  #tick() {
    const now = performance.now();
    const here = document.hidden ? [] : this.#chat.input(now);
    this.#apply([
      ...here,
      ...this.#chat.tick(now)
    ]);
  }
  #sendHello(name) {
    this.#joining.sending(name);
    this.#apply(this.#chat.hello(name, performance.now(), {
      password: this.#joining.password
    }));
    this.#showStatus();
  }
  #onFrame(frame) {
    const quiet = this.#asks.answers(frame);
    if (frame.type === "renamed") {
      this.#logs.renamed(frame.from, frame.to);
      this.#box.renamed(frame.from, frame.to);
    }
    const about = this.#page.people.take(frame, Date.now());
    this.#leaving = frame.type === "parted" ? frame.room : void 0;
    this.#apply(this.#chat.receive(frame, performance.now()), quiet);
    this.#leaving = void 0;
    if (frame.type === "bye" && !frame.retry) this.#sentAway(frame.reason);
    if (changesRooms(frame)) this.refreshRooms();
    if (about.people) this.#page.showMembers();
    if (about.room !== void 0 || about.rooms) this.#page.showAbout(about.room);
    const asks = about.ask ?? (frame.type === "notice" ? frame.room : void 0);
    if (asks !== void 0 && asks === this.#chat.roster.room) this.refreshPeople();
    this.#alert(frame);
  }
  /** Tells of `frame` if it names the user or is a private message to them. */
  #alert(frame) {
    const mention = mentionAlert(frame, this.#chat.roster.me, this.#chat.view);
    if (mention !== void 0) this.#alerts.alert(mention.alert, {
      looking: mention.looking
    });
  }
  /** Carries out the core's effects, in order; `silent` shows nothing of the frame. */
  #apply(effects, silent = false) {
    for (const effect of effects) {
      switch (effect.type) {
        case "send":
          this.#connection.send(effect.frame);
          break;
        case "show":
          if (!silent) this.#show(effect.lines, effect.view);
          break;
        case "switched":
          this.#logs.switched(effect.view, effect.unseen, effect.skipped);
          break;
        case "changed":
          this.#changed(effect.changes);
          break;
        case "welcomed":
          this.#welcome();
          break;
        case "refused":
          this.#refused(effect);
          break;
        case "pending": {
          const element = this.#draw(effect.shown);
          this.#sending.add(effect.line.cid, element);
          this.#logs.shown.appendPending(element);
          break;
        }
        case "answered":
          this.#sending.answered(effect.lines.map((line) => line.cid));
          break;
        case "returned":
          this.#box.returned(effect.text, effect.view);
          break;
        case "drop":
          this.#connection.abandon();
          break;
        case "leave":
          if (!effect.sent) this.#connection.stop();
          break;
        case "ignored":
          saveIgnored(effect.names);
          this.#page.showMembers();
          break;
        case "ring":
        case "finished":
        case "upload":
        case "download":
          break;
        default: {
          const unhandled = effect;
          throw new TypeError(`Cannot carry out effect ${JSON.stringify(unhandled)}`);
        }
      }
    }
    this.#follow();
    this.#leaveGuard.update(this.#chat.waiting);
  }
  /**
   * Shows the log of the view the core says the user looks at, and its
   * draft in the message box: it may move without a word, as when the room
   * looked at is left.
   */
  #follow() {
    const view = this.#chat.view;
    if (view === void 0) return;
    const moved = !this.#logs.isShown(view.id);
    this.#logs.show(view.id);
    this.#logs.keep(this.#chat.views.map((each) => each.id));
    this.#box.showDraft(view.id);
    if (moved) {
      this.#page.showRoom();
      this.#page.showMembers();
      this.#page.showRooms();
      this.#showTyping();
    }
  }
  #changed(changes) {
    if (changes.me) {
      saveName(this.#chat.roster.me);
      this.#page.showMe();
    }
    if (changes.room || changes.views) {
      this.#page.showRoom();
      if (!this.#reloaded.pending) saveRooms(this.#chat.roster.joined, this.#chat.view?.id);
    }
    if (changes.views) this.#reloaded.viewsChanged();
    if (changes.room) this.refreshPeople();
    if (changes.members || changes.me || changes.room) this.#page.showMembers();
    if (changes.rooms || changes.room || changes.views) this.#page.showRooms();
    if (changes.typing || changes.room || changes.views) this.#showTyping();
  }
  /** Shows who is typing in the view looked at. */
  #showTyping() {
    const view = this.#chat.view;
    const names3 = view === void 0 ? [] : this.#chat.typingIn(view.id, performance.now());
    showTyping(this.#ui.typing, names3);
  }
  #welcome() {
    const before = this.#connection.current;
    this.#connection.welcomed(this.#chat.webServers.flatMap((page) => socketUrl(page) ?? []));
    const now = this.#connection.current;
    if (now !== before) {
      const elsewhere = this.#elsewhere();
      this.#show([
        movedNotice(new URL(now).host, new URL(before).host),
        ...elsewhere === void 0 ? [] : [
          filesElsewhereNotice(`${elsewhere}/`)
        ]
      ]);
    }
    this.#joining.welcomed();
    this.#reloaded.enterAgain();
    this.#sharing.update();
    this.#showStatus();
    this.focusInput();
  }
};

// web/app.ts
var ROOMS_EVERY_MS = 1e4;
var ui = findUi();
var client = new WebClient(ui, `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`, {
  awayAfterMs: awayAfterMs(location.search)
});
ui.nameForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const name = ui.nameInput.value.trim();
  const problem = checkOwnName(name);
  showNameError(ui, problem ?? "", "name");
  if (problem !== void 0) return ui.nameInput.focus();
  client.submitName(name, ui.passwordRow.hidden ? void 0 : ui.passwordInput.value);
});
ui.composer.addEventListener("mousedown", (event) => {
  if (event.target instanceof Element && event.target.closest("button") !== null) {
    event.preventDefault();
  }
});
ui.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  client.sendLine();
  client.focusInput();
});
ui.joinForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const room2 = ui.joinInput.value.trim();
  if (room2 === "") return;
  const checked = normalizeRoom(room2);
  showJoinError(checked.ok ? "" : checked.message);
  if (!checked.ok) return ui.joinInput.focus();
  ui.joinInput.value = "";
  client.joinRoom(room2);
});
ui.joinInput.addEventListener("input", () => showJoinError(""));
function showJoinError(message) {
  ui.joinError.textContent = message;
  if (message === "") ui.joinInput.removeAttribute("aria-invalid");
  else ui.joinInput.setAttribute("aria-invalid", "true");
}
ui.retry.addEventListener("click", () => client.retry());
ui.newMessages.addEventListener("click", () => client.focusInput());
ui.sidebarToggle.addEventListener("click", () => {
  client.setSidebar(!ui.app.classList.contains("sidebar-open"));
});
ui.backdrop.addEventListener("click", () => client.setSidebar(false));
ui.sidebar.addEventListener("pointerenter", () => client.refreshRooms());
ui.sidebar.addEventListener("focusin", () => client.refreshRooms());
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && ui.app.classList.contains("sidebar-open")) {
    return client.setSidebar(false);
  }
  if (event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
    const digit = /^Digit([1-9])$/.exec(event.code)?.[1];
    const step = event.key === "ArrowUp" ? -1 : event.key === "ArrowDown" ? 1 : 0;
    if (digit !== void 0 || step !== 0) {
      event.preventDefault();
      return digit !== void 0 ? client.showNumber(Number(digit)) : client.showBeside(step);
    }
  }
  if (event.key.length !== 1 || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target instanceof Element ? event.target : null;
  if (target?.closest("input, textarea, select, button, a, [contenteditable]")) return;
  if (event.key === " " && target?.matches(".log")) return;
  client.focusInput();
});
globalThis.addEventListener("focus", () => {
  if (!document.getSelection()?.toString()) client.focusInput();
});
document.addEventListener("visibilitychange", () => {
  if (document.hidden) return;
  client.markRead();
  client.present();
  client.refreshRooms();
});
globalThis.addEventListener("online", () => client.retryIfWaiting());
globalThis.addEventListener("pagehide", () => client.suspend());
globalThis.addEventListener("pageshow", (event) => {
  if (event.persisted) client.resume();
});
setInterval(() => {
  if (!document.hidden) client.refreshPeople();
}, 3e4);
setInterval(() => {
  if (!document.hidden && getComputedStyle(ui.sidebar).visibility !== "hidden") {
    client.refreshRooms();
  }
}, ROOMS_EVERY_MS);
var remembered2 = loadName();
client.start(remembered2 !== void 0 && checkOwnName(remembered2) === void 0 ? remembered2 : void 0);
