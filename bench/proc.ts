/**
 * Figures about processes and this machine, read from Linux's /proc: CPU
 * time, resident memory, CPU load, the CPU model. Deno 2 lets a program read
 * /proc only with `--allow-all`, which is why `deno task bench` has it.
 *
 * @module
 */

/** Clock ticks per second of `utime` and `stime` in /proc/PID/stat (`getconf CLK_TCK`). */
export const CLOCK_TICKS_PER_SECOND = 100;

/** One reading of a process's counters. */
export interface ProcessSample {
  /** User plus system CPU seconds from /proc/PID/stat: 10 ms resolution, dead threads included. */
  cpuSeconds: number;
  /** The system (kernel) part of {@linkcode cpuSeconds}. */
  systemSeconds: number;
  /**
   * CPU seconds summed over /proc/PID/task/TID/schedstat: nanosecond
   * resolution, but threads that have ended no longer count. NaN if unreadable.
   */
  preciseCpuSeconds: number;
  /** Resident memory now, in KiB (VmRSS). */
  rssKiB: number;
  /** Highest resident memory so far, in KiB (VmHWM). */
  peakRssKiB: number;
}

function field(text: string, name: string): number {
  const match = new RegExp(`^${name}:\\s*(\\d+)`, "m").exec(text);
  return match === null ? NaN : Number(match[1]);
}

/** User and system CPU seconds of process `pid`, from /proc/PID/stat. */
function processTimes(pid: number | "self"): { user: number; system: number } {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // The command name in parentheses may hold spaces; the fields after it do not.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
  return {
    user: Number(fields[11]) / CLOCK_TICKS_PER_SECOND,
    system: Number(fields[12]) / CLOCK_TICKS_PER_SECOND,
  };
}

/** User plus system CPU seconds of process `pid` (or this process), from /proc/PID/stat. */
export function processCpuSeconds(pid: number | "self" = "self"): number {
  const { user, system } = processTimes(pid);
  return user + system;
}

/** CPU seconds of the live threads of `pid`, at nanosecond resolution; NaN if unreadable. */
function threadCpuSeconds(pid: number | "self"): number {
  try {
    let nanoseconds = 0;
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      try {
        const schedstat = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/schedstat`);
        nanoseconds += Number(schedstat.split(" ")[0]);
      } catch {
        // The thread ended between listing and reading.
      }
    }
    return nanoseconds / 1e9;
  } catch {
    return NaN;
  }
}

/** Reads CPU time and memory of process `pid`. */
export function sampleProcess(pid: number | "self"): ProcessSample {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const times = processTimes(pid);
  return {
    cpuSeconds: times.user + times.system,
    systemSeconds: times.system,
    preciseCpuSeconds: threadCpuSeconds(pid),
    rssKiB: field(status, "VmRSS"),
    peakRssKiB: field(status, "VmHWM"),
  };
}

/**
 * One reading of several processes taken as one: CPU times and memory
 * summed. A process that has ended counts as `undefined`, and makes the sum
 * `undefined`, since its CPU is no longer known.
 */
export function sumSamples(
  samples: readonly (ProcessSample | undefined)[],
): ProcessSample | undefined {
  if (samples.some((sample) => sample === undefined)) return undefined;
  const total = (key: keyof ProcessSample) =>
    samples.reduce((sum, sample) => sum + sample![key], 0);
  return {
    cpuSeconds: total("cpuSeconds"),
    systemSeconds: total("systemSeconds"),
    preciseCpuSeconds: total("preciseCpuSeconds"),
    rssKiB: total("rssKiB"),
    peakRssKiB: total("peakRssKiB"),
  };
}

/**
 * Sets the peak resident memory of process `pid` (VmHWM) back to its current
 * RSS, by writing `5` to /proc/PID/clear_refs (Linux 4.0 and later), so that
 * a later sample's peak is the peak since now; returns `false` if not allowed.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    Deno.writeTextFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/**
 * CPU seconds used between two samples: the nanosecond figure when it agrees
 * with the 10 ms one (within 20 ms and 2 %), else the 10 ms one, which a thread
 * ending in between cannot skew.
 */
export function cpuBetween(before: ProcessSample, after: ProcessSample): number {
  const coarse = after.cpuSeconds - before.cpuSeconds;
  const precise = after.preciseCpuSeconds - before.preciseCpuSeconds;
  return Math.abs(precise - coarse) <= 0.02 + coarse * 0.02 ? precise : coarse;
}

/** Time one CPU spent busy and idle so far, in seconds, from /proc/stat. */
export interface CpuTimes {
  /** user, nice, system, irq, softirq and steal (time the hypervisor gave to others). */
  busy: number;
  /** idle and iowait. */
  idle: number;
}

/** Busy and idle seconds of every CPU so far, by CPU number. */
export function cpuTimes(): Map<number, CpuTimes> {
  const times = new Map<number, CpuTimes>();
  for (const line of Deno.readTextFileSync("/proc/stat").split("\n")) {
    const match = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (match === null) continue;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = match[2]!.split(/\s+/)
      .map((field) => Number(field) / CLOCK_TICKS_PER_SECOND);
    times.set(Number(match[1]), {
      busy: user! + nice! + system! + irq! + softirq! + (steal ?? 0),
      idle: idle! + iowait!,
    });
  }
  return times;
}

/** Expands a `taskset` CPU list such as `0`, `1-3` or `0,2` into CPU numbers. */
export function cpuList(list: string): number[] {
  return list.split(",").flatMap((part) => {
    const [from, to] = part.split("-").map(Number);
    const last = to ?? from!;
    return Array.from({ length: last - from! + 1 }, (_, i) => from! + i);
  });
}

/** Busy seconds of `cpus` between two {@linkcode cpuTimes} readings. */
export function busyBetween(
  before: Map<number, CpuTimes>,
  after: Map<number, CpuTimes>,
  cpus: number[],
): number {
  return cpus.reduce(
    (total, cpu) => total + (after.get(cpu)?.busy ?? NaN) - (before.get(cpu)?.busy ?? NaN),
    0,
  );
}

/** The machine a result came from. */
export interface MachineInfo {
  /** `model name` from /proc/cpuinfo. */
  cpuModel: string;
  /** Logical CPUs. */
  cores: number;
  /** Total memory in GiB, from /proc/meminfo. */
  memoryGiB: number;
  /** Kernel release. */
  kernel: string;
  /** Deno and V8 versions. */
  deno: string;
  /** V8 version. */
  v8: string;
  /** Whether `taskset` was found to pin the server and the generator to their own cores. */
  taskset: boolean;
}

function readOr(path: string, fallback: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return fallback;
  }
}

/** Whether `program` can be found on PATH. */
export function onPath(program: string): boolean {
  const path = Deno.env.get("PATH") ?? "";
  return path.split(":").some((dir) => {
    try {
      return Deno.statSync(`${dir}/${program}`).isFile;
    } catch {
      return false;
    }
  });
}

/** Describes this machine: CPU model, cores, memory, kernel and Deno version. */
export function machineInfo(): MachineInfo {
  const cpuinfo = readOr("/proc/cpuinfo", "");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown";
  const memKiB = field(readOr("/proc/meminfo", ""), "MemTotal");
  return {
    cpuModel: model,
    cores: navigator.hardwareConcurrency,
    memoryGiB: Math.round(memKiB / 1024 / 1024 * 10) / 10,
    kernel: readOr("/proc/sys/kernel/osrelease", "unknown").trim(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    taskset: onPath("taskset"),
  };
}
