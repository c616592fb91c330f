/**
 * One load-generator process of `deno task bench`: opens chat connections
 * over the real protocol (bench/load_client.ts), sends stamped messages and
 * counts what arrives, driven by bench/main.ts through JSON lines on stdin and
 * stdout (see bench/worker_protocol.ts).
 *
 * @module
 */

import { Client, type ClientHost, Sender, writeAll } from "./load_client.ts";
import {
  lines,
  sharedNow,
  type WorkerCommand,
  type WorkerConfig,
  type WorkerEvent,
  type WorkerReport,
} from "./worker_protocol.ts";

const encoder = new TextEncoder();
const PROGRESS_MS = 250;

function emit(event: WorkerEvent): void {
  let bytes = encoder.encode(JSON.stringify(event) + "\n");
  while (bytes.length > 0) bytes = bytes.subarray(Deno.stdout.writeSync(bytes));
}

/** The worker process: its clients, what they measured, and the command loop. */
class LoadWorker implements ClientHost {
  readonly config: WorkerConfig;
  readonly clients: Client[];
  readonly senderNames: string[];
  readonly #senders: Sender[];
  latencies: number[] = [];
  sendTimes: number[] = [];
  #received = 0;
  #outstanding = 0;
  #connected = 0;
  #closedWhileMeasuring = 0;
  #measuring = false;
  #sent = 0;
  #firstSend = 0;
  #lastSend = 0;
  #lastReceive = 0;
  #maxSendLag = 0;
  #sendingDone = false;
  #reported = false;
  #wallStart = 0;
  /** Messages per sender in the current phase. */
  #messages = 0;
  #ticker: ReturnType<typeof setInterval> | undefined;
  #pacer: ReturnType<typeof setInterval> | undefined;
  #tick: PromiseWithResolvers<void> | undefined;
  readonly #pad: string;

  constructor(config: WorkerConfig) {
    this.config = config;
    const checked = new Set(config.checked);
    const irc = new Set(config.irc ?? []);
    this.clients = config.clients.map((index, i) => {
      const client = new Client(this, index, checked.has(index), irc.has(index));
      client.port = config.ports?.[i] ?? config.port;
      return client;
    });
    const byIndex = new Map(this.clients.map((client) => [client.index, client]));
    this.senderNames = config.senders.map((index) => `${config.prefix}${index}`);
    this.#senders = [];
    config.senders.forEach((index, number) => {
      const client = byIndex.get(index);
      if (client !== undefined) this.#senders.push(new Sender(client, number));
    });
    this.#pad = "x".repeat(config.textBytes);
  }

  /** Connects own clients below `upTo`, a few at a time. */
  async connect(upTo: number): Promise<void> {
    const started = performance.now();
    const todo = this.clients.filter((client) => client.conn === undefined && client.index < upTo);
    let next = 0;
    const lane = async () => {
      while (next < todo.length) {
        const client = todo[next++]!;
        await client.join();
        this.#connected++;
      }
    };
    await Promise.all(Array.from({ length: this.config.connectConcurrency }, lane));
    emit({ event: "connected", count: this.#connected, ms: performance.now() - started });
  }

  /** Pings every client and waits for the pongs: nothing sent before is still on its way. */
  async sync(): Promise<void> {
    this.#measuring = false;
    await Promise.all(this.clients.map((client) => client.sync()));
    const open = this.clients.filter((client) => client.conn !== undefined && !client.closed);
    const closed = this.clients.filter((client) => client.closed).length;
    emit({ event: "synced", alive: open.length, closed });
  }

  /**
   * While pacing, a promise for the next read tick, shared by every counting
   * receiver; else `undefined`.
   */
  paced(): Promise<void> | undefined {
    return this.#tick?.promise;
  }

  /** Paces counting receivers' reads until the last message is due, then lets them read at once. */
  #pace(until: number): void {
    const { readPaceMs } = this.config;
    if (readPaceMs <= 0 || until <= sharedNow()) return;
    this.#tick = Promise.withResolvers();
    this.#pacer = setInterval(() => {
      const tick = this.#tick!;
      if (sharedNow() >= until) this.#stopPacing();
      else this.#tick = Promise.withResolvers();
      tick.resolve();
    }, readPaceMs);
  }

  #stopPacing(): void {
    if (this.#pacer !== undefined) clearInterval(this.#pacer);
    this.#pacer = undefined;
    this.#tick?.resolve();
    this.#tick = undefined;
  }

  /** Counts from zero, then sends `messages` per sender from `at` on. */
  start(at: number, messages: number): void {
    this.#messages = messages;
    const open = this.clients.filter((client) => client.conn !== undefined && !client.closed);
    for (const client of open) client.reset(this.config.senders.length, messages);
    for (const sender of this.#senders) sender.next = 0;
    this.latencies = [];
    this.sendTimes = [];
    this.#received = 0;
    this.#outstanding = open.filter((client) => client.expected > 0).length;
    this.#closedWhileMeasuring = 0;
    this.#sent = 0;
    this.#firstSend = 0;
    this.#lastSend = 0;
    this.#lastReceive = 0;
    this.#maxSendLag = 0;
    this.#sendingDone = false;
    this.#reported = false;
    this.#measuring = true;
    this.#wallStart = sharedNow();
    const { rate, senders } = this.config;
    if (rate > 0) this.#pace(at + messages * senders.length / rate * 1000);
    if (this.#senders.length === 0) this.#sendingDone = true;
    setTimeout(() => {
      if (this.config.rate > 0) this.#paced(at);
      else this.#burst();
    }, Math.max(0, at - sharedNow()));
    this.#maybeReport();
  }

  /** Called after a read that brought message frames. */
  received(client: Client, before: number): void {
    this.#received += client.messageFrames - before;
    this.#lastReceive = sharedNow();
    if (before < client.expected && client.messageFrames >= client.expected) {
      this.#outstanding--;
      this.#maybeReport();
    }
  }

  /** Called when the server closes a client's connection. */
  lost(client: Client): void {
    if (!this.#measuring) return;
    this.#closedWhileMeasuring++;
    if (client.messageFrames < client.expected) {
      this.#outstanding--;
      this.#maybeReport();
    }
  }

  progress(): void {
    emit({
      event: "progress",
      connected: this.#connected,
      sent: this.#sent,
      received: this.#received,
    });
  }

  /** Sends the report once. */
  report(): void {
    if (this.#reported) return;
    this.#reported = true;
    if (this.#ticker !== undefined) clearInterval(this.#ticker);
    this.#stopPacing();
    const report: WorkerReport = {
      sent: this.#sent,
      firstSend: this.#firstSend,
      lastSend: this.#lastSend,
      lastReceive: this.#lastReceive,
      messageFrames: 0,
      otherFrames: 0,
      lost: 0,
      duplicated: 0,
      reordered: 0,
      wrongSender: 0,
      checkedReceivers: 0,
      closed: this.#closedWhileMeasuring,
      latencies: this.latencies.map((ms) => Math.round(ms * 1000) / 1000),
      sendTimes: this.sendTimes.map((ms) => Math.round(ms * 1000) / 1000),
      wallSeconds: (sharedNow() - this.#wallStart) / 1000,
      maxSendLagMs: this.#maxSendLag,
    };
    for (const client of this.clients) {
      if (client.conn === undefined) continue;
      const expected = client.expected;
      report.messageFrames += client.messageFrames;
      report.otherFrames += client.otherFrames;
      if (client.checked) {
        report.checkedReceivers++;
        report.lost += expected - client.distinct;
        report.duplicated += client.duplicated;
        report.reordered += client.reordered;
        report.wrongSender += client.wrongSender;
      } else {
        report.lost += Math.max(0, expected - client.messageFrames);
        report.duplicated += Math.max(0, client.messageFrames - expected);
      }
    }
    emit({ event: "report", report });
  }

  close(): void {
    if (this.#ticker !== undefined) clearInterval(this.#ticker);
    this.#stopPacing();
    for (const client of this.clients) client.close();
  }

  #maybeReport(): void {
    if (this.#measuring && this.#sendingDone && this.#outstanding <= 0) this.report();
  }

  #frame(sender: Sender, seq: number, now: number): Uint8Array {
    const head = `b ${sender.number} ${seq} ${(now - this.config.epoch).toFixed(3)} `;
    const text = head + this.#pad.slice(0, Math.max(0, this.config.textBytes - head.length));
    this.#sent++;
    if (this.#firstSend === 0) this.#firstSend = now;
    this.#lastSend = now;
    return sender.client.say(text);
  }

  /** Every sender writes its messages one after the other, each write awaited. */
  async #burst(): Promise<void> {
    await Promise.all(this.#senders.map(async (sender) => {
      for (; sender.next < this.#messages; sender.next++) {
        if (sender.client.closed) return;
        await writeAll(sender.client.conn!, this.#frame(sender, sender.next, sharedNow()));
      }
    }));
    this.#sendingDone = true;
    this.#maybeReport();
  }

  /** Message `seq` of sender `n` is due at `at + (seq × S + n) / rate`: evenly spread. */
  #paced(at: number): void {
    const { rate } = this.config;
    const messages = this.#messages;
    const total = this.config.senders.length;
    const spacing = 1000 / rate;
    const tick = () => {
      const now = sharedNow();
      let pending = false;
      for (const sender of this.#senders) {
        while (sender.next < messages && !sender.client.closed) {
          const due = at + (sender.next * total + sender.number) * spacing;
          if (due > now) break;
          this.#maxSendLag = Math.max(this.#maxSendLag, now - due);
          sender.enqueue(this.#frame(sender, sender.next, now));
          sender.next++;
        }
        if (sender.next < messages && !sender.client.closed) pending = true;
      }
      if (!pending) {
        clearInterval(this.#ticker);
        this.#ticker = undefined;
        this.#sendingDone = true;
        this.#maybeReport();
      }
    };
    this.#ticker = setInterval(tick, 1);
    tick();
  }
}

async function main(): Promise<void> {
  let worker: LoadWorker | undefined;
  const progress = setInterval(() => worker?.progress(), PROGRESS_MS);
  try {
    for await (const line of lines(Deno.stdin.readable)) {
      if (worker === undefined) {
        worker = new LoadWorker(JSON.parse(line) as WorkerConfig);
        continue;
      }
      const command = JSON.parse(line) as WorkerCommand;
      const active = worker;
      const fail = (error: unknown) => emit({ event: "error", message: String(error) });
      switch (command.cmd) {
        case "connect":
          active.connect(command.upTo).catch(fail);
          break;
        case "sync":
          active.sync().catch(fail);
          break;
        case "start":
          active.start(command.at, command.messages);
          break;
        case "stop":
          active.report();
          break;
        case "exit":
          return;
      }
    }
  } finally {
    clearInterval(progress);
    worker?.close();
  }
}

if (import.meta.main) await main();
