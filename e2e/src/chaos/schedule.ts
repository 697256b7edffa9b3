/**
 * The seeded part of a chaos run: which faults happen when, and how each client paces
 * its typing. The same seed and duration give the same schedule (the interleavings
 * of real processes still vary; the schedule is what reruns).
 */

/** mulberry32: a small, fast, seeded PRNG (uniform in [0, 1)). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export type FaultKind =
  | 'kill-instance'
  | 'restart-redis'
  | 'freeze-redis'
  | 'terminate-backends'
  | 'restart-postgres'
  | 'postgres-latency'
  | 'redis-latency'
  | 'reset-postgres-connections'
  | 'reset-redis-connections'
  | 'move-client';

export interface Fault {
  /** Milliseconds after the run started. */
  at: number;
  kind: FaultKind;
  /** Instance or client index, where the fault has one. */
  target?: number;
  /** Where a moved client goes. */
  to?: number;
  /** How long the fault lasts (down time, freeze, latency window). */
  durationMs?: number;
  /** Added latency per chunk. */
  latencyMs?: number;
}

const weights: [FaultKind, number][] = [
  ['kill-instance', 4],
  ['restart-redis', 2],
  ['freeze-redis', 2],
  ['terminate-backends', 2],
  ['restart-postgres', 2],
  ['postgres-latency', 2],
  ['redis-latency', 1],
  ['reset-postgres-connections', 1],
  ['reset-redis-connections', 1],
  ['move-client', 2],
];

export function buildSchedule(options: {
  seed: number;
  durationMs: number;
  instances: number;
  clients: number;
}): Fault[] {
  const random = seededRandom(options.seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const total = weights.reduce((sum, [, w]) => sum + w, 0);
  const pick = (): FaultKind => {
    let r = random() * total;
    for (const [kind, w] of weights) {
      r -= w;
      if (r < 0) return kind;
    }
    return 'kill-instance';
  };
  const faults: Fault[] = [];
  // Faults run one after another; each is given its expected length plus a gap in
  // which the system may recover (or not, when the next one comes early).
  let at = int(1_500, 3_000);
  while (at < options.durationMs - 2_000) {
    const kind = pick();
    const fault: Fault = { at, kind };
    switch (kind) {
      case 'kill-instance':
        fault.target = int(0, options.instances - 1);
        fault.durationMs = int(200, 1_500);
        break;
      case 'restart-redis':
      case 'restart-postgres':
        fault.durationMs = int(0, 1_500);
        break;
      case 'freeze-redis':
        fault.durationMs = int(500, 3_000);
        break;
      case 'postgres-latency':
      case 'redis-latency':
        fault.durationMs = int(1_000, 4_000);
        fault.latencyMs = int(10, 250);
        break;
      case 'move-client':
        fault.target = int(0, options.clients - 1);
        fault.to = int(0, options.instances - 1);
        break;
      default:
        break;
    }
    faults.push(fault);
    at += (fault.durationMs ?? 0) + int(700, 2_500);
  }
  return faults;
}

export const describeFault = (f: Fault) =>
  [
    `t+${(f.at / 1000).toFixed(1)}s ${f.kind}`,
    f.target !== undefined ? (f.kind === 'move-client' ? `client ${f.target}` : `instance ${f.target}`) : '',
    f.to !== undefined ? `→ instance ${f.to}` : '',
    f.latencyMs !== undefined ? `+${f.latencyMs} ms` : '',
    f.durationMs !== undefined ? `for ${f.durationMs} ms` : '',
  ]
    .filter(Boolean)
    .join(' ');
