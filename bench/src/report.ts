import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { latencyChart } from './latency-chart.js';
import { stalled } from './replay-scenario.js';
import {
  type CrossInstanceResult,
  isNa,
  type Outcome,
  type PerTarget,
  type RunResult,
  type TypingResult,
} from './results.js';
import type { Percentiles } from './stats.js';
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
  perTarget: PerTarget<T> | undefined,
  pick: (value: T) => number | string | undefined,
): Record<TargetId, number | string> {
  const values = {} as Record<TargetId, number | string>;
  for (const id of COLUMNS) {
    const outcome = perTarget?.[id] as Outcome<T> | undefined;
    values[id] = outcome === undefined ? 'not run' : isNa(outcome) ? outcome.na : (pick(outcome) ?? 'n/a');
  }
  return values;
}

/** A typing scenario's result, single- or cross-instance. */
type AnyTyping = Omit<CrossInstanceResult, 'lockWaitSamples' | 'lockWaits'>;

/** Each server's cross-instance p99 over its own single-instance medium p99. */
function crossOverSingle(result: RunResult): Record<TargetId, number | string> {
  const cross = metric(result.scenarios.crossInstance, (r) =>
    typeof r.latencyMs === 'string'
      ? r.latencyMs
      : r.deliveredRatio >= 0.9
        ? r.latencyMs.p99
        : 'n/a (fell behind)',
  );
  const single = metric(result.scenarios.typingMedium, (r) => r.latencyMs.p99);
  const values = {} as Record<TargetId, number | string>;
  for (const id of COLUMNS) {
    const c = cross[id];
    const m = single[id];
    values[id] =
      typeof c === 'number' && typeof m === 'number' && m > 0
        ? Math.round((100 * c) / m) / 100
        : typeof c === 'string'
          ? c
          : (m as string);
  }
  return values;
}

export function tableRows(result: RunResult): Row[] {
  const s = result.scenarios;
  const rows: Row[] = [];
  const typingRows = (name: string, perTarget: PerTarget<AnyTyping>, latencyIf = (_: AnyTyping) => true) => {
    // A latency over the few deliveries that arrived would flatter a server that fell behind.
    const latency = (pick: (p: Percentiles) => number) => (r: AnyTyping) =>
      typeof r.latencyMs === 'string'
        ? r.latencyMs
        : latencyIf(r)
          ? pick(r.latencyMs)
          : `n/a (only ${Math.round(r.deliveredRatio * 100)} % of edits reached the other clients; p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms of those that did)`;
    rows.push(
      {
        label: `${name}: p50 ms`,
        values: metric(
          perTarget,
          latency((p) => p.p50),
        ),
        better: 'lower',
      },
      {
        label: `${name}: p95 ms`,
        values: metric(
          perTarget,
          latency((p) => p.p95),
        ),
        better: 'lower',
      },
      {
        label: `${name}: p99 ms`,
        values: metric(
          perTarget,
          latency((p) => p.p99),
        ),
        better: 'lower',
      },
      {
        label: `${name}: max ms`,
        values: metric(
          perTarget,
          latency((p) => p.max),
        ),
        better: 'lower',
      },
      {
        label: `${name}: ack p99 ms`,
        values: metric(perTarget, (r) => (typeof r.ackMs === 'string' ? r.ackMs : r.ackMs.p99)),
        better: 'lower',
      },
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
        label: `${name}: delivered within 1 s %`,
        values: metric(perTarget, (r) => Math.round(r.deliveredWithinSecondRatio * 10000) / 100),
        better: 'higher',
      },
      {
        label: `${name}: server CPU %`,
        values: metric(perTarget, (r) => r.serverCpuPercent),
        better: 'lower',
      },
      {
        label: `${name}: server CPU µs/delivery`,
        values: metric(perTarget, (r) => r.serverCpuUsPerDelivery),
        better: 'lower',
      },
      {
        label: `${name}: +PG+Redis CPU µs/delivery`,
        values: metric(perTarget, (r) => r.storageCpuUsPerDelivery),
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
  typingRows('cross-instance', s.crossInstance, (r) => r.deliveredRatio >= 0.9);
  rows.push(
    {
      label: 'cross-instance: p99 ÷ 1-instance medium p99',
      values: crossOverSingle(result),
      better: 'lower',
    },
    {
      label: 'cross-instance: lock-wait samples',
      values: metric(s.crossInstance, (r) => r.lockWaitSamples),
      better: 'lower',
    },
  );
  const replayRows = (name: string, perTarget: typeof s.replay) =>
    rows.push(
      {
        label: `${name}: acked keystrokes/s`,
        values: metric(perTarget, (r) => r.keystrokesPerSec),
        better: 'higher',
      },
      {
        label: `${name}: % acknowledged`,
        values: metric(perTarget, (r) => Math.round(r.acknowledgedRatio * 1000) / 10),
        better: 'higher',
      },
    );
  replayRows('replay automerge-paper', s.replay);
  replayRows('replay friendsforever', s.replayTwoAuthors);
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
    {
      label: 'cold load: ms to full text',
      values: metric(s.coldLoad, (r) => r.loadMs),
      better: 'lower',
    },
    {
      label: 'cold load: 260k-keystroke history ms',
      values: metric(s.replay, (r) => r.coldLoadMs ?? 'n/a (not measured)'),
      better: 'lower',
    },
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
      label: 'durability: PG tuples per edit',
      values: metric(s.durability, (r) => r.tuplesPerEdit),
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
    {
      label: 'safe write: document KB (Markdown)',
      values: metric(s.safeWrite, (r) => Math.round(r.markdownBytes / 1024)),
      better: 'lower',
    },
    { label: 'safe write: read ms', values: metric(s.safeWrite, (r) => r.readMs), better: 'lower' },
    {
      label: 'safe write: stale If-Match merge ms',
      values: metric(s.safeWrite, (r) => r.mergeMs),
      better: 'lower',
    },
    {
      label: 'safe write: bytes stored per merge',
      values: metric(s.safeWrite, (r) => r.updateBytes),
      better: 'lower',
    },
    {
      label: 'encryption on: ack p99 ms',
      values: metric(s.encryption, (r) => r.on.ackP99Ms),
      better: 'lower',
    },
    {
      label: 'encryption off: ack p99 ms',
      values: metric(s.encryption, (r) => r.off.ackP99Ms),
      better: 'lower',
    },
    {
      label: 'encryption: ack p99 cost %',
      values: metric(s.encryption, (r) => r.ackP99OverheadPercent),
      better: 'lower',
    },
    {
      label: 'encryption on: cold load ms',
      values: metric(s.encryption, (r) => r.on.coldLoadMs),
      better: 'lower',
    },
    {
      label: 'encryption off: cold load ms',
      values: metric(s.encryption, (r) => r.off.coldLoadMs),
      better: 'lower',
    },
    {
      label: 'encryption: cold load cost %',
      values: metric(s.encryption, (r) => r.coldLoadOverheadPercent),
      better: 'lower',
    },
    {
      label: 'webhook: edit → document.updated p50 ms (debounce 0)',
      values: metric(s.webhooks, (r) => r.latencyP50Ms),
      better: 'lower',
    },
    {
      label: 'webhook: edit → document.updated p95 ms (debounce 0)',
      values: metric(s.webhooks, (r) => r.latencyP95Ms),
      better: 'lower',
    },
    {
      label: 'webhook: deliveries/s (queue throughput)',
      values: metric(s.webhooks, (r) => r.deliveriesPerSec),
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

/** Issue 9's targets checked against this run: for the reader, never asserted. */
export function targetChecks(result: RunResult): string[] {
  const s = result.scenarios;
  const num = (v: number | string | undefined) => (typeof v === 'number' ? v : undefined);
  const show = (v: number | string | undefined) => (v === undefined ? 'not run' : String(v));
  // Every figure of a check must be a number; a server that fell behind missed the target.
  const check = (figures: (number | string)[], test: (...f: number[]) => boolean) => {
    if (figures.some((f) => typeof f === 'string' && /fell behind|not even the first step/.test(f)))
      return false;
    const values = figures.map(num);
    return values.every((v) => v !== undefined) ? test(...(values as number[])) : undefined;
  };
  const line = (target: string, ok: boolean | undefined, detail: string) =>
    `- ${target}: ${verdict(ok)} (${detail})`;
  const f = 'folio' as const;
  const p = 'hocuspocus' as const;
  const ratio = (a: number | string, b: number | string) =>
    typeof a === 'number' && typeof b === 'number' && b > 0 ? `${(a / b).toFixed(2)}×` : '—';
  const pair = (label: string, a: number | string, b: number | string, unit: string) =>
    `${label}: Folio ${show(a)}, Hocuspocus ${show(b)}${unit}, ${ratio(a, b)}`;

  const small50 = [
    value(s.typingSmall[f], (r) => r.latencyMs.p50),
    value(s.typingSmall[p], (r) => r.latencyMs.p50),
  ];
  const small99 = [
    value(s.typingSmall[f], (r) => r.latencyMs.p99),
    value(s.typingSmall[p], (r) => r.latencyMs.p99),
  ];
  const medium99 = [
    value(s.typingMedium[f], (r) => r.latencyMs.p99),
    value(s.typingMedium[p], (r) => r.latencyMs.p99),
  ];
  const sat = [
    value(s.saturation[f], (r) => r.sustainedEditsPerSec),
    value(s.saturation[p], (r) => r.sustainedEditsPerSec),
    value(s.saturation['y-websocket'], (r) => r.sustainedEditsPerSec),
  ];
  const crossWithin = value(
    s.crossInstance[f],
    (r) => Math.round(r.deliveredWithinSecondRatio * 10000) / 100,
  );
  const crossRatio = crossOverSingle(result)[f];
  const ackMedium = value(s.typingMedium[f], (r) => (typeof r.ackMs === 'string' ? r.ackMs : r.ackMs.p99));
  const cpu = (pick: (r: TypingResult) => number | string) =>
    (['typingSmall', 'typingMedium'] as const).map((name) => [
      value(s[name][f], pick),
      value(s[name][p], pick),
    ]);
  const serverCpu = cpu((r) => r.serverCpuUsPerDelivery);
  const storageCpu = cpu((r) => r.storageCpuUsPerDelivery);
  const replay = (perTarget: typeof s.replay) => {
    const folio = perTarget[f];
    const rate = [value(folio, (r) => r.keystrokesPerSec), value(perTarget[p], (r) => r.keystrokesPerSec)];
    // Exact texts: an n/a outcome says why not; a cut-off replay never reached the end.
    const cut = folio && !isNa(folio) ? stalled(folio) : undefined;
    const done = [
      value(folio, (r) => r.acknowledged - r.keystrokes),
      value(perTarget[p], (r) => r.acknowledged - r.keystrokes),
    ];
    const ok = cut
      ? false
      : check([...rate, ...done], (a, b, da, db) => da === 0 && db === 0 && a >= 0.5 * b);
    return { rate, ok, cut };
  };
  const one = replay(s.replay);
  const two = replay(s.replayTwoAuthors);
  const idle = [
    value(s.idleConnections[f], (r) => r.heapBytesPerConnection),
    value(s.idleConnections[p], (r) => r.heapBytesPerConnection),
    value(s.idleConnections[f], (r) => r.bytesPerConnection),
    value(s.idleConnections[p], (r) => r.bytesPerConnection),
  ];
  const tuples = value(s.durability[f], (r) => r.tuplesPerEdit);
  const cold = value(s.coldLoad[f], (r) => r.loadMs);
  const coldTrace = value(s.replay[f], (r) => r.coldLoadMs ?? 'n/a (not measured)');
  const locks = value(s.crossInstance[f], (r) => r.lockWaitSamples);
  const [small50f = '', small50p = ''] = small50;
  const [small99f = '', small99p = ''] = small99;
  const [medium99f = '', medium99p = ''] = medium99;
  const [satF = '', satP = '', satY = ''] = sat;
  return [
    line(
      'small profile p50 / p99 ≤ 1.3× plain',
      check([...small50, ...small99], (a, b, c, d) => a <= 1.3 * b && c <= 1.3 * d),
      `${pair('p50', small50f, small50p, ' ms')}; ${pair('p99', small99f, small99p, ' ms')}`,
    ),
    line(
      'medium profile p99 ≤ 1.2× plain (goal ≤ 1.0×)',
      check(medium99, (a, b) => a <= 1.2 * b),
      pair('p99', medium99f, medium99p, ' ms'),
    ),
    line(
      'single-room saturation ≥ 1.0× plain and ≥ y-websocket',
      check(sat, (a, b, c) => a >= b && a >= c),
      `Folio ${show(satF)}, Hocuspocus ${show(satP)}, y-websocket ${show(satY)} edits/s`,
    ),
    line(
      'cross-instance medium ≥ 99.9 % delivered within 1 s, p99 ≤ 2× Folio single-instance medium p99',
      check([crossWithin, crossRatio ?? 'not run'], (w, r) => w >= 99.9 && r <= 2),
      `${show(crossWithin)} % within 1 s; p99 ÷ single-instance p99 ${show(crossRatio)}`,
    ),
    line(
      'acknowledgement p99, medium < 25 ms',
      check([ackMedium], (a) => a < 25),
      `${show(ackMedium)} ms`,
    ),
    line(
      'server CPU per delivered update, small and medium ≤ 1.3× plain',
      check(serverCpu.flat(), (a, b, c, d) => a <= 1.3 * b && c <= 1.3 * d),
      serverCpu.map(([a = '', b = ''], i) => pair(i ? 'medium' : 'small', a, b, ' µs')).join('; '),
    ),
    line(
      '… counting Postgres and Redis ≤ 1.6× plain',
      check(storageCpu.flat(), (a, b, c, d) => a <= 1.6 * b && c <= 1.6 * d),
      storageCpu.map(([a = '', b = ''], i) => pair(i ? 'medium' : 'small', a, b, ' µs')).join('; '),
    ),
    line(
      'replay automerge-paper (≤ 256 unacknowledged): acked keystrokes/s ≥ 0.5× plain (goal 0.7×), text exact',
      one.ok,
      `${pair('keystrokes/s', one.rate[0] ?? '', one.rate[1] ?? '', '')}${one.cut ? `; Folio ${one.cut}` : ''}`,
    ),
    line(
      'replay friendsforever, two authors on two instances: ≥ 0.5× plain, texts exact',
      two.ok,
      `${pair('keystrokes/s', two.rate[0] ?? '', two.rate[1] ?? '', '')}${two.cut ? `; Folio ${two.cut}` : ''}`,
    ),
    line(
      'idle heap / RSS per connection ≤ 1.0× / ≤ 1.2× plain',
      check(idle, (a, b, c, d) => a <= b && c <= 1.2 * d),
      `${pair('heap', idle[0] ?? '', idle[1] ?? '', ' B')}; ${pair('RSS', idle[2] ?? '', idle[3] ?? '', ' B')}`,
    ),
    line(
      'Postgres tuples written per edit ≤ 1.5',
      check([tuples], (t) => t <= 1.5),
      `${show(tuples)}`,
    ),
    line(
      'cold load of the long history < 150 ms, and a row for the 260k-keystroke history',
      check([cold], (c) => c < 150),
      `${show(cold)} ms; 260k-keystroke history ${show(coldTrace)}${typeof coldTrace === 'number' ? ' ms' : ''}`,
    ),
    line(
      'lock waits on the commit path, cross-instance: none sampled',
      check([locks], (l) => l === 0),
      `${show(locks)} samples`,
    ),
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
    'Targets of issue 9 in this run, against plain Hocuspocus (for the product; the harness only reports):',
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
