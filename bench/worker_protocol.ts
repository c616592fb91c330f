/**
 * What bench/main.ts and its load workers (bench/load_worker.ts) say to each
 * other: one JSON object per line, commands on the worker's stdin, events on
 * its stdout. Also the clock both sides stamp messages with.
 *
 * @module
 */

/**
 * Milliseconds on a clock every process on this machine shares, with
 * microsecond precision: the wall-clock time the process started
 * (`performance.timeOrigin`, sub-millisecond) plus the monotonic time since
 * (`performance.now()`). Two processes agree to within the error of reading
 * the wall clock once at their start, a few microseconds, unless the wall
 * clock is stepped between the two starts; after that both advance on the
 * same monotonic clock.
 */
export function sharedNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Everything a load worker needs to know, sent as the first line on its stdin. */
export interface WorkerConfig {
  /** Server address; the task's permissions allow 127.0.0.1 only. */
  hostname: string;
  /** Server TCP port. */
  port: number;
  /**
   * The chat port of each of `clients`, in the same order, when the run
   * spreads them over the servers of a cluster; none: every one on `port`.
   */
  ports?: number[] | undefined;
  /** The server's IRC port, when some clients speak IRC. */
  ircPort?: number | undefined;
  /** Name prefix shared by this run's clients: client `i` is `${prefix}${i}`. */
  prefix: string;
  /** Global indices of this worker's clients, ascending. */
  clients: number[];
  /** Global indices of every sender, in sender-number order; message text carries the number. */
  senders: number[];
  /** Global indices of the receivers that decode and check every frame (this worker's and others'). */
  checked: number[];
  /**
   * Global indices of the clients that speak IRC on `ircPort` (registration, JOIN of their
   * room, PRIVMSG) rather than JSON frames; none when absent.
   */
  irc?: number[] | undefined;
  /** Messages per second across all senders together; 0 sends as fast as possible. */
  rate: number;
  /** Clients per room: client `i` enters room `#${prefix}${Math.floor(i / roomSize)}`. */
  roomSize: number;
  /** Length of each message text in bytes, padded with `x`. */
  textBytes: number;
  /** {@linkcode sharedNow} value that message stamps count from. */
  epoch: number;
  /** Connections opened at once while connecting. */
  connectConcurrency: number;
  /** Read buffer per connection, in bytes. */
  readBufferBytes: number;
  /**
   * While the senders' schedule runs, counting receivers read at most once
   * per this many ms, so each read brings many frames; 0 reads at once.
   * Checked receivers always read at once, so latencies are not affected.
   */
  readPaceMs: number;
}

/** A command from the coordinator to a worker. */
export type WorkerCommand =
  /** Connect and say hello for every own client with a global index below `upTo`. */
  | { cmd: "connect"; upTo: number }
  /** Ping every open client and wait for each pong. */
  | { cmd: "sync" }
  /** Count from zero, then send `messages` per sender from {@linkcode sharedNow} time `at`. */
  | { cmd: "start"; at: number; messages: number }
  /** Report now, whatever has arrived. */
  | { cmd: "stop" }
  /** Close every connection and exit. */
  | { cmd: "exit" };

/** What one worker measured between `start` and its report. */
export interface WorkerReport {
  /** Messages its senders sent. */
  sent: number;
  /** Shared-clock time of the first and last message sent, or 0 if none. */
  firstSend: number;
  /** Shared-clock time of the last message sent. */
  lastSend: number;
  /** Shared-clock time of the read that brought the last message frame. */
  lastReceive: number;
  /**
   * `message` frames (PRIVMSG lines on IRC) received by all its clients, own echoes included:
   * JSON senders get theirs, IRC senders none (they do not ask for `echo-message`).
   */
  messageFrames: number;
  /** Frames of any other type received while measuring. */
  otherFrames: number;
  /** Messages that did not arrive: missing sequence numbers, or a count short of expected. */
  lost: number;
  /** Messages that arrived twice, or a count over expected. */
  duplicated: number;
  /** Messages that arrived before an earlier one of the same sender (checked receivers only). */
  reordered: number;
  /** Checked frames whose `from` did not match the sender number in their text. */
  wrongSender: number;
  /** Receivers of this worker that checked every frame. */
  checkedReceivers: number;
  /** Connections of this worker the server closed while measuring. */
  closed: number;
  /** End-to-end latency of every message a checked receiver got, in ms. */
  latencies: number[];
  /** When each of those messages was sent, in ms after `epoch`, in the same order. */
  sendTimes: number[];
  /** Wall seconds between `start` and the report. */
  wallSeconds: number;
  /** Largest delay between when a message was due and when it was sent, in ms. */
  maxSendLagMs: number;
}

/** An event from a worker to the coordinator. */
export type WorkerEvent =
  | { event: "connected"; count: number; ms: number }
  | { event: "synced"; alive: number; closed: number }
  | { event: "progress"; connected: number; sent: number; received: number }
  | { event: "report"; report: WorkerReport }
  | { event: "error"; message: string };

/** Splits a byte stream into text lines, as both sides read each other. */
export async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let pending = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    pending += text;
    let end;
    while ((end = pending.indexOf("\n")) !== -1) {
      yield pending.slice(0, end);
      pending = pending.slice(end + 1);
    }
  }
  if (pending !== "") yield pending;
}
