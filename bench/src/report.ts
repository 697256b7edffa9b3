import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { latencyChart } from './latency-chart.js';
import { isNa, type Outcome, type PerTarget, type RunResult } from './results.js';
import type { TargetId } from './targets.js';

export const benchDir = resolve(import.meta.dirname, '..');
const BASELINES: TargetId[] = ['hocuspocus', 'stock', 'y-websocket'];
const COLUMNS: TargetId[] = ['folio', ...BASELINES];

interface Row {
  label: string;
  values: Record<TargetId, number | string>;
  /** Whether a smaller value is better (latency) or a larger one (throughput); for the reader. */
  better: 'lower' | 'higher';
}

/** Picks one metric out of every target's outcome of a scenario; an n/a outcome gives its reason. */
function metric<T>(
  perTarget: PerTarget<T>,
  pick: (value: T) => number | string | undefined,
): Record<TargetId, number | string> {
  const values = {} as Record<TargetId, number | string>;
  for (const id of COLUMNS) {
    const outcome = perTarget[id] as Outcome<T> | undefined;
    values[id] = outcome === undefined ? 'not run' : isNa(outcome) ? outcome.na : (pick(outcome) ?? 'n/a');
  }
  return values;
}

export function tableRows(result: RunResult): Row[] {
  const s = result.scenarios;
  const rows: Row[] = [];
  const typingRows = (name: string, perTarget: typeof s.typingSmall) => {
    rows.push(
      { label: `${name}: p50 ms`, values: metric(perTarget, (r) => r.latencyMs.p50), better: 'lower' },
      { label: `${name}: p95 ms`, values: metric(perTarget, (r) => r.latencyMs.p95), better: 'lower' },
      { label: `${name}: p99 ms`, values: metric(perTarget, (r) => r.latencyMs.p99), better: 'lower' },
      { label: `${name}: max ms`, values: metric(perTarget, (r) => r.latencyMs.max), better: 'lower' },
      {
        label: `${name}: delivered/s`,
        values: metric(perTarget, (r) => r.deliveredPerSec),
        better: 'higher',
      },
      {
        label: `${name}: delivered %`,
        values: metric(perTarget, (r) => Math.round(r.deliveredRatio * 1000) / 10),
        better: 'higher',
      },
      {
        label: `${name}: server CPU %`,
        values: metric(perTarget, (r) => r.serverCpuPercent),
        better: 'lower',
      },
      { label: `${name}: server RSS MB`, values: metric(perTarget, (r) => r.serverRssMb), better: 'lower' },
      {
        label: `${name}: Postgres CPU %`,
        values: metric(perTarget, (r) => r.databaseCpuPercent),
        better: 'lower',
      },
      {
        label: `${name}: client CPU %`,
        values: metric(perTarget, (r) => r.clientCpuPercent),
        better: 'lower',
      },
      {
        label: `${name}: machine CPU %`,
        values: metric(perTarget, (r) => r.machineCpuPercent),
        better: 'lower',
      },
    );
  };
  typingRows('typing small', s.typingSmall);
  typingRows('typing medium', s.typingMedium);
  typingRows('cross-instance', s.crossInstance);
  rows.push(
    {
      label: 'saturation: sustained edits/s',
      values: metric(s.saturation, (r) => r.sustainedEditsPerSec),
      better: 'higher',
    },
    {
      label: 'saturation: sustained delivered/s',
      values: metric(s.saturation, (r) => r.sustainedDeliveriesPerSec),
      better: 'higher',
    },
    { label: 'cold load: ms to full text', values: metric(s.coldLoad, (r) => r.loadMs), better: 'lower' },
    {
      label: 'idle: RSS bytes per connection',
      values: metric(s.idleConnections, (r) => r.bytesPerConnection),
      better: 'lower',
    },
    {
      label: 'idle: heap bytes per connection',
      values: metric(s.idleConnections, (r) => r.heapBytesPerConnection),
      better: 'lower',
    },
    { label: 'durability: ack p50 ms', values: metric(s.durability, (r) => r.ackP50Ms), better: 'lower' },
    { label: 'durability: ack p99 ms', values: metric(s.durability, (r) => r.ackP99Ms), better: 'lower' },
    {
      label: 'durability: PG bytes per edit byte',
      values: metric(s.durability, (r) => r.bytesPerEditByte),
      better: 'lower',
    },
    {
      label: 'durability: PG commits/s',
      values: metric(s.durability, (r) => r.commitsPerSec),
      better: 'lower',
    },
    { label: 'search: p50 ms', values: metric(s.search, (r) => r.p50Ms), better: 'lower' },
    { label: 'search: p95 ms', values: metric(s.search, (r) => r.p95Ms), better: 'lower' },
    { label: 'search: p99 ms', values: metric(s.search, (r) => r.p99Ms), better: 'lower' },
    { label: 'search: max ms', values: metric(s.search, (r) => r.maxMs), better: 'lower' },
    { label: 'search: queries/s', values: metric(s.search, (r) => r.queriesPerSec), better: 'higher' },
    {
      label: 'search concurrent: p50 ms',
      values: metric(s.search, (r) => r.concurrent.p50Ms),
      better: 'lower',
    },
    {
      label: 'search concurrent: p95 ms',
      values: metric(s.search, (r) => r.concurrent.p95Ms),
      better: 'lower',
    },
    {
      label: 'search concurrent: queries/s',
      values: metric(s.search, (r) => r.concurrent.queriesPerSec),
      better: 'higher',
    },
  );
  return rows;
}

const ratio = (folio: number | string, baseline: number | string): string =>
  typeof folio === 'number' && typeof baseline === 'number' && baseline !== 0
    ? `${(folio / baseline).toFixed(2)}×`
    : '—';

/**
 * A Markdown table (readable as plain text too). n/a cells carry a footnote number; the
 * reasons are listed below the table.
 */
export function renderTable(result: RunResult): string {
  const notes: string[] = [];
  const cell = (value: number | string) => {
    if (typeof value === 'number') return String(value);
    let index = notes.indexOf(value);
    if (index < 0) index = notes.push(value) - 1;
    return `n/a[${index + 1}]`;
  };
  const labels: Record<TargetId, string> = {
    folio: 'Folio',
    hocuspocus: 'Hocuspocus',
    stock: 'HP+Redis+DB',
    'y-websocket': 'y-websocket',
  };
  const header = [
    'metric',
    ...COLUMNS.map((id) => labels[id]),
    ...BASELINES.map((id) => `Folio ÷ ${labels[id]}`),
  ];
  const body = tableRows(result).map((row) => [
    row.label,
    ...COLUMNS.map((id) => cell(row.values[id])),
    ...BASELINES.map((id) => ratio(row.values.folio, row.values[id])),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  // Right-aligned figures, as the rule row declares (and as Biome formats Markdown tables).
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(Math.max(1, w - 1))}:`)).join(' | ')} |`;
  const noteLines = notes.map((n, i) => `[${i + 1}] ${n}`);
  return [line(header), rule, ...body.map(line), '', ...noteLines].join('\n');
}

const value = <T>(outcome: Outcome<T> | undefined, pick: (v: T) => number | string): number | string =>
  outcome === undefined ? 'not run' : isNa(outcome) ? outcome.na : pick(outcome);

const verdict = (ok: boolean | undefined) => (ok === undefined ? 'not measurable' : ok ? 'met' : 'not met');

/** The issue's targets (point 5) checked against this run: for the reader, never asserted. */
export function targetChecks(result: RunResult): string[] {
  const s = result.scenarios;
  const num = (v: number | string) => (typeof v === 'number' ? v : undefined);
  const both = (a: number | undefined, b: number | undefined, test: (a: number, b: number) => boolean) =>
    a === undefined || b === undefined ? undefined : test(a, b);
  const folioP99 = value(s.typingMedium.folio, (r) => r.latencyMs.p99);
  const plainP99 = value(s.typingMedium.hocuspocus, (r) => r.latencyMs.p99);
  const folioSat = value(s.saturation.folio, (r) => r.sustainedEditsPerSec);
  const plainSat = value(s.saturation.hocuspocus, (r) => r.sustainedEditsPerSec);
  const ywsSat = value(s.saturation['y-websocket'], (r) => r.sustainedEditsPerSec);
  const ack = value(s.durability.folio, (r) => r.ackP99Ms);
  const cold = value(s.coldLoad.folio, (r) => r.loadMs);
  const idleRss = value(s.idleConnections.folio, (r) => r.bytesPerConnection);
  const idleHeap = value(s.idleConnections.folio, (r) => r.heapBytesPerConnection);
  const show = (v: number | string) => (typeof v === 'number' ? String(v) : v);
  // A server that fell behind, or sustained not even the first step, missed the target.
  const fellBehind = (v: number | string) =>
    typeof v === 'string' && /fell behind|not even the first step/.test(v);
  const medium = fellBehind(folioP99) ? false : both(num(folioP99), num(plainP99), (f, p) => f <= 1.1 * p);
  const folioSatValue = fellBehind(folioSat) ? 0 : num(folioSat);
  const saturation =
    folioSatValue === undefined || num(plainSat) === undefined
      ? undefined
      : folioSatValue >= 0.9 * (num(plainSat) as number) && folioSatValue > (num(ywsSat) ?? 0);
  return [
    `- medium propagation p99 ≤ 1.1 × plain Hocuspocus: ${verdict(medium)} (Folio ${show(folioP99)}; Hocuspocus ${show(plainP99)} ms)`,
    `- saturation ≥ 0.9 × plain Hocuspocus and ahead of y-websocket: ${verdict(saturation)} (Folio ${show(folioSat)}; Hocuspocus ${show(plainSat)}, y-websocket ${show(ywsSat)} edits/s)`,
    `- acknowledgement p99 < 25 ms: ${verdict(num(ack) === undefined ? undefined : (num(ack) as number) < 25)} (${show(ack)} ms)`,
    `- cold load of the long-history document < 150 ms: ${verdict(num(cold) === undefined ? undefined : (num(cold) as number) < 150)} (${show(cold)} ms)`,
    `- < 10 KB per idle connection: ${verdict(num(idleRss) === undefined ? undefined : (num(idleRss) as number) < 10_240)} (RSS ${show(idleRss)} B, live heap ${show(idleHeap)} B per connection)`,
  ];
}

const START = '<!-- results:start -->';
const END = '<!-- results:end -->';

function readmeSection(result: RunResult, table: string): string {
  const m = result.meta;
  const sat = result.scenarios.saturation;
  const stopped = COLUMNS.map((id) => {
    const o = sat[id];
    return o && !isNa(o) ? `- ${id}: ${o.stoppedBecause}` : undefined;
  }).filter(Boolean);
  return [
    START,
    `Latest ${m.mode} run: \`${m.command}\` on ${m.startedAt} (commit ${m.commit}), ${m.durationSec} s.`,
    '',
    `Machine: ${m.machine.cpus} × ${m.machine.cpuModel}, ${m.machine.memoryGb} GB RAM, Node ${m.machine.node}, ${m.machine.os}; ${m.clientProcesses} client processes on the same machine; load average ${m.loadAverage.start} at the start, ${m.loadAverage.end} at the end.`,
    '',
    ...(Math.max(m.loadAverage.start, m.loadAverage.end) > m.machine.cpus
      ? [
          `**The machine was shared with other work during this run** (load average ${m.loadAverage.start} on ${m.machine.cpus} cores before the benchmark started, ${m.loadAverage.end} at its end): absolute figures are worse than on a quiet machine and servers measured at different moments saw different contention; see \`machine CPU %\` per scenario.`,
          '',
        ]
      : []),
    table,
    '',
    'Targets of issue 5 in this run (for the product; the harness only reports):',
    '',
    ...targetChecks(result),
    '',
    'Saturation stopped:',
    '',
    ...stopped,
    '',
    '![p50 (dashed) and p99 (solid) propagation latency against offered edit rate](results/latency.svg)',
    END,
  ].join('\n');
}

export async function writeResults(result: RunResult, options: { readme: boolean }) {
  const resultsDir = join(benchDir, 'results');
  await mkdir(resultsDir, { recursive: true });
  const stamp = result.meta.startedAt.replaceAll(':', '-').replace(/\.\d+Z$/, 'Z');
  const jsonPath = join(resultsDir, `${stamp}${result.meta.mode === 'quick' ? '-quick' : ''}.json`);
  await writeFile(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
  const table = renderTable(result);
  if (options.readme) {
    await writeFile(join(resultsDir, 'latency.svg'), latencyChart(result));
    const readmePath = join(benchDir, 'README.md');
    const readme = await readFile(readmePath, 'utf8').catch(() => `# Benchmarks\n\n${START}\n${END}\n`);
    const from = readme.indexOf(START);
    const to = readme.indexOf(END);
    const section = readmeSection(result, table);
    const next =
      from >= 0 && to > from
        ? readme.slice(0, from) + section + readme.slice(to + END.length)
        : `${readme}\n${section}\n`;
    await writeFile(readmePath, next);
  }
  return { jsonPath, table: `${table}\n\nTargets:\n${targetChecks(result).join('\n')}` };
}
