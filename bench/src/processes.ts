import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../..');

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux we run on. */
const CLOCK_TICKS = 100;

export interface ProcessSample {
  /** user + system CPU seconds since the process started. */
  cpuSeconds: number;
  rssBytes: number;
  at: number;
}

/** Reads CPU time and resident memory of any process from /proc (no dependency needed). */
export function sampleProcess(pid: number): ProcessSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuSeconds: (utime + stime) / CLOCK_TICKS, rssBytes: rssKb * 1024, at: performance.now() };
}

export interface MachineSample {
  busyTicks: number;
  totalTicks: number;
}

/** All cores' busy and total time from /proc/stat: shows load from outside the benchmark too. */
export function sampleMachine(): MachineSample {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.split(/\s+/).slice(1).map(Number) ?? [];
  const total = cpu.slice(0, 8).reduce((n, v) => n + v, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  return { busyTicks: total - idle, totalTicks: total };
}

/** Busy share of the whole machine between two samples, in % of one core (2 cores busy = 200). */
export function machinePercent(before: MachineSample, after: MachineSample, cores: number): number {
  const total = after.totalTicks - before.totalTicks;
  return total > 0 ? (100 * cores * (after.busyTicks - before.busyTicks)) / total : 0;
}

/** Like sampleProcess, but undefined for a process that has gone (or is not readable). */
export function trySampleProcess(pid: number): ProcessSample | undefined {
  try {
    return sampleProcess(pid);
  } catch {
    return undefined;
  }
}

/** Pids of the processes whose command name (/proc/<pid>/comm) is `name`, e.g. `redis-server`. */
export function pidsNamed(name: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** CPU seconds used between two samples of possibly several processes (gone ones count 0). */
export function cpuSeconds(
  before: (ProcessSample | undefined)[],
  after: (ProcessSample | undefined)[],
): number {
  return after.reduce((n, a, i) => {
    const b = before[i];
    return a && b ? n + a.cpuSeconds - b.cpuSeconds : n;
  }, 0);
}

/** CPU used between two samples of possibly several processes, in % of one core. */
export function cpuPercent(before: ProcessSample[], after: ProcessSample[]): number {
  let cpu = 0;
  let wall = 0;
  after.forEach((a, i) => {
    const b = before[i];
    if (!b) return;
    cpu += a.cpuSeconds - b.cpuSeconds;
    wall = Math.max(wall, (a.at - b.at) / 1000);
  });
  return wall > 0 ? (100 * cpu) / wall : 0;
}

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  /** Last 16 KB of its output, for error messages. */
  tail(): string;
  /** The first match of `pattern` in its stdout/stderr; rejects on exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Live memory after a full GC, from the preloaded memory probe. */
  probeMemory(timeoutMs?: number): Promise<NodeJS.MemoryUsage>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Every server started, so that none outlives the harness, even when it is cut short. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

const memoryProbe = join(import.meta.dirname, 'servers/memory-probe.js');

/** Extra Node flags for the servers under test, e.g. `--cpu-prof` (see profile-folio.ts). */
export const serverNodeArgs: string[] = [];

export function startProcess(args: string[], env: NodeJS.ProcessEnv): ServerProcess {
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--import', memoryProbe, ...serverNodeArgs, ...args],
    {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  live.add(child);
  child.once('exit', () => live.delete(child));
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-16_384);
    for (const listener of listeners) listener();
  };
  const probes: NodeJS.MemoryUsage[] = [];
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('{"memoryProbe":'))
        probes.push((JSON.parse(line) as { memoryProbe: NodeJS.MemoryUsage }).memoryProbe);
    }
  });
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));

  const waitFor = (pattern: RegExp, timeoutMs: number) =>
    new Promise<RegExpMatchArray>((done, fail) => {
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
        child.off('exit', onExit);
      };
      const check = () => {
        const match = output.match(pattern);
        if (match) {
          cleanup();
          done(match);
        }
      };
      const onExit = (code: number | null) => {
        cleanup();
        fail(new Error(`exited with code ${code} before it listened: ${lastLine(output)}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        fail(new Error(`did not listen within ${timeoutMs} ms: ${lastLine(output)}`));
      }, timeoutMs);
      listeners.add(check);
      child.once('exit', onExit);
      check();
    });

  const stop = async (graceMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  const probeMemory = async (timeoutMs = 10_000) => {
    const seen = probes.length;
    child.kill('SIGUSR2');
    const deadline = performance.now() + timeoutMs;
    while (probes.length === seen) {
      if (performance.now() > deadline || child.exitCode !== null)
        throw new Error('memory probe did not answer');
      await new Promise((done) => setTimeout(done, 20));
    }
    return probes[seen] as NodeJS.MemoryUsage;
  };

  return { child, pid: child.pid as number, tail: () => output, waitFor, probeMemory, stop };
}

function lastLine(output: string): string {
  const lines = output.trim().split('\n');
  return (lines[lines.length - 1] ?? '(no output)').slice(0, 300);
}
