import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../..');

export interface Spawned {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects on exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` to the whole process group and resolves with the exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  exited: Promise<number | null>;
}

/**
 * Spawns a real process in its own process group (so `pnpm` and the node process it
 * starts receive signals together) and records its output.
 */
export function spawnProcess(command: string, args: string[], env: NodeJS.ProcessEnv): Spawned {
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

  const waitFor = (pattern: RegExp, timeoutMs = 30_000) =>
    new Promise<RegExpMatchArray>((done, fail) => {
      const check = () => {
        const match = output.match(pattern);
        if (match) {
          cleanup();
          done(match);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        fail(new Error(`timed out waiting for ${pattern}; output:\n${output}`));
      }, timeoutMs);
      const onExit = (code: number | null) => {
        cleanup();
        fail(new Error(`process exited (${code}) before ${pattern}; output:\n${output}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
        child.off('exit', onExit);
      };
      listeners.add(check);
      child.once('exit', onExit);
      check();
    });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    try {
      process.kill(-(child.pid as number), signal);
    } catch {}
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {}
    }, timeoutMs);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };

  return { child, output: () => output, waitFor, stop, exited };
}

/** Runs a command to completion. */
export async function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
  return { code, stdout, stderr };
}

/**
 * The environment of `pnpm start` on a fresh embedded database in `dataDir`: free ports,
 * no Postgres or Redis from the caller's environment. `extra` adds to it.
 */
export function embeddedStartEnv(dataDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    DATA_DIR: dataDir,
    API_PORT: '0',
    COLLAB_PORT: '0',
    LOG_LEVEL: 'warn',
    DATABASE_URL: '',
    REDIS_URL: '',
    ...extra,
  };
}

/** The start banner's first admin token, from its paste-ready `export TOKEN=…` line. */
export async function firstAdminToken(started: Spawned, timeoutMs: number): Promise<string> {
  return (await started.waitFor(/First admin: [^\n]*\n\s+export TOKEN=(folio_\S+)/, timeoutMs))[1] as string;
}
