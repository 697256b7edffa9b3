import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isNa, type RunResult, scenarioNames } from './results.js';

const repoRoot = resolve(import.meta.dirname, '../..');

function runQuick(): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['bench/dist/run.js', '--quick'], { cwd: repoRoot });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString('utf8');
    });
    child.once('exit', (code) => done({ code, output }));
  });
}

/** Every leaf of a result is a finite number or an explicit "n/a (reason)". */
function badLeaves(value: unknown, path: string): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [`${path} = ${value}`];
  if (typeof value === 'string') return value.startsWith('n/a') ? [] : [`${path} = ${JSON.stringify(value)}`];
  if (Array.isArray(value)) return value.flatMap((v, i) => badLeaves(v, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) =>
      // Free-text explanations, not measurements.
      k === 'stoppedBecause' ? [] : badLeaves(v, `${path}.${k}`),
    );
  }
  return [`${path} = ${String(value)}`];
}

// `pnpm bench --quick` in CI: the harness must not rot. The numbers are not asserted (the
// targets are for the product to meet); the shape and the honesty of n/a are.
describe('pnpm bench --quick', () => {
  it('measures every scenario for every server, or says why not', async () => {
    const { code, output } = await runQuick();
    expect(code, output).toBe(0);
    const jsonPath = /results: (\S+\.json)/.exec(output)?.[1];
    expect(jsonPath, output).toBeDefined();
    const result = JSON.parse(await readFile(jsonPath as string, 'utf8')) as RunResult;
    await rm(jsonPath as string);

    expect(result.meta.mode).toBe('quick');
    expect(result.targets.map((t) => t.id)).toEqual(['folio', 'hocuspocus', 'stock', 'y-websocket']);
    for (const name of scenarioNames) {
      for (const target of result.targets) {
        const outcome = result.scenarios[name]?.[target.id];
        expect(outcome, `${name}/${target.id}`).toBeDefined();
        expect(badLeaves(outcome, `${name}.${target.id}`)).toEqual([]);
      }
    }
    // The baselines work in every environment this runs in: their core figures are numbers.
    const plain = result.scenarios.typingSmall.hocuspocus;
    expect(isNa(plain), JSON.stringify(plain)).toBe(false);
    const stockCold = result.scenarios.coldLoad.stock;
    expect(isNa(stockCold), JSON.stringify(stockCold)).toBe(false);
    // The replays end with exact texts on plain Hocuspocus (else the outcome is n/a).
    for (const name of ['replay', 'replayTwoAuthors'] as const) {
      const replay = result.scenarios[name].hocuspocus;
      expect(isNa(replay), JSON.stringify(replay)).toBe(false);
      if (!isNa(replay)) expect(replay.keystrokes).toBe(400);
    }
    // Search is Folio's alone: numbers for Folio, a reason for every baseline.
    const search = result.scenarios.search.folio;
    expect(isNa(search), JSON.stringify(search)).toBe(false);
    // So is a safe REST write: a stale If-Match merge that kept the concurrent edit.
    const safeWrite = result.scenarios.safeWrite?.folio;
    expect(safeWrite && !isNa(safeWrite), JSON.stringify(safeWrite)).toBe(true);
    if (!isNa(search)) {
      expect(search.documents).toBe(2_000);
      expect(search.sequential.queries).toBeGreaterThan(0);
      expect(search.sequential.meanHits).toBeGreaterThan(0);
      expect(search.p50Ms).toBeGreaterThan(0);
      expect(search.p95Ms).toBeGreaterThanOrEqual(search.p50Ms);
      expect(search.concurrent.queriesPerSec).toBeGreaterThan(0);
    }
    for (const id of ['hocuspocus', 'stock', 'y-websocket'] as const) {
      expect(result.scenarios.search[id]).toEqual({ na: 'n/a (a collaboration server only: no search)' });
    }
    const webhooks = result.scenarios.webhooks?.folio;
    expect(webhooks && !isNa(webhooks), JSON.stringify(webhooks)).toBe(true);
    if (webhooks && !isNa(webhooks)) {
      expect(webhooks.deliveries).toBe(100);
      expect(webhooks.latencyP50Ms).toBeGreaterThan(0);
      expect(webhooks.deliveriesPerSec).toBeGreaterThan(0);
    }
  }, 230_000);
});
