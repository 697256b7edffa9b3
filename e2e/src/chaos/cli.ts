/**
 * `pnpm chaos [--seconds N] [--seed S]`: the long chaos run (see run.ts). Prints its seed
 * and schedule first; exits 1 if any check failed. A seed reruns the same schedule.
 */
import { parseArgs } from 'node:util';
import { runChaos } from './run.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '300' },
    seed: { type: 'string' },
    documents: { type: 'string', default: '3' },
    'clients-per-document': { type: 'string', default: '4' },
  },
});
const seconds = Number(values.seconds);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!Number.isInteger(seconds) || seconds < 5 || !Number.isInteger(seed)) {
  console.error('usage: pnpm chaos [--seconds N≥5] [--seed INTEGER]');
  process.exit(2);
}
const report = await runChaos({
  seconds,
  seed,
  documents: Number(values.documents),
  clientsPerDocument: Number(values['clients-per-document']),
});
console.log(JSON.stringify({ ...report, lost: report.lost.length, duplicated: report.duplicated.length }));
process.exit(report.failures.length === 0 ? 0 : 1);
