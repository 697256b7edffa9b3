import type { ClientSpec } from './bench-client.js';
import type { ReplayOutcome } from './trace-replay.js';

/** Commands the harness sends to a client process; each gets exactly one reply. */
export type WorkerCommand =
  | { type: 'connect'; clients: ClientSpec[]; concurrency: number; timeoutMs: number }
  | {
      type: 'type';
      intervalMs: number;
      /** Wall-clock ms (clock()) at which typing starts, shared by all processes. */
      startAt: number;
      warmupMs: number;
      durationMs: number;
      drainMs: number;
      measureAck: boolean;
    }
  | {
      type: 'seed';
      client: ClientSpec;
      updates: Uint8Array[];
      updatesPerSecond: number;
      expectedLength: number;
      timeoutMs: number;
    }
  | { type: 'load'; client: ClientSpec; expectedLength: number; timeoutMs: number }
  | {
      type: 'replay';
      /** One writer (automerge-paper, checked by a reader on readerUrl) or two (friendsforever). */
      writers: ClientSpec[];
      readerUrl: string;
      limit: number;
      maxInFlight: number;
      timeCapMs: number;
    }
  | { type: 'disconnect' };

export type WorkerReply =
  | { type: 'connected'; synced: number; failed: number; firstError: string | undefined; ms: number }
  | {
      type: 'typed';
      /** Propagation latencies (ms) of remote edits sent within the measured window. */
      latencies: Float64Array;
      /** Acknowledgement latencies (ms) of this process's own edits. */
      acks: Float64Array;
      sends: number;
      /** Every edit sent, warm-up and drain included (what the server had to store). */
      allSends: number;
      editBytes: number;
      cpuPercent: number;
    }
  | { type: 'seeded'; length: number }
  | { type: 'loaded'; syncedMs: number; completeMs: number; length: number }
  | ({ type: 'replayed' } & ReplayOutcome)
  | { type: 'disconnected' }
  | { type: 'error'; message: string };
