import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { runKeyFile, SECRET_KEY } from './harness.js';

const apiMain = resolve(import.meta.dirname, '../../api/dist/main.js');

export interface ApiProcess {
  url: string;
  proc: ChildProcess;
  exited: Promise<number | null>;
}

/**
 * A loopback port that was free a moment ago: the API's PUBLIC_URL (the OIDC redirect)
 * must be known before it starts. Another process may take it before the API binds it,
 * so callers retry on EADDRINUSE (`isAddressInUse`).
 */
export function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/** `node [nodeArgs] api/dist/main.js`, resolved once it logs that it listens. */
export async function spawnApi(
  port: number,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<ApiProcess> {
  const proc = spawn(process.execPath, [...nodeArgs, apiMain], {
    env: {
      PATH: process.env.PATH ?? '',
      API_PORT: String(port),
      SECRET_KEY,
      // The run's key file: the test's own handles open what this process sealed.
      KEY_FILE: runKeyFile(),
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((done) => proc.once('exit', (code) => done(code)));
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const url = await new Promise<string>((done, reject) => {
    // Generous for a loaded machine; a process that did not make it is killed.
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`API did not start in time: ${stderr}`));
    }, 30_000);
    createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.msg === 'API listening' && typeof entry.url === 'string') {
          clearTimeout(timer);
          done(entry.url);
        }
      } catch {}
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`API exited with ${code} before listening: ${stderr}`));
    });
  });
  return { url, proc, exited };
}

/** Whether `spawnApi` failed because its port was taken in the meantime. */
export const isAddressInUse = (error: unknown): boolean => /EADDRINUSE/.test(String(error));
