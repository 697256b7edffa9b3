import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CapacityInputError,
  capacityStep,
  measuredFigures,
  newestFullRun,
  renderCapacity,
  renderFile,
} from './capacity.js';
import type { RunResult } from './results.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const START = '<!-- capacity:start -->';
const END = '<!-- capacity:end -->';

async function docBlock(): Promise<{ file: string; block: string }> {
  const doc = await readFile(resolve(repoRoot, 'docs/capacity.md'), 'utf8');
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  expect(start, 'docs/capacity.md has the capacity markers').toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  const block = doc.slice(start + START.length, end).trim();
  const file = /^From `([^`]+)`/.exec(block)?.[1];
  if (!file) throw new Error('the capacity block does not start with the results file it was computed from');
  return { file, block };
}

async function load(file: string): Promise<RunResult> {
  return JSON.parse(await readFile(resolve(repoRoot, file), 'utf8')) as RunResult;
}

describe('capacity model', () => {
  it('docs/capacity.md embeds exactly what the script prints for its results file', async () => {
    const { file, block } = await docBlock();
    expect(block).toBe(await renderFile(resolve(repoRoot, file)));
  });

  it('defaults to the newest full run, never a quick one', async () => {
    const newest = await newestFullRun();
    expect(newest).toMatch(/\d{4}-\d\d-\d\dT[\d-]+Z\.json$/);
    expect((await load(newest)).meta.mode).toBe('full');
  });

  it('scales linearly: twice the editors need twice the load and nodes', async () => {
    const measured = measuredFigures(await load((await docBlock()).file));
    const one = capacityStep(50_000, measured);
    const two = capacityStep(100_000, measured);
    expect(two.nodeCores).toBeCloseTo(2 * one.nodeCores, 6);
    expect(Math.abs(two.nodes - 2 * one.nodes)).toBeLessThanOrEqual(1);
    expect(two.postgresCommitsPerSec).toBeCloseTo(2 * one.postgresCommitsPerSec, 6);
    expect(two.redisBytesInPerSec).toBeCloseTo(2 * one.redisBytesInPerSec, 6);
    expect(two.walBytesPerDay).toBeCloseTo(2 * one.walBytesPerDay, 3);
    for (const value of Object.values(two)) {
      if (typeof value === 'number') expect(Number.isFinite(value)).toBe(true);
    }
  });

  it('turns the measured figures into the model by hand-checkable arithmetic', async () => {
    const result = await load((await docBlock()).file);
    const m = measuredFigures(result);
    const durability = result.scenarios.durability.folio;
    if ('na' in durability) throw new Error('the committed run has a durability figure');
    expect(m.editsPerCommit).toBeCloseTo(durability.editsPerSec / (durability.commitsPerSec as number), 9);
    const step = capacityStep(10_000, m);
    expect(step.postgresCommitsPerSec).toBeCloseTo(10_000 / m.editsPerCommit, 6);
    expect(step.walBytesPerDay).toBeCloseTo(10_000 * 86_400 * m.walBytesPerEdit, 0);
    // The CPU fit reproduces both measured profiles.
    const small = result.scenarios.typingSmall.folio;
    if ('na' in small) throw new Error('the committed run has a small profile');
    const smallEditsPerSec = small.deliveredPerSec / (small.clients / small.docs - 1);
    expect(m.cpuUsPerDelivery * small.deliveredPerSec + m.cpuUsPerEdit * smallEditsPerSec).toBeCloseTo(
      (small.serverCpuUsPerDelivery as number) * small.deliveredPerSec,
      3,
    );
  });

  it('names a missing or n/a figure instead of computing NaN', async () => {
    const result = await load((await docBlock()).file);
    const missing = structuredClone(result);
    delete (missing.scenarios.durability.folio as { commitsPerSec?: unknown }).commitsPerSec;
    expect(() => measuredFigures(missing)).toThrow(CapacityInputError);
    expect(() => measuredFigures(missing)).toThrow('scenarios.durability.folio.commitsPerSec: missing');

    const na = structuredClone(result);
    na.scenarios.idleConnections.folio = { na: 'n/a (server did not start)' };
    expect(() => measuredFigures(na)).toThrow('scenarios.idleConnections.folio.bytesPerConnection: n/a');

    const zero = structuredClone(result);
    (zero.scenarios.durability.folio as { commitsPerSec: number }).commitsPerSec = 0;
    expect(() => measuredFigures(zero)).toThrow('durability edits per commit = Infinity');

    const quick = structuredClone(result);
    quick.meta.mode = 'quick';
    expect(() => renderCapacity(quick, 'x-quick.json')).toThrow('the model needs a full run');
  });
});
