/**
 * `pnpm bench [--quick] [--only=folio,hocuspocus] [--scenario=search,coldLoad] [--large]`: measures
 * Folio and its baselines side by side, prints the table, writes
 * bench/results/<timestamp>.json and, for a full run of everything (or with --readme),
 * refreshes bench/README.md and bench/results/latency.svg.
 * `--report=<results.json>` re-renders those from an earlier run without measuring.
 * `--large` seeds the search scenario with 1,000,000 documents (use with --scenario=search).
 */
import { readFile } from 'node:fs/promises';
import { writeResults } from './report.js';
import { type RunResult, type Scenarios, scenarioNames } from './results.js';
import { runBench } from './run-bench.js';
import type { TargetId } from './targets.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const large = args.includes('--large');
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',') as TargetId[] | undefined;
const scenarios = args
  .find((a) => a.startsWith('--scenario='))
  ?.slice('--scenario='.length)
  .split(',') as (keyof Scenarios)[] | undefined;
const unknown = scenarios?.filter((s) => !scenarioNames.includes(s));
if (unknown?.length) {
  process.stderr.write(
    `bench: unknown scenario ${unknown.join(', ')} (one of ${scenarioNames.join(', ')})\n`,
  );
  process.exit(2);
}

// The whole run is bounded: a hung server or client must not hold CI forever.
// Seeding a --large corpus alone takes 10–15 minutes on two cores. A quick run took
// 146 s on a machine at load 11 once the webhooks scenario (three more processes) ran.
const limitMs = (quick ? 210 : large ? 60 * 60 : 25 * 60) * 1000;
const watchdog = setTimeout(() => {
  process.stderr.write(`bench: gave up after ${limitMs / 1000} s\n`);
  process.exit(2);
}, limitMs);
watchdog.unref();

// --report=<results.json>: re-render the table, README section and plot of an earlier run.
const reportPath = args.find((a) => a.startsWith('--report='))?.slice('--report='.length);
const result = reportPath
  ? (JSON.parse(await readFile(reportPath, 'utf8')) as RunResult)
  : await runBench({ quick, large, ...(only ? { only } : {}), ...(scenarios ? { scenarios } : {}) });
// A run of some servers or scenarios only (or a --large one) does not replace the README's full figures.
const written = await writeResults(result, {
  readme: (result.meta.mode === 'full' && !only && !scenarios && !large) || args.includes('--readme'),
});
process.stdout.write(`\n${written.table}\nresults: ${written.jsonPath}\n`);
process.exit(0);
