/** `pnpm soak [--minutes N]`: the soak run (see run.ts); exits 1 if a bound was exceeded. */
import { parseArgs } from 'node:util';
import { runSoak } from './run.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    clients: { type: 'string', default: '30' },
    documents: { type: 'string', default: '20' },
  },
});
const minutes = Number(values.minutes);
if (!(minutes >= 1)) {
  console.error('usage: pnpm soak [--minutes N≥1] [--clients N] [--documents N]');
  process.exit(2);
}
const report = await runSoak({
  minutes,
  clients: Number(values.clients),
  documents: Number(values.documents),
});
console.log(JSON.stringify(report));
process.exit(report.failures.length === 0 ? 0 : 1);
