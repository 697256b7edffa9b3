/**
 * `pnpm multiregion [--latency MS] [--mode async|sync|both] [--probes N] [--typing MS]`:
 * the two-region simulation of docs/multi-region.md (run.ts). Every server it starts is
 * private, on loopback, and stopped at the end; each mode takes about a minute.
 * Prints one JSON line per mode.
 */
import { parseArgs } from 'node:util';
import { runMultiRegion } from './run.js';

const { values } = parseArgs({
  options: {
    latency: { type: 'string', default: '40' },
    mode: { type: 'string', default: 'both' },
    probes: { type: 'string', default: '50' },
    typing: { type: 'string', default: '5000' },
    detect: { type: 'string', default: '1000' },
  },
});
const latencyMs = Number(values.latency);
const modes = values.mode === 'both' ? [false, true] : [values.mode === 'sync'];
if (
  !Number.isInteger(latencyMs) ||
  latencyMs < 0 ||
  latencyMs > 500 ||
  !['async', 'sync', 'both'].includes(values.mode)
) {
  console.error(
    'usage: pnpm multiregion [--latency 0..500] [--mode async|sync|both] [--probes N] [--typing MS] [--detect MS]',
  );
  process.exit(2);
}
// Bounded whatever happens: a stuck run is ended (its servers die with the process).
setTimeout(() => {
  console.error('multiregion: over the time limit, stopping');
  process.exit(1);
}, 10 * 60_000).unref();
for (const synchronous of modes) {
  const report = await runMultiRegion({
    latencyMs,
    synchronous,
    probes: Math.min(500, Number(values.probes)),
    typingMs: Math.min(60_000, Number(values.typing)),
    detectMs: Math.min(30_000, Number(values.detect)),
    print: (line) => console.error(line),
  });
  console.log(JSON.stringify(report));
}
process.exit(0);
