import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { HocuspocusProvider } from '@hocuspocus/provider';
import * as encoding from 'lib0/encoding';
import { vi } from 'vitest';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

/** End-to-end harness: real `node server/dist/main.js` processes and the real clients. */

export const SECRET_KEY = 'e2e-secret-key-'.padEnd(48, 'x');

/**
 * The key file every process of a run shares (KEY_FILE is required with DATABASE_URL):
 * the test run's (vitest's global set-up sets it), or one made for a chaos or soak run.
 */
export function runKeyFile(): string {
  process.env.KEY_FILE ??= join(mkdtempSync(join(tmpdir(), 'folio-e2e-keys-')), 'folio.key');
  return process.env.KEY_FILE;
}
const serverMain = resolve(import.meta.dirname, '../../server/dist/main.js');

export interface CollabProcess {
  url: string;
  proc: ChildProcess;
  /** Every JSON log line the process printed. */
  logs: Record<string, unknown>[];
  /** Lines on stdout that were not JSON (the contract allows none). */
  strayLines: string[];
  /** The last 4 000 characters written to stderr (the contract allows none). */
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

export async function spawnCollab(env: Record<string, string>): Promise<CollabProcess> {
  const proc = spawn(process.execPath, [serverMain], {
    env: {
      PATH: process.env.PATH ?? '',
      COLLAB_PORT: '0',
      SECRET_KEY,
      // The run's key file: the test's own handles open what this process sealed.
      KEY_FILE: runKeyFile(),
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const strayLines: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    proc.once('exit', (code, signal) => done({ code, signal })),
  );
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const url = await new Promise<string>((resolveUrl, reject) => {
    // Generous: a loaded 2-core machine may take a while to load the modules. A process
    // that did not make it is killed, so it cannot outlive the test run.
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not start in time: ${stderr}`));
    }, 30_000);
    createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'collaboration server listening' && typeof entry.url === 'string') {
          clearTimeout(timer);
          resolveUrl(entry.url.replace(/^http/, 'ws'));
        }
      } catch {
        strayLines.push(line);
      }
    });
    exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening: ${stderr}`));
    });
  });
  return { url, proc, logs, strayLines, stderr: () => stderr, exited, kill: (signal) => proc.kill(signal) };
}

export function hocuspocusClient(url: string, documentId: string, token: string) {
  const doc = new Y.Doc();
  const provider = new HocuspocusProvider({ url, name: documentId, token, document: doc });
  return { doc, provider, destroy: () => provider.destroy() };
}

export function yWebsocketClient(url: string, documentId: string, token: string) {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${url}/yjs`, documentId, doc, {
    params: { token },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  return { doc, provider, destroy: () => provider.destroy() };
}

/** A raw socket that records what the server sends and how it closes. */
export function rawSocket(url: string) {
  const ws = new WebSocket(url);
  const frames: Uint8Array[] = [];
  ws.on('message', (data: Buffer) => frames.push(new Uint8Array(data)));
  const closed = new Promise<{ code: number; reason: string }>((done) =>
    ws.on('close', (code, reason) => done({ code, reason: reason.toString() })),
  );
  ws.on('error', () => {});
  const opened = new Promise<void>((done, reject) => {
    ws.once('open', () => done());
    ws.once('error', reject);
  });
  return { ws, frames, closed, opened };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** A retrying assertion with a timeout that holds on a loaded 2-core machine. */
export const eventually = <T>(assertion: () => T | Promise<T>, options: { timeout?: number } = {}) =>
  vi.waitFor(assertion, { timeout: options.timeout ?? 10_000, interval: 20 });

/** A y-websocket sync frame (message type 0) of the given sync step and payload. */
export function syncFrame(syncType: number, payload: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, syncType);
  encoding.writeVarUint8Array(e, payload);
  return encoding.toUint8Array(e);
}
