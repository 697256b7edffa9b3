import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { ClientSpec } from './bench-client.js';
import type { WorkerCommand, WorkerReply } from './worker-protocol.js';

type Reply<T extends WorkerReply['type']> = Extract<WorkerReply, { type: T }>;

export interface TypingOutcome {
  latencies: Float64Array;
  acks: Float64Array;
  sends: number;
  /** Every edit sent, warm-up and drain included. */
  allSends: number;
  editBytes: number;
  /** Sum over client processes, in % of one core. */
  clientCpuPercent: number;
}

/** The client processes of a run: forked once, reused by every scenario. */
export class ClientFleet {
  private constructor(private readonly workers: ChildProcess[]) {}

  static start(count: number): ClientFleet {
    const workers = Array.from({ length: count }, () =>
      fork(join(import.meta.dirname, 'client-worker.js'), [], {
        serialization: 'advanced',
        // Not the parent's flags (vitest's loaders, --cpu-prof): a plain Node process.
        execArgv: [],
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      }),
    );
    return new ClientFleet(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  private request<T extends WorkerReply['type']>(
    worker: ChildProcess,
    command: WorkerCommand,
    expect: T,
    timeoutMs: number,
  ): Promise<Reply<T>> {
    return new Promise((done, fail) => {
      const cleanup = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('exit', onExit);
      };
      const onMessage = (reply: WorkerReply) => {
        cleanup();
        if (reply.type === expect) done(reply as Reply<T>);
        else fail(new Error(reply.type === 'error' ? reply.message : `unexpected reply ${reply.type}`));
      };
      const onExit = (code: number | null) => {
        cleanup();
        fail(new Error(`client process exited (${code})`));
      };
      const timer = setTimeout(() => {
        cleanup();
        fail(new Error(`client process did not answer ${command.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      worker.on('message', onMessage);
      worker.once('exit', onExit);
      worker.send(command);
    });
  }

  /** Connects every client, spread round-robin over the processes; resolves once all synced or failed. */
  async connect(specs: ClientSpec[], options: { concurrency?: number; timeoutMs?: number } = {}) {
    const timeoutMs = options.timeoutMs ?? 15_000;
    const concurrency = options.concurrency ?? 25;
    const shares = this.workers.map((_, w) => specs.filter((_, i) => i % this.workers.length === w));
    const replies = await Promise.all(
      this.workers.map((worker, w) =>
        this.request(
          worker,
          { type: 'connect', clients: shares[w] ?? [], concurrency, timeoutMs },
          'connected',
          // Each lane waits at most timeoutMs per client it opens.
          timeoutMs * Math.ceil(Math.max(1, shares[w]?.length ?? 1) / concurrency) + 5_000,
        ),
      ),
    );
    return {
      synced: replies.reduce((n, r) => n + r.synced, 0),
      failed: replies.reduce((n, r) => n + r.failed, 0),
      firstError: replies.find((r) => r.firstError)?.firstError,
      ms: Math.max(...replies.map((r) => r.ms)),
    };
  }

  async type(options: Omit<Extract<WorkerCommand, { type: 'type' }>, 'type'>): Promise<TypingOutcome> {
    const total = options.startAt - performance.timeOrigin - performance.now();
    const timeoutMs = total + options.warmupMs + options.durationMs + options.drainMs + 30_000;
    const replies = await Promise.all(
      this.workers.map((worker) => this.request(worker, { type: 'type', ...options }, 'typed', timeoutMs)),
    );
    const concat = (parts: Float64Array[]) => {
      const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
      let offset = 0;
      for (const part of parts) {
        out.set(part, offset);
        offset += part.length;
      }
      return out;
    };
    return {
      latencies: concat(replies.map((r) => r.latencies)),
      acks: concat(replies.map((r) => r.acks)),
      sends: replies.reduce((n, r) => n + r.sends, 0),
      allSends: replies.reduce((n, r) => n + r.allSends, 0),
      editBytes: replies.reduce((n, r) => n + r.editBytes, 0),
      clientCpuPercent: replies.reduce((n, r) => n + r.cpuPercent, 0),
    };
  }

  seed(client: ClientSpec, updates: Uint8Array[], updatesPerSecond: number, expectedLength: number) {
    const timeoutMs = 30_000;
    const pacedMs = (updates.length * 1000) / updatesPerSecond;
    return this.request(
      this.first,
      { type: 'seed', client, updates, updatesPerSecond, expectedLength, timeoutMs },
      'seeded',
      pacedMs + 3 * timeoutMs,
    );
  }

  load(client: ClientSpec, expectedLength: number, timeoutMs = 15_000) {
    return this.request(
      this.first,
      { type: 'load', client, expectedLength, timeoutMs },
      'loaded',
      2 * timeoutMs,
    );
  }

  /** Replays a trace in the first client process (see trace-replay.ts). */
  replay(command: Omit<Extract<WorkerCommand, { type: 'replay' }>, 'type'>) {
    // Recording friendsforever and the verifying syncs come on top of the time cap.
    return this.request(this.first, { type: 'replay', ...command }, 'replayed', command.timeCapMs + 90_000);
  }

  async disconnect(): Promise<void> {
    await Promise.all(
      this.workers.map((w) => this.request(w, { type: 'disconnect' }, 'disconnected', 30_000)),
    );
  }

  close(): void {
    for (const worker of this.workers) worker.kill('SIGKILL');
  }

  private get first(): ChildProcess {
    return this.workers[0] as ChildProcess;
  }
}
